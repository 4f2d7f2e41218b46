/* SPDX-License-Identifier: MIT */
#include "util/hist.h"
#include "util/num.h"

static unsigned hist_index(uint64_t v)
{
	unsigned e;

	if (v < 2 * UTIL_HIST_SUB)
		return (unsigned)v;
	e = 63 - (unsigned)__builtin_clzll(v); /* 2^e <= v < 2^(e+1), e >= 5 */
	if (e >= 36)
		return UTIL_HIST_BUCKETS - 1;
	return (e - 3) * UTIL_HIST_SUB + (unsigned)((v >> (e - 4)) & (UTIL_HIST_SUB - 1));
}

/* The highest value bucket idx holds. */
static uint64_t hist_high(unsigned idx)
{
	unsigned e, sub;

	if (idx < 2 * UTIL_HIST_SUB)
		return idx;
	e = idx / UTIL_HIST_SUB + 3;
	sub = idx % UTIL_HIST_SUB;
	return ((uint64_t)(UTIL_HIST_SUB + sub + 1) << (e - 4)) - 1;
}

void util_hist_add(struct util_hist *h, uint64_t value_ns)
{
	h->bucket[hist_index(value_ns)]++;
	h->count++;
	if (value_ns > h->max_ns)
		h->max_ns = value_ns;
}

uint64_t util_hist_quantile(const struct util_hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (!h->count)
		return 0;
	rank = util_quantile_rank(h->count, q);
	for (unsigned i = 0; i < UTIL_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank) {
			uint64_t v = hist_high(i);

			/* The last bucket has no top; the largest value is an exact bound. */
			return i == UTIL_HIST_BUCKETS - 1 || v > h->max_ns ? h->max_ns : v;
		}
	}
	return h->max_ns; /* not reached while the counts add up */
}
