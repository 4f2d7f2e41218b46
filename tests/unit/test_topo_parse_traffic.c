/* SPDX-License-Identifier: MIT */
/*
 * Scenario parser, traffic:: every key and its default, the default names, and each bad
 * value with its exact message and position; a flow's rate set with --set.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/support.h"
#include "topo/topo.h"

/* Lines 1 to 10; the flows from line 11 on. d has no link; ue1 is a radio UE. */
#define HEAD                                                                                       \
	"name: t\n"                                                                                \
	"nodes:\n"                                                                                 \
	"  a: {kind: host}\n"                                                                      \
	"  b: {kind: host}\n"                                                                      \
	"  c: {kind: router}\n"                                                                    \
	"  d: {kind: host}\n"                                                                      \
	"links:\n"                                                                                 \
	"  - {endpoints: [a, c]}\n"                                                                \
	"  - {endpoints: [b, c]}\n"                                                                \
	"traffic:\n"

#define RADIO                                                                                      \
	"name: t\n"                                                                                \
	"nodes:\n"                                                                                 \
	"  ue1: {kind: ue}\n"                                                                      \
	"  enb1: {kind: enb, pos: [0, 0]}\n"                                                       \
	"  cloud: {kind: cloud}\n"                                                                 \
	"links:\n"                                                                                 \
	"  - {endpoints: [enb1, cloud]}\n"                                                         \
	"radio: {}\n"                                                                              \
	"mobility: {ue1: {model: static, pos: [10, 0]}}\n"                                         \
	"traffic:\n"

static struct topo_model *sentinel = (struct topo_model *)0x1;

static void parse_fails(const char *text, const char *msg)
{
	struct topo_model *m = sentinel;
	struct topo_err err = {0};

	int rc = topo_parse_string(text, strlen(text), "t.yaml", &m, &err);

	if (rc != -EINVAL)
		fail_msg("parsed (%d), expected: %s", rc, msg);
	assert_ptr_equal(m, sentinel);
	assert_string_equal(err.msg, msg);
}

static const struct topo_flow *flow(const struct topo_model *m, unsigned i)
{
	assert_true(i < m->n_flows);
	return &m->flows[i];
}

static void test_every_key(void **state)
{
	struct topo_model *m = support_model(HEAD "  - name: dl.1_x\n"			 /* 11 */
						  "    from: a\n"			 /* 12 */
						  "    to: b\n"				 /* 13 */
						  "    kind: tcp\n"			 /* 14 */
						  "    rate: 5mbit\n"			 /* 15 */
						  "    at: 1.5s\n"			 /* 16 */
						  "    until: 20s\n"			 /* 17 */
						  "  - {from: b, to: a}\n"		 /* 18 */
						  "  - {from: a, to: b, rate: 0bit}\n"); /* 19 */
	const struct topo_flow *f;

	(void)state;
	assert_int_equal(m->n_flows, 3);
	f = flow(m, 0);
	assert_string_equal(f->name, "dl.1_x");
	assert_string_equal(m->nodes[f->from].name, "a");
	assert_string_equal(m->nodes[f->to].name, "b");
	assert_int_equal(f->kind, TOPO_FLOW_TCP);
	assert_string_equal(topo_flow_kind_name(f->kind), "tcp");
	assert_int_equal(f->rate_bps, 5000000);
	assert_int_equal(f->at_ns, 1500000000ULL);
	assert_int_equal(f->until_ns, 20000000000ULL);
	assert_int_equal(f->mark.line, 11);
	assert_int_equal(f->mark.col, 5);
	/* The defaults: tcp, as fast as TCP goes, from 0 to the run's end. */
	f = flow(m, 1);
	assert_string_equal(f->name, "b-a");
	assert_int_equal(f->kind, TOPO_FLOW_TCP);
	assert_int_equal(f->rate_bps, 0);
	assert_int_equal(f->at_ns, 0);
	assert_int_equal(f->until_ns, 0);
	assert_int_equal(f->mark.line, 18);
	f = flow(m, 2);
	assert_string_equal(f->name, "a-b");
	assert_int_equal(f->rate_bps, 0);
	topo_model_free(m);
}

/* `<from>-<to>`, with the index where another flow would have the same name. */
static void test_default_names(void **state)
{
	struct topo_model *m = support_model(HEAD "  - {from: a, to: b}\n"
						  "  - {from: a, to: b}\n"
						  "  - {from: b, to: a}\n"
						  "  - {from: b, to: c, name: a-c}\n"
						  "  - {from: a, to: c}\n");

	(void)state;
	assert_int_equal(m->n_flows, 5);
	assert_string_equal(flow(m, 0)->name, "a-b-0");
	assert_string_equal(flow(m, 1)->name, "a-b-1");
	assert_string_equal(flow(m, 2)->name, "b-a");
	assert_string_equal(flow(m, 3)->name, "a-c");
	assert_string_equal(flow(m, 4)->name, "a-c-4");
	topo_model_free(m);
	/* No traffic: nothing. */
	m = support_model("name: t\nnodes: {a: {kind: host}}\n");
	assert_int_equal(m->n_flows, 0);
	assert_null(m->flows);
	topo_model_free(m);
}

/* A radio UE has its address from the pool, linked or not. */
static void test_radio_ue(void **state)
{
	struct topo_model *m = support_model(RADIO "  - {from: cloud, to: ue1, at: 2s}\n");

	(void)state;
	assert_int_equal(m->n_flows, 1);
	assert_string_equal(flow(m, 0)->name, "cloud-ue1");
	topo_model_free(m);
}

#define F HEAD "  - "

static void test_errors(void **state)
{
	(void)state;
	parse_fails(HEAD "  - {to: b}\n",
		    "t.yaml:11:5: traffic: missing key 'from' (the sending node)");
	parse_fails(HEAD "  - {from: a}\n",
		    "t.yaml:11:5: traffic: missing key 'to' (the receiving node)");
	parse_fails(F "{from: x, to: b}\n", "t.yaml:11:12: from: unknown node 'x'");
	parse_fails(F "{from: a, to: y}\n", "t.yaml:11:19: to: unknown node 'y'");
	parse_fails(F "{from: [a], to: b}\n",
		    "t.yaml:11:12: from: expected a string, got a sequence");
	parse_fails(F "{from: a, to: d}\n",
		    "t.yaml:11:19: to: node 'd' has no link, so no address");
	parse_fails(F "{from: d, to: a}\n",
		    "t.yaml:11:12: from: node 'd' has no link, so no address");
	parse_fails(F "{from: a, to: a}\n", "t.yaml:11:19: to: a flow from 'a' to itself");
	parse_fails(F "{from: a, to: b, kind: udp}\n",
		    "t.yaml:11:28: unknown kind 'udp' (expected one of: tcp)");
	parse_fails(F "{from: a, to: b, rate: 5}\n",
		    "t.yaml:11:28: rate: '5' needs a unit (bit, kbit, mbit, gbit, tbit)");
	parse_fails(F "{from: a, to: b, rate: 5bit}\n",
		    "t.yaml:11:28: rate: '5bit' is out of range (0bit for no limit, or 8bit to "
		    "10tbit)");
	parse_fails(F "{from: a, to: b, rate: 5Mbps}\n",
		    "t.yaml:11:28: rate: unknown unit 'Mbps' in '5Mbps' (expected one of: bit, "
		    "kbit, mbit, gbit, tbit)");
	parse_fails(F "{from: a, to: b, at: 1}\n",
		    "t.yaml:11:26: at: '1' needs a unit (ns, us, ms, s)");
	parse_fails(F "{from: a, to: b, at: -1s}\n",
		    "t.yaml:11:26: at: '-1s' must not be negative");
	parse_fails(F "{from: a, to: b, at: 2592001s}\n",
		    "t.yaml:11:26: at: '2592001s' is out of range (0s to 2592000s)");
	parse_fails(F "{from: a, to: b, until: 0s}\n",
		    "t.yaml:11:29: until: '0s' is out of range (1ns to 2592000s)");
	parse_fails(F "{from: a, to: b, at: 5s, until: 5s}\n",
		    "t.yaml:11:37: until: '5s' is not after at (5s)");
	parse_fails(F "{from: a, to: b, until: 3s, at: 4s}\n",
		    "t.yaml:11:29: until: '3s' is not after at (4s)");
	parse_fails(F "{from: a, to: b, name: 'a b'}\n",
		    "t.yaml:11:28: name: 'a b' is not a valid flow name ([A-Za-z0-9_.-], 1 to 80 "
		    "characters, starting with a letter or digit)");
	parse_fails(F "{from: a, to: b, name: ../x}\n",
		    "t.yaml:11:28: name: '../x' is not a valid flow name ([A-Za-z0-9_.-], 1 to 80 "
		    "characters, starting with a letter or digit)");
	parse_fails(F "{from: a, to: b, name: 'x,y'}\n",
		    "t.yaml:11:28: name: 'x,y' is not a valid flow name ([A-Za-z0-9_.-], 1 to 80 "
		    "characters, starting with a letter or digit)");
	parse_fails(F "{from: a, to: b, name: ''}\n",
		    "t.yaml:11:28: name: '' is not a valid flow name ([A-Za-z0-9_.-], 1 to 80 "
		    "characters, starting with a letter or digit)");
	parse_fails(
	    F "{from: a, to: b, port: 80}\n",
	    "t.yaml:11:22: unknown key 'port' (expected one of: name, from, to, kind, rate, "
	    "at, until)");
	parse_fails(F "{from: a, to: b, from: b}\n",
		    "t.yaml:11:22: duplicate key 'from' (first defined at 11:6)");
	parse_fails(F "{name: x, from: a, to: b}\n  - {name: x, from: b, to: a}\n",
		    "t.yaml:12:5: traffic: a second flow named 'x' (the first at 11:5)");
	parse_fails(F "{name: a-b, from: b, to: a}\n  - {from: a, to: b}\n"
		      "  - {name: a-b-1, from: b, to: a}\n",
		    "t.yaml:12:5: traffic: this flow's default name 'a-b-1' is taken by the flow "
		    "at 13:5; give it a name");
	parse_fails(F "[a, b]\n", "t.yaml:11:5: traffic: expected a mapping, got a sequence");
	parse_fails(HEAD "  {from: a, to: b}\n",
		    "t.yaml:11:3: traffic: expected a sequence, got a mapping");
	/* A receiver's port taken by a stateful service's TCP port. */
	parse_fails(HEAD "  - {from: a, to: b}\n  - {from: b, to: a}\n"
			 "services: {s: {vip: 10.200.0.1, app: svc, port: 7101, at: a}}\n",
		    "t.yaml:12:5: traffic: flow 'b-a' listens on TCP port 7101, which service 's' "
		    "uses; give the service another port");
}

static void test_too_many(void **state)
{
	size_t head = strlen(HEAD), line = strlen("  - {from: a, to: b}\n");
	char *s = malloc(head + line * (TOPO_FLOWS_MAX + 1) + 1);

	(void)state;
	assert_non_null(s);
	memcpy(s, HEAD, head);
	for (size_t i = 0; i <= TOPO_FLOWS_MAX; i++)
		memcpy(s + head + i * line, "  - {from: a, to: b}\n", line);
	s[head + line * (TOPO_FLOWS_MAX + 1)] = '\0';
	parse_fails(s, "t.yaml:11:3: traffic: 1001 traffic; a scenario may have at most 1000");
	free(s);
}

/* `--set traffic.0.rate=5mbit`, and a bad value set that way. */
static void test_set(void **state)
{
	static const char text[] = HEAD "  - {from: a, to: b, rate: 1mbit}\n";
	const char *sets[] = {"traffic.0.rate=5mbit", "traffic.0.until=9s"};
	const char *bad[] = {"traffic.0.kind=udp"};
	struct topo_parse_opts o = {.sets = sets, .n_sets = 2};
	struct topo_model *m = NULL;
	struct topo_err err = {0};

	(void)state;
	assert_int_equal(topo_parse_string_opts(text, strlen(text), "t.yaml", &o, &m, &err), 0);
	assert_int_equal(m->n_flows, 1);
	assert_int_equal(m->flows[0].rate_bps, 5000000);
	assert_int_equal(m->flows[0].until_ns, 9000000000ULL);
	topo_model_free(m);
	o = (struct topo_parse_opts){.sets = bad, .n_sets = 1};
	m = sentinel;
	assert_int_equal(topo_parse_string_opts(text, strlen(text), "t.yaml", &o, &m, &err),
			 -EINVAL);
	assert_ptr_equal(m, sentinel);
	assert_string_equal(err.msg, "t.yaml: --set: unknown kind 'udp' (expected one of: tcp)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_key), cmocka_unit_test(test_default_names),
	    cmocka_unit_test(test_radio_ue),  cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_too_many),  cmocka_unit_test(test_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
