/* SPDX-License-Identifier: MIT */
/*
 * app: process instances (migrate/process.c): the user's own program started in a node, as
 * mig_instance_spawn() starts every instance. The instance (the pid edgemu keeps) is
 * edgemu-init (apps/init.c), pid 1 of a pid namespace of its own, whose child (pid 2 there)
 * is the program: CRIU dumps and restores the namespace as a whole, so a restored copy can
 * exist while its stopped source does. Init is its own session and process group (its pid
 * is both ids; the program is in them too), entered into the node as `edgemu exec` is
 * (topo_node_enter(): the node's network namespace, a private mount namespace with the
 * node's /etc/hosts, the host's /proc), its working folder the run's (writable, as CRIU needs
 * it; the program keeps edgemu's), stdin /dev/null, stdout and stderr appended to
 * <run dir>/<service>@<node>.log, with EDGEMU_RUN, EDGEMU_NODE and EDGEMU_SERVICE set. Init
 * forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 to the program and exits with
 * its status (128 + signal when killed) after killing what is left in the namespace;
 * SIGKILL of init kills the whole namespace. It is ready once something in the node listens
 * on the service's port.
 */
#ifndef EDGEMU_MIGRATE_PROCESS_H
#define EDGEMU_MIGRATE_PROCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "topo/net.h"

#define MIG_PROCESS_READY_MS 10000 /* to listen on its port, from its exec */
#define MIG_PROCESS_LOG_LINES 5	   /* of its log in the error when it does not start */

/*
 * Whether text, a /proc/net/{udp,udp6,tcp,tcp6} table, has a socket on local port `port`:
 * for TCP one listening, for UDP any bound there (UDP has no listening state).
 */
bool mig_proc_net_listens(const char *text, uint16_t port, bool tcp);

/*
 * Starts service svc's program on node (ns_fd its namespace) under edgemu-init as said above
 * (mig_app_path()), log the path of its log; *ret_log_from gets the log's size before it
 * (what is the program's own). 0 once the program has exec'd, with *ret_pid init's pid in
 * ours; -errno with err set when it could not (nothing left).
 */
int mig_process_exec(struct topo_net *net, unsigned svc, unsigned node, int ns_fd, const char *log,
		     pid_t *ret_pid, off_t *ret_log_from, struct topo_err *err);

/*
 * Waits up to MIG_PROCESS_READY_MS for something in pid's network namespace to listen on
 * port (UDP or TCP). 0 when it does; else its process group is killed and reaped, and err
 * says why (it exited, or never listened) with the last lines of the log from log_from.
 */
int mig_process_ready(pid_t pid, uint16_t port, const char *what, const char *node, const char *log,
		      off_t log_from, struct topo_err *err);

#endif
