/* SPDX-License-Identifier: MIT */
/*
 * Link shaping: one model (delay, jitter with a distribution, loss, rate, queue limit,
 * capacity trace) and two backends that apply it. netem: a qdisc on the sending interface,
 * over rtnetlink. relay: a userspace link emulator that forwards frames between the two
 * ends of a link (for kernels without sch_netem, and for capacity traces).
 */
#ifndef EDGEMU_EMU_SHAPE_H
#define EDGEMU_EMU_SHAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/netlink.h>

#include "emu/emu.h"

enum emu_dist {
	EMU_DIST_NONE, /* no jitter */
	EMU_DIST_NORMAL,
	EMU_DIST_UNIFORM,
	EMU_DIST_PARETO,
};

enum emu_loss_model {
	EMU_LOSS_NONE,
	EMU_LOSS_RANDOM,  /* each packet lost with probability p */
	EMU_LOSS_GILBERT, /* Gilbert-Elliott, netem's parameters: p (good->bad), r (bad->good),
			   * 1-h (loss in bad), 1-k (loss in good) */
};

/* Probabilities are fractions in [0, 1]. */
struct emu_loss {
	enum emu_loss_model model;
	double p, r, h, k;
};

/* Shaping of one direction of a link; zero fields mean "none". */
struct emu_shape {
	uint64_t delay_ns;
	uint64_t jitter_ns;
	enum emu_dist dist;
	struct emu_loss loss;
	uint64_t rate_bps;
	uint32_t limit;	   /* packets; 0 = the backend's default (1000) */
	const char *trace; /* Mahimahi mm-link file (relay only); NULL = none */
};

#define EMU_SHAPE_DEFAULT_LIMIT 1000

/* --- netem backend (emu/netem.c) --- */

/*
 * A netem qdisc request for the root of interface index: RTM_NEWQDISC with NLM_F_CREATE |
 * NLM_F_REPLACE (so the same message builds and changes it in place, with no gap), handle
 * 1:, TCA_OPTIONS = struct tc_netem_qopt then nested attributes: 64-bit latency and jitter,
 * rate (bytes per second as netem wants, 64-bit above 4 GB/s), Gilbert-Elliott
 * loss, and the jitter distribution table. Writes into buf of EMU_NETEM_MSG_MAX bytes.
 * Returns NULL if s cannot be expressed in netem (a trace; a delay above INT64_MAX ns or a
 * jitter above INT32_MAX ns, which netem would read as negative or cut).
 */
#define EMU_NETEM_MSG_MAX 16384
struct nlmsghdr *emu_msg_netem(void *buf, int index, const struct emu_shape *s);
/* Parse a netem qdisc message (RTM_NEWQDISC as dumped) back into a shape; 0 or -errno. */
int emu_netem_parse(const struct nlmsghdr *nlh, struct emu_shape *ret);
/* The jitter distribution table netem gets for dist (NULL for none/uniform), and its size. */
const int16_t *emu_netem_dist_table(enum emu_dist dist, size_t *ret_n);

/*
 * Queue the request that applies s to interface index (create, or change in place) on the
 * interface's namespace socket; prev is what is there now (NULL: nothing or unknown), so the
 * distribution table is sent only when it changes. Sent by the batch's next flush.
 * -EOPNOTSUPP for a trace, -ERANGE for a delay or jitter netem cannot hold.
 */
int emu_netem_set(struct emu_nl *nl, int index, const struct emu_shape *s,
		  const struct emu_shape *prev);
/* Read back the netem at the root of interface index; -ENOENT if there is none. */
int emu_netem_get(struct emu_nl *nl, int index, struct emu_shape *ret);
/*
 * Whether this kernel has sch_netem: tries to load the module (the kernel does on first
 * use) by adding a netem qdisc in a throwaway namespace. 0 = present, else -errno.
 */
int emu_netem_probe(void);

#endif
