/* SPDX-License-Identifier: MIT */
/*
 * The sweep module's header is sweep/sweep.h: this one stays only for sweep/sweep_stats.c,
 * which still names it while the results module rewrites that file (one line to change
 * after both are in).
 */
#include "sweep/sweep.h"
