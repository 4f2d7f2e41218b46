/* SPDX-License-Identifier: MIT */
/*
 * `edgemu report DIR`: one self-contained report.html from the results folder of `edgemu
 * run` (HTML, CSS and inline SVG: no network, no scripts), with the RTT of every UE over time
 * (handovers and migrations marked), the throughput of the traffic: flows over time (when the run
 * has flows; handovers, migrations, losses and broken connections marked), a map of the cells,
 * their edges and the UEs' paths, each cell's load (UEs attached, throughput each way), a
 * timeline of each migration, and the summary tables; with --png each chart as a PNG too.
 *
 * Every number comes from the CSV files (scenario.yaml adds the cells and edges of the map);
 * meta.json and summary.json only add the header's few facts, read with a scanner for the
 * keys edgemu writes, and the flows' table its goodput figures (the runner's). A run cut short
 * leaves files short or missing: their charts say "no data". Each chart is an <svg> with a stable
 * id (rtt-<ue>, tput, map, cells, mig-<n>) and data-points, the number of data points it draws, so
 * tests can hold it against the CSV files.
 */
#include "report/internal.h"
#include "report/report.h"

#include "util/text.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RSVG "rsvg-convert"

/* A chart from the body drawn into a memory stream: the <svg> around it. */
int report_chart_add(struct report *r, const char *id, int h, const char *what, const char *attrs,
		     const char *body, size_t body_len)
{
	struct chart *c;
	FILE *f;

	if (r->n_charts >= r->cap_charts)
		return -ENOMEM;
	c = &r->charts[r->n_charts];
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	f = open_memstream(&c->svg, &c->len);
	if (!f)
		return -ENOMEM;
	fprintf(f,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"%s\" class=\"chart\" "
		"width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"%s\" %s>",
		id, W, h, W, h, FONT, attrs);
	fputs("<title>", f);
	util_html(f, what);
	fprintf(f, "</title><rect class=\"bg\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>", W, h);
	fwrite(body, 1, body_len, f);
	fputs("</svg>\n", f);
	if (fclose(f)) {
		free(c->svg);
		return -ENOMEM;
	}
	r->n_charts++;
	return 0;
}

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? path : ".", prog);
		if (access(buf, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

static int png_write(const struct chart *c, const char *outdir, struct topo_err *err)
{
	char svg[PATH_MAX + sizeof(c->id) + 8], png[PATH_MAX + sizeof(c->id) + 8];
	FILE *f;
	pid_t pid;
	int status;

	snprintf(svg, sizeof(svg), "%s/%s.svg", outdir, c->id);
	snprintf(png, sizeof(png), "%s/%s.png", outdir, c->id);
	f = fopen(svg, "we");
	if (!f)
		return topo_err_set(err, -errno, "writing %s: %s", svg, strerror(errno));
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fwrite(c->svg, 1, c->len, f);
	if (fclose(f))
		return topo_err_set(err, -errno, "writing %s: %s", svg, strerror(errno));
	pid = fork();
	if (pid < 0)
		return topo_err_set(err, -errno, "starting " RSVG ": %s", strerror(errno));
	if (pid == 0) {
		/* Twice the size, for slides; white behind it, as on the page. */
		execlp(RSVG, RSVG, "--zoom=2", "--background-color=white", "--format=png",
		       "--output", png, svg, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return topo_err_set(err, -errno, "waiting for " RSVG ": %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return topo_err_set(err, -EIO, RSVG " failed on %s (exit %d)", svg,
				    WIFEXITED(status) ? WEXITSTATUS(status)
						      : 128 + WTERMSIG(status));
	return 0;
}

int report_write(const char *dir, const struct report_opts *o, struct topo_err *err)
{
	struct report r = {.dir = dir};
	char out[PATH_MAX], tmp[PATH_MAX + 8], outdir[PATH_MAX];
	FILE *f = NULL;
	int rc;

	r.max_points = o && o->max_points ? o->max_points : REPORT_MAX_POINTS;
	if (o && o->out)
		snprintf(out, sizeof(out), "%s", o->out);
	else
		snprintf(out, sizeof(out), "%s/report.html", dir);
	snprintf(outdir, sizeof(outdir), "%s", out);
	if (strrchr(outdir, '/'))
		*strrchr(outdir, '/') = '\0';
	else
		snprintf(outdir, sizeof(outdir), ".");
	if (o && o->png && !in_path(RSVG))
		return topo_err_set(err, -ENOENT,
				    "--png needs " RSVG
				    ", which is not installed: it is in Debian's "
				    "package librsvg2-bin (apt-get install librsvg2-bin)");
	rc = report_load(&r, err);
	if (rc < 0)
		goto out;
	/*
	 * One per UE, the flows' throughput, the map, the cells' load, one per migration: room
	 * for all of them now.
	 */
	r.cap_charts = r.ues.n + 3 + r.n_mig;
	r.charts = calloc(r.cap_charts, sizeof(*r.charts));
	if (!r.charts) {
		rc = topo_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (size_t u = 0; u < r.ues.n && rc == 0; u++)
		rc = report_chart_rtt(&r, (unsigned)u);
	if (rc == 0 && report_has_flows(&r))
		rc = report_chart_tput(&r);
	if (rc == 0)
		rc = report_chart_map(&r);
	if (rc == 0)
		rc = report_chart_cells(&r);
	for (size_t k = 0; k < r.n_mig && rc == 0; k++)
		rc = report_chart_mig(&r, k);
	if (rc < 0) {
		topo_err_set(err, rc, "drawing the charts: %s", strerror(-rc));
		goto out;
	}

	snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	f = fopen(tmp, "we");
	if (!f) {
		rc = topo_err_set(err, -errno, "writing %s: %s", out, strerror(errno));
		goto out;
	}
	errno = 0;
	report_html_head(&r, f);
	rc = report_html_summary(&r, f);
	if (rc == 0 && report_has_flows(&r))
		rc = report_html_flows(&r, f);
	fputs("<h2 id=\"rtt\">RTT over time</h2>\n", f);
	if (!r.ues.n)
		fputs("<p class=\"note\">No UEs: no data.</p>\n", f);
	for (size_t c = 0; c < r.n_charts; c++) {
		if (!strcmp(r.charts[c].id, "tput"))
			fputs("<h2 id=\"tput-title\">Throughput over time</h2>\n", f);
		else if (!strcmp(r.charts[c].id, "map"))
			fputs("<h2 id=\"map-title\">Map</h2>\n", f);
		else if (!strcmp(r.charts[c].id, "cells"))
			fputs("<h2 id=\"cells-title\">Cell load</h2>\n", f);
		else if (!strncmp(r.charts[c].id, "mig-", 4) &&
			 (c == 0 || strncmp(r.charts[c - 1].id, "mig-", 4)))
			fputs("<h2 id=\"migrations\">Migrations</h2>\n", f);
		fwrite(r.charts[c].svg, 1, r.charts[c].len, f);
	}
	if (!r.n_mig)
		fputs("<h2 id=\"migrations\">Migrations</h2>\n<p class=\"note\">No migrations: no "
		      "data.</p>\n",
		      f);
	fputs("<p class=\"note\">Made by <code>edgemu report</code> " EDGEMU_VERSION " (" EDGEMU_GIT
	      ") from the files of ",
	      f);
	util_html(f, dir);
	fputs(".</p>\n</body></html>\n", f);
	if (rc < 0) {
		fclose(f);
		unlink(tmp);
		topo_err_set(err, rc, "writing %s: %s", out, strerror(-rc));
		goto out;
	}
	if (ferror(f) | fclose(f)) {
		/* errno is the failed write's, or fclose's own. */
		rc = topo_err_set(err, errno ? -errno : -EIO, "writing %s: %s", out,
				  strerror(errno ? errno : EIO));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, out) < 0) {
		rc = topo_err_set(err, -errno, "writing %s: %s", out, strerror(errno));
		unlink(tmp);
		goto out;
	}
	for (size_t c = 0; o && o->png && c < r.n_charts && rc == 0; c++)
		rc = png_write(&r.charts[c], outdir, err);
	if (rc == 0)
		rc = (int)r.n_charts;
out:
	report_free(&r);
	return rc;
}
