/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

int util_grow(void *parray, size_t *cap, size_t n, size_t size, size_t first)
{
	size_t want;
	void *p;

	if (n < *cap)
		return 0;
	want = *cap ? 2 * *cap : first;
	if (want <= n)
		want = n + 1;
	if (!size || want > SIZE_MAX / size)
		return -ENOMEM;
	/* parray may be any T **: its pointer is read and written as bytes. */
	memcpy(&p, parray, sizeof(p));
	p = realloc(p, want * size);
	if (!p)
		return -ENOMEM;
	memcpy(parray, &p, sizeof(p));
	*cap = want;
	return 0;
}
