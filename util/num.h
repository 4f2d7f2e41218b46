/* SPDX-License-Identifier: MIT */
/* Numbers computed from samples: one definition of each, for every module. */
#ifndef EDGEMU_UTIL_NUM_H
#define EDGEMU_UTIL_NUM_H

#include <stddef.h>

/* qsort() comparison of doubles, ascending. */
int util_cmp_double(const void *a, const void *b);
/*
 * The nearest rank of the q-quantile of n >= 1 values: ceil(q * n), between 1 and n (q <= 0
 * or NaN: 1; q >= 1: n). q * n computed in doubles can land a hair above a whole number
 * (0.07 * 100 gives 7.000000000000001): an excess below 1e-12 of the product is that
 * rounding, not a fraction of a rank, so it does not move the rank up.
 */
size_t util_quantile_rank(size_t n, double q);
/*
 * The q-quantile of n >= 1 sorted values by nearest rank: the util_quantile_rank(n, q)-th
 * smallest, as the histogram (util/hist.h) and edgemu-probe's percentiles count.
 */
double util_quantile(const double *sorted, size_t n, double q);

#endif
