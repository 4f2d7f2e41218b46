/* SPDX-License-Identifier: MIT */
/* Text written into JSON and HTML: one escaping of each, for every file. */
#ifndef EDGEMU_UTIL_TEXT_H
#define EDGEMU_UTIL_TEXT_H

#include <stdio.h>

/* s as a JSON string, quotes included: '"' and '\' escaped, control characters as \uXXXX. */
void util_json_str(FILE *f, const char *s);
/* s as HTML text or attribute value: & < > " escaped. */
void util_html(FILE *f, const char *s);

#endif
