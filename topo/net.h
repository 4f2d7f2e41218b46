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

#include "emu/shape.h"
#include "topo/topo.h"

#define TOPO_RUN_ROOT "/run/edgemu"
/* Whether this boot's kernel has sch_netem (see topo/shape.c). */
#define TOPO_NETEM_CACHE TOPO_RUN_ROOT "/.netem"
#define TOPO_ETC_NETNS "/etc/netns"
#define TOPO_NS_PREFIX "em-"
#define TOPO_BPF_ROOT "/sys/fs/bpf/edgemu"

struct emu_nl;
struct emu_shape;
struct emu_relay_conn;

struct topo_node_rt {
	char ns[TOPO_RUN_MAX + TOPO_NAME_MAX + 8]; /* em-<run>-<node> */
	int ns_fd;
	struct emu_nl *nl; /* kept open in the node's namespace for later updates */
	int next_index;	   /* ifindex for the node's next interface (lo is 1) */
	bool forwards;
};

struct topo_net {
	char name[TOPO_RUN_MAX + 1];
	char dir[PATH_MAX];
	unsigned slot;
	struct topo_model *m; /* owned */
	struct topo_routes routes;
	int *ifindex; /* per link end: ifindex[2 * link + end] */
	struct emu_nl *root;
	struct topo_node_rt *nodes;
	int ledger_fd;
	/* Shaping: the backend in use and why; per link whether the relay carries it. */
	enum topo_shaper backend; /* TOPO_SHAPER_NETEM or TOPO_SHAPER_RELAY */
	char backend_why[160];
	bool *relayed;
	unsigned n_relayed; /* links the relay carries (topo_net_mark_relayed()) */
	int relay_ns_fd;
	long relay_pid;
	/*
	 * The radio access network (issue 14), when the model has radio UEs and eNBs: UE i is
	 * node ran_ue[i], cell c is eNB node ran_cell[c] (both in node order); ran_of[node] is
	 * the node's index among the UEs or among the eNBs (-1: neither). Each has one interface
	 * TOPO_RAN_IFNAME, ifindex ran_ifindex[node], paired with a port in the relay's namespace.
	 */
	unsigned n_ran_ues, n_ran_cells;
	unsigned *ran_ue, *ran_cell;
	int *ran_of;
	int *ran_ifindex;
	/* This process's connection to the relay's control socket and the RAN's route plan,
	 * both made on first use (topo/attach.c) and kept until topo_net_free(). */
	struct emu_relay_conn *relay_conn;
	struct topo_ran_plan *ran_plan;
	struct topo_ran_route *ran_routes; /* room for m->n_nodes changes */
	/* Wall time of each build step, for benchmarks: nodes (namespaces and /etc), -, links,
	 * addresses and routes. */
	double step_ms[4];
	/* topo_net_check(): EMU_NETNS_DIR's mtime at the last full check, when it had settled,
	 * and the next namespace in turn. */
	uint64_t check_mtime_ns;
	bool check_settled;
	unsigned check_next;
};

/*
 * Claim a run name and an address slot (under a lock, so concurrent `up`s never share
 * either), plan addresses and routes, and write the run's folder (meta, scenario copy,
 * hosts). Takes ownership of m. On failure nothing is left behind and m is freed.
 */
int topo_net_prepare(struct topo_model *m, const char *name, struct topo_net **ret,
		     struct topo_err *err);
/*
 * Build the network. Stops early (returning -EINTR) when *stop becomes non-zero. On any
 * failure the caller tears down with topo_net_teardown(), which removes what was built.
 */
int topo_net_build(struct topo_net *net, volatile sig_atomic_t *stop, struct topo_err *err);
/* Close this process's sockets and fds of the run and free it; the network stays. */
void topo_net_free(struct topo_net *net);

/* Append "kind arg" to the run's ledger; call before creating the object. */
int topo_ledger_add(struct topo_net *net, const char *kind, const char *arg);
/* Append whole lines ("kind arg\n"...) to the ledger. */
int topo_ledger_write(struct topo_net *net, const char *lines, size_t len);
/* Record that the build finished; this process still owns the run. */
int topo_net_mark_up(struct topo_net *net);
/* Hand the run over to the user (`up` does, once done): kept, owned by no process. */
int topo_net_keep(struct topo_net *net);

/*
 * Whether the run's network is still there: its folder, and each node's namespace under its
 * name (the one this process holds, when it holds one). Every namespace when EMU_NETNS_DIR
 * changed since the last call, a few in turn otherwise: meant for once a second. 0, or
 * -errno with err naming what vanished.
 */
int topo_net_check(struct topo_net *net, struct topo_err *err);

/* Open an existing run: meta, scenario and plan (for show); the kernel objects stay. */
int topo_net_load(const char *name, struct topo_net **ret, struct topo_err *err);

/*
 * Remove everything the ledger of run `name` lists, in reverse order: processes inside its
 * namespaces, namespaces (and with them their links, addresses, routes), /etc/netns
 * entries, then the folder. Waits until the kernel has released the namespaces. Closes
 * run's own sockets first when run is given (same process). 0, or -errno with err set.
 */
int topo_net_teardown(const char *name, struct topo_net *net, struct topo_err *err);

/* topo_net_remove(): also stop processes outside the run that hold its namespaces. */
#define TOPO_REMOVE_KILL 0x1
/*
 * topo_net_teardown() with flags. A process outside the run that holds one of its namespaces
 * (an open fd, a bind mount of it elsewhere) keeps it alive after the run is gone; when a
 * namespace is not released soon, such processes are looked for. Without TOPO_REMOVE_KILL
 * the error names them (pid, command) and the run's folder stays, noting what is held, for a
 * later teardown; with it they get SIGTERM, then SIGKILL, and the teardown finishes.
 * Processes inside the run's namespaces are always killed.
 */
int topo_net_remove(const char *name, struct topo_net *net, unsigned flags, struct topo_err *err);

/* Names of the runs in TOPO_RUN_ROOT, sorted; free with topo_runs_free. */
int topo_nets_list(char ***ret, size_t *n);
void topo_nets_free(char **v, size_t n);

/*
 * Who a run belongs to. Live: a live process owns it (`run`, an `up` still building, a
 * bench). Idle: `up` built it and handed it over to the user (`edgemu down` removes it).
 * Leftover: its owner died before it finished (killed, crashed).
 */
enum topo_life {
	TOPO_LIFE_LIVE,
	TOPO_LIFE_IDLE,
	TOPO_LIFE_LEFTOVER,
};

struct topo_owner {
	enum topo_life life;
	long pid;	/* the owner (live) or the owner that died (leftover); 0 if none */
	char cmd[96];	/* its command, "edgemu run"; empty if unknown */
	char state[16]; /* "building", "up"; empty if unknown */
	bool verified;	/* false: an older edgemu's meta, the pid may have been reused */
};

const char *topo_life_name(enum topo_life life);
/* Read run `name`'s owner and check whether it lives. -ENOENT: no such run. */
int topo_net_owner_get(const char *name, struct topo_owner *ret);
/* Who owns, owned or keeps the run, for people: "edgemu run, pid 1234". */
void topo_owner_describe(const struct topo_owner *o, char *buf, size_t len);
/* The pid of the process that owns the run, 0 if none is alive. */
long topo_net_owner(const char *name);
/*
 * Take the lock under which runs are created (names, slots, folders); returns its fd, which
 * closing releases. Under it, a run folder without meta is a leftover, not one being made.
 */
int topo_nets_lock(void);

void topo_ns_name(char *buf, size_t len, const char *run, const char *node);
/*
 * The calling process into node `node` of run `run`, for good, as `ip netns exec` does: its
 * network namespace (ns_fd, or opened by name when ns_fd < 0), then a mount namespace of its
 * own where /etc/hosts is the node's (the run's node names resolve) and /sys shows the
 * node's devices. For a process about to exec: `edgemu exec`, the apps (topo/enter.c). 0;
 * -ENOENT when the run has no such node; else -errno; err says what failed.
 */
int topo_node_enter(const char *run, const char *node, int ns_fd, struct topo_err *err);
/* The relay's namespace: em-<run>.relay (a '.' no node name can have). */
void topo_relay_ns_name(char *buf, size_t len, const char *run);
/* The relay-side interface facing end `end` of relayed link `link`: name and ifindex. */
void topo_relay_ifname(char *buf, size_t len, unsigned link, unsigned end);
int topo_relay_index(const struct topo_net *net, unsigned link, unsigned end);
/* Whether the run has a radio access network: radio UEs and eNBs (their ports, the relay). */
bool topo_net_has_ran(const struct topo_net *net);
/*
 * The relay-side port facing radio UE i (kind 0) or cell c (kind 1): its name ("u<i>",
 * "c<c>") and ifindex (after the relayed links' interfaces: UEs, then cells).
 */
void topo_ran_port_name(char *buf, size_t len, unsigned kind, unsigned i);
int topo_ran_port_index(const struct topo_net *net, unsigned kind, unsigned i);
/*
 * Start the run's relay for its relayed links and its radio access ports (topo/relay.c):
 * offloads off on both sides, a control socket at <run dir>/relay.sock, the process in the
 * relay namespace.
 */
int topo_relay_start(struct topo_net *net, struct topo_err *err);

/* The node's netlink socket, opened in its namespace on first use by this process. */
int topo_net_node_nl(struct topo_net *net, unsigned node, struct emu_nl **ret);
/* The node's namespace fd, opened on first use by this process. */
int topo_net_node_ns(struct topo_net *net, unsigned node);

/* --- radio UEs and their cells (topo/attach.c) --- */

/*
 * The cell radio UE ue was last attached to, recorded in the run's folder (file cells) by
 * whoever attaches it for the user (`edgemu up`, `edgemu attach`; not `edgemu run`, whose
 * handovers are its results'): enb is the eNB's node, -1 for detached. Written whole
 * (readers never see half of it) under a lock of the run's folder. 0 or -errno.
 */
int topo_net_ue_cell_set(struct topo_net *net, unsigned ue, int enb);
/* The recorded cell of ue in *ret_enb (-1: detached); -ENOENT: none recorded. */
int topo_net_ue_cell_get(const struct topo_net *net, unsigned ue, int *ret_enb);

/* --- the radio access network, second design (issue 14; topo/attach.c) --- */

/* A radio UE's radio interface, and an eNB's cell interface: one each, to the run's radio
 * access ports (in the relay's namespace). */
#define TOPO_RAN_IFNAME "ran0"

/*
 * Attach radio UE ue to eNB node enb's cell, or detach it (enb -1): the relay switches the
 * UE's frames to that cell's port (or drops them), and on attach the UE's /32 moves on every
 * node whose next hop changes (topo_ran_switch() from the cell it was last attached to: one
 * netlink batch per node). A detach leaves the routes as they are (downlink on its way
 * reaches the old cell, which drops or forwards it as radio.forwarding says). The UE's
 * address, its routes and its sockets never change. 0, or -errno with err naming the UE and
 * the cell.
 */
int topo_net_ran_attach(struct topo_net *net, unsigned ue, int enb, struct topo_err *err);
/*
 * A handover's start with X2/Xn forwarding: radio UE ue becomes eNB node enb's at once but
 * off the air (the relay's emu_relay_ran_prepare()): enb's cell buffers its downlink, its
 * queue and what still reaches the old cell forwarded, until topo_net_ran_attach(net, ue,
 * enb) releases it and moves its routes from the old cell. The routes stay. 0, or -errno with
 * err naming the UE and the cell.
 */
int topo_net_ran_prepare(struct topo_net *net, unsigned ue, int enb, struct topo_err *err);
/* Shape radio UE ue's radio, dir 0 uplink (from the UE), 1 downlink, at the relay. */
int topo_net_ran_shape(struct topo_net *net, unsigned ue, unsigned dir, const struct emu_shape *s,
		       struct topo_err *err);

/* A cell's counters since the run was built. */
struct topo_cell_stats {
	uint64_t up_pkts, up_bytes;	/* delivered to the eNB from its UEs */
	uint64_t down_pkts, down_bytes; /* delivered to its UEs */
	uint64_t x2_pkts, x2_bytes;	/* downlink that reached it after its UE left, forwarded */
	uint64_t ho_drop_pkts;		/* the same, dropped (forwarding: drop, or no new cell) */
	uint64_t drop_pkts;		/* anything else it dropped: radio loss, full queues */
	uint32_t ues;			/* attached now */
};
int topo_net_cell_stats(struct topo_net *net, unsigned enb, struct topo_cell_stats *ret);
/*
 * Every cell's counters in one request to the relay (a few for very many cells): ret[c] for
 * cell c, the model's eNBs in node order (net->ran_cell[c]), net->n_ran_cells of them. 0 or
 * -errno (-EINVAL: no radio access network).
 */
int topo_net_cells_stats(struct topo_net *net, struct topo_cell_stats *ret);
/*
 * The same reading in two steps, for a caller whose loop must not wait for the relay (the
 * runner's clock): _send() asks for it and returns at once, *ret_fd the socket that turns
 * readable when the answer comes (watch it for input; it may change after a broken
 * connection). _recv() takes it into ret: 0; -EAGAIN while it has not come and wait is
 * false; with wait, it blocks until it comes (or the relay's timeout). One reading out at a
 * time (_send() again before it was taken: -EBUSY; _recv() with none out: -ENOMSG, or
 * -ENOTCONN when a broken connection lost it); a failed one leaves ret as it was. Other
 * requests to the relay work meanwhile (emu_relay_ran_cells_stats_send()).
 */
int topo_net_cells_stats_send(struct topo_net *net, int *ret_fd);
int topo_net_cells_stats_recv(struct topo_net *net, struct topo_cell_stats *ret, bool wait);

/* One shaping for topo_net_ran_shape_many: radio UE node ue, dir 0 uplink, 1 downlink. */
struct topo_ran_shape {
	unsigned ue, dir;
	struct emu_shape s;
};
/*
 * Many shapings in one request to the relay (a few for very many), applied in order: a tick's
 * changes at once. An entry that is not a radio UE or a direction: -EINVAL before anything is
 * sent. A failure at the relay stops the batch there (emu_relay_ran_shape_many: those before
 * it stay applied); err names its UE.
 */
int topo_net_ran_shape_many(struct topo_net *net, const struct topo_ran_shape *v, size_t n,
			    struct topo_err *err);

/* --- shaping of a built run (topo/shape.c), whichever backend carries each link --- */

/* Choose the backend for the model's shaper: key (auto, netem, relay) and this kernel. */
int topo_net_choose_backend(struct topo_net *net, struct topo_err *err);
/* Which links the relay carries: with the relay backend those the file shapes; any link with
 * a capacity trace (the radio access ports are the relay's on either backend). */
void topo_net_mark_relayed(struct topo_net *net);
/* The model's shaping of one direction, as emu's shaping model. */
void topo_shape_to_emu(const struct topo_shape *in, struct emu_shape *out);
bool topo_shape_is_set(const struct topo_shape *s);
/* Change one direction of a link (dir 0: from end 0) now; the next frame sees it. */
int topo_net_shape_set(struct topo_net *net, unsigned link, unsigned dir, const struct emu_shape *s,
		       struct topo_err *err);
/* Read back what the kernel or the relay applies to one direction (-ENOENT: nothing). */
int topo_net_shape_get(struct topo_net *net, unsigned link, unsigned dir, struct emu_shape *ret);

#endif
