/* SPDX-License-Identifier: MIT */
#include "util/num.h"

int cli_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double cli_quantile(const double *sorted, size_t n, double q)
{
	double x = q * (double)n;
	size_t rank = (size_t)x;

	/* Ceiling, but 0.95 * 2000 computed as 1900.0000000000002 must stay rank 1900. */
	if ((double)rank < x - 1e-9 * x)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}
