/* SPDX-License-Identifier: MIT */
/*
 * The state of edgemu-svc, kept apart from sockets and clocks so unit tests can drive it and
 * the migration agent can move it: S bytes in 4 KiB pages, a per-client table inside those
 * pages, a bitmap of the pages written since it was last cleared, and a workload that writes
 * pages at a set rate on a clock the caller passes in.
 *
 * Layout. Every page starts with a 16-byte header whose first word is the page's write stamp:
 * the workload dirties a page by bumping it. The first table_pages pages hold the client table
 * after their header, 255 slots of 16 bytes each; page 0's header also holds the number of
 * clients. The layout depends on state_bytes alone, so an instance started with the same
 * --state on another host reads copied pages the same way.
 */
#ifndef EDGEMU_APPS_SVC_STATE_H
#define EDGEMU_APPS_SVC_STATE_H

#include <stdbool.h>
#include <stdint.h>

#define SVC_PAGE_SIZE 4096ULL
#define SVC_SLOT_SIZE 16
#define SVC_SLOTS_PER_PAGE (SVC_PAGE_SIZE / SVC_SLOT_SIZE - 1)
#define SVC_STATE_MAX (64ULL << 30)
#define SVC_PPM 1000000ULL

enum svc_pattern {
	SVC_PATTERN_UNIFORM,	/* any page, uniformly */
	SVC_PATTERN_HOTSET,	/* uniformly within the first hot_pages pages */
	SVC_PATTERN_SEQUENTIAL, /* page after page, wrapping at the end */
};

struct svc_state {
	uint8_t *mem;
	uint64_t state_bytes;
	uint64_t pages;
	uint64_t table_pages;
	uint64_t table_slots;

	uint64_t *dirty;      /* one bit per page, set when the page is written */
	uint64_t dirty_pages; /* bits set in dirty */

	uint64_t rate_pps; /* workload pages per second; 0: none */
	enum svc_pattern pattern;
	uint64_t hot_pages;
	uint64_t rng;
	uint64_t seq_next;
	bool started;
	uint64_t start_ns;
	uint64_t written; /* workload page writes since the start */

	/*
	 * An incoming instance (the destination of a migration) only: which pages have not
	 * arrived yet, the workload's writes waiting for each of them, and each page's hash as
	 * it arrived. NULL otherwise, and once every page is here (absent and pending).
	 */
	uint64_t *absent;
	uint64_t absent_pages;
	uint32_t *pending;
	uint64_t *page_hash;
	uint64_t hash_sum; /* svc_state_hash() of the pages as received */
	/*
	 * Post-copy: need(arg, page) is called when the client table needs an absent page now
	 * and returns 0 once svc_state_install() has put it in place, or -errno; want(arg,
	 * page) when the workload first writes an absent page (the write waits in pending).
	 */
	int (*need)(void *arg, uint64_t page);
	void (*want)(void *arg, uint64_t page);
	void *need_arg;
	/*
	 * Called with a client's new counter whenever it changes (a post-copy destination
	 * writes the client table back to its source with it); NULL: not called.
	 */
	void (*changed)(void *arg, uint32_t client_id, uint64_t counter);
};

/*
 * A state of state_bytes (a multiple of 4 KiB, 4 KiB to 64 GiB), mapped but not touched: the
 * memory is real only once svc_state_populate() (or use) writes it. -EINVAL for a bad size,
 * -ENOMEM when it cannot be mapped.
 */
int svc_state_new(uint64_t state_bytes, struct svc_state **ret);
void svc_state_free(struct svc_state *s);
/* Writes every page once, so the kernel backs all of them with memory now. */
void svc_state_populate(struct svc_state *s);

/*
 * The workload: rate_pps page writes a second, pattern, hot fraction in parts per million
 * (only for hotset; at least one page), seeded. Call before the first svc_dirty_step().
 */
void svc_workload_set(struct svc_state *s, uint64_t rate_pps, enum svc_pattern pattern,
		      uint64_t hot_ppm, uint64_t seed);

/*
 * Writes the pages due by now_ns: floor(elapsed * rate) since the first call (which only
 * sets the origin) minus those already written, so the rate is exact over any interval
 * whatever the calling pattern. Times must not go backwards. Returns the pages written.
 */
uint64_t svc_dirty_step(struct svc_state *s, uint64_t now_ns);

/* Marks page dirty (anything that writes state calls it). */
void svc_page_mark(struct svc_state *s, uint64_t page);
static inline uint64_t svc_dirty_count(const struct svc_state *s)
{
	return s->dirty_pages;
}
/* Every page dirty: a migration starts by sending all of them. */
void svc_dirty_all(struct svc_state *s);
/* The first dirty page at or after from; s->pages when there is none. */
uint64_t svc_dirty_next(const struct svc_state *s, uint64_t from);
void svc_dirty_clear(struct svc_state *s);

/*
 * Pages that are absent: the state of an instance started to receive a migration. Every
 * page starts absent; svc_state_install() puts each in place. -ENOMEM.
 */
int svc_state_incoming(struct svc_state *s);
/*
 * Page `page` as it arrived from the source. Before the switch to the destination
 * (replace=true) a page may arrive again and replaces the earlier copy; after it (post-copy,
 * replace=false) a page that is already here is kept, since it may have been written since.
 * Workload writes that waited for the page are applied. Returns true if the page was taken.
 */
bool svc_state_install(struct svc_state *s, uint64_t page, const void *data, bool replace);
static inline bool svc_page_absent(const struct svc_state *s, uint64_t page)
{
	return s->absent && (s->absent[page / 64] >> (page % 64)) & 1;
}
/* Drops the incoming bookkeeping once every page is here for good (keeps hash_sum). */
void svc_state_complete(struct svc_state *s);

/*
 * A 64-bit hash of the whole state: the sum over pages of a mix of the page number and a
 * hash of its bytes, so a receiver can keep it up to date page by page as pages arrive.
 */
uint64_t svc_state_hash(const struct svc_state *s);
uint64_t svc_page_hash(const struct svc_state *s, uint64_t page, const void *data);
/*
 * Whether page holds part of the client table in use: page 0 (it holds the count) and every
 * table page with a client. What post-copy moves with the execution state.
 */
bool svc_page_has_clients(const struct svc_state *s, uint64_t page);
/* The workload's clock moves on by delta_ns: nothing is due for a time the service was frozen. */
void svc_workload_shift(struct svc_state *s, uint64_t delta_ns);

/*
 * One more answered request for client_id: its counter rises by one, *ret_counter is the new
 * value. -ENOSPC when the table is too full to take a new client (nine in ten slots in use);
 * need()'s error when a page of the table is absent and cannot be fetched.
 */
int svc_client_bump(struct svc_state *s, uint32_t client_id, uint64_t *ret_counter);
/* Takes back a bump whose answer could not be sent: the service counts answered requests. */
int svc_client_unbump(struct svc_state *s, uint32_t client_id);
/*
 * Sets client_id's counter (adding the client if needed): a source applying what its
 * post-copy destination wrote back. -ENOSPC as svc_client_bump().
 */
int svc_client_set(struct svc_state *s, uint32_t client_id, uint64_t counter);
/*
 * Calls fn for every client in the table pages that are here (a table page that never
 * arrived holds no client), in slot order; returns how many.
 */
uint64_t svc_client_each(const struct svc_state *s,
			 void (*fn)(void *arg, uint32_t client_id, uint64_t counter), void *arg);
/* The counter of client_id; -ENOENT when the client is not in the table. */
int svc_client_get(const struct svc_state *s, uint32_t client_id, uint64_t *ret_counter);
uint64_t svc_client_count(const struct svc_state *s);

/* "64MiB", "4KiB", "1GiB" or a plain byte count; a multiple of 4 KiB, 4 KiB to 64 GiB. */
int svc_parse_size(const char *str, uint64_t *ret_bytes);
/* "2000/s" or "2000": pages per second, up to 10 million. */
int svc_parse_rate(const char *str, uint64_t *ret_pps);
/* "10%", "0.5%" or "10": a percentage above 0 and up to 100, in parts per million. */
int svc_parse_percent(const char *str, uint64_t *ret_ppm);
/* "uniform", "hotset", "sequential". */
int svc_parse_pattern(const char *str, enum svc_pattern *ret);
const char *svc_pattern_name(enum svc_pattern p);

#endif
