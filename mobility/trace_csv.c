/* SPDX-License-Identifier: MIT */
/*
 * CSV traces "t,node,x,y[,z]": per node, linear interpolation between samples, held before
 * the first and after the last.  Rows may come in any order: they are sorted by time per
 * node (rows with equal times keep file order, so the later row wins from that time on).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>

#include "mobility/mobility.h"
#include "util/mem.h"

struct sample {
	unsigned node;
	size_t line;
	double t_s;
	struct mob_pos p;
};

static int cmp_sample(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;

	if (x->node != y->node)
		return (x->node > y->node) - (x->node < y->node);
	if (x->t_s != y->t_s)
		return (x->t_s > y->t_s) - (x->t_s < y->t_s);
	return (x->line > y->line) - (x->line < y->line);
}

static char *trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static bool num(char *s, double *ret)
{
	char *end;
	double v;

	s = trim(s);
	if (!*s)
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (*end || errno == ERANGE || !isfinite(v))
		return false;
	*ret = v;
	return true;
}

/* 1 sample, 0 empty, -1 malformed (why set) */
static int parse_row(char *l, struct sample *s, const char **why)
{
	char *f[6], *p = strchr(l, '#'), *sp;
	size_t n = 0;
	double node;

	if (p)
		*p = '\0';
	if (!*trim(l))
		return 0;
	for (p = strtok_r(l, ",", &sp); p; p = strtok_r(NULL, ",", &sp)) {
		if (n == 6)
			break;
		f[n++] = p;
	}
	if (n != 4 && n != 5) {
		*why = "expected t,node,x,y[,z]";
		return -1;
	}
	if (!num(f[0], &s->t_s)) {
		*why = "bad time";
		return -1;
	}
	if (!mob_time_ok(s->t_s)) {
		*why = "time out of range (0 to 10^9 s)";
		return -1;
	}
	if (!num(f[1], &node) || node < 0 || node > UINT_MAX || node != floor(node)) {
		*why = "bad node id";
		return -1;
	}
	s->node = node;
	if (!num(f[2], &s->p.x) || !num(f[3], &s->p.y) || (n == 5 && !num(f[4], &s->p.z)) ||
	    !mob_coord_ok(s->p.x) || !mob_coord_ok(s->p.y) || (n == 5 && !mob_coord_ok(s->p.z))) {
		*why = "bad coordinate (at most 10^7 m either way)";
		return -1;
	}
	if (n == 4)
		s->p.z = 0;
	return 1;
}

static int build(struct mob_trace *t, const struct sample *s, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		struct mob_node *nd = mob_trace_node_get(t, s[i].node, true);
		struct mob_seg g = {0};
		double dt;
		int r;

		if (!nd && t->n_nodes >= MOB_TRACE_NODES_MAX) {
			/* rows are sorted by node: skip this node's, warn once */
			size_t k = i;
			int r2;

			while (k + 1 < n && s[k + 1].node == s[i].node)
				k++;
			r2 = mob_trace_warn(t, name, s[i].line,
					    "node %u: more than %u nodes in the trace, its rows "
					    "skipped",
					    s[i].node, MOB_TRACE_NODES_MAX);
			if (r2 < 0)
				return r2;
			i = k;
			continue;
		}
		if (!nd)
			return -ENOMEM;
		if (i == 0 || s[i - 1].node != s[i].node) {
			nd->init = s[i].p;
			continue;
		}
		g.t0_s = s[i - 1].t_s;
		g.t1_s = s[i].t_s;
		g.from = s[i - 1].p;
		g.to = s[i].p;
		dt = g.t1_s - g.t0_s;
		if (dt > 0) {
			g.vx = (g.to.x - g.from.x) / dt;
			g.vy = (g.to.y - g.from.y) / dt;
			g.vz = (g.to.z - g.from.z) / dt;
		}
		/* samples too close in time for a finite speed (1e-310 s apart): a jump too */
		if (!(dt > 0) || !isfinite(g.vx) || !isfinite(g.vy) || !isfinite(g.vz)) {
			g.vx = g.vy = g.vz = 0;
			/* same time twice: a jump to the later row */
			g.from = g.to;
		}
		r = mob_node_seg_add(nd, &g);
		if (r < 0)
			return r;
	}
	return 0;
}

int mob_trace_csv_parse(const char *text, size_t len, const char *name, struct mob_trace **ret)
{
	struct mob_trace *t = mob_trace_new();
	struct sample *ss = NULL;
	size_t n_ss = 0, cap_ss = 0;
	struct mob_lines l;
	bool first = true;
	int r;

	r = mob_lines_start(&l, text, len);
	if (!t || r < 0) {
		r = -ENOMEM;
		goto out;
	}
	while (mob_lines_next(&l)) {
		const char *why = "";
		struct sample s = {0};
		int k = parse_row(l.line, &s, &why);

		if (k == 0)
			continue;
		if (k < 0) {
			/* a header is only allowed as the first non-comment line */
			if (first && !strcmp(why, "bad time")) {
				first = false;
				continue;
			}
			r = mob_trace_warn(t, name, l.lineno, "%s, line skipped", why);
			if (r < 0)
				goto out;
			continue;
		}
		first = false;
		s.line = l.lineno;
		r = util_grow(&ss, &cap_ss, n_ss, sizeof(*ss), 64);
		if (r < 0)
			goto out;
		ss[n_ss++] = s;
	}
	if (n_ss)
		qsort(ss, n_ss, sizeof(*ss), cmp_sample);
	r = build(t, ss, n_ss, name);
	if (r == 0)
		r = mob_trace_warn_end(t, name);
	if (r < 0)
		goto out;
	mob_trace_sort(t);
	*ret = t;
	t = NULL;
out:
	free(ss);
	mob_lines_free(&l);
	mob_trace_free(t);
	return r;
}

int mob_trace_csv_load(const char *path, struct mob_trace **ret)
{
	return mob_file_parse(path, mob_trace_csv_parse, ret);
}
