/* SPDX-License-Identifier: MIT */
/*
 * Radio UEs. With `radio:`, every UE reaches the eNBs over one radio interface and keeps one
 * address for the whole run (node.ue_addr, topo/plan.c); which cell serves it is the
 * runner's choice, and the routes that follow it are topo/ran_plan.c's.
 */
#include "topo/topo.h"

bool topo_ue_is_radio(const struct topo_model *m, unsigned node)
{
	return m->has_radio && node < m->n_nodes && m->nodes[node].kind == TOPO_UE;
}
