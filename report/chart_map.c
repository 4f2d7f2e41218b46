/* SPDX-License-Identifier: MIT */
/* The map: cells, their edges, each UE's path and where its handovers happened. */
#include "report/internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Where UE u was at t: between the ticks around it. */
static bool pos_at(const struct report *r, unsigned u, double t, double *x, double *y)
{
	size_t from = r->pos_from[u], to = r->pos_from[u + 1];

	if (from == to)
		return false;
	for (size_t i = from; i < to; i++) {
		const struct pos_row *b = &r->pos[i], *a = i > from ? &r->pos[i - 1] : b;

		if (b->t_s < t)
			continue;
		if (b == a || b->t_s <= a->t_s) {
			*x = b->x;
			*y = b->y;
		} else {
			double f = (t - a->t_s) / (b->t_s - a->t_s);

			*x = a->x + f * (b->x - a->x);
			*y = a->y + f * (b->y - a->y);
		}
		return true;
	}
	*x = r->pos[to - 1].x;
	*y = r->pos[to - 1].y;
	return true;
}

void report_map_data_free(struct report_map_data *d)
{
	free(d->cells);
	free(d->edge_cell);
	free(d->stride);
	free(d->kept);
	memset(d, 0, sizeof(*d));
}

/* names: "a, b" so far; name added after a comma. */
static void name_add(char *names, size_t len, const char *name)
{
	size_t l = strlen(names);

	snprintf(names + l, len - l, "%s%s", l ? ", " : "", name);
}

/* The cells with a position, box grown around them; the others named in d->nopos. */
static void place_cells(const struct topo_model *m, struct report_map_data *d, double box[4])
{
	for (unsigned i = 0; m && i < m->n_nodes; i++) {
		if (m->nodes[i].kind != TOPO_ENB)
			continue;
		if (!m->nodes[i].has_pos) {
			name_add(d->nopos, sizeof(d->nopos), m->nodes[i].name);
			continue;
		}
		d->cells[d->n_cells++] =
		    (struct report_map_cell){i, m->nodes[i].pos[0], m->nodes[i].pos[1], 0};
		box[0] = fmin(box[0], m->nodes[i].pos[0]);
		box[2] = fmax(box[2], m->nodes[i].pos[0]);
		box[1] = fmin(box[1], m->nodes[i].pos[1]);
		box[3] = fmax(box[3], m->nodes[i].pos[1]);
	}
}

/* An edge sits beside the first cell it has a link to; the others named in d->loose. */
static void place_edges(const struct topo_model *m, struct report_map_data *d)
{
	for (unsigned i = 0; m && i < m->n_nodes; i++) {
		int *ec = &d->edge_cell[i];

		*ec = -1;
		if (m->nodes[i].kind != TOPO_EDGE)
			continue;
		for (unsigned l = 0; l < m->n_links && *ec < 0; l++) {
			const struct topo_link *k = &m->links[l];

			for (unsigned e = 0; e < 2; e++)
				for (unsigned c = 0; c < d->n_cells && *ec < 0; c++)
					if (k->end[e].node == i &&
					    d->cells[c].node == k->end[!e].node)
						*ec = (int)c;
		}
		if (*ec >= 0) {
			if (++d->cells[*ec].n_edges > d->max_edges)
				d->max_edges = d->cells[*ec].n_edges;
			d->n_edges++;
		} else {
			name_add(d->loose, sizeof(d->loose), m->nodes[i].name);
		}
	}
}

/* Equal scale both ways; room for the names above the cells and the edges below. */
static void layout(struct report_map_data *d, double box[4], bool scenario_note)
{
	struct svg_plot *p = &d->plot;
	double il = 40, it = 30, ib = 24 + 22.0 * d->max_edges, iw, ih, cx, cy, s;
	int notes;

	*p = (struct svg_plot){.x0 = 64, .y0 = 50, .w = W - 64 - 20};
	iw = p->w - 2 * il;
	if (!isfinite(box[0])) {
		box[0] = box[1] = 0;
		box[2] = box[3] = 100;
	}
	cx = (box[0] + box[2]) / 2;
	cy = (box[1] + box[3]) / 2;
	s = iw / fmax(box[2] - box[0], 1);
	if ((box[3] - box[1]) * s > 440)
		s = 440 / (box[3] - box[1]);
	ih = fmax((box[3] - box[1]) * s, 80);
	p->h = ih + it + ib;
	p->xlo = cx - p->w / 2 / s;
	p->xhi = cx + p->w / 2 / s;
	p->yhi = cy + (ih / 2 + it) / s;
	p->ylo = p->yhi - p->h / s;
	d->step = svg_nice_step(p->w / s, 9);
	notes = (*d->loose != 0) + (*d->nopos != 0) + scenario_note;
	d->h = (int)(p->y0 + p->h + 44 + 14 * notes);
}

/* Long paths keep every stride-th tick and the last one. */
static void thin_paths(const struct report *r, struct report_map_data *d)
{
	for (size_t u = 0; u < r->ues.n; u++) {
		size_t n = r->pos_from[u + 1] - r->pos_from[u];
		unsigned cap = r->max_points / (d->with_pos ? d->with_pos : 1);

		if (!n)
			continue;
		if (cap < 2)
			cap = 2;
		d->stride[u] = n > cap ? (n + cap - 2) / (cap - 1) : 1;
		for (size_t i = 0; i < n; i++)
			d->kept[u] += i % d->stride[u] == 0 || i == n - 1;
		d->points += d->kept[u];
	}
}

int report_map_prepare(const struct report *r, struct report_map_data *ret)
{
	const struct topo_model *m = r->m;
	struct report_map_data d = {0};
	double box[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY}; /* x0, y0, x1, y1 */

	d.cells = calloc(m ? m->n_nodes + 1 : 1, sizeof(*d.cells));
	d.edge_cell = calloc(m ? m->n_nodes + 1 : 1, sizeof(*d.edge_cell));
	d.stride = calloc(r->ues.n + 1, sizeof(*d.stride));
	d.kept = calloc(r->ues.n + 1, sizeof(*d.kept));
	if (!d.cells || !d.edge_cell || !d.stride || !d.kept) {
		report_map_data_free(&d);
		return -ENOMEM;
	}
	place_cells(m, &d, box);
	place_edges(m, &d);
	for (size_t i = 0; i < r->n_pos; i++) {
		box[0] = fmin(box[0], r->pos[i].x);
		box[2] = fmax(box[2], r->pos[i].x);
		box[1] = fmin(box[1], r->pos[i].y);
		box[3] = fmax(box[3], r->pos[i].y);
	}
	for (size_t u = 0; u < r->ues.n; u++)
		d.with_pos += r->pos_from[u + 1] > r->pos_from[u];
	for (size_t i = 0; i < r->n_ev; i++)
		d.handovers += r->ev[i].ue >= 0 && report_is_handover(&r->ev[i]) &&
			       r->pos_from[r->ev[i].ue + 1] > r->pos_from[r->ev[i].ue];
	layout(&d, box, *r->scenario_note != 0);
	thin_paths(r, &d);
	*ret = d;
	return 0;
}

/* Each cell, its name above, its edges in a column below. */
static void draw_cells(FILE *f, const struct topo_model *m, const struct report_map_data *d)
{
	const struct svg_plot *p = &d->plot;

	for (unsigned c = 0; c < d->n_cells; c++) {
		double x = svg_px(p, d->cells[c].x), y = svg_py(p, d->cells[c].y);
		unsigned j = 0;

		for (unsigned i = 0; i < m->n_nodes; i++) {
			double ey = y + 24 + 22.0 * j;

			if (d->edge_cell[i] != (int)c)
				continue;
			j++;
			fprintf(f, "<path d=\"M%.1f,%.1fV%.1f\" stroke=\"#234\"/>", x, y + 2,
				ey - 6);
			fprintf(f,
				"<rect class=\"edge\" data-name=\"%s\" x=\"%.1f\" y=\"%.1f\" "
				"width=\"12\" height=\"12\" fill=\"#9ecae1\" stroke=\"#234\"/>",
				m->nodes[i].name, x - 6, ey - 6);
			svg_text(f, x + 10, ey + 4, "start", 11, "fill=\"#234\"", "%s",
				 m->nodes[i].name);
		}
		fprintf(f,
			"<path class=\"cell\" data-name=\"%s\" d=\"M%.1f,%.1fl7,12h-14z\" "
			"fill=\"#222\"/>",
			m->nodes[d->cells[c].node].name, x, y - 6);
		svg_text(f, x, y - 10, "middle", 12, "font-weight=\"bold\" fill=\"#222\"", "%s",
			 m->nodes[d->cells[c].node].name);
	}
}

/* Each UE's path: a line through the ticks kept, a ring at its start, a dot at its end. */
static void draw_paths(FILE *f, const struct report *r, const struct report_map_data *d)
{
	const struct svg_plot *p = &d->plot;

	for (size_t u = 0; u < r->ues.n; u++) {
		size_t from = r->pos_from[u], to = r->pos_from[u + 1], n = to - from;
		const char *colour = svg_colour(u);

		if (!n)
			continue;
		fprintf(f,
			"<polyline class=\"traj\" data-ue=\"%s\" data-points=\"%u\" fill=\"none\" "
			"stroke=\"%s\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"",
			r->ues.v[u], d->kept[u], colour);
		for (size_t i = 0; i < n; i++)
			if (i % d->stride[u] == 0 || i == n - 1)
				fprintf(f, "%s%.1f,%.1f", i ? " " : "",
					svg_px(p, r->pos[from + i].x),
					svg_py(p, r->pos[from + i].y));
		fputs("\"/>", f);
		fprintf(f,
			"<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#fff\" stroke=\"%s\" "
			"stroke-width=\"2\"/>",
			svg_px(p, r->pos[from].x), svg_py(p, r->pos[from].y), colour);
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>",
			svg_px(p, r->pos[to - 1].x), svg_py(p, r->pos[to - 1].y), colour);
		svg_text(f, svg_px(p, r->pos[from].x) + 6, svg_py(p, r->pos[from].y) + 16, "start",
			 11, "font-weight=\"bold\"", "%s", r->ues.v[u]);
	}
}

/* A diamond where each handover happened; when it was and the cell while they are few. */
static void draw_handovers(FILE *f, const struct report *r, const struct report_map_data *d)
{
	for (size_t i = 0; i < r->n_ev; i++) {
		const struct ev_row *e = &r->ev[i];
		double x, y;
		char cell[64];

		if (e->ue < 0 || !report_is_handover(e) ||
		    !pos_at(r, (unsigned)e->ue, e->t_s, &x, &y))
			continue;
		x = svg_px(&d->plot, x);
		y = svg_py(&d->plot, y);
		report_handover_to(e->detail, cell, sizeof(cell));
		fprintf(f,
			"<path class=\"ho\" data-ue=\"%s\" d=\"M%.1f,%.1fl6,6 -6,6 -6,-6z\" "
			"fill=\"%s\" stroke=\"#000\"/>",
			r->ues.v[e->ue], x, y - 6, svg_colour((size_t)e->ue));
		if (d->handovers <= 30)
			svg_text(f, x, y - 10, "middle", 10, "fill=\"#333\"", "%.1f s \u2192%s",
				 e->t_s, cell);
	}
}

/* The legend above, what could not be drawn below. */
static void draw_notes(FILE *f, const struct report *r, const struct report_map_data *d)
{
	const struct svg_plot *p = &d->plot;
	struct svg_legend lg = {f, p->x0, 40};
	double y = p->y0 + p->h + 50;

	for (size_t u = 0; u < r->ues.n; u++)
		if (r->pos_from[u + 1] > r->pos_from[u])
			svg_legend_item(&lg, "line", svg_colour(u), r->ues.v[u]);
	if (d->n_cells)
		svg_legend_item(&lg, "cell", "#222", "cell (eNB)");
	if (d->n_edges)
		svg_legend_item(&lg, "edge", "#9ecae1", "edge host");
	if (d->handovers)
		svg_legend_item(&lg, "diamond", "#fff", "handover");
	if (*d->loose) {
		svg_text(f, p->x0, y, "start", 11, "class=\"note\" fill=\"#444\"",
			 "edges not linked to a cell: %s", d->loose);
		y += 14;
	}
	if (*d->nopos) {
		svg_text(f, p->x0, y, "start", 11, "class=\"note\" fill=\"#444\"",
			 "cells without a position: %s", d->nopos);
		y += 14;
	}
	if (*r->scenario_note)
		svg_text(f, p->x0, y, "start", 11, "class=\"note\" fill=\"#444\"",
			 "no cells or edges: %s", r->scenario_note);
}

int report_chart_map(struct report *r)
{
	struct report_map_data d;
	const struct svg_plot *p = &d.plot;
	char *body = NULL, attrs[256];
	size_t body_len = 0;
	FILE *f;
	int rc;

	rc = report_map_prepare(r, &d);
	if (rc < 0)
		return rc;
	f = open_memstream(&body, &body_len);
	if (!f) {
		report_map_data_free(&d);
		return -ENOMEM;
	}
	svg_axes(f, p, d.step, d.step, "x (m)", "y (m)");
	draw_cells(f, r->m, &d);
	draw_paths(f, r, &d);
	draw_handovers(f, r, &d);
	if (!d.n_cells && !r->n_pos)
		svg_no_data(f, p, "no cell positions in the scenario and no rows in positions.csv");
	else if (!r->n_pos)
		svg_text(f, p->x0 + p->w / 2, p->y0 + p->h - 8, "middle", 12,
			 "class=\"no-data\" fill=\"#777\"", "no UE positions: positions.csv %s",
			 r->have_pos ? "has no rows" : "is missing");
	svg_title(f, "Map: cells, their edges, and each UE's path with its handovers");
	draw_notes(f, r, &d);
	if (fclose(f)) {
		free(body);
		report_map_data_free(&d);
		return -ENOMEM;
	}
	snprintf(attrs, sizeof(attrs),
		 "data-points=\"%u\" data-handovers=\"%u\" data-cells=\"%u\" data-edges=\"%u\"",
		 d.points, d.handovers, d.n_cells, d.n_edges);
	rc = report_chart_add(r, "map", d.h, "Map: cells, their edges, and each UE's path", attrs,
			      body, body_len);
	free(body);
	report_map_data_free(&d);
	return rc;
}
