/* SPDX-License-Identifier: MIT */
#include "util/env.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Whether entry ("NAME=value") is one of names. */
static bool env_is(const char *entry, const char *const names[], size_t n)
{
	for (size_t j = 0; j < n; j++) {
		size_t len = strlen(names[j]);

		if (!strncmp(entry, names[j], len) && entry[len] == '=')
			return true;
	}
	return false;
}

char **util_env_with(const char *const names[], const char *const values[], size_t n)
{
	size_t have = 0, k = 0;
	char **env;

	while (environ && environ[have])
		have++;
	env = calloc(have + n + 1, sizeof(*env));
	if (!env)
		return NULL;
	/* Every entry a copy of its own, so util_env_free() frees them all alike. */
	for (size_t i = 0; i < have; i++)
		if (!env_is(environ[i], names, n) && !(env[k++] = strdup(environ[i])))
			goto oom;
	for (size_t j = 0; j < n; j++)
		if (asprintf(&env[k++], "%s=%s", names[j], values[j]) < 0) {
			env[k - 1] = NULL;
			goto oom;
		}
	return env;
oom:
	util_env_free(env);
	return NULL;
}

void util_env_free(char **env)
{
	for (size_t i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}
