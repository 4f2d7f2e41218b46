/* SPDX-License-Identifier: MIT */
/*
 * The pure logic of the apps, kept apart from sockets and timers so unit tests can drive it:
 * argument values, RTT percentiles, the largest gap between answers, loss bookkeeping by
 * sequence number, instance changes, and the probe's summary and event lines.
 */
#ifndef EDGEMU_APPS_STATS_H
#define EDGEMU_APPS_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "apps/proto.h"
#include "util/opt.h"

/* RTT samples, kept whole so the percentiles at the end are exact. */
struct app_samples {
	uint64_t *v;
	size_t n;
	size_t cap;
};

int app_samples_add(struct app_samples *s, uint64_t v);
void app_samples_free(struct app_samples *s);

/*
 * Nearest-rank percentile of n sorted values: the smallest value with at least p percent of
 * the values at or below it, so it is always a value that was measured. 0 when n is 0.
 */
uint64_t app_percentile(const uint64_t *sorted, size_t n, double p);

struct app_rtt_summary {
	size_t n;
	uint64_t min_ns;
	uint64_t p50_ns;
	uint64_t p95_ns;
	uint64_t p99_ns;
	uint64_t max_ns;
};

/* Sorts the samples in place; all zero when there are none. */
void app_samples_summarize(struct app_samples *s, struct app_rtt_summary *ret);

/* The last APP_RECENT_LEN samples, for a live median that follows current conditions. */
#define APP_RECENT_LEN 1000

struct app_recent {
	uint64_t v[APP_RECENT_LEN];
	size_t n;
	size_t next;
};

void app_recent_add(struct app_recent *r, uint64_t v);
/* Upper median of the window (nearest-rank p50); 0 when empty. */
uint64_t app_recent_median(const struct app_recent *r);

/*
 * The largest gap between consecutive answers: downtime as the client sees it. Times must
 * not go backwards; an earlier time than the last one is ignored.
 */
struct app_gap {
	bool have_last;
	bool have_gap;
	uint64_t last_ns;
	uint64_t max_ns;
	uint64_t max_end_ns; /* when the largest gap ended */
};

void app_gap_add(struct app_gap *g, uint64_t t_ns);

/*
 * Loss bookkeeping by sequence number. Requests are numbered 0, 1, 2... as they are sent;
 * each stays pending until answered or until it is declared lost. The window remembers the
 * last `capacity` requests, so an answer that comes after its request was declared lost is
 * recognized as late rather than new.
 */
enum app_seq_state {
	APP_SEQ_FREE = 0,
	APP_SEQ_PENDING,
	APP_SEQ_ANSWERED,
	APP_SEQ_LOST,
	APP_SEQ_LATE_ANSWERED,
};

enum app_seq_verdict {
	APP_SEQ_ANSWER,	 /* first answer in time */
	APP_SEQ_LATE,	 /* first answer to a request already declared lost */
	APP_SEQ_DUP,	 /* a request answered before */
	APP_SEQ_OLD,	 /* older than the window: it was resolved long ago, as answered or lost */
	APP_SEQ_UNKNOWN, /* never sent */
};

struct app_seqslot {
	uint64_t seq;
	uint64_t send_ns;
	uint8_t state; /* enum app_seq_state */
};

struct app_seqwin {
	struct app_seqslot *slot;
	size_t mask;
	uint64_t lo; /* oldest request that is not answered or lost yet, or hi */
	uint64_t hi; /* the next sequence number */
	uint64_t pending;
	uint64_t answered;
	uint64_t lost;
	uint64_t late;
	uint64_t dup;
};

/* Capacity is min_capacity rounded up to a power of two. */
int app_seqwin_init(struct app_seqwin *w, size_t min_capacity);
void app_seqwin_free(struct app_seqwin *w);
/* True when the next send needs the oldest pending request declared lost first. */
bool app_seqwin_full(const struct app_seqwin *w);
/* Records the next request, sent at send_ns; returns its sequence number. -ENOBUFS if full. */
int64_t app_seqwin_send(struct app_seqwin *w, uint64_t send_ns);
/*
 * Declares lost the oldest pending request when it was sent at or before now_ns - timeout_ns.
 * Returns 1 with its sequence number and send time, 0 when none is due. Call in a loop.
 */
int app_seqwin_expire(struct app_seqwin *w, uint64_t now_ns, uint64_t timeout_ns, uint64_t *ret_seq,
		      uint64_t *ret_send_ns);
/* Declares the oldest pending request lost whatever its age (to make room). */
int app_seqwin_evict(struct app_seqwin *w, uint64_t *ret_seq, uint64_t *ret_send_ns);
/* Send time of the oldest pending request: its loss deadline is that plus the timeout. */
bool app_seqwin_oldest(const struct app_seqwin *w, uint64_t *ret_send_ns);
/* An answer to seq; *ret_send_ns is its send time when the window still knows it. */
enum app_seq_verdict app_seqwin_answer(struct app_seqwin *w, uint64_t seq, uint64_t *ret_send_ns);

/*
 * Instance ids. A valid one (for --id) is 1 to 15 of [A-Za-z0-9._:-], so it needs no
 * quoting in CSV or JSON. Ids read from the wire are made safe the same way: cut at the first
 * NUL, every other byte outside the set replaced by '?'.
 */
bool app_instance_valid(const char *id);
void app_instance_sanitize(char ret[APP_INSTANCE_LEN], const char in[APP_INSTANCE_LEN]);

struct app_inst {
	bool have;
	char cur[APP_INSTANCE_LEN];
	uint64_t changes;
};

/* 1 when id differs from the current one (old id in ret_old), 0 otherwise (and the first). */
int app_inst_update(struct app_inst *t, const char *id, char ret_old[APP_INSTANCE_LEN]);

/*
 * The stateful service's counter as one client sees it (probe --check-counter): the service
 * counts the requests it answered, so each answer must carry exactly one more than the answer
 * before it. A lost request was never answered and does not count; a repeat, a step back or a
 * jump is state lost, rolled back or answered twice. After a violation the new value is taken
 * as the reference, so one rollback counts once, not on every later answer.
 */
struct app_counter {
	bool have;
	uint64_t last;
	uint64_t errors;
};

/* True when v follows the last value (or is the first); false, counted, otherwise. */
bool app_counter_check(struct app_counter *c, uint64_t v);

/* Probe events, one CSV line each: event,seq,t_send_ns,t_recv_ns,rtt_ns,instance. */
enum app_event {
	APP_EV_SEND,
	APP_EV_ANSWER,
	APP_EV_LOSS,
	APP_EV_LATE,
	APP_EV_INSTANCE,
	APP_EV_COUNTER,
};

#define APP_CSV_HEADER "event,seq,t_send_ns,t_recv_ns,rtt_ns,instance\n"
#define APP_CSV_LINE_MAX 128

/*
 * Writes one line (with its newline) into buf, which holds APP_CSV_LINE_MAX bytes; returns
 * its length. Fields an event does not have are empty: send has only seq and t_send; loss
 * also has no receive time; instance carries "old->new" in the instance field, counter the
 * expected and the received counter ("41->43") there, and no RTT.
 */
size_t app_csv_event(char *buf, enum app_event ev, uint64_t seq, uint64_t send_ns, uint64_t recv_ns,
		     const char *instance);

/* ns as milliseconds with three decimals, rounded to the microsecond: "10.235". */
void app_fmt_ms(char *buf, size_t len, uint64_t ns);

/* Megabits per second; 0 when ns is 0. */
double app_mbit_s(uint64_t bytes, uint64_t ns);

struct app_probe_summary {
	const char *target;
	const char *address;
	uint16_t port;
	uint32_t client_id;
	uint64_t interval_ns;
	uint64_t sent;
	uint64_t answered;
	uint64_t lost;
	uint64_t late;
	uint64_t in_flight; /* pending when a signal stopped the probe: not answered, not lost */
	uint64_t malformed;
	uint64_t send_errors;
	struct app_rtt_summary rtt;
	struct app_gap gap;
	uint64_t instance_changes;
	const char *instance; /* last instance that answered, NULL if none */
	bool interrupted;
	bool counter_checked; /* --check-counter: counter_errors is printed */
	uint64_t counter_errors;
};

void app_summary_text(FILE *f, const struct app_probe_summary *s);
void app_summary_json(FILE *f, const struct app_probe_summary *s);

#endif
