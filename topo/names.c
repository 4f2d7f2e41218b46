/* SPDX-License-Identifier: MIT */
/*
 * Open addressing with linear probing, at most half full: names are few bytes and never
 * removed, so the simplest table is also the fastest. FNV-1a spreads short similar names
 * (ue1, ue2, ...) well enough for linear probing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "topo/names.h"

struct topo_names_slot {
	const char *name; /* NULL: empty */
	unsigned space;
	unsigned value;
	uint32_t hash;
};

static uint32_t hash(unsigned space, const char *name)
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 4; i++) {
		h ^= (space >> (8 * i)) & 0xff;
		h *= 16777619u;
	}
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return h;
}

static int grow(struct topo_names *t, size_t cap)
{
	struct topo_names_slot *v = calloc(cap, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		size_t j;

		if (!t->v[i].name)
			continue;
		for (j = t->v[i].hash & (cap - 1); v[j].name; j = (j + 1) & (cap - 1))
			;
		v[j] = t->v[i];
	}
	free(t->v);
	t->v = v;
	t->cap = cap;
	return 0;
}

int topo_names_init(struct topo_names *t, size_t n)
{
	size_t cap = 16;

	*t = (struct topo_names){0};
	while (cap < 2 * n && cap < SIZE_MAX / 4 / sizeof(*t->v))
		cap *= 2;
	return grow(t, cap);
}

void topo_names_free(struct topo_names *t)
{
	if (!t)
		return;
	free(t->v);
	*t = (struct topo_names){0};
}

long topo_names_get(const struct topo_names *t, unsigned space, const char *name)
{
	uint32_t h = hash(space, name);

	if (!t->cap)
		return -1;
	for (size_t i = h & (t->cap - 1); t->v[i].name; i = (i + 1) & (t->cap - 1))
		if (t->v[i].hash == h && t->v[i].space == space && !strcmp(t->v[i].name, name))
			return t->v[i].value;
	return -1;
}

int topo_names_add(struct topo_names *t, unsigned space, const char *name, unsigned value)
{
	uint32_t h = hash(space, name);
	size_t i;

	if (2 * (t->n + 1) > t->cap) {
		int r = grow(t, t->cap ? 2 * t->cap : 16);

		if (r < 0)
			return r;
	}
	for (i = h & (t->cap - 1); t->v[i].name; i = (i + 1) & (t->cap - 1))
		;
	t->v[i] = (struct topo_names_slot){name, space, value, h};
	t->n++;
	return 0;
}
