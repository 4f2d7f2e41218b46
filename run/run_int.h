/* SPDX-License-Identifier: MIT */
/*
 * The runner's insides, shared by the files of run/ and by nobody else.
 */
#ifndef EDGEMU_RUN_RUN_INT_H
#define EDGEMU_RUN_RUN_INT_H

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "emu/loop.h"
#include "emu/shape.h"
#include "migrate/migrate.h"
#include "migrate/policy.h"
#include "mobility/handover.h"
#include "mobility/mobility.h"
#include "mobility/radio.h"
#include "results/results.h"
#include "topo/net.h"

#include "run/run.h"

#define MS 1000000ULL
#define S_NS 1000000000ULL
#define DEFAULT_DURATION_NS (30 * S_NS)
#define STATUS_NS (250 * MS)
#define JOB_POLL_NS (100 * MS)
#define CHECK_NS (1000 * MS) /* how often the run checks that its network is still there */
#define MAX_MIGRATIONS 256
#define FLUSH_NS S_NS	       /* rtt.csv, positions.csv, cells.csv reach the disk this often */
#define PROBE_NICE 5	       /* the probes' nice value: the runner and the relay come first */
#define PROBE_GROUP 16	       /* probes let go together ... */
#define PROBE_GAP_NS (25 * MS) /* ... this often */

#define RUN_APP_GRACE_NS (2 * S_NS) /* an app's time to go after SIGTERM, then SIGKILL */
#define RUN_APP_FIRST_NS (20 * MS)  /* with radio, apps at 0s start then: as the probes */

/* One app of the scenario's apps: (m->apps[i] is r->apps[i]'s), in the runner. */
struct run_app {
	struct runner *r; /* the callbacks' argument is the app */
	pid_t pid;	  /* its leader, also its group; 0: not started, or reaped */
	pid_t pgid_left;  /* at the end: its group, the leader reaped */
	int pidfd;	  /* watched on the loop until the leader exits, -1: none */
	int err_fd;	  /* the child's word if it could not exec, -1: none */
	bool exited;	  /* app_exit written; the leader's zombie kept until ... */
	bool stopping;	  /* ... its group has had SIGTERM ... */
	bool killed;	  /* ... and SIGKILL after the grace */
	bool end_killed;  /* SIGKILLed by the run's end */
	uint64_t term_ns; /* when its group had SIGTERM (emu_loop_now_ns()) */
	uint64_t start_timer, until_timer, grace_timer; /* pending, 0: none */
};

struct phase_rtt {
	struct util_hist before, during, after;
};

struct migration {
	unsigned ue, svc;
	uint64_t decided_ns;
	char reason[MIG_REASON_MAX];
	struct mig_report rep;
	uint64_t gap_ns; /* the UE's largest answer gap while it ran */
	bool done;
};

struct runner;
struct ue;
struct capture_proc; /* run/capture.c */
struct capture_end;

/* An attach waiting for the end of a handover's interruption: the timer's argument. */
struct attach_later {
	struct runner *r;
	struct ue *u;
	int cell;
};

struct ue {
	unsigned node;
	struct mob_model mob;
	bool has_mob;
	struct mob_ho *ho;
	int cell;		      /* index into r->cells, -1: none */
	bool attached;		      /* its radio carries traffic in cell (not detached) */
	bool prepared;		      /* held by the relay for cell until its attach there */
	uint64_t attach_timer;	      /* pending attach after an interruption, 0: none */
	struct attach_later later;    /* its argument: in the UE, so a timer cancelled or
				       * left pending at the end owns no memory */
	struct mob_radio_link shaped; /* what its radio was last shaped to ... */
	bool was_shaped;	      /* ... once it was (before: the relay's default) */
	bool shape_pending;	      /* shaped is still to be sent (run_shapes_flush) */
	struct mob_pos pos;
	int svc;       /* the service it uses (probes, or the first), -1: none */
	unsigned edge; /* the node serving it */
	bool migrating;
	int mig;     /* index of its migration in r->migs while migrating */
	int gap_mig; /* the migration just ended, until the next answer closes its gap */
	uint64_t handovers, migrations;
	uint64_t last_rtt_ns, last_answer_ns;
	bool had_migration;
	struct phase_rtt rtt;
	double *signal; /* per cell, this tick */
};

/* traffic.c: a flow's receiver report: bytes read over [start_ns, end_ns]. */
struct run_tput_report {
	uint64_t start_ns, end_ns;
	uint64_t bytes;
};

/* A span of the run's clock; end_ns UINT64_MAX: open (until the end). */
struct run_window {
	uint64_t start_ns, end_ns;
};

/* A handover of a radio UE, for the flows' phases: from its start to its link again. */
struct run_ue_window {
	unsigned ue_node;
	struct run_window w;
};

/* A traffic: entry as it runs (r->m->flows[i] is its definition). */
struct run_flow {
	struct runner *r;	  /* its timers' argument is the flow */
	pid_t recv_pid, send_pid; /* 0: none (not started, or reaped) */
	uint64_t start_timer, stop_timer;
	uint64_t bytes; /* read by its receiver, over every report */
	unsigned broken, reconnects;
	struct run_tput_report *reps; /* every report, for the phases at the end */
	size_t n_reps, cap_reps;
};

/* A flow's goodput in Mbit/s over every report, and in each phase; NAN: no report. */
enum { RUN_PHASE_BEFORE, RUN_PHASE_DURING, RUN_PHASE_AFTER, RUN_PHASES };
struct run_goodput {
	double mean;
	double phase[RUN_PHASES];
};

struct job {
	struct mig_job *job;
	int mig; /* index in r->migs */
	int fds[2];
};

/*
 * What the runner does to the world, as a table: everything else in run/ decides and books.
 * run_real_ops (run/ops.c) acts on r->net through topo/ and migrate/; a test hands its own
 * (recording the calls, on a virtual clock) to check the decisions without a network.
 */
struct run_ops {
	/*
	 * radio UE ue_node served by eNB node enb_node now (-1: detached); a prepared UE is
	 * released there (its routes move from the cell they were on)
	 */
	int (*attach)(struct runner *r, unsigned ue_node, int enb_node, struct topo_err *err);
	/*
	 * a handover's start with X2/Xn forwarding: ue_node is eNB node enb_node's, off the air,
	 * enb_node buffering its downlink until the attach there (topo_net_ran_prepare())
	 */
	int (*prepare)(struct runner *r, unsigned ue_node, int enb_node, struct topo_err *err);
	/* radio shapings v[0 .. n - 1] (UE node, direction, shape) in order: a tick's, at once */
	int (*shape)(struct runner *r, const struct topo_ran_shape *v, size_t n,
		     struct topo_err *err);
	/*
	 * A job moving service svc, for ue_node, to node to, started: j->job, and j->fds to
	 * watch (left -1: none; the job is then stepped by the loop's poll only).
	 */
	int (*job_start)(struct runner *r, struct job *j, unsigned svc, unsigned ue_node,
			 unsigned to, const struct mig_opts *o, struct topo_err *err);
	/* A step of j at now_ns: 1 once it has ended, else 0 */
	int (*job_step)(struct runner *r, struct job *j, uint64_t now_ns);
	/* j ends at its next step, rolled back */
	void (*job_abort)(struct runner *r, struct job *j);
	/* j has ended: its report in *ret; j->job is gone */
	int (*job_finish)(struct runner *r, struct job *j, struct mig_report *ret,
			  struct topo_err *err);
	/*
	 * Every cell's counters (ret[c] for r->cells[c]), totals since the run was built, in two
	 * steps so that the loop never waits for them: cells_ask asks and returns at once, *ret_fd
	 * the fd that turns readable when the answer comes (run/cells.c watches it on r->loop);
	 * cells_take takes the answer into ret: 0, -EAGAIN while it has not come (wait: blocks
	 * until it does), or -errno (ret untouched). One reading out at a time.
	 */
	int (*cells_ask)(struct runner *r, int *ret_fd);
	int (*cells_take)(struct runner *r, struct topo_cell_stats *ret, bool wait);
	/* the node serving service svc to ue_node now */
	int (*edge)(struct runner *r, unsigned svc, unsigned ue_node, unsigned *ret_node);
};

extern const struct run_ops run_real_ops;

struct runner {
	const char *cmd; /* "edgemu run", or "edgemu up" attaching UEs */
	const struct run_ops *ops;
	const char *file;
	const char *name, *out; /* --name, -o: NULL when not given */
	char *resolved;		/* the scenario as run, until written to the results */
	size_t resolved_len;
	struct topo_model *m; /* the run's, once prepared */
	struct topo_net *net;
	struct emu_loop *loop;
	bool status; /* status_cb is called: the status line is on stderr */
	void (*status_cb)(const struct runner *r, uint64_t now_ns, void *arg);
	void *status_arg;
	char results[PATH_MAX];
	struct results_out *events, *rtt, *positions, *cells_out;
	int report;
	char report_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	pid_t *probe_pids;
	unsigned n_probes;
	/* Pipes whose write ends hold the forked probes before their exec, PROBE_GROUP a
	 * pipe; the first gates_let have been closed (let go). */
	int *probe_gates;
	unsigned n_gates, gates_let;
	unsigned *cells; /* eNB node indexes */
	unsigned n_cells;
	struct ue *ues;
	unsigned n_ues;
	int *ue_of;	  /* per node its index in ues, -1: not a UE (run_ue_index) ... */
	unsigned n_ue_of; /* ... for the first n_ue_of nodes */
	struct topo_cell_stats *cell_load; /* per cell at the last reading; NULL: no cells */
	uint64_t cells_read_ns;		   /* when the last one was made, 0: none yet */
	uint64_t cells_asked_ns;	   /* the tick whose reading is out ... */
	bool cells_asked;		   /* ... if one is */
	uint64_t cells_skipped;		   /* ticks without a reading: the one before was out */
	int cells_fd;			   /* the fd cells_ask gave, watched on r->loop ... */
	bool cells_watched;		   /* ... if it is */
	struct mob_trace **traces;	   /* per mobility entry, loaded once per file */
	unsigned n_traces;
	struct mob_radio radio;
	struct mig_policy *policy;
	struct migration migs[MAX_MIGRATIONS];
	unsigned n_migs;
	struct job jobs[MAX_MIGRATIONS];
	unsigned n_jobs;
	uint64_t t0, end_ns;
	uint64_t stop_ns; /* the signal or the error that ended it came, 0: none */
	int stop_sig;
	int error; /* first error that ended the run */
	char error_msg[512];
	bool error_said; /* error_msg is on stderr already */
	uint64_t shape_updates, reports, report_errors;
	unsigned shapes_pending; /* UEs with shape_pending */
	struct emu_loop_stats lateness;
	bool clock_rt; /* the clock ran at real-time priority (run.c, clock_priority) */

	/* The scenario's apps: per m->apps, once run_apps_start() ran (apps.c). */
	struct run_app *apps;
	unsigned n_apps;
	/* The packet captures (run/capture.c): a process per captured node, each file's totals. */
	struct capture_proc *cap_procs;
	unsigned n_cap_procs;
	struct capture_end *cap_ends; /* per m->captures entry */
	struct run_flow *flows;	      /* per traffic: entry (traffic.c); NULL: none */
	struct results_out *tput;     /* throughput.csv, only with traffic: */
	struct run_ue_window *ho_w;   /* the radio UEs' handovers, with traffic: only */
	size_t n_ho_w, cap_ho_w;
};

/* --- run.c: the run's life --- */

/* The run's clock: its loop's (real, or a test's), the real one before there is a loop. */
uint64_t run_now(const struct runner *r);
/* The run's own timers on r->loop from r->t0: the UEs' radio ticks, the jobs' poll. */
int run_loop_timers(struct runner *r);
const char *run_node_name(const struct runner *r, int node);
const char *run_cell_name(const struct runner *r, int cell);
void run_fail(struct runner *r, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void run_fini(struct runner *r);

/* --- ue.c: UEs, radio, handover, the policy --- */

int run_ue_index(const struct runner *r, unsigned node);
int run_mobility_init(struct runner *r, struct topo_model *m, struct topo_err *err);
int run_radio_init(struct runner *r, struct topo_err *err);
struct mig_ue run_policy_ue(const struct runner *r, const struct ue *u);
void run_decision_apply(struct runner *r, struct ue *u, bool decided, const struct mig_decision *d,
			uint64_t t);
void run_on_tick(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg);
void run_ues_services(struct runner *r);
int run_policy_new(struct runner *r, struct topo_err *err);
/* u's radio shaped to l both ways now, with any shaping pending (a failure ends the run). */
int run_ue_shape(struct runner *r, struct ue *u, const struct mob_radio_link *l);
/* Every pending shaping in one request (a failure ends the run): 0 or -errno. */
int run_shapes_flush(struct runner *r);
/* u attached to cell (-1: detached) at t, its radio shaped first if it changed: 0 or -errno. */
int run_ue_attach(struct runner *r, struct ue *u, int cell, uint64_t t);

/* --- cells.c: each cell's load, per tick --- */

int run_cells_init(struct runner *r);
void run_cells_free(struct runner *r);
/*
 * The tick at t done: each cell's counters asked for, their rows in cells.csv (at t) when the
 * answer comes; a tick whose reading before is still out asks nothing (r->cells_skipped).
 */
void run_cells_tick(struct runner *r, uint64_t t);
/*
 * At the run's end, before its network goes: the reading out taken (waiting for it), then a
 * last one, so the totals cover it all.
 */
void run_cells_end(struct runner *r, uint64_t t);
/* The sum of every cell's counters at the last reading (all 0 before the first). */
void run_cells_total(const struct runner *r, struct topo_cell_stats *ret);

/* --- job.c: migrations as jobs --- */

void run_migration_start(struct runner *r, struct ue *u, const struct mig_decision *d, uint64_t t);
void run_on_job_poll(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg);
void run_job_done(struct runner *r, unsigned j);
double run_downtime_ms(const struct mig_report *p, uint64_t end_ns, const char **until);
double run_total_ms(const struct mig_report *p);

/* --- probe.c: the probes and their reports --- */

int run_report_open(struct runner *r, struct topo_err *err);
void run_on_report(struct emu_loop *loop, int fd, uint32_t revents, void *arg);
/* Every probe forked, held before its exec until run_probes_release(): 0 or -errno. */
int run_probes_spawn(struct runner *r, struct topo_err *err);
void run_on_probes(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg);

void run_probes_stop(struct runner *r);

/* --- apps.c: the scenario's apps: --- */

/* Each app's start at its at on r->loop (from r->t0), and apps/ in the results. 0 or -errno. */
int run_apps_start(struct runner *r);
/* At the end: SIGTERM to every app's group, SIGKILL after the grace, app_exit of each. */
void run_apps_stop(struct runner *r);
void run_apps_free(struct runner *r);
/* --- capture.c: packet capture (capture:), a process per captured node --- */

/*
 * Every capture of the model started and ready (its interfaces open, its files made under
 * <results>/pcap), after the network is built and before the clock starts: 0, or -errno with
 * err naming node:ifname and why. Those started are stopped by run_captures_stop().
 */
int run_captures_start(struct runner *r, struct topo_err *err);
/* Their reports on r->loop, while it runs: events.csv capture_limit, capture_error. */
int run_captures_watch(struct runner *r);
/*
 * Every capture stopped, its files flushed and closed whole (a capture slower than 5 s is
 * killed), each file's capture_end in events.csv: after the probes, before the network goes.
 * Again, or with none started: nothing.
 */
void run_captures_stop(struct runner *r);
/* --- traffic.c: the traffic: flows (edgemu-bulk pairs) and their reports --- */

/* Every receiver started in its node, listening before the clock: 0 or -errno (err set). */
int run_traffic_start(struct runner *r, struct topo_err *err);
/* The senders' start (at) and stop (until) on r->loop from r->t0: 0 or -errno. */
int run_traffic_timers(struct runner *r);
/* A report of a flow's side: "f<index>,<event>,..." (apps/bulk.c). */
void run_traffic_report(struct runner *r, char *msg);
/* A radio UE's handover, for its flows' phases. */
void run_traffic_handover(struct runner *r, unsigned ue_node, const struct mob_ho_event *ev);
/* Every sender and receiver stopped (SIGTERM) and reaped; any time, again too. */
void run_traffic_stop(struct runner *r);
void run_traffic_free(struct runner *r);
/* Flow i's goodput, its phases from its UEs' handovers and migrations (summary.json). */
void run_traffic_goodput(const struct runner *r, unsigned i, struct run_goodput *ret);
/*
 * The phases, pure: reports v[0 .. n - 1] against windows w[0 .. n_w - 1] (each already
 * extended past its end as the caller wants). A report is during when its interval overlaps
 * a window, before when it ends at or before the first window's start, after otherwise; each
 * phase's goodput its bytes over its time; the mean over every report; NAN where none.
 */
void run_traffic_phases(const struct run_tput_report *v, size_t n, const struct run_window *w,
			size_t n_w, struct run_goodput *ret);

/* --- write.c: every results file --- */

__attribute__((format(printf, 5, 6))) void run_event(struct runner *r, uint64_t t, const char *what,
						     int ue_node, const char *fmt, ...);
/* A line of positions.csv: where u is at t_s (from the start) and its cell. */
void run_write_position(struct runner *r, double t_s, const struct ue *u);
/* A line of cells.csv: cell's counters at t_s (from the start). */
void run_write_cell(struct runner *r, double t_s, unsigned cell, const struct topo_cell_stats *l);
/* A line of rtt.csv: probe p's answer (rtt_ns, from instance) at t, or its loss (NULL). */
void run_write_rtt(struct runner *r, uint64_t t, const struct topo_probe *p, const char *seq,
		   const uint64_t *rtt_ns, const char *instance);
void run_out_close(struct runner *r, struct results_out **po);
/* A line of throughput.csv: flow's report of bytes over dt_ns ending at t. */
void run_write_tput(struct runner *r, uint64_t t, const char *flow, uint64_t bytes, uint64_t dt_ns);
void run_on_flush(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg);
int run_results_pick(struct runner *r, const char *out, const char *name);
int run_results_open(struct runner *r, bool picked, const char *resolved, size_t len);
/* migrations.csv and summary.json, at the end: each whole or absent; an error said. */
void run_write_migrations(struct runner *r);
void run_write_summary(struct runner *r);

#endif
