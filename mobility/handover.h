/* SPDX-License-Identifier: MIT */
/*
 * Handover of one UE between cells, A3-style, on a virtual clock.
 *
 * At every tick the runner passes the time and the signal of every cell (eNB) in dBm; a cell
 * gives no link when its signal is NaN or below min_signal_dbm.
 *
 * - Attach: a UE without a serving cell (at start, or after losing every cell) attaches to
 *   the cell with the strongest signal at the first tick one gives a link. No interruption:
 *   it had no link before.
 * - A3: a neighbour N is better when signal(N) > signal(serving) + hysteresis. When N has
 *   been better at every tick since tick t0 and now - t0 >= ttt, the UE hands over to N (of
 *   several such neighbours, the strongest). A tick at which N is not better restarts N's
 *   timer; so does every change of serving cell. The condition is sampled at ticks, so the
 *   handover comes at the first tick at least ttt after the condition began.
 * - Radio link failure (RLF): when the serving cell gives no link, the UE hands over at once
 *   to the strongest cell that does, without waiting for ttt; if none does, it is detached
 *   (no serving cell) until one does, and then attaches.
 * - Interruption: after an A3 or RLF handover the UE has no link for `interruption`
 *   (mob_ho_link_up() says so); the runner applies it. Measurements go on meanwhile.
 */
#ifndef EDGEMU_MOBILITY_HANDOVER_H
#define EDGEMU_MOBILITY_HANDOVER_H

#include <stdbool.h>
#include <stdint.h>

struct mob_ho_params {
	double hysteresis_db; /* >= 0 */
	uint64_t ttt_ns;      /* time to trigger */
	uint64_t interruption_ns;
	double min_signal_dbm; /* below: no link (-INFINITY if the caller passes NaN itself) */
};

enum mob_ho_reason {
	MOB_HO_ATTACH, /* from no cell */
	MOB_HO_A3,     /* neighbour better by more than hysteresis for ttt */
	MOB_HO_RLF,    /* serving cell lost: at once to the strongest other cell */
	MOB_HO_DETACH, /* serving cell lost and no other cell gives a link */
};

struct mob_ho_event {
	uint64_t t_ns; /* the tick's time */
	int from, to;  /* cell indexes, -1 for none */
	enum mob_ho_reason reason;
	uint64_t link_at_ns; /* link again from: t_ns + interruption for A3 and RLF, else t_ns */
};

/* One UE's handover state. */
struct mob_ho;

/* 0 or -EINVAL (no cells, or a parameter out of range), -ENOMEM. */
int mob_ho_new(const struct mob_ho_params *p, unsigned n_cells, struct mob_ho **ret);
void mob_ho_free(struct mob_ho *h);
/*
 * One tick at now_ns with signal_dbm[i] for cell i (n_cells values). Returns 1 and fills
 * *ret when the serving cell changed, 0 when not, -EINVAL when now_ns is before the
 * previous tick's time.
 */
int mob_ho_tick(struct mob_ho *h, uint64_t now_ns, const double *signal_dbm,
		struct mob_ho_event *ret);
/* The serving cell, -1 for none. */
int mob_ho_serving(const struct mob_ho *h);
/* True when the UE has a serving cell and is not in a handover's interruption at now_ns. */
bool mob_ho_link_up(const struct mob_ho *h, uint64_t now_ns);
const char *mob_ho_reason_name(enum mob_ho_reason r); /* "attach", "a3", "rlf", "detach" */

#endif
