/* SPDX-License-Identifier: MIT */
/* Log-distance path loss and the signal-to-shaping map; the formulas are in radio.h. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "mobility/radio.h"

int mob_radio_check(const struct mob_radio *r)
{
	if (!isfinite(r->tx_power_dbm) || !isfinite(r->min_signal_dbm) || !isfinite(r->noise_dbm) ||
	    !isfinite(r->exponent) || !isfinite(r->ref_loss_db) || !isfinite(r->bandwidth_hz) ||
	    !isfinite(r->edge_loss) || !isfinite(r->loss_margin_db))
		return -EINVAL;
	if (r->exponent <= 0 || r->ref_loss_db < 0 || r->bandwidth_hz <= 0 || !r->peak_rate_bps ||
	    r->edge_loss < 0 || r->edge_loss > 1 || r->loss_margin_db <= 0)
		return -EINVAL;
	return 0;
}

double mob_radio_path_loss(const struct mob_radio *r, double d_m)
{
	/* Inside the reference distance the model does not hold; NaN stays NaN. */
	if (d_m < 1)
		d_m = 1;
	return r->ref_loss_db + 10 * r->exponent * log10(d_m);
}

double mob_radio_signal(const struct mob_radio *r, const struct mob_pos *enb,
			const struct mob_pos *ue)
{
	double dx = ue->x - enb->x, dy = ue->y - enb->y, dz = ue->z - enb->z;

	return r->tx_power_dbm - mob_radio_path_loss(r, sqrt(dx * dx + dy * dy + dz * dz));
}

bool mob_radio_in_range(const struct mob_radio *r, double signal_dbm)
{
	/* Written so that NaN compares out of range. */
	return signal_dbm >= r->min_signal_dbm;
}

void mob_radio_shape(const struct mob_radio *r, double signal_dbm, struct mob_radio_link *ret)
{
	double snr_db, capacity, f;

	memset(ret, 0, sizeof(*ret));
	if (!mob_radio_in_range(r, signal_dbm))
		return;
	ret->up = true;
	ret->delay_ns = r->delay_ns;
	snr_db = signal_dbm - r->noise_dbm;
	ret->snr_db = snr_db;
	/* log2(1 + x) through log1p: accurate where the SNR is far below the noise. */
	capacity = r->bandwidth_hz * log1p(pow(10, snr_db / 10)) / M_LN2;
	if (capacity < (double)MOB_RADIO_RATE_MIN_BPS)
		capacity = (double)MOB_RADIO_RATE_MIN_BPS;
	/* The peak caps everything, the floor too; inf (a huge SNR) lands here as well. */
	if (!(capacity < (double)r->peak_rate_bps))
		ret->rate_bps = r->peak_rate_bps;
	else
		ret->rate_bps = (uint64_t)capacity;
	f = 1 - (signal_dbm - r->min_signal_dbm) / r->loss_margin_db;
	ret->loss = f > 0 ? r->edge_loss * f : 0;
}
