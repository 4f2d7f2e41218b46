/* SPDX-License-Identifier: MIT */
/* The source side of a migration, as pure logic: see svc_mig.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "apps/svc_mig.h"

static bool bit_get(const uint64_t *map, uint64_t i)
{
	return (map[i / 64] >> (i % 64)) & 1;
}

static void bit_set(uint64_t *map, uint64_t i)
{
	map[i / 64] |= 1ULL << (i % 64);
}

/* The dirty set becomes this pass's pages; the bitmap collects the next pass's. */
static void snapshot(struct svc_mig_src *m, struct svc_state *s)
{
	memcpy(m->snap, s->dirty, m->words * sizeof(*m->snap));
	svc_dirty_clear(s);
}

int svc_mig_src_init(struct svc_mig_src *m, struct svc_state *s, enum topo_strategy strategy,
		     uint64_t max_rounds, uint64_t stop_below)
{
	memset(m, 0, sizeof(*m));
	m->strategy = strategy;
	m->max_rounds = max_rounds ? max_rounds : 1;
	m->stop_below = stop_below;
	m->words = (s->pages + 63) / 64;
	if (strategy == TOPO_STRATEGY_POSTCOPY) {
		m->sent = calloc(m->words, sizeof(*m->sent));
		if (!m->sent)
			return -ENOMEM;
		m->phase = SVC_MIG_SWITCHSET;
		return 0;
	}
	m->snap = malloc(m->words * sizeof(*m->snap));
	if (!m->snap)
		return -ENOMEM;
	svc_dirty_all(s);
	snapshot(m, s);
	m->phase = strategy == TOPO_STRATEGY_COLD ? SVC_MIG_STOPCOPY : SVC_MIG_LIVE;
	return 0;
}

void svc_mig_src_free(struct svc_mig_src *m)
{
	free(m->sent);
	free(m->snap);
	m->sent = NULL;
	m->snap = NULL;
}

bool svc_mig_src_frozen(const struct svc_mig_src *m)
{
	return m->phase == SVC_MIG_STOPCOPY || m->phase == SVC_MIG_SWITCHSET ||
	       m->phase == SVC_MIG_PUSH;
}

/* The run of this pass's pages from the cursor, taken out of the snapshot. */
static uint32_t next_dirty(struct svc_mig_src *m, struct svc_state *s, uint64_t *ret_first,
			   uint32_t max)
{
	uint64_t p = m->cursor, first;
	uint32_t n = 0;

	while (p < s->pages && !bit_get(m->snap, p)) {
		if (p % 64 == 0 && !m->snap[p / 64])
			p += 64;
		else
			p++;
	}
	first = p;
	for (; p < s->pages && n < max && bit_get(m->snap, p); p++, n++)
		m->snap[p / 64] &= ~(1ULL << (p % 64));
	m->cursor = p;
	*ret_first = first;
	return n;
}

/* The run of pages not sent yet from the cursor; post-copy's push. */
static uint32_t next_unsent(struct svc_mig_src *m, struct svc_state *s, uint64_t *ret_first,
			    uint32_t max)
{
	uint64_t p = m->cursor, first;
	uint32_t n = 0;

	while (p < s->pages && bit_get(m->sent, p)) {
		/* Whole words at once: after the switch most of the map is often still clear. */
		if (p % 64 == 0 && m->sent[p / 64] == ~0ULL)
			p += 64;
		else
			p++;
	}
	first = p;
	for (; p < s->pages && n < max && !bit_get(m->sent, p); p++, n++)
		bit_set(m->sent, p);
	m->cursor = p;
	*ret_first = first;
	return n;
}

/* The client table, page by page: one page per run keeps this simple and it is small. */
static uint32_t next_table(struct svc_mig_src *m, struct svc_state *s, uint64_t *ret_first)
{
	while (m->cursor < s->table_pages && !svc_page_has_clients(s, m->cursor))
		m->cursor++;
	if (m->cursor >= s->table_pages)
		return 0;
	bit_set(m->sent, m->cursor);
	*ret_first = m->cursor++;
	return 1;
}

uint32_t svc_mig_src_next(struct svc_mig_src *m, struct svc_state *s, uint64_t *ret_first,
			  uint32_t max)
{
	uint32_t n;

	if (!max)
		return 0;
	switch (m->phase) {
	case SVC_MIG_LIVE:
	case SVC_MIG_STOPCOPY:
		n = next_dirty(m, s, ret_first, max);
		break;
	case SVC_MIG_SWITCHSET:
		n = next_table(m, s, ret_first);
		break;
	case SVC_MIG_PUSH:
		n = next_unsent(m, s, ret_first, max);
		break;
	case SVC_MIG_DONE:
	default:
		n = 0;
		break;
	}
	m->pass_pages += n;
	m->pages += n;
	return n;
}

enum svc_mig_next svc_mig_src_pass_end(struct svc_mig_src *m, struct svc_state *s)
{
	m->cursor = 0;
	m->pass_pages = 0;
	switch (m->phase) {
	case SVC_MIG_LIVE:
		if (svc_dirty_count(s) <= m->stop_below || m->round + 1 >= m->max_rounds) {
			/* The agent freezes before the next call: nothing is written after this. */
			m->phase = SVC_MIG_STOPCOPY;
			snapshot(m, s);
			return SVC_MIG_NEXT_FREEZE;
		}
		m->round++;
		snapshot(m, s);
		return SVC_MIG_NEXT_ROUND;
	case SVC_MIG_STOPCOPY:
		m->phase = SVC_MIG_DONE;
		return SVC_MIG_NEXT_COMMIT;
	case SVC_MIG_SWITCHSET:
		m->phase = SVC_MIG_PUSH;
		return SVC_MIG_NEXT_SWITCH;
	case SVC_MIG_PUSH:
	case SVC_MIG_DONE:
	default:
		m->phase = SVC_MIG_DONE;
		return m->strategy == TOPO_STRATEGY_POSTCOPY ? SVC_MIG_NEXT_FINISH
							     : SVC_MIG_NEXT_COMMIT;
	}
}

bool svc_mig_src_claim(struct svc_mig_src *m, uint64_t page)
{
	if (!m->sent || bit_get(m->sent, page))
		return false;
	bit_set(m->sent, page);
	m->pages++;
	return true;
}
