/* SPDX-License-Identifier: MIT */
/* One migration's timeline: set-up, live copy, frozen, after resume, the UE's longest gap. */
#include "report/internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int report_chart_mig(struct report *r, size_t k)
{
	const struct mig_row *g = &r->mig[k];
	const char *ue = r->ues.v[g->ue];
	double t0 = g->decided_s, t1 = t0, done = report_mig_done(r, g), span, pad, step;
	double gap = 0, gap_a = 0, prev = -1, y, labelled = -100;
	static const char *const rows[] = {"set-up", "live copy", "frozen", "after resume",
					   "UE without answers"};
	enum { R_SETUP, R_LIVE, R_FROZEN, R_AFTER, R_GAP, N_ROWS };
	struct svg_plot p = {.x0 = 170, .y0 = 78, .w = W - 170 - 24, .h = N_ROWS * 26 + 8};
	unsigned drawn = 0, n_rounds = 0;
	char *body = NULL, id[64], what[512], attrs[256], line2[512], txt_[128];
	size_t body_len = 0;
	int h = (int)(p.y0 + p.h + 44), rc;
	FILE *f;

	t1 = fmax(t1,
		  fmax(g->start_s, fmax(g->freeze_s, fmax(g->resume_s, report_mig_frozen_end(g)))));
	t1 = fmax(t1, fmax(g->flip_s, fmax(g->end_s, g->done_s)));
	/* The UE's longest wait for an answer while the migration ran, as the runner's gap. */
	for (size_t i = r->rtt_from[g->ue]; i < r->rtt_from[g->ue + 1]; i++) {
		const struct rtt_row *x = &r->rtt[i];

		if (!report_rtt_counts(r, x))
			continue;
		if (prev >= 0 && x->t_s > t0 && x->t_s <= done && x->t_s - prev > gap) {
			gap = x->t_s - prev;
			gap_a = prev;
		}
		prev = x->t_s;
	}
	if (gap > 0)
		t1 = fmax(t1, gap_a + gap);
	span = fmax(t1 - fmin(t0, gap > 0 ? gap_a : t0), 1e-3) * 1000;
	pad = span * 0.04;
	p.xlo = (fmin(0, gap > 0 ? (gap_a - t0) * 1000 : 0)) - pad;
	p.xhi = p.xlo + span + 2 * pad;
	p.ylo = 0;
	p.yhi = N_ROWS;
	step = svg_nice_step(p.xhi - p.xlo, 10);

	f = open_memstream(&body, &body_len);
	if (!f)
		return -ENOMEM;
	/* Time in ms from the decision: the x axis; rows only need their names. */
	{
		struct svg_plot q = p;

		q.ylo = 0;
		q.yhi = 1;
		svg_axes(f, &q, step, 2, "ms after the decision", NULL);
	}
	for (unsigned i = 0; i < N_ROWS; i++)
		svg_text(f, p.x0 - 8, p.y0 + 8 + 26 * i + 15, "end", 12, "fill=\"#222\"", "%s",
			 rows[i]);

#define MS(t) (svg_px(&p, ((t)-t0) * 1000))
#define BAR(row, a, b, colour, cls, fmt, ...)                                                      \
	do {                                                                                       \
		double xa_ = MS(a), xb_ = MS(b);                                                   \
		y = p.y0 + 8 + 26 * (row) + 4;                                                     \
		fprintf(f,                                                                         \
			"<rect class=\"bar %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "             \
			"height=\"16\" fill=\"%s\"/>",                                             \
			cls, xa_, y, fmax(xb_ - xa_, 1.5), colour);                                \
		snprintf(txt_, sizeof(txt_), fmt, __VA_ARGS__);                                    \
		svg_bar_label(f, &p, xa_, fmax(xb_, xa_ + 1.5), y + 12, txt_);                     \
		drawn++;                                                                           \
	} while (0)

	if (g->start_s > 0)
		BAR(R_SETUP, t0, g->start_s, "#bdbdbd", "setup", "%.1f ms",
		    (g->start_s - t0) * 1000);
	if (g->start_s > 0) {
		double live_end = g->freeze_s > 0 ? g->freeze_s : g->end_s > 0 ? g->end_s : done;

		BAR(R_LIVE, g->start_s, live_end, "#6baed6", "live", "%.1f ms, %u round%s",
		    (live_end - g->start_s) * 1000, g->rounds, g->rounds == 1 ? "" : "s");
	}
	if (report_mig_frozen_end(g) > 0)
		BAR(R_FROZEN, g->freeze_s, report_mig_frozen_end(g), C_FROZEN, "frozen",
		    "%.1f ms (the downtime%s)", (report_mig_frozen_end(g) - g->freeze_s) * 1000,
		    !strcmp(g->until, "source") ? ", until the source served again"
		    : !strcmp(g->until, "end")	? ": never served again"
						: "");
	if (g->resume_s > 0 && g->end_s >= g->resume_s)
		BAR(R_AFTER, g->resume_s, g->end_s, "#a1d99b", "after", "%.1f ms",
		    (g->end_s - g->resume_s) * 1000);
	if (gap > 0)
		BAR(R_GAP, gap_a, gap_a + gap, "#fb6a4a", "gap", "%.1f ms", gap * 1000);
	else
		svg_text(f, MS(t0) + 4, p.y0 + 8 + 26 * R_GAP + 16, "start", 11, "fill=\"#777\"",
			 "no answers to measure");
	/* Each pre-copy round's end, on the live bar. */
	for (size_t i = 0; i < r->n_ev; i++) {
		const struct ev_row *e = &r->ev[i];
		const char *nn;
		double x;

		if (e->ue != (int)g->ue || strcmp(e->event, "migration_round") || e->t_s < t0 ||
		    e->t_s > done)
			continue;
		x = MS(e->t_s);
		y = p.y0 + 8 + 26 * R_LIVE + 1;
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
		n_rounds++;
		drawn++;
	}
	/* The moments: decided, flip, end, done. */
	{
		struct {
			double t;
			const char *name, *colour;
		} mk[] = {{t0, "decided", "#444"},
			  {g->flip_s, "flip", C_FLIP},
			  {g->end_s, "end", "#08519c"},
			  {g->done_s, "done", "#444"}};
		double right[3] = {-100, -100, -100}; /* per level of labels: where they end */

		for (unsigned i = 0; i < sizeof(mk) / sizeof(mk[0]); i++) {
			double x, w = 6 * (double)strlen(mk[i].name);
			unsigned lv = 0;

			if (!(mk[i].t > 0) && i)
				continue;
			x = MS(mk[i].t);
			fprintf(f,
				"<path class=\"mark %s\" d=\"M%.1f,%.1fv%.1f\" stroke=\"%s\" "
				"stroke-width=\"1.2\" stroke-dasharray=\"3 2\"/>",
				mk[i].name, x, p.y0, p.h, mk[i].colour);
			while (lv < 2 && x - w / 2 < right[lv] + 4)
				lv++;
			svg_text(f, x, p.y0 - 4 - 11.0 * lv, "middle", 10, "fill=\"#333\"", "%s",
				 mk[i].name);
			right[lv] = x + w / 2;
			drawn++;
		}
	}
#undef BAR
#undef MS
	snprintf(what, sizeof(what), "Migration %u: %s of %s, %s \u2192 %s (%s): %s", g->n,
		 g->service, ue, g->from, g->to, g->strategy, g->ok ? "done" : "failed");
	svg_title(f, what);
	if (g->ok)
		snprintf(line2, sizeof(line2),
			 "decided at %.3f s; downtime %.1f ms (engine), %.1f ms without answers at "
			 "the UE; total %.1f ms; %.1f MiB in %u round%s",
			 t0, g->downtime_ms, g->gap_ms, g->total_ms, (double)g->bytes / 1048576.0,
			 g->rounds, g->rounds == 1 ? "" : "s");
	else
		snprintf(line2, sizeof(line2),
			 "decided at %.3f s; downtime %.1f ms; failed: %.300s", t0, g->downtime_ms,
			 *g->error ? g->error : "no reason given");
	/* One line fits about 135 characters; the summary table has the whole error. */
	if (strlen(line2) > 135) {
		char *cut = line2 + 100;

		cut += strcspn(cut, " ");
		snprintf(cut, sizeof(line2) - (size_t)(cut - line2),
			 " \u2026 (in full in the table)");
	}
	svg_text(f, 12, 38, "start", 11, g->ok ? "fill=\"#333\"" : "fill=\"#b00\"", "%s", line2);
	if (fclose(f)) {
		free(body);
		return -ENOMEM;
	}
	snprintf(id, sizeof(id), "mig-%u", g->n);
	snprintf(attrs, sizeof(attrs), "data-points=\"%u\" data-rounds=\"%u\" data-ok=\"%d\"",
		 drawn, n_rounds, g->ok);
	rc = report_chart_add(r, id, h, what, attrs, body, body_len);
	free(body);
	return rc;
}
