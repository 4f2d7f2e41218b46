/* SPDX-License-Identifier: MIT */
#ifndef EDGEMU_UTIL_OPT_H
#define EDGEMU_UTIL_OPT_H

#include <stdint.h>

/*
 * A duration as scenario files write it: a plain decimal and a unit, ns, us, ms or s ("1ms",
 * "1.5s"). Rounded to the nanosecond. -EINVAL when malformed, -ERANGE when it overflows;
 * *ret_ns is left alone on failure.
 */
int app_parse_duration(const char *s, uint64_t *ret_ns);

/* A plain unsigned decimal within [min, max]: -EINVAL when malformed, -ERANGE outside. */
int app_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret);

/* Prints "prog: <message>" and the usage on stderr; returns 2, the exit code of bad usage. */
__attribute__((format(printf, 3, 4))) int app_usage_error(const char *prog, const char *usage,
							  const char *fmt, ...);

/* Prints why getopt_long refused an option (opterr must be 0 and optstring start with ':'). */
void app_opt_error(const char *prog, char *const argv[], int c);

#endif
