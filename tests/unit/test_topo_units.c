/* SPDX-License-Identifier: MIT */
/* Values with units: every family, its boundaries, and what must be refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>

#include "tests/unit/support.h"
#include "topo/topo.h"

static void test_time(void **state)
{
	assert_int_equal(support_u64_ok(topo_unit_time, "0ns"), 0);
	assert_int_equal(support_u64_ok(topo_unit_time, "7ns"), 7);
	assert_int_equal(support_u64_ok(topo_unit_time, "5us"), 5000);
	assert_int_equal(support_u64_ok(topo_unit_time, "5ms"), 5000000);
	assert_int_equal(support_u64_ok(topo_unit_time, "30s"), 30000000000ULL);
	assert_int_equal(support_u64_ok(topo_unit_time, "1.5s"), 1500000000ULL);
	assert_int_equal(support_u64_ok(topo_unit_time, "0.5ms"), 500000);
	/* Decimal scaling is exact: 0.1 has no binary form but 0.1ms is 100000ns. */
	assert_int_equal(support_u64_ok(topo_unit_time, "0.1ms"), 100000);
	assert_int_equal(support_u64_ok(topo_unit_time, "0.0000001ms"), 0);
	/* Rounded to the nanosecond, half up. */
	assert_int_equal(support_u64_ok(topo_unit_time, "1.5ns"), 2);
	assert_int_equal(support_u64_ok(topo_unit_time, "1.4ns"), 1);
	assert_int_equal(support_u64_ok(topo_unit_time, "0.0000000015s"), 2);
	assert_int_equal(support_u64_ok(topo_unit_time, "+2ms"), 2000000);
	assert_int_equal(support_u64_ok(topo_unit_time, "18446744073709551615ns"), UINT64_MAX);
	assert_int_equal(support_u64_ok(topo_unit_time, "18446744073s"), 18446744073000000000ULL);

	support_u64_bad(topo_unit_time, "18446744073709551616ns", -EINVAL);
	support_u64_bad(topo_unit_time, "18446744074s", -EINVAL);
	support_u64_bad(topo_unit_time, "99999999999999999999999999s", -EINVAL);
	support_u64_bad(topo_unit_time, "5", -EINVAL);
	support_u64_bad(topo_unit_time, "1.5", -EINVAL);
	support_u64_bad(topo_unit_time, "-5ms", -EINVAL);
	support_u64_bad(topo_unit_time, "-0ms", -EINVAL);
	support_u64_bad(topo_unit_time, "", -EINVAL);
	support_u64_bad(topo_unit_time, "ms", -EINVAL);
	support_u64_bad(topo_unit_time, "5 ms", -EINVAL);
	support_u64_bad(topo_unit_time, " 5ms", -EINVAL);
	support_u64_bad(topo_unit_time, "5ms ", -EINVAL);
	support_u64_bad(topo_unit_time, "5MS", -EINVAL);
	support_u64_bad(topo_unit_time, "5sec", -EINVAL);
	support_u64_bad(topo_unit_time, "5m", -EINVAL);
	support_u64_bad(topo_unit_time, "5.ms", -EINVAL);
	support_u64_bad(topo_unit_time, ".5ms", -EINVAL);
	support_u64_bad(topo_unit_time, "1e3ms", -EINVAL);
	support_u64_bad(topo_unit_time, "0x10ms", -EINVAL);
	support_u64_bad(topo_unit_time, "nanms", -EINVAL);
	support_u64_bad(topo_unit_time, "infs", -EINVAL);
	support_u64_bad(topo_unit_time, "1.2.3ms", -EINVAL);
	support_u64_bad(topo_unit_time, "5msx", -EINVAL);
	support_u64_bad(topo_unit_time, NULL, -EINVAL);
}

static void test_rate(void **state)
{
	assert_int_equal(support_u64_ok(topo_unit_rate, "1bit"), 1);
	assert_int_equal(support_u64_ok(topo_unit_rate, "64kbit"), 64000);
	assert_int_equal(support_u64_ok(topo_unit_rate, "100mbit"), 100000000);
	assert_int_equal(support_u64_ok(topo_unit_rate, "1gbit"), 1000000000);
	assert_int_equal(support_u64_ok(topo_unit_rate, "10gbit"), 10000000000ULL);
	assert_int_equal(support_u64_ok(topo_unit_rate, "2tbit"), 2000000000000ULL);
	assert_int_equal(support_u64_ok(topo_unit_rate, "1.5mbit"), 1500000);
	assert_int_equal(support_u64_ok(topo_unit_rate, "0.001kbit"), 1);
	assert_int_equal(support_u64_ok(topo_unit_rate, "18446744tbit"), 18446744000000000000ULL);

	support_u64_bad(topo_unit_rate, "18447744tbit", -EINVAL);
	support_u64_bad(topo_unit_rate, "100", -EINVAL);
	support_u64_bad(topo_unit_rate, "100bps", -EINVAL);
	support_u64_bad(topo_unit_rate, "100Mbit", -EINVAL);
	support_u64_bad(topo_unit_rate, "100mbps", -EINVAL);
	support_u64_bad(topo_unit_rate, "100mb", -EINVAL);
	support_u64_bad(topo_unit_rate, "100kbps", -EINVAL);
	support_u64_bad(topo_unit_rate, "-1mbit", -EINVAL);
	support_u64_bad(topo_unit_rate, "mbit", -EINVAL);
	support_u64_bad(topo_unit_rate, "", -EINVAL);
}

static void test_size(void **state)
{
	assert_int_equal(support_u64_ok(topo_unit_size, "0B"), 0);
	assert_int_equal(support_u64_ok(topo_unit_size, "512B"), 512);
	assert_int_equal(support_u64_ok(topo_unit_size, "4KiB"), 4096);
	assert_int_equal(support_u64_ok(topo_unit_size, "64MiB"), 64ULL << 20);
	assert_int_equal(support_u64_ok(topo_unit_size, "2GiB"), 2ULL << 30);
	assert_int_equal(support_u64_ok(topo_unit_size, "1.5KiB"), 1536);
	assert_int_equal(support_u64_ok(topo_unit_size, "4KB"), 4000);
	assert_int_equal(support_u64_ok(topo_unit_size, "3MB"), 3000000);
	assert_int_equal(support_u64_ok(topo_unit_size, "2GB"), 2000000000);
	assert_int_equal(support_u64_ok(topo_unit_size, "17179869183GiB"), 17179869183ULL << 30);

	support_u64_bad(topo_unit_size, "17179869184GiB", -EINVAL);
	support_u64_bad(topo_unit_size, "64", -EINVAL);
	support_u64_bad(topo_unit_size, "64b", -EINVAL);
	support_u64_bad(topo_unit_size, "64kib", -EINVAL);
	support_u64_bad(topo_unit_size, "64KIB", -EINVAL);
	support_u64_bad(topo_unit_size, "64TiB", -EINVAL);
	support_u64_bad(topo_unit_size, "-1B", -EINVAL);
	support_u64_bad(topo_unit_size, "B", -EINVAL);
}

static void percent_bad(const char *s)
{
	double v = 42;

	assert_int_equal(topo_unit_percent(s, &v), -EINVAL);
	assert_true(v == 42);
}

static void test_percent(void **state)
{
	double v = -1;

	assert_int_equal(topo_unit_percent("0%", &v), 0);
	assert_true(v == 0);
	assert_int_equal(topo_unit_percent("0.5%", &v), 0);
	assert_float_equal(v, 0.005, 1e-12);
	assert_int_equal(topo_unit_percent("30%", &v), 0);
	assert_float_equal(v, 0.3, 1e-12);
	assert_int_equal(topo_unit_percent("100%", &v), 0);
	assert_true(v == 1);

	percent_bad("100.0001%");
	percent_bad("101%");
	percent_bad("-1%");
	percent_bad("-0%");
	percent_bad("0.5");
	percent_bad("5");
	percent_bad("%");
	percent_bad("5 %");
	percent_bad("5%%");
	percent_bad("nan%");
	percent_bad("inf%");
	percent_bad("0x5%");
	percent_bad("");
}

static void test_decibel(void **state)
{
	double v = 0;

	assert_int_equal(topo_unit_decibel("3dB", "dB", &v), 0);
	assert_true(v == 3);
	assert_int_equal(topo_unit_decibel("46dBm", "dBm", &v), 0);
	assert_true(v == 46);
	assert_int_equal(topo_unit_decibel("-110dBm", "dBm", &v), 0);
	assert_true(v == -110);
	assert_int_equal(topo_unit_decibel("-3.5dB", "dB", &v), 0);
	assert_true(v == -3.5);

	v = 7;
	/* Exactly the unit asked for: dB and dBm are different quantities. */
	assert_int_equal(topo_unit_decibel("46dBm", "dB", &v), -EINVAL);
	assert_int_equal(topo_unit_decibel("3dB", "dBm", &v), -EINVAL);
	assert_int_equal(topo_unit_decibel("3db", "dB", &v), -EINVAL);
	assert_int_equal(topo_unit_decibel("3", "dB", &v), -EINVAL);
	assert_int_equal(topo_unit_decibel("dB", "dB", &v), -EINVAL);
	assert_int_equal(topo_unit_decibel("nandB", "dB", &v), -EINVAL);
	assert_int_equal(topo_unit_decibel("3dB", NULL, &v), -EINVAL);
	assert_true(v == 7);
}

static void test_metres(void **state)
{
	double v = 0;

	assert_int_equal(topo_unit_metres("800m", &v), 0);
	assert_true(v == 800);
	assert_int_equal(topo_unit_metres("1.5km", &v), 0);
	assert_true(v == 1500);
	assert_int_equal(topo_unit_metres("-20m", &v), 0);
	assert_true(v == -20);
	assert_int_equal(topo_unit_metres("0m", &v), 0);
	assert_true(v == 0);

	v = 7;
	assert_int_equal(topo_unit_metres("800", &v), -EINVAL);
	assert_int_equal(topo_unit_metres("800M", &v), -EINVAL);
	assert_int_equal(topo_unit_metres("800mm", &v), -EINVAL);
	assert_int_equal(topo_unit_metres("1mi", &v), -EINVAL);
	assert_int_equal(topo_unit_metres("infm", &v), -EINVAL);
	assert_int_equal(topo_unit_metres("1e3m", &v), -EINVAL);
	assert_int_equal(topo_unit_metres("m", &v), -EINVAL);
	assert_true(v == 7);
}

static void test_number_len(void **state)
{
	assert_int_equal(topo_unit_number_len("5ms"), 1);
	assert_int_equal(topo_unit_number_len("-1.25dB"), 5);
	assert_int_equal(topo_unit_number_len("+3"), 2);
	assert_int_equal(topo_unit_number_len("5.ms"), 1);
	assert_int_equal(topo_unit_number_len(".5"), 0);
	assert_int_equal(topo_unit_number_len("-"), 0);
	assert_int_equal(topo_unit_number_len("ms"), 0);
	assert_int_equal(topo_unit_number_len(""), 0);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_percent),
		cmocka_unit_test(test_decibel),
		cmocka_unit_test(test_metres),
		cmocka_unit_test(test_number_len),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
