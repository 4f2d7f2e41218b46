/* SPDX-License-Identifier: MIT */
/*
 * edgemu sweep without root: the plan (order, count, seeds, folders), each bad value of
 * sweep: named at its line and column, Student t quantiles, means and intervals, two
 * fabricated runs read and aggregated, and the reports' shape.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep/sweep.h"

/* clang-format off */
#define BASE								\
	"name: sw\n"							/* 1 */ \
	"seed: 5\n"							/* 2 */ \
	"duration: 12s\n"						/* 3 */ \
	"nodes:\n"							/* 4 */ \
	"  ue1: { kind: ue }\n"						/* 5 */ \
	"  enb1: { kind: enb }\n"					/* 6 */ \
	"  edge1: { kind: edge }\n"					/* 7 */ \
	"  edge2: { kind: edge }\n"					/* 8 */ \
	"links:\n"							/* 9 */ \
	"  - { endpoints: [ue1, enb1], delay: 1ms }\n"			/* 10 */ \
	"  - { endpoints: [enb1, edge1], delay: 1ms }\n"		/* 11 */ \
	"  - { endpoints: [edge1, edge2], delay: 1ms, rate: 500mbit }\n" /* 12 */ \
	"services:\n"							/* 13 */ \
	"  game: { vip: 10.200.0.1, app: svc, port: 7000, at: edge1 }\n" /* 14 */ \
	"migration: { strategy: precopy }\n"				/* 15 */
/* clang-format on */

/* clang-format off */
static const char two_by_three[] = BASE "sweep:\n"				/* 16 */
					"  vary:\n"					/* 17 */
					"    migration.strategy: [cold, postcopy]\n"	/* 18 */
					"    links.2.rate: [100mbit, 1gbit, 10gbit]\n"	/* 19 */
					"  repeat: 2\n";				/* 20 */
/* clang-format on */

/* The plan of text (its sweep: and seed), with fixed sets; fails the test on an error. */
static struct sweep_plan *plan_of(const char *text, const char *const *fixed, size_t n_fixed,
				  struct topo_err *err)
{
	struct topo_model *m = NULL;
	struct sweep_plan *p = NULL;
	int r;

	assert_int_equal(topo_parse_string(text, strlen(text), "t.yaml", &m, err), 0);
	assert_true(m->has_sweep);
	r = sweep_plan_new(&m->sweep, m->has_seed ? m->seed : 1, fixed, n_fixed, &p, err);
	topo_model_free(m);
	return r < 0 ? NULL : p;
}

static void test_expand(void **state)
{
	static const char *const ids[] = {"c1-cold-100mbit",   "c2-cold-1gbit",
					  "c3-cold-10gbit",    "c4-postcopy-100mbit",
					  "c5-postcopy-1gbit", "c6-postcopy-10gbit"};
	const char *fixed[] = {"duration=3s"};
	const char *sets[8];
	struct topo_err err = {0};
	struct sweep_plan *p = plan_of(two_by_three, fixed, 1, &err);
	char buf[128];

	assert_non_null(p);
	assert_int_equal(p->n_keys, 2);
	assert_int_equal(p->n_combos, 6);
	assert_int_equal(p->repeat, 2);
	assert_int_equal(p->n_runs, 12);
	/* The first key varies slowest. */
	for (unsigned c = 0; c < 6; c++) {
		assert_string_equal(p->combos[c].id, ids[c]);
		assert_int_equal(p->combos[c].value[0], c / 3);
		assert_int_equal(p->combos[c].value[1], c % 3);
	}
	assert_string_equal(p->combos[4].sets[0], "migration.strategy=postcopy");
	assert_string_equal(p->combos[4].sets[1], "links.2.rate=1gbit");
	/* Repetition after repetition. */
	for (unsigned i = 0; i < 12; i++) {
		assert_int_equal(p->runs[i].combo, i % 6);
		assert_int_equal(p->runs[i].rep, i / 6);
		assert_int_equal(p->runs[i].seed, 5 + i / 6);
	}
	assert_string_equal(p->runs[0].dir, "c1-cold-100mbit/rep-0");
	assert_string_equal(p->runs[11].dir, "c6-postcopy-10gbit/rep-1");
	/* Fixed sets first, then the combination's. */
	assert_int_equal(sweep_run_sets(p, &p->runs[10], sets, 8), 3);
	assert_string_equal(sets[0], "duration=3s");
	assert_string_equal(sets[1], "migration.strategy=postcopy");
	assert_string_equal(sets[2], "links.2.rate=1gbit");
	assert_int_equal(sweep_run_sets(p, &p->runs[10], sets, 2), 2);
	sweep_combo_label(p, 5, 0, buf, sizeof(buf));
	assert_string_equal(buf, "postcopy, 10gbit");
	sweep_combo_label(p, 5, 1, buf, sizeof(buf));
	assert_string_equal(buf, "10gbit");
	/* Every combination is valid; each has the fixed duration. */
	assert_int_equal(sweep_plan_check(p, two_by_three, strlen(two_by_three), "t.yaml", &err),
			 0);
	for (unsigned c = 0; c < 6; c++)
		assert_int_equal(p->combos[c].duration_ns, 3000000000ULL);
	sweep_plan_free(p);

	/* repeat: alone: one combination, the base scenario. */
	p = plan_of(BASE "sweep: { repeat: 3 }\n", NULL, 0, &err);
	assert_non_null(p);
	assert_int_equal(p->n_combos, 1);
	assert_int_equal(p->n_runs, 3);
	assert_string_equal(p->runs[2].dir, "c1/rep-2");
	assert_int_equal(sweep_run_sets(p, &p->runs[2], sets, 8), 0);
	assert_int_equal(sweep_plan_check(p, BASE "sweep: { repeat: 3 }\n",
					  strlen(BASE "sweep: { repeat: 3 }\n"), "t.yaml", &err),
			 0);
	assert_int_equal(p->combos[0].duration_ns, 12000000000ULL);
	sweep_combo_label(p, 0, 0, buf, sizeof(buf));
	assert_string_equal(buf, "base");
	sweep_plan_free(p);

	/* Ten combinations: ids keep their order as text. */
	p = plan_of(BASE "sweep:\n  vary: {links.0.delay: [1ms, 2ms, 3ms, 4ms, 5ms, 6ms, 7ms, 8ms, "
			 "9ms, 10ms]}\n",
		    NULL, 0, &err);
	assert_non_null(p);
	assert_string_equal(p->combos[0].id, "c01-1ms");
	assert_string_equal(p->combos[9].id, "c10-10ms");
	sweep_plan_free(p);
}

static void test_seed(void **state)
{
	struct topo_model *m = NULL;
	struct sweep_plan *p = NULL;
	struct topo_err err = {0};

	assert_int_equal(sweep_seed(1, 0), 1);
	assert_int_equal(sweep_seed(1, 2), 3);
	assert_int_equal(sweep_seed(UINT64_MAX, 1), 0);
	/* A base seed other than the file's (edgemu sweep --seed). */
	assert_int_equal(topo_parse_string(two_by_three, strlen(two_by_three), "t.yaml", &m, &err),
			 0);
	assert_int_equal(sweep_plan_new(&m->sweep, 100, NULL, 0, &p, &err), 0);
	for (unsigned i = 0; i < p->n_runs; i++)
		assert_int_equal(p->runs[i].seed, 100 + p->runs[i].rep);
	sweep_plan_free(p);
	topo_model_free(m);
}

static void test_run_name(void **state)
{
	char buf[TOPO_RUN_MAX + 1];

	sweep_run_name(buf, sizeof(buf), "quickstart", 0x1234abcd, 12);
	assert_string_equal(buf, "quicksta-abcd-12");
	sweep_run_name(buf, sizeof(buf), "ab-cdef-gh", 7, 9999);
	assert_string_equal(buf, "ab-cdef-0007-9999");
	sweep_run_name(buf, sizeof(buf), "", 0xffff, 0);
	assert_string_equal(buf, "sweep-ffff-0");
	assert_true(topo_net_name_valid(buf));
	sweep_run_name(buf, sizeof(buf), "abcdefghij", 0xffff, 99999);
	assert_string_equal(buf, "abcdefgh-ffff-99999");
	assert_true(topo_net_name_valid(buf));
}

/* The plan of text is made, and checking it fails with msg. */
static void check_fails(const char *text, const char *msg)
{
	struct topo_err err = {0};
	struct sweep_plan *p = plan_of(text, NULL, 0, &err);

	assert_non_null(p);
	assert_int_equal(sweep_plan_check(p, text, strlen(text), "t.yaml", &err), -EINVAL);
	assert_string_equal(err.msg, msg);
	sweep_plan_free(p);
}

static void test_check_errors(void **state)
{
	struct topo_err err = {0};
	const char *fixed[2];

	/* A value: at the value. */
	check_fails(BASE "sweep:\n  vary:\n    migration.strategy: [cold, warm]\n",
		    "t.yaml:18:32: sweep: migration.strategy=warm: unknown strategy 'warm' "
		    "(expected one of: cold, precopy, postcopy)");
	check_fails(BASE "sweep:\n  vary:\n    links.2.rate:\n      - 1gbit\n      - 5\n",
		    "t.yaml:20:9: sweep: links.2.rate=5: rate: '5' needs a unit (bit, kbit, mbit, "
		    "gbit, tbit)");
	check_fails(BASE "sweep:\n  vary:\n    services.game.state: [16MiB, 5KiB]\n",
		    "t.yaml:18:34: sweep: services.game.state=5KiB: state: '5KiB' is not a whole "
		    "number of 4KiB pages");
	/* A path: at the key. */
	check_fails(BASE "sweep:\n  vary:\n    migration.stratgy: [cold]\n",
		    "t.yaml:18:5: sweep: migration.stratgy=cold: unknown key 'stratgy' (expected "
		    "one of: policy, strategy, steering, precopy, tcp_established, distance, "
		    "latency, proactive)");
	check_fails(BASE "sweep:\n  vary:\n    links.7.rate: [1gbit]\n",
		    "t.yaml:18:5: sweep: links.7.rate=1gbit: '7' is not an index of a list of 3");
	check_fails(BASE "sweep:\n  vary:\n    migration.strategy.x: [1]\n",
		    "t.yaml:18:5: sweep: migration.strategy.x=1: 'migration.strategy' is inside a "
		    "plain value");
	/* Valid alone, not together: at sweep:. */
	check_fails(BASE "sweep:\n  vary:\n    services.game.app: [svc, echo]\n"
			 "    services.game.state: [16MiB]\n",
		    "t.yaml:16:1: sweep: combination services.game.app=echo "
		    "services.game.state=16MiB: state: only for app: svc");
	/* --set of edgemu sweep: a varied path, the seed, the name; a bad value. */
	fixed[0] = "links.2=x";
	assert_null(plan_of(two_by_three, fixed, 1, &err));
	assert_string_equal(err.msg, "--set 'links.2=x': links.2.rate is varied by the sweep (at "
				     "19:5)");
	fixed[0] = "migration.strategy=cold";
	assert_null(plan_of(two_by_three, fixed, 1, &err));
	assert_string_equal(err.msg, "--set 'migration.strategy=cold': migration.strategy is "
				     "varied by the sweep (at 18:5)");
	fixed[0] = "seed=3";
	assert_null(plan_of(two_by_three, fixed, 1, &err));
	assert_string_equal(err.msg, "--set 'seed=3': the seed is the sweep's (--seed N: "
				     "repetition r runs with seed N + r)");
	fixed[0] = "name=x";
	assert_null(plan_of(two_by_three, fixed, 1, &err));
	assert_string_equal(err.msg, "--set 'name=x': edgemu sweep names its runs");
	fixed[0] = "migration.strategyx=cold"; /* not the varied path: a prefix is not one */
	{
		struct sweep_plan *p = plan_of(two_by_three, fixed, 1, &err);

		assert_non_null(p);
		assert_int_equal(
		    sweep_plan_check(p, two_by_three, strlen(two_by_three), "t.yaml", &err),
		    -EINVAL);
		assert_string_equal(err.msg, "t.yaml: --set: unknown key 'strategyx' (expected one "
					     "of: policy, strategy, steering, precopy, "
					     "tcp_established, distance, latency, proactive)");
		sweep_plan_free(p);
	}
}

static void test_t_quantiles(void **state)
{
	assert_true(isnan(sweep_t975(0)));
	assert_float_equal(sweep_t975(1), 12.706, 0.0005);
	assert_float_equal(sweep_t975(2), 4.303, 0.0005);
	assert_float_equal(sweep_t975(10), 2.228, 0.0005);
	assert_float_equal(sweep_t975(30), 2.042, 0.0005);
	assert_float_equal(sweep_t975(31), 2.040, 0.0005);
	assert_float_equal(sweep_t975(60), 2.000, 0.0005);
	assert_float_equal(sweep_t975(120), 1.980, 0.0005);
	assert_float_equal(sweep_t975(1000), 1.962, 0.0005);
	/* The expansion meets the table: no step at 30/31, falling towards 1.960. */
	assert_true(sweep_t975(31) < sweep_t975(30) && sweep_t975(31) > sweep_t975(32));
	assert_true(sweep_t975(1000000) > 1.95996 && sweep_t975(1000000) < 1.96);
}

static void test_stat(void **state)
{
	static const double five[] = {1, 2, 3, 4, 5}, same[] = {7, 7, 7};
	struct sweep_stat s;

	sweep_stat_of(five, 5, &s);
	assert_int_equal(s.n, 5);
	assert_float_equal(s.mean, 3.0, 1e-12);
	/* s = sqrt(2.5); t(4) = 2.776445 */
	assert_float_equal(s.ci95, 2.776445105 * sqrt(2.5) / sqrt(5), 1e-6);
	assert_float_equal(s.ci95, 1.963, 0.0005);
	sweep_stat_of(five, 2, &s);
	assert_float_equal(s.mean, 1.5, 1e-12);
	assert_float_equal(s.ci95, 12.706204736 * sqrt(0.5) / sqrt(2), 1e-6);
	sweep_stat_of(same, 3, &s);
	assert_float_equal(s.mean, 7, 1e-12);
	assert_float_equal(s.ci95, 0, 1e-12);
	/* One sample: a mean, no interval. None: neither. */
	sweep_stat_of(five + 3, 1, &s);
	assert_int_equal(s.n, 1);
	assert_float_equal(s.mean, 4, 1e-12);
	assert_true(isnan(s.ci95));
	sweep_stat_of(NULL, 0, &s);
	assert_int_equal(s.n, 0);
	assert_true(isnan(s.mean) && isnan(s.ci95));
}

/* As edgemu run writes them (cli/run.c write_summary), one line. */
static const char summary_a[] =
    "{\"run\":\"a\",\"duration_s\":10.000,\"ues\":[{\"ue\":\"ue1\",\"handovers\":1,"
    "\"migrations\":1,\"rtt_ms\":{\"before\":{\"n\":467,\"p50\":10.486,\"p95\":10.486,"
    "\"p99\":11.010},\"during\":{\"n\":26,\"p50\":22.020,\"p95\":26.214,\"p99\":35.951},"
    "\"after\":{\"n\":0,\"p50\":null,\"p95\":null,\"p99\":null}}}],\"migrations\":[{\"ue\":"
    "\"ue1\",\"service\":\"game\",\"from\":\"edge1\",\"to\":\"edge2\",\"ok\":true,"
    "\"downtime_ms\":27.340,\"client_gap_ms\":75.064,\"total_ms\":325.397,\"bytes\":17645512,"
    "\"reason\":\"follow-me: \\\"handover\\\" to enb2; {edge2}, [nearest]\"}],\"lateness_us\":"
    "{\"events\":202,\"p50\":36.9,\"p99\":94.2,\"max\":1177.6,\"skipped\":0},"
    "\"shaping_updates\":5,\"probe_reports\":1996,\"peak_rss_kib\":4836,\"cpu_s\":0.068,"
    "\"error\":null}\n";

/* Two UEs, two migrations done and one failed; pretty-printed. */
static const char summary_b[] =
    "{\n  \"run\": \"b\", \"duration_s\": 10.0,\n  \"ues\": [\n"
    "    {\"ue\": \"ue1\", \"handovers\": 2, \"migrations\": 2, \"rtt_ms\": {}},\n"
    "    {\"ue\": \"ue2\", \"handovers\": 1, \"migrations\": 1, \"rtt_ms\": {}}\n  ],\n"
    "  \"migrations\": [\n"
    "    {\"ok\": true, \"downtime_ms\": 30.0, \"client_gap_ms\": 80.0, \"total_ms\": 300.0,"
    " \"bytes\": 1048576},\n"
    "    {\"ok\": false, \"downtime_ms\": 0, \"client_gap_ms\": 500.0, \"total_ms\": 0.0,"
    " \"bytes\": 0},\n"
    "    {\"ok\": true, \"downtime_ms\": 10.0, \"client_gap_ms\": 40.0, \"total_ms\": 1.5e2,"
    " \"bytes\": 3145728}\n  ],\n"
    "  \"error\": null\n}\n";

/* The summary as edgemu run writes it since it says how the run ended: a failed migration
 * with its error and its real downtime (left out of the means as before). */
static const char summary_c[] =
    "{\"run\":\"c\",\"ended\":\"completed\",\"signal\":null,\"stopped_s\":null,"
    "\"error\":null,\"planned_s\":10.000,\"duration_s\":10.001,\"ues\":[{\"ue\":\"ue1\","
    "\"handovers\":1,\"migrations\":2,\"rtt_ms\":{}}],\"migrations\":[{\"ue\":\"ue1\","
    "\"service\":\"game\",\"from\":\"edge1\",\"to\":\"edge2\",\"ok\":false,"
    "\"downtime_ms\":812.500,\"downtime_until\":\"source\",\"client_gap_ms\":900.0,"
    "\"total_ms\":0.000,\"bytes\":0,\"reason\":\"follow-me\",\"error\":\"the destination "
    "(edge2) failed: \\\"oom\\\"\",\"rolled_back\":true},{\"ue\":\"ue1\",\"service\":\"game\","
    "\"from\":\"edge1\",\"to\":\"edge2\",\"ok\":true,\"downtime_ms\":20.000,"
    "\"downtime_until\":\"destination\",\"client_gap_ms\":50.000,\"total_ms\":300.000,"
    "\"bytes\":1048576,\"reason\":\"follow-me\",\"error\":null,\"rolled_back\":false}],"
    "\"lateness_us\":{\"events\":1,\"p50\":1.0,\"p99\":1.0,\"max\":1.0,\"skipped\":0},"
    "\"shaping_updates\":0,\"probe_reports\":0,\"peak_rss_kib\":1,\"cpu_s\":0.010}\n";

static void test_summary_scan(void **state)
{
	struct sweep_result a = {0}, b = {0}, x = {0};

	assert_int_equal(sweep_summary_scan(summary_a, strlen(summary_a), &a), 0);
	assert_true(a.has[SWEEP_DOWNTIME]);
	assert_float_equal(a.v[SWEEP_DOWNTIME], 27.34, 1e-9);
	assert_float_equal(a.v[SWEEP_CLIENT_GAP], 75.064, 1e-9);
	assert_float_equal(a.v[SWEEP_TOTAL], 325.397, 1e-9);
	assert_float_equal(a.v[SWEEP_MOVED], 17645512 / 1048576.0, 1e-9);
	assert_float_equal(a.v[SWEEP_MIGRATIONS], 1, 0);
	assert_float_equal(a.v[SWEEP_FAILED], 0, 0);
	assert_float_equal(a.v[SWEEP_HANDOVERS], 1, 0);
	assert_false(a.has[SWEEP_RTT_P50]);

	assert_int_equal(sweep_summary_scan(summary_b, strlen(summary_b), &b), 0);
	assert_float_equal(b.v[SWEEP_DOWNTIME], 20.0, 1e-9); /* the failed one left out */
	assert_float_equal(b.v[SWEEP_CLIENT_GAP], 60.0, 1e-9);
	assert_float_equal(b.v[SWEEP_TOTAL], 225.0, 1e-9);
	assert_float_equal(b.v[SWEEP_MOVED], 2.0, 1e-9);
	assert_float_equal(b.v[SWEEP_MIGRATIONS], 3, 0);
	assert_float_equal(b.v[SWEEP_FAILED], 1, 0);
	assert_float_equal(b.v[SWEEP_HANDOVERS], 3, 0);

	memset(&x, 0, sizeof(x));
	assert_int_equal(sweep_summary_scan(summary_c, strlen(summary_c), &x), 0);
	assert_float_equal(x.v[SWEEP_DOWNTIME], 20.0, 1e-9);
	assert_float_equal(x.v[SWEEP_MIGRATIONS], 2, 0);
	assert_float_equal(x.v[SWEEP_FAILED], 1, 0);
	memset(&x, 0, sizeof(x));

	/* No migration: counts, no downtime. */
	{
		static const char none[] = "{\"ues\":[{\"handovers\":0}],\"migrations\":[],"
					   "\"error\":null}";

		assert_int_equal(sweep_summary_scan(none, strlen(none), &x), 0);
		assert_false(x.has[SWEEP_DOWNTIME]);
		assert_true(x.has[SWEEP_MIGRATIONS]);
		assert_float_equal(x.v[SWEEP_MIGRATIONS], 0, 0);
	}
	/* A run that ended with an error, a cut file, not a summary. */
	{
		static const char *const bad[] = {
		    "{\"ues\":[],\"migrations\":[],\"error\":\"shaping radio link: EIO\"}",
		    /* interrupted: the sweep counts only runs that ran their course */
		    "{\"ended\":\"interrupted\",\"signal\":\"SIGTERM\",\"error\":null,\"ues\":[],"
		    "\"migrations\":[]}",
		    "{\"ended\":\"failed\",\"error\":\"writing x/rtt.csv: No space left on "
		    "device\","
		    "\"ues\":[],\"migrations\":[]}",
		    "{\"ues\":[{\"handovers\":1}],\"migrations\":[{\"ok\":true,",
		    "{\"ues\":[]}",
		    "[1, 2]",
		    "",
		    "{\"ues\":[],\"migrations\":[],\"x\":nul}",
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			memset(&x, 0, sizeof(x));
			assert_int_equal(sweep_summary_scan(bad[i], strlen(bad[i]), &x), -EINVAL);
		}
	}
}

static void test_rtt_scan(void **state)
{
	/* 1..100 ms in a shuffled order, two losses, a line cut short at the end. */
	char csv[8192];
	size_t n = (size_t)snprintf(csv, sizeof(csv), "t_s,ue,target,seq,rtt_ms,instance\n");
	struct sweep_result r = {0};

	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(csv + n, sizeof(csv) - n, "%d.0,ue1,game,%d,%d.000,edge1\n",
				      i, i, (i * 37) % 100 + 1);
	n += (size_t)snprintf(csv + n, sizeof(csv) - n,
			      "100.0,ue1,game,100,,\n101.0,ue1,game,101,,\n102.0,ue1");
	assert_int_equal(sweep_rtt_scan(csv, n, &r), 0);
	assert_true(r.has[SWEEP_RTT_P50] && r.has[SWEEP_LOSS]);
	/* Nearest rank. */
	assert_float_equal(r.v[SWEEP_RTT_P50], 50, 1e-9);
	assert_float_equal(r.v[SWEEP_RTT_P95], 95, 1e-9);
	assert_float_equal(r.v[SWEEP_RTT_P99], 99, 1e-9);
	assert_float_equal(r.v[SWEEP_LOSS], 100.0 * 2 / 102, 1e-9);
	/* Header only: nothing; no rtt_ms column: not an rtt.csv. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(sweep_rtt_scan("t_s,ue,target,seq,rtt_ms,instance\n", 34, &r), 0);
	assert_false(r.has[SWEEP_RTT_P50] || r.has[SWEEP_LOSS]);
	assert_int_equal(sweep_rtt_scan("a,b\n1,2\n", 8, &r), -EINVAL);
}

/* Two runs of one combination from the two summaries: the mean and t(1)'s interval. */
static void test_aggregate(void **state)
{
	static const char text[] = BASE "sweep: { repeat: 2, vary: { migration.strategy: "
					"[precopy, cold] } }\n";
	struct topo_err err = {0};
	struct sweep_plan *p = plan_of(text, NULL, 0, &err);
	struct sweep_result res[4] = {0};
	bool complete[4] = {true, false, true, false};
	struct sweep_agg agg[2];
	const struct sweep_stat *s;

	assert_non_null(p);
	assert_int_equal(p->n_runs, 4);
	/* Runs 0 and 2: combination 0, repetitions 0 and 1. */
	assert_int_equal(sweep_summary_scan(summary_a, strlen(summary_a), &res[0]), 0);
	assert_int_equal(sweep_summary_scan(summary_b, strlen(summary_b), &res[2]), 0);
	/* Run 1 has figures but is not complete: left out. */
	res[1] = res[0];
	assert_int_equal(sweep_aggregate(p, res, complete, agg), 0);
	assert_int_equal(agg[0].runs, 2);
	assert_int_equal(agg[1].runs, 0);
	s = &agg[0].m[SWEEP_DOWNTIME];
	assert_int_equal(s->n, 2);
	assert_float_equal(s->mean, (27.34 + 20.0) / 2, 1e-9);
	/* t(1) * |a - b| / 2: s = |a - b| / sqrt(2), over sqrt(2). */
	assert_float_equal(s->ci95, 12.706204736 * fabs(27.34 - 20.0) / 2, 1e-6);
	s = &agg[0].m[SWEEP_HANDOVERS];
	assert_float_equal(s->mean, 2, 1e-12);
	assert_float_equal(s->ci95, 12.706204736 * 1, 1e-6);
	assert_int_equal(agg[0].m[SWEEP_RTT_P50].n, 0);
	assert_true(isnan(agg[0].m[SWEEP_RTT_P50].mean));
	assert_int_equal(agg[1].m[SWEEP_DOWNTIME].n, 0);
	sweep_plan_free(p);
}

static unsigned count(const char *s, const char *what)
{
	unsigned n = 0;

	for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
		n++;
	return n;
}

static void test_reports(void **state)
{
	struct topo_err err = {0};
	struct sweep_plan *p = plan_of(two_by_three, NULL, 0, &err);
	struct sweep_result res[12] = {0};
	bool complete[12] = {0};
	struct sweep_agg agg[6];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	assert_non_null(p);
	/* Every run but the last: combination 6 has one run, no interval. */
	for (unsigned i = 0; i < 11; i++) {
		assert_int_equal(sweep_summary_scan(summary_a, strlen(summary_a), &res[i]), 0);
		res[i].v[SWEEP_DOWNTIME] += i;
		complete[i] = true;
	}
	assert_int_equal(sweep_aggregate(p, res, complete, agg), 0);
	assert_int_equal(agg[5].runs, 1);
	assert_true(isnan(agg[5].m[SWEEP_DOWNTIME].ci95));

	f = open_memstream(&buf, &len);
	sweep_csv_write(f, p, res, complete, agg);
	fclose(f);
	assert_int_equal(count(buf, "\n"), 12);
	assert_non_null(strstr(buf,
			       "run,combination,rep,seed,migration.strategy,links.2.rate,"
			       "downtime_ms,client_gap_ms,total_ms,moved_mib,rtt_p50_ms,"
			       "rtt_p95_ms,rtt_p99_ms,loss_pct,migrations,failed,handovers\n"));
	assert_non_null(strstr(buf, "\n7,c2-cold-1gbit,1,6,cold,1gbit,34.340,75.064,325.397,"
				    "16.828,,,,,1,0,1\n"));
	free(buf);

	f = open_memstream(&buf, &len);
	sweep_summary_csv_write(f, p, agg);
	fclose(f);
	assert_int_equal(count(buf, "\n"), 7);
	assert_non_null(strstr(buf, "combination,migration.strategy,links.2.rate,runs,"
				    "downtime_ms_n,downtime_ms_mean,downtime_ms_ci95,"));
	/* c1: downtime 27.34 and 33.34: mean 30.34, t(1) * 6 / 2. */
	assert_non_null(strstr(buf, "\nc1-cold-100mbit,cold,100mbit,2,2,30.340,38.119,"));
	assert_non_null(strstr(buf, "\nc6-postcopy-10gbit,postcopy,10gbit,1,1,32.340,,"));
	free(buf);

	f = open_memstream(&buf, &len);
	sweep_html_write(f, p, agg, "edgemu sweep: <sw>", 11);
	fclose(f);
	assert_non_null(strstr(buf, "<title>edgemu sweep: &lt;sw&gt;</title>"));
	assert_non_null(strstr(buf, "<figure id=\"bars-downtime\" data-bars=\"6\""));
	assert_non_null(strstr(buf, "<figure id=\"bars-rtt-p99\" data-bars=\"6\""));
	assert_null(strstr(buf, "id=\"bars-failed\"")); /* none failed */
	assert_int_equal(count(buf, "<figure "), SWEEP_METRIC_N - 1);
	/* RTT had no samples: no bars there; six in each of the others but loss. */
	assert_int_equal(count(buf, "class=\"bar\""), 6 * (SWEEP_METRIC_N - 1 - 4));
	assert_non_null(strstr(buf, "11 of 12 runs complete"));
	assert_non_null(strstr(buf, "<table id=\"summary\">"));
	assert_null(strstr(buf, "<script"));
	free(buf);

	f = open_memstream(&buf, &len);
	sweep_table_print(f, p, agg);
	fclose(f);
	assert_non_null(strstr(buf, "30.3 +-38.1"));
	assert_non_null(
	    strstr(buf, "\nc6           postcopy            10gbit           1         32.3"));
	assert_null(strstr(buf, "failed"));
	free(buf);
	sweep_plan_free(p);
}

/* summary.json with traffic: flows: dl's goodput, ul's none (null), a repeated name, junk. */
static const char summary_flows[] =
    "{\"run\":\"f\",\"ended\":\"completed\",\"error\":null,\"ues\":[{\"handovers\":2}],"
    "\"migrations\":[],\"flows\":[{\"name\":\"dl\",\"from\":\"cloud\",\"to\":\"ue1\","
    "\"bytes\":25000000,\"goodput_mbps\":{\"mean\":19.25,\"before\":19.7,\"during\":12.5,"
    "\"after\":19.75},\"broken\":false},{\"name\":\"up,\\\"x\\\"\",\"goodput_mbps\":"
    "{\"mean\":4}},{\"name\":\"ul\",\"goodput_mbps\":{\"mean\":null}},"
    "{\"name\":\"dl\",\"goodput_mbps\":{\"mean\":1}},{\"goodput_mbps\":{\"mean\":2}},"
    "{\"name\":\"a-name-of-81-characters-longer-than-any-flow-of-a-scenario-can-have-"
    "0123456789abc\"},3,\"x\"]}";

static void test_flows(void **state)
{
	static const char text[] = BASE "sweep: { repeat: 2, vary: { migration.strategy: "
					"[precopy, cold] } }\n";
	struct topo_err err = {0};
	struct sweep_plan *p = plan_of(text, NULL, 0, &err);
	struct sweep_result res[4] = {0};
	bool complete[4] = {true, true, true, false};
	struct sweep_agg agg[2];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	/* Each named flow once, in the file's order; a null mean is none */
	assert_int_equal(sweep_summary_scan(summary_flows, strlen(summary_flows), &res[0]), 0);
	assert_int_equal(res[0].n_flows, 3);
	assert_string_equal(res[0].flow[0], "dl");
	assert_string_equal(res[0].flow[1], "up,\"x\"");
	assert_string_equal(res[0].flow[2], "ul");
	assert_float_equal(res[0].goodput_mbps[0], 19.25, 1e-9);
	assert_float_equal(res[0].goodput_mbps[1], 4, 1e-9);
	assert_true(isnan(res[0].goodput_mbps[2]));
	assert_float_equal(res[0].v[SWEEP_HANDOVERS], 2, 0);
	/* Run 2 (combination 0's second): dl at 21.25; run 1 (combination 1): no flows */
	assert_int_equal(sweep_summary_scan(summary_flows, strlen(summary_flows), &res[2]), 0);
	res[2].goodput_mbps[0] = 21.25;
	assert_int_equal(sweep_summary_scan(summary_a, strlen(summary_a), &res[1]), 0);
	assert_int_equal(res[1].n_flows, 0);
	/* Run 3 is not complete: its flow is no column */
	res[3] = res[0];
	snprintf(res[3].flow[0], sizeof(res[3].flow[0]), "ghost");
	assert_int_equal(sweep_aggregate(p, res, complete, agg), 0);
	for (unsigned c = 0; c < 2; c++) {
		assert_int_equal(agg[c].n_flows, 3);
		assert_string_equal(agg[c].flow[0], "dl");
		assert_string_equal(agg[c].flow[2], "ul");
	}
	assert_int_equal(agg[0].goodput[0].n, 2);
	assert_float_equal(agg[0].goodput[0].mean, 20.25, 1e-9);
	assert_float_equal(agg[0].goodput[0].ci95, 12.706204736 * 1, 1e-6);
	assert_int_equal(agg[0].goodput[2].n, 0); /* ul: never a figure */
	assert_int_equal(agg[1].goodput[0].n, 0); /* combination 1 ran no flows */

	f = open_memstream(&buf, &len);
	sweep_csv_write(f, p, res, complete, agg);
	fclose(f);
	assert_non_null(strstr(buf, ",handovers,goodput_dl_mbps,\"goodput_up,\"\"x\"\"_mbps\","
				    "goodput_ul_mbps\n"));
	assert_non_null(strstr(buf, ",2,19.250,4,\n"));
	assert_non_null(strstr(buf, ",2,21.250,4,\n"));
	assert_null(strstr(buf, "ghost"));
	free(buf);

	f = open_memstream(&buf, &len);
	sweep_summary_csv_write(f, p, agg);
	fclose(f);
	assert_non_null(
	    strstr(buf, ",goodput_dl_mbps_n,goodput_dl_mbps_mean,goodput_dl_mbps_ci95,"));
	/* dl: 20.25 +- t(1); up,"x": 4 twice; ul: no figure */
	assert_non_null(strstr(buf, "\nc1-precopy,precopy,2,"));
	assert_non_null(strstr(buf, ",2,20.250,12.706,2,4,0,0,,\n"));
	free(buf);

	f = open_memstream(&buf, &len);
	sweep_html_write(f, p, agg, "flows", 3);
	fclose(f);
	assert_non_null(strstr(buf, "<figure id=\"bars-goodput-dl\" data-bars=\"2\" "
				    "data-metric=\"goodput_dl_mbps\">"));
	assert_non_null(strstr(buf, "<figure id=\"bars-goodput-up--x-\""));
	assert_non_null(strstr(buf, "<th>goodput of dl (Mbit/s)</th>"));
	assert_non_null(strstr(buf, "<td>20.2 &#177; 12.7</td>"));
	free(buf);

	f = open_memstream(&buf, &len);
	sweep_table_print(f, p, agg);
	fclose(f);
	assert_non_null(strstr(buf, "gp dl"));
	assert_non_null(strstr(buf, "Mbit/s"));
	assert_non_null(strstr(buf, "20.2 +-12.7"));
	free(buf);
	sweep_plan_free(p);
}

static void test_plan_id(void **state)
{
	static const char other[] =
	    BASE "sweep:\n  vary:\n    migration.strategy: [cold, postcopy]\n"
		 "    links.2.rate: [100mbit, 1gbit, 20gbit]\n  repeat: 2\n";
	const char *fixed[] = {"duration=3s"};
	struct topo_err err = {0};
	struct sweep_plan *p = plan_of(two_by_three, NULL, 0, &err), *q;
	uint64_t id = sweep_plan_id(p, two_by_three, strlen(two_by_three));
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	q = plan_of(two_by_three, NULL, 0, &err);
	assert_true(sweep_plan_id(q, two_by_three, strlen(two_by_three)) == id);
	sweep_plan_free(q);
	q = plan_of(two_by_three, fixed, 1, &err);
	assert_true(sweep_plan_id(q, two_by_three, strlen(two_by_three)) != id);
	sweep_plan_free(q);
	q = plan_of(other, NULL, 0, &err);
	assert_true(sweep_plan_id(q, other, strlen(other)) != id);
	sweep_plan_free(q);

	f = open_memstream(&buf, &len);
	sweep_plan_write_json(f, p, "dir/t.yaml", id);
	fclose(f);
	assert_non_null(strstr(buf, "\"scenario\": \"dir/t.yaml\""));
	assert_non_null(strstr(buf, "\"vary\": {\"migration.strategy\": [\"cold\", \"postcopy\"], "
				    "\"links.2.rate\": [\"100mbit\", \"1gbit\", \"10gbit\"]}"));
	assert_non_null(
	    strstr(buf, "{\"run\": 11, \"combination\": \"c6-postcopy-10gbit\", "
			"\"rep\": 1, \"seed\": 6, \"dir\": \"c6-postcopy-10gbit/rep-1\"}\n"));
	{
		char want[64];

		snprintf(want, sizeof(want), "\"plan_id\": \"%016llx\"", (unsigned long long)id);
		assert_non_null(strstr(buf, want));
	}
	free(buf);
	sweep_plan_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_expand),	 cmocka_unit_test(test_seed),
	    cmocka_unit_test(test_run_name),	 cmocka_unit_test(test_check_errors),
	    cmocka_unit_test(test_t_quantiles),	 cmocka_unit_test(test_stat),
	    cmocka_unit_test(test_summary_scan), cmocka_unit_test(test_rtt_scan),
	    cmocka_unit_test(test_aggregate),	 cmocka_unit_test(test_reports),
	    cmocka_unit_test(test_plan_id),	 cmocka_unit_test(test_flows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
