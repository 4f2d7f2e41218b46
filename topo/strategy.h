/* SPDX-License-Identifier: MIT */
/*
 * A migration strategy: the one enum and the one table of names for everything that names
 * one: the scenario's `strategy:`, `edgemu migrate --strategy`, the runner's logs and results,
 * and edgemu-svc, which takes the name on its control socket ("migrate ... strategy=S") and
 * carries the value in the HELLO frame of its state stream (apps/mp.h).
 *
 * The values are on that wire: never renumber them. Header only, needing nothing but
 * libc, so that apps/ (programs that link nothing of topo) include it as well as topo/
 * and everything above it; no layer depends on another through it.
 */
#ifndef EDGEMU_TOPO_STRATEGY_H
#define EDGEMU_TOPO_STRATEGY_H

#include <errno.h>
#include <string.h>

enum topo_strategy {
	TOPO_STRATEGY_COLD = 0,	    /* freeze, copy every page, resume */
	TOPO_STRATEGY_PRECOPY = 1,  /* copy live in rounds, freeze for the last dirty pages */
	TOPO_STRATEGY_POSTCOPY = 2, /* freeze, move the execution state, pull pages after */
	TOPO_STRATEGY_N
};

/*
 * The names, in the enum's order, NULL-terminated (the parser lists them in its errors).
 * Static in a header on purpose: every user gets the same table without a library to link.
 */
static const char *const topo_strategy_names[] = {
    [TOPO_STRATEGY_COLD] = "cold",
    [TOPO_STRATEGY_PRECOPY] = "precopy",
    [TOPO_STRATEGY_POSTCOPY] = "postcopy",
    [TOPO_STRATEGY_N] = NULL,
};

/* The name of s, "?" if s is no strategy. */
static inline const char *topo_strategy_name(enum topo_strategy s)
{
	return (unsigned)s < TOPO_STRATEGY_N ? topo_strategy_names[s] : "?";
}

/* 0 and *ret set, or -EINVAL (*ret untouched) when name is no strategy. */
static inline int topo_strategy_parse(const char *name, enum topo_strategy *ret)
{
	for (unsigned i = 0; i < TOPO_STRATEGY_N; i++) {
		if (!strcmp(name, topo_strategy_names[i])) {
			*ret = (enum topo_strategy)i;
			return 0;
		}
	}
	return -EINVAL;
}

#endif
