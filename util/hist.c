/* SPDX-License-Identifier: MIT */
#include "util/hist.h"

static unsigned hist_index(uint64_t v)
{
	unsigned e;

	if (v < 2 * EMU_LOOP_HIST_SUB)
		return (unsigned)v;
	e = 63 - (unsigned)__builtin_clzll(v); /* 2^e <= v < 2^(e+1), e >= 5 */
	if (e >= 36)
		return EMU_LOOP_HIST_BUCKETS - 1;
	return (e - 3) * EMU_LOOP_HIST_SUB + (unsigned)((v >> (e - 4)) & (EMU_LOOP_HIST_SUB - 1));
}

/* The highest value bucket idx holds. */
static uint64_t hist_high(unsigned idx)
{
	unsigned e, sub;

	if (idx < 2 * EMU_LOOP_HIST_SUB)
		return idx;
	e = idx / EMU_LOOP_HIST_SUB + 3;
	sub = idx % EMU_LOOP_HIST_SUB;
	return ((uint64_t)(EMU_LOOP_HIST_SUB + sub + 1) << (e - 4)) - 1;
}

void emu_loop_hist_add(struct emu_loop_hist *h, uint64_t value_ns)
{
	h->bucket[hist_index(value_ns)]++;
	h->count++;
	if (value_ns > h->max_ns)
		h->max_ns = value_ns;
}

uint64_t emu_loop_hist_quantile(const struct emu_loop_hist *h, double q)
{
	uint64_t rank, seen = 0;
	double r;

	if (!h->count)
		return 0;
	if (!(q > 0))
		q = 0; /* NaN too */
	if (q > 1)
		q = 1;
	/* ceil(q * count), forgiving the rounding of q * count just above an integer */
	r = q * (double)h->count;
	rank = (uint64_t)r;
	if ((double)rank < r - 1e-9 * r)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (unsigned i = 0; i < EMU_LOOP_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank) {
			uint64_t v = hist_high(i);

			/* The last bucket has no top; the largest value is an exact bound. */
			return i == EMU_LOOP_HIST_BUCKETS - 1 || v > h->max_ns ? h->max_ns : v;
		}
	}
	return h->max_ns; /* not reached while the counts add up */
}
