/* SPDX-License-Identifier: MIT */
/*
 * docs/scenario.md against the scenario parser: every key the parser accepts, and every name
 * a key takes (kinds, models, strategies, ...), must appear in the reference as `word`, so a
 * key added to the parser without its documentation fails here. The parser's own tables are
 * the source: this reads the text of every parser file (PARSER_FILES) and takes every string
 * of every `*_keys[]` and `*_names[]` table, and of the inline name lists handed to get_enum().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"
#include "util/file.h"

/*
 * The parser's files, relative to the source tree: a glob, so that a file split off the
 * parser later is read without anyone remembering this test; and the tables of names it
 * shares with the rest (strategies; policies and their parameters, as TOPO_POLICY_LIST's
 * lines).
 */
#define PARSER_FILES "topo/{parse*.[ch],strategy.h,policies.h}"

struct word {
	char s[64];
	char table[96]; /* where it comes from: "NAME in FILE", or FILE:LINE */
};

struct words {
	struct word *v;
	size_t n, cap;
	unsigned tables;
};

static const char *src_dir(void)
{
	const char *src = getenv("EDGEMU_SRC");

	return src ? src : ".";
}

static char *slurp(const char *rel)
{
	char path[4096];
	char *buf = NULL;

	snprintf(path, sizeof(path), "%s/%s", src_dir(), rel);
	if (util_file_read(path, 16u << 20, &buf, NULL) < 0) {
		print_error("cannot read %s (EDGEMU_SRC is the source tree)\n", path);
		return NULL;
	}
	return buf;
}

static unsigned line_of(const char *text, const char *at)
{
	unsigned line = 1;

	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	return line;
}

static void add(struct words *w, const char *s, size_t len, const char *table)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		w->v = realloc(w->v, w->cap * sizeof(*w->v));
		assert_non_null(w->v);
	}
	assert_true(len < sizeof(w->v[0].s));
	memcpy(w->v[w->n].s, s, len);
	w->v[w->n].s[len] = '\0';
	snprintf(w->v[w->n].table, sizeof(w->v[0].table), "%s", table);
	w->n++;
}

/* The string literals of the initializer that starts at body ("{"), up to its "}". */
static void take_strings(struct words *w, const char *body, const char *table)
{
	const char *p = body + 1;

	w->tables++;
	while (*p && *p != '}') {
		if (p[0] == '/' && p[1] == '*') {
			const char *end = strstr(p + 2, "*/");

			p = end ? end + 2 : p + strlen(p);
		} else if (*p == '"') {
			const char *end = strchr(p + 1, '"');

			assert_non_null(end);
			add(w, p + 1, (size_t)(end - p - 1), table);
			p = end + 1;
		} else {
			p++;
		}
	}
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !memcmp(s + len - n, suffix, n);
}

/*
 * "static const char *const NAME[] = {...}" where NAME ends in _keys or _names (the
 * expect() type words and sweep_fixed are neither), and "(const char *const[]){...}", the
 * inline lists of names.
 */
static void extract(const char *text, const char *file, struct words *w)
{
	static const char decl[] = "const char *const";

	for (const char *p = strstr(text, decl); p; p = strstr(p + 1, decl)) {
		const char *q = p + sizeof(decl) - 1, *name;
		size_t len;
		char table[96];

		if (!strncmp(q, "[]){", 4)) {
			snprintf(table, sizeof(table), "%s:%u", file, line_of(text, p));
			take_strings(w, q + 3, table);
			continue;
		}
		while (*q == ' ')
			q++;
		name = q;
		while ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '_')
			q++;
		len = (size_t)(q - name);
		if (strncmp(q, "[] = {", 6) || !len)
			continue;
		if (!ends_with(name, len, "_keys") && !ends_with(name, len, "_names"))
			continue;
		snprintf(table, sizeof(table), "%.*s in %s", (int)len, name, file);
		take_strings(w, q + 5, table);
	}
}

/*
 * topo/policies.h's lines, "\tTOPO_POLICY(ID, name, TOPO_PARAM_...("key", ...) ...)": each
 * policy's name and its parameters' keys.
 */
static void extract_policies(const char *text, const char *file, struct words *w)
{
	static const char line[] = "\n\tTOPO_POLICY(", *const params[] = {"TOPO_PARAM_COUNT(\"",
									  "TOPO_PARAM_TIME(\""};
	char table[96];

	snprintf(table, sizeof(table), "TOPO_POLICY_LIST in %s", file);
	for (const char *p = strstr(text, line); p; p = strstr(p + 1, line)) {
		const char *name = strchr(p, ',');
		size_t len;

		w->tables += p == strstr(text, line);
		assert_non_null(name);
		name += strspn(name + 1, " ") + 1;
		len = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_");
		add(w, name, len, table);
	}
	for (size_t i = 0; i < 2; i++) {
		for (const char *p = strstr(text, params[i]); p; p = strstr(p + 1, params[i])) {
			const char *key = p + strlen(params[i]), *end = strchr(key, '"');

			assert_non_null(end);
			add(w, key, (size_t)(end - key), table);
		}
	}
}

static bool has_word(const struct words *w, const char *s)
{
	for (size_t i = 0; i < w->n; i++)
		if (!strcmp(w->v[i].s, s))
			return true;
	return false;
}

/* Every parser file's tables into w; the number of files read. */
static size_t extract_parser(struct words *w)
{
	char pattern[4096];
	size_t prefix, files;
	glob_t g;

	prefix = (size_t)snprintf(pattern, sizeof(pattern), "%s/", src_dir());
	snprintf(pattern + prefix, sizeof(pattern) - prefix, "%s", PARSER_FILES);
	if (glob(pattern, GLOB_BRACE, NULL, &g) != 0) {
		print_error("no file matches %s (EDGEMU_SRC is the source tree)\n", pattern);
		return 0;
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *rel = g.gl_pathv[i] + prefix;
		char *text = slurp(rel);

		assert_non_null(text);
		extract(text, rel, w);
		extract_policies(text, rel, w);
		free(text);
	}
	files = g.gl_pathc;
	globfree(&g);
	return files;
}

static void test_every_key_documented(void **state)
{
	char *doc = slurp("docs/scenario.md");
	struct words w = {0};
	unsigned missing = 0;
	size_t files;

	(void)state;
	assert_non_null(doc);
	files = extract_parser(&w);
	/*
	 * The extraction itself: a parser written differently would otherwise find nothing
	 * and pass. These tables and words exist today; fewer means the reader went blind.
	 */
	if (w.tables < 20 || !has_word(&w, "endpoints") || !has_word(&w, "lookahead") ||
	    !has_word(&w, "gilbert") || !has_word(&w, "random-waypoint") ||
	    !has_word(&w, "loss_margin")) {
		print_error("read %u tables, %zu words from %zu files %s: the tables changed "
			    "shape; update this test's reader\n",
			    w.tables, w.n, files, PARSER_FILES);
		fail();
	}
	for (size_t i = 0; i < w.n; i++) {
		char quoted[80];

		snprintf(quoted, sizeof(quoted), "`%s`", w.v[i].s);
		if (strstr(doc, quoted))
			continue;
		/* Each word once, even when several tables share it (delay, model, uniform). */
		for (size_t j = 0; j < i; j++)
			if (!strcmp(w.v[j].s, w.v[i].s))
				goto next;
		print_error("docs/scenario.md does not document %s (from %s)\n", quoted,
			    w.v[i].table);
		missing++;
	next:;
	}
	if (missing)
		print_error("%u key(s) or name(s) missing from docs/scenario.md\n", missing);
	free(w.v);
	free(doc);
	assert_int_equal(missing, 0);
}

/* The text a bound is written as, found in text (NULL: missing). */
static unsigned want(const char *text, const char *where, const char *s)
{
	if (strstr(text, s))
		return 0;
	print_error("docs/scenario.md does not give %s %s\n", s, where);
	return 1;
}

/*
 * The limits (topo.h's TOPO_*_MAX) in the reference's Limits table, and the value ranges the
 * parser applies written as the reference writes them: a limit changed in the code and not
 * in the documentation fails here.
 */
static void test_limits_documented(void **state)
{
	static const unsigned long long limits[] = {
	    TOPO_FILE_MAX,     TOPO_YAML_DEPTH_MAX, TOPO_YAML_NODES_MAX,
	    TOPO_NODES_MAX,    TOPO_LINKS_MAX,	    TOPO_RADIO_LINKS_MAX,
	    TOPO_SERVICES_MAX, TOPO_PROBES_MAX,	    TOPO_POINTS_MAX,
	};
	char *doc = slurp("docs/scenario.md"), buf[64];
	const char *table;
	unsigned missing = 0;

	(void)state;
	assert_non_null(doc);
	table = strstr(doc, "\n## Limits\n");
	assert_non_null(table);
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		snprintf(buf, sizeof(buf), "| %llu", limits[i]);
		missing += want(table, "in its Limits table", buf);
	}
	snprintf(buf, sizeof(buf), "`%llus`", TOPO_TIME_MAX_NS / TOPO_NS_PER_S);
	missing += want(doc, "(times)", buf);
	snprintf(buf, sizeof(buf), "`0s` to `%llus`", TOPO_DELAY_MAX_NS / TOPO_NS_PER_S);
	missing += want(doc, "(delay)", buf);
	snprintf(buf, sizeof(buf), "`0s` to `%llus`", TOPO_JITTER_MAX_NS / TOPO_NS_PER_S);
	missing += want(doc, "(jitter)", buf);
	snprintf(buf, sizeof(buf), "`%llubit` to `%llutbit`", TOPO_RATE_MIN_BPS,
		 TOPO_RATE_MAX_BPS / 1000000000000ULL);
	missing += want(doc, "(rates)", buf);
	snprintf(buf, sizeof(buf), "`-%.0fdBm` to `%.0fdBm`", TOPO_DBM_MAX, TOPO_DBM_MAX);
	missing += want(doc, "(powers)", buf);
	snprintf(buf, sizeof(buf), "`0dB` to `%.0fdB`", TOPO_DB_MAX);
	missing += want(doc, "(gains and losses)", buf);
	snprintf(buf, sizeof(buf), "`-%.0fkm` to `%.0fkm`", TOPO_COORD_MAX_M / 1000,
		 TOPO_COORD_MAX_M / 1000);
	missing += want(doc, "(coordinates)", buf);
	snprintf(buf, sizeof(buf), "`%g` to `%g` m/s", TOPO_SPEED_MIN, TOPO_SPEED_MAX);
	missing += want(doc, "(speeds)", buf);
	snprintf(buf, sizeof(buf), "above 0, at most %.0f", TOPO_EXPONENT_MAX);
	missing += want(doc, "(exponent)", buf);
	free(doc);
	assert_int_equal(missing, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_key_documented),
	    cmocka_unit_test(test_limits_documented),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
