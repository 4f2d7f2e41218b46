/* SPDX-License-Identifier: MIT */
/*
 * The relay's radio access network (issue 14) as pure logic on a clock the caller gives, like
 * the relay's queue (emu/relay_queue.c): no sockets. Frames enter from a port (an ifindex):
 * a UE's port (uplink) or a cell's (downlink); they leave through the port the switch says,
 * with both MAC addresses written (emu_ran_mac()).
 *
 * Per direction a frame goes through its cell's scheduler (emu/cell_sched.h: the cell's
 * capacity shared by its UEs, each held to its own rate), then the UE's radio loss, then the
 * UE's delay line. Loss comes after the scheduler on purpose: a radio frame lost on the air
 * has used its share of the cell (as a failed transmission does), and the loss model sees the
 * frames in the order the air does. A UE's frames in one direction never overtake each other
 * (jitter is clamped to the previous departure, as netem's with a rate).
 */
#ifndef EDGEMU_EMU_RAN_SWITCH_H
#define EDGEMU_EMU_RAN_SWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/relay.h"

struct emu_ran;

enum emu_ran_dir {
	EMU_RAN_UP = 0,
	EMU_RAN_DOWN = 1,
};

/* Packet slots of a cell's scheduler per direction, all its UEs together. */
#define EMU_RAN_POOL 2048
/* UEs a cell's scheduler holds at first; it doubles (up to every UE) when one more attaches. */
#define EMU_RAN_CELL_UES 64
/* Bytes of frames the switch holds at most, all cells together: the bound under flooding. */
#define EMU_RAN_HELD_MAX (128ULL << 20)

/*
 * A switch for conf (copied: the caller's arrays may go). Every port index above 0 and used
 * once, every UE address once: else -EINVAL. seed: every UE's random choices, per direction.
 * Every UE starts detached, with no shaping and the default limit.
 */
int emu_ran_new(const struct emu_relay_ran *conf, uint64_t seed, struct emu_ran **ret);
void emu_ran_free(struct emu_ran *r);
unsigned emu_ran_n_cells(const struct emu_ran *r);
bool emu_ran_is_port(const struct emu_ran *r, int ifindex);

/*
 * A frame from port ifindex at now_ns: 1 taken (queued), 0 dropped (counted), -ENOENT when
 * ifindex is not a port of the switch (nothing counted).
 */
int emu_ran_input(struct emu_ran *r, uint64_t now_ns, int ifindex, const void *frame, uint32_t len);
/*
 * UE ue to cell (-1: detach) at now_ns; *ret_last (if not NULL): the cell its routes point at
 * before this call (the cell of its last attach, not prepare), -1 if never. A UE held by
 * emu_ran_prepare() is released: what it holds is served from now on (a detach drops it,
 * counted ho_drop in its cell). A detached UE is off the air: its downlink still in the delay
 * line and due after the detach is dropped (ho_drop of the cell it left from).
 * -ENOENT for a bad ue or cell, -ENOMEM, -ENOSPC.
 */
int emu_ran_attach(struct emu_ran *r, uint64_t now_ns, unsigned ue, int cell, int *ret_last);
/*
 * A handover's preparation (X2/Xn): UE ue is cell's at once (cell >= 0) but held, off the air
 * until the next emu_ran_attach(): its uplink is dropped (ho_drop of the cell it left), its
 * downlink is buffered, not served: its queue in the old cell (with forwarding x2; dropped
 * with drop), downlink reaching the old cell (forwarded, counted x2 there; dropped with drop)
 * and downlink reaching cell, all within the UE's limit (beyond: dropped, counted full);
 * downlink on the air (the delay line) due after now goes first (x2; dropped with drop).
 * Its routes stay: *ret_last and the releasing attach's name the cell they point at.
 * -ENOENT, -EINVAL for cell -1, -ENOMEM, -ENOSPC.
 */
int emu_ran_prepare(struct emu_ran *r, uint64_t now_ns, unsigned ue, int cell, int *ret_last);
/*
 * UE ue's radio in direction dir (EMU_RAN_UP or EMU_RAN_DOWN) from now_ns on: loss, delay,
 * jitter, rate (its cap in its cell), limit (its frames held in this direction, queued or in
 * the delay line; 0: EMU_SHAPE_DEFAULT_LIMIT). No trace (-EOPNOTSUPP); -EINVAL for a loss or
 * distribution the relay does not know; -ENOENT for a bad ue or dir.
 */
int emu_ran_shape(struct emu_ran *r, uint64_t now_ns, unsigned ue, unsigned dir,
		  const struct emu_shape *s);
/* Cell cell's counters; cell == emu_ran_n_cells(): the global slot. -ENOENT beyond. */
int emu_ran_cell_stats(const struct emu_ran *r, unsigned cell, struct emu_ran_cell_stats *ret);
/* The UE's cell now (-1: detached), or -ENOENT. */
int emu_ran_ue_cell(const struct emu_ran *r, unsigned ue);

/* Bytes the switch holds besides its frames' copies: tables, maps, schedulers. */
size_t emu_ran_mem(const struct emu_ran *r);

/* When a frame may next be due (UINT64_MAX: nothing held): the caller's next timer. */
uint64_t emu_ran_next(const struct emu_ran *r);
/*
 * Copy out the next frame due at or before now_ns into buf (cap bytes; a longer frame is cut,
 * its length returned anyway) and its port in *ret_ifindex: its length, 0 when none is due.
 */
uint32_t emu_ran_dequeue(struct emu_ran *r, uint64_t now_ns, void *buf, uint32_t cap,
			 int *ret_ifindex);

#endif
