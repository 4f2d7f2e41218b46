/* SPDX-License-Identifier: MIT */
/*
 * bench/ran_handover: what a handover costs in the radio access data plane of issue 14
 * (bpf/ran_api.h): one ran_ue_attach() call, i.e. the lookups that check the UE and the cell
 * plus the one map update the programs see. Prints figures; asserts nothing. Needs root.
 *
 *   sudo build/bench/ran_handover [HANDOVERS] [UES] [CELLS]   # default 10000 1000 50
 *
 * The maps hold UES UEs and CELLS cells (no ports needed: a handover touches no interface);
 * each handover moves a random UE to another random cell. The second figure is the same
 * with every other handover a detach and a re-attach (a handover with an interruption).
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/ran_api.h"
#include "util/clock.h"
#include "util/hist.h"

#define UE_BASE 100000
#define CELL_BASE 1

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t next_rand(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static int populate(struct ran *r, int ues, int cells)
{
	uint8_t own[6] = {2, 0, 0, 0, 0, 0}, peer[6] = {2, 1, 0, 0, 0, 0};
	int err;

	for (int c = 0; c < cells; c++) {
		own[5] = peer[5] = (uint8_t)c;
		err = ran_cell_set(r, CELL_BASE + c, own, peer);
		if (err < 0)
			return err;
	}
	for (int u = 0; u < ues; u++) {
		uint32_t addr = htonl(0x0a800000u + (uint32_t)u + 1);

		own[4] = peer[4] = (uint8_t)(u >> 8);
		own[5] = peer[5] = (uint8_t)u;
		err = ran_ue_set(r, UE_BASE + u, addr, peer, own);
		if (err == 0)
			err = ran_ue_attach(r, UE_BASE + u, CELL_BASE + u % cells);
		if (err < 0)
			return err;
	}
	return 0;
}

/* n handovers of random UEs to another random cell; with_gap: detach first, untimed. */
static int measure(struct ran *r, int n, int ues, int cells, int with_gap, struct util_hist *h,
		   struct util_hist *lookup)
{
	memset(h, 0, sizeof(*h));
	memset(lookup, 0, sizeof(*lookup));
	for (int i = 0; i < n; i++) {
		int ue = UE_BASE + (int)next_rand((uint32_t)ues), cell, err;
		uint64_t t0, t1;

		t0 = util_now_ns();
		err = ran_ue_cell(r, ue, &cell, NULL);
		t1 = util_now_ns();
		if (err < 0)
			return err;
		util_hist_add(lookup, t1 - t0);
		if (with_gap && (i & 1)) {
			err = ran_ue_attach(r, ue, 0);
			if (err < 0)
				return err;
		}
		cell = CELL_BASE +
		       (cell - CELL_BASE + 1 + (int)next_rand((uint32_t)cells - 1)) % cells;
		t0 = util_now_ns();
		err = ran_ue_attach(r, ue, cell);
		t1 = util_now_ns();
		if (err < 0)
			return err;
		util_hist_add(h, t1 - t0);
	}
	return 0;
}

static void print_row(const char *what, const struct util_hist *h)
{
	printf("%-34s %8llu %8.2f %8.2f %8.2f\n", what, (unsigned long long)h->count,
	       util_hist_quantile(h, 0.5) / 1e3, util_hist_quantile(h, 0.99) / 1e3,
	       (double)h->max_ns / 1e3);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10000, ues = argc > 2 ? atoi(argv[2]) : 1000;
	int cells = argc > 3 ? atoi(argv[3]) : 50, err;
	struct util_hist h, lookup;
	struct ran *r;

	if (n < 1 || ues < 1 || ues > RAN_MAX_UES || cells < 2 || cells > RAN_MAX_CELLS) {
		fprintf(stderr, "usage: ran_handover [HANDOVERS] [UES 1..%d] [CELLS 2..%d]\n",
			RAN_MAX_UES, RAN_MAX_CELLS);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "ran_handover: needs root (BPF)\n");
		return 1;
	}
	err = ran_open(&r);
	if (err == 0)
		err = populate(r, ues, cells);
	if (err < 0) {
		fprintf(stderr, "ran_handover: setting up the maps: %s\n", strerror(-err));
		ran_close(r);
		return 1;
	}
	printf("%d UEs, %d cells; handover = ran_ue_attach() (2 lookups + 1 map update), us\n", ues,
	       cells);
	printf("%-34s %8s %8s %8s %8s\n", "", "count", "p50", "p99", "max");
	/* A first round warms the caches and the allocator; it is not reported. */
	err = measure(r, n, ues, cells, 0, &h, &lookup);
	if (err == 0)
		err = measure(r, n, ues, cells, 0, &h, &lookup);
	if (err == 0) {
		print_row("cell to cell", &h);
		/* One bpf() syscall alone, to tell the update from the checks around it. */
		print_row("ran_ue_cell() (1 lookup)", &lookup);
		err = measure(r, n, ues, cells, 1, &h, &lookup);
	}
	if (err == 0)
		print_row("re-attach after a detach", &h);
	ran_close(r);
	if (err < 0) {
		fprintf(stderr, "ran_handover: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
