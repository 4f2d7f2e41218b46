/* SPDX-License-Identifier: MIT */
/* `edgemu report DIR`: the command around report/ (options, what it says when done). */
#include "cli/cli.h"
#include "report/report.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cli_report_dir(const char *dir, bool png)
{
	struct report_opts o = {.png = png};
	struct topo_err err;
	int rc = report_write(dir, &o, &err);

	if (rc < 0) {
		fprintf(stderr, "edgemu report: %s\n", err.msg);
		return rc;
	}
	return 0;
}

static const char usage[] =
    "usage: edgemu report DIR [--png] [-o FILE] [--max-points N]\n"
    "\n"
    "Write DIR/report.html from the results folder DIR of `edgemu run` (which writes it at\n"
    "the end of every run): one self-contained file, no network and no scripts, that prints\n"
    "well. It holds the summary table; the RTT of each UE over time, its handovers and\n"
    "migrations (decided to done, the frozen span, the flip) marked; a map of the cells, their\n"
    "edges and each UE's path with its handovers; a timeline of each migration.\n"
    "\n"
    "  -o FILE          write the report to FILE instead\n"
    "  --png            each chart also as <chart>.svg and <chart>.png beside the report,\n"
    "                   for slides (rsvg-convert: Debian's librsvg2-bin)\n"
    "  --max-points N   at most N points per chart (default 2000); a longer series keeps\n"
    "                   the lowest and highest RTT of each of N/2 equal slices\n";

int cli_report(int argc, char **argv)
{
	struct report_opts o = {0};
	const char *dir = NULL;
	struct topo_err err;
	struct stat st;
	char out[PATH_MAX];
	int rc;

	for (int i = 1; i < argc; i++) {
		char *end;

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--png")) {
			o.png = true;
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			o.out = argv[++i];
		} else if (!strcmp(argv[i], "--max-points") && i + 1 < argc) {
			unsigned long v = strtoul(argv[++i], &end, 10);

			if (*end || !*argv[i] || v < 2 || v > 10000000) {
				fprintf(stderr,
					"edgemu report: --max-points '%s': expected a number "
					"from 2 up\n",
					argv[i]);
				return 2;
			}
			o.max_points = (unsigned)v;
		} else if (argv[i][0] == '-' || dir) {
			fprintf(stderr, "edgemu report: unexpected argument '%s'\n%s", argv[i],
				usage);
			return 2;
		} else {
			dir = argv[i];
		}
	}
	if (!dir) {
		fputs(usage, stderr);
		return 2;
	}
	rc = report_write(dir, &o, &err);
	if (rc < 0) {
		fprintf(stderr, "edgemu report: %s\n", err.msg);
		return 1;
	}
	snprintf(out, sizeof(out), "%s%s", o.out ? o.out : dir, o.out ? "" : "/report.html");
	if (stat(out, &st) == 0)
		fprintf(stderr, "edgemu report: %s: %d chart%s, %.0f KiB%s\n", out, rc,
			rc == 1 ? "" : "s", (double)st.st_size / 1024,
			o.png ? "; each also as .svg and .png beside it" : "");
	return 0;
}
