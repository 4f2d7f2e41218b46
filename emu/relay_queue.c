/* SPDX-License-Identifier: MIT */
/*
 * One direction of a relayed link, as pure logic on a clock the caller gives: loss model,
 * drop-tail rate stage (a fixed rate or a Mahimahi capacity trace), delay line with jitter.
 *
 * The rate stage is FIFO and its service depends only on frames that came before, so a
 * frame's departure is fixed when it arrives: the queue computes it at once and keeps each
 * frame in a binary heap ordered by departure (jitter may reorder frames, as in netem). The
 * rate stage itself is then only a ring of leave times, which is all the drop-tail limit
 * needs to count the frames still waiting in it.
 */
#include "emu/relay.h"
#include "emu/rand.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_MS 1000000ULL
#define NS_PER_S 1000000000ULL
/* Timestamps beyond this (about 31 years) are refused so that times in ns never overflow. */
#define TRACE_MS_MAX 1000000000000ULL
/* Departures are clamped to this much after the rate stage (a Pareto tail can be huge). */
#define OFFSET_MAX_NS (1ULL << 62)

struct frame {
	uint32_t len;
	unsigned char data[];
};

struct slot {
	uint64_t depart_ns;
	uint64_t seq; /* arrival order: equal departures leave first in, first out */
	struct frame *f;
};

struct emu_rq {
	struct emu_shape s; /* s.trace is NULL: the queue keeps no path, only `trace` */
	const struct emu_trace *trace;
	uint32_t limit;
	uint64_t rng[4];
	bool bad; /* Gilbert-Elliott state */

	bool started;
	uint64_t base_ns; /* first use: time 0 of a trace */

	/* rate stage */
	uint64_t tail_ns;  /* when the last admitted frame leaves the rate stage */
	uint64_t tail_rem; /* rate: fraction of a ns after tail_ns, in 1/rate_bps ns */
	bool opp_valid;
	uint64_t opp;	   /* trace: the delivery opportunity the last frame took */
	uint32_t opp_left; /* and the bytes left in it */
	uint64_t *ring;	   /* leave times of frames still in the rate stage */
	size_t ring_cap, ring_head, ring_len;

	/* delay line */
	struct slot *heap;
	size_t heap_len, heap_cap;
	uint64_t seq;

	struct emu_rq_stats st;
};

/* --- traces --- */

static int trace_err(char *err, size_t errlen, const char *path, size_t line, int r,
		     const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int trace_err(char *err, size_t errlen, const char *path, size_t line, int r,
		     const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || !errlen)
		return r;
	if (line)
		n = snprintf(err, errlen, "%s:%zu: ", path, line);
	else
		n = snprintf(err, errlen, "%s: ", path);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* A line's timestamp: digits, then nothing but blanks and a CR. */
static bool parse_ms(const char *s, size_t len, uint64_t *ret)
{
	uint64_t v = 0;
	size_t i = 0;

	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
		len--;
	if (!len)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > TRACE_MS_MAX)
			return false;
	}
	*ret = v;
	return true;
}

int emu_trace_load(const char *path, struct emu_trace **ret, char *err, size_t errlen)
{
	struct emu_trace *t = NULL;
	size_t cap = 0, lineno = 0, linecap = 0;
	char *line = NULL;
	ssize_t len;
	FILE *f;
	int r;

	if (err && errlen)
		err[0] = '\0';
	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		return trace_err(err, errlen, path, 0, r, "%s", strerror(-r));
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		r = -ENOMEM;
		goto err;
	}
	while ((len = getline(&line, &linecap, f)) >= 0) {
		uint64_t ms;

		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (!parse_ms(line, (size_t)len, &ms)) {
			while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' ||
				       line[len - 1] == '\t'))
				line[--len] = '\0';
			r = trace_err(err, errlen, path, lineno, -EINVAL,
				      "'%.40s%s' is not a millisecond timestamp", line,
				      len > 40 ? "..." : "");
			goto err;
		}
		if (t->n && ms < t->ms[t->n - 1]) {
			r = trace_err(err, errlen, path, lineno, -EINVAL,
				      "timestamps go backwards (%llu after %llu)",
				      (unsigned long long)ms, (unsigned long long)t->ms[t->n - 1]);
			goto err;
		}
		if (t->n == cap) {
			size_t ncap = cap ? 2 * cap : 1024;
			uint64_t *p = realloc(t->ms, ncap * sizeof(*p));

			if (!p) {
				r = -ENOMEM;
				goto err;
			}
			t->ms = p;
			cap = ncap;
		}
		t->ms[t->n++] = ms;
	}
	if (ferror(f)) {
		r = trace_err(err, errlen, path, 0, -EIO, "read error");
		goto err;
	}
	if (!t->n) {
		r = trace_err(err, errlen, path, 0, -EINVAL, "no timestamps");
		goto err;
	}
	if (!t->ms[t->n - 1]) {
		r = trace_err(err, errlen, path, lineno, -EINVAL,
			      "the last timestamp (the period) must be above 0");
		goto err;
	}
	t->period_ms = t->ms[t->n - 1];
	free(line);
	fclose(f);
	*ret = t;
	return 0;
err:
	if (r == -ENOMEM && err && errlen && !err[0])
		trace_err(err, errlen, path, 0, r, "%s", strerror(ENOMEM));
	free(line);
	fclose(f);
	emu_trace_free(t);
	return r;
}

void emu_trace_free(struct emu_trace *t)
{
	if (!t)
		return;
	free(t->ms);
	free(t);
}

/* --- random numbers: xoshiro256** seeded through splitmix64 --- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* Uniform in [0, 1). */
static double rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * 0x1.0p-53;
}

void emu_rand_seed(uint64_t rng[4], uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		rng[i] = splitmix64(&seed);
}

/* --- loss --- */

static bool chance(uint64_t *rng, double p)
{
	/* p = 0 and p = 1 cost no draw and are exact. */
	if (p <= 0)
		return false;
	if (p >= 1)
		return true;
	return rng_unit(rng) < p;
}

/*
 * netem's Gilbert-Elliott: the state a packet finds decides its loss probability, and the
 * transition is drawn for every packet before that.
 */
bool emu_rand_lose(uint64_t rng[4], bool *bad, const struct emu_loss *l)
{
	bool was_bad = *bad;

	switch (l->model) {
	case EMU_LOSS_RANDOM:
		return chance(rng, l->p);
	case EMU_LOSS_GILBERT:
		if (was_bad) {
			if (chance(rng, l->r))
				*bad = false;
			return chance(rng, 1 - l->h);
		}
		if (chance(rng, l->p))
			*bad = true;
		return chance(rng, 1 - l->k);
	case EMU_LOSS_NONE:
		break;
	}
	return false;
}

/* --- jitter --- */

double emu_rand_jitter(uint64_t rng[4], enum emu_dist dist)
{
	double u, v;

	switch (dist) {
	case EMU_DIST_NORMAL:
		/* Box-Muller; u in (0, 1] keeps the logarithm finite. */
		u = 1.0 - rng_unit(rng);
		v = rng_unit(rng);
		return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
	case EMU_DIST_UNIFORM:
		return 2.0 * rng_unit(rng) - 1.0;
	case EMU_DIST_PARETO:
		/*
		 * Pareto with x_m = 1 and shape 3 (mean 3/2, standard deviation sqrt(3)/2),
		 * standardised: a floor at -1/sqrt(3) and a heavy tail of late frames.
		 */
		u = 1.0 - rng_unit(rng);
		return (pow(u, -1.0 / 3.0) - 1.5) / (sqrt(3.0) / 2.0);
	case EMU_DIST_NONE:
		break;
	}
	return 0;
}

/* Departure for a frame that leaves the rate stage at leave_ns. */
static uint64_t delay_line(struct emu_rq *q, uint64_t leave_ns)
{
	uint64_t d = q->s.delay_ns < OFFSET_MAX_NS ? q->s.delay_ns : OFFSET_MAX_NS;
	double off;

	/* Integers only without jitter: exact whatever the size of delay_ns. */
	if (!q->s.jitter_ns || q->s.dist == EMU_DIST_NONE)
		return leave_ns + d;
	off = (double)d + emu_rand_jitter(q->rng, q->s.dist) * (double)q->s.jitter_ns;
	if (!(off > 0))
		off = 0; /* never before the rate stage lets it go */
	if (off > (double)OFFSET_MAX_NS)
		off = (double)OFFSET_MAX_NS;
	return leave_ns + (uint64_t)llround(off);
}

/* --- rate stage --- */

static bool has_rate_stage(const struct emu_rq *q)
{
	return q->trace || q->s.rate_bps;
}

static uint64_t opp_time(const struct emu_rq *q, uint64_t k)
{
	const struct emu_trace *t = q->trace;

	return q->base_ns + ((k / t->n) * t->period_ms + t->ms[k % t->n]) * NS_PER_MS;
}

/* The first delivery opportunity at or after t_ns. */
static uint64_t opp_first(const struct emu_rq *q, uint64_t t_ns)
{
	const struct emu_trace *t = q->trace;
	uint64_t rel = t_ns > q->base_ns ? t_ns - q->base_ns : 0;
	uint64_t m = (rel + NS_PER_MS - 1) / NS_PER_MS, c = m / t->period_ms;
	uint64_t off = m % t->period_ms;
	size_t lo = 0, hi = t->n - 1;

	/* On a period boundary the previous cycle's last opportunity (at the period) is first. */
	if (!off && c) {
		c--;
		off = t->period_ms;
	}
	/* ms[n - 1] is the period, at least off: the lower bound is always inside the cycle. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->ms[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return c * t->n + lo;
}

/* When a frame of len bytes arriving at now_ns leaves the rate stage. */
static uint64_t rate_stage(struct emu_rq *q, uint64_t now_ns, uint32_t len)
{
	if (q->trace) {
		uint64_t k;

		if (q->opp_valid && opp_time(q, q->opp) >= now_ns && len <= q->opp_left) {
			q->opp_left -= len;
			return opp_time(q, q->opp);
		}
		if (q->opp_valid && opp_time(q, q->opp) >= now_ns)
			k = q->opp + 1;
		else
			k = opp_first(q, now_ns > q->tail_ns ? now_ns : q->tail_ns);
		/* A frame larger than an opportunity takes a whole one. */
		q->opp = k;
		q->opp_valid = true;
		q->opp_left = len < EMU_TRACE_MTU ? EMU_TRACE_MTU - len : 0;
		q->tail_ns = opp_time(q, k);
		return q->tail_ns;
	}
	if (q->s.rate_bps) {
		unsigned __int128 total;

		if (now_ns > q->tail_ns) {
			q->tail_ns = now_ns;
			q->tail_rem = 0;
		}
		/* Keep the remainder, so that no rounding builds up over a long backlog. */
		total = (unsigned __int128)len * 8 * NS_PER_S + q->tail_rem;
		q->tail_ns += (uint64_t)(total / q->s.rate_bps);
		q->tail_rem = (uint64_t)(total % q->s.rate_bps);
		return q->tail_ns;
	}
	return now_ns;
}

static void ring_prune(struct emu_rq *q, uint64_t now_ns)
{
	while (q->ring_len && q->ring[q->ring_head] <= now_ns) {
		q->ring_head = (q->ring_head + 1) % q->ring_cap;
		q->ring_len--;
	}
}

static int ring_reserve(struct emu_rq *q)
{
	uint64_t *p;
	size_t ncap;

	if (q->ring_len < q->ring_cap)
		return 0;
	ncap = q->ring_cap ? 2 * q->ring_cap : 64;
	p = malloc(ncap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < q->ring_len; i++)
		p[i] = q->ring[(q->ring_head + i) % q->ring_cap];
	free(q->ring);
	q->ring = p;
	q->ring_cap = ncap;
	q->ring_head = 0;
	return 0;
}

static void ring_push(struct emu_rq *q, uint64_t t)
{
	q->ring[(q->ring_head + q->ring_len) % q->ring_cap] = t;
	q->ring_len++;
}

/* --- delay line: a binary min-heap on (departure, arrival order) --- */

static bool slot_before(const struct slot *a, const struct slot *b)
{
	return a->depart_ns < b->depart_ns || (a->depart_ns == b->depart_ns && a->seq < b->seq);
}

static int heap_reserve(struct emu_rq *q)
{
	struct slot *p;
	size_t ncap;

	if (q->heap_len < q->heap_cap)
		return 0;
	ncap = q->heap_cap ? 2 * q->heap_cap : 64;
	p = realloc(q->heap, ncap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	q->heap = p;
	q->heap_cap = ncap;
	return 0;
}

static void heap_push(struct emu_rq *q, struct slot s)
{
	size_t i = q->heap_len++;

	while (i) {
		size_t parent = (i - 1) / 2;

		if (!slot_before(&s, &q->heap[parent]))
			break;
		q->heap[i] = q->heap[parent];
		i = parent;
	}
	q->heap[i] = s;
}

static struct slot heap_pop(struct emu_rq *q)
{
	struct slot top = q->heap[0], last = q->heap[--q->heap_len];
	size_t i = 0, n = q->heap_len;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && slot_before(&q->heap[c + 1], &q->heap[c]))
			c++;
		if (!slot_before(&q->heap[c], &last))
			break;
		q->heap[i] = q->heap[c];
		i = c;
	}
	if (n)
		q->heap[i] = last;
	return top;
}

/* --- the queue --- */

static bool prob_ok(double p)
{
	return p >= 0 && p <= 1; /* false for NaN too */
}

int emu_rand_shape_check(const struct emu_shape *s, const struct emu_trace *trace)
{
	switch (s->dist) {
	case EMU_DIST_NONE:
	case EMU_DIST_NORMAL:
	case EMU_DIST_UNIFORM:
	case EMU_DIST_PARETO:
		break;
	default:
		return -EINVAL;
	}
	switch (s->loss.model) {
	case EMU_LOSS_NONE:
		break;
	case EMU_LOSS_RANDOM:
		if (!prob_ok(s->loss.p))
			return -EINVAL;
		break;
	case EMU_LOSS_GILBERT:
		if (!prob_ok(s->loss.p) || !prob_ok(s->loss.r) || !prob_ok(s->loss.h) ||
		    !prob_ok(s->loss.k))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (trace && (!trace->n || !trace->ms || !trace->period_ms ||
		      trace->ms[trace->n - 1] != trace->period_ms))
		return -EINVAL;
	return 0;
}

int emu_rq_new(const struct emu_shape *s, const struct emu_trace *trace, uint64_t seed,
	       struct emu_rq **ret)
{
	struct emu_rq *q;
	int r;

	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	emu_rand_seed(q->rng, seed);
	r = emu_rq_set(q, s, trace);
	if (r < 0) {
		free(q);
		return r;
	}
	*ret = q;
	return 0;
}

void emu_rq_free(struct emu_rq *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->heap_len; i++)
		free(q->heap[i].f);
	free(q->heap);
	free(q->ring);
	free(q);
}

int emu_rq_set(struct emu_rq *q, const struct emu_shape *s, const struct emu_trace *trace)
{
	int r = emu_rand_shape_check(s, trace);

	if (r < 0)
		return r;
	/* A new trace, or a switch between rate and trace, starts at a fresh opportunity. */
	if (trace != q->trace || !trace)
		q->opp_valid = false;
	if (s->rate_bps != q->s.rate_bps || trace)
		q->tail_rem = 0;
	q->s = *s;
	q->s.trace = NULL;
	q->trace = trace;
	q->limit = s->limit ? s->limit : EMU_SHAPE_DEFAULT_LIMIT;
	if (s->loss.model != EMU_LOSS_GILBERT)
		q->bad = false;
	return 0;
}

enum emu_rq_verdict emu_rq_enqueue(struct emu_rq *q, uint64_t now_ns, const void *frame,
				   uint32_t len)
{
	struct slot s;
	size_t held;
	uint64_t leave;

	if (!q->started) {
		q->started = true;
		q->base_ns = now_ns;
	}
	q->st.in++;
	if (emu_rand_lose(q->rng, &q->bad, &q->s.loss)) {
		q->st.lost++;
		return EMU_RQ_LOST;
	}
	ring_prune(q, now_ns);
	held = has_rate_stage(q) ? q->ring_len : q->heap_len;
	if (held >= q->limit || !len || len > EMU_RQ_FRAME_MAX) {
		q->st.dropped++;
		return EMU_RQ_DROPPED;
	}
	/* Take every resource first: a frame that cannot be held must not move the clock. */
	s.f = malloc(sizeof(*s.f) + len);
	if (!s.f || heap_reserve(q) < 0 || (has_rate_stage(q) && ring_reserve(q) < 0)) {
		free(s.f);
		q->st.dropped++;
		return EMU_RQ_DROPPED;
	}
	s.f->len = len;
	memcpy(s.f->data, frame, len);
	leave = rate_stage(q, now_ns, len);
	if (has_rate_stage(q) && leave > now_ns)
		ring_push(q, leave);
	s.depart_ns = delay_line(q, leave);
	s.seq = q->seq++;
	heap_push(q, s);
	return EMU_RQ_QUEUED;
}

uint64_t emu_rq_next(const struct emu_rq *q)
{
	return q->heap_len ? q->heap[0].depart_ns : UINT64_MAX;
}

uint32_t emu_rq_dequeue(struct emu_rq *q, uint64_t now_ns, void *buf, uint32_t cap)
{
	struct slot s;
	uint32_t len;

	if (!q->heap_len || q->heap[0].depart_ns > now_ns)
		return 0;
	s = heap_pop(q);
	len = s.f->len;
	/* Like recv with MSG_TRUNC: a short buffer gets the start, the caller sees the size. */
	memcpy(buf, s.f->data, len < cap ? len : cap);
	free(s.f);
	q->st.out++;
	q->st.bytes_out += len;
	return len;
}

void emu_rq_stats(const struct emu_rq *q, struct emu_rq_stats *ret)
{
	*ret = q->st;
}
