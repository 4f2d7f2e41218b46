/* SPDX-License-Identifier: MIT */
/*
 * edgemu-svc's state on a virtual clock: per-client counters in the pages, the workload's
 * rate, patterns and seed, the dirty bitmap, sizes and option values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/stats.h"
#include "apps/svc_state.h"

#define MS 1000000ULL
#define S_NS 1000000000ULL

static struct svc_state *state_new(uint64_t bytes)
{
	struct svc_state *s = NULL;

	assert_int_equal(svc_state_new(bytes, &s), 0);
	assert_non_null(s);
	return s;
}

/* Bits set, counted the slow way through the iterator. */
static uint64_t dirty_walk(const struct svc_state *s)
{
	uint64_t p, n = 0;

	for (p = svc_dirty_next(s, 0); p < s->pages; p = svc_dirty_next(s, p + 1))
		n++;
	return n;
}

static void test_counters(void **state)
{
	struct svc_state *s = state_new(16ULL << 20);
	uint64_t c = 0, i, id;
	int k;

	assert_int_equal(svc_client_get(s, 7, &c), -ENOENT);
	for (k = 1; k <= 5; k++) {
		assert_int_equal(svc_client_bump(s, 7, &c), 0);
		assert_int_equal(c, k);
	}
	assert_int_equal(svc_client_count(s), 1);
	/* Client 0 is a client like any other. */
	assert_int_equal(svc_client_bump(s, 0, &c), 0);
	assert_int_equal(c, 1);

	/* Thousands of clients, interleaved: each keeps its own count, none is lost. */
	for (k = 0; k < 3; k++) {
		for (i = 0; i < 10000; i++) {
			id = 1000 + i * 7919;
			assert_int_equal(svc_client_bump(s, (uint32_t)id, &c), 0);
			assert_int_equal(c, k + 1);
		}
	}
	assert_int_equal(svc_client_count(s), 10002);
	assert_int_equal(svc_client_get(s, 7, &c), 0);
	assert_int_equal(c, 5);
	for (i = 0; i < 10000; i++) {
		assert_int_equal(svc_client_get(s, (uint32_t)(1000 + i * 7919), &c), 0);
		assert_int_equal(c, 3);
	}
	/* An unsent answer is taken back. */
	assert_int_equal(svc_client_unbump(s, 7), 0);
	assert_int_equal(svc_client_bump(s, 7, &c), 0);
	assert_int_equal(c, 5);
	assert_int_equal(svc_client_unbump(s, 424242), -ENOENT);

	/* The table lives in the pages: they are dirty, the workload's are not. */
	assert_true(svc_dirty_count(s) > 0);
	assert_true(svc_dirty_next(s, 0) < s->table_pages);
	assert_int_equal(svc_dirty_next(s, s->table_pages), s->pages);
	svc_state_free(s);
}

static void test_table_full(void **state)
{
	struct svc_state *s = state_new(SVC_PAGE_SIZE);
	uint64_t c, i, max = SVC_SLOTS_PER_PAGE * 9 / 10;

	assert_int_equal(s->table_pages, 1);
	for (i = 0; i < max; i++)
		assert_int_equal(svc_client_bump(s, (uint32_t)i, &c), 0);
	assert_int_equal(svc_client_bump(s, 100000, &c), -ENOSPC);
	/* Known clients still count. */
	assert_int_equal(svc_client_bump(s, 3, &c), 0);
	assert_int_equal(c, 2);
	svc_state_free(s);
}

static void test_rate_exact(void **state)
{
	static const uint64_t rates[] = {1, 7, 1000, 2000, 9999, 100000};
	struct svc_state *s = state_new(64ULL << 20);
	uint64_t t, total, step, r, want;
	size_t i;

	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		svc_workload_set(s, rates[i], SVC_PATTERN_UNIFORM, 0, 1);
		/* Ticks of uneven length, as a loaded timerfd delivers them. */
		t = 5 * S_NS;
		assert_int_equal(svc_dirty_step(s, t), 0);
		total = 0;
		for (step = 0; t < 15 * S_NS; step++) {
			t += (step % 7 + 1) * 333333;
			if (t > 15 * S_NS)
				t = 15 * S_NS;
			total += svc_dirty_step(s, t);
		}
		want = rates[i] * 10;
		/* Exact to the page, well within 0.1%. */
		assert_int_equal(total, want);
		assert_int_equal(s->written, want);
		/* One step over a second that starts mid-tick also writes exactly the rate. */
		r = svc_dirty_step(s, t + S_NS);
		assert_int_equal(r, rates[i]);
	}
	svc_state_free(s);
}

static void test_hotset(void **state)
{
	struct svc_state *s = state_new(16ULL << 20);
	uint64_t p, n = 0;

	svc_workload_set(s, 100000, SVC_PATTERN_HOTSET, 100000, 42);
	assert_int_equal(s->hot_pages, s->pages / 10 + (s->pages % 10 >= 5));
	svc_dirty_step(s, 0);
	svc_dirty_step(s, S_NS);
	/* Every write in the hot set, and 100000 writes over 410 pages reach them all. */
	for (p = svc_dirty_next(s, 0); p < s->pages; p = svc_dirty_next(s, p + 1)) {
		assert_true(p < s->hot_pages);
		n++;
	}
	assert_int_equal(n, s->hot_pages);
	assert_int_equal(svc_dirty_count(s), s->hot_pages);

	/* A tiny fraction is still one page. */
	svc_dirty_clear(s);
	svc_workload_set(s, 1000, SVC_PATTERN_HOTSET, 1, 42);
	assert_int_equal(s->hot_pages, 1);
	svc_dirty_step(s, 0);
	svc_dirty_step(s, S_NS);
	assert_int_equal(svc_dirty_count(s), 1);
	assert_int_equal(svc_dirty_next(s, 0), 0);
	svc_state_free(s);
}

static void test_uniform_spread(void **state)
{
	struct svc_state *s = state_new(4ULL << 20);
	uint64_t half = 0, p;

	/* 1024 pages, 500 writes: about 393 distinct pages, spread over both halves. */
	svc_workload_set(s, 500, SVC_PATTERN_UNIFORM, 0, 3);
	svc_dirty_step(s, 0);
	svc_dirty_step(s, S_NS);
	assert_in_range(svc_dirty_count(s), 350, 440);
	for (p = svc_dirty_next(s, 0); p < s->pages; p = svc_dirty_next(s, p + 1))
		half += p < s->pages / 2;
	assert_in_range(half, svc_dirty_count(s) * 4 / 10, svc_dirty_count(s) * 6 / 10);
	svc_state_free(s);
}

static void test_sequential(void **state)
{
	struct svc_state *s = state_new(40 * SVC_PAGE_SIZE);
	uint64_t p;

	svc_workload_set(s, 1000, SVC_PATTERN_SEQUENTIAL, 0, 0);
	svc_dirty_step(s, 0);
	/* 25 pages: 0 to 24. */
	assert_int_equal(svc_dirty_step(s, 25 * MS), 25);
	assert_int_equal(svc_dirty_count(s), 25);
	assert_int_equal(svc_dirty_next(s, 0), 0);
	assert_int_equal(svc_dirty_next(s, 24), 24);
	assert_int_equal(svc_dirty_next(s, 25), s->pages);
	/* 20 more wrap: 25 to 39, then 0 to 4. */
	svc_dirty_clear(s);
	assert_int_equal(svc_dirty_step(s, 45 * MS), 20);
	assert_int_equal(svc_dirty_count(s), 20);
	for (p = 0; p < 40; p++)
		assert_int_equal(svc_dirty_next(s, p) == p, p < 5 || p >= 25);
	/* Each page written twice in all carries stamp 2 or 1. */
	for (p = 0; p < 40; p++)
		assert_int_equal(*(uint64_t *)(s->mem + p * SVC_PAGE_SIZE), p < 5 ? 2 : 1);
	svc_state_free(s);
}

static void test_bitmap(void **state)
{
	struct svc_state *s = state_new(1000 * SVC_PAGE_SIZE);
	static const uint64_t pages[] = {0, 1, 63, 64, 127, 500, 998, 999};
	uint64_t p;
	size_t i;

	assert_int_equal(svc_dirty_count(s), 0);
	assert_int_equal(svc_dirty_next(s, 0), s->pages);
	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		svc_page_mark(s, pages[i]);
		svc_page_mark(s, pages[i]);
	}
	assert_int_equal(svc_dirty_count(s), 8);
	assert_int_equal(dirty_walk(s), 8);
	for (i = 0, p = svc_dirty_next(s, 0); p < s->pages; p = svc_dirty_next(s, p + 1), i++)
		assert_int_equal(p, pages[i]);
	assert_int_equal(svc_dirty_next(s, 2), 63);
	assert_int_equal(svc_dirty_next(s, 128), 500);
	assert_int_equal(svc_dirty_next(s, 1000), s->pages);
	assert_int_equal(svc_dirty_next(s, UINT64_MAX), s->pages);
	svc_dirty_clear(s);
	assert_int_equal(svc_dirty_count(s), 0);
	assert_int_equal(dirty_walk(s), 0);
	svc_state_free(s);
}

static void test_seeded(void **state)
{
	struct svc_state *a = state_new(8ULL << 20), *b = state_new(8ULL << 20);
	struct svc_state *c = state_new(8ULL << 20);
	size_t words = (a->pages + 63) / 64;

	svc_workload_set(a, 3000, SVC_PATTERN_UNIFORM, 0, 99);
	svc_workload_set(b, 3000, SVC_PATTERN_UNIFORM, 0, 99);
	svc_workload_set(c, 3000, SVC_PATTERN_UNIFORM, 0, 100);
	svc_dirty_step(a, 0);
	svc_dirty_step(b, 7);
	svc_dirty_step(c, 0);
	/* The same seed: the same pages, however the time is cut into steps. */
	svc_dirty_step(a, S_NS);
	svc_dirty_step(b, S_NS / 3 + 7);
	svc_dirty_step(b, S_NS + 7);
	svc_dirty_step(c, S_NS);
	assert_memory_equal(a->dirty, b->dirty, words * sizeof(uint64_t));
	assert_memory_equal(a->mem, b->mem, a->state_bytes);
	assert_memory_not_equal(a->dirty, c->dirty, words * sizeof(uint64_t));
	svc_state_free(a);
	svc_state_free(b);
	svc_state_free(c);
}

static void test_sizes(void **state)
{
	static const uint64_t sizes[] = {4096, 8192, 1ULL << 20, 16ULL << 20, 256ULL << 20};
	struct svc_state *s = NULL;
	uint64_t c;
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		s = state_new(sizes[i]);
		assert_int_equal(s->pages, sizes[i] / 4096);
		assert_true(s->table_pages >= 1 && s->table_pages <= s->pages);
		/* Only the pages used become memory: 256 MiB is mapped, a few pages touched. */
		assert_int_equal(svc_client_bump(s, 1, &c), 0);
		svc_page_mark(s, s->pages - 1);
		assert_int_equal(svc_dirty_next(s, s->pages - 1), s->pages - 1);
		assert_true(svc_dirty_next(s, 0) < s->table_pages);
		svc_workload_set(s, 1000, SVC_PATTERN_SEQUENTIAL, 0, 0);
		svc_dirty_step(s, 0);
		svc_dirty_step(s, 3 * MS);
		assert_int_equal(s->written, 3);
		svc_state_free(s);
	}
	/* The smallest state can be made real in full. */
	s = state_new(4096);
	svc_state_populate(s);
	svc_state_free(s);
	assert_int_equal(svc_state_new(0, &s), -EINVAL);
	assert_int_equal(svc_state_new(4095, &s), -EINVAL);
	assert_int_equal(svc_state_new(4096 + 1, &s), -EINVAL);
	assert_int_equal(svc_state_new(SVC_STATE_MAX + 4096, &s), -EINVAL);
	svc_state_free(NULL);
}

static void test_parse(void **state)
{
	enum svc_pattern pat;
	uint64_t v = 4242;

	assert_int_equal(svc_parse_size("64MiB", &v), 0);
	assert_int_equal(v, 64ULL << 20);
	assert_int_equal(svc_parse_size("4KiB", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(svc_parse_size("2GiB", &v), 0);
	assert_int_equal(v, 2ULL << 30);
	assert_int_equal(svc_parse_size("8192", &v), 0);
	assert_int_equal(v, 8192);
	v = 4242;
	assert_int_equal(svc_parse_size("6KiB", &v), -EINVAL);
	assert_int_equal(svc_parse_size("1KiB", &v), -ERANGE);
	assert_int_equal(svc_parse_size("65GiB", &v), -ERANGE);
	assert_int_equal(svc_parse_size("64MB", &v), -EINVAL);
	assert_int_equal(svc_parse_size("", &v), -EINVAL);
	assert_int_equal(svc_parse_size("99999999999999999999999GiB", &v), -ERANGE);
	assert_int_equal(v, 4242);

	assert_int_equal(svc_parse_rate("2000/s", &v), 0);
	assert_int_equal(v, 2000);
	assert_int_equal(svc_parse_rate("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(svc_parse_rate("2000/m", &v), -EINVAL);
	assert_int_equal(svc_parse_rate("20000000/s", &v), -ERANGE);

	assert_int_equal(svc_parse_percent("10%", &v), 0);
	assert_int_equal(v, 100000);
	assert_int_equal(svc_parse_percent("0.5%", &v), 0);
	assert_int_equal(v, 5000);
	assert_int_equal(svc_parse_percent("100", &v), 0);
	assert_int_equal(v, SVC_PPM);
	assert_int_equal(svc_parse_percent("0%", &v), -ERANGE);
	assert_int_equal(svc_parse_percent("100.5%", &v), -ERANGE);
	assert_int_equal(svc_parse_percent("1.%", &v), -EINVAL);
	assert_int_equal(svc_parse_percent("1.00001%", &v), -EINVAL);
	assert_int_equal(svc_parse_percent("5%x", &v), -EINVAL);

	assert_int_equal(svc_parse_pattern("hotset", &pat), 0);
	assert_int_equal(pat, SVC_PATTERN_HOTSET);
	assert_int_equal(svc_parse_pattern("sequential", &pat), 0);
	assert_int_equal(pat, SVC_PATTERN_SEQUENTIAL);
	assert_int_equal(svc_parse_pattern("uniform", &pat), 0);
	assert_int_equal(pat, SVC_PATTERN_UNIFORM);
	assert_int_equal(svc_parse_pattern("random", &pat), -EINVAL);
	assert_string_equal(svc_pattern_name(SVC_PATTERN_HOTSET), "hotset");
}

/* The probe's side: what --check-counter counts, and how it writes it. */
static void test_probe_counter(void **state)
{
	static const uint64_t seen[] = {1, 2, 3, 5, 6, 6, 4, 5, 6};
	struct app_counter c = {0};
	struct app_probe_summary sum = {.target = "b", .address = "10.0.0.2", .port = 7007};
	char line[APP_CSV_LINE_MAX], *text = NULL;
	size_t i, len = 0, bad = 0;
	FILE *f;

	/* A jump (3->5), a repeat (6, 6) and a step back (6->4) count once each. */
	for (i = 0; i < sizeof(seen) / sizeof(seen[0]); i++)
		bad += !app_counter_check(&c, seen[i]);
	assert_int_equal(bad, 3);
	assert_int_equal(c.errors, 3);
	/* The first answer may carry any value: the client may have used the service before. */
	c = (struct app_counter){0};
	assert_true(app_counter_check(&c, 41));
	assert_true(app_counter_check(&c, 42));

	len = app_csv_event(line, APP_EV_COUNTER, 9, 3000, 13000, "42->44");
	assert_string_equal(line, "counter,9,3000,13000,,42->44\n");
	assert_int_equal(len, strlen(line));
	len = app_csv_event(line, APP_EV_COUNTER, UINT64_MAX, UINT64_MAX, UINT64_MAX,
			    "18446744073709551615->18446744073709551615");
	assert_int_equal(len, strlen(line));
	assert_true(len < APP_CSV_LINE_MAX);

	/* Without the option the summaries do not mention counters; with it, both do. */
	f = open_memstream(&text, &len);
	app_summary_json(f, &sum);
	app_summary_text(f, &sum);
	fclose(f);
	assert_null(strstr(text, "counter"));
	free(text);
	sum.counter_checked = true;
	sum.counter_errors = 3;
	f = open_memstream(&text, &len);
	app_summary_json(f, &sum);
	app_summary_text(f, &sum);
	fclose(f);
	assert_non_null(strstr(text, ",\"counter_errors\":3,\"interrupted\":false}\n"));
	assert_non_null(strstr(text, "\ncounter errors 3\n"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_counters),	   cmocka_unit_test(test_table_full),
	    cmocka_unit_test(test_rate_exact),	   cmocka_unit_test(test_hotset),
	    cmocka_unit_test(test_uniform_spread), cmocka_unit_test(test_sequential),
	    cmocka_unit_test(test_bitmap),	   cmocka_unit_test(test_seeded),
	    cmocka_unit_test(test_sizes),	   cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_probe_counter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
