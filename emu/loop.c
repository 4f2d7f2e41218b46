/* SPDX-License-Identifier: MIT */
/*
 * The event loop. Timers live in slots (reused through a free list) that a binary min-heap
 * of slot numbers orders by (deadline, sequence number); a timer's id is its slot number and
 * the slot's generation, so a stale id never cancels the slot's next tenant. The timerfd is
 * re-armed only when the earliest deadline changes. Watches removed while a batch of epoll
 * events is being dispatched are freed after the batch, since later events of the batch may
 * still point at them.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "emu/loop.h"
#include "util/clock.h"
#include "util/sig.h"

#define NS_PER_SEC 1000000000ULL
#define BATCH 64
#define NO_POS UINT32_MAX

enum watch_kind {
	WATCH_FD,
	WATCH_TIMER,
	WATCH_SIGNAL,
};

struct watch {
	enum watch_kind kind;
	int fd;
	bool dead;
	void (*cb)(struct emu_loop *loop, int fd, uint32_t revents, void *arg);
	void *arg;
	struct watch *next_dead;
};

struct timer {
	uint64_t deadline_ns;
	uint64_t seq;
	uint64_t period_ns; /* 0: one-shot */
	void (*cb)(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg);
	void *arg;
	uint32_t gen; /* bumped when the slot is freed */
	uint32_t pos; /* index in the heap, NO_POS when the slot is free */
	uint32_t next_free;
};

struct emu_loop {
	int ep;
	struct watch tw; /* the timerfd */
	struct watch sw; /* the signalfd (fd -1 until emu_loop_signals) */
	sigset_t sigs;
	void (*sig_cb)(struct emu_loop *loop, int signo, void *arg);
	void *sig_arg;

	struct timer *slots;
	uint32_t n_slots, cap_slots;
	uint32_t free_head; /* NO_POS: none */
	uint32_t *heap;	    /* slot numbers; as long as slots */
	uint32_t heap_n;
	uint64_t seq;
	uint64_t armed_ns; /* deadline the timerfd is armed for, UINT64_MAX: disarmed */

	struct watch **by_fd; /* the caller's watches, by fd */
	size_t n_by_fd;
	struct watch *dead; /* removed watches to free after the batch */

	void (*hook)(struct emu_loop *loop, const struct emu_loop_fire *f, void *timer_arg,
		     void *hook_arg);
	void *hook_arg;

	struct emu_loop_clock clock; /* now_ns NULL: the real clock, slept on with the timerfd */

	bool running, stopped;
	int code;
	struct util_hist lat;
	uint64_t skipped;
};

uint64_t emu_loop_now_ns(void)
{
	return util_now_ns();
}

uint64_t emu_loop_time_ns(const struct emu_loop *loop)
{
	return loop->clock.now_ns ? loop->clock.now_ns(loop->clock.arg) : emu_loop_now_ns();
}

/* --- the timer heap --- */

static uint64_t timer_id(const struct emu_loop *loop, uint32_t slot)
{
	return (uint64_t)loop->slots[slot].gen << 32 | slot;
}

static bool before(const struct emu_loop *loop, uint32_t a, uint32_t b)
{
	const struct timer *ta = &loop->slots[a], *tb = &loop->slots[b];

	return ta->deadline_ns < tb->deadline_ns ||
	       (ta->deadline_ns == tb->deadline_ns && ta->seq < tb->seq);
}

static void heap_put(struct emu_loop *loop, uint32_t pos, uint32_t slot)
{
	loop->heap[pos] = slot;
	loop->slots[slot].pos = pos;
}

static void sift_up(struct emu_loop *loop, uint32_t pos)
{
	uint32_t slot = loop->heap[pos];

	while (pos > 0) {
		uint32_t parent = (pos - 1) / 2;

		if (!before(loop, slot, loop->heap[parent]))
			break;
		heap_put(loop, pos, loop->heap[parent]);
		pos = parent;
	}
	heap_put(loop, pos, slot);
}

static void sift_down(struct emu_loop *loop, uint32_t pos)
{
	uint32_t slot = loop->heap[pos];

	for (;;) {
		uint32_t c = 2 * pos + 1;

		if (c >= loop->heap_n)
			break;
		if (c + 1 < loop->heap_n && before(loop, loop->heap[c + 1], loop->heap[c]))
			c++;
		if (!before(loop, loop->heap[c], slot))
			break;
		heap_put(loop, pos, loop->heap[c]);
		pos = c;
	}
	heap_put(loop, pos, slot);
}

/* Take the timer at heap position pos out of the heap and free its slot. */
static void timer_remove(struct emu_loop *loop, uint32_t pos)
{
	uint32_t slot = loop->heap[pos];
	struct timer *t = &loop->slots[slot];

	loop->heap_n--;
	if (pos < loop->heap_n) {
		uint32_t last = loop->heap[loop->heap_n];

		/* The last one fills the hole, then moves down or up to its place. */
		heap_put(loop, pos, last);
		sift_down(loop, pos);
		sift_up(loop, loop->slots[last].pos);
	}
	t->pos = NO_POS;
	t->gen++;
	if (!t->gen)
		t->gen = 1; /* ids are never 0 */
	t->cb = NULL;
	t->next_free = loop->free_head;
	loop->free_head = slot;
}

static int timer_new(struct emu_loop *loop, uint64_t deadline_ns, uint64_t period_ns,
		     void (*cb)(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg),
		     void *arg, uint64_t *ret_id)
{
	uint32_t slot;
	struct timer *t;

	if (!cb)
		return -EINVAL;
	if (loop->free_head != NO_POS) {
		slot = loop->free_head;
		loop->free_head = loop->slots[slot].next_free;
	} else {
		if (loop->n_slots == loop->cap_slots) {
			uint32_t cap = loop->cap_slots ? 2 * loop->cap_slots : 16;
			struct timer *s;
			uint32_t *h;

			if (cap >= NO_POS)
				return -ENOMEM;
			s = realloc(loop->slots, cap * sizeof(*s));
			if (!s)
				return -ENOMEM;
			loop->slots = s;
			h = realloc(loop->heap, cap * sizeof(*h));
			if (!h)
				return -ENOMEM;
			loop->heap = h;
			loop->cap_slots = cap;
		}
		slot = loop->n_slots++;
		loop->slots[slot].gen = 1;
	}
	t = &loop->slots[slot];
	t->deadline_ns = deadline_ns;
	t->seq = loop->seq++;
	t->period_ns = period_ns;
	t->cb = cb;
	t->arg = arg;
	loop->heap[loop->heap_n] = slot;
	sift_up(loop, loop->heap_n++);
	if (ret_id)
		*ret_id = timer_id(loop, slot);
	return 0;
}

int emu_loop_timer_add(struct emu_loop *loop, uint64_t deadline_ns,
		       void (*cb)(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg),
		       void *arg, uint64_t *ret_id)
{
	return timer_new(loop, deadline_ns, 0, cb, arg, ret_id);
}

int emu_loop_every(struct emu_loop *loop, uint64_t first_ns, uint64_t period_ns,
		   void (*cb)(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg),
		   void *arg, uint64_t *ret_id)
{
	if (!period_ns)
		return -EINVAL;
	return timer_new(loop, first_ns, period_ns, cb, arg, ret_id);
}

int emu_loop_timer_cancel(struct emu_loop *loop, uint64_t id)
{
	uint32_t slot = (uint32_t)id;

	if (slot >= loop->n_slots || loop->slots[slot].pos == NO_POS ||
	    loop->slots[slot].gen != (uint32_t)(id >> 32))
		return -ENOENT;
	timer_remove(loop, loop->slots[slot].pos);
	return 0;
}

void emu_loop_set_hook(struct emu_loop *loop,
		       void (*hook)(struct emu_loop *loop, const struct emu_loop_fire *f,
				    void *timer_arg, void *hook_arg),
		       void *hook_arg)
{
	loop->hook = hook;
	loop->hook_arg = hook_arg;
}

/*
 * Run the timers due by the time the pass starts. One added by a callback for a deadline
 * already past runs in this pass too if it is due by then, otherwise at the next turn, so
 * fds get their turn between passes whatever the callbacks add.
 */
static void run_timers(struct emu_loop *loop)
{
	uint64_t pass_ns = emu_loop_time_ns(loop);

	while (!loop->stopped && loop->heap_n) {
		uint32_t slot = loop->heap[0];
		struct timer *t = &loop->slots[slot];
		void (*cb)(struct emu_loop *, const struct emu_loop_fire *, void *) = t->cb;
		void *arg = t->arg;
		struct emu_loop_fire f;

		if (t->deadline_ns > pass_ns)
			break;
		f.id = timer_id(loop, slot);
		f.now_ns = emu_loop_time_ns(loop);
		f.deadline_ns = t->deadline_ns;
		f.skipped = 0;
		if (t->period_ns) {
			/* The latest deadline passed; now_ns >= pass_ns >= deadline_ns. */
			f.skipped = (f.now_ns - t->deadline_ns) / t->period_ns;
			f.deadline_ns += f.skipped * t->period_ns;
			loop->skipped += f.skipped;
			/* Rescheduled before the call, so the callback can cancel it. */
			t->deadline_ns = f.deadline_ns > UINT64_MAX - t->period_ns
					     ? UINT64_MAX
					     : f.deadline_ns + t->period_ns;
			t->seq = loop->seq++;
			sift_down(loop, 0);
		} else {
			timer_remove(loop, 0);
		}
		util_hist_add(&loop->lat, f.now_ns - f.deadline_ns);
		if (loop->hook)
			loop->hook(loop, &f, arg, loop->hook_arg);
		cb(loop, &f, arg);
	}
}

static int arm(struct emu_loop *loop)
{
	uint64_t next = loop->heap_n ? loop->slots[loop->heap[0]].deadline_ns : UINT64_MAX;
	uint64_t at = next ? next : 1; /* an it_value of zero would disarm */
	struct itimerspec its = {0};

	if (next == loop->armed_ns || loop->clock.now_ns)
		return 0;
	if (next != UINT64_MAX) {
		its.it_value.tv_sec = (time_t)(at / NS_PER_SEC);
		its.it_value.tv_nsec = (long)(at % NS_PER_SEC);
	}
	if (timerfd_settime(loop->tw.fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return -errno;
	loop->armed_ns = next;
	return 0;
}

/* --- watches --- */

static int watch_ctl(struct emu_loop *loop, int op, struct watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};

	return epoll_ctl(loop->ep, op, w->fd, &ev) < 0 ? -errno : 0;
}

static struct watch *watch_of(const struct emu_loop *loop, int fd)
{
	return fd >= 0 && (size_t)fd < loop->n_by_fd ? loop->by_fd[fd] : NULL;
}

int emu_loop_fd_add(struct emu_loop *loop, int fd, uint32_t events,
		    void (*cb)(struct emu_loop *loop, int fd, uint32_t revents, void *arg),
		    void *arg)
{
	struct watch *w;
	int r;

	if (fd < 0 || !cb)
		return -EINVAL;
	if (watch_of(loop, fd))
		return -EEXIST;
	if ((size_t)fd >= loop->n_by_fd) {
		size_t n = loop->n_by_fd ? loop->n_by_fd : 16;
		struct watch **b;

		while (n <= (size_t)fd)
			n *= 2;
		b = realloc(loop->by_fd, n * sizeof(*b));
		if (!b)
			return -ENOMEM;
		memset(b + loop->n_by_fd, 0, (n - loop->n_by_fd) * sizeof(*b));
		loop->by_fd = b;
		loop->n_by_fd = n;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct watch){.kind = WATCH_FD, .fd = fd, .cb = cb, .arg = arg};
	r = watch_ctl(loop, EPOLL_CTL_ADD, w, events);
	if (r < 0) {
		free(w);
		return r;
	}
	loop->by_fd[fd] = w;
	return 0;
}

int emu_loop_fd_mod(struct emu_loop *loop, int fd, uint32_t events)
{
	struct watch *w = watch_of(loop, fd);

	return w ? watch_ctl(loop, EPOLL_CTL_MOD, w, events) : -ENOENT;
}

int emu_loop_fd_del(struct emu_loop *loop, int fd)
{
	struct watch *w = watch_of(loop, fd);

	if (!w)
		return -ENOENT;
	loop->by_fd[fd] = NULL;
	w->dead = true;
	w->next_dead = loop->dead;
	loop->dead = w;
	return epoll_ctl(loop->ep, EPOLL_CTL_DEL, fd, NULL) < 0 ? -errno : 0;
}

static void free_dead(struct emu_loop *loop)
{
	while (loop->dead) {
		struct watch *w = loop->dead;

		loop->dead = w->next_dead;
		free(w);
	}
}

/* --- signals --- */

int emu_loop_signals(struct emu_loop *loop, const int *sigs, size_t n,
		     void (*cb)(struct emu_loop *loop, int signo, void *arg), void *arg)
{
	sigset_t set, old;
	int fd, r;

	if (!cb)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (sigs[i] == SIGKILL || sigs[i] == SIGSTOP)
			return -EINVAL;
	r = util_sig_block(sigs, n, &set, &old);
	if (r < 0)
		return r;
	sigorset(&set, &set, &loop->sigs); /* the fd reads the earlier ones too */
	fd = signalfd(loop->sw.fd, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto err;
	}
	if (loop->sw.fd < 0) {
		loop->sw.fd = fd;
		r = watch_ctl(loop, EPOLL_CTL_ADD, &loop->sw, EPOLLIN);
		if (r < 0) {
			close(fd);
			loop->sw.fd = -1;
			goto err;
		}
	}
	loop->sigs = set;
	loop->sig_cb = cb;
	loop->sig_arg = arg;
	return 0;
err:
	util_sig_restore(&old);
	return r;
}

static int read_signals(struct emu_loop *loop)
{
	struct signalfd_siginfo si[8];

	while (!loop->stopped) {
		ssize_t len = read(loop->sw.fd, si, sizeof(si));

		if (len < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		for (size_t i = 0; i < (size_t)len / sizeof(si[0]) && !loop->stopped; i++)
			loop->sig_cb(loop, (int)si[i].ssi_signo, loop->sig_arg);
	}
	return 0;
}

/* --- the loop --- */

int emu_loop_open(struct emu_loop **ret)
{
	return emu_loop_open_clock(NULL, ret);
}

int emu_loop_open_clock(const struct emu_loop_clock *clock, struct emu_loop **ret)
{
	struct emu_loop *loop;
	int r;

	if (clock && (!clock->now_ns || !clock->skip_to))
		return -EINVAL;
	loop = calloc(1, sizeof(*loop));
	if (!loop)
		return -ENOMEM;
	if (clock)
		loop->clock = *clock;
	loop->tw = (struct watch){.kind = WATCH_TIMER, .fd = -1};
	loop->sw = (struct watch){.kind = WATCH_SIGNAL, .fd = -1};
	loop->free_head = NO_POS;
	loop->armed_ns = UINT64_MAX;
	sigemptyset(&loop->sigs);
	loop->ep = epoll_create1(EPOLL_CLOEXEC);
	if (loop->ep < 0) {
		r = -errno;
		goto err;
	}
	loop->tw.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (loop->tw.fd < 0) {
		r = -errno;
		goto err;
	}
	r = watch_ctl(loop, EPOLL_CTL_ADD, &loop->tw, EPOLLIN);
	if (r < 0)
		goto err;
	*ret = loop;
	return 0;
err:
	emu_loop_close(loop);
	return r;
}

void emu_loop_close(struct emu_loop *loop)
{
	if (!loop)
		return;
	for (size_t i = 0; i < loop->n_by_fd; i++)
		free(loop->by_fd[i]);
	free(loop->by_fd);
	free_dead(loop);
	if (loop->sw.fd >= 0)
		close(loop->sw.fd);
	if (loop->tw.fd >= 0)
		close(loop->tw.fd);
	if (loop->ep >= 0)
		close(loop->ep);
	free(loop->slots);
	free(loop->heap);
	free(loop);
}

void emu_loop_stop(struct emu_loop *loop, int code)
{
	loop->stopped = true;
	loop->code = code;
}

static int dispatch(struct emu_loop *loop, const struct epoll_event *ev, int n)
{
	uint64_t expirations;
	int r = 0;

	for (int i = 0; i < n && !loop->stopped && r == 0; i++) {
		struct watch *w = ev[i].data.ptr;

		switch (w->kind) {
		case WATCH_FD:
			if (!w->dead)
				w->cb(loop, w->fd, ev[i].events, w->arg);
			break;
		case WATCH_TIMER:
			/*
			 * Read only to clear it (the heap says what is due); expired, it is
			 * disarmed, so the next arm() must set it whatever the deadline.
			 */
			if (read(w->fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN &&
			    errno != EINTR)
				r = -errno;
			loop->armed_ns = UINT64_MAX;
			break;
		case WATCH_SIGNAL:
			r = read_signals(loop);
			break;
		}
	}
	return r;
}

/* Nothing ready on a caller's clock: it moves on to the earliest deadline. */
static void skip(struct emu_loop *loop)
{
	uint64_t next = loop->slots[loop->heap[0]].deadline_ns;

	if (next > emu_loop_time_ns(loop))
		loop->clock.skip_to(loop->clock.arg, next);
}

int emu_loop_run(struct emu_loop *loop)
{
	struct epoll_event ev[BATCH];
	int r = 0;

	if (loop->running)
		return -EBUSY;
	loop->running = true;
	while (!loop->stopped) {
		int n;

		r = arm(loop);
		if (r < 0)
			break;
		n = epoll_wait(loop->ep, ev, BATCH, loop->clock.now_ns && loop->heap_n ? 0 : -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (n == 0 && loop->clock.now_ns && loop->heap_n)
			skip(loop);
		r = dispatch(loop, ev, n);
		free_dead(loop);
		if (r < 0)
			break;
		run_timers(loop);
	}
	loop->running = false;
	if (loop->stopped) {
		loop->stopped = false;
		r = loop->code;
	}
	return r;
}

/* --- lateness --- */

void emu_loop_lateness(const struct emu_loop *loop, struct emu_loop_stats *ret)
{
	ret->count = loop->lat.count;
	ret->p50_ns = util_hist_quantile(&loop->lat, 0.50);
	ret->p99_ns = util_hist_quantile(&loop->lat, 0.99);
	ret->max_ns = loop->lat.max_ns;
	ret->skipped = loop->skipped;
}

const struct util_hist *emu_loop_lateness_hist(const struct emu_loop *loop)
{
	return &loop->lat;
}
