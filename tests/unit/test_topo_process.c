/* SPDX-License-Identifier: MIT */
/*
 * app: process services (topo/parse_svc.c): command:, the keys it takes and refuses, every
 * bad value with its message and place, --set on it, and its program looked up with the
 * apps' (topo_apps_resolve()).
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

/* Lines 1 to 6; services from line 7. */
#define HEAD                                                                                       \
	"name: t\n"                                                                                \
	"nodes:\n"                                                                                 \
	"  e1: { kind: edge }\n"                                                                   \
	"  e2: { kind: edge }\n"                                                                   \
	"  ue1: { kind: ue }\n"                                                                    \
	"services:\n"

static struct topo_model *parse(const char *svcs, const char *const *sets, size_t n_sets)
{
	struct topo_parse_opts o = {.sets = sets, .n_sets = n_sets};
	char text[4096];
	struct topo_err err;
	struct topo_model *m = NULL;
	int r;

	snprintf(text, sizeof(text), HEAD "%s", svcs);
	r = topo_parse_string_opts(text, strlen(text), "t.yaml", &o, &m, &err);
	if (r < 0)
		fail_msg("%s", err.msg);
	return m;
}

static void bad(const char *svcs, const char *const *sets, size_t n_sets, const char *want)
{
	struct topo_parse_opts o = {.sets = sets, .n_sets = n_sets};
	char text[4096];
	struct topo_err err = {{0}};
	struct topo_model *m = NULL;

	snprintf(text, sizeof(text), HEAD "%s", svcs);
	assert_int_equal(topo_parse_string_opts(text, strlen(text), "t.yaml", &o, &m, &err),
			 -EINVAL);
	assert_null(m);
	assert_string_equal(err.msg, want);
}

static void test_every_key(void **state)
{
	struct topo_model *m =
	    parse("  kv:\n"
		  "    app: process\n"
		  "    command: \"redis-server --port 7001 --save ''\"\n"
		  "    vip: 10.200.0.1\n"
		  "    port: 7001\n"
		  "    at: [e1, e2]\n"
		  "  plain: { app: process, vip: 10.200.0.2, at: e2, command: srv }\n"
		  "  e: { vip: 10.200.0.3, at: e1 }\n",
		  NULL, 0);
	const struct topo_service *s = &m->services[0];

	(void)state;
	assert_int_equal(m->n_services, 3);
	assert_int_equal(s->app, TOPO_APP_PROCESS);
	assert_string_equal(topo_app_name(s->app), "process");
	assert_string_equal(s->command, "redis-server --port 7001 --save ''");
	assert_int_equal(s->argc, 5);
	assert_string_equal(s->argv[0], "redis-server");
	assert_string_equal(s->argv[2], "7001");
	assert_string_equal(s->argv[4], "");
	assert_null(s->argv[5]);
	assert_null(s->path);
	assert_int_equal(s->command_mark.line, 9);
	assert_int_equal(s->command_mark.col, 14);
	assert_int_equal(s->port, 7001);
	assert_int_equal(s->n_at, 2);
	assert_int_equal(s->vip, 0x0ac80001);
	/* no state: that is app svc's */
	assert_int_equal(s->state_bytes, 0);
	assert_int_equal(s->dirty_rate, 0);
	/* the default port, as for the others */
	s = &m->services[1];
	assert_int_equal(s->port, 7000);
	assert_int_equal(s->argc, 1);
	assert_string_equal(s->argv[0], "srv");
	assert_int_equal(s->command_mark.line, 13);
	assert_int_equal(s->command_mark.col, 60);
	/* the other apps have none */
	s = &m->services[2];
	assert_int_equal(s->app, TOPO_APP_ECHO);
	assert_null(s->command);
	assert_null(s->argv);
	topo_model_free(m);
}

static void test_bad(void **state)
{
	(void)state;
	bad("  s: { app: process, vip: 10.200.0.1, at: e1 }\n", NULL, 0,
	    "t.yaml:7:6: service 's': app: process needs key 'command' (the program to run, as "
	    "in command: \"redis-server --port 7000\")");
	bad("  s: { vip: 10.200.0.1, at: e1, command: srv }\n", NULL, 0,
	    "t.yaml:7:42: command: only for app: process");
	bad("  s: { app: svc, vip: 10.200.0.1, at: e1, command: srv }\n", NULL, 0,
	    "t.yaml:7:52: command: only for app: process");
	bad("  s: { app: echo, vip: 10.200.0.1, at: e1, command: srv }\n", NULL, 0,
	    "t.yaml:7:53: command: only for app: process");
	bad("  s: { app: process, command: srv, vip: 10.200.0.1, at: e1, state: 4KiB }\n", NULL, 0,
	    "t.yaml:7:68: state: only for app: svc");
	bad("  s: { app: process, command: srv, vip: 10.200.0.1, at: e1, dirty: { rate: 1/s } }\n",
	    NULL, 0, "t.yaml:7:68: dirty: only for app: svc");
	bad("  s: { app: proc, command: srv, vip: 10.200.0.1, at: e1 }\n", NULL, 0,
	    "t.yaml:7:13: unknown app 'proc' (expected one of: echo, svc, process)");
	bad("  s: { app: process, command: '', vip: 10.200.0.1, at: e1 }\n", NULL, 0,
	    "t.yaml:7:31: command: a command line is needed, got ''");
	bad("  s: { app: process, command: '  ', vip: 10.200.0.1, at: e1 }\n", NULL, 0,
	    "t.yaml:7:31: command: a command line is needed, got '  '");
	bad("  s: { app: process, command: [srv, -x], vip: 10.200.0.1, at: e1 }\n", NULL, 0,
	    "t.yaml:7:31: command: expected a string, got a sequence");
	bad("  s: { app: process, command: \"srv 'x\", vip: 10.200.0.1, at: e1 }\n", NULL, 0,
	    "t.yaml:7:31: command: unclosed single quote (at character 5 of 'srv 'x')");
	bad("  s: { app: process, command: 'srv > log', vip: 10.200.0.1, at: e1 }\n", NULL, 0,
	    "t.yaml:7:31: command: shell syntax, unquoted (edgemu starts no shell: quote it, or "
	    "write sh -c '...') (at character 5 of 'srv > log')");
	bad("  s: { app: process, command: srv, vip: 10.200.0.1, at: e1, port: 0 }\n", NULL, 0,
	    "t.yaml:7:67: port: '0' is not a positive integer");
	/* after command: made: freed with the failure (the leak checker's business) */
	bad("  s: { app: process, command: srv, vip: 10.200.0.1, at: e9 }\n", NULL, 0,
	    "t.yaml:7:57: at: unknown node 'e9'");
	bad("  s: { app: process, command: srv, vip: 10.200.0.1, at: e1 }\n"
	    "  t: { app: process, command: srv, vip: 10.200.0.1, at: e1 }\n",
	    NULL, 0, "t.yaml:8:41: vip: 10.200.0.1 is already the vip of service 's'");
}

static void test_set(void **state)
{
	struct topo_model *m;

	(void)state;
	m = parse("  s: { app: process, command: srv, vip: 10.200.0.1, at: e1 }\n",
		  (const char *[]){"services.s.command=redis-server --port 7000"}, 1);
	assert_string_equal(m->services[0].command, "redis-server --port 7000");
	assert_int_equal(m->services[0].argc, 3);
	assert_int_equal(m->services[0].command_mark.line, 0);
	topo_model_free(m);
	/* an echo service made a process one */
	m = parse("  s: { vip: 10.200.0.1, at: e1 }\n",
		  (const char *[]){"services.s.app=process", "services.s.command=socat -T 5 x y"},
		  2);
	assert_int_equal(m->services[0].app, TOPO_APP_PROCESS);
	assert_int_equal(m->services[0].argc, 5);
	topo_model_free(m);
	bad("  s: { app: process, command: srv, vip: 10.200.0.1, at: e1 }\n",
	    (const char *[]){"services.s.command="}, 1,
	    "t.yaml: --set: command: a command line is needed, got ''");
	bad("  s: { vip: 10.200.0.1, at: e1 }\n", (const char *[]){"services.s.app=process"}, 1,
	    "t.yaml:7:6: service 's': app: process needs key 'command' (the program to run, as "
	    "in command: \"redis-server --port 7000\")");
}

static void test_resolve(void **state)
{
	char svcs[1024], dir[512], prog[600], *old = getenv("PATH");
	char *saved = old ? strdup(old) : NULL;
	struct topo_err err;
	struct topo_model *m;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/bin", support_tmp);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(prog, sizeof(prog), "%s/server", dir);
	support_file_write(NULL, prog, "#!/bin/sh\nexit 0\n");
	assert_int_equal(chmod(prog, 0755), 0);
	setenv("PATH", dir, 1);

	snprintf(svcs, sizeof(svcs),
		 "  a: { app: process, command: server -p 1, vip: 10.200.0.1, at: e1 }\n"
		 "  b: { app: process, command: '%s', vip: 10.200.0.2, at: e1 }\n"
		 "  c: { vip: 10.200.0.3, at: e1 }\n",
		 prog);
	m = parse(svcs, NULL, 0);
	assert_int_equal(topo_apps_resolve(m, &err), 0);
	assert_string_equal(m->services[0].path, prog);
	assert_string_equal(m->services[1].path, prog);
	assert_null(m->services[2].path);
	topo_model_free(m);

	m = parse("  a: { app: process, command: server, vip: 10.200.0.1, at: e1 }\n"
		  "  b: { app: process, command: nosuch-server-x, vip: 10.200.0.2, at: e1 }\n",
		  NULL, 0);
	assert_int_equal(topo_apps_resolve(m, &err), -ENOENT);
	assert_string_equal(
	    err.msg, "t.yaml:8:31: command: program 'nosuch-server-x' is not found in $PATH");
	topo_model_free(m);

	snprintf(svcs, sizeof(svcs),
		 "  a: { app: process, command: '%s/x', vip: 10.200.0.1, at: e1 }\n", dir);
	m = parse(svcs, NULL, 0);
	assert_int_equal(topo_apps_resolve(m, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "t.yaml:7:31: command: program '"));
	assert_non_null(strstr(err.msg, "/bin/x' does not exist"));
	topo_model_free(m);

	snprintf(svcs, sizeof(svcs),
		 "  a: { app: process, command: '%s', vip: 10.200.0.1, at: e1 }\n", dir);
	m = parse(svcs, NULL, 0);
	assert_int_equal(topo_apps_resolve(m, &err), -EACCES);
	assert_non_null(strstr(err.msg, "/bin' is not an executable file"));
	topo_model_free(m);

	m = parse("  a: { app: process, command: server, vip: 10.200.0.1, at: e1 }\n",
		  (const char *[]){"services.a.command=nosuch-server-x --x"}, 1);
	assert_int_equal(topo_apps_resolve(m, &err), -ENOENT);
	assert_string_equal(
	    err.msg, "t.yaml: --set: command: program 'nosuch-server-x' is not found in $PATH");
	topo_model_free(m);

	/* the lookup alone */
	{
		char *p = NULL;

		assert_int_equal(topo_program_find("server", &p), 0);
		assert_string_equal(p, prog);
		free(p);
		assert_int_equal(topo_program_find("", &p), -ENOENT);
	}
	if (saved)
		setenv("PATH", saved, 1);
	else
		unsetenv("PATH");
	free(saved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_key),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_set),
	    cmocka_unit_test(test_resolve),
	};

	return cmocka_run_group_tests(tests, support_tmp_setup, support_tmp_teardown);
}
