/* SPDX-License-Identifier: MIT */
/*
 * migrate: a run's services, their instances and the steering of each client to one of
 * them. (The migration of a stateful instance between edges builds on this.)
 */
#ifndef EDGEMU_MIGRATE_H
#define EDGEMU_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "topo/run.h"

/* Where a run's BPF maps are pinned: TOPO_BPF_ROOT/<run>. */
void mig_pin_dir(const struct topo_run *run, char *buf, size_t len);

/*
 * Start every service's instances (one per node of `at`), attach steering at the access
 * side of every client (the interface facing each UE on its neighbour, an eNB as a rule),
 * route each VIP from the clients, and steer every client to the instance on at[0]. Every
 * object goes into the run's ledger first. 0 or -errno with err set.
 */
int mig_services_start(struct topo_run *run, struct topo_err *err);

/* Start an instance of service svc on node (nothing to do when one runs there). */
int mig_instance_start(struct topo_run *run, unsigned svc, unsigned node, struct topo_err *err);
/*
 * Start service svc's app (edgemu-echo or edgemu-svc) on node, a daemon in the node's
 * namespace with its log at <run dir>/<service>@<node>.log, with the service's usual options
 * followed by extra (NULL-terminated; NULL for none); record it in the run's ledger and
 * instances file, and wait until it says it is ready (2 s, plus 1 s per GiB of svc state).
 * *ret_pid (if given) gets its pid. -EEXIST if an instance runs there already; -errno with
 * err set on failure, when nothing of it is left running.
 */
int mig_instance_spawn(struct topo_run *run, unsigned svc, unsigned node, const char *const extra[],
		       pid_t *ret_pid, struct topo_err *err);
/*
 * Stop service svc's instance on node: SIGTERM, up to 2 s to exit, then SIGKILL; it leaves
 * the instances file (mig_instance_pid() says 0). 0 also when none ran.
 */
int mig_instance_stop(struct topo_run *run, unsigned svc, unsigned node, struct topo_err *err);
/* The pid of service svc's instance on node, 0 if none runs. */
long mig_instance_pid(const struct topo_run *run, unsigned svc, unsigned node);
/* The control socket of svc's instance on node (edgemu-svc): <run dir>/<service>@<node>.ctl */
void mig_ctl_path(const struct topo_run *run, unsigned svc, unsigned node, char *buf, size_t len);

/* When a flip began and ended (CLOCK_MONOTONIC ns, one clock for all namespaces). */
struct mig_flip_time {
	uint64_t begin_ns, end_ns;
};

/*
 * Steer client (a node index) of service svc to its instance on node, starting one there if
 * none runs. *ret (if given) gets the times of the flip itself: traffic that meets the
 * steering after end_ns goes to the new instance, before begin_ns to the old one.
 */
int mig_steer(struct topo_run *run, unsigned svc, unsigned client, unsigned node,
	      struct mig_flip_time *ret, struct topo_err *err);
/* The node client is steered to for svc; -ENOENT if none. */
int mig_steer_lookup(struct topo_run *run, unsigned svc, unsigned client, unsigned *ret_node);

/* Whether a node is a client of the run's services (a UE). */
bool mig_is_client(const struct topo_run *run, unsigned node);

#endif
