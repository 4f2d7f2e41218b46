/* SPDX-License-Identifier: MIT */
#include <time.h>

#include "util/clock.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * UTIL_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t util_now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

double util_now_ms(void)
{
	return (double)util_now_ns() / 1e6;
}

uint64_t util_realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}
