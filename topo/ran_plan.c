/* SPDX-License-Identifier: MIT */
/*
 * The radio access network's routes: a radio UE keeps its address wherever it is, so the
 * nodes find it by a /32 route towards its serving eNB, except where their UE pool route
 * (topo_plan_routes()) already goes that way. At plan time every node's route for a UE in
 * each cell is worked out once, with the route plan's own shortest paths (topo/plan_int.h);
 * a handover then only compares two columns of that table.
 */
#include <errno.h>
#include <stdlib.h>

#include "topo/plan_int.h"
#include "topo/topo.h"

/* A node's route for a UE in one cell: 2 * link + end of its next hop, or one of these. */
#define ROUTE_NONE UINT32_MAX	    /* no /32: nothing, or the pool route, is right */
#define ROUTE_DEV (UINT32_MAX - 1u) /* the serving eNB: out of its radio interface */

struct topo_ran_plan {
	const struct topo_model *m;
	unsigned n_rows; /* the nodes that are not UEs */
	unsigned n_cols; /* the eNBs */
	unsigned *node;	 /* row -> node index */
	int *col;	 /* node index -> its column if an eNB, else -1 */
	uint32_t *route; /* [col * n_rows + row]: a column per cell, read whole at a switch */
};

void topo_ran_plan_free(struct topo_ran_plan *p)
{
	if (!p)
		return;
	free(p->node);
	free(p->col);
	free(p->route);
	free(p);
}

/* One row: node x's route for a UE in every cell, from the paths g has from x. */
static void fill_row(struct topo_ran_plan *p, const struct graph *g, unsigned row)
{
	unsigned x = p->node[row], link, end;
	uint32_t pool = ROUTE_NONE;

	if (plan_ue_pool_hop(g, x, &link, &end))
		pool = 2 * link + end;
	for (unsigned c = 0; c < p->n_cols; c++) {
		unsigned b = g->enbs[c];
		uint32_t r;

		if (b == x)
			r = ROUTE_DEV;
		else if (g->best[b].hops == UINT32_MAX)
			r = ROUTE_NONE; /* unreachable: no route helps */
		else
			r = 2 * g->best[b].first + g->first_end[b];
		if (r == pool)
			r = ROUTE_NONE;
		p->route[(size_t)c * p->n_rows + row] = r;
	}
}

int topo_ran_plan_new(const struct topo_model *m, struct topo_ran_plan **ret)
{
	struct topo_ran_plan *p;
	struct graph g = {0};
	int r;

	/* Routes point at addresses, so the address plan must have run. */
	for (unsigned l = 0; l < m->n_links; l++)
		if (!m->links[l].end[0].addr || !m->links[l].end[1].addr)
			return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->m = m;
	r = plan_graph_init(&g, m);
	if (r < 0)
		goto err;
	p->n_cols = g.n_enbs;
	p->node = calloc(m->n_nodes + 1, sizeof(*p->node));
	p->col = calloc(m->n_nodes + 1, sizeof(*p->col));
	if (!p->node || !p->col) {
		r = -ENOMEM;
		goto err;
	}
	for (unsigned i = 0; i < m->n_nodes; i++) {
		p->col[i] = -1;
		if (m->nodes[i].kind != TOPO_UE)
			p->node[p->n_rows++] = i;
	}
	for (unsigned c = 0; c < g.n_enbs; c++)
		p->col[g.enbs[c]] = (int)c;
	/* As the route plan's bound: a table this size is routes the nodes may all need. */
	if ((uint64_t)p->n_rows * p->n_cols > TOPO_ROUTES_MAX) {
		r = -E2BIG;
		goto err;
	}
	p->route = calloc((size_t)p->n_rows * p->n_cols + 1, sizeof(*p->route));
	if (!p->route) {
		r = -ENOMEM;
		goto err;
	}
	for (unsigned row = 0; row < p->n_rows; row++) {
		unsigned x = p->node[row];

		/* No eNB, nothing to route to: the paths are not needed. */
		if (!p->n_cols)
			break;
		if (g.off[x + 1] - g.off[x] == 1)
			plan_leaf(&g, x);
		else
			plan_dijkstra(&g, x);
		fill_row(p, &g, row);
	}
	plan_graph_free(&g);
	*ret = p;
	return 0;
err:
	plan_graph_free(&g);
	topo_ran_plan_free(p);
	return r;
}

/* The column of cell node b, NULL for none (-1, or a node that is not an eNB). */
static const uint32_t *column(const struct topo_ran_plan *p, int b)
{
	if (b < 0 || (unsigned)b >= p->m->n_nodes || p->col[b] < 0)
		return NULL;
	return p->route + (size_t)p->col[b] * p->n_rows;
}

size_t topo_ran_switch(const struct topo_ran_plan *p, unsigned ue, int from, int to,
		       struct topo_ran_route *out)
{
	const uint32_t *a = column(p, from), *b = column(p, to);
	size_t n = 0;

	for (unsigned row = 0; row < p->n_rows; row++) {
		uint32_t was = a ? a[row] : ROUTE_NONE, now = b ? b[row] : ROUTE_NONE;
		struct topo_ran_route *o = &out[n];

		if (was == now || p->node[row] == ue)
			continue;
		*o = (struct topo_ran_route){.node = p->node[row]};
		if (now == ROUTE_NONE) {
			o->del = true;
		} else if (now == ROUTE_DEV) {
			o->dev_only = true;
		} else {
			o->link = now / 2;
			o->end = now % 2;
			o->via = p->m->links[o->link].end[!o->end].addr;
		}
		n++;
	}
	return n;
}
