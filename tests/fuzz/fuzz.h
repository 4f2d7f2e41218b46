/* SPDX-License-Identifier: MIT */
/*
 * One fuzz target per file: libFuzzer's entry point. The same file links into the fuzzer
 * (clang -fsanitize=fuzzer, EDGEMU_FUZZ=ON) and into a replay driver (replay.c, any
 * compiler) that feeds it the corpus and the reproducers under ctest.
 */
#ifndef EDGEMU_TESTS_FUZZ_H
#define EDGEMU_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the code under test must keep: abort so the fuzzer keeps the input. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* The input as a C string (the parsers take text; an embedded NUL is part of the test). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s) {
		for (size_t i = 0; i < size; i++)
			s[i] = (char)data[i];
		s[size] = '\0';
	}
	return s;
}

#endif
