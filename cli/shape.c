/* SPDX-License-Identifier: MIT */
/*
 * `edgemu shape RUN NODE:IF [options]`: read or change, while the run goes on, the shaping
 * of the link behind one interface, through whichever backend carries it.
 */
#include "cli/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/shape.h"
#include "topo/net.h"

static const char usage[] =
    "usage: edgemu shape RUN NODE:IFNAME [--dir out|in|both] [--delay T] [--jitter T]\n"
    "                    [--distribution normal|uniform|pareto] [--loss P]\n"
    "                    [--gilbert P,R[,H,K]] [--rate R] [--limit N] [--trace FILE]\n"
    "\n"
    "Without options: print the shaping applied now to both directions of the link\n"
    "behind interface IFNAME of node NODE (out = frames that leave through it).\n"
    "With options: change it now, for the next frame on (default --dir out). Options not\n"
    "given are taken from the file's values for that direction; --delay 0 etc. clear.\n"
    "Units as in scenario files: 5ms, 1.5s, 0.5%, 100mbit.\n";

static int find_if(const struct topo_model *m, const char *spec, unsigned *ret_link,
		   unsigned *ret_end)
{
	const char *colon = strchr(spec, ':');
	char node[TOPO_NAME_MAX + 2];
	int n;

	if (!colon || (size_t)(colon - spec) > TOPO_NAME_MAX)
		return -EINVAL;
	snprintf(node, sizeof(node), "%.*s", (int)(colon - spec), spec);
	n = topo_node_find(m, node);
	if (n < 0)
		return -ENOENT;
	for (unsigned l = 0; l < m->n_links; l++)
		for (unsigned e = 0; e < 2; e++)
			if (m->links[l].end[e].node == (unsigned)n &&
			    !strcmp(m->links[l].end[e].ifname, colon + 1)) {
				*ret_link = l;
				*ret_end = e;
				return 0;
			}
	return -ENOENT;
}

static void print_shape(const char *label, const struct emu_shape *s, bool applied)
{
	static const char *const dist[] = {"none", "normal", "uniform", "pareto"};

	printf("%s ", label);
	if (!applied) {
		printf("nothing applied\n");
		return;
	}
	printf("delay %.3fms jitter %.3fms %s", s->delay_ns / 1e6, s->jitter_ns / 1e6,
	       s->jitter_ns ? dist[s->dist] : "");
	if (s->loss.model == EMU_LOSS_RANDOM)
		printf(" loss %g%%", s->loss.p * 100);
	else if (s->loss.model == EMU_LOSS_GILBERT)
		printf(" loss gilbert p %g%% r %g%% h %g%% k %g%%", s->loss.p * 100,
		       s->loss.r * 100, s->loss.h * 100, s->loss.k * 100);
	printf(" rate %" PRIu64 "bit limit %u\n", s->rate_bps, s->limit);
}

static int parse_gilbert(const char *v, struct emu_loss *ret_loss)
{
	char buf[128], *save = NULL, *tok;
	double x[4] = {0, 0, 0, 1};
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == 4 || topo_unit_percent(tok, &x[n]) < 0)
			return -EINVAL;
		n++;
	}
	if (n != 2 && n != 4)
		return -EINVAL;
	*ret_loss = (struct emu_loss){EMU_LOSS_GILBERT, x[0], x[1], x[2], x[3]};
	return 0;
}

/* Apply one --key value to s; 0, or -EINVAL with the reason printed. */
static int apply_opt(const char *key, const char *v, struct emu_shape *s)
{
	uint64_t u;
	double p;

	if (!strcmp(key, "--delay") && (topo_unit_time(v, &u) == 0 || !strcmp(v, "0"))) {
		s->delay_ns = strcmp(v, "0") ? u : 0;
	} else if (!strcmp(key, "--jitter") && (topo_unit_time(v, &u) == 0 || !strcmp(v, "0"))) {
		s->jitter_ns = strcmp(v, "0") ? u : 0;
		if (s->jitter_ns && s->dist == EMU_DIST_NONE)
			s->dist = EMU_DIST_NORMAL;
	} else if (!strcmp(key, "--distribution")) {
		if (!strcmp(v, "normal"))
			s->dist = EMU_DIST_NORMAL;
		else if (!strcmp(v, "uniform"))
			s->dist = EMU_DIST_UNIFORM;
		else if (!strcmp(v, "pareto"))
			s->dist = EMU_DIST_PARETO;
		else
			goto bad;
	} else if (!strcmp(key, "--loss") && (topo_unit_percent(v, &p) == 0 || !strcmp(v, "0"))) {
		s->loss = (struct emu_loss){.model = EMU_LOSS_NONE};
		if (strcmp(v, "0") && p > 0)
			s->loss = (struct emu_loss){.model = EMU_LOSS_RANDOM, .p = p};
	} else if (!strcmp(key, "--gilbert") && parse_gilbert(v, &s->loss) == 0) {
	} else if (!strcmp(key, "--rate") && (topo_unit_rate(v, &u) == 0 || !strcmp(v, "0"))) {
		s->rate_bps = strcmp(v, "0") ? u : 0;
	} else if (!strcmp(key, "--limit") && atoi(v) > 0) {
		s->limit = (uint32_t)atoi(v);
	} else if (!strcmp(key, "--trace")) {
		s->trace = v;
	} else {
		goto bad;
	}
	return 0;
bad:
	fprintf(stderr, "edgemu shape: bad value '%s' for %s\n%s", v, key, usage);
	return -EINVAL;
}

int cli_shape(int argc, char **argv)
{
	struct topo_net *net;
	struct topo_err err;
	struct emu_shape s[2];
	unsigned link, end, dirs = 1; /* bit 0: out, bit 1: in */
	bool change = false;
	int rc = 0, r;

	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc < 3) {
		fputs(usage, stderr);
		return 2;
	}
	if (cli_need_root("shape"))
		return 1;
	if (topo_net_load(argv[1], &net, &err) < 0) {
		fprintf(stderr, "edgemu shape: %s\n", err.msg);
		return 1;
	}
	r = find_if(net->m, argv[2], &link, &end);
	if (r < 0) {
		fprintf(stderr,
			"edgemu shape: run %s has no interface '%s' (NODE:IFNAME, as "
			"`edgemu show %s` lists them)\n",
			argv[1], argv[2], argv[1]);
		topo_net_free(net);
		return 1;
	}
	/* Start from the file's values, so a change names only what it changes. */
	topo_shape_to_emu(&net->m->links[link].dir[end], &s[0]);
	topo_shape_to_emu(&net->m->links[link].dir[!end], &s[1]);
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--dir") && i + 1 < argc) {
			const char *d = argv[++i];

			dirs = !strcmp(d, "out")    ? 1
			       : !strcmp(d, "in")   ? 2
			       : !strcmp(d, "both") ? 3
						    : 0;
			if (!dirs) {
				fprintf(stderr, "edgemu shape: --dir takes out, in or both\n");
				topo_net_free(net);
				return 2;
			}
			continue;
		}
		if (i + 1 >= argc || argv[i][0] != '-') {
			fprintf(stderr, "edgemu shape: unexpected argument '%s'\n%s", argv[i],
				usage);
			topo_net_free(net);
			return 2;
		}
		for (int d = 0; d < 2; d++)
			if (apply_opt(argv[i], argv[i + 1], &s[d]) < 0) {
				topo_net_free(net);
				return 2;
			}
		i++;
		change = true;
	}
	for (unsigned d = 0; d < 2; d++) {
		/* direction out is the link's direction `end`, in the other one */
		unsigned dir = d ? !end : end;
		struct emu_shape now = s[d];

		if (change && (dirs & (1u << d))) {
			if (topo_net_shape_set(net, link, dir, &s[d], &err) < 0) {
				fprintf(stderr, "edgemu shape: %s\n", err.msg);
				rc = 1;
				continue;
			}
		}
		r = topo_net_shape_get(net, link, dir, &now);
		print_shape(d ? "in: " : "out:", &now, r == 0);
	}
	topo_net_free(net);
	return rc;
}
