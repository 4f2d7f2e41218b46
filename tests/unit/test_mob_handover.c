/* SPDX-License-Identifier: MIT */
/* A3 handover: hysteresis, time-to-trigger, radio link failure, and a UE driving by. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <string.h>

#include "mobility/handover.h"
#include "mobility/mobility.h"
#include "mobility/radio.h"
#include "tests/unit/support.h"

#define MS 1000000ULL

/* SCENARIO.md's handover: 3 dB, 160 ms, 40 ms; min_signal -110 dBm. */
static const struct mob_ho_params def = {
    .hysteresis_db = 3,
    .ttt_ns = 160 * MS,
    .interruption_ns = 40 * MS,
    .min_signal_dbm = -110,
};

static struct mob_ho *new_ho(const struct mob_ho_params *p, unsigned n)
{
	struct mob_ho *h = NULL;

	assert_int_equal(mob_ho_new(p, n, &h), 0);
	assert_non_null(h);
	return h;
}

/* One tick with two cells; returns what mob_ho_tick returned. */
static int tick2(struct mob_ho *h, uint64_t t, double s0, double s1, struct mob_ho_event *ev)
{
	const double s[2] = {s0, s1};

	return mob_ho_tick(h, t, s, ev);
}

/* Attaches to cell 0 at t = 0 with the given signals. */
static struct mob_ho *attached(const struct mob_ho_params *p, double s0, double s1)
{
	struct mob_ho *h = new_ho(p, 2);
	struct mob_ho_event ev;

	assert_int_equal(tick2(h, 0, s0, s1, &ev), 1);
	assert_int_equal(ev.to, 0);
	return h;
}

static void test_attach(void **state)
{
	struct mob_ho *h = new_ho(&def, 3);
	struct mob_ho_event ev;

	/* Nothing in range yet: no cell, no link. */
	assert_int_equal(mob_ho_tick(h, 0, (const double[]){NAN, -120, -111}, &ev), 0);
	assert_int_equal(mob_ho_serving(h), -1);
	assert_false(mob_ho_link_up(h, 0));
	/* Then the strongest cell, at once and without interruption. */
	assert_int_equal(mob_ho_tick(h, 100 * MS, (const double[]){-90, -70, -80}, &ev), 1);
	assert_int_equal(ev.t_ns, 100 * MS);
	assert_int_equal(ev.from, -1);
	assert_int_equal(ev.to, 1);
	assert_int_equal(ev.reason, MOB_HO_ATTACH);
	assert_int_equal(ev.link_at_ns, 100 * MS);
	assert_int_equal(mob_ho_serving(h), 1);
	assert_true(mob_ho_link_up(h, 100 * MS));
	assert_string_equal(mob_ho_reason_name(ev.reason), "attach");
	assert_string_equal(mob_ho_reason_name(MOB_HO_A3), "a3");
	assert_string_equal(mob_ho_reason_name(MOB_HO_RLF), "rlf");
	assert_string_equal(mob_ho_reason_name(MOB_HO_DETACH), "detach");
	/* Time does not go back. */
	assert_int_equal(mob_ho_tick(h, 99 * MS, (const double[]){-90, -70, -80}, &ev), -EINVAL);
	assert_int_equal(mob_ho_tick(h, 100 * MS, (const double[]){-90, -70, -80}, &ev), 0);
	mob_ho_free(h);
	mob_ho_free(NULL);
}

static void test_params(void **state)
{
	struct mob_ho_params p = def;
	struct mob_ho *h = NULL;

	assert_int_equal(mob_ho_new(&def, 0, &h), -EINVAL);
	p.hysteresis_db = -1;
	assert_int_equal(mob_ho_new(&p, 2, &h), -EINVAL);
	p = def;
	p.min_signal_dbm = NAN;
	assert_int_equal(mob_ho_new(&p, 2, &h), -EINVAL);
	assert_null(h);
	/* -inf: the caller passes NaN for cells out of range itself. */
	p.min_signal_dbm = -INFINITY;
	assert_int_equal(mob_ho_new(&p, 2, &h), 0);
	mob_ho_free(h);
}

/* Better, but by no more than the hysteresis: never a handover, however long. */
static void test_within_hysteresis(void **state)
{
	struct mob_ho *h = attached(&def, -80, -90);
	struct mob_ho_event ev;

	for (uint64_t t = 100 * MS; t < 60000 * MS; t += 100 * MS)
		assert_int_equal(tick2(h, t, -80, -77.5, &ev), 0);
	/* Exactly the hysteresis is not more than it. */
	for (uint64_t t = 60000 * MS; t < 70000 * MS; t += 100 * MS)
		assert_int_equal(tick2(h, t, -80, -77, &ev), 0);
	assert_int_equal(mob_ho_serving(h), 0);
	mob_ho_free(h);
}

/* Better by more than the hysteresis, but never for ttt in a row: a dip restarts the timer. */
static void test_short_of_ttt(void **state)
{
	struct mob_ho *h = attached(&def, -80, -90);
	struct mob_ho_event ev;
	uint64_t t = 100 * MS;

	for (int i = 0; i < 200; i++, t += 100 * MS)
		/* better at two ticks out of three: 100 ms of a 160 ms ttt, then a dip */
		assert_int_equal(tick2(h, t, -80, i % 3 == 2 ? -79 : -70, &ev), 0);
	/* A neighbour out of range counts as not better, so it restarts the timer too. */
	for (int i = 0; i < 200; i++, t += 100 * MS)
		assert_int_equal(tick2(h, t, -80, i % 3 == 0 ? NAN : -70, &ev), 0);
	assert_int_equal(mob_ho_serving(h), 0);
	mob_ho_free(h);

	/* 10 ms ticks: better for 150 ms, one dip, then a whole ttt again from the dip's end. */
	h = attached(&def, -80, -90);
	for (t = 1000 * MS; t < 1150 * MS; t += 10 * MS)
		assert_int_equal(tick2(h, t, -80, -75, &ev), 0);
	assert_int_equal(tick2(h, 1150 * MS, -80, -78, &ev), 0);
	for (t = 1160 * MS; t < 1320 * MS; t += 10 * MS)
		assert_int_equal(tick2(h, t, -80, -75, &ev), 0);
	assert_int_equal(tick2(h, 1320 * MS, -80, -75, &ev), 1);
	assert_int_equal(ev.reason, MOB_HO_A3);
	mob_ho_free(h);
}

/* With 10 ms ticks: nothing at ttt - 10 ms, the handover exactly at ttt, then no other. */
static void test_at_ttt(void **state)
{
	struct mob_ho *h = attached(&def, -80, -90);
	struct mob_ho_event ev;
	int events = 0;

	for (uint64_t t = 10 * MS; t < 1000 * MS; t += 10 * MS)
		assert_int_equal(tick2(h, t, -80, -90, &ev), 0);
	/* From t = 1000 ms on, cell 1 is 5 dB better. */
	for (uint64_t t = 1000 * MS; t < 1160 * MS; t += 10 * MS)
		assert_int_equal(tick2(h, t, -80, -75, &ev), 0);
	assert_int_equal(tick2(h, 1160 * MS, -80, -75, &ev), 1);
	assert_int_equal(ev.t_ns, 1160 * MS);
	assert_int_equal(ev.from, 0);
	assert_int_equal(ev.to, 1);
	assert_int_equal(ev.reason, MOB_HO_A3);
	assert_int_equal(ev.link_at_ns, 1200 * MS);
	/* The interruption: no link for 40 ms. */
	assert_false(mob_ho_link_up(h, 1160 * MS));
	assert_false(mob_ho_link_up(h, 1199 * MS));
	assert_true(mob_ho_link_up(h, 1200 * MS));
	for (uint64_t t = 1170 * MS; t < 10000 * MS; t += 10 * MS)
		events += tick2(h, t, -80, -75, &ev);
	assert_int_equal(events, 0);
	assert_int_equal(mob_ho_serving(h), 1);
	mob_ho_free(h);

	/* ttt 0: the first tick the neighbour is better. */
	{
		struct mob_ho_params p = def;

		p.ttt_ns = 0;
		h = attached(&p, -80, -90);
		assert_int_equal(tick2(h, 100 * MS, -80, -76.9, &ev), 1);
		assert_int_equal(ev.reason, MOB_HO_A3);
		mob_ho_free(h);
	}
}

/* Of several neighbours ready at once, the strongest. */
static void test_strongest_neighbour(void **state)
{
	struct mob_ho *h = new_ho(&def, 3);
	struct mob_ho_event ev;
	uint64_t t;

	assert_int_equal(mob_ho_tick(h, 0, (const double[]){-80, -90, -90}, &ev), 1);
	for (t = 100 * MS; t < 300 * MS; t += 100 * MS)
		assert_int_equal(mob_ho_tick(h, t, (const double[]){-80, -70, -65}, &ev), 0);
	assert_int_equal(mob_ho_tick(h, t, (const double[]){-80, -70, -65}, &ev), 1);
	assert_int_equal(ev.to, 2);
	mob_ho_free(h);
}

/* Two equal cells with the signal wobbling +-1.4 dB each: hysteresis stops the ping-pong. */
static int wobble(const struct mob_ho_params *p)
{
	struct mob_ho *h = attached(p, -80, -80);
	struct mob_ho_event ev;
	uint64_t rng = 1;
	int events = 0;

	for (uint64_t t = 100 * MS; t < 600000 * MS; t += 100 * MS) {
		double d[2];

		for (int i = 0; i < 2; i++) {
			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			d[i] = ((double)(rng >> 11) / (double)(1ULL << 53) - 0.5) * 2.8;
		}
		events += tick2(h, t, -80 + d[0], -80 + d[1], &ev);
	}
	mob_ho_free(h);
	return events;
}

static void test_ping_pong(void **state)
{
	struct mob_ho_params p = def;

	assert_int_equal(wobble(&def), 0);
	/* The same with neither hysteresis nor ttt flips all the time: the test can tell. */
	p.hysteresis_db = 0;
	p.ttt_ns = 0;
	assert_true(wobble(&p) > 1000);
	/* ttt alone does not stop it: hysteresis does the work. */
	p.ttt_ns = 160 * MS;
	assert_true(wobble(&p) > 10);
}

static void test_rlf(void **state)
{
	struct mob_ho *h = new_ho(&def, 3);
	struct mob_ho_event ev;

	assert_int_equal(mob_ho_tick(h, 0, (const double[]){-80, -100, -105}, &ev), 1);
	assert_int_equal(ev.to, 0);
	/* The serving cell drops below min_signal: to the best other cell at once, no ttt. */
	assert_int_equal(mob_ho_tick(h, 100 * MS, (const double[]){-110.5, -100, -105}, &ev), 1);
	assert_int_equal(ev.t_ns, 100 * MS);
	assert_int_equal(ev.from, 0);
	assert_int_equal(ev.to, 1);
	assert_int_equal(ev.reason, MOB_HO_RLF);
	assert_int_equal(ev.link_at_ns, 140 * MS);
	assert_false(mob_ho_link_up(h, 100 * MS));
	assert_true(mob_ho_link_up(h, 140 * MS));
	/* NaN is no link as well; cell 0 (-105) is the best left. */
	assert_int_equal(mob_ho_tick(h, 200 * MS, (const double[]){-105, NAN, -108}, &ev), 1);
	assert_int_equal(ev.to, 0);
	assert_int_equal(ev.reason, MOB_HO_RLF);
	/* Every cell lost: detached, no link; the first cell back is attached to. */
	assert_int_equal(mob_ho_tick(h, 300 * MS, (const double[]){-111, -120, NAN}, &ev), 1);
	assert_int_equal(ev.from, 0);
	assert_int_equal(ev.to, -1);
	assert_int_equal(ev.reason, MOB_HO_DETACH);
	assert_int_equal(mob_ho_serving(h), -1);
	assert_false(mob_ho_link_up(h, 10000 * MS));
	assert_int_equal(mob_ho_tick(h, 400 * MS, (const double[]){-111, -120, NAN}, &ev), 0);
	assert_int_equal(mob_ho_tick(h, 500 * MS, (const double[]){-111, -109, NAN}, &ev), 1);
	assert_int_equal(ev.from, -1);
	assert_int_equal(ev.to, 1);
	assert_int_equal(ev.reason, MOB_HO_ATTACH);
	assert_true(mob_ho_link_up(h, 500 * MS));
	mob_ho_free(h);
}

/*
 * A UE drives from enb1 (x = 0) to enb2 (x = 800 m) in 30 s with SCENARIO.md's radio, ticks
 * of 100 ms. enb2 is better by the hysteresis where 35 log10(x / (800 - x)) = 3 dB; the one
 * handover must come ttt after that point, give or take one tick.
 */
static void test_drive_by(void **state)
{
	const struct mob_waypoint wps[] = {{0, 0, 0}, {800, 0, 30}};
	const struct mob_pos enb[2] = {{0, 0, 0}, {800, 0, 0}};
	const double r = pow(10, 3.0 / 35), x_star = 800 * r / (1 + r), t_star = x_star / 800 * 30;
	struct mob_ho_event ev, ho = {0};
	struct mob_model m;
	struct mob_ho *h = new_ho(&def, 2);
	int a3 = 0, other = 0;

	assert_int_equal(mob_model_waypoints_init(&m, wps, 2), 0);
	for (uint64_t t = 0; t <= 30000 * MS; t += 100 * MS) {
		struct mob_pos p;
		double s[2];

		assert_int_equal(mob_model_pos(&m, (double)t / 1e9, &p), 0);
		for (int i = 0; i < 2; i++)
			s[i] = mob_radio_signal(&support_radio, &enb[i], &p);
		if (mob_ho_tick(h, t, s, &ev) != 1)
			continue;
		if (ev.reason == MOB_HO_A3) {
			a3++;
			ho = ev;
		} else if (!(ev.reason == MOB_HO_ATTACH && t == 0 && ev.to == 0)) {
			other++;
		}
	}
	assert_int_equal(a3, 1);
	assert_int_equal(other, 0);
	assert_int_equal(ho.from, 0);
	assert_int_equal(ho.to, 1);
	/* x* = 439.3 m, t* = 16.48 s: the condition holds from the 16.5 s tick, ttt later 16.7 s.
	 */
	assert_float_equal(x_star, 439.35, 0.01);
	assert_true((double)ho.t_ns / 1e9 >= t_star + 0.160);
	assert_true((double)ho.t_ns / 1e9 <= t_star + 0.160 + 0.100);
	assert_int_equal(ho.t_ns, 16700 * MS);
	assert_int_equal(mob_ho_serving(h), 1);
	mob_model_fini(&m);
	mob_ho_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_attach),
	    cmocka_unit_test(test_params),
	    cmocka_unit_test(test_within_hysteresis),
	    cmocka_unit_test(test_short_of_ttt),
	    cmocka_unit_test(test_at_ttt),
	    cmocka_unit_test(test_strongest_neighbour),
	    cmocka_unit_test(test_ping_pong),
	    cmocka_unit_test(test_rlf),
	    cmocka_unit_test(test_drive_by),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
