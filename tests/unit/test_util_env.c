/* SPDX-License-Identifier: MIT */
/*
 * util_env_with(): the environment of a program we start: ours, with its own variables set
 * once (an old value replaced, a name that merely begins like one kept), last.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/env.h"

static size_t count(char **env, const char *entry)
{
	size_t n = 0;

	for (size_t i = 0; env[i]; i++)
		n += !strcmp(env[i], entry);
	return n;
}

static void test_env_with(void **state)
{
	static const char *const names[] = {"EDGEMU_RUN", "EDGEMU_NODE"};
	static const char *const values[] = {"r1", "ue1"};
	char **env;
	size_t n = 0;

	(void)state;
	assert_int_equal(setenv("EDGEMU_RUN", "old", 1), 0);
	assert_int_equal(setenv("EDGEMU_RUNX", "kept", 1), 0);
	assert_int_equal(setenv("TEST_UTIL_ENV", "a=b", 1), 0);
	env = util_env_with(names, values, 2);
	assert_non_null(env);
	while (env[n])
		n++;
	assert_true(n >= 4);
	assert_string_equal(env[n - 2], "EDGEMU_RUN=r1");
	assert_string_equal(env[n - 1], "EDGEMU_NODE=ue1");
	assert_int_equal(count(env, "EDGEMU_RUN=old"), 0);
	assert_int_equal(count(env, "EDGEMU_RUN=r1"), 1);
	assert_int_equal(count(env, "EDGEMU_RUNX=kept"), 1);
	assert_int_equal(count(env, "TEST_UTIL_ENV=a=b"), 1);
	util_env_free(env);
	/* None set: a copy of ours. */
	env = util_env_with(NULL, NULL, 0);
	assert_non_null(env);
	assert_int_equal(count(env, "EDGEMU_RUN=old"), 1);
	util_env_free(env);
	util_env_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_env_with),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
