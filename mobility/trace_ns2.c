/* SPDX-License-Identifier: MIT */
/*
 * The trace object, and the ns-2 movement reader matching ns-3's Ns2MobilityHelper
 * (src/mobility/helper/ns2-mobility-helper.cc: ConfigNodesMovements, SetMovement,
 * SetSchedPosition, ParseNs2Line).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>

#include "mobility/mobility.h"
#include "util/file.h"
#include "util/mem.h"

struct mob_trace *mob_trace_new(void)
{
	return calloc(1, sizeof(struct mob_trace));
}

void mob_trace_free(struct mob_trace *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_nodes; i++)
		free(t->nodes[i].segs);
	for (size_t i = 0; i < t->n_warnings; i++)
		free(t->warnings[i]);
	free(t->nodes);
	free(t->index);
	free(t->warnings);
	free(t);
}

bool mob_coord_ok(double v)
{
	return v >= -MOB_COORD_MAX && v <= MOB_COORD_MAX;
}

bool mob_time_ok(double t_s)
{
	return t_s >= 0 && t_s <= MOB_TIME_MAX;
}

bool mob_speed_ok(double v)
{
	return v >= 0 && v <= MOB_SPEED_MAX;
}

static int cmp_node(const void *a, const void *b)
{
	const struct mob_node *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

void mob_trace_sort(struct mob_trace *t)
{
	if (t->n_nodes > 1)
		qsort(t->nodes, t->n_nodes, sizeof(*t->nodes), cmp_node);
	/* The index holds positions in the array: sorting moved them; lookups now bisect. */
	free(t->index);
	t->index = NULL;
	t->index_cap = 0;
}

static struct mob_node *node_find(const struct mob_trace *t, unsigned id)
{
	struct mob_node key = {.id = id};

	if (!t || !t->n_nodes)
		return NULL;
	return bsearch(&key, t->nodes, t->n_nodes, sizeof(*t->nodes), cmp_node);
}

static size_t slot_of(unsigned id, size_t cap)
{
	/* Fibonacci hashing: consecutive ids, the usual case, spread over the table */
	return (size_t)(((uint64_t)id * 0x9e3779b97f4a7c15ULL) >> 32) & (cap - 1);
}

/* The slot holding id, or the free slot where it would go. */
static size_t *index_slot(const struct mob_trace *t, unsigned id)
{
	size_t i = slot_of(id, t->index_cap);

	while (t->index[i] && t->nodes[t->index[i] - 1].id != id)
		i = (i + 1) & (t->index_cap - 1);
	return &t->index[i];
}

/* (Re)builds the index for at least `want` nodes. */
static int index_grow(struct mob_trace *t, size_t want)
{
	size_t cap = 16;

	while (cap < 2 * want)
		cap *= 2;
	free(t->index);
	t->index = calloc(cap, sizeof(*t->index));
	t->index_cap = t->index ? cap : 0;
	if (!t->index)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_nodes; i++)
		*index_slot(t, t->nodes[i].id) = i + 1;
	return 0;
}

/*
 * Readers call this while the array is unsorted, once per line: a hash index (a linear scan
 * made a 100000-node trace take seconds), dropped when the array is sorted at the end.
 */
struct mob_node *mob_trace_node_get(struct mob_trace *t, unsigned id, bool create)
{
	struct mob_node *n;
	size_t *slot;

	if (!t->index && index_grow(t, t->n_nodes + 1) < 0)
		return NULL;
	slot = index_slot(t, id);
	if (*slot)
		return &t->nodes[*slot - 1];
	if (!create || t->n_nodes >= MOB_TRACE_NODES_MAX)
		return NULL;
	if (2 * (t->n_nodes + 1) > t->index_cap) {
		if (index_grow(t, t->n_nodes + 1) < 0)
			return NULL;
		slot = index_slot(t, id);
	}
	if (t->n_nodes == t->cap_nodes) {
		size_t cap = t->cap_nodes ? 2 * t->cap_nodes : 8;
		void *p = realloc(t->nodes, cap * sizeof(*t->nodes));

		if (!p)
			return NULL;
		t->nodes = p;
		t->cap_nodes = cap;
	}
	n = &t->nodes[t->n_nodes++];
	memset(n, 0, sizeof(*n));
	n->id = id;
	*slot = t->n_nodes;
	return n;
}

int mob_node_seg_add(struct mob_node *n, const struct mob_seg *s)
{
	if (util_grow(&n->segs, &n->cap_segs, n->n_segs, sizeof(*n->segs), 8) < 0)
		return -ENOMEM;
	n->segs[n->n_segs++] = *s;
	return 0;
}

int mob_trace_warn(struct mob_trace *t, const char *name, size_t line, const char *fmt, ...)
{
	char msg[256], *w;
	va_list ap;

	/* A file of bad lines made one warning each: 600 MB for 10 MB of input. */
	if (t->n_warnings >= MOB_TRACE_WARNINGS_MAX) {
		t->n_dropped++;
		return 0;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (util_grow(&t->warnings, &t->cap_warnings, t->n_warnings, sizeof(*t->warnings), 8) < 0)
		return -ENOMEM;
	if (asprintf(&w, "%s:%zu: %s", name, line, msg) < 0)
		return -ENOMEM;
	t->warnings[t->n_warnings++] = w;
	return 0;
}

int mob_trace_warn_end(struct mob_trace *t, const char *name)
{
	char *w;
	void *p;

	if (!t->n_dropped)
		return 0;
	p = realloc(t->warnings, (t->n_warnings + 1) * sizeof(*t->warnings));
	if (!p)
		return -ENOMEM;
	t->warnings = p;
	t->cap_warnings = t->n_warnings + 1;
	if (asprintf(&w, "%s: %zu more warnings not shown", name, t->n_dropped) < 0)
		return -ENOMEM;
	t->warnings[t->n_warnings++] = w;
	return 0;
}

int mob_lines_start(struct mob_lines *l, const char *text, size_t len)
{
	*l = (struct mob_lines){.text = text, .len = len, .line = malloc(len + 1)};
	return l->line ? 0 : -ENOMEM;
}

bool mob_lines_next(struct mob_lines *l)
{
	size_t j = l->next;

	if (l->next >= l->len)
		return false;
	while (j < l->len && l->text[j] != '\n')
		j++;
	memcpy(l->line, l->text + l->next, j - l->next);
	l->line[j - l->next] = '\0';
	l->next = j + 1;
	l->lineno++;
	return true;
}

void mob_lines_free(struct mob_lines *l)
{
	free(l->line);
	l->line = NULL;
}

void mob_node_pos(const struct mob_node *n, double t_s, struct mob_pos *ret)
{
	const struct mob_seg *s;
	size_t lo = 0, hi = n->n_segs;
	double dt;

	/* last leg with t0 <= t: a later leg at the same time replaces an earlier one */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (n->segs[mid].t0_s <= t_s)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0) {
		*ret = n->init;
		return;
	}
	s = &n->segs[lo - 1];
	/* held exactly at the destination once there, not at from + v * dt (rounding) */
	if (t_s >= s->t1_s) {
		*ret = s->to;
		return;
	}
	dt = t_s - s->t0_s;
	ret->x = s->from.x + s->vx * dt;
	ret->y = s->from.y + s->vy * dt;
	ret->z = s->from.z + s->vz * dt;
}

int mob_trace_pos(const struct mob_trace *t, unsigned node, double t_s, struct mob_pos *ret)
{
	const struct mob_node *n = node_find(t, node);

	if (!n)
		return -ENOENT;
	if (isnan(t_s))
		return -EINVAL;
	mob_node_pos(n, t_s, ret);
	return 0;
}

bool mob_trace_has(const struct mob_trace *t, unsigned node)
{
	return node_find(t, node) != NULL;
}

size_t mob_trace_node_count(const struct mob_trace *t)
{
	return t ? t->n_nodes : 0;
}

unsigned mob_trace_node_id(const struct mob_trace *t, size_t i)
{
	return t->nodes[i].id;
}

size_t mob_trace_warning_count(const struct mob_trace *t)
{
	return t ? t->n_warnings : 0;
}

const char *mob_trace_warning(const struct mob_trace *t, size_t i)
{
	return t->warnings[i];
}

bool mob_trace_text_is_ns2(const char *text, size_t len)
{
	bool bol = true;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (c == '\n') {
			bol = true;
		} else if (bol && (c == ' ' || c == '\t')) {
			continue;
		} else {
			if (bol && c == '$')
				return true;
			bol = false;
		}
	}
	return false;
}

/* Either format, told apart by content. */
static int parse_any(const char *buf, size_t len, const char *name, struct mob_trace **ret)
{
	if (mob_trace_text_is_ns2(buf, len))
		return mob_trace_ns2_parse(buf, len, name, ret);
	return mob_trace_csv_parse(buf, len, name, ret);
}

int mob_file_parse(const char *path,
		   int (*parse)(const char *buf, size_t len, const char *name,
				struct mob_trace **ret),
		   struct mob_trace **ret)
{
	size_t len;
	char *buf;
	int r = util_file_read(path, MOB_TRACE_BYTES_MAX, &buf, &len);

	if (r < 0)
		return r;
	r = parse(buf, len, path, ret);
	free(buf);
	return r;
}

int mob_trace_load(const char *path, struct mob_trace **ret)
{
	return mob_file_parse(path, parse_any, ret);
}

/* ---- ns-2 reader ---- */

#define MAX_TOK 10

enum line_kind { L_NONE, L_INIT, L_SCHED_SET, L_SETDEST };

struct ev {
	unsigned node;
	size_t line;
	enum line_kind kind;
	double at_s, a, b, c; /* setdest: x y speed; set: a = value, coord in `coord` */
	char coord;
};

static bool num(const char *s, double *ret)
{
	char *end;
	double v;

	if (!*s)
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (*end || errno == ERANGE || !isfinite(v))
		return false;
	*ret = v;
	return true;
}

static bool node_tok(const char *s, unsigned *ret)
{
	unsigned long v;
	char *end;

	if (strncmp(s, "$node_(", 7) || s[7] < '0' || s[7] > '9')
		return false;
	errno = 0;
	v = strtoul(s + 7, &end, 10);
	if (errno || strcmp(end, ")") || v > UINT_MAX)
		return false;
	*ret = v;
	return true;
}

static char coord_tok(const char *s)
{
	if ((s[0] == 'X' || s[0] == 'Y' || s[0] == 'Z') && s[1] == '_' && !s[2])
		return s[0];
	return 0;
}

/* 1 when the line is an event or initial set (in *e), 0 when empty, -1 when malformed. */
static int parse_line(char *l, struct ev *e, const char **why)
{
	char *tok[MAX_TOK], *p, *sp;
	size_t n = 0, len;

	p = strchr(l, '#');
	if (p)
		*p = '\0';
	/* quotes only group the Tcl command; ns-3 strips them too */
	for (p = l; *p; p++)
		if (*p == '"' || *p == '\r')
			*p = ' ';
	/* ns-3's TrimNs2Line drops trailing blanks and ';' alike */
	len = strlen(l);
	while (len && (l[len - 1] == ' ' || l[len - 1] == '\t' || l[len - 1] == ';'))
		l[--len] = '\0';
	for (p = strtok_r(l, " \t", &sp); p; p = strtok_r(NULL, " \t", &sp)) {
		if (n == MAX_TOK) {
			*why = "too many fields";
			return -1;
		}
		tok[n++] = p;
	}
	if (!n)
		return 0;
	if (n == 4 && !strcmp(tok[1], "set")) {
		e->kind = L_INIT;
		e->at_s = 0;
		if (!node_tok(tok[0], &e->node)) {
			*why = "bad node, expected $node_(N)";
			return -1;
		}
		e->coord = coord_tok(tok[2]);
		if (!e->coord) {
			*why = "expected X_, Y_ or Z_";
			return -1;
		}
		if (!num(tok[3], &e->a) || !mob_coord_ok(e->a)) {
			*why = "bad coordinate (at most 10^7 m either way)";
			return -1;
		}
		return 1;
	}
	if (n < 7 || strcmp(tok[0], "$ns_") || strcmp(tok[1], "at")) {
		*why = "not '$node_(N) set X_ v' nor '$ns_ at T \"$node_(N) ...\"'";
		return -1;
	}
	if (!num(tok[2], &e->at_s)) {
		*why = "bad time";
		return -1;
	}
	if (!mob_time_ok(e->at_s)) {
		*why = e->at_s < 0 ? "negative time" : "time beyond 10^9 s";
		return -1;
	}
	if (!node_tok(tok[3], &e->node)) {
		*why = "bad node, expected $node_(N)";
		return -1;
	}
	if (n == 7 && !strcmp(tok[4], "set")) {
		e->kind = L_SCHED_SET;
		e->coord = coord_tok(tok[5]);
		if (!e->coord) {
			*why = "expected X_, Y_ or Z_";
			return -1;
		}
		if (!num(tok[6], &e->a) || !mob_coord_ok(e->a)) {
			*why = "bad coordinate (at most 10^7 m either way)";
			return -1;
		}
		return 1;
	}
	if (n == 8 && !strcmp(tok[4], "setdest")) {
		e->kind = L_SETDEST;
		if (!num(tok[5], &e->a) || !num(tok[6], &e->b) || !mob_coord_ok(e->a) ||
		    !mob_coord_ok(e->b)) {
			*why = "bad destination (at most 10^7 m either way)";
			return -1;
		}
		if (!num(tok[7], &e->c) || !mob_speed_ok(e->c)) {
			*why = "bad speed (0 to 10000 m/s)";
			return -1;
		}
		return 1;
	}
	*why = "expected 'setdest x y speed' or 'set X_ v'";
	return -1;
}

static void set_coord(struct mob_pos *p, char c, double v)
{
	if (c == 'X')
		p->x = v;
	else if (c == 'Y')
		p->y = v;
	else
		p->z = v;
}

/* Apply one node's events in file order, as ns-3 schedules them from last_pos. */
static int apply(struct mob_trace *t, struct mob_node *n, const struct ev *e, const char *name)
{
	struct mob_seg s = {.t0_s = e->at_s, .t1_s = e->at_s};
	struct mob_pos cur;

	if (n->n_segs && e->at_s < n->segs[n->n_segs - 1].t0_s)
		return mob_trace_warn(t, name, e->line,
				      "time %g before this node's previous event at %g, skipped",
				      e->at_s, n->segs[n->n_segs - 1].t0_s);
	mob_node_pos(n, e->at_s, &cur);
	s.from = cur;
	s.to = cur;
	if (e->kind == L_SCHED_SET) {
		set_coord(&s.to, e->coord, e->a);
		s.from = s.to;
	} else if (e->c > 0) {
		double dx = e->a - cur.x, dy = e->b - cur.y;
		double dt = sqrt(dx * dx + dy * dy) / e->c;

		if (dt > 0) {
			s.t1_s = e->at_s + dt;
			s.vx = dx / dt;
			s.vy = dy / dt;
			/* exact destination; z is never changed by setdest */
			s.to.x = e->a;
			s.to.y = e->b;
		}
	}
	return mob_node_seg_add(n, &s);
}

int mob_trace_ns2_parse(const char *text, size_t len, const char *name, struct mob_trace **ret)
{
	struct mob_trace *t = mob_trace_new();
	struct ev *evs = NULL;
	size_t n_evs = 0, cap_evs = 0;
	struct mob_lines l;
	int r;

	r = mob_lines_start(&l, text, len);
	if (!t || r < 0) {
		r = -ENOMEM;
		goto err;
	}
	/* pass 1: initial positions apply wherever they are; events kept in file order */
	while (mob_lines_next(&l)) {
		const char *why = "";
		struct ev e = {0};
		struct mob_node *n;
		int k = parse_line(l.line, &e, &why);

		if (k == 0)
			continue;
		if (k < 0) {
			r = mob_trace_warn(t, name, l.lineno, "%s, line skipped", why);
			if (r < 0)
				goto err;
			continue;
		}
		e.line = l.lineno;
		n = mob_trace_node_get(t, e.node, true);
		if (!n && t->n_nodes >= MOB_TRACE_NODES_MAX) {
			r = mob_trace_warn(t, name, l.lineno,
					   "node %u: more than %u nodes in the trace, line skipped",
					   e.node, MOB_TRACE_NODES_MAX);
			if (r < 0)
				goto err;
			continue;
		}
		if (!n) {
			r = -ENOMEM;
			goto err;
		}
		if (e.kind == L_INIT) {
			set_coord(&n->init, e.coord, e.a);
			continue;
		}
		r = util_grow(&evs, &cap_evs, n_evs, sizeof(*evs), 64);
		if (r < 0)
			goto err;
		evs[n_evs++] = e;
	}
	/* pass 2: motion from the initial positions, now all known */
	for (size_t k = 0; k < n_evs; k++) {
		r = apply(t, mob_trace_node_get(t, evs[k].node, false), &evs[k], name);
		if (r < 0)
			goto err;
	}
	r = mob_trace_warn_end(t, name);
	if (r < 0)
		goto err;
	mob_trace_sort(t);
	free(evs);
	mob_lines_free(&l);
	*ret = t;
	return 0;
err:
	free(evs);
	mob_lines_free(&l);
	mob_trace_free(t);
	return r;
}

int mob_trace_ns2_load(const char *path, struct mob_trace **ret)
{
	return mob_file_parse(path, mob_trace_ns2_parse, ret);
}
