/* SPDX-License-Identifier: MIT */
/*
 * A flow's goodput phases (run/traffic.c, run_traffic_phases): made-up reports against
 * made-up windows, every report's phase and each phase's goodput checked by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "run/run_int.h"

#define R(a_ms, b_ms, bytes)                                                                       \
	{                                                                                          \
		(a_ms) * MS, (b_ms)*MS, (bytes)                                                    \
	}

/* 100 ms reports of 125000 bytes: 10 Mbit/s each. */
static void test_no_windows(void **state)
{
	const struct run_tput_report v[] = {R(0, 100, 125000), R(100, 200, 125000), R(200, 300, 0)};
	struct run_goodput g;

	(void)state;
	run_traffic_phases(v, 3, NULL, 0, &g);
	assert_float_equal(g.mean, 250000 * 8e3 / 300e6, 1e-9);
	assert_float_equal(g.phase[RUN_PHASE_BEFORE], g.mean, 1e-9);
	assert_true(isnan(g.phase[RUN_PHASE_DURING]));
	assert_true(isnan(g.phase[RUN_PHASE_AFTER]));
	/* No report at all: nothing anywhere. */
	run_traffic_phases(NULL, 0, NULL, 0, &g);
	assert_true(isnan(g.mean));
	for (int p = 0; p < RUN_PHASES; p++)
		assert_true(isnan(g.phase[p]));
}

/*
 * Windows [1000, 1500) and [3000, open). Reports: before (ends at 1000: touching is not
 * overlapping), during (overlaps the first by 1 ms, inside it, overlaps its end), after
 * (between the windows, starting at the first's end), during (the open window).
 */
static void test_windows(void **state)
{
	const struct run_window w[] = {{3000 * MS, UINT64_MAX}, {1000 * MS, 1500 * MS}};
	const struct run_tput_report v[] = {
	    R(800, 900, 100000),  /* before */
	    R(900, 1000, 100000), /* before: ends at the first window's start */
	    R(901, 1001, 10000),  /* during */
	    R(1200, 1300, 0),	  /* during */
	    R(1450, 1550, 20000), /* during */
	    R(1500, 1600, 50000), /* after: starts at the window's end */
	    R(2900, 3000, 50000), /* after */
	    R(3100, 3200, 30000), /* during the open window */
	};
	struct run_goodput g;

	(void)state;
	run_traffic_phases(v, 8, w, 2, &g);
	assert_float_equal(g.phase[RUN_PHASE_BEFORE], 200000 * 8e3 / 200e6, 1e-9);
	assert_float_equal(g.phase[RUN_PHASE_DURING], 60000 * 8e3 / 400e6, 1e-9);
	assert_float_equal(g.phase[RUN_PHASE_AFTER], 100000 * 8e3 / 200e6, 1e-9);
	assert_float_equal(g.mean, 360000 * 8e3 / 800e6, 1e-9);
}

/* A report may be uneven (the last one at a connection's end): time-weighted. */
static void test_uneven(void **state)
{
	const struct run_window w[] = {{0, 50 * MS}};
	const struct run_tput_report v[] = {R(0, 20, 1000), R(100, 200, 125000),
					    R(200, 210, 12500)};
	struct run_goodput g;

	(void)state;
	run_traffic_phases(v, 3, w, 1, &g);
	assert_float_equal(g.phase[RUN_PHASE_DURING], 1000 * 8e3 / 20e6, 1e-9);
	assert_true(isnan(g.phase[RUN_PHASE_BEFORE]));
	assert_float_equal(g.phase[RUN_PHASE_AFTER], 137500 * 8e3 / 110e6, 1e-9);
}

static void handover(struct runner *r, enum mob_ho_reason why, uint64_t t_ms, uint64_t link_ms)
{
	struct mob_ho_event ev = {.t_ns = t_ms * MS, .reason = why, .link_at_ns = link_ms * MS};

	run_traffic_handover(r, 1, &ev);
}

/*
 * A flow to UE node 1, its windows from its handovers and its service's migration: the
 * first attach (none), an A3 handover at 1 s linked again at 1.04 s (1 s to 2.04 s), a
 * detach at 5 s until an attach at 6 s (5 s to 7 s), a migration decided at 8 s and ended at
 * 8.5 s (8 s to 9.5 s). Reports every 100 ms for 10 s: 1000 bytes in those expected during,
 * 10 in the others, so a report put in the wrong phase shows in its goodput.
 */
static void test_flow_windows(void **state)
{
	struct topo_node nodes[2] = {{.name = "cloud"}, {.name = "ue1", .kind = TOPO_UE}};
	struct topo_flow tf = {.name = "dl", .from = 0, .to = 1};
	struct topo_model m = {.nodes = nodes, .n_nodes = 2, .flows = &tf, .n_flows = 1};
	struct runner *r = calloc(1, sizeof(*r));
	struct run_tput_report v[100];
	struct run_flow fl = {0};
	struct run_goodput g;
	int ue_of[2] = {-1, 0};

	(void)state;
	assert_non_null(r);
	r->m = &m;
	r->ue_of = ue_of;
	r->n_ue_of = 2;
	r->flows = &fl;
	handover(r, MOB_HO_ATTACH, 0, 0);
	handover(r, MOB_HO_A3, 1000, 1040);
	handover(r, MOB_HO_DETACH, 5000, 5000);
	handover(r, MOB_HO_ATTACH, 6000, 6000);
	assert_int_equal(r->n_ho_w, 2);
	r->migs[0] = (struct migration){.ue = 1, .decided_ns = 8000 * MS, .done = true};
	r->migs[0].rep.end_ns = 8500 * MS;
	r->n_migs = 1;
	for (unsigned k = 0; k < 100; k++) {
		uint64_t a = k * 100, b = a + 100;
		bool during =
		    (a < 2040 && b > 1000) || (a < 7000 && b > 5000) || (a < 9500 && b > 8000);

		v[k] = (struct run_tput_report){a * MS, b * MS, during ? 1000 : 10};
	}
	fl.reps = v;
	fl.n_reps = 100;
	run_traffic_goodput(r, 0, &g);
	assert_float_equal(g.phase[RUN_PHASE_BEFORE], 10 * 8e3 / 100e6, 1e-12);
	assert_float_equal(g.phase[RUN_PHASE_DURING], 1000 * 8e3 / 100e6, 1e-12);
	assert_float_equal(g.phase[RUN_PHASE_AFTER], 10 * 8e3 / 100e6, 1e-12);
	/* A flow without a UE endpoint: all before, whatever the UEs did. */
	tf.to = 0;
	tf.from = 0;
	run_traffic_goodput(r, 0, &g);
	assert_float_equal(g.phase[RUN_PHASE_BEFORE], g.mean, 1e-12);
	assert_true(isnan(g.phase[RUN_PHASE_DURING]) && isnan(g.phase[RUN_PHASE_AFTER]));
	r->flows = NULL;
	run_traffic_free(r);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_windows),
	    cmocka_unit_test(test_windows),
	    cmocka_unit_test(test_uneven),
	    cmocka_unit_test(test_flow_windows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
