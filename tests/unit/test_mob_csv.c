/* SPDX-License-Identifier: MIT */
/* CSV traces t,node,x,y: interpolation, holds at the ends, any row order, warnings. */
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
#include <unistd.h>

#include "mobility/mobility.h"

static struct mob_trace *parse(const char *s)
{
	struct mob_trace *t = NULL;

	assert_int_equal(mob_trace_csv_parse(s, strlen(s), "c.csv", &t), 0);
	assert_non_null(t);
	return t;
}

static void expect_xy(const struct mob_trace *t, unsigned node, double at, double x, double y)
{
	struct mob_pos p;

	assert_int_equal(mob_trace_pos(t, node, at, &p), 0);
	if (fabs(p.x - x) > 1e-9 || fabs(p.y - y) > 1e-9)
		fail_msg("node %u at %g: got (%.12g, %.12g), want (%.12g, %.12g)", node, at, p.x,
			 p.y, x, y);
}

static void test_interpolation_and_holds(void **state)
{
	struct mob_trace *t = parse("t,node,x,y\n"
				    "# comment\n"
				    "1,0,0,0\n"
				    "3,0,20,10\n"
				    "4,0,20,20\n"
				    "0,1,5,5\n");

	assert_int_equal(mob_trace_warning_count(t), 0);
	expect_xy(t, 0, 0, 0, 0); /* held before the first sample */
	expect_xy(t, 0, 1, 0, 0);
	expect_xy(t, 0, 2, 10, 5);
	expect_xy(t, 0, 3, 20, 10);
	expect_xy(t, 0, 3.5, 20, 15);
	expect_xy(t, 0, 100, 20, 20); /* held after the last */
	expect_xy(t, 1, 50, 5, 5);    /* one sample: static */
	assert_int_equal(mob_trace_node_count(t), 2);
	mob_trace_free(t);
}

static void test_unsorted_rows_sorted(void **state)
{
	struct mob_trace *t = parse("4,2,40,0\n"
				    "0,2,0,0\n"
				    "2,2,20,20\n");

	expect_xy(t, 2, 1, 10, 10);
	expect_xy(t, 2, 3, 30, 10);
	mob_trace_free(t);
}

static void test_same_time_later_row_wins(void **state)
{
	struct mob_trace *t = parse("0,0,0,0\n2,0,10,0\n2,0,50,0\n4,0,50,10\n");

	expect_xy(t, 0, 1, 5, 0);
	expect_xy(t, 0, 2, 50, 0);
	expect_xy(t, 0, 3, 50, 5);
	mob_trace_free(t);
}

static void test_warnings_with_line(void **state)
{
	struct mob_trace *t = parse("t,node,x,y\r\n"
				    "0,0,0,0\r\n"
				    "1,0,1\r\n"	    /* 3: too few fields */
				    "x,0,1,1\r\n"   /* 4: bad time */
				    "1,-1,1,1\r\n"  /* 5: bad node */
				    "1,0.5,1,1\r\n" /* 6: bad node */
				    "1,0,a,1\r\n"   /* 7: bad coordinate */
				    " 2 , 0 , 2e1 , 0 \r\n");

	assert_int_equal(mob_trace_warning_count(t), 5);
	for (int i = 0; i < 5; i++) {
		char want[32];

		snprintf(want, sizeof(want), "c.csv:%d:", i + 3);
		assert_non_null(strstr(mob_trace_warning(t, i), want));
	}
	expect_xy(t, 0, 1, 10, 0);
	mob_trace_free(t);
}

static void test_enoent_and_load(void **state)
{
	char path[] = "/tmp/test_mob_csv_XXXXXX";
	const char *s = "0,3,1,2\n10,3,11,2\n";
	struct mob_trace *t = NULL;
	struct mob_pos p;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
	/* content without a '$' line is CSV */
	assert_int_equal(mob_trace_load(path, &t), 0);
	expect_xy(t, 3, 5, 6, 2);
	assert_int_equal(mob_trace_pos(t, 4, 5, &p), -ENOENT);
	mob_trace_free(t);
	unlink(path);
	t = NULL;
	assert_int_equal(mob_trace_csv_load("/nonexistent.csv", &t), -ENOENT);
	assert_null(t);
}

/*
 * Issue 12 hostile input 5: extreme but finite values made infinite speeds and NaN positions;
 * out-of-range values are skipped with a warning, samples too close for a finite speed jump.
 */
static void test_extreme_values(void **state)
{
	struct mob_trace *t = parse("0,0,-1e308,0\n" /* 1 */
				    "1,0,1e7,0\n"
				    "2e9,0,0,0\n" /* 3 */
				    "-1,0,0,0\n"  /* 4 */
				    "0,1,0,0\n"
				    "1e-307,1,1e7,0\n"
				    "5,1,1,2e7,0\n"); /* 7 */
	struct mob_pos p;

	(void)state;
	assert_int_equal(mob_trace_warning_count(t), 4);
	assert_non_null(strstr(mob_trace_warning(t, 0), "c.csv:1: bad coordinate"));
	assert_non_null(strstr(mob_trace_warning(t, 1), "c.csv:3: time out of range"));
	assert_non_null(strstr(mob_trace_warning(t, 2), "c.csv:4: time out of range"));
	assert_non_null(strstr(mob_trace_warning(t, 3), "c.csv:7: bad coordinate"));
	expect_xy(t, 0, 0, 1e7, 0);
	for (double at = 0; at < 1e-306; at += 1e-308) {
		assert_int_equal(mob_trace_pos(t, 1, at, &p), 0);
		assert_true(isfinite(p.x) && isfinite(p.y));
	}
	expect_xy(t, 1, 1, 1e7, 0);
	mob_trace_free(t);
}

static void test_warnings_capped(void **state)
{
	size_t n = 1000, len = 0;
	char *text = malloc(n * 4 + 16);
	struct mob_trace *t;

	(void)state;
	assert_non_null(text);
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "1,x\n");
	assert_int_equal(mob_trace_csv_parse(text, len, "c.csv", &t), 0);
	assert_int_equal(mob_trace_warning_count(t), MOB_TRACE_WARNINGS_MAX + 1);
	assert_string_equal(mob_trace_warning(t, MOB_TRACE_WARNINGS_MAX),
			    "c.csv: 900 more warnings not shown");
	mob_trace_free(t);
	free(text);
}

static void test_format_detection(void **state)
{
	const char *ns2 = "# c\n  $node_(0) set X_ 1\n";
	const char *csv = "# $ns_ in a comment\n0,0,1,1\n";

	assert_true(mob_trace_text_is_ns2(ns2, strlen(ns2)));
	assert_false(mob_trace_text_is_ns2(csv, strlen(csv)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_interpolation_and_holds),
	    cmocka_unit_test(test_unsorted_rows_sorted),
	    cmocka_unit_test(test_same_time_later_row_wins),
	    cmocka_unit_test(test_warnings_with_line),
	    cmocka_unit_test(test_enoent_and_load),
	    cmocka_unit_test(test_format_detection),
	    cmocka_unit_test(test_extreme_values),
	    cmocka_unit_test(test_warnings_capped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
