/* SPDX-License-Identifier: MIT */
/*
 * The route plan's graph: adjacency in link order and shortest paths by the outgoing
 * direction's delay (topo/plan_int.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "topo/plan_int.h"

static bool less(const struct cost *a, const struct cost *b)
{
	if (a->delay != b->delay)
		return a->delay < b->delay;
	if (a->hops != b->hops)
		return a->hops < b->hops;
	if (a->first != b->first)
		return a->first < b->first;
	return a->node < b->node;
}

static void heap_push(struct heap *h, struct cost c)
{
	size_t i = h->n++;

	while (i && less(&c, &h->v[(i - 1) / 2])) {
		h->v[i] = h->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->v[i] = c;
}

static struct cost heap_pop(struct heap *h)
{
	struct cost top = h->v[0], last = h->v[--h->n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && less(&h->v[c + 1], &h->v[c]))
			c++;
		if (!less(&h->v[c], &last))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = last;
	return top;
}

void plan_graph_free(struct graph *g)
{
	free(g->off);
	free(g->adj);
	free(g->best);
	free(g->first_end);
	free(g->heap.v);
	free(g->cand);
	free(g->count);
	free(g->reached);
	free(g->stack);
	free(g->enbs);
}

int plan_graph_init(struct graph *g, const struct topo_model *m)
{
	size_t n = m->n_nodes, l = m->n_links;

	g->m = m;
	g->off = calloc(n + 1, sizeof(*g->off));
	g->adj = calloc(2 * l + 1, sizeof(*g->adj));
	g->best = calloc(n + 1, sizeof(*g->best));
	g->first_end = calloc(n + 1, sizeof(*g->first_end));
	g->heap.v = calloc(2 * l + 2, sizeof(*g->heap.v));
	g->cand = calloc(l + 2, sizeof(*g->cand));
	g->count = calloc(l + 1, sizeof(*g->count));
	g->reached = calloc(n + 1, sizeof(*g->reached));
	g->stack = calloc(n + 1, sizeof(*g->stack));
	g->enbs = calloc(n + 1, sizeof(*g->enbs));
	g->reach_of = UINT_MAX;
	if (!g->off || !g->adj || !g->best || !g->first_end || !g->heap.v || !g->cand ||
	    !g->count || !g->reached || !g->stack || !g->enbs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (m->nodes[i].kind == TOPO_ENB)
			g->enbs[g->n_enbs++] = (unsigned)i;
	for (size_t i = 0; i < l; i++)
		for (int e = 0; e < 2; e++)
			g->off[m->links[i].end[e].node + 1]++;
	for (size_t i = 0; i < n; i++)
		g->off[i + 1] += g->off[i];
	/* Filled in link order, using first_end as a cursor, so ties favour lower links. */
	for (size_t i = 0; i < l; i++)
		for (int e = 0; e < 2; e++) {
			unsigned node = m->links[i].end[e].node;

			g->adj[g->off[node] + g->first_end[node]++] = (unsigned)(2 * i + e);
		}
	return 0;
}

/* Shortest paths from src; only the source and forwarding nodes pass traffic on. */
void plan_dijkstra(struct graph *g, unsigned src)
{
	const struct topo_model *m = g->m;

	for (unsigned i = 0; i < m->n_nodes; i++)
		g->best[i] = (struct cost){UINT64_MAX, UINT32_MAX, UINT32_MAX, i};
	g->best[src] = (struct cost){0, 0, UINT32_MAX, src};
	g->heap.n = 0;
	heap_push(&g->heap, g->best[src]);
	while (g->heap.n) {
		struct cost c = heap_pop(&g->heap);
		unsigned u = c.node;

		if (less(&g->best[u], &c))
			continue; /* stale entry */
		if (u != src && !topo_kind_forwards(m->nodes[u].kind))
			continue;
		for (unsigned a = g->off[u]; a < g->off[u + 1]; a++) {
			unsigned li = g->adj[a] / 2, e = g->adj[a] % 2;
			const struct topo_link *k = &m->links[li];
			unsigned v = k->end[!e].node;
			struct cost n = {c.delay + k->dir[e].delay_ns, c.hops + 1,
					 u == src ? li : c.first, v};

			if (n.delay < c.delay)
				n.delay = UINT64_MAX;
			if (less(&n, &g->best[v])) {
				g->best[v] = n;
				g->first_end[v] = u == src ? e : g->first_end[u];
				heap_push(&g->heap, n);
			}
		}
	}
}

/* The nodes a path entering v reaches: v, and past it through forwarding nodes only. */
static void reach_from(struct graph *g, unsigned v)
{
	const struct topo_model *m = g->m;
	size_t n = 0;

	memset(g->reached, 0, m->n_nodes);
	g->reached[v] = 1;
	g->stack[n++] = v;
	while (n) {
		unsigned u = g->stack[--n];

		if (!topo_kind_forwards(m->nodes[u].kind))
			continue;
		for (unsigned a = g->off[u]; a < g->off[u + 1]; a++) {
			unsigned w = m->links[g->adj[a] / 2].end[!(g->adj[a] % 2)].node;

			if (!g->reached[w]) {
				g->reached[w] = 1;
				g->stack[n++] = w;
			}
		}
	}
	g->reach_of = v;
}

/*
 * plan_dijkstra() for a source with one link (a host, a wired UE, a cell's eNB): every path
 * leaves through that link, so what routes_of() needs is only what is reachable, and that
 * is the same for every leaf of one neighbour (the hosts of a star): found once. Costs are
 * left equal; they would only choose which end of a subnet a route aims at, not its next hop.
 */
void plan_leaf(struct graph *g, unsigned src)
{
	const struct topo_model *m = g->m;
	unsigned a = g->adj[g->off[src]], li = a / 2, e = a % 2;
	unsigned v = m->links[li].end[!e].node;

	if (g->reach_of != v)
		reach_from(g, v);
	for (unsigned i = 0; i < m->n_nodes; i++) {
		if (i == src)
			g->best[i] = (struct cost){0, 0, UINT32_MAX, i};
		else if (g->reached[i])
			g->best[i] = (struct cost){0, 1, li, i};
		else
			g->best[i] = (struct cost){UINT64_MAX, UINT32_MAX, UINT32_MAX, i};
		g->first_end[i] = e;
	}
}

bool plan_ue_pool_hop(const struct graph *g, unsigned src, unsigned *ret_link, unsigned *ret_end)
{
	unsigned link = UINT32_MAX, end = 0;

	for (unsigned i = 0; i < g->n_enbs; i++) {
		unsigned b = g->enbs[i];

		if (b == src || g->best[b].hops == UINT32_MAX)
			continue;
		if (link == UINT32_MAX) {
			link = g->best[b].first;
			end = g->first_end[b];
		} else if (g->best[b].first != link) {
			return false;
		}
	}
	if (link == UINT32_MAX)
		return false;
	*ret_link = link;
	*ret_end = end;
	return true;
}
