/* SPDX-License-Identifier: MIT */
/* A command line split into words as a shell would, with no shell (util/words.h). */
#include "util/words.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define BLANKS " \t\n"
#define SHELL_SYNTAX "|&;<>()$`"
#define SYNTAX_WHY "shell syntax, unquoted (edgemu starts no shell: quote it, or write sh -c '...')"

struct split {
	const char *s;
	size_t i;
	char *out;   /* the words' bytes, each NUL-terminated; NULL: only count */
	size_t len;  /* bytes written to out (or counted) */
	size_t n;    /* words started */
	bool inword; /* a word is under way (an empty "" or '' starts one too) */
};

static int fail(struct util_words_err *err, size_t off, const char *why, int rc)
{
	err->off = off;
	err->why = why;
	return rc;
}

static void put(struct split *p, char c)
{
	if (p->out)
		p->out[p->len] = c;
	p->len++;
}

static void word_end(struct split *p)
{
	if (!p->inword)
		return;
	put(p, '\0');
	p->inword = false;
}

/* A quoted part from its opening quote at p->i to its closing one. */
static int quoted(struct split *p, struct util_words_err *err)
{
	char q = p->s[p->i];
	size_t open = p->i++;

	for (;; p->i++) {
		char c = p->s[p->i];

		if (!c)
			return fail(err, open,
				    q == '\'' ? "unclosed single quote" : "unclosed double quote",
				    -EINVAL);
		if (c == q)
			break;
		if (q == '"' && c == '\\' && p->s[p->i + 1] && strchr("\"\\$`\n", p->s[p->i + 1])) {
			p->i++;
			if (p->s[p->i] == '\n')
				continue; /* a line continued: both go */
			c = p->s[p->i];
		}
		put(p, c);
	}
	p->i++;
	return 0;
}

/* One pass over s: counting (p->out NULL), or writing the words. */
static int pass(struct split *p, struct util_words_err *err)
{
	while (p->s[p->i]) {
		char c = p->s[p->i];
		int rc;

		if (strchr(BLANKS, c)) {
			word_end(p);
			p->i++;
			continue;
		}
		/* A line continued between words: nothing, not an empty word. */
		if (!p->inword && c == '\\' && p->s[p->i + 1] == '\n') {
			p->i += 2;
			continue;
		}
		/* A shell takes a word that starts with # for a comment, to the line's end. */
		if (!p->inword && c == '#')
			return fail(err, p->i, SYNTAX_WHY, -EINVAL);
		if (!p->inword) {
			if (p->n == UTIL_WORDS_MAX)
				return fail(err, p->i, "more than 256 words", -E2BIG);
			p->n++;
			p->inword = true;
		}
		if (c == '\'' || c == '"') {
			rc = quoted(p, err);
			if (rc < 0)
				return rc;
		} else if (c == '\\') {
			if (!p->s[p->i + 1])
				return fail(err, p->i, "a backslash at the end", -EINVAL);
			if (p->s[p->i + 1] != '\n')
				put(p, p->s[p->i + 1]);
			p->i += 2;
		} else if (strchr(SHELL_SYNTAX, c)) {
			return fail(err, p->i, SYNTAX_WHY, -EINVAL);
		} else {
			put(p, c);
			p->i++;
		}
	}
	word_end(p);
	return 0;
}

int util_words_split(const char *s, char ***ret_argv, size_t *ret_n, struct util_words_err *err)
{
	struct split p = {.s = s};
	char **argv, *q;
	int rc = pass(&p, err);

	if (rc < 0)
		return rc;
	/* The pointers, then the words: one block. */
	argv = malloc((p.n + 1) * sizeof(*argv) + p.len + 1);
	if (!argv)
		return -ENOMEM;
	q = (char *)(argv + p.n + 1);
	p = (struct split){.s = s, .out = q};
	rc = pass(&p, err);
	if (rc < 0) {
		free(argv);
		return rc;
	}
	for (size_t k = 0; k < p.n; k++) {
		argv[k] = q;
		q += strlen(q) + 1;
	}
	argv[p.n] = NULL;
	*ret_argv = argv;
	*ret_n = p.n;
	return 0;
}
