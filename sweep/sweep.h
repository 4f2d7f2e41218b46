/* SPDX-License-Identifier: MIT */
/*
 * edgemu sweep's pure parts, without root or processes, so unit tests reach them: the plan
 * (the combinations of the varied values, the repetitions with their seeds, the folders),
 * checking every combination against the scenario, Student t intervals, reading a run's
 * summary.json and rtt.csv, and the reports (sweep.csv, summary.csv, the terminal table,
 * sweep.html). cli/sweep.c runs the plan.
 */
#ifndef EDGEMU_SWEEP_SWEEP_H
#define EDGEMU_SWEEP_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "topo/topo.h"

#define SWEEP_ID_MAX 48 /* a combination's folder name */
#define SWEEP_DIR_MAX (SWEEP_ID_MAX + 16)
#define SWEEP_SETS_MAX 64 /* --set given to edgemu sweep, applied to every run */

/* One combination of the varied values. */
struct sweep_combo {
	unsigned *value;       /* per key: index into the key's values */
	char **sets;	       /* per key: "path=value" */
	char id[SWEEP_ID_MAX]; /* c<k>-<values>, unique in the plan */
	uint64_t duration_ns;  /* the scenario's with this combination, once checked */
};

/* One run: a combination, a repetition, its seed and its folder under the sweep's. */
struct sweep_run {
	unsigned combo, rep;
	uint64_t seed;
	char dir[SWEEP_DIR_MAX]; /* <combo id>/rep-<rep> */
};

struct sweep_plan {
	unsigned n_keys;
	char **paths;	/* the varied --set paths, in the file's order */
	char ***values; /* per key, its values */
	unsigned *n_values;
	struct topo_mark *key_marks;
	struct topo_mark **value_marks;
	struct topo_mark mark; /* of `sweep:` */
	char **fixed;	       /* edgemu sweep's own --set, for every run, first */
	size_t n_fixed;
	unsigned repeat;
	uint64_t base_seed;
	struct sweep_combo *combos; /* the first key varies slowest */
	unsigned n_combos;
	struct sweep_run *runs; /* repetition after repetition: run i is combination
				   i % n_combos, repetition i / n_combos */
	unsigned n_runs;
};

/*
 * The plan of sweep sw (a parsed model's), repetition r running with sweep_seed(base_seed,
 * r). fixed: "path=value" for every run; one that sets a varied path, seed or name is an
 * error (-EINVAL with err). -ENOMEM.
 */
int sweep_plan_new(const struct topo_sweep *sw, uint64_t base_seed, const char *const *fixed,
		   size_t n_fixed, struct sweep_plan **ret, struct topo_err *err);
void sweep_plan_free(struct sweep_plan *p);

/*
 * Repetition r's seed: base + r (wrapping). Every combination's repetition r runs with the
 * same seed, so combinations are compared on the same random draws, and `edgemu run
 * --seed` reproduces any run.
 */
uint64_t sweep_seed(uint64_t base, unsigned rep);

/*
 * Applies each value alone and then each combination (with the fixed sets first) to the
 * scenario text and parses the result: the first failure is -EINVAL with err as
 * "file:line:col: sweep: path=value: why", at the value (or at the key when the path is what
 * is wrong); a combination's at `sweep:`. Sets every combination's duration_ns.
 */
int sweep_plan_check(struct sweep_plan *p, const char *text, size_t len, const char *fname,
		     struct topo_err *err);

/*
 * The --set list of run r, in the order edgemu run applies them: the fixed ones, then the
 * combination's. Returns the count (at most max).
 */
size_t sweep_run_sets(const struct sweep_plan *p, const struct sweep_run *r, const char **sets,
		      size_t max);

/* A run name for run index i of a sweep tagged tag: <base, at most 8>-<tag, 4 hex>-<i>. */
void sweep_run_name(char *buf, size_t len, const char *base, unsigned tag, unsigned i);

/* The values of combination c from key `from` on, joined by ", " ("postcopy, 16MiB"). */
void sweep_combo_label(const struct sweep_plan *p, unsigned c, unsigned from, char *buf,
		       size_t len);

/*
 * What identifies a sweep's results: the scenario text (edgemu sweep passes the document as
 * parsed, so comments and layout do not count), the fixed sets, every run's sets and seed
 * (FNV-1a, 64 bits). A folder is resumed only by the same plan.
 */
uint64_t sweep_plan_id(const struct sweep_plan *p, const char *text, size_t len);

/* plan.json: the file, the id, what varies, every combination and run. */
void sweep_plan_write_json(FILE *f, const struct sweep_plan *p, const char *file, uint64_t id);

/* ---- statistics (sweep/sweep_stats.c) ---- */

/* Per run; the order of the columns of sweep.csv and summary.csv. */
enum sweep_metric {
	SWEEP_DOWNTIME,	  /* ms, engine (freeze to resume), mean over the run's migrations */
	SWEEP_CLIENT_GAP, /* ms, the largest answer gap the UE saw, mean over migrations */
	SWEEP_TOTAL,	  /* ms, start to end, mean over migrations */
	SWEEP_MOVED,	  /* MiB moved, mean over migrations */
	SWEEP_RTT_P50,	  /* ms, every probe answer of the run (rtt.csv) */
	SWEEP_RTT_P95,
	SWEEP_RTT_P99,
	SWEEP_LOSS,	  /* % of probe requests without an answer */
	SWEEP_MIGRATIONS, /* done and failed */
	SWEEP_FAILED,
	SWEEP_HANDOVERS, /* every UE's */
	SWEEP_METRIC_N
};

struct sweep_metric_info {
	const char *name;  /* column: downtime_ms */
	const char *id;	   /* chart: id="bars-downtime" */
	const char *label; /* for people: "downtime (engine)" */
	const char *unit;  /* "ms", "MiB", "%", "" */
};

extern const struct sweep_metric_info sweep_metrics[SWEEP_METRIC_N];

/*
 * Flows (traffic:) a sweep reports on: the first SWEEP_FLOWS_MAX its runs' summary.json name,
 * each a column of its own after the metrics, named after the flow.
 */
#define SWEEP_FLOWS_MAX 16
/* With its '\0': a flow name is 1 to 80 characters (docs/scenario.md); a longer one is left out. */
#define SWEEP_FLOW_NAME_MAX 81

/* One run's figures; has[m] false where the run has none (no migration, no probe). */
struct sweep_result {
	bool has[SWEEP_METRIC_N];
	double v[SWEEP_METRIC_N];
	unsigned n_flows; /* summary.json's flows, in its order */
	char flow[SWEEP_FLOWS_MAX][SWEEP_FLOW_NAME_MAX];
	double goodput_mbps[SWEEP_FLOWS_MAX]; /* each one's mean goodput; NAN: none */
};

/*
 * The two-sided 95% quantile of Student's t with df degrees of freedom (df >= 1): a table
 * to 30, the Cornish-Fisher expansion above (within 1e-6). NAN for df 0.
 */
double sweep_t975(unsigned df);

/*
 * n samples: their mean and the half-width of its 95% confidence interval, t(n-1) * s /
 * sqrt(n) with s the sample standard deviation. n 0: mean NAN; n 1: ci95 NAN (one sample
 * says nothing of the spread).
 */
struct sweep_stat {
	unsigned n;
	double mean, ci95;
};
void sweep_stat_of(const double *x, unsigned n, struct sweep_stat *ret);

/*
 * A run's summary.json (edgemu run's write_summary): migrations (those with ok true give the
 * downtime, gap, total and bytes means), failed ones, every UE's handovers, each flow's mean
 * goodput (flows[].goodput_mbps.mean). -EINVAL if it is not such a summary, or the run did
 * not complete (an error, or "ended" other than "completed").
 */
int sweep_summary_scan(const char *json, size_t len, struct sweep_result *res);

/*
 * A run's rtt.csv: RTT p50/p95/p99 of every answer (nearest rank), and the share of requests
 * without one. -EINVAL.
 */
int sweep_rtt_scan(const char *csv, size_t len, struct sweep_result *res);

/*
 * Per combination: the complete runs and each metric's statistics over them; the flows every
 * complete run of the sweep names, in the order first met (the same list in every
 * combination's, so they make columns), and each one's goodput statistics.
 */
struct sweep_agg {
	unsigned runs;
	struct sweep_stat m[SWEEP_METRIC_N];
	unsigned n_flows;
	char flow[SWEEP_FLOWS_MAX][SWEEP_FLOW_NAME_MAX];
	struct sweep_stat goodput[SWEEP_FLOWS_MAX]; /* Mbit/s */
};

/* agg: p->n_combos entries; complete[i]: run i has a result in res[i]. -ENOMEM. */
int sweep_aggregate(const struct sweep_plan *p, const struct sweep_result *res,
		    const bool *complete, struct sweep_agg *agg);

/* ---- reports (sweep/sweep_report.c) ---- */

/*
 * sweep.csv: one row per complete run, the varied values as columns, then the metrics, then
 * per flow goodput_<flow>_mbps (agg's flows).
 */
void sweep_csv_write(FILE *f, const struct sweep_plan *p, const struct sweep_result *res,
		     const bool *complete, const struct sweep_agg *agg);
/* summary.csv: one row per combination: runs, and per metric n, mean, ci95. */
void sweep_summary_csv_write(FILE *f, const struct sweep_plan *p, const struct sweep_agg *agg);
/* The comparison table for a terminal: mean +-95% CI per combination. */
void sweep_table_print(FILE *f, const struct sweep_plan *p, const struct sweep_agg *agg);
/*
 * sweep.html, self-contained (inline SVG, no script): per metric a bar chart in
 * <figure id="bars-<metric id>" data-bars="<n_combos>">, bars grouped by the first key's
 * values, error bars the 95% CI; then the table. done: complete runs, for the heading.
 * Failed migrations get a chart and a column only when there are some; each flow a chart
 * (id "bars-goodput-<flow>", characters other than letters, digits, '-' and '_' as '-') and
 * a column.
 */
void sweep_html_write(FILE *f, const struct sweep_plan *p, const struct sweep_agg *agg,
		      const char *title, unsigned done);

#endif
