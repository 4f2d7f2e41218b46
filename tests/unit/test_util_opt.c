/* SPDX-License-Identifier: MIT */
/* util/opt.c: options read by hand, getopt's refusals and usage errors as printed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/opt.h"

/* stderr of the code between the two calls, as text (the caller frees it). */
static int saved_fd = -1;
static FILE *captured;

static void capture_start(void)
{
	fflush(stderr);
	captured = tmpfile();
	assert_non_null(captured);
	saved_fd = dup(2);
	assert_true(saved_fd >= 0);
	assert_int_equal(dup2(fileno(captured), 2), 2);
}

static char *capture_end(void)
{
	char *text = calloc(1, 4096);

	fflush(stderr);
	assert_int_equal(dup2(saved_fd, 2), 2);
	close(saved_fd);
	rewind(captured);
	assert_non_null(text);
	assert_true(fread(text, 1, 4095, captured) < 4095);
	fclose(captured);
	return text;
}

static void test_value(void **state)
{
	char *argv[] = {"cmd", "--at", "5", "--at=7", "--attic", "--node", NULL};
	int argc = 6, i;

	assert_true(util_opt_is("--at", "--at"));
	assert_true(util_opt_is("--at=5", "--at"));
	assert_false(util_opt_is("--attic", "--at"));
	assert_false(util_opt_is("-at", "--at"));

	i = 1;
	assert_string_equal(util_opt_value(argc, argv, &i, "--at"), "5");
	assert_int_equal(i, 2); /* moved onto the value */
	i = 3;
	assert_string_equal(util_opt_value(argc, argv, &i, "--at"), "7");
	assert_int_equal(i, 3);
	i = 4;
	assert_null(util_opt_value(argc, argv, &i, "--at")); /* another option */
	assert_int_equal(i, 4);
	i = 5;
	assert_null(util_opt_value(argc, argv, &i, "--node")); /* value missing */
	assert_int_equal(i, 5);
}

static void test_help(void **state)
{
	char *a[] = {"cmd", "x", "--help", NULL};
	char *b[] = {"cmd", "-h", NULL};
	char *c[] = {"cmd", "--", "-h", NULL};
	char *d[] = {"cmd", "-hx", "--helpme", NULL};

	assert_true(util_opt_wants_help(3, a));
	assert_true(util_opt_wants_help(2, b));
	assert_false(util_opt_wants_help(3, c)); /* after --: an argument of a command */
	assert_false(util_opt_wants_help(3, d));
	assert_false(util_opt_wants_help(1, a));
}

/* getopt_long on argv as the apps call it; what util_opt_error printed. */
static char *refusal(int argc, char **argv, int *ret_rc)
{
	static const struct option opts[] = {
	    {"port", required_argument, NULL, 'p'},
	    {"quiet", no_argument, NULL, 'q'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	opterr = 0;
	optind = 0; /* glibc: start over */
	*ret_rc = 0;
	capture_start();
	while ((c = getopt_long(argc, argv, ":p:q", opts, NULL)) != -1)
		if (c != 'p' && c != 'q')
			*ret_rc = util_opt_error("prog", "usage: prog [--port P]\n", argv, c);
	return capture_end();
}

static void test_error(void **state)
{
	char *a[] = {"prog", "--port", NULL};
	char *b[] = {"prog", "--bogus", NULL};
	char *c[] = {"prog", "-x", NULL};
	char *text;
	int rc;

	text = refusal(2, a, &rc);
	assert_int_equal(rc, 2);
	assert_string_equal(text, "prog: option '--port' needs a value\nusage: prog [--port P]\n");
	free(text);
	text = refusal(2, b, &rc);
	assert_string_equal(text, "prog: unknown option '--bogus'\nusage: prog [--port P]\n");
	free(text);
	text = refusal(2, c, &rc);
	assert_string_equal(text, "prog: unknown option '-x'\nusage: prog [--port P]\n");
	free(text);

	capture_start();
	rc = util_usage_error("prog", "usage: prog\n", "--port '%s': expected 1 to 65535", "0");
	text = capture_end();
	assert_int_equal(rc, 2);
	assert_string_equal(text, "prog: --port '0': expected 1 to 65535\nusage: prog\n");
	free(text);
}

static void test_parse(void **state)
{
	uint64_t v = 42;

	assert_int_equal(util_parse_duration("1.5ms", &v), 0);
	assert_int_equal(v, 1500000);
	assert_int_equal(util_parse_duration("2s", &v), 0);
	assert_int_equal(v, 2000000000);
	v = 42;
	assert_int_equal(util_parse_duration("5", &v), -EINVAL);
	assert_int_equal(util_parse_duration("5.ms", &v), -EINVAL);
	assert_int_equal(util_parse_duration("99999999999s", &v), -ERANGE);
	assert_int_equal(v, 42);
	assert_int_equal(util_parse_u64("65535", 1, 65535, &v), 0);
	assert_int_equal(v, 65535);
	assert_int_equal(util_parse_u64("0", 1, 65535, &v), -ERANGE);
	assert_int_equal(util_parse_u64("-1", 0, 65535, &v), -EINVAL);
	assert_int_equal(util_parse_u64("", 0, 65535, &v), -EINVAL);
	assert_int_equal(v, 65535);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_value),
	    cmocka_unit_test(test_help),
	    cmocka_unit_test(test_error),
	    cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
