/* SPDX-License-Identifier: MIT */
/*
 * Each cell's load at every radio tick (cells.csv): the UEs attached to it, and the bytes
 * its eNB sent to them (down) and received from them (up) on their radio links, as totals
 * since the run's start.
 *
 * The counters come from one place, r->ops->radio_bytes (run/ops.c: the eNB side of each
 * UE's radio link, one counters dump in the eNB's namespace), so that where they come from
 * can change without this file changing. Read every CELLS_NS (a dump per eNB costs: every
 * 100 ms tick, 10 eNBs, it added 40% to the runner's CPU time), the rows come every few
 * ticks. A radio link's bytes since the last reading are booked to its cell when its UE
 * was attached to that cell at the last reading or is now: a handover between two readings
 * books the bytes before it to the old cell and those after it to the new one.
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
	r->radio_base = calloc(2 * (size_t)r->n_ues * r->n_cells, sizeof(*r->radio_base));
	if (!r->cell_load || !r->radio_now || !r->radio_base)
		return -ENOMEM;
	for (unsigned i = 0; i < r->n_ues; i++)
		r->ues[i].load_cell = -1;
	return 0;
}

void run_cells_free(struct runner *r)
{
	free(r->cell_load);
	free(r->radio_now);
	free(r->radio_base);
	r->cell_load = NULL;
	r->radio_now = NULL;
	r->radio_base = NULL;
}

/* Counters that went back (a link made again): counted from 0. */
static uint64_t since(uint64_t now, uint64_t last)
{
	return now >= last ? now - last : now;
}

/*
 * Cell c's share since the last reading: the bytes on the links of the UEs it served then
 * or serves now, and the UEs it serves now. Every link's counters are the next base.
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
		const struct ue *u = &r->ues[i];
		const uint64_t *now = &r->radio_now[2 * i];
		uint64_t *base = &r->radio_base[2 * ((size_t)c * r->n_ues + i)];
		bool here = u->link >= 0 && u->cell == (int)c;

		if (here || u->load_cell == (int)c) {
			l->down_bytes += since(now[0], base[0]);
			l->up_bytes += since(now[1], base[1]);
		}
		l->ues += here;
		base[0] = now[0];
		base[1] = now[1];
	}
	return 0;
}

void run_cells_tick(struct runner *r, uint64_t t)
{
	double t_s = run_rel_s(r, t);

	if (!r->cells_out || !r->cell_load || (r->cells_read && t < r->cells_next))
		return;
	r->cells_read = true;
	/* Half a tick early, so a period that is a whole number of ticks keeps to them. */
	r->cells_next = t + CELLS_NS - r->m->radio.tick_ns / 2;
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
