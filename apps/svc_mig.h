/* SPDX-License-Identifier: MIT */
/*
 * The source side of a migration of edgemu-svc's state, as pure logic: which pages go next,
 * when a pre-copy round ends, when to freeze. No sockets and no clock: the agent (svc.c)
 * sends what this hands out and says when a pass is over; unit tests drive it on a virtual
 * clock.
 *
 * A pass over dirty pages sends the dirty set as it was when the pass began (a snapshot, and
 * the dirty bitmap starts afresh): pages written during a round go in the next one, as in
 * Clark et al. (NSDI 2005) and QEMU, so a round's volume is the pages written during the
 * round before.
 *
 * Passes, by strategy:
 *   cold:      freeze; every page (stop-and-copy); commit.
 *   pre-copy:  round 0 sends every page while serving; each later round the pages written
 *              since they were last sent; when a round ends with at most stop_below dirty
 *              pages, or after max_rounds rounds, freeze and send what is dirty; commit.
 *   post-copy: freeze; the client table (page 0 and the table pages in use) with the
 *              execution state, and the destination resumes at once ("switch"); then every
 *              page not sent yet, pages the destination asks for first; done.
 */
#ifndef EDGEMU_APPS_SVC_MIG_H
#define EDGEMU_APPS_SVC_MIG_H

#include <stdbool.h>
#include <stdint.h>

#include "apps/mp.h"
#include "apps/svc_state.h"

enum svc_mig_phase {
	SVC_MIG_LIVE,	   /* pre-copy round, serving */
	SVC_MIG_STOPCOPY,  /* frozen: the rest (cold: everything) */
	SVC_MIG_SWITCHSET, /* post-copy, frozen: the client table */
	SVC_MIG_PUSH,	   /* post-copy, the destination serves: every page not sent yet */
	SVC_MIG_DONE,
};

/* What the agent does when a pass has handed out all its pages. */
enum svc_mig_next {
	SVC_MIG_NEXT_ROUND,  /* another live round */
	SVC_MIG_NEXT_FREEZE, /* freeze, then the stop-and-copy pass */
	SVC_MIG_NEXT_COMMIT, /* send the execution state with COMMIT */
	SVC_MIG_NEXT_SWITCH, /* send the execution state with SWITCH, then push */
	SVC_MIG_NEXT_FINISH, /* send DONE */
};

struct svc_mig_src {
	enum topo_strategy strategy;
	uint64_t max_rounds; /* live rounds, round 0 included; at least 1 */
	uint64_t stop_below; /* pages */
	enum svc_mig_phase phase;
	uint64_t round;	     /* the live round in progress */
	uint64_t cursor;     /* next page to consider in this pass */
	uint64_t pass_pages; /* handed out in this pass */
	uint64_t pages;	     /* handed out in all, demand included */
	uint64_t *sent;	     /* post-copy: pages handed out */
	uint64_t *snap; /* cold, pre-copy: the pages this pass sends, taken from the dirty set */
	uint64_t words;
};

/*
 * Starts a migration of s: every page is due once more (the dirty bitmap is set). Returns
 * -ENOMEM, or 0; then svc_mig_src_frozen() says whether the agent must freeze before the
 * first pass (cold, post-copy).
 */
int svc_mig_src_init(struct svc_mig_src *m, struct svc_state *s, enum topo_strategy strategy,
		     uint64_t max_rounds, uint64_t stop_below);
void svc_mig_src_free(struct svc_mig_src *m);
/* Whether the service must be frozen in the current phase. */
bool svc_mig_src_frozen(const struct svc_mig_src *m);

/*
 * The next run of consecutive pages to send in this pass, at most max: *ret_first and the
 * count; 0 when the pass is over. The pages count as sent as of this call: in a live round,
 * a page written after it is dirty and goes in the next pass.
 */
uint32_t svc_mig_src_next(struct svc_mig_src *m, struct svc_state *s, uint64_t *ret_first,
			  uint32_t max);
/* The pass is over: what to do next (the phase moves on accordingly). */
enum svc_mig_next svc_mig_src_pass_end(struct svc_mig_src *m, struct svc_state *s);
/* Post-copy: the destination asks for page; true when it has not been sent (it is now). */
bool svc_mig_src_claim(struct svc_mig_src *m, uint64_t page);

#endif
