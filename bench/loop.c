/* SPDX-License-Identifier: MIT */
/*
 * bench/loop: how late the event loop runs its timers under the load of a scenario run, and
 * what the loop costs. 50 periodic timers at 100 ms, staggered evenly over the period (one
 * mobility tick per UE), and one at 10 ms (the probes), for 10 s; the callbacks do nothing,
 * so the figures are the loop's and the kernel's. Prints lateness p50/p99/max, ticks skipped
 * and the CPU time used; asserts nothing. No root needed.
 *
 *   build/bench/loop [--duration S] [--timers N] [--slack NS]
 *
 * --slack sets the thread's timer slack (prctl PR_SET_TIMERSLACK): the kernel may fire a
 * timer of a normal thread up to that much late to batch wakeups, 50 us by default.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "emu/loop.h"

#define MS 1000000ULL

struct group {
	uint64_t fires;
	struct util_hist lat;
};

static void on_tick(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	struct group *g = arg;

	g->fires++;
	util_hist_add(&g->lat, f->now_ns - f->deadline_ns);
}

static void on_end(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	emu_loop_stop(loop, 0);
}

static double tv_ms(struct timeval tv)
{
	return tv.tv_sec * 1e3 + tv.tv_usec / 1e3;
}

static void usage(void)
{
	fprintf(stderr, "usage: loop [--duration S] [--timers N] [--slack NS]\n");
	exit(2);
}

static void print_lat(const char *what, const struct util_hist *h)
{
	printf("  %-22s %8" PRIu64 "  %9.1f  %9.1f  %9.1f\n", what, h->count,
	       util_hist_quantile(h, 0.5) / 1e3, util_hist_quantile(h, 0.99) / 1e3,
	       h->max_ns / 1e3);
}

int main(int argc, char **argv)
{
	double duration_s = 10;
	long timers = 50, slack = -1;
	struct group ue = {0}, probe = {0};
	struct emu_loop *loop;
	struct emu_loop_stats st;
	struct rusage ru0, ru1;
	uint64_t start, t0, t1;
	double user_ms, sys_ms;
	int r;

	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--duration"))
			duration_s = atof(argv[++i]);
		else if (!strcmp(argv[i], "--timers"))
			timers = atol(argv[++i]);
		else if (!strcmp(argv[i], "--slack"))
			slack = atol(argv[++i]);
		else
			usage();
	}
	if (duration_s <= 0 || timers < 0)
		usage();
	if (slack >= 0 && prctl(PR_SET_TIMERSLACK, (unsigned long)slack, 0, 0, 0) < 0) {
		fprintf(stderr, "loop: setting the timer slack to %ld ns: %s\n", slack,
			strerror(errno));
		return 1;
	}
	r = emu_loop_open(&loop);
	if (r < 0) {
		fprintf(stderr, "loop: opening the event loop: %s\n", strerror(-r));
		return 1;
	}
	start = emu_loop_now_ns() + 10 * MS;
	for (long i = 0; i < timers && r == 0; i++)
		r = emu_loop_every(loop, start + (uint64_t)i * 100 * MS / (uint64_t)timers,
				   100 * MS, on_tick, &ue, NULL);
	if (r == 0)
		r = emu_loop_every(loop, start, 10 * MS, on_tick, &probe, NULL);
	if (r == 0)
		r = emu_loop_timer_add(loop, start + (uint64_t)(duration_s * 1e9), on_end, NULL,
				       NULL);
	if (r < 0) {
		fprintf(stderr, "loop: adding timers: %s\n", strerror(-r));
		return 1;
	}

	getrusage(RUSAGE_SELF, &ru0);
	t0 = emu_loop_now_ns();
	r = emu_loop_run(loop);
	t1 = emu_loop_now_ns();
	getrusage(RUSAGE_SELF, &ru1);
	if (r < 0) {
		fprintf(stderr, "loop: running the loop: %s\n", strerror(-r));
		return 1;
	}
	emu_loop_lateness(loop, &st);
	user_ms = tv_ms(ru1.ru_utime) - tv_ms(ru0.ru_utime);
	sys_ms = tv_ms(ru1.ru_stime) - tv_ms(ru0.ru_stime);

	printf("bench/loop: %ld timers at 100 ms (staggered) + 1 at 10 ms for %.1f s, "
	       "timer slack %d ns\n",
	       timers, duration_s, prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
	printf("  lateness (us)              fires        p50        p99        max\n");
	print_lat("100 ms timers", &ue.lat);
	print_lat("10 ms timer", &probe.lat);
	print_lat("all, the loop's stats", emu_loop_lateness_hist(loop));
	printf("  skipped periodic ticks: %" PRIu64 "\n", st.skipped);
	printf("  CPU: user %.1f ms, sys %.1f ms over %.2f s wall (%.3f %% of one core, "
	       "%.1f us per timer fire)\n",
	       user_ms, sys_ms, (t1 - t0) / 1e9, (user_ms + sys_ms) / ((t1 - t0) / 1e6) * 100,
	       st.count ? (user_ms + sys_ms) * 1e3 / (double)st.count : 0.0);
	emu_loop_close(loop);
	return 0;
}
