/* SPDX-License-Identifier: MIT */
/* util/log.c: warnings by default, info with -v, debug with -vv, on stderr. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"

/* What pr_warn, pr_info and pr_debug print at level, in that order. */
static char *printed_at(enum util_log_level level)
{
	FILE *f = tmpfile();
	char *text = calloc(1, 1024);
	int saved;

	assert_non_null(f);
	assert_non_null(text);
	fflush(stderr);
	saved = dup(2);
	assert_int_equal(dup2(fileno(f), 2), 2);
	util_log_set_level(level);
	pr_warn("warn %d\n", 1);
	pr_info("info %s\n", "two");
	pr_debug("debug %c\n", '3');
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	rewind(f);
	assert_true(fread(text, 1, 1023, f) < 1023);
	fclose(f);
	return text;
}

static void test_levels(void **state)
{
	char *text;

	assert_int_equal(util_log_level(), UTIL_LOG_WARN); /* the default */
	text = printed_at(UTIL_LOG_WARN);
	assert_string_equal(text, "warn 1\n");
	free(text);
	text = printed_at(UTIL_LOG_INFO);
	assert_string_equal(text, "warn 1\ninfo two\n");
	free(text);
	text = printed_at(UTIL_LOG_DEBUG);
	assert_string_equal(text, "warn 1\ninfo two\ndebug 3\n");
	free(text);
	/* -vvv and more: as -vv */
	text = printed_at((enum util_log_level)(UTIL_LOG_DEBUG + 3));
	assert_int_equal(util_log_level(), UTIL_LOG_DEBUG);
	assert_string_equal(text, "warn 1\ninfo two\ndebug 3\n");
	free(text);
	util_log_set_level(UTIL_LOG_WARN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_levels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
