/* SPDX-License-Identifier: MIT */
/* The RTT of one UE over time, its handovers, migrations and losses marked. */
#include "report/internal.h"

#include "cli/num.h"
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int report_chart_rtt(struct report *r, unsigned u)
{
	const char *ue = r->ues.v[u];
	size_t from = r->rtt_from[u], to = r->rtt_from[u + 1], n = to - from;
	struct svg_plot p = {.x0 = 64, .y0 = 50, .w = W - 64 - 20, .h = 210};
	unsigned n_ans = 0, n_loss = 0, drawn = 0, n_ho = 0, n_mig = 0, marks = 0, cap;
	size_t *per = NULL, n_series = 0, n_sel = 0;
	int *series = NULL, h = (int)(p.y0 + p.h + 46), rc = 0;
	char *body = NULL, id[64], what[256], attrs[256], note[256] = "";
	double ymax = 0, *dt = NULL, ystep;
	bool *keep = NULL;
	size_t body_len = 0;
	struct svg_legend lg;
	FILE *f;

	series = malloc((r->targets.n + 1) * sizeof(*series));
	per = calloc(r->targets.n + 1, sizeof(*per));
	keep = calloc(n + 1, sizeof(*keep));
	dt = malloc((n + 1) * sizeof(*dt));
	if (!series || !per || !keep || !dt) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t t = 0; t < r->targets.n; t++)
		series[t] = -1;
	for (size_t i = from; i < to; i++) {
		const struct rtt_row *x = &r->rtt[i];

		if (x->loss) {
			n_loss++;
			continue;
		}
		if (series[x->target] < 0)
			series[x->target] = (int)n_series++;
		per[x->target]++;
		n_ans++;
		ymax = fmax(ymax, x->rtt_ms);
	}
	cap = r->max_points / (unsigned)(n_series ? n_series : 1);
	if (cap < 2)
		cap = 2;
	/* Long series keep the lowest and highest RTT of each of cap / 2 equal slices. */
	for (size_t t = 0; t < r->targets.n; t++) {
		size_t i = 0, lo = 0, hi = 0, buckets = cap / 2;
		long cur = -1;

		if (!per[t])
			continue;
		for (size_t k = from; k < to; k++) {
			const struct rtt_row *x = &r->rtt[k];
			long b;

			if (x->loss || x->target != t)
				continue;
			if (per[t] <= cap) {
				keep[k - from] = true;
				continue;
			}
			b = (long)((uint64_t)i++ * buckets / per[t]);
			if (b != cur) {
				if (cur >= 0)
					keep[lo - from] = keep[hi - from] = true;
				cur = b;
				lo = hi = k;
			} else {
				if (x->rtt_ms < r->rtt[lo].rtt_ms)
					lo = k;
				if (x->rtt_ms > r->rtt[hi].rtt_ms)
					hi = k;
			}
		}
		if (cur >= 0)
			keep[lo - from] = keep[hi - from] = true;
	}
	for (size_t k = from; k < to; k++)
		drawn += keep[k - from];

	p.xlo = 0;
	p.xhi = r->t_end;
	p.ylo = 0;
	ystep = svg_nice_step(n_ans ? ymax * 1.05 : 10, 5);
	p.yhi = n_ans ? ceil(ymax * 1.05 / ystep) * ystep : 10;
	if (!(p.yhi > 0))
		p.yhi = ystep;

	f = open_memstream(&body, &body_len);
	if (!f) {
		rc = -ENOMEM;
		goto out;
	}
	/* Migrations under everything: decided to done, the frozen span darker, the flip. */
	for (size_t k = 0; k < r->n_mig; k++) {
		const struct mig_row *g = &r->mig[k];
		double a = svg_px(&p, svg_clamp(g->decided_s, p.xlo, p.xhi)),
		       b = svg_px(&p, svg_clamp(report_mig_done(r, g), p.xlo, p.xhi));

		if (g->ue != u)
			continue;
		n_mig++;
		fprintf(f,
			"<rect class=\"mig\" data-n=\"%u\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			"height=\"%.1f\" fill=\"" C_MIG "\"/>",
			g->n, a, p.y0, fmax(b - a, 1.5), p.h);
		if (report_mig_frozen_end(g) > 0) {
			a = svg_px(&p, svg_clamp(g->freeze_s, p.xlo, p.xhi));
			b = svg_px(&p, svg_clamp(report_mig_frozen_end(g), p.xlo, p.xhi));
			fprintf(f,
				"<rect class=\"frozen\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				"height=\"%.1f\" fill=\"" C_FROZEN "\"/>",
				a, p.y0, fmax(b - a, 1.5), p.h);
		}
		if (g->flip_s > 0) {
			a = svg_px(&p, svg_clamp(g->flip_s, p.xlo, p.xhi));
			fprintf(f,
				"<path class=\"flip\" d=\"M%.1f,%.1fv%.1f\" stroke=\"" C_FLIP
				"\" stroke-width=\"1.5\"/>",
				a, p.y0, p.h);
		}
		svg_text(f, svg_px(&p, svg_clamp(g->decided_s, p.xlo, p.xhi)) + 3, p.y0 + 23,
			 "start", 10, "fill=\"" C_FLIP "\"", "mig %u", g->n);
	}
	svg_axes(f, &p, svg_nice_step(p.xhi - p.xlo, 10), ystep, "time since the start (s)",
		 "RTT (ms)");
	for (size_t i = 0; i < r->n_ev; i++)
		n_ho += r->ev[i].ue == (int)u && report_is_handover(&r->ev[i]);
	for (size_t i = 0; i < r->n_ev; i++) {
		const struct ev_row *e = &r->ev[i];
		char cell[64];
		double x;

		if (e->ue != (int)u || !report_is_handover(e))
			continue;
		x = svg_px(&p, svg_clamp(e->t_s, p.xlo, p.xhi));
		report_handover_to(e->detail, cell, sizeof(cell));
		fprintf(f,
			"<path class=\"ho\" d=\"M%.1f,%.1fv%.1f\" stroke=\"" C_HO "\" "
			"stroke-width=\"1.2\" stroke-dasharray=\"4 3\"/>",
			x, p.y0, p.h);
		if (n_ho <= 20)
			svg_text(f, x + 3, p.y0 + 11, "start", 10, "fill=\"" C_HO "\"", "\u2192%s",
				 cell);
	}
	/* One line per target, broken at a loss and across a gap of no answers. */
	for (size_t t = 0; t < r->targets.n; t++) {
		size_t n_dt = 0, kept = 0;
		double last = -1, thr;
		bool brk = true;

		if (!per[t])
			continue;
		for (size_t k = from; k < to; k++) {
			const struct rtt_row *x = &r->rtt[k];

			if (x->loss || x->target != t)
				continue;
			if (last >= 0)
				dt[n_dt++] = x->t_s - last;
			last = x->t_s;
			kept += keep[k - from];
		}
		qsort(dt, n_dt, sizeof(*dt), cli_cmp_double);
		thr = 5 * (n_dt ? dt[n_dt / 2] : 1) * (double)per[t] / (double)(kept ? kept : 1);
		fprintf(f,
			"<path class=\"rtt\" data-target=\"%s\" data-points=\"%zu\" fill=\"none\" "
			"stroke=\"%s\" stroke-width=\"1.3\" stroke-linejoin=\"round\" "
			"stroke-linecap=\"round\" d=\"",
			r->targets.v[t], kept, svg_colour((size_t)series[t]));
		last = -1;
		for (size_t k = from; k < to; k++) {
			const struct rtt_row *x = &r->rtt[k];
			double X, Y;

			if (x->target != t)
				continue;
			if (x->loss) {
				brk = true;
				continue;
			}
			if (!keep[k - from])
				continue;
			X = svg_px(&p, x->t_s);
			Y = svg_py(&p, x->rtt_ms);
			/* h0: a point alone between two breaks still shows, as a dot */
			if (brk || x->t_s - last > thr)
				fprintf(f, "M%.1f,%.1fh0", X, Y);
			else
				fprintf(f, "L%.1f,%.1f", X, Y);
			last = x->t_s;
			brk = false;
		}
		fputs("\"/>", f);
	}
	/* Losses: ticks on the time axis, one per half pixel at most. */
	if (n_loss) {
		long prev = LONG_MIN;

		fputs("<path class=\"loss\" stroke=\"" C_LOSS "\" stroke-width=\"1.5\" d=\"", f);
		for (size_t k = from; k < to; k++) {
			double x;

			if (!r->rtt[k].loss)
				continue;
			x = svg_px(&p, svg_clamp(r->rtt[k].t_s, p.xlo, p.xhi));
			if (lround(x * 2) == prev)
				continue;
			prev = lround(x * 2);
			marks++;
			fprintf(f, "M%.1f,%.1fv-9", x, p.y0 + p.h);
		}
		fputs("\"/>", f);
	}
	if (!n_ans && !n_loss)
		svg_no_data(f, &p,
			    !r->have_rtt ? "rtt.csv is missing"
					 : "no probe answers from this UE in rtt.csv");

	for (size_t t = 0; t < r->targets.n; t++)
		n_sel += per[t] > 0;
	snprintf(what, sizeof(what), "RTT of %s", ue);
	if (n_sel == 1)
		for (size_t t = 0; t < r->targets.n; t++)
			if (per[t])
				snprintf(what, sizeof(what), "RTT of %s to %s", ue,
					 r->targets.v[t]);
	svg_title(f, what);
	if (drawn < n_ans)
		snprintf(
		    note, sizeof(note),
		    "downsampled: %u of %u answers drawn (the lowest and highest RTT of each of "
		    "%u equal slices)",
		    drawn, n_ans, cap / 2);
	if (*note)
		svg_text(f, W - 20, 20, "end", 10, "class=\"note\" fill=\"#555\"", "%s", note);
	lg = (struct svg_legend){f, p.x0, 40};
	for (size_t t = 0; t < r->targets.n; t++)
		if (per[t])
			svg_legend_item(&lg, "line", svg_colour((size_t)series[t]),
					r->targets.v[t]);
	if (n_loss)
		svg_legend_item(&lg, "tick", C_LOSS, "loss");
	if (n_ho)
		svg_legend_item(&lg, "dash", C_HO, "handover");
	if (n_mig) {
		svg_legend_item(&lg, "box", C_MIG, "migration (decided to done)");
		svg_legend_item(&lg, "box", C_FROZEN, "frozen");
		svg_legend_item(&lg, "line", C_FLIP, "flip");
	}
	if (fclose(f)) {
		rc = -ENOMEM;
		goto out;
	}
	snprintf(id, sizeof(id), "rtt-%s", ue);
	snprintf(attrs, sizeof(attrs),
		 "data-points=\"%u\" data-answers=\"%u\" data-losses=\"%u\" data-loss-marks=\"%u\" "
		 "data-handovers=\"%u\" data-migrations=\"%u\"",
		 drawn, n_ans, n_loss, marks, n_ho, n_mig);
	rc = report_chart_add(r, id, h, what, attrs, body, body_len);
out:
	free(body);
	free(series);
	free(per);
	free(keep);
	free(dt);
	return rc;
}
