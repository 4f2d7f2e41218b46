/* SPDX-License-Identifier: MIT */
/*
 * Values with units, as written in scenario files. Numbers are plain decimals ("5", "1.5",
 * "-3"): no exponent, hex, nan or inf, so "1e3ms" cannot mean something surprising.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"

struct unit {
	const char *name;
	uint64_t mult;
};

size_t topo_unit_number_len(const char *s)
{
	size_t i = 0, digits;

	if (s[i] == '-' || s[i] == '+')
		i++;
	for (digits = 0; s[i] >= '0' && s[i] <= '9'; i++)
		digits++;
	if (!digits)
		return 0;
	if (s[i] == '.') {
		/* "5." is not a number: a dot needs digits after it. */
		if (!(s[i + 1] >= '0' && s[i + 1] <= '9'))
			return i;
		for (i++; s[i] >= '0' && s[i] <= '9'; i++)
			;
	}
	return i;
}

/*
 * Exact decimal scaling: doubles would turn "0.1ms" into 99999.99...ns and lose precision
 * near 2^64. Fraction digits past the 18th cannot change the rounded result enough to matter.
 */
static int scaled(const char *s, size_t n, uint64_t mult, uint64_t *ret)
{
	unsigned __int128 ip = 0, fp = 0, pow10 = 1, v;
	size_t i = 0;

	if (s[0] == '-')
		return -EINVAL;
	if (s[0] == '+')
		i++;
	for (; i < n && s[i] != '.'; i++) {
		ip = ip * 10 + (unsigned)(s[i] - '0');
		if (ip > UINT64_MAX)
			return -EINVAL;
	}
	for (i++; i < n; i++) {
		if (pow10 >= 1000000000000000000ULL)
			break;
		fp = fp * 10 + (unsigned)(s[i] - '0');
		pow10 *= 10;
	}
	v = ip * mult + (fp * mult + pow10 / 2) / pow10;
	if (v > UINT64_MAX)
		return -EINVAL;
	*ret = (uint64_t)v;
	return 0;
}

static int with_unit(const char *s, const struct unit *units, uint64_t *ret)
{
	size_t n;

	if (!s)
		return -EINVAL;
	n = topo_unit_number_len(s);
	if (!n)
		return -EINVAL;
	for (; units->name; units++)
		if (!strcmp(s + n, units->name))
			return scaled(s, n, units->mult, ret);
	return -EINVAL;
}

int topo_unit_time(const char *s, uint64_t *ret_ns)
{
	static const struct unit units[] = {
	    {"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}, {NULL, 0},
	};

	return with_unit(s, units, ret_ns);
}

int topo_unit_rate(const char *s, uint64_t *ret_bps)
{
	/* tc's spelling; "bps" is deliberately absent because tc reads it as bytes per second. */
	static const struct unit units[] = {
	    {"bit", 1},
	    {"kbit", 1000},
	    {"mbit", 1000000},
	    {"gbit", 1000000000},
	    {"tbit", 1000000000000ULL},
	    {NULL, 0},
	};

	return with_unit(s, units, ret_bps);
}

int topo_unit_size(const char *s, uint64_t *ret_bytes)
{
	static const struct unit units[] = {
	    {"B", 1},	  {"KiB", 1ULL << 10}, {"MiB", 1ULL << 20}, {"GiB", 1ULL << 30},
	    {"KB", 1000}, {"MB", 1000000},     {"GB", 1000000000},  {NULL, 0},
	};

	return with_unit(s, units, ret_bytes);
}

/* A signed decimal followed by exactly suffix; the number is checked before strtod sees it. */
static int decimal(const char *s, const char *suffix, double *ret)
{
	size_t n;
	double v;

	if (!s || !suffix)
		return -EINVAL;
	n = topo_unit_number_len(s);
	if (!n || strcmp(s + n, suffix))
		return -EINVAL;
	v = strtod(s, NULL);
	if (!isfinite(v))
		return -EINVAL;
	*ret = v;
	return 0;
}

int topo_unit_percent(const char *s, double *ret_fraction)
{
	double v;

	if (decimal(s, "%", &v) < 0 || v < 0 || v > 100 || s[0] == '-')
		return -EINVAL;
	*ret_fraction = v / 100;
	return 0;
}

int topo_unit_decibel(const char *s, const char *unit, double *ret)
{
	return decimal(s, unit, ret);
}

int topo_unit_metres(const char *s, double *ret_m)
{
	double v;

	if (decimal(s, "m", &v) == 0) {
		*ret_m = v;
		return 0;
	}
	if (decimal(s, "km", &v) == 0 && isfinite(v * 1000)) {
		*ret_m = v * 1000;
		return 0;
	}
	return -EINVAL;
}
