/* SPDX-License-Identifier: MIT */
#ifndef EDGEMU_UTIL_HIST_H
#define EDGEMU_UTIL_HIST_H

#include <stdint.h>

/*
 * A histogram of ns values in fixed memory: values below 32 ns have a bucket each; above,
 * each power of two is cut into 16 equal buckets, so a bucket's width is at most 1/16 of its
 * smallest value. Values from 2^36 ns (69 s) up share the last bucket. 4.2 KiB.
 */
#define EMU_LOOP_HIST_SUB 16
#define EMU_LOOP_HIST_BUCKETS ((36 - 3) * EMU_LOOP_HIST_SUB + 1)

struct emu_loop_hist {
	uint64_t count;
	uint64_t max_ns;
	uint64_t bucket[EMU_LOOP_HIST_BUCKETS];
};

void emu_loop_hist_add(struct emu_loop_hist *h, uint64_t value_ns);
/*
 * The q-quantile (0 <= q <= 1) by nearest rank: the highest value of the bucket that holds
 * the ceil(q * count)-th smallest value (at least the first), but never above the largest
 * value added. Never below the true value; at most 1/16 above it below 2^36 ns. 0 when
 * empty.
 */
uint64_t emu_loop_hist_quantile(const struct emu_loop_hist *h, double q);

#endif
