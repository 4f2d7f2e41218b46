/* SPDX-License-Identifier: MIT */
/*
 * The scenario's apps: (topo/parse_apps.c): every key, every bad value with its message and
 * place, --set on them, and their programs looked up (topo_apps_resolve()).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/unit/support.h"
#include "topo/topo.h"

/* Lines 1 to 5; apps: items from line 6. */
#define HEAD                                                                                       \
	"name: t\n"                                                                                \
	"nodes:\n"                                                                                 \
	"  h1: { kind: host }\n"                                                                   \
	"  ue1: { kind: ue }\n"                                                                    \
	"apps:\n"

static struct topo_model *parse(const char *apps, const char *const *sets, size_t n_sets)
{
	struct topo_parse_opts o = {.sets = sets, .n_sets = n_sets};
	char text[4096];
	struct topo_err err;
	struct topo_model *m = NULL;
	int r;

	snprintf(text, sizeof(text), HEAD "%s", apps);
	r = topo_parse_string_opts(text, strlen(text), "t.yaml", &o, &m, &err);
	if (r < 0)
		fail_msg("%s", err.msg);
	return m;
}

static void bad(const char *apps, const char *const *sets, size_t n_sets, const char *want)
{
	struct topo_parse_opts o = {.sets = sets, .n_sets = n_sets};
	char text[4096];
	struct topo_err err = {{0}};
	struct topo_model *m = NULL;

	snprintf(text, sizeof(text), HEAD "%s", apps);
	assert_int_equal(topo_parse_string_opts(text, strlen(text), "t.yaml", &o, &m, &err),
			 -EINVAL);
	assert_null(m);
	assert_string_equal(err.msg, want);
}

static void test_every_key(void **state)
{
	struct topo_model *m = parse("  - { name: srv, node: h1, run: \"iperf3 -s -1\", at: 1s, "
				     "until: 20s }\n"
				     "  - node: ue1\n"
				     "    run: sh -c 'exit 3'\n"
				     "  - { node: ue1, run: x.y, name: a.b_c-D9, until: 1500ms }\n",
				     NULL, 0);

	(void)state;
	assert_int_equal(m->n_apps, 3);
	assert_string_equal(m->apps[0].name, "srv");
	assert_int_equal(m->apps[0].node, 0);
	assert_string_equal(m->apps[0].run, "iperf3 -s -1");
	assert_int_equal(m->apps[0].argc, 3);
	assert_string_equal(m->apps[0].argv[0], "iperf3");
	assert_string_equal(m->apps[0].argv[2], "-1");
	assert_null(m->apps[0].argv[3]);
	assert_null(m->apps[0].path);
	assert_int_equal(m->apps[0].at_ns, 1000000000ULL);
	assert_int_equal(m->apps[0].until_ns, 20000000000ULL);
	assert_int_equal(m->apps[0].mark.line, 6);
	assert_int_equal(m->apps[0].run_mark.line, 6);
	assert_int_equal(m->apps[0].run_mark.col, 33);
	/* the defaults: named after its node and index, at 0, until the run's end */
	assert_string_equal(m->apps[1].name, "ue1-1");
	assert_int_equal(m->apps[1].node, 1);
	assert_int_equal(m->apps[1].argc, 3);
	assert_string_equal(m->apps[1].argv[2], "exit 3");
	assert_int_equal(m->apps[1].at_ns, 0);
	assert_int_equal(m->apps[1].until_ns, 0);
	assert_int_equal(m->apps[1].run_mark.line, 8);
	assert_int_equal(m->apps[1].run_mark.col, 10);
	assert_string_equal(m->apps[2].name, "a.b_c-D9");
	assert_int_equal(m->apps[2].until_ns, 1500000000ULL);
	topo_model_free(m);
	/* none */
	m = parse("  []\n", NULL, 0);
	assert_int_equal(m->n_apps, 0);
	topo_model_free(m);
}

static void test_bad_shape(void **state)
{
	(void)state;
	bad("  x: 1\n", NULL, 0, "t.yaml:6:3: apps: expected a sequence, got a mapping");
	bad("  - iperf3\n", NULL, 0, "t.yaml:6:5: apps: expected a mapping, got a string");
	bad("  - { node: h1, run: x, port: 1 }\n", NULL, 0,
	    "t.yaml:6:25: unknown key 'port' (expected one of: name, node, run, at, until)");
	bad("  - { node: h1, run: x, node: h1 }\n", NULL, 0,
	    "t.yaml:6:25: duplicate key 'node' (first defined at 6:7)");
	bad("  - { run: x }\n", NULL, 0, "t.yaml:6:5: app: missing key 'node'");
	bad("  - { node: h1 }\n", NULL, 0, "t.yaml:6:5: app: missing key 'run' (its command line)");
}

static void test_bad_node_name(void **state)
{
	(void)state;
	bad("  - { node: h2, run: x }\n", NULL, 0, "t.yaml:6:13: node: unknown node 'h2'");
	bad("  - { node: [h1], run: x }\n", NULL, 0,
	    "t.yaml:6:13: node: expected a string, got a sequence");
	bad("  - { node: h1, run: x, name: .hid }\n", NULL, 0,
	    "t.yaml:6:31: name: '.hid' is not a valid app name ([A-Za-z0-9_.-], 1 to 63 "
	    "characters, not starting with '.')");
	bad("  - { node: h1, run: x, name: a/b }\n", NULL, 0,
	    "t.yaml:6:31: name: 'a/b' is not a valid app name ([A-Za-z0-9_.-], 1 to 63 "
	    "characters, not starting with '.')");
	bad("  - { node: h1, run: x, name: '' }\n", NULL, 0,
	    "t.yaml:6:31: name: '' is not a valid app name ([A-Za-z0-9_.-], 1 to 63 "
	    "characters, not starting with '.')");
	bad("  - { node: h1, run: x, name: "
	    "a234567890123456789012345678901234567890123456789012345678901234 }\n",
	    NULL, 0,
	    "t.yaml:6:31: name: 'a234567890123456789012345678901234567890123456789012345678901234' "
	    "is not a valid app name ([A-Za-z0-9_.-], 1 to 63 characters, not starting with '.')");
	bad("  - { node: h1, run: x, name: {a: 1} }\n", NULL, 0,
	    "t.yaml:6:31: name: expected a string, got a mapping");
	/* twice: named, and a name a default takes */
	bad("  - { node: h1, run: x, name: s }\n"
	    "  - { node: h1, run: y, name: s }\n",
	    NULL, 0, "t.yaml:7:5: apps: two apps named 's' (the first at 6:5)");
	bad("  - { node: h1, run: x, name: h1-1 }\n"
	    "  - { node: h1, run: y }\n",
	    NULL, 0, "t.yaml:7:5: apps: two apps named 'h1-1' (the first at 6:5)");
}

static void test_bad_run(void **state)
{
	(void)state;
	bad("  - { node: h1, run: '' }\n", NULL, 0,
	    "t.yaml:6:22: run: a command line is needed, got ''");
	bad("  - { node: h1, run: '  ' }\n", NULL, 0,
	    "t.yaml:6:22: run: a command line is needed, got '  '");
	bad("  - { node: h1, run: [a, b] }\n", NULL, 0,
	    "t.yaml:6:22: run: expected a string, got a sequence");
	bad("  - { node: h1, run: \"sh -c 'exit 3\" }\n", NULL, 0,
	    "t.yaml:6:22: run: unclosed single quote (at character 7 of 'sh -c 'exit 3')");
	bad("  - { node: h1, run: 'echo \"a' }\n", NULL, 0,
	    "t.yaml:6:22: run: unclosed double quote (at character 6 of 'echo \"a')");
	bad("  - { node: h1, run: 'echo a\\' }\n", NULL, 0,
	    "t.yaml:6:22: run: a backslash at the end (at character 7 of 'echo a\\')");
	bad("  - { node: h1, run: 'iperf3 -s > log' }\n", NULL, 0,
	    "t.yaml:6:22: run: shell syntax, unquoted (edgemu starts no shell: quote it, or write "
	    "sh -c '...') (at character 11 of 'iperf3 -s > log')");
	bad("  - { node: h1, run: \"a\\0b\" }\n", NULL, 0,
	    "t.yaml:6:22: run: a NUL byte is not allowed here");
}

static void test_bad_times(void **state)
{
	(void)state;
	bad("  - { node: h1, run: x, at: 5 }\n", NULL, 0,
	    "t.yaml:6:29: at: '5' needs a unit (ns, us, ms, s)");
	bad("  - { node: h1, run: x, at: -1s }\n", NULL, 0,
	    "t.yaml:6:29: at: '-1s' must not be negative");
	bad("  - { node: h1, run: x, at: 2592001s }\n", NULL, 0,
	    "t.yaml:6:29: at: '2592001s' is out of range (0s to 2592000s)");
	bad("  - { node: h1, run: x, until: 0s }\n", NULL, 0,
	    "t.yaml:6:32: until: '0s' is out of range (1ns to 2592000s)");
	bad("  - { node: h1, run: x, until: 1h }\n", NULL, 0,
	    "t.yaml:6:32: until: unknown unit 'h' in '1h' (expected one of: ns, us, ms, s)");
	bad("  - { node: h1, run: x, at: 3s, until: 2s }\n", NULL, 0,
	    "t.yaml:6:40: until: '2s' is not after at (3s)");
	bad("  - { node: h1, run: x, at: 2s, until: 2000ms }\n", NULL, 0,
	    "t.yaml:6:40: until: '2000ms' is not after at (2s)");
}

static void test_set(void **state)
{
	const char *until[] = {"apps.0.until=5s"};
	const char *run[] = {"apps.1.run=sleep 9", "apps.1.name=z"};
	const char *bad_until[] = {"apps.0.until=5"};
	const char *bad_run[] = {"apps.0.run=a 'b"};
	const char *bad_node[] = {"apps.1.node=nope"};
	const char *apps = "  - { name: srv, node: h1, run: x, at: 1s }\n"
			   "  - { node: ue1, run: y }\n";
	struct topo_model *m = parse(apps, until, 1);

	(void)state;
	assert_int_equal(m->apps[0].until_ns, 5000000000ULL);
	assert_int_equal(m->apps[0].at_ns, 1000000000ULL);
	topo_model_free(m);
	m = parse(apps, run, 2);
	assert_string_equal(m->apps[1].name, "z");
	assert_int_equal(m->apps[1].argc, 2);
	assert_string_equal(m->apps[1].argv[1], "9");
	/* a value a --set made has no place in the file */
	assert_int_equal(m->apps[1].run_mark.line, 0);
	topo_model_free(m);
	bad(apps, bad_until, 1, "t.yaml: --set: until: '5' needs a unit (ns, us, ms, s)");
	bad(apps, bad_run, 1,
	    "t.yaml: --set: run: unclosed single quote (at character 3 of 'a 'b')");
	bad(apps, bad_node, 1, "t.yaml: --set: node: unknown node 'nope'");
}

/* At most TOPO_APPS_MAX of them; each named after its index by default, so all unique. */
static void test_limit(void **state)
{
	size_t cap = 64 * (TOPO_APPS_MAX + 2), len;
	char *text = malloc(cap);
	struct topo_model *m = NULL;
	struct topo_err err;

	(void)state;
	assert_non_null(text);
	len = (size_t)snprintf(text, cap, HEAD);
	for (int i = 0; i < TOPO_APPS_MAX; i++)
		len += (size_t)snprintf(text + len, cap - len, "  - { node: h1, run: x }\n");
	assert_int_equal(topo_parse_string(text, len, "t.yaml", &m, &err), 0);
	assert_int_equal(m->n_apps, TOPO_APPS_MAX);
	assert_string_equal(m->apps[TOPO_APPS_MAX - 1].name, "h1-999");
	topo_model_free(m);
	m = NULL;
	len += (size_t)snprintf(text + len, cap - len, "  - { node: h1, run: x }\n");
	assert_int_equal(topo_parse_string(text, len, "t.yaml", &m, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "t.yaml:6:3: apps: 1001 apps; a scenario may have at most 1000");
	free(text);
}

/* Programs: found in $PATH, or a path; not found, not executable, a folder. */
static void test_resolve(void **state)
{
	char apps[1024], dir[512], prog[600], plain[600], *old = getenv("PATH");
	struct topo_err err;
	struct topo_model *m;
	char *saved = old ? strdup(old) : NULL;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/bin", support_tmp);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(prog, sizeof(prog), "%s/tool", dir);
	support_file_write(NULL, prog, "#!/bin/sh\nexit 0\n");
	assert_int_equal(chmod(prog, 0755), 0);
	snprintf(plain, sizeof(plain), "%s/data", dir);
	support_file_write(NULL, plain, "x\n");
	assert_int_equal(chmod(plain, 0644), 0);
	setenv("PATH", dir, 1);

	/* in $PATH, and by its path */
	snprintf(apps, sizeof(apps),
		 "  - { node: h1, run: tool -x }\n"
		 "  - { node: h1, run: '%s a' }\n",
		 prog);
	m = parse(apps, NULL, 0);
	assert_int_equal(topo_apps_resolve(m, &err), 0);
	assert_string_equal(m->apps[0].path, prog);
	assert_string_equal(m->apps[1].path, prog);
	topo_model_free(m);

	m = parse("  - { node: h1, run: tool }\n  - { node: h1, run: nosuch-tool-x }\n", NULL, 0);
	assert_int_equal(topo_apps_resolve(m, &err), -ENOENT);
	assert_string_equal(err.msg,
			    "t.yaml:7:22: run: program 'nosuch-tool-x' is not found in $PATH");
	topo_model_free(m);

	m = parse("  - { node: h1, run: data }\n", NULL, 0);
	assert_int_equal(topo_apps_resolve(m, &err), -EACCES);
	assert_string_equal(err.msg, "t.yaml:6:22: run: program 'data' is not an executable file");
	topo_model_free(m);

	snprintf(apps, sizeof(apps), "  - { node: h1, run: '%s/nope' }\n", dir);
	m = parse(apps, NULL, 0);
	assert_int_equal(topo_apps_resolve(m, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "t.yaml:6:22: run: program '"));
	assert_non_null(strstr(err.msg, "/bin/nope' does not exist"));
	topo_model_free(m);

	/* a folder is no program */
	snprintf(apps, sizeof(apps), "  - { node: h1, run: '%s' }\n", dir);
	m = parse(apps, NULL, 0);
	assert_int_equal(topo_apps_resolve(m, &err), -EACCES);
	assert_non_null(strstr(err.msg, "/bin' is not an executable file"));
	topo_model_free(m);

	/* a --set one: named as such */
	m = parse("  - { node: h1, run: tool }\n", (const char *[]){"apps.0.run=nosuch-tool-x"}, 1);
	assert_int_equal(topo_apps_resolve(m, &err), -ENOENT);
	assert_string_equal(err.msg,
			    "t.yaml: --set: run: program 'nosuch-tool-x' is not found in $PATH");
	topo_model_free(m);

	if (saved)
		setenv("PATH", saved, 1);
	free(saved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_key),	  cmocka_unit_test(test_bad_shape),
	    cmocka_unit_test(test_bad_node_name), cmocka_unit_test(test_bad_run),
	    cmocka_unit_test(test_bad_times),	  cmocka_unit_test(test_set),
	    cmocka_unit_test(test_limit),	  cmocka_unit_test(test_resolve),
	};

	return cmocka_run_group_tests(tests, support_tmp_setup, support_tmp_teardown);
}
