/* SPDX-License-Identifier: MIT */
/*
 * Each cell's load over time (cells.csv): the UEs attached to it above, its throughput each
 * way (Mbit/s, from the byte totals between the rows drawn) below, one colour per cell.
 */
#include "report/internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void report_cells_data_free(struct report_cells_data *d)
{
	free(d->stride);
	free(d->kept);
	free(d->down_mbps);
	free(d->up_mbps);
	memset(d, 0, sizeof(*d));
}

/* Bytes over (a, b] in Mbit/s; a counter that went back counts as none. */
static double mbps(uint64_t a, uint64_t b, double dt)
{
	return b > a && dt > 0 ? (double)(b - a) * 8 / dt / 1e6 : 0;
}

/* Cell c's rows drawn (every stride-th and the last) and the rates between them. */
static void cell_rows(const struct report *r, struct report_cells_data *d, size_t c, unsigned cap)
{
	size_t from = r->cell_from[c], n = r->cell_from[c + 1] - from, prev = SIZE_MAX;

	d->stride[c] = n > cap ? (n + cap - 2) / (cap - 1) : 1;
	for (size_t i = 0; i < n; i++) {
		const struct cell_row *x = &r->cell[from + i];

		d->max_ues = x->ues > d->max_ues ? x->ues : d->max_ues;
		if (i % d->stride[c] && i != n - 1)
			continue;
		d->kept[c]++;
		if (prev != SIZE_MAX) {
			const struct cell_row *p = &r->cell[prev];
			double dt = x->t_s - p->t_s;

			d->down_mbps[from + i] = mbps(p->down_bytes, x->down_bytes, dt);
			d->up_mbps[from + i] = mbps(p->up_bytes, x->up_bytes, dt);
			d->max_mbps =
			    fmax(d->max_mbps, fmax(d->down_mbps[from + i], d->up_mbps[from + i]));
		}
		prev = from + i;
	}
	d->points += d->kept[c];
}

int report_cells_prepare(const struct report *r, struct report_cells_data *ret)
{
	struct report_cells_data d = {0};
	size_t n = r->cells.n;
	unsigned cap = r->max_points / (unsigned)(n ? n : 1);

	d.stride = calloc(n + 1, sizeof(*d.stride));
	d.kept = calloc(n + 1, sizeof(*d.kept));
	d.down_mbps = calloc(r->n_cell + 1, sizeof(*d.down_mbps));
	d.up_mbps = calloc(r->n_cell + 1, sizeof(*d.up_mbps));
	if (!d.stride || !d.kept || !d.down_mbps || !d.up_mbps) {
		report_cells_data_free(&d);
		return -ENOMEM;
	}
	for (size_t c = 0; c < n; c++)
		cell_rows(r, &d, c, cap < 2 ? 2 : cap);
	d.ues = (struct svg_plot){.x0 = 64, .y0 = 56, .w = W - 64 - 20, .h = 120};
	d.ues.xhi = r->t_end;
	d.ues_step = svg_nice_step(d.max_ues ? d.max_ues : 1, 4);
	if (d.ues_step < 1)
		d.ues_step = 1;
	d.ues.yhi = ceil((d.max_ues ? d.max_ues : 1) / d.ues_step) * d.ues_step;
	d.mbps = d.ues;
	d.mbps.y0 = d.ues.y0 + d.ues.h + 44;
	d.mbps.h = 150;
	d.mbps_step = svg_nice_step(d.max_mbps > 0 ? d.max_mbps * 1.05 : 1, 5);
	d.mbps.yhi = d.max_mbps > 0 ? ceil(d.max_mbps * 1.05 / d.mbps_step) * d.mbps_step : 1;
	d.h = (int)(d.mbps.y0 + d.mbps.h + 46);
	*ret = d;
	return 0;
}

/* Cell c's attached UEs, as steps. */
static void draw_ues(FILE *f, const struct report *r, const struct report_cells_data *d, size_t c)
{
	size_t from = r->cell_from[c], n = r->cell_from[c + 1] - from;
	const struct svg_plot *p = &d->ues;
	bool first = true;

	fprintf(f,
		"<path class=\"ues\" data-cell=\"%s\" data-points=\"%u\" fill=\"none\" "
		"stroke=\"%s\" stroke-width=\"1.5\" d=\"",
		r->cells.v[c], d->kept[c], svg_colour(c));
	for (size_t i = 0; i < n; i++) {
		const struct cell_row *x = &r->cell[from + i];

		if (i % d->stride[c] && i != n - 1)
			continue;
		if (first)
			fprintf(f, "M%.1f,%.1f", svg_px(p, x->t_s), svg_py(p, x->ues));
		else
			fprintf(f, "H%.1fV%.1f", svg_px(p, x->t_s), svg_py(p, x->ues));
		first = false;
	}
	fputs("\"/>", f);
}

/* Cell c's throughput one way (up: dashed), from its second row drawn on. */
static void draw_rate(FILE *f, const struct report *r, const struct report_cells_data *d, size_t c,
		      bool up)
{
	size_t from = r->cell_from[c], n = r->cell_from[c + 1] - from;
	const struct svg_plot *p = &d->mbps;
	const double *v = up ? d->up_mbps : d->down_mbps;
	bool first = true;

	fprintf(f,
		"<path class=\"%s\" data-cell=\"%s\" fill=\"none\" stroke=\"%s\" "
		"stroke-width=\"1.3\"%s stroke-linejoin=\"round\" d=\"",
		up ? "up" : "down", r->cells.v[c], svg_colour(c),
		up ? " stroke-dasharray=\"4 3\"" : "");
	for (size_t i = 1; i < n; i++) {
		if (i % d->stride[c] && i != n - 1)
			continue;
		fprintf(f, "%c%.1f,%.1f", first ? 'M' : 'L', svg_px(p, r->cell[from + i].t_s),
			svg_py(p, v[from + i]));
		first = false;
	}
	fputs("\"/>", f);
}

static void draw_legend(FILE *f, const struct report *r)
{
	struct svg_legend lg = {f, 64, 40};

	for (size_t c = 0; c < r->cells.n; c++)
		svg_legend_item(&lg, "line", svg_colour(c), r->cells.v[c]);
	if (r->cells.n) {
		svg_legend_item(&lg, "line", "#444", "down");
		svg_legend_item(&lg, "dash", "#444", "up");
	}
}

int report_chart_cells(struct report *r)
{
	char *body = NULL, attrs[128];
	struct report_cells_data d;
	size_t body_len = 0;
	int rc;
	FILE *f;

	rc = report_cells_prepare(r, &d);
	if (rc < 0)
		return rc;
	f = open_memstream(&body, &body_len);
	if (!f) {
		report_cells_data_free(&d);
		return -ENOMEM;
	}
	svg_axes(f, &d.ues, svg_nice_step(d.ues.xhi, 10), d.ues_step, NULL, "UEs attached");
	svg_axes(f, &d.mbps, svg_nice_step(d.mbps.xhi, 10), d.mbps_step, "time since the start (s)",
		 "Mbit/s");
	for (size_t c = 0; c < r->cells.n; c++) {
		draw_ues(f, r, &d, c);
		draw_rate(f, r, &d, c, false);
		draw_rate(f, r, &d, c, true);
	}
	if (!r->n_cell)
		svg_no_data(f, &d.ues,
			    !r->have_cells
				? "cells.csv is missing (a run before edgemu recorded it)"
				: "no rows in cells.csv");
	svg_title(f, "Cell load: UEs attached, throughput down and up");
	if (d.points < r->n_cell)
		svg_text(f, W - 20, 20, "end", 10, "class=\"note\" fill=\"#555\"",
			 "downsampled: %u of %zu rows drawn (every n-th, rates over the gaps)",
			 d.points, r->n_cell);
	draw_legend(f, r);
	if (fclose(f)) {
		free(body);
		report_cells_data_free(&d);
		return -ENOMEM;
	}
	snprintf(attrs, sizeof(attrs), "data-points=\"%u\" data-cells=\"%zu\"", d.points,
		 r->cells.n);
	rc = report_chart_add(r, "cells", d.h, "Cell load", attrs, body, body_len);
	free(body);
	report_cells_data_free(&d);
	return rc;
}
