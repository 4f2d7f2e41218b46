/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/opt.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int util_parse_duration(const char *s, uint64_t *ret_ns)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {{"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}};
	unsigned __int128 whole = 0, frac = 0, scale = 1, v;
	const char *p = s;
	size_t i;

	if (!s || !is_digit(*p))
		return -EINVAL;
	for (; is_digit(*p); p++) {
		whole = whole * 10 + (unsigned)(*p - '0');
		if (whole > UINT64_MAX)
			return -ERANGE;
	}
	if (*p == '.') {
		p++;
		/* "5." and "5.ms" are typos, not numbers. */
		if (!is_digit(*p))
			return -EINVAL;
		for (; is_digit(*p); p++) {
			/* Digits past the 18th cannot move the result by a nanosecond. */
			if (scale >= 1000000000000000000ULL)
				continue;
			frac = frac * 10 + (unsigned)(*p - '0');
			scale *= 10;
		}
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].name))
			continue;
		v = whole * units[i].ns + (frac * units[i].ns + scale / 2) / scale;
		if (v > UINT64_MAX)
			return -ERANGE;
		*ret_ns = (uint64_t)v;
		return 0;
	}
	return -EINVAL;
}

int util_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret_v)
{
	uint64_t v = 0;
	const char *p = s;

	if (!s || !is_digit(*p))
		return -EINVAL;
	for (; is_digit(*p); p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10) {
			/* "99999999999999999999x" is malformed before it is too large. */
			while (is_digit(*p))
				p++;
			return *p ? -EINVAL : -ERANGE;
		}
		v = v * 10 + d;
	}
	if (*p)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*ret_v = v;
	return 0;
}

int util_usage_error(const char *prog, const char *usage, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage);
	return 2;
}

int util_opt_error(const char *prog, const char *usage, char *const argv[], int c)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";

	if (c == ':')
		fprintf(stderr, "%s: option '%s' needs a value\n", prog, arg);
	else if (optopt > 0 && optopt < 128 && strncmp(arg, "--", 2))
		fprintf(stderr, "%s: unknown option '-%c'\n", prog, optopt);
	else
		fprintf(stderr, "%s: unknown option '%s'\n", prog, arg);
	fputs(usage, stderr);
	return 2;
}

int util_opt_next(int argc, char **argv, const char *optstring, const struct option *opts,
		  const char *prog, const char *usage)
{
	int c;

	opterr = 0; /* util_opt_error() says it with the program's name and usage */
	c = getopt_long(argc, argv, optstring, opts, NULL);
	if (c == -1)
		return UTIL_OPT_END;
	if (c == 'h') {
		fputs(usage, stdout);
		return UTIL_OPT_HELP;
	}
	if (c == ':' || c == '?') {
		util_opt_error(prog, usage, argv, c);
		return UTIL_OPT_BAD;
	}
	return c;
}

bool util_opt_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return false;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	}
	return false;
}

bool util_opt_is(const char *arg, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(arg, name, n) && (arg[n] == '\0' || arg[n] == '=');
}

const char *util_opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (!strcmp(argv[*i], name))
		return *i + 1 < argc ? argv[++*i] : NULL;
	if (!strncmp(argv[*i], name, n) && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	return NULL;
}
