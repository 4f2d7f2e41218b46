/* SPDX-License-Identifier: MIT */
/*
 * An environment for a program we start: ours, with a few variables of its own set.
 */
#ifndef EDGEMU_UTIL_ENV_H
#define EDGEMU_UTIL_ENV_H

#include <stddef.h>

/*
 * A copy of environ with names[i] set to values[i] for i < n (names without the '='): their
 * entries in environ left out, the n set last. NULL-terminated, for execve(); free it with
 * util_env_free(). NULL when out of memory.
 */
char **util_env_with(const char *const names[], const char *const values[], size_t n);
void util_env_free(char **env);

#endif
