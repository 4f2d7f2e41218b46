/* SPDX-License-Identifier: MIT */
/*
 * A private index of names for the parser and the radio links: (space, name) -> value, an
 * open-addressing hash table, so big scenarios parse in linear time. The names are borrowed,
 * not copied: each must stay where it is while the index lives. space keeps unrelated sets
 * of names apart in one table (interface names are per node: space = the node's index).
 */
#ifndef EDGEMU_TOPO_NAMES_H
#define EDGEMU_TOPO_NAMES_H

#include <stddef.h>

struct topo_names_slot;

struct topo_names {
	struct topo_names_slot *v;
	size_t cap; /* a power of 2, or 0 */
	size_t n;
};

/* Room for about n names without growing; 0 or -ENOMEM. */
int topo_names_init(struct topo_names *t, size_t n);
void topo_names_free(struct topo_names *t);
/* The value of (space, name), or -1. */
long topo_names_get(const struct topo_names *t, unsigned space, const char *name);
/* Adds (space, name) -> value, which must not be there yet; 0 or -ENOMEM. */
int topo_names_add(struct topo_names *t, unsigned space, const char *name, unsigned value);

#endif
