/* SPDX-License-Identifier: MIT */
/*
 * `edgemu attach RUN UE CELL` and `edgemu attach RUN UE --detach`: a manual handover on a
 * network `edgemu up` built and handed over (idle). A run that `edgemu run` owns is refused:
 * its runner moves the UEs, and a handover made behind its back would be undone at its next
 * tick and missing from its results.
 */
#include "cli/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "run/run.h"
#include "topo/net.h"

static const char usage[] =
    "usage: edgemu attach RUN UE CELL\n"
    "       edgemu attach RUN UE --detach\n"
    "\n"
    "Hand radio UE UE of run RUN over to cell CELL (an eNB), or detach it, on a network\n"
    "`edgemu up` built (idle, as `edgemu show` says; not one `edgemu run` owns, whose\n"
    "runner moves its UEs itself). The UE's routes move to CELL's radio link in one netlink\n"
    "batch; that link is shaped from the UE's signal where it stands at t = 0 (its pos:,\n"
    "or its mobility: at time 0), as `edgemu up` does; its previous cell's link is cut.\n"
    "--detach deletes its routes and cuts its link. Prints what changed and how long the\n"
    "kernel took for the routes; `edgemu show RUN` then shows each UE's cell.\n";

/* Whether run `name` may be changed by hand: idle. Else 1, with the reason printed. */
static int check_idle(const char *name)
{
	struct topo_owner o;
	char what[160];

	if (topo_net_owner_get(name, &o) < 0) {
		fprintf(stderr,
			"edgemu attach: no run named '%s' (see 'edgemu show' for the runs)\n",
			name);
		return 1;
	}
	if (o.life == TOPO_LIFE_IDLE)
		return 0;
	topo_owner_describe(&o, what, sizeof(what));
	if (o.life == TOPO_LIFE_LIVE)
		fprintf(stderr,
			"edgemu attach: run %s is live (%s): its owner moves the UEs itself; "
			"attach works on an idle network from `edgemu up`\n",
			name, what);
	else
		fprintf(stderr,
			"edgemu attach: run %s is a leftover (%s), not a network to use: "
			"edgemu clean removes it\n",
			name, what);
	return 1;
}

/* The node called name of kind kind, or -1 with the reason printed. */
static int node_of(const struct topo_net *net, const char *name, enum topo_kind kind,
		   const char *as)
{
	int n = topo_node_find(net->m, name);

	if (n < 0) {
		fprintf(stderr, "edgemu attach: run %s has no node '%s'\n", net->name, name);
		return -1;
	}
	if (net->m->nodes[n].kind != kind) {
		fprintf(stderr, "edgemu attach: node %s is not %s: its kind is %s\n", name, as,
			topo_kind_name(net->m->nodes[n].kind));
		return -1;
	}
	return n;
}

static const char *ip(uint32_t a, char buf[INET_ADDRSTRLEN])
{
	struct in_addr in = {htonl(a)};

	return inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

static void print_move(const struct topo_net *net, unsigned ue, const struct run_ue_move *mv)
{
	const struct topo_model *m = net->m;
	const char *u = m->nodes[ue].name, *from = mv->from >= 0 ? m->nodes[mv->from].name : "none";
	char via[INET_ADDRSTRLEN], src[INET_ADDRSTRLEN];
	uint64_t us = (mv->kernel_ns + 500) / 1000;

	if (mv->to < 0) {
		printf("%s: %s -> none (routes removed), %" PRIu64 " us\n", u, from, us);
		printf("  shaping: %s's radio links cut (100%% loss)\n", u);
		return;
	}
	printf("%s: %s -> %s (routes via %s, source %s), %" PRIu64 " us\n", u, from,
	       m->nodes[mv->to].name, ip(mv->via, via), ip(mv->src, src), us);
	if (!mv->in_range)
		printf("  shaping: %s:%s both ways: %.1f dBm, below min_signal: out of range, "
		       "the link passes nothing (100%% loss)\n",
		       u, m->nodes[mv->to].name, mv->signal_dbm);
	else
		printf("  shaping: %s:%s both ways: %.1f dBm, %.1f Mbit/s, %.2f%% loss, "
		       "%.1f ms delay; %s's other radio links cut\n",
		       u, m->nodes[mv->to].name, mv->signal_dbm, (double)mv->rate_bps / 1e6,
		       100 * mv->loss, (double)mv->delay_ns / 1e6, u);
}

int cli_attach(int argc, char **argv)
{
	struct topo_net *net;
	struct topo_err err;
	struct run_ue_move mv;
	int ue, enb = -1, rc = 1;
	bool detach;

	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc != 4 || (argv[3][0] == '-' && strcmp(argv[3], "--detach"))) {
		if (argc > 1)
			fprintf(stderr, "edgemu attach: expected RUN UE CELL or RUN UE --detach\n");
		fputs(usage, stderr);
		return 2;
	}
	detach = !strcmp(argv[3], "--detach");
	if (cli_need_root("attach"))
		return 1;
	if (!topo_net_name_valid(argv[1])) {
		fprintf(stderr, "edgemu attach: '%s' is not a run name\n", argv[1]);
		return 1;
	}
	if (check_idle(argv[1]))
		return 1;
	if (topo_net_load(argv[1], &net, &err) < 0) {
		fprintf(stderr, "edgemu attach: %s\n", err.msg);
		return 1;
	}
	if (!net->m->has_radio) {
		fprintf(stderr,
			"edgemu attach: run %s: its scenario has no radio: section, so its UEs "
			"have no radio links and no cell to attach to\n",
			net->name);
		goto out;
	}
	ue = node_of(net, argv[2], TOPO_UE, "a UE (kind ue)");
	if (ue < 0 || (!detach && (enb = node_of(net, argv[3], TOPO_ENB, "an eNB (kind enb)")) < 0))
		goto out;
	if (run_radio_ue_set(net, (unsigned)ue, enb, &mv, &err) < 0) {
		fprintf(stderr, "edgemu attach: run %s: %s\n", net->name, err.msg);
		goto out;
	}
	print_move(net, (unsigned)ue, &mv);
	rc = 0;
out:
	topo_net_free(net);
	return rc;
}
