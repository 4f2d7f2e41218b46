/* SPDX-License-Identifier: MIT */
/*
 * The units of scenario values (topo/units.c): the input is one value as written. What is
 * accepted must be in range, and a value must mean the same written in a bigger unit.
 */
#include <math.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "topo/topo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size);
	uint64_t u;
	double d;
	size_t n;

	if (!s)
		return 0;
	n = topo_unit_number_len(s);
	FUZZ_CHECK(n <= strlen(s));
	(void)topo_unit_time(s, &u);
	(void)topo_unit_rate(s, &u);
	(void)topo_unit_size(s, &u);
	if (topo_unit_percent(s, &d) == 0)
		FUZZ_CHECK(d >= 0 && d <= 1);
	if (topo_unit_decibel(s, "dB", &d) == 0)
		FUZZ_CHECK(isfinite(d));
	if (topo_unit_decibel(s, "dBm", &d) == 0)
		FUZZ_CHECK(isfinite(d));
	if (topo_unit_metres(s, &d) == 0)
		FUZZ_CHECK(isfinite(d));
	/* A number of milliseconds is the same time as that number of seconds / 1000. */
	if (n && n == strlen(s) && n < 64) {
		char ms[80], sec[80];
		uint64_t a, b;

		snprintf(ms, sizeof(ms), "%sms", s);
		snprintf(sec, sizeof(sec), "%ss", s);
		if (topo_unit_time(sec, &b) == 0) {
			FUZZ_CHECK(s[0] != '-');
			FUZZ_CHECK(topo_unit_time(ms, &a) == 0);
			FUZZ_CHECK(a <= b);
		}
	}
	free(s);
	return 0;
}
