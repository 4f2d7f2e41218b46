/* SPDX-License-Identifier: MIT */
/* The state of edgemu-svc: see svc_state.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "apps/svc_state.h"

#define NS_PER_S 1000000000ULL
#define RATE_MAX 10000000ULL

struct slot {
	uint32_t client_id;
	uint32_t used;
	uint64_t counter;
};

_Static_assert(sizeof(struct slot) == SVC_SLOT_SIZE, "a slot is 16 bytes in the pages");

static uint8_t *page_at(const struct svc_state *s, uint64_t page)
{
	return s->mem + page * SVC_PAGE_SIZE;
}

/* Page 0's header: the write stamp, then the number of clients. */
static uint64_t *clients_word(const struct svc_state *s)
{
	return (uint64_t *)(s->mem + sizeof(uint64_t));
}

static uint64_t slot_page(uint64_t i)
{
	return i / SVC_SLOTS_PER_PAGE;
}

static struct slot *slot_at(const struct svc_state *s, uint64_t i)
{
	return (struct slot *)(page_at(s, slot_page(i)) +
			       (1 + i % SVC_SLOTS_PER_PAGE) * SVC_SLOT_SIZE);
}

int svc_state_new(uint64_t state_bytes, struct svc_state **ret)
{
	struct svc_state *s;
	void *mem;

	if (state_bytes < SVC_PAGE_SIZE || state_bytes > SVC_STATE_MAX ||
	    state_bytes % SVC_PAGE_SIZE)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->state_bytes = state_bytes;
	s->pages = state_bytes / SVC_PAGE_SIZE;
	/* One page in 64 for clients: 65280 of them at 64 MiB, 255 at the smallest sizes. */
	s->table_pages = s->pages / 64 ? s->pages / 64 : 1;
	s->table_slots = s->table_pages * SVC_SLOTS_PER_PAGE;
	s->dirty = calloc((s->pages + 63) / 64, sizeof(*s->dirty));
	if (!s->dirty)
		goto err;
	mem = mmap(NULL, state_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		goto err;
	s->mem = mem;
	s->hot_pages = s->pages;
	*ret = s;
	return 0;
err:
	free(s->dirty);
	free(s);
	return -ENOMEM;
}

void svc_state_free(struct svc_state *s)
{
	if (!s)
		return;
	if (s->mem)
		munmap(s->mem, s->state_bytes);
	free(s->dirty);
	free(s->absent);
	free(s->pending);
	free(s->page_hash);
	free(s);
}

void svc_state_populate(struct svc_state *s)
{
	uint64_t p;

	/* A write, not a read: reading an untouched page maps the shared zero page. */
	for (p = 0; p < s->pages; p++)
		*(volatile uint64_t *)page_at(s, p) = *(volatile uint64_t *)page_at(s, p);
}

void svc_workload_set(struct svc_state *s, uint64_t rate_pps, enum svc_pattern pattern,
		      uint64_t hot_ppm, uint64_t seed)
{
	unsigned __int128 hot = (unsigned __int128)s->pages * hot_ppm + SVC_PPM / 2;

	s->rate_pps = rate_pps;
	s->pattern = pattern;
	s->hot_pages = s->pages;
	if (pattern == SVC_PATTERN_HOTSET) {
		s->hot_pages = (uint64_t)(hot / SVC_PPM);
		if (!s->hot_pages)
			s->hot_pages = 1;
		if (s->hot_pages > s->pages)
			s->hot_pages = s->pages;
	}
	s->rng = seed;
	s->seq_next = 0;
	s->started = false;
	s->written = 0;
}

/* splitmix64: small, fast, and every seed (0 too) gives a good sequence. */
static uint64_t next_rand(struct svc_state *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n): multiply-shift, whose bias is below 2^-40 for any state size. */
static uint64_t rand_below(struct svc_state *s, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)next_rand(s) * n) >> 64);
}

static uint64_t pick_page(struct svc_state *s)
{
	uint64_t p;

	switch (s->pattern) {
	case SVC_PATTERN_HOTSET:
		return rand_below(s, s->hot_pages);
	case SVC_PATTERN_SEQUENTIAL:
		p = s->seq_next;
		s->seq_next = p + 1 == s->pages ? 0 : p + 1;
		return p;
	case SVC_PATTERN_UNIFORM:
	default:
		return rand_below(s, s->pages);
	}
}

uint64_t svc_dirty_step(struct svc_state *s, uint64_t now_ns)
{
	uint64_t due, n, i, p;

	if (!s->started) {
		s->started = true;
		s->start_ns = now_ns;
		return 0;
	}
	if (now_ns < s->start_ns)
		return 0;
	due = (uint64_t)((unsigned __int128)(now_ns - s->start_ns) * s->rate_pps / NS_PER_S);
	if (due <= s->written)
		return 0;
	n = due - s->written;
	for (i = 0; i < n; i++) {
		p = pick_page(s);
		if (svc_page_absent(s, p)) {
			/* Post-copy: the write waits for the page; the first one asks for it. */
			if (!s->pending[p]++ && s->want)
				s->want(s->need_arg, p);
		} else {
			(*(volatile uint64_t *)page_at(s, p))++;
		}
		svc_page_mark(s, p);
	}
	s->written = due;
	return n;
}

void svc_page_mark(struct svc_state *s, uint64_t page)
{
	uint64_t bit = 1ULL << (page % 64);

	if (s->dirty[page / 64] & bit)
		return;
	s->dirty[page / 64] |= bit;
	s->dirty_pages++;
}

uint64_t svc_dirty_next(const struct svc_state *s, uint64_t from)
{
	uint64_t w, words = (s->pages + 63) / 64, v;

	if (from >= s->pages)
		return s->pages;
	w = from / 64;
	v = s->dirty[w] & (~0ULL << (from % 64));
	for (;;) {
		if (v)
			return w * 64 + (uint64_t)__builtin_ctzll(v);
		if (++w >= words)
			return s->pages;
		v = s->dirty[w];
	}
}

void svc_dirty_all(struct svc_state *s)
{
	uint64_t words = (s->pages + 63) / 64;

	memset(s->dirty, 0xff, words * sizeof(*s->dirty));
	if (s->pages % 64)
		s->dirty[words - 1] = (1ULL << (s->pages % 64)) - 1;
	s->dirty_pages = s->pages;
}

void svc_dirty_clear(struct svc_state *s)
{
	memset(s->dirty, 0, (s->pages + 63) / 64 * sizeof(*s->dirty));
	s->dirty_pages = 0;
}

static uint64_t slot_home(const struct svc_state *s, uint32_t client_id)
{
	uint64_t h = (uint64_t)client_id * 0x9e3779b97f4a7c15ULL;

	return (uint64_t)(((unsigned __int128)h * s->table_slots) >> 64);
}

/* Page `page` of the client table is here, fetched now if it was absent. */
static int need(const struct svc_state *s, uint64_t page)
{
	if (!svc_page_absent(s, page))
		return 0;
	return s->need ? s->need(s->need_arg, page) : -EIO;
}

/*
 * The slot of client_id, or the free slot where it belongs, in *ret (NULL when neither
 * exists), its index in *ret_i. need()'s error when a table page cannot be had.
 */
static int slot_find(const struct svc_state *s, uint32_t client_id, uint64_t *ret_i,
		     struct slot **ret)
{
	uint64_t i = slot_home(s, client_id), n;
	struct slot *sl;
	int err;

	/* Linear probing; the table is never full, so a free slot ends every search. */
	*ret = NULL;
	for (n = 0; n < s->table_slots; n++) {
		err = need(s, slot_page(i));
		if (err)
			return err;
		sl = slot_at(s, i);
		if (!sl->used || sl->client_id == client_id) {
			*ret_i = i;
			*ret = sl;
			return 0;
		}
		if (++i == s->table_slots)
			i = 0;
	}
	return 0;
}

int svc_client_bump(struct svc_state *s, uint32_t client_id, uint64_t *ret_counter)
{
	uint64_t i, *clients = clients_word(s);
	struct slot *sl;
	int err = slot_find(s, client_id, &i, &sl);

	if (err)
		return err;
	if (!sl)
		return -ENOSPC;
	if (!sl->used) {
		err = need(s, 0);
		if (err)
			return err;
		/* Nine in ten at most: probe chains stay short and a free slot always exists. */
		if ((*clients + 1) * 10 > s->table_slots * 9)
			return -ENOSPC;
		sl->used = 1;
		sl->client_id = client_id;
		sl->counter = 0;
		(*clients)++;
		svc_page_mark(s, 0);
	}
	sl->counter++;
	svc_page_mark(s, slot_page(i));
	*ret_counter = sl->counter;
	if (s->changed)
		s->changed(s->need_arg, client_id, sl->counter);
	return 0;
}

int svc_client_set(struct svc_state *s, uint32_t client_id, uint64_t counter)
{
	uint64_t c, i;
	struct slot *sl;
	int err = svc_client_bump(s, client_id, &c);

	if (err)
		return err;
	err = slot_find(s, client_id, &i, &sl);
	if (err || !sl)
		return err ? err : -ENOENT;
	sl->counter = counter;
	return 0;
}

uint64_t svc_client_each(const struct svc_state *s,
			 void (*fn)(void *arg, uint32_t client_id, uint64_t counter), void *arg)
{
	uint64_t i, n = 0;

	for (i = 0; i < s->table_slots; i++) {
		const struct slot *sl;

		if (svc_page_absent(s, slot_page(i)))
			continue;
		sl = slot_at(s, i);
		if (sl->used) {
			fn(arg, sl->client_id, sl->counter);
			n++;
		}
	}
	return n;
}

int svc_client_unbump(struct svc_state *s, uint32_t client_id)
{
	uint64_t i;
	struct slot *sl;

	if (slot_find(s, client_id, &i, &sl) || !sl || !sl->used || !sl->counter)
		return -ENOENT;
	sl->counter--;
	svc_page_mark(s, slot_page(i));
	if (s->changed)
		s->changed(s->need_arg, client_id, sl->counter);
	return 0;
}

int svc_client_get(const struct svc_state *s, uint32_t client_id, uint64_t *ret_counter)
{
	uint64_t i;
	struct slot *sl;
	int err = slot_find(s, client_id, &i, &sl);

	if (err)
		return err;
	if (!sl || !sl->used)
		return -ENOENT;
	*ret_counter = sl->counter;
	return 0;
}

uint64_t svc_client_count(const struct svc_state *s)
{
	return svc_page_absent(s, 0) ? 0 : *clients_word(s);
}

int svc_state_incoming(struct svc_state *s)
{
	uint64_t words = (s->pages + 63) / 64;

	s->absent = malloc(words * sizeof(*s->absent));
	s->pending = calloc(s->pages, sizeof(*s->pending));
	s->page_hash = calloc(s->pages, sizeof(*s->page_hash));
	if (!s->absent || !s->pending || !s->page_hash) {
		svc_state_complete(s);
		return -ENOMEM;
	}
	memset(s->absent, 0xff, words * sizeof(*s->absent));
	if (s->pages % 64)
		s->absent[words - 1] = (1ULL << (s->pages % 64)) - 1;
	s->absent_pages = s->pages;
	s->hash_sum = 0;
	return 0;
}

/* The finalizer of splitmix64. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * Four lanes of multiply-xor over the page's words, folded with the page number: fast enough
 * to hash pages as they stream in, and any changed word changes the result.
 */
uint64_t svc_page_hash(const struct svc_state *s, uint64_t page, const void *data)
{
	uint64_t h[4] = {1, 2, 3, 4}, w;
	const uint8_t *b = data;
	size_t i;

	(void)s;
	for (i = 0; i < SVC_PAGE_SIZE; i += 8) {
		memcpy(&w, b + i, sizeof(w));
		h[(i / 8) % 4] = (h[(i / 8) % 4] ^ w) * 0x9e3779b97f4a7c15ULL;
	}
	return mix64(h[0] ^ mix64(h[1] ^ mix64(h[2] ^ mix64(h[3] ^ page))));
}

uint64_t svc_state_hash(const struct svc_state *s)
{
	uint64_t p, sum = 0;

	for (p = 0; p < s->pages; p++)
		sum += svc_page_hash(s, p, page_at(s, p));
	return sum;
}

bool svc_state_install(struct svc_state *s, uint64_t page, const void *data, bool replace)
{
	bool absent = svc_page_absent(s, page);
	uint64_t h;

	if (page >= s->pages || (!absent && !replace))
		return false;
	h = svc_page_hash(s, page, data);
	if (s->page_hash) {
		s->hash_sum += h - s->page_hash[page];
		s->page_hash[page] = h;
	}
	memcpy(page_at(s, page), data, SVC_PAGE_SIZE);
	if (absent) {
		*(uint64_t *)page_at(s, page) += s->pending[page];
		s->pending[page] = 0;
		s->absent[page / 64] &= ~(1ULL << (page % 64));
		s->absent_pages--;
	}
	return true;
}

void svc_state_complete(struct svc_state *s)
{
	free(s->absent);
	free(s->pending);
	free(s->page_hash);
	s->absent = NULL;
	s->pending = NULL;
	s->page_hash = NULL;
	s->absent_pages = 0;
}

bool svc_page_has_clients(const struct svc_state *s, uint64_t page)
{
	uint64_t i;

	if (page == 0)
		return true;
	if (page >= s->table_pages)
		return false;
	for (i = 0; i < SVC_SLOTS_PER_PAGE; i++)
		if (slot_at(s, page * SVC_SLOTS_PER_PAGE + i)->used)
			return true;
	return false;
}

void svc_workload_shift(struct svc_state *s, uint64_t delta_ns)
{
	s->start_ns += delta_ns;
}

/* Leading decimal digits into *ret; the rest of the string in *ret_end. */
static int parse_digits(const char *str, uint64_t *ret, const char **ret_end)
{
	uint64_t v = 0;
	const char *p = str;

	if (!str || *p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*ret = v;
	*ret_end = p;
	return 0;
}

int svc_parse_size(const char *str, uint64_t *ret_bytes)
{
	static const struct {
		const char *name;
		unsigned int shift;
	} units[] = {{"", 0}, {"KiB", 10}, {"MiB", 20}, {"GiB", 30}};
	const char *end;
	uint64_t v;
	size_t i;
	int err;

	err = parse_digits(str, &v, &end);
	if (err)
		return err;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].name))
			continue;
		if (v > SVC_STATE_MAX >> units[i].shift)
			return -ERANGE;
		v <<= units[i].shift;
		if (v < SVC_PAGE_SIZE || v > SVC_STATE_MAX)
			return -ERANGE;
		if (v % SVC_PAGE_SIZE)
			return -EINVAL;
		*ret_bytes = v;
		return 0;
	}
	return -EINVAL;
}

int svc_parse_rate(const char *str, uint64_t *ret_pps)
{
	const char *end;
	uint64_t v;
	int err;

	err = parse_digits(str, &v, &end);
	if (err)
		return err;
	if (*end && strcmp(end, "/s"))
		return -EINVAL;
	if (v > RATE_MAX)
		return -ERANGE;
	*ret_pps = v;
	return 0;
}

int svc_parse_percent(const char *str, uint64_t *ret_ppm)
{
	uint64_t whole, frac = 0, scale = 1;
	const char *end;
	int err;

	err = parse_digits(str, &whole, &end);
	if (err)
		return err;
	if (*end == '.') {
		end++;
		if (*end < '0' || *end > '9')
			return -EINVAL;
		/* A part per million is a ten-thousandth of a percent: four decimals at most. */
		for (; *end >= '0' && *end <= '9'; end++) {
			if (scale == 10000)
				return -EINVAL;
			frac = frac * 10 + (uint64_t)(*end - '0');
			scale *= 10;
		}
	}
	if (*end && strcmp(end, "%"))
		return -EINVAL;
	if (whole > 100)
		return -ERANGE;
	whole = whole * 10000 + frac * (10000 / scale);
	if (!whole || whole > SVC_PPM)
		return -ERANGE;
	*ret_ppm = whole;
	return 0;
}

static const char *const pattern_names[] = {
    [SVC_PATTERN_UNIFORM] = "uniform",
    [SVC_PATTERN_HOTSET] = "hotset",
    [SVC_PATTERN_SEQUENTIAL] = "sequential",
};

int svc_parse_pattern(const char *str, enum svc_pattern *ret)
{
	size_t i;

	for (i = 0; i < sizeof(pattern_names) / sizeof(pattern_names[0]); i++) {
		if (!strcmp(str, pattern_names[i])) {
			*ret = (enum svc_pattern)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *svc_pattern_name(enum svc_pattern p)
{
	return (unsigned int)p < sizeof(pattern_names) / sizeof(pattern_names[0]) ? pattern_names[p]
										  : "?";
}
