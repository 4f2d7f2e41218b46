/* SPDX-License-Identifier: MIT */
/*
 * mp, the migration protocol: edgemu-svc's migration agent's two protocols. Prefix mp_/MP_,
 * apart from migrate/'s mig_* (the runner's side: jobs, policies, the model).
 *
 * 1. The state stream, over one TCP connection from the source instance to the destination
 *    (started with --incoming), across the emulated network. Frames: a 24-byte header in
 *    network byte order, then `len` bytes of payload.
 *      HELLO  src->dst  arg = state bytes, count = strategy; no payload. The destination
 *                       refuses (closes) when its state size differs.
 *      PAGES  src->dst  arg = first page, count = pages; payload count * 4096 bytes, the
 *                       pages as they were when sent.
 *      EXEC   src->dst  the execution state (struct mp_exec); flags COMMIT: every page has
 *                       been sent, resume now (cold, pre-copy); flags SWITCH: resume now,
 *                       absent pages follow (post-copy).
 *      DONE   src->dst  post-copy: every page has been pushed.
 *      REQ    dst->src  post-copy: arg = a page the destination needs now.
 *      RESUMED dst->src the destination serves (sent when it resumes, before anything it
 *                       answers): should the runner disappear, the source knows the
 *                       destination is the service and exits rather than serving again.
 *      UPD    dst->src  post-copy, after the switch: count = a client, arg = its new counter,
 *                       sent before the answer that carries it, so the source's copy of
 *                       the client table keeps up and a failed post-copy can fall back to
 *                       the source without a client seeing its counter go back.
 *      ABORTED dst->src the runner told the destination to stop ("abort"): it serves no
 *                       more, and takes back what RESUMED said: should the runner
 *                       disappear before it thaws the source, the source serves again.
 *
 * 2. The control socket (--ctl PATH, a Unix SOCK_SEQPACKET socket, one peer at a time): one
 *    text message per packet, a verb then key=value words, times in CLOCK_MONOTONIC ns.
 *    Commands (to a serving instance): "migrate to=ADDR:PORT strategy=S max_rounds=N
 *    stop_below=P timeout_ms=T"; "abort" (a source: stop the migration and serve again;
 *    a destination: stop serving; a source thawed after its commit or switch drops the
 *    requests it queued while frozen, older than the destination's answers); "flipped" (a
 *    destination: the runner has steered the clients to it); "table" (every client and its
 *    counter, as "client" events, then "table"); "set id=N counter=C" (a client's counter);
 *    "status".
 *    The runner gone (its socket ends) in the middle of a migration, the agents settle it
 *    themselves (orphaned() in svc_agent.c): a source that has not committed serves again,
 *    one that has exits if the destination said RESUMED (and not ABORTED since) and serves
 *    again otherwise; a
 *    destination that has not resumed exits, one that has steers the clients to itself with
 *    its --on-orphan command unless the runner said "flipped".
 *    Events (from either side): see the list at the end of this file.
 */
#ifndef EDGEMU_APPS_MP_H
#define EDGEMU_APPS_MP_H

#include <endian.h>
#include <stdint.h>

#include "topo/strategy.h" /* HELLO's count: enum topo_strategy */

#define MP_MAGIC 0x45444d47u /* "EDMG" */
#define MP_PORT 7100	     /* default TCP port of an incoming instance */
#define MP_CTL_MAX 512	     /* longest control message */

enum mp_type {
	MP_HELLO = 1,
	MP_PAGES = 2,
	MP_EXEC = 3,
	MP_DONE = 4,
	MP_REQ = 5,
	MP_RESUMED = 6,
	MP_UPD = 7,
	MP_ABORTED = 8,
};

#define MP_EXEC_COMMIT 1
#define MP_EXEC_SWITCH 2

struct mp_hdr {
	uint32_t magic;
	uint16_t type;
	uint16_t flags;
	uint32_t count;
	uint32_t len; /* payload bytes */
	uint64_t arg;
};

/* The execution state: where the workload stands; the client table travels in the pages. */
struct mp_exec {
	uint64_t rng;
	uint64_t seq_next;
	uint64_t hash; /* the source's state hash at the freeze; 0 if not known yet */
	uint64_t reserved;
};

_Static_assert(sizeof(struct mp_hdr) == 24, "frame header is 24 bytes");
_Static_assert(sizeof(struct mp_exec) == 32, "exec state is 32 bytes");

static inline void mp_hdr_pack(struct mp_hdr *h, enum mp_type type, uint16_t flags, uint32_t count,
			       uint32_t len, uint64_t arg)
{
	h->magic = htobe32(MP_MAGIC);
	h->type = htobe16((uint16_t)type);
	h->flags = htobe16(flags);
	h->count = htobe32(count);
	h->len = htobe32(len);
	h->arg = htobe64(arg);
}

/* In place, to host order; -1 when the magic is wrong. */
static inline int mp_hdr_unpack(struct mp_hdr *h)
{
	if (be32toh(h->magic) != MP_MAGIC)
		return -1;
	h->magic = MP_MAGIC;
	h->type = be16toh(h->type);
	h->flags = be16toh(h->flags);
	h->count = be32toh(h->count);
	h->len = be32toh(h->len);
	h->arg = be64toh(h->arg);
	return 0;
}

/*
 * Events, "verb key=value ...", every one with t=<ns>:
 *   source: "start t= pages=" (connected to the destination, copy begins)
 *           "round t= n= begin= pages= bytes= dirty=" (a live pre-copy round ended; dirty:
 *               pages dirty at its end)
 *           "freeze t=" (the source stops answering)
 *           "commit t= pages= bytes=" (cold/pre-copy: the last pages and the execution state
 *               are sent) or "switch t= pages= bytes=" (post-copy: the execution state and
 *               the client table are sent)
 *           "sent t= pages= bytes= hash= requests=" (everything written; the state's hash)
 *           "error t= what=<text to the end> frozen=0|1" (the migration failed; frozen=0: the
 *               source serves again)
 *           "resumed t= dropped=" (after an "abort": serving again; dropped: requests
 *               queued while frozen after the commit or switch, not answered)
 *   either: "orphan t= what=..." (to the log: the runner is gone, what this instance does)
 *   either, after "table": "client t= id= counter=" per client, then "table t= clients="
 *   destination: "listening t= port=", "resume t= pages=" (serving from now on),
 *           "end t= pages= bytes= hash= faults=" (every page is here; hash as received),
 *           "error t= what=..."
 *   "status": "status t= role=serving|incoming|frozen|migrating clients= pages= dirty_rate="
 */

#endif
