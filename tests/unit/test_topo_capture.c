/* SPDX-License-Identifier: MIT */
/*
 * `capture:` and `capture_limit:`: the list resolved into one entry per interface (the
 * names the builder will give them), the default and the units of the limit, `--set`, and
 * every bad value with its exact message and position.
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

#include "topo/topo.h"

/* One line of YAML per line of C, numbered: the tests check marks. */
/* clang-format off */
#define HEAD								\
	"name: t\n"							/* 1 */ \
	"nodes:\n"							/* 2 */ \
	"  a: {kind: router}\n"						/* 3 */ \
	"  b: {kind: router}\n"						/* 4 */ \
	"  h-1: {kind: host}\n"						/* 5 */ \
	"  h: {kind: host}\n"						/* 6 */ \
	"  lonely: {kind: host}\n"					/* 7 */ \
	"links:\n"							/* 8 */ \
	"  - {endpoints: [a, b]}\n"					/* 9 */ \
	"  - {endpoints: ['a:up', h-1]}\n"				/* 10 */ \
	"  - {endpoints: [b, 'h:1-eth0']}\n"				/* 11 */

/* The radio access: ue1 and enb1 have ran0; e does not. */
#define RHEAD								\
	"name: t\n"							/* 1 */ \
	"nodes:\n"							/* 2 */ \
	"  ue1: {kind: ue, pos: [10, 0]}\n"				/* 3 */ \
	"  enb1: {kind: enb, pos: [0, 0]}\n"				/* 4 */ \
	"  e: {kind: edge}\n"						/* 5 */ \
	"links:\n"							/* 6 */ \
	"  - {endpoints: [enb1, e]}\n"					/* 7 */ \
	"radio: {}\n"							/* 8 */
/* clang-format on */

static struct topo_model *sentinel = (struct topo_model *)0x1;

static struct topo_model *parse_ok(const char *text)
{
	struct topo_model *m = NULL;
	struct topo_err err = {0};
	int r = topo_parse_string(text, strlen(text), "t.yaml", &m, &err);

	if (r < 0)
		print_error("%s\n", err.msg);
	assert_int_equal(r, 0);
	return m;
}

static void parse_fails(const char *text, const char *msg)
{
	struct topo_model *m = sentinel;
	struct topo_err err = {0};

	assert_int_equal(topo_parse_string(text, strlen(text), "t.yaml", &m, &err), -EINVAL);
	assert_ptr_equal(m, sentinel);
	assert_string_equal(err.msg, msg);
}

static void check(const struct topo_model *m, unsigned i, const char *node, const char *ifname,
		  const char *file, int line, int col)
{
	const struct topo_capture *k = &m->captures[i];

	assert_true(i < m->n_captures);
	assert_string_equal(m->nodes[k->node].name, node);
	assert_string_equal(k->ifname, ifname);
	assert_string_equal(k->file, file);
	assert_int_equal(k->mark.line, line);
	assert_int_equal(k->mark.col, col);
}

/* A node stands for each of its links' interfaces, in link order; lo only by name. */
static void test_wired(void **state)
{
	struct topo_model *m;

	(void)state;
	m = parse_ok(HEAD "capture: [a, 'b:eth1', b:lo, 'h:1-eth0']\n" /* 12 */
			  "capture_limit: 10MB\n");
	assert_int_equal(m->n_captures, 5);
	check(m, 0, "a", "eth0", "a-eth0.pcap", 12, 11);
	check(m, 1, "a", "up", "a-up.pcap", 12, 11);
	check(m, 2, "b", "eth1", "b-eth1.pcap", 12, 14);
	check(m, 3, "b", "lo", "b-lo.pcap", 12, 24);
	check(m, 4, "h", "1-eth0", "h-1-eth0.pcap", 12, 30);
	assert_int_equal(m->capture_limit, 10000000);
	topo_model_free(m);

	/* Block style, and each unit of sizes. */
	m = parse_ok(HEAD "capture:\n  - h-1\ncapture_limit: 1GiB\n");
	assert_int_equal(m->n_captures, 1);
	check(m, 0, "h-1", "eth0", "h-1-eth0.pcap", 13, 5);
	assert_int_equal(m->capture_limit, 1ULL << 30);
	topo_model_free(m);
	m = parse_ok(HEAD "capture_limit: 64KiB\n");
	assert_int_equal(m->n_captures, 0);
	assert_null(m->captures);
	assert_int_equal(m->capture_limit, 65536);
	topo_model_free(m);
	m = parse_ok(HEAD "capture_limit: 1024GiB\n");
	assert_int_equal(m->capture_limit, 1ULL << 40);
	topo_model_free(m);
	m = parse_ok(HEAD "capture_limit: 1.5MiB\n");
	assert_int_equal(m->capture_limit, 3ULL << 19);
	topo_model_free(m);
	m = parse_ok(HEAD "capture_limit: 70000B\n");
	assert_int_equal(m->capture_limit, 70000);
	topo_model_free(m);
	m = parse_ok(HEAD "capture: []\n");
	assert_int_equal(m->n_captures, 0);
	assert_int_equal(m->capture_limit, TOPO_CAPTURE_LIMIT);
	topo_model_free(m);
}

/* Without the keys: nothing captured, 100 MiB per file. */
static void test_default(void **state)
{
	struct topo_model *m;

	(void)state;
	m = parse_ok(HEAD);
	assert_int_equal(m->n_captures, 0);
	assert_null(m->captures);
	assert_int_equal(m->capture_limit, 100ULL << 20);
	topo_model_free(m);
}

/* With radio: a UE's and an eNB's ran0 (after their links' interfaces). */
static void test_radio(void **state)
{
	struct topo_model *m;

	(void)state;
	m = parse_ok(RHEAD "capture: [ue1, enb1, e]\n"); /* 9 */
	assert_int_equal(m->n_captures, 4);
	check(m, 0, "ue1", "ran0", "ue1-ran0.pcap", 9, 11);
	check(m, 1, "enb1", "eth0", "enb1-eth0.pcap", 9, 16);
	check(m, 2, "enb1", "ran0", "enb1-ran0.pcap", 9, 16);
	check(m, 3, "e", "eth0", "e-eth0.pcap", 9, 22);
	topo_model_free(m);
	m = parse_ok(RHEAD "capture: [ue1:ran0, 'enb1:ran0']\n");
	assert_int_equal(m->n_captures, 2);
	check(m, 1, "enb1", "ran0", "enb1-ran0.pcap", 9, 21);
	topo_model_free(m);
}

static void test_err_capture(void **state)
{
	(void)state;
	parse_fails(HEAD "capture: a\n",
		    "t.yaml:12:10: capture: expected a sequence, got a string");
	parse_fails(HEAD "capture: {a: eth0}\n",
		    "t.yaml:12:10: capture: expected a sequence, got a mapping");
	parse_fails(HEAD "capture: [a, {node: b}]\n",
		    "t.yaml:12:14: capture: expected a string, got a mapping");
	parse_fails(HEAD "capture: [a, [b]]\n",
		    "t.yaml:12:14: capture: expected a string, got a sequence");
	parse_fails(HEAD "capture:\n  -\n", "t.yaml:13:4: capture: unknown node ''");
	parse_fails(HEAD "capture: [zz]\n", "t.yaml:12:11: capture: unknown node 'zz'");
	parse_fails(HEAD "capture: ['zz:eth0']\n", "t.yaml:12:11: capture: unknown node 'zz'");
	parse_fails(HEAD "capture: [abcdefghijklmnopqrstuvwxyz0123456789]\n",
		    "t.yaml:12:11: capture: unknown node 'abcdefghijklmnopqrstuvwxyz0123456789'");
	parse_fails(HEAD "capture: ['a:']\n",
		    "t.yaml:12:11: capture: empty interface name in 'a:'");
	parse_fails(
	    HEAD "capture: [b, 'a:eth9']\n",
	    "t.yaml:12:14: capture: node 'a' has no interface 'eth9' (it has: eth0, up, lo)");
	parse_fails(
	    HEAD "capture: ['a:ran0']\n",
	    "t.yaml:12:11: capture: node 'a' has no interface 'ran0' (it has: eth0, up, lo)");
	parse_fails(HEAD "capture: ['lonely:eth0']\n",
		    "t.yaml:12:11: capture: node 'lonely' has no interface 'eth0' (it has: lo)");
	parse_fails(
	    HEAD "capture: ['a:eth0:x']\n",
	    "t.yaml:12:11: capture: node 'a' has no interface 'eth0:x' (it has: eth0, up, lo)");
	parse_fails(HEAD "capture: [\"a:eth0\\0x\"]\n",
		    "t.yaml:12:11: capture: a NUL byte is not allowed here");
	parse_fails(HEAD "capture: [lonely]\n",
		    "t.yaml:12:11: capture: node 'lonely' has no interface but lo (to capture lo: "
		    "'lonely:lo')");
	/* Twice: by name, by the node, or the node twice. */
	parse_fails(HEAD "capture: ['a:up', b, 'a:up']\n",
		    "t.yaml:12:22: capture: 'a:up' is captured twice (first at 12:11)");
	parse_fails(HEAD "capture: [a, 'a:up']\n",
		    "t.yaml:12:14: capture: 'a:up' is captured twice (first at 12:11)");
	parse_fails(HEAD "capture: ['a:up', a]\n",
		    "t.yaml:12:19: capture: 'a:up' is captured twice (first at 12:11)");
	parse_fails(HEAD "capture:\n  - b\n  - b\n",
		    "t.yaml:14:5: capture: 'b:eth0' is captured twice (first at 13:5)");
	parse_fails(HEAD "capture: [b:lo, b:lo]\n",
		    "t.yaml:12:17: capture: 'b:lo' is captured twice (first at 12:11)");
	/* Node names and interface names may hold '-': one file name for two interfaces. */
	parse_fails(HEAD "capture: [h-1, h]\n",
		    "t.yaml:12:16: capture: 'h-1:eth0' and 'h:1-eth0' would both write "
		    "pcap/h-1-eth0.pcap");
	/* Radio: ran0 only on UEs and eNBs; no ran0 without UEs. */
	parse_fails(RHEAD "capture: ['e:ran0']\n",
		    "t.yaml:9:11: capture: node 'e' has no interface 'ran0' (it has: eth0, lo)");
	parse_fails("name: t\nnodes:\n  enb1: {kind: enb, pos: [0, 0]}\n  e: {kind: edge}\n"
		    "links: [{endpoints: [enb1, e]}]\nradio: {}\ncapture: ['enb1:ran0']\n",
		    "t.yaml:7:11: capture: node 'enb1' has no interface 'ran0' (it has: eth0, lo)");
}

/* A node of 1001 links is more interfaces than a scenario may capture. */
static void test_err_too_many(void **state)
{
	size_t size = 64 << 10, used = 0;
	char *text = malloc(size);

	(void)state;
	assert_non_null(text);
	used +=
	    (size_t)snprintf(text + used, size - used, "name: t\nnodes:\n  hub: {kind: router}\n");
	for (int i = 0; i < 1001; i++)
		used += (size_t)snprintf(text + used, size - used, "  h%d: {kind: host}\n", i);
	used += (size_t)snprintf(text + used, size - used, "links:\n");
	for (int i = 0; i < 1001; i++)
		used +=
		    (size_t)snprintf(text + used, size - used, "  - {endpoints: [hub, h%d]}\n", i);
	snprintf(text + used, size - used, "capture: [h7, hub]\n"); /* line 2007 */
	parse_fails(text, "t.yaml:2007:15: capture: more than 1000 interfaces; a scenario may "
			  "capture at most 1000");
	free(text);
}

static void test_err_limit(void **state)
{
	(void)state;
	parse_fails(
	    HEAD "capture_limit: 10\n",
	    "t.yaml:12:16: capture_limit: '10' needs a unit (B, KiB, MiB, GiB, KB, MB, GB)");
	parse_fails(HEAD "capture_limit: 10XB\n",
		    "t.yaml:12:16: capture_limit: unknown unit 'XB' in '10XB' (expected one of: B, "
		    "KiB, MiB, GiB, KB, MB, GB)");
	parse_fails(HEAD "capture_limit: 10mib\n",
		    "t.yaml:12:16: capture_limit: unknown unit 'mib' in '10mib' (expected one of: "
		    "B, KiB, MiB, GiB, KB, MB, GB)");
	parse_fails(HEAD "capture_limit: big\n",
		    "t.yaml:12:16: capture_limit: 'big' is not a number with a unit (B, KiB, MiB, "
		    "GiB, KB, MB, GB)");
	parse_fails(HEAD "capture_limit: ''\n",
		    "t.yaml:12:16: capture_limit: a value is needed (a number with one of: B, KiB, "
		    "MiB, GiB, KB, MB, GB)");
	parse_fails(HEAD "capture_limit: -1MiB\n",
		    "t.yaml:12:16: capture_limit: '-1MiB' must not be negative");
	parse_fails(HEAD "capture_limit: 63KiB\n",
		    "t.yaml:12:16: capture_limit: '63KiB' is out of range (64KiB to 1024GiB)");
	parse_fails(HEAD "capture_limit: 0B\n",
		    "t.yaml:12:16: capture_limit: '0B' is out of range (64KiB to 1024GiB)");
	parse_fails(HEAD "capture_limit: 1025GiB\n",
		    "t.yaml:12:16: capture_limit: '1025GiB' is out of range (64KiB to 1024GiB)");
	parse_fails(HEAD "capture_limit: 99999999999999999999GB\n",
		    "t.yaml:12:16: capture_limit: '99999999999999999999GB' is out of range (64KiB "
		    "to 1024GiB)");
	parse_fails(HEAD "capture_limit: [1MiB]\n",
		    "t.yaml:12:16: capture_limit: expected a string, got a sequence");
	parse_fails(HEAD "capture_limit:\n",
		    "t.yaml:12:15: capture_limit: a value is needed (a number with one of: B, KiB, "
		    "MiB, GiB, KB, MB, GB)");
	/* Checked even when nothing is captured: a sweep may vary it alone. */
	parse_fails(HEAD "capture: [a]\ncapture_limit: 1KiB\n",
		    "t.yaml:13:16: capture_limit: '1KiB' is out of range (64KiB to 1024GiB)");
}

/* --set: the limit and the list's items, checked as values of the file are. */
static void test_set(void **state)
{
	static const char text[] = HEAD "capture: [a, b]\n";
	const char *good[] = {"capture_limit=1MiB", "capture.1=h"};
	const char *bad[] = {"capture_limit=1KiB"};
	const char *bad_if[] = {"capture.0=a:eth7"};
	struct topo_parse_opts o = {.sets = good, .n_sets = 2};
	struct topo_model *m = NULL;
	struct topo_err err;
	char *resolved = NULL;
	size_t len = 0;

	(void)state;
	o.resolved = &resolved;
	o.resolved_len = &len;
	assert_int_equal(topo_parse_string_opts(text, strlen(text), "t.yaml", &o, &m, &err), 0);
	assert_int_equal(m->capture_limit, 1ULL << 20);
	assert_int_equal(m->n_captures, 3);
	assert_string_equal(m->captures[2].file, "h-1-eth0.pcap");
	assert_non_null(strstr(resolved, "capture_limit: 1MiB"));
	topo_model_free(m);
	free(resolved);

	m = sentinel;
	o = (struct topo_parse_opts){.sets = bad, .n_sets = 1};
	assert_int_equal(topo_parse_string_opts(text, strlen(text), "t.yaml", &o, &m, &err),
			 -EINVAL);
	assert_string_equal(
	    err.msg, "t.yaml: --set: capture_limit: '1KiB' is out of range (64KiB to 1024GiB)");
	o = (struct topo_parse_opts){.sets = bad_if, .n_sets = 1};
	assert_int_equal(topo_parse_string_opts(text, strlen(text), "t.yaml", &o, &m, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "t.yaml: --set: capture: node 'a' has no interface 'eth7' "
				     "(it has: eth0, up, lo)");
	assert_ptr_equal(m, sentinel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wired),	 cmocka_unit_test(test_default),
	    cmocka_unit_test(test_radio),	 cmocka_unit_test(test_err_capture),
	    cmocka_unit_test(test_err_too_many), cmocka_unit_test(test_err_limit),
	    cmocka_unit_test(test_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
