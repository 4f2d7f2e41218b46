/* SPDX-License-Identifier: MIT */
/*
 * The random-waypoint model on any parameters: the input is the seven numbers of struct
 * mob_rwp_params, a seed and query times, as raw doubles. What the model accepts must answer
 * every query quickly (libFuzzer's -timeout catches a loop) with a position in the area.
 * Query times are folded into the first 100 s: the model walks every leg up to the time
 * asked (a runner asks tick after tick), so one query at 10^9 s is slow by design.
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "mobility/mobility.h"
#include "tests/fuzz/fuzz.h"

/* Within [a, b] up to rounding of the interpolation. */
static bool inside(double v, double a, double b)
{
	double lo = fmin(a, b), hi = fmax(a, b), eps = 1e-9 * (1 + fmax(fabs(lo), fabs(hi)));

	return v >= lo - eps && v <= hi + eps;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mob_rwp_params p;
	struct mob_model m;
	uint64_t seed = 0;
	double t;

	if (size < sizeof(p))
		return 0;
	memcpy(&p, data, sizeof(p));
	data += sizeof(p);
	size -= sizeof(p);
	if (size >= sizeof(seed)) {
		memcpy(&seed, data, sizeof(seed));
		data += sizeof(seed);
		size -= sizeof(seed);
	}
	if (mob_model_rwp_init(&m, &p, seed) < 0)
		return 0;
	for (; size >= sizeof(t); data += sizeof(t), size -= sizeof(t)) {
		struct mob_pos q;

		memcpy(&t, data, sizeof(t));
		if (isfinite(t))
			t = fmod(fabs(t), 100);
		if (mob_model_pos(&m, t, &q) < 0)
			continue;
		FUZZ_CHECK(isfinite(q.x) && isfinite(q.y));
		FUZZ_CHECK(inside(q.x, p.x0, p.x1) && inside(q.y, p.y0, p.y1));
	}
	mob_model_fini(&m);
	return 0;
}
