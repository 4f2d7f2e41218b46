/* SPDX-License-Identifier: MIT */
/*
 * app: process instances without a kernel: the /proc/net tables read for "ready"
 * (mig_proc_net_listens()). The scenarios refused before anything is built are
 * test_mig_criu's (mig_criu_refuse()).
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_listens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
