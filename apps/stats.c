/* SPDX-License-Identifier: MIT */
/* The apps' pure logic: see stats.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "apps/stats.h"
#include "util/num.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int app_samples_add(struct app_samples *s, uint64_t v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		uint64_t *nv = reallocarray(s->v, cap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = v;
	return 0;
}

void app_samples_free(struct app_samples *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t app_percentile(const uint64_t *sorted, size_t n, double p)
{
	if (!n)
		return 0;
	return sorted[util_quantile_rank(n, p / 100.0) - 1];
}

void app_samples_summarize(struct app_samples *s, struct app_rtt_summary *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(s->v[0]), cmp_u64);
	ret->n = s->n;
	ret->min_ns = s->v[0];
	ret->p50_ns = app_percentile(s->v, s->n, 50);
	ret->p95_ns = app_percentile(s->v, s->n, 95);
	ret->p99_ns = app_percentile(s->v, s->n, 99);
	ret->max_ns = s->v[s->n - 1];
}

void app_recent_add(struct app_recent *r, uint64_t v)
{
	r->v[r->next] = v;
	r->next = (r->next + 1) % APP_RECENT_LEN;
	if (r->n < APP_RECENT_LEN)
		r->n++;
}

uint64_t app_recent_median(const struct app_recent *r)
{
	uint64_t tmp[APP_RECENT_LEN];

	if (!r->n)
		return 0;
	/* Ten times a second over a thousand values: a sort is cheap enough. */
	memcpy(tmp, r->v, r->n * sizeof(tmp[0]));
	qsort(tmp, r->n, sizeof(tmp[0]), cmp_u64);
	return app_percentile(tmp, r->n, 50);
}

void app_gap_add(struct app_gap *g, uint64_t t_ns)
{
	if (g->have_last) {
		if (t_ns < g->last_ns)
			return;
		if (!g->have_gap || t_ns - g->last_ns > g->max_ns) {
			g->max_ns = t_ns - g->last_ns;
			g->max_end_ns = t_ns;
			g->have_gap = true;
		}
	}
	g->have_last = true;
	g->last_ns = t_ns;
}

int app_seqwin_init(struct app_seqwin *w, size_t min_capacity)
{
	size_t cap = 1;

	memset(w, 0, sizeof(*w));
	while (cap < min_capacity) {
		if (cap > SIZE_MAX / 2 / sizeof(*w->slot))
			return -ENOMEM;
		cap *= 2;
	}
	w->slot = calloc(cap, sizeof(*w->slot));
	if (!w->slot)
		return -ENOMEM;
	w->mask = cap - 1;
	return 0;
}

void app_seqwin_free(struct app_seqwin *w)
{
	free(w->slot);
	w->slot = NULL;
}

/* Moves lo past the requests that are resolved, so lo is pending or equal to hi. */
static void seqwin_advance(struct app_seqwin *w)
{
	while (w->lo < w->hi && w->slot[w->lo & w->mask].state != APP_SEQ_PENDING)
		w->lo++;
}

bool app_seqwin_full(const struct app_seqwin *w)
{
	return w->hi - w->lo > w->mask;
}

int64_t app_seqwin_send(struct app_seqwin *w, uint64_t send_ns)
{
	struct app_seqslot *s;

	if (app_seqwin_full(w))
		return -ENOBUFS;
	s = &w->slot[w->hi & w->mask];
	s->seq = w->hi;
	s->send_ns = send_ns;
	s->state = APP_SEQ_PENDING;
	w->pending++;
	return (int64_t)w->hi++;
}

static void seqwin_lose(struct app_seqwin *w, uint64_t *ret_seq, uint64_t *ret_send_ns)
{
	struct app_seqslot *s = &w->slot[w->lo & w->mask];

	s->state = APP_SEQ_LOST;
	w->pending--;
	w->lost++;
	*ret_seq = s->seq;
	*ret_send_ns = s->send_ns;
	seqwin_advance(w);
}

int app_seqwin_expire(struct app_seqwin *w, uint64_t now_ns, uint64_t timeout_ns, uint64_t *ret_seq,
		      uint64_t *ret_send_ns)
{
	uint64_t sent;

	/* Requests are sent in time order, so the oldest pending one is the first to expire. */
	if (!app_seqwin_oldest(w, &sent))
		return 0;
	if (now_ns < sent || now_ns - sent < timeout_ns)
		return 0;
	seqwin_lose(w, ret_seq, ret_send_ns);
	return 1;
}

int app_seqwin_evict(struct app_seqwin *w, uint64_t *ret_seq, uint64_t *ret_send_ns)
{
	uint64_t sent;

	if (!app_seqwin_oldest(w, &sent))
		return 0;
	seqwin_lose(w, ret_seq, ret_send_ns);
	return 1;
}

bool app_seqwin_oldest(const struct app_seqwin *w, uint64_t *ret_send_ns)
{
	if (w->lo == w->hi)
		return false;
	*ret_send_ns = w->slot[w->lo & w->mask].send_ns;
	return true;
}

enum app_seq_verdict app_seqwin_answer(struct app_seqwin *w, uint64_t seq, uint64_t *ret_send_ns)
{
	struct app_seqslot *s;

	if (seq >= w->hi)
		return APP_SEQ_UNKNOWN;
	s = &w->slot[seq & w->mask];
	if (s->seq != seq || s->state == APP_SEQ_FREE)
		return APP_SEQ_OLD;
	*ret_send_ns = s->send_ns;
	switch (s->state) {
	case APP_SEQ_PENDING:
		s->state = APP_SEQ_ANSWERED;
		w->pending--;
		w->answered++;
		seqwin_advance(w);
		return APP_SEQ_ANSWER;
	case APP_SEQ_LOST:
		s->state = APP_SEQ_LATE_ANSWERED;
		w->late++;
		return APP_SEQ_LATE;
	default:
		w->dup++;
		return APP_SEQ_DUP;
	}
}

static bool id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '.' ||
	       c == '_' || c == ':' || c == '-';
}

bool app_instance_valid(const char *id)
{
	size_t i;

	for (i = 0; id[i]; i++)
		if (i >= APP_INSTANCE_LEN - 1 || !id_char(id[i]))
			return false;
	return i > 0;
}

void app_instance_sanitize(char ret[APP_INSTANCE_LEN], const char in[APP_INSTANCE_LEN])
{
	size_t i;

	memset(ret, 0, APP_INSTANCE_LEN);
	/* The last byte stays NUL: a 16-character id from the wire is cut to 15. */
	for (i = 0; i < APP_INSTANCE_LEN - 1 && in[i]; i++)
		ret[i] = id_char(in[i]) ? in[i] : '?';
}

int app_inst_update(struct app_inst *t, const char *id, char ret_old[APP_INSTANCE_LEN])
{
	if (t->have && !strncmp(t->cur, id, APP_INSTANCE_LEN))
		return 0;
	if (!t->have) {
		t->have = true;
		strncpy(t->cur, id, APP_INSTANCE_LEN - 1);
		return 0;
	}
	memcpy(ret_old, t->cur, APP_INSTANCE_LEN);
	memset(t->cur, 0, sizeof(t->cur));
	strncpy(t->cur, id, APP_INSTANCE_LEN - 1);
	t->changes++;
	return 1;
}

bool app_counter_check(struct app_counter *c, uint64_t v)
{
	bool ok = !c->have || v == c->last + 1;

	if (!ok)
		c->errors++;
	c->have = true;
	c->last = v;
	return ok;
}

size_t app_csv_event(char *buf, enum app_event ev, uint64_t seq, uint64_t send_ns, uint64_t recv_ns,
		     const char *instance)
{
	int n;

	switch (ev) {
	case APP_EV_SEND:
		n = snprintf(buf, APP_CSV_LINE_MAX, "send,%" PRIu64 ",%" PRIu64 ",,,\n", seq,
			     send_ns);
		break;
	case APP_EV_LOSS:
		n = snprintf(buf, APP_CSV_LINE_MAX, "loss,%" PRIu64 ",%" PRIu64 ",,,\n", seq,
			     send_ns);
		break;
	case APP_EV_ANSWER:
	case APP_EV_LATE:
		n = snprintf(buf, APP_CSV_LINE_MAX,
			     "%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%s\n",
			     ev == APP_EV_ANSWER ? "answer" : "late", seq, send_ns, recv_ns,
			     recv_ns - send_ns, instance);
		break;
	case APP_EV_INSTANCE:
	case APP_EV_COUNTER:
	default:
		n = snprintf(buf, APP_CSV_LINE_MAX, "%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",,%s\n",
			     ev == APP_EV_COUNTER ? "counter" : "instance", seq, send_ns, recv_ns,
			     instance);
		break;
	}
	/* Fields are bounded (20-digit numbers, 15-character ids, two counters): lines fit. */
	return n < 0 ? 0 : (size_t)n;
}

void app_fmt_ms(char *buf, size_t len, uint64_t ns)
{
	uint64_t us = ns / 1000 + (ns % 1000 >= 500);

	snprintf(buf, len, "%" PRIu64 ".%03" PRIu64, us / 1000, us % 1000);
}

double app_mbit_s(uint64_t bytes, uint64_t ns)
{
	if (!ns)
		return 0;
	return (double)bytes * 8.0 * 1000.0 / (double)ns;
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* A JSON number in ms, or null when there is no value. */
static void json_ms(FILE *f, const char *key, bool have, uint64_t ns)
{
	char ms[32];

	app_fmt_ms(ms, sizeof(ms), ns);
	fprintf(f, "\"%s\":%s", key, have ? ms : "null");
}

void app_summary_text(FILE *f, const struct app_probe_summary *s)
{
	char iv[32], mn[32], p50[32], p95[32], p99[32], mx[32], gap[32];

	app_fmt_ms(iv, sizeof(iv), s->interval_ns);
	fprintf(f, "edgemu-probe %s (%s) port %u, client %" PRIu32 ", every %s ms%s\n", s->target,
		s->address, s->port, s->client_id, iv,
		s->interrupted ? ", stopped by a signal" : "");
	fprintf(f,
		"sent %" PRIu64 ", answered %" PRIu64 ", lost %" PRIu64 ", late %" PRIu64
		", in flight %" PRIu64 ", malformed %" PRIu64 ", send errors %" PRIu64 "\n",
		s->sent, s->answered, s->lost, s->late, s->in_flight, s->malformed, s->send_errors);
	if (s->rtt.n) {
		app_fmt_ms(mn, sizeof(mn), s->rtt.min_ns);
		app_fmt_ms(p50, sizeof(p50), s->rtt.p50_ns);
		app_fmt_ms(p95, sizeof(p95), s->rtt.p95_ns);
		app_fmt_ms(p99, sizeof(p99), s->rtt.p99_ns);
		app_fmt_ms(mx, sizeof(mx), s->rtt.max_ns);
		fprintf(f, "rtt min/p50/p95/p99/max %s/%s/%s/%s/%s ms\n", mn, p50, p95, p99, mx);
	} else {
		fprintf(f, "rtt min/p50/p95/p99/max -/-/-/-/- ms\n");
	}
	if (s->gap.have_gap) {
		app_fmt_ms(gap, sizeof(gap), s->gap.max_ns);
		fprintf(f, "largest gap between answers %s ms\n", gap);
	} else {
		fprintf(f, "largest gap between answers - ms\n");
	}
	fprintf(f, "instance changes %" PRIu64 ", last instance %s\n", s->instance_changes,
		s->instance ? s->instance : "-");
	if (s->counter_checked)
		fprintf(f, "counter errors %" PRIu64 "\n", s->counter_errors);
}

void app_summary_json(FILE *f, const struct app_probe_summary *s)
{
	bool r = s->rtt.n > 0;

	fputs("{\"target\":", f);
	json_string(f, s->target);
	fputs(",\"address\":", f);
	json_string(f, s->address);
	fprintf(f, ",\"port\":%u,\"client_id\":%" PRIu32 ",", s->port, s->client_id);
	json_ms(f, "interval_ms", true, s->interval_ns);
	fprintf(f,
		",\"sent\":%" PRIu64 ",\"answered\":%" PRIu64 ",\"lost\":%" PRIu64
		",\"late\":%" PRIu64 ",\"in_flight\":%" PRIu64 ",\"malformed\":%" PRIu64
		",\"send_errors\":%" PRIu64 ",\"rtt_ms\":{",
		s->sent, s->answered, s->lost, s->late, s->in_flight, s->malformed, s->send_errors);
	json_ms(f, "min", r, s->rtt.min_ns);
	fputc(',', f);
	json_ms(f, "p50", r, s->rtt.p50_ns);
	fputc(',', f);
	json_ms(f, "p95", r, s->rtt.p95_ns);
	fputc(',', f);
	json_ms(f, "p99", r, s->rtt.p99_ns);
	fputc(',', f);
	json_ms(f, "max", r, s->rtt.max_ns);
	fputs("},", f);
	json_ms(f, "max_gap_ms", s->gap.have_gap, s->gap.max_ns);
	fprintf(f, ",\"instance_changes\":%" PRIu64 ",\"instance\":", s->instance_changes);
	if (s->instance)
		json_string(f, s->instance);
	else
		fputs("null", f);
	if (s->counter_checked)
		fprintf(f, ",\"counter_errors\":%" PRIu64, s->counter_errors);
	fprintf(f, ",\"interrupted\":%s}\n", s->interrupted ? "true" : "false");
}
