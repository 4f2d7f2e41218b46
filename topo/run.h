/* SPDX-License-Identifier: MIT */
/*
 * A run: one built network, its folder /run/edgemu/<run>/ and the ledger in it. Everything
 * a run creates is written to the ledger before it is created, so that a later process
 * (`edgemu down`, `edgemu clean`) can remove it even after the builder was killed.
 */
#ifndef EDGEMU_TOPO_RUN_H
#define EDGEMU_TOPO_RUN_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "topo/topo.h"

#define TOPO_RUN_ROOT "/run/edgemu"
#define TOPO_ETC_NETNS "/etc/netns"
#define TOPO_NS_PREFIX "em-"

struct emu_nl;

struct topo_node_rt {
	char ns[TOPO_RUN_MAX + TOPO_NAME_MAX + 8];	/* em-<run>-<node> */
	int ns_fd;
	struct emu_nl *nl;	/* kept open in the node's namespace for later updates */
	int next_index;		/* ifindex for the node's next interface (lo is 1) */
	bool forwards;
};

struct topo_run {
	char name[TOPO_RUN_MAX + 1];
	char dir[PATH_MAX];
	unsigned slot;
	struct topo_model *m;	/* owned */
	struct topo_routes routes;
	int *ifindex;		/* per link end: ifindex[2 * link + end] */
	struct emu_nl *root;
	struct topo_node_rt *nodes;
	int ledger_fd;
	/* Wall time of each build step, for benchmarks: nodes (namespaces and /etc), -, links,
	 * addresses and routes. */
	double step_ms[4];
};

/*
 * Claim a run name and an address slot (under a lock, so concurrent `up`s never share
 * either), plan addresses and routes, and write the run's folder (meta, scenario copy,
 * hosts). Takes ownership of m. On failure nothing is left behind and m is freed.
 */
int topo_run_prepare(struct topo_model *m, const char *name, struct topo_run **ret,
		     struct topo_err *err);
/*
 * Build the network. Stops early (returning -EINTR) when *stop becomes non-zero. On any
 * failure the caller tears down with topo_run_teardown(), which removes what was built.
 */
int topo_run_build(struct topo_run *run, volatile sig_atomic_t *stop, struct topo_err *err);
/* Close this process's sockets and fds of the run and free it; the network stays. */
void topo_run_free(struct topo_run *run);

/* Append "kind arg" to the run's ledger; call before creating the object. */
int topo_ledger_add(struct topo_run *run, const char *kind, const char *arg);
/* Append whole lines ("kind arg\n"...) to the ledger. */
int topo_ledger_write(struct topo_run *run, const char *lines, size_t len);
/* Record that the build finished: the run is kept, owned by no process. */
int topo_run_mark_up(struct topo_run *run);

/* Open an existing run: meta, scenario and plan (for show); the kernel objects stay. */
int topo_run_load(const char *name, struct topo_run **ret, struct topo_err *err);

/*
 * Remove everything the ledger of run `name` lists, in reverse order: processes inside its
 * namespaces, namespaces (and with them their links, addresses, routes), /etc/netns
 * entries, then the folder. Waits until the kernel has released the namespaces. Closes
 * run's own sockets first when run is given (same process). 0, or -errno with err set.
 */
int topo_run_teardown(const char *name, struct topo_run *run, struct topo_err *err);

/* Names of the runs in TOPO_RUN_ROOT, sorted; free with topo_runs_free. */
int topo_runs_list(char ***ret, size_t *n);
void topo_runs_free(char **v, size_t n);

/* The pid of the `up` or `run` process that is building the run, 0 if none is alive. */
long topo_run_owner(const char *name);

void topo_ns_name(char *buf, size_t len, const char *run, const char *node);

#endif
