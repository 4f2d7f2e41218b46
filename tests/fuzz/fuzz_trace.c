/* SPDX-License-Identifier: MIT */
/*
 * A mobility trace reader (FUZZ_TRACE_CSV: the CSV one, else ns-2) on a file's text, then
 * every node asked where it is, as the runner asks at each tick: a trace the reader accepts
 * gives finite positions at every finite time.
 */
#include <math.h>

#include "mobility/mobility.h"
#include "tests/fuzz/fuzz.h"

#ifdef FUZZ_TRACE_CSV
#define parse mob_trace_csv_parse
#else
#define parse mob_trace_ns2_parse
#endif

static void check(struct mob_trace *t, size_t idx)
{
	const struct mob_node *nd = &t->nodes[idx];
	unsigned id = nd->id;
	static const double at[] = {-1, 0, 0.5, 1, 10, 99.9, 1e3, 1e6, 1e9};
	struct mob_model mm;
	struct mob_pos p;

	FUZZ_CHECK(mob_model_trace_init(&mm, t, id) == 0);
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		FUZZ_CHECK(mob_model_pos(&mm, at[i], &p) == 0);
		FUZZ_CHECK(isfinite(p.x) && isfinite(p.y) && isfinite(p.z));
	}
	/* and at each leg's ends, where rounding is at its worst */
	for (size_t i = 0; i < nd->n_segs && i < 64; i++) {
		const struct mob_seg *s = &nd->segs[i];

		FUZZ_CHECK(mob_trace_pos(t, id, s->t0_s, &p) == 0);
		FUZZ_CHECK(isfinite(p.x) && isfinite(p.y) && isfinite(p.z));
		FUZZ_CHECK(mob_trace_pos(t, id, (s->t0_s + s->t1_s) / 2, &p) == 0);
		FUZZ_CHECK(isfinite(p.x) && isfinite(p.y) && isfinite(p.z));
	}
	mob_model_fini(&mm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mob_trace *t = NULL;
	size_t n;

	(void)mob_trace_text_is_ns2((const char *)data, size);
	if (parse((const char *)data, size, "fuzz", &t) < 0)
		return 0;
	n = mob_trace_node_count(t);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(!i || mob_trace_node_id(t, i - 1) < mob_trace_node_id(t, i));
		if (i < 16 || i == n - 1)
			check(t, i);
	}
	for (size_t i = 0; i < mob_trace_warning_count(t); i++)
		FUZZ_CHECK(mob_trace_warning(t, i) != NULL);
	mob_trace_free(t);
	return 0;
}
