/* SPDX-License-Identifier: MIT */
/*
 * A cell's scheduler on a virtual clock (issue 14's cell sharing): saturating UEs get the
 * water-filling shares emu_cell_share() computes, the cell never sends above its capacity
 * over 100 ms, idle UEs leave their share, caps and capacity change mid-way, UEs go away or
 * move with their packets, queues and the pool are bounded, FIFO order, byte fairness.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/cell_sched.h"
#include "tests/unit/support.h"

#define MS 1000000ULL
#define S 1000000000ULL
#define MBIT 1000000ULL
/* A clock that does not start at 0, so that an offset forgotten somewhere shows. */
#define T0 (123456789ULL * MS + 4321)
#define UES 16
#define WINDOW_BINS 100 /* 1 ms bins: a 100 ms window */

#define assert_near(v, want, tol)                                                                  \
	do {                                                                                       \
		double v_ = (v), w_ = (want), t_ = (tol);                                          \
		if (!(fabs(v_ - w_) <= t_))                                                        \
			fail_msg("%s = %.6g, want %.6g +- %.3g", #v, v_, w_, t_);                  \
	} while (0)

/*
 * UEs on one cell that always have packets queued (len > 0), or send at a steady demand_bps
 * (len > 0 and demand_bps > 0), or send nothing (len 0).
 */
struct sim {
	struct emu_cell *c;
	uint64_t now;
	size_t n;
	int id[UES];
	uint32_t len[UES];	  /* bytes per packet; 0: idle */
	uint64_t demand_bps[UES]; /* 0: all it can */
	uint64_t arrival[UES];	  /* with a demand: when its next packet comes */
	uint32_t queued[UES];	  /* what the sim believes is queued */
	uint64_t seq_in[UES];	  /* the next packet's number */
	uint64_t seq_out[UES];	  /* the number the next packet out must have */
	uint64_t bytes[UES];	  /* sent since the last sim_run began */
	uint64_t late_max_ns;	  /* wake up to this much after the time dequeue gave */
	uint64_t window_max_bits; /* most bits the cell sent in any 100 ms of the last run */
};

static void sim_init(struct sim *s, const struct emu_cell_conf *conf)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(emu_cell_new(conf, &s->c), 0);
	s->now = T0;
}

static size_t sim_add(struct sim *s, uint64_t rate_bps, uint32_t len)
{
	size_t i = s->n++;

	assert_true(i < UES);
	s->id[i] = emu_cell_ue_add(s->c, rate_bps);
	assert_true(s->id[i] >= 0);
	s->len[i] = len;
	s->arrival[i] = s->now;
	return i;
}

static size_t sim_index(const struct sim *s, int id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->id[i] == id)
			return i;
	fail_msg("packet of UE %d, which the sim does not know", id);
	return 0;
}

/* Handles carry the UE's index and the packet's number, for the FIFO check. */
static void *handle_of(size_t i, uint64_t seq)
{
	return (void *)(uintptr_t)((seq << 8) | i);
}

/* Packets of the UEs with a demand that are due by now; the next due, or UINT64_MAX. */
static uint64_t arrivals(struct sim *s)
{
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < s->n; i++) {
		if (!s->len[i] || !s->demand_bps[i])
			continue;
		while (s->arrival[i] <= s->now) {
			int r =
			    emu_cell_enqueue(s->c, s->id[i], handle_of(i, s->seq_in[i]), s->len[i]);

			/* A UE that asks more than its share fills its queue: drops. */
			if (r == 0) {
				s->seq_in[i]++;
				s->queued[i]++;
			} else {
				assert_int_equal(r, -ENOBUFS);
			}
			s->arrival[i] += s->len[i] * 8ULL * S / s->demand_bps[i];
		}
		if (s->arrival[i] < next)
			next = s->arrival[i];
	}
	return next;
}

static uint64_t refill(struct sim *s)
{
	for (size_t i = 0; i < s->n; i++) {
		while (s->len[i] && !s->demand_bps[i] && s->queued[i] < 4) {
			assert_int_equal(
			    emu_cell_enqueue(s->c, s->id[i], handle_of(i, s->seq_in[i]), s->len[i]),
			    0);
			s->seq_in[i]++;
			s->queued[i]++;
		}
	}
	return arrivals(s);
}

static void sent(struct sim *s, const struct emu_cell_pkt *p)
{
	size_t i = sim_index(s, p->ue);
	uintptr_t h = (uintptr_t)p->handle;

	assert_int_equal(h & 0xff, i);
	if ((h >> 8) != s->seq_out[i])
		fail_msg("UE %zu: packet %llu out before %llu", i, (unsigned long long)(h >> 8),
			 (unsigned long long)s->seq_out[i]);
	s->seq_out[i]++;
	s->queued[i]--;
	s->bytes[i] += p->len;
}

/* Run for dur_ns as a relay would: send what is due, then sleep until the time given. */
static void sim_run(struct sim *s, uint64_t dur_ns)
{
	uint64_t end = s->now + dur_ns, start = s->now;
	size_t nbins = (size_t)(dur_ns / MS) + 1;
	uint64_t *bins = calloc(nbins, sizeof(*bins)), win = 0;
	struct emu_cell_pkt p;
	uint64_t next, due;

	assert_non_null(bins);
	memset(s->bytes, 0, sizeof(s->bytes));
	s->window_max_bits = 0;
	while (s->now < end) {
		due = refill(s);
		if (emu_cell_dequeue(s->c, s->now, &p, &next)) {
			sent(s, &p);
			bins[(s->now - start) / MS] += p.len * 8ULL;
			continue;
		}
		assert_true(next > s->now);
		if (due < next)
			next = due;
		if (next == UINT64_MAX)
			break;
		s->now = next + (s->late_max_ns ? support_rand() % s->late_max_ns : 0);
	}
	s->now = end;
	for (size_t b = 0; b < nbins; b++) {
		win += bins[b];
		if (b >= WINDOW_BINS)
			win -= bins[b - WINDOW_BINS];
		if (win > s->window_max_bits)
			s->window_max_bits = win;
	}
	free(bins);
}

static double rate_of(const struct sim *s, size_t i, uint64_t dur_ns)
{
	return (double)s->bytes[i] * 8 * S / (double)dur_ns;
}

static void sim_free(struct sim *s)
{
	emu_cell_free(s->c, NULL, NULL);
}

/*
 * Each UE's rate over the run against the water-filling share (of UEs that send: an idle one
 * demands 0), within tol (relative); the cell's 100 ms windows at most capacity + 10%.
 */
static void check_shares(const struct sim *s, uint64_t cap_bps, const uint64_t *ue_cap,
			 uint64_t dur_ns, double tol)
{
	uint64_t demand[UES], want[UES];

	for (size_t i = 0; i < s->n; i++)
		demand[i] = !s->len[i] ? 0 : s->demand_bps[i] ? s->demand_bps[i] : UINT64_MAX;
	emu_cell_share(cap_bps, ue_cap, demand, s->n, want);
	for (size_t i = 0; i < s->n; i++) {
		double got = rate_of(s, i, dur_ns);

		if (fabs(got - (double)want[i]) > tol * (double)want[i] + 1)
			fail_msg("UE %zu of %zu: %.3f Mbit/s, want %.3f +- %.0f%%", i, s->n,
				 got / MBIT, (double)want[i] / MBIT, tol * 100);
	}
	if (cap_bps && (double)s->window_max_bits > 1.1 * (double)cap_bps * WINDOW_BINS * MS / S)
		fail_msg("%.3f Mbit in 100 ms from a %.0f Mbit/s cell",
			 (double)s->window_max_bits / MBIT, (double)cap_bps / MBIT);
}

/* The figure: 1, 2, 4, 8 UEs downloading in a 40 Mbit/s cell each get 40/N. */
static void test_equal_shares(void **state)
{
	static const size_t counts[] = {1, 2, 4, 8};
	struct emu_cell_conf conf = {.capacity_bps = 40 * MBIT};
	uint64_t caps[UES] = {0};
	struct sim s;

	for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		sim_init(&s, &conf);
		for (size_t i = 0; i < counts[k]; i++)
			sim_add(&s, 0, 1514);
		sim_run(&s, 10 * S);
		/* The figure asks 25%; the scheduler does far better, and must keep doing so. */
		check_shares(&s, conf.capacity_bps, caps, 10 * S, 0.02);
		for (size_t i = 0; i < counts[k]; i++)
			assert_near(rate_of(&s, i, 10 * S), 40.0 * MBIT / (double)counts[k],
				    0.25 * 40.0 * MBIT / (double)counts[k]);
		sim_free(&s);
	}
}

/* Each UE's cap, and a cell's: what a UE leaves under its cap goes to the others. */
static void test_capped_ue(void **state)
{
	struct emu_cell_conf conf = {.capacity_bps = 40 * MBIT};
	uint64_t caps[UES] = {5 * MBIT, 0, 0, 0};
	struct sim s;

	sim_init(&s, &conf);
	sim_add(&s, caps[0], 1514);
	for (size_t i = 1; i < 4; i++)
		sim_add(&s, 0, 1514);
	sim_run(&s, 10 * S);
	check_shares(&s, conf.capacity_bps, caps, 10 * S, 0.02);
	assert_near(rate_of(&s, 0, 10 * S), 5.0 * MBIT, 0.1 * MBIT);
	assert_near(rate_of(&s, 1, 10 * S), 35.0 * MBIT / 3, 0.2 * MBIT);
	sim_free(&s);
}

/* Capacity 0: the cell limits nothing, each UE runs at its own cap. */
static void test_unlimited_cell(void **state)
{
	struct emu_cell_conf conf = {0};
	uint64_t caps[UES] = {3 * MBIT, 7 * MBIT, 20 * MBIT};
	struct sim s;

	sim_init(&s, &conf);
	for (size_t i = 0; i < 3; i++)
		sim_add(&s, caps[i], 1514);
	sim_run(&s, 5 * S);
	check_shares(&s, 0, caps, 5 * S, 0.01);
	sim_free(&s);
}

/* An idle UE's share goes to the others, and comes back when it sends again. */
static void test_idle_ue(void **state)
{
	struct emu_cell_conf conf = {.capacity_bps = 40 * MBIT};
	uint64_t caps[UES] = {0};
	struct sim s;

	sim_init(&s, &conf);
	for (size_t i = 0; i < 4; i++)
		sim_add(&s, 0, 1514);
	s.len[3] = 0;
	sim_run(&s, 5 * S);
	check_shares(&s, conf.capacity_bps, caps, 5 * S, 0.02);
	assert_near(rate_of(&s, 0, 5 * S), 40.0 * MBIT / 3, 0.3 * MBIT);
	assert_int_equal(s.bytes[3], 0);
	s.len[3] = 1514;
	sim_run(&s, 5 * S);
	check_shares(&s, conf.capacity_bps, caps, 5 * S, 0.02);
	assert_near(rate_of(&s, 3, 5 * S), 10.0 * MBIT, 0.2 * MBIT);
	sim_free(&s);
}

/* A new capacity and a new cap take effect at once, from the time given. */
static void test_changes(void **state)
{
	struct emu_cell_conf conf = {.capacity_bps = 40 * MBIT};
	uint64_t caps[UES] = {0};
	struct sim s;

	sim_init(&s, &conf);
	for (size_t i = 0; i < 4; i++)
		sim_add(&s, 0, 1514);
	sim_run(&s, 2 * S);
	check_shares(&s, 40 * MBIT, caps, 2 * S, 0.02);
	emu_cell_set_capacity(s.c, s.now, 20 * MBIT);
	sim_run(&s, 4 * S);
	check_shares(&s, 20 * MBIT, caps, 4 * S, 0.02);
	caps[2] = 2 * MBIT;
	assert_int_equal(emu_cell_ue_set_rate(s.c, s.id[2], s.now, caps[2]), 0);
	sim_run(&s, 4 * S);
	check_shares(&s, 20 * MBIT, caps, 4 * S, 0.02);
	/* From a crawl to fast: the packet owed at the old rate does not hold the UE back. */
	caps[2] = 1000;
	assert_int_equal(emu_cell_ue_set_rate(s.c, s.id[2], s.now, caps[2]), 0);
	sim_run(&s, 1 * S);
	caps[2] = 0;
	assert_int_equal(emu_cell_ue_set_rate(s.c, s.id[2], s.now, caps[2]), 0);
	emu_cell_set_capacity(s.c, s.now, 0);
	emu_cell_set_capacity(s.c, s.now, 80 * MBIT);
	sim_run(&s, 4 * S);
	check_shares(&s, 80 * MBIT, caps, 4 * S, 0.02);
	assert_int_equal(emu_cell_ue_set_rate(s.c, 99, s.now, 1), -ENOENT);
	sim_free(&s);
}

/* Bytes, not packets: 1500-byte and 64-byte packets get the same rate. */
static void test_byte_fairness(void **state)
{
	struct emu_cell_conf conf = {.capacity_bps = 40 * MBIT};
	uint64_t caps[UES] = {0};
	struct sim s;

	sim_init(&s, &conf);
	sim_add(&s, 0, 1500);
	sim_add(&s, 0, 64);
	sim_add(&s, 0, 9000); /* a jumbo frame, above the quantum */
	sim_run(&s, 5 * S);
	check_shares(&s, conf.capacity_bps, caps, 5 * S, 0.02);
	sim_free(&s);
}

/* UEs that ask less than their share get what they ask; the rest goes to the others. */
static void test_demand(void **state)
{
	struct emu_cell_conf conf = {.capacity_bps = 40 * MBIT};
	uint64_t caps[UES] = {0};
	struct sim s;

	sim_init(&s, &conf);
	for (size_t i = 0; i < 4; i++)
		sim_add(&s, 0, 1514);
	s.demand_bps[0] = 4 * MBIT;  /* below its share: gets 4 */
	s.demand_bps[1] = 30 * MBIT; /* above: 12, as the two that send all they can */
	sim_run(&s, 5 * S);
	check_shares(&s, conf.capacity_bps, caps, 5 * S, 0.02);
	assert_near(rate_of(&s, 1, 5 * S), 12.0 * MBIT, 0.25 * MBIT);
	sim_free(&s);
}

/*
 * Random cells against water-filling: up to 16 UEs with random packet sizes, caps and
 * demands, in a cell of random capacity (or none, with every UE capped or paced).
 */
static void test_random_cells(void **state)
{
	for (int round = 0; round < 100; round++) {
		struct emu_cell_conf conf = {0};
		uint64_t caps[UES] = {0};
		size_t n = 1 + support_rand() % 16;
		struct sim s;

		if (support_rand() % 5)
			conf.capacity_bps = (10 + support_rand() % 91) * MBIT;
		sim_init(&s, &conf);
		for (size_t i = 0; i < n; i++) {
			bool paced = support_rand() % 3 == 0;

			if (support_rand() % 2 || (!conf.capacity_bps && !paced))
				caps[i] = (1 + support_rand() % 30) * MBIT;
			sim_add(&s, caps[i], 64 + support_rand() % (1514 - 64 + 1));
			if (paced)
				s.demand_bps[i] = (1 + support_rand() % 20) * MBIT;
		}
		sim_run(&s, 5 * S);
		check_shares(&s, conf.capacity_bps, caps, 5 * S, 0.02);
		sim_free(&s);
	}
}

/* A caller that wakes late (timer slack, load) loses no capacity, and gains none. */
static void test_late_caller(void **state)
{
	struct emu_cell_conf conf = {.capacity_bps = 40 * MBIT};
	uint64_t caps[UES] = {0, 8 * MBIT, 0};
	struct sim s;

	sim_init(&s, &conf);
	for (size_t i = 0; i < 3; i++)
		sim_add(&s, caps[i], 1514);
	s.late_max_ns = 300000;
	sim_run(&s, 10 * S);
	check_shares(&s, conf.capacity_bps, caps, 10 * S, 0.03);
	sim_free(&s);
}

static void count_drop(void *handle, void *arg)
{
	(*(int *)arg)++;
}

/* A removed UE's packets are dropped, handed back and counted; its id is free again. */
static void test_remove(void **state)
{
	struct emu_cell_conf conf = {.capacity_bps = 10 * MBIT, .ues_max = 2};
	struct emu_cell_stats st;
	struct emu_cell_pkt p;
	struct emu_cell *c;
	int a, b, drops = 0;
	uint64_t next;

	assert_int_equal(emu_cell_new(&conf, &c), 0);
	a = emu_cell_ue_add(c, 0);
	b = emu_cell_ue_add(c, 0);
	assert_true(a >= 0 && b >= 0 && a != b);
	assert_int_equal(emu_cell_ue_add(c, 0), -ENOSPC);
	for (int i = 0; i < 10; i++)
		assert_int_equal(emu_cell_enqueue(c, a, NULL, 1000), 0);
	assert_int_equal(emu_cell_enqueue(c, b, &drops, 100), 0);
	assert_int_equal(emu_cell_ue_remove(c, a, count_drop, &drops), 10);
	assert_int_equal(drops, 10);
	assert_int_equal(emu_cell_enqueue(c, a, NULL, 1000), -ENOENT);
	assert_int_equal(emu_cell_ue_remove(c, a, NULL, NULL), -ENOENT);
	emu_cell_stats(c, &st);
	assert_int_equal(st.in, 11);
	assert_int_equal(st.removed, 10);
	/* Only b's packet is left, and the slot is taken again. */
	assert_int_equal(emu_cell_dequeue(c, T0, &p, &next), 1);
	assert_int_equal(p.ue, b);
	assert_ptr_equal(p.handle, &drops);
	assert_int_equal(emu_cell_dequeue(c, T0, &p, &next), 0);
	assert_true(next == UINT64_MAX);
	assert_int_equal(emu_cell_ue_add(c, 0), a);
	emu_cell_free(c, NULL, NULL);
}

/* A handover with forwarding: the queue goes along in order, what does not fit is dropped. */
static void test_move(void **state)
{
	struct emu_cell_conf big = {.capacity_bps = 10 * MBIT};
	struct emu_cell_conf small = {.capacity_bps = 10 * MBIT, .ue_pkts_max = 6, .ues_max = 1};
	struct emu_cell *from, *to;
	struct emu_cell_stats sf, st;
	struct emu_cell_pkt p;
	int u, nu, drops = 0;
	uint64_t next, t = T0;

	assert_int_equal(emu_cell_new(&big, &from), 0);
	assert_int_equal(emu_cell_new(&small, &to), 0);
	u = emu_cell_ue_add(from, 3 * MBIT);
	for (uintptr_t i = 0; i < 10; i++)
		assert_int_equal(emu_cell_enqueue(from, u, (void *)(i + 1), 1000), 0);
	nu = emu_cell_ue_move(from, u, to, count_drop, &drops);
	assert_true(nu >= 0);
	assert_int_equal(drops, 4);
	/* to holds one UE: a second cannot come, and stays where it was. */
	u = emu_cell_ue_add(from, 0);
	assert_int_equal(emu_cell_enqueue(from, u, NULL, 100), 0);
	assert_int_equal(emu_cell_ue_move(from, u, to, count_drop, &drops), -ENOSPC);
	assert_int_equal(emu_cell_ue_move(from, 42, to, NULL, NULL), -ENOENT);
	emu_cell_stats(from, &sf);
	emu_cell_stats(to, &st);
	assert_int_equal(sf.moved_out, 6);
	assert_int_equal(sf.removed, 4);
	assert_int_equal(st.moved_in, 6);
	/*
	 * The first six, in order, at the UE's cap (3 Mbit/s: 8000 bits each, 2.67 ms), after
	 * a burst of two quanta: the sixth starts once five have been paid for.
	 */
	for (uintptr_t i = 0; i < 6; i++) {
		while (!emu_cell_dequeue(to, t, &p, &next))
			t = next;
		assert_int_equal(p.ue, nu);
		assert_ptr_equal(p.handle, (void *)(i + 1));
	}
	assert_true(t - T0 >= (5 * 8000 - 2 * 1514 * 8) * S / (3 * MBIT));
	assert_true(t - T0 <= (5 * 8000 - 2 * 1514 * 8) * S / (3 * MBIT) + MS);
	assert_int_equal(emu_cell_dequeue(to, t, &p, &next), 0);
	assert_true(next == UINT64_MAX);
	emu_cell_free(to, NULL, NULL);
	drops = 0;
	emu_cell_free(from, count_drop, &drops);
	assert_int_equal(drops, 1);
}

/* Queues are bounded in packets, bytes and the pool; drops are counted; memory is fixed. */
static void test_bounds(void **state)
{
	struct emu_cell_conf conf = {.capacity_bps = MBIT,
				     .ues_max = 3,
				     .pkts_max = 20,
				     .ue_pkts_max = 8,
				     .ue_bytes_max = 5000};
	struct emu_cell_ue_stats us;
	struct emu_cell_stats st;
	struct emu_cell *c;
	int a, b, d, ok = 0;

	assert_true(emu_cell_mem(&conf) < 1024);
	assert_int_equal(emu_cell_new(&conf, &c), 0);
	a = emu_cell_ue_add(c, 0);
	b = emu_cell_ue_add(c, 0);
	d = emu_cell_ue_add(c, 0);
	for (int i = 0; i < 20; i++)
		ok += emu_cell_enqueue(c, a, NULL, 100) == 0;
	assert_int_equal(ok, 8); /* packets */
	ok = 0;
	for (int i = 0; i < 20; i++)
		ok += emu_cell_enqueue(c, b, NULL, 1000) == 0;
	assert_int_equal(ok, 5); /* bytes */
	assert_int_equal(emu_cell_enqueue(c, d, NULL, 1), 0);
	ok = 0;
	for (int i = 0; i < 20; i++)
		ok += emu_cell_enqueue(c, d, NULL, 1) == 0;
	/* The pool's threshold: d may hold no more than are free (8 + 5 + 4 held, 3 free). */
	assert_int_equal(ok, 3);
	assert_int_equal(emu_cell_enqueue(c, d, NULL, 0), -EINVAL);
	assert_int_equal(emu_cell_enqueue(c, d, NULL, EMU_CELL_PKT_MAX + 1), -EINVAL);
	assert_int_equal(emu_cell_enqueue(c, -1, NULL, 1), -ENOENT);
	assert_int_equal(emu_cell_ue_stats(c, b, &us), 0);
	assert_int_equal(us.in, 5);
	assert_int_equal(us.dropped, 15);
	assert_int_equal(us.queued_pkts, 5);
	assert_int_equal(us.queued_bytes, 5000);
	emu_cell_stats(c, &st);
	assert_int_equal(st.in, 17);
	assert_int_equal(st.dropped, 12 + 15 + 17);
	/* The pool frees as packets leave: d can queue again. */
	for (uint64_t t = T0, next; emu_cell_ue_stats(c, a, &us) == 0 && us.queued_pkts;) {
		struct emu_cell_pkt p;

		if (!emu_cell_dequeue(c, t, &p, &next))
			t = next;
	}
	assert_int_equal(emu_cell_enqueue(c, d, NULL, 1), 0);
	emu_cell_free(c, NULL, NULL);
}

/*
 * One UE that floods cannot take the whole pool: it stops at half while it is alone, and a
 * second still finds room.
 */
static void test_pool_shared(void **state)
{
	struct emu_cell_conf conf = {.pkts_max = 20, .ue_pkts_max = 20};
	struct emu_cell *c;
	int a, b, ok = 0;

	assert_int_equal(emu_cell_new(&conf, &c), 0);
	a = emu_cell_ue_add(c, MBIT);
	b = emu_cell_ue_add(c, MBIT);
	for (int i = 0; i < 40; i++)
		ok += emu_cell_enqueue(c, a, NULL, 100) == 0;
	assert_int_equal(ok, 10);
	ok = 0;
	for (int i = 0; i < 40; i++)
		ok += emu_cell_enqueue(c, b, NULL, 100) == 0;
	assert_int_equal(ok, 5);
	emu_cell_free(c, NULL, NULL);
}

/* Water-filling itself, on figures worked by hand. */
static void test_share(void **state)
{
	const uint64_t sat = UINT64_MAX;
	uint64_t cap[5], dem[5], got[5];

	/* Four alike: a quarter each. */
	for (int i = 0; i < 4; i++) {
		cap[i] = 0;
		dem[i] = sat;
	}
	emu_cell_share(40 * MBIT, cap, dem, 4, got);
	for (int i = 0; i < 4; i++)
		assert_int_equal(got[i], 10 * MBIT);
	/* Caps 5 and 12, a demand of 2, one unlimited: 2, 5, 12, then 21 of 40 left. */
	cap[0] = 5 * MBIT, cap[1] = 12 * MBIT, cap[2] = 0, cap[3] = 0;
	dem[2] = 2 * MBIT;
	emu_cell_share(40 * MBIT, cap, dem, 4, got);
	assert_int_equal(got[0], 5 * MBIT);
	assert_int_equal(got[1], 12 * MBIT);
	assert_int_equal(got[2], 2 * MBIT);
	assert_int_equal(got[3], 21 * MBIT);
	/* Under a tighter cell the 12 is cut to the level: 2, 5, then 9 and 9 of 25. */
	emu_cell_share(25 * MBIT, cap, dem, 4, got);
	assert_int_equal(got[1], 9 * MBIT);
	assert_int_equal(got[3], 9 * MBIT);
	/* Everyone below the fair share: each gets its limit, the rest stays unused. */
	emu_cell_share(100 * MBIT, cap, dem, 3, got);
	assert_int_equal(got[0] + got[1] + got[2], 19 * MBIT);
	/* No capacity, no cap: unlimited; an idle UE gets nothing. */
	dem[4] = 0, cap[4] = 0;
	emu_cell_share(0, cap, dem, 5, got);
	assert_true(got[3] == sat);
	assert_int_equal(got[4], 0);
	emu_cell_share(40 * MBIT, cap, dem, 0, got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_share),	  cmocka_unit_test(test_equal_shares),
	    cmocka_unit_test(test_capped_ue),	  cmocka_unit_test(test_unlimited_cell),
	    cmocka_unit_test(test_idle_ue),	  cmocka_unit_test(test_changes),
	    cmocka_unit_test(test_byte_fairness), cmocka_unit_test(test_demand),
	    cmocka_unit_test(test_random_cells),  cmocka_unit_test(test_late_caller),
	    cmocka_unit_test(test_remove),	  cmocka_unit_test(test_move),
	    cmocka_unit_test(test_bounds),	  cmocka_unit_test(test_pool_shared),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
