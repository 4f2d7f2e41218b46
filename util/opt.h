/* SPDX-License-Identifier: MIT */
/*
 * Command lines: option values (durations, bounded numbers), "--name VALUE" and "--name=VALUE"
 * read by hand, and the messages of bad usage, worded the same in every program.
 */
#ifndef EDGEMU_UTIL_OPT_H
#define EDGEMU_UTIL_OPT_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * A duration as scenario files write it: a plain decimal and a unit, ns, us, ms or s ("1ms",
 * "1.5s"). Rounded to the nanosecond. -EINVAL when malformed, -ERANGE when it overflows;
 * *ret_ns is left alone on failure.
 */
int util_parse_duration(const char *s, uint64_t *ret_ns);

/* A plain unsigned decimal within [min, max]: -EINVAL when malformed, -ERANGE outside;
 * *ret_v is left alone on failure. */
int util_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret_v);

/* Prints "prog: <message>" and the usage on stderr; returns 2, the exit code of bad usage. */
__attribute__((format(printf, 3, 4))) int util_usage_error(const char *prog, const char *usage,
							   const char *fmt, ...);

/*
 * Prints why getopt_long refused an option (opterr must be 0 and optstring start with ':'),
 * then the usage, on stderr; returns 2, the exit code of bad usage.
 */
int util_opt_error(const char *prog, const char *usage, char *const argv[], int c);

enum {
	UTIL_OPT_END = -1,  /* no more options */
	UTIL_OPT_HELP = -2, /* -h or --help: the usage is on stdout */
	UTIL_OPT_BAD = -3,  /* an option refused: said on stderr with the usage (exit code 2) */
};

/*
 * The next option of argv as getopt_long() gives it (optstring starting with ':', and 'h'
 * for -h/--help), with the same answers in every program: help prints usage on stdout,
 * an unknown option or one without its value is said by util_opt_error(). The option, or
 * one of UTIL_OPT_*.
 */
int util_opt_next(int argc, char **argv, const char *optstring, const struct option *opts,
		  const char *prog, const char *usage);
/* Whether argv[1..] asks for help (-h or --help) before a "--". */
bool util_opt_wants_help(int argc, char **argv);
/* Whether arg is option name ("--at"), alone or with "=VALUE" ("--at=5"). */
bool util_opt_is(const char *arg, const char *name);
/*
 * The value of option name at argv[*i]: "--name=VALUE" or "--name VALUE" (then *i moves to
 * the value). NULL when argv[*i] is not that option or its value is missing.
 */
const char *util_opt_value(int argc, char **argv, int *i, const char *name);

#endif
