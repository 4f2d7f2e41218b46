/* SPDX-License-Identifier: MIT */
/*
 * A cell's scheduler: per-UE FIFOs, deficit round robin between the UEs with packets, a
 * token bucket per UE (its signal rate) and one for the cell (its capacity).
 *
 * As in sch_fq, a UE whose bucket is empty leaves the round for a min-heap ordered by the
 * time its bucket allows its next packet, and rejoins the round at that time: UEs held by
 * their own rate cost the round nothing, and the others share what they leave, which is
 * what water-filling gives. A packet leaves when the UE's credit is positive (a packet may
 * overdraw it: byte fairness without splitting packets) and both buckets allow it. Buckets
 * count time, not tokens: t_ns is when the bucket is back at zero; a packet may go when
 * t_ns <= now, and moves t_ns on by its length at the rate, from no earlier than now minus
 * the bucket's depth: burst_ns or two quanta at its rate, whichever is longer (the credit
 * an idle bucket keeps: a caller that wakes late loses no capacity, and a UE capped near
 * its fair share can absorb the round's unevenness). A UE's bucket counts that depth back
 * from when the UE began to wait for its turn rather than from now: the wait is the
 * scheduler's doing and must not cost it its cap.
 *
 * Memory is one block taken at emu_cell_new: the UE table, the heap and a pool of packet
 * slots; each UE's FIFO is a list threaded through the pool. Enqueue and dequeue are O(1)
 * (amortised), O(log UEs) when a UE enters or leaves the heap.
 */
#include "emu/cell_sched.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#define NS_PER_S 1000000000ULL
#define NONE UINT32_MAX

struct bucket {
	uint64_t rate_bps; /* 0: no limit */
	uint64_t t_ns;
	uint64_t rem; /* fraction of a ns after t_ns, in 1/rate_bps ns */
};

struct pkt {
	void *handle;
	uint32_t len;
	uint32_t next; /* the next in its UE's FIFO, or in the free list */
};

enum where { UE_FREE, UE_IDLE, UE_ACTIVE, UE_THROTTLED };

struct ue {
	enum where where;
	uint32_t head, tail; /* FIFO in the pool */
	uint32_t prev, next; /* the round (active list); next also links the free list */
	uint32_t heap_pos;   /* while throttled */
	int64_t credit;	     /* bytes */
	uint64_t ready_ns;   /* when it began to wait for its turn; UINT64_MAX: unknown */
	struct bucket b;
	struct emu_cell_ue_stats st;
};

struct emu_cell {
	struct emu_cell_conf conf; /* defaults filled in */
	struct bucket b;
	uint64_t now_ns; /* the latest time seen */
	struct ue *ue;
	struct pkt *pkt;
	uint32_t *heap; /* throttled UEs, earliest t_ns first */
	uint32_t heap_len, ue_free, pkt_free, pkts_used, act_head, act_tail;
	struct emu_cell_stats st;
};

static void conf_fill(const struct emu_cell_conf *in, struct emu_cell_conf *out)
{
	*out = *in;
	if (!out->ues_max)
		out->ues_max = EMU_CELL_DEFAULT_UES;
	if (!out->ue_pkts_max)
		out->ue_pkts_max = EMU_CELL_DEFAULT_UE_PKTS;
	if (!out->ue_bytes_max)
		out->ue_bytes_max = EMU_CELL_DEFAULT_UE_BYTES;
	if (!out->pkts_max)
		out->pkts_max = 2 * out->ue_pkts_max; /* one UE alone can fill its own queue */
	if (!out->quantum)
		out->quantum = EMU_CELL_DEFAULT_QUANTUM;
	if (!out->burst_ns)
		out->burst_ns = EMU_CELL_DEFAULT_BURST_NS;
}

/* --- token buckets, in time --- */

static bool bucket_ok(const struct bucket *b, uint64_t now_ns)
{
	return !b->rate_bps || b->t_ns <= now_ns;
}

/*
 * A packet of len bytes leaves at now_ns; the bucket could have sent since from_ns, and keeps
 * burst_ns or burst_bytes of credit, whichever is more: at a low rate a millisecond is less
 * than a packet, and a bucket that cannot hold a turn's worth of packets loses the credit
 * that the round's unevenness (two packets in a turn, one in the next) needs.
 */
static void bucket_charge(struct bucket *b, uint64_t from_ns, uint64_t now_ns, uint32_t len,
			  uint64_t burst_ns, uint64_t burst_bytes)
{
	uint64_t since = from_ns < now_ns ? from_ns : now_ns, floor, depth;
	unsigned __int128 total;

	if (!b->rate_bps)
		return;
	depth = (uint64_t)((unsigned __int128)burst_bytes * 8 * NS_PER_S / b->rate_bps);
	if (depth < burst_ns)
		depth = burst_ns;
	floor = since > depth ? since - depth : 0;
	if (b->t_ns < floor) {
		b->t_ns = floor;
		b->rem = 0;
	}
	/* Keep the remainder, so that no rounding builds up over a long backlog. */
	total = (unsigned __int128)len * 8 * NS_PER_S + b->rem;
	b->t_ns += (uint64_t)(total / b->rate_bps);
	b->rem = (uint64_t)(total % b->rate_bps);
}

/* What the bucket still owes at the old rate is owed at the new one, scaled. */
static void bucket_set(struct bucket *b, uint64_t now_ns, uint64_t rate_bps)
{
	if (b->t_ns > now_ns) {
		if (!rate_bps || !b->rate_bps)
			b->t_ns = now_ns;
		else
			b->t_ns = now_ns + (uint64_t)((unsigned __int128)(b->t_ns - now_ns) *
						      b->rate_bps / rate_bps);
	}
	b->rem = 0;
	b->rate_bps = rate_bps;
}

/* --- the throttled UEs: a binary min-heap on their bucket's t_ns --- */

static uint64_t heap_key(const struct emu_cell *c, uint32_t i)
{
	return c->ue[c->heap[i]].b.t_ns;
}

static void heap_place(struct emu_cell *c, uint32_t i, uint32_t u)
{
	c->heap[i] = u;
	c->ue[u].heap_pos = i;
}

static void heap_up(struct emu_cell *c, uint32_t i)
{
	uint32_t u = c->heap[i];
	uint64_t k = c->ue[u].b.t_ns;

	while (i) {
		uint32_t parent = (i - 1) / 2;

		if (heap_key(c, parent) <= k)
			break;
		heap_place(c, i, c->heap[parent]);
		i = parent;
	}
	heap_place(c, i, u);
}

static void heap_down(struct emu_cell *c, uint32_t i)
{
	uint32_t u = c->heap[i], n = c->heap_len;
	uint64_t k = c->ue[u].b.t_ns;

	for (;;) {
		uint32_t ch = 2 * i + 1;

		if (ch >= n)
			break;
		if (ch + 1 < n && heap_key(c, ch + 1) < heap_key(c, ch))
			ch++;
		if (heap_key(c, ch) >= k)
			break;
		heap_place(c, i, c->heap[ch]);
		i = ch;
	}
	heap_place(c, i, u);
}

static void heap_push(struct emu_cell *c, uint32_t u)
{
	c->ue[u].where = UE_THROTTLED;
	c->heap[c->heap_len] = u;
	heap_up(c, c->heap_len++);
}

static void heap_remove(struct emu_cell *c, uint32_t u)
{
	uint32_t i = c->ue[u].heap_pos, last = c->heap[--c->heap_len];

	if (i == c->heap_len)
		return;
	heap_place(c, i, last);
	heap_down(c, i);
	heap_up(c, c->ue[last].heap_pos);
}

/* --- the round: a doubly linked list of the UEs that may send --- */

static void act_push(struct emu_cell *c, uint32_t u)
{
	struct ue *p = &c->ue[u];

	p->where = UE_ACTIVE;
	p->prev = c->act_tail;
	p->next = NONE;
	if (c->act_tail == NONE)
		c->act_head = u;
	else
		c->ue[c->act_tail].next = u;
	c->act_tail = u;
}

static void act_remove(struct emu_cell *c, uint32_t u)
{
	struct ue *p = &c->ue[u];

	if (p->prev == NONE)
		c->act_head = p->next;
	else
		c->ue[p->prev].next = p->next;
	if (p->next == NONE)
		c->act_tail = p->prev;
	else
		c->ue[p->next].prev = p->prev;
	p->where = UE_IDLE;
}

/* Out of the round and the heap, whichever it is in. */
static void ue_unlink(struct emu_cell *c, uint32_t u)
{
	if (c->ue[u].where == UE_ACTIVE)
		act_remove(c, u);
	else if (c->ue[u].where == UE_THROTTLED)
		heap_remove(c, u);
	c->ue[u].where = UE_IDLE;
}

/* Back from the heap to the end of the round, with the credit it left with. */
static void rejoin(struct emu_cell *c, uint32_t u, uint64_t ready_ns)
{
	heap_remove(c, u);
	c->ue[u].ready_ns = ready_ns;
	act_push(c, u);
}

/* --- the cell --- */

size_t emu_cell_mem(const struct emu_cell_conf *conf)
{
	struct emu_cell_conf f;

	conf_fill(conf, &f);
	return sizeof(struct emu_cell) + (size_t)f.ues_max * sizeof(struct ue) +
	       (size_t)f.pkts_max * sizeof(struct pkt) + (size_t)f.ues_max * sizeof(uint32_t);
}

int emu_cell_new(const struct emu_cell_conf *conf, struct emu_cell **ret)
{
	struct emu_cell_conf f;
	struct emu_cell *c;

	conf_fill(conf, &f);
	if (f.ues_max >= NONE || f.pkts_max >= NONE || f.quantum > INT32_MAX)
		return -EINVAL;
	/* One block: the UE table and the pool are 8-byte aligned, the heap comes last. */
	c = calloc(1, emu_cell_mem(&f));
	if (!c)
		return -ENOMEM;
	c->conf = f;
	c->ue = (struct ue *)(c + 1);
	c->pkt = (struct pkt *)(c->ue + f.ues_max);
	c->heap = (uint32_t *)(c->pkt + f.pkts_max);
	c->b.rate_bps = f.capacity_bps;
	for (uint32_t i = 0; i < f.ues_max; i++)
		c->ue[i].next = i + 1 < f.ues_max ? i + 1 : NONE;
	for (uint32_t i = 0; i < f.pkts_max; i++)
		c->pkt[i].next = i + 1 < f.pkts_max ? i + 1 : NONE;
	c->ue_free = 0;
	c->pkt_free = f.pkts_max ? 0 : NONE;
	c->act_head = c->act_tail = NONE;
	*ret = c;
	return 0;
}

static uint64_t clock_at(struct emu_cell *c, uint64_t now_ns)
{
	if (now_ns > c->now_ns)
		c->now_ns = now_ns;
	return c->now_ns;
}

void emu_cell_set_capacity(struct emu_cell *c, uint64_t now_ns, uint64_t capacity_bps)
{
	bucket_set(&c->b, clock_at(c, now_ns), capacity_bps);
	c->conf.capacity_bps = capacity_bps;
}

static struct ue *ue_get(const struct emu_cell *c, int ue)
{
	if (ue < 0 || (uint32_t)ue >= c->conf.ues_max || c->ue[ue].where == UE_FREE)
		return NULL;
	return &c->ue[ue];
}

int emu_cell_ue_add(struct emu_cell *c, uint64_t rate_bps)
{
	uint32_t u = c->ue_free;
	struct ue *p;

	if (u == NONE)
		return -ENOSPC;
	p = &c->ue[u];
	c->ue_free = p->next;
	*p = (struct ue){.where = UE_IDLE, .head = NONE, .tail = NONE, .prev = NONE, .next = NONE};
	p->b.rate_bps = rate_bps;
	return (int)u;
}

int emu_cell_ue_set_rate(struct emu_cell *c, int ue, uint64_t now_ns, uint64_t rate_bps)
{
	struct ue *p = ue_get(c, ue);

	if (!p)
		return -ENOENT;
	bucket_set(&p->b, clock_at(c, now_ns), rate_bps);
	/* Its place in the heap was for the old rate: back in the round, which looks again. */
	if (p->where == UE_THROTTLED)
		rejoin(c, (uint32_t)ue, c->now_ns);
	return 0;
}

/* Take the UE's first packet off its FIFO, back to the pool. */
static struct pkt pkt_pop(struct emu_cell *c, struct ue *p)
{
	uint32_t i = p->head;
	struct pkt k = c->pkt[i];

	p->head = k.next;
	if (p->head == NONE)
		p->tail = NONE;
	c->pkts_used--;
	p->st.queued_pkts--;
	p->st.queued_bytes -= k.len;
	c->pkt[i].next = c->pkt_free;
	c->pkt_free = i;
	return k;
}

static int pkt_push(struct emu_cell *c, uint32_t u, void *handle, uint32_t len)
{
	struct ue *p = &c->ue[u];
	uint32_t i = c->pkt_free;

	/*
	 * The pool is shared by dynamic thresholds (Choudhury and Hahne's, from shared-memory
	 * switches): a UE may take a slot only while it holds fewer than are free. A UE that
	 * floods leaves room for the others (k such UEs hold at most pool / (k + 1) each), at
	 * O(1) and without pushing anyone's packets out.
	 */
	if (i == NONE || p->st.queued_pkts >= c->conf.pkts_max - c->pkts_used ||
	    p->st.queued_pkts >= c->conf.ue_pkts_max ||
	    p->st.queued_bytes + len > c->conf.ue_bytes_max)
		return -ENOBUFS;
	c->pkt_free = c->pkt[i].next;
	c->pkts_used++;
	c->pkt[i] = (struct pkt){.handle = handle, .len = len, .next = NONE};
	if (p->tail == NONE)
		p->head = i;
	else
		c->pkt[p->tail].next = i;
	p->tail = i;
	p->st.queued_pkts++;
	p->st.queued_bytes += len;
	if (p->where == UE_IDLE) {
		/* A debt from an overdrawn turn is kept; idle time earns no more than a turn. */
		if (p->credit >= 0)
			p->credit = c->conf.quantum;
		p->ready_ns = UINT64_MAX; /* enqueue has no clock: from when it is served */
		act_push(c, u);
	}
	return 0;
}

/* Drop what a UE has queued, through drop; their count. */
static int ue_drain(struct emu_cell *c, struct ue *p, emu_cell_drop_fn drop, void *arg)
{
	int n = 0;

	while (p->head != NONE) {
		struct pkt k = pkt_pop(c, p);

		if (drop)
			drop(k.handle, arg);
		n++;
	}
	return n;
}

static void ue_release(struct emu_cell *c, uint32_t u)
{
	ue_unlink(c, u);
	c->ue[u].where = UE_FREE;
	c->ue[u].next = c->ue_free;
	c->ue_free = u;
}

int emu_cell_ue_remove(struct emu_cell *c, int ue, emu_cell_drop_fn drop, void *arg)
{
	struct ue *p = ue_get(c, ue);
	int n;

	if (!p)
		return -ENOENT;
	ue_unlink(c, (uint32_t)ue);
	n = ue_drain(c, p, drop, arg);
	c->st.removed += (uint64_t)n;
	ue_release(c, (uint32_t)ue);
	return n;
}

int emu_cell_ue_move(struct emu_cell *from, int ue, struct emu_cell *to, emu_cell_drop_fn drop,
		     void *arg)
{
	struct ue *p = ue_get(from, ue);
	int nu;

	if (!p)
		return -ENOENT;
	if (from == to)
		return ue;
	nu = emu_cell_ue_add(to, p->b.rate_bps);
	if (nu < 0)
		return nu;
	ue_unlink(from, (uint32_t)ue);
	while (p->head != NONE) {
		struct pkt k = pkt_pop(from, p);

		if (pkt_push(to, (uint32_t)nu, k.handle, k.len) < 0) {
			if (drop)
				drop(k.handle, arg);
			from->st.removed++;
			continue;
		}
		from->st.moved_out++;
		to->st.moved_in++;
	}
	ue_release(from, (uint32_t)ue);
	return nu;
}

void emu_cell_free(struct emu_cell *c, emu_cell_drop_fn drop, void *arg)
{
	if (!c)
		return;
	for (uint32_t u = 0; u < c->conf.ues_max; u++)
		if (c->ue[u].where != UE_FREE)
			ue_drain(c, &c->ue[u], drop, arg);
	free(c);
}

int emu_cell_enqueue(struct emu_cell *c, int ue, void *handle, uint32_t len)
{
	struct ue *p = ue_get(c, ue);

	if (!p)
		return -ENOENT;
	if (!len || len > EMU_CELL_PKT_MAX)
		return -EINVAL;
	if (pkt_push(c, (uint32_t)ue, handle, len) < 0) {
		p->st.dropped++;
		c->st.dropped++;
		return -ENOBUFS;
	}
	p->st.in++;
	c->st.in++;
	return 0;
}

/*
 * The UE whose turn it is and whose bucket lets it send at now_ns, or NONE: UEs back from
 * the heap join the round's end, UEs out of rate leave it for the heap, and a UE whose
 * credit is spent earns a quantum and goes to the end (a UE in debt from a packet larger
 * than the quantum goes round until the debt is paid).
 */
static uint32_t round_head(struct emu_cell *c, uint64_t now_ns)
{
	while (c->heap_len && heap_key(c, 0) <= now_ns) {
		uint32_t u = c->heap[0];

		rejoin(c, u, c->ue[u].b.t_ns);
	}
	for (;;) {
		uint32_t u = c->act_head;
		struct ue *p;

		if (u == NONE)
			return NONE;
		p = &c->ue[u];
		if (!bucket_ok(&p->b, now_ns)) {
			act_remove(c, u);
			heap_push(c, u);
			continue;
		}
		if (p->credit > 0)
			return u;
		p->credit += c->conf.quantum;
		p->ready_ns = now_ns;
		if (c->act_head != c->act_tail) {
			act_remove(c, u);
			act_push(c, u);
		}
	}
}

int emu_cell_dequeue(struct emu_cell *c, uint64_t now_ns, struct emu_cell_pkt *ret,
		     uint64_t *ret_next_ns)
{
	uint64_t now = clock_at(c, now_ns);
	uint32_t u = round_head(c, now);
	struct ue *p;
	struct pkt k;

	if (u == NONE) {
		uint64_t t = c->heap_len ? heap_key(c, 0) : UINT64_MAX;

		if (c->heap_len && c->b.rate_bps && c->b.t_ns > t)
			t = c->b.t_ns;
		*ret_next_ns = t;
		return 0;
	}
	if (!bucket_ok(&c->b, now)) {
		*ret_next_ns = c->b.t_ns;
		return 0;
	}
	p = &c->ue[u];
	k = pkt_pop(c, p);
	p->credit -= k.len;
	bucket_charge(&p->b, p->ready_ns, now, k.len, c->conf.burst_ns, 2ULL * c->conf.quantum);
	bucket_charge(&c->b, now, now, k.len, c->conf.burst_ns, 2ULL * c->conf.quantum);
	p->st.out++;
	p->st.bytes_out += k.len;
	c->st.out++;
	c->st.bytes_out += k.len;
	if (p->head == NONE)
		act_remove(c, u);
	*ret = (struct emu_cell_pkt){.handle = k.handle, .len = k.len, .ue = (int)u};
	return 1;
}

void emu_cell_stats(const struct emu_cell *c, struct emu_cell_stats *ret)
{
	*ret = c->st;
}

int emu_cell_ue_stats(const struct emu_cell *c, int ue, struct emu_cell_ue_stats *ret)
{
	const struct ue *p = ue_get(c, ue);

	if (!p)
		return -ENOENT;
	*ret = p->st;
	return 0;
}

/* --- steady state --- */

void emu_cell_share(uint64_t capacity_bps, const uint64_t *cap_bps, const uint64_t *demand_bps,
		    size_t n, uint64_t *ret_bps)
{
	uint64_t level = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t cap = cap_bps[i] ? cap_bps[i] : UINT64_MAX;

		ret_bps[i] = cap < demand_bps[i] ? cap : demand_bps[i];
	}
	if (!capacity_bps)
		return;
	/*
	 * Raise the water level from the smallest limit up: every UE at or below the level has
	 * its limit, which never sums above the capacity; the others share what is left
	 * equally. Each pass settles at least one distinct limit: O(n^2) at worst, no memory.
	 */
	for (;;) {
		uint64_t sum = 0, fair, next = UINT64_MAX;
		size_t above = 0;

		for (size_t i = 0; i < n; i++) {
			if (ret_bps[i] <= level) {
				sum += ret_bps[i];
			} else {
				above++;
				if (ret_bps[i] < next)
					next = ret_bps[i];
			}
		}
		if (!above)
			return;
		fair = (capacity_bps - sum) / above;
		if (next > fair) {
			level = fair;
			break;
		}
		level = next;
	}
	for (size_t i = 0; i < n; i++)
		if (ret_bps[i] > level)
			ret_bps[i] = level;
}
