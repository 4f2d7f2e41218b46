/* SPDX-License-Identifier: MIT */
/*
 * Radio: the signal a UE receives from an eNB, and the shaping of the radio link it gives.
 *
 * Path loss is log-distance:
 *   signal_dBm = tx_power - ref_loss - 10 * exponent * log10(max(d, 1 m) / 1 m)
 * with d the 3-D distance; closer than 1 m counts as 1 m (ref_loss is the loss at 1 m).
 *
 * A signal below min_signal (or NaN) gives no link. Otherwise:
 *   delay = the radio's delay, whatever the signal;
 *   rate  = min(peak_rate, bandwidth * log2(1 + SNR)), SNR = 10^((signal - noise) / 10),
 *           and at least MOB_RADIO_RATE_MIN_BPS (0 would mean "unshaped" to the shapers);
 *   loss  = edge_loss * max(0, 1 - (signal - min_signal) / loss_margin):
 *           edge_loss at min_signal, falling linearly to 0 loss_margin dB above it.
 * Rate grows and loss falls as the signal grows, so a UE walking away sees both worsen.
 *
 * Pure functions on plain numbers: the runner fills struct mob_radio from the scenario.
 */
#ifndef EDGEMU_MOBILITY_RADIO_H
#define EDGEMU_MOBILITY_RADIO_H

#include <stdbool.h>
#include <stdint.h>

#include "mobility/mobility.h"

#define MOB_RADIO_RATE_MIN_BPS 1000ULL

struct mob_radio {
	double tx_power_dbm;
	double exponent;    /* > 0 */
	double ref_loss_db; /* path loss at 1 m, >= 0 */
	double min_signal_dbm;
	double noise_dbm;
	double bandwidth_hz;	/* > 0 */
	uint64_t peak_rate_bps; /* > 0 */
	double edge_loss;	/* fraction in [0, 1] */
	double loss_margin_db;	/* > 0 */
	uint64_t delay_ns;
};

/* One direction's shaping of a UE's radio link (both directions get the same). */
struct mob_radio_link {
	bool up; /* false: out of range; the fields below are 0 */
	uint64_t delay_ns;
	uint64_t rate_bps;
	double loss;   /* fraction in [0, 1] */
	double snr_db; /* signal - noise, for logs */
};

/* 0, or -EINVAL when a parameter is out of its range or not finite. */
int mob_radio_check(const struct mob_radio *r);
/* Path loss in dB at d_m metres (d below 1 m counts as 1 m). */
double mob_radio_path_loss(const struct mob_radio *r, double d_m);
/* Signal in dBm a UE at ue receives from an eNB at enb. */
double mob_radio_signal(const struct mob_radio *r, const struct mob_pos *enb,
			const struct mob_pos *ue);
/* True when signal_dbm gives a link: not NaN and not below min_signal. */
bool mob_radio_in_range(const struct mob_radio *r, double signal_dbm);
/* The link's shaping for signal_dbm; ret->up is false when out of range. */
void mob_radio_shape(const struct mob_radio *r, double signal_dbm, struct mob_radio_link *ret);

#endif
