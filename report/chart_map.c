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

struct cell {
	unsigned node;
	double x, y;
	unsigned n_edges;
};

int report_chart_map(struct report *r)
{
	const struct topo_model *m = r->m;
	struct svg_plot p = {.x0 = 64, .y0 = 50, .w = W - 64 - 20};
	struct cell *cells = NULL;
	int *edge_cell = NULL;
	unsigned n_cells = 0, max_edges = 0, n_edges = 0, n_ho = 0, drawn = 0, with_pos = 0;
	double bx0 = INFINITY, by0 = INFINITY, bx1 = -INFINITY, by1 = -INFINITY, s, step;
	double il = 40, it = 30, ib, iw, ih, cx, cy;
	char *body = NULL, attrs[256], loose[512] = "", nopos[512] = "";
	size_t body_len = 0;
	struct svg_legend lg;
	int h, rc = 0, notes = 0;
	FILE *f;

	cells = calloc(m ? m->n_nodes + 1 : 1, sizeof(*cells));
	edge_cell = calloc(m ? m->n_nodes + 1 : 1, sizeof(*edge_cell));
	if (!cells || !edge_cell) {
		free(cells);
		free(edge_cell);
		return -ENOMEM;
	}
	for (unsigned i = 0; m && i < m->n_nodes; i++) {
		if (m->nodes[i].kind != TOPO_ENB)
			continue;
		if (!m->nodes[i].has_pos) {
			size_t l = strlen(nopos);

			snprintf(nopos + l, sizeof(nopos) - l, "%s%s", l ? ", " : "",
				 m->nodes[i].name);
			continue;
		}
		cells[n_cells++] = (struct cell){i, m->nodes[i].pos[0], m->nodes[i].pos[1], 0};
		bx0 = fmin(bx0, m->nodes[i].pos[0]);
		bx1 = fmax(bx1, m->nodes[i].pos[0]);
		by0 = fmin(by0, m->nodes[i].pos[1]);
		by1 = fmax(by1, m->nodes[i].pos[1]);
	}
	/* An edge sits beside the first cell it has a link to. */
	for (unsigned i = 0; m && i < m->n_nodes; i++) {
		edge_cell[i] = -1;
		if (m->nodes[i].kind != TOPO_EDGE)
			continue;
		for (unsigned l = 0; l < m->n_links && edge_cell[i] < 0; l++) {
			const struct topo_link *k = &m->links[l];

			for (unsigned e = 0; e < 2 && !k->radio; e++)
				for (unsigned c = 0; c < n_cells && edge_cell[i] < 0; c++)
					if (k->end[e].node == i && cells[c].node == k->end[!e].node)
						edge_cell[i] = (int)c;
		}
		if (edge_cell[i] >= 0) {
			if (++cells[edge_cell[i]].n_edges > max_edges)
				max_edges = cells[edge_cell[i]].n_edges;
			n_edges++;
		} else {
			size_t l = strlen(loose);

			snprintf(loose + l, sizeof(loose) - l, "%s%s", l ? ", " : "",
				 m->nodes[i].name);
		}
	}
	for (size_t i = 0; i < r->n_pos; i++) {
		bx0 = fmin(bx0, r->pos[i].x);
		bx1 = fmax(bx1, r->pos[i].x);
		by0 = fmin(by0, r->pos[i].y);
		by1 = fmax(by1, r->pos[i].y);
	}
	for (size_t u = 0; u < r->ues.n; u++)
		with_pos += r->pos_from[u + 1] > r->pos_from[u];

	/* Equal scale both ways; room for the names above the cells and the edges below. */
	ib = 24 + 22.0 * max_edges;
	iw = p.w - 2 * il;
	if (!isfinite(bx0)) {
		bx0 = by0 = 0;
		bx1 = by1 = 100;
	}
	cx = (bx0 + bx1) / 2;
	cy = (by0 + by1) / 2;
	s = iw / fmax(bx1 - bx0, 1);
	if ((by1 - by0) * s > 440)
		s = 440 / (by1 - by0);
	ih = fmax((by1 - by0) * s, 80);
	p.h = ih + it + ib;
	p.xlo = cx - p.w / 2 / s;
	p.xhi = cx + p.w / 2 / s;
	p.yhi = cy + (ih / 2 + it) / s;
	p.ylo = p.yhi - p.h / s;
	step = svg_nice_step(p.w / s, 9);
	notes = (*loose != 0) + (*nopos != 0) + (*r->scenario_note != 0);
	h = (int)(p.y0 + p.h + 44 + 14 * notes);

	f = open_memstream(&body, &body_len);
	if (!f) {
		free(cells);
		free(edge_cell);
		return -ENOMEM;
	}
	svg_axes(f, &p, step, step, "x (m)", "y (m)");
	for (unsigned c = 0; c < n_cells; c++) {
		double x = svg_px(&p, cells[c].x), y = svg_py(&p, cells[c].y);
		unsigned j = 0;

		for (unsigned i = 0; i < m->n_nodes; i++) {
			double ey = y + 24 + 22.0 * j;

			if (edge_cell[i] != (int)c)
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
			m->nodes[cells[c].node].name, x, y - 6);
		svg_text(f, x, y - 10, "middle", 12, "font-weight=\"bold\" fill=\"#222\"", "%s",
			 m->nodes[cells[c].node].name);
	}
	for (size_t u = 0; u < r->ues.n; u++) {
		size_t from = r->pos_from[u], to = r->pos_from[u + 1], n = to - from, stride;
		unsigned cap = r->max_points / (with_pos ? with_pos : 1), kept = 0;
		const char *colour = svg_colour(u);

		if (!n)
			continue;
		if (cap < 2)
			cap = 2;
		/* Long paths keep every stride-th tick and the last one. */
		stride = n > cap ? (n + cap - 2) / (cap - 1) : 1;
		for (size_t i = 0; i < n; i++)
			kept += i % stride == 0 || i == n - 1;
		drawn += kept;
		fprintf(f,
			"<polyline class=\"traj\" data-ue=\"%s\" data-points=\"%u\" fill=\"none\" "
			"stroke=\"%s\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"",
			r->ues.v[u], kept, colour);
		for (size_t i = 0; i < n; i++)
			if (i % stride == 0 || i == n - 1)
				fprintf(f, "%s%.1f,%.1f", i ? " " : "",
					svg_px(&p, r->pos[from + i].x),
					svg_py(&p, r->pos[from + i].y));
		fputs("\"/>", f);
		fprintf(f,
			"<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#fff\" stroke=\"%s\" "
			"stroke-width=\"2\"/>",
			svg_px(&p, r->pos[from].x), svg_py(&p, r->pos[from].y), colour);
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>",
			svg_px(&p, r->pos[to - 1].x), svg_py(&p, r->pos[to - 1].y), colour);
		svg_text(f, svg_px(&p, r->pos[from].x) + 6, svg_py(&p, r->pos[from].y) + 16,
			 "start", 11, "font-weight=\"bold\"", "%s", r->ues.v[u]);
	}
	for (size_t i = 0; i < r->n_ev; i++)
		n_ho += r->ev[i].ue >= 0 && report_is_handover(&r->ev[i]) &&
			r->pos_from[r->ev[i].ue + 1] > r->pos_from[r->ev[i].ue];
	for (size_t i = 0; i < r->n_ev; i++) {
		const struct ev_row *e = &r->ev[i];
		double x, y;
		char cell[64];

		if (e->ue < 0 || !report_is_handover(e) ||
		    !pos_at(r, (unsigned)e->ue, e->t_s, &x, &y))
			continue;
		x = svg_px(&p, x);
		y = svg_py(&p, y);
		report_handover_to(e->detail, cell, sizeof(cell));
		fprintf(f,
			"<path class=\"ho\" data-ue=\"%s\" d=\"M%.1f,%.1fl6,6 -6,6 -6,-6z\" "
			"fill=\"%s\" stroke=\"#000\"/>",
			r->ues.v[e->ue], x, y - 6, svg_colour(e->ue));
		if (n_ho <= 30)
			svg_text(f, x, y - 10, "middle", 10, "fill=\"#333\"", "%.1f s \u2192%s",
				 e->t_s, cell);
	}
	if (!n_cells && !r->n_pos)
		svg_no_data(f, &p,
			    "no cell positions in the scenario and no rows in positions.csv");
	else if (!r->n_pos)
		svg_text(f, p.x0 + p.w / 2, p.y0 + p.h - 8, "middle", 12,
			 "class=\"no-data\" fill=\"#777\"", "no UE positions: positions.csv %s",
			 r->have_pos ? "has no rows" : "is missing");
	svg_title(f, "Map: cells, their edges, and each UE's path with its handovers");
	lg = (struct svg_legend){f, p.x0, 40};
	for (size_t u = 0; u < r->ues.n; u++)
		if (r->pos_from[u + 1] > r->pos_from[u])
			svg_legend_item(&lg, "line", svg_colour(u), r->ues.v[u]);
	if (n_cells)
		svg_legend_item(&lg, "cell", "#222", "cell (eNB)");
	if (n_edges)
		svg_legend_item(&lg, "edge", "#9ecae1", "edge host");
	if (n_ho)
		svg_legend_item(&lg, "diamond", "#fff", "handover");
	{
		double y = p.y0 + p.h + 50;

		if (*loose)
			svg_text(f, p.x0, y, "start", 11, "class=\"note\" fill=\"#444\"",
				 "edges not linked to a cell: %s", loose),
			    y += 14;
		if (*nopos)
			svg_text(f, p.x0, y, "start", 11, "class=\"note\" fill=\"#444\"",
				 "cells without a position: %s", nopos),
			    y += 14;
		if (*r->scenario_note)
			svg_text(f, p.x0, y, "start", 11, "class=\"note\" fill=\"#444\"",
				 "no cells or edges: %s", r->scenario_note);
	}
	free(cells);
	free(edge_cell);
	if (fclose(f)) {
		free(body);
		return -ENOMEM;
	}
	snprintf(attrs, sizeof(attrs),
		 "data-points=\"%u\" data-handovers=\"%u\" data-cells=\"%u\" data-edges=\"%u\"",
		 drawn, n_ho, n_cells, n_edges);
	rc = report_chart_add(r, "map", h, "Map: cells, their edges, and each UE's path", attrs,
			      body, body_len);
	free(body);
	return rc;
}
