/* SPDX-License-Identifier: MIT */
/*
 * `edgemu report` on a recorded results folder (tests/fixtures/run-quickstart: the
 * quickstart experiment sped up, one handover and one pre-copy migration): every chart's
 * data points held against the CSV files, read here on their own; the summary table's
 * numbers computed here from the same files; downsampling by its rule; short and missing
 * files; the PNGs; and nothing in the page that reaches out (no scripts, no links). A run with
 * traffic: flows (tests/fixtures/run-traffic: a download and an upload across two handovers
 * and a migration, the upload broken) for the throughput chart and the flows table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/report.h"
#include "results/results.h"
#include "topo/topo.h"
#include "util/num.h"
#include "tests/unit/support.h"

static char fixture[4096];

/* ---- the files, read here without the report's code ---- */

struct row {
	char *f[24];
	unsigned n;
};

struct csv {
	struct row *rows;
	size_t n;
	char *text;
};

/* Fields split at commas outside double quotes, the quotes dropped; the header left out. */
static void csv_load(const char *name, struct csv *c)
{
	size_t len;
	char *p, *w;

	c->text = support_file_read(fixture, name, &len);
	assert_non_null(c->text);
	c->rows = calloc((size_t)len + 1, sizeof(*c->rows));
	c->n = 0;
	p = strchr(c->text, '\n');
	assert_non_null(p);
	for (p++; *p;) {
		struct row *r = &c->rows[c->n++];
		bool q = false;

		w = p;
		r->f[r->n++] = w;
		for (; *p && *p != '\n'; p++) {
			if (*p == '"')
				q = !q;
			else if (*p == ',' && !q)
				*w++ = '\0', r->f[r->n++] = w;
			else
				*w++ = *p;
		}
		if (*p)
			p++; /* past the newline, before the field's end may overwrite it */
		*w = '\0';
	}
}

static void csv_free(struct csv *c)
{
	free(c->rows);
	free(c->text);
}

/* ---- the report, read back ---- */

static char *report_make(const char *dir, unsigned max_points, int *ret_charts)
{
	struct report_opts o = {.max_points = max_points};
	char out[128];
	struct topo_err err;
	int rc;

	snprintf(out, sizeof(out), "%s/report.html", support_tmp);
	o.out = out;
	rc = report_write(dir, &o, &err);
	if (rc < 0)
		fail_msg("report of %s: %s", dir, err.msg);
	if (ret_charts)
		*ret_charts = rc;
	return support_file_read(NULL, out, NULL);
}

/* The <svg> with that id, as a copy; NULL if the page has none. */
static char *chart(const char *html, const char *id)
{
	char pat[4352];
	const char *a, *b;

	snprintf(pat, sizeof(pat), "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"%s\"", id);
	a = strstr(html, pat);
	if (!a)
		return NULL;
	b = strstr(a, "</svg>");
	assert_non_null(b);
	return strndup(a, (size_t)(b - a) + 6);
}

/* The number in attribute name="..." of the tag that starts at tag. */
static long attr(const char *tag, const char *name)
{
	char pat[64];
	const char *end = strchr(tag, '>'), *p;

	snprintf(pat, sizeof(pat), " %s=\"", name);
	p = strstr(tag, pat);
	if (!p || p > end)
		fail_msg("no %s in %.80s", name, tag);
	return strtol(p + strlen(pat), NULL, 10);
}

/* The value of attribute name="..." of the tag that starts at tag, as a copy. */
static char *attr_str(const char *tag, const char *name)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=\"", name);
	p = strstr(tag, pat);
	assert_non_null(p);
	p += strlen(pat);
	return strndup(p, strcspn(p, "\""));
}

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static unsigned count_chars(const char *s, const char *set)
{
	unsigned n = 0;

	for (; *s; s++)
		n += strchr(set, *s) != NULL;
	return n;
}

/* The text of the cell or span with data-k="key". */
static char *cell(const char *html, const char *key)
{
	char pat[128];
	const char *p;

	snprintf(pat, sizeof(pat), "data-k=\"%s\">", key);
	p = strstr(html, pat);
	if (!p)
		fail_msg("no data-k=%s in the page", key);
	p += strlen(pat);
	return strndup(p, strcspn(p, "<"));
}

static void cell_equal(const char *html, const char *key, const char *want)
{
	char *got = cell(html, key);

	if (strcmp(got, want))
		fail_msg("%s: the page says %s, the CSV files %s", key, got, want);
	free(got);
}

/* ---- what the CSV files say ---- */

static bool report_is_handover(const struct row *e)
{
	return !strcmp(e->f[1], "handover") && !strstr(e->f[3], "(attach)");
}

static unsigned handovers(const struct csv *ev, const char *ue)
{
	unsigned n = 0;

	for (size_t i = 0; i < ev->n; i++)
		n += !strcmp(ev->rows[i].f[2], ue) && report_is_handover(&ev->rows[i]);
	return n;
}

/* The done or failed event that ends migration row k (k-th of its UE). */
static double report_mig_done(const struct csv *ev, const struct csv *mg, size_t k)
{
	const char *ue = mg->rows[k].f[1];
	size_t nth = 0, seen = 0;

	for (size_t q = 0; q < k; q++)
		nth += !strcmp(mg->rows[q].f[1], ue);
	for (size_t i = 0; i < ev->n; i++)
		if (!strcmp(ev->rows[i].f[2], ue) &&
		    (!strcmp(ev->rows[i].f[1], "migration_done") ||
		     !strcmp(ev->rows[i].f[1], "migration_failed")) &&
		    seen++ == nth)
			return atof(ev->rows[i].f[0]);
	return atof(mg->rows[k].f[11]);
}

/* Nearest rank: the ceil(q * n)-th smallest. */
static double nearest_rank(const double *v, size_t n, double q)
{
	size_t rank = (size_t)ceil(q * (double)n - 1e-9);

	return v[(rank ? rank : 1) - 1];
}

/* ---- set-up ---- */

static void quickstart_fixture(void)
{
	const char *src = getenv("EDGEMU_SRC");

	snprintf(fixture, sizeof(fixture), "%s/tests/fixtures/run-quickstart", src ? src : ".");
}

static int setup(void **state)
{
	quickstart_fixture();
	return support_tmp_setup(state);
}

static void copy_file(const char *from_dir, const char *name, const char *to_dir)
{
	char *text = support_file_read(from_dir, name, NULL);

	assert_non_null(text);
	support_file_write(to_dir, name, text);
	free(text);
}

/* ---- the tests ---- */

/* Every chart is there, once, and draws exactly what the CSV files hold. */
static void test_charts(void **state)
{
	struct csv rtt, ev, mg, pos;
	struct topo_model *m;
	struct topo_err err;
	char path[4200], *html, *svg;
	int n_charts;
	unsigned ues = 0, cells = 0, edges = 0;

	(void)state;
	csv_load("rtt.csv", &rtt);
	csv_load("events.csv", &ev);
	csv_load("migrations.csv", &mg);
	csv_load("positions.csv", &pos);
	snprintf(path, sizeof(path), "%s/scenario.yaml", fixture);
	assert_int_equal(topo_parse_file(path, &m, &err), 0);
	for (unsigned i = 0; i < m->n_nodes; i++) {
		ues += m->nodes[i].kind == TOPO_UE;
		cells += m->nodes[i].kind == TOPO_ENB && m->nodes[i].has_pos;
		edges += m->nodes[i].kind == TOPO_EDGE;
	}
	assert_true(rtt.n > 1000 && mg.n >= 1 && pos.n > 100);

	html = report_make(fixture, 0, &n_charts);
	assert_non_null(html);
	assert_int_equal(n_charts, (int)(ues + 2 + mg.n));
	/* The recorded run is older than cells.csv: its cell load chart says so. */
	svg = chart(html, "cells");
	assert_non_null(svg);
	assert_int_equal(count(html, "id=\"cells\""), 1);
	assert_int_equal(attr(svg, "data-points"), 0);
	assert_non_null(strstr(svg, "no data: cells.csv is missing"));
	free(svg);

	/* RTT: one chart per UE, every answer a point of the line, losses and markers */
	for (unsigned i = 0; i < m->n_nodes; i++) {
		const char *ue = m->nodes[i].name;
		unsigned answers = 0, losses = 0, migs = 0, frozen = 0;
		char id[64], *d;
		const char *p;

		if (m->nodes[i].kind != TOPO_UE)
			continue;
		for (size_t k = 0; k < rtt.n; k++)
			if (!strcmp(rtt.rows[k].f[1], ue)) {
				answers += *rtt.rows[k].f[4] != '\0';
				losses += *rtt.rows[k].f[4] == '\0';
			}
		for (size_t k = 0; k < mg.n; k++)
			if (!strcmp(mg.rows[k].f[1], ue)) {
				migs++;
				frozen += atof(mg.rows[k].f[8]) > 0;
			}
		snprintf(id, sizeof(id), "rtt-%s", ue);
		svg = chart(html, id);
		assert_non_null(svg);
		assert_int_equal(count(html, id), 1);
		assert_int_equal(attr(svg, "data-points"), answers);
		assert_int_equal(attr(svg, "data-answers"), answers);
		assert_int_equal(attr(svg, "data-losses"), losses);
		p = strstr(svg, "class=\"rtt\"");
		assert_non_null(p);
		assert_null(strstr(p + 1, "class=\"rtt\"")); /* one target, one line */
		d = attr_str(p, "d");
		assert_int_equal(count_chars(d, "ML"), answers);
		free(d);
		p = strstr(svg, "class=\"loss\"");
		assert_true(losses == 0 || p);
		if (p) {
			d = attr_str(p, "d");
			assert_int_equal(count_chars(d, "M"), attr(svg, "data-loss-marks"));
			assert_true(attr(svg, "data-loss-marks") <= losses &&
				    attr(svg, "data-loss-marks") > 0);
			free(d);
		}
		assert_int_equal(count(svg, "class=\"ho\""), handovers(&ev, ue));
		assert_int_equal(attr(svg, "data-handovers"), handovers(&ev, ue));
		assert_true(handovers(&ev, ue) >= 1);
		assert_int_equal(count(svg, "class=\"mig\""), migs);
		assert_int_equal(count(svg, "class=\"frozen\""), frozen);
		assert_int_equal(count(svg, "class=\"flip\""), migs);
		assert_null(strstr(svg, "no data"));
		assert_null(strstr(svg, "downsampled"));
		free(svg);
	}

	/* The map: each UE's path a point per positions.csv row, a marker per handover */
	svg = chart(html, "map");
	assert_non_null(svg);
	{
		unsigned total = 0, ho = 0;

		for (unsigned i = 0; i < m->n_nodes; i++) {
			char pat[96], *pts;
			unsigned rows = 0;
			const char *p;

			if (m->nodes[i].kind != TOPO_UE)
				continue;
			for (size_t k = 0; k < pos.n; k++)
				rows += !strcmp(pos.rows[k].f[1], m->nodes[i].name);
			snprintf(pat, sizeof(pat), "class=\"traj\" data-ue=\"%s\"",
				 m->nodes[i].name);
			p = strstr(svg, pat);
			assert_non_null(p);
			assert_int_equal(attr(p, "data-points"), rows);
			pts = attr_str(p, "points");
			assert_int_equal(count_chars(pts, ","), rows);
			free(pts);
			total += rows;
			ho += handovers(&ev, m->nodes[i].name);
		}
		assert_int_equal(attr(svg, "data-points"), total);
		assert_int_equal(count(svg, "class=\"ho\""), ho);
		assert_int_equal(attr(svg, "data-handovers"), ho);
		assert_int_equal(count(svg, "class=\"cell\""), cells);
		assert_int_equal(attr(svg, "data-cells"), cells);
		assert_int_equal(count(svg, "class=\"edge\""), edges);
		assert_non_null(strstr(svg, ">enb1</text>"));
		assert_non_null(strstr(svg, "data-name=\"edge2\""));
	}
	free(svg);

	/* One timeline per row of migrations.csv, with its rounds and phases */
	for (size_t k = 0; k < mg.n; k++) {
		const struct row *g = &mg.rows[k];
		double decided = atof(g->f[6]), done = report_mig_done(&ev, &mg, k);
		unsigned rounds = 0;
		char id[32];

		for (size_t i = 0; i < ev.n; i++)
			rounds += !strcmp(ev.rows[i].f[1], "migration_round") &&
				  !strcmp(ev.rows[i].f[2], g->f[1]) &&
				  atof(ev.rows[i].f[0]) >= decided && atof(ev.rows[i].f[0]) <= done;
		snprintf(id, sizeof(id), "mig-%s", g->f[0]);
		svg = chart(html, id);
		assert_non_null(svg);
		assert_int_equal(attr(svg, "data-rounds"), rounds);
		assert_int_equal(count(svg, "class=\"round\""), rounds);
		assert_int_equal(attr(svg, "data-ok"), !strcmp(g->f[18], "yes"));
		assert_int_equal(count(svg, "class=\"bar frozen\""), atof(g->f[8]) > 0);
		assert_int_equal(count(svg, "class=\"bar live\""), 1);
		assert_int_equal(count(svg, "class=\"mark flip\""), atof(g->f[10]) > 0);
		/* bars and moments drawn: what data-points says */
		assert_int_equal(attr(svg, "data-points"), count(svg, "class=\"bar ") +
							       count(svg, "class=\"round\"") +
							       count(svg, "class=\"mark "));
		free(svg);
	}
	snprintf(path, sizeof(path), "mig-%zu", mg.n);
	assert_null(chart(html, path));
	assert_int_equal(count(html, "<svg "), ues + 2 + mg.n);

	free(html);
	topo_model_free(m);
	csv_free(&rtt);
	csv_free(&ev);
	csv_free(&mg);
	csv_free(&pos);
}

/* The summary table's numbers, computed here from the CSV files. */
static void test_summary(void **state)
{
	static const char *const phases[] = {"before", "during", "after"};
	struct csv rtt, ev, mg;
	char *html, want[64], key[96], *summary, path[4200];

	(void)state;
	csv_load("rtt.csv", &rtt);
	csv_load("events.csv", &ev);
	csv_load("migrations.csv", &mg);
	snprintf(path, sizeof(path), "%s/summary.json", fixture);
	summary = support_file_read(NULL, path, NULL);
	assert_non_null(summary);
	html = report_make(fixture, 0, NULL);
	{
		const char *ue = "ue1"; /* the fixture's one UE; its service is game */
		double *v[3];
		size_t n[3] = {0};
		unsigned answers = 0, losses = 0, migs = 0;

		for (unsigned k = 0; k < 3; k++)
			v[k] = calloc(rtt.n + 1, sizeof(double));
		for (size_t i = 0; i < rtt.n; i++) {
			const struct row *x = &rtt.rows[i];
			double t = atof(x->f[0]);
			int ph = 0;

			if (strcmp(x->f[1], ue))
				continue;
			if (!*x->f[4]) {
				losses++;
				continue;
			}
			answers++;
			assert_string_equal(x->f[2], "game");
			for (size_t k = 0; k < mg.n; k++) {
				if (strcmp(mg.rows[k].f[1], ue) || !(t > atof(mg.rows[k].f[6])))
					continue;
				if (t <= report_mig_done(&ev, &mg, k)) {
					ph = 1;
					break;
				}
				ph = 2;
			}
			v[ph][n[ph]++] = atof(x->f[4]);
		}
		for (size_t k = 0; k < mg.n; k++)
			migs += !strcmp(mg.rows[k].f[1], ue);
		snprintf(want, sizeof(want), "%u", handovers(&ev, ue));
		cell_equal(html, "ue1.handovers", want);
		snprintf(want, sizeof(want), "%u", migs);
		cell_equal(html, "ue1.migrations", want);
		snprintf(want, sizeof(want), "%u", answers);
		cell_equal(html, "ue1.answers", want);
		snprintf(want, sizeof(want), "%u", losses);
		cell_equal(html, "ue1.losses", want);
		for (unsigned k = 0; k < 3; k++) {
			static const double qs[] = {0.50, 0.95, 0.99};
			static const char *const qn[] = {"p50", "p95", "p99"};

			qsort(v[k], n[k], sizeof(double), util_cmp_double);
			snprintf(key, sizeof(key), "ue1.%s.n", phases[k]);
			snprintf(want, sizeof(want), "%zu", n[k]);
			cell_equal(html, key, want);
			/* the runner split the answers the same way */
			snprintf(want, sizeof(want), "\"%s\":{\"n\":%zu,", phases[k], n[k]);
			assert_non_null(strstr(summary, want));
			for (unsigned q = 0; q < 3; q++) {
				snprintf(key, sizeof(key), "ue1.%s.%s", phases[k], qn[q]);
				if (n[k])
					snprintf(want, sizeof(want), "%.3f",
						 nearest_rank(v[k], n[k], qs[q]));
				else
					snprintf(want, sizeof(want), "-");
				cell_equal(html, key, want);
			}
			assert_true(n[k] > 0);
			free(v[k]);
		}
	}
	for (size_t k = 0; k < mg.n; k++) {
		const struct row *g = &mg.rows[k];
		static const struct {
			const char *key;
			unsigned field;
		} cols[] = {{"decided", 6}, {"downtime", 12}, {"gap", 13}, {"total", 14}};

		for (unsigned c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
			snprintf(key, sizeof(key), "mig%s.%s", g->f[0], cols[c].key);
			snprintf(want, sizeof(want), "%.3f", atof(g->f[cols[c].field]));
			cell_equal(html, key, want);
		}
		snprintf(key, sizeof(key), "mig%s.mib", g->f[0]);
		snprintf(want, sizeof(want), "%.3f", atof(g->f[16]) / 1048576.0);
		cell_equal(html, key, want);
		snprintf(key, sizeof(key), "mig%s.rounds", g->f[0]);
		cell_equal(html, key, g->f[17]);
		snprintf(key, sizeof(key), "mig%s.ok", g->f[0]);
		cell_equal(html, key, g->f[18]);
	}
	free(html);
	free(summary);
	csv_free(&rtt);
	csv_free(&ev);
	csv_free(&mg);
}

/* A long series keeps the lowest and highest RTT of each of max/2 equal slices. */
static void test_downsampling(void **state)
{
	const unsigned max = 100, buckets = max / 2;
	struct csv rtt, pos;
	double *v, vmin = INFINITY, vmax = -INFINITY;
	size_t n = 0, kept = 0, rows = 0, stride, kept_pos = 0;
	char *html, *svg, *d, note[128];
	const char *p;
	long cur = -1;
	size_t lo = 0, hi = 0;

	(void)state;
	csv_load("rtt.csv", &rtt);
	csv_load("positions.csv", &pos);
	v = calloc(rtt.n + 1, sizeof(double));
	for (size_t i = 0; i < rtt.n; i++)
		if (!strcmp(rtt.rows[i].f[1], "ue1") && *rtt.rows[i].f[4]) {
			v[n] = atof(rtt.rows[i].f[4]);
			vmin = fmin(vmin, v[n]);
			vmax = fmax(vmax, v[n]);
			n++;
		}
	/* rtt.csv is in time order for this UE: each slice's min and max, once if the same */
	for (size_t i = 0; i < n; i++) {
		long b = (long)(i * buckets / n);

		if (b != cur) {
			if (cur >= 0)
				kept += lo == hi ? 1 : 2;
			cur = b;
			lo = hi = i;
		}
		if (v[i] < v[lo])
			lo = i;
		if (v[i] > v[hi])
			hi = i;
	}
	kept += lo == hi ? 1 : 2;
	assert_true(n > max && kept <= max && kept > buckets);

	html = report_make(fixture, max, NULL);
	svg = chart(html, "rtt-ue1");
	assert_non_null(svg);
	assert_int_equal(attr(svg, "data-points"), kept);
	assert_int_equal(attr(svg, "data-answers"), n);
	p = strstr(svg, "class=\"rtt\"");
	d = attr_str(p, "d");
	assert_int_equal(count_chars(d, "ML"), kept);
	free(d);
	snprintf(note, sizeof(note), "downsampled: %zu of %zu answers drawn", kept, n);
	assert_non_null(strstr(svg, note));
	/* the extremes are drawn: the y axis reaches the highest RTT */
	assert_true(vmax > 5 * vmin);
	free(svg);

	/* the map keeps every stride-th tick and the last */
	for (size_t i = 0; i < pos.n; i++)
		rows += !strcmp(pos.rows[i].f[1], "ue1");
	stride = rows > max ? (rows + max - 2) / (max - 1) : 1;
	for (size_t i = 0; i < rows; i++)
		kept_pos += i % stride == 0 || i == rows - 1;
	assert_true(rows > max && kept_pos <= max);
	svg = chart(html, "map");
	assert_int_equal(attr(svg, "data-points"), kept_pos);
	free(svg);
	free(html);
	free(v);
	csv_free(&rtt);
	csv_free(&pos);
}

/* A run cut short: its charts say "no data"; no folder or no events.csv is an error. */
static void test_short_and_missing(void **state)
{
	struct report_opts o = {0};
	char dir[128], path[256], out[160], *html, *svg;
	struct topo_err err;
	FILE *f;
	int rc;

	(void)state;
	snprintf(out, sizeof(out), "%s/r.html", support_tmp);
	o.out = out;
	snprintf(dir, sizeof(dir), "%s/nothing-here", support_tmp);
	rc = report_write(dir, &o, &err);
	assert_int_equal(rc, -ENOENT);
	assert_non_null(strstr(err.msg, dir));

	snprintf(dir, sizeof(dir), "%s/short", support_tmp);
	assert_int_equal(mkdir(dir, 0755), 0);
	rc = report_write(dir, &o, &err);
	assert_int_equal(rc, -ENOENT);
	assert_non_null(strstr(err.msg, "events.csv"));
	assert_non_null(strstr(err.msg, dir));

	/* events.csv with its start only, the scenario: every chart, saying no data */
	copy_file(fixture, "scenario.yaml", dir);
	support_file_write(dir, "events.csv",
			   "t_s,event,ue,detail\n0.000000,start,-,\"run quickstart\"\n");
	rc = report_write(dir, &o, &err);
	assert_int_equal(rc, 3); /* rtt-ue1, the map and the cells' load */
	html = support_file_read(NULL, out, NULL);
	svg = chart(html, "rtt-ue1");
	assert_non_null(svg);
	assert_non_null(strstr(svg, "no data: rtt.csv is missing"));
	assert_int_equal(attr(svg, "data-points"), 0);
	free(svg);
	svg = chart(html, "map");
	assert_int_equal(attr(svg, "data-cells"), 2);
	assert_int_equal(attr(svg, "data-points"), 0);
	assert_non_null(strstr(svg, "positions.csv is missing"));
	free(svg);
	svg = chart(html, "cells");
	assert_non_null(strstr(svg, "cells.csv is missing"));
	free(svg);
	assert_non_null(strstr(html, "No migrations (migrations.csv is missing)"));
	assert_non_null(strstr(html, "no summary.json"));
	free(html);

	/* a last line cut short (killed while writing it) is left out */
	copy_file(fixture, "rtt.csv", dir);
	snprintf(path, sizeof(path), "%s/rtt.csv", dir);
	f = fopen(path, "a");
	fputs("3.100000,ue1,game,4,1", f);
	fclose(f);
	assert_true(report_write(dir, &o, &err) >= 0);
	html = support_file_read(NULL, out, NULL);
	svg = chart(html, "rtt-ue1");
	{
		struct csv rtt;
		unsigned answers = 0;

		csv_load("rtt.csv", &rtt);
		for (size_t i = 0; i < rtt.n; i++)
			answers += !strcmp(rtt.rows[i].f[1], "ue1") && *rtt.rows[i].f[4];
		assert_int_equal(attr(svg, "data-answers"), answers);
		csv_free(&rtt);
	}
	free(svg);
	free(html);
}

/*
 * An interrupted run with a failed migration, in the files as edgemu run writes them since
 * they say how a run ended: the page says it was interrupted, by what and when; the failed
 * migration's frozen span runs to the source's thaw, its downtime, and its error is shown.
 */
static void test_interrupted_failed(void **state)
{
	char dir[128], path[256], *html, *svg;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/interrupted", support_tmp);
	assert_int_equal(mkdir(dir, 0755), 0);
	copy_file(fixture, "scenario.yaml", dir);
	copy_file(fixture, "events.csv", dir);
	copy_file(fixture, "rtt.csv", dir);
	support_file_write(
	    dir, "migrations.csv",
	    "n,ue,service,from,to,strategy,decided_s,start_s,freeze_s,resume_s,flip_s,end_s,"
	    "downtime_ms,client_gap_ms,total_ms,pages,bytes,rounds,ok,error,thaw_s,"
	    "downtime_until\n"
	    "0,ue1,game,edge1,edge2,precopy,6.900000,6.900385,7.300000,0.000000,0.000000,"
	    "0.000000,812.500,900.000,0.000,0,0,1,no,\"the destination (edge2) failed: oom\","
	    "8.112500,source\n");
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	support_file_write(
	    NULL, path,
	    "{\"run\":\"quickstart\",\"ended\":\"interrupted\",\"signal\":\"SIGINT\","
	    "\"stopped_s\":9.250,\"error\":null,\"planned_s\":14.000,\"duration_s\":9.251,"
	    "\"ues\":[],\"migrations\":[{\"ok\":false,\"error\":\"the destination (edge2) "
	    "failed: oom\"}],\"radio\":{\"handovers\":1,\"forwarding\":\"x2\",\"as_of_s\":9.25,"
	    "\"down_bytes\":1000,\"up_bytes\":500,\"x2_pkts\":7,\"x2_bytes\":9000,"
	    "\"ho_drop_pkts\":2,\"drop_pkts\":3}}\n");
	html = report_make(dir, 0, NULL);
	assert_non_null(strstr(html, "the run was interrupted by SIGINT at 9.250 s of 14.000 s"));
	/* The radio's totals, from summary.json. */
	assert_non_null(strstr(html,
			       "<p class=\"meta\" id=\"radio\">the radio access: handovers 1; "
			       "downlink in flight at them: forwarded (x2) 7 packets, dropped "
			       "2 packets; other drops 3 packets</p>"));
	/* A migration's error is no error of the run. */
	assert_null(strstr(html, "the run ended with an error"));
	svg = chart(html, "mig-0");
	assert_non_null(svg);
	assert_non_null(strstr(svg, "812.5 ms (the downtime, until the source served again)"));
	assert_non_null(strstr(svg, "downtime 812.5 ms; failed: the destination (edge2) failed"));
	free(svg);
	svg = chart(html, "rtt-ue1");
	assert_int_equal(count(svg, "class=\"frozen\""), 1);
	free(svg);
	free(html);

	/* The same run failed: its error is said; killed: no summary, and the page says so. */
	support_file_write(
	    NULL, path,
	    "{\"run\":\"quickstart\",\"ended\":\"failed\",\"signal\":null,\"stopped_s\":9.250,"
	    "\"error\":\"writing x/rtt.csv: No space left on device\",\"ues\":[],"
	    "\"migrations\":[{\"ok\":false,\"error\":\"oom\"}]}\n");
	html = report_make(dir, 0, NULL);
	assert_non_null(strstr(html, "the run ended with an error: writing x/rtt.csv: No space"));
	/* No radio object (a run before issue 14, or without radio:): no line. */
	assert_null(strstr(html, "id=\"radio\""));
	assert_null(strstr(html, "the run was interrupted"));
	free(html);
	assert_int_equal(unlink(path), 0);
	html = report_make(dir, 0, NULL);
	assert_non_null(strstr(html, "no summary.json: the run did not finish"));
	free(html);
}

/* One file: no scripts, nothing fetched; SVG's namespace is the only address in it. */
static void test_self_contained(void **state)
{
	char *html = report_make(fixture, 0, NULL);

	(void)state;
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "src="));
	assert_null(strstr(html, "href="));
	assert_null(strstr(html, "url("));
	assert_null(strstr(html, "@import"));
	assert_int_equal(count(html, "http"), count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
	assert_non_null(strstr(html, "@media print"));
	assert_true(strlen(html) < 200 * 1024);
	free(html);
}

/* --png: each chart as .svg and .png beside the report; rsvg-convert missing is said. */
static void test_png(void **state)
{
	static const char *const ids[] = {"rtt-ue1", "map", "mig-0"};
	struct report_opts o = {.png = true};
	char out[128], path[160], *old_path, *text;
	struct topo_err err;
	int rc;

	(void)state;
	snprintf(out, sizeof(out), "%s/report.html", support_tmp);
	o.out = out;
	old_path = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	setenv("PATH", "/nonexistent", 1);
	rc = report_write(fixture, &o, &err);
	setenv("PATH", old_path, 1);
	free(old_path);
	assert_int_equal(rc, -ENOENT);
	assert_non_null(strstr(err.msg, "librsvg2-bin"));

	if (system("command -v rsvg-convert >/dev/null 2>&1") != 0) {
		print_message("rsvg-convert not installed (librsvg2-bin): PNGs not checked\n");
		skip();
	}
	rc = report_write(fixture, &o, &err);
	if (rc < 0)
		fail_msg("%s", err.msg);
	for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s.svg", support_tmp, ids[i]);
		text = support_file_read(NULL, path, NULL);
		assert_non_null(text);
		assert_non_null(strstr(text, ids[i]));
		free(text);
		snprintf(path, sizeof(path), "%s/%s.png", support_tmp, ids[i]);
		text = support_file_read(NULL, path, NULL);
		assert_non_null(text);
		assert_memory_equal(text, "\x89PNG", 4);
		free(text);
	}
}

/* The fixture with traffic: flows, for the csv_load() of what follows. */
static void traffic_fixture(void)
{
	const char *src = getenv("EDGEMU_SRC");

	snprintf(fixture, sizeof(fixture), "%s/tests/fixtures/run-traffic", src ? src : ".");
}

/* The throughput chart after the RTT charts, a line per flow drawing its every row. */
static void test_traffic_chart(void **state)
{
	struct csv tp, ev, mg;
	char *html, *svg, *d, pat[96];
	const char *p;
	unsigned broken = 0, reconnects = 0, ues = 1;
	int n_charts;

	(void)state;
	traffic_fixture();
	csv_load("throughput.csv", &tp);
	csv_load("events.csv", &ev);
	csv_load("migrations.csv", &mg);
	assert_true(tp.n > 100 && mg.n >= 1);
	html = report_make(fixture, 0, &n_charts);
	assert_int_equal(n_charts, (int)(ues + 3 + mg.n));
	p = strstr(html, "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"tput\"");
	assert_non_null(p);
	assert_true(p > strstr(html, "id=\"rtt-ue1\"") && p < strstr(html, "id=\"map\""));
	assert_true(strstr(html, "<h2 id=\"tput-title\">") < p);
	svg = chart(html, "tput");
	assert_int_equal(attr(svg, "data-rows"), tp.n);
	assert_int_equal(attr(svg, "data-points"), tp.n); /* under 2000 rows: each a point */
	assert_int_equal(attr(svg, "data-flows"), 2);
	assert_int_equal(count(svg, "class=\"tput\""), 2);
	for (unsigned k = 0; k < 2; k++) {
		const char *flow = k ? "ul" : "dl";
		unsigned rows = 0;

		for (size_t i = 0; i < tp.n; i++)
			rows += !strcmp(tp.rows[i].f[1], flow);
		snprintf(pat, sizeof(pat), "class=\"tput\" data-flow=\"%s\"", flow);
		p = strstr(svg, pat);
		assert_non_null(p);
		assert_int_equal(attr(p, "data-points"), rows);
		d = attr_str(p, "d");
		assert_int_equal(count_chars(d, "ML"), rows);
		/* one line each: a broken flow's receiver goes on reporting (0 bytes) */
		assert_int_equal(count_chars(d, "M"), 1);
		free(d);
	}
	for (size_t i = 0; i < ev.n; i++) {
		broken += !strcmp(ev.rows[i].f[1], "flow_broken");
		reconnects += !strcmp(ev.rows[i].f[1], "flow_reconnect");
	}
	assert_true(broken >= 1 && reconnects >= 1);
	assert_int_equal(attr(svg, "data-broken"), broken);
	assert_int_equal(count(svg, "class=\"broken\""), broken);
	assert_int_equal(attr(svg, "data-reconnects"), reconnects);
	assert_int_equal(count(svg, "class=\"reconnect\""), reconnects);
	/* ue1 is at both flows' ends: its handovers, migration and losses are marked */
	assert_int_equal(attr(svg, "data-handovers"), handovers(&ev, "ue1"));
	assert_int_equal(count(svg, "class=\"ho\""), handovers(&ev, "ue1"));
	assert_int_equal(attr(svg, "data-migrations"), mg.n);
	assert_int_equal(count(svg, "class=\"mig\""), mg.n);
	d = chart(html, "rtt-ue1");
	assert_int_equal(attr(svg, "data-losses"), attr(d, "data-losses"));
	free(d);
	assert_null(strstr(svg, "no data"));
	free(svg);
	free(html);
	csv_free(&tp);
	csv_free(&ev);
	csv_free(&mg);
	quickstart_fixture();
}

/* The flows table: summary.json's goodput figures, and the rows throughput.csv has. */
static void test_traffic_table(void **state)
{
	static const char *const keys[] = {"mean", "before", "during", "after"};
	struct json_object *o;
	struct csv tp;
	char *html, *summary, want[64], key[96], line[160];

	(void)state;
	traffic_fixture();
	csv_load("throughput.csv", &tp);
	summary = support_file_read(fixture, "summary.json", NULL);
	assert_non_null(summary);
	assert_int_equal(results_json_parse(summary, strlen(summary), "summary.json", &o, NULL), 0);
	html = report_make(fixture, 0, NULL);
	assert_non_null(strstr(html, "<table id=\"summary-flows\">"));
	for (size_t i = 0; i < json_object_array_length(results_json_get(o, "flows")); i++) {
		struct json_object *x = json_object_array_get_idx(results_json_get(o, "flows"), i);
		const char *name = results_json_str(x, "name", "?");
		unsigned rows = 0;

		for (unsigned k = 0; k < 4; k++) {
			snprintf(key, sizeof(key), "goodput_mbps.%s", keys[k]);
			snprintf(want, sizeof(want), "%.3f", results_json_double(x, key, NAN));
			snprintf(key, sizeof(key), "flow.%s.%s", name, keys[k]);
			cell_equal(html, key, want);
		}
		snprintf(want, sizeof(want), "%.3f",
			 results_json_double(x, "bytes", NAN) / 1048576.0);
		snprintf(key, sizeof(key), "flow.%s.mib", name);
		cell_equal(html, key, want);
		for (size_t r = 0; r < tp.n; r++)
			rows += !strcmp(tp.rows[r].f[1], name);
		snprintf(want, sizeof(want), "%u", rows);
		snprintf(key, sizeof(key), "flow.%s.rows", name);
		cell_equal(html, key, want);
		/* the times it broke: none, once */
		snprintf(key, sizeof(key), "flow.%s.broken", name);
		snprintf(line, sizeof(line), "data-k=\"%s\">%s", key,
			 results_json_int(x, "broken", -1) == 0 ? "no"
			 : results_json_int(x, "broken", -1) == 1
			     ? "<span class=\"err\">once</span>"
			     : "?");
		assert_non_null(strstr(html, line));
	}
	free(html);

	/* A run without flows has neither the chart nor the table. */
	quickstart_fixture();
	html = report_make(fixture, 0, NULL);
	assert_null(strstr(html, "summary-flows"));
	assert_null(chart(html, "tput"));
	free(html);
	json_object_put(o);
	free(summary);
	csv_free(&tp);
}

/*
 * A malformed throughput.csv never fails the report nor crashes it: not one (a column
 * missing), garbage, rows it cannot read; with flows in summary.json the chart says why it
 * has no data.
 */
static void test_traffic_bad(void **state)
{
	static const char *const bad[] = {
	    "t_s,flow,bytes\n1.0,dl,10\n",
	    "\x01\xff\"\"\",,,\n\n\n",
	    "t_s,flow,bytes,mbps\n1.0,dl,-5,1e999\nnan,dl,1,1\n,,,\n",
	    "",
	};
	static const char *const why[] = {
	    "no column 'mbps'", "no column",
	    "3 bad rows in throughput.csv, the first: ", "no rows in"};
	char dir[128], *html, *svg;

	(void)state;
	traffic_fixture();
	snprintf(dir, sizeof(dir), "%s/bad-tput", support_tmp);
	assert_int_equal(mkdir(dir, 0755), 0);
	copy_file(fixture, "events.csv", dir);
	copy_file(fixture, "summary.json", dir);
	copy_file(fixture, "rtt.csv", dir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		support_file_write(dir, "throughput.csv", bad[i]);
		html = report_make(dir, 0, NULL);
		svg = chart(html, "tput");
		assert_non_null(svg);
		assert_int_equal(attr(svg, "data-points"), 0);
		if (!strstr(svg, why[i]))
			fail_msg("throughput.csv %zu: the chart does not say %s", i, why[i]);
		assert_non_null(strstr(svg, "no data: "));
		/* the table still lists summary.json's flows, with no rows */
		cell_equal(html, "flow.dl.rows", "0");
		free(svg);
		free(html);
	}
	/* A flow's name is the run's text: in the page escaped, wherever it goes */
	support_file_write(dir, "throughput.csv",
			   "t_s,flow,bytes,mbps\n1.0,<script>&x,125000,10\n1.1,<script>&x,1,1\n");
	html = report_make(dir, 0, NULL);
	assert_null(strstr(html, "<script"));
	assert_non_null(strstr(html, "data-flow=\"&lt;script&gt;&amp;x\""));
	assert_non_null(strstr(html, "data-k=\"flow.&lt;script&gt;&amp;x.rows\">2<"));
	free(html);
	/* summary.json names flows, throughput.csv is not there: the chart says so */
	snprintf(dir, sizeof(dir), "%s/bad-tput/throughput.csv", support_tmp);
	assert_int_equal(unlink(dir), 0);
	snprintf(dir, sizeof(dir), "%s/bad-tput", support_tmp);
	html = report_make(dir, 0, NULL);
	svg = chart(html, "tput");
	assert_non_null(svg);
	assert_non_null(strstr(svg, "no data: throughput.csv is missing"));
	free(svg);
	free(html);
	quickstart_fixture();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_charts),
	    cmocka_unit_test(test_summary),
	    cmocka_unit_test(test_downsampling),
	    cmocka_unit_test(test_short_and_missing),
	    cmocka_unit_test(test_interrupted_failed),
	    cmocka_unit_test(test_self_contained),
	    cmocka_unit_test(test_png),
	    cmocka_unit_test(test_traffic_chart),
	    cmocka_unit_test(test_traffic_table),
	    cmocka_unit_test(test_traffic_bad),
	};

	return cmocka_run_group_tests(tests, setup, support_tmp_teardown);
}
