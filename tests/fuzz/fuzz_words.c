/* SPDX-License-Identifier: MIT */
/*
 * Command lines split into words (util/words.c), as an app's run: is: the input is one line.
 * What splits stays within its bounds, and its words quoted back (each in '...') split again
 * into the same words; what does not names a place inside the line.
 */
#include <errno.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "util/words.h"

/* The words quoted as a shell would take them back: 'it'\''s'. NULL: out of memory. */
static char *requote(char **argv, size_t n)
{
	size_t len = 1;
	char *s, *p;

	for (size_t i = 0; i < n; i++)
		len += 4 * strlen(argv[i]) + 3;
	s = malloc(len);
	if (!s)
		return NULL;
	p = s;
	for (size_t i = 0; i < n; i++) {
		*p++ = '\'';
		for (const char *c = argv[i]; *c; c++) {
			if (*c == '\'') {
				memcpy(p, "'\\''", 4);
				p += 4;
			} else {
				*p++ = *c;
			}
		}
		*p++ = '\'';
		*p++ = ' ';
	}
	*p = '\0';
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct util_words_err err = {0};
	char *s = fuzz_strndup(data, size), **argv = NULL, **again = NULL, *q;
	size_t n = 0, m = 0, total = 0;
	int rc;

	if (!s)
		return 0;
	rc = util_words_split(s, &argv, &n, &err);
	if (rc < 0) {
		FUZZ_CHECK(rc == -EINVAL || rc == -E2BIG || rc == -ENOMEM);
		FUZZ_CHECK(rc == -ENOMEM || (err.why && err.off < strlen(s)));
		free(s);
		return 0;
	}
	FUZZ_CHECK(n <= UTIL_WORDS_MAX);
	FUZZ_CHECK(argv[n] == NULL);
	for (size_t i = 0; i < n; i++)
		total += strlen(argv[i]);
	FUZZ_CHECK(total <= strlen(s));
	q = requote(argv, n);
	if (q) {
		FUZZ_CHECK(util_words_split(q, &again, &m, &err) == 0);
		FUZZ_CHECK(m == n);
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK(!strcmp(argv[i], again[i]));
		free(again);
		free(q);
	}
	free(argv);
	free(s);
	return 0;
}
