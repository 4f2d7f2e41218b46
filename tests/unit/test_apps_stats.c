/* SPDX-License-Identifier: MIT */
/*
 * The apps' pure logic: durations and numbers as the options take them, percentiles, the
 * largest gap between answers, loss bookkeeping by sequence, instance ids and changes, the
 * probe's CSV lines and its summary in text and JSON.
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

#include "apps/proto.h"
#include "apps/stats.h"
#include "tests/unit/support.h"

static void test_duration(void **state)
{
	assert_int_equal(support_u64_ok(util_parse_duration, "0ns"), 0);
	assert_int_equal(support_u64_ok(util_parse_duration, "7ns"), 7);
	assert_int_equal(support_u64_ok(util_parse_duration, "250us"), 250000);
	assert_int_equal(support_u64_ok(util_parse_duration, "1ms"), 1000000);
	assert_int_equal(support_u64_ok(util_parse_duration, "10ms"), 10000000);
	assert_int_equal(support_u64_ok(util_parse_duration, "2s"), 2000000000ULL);
	assert_int_equal(support_u64_ok(util_parse_duration, "1.5s"), 1500000000ULL);
	assert_int_equal(support_u64_ok(util_parse_duration, "0.1ms"), 100000);
	assert_int_equal(support_u64_ok(util_parse_duration, "0.001s"), 1000000);
	assert_int_equal(support_u64_ok(util_parse_duration, "3600s"), 3600000000000ULL);
	/* Exact decimal scaling, rounded half up to the nanosecond. */
	assert_int_equal(support_u64_ok(util_parse_duration, "0.3s"), 300000000);
	assert_int_equal(support_u64_ok(util_parse_duration, "1.5ns"), 2);
	assert_int_equal(support_u64_ok(util_parse_duration, "1.49ns"), 1);
	assert_int_equal(support_u64_ok(util_parse_duration, "0.0000000004s"), 0);
	assert_int_equal(support_u64_ok(util_parse_duration, "1.0000000000000000000001s"),
			 1000000000ULL);
	assert_int_equal(support_u64_ok(util_parse_duration, "18446744073709551615ns"), UINT64_MAX);

	support_u64_bad(util_parse_duration, "", -EINVAL);
	support_u64_bad(util_parse_duration, "5",
			-EINVAL); /* the unit is required, as in scenario files */
	support_u64_bad(util_parse_duration, "ms", -EINVAL);
	support_u64_bad(util_parse_duration, "5 ms", -EINVAL);
	support_u64_bad(util_parse_duration, "5msx", -EINVAL);
	support_u64_bad(util_parse_duration, "5m", -EINVAL);
	support_u64_bad(util_parse_duration, "5MS", -EINVAL);
	support_u64_bad(util_parse_duration, "-5ms", -EINVAL);
	support_u64_bad(util_parse_duration, "+5ms", -EINVAL);
	support_u64_bad(util_parse_duration, ".5ms", -EINVAL);
	support_u64_bad(util_parse_duration, "5.ms", -EINVAL);
	support_u64_bad(util_parse_duration, "1e3ms", -EINVAL);
	support_u64_bad(util_parse_duration, "0x10ms", -EINVAL);
	support_u64_bad(util_parse_duration, "18446744073709551616ns", -ERANGE);
	support_u64_bad(util_parse_duration, "18446744074s", -ERANGE);
	assert_int_equal(util_parse_duration(NULL, &(uint64_t){0}), -EINVAL);
}

static void test_u64(void **state)
{
	uint64_t v = 9;

	assert_int_equal(util_parse_u64("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(util_parse_u64("65535", 1, 65535, &v), 0);
	assert_int_equal(v, 65535);
	assert_int_equal(util_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, UINT64_MAX);
	v = 9;
	assert_int_equal(util_parse_u64("65536", 1, 65535, &v), -ERANGE);
	assert_int_equal(util_parse_u64("0", 1, 65535, &v), -ERANGE);
	assert_int_equal(util_parse_u64("18446744073709551616", 0, UINT64_MAX, &v), -ERANGE);
	assert_int_equal(util_parse_u64("99999999999999999999x", 0, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(util_parse_u64("", 0, 10, &v), -EINVAL);
	assert_int_equal(util_parse_u64("-1", 0, 10, &v), -EINVAL);
	assert_int_equal(util_parse_u64("+1", 0, 10, &v), -EINVAL);
	assert_int_equal(util_parse_u64("1 ", 0, 10, &v), -EINVAL);
	assert_int_equal(util_parse_u64("1k", 0, 10, &v), -EINVAL);
	assert_int_equal(v, 9);
}

static void test_percentile(void **state)
{
	uint64_t one[] = {42};
	uint64_t four[] = {10, 20, 30, 40};
	uint64_t *many = malloc(2000 * sizeof(*many));
	size_t i;

	assert_non_null(many);
	assert_int_equal(app_percentile(NULL, 0, 50), 0);
	assert_int_equal(app_percentile(one, 1, 0), 42);
	assert_int_equal(app_percentile(one, 1, 50), 42);
	assert_int_equal(app_percentile(one, 1, 100), 42);
	/* Nearest rank: ceil(p/100 * n), a measured value, never an interpolation. */
	assert_int_equal(app_percentile(four, 4, 25), 10);
	assert_int_equal(app_percentile(four, 4, 26), 20);
	assert_int_equal(app_percentile(four, 4, 50), 20);
	assert_int_equal(app_percentile(four, 4, 51), 30);
	assert_int_equal(app_percentile(four, 4, 75), 30);
	assert_int_equal(app_percentile(four, 4, 99), 40);
	assert_int_equal(app_percentile(four, 4, 100), 40);
	for (i = 0; i < 2000; i++)
		many[i] = i + 1;
	/* 0.95 * 2000 is not exact in binary: it must not round up to rank 1901. */
	assert_int_equal(app_percentile(many, 2000, 95), 1900);
	assert_int_equal(app_percentile(many, 2000, 99), 1980);
	assert_int_equal(app_percentile(many, 2000, 50), 1000);
	assert_int_equal(app_percentile(many, 1999, 50), 1000);
	free(many);
}

static void test_summarize(void **state)
{
	struct app_samples s = {0};
	struct app_rtt_summary r;
	uint64_t i;

	app_samples_summarize(&s, &r);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.max_ns, 0);
	/* 1..10000 in a scrambled order (7919 is prime, so i * 7919 mod 10000 is a permutation). */
	for (i = 0; i < 10000; i++)
		assert_int_equal(app_samples_add(&s, (i * 7919) % 10000 + 1), 0);
	app_samples_summarize(&s, &r);
	assert_int_equal(r.n, 10000);
	assert_int_equal(r.min_ns, 1);
	assert_int_equal(r.p50_ns, 5000);
	assert_int_equal(r.p95_ns, 9500);
	assert_int_equal(r.p99_ns, 9900);
	assert_int_equal(r.max_ns, 10000);
	for (i = 1; i < s.n; i++)
		assert_true(s.v[i - 1] <= s.v[i]);
	app_samples_free(&s);
	assert_null(s.v);
	assert_int_equal(s.n, 0);
}

static void test_recent(void **state)
{
	struct app_recent *r = calloc(1, sizeof(*r));
	uint64_t i;

	assert_non_null(r);
	assert_int_equal(app_recent_median(r), 0);
	app_recent_add(r, 5);
	assert_int_equal(app_recent_median(r), 5);
	app_recent_add(r, 1);
	app_recent_add(r, 9);
	assert_int_equal(app_recent_median(r), 5);
	/* A thousand slow answers push the three fast ones out: the median follows. */
	for (i = 0; i < APP_RECENT_LEN; i++)
		app_recent_add(r, 100 + i % 3);
	assert_int_equal(r->n, APP_RECENT_LEN);
	assert_int_equal(app_recent_median(r), 101);
	free(r);
}

static void test_gap(void **state)
{
	struct app_gap g = {0};

	app_gap_add(&g, 1000);
	assert_false(g.have_gap);
	app_gap_add(&g, 2000);
	assert_true(g.have_gap);
	assert_int_equal(g.max_ns, 1000);
	app_gap_add(&g, 3000);
	/* 300 ms without answers: the downtime, and when it ended. */
	app_gap_add(&g, 303000);
	app_gap_add(&g, 304000);
	assert_int_equal(g.max_ns, 300000);
	assert_int_equal(g.max_end_ns, 303000);
	/* A smaller gap later does not replace it; a time going backwards is ignored. */
	app_gap_add(&g, 404000);
	app_gap_add(&g, 100);
	assert_int_equal(g.max_ns, 300000);
	assert_int_equal(g.last_ns, 404000);
	app_gap_add(&g, 404000);
	assert_int_equal(g.max_ns, 300000);
}

static void test_seqwin_basic(void **state)
{
	struct app_seqwin w;
	uint64_t send = 0, seq = 0, i;

	assert_int_equal(app_seqwin_init(&w, 5), 0);
	assert_int_equal(w.mask, 7);
	assert_false(app_seqwin_oldest(&w, &send));
	assert_int_equal(app_seqwin_answer(&w, 0, &send), APP_SEQ_UNKNOWN);
	for (i = 0; i < 4; i++)
		assert_int_equal(app_seqwin_send(&w, 1000 + i * 10), (int64_t)i);
	assert_int_equal(w.pending, 4);

	/* Out of order answers: 2 first, then 0. */
	assert_int_equal(app_seqwin_answer(&w, 2, &send), APP_SEQ_ANSWER);
	assert_int_equal(send, 1020);
	assert_int_equal(w.lo, 0);
	assert_int_equal(app_seqwin_answer(&w, 0, &send), APP_SEQ_ANSWER);
	assert_int_equal(send, 1000);
	assert_int_equal(w.lo, 1);
	assert_int_equal(app_seqwin_answer(&w, 0, &send), APP_SEQ_DUP);
	assert_int_equal(app_seqwin_answer(&w, 4, &send), APP_SEQ_UNKNOWN);
	assert_int_equal(w.answered, 2);
	assert_int_equal(w.pending, 2);
	assert_true(app_seqwin_oldest(&w, &send));
	assert_int_equal(send, 1010);

	/* Timeout 100: seq 1 (sent 1010) is due at 1110, not before; 3 (1030) at 1130. */
	assert_int_equal(app_seqwin_expire(&w, 1109, 100, &seq, &send), 0);
	assert_int_equal(app_seqwin_expire(&w, 1110, 100, &seq, &send), 1);
	assert_int_equal(seq, 1);
	assert_int_equal(send, 1010);
	/* 2 is answered and skipped; 3 is not due yet. */
	assert_int_equal(app_seqwin_expire(&w, 1110, 100, &seq, &send), 0);
	assert_int_equal(w.lo, 3);
	assert_int_equal(app_seqwin_expire(&w, 5000, 100, &seq, &send), 1);
	assert_int_equal(seq, 3);
	assert_int_equal(app_seqwin_expire(&w, 5000, 100, &seq, &send), 0);
	assert_int_equal(w.lost, 2);
	assert_int_equal(w.pending, 0);
	assert_int_equal(w.lo, w.hi);

	/* The answer to a lost request is late, once; after that a duplicate. */
	assert_int_equal(app_seqwin_answer(&w, 1, &send), APP_SEQ_LATE);
	assert_int_equal(send, 1010);
	assert_int_equal(app_seqwin_answer(&w, 1, &send), APP_SEQ_DUP);
	assert_int_equal(w.late, 1);
	assert_int_equal(w.dup, 2);
	/* Counts stay consistent: every request sent is answered or lost. */
	assert_int_equal(w.answered + w.lost + w.pending, w.hi);
	app_seqwin_free(&w);
}

static void test_seqwin_wrap(void **state)
{
	struct app_seqwin w;
	uint64_t send = 0, seq = 0, i;

	assert_int_equal(app_seqwin_init(&w, 8), 0);
	/* 1000 requests through an 8-slot window, every third one lost. */
	for (i = 0; i < 1000; i++) {
		assert_false(app_seqwin_full(&w));
		assert_int_equal(app_seqwin_send(&w, i * 10), (int64_t)i);
		if (i % 3)
			assert_int_equal(app_seqwin_answer(&w, i, &send), APP_SEQ_ANSWER);
		while (app_seqwin_expire(&w, i * 10, 30, &seq, &send))
			assert_int_equal(seq % 3, 0);
	}
	while (app_seqwin_expire(&w, UINT64_MAX, 30, &seq, &send))
		;
	assert_int_equal(w.lost, 334);
	assert_int_equal(w.answered, 666);
	assert_int_equal(w.pending, 0);
	/* A lost request still in the window is late; one the window forgot is old. */
	assert_int_equal(app_seqwin_answer(&w, 999, &send), APP_SEQ_LATE);
	assert_int_equal(app_seqwin_answer(&w, 3, &send), APP_SEQ_OLD);
	app_seqwin_free(&w);
}

static void test_seqwin_full(void **state)
{
	struct app_seqwin w;
	uint64_t send = 0, seq = 0, i;

	assert_int_equal(app_seqwin_init(&w, 4), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(app_seqwin_send(&w, i), (int64_t)i);
	assert_true(app_seqwin_full(&w));
	assert_int_equal(app_seqwin_send(&w, 4), -ENOBUFS);
	assert_int_equal(w.hi, 4);
	/* Answering the oldest makes room; answering a later one does not. */
	assert_int_equal(app_seqwin_answer(&w, 2, &send), APP_SEQ_ANSWER);
	assert_true(app_seqwin_full(&w));
	assert_int_equal(app_seqwin_evict(&w, &seq, &send), 1);
	assert_int_equal(seq, 0);
	assert_false(app_seqwin_full(&w));
	assert_int_equal(app_seqwin_send(&w, 5), 4);
	assert_int_equal(app_seqwin_answer(&w, 1, &send), APP_SEQ_ANSWER);
	/* 1 and 2 answered: the oldest pending is 3. */
	assert_int_equal(app_seqwin_evict(&w, &seq, &send), 1);
	assert_int_equal(seq, 3);
	assert_int_equal(app_seqwin_evict(&w, &seq, &send), 1);
	assert_int_equal(seq, 4);
	assert_int_equal(app_seqwin_evict(&w, &seq, &send), 0);
	assert_int_equal(w.lost, 3);
	assert_int_equal(w.answered, 2);
	app_seqwin_free(&w);
}

static void test_instance(void **state)
{
	char out[APP_INSTANCE_LEN], old[APP_INSTANCE_LEN];
	char wire[APP_INSTANCE_LEN];
	struct app_inst t = {0};

	assert_true(app_instance_valid("edge1"));
	assert_true(app_instance_valid("a.b_c:d-E9"));
	assert_true(app_instance_valid("123456789012345"));
	assert_false(app_instance_valid("1234567890123456"));
	assert_false(app_instance_valid(""));
	assert_false(app_instance_valid("a,b"));
	assert_false(app_instance_valid("a b"));
	assert_false(app_instance_valid("a\"b"));

	memset(wire, 'x', sizeof(wire));
	app_instance_sanitize(out, wire);
	assert_string_equal(out, "xxxxxxxxxxxxxxx");
	memset(wire, 0, sizeof(wire));
	memcpy(wire, "ed,ge\n1", 7);
	app_instance_sanitize(out, wire);
	assert_string_equal(out, "ed?ge?1");

	assert_int_equal(app_inst_update(&t, "e1", old), 0);
	assert_int_equal(app_inst_update(&t, "e1", old), 0);
	assert_int_equal(app_inst_update(&t, "e2", old), 1);
	assert_string_equal(old, "e1");
	assert_string_equal(t.cur, "e2");
	assert_int_equal(app_inst_update(&t, "e1", old), 1);
	assert_string_equal(old, "e2");
	assert_int_equal(app_inst_update(&t, "e1", old), 0);
	assert_int_equal(t.changes, 2);
}

/* Every line has six fields and a newline, whatever the event. */
static void assert_fields(const char *line, int want)
{
	int commas = 0;

	for (; *line && *line != '\n'; line++)
		commas += *line == ',';
	assert_int_equal(commas, want - 1);
	assert_int_equal(*line, '\n');
	assert_int_equal(line[1], 0);
}

static void test_csv(void **state)
{
	char b[APP_CSV_LINE_MAX];
	size_t n;

	n = app_csv_event(b, APP_EV_SEND, 7, 1000, 0, NULL);
	assert_string_equal(b, "send,7,1000,,,\n");
	assert_int_equal(n, strlen(b));
	app_csv_event(b, APP_EV_ANSWER, 7, 1000, 11000500, "edge1");
	assert_string_equal(b, "answer,7,1000,11000500,10999500,edge1\n");
	app_csv_event(b, APP_EV_LOSS, 8, 2000, 0, NULL);
	assert_string_equal(b, "loss,8,2000,,,\n");
	app_csv_event(b, APP_EV_LATE, 8, 2000, 1500002000, "edge1");
	assert_string_equal(b, "late,8,2000,1500002000,1500000000,edge1\n");
	app_csv_event(b, APP_EV_INSTANCE, 9, 3000, 13000, "edge1->edge2");
	assert_string_equal(b, "instance,9,3000,13000,,edge1->edge2\n");
	assert_fields(APP_CSV_HEADER, 6);

	/* The longest possible line still fits, whole. */
	n = app_csv_event(b, APP_EV_INSTANCE, UINT64_MAX, UINT64_MAX, UINT64_MAX,
			  "123456789012345->123456789012345");
	assert_true(n < APP_CSV_LINE_MAX);
	assert_fields(b, 6);
	n = app_csv_event(b, APP_EV_LATE, UINT64_MAX, 0, UINT64_MAX, "123456789012345");
	assert_true(n < APP_CSV_LINE_MAX);
	assert_fields(b, 6);
}

static void test_fmt(void **state)
{
	char b[32];

	app_fmt_ms(b, sizeof(b), 0);
	assert_string_equal(b, "0.000");
	app_fmt_ms(b, sizeof(b), 10234567);
	assert_string_equal(b, "10.235");
	app_fmt_ms(b, sizeof(b), 10234499);
	assert_string_equal(b, "10.234");
	app_fmt_ms(b, sizeof(b), 999999500);
	assert_string_equal(b, "1000.000");
	app_fmt_ms(b, sizeof(b), 1500);
	assert_string_equal(b, "0.002");

	assert_true(app_mbit_s(0, 0) == 0);
	/* 2.5 MB in one second is 20 Mbit/s. */
	assert_true(app_mbit_s(2500000, 1000000000) > 19.9999);
	assert_true(app_mbit_s(2500000, 1000000000) < 20.0001);
	assert_true(app_mbit_s(1250000, 500000000) > 19.9999);
}

static char *summary(const struct app_probe_summary *s, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (json)
		app_summary_json(f, s);
	else
		app_summary_text(f, s);
	fclose(f);
	return buf;
}

static void test_summary(void **state)
{
	struct app_probe_summary s = {
	    .target = "b\"x",
	    .address = "10.128.0.2",
	    .port = 7007,
	    .client_id = 12,
	    .interval_ns = 1000000,
	    .sent = 2000,
	    .answered = 1990,
	    .lost = 10,
	    .late = 1,
	    .rtt = {.n = 1990,
		    .min_ns = 10100000,
		    .p50_ns = 10234567,
		    .p95_ns = 10500000,
		    .p99_ns = 11000000,
		    .max_ns = 12345678},
	    .gap = {.have_gap = true, .max_ns = 12000499},
	    .instance_changes = 1,
	    .instance = "e2",
	};
	char *t;

	t = summary(&s, true);
	assert_string_equal(
	    t, "{\"target\":\"b\\\"x\",\"address\":\"10.128.0.2\",\"port\":7007,"
	       "\"client_id\":12,\"interval_ms\":1.000,\"sent\":2000,\"answered\":1990,"
	       "\"lost\":10,\"late\":1,"
	       "\"in_flight\":0,\"malformed\":0,\"send_errors\":0,\"rtt_ms\":{\"min\":10.100,"
	       "\"p50\":10.235,\"p95\":10.500,\"p99\":11.000,\"max\":12.346},\"max_gap_ms\":"
	       "12.000,\"instance_changes\":1,\"instance\":\"e2\",\"interrupted\":false}\n");
	free(t);
	t = summary(&s, false);
	assert_non_null(strstr(t, "sent 2000, answered 1990, lost 10, late 1,"));
	assert_non_null(
	    strstr(t, "rtt min/p50/p95/p99/max 10.100/10.235/10.500/11.000/12.346 ms\n"));
	assert_non_null(strstr(t, "largest gap between answers 12.000 ms\n"));
	assert_non_null(strstr(t, "instance changes 1, last instance e2\n"));
	free(t);

	/* Nothing answered: no numbers made up. */
	memset(&s.rtt, 0, sizeof(s.rtt));
	memset(&s.gap, 0, sizeof(s.gap));
	s.instance = NULL;
	s.interrupted = true;
	t = summary(&s, true);
	assert_non_null(strstr(t, "\"rtt_ms\":{\"min\":null,\"p50\":null,\"p95\":null,"
				  "\"p99\":null,\"max\":null},\"max_gap_ms\":null,"));
	assert_non_null(strstr(t, "\"instance\":null,\"interrupted\":true}"));
	free(t);
	t = summary(&s, false);
	assert_non_null(strstr(t, "stopped by a signal"));
	assert_non_null(strstr(t, "rtt min/p50/p95/p99/max -/-/-/-/- ms\n"));
	assert_non_null(strstr(t, "last instance -\n"));
	free(t);
}

static void test_proto(void **state)
{
	struct app_req req;
	struct app_answer ans;
	unsigned char raw[sizeof(ans)];

	app_req_pack(&req, 0x01020304, 0x1122334455667788ULL, 42);
	memcpy(raw, &req, sizeof(req));
	/* Network byte order on the wire, whatever the host. */
	assert_memory_equal(raw, "EDMU", 4);
	assert_int_equal(raw[4], APP_PROTO_VERSION);
	assert_int_equal(raw[5], APP_KIND_REQUEST);
	assert_memory_equal(raw + 8, "\x01\x02\x03\x04", 4);
	assert_memory_equal(raw + 16, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	assert_int_equal(raw[31], 42);
	assert_int_equal(app_proto_check(&req, sizeof(req), APP_KIND_REQUEST), 0);
	assert_int_equal(app_proto_check(&req, sizeof(req) - 1, APP_KIND_REQUEST), -EBADMSG);
	assert_int_equal(app_proto_check(&req, sizeof(req), APP_KIND_ANSWER), -EBADMSG);

	app_answer_pack(&ans, &req, "edge1\0\0\0\0\0\0\0\0\0\0", 0);
	assert_int_equal(app_proto_check(&ans, sizeof(ans), APP_KIND_ANSWER), 0);
	/* An answer is never taken for a request. */
	assert_int_equal(app_proto_check(&ans, sizeof(ans), APP_KIND_REQUEST), -EBADMSG);
	assert_int_equal(be64toh(ans.req.seq), 0x1122334455667788ULL);
	assert_int_equal(be64toh(ans.req.send_ns), 42);
	assert_string_equal(ans.instance, "edge1");
	assert_int_equal(ans.counter, 0);
	raw[0] = 'X';
	assert_int_equal(app_proto_check(raw, sizeof(req), APP_KIND_REQUEST), -EBADMSG);
	memcpy(raw, &req, sizeof(req));
	raw[4] = APP_PROTO_VERSION + 1;
	assert_int_equal(app_proto_check(raw, sizeof(req), APP_KIND_REQUEST), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_duration),	 cmocka_unit_test(test_u64),
	    cmocka_unit_test(test_percentile),	 cmocka_unit_test(test_summarize),
	    cmocka_unit_test(test_recent),	 cmocka_unit_test(test_gap),
	    cmocka_unit_test(test_seqwin_basic), cmocka_unit_test(test_seqwin_wrap),
	    cmocka_unit_test(test_seqwin_full),	 cmocka_unit_test(test_instance),
	    cmocka_unit_test(test_csv),		 cmocka_unit_test(test_fmt),
	    cmocka_unit_test(test_summary),	 cmocka_unit_test(test_proto),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
