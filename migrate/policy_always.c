/* SPDX-License-Identifier: MIT */
/*
 * always (follow-me): on every handover, move the service to the edge nearest the new cell,
 * unless it runs there already. A handover during a migration is not lost: it is acted on at
 * the first tick after that migration ends.
 */
#include "migrate/policy.h"

#include <errno.h>
#include <stdlib.h>

static int always_init(struct mig_policy *p)
{
	bool *pending = calloc(p->env.m->n_nodes + 1, sizeof(*pending));

	if (!pending)
		return -ENOMEM;
	p->priv = pending;
	return 0;
}

static void always_free(struct mig_policy *p)
{
	free(p->priv);
}

static void follow(struct mig_policy *p, const struct mig_ue *ue, int cell, const char *when,
		   struct mig_decision *d)
{
	int to = mig_cells_nearest(p->cells, cell);

	if (to < 0 || (unsigned)to == ue->edge)
		return;
	mig_decide(d, (unsigned)to, "follow-me: %s to %s; %s is nearest it", when,
		   mig_node_name(p, cell), mig_node_name(p, to));
}

static void always_handover(struct mig_policy *p, const struct mig_ue *ue, int old_cell,
			    int new_cell, uint64_t t_ns, struct mig_decision *d)
{
	bool *pending = p->priv;

	pending[ue->node] = ue->migrating;
	if (!ue->migrating)
		follow(p, ue, new_cell, "handover", d);
}

static void always_tick(struct mig_policy *p, const struct mig_ue *ue, uint64_t t_ns,
			struct mig_decision *d)
{
	bool *pending = p->priv;

	if (!pending[ue->node] || ue->migrating)
		return;
	pending[ue->node] = false;
	follow(p, ue, ue->cell, "handover during a migration", d);
}

const struct mig_policy_ops mig_policy_always_ops = {
    .name = "always",
    .init = always_init,
    .on_handover = always_handover,
    .on_tick = always_tick,
    .free = always_free,
};
