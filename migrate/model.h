/* SPDX-License-Identifier: MIT */
/*
 * Analytic models of a state migration (cold, pre-copy, post-copy), printed by bench/migrate
 * beside the measured figures. Pure arithmetic: no I/O, no clocks, nothing from topo/.
 *
 * Inputs and units. S state bytes in pages of P bytes (N = S/P pages, not rounded: page counts
 * are expected values and may be fractional); B the payload rate the TCP stream gets, bits/s
 * (see mig_model_tcp_goodput for a link's rate); d one-way delay; w the workload's page writes
 * per second. Times out are in seconds, volumes in bytes on the stream.
 *
 * Common assumptions. The stream runs at B from its first byte: slow start (about
 * log2(BDP / 10 segments) RTTs, 3 RTTs at 500 Mbit/s and 2 ms) and loss are left out, and
 * the window is taken to cover the bandwidth-delay product. A round lasts as long as the
 * bottleneck takes to carry it (the sender is paced by the link, its socket buffer small
 * next to the round). The 24-byte HELLO frame is left out (0.4 us at 500 Mbit/s).
 *
 * The fixed per-migration overhead is explicit:
 *   setup  = setup_rtts * 2d before the first state byte leaves (TCP handshake: connect()
 *            returns after SYN and SYN-ACK, the first data goes with the third segment);
 *   last   = d for the last byte (and every commit) to cross the link;
 *   commit = exec_bytes*8/B to send the execution state, then commit_ns for the destination
 *            to serve (steering flip and so on; 0 unless the caller measures it);
 *   ack    = ack_delays * d appended to the total only: 0 ends the total when the destination
 *            has every page and serves (what the destination's events measure); 1 ends it
 *            when the source hears so (RESUMED), Clark et al.'s "until the original may be
 *            discarded".
 */
#ifndef EDGEMU_MIGRATE_MODEL_H
#define EDGEMU_MIGRATE_MODEL_H

#include <stdbool.h>
#include <stdint.h>

/* The agent's wire (apps/mp.h): pages, frames of up to 64 pages after a 24-byte
 * header, and the commit/switch frame (header + 32-byte struct mp_exec). */
#define MIG_MODEL_PAGE_BYTES 4096
#define MIG_MODEL_FRAME_HDR_BYTES 24
#define MIG_MODEL_FRAME_PAGES 64
#define MIG_MODEL_EXEC_BYTES (24 + 32)

struct mig_model_params {
	uint64_t state_bytes; /* S */
	uint64_t page_bytes;  /* P */
	double rate_bps;      /* B: payload rate of the stream */
	uint64_t delay_ns;    /* d: one way */
	double dirty_pps;     /* w: page writes per second (not distinct pages) */
	/* Writes fall uniformly on this many pages (a hot set); 0: on all N. */
	uint64_t hot_pages;
	unsigned max_rounds;	   /* live pre-copy rounds at most */
	uint64_t stop_below_pages; /* stop and copy once this few pages or fewer are dirty */
	/* Framing: a frame_hdr_bytes header per frame_pages pages; 0 and 0: none. */
	unsigned frame_hdr_bytes;
	unsigned frame_pages;
	uint64_t exec_bytes;   /* sent at the commit (cold, pre-copy) or the switch (post-copy) */
	uint64_t switch_pages; /* post-copy: pages sent with the execution state (client table) */
	unsigned setup_rtts;   /* round trips before the first byte: 1 (TCP handshake) */
	unsigned ack_delays;   /* one-way delays appended to total_s: 0 or 1, see above */
	uint64_t commit_ns;    /* from the commit's arrival to the destination serving */
};

struct mig_model_result {
	double total_s;	   /* from the start (before connecting) to the end, see ack_delays */
	double downtime_s; /* from the source's freeze to the destination serving */
	double bytes;	   /* on the stream: pages, frame headers, execution state */
	unsigned rounds;   /* live pre-copy rounds; 0 for cold and post-copy */
	bool converges;	   /* pre-copy: r < 1, the dirty set shrinks round by round */
};

/*
 * The wire constants above, setup_rtts 1, ack_delays 0, commit_ns 0, max_rounds 30,
 * stop_below_pages 256, no dirtying, no hot set, no switch pages.
 */
void mig_model_params_init(struct mig_model_params *p, uint64_t state_bytes, double rate_bps,
			   uint64_t delay_ns);

/*
 * TCP payload rate on a link shaped at rate_bps with this MTU:
 *   rate_bps * (mtu - 52) / (mtu + 14).
 * Each segment carries mtu - 52 payload bytes: 20 bytes of IPv4 header and 32 of TCP header
 * (20 + 12 for the timestamps option, on by default in Linux). Our shapers (netem's rate,
 * the relay) charge the IP packet plus the 14-byte Ethernet header, the length the packet
 * has at the qdisc; GSO packets are charged per segment. The FCS (4), preamble (8) and
 * inter-frame gap (12) exist only on a real wire: a shaper that counted them would give
 * (mtu - 52) / (mtu + 38), 0.9415 at 1500 against our 0.9564. 0 if mtu <= 52.
 */
double mig_model_tcp_goodput(double rate_bps, unsigned mtu);

/*
 * Expected distinct pages after `writes` page writes uniformly over `pages` pages:
 *   pages * (1 - exp(-writes / pages)).
 * The exact expectation, pages * (1 - (1 - 1/pages)^writes), is smaller by less than
 * 1/(2e) = 0.19 pages. Never above writes nor pages. 0 if pages is 0.
 */
double mig_model_dirty_pages(double writes, double pages);

/*
 * r = w * P' * 8 / B with P' = P + frame_hdr_bytes / frame_pages the stream bytes per page:
 * the ratio of a pre-copy round's length to the previous one's (Clark series). NaN for
 * parameters the models refuse.
 */
double mig_model_ratio(const struct mig_model_params *p);

/*
 * Cold: freeze, connect, send everything, commit.
 *   downtime = setup + (S' + exec) * 8 / B + d + commit_ns,  S' = S with frame headers
 *   total    = downtime + ack,  bytes = S' + exec,  rounds 0, converges true.
 * 0, or -EINVAL for parameters out of range (then *ret is untouched).
 */
int mig_model_cold(const struct mig_model_params *p, struct mig_model_result *ret);

/*
 * Pre-copy (Clark et al., "Live Migration of Virtual Machines", NSDI 2005), as the geometric
 * series of Liu et al. ("Performance and Energy Modeling for Live Migration of Virtual
 * Machines", HPDC 2011) and Akoush et al. ("Predicting the Performance of Virtual Machine
 * Migration", MASCOTS 2010). In pages, V_0 = N and live round i lasts T_i = V_i * P' * 8 / B;
 * the agent clears its dirty bitmap as a round starts, so round i+1 resends the pages
 * written during round i:
 *   V_{i+1} = min(w * T_i, M) = min(r * V_i, M)      (plain: every write a new page)
 * with M = hot_pages or N. The series stops at the first n with V_n <= stop_below_pages or
 * n == max_rounds (n = 0 included: a state of stop_below pages or fewer goes cold); V_n then
 * goes frozen:
 *   downtime = (V_n * P' + exec) * 8 / B + d + commit_ns
 *   total    = setup + sum_{i<n} T_i + downtime + ack
 *   bytes    = P' * sum_{i<=n} V_i + exec  = S'(1 - r^(n+1)) / (1 - r) + exec
 *              (the closed form while the min() never bites: r < 1 and no hot set)
 *   rounds   = n,  converges = r < 1.
 * When r >= 1 the series does not shrink: the min() holds every round at M, only max_rounds
 * stops it, and the model's premise (live rounds buy a shorter stop) no longer holds.
 * The plain series is exact for a sequential write pattern (distinct pages until it wraps) and
 * an upper bound for any other. 0 or -EINVAL.
 */
int mig_model_precopy(const struct mig_model_params *p, struct mig_model_result *ret);

/*
 * Pre-copy with a saturating dirty set: writes fall uniformly at random on M pages (all N, or
 * the hot_pages hot set), so the distinct pages dirtied during round i are
 *   V_{i+1} = M * (1 - exp(-w * T_i / M))           (mig_model_dirty_pages)
 * and everything else is as in mig_model_precopy. Never above the plain series, and the same
 * as it while w * T_i << M. With r >= 1 the dirty set settles at a fixed point V* > 0 instead
 * of M (converges stays false: it does not shrink to nothing).
 * This is the figure bench/migrate shows as "model" for the uniform and hot-set patterns
 * (edgemu-svc picks pages that way); the plain series is the model for the sequential one.
 * 0 or -EINVAL.
 */
int mig_model_precopy_sat(const struct mig_model_params *p, struct mig_model_result *ret);

/*
 * Post-copy (Hines and Gopalan, "Post-Copy Based Live Virtual Machine Migration Using Adaptive
 * Pre-Paging and Dynamic Self-Ballooning", VEE 2009): connect, freeze, send the execution
 * state and switch_pages pages, the destination serves; the rest is pushed after, and pages
 * the destination asks for jump the queue (reordered, never sent twice).
 *   downtime = (exec + switch_pages * P') * 8 / B + d + commit_ns
 *   total    = setup + max((S' + exec) * 8 / B + d, downtime) + ack
 *   bytes    = S' + exec,  rounds 0, converges true.
 * Left out: the destination's stalls on absent pages (a slowdown after the switch, not
 * downtime) and the requests' round trips, taken to overlap the push. 0 or -EINVAL (also when
 * switch_pages > N).
 */
int mig_model_postcopy(const struct mig_model_params *p, struct mig_model_result *ret);

#endif
