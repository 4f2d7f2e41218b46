/* SPDX-License-Identifier: MIT */
/*
 * Service steering, user side: load the tc programs of steer.bpf.c once, attach them at
 * interfaces in any namespace, and move a client from one instance of a service to another
 * with one map update that every attach point sees at once.
 *
 * Addresses are IPv4 in network byte order. Functions return 0 (or a count) on success and
 * -errno on failure; ret_* outputs are left untouched on failure. Nothing here prints,
 * except libbpf's own messages through util/log.h: its warnings at -v, the rest at -vv.
 */
#ifndef EDGEMU_BPF_STEER_API_H
#define EDGEMU_BPF_STEER_API_H

#include <stdint.h>

#include "bpf/steer.h"

/* Where our filters sit in the clsact hook, so that detach (from any process) finds them. */
#define STEER_TC_HANDLE 0xed5
#define STEER_TC_PRIO 10

/* steer_query()'s answer: which hooks hold our filter. */
#define STEER_INGRESS 0x1
#define STEER_EGRESS 0x2

enum steer_prog {
	STEER_FROM_CLIENT, /* rewrites VIP -> instance (destination) */
	STEER_TO_CLIENT,   /* rewrites instance -> VIP (source) */
};

struct steer;

/*
 * Open and load the programs. With pin_dir (e.g. /sys/fs/bpf/edgemu/<run>) the maps are
 * pinned there, or reused when a previous process pinned them, so every process that opens
 * the same pin_dir steers with the same maps. The folders are created (inside bpffs only)
 * and bpffs is mounted at /sys/fs/bpf when it is not. pin_dir NULL: private maps.
 */
int steer_open(const char *pin_dir, struct steer **ret);
/*
 * Open the maps a process pinned in pin_dir with steer_open(), to read or flip entries:
 * nothing is created, no program is loaded. -ENOENT when nothing is pinned there. A handle
 * opened so cannot attach (-EINVAL).
 */
int steer_open_pinned(const char *pin_dir, struct steer **ret);
/*
 * Free this process's handle. Programs stay attached where they are (tc holds them) and
 * pinned maps stay pinned: steering goes on after the process exits.
 */
void steer_close(struct steer *s);
/* Remove the maps pinned in pin_dir and the folder itself; 0 if already gone. */
int steer_unpin(const char *pin_dir);

/* Index of interface name in the namespace of ns_fd (-1: the calling thread's), or -errno. */
int steer_ifindex(int ns_fd, const char *name);
/*
 * Attach both programs at ifindex, the interface that faces the client (e.g. the eNB's end of
 * the link to a UE), in the namespace of ns_fd (-1: the calling thread's): from_client at
 * ingress, to_client at egress. Creates the clsact qdisc if needed; attaching again
 * replaces the programs (idempotent, also across processes).
 */
int steer_attach(struct steer *s, int ns_fd, int ifindex);
/*
 * The same on the client's own interface, inside the client's node, where the directions
 * are the other way round: from_client at egress, to_client at ingress.
 */
int steer_attach_on_client(struct steer *s, int ns_fd, int ifindex);
/*
 * Remove our two filters from ifindex (whichever attach placed them, whichever process did);
 * the clsact qdisc too when that leaves it without filters. 0 when nothing of ours is there.
 * s may be NULL.
 */
int steer_detach(struct steer *s, int ns_fd, int ifindex);
/* Which hooks of ifindex hold our filter: STEER_INGRESS | STEER_EGRESS, or -errno. */
int steer_query(int ns_fd, int ifindex);

/*
 * Steer client's traffic for vip to instance from the next packet on. The reverse entry
 * (client, instance) -> vip is written first, then the forward entry in one update. Reverse
 * entries of earlier instances stay, so their answers in flight still reach the client as
 * the VIP. -EADDRINUSE: instance already answers this client for another VIP.
 */
int steer_flip(struct steer *s, uint32_t client, uint32_t vip, uint32_t instance);
/*
 * The same with the reverse entry for answers from the instance's port (network byte order),
 * plus one for any port unless another VIP of this client on this instance has it already:
 * then two services a client reaches on one node, on different ports, do not clash.
 * -EADDRINUSE only when instance answers this client for another VIP on the same port.
 */
int steer_flip_port(struct steer *s, uint32_t client, uint32_t vip, uint16_t port,
		    uint32_t instance);
/* Stop steering client's traffic for vip (forward entry and its reverse entries); -ENOENT. */
int steer_remove(struct steer *s, uint32_t client, uint32_t vip);
/* The instance serving client for vip; -ENOENT if none. */
int steer_lookup(struct steer *s, uint32_t client, uint32_t vip, uint32_t *ret_instance);
/*
 * Call cb for every (client, vip) -> instance entry, in no particular order; a negative
 * return from cb stops the walk and is returned. Returns the number of entries otherwise.
 */
int steer_list(struct steer *s,
	       int (*cb)(uint32_t client, uint32_t vip, uint32_t instance, void *arg), void *arg);
/* Counters summed over all CPUs. */
int steer_stats_read(struct steer *s, struct steer_stats *ret);
/* fd of one of the loaded programs (for BPF_PROG_TEST_RUN in tests), or -EINVAL. */
int steer_prog_fd(struct steer *s, enum steer_prog prog);

#endif
