/* SPDX-License-Identifier: MIT */
/* Quantiles of ns values (lateness, RTT) in fixed memory, however many values come. */
#ifndef EDGEMU_UTIL_HIST_H
#define EDGEMU_UTIL_HIST_H

#include <stdint.h>

/*
 * A histogram of ns values in fixed memory: values below 32 ns have a bucket each; above,
 * each power of two is cut into 16 equal buckets, so a bucket's width is at most 1/16 of its
 * smallest value. Values from 2^36 ns (69 s) up share the last bucket. 4.2 KiB.
 */
#define UTIL_HIST_SUB 16
#define UTIL_HIST_BUCKETS ((36 - 3) * UTIL_HIST_SUB + 1)

struct util_hist {
	uint64_t count;
	uint64_t max_ns;
	uint64_t bucket[UTIL_HIST_BUCKETS];
};

void util_hist_add(struct util_hist *h, uint64_t value_ns);
/*
 * The q-quantile (0 <= q <= 1) by nearest rank: the highest value of the bucket that holds
 * the util_quantile_rank(count, q)-th smallest value (util/num.h), but never above the largest
 * value added. Never below the true value; at most 1/16 above it below 2^36 ns. 0 when
 * empty.
 */
uint64_t util_hist_quantile(const struct util_hist *h, double q);

#endif
