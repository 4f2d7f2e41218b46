/* SPDX-License-Identifier: MIT */
/*
 * A command line split into words as a POSIX shell splits them, without a shell: the `run:`
 * of a scenario's apps. Blanks (space, tab, newline) separate words; '...' keeps everything
 * in it as it is; "..." too, but for a backslash before " \ $ ` or a newline (the newline
 * then goes, with its backslash); outside quotes a backslash keeps the next character as it
 * is (a backslash-newline goes). Nothing is expanded: no variables, globs, ~ or commands.
 * Shell syntax a shell would act on, unquoted (| & ; < > ( ) $ `, and # starting a word), is
 * an error rather than a word: the user wrote it for a shell (`sh -c '...'` gives one).
 */
#ifndef EDGEMU_UTIL_WORDS_H
#define EDGEMU_UTIL_WORDS_H

#include <stddef.h>

#define UTIL_WORDS_MAX 256 /* words in a line */

/* Why a line does not split, and where: the byte offset of the fault in the line. */
struct util_words_err {
	size_t off;
	const char *why; /* static text: "unclosed single quote", ... */
};

/*
 * s split into *ret_argv, a NULL-terminated array of *ret_n words in one allocation (free()
 * it alone); the words hold at most strlen(s) bytes in all. 0; -EINVAL with *err set (a
 * quote left open, a backslash at the end, shell syntax); -E2BIG for more than
 * UTIL_WORDS_MAX words (*err set); -ENOMEM. A line of blanks only is 0 words.
 */
int util_words_split(const char *s, char ***ret_argv, size_t *ret_n, struct util_words_err *err);

#endif
