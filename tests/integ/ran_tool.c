/* SPDX-License-Identifier: MIT */
/*
 * The radio access network of a run through topo/'s calls, as the runner uses them, for
 * tests/integ/test_ran_build.sh and for measuring (root only).
 *
 *   ran_tool up FILE RUN [--services]
 *	prepare and build FILE's network as RUN (with --services, start its services and
 *	their steering), hand it over (as `edgemu up`); prints "built RUN in MS ms (steps:
 *	nodes N, links L, config C)".
 *   ran_tool hold FILE RUN
 *	the same, but this process keeps owning the run and waits until it is killed (as
 *	`edgemu run`): prints "holding RUN" once built.
 *   ran_tool attach RUN UE ENB|-
 *	UE attached to ENB's cell, its radio shaped both ways with radio.delay
 *	(topo_net_ran_attach, topo_net_ran_shape), or detached; prints "attached UE to ENB in
 *	US us" or "detached UE in US us".
 *   ran_tool stats RUN ENB
 *	the cell's counters: "ues N up_pkts N up_bytes N down_pkts N down_bytes N x2_pkts N
 *	ho_drop_pkts N drop_pkts N".
 *   ran_tool cells RUN
 *	every cell's counters in one call (topo_net_cells_stats): one line per cell, its eNB's
 *	name then as stats.
 *   ran_tool shape RUN NODE UP_MS DOWN_MS
 *	NODE's radio delayed UP_MS uplink and DOWN_MS downlink in one call
 *	(topo_net_ran_shape_many); prints "shaped NODE in US us".
 *   ran_tool bench RUN UE N
 *	N attaches of UE, each to the next eNB in turn (a handover: relay switch and route
 *	batch), then N detaches (the relay's round trip alone); prints p50, p99 and max of each
 *	in microseconds.
 *   ran_tool down RUN
 *	tear the run down (topo_net_teardown); prints "removed RUN in MS ms".
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/shape.h"
#include "migrate/migrate.h"
#include "topo/net.h"
#include "util/clock.h"
#include "util/num.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int fail(const struct topo_err *err)
{
	fprintf(stderr, "ran_tool: %s\n", err->msg);
	return 1;
}

static int cmd_up(const char *file, const char *run, bool services, bool hold)
{
	struct topo_model *m;
	struct topo_net *net;
	struct topo_err err;
	double t0 = util_now_ms();
	int r;

	if (topo_parse_file(file, &m, &err) < 0 || topo_net_prepare(m, run, &net, &err) < 0)
		return fail(&err);
	r = topo_net_build(net, &stop, &err);
	if (r == 0 && services)
		r = mig_services_start(net, &err);
	if (r == 0 && !hold)
		r = topo_net_keep(net) < 0 ? topo_err_set(&err, -EIO, "keeping the run") : 0;
	if (r < 0) {
		struct topo_err terr;

		fprintf(stderr, "ran_tool: %s\n", err.msg);
		if (topo_net_teardown(run, net, &terr) < 0)
			fprintf(stderr, "ran_tool: %s\n", terr.msg);
		topo_net_free(net);
		return 1;
	}
	printf("built %s in %.0f ms (steps: nodes %.0f, links %.0f, config %.0f)\n", run,
	       util_now_ms() - t0, net->step_ms[0], net->step_ms[2], net->step_ms[3]);
	if (hold) {
		printf("holding %s\n", run);
		fflush(stdout);
		while (!stop)
			pause();
	}
	topo_net_free(net);
	return 0;
}

static int load(const char *run, struct topo_net **ret)
{
	struct topo_err err;

	if (topo_net_load(run, ret, &err) < 0)
		return fail(&err);
	return 0;
}

static int node_of(const struct topo_net *net, const char *name, enum topo_kind kind)
{
	int i = topo_node_find(net->m, name);

	if (i < 0 || net->m->nodes[i].kind != kind) {
		fprintf(stderr, "ran_tool: no %s named '%s'\n", topo_kind_name(kind), name);
		return -1;
	}
	return i;
}

static int cmd_attach(const char *run, const char *ue_name, const char *enb_name)
{
	struct topo_net *net;
	struct topo_err err;
	int ue, enb = -1, r = 0;
	uint64_t t0, t1;

	if (load(run, &net))
		return 1;
	ue = node_of(net, ue_name, TOPO_UE);
	if (strcmp(enb_name, "-"))
		enb = node_of(net, enb_name, TOPO_ENB);
	if (ue < 0 || (enb < 0 && strcmp(enb_name, "-"))) {
		topo_net_free(net);
		return 1;
	}
	t0 = util_now_ns();
	r = topo_net_ran_attach(net, (unsigned)ue, enb, &err);
	t1 = util_now_ns();
	for (unsigned d = 0; r == 0 && enb >= 0 && d < 2; d++) {
		struct emu_shape s = {.delay_ns = net->m->radio.delay_ns};

		r = topo_net_ran_shape(net, (unsigned)ue, d, &s, &err);
	}
	if (r < 0)
		fprintf(stderr, "ran_tool: %s\n", err.msg);
	else if (enb >= 0)
		printf("attached %s to %s in %.0f us\n", ue_name, enb_name, (t1 - t0) / 1e3);
	else
		printf("detached %s in %.0f us\n", ue_name, (t1 - t0) / 1e3);
	topo_net_free(net);
	return r < 0;
}

static void print_stats(const struct topo_cell_stats *p)
{
	struct topo_cell_stats st = *p;

	printf("ues %u up_pkts %llu up_bytes %llu down_pkts %llu down_bytes %llu x2_pkts "
	       "%llu ho_drop_pkts %llu drop_pkts %llu\n",
	       st.ues, (unsigned long long)st.up_pkts, (unsigned long long)st.up_bytes,
	       (unsigned long long)st.down_pkts, (unsigned long long)st.down_bytes,
	       (unsigned long long)st.x2_pkts, (unsigned long long)st.ho_drop_pkts,
	       (unsigned long long)st.drop_pkts);
}

static int cmd_stats(const char *run, const char *enb_name)
{
	struct topo_cell_stats st;
	struct topo_net *net;
	int enb, r;

	if (load(run, &net))
		return 1;
	enb = node_of(net, enb_name, TOPO_ENB);
	r = enb < 0 ? -EINVAL : topo_net_cell_stats(net, (unsigned)enb, &st);
	if (r < 0)
		fprintf(stderr, "ran_tool: the counters of cell %s: %s\n", enb_name, strerror(-r));
	else
		print_stats(&st);
	topo_net_free(net);
	return r < 0;
}

static int cmd_cells(const char *run)
{
	struct topo_cell_stats *st;
	struct topo_net *net;
	int r;

	if (load(run, &net))
		return 1;
	st = calloc(net->n_ran_cells ? net->n_ran_cells : 1, sizeof(*st));
	r = st ? topo_net_cells_stats(net, st) : -ENOMEM;
	if (r < 0)
		fprintf(stderr, "ran_tool: the cells' counters: %s\n", strerror(-r));
	for (unsigned c = 0; r == 0 && c < net->n_ran_cells; c++) {
		printf("%s ", net->m->nodes[net->ran_cell[c]].name);
		print_stats(&st[c]);
	}
	free(st);
	topo_net_free(net);
	return r < 0;
}

static int cmd_shape(const char *run, const char *name, double up_ms, double down_ms)
{
	struct topo_ran_shape v[2];
	struct topo_net *net;
	struct topo_err err;
	uint64_t t0;
	int node, r;

	if (load(run, &net))
		return 1;
	/* Any node: one that is no radio UE is for the error. */
	node = topo_node_find(net->m, name);
	v[0] = (struct topo_ran_shape){.ue = (unsigned)node, .dir = 0};
	v[1] = (struct topo_ran_shape){.ue = (unsigned)node, .dir = 1};
	v[0].s.delay_ns = (uint64_t)(up_ms * 1e6);
	v[1].s.delay_ns = (uint64_t)(down_ms * 1e6);
	t0 = util_now_ns();
	r = topo_net_ran_shape_many(net, v, 2, &err);
	if (r < 0)
		fprintf(stderr, "ran_tool: %s\n", err.msg);
	else
		printf("shaped %s in %.0f us\n", name, (util_now_ns() - t0) / 1e3);
	topo_net_free(net);
	return r < 0;
}

static void print_us(const char *what, double *v, size_t n)
{
	qsort(v, n, sizeof(*v), util_cmp_double);
	printf("%s: n %zu p50 %.1f us p99 %.1f us max %.1f us\n", what, n, util_quantile(v, n, 0.5),
	       util_quantile(v, n, 0.99), v[n - 1]);
}

static int cmd_bench(const char *run, const char *ue_name, long n)
{
	struct topo_net *net;
	struct topo_err err;
	double *att = NULL, *det = NULL;
	int ue, r = 0;

	if (n < 1 || load(run, &net))
		return 1;
	ue = node_of(net, ue_name, TOPO_UE);
	att = calloc((size_t)n, sizeof(*att));
	det = calloc((size_t)n, sizeof(*det));
	if (ue < 0 || !att || !det || net->n_ran_cells < 2) {
		fprintf(stderr, "ran_tool: bench needs a radio UE, two cells and memory\n");
		r = -EINVAL;
	}
	/* The sockets open first (the relay's, each node's): a runner keeps them open. */
	for (unsigned c = 0; r == 0 && c < net->n_ran_cells; c++)
		r = topo_net_ran_attach(net, (unsigned)ue, (int)net->ran_cell[c], &err);
	for (long i = 0; r == 0 && i < n; i++) {
		uint64_t t0 = util_now_ns();

		r = topo_net_ran_attach(net, (unsigned)ue, (int)net->ran_cell[i % net->n_ran_cells],
					&err);
		att[i] = (util_now_ns() - t0) / 1e3;
	}
	for (long i = 0; r == 0 && i < n; i++) {
		uint64_t t0 = util_now_ns();

		r = topo_net_ran_attach(net, (unsigned)ue, -1, &err);
		det[i] = (util_now_ns() - t0) / 1e3;
	}
	if (r < 0 && ue >= 0 && att && det && net->n_ran_cells >= 2) {
		fprintf(stderr, "ran_tool: %s\n", err.msg);
	} else if (r == 0) {
		printf("%u UEs, %u cells, %u nodes\n", net->n_ran_ues, net->n_ran_cells,
		       net->m->n_nodes);
		print_us("attach (relay switch + routes)", att, (size_t)n);
		print_us("detach (relay switch alone)", det, (size_t)n);
	}
	free(att);
	free(det);
	topo_net_free(net);
	return r < 0;
}

static int cmd_down(const char *run)
{
	struct topo_err err;
	double t0 = util_now_ms();

	if (topo_net_teardown(run, NULL, &err) < 0)
		return fail(&err);
	printf("removed %s in %.0f ms\n", run, util_now_ms() - t0);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	const char *cmd = argc > 1 ? argv[1] : "";

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!strcmp(cmd, "up") && (argc == 4 || (argc == 5 && !strcmp(argv[4], "--services"))))
		return cmd_up(argv[2], argv[3], argc == 5, false);
	if (!strcmp(cmd, "hold") && argc == 4)
		return cmd_up(argv[2], argv[3], false, true);
	if (!strcmp(cmd, "attach") && argc == 5)
		return cmd_attach(argv[2], argv[3], argv[4]);
	if (!strcmp(cmd, "stats") && argc == 4)
		return cmd_stats(argv[2], argv[3]);
	if (!strcmp(cmd, "cells") && argc == 3)
		return cmd_cells(argv[2]);
	if (!strcmp(cmd, "shape") && argc == 6)
		return cmd_shape(argv[2], argv[3], atof(argv[4]), atof(argv[5]));
	if (!strcmp(cmd, "bench") && argc == 5)
		return cmd_bench(argv[2], argv[3], atol(argv[4]));
	if (!strcmp(cmd, "down") && argc == 3)
		return cmd_down(argv[2]);
	fprintf(
	    stderr,
	    "usage: ran_tool up FILE RUN [--services] | hold FILE RUN | attach RUN UE "
	    "ENB|- | stats RUN ENB | cells RUN | shape RUN NODE UP_MS DOWN_MS | bench RUN UE N | "
	    "down RUN\n");
	return 2;
}
