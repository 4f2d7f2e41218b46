/* SPDX-License-Identifier: MIT */
/*
 * A sweep's reports: sweep.csv (every run), summary.csv (every combination), the table
 * printed at the end, and sweep.html: grouped bar charts with 95% confidence intervals as
 * inline SVG, readable offline and on paper, with stable ids for tests and scripts. Each
 * has the metrics, then each traffic: flow's goodput.
 */
#include "sweep/sweep.h"

#include "report/svg.h"

#include "util/text.h"
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Short column names for the terminal. */
static const char *const short_names[SWEEP_METRIC_N] = {
    [SWEEP_DOWNTIME] = "downtime", [SWEEP_CLIENT_GAP] = "gap",	[SWEEP_TOTAL] = "total",
    [SWEEP_MOVED] = "moved",	   [SWEEP_RTT_P50] = "RTT p50", [SWEEP_RTT_P95] = "RTT p95",
    [SWEEP_RTT_P99] = "RTT p99",   [SWEEP_LOSS] = "loss",	[SWEEP_MIGRATIONS] = "migr",
    [SWEEP_FAILED] = "failed",	   [SWEEP_HANDOVERS] = "HO",
};

static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_num(FILE *f, double v)
{
	if (isnan(v))
		return;
	if (v == floor(v) && fabs(v) < 1e15)
		fprintf(f, "%.0f", v);
	else
		fprintf(f, "%.3f", v);
}

/*
 * The columns of the reports: the metrics, then each flow's goodput (agg's flows, the same
 * in every combination's).
 */
struct column {
	char name[SWEEP_FLOW_NAME_MAX + 32];  /* sweep.csv's: goodput_<flow>_mbps */
	char id[SWEEP_FLOW_NAME_MAX + 16];    /* the chart's: bars-<id> */
	char label[SWEEP_FLOW_NAME_MAX + 16]; /* for people */
	char abbr[SWEEP_FLOW_NAME_MAX + 8];   /* the terminal's */
	const char *unit;
};

static unsigned n_columns(const struct sweep_plan *p, const struct sweep_agg *agg)
{
	return SWEEP_METRIC_N + (p->n_combos ? agg[0].n_flows : 0);
}

static void column_of(const struct sweep_agg *agg, unsigned col, struct column *ret)
{
	const char *flow;

	if (col < SWEEP_METRIC_N) {
		snprintf(ret->name, sizeof(ret->name), "%s", sweep_metrics[col].name);
		snprintf(ret->id, sizeof(ret->id), "%s", sweep_metrics[col].id);
		snprintf(ret->label, sizeof(ret->label), "%s", sweep_metrics[col].label);
		snprintf(ret->abbr, sizeof(ret->abbr), "%s", short_names[col]);
		ret->unit = sweep_metrics[col].unit;
		return;
	}
	flow = agg[0].flow[col - SWEEP_METRIC_N];
	snprintf(ret->name, sizeof(ret->name), "goodput_%s_mbps", flow);
	/* An id names the flow in letters, digits, '-' and '_' only. */
	snprintf(ret->id, sizeof(ret->id), "goodput-%s", flow);
	for (char *c = ret->id; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
			*c = '-';
	snprintf(ret->label, sizeof(ret->label), "goodput of %s", flow);
	snprintf(ret->abbr, sizeof(ret->abbr), "gp %s", flow);
	ret->unit = "Mbit/s";
}

/* Combination c's statistics of column col. */
static const struct sweep_stat *stat_of(const struct sweep_agg *agg, unsigned c, unsigned col)
{
	return col < SWEEP_METRIC_N ? &agg[c].m[col] : &agg[c].goodput[col - SWEEP_METRIC_N];
}

void sweep_csv_write(FILE *f, const struct sweep_plan *p, const struct sweep_result *res,
		     const bool *complete, const struct sweep_agg *agg)
{
	unsigned n_flows = n_columns(p, agg) - SWEEP_METRIC_N;

	fputs("run,combination,rep,seed", f);
	for (unsigned k = 0; k < p->n_keys; k++) {
		fputc(',', f);
		csv_field(f, p->paths[k]);
	}
	for (unsigned m = 0; m < SWEEP_METRIC_N; m++)
		fprintf(f, ",%s", sweep_metrics[m].name);
	for (unsigned k = 0; k < n_flows; k++) {
		struct column col;

		column_of(agg, SWEEP_METRIC_N + k, &col);
		fputc(',', f);
		csv_field(f, col.name);
	}
	fputc('\n', f);
	for (unsigned i = 0; i < p->n_runs; i++) {
		const struct sweep_run *r = &p->runs[i];

		if (!complete[i])
			continue;
		fprintf(f, "%u,%s,%u,%" PRIu64, i, p->combos[r->combo].id, r->rep, r->seed);
		for (unsigned k = 0; k < p->n_keys; k++) {
			fputc(',', f);
			csv_field(f, p->values[k][p->combos[r->combo].value[k]]);
		}
		for (unsigned m = 0; m < SWEEP_METRIC_N; m++) {
			fputc(',', f);
			if (res[i].has[m])
				csv_num(f, res[i].v[m]);
		}
		for (unsigned k = 0; k < n_flows; k++) {
			int j = -1;

			for (unsigned q = 0; q < res[i].n_flows && j < 0; q++)
				if (!strcmp(res[i].flow[q], agg[0].flow[k]))
					j = (int)q;
			fputc(',', f);
			if (j >= 0)
				csv_num(f, res[i].goodput_mbps[j]);
		}
		fputc('\n', f);
	}
}

void sweep_summary_csv_write(FILE *f, const struct sweep_plan *p, const struct sweep_agg *agg)
{
	fputs("combination", f);
	for (unsigned k = 0; k < p->n_keys; k++) {
		fputc(',', f);
		csv_field(f, p->paths[k]);
	}
	fputs(",runs", f);
	for (unsigned m = 0; m < n_columns(p, agg); m++) {
		struct column col;
		char name[sizeof(col.name) + 8];

		column_of(agg, m, &col);
		snprintf(name, sizeof(name), "%s_n", col.name);
		fputc(',', f);
		csv_field(f, name);
		snprintf(name, sizeof(name), "%s_mean", col.name);
		fputc(',', f);
		csv_field(f, name);
		snprintf(name, sizeof(name), "%s_ci95", col.name);
		fputc(',', f);
		csv_field(f, name);
	}
	fputc('\n', f);
	for (unsigned c = 0; c < p->n_combos; c++) {
		fputs(p->combos[c].id, f);
		for (unsigned k = 0; k < p->n_keys; k++) {
			fputc(',', f);
			csv_field(f, p->values[k][p->combos[c].value[k]]);
		}
		fprintf(f, ",%u", agg[c].runs);
		for (unsigned m = 0; m < n_columns(p, agg); m++) {
			const struct sweep_stat *s = stat_of(agg, c, m);

			fprintf(f, ",%u,", s->n);
			csv_num(f, s->mean);
			fputc(',', f);
			csv_num(f, s->ci95);
		}
		fputc('\n', f);
	}
}

/* Failed migrations are shown only when there are some; everything else always. */
static bool metric_shown(const struct sweep_plan *p, const struct sweep_agg *agg, unsigned m)
{
	if (m != SWEEP_FAILED)
		return true;
	for (unsigned c = 0; c < p->n_combos; c++)
		if (agg[c].m[m].n && agg[c].m[m].mean > 0)
			return true;
	return false;
}

/* Digits after the point for a figure of this size. */
static int decimals(double v)
{
	v = fabs(v);
	return v >= 100 ? 0 : v >= 10 ? 1 : 2;
}

static void fmt_stat(char *buf, size_t len, const struct sweep_stat *s, const char *pm)
{
	int d;

	if (!s->n) {
		snprintf(buf, len, "-");
		return;
	}
	d = decimals(s->mean);
	if (isnan(s->ci95))
		snprintf(buf, len, "%.*f", d, s->mean);
	else
		snprintf(buf, len, "%.*f %s%.*f", d, s->mean, pm, d, s->ci95);
}

#define CELL_MAX 48

void sweep_table_print(FILE *f, const struct sweep_plan *p, const struct sweep_agg *agg)
{
	unsigned n_cols = n_columns(p, agg), cols = 2 + p->n_keys + n_cols, rows = p->n_combos + 2;
	char *cell = calloc((size_t)cols * rows, CELL_MAX);
	size_t *w = calloc(cols, sizeof(*w));

	if (!cell || !w)
		goto out;
#define CELL(r, c) (cell + ((size_t)(r)*cols + (c)) * CELL_MAX)
	snprintf(CELL(0, 0), CELL_MAX, "combination");
	snprintf(CELL(0, 1 + p->n_keys), CELL_MAX, "runs");
	for (unsigned k = 0; k < p->n_keys; k++)
		snprintf(CELL(0, 1 + k), CELL_MAX, "%s", p->paths[k]);
	for (unsigned m = 0; m < n_cols; m++) {
		struct column col;

		column_of(agg, m, &col);
		/* A long flow name is cut here: the terminal's table, not the files. */
		snprintf(CELL(0, 2 + p->n_keys + m), CELL_MAX, "%.*s", CELL_MAX - 1, col.abbr);
		snprintf(CELL(1, 2 + p->n_keys + m), CELL_MAX, "%s", col.unit);
	}
	for (unsigned c = 0; c < p->n_combos; c++) {
		/* The number alone: the values have their columns. */
		snprintf(CELL(c + 2, 0), CELL_MAX, "%.*s", (int)strcspn(p->combos[c].id, "-"),
			 p->combos[c].id);
		for (unsigned k = 0; k < p->n_keys; k++)
			snprintf(CELL(c + 2, 1 + k), CELL_MAX, "%s",
				 p->values[k][p->combos[c].value[k]]);
		snprintf(CELL(c + 2, 1 + p->n_keys), CELL_MAX, "%u", agg[c].runs);
		for (unsigned m = 0; m < n_cols; m++)
			fmt_stat(CELL(c + 2, 2 + p->n_keys + m), CELL_MAX, stat_of(agg, c, m),
				 "+-");
	}
	for (unsigned r = 0; r < rows; r++)
		for (unsigned c = 0; c < cols; c++)
			if (strlen(CELL(r, c)) > w[c])
				w[c] = strlen(CELL(r, c));
	fprintf(f, "mean +-95%% confidence interval over each combination's runs\n");
	for (unsigned r = 0; r < rows; r++) {
		for (unsigned c = 0; c < cols; c++) {
			bool left = c <= p->n_keys;

			if (c >= 2 + p->n_keys && !metric_shown(p, agg, c - 2 - p->n_keys))
				continue;
			fprintf(f, "%s%*s%-*s", c ? "  " : "",
				left ? 0 : (int)(w[c] - strlen(CELL(r, c))), "",
				left ? (int)w[c] : 0, CELL(r, c));
		}
		fputc('\n', f);
	}
#undef CELL
out:
	free(cell);
	free(w);
}

/* ---- sweep.html ---- */

enum { W = 760, H = 300, ML = 64, MR = 16, MT = 16, MB = 52 };

/* Where combination c's bar goes: grouped by the first key's values. */
struct layout {
	unsigned groups, per; /* groups, bars in each */
	double gw, bw, pad;   /* px: a group's width, a bar's, before the first */
	struct svg_plot plot; /* y: the metric from 0 */
	double step;	      /* of the y axis */
};

/* The top of the highest whisker, rounded up to a tick. */
static struct layout layout_of(const struct sweep_plan *p, const struct sweep_agg *agg, unsigned m)
{
	struct layout l = {.groups = p->n_keys ? p->n_values[0] : 1};
	double top = 0;

	l.per = p->n_combos / l.groups;
	l.plot = (struct svg_plot){.x0 = ML, .y0 = MT, .w = W - ML - MR, .h = H - MT - MB};
	l.plot.xhi = 1;
	l.gw = l.plot.w / l.groups;
	l.bw = fmin(l.gw * 0.7 / l.per, 90);
	l.pad = (l.gw - l.bw * l.per) / 2;
	for (unsigned c = 0; c < p->n_combos; c++) {
		const struct sweep_stat *s = stat_of(agg, c, m);

		if (s->n && s->mean + (isnan(s->ci95) ? 0 : s->ci95) > top)
			top = s->mean + (isnan(s->ci95) ? 0 : s->ci95);
	}
	if (top <= 0)
		top = 1;
	l.step = svg_nice_step(top, 5);
	l.plot.yhi = ceil(top / l.step) * l.step;
	return l;
}

/* Combination c's bar, its whisker and its figure above; "n/a" without runs. */
static void bar(FILE *f, const struct sweep_plan *p, const struct sweep_stat *s,
		const struct layout *l, unsigned c, const char *unit)
{
	const struct svg_plot *pl = &l->plot;
	unsigned b = c % l->per;
	double x = ML + (c / l->per) * l->gw + l->pad + b * l->bw, cx = x + l->bw / 2;
	double whisker = isnan(s->ci95) ? 0 : s->ci95;
	char label[256];

	if (!s->n) {
		svg_text(f, cx, MT + pl->h - 4, "middle", 11, "class=\"na\"", "n/a");
		return;
	}
	sweep_combo_label(p, c, 0, label, sizeof(label));
	fprintf(f,
		"<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		"fill=\"%s\"><title>",
		x + 1, svg_py(pl, fmax(0, s->mean)), l->bw - 2,
		MT + pl->h - svg_py(pl, fmax(0, s->mean)), svg_colour(b));
	util_html(f, p->combos[c].id);
	fputs(" (", f);
	util_html(f, label);
	fprintf(f, "): %.*f", decimals(s->mean), s->mean);
	if (!isnan(s->ci95))
		fprintf(f, " &#177; %.*f", decimals(s->mean), s->ci95);
	fprintf(f, " %s, n=%u</title></rect>\n", unit, s->n);
	if (!isnan(s->ci95)) {
		double ylo = svg_py(pl, fmax(0, s->mean - s->ci95)),
		       yhi = svg_py(pl, s->mean + s->ci95), cap = fmin(l->bw / 4, 6);

		fprintf(
		    f,
		    "<path class=\"err\" d=\"M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fH%.1f\"/>\n",
		    cx, ylo, yhi, cx - cap, yhi, cx + cap, cx - cap, ylo, cx + cap);
	}
	/* The figure above the bar, clear of its whisker. */
	if (l->bw >= 26)
		svg_text(f, cx, svg_py(pl, fmax(0, s->mean + whisker)) - 3, "middle", 10,
			 "class=\"val\"", "%.*f", decimals(s->mean), s->mean);
}

/* The colours of the bars in a group: the other keys' values. */
static void legend(FILE *f, const struct sweep_plan *p, unsigned per)
{
	fputs("<p class=\"legend\">", f);
	for (unsigned k = 1; k < p->n_keys; k++) {
		util_html(f, p->paths[k]);
		fputs(k + 1 < p->n_keys ? ", " : ": ", f);
	}
	for (unsigned b = 0; b < per; b++) {
		char label[256];

		sweep_combo_label(p, b, 1, label, sizeof(label));
		fprintf(f, "<span><i style=\"background:%s\"></i>", svg_colour(b));
		util_html(f, label);
		fputs("</span> ", f);
	}
	fputs("</p>\n", f);
}

static void chart(FILE *f, const struct sweep_plan *p, const struct sweep_agg *agg, unsigned m)
{
	struct layout l = layout_of(p, agg, m);
	struct column col;
	char yname[128];

	column_of(agg, m, &col);
	fprintf(f, "<figure id=\"bars-%s\" data-bars=\"%u\" data-metric=\"", col.id, p->n_combos);
	util_html(f, col.name);
	fputs("\">\n<figcaption>", f);
	util_html(f, col.label);
	if (*col.unit)
		fprintf(f, " (%s)", col.unit);
	fprintf(f,
		": mean and 95%% confidence interval</figcaption>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
		"height=\"%d\" role=\"img\">\n",
		W, H, W, H);
	snprintf(yname, sizeof(yname), "%s%s%s", col.label, *col.unit ? ", " : "", col.unit);
	/* Categories across: no x grid; the first key's name under its values. */
	svg_axes(f, &l.plot, 0, l.step, p->n_keys ? p->paths[0] : NULL, yname);
	fputc('\n', f);
	for (unsigned c = 0; c < p->n_combos; c++)
		bar(f, p, stat_of(agg, c, m), &l, c, col.unit);
	fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"base\"/>\n", ML,
		W - MR, MT + l.plot.h, MT + l.plot.h);
	for (unsigned g = 0; g < l.groups; g++)
		svg_text(f, ML + (g + 0.5) * l.gw, MT + l.plot.h + 18, "middle", 11,
			 "class=\"group\"", "%s", p->n_keys ? p->values[0][g] : "base scenario");
	fputs("\n</svg>\n", f);
	if (l.per > 1)
		legend(f, p, l.per);
	fputs("</figure>\n", f);
}

void sweep_html_write(FILE *f, const struct sweep_plan *p, const struct sweep_agg *agg,
		      const char *title, unsigned done)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
	util_html(f, title);
	fputs("</title>\n<style>\n"
	      "body { font-family: sans-serif; color: #111; background: #fff; margin: 2em; "
	      "max-width: 800px; }\n"
	      "figure { margin: 2em 0; break-inside: avoid; page-break-inside: avoid; }\n"
	      "figcaption { font-weight: bold; margin-bottom: 0.3em; }\n"
	      "svg { max-width: 100%; height: auto; }\n"
	      "svg text { font: 11px sans-serif; fill: #111; }\n"
	      "svg .val { font-size: 10px; } svg .na { fill: #777; } svg .base { stroke: #111; }\n"
	      "svg .bar { stroke: #111; stroke-width: 0.5; } svg .err { stroke: #111; "
	      "stroke-width: 1.2; fill: none; }\n"
	      ".legend span { margin-right: 1em; white-space: nowrap; }\n"
	      ".legend i { display: inline-block; width: 0.9em; height: 0.9em; margin-right: "
	      "0.3em; border: 1px solid #111; vertical-align: -0.1em; "
	      "print-color-adjust: exact; -webkit-print-color-adjust: exact; }\n"
	      "svg { print-color-adjust: exact; -webkit-print-color-adjust: exact; }\n"
	      "table { border-collapse: collapse; font-size: 0.85em; }\n"
	      "th, td { border: 1px solid #999; padding: 2px 6px; text-align: right; }\n"
	      "th { background: #eee; } td.k { text-align: left; }\n"
	      "@media print { body { margin: 0; max-width: none; } }\n"
	      "</style>\n</head>\n<body>\n<h1>",
	      f);
	util_html(f, title);
	fprintf(f,
		"</h1>\n<p>%u of %u runs complete: %u combination%s, %u run%s each, seeds %" PRIu64
		" + repetition.",
		done, p->n_runs, p->n_combos, p->n_combos == 1 ? "" : "s", p->repeat,
		p->repeat == 1 ? "" : "s", p->base_seed);
	if (p->n_keys) {
		fputs(" Varied:", f);
		for (unsigned k = 0; k < p->n_keys; k++) {
			fputs(k ? "; " : " ", f);
			fputs("<code>", f);
			util_html(f, p->paths[k]);
			fputs("</code> ", f);
			for (unsigned v = 0; v < p->n_values[k]; v++) {
				fputs(v ? ", " : "", f);
				util_html(f, p->values[k][v]);
			}
		}
		fputc('.', f);
	}
	for (size_t i = 0; i < p->n_fixed; i++) {
		fputs(i ? ", " : " Every run: <code>", f);
		util_html(f, p->fixed[i]);
		fputs(i + 1 == p->n_fixed ? "</code>." : "", f);
	}
	fputs(" Migration figures are means over each run's successful migrations; RTT "
	      "percentiles over every probe answer of a run; a flow's goodput is its mean over "
	      "the run (summary.json). Bars: the mean over a "
	      "combination's runs; whiskers: the 95% confidence interval (Student t), none with "
	      "one run.</p>\n",
	      f);
	for (unsigned m = 0; m < n_columns(p, agg); m++)
		if (metric_shown(p, agg, m))
			chart(f, p, agg, m);
	fputs("<table id=\"summary\">\n<tr><th>combination</th>", f);
	for (unsigned k = 0; k < p->n_keys; k++) {
		fputs("<th>", f);
		util_html(f, p->paths[k]);
		fputs("</th>", f);
	}
	fputs("<th>runs</th>", f);
	for (unsigned m = 0; m < n_columns(p, agg); m++) {
		struct column col;

		if (!metric_shown(p, agg, m))
			continue;
		column_of(agg, m, &col);
		fputs("<th>", f);
		util_html(f, col.label);
		if (*col.unit)
			fprintf(f, " (%s)", col.unit);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (unsigned c = 0; c < p->n_combos; c++) {
		fputs("<tr><td class=\"k\">", f);
		util_html(f, p->combos[c].id);
		fputs("</td>", f);
		for (unsigned k = 0; k < p->n_keys; k++) {
			fputs("<td class=\"k\">", f);
			util_html(f, p->values[k][p->combos[c].value[k]]);
			fputs("</td>", f);
		}
		fprintf(f, "<td>%u</td>", agg[c].runs);
		for (unsigned m = 0; m < n_columns(p, agg); m++) {
			char buf[CELL_MAX];

			if (!metric_shown(p, agg, m))
				continue;
			fmt_stat(buf, sizeof(buf), stat_of(agg, c, m), "&#177; ");
			fprintf(f, "<td>%s</td>", buf);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n</body>\n</html>\n", f);
}
