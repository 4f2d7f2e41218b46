/* SPDX-License-Identifier: MIT */
/*
 * The real-time event loop that `edgemu run` drives the clock with: one epoll set; one
 * timerfd armed at the absolute CLOCK_MONOTONIC deadline of the earliest pending timer of a
 * min-heap; a signalfd; any fds the caller watches (the Unix socket the apps report to). For
 * every timer that fires, its lateness (when its callback starts minus its deadline) goes into
 * a histogram of fixed size, however long the run.
 *
 * Single-threaded: every call on a loop is made from the thread that runs it (callbacks
 * included). Callbacks may add and cancel timers, add and remove watches, and stop the loop.
 */
#ifndef EDGEMU_EMU_LOOP_H
#define EDGEMU_EMU_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include "util/hist.h"

struct emu_loop;

/* CLOCK_MONOTONIC in ns: the one clock of the run, the same in every namespace. */
uint64_t emu_loop_now_ns(void);

/* A loop with its epoll set and timerfd, on the real clock (emu_loop_now_ns()). */
int emu_loop_open(struct emu_loop **ret);

/*
 * A clock a loop can be handed instead, e.g. a virtual one, so that tests run timers without
 * sleeping. now_ns() is the clock's time; skip_to() is called when nothing is ready and the
 * earliest timer is due at at_ns, later than now: a virtual clock jumps there (a real one
 * would sleep). The loop never arms its timerfd on such a clock; fds and signals are still
 * polled at every turn, without waiting while timers are pending.
 */
struct emu_loop_clock {
	uint64_t (*now_ns)(void *arg);
	void (*skip_to)(void *arg, uint64_t at_ns);
	void *arg;
};

/* The same as emu_loop_open() on clock (copied; NULL: the real clock). */
int emu_loop_open_clock(const struct emu_loop_clock *clock, struct emu_loop **ret);
/* The loop's clock now: what its timers' deadlines and f->now_ns are measured on. */
uint64_t emu_loop_time_ns(const struct emu_loop *loop);
/* Closes the loop's fds and frees its timers and watches (not the caller's fds); NULL is fine. */
void emu_loop_close(struct emu_loop *loop);

/*
 * Run until emu_loop_stop(); returns the code given to it, or -errno if the loop itself fails
 * (epoll_wait, timerfd). -EBUSY when called from one of the loop's own callbacks. Each turn
 * runs the callbacks of the fds and signals that are ready, then the timers that are due.
 */
int emu_loop_run(struct emu_loop *loop);
/*
 * Make emu_loop_run() return code (use codes >= 0) as soon as the running callback returns:
 * nothing else runs after it. Timers and watches stay as they are for a later run. Called
 * while the loop is not running, the next run returns code at once.
 */
void emu_loop_stop(struct emu_loop *loop, int code);

/* --- timers --- */

/* What a timer callback is told. */
struct emu_loop_fire {
	uint64_t id;	      /* the timer's id */
	uint64_t deadline_ns; /* the deadline it fires for (periodic: first_ns + k * period_ns) */
	uint64_t now_ns;      /* when the callback started; lateness is now_ns - deadline_ns */
	uint64_t skipped;     /* periodic: deadlines passed over just before this one */
};

/*
 * Call cb once, at the absolute CLOCK_MONOTONIC time deadline_ns (a time already past fires
 * at the next turn of the loop). Timers fire in deadline order; timers with the same deadline
 * in the order they were added. *ret_id (may be NULL) is the timer's id, never 0 and never
 * reused by this loop.
 */
int emu_loop_timer_add(struct emu_loop *loop, uint64_t deadline_ns,
		       void (*cb)(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg),
		       void *arg, uint64_t *ret_id);
/*
 * A periodic timer: deadlines first_ns + k * period_ns for k = 0, 1, ..., fixed in advance,
 * so lateness never accumulates into drift. When the loop gets to a tick so late that later
 * deadlines have passed too (a callback that blocked, a stalled machine), it calls cb once,
 * for the latest deadline passed, with f->skipped = the earlier ones it passes over, which
 * also add to emu_loop_stats.skipped. A burst of catch-up calls would only make every
 * following event late as well; a mobility tick or a probe wants the present, and the count
 * says how much of the past was lost.
 */
int emu_loop_every(struct emu_loop *loop, uint64_t first_ns, uint64_t period_ns,
		   void (*cb)(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg),
		   void *arg, uint64_t *ret_id);
/*
 * A cancelled timer never fires again, even one due at the same instant as the timer whose
 * callback cancels it; a periodic timer may cancel itself from its callback. -ENOENT for an
 * id that is not pending (a one-shot timer that has fired, one cancelled already, 0).
 */
int emu_loop_timer_cancel(struct emu_loop *loop, uint64_t id);

/*
 * Called for every timer that fires, just before its callback, with that timer's arg
 * (timer_arg): e.g. to write each event's lateness to events.csv. NULL removes it.
 */
void emu_loop_set_hook(struct emu_loop *loop,
		       void (*hook)(struct emu_loop *loop, const struct emu_loop_fire *f,
				    void *timer_arg, void *hook_arg),
		       void *hook_arg);

/* --- fd watches --- */

/*
 * Call cb with the epoll events that occurred (revents) whenever fd is ready for events
 * (EPOLLIN, EPOLLOUT, ...; level-triggered unless EPOLLET is given). -EEXIST if fd is watched
 * already. Remove the watch before closing the fd.
 */
int emu_loop_fd_add(struct emu_loop *loop, int fd, uint32_t events,
		    void (*cb)(struct emu_loop *loop, int fd, uint32_t revents, void *arg),
		    void *arg);
/* New events for a watched fd; -ENOENT if it is not watched. */
int emu_loop_fd_mod(struct emu_loop *loop, int fd, uint32_t events);
/*
 * Stop watching fd: its callback is not called again, even for an event reported in the
 * same batch. The watch is dropped even if epoll refuses (e.g. the fd was closed first), and
 * that error returned; -ENOENT if it was not watched.
 */
int emu_loop_fd_del(struct emu_loop *loop, int fd);

/* --- signals --- */

/*
 * Block the n signals sigs in the calling thread (do it before starting threads, which
 * inherit the mask) and call cb(signo) for each one delivered, through a signalfd. A second
 * call adds its signals and replaces cb and arg. The signals stay blocked after the loop is
 * closed: a second Ctrl-C while the runner tears down must not kill it; unblock them yourself
 * if you want them back. -EINVAL for SIGKILL, SIGSTOP or a number that is no signal.
 */
int emu_loop_signals(struct emu_loop *loop, const int *sigs, size_t n,
		     void (*cb)(struct emu_loop *loop, int signo, void *arg), void *arg);

/* --- lateness --- */

struct emu_loop_stats {
	uint64_t count;			 /* timer callbacks run */
	uint64_t p50_ns, p99_ns, max_ns; /* their lateness */
	uint64_t skipped;		 /* periodic deadlines passed over (not in count) */
};

void emu_loop_lateness(const struct emu_loop *loop, struct emu_loop_stats *ret);
/* The whole lateness histogram, for other quantiles. */
const struct util_hist *emu_loop_lateness_hist(const struct emu_loop *loop);

#endif
