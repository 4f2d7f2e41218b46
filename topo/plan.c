/* SPDX-License-Identifier: MIT */
/*
 * Address plan and static routes. Pure computation over the model: the builder applies the
 * result, so everything here is testable without root.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/plan_int.h"
#include "topo/topo.h"

#define POOL_PLEN 16
#define POOL_SUBNETS (1u << (32 - POOL_PLEN - 2)) /* /30s in the pool */

__attribute__((format(printf, 4, 5))) static int
fail(const struct topo_model *m, struct topo_err *err, struct topo_mark mark, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err)
		return -EINVAL;
	n = snprintf(err->msg, sizeof(err->msg), "%s:%d:%d: ", m->file ? m->file : "<model>",
		     mark.line, mark.col);
	if (n >= 0 && (size_t)n < sizeof(err->msg)) {
		va_start(ap, fmt);
		vsnprintf(err->msg + n, sizeof(err->msg) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

uint32_t topo_pool_base(unsigned slot)
{
	if (slot >= TOPO_SLOTS)
		return 0;
	return (10u << 24) | ((128u + slot) << 16);
}

/* A /31 has no network or broadcast address (RFC 3021): both addresses are hosts. */
static int check_host(const struct topo_model *m, const struct topo_if *x, struct topo_err *err)
{
	uint32_t net = x->addr & topo_mask(x->plen);

	if (x->plen < 8 || x->plen > 31)
		return fail(m, err, x->mark, "address %s/%u: prefix length must be 8 to 31",
			    topo_ip_str(x->addr), x->plen);
	/* 0 stands for "not planned yet" below; and 0.0.0.0/8 is no network's (RFC 1122). */
	if (x->addr >> 24 == 0)
		return fail(m, err, x->mark,
			    "address %s/%u is in 0.0.0.0/8 ('this network'), not a host's address",
			    topo_ip_str(x->addr), x->plen);
	if (x->plen <= 30 && x->addr == net)
		return fail(m, err, x->mark, "address %s/%u is the network address of its subnet",
			    topo_ip_str(x->addr), x->plen);
	if (x->plen <= 30 && x->addr == (net | ~topo_mask(x->plen)))
		return fail(m, err, x->mark, "address %s/%u is the broadcast address of its subnet",
			    topo_ip_str(x->addr), x->plen);
	return 0;
}

/* Both ends set in the file, or one end set and the other derived from it. */
static int check_link(const struct topo_model *m, struct topo_link *l, struct topo_err *err)
{
	struct topo_if *a = &l->end[0], *b = &l->end[1];
	int r;

	if (a->addr_set != b->addr_set) {
		struct topo_if *set = a->addr_set ? a : b, *other = a->addr_set ? b : a;
		uint32_t net = set->addr & topo_mask(set->plen);

		r = check_host(m, set, err);
		if (r < 0)
			return r;
		/* Only a point-to-point subnet leaves exactly one address for the other end. */
		if (set->plen == 31)
			other->addr = set->addr ^ 1;
		else if (set->plen == 30)
			other->addr = set->addr == net + 1 ? net + 2 : net + 1;
		else
			return fail(m, err, other->mark,
				    "give both addresses (the other end of %s/%u can be derived "
				    "only in a /30 or /31)",
				    topo_ip_str(set->addr), set->plen);
		other->plen = set->plen;
		return 0;
	}
	r = check_host(m, a, err);
	if (!r)
		r = check_host(m, b, err);
	if (r < 0)
		return r;
	if (a->plen != b->plen)
		return fail(m, err, b->mark,
			    "addresses %s/%u and %s/%u have different prefix lengths",
			    topo_ip_str(a->addr), a->plen, topo_ip_str(b->addr), b->plen);
	if ((a->addr ^ b->addr) & topo_mask(a->plen))
		return fail(m, err, b->mark, "addresses %s/%u and %s/%u are not in one subnet",
			    topo_ip_str(a->addr), a->plen, topo_ip_str(b->addr), b->plen);
	if (a->addr == b->addr)
		return fail(m, err, b->mark, "both ends have address %s", topo_ip_str(a->addr));
	return 0;
}

struct range {
	uint32_t first, last;
};

static int cmp_range(const void *x, const void *y)
{
	const struct range *a = x, *b = y;

	return a->first < b->first ? -1 : a->first > b->first;
}

/* Whether any two subnets set in the file overlap: sorted, O(L log L). */
static int any_overlap(const struct topo_model *m, bool *ret)
{
	struct range *v = calloc(m->n_links + 1, sizeof(*v));
	unsigned n = 0;

	if (!v)
		return -ENOMEM;
	for (unsigned l = 0; l < m->n_links; l++) {
		const struct topo_if *x = &m->links[l].end[0];

		if (x->addr)
			v[n++] = (struct range){x->addr & topo_mask(x->plen),
						x->addr | ~topo_mask(x->plen)};
	}
	qsort(v, n, sizeof(*v), cmp_range);
	*ret = false;
	for (unsigned i = 1; i < n && !*ret; i++)
		*ret = v[i].first <= v[i - 1].last;
	free(v);
	return 0;
}

/* Addresses set in the file (or derived from them) must be unique and their subnets apart. */
static int check_clashes(const struct topo_model *m, struct topo_err *err)
{
	bool overlap;
	int r = any_overlap(m, &overlap);

	/*
	 * Two links with one address have overlapping subnets, so a file without overlaps is
	 * fine; only one with a clash pays for the search that names the first, in file order.
	 */
	if (r < 0 || !overlap)
		return r;
	for (unsigned l = 0; l < m->n_links; l++) {
		const struct topo_link *k = &m->links[l];
		uint32_t net = k->end[0].addr & topo_mask(k->end[0].plen);

		if (!k->end[0].addr)
			continue;
		for (unsigned o = 0; o < l; o++) {
			const struct topo_link *p = &m->links[o];
			uint32_t pnet = p->end[0].addr & topo_mask(p->end[0].plen);
			unsigned plen =
			    k->end[0].plen < p->end[0].plen ? k->end[0].plen : p->end[0].plen;

			if (!p->end[0].addr)
				continue;
			for (int e = 0; e < 2; e++)
				for (int pe = 0; pe < 2; pe++) {
					const struct topo_if *x = &k->end[e], *y = &p->end[pe];

					if (x->addr == y->addr)
						return fail(m, err, x->mark,
							    "address %s already used by %s:%s at "
							    "%d:%d",
							    topo_ip_str(x->addr),
							    m->nodes[y->node].name, y->ifname,
							    y->mark.line, y->mark.col);
				}
			if (!((net ^ pnet) & topo_mask(plen)))
				return fail(
				    m, err, k->end[0].mark,
				    "subnet %s/%u overlaps subnet %s/%u of the link at %d:%d",
				    topo_ip_str(net), k->end[0].plen, topo_ip_str(pnet),
				    p->end[0].plen, p->mark.line, p->mark.col);
		}
	}
	return 0;
}

/*
 * A VIP names a service, never an interface: it must stay out of the run's pool (whose
 * route covers it) and off every interface.
 */
static int check_vips(struct topo_model *m, unsigned slot, struct topo_err *err)
{
	uint32_t base = topo_pool_base(slot);

	for (unsigned i = 0; i < m->n_services; i++) {
		const struct topo_service *svc = &m->services[i];

		if ((svc->vip & 0xffff0000u) == base)
			return fail(m, err, svc->vip_mark,
				    "vip %s is inside this run's address pool %s/%d; choose an "
				    "address outside 10.128.0.0/10 (e.g. 10.200.0.1)",
				    topo_ip_str(svc->vip), topo_ip_str(base), POOL_PLEN);
		for (unsigned l = 0; l < m->n_links; l++)
			for (unsigned e = 0; e < 2; e++)
				if (m->links[l].end[e].addr == svc->vip)
					return fail(m, err, svc->vip_mark,
						    "vip %s is the address of %s:%s",
						    topo_ip_str(svc->vip),
						    m->nodes[m->links[l].end[e].node].name,
						    m->links[l].end[e].ifname);
	}
	return 0;
}

/* Radio UE k (in node order) is the pool's host k + 1, for the whole run. */
static int plan_ue_addrs(struct topo_model *m, struct topo_err *err)
{
	const struct topo_radio *rd = &m->radio;
	uint32_t k = 0,
		 room = rd->ue_plen >= 8 && rd->ue_plen <= 30 ? (1u << (32 - rd->ue_plen)) - 2 : 0;

	for (unsigned i = 0; i < m->n_nodes; i++) {
		m->nodes[i].ue_addr = 0;
		if (!topo_ue_is_radio(m, i))
			continue;
		/* The parser checks this; a model made otherwise gets an error, not a wrap. */
		if (k >= room)
			return fail(m, err, rd->ue_pool_mark,
				    "ue_pool %s/%u holds %u UE addresses; "
				    "UE '%s' is one too many",
				    topo_ip_str(rd->ue_pool), rd->ue_plen, room, m->nodes[i].name);
		m->nodes[i].ue_addr = rd->ue_pool + 1 + k++;
	}
	return 0;
}

int topo_plan_addresses(struct topo_model *m, unsigned slot, struct topo_err *err)
{
	uint32_t base = topo_pool_base(slot), next = 0;
	struct range *taken;
	unsigned n_taken = 0, t = 0;
	int r;

	if (slot >= TOPO_SLOTS)
		return fail(m, err, (struct topo_mark){1, 1},
			    "run slot %u is out of range (at most %d)", slot, TOPO_SLOTS - 1);
	/* Planning again (another slot) must not mistake the last plan for the file's. */
	for (unsigned l = 0; l < m->n_links; l++)
		for (int e = 0; e < 2; e++)
			if (!m->links[l].end[e].addr_set) {
				m->links[l].end[e].addr = 0;
				m->links[l].end[e].plen = 0;
			}
	for (unsigned l = 0; l < m->n_links; l++) {
		struct topo_link *k = &m->links[l];

		if (k->end[0].addr_set || k->end[1].addr_set) {
			r = check_link(m, k, err);
			if (r < 0)
				return r;
		}
	}
	r = check_clashes(m, err);
	if (r < 0)
		return r;

	taken = calloc(m->n_links ? m->n_links : 1, sizeof(*taken));
	if (!taken)
		return -ENOMEM;
	for (unsigned l = 0; l < m->n_links; l++) {
		const struct topo_if *x = &m->links[l].end[0];

		if (x->addr)
			taken[n_taken++] = (struct range){x->addr & topo_mask(x->plen),
							  x->addr | ~topo_mask(x->plen)};
	}
	/* Sorted and disjoint, so one forward pass skips every manual subnet. */
	qsort(taken, n_taken, sizeof(*taken), cmp_range);
	r = 0;
	for (unsigned l = 0; l < m->n_links; l++) {
		struct topo_link *k = &m->links[l];
		uint32_t net;

		if (k->end[0].addr)
			continue;
		for (;;) {
			net = base + 4 * next;
			while (t < n_taken && taken[t].last < net)
				t++;
			if (next >= POOL_SUBNETS || t == n_taken || taken[t].first > net + 3)
				break;
			/* Jump past the manual subnet, to the next /30 boundary. */
			if (taken[t].last >= base + 4 * POOL_SUBNETS - 1) {
				next = POOL_SUBNETS;
				break;
			}
			next = (taken[t].last + 1 - base + 3) / 4;
		}
		if (next >= POOL_SUBNETS) {
			r = fail(m, err, k->mark, "address pool %s/%d is exhausted",
				 topo_ip_str(base), POOL_PLEN);
			break;
		}
		k->end[0].addr = net + 1;
		k->end[1].addr = net + 2;
		k->end[0].plen = k->end[1].plen = 30;
		next++;
	}
	free(taken);
	if (r == 0)
		r = plan_ue_addrs(m, err);
	return r < 0 ? r : check_vips(m, slot, err);
}

uint32_t topo_node_addr(const struct topo_model *m, unsigned node)
{
	if (topo_ue_is_radio(m, node))
		return m->nodes[node].ue_addr;
	for (unsigned l = 0; l < m->n_links; l++)
		for (int e = 0; e < 2; e++)
			if (m->links[l].end[e].node == node)
				return m->links[l].end[e].addr;
	return 0;
}

/* --- routes --- */

static int cmp_route(const void *x, const void *y)
{
	const struct topo_route *a = x, *b = y;

	if (a->dst != b->dst)
		return a->dst < b->dst ? -1 : 1;
	return (a->plen > b->plen) - (a->plen < b->plen);
}

static bool in_pool(const struct topo_route *r, uint32_t base)
{
	return r->plen >= POOL_PLEN && (r->dst & topo_mask(POOL_PLEN)) == base;
}

/* One node's routes, the pool route first taking the most common next hop's routes. */
static size_t routes_of(struct graph *g, unsigned src, uint32_t base, struct topo_route *out)
{
	const struct topo_model *m = g->m;
	size_t n = 0, kept = 0;
	unsigned hop = UINT32_MAX, most = 0, e;

	for (unsigned li = 0; li < m->n_links; li++) {
		const struct topo_link *k = &m->links[li];
		const struct cost *a = &g->best[k->end[0].node], *b = &g->best[k->end[1].node];
		const struct cost *c = a;
		unsigned to;

		if (k->end[0].node == src || k->end[1].node == src)
			continue; /* connected: the kernel has the route */
		if (b->hops != UINT32_MAX &&
		    (a->hops == UINT32_MAX || b->delay < a->delay ||
		     (b->delay == a->delay &&
		      (b->hops < a->hops || (b->hops == a->hops && b->node < a->node)))))
			c = b;
		if (c->hops == UINT32_MAX)
			continue;
		to = c->node;
		g->cand[n++] = (struct topo_route){
		    .node = src,
		    .dst = k->end[0].addr & topo_mask(k->end[0].plen),
		    .plen = k->end[0].plen,
		    .via = m->links[c->first].end[!g->first_end[to]].addr,
		    .link = c->first,
		    .end = g->first_end[to],
		};
		if (in_pool(&g->cand[n - 1], base))
			g->count[c->first]++;
	}
	/* Adjacency is in link order, so a tie goes to the lower link. */
	for (unsigned a = g->off[src]; a < g->off[src + 1]; a++) {
		unsigned li = g->adj[a] / 2;

		if (g->count[li] > most) {
			most = g->count[li];
			hop = li;
		}
		g->count[li] = 0;
	}
	if (most >= 2) {
		const struct topo_link *k = &m->links[hop];

		e = k->end[0].node == src ? 0 : 1;
		out[kept++] = (struct topo_route){src, base, POOL_PLEN, k->end[!e].addr, hop, e};
	}
	for (size_t i = 0; i < n; i++)
		if (most < 2 || g->cand[i].link != hop || !in_pool(&g->cand[i], base))
			out[kept++] = g->cand[i];
	/* The UEs' pool: the /32s of attached UEs (topo_ran_switch()) take the rest. */
	if (m->has_radio && plan_ue_pool_hop(g, src, &hop, &e))
		out[kept++] = (struct topo_route){
		    src, m->radio.ue_pool, m->radio.ue_plen, m->links[hop].end[!e].addr, hop, e};
	qsort(out, kept, sizeof(*out), cmp_route);
	return kept;
}

int topo_plan_routes(const struct topo_model *m, unsigned slot, struct topo_routes *ret)
{
	struct graph g = {0};
	struct topo_routes r = {0};
	size_t cap = 0;
	uint32_t base = topo_pool_base(slot);
	int err;

	if (slot >= TOPO_SLOTS)
		return -EINVAL;
	/* Routes point at addresses, so the address plan must have run. */
	for (unsigned l = 0; l < m->n_links; l++)
		if (!m->links[l].end[0].addr || !m->links[l].end[1].addr)
			return -EINVAL;
	err = plan_graph_init(&g, m);
	if (err < 0)
		goto out;
	for (unsigned src = 0; src < m->n_nodes; src++) {
		size_t n;

		/* Room for this node's worst case: one route per link plus the two pool routes. */
		if (cap - r.n < m->n_links + 2) {
			size_t want =
			    cap * 2 > r.n + m->n_links + 2 ? cap * 2 : r.n + m->n_links + 2;
			struct topo_route *v = realloc(r.v, want * sizeof(*v));

			if (!v) {
				err = -ENOMEM;
				goto out;
			}
			r.v = v;
			cap = want;
		}
		/* A radio UE routes everything out of its radio interface: none planned. */
		if (topo_ue_is_radio(m, src))
			continue;
		if (g.off[src + 1] - g.off[src] == 1)
			plan_leaf(&g, src);
		else
			plan_dijkstra(&g, src);
		n = routes_of(&g, src, base, r.v + r.n);
		r.n += n;
		if (r.n > TOPO_ROUTES_MAX) {
			err = -E2BIG;
			goto out;
		}
	}
	*ret = r;
	r.v = NULL;
out:
	free(r.v);
	plan_graph_free(&g);
	return err;
}

void topo_routes_free(struct topo_routes *r)
{
	if (!r)
		return;
	free(r->v);
	r->v = NULL;
	r->n = 0;
}
