/* SPDX-License-Identifier: MIT */
/*
 * app: process instances without a kernel: the /proc/net tables read for "ready"
 * (mig_proc_net_listens()) and the scenarios refused before anything is built
 * (mig_process_scenario_check()).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "migrate/process.h"
#include "tests/unit/support.h"

static const char udp[] =
    "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
    "timeout inode ref pointer drops\n"
    "  271: 00000000:1B58 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        "
    "0 51622 2 0000000000000000 0\n"
    "  300: 0100007F:0035 0A000001:1F90 01 00000000:00000000 00:00000000 00000000     0        "
    "0 51623 2 0000000000000000 0\n";

static const char tcp6[] =
    "  sl  local_address                         remote_address                        st "
    "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 00000000000000000000000000000000:1B59 00000000000000000000000000000000:0000 0A "
    "00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0\n"
    "   1: 0000000000000000FFFF00000100007F:1B5A 0000000000000000FFFF00000100007F:D0E4 01 "
    "00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 20 4 30 10 -1\n";

static void test_listens(void **state)
{
	(void)state;
	/* UDP: bound is listening, whatever its state */
	assert_true(mig_proc_net_listens(udp, 7000, false));
	assert_true(mig_proc_net_listens(udp, 53, false));
	assert_false(mig_proc_net_listens(udp, 8080, false)); /* a remote port is no local one */
	assert_false(mig_proc_net_listens(udp, 7001, false));
	/* TCP: only a listening socket; IPv6 addresses are 32 digits */
	assert_true(mig_proc_net_listens(tcp6, 7001, true));
	assert_false(mig_proc_net_listens(tcp6, 7002, true)); /* established */
	assert_false(mig_proc_net_listens(tcp6, 7000, true));
	/* the header alone, nothing, or a table cut short */
	assert_false(mig_proc_net_listens("  sl  local_address\n", 7000, false));
	assert_false(mig_proc_net_listens("", 7000, false));
	assert_false(mig_proc_net_listens("h\n   0: 00000000:1B58", 7000, false));
	assert_true(mig_proc_net_listens("h\n   0: 00000000:1B58 0:0 07", 7000, false));
}

#define SCEN                                                                                       \
	"name: t\n"                                                                                \
	"nodes:\n"                                                                                 \
	"  e1: { kind: edge }\n"                                                                   \
	"  ue1: { kind: ue }\n"                                                                    \
	"services:\n"                                                                              \
	"  e: { vip: 10.200.0.2, at: e1 }\n"                                                       \
	"  kv: { app: process, command: srv, vip: 10.200.0.1, at: e1 }\n"

static void test_scenario_check(void **state)
{
	struct topo_model *m;
	struct topo_err err = {{0}};

	(void)state;
	/* never moves: fine */
	m = support_model(SCEN);
	assert_int_equal(mig_process_scenario_check(m, &err), 0);
	topo_model_free(m);
	m = support_model(SCEN "migration: { policy: never }\n");
	assert_int_equal(mig_process_scenario_check(m, &err), 0);
	topo_model_free(m);
	/* any other policy could move it */
	m = support_model(SCEN "migration: { policy: latency }\n");
	assert_int_equal(mig_process_scenario_check(m, &err), -EOPNOTSUPP);
	assert_string_equal(err.msg,
			    "t.yaml:7:3: service 'kv' is app: process, which migration policy "
			    "'latency' could move: moving a program of your own (by CRIU) is not "
			    "built yet; use policy: never, or app: svc");
	topo_model_free(m);
	/* no process service: any policy */
	m = support_model("name: t\nnodes: { e1: { kind: edge } }\n"
			  "services: { e: { vip: 10.200.0.2, at: e1 } }\n"
			  "migration: { policy: always }\n");
	assert_int_equal(mig_process_scenario_check(m, &err), 0);
	topo_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_listens),
	    cmocka_unit_test(test_scenario_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
