/* SPDX-License-Identifier: MIT */
/* The RTT of one UE over time, its handovers, migrations and losses marked. */
#include "report/internal.h"

#include "util/num.h"
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void report_rtt_data_free(struct report_rtt_data *d)
{
	free(d->series);
	free(d->per);
	free(d->kept);
	free(d->gap_s);
	free(d->keep);
	memset(d, 0, sizeof(*d));
}

/* A long series keeps the lowest and highest RTT of each of d->slices equal slices. */
static void keep_extremes(const struct report *r, struct report_rtt_data *d, size_t t, unsigned cap)
{
	size_t i = 0, lo = 0, hi = 0;
	long cur = -1;

	for (size_t k = d->from; k < d->to; k++) {
		const struct rtt_row *x = &r->rtt[k];
		long b;

		if (x->loss || x->target != t)
			continue;
		if (d->per[t] <= cap) {
			d->keep[k - d->from] = true;
			continue;
		}
		b = (long)((uint64_t)i++ * d->slices / d->per[t]);
		if (b != cur) {
			if (cur >= 0)
				d->keep[lo - d->from] = d->keep[hi - d->from] = true;
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
		d->keep[lo - d->from] = d->keep[hi - d->from] = true;
}

/*
 * Target t's answers drawn, and the gap that breaks its line: five times the median time
 * between answers, stretched by the downsampling. dt: scratch for every row of the UE.
 */
static void line_breaks(const struct report *r, struct report_rtt_data *d, size_t t, double *dt)
{
	size_t n_dt = 0;
	double last = -1;

	for (size_t k = d->from; k < d->to; k++) {
		const struct rtt_row *x = &r->rtt[k];

		if (x->loss || x->target != t)
			continue;
		if (last >= 0)
			dt[n_dt++] = x->t_s - last;
		last = x->t_s;
		d->kept[t] += d->keep[k - d->from];
	}
	qsort(dt, n_dt, sizeof(*dt), util_cmp_double);
	d->gap_s[t] = 5 * (n_dt ? dt[n_dt / 2] : 1) * (double)d->per[t] /
		      (double)(d->kept[t] ? d->kept[t] : 1);
}

/* Counts, series and the RTT axis of UE u; the answers to draw when there are too many. */
int report_rtt_prepare(const struct report *r, unsigned u, struct report_rtt_data *ret)
{
	struct report_rtt_data d = {.from = r->rtt_from[u], .to = r->rtt_from[u + 1]};
	size_t n = d.to - d.from, n_series = 0;
	double ymax = 0, *dt = malloc((n + 1) * sizeof(*dt));
	unsigned cap;

	d.series = malloc((r->targets.n + 1) * sizeof(*d.series));
	d.per = calloc(r->targets.n + 1, sizeof(*d.per));
	d.kept = calloc(r->targets.n + 1, sizeof(*d.kept));
	d.gap_s = calloc(r->targets.n + 1, sizeof(*d.gap_s));
	d.keep = calloc(n + 1, sizeof(*d.keep));
	if (!dt || !d.series || !d.per || !d.kept || !d.gap_s || !d.keep) {
		free(dt);
		report_rtt_data_free(&d);
		return -ENOMEM;
	}
	for (size_t t = 0; t < r->targets.n; t++)
		d.series[t] = -1;
	for (size_t i = d.from; i < d.to; i++) {
		const struct rtt_row *x = &r->rtt[i];

		if (x->loss) {
			d.losses++;
			continue;
		}
		if (d.series[x->target] < 0)
			d.series[x->target] = (int)n_series++;
		d.per[x->target]++;
		d.answers++;
		ymax = fmax(ymax, x->rtt_ms);
	}
	cap = r->max_points / (unsigned)(n_series ? n_series : 1);
	if (cap < 2)
		cap = 2;
	d.slices = cap / 2;
	for (size_t t = 0; t < r->targets.n; t++) {
		if (!d.per[t])
			continue;
		d.targets++;
		keep_extremes(r, &d, t, cap);
		line_breaks(r, &d, t, dt);
	}
	free(dt);
	for (size_t k = d.from; k < d.to; k++)
		d.drawn += d.keep[k - d.from];
	for (size_t i = 0; i < r->n_ev; i++)
		d.handovers += r->ev[i].ue == (int)u && report_is_handover(&r->ev[i]);
	for (size_t k = 0; k < r->n_mig; k++)
		d.migrations += r->mig[k].ue == u;
	d.ystep = svg_nice_step(d.answers ? ymax * 1.05 : 10, 5);
	d.yhi = d.answers ? ceil(ymax * 1.05 / d.ystep) * d.ystep : 10;
	if (!(d.yhi > 0))
		d.yhi = d.ystep;
	*ret = d;
	return 0;
}

/* UE u's migrations under everything: decided to done, the frozen span darker, the flip. */
void report_draw_migrations(FILE *f, const struct report *r, unsigned u, const struct svg_plot *p)
{
	for (size_t k = 0; k < r->n_mig; k++) {
		const struct mig_row *g = &r->mig[k];
		double a = svg_px(p, svg_clamp(g->decided_s, p->xlo, p->xhi)),
		       b = svg_px(p, svg_clamp(report_mig_done(r, g), p->xlo, p->xhi));

		if (g->ue != u)
			continue;
		fprintf(f,
			"<rect class=\"mig\" data-n=\"%u\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			"height=\"%.1f\" fill=\"" C_MIG "\"/>",
			g->n, a, p->y0, fmax(b - a, 1.5), p->h);
		if (report_mig_frozen_end(g) > 0) {
			a = svg_px(p, svg_clamp(g->freeze_s, p->xlo, p->xhi));
			b = svg_px(p, svg_clamp(report_mig_frozen_end(g), p->xlo, p->xhi));
			fprintf(f,
				"<rect class=\"frozen\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				"height=\"%.1f\" fill=\"" C_FROZEN "\"/>",
				a, p->y0, fmax(b - a, 1.5), p->h);
		}
		if (g->flip_s > 0) {
			a = svg_px(p, svg_clamp(g->flip_s, p->xlo, p->xhi));
			fprintf(f,
				"<path class=\"flip\" d=\"M%.1f,%.1fv%.1f\" stroke=\"" C_FLIP
				"\" stroke-width=\"1.5\"/>",
				a, p->y0, p->h);
		}
		svg_text(f, svg_px(p, svg_clamp(g->decided_s, p->xlo, p->xhi)) + 3, p->y0 + 23,
			 "start", 10, "fill=\"" C_FLIP "\"", "mig %u", g->n);
	}
}

/* Dashed lines at UE u's handovers; with label, the cell each went to. */
void report_draw_handovers(FILE *f, const struct report *r, unsigned u, bool label,
			   const struct svg_plot *p)
{
	for (size_t i = 0; i < r->n_ev; i++) {
		const struct ev_row *e = &r->ev[i];
		char cell[64];
		double x;

		if (e->ue != (int)u || !report_is_handover(e))
			continue;
		x = svg_px(p, svg_clamp(e->t_s, p->xlo, p->xhi));
		report_handover_to(e->detail, cell, sizeof(cell));
		fprintf(f,
			"<path class=\"ho\" d=\"M%.1f,%.1fv%.1f\" stroke=\"" C_HO "\" "
			"stroke-width=\"1.2\" stroke-dasharray=\"4 3\"/>",
			x, p->y0, p->h);
		if (label)
			svg_text(f, x + 3, p->y0 + 11, "start", 10, "fill=\"" C_HO "\"", "\u2192%s",
				 cell);
	}
}

/* One line per target, broken at a loss and across a gap of no answers. */
static void draw_lines(FILE *f, const struct report *r, const struct report_rtt_data *d,
		       const struct svg_plot *p)
{
	for (size_t t = 0; t < r->targets.n; t++) {
		double last = -1;
		bool brk = true;

		if (!d->per[t])
			continue;
		fprintf(f,
			"<path class=\"rtt\" data-target=\"%s\" data-points=\"%zu\" fill=\"none\" "
			"stroke=\"%s\" stroke-width=\"1.3\" stroke-linejoin=\"round\" "
			"stroke-linecap=\"round\" d=\"",
			r->targets.v[t], d->kept[t], svg_colour((size_t)d->series[t]));
		for (size_t k = d->from; k < d->to; k++) {
			const struct rtt_row *x = &r->rtt[k];
			double X, Y;

			if (x->target != t)
				continue;
			if (x->loss) {
				brk = true;
				continue;
			}
			if (!d->keep[k - d->from])
				continue;
			X = svg_px(p, x->t_s);
			Y = svg_py(p, x->rtt_ms);
			/* h0: a point alone between two breaks still shows, as a dot */
			if (brk || x->t_s - last > d->gap_s[t])
				fprintf(f, "M%.1f,%.1fh0", X, Y);
			else
				fprintf(f, "L%.1f,%.1f", X, Y);
			last = x->t_s;
			brk = false;
		}
		fputs("\"/>", f);
	}
}

/*
 * The probe losses among rtt rows [from, to): a tick on the time axis each, one per half
 * pixel at most (*prev: the last one's, LONG_MIN before the first). The ticks drawn.
 */
unsigned report_draw_loss_ticks(FILE *f, const struct report *r, size_t from, size_t to,
				const struct svg_plot *p, long *prev)
{
	unsigned marks = 0;

	for (size_t k = from; k < to; k++) {
		double x;

		if (!r->rtt[k].loss)
			continue;
		x = svg_px(p, svg_clamp(r->rtt[k].t_s, p->xlo, p->xhi));
		if (lround(x * 2) == *prev)
			continue;
		*prev = lround(x * 2);
		marks++;
		fprintf(f, "M%.1f,%.1fv-9", x, p->y0 + p->h);
	}
	return marks;
}

/* Losses: ticks on the time axis. Returns the ticks drawn. */
static unsigned draw_losses(FILE *f, const struct report *r, const struct report_rtt_data *d,
			    const struct svg_plot *p)
{
	long prev = LONG_MIN;
	unsigned marks;

	if (!d->losses)
		return 0;
	fputs("<path class=\"loss\" stroke=\"" C_LOSS "\" stroke-width=\"1.5\" d=\"", f);
	marks = report_draw_loss_ticks(f, r, d->from, d->to, p, &prev);
	fputs("\"/>", f);
	return marks;
}

static void draw_legend(FILE *f, const struct report *r, const struct report_rtt_data *d, double x)
{
	struct svg_legend lg = {f, x, 40};

	for (size_t t = 0; t < r->targets.n; t++)
		if (d->per[t])
			svg_legend_item(&lg, "line", svg_colour((size_t)d->series[t]),
					r->targets.v[t]);
	if (d->losses)
		svg_legend_item(&lg, "tick", C_LOSS, "loss");
	if (d->handovers)
		svg_legend_item(&lg, "dash", C_HO, "handover");
	if (d->migrations) {
		svg_legend_item(&lg, "box", C_MIG, "migration (decided to done)");
		svg_legend_item(&lg, "box", C_FROZEN, "frozen");
		svg_legend_item(&lg, "line", C_FLIP, "flip");
	}
}

int report_chart_rtt(struct report *r, unsigned u)
{
	const char *ue = r->ues.v[u];
	struct svg_plot p = {.x0 = 64, .y0 = 50, .w = W - 64 - 20, .h = 210};
	char *body = NULL, id[64], what[256], attrs[256];
	int h = (int)(p.y0 + p.h + 46), rc;
	struct report_rtt_data d;
	unsigned marks;
	size_t body_len = 0;
	FILE *f;

	rc = report_rtt_prepare(r, u, &d);
	if (rc < 0)
		return rc;
	p.xhi = r->t_end;
	p.yhi = d.yhi;
	f = open_memstream(&body, &body_len);
	if (!f) {
		report_rtt_data_free(&d);
		return -ENOMEM;
	}
	report_draw_migrations(f, r, u, &p);
	svg_axes(f, &p, svg_nice_step(p.xhi - p.xlo, 10), d.ystep, "time since the start (s)",
		 "RTT (ms)");
	/* The cell each went to while they are few. */
	report_draw_handovers(f, r, u, d.handovers <= 20, &p);
	draw_lines(f, r, &d, &p);
	marks = draw_losses(f, r, &d, &p);
	if (!d.answers && !d.losses)
		svg_no_data(f, &p,
			    !r->have_rtt ? "rtt.csv is missing"
					 : "no probe answers from this UE in rtt.csv");
	snprintf(what, sizeof(what), "RTT of %s", ue);
	for (size_t t = 0; d.targets == 1 && t < r->targets.n; t++)
		if (d.per[t])
			snprintf(what, sizeof(what), "RTT of %s to %s", ue, r->targets.v[t]);
	svg_title(f, what);
	if (d.drawn < d.answers)
		svg_text(f, W - 20, 20, "end", 10, "class=\"note\" fill=\"#555\"",
			 "downsampled: %u of %u answers drawn (the lowest and highest RTT of each "
			 "of %u equal slices)",
			 d.drawn, d.answers, d.slices);
	draw_legend(f, r, &d, p.x0);
	if (fclose(f)) {
		free(body);
		report_rtt_data_free(&d);
		return -ENOMEM;
	}
	snprintf(id, sizeof(id), "rtt-%s", ue);
	snprintf(attrs, sizeof(attrs),
		 "data-points=\"%u\" data-answers=\"%u\" data-losses=\"%u\" data-loss-marks=\"%u\" "
		 "data-handovers=\"%u\" data-migrations=\"%u\"",
		 d.drawn, d.answers, d.losses, marks, d.handovers, d.migrations);
	rc = report_chart_add(r, id, h, what, attrs, body, body_len);
	free(body);
	report_rtt_data_free(&d);
	return rc;
}
