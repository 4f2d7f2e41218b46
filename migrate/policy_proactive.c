/* SPDX-License-Identifier: MIT */
/*
 * proactive: look `lookahead` ahead on the UE's trajectory (the runner's future_cell, from
 * mobility) and move the service to the edge nearest the cell that will serve it then, so
 * the migration is done, or under way, when the handover comes. Checked at every tick and
 * handover; nothing is decided while the future is unknown (-1), so a gap in the prediction
 * never moves the service back.
 */
#include "migrate/policy.h"

#include <errno.h>
#include <stdlib.h>

static int proactive_init(struct mig_policy *p)
{
	uint64_t *ahead;

	if (!p->env.future_cell)
		return -EINVAL;
	ahead = malloc(sizeof(*ahead));
	if (!ahead)
		return -ENOMEM;
	*ahead = mig_policy_param(p, "lookahead");
	p->priv = ahead;
	return 0;
}

static void proactive_free(struct mig_policy *p)
{
	free(p->priv);
}

static void look(struct mig_policy *p, const struct mig_ue *ue, uint64_t t_ns,
		 struct mig_decision *d)
{
	uint64_t ahead = *(const uint64_t *)p->priv, then = t_ns + ahead;
	char dur[32];
	int cell, to;

	if (ue->migrating)
		return;
	if (then < t_ns)
		then = UINT64_MAX;
	cell = p->env.future_cell(p->env.future_arg, ue->node, then);
	to = mig_cells_nearest(p->cells, cell);
	if (to < 0 || (unsigned)to == ue->edge)
		return;
	mig_fmt_ns(ahead, dur, sizeof(dur));
	mig_decide(d, (unsigned)to, "proactive: %s serves %s in %s (now %s); %s is nearest it",
		   mig_node_name(p, cell), mig_node_name(p, (int)ue->node), dur,
		   mig_node_name(p, ue->cell), mig_node_name(p, to));
}

static void proactive_handover(struct mig_policy *p, const struct mig_ue *ue, int old_cell,
			       int new_cell, uint64_t t_ns, struct mig_decision *d)
{
	look(p, ue, t_ns, d);
}

static void proactive_tick(struct mig_policy *p, const struct mig_ue *ue, uint64_t t_ns,
			   struct mig_decision *d)
{
	look(p, ue, t_ns, d);
}

const struct mig_policy_ops mig_policy_proactive_ops = {
    .name = "proactive",
    .init = proactive_init,
    .on_handover = proactive_handover,
    .on_tick = proactive_tick,
    .free = proactive_free,
};
