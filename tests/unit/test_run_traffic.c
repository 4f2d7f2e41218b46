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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_windows),
	    cmocka_unit_test(test_windows),
	    cmocka_unit_test(test_uneven),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
