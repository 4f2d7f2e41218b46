/* SPDX-License-Identifier: MIT */
/*
 * The CSV files of a results folder (results/results.h): their columns, once; their rows
 * written in the formats the README documents; and read back line by line from a buffer of
 * fixed size, so that no file, however long its lines or whatever bytes it holds, costs
 * more memory than one line.
 */
#include "results/results.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const results_files[RESULTS_N_FILES] = {
    RESULTS_SCENARIO,  RESULTS_META,  RESULTS_EVENTS,	  RESULTS_RTT,	   RESULTS_MIGRATIONS,
    RESULTS_POSITIONS, RESULTS_CELLS, RESULTS_THROUGHPUT, RESULTS_SUMMARY, RESULTS_REPORT,
};

/* Column indexes, in each table's order. */
enum { EV_T_S, EV_EVENT, EV_UE, EV_DETAIL, EV_N };
enum { RTT_T_S, RTT_UE, RTT_TARGET, RTT_SEQ, RTT_MS, RTT_INSTANCE, RTT_N };
enum { POS_T_S, POS_UE, POS_X, POS_Y, POS_CELL, POS_N };
enum {
	CELL_T_S,
	CELL_NAME,
	CELL_UES,
	CELL_DOWN,
	CELL_UP,
	CELL_X2,
	CELL_X2_BYTES,
	CELL_HO_DROP,
	CELL_DROP,
	CELL_N
};
enum { TPUT_T_S, TPUT_FLOW, TPUT_BYTES, TPUT_MBPS, TPUT_N };
enum {
	MIG_NUM,
	MIG_UE,
	MIG_SERVICE,
	MIG_FROM,
	MIG_TO,
	MIG_STRATEGY,
	MIG_DECIDED,
	MIG_START,
	MIG_FREEZE,
	MIG_RESUME,
	MIG_FLIP,
	MIG_END,
	MIG_DOWNTIME,
	MIG_GAP,
	MIG_TOTAL,
	MIG_PAGES,
	MIG_BYTES,
	MIG_ROUNDS,
	MIG_OK,
	MIG_ERROR,
	MIG_THAW,
	MIG_UNTIL,
	MIG_N
};

static const char *const ev_cols[EV_N] = {"t_s", "event", "ue", "detail"};
static const char *const rtt_cols[RTT_N] = {"t_s", "ue", "target", "seq", "rtt_ms", "instance"};
static const char *const pos_cols[POS_N] = {"t_s", "ue", "x", "y", "cell"};
static const char *const cell_cols[CELL_N] = {
    "t_s",     "cell",	   "ues",	   "down_bytes", "up_bytes",
    "x2_pkts", "x2_bytes", "ho_drop_pkts", "drop_pkts",
};
static const char *const tput_cols[TPUT_N] = {"t_s", "flow", "bytes", "mbps"};
static const char *const mig_cols[MIG_N] = {
    "n",	   "ue",
    "service",	   "from",
    "to",	   "strategy",
    "decided_s",   "start_s",
    "freeze_s",	   "resume_s",
    "flip_s",	   "end_s",
    "downtime_ms", "client_gap_ms",
    "total_ms",	   "pages",
    "bytes",	   "rounds",
    "ok",	   "error",
    "thaw_s",	   "downtime_until",
};

/* Required: what every file edgemu ever wrote has (migrations.csv grew error, thaw_s...). */
const struct results_csv_info results_csv[RESULTS_CSV_N] = {
    [RESULTS_CSV_EVENTS] = {RESULTS_EVENTS, ev_cols, EV_N, EV_N},
    [RESULTS_CSV_RTT] = {RESULTS_RTT, rtt_cols, RTT_N, RTT_MS + 1},
    [RESULTS_CSV_MIGRATIONS] = {RESULTS_MIGRATIONS, mig_cols, MIG_N, MIG_OK + 1},
    [RESULTS_CSV_POSITIONS] = {RESULTS_POSITIONS, pos_cols, POS_N, POS_Y + 1},
    [RESULTS_CSV_CELLS] = {RESULTS_CELLS, cell_cols, CELL_N, CELL_UP + 1},
    [RESULTS_CSV_THROUGHPUT] = {RESULTS_THROUGHPUT, tput_cols, TPUT_N, TPUT_N},
};

/* ---- writing ---- */

int results_csv_head(struct results_out *o, enum results_csv_id id)
{
	const struct results_csv_info *c = &results_csv[id];

	for (unsigned i = 0; i < c->n_cols; i++)
		results_out_printf(o, "%s%s", i ? "," : "", c->cols[i]);
	return results_out_write(o, "\n", 1);
}

int results_csv_open(const char *dir, enum results_csv_id id, enum results_out_mode mode,
		     struct results_out **ret)
{
	struct results_out *o;
	int rc;

	rc = results_out_open(dir, results_csv[id].name, mode, &o);
	if (rc < 0)
		return rc;
	results_csv_head(o, id);
	*ret = o;
	return 0;
}

/* s fit for a quoted field: no '"' (as '\''), no line break (as ' '). */
static const char *quotable(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	if (!s)
		return "";
	if (!strpbrk(s, "\"\r\n"))
		return s;
	for (; *s && n + 1 < len; s++)
		buf[n++] = *s == '"' ? '\'' : *s == '\r' || *s == '\n' ? ' ' : *s;
	buf[n] = '\0';
	return buf;
}

int results_event_put(struct results_out *o, const struct results_event *e)
{
	char buf[RESULTS_LINE_MAX / 2];

	return results_out_printf(o, "%.6f,%s,%s,\"%s\"\n", e->t_s, e->event, e->ue,
				  quotable(e->detail, buf, sizeof(buf)));
}

int results_rtt_put(struct results_out *o, const struct results_rtt *x)
{
	if (x->loss)
		return results_out_printf(o, "%.6f,%s,%s,%s,,\n", x->t_s, x->ue, x->target, x->seq);
	return results_out_printf(o, "%.6f,%s,%s,%s,%.3f,%s\n", x->t_s, x->ue, x->target, x->seq,
				  x->rtt_ms, x->instance ? x->instance : "");
}

int results_pos_put(struct results_out *o, const struct results_pos *p)
{
	return results_out_printf(o, "%.3f,%s,%.2f,%.2f,%s\n", p->t_s, p->ue, p->x, p->y,
				  p->cell ? p->cell : "-");
}

int results_cell_put(struct results_out *o, const struct results_cell *c)
{
	return results_out_printf(o,
				  "%.3f,%s,%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
				  ",%" PRIu64 ",%" PRIu64 "\n",
				  c->t_s, c->cell, c->ues, c->down_bytes, c->up_bytes, c->x2_pkts,
				  c->x2_bytes, c->ho_drop_pkts, c->drop_pkts);
}

int results_tput_put(struct results_out *o, const struct results_tput *x)
{
	return results_out_printf(o, "%.6f,%s,%" PRIu64 ",%.3f\n", x->t_s, x->flow, x->bytes,
				  x->mbps);
}

int results_mig_put(struct results_out *o, const struct results_mig *m)
{
	char buf[RESULTS_LINE_MAX / 2];

	return results_out_printf(
	    o,
	    "%u,%s,%s,%s,%s,%s,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.3f,%.3f,%.3f,%" PRIu64 ",%" PRIu64
	    ",%u,%s,\"%s\",%.6f,%s\n",
	    m->n, m->ue, m->service, m->from, m->to, m->strategy, m->decided_s, m->start_s,
	    m->freeze_s, m->resume_s, m->flip_s, m->end_s, m->downtime_ms, m->client_gap_ms,
	    m->total_ms, m->pages, m->bytes, m->rounds, m->ok ? "yes" : "no",
	    quotable(m->error, buf, sizeof(buf)), m->thaw_s,
	    m->downtime_until ? m->downtime_until : "");
}

/* ---- reading ---- */

struct reader {
	const char *name; /* in errors */
	enum results_csv_id id;
	unsigned flags;
	int (*fn)(void *arg, const union results_row *row, size_t line);
	void *arg;
	struct results_err *err;
	int col[RESULTS_CSV_MAX_FIELDS]; /* per column of the table: its field, -1: none */
	unsigned need;			 /* fields a row must have: past the last required */
	size_t line;
	long rows;
	char *f[RESULTS_CSV_MAX_FIELDS];
	unsigned n;
};

__attribute__((format(printf, 2, 3))) static int bad(struct reader *r, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if ((r->flags & RESULTS_READ_SKIP_BAD) && r->line > 1) {
		if (!r->err->skipped++)
			snprintf(r->err->msg, sizeof(r->err->msg), "%.200s:%zu: %.250s", r->name,
				 r->line, what);
		return 0;
	}
	snprintf(r->err->msg, sizeof(r->err->msg), "%.200s:%zu: %.250s", r->name, r->line, what);
	return -EINVAL;
}

/* Splits a line in place at commas outside double quotes, quotes dropped. */
static unsigned split(char *s, char **f, unsigned max)
{
	char *w = s;
	unsigned n = 0;

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

/* The header: where each column of the table is. */
static int head(struct reader *r, char *line)
{
	const struct results_csv_info *c = &results_csv[r->id];
	unsigned n = split(line, r->f, RESULTS_CSV_MAX_FIELDS);

	for (unsigned k = 0; k < c->n_cols; k++) {
		r->col[k] = -1;
		for (unsigned i = 0; i < n && r->col[k] < 0; i++)
			if (!strcmp(r->f[i], c->cols[k]))
				r->col[k] = (int)i;
		if (r->col[k] < 0 && k < c->n_required)
			return bad(r, "no column '%s'", c->cols[k]);
		if (r->col[k] >= (int)r->need && k < c->n_required)
			r->need = (unsigned)r->col[k] + 1;
	}
	return 0;
}

static const char *field(const struct reader *r, unsigned k)
{
	int i = r->col[k];

	return i >= 0 && (unsigned)i < r->n ? r->f[i] : "";
}

/* Column k as a finite number; an optional one absent (or empty) is 0. */
static int num(struct reader *r, unsigned k, double *v)
{
	const char *s = field(r, k);
	char *end;

	*v = 0;
	if (!*s && k >= results_csv[r->id].n_required)
		return 0;
	errno = 0;
	*v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(*v))
		return bad(r, "%s: '%.40s' is not a number", results_csv[r->id].cols[k], s) ?: 1;
	return 0;
}

/* Column k as an unsigned integer of at most max; an optional one absent (or empty) is 0. */
static int whole(struct reader *r, unsigned k, uint64_t max, uint64_t *v)
{
	const char *s = field(r, k);
	char *end;

	*v = 0;
	if (!*s && k >= results_csv[r->id].n_required)
		return 0;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (!*s || *end || errno || *s == '-' || *v > max)
		return bad(r, "%s: '%.40s' is not a count", results_csv[r->id].cols[k], s) ?: 1;
	return 0;
}

/* Each num()/whole() above: 0, 1 (a bad row, skipped), or -EINVAL. */
#define CHECK(call)                                                                                \
	do {                                                                                       \
		int rc_ = (call);                                                                  \
		if (rc_)                                                                           \
			return rc_;                                                                \
	} while (0)

static int row_event(struct reader *r, struct results_event *e)
{
	CHECK(num(r, EV_T_S, &e->t_s));
	e->event = field(r, EV_EVENT);
	e->ue = field(r, EV_UE);
	e->detail = field(r, EV_DETAIL);
	return 0;
}

static int row_rtt(struct reader *r, struct results_rtt *x)
{
	CHECK(num(r, RTT_T_S, &x->t_s));
	x->ue = field(r, RTT_UE);
	x->target = field(r, RTT_TARGET);
	x->seq = field(r, RTT_SEQ);
	x->instance = field(r, RTT_INSTANCE);
	x->loss = !*field(r, RTT_MS);
	x->rtt_ms = 0;
	if (!x->loss)
		CHECK(num(r, RTT_MS, &x->rtt_ms));
	return 0;
}

static int row_pos(struct reader *r, struct results_pos *p)
{
	CHECK(num(r, POS_T_S, &p->t_s));
	CHECK(num(r, POS_X, &p->x));
	CHECK(num(r, POS_Y, &p->y));
	p->ue = field(r, POS_UE);
	p->cell = field(r, POS_CELL);
	return 0;
}

static int row_cell(struct reader *r, struct results_cell *c)
{
	uint64_t ues;

	CHECK(num(r, CELL_T_S, &c->t_s));
	CHECK(whole(r, CELL_UES, UINT_MAX, &ues));
	CHECK(whole(r, CELL_DOWN, UINT64_MAX, &c->down_bytes));
	CHECK(whole(r, CELL_UP, UINT64_MAX, &c->up_bytes));
	CHECK(whole(r, CELL_X2, UINT64_MAX, &c->x2_pkts));
	CHECK(whole(r, CELL_X2_BYTES, UINT64_MAX, &c->x2_bytes));
	CHECK(whole(r, CELL_HO_DROP, UINT64_MAX, &c->ho_drop_pkts));
	CHECK(whole(r, CELL_DROP, UINT64_MAX, &c->drop_pkts));
	c->ues = (unsigned)ues;
	c->cell = field(r, CELL_NAME);
	return 0;
}

static int row_tput(struct reader *r, struct results_tput *x)
{
	CHECK(num(r, TPUT_T_S, &x->t_s));
	CHECK(whole(r, TPUT_BYTES, UINT64_MAX, &x->bytes));
	CHECK(num(r, TPUT_MBPS, &x->mbps));
	x->flow = field(r, TPUT_FLOW);
	return 0;
}

static int row_mig(struct reader *r, struct results_mig *m)
{
	double *const times[] = {&m->decided_s,	  &m->start_s,	     &m->freeze_s,
				 &m->resume_s,	  &m->flip_s,	     &m->end_s,
				 &m->downtime_ms, &m->client_gap_ms, &m->total_ms};
	uint64_t n, rounds;

	CHECK(whole(r, MIG_NUM, UINT_MAX, &n));
	for (unsigned k = 0; k < sizeof(times) / sizeof(times[0]); k++)
		CHECK(num(r, MIG_DECIDED + k, times[k]));
	CHECK(whole(r, MIG_PAGES, UINT64_MAX, &m->pages));
	CHECK(whole(r, MIG_BYTES, UINT64_MAX, &m->bytes));
	CHECK(whole(r, MIG_ROUNDS, UINT_MAX, &rounds));
	CHECK(num(r, MIG_THAW, &m->thaw_s));
	m->n = (unsigned)n;
	m->rounds = (unsigned)rounds;
	m->ue = field(r, MIG_UE);
	m->service = field(r, MIG_SERVICE);
	m->from = field(r, MIG_FROM);
	m->to = field(r, MIG_TO);
	m->strategy = field(r, MIG_STRATEGY);
	m->ok = !strcmp(field(r, MIG_OK), "yes");
	m->error = field(r, MIG_ERROR);
	m->downtime_until = field(r, MIG_UNTIL);
	return 0;
}

/* A whole line (its '\n' dropped): the header, or a row for fn. */
static int on_line(struct reader *r, char *line)
{
	union results_row row;
	int rc;

	if (r->line == 1)
		return head(r, line);
	r->n = split(line, r->f, RESULTS_CSV_MAX_FIELDS);
	if (r->n < r->need)
		return bad(r, "%u fields, fewer than the %u of its columns", r->n, r->need);
	memset(&row, 0, sizeof(row));
	switch (r->id) {
	case RESULTS_CSV_EVENTS:
		rc = row_event(r, &row.ev);
		break;
	case RESULTS_CSV_RTT:
		rc = row_rtt(r, &row.rtt);
		break;
	case RESULTS_CSV_MIGRATIONS:
		rc = row_mig(r, &row.mig);
		break;
	case RESULTS_CSV_CELLS:
		rc = row_cell(r, &row.cell);
		break;
	case RESULTS_CSV_THROUGHPUT:
		rc = row_tput(r, &row.tput);
		break;
	default:
		rc = row_pos(r, &row.pos);
	}
	if (rc)
		return rc < 0 ? rc : 0;
	r->rows++;
	return r->fn(r->arg, &row, r->line);
}

/*
 * Every line of in, each at most RESULTS_LINE_MAX bytes long: a longer one, or one with a
 * NUL byte, is a bad one, read past without being kept. A last line without its '\n' is one
 * a killed run cut: left out.
 */
static long read_lines(struct reader *r, FILE *in)
{
	char *line = malloc(RESULTS_LINE_MAX + 1);
	size_t n = 0;
	bool over = false, nul = false;
	int c, rc = 0;

	if (!line)
		return -ENOMEM;
	while (rc == 0 && (c = getc_unlocked(in)) != EOF) {
		if (c != '\n') {
			nul |= c == '\0';
			if (n < RESULTS_LINE_MAX)
				line[n++] = (char)c;
			else
				over = true;
			continue;
		}
		r->line++;
		if (n && line[n - 1] == '\r')
			n--;
		line[n] = '\0';
		if (over)
			rc = bad(r, "a line longer than %d bytes", RESULTS_LINE_MAX);
		else if (nul)
			rc = bad(r, "a NUL byte");
		else
			rc = on_line(r, line);
		n = 0;
		over = nul = false;
	}
	free(line);
	if (rc < 0)
		return rc;
	return r->line ? r->rows : -ENODATA;
}

static long read_csv(FILE *in, const char *name, enum results_csv_id id, unsigned flags,
		     int (*fn)(void *arg, const union results_row *row, size_t line), void *arg,
		     struct results_err *err)
{
	struct reader r = {.name = name, .id = id, .flags = flags, .fn = fn, .arg = arg};
	struct results_err dummy;

	r.err = err ? err : &dummy;
	r.err->msg[0] = '\0';
	r.err->skipped = 0;
	if (id >= RESULTS_CSV_N)
		return -EINVAL;
	return read_lines(&r, in);
}

long results_csv_read(const char *dir, enum results_csv_id id, unsigned flags,
		      int (*fn)(void *arg, const union results_row *row, size_t line), void *arg,
		      struct results_err *err)
{
	char path[PATH_MAX];
	FILE *in;
	long rc;

	if (id >= RESULTS_CSV_N)
		return -EINVAL;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, results_csv[id].name) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	in = fopen(path, "re");
	if (!in)
		return -errno;
	rc = read_csv(in, path, id, flags, fn, arg, err);
	if (rc >= 0 && ferror(in))
		rc = -EIO;
	fclose(in);
	return rc;
}

long results_csv_parse(const char *text, size_t len, const char *name, enum results_csv_id id,
		       unsigned flags,
		       int (*fn)(void *arg, const union results_row *row, size_t line), void *arg,
		       struct results_err *err)
{
	FILE *in;
	long rc;

	if (id >= RESULTS_CSV_N)
		return -EINVAL;
	if (!len)
		return -ENODATA;
	in = fmemopen((void *)text, len, "r");
	if (!in)
		return -errno;
	rc = read_csv(in, name ? name : results_csv[id].name, id, flags, fn, arg, err);
	fclose(in);
	return rc;
}
