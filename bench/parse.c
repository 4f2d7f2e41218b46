/* SPDX-License-Identifier: MIT */
/*
 * bench/parse: parse and plan (addresses, routes) generated scenarios of growing size, to
 * see how the parser and the planner scale: a star of N hosts, a chain of N links with
 * named interfaces, a radio scenario of U UEs by E eNBs, and flow sequences nested D deep.
 * Prints a table; asserts nothing; needs no root.
 *
 *   build/bench/parse [-p] [CASE...]     CASE: star:N, named:N, radio:UxE, nest:D
 *
 * -p: parse only (the route plan is all pairs, and dominates large cases).
 * Without arguments it runs a default set, up to the limits docs/scenario.md gives. A case
 * beyond a limit shows the parser's error and how long it took to say so.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "topo/topo.h"
#include "util/clock.h"
#include "util/text.h"

/* n nodes: a router and n - 1 hosts around it, one link each. */
static void gen_star(struct util_buf *t, unsigned n)
{
	util_buf_printf(t, "name: star\nnodes:\n  r: {kind: router}\n");
	for (unsigned i = 1; i < n; i++)
		util_buf_printf(t, "  h%u: {kind: host}\n", i);
	util_buf_printf(t, "links:\n");
	for (unsigned i = 1; i < n; i++)
		util_buf_printf(t, "  - {endpoints: [r, h%u], delay: 1ms}\n", i);
}

/* n routers in a line, every interface named in the file. */
static void gen_named(struct util_buf *t, unsigned n)
{
	util_buf_printf(t, "name: named\nnodes:\n");
	for (unsigned i = 0; i < n; i++)
		util_buf_printf(t, "  r%u: {kind: router}\n", i);
	util_buf_printf(t, "links:\n");
	for (unsigned i = 0; i + 1 < n; i++)
		util_buf_printf(t, "  - {endpoints: [\"r%u:right\", \"r%u:left\"]}\n", i, i + 1);
}

/* u UEs standing in a row, e eNBs, each eNB wired to one router. */
static void gen_radio(struct util_buf *t, unsigned u, unsigned e)
{
	util_buf_printf(t, "name: radio\nradio: {}\nnodes:\n  core: {kind: router}\n");
	for (unsigned i = 0; i < e; i++)
		util_buf_printf(t, "  enb%u: {kind: enb, pos: [%u, 0]}\n", i, i * 500);
	for (unsigned i = 0; i < u; i++)
		util_buf_printf(t, "  ue%u: {kind: ue, pos: [%u, 10]}\n", i, i);
	util_buf_printf(t, "links:\n");
	for (unsigned i = 0; i < e; i++)
		util_buf_printf(t, "  - {endpoints: [enb%u, core], delay: 1ms}\n", i);
}

/* d levels of YAML nesting in all (the top-level mapping is the first). */
static void gen_nest(struct util_buf *t, unsigned d)
{
	util_buf_printf(t, "name: nest\nnodes: {a: {kind: host, pos: ");
	for (unsigned i = 3; i < d; i++)
		util_buf_printf(t, "[");
	for (unsigned i = 3; i < d; i++)
		util_buf_printf(t, "]");
	util_buf_printf(t, "}}\n");
}

static bool parse_only;

static void run(const char *spec)
{
	struct util_buf t = {0};
	struct topo_model *m = NULL;
	struct topo_routes routes = {0};
	struct topo_err err = {{0}};
	unsigned a = 0, b = 0;
	double t0, t1, t2, t3;
	int r;

	if (sscanf(spec, "star:%u", &a) == 1)
		gen_star(&t, a);
	else if (sscanf(spec, "named:%u", &a) == 1)
		gen_named(&t, a);
	else if (sscanf(spec, "radio:%ux%u", &a, &b) == 2)
		gen_radio(&t, a, b);
	else if (sscanf(spec, "nest:%u", &a) == 1)
		gen_nest(&t, a);
	else {
		fprintf(stderr, "unknown case '%s' (star:N, named:N, radio:UxE, nest:D)\n", spec);
		exit(2);
	}
	if (t.err) {
		fprintf(stderr, "parse: out of memory\n");
		exit(1);
	}
	t0 = util_now_ms();
	r = topo_parse_string(t.s, t.len, "bench.yaml", &m, &err);
	t1 = util_now_ms();
	if (r < 0) {
		printf("%-16s %9.1f KiB %10.1f %10s %10s  %.70s\n", spec, (double)t.len / 1024,
		       t1 - t0, "-", "-", err.msg);
		free(t.s);
		return;
	}
	r = parse_only ? 0 : topo_plan_addresses(m, 0, &err);
	t2 = util_now_ms();
	if (r == 0 && !parse_only)
		r = topo_plan_routes(m, 0, &routes);
	t3 = util_now_ms();
	printf("%-16s %9.1f KiB %10.1f %10.1f %10.1f  %u nodes, %u links, %zu routes%s%s\n", spec,
	       (double)t.len / 1024, t1 - t0, t2 - t1, t3 - t2, m->n_nodes, m->n_links, routes.n,
	       r < 0 ? "; plan failed: " : "", r < 0 ? err.msg : "");
	topo_routes_free(&routes);
	topo_model_free(m);
	free(t.s);
}

int main(int argc, char **argv)
{
	static const char *const defaults[] = {
	    /* radio:150x100 is about the most the address pool (16384 links) holds. */
	    "star:1000",     "star:5000",     "star:10000",	"star:80000",
	    "named:1000",    "named:5000",    "named:20000",	"radio:100x10",
	    "radio:150x100", "radio:400x100", "radio:1000x100", "radio:1000x250",
	    "nest:64",	     "nest:1000",     "nest:20000",	NULL,
	};

	printf("%-16s %13s %10s %10s %10s  %s\n", "case", "size", "parse ms", "addr ms",
	       "routes ms", "result");
	if (argc > 1 && !strcmp(argv[1], "-p")) {
		parse_only = true;
		argc--;
		argv++;
	}
	if (argc > 1)
		for (int i = 1; i < argc; i++)
			run(argv[i]);
	else
		for (int i = 0; defaults[i]; i++)
			run(defaults[i]);
	return 0;
}
