/* SPDX-License-Identifier: MIT */
/*
 * Radio access (issue 14), user side: load the tc programs of ran.bpf.c, attach them on the
 * ports of the radio access namespace, describe cells and UEs, and hand a UE over from one
 * cell to another with one map update. See docs/ran.md.
 *
 * Interfaces are ifindexes in the radio access namespace, addresses IPv4 in network byte
 * order, MACs six bytes. Functions return 0 on success and -errno on failure; ret_* outputs
 * are left untouched on failure. Nothing here prints.
 */
#ifndef EDGEMU_BPF_RAN_API_H
#define EDGEMU_BPF_RAN_API_H

#include <stdint.h>

#include "bpf/ran.h"

/* Where our filters sit in the clsact ingress hook (steer's handle is 0xed5). */
#define RAN_TC_HANDLE 0xed6
#define RAN_TC_PRIO 10

enum ran_prog {
	RAN_FROM_UE, /* ingress of a UE port: to the serving cell */
	RAN_TO_UE,   /* ingress of a cell port: to the UE that owns the destination */
};

struct ran;

/* Open and load the programs, with empty maps and in-flight forwarding RAN_FWD_X2. */
int ran_open(struct ran **ret);
/*
 * Detach every program this handle attached (as ran_detach()), then free the programs and
 * the maps. NULL is fine.
 */
void ran_close(struct ran *r);

/*
 * Attach ran_from_ue at the ingress of a UE port, or ran_to_ue at the ingress of a cell port,
 * in the namespace of ns_fd (-1: the calling thread's). Creates the clsact qdisc if needed;
 * attaching again replaces the program. The handle remembers the port for ran_close().
 */
int ran_attach_ue_port(struct ran *r, int ns_fd, int ifindex);
int ran_attach_cell_port(struct ran *r, int ns_fd, int ifindex);
/*
 * Remove our filter from the port and its clsact qdisc: the ports of the radio access
 * namespace carry nothing else. 0 when nothing of ours is there; r may be NULL.
 */
int ran_detach(struct ran *r, int ns_fd, int ifindex);

/*
 * Describe a cell port: own_mac is the port's MAC, peer_mac the eNB's at the far end. A new
 * cell gets a counter slot of its own, counters zero; setting it again changes the MACs and
 * keeps the counters. -ENOSPC beyond RAN_MAX_CELLS.
 */
int ran_cell_set(struct ran *r, int cell_ifindex, const uint8_t own_mac[6],
		 const uint8_t peer_mac[6]);
/* Forget a cell; -EBUSY while a UE is attached to it, -ENOENT if unknown. */
int ran_cell_remove(struct ran *r, int cell_ifindex);

/*
 * Describe a UE port: the UE's address, its MAC at the far end of the port (ue_mac) and the
 * port's own MAC. A new UE starts detached; setting it again keeps its cell. -EADDRINUSE if
 * another UE has the address, -EEXIST if this UE had another one (remove it first).
 */
int ran_ue_set(struct ran *r, int ue_ifindex, uint32_t addr, const uint8_t ue_mac[6],
	       const uint8_t own_mac[6]);
/* Forget a UE (its cell and its address); -ENOENT if unknown. */
int ran_ue_remove(struct ran *r, int ue_ifindex);
/*
 * The handover: from the next frame on the UE is served by cell_ifindex (0: detached), in
 * one map update. The cell it leaves becomes its previous cell, whose downlink in flight is
 * forwarded or dropped as ran_forwarding_set() says. Attaching to the serving cell again
 * changes nothing. -ENOENT: unknown UE or cell.
 */
int ran_ue_attach(struct ran *r, int ue_ifindex, int cell_ifindex);
/* The UE's serving cell (0: detached) and previous cell (0: none). */
int ran_ue_cell(struct ran *r, int ue_ifindex, int *ret_cell, int *ret_old_cell);

/*
 * Downlink reaching a UE's previous cell after a handover: RAN_FWD_X2 (delivered) or
 * RAN_FWD_DROP, within window_ns of the handover (0: until the next handover).
 */
int ran_forwarding_set(struct ran *r, uint32_t mode, uint64_t window_ns);

/* A cell's counters summed over all CPUs; cell_ifindex 0: slot 0 (what no cell owns). */
int ran_stats_read(struct ran *r, int cell_ifindex, struct ran_stats *ret);
/* fd of one of the loaded programs (for BPF_PROG_TEST_RUN in tests), or -EINVAL. */
int ran_prog_fd(struct ran *r, enum ran_prog prog);

#endif
