/* SPDX-License-Identifier: MIT */
/*
 * Each cell's load at every radio tick (cells.csv): the UEs attached to it, the bytes it
 * delivered to them (down) and from them to its eNB (up), and the downlink that reached it
 * after a UE had left: forwarded to the UE's new cell (x2) or dropped (ho_drop), each a
 * total since the run's start.
 *
 * The counters come from one place, r->ops->cells_ask and cells_take (run/ops.c: the relay,
 * which serves the radio access and counts each cell's frames as it switches them), so that
 * where they come from can change without this file changing. They are per cell already: a
 * handover between two readings has its bytes before it counted by the old cell and those
 * after it by the new one, with nothing for the runner to book.
 *
 * A reading at every tick, all cells in one request, never waited for: asked at the tick, its
 * rows written (with the tick's time) when the loop sees the answer come in. Waiting for the
 * relay's turn on the CPU at every tick cost the clock (bench/runner.sh 60s 500 50: lateness
 * p99 1.1-1.9 ms, against 0.7 ms reading every 500 ms). One reading out at a time: a tick that
 * finds the one before still out asks nothing and is counted (cells_skipped), since queueing
 * requests behind a late relay would only make every answer later.
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

/*
 * The answer to the reading out, its rows in cells.csv at the time it was asked: 0, -EAGAIN
 * while it has not come (wait: blocks until it does), or -errno (the reading lost).
 */
static int cells_take(struct runner *r, bool wait)
{
	struct topo_cell_stats *next = r->cell_load + r->n_cells;
	int rc = r->ops->cells_take(r, next, wait);

	if (rc == -EAGAIN)
		return rc;
	r->cells_asked = false;
	if (rc < 0)
		return rc;
	memcpy(r->cell_load, next, r->n_cells * sizeof(*next));
	r->cells_read_ns = r->cells_asked_ns;
	for (unsigned c = 0; c < r->n_cells; c++)
		run_write_cell(r, run_rel_s(r, r->cells_read_ns), c, &r->cell_load[c]);
	return 0;
}

static void cells_unwatch(struct runner *r)
{
	if (r->cells_watched)
		emu_loop_fd_del(r->loop, r->cells_fd);
	r->cells_watched = false;
}

/* The relay's socket readable: the answer to the reading out, if it is whole. */
static void on_cells(struct emu_loop *loop, int fd, uint32_t revents, void *arg)
{
	struct runner *r = arg;
	int rc;

	/* Nothing out, yet readable (the relay gone: its end closed): watched again at a tick. */
	if (!r->cells_asked) {
		cells_unwatch(r);
		return;
	}
	rc = cells_take(r, false);
	if (rc < 0 && rc != -EAGAIN)
		run_fail(r, rc, "reading the cells' counters: %s", strerror(-rc));
}

/* The reading of the tick at t asked for, the fd its answer comes on watched: 0 or -errno. */
static int cells_ask(struct runner *r, uint64_t t)
{
	int fd, rc = r->ops->cells_ask(r, &fd);

	if (rc < 0)
		return rc;
	r->cells_asked = true;
	r->cells_asked_ns = t;
	if (r->cells_watched && fd == r->cells_fd)
		return 0;
	cells_unwatch(r);
	rc = emu_loop_fd_add(r->loop, fd, EPOLLIN, on_cells, r);
	if (rc < 0)
		return rc;
	r->cells_fd = fd;
	r->cells_watched = true;
	return 0;
}

void run_cells_tick(struct runner *r, uint64_t t)
{
	int rc = 0;

	if (!r->cells_out || !r->cell_load)
		return;
	/* The answer may be in but not yet seen by the loop (taken by another request). */
	if (r->cells_asked)
		rc = cells_take(r, false);
	if (rc == -EAGAIN) {
		r->cells_skipped++;
		return;
	}
	if (rc == 0)
		rc = cells_ask(r, t);
	if (rc < 0)
		run_fail(r, rc, "reading the cells' counters: %s", strerror(-rc));
}

void run_cells_end(struct runner *r, uint64_t t)
{
	int rc = 0;

	if (!r->cell_load)
		return;
	/* The clock has stopped: the reading out may be waited for. */
	if (r->cells_asked)
		rc = cells_take(r, true);
	cells_unwatch(r);
	/* Nothing read yet: the network never ran (or the one out failed, said below). */
	if (rc == 0 && (!r->cells_read_ns || t <= r->cells_read_ns))
		return;
	if (rc == 0)
		rc = r->ops->cells_ask(r, &(int){0});
	if (rc == 0) {
		r->cells_asked = true;
		r->cells_asked_ns = t;
		rc = cells_take(r, true);
	}
	/*
	 * A failure here leaves the totals of the last reading; it is said, but it does not
	 * make a run that ended well a failed one (a run ended by its network's loss fails
	 * here too, and has said why already).
	 */
	if (rc < 0 && !r->error)
		fprintf(stderr,
			"%s: warning: reading the cells' counters at the end: %s; "
			"the cells' totals are those of %.3f s\n",
			r->cmd, strerror(-rc), run_rel_s(r, r->cells_read_ns));
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
