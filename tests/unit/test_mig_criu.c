/* SPDX-License-Identifier: MIT */
/*
 * CRIU: its outputs read (texts captured from Debian 12's criu 3.17.1 on this machine's kernel
 * 6.18 and in the stock-kernel VM), the verdict per strategy, the refusal of a scenario.
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

#include "migrate/criu.h"
#include "topo/policies.h"
#include "tests/unit/support.h"

#define FIX MIG_CRIU_FIX

/* `criu --version` */
static const char version_text[] = "Version: 3.17.1\n";
/* `criu check` on kernel 6.18 (and every --feature check alike), stderr */
static const char vdso_text[] =
    "Error (criu/util.c:642): exited, status=1\n"
    "Error (criu/util.c:642): exited, status=1\n"
    "Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds\n"
    "Error (criu/vdso.c:613): vdso: Failed to fill self vdso symtable\n"
    "Error (criu/kerndat.c:1615): kerndat_vdso_fill_symtable failed when initializing kerndat.\n"
    "Error (criu/crtools.c:260): Could not initialize kernel features detection.\n";
/* `criu check` in the VM (Debian's 6.1): it works, though it complains of /dev/net/tun */
static const char good_text[] = "Error (criu/util.c:642): exited, status=1\n"
				"Error (criu/util.c:642): exited, status=1\n"
				"Error (criu/tun.c:85): tun: Unable to create tun: No such file or "
				"directory\n"
				"Looks good.\n";
/* `criu check --feature no_such` (3.17's answer to a name it does not know) */
static const char unknown_text[] = "Error (criu/cr-check.c:1642): Unknown feature no_such\n";

static void test_reason_vdso(void **state)
{
	char buf[MIG_CRIU_REASON_MAX];

	(void)state;
	/* The helper children's exits come first and say nothing: skipped. */
	mig_criu_reason(vdso_text, buf, sizeof(buf));
	assert_string_equal(buf, "vdso: Unexpected rt vDSO area bounds");
	mig_criu_reason(unknown_text, buf, sizeof(buf));
	assert_string_equal(buf, "Unknown feature no_such");
}

static void test_reason_plain(void **state)
{
	char buf[16];

	(void)state;
	/* No Error line: the first line that is not empty, trimmed. */
	mig_criu_reason("\n  \nWarn (criu/x.c:1): odd  \r\nmore\n", buf, sizeof(buf));
	assert_string_equal(buf, "Warn (criu/x.c:");
	mig_criu_reason("", buf, sizeof(buf));
	assert_string_equal(buf, "");
	mig_criu_reason("Error (criu/util.c:642): exited, status=1\n", buf, sizeof(buf));
	assert_string_equal(buf, "Error (criu/uti");
	/* A restore's helper's line, its pid first (criu 3.17 in the VM), before the summary. */
	{
		char wide[128];

		mig_criu_reason("     3: Error (soccr/soccr.c:499): Can't bind inet socket back: "
				"Cannot assign requested address\n"
				"     3: Error (criu/files.c:1213): Unable to open fd=6 id=0x1d\n"
				"     2: Error (criu/cr-restore.c:1495): 3 exited, status=1\n"
				"Error (criu/cr-restore.c:2537): Restoring FAILED.\n",
				wide, sizeof(wide));
		assert_string_equal(wide, "Can't bind inet socket back: Cannot assign requested "
					  "address");
		/* Digits then a colon that is not such a prefix: the line as it is. */
		mig_criu_reason("12:30 Error (a.c:1): x\n", wide, sizeof(wide));
		assert_string_equal(wide, "12:30 Error (a.c:1): x");
	}
	/* Cut, never overrun. */
	mig_criu_reason("Error (a.c:1): 0123456789abcdefghij\n", buf, sizeof(buf));
	assert_string_equal(buf, "0123456789abcde");
	/* No newline at the end; a colon missing after the parenthesis is no Error line. */
	mig_criu_reason("Error (a.c:1) x\nError (b.c:2): the one", buf, sizeof(buf));
	assert_string_equal(buf, "the one");
}

static void test_version(void **state)
{
	char buf[64];

	(void)state;
	mig_criu_version(version_text, buf, sizeof(buf));
	assert_string_equal(buf, "3.17.1");
	mig_criu_version("Version: 4.0\nGitID: v4.0-12-gabc\n", buf, sizeof(buf));
	assert_string_equal(buf, "4.0");
	mig_criu_version("criu: not a version\n", buf, sizeof(buf));
	assert_string_equal(buf, "");
	mig_criu_version(NULL, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void test_judge_fails_here(void **state)
{
	struct mig_criu_out out[MIG_CRIU_PROBES] = {
	    [MIG_CRIU_VERSION] = {version_text, 0},
	    [MIG_CRIU_CHECK] = {vdso_text, 1},
	    [MIG_CRIU_DIRTY] = {NULL, -ECANCELED},
	    [MIG_CRIU_UFFD] = {NULL, -ECANCELED},
	};
	struct mig_criu c;

	(void)state;
	memset(&c, 0xff, sizeof(c));
	mig_criu_judge(out, &c);
	assert_string_equal(c.version, "3.17.1");
	for (unsigned s = 0; s < TOPO_STRATEGY_N; s++) {
		assert_false(c.ok[s]);
		assert_string_equal(c.reason[s], "vdso: Unexpected rt vDSO area bounds");
	}
}

static void test_judge_features(void **state)
{
	struct mig_criu_out out[MIG_CRIU_PROBES] = {
	    [MIG_CRIU_VERSION] = {version_text, 0},
	    [MIG_CRIU_CHECK] = {good_text, 0},
	    [MIG_CRIU_DIRTY] = {"mem_dirty_track is supported\n", 0},
	    [MIG_CRIU_UFFD] = {"Error (criu/cr-check.c:1093): UFFD is not supported\n", 1},
	};
	struct mig_criu c;

	(void)state;
	mig_criu_judge(out, &c);
	assert_true(c.ok[TOPO_STRATEGY_COLD]);
	assert_true(c.ok[TOPO_STRATEGY_PRECOPY]);
	assert_false(c.ok[TOPO_STRATEGY_POSTCOPY]);
	assert_string_equal(c.reason[TOPO_STRATEGY_COLD], "");
	assert_string_equal(c.reason[TOPO_STRATEGY_POSTCOPY], "UFFD is not supported");
	/* A check that said nothing, one that hung, one that could not start. */
	out[MIG_CRIU_DIRTY] = (struct mig_criu_out){"", 1};
	out[MIG_CRIU_UFFD] = (struct mig_criu_out){"", -ETIMEDOUT};
	mig_criu_judge(out, &c);
	assert_string_equal(c.reason[TOPO_STRATEGY_PRECOPY],
			    "criu check --feature mem_dirty_track failed (exit status 1) and said "
			    "nothing");
	assert_string_equal(c.reason[TOPO_STRATEGY_POSTCOPY],
			    "criu check --feature uffd-noncoop did not answer within 20 s");
	out[MIG_CRIU_CHECK] = (struct mig_criu_out){NULL, -ENOENT};
	mig_criu_judge(out, &c);
	assert_false(c.ok[TOPO_STRATEGY_COLD]);
	assert_string_equal(c.reason[TOPO_STRATEGY_COLD],
			    "criu check could not run: No such file or directory");
	/* The probes' arguments are the features named above. */
	assert_string_equal(mig_criu_probe_args(MIG_CRIU_DIRTY)[2], "mem_dirty_track");
	assert_string_equal(mig_criu_probe_args(MIG_CRIU_UFFD)[2], "uffd-noncoop");
}

static const char scenario[] = "name: t\n"
			       "nodes:\n"
			       "  ue1: {kind: ue}\n"
			       "  enb1: {kind: enb}\n"
			       "  edge1: {kind: edge}\n"
			       "links:\n"
			       "  - {endpoints: [ue1, enb1]}\n"
			       "  - {endpoints: [enb1, edge1]}\n"
			       "services:\n"
			       "  kv: {vip: 10.99.0.1, app: svc, at: [edge1]}\n"
			       "  web: {vip: 10.99.0.2, at: [edge1]}\n";

/* The model with kv made app: process (until the parser knows it), its app: at 10:29. */
static struct topo_model *model(enum topo_policy p, enum topo_strategy s)
{
	struct topo_model *m = support_model(scenario);

	m->services[0].app = TOPO_APP_PROCESS;
	assert_int_equal(m->services[0].app_mark.line, 10);
	assert_int_equal(m->services[0].app_mark.col, 29);
	m->migration.policy = p;
	m->migration.strategy = s;
	return m;
}

static void test_needed(void **state)
{
	struct topo_model *m = model(TOPO_POLICY_NEVER, TOPO_STRATEGY_COLD);

	(void)state;
	assert_false(mig_criu_needed(m, 0));
	assert_false(mig_criu_needed(m, 1));
	for (int p = 0; p < TOPO_POLICY_N; p++) {
		m->migration.policy = (enum topo_policy)p;
		assert_int_equal(mig_criu_needed(m, 0), p != TOPO_POLICY_NEVER);
		assert_false(mig_criu_needed(m, 1));
	}
	/* Policy never: no CRIU asked for, nothing refused. */
	m->migration.policy = TOPO_POLICY_NEVER;
	assert_int_equal(mig_criu_scenario(m, NULL), 0);
	m->services[0].app = TOPO_APP_SVC;
	m->migration.policy = TOPO_POLICY_ALWAYS;
	assert_int_equal(mig_criu_scenario(m, NULL), 0);
	topo_model_free(m);
}

static void test_refuse(void **state)
{
	struct topo_model *m = model(TOPO_POLICY_LATENCY, TOPO_STRATEGY_PRECOPY);
	struct mig_criu c = {.installed = true, .version = "3.17.1"};
	struct topo_err err;

	(void)state;
	for (unsigned s = 0; s < TOPO_STRATEGY_N; s++)
		snprintf(c.reason[s], sizeof(c.reason[s]), "vdso: Unexpected rt vDSO area bounds");
	assert_int_equal(mig_criu_refuse(m, 0, TOPO_STRATEGY_PRECOPY, &c, &err), -ENOTSUP);
	assert_string_equal(err.msg, "t.yaml:10:29: service kv (app: process): precopy migration "
				     "needs CRIU, which does not work here: vdso: Unexpected rt "
				     "vDSO area bounds; to make it work, " FIX);
	/* Asked without root: that is what to do. */
	c.unprivileged = true;
	assert_int_equal(mig_criu_refuse(m, 0, TOPO_STRATEGY_COLD, &c, &err), -ENOTSUP);
	assert_non_null(strstr(err.msg, "vDSO area bounds; to make it work, " MIG_CRIU_FIX_ROOT));
	assert_string_equal(mig_criu_fix(&c), MIG_CRIU_FIX_ROOT);
	c.unprivileged = false;
	assert_string_equal(mig_criu_fix(&c), FIX);
	/* Not installed: that is what to do. */
	c.installed = false;
	snprintf(c.reason[TOPO_STRATEGY_COLD], sizeof(c.reason[0]), "%s", MIG_CRIU_INSTALL);
	assert_int_equal(mig_criu_refuse(m, 0, TOPO_STRATEGY_COLD, &c, &err), -ENOTSUP);
	assert_string_equal(err.msg, "t.yaml:10:29: service kv (app: process): cold migration "
				     "needs CRIU, which does not work here: " MIG_CRIU_INSTALL);
	/* Works for the strategy (the VM): nothing to refuse. */
	c.installed = true;
	c.ok[TOPO_STRATEGY_POSTCOPY] = true;
	c.reason[TOPO_STRATEGY_POSTCOPY][0] = '\0';
	err.msg[0] = '\0';
	assert_int_equal(mig_criu_refuse(m, 0, TOPO_STRATEGY_POSTCOPY, &c, &err), 0);
	assert_string_equal(err.msg, "");
	/* No app: position (a --set put it there): the file and --set. */
	m->services[0].app_mark = (struct topo_mark){0, 0};
	m->services[0].mark = (struct topo_mark){0, 0};
	assert_int_equal(mig_criu_refuse(m, 0, TOPO_STRATEGY_PRECOPY, &c, &err), -ENOTSUP);
	assert_non_null(strstr(err.msg, "t.yaml: --set: service kv"));
	topo_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reason_vdso),	   cmocka_unit_test(test_reason_plain),
	    cmocka_unit_test(test_version),	   cmocka_unit_test(test_judge_fails_here),
	    cmocka_unit_test(test_judge_features), cmocka_unit_test(test_needed),
	    cmocka_unit_test(test_refuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
