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
    "runner moves its UEs itself). The UE keeps its one address: its radio is shaped from\n"
    "its signal from CELL where it stands at t = 0 (its pos:, or its mobility: at time 0),\n"
    "as `edgemu up` does; then the relay switches it to CELL and its /32 routes move on\n"
    "every node whose next hop changes (a path switch). --detach: the relay passes nothing\n"
    "of it; its routes stay. Prints the cell, the routes moved on each node, the shaping\n"
    "and how long the switch took; `edgemu show RUN` then shows each UE's cell.\n";

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

/* One route change of the switch: "enb2: 100.64.0.1/32 dev ran0". */
static void print_route(const struct topo_model *m, uint32_t addr, const struct topo_ran_route *rt)
{
	char a[INET_ADDRSTRLEN], via[INET_ADDRSTRLEN];

	printf("    %s: ", m->nodes[rt->node].name);
	if (rt->del)
		printf("%s/32 deleted (its route to the whole UE pool, if any, applies)\n",
		       ip(addr, a));
	else if (rt->dev_only)
		printf("%s/32 dev %s (serves it)\n", ip(addr, a), TOPO_RAN_IFNAME);
	else
		printf("%s/32 via %s dev %s\n", ip(addr, a), ip(rt->via, via),
		       m->links[rt->link].end[rt->end].ifname);
}

static void print_move(const struct topo_net *net, unsigned ue, const struct run_ue_move *mv)
{
	const struct topo_model *m = net->m;
	const char *u = m->nodes[ue].name;
	const char *from = !mv->from_known ? "unknown (no record)"
			   : mv->from >= 0 ? m->nodes[mv->from].name
					   : "none (detached)";
	const char *to = mv->to >= 0 ? m->nodes[mv->to].name : "none (detached)";
	char a[INET_ADDRSTRLEN];

	printf("%s (%s, the same address before and after): cell %s -> %s\n", u, ip(mv->addr, a),
	       from, to);
	printf("  switch: %.1f us (the relay and the routes)\n", (double)mv->switch_ns / 1e3);
	if (mv->to < 0) {
		printf("  routes: unchanged, still to %s (downlink reaching it is forwarded or "
		       "dropped as handover: forwarding: says)\n",
		       mv->routed >= 0 ? m->nodes[mv->routed].name : "no cell");
		printf("  shaping: unchanged; the relay passes nothing of %s while detached\n", u);
		return;
	}
	if (!mv->n_routes)
		printf("  routes: none moved (they led to %s already)\n", to);
	else
		printf("  routes: %zu node%s changed, from %s to %s:\n", mv->n_routes,
		       mv->n_routes == 1 ? "" : "s",
		       mv->routed >= 0 ? m->nodes[mv->routed].name : "none", to);
	for (size_t i = 0; i < mv->n_routes; i++)
		print_route(m, mv->addr, &mv->routes[i]);
	if (!mv->in_range)
		printf("  shaping: %s's radio both ways: %.1f dBm from %s, below min_signal: out "
		       "of range, it passes nothing (100%% loss); %.1f us\n",
		       u, mv->signal_dbm, to, (double)mv->shape_ns / 1e3);
	else
		printf("  shaping: %s's radio both ways: %.1f dBm from %s, %.1f Mbit/s, %.2f%% "
		       "loss, %.1f ms delay; %.1f us\n",
		       u, mv->signal_dbm, to, (double)mv->rate_bps / 1e6, 100 * mv->loss,
		       (double)mv->delay_ns / 1e6, (double)mv->shape_ns / 1e3);
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
			"have no radio and no cell to attach to\n",
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
	run_ue_move_fini(&mv);
	rc = 0;
out:
	topo_net_free(net);
	return rc;
}
