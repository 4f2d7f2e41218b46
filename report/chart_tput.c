/* SPDX-License-Identifier: MIT */
/*
 * The throughput of each traffic: flow over time (throughput.csv), with what disturbs it
 * marked: the handovers and migrations of the UEs at either end of a flow, their probes'
 * losses (rtt.csv), and the flows' broken connections and reconnections (flow_broken and
 * flow_reconnect events).
 */
#include "report/internal.h"

#include "util/num.h"
#include "util/text.h"
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A row further from the one before than this many median intervals breaks the line. */
#define GAP_INTERVALS 3

void report_tput_data_free(struct report_tput_data *d)
{
	free(d->stride);
	free(d->gap_s);
	free(d->kept);
	free(d->point);
	free(d->brk);
	free(d->pt_mbps);
	free(d->ue_marked);
	memset(d, 0, sizeof(*d));
}

bool report_has_flows(const struct report *r)
{
	return r->flows.n > 0;
}

/* A group of rows ends at row k: its point, the mean of their rates. */
struct group {
	double sum;
	size_t n;
	bool brk; /* its point starts a new line */
};

static void group_end(struct report_tput_data *d, struct group *g, size_t k, unsigned flow)
{
	d->point[k] = true;
	d->pt_mbps[k] = g->sum / (double)g->n;
	d->brk[k] = g->brk;
	d->kept[flow]++;
	d->max_mbps = fmax(d->max_mbps, d->pt_mbps[k]);
	*g = (struct group){0};
}

/*
 * Flow f's points: groups of stride rows (more rows than cap: as many as it takes to stay
 * under it), cut at every gap, each drawn at its last row. dt: scratch for the flow's rows.
 */
static void flow_points(const struct report *r, struct report_tput_data *d, unsigned f,
			unsigned cap, double *dt)
{
	size_t from = r->tput_from[f], n = r->tput_from[f + 1] - from, n_dt = 0;
	struct group g = {.brk = true};

	if (!n)
		return;
	for (size_t i = 1; i < n; i++)
		dt[n_dt++] = r->tput[from + i].t_s - r->tput[from + i - 1].t_s;
	qsort(dt, n_dt, sizeof(*dt), util_cmp_double);
	/* 0: rows too few (or all at one time) to say what a gap is: the line never breaks. */
	d->gap_s[f] = n_dt && dt[n_dt / 2] > 0 ? GAP_INTERVALS * dt[n_dt / 2] : 0;
	d->stride[f] = n > cap ? (n + cap - 1) / cap : 1;
	for (size_t i = 0; i < n; i++) {
		size_t k = from + i;

		if (i && d->gap_s[f] > 0 && r->tput[k].t_s - r->tput[k - 1].t_s > d->gap_s[f]) {
			if (g.n)
				group_end(d, &g, k - 1, f);
			g.brk = true;
		}
		g.sum += r->tput[k].mbps;
		g.n++;
		if (g.n == d->stride[f] || i == n - 1)
			group_end(d, &g, k, f);
	}
	d->points += d->kept[f];
}

/*
 * The UEs whose handovers, migrations and losses concern the flows: those at either end of
 * one. Without summary.json's flows, where they run is unknown: every UE's.
 */
static void marks(const struct report *r, struct report_tput_data *d)
{
	bool known = false;

	for (size_t f = 0; f < r->flows.n; f++)
		known |= r->flow[f].listed;
	for (size_t u = 0; u < r->ues.n; u++) {
		d->ue_marked[u] = !known;
		for (size_t f = 0; known && f < r->flows.n; f++)
			if (r->flow[f].listed && (!strcmp(r->flow[f].from, r->ues.v[u]) ||
						  !strcmp(r->flow[f].to, r->ues.v[u])))
				d->ue_marked[u] = true;
	}
	for (size_t i = 0; i < r->n_ev; i++) {
		const struct ev_row *e = &r->ev[i];

		d->handovers += e->ue >= 0 && d->ue_marked[e->ue] && report_is_handover(e);
		d->broken += !strcmp(e->event, "flow_broken");
		d->reconnects += !strcmp(e->event, "flow_reconnect");
	}
	for (size_t k = 0; k < r->n_mig; k++)
		d->migrations += d->ue_marked[r->mig[k].ue];
	for (size_t i = 0; i < r->n_rtt; i++)
		d->losses += r->rtt[i].loss && d->ue_marked[r->rtt[i].ue];
}

int report_tput_prepare(const struct report *r, struct report_tput_data *ret)
{
	struct report_tput_data d = {0};
	size_t nf = r->flows.n, n = r->n_tput;
	double *dt = malloc((n + 1) * sizeof(*dt));
	unsigned cap;

	d.stride = calloc(nf + 1, sizeof(*d.stride));
	d.gap_s = calloc(nf + 1, sizeof(*d.gap_s));
	d.kept = calloc(nf + 1, sizeof(*d.kept));
	d.point = calloc(n + 1, sizeof(*d.point));
	d.brk = calloc(n + 1, sizeof(*d.brk));
	d.pt_mbps = calloc(n + 1, sizeof(*d.pt_mbps));
	d.ue_marked = calloc(r->ues.n + 1, sizeof(*d.ue_marked));
	if (!dt || !d.stride || !d.gap_s || !d.kept || !d.point || !d.brk || !d.pt_mbps ||
	    !d.ue_marked) {
		free(dt);
		report_tput_data_free(&d);
		return -ENOMEM;
	}
	for (size_t f = 0; f < nf; f++)
		d.flows += r->tput_from[f + 1] > r->tput_from[f];
	cap = r->max_points / (d.flows ? d.flows : 1);
	for (size_t f = 0; f < nf; f++)
		flow_points(r, &d, (unsigned)f, cap ? cap : 1, dt);
	free(dt);
	marks(r, &d);
	d.plot = (struct svg_plot){.x0 = 64, .y0 = 50, .w = W - 64 - 20, .h = 230};
	d.plot.xhi = r->t_end;
	d.ystep = svg_nice_step(d.max_mbps > 0 ? d.max_mbps * 1.05 : 1, 5);
	d.plot.yhi = d.max_mbps > 0 ? ceil(d.max_mbps * 1.05 / d.ystep) * d.ystep : 1;
	d.h = (int)(d.plot.y0 + d.plot.h + 46);
	*ret = d;
	return 0;
}

/* One line per flow, from point to point, broken across gaps; a point alone shows as a dot. */
static void draw_lines(FILE *f, const struct report *r, const struct report_tput_data *d)
{
	for (size_t c = 0; c < r->flows.n; c++) {
		if (!d->kept[c])
			continue;
		/* The name is the run's text: escaped, as everything it writes into the page. */
		fputs("<path class=\"tput\" data-flow=\"", f);
		util_html(f, r->flows.v[c]);
		fprintf(f,
			"\" data-points=\"%u\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
			"stroke-linejoin=\"round\" stroke-linecap=\"round\" d=\"",
			d->kept[c], svg_colour(c));
		for (size_t k = r->tput_from[c]; k < r->tput_from[c + 1]; k++) {
			double X, Y;

			if (!d->point[k])
				continue;
			X = svg_px(&d->plot, r->tput[k].t_s);
			Y = svg_py(&d->plot, d->pt_mbps[k]);
			if (d->brk[k])
				fprintf(f, "M%.1f,%.1fh0", X, Y);
			else
				fprintf(f, "L%.1f,%.1f", X, Y);
		}
		fputs("\"/>", f);
	}
}

/* The marked UEs' probe losses: ticks on the time axis, one per half pixel at most. */
static unsigned draw_losses(FILE *f, const struct report *r, const struct report_tput_data *d)
{
	const struct svg_plot *p = &d->plot;
	unsigned marks = 0;

	if (!d->losses)
		return 0;
	fputs("<path class=\"loss\" stroke=\"" C_LOSS "\" stroke-width=\"1.5\" d=\"", f);
	for (size_t u = 0; u < r->ues.n; u++) {
		long prev = LONG_MIN;

		if (d->ue_marked[u])
			marks += report_draw_loss_ticks(f, r, r->rtt_from[u], r->rtt_from[u + 1], p,
							&prev);
	}
	fputs("\"/>", f);
	return marks;
}

/*
 * A cross where a flow's connection broke, a ring where it connected again: low in the plot
 * where its line ends and starts again, clear of the handovers' labels above and the loss
 * ticks below; what happened on hover.
 */
static void draw_breaks(FILE *f, const struct report *r, const struct svg_plot *p)
{
	for (size_t i = 0; i < r->n_ev; i++) {
		const struct ev_row *e = &r->ev[i];
		bool broken = !strcmp(e->event, "flow_broken");
		double x;

		if (!broken && strcmp(e->event, "flow_reconnect"))
			continue;
		x = svg_px(p, svg_clamp(e->t_s, p->xlo, p->xhi));
		if (broken)
			fprintf(f,
				"<path class=\"broken\" d=\"M%.1f,%.1fl8,8m0,-8l-8,8\" "
				"stroke=\"" C_LOSS "\" stroke-width=\"2\"><title>",
				x - 4, p->y0 + p->h - 24);
		else
			fprintf(f,
				"<circle class=\"reconnect\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" "
				"fill=\"none\" stroke=\"" C_HO "\" stroke-width=\"1.5\"><title>",
				x, p->y0 + p->h - 20);
		util_html(f, e->detail);
		fputs(broken ? "</title></path>" : "</title></circle>", f);
	}
}

static void draw_legend(FILE *f, const struct report *r, const struct report_tput_data *d)
{
	struct svg_legend lg = {f, 64, 40};

	for (size_t c = 0; c < r->flows.n; c++)
		if (d->kept[c])
			svg_legend_item(&lg, "line", svg_colour(c), r->flows.v[c]);
	if (d->losses)
		svg_legend_item(&lg, "tick", C_LOSS, "probe loss");
	if (d->broken)
		svg_legend_item(&lg, "cross", C_LOSS, "connection broken");
	if (d->reconnects)
		svg_legend_item(&lg, "ring", C_HO, "connected again");
	if (d->handovers)
		svg_legend_item(&lg, "dash", C_HO, "handover");
	if (d->migrations) {
		svg_legend_item(&lg, "box", C_MIG, "migration");
		svg_legend_item(&lg, "box", C_FROZEN, "frozen");
	}
}

/* What the chart says when it has nothing to draw, or left rows out. */
static void draw_notes(FILE *f, const struct report *r, const struct report_tput_data *d)
{
	const char *s = r->tput_bad == 1 ? "" : "s";
	char why[sizeof(r->tput_note) + 64];
	size_t stride = 1;

	for (size_t c = 0; c < r->flows.n; c++)
		stride = d->stride[c] > stride ? d->stride[c] : stride;
	if (!r->n_tput) {
		if (r->tput_bad)
			snprintf(why, sizeof(why), "%zu bad row%s in throughput.csv, the first: %s",
				 r->tput_bad, s, r->tput_note);
		else
			snprintf(why, sizeof(why), "%s",
				 r->tput_note[0] ? r->tput_note
				 : !r->have_tput ? "throughput.csv is missing"
						 : "no rows in throughput.csv");
		svg_no_data(f, &d->plot, why);
	}
	if (d->points < r->n_tput)
		svg_text(f, W - 20, 20, "end", 10, "class=\"note\" fill=\"#555\"",
			 "downsampled: %u points for %zu rows (each the mean of up to %zu rows)",
			 d->points, r->n_tput, stride);
	else if (r->n_tput && r->tput_bad)
		svg_text(f, W - 20, 20, "end", 10, "class=\"note\" fill=\"#555\"",
			 "%zu bad row%s of throughput.csv left out", r->tput_bad, s);
}

int report_chart_tput(struct report *r)
{
	char *body = NULL, attrs[320];
	struct report_tput_data d;
	unsigned n_marked = 0, loss_marks;
	size_t body_len = 0;
	int rc;
	FILE *f;

	rc = report_tput_prepare(r, &d);
	if (rc < 0)
		return rc;
	f = open_memstream(&body, &body_len);
	if (!f) {
		report_tput_data_free(&d);
		return -ENOMEM;
	}
	for (size_t u = 0; u < r->ues.n; u++) {
		n_marked += d.ue_marked[u];
		if (d.ue_marked[u])
			report_draw_migrations(f, r, (unsigned)u, &d.plot);
	}
	svg_axes(f, &d.plot, svg_nice_step(d.plot.xhi - d.plot.xlo, 10), d.ystep,
		 "time since the start (s)", "throughput (Mbit/s)");
	/* The cell each went to, while they are few and one UE's. */
	for (size_t u = 0; u < r->ues.n; u++)
		if (d.ue_marked[u])
			report_draw_handovers(f, r, (unsigned)u, n_marked == 1 && d.handovers <= 20,
					      &d.plot);
	draw_lines(f, r, &d);
	loss_marks = draw_losses(f, r, &d);
	draw_breaks(f, r, &d.plot);
	draw_notes(f, r, &d);
	svg_title(f, "Throughput of each flow over time");
	draw_legend(f, r, &d);
	if (fclose(f)) {
		free(body);
		report_tput_data_free(&d);
		return -ENOMEM;
	}
	snprintf(attrs, sizeof(attrs),
		 "data-points=\"%u\" data-rows=\"%zu\" data-flows=\"%u\" data-handovers=\"%u\" "
		 "data-migrations=\"%u\" data-losses=\"%u\" data-loss-marks=\"%u\" "
		 "data-broken=\"%u\" data-reconnects=\"%u\"",
		 d.points, r->n_tput, d.flows, d.handovers, d.migrations, d.losses, loss_marks,
		 d.broken, d.reconnects);
	rc = report_chart_add(r, "tput", d.h, "Throughput over time", attrs, body, body_len);
	free(body);
	report_tput_data_free(&d);
	return rc;
}
