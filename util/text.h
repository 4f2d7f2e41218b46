/* SPDX-License-Identifier: MIT */
/* Text written into JSON and HTML (one escaping of each, for every file), and text built in
 * memory. */
#ifndef EDGEMU_UTIL_TEXT_H
#define EDGEMU_UTIL_TEXT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* s as a JSON string, quotes included: '"' and '\' escaped, control characters as \uXXXX. */
void util_json_str(FILE *f, const char *s);
/* s as HTML text or attribute value: & < > " escaped. */
void util_html(FILE *f, const char *s);

/* Text built in memory by appending; s is NUL-terminated once anything was appended. */
struct util_buf {
	char *s;
	size_t len;
	size_t cap;
	int err; /* the first failure, kept: later appends do nothing, one check at the end */
};

/* Appends, printf-like: 0, or -ENOMEM (b->err) with the text as it was. */
__attribute__((format(printf, 2, 3))) int util_buf_printf(struct util_buf *b, const char *fmt, ...);
__attribute__((format(printf, 2, 0))) int util_buf_vprintf(struct util_buf *b, const char *fmt,
							   va_list ap);
/* Frees the text and empties b. */
void util_buf_free(struct util_buf *b);

#endif
