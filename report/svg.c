/* SPDX-License-Identifier: MIT */
/* SVG building blocks of the charts: text, scales, axes with ticks, legends, titles. */
#include "report/svg.h"

#include "cli/text.h"
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
	cli_html(f, buf);
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

/* Grid, ticks and their values every xstep and ystep, the frame, the axes' names. */
void svg_axes(FILE *f, const struct svg_plot *p, double xstep, double ystep, const char *xname,
	      const char *yname)
{
	double first;

	fputs("<g class=\"axes\" stroke=\"#e3e3e3\" stroke-width=\"1\">", f);
	first = ceil(p->xlo / xstep - 1e-9) * xstep;
	for (int k = 0; k < 200; k++) {
		double v = first + k * xstep, x = svg_px(p, v);

		if (v > p->xhi + xstep * 1e-9)
			break;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x, p->y0, x,
			p->y0 + p->h);
	}
	first = ceil(p->ylo / ystep - 1e-9) * ystep;
	for (int k = 0; k < 200 && yname; k++) {
		double v = first + k * ystep, y = svg_py(p, v);

		if (v > p->yhi + ystep * 1e-9)
			break;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", p->x0, y,
			p->x0 + p->w, y);
	}
	fputs("</g><g class=\"ticks\" fill=\"#333\">", f);
	first = ceil(p->xlo / xstep - 1e-9) * xstep;
	for (int k = 0; k < 200; k++) {
		double v = first + k * xstep;

		if (v > p->xhi + xstep * 1e-9)
			break;
		svg_text(f, svg_px(p, v), p->y0 + p->h + 15, "middle", 11, NULL, "%.*f",
			 decimals(xstep), fabs(v) < xstep * 1e-9 ? 0.0 : v);
	}
	first = ceil(p->ylo / ystep - 1e-9) * ystep;
	for (int k = 0; k < 200 && yname; k++) {
		double v = first + k * ystep;

		if (v > p->yhi + ystep * 1e-9)
			break;
		svg_text(f, p->x0 - 6, svg_py(p, v) + 4, "end", 11, NULL, "%.*f", decimals(ystep),
			 fabs(v) < ystep * 1e-9 ? 0.0 : v);
	}
	fputs("</g>", f);
	fprintf(f,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
		"stroke=\"#777\"/>",
		p->x0, p->y0, p->w, p->h);
	svg_text(f, p->x0 + p->w / 2, p->y0 + p->h + 33, "middle", 12, "fill=\"#222\"", "%s",
		 xname);
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
