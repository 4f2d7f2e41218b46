/* SPDX-License-Identifier: MIT */
/*
 * The relay's queueing logic on a virtual clock: loss models, rate stage (rate and capacity
 * trace), drop-tail limit, delay line with jitter, updates, seeding, trace files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/relay.h"
#include "tests/unit/support.h"

#define MS 1000000ULL
#define US 1000ULL
/* A clock that does not start at 0, so that an offset forgotten somewhere shows. */
#define T0 (123456789ULL * MS + 4321)

#define assert_near(v, want, tol)                                                                  \
	do {                                                                                       \
		double v_ = (v), w_ = (want), t_ = (tol);                                          \
		if (!(fabs(v_ - w_) <= t_))                                                        \
			fail_msg("%s = %.6g, want %.6g +- %.3g", #v, v_, w_, t_);                  \
	} while (0)

static unsigned char in[EMU_RQ_FRAME_MAX], out[EMU_RQ_FRAME_MAX];

static struct emu_rq *mk(const struct emu_shape *s, const struct emu_trace *t, uint64_t seed)
{
	struct emu_rq *q = NULL;

	assert_int_equal(emu_rq_new(s, t, seed, &q), 0);
	assert_non_null(q);
	return q;
}

/* A frame of len bytes (len >= 4) numbered id, the rest a pattern depending on id. */
static enum emu_rq_verdict put(struct emu_rq *q, uint64_t now, uint32_t id, uint32_t len)
{
	memcpy(in, &id, 4);
	for (uint32_t i = 4; i < len; i++)
		in[i] = (unsigned char)(id * 7 + i);
	return emu_rq_enqueue(q, now, in, len);
}

/*
 * Take the next frame out exactly when it is due (and check it was not available 1 ns
 * before): its departure, number and length; false when the queue is empty.
 */
static bool take(struct emu_rq *q, uint64_t *t, uint32_t *id, uint32_t *len)
{
	uint64_t next = emu_rq_next(q);
	uint32_t n;

	if (next == UINT64_MAX)
		return false;
	assert_int_equal(emu_rq_dequeue(q, next - 1, out, sizeof(out)), 0);
	n = emu_rq_dequeue(q, next, out, sizeof(out));
	assert_true(n >= 4);
	memcpy(id, out, 4);
	for (uint32_t i = 4; i < n; i++)
		assert_int_equal(out[i], (unsigned char)(*id * 7 + i));
	*t = next;
	if (len)
		*len = n;
	return true;
}

static void test_delay_only(void **state)
{
	struct emu_shape s = {.delay_ns = 10 * MS};
	struct emu_rq *q = mk(&s, NULL, 1);
	struct emu_rq_stats st;
	uint64_t arr[100], t, now = T0, prev = 0;
	uint32_t id, len;

	assert_int_equal(emu_rq_next(q), UINT64_MAX);
	assert_int_equal(emu_rq_dequeue(q, UINT64_MAX - 1, out, sizeof(out)), 0);
	for (uint32_t i = 0; i < 100; i++) {
		now += (i * 7919) % 3001 * US; /* irregular gaps, some zero */
		arr[i] = now;
		assert_int_equal(put(q, now, i, 60 + i * 14), EMU_RQ_QUEUED);
	}
	for (uint32_t i = 0; i < 100; i++) {
		assert_true(take(q, &t, &id, &len));
		assert_int_equal(id, i); /* no jitter: first in, first out */
		assert_int_equal(len, 60 + i * 14);
		assert_int_equal(t, arr[i] + 10 * MS);
		assert_true(t >= prev);
		prev = t;
	}
	assert_false(take(q, &t, &id, NULL));
	emu_rq_stats(q, &st);
	assert_int_equal(st.in, 100);
	assert_int_equal(st.out, 100);
	assert_int_equal(st.lost + st.dropped, 0);
	assert_int_equal(st.bytes_out, 100 * 60 + 14 * 99 * 100 / 2);
	emu_rq_free(q);
}

static void test_no_shape_passes_at_once(void **state)
{
	struct emu_shape s = {0};
	struct emu_rq *q = mk(&s, NULL, 1);

	assert_int_equal(put(q, T0, 5, 100), EMU_RQ_QUEUED);
	assert_int_equal(emu_rq_next(q), T0);
	assert_int_equal(emu_rq_dequeue(q, T0, out, sizeof(out)), 100);
	/* A short buffer gets the start of the frame and learns its size. */
	assert_int_equal(put(q, T0 + 1, 6, 100), EMU_RQ_QUEUED);
	assert_int_equal(emu_rq_dequeue(q, T0 + 1, out, 10), 100);
	assert_int_equal(emu_rq_next(q), UINT64_MAX);
	emu_rq_free(q);
}

static void test_rate(void **state)
{
	struct emu_shape s = {.rate_bps = 10000000, .limit = 2000};
	struct emu_rq *q = mk(&s, NULL, 1);
	uint64_t t, first = 0, prev = 0, bytes = 0;
	uint32_t id, len;
	double bps;

	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(put(q, T0, i, 1500), EMU_RQ_QUEUED);
	for (uint32_t i = 0; i < 1000; i++) {
		assert_true(take(q, &t, &id, &len));
		assert_int_equal(id, i);
		/* 1500 bytes at 10 Mbit/s: 1.2 ms each, back to back */
		assert_int_equal(t, T0 + (i + 1) * 1200 * US);
		if (i)
			assert_int_equal(t - prev, 1200 * US);
		else
			first = t;
		prev = t;
		bytes += len;
	}
	/* frames 2..1000 over the span between first and last departure */
	bps = (double)(bytes - 1500) * 8 * 1e9 / (double)(prev - first);
	assert_near(bps, 10e6, 10e6 * 0.001);

	/* Idle again: a frame starts when it arrives, not at the old finish time. */
	assert_int_equal(put(q, prev + 50 * MS, 1000, 1500), EMU_RQ_QUEUED);
	assert_true(take(q, &t, &id, NULL));
	assert_int_equal(t, prev + 50 * MS + 1200 * US);
	emu_rq_free(q);

	/* A rate that does not divide: no rounding builds up over a backlog. */
	s.rate_bps = 7000000;
	q = mk(&s, NULL, 1);
	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(put(q, T0, i, 1000), EMU_RQ_QUEUED);
	for (uint32_t i = 0; i < 1000; i++) {
		assert_true(take(q, &t, &id, NULL));
		/* floor of the exact finish time (i + 1) * 8000 / 7e6 s */
		assert_int_equal(t, T0 + (uint64_t)(i + 1) * 8000 * 1000000000ULL / 7000000);
	}
	emu_rq_free(q);
}

static void test_rate_then_delay(void **state)
{
	struct emu_shape s = {.rate_bps = 8000000, .delay_ns = 20 * MS};
	struct emu_rq *q = mk(&s, NULL, 1);
	uint64_t t;
	uint32_t id;

	/* 1000 bytes at 8 Mbit/s: 1 ms; then the delay line */
	assert_int_equal(put(q, T0, 0, 1000), EMU_RQ_QUEUED);
	assert_int_equal(put(q, T0 + 500 * US, 1, 1000), EMU_RQ_QUEUED);
	assert_int_equal(put(q, T0 + 5 * MS, 2, 500), EMU_RQ_QUEUED);
	assert_true(take(q, &t, &id, NULL));
	assert_int_equal(t, T0 + 1 * MS + 20 * MS);
	assert_true(take(q, &t, &id, NULL));
	assert_int_equal(t, T0 + 2 * MS + 20 * MS); /* waited for frame 0 */
	assert_true(take(q, &t, &id, NULL));
	assert_int_equal(t, T0 + 5 * MS + 500 * US + 20 * MS);
	emu_rq_free(q);
}

static void test_limit(void **state)
{
	struct emu_shape s = {.rate_bps = 1000000, .limit = 10};
	struct emu_rq *q = mk(&s, NULL, 1);
	struct emu_rq_stats st;
	unsigned queued = 0, dropped = 0;
	uint64_t t;
	uint32_t id;

	for (uint32_t i = 0; i < 25; i++) {
		enum emu_rq_verdict v = put(q, T0, i, 1250); /* 10 ms each at 1 Mbit/s */

		if (v == EMU_RQ_QUEUED)
			assert_true(i < 10); /* drop-tail: the first ones stay */
		queued += v == EMU_RQ_QUEUED;
		dropped += v == EMU_RQ_DROPPED;
	}
	assert_int_equal(queued, 10);
	assert_int_equal(dropped, 15);
	emu_rq_stats(q, &st);
	assert_int_equal(st.in, 25);
	assert_int_equal(st.dropped, 15);
	assert_int_equal(st.lost, 0);
	/* 35 ms later three frames have left the rate stage: room for exactly three */
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(put(q, T0 + 35 * MS, 100 + i, 1250),
				 i < 3 ? EMU_RQ_QUEUED : EMU_RQ_DROPPED);
	while (take(q, &t, &id, NULL))
		;
	emu_rq_stats(q, &st);
	assert_int_equal(st.in, 29);
	assert_int_equal(st.dropped, 16);
	assert_int_equal(st.out, 13);
	assert_int_equal(st.bytes_out, 13 * 1250);
	emu_rq_free(q);

	/* Without a rate stage the limit bounds every frame the direction holds. */
	s = (struct emu_shape){.delay_ns = 100 * MS, .limit = 10};
	q = mk(&s, NULL, 1);
	for (uint32_t i = 0; i < 12; i++)
		assert_int_equal(put(q, T0 + i * MS, i, 100),
				 i < 10 ? EMU_RQ_QUEUED : EMU_RQ_DROPPED);
	assert_int_equal(emu_rq_dequeue(q, T0 + 100 * MS, out, sizeof(out)), 100);
	assert_int_equal(put(q, T0 + 100 * MS, 50, 100), EMU_RQ_QUEUED);
	assert_int_equal(put(q, T0 + 100 * MS, 51, 100), EMU_RQ_DROPPED);
	emu_rq_free(q);

	/* limit 0 means the default */
	s = (struct emu_shape){.rate_bps = 1000000};
	q = mk(&s, NULL, 1);
	dropped = 0;
	for (uint32_t i = 0; i < EMU_SHAPE_DEFAULT_LIMIT + 5; i++)
		dropped += put(q, T0, i, 100) == EMU_RQ_DROPPED;
	assert_int_equal(dropped, 5);
	emu_rq_free(q);
}

static void test_loss_random(void **state)
{
	struct emu_shape s = {.loss = {.model = EMU_LOSS_RANDOM, .p = 0.1}};
	struct emu_rq *q = mk(&s, NULL, 42);
	struct emu_rq_stats st;
	const unsigned n = 100000;
	unsigned lost = 0;
	double sigma = sqrt(n * 0.1 * 0.9);

	for (uint32_t i = 0; i < n; i++) {
		enum emu_rq_verdict v = put(q, T0 + i * US, i, 64);

		lost += v == EMU_RQ_LOST;
		if (v == EMU_RQ_QUEUED)
			assert_int_equal(emu_rq_dequeue(q, T0 + i * US, out, sizeof(out)), 64);
	}
	assert_near(lost, n * 0.1, 4 * sigma);
	emu_rq_stats(q, &st);
	assert_int_equal(st.lost, lost);
	assert_int_equal(st.out, n - lost);
	assert_int_equal(st.dropped, 0);
	emu_rq_free(q);

	s.loss.p = 1;
	q = mk(&s, NULL, 42);
	for (uint32_t i = 0; i < 100; i++)
		assert_int_equal(put(q, T0, i, 64), EMU_RQ_LOST);
	emu_rq_free(q);
	s.loss.p = 0;
	q = mk(&s, NULL, 42);
	for (uint32_t i = 0; i < 100; i++)
		assert_int_equal(put(q, T0, i, 64), EMU_RQ_QUEUED);
	emu_rq_free(q);
}

/* Lose or keep n frames through a Gilbert-Elliott queue; the loss pattern in lost[]. */
static void gilbert_run(const struct emu_loss *l, bool *lost, unsigned n, uint64_t seed)
{
	struct emu_shape s = {.loss = *l};
	struct emu_rq *q = mk(&s, NULL, seed);

	for (uint32_t i = 0; i < n; i++) {
		enum emu_rq_verdict v = put(q, T0 + i * US, i, 64);

		lost[i] = v == EMU_RQ_LOST;
		if (!lost[i])
			assert_int_equal(emu_rq_dequeue(q, T0 + i * US, out, sizeof(out)), 64);
	}
	emu_rq_free(q);
}

static void test_loss_gilbert(void **state)
{
	const unsigned n = 1000000;
	struct emu_loss l = {.model = EMU_LOSS_GILBERT, .p = 0.01, .r = 0.25, .h = 0, .k = 1};
	bool *lost = malloc(n * sizeof(*lost));
	unsigned total = 0, bursts = 0;

	assert_non_null(lost);
	gilbert_run(&l, lost, n, 7);
	for (unsigned i = 0; i < n; i++) {
		total += lost[i];
		bursts += lost[i] && (i == 0 || !lost[i - 1]);
	}
	/* h = 0, k = 1: every frame in the bad state is lost, none in the good one */
	assert_true(bursts > 1000);
	assert_near((double)total / bursts, 1 / l.r, 0.05 / l.r);
	assert_near((double)total / n, l.p / (l.p + l.r), 0.05 * l.p / (l.p + l.r));

	/* Never bad (p = 0): losses come from the good state only, with 1 - k. */
	l = (struct emu_loss){.model = EMU_LOSS_GILBERT, .p = 0, .r = 1, .h = 0, .k = 0.9};
	gilbert_run(&l, lost, 100000, 8);
	total = 0;
	for (unsigned i = 0; i < 100000; i++)
		total += lost[i];
	assert_near(total, 10000, 4 * sqrt(100000 * 0.1 * 0.9));

	/*
	 * As in netem, the state a frame finds decides its fate, and the transition is drawn
	 * for each frame: p = r = 1 flips the state every frame, the first finds it good.
	 */
	l = (struct emu_loss){.model = EMU_LOSS_GILBERT, .p = 1, .r = 1, .h = 0, .k = 1};
	gilbert_run(&l, lost, 1000, 10);
	for (unsigned i = 0; i < 1000; i++)
		assert_int_equal(lost[i], i % 2);

	/* Loss in the bad state is 1 - h: half of a long bad spell with h = 0.5. */
	l = (struct emu_loss){.model = EMU_LOSS_GILBERT, .p = 1, .r = 0, .h = 0.5, .k = 1};
	gilbert_run(&l, lost, 100000, 9);
	assert_false(lost[0]); /* the first frame finds the good state */
	total = 0;
	for (unsigned i = 0; i < 100000; i++)
		total += lost[i];
	assert_near(total, 50000, 4 * sqrt(100000 * 0.25));
	free(lost);
}

struct jitter_stats {
	double mean, sd, min, max;
	double within1;	    /* fraction within one jitter_ns of the mean 0 */
	double above3;	    /* fraction above 3 jitter_ns */
	unsigned reordered; /* frames that left before one that arrived earlier */
};

/*
 * n frames 1 ms apart through a queue with shape s; each frame's offset from its nominal
 * departure (arrival + delay), in units of s->jitter_ns. Checks that frames leave in
 * departure order and never before they arrived.
 */
static void jitter_run(const struct emu_shape *s, unsigned n, uint64_t seed,
		       struct jitter_stats *js)
{
	struct emu_rq *q = mk(s, NULL, seed);
	double sum = 0, sum2 = 0, j = (double)s->jitter_ns;
	uint64_t t, prev = 0;
	uint32_t id, highest = 0;
	unsigned got = 0, w1 = 0, a3 = 0;

	memset(js, 0, sizeof(*js));
	js->min = INFINITY;
	js->max = -INFINITY;
	for (uint32_t i = 0; i <= n; i++) {
		uint64_t now = T0 + (uint64_t)i * MS;

		/* everything due before this arrival leaves first */
		while (emu_rq_next(q) <= now || (i == n && emu_rq_next(q) != UINT64_MAX)) {
			uint64_t arr;
			double off;

			assert_true(take(q, &t, &id, NULL));
			assert_true(t >= prev); /* departure order */
			prev = t;
			arr = T0 + (uint64_t)id * MS;
			assert_true(t >= arr); /* clamped: never before the arrival */
			off = ((double)t - (double)arr - (double)s->delay_ns) / j;
			sum += off;
			sum2 += off * off;
			js->min = off < js->min ? off : js->min;
			js->max = off > js->max ? off : js->max;
			w1 += fabs(off) <= 1;
			a3 += off > 3;
			if (got && id < highest)
				js->reordered++;
			highest = id > highest ? id : highest;
			got++;
		}
		if (i < n)
			assert_int_equal(put(q, now, i, 64), EMU_RQ_QUEUED);
	}
	assert_int_equal(got, n);
	js->mean = sum / n;
	js->sd = sqrt(sum2 / n - js->mean * js->mean);
	js->within1 = (double)w1 / n;
	js->above3 = (double)a3 / n;
	emu_rq_free(q);
}

static void test_jitter_normal(void **state)
{
	struct emu_shape s = {
	    .delay_ns = 100 * MS, .jitter_ns = 10 * MS, .dist = EMU_DIST_NORMAL, .limit = 100000};
	const unsigned n = 100000;
	struct jitter_stats js;

	jitter_run(&s, n, 11, &js);
	assert_near(js.mean, 0, 4 / sqrt(n));
	/* the sample standard deviation's own deviation is about 1 / sqrt(2n) */
	assert_near(js.sd, 1, 4 / sqrt(2.0 * n));
	assert_near(js.within1, 0.682689, 4 * sqrt(0.68 * 0.32 / n));
	assert_true(js.reordered > 1000); /* 10 ms of jitter on 1 ms spacing */
}

static void test_jitter_uniform(void **state)
{
	struct emu_shape s = {
	    .delay_ns = 20 * MS, .jitter_ns = 5 * MS, .dist = EMU_DIST_UNIFORM, .limit = 100000};
	const unsigned n = 100000;
	struct jitter_stats js;

	jitter_run(&s, n, 12, &js);
	assert_true(js.min >= -1 && js.max <= 1);
	assert_true(js.min < -0.99 && js.max > 0.99);
	assert_near(js.mean, 0, 4 / sqrt(3.0 * n));
	assert_near(js.sd, 1 / sqrt(3), 0.02 / sqrt(3));
	assert_true(js.reordered > 1000);
}

static void test_jitter_pareto(void **state)
{
	struct emu_shape s = {
	    .delay_ns = 100 * MS, .jitter_ns = 10 * MS, .dist = EMU_DIST_PARETO, .limit = 100000};
	const unsigned n = 100000;
	struct jitter_stats js;

	jitter_run(&s, n, 13, &js);
	/* standardised Pareto, shape 3: floor at -1/sqrt(3), mean 0, a heavy right tail */
	assert_true(js.min >= -1 / sqrt(3) - 1e-6);
	assert_near(js.mean, 0, 6 / sqrt(n));
	/* P(above 3 sd) = (1.5 + 3 sqrt(3) / 2)^-3 = 1.45 %; a normal has 0.13 % */
	assert_near(js.above3, 0.0145, 0.003);
	assert_true(js.max > 10);
}

static void test_jitter_clamp(void **state)
{
	/* 1 ms of delay with 10 ms of jitter: many samples would leave before arrival. */
	struct emu_shape s = {
	    .delay_ns = 1 * MS, .jitter_ns = 10 * MS, .dist = EMU_DIST_NORMAL, .limit = 100000};
	struct jitter_stats js;
	struct emu_rq *q;
	uint64_t t;
	uint32_t id;
	unsigned at_leave = 0;

	jitter_run(&s, 10000, 14, &js);	 /* asserts departure >= arrival */
	assert_near(js.min, -0.1, 1e-9); /* some clamped exactly to the arrival */

	/* With a rate stage the floor is when the frame leaves it, not its arrival. */
	s = (struct emu_shape){.rate_bps = 10000000, .jitter_ns = 5 * MS, .dist = EMU_DIST_NORMAL};
	q = mk(&s, NULL, 15);
	for (uint32_t i = 0; i < 200; i++)
		assert_int_equal(put(q, T0, i, 1500), EMU_RQ_QUEUED);
	while (take(q, &t, &id, NULL)) {
		assert_true(t >= T0 + (id + 1) * 1200 * US);
		at_leave += t == T0 + (id + 1) * 1200 * US;
	}
	assert_true(at_leave > 50); /* about half the samples are negative */
	emu_rq_free(q);
}

static void test_update(void **state)
{
	struct emu_shape s = {.delay_ns = 10 * MS};
	struct emu_rq *q = mk(&s, NULL, 1);
	struct emu_rq_stats st;
	uint64_t t;
	uint32_t id;
	unsigned got = 0;

	for (uint32_t i = 0; i < 200; i++) {
		if (i == 100) {
			s.delay_ns = 50 * MS;
			assert_int_equal(emu_rq_set(q, &s, NULL), 0);
		}
		assert_int_equal(put(q, T0 + i * 100 * US, i, 100), EMU_RQ_QUEUED);
	}
	while (take(q, &t, &id, NULL)) {
		assert_int_equal(t, T0 + id * 100 * US + (id < 100 ? 10 : 50) * MS);
		got++;
	}
	assert_int_equal(got, 200);
	emu_rq_stats(q, &st);
	assert_int_equal(st.in, 200);
	assert_int_equal(st.out, 200);
	assert_int_equal(st.lost + st.dropped, 0);

	/* A shorter delay lets later frames overtake, as netem does; none is lost. */
	s.delay_ns = 1 * MS;
	assert_int_equal(put(q, T0 + 1000 * MS, 0, 100), EMU_RQ_QUEUED);
	assert_int_equal(emu_rq_set(q, &s, NULL), 0);
	assert_int_equal(put(q, T0 + 1001 * MS, 1, 100), EMU_RQ_QUEUED);
	assert_true(take(q, &t, &id, NULL));
	assert_int_equal(id, 1);
	assert_int_equal(t, T0 + 1002 * MS);
	assert_true(take(q, &t, &id, NULL));
	assert_int_equal(id, 0);
	assert_int_equal(t, T0 + 1050 * MS);
	emu_rq_free(q);

	/* A rate change: the backlog keeps its times, later frames follow it at the new rate. */
	s = (struct emu_shape){.rate_bps = 10000000};
	q = mk(&s, NULL, 1);
	for (uint32_t i = 0; i < 10; i++)
		assert_int_equal(put(q, T0, i, 1500), EMU_RQ_QUEUED);
	s.rate_bps = 20000000;
	assert_int_equal(emu_rq_set(q, &s, NULL), 0);
	for (uint32_t i = 10; i < 20; i++)
		assert_int_equal(put(q, T0 + 1 * MS, i, 1500), EMU_RQ_QUEUED);
	got = 0;
	while (take(q, &t, &id, NULL)) {
		assert_int_equal(id, got);
		if (id < 10)
			assert_int_equal(t, T0 + (id + 1) * 1200 * US);
		else
			assert_int_equal(t, T0 + 12 * MS + (id - 9) * 600 * US);
		got++;
	}
	assert_int_equal(got, 20);
	emu_rq_free(q);
}

static void test_bad_shape(void **state)
{
	struct emu_shape s = {.loss = {.model = EMU_LOSS_RANDOM, .p = 1.5}};
	struct emu_rq *q = NULL;
	uint64_t ms[] = {0};
	struct emu_trace bad = {.ms = ms, .n = 1, .period_ms = 0};

	assert_int_equal(emu_rq_new(&s, NULL, 1, &q), -EINVAL);
	assert_null(q);
	s.loss.p = NAN;
	assert_int_equal(emu_rq_new(&s, NULL, 1, &q), -EINVAL);
	s = (struct emu_shape){.dist = (enum emu_dist)99};
	assert_int_equal(emu_rq_new(&s, NULL, 1, &q), -EINVAL);
	s = (struct emu_shape){.loss = {.model = EMU_LOSS_GILBERT, .p = 0.1, .r = -0.1}};
	assert_int_equal(emu_rq_new(&s, NULL, 1, &q), -EINVAL);
	s = (struct emu_shape){0};
	assert_int_equal(emu_rq_new(&s, &bad, 1, &q), -EINVAL);

	/* a refused update leaves the queue as it was */
	s = (struct emu_shape){.delay_ns = 5 * MS};
	q = mk(&s, NULL, 1);
	s.loss = (struct emu_loss){.model = EMU_LOSS_RANDOM, .p = 2};
	s.delay_ns = 1 * MS;
	assert_int_equal(emu_rq_set(q, &s, NULL), -EINVAL);
	assert_int_equal(put(q, T0, 1, 64), EMU_RQ_QUEUED);
	assert_int_equal(emu_rq_next(q), T0 + 5 * MS);
	/* frames of no bytes or over the maximum are refused */
	assert_int_equal(emu_rq_enqueue(q, T0, in, 0), EMU_RQ_DROPPED);
	assert_int_equal(emu_rq_enqueue(q, T0, in, EMU_RQ_FRAME_MAX + 1), EMU_RQ_DROPPED);
	assert_int_equal(emu_rq_enqueue(q, T0, in, EMU_RQ_FRAME_MAX), EMU_RQ_QUEUED);
	emu_rq_free(q); /* with frames inside: ASan sees they are freed */
}

/* --- traces --- */

static void test_trace_opportunities(void **state)
{
	uint64_t ms[] = {3, 3, 7, 10};
	struct emu_trace tr = {.ms = ms, .n = 4, .period_ms = 10};
	/* the opportunities of the first three periods, in ms after the first use */
	static const unsigned opp[] = {3, 3, 7, 10, 13, 13, 17, 20, 23, 23, 27, 30};
	struct emu_shape s = {.limit = 100000};
	struct emu_rq *q = mk(&s, &tr, 1);
	uint64_t t;
	uint32_t id, len;
	unsigned k = 0;

	/* saturated with 1500-byte frames: one per opportunity, in trace order, looping */
	for (uint32_t i = 0; i < 300; i++)
		assert_int_equal(put(q, T0 + i * 100 * US, i, 1500), EMU_RQ_QUEUED);
	for (k = 0; k < 12; k++) {
		assert_true(take(q, &t, &id, NULL));
		assert_int_equal(id, k);
		assert_int_equal(t, T0 + opp[k] * MS);
	}
	for (; take(q, &t, &id, NULL); k++) {
		uint64_t rel = t - T0;

		assert_int_equal(rel % MS, 0);
		rel /= MS;
		assert_true(rel % 10 == 3 || rel % 10 == 7 || rel % 10 == 0);
		assert_int_equal(t, T0 + ((k / 4) * 10 + ms[k % 4]) * MS);
	}
	assert_int_equal(k, 300);
	emu_rq_free(q);

	/* Smaller frames share an opportunity up to 1500 bytes; bigger ones take a whole one. */
	q = mk(&s, &tr, 1);
	for (uint32_t i = 0; i < 7; i++)
		assert_int_equal(put(q, T0, i, 500), EMU_RQ_QUEUED); /* 3 + 3 + 1 */
	assert_int_equal(put(q, T0, 7, 1000), EMU_RQ_QUEUED);	     /* fits beside the 7th */
	assert_int_equal(put(q, T0, 8, 600), EMU_RQ_QUEUED);	     /* does not: next one */
	assert_int_equal(put(q, T0, 9, 3000), EMU_RQ_QUEUED);	     /* a whole one */
	assert_int_equal(put(q, T0, 10, 100), EMU_RQ_QUEUED);	     /* a fresh one */
	static const unsigned want[] = {3, 3, 3, 3, 3, 3, 7, 7, 10, 13, 13};
	for (uint32_t i = 0; i < 11; i++) {
		assert_true(take(q, &t, &id, &len));
		assert_int_equal(id, i);
		assert_int_equal(t, T0 + want[i] * MS);
	}
	/* An opportunity passes whether or not a frame uses it: a late frame takes the next. */
	assert_int_equal(put(q, T0 + 33 * MS + 1, 11, 100), EMU_RQ_QUEUED);
	assert_true(take(q, &t, &id, NULL));
	assert_int_equal(t, T0 + 37 * MS);
	/* One arriving exactly at an opportunity leaves at once. */
	assert_int_equal(put(q, T0 + 40 * MS, 12, 100), EMU_RQ_QUEUED);
	assert_true(take(q, &t, &id, NULL));
	assert_int_equal(t, T0 + 40 * MS);
	emu_rq_free(q);
}

static void test_trace_update(void **state)
{
	uint64_t ms_a[] = {10}, ms_b[] = {3};
	struct emu_trace a = {.ms = ms_a, .n = 1, .period_ms = 10};
	struct emu_trace b = {.ms = ms_b, .n = 1, .period_ms = 3};
	struct emu_shape s = {0};
	struct emu_rq *q = mk(&s, &a, 1);
	uint64_t t;
	uint32_t id;

	assert_int_equal(put(q, T0, 0, 500), EMU_RQ_QUEUED); /* a: at 10 ms */
	/* A new trace: later frames take its opportunities, never before earlier frames. */
	assert_int_equal(emu_rq_set(q, &s, &b), 0);
	assert_int_equal(put(q, T0 + 1 * MS, 1, 500), EMU_RQ_QUEUED);  /* b: 12 ms */
	assert_int_equal(put(q, T0 + 1 * MS, 2, 1500), EMU_RQ_QUEUED); /* b: 15 ms */
	/* From a trace to a rate: it starts when the trace lets the last frame go. */
	s.rate_bps = 12000000;
	assert_int_equal(emu_rq_set(q, &s, NULL), 0);
	assert_int_equal(put(q, T0 + 2 * MS, 3, 1500), EMU_RQ_QUEUED); /* 15 + 1 ms */
	/* And back to a trace: the first opportunity after that. */
	assert_int_equal(emu_rq_set(q, &s, &a), 0);
	assert_int_equal(put(q, T0 + 2 * MS, 4, 100), EMU_RQ_QUEUED); /* a: 20 ms */
	static const unsigned want[] = {10, 12, 15, 16, 20};
	for (uint32_t i = 0; i < 5; i++) {
		assert_true(take(q, &t, &id, NULL));
		assert_int_equal(id, i);
		assert_int_equal(t, T0 + want[i] * MS);
	}
	emu_rq_free(q);
}

/*
 * Saturate a queue following trace tr for `periods` periods, keeping its rate stage full;
 * returns the bits per second delivered over that time.
 */
static double trace_throughput(const struct emu_trace *tr, unsigned periods)
{
	struct emu_shape s = {.limit = 100};
	struct emu_rq *q = mk(&s, tr, 3);
	uint64_t end = T0 + periods * tr->period_ms * MS, bytes = 0, now;
	uint32_t id = 0;

	for (now = T0; now <= end; now += MS) {
		uint32_t len;

		while (emu_rq_next(q) <= now) {
			assert_true(emu_rq_next(q) <= end);
			len = emu_rq_dequeue(q, now, out, sizeof(out));
			assert_int_equal(len, 1500);
			bytes += len;
		}
		while (put(q, now, id++, 1500) == EMU_RQ_QUEUED)
			;
	}
	emu_rq_free(q);
	return (double)bytes * 8 / ((double)(end - T0) / 1e9);
}

static void test_trace_capacity(void **state)
{
	char path[64], err[256];
	struct emu_trace *tr;
	uint64_t x = 99, t = 0;
	FILE *f;
	static const char *const real[] = {
	    "/work/shared/traces/mahimahi/TMobile-LTE-short.down.mmtrace",
	    "/work/shared/traces/mahimahi/Verizon-LTE-short.up.mmtrace",
	};

	/* A bursty synthetic trace: repeated and skipped milliseconds, 20 s long. */
	snprintf(path, sizeof(path), "%s/synth.mmtrace", support_tmp);
	f = fopen(path, "w");
	assert_non_null(f);
	while (t < 20000) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		t += (x >> 60) < 6 ? 0 : (x >> 61);
		fprintf(f, "%llu\n", (unsigned long long)(t ? t : 1));
	}
	fprintf(f, "%llu\n", (unsigned long long)t);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(emu_trace_load(path, &tr, err, sizeof(err)), 0);
	assert_near(trace_throughput(tr, 3), tr->n * 1500.0 * 8 / (tr->period_ms / 1e3),
		    0.01 * tr->n * 1500.0 * 8 / (tr->period_ms / 1e3));
	emu_trace_free(tr);

	/* Mahimahi's own traces, where this machine has them. */
	for (size_t i = 0; i < sizeof(real) / sizeof(real[0]); i++) {
		double cap;

		if (access(real[i], R_OK) < 0)
			continue;
		assert_int_equal(emu_trace_load(real[i], &tr, err, sizeof(err)), 0);
		cap = tr->n * 1500.0 * 8 / (tr->period_ms / 1e3);
		assert_near(trace_throughput(tr, 1), cap, 0.01 * cap);
		emu_trace_free(tr);
	}
}

/* A trace of text must fail with want_r and the message path + want. */
static void check_bad(const char *text, int want_r, const char *want_after_path)
{
	char path[64], err[256], want[256];
	struct emu_trace *tr = NULL;

	snprintf(path, sizeof(path), "%s/t.mmtrace", support_tmp);
	support_file_write(NULL, path, text);
	assert_int_equal(emu_trace_load(path, &tr, err, sizeof(err)), want_r);
	assert_null(tr);
	snprintf(want, sizeof(want), "%s%s", path, want_after_path);
	assert_string_equal(err, want);
}

static void test_trace_load(void **state)
{
	char path[64], err[256];
	struct emu_trace *tr = NULL;

	snprintf(path, sizeof(path), "%s/ok.mmtrace", support_tmp);
	/* blanks and CRs at the end of lines, no newline at the end of the file */
	support_file_write(NULL, path, "0\n1 \r\n1\t\n15\r\n15");
	assert_int_equal(emu_trace_load(path, &tr, err, sizeof(err)), 0);
	assert_int_equal(tr->n, 5);
	assert_int_equal(tr->period_ms, 15);
	assert_int_equal(tr->ms[0], 0);
	assert_int_equal(tr->ms[2], 1);
	assert_int_equal(tr->ms[4], 15);
	emu_trace_free(tr);

	check_bad("1\n2\n12a\n", -EINVAL, ":3: '12a' is not a millisecond timestamp");
	check_bad("1\n15\n15\n12\n", -EINVAL, ":4: timestamps go backwards (12 after 15)");
	check_bad("1\n\n3\n", -EINVAL, ":2: '' is not a millisecond timestamp");
	check_bad(" 5\n", -EINVAL, ":1: ' 5' is not a millisecond timestamp");
	check_bad("5\n-3\n", -EINVAL, ":2: '-3' is not a millisecond timestamp");
	check_bad("5\n7.5\n", -EINVAL, ":2: '7.5' is not a millisecond timestamp");
	check_bad("99999999999999999999999\n", -EINVAL,
		  ":1: '99999999999999999999999' is not a millisecond timestamp");
	check_bad("", -EINVAL, ": no timestamps");
	check_bad("0\n0\n", -EINVAL, ":2: the last timestamp (the period) must be above 0");

	snprintf(path, sizeof(path), "%s/missing.mmtrace", support_tmp);
	tr = NULL;
	assert_int_equal(emu_trace_load(path, &tr, err, sizeof(err)), -ENOENT);
	assert_null(tr);
	assert_non_null(strstr(err, "missing.mmtrace: "));
	emu_trace_free(NULL);
}

/* --- determinism --- */

static void run_seeded(uint64_t seed, uint64_t *deps, uint32_t *ids, unsigned *n)
{
	struct emu_shape s = {.delay_ns = 30 * MS,
			      .jitter_ns = 10 * MS,
			      .dist = EMU_DIST_NORMAL,
			      .rate_bps = 50000000,
			      .loss = {.model = EMU_LOSS_RANDOM, .p = 0.05}};
	struct emu_rq *q = mk(&s, NULL, seed);
	uint64_t t;
	uint32_t id;

	for (uint32_t i = 0; i < 2000; i++)
		put(q, T0 + i * 137 * US, i, 64 + i % 1400);
	*n = 0;
	while (take(q, &t, &id, NULL)) {
		deps[*n] = t;
		ids[*n] = id;
		(*n)++;
	}
	emu_rq_free(q);
}

static void test_seed(void **state)
{
	static uint64_t d1[2000], d2[2000], d3[2000];
	static uint32_t i1[2000], i2[2000], i3[2000];
	unsigned n1, n2, n3;

	run_seeded(5, d1, i1, &n1);
	run_seeded(5, d2, i2, &n2);
	run_seeded(6, d3, i3, &n3);
	assert_true(n1 > 1800 && n1 < 2000);
	assert_int_equal(n1, n2);
	assert_memory_equal(d1, d2, n1 * sizeof(d1[0]));
	assert_memory_equal(i1, i2, n1 * sizeof(i1[0]));
	assert_true(n1 != n3 || memcmp(d1, d3, n1 * sizeof(d1[0])) ||
		    memcmp(i1, i3, n1 * sizeof(i1[0])));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_delay_only),	   cmocka_unit_test(test_no_shape_passes_at_once),
	    cmocka_unit_test(test_rate),	   cmocka_unit_test(test_rate_then_delay),
	    cmocka_unit_test(test_limit),	   cmocka_unit_test(test_loss_random),
	    cmocka_unit_test(test_loss_gilbert),   cmocka_unit_test(test_jitter_normal),
	    cmocka_unit_test(test_jitter_uniform), cmocka_unit_test(test_jitter_pareto),
	    cmocka_unit_test(test_jitter_clamp),   cmocka_unit_test(test_update),
	    cmocka_unit_test(test_bad_shape),	   cmocka_unit_test(test_trace_opportunities),
	    cmocka_unit_test(test_trace_update),   cmocka_unit_test(test_trace_capacity),
	    cmocka_unit_test(test_trace_load),	   cmocka_unit_test(test_seed),
	};

	return cmocka_run_group_tests(tests, support_tmp_setup, support_tmp_teardown);
}
