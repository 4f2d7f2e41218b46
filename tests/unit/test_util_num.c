/* SPDX-License-Identifier: MIT */
/* util/num.c: the one nearest rank, and quantiles of sorted values by it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "util/num.h"

static void test_rank(void **state)
{
	/* ceil(q * n) */
	assert_int_equal(util_quantile_rank(100, 0.5), 50);
	assert_int_equal(util_quantile_rank(100, 0.501), 51);
	assert_int_equal(util_quantile_rank(3, 0.5), 2);
	assert_int_equal(util_quantile_rank(10, 0.95), 10);
	assert_int_equal(util_quantile_rank(1, 0.99), 1);
	/* p95 of 2000 samples is the 1900th, never the 1901st */
	assert_int_equal(util_quantile_rank(2000, 0.95), 1900);
	/* 0.07 * 100 is 7.000000000000001 in doubles: still rank 7, not 8 */
	assert_true(0.07 * 100 > 7.0);
	assert_int_equal(util_quantile_rank(100, 0.07), 7);
	assert_int_equal(util_quantile_rank(25, 0.28), 7);
	assert_int_equal(util_quantile_rank(2000, 95 / 100.0), 1900);
	for (size_t n = 1; n <= 5000; n++)
		for (int p = 1; p <= 100; p++) {
			/* whole percents: the exact ceiling of p * n / 100, in integers */
			size_t want = ((size_t)p * n + 99) / 100;

			assert_int_equal(util_quantile_rank(n, p / 100.0), want);
		}
	/* k/30 of 30 is k despite the rounding of k/30.0 */
	for (int k = 1; k <= 30; k++)
		assert_int_equal(util_quantile_rank(30, k / 30.0), k);
	/* at least the first, at most the last; NaN as 0 */
	assert_int_equal(util_quantile_rank(7, 0), 1);
	assert_int_equal(util_quantile_rank(7, -1), 1);
	assert_int_equal(util_quantile_rank(7, NAN), 1);
	assert_int_equal(util_quantile_rank(7, 1), 7);
	assert_int_equal(util_quantile_rank(7, 2), 7);
	assert_int_equal(util_quantile_rank(7, 1e-9), 1);
	/* a real half rank far out still counts (a tolerance of 1e-9 of q * n would drop it) */
	assert_int_equal(util_quantile_rank(2000000001, 0.5), 1000000001);
	assert_int_equal(util_quantile_rank(2000000000, 0.5), 1000000000);
}

static void test_quantile(void **state)
{
	double v[] = {5, 1, 4, 2, 3};

	qsort(v, 5, sizeof(v[0]), util_cmp_double);
	for (int i = 0; i < 5; i++)
		assert_true(v[i] == i + 1);
	assert_true(util_quantile(v, 5, 0.5) == 3);
	assert_true(util_quantile(v, 5, 0.2) == 1);
	assert_true(util_quantile(v, 5, 0.21) == 2);
	assert_true(util_quantile(v, 5, 1) == 5);
	assert_true(util_quantile(v, 5, 0) == 1);
	assert_true(util_quantile(v, 1, 0.99) == 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rank),
	    cmocka_unit_test(test_quantile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
