/* SPDX-License-Identifier: MIT */
/* util/hist.c: buckets, nearest-rank quantiles on exact and spread values. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/support.h"
#include "util/hist.h"

static uint64_t quantile_of_one(uint64_t v, double q)
{
	struct util_hist h = {0};

	util_hist_add(&h, v);
	return util_hist_quantile(&h, q);
}

/* The highest value of v's bucket, seen through the first quantile with a larger max. */
static uint64_t bucket_top(uint64_t v)
{
	static struct util_hist h;

	memset(&h, 0, sizeof(h));
	util_hist_add(&h, v);
	util_hist_add(&h, 1ULL << 50);
	return util_hist_quantile(&h, 0);
}

static void test_hist(void **state)
{
	static struct util_hist h;
	static const uint64_t one[] = {
	    0, 1, 15, 16, 31, 32, 33, 1000, 123456, 1000000000ULL, 1ULL << 36, (1ULL << 40) + 3};

	/* empty */
	memset(&h, 0, sizeof(h));
	assert_int_equal(util_hist_quantile(&h, 0.5), 0);

	/* one value: every quantile is that value (the bucket top is cut at the max) */
	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		assert_int_equal(quantile_of_one(one[i], 0), one[i]);
		assert_int_equal(quantile_of_one(one[i], 0.5), one[i]);
		assert_int_equal(quantile_of_one(one[i], 1), one[i]);
	}

	/* Below 32 ns every value has its bucket; above, a bucket is at most 1/16 wide. */
	for (uint64_t v = 0; v < 32; v++)
		assert_int_equal(bucket_top(v), v);
	assert_int_equal(bucket_top(1000), 1023); /* [992, 1023]: 512 ns cut in 16 */
	assert_int_equal(bucket_top(992), 1023);
	assert_int_equal(bucket_top(991), 991);	  /* [960, 991] */
	assert_int_equal(bucket_top(1024), 1087); /* [1024, 1087] */
	for (int i = 0; i < 20000; i++) {
		uint64_t v = support_rand() >> (28 + support_rand() % 36); /* 0 .. 2^36 */
		uint64_t top = bucket_top(v);

		if (v >= 1ULL << 36)
			continue;
		assert_true(top >= v);
		assert_true((top - v) * 16 <= v);
		/* buckets tile the line: the top is its own bucket's, the next value is not */
		assert_int_equal(bucket_top(top), top);
		assert_true(bucket_top(top + 1) > top);
	}

	/* Nearest rank, on exact values: 1..30 once each; q = k/30 gives k, despite rounding. */
	memset(&h, 0, sizeof(h));
	for (uint64_t v = 30; v >= 1; v--)
		util_hist_add(&h, v);
	assert_int_equal(h.count, 30);
	assert_int_equal(h.max_ns, 30);
	for (int k = 1; k <= 30; k++)
		assert_int_equal(util_hist_quantile(&h, k / 30.0), k);
	assert_int_equal(util_hist_quantile(&h, 0), 1);
	assert_int_equal(util_hist_quantile(&h, -1), 1);
	assert_int_equal(util_hist_quantile(&h, 2), 30);

	/* 100 values: 10 of 5 ns, 89 of 20 ns, one of 30 ns */
	memset(&h, 0, sizeof(h));
	for (int i = 0; i < 100; i++)
		util_hist_add(&h, i < 10 ? 5 : i < 99 ? 20 : 30);
	assert_int_equal(util_hist_quantile(&h, 0.10), 5);
	assert_int_equal(util_hist_quantile(&h, 0.11), 20);
	assert_int_equal(util_hist_quantile(&h, 0.50), 20);
	assert_int_equal(util_hist_quantile(&h, 0.99), 20); /* rank 99, not 100 */
	assert_int_equal(util_hist_quantile(&h, 0.995), 30);
	assert_int_equal(util_hist_quantile(&h, 0.57), 20);
	assert_int_equal(util_hist_quantile(&h, 0.29), 20);

	/* Many spread values: each quantile within 1/16 above the exact nearest rank. */
	{
		enum { N = 100000 };
		uint64_t *v = malloc(N * sizeof(*v));
		static const double qs[] = {0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 1};

		assert_non_null(v);
		memset(&h, 0, sizeof(h));
		for (int i = 0; i < N; i++) {
			/* roughly log-uniform from 1 us to 1 s, as lateness spreads */
			v[i] = 1000 + (support_rand() % 1000) * (1ULL << (support_rand() % 20));
			util_hist_add(&h, v[i]);
		}
		qsort(v, N, sizeof(*v), support_cmp_u64);
		assert_int_equal(h.count, N);
		assert_int_equal(h.max_ns, v[N - 1]);
		for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
			size_t rank = (size_t)(qs[i] * N + 0.5); /* exact for these q */
			uint64_t exact = v[rank - 1], got = util_hist_quantile(&h, qs[i]);

			assert_true(got >= exact);
			assert_true((got - exact) * 16 <= exact);
		}
		free(v);
	}
}

/* The lateness of 2^36 ns and more shares the last bucket, whose top is the largest value. */
static void test_hist_last_bucket(void **state)
{
	static struct util_hist h;

	util_hist_add(&h, 1ULL << 37);
	util_hist_add(&h, 1ULL << 40);
	assert_int_equal(h.bucket[UTIL_HIST_BUCKETS - 1], 2);
	assert_int_equal(util_hist_quantile(&h, 0.5), 1ULL << 40);
	assert_int_equal(util_hist_quantile(&h, NAN), 1ULL << 40); /* NaN: the first */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hist),
	    cmocka_unit_test(test_hist_last_bucket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
