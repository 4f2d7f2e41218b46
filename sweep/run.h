/* SPDX-License-Identifier: MIT */
/* Running a sweep's plan, one `edgemu run` per point, and its folder (sweep/run.c). */
#ifndef EDGEMU_SWEEP_RUN_H
#define EDGEMU_SWEEP_RUN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "sweep/sweep.h"

#define MARKER "complete"

/* The sweep as it goes: what is done, how long it took, what is left. */
struct progress {
	const struct sweep_plan *p;
	const bool *complete;
	unsigned done, total;
	double t0, run_t0;
	double timed_s, timed_nominal_s; /* runs of this invocation: actual and nominal */
	unsigned timed;
	bool tty, quiet;
};

extern volatile sig_atomic_t stop_sig;
void on_signal(int sig);
double now_s(void);
int mkdirs(const char *path);
bool exists(const char *dir, const char *run_dir, const char *name);
__attribute__((format(printf, 2, 3))) void say(const struct progress *g, const char *fmt, ...);
int run_one(const struct sweep_plan *p, unsigned i, const char *file, const char *dir,
	    const char *name, struct progress *g, double *ret_s);
uint64_t folder_plan_id(const char *dir);
int write_plan(const struct sweep_plan *p, const char *dir, const char *file, uint64_t id);
void collect(const struct sweep_plan *p, const char *dir, bool *complete,
	     struct sweep_result *res, unsigned *done);
int reports(const struct sweep_plan *p, const char *dir, const char *title,
	    const bool *complete, const struct sweep_result *res, unsigned done, bool quiet);

#endif
