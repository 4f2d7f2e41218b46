/* SPDX-License-Identifier: MIT */
/* Numbers the edgemu command computes from a run's samples: one of each, for every report. */
#ifndef EDGEMU_UTIL_NUM_H
#define EDGEMU_UTIL_NUM_H

#include <stddef.h>

/* qsort() comparison of doubles, ascending. */
int cli_cmp_double(const void *a, const void *b);
/*
 * The q-quantile (0 < q <= 1) of n >= 1 sorted values by nearest rank: the ceil(q * n)-th
 * smallest, as the runner's histogram and edgemu-probe's percentiles count.
 */
double cli_quantile(const double *sorted, size_t n, double q);

#endif
