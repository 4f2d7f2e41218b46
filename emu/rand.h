/* SPDX-License-Identifier: MIT */
/*
 * The random choices of the relay's shaping (emu/relay_queue.c), shared with the radio access
 * switch (emu/ran_switch.c) so that a link and a UE lose and jitter alike: xoshiro256**
 * seeded through splitmix64, netem's loss models and jitter distributions.
 */
#ifndef EDGEMU_EMU_RAND_H
#define EDGEMU_EMU_RAND_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/relay.h"

void emu_rand_seed(uint64_t rng[4], uint64_t seed);
/* Whether the next packet is lost; *bad is the Gilbert-Elliott state, false to start. */
bool emu_rand_lose(uint64_t rng[4], bool *bad, const struct emu_loss *l);
/* A sample of dist with mean 0 and standard deviation 1 (uniform: bounds -1 and 1). */
double emu_rand_jitter(uint64_t rng[4], enum emu_dist dist);
/* 0 if the relay can apply s (with trace, which may be NULL), else -EINVAL. */
int emu_rand_shape_check(const struct emu_shape *s, const struct emu_trace *trace);

#endif
