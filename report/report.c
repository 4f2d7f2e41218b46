/* SPDX-License-Identifier: MIT */
/*
 * `edgemu report DIR`: one self-contained report.html from the results folder of `edgemu
 * run` (HTML, CSS and inline SVG: no network, no scripts), with the RTT of every UE over time
 * (handovers and migrations marked), a map of the cells, their edges and the UEs' paths, a
 * timeline of each migration, and the summary table; with --png each chart as a PNG too.
 *
 * Every number comes from the CSV files (scenario.yaml adds the cells and edges of the map);
 * meta.json and summary.json only add the header's few facts, read with a scanner for the
 * keys edgemu writes. A run cut short leaves files short or missing: their charts say "no
 * data". Each chart is an <svg> with a stable id (rtt-<ue>, map, mig-<n>) and data-points,
 * the number of data points it draws, so tests can hold it against the CSV files.
 */
#include "cli/cli.h"
#include "cli/num.h"
#include "report/report.h"

#include "cli/text.h"
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define W 900 /* every chart's width in px; the page scales it down */
#define MAX_FIELDS 24
#define FONT "DejaVu Sans, Liberation Sans, Helvetica, Arial, sans-serif"
#define RSVG "rsvg-convert"

static const char *const palette[] = {"#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
				      "#e377c2", "#17becf", "#7f7f7f", "#bcbd22", "#393b79"};
#define N_PALETTE (sizeof(palette) / sizeof(palette[0]))
#define C_LOSS "#d62728"
#define C_HO "#444"
#define C_MIG "#fdd9a8"
#define C_FROZEN "#f08a24"
#define C_FLIP "#8c3b00"

struct strtab {
	char **v;
	size_t n, cap;
};

struct rtt_row {
	double t_s, rtt_ms;
	unsigned ue, target;
	bool loss;
	size_t line; /* keeps the file's order among equal times */
};

struct ev_row {
	double t_s;
	int ue; /* -1: the run's own */
	char *event, *detail;
};

struct pos_row {
	double t_s, x, y;
	unsigned ue;
	size_t line;
};

struct mig_row {
	unsigned n;
	unsigned ue;
	char *service, *from, *to, *strategy, *error;
	double decided_s, start_s, freeze_s, resume_s, flip_s, end_s;
	double done_s; /* its migration_done or _failed event, 0: none */
	double downtime_ms, gap_ms, total_ms;
	char until[16]; /* where the downtime ended: destination, source, end; "": unsaid */
	uint64_t pages, bytes;
	unsigned rounds;
	bool ok;
};

struct chart {
	char id[64];
	char *svg;
	size_t len;
};

struct report {
	const char *dir;
	unsigned max_points;
	struct topo_model *m; /* NULL when scenario.yaml cannot be read */
	char scenario_note[TOPO_ERR_MAX + 64];
	struct strtab ues, targets;
	int *ue_target; /* per UE: the target its RTT summary counts, -1: every one */
	struct rtt_row *rtt;
	size_t n_rtt, cap_rtt, *rtt_from; /* rtt_from[u]..rtt_from[u + 1]: UE u's rows */
	struct ev_row *ev;
	size_t n_ev, cap_ev;
	struct pos_row *pos;
	size_t n_pos, cap_pos, *pos_from;
	struct mig_row *mig;
	size_t n_mig, cap_mig;
	bool have_rtt, have_pos, have_mig;
	double t_end;
	char *meta, *summary; /* the JSON files' text, or NULL */
	struct chart *charts;
	size_t n_charts, cap_charts;
};

/* ---- reading ---- */

static int grow(void **v, size_t *cap, size_t size)
{
	size_t c = *cap ? *cap * 2 : 64;
	void *p = realloc(*v, c * size);

	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = c;
	return 0;
}

#define ROOM(arr, n, cap) ((n) < (cap) ? 0 : grow((void **)&(arr), &(cap), sizeof(*(arr))))

static int intern(struct strtab *t, const char *s)
{
	char *d;

	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i], s))
			return (int)i;
	if (ROOM(t->v, t->n, t->cap) < 0 || !(d = strdup(s)))
		return -ENOMEM;
	t->v[t->n] = d;
	return (int)t->n++;
}

/* Splits a CSV line in place at commas outside double quotes, quotes dropped. */
static unsigned csv_split(char *s, char **f, unsigned max)
{
	char *w = s;
	unsigned n = 0;

	s[strcspn(s, "\r\n")] = '\0';
	while (n < max) {
		bool quoted = false, last;

		f[n++] = w;
		for (;; s++) {
			if (*s == '"') {
				quoted = !quoted;
				continue;
			}
			if (!*s || (*s == ',' && !quoted))
				break;
			*w++ = *s;
		}
		last = !*s;
		*w++ = '\0';
		if (last)
			break;
		s++;
	}
	return n;
}

static bool num(const char *s, double *v)
{
	char *end;

	if (!*s)
		return false;
	errno = 0;
	*v = strtod(s, &end);
	return !*end && !errno && isfinite(*v);
}

static int csv_read(struct report *r, const char *name, unsigned min_fields,
		    int (*fn)(struct report *r, char **f, unsigned n, size_t line))
{
	char path[PATH_MAX], *line = NULL, *f[MAX_FIELDS];
	size_t cap = 0, no = 0;
	ssize_t len;
	FILE *in;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/%s", r->dir, name);
	in = fopen(path, "re");
	if (!in)
		return -errno;
	while (rc == 0 && (len = getline(&line, &cap, in)) > 0) {
		unsigned n;

		/* The header; and a line cut short by a run killed while writing it. */
		if (no++ == 0 || line[len - 1] != '\n')
			continue;
		n = csv_split(line, f, MAX_FIELDS);
		if (n >= min_fields)
			rc = fn(r, f, n, no);
	}
	free(line);
	fclose(in);
	return rc;
}

static int on_rtt(struct report *r, char **f, unsigned n, size_t line)
{
	struct rtt_row row = {.line = line};
	int ue, tg;

	(void)n;
	if (!num(f[0], &row.t_s))
		return 0;
	row.loss = !*f[4];
	if (!row.loss && !num(f[4], &row.rtt_ms))
		return 0;
	ue = intern(&r->ues, f[1]);
	tg = intern(&r->targets, f[2]);
	if (ue < 0 || tg < 0 || ROOM(r->rtt, r->n_rtt, r->cap_rtt) < 0)
		return -ENOMEM;
	row.ue = (unsigned)ue;
	row.target = (unsigned)tg;
	r->rtt[r->n_rtt++] = row;
	return 0;
}

static int on_event(struct report *r, char **f, unsigned n, size_t line)
{
	struct ev_row e = {.ue = -1};

	(void)n;
	(void)line;
	if (!num(f[0], &e.t_s))
		return 0;
	if (strcmp(f[2], "-") && (e.ue = intern(&r->ues, f[2])) < 0)
		return -ENOMEM;
	if (ROOM(r->ev, r->n_ev, r->cap_ev) < 0)
		return -ENOMEM;
	e.event = strdup(f[1]);
	e.detail = strdup(f[3]);
	if (!e.event || !e.detail) {
		free(e.event);
		free(e.detail);
		return -ENOMEM;
	}
	r->ev[r->n_ev++] = e;
	return 0;
}

static int on_pos(struct report *r, char **f, unsigned n, size_t line)
{
	struct pos_row p = {.line = line};
	int ue;

	(void)n;
	if (!num(f[0], &p.t_s) || !num(f[2], &p.x) || !num(f[3], &p.y))
		return 0;
	ue = intern(&r->ues, f[1]);
	if (ue < 0 || ROOM(r->pos, r->n_pos, r->cap_pos) < 0)
		return -ENOMEM;
	p.ue = (unsigned)ue;
	r->pos[r->n_pos++] = p;
	return 0;
}

/* n,ue,service,from,to,strategy,decided_s,start_s,freeze_s,resume_s,flip_s,end_s,
 * downtime_ms,client_gap_ms,total_ms,pages,bytes,rounds,ok,error[,thaw_s,downtime_until] */
static int on_mig(struct report *r, char **f, unsigned n, size_t line)
{
	struct mig_row g = {0};
	double v[12];
	int ue;

	(void)line;
	for (unsigned i = 0; i < 12; i++)
		if (!num(f[i < 1 ? 0 : i + 5], &v[i]))
			return 0;
	ue = intern(&r->ues, f[1]);
	if (ue < 0 || ROOM(r->mig, r->n_mig, r->cap_mig) < 0)
		return -ENOMEM;
	g.n = (unsigned)v[0];
	g.ue = (unsigned)ue;
	g.decided_s = v[1];
	g.start_s = v[2];
	g.freeze_s = v[3];
	g.resume_s = v[4];
	g.flip_s = v[5];
	g.end_s = v[6];
	g.downtime_ms = v[7];
	g.gap_ms = v[8];
	g.total_ms = v[9];
	g.pages = (uint64_t)v[10];
	g.bytes = (uint64_t)v[11];
	g.rounds = (unsigned)strtoul(f[17], NULL, 10);
	g.ok = !strcmp(f[18], "yes");
	g.service = strdup(f[2]);
	g.from = strdup(f[3]);
	g.to = strdup(f[4]);
	g.strategy = strdup(f[5]);
	g.error = strdup(n > 19 ? f[19] : "");
	snprintf(g.until, sizeof(g.until), "%s", n > 21 ? f[21] : "");
	r->mig[r->n_mig++] = g;
	if (!g.service || !g.from || !g.to || !g.strategy || !g.error)
		return -ENOMEM;
	return 0;
}

static int read_all(const char *path, char **ret, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *in = fopen(path, "re"), *out;

	if (!in)
		return -errno;
	out = open_memstream(&buf, &len);
	if (!out) {
		fclose(in);
		return -ENOMEM;
	}
	for (int c; (c = getc(in)) != EOF;)
		putc(c, out);
	fclose(in);
	if (fclose(out)) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	if (ret_len)
		*ret_len = len;
	return 0;
}

/*
 * The scalar value of "key" (the first after "within" when given) in a JSON text edgemu
 * wrote; false when absent or null. Enough for meta.json and summary.json: their keys are
 * known and none holds another's name.
 */
static bool json_get(const char *text, const char *within, const char *key, char *out, size_t len)
{
	char pat[64];
	const char *p = text;
	size_t k = 0;

	if (!text || !len)
		return false;
	if (within) {
		snprintf(pat, sizeof(pat), "\"%s\":", within);
		p = strstr(p, pat);
		if (!p)
			return false;
		p += strlen(pat);
	}
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(p, pat);
	if (!p)
		return false;
	p += strlen(pat);
	if (*p == '"') {
		for (p++; *p && *p != '"' && k + 1 < len; p++) {
			if (*p == '\\' && p[1]) {
				p++;
				if (*p == 'u') { /* control characters only, as edgemu writes */
					p += strspn(p + 1, "0123456789abcdefABCDEF") > 3 ? 4 : 0;
					out[k++] = '?';
					continue;
				}
			}
			out[k++] = *p;
		}
	} else {
		for (; *p && !strchr(",}] \n", *p) && k + 1 < len; p++)
			out[k++] = *p;
	}
	out[k] = '\0';
	return k && strcmp(out, "null");
}

/* Traces are named relative to the scenario file: read it as if it were where it ran from. */
static void scenario_load(struct report *r)
{
	char path[PATH_MAX], orig[PATH_MAX];
	struct topo_err err, err2;
	struct topo_model *m;
	char *text;
	size_t len;

	snprintf(path, sizeof(path), "%s/scenario.yaml", r->dir);
	if (access(path, R_OK) < 0) {
		snprintf(r->scenario_note, sizeof(r->scenario_note), "%.400s: %s", path,
			 strerror(errno));
		return;
	}
	if (topo_parse_file(path, &m, &err) == 0) {
		r->m = m;
		return;
	}
	if (json_get(r->meta, NULL, "scenario", orig, sizeof(orig)) &&
	    read_all(path, &text, &len) == 0) {
		int rc = topo_parse_string(text, len, orig, &m, &err2);

		free(text);
		if (rc == 0) {
			r->m = m;
			return;
		}
	}
	snprintf(r->scenario_note, sizeof(r->scenario_note), "%s", err.msg);
}

/* Rows by UE, then time, then the file's order. */
static int by_ue_time(unsigned ua, double ta, size_t la, unsigned ub, double tb, size_t lb)
{
	if (ua != ub)
		return ua < ub ? -1 : 1;
	if (ta != tb)
		return ta < tb ? -1 : 1;
	return la < lb ? -1 : la > lb;
}

static int cmp_rtt(const void *a, const void *b)
{
	const struct rtt_row *x = a, *y = b;

	return by_ue_time(x->ue, x->t_s, x->line, y->ue, y->t_s, y->line);
}

static int cmp_pos(const void *a, const void *b)
{
	const struct pos_row *x = a, *y = b;

	return by_ue_time(x->ue, x->t_s, x->line, y->ue, y->t_s, y->line);
}

static bool is_handover(const struct ev_row *e)
{
	/* The first attach (and a re-attach after losing every cell) is no handover. */
	return !strcmp(e->event, "handover") && !strstr(e->detail, "(attach)");
}

/* The end of migration g: its done or failed event, else its end, else still running. */
static double mig_done(const struct report *r, const struct mig_row *g)
{
	return g->done_s > 0 ? g->done_s : g->end_s > 0 ? g->end_s : r->t_end;
}

/*
 * When the service answered again after the freeze, 0: it never froze. A failed migration's
 * downtime runs past its resume_s of 0 (to the source's thaw, or the end of the run).
 */
static double mig_frozen_end(const struct mig_row *g)
{
	if (!(g->freeze_s > 0))
		return 0.0;
	if (g->resume_s >= g->freeze_s)
		return g->resume_s;
	return g->freeze_s + g->downtime_ms / 1000.0;
}

static int report_load(struct report *r, struct topo_err *err)
{
	char path[PATH_MAX];
	struct stat st;
	int rc;

	if (stat(r->dir, &st) < 0)
		return topo_err_set(err, -errno, "results folder %s: %s", r->dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return topo_err_set(err, -ENOTDIR, "results folder %s: not a folder", r->dir);
	snprintf(path, sizeof(path), "%s/meta.json", r->dir);
	read_all(path, &r->meta, NULL);
	snprintf(path, sizeof(path), "%s/summary.json", r->dir);
	read_all(path, &r->summary, NULL);
	scenario_load(r);
	/* The scenario's UEs first, in its order; then any other the files name. */
	for (unsigned i = 0; r->m && i < r->m->n_nodes; i++)
		if (r->m->nodes[i].kind == TOPO_UE && intern(&r->ues, r->m->nodes[i].name) < 0)
			return topo_err_set(err, -ENOMEM, "out of memory");
	rc = csv_read(r, "events.csv", 4, on_event);
	if (rc < 0)
		return topo_err_set(err, rc, "%s/events.csv: %s%s", r->dir, strerror(-rc),
				    rc == -ENOENT ? " (not a results folder of edgemu run?)" : "");
	rc = csv_read(r, "rtt.csv", 5, on_rtt);
	r->have_rtt = rc != -ENOENT;
	if (rc == 0 || rc == -ENOENT) {
		rc = csv_read(r, "positions.csv", 4, on_pos);
		r->have_pos = rc != -ENOENT;
	}
	if (rc == 0 || rc == -ENOENT) {
		rc = csv_read(r, "migrations.csv", 19, on_mig);
		r->have_mig = rc != -ENOENT;
	}
	if (rc < 0 && rc != -ENOENT)
		return topo_err_set(err, rc, "reading %s: %s", r->dir, strerror(-rc));

	if (r->n_rtt)
		qsort(r->rtt, r->n_rtt, sizeof(*r->rtt), cmp_rtt);
	if (r->n_pos)
		qsort(r->pos, r->n_pos, sizeof(*r->pos), cmp_pos);
	r->rtt_from = calloc(r->ues.n + 1, sizeof(size_t));
	r->pos_from = calloc(r->ues.n + 1, sizeof(size_t));
	r->ue_target = calloc(r->ues.n + 1, sizeof(int));
	if (!r->rtt_from || !r->pos_from || !r->ue_target)
		return topo_err_set(err, -ENOMEM, "out of memory");
	for (size_t u = 0, i = 0, j = 0; u <= r->ues.n; u++) {
		r->rtt_from[u] = i;
		r->pos_from[u] = j;
		while (i < r->n_rtt && r->rtt[i].ue == u)
			i++;
		while (j < r->n_pos && r->pos[j].ue == u)
			j++;
	}

	/* How long it ran: its end event, else the last thing it recorded. */
	for (size_t i = 0; i < r->n_ev; i++) {
		if (r->ev[i].ue < 0 &&
		    (!strcmp(r->ev[i].event, "end") || !strcmp(r->ev[i].event, "interrupted") ||
		     !strcmp(r->ev[i].event, "error")))
			r->t_end = r->ev[i].t_s;
	}
	if (!(r->t_end > 0)) {
		for (size_t i = 0; i < r->n_ev; i++)
			r->t_end = fmax(r->t_end, r->ev[i].t_s);
		for (size_t i = 0; i < r->n_rtt; i++)
			r->t_end = fmax(r->t_end, r->rtt[i].t_s);
		for (size_t i = 0; i < r->n_pos; i++)
			r->t_end = fmax(r->t_end, r->pos[i].t_s);
		for (size_t i = 0; i < r->n_mig; i++)
			r->t_end = fmax(r->t_end, r->mig[i].end_s);
	}
	if (!(r->t_end > 0))
		r->t_end = r->m && r->m->duration_ns ? (double)r->m->duration_ns / 1e9 : 1.0;

	/* One migration at a time per UE: its k-th row ends with its k-th done/failed event. */
	for (size_t k = 0; k < r->n_mig; k++) {
		size_t nth = 0, seen = 0;

		for (size_t q = 0; q < k; q++)
			nth += r->mig[q].ue == r->mig[k].ue;
		for (size_t i = 0; i < r->n_ev; i++) {
			if (r->ev[i].ue != (int)r->mig[k].ue ||
			    (strcmp(r->ev[i].event, "migration_done") &&
			     strcmp(r->ev[i].event, "migration_failed")))
				continue;
			if (seen++ == nth) {
				r->mig[k].done_s = r->ev[i].t_s;
				break;
			}
		}
	}

	/* The runner counts the answers to the UE's service: its first probe's, or the first. */
	for (size_t u = 0; u < r->ues.n; u++) {
		int node = r->m ? topo_node_find(r->m, r->ues.v[u]) : -1;
		const char *svc = NULL;

		r->ue_target[u] = -1;
		if (node < 0)
			continue;
		for (unsigned p = 0; p < r->m->n_probes && !svc; p++)
			if (r->m->probes[p].from == (unsigned)node && r->m->probes[p].to_service)
				svc = r->m->services[r->m->probes[p].to].name;
		if (!svc && r->m->n_services)
			svc = r->m->services[0].name;
		if (svc && (r->ue_target[u] = intern(&r->targets, svc)) < 0)
			return topo_err_set(err, -ENOMEM, "out of memory");
	}
	return 0;
}

static void report_free(struct report *r)
{
	for (size_t i = 0; i < r->ues.n; i++)
		free(r->ues.v[i]);
	for (size_t i = 0; i < r->targets.n; i++)
		free(r->targets.v[i]);
	for (size_t i = 0; i < r->n_ev; i++) {
		free(r->ev[i].event);
		free(r->ev[i].detail);
	}
	for (size_t i = 0; i < r->n_mig; i++) {
		free(r->mig[i].service);
		free(r->mig[i].from);
		free(r->mig[i].to);
		free(r->mig[i].strategy);
		free(r->mig[i].error);
	}
	for (size_t i = 0; i < r->n_charts; i++)
		free(r->charts[i].svg);
	free(r->ues.v);
	free(r->targets.v);
	free(r->ue_target);
	free(r->rtt);
	free(r->rtt_from);
	free(r->ev);
	free(r->pos);
	free(r->pos_from);
	free(r->mig);
	free(r->charts);
	free(r->meta);
	free(r->summary);
	topo_model_free(r->m);
}

/* ---- numbers ---- */

/* 0 before any migration of the UE, 1 from a decision to that migration's end, 2 after. */
static int phase_of(const struct report *r, unsigned ue, double t)
{
	int ph = 0;

	for (size_t k = 0; k < r->n_mig; k++) {
		const struct mig_row *g = &r->mig[k];

		if (g->ue != ue || !(t > g->decided_s))
			continue;
		if (t <= mig_done(r, g))
			return 1;
		ph = 2;
	}
	return ph;
}

static bool counts(const struct report *r, const struct rtt_row *x)
{
	return !x->loss && (r->ue_target[x->ue] < 0 || x->target == (unsigned)r->ue_target[x->ue]);
}

/* ---- drawing ---- */

/* <text> at (x, y); anchor "start", "middle" or "end"; attrs go in as they are. */
__attribute__((format(printf, 7, 8))) static void label(FILE *f, double x, double y,
							const char *anchor, int size,
							const char *attrs, const char *fmt, ...)
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

struct plot {
	double x0, y0, w, h;	   /* px */
	double xlo, xhi, ylo, yhi; /* data */
};

static double px(const struct plot *p, double x)
{
	return p->x0 + (x - p->xlo) / (p->xhi - p->xlo) * p->w;
}

static double py(const struct plot *p, double y)
{
	return p->y0 + p->h - (y - p->ylo) / (p->yhi - p->ylo) * p->h;
}

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static double nice_step(double range, int ticks)
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
static void axes(FILE *f, const struct plot *p, double xstep, double ystep, const char *xname,
		 const char *yname)
{
	double first;

	fputs("<g class=\"axes\" stroke=\"#e3e3e3\" stroke-width=\"1\">", f);
	first = ceil(p->xlo / xstep - 1e-9) * xstep;
	for (int k = 0; k < 200; k++) {
		double v = first + k * xstep, x = px(p, v);

		if (v > p->xhi + xstep * 1e-9)
			break;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x, p->y0, x,
			p->y0 + p->h);
	}
	first = ceil(p->ylo / ystep - 1e-9) * ystep;
	for (int k = 0; k < 200 && yname; k++) {
		double v = first + k * ystep, y = py(p, v);

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
		label(f, px(p, v), p->y0 + p->h + 15, "middle", 11, NULL, "%.*f", decimals(xstep),
		      fabs(v) < xstep * 1e-9 ? 0.0 : v);
	}
	first = ceil(p->ylo / ystep - 1e-9) * ystep;
	for (int k = 0; k < 200 && yname; k++) {
		double v = first + k * ystep;

		if (v > p->yhi + ystep * 1e-9)
			break;
		label(f, p->x0 - 6, py(p, v) + 4, "end", 11, NULL, "%.*f", decimals(ystep),
		      fabs(v) < ystep * 1e-9 ? 0.0 : v);
	}
	fputs("</g>", f);
	fprintf(f,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
		"stroke=\"#777\"/>",
		p->x0, p->y0, p->w, p->h);
	label(f, p->x0 + p->w / 2, p->y0 + p->h + 33, "middle", 12, "fill=\"#222\"", "%s", xname);
	if (yname)
		label(f, -(p->y0 + p->h / 2), p->x0 - 46, "middle", 12,
		      "transform=\"rotate(-90)\" fill=\"#222\"", "%s", yname);
}

/* A legend's items in a row, left to right. */
struct legend {
	FILE *f;
	double x, y;
};

static void legend_item(struct legend *l, const char *kind, const char *colour, const char *what)
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
	label(f, x + 22, y, "start", 11, "fill=\"#222\"", "%s", what);
	l->x += 22 + 6.3 * (double)strlen(what) + 16;
}

static void title(FILE *f, const char *what)
{
	label(f, 12, 20, "start", 15, "font-weight=\"bold\" fill=\"#111\"", "%s", what);
}

static void no_data(FILE *f, const struct plot *p, const char *why)
{
	label(f, p->x0 + p->w / 2, p->y0 + p->h / 2, "middle", 14,
	      "class=\"no-data\" fill=\"#777\"", "no data: %s", why);
}

/* A chart from the body drawn into a memory stream: the <svg> around it. */
static int chart_add(struct report *r, const char *id, int h, const char *what, const char *attrs,
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
	cli_html(f, what);
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

/* The cell a handover event went to ("from enb1 to enb2 (a3)"). */
static void handover_to(const char *detail, char *out, size_t len)
{
	const char *p = strstr(detail, " to ");

	snprintf(out, len, "%.*s", p ? (int)strcspn(p + 4, " (") : 1, p ? p + 4 : "?");
}

/* ---- RTT over time, one chart per UE ---- */

static int chart_rtt(struct report *r, unsigned u)
{
	const char *ue = r->ues.v[u];
	size_t from = r->rtt_from[u], to = r->rtt_from[u + 1], n = to - from;
	struct plot p = {.x0 = 64, .y0 = 50, .w = W - 64 - 20, .h = 210};
	unsigned n_ans = 0, n_loss = 0, drawn = 0, n_ho = 0, n_mig = 0, marks = 0, cap;
	size_t *per = NULL, n_series = 0, n_sel = 0;
	int *series = NULL, h = (int)(p.y0 + p.h + 46), rc = 0;
	char *body = NULL, id[64], what[256], attrs[256], note[256] = "";
	double ymax = 0, *dt = NULL, ystep;
	bool *keep = NULL;
	size_t body_len = 0;
	struct legend lg;
	FILE *f;

	series = malloc((r->targets.n + 1) * sizeof(*series));
	per = calloc(r->targets.n + 1, sizeof(*per));
	keep = calloc(n + 1, sizeof(*keep));
	dt = malloc((n + 1) * sizeof(*dt));
	if (!series || !per || !keep || !dt) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t t = 0; t < r->targets.n; t++)
		series[t] = -1;
	for (size_t i = from; i < to; i++) {
		const struct rtt_row *x = &r->rtt[i];

		if (x->loss) {
			n_loss++;
			continue;
		}
		if (series[x->target] < 0)
			series[x->target] = (int)n_series++;
		per[x->target]++;
		n_ans++;
		ymax = fmax(ymax, x->rtt_ms);
	}
	cap = r->max_points / (unsigned)(n_series ? n_series : 1);
	if (cap < 2)
		cap = 2;
	/* Long series keep the lowest and highest RTT of each of cap / 2 equal slices. */
	for (size_t t = 0; t < r->targets.n; t++) {
		size_t i = 0, lo = 0, hi = 0, buckets = cap / 2;
		long cur = -1;

		if (!per[t])
			continue;
		for (size_t k = from; k < to; k++) {
			const struct rtt_row *x = &r->rtt[k];
			long b;

			if (x->loss || x->target != t)
				continue;
			if (per[t] <= cap) {
				keep[k - from] = true;
				continue;
			}
			b = (long)((uint64_t)i++ * buckets / per[t]);
			if (b != cur) {
				if (cur >= 0)
					keep[lo - from] = keep[hi - from] = true;
				cur = b;
				lo = hi = k;
			} else {
				if (x->rtt_ms < r->rtt[lo].rtt_ms)
					lo = k;
				if (x->rtt_ms > r->rtt[hi].rtt_ms)
					hi = k;
			}
		}
		if (cur >= 0)
			keep[lo - from] = keep[hi - from] = true;
	}
	for (size_t k = from; k < to; k++)
		drawn += keep[k - from];

	p.xlo = 0;
	p.xhi = r->t_end;
	p.ylo = 0;
	ystep = nice_step(n_ans ? ymax * 1.05 : 10, 5);
	p.yhi = n_ans ? ceil(ymax * 1.05 / ystep) * ystep : 10;
	if (!(p.yhi > 0))
		p.yhi = ystep;

	f = open_memstream(&body, &body_len);
	if (!f) {
		rc = -ENOMEM;
		goto out;
	}
	/* Migrations under everything: decided to done, the frozen span darker, the flip. */
	for (size_t k = 0; k < r->n_mig; k++) {
		const struct mig_row *g = &r->mig[k];
		double a = px(&p, clampd(g->decided_s, p.xlo, p.xhi)),
		       b = px(&p, clampd(mig_done(r, g), p.xlo, p.xhi));

		if (g->ue != u)
			continue;
		n_mig++;
		fprintf(f,
			"<rect class=\"mig\" data-n=\"%u\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			"height=\"%.1f\" fill=\"" C_MIG "\"/>",
			g->n, a, p.y0, fmax(b - a, 1.5), p.h);
		if (mig_frozen_end(g) > 0) {
			a = px(&p, clampd(g->freeze_s, p.xlo, p.xhi));
			b = px(&p, clampd(mig_frozen_end(g), p.xlo, p.xhi));
			fprintf(f,
				"<rect class=\"frozen\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				"height=\"%.1f\" fill=\"" C_FROZEN "\"/>",
				a, p.y0, fmax(b - a, 1.5), p.h);
		}
		if (g->flip_s > 0) {
			a = px(&p, clampd(g->flip_s, p.xlo, p.xhi));
			fprintf(f,
				"<path class=\"flip\" d=\"M%.1f,%.1fv%.1f\" stroke=\"" C_FLIP
				"\" stroke-width=\"1.5\"/>",
				a, p.y0, p.h);
		}
		label(f, px(&p, clampd(g->decided_s, p.xlo, p.xhi)) + 3, p.y0 + 23, "start", 10,
		      "fill=\"" C_FLIP "\"", "mig %u", g->n);
	}
	axes(f, &p, nice_step(p.xhi - p.xlo, 10), ystep, "time since the start (s)", "RTT (ms)");
	for (size_t i = 0; i < r->n_ev; i++)
		n_ho += r->ev[i].ue == (int)u && is_handover(&r->ev[i]);
	for (size_t i = 0; i < r->n_ev; i++) {
		const struct ev_row *e = &r->ev[i];
		char cell[64];
		double x;

		if (e->ue != (int)u || !is_handover(e))
			continue;
		x = px(&p, clampd(e->t_s, p.xlo, p.xhi));
		handover_to(e->detail, cell, sizeof(cell));
		fprintf(f,
			"<path class=\"ho\" d=\"M%.1f,%.1fv%.1f\" stroke=\"" C_HO "\" "
			"stroke-width=\"1.2\" stroke-dasharray=\"4 3\"/>",
			x, p.y0, p.h);
		if (n_ho <= 20)
			label(f, x + 3, p.y0 + 11, "start", 10, "fill=\"" C_HO "\"", "\u2192%s",
			      cell);
	}
	/* One line per target, broken at a loss and across a gap of no answers. */
	for (size_t t = 0; t < r->targets.n; t++) {
		size_t n_dt = 0, kept = 0;
		double last = -1, thr;
		bool brk = true;

		if (!per[t])
			continue;
		for (size_t k = from; k < to; k++) {
			const struct rtt_row *x = &r->rtt[k];

			if (x->loss || x->target != t)
				continue;
			if (last >= 0)
				dt[n_dt++] = x->t_s - last;
			last = x->t_s;
			kept += keep[k - from];
		}
		qsort(dt, n_dt, sizeof(*dt), cli_cmp_double);
		thr = 5 * (n_dt ? dt[n_dt / 2] : 1) * (double)per[t] / (double)(kept ? kept : 1);
		fprintf(f,
			"<path class=\"rtt\" data-target=\"%s\" data-points=\"%zu\" fill=\"none\" "
			"stroke=\"%s\" stroke-width=\"1.3\" stroke-linejoin=\"round\" "
			"stroke-linecap=\"round\" d=\"",
			r->targets.v[t], kept, palette[series[t] % (int)N_PALETTE]);
		last = -1;
		for (size_t k = from; k < to; k++) {
			const struct rtt_row *x = &r->rtt[k];
			double X, Y;

			if (x->target != t)
				continue;
			if (x->loss) {
				brk = true;
				continue;
			}
			if (!keep[k - from])
				continue;
			X = px(&p, x->t_s);
			Y = py(&p, x->rtt_ms);
			/* h0: a point alone between two breaks still shows, as a dot */
			if (brk || x->t_s - last > thr)
				fprintf(f, "M%.1f,%.1fh0", X, Y);
			else
				fprintf(f, "L%.1f,%.1f", X, Y);
			last = x->t_s;
			brk = false;
		}
		fputs("\"/>", f);
	}
	/* Losses: ticks on the time axis, one per half pixel at most. */
	if (n_loss) {
		long prev = LONG_MIN;

		fputs("<path class=\"loss\" stroke=\"" C_LOSS "\" stroke-width=\"1.5\" d=\"", f);
		for (size_t k = from; k < to; k++) {
			double x;

			if (!r->rtt[k].loss)
				continue;
			x = px(&p, clampd(r->rtt[k].t_s, p.xlo, p.xhi));
			if (lround(x * 2) == prev)
				continue;
			prev = lround(x * 2);
			marks++;
			fprintf(f, "M%.1f,%.1fv-9", x, p.y0 + p.h);
		}
		fputs("\"/>", f);
	}
	if (!n_ans && !n_loss)
		no_data(f, &p,
			!r->have_rtt ? "rtt.csv is missing"
				     : "no probe answers from this UE in rtt.csv");

	for (size_t t = 0; t < r->targets.n; t++)
		n_sel += per[t] > 0;
	snprintf(what, sizeof(what), "RTT of %s", ue);
	if (n_sel == 1)
		for (size_t t = 0; t < r->targets.n; t++)
			if (per[t])
				snprintf(what, sizeof(what), "RTT of %s to %s", ue,
					 r->targets.v[t]);
	title(f, what);
	if (drawn < n_ans)
		snprintf(
		    note, sizeof(note),
		    "downsampled: %u of %u answers drawn (the lowest and highest RTT of each of "
		    "%u equal slices)",
		    drawn, n_ans, cap / 2);
	if (*note)
		label(f, W - 20, 20, "end", 10, "class=\"note\" fill=\"#555\"", "%s", note);
	lg = (struct legend){f, p.x0, 40};
	for (size_t t = 0; t < r->targets.n; t++)
		if (per[t])
			legend_item(&lg, "line", palette[series[t] % (int)N_PALETTE],
				    r->targets.v[t]);
	if (n_loss)
		legend_item(&lg, "tick", C_LOSS, "loss");
	if (n_ho)
		legend_item(&lg, "dash", C_HO, "handover");
	if (n_mig) {
		legend_item(&lg, "box", C_MIG, "migration (decided to done)");
		legend_item(&lg, "box", C_FROZEN, "frozen");
		legend_item(&lg, "line", C_FLIP, "flip");
	}
	if (fclose(f)) {
		rc = -ENOMEM;
		goto out;
	}
	snprintf(id, sizeof(id), "rtt-%s", ue);
	snprintf(attrs, sizeof(attrs),
		 "data-points=\"%u\" data-answers=\"%u\" data-losses=\"%u\" data-loss-marks=\"%u\" "
		 "data-handovers=\"%u\" data-migrations=\"%u\"",
		 drawn, n_ans, n_loss, marks, n_ho, n_mig);
	rc = chart_add(r, id, h, what, attrs, body, body_len);
out:
	free(body);
	free(series);
	free(per);
	free(keep);
	free(dt);
	return rc;
}

/* ---- the map ---- */

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

static int chart_map(struct report *r)
{
	const struct topo_model *m = r->m;
	struct plot p = {.x0 = 64, .y0 = 50, .w = W - 64 - 20};
	struct cell *cells = NULL;
	int *edge_cell = NULL;
	unsigned n_cells = 0, max_edges = 0, n_edges = 0, n_ho = 0, drawn = 0, with_pos = 0;
	double bx0 = INFINITY, by0 = INFINITY, bx1 = -INFINITY, by1 = -INFINITY, s, step;
	double il = 40, it = 30, ib, iw, ih, cx, cy;
	char *body = NULL, attrs[256], loose[512] = "", nopos[512] = "";
	size_t body_len = 0;
	struct legend lg;
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
	step = nice_step(p.w / s, 9);
	notes = (*loose != 0) + (*nopos != 0) + (*r->scenario_note != 0);
	h = (int)(p.y0 + p.h + 44 + 14 * notes);

	f = open_memstream(&body, &body_len);
	if (!f) {
		free(cells);
		free(edge_cell);
		return -ENOMEM;
	}
	axes(f, &p, step, step, "x (m)", "y (m)");
	for (unsigned c = 0; c < n_cells; c++) {
		double x = px(&p, cells[c].x), y = py(&p, cells[c].y);
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
			label(f, x + 10, ey + 4, "start", 11, "fill=\"#234\"", "%s",
			      m->nodes[i].name);
		}
		fprintf(f,
			"<path class=\"cell\" data-name=\"%s\" d=\"M%.1f,%.1fl7,12h-14z\" "
			"fill=\"#222\"/>",
			m->nodes[cells[c].node].name, x, y - 6);
		label(f, x, y - 10, "middle", 12, "font-weight=\"bold\" fill=\"#222\"", "%s",
		      m->nodes[cells[c].node].name);
	}
	for (size_t u = 0; u < r->ues.n; u++) {
		size_t from = r->pos_from[u], to = r->pos_from[u + 1], n = to - from, stride;
		unsigned cap = r->max_points / (with_pos ? with_pos : 1), kept = 0;
		const char *colour = palette[u % N_PALETTE];

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
				fprintf(f, "%s%.1f,%.1f", i ? " " : "", px(&p, r->pos[from + i].x),
					py(&p, r->pos[from + i].y));
		fputs("\"/>", f);
		fprintf(f,
			"<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#fff\" stroke=\"%s\" "
			"stroke-width=\"2\"/>",
			px(&p, r->pos[from].x), py(&p, r->pos[from].y), colour);
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>",
			px(&p, r->pos[to - 1].x), py(&p, r->pos[to - 1].y), colour);
		label(f, px(&p, r->pos[from].x) + 6, py(&p, r->pos[from].y) + 16, "start", 11,
		      "font-weight=\"bold\"", "%s", r->ues.v[u]);
	}
	for (size_t i = 0; i < r->n_ev; i++)
		n_ho += r->ev[i].ue >= 0 && is_handover(&r->ev[i]) &&
			r->pos_from[r->ev[i].ue + 1] > r->pos_from[r->ev[i].ue];
	for (size_t i = 0; i < r->n_ev; i++) {
		const struct ev_row *e = &r->ev[i];
		double x, y;
		char cell[64];

		if (e->ue < 0 || !is_handover(e) || !pos_at(r, (unsigned)e->ue, e->t_s, &x, &y))
			continue;
		x = px(&p, x);
		y = py(&p, y);
		handover_to(e->detail, cell, sizeof(cell));
		fprintf(f,
			"<path class=\"ho\" data-ue=\"%s\" d=\"M%.1f,%.1fl6,6 -6,6 -6,-6z\" "
			"fill=\"%s\" stroke=\"#000\"/>",
			r->ues.v[e->ue], x, y - 6, palette[e->ue % (int)N_PALETTE]);
		if (n_ho <= 30)
			label(f, x, y - 10, "middle", 10, "fill=\"#333\"", "%.1f s \u2192%s",
			      e->t_s, cell);
	}
	if (!n_cells && !r->n_pos)
		no_data(f, &p, "no cell positions in the scenario and no rows in positions.csv");
	else if (!r->n_pos)
		label(f, p.x0 + p.w / 2, p.y0 + p.h - 8, "middle", 12,
		      "class=\"no-data\" fill=\"#777\"", "no UE positions: positions.csv %s",
		      r->have_pos ? "has no rows" : "is missing");
	title(f, "Map: cells, their edges, and each UE's path with its handovers");
	lg = (struct legend){f, p.x0, 40};
	for (size_t u = 0; u < r->ues.n; u++)
		if (r->pos_from[u + 1] > r->pos_from[u])
			legend_item(&lg, "line", palette[u % N_PALETTE], r->ues.v[u]);
	if (n_cells)
		legend_item(&lg, "cell", "#222", "cell (eNB)");
	if (n_edges)
		legend_item(&lg, "edge", "#9ecae1", "edge host");
	if (n_ho)
		legend_item(&lg, "diamond", "#fff", "handover");
	{
		double y = p.y0 + p.h + 50;

		if (*loose)
			label(f, p.x0, y, "start", 11, "class=\"note\" fill=\"#444\"",
			      "edges not linked to a cell: %s", loose),
			    y += 14;
		if (*nopos)
			label(f, p.x0, y, "start", 11, "class=\"note\" fill=\"#444\"",
			      "cells without a position: %s", nopos),
			    y += 14;
		if (*r->scenario_note)
			label(f, p.x0, y, "start", 11, "class=\"note\" fill=\"#444\"",
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
	rc = chart_add(r, "map", h, "Map: cells, their edges, and each UE's path", attrs, body,
		       body_len);
	free(body);
	return rc;
}

/* ---- one timeline per migration ---- */

/* A bar's words: right of it if they fit, else inside it, else left of it. */
static void bar_label(FILE *f, const struct plot *p, double xa, double xb, double y,
		      const char *txt)
{
	double w = 6.3 * (double)strlen(txt);

	if (xb + 5 + w <= p->x0 + p->w)
		label(f, xb + 5, y, "start", 11, "fill=\"#222\"", "%s", txt);
	else if (xb - xa > w + 10)
		label(f, xb - 5, y, "end", 11, "fill=\"#111\"", "%s", txt);
	else
		label(f, xa - 5, y, "end", 11, "fill=\"#222\"", "%s", txt);
}

static int chart_mig(struct report *r, size_t k)
{
	const struct mig_row *g = &r->mig[k];
	const char *ue = r->ues.v[g->ue];
	double t0 = g->decided_s, t1 = t0, done = mig_done(r, g), span, pad, step;
	double gap = 0, gap_a = 0, prev = -1, y, labelled = -100;
	static const char *const rows[] = {"set-up", "live copy", "frozen", "after resume",
					   "UE without answers"};
	enum { R_SETUP, R_LIVE, R_FROZEN, R_AFTER, R_GAP, N_ROWS };
	struct plot p = {.x0 = 170, .y0 = 78, .w = W - 170 - 24, .h = N_ROWS * 26 + 8};
	unsigned drawn = 0, n_rounds = 0;
	char *body = NULL, id[64], what[512], attrs[256], line2[512], txt_[128];
	size_t body_len = 0;
	int h = (int)(p.y0 + p.h + 44), rc;
	FILE *f;

	t1 = fmax(t1, fmax(g->start_s, fmax(g->freeze_s, fmax(g->resume_s, mig_frozen_end(g)))));
	t1 = fmax(t1, fmax(g->flip_s, fmax(g->end_s, g->done_s)));
	/* The UE's longest wait for an answer while the migration ran, as the runner's gap. */
	for (size_t i = r->rtt_from[g->ue]; i < r->rtt_from[g->ue + 1]; i++) {
		const struct rtt_row *x = &r->rtt[i];

		if (!counts(r, x))
			continue;
		if (prev >= 0 && x->t_s > t0 && x->t_s <= done && x->t_s - prev > gap) {
			gap = x->t_s - prev;
			gap_a = prev;
		}
		prev = x->t_s;
	}
	if (gap > 0)
		t1 = fmax(t1, gap_a + gap);
	span = fmax(t1 - fmin(t0, gap > 0 ? gap_a : t0), 1e-3) * 1000;
	pad = span * 0.04;
	p.xlo = (fmin(0, gap > 0 ? (gap_a - t0) * 1000 : 0)) - pad;
	p.xhi = p.xlo + span + 2 * pad;
	p.ylo = 0;
	p.yhi = N_ROWS;
	step = nice_step(p.xhi - p.xlo, 10);

	f = open_memstream(&body, &body_len);
	if (!f)
		return -ENOMEM;
	/* Time in ms from the decision: the x axis; rows only need their names. */
	{
		struct plot q = p;

		q.ylo = 0;
		q.yhi = 1;
		axes(f, &q, step, 2, "ms after the decision", NULL);
	}
	for (unsigned i = 0; i < N_ROWS; i++)
		label(f, p.x0 - 8, p.y0 + 8 + 26 * i + 15, "end", 12, "fill=\"#222\"", "%s",
		      rows[i]);

#define MS(t) (px(&p, ((t)-t0) * 1000))
#define BAR(row, a, b, colour, cls, fmt, ...)                                                      \
	do {                                                                                       \
		double xa_ = MS(a), xb_ = MS(b);                                                   \
		y = p.y0 + 8 + 26 * (row) + 4;                                                     \
		fprintf(f,                                                                         \
			"<rect class=\"bar %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "             \
			"height=\"16\" fill=\"%s\"/>",                                             \
			cls, xa_, y, fmax(xb_ - xa_, 1.5), colour);                                \
		snprintf(txt_, sizeof(txt_), fmt, __VA_ARGS__);                                    \
		bar_label(f, &p, xa_, fmax(xb_, xa_ + 1.5), y + 12, txt_);                         \
		drawn++;                                                                           \
	} while (0)

	if (g->start_s > 0)
		BAR(R_SETUP, t0, g->start_s, "#bdbdbd", "setup", "%.1f ms",
		    (g->start_s - t0) * 1000);
	if (g->start_s > 0) {
		double live_end = g->freeze_s > 0 ? g->freeze_s : g->end_s > 0 ? g->end_s : done;

		BAR(R_LIVE, g->start_s, live_end, "#6baed6", "live", "%.1f ms, %u round%s",
		    (live_end - g->start_s) * 1000, g->rounds, g->rounds == 1 ? "" : "s");
	}
	if (mig_frozen_end(g) > 0)
		BAR(R_FROZEN, g->freeze_s, mig_frozen_end(g), C_FROZEN, "frozen",
		    "%.1f ms (the downtime%s)", (mig_frozen_end(g) - g->freeze_s) * 1000,
		    !strcmp(g->until, "source") ? ", until the source served again"
		    : !strcmp(g->until, "end")	? ": never served again"
						: "");
	if (g->resume_s > 0 && g->end_s >= g->resume_s)
		BAR(R_AFTER, g->resume_s, g->end_s, "#a1d99b", "after", "%.1f ms",
		    (g->end_s - g->resume_s) * 1000);
	if (gap > 0)
		BAR(R_GAP, gap_a, gap_a + gap, "#fb6a4a", "gap", "%.1f ms", gap * 1000);
	else
		label(f, MS(t0) + 4, p.y0 + 8 + 26 * R_GAP + 16, "start", 11, "fill=\"#777\"",
		      "no answers to measure");
	/* Each pre-copy round's end, on the live bar. */
	for (size_t i = 0; i < r->n_ev; i++) {
		const struct ev_row *e = &r->ev[i];
		const char *nn;
		double x;

		if (e->ue != (int)g->ue || strcmp(e->event, "migration_round") || e->t_s < t0 ||
		    e->t_s > done)
			continue;
		x = MS(e->t_s);
		y = p.y0 + 8 + 26 * R_LIVE + 1;
		fprintf(f,
			"<path class=\"round\" d=\"M%.1f,%.1fv22\" stroke=\"#08306b\" "
			"stroke-width=\"1.5\"/>",
			x, y);
		nn = strstr(e->detail, "n=");
		if (nn && x - labelled > 14) {
			label(f, x, y - 2, "middle", 9, "fill=\"#08306b\"", "r%ld",
			      strtol(nn + 2, NULL, 10));
			labelled = x;
		}
		n_rounds++;
		drawn++;
	}
	/* The moments: decided, flip, end, done. */
	{
		struct {
			double t;
			const char *name, *colour;
		} mk[] = {{t0, "decided", "#444"},
			  {g->flip_s, "flip", C_FLIP},
			  {g->end_s, "end", "#08519c"},
			  {g->done_s, "done", "#444"}};
		double right[3] = {-100, -100, -100}; /* per level of labels: where they end */

		for (unsigned i = 0; i < sizeof(mk) / sizeof(mk[0]); i++) {
			double x, w = 6 * (double)strlen(mk[i].name);
			unsigned lv = 0;

			if (!(mk[i].t > 0) && i)
				continue;
			x = MS(mk[i].t);
			fprintf(f,
				"<path class=\"mark %s\" d=\"M%.1f,%.1fv%.1f\" stroke=\"%s\" "
				"stroke-width=\"1.2\" stroke-dasharray=\"3 2\"/>",
				mk[i].name, x, p.y0, p.h, mk[i].colour);
			while (lv < 2 && x - w / 2 < right[lv] + 4)
				lv++;
			label(f, x, p.y0 - 4 - 11.0 * lv, "middle", 10, "fill=\"#333\"", "%s",
			      mk[i].name);
			right[lv] = x + w / 2;
			drawn++;
		}
	}
#undef BAR
#undef MS
	snprintf(what, sizeof(what), "Migration %u: %s of %s, %s \u2192 %s (%s): %s", g->n,
		 g->service, ue, g->from, g->to, g->strategy, g->ok ? "done" : "failed");
	title(f, what);
	if (g->ok)
		snprintf(line2, sizeof(line2),
			 "decided at %.3f s; downtime %.1f ms (engine), %.1f ms without answers at "
			 "the UE; total %.1f ms; %.1f MiB in %u round%s",
			 t0, g->downtime_ms, g->gap_ms, g->total_ms, (double)g->bytes / 1048576.0,
			 g->rounds, g->rounds == 1 ? "" : "s");
	else
		snprintf(line2, sizeof(line2),
			 "decided at %.3f s; downtime %.1f ms; failed: %.300s", t0, g->downtime_ms,
			 *g->error ? g->error : "no reason given");
	/* One line fits about 135 characters; the summary table has the whole error. */
	if (strlen(line2) > 135) {
		char *cut = line2 + 100;

		cut += strcspn(cut, " ");
		snprintf(cut, sizeof(line2) - (size_t)(cut - line2),
			 " \u2026 (in full in the table)");
	}
	label(f, 12, 38, "start", 11, g->ok ? "fill=\"#333\"" : "fill=\"#b00\"", "%s", line2);
	if (fclose(f)) {
		free(body);
		return -ENOMEM;
	}
	snprintf(id, sizeof(id), "mig-%u", g->n);
	snprintf(attrs, sizeof(attrs), "data-points=\"%u\" data-rounds=\"%u\" data-ok=\"%d\"",
		 drawn, n_rounds, g->ok);
	rc = chart_add(r, id, h, what, attrs, body, body_len);
	free(body);
	return rc;
}

/* ---- the page ---- */

static const char css[] =
    "body{font-family:" FONT ";color:#111;background:#fff;max-width:960px;margin:24px auto;"
    "padding:0 12px;line-height:1.4}"
    "h1{font-size:1.5em;margin:0 0 .3em}"
    "h2{font-size:1.2em;margin:1.6em 0 .5em;border-bottom:1px solid #bbb}"
    "p.meta{color:#333;font-size:.9em;margin:.2em 0}"
    "p.note{color:#555;font-size:.85em}"
    ".err{color:#b00}"
    "table{border-collapse:collapse;font-size:.85em;margin:.4em 0 1em;max-width:100%}"
    "th,td{border:1px solid #aaa;padding:2px 6px;text-align:right;vertical-align:top}"
    "td{white-space:nowrap}"
    "th{background:#eee;font-weight:600}"
    "td.l,th.l{text-align:left}"
    "svg.chart{display:block;width:100%;max-width:900px;height:auto;margin:.3em 0 1.2em}"
    "@media print{body{max-width:none;margin:0;padding:0;font-size:10pt}"
    "h2{break-after:avoid}svg.chart,table,tr{break-inside:avoid}"
    "svg.chart{max-width:100%}th{background:none}table{font-size:8pt}td{white-space:normal}"
    "@page{margin:12mm}}";

static void span_ms(FILE *f, const char *ue, const char *phase, const char *q, const double *v,
		    size_t n, double quant)
{
	fprintf(f, "<span data-k=\"%s.%s.%s\">", ue, phase, q);
	if (n)
		fprintf(f, "%.3f", cli_quantile(v, n, quant));
	else
		fputs("-", f);
	fputs("</span>", f);
}

static int html_summary(struct report *r, FILE *f)
{
	static const char *const phases[] = {"before", "during", "after"};
	double *v[3];
	int rc = 0;

	fputs("<h2 id=\"summary\">Summary</h2>\n<table id=\"summary-ues\"><thead><tr>"
	      "<th class=\"l\" rowspan=\"2\">UE</th><th rowspan=\"2\">hand&shy;overs</th>"
	      "<th rowspan=\"2\">migra&shy;tions</th><th rowspan=\"2\">answers</th>"
	      "<th rowspan=\"2\">losses</th>",
	      f);
	for (unsigned k = 0; k < 3; k++)
		fprintf(f, "<th colspan=\"2\">RTT %s (ms)</th>", phases[k]);
	fputs("</tr><tr>", f);
	for (unsigned k = 0; k < 3; k++)
		fputs("<th>n</th><th>p50 / p95 / p99</th>", f);
	fputs("</tr></thead><tbody>\n", f);
	for (size_t u = 0; u < r->ues.n; u++) {
		size_t from = r->rtt_from[u], to = r->rtt_from[u + 1], n[3] = {0};
		unsigned ho = 0, migs = 0, answers = 0, losses = 0;
		const char *ue = r->ues.v[u];

		for (unsigned k = 0; k < 3; k++)
			v[k] = malloc((to - from + 1) * sizeof(double));
		if (!v[0] || !v[1] || !v[2]) {
			rc = -ENOMEM;
			for (unsigned k = 0; k < 3; k++)
				free(v[k]);
			break;
		}
		for (size_t i = 0; i < r->n_ev; i++)
			ho += r->ev[i].ue == (int)u && is_handover(&r->ev[i]);
		for (size_t k = 0; k < r->n_mig; k++)
			migs += r->mig[k].ue == u;
		for (size_t i = from; i < to; i++) {
			const struct rtt_row *x = &r->rtt[i];
			int ph;

			if (x->loss) {
				losses++;
				continue;
			}
			answers++;
			if (!counts(r, x))
				continue;
			ph = phase_of(r, (unsigned)u, x->t_s);
			v[ph][n[ph]++] = x->rtt_ms;
		}
		fputs("<tr><td class=\"l\">", f);
		cli_html(f, ue);
		fprintf(
		    f,
		    "</td><td data-k=\"%s.handovers\">%u</td><td data-k=\"%s.migrations\">%u</td>"
		    "<td data-k=\"%s.answers\">%u</td><td data-k=\"%s.losses\">%u</td>",
		    ue, ho, ue, migs, ue, answers, ue, losses);
		for (unsigned k = 0; k < 3; k++) {
			qsort(v[k], n[k], sizeof(double), cli_cmp_double);
			fprintf(f, "<td data-k=\"%s.%s.n\">%zu</td><td>", ue, phases[k], n[k]);
			span_ms(f, ue, phases[k], "p50", v[k], n[k], 0.50);
			fputs(" / ", f);
			span_ms(f, ue, phases[k], "p95", v[k], n[k], 0.95);
			fputs(" / ", f);
			span_ms(f, ue, phases[k], "p99", v[k], n[k], 0.99);
			fputs("</td>", f);
			free(v[k]);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n<p class=\"note\">RTT: the answers in rtt.csv to the UE's "
	      "service (its first probe's), nearest-rank percentiles, before, during and after its "
	      "migrations; <i>during</i> runs from a migration's decision to its end (its done or "
	      "failed event). Handovers leave out attaching to a first cell.</p>\n",
	      f);
	if (!r->n_mig) {
		fprintf(f, "<p class=\"note\" id=\"summary-migrations\">No migrations%s.</p>\n",
			r->have_mig ? "" : " (migrations.csv is missing)");
		return rc;
	}
	fputs("<table id=\"summary-migrations\"><thead><tr><th>#</th><th class=\"l\">UE</th>"
	      "<th class=\"l\">service</th><th class=\"l\">from \u2192 to</th>"
	      "<th class=\"l\">strategy</th><th>decided (s)</th><th>downtime, engine (ms)</th>"
	      "<th>no answers at the UE (ms)</th><th>total (ms)</th><th>MiB</th><th>rounds</th>"
	      "<th class=\"l\">ok</th></tr></thead><tbody>\n",
	      f);
	for (size_t k = 0; k < r->n_mig; k++) {
		const struct mig_row *g = &r->mig[k];

		fprintf(f, "<tr><td>%u</td><td class=\"l\">", g->n);
		cli_html(f, r->ues.v[g->ue]);
		fputs("</td><td class=\"l\">", f);
		cli_html(f, g->service);
		fputs("</td><td class=\"l\">", f);
		cli_html(f, g->from);
		fputs(" \u2192 ", f);
		cli_html(f, g->to);
		fputs("</td><td class=\"l\">", f);
		cli_html(f, g->strategy);
		fprintf(f,
			"</td><td data-k=\"mig%u.decided\">%.3f</td>"
			"<td data-k=\"mig%u.downtime\">%.3f</td><td data-k=\"mig%u.gap\">%.3f</td>"
			"<td data-k=\"mig%u.total\">%.3f</td><td data-k=\"mig%u.mib\">%.3f</td>"
			"<td data-k=\"mig%u.rounds\">%u</td><td class=\"l\" data-k=\"mig%u.ok\">%s",
			g->n, g->decided_s, g->n, g->downtime_ms, g->n, g->gap_ms, g->n,
			g->total_ms, g->n, (double)g->bytes / 1048576.0, g->n, g->rounds, g->n,
			g->ok ? "yes" : "no");
		if (!g->ok && *g->error) {
			fputs(": <span class=\"err\">", f);
			cli_html(f, g->error);
			fputs("</span>", f);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
	return rc;
}

static void html_head(struct report *r, FILE *f)
{
	char run[128] = "", v[4][256];
	const struct topo_model *m = r->m;

	if (!json_get(r->meta, NULL, "run", run, sizeof(run)) &&
	    !json_get(r->summary, NULL, "run", run, sizeof(run)))
		snprintf(run, sizeof(run), "%s", m ? m->name : r->dir);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	      "<title>edgemu report: ",
	      f);
	cli_html(f, run);
	fprintf(f, "</title>\n<style>%s</style></head>\n<body>\n<h1>edgemu run ", css);
	cli_html(f, run);
	fputs("</h1>\n<p class=\"meta\">", f);
	if (json_get(r->meta, NULL, "scenario", v[0], sizeof(v[0]))) {
		fputs("scenario <code>", f);
		cli_html(f, v[0]);
		fputs("</code>; ", f);
	}
	if (m)
		fprintf(f, "policy %s, strategy %s, steering %s; ",
			m->migration.policy == TOPO_POLICY_NEVER      ? "never"
			: m->migration.policy == TOPO_POLICY_ALWAYS   ? "always"
			: m->migration.policy == TOPO_POLICY_DISTANCE ? "distance"
			: m->migration.policy == TOPO_POLICY_LATENCY  ? "latency"
								      : "proactive",
			m->migration.strategy == TOPO_STRATEGY_COLD	 ? "cold"
			: m->migration.strategy == TOPO_STRATEGY_PRECOPY ? "precopy"
									 : "postcopy",
			topo_steering_name(m->migration.steering));
	fprintf(f, "%.1f s", r->t_end);
	if (json_get(r->meta, NULL, "seed", v[0], sizeof(v[0]))) {
		fputs(", seed ", f);
		cli_html(f, v[0]);
	}
	if (json_get(r->meta, NULL, "start", v[0], sizeof(v[0]))) {
		fputs(", started ", f);
		cli_html(f, v[0]);
	}
	fputs("</p>\n", f);
	if (json_get(r->meta, NULL, "edgemu_version", v[0], sizeof(v[0])) &&
	    json_get(r->meta, NULL, "git_commit", v[1], sizeof(v[1])) &&
	    json_get(r->meta, NULL, "kernel", v[2], sizeof(v[2])) &&
	    json_get(r->meta, NULL, "shaper", v[3], sizeof(v[3]))) {
		fputs("<p class=\"meta\">edgemu ", f);
		cli_html(f, v[0]);
		fputs(" (", f);
		cli_html(f, v[1]);
		fputs("), kernel ", f);
		cli_html(f, v[2]);
		fputs(", shaper ", f);
		cli_html(f, v[3]);
		fputs("</p>\n", f);
	}
	if (json_get(r->summary, "lateness_us", "events", v[0], sizeof(v[0])) &&
	    json_get(r->summary, "lateness_us", "p50", v[1], sizeof(v[1])) &&
	    json_get(r->summary, "lateness_us", "p99", v[2], sizeof(v[2])) &&
	    json_get(r->summary, "lateness_us", "max", v[3], sizeof(v[3]))) {
		fputs("<p class=\"meta\">the runner's clock: lateness p50 ", f);
		cli_html(f, v[1]);
		fputs(" us, p99 ", f);
		cli_html(f, v[2]);
		fputs(" us, max ", f);
		cli_html(f, v[3]);
		fputs(" us over ", f);
		cli_html(f, v[0]);
		fputs(" events</p>\n", f);
	}
	if (!r->summary)
		fputs("<p class=\"meta err\" id=\"ended\">no summary.json: the run did not finish "
		      "(killed?); what it recorded until then is here</p>\n",
		      f);
	if (json_get(r->summary, NULL, "ended", v[0], sizeof(v[0])) &&
	    !strcmp(v[0], "interrupted")) {
		fputs("<p class=\"meta err\" id=\"ended\">the run was interrupted", f);
		if (json_get(r->summary, NULL, "signal", v[1], sizeof(v[1]))) {
			fputs(" by ", f);
			cli_html(f, v[1]);
		}
		if (json_get(r->summary, NULL, "stopped_s", v[2], sizeof(v[2]))) {
			fputs(" at ", f);
			cli_html(f, v[2]);
			fputs(" s", f);
		}
		if (json_get(r->summary, NULL, "planned_s", v[3], sizeof(v[3]))) {
			fputs(" of ", f);
			cli_html(f, v[3]);
			fputs(" s", f);
		}
		fputs("</p>\n", f);
	}
	/* The run's error comes before any migration's in the file: the first "error" is its. */
	if (json_get(r->summary, NULL, "error", v[0], sizeof(v[0]))) {
		fputs("<p class=\"meta err\">the run ended with an error: ", f);
		cli_html(f, v[0]);
		fputs("</p>\n", f);
	}
}

/* ---- PNGs ---- */

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

/* ---- the report ---- */

int cli_report_write(const char *dir, const struct cli_report_opts *o, struct topo_err *err)
{
	struct report r = {.dir = dir};
	char out[PATH_MAX], tmp[PATH_MAX + 8], outdir[PATH_MAX];
	FILE *f = NULL;
	int rc;

	r.max_points = o && o->max_points ? o->max_points : CLI_REPORT_MAX_POINTS;
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
	/* One per UE, the map, one per migration: room for all of them now. */
	r.cap_charts = r.ues.n + 1 + r.n_mig;
	r.charts = calloc(r.cap_charts, sizeof(*r.charts));
	if (!r.charts) {
		rc = topo_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (size_t u = 0; u < r.ues.n && rc == 0; u++)
		rc = chart_rtt(&r, (unsigned)u);
	if (rc == 0)
		rc = chart_map(&r);
	for (size_t k = 0; k < r.n_mig && rc == 0; k++)
		rc = chart_mig(&r, k);
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
	html_head(&r, f);
	rc = html_summary(&r, f);
	fputs("<h2 id=\"rtt\">RTT over time</h2>\n", f);
	if (!r.ues.n)
		fputs("<p class=\"note\">No UEs: no data.</p>\n", f);
	for (size_t c = 0; c < r.n_charts; c++) {
		if (!strcmp(r.charts[c].id, "map"))
			fputs("<h2 id=\"map-title\">Map</h2>\n", f);
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
	cli_html(f, dir);
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

int cli_report_dir(const char *dir, bool png)
{
	struct cli_report_opts o = {.png = png};
	struct topo_err err;
	int rc = cli_report_write(dir, &o, &err);

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
	struct cli_report_opts o = {0};
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
	rc = cli_report_write(dir, &o, &err);
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
