/* SPDX-License-Identifier: MIT */
/*
 * Reading a results folder into struct report: the CSV files row by row, meta.json and
 * summary.json as text, scenario.yaml as a model; then the rows sorted by UE and time, how
 * long the run lasted, when each migration ended, which target each UE's RTT counts.
 */
#include "report/internal.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FIELDS 24

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
bool json_get(const char *text, const char *within, const char *key, char *out, size_t len)
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

int report_load(struct report *r, struct topo_err *err)
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

void report_free(struct report *r)
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
