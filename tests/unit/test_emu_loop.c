/* SPDX-License-Identifier: MIT */
/*
 * The event loop: timer order (deadline, then insertion), cancellation (before, and from
 * inside another callback due at the same instant), timers added by callbacks, a heap under
 * a thousand timers, periodic deadlines and skipped ticks, fd watches, signals, stopping,
 * and the lateness histogram's arithmetic. Nothing here asserts how late anything was: only
 * order, counts and values that do not depend on the machine's speed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "emu/loop.h"
#include "tests/unit/support.h"

#define MS 1000000ULL
#define US 1000ULL
#define S 1000000000ULL
#define MAX_FIRES 1024

/* What the callbacks of one test saw. */
struct ctx {
	unsigned n;		      /* fires so far */
	int tag[MAX_FIRES];	      /* which timer fired, in order */
	uint64_t deadline[MAX_FIRES]; /* f->deadline_ns of each fire */
	uint64_t skipped[MAX_FIRES];
	unsigned stop_after; /* stop the loop after this many fires (0: never) */
	int stop_code;
	uint64_t hooked_id; /* the id the hook saw last */
	unsigned hooks;
	int r; /* a return value a callback got */
};

/* One timer: its context, its tag, its id, and what its callback should do. */
struct tmr {
	struct ctx *c;
	int tag;
	uint64_t id;
	struct tmr *victim; /* cancel it */
	void (*then)(struct emu_loop *loop, struct tmr *t, const struct emu_loop_fire *f);
};

static struct emu_loop *mk(void)
{
	struct emu_loop *loop = NULL;

	assert_int_equal(emu_loop_open(&loop), 0);
	assert_non_null(loop);
	return loop;
}

static void on_timer(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	struct tmr *t = arg;
	struct ctx *c = t->c;

	assert_true(c->n < MAX_FIRES);
	assert_int_equal(f->id, t->id);
	/* never early: the loop's clock had reached the deadline */
	assert_true(f->now_ns >= f->deadline_ns);
	c->tag[c->n] = t->tag;
	c->deadline[c->n] = f->deadline_ns;
	c->skipped[c->n] = f->skipped;
	c->n++;
	if (t->victim)
		c->r = emu_loop_timer_cancel(loop, t->victim->id);
	if (t->then)
		t->then(loop, t, f);
	if (c->stop_after && c->n == c->stop_after)
		emu_loop_stop(loop, c->stop_code);
}

static void add(struct emu_loop *loop, struct tmr *t, struct ctx *c, int tag, uint64_t deadline)
{
	t->c = c;
	t->tag = tag;
	assert_int_equal(emu_loop_timer_add(loop, deadline, on_timer, t, &t->id), 0);
	assert_true(t->id != 0);
}

static void on_hook(struct emu_loop *loop, const struct emu_loop_fire *f, void *timer_arg,
		    void *hook_arg)
{
	struct ctx *c = hook_arg;
	struct tmr *t = timer_arg;

	assert_ptr_equal(t->c, c);
	assert_int_equal(f->id, t->id);
	assert_true(f->now_ns >= f->deadline_ns);
	c->hooked_id = f->id;
	c->hooks++;
}

/* The hook runs before the callback of the same fire. */
static void check_hooked(struct emu_loop *loop, struct tmr *t, const struct emu_loop_fire *f)
{
	assert_int_equal(t->c->hooked_id, f->id);
	assert_int_equal(t->c->hooks, t->c->n);
}

static void test_order(void **state)
{
	struct emu_loop *loop = mk();
	struct ctx c = {.stop_after = 8, .stop_code = 42};
	struct tmr t[8] = {0};
	uint64_t base = emu_loop_now_ns() + 2 * MS;
	static const int want[] = {5, 7, 1, 6, 2, 3, 4, 0};
	struct emu_loop_stats st;

	emu_loop_set_hook(loop, on_hook, &c);
	add(loop, &t[0], &c, 0, base + 3 * MS);
	add(loop, &t[1], &c, 1, base + 1 * MS);
	add(loop, &t[2], &c, 2, base + 2 * MS);
	add(loop, &t[3], &c, 3, base + 2 * MS);
	add(loop, &t[4], &c, 4, base + 2 * MS);
	add(loop, &t[5], &c, 5, 0); /* long past: at once */
	add(loop, &t[6], &c, 6, base + 1 * MS);
	add(loop, &t[7], &c, 7, emu_loop_now_ns()); /* past by the time the loop runs */
	for (int i = 0; i < 8; i++)
		t[i].then = check_hooked;
	assert_int_equal(emu_loop_run(loop), 42);
	assert_int_equal(c.n, 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(c.tag[i], want[i]);
	assert_int_equal(c.deadline[0], 0);
	assert_int_equal(c.deadline[2], base + 1 * MS);
	assert_int_equal(c.deadline[7], base + 3 * MS);
	assert_int_equal(c.hooks, 8);

	emu_loop_lateness(loop, &st);
	assert_int_equal(st.count, 8);
	assert_int_equal(st.skipped, 0);
	assert_true(st.p50_ns <= st.p99_ns);
	assert_true(st.p99_ns <= st.max_ns);
	/* timer 5 was due at 0: its lateness is the whole monotonic clock */
	assert_true(st.max_ns >= base - 2 * MS);
	assert_int_equal(emu_loop_lateness_hist(loop)->count, 8);
	emu_loop_close(loop);
	emu_loop_close(NULL);
}

static void test_cancel(void **state)
{
	struct emu_loop *loop = mk();
	struct ctx c = {.stop_after = 2, .stop_code = 1};
	struct tmr a = {0}, b = {0}, d = {0};
	uint64_t base = emu_loop_now_ns() + 1 * MS, id = 77;

	add(loop, &a, &c, 0, base);
	add(loop, &b, &c, 1, base + 1 * MS);
	add(loop, &d, &c, 2, base + 2 * MS);
	assert_int_equal(emu_loop_timer_cancel(loop, b.id), 0);
	assert_int_equal(emu_loop_timer_cancel(loop, b.id), -ENOENT);
	assert_int_equal(emu_loop_timer_cancel(loop, 0), -ENOENT);
	assert_int_equal(emu_loop_timer_cancel(loop, (12345ULL << 32) | 999), -ENOENT);
	assert_int_equal(emu_loop_timer_cancel(loop, a.id ^ (1ULL << 40)), -ENOENT);
	assert_int_equal(emu_loop_run(loop), 1);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.tag[0], 0);
	assert_int_equal(c.tag[1], 2);
	/* fired one-shots are gone */
	assert_int_equal(emu_loop_timer_cancel(loop, a.id), -ENOENT);

	/* A new timer may take a freed slot; the old ids do not name it. */
	assert_int_equal(emu_loop_timer_add(loop, base, on_timer, &a, &id), 0);
	assert_true(id != a.id && id != b.id && id != d.id);
	assert_int_equal(emu_loop_timer_cancel(loop, a.id), -ENOENT);
	assert_int_equal(emu_loop_timer_cancel(loop, b.id), -ENOENT);
	assert_int_equal(emu_loop_timer_cancel(loop, id), 0);

	/* Refused arguments leave *ret_id alone. */
	id = 77;
	assert_int_equal(emu_loop_timer_add(loop, base, NULL, NULL, &id), -EINVAL);
	assert_int_equal(emu_loop_every(loop, base, 0, on_timer, &a, &id), -EINVAL);
	assert_int_equal(id, 77);
	emu_loop_close(loop);
}

static void test_cancel_inside(void **state)
{
	struct emu_loop *loop = mk();
	struct ctx c = {.stop_after = 3, .stop_code = 2};
	struct tmr a = {0}, b = {0}, d = {0}, e = {0};
	uint64_t when = emu_loop_now_ns() + 1 * MS;

	/* a, b, d all due at the same instant: a cancels b, which must not fire after it */
	add(loop, &a, &c, 0, when);
	add(loop, &b, &c, 1, when);
	add(loop, &d, &c, 2, when);
	add(loop, &e, &c, 3, when + 1 * MS);
	a.victim = &b;
	c.r = 99;
	assert_int_equal(emu_loop_run(loop), 2);
	assert_int_equal(c.r, 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.tag[0], 0);
	assert_int_equal(c.tag[1], 2);
	assert_int_equal(c.tag[2], 3);
	emu_loop_close(loop);
}

static struct tmr end_of_self;

/*
 * A periodic timer that cancels itself on its third tick, then adds a timer five periods
 * later. Had the cancel not worked, its next tick (one period later) would come first.
 */
static void cancel_self_third(struct emu_loop *loop, struct tmr *t, const struct emu_loop_fire *f)
{
	if (t->c->n < 3)
		return;
	assert_int_equal(emu_loop_timer_cancel(loop, f->id), 0);
	assert_int_equal(emu_loop_timer_cancel(loop, f->id), -ENOENT);
	add(loop, &end_of_self, t->c, 8, f->deadline_ns + 5 * MS);
}

static void test_periodic_cancel_self(void **state)
{
	struct emu_loop *loop = mk();
	struct ctx c = {.stop_after = 4, .stop_code = 4};
	struct tmr p = {.c = &c, .tag = 7, .then = cancel_self_third};
	uint64_t first = emu_loop_now_ns() + 1 * MS;

	memset(&end_of_self, 0, sizeof(end_of_self));
	assert_int_equal(emu_loop_every(loop, first, 1 * MS, on_timer, &p, &p.id), 0);
	assert_int_equal(emu_loop_run(loop), 4);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.tag[0], 7);
	assert_int_equal(c.tag[1], 7);
	assert_int_equal(c.tag[2], 7);
	assert_int_equal(c.tag[3], 8);
	assert_int_equal(c.deadline[3], c.deadline[2] + 5 * MS);
	emu_loop_close(loop);
}

static struct tmr chain[5];

/* a (0) and e (1) due at the same instant; a adds b (2) for that instant and g (3) later */
static void add_inside_chain(struct emu_loop *loop, struct tmr *t, const struct emu_loop_fire *f)
{
	switch (t->tag) {
	case 0: /* b after e, which was added earlier for the same instant */
		add(loop, &chain[2], t->c, 2, f->deadline_ns);
		add(loop, &chain[3], t->c, 3, f->now_ns + 1 * MS);
		break;
	case 3: /* g adds h (4), due long ago: it still comes after g */
		add(loop, &chain[4], t->c, 4, 0);
		break;
	}
}

static void test_add_inside(void **state)
{
	struct emu_loop *loop = mk();
	struct ctx c = {.stop_after = 5, .stop_code = 3};
	uint64_t when = emu_loop_now_ns() + 1 * MS;
	static const int want[] = {0, 1, 2, 3, 4};

	memset(chain, 0, sizeof(chain));
	for (int i = 0; i < 5; i++)
		chain[i].then = add_inside_chain;
	add(loop, &chain[0], &c, 0, when);
	add(loop, &chain[1], &c, 1, when);
	assert_int_equal(emu_loop_run(loop), 3);
	assert_int_equal(c.n, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(c.tag[i], want[i]);
	assert_int_equal(c.deadline[2], when);
	assert_int_equal(c.deadline[4], 0);
	emu_loop_close(loop);
}

/* --- a thousand timers --- */

#define STRESS 1000

static void test_stress(void **state)
{
	struct emu_loop *loop = mk();
	static struct ctx c;
	static struct tmr t[STRESS];
	uint64_t base = emu_loop_now_ns() + 1 * MS, when[STRESS];
	unsigned live = 0;
	bool seen[STRESS] = {false};

	memset(&c, 0, sizeof(c));
	memset(t, 0, sizeof(t));
	/* 400 distinct deadlines over 4 ms for 1000 timers: many ties */
	for (int i = 0; i < STRESS; i++) {
		when[i] = base + support_rand() % 400 * 10 * US;
		add(loop, &t[i], &c, i, when[i]);
	}
	/* cancel every tenth and one in the middle of the heap's life: ids stay valid */
	for (int i = 0; i < STRESS; i += 10)
		assert_int_equal(emu_loop_timer_cancel(loop, t[i].id), 0);
	for (int i = 0; i < STRESS; i++)
		live += i % 10 != 0;
	c.stop_after = live;
	c.stop_code = 9;
	assert_int_equal(emu_loop_run(loop), 9);
	assert_int_equal(c.n, live);
	for (unsigned k = 0; k < c.n; k++) {
		int i = c.tag[k];

		assert_true(i % 10 != 0);
		assert_false(seen[i]);
		seen[i] = true;
		assert_int_equal(c.deadline[k], when[i]);
		if (k) {
			int j = c.tag[k - 1];

			assert_true(when[j] < when[i] || (when[j] == when[i] && j < i));
		}
	}
	emu_loop_close(loop);
}

/* --- periodic timers --- */

/*
 * Every fire of a periodic timer is at first + k * period, k counting both fires and
 * skipped deadlines: the skipped ones are exactly the gaps between fires.
 */
static uint64_t check_periodic(const struct ctx *c, uint64_t first, uint64_t period)
{
	uint64_t k = 0, skipped = 0;

	for (unsigned i = 0; i < c->n; i++) {
		k += c->skipped[i];
		skipped += c->skipped[i];
		assert_int_equal(c->deadline[i], first + k * period);
		k++;
	}
	return skipped;
}

static void test_periodic(void **state)
{
	struct emu_loop *loop = mk();
	struct ctx c = {.stop_after = 6, .stop_code = 5};
	struct tmr p = {.c = &c};
	uint64_t first = emu_loop_now_ns() + 2 * MS + 123, period = 3 * MS + 7;
	struct emu_loop_stats st;
	uint64_t skipped;

	assert_int_equal(emu_loop_every(loop, first, period, on_timer, &p, &p.id), 0);
	assert_int_equal(emu_loop_run(loop), 5);
	assert_int_equal(c.n, 6);
	skipped = check_periodic(&c, first, period);
	emu_loop_lateness(loop, &st);
	assert_int_equal(st.count, 6);
	assert_int_equal(st.skipped, skipped);
	/* still pending after the stop; gone once cancelled */
	assert_int_equal(emu_loop_timer_cancel(loop, p.id), 0);
	assert_int_equal(emu_loop_timer_cancel(loop, p.id), -ENOENT);
	emu_loop_close(loop);
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000ULL),
			      .tv_nsec = (long)(ns % 1000000000ULL)};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

#define SKIP_PERIOD (4 * MS)

/* The second tick blocks for 3.5 periods. */
static void block_second(struct emu_loop *loop, struct tmr *t, const struct emu_loop_fire *f)
{
	if (t->c->n == 2)
		sleep_ns(SKIP_PERIOD * 7 / 2);
}

static void test_periodic_skip(void **state)
{
	struct emu_loop *loop = mk();
	struct ctx c = {.stop_after = 4, .stop_code = 6};
	struct tmr p = {.c = &c, .then = block_second};
	uint64_t first = emu_loop_now_ns() + 1 * MS;
	struct emu_loop_stats st;
	uint64_t skipped;

	assert_int_equal(emu_loop_every(loop, first, SKIP_PERIOD, on_timer, &p, &p.id), 0);
	assert_int_equal(emu_loop_run(loop), 6);
	assert_int_equal(c.n, 4);
	skipped = check_periodic(&c, first, SKIP_PERIOD);
	/*
	 * The second tick (deadline d) slept from at least d to at least d + 3.5 periods, so
	 * when the third came due, d + 1, d + 2 and d + 3 periods had passed: it fired once,
	 * for the latest of them, passing over at least two.
	 */
	assert_true(c.skipped[2] >= 2);
	emu_loop_lateness(loop, &st);
	assert_int_equal(st.count, 4);
	assert_int_equal(st.skipped, skipped);
	assert_true(st.skipped >= 2);
	emu_loop_close(loop);
}

/* --- stopping --- */

static void run_inside(struct emu_loop *loop, struct tmr *t, const struct emu_loop_fire *f)
{
	t->c->r = emu_loop_run(loop);
}

static void test_stop(void **state)
{
	struct emu_loop *loop = mk();
	struct ctx c = {.stop_after = 1, .stop_code = 11};
	struct tmr a = {0}, b = {0};
	uint64_t when = emu_loop_now_ns();

	/* stopped before it runs: returns at once, and only once */
	emu_loop_stop(loop, 10);
	assert_int_equal(emu_loop_run(loop), 10);

	add(loop, &a, &c, 0, when);
	add(loop, &b, &c, 1, when);
	a.then = run_inside;
	assert_int_equal(emu_loop_run(loop), 11);
	assert_int_equal(c.r, -EBUSY);
	/* b was due too, but nothing runs after the callback that stops the loop */
	assert_int_equal(c.n, 1);
	c.stop_after = 2;
	c.stop_code = 12;
	assert_int_equal(emu_loop_run(loop), 12);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.tag[1], 1);
	emu_loop_close(loop);
}

/* --- fd watches --- */

struct pipe_ctx {
	int rd, wr;
	char got[16];
	size_t len;
	unsigned calls, hups;
	uint32_t revents_first;
	int del_r;
};

static void on_pipe(struct emu_loop *loop, int fd, uint32_t revents, void *arg)
{
	struct pipe_ctx *p = arg;
	ssize_t n;

	assert_int_equal(fd, p->rd);
	if (!p->calls++)
		p->revents_first = revents;
	n = read(fd, p->got + p->len, sizeof(p->got) - 1 - p->len);
	if (n > 0) {
		p->len += (size_t)n;
		if (p->len == 3) {
			/* all in: let the writer go, and wait for the hang-up */
			assert_int_equal(emu_loop_fd_mod(loop, fd, EPOLLIN | EPOLLRDHUP), 0);
			close(p->wr);
			p->wr = -1;
		}
		return;
	}
	assert_int_equal(n, 0);
	assert_true(revents & EPOLLHUP);
	p->hups++;
	p->del_r = emu_loop_fd_del(loop, fd);
	emu_loop_stop(loop, 3);
}

static void write_abc(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	struct pipe_ctx *p = arg;

	assert_int_equal(write(p->wr, "abc", 3), 3);
}

static void on_nothing(struct emu_loop *loop, int fd, uint32_t revents, void *arg)
{
	fail_msg("no callback expected");
}

static void test_fd_pipe(void **state)
{
	struct emu_loop *loop = mk();
	struct pipe_ctx p = {.del_r = 99};
	int fds[2];

	assert_int_equal(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	p.rd = fds[0];
	p.wr = fds[1];
	assert_int_equal(emu_loop_fd_add(loop, p.rd, EPOLLIN, on_pipe, &p), 0);
	assert_int_equal(emu_loop_fd_add(loop, p.rd, EPOLLIN, on_pipe, &p), -EEXIST);
	assert_int_equal(emu_loop_fd_add(loop, -1, EPOLLIN, on_pipe, &p), -EINVAL);
	assert_int_equal(emu_loop_fd_add(loop, p.wr, EPOLLOUT, NULL, &p), -EINVAL);
	assert_int_equal(emu_loop_fd_mod(loop, p.wr, EPOLLOUT), -ENOENT);
	assert_int_equal(emu_loop_fd_del(loop, p.wr), -ENOENT);
	assert_int_equal(emu_loop_fd_del(loop, 100000), -ENOENT);
	/* a watch added and removed before any run */
	assert_int_equal(emu_loop_fd_add(loop, p.wr, EPOLLOUT, on_nothing, NULL), 0);
	assert_int_equal(emu_loop_fd_del(loop, p.wr), 0);
	assert_int_equal(emu_loop_timer_add(loop, emu_loop_now_ns() + 1 * MS, write_abc, &p, NULL),
			 0);
	assert_int_equal(emu_loop_run(loop), 3);
	assert_string_equal(p.got, "abc");
	assert_true(p.revents_first & EPOLLIN);
	assert_int_equal(p.hups, 1);
	assert_int_equal(p.del_r, 0);
	assert_int_equal(emu_loop_fd_del(loop, p.rd), -ENOENT);
	close(p.rd);
	emu_loop_close(loop);
}

/* Two pipes ready in the same batch: whichever runs first removes the other. */
struct pair {
	int rd[2];
	unsigned calls[2];
	int del_r;
};

static void on_pair(struct emu_loop *loop, int fd, uint32_t revents, void *arg)
{
	struct pair *p = arg;
	int me = fd == p->rd[1];

	p->calls[me]++;
	p->del_r = emu_loop_fd_del(loop, p->rd[!me]);
}

static void stop_now(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	emu_loop_stop(loop, 4);
}

static void test_fd_del_in_batch(void **state)
{
	struct emu_loop *loop = mk();
	struct pair p = {.del_r = 99};
	int a[2], b[2];

	assert_int_equal(pipe2(a, O_NONBLOCK | O_CLOEXEC), 0);
	assert_int_equal(pipe2(b, O_NONBLOCK | O_CLOEXEC), 0);
	p.rd[0] = a[0];
	p.rd[1] = b[0];
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "y", 1), 1);
	assert_int_equal(emu_loop_fd_add(loop, a[0], EPOLLIN, on_pair, &p), 0);
	assert_int_equal(emu_loop_fd_add(loop, b[0], EPOLLIN, on_pair, &p), 0);
	/* timers run after the batch of fd events */
	assert_int_equal(emu_loop_timer_add(loop, 0, stop_now, NULL, NULL), 0);
	assert_int_equal(emu_loop_run(loop), 4);
	assert_int_equal(p.calls[0] + p.calls[1], 1);
	assert_int_equal(p.del_r, 0);
	/* the one that ran is still watched (level-triggered, unread) */
	assert_int_equal(emu_loop_fd_del(loop, p.rd[p.calls[1]]), 0);
	assert_int_equal(emu_loop_fd_del(loop, p.rd[!p.calls[1]]), -ENOENT);
	emu_loop_close(loop);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

/* --- signals --- */

struct sig_ctx {
	int signo[4];
	unsigned n;
};

static void on_signal(struct emu_loop *loop, int signo, void *arg)
{
	struct sig_ctx *s = arg;

	assert_true(s->n < 4);
	s->signo[s->n++] = signo;
	emu_loop_stop(loop, 20 + signo);
}

static void test_signal(void **state)
{
	struct emu_loop *loop = mk();
	struct sig_ctx s = {0};
	static const int sigs[] = {SIGUSR1, SIGUSR2};
	const int kill_too[] = {SIGUSR1, SIGKILL}, bad[] = {0};
	sigset_t old, now, pending;

	assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &old), 0);
	assert_int_equal(emu_loop_signals(loop, kill_too, 2, on_signal, &s), -EINVAL);
	assert_int_equal(emu_loop_signals(loop, bad, 1, on_signal, &s), -EINVAL);
	assert_int_equal(emu_loop_signals(loop, sigs, 2, NULL, &s), -EINVAL);
	assert_int_equal(emu_loop_signals(loop, sigs, 2, on_signal, &s), 0);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &now), 0);
	assert_true(sigismember(&now, SIGUSR1));
	assert_true(sigismember(&now, SIGUSR2));

	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(emu_loop_run(loop), 20 + SIGUSR1);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.signo[0], SIGUSR1);
	/* read from the signalfd: nothing left pending to unblock */
	assert_int_equal(sigpending(&pending), 0);
	assert_false(sigismember(&pending, SIGUSR1));

	emu_loop_close(loop);
	/* closing leaves the signals blocked; the caller restores its mask */
	assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &now), 0);
	assert_true(sigismember(&now, SIGUSR1));
	assert_int_equal(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
}

/* --- a caller's clock --- */

/* A virtual clock: it moves only when the loop skips to the next deadline. */
struct vclock {
	uint64_t now;
	unsigned skips;
};

static uint64_t vclock_now(void *arg)
{
	return ((struct vclock *)arg)->now;
}

static void vclock_skip(void *arg, uint64_t at_ns)
{
	struct vclock *v = arg;

	assert_true(at_ns > v->now);
	v->now = at_ns;
	v->skips++;
}

/*
 * An hour of timers on a caller's clock in no time: each fires exactly at its deadline
 * (lateness 0, nothing skipped), in the same order as on the real clock, and the loop's
 * clock is the caller's.
 */
static void test_virtual_clock(void **state)
{
	struct vclock v = {.now = 1000 * S};
	struct emu_loop_clock clk = {vclock_now, vclock_skip, &v};
	struct emu_loop *loop = NULL;
	struct ctx c = {.stop_after = 0};
	struct tmr t[3] = {0}, tick = {0};
	struct emu_loop_stats st;
	uint64_t wall = emu_loop_now_ns();

	assert_int_equal(emu_loop_open_clock(&(struct emu_loop_clock){vclock_now, NULL, &v}, &loop),
			 -EINVAL);
	assert_int_equal(emu_loop_open_clock(&clk, &loop), 0);
	assert_int_equal(emu_loop_time_ns(loop), 1000 * S);
	add(loop, &t[0], &c, 0, 1000 * S + 3600 * S); /* the last one stops the loop */
	add(loop, &t[1], &c, 1, 1000 * S + 90 * S);
	add(loop, &t[2], &c, 2, 1000 * S); /* due now: no skip for it */
	tick.c = &c;
	tick.tag = 9;
	assert_int_equal(
	    emu_loop_every(loop, 1000 * S + 1200 * S, 1200 * S, on_timer, &tick, &tick.id), 0);
	c.stop_after = 6;
	c.stop_code = 7;
	assert_int_equal(emu_loop_run(loop), 7);
	static const int want[] = {2, 1, 9, 9, 0, 9};
	static const uint64_t at[] = {0, 90, 1200, 2400, 3600, 3600};
	for (int i = 0; i < 6; i++) {
		assert_int_equal(c.tag[i], want[i]);
		assert_int_equal(c.deadline[i], 1000 * S + at[i] * S);
		assert_int_equal(c.skipped[i], 0);
	}
	assert_int_equal(v.now, 1000 * S + 3600 * S);
	assert_int_equal(v.skips, 4);
	emu_loop_lateness(loop, &st);
	assert_int_equal(st.count, 6);
	assert_int_equal(st.max_ns, 0);
	assert_int_equal(st.skipped, 0);
	/* An hour of virtual time took well under a second of real time. */
	assert_true(emu_loop_now_ns() - wall < 1000 * MS);
	emu_loop_close(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_order),
	    cmocka_unit_test(test_cancel),
	    cmocka_unit_test(test_cancel_inside),
	    cmocka_unit_test(test_periodic_cancel_self),
	    cmocka_unit_test(test_add_inside),
	    cmocka_unit_test(test_stress),
	    cmocka_unit_test(test_periodic),
	    cmocka_unit_test(test_periodic_skip),
	    cmocka_unit_test(test_stop),
	    cmocka_unit_test(test_fd_pipe),
	    cmocka_unit_test(test_fd_del_in_batch),
	    cmocka_unit_test(test_signal),
	    cmocka_unit_test(test_virtual_clock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
