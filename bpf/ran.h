/* SPDX-License-Identifier: MIT */
/*
 * Radio access (issue 14): what the tc programs (ran.bpf.c) and their loader (ran.c) share.
 * Interfaces are ifindexes in the radio access namespace; addresses are IPv4 in network byte
 * order, as they sit in the packet; MACs are the six bytes of an Ethernet header.
 */
#ifndef EDGEMU_BPF_RAN_H
#define EDGEMU_BPF_RAN_H

#include <linux/types.h>

#define RAN_MAX_UES 65536
#define RAN_MAX_CELLS 1024
/* Counter slots: 0 for what belongs to no cell, 1..RAN_MAX_CELLS for the cells. */
#define RAN_SLOTS (RAN_MAX_CELLS + 1)

/* What happens to downlink packets that reach a UE's previous cell after a handover. */
#define RAN_FWD_X2 0   /* delivered to the UE anyway, as X2/Xn forwarding would */
#define RAN_FWD_DROP 1 /* dropped */

/* cell map: cell port ifindex -> the cell port's MACs and its counter slot. */
struct ran_cell {
	__u8 own_mac[6];  /* the cell port's own MAC (source of uplink frames) */
	__u8 peer_mac[6]; /* the eNB's MAC at the far end of the cell port */
	__u32 slot;	  /* index in ran_stats, 1..RAN_MAX_CELLS */
};

/*
 * ue_cell map: UE port ifindex -> the UE's serving cell. The only entry a handover writes:
 * the hash map replaces a value as a whole (a new element, swapped in under RCU), so a
 * program never sees half of an update.
 */
struct ran_ue {
	__u32 cell_ifindex;	/* serving cell port; 0: detached */
	__u32 old_cell_ifindex; /* the cell served before the last handover; 0: none */
	__u64 ho_ns;		/* CLOCK_MONOTONIC (bpf_ktime_get_ns) of the last handover */
	__u32 addr;		/* the UE's address, the key of its ue_by_addr entry */
	__u32 pad;		/* zero */
};

/* ue_by_addr map: UE address -> the UE's port, what downlink needs to reach it. */
struct ran_ue_port {
	__u32 ifindex;	 /* the UE port in the radio access namespace */
	__u8 mac[6];	 /* the UE's MAC at the far end of its port */
	__u8 own_mac[6]; /* the UE port's own MAC (source of downlink frames) */
};

/* ran_conf map, one entry: how in-flight downlink is treated. */
struct ran_conf {
	__u32 forwarding; /* RAN_FWD_* */
	__u32 pad;	  /* zero */
	/*
	 * How long after a handover packets at the old cell still count as in flight (0: until
	 * the next handover). Later ones reached a cell that serves nobody by that address.
	 */
	__u64 window_ns;
};

/* Per-CPU counters of one slot (a cell, or slot 0: no cell); bytes of whole frames. */
struct ran_stats {
	__u64 up_pkts; /* from a UE, redirected to this cell */
	__u64 up_bytes;
	__u64 down_pkts; /* at this cell, redirected to a UE it serves */
	__u64 down_bytes;
	__u64 x2_pkts; /* at this cell after the UE left it, forwarded to the UE */
	__u64 x2_bytes;
	__u64 ho_drop_pkts; /* at this cell after the UE left it, dropped */
	/*
	 * Dropped for any other reason. At a cell: not IPv4, unknown destination, a UE this cell
	 * does not serve. Slot 0: frames of an unknown or detached UE, frames at a port that is
	 * not a known cell.
	 */
	__u64 drop_pkts;
};

#endif
