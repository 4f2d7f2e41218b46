/* SPDX-License-Identifier: MIT */
/*
 * A cell's scheduler (issue 14, shared cell capacity), one per cell and direction, as pure
 * logic on a clock the caller gives, like the relay's queue (emu/relay_queue.c). The UEs
 * attached to the cell share its capacity; each UE is further held to its own rate (its
 * signal rate from the radio model). Between the UEs with packets and rate to spare, the
 * cell is shared by bytes: deficit round robin with byte quanta, as sch_fq does between
 * flows, so the long-run rates are the max-min fair shares emu_cell_share() computes.
 *
 * The scheduler keeps no packet bytes: each packet is an opaque handle and a length, and
 * whoever owns the bytes (the relay) frees them when a packet leaves or is dropped. All
 * memory is taken by emu_cell_new (emu_cell_mem() says how much); no call allocates after.
 *
 * Not yet used by edgemu run: the relay will own the radio access and call this per cell.
 */
#ifndef EDGEMU_EMU_CELL_SCHED_H
#define EDGEMU_EMU_CELL_SCHED_H

#include <stddef.h>
#include <stdint.h>

struct emu_cell;

/* 0 in a field: the default below. */
struct emu_cell_conf {
	uint64_t capacity_bps; /* the cell's rate in this direction; 0: unlimited */
	uint32_t ues_max;      /* UEs attached at once */
	uint32_t pkts_max;     /* packets queued at once, all UEs together (2 x ue_pkts_max) */
	uint32_t ue_pkts_max;  /* one UE's FIFO, in packets */
	uint64_t ue_bytes_max; /* and in bytes */
	uint32_t quantum;      /* bytes a UE may send per round */
	uint64_t burst_ns;     /* credit an idle cell or UE keeps, as time at its rate
				* (or two quanta, whichever is more) */
};

#define EMU_CELL_DEFAULT_UES 64
#define EMU_CELL_DEFAULT_UE_PKTS 1000 /* the relay's drop-tail limit (EMU_SHAPE_DEFAULT_LIMIT) */
#define EMU_CELL_DEFAULT_UE_BYTES (1000ULL * 1514)
#define EMU_CELL_DEFAULT_QUANTUM 1514 /* an Ethernet frame of a 1500-byte MTU */
#define EMU_CELL_DEFAULT_BURST_NS 1000000ULL
/* The largest packet taken (the relay's EMU_RQ_FRAME_MAX). */
#define EMU_CELL_PKT_MAX 65536

struct emu_cell_pkt {
	void *handle; /* the caller's, given back unchanged */
	uint32_t len; /* bytes */
	int ue;	      /* the UE it belongs to */
};

struct emu_cell_stats {
	uint64_t in, out, dropped;    /* packets: queued, sent, refused by a full queue or pool */
	uint64_t removed;	      /* dropped because their UE was removed (or could not move) */
	uint64_t moved_in, moved_out; /* carried by emu_cell_ue_move to or from this cell */
	uint64_t bytes_out;
};

struct emu_cell_ue_stats {
	uint64_t in, out, dropped, bytes_out;
	uint32_t queued_pkts;
	uint64_t queued_bytes;
};

/* Called with each packet a removal or a move drops, for its owner to free. */
typedef void (*emu_cell_drop_fn)(void *handle, void *arg);

/* Bytes emu_cell_new takes for conf (with defaults filled in): the bound on memory. */
size_t emu_cell_mem(const struct emu_cell_conf *conf);
int emu_cell_new(const struct emu_cell_conf *conf, struct emu_cell **ret);
/* Frees the cell; packets still queued are handed to drop (if not NULL) first. */
void emu_cell_free(struct emu_cell *c, emu_cell_drop_fn drop, void *arg);
/* A new capacity from now_ns on; what the old one still owed is rescaled to the new. */
void emu_cell_set_capacity(struct emu_cell *c, uint64_t now_ns, uint64_t capacity_bps);

/* Attach a UE with rate cap rate_bps (0: none of its own): its id (>= 0), or -ENOSPC. */
int emu_cell_ue_add(struct emu_cell *c, uint64_t rate_bps);
/* Change a UE's cap from now_ns on (as the capacity). -ENOENT for an id not attached. */
int emu_cell_ue_set_rate(struct emu_cell *c, int ue, uint64_t now_ns, uint64_t rate_bps);
/* Detach a UE, dropping what it has queued (handed to drop): their count, or -ENOENT. */
int emu_cell_ue_remove(struct emu_cell *c, int ue, emu_cell_drop_fn drop, void *arg);
/*
 * A handover with forwarding: the UE leaves `from` and attaches to `to` with the same cap,
 * taking its queued packets along in order (what to's limits cannot hold is dropped through
 * drop, and counted as removed in from). Its id in `to`, or -ENOSPC (to is full; nothing
 * changed) or -ENOENT.
 */
int emu_cell_ue_move(struct emu_cell *from, int ue, struct emu_cell *to, emu_cell_drop_fn drop,
		     void *arg);

/*
 * Queue a packet for a UE: 0, -ENOBUFS when its FIFO is full or it holds as many of the
 * pool's slots as are left free (counted as dropped; the caller keeps the handle), -EINVAL for a
 * length of 0 or above EMU_CELL_PKT_MAX, -ENOENT for an id not attached.
 */
int emu_cell_enqueue(struct emu_cell *c, int ue, void *handle, uint32_t len);
/*
 * The next packet that may leave at now_ns: 1 and *ret. 0 when none may: *ret_next_ns is
 * the earliest time one may (UINT64_MAX when nothing is queued). The cell's clock never
 * goes back: a time before the latest any call gave counts as that one.
 */
int emu_cell_dequeue(struct emu_cell *c, uint64_t now_ns, struct emu_cell_pkt *ret,
		     uint64_t *ret_next_ns);

void emu_cell_stats(const struct emu_cell *c, struct emu_cell_stats *ret);
int emu_cell_ue_stats(const struct emu_cell *c, int ue, struct emu_cell_ue_stats *ret);

/*
 * The steady-state shares, max-min fair (water-filling): n UEs, each limited by its cap
 * (0: none) and its demand (UINT64_MAX: it sends all it can), share capacity_bps (0:
 * unlimited). Each UE gets min(cap, demand) or the equal share of what the UEs below it
 * leave, whichever is lower; ret_bps[i] is UINT64_MAX for a UE limited by nothing.
 */
void emu_cell_share(uint64_t capacity_bps, const uint64_t *cap_bps, const uint64_t *demand_bps,
		    size_t n, uint64_t *ret_bps);

#endif
