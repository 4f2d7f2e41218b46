/* SPDX-License-Identifier: MIT */
/* Address plan and routes: which addresses, which errors where, which next hops. */
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
#include "util/text.h"

static uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return ntohl(a.s_addr);
}

/* Parsed and addressed in slot 0. */
static struct topo_model *plan(const char *text)
{
	struct topo_model *m = support_model(text);
	struct topo_err err = {0};

	if (topo_plan_addresses(m, 0, &err) < 0)
		fail_msg("%s", err.msg);
	return m;
}

static void plan_fails(const char *text, const char *msg)
{
	struct topo_model *m = support_model(text);
	struct topo_err err = {0};

	assert_int_equal(topo_plan_addresses(m, 0, &err), -EINVAL);
	assert_string_equal(err.msg, msg);
	topo_model_free(m);
}

static void check_end(const struct topo_if *x, const char *addr, unsigned plen)
{
	assert_int_equal(x->addr, ip(addr));
	assert_int_equal(x->plen, plen);
}

static void test_pool(void **state)
{
	assert_int_equal(topo_pool_base(0), ip("10.128.0.0"));
	assert_int_equal(topo_pool_base(5), ip("10.133.0.0"));
	assert_int_equal(topo_pool_base(TOPO_SLOTS - 1), ip("10.191.0.0"));
	assert_int_equal(topo_pool_base(TOPO_SLOTS), 0);
}

static const char auto_text[] = "name: t\n"
				"nodes:\n"
				"  a: {kind: router}\n"
				"  b: {kind: router}\n"
				"  c: {kind: router}\n"
				"  lonely: {kind: host}\n"
				"links:\n"
				"  - {endpoints: [a, b]}\n"
				"  - {endpoints: [b, c], addr: [10.128.0.6/30, 10.128.0.5/30]}\n"
				"  - {endpoints: [c, a], addr: [auto, auto]}\n"
				"  - {endpoints: [a, b], addr: [10.128.0.17/28, 10.128.0.30/28]}\n"
				"  - {endpoints: [b, c]}\n"
				"  - {endpoints: [c, a], addr: [auto, 192.168.9.2/30]}\n"
				"  - {endpoints: [a, b], addr: [172.16.0.7/31, auto]}\n"
				"  - {endpoints: [b, c]}\n";

static void test_auto(void **state)
{
	struct topo_model *m = plan(auto_text);
	struct topo_err err;
	const struct topo_link *l = m->links;

	/* File order, one /30 each, around 10.128.0.4/30 and 10.128.0.16/28 set by hand. */
	check_end(&l[0].end[0], "10.128.0.1", 30);
	check_end(&l[0].end[1], "10.128.0.2", 30);
	check_end(&l[1].end[0], "10.128.0.6", 30);
	check_end(&l[1].end[1], "10.128.0.5", 30);
	check_end(&l[2].end[0], "10.128.0.9", 30);
	check_end(&l[2].end[1], "10.128.0.10", 30);
	check_end(&l[3].end[0], "10.128.0.17", 28);
	check_end(&l[4].end[0], "10.128.0.13", 30);
	check_end(&l[4].end[1], "10.128.0.14", 30);
	/* One end set in a /30 or /31: the other end is the subnet's other host. */
	check_end(&l[5].end[0], "192.168.9.1", 30);
	check_end(&l[5].end[1], "192.168.9.2", 30);
	check_end(&l[6].end[0], "172.16.0.7", 31);
	check_end(&l[6].end[1], "172.16.0.6", 31);
	check_end(&l[7].end[0], "10.128.0.33", 30);
	check_end(&l[7].end[1], "10.128.0.34", 30);
	assert_true(l[1].end[0].addr_set);
	assert_false(l[5].end[0].addr_set);
	assert_true(l[5].end[1].addr_set);
	assert_false(l[7].end[0].addr_set);

	assert_int_equal(topo_node_addr(m, 0), ip("10.128.0.1"));
	assert_int_equal(topo_node_addr(m, 1), ip("10.128.0.2"));
	assert_int_equal(topo_node_addr(m, 2), ip("10.128.0.5"));
	assert_int_equal(topo_node_addr(m, 3), 0);

	/* Planning again in another slot moves the automatic addresses only. */
	assert_int_equal(topo_plan_addresses(m, 3, &err), 0);
	check_end(&l[0].end[0], "10.131.0.1", 30);
	check_end(&l[1].end[0], "10.128.0.6", 30);
	check_end(&l[2].end[0], "10.131.0.5", 30);
	check_end(&l[5].end[0], "192.168.9.1", 30);
	topo_model_free(m);
}

#define HEAD                                                                                       \
	"name: t\nnodes:\n  a: {kind: router}\n  b: {kind: router}\n  ue1: {kind: ue}\n"           \
	"links:\n"

static void test_addr_errors(void **state)
{
	struct topo_model *m = support_model(HEAD "  - {endpoints: [a, b]}\n");
	struct topo_err err;

	plan_fails(HEAD "  - {endpoints: [a, b], addr: [10.0.0.1/24, 10.0.0.2/24]}\n"
			"  - {endpoints: [ue1, a]}\n"
			"  - {endpoints: [ue1, b], addr: [10.0.0.3/16, 10.0.0.2/16]}\n",
		   "t.yaml:9:23: address 10.0.0.2 already used by b:eth0 at 7:21");
	plan_fails(HEAD "  - {endpoints: [a, b], addr: [10.0.0.1/24, 10.0.0.2/24]}\n"
			"  - {endpoints: [ue1, a], addr: [10.0.0.129/25, 10.0.0.130/25]}\n",
		   "t.yaml:8:18: subnet 10.0.0.128/25 overlaps subnet 10.0.0.0/24 of the link at "
		   "7:5");
	plan_fails(HEAD "  - {endpoints: [a, b], addr: [10.0.0.1/24, 10.0.1.2/24]}\n",
		   "t.yaml:7:21: addresses 10.0.0.1/24 and 10.0.1.2/24 are not in one subnet");
	plan_fails(HEAD "  - {endpoints: [a, b], addr: [10.0.0.1/24, 10.0.0.2/25]}\n",
		   "t.yaml:7:21: addresses 10.0.0.1/24 and 10.0.0.2/25 have different prefix "
		   "lengths");
	plan_fails(HEAD "  - {endpoints: [a, b], addr: [10.0.0.1/24, 10.0.0.1/24]}\n",
		   "t.yaml:7:21: both ends have address 10.0.0.1");
	plan_fails(HEAD "  - {endpoints: [a, b], addr: [10.0.0.0/24, 10.0.0.1/24]}\n",
		   "t.yaml:7:18: address 10.0.0.0/24 is the network address of its subnet");
	plan_fails(HEAD "  - {endpoints: [a, b], addr: [10.0.0.1/24, 10.0.0.255/24]}\n",
		   "t.yaml:7:21: address 10.0.0.255/24 is the broadcast address of its subnet");
	plan_fails(HEAD "  - {endpoints: [a, b], addr: [10.0.0.1/7, 10.0.0.2/7]}\n",
		   "t.yaml:7:18: address 10.0.0.1/7: prefix length must be 8 to 31");
	plan_fails(HEAD "  - {endpoints: [a, b], addr: [10.0.0.1/32, 10.0.0.2/32]}\n",
		   "t.yaml:7:18: address 10.0.0.1/32: prefix length must be 8 to 31");
	plan_fails(HEAD "  - {endpoints: [a, b], addr: [auto, 10.0.0.1/24]}\n",
		   "t.yaml:7:18: give both addresses (the other end of 10.0.0.1/24 can be derived "
		   "only in a /30 or /31)");
	/* A derived address is checked like any other. */
	plan_fails(HEAD "  - {endpoints: [a, b], addr: [10.0.0.1/29, 10.0.0.6/29]}\n"
			"  - {endpoints: [ue1, a], addr: [10.0.0.5/30, auto]}\n",
		   "t.yaml:8:23: address 10.0.0.6 already used by b:eth0 at 7:21");
	/* A manual subnet over the whole pool leaves nothing for automatic links. */
	plan_fails(HEAD "  - {endpoints: [a, b], addr: [10.128.0.1/15, 10.128.0.2/15]}\n"
			"  - {endpoints: [ue1, a]}\n",
		   "t.yaml:8:5: address pool 10.128.0.0/16 is exhausted");

	assert_int_equal(topo_plan_addresses(m, TOPO_SLOTS, &err), -EINVAL);
	assert_string_equal(err.msg, "t.yaml:1:1: run slot 64 is out of range (at most 63)");
	topo_model_free(m);
}

/*
 * Fuzzing (issue 12): the plan took an address of 0.0.0.0 for "not planned yet", so
 * 0.0.0.0/31 was silently replaced by a pool subnet. The parser refuses it; a model built
 * otherwise gets the same answer from the plan.
 */
static void test_addr_zero(void **state)
{
	struct topo_model *m =
	    support_model(HEAD "  - {endpoints: [a, b], addr: [10.0.0.0/31, auto]}\n");
	struct topo_err err = {0};

	m->links[0].end[0].addr = 0;
	assert_int_equal(topo_plan_addresses(m, 0, &err), -EINVAL);
	assert_string_equal(err.msg, "t.yaml:7:18: address 0.0.0.0/31 is in 0.0.0.0/8 ('this "
				     "network'), not a host's address");
	m->links[0].end[0].addr = ip("0.1.0.1");
	m->links[0].end[0].plen = 16;
	assert_int_equal(topo_plan_addresses(m, 0, &err), -EINVAL);
	assert_string_equal(err.msg, "t.yaml:7:18: address 0.1.0.1/16 is in 0.0.0.0/8 ('this "
				     "network'), not a host's address");
	topo_model_free(m);
}

static void check_addrs_distinct(const struct topo_model *m);

/* Many manual subnets: checked sorted, and the first clash in file order still named. */
static void test_addr_many(void **state)
{
	size_t size = 256 + 4000 * 80, len;
	char *text = malloc(size);
	struct topo_model *m;
	struct topo_err err = {0};

	assert_non_null(text);
	len = (size_t)snprintf(text, size, HEAD);
	for (unsigned i = 0; i < 4000; i++)
		len += (size_t)snprintf(text + len, size - len,
					"  - {endpoints: [a, b], addr: [10.1.%u.%u/30, auto]}\n",
					(3999 - i) / 64, 4 * ((3999 - i) % 64) + 1);
	m = support_model(text);
	assert_int_equal(topo_plan_addresses(m, 0, &err), 0);
	check_addrs_distinct(m);
	topo_model_free(m);
	/* The 4002nd link takes the 4000th's addresses (10.1.0.1/30 and .2, derived). */
	len += (size_t)snprintf(text + len, size - len,
				"  - {endpoints: [a, b], addr: [10.9.0.1/30, auto]}\n"
				"  - {endpoints: [a, b], addr: [10.1.0.2/30, auto]}\n");
	assert_true(len < size);
	m = support_model(text);
	assert_int_equal(topo_plan_addresses(m, 0, &err), -EINVAL);
	assert_string_equal(err.msg, "t.yaml:4008:18: address 10.1.0.2 already used by b:eth3999 "
				     "at 4006:21");
	topo_model_free(m);
	free(text);
}

/* Two nodes and n links between them, built directly: the pool holds 16384 /30s. */
static void test_vip_errors(void **state)
{
	static const char base[] = "name: t\nnodes: {a: {kind: host}, b: {kind: host}}\n"
				   "links:\n  - {endpoints: [a, b]}\n"
				   "  - {endpoints: [a, b], addr: [10.7.0.1/24, 10.7.0.2/24]}\n"
				   "services:\n  s: {at: a, vip: ";
	char text[512];
	struct topo_model *m;

	snprintf(text, sizeof(text), "%s10.128.3.3}\n", base);
	plan_fails(text,
		   "t.yaml:7:19: vip 10.128.3.3 is inside this run's address pool "
		   "10.128.0.0/16; choose an address outside 10.128.0.0/10 (e.g. 10.200.0.1)");
	snprintf(text, sizeof(text), "%s10.7.0.2}\n", base);
	plan_fails(text, "t.yaml:7:19: vip 10.7.0.2 is the address of b:eth1");
	snprintf(text, sizeof(text), "%s10.200.0.1}\n", base);
	m = plan(text);
	topo_model_free(m);
}

static struct topo_model *parallel(unsigned n)
{
	struct topo_model *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->nodes = calloc(2, sizeof(*m->nodes));
	m->links = calloc(n, sizeof(*m->links));
	assert_non_null(m->nodes);
	assert_non_null(m->links);
	m->n_nodes = 2;
	m->n_links = n;
	strcpy(m->nodes[0].name, "a");
	strcpy(m->nodes[1].name, "b");
	for (unsigned i = 0; i < n; i++) {
		m->links[i].end[1].node = 1;
		m->links[i].mark = (struct topo_mark){(int)i + 1, 3};
	}
	return m;
}

static void test_pool_exhausted(void **state)
{
	struct topo_model *m = parallel(16384);
	struct topo_err err;

	assert_int_equal(topo_plan_addresses(m, 0, &err), 0);
	check_end(&m->links[16383].end[1], "10.128.255.254", 30);
	topo_model_free(m);

	m = parallel(16385);
	assert_int_equal(topo_plan_addresses(m, 0, &err), -EINVAL);
	assert_string_equal(err.msg, "<model>:16385:3: address pool 10.128.0.0/16 is exhausted");
	topo_model_free(m);
}

static void check_route(const struct topo_route *r, unsigned node, const char *dst, unsigned plen,
			const char *via, unsigned link, unsigned end)
{
	assert_int_equal(r->node, node);
	assert_int_equal(r->dst, ip(dst));
	assert_int_equal(r->plen, plen);
	assert_int_equal(r->via, ip(via));
	assert_int_equal(r->link, link);
	assert_int_equal(r->end, end);
}

/* The routes of one node (they are sorted by node, so they are contiguous). */
static size_t routes_of(const struct topo_routes *r, unsigned node, const struct topo_route **v)
{
	size_t i = 0, n = 0;

	while (i < r->n && r->v[i].node < node)
		i++;
	*v = r->v + i;
	while (i + n < r->n && r->v[i + n].node == node)
		n++;
	return n;
}

static void check_sorted(const struct topo_routes *r)
{
	for (size_t i = 1; i < r->n; i++) {
		const struct topo_route *a = &r->v[i - 1], *b = &r->v[i];

		assert_true(a->node < b->node ||
			    (a->node == b->node &&
			     (a->dst < b->dst || (a->dst == b->dst && a->plen < b->plen))));
	}
}

static void routes(const struct topo_model *m, struct topo_routes *r)
{
	assert_int_equal(topo_plan_routes(m, 0, r), 0);
	check_sorted(r);
}

/* Addresses outside the pool keep every route specific. */
static void test_chain(void **state)
{
	struct topo_model *m =
	    plan("name: t\nnodes:\n"
		 "  n0: {kind: host}\n  n1: {kind: router}\n"
		 "  n2: {kind: edge}\n  n3: {kind: host}\n"
		 "links:\n"
		 "  - {endpoints: [n0, n1], addr: [192.168.0.1/24, 192.168.0.2/24]}\n"
		 "  - {endpoints: [n1, n2], addr: [192.168.1.1/24, 192.168.1.2/24]}\n"
		 "  - {endpoints: [n2, n3], addr: [192.168.2.1/24, 192.168.2.2/24]}\n");
	struct topo_routes r;

	routes(m, &r);
	assert_int_equal(r.n, 6);
	check_route(&r.v[0], 0, "192.168.1.0", 24, "192.168.0.2", 0, 0);
	check_route(&r.v[1], 0, "192.168.2.0", 24, "192.168.0.2", 0, 0);
	check_route(&r.v[2], 1, "192.168.2.0", 24, "192.168.1.2", 1, 0);
	check_route(&r.v[3], 2, "192.168.0.0", 24, "192.168.1.1", 1, 1);
	check_route(&r.v[4], 3, "192.168.0.0", 24, "192.168.2.1", 2, 1);
	check_route(&r.v[5], 3, "192.168.1.0", 24, "192.168.2.1", 2, 1);
	topo_routes_free(&r);
	assert_null(r.v);
	assert_int_equal(r.n, 0);
	topo_routes_free(NULL);
	topo_model_free(m);
}

/* The same chain from the pool: ends get the pool route, the middle a specific one. */
static void test_chain_pool(void **state)
{
	struct topo_model *m = plan("name: t\nnodes:\n"
				    "  n0: {kind: host}\n  n1: {kind: router}\n"
				    "  n2: {kind: edge}\n  n3: {kind: host}\n"
				    "links:\n"
				    "  - {endpoints: [n0, n1]}\n"
				    "  - {endpoints: [n1, n2]}\n"
				    "  - {endpoints: [n2, n3]}\n");
	struct topo_routes r;

	routes(m, &r);
	assert_int_equal(r.n, 4);
	check_route(&r.v[0], 0, "10.128.0.0", 16, "10.128.0.2", 0, 0);
	check_route(&r.v[1], 1, "10.128.0.8", 30, "10.128.0.6", 1, 0);
	check_route(&r.v[2], 2, "10.128.0.0", 30, "10.128.0.5", 1, 1);
	check_route(&r.v[3], 3, "10.128.0.0", 16, "10.128.0.9", 2, 1);
	topo_routes_free(&r);
	topo_model_free(m);
}

/*
 * s reaches the subnet t-x by two paths: s-b-c-t (links 0, 1, 2) and s-a-t (links 3, 4).
 * Each link gets 192.168.<link>.0/24 so no pool route hides the next hops.
 */
static struct topo_model *diamond(const char *d0, const char *d1, const char *d2, const char *d3,
				  const char *d4)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "name: t\nnodes:\n"
		 "  s: {kind: host}\n  a: {kind: router}\n  b: {kind: router}\n"
		 "  c: {kind: router}\n  t: {kind: router}\n  x: {kind: host}\n"
		 "links:\n"
		 "  - {endpoints: [s, b], delay: %s, addr: [192.168.0.1/24, 192.168.0.2/24]}\n"
		 "  - {endpoints: [b, c], delay: %s, addr: [192.168.1.1/24, 192.168.1.2/24]}\n"
		 "  - {endpoints: [c, t], delay: %s, addr: [192.168.2.1/24, 192.168.2.2/24]}\n"
		 "  - {endpoints: [s, a], delay: %s, addr: [192.168.3.1/24, 192.168.3.2/24]}\n"
		 "  - {endpoints: [a, t], delay: %s, addr: [192.168.4.1/24, 192.168.4.2/24]}\n"
		 "  - {endpoints: [t, x], addr: [192.168.5.1/24, 192.168.5.2/24]}\n",
		 d0, d1, d2, d3, d4);
	return plan(text);
}

static void test_diamond(void **state)
{
	struct topo_model *m;
	struct topo_routes r;
	const struct topo_route *v;

	/* Delay decides: three hops of 1ms beat two of 5ms. */
	m = diamond("1ms", "1ms", "1ms", "5ms", "5ms");
	routes(m, &r);
	assert_int_equal(routes_of(&r, 0, &v), 4);
	check_route(&v[0], 0, "192.168.1.0", 24, "192.168.0.2", 0, 0);
	check_route(&v[1], 0, "192.168.2.0", 24, "192.168.0.2", 0, 0);
	/* a is 5ms away but t only 3ms: the cheaper end of the subnet counts. */
	check_route(&v[2], 0, "192.168.4.0", 24, "192.168.0.2", 0, 0);
	check_route(&v[3], 0, "192.168.5.0", 24, "192.168.0.2", 0, 0);
	/* And back: x's traffic to s's subnets takes the same 3ms path. */
	assert_int_equal(routes_of(&r, 5, &v), 5);
	check_route(&v[0], 5, "192.168.0.0", 24, "192.168.5.1", 5, 1);
	check_route(&v[3], 5, "192.168.3.0", 24, "192.168.5.1", 5, 1);
	topo_routes_free(&r);
	topo_model_free(m);

	/* Equal delay (2ms): fewer hops win, although link 0 comes first. */
	m = diamond("1ms", "0ms", "1ms", "1ms", "1ms");
	routes(m, &r);
	assert_int_equal(routes_of(&r, 0, &v), 4);
	check_route(&v[0], 0, "192.168.1.0", 24, "192.168.0.2", 0, 0);
	check_route(&v[1], 0, "192.168.2.0", 24, "192.168.0.2", 0, 0);
	check_route(&v[2], 0, "192.168.4.0", 24, "192.168.3.2", 3, 0);
	check_route(&v[3], 0, "192.168.5.0", 24, "192.168.3.2", 3, 0);
	topo_routes_free(&r);
	topo_model_free(m);
}

/* Equal delay and hops: the path whose first link comes first in the file wins. */
static void test_tie(void **state)
{
	static const char *const first[] = {"a", "b"};

	for (int i = 0; i < 2; i++) {
		char text[1024];
		struct topo_model *m;
		struct topo_routes r;
		const struct topo_route *v;

		snprintf(text, sizeof(text),
			 "name: t\nnodes:\n"
			 "  s: {kind: host}\n  a: {kind: router}\n  b: {kind: router}\n"
			 "  t: {kind: router}\n  x: {kind: host}\n"
			 "links:\n"
			 "  - {endpoints: [s, %s], delay: 1ms}\n"
			 "  - {endpoints: [s, %s], delay: 1ms}\n"
			 "  - {endpoints: [a, t], delay: 1ms}\n"
			 "  - {endpoints: [b, t], delay: 1ms}\n"
			 "  - {endpoints: [t, x], addr: [192.168.0.1/24, 192.168.0.2/24]}\n",
			 first[i], first[!i]);
		m = plan(text);
		routes(m, &r);
		assert_int_equal(routes_of(&r, 0, &v), 3);
		assert_int_equal(v[2].dst, ip("192.168.0.0"));
		assert_int_equal(v[2].link, 0);
		assert_int_equal(v[2].end, 0);
		assert_int_equal(v[2].via, m->links[0].end[1].addr);
		topo_routes_free(&r);
		topo_model_free(m);
	}
}

/* Both ends of a subnet equally far: the end with the lower node index decides. */
static void test_tie_end(void **state)
{
	struct topo_model *m =
	    plan("name: t\nnodes:\n"
		 "  s: {kind: host}\n  b: {kind: router}\n  a: {kind: router}\n"
		 "links:\n"
		 "  - {endpoints: [s, a], addr: [192.168.0.1/24, 192.168.0.2/24]}\n"
		 "  - {endpoints: [s, b], addr: [192.168.1.1/24, 192.168.1.2/24]}\n"
		 "  - {endpoints: [a, b], addr: [192.168.2.1/24, 192.168.2.2/24]}\n");
	struct topo_routes r;
	const struct topo_route *v;

	routes(m, &r);
	assert_int_equal(routes_of(&r, 0, &v), 1);
	check_route(&v[0], 0, "192.168.2.0", 24, "192.168.1.2", 1, 0);
	topo_routes_free(&r);
	topo_model_free(m);
}

/* Two next hops with two pool subnets each: the lower link gets the pool route. */
static void test_tie_pool(void **state)
{
	struct topo_model *m =
	    plan("name: t\nnodes:\n"
		 "  r0: {kind: router}\n  a1: {kind: router}\n  a2: {kind: router}\n"
		 "  a3: {kind: router}\n  b1: {kind: router}\n  b2: {kind: router}\n"
		 "  b3: {kind: router}\n"
		 "links:\n"
		 "  - {endpoints: [a2, a3]}\n  - {endpoints: [b1, b2]}\n"
		 "  - {endpoints: [r0, b1]}\n  - {endpoints: [a1, a2]}\n"
		 "  - {endpoints: [r0, a1]}\n  - {endpoints: [b2, b3]}\n");
	struct topo_routes r;
	const struct topo_route *v;

	routes(m, &r);
	assert_int_equal(routes_of(&r, 0, &v), 3);
	check_route(&v[0], 0, "10.128.0.0", 16, "10.128.0.10", 2, 0);
	check_route(&v[1], 0, "10.128.0.0", 30, "10.128.0.18", 4, 0);
	check_route(&v[2], 0, "10.128.0.12", 30, "10.128.0.18", 4, 0);
	topo_routes_free(&r);
	topo_model_free(m);
}

/* Delay is per direction: the cost of a link is that of the direction leaving the node. */
static void test_direction(void **state)
{
	struct topo_model *m =
	    plan("name: t\nnodes:\n"
		 "  s: {kind: router}\n  a: {kind: router}\n  b: {kind: router}\n"
		 "  t: {kind: router}\n  x: {kind: host}\n  y: {kind: host}\n"
		 "links:\n"
		 "  - {endpoints: [s, a], up: {delay: 1ms}, down: {delay: 9ms},\n"
		 "     addr: [192.168.0.1/24, 192.168.0.2/24]}\n"
		 "  - {endpoints: [a, t], addr: [192.168.1.1/24, 192.168.1.2/24]}\n"
		 "  - {endpoints: [b, s], up: {delay: 1ms}, down: {delay: 9ms},\n"
		 "     addr: [192.168.2.1/24, 192.168.2.2/24]}\n"
		 "  - {endpoints: [b, t], addr: [192.168.3.1/24, 192.168.3.2/24]}\n"
		 "  - {endpoints: [t, x], addr: [192.168.4.1/24, 192.168.4.2/24]}\n"
		 "  - {endpoints: [s, y], addr: [192.168.5.1/24, 192.168.5.2/24]}\n");
	struct topo_routes r;
	const struct topo_route *v;
	size_t n;

	routes(m, &r);
	/* s -> x: through a (s->a is 1ms; s->b is 9ms). */
	n = routes_of(&r, 0, &v);
	assert_int_equal(n, 3);
	check_route(&v[0], 0, "192.168.1.0", 24, "192.168.0.2", 0, 0);
	check_route(&v[1], 0, "192.168.3.0", 24, "192.168.0.2", 0, 0);
	check_route(&v[2], 0, "192.168.4.0", 24, "192.168.0.2", 0, 0);
	/* t -> y: through b (b->s is 1ms; a->s is 9ms). */
	n = routes_of(&r, 3, &v);
	assert_int_equal(n, 3);
	check_route(&v[0], 3, "192.168.0.0", 24, "192.168.1.1", 1, 1);
	check_route(&v[1], 3, "192.168.2.0", 24, "192.168.3.1", 3, 1);
	check_route(&v[2], 3, "192.168.5.0", 24, "192.168.3.1", 3, 1);
	topo_routes_free(&r);
	topo_model_free(m);
}

static void test_no_transit_ue(void **state)
{
	struct topo_model *m;
	struct topo_routes r;
	const struct topo_route *v;

	/* r1-u-r2 is 2ms, r1-r4-r2 100ms, but a UE does not forward. */
	m = plan("name: t\nnodes:\n"
		 "  r1: {kind: router}\n  u: {kind: ue}\n  r2: {kind: router}\n"
		 "  r4: {kind: router}\n  h: {kind: host}\n"
		 "links:\n"
		 "  - {endpoints: [r1, u], delay: 1ms, addr: [192.168.0.1/24, 192.168.0.2/24]}\n"
		 "  - {endpoints: [u, r2], delay: 1ms, addr: [192.168.1.1/24, 192.168.1.2/24]}\n"
		 "  - {endpoints: [r1, r4], delay: 50ms, addr: [192.168.2.1/24, 192.168.2.2/24]}\n"
		 "  - {endpoints: [r4, r2], delay: 50ms, addr: [192.168.3.1/24, 192.168.3.2/24]}\n"
		 "  - {endpoints: [r2, h], addr: [192.168.4.1/24, 192.168.4.2/24]}\n");
	routes(m, &r);
	assert_int_equal(routes_of(&r, 0, &v), 3);
	/* u is an end of 192.168.1.0/24, so it is a destination there, not a transit. */
	check_route(&v[0], 0, "192.168.1.0", 24, "192.168.0.2", 0, 0);
	check_route(&v[1], 0, "192.168.3.0", 24, "192.168.2.2", 2, 0);
	check_route(&v[2], 0, "192.168.4.0", 24, "192.168.2.2", 2, 0);
	/* The UE itself sends through either neighbour. */
	assert_int_equal(routes_of(&r, 1, &v), 3);
	check_route(&v[0], 1, "192.168.2.0", 24, "192.168.0.1", 0, 1);
	check_route(&v[1], 1, "192.168.3.0", 24, "192.168.1.2", 1, 0);
	check_route(&v[2], 1, "192.168.4.0", 24, "192.168.1.2", 1, 0);
	topo_routes_free(&r);
	topo_model_free(m);

	/* Only the UE between r1 and the rest: what lies behind r2 is unreachable. */
	m = plan("name: t\nnodes:\n"
		 "  r1: {kind: router}\n  u: {kind: ue}\n  r2: {kind: router}\n  h: {kind: host}\n"
		 "links:\n"
		 "  - {endpoints: [r1, u]}\n  - {endpoints: [u, r2]}\n  - {endpoints: [r2, h]}\n");
	routes(m, &r);
	assert_int_equal(routes_of(&r, 0, &v), 1);
	check_route(&v[0], 0, "10.128.0.4", 30, "10.128.0.2", 0, 0);
	/* h reaches r1-u through u, a destination there: two subnets, one pool route. */
	assert_int_equal(routes_of(&r, 3, &v), 1);
	check_route(&v[0], 3, "10.128.0.0", 16, "10.128.0.9", 2, 1);
	topo_routes_free(&r);
	topo_model_free(m);
}

static void test_star(void **state)
{
	struct topo_model *m = plan("name: t\nnodes:\n"
				    "  l0: {kind: ue}\n  hub: {kind: enb}\n  l1: {kind: ue}\n"
				    "  l2: {kind: host}\n  l3: {kind: cloud}\n"
				    "links:\n"
				    "  - {endpoints: [l0, hub]}\n  - {endpoints: [hub, l1]}\n"
				    "  - {endpoints: [l2, hub]}\n  - {endpoints: [hub, l3]}\n");
	struct topo_routes r;
	const struct topo_route *v;

	routes(m, &r);
	assert_int_equal(r.n, 4);
	assert_int_equal(routes_of(&r, 1, &v), 0);
	assert_int_equal(routes_of(&r, 0, &v), 1);
	check_route(&v[0], 0, "10.128.0.0", 16, "10.128.0.2", 0, 0);
	assert_int_equal(routes_of(&r, 2, &v), 1);
	check_route(&v[0], 2, "10.128.0.0", 16, "10.128.0.5", 1, 1);
	assert_int_equal(routes_of(&r, 3, &v), 1);
	check_route(&v[0], 3, "10.128.0.0", 16, "10.128.0.10", 2, 0);
	assert_int_equal(routes_of(&r, 4, &v), 1);
	check_route(&v[0], 4, "10.128.0.0", 16, "10.128.0.13", 3, 1);
	topo_routes_free(&r);

	/* The pool route follows the slot. */
	assert_int_equal(topo_plan_addresses(m, 7, &(struct topo_err){0}), 0);
	assert_int_equal(topo_plan_routes(m, 7, &r), 0);
	assert_int_equal(r.n, 4);
	check_route(&r.v[0], 0, "10.135.0.0", 16, "10.135.0.2", 0, 0);
	topo_routes_free(&r);
	topo_model_free(m);
}

/*
 * Sources with one link take a shortcut (every path leaves through it; what its neighbour
 * reaches is found once per neighbour). A host does not forward: a leaf behind one reaches
 * the host's subnets only, and a router's leaf reaches the far leaf's subnet but nothing
 * behind the host.
 */
static void test_leaf_behind_host(void **state)
{
	struct topo_model *m = plan("name: t\nnodes:\n"
				    "  h1: {kind: host}\n  h2: {kind: host}\n  r: {kind: router}\n"
				    "  h3: {kind: host}\n  h4: {kind: host}\n"
				    "links:\n"
				    "  - {endpoints: [h1, h2]}\n  - {endpoints: [h2, r]}\n"
				    "  - {endpoints: [r, h3]}\n  - {endpoints: [r, h4]}\n");
	struct topo_routes r;
	const struct topo_route *v;

	routes(m, &r);
	/* h1: only h2's other subnet, through h2. */
	assert_int_equal(routes_of(&r, 0, &v), 1);
	check_route(&v[0], 0, "10.128.0.4", 30, "10.128.0.2", 0, 0);
	/* h3 and h4: all of the rest through r, as one pool route. */
	assert_int_equal(routes_of(&r, 3, &v), 1);
	check_route(&v[0], 3, "10.128.0.0", 16, "10.128.0.9", 2, 1);
	assert_int_equal(routes_of(&r, 4, &v), 1);
	check_route(&v[0], 4, "10.128.0.0", 16, "10.128.0.13", 3, 1);
	topo_routes_free(&r);
	topo_model_free(m);
}

/*
 * A chain of routers needs about N^2/4 routes (the pool route covers the longer side of
 * each node): 2,900 of them more than TOPO_ROUTES_MAX, refused before any is built.
 */
static void test_routes_too_many(void **state)
{
	enum { N = 2900 };
	struct util_buf b = {0};
	struct topo_model *m;
	struct topo_routes r = {(struct topo_route *)0x1, 42};

	util_buf_printf(&b, "name: t\nnodes:\n");
	for (unsigned i = 0; i < N; i++)
		util_buf_printf(&b, "  r%u: {kind: router}\n", i);
	util_buf_printf(&b, "links:\n");
	for (unsigned i = 1; i < N; i++)
		util_buf_printf(&b, "  - {endpoints: [r%u, r%u]}\n", i - 1, i);
	assert_int_equal(b.err, 0);
	m = support_model(b.s);
	assert_int_equal(topo_plan_addresses(m, 0, &(struct topo_err){0}), 0);
	assert_int_equal(topo_plan_routes(m, 0, &r), -E2BIG);
	assert_ptr_equal(r.v, (struct topo_route *)0x1);
	util_buf_free(&b);
	topo_model_free(m);
}

static void test_routes_errors(void **state)
{
	struct topo_model *m = support_model("name: t\nnodes: {a: {kind: host}, b: {kind: host}}\n"
					     "links: [{endpoints: [a, b]}]\n");
	struct topo_routes r = {(struct topo_route *)0x1, 42};

	/* Routes need addresses. */
	assert_int_equal(topo_plan_routes(m, 0, &r), -EINVAL);
	assert_int_equal(topo_plan_addresses(m, 0, &(struct topo_err){0}), 0);
	assert_int_equal(topo_plan_routes(m, TOPO_SLOTS, &r), -EINVAL);
	assert_ptr_equal(r.v, (struct topo_route *)0x1);
	assert_int_equal(r.n, 42);
	/* Two hosts, one link: nothing to route. */
	assert_int_equal(topo_plan_routes(m, 0, &r), 0);
	assert_int_equal(r.n, 0);
	topo_routes_free(&r);
	topo_model_free(m);
}

/*
 * The process's CPU time: what the code did, not how busy the machine was (a loaded machine
 * can hold a process off its CPU for a second).
 */
static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* n routers; star: node 0 is the hub; chain: node i links to i + 1. */
static struct topo_model *big(unsigned n, bool star)
{
	size_t size = 64 + (size_t)n * 64, len;
	char *text = malloc(size);
	struct topo_model *m;

	assert_non_null(text);
	len = (size_t)snprintf(text, size, "name: big\nnodes:\n");
	for (unsigned i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, size - len, "  n%u: {kind: %s}\n", i,
					star && i ? "host" : "router");
	len += (size_t)snprintf(text + len, size - len, "links:\n");
	for (unsigned i = 1; i < n; i++)
		len += (size_t)snprintf(text + len, size - len, "  - {endpoints: [n%u, n%u]}\n",
					star ? 0 : i - 1, i);
	assert_true(len < size);
	m = plan(text);
	free(text);
	return m;
}

static void test_big_star(void **state)
{
	struct topo_model *m = big(500, true);
	struct topo_routes r;
	const struct topo_route *v;
	double t0 = now_ms();

	routes(m, &r);
	print_message("500-node star: %.1f ms CPU\n", now_ms() - t0);
	assert_int_equal(r.n, 499);
	assert_int_equal(routes_of(&r, 0, &v), 0);
	for (unsigned i = 1; i < 500; i++) {
		assert_int_equal(routes_of(&r, i, &v), 1);
		assert_int_equal(v->dst, topo_pool_base(0));
		assert_int_equal(v->plen, 16);
		assert_int_equal(v->via, m->links[i - 1].end[0].addr);
	}
	topo_routes_free(&r);
	topo_model_free(m);
}

static void test_big_chain(void **state)
{
	struct topo_model *m = big(500, false);
	struct topo_routes r;
	const struct topo_route *v;
	size_t want = 0;
	double t0 = now_ms(), ms;

	routes(m, &r);
	ms = now_ms() - t0;
	print_message("500-node chain: %.1f ms CPU\n", ms);
	/* Speed is bench/parse's business: a loaded machine must not fail a test. */
	/* Node i: i - 1 subnets to its left, 498 - i to its right; the larger side pools. */
	for (unsigned i = 0; i < 500; i++) {
		size_t left = i >= 1 ? i - 1 : 0, right = i <= 498 ? 498 - i : 0;
		size_t lo = left < right ? left : right, hi = left < right ? right : left;
		size_t n = hi >= 2 ? 1 + lo : lo + hi;

		assert_int_equal(routes_of(&r, i, &v), n);
		want += n;
	}
	assert_int_equal(r.n, want);
	/* Node 100: pool route to the right (398 subnets), 99 specific ones to the left. */
	routes_of(&r, 100, &v);
	check_route(&v[0], 100, "10.128.0.0", 16, "10.128.1.146", 100, 0);
	check_route(&v[1], 100, "10.128.0.0", 30, "10.128.1.141", 99, 1);
	topo_routes_free(&r);
	topo_model_free(m);
}

/* --- radio UEs --- */

/*
 * Where a packet from node `from` to dst ends up, following the planned routes (longest
 * prefix) hop by hop until a node has dst's subnet connected: that node, or -1 when a node
 * on the way has no route.
 */
static int walk(const struct topo_model *m, const struct topo_routes *r, unsigned from,
		uint32_t dst)
{
	unsigned x = from;

	for (unsigned hop = 0; hop <= m->n_nodes; hop++) {
		const struct topo_route *v, *best = NULL;
		size_t n;

		for (unsigned l = 0; l < m->n_links; l++)
			for (int e = 0; e < 2; e++) {
				const struct topo_if *f = &m->links[l].end[e];

				if (f->node == x && !((f->addr ^ dst) & topo_mask(f->plen)))
					return (int)x;
			}
		n = routes_of(r, x, &v);
		for (size_t i = 0; i < n; i++)
			if (!((v[i].dst ^ dst) & topo_mask(v[i].plen)) &&
			    (!best || v[i].plen > best->plen))
				best = &v[i];
		if (!best)
			return -1;
		/* The next hop is the node on the other end of the route's link. */
		assert_int_equal(m->links[best->link].end[best->end].node, x);
		assert_int_equal(m->links[best->link].end[!best->end].addr, best->via);
		x = m->links[best->link].end[!best->end].node;
	}
	fail_msg("routing loop from node %u", from);
	return -1;
}

/* Every address of the model is distinct (and set). */
static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void check_addrs_distinct(const struct topo_model *m)
{
	uint32_t *v = calloc(2 * (size_t)m->n_links, sizeof(*v));

	assert_non_null(v);
	for (unsigned l = 0; l < m->n_links; l++)
		for (int e = 0; e < 2; e++) {
			assert_int_not_equal(m->links[l].end[e].addr, 0);
			v[2 * l + e] = m->links[l].end[e].addr;
		}
	qsort(v, 2 * (size_t)m->n_links, sizeof(*v), cmp_u32);
	for (size_t i = 1; i < 2 * (size_t)m->n_links; i++)
		assert_int_not_equal(v[i - 1], v[i]);
	free(v);
}

/* Interface names fit and are unique within each node. */
static void check_ifnames(const struct topo_model *m)
{
	for (unsigned l = 0; l < m->n_links; l++)
		for (int e = 0; e < 2; e++) {
			const struct topo_if *f = &m->links[l].end[e];

			assert_true(strlen(f->ifname) >= 1 && strlen(f->ifname) <= TOPO_IFNAME_MAX);
			for (unsigned o = 0; o <= l; o++)
				for (int oe = 0; oe < (o == l ? e : 2); oe++) {
					const struct topo_if *g = &m->links[o].end[oe];

					if (g->node == f->node && !strcmp(g->ifname, f->ifname))
						fail_msg("node %s has two interfaces %s",
							 m->nodes[f->node].name, f->ifname);
				}
		}
}

static const char radio_text[] = "name: t\n"
				 "nodes:\n"
				 "  ue1: {kind: ue, pos: [10, 0]}\n"
				 "  enb1: {kind: enb, pos: [0, 0]}\n"
				 "  enb2: {kind: enb, pos: [800, 0]}\n"
				 "  edge1: {kind: edge}\n"
				 "  core: {kind: router}\n"
				 "  ue-with-a-long-name: {kind: ue}\n"
				 "  h: {kind: host}\n"
				 "  enb-with-a-long-name: {kind: enb, pos: [400, 0]}\n"
				 "links:\n"
				 "  - {endpoints: [enb1, edge1], delay: 1ms}\n"
				 "  - {endpoints: [enb2, edge1], delay: 1ms}\n"
				 "  - {endpoints: [edge1, core], delay: 5ms}\n"
				 "  - {endpoints: [\"ue-with-a-long-name:enb2\", h]}\n"
				 "  - {endpoints: [enb-with-a-long-name, core], delay: 2ms}\n"
				 "radio: {delay: 5ms}\n"
				 "mobility:\n"
				 "  ue-with-a-long-name: {model: static, pos: [0, 0]}\n";

/* radio: makes no link: each UE has one address from the UE pool, in the order of nodes:. */
static void test_radio_ue_addrs(void **state)
{
	struct topo_model *m = plan(radio_text);
	struct topo_err err = {0};
	unsigned ue1 = 0, enb1 = 1, longue = 5;

	assert_int_equal(m->n_links, 5); /* the file's */
	assert_int_equal(m->radio.ue_pool, ip("100.64.0.0"));
	assert_int_equal(m->radio.ue_plen, 16);
	assert_int_equal(m->nodes[ue1].ue_addr, ip("100.64.0.1"));
	assert_int_equal(m->nodes[longue].ue_addr, ip("100.64.0.2"));
	for (unsigned i = 0; i < m->n_nodes; i++)
		if (i != ue1 && i != longue)
			assert_int_equal(m->nodes[i].ue_addr, 0);
	/* A radio UE's name is its UE address, even with a wired link of its own. */
	assert_int_equal(topo_node_addr(m, ue1), ip("100.64.0.1"));
	assert_int_equal(topo_node_addr(m, longue), ip("100.64.0.2"));
	assert_int_equal(topo_node_addr(m, enb1), ip("10.128.0.1"));
	assert_true(topo_ue_is_radio(m, ue1));
	assert_true(topo_ue_is_radio(m, longue));
	assert_false(topo_ue_is_radio(m, enb1));
	assert_false(topo_ue_is_radio(m, 100));
	check_ifnames(m);
	check_addrs_distinct(m);
	/* Planned again (another slot): the same UE addresses. */
	assert_int_equal(topo_plan_addresses(m, 3, &err), 0);
	assert_int_equal(m->nodes[ue1].ue_addr, ip("100.64.0.1"));
	assert_int_equal(m->nodes[longue].ue_addr, ip("100.64.0.2"));
	/* A model made otherwise than by the parser, with more UEs than its pool holds. */
	m->radio.ue_plen = 31;
	assert_int_equal(topo_plan_addresses(m, 0, &err), -EINVAL);
	assert_string_equal(err.msg, "t.yaml:17:1: ue_pool 100.64.0.0/31 holds 0 UE addresses; "
				     "UE 'ue1' is one too many");
	topo_model_free(m);

	/* Another pool: UE k is its host k + 1. */
	m = plan("name: t\nnodes:\n  e: {kind: enb, pos: [0, 0]}\n  a: {kind: ue, pos: [0, 0]}\n"
		 "  r: {kind: router}\n  b: {kind: ue, pos: [0, 0]}\n  c: {kind: ue, pos: [0, 0]}\n"
		 "links:\n  - {endpoints: [e, r]}\nradio: {ue_pool: 172.20.8.0/29}\n");
	assert_int_equal(m->nodes[1].ue_addr, ip("172.20.8.1"));
	assert_int_equal(m->nodes[3].ue_addr, ip("172.20.8.2"));
	assert_int_equal(m->nodes[4].ue_addr, ip("172.20.8.3"));
	assert_int_equal(m->nodes[2].ue_addr, 0);
	topo_model_free(m);
	m = plan("name: t\nnodes:\n  e: {kind: enb, pos: [0, 0]}\n  a: {kind: ue, pos: [0, 0]}\n"
		 "  b: {kind: ue, pos: [0, 0]}\n  r: {kind: router}\n"
		 "links:\n  - {endpoints: [e, r]}\nradio: {ue_pool: 172.20.8.0/30}\n");
	assert_int_equal(m->nodes[1].ue_addr, ip("172.20.8.1"));
	assert_int_equal(m->nodes[2].ue_addr, ip("172.20.8.2"));
	topo_model_free(m);

	/* Without radio:, a UE is wired: its name is its link's address. */
	m = plan("name: t\nnodes:\n  u: {kind: ue}\n  b: {kind: enb}\n"
		 "links:\n  - {endpoints: [u, b]}\n");
	assert_int_equal(m->n_links, 1);
	assert_false(topo_ue_is_radio(m, 0));
	assert_int_equal(m->nodes[0].ue_addr, 0);
	assert_int_equal(topo_node_addr(m, 0), ip("10.128.0.1"));
	topo_model_free(m);
}

/* The route of node for dst/plen, or NULL. */
static const struct topo_route *route_to(const struct topo_routes *r, unsigned node, uint32_t dst,
					 unsigned plen)
{
	const struct topo_route *v;
	size_t n = routes_of(r, node, &v);

	for (size_t i = 0; i < n; i++)
		if (v[i].dst == dst && v[i].plen == plen)
			return &v[i];
	return NULL;
}

/*
 * Radio UEs get no planned route. A node whose next hops towards the other eNBs are one gets
 * a route for the whole UE pool through it; a node joining cells gets none.
 */
static void test_radio_routes(void **state)
{
	struct topo_model *m = plan(radio_text);
	uint32_t pool = ip("100.64.0.0");
	struct topo_routes r;
	const struct topo_route *v;

	routes(m, &r);
	assert_int_equal(routes_of(&r, 0, &v), 0); /* ue1 */
	assert_int_equal(routes_of(&r, 5, &v), 0); /* ue-with-a-long-name, wired to h too */
	/* enb1 and enb2 reach every other cell through edge1; the third through core. */
	check_route(route_to(&r, 1, pool, 16), 1, "100.64.0.0", 16, "10.128.0.2", 0, 0);
	check_route(route_to(&r, 2, pool, 16), 2, "100.64.0.0", 16, "10.128.0.6", 1, 0);
	check_route(route_to(&r, 7, pool, 16), 7, "100.64.0.0", 16, "10.128.0.18", 4, 0);
	/* edge1 and core join cells; h (behind a UE) reaches none. */
	assert_null(route_to(&r, 3, pool, 16));
	assert_null(route_to(&r, 4, pool, 16));
	assert_int_equal(routes_of(&r, 6, &v), 0);
	/* The link subnets as before: edge1 has three connected, reaches one through core. */
	assert_int_equal(routes_of(&r, 3, &v), 1);
	check_route(&v[0], 3, "10.128.0.16", 30, "10.128.0.10", 2, 0);
	for (size_t i = 0; i < r.n; i++)
		assert_true(r.v[i].dst != pool || r.v[i].plen == 16);
	/* Every link subnet but the one between a UE and a host, from every forwarding node. */
	for (unsigned x = 0; x < m->n_nodes; x++)
		for (unsigned l = 0; l < m->n_links && topo_kind_forwards(m->nodes[x].kind); l++) {
			int w = walk(m, &r, x, m->links[l].end[1].addr);

			if (l != 3)
				assert_true(w == (int)m->links[l].end[0].node ||
					    w == (int)m->links[l].end[1].node);
		}
	topo_routes_free(&r);
	topo_model_free(m);

	/* Without radio: no UE pool route anywhere. */
	m = plan("name: t\nnodes:\n  a: {kind: host}\n  b: {kind: enb}\n  c: {kind: enb}\n"
		 "links:\n  - {endpoints: [a, b]}\n  - {endpoints: [b, c]}\n");
	routes(m, &r);
	for (size_t i = 0; i < r.n; i++)
		assert_int_equal(r.v[i].dst & 0xff000000u, ip("10.0.0.0"));
	topo_routes_free(&r);
	topo_model_free(m);
}

/* 50 UEs x 10 eNBs: no link per pair any more; one address each; pool routes where they fit. */
static void test_radio_big(void **state)
{
	size_t size = 4096 + 64 * 80, len;
	char *text = malloc(size);
	struct topo_model *m;
	struct topo_routes r;
	const struct topo_route *v;
	unsigned core = 60, edge = 61;
	double t0;

	assert_non_null(text);
	len = (size_t)snprintf(text, size, "name: big\nnodes:\n");
	for (unsigned i = 0; i < 50; i++)
		len += (size_t)snprintf(text + len, size - len, "  ue%u: {kind: ue}\n", i);
	for (unsigned i = 0; i < 10; i++)
		len += (size_t)snprintf(text + len, size - len,
					"  enb%u: {kind: enb, pos: [%u, 0]}\n", i, 500 * i);
	len += (size_t)snprintf(text + len, size - len,
				"  core: {kind: router}\n"
				"  edge: {kind: edge}\nlinks:\n");
	for (unsigned i = 0; i < 10; i++)
		len += (size_t)snprintf(text + len, size - len,
					"  - {endpoints: [enb%u, core], delay: 2ms}\n", i);
	len += (size_t)snprintf(text + len, size - len,
				"  - {endpoints: [core, edge], delay: 1ms}\n"
				"radio: {}\nmobility:\n");
	for (unsigned i = 0; i < 50; i++)
		len += (size_t)snprintf(text + len, size - len,
					"  ue%u: {model: static, pos: [%u, 10]}\n", i, 90 * i);
	assert_true(len < size);
	t0 = now_ms();
	m = plan(text);
	free(text);
	assert_int_equal(m->n_links, 11);
	routes(m, &r);
	print_message("50 UEs x 10 eNBs: parse, plan, routes %.1f ms CPU\n", now_ms() - t0);
	for (unsigned u = 0; u < 50; u++) {
		assert_int_equal(m->nodes[u].ue_addr, ip("100.64.0.1") + u);
		assert_int_equal(routes_of(&r, u, &v), 0);
	}
	/* Every eNB and the edge reach the cells through core; core joins them all. */
	for (unsigned b = 50; b < 60; b++) {
		const struct topo_route *p = route_to(&r, b, ip("100.64.0.0"), 16);

		assert_non_null(p);
		assert_int_equal(p->via, ip("10.128.0.2") + 4 * (b - 50));
		assert_int_equal(p->link, b - 50);
		assert_int_equal(p->end, 0);
	}
	assert_null(route_to(&r, core, ip("100.64.0.0"), 16));
	assert_non_null(route_to(&r, edge, ip("100.64.0.0"), 16));
	topo_routes_free(&r);
	topo_model_free(m);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool),
		cmocka_unit_test(test_auto),
		cmocka_unit_test(test_addr_errors),
		cmocka_unit_test(test_vip_errors),
		cmocka_unit_test(test_addr_zero),
		cmocka_unit_test(test_addr_many),
		cmocka_unit_test(test_pool_exhausted),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_chain_pool),
		cmocka_unit_test(test_diamond),
		cmocka_unit_test(test_tie),
		cmocka_unit_test(test_tie_end),
		cmocka_unit_test(test_tie_pool),
		cmocka_unit_test(test_direction),
		cmocka_unit_test(test_no_transit_ue),
		cmocka_unit_test(test_star),
		cmocka_unit_test(test_leaf_behind_host),
		cmocka_unit_test(test_routes_errors),
	    cmocka_unit_test(test_routes_too_many),
		cmocka_unit_test(test_big_star),
		cmocka_unit_test(test_big_chain),
		cmocka_unit_test(test_radio_ue_addrs),
		cmocka_unit_test(test_radio_routes),
		cmocka_unit_test(test_radio_big),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
