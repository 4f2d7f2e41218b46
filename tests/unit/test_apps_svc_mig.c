/* SPDX-License-Identifier: MIT */
/*
 * The source side of a migration (apps/svc_mig.c) and the destination's page bookkeeping
 * (apps/svc_state.c) on a virtual clock: a link of a set rate moves the pages, the workload
 * writes pages as time passes, and at the end the destination's state must be the source's,
 * page for page, whatever the strategy.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "apps/svc_mig.h"
#include "apps/svc_state.h"

#define S_NS 1000000000ULL
#define RUN_MAX 64
#define ROUNDS_MAX 64

struct sim {
	struct svc_state *src, *dst;
	struct svc_mig_src m;
	uint64_t now, page_ns;
	bool frozen, switched;
	uint64_t rounds, round_pages[ROUNDS_MAX], round_dirty[ROUNDS_MAX];
	uint64_t stopcopy_pages, switch_pages, demand, sends_per_page_max;
	uint32_t *sends; /* how often each page went */
};

static struct svc_state *state_new(uint64_t bytes, uint64_t rate, enum svc_pattern pat)
{
	struct svc_state *s = NULL;

	assert_int_equal(svc_state_new(bytes, &s), 0);
	svc_state_populate(s);
	svc_workload_set(s, rate, pat, 100000, 7);
	return s;
}

static void send_page(struct sim *x, uint64_t p)
{
	uint8_t *data = x->src->mem + p * SVC_PAGE_SIZE;

	x->sends[p]++;
	svc_state_install(x->dst, p, data, !x->switched);
}

/* The link moves n pages: the clock advances, and whoever serves writes meanwhile. */
static void advance(struct sim *x, uint64_t n)
{
	x->now += n * x->page_ns;
	if (!x->frozen)
		svc_dirty_step(x->src, x->now);
	if (x->switched)
		svc_dirty_step(x->dst, x->now);
}

/* Post-copy's fault paths: the page is claimed at the source and sent at once. */
static int need_page(void *arg, uint64_t page)
{
	struct sim *x = arg;

	if (svc_mig_src_claim(&x->m, page)) {
		x->demand++;
		send_page(x, page);
	}
	return svc_page_absent(x->dst, page) ? -EIO : 0;
}

static void want_page(void *arg, uint64_t page)
{
	(void)need_page(arg, page);
}

static void sim_run(struct sim *x, uint64_t bytes, uint64_t rate_bps, uint64_t dirty_pps,
		    enum svc_pattern pat, enum topo_strategy strategy, uint64_t max_rounds,
		    uint64_t stop_below)
{
	uint64_t first, c;
	uint32_t n, i;
	bool done = false;

	memset(x, 0, sizeof(*x));
	x->src = state_new(bytes, dirty_pps, pat);
	x->dst = state_new(bytes, dirty_pps, pat);
	assert_int_equal(svc_state_incoming(x->dst), 0);
	x->dst->need = need_page;
	x->dst->want = want_page;
	x->dst->need_arg = x;
	x->sends = calloc(x->src->pages, sizeof(*x->sends));
	assert_non_null(x->sends);
	x->page_ns = SVC_PAGE_SIZE * 8 * S_NS / rate_bps;
	/* Clients in three different table pages, so the table is more than page 0. */
	for (i = 0; i < 50; i++)
		assert_int_equal(svc_client_bump(x->src, i * 7919, &c), 0);
	svc_dirty_step(x->src, x->now);
	x->now += S_NS;
	svc_dirty_step(x->src, x->now);

	assert_int_equal(svc_mig_src_init(&x->m, x->src, strategy, max_rounds, stop_below), 0);
	x->frozen = svc_mig_src_frozen(&x->m);
	while (!done) {
		n = svc_mig_src_next(&x->m, x->src, &first, RUN_MAX);
		if (n) {
			for (i = 0; i < n; i++)
				send_page(x, first + i);
			if (x->m.phase == SVC_MIG_STOPCOPY)
				x->stopcopy_pages += n;
			if (x->m.phase == SVC_MIG_SWITCHSET)
				x->switch_pages += n;
			advance(x, n);
			continue;
		}
		if (x->m.phase == SVC_MIG_LIVE) {
			assert_true(x->rounds < ROUNDS_MAX);
			x->round_dirty[x->rounds++] = svc_dirty_count(x->src);
		}
		switch (svc_mig_src_pass_end(&x->m, x->src)) {
		case SVC_MIG_NEXT_ROUND:
			break;
		case SVC_MIG_NEXT_FREEZE:
			x->frozen = true;
			break;
		case SVC_MIG_NEXT_SWITCH:
			/* The execution state goes; the destination resumes where the source
			 * stopped. */
			x->dst->rng = x->src->rng;
			x->dst->seq_next = x->src->seq_next;
			x->switched = true;
			svc_dirty_step(x->dst, x->now);
			break;
		case SVC_MIG_NEXT_COMMIT:
		case SVC_MIG_NEXT_FINISH:
			done = true;
			break;
		}
	}
	for (uint64_t p = 0; p < x->src->pages; p++)
		if (x->sends[p] > x->sends_per_page_max)
			x->sends_per_page_max = x->sends[p];
}

static void sim_free(struct sim *x)
{
	svc_mig_src_free(&x->m);
	svc_state_free(x->src);
	svc_state_free(x->dst);
	free(x->sends);
}

/* The destination holds exactly the source's frozen state, and its hash says so. */
static void assert_same_state(struct sim *x)
{
	assert_int_equal(x->dst->absent_pages, 0);
	assert_int_equal(x->dst->hash_sum, svc_state_hash(x->src));
	assert_memory_equal(x->dst->mem, x->src->mem, x->src->state_bytes);
}

/*
 * Pre-copy, 16 MiB (N = 4096 pages) over 100 Mbit/s (327.68 us a page), w = 1000 uniform
 * writes a second. Each round sends the pages written during the round before: V(0) = N,
 * and V(i+1) = N * (1 - e^(-w * V(i) * 327.68us / N)), the distinct pages hit by that many
 * uniform writes: 1145, 320, 98, 31 pages; so 4 rounds for a threshold of 64 pages.
 */
static void test_precopy_converges(void **state)
{
	struct sim x;
	double v = 4096.0, want;

	(void)state;
	sim_run(&x, 16ULL << 20, 100000000, 1000, SVC_PATTERN_UNIFORM, TOPO_STRATEGY_PRECOPY, 30,
		64);
	assert_int_equal(x.rounds, 4);
	for (uint64_t i = 0; i < x.rounds; i++) {
		want = 4096.0 * (1.0 - exp(-1000.0 * v * 327.68e-6 / 4096.0));
		assert_true(fabs((double)x.round_dirty[i] - want) < want * 0.1 + 5);
		v = (double)x.round_dirty[i];
	}
	assert_true(x.round_dirty[3] <= 64);
	/* The stop-and-copy moves what was dirty when the last round ended, no more. */
	assert_int_equal(x.stopcopy_pages, x.round_dirty[3]);
	assert_same_state(&x);
	sim_free(&x);
}

/* 10000 writes a second over 100 Mbit/s: r = 3.3, the dirty set never shrinks below the
 * threshold, so the round limit ends it, and the stop-and-copy takes the rest. */
static void test_precopy_round_limit(void **state)
{
	struct sim x;

	(void)state;
	sim_run(&x, 16ULL << 20, 100000000, 10000, SVC_PATTERN_UNIFORM, TOPO_STRATEGY_PRECOPY, 5,
		64);
	assert_int_equal(x.rounds, 5);
	assert_true(x.round_dirty[4] > 1000);
	assert_int_equal(x.stopcopy_pages, x.round_dirty[4]);
	assert_int_equal(x.sends_per_page_max, 6);
	assert_same_state(&x);
	sim_free(&x);
}

/* No writes: one round of every page, an empty stop-and-copy. */
static void test_precopy_idle(void **state)
{
	struct sim x;

	(void)state;
	sim_run(&x, 1ULL << 20, 100000000, 0, SVC_PATTERN_UNIFORM, TOPO_STRATEGY_PRECOPY, 30, 0);
	assert_int_equal(x.rounds, 1);
	assert_int_equal(x.stopcopy_pages, 0);
	assert_int_equal(x.m.pages, 256);
	assert_same_state(&x);
	sim_free(&x);
}

/*
 * A hot set of 10% (410 pages) written 5000 times a second: rounds never hold more than the
 * hot set, and never fall under a threshold of 0, so the round limit ends it.
 */
static void test_precopy_hotset(void **state)
{
	struct sim x;

	(void)state;
	sim_run(&x, 16ULL << 20, 100000000, 5000, SVC_PATTERN_HOTSET, TOPO_STRATEGY_PRECOPY, 30, 0);
	assert_int_equal(x.src->hot_pages, 410);
	assert_int_equal(x.rounds, 30);
	assert_int_equal(x.round_dirty[0], 410);
	for (uint64_t i = 1; i < x.rounds; i++)
		assert_true(x.round_dirty[i] > 200 && x.round_dirty[i] <= 410);
	assert_same_state(&x);
	sim_free(&x);
}

/* Cold: frozen from the start, every page exactly once, nothing written meanwhile. */
static void test_cold(void **state)
{
	struct sim x;

	(void)state;
	sim_run(&x, 16ULL << 20, 100000000, 10000, SVC_PATTERN_UNIFORM, TOPO_STRATEGY_COLD, 30, 64);
	assert_int_equal(x.rounds, 0);
	assert_int_equal(x.stopcopy_pages, 4096);
	assert_int_equal(x.m.pages, 4096);
	assert_int_equal(x.sends_per_page_max, 1);
	assert_same_state(&x);
	sim_free(&x);
}

/*
 * Post-copy: the switch moves page 0 and the table pages in use, nothing else; then every
 * page goes exactly once, those the destination's workload asks for first; the destination
 * writes all along, and the pages it received hash to the source's frozen state.
 */
static void test_postcopy(void **state)
{
	struct sim x;
	uint64_t table_used = 0, p, src_sum = 0, dst_sum = 0, c;

	(void)state;
	sim_run(&x, 16ULL << 20, 100000000, 2000, SVC_PATTERN_UNIFORM, TOPO_STRATEGY_POSTCOPY, 30,
		64);
	for (p = 0; p < x.src->table_pages; p++)
		table_used += svc_page_has_clients(x.src, p);
	assert_true(table_used >= 3);
	assert_int_equal(x.switch_pages, table_used);
	assert_int_equal(x.m.pages, 4096);
	assert_int_equal(x.sends_per_page_max, 1);
	assert_true(x.demand > 100);
	assert_int_equal(x.dst->absent_pages, 0);
	assert_int_equal(x.dst->hash_sum, svc_state_hash(x.src));
	/* Every write the destination made is in its pages: the stamps add up. */
	for (p = 0; p < x.src->pages; p++) {
		src_sum += *(uint64_t *)(x.src->mem + p * SVC_PAGE_SIZE);
		dst_sum += *(uint64_t *)(x.dst->mem + p * SVC_PAGE_SIZE);
	}
	assert_int_equal(dst_sum - src_sum, x.dst->written);
	/* And the clients carry on where they were. */
	assert_int_equal(svc_client_bump(x.dst, 7919, &c), 0);
	assert_int_equal(c, 2);
	sim_free(&x);
}

/* Before the switch a page may come again and replaces the copy; after it, it may not. */
static void test_install_rules(void **state)
{
	struct svc_state *s = state_new(64 << 10, 0, SVC_PATTERN_UNIFORM);
	uint8_t a[SVC_PAGE_SIZE], b[SVC_PAGE_SIZE];
	uint64_t c;

	(void)state;
	memset(a, 1, sizeof(a));
	memset(b, 2, sizeof(b));
	assert_int_equal(svc_state_incoming(s), 0);
	assert_int_equal(s->absent_pages, 16);
	assert_true(svc_page_absent(s, 15));
	/* No way to fetch a table page: the request fails instead of reading garbage. */
	assert_int_equal(svc_client_bump(s, 1, &c), -EIO);
	assert_int_equal(svc_client_count(s), 0);
	assert_true(svc_state_install(s, 3, a, true));
	assert_true(svc_state_install(s, 3, b, true));
	assert_int_equal(s->absent_pages, 15);
	assert_int_equal(s->mem[3 * SVC_PAGE_SIZE + 100], 2);
	assert_int_equal(s->hash_sum, svc_page_hash(s, 3, b));
	assert_false(svc_state_install(s, 3, a, false));
	assert_int_equal(s->mem[3 * SVC_PAGE_SIZE + 100], 2);
	assert_false(svc_state_install(s, 16, a, true));
	svc_state_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_precopy_converges),
	    cmocka_unit_test(test_precopy_round_limit),
	    cmocka_unit_test(test_precopy_idle),
	    cmocka_unit_test(test_precopy_hotset),
	    cmocka_unit_test(test_cold),
	    cmocka_unit_test(test_postcopy),
	    cmocka_unit_test(test_install_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
