/* SPDX-License-Identifier: MIT */
/* One migration's timeline: set-up, live copy, frozen, after resume, the UE's longest gap. */
#include "report/internal.h"

#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { R_SETUP, R_LIVE, R_FROZEN, R_AFTER, R_GAP, N_ROWS };

/*
 * Migration k's spans: the UE's longest wait for an answer while it ran (as the runner's
 * gap), its rounds, the time axis in ms from the decision around all of it.
 */
void report_mig_prepare(const struct report *r, size_t k, struct report_mig_data *ret)
{
	const struct mig_row *g = &r->mig[k];
	struct report_mig_data d = {.t0 = g->decided_s, .done = report_mig_done(r, g)};
	double t1 = d.t0, prev = -1, span, pad;

	d.frozen_end = report_mig_frozen_end(g);
	t1 = fmax(t1, fmax(g->start_s, fmax(g->freeze_s, fmax(g->resume_s, d.frozen_end))));
	t1 = fmax(t1, fmax(g->flip_s, fmax(g->end_s, g->done_s)));
	for (size_t i = r->rtt_from[g->ue]; i < r->rtt_from[g->ue + 1]; i++) {
		const struct rtt_row *x = &r->rtt[i];

		if (!report_rtt_counts(r, x))
			continue;
		if (prev >= 0 && x->t_s > d.t0 && x->t_s <= d.done && x->t_s - prev > d.gap_s) {
			d.gap_s = x->t_s - prev;
			d.gap_from = prev;
		}
		prev = x->t_s;
	}
	if (d.gap_s > 0)
		t1 = fmax(t1, d.gap_from + d.gap_s);
	for (size_t i = 0; i < r->n_ev; i++)
		d.rounds += r->ev[i].ue == (int)g->ue &&
			    !strcmp(r->ev[i].event, "migration_round") && r->ev[i].t_s >= d.t0 &&
			    r->ev[i].t_s <= d.done;
	d.live_end = g->freeze_s > 0 ? g->freeze_s : g->end_s > 0 ? g->end_s : d.done;
	span = fmax(t1 - fmin(d.t0, d.gap_s > 0 ? d.gap_from : d.t0), 1e-3) * 1000;
	pad = span * 0.04;
	d.plot = (struct svg_plot){.x0 = 170, .y0 = 78, .w = W - 170 - 24, .h = N_ROWS * 26 + 8};
	d.plot.xlo = (fmin(0, d.gap_s > 0 ? (d.gap_from - d.t0) * 1000 : 0)) - pad;
	d.plot.xhi = d.plot.xlo + span + 2 * pad;
	d.plot.yhi = N_ROWS;
	d.step = svg_nice_step(d.plot.xhi - d.plot.xlo, 10);
	*ret = d;
}

/* Time t in px. */
static double ms(const struct report_mig_data *d, double t)
{
	return svg_px(&d->plot, (t - d->t0) * 1000);
}

/* A bar in row from a to b, its words beside it. */
__attribute__((format(printf, 8, 9))) static void bar(FILE *f, const struct report_mig_data *d,
						      unsigned row, double a, double b,
						      const char *colour, const char *cls,
						      const char *fmt, ...)
{
	double xa = ms(d, a), xb = ms(d, b), y = d->plot.y0 + 8 + 26 * row + 4;
	char txt[128];
	va_list ap;

	fprintf(f,
		"<rect class=\"bar %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"16\" "
		"fill=\"%s\"/>",
		cls, xa, y, fmax(xb - xa, 1.5), colour);
	va_start(ap, fmt);
	vsnprintf(txt, sizeof(txt), fmt, ap);
	va_end(ap);
	svg_bar_label(f, &d->plot, xa, fmax(xb, xa + 1.5), y + 12, txt);
}

/* The rows' names and their bars; returns the bars drawn. */
static unsigned draw_bars(FILE *f, const struct mig_row *g, const struct report_mig_data *d)
{
	static const char *const rows[] = {"set-up", "live copy", "frozen", "after resume",
					   "UE without answers"};
	const struct svg_plot *p = &d->plot;
	unsigned drawn = 0;

	for (unsigned i = 0; i < N_ROWS; i++)
		svg_text(f, p->x0 - 8, p->y0 + 8 + 26 * i + 15, "end", 12, "fill=\"#222\"", "%s",
			 rows[i]);
	if (g->start_s > 0) {
		bar(f, d, R_SETUP, d->t0, g->start_s, "#bdbdbd", "setup", "%.1f ms",
		    (g->start_s - d->t0) * 1000);
		bar(f, d, R_LIVE, g->start_s, d->live_end, "#6baed6", "live", "%.1f ms, %u round%s",
		    (d->live_end - g->start_s) * 1000, g->rounds, g->rounds == 1 ? "" : "s");
		drawn += 2;
	}
	if (d->frozen_end > 0) {
		bar(f, d, R_FROZEN, g->freeze_s, d->frozen_end, C_FROZEN, "frozen",
		    "%.1f ms (the downtime%s)", (d->frozen_end - g->freeze_s) * 1000,
		    !strcmp(g->until, "source") ? ", until the source served again"
		    : !strcmp(g->until, "end")	? ": never served again"
						: "");
		drawn++;
	}
	if (g->resume_s > 0 && g->end_s >= g->resume_s) {
		bar(f, d, R_AFTER, g->resume_s, g->end_s, "#a1d99b", "after", "%.1f ms",
		    (g->end_s - g->resume_s) * 1000);
		drawn++;
	}
	if (d->gap_s > 0) {
		bar(f, d, R_GAP, d->gap_from, d->gap_from + d->gap_s, "#fb6a4a", "gap", "%.1f ms",
		    d->gap_s * 1000);
		drawn++;
	} else {
		svg_text(f, ms(d, d->t0) + 4, p->y0 + 8 + 26 * R_GAP + 16, "start", 11,
			 "fill=\"#777\"", "no answers to measure");
	}
	return drawn;
}

/* Each pre-copy round's end, on the live bar; labels where there is room. */
static void draw_rounds(FILE *f, const struct report *r, const struct mig_row *g,
			const struct report_mig_data *d)
{
	double labelled = -100, y = d->plot.y0 + 8 + 26 * R_LIVE + 1;

	for (size_t i = 0; i < r->n_ev; i++) {
		const struct ev_row *e = &r->ev[i];
		const char *nn;
		double x;

		if (e->ue != (int)g->ue || strcmp(e->event, "migration_round") || e->t_s < d->t0 ||
		    e->t_s > d->done)
			continue;
		x = ms(d, e->t_s);
		fprintf(f,
			"<path class=\"round\" d=\"M%.1f,%.1fv22\" stroke=\"#08306b\" "
			"stroke-width=\"1.5\"/>",
			x, y);
		nn = strstr(e->detail, "n=");
		if (nn && x - labelled > 14) {
			svg_text(f, x, y - 2, "middle", 9, "fill=\"#08306b\"", "r%ld",
				 strtol(nn + 2, NULL, 10));
			labelled = x;
		}
	}
}

/* The moments: decided, flip, end, done, labels on up to three levels. Returns them. */
static unsigned draw_marks(FILE *f, const struct mig_row *g, const struct report_mig_data *d)
{
	const struct {
		double t;
		const char *name, *colour;
	} mk[] = {{d->t0, "decided", "#444"},
		  {g->flip_s, "flip", C_FLIP},
		  {g->end_s, "end", "#08519c"},
		  {g->done_s, "done", "#444"}};
	double right[3] = {-100, -100, -100}; /* per level of labels: where they end */
	unsigned drawn = 0;

	for (unsigned i = 0; i < sizeof(mk) / sizeof(mk[0]); i++) {
		double x, w = 6 * (double)strlen(mk[i].name);
		unsigned lv = 0;

		if (!(mk[i].t > 0) && i)
			continue;
		x = ms(d, mk[i].t);
		fprintf(f,
			"<path class=\"mark %s\" d=\"M%.1f,%.1fv%.1f\" stroke=\"%s\" "
			"stroke-width=\"1.2\" stroke-dasharray=\"3 2\"/>",
			mk[i].name, x, d->plot.y0, d->plot.h, mk[i].colour);
		while (lv < 2 && x - w / 2 < right[lv] + 4)
			lv++;
		svg_text(f, x, d->plot.y0 - 4 - 11.0 * lv, "middle", 10, "fill=\"#333\"", "%s",
			 mk[i].name);
		right[lv] = x + w / 2;
		drawn++;
	}
	return drawn;
}

/* The second line: the figures, or why it failed. */
static void draw_facts(FILE *f, const struct mig_row *g)
{
	char line2[512];

	if (g->ok)
		snprintf(line2, sizeof(line2),
			 "decided at %.3f s; downtime %.1f ms (engine), %.1f ms without answers at "
			 "the UE; total %.1f ms; %.1f MiB in %u round%s",
			 g->decided_s, g->downtime_ms, g->gap_ms, g->total_ms,
			 (double)g->bytes / 1048576.0, g->rounds, g->rounds == 1 ? "" : "s");
	else
		snprintf(line2, sizeof(line2),
			 "decided at %.3f s; downtime %.1f ms; failed: %.300s", g->decided_s,
			 g->downtime_ms, *g->error ? g->error : "no reason given");
	/* One line fits about 135 characters; the summary table has the whole error. */
	if (strlen(line2) > 135) {
		char *cut = line2 + 100;

		cut += strcspn(cut, " ");
		snprintf(cut, sizeof(line2) - (size_t)(cut - line2),
			 " \u2026 (in full in the table)");
	}
	svg_text(f, 12, 38, "start", 11, g->ok ? "fill=\"#333\"" : "fill=\"#b00\"", "%s", line2);
}

int report_chart_mig(struct report *r, size_t k)
{
	const struct mig_row *g = &r->mig[k];
	struct report_mig_data d;
	struct svg_plot q;
	char *body = NULL, id[64], what[512], attrs[256];
	size_t body_len = 0;
	unsigned drawn;
	int rc;
	FILE *f;

	report_mig_prepare(r, k, &d);
	f = open_memstream(&body, &body_len);
	if (!f)
		return -ENOMEM;
	/* Time in ms from the decision: the x axis; rows only need their names. */
	q = d.plot;
	q.ylo = 0;
	q.yhi = 1;
	svg_axes(f, &q, d.step, 2, "ms after the decision", NULL);
	drawn = draw_bars(f, g, &d);
	draw_rounds(f, r, g, &d);
	drawn += d.rounds + draw_marks(f, g, &d);
	snprintf(what, sizeof(what), "Migration %u: %s of %s, %s \u2192 %s (%s): %s", g->n,
		 g->service, r->ues.v[g->ue], g->from, g->to, g->strategy,
		 g->ok ? "done" : "failed");
	svg_title(f, what);
	draw_facts(f, g);
	if (fclose(f)) {
		free(body);
		return -ENOMEM;
	}
	snprintf(id, sizeof(id), "mig-%u", g->n);
	snprintf(attrs, sizeof(attrs), "data-points=\"%u\" data-rounds=\"%u\" data-ok=\"%d\"",
		 drawn, d.rounds, g->ok);
	rc = report_chart_add(r, id, (int)(d.plot.y0 + d.plot.h + 44), what, attrs, body, body_len);
	free(body);
	return rc;
}
