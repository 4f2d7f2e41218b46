/* SPDX-License-Identifier: MIT */
/*
 * Each cell's load at every radio tick (cells.csv): the UEs attached to it, the bytes it
 * delivered to them (down) and from them to its eNB (up), and the downlink that reached it
 * after a UE had left: forwarded to the UE's new cell (x2) or dropped (ho_drop), each a
 * total since the run's start.
 *
 * The counters come from one place, r->ops->cell_stats (run/ops.c: the relay, which serves
 * the radio access and counts each cell's frames as it switches them), so that where they
 * come from can change without this file changing. They are per cell already: a handover
 * between two readings has its bytes before it counted by the old cell and those after it by
 * the new one, with nothing for the runner to book. Read every CELLS_NS, all cells in one
 * round trip to the relay (the loop waits for the relay's turn on the CPU at each: one per
 * cell cost a loaded runner's clock), the rows come every few ticks.
 */
#include "run/run_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int run_cells_init(struct runner *r)
{
	if (!r->n_cells)
		return 0;
	/* The second half: a reading until it is whole, so a failed one changes nothing. */
	r->cell_load = calloc(2 * (size_t)r->n_cells, sizeof(*r->cell_load));
	return r->cell_load ? 0 : -ENOMEM;
}

void run_cells_free(struct runner *r)
{
	free(r->cell_load);
	r->cell_load = NULL;
}

/* Every cell's counters now into r->cell_load: 0, or -errno. */
static int cells_read(struct runner *r, uint64_t t)
{
	struct topo_cell_stats *next = r->cell_load + r->n_cells;
	int rc = r->ops->cell_stats(r, next);

	if (rc < 0)
		return rc;
	memcpy(r->cell_load, next, r->n_cells * sizeof(*next));
	r->cells_read_ns = t;
	return 0;
}

void run_cells_tick(struct runner *r, uint64_t t)
{
	double t_s = run_rel_s(r, t);
	int rc;

	if (!r->cells_out || !r->cell_load || (r->cells_read_ns && t < r->cells_next))
		return;
	/* Half a tick early, so a period that is a whole number of ticks keeps to them. */
	r->cells_next = t + CELLS_NS - r->m->radio.tick_ns / 2;
	rc = cells_read(r, t);
	if (rc < 0) {
		run_fail(r, rc, "reading the cells' counters: %s", strerror(-rc));
		return;
	}
	for (unsigned c = 0; c < r->n_cells; c++)
		run_write_cell(r, t_s, c, &r->cell_load[c]);
}

void run_cells_end(struct runner *r, uint64_t t)
{
	int rc;

	/* Nothing read yet: the network never ran (or a run without cells). */
	if (!r->cell_load || !r->cells_read_ns || t <= r->cells_read_ns)
		return;
	/*
	 * A failure here leaves the totals of the last reading; it is said, but it does not
	 * make a run that ended well a failed one (a run ended by its network's loss fails
	 * here too, and has said why already).
	 */
	rc = cells_read(r, t);
	if (rc < 0) {
		if (!r->error)
			fprintf(stderr,
				"%s: warning: reading the cells' counters at the end: %s; "
				"the cells' totals are those of %.3f s\n",
				r->cmd, strerror(-rc), run_rel_s(r, r->cells_read_ns));
		return;
	}
	for (unsigned c = 0; c < r->n_cells && r->cells_out; c++)
		run_write_cell(r, run_rel_s(r, t), c, &r->cell_load[c]);
}

void run_cells_total(const struct runner *r, struct topo_cell_stats *ret)
{
	struct topo_cell_stats s = {0};

	for (unsigned c = 0; r->cell_load && c < r->n_cells; c++) {
		const struct topo_cell_stats *l = &r->cell_load[c];

		s.up_pkts += l->up_pkts;
		s.up_bytes += l->up_bytes;
		s.down_pkts += l->down_pkts;
		s.down_bytes += l->down_bytes;
		s.x2_pkts += l->x2_pkts;
		s.x2_bytes += l->x2_bytes;
		s.ho_drop_pkts += l->ho_drop_pkts;
		s.drop_pkts += l->drop_pkts;
		s.ues += l->ues;
	}
	*ret = s;
}
