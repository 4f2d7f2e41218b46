/* SPDX-License-Identifier: MIT */
/*
 * migrate: a run's services, their instances and the steering of each client to one of
 * them. (The migration of a stateful instance between edges builds on this.)
 */
#ifndef EDGEMU_MIGRATE_H
#define EDGEMU_MIGRATE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "topo/net.h"

/* Where a run's BPF maps are pinned: TOPO_BPF_ROOT/<run>. */
void mig_pin_dir(const struct topo_net *net, char *buf, size_t len);

/*
 * Start every service's instances (one per node of `at`), attach steering at the access
 * side of every client (the interface facing each UE on its neighbour, an eNB as a rule;
 * for radio UEs, on every eNB's radio interface), route each VIP from the wired clients (a
 * radio UE's default route out of its radio interface covers them), and steer every client
 * to the instance on at[0], from each of its addresses (one per link; a radio UE's one). Every
 * object goes into the run's ledger first. 0 or -errno with err set.
 */
int mig_services_start(struct topo_net *net, struct topo_err *err);

/* Start an instance of service svc on node (nothing to do when one runs there). */
int mig_instance_start(struct topo_net *net, unsigned svc, unsigned node, struct topo_err *err);
/*
 * Start service svc's app (edgemu-echo or edgemu-svc; for app: process its program, which
 * takes no extra and is ready once the node listens on its port: migrate/process.h) on
 * node, a daemon in the node's
 * namespace with its log at <run dir>/<service>@<node>.log, with the service's usual options
 * followed by extra (NULL-terminated; NULL for none); record it in the run's ledger and
 * instances file, and wait until it says it is ready (2 s, plus 1 s per GiB of svc state).
 * *ret_pid (if given) gets its pid. -EEXIST if an instance runs there already; -errno with
 * err set on failure, when nothing of it is left running.
 */
int mig_instance_spawn(struct topo_net *net, unsigned svc, unsigned node, const char *const extra[],
		       pid_t *ret_pid, struct topo_err *err);
/*
 * Stop service svc's instance on node: SIGTERM, up to 2 s to exit, then SIGKILL; it leaves
 * the instances file (mig_instance_pid() says 0). 0 also when none ran.
 */
int mig_instance_stop(struct topo_net *net, unsigned svc, unsigned node, struct topo_err *err);
/*
 * Stop every instance of run `run` its instances file names, before its teardown kills
 * what is left in its namespaces: SIGTERM to each one's process group (a program of the
 * user's, app: process, may have started others and have state to write), up to 2 s for
 * them all to go, then SIGKILL to the groups. Needs no model. The number signalled.
 */
int mig_instances_stop_all(const char *run);
/* The pid of service svc's instance on node, 0 if none runs. */
long mig_instance_pid(const struct topo_net *net, unsigned svc, unsigned node);
/* The control socket of svc's instance on node (edgemu-svc): <run dir>/<service>@<node>.ctl */
void mig_ctl_path(const struct topo_net *net, unsigned svc, unsigned node, char *buf, size_t len);

/* When a flip began and ended (CLOCK_MONOTONIC ns, one clock for all namespaces). */
struct mig_flip_time {
	uint64_t begin_ns, end_ns;
};

/*
 * Steer client (a node index) of service svc to its instance on node, starting one there if
 * none runs: every address of the client (one per link; a radio UE's source address is the
 * one on its cell's link) to that instance. *ret (if given) gets the times of the flip
 * itself: traffic that meets the steering after end_ns goes to the new instance, before
 * begin_ns to the old one.
 */
int mig_steer(struct topo_net *net, unsigned svc, unsigned client, unsigned node,
	      struct mig_flip_time *ret, struct topo_err *err);
/*
 * The same with the steering maps held open: opening them costs about a millisecond, which a
 * migration's flip should not wait for. mig_steer_open() gives NULL for route steering (which
 * needs no handle); close with steer_close().
 */
struct steer;
int mig_steer_open(struct topo_net *net, struct steer **ret, struct topo_err *err);
int mig_steer_with(struct topo_net *net, struct steer *held, unsigned svc, unsigned client,
		   unsigned node, struct mig_flip_time *ret, struct topo_err *err);
/* The node client is steered to for svc (read at its first address); -ENOENT if none. */
int mig_steer_lookup(struct topo_net *net, unsigned svc, unsigned client, unsigned *ret_node);

/* Whether a node is a client of the run's services (a UE). */
bool mig_is_client(const struct topo_net *net, unsigned node);

/* The path of one of edgemu's apps: $EDGEMU_APPS, else beside or above this executable. */
void mig_app_path(const char *name, char *buf, size_t len);
/*
 * Starts argv (argv[0] a path) in node's network namespace, as a child of ours with default
 * signals, stdin from /dev/null and stdout and stderr to the file log (truncated), which gets
 * SIGTERM when we die, however we die. The run's teardown kills whatever is left in its
 * namespaces. *ret_pid gets the child; 0 or -errno.
 */
int mig_spawn(struct topo_net *net, unsigned node, const char *log, char *const argv[],
	      pid_t *ret_pid);
/*
 * The same, held at a gate: the child closes close_fds (the other write ends of the gates), waits
 * for EOF on gate (the parent closing its write end: "go"; the parent's death ends it too),
 * then lowers its priority by nice (0: as ours) before its exec. The runner's probes.
 */
struct mig_spawn_opts {
	int gate; /* -1: none */
	const int *close_fds;
	unsigned n_close;
	int nice;
};
int mig_spawn_with(struct topo_net *net, unsigned node, const char *log, char *const argv[],
		   const struct mig_spawn_opts *o, pid_t *ret_pid);

/*
 * ---- one migration of a stateful service: edgemu-svc by its agents (migration.c), app: process
 * by CRIU (criu_mig.c) ----
 */

#define MIG_ROUNDS_MAX 64

struct mig_job;

struct mig_opts {
	enum topo_strategy strategy;
	uint64_t max_rounds, stop_below; /* pre-copy: rounds; pages */
	uint64_t timeout_ms;		 /* a peer silent this long has failed (5000) */
	uint16_t port;			 /* the destination's TCP port (7100) */
	bool tcp_established;		 /* app: process: criu's --tcp-established */
	const char *log_dir; /* app: process: criu's logs in <log_dir>/criu/; NULL: the run's */
	uint64_t probe_interval_ns;  /* a probe of our own from the client; 0: none */
	const char *csv;	     /* phases appended to this CSV file; NULL: none */
	volatile sig_atomic_t *stop; /* set (by a signal): give up and roll back */
	/*
	 * Every event as it comes (the agents' verbs: start, round, freeze, commit, switch,
	 * sent, resume, end, error; "accepted" for the destination's start, "flip" when the
	 * clients have moved), with its time and the agent's whole message. NULL: none.
	 */
	void (*on_event)(void *arg, const struct mig_job *job, const char *verb, uint64_t t_ns,
			 const char *msg);
	void *event_arg;
};

/* Defaults: the scenario's migration section (strategy, pre-copy), a probe every 1 ms. */
void mig_opts_init(struct mig_opts *o, const struct topo_model *m);

struct mig_round {
	uint64_t n, begin_ns, end_ns, pages, bytes, dirty;
};

/*
 * What one migration did, every time in CLOCK_MONOTONIC ns (0: did not happen). Downtime as
 * the engine sees it is resume - freeze; total migration time is end - start.
 */
struct mig_report {
	char service[TOPO_NAME_MAX + 1], client[TOPO_NAME_MAX + 1];
	char from[TOPO_NAME_MAX + 1], to[TOPO_NAME_MAX + 1];
	enum topo_strategy strategy;
	bool ok;
	bool rolled_back; /* failed, and the service runs at the source as before */
	/*
	 * Failed because the source instance died: after the switch (post-copy) or once the
	 * destination held every page (cold, pre-copy), the destination serves on and the
	 * clients stay steered to it (kept_destination); before, the state died with the source
	 * and nothing serves (lost).
	 */
	bool kept_destination, lost;
	uint64_t absent_pages; /* kept_destination: pages that never came (post-copy) */
	/* Failed after a post-copy switch: where the client table came back from. */
	enum {
		MIG_TABLE_NONE,
		MIG_TABLE_DESTINATION,
		MIG_TABLE_WRITEBACK,
		MIG_TABLE_PARTIAL
	} table_from;
	char error[256];
	uint64_t start_ns;   /* the migration began (before the destination starts) */
	uint64_t ready_ns;   /* the destination instance is listening */
	uint64_t command_ns; /* the source was told to migrate */
	uint64_t copy_ns;    /* the source is connected: the copy begins */
	uint64_t freeze_ns, commit_ns, resume_ns, flip_begin_ns, flip_end_ns;
	uint64_t sent_ns;    /* the source has sent everything */
	uint64_t end_ns;     /* the destination holds every page */
	uint64_t stopped_ns; /* the source instance is gone */
	uint64_t thawed_ns;  /* failed: the source served again (rolled back), 0: it did not */
	uint64_t pages, bytes, faults, requests;
	uint64_t src_hash, dst_hash;
	unsigned n_rounds;
	struct mig_round rounds[MIG_ROUNDS_MAX];
	unsigned flipped; /* clients moved to the destination */
	/* The client's view, from the probe (probed: one ran). */
	bool probed;
	uint64_t probe_interval_ns;
	uint64_t probe_sent, probe_answered, probe_lost;
	uint64_t probe_gap_ns, probe_gap_begin_ns; /* the largest gap between answers */
	uint64_t counter_back, counter_jump;	   /* answers whose counter went back or skipped */
	char probe_last_instance[16];
};

/*
 * Where the service runs after the migration rep tells of: "destination" (done, or its
 * source died once the destination had resumed), "source" (rolled back) or NULL (nowhere
 * that edgemu knows: lost, or the source did not resume).
 */
const char *mig_report_served_at(const struct mig_report *rep);

/*
 * Migrates service svc's instance that serves client from there to node `to`: starts the
 * destination in incoming mode, drives both agents over their control sockets, flips every
 * client of that instance when the destination resumes, stops the source when the
 * destination holds every page. On failure the service runs on at the source (its clients
 * steered back if they had moved), except when the source itself died (rep's
 * kept_destination and lost), and rep says what happened. 0 when the migration succeeded;
 * -errno with err set otherwise (rep is filled in either case).
 *
 * The destination is started with a command that steers the clients to it (edgemu steer,
 * this executable), which it runs should this process die between its resume and the flip:
 * see orphaned() in apps/svc_agent.c for how the agents settle a migration whose runner is
 * gone.
 */
int mig_migrate(struct topo_net *net, unsigned svc, unsigned client, unsigned to,
		const struct mig_opts *o, struct mig_report *rep, struct topo_err *err);

/*
 * The same as a job for an event loop (the runner): mig_job_start() starts the destination
 * (blocking for its start, milliseconds) and tells the source to go; then call
 * mig_job_step() whenever one of mig_job_fds() is readable, and now and then (it notices a
 * connection that never comes), until it returns 1; then mig_job_finish() stops the source
 * or rolls back, fills *rep and frees the job. The job's own probe (probe_interval_ns) is
 * mig_migrate()'s: a job has none. mig_job_abort() makes the next step end it (rolled back).
 */
int mig_job_start(struct topo_net *net, unsigned svc, unsigned client, unsigned to,
		  const struct mig_opts *o, struct mig_job **ret, struct topo_err *err);
void mig_job_fds(const struct mig_job *j, int fds[2]);
int mig_job_step(struct mig_job *j, uint64_t now_ns);
void mig_job_abort(struct mig_job *j);
const struct mig_report *mig_job_report(const struct mig_job *j);
int mig_job_finish(struct mig_job *j, struct mig_report *rep, struct topo_err *err);

#endif
