/* SPDX-License-Identifier: MIT */
/*
 * What policies share: the cell table (hops from each cell to every node, each cell's
 * nearest edge) and small helpers for their decisions.
 */
#include "migrate/policy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mig_cells {
	unsigned n_nodes;
	int *nearest;	/* per node: an eNB's nearest edge, else -1 */
	int *row;	/* per node: an eNB's row in hops, else -1 */
	uint32_t *hops; /* hops[row * n_nodes + node] */
};

void mig_cells_free(struct mig_cells *c)
{
	if (!c)
		return;
	free(c->nearest);
	free(c->row);
	free(c->hops);
	free(c);
}

/*
 * Breadth-first from src, the source and forwarding nodes passing on. A FIFO queue takes the
 * nodes level by level, so when a node leaves it every path of fewest hops into it has been
 * seen: its delay (the smallest over those paths) is final before it extends them.
 */
static void bfs(const struct topo_model *m, const unsigned *off, const unsigned *adj, unsigned src,
		uint32_t *ret_hops, uint64_t *ret_delay, unsigned *queue)
{
	unsigned head = 0, tail = 0;

	for (unsigned i = 0; i < m->n_nodes; i++) {
		ret_hops[i] = MIG_HOPS_NONE;
		ret_delay[i] = UINT64_MAX;
	}
	ret_hops[src] = 0;
	ret_delay[src] = 0;
	queue[tail++] = src;
	while (head < tail) {
		unsigned u = queue[head++];

		if (u != src && !topo_kind_forwards(m->nodes[u].kind))
			continue;
		for (unsigned a = off[u]; a < off[u + 1]; a++) {
			const struct topo_link *k = &m->links[adj[a] / 2];
			unsigned e = adj[a] % 2, v = k->end[!e].node;
			uint64_t d = ret_delay[u] + k->dir[e].delay_ns;

			if (d < ret_delay[u])
				d = UINT64_MAX;
			if (ret_hops[v] == MIG_HOPS_NONE) {
				ret_hops[v] = ret_hops[u] + 1;
				queue[tail++] = v;
			} else if (ret_hops[v] != ret_hops[u] + 1) {
				continue;
			}
			if (d < ret_delay[v])
				ret_delay[v] = d;
		}
	}
}

/* Whether edge i is nearer than edge b: fewer hops, then less delay, then the smaller name. */
static bool nearer(const struct topo_model *m, const uint32_t *hops, const uint64_t *delay,
		   unsigned i, unsigned b)
{
	if (hops[i] != hops[b])
		return hops[i] < hops[b];
	if (delay[i] != delay[b])
		return delay[i] < delay[b];
	return strcmp(m->nodes[i].name, m->nodes[b].name) < 0;
}

static int nearest_edge(const struct topo_model *m, const uint32_t *hops, const uint64_t *delay)
{
	int best = -1;

	for (unsigned i = 0; i < m->n_nodes; i++)
		if (m->nodes[i].kind == TOPO_EDGE && hops[i] != MIG_HOPS_NONE &&
		    (best < 0 || nearer(m, hops, delay, i, (unsigned)best)))
			best = (int)i;
	return best;
}

int mig_cells_new(const struct topo_model *m, struct mig_cells **ret)
{
	unsigned n = m->n_nodes, n_cells = 0, *off = NULL, *adj = NULL, *queue = NULL;
	uint64_t *delay = NULL;
	struct mig_cells *c;
	int r = -ENOMEM;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->n_nodes = n;
	for (unsigned i = 0; i < n; i++)
		n_cells += m->nodes[i].kind == TOPO_ENB;
	c->nearest = calloc(n + 1, sizeof(*c->nearest));
	c->row = calloc(n + 1, sizeof(*c->row));
	c->hops = calloc((size_t)n_cells * n + 1, sizeof(*c->hops));
	off = calloc(n + 1, sizeof(*off));
	adj = calloc(2 * (size_t)m->n_links + 1, sizeof(*adj));
	queue = calloc(n + 1, sizeof(*queue));
	delay = calloc(n + 1, sizeof(*delay));
	if (!c->nearest || !c->row || !c->hops || !off || !adj || !queue || !delay)
		goto out;

	/* Adjacency as link * 2 + end, in link order; queue serves as the fill cursor. */
	for (unsigned i = 0; i < m->n_links; i++)
		for (int e = 0; e < 2; e++)
			off[m->links[i].end[e].node + 1]++;
	for (unsigned i = 0; i < n; i++)
		off[i + 1] += off[i];
	for (unsigned i = 0; i < m->n_links; i++)
		for (unsigned e = 0; e < 2; e++) {
			unsigned node = m->links[i].end[e].node;

			adj[off[node] + queue[node]++] = 2 * i + e;
		}

	n_cells = 0;
	for (unsigned i = 0; i < n; i++) {
		uint32_t *h = c->hops + (size_t)n_cells * n;

		c->nearest[i] = c->row[i] = -1;
		if (m->nodes[i].kind != TOPO_ENB)
			continue;
		bfs(m, off, adj, i, h, delay, queue);
		c->row[i] = (int)n_cells++;
		c->nearest[i] = nearest_edge(m, h, delay);
	}
	*ret = c;
	c = NULL;
	r = 0;
out:
	free(off);
	free(adj);
	free(queue);
	free(delay);
	mig_cells_free(c);
	return r;
}

int mig_cells_nearest(const struct mig_cells *c, int cell)
{
	if (cell < 0 || (unsigned)cell >= c->n_nodes)
		return -1;
	return c->nearest[cell];
}

uint32_t mig_cells_hops(const struct mig_cells *c, int cell, unsigned node)
{
	if (cell < 0 || (unsigned)cell >= c->n_nodes || c->row[cell] < 0 || node >= c->n_nodes)
		return MIG_HOPS_NONE;
	return c->hops[(size_t)c->row[cell] * c->n_nodes + node];
}

void mig_decide(struct mig_decision *d, unsigned to, const char *fmt, ...)
{
	va_list ap;

	d->migrate = true;
	d->to = to;
	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
}

const char *mig_node_name(const struct mig_policy *p, int node)
{
	if (node < 0 || (unsigned)node >= p->env.m->n_nodes)
		return "-";
	return p->env.m->nodes[node].name;
}

void mig_fmt_ns(uint64_t ns, char *buf, size_t len)
{
	static const struct {
		uint64_t ns;
		const char *unit;
	} units[] = {{1000000000ULL, "s"}, {1000000ULL, "ms"}, {1000ULL, "us"}, {1, "ns"}};
	size_t i = 0;

	while (i + 1 < sizeof(units) / sizeof(units[0]) && ns < units[i].ns)
		i++;
	snprintf(buf, len, "%g%s", (double)ns / (double)units[i].ns, units[i].unit);
}
