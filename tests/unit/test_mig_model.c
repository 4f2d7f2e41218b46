/* SPDX-License-Identifier: MIT */
/*
 * Migration models against figures worked out apart from the code (by hand, or in a few lines
 * of Python where a sum or an exp() has many digits; the working is in each comment).
 *
 * The common case: S = 64 MiB = 67108864 bytes = 16384 pages of 4096, B = 500 Mbit/s, d = 1 ms.
 * One pass of S takes T0 = 67108864 * 8 / 500e6 = 1.073741824 s; setup (1 RTT) is 2 ms.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>

#include "migrate/model.h"

#define S_64MIB 67108864ULL
#define PAGES 16384.0
#define T0 1.073741824
#define MS 1000000ULL

static void near(double got, double want, double rel)
{
	double tol = rel * fabs(want);

	if (!(fabs(got - want) <= tol))
		fail_msg("got %.17g, want %.17g (relative %g)", got, want, rel);
}

/* The common case without framing nor execution state, so the formulas come out bare. */
static struct mig_model_params bare(double dirty_pps)
{
	struct mig_model_params p;

	mig_model_params_init(&p, S_64MIB, 500e6, 1 * MS);
	p.frame_hdr_bytes = 0;
	p.frame_pages = 0;
	p.exec_bytes = 0;
	p.dirty_pps = dirty_pps;
	return p;
}

static void test_init(void **state)
{
	struct mig_model_params p;

	mig_model_params_init(&p, 8192, 1e6, 5);
	assert_int_equal(p.state_bytes, 8192);
	assert_true(p.rate_bps == 1e6);
	assert_int_equal(p.delay_ns, 5);
	assert_int_equal(p.page_bytes, 4096);
	assert_int_equal(p.frame_hdr_bytes, 24);
	assert_int_equal(p.frame_pages, 64);
	assert_int_equal(p.exec_bytes, 56);
	assert_int_equal(p.setup_rtts, 1);
	assert_int_equal(p.ack_delays, 0);
	assert_int_equal(p.commit_ns, 0);
	assert_int_equal(p.max_rounds, 30);
	assert_int_equal(p.stop_below_pages, 256);
	assert_int_equal(p.hot_pages, 0);
	assert_int_equal(p.switch_pages, 0);
	assert_true(p.dirty_pps == 0);
}

static void test_goodput(void **state)
{
	/* 500e6 * 1448 / 1514 = 478203434.6103038 (0.9564 of the rate) */
	near(mig_model_tcp_goodput(500e6, 1500), 478203434.6103038, 1e-12);
	/* 1e9 * 8948 / 9014 = 992678056.3567784 */
	near(mig_model_tcp_goodput(1e9, 9000), 992678056.3567784, 1e-12);
	/* One payload byte in a 53-byte packet: 67 bytes charged. */
	near(mig_model_tcp_goodput(67e6, 53), 1e6, 1e-12);
	assert_true(mig_model_tcp_goodput(1e9, 52) == 0);
	assert_true(mig_model_tcp_goodput(1e9, 0) == 0);
}

static void test_dirty_pages(void **state)
{
	assert_true(mig_model_dirty_pages(0, PAGES) == 0);
	assert_true(mig_model_dirty_pages(100, 0) == 0);
	/* As many writes as pages: N (1 - 1/e) = 16384 * 0.63212055882855767 = 10356.66323584709 */
	near(mig_model_dirty_pages(PAGES, PAGES), 10356.66323584709, 1e-12);
	/* One write among a million pages: 1e6 (1 - exp(-1e-6)) = 0.9999995000001666 */
	near(mig_model_dirty_pages(1, 1e6), 0.9999995000001666, 1e-12);
	/* Many writes fill every page and no more. */
	near(mig_model_dirty_pages(1e9, 512), 512, 1e-15);
	assert_true(mig_model_dirty_pages(1e9, 512) <= 512);
}

static void test_cold(void **state)
{
	struct mig_model_params p = bare(0);
	struct mig_model_result r = {0};

	/* 2 ms setup + T0 + 1 ms for the last byte: 1.076741824 s; frozen all along. */
	assert_int_equal(mig_model_cold(&p, &r), 0);
	near(r.total_s, 1.076741824, 1e-12);
	near(r.downtime_s, 1.076741824, 1e-12);
	near(r.bytes, 67108864, 1e-15);
	assert_int_equal(r.rounds, 0);
	assert_true(r.converges);

	/* The agent's wire: 16384 / 64 = 256 frames of 24 bytes = 6144, and the 56-byte commit:
	 * 67115064 bytes, 67115064 * 8 / 500e6 + 3 ms = 1.076841024 s. */
	mig_model_params_init(&p, S_64MIB, 500e6, 1 * MS);
	assert_int_equal(mig_model_cold(&p, &r), 0);
	near(r.bytes, 67115064, 1e-15);
	near(r.downtime_s, 1.076841024, 1e-12);
	near(r.total_s, 1.076841024, 1e-12);

	/* The final ack adds d to the total alone; commit_ns to both. */
	p.ack_delays = 1;
	p.commit_ns = 5 * MS;
	assert_int_equal(mig_model_cold(&p, &r), 0);
	near(r.downtime_s, 1.081841024, 1e-12);
	near(r.total_s, 1.082841024, 1e-12);

	/* No handshake (connection already open): 1 ms + T0 = 1.074741824 s. */
	p = bare(0);
	p.setup_rtts = 0;
	assert_int_equal(mig_model_cold(&p, &r), 0);
	near(r.total_s, 1.074741824, 1e-12);
}

static void test_precopy_idle(void **state)
{
	struct mig_model_params p = bare(0);
	struct mig_model_result r = {0};

	/* w = 0: round 0 sends S live, nothing is dirty after it, the stop-and-copy sends 0 pages:
	 * downtime = d = 1 ms, total = cold's 1.076741824 s, bytes = S. */
	assert_int_equal(mig_model_precopy(&p, &r), 0);
	assert_int_equal(r.rounds, 1);
	assert_true(r.converges);
	near(r.downtime_s, 0.001, 1e-12);
	near(r.total_s, 1.076741824, 1e-12);
	near(r.bytes, 67108864, 1e-15);

	assert_int_equal(mig_model_precopy_sat(&p, &r), 0);
	assert_int_equal(r.rounds, 1);
	near(r.downtime_s, 0.001, 1e-12);
	near(r.bytes, 67108864, 1e-15);
}

static void test_precopy_series(void **state)
{
	struct mig_model_params p = bare(1000);
	struct mig_model_result r = {0};
	double ratio = 0.065536, sum;

	/*
	 * r = 1000 * 4096 * 8 / 500e6 = 32768000 / 500e6 = 0.065536 (= 2^16 / 10^6).
	 * V_0 = 16384 pages, V_1 = 16384 r = 1073.741824 (> 256, live),
	 * V_2 = 16384 r^2 = 70.368744177664 (<= 256): 2 live rounds, 70.37 pages frozen.
	 * bytes = S (1 - r^3) / (1 - r) = 4096 * 17528.110568177664 = 71795140.88725571
	 * downtime = T0 r^2 + d = 0.0046116860184273875 + 0.001 = 0.0056116860184273875
	 * total = 3 ms + T0 (1 + r + r^2) = 1.1517222541960914
	 */
	near(mig_model_ratio(&p), ratio, 1e-12);
	assert_int_equal(mig_model_precopy(&p, &r), 0);
	assert_int_equal(r.rounds, 2);
	assert_true(r.converges);
	near(r.bytes, 71795140.88725571, 1e-9);
	sum = 67108864.0 * (1 - ratio * ratio * ratio) / (1 - ratio);
	near(r.bytes, sum, 1e-9);
	near(r.downtime_s, 0.0056116860184273875, 1e-9);
	near(r.total_s, 1.1517222541960914, 1e-9);

	/* With the frame headers a page costs 4096 + 24/64 = 4096.375 bytes on the stream:
	 * r = 1000 * 4096.375 * 8 / 500e6 = 0.065542. */
	mig_model_params_init(&p, S_64MIB, 500e6, 1 * MS);
	p.dirty_pps = 1000;
	near(mig_model_ratio(&p), 0.065542, 1e-12);
}

static void test_precopy_diverges(void **state)
{
	struct mig_model_params p = bare(20000);
	struct mig_model_result r = {0};

	/*
	 * r = 20000 * 32768 / 500e6 = 1.31072: every round dirties more than all 16384 pages, so
	 * every round (capped) resends all of them until max_rounds = 5: 5 live rounds and all
	 * 16384 pages frozen. bytes = 6 S = 402653184, downtime = T0 + d = 1.074741824,
	 * total = 3 ms + 6 T0 = 6.445450944.
	 */
	p.max_rounds = 5;
	near(mig_model_ratio(&p), 1.31072, 1e-12);
	assert_int_equal(mig_model_precopy(&p, &r), 0);
	assert_int_equal(r.rounds, 5);
	assert_false(r.converges);
	near(r.bytes, 402653184, 1e-12);
	near(r.downtime_s, 1.074741824, 1e-12);
	near(r.total_s, 6.445450944, 1e-12);

	/* A huge max_rounds is still bounded (and quick): (1e6 + 1) S. */
	p.max_rounds = 1000000;
	assert_int_equal(mig_model_precopy(&p, &r), 0);
	assert_int_equal(r.rounds, 1000000);
	near(r.bytes, 1000001.0 * 67108864, 1e-12);

	/*
	 * Saturating: V_{i+1} = N (1 - exp(-r V_i / N)) from V_0 = N (Python):
	 * 16384, 11966.449977513304, 10093.822745656733, 9077.243783791468, 8458.180303467403,
	 * 8055.771032924602 (heading for the fixed point 7099.56). Sum 64035.467843353515 pages:
	 * bytes = 262289276.286376, downtime = 8055.771 * 32768 / 500e6 + d = 0.5289430104137467,
	 * total = 3 ms + sum * 32768 / 500e6 = 4.199628420582016.
	 */
	p.max_rounds = 5;
	assert_int_equal(mig_model_precopy_sat(&p, &r), 0);
	assert_int_equal(r.rounds, 5);
	assert_false(r.converges);
	near(r.bytes, 262289276.286376, 1e-9);
	near(r.downtime_s, 0.5289430104137467, 1e-9);
	near(r.total_s, 4.199628420582016, 1e-9);

	/* r = 1 exactly (w = 500e6 / 32768 = 15258.7890625): not converging either. */
	p = bare(15258.7890625);
	p.max_rounds = 3;
	assert_true(mig_model_ratio(&p) == 1);
	assert_int_equal(mig_model_precopy(&p, &r), 0);
	assert_false(r.converges);
	assert_int_equal(r.rounds, 3);
	near(r.bytes, 4.0 * 67108864, 1e-12);
}

static void test_precopy_stop(void **state)
{
	struct mig_model_params p = bare(1000);
	struct mig_model_result r = {0};

	/* V_1 = 1073.741824: at stop_below 1074 it is frozen after one live round.
	 * downtime = T0 r + d = 0.070368744177664 + 0.001 = 0.071368744177664,
	 * total = 3 ms + T0 (1 + r) = 1.147110568177664, bytes = 4096 (16384 + 1073.741824). */
	p.stop_below_pages = 1074;
	assert_int_equal(mig_model_precopy(&p, &r), 0);
	assert_int_equal(r.rounds, 1);
	near(r.downtime_s, 0.071368744177664, 1e-12);
	near(r.total_s, 1.147110568177664, 1e-12);
	near(r.bytes, 4096 * 17457.741824, 1e-12);

	/* One page less and it takes another round. */
	p.stop_below_pages = 1073;
	assert_int_equal(mig_model_precopy(&p, &r), 0);
	assert_int_equal(r.rounds, 2);

	/* max_rounds 1 stops at the same place as stop_below 1074. */
	p.stop_below_pages = 0;
	p.max_rounds = 1;
	assert_int_equal(mig_model_precopy(&p, &r), 0);
	assert_int_equal(r.rounds, 1);
	near(r.downtime_s, 0.071368744177664, 1e-12);

	/* The whole state under the threshold, or no live round allowed: all of it frozen,
	 * after the handshake. downtime = T0 + d = 1.074741824, total = cold's 1.076741824. */
	p.max_rounds = 30;
	p.stop_below_pages = 16384;
	assert_int_equal(mig_model_precopy(&p, &r), 0);
	assert_int_equal(r.rounds, 0);
	near(r.downtime_s, 1.074741824, 1e-12);
	near(r.total_s, 1.076741824, 1e-12);
	p.stop_below_pages = 256;
	p.max_rounds = 0;
	assert_int_equal(mig_model_precopy(&p, &r), 0);
	assert_int_equal(r.rounds, 0);
	near(r.downtime_s, 1.074741824, 1e-12);
}

static void test_precopy_saturating(void **state)
{
	struct mig_model_params p = bare(1000);
	struct mig_model_result plain = {0}, sat = {0};
	double w;

	/*
	 * V_1 = 16384 (1 - exp(-1073.741824 / 16384)) = 1039.3136365428177,
	 * V_2 = 16384 (1 - exp(-0.065536 * 1039.3136 / 16384)) = 67.97107406216139 (Python):
	 * 2 rounds, bytes = 4096 * 17491.28471 = 71644302.174638,
	 * downtime = 67.971 * 32768 / 500e6 + d = 0.005454552309737809.
	 */
	assert_int_equal(mig_model_precopy_sat(&p, &sat), 0);
	assert_int_equal(sat.rounds, 2);
	assert_true(sat.converges);
	near(sat.bytes, 71644302.174638, 1e-9);
	near(sat.downtime_s, 0.005454552309737809, 1e-9);

	/*
	 * Hot set of 512 pages. Plain: V_1 = min(1073.74, 512) = 512, V_2 = 512 r = 33.554432:
	 * 2 rounds, bytes = 4096 * 16929.554432 = 69343454.953472,
	 * downtime = 33.554432 * 32768 / 500e6 + d = 0.003199023255552.
	 * Saturating: V_1 = 512 (1 - exp(-1073.741824 / 512)) = 449.12349119443934,
	 * V_2 = 512 (1 - exp(-0.065536 * 449.1235 / 512)) = 28.603698045530443: bytes =
	 * 69065634.56712693, downtime 0.002874571955111883, total 1.1080501530740308.
	 */
	p.hot_pages = 512;
	assert_int_equal(mig_model_precopy(&p, &plain), 0);
	assert_int_equal(plain.rounds, 2);
	near(plain.bytes, 69343454.953472, 1e-9);
	near(plain.downtime_s, 0.003199023255552, 1e-9);
	assert_int_equal(mig_model_precopy_sat(&p, &sat), 0);
	assert_int_equal(sat.rounds, 2);
	near(sat.bytes, 69065634.56712693, 1e-9);
	near(sat.downtime_s, 0.002874571955111883, 1e-9);
	near(sat.total_s, 1.1080501530740308, 1e-9);

	/* A hot set under the threshold: frozen after round 0, 200 (1 - exp(-5.3687)) pages
	 * = 199.06 at most. */
	p.hot_pages = 200;
	assert_int_equal(mig_model_precopy_sat(&p, &sat), 0);
	assert_int_equal(sat.rounds, 1);
	assert_true(sat.downtime_s <= 200 * 32768 / 500e6 + 0.001);

	/* Never more rounds, bytes or time than the plain series (whose sets it never exceeds);
	 * the downtime may go either way (it can stop a round earlier on a bigger set). */
	for (w = 0; w <= 40000; w += 250) {
		p = bare(w);
		assert_int_equal(mig_model_precopy(&p, &plain), 0);
		assert_int_equal(mig_model_precopy_sat(&p, &sat), 0);
		assert_true(sat.rounds <= plain.rounds);
		assert_true(sat.bytes <= plain.bytes * (1 + 1e-12));
		assert_true(sat.total_s <= plain.total_s * (1 + 1e-12));
	}
}

static void test_postcopy(void **state)
{
	struct mig_model_params p = bare(1000);
	struct mig_model_result post = {0}, pre = {0};

	/*
	 * 256 client-table pages at the switch: downtime = 256 * 32768 / 500e6 + d
	 * = 0.016777216 + 0.001 = 0.017777216; total = 2 ms + T0 + 1 ms = 1.076741824; bytes = S.
	 */
	p.switch_pages = 256;
	assert_int_equal(mig_model_postcopy(&p, &post), 0);
	near(post.downtime_s, 0.017777216, 1e-12);
	near(post.total_s, 1.076741824, 1e-12);
	near(post.bytes, 67108864, 1e-15);
	assert_int_equal(post.rounds, 0);
	assert_true(post.converges);

	/* At w = 1000 pre-copy freezes 70.37 pages (5.6 ms): fewer than the table's 256. */
	assert_int_equal(mig_model_precopy(&p, &pre), 0);
	assert_true(post.downtime_s > pre.downtime_s);

	/* Where pre-copy does not converge (r = 1.31) it freezes all 16384 pages, 1.0747 s: 60
	 * times post-copy's 17.8 ms, whose downtime does not depend on w. */
	p.dirty_pps = 20000;
	assert_int_equal(mig_model_precopy(&p, &pre), 0);
	assert_int_equal(mig_model_postcopy(&p, &post), 0);
	near(post.downtime_s, 0.017777216, 1e-12);
	assert_true(post.downtime_s * 50 < pre.downtime_s);

	/* The execution state alone: 56 bytes and 0 pages, 56 * 8 / 500e6 + d = 0.001000896. */
	mig_model_params_init(&p, S_64MIB, 500e6, 1 * MS);
	assert_int_equal(mig_model_postcopy(&p, &post), 0);
	near(post.downtime_s, 0.001000896, 1e-12);
	near(post.bytes, 67115064, 1e-15);

	/* A destination slower to serve than the push: the total waits for it. 2 ms + 5 s. */
	p = bare(0);
	p.commit_ns = 5000 * MS;
	assert_int_equal(mig_model_postcopy(&p, &post), 0);
	near(post.total_s, 5.003, 1e-12);
}

static void refused(const struct mig_model_params *p)
{
	struct mig_model_result r = {.total_s = 42, .rounds = 7};

	assert_int_equal(mig_model_cold(p, &r), -EINVAL);
	assert_int_equal(mig_model_precopy(p, &r), -EINVAL);
	assert_int_equal(mig_model_precopy_sat(p, &r), -EINVAL);
	assert_int_equal(mig_model_postcopy(p, &r), -EINVAL);
	assert_true(isnan(mig_model_ratio(p)));
	assert_true(r.total_s == 42 && r.rounds == 7);
}

static void test_refused(void **state)
{
	struct mig_model_params p;

	p = bare(0), p.state_bytes = 0, refused(&p);
	p = bare(0), p.page_bytes = 0, refused(&p);
	p = bare(0), p.rate_bps = 0, refused(&p);
	p = bare(0), p.rate_bps = -1, refused(&p);
	p = bare(0), p.rate_bps = INFINITY, refused(&p);
	p = bare(0), p.rate_bps = NAN, refused(&p);
	p = bare(-1), refused(&p);
	p = bare(NAN), refused(&p);
	p = bare(INFINITY), refused(&p);
	p = bare(0), p.hot_pages = 16385, refused(&p);
	p = bare(0), p.switch_pages = 16385, refused(&p);
	p = bare(0), p.frame_pages = 64, refused(&p);
	p = bare(0), p.frame_hdr_bytes = 24, refused(&p);

	/* The edges that are fine. */
	p = bare(0);
	p.hot_pages = 16384;
	p.switch_pages = 16384;
	assert_false(isnan(mig_model_ratio(&p)));
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_goodput),
		cmocka_unit_test(test_dirty_pages),
		cmocka_unit_test(test_cold),
		cmocka_unit_test(test_precopy_idle),
		cmocka_unit_test(test_precopy_series),
		cmocka_unit_test(test_precopy_diverges),
		cmocka_unit_test(test_precopy_stop),
		cmocka_unit_test(test_precopy_saturating),
		cmocka_unit_test(test_postcopy),
		cmocka_unit_test(test_refused),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
