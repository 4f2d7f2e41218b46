/* SPDX-License-Identifier: MIT */
/* util/words.c: command lines split into words as a shell would, with no shell. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/words.h"

/* s splits into the n words of want. */
static void split_ok(const char *s, size_t n, const char *const *want)
{
	struct util_words_err err = {0};
	char **argv = NULL;
	size_t got = 99;

	assert_int_equal(util_words_split(s, &argv, &got, &err), 0);
	assert_int_equal(got, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(argv[i], want[i]);
	assert_null(argv[n]);
	free(argv);
}

static void split_bad(const char *s, int rc, size_t off, const char *why)
{
	struct util_words_err err = {0};
	char **argv = (char **)0x1;
	size_t n = 7;

	assert_int_equal(util_words_split(s, &argv, &n, &err), rc);
	assert_int_equal(err.off, off);
	assert_non_null(strstr(err.why, why));
	/* outputs untouched */
	assert_ptr_equal(argv, (char **)0x1);
	assert_int_equal(n, 7);
}

static void test_blanks(void **state)
{
	(void)state;
	split_ok("iperf3 -s -1", 3, (const char *[]){"iperf3", "-s", "-1"});
	split_ok("  a\t\tb \n c  ", 3, (const char *[]){"a", "b", "c"});
	split_ok("", 0, NULL);
	split_ok(" \t\n", 0, NULL);
	split_ok("x", 1, (const char *[]){"x"});
}

static void test_single_quotes(void **state)
{
	(void)state;
	/* everything literal, backslashes and dollars too */
	split_ok("sh -c 'exit 3'", 3, (const char *[]){"sh", "-c", "exit 3"});
	split_ok("'a\\b $X \"q\"'", 1, (const char *[]){"a\\b $X \"q\""});
	split_ok("''", 1, (const char *[]){""});
	split_ok("a '' b", 3, (const char *[]){"a", "", "b"});
	split_ok("pre'mid dle'post", 1, (const char *[]){"premid dlepost"});
}

static void test_double_quotes(void **state)
{
	(void)state;
	split_ok("\"a b\"", 1, (const char *[]){"a b"});
	split_ok("\"\"", 1, (const char *[]){""});
	/* \" \\ \$ \` escaped; any other backslash stays */
	split_ok("\"\\\" \\\\ \\$ \\` \\n \\a\"", 1, (const char *[]){"\" \\ $ ` \\n \\a"});
	/* a backslash-newline inside goes, both characters */
	split_ok("\"a\\\nb\"", 1, (const char *[]){"ab"});
	/* no expansion: $X and `cmd` as they are */
	split_ok("\"$HOME `id`\"", 1, (const char *[]){"$HOME `id`"});
	split_ok("\"it's\"", 1, (const char *[]){"it's"});
	split_ok("'say \"hi\"' \"it's\"", 2, (const char *[]){"say \"hi\"", "it's"});
}

static void test_backslash(void **state)
{
	(void)state;
	split_ok("a\\ b", 1, (const char *[]){"a b"});
	split_ok("\\'x\\'", 1, (const char *[]){"'x'"});
	split_ok("\\$HOME \\| \\;", 3, (const char *[]){"$HOME", "|", ";"});
	split_ok("\\\\", 1, (const char *[]){"\\"});
	/* a line continued: nothing between words, joined inside one */
	split_ok("a \\\n b", 2, (const char *[]){"a", "b"});
	split_ok("a\\\nb", 1, (const char *[]){"ab"});
}

static void test_no_expansion(void **state)
{
	(void)state;
	/* globs, tildes, braces, =, and # inside a word are plain characters */
	split_ok("ls *.c ~ {a,b} x=1 c#d ? '#q' \\#e", 9,
		 (const char *[]){"ls", "*.c", "~", "{a,b}", "x=1", "c#d", "?", "#q", "#e"});
}

static void test_errors(void **state)
{
	(void)state;
	split_bad("sh -c 'exit 3", -EINVAL, 6, "unclosed single quote");
	split_bad("echo \"abc", -EINVAL, 5, "unclosed double quote");
	split_bad("echo \"a\\\"", -EINVAL, 5, "unclosed double quote");
	split_bad("echo a\\", -EINVAL, 6, "a backslash at the end");
	split_bad("a | b", -EINVAL, 2, "shell syntax");
	split_bad("a>b", -EINVAL, 1, "shell syntax");
	split_bad("a; b", -EINVAL, 1, "shell syntax");
	split_bad("a &", -EINVAL, 2, "shell syntax");
	split_bad("(a)", -EINVAL, 0, "shell syntax");
	split_bad("echo $HOME", -EINVAL, 5, "shell syntax");
	split_bad("echo `id`", -EINVAL, 5, "shell syntax");
	split_bad("a <b", -EINVAL, 2, "shell syntax");
	/* a comment to a shell */
	split_bad("a #b", -EINVAL, 2, "shell syntax");
}

static void test_bounds(void **state)
{
	char s[2 * UTIL_WORDS_MAX + 8];
	char **argv;
	size_t n, k = 0;
	struct util_words_err err;

	(void)state;
	for (int i = 0; i < UTIL_WORDS_MAX; i++) {
		s[k++] = 'w';
		s[k++] = ' ';
	}
	s[k] = '\0';
	assert_int_equal(util_words_split(s, &argv, &n, &err), 0);
	assert_int_equal(n, UTIL_WORDS_MAX);
	free(argv);
	s[k++] = 'x';
	s[k] = '\0';
	assert_int_equal(util_words_split(s, &argv, &n, &err), -E2BIG);
	assert_int_equal(err.off, k - 1);
	assert_non_null(strstr(err.why, "more than 256 words"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_blanks),	  cmocka_unit_test(test_single_quotes),
	    cmocka_unit_test(test_double_quotes), cmocka_unit_test(test_backslash),
	    cmocka_unit_test(test_no_expansion),  cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
