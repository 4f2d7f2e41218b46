/* SPDX-License-Identifier: MIT */
/* The HTML report of a results folder of `edgemu run` (report/; the command: cli/report.c). */
#ifndef EDGEMU_REPORT_REPORT_H
#define EDGEMU_REPORT_REPORT_H

#include <stdbool.h>

#include "topo/topo.h"

/* Points drawn per chart at most: longer series keep the extremes of equal slices. */
#define REPORT_MAX_POINTS 2000

struct report_opts {
	const char *out;     /* the HTML file; NULL: DIR/report.html */
	bool png;	     /* each chart also as <id>.svg and <id>.png beside the HTML file */
	unsigned max_points; /* per chart; 0: REPORT_MAX_POINTS */
};

/*
 * Writes the report of results folder dir: the number of charts, or -errno with err set
 * (a missing folder or events.csv, a file that cannot be written, rsvg-convert missing for
 * png). Missing or short CSV files are no error: their charts say "no data". Prints nothing.
 */
int report_write(const char *dir, const struct report_opts *o, struct topo_err *err);

#endif
