/* SPDX-License-Identifier: MIT */
/*
 * The radio access network's routes: the UE pool route of topo_plan_routes() and the /32
 * changes of topo_ran_switch(), on the quickstart topology by hand and on random topologies
 * against a brute-force answer written apart from topo/plan_graph.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/unit/support.h"
#include "topo/topo.h"

static uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return ntohl(a.s_addr);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static struct topo_model *planned(struct topo_model *m)
{
	struct topo_err err = {0};

	if (topo_plan_addresses(m, 0, &err) < 0)
		fail_msg("%s", err.msg);
	return m;
}

static struct topo_model *quickstart(void)
{
	const char *src = getenv("EDGEMU_SRC");
	char path[4096];
	struct topo_model *m = NULL;
	struct topo_err err = {0};

	snprintf(path, sizeof(path), "%s/experiments/quickstart.yaml", src ? src : ".");
	if (topo_parse_file(path, &m, &err) < 0)
		fail_msg("%s", err.msg);
	return planned(m);
}

/* The route of node for dst/plen, or NULL. */
static const struct topo_route *route_to(const struct topo_routes *r, unsigned node, uint32_t dst,
					 unsigned plen)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].node == node && r->v[i].dst == dst && r->v[i].plen == plen)
			return &r->v[i];
	return NULL;
}

static void check_pool_route(const struct topo_routes *r, unsigned node, const char *via,
			     unsigned link, unsigned end)
{
	const struct topo_route *p = route_to(r, node, ip("100.64.0.0"), 16);

	if (!p)
		fail_msg("node %u has no UE pool route", node);
	assert_int_equal(p->via, ip(via));
	assert_int_equal(p->link, link);
	assert_int_equal(p->end, end);
}

enum { UE1, ENB1, ENB2, EDGE1, EDGE2, CORE, CLOUD };

/*
 * The quickstart's links: 0 enb1-edge1 (1 ms), 1 enb2-edge2 (1 ms), 2 enb1-core (5 ms), 3
 * enb2-core (5 ms), 4 edge1-edge2 (2 ms), 5 core-cloud (20 ms); /30s from 10.128.0.0 in
 * that order. Each eNB reaches the other through the edges (4 ms, not 10 through core).
 */
static void test_quickstart_pool_routes(void **state)
{
	struct topo_model *m = quickstart();
	struct topo_routes r;

	assert_string_equal(m->nodes[CLOUD].name, "cloud");
	assert_int_equal(m->nodes[UE1].ue_addr, ip("100.64.0.1"));
	assert_int_equal(topo_node_addr(m, UE1), ip("100.64.0.1"));
	assert_int_equal(topo_plan_routes(m, 0, &r), 0);
	check_pool_route(&r, CLOUD, "10.128.0.21", 5, 1);
	check_pool_route(&r, ENB1, "10.128.0.2", 0, 0);
	check_pool_route(&r, ENB2, "10.128.0.6", 1, 0);
	/* core and the edges join the cells: a /32 per UE. */
	assert_null(route_to(&r, CORE, ip("100.64.0.0"), 16));
	assert_null(route_to(&r, EDGE1, ip("100.64.0.0"), 16));
	assert_null(route_to(&r, EDGE2, ip("100.64.0.0"), 16));
	for (size_t i = 0; i < r.n; i++)
		assert_int_not_equal(r.v[i].node, UE1);
	topo_routes_free(&r);
	topo_model_free(m);
}

static void check_via(const struct topo_model *m, const struct topo_ran_route *o, unsigned node,
		      const char *via, unsigned link, unsigned end)
{
	assert_int_equal(o->node, node);
	assert_false(o->del);
	assert_false(o->dev_only);
	assert_int_equal(o->via, ip(via));
	assert_int_equal(o->link, link);
	assert_int_equal(o->end, end);
	/* The next hop is the node on the other end of that link, from this node's end. */
	assert_int_equal(m->links[link].end[end].node, node);
}

static void check_other(const struct topo_ran_route *o, unsigned node, bool del)
{
	assert_int_equal(o->node, node);
	assert_int_equal(o->del, del);
	assert_int_equal(o->dev_only, !del);
}

static void test_quickstart_switch(void **state)
{
	struct topo_model *m = quickstart();
	struct topo_ran_route out[16];
	struct topo_ran_plan *p;

	assert_int_equal(topo_ran_plan_new(m, &p), 0);
	/* The first attach: the cell, and the nodes without a pool route its way. */
	assert_int_equal(topo_ran_switch(p, UE1, -1, ENB1, out), 4);
	check_other(&out[0], ENB1, false);
	check_via(m, &out[1], EDGE1, "10.128.0.1", 0, 1);
	check_via(m, &out[2], EDGE2, "10.128.0.17", 4, 1);
	check_via(m, &out[3], CORE, "10.128.0.9", 2, 1);
	/* enb1 -> enb2: enb1's pool route goes enb2's way, enb2 serves, the rest turn. */
	assert_int_equal(topo_ran_switch(p, UE1, ENB1, ENB2, out), 5);
	check_other(&out[0], ENB1, true);
	check_other(&out[1], ENB2, false);
	check_via(m, &out[2], EDGE1, "10.128.0.18", 4, 0);
	check_via(m, &out[3], EDGE2, "10.128.0.5", 1, 1);
	check_via(m, &out[4], CORE, "10.128.0.13", 3, 1);
	/* Back, and away: what the first attach made goes. */
	assert_int_equal(topo_ran_switch(p, UE1, ENB2, ENB1, out), 5);
	check_other(&out[0], ENB1, false);
	check_other(&out[1], ENB2, true);
	assert_int_equal(topo_ran_switch(p, UE1, ENB1, -1, out), 4);
	check_other(&out[0], ENB1, true);
	check_other(&out[1], EDGE1, true);
	check_other(&out[2], EDGE2, true);
	check_other(&out[3], CORE, true);
	/* Nothing to nothing, a cell to itself; a node that is no eNB counts as none. */
	assert_int_equal(topo_ran_switch(p, UE1, -1, -1, out), 0);
	assert_int_equal(topo_ran_switch(p, UE1, ENB2, ENB2, out), 0);
	assert_int_equal(topo_ran_switch(p, UE1, CORE, -1, out), 0);
	assert_int_equal(topo_ran_switch(p, UE1, ENB1, 1000, out), 4);
	topo_ran_plan_free(p);
	topo_ran_plan_free(NULL);

	/* Routes need addresses. */
	for (unsigned l = 0; l < m->n_links; l++)
		if (!m->links[l].end[0].addr_set)
			m->links[l].end[0].addr = 0;
	p = NULL;
	assert_int_equal(topo_ran_plan_new(m, &p), -EINVAL);
	assert_null(p);
	topo_model_free(m);
}

/* --- brute force --- */

struct hop {
	bool reach;
	unsigned link, end;
};

#define INF UINT64_MAX

/*
 * X's next hop towards b, by the rules documented for topo_plan_routes(), without its code:
 * Bellman-Ford from b over (delay, hops) through forwarding nodes, then the least (delay,
 * hops, link) over X's own links.
 */
static struct hop brute_hop(const struct topo_model *m, unsigned x, unsigned b, uint64_t *d,
			    unsigned *h)
{
	struct hop best = {0};
	uint64_t bd = INF;
	unsigned bh = 0;

	for (unsigned i = 0; i < m->n_nodes; i++) {
		d[i] = INF;
		h[i] = 0;
	}
	d[b] = 0;
	for (unsigned round = 0; round < m->n_nodes; round++)
		for (unsigned l = 0; l < m->n_links; l++)
			for (unsigned e = 0; e < 2; e++) {
				unsigned u = m->links[l].end[e].node, w = m->links[l].end[!e].node;
				uint64_t nd;

				if (d[w] == INF ||
				    (w != b && !topo_kind_forwards(m->nodes[w].kind)))
					continue;
				nd = d[w] + m->links[l].dir[e].delay_ns;
				if (nd < d[u] || (nd == d[u] && h[w] + 1 < h[u])) {
					d[u] = nd;
					h[u] = h[w] + 1;
				}
			}
	for (unsigned l = 0; l < m->n_links; l++)
		for (unsigned e = 0; e < 2; e++) {
			unsigned v = m->links[l].end[!e].node;
			uint64_t nd;

			if (m->links[l].end[e].node != x || d[v] == INF ||
			    (v != b && !topo_kind_forwards(m->nodes[v].kind)))
				continue;
			nd = d[v] + m->links[l].dir[e].delay_ns;
			if (!best.reach || nd < bd || (nd == bd && h[v] + 1 < bh)) {
				best = (struct hop){true, l, e};
				bd = nd;
				bh = h[v] + 1;
			}
		}
	return best;
}

/* The route X needs for a UE in cell b (-1: none): 0 none, 1 dev, 2 + 2 * link + end. */
static unsigned brute_route(const struct topo_model *m, const struct hop *hops, const int *col,
			    const struct hop *pool, unsigned x, int b)
{
	const struct hop *t;

	if (b < 0)
		return 0;
	if ((unsigned)b == x)
		return 1;
	t = &hops[(size_t)x * m->n_nodes + (unsigned)b];
	(void)col;
	if (!t->reach)
		return 0;
	if (pool[x].reach && pool[x].link == t->link)
		return 0;
	return 2 + 2 * t->link + t->end;
}

/* A random scenario: n nodes of every kind (eNBs at least one), random links and delays. */
static char *random_scenario(unsigned n)
{
	static const char *const kinds[] = {"ue", "enb", "edge", "router", "cloud", "host"};
	size_t size = 64 * 1024, len = 0, llen = 0;
	char *text = malloc(size), *links = malloc(size);
	unsigned *kind = calloc(n, sizeof(*kind)), n_links, made = 0;

	assert_non_null(text);
	assert_non_null(links);
	assert_non_null(kind);
	len += (size_t)snprintf(text + len, size - len, "name: r\nnodes:\n");
	for (unsigned i = 0; i < n; i++) {
		kind[i] = i == 0 ? 1 : (unsigned)(support_rand() % 6);
		len += (size_t)snprintf(text + len, size - len, "  n%u: {kind: %s%s}\n", i,
					kinds[kind[i]], kind[i] <= 1 ? ", pos: [0, 0]" : "");
	}
	n_links = (unsigned)(support_rand() % (2 * n + 1));
	for (unsigned k = 0; k < n_links; k++) {
		unsigned a = (unsigned)(support_rand() % n), b = (unsigned)(support_rand() % n);

		/* No self links, and no UE-eNB wire with radio:. */
		if (a == b || (kind[a] == 0 && kind[b] == 1) || (kind[a] == 1 && kind[b] == 0))
			continue;
		/* Few delay values, so that ties are common; asymmetric at times. */
		llen += (size_t)snprintf(links + llen, size - llen,
					 "  - {endpoints: [n%u, n%u], delay: %ums", a, b,
					 (unsigned)(support_rand() % 3));
		if (support_rand() % 4 == 0)
			llen += (size_t)snprintf(links + llen, size - llen, ", up: {delay: %ums}",
						 (unsigned)(support_rand() % 3));
		llen += (size_t)snprintf(links + llen, size - llen, "}\n");
		made++;
	}
	assert_true(llen < size);
	len += (size_t)snprintf(text + len, size - len, "%s%sradio: {}\n", made ? "links:\n" : "",
				made ? links : "");
	assert_true(len < size);
	free(links);
	free(kind);
	return text;
}

/* One random model: the pool routes and every switch against the brute force. */
static void check_random(struct topo_model *m)
{
	size_t nn = m->n_nodes;
	struct hop *hops = calloc(nn * nn, sizeof(*hops)), *pool = calloc(nn, sizeof(*pool));
	uint64_t *d = calloc(nn, sizeof(*d));
	unsigned *h = calloc(nn, sizeof(*h));
	struct topo_ran_route *out = calloc(nn, sizeof(*out));
	int *col = calloc(nn, sizeof(*col));
	struct topo_ran_plan *p;
	struct topo_routes r;
	unsigned ue = (unsigned)nn; /* none, if the model has no UE */

	assert_true(hops && pool && d && h && out && col);
	for (unsigned x = 0; x < nn; x++) {
		bool first = true, same = true;

		if (m->nodes[x].kind == TOPO_UE)
			ue = x;
		for (unsigned b = 0; b < nn; b++) {
			struct hop *t = &hops[x * nn + b];

			if (m->nodes[b].kind != TOPO_ENB || b == x)
				continue;
			*t = brute_hop(m, x, b, d, h);
			if (!t->reach)
				continue;
			if (first)
				pool[x] = *t;
			else if (t->link != pool[x].link)
				same = false;
			first = false;
		}
		if (!same)
			pool[x].reach = false;
	}
	/* The route plan's UE pool routes: on exactly the nodes the brute force says. */
	assert_int_equal(topo_plan_routes(m, 0, &r), 0);
	for (unsigned x = 0; x < nn; x++) {
		const struct topo_route *pr = route_to(&r, x, ip("100.64.0.0"), 16);
		bool want = pool[x].reach && m->nodes[x].kind != TOPO_UE;

		assert_int_equal(pr != NULL, want);
		if (pr) {
			assert_int_equal(pr->link, pool[x].link);
			assert_int_equal(pr->end, pool[x].end);
		}
	}
	topo_routes_free(&r);
	assert_int_equal(topo_ran_plan_new(m, &p), 0);
	for (int from = -1; from < (int)nn; from++)
		for (int to = -1; to < (int)nn; to++) {
			size_t n, k = 0;

			if ((from >= 0 && m->nodes[from].kind != TOPO_ENB) ||
			    (to >= 0 && m->nodes[to].kind != TOPO_ENB))
				continue;
			n = topo_ran_switch(p, ue, from, to, out);
			for (unsigned x = 0; x < nn; x++) {
				unsigned was, now;

				if (m->nodes[x].kind == TOPO_UE)
					continue;
				was = brute_route(m, hops, col, pool, x, from);
				now = brute_route(m, hops, col, pool, x, to);
				if (was == now)
					continue;
				assert_true(k < n);
				assert_int_equal(out[k].node, x);
				assert_int_equal(out[k].del, now == 0);
				assert_int_equal(out[k].dev_only, now == 1);
				if (now >= 2) {
					assert_int_equal(out[k].link, (now - 2) / 2);
					assert_int_equal(out[k].end, (now - 2) % 2);
					assert_int_equal(
					    out[k].via,
					    m->links[out[k].link].end[!out[k].end].addr);
				}
				k++;
			}
			assert_int_equal(k, n);
		}
	topo_ran_plan_free(p);
	free(hops);
	free(pool);
	free(d);
	free(h);
	free(out);
	free(col);
}

static void test_random_brute_force(void **state)
{
	for (unsigned round = 0; round < 300; round++) {
		char *text = random_scenario(3 + round % 12);
		struct topo_model *m = planned(support_model(text));

		free(text);
		check_random(m);
		topo_model_free(m);
	}
}

/*
 * Big: 100 eNBs behind 10 routers and a core, 1000 edge hosts one per... (rows: every node
 * but the UEs), and the switches of a 500-UE, 50-cell, 100-node run. Times printed, not
 * asserted (a loaded machine would fail a timed test).
 */
static char *big_scenario(unsigned n_enb, unsigned n_agg, unsigned n_hosts, unsigned n_ues)
{
	size_t size = 128 * 1024 + 96 * (size_t)(n_enb + n_hosts + n_ues) * 2, len = 0;
	char *text = malloc(size);

	assert_non_null(text);
	len +=
	    (size_t)snprintf(text + len, size - len,
			     "name: big\nnodes:\n  core: {kind: router}\n  cloud: {kind: cloud}\n");
	for (unsigned i = 0; i < n_agg; i++)
		len += (size_t)snprintf(text + len, size - len, "  agg%u: {kind: router}\n", i);
	for (unsigned i = 0; i < n_enb; i++)
		len += (size_t)snprintf(text + len, size - len,
					"  enb%u: {kind: enb, pos: [%u, 0]}\n", i, 100 * i);
	for (unsigned i = 0; i < n_hosts; i++)
		len += (size_t)snprintf(text + len, size - len, "  h%u: {kind: edge}\n", i);
	for (unsigned i = 0; i < n_ues; i++)
		len += (size_t)snprintf(text + len, size - len,
					"  ue%u: {kind: ue, pos: [%u, 5]}\n", i, 10 * i);
	len += (size_t)snprintf(text + len, size - len,
				"links:\n  - {endpoints: [core, cloud], delay: 20ms}\n");
	for (unsigned i = 0; i < n_agg; i++)
		len += (size_t)snprintf(text + len, size - len,
					"  - {endpoints: [agg%u, core], delay: 2ms}\n", i);
	for (unsigned i = 0; i < n_enb; i++)
		len +=
		    (size_t)snprintf(text + len, size - len,
				     "  - {endpoints: [enb%u, agg%u], delay: 1ms}\n", i, i % n_agg);
	for (unsigned i = 0; i < n_hosts; i++)
		len +=
		    (size_t)snprintf(text + len, size - len,
				     "  - {endpoints: [h%u, enb%u], delay: 1ms}\n", i, i % n_enb);
	len += (size_t)snprintf(text + len, size - len, "radio: {}\n");
	assert_true(len < size);
	return text;
}

static void test_big(void **state)
{
	char *text = big_scenario(100, 10, 1000, 0);
	struct topo_model *m = planned(support_model(text));
	struct topo_ran_route *out = calloc(m->n_nodes, sizeof(*out));
	struct topo_ran_plan *p;
	double t0, t1;
	size_t total = 0;
	int enb0, ue0;

	free(text);
	assert_non_null(out);
	t0 = now_ms();
	assert_int_equal(topo_ran_plan_new(m, &p), 0);
	t1 = now_ms();
	print_message("%u nodes x 100 eNBs: topo_ran_plan_new %.1f ms\n", m->n_nodes, t1 - t0);
	/* A UE from enb0 (behind agg0) to enb1 (behind agg1): enb0, enb1, agg0, agg1 and core
	 * change; the edge hosts and the cloud keep their pool routes. */
	total = topo_ran_switch(p, m->n_nodes, topo_node_find(m, "enb0"), topo_node_find(m, "enb1"),
				out);
	assert_int_equal(total, 5);
	/* Within agg0: enb0, enb10 and agg0 only. */
	total = topo_ran_switch(p, m->n_nodes, topo_node_find(m, "enb0"),
				topo_node_find(m, "enb10"), out);
	assert_int_equal(total, 3);
	topo_ran_plan_free(p);
	topo_model_free(m);
	free(out);

	/* The handover figure: 500 UEs, 50 cells, 100 nodes but the UEs. */
	text = big_scenario(50, 5, 43, 500);
	m = planned(support_model(text));
	free(text);
	out = calloc(m->n_nodes, sizeof(*out));
	assert_non_null(out);
	assert_int_equal(topo_ran_plan_new(m, &p), 0);
	enb0 = topo_node_find(m, "enb0");
	ue0 = topo_node_find(m, "ue0");
	assert_int_equal(m->n_nodes - (unsigned)ue0, 500);
	t0 = now_ms();
	total = 0;
	for (unsigned i = 0; i < 100000; i++) {
		int from = enb0 + (int)(i % 50), to = enb0 + (int)((i * 7 + 3) % 50);

		total += topo_ran_switch(p, (unsigned)ue0 + i % 500, from, to, out);
	}
	t1 = now_ms();
	print_message("500 UEs, 50 cells, %u nodes: topo_ran_switch %.0f ns each (%zu routes)\n",
		      m->n_nodes, (t1 - t0) * 1e6 / 100000, total);
	topo_ran_plan_free(p);
	topo_model_free(m);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quickstart_pool_routes),
	    cmocka_unit_test(test_quickstart_switch),
	    cmocka_unit_test(test_random_brute_force),
	    cmocka_unit_test(test_big),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
