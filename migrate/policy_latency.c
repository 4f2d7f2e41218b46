/* SPDX-License-Identifier: MIT */
/*
 * latency: move the service when every probe answer for `for` has taken longer than `above`
 * (strictly), to the edge nearest the UE's serving cell. The run of slow answers starts at
 * the first one; an answer at or below `above` ends it, and so does a decision: after one,
 * answers during the migration count for nothing and a new run starts after it ends (or, if
 * the runner declined the decision, after another `for`). When the nearest edge serves
 * already, the run goes on: slowness there is no reason to move, but a later handover is.
 */
#include "migrate/policy.h"

#include <errno.h>
#include <stdlib.h>

/* One UE's run of slow answers. */
struct slow_run {
	bool on;	   /* in a run of answers above above_ns */
	uint64_t since_ns; /* the run's first answer */
};

struct latency {
	uint64_t above_ns, for_ns;
	struct slow_run *ue; /* per node */
};

static int latency_init(struct mig_policy *p)
{
	struct latency *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->ue = calloc(p->env.m->n_nodes + 1, sizeof(*l->ue));
	if (!l->ue) {
		free(l);
		return -ENOMEM;
	}
	l->above_ns = mig_policy_param(p, "above");
	l->for_ns = mig_policy_param(p, "for");
	p->priv = l;
	return 0;
}

static void latency_free(struct mig_policy *p)
{
	struct latency *l = p->priv;

	if (l)
		free(l->ue);
	free(l);
}

static void latency_rtt(struct mig_policy *p, const struct mig_ue *ue, uint64_t rtt_ns,
			uint64_t t_ns, struct mig_decision *d)
{
	struct latency *l = p->priv;
	struct slow_run *s = &l->ue[ue->node];
	char above[32], dur[32], rtt[32];
	int to;

	if (ue->migrating || rtt_ns <= l->above_ns) {
		s->on = false;
		return;
	}
	if (!s->on || t_ns < s->since_ns) {
		s->on = true;
		s->since_ns = t_ns;
	}
	if (t_ns - s->since_ns < l->for_ns)
		return;
	to = mig_cells_nearest(p->cells, ue->cell);
	if (to < 0 || (unsigned)to == ue->edge)
		return;
	s->on = false;
	mig_fmt_ns(l->above_ns, above, sizeof(above));
	mig_fmt_ns(t_ns - s->since_ns, dur, sizeof(dur));
	mig_fmt_ns(rtt_ns, rtt, sizeof(rtt));
	mig_decide(d, (unsigned)to, "latency: RTT above %s for %s (now %s); %s is nearest %s",
		   above, dur, rtt, mig_node_name(p, to), mig_node_name(p, ue->cell));
}

const struct mig_policy_ops mig_policy_latency_ops = {
    .name = "latency",
    .init = latency_init,
    .on_rtt = latency_rtt,
    .free = latency_free,
};
