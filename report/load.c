/* SPDX-License-Identifier: MIT */
/*
 * Reading a results folder into struct report: the CSV files row by row, meta.json and
 * summary.json as text, scenario.yaml as a model; then the rows sorted by UE and time, how
 * long the run lasted, when each migration ended, which target each UE's RTT counts.
 */
#include "report/internal.h"

#include "results/results.h"
#include "util/file.h"
#include <json-c/json.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* A row of results/'s reader for one of the on_*() below. */
struct csv_ctx {
	struct report *r;
	int (*fn)(struct report *r, const union results_row *row, size_t line);
};

static int csv_row(void *arg, const union results_row *row, size_t line)
{
	struct csv_ctx *c = arg;

	return c->fn(c->r, row, line);
}

/*
 * Every row of file id: the header is results/'s, rows it cannot read (a line cut short by
 * a run killed while writing it, a word for a number) are left out. 0, or -errno (-EINVAL:
 * not that file, e says why).
 */
static int csv_read(struct report *r, enum results_csv_id id,
		    int (*fn)(struct report *r, const union results_row *row, size_t line),
		    struct results_err *e)
{
	struct csv_ctx c = {r, fn};
	long rc = results_csv_read(r->dir, id, RESULTS_READ_SKIP_BAD, csv_row, &c, e);

	/* No header yet: a run killed at once, no rows. */
	return rc == -ENODATA || rc >= 0 ? 0 : (int)rc;
}

static int on_rtt(struct report *r, const union results_row *x, size_t line)
{
	struct rtt_row row = {.line = line, .t_s = x->rtt.t_s, .rtt_ms = x->rtt.rtt_ms};
	int ue, tg;

	row.loss = x->rtt.loss;
	ue = intern(&r->ues, x->rtt.ue);
	tg = intern(&r->targets, x->rtt.target);
	if (ue < 0 || tg < 0 || ROOM(r->rtt, r->n_rtt, r->cap_rtt) < 0)
		return -ENOMEM;
	row.ue = (unsigned)ue;
	row.target = (unsigned)tg;
	r->rtt[r->n_rtt++] = row;
	return 0;
}

static int on_event(struct report *r, const union results_row *x, size_t line)
{
	struct ev_row e = {.ue = -1, .t_s = x->ev.t_s};

	(void)line;
	if (strcmp(x->ev.ue, "-") && (e.ue = intern(&r->ues, x->ev.ue)) < 0)
		return -ENOMEM;
	if (ROOM(r->ev, r->n_ev, r->cap_ev) < 0)
		return -ENOMEM;
	e.event = strdup(x->ev.event);
	e.detail = strdup(x->ev.detail);
	if (!e.event || !e.detail) {
		free(e.event);
		free(e.detail);
		return -ENOMEM;
	}
	r->ev[r->n_ev++] = e;
	return 0;
}

static int on_pos(struct report *r, const union results_row *x, size_t line)
{
	struct pos_row p = {.line = line, .t_s = x->pos.t_s, .x = x->pos.x, .y = x->pos.y};
	int ue;

	ue = intern(&r->ues, x->pos.ue);
	if (ue < 0 || ROOM(r->pos, r->n_pos, r->cap_pos) < 0)
		return -ENOMEM;
	p.ue = (unsigned)ue;
	r->pos[r->n_pos++] = p;
	return 0;
}

static int on_cell(struct report *r, const union results_row *x, size_t line)
{
	const struct results_cell *c = &x->cell;
	struct cell_row row = {.line = line,
			       .t_s = c->t_s,
			       .ues = c->ues,
			       .down_bytes = c->down_bytes,
			       .up_bytes = c->up_bytes};
	int cell = intern(&r->cells, c->cell);

	if (cell < 0 || ROOM(r->cell, r->n_cell, r->cap_cell) < 0)
		return -ENOMEM;
	row.cell = (unsigned)cell;
	r->cell[r->n_cell++] = row;
	return 0;
}

static int on_tput(struct report *r, const union results_row *x, size_t line)
{
	const struct results_tput *t = &x->tput;
	struct tput_row row = {.line = line, .t_s = t->t_s, .mbps = t->mbps, .bytes = t->bytes};
	int flow;

	/* A rate below zero is no measurement: left out like a row the reader cannot read. */
	if (!(t->mbps >= 0) || !*t->flow) {
		if (!r->tput_bad++) {
			snprintf(r->tput_note, sizeof(r->tput_note),
				 "%s/" RESULTS_THROUGHPUT ":%zu: %s", r->dir, line,
				 *t->flow ? "mbps below 0" : "flow: empty");
			r->tput_note_line = line;
		}
		return 0;
	}
	flow = intern(&r->flows, t->flow);
	if (flow < 0 || ROOM(r->tput, r->n_tput, r->cap_tput) < 0)
		return -ENOMEM;
	row.flow = (unsigned)flow;
	r->tput[r->n_tput++] = row;
	return 0;
}

static int on_mig(struct report *r, const union results_row *x, size_t line)
{
	const struct results_mig *m = &x->mig;
	struct mig_row g = {0};
	int ue;

	(void)line;
	ue = intern(&r->ues, m->ue);
	if (ue < 0 || ROOM(r->mig, r->n_mig, r->cap_mig) < 0)
		return -ENOMEM;
	g.n = m->n;
	g.ue = (unsigned)ue;
	g.decided_s = m->decided_s;
	g.start_s = m->start_s;
	g.freeze_s = m->freeze_s;
	g.resume_s = m->resume_s;
	g.flip_s = m->flip_s;
	g.end_s = m->end_s;
	g.downtime_ms = m->downtime_ms;
	g.gap_ms = m->client_gap_ms;
	g.total_ms = m->total_ms;
	g.pages = m->pages;
	g.bytes = m->bytes;
	g.rounds = m->rounds;
	g.ok = m->ok;
	g.service = strdup(m->service);
	g.from = strdup(m->from);
	g.to = strdup(m->to);
	g.strategy = strdup(m->strategy);
	g.error = strdup(m->error);
	snprintf(g.until, sizeof(g.until), "%s", m->downtime_until);
	r->mig[r->n_mig++] = g;
	if (!g.service || !g.from || !g.to || !g.strategy || !g.error)
		return -ENOMEM;
	return 0;
}

/* A file (scenario.yaml, meta.json, summary.json) whole, no larger than a scenario may be. */
static int read_all(const char *path, char **ret, size_t *ret_len)
{
	return util_file_read(path, TOPO_FILE_MAX, ret, ret_len);
}

/*
 * The scalar value of "key" (in object "within" when given) in a JSON text edgemu wrote,
 * numbers as written; false when absent, null or not JSON. Control characters show as '?'.
 */
bool json_get(const char *text, const char *within, const char *key, char *out, size_t len)
{
	struct json_object *o;
	char path[128];
	bool found;

	if (!text || !len || results_json_parse(text, strlen(text), RESULTS_SUMMARY, &o, NULL) < 0)
		return false;
	snprintf(path, sizeof(path), "%s%s%s", within ? within : "", within ? "." : "", key);
	found = results_json_text(o, path, out, len);
	json_object_put(o);
	for (char *p = out; found && *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = '?';
	return found && strcmp(out, "null");
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

static int cmp_cell(const void *a, const void *b)
{
	const struct cell_row *x = a, *y = b;

	return by_ue_time(x->cell, x->t_s, x->line, y->cell, y->t_s, y->line);
}

/* cells.csv (older runs have none), its rows by cell and time. 0, or -errno. */
static int cells_load(struct report *r, struct results_err *e)
{
	int rc = csv_read(r, RESULTS_CSV_CELLS, on_cell, e);

	r->have_cells = rc != -ENOENT;
	if (rc < 0)
		return rc;
	if (r->n_cell)
		qsort(r->cell, r->n_cell, sizeof(*r->cell), cmp_cell);
	r->cell_from = calloc(r->cells.n + 1, sizeof(size_t));
	if (!r->cell_from)
		return -ENOMEM;
	for (size_t c = 0, i = 0; c <= r->cells.n; c++) {
		r->cell_from[c] = i;
		while (i < r->n_cell && r->cell[i].cell == c)
			i++;
	}
	return 0;
}

static int cmp_tput(const void *a, const void *b)
{
	const struct tput_row *x = a, *y = b;

	return by_ue_time(x->flow, x->t_s, x->line, y->flow, y->t_s, y->line);
}

/*
 * summary.json's flows (its "flows": entries with a name), in its order, before any other
 * throughput.csv names. 0, or -ENOMEM.
 */
static int flows_listed(struct report *r, struct json_object *flows)
{
	for (size_t i = 0;
	     json_object_is_type(flows, json_type_array) && i < json_object_array_length(flows);
	     i++) {
		const char *name =
		    results_json_str(json_object_array_get_idx(flows, i), "name", "");

		if (*name && intern(&r->flows, name) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Each flow's ends from summary.json (the first entry of a name). 0, or -ENOMEM. */
static int flows_info(struct report *r, struct json_object *flows)
{
	r->flow = calloc(r->flows.n + 1, sizeof(*r->flow));
	if (!r->flow)
		return -ENOMEM;
	for (size_t i = 0;
	     json_object_is_type(flows, json_type_array) && i < json_object_array_length(flows);
	     i++) {
		struct json_object *x = json_object_array_get_idx(flows, i);
		const char *name = results_json_str(x, "name", "");
		int k = -1;

		/* flows_listed put every name in r->flows: only a lookup here */
		for (size_t f = 0; *name && f < r->flows.n && k < 0; f++)
			if (!strcmp(r->flows.v[f], name))
				k = (int)f;
		if (k < 0 || r->flow[k].listed)
			continue;
		r->flow[k].listed = true;
		r->flow[k].from = strdup(results_json_str(x, "from", ""));
		r->flow[k].to = strdup(results_json_str(x, "to", ""));
		if (!r->flow[k].from || !r->flow[k].to)
			return -ENOMEM;
	}
	return 0;
}

/* The line of the reader's error "DIR/throughput.csv:12: ...", 0: none. */
static size_t err_line(const char *msg)
{
	const char *p = strstr(msg, RESULTS_THROUGHPUT ":");

	return p ? strtoul(p + strlen(RESULTS_THROUGHPUT ":"), NULL, 10) : 0;
}

/* throughput.csv's rows, by flow and time; why it could not be read in r->tput_note. */
static int tput_read(struct report *r)
{
	struct results_err e = {0};
	int rc = csv_read(r, RESULTS_CSV_THROUGHPUT, on_tput, &e);

	r->have_tput = rc != -ENOENT;
	r->tput_bad += e.skipped;
	if (rc == -ENOMEM)
		return rc;
	if (rc == -EINVAL) {
		snprintf(r->tput_note, sizeof(r->tput_note), "%s", e.msg);
		r->n_tput = 0;
	} else if (rc < 0 && rc != -ENOENT) {
		snprintf(r->tput_note, sizeof(r->tput_note), "%s/" RESULTS_THROUGHPUT ": %s",
			 r->dir, strerror(-rc));
	} else if (e.skipped && e.msg[0] &&
		   (!r->tput_note[0] || err_line(e.msg) < r->tput_note_line)) {
		/* The first bad row: the reader's, or one on_tput() left out before it. */
		snprintf(r->tput_note, sizeof(r->tput_note), "%s", e.msg);
	}
	if (r->n_tput)
		qsort(r->tput, r->n_tput, sizeof(*r->tput), cmp_tput);
	return 0;
}

/*
 * The flows of summary.json, then throughput.csv (runs without traffic: have none). A
 * throughput.csv that is not one (a column missing) leaves the chart saying why instead of
 * failing the report: it is an addition to the run's other files. 0, or -ENOMEM.
 */
static int tput_load(struct report *r)
{
	struct json_object *o = NULL, *flows;
	int rc;

	if (r->summary &&
	    results_json_parse(r->summary, strlen(r->summary), RESULTS_SUMMARY, &o, NULL) < 0)
		o = NULL;
	flows = results_json_get(o, "flows");
	rc = flows_listed(r, flows);
	if (rc == 0)
		rc = tput_read(r);
	if (rc == 0)
		rc = flows_info(r, flows);
	json_object_put(o);
	if (rc < 0)
		return rc;
	r->tput_from = calloc(r->flows.n + 1, sizeof(size_t));
	if (!r->tput_from)
		return -ENOMEM;
	for (size_t c = 0, i = 0; c <= r->flows.n; c++) {
		r->tput_from[c] = i;
		while (i < r->n_tput && r->tput[i].flow == c)
			i++;
	}
	return 0;
}

int report_load(struct report *r, struct topo_err *err)
{
	struct results_err e;
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
	rc = csv_read(r, RESULTS_CSV_EVENTS, on_event, &e);
	if (rc == -EINVAL)
		return topo_err_set(err, rc, "%s", e.msg);
	if (rc < 0)
		return topo_err_set(err, rc, "%s/events.csv: %s%s", r->dir, strerror(-rc),
				    rc == -ENOENT ? " (not a results folder of edgemu run?)" : "");
	rc = csv_read(r, RESULTS_CSV_RTT, on_rtt, &e);
	r->have_rtt = rc != -ENOENT;
	if (rc == 0 || rc == -ENOENT) {
		rc = csv_read(r, RESULTS_CSV_POSITIONS, on_pos, &e);
		r->have_pos = rc != -ENOENT;
	}
	if (rc == 0 || rc == -ENOENT) {
		rc = csv_read(r, RESULTS_CSV_MIGRATIONS, on_mig, &e);
		r->have_mig = rc != -ENOENT;
	}
	if (rc == 0 || rc == -ENOENT)
		rc = cells_load(r, &e);
	if (rc == 0 || rc == -ENOENT)
		rc = tput_load(r);
	if (rc == -EINVAL)
		return topo_err_set(err, rc, "%s", e.msg);
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
		for (size_t i = 0; i < r->n_tput; i++)
			r->t_end = fmax(r->t_end, r->tput[i].t_s);
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
	for (size_t i = 0; i < r->cells.n; i++)
		free(r->cells.v[i]);
	free(r->cells.v);
	free(r->cell);
	free(r->cell_from);
	for (size_t i = 0; r->flow && i < r->flows.n; i++) {
		free(r->flow[i].from);
		free(r->flow[i].to);
	}
	for (size_t i = 0; i < r->flows.n; i++)
		free(r->flows.v[i]);
	free(r->flows.v);
	free(r->flow);
	free(r->tput);
	free(r->tput_from);
	free(r->charts);
	free(r->meta);
	free(r->summary);
	topo_model_free(r->m);
}
