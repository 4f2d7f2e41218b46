/* SPDX-License-Identifier: MIT */
/* The page around the charts: its head (the run's facts) and the summary tables. */
#include "report/internal.h"

#include "results/results.h"
#include "util/num.h"
#include "util/text.h"
#include <json-c/json.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char css[] =
    "body{font-family:" FONT ";color:#111;background:#fff;max-width:960px;margin:24px auto;"
    "padding:0 12px;line-height:1.4}"
    "h1{font-size:1.5em;margin:0 0 .3em}"
    "h2{font-size:1.2em;margin:1.6em 0 .5em;border-bottom:1px solid #bbb}"
    "p.meta{color:#333;font-size:.9em;margin:.2em 0}"
    "p.note{color:#555;font-size:.85em}"
    ".err{color:#b00}"
    "table{border-collapse:collapse;font-size:.85em;margin:.4em 0 1em;max-width:100%}"
    "th,td{border:1px solid #aaa;padding:2px 6px;text-align:right;vertical-align:top}"
    "td{white-space:nowrap}"
    "th{background:#eee;font-weight:600}"
    "td.l,th.l{text-align:left}"
    "svg.chart{display:block;width:100%;max-width:900px;height:auto;margin:.3em 0 1.2em}"
    "@media print{body{max-width:none;margin:0;padding:0;font-size:10pt}"
    "h2{break-after:avoid}svg.chart,table,tr{break-inside:avoid}"
    "svg.chart{max-width:100%}th{background:none}table{font-size:8pt}td{white-space:normal}"
    "@page{margin:12mm}}";

static void span_ms(FILE *f, const char *ue, const char *phase, const char *q, const double *v,
		    size_t n, double quant)
{
	fprintf(f, "<span data-k=\"%s.%s.%s\">", ue, phase, q);
	if (n)
		fprintf(f, "%.3f", util_quantile(v, n, quant));
	else
		fputs("-", f);
	fputs("</span>", f);
}

int report_html_summary(struct report *r, FILE *f)
{
	static const char *const phases[] = {"before", "during", "after"};
	double *v[3];
	int rc = 0;

	fputs("<h2 id=\"summary\">Summary</h2>\n<table id=\"summary-ues\"><thead><tr>"
	      "<th class=\"l\" rowspan=\"2\">UE</th><th rowspan=\"2\">hand&shy;overs</th>"
	      "<th rowspan=\"2\">migra&shy;tions</th><th rowspan=\"2\">answers</th>"
	      "<th rowspan=\"2\">losses</th>",
	      f);
	for (unsigned k = 0; k < 3; k++)
		fprintf(f, "<th colspan=\"2\">RTT %s (ms)</th>", phases[k]);
	fputs("</tr><tr>", f);
	for (unsigned k = 0; k < 3; k++)
		fputs("<th>n</th><th>p50 / p95 / p99</th>", f);
	fputs("</tr></thead><tbody>\n", f);
	for (size_t u = 0; u < r->ues.n; u++) {
		size_t from = r->rtt_from[u], to = r->rtt_from[u + 1], n[3] = {0};
		unsigned ho = 0, migs = 0, answers = 0, losses = 0;
		const char *ue = r->ues.v[u];

		for (unsigned k = 0; k < 3; k++)
			v[k] = malloc((to - from + 1) * sizeof(double));
		if (!v[0] || !v[1] || !v[2]) {
			rc = -ENOMEM;
			for (unsigned k = 0; k < 3; k++)
				free(v[k]);
			break;
		}
		for (size_t i = 0; i < r->n_ev; i++)
			ho += r->ev[i].ue == (int)u && report_is_handover(&r->ev[i]);
		for (size_t k = 0; k < r->n_mig; k++)
			migs += r->mig[k].ue == u;
		for (size_t i = from; i < to; i++) {
			const struct rtt_row *x = &r->rtt[i];
			int ph;

			if (x->loss) {
				losses++;
				continue;
			}
			answers++;
			if (!report_rtt_counts(r, x))
				continue;
			ph = report_phase_of(r, (unsigned)u, x->t_s);
			v[ph][n[ph]++] = x->rtt_ms;
		}
		fputs("<tr><td class=\"l\">", f);
		util_html(f, ue);
		fprintf(
		    f,
		    "</td><td data-k=\"%s.handovers\">%u</td><td data-k=\"%s.migrations\">%u</td>"
		    "<td data-k=\"%s.answers\">%u</td><td data-k=\"%s.losses\">%u</td>",
		    ue, ho, ue, migs, ue, answers, ue, losses);
		for (unsigned k = 0; k < 3; k++) {
			qsort(v[k], n[k], sizeof(double), util_cmp_double);
			fprintf(f, "<td data-k=\"%s.%s.n\">%zu</td><td>", ue, phases[k], n[k]);
			span_ms(f, ue, phases[k], "p50", v[k], n[k], 0.50);
			fputs(" / ", f);
			span_ms(f, ue, phases[k], "p95", v[k], n[k], 0.95);
			fputs(" / ", f);
			span_ms(f, ue, phases[k], "p99", v[k], n[k], 0.99);
			fputs("</td>", f);
			free(v[k]);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n<p class=\"note\">RTT: the answers in rtt.csv to the UE's "
	      "service (its first probe's), nearest-rank percentiles, before, during and after its "
	      "migrations; <i>during</i> runs from a migration's decision to its end (its done or "
	      "failed event). Handovers leave out attaching to a first cell.</p>\n",
	      f);
	if (!r->n_mig) {
		fprintf(f, "<p class=\"note\" id=\"summary-migrations\">No migrations%s.</p>\n",
			r->have_mig ? "" : " (migrations.csv is missing)");
		return rc;
	}
	fputs("<table id=\"summary-migrations\"><thead><tr><th>#</th><th class=\"l\">UE</th>"
	      "<th class=\"l\">service</th><th class=\"l\">from \u2192 to</th>"
	      "<th class=\"l\">strategy</th><th>decided (s)</th><th>downtime, engine (ms)</th>"
	      "<th>no answers at the UE (ms)</th><th>total (ms)</th><th>MiB</th><th>rounds</th>"
	      "<th class=\"l\">ok</th></tr></thead><tbody>\n",
	      f);
	for (size_t k = 0; k < r->n_mig; k++) {
		const struct mig_row *g = &r->mig[k];

		fprintf(f, "<tr><td>%u</td><td class=\"l\">", g->n);
		util_html(f, r->ues.v[g->ue]);
		fputs("</td><td class=\"l\">", f);
		util_html(f, g->service);
		fputs("</td><td class=\"l\">", f);
		util_html(f, g->from);
		fputs(" \u2192 ", f);
		util_html(f, g->to);
		fputs("</td><td class=\"l\">", f);
		util_html(f, g->strategy);
		fprintf(f,
			"</td><td data-k=\"mig%u.decided\">%.3f</td>"
			"<td data-k=\"mig%u.downtime\">%.3f</td><td data-k=\"mig%u.gap\">%.3f</td>"
			"<td data-k=\"mig%u.total\">%.3f</td><td data-k=\"mig%u.mib\">%.3f</td>"
			"<td data-k=\"mig%u.rounds\">%u</td><td class=\"l\" data-k=\"mig%u.ok\">%s",
			g->n, g->decided_s, g->n, g->downtime_ms, g->n, g->gap_ms, g->n,
			g->total_ms, g->n, (double)g->bytes / 1048576.0, g->n, g->rounds, g->n,
			g->ok ? "yes" : "no");
		if (!g->ok && *g->error) {
			fputs(": <span class=\"err\">", f);
			util_html(f, g->error);
			fputs("</span>", f);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
	return rc;
}

/* before, the value at path in JSON text as HTML, after; nothing when it has none. */
static void put_value(FILE *f, const char *text, const char *path, const char *before,
		      const char *after)
{
	char v[256];

	if (!json_get(text, NULL, path, v, sizeof(v)))
		return;
	fputs(before, f);
	util_html(f, v);
	fputs(after, f);
}

/* text[0], the value at paths[0], text[1], ... text[4]: a line only when all four are there. */
static void put_line(FILE *f, const char *json, const char *const paths[4],
		     const char *const text[5])
{
	char v[4][256];

	for (unsigned i = 0; i < 4; i++)
		if (!json_get(json, NULL, paths[i], v[i], sizeof(v[i])))
			return;
	for (unsigned i = 0; i < 4; i++) {
		fputs(text[i], f);
		util_html(f, v[i]);
	}
	fputs(text[4], f);
}

void report_html_head(struct report *r, FILE *f)
{
	static const char *const version[4] = {"edgemu_version", "git_commit", "kernel", "shaper"};
	static const char *const version_text[5] = {"<p class=\"meta\">edgemu ", " (", "), kernel ",
						    ", shaper ", "</p>\n"};
	static const char *const clock[4] = {"lateness_us.p50", "lateness_us.p99",
					     "lateness_us.max", "lateness_us.events"};
	static const char *const clock_text[5] = {
	    "<p class=\"meta\">the runner's clock: lateness p50 ", " us, p99 ", " us, max ",
	    " us over ", " events</p>\n"};
	static const char *const radio[4] = {"radio.handovers", "radio.x2_pkts",
					     "radio.ho_drop_pkts", "radio.drop_pkts"};
	static const char *const radio_text[5] = {
	    "<p class=\"meta\" id=\"radio\">the radio access: handovers ",
	    "; downlink in flight at them: forwarded (x2) ", " packets, dropped ",
	    " packets; other drops ", " packets</p>\n"};
	const struct topo_model *m = r->m;
	char run[128] = "", ended[32];

	if (!json_get(r->meta, NULL, "run", run, sizeof(run)) &&
	    !json_get(r->summary, NULL, "run", run, sizeof(run)))
		snprintf(run, sizeof(run), "%s", m ? m->name : r->dir);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	      "<title>edgemu report: ",
	      f);
	util_html(f, run);
	fprintf(f, "</title>\n<style>%s</style></head>\n<body>\n<h1>edgemu run ", css);
	util_html(f, run);
	fputs("</h1>\n<p class=\"meta\">", f);
	put_value(f, r->meta, "scenario", "scenario <code>", "</code>; ");
	if (m)
		fprintf(f, "policy %s, strategy %s, steering %s; ",
			topo_policy_name(m->migration.policy),
			topo_strategy_name(m->migration.strategy),
			topo_steering_name(m->migration.steering));
	fprintf(f, "%.1f s", r->t_end);
	put_value(f, r->meta, "seed", ", seed ", "");
	put_value(f, r->meta, "start", ", started ", "");
	fputs("</p>\n", f);
	put_line(f, r->meta, version, version_text);
	put_line(f, r->summary, clock, clock_text);
	/* A radio run's summary.json since the radio access by path switch (issue 14). */
	put_line(f, r->summary, radio, radio_text);
	if (!r->summary)
		fputs("<p class=\"meta err\" id=\"ended\">no summary.json: the run did not finish "
		      "(killed?); what it recorded until then is here</p>\n",
		      f);
	if (json_get(r->summary, NULL, "ended", ended, sizeof(ended)) &&
	    !strcmp(ended, "interrupted")) {
		fputs("<p class=\"meta err\" id=\"ended\">the run was interrupted", f);
		put_value(f, r->summary, "signal", " by ", "");
		put_value(f, r->summary, "stopped_s", " at ", " s");
		put_value(f, r->summary, "planned_s", " of ", " s");
		fputs("</p>\n", f);
	}
	put_value(f, r->summary, "error",
		  "<p class=\"meta err\">the run ended with an error: ", "</p>\n");
}

/* "<td" and flow name's cell k ("flow.dl.mean"), the name escaped: it is the run's text. */
static void flow_td(FILE *f, const char *name, const char *k, const char *cls)
{
	fprintf(f, "<td%s data-k=\"flow.", cls);
	util_html(f, name);
	fprintf(f, ".%s\">", k);
}

/* A goodput figure of summary.json (Mbit/s) into cell k of flow name's row, "-" when none. */
static void flow_cell(FILE *f, const char *name, const char *k, struct json_object *x,
		      const char *path)
{
	struct json_object *v = results_json_get(x, path);

	flow_td(f, name, k, "");
	if (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int))
		fprintf(f, "%.3f", json_object_get_double(v));
	else
		fputs("-", f);
	fputs("</td>", f);
}

/* Flow name's entry in summary.json's flows, NULL: none. */
static struct json_object *flow_entry(struct json_object *flows, const char *name)
{
	for (size_t i = 0;
	     json_object_is_type(flows, json_type_array) && i < json_object_array_length(flows);
	     i++) {
		struct json_object *x = json_object_array_get_idx(flows, i);

		if (!strcmp(results_json_str(x, "name", ""), name))
			return x;
	}
	return NULL;
}

/*
 * One row per flow: its ends, the bytes its receiver read and its goodput before, during and
 * after handovers and migrations (summary.json: the runner's figures), whether its connection
 * broke, and the rows throughput.csv has of it. A flow summary.json does not list (a run that
 * did not finish) has "-" there.
 */
int report_html_flows(struct report *r, FILE *f)
{
	static const char *const phases[] = {"mean", "before", "during", "after"};
	struct json_object *o = NULL, *flows;

	if (r->summary &&
	    results_json_parse(r->summary, strlen(r->summary), RESULTS_SUMMARY, &o, NULL) < 0)
		o = NULL;
	flows = results_json_get(o, "flows");
	fputs("<table id=\"summary-flows\"><thead><tr><th class=\"l\" rowspan=\"2\">flow</th>"
	      "<th class=\"l\" rowspan=\"2\">from \u2192 to</th><th rowspan=\"2\">MiB</th>"
	      "<th colspan=\"4\">goodput (Mbit/s)</th><th class=\"l\" rowspan=\"2\">broken</th>"
	      "<th rowspan=\"2\">rows</th></tr><tr>",
	      f);
	for (unsigned k = 0; k < 4; k++)
		fprintf(f, "<th>%s</th>", phases[k]);
	fputs("</tr></thead><tbody>\n", f);
	for (size_t c = 0; c < r->flows.n; c++) {
		const char *name = r->flows.v[c];
		struct json_object *x = flow_entry(flows, name), *v;
		char path[32];
		int64_t n;

		fputs("<tr><td class=\"l\">", f);
		util_html(f, name);
		fputs("</td><td class=\"l\">", f);
		if (r->flow[c].listed) {
			util_html(f, r->flow[c].from);
			fputs(" \u2192 ", f);
			util_html(f, r->flow[c].to);
		} else {
			fputs("-", f);
		}
		fputs("</td>", f);
		flow_td(f, name, "mib", "");
		v = results_json_get(x, "bytes");
		if (json_object_is_type(v, json_type_int) ||
		    json_object_is_type(v, json_type_double))
			fprintf(f, "%.3f", json_object_get_double(v) / 1048576.0);
		else
			fputs("-", f);
		fputs("</td>", f);
		for (unsigned k = 0; k < 4; k++) {
			snprintf(path, sizeof(path), "goodput_mbps.%s", phases[k]);
			flow_cell(f, name, phases[k], x, path);
		}
		/* the times it broke (the runner's), or true or false */
		v = results_json_get(x, "broken");
		n = json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -1;
		flow_td(f, name, "broken", " class=\"l\"");
		if (n == 0)
			fputs("no", f);
		else if (n == 1)
			fputs("<span class=\"err\">once</span>", f);
		else if (n > 1)
			fprintf(f, "<span class=\"err\">%" PRId64 " times</span>", n);
		else if (json_object_is_type(v, json_type_boolean))
			fputs(json_object_get_boolean(v) ? "<span class=\"err\">yes</span>" : "no",
			      f);
		else
			fputs("-", f);
		fputs("</td>", f);
		flow_td(f, name, "rows", "");
		fprintf(f, "%zu</td></tr>\n", r->tput_from[c + 1] - r->tput_from[c]);
	}
	fputs("</tbody></table>\n<p class=\"note\">Goodput: the bytes each flow's receiver read, "
	      "in Mbit/s, over the whole flow and before, during and after handovers and "
	      "migrations, as the run measured them (summary.json); rows: the receiver's reports "
	      "in throughput.csv.</p>\n",
	      f);
	json_object_put(o);
	return 0;
}
