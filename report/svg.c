/* SPDX-License-Identifier: MIT */
/* SVG building blocks of the charts: text, scales, axes with ticks, legends, titles. */
#include "report/svg.h"

#include "util/text.h"
#include <math.h>
#include <stdarg.h>
#include <string.h>

/* Series colours, told apart in colour; red and orange are left to losses and migrations. */
static const char *const palette[] = {"#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
				      "#e377c2", "#17becf", "#7f7f7f", "#bcbd22", "#393b79"};

const char *svg_colour(size_t i)
{
	return palette[i % (sizeof(palette) / sizeof(palette[0]))];
}

/* <text> at (x, y); anchor "start", "middle" or "end"; attrs go in as they are. */
__attribute__((format(printf, 7, 8))) void svg_text(FILE *f, double x, double y, const char *anchor,
						    int size, const char *attrs, const char *fmt,
						    ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\"", x, y, size);
	if (strcmp(anchor, "start"))
		fprintf(f, " text-anchor=\"%s\"", anchor);
	if (attrs && *attrs)
		fprintf(f, " %s", attrs);
	fputc('>', f);
	util_html(f, buf);
	fputs("</text>", f);
}

double svg_px(const struct svg_plot *p, double x)
{
	return p->x0 + (x - p->xlo) / (p->xhi - p->xlo) * p->w;
}

double svg_py(const struct svg_plot *p, double y)
{
	return p->y0 + p->h - (y - p->ylo) / (p->yhi - p->ylo) * p->h;
}

double svg_clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

double svg_nice_step(double range, int ticks)
{
	double raw = range / ticks, mag, f;

	if (!(raw > 0) || !isfinite(raw))
		return 1;
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

static int decimals(double step)
{
	return step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
}

#define TICKS_MAX 200

/* The multiples of step from lo to hi (and a hair beyond, for rounding); none for step 0. */
static unsigned ticks(double lo, double hi, double step, double *v)
{
	double first = ceil(lo / step - 1e-9) * step;
	unsigned n = 0;

	for (int k = 0; step > 0 && k < TICKS_MAX; k++) {
		double t = first + k * step;

		if (t > hi + step * 1e-9)
			break;
		v[n++] = t;
	}
	return n;
}

/* A tick's value as printed: a hair from 0 is 0. */
static double tick_value(double v, double step)
{
	return fabs(v) < step * 1e-9 ? 0.0 : v;
}

void svg_axes(FILE *f, const struct svg_plot *p, double xstep, double ystep, const char *xname,
	      const char *yname)
{
	double xv[TICKS_MAX], yv[TICKS_MAX];
	unsigned nx = ticks(p->xlo, p->xhi, xstep, xv);
	unsigned ny = yname ? ticks(p->ylo, p->yhi, ystep, yv) : 0;

	fputs("<g class=\"axes\" stroke=\"#e3e3e3\" stroke-width=\"1\">", f);
	for (unsigned i = 0; i < nx; i++)
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
			svg_px(p, xv[i]), p->y0, svg_px(p, xv[i]), p->y0 + p->h);
	for (unsigned i = 0; i < ny; i++)
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", p->x0,
			svg_py(p, yv[i]), p->x0 + p->w, svg_py(p, yv[i]));
	fputs("</g><g class=\"ticks\" fill=\"#333\">", f);
	for (unsigned i = 0; i < nx; i++)
		svg_text(f, svg_px(p, xv[i]), p->y0 + p->h + 15, "middle", 11, NULL, "%.*f",
			 decimals(xstep), tick_value(xv[i], xstep));
	for (unsigned i = 0; i < ny; i++)
		svg_text(f, p->x0 - 6, svg_py(p, yv[i]) + 4, "end", 11, NULL, "%.*f",
			 decimals(ystep), tick_value(yv[i], ystep));
	fputs("</g>", f);
	fprintf(f,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
		"stroke=\"#777\"/>",
		p->x0, p->y0, p->w, p->h);
	if (xname)
		svg_text(f, p->x0 + p->w / 2, p->y0 + p->h + 33, "middle", 12, "fill=\"#222\"",
			 "%s", xname);
	if (yname)
		svg_text(f, -(p->y0 + p->h / 2), p->x0 - 46, "middle", 12,
			 "transform=\"rotate(-90)\" fill=\"#222\"", "%s", yname);
}

void svg_legend_item(struct svg_legend *l, const char *kind, const char *colour, const char *what)
{
	FILE *f = l->f;
	double x = l->x, y = l->y;

	if (!strcmp(kind, "line"))
		fprintf(f, "<path d=\"M%.1f,%.1fh18\" stroke=\"%s\" stroke-width=\"2\"/>", x, y - 4,
			colour);
	else if (!strcmp(kind, "dash"))
		fprintf(f,
			"<path d=\"M%.1f,%.1fh18\" stroke=\"%s\" stroke-width=\"1.2\" "
			"stroke-dasharray=\"4 3\"/>",
			x, y - 4, colour);
	else if (!strcmp(kind, "box"))
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"18\" height=\"10\" fill=\"%s\"/>",
			x, y - 9, colour);
	else if (!strcmp(kind, "tick"))
		fprintf(f, "<path d=\"M%.1f,%.1fv-10\" stroke=\"%s\" stroke-width=\"1.5\"/>", x + 9,
			y + 1, colour);
	else if (!strcmp(kind, "cross"))
		fprintf(f,
			"<path d=\"M%.1f,%.1fl8,8m0,-8l-8,8\" stroke=\"%s\" stroke-width=\"2\"/>",
			x + 5, y - 9, colour);
	else if (!strcmp(kind, "ring"))
		fprintf(f,
			"<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"none\" stroke=\"%s\" "
			"stroke-width=\"1.5\"/>",
			x + 9, y - 4, colour);
	else if (!strcmp(kind, "diamond"))
		fprintf(f, "<path d=\"M%.1f,%.1fl5,5 -5,5 -5,-5z\" fill=\"%s\" stroke=\"#000\"/>",
			x + 9, y - 9, colour);
	else if (!strcmp(kind, "cell"))
		fprintf(f, "<path d=\"M%.1f,%.1fl6,10h-12z\" fill=\"%s\"/>", x + 9, y - 10, colour);
	else if (!strcmp(kind, "edge"))
		fprintf(f,
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\" "
			"stroke=\"#234\"/>",
			x + 4, y - 9, colour);
	svg_text(f, x + 22, y, "start", 11, "fill=\"#222\"", "%s", what);
	l->x += 22 + 6.3 * (double)strlen(what) + 16;
}

void svg_title(FILE *f, const char *what)
{
	svg_text(f, 12, 20, "start", 15, "font-weight=\"bold\" fill=\"#111\"", "%s", what);
}

void svg_no_data(FILE *f, const struct svg_plot *p, const char *why)
{
	svg_text(f, p->x0 + p->w / 2, p->y0 + p->h / 2, "middle", 14,
		 "class=\"no-data\" fill=\"#777\"", "no data: %s", why);
}

/* A bar's words: right of it if they fit, else inside it, else left of it. */
void svg_bar_label(FILE *f, const struct svg_plot *p, double xa, double xb, double y,
		   const char *txt)
{
	double w = 6.3 * (double)strlen(txt);

	if (xb + 5 + w <= p->x0 + p->w)
		svg_text(f, xb + 5, y, "start", 11, "fill=\"#222\"", "%s", txt);
	else if (xb - xa > w + 10)
		svg_text(f, xb - 5, y, "end", 11, "fill=\"#111\"", "%s", txt);
	else
		svg_text(f, xa - 5, y, "end", 11, "fill=\"#222\"", "%s", txt);
}
