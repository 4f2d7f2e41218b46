/* SPDX-License-Identifier: MIT */
/*
 * Moved to util/num.h (issue 13). The old names stay until their last users (report, sweep)
 * switch to util_cmp_double() and util_quantile(); then this file goes.
 */
#ifndef EDGEMU_CLI_NUM_H
#define EDGEMU_CLI_NUM_H

#include "util/num.h"

#define cli_cmp_double util_cmp_double

static inline double cli_quantile(const double *sorted, size_t n, double q)
{
	return util_quantile(sorted, n, q);
}

#endif
