/* SPDX-License-Identifier: MIT */
/* Running a sweep's plan, one `edgemu run` per point, and its folder (sweep/run.c). */
#ifndef EDGEMU_SWEEP_RUN_H
#define EDGEMU_SWEEP_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "sweep/sweep.h"

/* In a run's folder once it completed (exit 0 and a summary.json). */
#define SWEEP_MARKER "complete"

/* The sweep as it goes: what is done, how long it took, what is left. */
struct sweep_progress {
	const struct sweep_plan *p;
	const bool *complete;
	unsigned done, total;
	double t0, run_t0;
	double timed_s, timed_nominal_s; /* runs of this invocation: actual and nominal */
	unsigned timed;
	bool tty, quiet;
};

/*
 * SIGINT, SIGTERM and SIGHUP stop the sweep: the run under way gets the signal too (it
 * tears its network down as edgemu run does), and no other starts.
 */
void sweep_signals_catch(void);
/* The signal that stopped the sweep, 0: none. */
int sweep_stopped(void);
/* Monotonic, s. */
double sweep_now_s(void);
/* dir/run_dir/name is a regular file. */
bool sweep_file_exists(const char *dir, const char *run_dir, const char *name);
/* A line that stays: above the bar on a terminal; nothing when quiet. */
__attribute__((format(printf, 2, 3))) void sweep_say(const struct sweep_progress *g,
						     const char *fmt, ...);
/*
 * Runs run i as a child `edgemu run` (this binary) into dir/<its folder>, stopped when it
 * hangs; 0 when it completed (then marked so); -EINTR when the sweep was stopped, -EIO when
 * it failed (said why), -errno. ret_s: how long it took.
 */
int sweep_run_one(const struct sweep_plan *p, unsigned i, const char *file, const char *dir,
		  const char *name, struct sweep_progress *g, double *ret_s);
/* The plan id a folder's plan.json names, or 0. */
uint64_t sweep_folder_plan_id(const char *dir);
/* dir/plan.json, replaced whole. -errno. */
int sweep_plan_save(const struct sweep_plan *p, const char *dir, const char *file, uint64_t id);
/* Reads what every complete run measured; a run whose files say nothing is not complete. */
void sweep_collect(const struct sweep_plan *p, const char *dir, bool *complete,
		   struct sweep_result *res, unsigned *done);
/* sweep.csv, summary.csv, sweep.html in dir; the table on stdout unless quiet. -errno. */
int sweep_reports_write(const struct sweep_plan *p, const char *dir, const char *title,
			const bool *complete, const struct sweep_result *res, unsigned done,
			bool quiet);

#endif
