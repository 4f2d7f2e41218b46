/* SPDX-License-Identifier: MIT */
/*
 * What several unit tests need alike, once (support.c, a library every test_*.c links): a
 * temporary folder, files read and written whole, a model from scenario text, qsort
 * comparisons, a reproducible random stream, the parse-a-number checks, SCENARIO.md's radio.
 * The helpers fail the running cmocka test themselves where a test could not go on.
 */
#ifndef EDGEMU_TESTS_UNIT_SUPPORT_H
#define EDGEMU_TESTS_UNIT_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "mobility/radio.h"
#include "topo/topo.h"

/*
 * A group's temporary folder, /tmp/edgemu-unit.XXXXXX, in support_tmp: made by
 * support_tmp_setup, removed with everything below it (as rm -rf) by support_tmp_teardown,
 * cmocka's group fixtures (0 or -errno).
 */
extern char support_tmp[];
int support_tmp_setup(void **state);
int support_tmp_teardown(void **state);

/*
 * The whole file dir/name (dir NULL: the path name), NUL-terminated (free() it), its length
 * in *ret_len (may be NULL); NULL when it cannot be read. At most 64 MiB.
 */
char *support_file_read(const char *dir, const char *name, size_t *ret_len);
/* dir/name (dir NULL: the path name) holding text, created or truncated; fails the test. */
void support_file_write(const char *dir, const char *name, const char *text);

/* The model of a scenario's text, named t.yaml; the parser's error fails the test. */
struct topo_model *support_model(const char *text);

/* qsort() comparison of uint64_t, ascending (util_cmp_double for doubles). */
int support_cmp_u64(const void *a, const void *b);

/* The next number of a xorshift64 stream, the same sequence in every run of a test. */
uint64_t support_rand(void);

/*
 * parse(s, &v) accepted s: its value. parse(s, &v) refused s with err, and left v alone.
 * For the unit parsers of topo/ and util/ (int f(const char *, uint64_t *)).
 */
uint64_t support_u64_ok(int (*parse)(const char *, uint64_t *), const char *s);
void support_u64_bad(int (*parse)(const char *, uint64_t *), const char *s, int err);

/* SCENARIO.md's radio, with edgemu's defaults for the keys it adds. */
extern const struct mob_radio support_radio;

#endif
