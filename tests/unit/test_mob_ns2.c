/* SPDX-License-Identifier: MIT */
/* ns-2 movement files read as ns-3 (3.37) Ns2MobilityHelper reads them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "mobility/mobility.h"

#define EPS 1e-9

static struct mob_trace *parse(const char *s)
{
	struct mob_trace *t = NULL;

	assert_int_equal(mob_trace_ns2_parse(s, strlen(s), "mem", &t), 0);
	assert_non_null(t);
	return t;
}

static void expect_pos(const struct mob_trace *t, unsigned node, double at, double x, double y,
		       double z)
{
	struct mob_pos p;

	assert_int_equal(mob_trace_pos(t, node, at, &p), 0);
	if (fabs(p.x - x) > EPS || fabs(p.y - y) > EPS || fabs(p.z - z) > EPS)
		fail_msg("node %u at %g: got (%.12g, %.12g, %.12g), want (%.12g, %.12g, %.12g)",
			 node, at, p.x, p.y, p.z, x, y, z);
}

static void test_initial_anywhere_last_wins(void **state)
{
	struct mob_trace *t = parse("$ns_ at 10 \"$node_(0) setdest 10 0 1\"\n"
				    "$node_(0) set X_ 5\n"
				    "$node_(0) set Y_ 7\n"
				    "$node_(0) set Z_ 1.5\n"
				    "$node_(0) set X_ 0\n"
				    "$node_(0) set Y_ 0\n");

	/* initial position holds until the first setdest, whatever the line order */
	expect_pos(t, 0, 0, 0, 0, 1.5);
	expect_pos(t, 0, 9.9, 0, 0, 1.5);
	/* setdest starts from the last set (0,0), not the first (5,7) */
	expect_pos(t, 0, 15, 5, 0, 1.5);
	assert_int_equal(mob_trace_warning_count(t), 0);
	mob_trace_free(t);
}

static void test_setdest_linear_and_stop_exact(void **state)
{
	struct mob_trace *t = parse("$node_(1) set X_ 0\n$node_(1) set Y_ 0\n"
				    "$ns_ at 2 \"$node_(1) setdest 30 40 5\"\n");
	struct mob_pos p;

	expect_pos(t, 1, 2, 0, 0, 0);
	expect_pos(t, 1, 4, 6, 8, 0);	 /* 10 m of 50 */
	expect_pos(t, 1, 12, 30, 40, 0); /* arrival at 2 + 50/5 */
	/* held exactly at the destination, no overshoot */
	assert_int_equal(mob_trace_pos(t, 1, 1e6, &p), 0);
	assert_true(p.x == 30 && p.y == 40);
	mob_trace_free(t);
}

static void test_replacement_mid_way(void **state)
{
	struct mob_trace *t = parse("$node_(0) set X_ 0\n$node_(0) set Y_ 0\n"
				    "$ns_ at 0 \"$node_(0) setdest 100 0 10\"\n"
				    "$ns_ at 5 \"$node_(0) setdest 50 40 4\"\n");

	expect_pos(t, 0, 4.999, 49.99, 0, 0);
	/* from (50,0) reached at 5, not from (100,0): 40 m at 4 m/s */
	expect_pos(t, 0, 5, 50, 0, 0);
	expect_pos(t, 0, 10, 50, 20, 0);
	expect_pos(t, 0, 15, 50, 40, 0);
	expect_pos(t, 0, 100, 50, 40, 0);
	mob_trace_free(t);
}

static void test_setdest_after_arrival(void **state)
{
	struct mob_trace *t = parse("$node_(0) set X_ 0\n$node_(0) set Y_ 0\n"
				    "$ns_ at 0 \"$node_(0) setdest 10 0 10\"\n"
				    "$ns_ at 5 \"$node_(0) setdest 10 10 1\"\n");

	expect_pos(t, 0, 3, 10, 0, 0); /* waiting at the first destination */
	expect_pos(t, 0, 10, 10, 5, 0);
	mob_trace_free(t);
}

static void test_speed_zero_stops(void **state)
{
	struct mob_trace *t = parse("$node_(0) set X_ 0\n$node_(0) set Y_ 0\n"
				    "$ns_ at 0 \"$node_(0) setdest 100 0 10\"\n"
				    "$ns_ at 3 \"$node_(0) setdest 999 999 0\"\n");

	expect_pos(t, 0, 3, 30, 0, 0);
	expect_pos(t, 0, 50, 30, 0, 0);
	mob_trace_free(t);
}

static void test_z_unchanged(void **state)
{
	struct mob_trace *t = parse("$node_(0) set Z_ 12.5\n"
				    "$ns_ at 0 \"$node_(0) setdest 3 4 1\"\n");

	expect_pos(t, 0, 2.5, 1.5, 2, 12.5);
	expect_pos(t, 0, 9, 3, 4, 12.5);
	mob_trace_free(t);
}

static void test_lexical_tolerance(void **state)
{
	struct mob_trace *t = parse("# a comment line\n"
				    "\n"
				    "   \t\n"
				    "\t$node_(3)   set\tX_  1e1 ; \r\n"
				    "$node_(3) set Y_ 0.0 # trailing comment\r\n"
				    "$ns_   at\t1.0E0 \"$node_(3) setdest 2.5e1 0 1.5e1\";\r\n"
				    "$ns_ at 10 \"$node_(3) setdest 25 15 5 \" ;; \r\n");

	assert_int_equal(mob_trace_warning_count(t), 0);
	expect_pos(t, 3, 0, 10, 0, 0);
	expect_pos(t, 3, 1.5, 17.5, 0, 0);
	expect_pos(t, 3, 12, 25, 10, 0);
	mob_trace_free(t);
}

static void test_malformed_warns_with_line(void **state)
{
	struct mob_trace *t = parse("$node_(0) set X_ 0\n"
				    "$node_(0) set Y_ 0\n"
				    "$node_(0) set W_ 3\n"			/* 3 */
				    "$ns_ at 1 \"$node_(0) setdest 10 zz 1\"\n" /* 4 */
				    "$ns_ at x \"$node_(0) setdest 10 0 1\"\n"	/* 5 */
				    "$ns_ at 0 \"$node_(-1) setdest 10 0 1\"\n" /* 6 */
				    "$ns_ at 0 \"$node_(0) setdest 10 0\"\n"	/* 7 */
				    "$ns_ at -1 \"$node_(0) setdest 10 0 1\"\n" /* 8 */
				    "$ns_ at 0 \"$node_(0) setdest 10 0 -2\"\n" /* 9 */
				    "garbage\n"					/* 10 */
				    "$ns_ at 0 \"$node_(0) setdest 10 0 1\"\n");

	assert_int_equal(mob_trace_warning_count(t), 8);
	assert_non_null(strstr(mob_trace_warning(t, 0), "mem:3:"));
	assert_non_null(strstr(mob_trace_warning(t, 1), "mem:4:"));
	assert_non_null(strstr(mob_trace_warning(t, 2), "mem:5:"));
	assert_non_null(strstr(mob_trace_warning(t, 3), "mem:6:"));
	assert_non_null(strstr(mob_trace_warning(t, 4), "mem:7:"));
	assert_non_null(strstr(mob_trace_warning(t, 5), "mem:8:"));
	assert_non_null(strstr(mob_trace_warning(t, 6), "mem:9:"));
	assert_non_null(strstr(mob_trace_warning(t, 7), "mem:10:"));
	/* the rest is still read */
	expect_pos(t, 0, 5, 5, 0, 0);
	assert_int_equal(mob_trace_node_count(t), 1);
	mob_trace_free(t);
}

static void test_sched_set_jump(void **state)
{
	struct mob_trace *t = parse("$node_(0) set X_ 0\n$node_(0) set Y_ 0\n"
				    "$ns_ at 0 \"$node_(0) setdest 100 0 10\"\n"
				    "$ns_ at 4 \"$node_(0) set Y_ 7\"\n"
				    "$ns_ at 6 \"$node_(0) setdest 40 17 1\"\n");

	/* t = 0 is not changed by a later scheduled set */
	expect_pos(t, 0, 0, 0, 0, 0);
	expect_pos(t, 0, 3, 30, 0, 0);
	/* jump at 4: Y_ set, X_ where the node was; the motion in progress stops */
	expect_pos(t, 0, 4, 40, 7, 0);
	expect_pos(t, 0, 5, 40, 7, 0);
	expect_pos(t, 0, 11, 40, 12, 0);
	mob_trace_free(t);
}

static void test_nodes_and_enoent(void **state)
{
	struct mob_trace *t = parse("$node_(7) set X_ 1\n$node_(2) set X_ 2\n"
				    "$ns_ at 1 \"$node_(4) setdest 1 1 1\"\n");
	struct mob_pos p = {42, 42, 42};

	assert_int_equal(mob_trace_node_count(t), 3);
	assert_int_equal(mob_trace_node_id(t, 0), 2);
	assert_int_equal(mob_trace_node_id(t, 1), 4);
	assert_int_equal(mob_trace_node_id(t, 2), 7);
	assert_true(mob_trace_has(t, 4));
	assert_false(mob_trace_has(t, 5));
	assert_int_equal(mob_trace_pos(t, 5, 0, &p), -ENOENT);
	assert_true(p.x == 42); /* untouched on failure */
	/* a node only in a setdest starts at the origin, as in ns-3 */
	expect_pos(t, 4, 0, 0, 0, 0);
	mob_trace_free(t);
}

static void test_out_of_order_event_skipped(void **state)
{
	struct mob_trace *t = parse("$ns_ at 5 \"$node_(0) setdest 10 0 1\"\n"
				    "$ns_ at 2 \"$node_(0) setdest 0 10 1\"\n");

	assert_int_equal(mob_trace_warning_count(t), 1);
	assert_non_null(strstr(mob_trace_warning(t, 0), "mem:2:"));
	expect_pos(t, 0, 7, 2, 0, 0);
	mob_trace_free(t);
}

static void test_load_file_and_errors(void **state)
{
	char path[] = "/tmp/test_mob_ns2_XXXXXX";
	const char *s = "$node_(0) set X_ 1\r\n$node_(0) set Y_ 2\r\nbad line\r\n";
	struct mob_trace *t = NULL;
	int fd = mkstemp(path);
	char want[64];

	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
	assert_int_equal(mob_trace_load(path, &t), 0);
	expect_pos(t, 0, 0, 1, 2, 0);
	assert_int_equal(mob_trace_warning_count(t), 1);
	snprintf(want, sizeof(want), "%s:3:", path);
	assert_non_null(strstr(mob_trace_warning(t, 0), want));
	mob_trace_free(t);
	unlink(path);
	t = NULL;
	assert_int_equal(mob_trace_ns2_load("/nonexistent/x.ns_movements", &t), -ENOENT);
	assert_null(t);
	mob_trace_free(NULL);
}

static struct mob_trace *load_shared(const char *file)
{
	const char *src = getenv("EDGEMU_SRC");
	struct mob_trace *t = NULL;
	char path[PATH_MAX];

	if (src)
		snprintf(path, sizeof(path), "%s/../shared/traces/ns3/%s", src, file);
	if (!src || access(path, R_OK))
		snprintf(path, sizeof(path), "/work/shared/traces/ns3/%s", file);
	if (access(path, R_OK))
		return NULL;
	assert_int_equal(mob_trace_ns2_load(path, &t), 0);
	return t;
}

/* Issue 12 hostile input 4: a file of bad lines kept a warning each (600 MB for 10 MB). */
static void test_warnings_capped(void **state)
{
	size_t n = 5000, len = 0;
	char *text = malloc(n * 8 + 64), want[64];
	struct mob_trace *t;

	(void)state;
	assert_non_null(text);
	len += (size_t)sprintf(text, "$node_(0) set X_ 1\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "bad %zu\n", i % 10);
	assert_int_equal(mob_trace_ns2_parse(text, len, "mem", &t), 0);
	assert_int_equal(mob_trace_warning_count(t), MOB_TRACE_WARNINGS_MAX + 1);
	assert_non_null(strstr(mob_trace_warning(t, 0), "mem:2:"));
	snprintf(want, sizeof(want), "mem: %zu more warnings not shown",
		 n - MOB_TRACE_WARNINGS_MAX);
	assert_string_equal(mob_trace_warning(t, MOB_TRACE_WARNINGS_MAX), want);
	mob_trace_free(t);
	free(text);
}

/*
 * Issue 12 hostile input 5: finite but extreme values made infinite and NaN positions
 * (1e308 - -1e308 overflows). Values beyond the documented bounds are skipped with a warning.
 */
static void test_extreme_values_skipped(void **state)
{
	struct mob_trace *t = parse("$node_(0) set X_ -1e308\n" /* 1 */
				    "$node_(0) set Y_ 1e7\n"
				    "$ns_ at 1 \"$node_(0) setdest 1e308 0 1\"\n" /* 3 */
				    "$ns_ at 1e10 \"$node_(0) setdest 5 0 1\"\n"  /* 4 */
				    "$ns_ at 2 \"$node_(0) setdest 5 0 1e5\"\n"	  /* 5 */
				    "$ns_ at 3 \"$node_(0) set Z_ -2e7\"\n"	  /* 6 */
				    "$ns_ at 4 \"$node_(0) setdest -1e7 1e7 1e4\"\n");

	(void)state;
	assert_int_equal(mob_trace_warning_count(t), 5);
	assert_non_null(strstr(mob_trace_warning(t, 0), "mem:1: bad coordinate"));
	assert_non_null(strstr(mob_trace_warning(t, 1), "mem:3: bad destination"));
	assert_non_null(strstr(mob_trace_warning(t, 2), "mem:4: time beyond"));
	assert_non_null(strstr(mob_trace_warning(t, 3), "mem:5: bad speed"));
	assert_non_null(strstr(mob_trace_warning(t, 4), "mem:6: bad coordinate"));
	expect_pos(t, 0, 0, 0, 1e7, 0);
	expect_pos(t, 0, 1004, -1e7, 1e7, 0);
	mob_trace_free(t);
}

/* Issue 12 hostile input 7: 100000 nodes took seconds (a linear lookup per line); capped. */
static void test_node_limit(void **state)
{
	size_t n = MOB_TRACE_NODES_MAX + 2, len = 0;
	char *text = malloc(n * 32);
	struct mob_trace *t;

	(void)state;
	assert_non_null(text);
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "$node_(%zu) set X_ %zu\n", (i * 7919) % n, i);
	assert_int_equal(mob_trace_ns2_parse(text, len, "mem", &t), 0);
	assert_int_equal(mob_trace_node_count(t), MOB_TRACE_NODES_MAX);
	assert_int_equal(mob_trace_warning_count(t), 2);
	assert_non_null(strstr(mob_trace_warning(t, 0), "more than 100000 nodes in the trace"));
	for (size_t i = 1; i < MOB_TRACE_NODES_MAX; i++)
		assert_true(mob_trace_node_id(t, i - 1) < mob_trace_node_id(t, i));
	mob_trace_free(t);
	free(text);
}

/* Issue 12 hostile input 4: `trace: /dev/zero` read forever; only bounded regular files. */
static void test_load_regular_bounded(void **state)
{
	char dir[] = "/tmp/test_mob_ns2_XXXXXX", path[64];
	struct mob_trace *t = NULL;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(mob_trace_load("/dev/zero", &t), -EINVAL);
	assert_int_equal(mob_trace_load(dir, &t), -EISDIR);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	/* no writer: the open must not wait for one */
	assert_int_equal(mob_trace_load(path, &t), -EINVAL);
	unlink(path);
	snprintf(path, sizeof(path), "%s/big", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)MOB_TRACE_BYTES_MAX + 1), 0);
	close(fd);
	assert_int_equal(mob_trace_load(path, &t), -EFBIG);
	assert_int_equal(truncate(path, MOB_TRACE_BYTES_MAX), 0);
	/* at the limit it is read (64 MiB of NUL bytes: one long line, skipped) */
	assert_int_equal(mob_trace_ns2_load(path, &t), 0);
	mob_trace_free(t);
	unlink(path);
	rmdir(dir);
}

static void test_shipped_default(void **state)
{
	struct mob_trace *t = load_shared("default.ns_movements");

	if (!t) {
		skip();
		return;
	}
	assert_int_equal(mob_trace_warning_count(t), 0);
	assert_int_equal(mob_trace_node_count(t), 2);
	/* node 0: from (150, 93.98597018956875) towards (150, 110) at 50.40378694202284 m/s */
	expect_pos(t, 0, 0, 150, 93.98597018956875, 0);
	expect_pos(t, 0, 0.1, 150, 99.02634888377104, 0);
	/* node 1: from (195.41843780583298, 150) towards x = 200.667... at 50.1186137321417 */
	expect_pos(t, 1, 0.05, 197.92436849244007, 150, 0);
	/* last line: node 1 stops exactly at (170, 143.34038304014302) */
	expect_pos(t, 1, 1000, 170, 143.34038304014302, 0);
	mob_trace_free(t);
}

static void test_shipped_bonnmotion(void **state)
{
	struct mob_trace *t = load_shared("bonnmotion.ns_movements");

	if (!t) {
		skip();
		return;
	}
	assert_int_equal(mob_trace_warning_count(t), 0);
	assert_int_equal(mob_trace_node_count(t), 1);
	expect_pos(t, 0, 0, 329.82427591159615, 66.06016140869389, 0);
	/* first leg ends at 91.877 s (the commented stop line); pause until 119.37 s */
	expect_pos(t, 0, 100, 378.37542668840655, 45.5928630482057, 0);
	/* 10 s into the second leg at 1.332870521776484 m/s */
	expect_pos(t, 0, 129.3714959084341, 369.2157408969104, 55.275555802968455, 0);
	expect_pos(t, 0, 5000, 309.59230940611315, 37.21622103424196, 0);
	mob_trace_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_initial_anywhere_last_wins),
	    cmocka_unit_test(test_setdest_linear_and_stop_exact),
	    cmocka_unit_test(test_replacement_mid_way),
	    cmocka_unit_test(test_setdest_after_arrival),
	    cmocka_unit_test(test_speed_zero_stops),
	    cmocka_unit_test(test_z_unchanged),
	    cmocka_unit_test(test_lexical_tolerance),
	    cmocka_unit_test(test_malformed_warns_with_line),
	    cmocka_unit_test(test_sched_set_jump),
	    cmocka_unit_test(test_nodes_and_enoent),
	    cmocka_unit_test(test_out_of_order_event_skipped),
	    cmocka_unit_test(test_load_file_and_errors),
	    cmocka_unit_test(test_warnings_capped),
	    cmocka_unit_test(test_extreme_values_skipped),
	    cmocka_unit_test(test_node_limit),
	    cmocka_unit_test(test_load_regular_bounded),
	    cmocka_unit_test(test_shipped_default),
	    cmocka_unit_test(test_shipped_bonnmotion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
