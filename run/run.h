/* SPDX-License-Identifier: MIT */
/*
 * The scenario runner: a scenario as an experiment in real time. It builds the network,
 * starts the services and the probes, and then, on one event loop (emu/loop.h), moves every
 * UE at each radio tick, shapes its radio from its signal, hands it over between cells (A3:
 * a path switch, the UE keeps its one address), asks the migration policy what to do and carries
 *out its migrations (as jobs on the same loop), records everything with the loop's clock, and at
 *the end (or on SIGINT, SIGTERM, SIGHUP, or any error) tears everything down and writes the
 *results.
 *
 * Results folder: scenario.yaml (resolved), meta.json, events.csv, rtt.csv, migrations.csv,
 * positions.csv, cells.csv, summary.json (run/write.c). A run never writes over another's results,
 *and whatever ends it (SIGKILL too) leaves what it recorded readable.
 * With traffic:, throughput.csv too (run/traffic.c).
 *
 * A run's life, each step only after the one before succeeded:
 *
 *	run_new()	the file parsed and checked (mobility, radio, policy): nothing built
 *	run_start()	the results folder picked, the network prepared, the folder made
 *	run_go()	built, services and probes started, the loop run until the end
 *	run_end()	jobs rolled back, probes stopped, network removed, results written
 *	run_free()	whatever is left freed (any time, NULL too)
 *
 * run_start() says its errors on stderr (they are the run's, under "edgemu run:"); after it,
 * an error ends the run (run_go() returns, run_end() records it), said once by run_end().
 * Signals SIGINT, SIGTERM and SIGHUP are blocked from run_start() on, and seen by the loop.
 */
#ifndef EDGEMU_RUN_RUN_H
#define EDGEMU_RUN_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct runner;
struct topo_net;
struct topo_err;
struct mig_report;
struct util_hist;
struct emu_loop_stats;
struct topo_ran_route;

struct run_opts {
	const char *file;	 /* the scenario */
	const char *name;	 /* the run's name; NULL: the file's name: */
	const char *out;	 /* the results folder; NULL: results/<name>-<date>-<time> */
	const char *const *sets; /* key=value overrides of the file (topo_parse_file_opts) */
	size_t n_sets;
	/* Called every 250 ms while the run goes, e.g. for a live status line; NULL: none. */
	void (*status)(const struct runner *r, uint64_t now_ns, void *arg);
	void *status_arg;
};

/* A run of o->file, checked, nothing built. 0, or -errno with err set (nothing left). */
int run_new(const struct run_opts *o, struct runner **ret, struct topo_err *err);
/* The results folder picked and made, the network prepared. 0, or -errno once said. */
int run_start(struct runner *r);
/* The run itself, until its end, a signal or an error (recorded for run_end()). */
void run_go(struct runner *r);
/* Tear down and write the results; errors said on stderr and recorded. */
void run_end(struct runner *r);
/* 0 when the run completed, 1 when it failed, 128 + signal when a signal ended it. */
int run_exit_code(const struct runner *r);
void run_free(struct runner *r);

/* --- what a command shows of a run --- */

/* The results folder (once run_start() has picked it). */
const char *run_results_dir(const struct runner *r);
/* t_ns in seconds since the run's start (0 for 0 or before the start). */
double run_rel_s(const struct runner *r, uint64_t t_ns);

struct run_ue_info {
	const char *name;
	const char *cell; /* serving cell, "-": none */
	const char *edge; /* the node serving its service, "-": none */
	uint64_t last_rtt_ns;
	uint64_t handovers, migrations;
	/* Its round trips before its first migration, during one, and after. */
	const struct util_hist *rtt[3];
};

unsigned run_ue_count(const struct runner *r);
void run_ue_get(const struct runner *r, unsigned i, struct run_ue_info *ret);

struct run_mig_info {
	bool done; /* false: still under way (the rest is not filled in) */
	const struct mig_report *rep;
	uint64_t gap_ns;    /* the UE's largest answer gap while it ran */
	double downtime_ms; /* up to the run's end for one that never came back */
	double total_ms;    /* from its start to its end, 0: it never ended */
};

/* Migrations decided so far, done or not. */
unsigned run_mig_count(const struct runner *r);
void run_mig_get(const struct runner *r, unsigned i, struct run_mig_info *ret);
/*
 * The RTT percentiles the results give of a phase (summary.json's p50, p95 and p99), in ms:
 * the upper bounds of the histogram's bins. false (ret_ms untouched) when it had none.
 */
#define RUN_RTT_PCTS 3
bool run_rtt_pcts(const struct util_hist *h, double ret_ms[RUN_RTT_PCTS]);
/* The loop's timer lateness, once run_end() has run. */
void run_lateness(const struct runner *r, struct emu_loop_stats *ret);

/*
 * The traffic: flows, once run_end() has run: each flow's bytes read by its receiver, its
 * goodput in Mbit/s over every report and before, during and after its UEs' handovers and
 * migrations (summary.json's "flows"; NAN: no report in that phase), its broken connections.
 */
struct run_flow_info {
	const char *name, *from, *to;
	uint64_t bytes;
	unsigned broken;
	double mean_mbps;
	double mbps[3]; /* before, during, after */
};

unsigned run_flow_count(const struct runner *r);
void run_flow_get(const struct runner *r, unsigned i, struct run_flow_info *ret);

/* The radio access at the end (a radio run's summary.json "radio"); false: no radio. */
struct run_radio_info {
	uint64_t handovers;
	bool forwarding_drop; /* handover: { forwarding: drop }; else x2 */
	double as_of_s;	      /* when the cells' counters were read last, NAN: never */
	uint64_t down_bytes, up_bytes;
	uint64_t x2_pkts, x2_bytes, ho_drop_pkts, drop_pkts;
};
bool run_radio_get(const struct runner *r, struct run_radio_info *ret);

/*
 * For `edgemu up` of a radio scenario: each UE attached to its strongest usable cell where it
 * stands at t = 0, as the runner's first tick does, its radio shaped as the radio model says
 * (topo_net_ran_shape(), topo_net_ran_attach()); a line per UE on out. The number attached,
 * or -errno with err set.
 */
int run_radio_attach(struct topo_net *net, FILE *out, struct topo_err *err);

/*
 * Where each radio UE's routes lead now, as the eNBs' routing tables say: ret[node] is the
 * eNB holding a route to radio UE node's address out of its radio interface (the cell the UE
 * was last attached to), -1 for none and for every other node; ret has m->n_nodes entries.
 * One route dump per eNB. 0 or -errno.
 */
int run_ran_routed(struct topo_net *net, int *ret);

/* What run_radio_ue_set() changed. */
struct run_ue_move {
	int from;	    /* the eNB recorded before, -1: detached or none recorded */
	bool from_known;    /* a record was there */
	int routed;	    /* the eNB the UE's routes led to before (its last cell), -1: none */
	int to;		    /* the eNB now, -1: detached */
	uint32_t addr;	    /* the UE's address, the same before and after */
	uint64_t shape_ns;  /* its radio shaped (both ways), measured around the calls */
	uint64_t switch_ns; /* the relay's switch and the route batches, measured around */
	/* The route changes the switch made (topo_ran_switch() from routed to to): n_routes of
	 * them; none for a detach, which leaves the routes where they are. */
	struct topo_ran_route *routes;
	size_t n_routes;
	/* to's radio as shaped from the signal where the UE stands at t = 0 */
	double signal_dbm;
	bool in_range; /* false: below min_signal, the radio passes nothing */
	uint64_t rate_bps, delay_ns;
	double loss;
};

/*
 * For `edgemu attach` on a built radio network: radio UE ue shaped from its signal from eNB
 * enb where it stands at t = 0 (as `edgemu up` does), then switched to enb's cell by the
 * relay with its routes moved (topo_net_ran_attach()); enb -1 detaches it (its routes stay).
 * The new cell recorded in the run's folder. 0 with *ret filled (run_ue_move_fini() it), or
 * -errno with err set.
 */
int run_radio_ue_set(struct topo_net *net, unsigned ue, int enb, struct run_ue_move *ret,
		     struct topo_err *err);
void run_ue_move_fini(struct run_ue_move *mv);

/*
 * For `edgemu up`: every app of net's model started now, at and until aside, each in its
 * node in a session of its own that outlives this process; output in <run dir>/apps/, its
 * pid in apps/<name>.pid; a line per app on out. Their programs must be resolved
 * (topo_apps_resolve()). The number started, or -errno with err set (the one that failed is
 * gone; those before it run on: the run's teardown stops them).
 */
int run_apps_detach(struct topo_net *net, FILE *out, struct topo_err *err);
/*
 * For `edgemu down` and `edgemu clean`, before the run is removed: the apps run_apps_detach()
 * started, SIGTERM to each session, SIGKILL after the grace (2 s) to what is left; then their
 * files (<run dir>/apps/), as the run's folder goes next. The number of apps found.
 */
int run_apps_stop_detached(const char *run);

#endif
