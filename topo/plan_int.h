/* SPDX-License-Identifier: MIT */
/*
 * The route plan's graph, shared by the address and route plan (topo/plan.c) and the radio
 * access network's route plan (topo/ran_plan.c), so that both choose the same paths. Private
 * to topo/: not part of topo.h.
 */
#ifndef EDGEMU_TOPO_PLAN_INT_H
#define EDGEMU_TOPO_PLAN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topo/topo.h"

/* A path's cost; ties on delay go to fewer hops, then to the lower first link. */
struct cost {
	uint64_t delay;
	unsigned hops, first, node;
};

struct heap {
	struct cost *v;
	size_t n;
};

struct graph {
	const struct topo_model *m;
	unsigned *off;	     /* node i's interfaces: adj[off[i] .. off[i + 1]) */
	unsigned *adj;	     /* link * 2 + end, in link order */
	struct cost *best;   /* per node, from the current source; hops == UINT32_MAX: unreached */
	unsigned *first_end; /* the source's end on the path's first link */
	struct heap heap;
	struct topo_route *cand; /* one source's routes before compression */
	unsigned *count;	 /* per link: pool routes through it */
	unsigned char *reached;	 /* plan_leaf(): what a leaf's neighbour reaches ... */
	unsigned *stack;
	unsigned reach_of; /* ... and which neighbour that is (UINT_MAX: none yet) */
	unsigned *enbs;	   /* the eNBs' node indexes, in node order */
	unsigned n_enbs;
};

int plan_graph_init(struct graph *g, const struct topo_model *m);
void plan_graph_free(struct graph *g);
/* Shortest paths from src; only the source and forwarding nodes pass traffic on. */
void plan_dijkstra(struct graph *g, unsigned src);
/* The same for a source with exactly one interface (see topo/plan_graph.c). */
void plan_leaf(struct graph *g, unsigned src);
/*
 * After one of the two from src: whether src reaches the eNBs it reaches, itself aside, at
 * least one, all through one next hop: that link in *ret_link, src's end of it in *ret_end.
 * That hop gets the route for the whole UE pool.
 */
bool plan_ue_pool_hop(const struct graph *g, unsigned src, unsigned *ret_link, unsigned *ret_end);

#endif
