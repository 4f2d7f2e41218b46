/* SPDX-License-Identifier: MIT */
#include "util/num.h"

int util_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

size_t util_quantile_rank(size_t n, double q)
{
	double x;
	size_t rank;

	if (!(q > 0)) /* NaN too */
		return 1;
	if (q >= 1)
		return n;
	x = q * (double)n;
	rank = (size_t)x;
	/*
	 * The product's rounding error is a few units of 2^-53 of it; a real fraction of a rank
	 * (a hundredth for whole percents) stays far above 1e-12 of it for any n in memory.
	 */
	if ((double)rank < x - 1e-12 * x)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return rank;
}

double util_quantile(const double *sorted, size_t n, double q)
{
	return sorted[util_quantile_rank(n, q) - 1];
}
