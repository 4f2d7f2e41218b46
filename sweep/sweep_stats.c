/* SPDX-License-Identifier: MIT */
/*
 * A sweep's numbers: what each run measured (its summary.json and rtt.csv, read with the
 * results module's readers; its flows' goodput from summary.json), and per combination the
 * mean with its 95% confidence interval from Student's t.
 */
#include "util/num.h"
#include "sweep/sweep.h"
#include "results/results.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const struct sweep_metric_info sweep_metrics[SWEEP_METRIC_N] = {
    [SWEEP_DOWNTIME] = {"downtime_ms", "downtime", "downtime (engine)", "ms"},
    [SWEEP_CLIENT_GAP] = {"client_gap_ms", "client-gap", "downtime (client gap)", "ms"},
    [SWEEP_TOTAL] = {"total_ms", "total", "total migration time", "ms"},
    [SWEEP_MOVED] = {"moved_mib", "moved", "moved per migration", "MiB"},
    [SWEEP_RTT_P50] = {"rtt_p50_ms", "rtt-p50", "RTT p50", "ms"},
    [SWEEP_RTT_P95] = {"rtt_p95_ms", "rtt-p95", "RTT p95", "ms"},
    [SWEEP_RTT_P99] = {"rtt_p99_ms", "rtt-p99", "RTT p99", "ms"},
    [SWEEP_LOSS] = {"loss_pct", "loss", "probe loss", "%"},
    [SWEEP_MIGRATIONS] = {"migrations", "migrations", "migrations", ""},
    [SWEEP_FAILED] = {"failed", "failed", "failed migrations", ""},
    [SWEEP_HANDOVERS] = {"handovers", "handovers", "handovers", ""},
};

/* t(0.975, df) for df 1..30. */
static const double t975[31] = {
    NAN,	 12.706204736, 4.302652730, 3.182446305, 2.776445105, 2.570581836, 2.446911851,
    2.364624252, 2.306004135,  2.262157163, 2.228138852, 2.200985160, 2.178812830, 2.160368656,
    2.144786688, 2.131449546,  2.119905299, 2.109815578, 2.100922040, 2.093024054, 2.085963447,
    2.079613845, 2.073873068,  2.068657610, 2.063898562, 2.059538553, 2.055529439, 2.051830516,
    2.048407142, 2.045229642,  2.042272456,
};

double sweep_t975(unsigned df)
{
	const double z = 1.959963984540054, z2 = z * z;
	double v = df;

	if (df <= 30)
		return t975[df];
	/* Cornish-Fisher expansion of t's quantile in 1/df around the normal's. */
	return z + z * (z2 + 1) / (4 * v) + z * ((5 * z2 + 16) * z2 + 3) / (96 * v * v) +
	       z * (((3 * z2 + 19) * z2 + 17) * z2 - 15) / (384 * v * v * v) +
	       z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) /
		   (92160 * v * v * v * v);
}

void sweep_stat_of(const double *x, unsigned n, struct sweep_stat *ret)
{
	double sum = 0, ss = 0;

	ret->n = n;
	ret->mean = ret->ci95 = NAN;
	if (!n)
		return;
	for (unsigned i = 0; i < n; i++)
		sum += x[i];
	ret->mean = sum / n;
	if (n < 2)
		return;
	for (unsigned i = 0; i < n; i++)
		ss += (x[i] - ret->mean) * (x[i] - ret->mean);
	ret->ci95 = sweep_t975(n - 1) * sqrt(ss / (n - 1)) / sqrt((double)n);
}

/* ---- summary.json ---- */

struct scan {
	unsigned migs, failed, ok_migs;
	double downtime, gap, total, bytes, handovers;
};

/* One entry of "migrations": counted; an ok one's figures summed (a missing one is 0). */
static void scan_migration(struct scan *j, struct json_object *m)
{
	j->migs++;
	if (!results_json_bool(m, "ok", false)) {
		j->failed++;
		return;
	}
	j->ok_migs++;
	j->downtime += results_json_double(m, "downtime_ms", 0);
	j->gap += results_json_double(m, "client_gap_ms", 0);
	j->total += results_json_double(m, "total_ms", 0);
	j->bytes += results_json_double(m, "bytes", 0);
}

/* Each flow's mean goodput (the first SWEEP_FLOWS_MAX with a name that fits, once each). */
static void scan_flows(struct json_object *flows, struct sweep_result *res)
{
	res->n_flows = 0;
	for (size_t i = 0; json_object_is_type(flows, json_type_array) &&
			   i < json_object_array_length(flows) && res->n_flows < SWEEP_FLOWS_MAX;
	     i++) {
		struct json_object *x = json_object_array_get_idx(flows, i);
		const char *name = results_json_str(x, "name", "");
		unsigned k;

		if (!*name || strlen(name) >= SWEEP_FLOW_NAME_MAX)
			continue;
		for (k = 0; k < res->n_flows && strcmp(res->flow[k], name); k++)
			;
		if (k < res->n_flows)
			continue;
		snprintf(res->flow[k], sizeof(res->flow[k]), "%s", name);
		res->goodput_mbps[k] = results_json_double(x, "goodput_mbps.mean", NAN);
		res->n_flows++;
	}
}

int sweep_summary_scan(const char *json, size_t len, struct sweep_result *res)
{
	struct json_object *o, *ues, *migs;
	struct scan j = {0};
	const char *ended;

	if (results_json_parse(json, len, RESULTS_SUMMARY, &o, NULL) < 0)
		return -EINVAL;
	ues = results_json_get(o, "ues");
	migs = results_json_get(o, "migrations");
	/* "ended" says it did not complete (older runs do not say). */
	ended = results_json_str(o, "ended", "completed");
	if (!results_json_has(o, "ues") || !results_json_has(o, "migrations") ||
	    results_json_get(o, "error") || strcmp(ended, "completed")) {
		json_object_put(o);
		return -EINVAL;
	}
	for (size_t i = 0;
	     json_object_is_type(ues, json_type_array) && i < json_object_array_length(ues); i++)
		j.handovers +=
		    results_json_double(json_object_array_get_idx(ues, i), "handovers", 0);
	for (size_t i = 0;
	     json_object_is_type(migs, json_type_array) && i < json_object_array_length(migs);
	     i++) {
		struct json_object *m = json_object_array_get_idx(migs, i);

		if (json_object_is_type(m, json_type_object))
			scan_migration(&j, m);
	}
	scan_flows(results_json_get(o, "flows"), res);
	json_object_put(o);
	res->v[SWEEP_MIGRATIONS] = j.migs;
	res->v[SWEEP_FAILED] = j.failed;
	res->v[SWEEP_HANDOVERS] = j.handovers;
	res->has[SWEEP_MIGRATIONS] = res->has[SWEEP_FAILED] = res->has[SWEEP_HANDOVERS] = true;
	if (j.ok_migs) {
		res->v[SWEEP_DOWNTIME] = j.downtime / j.ok_migs;
		res->v[SWEEP_CLIENT_GAP] = j.gap / j.ok_migs;
		res->v[SWEEP_TOTAL] = j.total / j.ok_migs;
		res->v[SWEEP_MOVED] = j.bytes / j.ok_migs / 1048576.0;
		res->has[SWEEP_DOWNTIME] = res->has[SWEEP_CLIENT_GAP] = res->has[SWEEP_TOTAL] =
		    res->has[SWEEP_MOVED] = true;
	}
	return 0;
}

/* ---- rtt.csv ---- */

struct rtts {
	double *v;
	size_t n, cap, lost;
};

static int on_rtt(void *arg, const union results_row *row, size_t line)
{
	struct rtts *x = arg;

	(void)line;
	if (row->rtt.loss) {
		x->lost++;
		return 0;
	}
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 4096;
		double *bigger = realloc(x->v, cap * sizeof(*x->v));

		if (!bigger)
			return -ENOMEM;
		x->v = bigger;
		x->cap = cap;
	}
	x->v[x->n++] = row->rtt.rtt_ms;
	return 0;
}

int sweep_rtt_scan(const char *csv, size_t len, struct sweep_result *res)
{
	struct rtts x = {0};
	size_t n;
	long rc;

	/* The header names the columns; a row that is not a measurement (cut, garbled) is
	 * left out. */
	rc = results_csv_parse(csv, len, NULL, RESULTS_CSV_RTT, RESULTS_READ_SKIP_BAD, on_rtt, &x,
			       NULL);
	if (rc < 0) {
		free(x.v);
		return rc == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	n = x.n;
	if (n + x.lost) {
		res->v[SWEEP_LOSS] = 100.0 * (double)x.lost / (double)(n + x.lost);
		res->has[SWEEP_LOSS] = true;
	}
	if (n) {
		qsort(x.v, n, sizeof(*x.v), util_cmp_double);
		res->v[SWEEP_RTT_P50] = util_quantile(x.v, n, 0.50);
		res->v[SWEEP_RTT_P95] = util_quantile(x.v, n, 0.95);
		res->v[SWEEP_RTT_P99] = util_quantile(x.v, n, 0.99);
		res->has[SWEEP_RTT_P50] = res->has[SWEEP_RTT_P95] = res->has[SWEEP_RTT_P99] = true;
	}
	free(x.v);
	return 0;
}

/* ---- per combination ---- */

/* Flow name's index in res, -1: the run has none or no figure for it. */
static int flow_of(const struct sweep_result *res, const char *name)
{
	for (unsigned k = 0; k < res->n_flows; k++)
		if (!strcmp(res->flow[k], name))
			return isnan(res->goodput_mbps[k]) ? -1 : (int)k;
	return -1;
}

/* The flows of every complete run, in the order first met, up to SWEEP_FLOWS_MAX. */
static void flows_union(const struct sweep_plan *p, const struct sweep_result *res,
			const bool *complete, struct sweep_agg *a)
{
	a->n_flows = 0;
	for (unsigned i = 0; i < p->n_runs; i++) {
		for (unsigned k = 0; complete[i] && k < res[i].n_flows; k++) {
			unsigned j;

			for (j = 0; j < a->n_flows && strcmp(a->flow[j], res[i].flow[k]); j++)
				;
			if (j == a->n_flows && j < SWEEP_FLOWS_MAX) {
				memcpy(a->flow[j], res[i].flow[k], sizeof(a->flow[j]));
				a->n_flows++;
			}
		}
	}
}

/* Combination c's goodput per flow of a (its list) over its complete runs; x: scratch. */
static void flows_stat(const struct sweep_plan *p, const struct sweep_result *res,
		       const bool *complete, unsigned c, struct sweep_agg *a, double *x)
{
	for (unsigned j = 0; j < a->n_flows; j++) {
		unsigned n = 0;

		for (unsigned i = 0; i < p->n_runs; i++) {
			int k = p->runs[i].combo == c && complete[i] ? flow_of(&res[i], a->flow[j])
								     : -1;

			if (k >= 0 && n < p->repeat)
				x[n++] = res[i].goodput_mbps[k];
		}
		sweep_stat_of(x, n, &a->goodput[j]);
	}
}

int sweep_aggregate(const struct sweep_plan *p, const struct sweep_result *res,
		    const bool *complete, struct sweep_agg *agg)
{
	double *x = calloc(p->repeat, sizeof(*x));

	if (!x)
		return -ENOMEM;
	for (unsigned c = 0; c < p->n_combos; c++) {
		flows_union(p, res, complete, &agg[c]);
		flows_stat(p, res, complete, c, &agg[c], x);
		agg[c].runs = 0;
		for (unsigned i = 0; i < p->n_runs; i++)
			agg[c].runs += p->runs[i].combo == c && complete[i];
		for (unsigned m = 0; m < SWEEP_METRIC_N; m++) {
			unsigned n = 0;

			for (unsigned i = 0; i < p->n_runs; i++)
				if (p->runs[i].combo == c && complete[i] && res[i].has[m] &&
				    n < p->repeat)
					x[n++] = res[i].v[m];
			sweep_stat_of(x, n, &agg[c].m[m]);
		}
	}
	free(x);
	return 0;
}
