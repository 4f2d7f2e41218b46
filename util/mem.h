/* SPDX-License-Identifier: MIT */
/* Arrays that grow as they are filled. */
#ifndef EDGEMU_UTIL_MEM_H
#define EDGEMU_UTIL_MEM_H

#include <stddef.h>

/*
 * Room for element n (0-based) in the array whose pointer is at parray (a T **), of
 * elements of size bytes and *cap of them allocated: grown to first elements, then doubled.
 * 0, or -ENOMEM with the array and *cap as they were.
 */
int util_grow(void *parray, size_t *cap, size_t n, size_t size, size_t first);

#endif
