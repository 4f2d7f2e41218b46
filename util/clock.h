/* SPDX-License-Identifier: MIT */
/* The clocks every module reads: one definition of "now" in ns. */
#ifndef EDGEMU_UTIL_CLOCK_H
#define EDGEMU_UTIL_CLOCK_H

#include <stdint.h>

#define UTIL_NS_PER_SEC 1000000000ULL
#define UTIL_NS_PER_MS 1000000ULL

/*
 * CLOCK_MONOTONIC in ns: the one clock of a run, the same in every namespace, so times the
 * apps write and times the runner reads compare directly.
 */
uint64_t util_now_ns(void);
/* util_now_ns() in ms, fractions kept: for durations people read (build times, benches). */
double util_now_ms(void);
/* CLOCK_REALTIME in ns since the epoch: for dates people read (a run's start), never for
 * durations. */
uint64_t util_realtime_ns(void);

#endif
