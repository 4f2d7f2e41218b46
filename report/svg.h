/* SPDX-License-Identifier: MIT */
/* SVG building blocks of the charts (report/svg.c). */
#ifndef EDGEMU_REPORT_SVG_H
#define EDGEMU_REPORT_SVG_H

#include <stdio.h>

#define N_PALETTE 10
extern const char *const palette[N_PALETTE];

struct plot {
	double x0, y0, w, h;	   /* px */
	double xlo, xhi, ylo, yhi; /* data */
};

/* A legend's items in a row, left to right. */
struct legend {
	FILE *f;
	double x, y;
};

__attribute__((format(printf, 7, 8))) void label(FILE *f, double x, double y, const char *anchor,
						 int size, const char *attrs, const char *fmt, ...);
double px(const struct plot *p, double x);
double py(const struct plot *p, double y);
double clampd(double v, double lo, double hi);
double nice_step(double range, int ticks);
void axes(FILE *f, const struct plot *p, double xstep, double ystep, const char *xname,
	  const char *yname);
void legend_item(struct legend *l, const char *kind, const char *colour, const char *what);
void title(FILE *f, const char *what);
void no_data(FILE *f, const struct plot *p, const char *why);
void bar_label(FILE *f, const struct plot *p, double xa, double xb, double y, const char *txt);

#endif
