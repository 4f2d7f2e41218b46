/* SPDX-License-Identifier: MIT */
/* Position models: static, waypoints, random waypoint (seeded), trace node. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <string.h>

#include "mobility/mobility.h"

static void test_static(void **state)
{
	struct mob_model m;
	struct mob_pos p;

	mob_model_static_init(&m, (struct mob_pos){1, 2, 3});
	assert_int_equal(mob_model_pos(&m, 0, &p), 0);
	assert_true(p.x == 1 && p.y == 2 && p.z == 3);
	assert_int_equal(mob_model_pos(&m, 1e9, &p), 0);
	assert_true(p.x == 1 && p.y == 2 && p.z == 3);
	assert_int_equal(mob_model_pos(&m, NAN, &p), -EINVAL);
	mob_model_fini(&m);
}

static void test_waypoints(void **state)
{
	const struct mob_waypoint w[] = {{0, 0, 2}, {10, 0, 4}, {10, 10, 6}, {0, 0, 6}};
	const struct mob_waypoint bad[] = {{0, 0, 2}, {1, 1, 1}};
	struct mob_model m;
	struct mob_pos p;

	assert_int_equal(mob_model_waypoints_init(&m, bad, 2), -EINVAL);
	assert_int_equal(mob_model_waypoints_init(&m, w, 0), -EINVAL);
	assert_int_equal(mob_model_waypoints_init(&m, w, 4), 0);
	assert_int_equal(mob_model_pos(&m, 0, &p), 0);
	assert_true(p.x == 0 && p.y == 0);
	mob_model_pos(&m, 3, &p);
	assert_true(fabs(p.x - 5) < 1e-12 && p.y == 0);
	mob_model_pos(&m, 5, &p);
	assert_true(fabs(p.x - 10) < 1e-12 && fabs(p.y - 5) < 1e-12);
	/* two waypoints at 6: the later one wins from 6 on */
	mob_model_pos(&m, 6, &p);
	assert_true(p.x == 0 && p.y == 0);
	mob_model_pos(&m, 100, &p);
	assert_true(p.x == 0 && p.y == 0);
	mob_model_fini(&m);
}

static const struct mob_rwp_params area = {
    .x0 = 100,
    .y0 = -50,
    .x1 = 300,
    .y1 = 50,
    .speed_min = 1,
    .speed_max = 5,
    .pause_s = 2,
};

static void test_rwp_deterministic(void **state)
{
	struct mob_model a, b, c;
	struct mob_pos pa, pb, pc;
	bool differs = false;

	assert_int_equal(mob_model_rwp_init(&a, &area, 42), 0);
	assert_int_equal(mob_model_rwp_init(&b, &area, 42), 0);
	assert_int_equal(mob_model_rwp_init(&c, &area, 43), 0);
	/* b is queried backwards: same path whatever the order */
	for (int i = 0; i <= 1000; i++) {
		mob_model_pos(&a, i * 0.7, &pa);
		mob_model_pos(&b, (1000 - i) * 0.7, &pb);
		mob_model_pos(&b, i * 0.7, &pb);
		mob_model_pos(&c, i * 0.7, &pc);
		assert_true(pa.x == pb.x && pa.y == pb.y);
		if (pa.x != pc.x || pa.y != pc.y)
			differs = true;
	}
	assert_true(differs);
	mob_model_fini(&a);
	mob_model_fini(&b);
	mob_model_fini(&c);
}

static void test_rwp_area_and_speed(void **state)
{
	const double dt = 0.01;
	struct mob_model m;
	struct mob_pos p, q;
	double max_v = 0, pauses = 0;

	assert_int_equal(mob_model_rwp_init(&m, &area, 7), 0);
	mob_model_pos(&m, 0, &q);
	for (int i = 1; i <= 100000; i++) {
		double v;

		assert_int_equal(mob_model_pos(&m, i * dt, &p), 0);
		assert_true(p.x >= area.x0 && p.x <= area.x1);
		assert_true(p.y >= area.y0 && p.y <= area.y1);
		v = hypot(p.x - q.x, p.y - q.y) / dt;
		/* a step may straddle a pause or a turn, so only the bound is exact */
		assert_true(v <= area.speed_max + 1e-6);
		if (v > max_v)
			max_v = v;
		if (v == 0)
			pauses++;
		q = p;
	}
	assert_true(max_v >= area.speed_min);
	assert_true(pauses > 0);
	mob_model_fini(&m);
}

static void test_rwp_speed_bounds(void **state)
{
	/* min == max: every full step inside a leg moves exactly that fast */
	const struct mob_rwp_params fixed = {
	    .x0 = 0,
	    .y0 = 0,
	    .x1 = 1000,
	    .y1 = 1000,
	    .speed_min = 3,
	    .speed_max = 3,
	    .pause_s = 0,
	};
	const struct mob_rwp_params bad = {.x1 = 1, .y1 = 1, .speed_min = 0, .speed_max = 1};
	struct mob_model m;
	struct mob_pos p, q;
	int exact = 0;

	assert_int_equal(mob_model_rwp_init(&m, &bad, 1), -EINVAL);
	assert_int_equal(mob_model_rwp_init(&m, &fixed, 1), 0);
	mob_model_pos(&m, 0, &q);
	for (int i = 1; i <= 2000; i++) {
		double v;

		mob_model_pos(&m, i * 0.5, &p);
		v = hypot(p.x - q.x, p.y - q.y) / 0.5;
		assert_true(v <= 3 + 1e-9);
		if (fabs(v - 3) < 1e-9)
			exact++;
		q = p;
	}
	assert_true(exact > 1900);
	mob_model_fini(&m);
}

/*
 * Issue 12 hostile input 2: with a huge speed or a tiny area every leg lasted less than the
 * clock's resolution at t, so the query looped forever (and SIGTERM went unseen). Such
 * parameters are refused, with what is wrong said for the parser to report.
 */
static void test_rwp_bounds_refused(void **state)
{
	const struct mob_rwp_params fast = {
	    .x1 = 1000, .y1 = 1000, .speed_min = 1e300, .speed_max = 1e300};
	const struct mob_rwp_params tiny = {
	    .x1 = 1e-12, .y1 = 1e-12, .speed_min = 1, .speed_max = 1};
	const struct mob_rwp_params far = {.x1 = 2e7, .y1 = 1, .speed_min = 1, .speed_max = 1};
	const struct mob_rwp_params point = {
	    .x0 = 5, .x1 = 5, .y0 = 5, .y1 = 5, .speed_min = 1, .speed_max = 1e4};
	const struct mob_rwp_params thin = {.x1 = 1, .speed_min = 1e4, .speed_max = 1e4};
	const char *why = NULL;
	struct mob_model m;
	struct mob_pos p;

	(void)state;
	assert_int_equal(mob_model_rwp_init(&m, &fast, 1), -EINVAL);
	assert_int_equal(mob_model_rwp_init(&m, &tiny, 1), -EINVAL);
	assert_int_equal(mob_model_rwp_init(&m, &far, 1), -EINVAL);
	assert_int_equal(mob_rwp_speed_check(1, 1e5, &why), -EINVAL);
	assert_string_equal(why, "max speed is above 10000 m/s");
	assert_int_equal(mob_rwp_speed_check(NAN, 1, &why), -EINVAL);
	assert_int_equal(mob_rwp_speed_check(2, 1, &why), -EINVAL);
	assert_string_equal(why, "max speed is below min speed");
	assert_int_equal(mob_rwp_area_check(0, 0, 0.5, 0.5, &why), -EINVAL);
	assert_string_equal(why, "the area is less than 1 m across (a point is fine)");
	assert_int_equal(mob_rwp_area_check(0, 0, -1e7, 1e7, &why), 0);
	assert_null(why);
	/* the bounds themselves: a point, and a 1 m line crossed at the top speed */
	assert_int_equal(mob_model_rwp_init(&m, &point, 1), 0);
	assert_int_equal(mob_model_pos(&m, 1e6, &p), 0);
	assert_true(p.x == 5 && p.y == 5);
	assert_int_equal(mob_model_rwp_init(&m, &thin, 1), 0);
	for (int i = 0; i <= 100; i++) {
		assert_int_equal(mob_model_pos(&m, i * 0.01, &p), 0);
		assert_true(p.x >= 0 && p.x <= 1 && p.y == 0);
	}
	mob_model_fini(&m);
}

/*
 * The model's own guard, for parameters that got past the checks (set here behind init's
 * back): legs that leave time where it is stop the UE instead of looping forever.
 */
static void test_rwp_still_legs_stop(void **state)
{
	const struct mob_rwp_params ok = {.x1 = 1000, .y1 = 1000, .speed_min = 1, .speed_max = 1};
	struct mob_model m;
	struct mob_pos p, q;

	(void)state;
	assert_int_equal(mob_model_rwp_init(&m, &ok, 3), 0);
	m.rwp.p.speed_min = m.rwp.p.speed_max = 1e300;
	/* past the first leg (made at init, at 1 m/s: under 1415 s) */
	assert_int_equal(mob_model_pos(&m, 1e4, &p), 0);
	assert_true(m.rwp.stuck);
	assert_int_equal(mob_model_pos(&m, 2e4, &q), 0);
	assert_true(isfinite(p.x) && p.x == q.x && p.y == q.y);
	mob_model_fini(&m);
}

static void test_trace_model(void **state)
{
	const char *s = "0,5,0,0\n10,5,10,0\n";
	struct mob_trace *t = NULL;
	struct mob_model m;
	struct mob_pos p;

	assert_int_equal(mob_trace_csv_parse(s, strlen(s), "x", &t), 0);
	assert_int_equal(mob_model_trace_init(&m, t, 6), -ENOENT);
	assert_int_equal(mob_model_trace_init(&m, t, 5), 0);
	assert_int_equal(mob_model_pos(&m, 5, &p), 0);
	assert_true(fabs(p.x - 5) < 1e-12);
	mob_model_fini(&m);
	mob_trace_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_static),
	    cmocka_unit_test(test_waypoints),
	    cmocka_unit_test(test_rwp_deterministic),
	    cmocka_unit_test(test_rwp_area_and_speed),
	    cmocka_unit_test(test_rwp_speed_bounds),
	    cmocka_unit_test(test_rwp_bounds_refused),
	    cmocka_unit_test(test_rwp_still_legs_stop),
	    cmocka_unit_test(test_trace_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
