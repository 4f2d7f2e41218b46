/* SPDX-License-Identifier: MIT */
/* JSON and HTML escaping for every output file: see text.h. */
#include <errno.h>
#include <stdlib.h>

#include "util/text.h"

void util_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

void util_html(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

int util_buf_vprintf(struct util_buf *b, const char *fmt, va_list ap)
{
	if (b->err)
		return b->err;
	for (;;) {
		size_t room = b->cap - b->len, cap;
		va_list aq;
		char *p;
		int n;

		va_copy(aq, ap);
		n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, aq);
		va_end(aq);
		if (n < 0)
			return b->err = -EINVAL;
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return 0;
		}
		cap = b->cap * 2 + 4096 + (size_t)n;
		p = realloc(b->s, cap);
		if (!p)
			return b->err = -ENOMEM;
		b->s = p;
		b->cap = cap;
	}
}

int util_buf_printf(struct util_buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = util_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

void util_buf_free(struct util_buf *b)
{
	free(b->s);
	*b = (struct util_buf){0};
}
