/* SPDX-License-Identifier: MIT */
/*
 * Service steering: what the tc programs (steer.bpf.c) and their loader (steer.c) share.
 * Every address is an IPv4 address in network byte order, as it sits in the packet.
 */
#ifndef EDGEMU_BPF_STEER_H
#define EDGEMU_BPF_STEER_H

#include <linux/types.h>

/* Room in each map: clients x services (forward), clients x instances ever used (reverse). */
#define STEER_MAX_ENTRIES 65536

/* Forward map: (client, VIP) -> the instance that serves this client now. */
struct steer_key {
	__u32 client;
	__u32 vip;
};

struct steer_fwd_val {
	__u32 instance;
};

/*
 * Reverse map: (client, instance, the instance's port) -> VIP. Kept for every instance a
 * client was ever steered to, so that answers still in flight from an old instance reach the
 * client as the VIP. The port (network byte order) tells apart two services a client reaches
 * on one node; port 0 matches answers from any port.
 */
struct steer_rev_key {
	__u32 client;
	__u32 instance;
	__u16 port;
	__u16 pad; /* zero */
};

struct steer_rev_val {
	__u32 vip;
};

/* Per-CPU counters (the only entry of a per-CPU array). */
struct steer_stats {
	__u64 up_pkts;	 /* from the client, VIP rewritten to the instance */
	__u64 down_pkts; /* to the client, instance rewritten to the VIP */
	__u64 pass_pkts; /* left untouched: no entry, or not IPv4 TCP/UDP */
	__u64 err_pkts;	 /* a rewrite helper failed: the packet was dropped */
};

#endif
