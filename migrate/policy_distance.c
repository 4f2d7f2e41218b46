/* SPDX-License-Identifier: MIT */
/*
 * distance: move the service when the edge running it is more than `hops` hops from the UE's
 * serving cell (over the model's links, as mig_cells_hops counts), to the edge nearest that
 * cell, if that one is nearer. A condition on where things are, not an event: checked at
 * every handover and tick, so a handover during a migration is caught once it ends.
 */
#include "migrate/policy.h"

#include <errno.h>
#include <stdlib.h>

static int distance_init(struct mig_policy *p)
{
	uint64_t *hops = malloc(sizeof(*hops));

	if (!hops)
		return -ENOMEM;
	*hops = mig_policy_param(p, "hops");
	p->priv = hops;
	return 0;
}

static void distance_free(struct mig_policy *p)
{
	free(p->priv);
}

static void check(struct mig_policy *p, const struct mig_ue *ue, struct mig_decision *d)
{
	uint64_t limit = *(const uint64_t *)p->priv;
	uint32_t now, then;
	int to;

	if (ue->migrating || ue->cell < 0)
		return;
	now = mig_cells_hops(p->cells, ue->cell, ue->edge);
	if (now != MIG_HOPS_NONE && now <= limit)
		return;
	to = mig_cells_nearest(p->cells, ue->cell);
	if (to < 0 || (unsigned)to == ue->edge)
		return;
	/* Nothing gained by moving to an edge as far away (equal hops, other delay). */
	then = mig_cells_hops(p->cells, ue->cell, (unsigned)to);
	if (now != MIG_HOPS_NONE && then >= now)
		return;
	if (now == MIG_HOPS_NONE)
		mig_decide(d, (unsigned)to, "distance: %s unreachable from %s; %s is %u hops",
			   mig_node_name(p, (int)ue->edge), mig_node_name(p, ue->cell),
			   mig_node_name(p, to), then);
	else
		mig_decide(d, (unsigned)to,
			   "distance: %s is %u hops from %s (above %llu); %s is %u",
			   mig_node_name(p, (int)ue->edge), now, mig_node_name(p, ue->cell),
			   (unsigned long long)limit, mig_node_name(p, to), then);
}

static void distance_handover(struct mig_policy *p, const struct mig_ue *ue, int old_cell,
			      int new_cell, uint64_t t_ns, struct mig_decision *d)
{
	check(p, ue, d);
}

static void distance_tick(struct mig_policy *p, const struct mig_ue *ue, uint64_t t_ns,
			  struct mig_decision *d)
{
	check(p, ue, d);
}

const struct mig_policy_ops mig_policy_distance_ops = {
    .name = "distance",
    .init = distance_init,
    .on_handover = distance_handover,
    .on_tick = distance_tick,
    .free = distance_free,
};
