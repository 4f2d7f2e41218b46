/* SPDX-License-Identifier: MIT */
/* The radio model: path loss against values worked out by hand, and the signal's shaping. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mobility/radio.h"
#include "tests/unit/support.h"

static void test_path_loss(void **state)
{
	struct mob_pos enb = {0, 0, 30}, ue = {40, 0, 0};

	/* 40 dB at the reference distance, 35 dB more per decade. */
	assert_float_equal(mob_radio_path_loss(&support_radio, 1), 40, 1e-12);
	assert_float_equal(mob_radio_path_loss(&support_radio, 10), 75, 1e-12);
	assert_float_equal(mob_radio_path_loss(&support_radio, 100), 110, 1e-12);
	assert_float_equal(mob_radio_path_loss(&support_radio, 1000), 145, 1e-12);
	/* Closer than 1 m is 1 m: no gain above tx_power - ref_loss. */
	assert_float_equal(mob_radio_path_loss(&support_radio, 0.5), 40, 1e-12);
	assert_float_equal(mob_radio_path_loss(&support_radio, 0), 40, 1e-12);
	assert_true(isnan(mob_radio_path_loss(&support_radio, NAN)));

	assert_float_equal(mob_radio_signal(&support_radio, &(struct mob_pos){0, 0, 0},
					    &(struct mob_pos){100, 0, 0}),
			   -64, 1e-9);
	assert_float_equal(mob_radio_signal(&support_radio, &(struct mob_pos){800, 0, 0},
					    &(struct mob_pos){800, -1000, 0}),
			   -99, 1e-9);
	assert_float_equal(mob_radio_signal(&support_radio, &enb, &enb), 6, 1e-12);
	/* 3-D: 30 m up, 40 m across is 50 m; 35 * log10(50) = 59.4635 dB. */
	assert_float_equal(mob_radio_signal(&support_radio, &enb, &ue), 46 - 40 - 59.46395, 1e-4);

	/* Another exponent: free space (2) from 1 m to 100 m loses 40 dB. */
	{
		struct mob_radio fs = support_radio;

		fs.exponent = 2;
		fs.ref_loss_db = 31.5;
		assert_float_equal(mob_radio_path_loss(&fs, 100), 71.5, 1e-12);
	}
}

static void test_shape_values(void **state)
{
	struct mob_radio_link l;

	/* -64 dBm: SNR 36 dB, 20 MHz * log2(1 + 3981) = 239 Mbit/s, capped at the peak. */
	mob_radio_shape(&support_radio, -64, &l);
	assert_true(l.up);
	assert_int_equal(l.delay_ns, 4000000);
	assert_int_equal(l.rate_bps, 100000000);
	assert_true(l.loss == 0);
	assert_float_equal(l.snr_db, 36, 1e-12);

	/* SNR 0 dB: log2(2) = 1 bit/s/Hz. */
	mob_radio_shape(&support_radio, -100, &l);
	assert_true(l.up);
	assert_true(llabs((long long)l.rate_bps - 20000000) <= 1);
	assert_true(l.loss == 0); /* 10 dB above min_signal: the loss ramp ends there */

	/* SNR 1 dB: log2(1 + 1.2589) = 1.17557. */
	mob_radio_shape(&support_radio, -99, &l);
	assert_true(llabs((long long)l.rate_bps - 23512732) <= 2);

	/* Halfway up the ramp: half the edge loss. SNR -5 dB: log2(1.316228) = 0.396433. */
	mob_radio_shape(&support_radio, -105, &l);
	assert_true(l.up);
	assert_float_equal(l.loss, 0.025, 1e-12);
	assert_true(llabs((long long)l.rate_bps - 7928183) <= 2);

	/* The edge itself is in range, with the whole edge loss. SNR -10 dB: log2(1.1). */
	mob_radio_shape(&support_radio, -110, &l);
	assert_true(l.up);
	assert_int_equal(l.delay_ns, 4000000);
	assert_float_equal(l.loss, 0.05, 1e-12);
	assert_true(llabs((long long)l.rate_bps - 2750070) <= 2);
}

static void test_shape_edge(void **state)
{
	struct mob_radio_link l;

	assert_true(mob_radio_in_range(&support_radio, -110));
	assert_false(mob_radio_in_range(&support_radio, -110.0001));
	assert_false(mob_radio_in_range(&support_radio, NAN));
	assert_false(mob_radio_in_range(&support_radio, -INFINITY));
	assert_true(mob_radio_in_range(&support_radio, INFINITY));

	/* Out of range: no link, and nothing a caller could mistake for shaping. */
	memset(&l, 0xff, sizeof(l));
	mob_radio_shape(&support_radio, -110.0001, &l);
	assert_false(l.up);
	assert_int_equal(l.delay_ns, 0);
	assert_int_equal(l.rate_bps, 0);
	assert_true(l.loss == 0);
	memset(&l, 0xff, sizeof(l));
	mob_radio_shape(&support_radio, NAN, &l);
	assert_false(l.up);
	assert_int_equal(l.rate_bps, 0);

	/* A huge signal overflows the SNR to inf: still the peak. */
	mob_radio_shape(&support_radio, 1e6, &l);
	assert_true(l.up);
	assert_int_equal(l.rate_bps, 100000000);
}

/* Rate never falls and loss never grows as the signal grows; both stay in their ranges. */
static void test_shape_monotonic(void **state)
{
	struct mob_radio_link prev, l;

	mob_radio_shape(&support_radio, -110, &prev);
	for (int i = 1; i <= 10000; i++) {
		double s = -110 + i * 0.01;

		mob_radio_shape(&support_radio, s, &l);
		assert_true(l.up);
		assert_true(l.rate_bps >= prev.rate_bps);
		assert_true(l.loss <= prev.loss);
		assert_true(l.loss >= 0 && l.loss <= support_radio.edge_loss);
		assert_true(l.rate_bps >= MOB_RADIO_RATE_MIN_BPS &&
			    l.rate_bps <= support_radio.peak_rate_bps);
		assert_int_equal(l.delay_ns, support_radio.delay_ns);
		prev = l;
	}
	assert_int_equal(prev.rate_bps, support_radio.peak_rate_bps);
	assert_true(prev.loss == 0);

	/* Signal from distance: farther is never better. */
	mob_radio_shape(&support_radio,
			mob_radio_signal(&support_radio, &(struct mob_pos){0, 0, 0},
					 &(struct mob_pos){1, 0, 0}),
			&prev);
	for (double x = 2; x < 5000; x += 1) {
		double s = mob_radio_signal(&support_radio, &(struct mob_pos){0, 0, 0},
					    &(struct mob_pos){x, 0, 0});

		mob_radio_shape(&support_radio, s, &l);
		if (!l.up) {
			/* 46 - 40 - 35 log10(d) < -110 from d = 10^(116/35) = 2062 m on. */
			assert_true(x > 2061 && x < 2063);
			break;
		}
		assert_true(l.rate_bps <= prev.rate_bps);
		assert_true(l.loss >= prev.loss);
		prev = l;
	}
	assert_false(l.up);
}

/* Far below the noise the rate has a floor: 0 would mean "unshaped" to the shapers. */
static void test_shape_floor(void **state)
{
	struct mob_radio r = support_radio;
	struct mob_radio_link l;

	r.noise_dbm = -60; /* SNR -50 dB at the edge: 20 MHz * 1e-5 / ln 2 = 288 bit/s */
	mob_radio_shape(&r, -110, &l);
	assert_true(l.up);
	assert_int_equal(l.rate_bps, MOB_RADIO_RATE_MIN_BPS);
	r.peak_rate_bps = 500; /* and the peak still caps the floor */
	mob_radio_shape(&r, -110, &l);
	assert_int_equal(l.rate_bps, 500);
}

static void test_check(void **state)
{
	struct mob_radio r;

	assert_int_equal(mob_radio_check(&support_radio), 0);
	r = support_radio;
	r.exponent = 0;
	assert_int_equal(mob_radio_check(&r), -EINVAL);
	r = support_radio;
	r.loss_margin_db = 0;
	assert_int_equal(mob_radio_check(&r), -EINVAL);
	r = support_radio;
	r.edge_loss = 1.5;
	assert_int_equal(mob_radio_check(&r), -EINVAL);
	r = support_radio;
	r.peak_rate_bps = 0;
	assert_int_equal(mob_radio_check(&r), -EINVAL);
	r = support_radio;
	r.bandwidth_hz = 0;
	assert_int_equal(mob_radio_check(&r), -EINVAL);
	r = support_radio;
	r.noise_dbm = NAN;
	assert_int_equal(mob_radio_check(&r), -EINVAL);
	r = support_radio;
	r.ref_loss_db = -1;
	assert_int_equal(mob_radio_check(&r), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_path_loss),	cmocka_unit_test(test_shape_values),
	    cmocka_unit_test(test_shape_edge),	cmocka_unit_test(test_shape_monotonic),
	    cmocka_unit_test(test_shape_floor), cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
