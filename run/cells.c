/* SPDX-License-Identifier: MIT */
/*
 * Each cell's load at every radio tick (cells.csv): the UEs attached to it, and the bytes
 * its eNB sent to them (down) and received from them (up) on their radio links, as totals
 * since the run's start.
 *
 * The counters come from one place, r->ops->radio_bytes (run/ops.c: the eNB side of each
 * UE's radio link, one link dump in the eNB's namespace), so that where they come from can
 * change without this file changing. A UE's bytes over a tick are booked to the cell it was
 * attached to during that tick: the difference of its link's counters since the last tick,
 * taken before its new cell (after a handover) becomes the one counted.
 */
#include "run/run_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int run_cells_init(struct runner *r)
{
	if (!r->n_cells || !r->n_ues)
		return 0;
	r->cell_load = calloc(r->n_cells, sizeof(*r->cell_load));
	r->radio_now = calloc(2 * (size_t)r->n_ues, sizeof(*r->radio_now));
	if (!r->cell_load || !r->radio_now)
		return -ENOMEM;
	for (unsigned i = 0; i < r->n_ues; i++)
		r->ues[i].load_cell = -1;
	return 0;
}

void run_cells_free(struct runner *r)
{
	free(r->cell_load);
	free(r->radio_now);
	r->cell_load = NULL;
	r->radio_now = NULL;
}

/* Counters that went back (a link made again): counted from 0. */
static uint64_t since(uint64_t now, uint64_t last)
{
	return now >= last ? now - last : now;
}

/*
 * Cell c's share of this tick: the bytes of the UEs it served since the last tick, then the
 * UEs it serves now, their counters the base of the next tick's.
 */
static int cell_count(struct runner *r, unsigned c)
{
	struct cell_load *l = &r->cell_load[c];
	int rc;

	rc = r->ops->radio_bytes(r, c, r->radio_now);
	if (rc < 0)
		return rc;
	l->ues = 0;
	for (unsigned i = 0; i < r->n_ues; i++) {
		struct ue *u = &r->ues[i];
		const uint64_t *now = &r->radio_now[2 * i];

		if (u->load_cell == (int)c) {
			l->down_bytes += since(now[0], u->load_base[0]);
			l->up_bytes += since(now[1], u->load_base[1]);
		}
		if (u->link >= 0 && u->cell == (int)c) {
			l->ues++;
			u->load_base[0] = now[0];
			u->load_base[1] = now[1];
		}
	}
	return 0;
}

void run_cells_tick(struct runner *r, double t_s)
{
	if (!r->cells_out || !r->cell_load)
		return;
	for (unsigned c = 0; c < r->n_cells; c++) {
		int rc = cell_count(r, c);

		if (rc < 0) {
			run_fail(r, rc, "reading the radio links' counters of %s: %s",
				 run_cell_name(r, (int)c), strerror(-rc));
			return;
		}
	}
	for (unsigned i = 0; i < r->n_ues; i++) {
		struct ue *u = &r->ues[i];

		u->load_cell = u->link >= 0 ? u->cell : -1;
	}
	for (unsigned c = 0; c < r->n_cells; c++)
		run_write_cell(r, t_s, c, &r->cell_load[c]);
}
