/* SPDX-License-Identifier: MIT */
/*
 * SVG building blocks shared by the charts of `edgemu report` and `edgemu sweep`: text,
 * scales from data to pixels, axes with a grid and round ticks, legends, titles, the series
 * colours. Everything writes to a stdio stream; text is HTML-escaped.
 */
#ifndef EDGEMU_REPORT_SVG_H
#define EDGEMU_REPORT_SVG_H

#include <stddef.h>
#include <stdio.h>

/* A plot area in px and the data range it shows. */
struct svg_plot {
	double x0, y0, w, h;	   /* px */
	double xlo, xhi, ylo, yhi; /* data */
};

/* A legend's items in a row, left to right, from (x, y). */
struct svg_legend {
	FILE *f;
	double x, y;
};

/* The colour of series i (repeats after ten). */
const char *svg_colour(size_t i);

/* <text> at (x, y); anchor "start", "middle" or "end"; attrs go in as they are. */
__attribute__((format(printf, 7, 8))) void svg_text(FILE *f, double x, double y, const char *anchor,
						    int size, const char *attrs, const char *fmt,
						    ...);

/* Data to px. */
double svg_px(const struct svg_plot *p, double x);
double svg_py(const struct svg_plot *p, double y);
double svg_clamp(double v, double lo, double hi);

/* 1, 2 or 5 times a power of ten: a tick step that cuts range in about `ticks`; 1 if none. */
double svg_nice_step(double range, int ticks);

/*
 * Grid, ticks and their values every xstep and ystep, the frame, the axes' names. No x grid
 * or ticks for xstep 0 (categories), no x name for NULL; no y grid, ticks or name for yname
 * NULL.
 */
void svg_axes(FILE *f, const struct svg_plot *p, double xstep, double ystep, const char *xname,
	      const char *yname);

/*
 * One item: kind "line", "dash", "box", "tick", "cross", "ring", "diamond", "cell" or "edge",
 * then its name.
 */
void svg_legend_item(struct svg_legend *l, const char *kind, const char *colour, const char *what);

/* The chart's title, top left. */
void svg_title(FILE *f, const char *what);

/* "no data: why" in the middle of the plot area. */
void svg_no_data(FILE *f, const struct svg_plot *p, const char *why);

/* A bar's words: right of it if they fit, else inside it, else left of it. */
void svg_bar_label(FILE *f, const struct svg_plot *p, double xa, double xb, double y,
		   const char *txt);

#endif
