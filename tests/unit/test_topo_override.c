/* SPDX-License-Identifier: MIT */
/* `--set key=value` on a scenario's YAML document (topo/override.c), and the dump back. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "topo/override.h"
#include "topo/topo.h"

static const char text[] = "name: x\n"
			   "links:\n"
			   "  - { endpoints: [a, b], delay: 1ms }\n"
			   "  - { endpoints: [b, c], delay: 2ms }\n"
			   "services:\n"
			   "  game: { vip: 10.200.0.1, state: 64MiB }\n";

static void load(yaml_document_t *doc)
{
	yaml_parser_t p;

	assert_true(yaml_parser_initialize(&p));
	yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
	assert_true(yaml_parser_load(&p, doc));
	yaml_parser_delete(&p);
}

/* Applies the assignments, dumps, and returns the text (caller frees). */
static char *apply(const char *const *sets, size_t n, int want_err, const char *want_msg)
{
	yaml_document_t doc;
	char msg[256] = "", *out = NULL;
	size_t len;
	int r = 0;

	load(&doc);
	for (size_t i = 0; i < n && !r; i++)
		r = topo_yaml_override(&doc, sets[i], msg, sizeof(msg));
	assert_int_equal(r, want_err);
	if (want_msg)
		assert_string_equal(msg, want_msg);
	if (r) {
		yaml_document_delete(&doc);
		return NULL;
	}
	assert_int_equal(topo_yaml_dump(&doc, &out, &len), 0);
	assert_int_equal(strlen(out), len);
	return out;
}

static void test_replace_add_create(void **state)
{
	const char *sets[] = {"services.game.state=16MiB", "links.1.delay=5ms",
			      "migration.strategy=cold", "migration.precopy.max_rounds=3",
			      "name=y"};
	char *out = apply(sets, 5, 0, NULL);

	(void)state;
	assert_non_null(strstr(out, "state: 16MiB"));
	assert_null(strstr(out, "64MiB"));
	assert_non_null(strstr(out, "delay: 5ms"));
	assert_non_null(strstr(out, "delay: 1ms"));
	assert_null(strstr(out, "delay: 2ms"));
	assert_non_null(strstr(out, "strategy: cold"));
	assert_non_null(strstr(out, "max_rounds: 3"));
	assert_non_null(strstr(out, "name: y"));
	free(out);
}

static void test_errors(void **state)
{
	const char *a[] = {"services.game.state"};
	const char *b[] = {"links.7.delay=1ms"};
	const char *c[] = {"name.first=x"};
	const char *d[] = {"links..delay=1ms"};

	(void)state;
	apply(a, 1, -EINVAL,
	      "--set 'services.game.state': expected key=value "
	      "(migration.strategy=cold)");
	apply(b, 1, -EINVAL, "--set 'links.7.delay=1ms': '7' is not an index of a list of 2");
	apply(c, 1, -EINVAL, "--set 'name.first=x': 'name' is inside a plain value");
	apply(d, 1, -EINVAL, "--set 'links..delay=1ms': an empty part in the key");
}

/*
 * Issue 12 hostile input 1: strtoul took "-1" as ULONG_MAX and saturated on overflow, and the
 * bound check cast it to a negative long: links.-1 read and wrote before the list.
 */
static void test_index_digits_only(void **state)
{
	static const char *const bad[] = {
	    "links.-1.delay=5ms",
	    "links.-1=",
	    "links.9999999999999999999=",
	    "links.18446744073709551617.delay=1ms",
	    "links.+1.delay=1ms",
	    "links. 1.delay=1ms",
	    "links.1 .delay=1ms",
	    "links.0x1.delay=1ms",
	    "links.2=x",
	};
	const char *one[1];
	char *out;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[256];
		const char *k = strchr(bad[i], '.') + 1;
		size_t kl = strcspn(k, ".=");

		one[0] = bad[i];
		snprintf(want, sizeof(want), "--set '%s': '%.*s' is not an index of a list of 2",
			 bad[i], (int)kl, k);
		apply(one, 1, -EINVAL, want);
	}
	/* Leading zeros are still the number. */
	one[0] = "links.01.delay=9ms";
	out = apply(one, 1, 0, NULL);
	assert_non_null(strstr(out, "delay: 9ms"));
	free(out);
}

/* Issue 12 hostile input 6: libyaml refuses non-UTF-8, which came out as "out of memory". */
static void test_not_utf8(void **state)
{
	const char *a[] = {"links.0.delay=5\xffms"};
	const char *b[] = {"na\xc3me=x"};
	const char *c[] = {"name=\xed\xa0\x80"}; /* a surrogate */
	const char *ok[] = {"name=\xc3\xa9t\xc3\xa9"};
	char *out;

	(void)state;
	apply(a, 1, -EINVAL,
	      "--set 'links.0.delay=5...': byte 16 is not valid UTF-8 (a scenario "
	      "is UTF-8 text)");
	apply(b, 1, -EINVAL, "--set 'na...': byte 3 is not valid UTF-8 (a scenario is UTF-8 text)");
	apply(c, 1, -EINVAL,
	      "--set 'name=...': byte 6 is not valid UTF-8 (a scenario is UTF-8 "
	      "text)");
	out = apply(ok, 1, 0, NULL);
	free(out);
}

/* Keys nest at most TOPO_SET_DEPTH_MAX deep: a 60000-part key built 60000 mappings. */
static void test_deep_and_long(void **state)
{
	char *deep = malloc(4 * (TOPO_SET_DEPTH_MAX + 2) + 3), *big;
	const char *one[1];
	size_t n = 0;

	(void)state;
	assert_non_null(deep);
	for (int i = 0; i <= TOPO_SET_DEPTH_MAX; i++)
		n += (size_t)sprintf(deep + n, "%sa", i ? "." : "");
	strcpy(deep + n, "=1");
	one[0] = deep;
	apply(one, 1, -EINVAL, NULL);
	big = malloc(TOPO_SET_LEN_MAX + 16);
	assert_non_null(big);
	strcpy(big, "name=");
	memset(big + 5, 'x', TOPO_SET_LEN_MAX);
	big[TOPO_SET_LEN_MAX + 5] = '\0';
	one[0] = big;
	apply(one, 1, -EINVAL, NULL);
	free(deep);
	free(big);
}

static const char scen[] = "name: s\n"
			   "nodes:\n"
			   "  a: { kind: host }\n"
			   "  b: { kind: host }\n"
			   "links:\n"
			   "  - { endpoints: [a, b], delay: 1ms }\n";

/* Through the parser: the value is checked as one in the file, the dump is the resolved file. */
static void test_parse_with_sets(void **state)
{
	const char *good[] = {"links.0.delay=7ms", "migration.strategy=postcopy"};
	const char *bad_unit[] = {"links.0.delay=7"};
	const char *bad_key[] = {"links.0.colour=red"};
	struct topo_parse_opts o = {.sets = good, .n_sets = 2};
	struct topo_model *m = NULL;
	struct topo_err err;
	char *resolved = NULL;
	size_t len = 0;

	(void)state;
	o.resolved = &resolved;
	o.resolved_len = &len;
	assert_int_equal(topo_parse_string_opts(scen, strlen(scen), "s.yaml", &o, &m, &err), 0);
	assert_int_equal(m->links[0].dir[0].delay_ns, 7000000);
	assert_int_equal(m->migration.strategy, TOPO_STRATEGY_POSTCOPY);
	assert_non_null(strstr(resolved, "delay: 7ms"));
	assert_non_null(strstr(resolved, "strategy: postcopy"));
	topo_model_free(m);
	free(resolved);

	o = (struct topo_parse_opts){.sets = bad_unit, .n_sets = 1};
	assert_int_equal(topo_parse_string_opts(scen, strlen(scen), "s.yaml", &o, &m, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "s.yaml: --set: "));
	assert_non_null(strstr(err.msg, "delay"));
	o = (struct topo_parse_opts){.sets = bad_key, .n_sets = 1};
	assert_int_equal(topo_parse_string_opts(scen, strlen(scen), "s.yaml", &o, &m, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "s.yaml: --set: "));
	assert_non_null(strstr(err.msg, "colour"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_replace_add_create), cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_index_digits_only),  cmocka_unit_test(test_not_utf8),
	    cmocka_unit_test(test_deep_and_long),      cmocka_unit_test(test_parse_with_sets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
