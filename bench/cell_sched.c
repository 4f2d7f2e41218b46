/* SPDX-License-Identifier: MIT */
/*
 * bench/cell_sched: what a cell's scheduler (emu/cell_sched.h) costs and how it shares, on a
 * virtual clock. Prints, for 1, 8, 64 and 512 saturating UEs in one cell, the packets per
 * second of CPU it moves (one enqueue and one dequeue each), with the round alone (a cell of
 * 10 Gbit/s, no caps) and with every UE held by its own cap (through the throttle heap);
 * then issue 14's figure: 1, 2, 4, 8 UEs downloading in a 40 Mbit/s cell for 10 virtual
 * seconds, each UE's rate against capacity/N and the most the cell sent in any 100 ms.
 * Asserts nothing; no root needed.
 *
 *   build/bench/cell_sched [PACKETS]     (default 4000000 per row)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu/cell_sched.h"

#define MS 1000000ULL
#define S 1000000000ULL
#define MBIT 1000000ULL
#define LEN 1514
#define DEPTH 8 /* packets kept queued per UE */
/* A pool twice what the UEs hold: a UE may take a slot only while it holds fewer than are free. */
#define POOL(n) ((uint32_t)(2 * (n)*DEPTH))

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Move `packets` packets through a cell of n UEs (capacity_bps, caps ue_bps each) on a
 * virtual clock; sent[] (n entries, may be NULL) gets each UE's bytes, bins[] (1 ms each,
 * may be NULL) the cell's bits. Returns the wall time in seconds, or -1.
 */
static double pump(size_t n, uint64_t capacity_bps, uint64_t ue_bps, uint64_t packets,
		   uint64_t *sent, uint64_t *bins, uint64_t *ret_virtual_ns)
{
	struct emu_cell_conf conf = {
	    .capacity_bps = capacity_bps, .ues_max = (uint32_t)n, .pkts_max = POOL(n)};
	uint64_t now = 0, next, done = 0;
	struct emu_cell_pkt p;
	struct emu_cell *c;
	double t0;

	if (emu_cell_new(&conf, &c) < 0) {
		fprintf(stderr, "cell_sched: cannot make a cell of %zu UEs\n", n);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		int u = emu_cell_ue_add(c, ue_bps);

		for (int k = 0; u >= 0 && k < DEPTH; k++)
			if (emu_cell_enqueue(c, u, NULL, LEN) < 0)
				goto err;
	}
	t0 = mono_s();
	while (done < packets) {
		if (!emu_cell_dequeue(c, now, &p, &next)) {
			if (next == UINT64_MAX)
				break;
			now = next;
			continue;
		}
		done++;
		if (sent)
			sent[p.ue] += p.len;
		if (bins)
			bins[now / MS] += p.len * 8ULL;
		/* A saturating sender: what leaves is replaced at once. */
		if (emu_cell_enqueue(c, p.ue, NULL, LEN) < 0)
			goto err;
	}
	t0 = mono_s() - t0;
	*ret_virtual_ns = now;
	emu_cell_free(c, NULL, NULL);
	return t0;
err:
	/* A refused packet would leave its UE with less than DEPTH: not a saturating sender. */
	fprintf(stderr, "cell_sched: a packet was refused\n");
	emu_cell_free(c, NULL, NULL);
	return -1;
}

static int throughput(uint64_t packets)
{
	static const size_t counts[] = {1, 8, 64, 512};

	printf("throughput, %" PRIu64 " packets of %d bytes per row (one enqueue + one dequeue "
	       "each):\n",
	       packets, LEN);
	printf("%6s  %22s  %22s  %10s\n", "UEs", "round (Mpkt/s, ns/pkt)",
	       "capped (Mpkt/s, ns/pkt)", "memory (pool of 16 packets a UE)");
	for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		size_t n = counts[k];
		struct emu_cell_conf conf = {.ues_max = (uint32_t)n, .pkts_max = POOL(n)};
		uint64_t vt;
		/* Caps that add up to half the cell: every UE goes through the heap. */
		double a = pump(n, 10000 * MBIT, 0, packets, NULL, NULL, &vt);
		double b = pump(n, 10000 * MBIT, 5000 * MBIT / n, packets, NULL, NULL, &vt);

		if (a < 0 || b < 0)
			return -1;
		printf("%6zu  %11.2f %10.0f  %11.2f %10.0f  %8.1f KiB\n", n, packets / a / 1e6,
		       a * 1e9 / packets, packets / b / 1e6, b * 1e9 / packets,
		       emu_cell_mem(&conf) / 1024.0);
	}
	return 0;
}

static int sharing(void)
{
	static const size_t counts[] = {1, 2, 4, 8};
	const uint64_t cap = 40 * MBIT, dur = 10 * S;
	/* Enough packets to fill 10 s of 40 Mbit/s; the loop stops there. */
	const uint64_t packets = cap / 8 * 10 / LEN;

	printf("\nsharing a %" PRIu64 " Mbit/s cell for 10 virtual seconds (want capacity/N "
	       "within 25%%, 100 ms windows at most capacity + 10%%):\n",
	       (uint64_t)(cap / MBIT));
	printf("%4s  %12s  %12s  %12s  %10s  %18s\n", "UEs", "want Mbit/s", "min Mbit/s",
	       "max Mbit/s", "sum", "max 100 ms (Mbit)");
	for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		size_t n = counts[k], nbins = dur / MS + 2;
		uint64_t sent[8] = {0}, *bins = calloc(nbins + 64, sizeof(*bins)), win = 0;
		uint64_t wmax = 0, vt, sum = 0;
		double lo = 1e300, hi = 0;

		if (!bins || pump(n, cap, 0, packets, sent, bins, &vt) < 0) {
			if (!bins)
				fprintf(stderr, "cell_sched: out of memory\n");
			free(bins);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			double r = sent[i] * 8.0 * S / vt / MBIT;

			lo = r < lo ? r : lo;
			hi = r > hi ? r : hi;
			sum += sent[i];
		}
		for (size_t b = 0; b < nbins + 64; b++) {
			win += bins[b];
			if (b >= 100)
				win -= bins[b - 100];
			wmax = win > wmax ? win : wmax;
		}
		printf("%4zu  %12.2f  %12.3f  %12.3f  %10.3f  %18.3f\n", n, (double)cap / MBIT / n,
		       lo, hi, sum * 8.0 * S / vt / MBIT, (double)wmax / MBIT);
		free(bins);
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t packets = 4000000;

	if (argc > 1) {
		char *end;

		packets = strtoull(argv[1], &end, 10);
		if (*end || !packets) {
			fprintf(stderr, "usage: %s [PACKETS]\n", argv[0]);
			return 2;
		}
	}
	if (throughput(packets) < 0 || sharing() < 0)
		return 1;
	return 0;
}
