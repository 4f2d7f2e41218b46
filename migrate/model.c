/* SPDX-License-Identifier: MIT */
/* Analytic migration models: the formulas and their sources are in model.h. */
#include "migrate/model.h"

#include <errno.h>
#include <math.h>

void mig_model_params_init(struct mig_model_params *p, uint64_t state_bytes, double rate_bps,
			   uint64_t delay_ns)
{
	*p = (struct mig_model_params){
	    .state_bytes = state_bytes,
	    .page_bytes = MIG_MODEL_PAGE_BYTES,
	    .rate_bps = rate_bps,
	    .delay_ns = delay_ns,
	    .max_rounds = 30,
	    .stop_below_pages = 256,
	    .frame_hdr_bytes = MIG_MODEL_FRAME_HDR_BYTES,
	    .frame_pages = MIG_MODEL_FRAME_PAGES,
	    .exec_bytes = MIG_MODEL_EXEC_BYTES,
	    .setup_rtts = 1,
	};
}

double mig_model_tcp_goodput(double rate_bps, unsigned mtu)
{
	if (mtu <= 52)
		return 0;
	return rate_bps * (double)(mtu - 52) / ((double)mtu + 14);
}

double mig_model_dirty_pages(double writes, double pages)
{
	if (!(pages > 0) || !(writes > 0))
		return 0;
	/* -expm1 keeps the few-writes end exact, where 1 - exp() would cancel. */
	return -pages * expm1(-writes / pages);
}

static bool params_ok(const struct mig_model_params *p)
{
	return p->state_bytes && p->page_bytes && isfinite(p->rate_bps) && p->rate_bps > 0 &&
	       isfinite(p->dirty_pps) && p->dirty_pps >= 0 &&
	       (p->frame_hdr_bytes == 0) == (p->frame_pages == 0) &&
	       (double)p->hot_pages * (double)p->page_bytes <= (double)p->state_bytes &&
	       (double)p->switch_pages * (double)p->page_bytes <= (double)p->state_bytes;
}

/* Stream bytes per page: the page and its share of a frame header. */
static double page_wire_bytes(const struct mig_model_params *p)
{
	double b = (double)p->page_bytes;

	if (p->frame_pages)
		b += (double)p->frame_hdr_bytes / p->frame_pages;
	return b;
}

static double secs(const struct mig_model_params *p, double bytes)
{
	return bytes * 8 / p->rate_bps;
}

static double ns_to_s(uint64_t ns)
{
	return (double)ns / 1e9;
}

double mig_model_ratio(const struct mig_model_params *p)
{
	if (!params_ok(p))
		return NAN;
	return p->dirty_pps * secs(p, page_wire_bytes(p));
}

int mig_model_cold(const struct mig_model_params *p, struct mig_model_result *ret)
{
	double d, bytes, down;

	if (!params_ok(p))
		return -EINVAL;
	d = ns_to_s(p->delay_ns);
	bytes = (double)p->state_bytes / p->page_bytes * page_wire_bytes(p) + p->exec_bytes;
	down = p->setup_rtts * 2 * d + secs(p, bytes) + d + ns_to_s(p->commit_ns);
	*ret = (struct mig_model_result){
	    .total_s = down + p->ack_delays * d,
	    .downtime_s = down,
	    .bytes = bytes,
	    .rounds = 0,
	    .converges = true,
	};
	return 0;
}

static int precopy(const struct mig_model_params *p, bool saturating, struct mig_model_result *ret)
{
	double pages, m, wire, d, v, live_s = 0, sent = 0, down;
	unsigned n = 0;

	if (!params_ok(p))
		return -EINVAL;
	pages = (double)p->state_bytes / p->page_bytes;
	m = p->hot_pages ? (double)p->hot_pages : pages;
	wire = page_wire_bytes(p);
	d = ns_to_s(p->delay_ns);

	v = pages;
	while (v > (double)p->stop_below_pages && n < p->max_rounds) {
		double t = secs(p, v * wire);
		double writes = p->dirty_pps * t;
		double next = saturating ? mig_model_dirty_pages(writes, m) : fmin(writes, m);

		if (next == v) {
			/* A fixed point (r >= 1): every remaining round is this one. */
			unsigned k = p->max_rounds - n;

			live_s += k * t;
			sent += k * v;
			n = p->max_rounds;
			break;
		}
		live_s += t;
		sent += v;
		v = next;
		n++;
	}
	sent += v;
	down = secs(p, v * wire + p->exec_bytes) + d + ns_to_s(p->commit_ns);
	*ret = (struct mig_model_result){
	    .total_s = p->setup_rtts * 2 * d + live_s + down + p->ack_delays * d,
	    .downtime_s = down,
	    .bytes = sent * wire + p->exec_bytes,
	    .rounds = n,
	    .converges = mig_model_ratio(p) < 1,
	};
	return 0;
}

int mig_model_precopy(const struct mig_model_params *p, struct mig_model_result *ret)
{
	return precopy(p, false, ret);
}

int mig_model_precopy_sat(const struct mig_model_params *p, struct mig_model_result *ret)
{
	return precopy(p, true, ret);
}

int mig_model_postcopy(const struct mig_model_params *p, struct mig_model_result *ret)
{
	double d, wire, bytes, down;

	if (!params_ok(p))
		return -EINVAL;
	d = ns_to_s(p->delay_ns);
	wire = page_wire_bytes(p);
	bytes = (double)p->state_bytes / p->page_bytes * wire + p->exec_bytes;
	down = secs(p, p->exec_bytes + p->switch_pages * wire) + d + ns_to_s(p->commit_ns);
	/* The end: every page is there and the destination serves, whichever comes last. */
	*ret = (struct mig_model_result){
	    .total_s = p->setup_rtts * 2 * d + fmax(secs(p, bytes) + d, down) + p->ack_delays * d,
	    .downtime_s = down,
	    .bytes = bytes,
	    .rounds = 0,
	    .converges = true,
	};
	return 0;
}
