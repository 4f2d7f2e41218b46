/* SPDX-License-Identifier: MIT */
/*
 * The criu commands of a CRIU migration (migrate/mig_int.h mig_criu_args()): what each step of
 * each strategy asks of criu, word for word. The migration itself runs only where CRIU works
 * (the stock-kernel VM: tests/integ/test_criu_migrate.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "migrate/mig_int.h"

/* The words joined by spaces. */
static const char *joined(const char *const *v)
{
	static char buf[2048];
	size_t at = 0;

	buf[0] = '\0';
	for (; *v; v++)
		at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%s", at ? " " : "", *v);
	return buf;
}

static const char *args(enum mig_criu_verb verb, enum topo_strategy s, unsigned round, bool tcp)
{
	static struct mig_criu_argv a;
	struct mig_criu_step st = {.verb = verb,
				   .strategy = s,
				   .round = round,
				   .pid = 4242,
				   .dir = "/run/edgemu/r/criu/game-1",
				   .addr = "10.0.0.2",
				   .port = 7100,
				   .tcp_established = tcp};

	return joined(mig_criu_args(&st, &a));
}

#define D "/run/edgemu/r/criu/game-1"

static void test_cold(void **state)
{
	(void)state;
	assert_string_equal(args(MIG_CRIU_PAGE_SERVER, TOPO_STRATEGY_COLD, 1, false),
			    "page-server -D " D "/d/1 --port 7100");
	/* Frozen and left stopped: until the destination resumes, the source can go on. */
	assert_string_equal(args(MIG_CRIU_DUMP, TOPO_STRATEGY_COLD, 1, false),
			    "dump -t 4242 -D " D "/s/1 --page-server --address 10.0.0.2 --port "
			    "7100 --leave-stopped --tcp-close");
	assert_string_equal(args(MIG_CRIU_RESTORE, TOPO_STRATEGY_COLD, 1, false),
			    "restore -D " D "/d/1 -d --pidfile " D "/restored.pid --tcp-close");
}

static void test_precopy_chain(void **state)
{
	(void)state;
	/* The first round: everything, soft-dirty bits set afresh. */
	assert_string_equal(args(MIG_CRIU_PREDUMP, TOPO_STRATEGY_PRECOPY, 1, false),
			    "pre-dump -t 4242 -D " D "/s/1 --page-server --address 10.0.0.2 "
			    "--port 7100 --track-mem");
	/* Later rounds: both sides chained to the round before, so only dirty pages go. */
	assert_string_equal(args(MIG_CRIU_PAGE_SERVER, TOPO_STRATEGY_PRECOPY, 3, false),
			    "page-server -D " D "/d/3 --port 7100 --prev-images-dir ../2");
	assert_string_equal(args(MIG_CRIU_PREDUMP, TOPO_STRATEGY_PRECOPY, 3, false),
			    "pre-dump -t 4242 -D " D "/s/3 --page-server --address 10.0.0.2 "
			    "--port 7100 --track-mem --prev-images-dir ../2");
	assert_string_equal(args(MIG_CRIU_DUMP, TOPO_STRATEGY_PRECOPY, 4, false),
			    "dump -t 4242 -D " D "/s/4 --page-server --address 10.0.0.2 --port "
			    "7100 --track-mem --prev-images-dir ../3 --leave-stopped --tcp-close");
	assert_string_equal(args(MIG_CRIU_RESTORE, TOPO_STRATEGY_PRECOPY, 4, false),
			    "restore -D " D "/d/4 -d --pidfile " D "/restored.pid --tcp-close");
}

static void test_postcopy(void **state)
{
	(void)state;
	assert_string_equal(args(MIG_CRIU_LAZY_DUMP, TOPO_STRATEGY_POSTCOPY, 1, false),
			    "dump -t 4242 -D " D "/s/1 --lazy-pages --port 7100 --leave-stopped "
			    "--tcp-close");
	assert_string_equal(args(MIG_CRIU_LAZY_PAGES, TOPO_STRATEGY_POSTCOPY, 1, false),
			    "lazy-pages -D " D
			    "/d/1 -v3 --page-server --address 10.0.0.2 --port 7100");
	assert_string_equal(args(MIG_CRIU_RESTORE, TOPO_STRATEGY_POSTCOPY, 1, false),
			    "restore -D " D "/d/1 -d --pidfile " D "/restored.pid --lazy-pages "
			    "--tcp-close");
}

static void test_tcp_established(void **state)
{
	(void)state;
	/* On the dump and the restore only: the rounds and the page server have no sockets
	 * (without it: --tcp-close, above). */
	assert_string_equal(args(MIG_CRIU_DUMP, TOPO_STRATEGY_COLD, 1, true),
			    "dump -t 4242 -D " D "/s/1 --page-server --address 10.0.0.2 --port "
			    "7100 --leave-stopped --tcp-established");
	assert_string_equal(args(MIG_CRIU_LAZY_DUMP, TOPO_STRATEGY_POSTCOPY, 1, true),
			    "dump -t 4242 -D " D "/s/1 --lazy-pages --port 7100 --leave-stopped "
			    "--tcp-established");
	assert_string_equal(args(MIG_CRIU_RESTORE, TOPO_STRATEGY_COLD, 1, true),
			    "restore -D " D "/d/1 -d --pidfile " D
			    "/restored.pid --tcp-established");
	assert_null(strstr(args(MIG_CRIU_PREDUMP, TOPO_STRATEGY_PRECOPY, 2, true), "tcp"));
	assert_null(strstr(args(MIG_CRIU_PAGE_SERVER, TOPO_STRATEGY_PRECOPY, 2, true), "tcp"));
}

static void test_lazy_pages(void **state)
{
	(void)state;
	/* As criu 3.17's lazy-pages writes them at -v3, in the VM. */
	assert_int_equal(mig_criu_lazy_pages("(00.000897) Version: 3.17.1 (gitid 0)\n"
					     "(00.537822) Connecting to server 10.128.0.6:7100\n"
					     "(12.669895) pr2-2 Read 7f81919fb000 2 pages\n"
					     "(12.684214) pr2-2 Read 7ffeff404000 5 pages\n"
					     "(12.697158) pr2-2 Read 7ffeff410000 1 pages\n"
					     "(15.727342) page-xfer: Disconnect from the page "
					     "server\n"),
			 8);
	assert_int_equal(mig_criu_lazy_pages(""), 0);
	assert_int_equal(mig_criu_lazy_pages(NULL), 0);
	/* Not its lines: a word other than pages, a truncated one. */
	assert_int_equal(mig_criu_lazy_pages("(1.0) x Read 7f00 3 bytes\n(1.0) x Read 7f00"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cold),       cmocka_unit_test(test_precopy_chain),
	    cmocka_unit_test(test_postcopy),   cmocka_unit_test(test_tcp_established),
	    cmocka_unit_test(test_lazy_pages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
