/* SPDX-License-Identifier: MIT */
/*
 * `edgemu trace FILE [--at T] [--node N] [--every T --until T]`: positions read from an ns-2
 * movement file or a CSV trace, so a user can check a trace before a run uses it.
 */
#include "cli/cli.h"
#include "util/file.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mobility/mobility.h"
#include "util/opt.h"

static const char usage_trace[] =
    "usage: edgemu trace FILE [--at T] [--node N] [--every T --until T]\n"
    "  Print each node's position (x y z, metres) at time T seconds (default 0)\n"
    "  from an ns-2 movement file (read as ns-3's Ns2MobilityHelper does) or a CSV\n"
    "  trace t,node,x,y. With --every/--until: one row per step from --at to --until.\n"
    "  Malformed trace lines are reported on stderr as FILE:LINE warnings.\n";

static bool parse_time(const char *s, double *ret)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(v) || v < 0)
		return false;
	*ret = v;
	return true;
}

static void print_row(const struct mob_trace *t, unsigned node, double at)
{
	struct mob_pos p;

	if (mob_trace_pos(t, node, at, &p) == 0)
		printf("%-10.3f %-6u %12.3f %12.3f %10.3f\n", at, node, p.x, p.y, p.z);
}

int cli_trace(int argc, char **argv)
{
	double at = 0, every = 0, until = 0;
	bool has_every = false, has_until = false, has_node = false;
	const char *file = NULL;
	struct mob_trace *t = NULL;
	unsigned node = 0;
	size_t steps;
	int r;

	if (cli_wants_help(argc, argv)) {
		fputs(usage_trace, stdout);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v, *name;

		name = util_opt_is(a, "--at")	   ? "--at"
		       : util_opt_is(a, "--every") ? "--every"
		       : util_opt_is(a, "--until") ? "--until"
						   : NULL;

		if (name) {
			double *dst = name[2] == 'a' ? &at : name[2] == 'e' ? &every : &until;

			v = util_opt_value(argc, argv, &i, name);
			if (!v || !parse_time(v, dst)) {
				fprintf(stderr, "edgemu trace: %s needs seconds >= 0, got '%s'\n",
					name, v ? v : "");
				return 2;
			}
			has_every |= dst == &every;
			has_until |= dst == &until;
		} else if (util_opt_is(a, "--node")) {
			char *end;
			unsigned long n;

			v = util_opt_value(argc, argv, &i, "--node");
			errno = 0;
			n = v ? strtoul(v, &end, 10) : 0;
			if (!v || !*v || *end || errno || n > UINT_MAX || v[0] == '-') {
				fprintf(stderr, "edgemu trace: --node needs a node id, got '%s'\n",
					v ? v : "");
				return 2;
			}
			node = n;
			has_node = true;
		} else if (a[0] == '-' || file) {
			fprintf(stderr, "edgemu trace: unexpected argument '%s'\n%s", a,
				usage_trace);
			return 2;
		} else {
			file = a;
		}
	}
	if (!file) {
		fprintf(stderr, "edgemu trace: no trace file given\n%s", usage_trace);
		return 2;
	}
	if (has_every != has_until || (has_every && (every <= 0 || until < at))) {
		fputs("edgemu trace: --every T (> 0) and --until T (>= --at) go together\n",
		      stderr);
		return 2;
	}
	if (has_every && (until - at) / every > 1e6) {
		fprintf(stderr, "edgemu trace: more than a million steps, use a larger --every\n");
		return 2;
	}

	r = mob_trace_load(file, &t);
	if (r < 0) {
		fprintf(stderr, "edgemu trace: cannot read %s: %s\n", file, util_file_strerror(r));
		return 1;
	}
	for (size_t i = 0; i < mob_trace_warning_count(t); i++)
		fprintf(stderr, "warning: %s\n", mob_trace_warning(t, i));
	if (!mob_trace_node_count(t)) {
		fprintf(stderr, "edgemu trace: %s holds no node positions\n", file);
		r = 1;
		goto out;
	}
	if (has_node && !mob_trace_has(t, node)) {
		fprintf(stderr, "edgemu trace: %s has no node %u\n", file, node);
		r = 1;
		goto out;
	}

	printf("%-10s %-6s %12s %12s %10s\n", "t_s", "node", "x", "y", "z");
	steps = has_every ? (size_t)floor((until - at) / every + 1e-9) : 0;
	for (size_t s = 0; s <= steps; s++) {
		double ts = at + s * every;

		if (has_node) {
			print_row(t, node, ts);
			continue;
		}
		for (size_t i = 0; i < mob_trace_node_count(t); i++)
			print_row(t, mob_trace_node_id(t, i), ts);
	}
	r = 0;
out:
	mob_trace_free(t);
	return r;
}
