/* SPDX-License-Identifier: MIT */
/*
 * The radio access switch (emu/ran_switch.h). Each cell has a scheduler per direction
 * (emu/cell_sched.c); frames leave their scheduler into one delay line for the whole switch, a
 * binary min-heap on (departure, arrival order), which the relay drains. Each cell remembers
 * when its schedulers may next send, so that draining touches only the cells that have
 * something due.
 *
 * Memory: each frame is a malloc'd copy held from input to output. A UE holds at most its
 * limit of frames per direction (queued or in the delay line), a cell's scheduler at most
 * EMU_RAN_POOL, the switch at most EMU_RAN_HELD_MAX bytes: a flood costs drops, not memory.
 * A cell's scheduler takes emu_cell_mem() bytes: about 116 bytes a UE slot and 16 a packet
 * slot, so 40 KiB with EMU_RAN_CELL_UES UE slots and EMU_RAN_POOL packet slots; a cell of all
 * 1000 UEs of a 1000-UE run takes 150 KiB. 1000 UEs x 100 cells: 8 MiB of schedulers.
 */
#include "emu/ran_switch.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emu/cell_sched.h"
#include "emu/rand.h"

#define NONE UINT32_MAX
#define ETH_HLEN_ 14
#define ETHERTYPE_IPV4 0x0800
/* Departures are clamped to this much after now (a Pareto tail can be huge). */
#define OFFSET_MAX_NS (1ULL << 62)

struct frame {
	uint32_t len;
	uint32_t ue;
	uint8_t dir;
	int cell;	    /* whose counters its delivery goes to */
	int out;	    /* the port it leaves through */
	struct frame *next; /* in its UE's hold FIFO */
	unsigned char data[];
};

struct slot {
	uint64_t depart_ns;
	uint64_t seq;
	struct frame *f;
};

struct ue_dir {
	struct emu_shape s; /* s.trace is NULL */
	uint32_t limit;
	uint32_t held; /* frames queued or in the delay line */
	int sid;       /* its id in its cell's scheduler of this direction, -1: none */
	uint64_t last_depart_ns;
	uint64_t rng[4];
	bool bad;
	struct frame *hold, *hold_tail; /* held at a prepared handover, in arrival order */
	struct frame *hold_air;		/* the last frame taken back from the air into hold
					 * (they go first: they are the oldest), NULL: none */
};

struct ue {
	int cur, prev, last; /* now, the one before cur, the latest (cur or the one before a
			      * detach); -1: none */
	int routed;	     /* the cell of its last plain attach, which its routes point at */
	bool held;	     /* prepared for cur, not released: off the air, out of cur's
			      * schedulers (sids -1), its frames in the hold FIFOs */
	uint64_t off_ns;     /* when it left the air: its last prepare or detach */
	int port;
	uint32_t addr;
	struct ue_dir d[2];
};

struct cell {
	struct emu_cell *sched[2];
	uint32_t ues_max[2];
	uint64_t next_ns[2]; /* when its scheduler may send next */
	uint64_t capacity_bps[2];
	int port;
	struct emu_ran_cell_stats st;
};

/* Open addressing, linear probing: key -> value; val NONE: an empty bucket. */
struct map {
	uint32_t *key, *val;
	uint32_t mask;
};

struct emu_ran {
	unsigned n_ues, n_cells;
	enum emu_ran_forwarding forwarding;
	struct ue *ue;
	struct cell *cell;	     /* n_cells + 1: the last is the global slot's counters only */
	struct map by_addr, by_port; /* address -> UE; port -> UE i (i) or cell c (n_ues + c) */
	uint64_t min_next_ns;	     /* the earliest next_ns of all the cells */
	struct slot *heap;
	size_t heap_len, heap_cap;
	uint64_t seq, held_bytes;
	int drop_cell; /* the cell a scheduler's drop callback books to */
};

void emu_ran_mac(unsigned kind, unsigned index, uint8_t mac[6])
{
	/* Locally administered, unicast; 24 bits of index: more UEs than any pool holds. */
	mac[0] = 0x02;
	mac[1] = 0xed;
	mac[2] = (uint8_t)(kind ? 0xce : 0x0e);
	mac[3] = (uint8_t)(index >> 16);
	mac[4] = (uint8_t)(index >> 8);
	mac[5] = (uint8_t)index;
}

/* --- the maps --- */

static uint32_t map_hash(const struct map *m, uint32_t key)
{
	return (uint32_t)(((uint64_t)key * 0x9e3779b97f4a7c15ULL) >> 32) & m->mask;
}

static int map_init(struct map *m, unsigned n)
{
	uint32_t size = 16;

	while (size < 2 * (uint64_t)n)
		size *= 2;
	m->key = calloc(size, sizeof(*m->key));
	m->val = malloc(size * sizeof(*m->val));
	if (!m->key || !m->val)
		return -ENOMEM;
	memset(m->val, 0xff, size * sizeof(*m->val));
	m->mask = size - 1;
	return 0;
}

static uint32_t map_get(const struct map *m, uint32_t key)
{
	for (uint32_t i = map_hash(m, key);; i = (i + 1) & m->mask) {
		if (m->val[i] == NONE)
			return NONE;
		if (m->key[i] == key)
			return m->val[i];
	}
}

/* -EINVAL when key is there already. */
static int map_put(struct map *m, uint32_t key, uint32_t val)
{
	uint32_t i = map_hash(m, key);

	for (; m->val[i] != NONE; i = (i + 1) & m->mask)
		if (m->key[i] == key)
			return -EINVAL;
	m->key[i] = key;
	m->val[i] = val;
	return 0;
}

static void map_free(struct map *m)
{
	free(m->key);
	free(m->val);
}

/* --- the delay line: a binary min-heap on (departure, arrival order) --- */

static bool slot_before(const struct slot *a, const struct slot *b)
{
	return a->depart_ns < b->depart_ns || (a->depart_ns == b->depart_ns && a->seq < b->seq);
}

static int heap_push(struct emu_ran *r, struct slot s)
{
	size_t i;

	if (r->heap_len == r->heap_cap) {
		size_t ncap = r->heap_cap ? 2 * r->heap_cap : 256;
		struct slot *p = realloc(r->heap, ncap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		r->heap = p;
		r->heap_cap = ncap;
	}
	for (i = r->heap_len++; i; i = (i - 1) / 2) {
		if (!slot_before(&s, &r->heap[(i - 1) / 2]))
			break;
		r->heap[i] = r->heap[(i - 1) / 2];
	}
	r->heap[i] = s;
	return 0;
}

static struct slot heap_pop(struct emu_ran *r)
{
	struct slot top = r->heap[0], last = r->heap[--r->heap_len];
	size_t i = 0, n = r->heap_len;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && slot_before(&r->heap[c + 1], &r->heap[c]))
			c++;
		if (!slot_before(&r->heap[c], &last))
			break;
		r->heap[i] = r->heap[c];
		i = c;
	}
	if (n)
		r->heap[i] = last;
	return top;
}

/* --- frames --- */

static void frame_free(struct emu_ran *r, struct frame *f)
{
	r->ue[f->ue].d[f->dir].held--;
	r->held_bytes -= f->len;
	free(f);
}

/* A scheduler's drop callback: a frame dropped at a handover or a detach. */
static void sched_drop(void *handle, void *arg)
{
	struct emu_ran *r = arg;

	r->cell[r->drop_cell].st.ho_drop_pkts++;
	frame_free(r, handle);
}

/* --- cells --- */

static struct emu_cell_conf cell_conf(const struct emu_ran *r, unsigned c, unsigned d,
				      uint32_t ues_max)
{
	return (struct emu_cell_conf){
	    .capacity_bps = r->cell[c].capacity_bps[d],
	    .ues_max = ues_max,
	    .pkts_max = EMU_RAN_POOL,
	    /* The UE's own limit is the switch's (its shape's limit); the pool still bounds it. */
	    .ue_pkts_max = EMU_RAN_POOL,
	    .ue_bytes_max = (uint64_t)EMU_RAN_POOL * EMU_CELL_PKT_MAX,
	};
}

/* The cell's scheduler of direction d may send from now_ns: look at it then. */
static void cell_wake(struct emu_ran *r, unsigned c, unsigned d, uint64_t now_ns)
{
	if (now_ns < r->cell[c].next_ns[d])
		r->cell[c].next_ns[d] = now_ns;
	if (now_ns < r->min_next_ns)
		r->min_next_ns = now_ns;
}

/*
 * Cell c's scheduler of direction d is full: move its UEs into one twice the size (up to every
 * UE of the switch), with what they have queued. Rare (a cell's peak of attached UEs doubles),
 * O(UEs of the switch).
 */
static int cell_grow(struct emu_ran *r, unsigned c, unsigned d, uint64_t now_ns)
{
	struct cell *cl = &r->cell[c];
	uint32_t want = cl->ues_max[d] * 2;
	struct emu_cell_conf conf;
	struct emu_cell *n;
	int rc;

	if (cl->ues_max[d] >= r->n_ues)
		return -ENOSPC;
	if (want > r->n_ues)
		want = r->n_ues;
	conf = cell_conf(r, c, d, want);
	rc = emu_cell_new(&conf, &n);
	if (rc < 0)
		return rc;
	r->drop_cell = (int)c;
	for (unsigned u = 0; u < r->n_ues; u++) {
		struct ue_dir *ud = &r->ue[u].d[d];

		if (r->ue[u].cur != (int)c || ud->sid < 0)
			continue;
		/* n has room for every UE cl had: a move cannot fail for want of a slot. */
		ud->sid = emu_cell_ue_move(cl->sched[d], ud->sid, n, sched_drop, r);
	}
	emu_cell_free(cl->sched[d], sched_drop, r);
	cl->sched[d] = n;
	cl->ues_max[d] = want;
	cell_wake(r, c, d, now_ns);
	return 0;
}

/* --- the switch --- */

static int ran_check(const struct emu_relay_ran *conf)
{
	if (conf->n_cells >= INT32_MAX || conf->n_ues >= INT32_MAX ||
	    (conf->n_ues && (!conf->ue_index || !conf->ue_addr)) ||
	    (conf->n_cells && !conf->cell_index))
		return -EINVAL;
	if (conf->forwarding != EMU_RAN_FORWARD_X2 && conf->forwarding != EMU_RAN_FORWARD_DROP)
		return -EINVAL;
	return 0;
}

static int ran_fill(struct emu_ran *r, const struct emu_relay_ran *conf, uint64_t seed)
{
	int rc;

	for (unsigned i = 0; i < r->n_ues; i++) {
		struct ue *u = &r->ue[i];

		*u = (struct ue){.cur = -1,
				 .prev = -1,
				 .last = -1,
				 .routed = -1,
				 .port = conf->ue_index[i],
				 .addr = conf->ue_addr[i]};
		for (unsigned d = 0; d < 2; d++) {
			u->d[d].sid = -1;
			u->d[d].limit = EMU_SHAPE_DEFAULT_LIMIT;
			emu_rand_seed(u->d[d].rng,
				      seed ^ ((2ULL * i + d + 1) * 0xd1b54a32d192ed03ULL));
		}
		if (u->port <= 0)
			return -EINVAL;
		rc = map_put(&r->by_addr, u->addr, i);
		if (rc == 0)
			rc = map_put(&r->by_port, (uint32_t)u->port, i);
		if (rc < 0)
			return rc;
	}
	for (unsigned c = 0; c < r->n_cells; c++) {
		struct cell *cl = &r->cell[c];

		cl->port = conf->cell_index[c];
		if (cl->port <= 0)
			return -EINVAL;
		rc = map_put(&r->by_port, (uint32_t)cl->port, r->n_ues + c);
		if (rc < 0)
			return rc;
		for (unsigned d = 0; d < 2; d++) {
			struct emu_cell_conf cc;

			/* The declaration's order: [0] downlink, [1] uplink. */
			if (conf->capacity_bps)
				cl->capacity_bps[d] = conf->capacity_bps[c][d == EMU_RAN_UP];
			cl->ues_max[d] = r->n_ues < EMU_RAN_CELL_UES ? r->n_ues : EMU_RAN_CELL_UES;
			if (!cl->ues_max[d])
				cl->ues_max[d] = 1;
			cc = cell_conf(r, c, d, cl->ues_max[d]);
			rc = emu_cell_new(&cc, &cl->sched[d]);
			if (rc < 0)
				return rc;
			cl->next_ns[d] = UINT64_MAX;
		}
	}
	return 0;
}

int emu_ran_new(const struct emu_relay_ran *conf, uint64_t seed, struct emu_ran **ret)
{
	struct emu_ran *r;
	int rc = ran_check(conf);

	if (rc < 0)
		return rc;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->n_ues = conf->n_ues;
	r->n_cells = conf->n_cells;
	r->forwarding = conf->forwarding;
	r->min_next_ns = UINT64_MAX;
	r->ue = calloc(r->n_ues + 1, sizeof(*r->ue));
	r->cell = calloc(r->n_cells + 1, sizeof(*r->cell));
	if (!r->ue || !r->cell) {
		rc = -ENOMEM;
		goto err;
	}
	rc = map_init(&r->by_addr, r->n_ues);
	if (rc == 0)
		rc = map_init(&r->by_port, r->n_ues + r->n_cells);
	if (rc == 0)
		rc = ran_fill(r, conf, seed);
	if (rc < 0)
		goto err;
	*ret = r;
	return 0;
err:
	emu_ran_free(r);
	return rc;
}

void emu_ran_free(struct emu_ran *r)
{
	if (!r)
		return;
	for (unsigned c = 0; r->cell && c < r->n_cells; c++)
		for (unsigned d = 0; d < 2; d++)
			emu_cell_free(r->cell[c].sched[d], sched_drop, r);
	for (size_t i = 0; i < r->heap_len; i++)
		free(r->heap[i].f);
	for (unsigned u = 0; r->ue && u < r->n_ues; u++)
		for (unsigned d = 0; d < 2; d++)
			while (r->ue[u].d[d].hold) {
				struct frame *f = r->ue[u].d[d].hold;

				r->ue[u].d[d].hold = f->next;
				free(f);
			}
	free(r->heap);
	map_free(&r->by_addr);
	map_free(&r->by_port);
	free(r->ue);
	free(r->cell);
	free(r);
}

unsigned emu_ran_n_cells(const struct emu_ran *r)
{
	return r->n_cells;
}

bool emu_ran_is_port(const struct emu_ran *r, int ifindex)
{
	return ifindex > 0 && map_get(&r->by_port, (uint32_t)ifindex) != NONE;
}

size_t emu_ran_mem(const struct emu_ran *r)
{
	size_t n =
	    sizeof(*r) + (r->n_ues + 1) * sizeof(*r->ue) + (r->n_cells + 1) * sizeof(*r->cell);

	n += (size_t)(r->by_addr.mask + 1 + r->by_port.mask + 1) * 2 * sizeof(uint32_t);
	n += r->heap_cap * sizeof(*r->heap);
	for (unsigned c = 0; c < r->n_cells; c++)
		for (unsigned d = 0; d < 2; d++) {
			struct emu_cell_conf conf = cell_conf(r, c, d, r->cell[c].ues_max[d]);

			n += emu_cell_mem(&conf);
		}
	return n;
}

int emu_ran_ue_cell(const struct emu_ran *r, unsigned ue)
{
	return ue < r->n_ues ? r->ue[ue].cur : -ENOENT;
}

/* --- input --- */

/* Onto the end of a held UE's FIFO of one direction. */
static void hold_push(struct ue_dir *ud, struct frame *f)
{
	f->next = NULL;
	if (ud->hold)
		ud->hold_tail->next = f;
	else
		ud->hold = f;
	ud->hold_tail = f;
}

/*
 * Into UE u's queue of direction d in cell c (its hold FIFO while it is held: the target
 * buffers it until the UE arrives): 1 taken, 0 refused (counted full in c).
 */
static int admit(struct emu_ran *r, uint64_t now_ns, unsigned u, unsigned d, unsigned c,
		 const void *data, uint32_t len)
{
	struct ue_dir *ud = &r->ue[u].d[d];
	struct frame *f;

	if (ud->held >= ud->limit || r->held_bytes + len > EMU_RAN_HELD_MAX ||
	    len > EMU_CELL_PKT_MAX)
		goto full;
	f = malloc(sizeof(*f) + len);
	if (!f)
		goto full;
	*f = (struct frame){.len = len, .ue = u, .dir = (uint8_t)d, .cell = (int)c};
	memcpy(f->data, data, len);
	if (r->ue[u].held) {
		hold_push(ud, f);
	} else if (emu_cell_enqueue(r->cell[c].sched[d], ud->sid, f, len) < 0) {
		free(f);
		goto full;
	}
	ud->held++;
	r->held_bytes += len;
	if (!r->ue[u].held)
		cell_wake(r, c, d, now_ns);
	return 1;
full:
	r->cell[c].st.full_pkts++;
	return 0;
}

static int input_up(struct emu_ran *r, uint64_t now_ns, unsigned u, const void *frame, uint32_t len)
{
	const struct ue *p = &r->ue[u];
	int left = p->held ? p->prev : p->last;

	if (p->cur >= 0 && !p->held)
		return admit(r, now_ns, u, EMU_RAN_UP, (unsigned)p->cur, frame, len);
	/*
	 * Detached or held (not on the air in the interruption): lost, booked to the cell it
	 * left; never attached: nowhere.
	 */
	if (left >= 0)
		r->cell[left].st.ho_drop_pkts++;
	else
		r->cell[r->n_cells].st.drop_pkts++;
	return 0;
}

static int input_down(struct emu_ran *r, uint64_t now_ns, unsigned c, const void *frame,
		      uint32_t len)
{
	const unsigned char *b = frame;
	struct cell *cl = &r->cell[c];
	uint32_t addr, u;
	const struct ue *p;

	if (len < ETH_HLEN_ + 20 || ((uint16_t)b[12] << 8 | b[13]) != ETHERTYPE_IPV4)
		goto drop;
	addr = (uint32_t)b[30] << 24 | (uint32_t)b[31] << 16 | (uint32_t)b[32] << 8 | b[33];
	u = map_get(&r->by_addr, addr);
	if (u == NONE)
		goto drop;
	p = &r->ue[u];
	if (p->cur == (int)c)
		return admit(r, now_ns, u, EMU_RAN_DOWN, c, frame, len);
	/* In flight after a handover: the old cell forwards it (X2/Xn) or drops it. */
	if (p->cur >= 0 && p->prev == (int)c && r->forwarding == EMU_RAN_FORWARD_X2) {
		cl->st.x2_pkts++;
		cl->st.x2_bytes += len;
		return admit(r, now_ns, u, EMU_RAN_DOWN, (unsigned)p->cur, frame, len);
	}
	if ((p->cur >= 0 && p->prev == (int)c) ||
	    (p->cur < 0 && (p->last == (int)c || p->prev == (int)c))) {
		cl->st.ho_drop_pkts++;
		return 0;
	}
drop:
	cl->st.drop_pkts++;
	return 0;
}

int emu_ran_input(struct emu_ran *r, uint64_t now_ns, int ifindex, const void *frame, uint32_t len)
{
	uint32_t port = ifindex > 0 ? map_get(&r->by_port, (uint32_t)ifindex) : NONE;

	if (port == NONE)
		return -ENOENT;
	if (port < r->n_ues)
		return input_up(r, now_ns, port, frame, len);
	return input_down(r, now_ns, port - r->n_ues, frame, len);
}

/* --- control --- */

/* UE u joins cell c's scheduler of direction d (growing it if full). */
static int sched_add(struct emu_ran *r, uint64_t now_ns, unsigned u, unsigned c, unsigned d)
{
	struct ue_dir *ud = &r->ue[u].d[d];
	int sid = emu_cell_ue_add(r->cell[c].sched[d], ud->s.rate_bps);

	if (sid == -ENOSPC && cell_grow(r, c, d, now_ns) == 0)
		sid = emu_cell_ue_add(r->cell[c].sched[d], ud->s.rate_bps);
	if (sid < 0)
		return sid;
	ud->sid = sid;
	return 0;
}

/* UE u's queue of direction d from cell `from` to cell `to`, or dropped (to < 0). */
static int sched_move(struct emu_ran *r, uint64_t now_ns, unsigned u, unsigned from, int to,
		      unsigned d)
{
	struct ue_dir *ud = &r->ue[u].d[d];
	struct emu_cell *src = r->cell[from].sched[d];
	int sid;

	r->drop_cell = (int)from;
	if (to < 0) {
		emu_cell_ue_remove(src, ud->sid, sched_drop, r);
		ud->sid = -1;
		return 0;
	}
	sid = emu_cell_ue_move(src, ud->sid, r->cell[to].sched[d], sched_drop, r);
	if (sid == -ENOSPC && cell_grow(r, (unsigned)to, d, now_ns) == 0) {
		r->drop_cell = (int)from;
		sid = emu_cell_ue_move(src, ud->sid, r->cell[to].sched[d], sched_drop, r);
	}
	if (sid < 0)
		return sid;
	ud->sid = sid;
	cell_wake(r, (unsigned)to, d, now_ns);
	return 0;
}

/*
 * A handover from cur to cell (-1: a detach). Uplink queued in the UE goes with it (it is the
 * UE's own buffer) unless it detaches; downlink queued in the old cell is forwarded with it
 * (x2) or dropped (drop, or a detach: nobody to forward to).
 */
static int handover(struct emu_ran *r, uint64_t now_ns, unsigned u, int cell)
{
	struct ue *p = &r->ue[u];
	unsigned from = (unsigned)p->cur;
	bool x2 = r->forwarding == EMU_RAN_FORWARD_X2 && cell >= 0;
	int rc;

	/* Both moves need a slot in the new cell: make sure of them before anything changes. */
	rc = sched_move(r, now_ns, u, from, cell, EMU_RAN_UP);
	if (rc < 0)
		return rc;
	if (x2) {
		rc = sched_move(r, now_ns, u, from, cell, EMU_RAN_DOWN);
	} else {
		sched_move(r, now_ns, u, from, -1, EMU_RAN_DOWN);
		if (cell >= 0)
			rc = sched_add(r, now_ns, u, (unsigned)cell, EMU_RAN_DOWN);
	}
	if (rc < 0) {
		/* The uplink moved already: undo it, so the UE stays whole in its old cell. */
		sched_move(r, now_ns, u, (unsigned)cell, (int)from, EMU_RAN_UP);
		if (p->d[EMU_RAN_DOWN].sid < 0)
			sched_add(r, now_ns, u, from, EMU_RAN_DOWN);
	}
	return rc;
}

/* UE u from its cell (or none) to cell (-1: none), not held before or after. */
static int move(struct emu_ran *r, uint64_t now_ns, unsigned u, int cell)
{
	struct ue *p = &r->ue[u];
	int rc = 0;

	if (cell == p->cur)
		return 0;
	if (p->cur >= 0) {
		rc = handover(r, now_ns, u, cell);
	} else if (cell >= 0) {
		rc = sched_add(r, now_ns, u, (unsigned)cell, EMU_RAN_UP);
		if (rc == 0) {
			rc = sched_add(r, now_ns, u, (unsigned)cell, EMU_RAN_DOWN);
			if (rc < 0) {
				emu_cell_ue_remove(r->cell[cell].sched[EMU_RAN_UP],
						   p->d[EMU_RAN_UP].sid, NULL, NULL);
				p->d[EMU_RAN_UP].sid = -1;
			}
		}
	}
	if (rc < 0)
		return rc;
	if (p->cur >= 0)
		r->cell[p->cur].st.ues--;
	if (cell >= 0) {
		r->cell[cell].st.ues++;
		p->prev = p->last;
		p->last = cell;
	} else {
		p->off_ns = now_ns;
	}
	p->cur = cell;
	return 0;
}

/* A scheduler's callback taking a queued frame into its UE's hold FIFO, in queue order. */
static void hold_take(void *handle, void *arg)
{
	hold_push(arg, handle);
}

/*
 * UE u, just attached to its cell at now_ns, is held: its queues leave the schedulers for its
 * FIFOs. Its downlink still in the delay line is taken back as it comes due (on_air_left()).
 */
static void hold(struct emu_ran *r, uint64_t now_ns, unsigned u)
{
	struct ue *p = &r->ue[u];

	for (unsigned d = 0; d < 2; d++) {
		struct ue_dir *ud = &p->d[d];

		emu_cell_ue_remove(r->cell[p->cur].sched[d], ud->sid, hold_take, ud);
		ud->sid = -1;
		ud->hold_air = NULL;
	}
	p->held = true;
	p->off_ns = now_ns;
}

/*
 * The held UE u arrives in its cell: into its schedulers, with what its FIFOs hold, in order
 * (what the cell's pool cannot take is dropped, counted full). Nothing changes on an error.
 */
static int release(struct emu_ran *r, uint64_t now_ns, unsigned u)
{
	struct ue *p = &r->ue[u];
	unsigned c = (unsigned)p->cur;
	int rc = sched_add(r, now_ns, u, c, EMU_RAN_UP);

	if (rc == 0) {
		rc = sched_add(r, now_ns, u, c, EMU_RAN_DOWN);
		if (rc < 0) {
			emu_cell_ue_remove(r->cell[c].sched[EMU_RAN_UP], p->d[EMU_RAN_UP].sid, NULL,
					   NULL);
			p->d[EMU_RAN_UP].sid = -1;
		}
	}
	if (rc < 0)
		return rc;
	p->held = false;
	for (unsigned d = 0; d < 2; d++) {
		struct ue_dir *ud = &p->d[d];

		while (ud->hold) {
			struct frame *f = ud->hold;

			ud->hold = f->next;
			if (emu_cell_enqueue(r->cell[c].sched[d], ud->sid, f, f->len) < 0) {
				r->cell[c].st.full_pkts++;
				frame_free(r, f);
			}
		}
		cell_wake(r, c, d, now_ns);
	}
	return 0;
}

/* The held UE u detaches: nobody to deliver its held frames to (dropped at the handover). */
static void hold_detach(struct emu_ran *r, unsigned u)
{
	struct ue *p = &r->ue[u];

	for (unsigned d = 0; d < 2; d++)
		while (p->d[d].hold) {
			struct frame *f = p->d[d].hold;

			p->d[d].hold = f->next;
			r->cell[p->cur].st.ho_drop_pkts++;
			frame_free(r, f);
		}
	r->cell[p->cur].st.ues--;
	p->held = false;
	p->cur = -1;
}

/*
 * emu_ran_attach, emu_ran_prepare. A held UE is released by a plain attach (to its cell: it
 * arrives; to another: it arrives, then moves on), or detached; a prepare for another cell
 * releases it before moving it there held again.
 */
static int ran_attach(struct emu_ran *r, uint64_t now_ns, unsigned ue, int cell, bool held,
		      int *ret_last)
{
	struct ue *p;
	int routed, rc;

	if (ue >= r->n_ues || cell < -1 || cell >= (int)r->n_cells)
		return -ENOENT;
	if (held && cell < 0)
		return -EINVAL;
	p = &r->ue[ue];
	routed = p->routed;
	if (p->held && held && cell == p->cur)
		goto out;
	if (p->held && cell < 0) {
		hold_detach(r, ue);
		goto out;
	}
	if (p->held) {
		rc = release(r, now_ns, ue);
		if (rc < 0)
			return rc;
	}
	/* Released but not moved on (-ENOMEM, a full cell): its routes stay, a retry moves it. */
	rc = move(r, now_ns, ue, cell);
	if (rc < 0)
		return rc;
	if (held)
		hold(r, now_ns, ue);
	else if (cell >= 0)
		p->routed = cell;
out:
	if (ret_last)
		*ret_last = routed;
	return 0;
}

int emu_ran_attach(struct emu_ran *r, uint64_t now_ns, unsigned ue, int cell, int *ret_last)
{
	return ran_attach(r, now_ns, ue, cell, false, ret_last);
}

int emu_ran_prepare(struct emu_ran *r, uint64_t now_ns, unsigned ue, int cell, int *ret_last)
{
	return ran_attach(r, now_ns, ue, cell, true, ret_last);
}

int emu_ran_shape(struct emu_ran *r, uint64_t now_ns, unsigned ue, unsigned dir,
		  const struct emu_shape *s)
{
	struct ue_dir *ud;
	int rc;

	if (ue >= r->n_ues || dir > 1)
		return -ENOENT;
	if (s->trace)
		return -EOPNOTSUPP;
	rc = emu_rand_shape_check(s, NULL);
	if (rc < 0)
		return rc;
	ud = &r->ue[ue].d[dir];
	/* A held UE is in no scheduler: its release adds it with this rate. */
	if (r->ue[ue].cur >= 0 && ud->sid >= 0 && s->rate_bps != ud->s.rate_bps) {
		unsigned c = (unsigned)r->ue[ue].cur;

		rc = emu_cell_ue_set_rate(r->cell[c].sched[dir], ud->sid, now_ns, s->rate_bps);
		if (rc < 0)
			return rc;
		cell_wake(r, c, dir, now_ns);
	}
	if (s->loss.model != EMU_LOSS_GILBERT)
		ud->bad = false;
	ud->s = *s;
	ud->limit = s->limit ? s->limit : EMU_SHAPE_DEFAULT_LIMIT;
	return 0;
}

int emu_ran_cell_stats(const struct emu_ran *r, unsigned cell, struct emu_ran_cell_stats *ret)
{
	if (cell > r->n_cells)
		return -ENOENT;
	*ret = r->cell[cell].st;
	return 0;
}

/* --- output --- */

/* A frame leaves cell c's scheduler of direction d at now_ns: on the air, then the delay line. */
static void to_air(struct emu_ran *r, uint64_t now_ns, unsigned c, unsigned d, struct frame *f)
{
	struct ue_dir *ud = &r->ue[f->ue].d[d];
	uint64_t off = ud->s.delay_ns < OFFSET_MAX_NS ? ud->s.delay_ns : OFFSET_MAX_NS;
	unsigned kind_dst = d == EMU_RAN_UP, idx_dst = d == EMU_RAN_UP ? c : f->ue;
	struct slot s;

	/* Written here, not at input: a handover may have moved it to another cell since. */
	f->cell = (int)c;
	f->out = d == EMU_RAN_UP ? r->cell[c].port : r->ue[f->ue].port;
	if (f->len >= 12) {
		emu_ran_mac(kind_dst, idx_dst, f->data);
		emu_ran_mac(!kind_dst, d == EMU_RAN_UP ? f->ue : c, f->data + 6);
	}
	if (emu_rand_lose(ud->rng, &ud->bad, &ud->s.loss)) {
		r->cell[c].st.lost_pkts++;
		frame_free(r, f);
		return;
	}
	if (ud->s.jitter_ns && ud->s.dist != EMU_DIST_NONE) {
		double x =
		    (double)off + emu_rand_jitter(ud->rng, ud->s.dist) * (double)ud->s.jitter_ns;

		off = !(x > 0)			  ? 0
		      : x > (double)OFFSET_MAX_NS ? OFFSET_MAX_NS
						  : (uint64_t)llround(x);
	}
	s.depart_ns = now_ns + off;
	/* No overtaking within a UE's direction: jitter, or a delay just made shorter. */
	if (s.depart_ns < ud->last_depart_ns)
		s.depart_ns = ud->last_depart_ns;
	s.seq = r->seq++;
	s.f = f;
	if (heap_push(r, s) < 0) {
		r->cell[c].st.full_pkts++;
		frame_free(r, f);
		return;
	}
	ud->last_depart_ns = s.depart_ns;
}

/* Every scheduler due at now_ns sends what it may into the delay line. */
static void pump(struct emu_ran *r, uint64_t now_ns)
{
	uint64_t min = UINT64_MAX;

	for (unsigned c = 0; c < r->n_cells; c++) {
		struct cell *cl = &r->cell[c];

		for (unsigned d = 0; d < 2; d++) {
			struct emu_cell_pkt k;

			while (cl->next_ns[d] <= now_ns) {
				if (emu_cell_dequeue(cl->sched[d], now_ns, &k, &cl->next_ns[d])) {
					to_air(r, now_ns, c, d, k.handle);
					continue;
				}
				/* Nothing may leave now: the time it gave is later, or never. */
				if (cl->next_ns[d] <= now_ns)
					cl->next_ns[d] = now_ns + 1;
			}
			if (cl->next_ns[d] < min)
				min = cl->next_ns[d];
		}
	}
	r->min_next_ns = min;
}

uint64_t emu_ran_next(const struct emu_ran *r)
{
	uint64_t t = r->heap_len ? r->heap[0].depart_ns : UINT64_MAX;

	return r->min_next_ns < t ? r->min_next_ns : t;
}

/*
 * Downlink frame f, on the air (in the delay line) when its UE left the air and due since:
 * its old cell forwards it to the target the UE is held for (x2, counted there) ahead of what
 * the target holds already, all of which is newer; or drops it (drop, or a detach: nobody to
 * forward to).
 */
static void on_air_left(struct emu_ran *r, struct frame *f)
{
	struct ue_dir *ud = &r->ue[f->ue].d[EMU_RAN_DOWN];
	struct emu_ran_cell_stats *st = &r->cell[f->cell].st;

	if (r->forwarding != EMU_RAN_FORWARD_X2 || !r->ue[f->ue].held) {
		st->ho_drop_pkts++;
		frame_free(r, f);
		return;
	}
	st->x2_pkts++;
	st->x2_bytes += f->len;
	if (ud->hold_air) {
		f->next = ud->hold_air->next;
		ud->hold_air->next = f;
	} else {
		f->next = ud->hold;
		ud->hold = f;
	}
	if (!f->next)
		ud->hold_tail = f;
	ud->hold_air = f;
}

uint32_t emu_ran_dequeue(struct emu_ran *r, uint64_t now_ns, void *buf, uint32_t cap,
			 int *ret_ifindex)
{
	struct emu_ran_cell_stats *st;
	struct slot s;
	uint32_t len;

	if (r->min_next_ns <= now_ns)
		pump(r, now_ns);
	for (;;) {
		const struct ue *p;

		if (!r->heap_len || r->heap[0].depart_ns > now_ns)
			return 0;
		s = heap_pop(r);
		p = &r->ue[s.f->ue];
		if (s.f->dir != EMU_RAN_DOWN || (!p->held && p->cur >= 0) ||
		    s.depart_ns <= p->off_ns)
			break;
		on_air_left(r, s.f);
	}
	len = s.f->len;
	memcpy(buf, s.f->data, len < cap ? len : cap);
	*ret_ifindex = s.f->out;
	st = &r->cell[s.f->cell].st;
	if (s.f->dir == EMU_RAN_UP) {
		st->up_pkts++;
		st->up_bytes += len;
	} else {
		st->down_pkts++;
		st->down_bytes += len;
	}
	frame_free(r, s.f);
	return len;
}
