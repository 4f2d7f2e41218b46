/* SPDX-License-Identifier: MIT */
/*
 * Scenario parser: one full file checked field by field, then each error with its exact
 * message and position, because users fix files by the position we print.
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
#include <unistd.h>

#include "tests/unit/support.h"
#include "topo/topo.h"

/* One line of YAML per line of C, numbered: the test checks marks. */
/* clang-format off */
static const char full[] =
	"name: quickstart\n"						/* 1 */
	"seed: 1\n"							/* 2 */
	"duration: 1.5s\n"						/* 3 */
	"shaper: relay\n"						/* 4 */
	"\n"								/* 5 */
	"nodes:\n"							/* 6 */
	"  ue1:   { kind: ue }\n"					/* 7 */
	"  enb1:  { kind: enb, pos: [0, 0] }\n"				/* 8 */
	"  enb2:  { kind: enb, pos: [800m, 1.5km, -2.5] }\n"		/* 9 */
	"  edge1: { kind: edge }\n"					/* 10 */
	"  core:  { kind: router }\n"					/* 11 */
	"  cloud: { kind: cloud }\n"					/* 12 */
	"  h_1:   { kind: host }\n"					/* 13 */
	"\n"								/* 14 */
	"links:\n"							/* 15 */
	"  - { endpoints: [ue1, enb1], delay: 4ms }\n"			/* 16 */
	"  - { endpoints: [enb1, edge1], delay: 1ms, rate: 1gbit }\n"	/* 17 */
	"  - { endpoints: [\"enb2:wan0\", core], addr: [10.128.0.5/30, auto] }\n" /* 18 */
	"  - endpoints: [core, cloud]\n"				/* 19 */
	"    delay: 20ms\n"						/* 20 */
	"    jitter: 2ms\n"						/* 21 */
	"    loss: 0.1%\n"						/* 22 */
	"    rate: 10gbit\n"						/* 23 */
	"    limit: 1000\n"						/* 24 */
	"    up: { delay: 25ms, distribution: pareto, loss: { model: gilbert, p: 1%, r: 30% } }\n"
	"    down: { rate: 5mbit, trace: /dev/null, loss: { model: random, p: 2% } }\n" /* 26 */
	"  - { endpoints: [enb1, \"core:eth0\"], addr: [auto, auto] }\n"	/* 27 */
	"  - { endpoints: [cloud, h_1], jitter: 1ms, distribution: uniform,\n"
	"      loss: { model: gilbert, p: 1%, r: 30%, h: 10%, k: 99% },\n"
	"      addr: [192.168.7.1/24, 192.168.7.2/24] }\n";		/* 30 */
/* clang-format on */

static struct topo_model *sentinel = (struct topo_model *)0x1;

static void check_if(const struct topo_model *m, const struct topo_if *x, const char *node,
		     const char *ifname, bool set, int line, int col)
{
	assert_string_equal(m->nodes[x->node].name, node);
	assert_string_equal(x->ifname, ifname);
	assert_int_equal(x->ifname_set, set);
	assert_int_equal(x->mark.line, line);
	assert_int_equal(x->mark.col, col);
}

static void test_full(void **state)
{
	struct topo_model *m = NULL;
	struct topo_err err = {0};
	const struct topo_link *l;
	const struct topo_shape *s;

	assert_int_equal(topo_parse_string(full, strlen(full), "dir/full.yaml", &m, &err), 0);
	assert_non_null(m);
	assert_string_equal(m->file, "dir/full.yaml");
	assert_string_equal(m->name, "quickstart");
	assert_true(m->has_seed);
	assert_int_equal(m->seed, 1);
	assert_int_equal(m->duration_ns, 1500000000ULL);
	assert_int_equal(m->shaper, TOPO_SHAPER_RELAY);

	assert_int_equal(m->n_nodes, 7);
	assert_string_equal(m->nodes[0].name, "ue1");
	assert_int_equal(m->nodes[0].kind, TOPO_UE);
	assert_false(m->nodes[0].has_pos);
	assert_int_equal(m->nodes[0].mark.line, 7);
	assert_int_equal(m->nodes[0].mark.col, 3);
	assert_int_equal(m->nodes[1].kind, TOPO_ENB);
	assert_true(m->nodes[1].has_pos);
	assert_true(m->nodes[1].pos[0] == 0 && m->nodes[1].pos[1] == 0 && m->nodes[1].pos[2] == 0);
	assert_true(m->nodes[2].has_pos);
	assert_true(m->nodes[2].pos[0] == 800);
	assert_true(m->nodes[2].pos[1] == 1500);
	assert_true(m->nodes[2].pos[2] == -2.5);
	assert_int_equal(m->nodes[3].kind, TOPO_EDGE);
	assert_int_equal(m->nodes[4].kind, TOPO_ROUTER);
	assert_int_equal(m->nodes[5].kind, TOPO_CLOUD);
	assert_string_equal(m->nodes[6].name, "h_1");
	assert_int_equal(m->nodes[6].kind, TOPO_HOST);
	assert_int_equal(m->nodes[6].mark.line, 13);
	assert_int_equal(topo_node_find(m, "core"), 4);
	assert_int_equal(topo_node_find(m, "nope"), -1);

	assert_int_equal(m->n_links, 6);
	l = &m->links[0];
	assert_int_equal(l->mark.line, 16);
	assert_int_equal(l->mark.col, 5);
	check_if(m, &l->end[0], "ue1", "eth0", false, 16, 19);
	check_if(m, &l->end[1], "enb1", "eth0", false, 16, 24);
	for (int d = 0; d < 2; d++) {
		assert_int_equal(l->dir[d].delay_ns, 4000000);
		assert_int_equal(l->dir[d].jitter_ns, 0);
		assert_int_equal(l->dir[d].dist, TOPO_DIST_NONE);
		assert_int_equal(l->dir[d].loss.model, TOPO_LOSS_NONE);
		assert_int_equal(l->dir[d].rate_bps, 0);
		assert_int_equal(l->dir[d].limit, 0);
		assert_null(l->dir[d].trace);
		assert_false(l->end[d].addr_set);
	}

	l = &m->links[1];
	check_if(m, &l->end[0], "enb1", "eth1", false, 17, 19);
	check_if(m, &l->end[1], "edge1", "eth0", false, 17, 25);
	assert_int_equal(l->dir[0].rate_bps, 1000000000);
	assert_int_equal(l->dir[1].rate_bps, 1000000000);
	assert_int_equal(l->dir[1].delay_ns, 1000000);

	/* core's eth0 is named explicitly on a later link, so its first default is eth1. */
	l = &m->links[2];
	check_if(m, &l->end[0], "enb2", "wan0", true, 18, 19);
	check_if(m, &l->end[1], "core", "eth1", false, 18, 32);
	assert_true(l->end[0].addr_set);
	assert_int_equal(l->end[0].addr, 0x0a800005);
	assert_int_equal(l->end[0].plen, 30);
	assert_false(l->end[1].addr_set);

	l = &m->links[3];
	assert_int_equal(l->mark.line, 19);
	assert_int_equal(l->mark.col, 5);
	check_if(m, &l->end[0], "core", "eth2", false, 19, 17);
	check_if(m, &l->end[1], "cloud", "eth0", false, 19, 23);
	s = &l->dir[0]; /* up: link values, then up's overrides */
	assert_int_equal(s->delay_ns, 25000000);
	assert_int_equal(s->jitter_ns, 2000000);
	assert_int_equal(s->dist, TOPO_DIST_PARETO);
	assert_int_equal(s->loss.model, TOPO_LOSS_GILBERT);
	assert_float_equal(s->loss.p, 0.01, 1e-12);
	assert_float_equal(s->loss.r, 0.3, 1e-12);
	assert_true(s->loss.h == 0);
	assert_true(s->loss.k == 1);
	assert_int_equal(s->rate_bps, 10000000000ULL);
	assert_int_equal(s->limit, 1000);
	assert_null(s->trace);
	s = &l->dir[1]; /* down */
	assert_int_equal(s->delay_ns, 20000000);
	assert_int_equal(s->jitter_ns, 2000000);
	assert_int_equal(s->dist, TOPO_DIST_NORMAL);
	assert_int_equal(s->loss.model, TOPO_LOSS_RANDOM);
	assert_float_equal(s->loss.p, 0.02, 1e-12);
	assert_int_equal(s->rate_bps, 5000000);
	assert_int_equal(s->limit, 1000);
	assert_string_equal(s->trace, "/dev/null");

	l = &m->links[4];
	check_if(m, &l->end[0], "enb1", "eth2", false, 27, 19);
	check_if(m, &l->end[1], "core", "eth0", true, 27, 25);
	assert_false(l->end[0].addr_set);
	assert_false(l->end[1].addr_set);
	assert_int_equal(l->dir[0].delay_ns, 0);

	l = &m->links[5];
	check_if(m, &l->end[0], "cloud", "eth1", false, 28, 19);
	check_if(m, &l->end[1], "h_1", "eth0", false, 28, 26);
	for (int d = 0; d < 2; d++) {
		s = &l->dir[d];
		assert_int_equal(s->jitter_ns, 1000000);
		assert_int_equal(s->dist, TOPO_DIST_UNIFORM);
		assert_int_equal(s->loss.model, TOPO_LOSS_GILBERT);
		assert_float_equal(s->loss.h, 0.1, 1e-12);
		assert_float_equal(s->loss.k, 0.99, 1e-12);
	}
	assert_int_equal(l->end[0].addr, 0xc0a80701);
	assert_int_equal(l->end[1].addr, 0xc0a80702);
	assert_int_equal(l->end[1].plen, 24);

	/* Link-level loss reaches a direction that does not override it. */
	assert_int_equal(m->links[3].dir[1].loss.model, TOPO_LOSS_RANDOM);
	topo_model_free(m);
}

static void test_minimal(void **state)
{
	static const char text[] = "name: a\nnodes: {x: {kind: host}}\n";
	struct topo_model *m = NULL;
	struct topo_err err;

	assert_int_equal(topo_parse_string(text, strlen(text), "t.yaml", &m, &err), 0);
	assert_false(m->has_seed);
	assert_int_equal(m->duration_ns, 0);
	assert_int_equal(m->shaper, TOPO_SHAPER_AUTO);
	assert_int_equal(m->n_nodes, 1);
	assert_int_equal(m->n_links, 0);
	assert_null(m->links);
	topo_model_free(m);
	topo_model_free(NULL);
}

/* Relative traces are stored relative to the scenario's folder. */
static void test_trace_relative(void **state)
{
	static const char text[] = "name: a\nnodes: {x: {kind: host}, y: {kind: host}}\n"
				   "links: [{endpoints: [x, y], trace: 'null'}]\n";
	struct topo_model *m = NULL;
	struct topo_err err;

	assert_int_equal(topo_parse_string(text, strlen(text), "/dev/s.yaml", &m, &err), 0);
	assert_string_equal(m->links[0].dir[0].trace, "/dev/null");
	assert_string_equal(m->links[0].dir[1].trace, "/dev/null");
	topo_model_free(m);
}

static void test_names(void **state)
{
	assert_string_equal(topo_kind_name(TOPO_ENB), "enb");
	assert_string_equal(topo_kind_name(TOPO_HOST), "host");
	assert_string_equal(topo_shaper_name(TOPO_SHAPER_NETEM), "netem");
	assert_string_equal(topo_dist_name(TOPO_DIST_PARETO), "pareto");
	assert_string_equal(topo_app_name(TOPO_APP_SVC), "svc");
	assert_string_equal(topo_app_name(TOPO_APP_ECHO), "echo");
	assert_string_equal(topo_pattern_name(TOPO_PATTERN_HOTSET), "hotset");
	assert_string_equal(topo_pattern_name(TOPO_PATTERN_SEQUENTIAL), "sequential");
	assert_true(topo_kind_forwards(TOPO_ENB));
	assert_true(topo_kind_forwards(TOPO_EDGE));
	assert_true(topo_kind_forwards(TOPO_ROUTER));
	assert_false(topo_kind_forwards(TOPO_UE));
	assert_false(topo_kind_forwards(TOPO_CLOUD));
	assert_false(topo_kind_forwards(TOPO_HOST));
	assert_true(topo_net_name_valid("quickstart"));
	assert_true(topo_net_name_valid("a-1"));
	assert_true(topo_net_name_valid("12345678901234567890"));
	assert_false(topo_net_name_valid("123456789012345678901"));
	assert_false(topo_net_name_valid(""));
	assert_false(topo_net_name_valid("-a"));
	assert_false(topo_net_name_valid("Quick"));
	assert_false(topo_net_name_valid("a_b"));
	assert_false(topo_net_name_valid("a b"));
}

/* Parses text as "t.yaml", expects -EINVAL with exactly msg, and *ret untouched. */
static void parse_fails(const char *text, const char *msg)
{
	struct topo_model *m = sentinel;
	struct topo_err err = {0};

	assert_int_equal(topo_parse_string(text, strlen(text), "t.yaml", &m, &err), -EINVAL);
	assert_ptr_equal(m, sentinel);
	assert_string_equal(err.msg, msg);
}

/* Parses fine, but the address plan refuses it with msg. */
static void plan_fails(const char *text, const char *msg)
{
	struct topo_model *m = NULL;
	struct topo_err err = {0};

	assert_int_equal(topo_parse_string(text, strlen(text), "t.yaml", &m, &err), 0);
	assert_int_equal(topo_plan_addresses(m, 0, &err), -EINVAL);
	assert_string_equal(err.msg, msg);
	topo_model_free(m);
}

#define HEAD "name: t\nnodes:\n  a: {kind: router}\n  b: {kind: router}\n  ue1: {kind: ue}\n"

static void test_err_unknown_keys(void **state)
{
	parse_fails("name: t\nnodes: {a: {kind: ue}}\nfoo: 1\n",
		    "t.yaml:3:1: unknown key 'foo' (expected one of: name, seed, duration, shaper, "
		    "nodes, links, services, migration, radio, mobility, probes, sweep, apps, "
		    "capture, capture_limit, traffic)");
	parse_fails("name: t\nnodes:\n  a: {kind: ue, colour: red}\n",
		    "t.yaml:3:17: unknown key 'colour' (expected one of: kind, pos, capacity)");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], latency: 5ms}\n",
		    "t.yaml:7:25: unknown key 'latency' (expected one of: delay, jitter, "
		    "distribution, loss, rate, limit, trace, endpoints, up, down, addr)");
	parse_fails(HEAD "links:\n  - endpoints: [a, b]\n    up: {delay: 1ms, addr: auto}\n",
		    "t.yaml:8:22: unknown key 'addr' (expected one of: delay, jitter, "
		    "distribution, loss, rate, limit, trace)");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], loss: {model: gilbert, p: 1%, q: 2%}}\n",
		    "t.yaml:7:55: unknown key 'q' (expected one of: model, p, r, h, k)");
}

/* sweep: kept as written, with the marks edgemu sweep reports bad values at. */
static void test_sweep(void **state)
{
	/* clang-format off */
	static const char text[] =
		"name: t\n"							/* 1 */
		"nodes: {a: {kind: host}}\n"					/* 2 */
		"sweep:\n"							/* 3 */
		"  vary:\n"							/* 4 */
		"    migration.strategy: [cold, precopy, postcopy]\n"		/* 5 */
		"    services.game.state:\n"					/* 6 */
		"      - 16MiB\n"						/* 7 */
		"      - \"64MiB\"\n"						/* 8 */
		"    links.0.rate: [1gbit]\n"					/* 9 */
		"  repeat: 3\n";						/* 10 */
	/* clang-format on */
	struct topo_model *m = NULL;
	struct topo_err err = {0};
	const struct topo_sweep *sw;

	assert_int_equal(topo_parse_string(text, strlen(text), "t.yaml", &m, &err), 0);
	assert_true(m->has_sweep);
	sw = &m->sweep;
	assert_int_equal(sw->mark.line, 3);
	assert_int_equal(sw->mark.col, 1);
	assert_int_equal(sw->repeat, 3);
	assert_int_equal(sw->repeat_mark.line, 10);
	assert_int_equal(sw->repeat_mark.col, 11);
	assert_int_equal(sw->n_keys, 3);
	assert_string_equal(sw->keys[0].path, "migration.strategy");
	assert_int_equal(sw->keys[0].mark.line, 5);
	assert_int_equal(sw->keys[0].mark.col, 5);
	assert_int_equal(sw->keys[0].n_values, 3);
	assert_string_equal(sw->keys[0].values[0], "cold");
	assert_string_equal(sw->keys[0].values[2], "postcopy");
	assert_int_equal(sw->keys[0].value_marks[1].line, 5);
	assert_int_equal(sw->keys[0].value_marks[1].col, 32);
	assert_string_equal(sw->keys[1].path, "services.game.state");
	assert_int_equal(sw->keys[1].n_values, 2);
	assert_string_equal(sw->keys[1].values[1], "64MiB");
	assert_int_equal(sw->keys[1].value_marks[1].line, 8);
	assert_int_equal(sw->keys[1].value_marks[1].col, 9);
	assert_string_equal(sw->keys[2].path, "links.0.rate");
	assert_int_equal(sw->keys[2].n_values, 1);
	topo_model_free(m);

	/* repeat alone: repetitions of the base scenario; no sweep: no section. */
	{
		static const char rep[] = "name: t\nnodes: {a: {kind: host}}\nsweep: {repeat: 2}\n";

		assert_int_equal(topo_parse_string(rep, strlen(rep), "t.yaml", &m, &err), 0);
	}
	assert_true(m->has_sweep);
	assert_int_equal(m->sweep.repeat, 2);
	assert_int_equal(m->sweep.n_keys, 0);
	topo_model_free(m);
	assert_int_equal(topo_parse_string(text, 33, "t.yaml", &m, &err), 0);
	assert_false(m->has_sweep);
	assert_int_equal(m->sweep.n_keys, 0);
	topo_model_free(m);
}

#define SWEEP_HEAD "name: t\nnodes: {a: {kind: host}}\nsweep:\n"

static void test_err_sweep(void **state)
{
	parse_fails(SWEEP_HEAD "  vary: {migration.strategy: [cold]}\n  repeat: 0\n",
		    "t.yaml:5:11: repeat: '0' is not a positive integer");
	parse_fails(SWEEP_HEAD "  repeat: 1001\n", "t.yaml:4:11: repeat: '1001' is too large");
	parse_fails(SWEEP_HEAD "  repeat: 2x\n",
		    "t.yaml:4:11: repeat: '2x' is not a positive integer");
	parse_fails(SWEEP_HEAD "  vary: {migration.strategy: [cold]}\n  repat: 2\n",
		    "t.yaml:5:3: unknown key 'repat' (expected one of: vary, repeat)");
	parse_fails("name: t\nnodes: {a: {kind: host}}\nsweep: {}\n",
		    "t.yaml:3:1: sweep: nothing to do (expected vary:, repeat: or both)");
	parse_fails("name: t\nnodes: {a: {kind: host}}\nsweep: [1]\n",
		    "t.yaml:3:8: sweep: expected a mapping, got a sequence");
	parse_fails(
	    SWEEP_HEAD "  vary: {}\n",
	    "t.yaml:4:9: vary: no key to vary (leave vary: out to repeat the base scenario)");
	parse_fails(SWEEP_HEAD "  vary: [migration.strategy]\n",
		    "t.yaml:4:9: vary: expected a mapping, got a sequence");
	parse_fails(SWEEP_HEAD "  vary:\n    migration.strategy: []\n",
		    "t.yaml:5:25: migration.strategy: no values to vary over");
	parse_fails(SWEEP_HEAD "  vary:\n    migration.strategy: cold\n",
		    "t.yaml:5:25: migration.strategy: expected a sequence of values, got a string");
	parse_fails(SWEEP_HEAD "  vary:\n    migration.strategy:\n",
		    "t.yaml:5:24: migration.strategy: expected a sequence of values, got nothing");
	parse_fails(SWEEP_HEAD "  vary:\n    links.0.rate: [1gbit, [2, 3]]\n",
		    "t.yaml:5:27: links.0.rate: expected a plain value, got a sequence");
	parse_fails(SWEEP_HEAD "  vary:\n    links.0.rate: [1gbit, {a: 1}]\n",
		    "t.yaml:5:27: links.0.rate: expected a plain value, got a mapping");
	parse_fails(SWEEP_HEAD "  vary:\n    migration.strategy: [cold, precopy,\n      cold]\n",
		    "t.yaml:6:7: migration.strategy: value 'cold' is already listed at 5:26");
	parse_fails(SWEEP_HEAD "  vary:\n    migration..strategy: [cold]\n",
		    "t.yaml:5:5: vary: 'migration..strategy' is not a key path (names and list "
		    "indexes joined by dots: migration.strategy, links.0.rate)");
	parse_fails(SWEEP_HEAD "  vary:\n    'links.0.rate=1': [cold]\n",
		    "t.yaml:5:5: vary: 'links.0.rate=1' is not a key path (names and list "
		    "indexes joined by dots: migration.strategy, links.0.rate)");
	parse_fails(SWEEP_HEAD "  vary:\n    seed: [1, 2]\n",
		    "t.yaml:5:5: vary: 'seed' cannot be varied: edgemu sweep names each run and "
		    "gives it its seed (repeat: runs seeds derived from seed:)");
	parse_fails(SWEEP_HEAD "  vary:\n    sweep.repeat: [1, 2]\n",
		    "t.yaml:5:5: vary: 'sweep.repeat' cannot be varied: edgemu sweep names each "
		    "run and gives it its seed (repeat: runs seeds derived from seed:)");
	parse_fails(SWEEP_HEAD "  vary:\n    a.b: [1]\n    c: [2]\n    a.b: [3]\n",
		    "t.yaml:7:5: vary: duplicate key 'a.b' (first defined at 5:5)");
	parse_fails(SWEEP_HEAD "  vary:\n    links.0: [1]\n    links.0.rate: [2]\n",
		    "t.yaml:6:5: vary: 'links.0.rate' and 'links.0' (at 5:5) overlap: one would "
		    "undo the other");
	parse_fails(SWEEP_HEAD "  vary:\n    [a]: [1]\n",
		    "t.yaml:5:5: vary: expected a string, got a sequence");
	/* 101 values, then 10 x 10 x 10 x 11 runs. */
	{
		char text[2048];
		size_t n = (size_t)snprintf(text, sizeof(text), SWEEP_HEAD "  vary:\n    a: [");

		for (int i = 0; i < 101; i++)
			n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%d", i ? "," : "", i);
		snprintf(text + n, sizeof(text) - n, "]\n");
		parse_fails(text, "t.yaml:5:8: a: 101 values, at most 100");
	}
	parse_fails(
	    SWEEP_HEAD "  repeat: 11\n  vary:\n"
		       "    a: [0,1,2,3,4,5,6,7,8,9]\n    b: [0,1,2,3,4,5,6,7,8,9]\n"
		       "    c: [0,1,2,3,4,5,6,7,8,9]\n",
	    "t.yaml:8:5: sweep: more than 10000 runs (the combinations times repeat); split "
	    "the sweep");
}

/* radio:, mobility: and probes: with every key given. */
static void test_radio(void **state)
{
	/* clang-format off */
	static const char text[] =
		"name: r\n"							/* 1 */
		"nodes:\n"							/* 2 */
		"  ue1:  { kind: ue }\n"					/* 3 */
		"  ue2:  { kind: ue }\n"					/* 4 */
		"  enb1: { kind: enb, pos: [0, 0] }\n"				/* 5 */
		"  ue3:  { kind: ue }\n"					/* 6 */
		"  ue4:  { kind: ue }\n"					/* 7 */
		"  ue5:  { kind: ue, pos: [5, 6] }\n"				/* 8 */
		"  ue6:  { kind: ue }\n"					/* 9 */
		"  enb2: { kind: enb, pos: [800, 0, 30] }\n"			/* 10 */
		"  edge1: { kind: edge }\n"					/* 11 */
		"links:\n"							/* 12 */
		"  - { endpoints: [enb1, edge1] }\n"				/* 13 */
		"  - { endpoints: [ue5, edge1] }\n"				/* 14 */
		"services:\n"							/* 15 */
		"  game: { vip: 10.200.0.1, port: 7001, at: edge1 }\n"		/* 16 */
		"radio:\n"							/* 17 */
		"  model: log-distance\n"					/* 18 */
		"  tx_power: 43dBm\n"						/* 19 */
		"  exponent: 3\n"						/* 20 */
		"  ref_loss: 38.5dB\n"						/* 21 */
		"  min_signal: -105dBm\n"					/* 22 */
		"  delay: 5ms\n"						/* 23 */
		"  tick: 50ms\n"						/* 24 */
		"  handover: { hysteresis: 2dB, ttt: 320ms, interruption: 50ms }\n"
		"  noise: -95dBm\n"						/* 26 */
		"  bandwidth: 10MHz\n"						/* 27 */
		"  peak_rate: 50mbit\n"						/* 28 */
		"  edge_loss: 2%\n"						/* 29 */
		"  loss_margin: 6dB\n"						/* 30 */
		"mobility:\n"							/* 31 */
		"  ue1: {model: waypoints, points: [[0, 0, 0s], [800m, 0, 30s], [1km, 10, 30s]]}\n"
		"  ue2: { model: static, pos: [100, -5] }\n"			/* 33 */
		"  ue3: { model: random-waypoint, area: [[0, 0], [1km, 500]],\n"
		"         speed: [1, 20m/s], pause: 2s }\n"			/* 35 */
		"  ue4: { trace: 'null', node: 7 }\n"				/* 36 */
		"  ue6: { model: trace, trace: /dev/null }\n"			/* 37 */
		"probes:\n"							/* 38 */
		"  - { from: ue1, to: game, interval: 20ms }\n"			/* 39 */
		"  - { from: ue2, to: edge1, port: 9000, interval: 1s }\n"	/* 40 */
		"  - { from: ue5, to: enb1 }\n";				/* 41 */
	/* clang-format on */
	struct topo_model *m = NULL;
	struct topo_err err = {0};
	const struct topo_radio *rd;
	const struct topo_mobility *mob;
	const struct topo_probe *pr;

	if (topo_parse_string(text, strlen(text), "/dev/r.yaml", &m, &err) < 0)
		fail_msg("%s", err.msg);
	assert_true(m->has_radio);
	rd = &m->radio;
	assert_int_equal(rd->model, TOPO_RADIO_LOG_DISTANCE);
	assert_true(rd->tx_power_dbm == 43);
	assert_true(rd->exponent == 3);
	assert_true(rd->ref_loss_db == 38.5);
	assert_true(rd->min_signal_dbm == -105);
	assert_int_equal(rd->delay_ns, 5000000);
	assert_int_equal(rd->tick_ns, 50000000);
	assert_true(rd->hysteresis_db == 2);
	assert_int_equal(rd->ttt_ns, 320000000);
	assert_int_equal(rd->interruption_ns, 50000000);
	assert_true(rd->noise_dbm == -95);
	assert_int_equal(rd->bandwidth_hz, 10000000);
	assert_int_equal(rd->peak_rate_bps, 50000000);
	assert_float_equal(rd->edge_loss, 0.02, 1e-12);
	assert_true(rd->loss_margin_db == 6);
	assert_int_equal(rd->mark.line, 17);
	assert_int_equal(rd->mark.col, 1);

	assert_int_equal(m->n_mobility, 5);
	mob = &m->mobility[0];
	assert_string_equal(m->nodes[mob->node].name, "ue1");
	assert_int_equal(mob->kind, TOPO_MOB_WAYPOINTS);
	assert_int_equal(mob->mark.line, 32);
	assert_int_equal(mob->mark.col, 3);
	assert_int_equal(mob->n_points, 3);
	assert_true(mob->points[0].x == 0 && mob->points[0].y == 0 && mob->points[0].t_ns == 0);
	assert_true(mob->points[1].x == 800 && mob->points[1].y == 0);
	assert_int_equal(mob->points[1].t_ns, 30000000000ULL);
	/* An equal time is a jump. */
	assert_true(mob->points[2].x == 1000 && mob->points[2].y == 10);
	assert_int_equal(mob->points[2].t_ns, 30000000000ULL);

	mob = &m->mobility[1];
	assert_string_equal(m->nodes[mob->node].name, "ue2");
	assert_int_equal(mob->kind, TOPO_MOB_STATIC);
	assert_true(mob->pos[0] == 100 && mob->pos[1] == -5 && mob->pos[2] == 0);

	mob = &m->mobility[2];
	assert_string_equal(m->nodes[mob->node].name, "ue3");
	assert_int_equal(mob->kind, TOPO_MOB_RWP);
	assert_true(mob->area[0][0] == 0 && mob->area[0][1] == 0);
	assert_true(mob->area[1][0] == 1000 && mob->area[1][1] == 500);
	assert_true(mob->speed_min == 1 && mob->speed_max == 20);
	assert_int_equal(mob->pause_ns, 2000000000);
	assert_null(mob->trace);

	mob = &m->mobility[3];
	assert_string_equal(m->nodes[mob->node].name, "ue4");
	assert_int_equal(mob->kind, TOPO_MOB_TRACE);
	assert_string_equal(mob->trace, "/dev/null"); /* relative to the scenario's folder */
	assert_true(mob->trace_node_set);
	assert_int_equal(mob->trace_node, 7);
	assert_int_equal(mob->trace_mark.line, 36);
	assert_int_equal(mob->trace_mark.col, 17);
	assert_int_equal(mob->trace_node_mark.line, 36);
	assert_int_equal(mob->trace_node_mark.col, 31);

	/* Without node:, the UE's index among the UEs of nodes: (ue6 is the sixth). */
	mob = &m->mobility[4];
	assert_string_equal(m->nodes[mob->node].name, "ue6");
	assert_int_equal(mob->kind, TOPO_MOB_TRACE);
	assert_string_equal(mob->trace, "/dev/null");
	assert_false(mob->trace_node_set);
	assert_int_equal(mob->trace_node, 5);
	assert_int_equal(mob->trace_mark.line, 37);
	assert_int_equal(mob->trace_mark.col, 31);

	assert_int_equal(m->n_probes, 3);
	pr = &m->probes[0];
	assert_string_equal(m->nodes[pr->from].name, "ue1");
	assert_true(pr->to_service);
	assert_int_equal(pr->to, topo_service_find(m, "game"));
	assert_int_equal(pr->port, 7001);
	assert_int_equal(pr->interval_ns, 20000000);
	assert_int_equal(pr->mark.line, 39);
	assert_int_equal(pr->mark.col, 5);
	pr = &m->probes[1];
	assert_false(pr->to_service);
	assert_int_equal(pr->to, topo_node_find(m, "edge1"));
	assert_int_equal(pr->port, 9000);
	assert_int_equal(pr->interval_ns, 1000000000);
	pr = &m->probes[2]; /* the defaults */
	assert_string_equal(m->nodes[pr->from].name, "ue5");
	assert_false(pr->to_service);
	assert_int_equal(pr->to, topo_node_find(m, "enb1"));
	assert_int_equal(pr->port, TOPO_PROBE_PORT);
	assert_int_equal(pr->interval_ns, 10000000);
	topo_model_free(m);
}

/* An empty radio: gets SCENARIO.md's values; a file without it has no radio at all. */
static void test_radio_defaults(void **state)
{
	static const char text[] = "name: r\nnodes:\n  u: {kind: ue, pos: [1, 2]}\n"
				   "  b: {kind: enb, pos: [0, 0]}\nradio: {}\n";
	static const char none[] = "name: r\nnodes:\n  u: {kind: ue}\n  b: {kind: enb}\n"
				   "links: [{endpoints: [u, b]}]\n";
	struct topo_model *m;
	const struct topo_radio *rd;

	m = support_model(text);
	assert_true(m->has_radio);
	rd = &m->radio;
	assert_int_equal(rd->model, TOPO_RADIO_LOG_DISTANCE);
	assert_true(rd->tx_power_dbm == 46);
	assert_true(rd->exponent == 3.5);
	assert_true(rd->ref_loss_db == 40);
	assert_true(rd->min_signal_dbm == -110);
	assert_int_equal(rd->delay_ns, 4000000);
	assert_int_equal(rd->tick_ns, 100000000);
	assert_true(rd->hysteresis_db == 3);
	assert_int_equal(rd->ttt_ns, 160000000);
	assert_int_equal(rd->interruption_ns, 40000000);
	assert_true(rd->noise_dbm == TOPO_RADIO_NOISE_DBM);
	assert_int_equal(rd->bandwidth_hz, TOPO_RADIO_BANDWIDTH_HZ);
	assert_int_equal(rd->peak_rate_bps, TOPO_RADIO_PEAK_RATE_BPS);
	assert_true(rd->edge_loss == TOPO_RADIO_EDGE_LOSS);
	assert_true(rd->loss_margin_db == TOPO_RADIO_LOSS_MARGIN_DB);
	assert_int_equal(m->n_mobility, 0);
	assert_null(m->mobility);
	assert_int_equal(m->n_probes, 0);
	topo_model_free(m);

	m = support_model(none);
	assert_false(m->has_radio);
	topo_model_free(m);
}

#define RHEAD                                                                                      \
	"name: t\nnodes:\n  ue1: {kind: ue}\n  enb1: {kind: enb, pos: [0, 0]}\n"                   \
	"  e: {kind: edge}\n"

/* The radio access keys: the UE pool, X2 forwarding, a cell's capacity; and their defaults. */
static void test_radio_ran(void **state)
{
	static const char text[] =
	    "name: t\n"
	    "nodes:\n"
	    "  ue1: {kind: ue, pos: [0, 0]}\n"
	    "  enb1: {kind: enb, pos: [0, 0], capacity: 40mbit}\n"
	    "  enb2: {kind: enb, pos: [0, 0], capacity: {down: 1gbit}}\n"
	    "  enb3: {kind: enb, pos: [0, 0], capacity: {up: 5mbit, down: 0bit}}\n"
	    "  enb4: {kind: enb, pos: [0, 0]}\n"
	    "  e: {kind: edge}\n"
	    "links:\n"
	    "  - {endpoints: ['e:ran0', enb1]}\n"
	    "radio:\n"
	    "  ue_pool: 172.20.0.0/22\n"
	    "  handover: {forwarding: drop}\n";
	const struct topo_node *n;
	struct topo_model *m = NULL;
	struct topo_err err = {0};

	if (topo_parse_string(text, strlen(text), "t.yaml", &m, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(m->radio.ue_pool, 0xac140000u);
	assert_int_equal(m->radio.ue_plen, 22);
	assert_int_equal(m->radio.ue_pool_mark.line, 12);
	assert_int_equal(m->radio.ue_pool_mark.col, 12);
	assert_int_equal(m->radio.forwarding, TOPO_FORWARD_DROP);
	n = &m->nodes[1];
	assert_int_equal(n->capacity_bps[0], 40000000);
	assert_int_equal(n->capacity_bps[1], 40000000);
	assert_int_equal(n->capacity_mark.line, 4);
	assert_int_equal(n->capacity_mark.col, 44);
	assert_int_equal(m->nodes[2].capacity_bps[0], 1000000000);
	assert_int_equal(m->nodes[2].capacity_bps[1], 0);
	assert_int_equal(m->nodes[3].capacity_bps[0], 0);
	assert_int_equal(m->nodes[3].capacity_bps[1], 5000000);
	assert_int_equal(m->nodes[4].capacity_bps[0], 0);
	assert_int_equal(m->nodes[4].capacity_bps[1], 0);
	/* ran0 on an edge is its own business. */
	assert_string_equal(m->links[0].end[0].ifname, "ran0");
	/* No link per UE and eNB any more. */
	assert_int_equal(m->n_links, 1);
	topo_model_free(m);

	/* The defaults. */
	m = support_model("name: t\nnodes:\n  u: {kind: ue, pos: [0, 0]}\n"
			  "  b: {kind: enb, pos: [0, 0]}\nradio: {}\n");
	assert_int_equal(m->radio.ue_pool, TOPO_RADIO_UE_POOL);
	assert_int_equal(m->radio.ue_pool, 0x64400000u);
	assert_int_equal(m->radio.ue_plen, TOPO_RADIO_UE_PLEN);
	assert_int_equal(m->radio.ue_pool_mark.line, 5);
	assert_int_equal(m->radio.forwarding, TOPO_FORWARD_X2);
	assert_int_equal(m->nodes[1].capacity_bps[0], 0);
	topo_model_free(m);

	/* A pool that just holds its UEs, one just clear of the link pools. */
	m = support_model("name: t\nnodes:\n  u: {kind: ue, pos: [0, 0]}\n"
			  "  v: {kind: ue, pos: [0, 0]}\n  b: {kind: enb, pos: [0, 0]}\n"
			  "radio: {ue_pool: 10.192.0.0/30}\n");
	assert_int_equal(m->radio.ue_pool, 0x0ac00000u);
	topo_model_free(m);
	m = support_model("name: t\nnodes:\n  b: {kind: enb, pos: [0, 0]}\n"
			  "radio: {ue_pool: 10.127.255.0/24, handover: {forwarding: x2}}\n");
	assert_int_equal(m->radio.forwarding, TOPO_FORWARD_X2);
	topo_model_free(m);
}

/* Each key of the radio access and each bad value, with its position. */
static void test_err_radio_ran(void **state)
{
	parse_fails(RHEAD "radio:\n  ue_pool: 100.64.0.0\n",
		    "t.yaml:7:12: ue_pool: '100.64.0.0' is not an IPv4 network with prefix length "
		    "(A.B.C.D/len)");
	parse_fails(RHEAD "radio:\n  ue_pool: 100.64.0/16\n",
		    "t.yaml:7:12: ue_pool: '100.64.0/16' is not an IPv4 network with prefix "
		    "length (A.B.C.D/len)");
	parse_fails(RHEAD "radio:\n  ue_pool: 100.64.0.0/-8\n",
		    "t.yaml:7:12: ue_pool: '100.64.0.0/-8' is not an IPv4 network with prefix "
		    "length (A.B.C.D/len)");
	parse_fails(RHEAD "radio:\n  ue_pool: [100.64.0.0/16]\n",
		    "t.yaml:7:12: ue_pool: expected a string, got a sequence");
	parse_fails(RHEAD "radio:\n  ue_pool: 100.0.0.0/7\n",
		    "t.yaml:7:12: ue_pool: '100.0.0.0/7': the prefix length must be 8 to 30");
	parse_fails(RHEAD "radio:\n  ue_pool: 100.64.0.0/31\n",
		    "t.yaml:7:12: ue_pool: '100.64.0.0/31': the prefix length must be 8 to 30");
	parse_fails(RHEAD "radio:\n  ue_pool: 100.64.0.1/16\n",
		    "t.yaml:7:12: ue_pool: '100.64.0.1/16' is not the network address of its /16 "
		    "(100.64.0.0/16)");
	parse_fails(RHEAD "radio:\n  ue_pool: 127.0.0.0/8\n",
		    "t.yaml:7:12: ue_pool: '127.0.0.0/8' cannot hold UE addresses: 127.0.0.0/8 is "
		    "the loopback");
	parse_fails(RHEAD "radio:\n  ue_pool: 0.0.0.0/8\n",
		    "t.yaml:7:12: ue_pool: '0.0.0.0/8' cannot hold UE addresses: 0.0.0.0/8 means "
		    "'this network' (RFC 1122), not a host");
	parse_fails(RHEAD "radio:\n  ue_pool: 239.1.0.0/16\n",
		    "t.yaml:7:12: ue_pool: '239.1.0.0/16' cannot hold UE addresses: 224.0.0.0/4 "
		    "is multicast");
	/* The link pools of every slot: 10.128.0.0 to 10.191.255.255. */
	parse_fails(RHEAD "radio:\n  ue_pool: 10.128.0.0/16\n",
		    "t.yaml:7:12: ue_pool: '10.128.0.0/16' overlaps the runs' link address pools "
		    "10.128.0.0/10");
	parse_fails(RHEAD "radio:\n  ue_pool: 10.191.255.0/24\n",
		    "t.yaml:7:12: ue_pool: '10.191.255.0/24' overlaps the runs' link address "
		    "pools 10.128.0.0/10");
	parse_fails(RHEAD "radio:\n  ue_pool: 10.0.0.0/8\n",
		    "t.yaml:7:12: ue_pool: '10.0.0.0/8' overlaps the runs' link address pools "
		    "10.128.0.0/10");
	parse_fails(RHEAD "  ue2: {kind: ue}\n  ue3: {kind: ue}\nradio:\n"
			  "  ue_pool: 172.16.0.0/30\n",
		    "t.yaml:9:12: ue_pool: '172.16.0.0/30' holds 2 UE addresses; the scenario has "
		    "3 UEs");
	/* A link's addr: in the pool, given or the default. */
	parse_fails(RHEAD "links:\n  - {endpoints: [e, enb1], addr: [auto, 172.16.3.1/30]}\n"
			  "radio:\n  ue_pool: 172.16.0.0/22\n",
		    "t.yaml:9:12: ue_pool: '172.16.0.0/22' overlaps address 172.16.3.1/30 of "
		    "enb1:eth0 at 7:21");
	parse_fails(RHEAD "links:\n  - {endpoints: [e, enb1], addr: [100.64.7.1/24, auto]}\n"
			  "radio: {}\n",
		    "t.yaml:7:18: address 100.64.7.1/24 of e:eth0 overlaps the UE pool "
		    "100.64.0.0/16 (radio: ue_pool:'s default; give radio: another ue_pool:)");
	/* A subnet around the whole pool overlaps it too. */
	parse_fails(RHEAD "links:\n  - {endpoints: [e, enb1], addr: [100.0.0.1/8, auto]}\n"
			  "radio: {}\n",
		    "t.yaml:7:18: address 100.0.0.1/8 of e:eth0 overlaps the UE pool "
		    "100.64.0.0/16 (radio: ue_pool:'s default; give radio: another ue_pool:)");
	/* A service's VIP in the pool. */
	parse_fails(RHEAD "services:\n  s: {vip: 172.16.0.9, at: e}\n"
			  "radio:\n  ue_pool: 172.16.0.0/24\n",
		    "t.yaml:9:12: ue_pool: '172.16.0.0/24' holds vip 172.16.0.9 of service 's' at "
		    "7:12");
	parse_fails(RHEAD "services:\n  s: {vip: 100.64.200.1, at: e}\nradio: {}\n",
		    "t.yaml:7:12: vip 100.64.200.1 is inside the UE pool 100.64.0.0/16 (radio: "
		    "ue_pool:'s default; give radio: another ue_pool:)");
	/* handover: forwarding. */
	parse_fails(RHEAD "radio:\n  handover: { forwarding: x3 }\n",
		    "t.yaml:7:27: unknown forwarding 'x3' (expected one of: x2, drop)");
	parse_fails(RHEAD "radio:\n  handover: { forwarding: [x2] }\n",
		    "t.yaml:7:27: forwarding: expected a string, got a sequence");
	/* capacity: on a cell, with radio:, a rate or { down, up }. */
	parse_fails(RHEAD "  r: {kind: router, capacity: 1mbit}\nradio: {}\n",
		    "t.yaml:6:31: capacity: 'r' is of kind router; only a cell (kind enb) has a "
		    "capacity");
	parse_fails("name: t\nnodes:\n  b: {kind: enb, capacity: 40mbit}\n",
		    "t.yaml:3:28: capacity: the cell of eNB 'b' needs radio: (without it UEs are "
		    "wired and no cell shares a capacity)");
	parse_fails("name: t\nnodes:\n  b: {kind: enb, capacity: 40}\nradio: {}\n",
		    "t.yaml:3:28: capacity: '40' needs a unit (bit, kbit, mbit, gbit, tbit)");
	parse_fails("name: t\nnodes:\n  b: {kind: enb, capacity: 40mbps}\nradio: {}\n",
		    "t.yaml:3:28: capacity: unknown unit 'mbps' in '40mbps' (expected one of: bit, "
		    "kbit, mbit, gbit, tbit)");
	parse_fails("name: t\nnodes:\n  b: {kind: enb, capacity: 11tbit}\nradio: {}\n",
		    "t.yaml:3:28: capacity: '11tbit' is out of range (0bit for no limit, or 8bit "
		    "to 10tbit)");
	parse_fails("name: t\nnodes:\n  b: {kind: enb, capacity: [40mbit]}\nradio: {}\n",
		    "t.yaml:3:28: capacity: expected a rate or a mapping { down: RATE, up: RATE }, "
		    "got a sequence");
	parse_fails("name: t\nnodes:\n  b: {kind: enb, capacity: {side: 1mbit}}\nradio: {}\n",
		    "t.yaml:3:29: unknown key 'side' (expected one of: down, up)");
	parse_fails("name: t\nnodes:\n  b: {kind: enb, capacity: {up: 3bit}}\nradio: {}\n",
		    "t.yaml:3:33: up: '3bit' is out of range (0bit for no limit, or 8bit to "
		    "10tbit)");
	parse_fails("name: t\nnodes:\n  b: {kind: enb, capacity: {down: fast}}\nradio: {}\n",
		    "t.yaml:3:35: down: 'fast' is not a number with a unit (bit, kbit, mbit, gbit, "
		    "tbit)");
	/* ran0 is the radio interface of UEs and eNBs. */
	parse_fails(RHEAD "links:\n  - {endpoints: ['enb1:ran0', e]}\nradio: {}\n",
		    "t.yaml:7:18: interface 'ran0' of enb 'enb1': with radio:, ran0 is its radio "
		    "interface; name this one otherwise");
	parse_fails(RHEAD "links:\n  - {endpoints: [e, \"ue1:ran0\"]}\nradio: {}\n",
		    "t.yaml:7:21: interface 'ran0' of ue 'ue1': with radio:, ran0 is its radio "
		    "interface; name this one otherwise");
}

/* --set and sweep paths reach the new keys (sweep values are --set values). */
static void test_radio_ran_set(void **state)
{
	static const char text[] = "name: t\n"
				   "nodes:\n"
				   "  u: {kind: ue, pos: [0, 0]}\n"
				   "  enb1: {kind: enb, pos: [0, 0]}\n"
				   "  enb2: {kind: enb, pos: [0, 0], capacity: {up: 1mbit}}\n"
				   "radio: {handover: {ttt: 1s}}\n"
				   "sweep:\n"
				   "  vary:\n"
				   "    radio.ue_pool: [100.64.0.0/16, 172.20.0.0/16]\n"
				   "    radio.handover.forwarding: [x2, drop]\n"
				   "    nodes.enb1.capacity: [0bit, 20mbit]\n";
	const char *good[] = {"radio.ue_pool=172.20.0.0/16", "radio.handover.forwarding=drop",
			      "nodes.enb1.capacity=20mbit", "nodes.enb2.capacity.down=7mbit"};
	const char *bad[] = {"radio.ue_pool=172.20.0.1/16"};
	const char *bad_fwd[] = {"radio.handover.forwarding=x9"};
	struct topo_parse_opts o = {.sets = good, .n_sets = 4};
	struct topo_model *m = NULL;
	struct topo_err err = {0};

	if (topo_parse_string_opts(text, strlen(text), "t.yaml", &o, &m, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(m->radio.ue_pool, 0xac140000u);
	assert_int_equal(m->radio.forwarding, TOPO_FORWARD_DROP);
	assert_int_equal(m->radio.ttt_ns, 1000000000);
	assert_int_equal(m->nodes[1].capacity_bps[0], 20000000);
	assert_int_equal(m->nodes[1].capacity_bps[1], 20000000);
	assert_int_equal(m->nodes[2].capacity_bps[0], 7000000);
	assert_int_equal(m->nodes[2].capacity_bps[1], 1000000);
	assert_int_equal(m->sweep.n_keys, 3);
	assert_string_equal(m->sweep.keys[2].path, "nodes.enb1.capacity");
	topo_model_free(m);

	o = (struct topo_parse_opts){.sets = bad, .n_sets = 1};
	assert_int_equal(topo_parse_string_opts(text, strlen(text), "t.yaml", &o, &m, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "t.yaml: --set: ue_pool: '172.20.0.1/16' is not the network "
				     "address of its /16 (172.20.0.0/16)");
	o = (struct topo_parse_opts){.sets = bad_fwd, .n_sets = 1};
	assert_int_equal(topo_parse_string_opts(text, strlen(text), "t.yaml", &o, &m, &err),
			 -EINVAL);
	assert_string_equal(err.msg,
			    "t.yaml: --set: unknown forwarding 'x9' (expected one of: x2, drop)");
}

static void test_err_radio(void **state)
{
	parse_fails(RHEAD "radio:\n  model: free-space\n",
		    "t.yaml:7:10: unknown radio model 'free-space' (expected one of: "
		    "log-distance)");
	parse_fails(RHEAD "radio:\n  tx_power: 46\n",
		    "t.yaml:7:13: tx_power: '46' needs a unit (dBm)");
	parse_fails(RHEAD "radio:\n  tx_power: 46dB\n",
		    "t.yaml:7:13: tx_power: unknown unit 'dB' in '46dB' (expected one of: dBm)");
	parse_fails(RHEAD "radio:\n  exponent: 3.5dB\n",
		    "t.yaml:7:13: exponent: '3.5dB' is not a plain number");
	parse_fails(RHEAD "radio:\n  exponent: 0\n", "t.yaml:7:13: exponent: '0' is not above 0");
	parse_fails(RHEAD "radio:\n  ref_loss: -3dB\n",
		    "t.yaml:7:13: ref_loss: '-3dB' must not be negative");
	parse_fails(RHEAD "radio:\n  min_signal: low\n",
		    "t.yaml:7:15: min_signal: 'low' is not a number with a unit (dBm)");
	parse_fails(RHEAD "radio:\n  handover: { hysteresis: 3 }\n",
		    "t.yaml:7:27: hysteresis: '3' needs a unit (dB)");
	parse_fails(RHEAD "radio:\n  handover: { ttt: 160 }\n",
		    "t.yaml:7:20: ttt: '160' needs a unit (ns, us, ms, s)");
	parse_fails(RHEAD "radio:\n  handover: { interruption: -40ms }\n",
		    "t.yaml:7:29: interruption: '-40ms' must not be negative");
	parse_fails(RHEAD "radio:\n  handover: { hyst: 3dB }\n",
		    "t.yaml:7:15: unknown key 'hyst' (expected one of: hysteresis, ttt, "
		    "interruption, forwarding)");
	parse_fails(RHEAD "radio:\n  handover: 3dB\n",
		    "t.yaml:7:13: handover: expected a mapping, got a string");
	parse_fails(RHEAD "radio:\n  tick: 100us\n",
		    "t.yaml:7:9: tick: '100us' is out of range (1ms to 2592000s)");
	parse_fails(RHEAD "radio:\n  delay: 4\n",
		    "t.yaml:7:10: delay: '4' needs a unit (ns, us, ms, s)");
	parse_fails(RHEAD "radio:\n  bandwidth: 20MHZ\n",
		    "t.yaml:7:14: bandwidth: unknown unit 'MHZ' in '20MHZ' (expected one of: Hz, "
		    "kHz, MHz, GHz)");
	parse_fails(RHEAD "radio:\n  bandwidth: 0MHz\n",
		    "t.yaml:7:14: bandwidth: '0MHz' is not between 1Hz and 100GHz");
	parse_fails(RHEAD "radio:\n  bandwidth: 20\n",
		    "t.yaml:7:14: bandwidth: '20' needs a unit (Hz, kHz, MHz, GHz)");
	parse_fails(RHEAD "radio:\n  peak_rate: 0mbit\n",
		    "t.yaml:7:14: peak_rate: '0mbit' is out of range (8bit to 10tbit)");
	parse_fails(RHEAD "radio:\n  edge_loss: 5\n",
		    "t.yaml:7:14: edge_loss: '5' needs a unit (%)");
	parse_fails(RHEAD "radio:\n  loss_margin: 0dB\n",
		    "t.yaml:7:16: loss_margin: '0dB' is not above 0dB");
	parse_fails(RHEAD "radio:\n  power: 46dBm\n",
		    "t.yaml:7:3: unknown key 'power' (expected one of: model, tx_power, exponent, "
		    "ref_loss, min_signal, delay, tick, handover, noise, bandwidth, peak_rate, "
		    "edge_loss, loss_margin, ue_pool)");
	parse_fails(RHEAD "radio: 5\n", "t.yaml:6:8: radio: expected a mapping, got a string");
	/* What radio: needs from the rest of the file. */
	parse_fails(RHEAD "  enb2: {kind: enb}\nradio: {}\n",
		    "t.yaml:6:3: eNB 'enb2' has no pos: (radio: places cells by position)");
	parse_fails("name: t\nnodes:\n  ue1: {kind: ue, pos: [0, 0]}\nradio: {}\n",
		    "t.yaml:4:1: radio: there is no node of kind enb");
	parse_fails(RHEAD "links:\n  - {endpoints: [enb1, ue1]}\nradio: {}\n",
		    "t.yaml:7:24: ue1 is linked to enb1 in links:, but with radio: a UE reaches "
		    "the eNBs over the radio");
	parse_fails(RHEAD "links:\n  - {endpoints: [ue1, e]}\n  - {endpoints: ['ue1:rf0', enb1]}\n"
			  "radio: {}\n",
		    "t.yaml:8:18: ue1 is linked to enb1 in links:, but with radio: a UE reaches "
		    "the eNBs over the radio");
	parse_fails(RHEAD "radio: {}\n",
		    "t.yaml:3:3: UE 'ue1' has no position (radio: needs pos: or an entry in "
		    "mobility:)");
}

#define MOB RHEAD "radio: {}\nmobility:\n  ue1: "

static void test_err_mobility(void **state)
{
	parse_fails(RHEAD "mobility:\n  ue1: {model: static, pos: [1, 2]}\n",
		    "t.yaml:6:1: mobility: needs radio: (positions act through the radio)");
	parse_fails(RHEAD "radio: {}\nmobility: [ue1]\n",
		    "t.yaml:7:11: mobility: expected a mapping, got a sequence");
	parse_fails(MOB "{model: static, pos: [1, 2]}\n  ue9: {model: static, pos: [1, 2]}\n",
		    "t.yaml:9:3: mobility: unknown node 'ue9'");
	parse_fails(MOB "{model: static, pos: [1, 2]}\n  enb1: {model: static, pos: [1, 2]}\n",
		    "t.yaml:9:3: mobility: 'enb1' is of kind enb; only UEs move");
	parse_fails(MOB "{model: static, pos: [1, 2]}\n  ue1: {model: static, pos: [1, 2]}\n",
		    "t.yaml:9:3: mobility: duplicate UE 'ue1' (first at 8:3)");
	parse_fails("name: t\nnodes:\n  ue1: {kind: ue, pos: [0, 0]}\n"
		    "  enb1: {kind: enb, pos: [0, 0]}\nradio: {}\nmobility:\n"
		    "  ue1: {model: static, pos: [1, 2]}\n",
		    "t.yaml:7:3: mobility: 'ue1' also has pos: in nodes: (3:3); give its position "
		    "in one place");
	parse_fails(MOB "static\n", "t.yaml:8:8: mobility 'ue1': expected a mapping, got a string");
	parse_fails(MOB "{pos: [1, 2]}\n",
		    "t.yaml:8:8: mobility 'ue1': missing key 'model' (static, waypoints, "
		    "random-waypoint) or 'trace'");
	parse_fails(MOB "{model: walk}\n",
		    "t.yaml:8:16: unknown mobility model 'walk' (expected one of: static, "
		    "waypoints, random-waypoint, trace)");
	parse_fails(MOB "{model: static, pos: [1, 2], speed: [1, 2]}\n",
		    "t.yaml:8:44: speed: not a key of model static");
	parse_fails(MOB "{trace: /dev/null, model: static}\n",
		    "t.yaml:8:16: trace: not a key of model static");
	parse_fails(MOB "{model: static}\n",
		    "t.yaml:8:8: mobility 'ue1': model static needs key 'pos'");
	parse_fails(MOB "{model: random-waypoint, area: [[0, 0], [1, 1]]}\n",
		    "t.yaml:8:8: mobility 'ue1': model random-waypoint needs key 'speed'");
	parse_fails(MOB "{model: trace, node: 1}\n",
		    "t.yaml:8:8: mobility 'ue1': model trace needs key 'trace'");
	/* waypoints */
	parse_fails(MOB "{model: waypoints, points: []}\n",
		    "t.yaml:8:35: points: at least one point [x, y, t] is needed");
	parse_fails(MOB "{model: waypoints, points: [[0, 0]]}\n",
		    "t.yaml:8:36: points: expected [x, y, t], got 2 values");
	parse_fails(MOB "{model: waypoints, points: [0, 0, 5s]}\n",
		    "t.yaml:8:36: points: expected a sequence, got a string");
	parse_fails(MOB "{model: waypoints, points: [[0, 0, 5s], [1, 0, 4s]]}\n",
		    "t.yaml:8:55: points: '4s' is before the previous point's time");
	parse_fails(MOB "{model: waypoints, points: [[0, 0, 5]]}\n",
		    "t.yaml:8:43: points: '5' needs a unit (ns, us, ms, s)");
	parse_fails(MOB "{model: waypoints, points: [[x, 0, 5s]]}\n",
		    "t.yaml:8:37: points: 'x' is not a distance (metres, or with m or km)");
	/* random waypoint */
	parse_fails(MOB "{model: random-waypoint, area: [0, 0, 1, 1], speed: [1, 2]}\n",
		    "t.yaml:8:39: area: expected two corners [[x0, y0], [x1, y1]]");
	parse_fails(MOB "{model: random-waypoint, area: [[0, 0], [1, km]], speed: [1, 2]}\n",
		    "t.yaml:8:52: area: 'km' is not a distance (metres, or with m or km)");
	parse_fails(MOB "{model: random-waypoint, area: [[0, 0], [1, 1]], speed: [0, 2]}\n",
		    "t.yaml:8:65: speed: '0' is out of range (0.001 to 10000 m/s)");
	parse_fails(MOB "{model: random-waypoint, area: [[0, 0], [1, 1]], speed: [5, 2]}\n",
		    "t.yaml:8:68: speed: max '2' is below min '5'");
	parse_fails(MOB "{model: random-waypoint, area: [[0, 0], [1, 1]], speed: [5km/h, 20]}\n",
		    "t.yaml:8:65: speed: '5km/h' is not a number (optionally with m/s)");
	parse_fails(MOB "{model: random-waypoint, area: [[0, 0], [1, 1]], speed: [5]}\n",
		    "t.yaml:8:64: speed: expected [min, max] in m/s, got 1 values");
	parse_fails(MOB "{model: random-waypoint, area: [[0, 0], [1, 1]], speed: [1, 2], "
			"pause: 2}\n",
		    "t.yaml:8:79: pause: '2' needs a unit (ns, us, ms, s)");
	/* traces */
	parse_fails(MOB "{trace: no-such.ns_movements, node: 0}\n",
		    "t.yaml:8:16: trace: cannot read 'no-such.ns_movements': No such file or "
		    "directory");
	parse_fails(MOB "{trace: /dev/null, node: -1}\n",
		    "t.yaml:8:33: node: '-1' is not a non-negative integer");
}

#define PRB                                                                                        \
	RHEAD "radio: {}\nmobility: {ue1: {model: static, pos: [1, 2]}}\n"                         \
	      "services: {s: {vip: 10.200.0.1, at: e}}\nprobes:\n  - "

static void test_err_probes(void **state)
{
	parse_fails(PRB "{from: ue1, to: s}\n  - {to: s}\n",
		    "t.yaml:11:5: probe: missing key 'from'");
	parse_fails(PRB "{from: ue1}\n",
		    "t.yaml:10:5: probe: missing key 'to' (a service or a node)");
	parse_fails(PRB "{from: ue9, to: s}\n", "t.yaml:10:12: from: unknown node 'ue9'");
	parse_fails(PRB "{from: [ue1], to: e}\n",
		    "t.yaml:10:12: from: expected a string, got a sequence");
	parse_fails(PRB "{from: ue1, to: nowhere}\n",
		    "t.yaml:10:21: to: 'nowhere' is neither a service nor a node");
	parse_fails(PRB "{from: ue1, to: ue1}\n", "t.yaml:10:21: to: a probe from 'ue1' to itself");
	parse_fails(PRB "{from: ue1, to: s, port: 7000}\n",
		    "t.yaml:10:30: port: only for a node target (service 's' has its port)");
	parse_fails(PRB "{from: ue1, to: e, port: 0}\n",
		    "t.yaml:10:30: port: '0' is not a positive integer");
	parse_fails(PRB "{from: ue1, to: e, interval: 500us}\n",
		    "t.yaml:10:34: interval: '500us' is not between 1ms and 1h");
	parse_fails(PRB "{from: ue1, to: e, interval: 3601s}\n",
		    "t.yaml:10:34: interval: '3601s' is not between 1ms and 1h");
	parse_fails(PRB "{from: ue1, to: e, interval: 2s, size: 64}\n",
		    "t.yaml:10:38: unknown key 'size' (expected one of: from, to, interval, port)");
	parse_fails(PRB "[ue1, e]\n", "t.yaml:10:5: probes: expected a mapping, got a sequence");
	parse_fails(RHEAD "probes: {from: ue1}\n",
		    "t.yaml:6:9: probes: expected a sequence, got a mapping");
	parse_fails(RHEAD "services: {e: {vip: 10.200.0.1, at: e}}\nprobes: [{from: ue1, to: e}]\n",
		    "t.yaml:7:26: to: 'e' is both a service and a node");
}

static void test_services(void **state)
{
	static const char text[] =
	    HEAD "services:\n" /* 6 */
		 "  game: { vip: 10.200.0.1, app: echo, port: 7000, at: [a, b] }\n"
		 "  chat: { vip: 10.200.0.2, at: b }\n" /* 8 */
		 "migration: { policy: always, strategy: postcopy, steering: route,\n"
		 "  precopy: { max_rounds: 30, stop_below: 256 }, latency: { above: 20ms, for: "
		 "500ms } }\n";
	struct topo_model *m = NULL;
	struct topo_err err = {0};

	assert_int_equal(topo_parse_string(text, strlen(text), "t.yaml", &m, &err), 0);
	assert_int_equal(m->n_services, 2);
	assert_string_equal(m->services[0].name, "game");
	assert_int_equal(m->services[0].vip, 0x0ac80001);
	assert_int_equal(m->services[0].port, 7000);
	assert_int_equal(m->services[0].app, TOPO_APP_ECHO);
	assert_int_equal(m->services[0].n_at, 2);
	assert_int_equal(m->services[0].at[0], topo_node_find(m, "a"));
	assert_int_equal(m->services[0].at[1], topo_node_find(m, "b"));
	assert_int_equal(m->services[0].mark.line, 7);
	assert_int_equal(m->services[0].vip_mark.col, 16);
	assert_int_equal(m->services[1].port, 7000); /* the default */
	assert_int_equal(m->services[1].n_at, 1);
	assert_int_equal(topo_service_find(m, "chat"), 1);
	assert_int_equal(m->migration.policy, TOPO_POLICY_ALWAYS);
	assert_int_equal(m->migration.strategy, TOPO_STRATEGY_POSTCOPY);
	assert_int_equal(m->migration.steering, TOPO_STEER_ROUTE);
	assert_int_equal(m->migration.precopy_max_rounds, 30);
	assert_int_equal(m->migration.precopy_stop_below, 256);
	/* latency's parameters as given, in its line's order (above, for) */
	assert_int_equal(m->migration.params[TOPO_POLICY_LATENCY][0], 20000000);
	assert_int_equal(m->migration.params[TOPO_POLICY_LATENCY][1], 500000000);
	assert_int_equal(m->migration.params[TOPO_POLICY_DISTANCE][0], 0); /* not given */
	assert_int_equal(topo_policy_param(&m->migration, TOPO_POLICY_DISTANCE, "hops"), 2);
	assert_int_equal(topo_policy_param(&m->migration, TOPO_POLICY_LATENCY, "for"), 500000000);
	topo_model_free(m);
}

static void test_err_services(void **state)
{
	parse_fails(HEAD "services:\n  s: { vip: 10.200.0.1, at: c }\n",
		    "t.yaml:7:29: at: unknown node 'c'");
	parse_fails(HEAD "services:\n  s: { vip: 10.200.0.300, at: a }\n",
		    "t.yaml:7:13: vip: '10.200.0.300' is not an IPv4 address (A.B.C.D)");
	parse_fails(HEAD "services:\n  s: { at: a }\n",
		    "t.yaml:7:6: service 's': missing key 'vip'");
	parse_fails(HEAD "services:\n  s: { vip: 10.200.0.1 }\n",
		    "t.yaml:7:6: service 's': missing key 'at' (the node of its first instance)");
	parse_fails(HEAD "services:\n  s: { vip: 10.200.0.1, at: [a, a] }\n",
		    "t.yaml:7:33: at: node 'a' is listed twice");
	parse_fails(HEAD "services:\n  s: { vip: 10.200.0.1, at: a, port: 70000 }\n",
		    "t.yaml:7:38: port: '70000' is too large");
	parse_fails(HEAD "services:\n  s: { vip: 10.200.0.1, at: a, app: cache }\n",
		    "t.yaml:7:37: unknown app 'cache' (expected one of: echo, svc, process)");
	parse_fails(HEAD "services:\n  s: { vip: 10.200.0.1, at: a, state: 64MiB }\n",
		    "t.yaml:7:39: state: only for app: svc");
	parse_fails(HEAD "services:\n  s: { vip: 10.200.0.1, at: a, dirty: { rate: 1/s } }\n",
		    "t.yaml:7:39: dirty: only for app: svc");
	parse_fails(
	    HEAD "services:\n  s: { vip: 10.200.0.1, at: a, colour: red }\n",
	    "t.yaml:7:32: unknown key 'colour' (expected one of: vip, app, port, at, state, "
	    "dirty, command)");
	parse_fails(HEAD
		    "services:\n  s: { vip: 10.200.0.1, at: a }\n  t: { vip: 10.200.0.1, at: b }\n",
		    "t.yaml:8:13: vip: 10.200.0.1 is already the vip of service 's'");
	parse_fails(HEAD
		    "services:\n  s: { vip: 10.200.0.1, at: a }\n  s: { vip: 10.200.0.2, at: b }\n",
		    "t.yaml:8:3: duplicate service 's' (first defined at 7:3)");
	parse_fails(HEAD "migration: { steering: tunnel }\n",
		    "t.yaml:6:24: unknown steering 'tunnel' (expected one of: ebpf, route)");
	parse_fails(HEAD "migration: { latency: { above: 20 } }\n",
		    "t.yaml:6:32: above: '20' needs a unit (ns, us, ms, s)");
}

/* app svc: its state and workload, given in full, in part and not at all. */
static void test_services_svc(void **state)
{
	static const char text[] = HEAD
	    "services:\n"						 /* 6 */
	    "  game:\n"							 /* 7 */
	    "    vip: 10.200.0.1\n"					 /* 8 */
	    "    app: svc\n"						 /* 9 */
	    "    state: 16MiB\n"					 /* 10 */
	    "    dirty: { hot: 12.5%, rate: 2000/s, pattern: hotset }\n" /* 11 */
	    "    at: a\n"						 /* 12 */
	    "  plain: { vip: 10.200.0.2, app: svc, at: b }\n"
	    "  seq: { vip: 10.200.0.3, app: svc, at: a, state: 64GiB,\n"
	    "         dirty: { pattern: sequential, rate: 10000000/s } }\n"
	    "  hot: {vip: 10.200.0.4, app: svc, at: b, state: 4KiB, dirty: {pattern: hotset}}\n"
	    "  e: { vip: 10.200.0.5, at: a }\n";
	struct topo_model *m = NULL;
	struct topo_err err = {0};
	const struct topo_service *s;

	if (topo_parse_string(text, strlen(text), "t.yaml", &m, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(m->n_services, 5);
	s = &m->services[0];
	assert_int_equal(s->app, TOPO_APP_SVC);
	assert_int_equal(s->state_bytes, 16ULL << 20);
	assert_int_equal(s->dirty_rate, 2000);
	assert_int_equal(s->dirty_pattern, TOPO_PATTERN_HOTSET);
	assert_int_equal(s->hot_ppm, 125000);
	assert_int_equal(s->port, 7000);
	assert_int_equal(s->at[0], topo_node_find(m, "a"));
	s = &m->services[1]; /* the defaults */
	assert_int_equal(s->app, TOPO_APP_SVC);
	assert_int_equal(s->state_bytes, 64ULL << 20);
	assert_int_equal(s->dirty_rate, 0);
	assert_int_equal(s->dirty_pattern, TOPO_PATTERN_UNIFORM);
	assert_int_equal(s->hot_ppm, 100000);
	s = &m->services[2];
	assert_int_equal(s->state_bytes, 64ULL << 30);
	assert_int_equal(s->dirty_rate, 10000000);
	assert_int_equal(s->dirty_pattern, TOPO_PATTERN_SEQUENTIAL);
	s = &m->services[3];
	assert_int_equal(s->state_bytes, 4096);
	assert_int_equal(s->dirty_pattern, TOPO_PATTERN_HOTSET);
	assert_int_equal(s->hot_ppm, 100000);
	s = &m->services[4]; /* echo has no state */
	assert_int_equal(s->app, TOPO_APP_ECHO);
	assert_int_equal(s->state_bytes, 0);
	assert_int_equal(s->dirty_rate, 0);
	topo_model_free(m);
}

#define SVC HEAD "services:\n  s: { vip: 10.200.0.1, at: a, app: svc, "

static void test_err_svc(void **state)
{
	parse_fails(SVC "state: 64 }\n",
		    "t.yaml:7:49: state: '64' needs a unit (B, KiB, MiB, GiB, KB, MB, GB)");
	parse_fails(SVC "state: 64mb }\n",
		    "t.yaml:7:49: state: unknown unit 'mb' in '64mb' (expected one of: B, KiB, "
		    "MiB, GiB, KB, MB, GB)");
	parse_fails(SVC "state: 10MB }\n",
		    "t.yaml:7:49: state: '10MB' is not a whole number of 4KiB pages");
	parse_fails(SVC "state: 2KiB }\n",
		    "t.yaml:7:49: state: '2KiB' is not between 4KiB and 64GiB");
	parse_fails(SVC "state: 65GiB }\n",
		    "t.yaml:7:49: state: '65GiB' is not between 4KiB and 64GiB");
	parse_fails(SVC "dirty: { rate: 2000 } }\n",
		    "t.yaml:7:57: rate: '2000' needs a unit (pages per second: 2000/s)");
	parse_fails(SVC "dirty: { rate: 2000/min } }\n",
		    "t.yaml:7:57: rate: '2000/min' is not a page rate (pages per second, as in "
		    "2000/s)");
	parse_fails(SVC "dirty: { rate: 10000001/s } }\n",
		    "t.yaml:7:57: rate: '10000001/s' is too large (at most 10000000/s)");
	parse_fails(SVC "dirty: { pattern: random } }\n",
		    "t.yaml:7:60: unknown pattern 'random' (expected one of: uniform, hotset, "
		    "sequential)");
	parse_fails(SVC "dirty: { rate: 1/s, hot: 10% } }\n",
		    "t.yaml:7:67: hot: only with pattern: hotset");
	parse_fails(SVC "dirty: { pattern: hotset, hot: 0% } }\n",
		    "t.yaml:7:73: hot: '0%' is not above 0% and at most 100%");
	parse_fails(SVC "dirty: { pattern: hotset, hot: 101% } }\n",
		    "t.yaml:7:73: hot: '101%' is not above 0% and at most 100%");
	parse_fails(SVC "dirty: { pattern: hotset, hot: 10 } }\n",
		    "t.yaml:7:73: hot: '10' needs a unit (%)");
	parse_fails(SVC "dirty: { rate: 1/s, burst: 5 } }\n",
		    "t.yaml:7:62: unknown key 'burst' (expected one of: rate, pattern, hot)");
	parse_fails(SVC "dirty: 2000/s }\n",
		    "t.yaml:7:49: dirty: expected a mapping, got a string");
}

static void test_err_missing(void **state)
{
	parse_fails("# no name\nnodes: {a: {kind: ue}}\n", "t.yaml:1:1: missing key 'name'");
	parse_fails("name: t\nseed: 3\n", "t.yaml:1:1: missing key 'nodes'");
	parse_fails("", "t.yaml:1:1: missing key 'name'");
	parse_fails("name: t\nnodes:\n  a: {pos: [1, 2]}\n",
		    "t.yaml:3:6: node 'a': missing key 'kind'");
	parse_fails(HEAD "links:\n  - {delay: 1ms}\n", "t.yaml:7:5: link: missing key 'endpoints'");
}

static void test_err_duplicates(void **state)
{
	parse_fails("name: t\nnodes:\n  ue1: {kind: ue}\n  enb: {kind: enb}\n  ue1: {kind: ue}\n",
		    "t.yaml:5:3: duplicate node 'ue1' (first defined at 3:3)");
	parse_fails("name: t\nseed: 1\nnodes: {a: {kind: ue}}\nseed: 2\n",
		    "t.yaml:4:1: duplicate key 'seed' (first defined at 2:1)");
	parse_fails("name: t\nnodes:\n  a: {kind: ue, kind: enb}\n",
		    "t.yaml:3:17: duplicate key 'kind' (first defined at 3:7)");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], delay: 1ms, delay: 2ms}\n",
		    "t.yaml:7:37: duplicate key 'delay' (first defined at 7:25)");
}

static void test_err_endpoints(void **state)
{
	parse_fails(HEAD "links:\n  - {endpoints: [a, ue9]}\n",
		    "t.yaml:7:21: unknown node 'ue9' in endpoint");
	parse_fails(HEAD "links:\n  - {endpoints: ['ue9:eth0', a]}\n",
		    "t.yaml:7:18: unknown node 'ue9' in endpoint");
	parse_fails(HEAD "links:\n  - {endpoints: [a, 'a:eth1']}\n",
		    "t.yaml:7:21: link from node 'a' to itself");
	parse_fails(HEAD "links:\n  - {endpoints: [a, 'b:abcdefghijklmnop']}\n",
		    "t.yaml:7:21: interface name 'abcdefghijklmnop' is 16 bytes; Linux allows at "
		    "most 15");
	parse_fails(HEAD "links:\n  - {endpoints: [a, 'b:a/b']}\n",
		    "t.yaml:7:21: interface name 'a/b' must not contain '/', ':' or whitespace");
	parse_fails(HEAD "links:\n  - {endpoints: [a, 'b:x:y']}\n",
		    "t.yaml:7:21: interface name 'x:y' must not contain '/', ':' or whitespace");
	parse_fails(HEAD "links:\n  - {endpoints: [a, 'b:e 1']}\n",
		    "t.yaml:7:21: interface name 'e 1' must not contain '/', ':' or whitespace");
	parse_fails(HEAD "links:\n  - {endpoints: [a, 'b:lo']}\n",
		    "t.yaml:7:21: interface name 'lo' is reserved");
	parse_fails(HEAD "links:\n  - {endpoints: [a, 'b:']}\n",
		    "t.yaml:7:21: empty interface name in 'b:'");
	parse_fails(HEAD "links:\n  - {endpoints: ['a:up', b]}\n  - {endpoints: [ue1, 'a:up']}\n",
		    "t.yaml:8:23: interface 'up' of node 'a' is already used at 7:18");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b, ue1]}\n",
		    "t.yaml:7:17: endpoints: expected 2 endpoints, got 3");
	parse_fails(HEAD "links:\n  - {endpoints: a}\n",
		    "t.yaml:7:17: endpoints: expected a sequence, got a string");
}

static void test_err_units(void **state)
{
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], delay: 5}\n",
		    "t.yaml:7:32: delay: '5' needs a unit (ns, us, ms, s)");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], delay: 5xs}\n",
		    "t.yaml:7:32: delay: unknown unit 'xs' in '5xs' (expected one of: ns, us, ms, "
		    "s)");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], jitter: -1ms}\n",
		    "t.yaml:7:33: jitter: '-1ms' must not be negative");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], rate: 100mbps}\n",
		    "t.yaml:7:31: rate: unknown unit 'mbps' in '100mbps' (expected one of: bit, "
		    "kbit, mbit, gbit, tbit)");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], rate: 100}\n",
		    "t.yaml:7:31: rate: '100' needs a unit (bit, kbit, mbit, gbit, tbit)");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], rate: 99999999tbit}\n",
		    "t.yaml:7:31: rate: '99999999tbit' is out of range (0bit for no limit, or "
		    "8bit to 10tbit)");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], loss: 0.5}\n",
		    "t.yaml:7:31: loss: '0.5' needs a unit (%)");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], loss: 150%}\n",
		    "t.yaml:7:31: loss: '150%' is not between 0% and 100%");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], delay: fast}\n",
		    "t.yaml:7:32: delay: 'fast' is not a number with a unit (ns, us, ms, s)");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], delay: ''}\n",
		    "t.yaml:7:32: delay: a value is needed (a number with one of: ns, us, ms, s)");
	parse_fails("name: t\nduration: 30\nnodes: {a: {kind: ue}}\n",
		    "t.yaml:2:11: duration: '30' needs a unit (ns, us, ms, s)");
	parse_fails("name: t\nseed: -1\nnodes: {a: {kind: ue}}\n",
		    "t.yaml:2:7: seed: '-1' is not a non-negative integer");
	parse_fails("name: t\nseed: 18446744073709551616\nnodes: {a: {kind: ue}}\n",
		    "t.yaml:2:7: seed: '18446744073709551616' is too large");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], limit: 0}\n",
		    "t.yaml:7:32: limit: '0' is not a positive integer");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], limit: 4294967296}\n",
		    "t.yaml:7:32: limit: '4294967296' is too large");
	parse_fails("name: t\nnodes:\n  a: {kind: enb, pos: [1, 2x]}\n",
		    "t.yaml:3:27: pos: '2x' is not a distance (metres, or with m or km)");
	parse_fails("name: t\nnodes:\n  a: {kind: enb, pos: [1]}\n",
		    "t.yaml:3:23: pos: expected [x, y] or [x, y, z], got 1 values");
}

static void test_err_values(void **state)
{
	parse_fails("name: t\nnodes:\n  a: {kind: phone}\n",
		    "t.yaml:3:13: unknown kind 'phone' (expected one of: ue, enb, edge, router, "
		    "cloud, host)");
	parse_fails("name: Quick_Start\nnodes: {a: {kind: ue}}\n",
		    "t.yaml:1:7: name: 'Quick_Start' is not a valid run name ([a-z0-9-], 1 to 20 "
		    "characters, not starting with '-')");
	parse_fails("name: t\nshaper: tc\nnodes: {a: {kind: ue}}\n",
		    "t.yaml:2:9: unknown shaper 'tc' (expected one of: auto, netem, relay)");
	parse_fails(
	    "name: t\nnodes:\n  -bad: {kind: ue}\n",
	    "t.yaml:3:3: invalid node name '-bad' ([A-Za-z0-9_-], starting with a letter or "
	    "digit, at most 31 bytes)");
	parse_fails(
	    "name: t\nnodes:\n  abcdefghijabcdefghijabcdefghijab: {kind: ue}\n",
	    "t.yaml:3:3: invalid node name 'abcdefghijabcdefghijabcdefghijab' ([A-Za-z0-9_-], "
	    "starting with a letter or digit, at most 31 bytes)");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], jitter: 1ms, distribution: gauss}\n",
		    "t.yaml:7:52: unknown distribution 'gauss' (expected one of: normal, uniform, "
		    "pareto)");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], loss: {model: bursty, p: 1%}}\n",
		    "t.yaml:7:39: unknown loss model 'bursty' (expected one of: random, gilbert)");
	parse_fails("name: t\nnodes:\n  a: {kind: \"u\\0e\"}\n",
		    "t.yaml:3:13: kind: a NUL byte is not allowed here");
}

static void test_err_types(void **state)
{
	parse_fails("- name\n- t\n", "t.yaml:1:1: expected a mapping at the top level, got a "
				     "sequence");
	parse_fails("name: t\nnodes: [a, b]\n", "t.yaml:2:8: nodes: expected a mapping, got a "
						"sequence");
	parse_fails("name: t\nnodes: {}\n", "t.yaml:2:8: nodes: at least one node is needed");
	parse_fails("name: [t]\nnodes: {a: {kind: ue}}\n",
		    "t.yaml:1:7: name: expected a string, got a sequence");
	parse_fails("name: t\nnodes:\n  a: router\n",
		    "t.yaml:3:6: node 'a': expected a mapping, got a string");
	parse_fails("name: t\nnodes:\n  a:\n",
		    "t.yaml:3:5: node 'a': expected a mapping, got nothing");
	parse_fails(HEAD "links:\n", "t.yaml:6:7: links: expected a sequence, got nothing");
	parse_fails(HEAD "links: {a: b}\n",
		    "t.yaml:6:8: links: expected a sequence, got a mapping");
	parse_fails(HEAD "links:\n  - [a, b]\n", "t.yaml:7:5: links: expected a mapping, got a "
						 "sequence");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], up: 5ms}\n",
		    "t.yaml:7:29: up: expected a mapping, got a string");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], delay: {ms: 5}}\n",
		    "t.yaml:7:32: delay: expected a string, got a mapping");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], loss: [1%]}\n",
		    "t.yaml:7:31: loss: expected a percentage or a mapping, got a sequence");
	parse_fails("name: t\n[x]: 1\nnodes: {a: {kind: ue}}\n",
		    "t.yaml:2:1: expected a key, got a sequence");
}

static void test_err_yaml(void **state)
{
	parse_fails("name: t\nnodes: {a: {kind: ue}\n",
		    "t.yaml:3:1: did not find expected ',' or '}' (while parsing a flow mapping at "
		    "2:8)");
	parse_fails("name: t\n  seed: 1\n",
		    "t.yaml:2:7: mapping values are not allowed in this context");
	parse_fails("name: t\nnodes: {a: {kind: ue}}\n---\nname: u\n",
		    "t.yaml:4:1: only one YAML document is allowed in a scenario");
	parse_fails("name: t\nnodes: *x\n", "t.yaml:2:8: found undefined alias");
	parse_fails("name: t\nseed: \xff\n", "t.yaml:2:7: invalid leading UTF-8 octet");
}

static void test_err_shaping(void **state)
{
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], distribution: pareto}\n",
		    "t.yaml:7:39: distribution: only valid with jitter");
	/* The down direction has no jitter even though up has. */
	parse_fails(HEAD "links:\n  - endpoints: [a, b]\n    distribution: uniform\n"
			 "    up: {jitter: 1ms}\n",
		    "t.yaml:8:19: distribution: only valid with jitter");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], loss: {model: gilbert, p: 1%}}\n",
		    "t.yaml:7:31: loss: missing key 'r' (model gilbert needs p and r)");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], loss: {model: random, p: 1%, r: 3%}}\n",
		    "t.yaml:7:57: loss: 'r' is only valid with model gilbert");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], loss: {p: 1%}}\n",
		    "t.yaml:7:31: loss: missing key 'model'");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], trace: no-such.mmtrace}\n",
		    "t.yaml:7:32: trace: cannot read 'no-such.mmtrace': No such file or "
		    "directory");
	{
		static const char text[] = HEAD "links:\n  - {endpoints: [a, b], trace: t.mm}\n";
		struct topo_model *m = sentinel;
		struct topo_err err;

		assert_int_equal(
		    topo_parse_string(text, strlen(text), "/nonexistent/dir/s.yaml", &m, &err),
		    -EINVAL);
		assert_ptr_equal(m, sentinel);
		assert_string_equal(err.msg, "/nonexistent/dir/s.yaml:7:32: trace: cannot read "
					     "'/nonexistent/dir/t.mm': No such file or directory");
	}
}

static void test_err_addr(void **state)
{
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], addr: [10.0.0.1, auto]}\n",
		    "t.yaml:7:32: addr: '10.0.0.1' is not an IPv4 address with prefix length "
		    "(A.B.C.D/len) or 'auto'");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], addr: [10.0.0.1/33, auto]}\n",
		    "t.yaml:7:32: addr: '10.0.0.1/33' is not an IPv4 address with prefix length "
		    "(A.B.C.D/len) or 'auto'");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], addr: [10.0.0.1/24]}\n",
		    "t.yaml:7:31: addr: expected 2 addresses (one per endpoint), got 1");
	/* Clashes across links are found by the address plan, at the second endpoint. */
	plan_fails(HEAD "links:\n"
			"  - {endpoints: [a, b], addr: [10.0.0.1/24, 10.0.0.2/24]}\n"
			"  - {endpoints: [ue1, a], addr: [10.0.0.1/30, 10.0.0.2/30]}\n",
		   "t.yaml:8:18: address 10.0.0.1 already used by a:eth0 at 7:18");
	plan_fails(HEAD "links:\n  - {endpoints: [a, b], addr: [10.0.0.1/24, 10.0.1.2/24]}\n",
		   "t.yaml:7:21: addresses 10.0.0.1/24 and 10.0.1.2/24 are not in one subnet");
}

/*
 * Fuzzing (issue 12): NUL bytes inside keys and names were cut silently ("a\0b" read as
 * "a", "kind\0x" as kind). A NUL in any name or key is an error at its position.
 */
static void test_err_nul(void **state)
{
	parse_fails("name: t\nnodes:\n  \"a\\0b\": {kind: ue}\n",
		    "t.yaml:3:3: a NUL byte is not allowed in a node name");
	parse_fails("name: t\nnodes:\n  a: {\"kind\\0x\": ue}\n",
		    "t.yaml:3:7: a NUL byte is not allowed in a key");
	parse_fails("name: t\n\"nodes\\0\": {a: {kind: ue}}\n",
		    "t.yaml:2:1: a NUL byte is not allowed in a key");
	parse_fails(HEAD "services:\n  \"s\\0x\": {vip: 10.200.0.1, at: a}\n",
		    "t.yaml:7:3: a NUL byte is not allowed in a service name");
	parse_fails(RHEAD "radio: {}\nmobility:\n  \"ue1\\0x\": {model: static, pos: [1, 2]}\n",
		    "t.yaml:8:3: a NUL byte is not allowed in a UE name");
	parse_fails(HEAD "links:\n  - {endpoints: [\"a\\0b\", b]}\n",
		    "t.yaml:7:18: endpoints: a NUL byte is not allowed here");
}

/* Parses text as "t.yaml", expects -EINVAL and an error that contains part. */
static void parse_fails_with(const char *text, const char *part)
{
	struct topo_model *m = sentinel;
	struct topo_err err = {0};

	assert_int_equal(topo_parse_string(text, strlen(text), "t.yaml", &m, &err), -EINVAL);
	assert_ptr_equal(m, sentinel);
	if (!strstr(err.msg, part))
		fail_msg("'%s' does not contain '%s'", err.msg, part);
}

static void parses(const char *text)
{
	topo_model_free(support_model(text));
}

/* "<400 nines>" as a coordinate: strtod says inf. */
static char *huge_number(const char *before, const char *after)
{
	size_t n = strlen(before);
	char *s = malloc(n + 400 + strlen(after) + 1);

	assert_non_null(s);
	memcpy(s, before, n);
	memset(s + n, '9', 400);
	strcpy(s + n + 400, after);
	return s;
}

/*
 * Fuzzing (issue 12): inf from long numbers, and delays, rates, powers, times far beyond
 * what netem (2^64 - 1 ns went to the kernel as -1), the relay or the models hold. Every
 * value is bounded, the error says the range; the bounds themselves are accepted.
 */
static void test_err_ranges(void **state)
{
	char *s;

	s = huge_number("name: t\nnodes:\n  a: {kind: enb, pos: [", ", 0]}\n");
	parse_fails_with(s, "t.yaml:3:24: pos: '999");
	parse_fails_with(s, "' is out of range (-10000km to 10000km)");
	free(s);
	parse_fails("name: t\nnodes:\n  a: {kind: enb, pos: [1, -10000.5km]}\n",
		    "t.yaml:3:27: pos: '-10000.5km' is out of range (-10000km to 10000km)");
	parses("name: t\nnodes:\n  a: {kind: enb, pos: [10000km, -10000000, 0]}\n");

	s = huge_number(RHEAD "radio:\n  exponent: ", "\n");
	parse_fails_with(s, "' is out of range (above 0, at most 10)");
	free(s);
	parse_fails(RHEAD "radio:\n  exponent: 10.5\n",
		    "t.yaml:7:13: exponent: '10.5' is out of range (above 0, at most 10)");
	s = huge_number(MOB "{model: random-waypoint, area: [[0, 0], [1, 1]], speed: [1, ", "]}\n");
	parse_fails_with(s, "' is out of range (0.001 to 10000 m/s)");
	free(s);
	parse_fails(MOB "{model: random-waypoint, area: [[0, 0], [1, 1]], speed: [0.0009, 1]}\n",
		    "t.yaml:8:65: speed: '0.0009' is out of range (0.001 to 10000 m/s)");
	parses(MOB "{model: random-waypoint, area: [[0, 0], [1, 1]], speed: [0.001, 10000]}\n");
	/* A sliver of an area made legs too short for time to advance (fuzzing, issue 12). */
	parse_fails(
	    MOB "{model: random-waypoint, area: [[0, 0], [0.5, 0.0001]], speed: [1, 2]}\n",
	    "t.yaml:8:39: area: 0.5 m by 0.0001 m is too small: a point, or at least 1 m across");
	parses(MOB "{model: random-waypoint, area: [[3, 4], [3, 4]], speed: [1, 2]}\n");
	parses(MOB "{model: random-waypoint, area: [[0, 0], [1, 0]], speed: [1, 2]}\n");

	parse_fails(HEAD "links:\n  - {endpoints: [a, b], delay: 18446744073709551615ns}\n",
		    "t.yaml:7:32: delay: '18446744073709551615ns' is out of range (0s to 3600s)");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], delay: 18446744073709551616ns}\n",
		    "t.yaml:7:32: delay: '18446744073709551616ns' is out of range (0s to 3600s)");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], up: {delay: 3600.001s}}\n",
		    "t.yaml:7:37: delay: '3600.001s' is out of range (0s to 3600s)");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], jitter: 2001ms}\n",
		    "t.yaml:7:33: jitter: '2001ms' is out of range (0s to 2s)");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], rate: 7bit}\n",
		    "t.yaml:7:31: rate: '7bit' is out of range (0bit for no limit, or 8bit to "
		    "10tbit)");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], down: {rate: 10.5tbit}}\n",
		    "t.yaml:7:38: rate: '10.5tbit' is out of range (0bit for no limit, or 8bit to "
		    "10tbit)");
	parses(HEAD "links:\n  - {endpoints: [a, b], delay: 3600s, jitter: 2s, rate: 8bit}\n"
		    "  - {endpoints: [a, b], rate: 10tbit}\n  - {endpoints: [a, b], rate: 0bit}\n");
	parse_fails("name: t\nduration: 2592001s\nnodes: {a: {kind: ue}}\n",
		    "t.yaml:2:11: duration: '2592001s' is out of range (0s to 2592000s)");
	parse_fails(
	    HEAD "migration: {latency: {above: 18446744073709551615ns}}\n",
	    "t.yaml:6:30: above: '18446744073709551615ns' is out of range (0s to 2592000s)");
	parse_fails(HEAD "migration: {proactive: {lookahead: 2592001s}}\n",
		    "t.yaml:6:36: lookahead: '2592001s' is out of range (0s to 2592000s)");

	parse_fails(RHEAD "radio:\n  tx_power: 301dBm\n",
		    "t.yaml:7:13: tx_power: '301dBm' is out of range (-300dBm to 300dBm)");
	parse_fails(RHEAD "radio:\n  noise: -1000dBm\n",
		    "t.yaml:7:10: noise: '-1000dBm' is out of range (-300dBm to 300dBm)");
	parse_fails(RHEAD "radio:\n  ref_loss: 300.5dB\n",
		    "t.yaml:7:13: ref_loss: '300.5dB' is out of range (0dB to 300dB)");
	parse_fails(RHEAD "radio:\n  handover: {hysteresis: 1000dB}\n",
		    "t.yaml:7:26: hysteresis: '1000dB' is out of range (0dB to 300dB)");
	parse_fails(RHEAD "radio:\n  delay: 3601s\n",
		    "t.yaml:7:10: delay: '3601s' is out of range (0s to 3600s)");
	parse_fails(RHEAD "radio:\n  tick: 18446744073709551615ns\n",
		    "t.yaml:7:9: tick: '18446744073709551615ns' is out of range (1ms to 2592000s)");
	parse_fails(RHEAD "radio:\n  handover: {ttt: 2592001s}\n",
		    "t.yaml:7:19: ttt: '2592001s' is out of range (0s to 2592000s)");
	parse_fails(RHEAD "radio:\n  peak_rate: 11tbit\n",
		    "t.yaml:7:14: peak_rate: '11tbit' is out of range (8bit to 10tbit)");
	parses(RHEAD "radio: {tx_power: -300dBm, ref_loss: 300dB, tick: 2592000s, exponent: 10}\n"
		     "mobility: {ue1: {model: static, pos: [0, 0]}}\n");
	parse_fails(MOB "{model: waypoints, points: [[0, 0, 0s], [1, 1, 2592001s]]}\n",
		    "t.yaml:8:55: points: '2592001s' is out of range (0s to 2592000s)");
	parse_fails(MOB "{model: random-waypoint, area: [[0, 0], [1, 1]], speed: [1, 2], "
			"pause: 2592001s}\n",
		    "t.yaml:8:79: pause: '2592001s' is out of range (0s to 2592000s)");
}

/*
 * Fuzzing (issue 12): 0.0.0.0/31 was taken for "no address" by the plan and silently
 * replaced. Addresses that no interface can have are refused where they are written.
 */
static void test_err_special_addr(void **state)
{
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], addr: [0.0.0.0/31, auto]}\n",
		    "t.yaml:7:32: addr: '0.0.0.0/31' cannot be an interface's address: 0.0.0.0/8 "
		    "means 'this network' (RFC 1122), not a host");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], addr: [auto, 0.1.2.3/16]}\n",
		    "t.yaml:7:38: addr: '0.1.2.3/16' cannot be an interface's address: 0.0.0.0/8 "
		    "means 'this network' (RFC 1122), not a host");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], addr: [127.0.0.1/8, auto]}\n",
		    "t.yaml:7:32: addr: '127.0.0.1/8' cannot be an interface's address: "
		    "127.0.0.0/8 is the loopback");
	parse_fails(HEAD "links:\n  - {endpoints: [a, b], addr: [224.0.0.1/30, auto]}\n",
		    "t.yaml:7:32: addr: '224.0.0.1/30' cannot be an interface's address: "
		    "224.0.0.0/4 is multicast");
	parse_fails(HEAD "services:\n  s: {vip: 0.0.0.0, at: a}\n",
		    "t.yaml:7:12: vip: '0.0.0.0' cannot be a service's address: 0.0.0.0/8 means "
		    "'this network' (RFC 1122), not a host");
	parse_fails(HEAD "services:\n  s: {vip: 255.255.255.255, at: a}\n",
		    "t.yaml:7:12: vip: '255.255.255.255' cannot be a service's address: "
		    "240.0.0.0/4 is reserved (and 255.255.255.255 is the broadcast)");
}

/* A text of n copies of fmt (with its index, up to three times), between head and tail. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static char *repeat(const char *head, const char *fmt, unsigned n, const char *tail)
{
	size_t cap = strlen(head) + strlen(tail) + (size_t)n * (strlen(fmt) + 24) + 1, len;
	char *s = malloc(cap);

	assert_non_null(s);
	len = (size_t)sprintf(s, "%s", head);
	for (unsigned i = 0; i < n; i++)
		len += (size_t)sprintf(s + len, fmt, i, i, i);
	strcpy(s + len, tail);
	return s;
}
#pragma GCC diagnostic pop

/*
 * Fuzzing (issue 12): 80k nodes took 10 s to parse, 20k named links 2.6 s, 400 x 400 radio
 * 69 s, deep nesting quadratic in libyaml, /dev/zero read until memory ran out. Each count
 * has a documented limit, accepted up to it and refused past it with the count at fault.
 */
static void test_limits(void **state)
{
	char *s;

	s = repeat("name: t\nnodes:\n", "  n%u: {kind: router}\n", TOPO_NODES_MAX,
		   "links:\n  - {endpoints: [n0, \"n1:x\"]}\n  - {endpoints: [n0, n1]}\n");
	{
		struct topo_model *m = NULL;
		struct topo_err err = {0};

		assert_int_equal(topo_parse_string(s, strlen(s), "t.yaml", &m, &err), 0);
		assert_int_equal(m->n_nodes, TOPO_NODES_MAX);
		assert_int_equal(topo_node_find(m, "n9999"), 9999);
		assert_string_equal(m->links[1].end[1].ifname, "eth0");
		topo_model_free(m);
	}
	free(s);
	s = repeat("name: t\nnodes:\n", "  n%u: {kind: router}\n", TOPO_NODES_MAX + 1, "");
	parse_fails(s, "t.yaml:3:3: nodes: 10001 nodes; a scenario may have at most 10000");
	free(s);

	s = repeat(HEAD "links:\n", "  - {endpoints: [a, b]}\n", TOPO_LINKS_MAX, "");
	{
		struct topo_model *m = NULL;
		struct topo_err err = {0};

		assert_int_equal(topo_parse_string(s, strlen(s), "t.yaml", &m, &err), 0);
		assert_int_equal(m->n_links, TOPO_LINKS_MAX);
		assert_string_equal(m->links[TOPO_LINKS_MAX - 1].end[1].ifname, "eth49999");
		topo_model_free(m);
	}
	free(s);
	s = repeat(HEAD "links:\n", "  - {endpoints: [a, b]}\n", TOPO_LINKS_MAX + 1, "");
	parse_fails(s, "t.yaml:7:3: links: 50001 links; a scenario may have at most 50000");
	free(s);
	/* Interfaces named in the file: the second use of one is found however many links. */
	s = repeat("name: t\nnodes:\n", "  n%u: {kind: router}\n", 5000,
		   "  hub: {kind: router}\nlinks:\n");
	{
		char *t = repeat(s, "  - {endpoints: [\"n%u:x\", \"hub:y%u\"]}\n", 4999,
				 "  - {endpoints: [\"n3:x\", hub]}\n");

		free(s);
		s = t;
	}
	parse_fails(s, "t.yaml:10004:18: interface 'x' of node 'n3' is already used at 5008:18");
	free(s);

	s = repeat(HEAD "services:\n", "  s%u: {vip: 10.200.0.1, at: a}\n", TOPO_SERVICES_MAX + 1,
		   "");
	parse_fails(s, "t.yaml:7:3: services: 1001 services; a scenario may have at most 1000");
	free(s);
	s = repeat(HEAD "probes:\n", "  - {from: a, to: b}\n", TOPO_PROBES_MAX + 1, "");
	parse_fails(s, "t.yaml:7:3: probes: 10001 probes; a scenario may have at most 10000");
	free(s);
	s = repeat(MOB "{model: waypoints, points: [", "[0, 0, 0s], ", TOPO_POINTS_MAX,
		   "[0, 0, 0s]]}\n");
	parse_fails(s, "t.yaml:8:35: points: 100001 points; a UE may have at most 100000");
	free(s);

	/* 501 UEs x 500 eNBs: 250500 UE-cell pairs */
	s = repeat("name: t\nradio: {}\nnodes:\n", "  e%u: {kind: enb, pos: [0, 0]}\n", 500, "");
	{
		char *t = repeat(s, "  u%u: {kind: ue, pos: [0, 0]}\n", 501, "");

		free(s);
		s = t;
	}
	parse_fails(s, "t.yaml:2:1: radio: 501 UEs x 500 eNBs make 250500 UE-cell pairs; at "
		       "most 250000 are allowed");
	free(s);
}

/* The nesting and the number of values are bounded before libyaml builds the document. */
static void test_limits_yaml(void **state)
{
	char *s, *p;

	/* 64 levels: the top mapping, nodes, a, then 61 sequences; the error is pos's own. */
	s = repeat("name: t\nnodes: {a: {kind: host, pos: ", "[", 61, "");
	p = repeat(s, "]", 61, "}}\n");
	parse_fails(p, "t.yaml:2:30: pos: expected [x, y] or [x, y, z], got 1 values");
	free(p);
	free(s);
	s = repeat("name: t\nnodes: {a: {kind: host, pos: ", "[", 100000, "");
	p = repeat(s, "]", 100000, "}}\n");
	parse_fails(p, "t.yaml:2:91: nested more than 64 levels deep; a scenario may nest at most "
		       "that deep");
	free(p);
	free(s);
	s = repeat("name: t\nnodes: {a: {kind: ue}}\nsweep: [", "0,", TOPO_YAML_NODES_MAX, "0]\n");
	parse_fails(s, "t.yaml:3:1999987: more than 1000000 YAML values (keys, values, lists, "
		       "mappings); a scenario may have at most that many");
	free(s);

	{
		size_t n = TOPO_FILE_MAX + 1;
		struct topo_model *m = sentinel;
		struct topo_err err = {0};

		s = malloc(n);
		assert_non_null(s);
		memset(s, '#', n);
		assert_int_equal(topo_parse_string(s, n, "t.yaml", &m, &err), -EFBIG);
		assert_ptr_equal(m, sentinel);
		assert_string_equal(err.msg,
				    "t.yaml: larger than 16777216 bytes (16 MiB), the most "
				    "a scenario may have");
		free(s);
		/* Read no further than the limit: /dev/zero would never end. */
		assert_int_equal(topo_parse_file("/dev/zero", &m, &err), -EFBIG);
		assert_ptr_equal(m, sentinel);
		assert_string_equal(err.msg, "/dev/zero: larger than 16777216 bytes (16 MiB), the "
					     "most a scenario may have");
		/* The same bounded read for the commands that parse the text themselves. */
		s = NULL;
		assert_int_equal(topo_scenario_read("/dev/zero", &s, &n, &err), -EFBIG);
		assert_null(s);
		assert_int_equal(topo_scenario_read("/nonexistent.yaml", &s, &n, &err), -ENOENT);
		assert_string_equal(err.msg, "/nonexistent.yaml: No such file or directory");
		assert_int_equal(topo_scenario_read("/dev/null", &s, &n, &err), 0);
		assert_int_equal(n, 0);
		assert_string_equal(s, "");
		free(s);
	}
}

/* The whole path from a real file, when the source tree is known (ctest sets EDGEMU_SRC). */
static void test_file(void **state)
{
	struct topo_model *m = sentinel;
	struct topo_err err;
	const char *src = getenv("EDGEMU_SRC");
	char path[4096];

	assert_int_equal(topo_parse_file("/nonexistent/s.yaml", &m, &err), -ENOENT);
	assert_ptr_equal(m, sentinel);
	assert_string_equal(err.msg, "/nonexistent/s.yaml: No such file or directory");

	if (!src)
		return;
	snprintf(path, sizeof(path), "%s/experiments/quickstart.yaml", src);
	if (access(path, R_OK) < 0)
		return;
	m = NULL;
	if (topo_parse_file(path, &m, &err) < 0)
		fail_msg("%s", err.msg);
	assert_non_null(m);
	assert_true(m->n_nodes > 0);
	topo_model_free(m);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_trace_relative),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_err_unknown_keys),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_err_sweep),
		cmocka_unit_test(test_radio),
		cmocka_unit_test(test_radio_defaults),
		cmocka_unit_test(test_err_radio),
		cmocka_unit_test(test_radio_ran),
		cmocka_unit_test(test_err_radio_ran),
		cmocka_unit_test(test_radio_ran_set),
		cmocka_unit_test(test_err_mobility),
		cmocka_unit_test(test_err_probes),
		cmocka_unit_test(test_services),
		cmocka_unit_test(test_err_services),
		cmocka_unit_test(test_services_svc),
		cmocka_unit_test(test_err_svc),
		cmocka_unit_test(test_err_missing),
		cmocka_unit_test(test_err_duplicates),
		cmocka_unit_test(test_err_endpoints),
		cmocka_unit_test(test_err_units),
		cmocka_unit_test(test_err_values),
		cmocka_unit_test(test_err_types),
		cmocka_unit_test(test_err_yaml),
		cmocka_unit_test(test_err_shaping),
		cmocka_unit_test(test_err_addr),
		cmocka_unit_test(test_err_nul),
		cmocka_unit_test(test_err_ranges),
		cmocka_unit_test(test_err_special_addr),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_limits_yaml),
		cmocka_unit_test(test_file),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
