/* SPDX-License-Identifier: MIT */
/*
 * emu/'s namespace calls as root: names reserved as hard links of one file, namespaces
 * mounted on them (ip netns sees each), netlink socket options, and the wait for the
 * kernel's release of many namespaces when its notifications overflow the listener.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "emu/emu.h"

#define MANY 200

static char prefix[16];

static void name_of(char *buf, size_t len, unsigned i)
{
	snprintf(buf, len, "%s-%u", prefix, i);
}

/* Every name of this test, mounted or not, is gone: also after a failed test. */
static int remove_all(void **state)
{
	char name[64];

	(void)state;
	for (unsigned i = 0; i < MANY; i++) {
		name_of(name, sizeof(name), i);
		emu_netns_delete(name);
	}
	return 0;
}

static void test_reserve_links(void **state)
{
	char a[64], b[64], c[64], pa[128], pb[128];
	struct stat sa, sb;
	int fa, fb;
	uint64_t ia, ib;

	(void)state;
	name_of(a, sizeof(a), 0);
	name_of(b, sizeof(b), 1);
	assert_int_equal(emu_netns_reserve(a, NULL), 0);
	assert_int_equal(emu_netns_reserve(b, a), 0);
	/* a name taken is refused, as `ip netns add` refuses it */
	assert_int_equal(emu_netns_reserve(b, a), -EEXIST);
	assert_int_equal(emu_netns_reserve(a, NULL), -EEXIST);
	snprintf(pa, sizeof(pa), EMU_NETNS_DIR "/%s", a);
	snprintf(pb, sizeof(pb), EMU_NETNS_DIR "/%s", b);
	assert_int_equal(stat(pa, &sa), 0);
	assert_int_equal(stat(pb, &sb), 0);
	assert_true(sa.st_ino == sb.st_ino); /* one inode for both names */
	assert_int_equal(sa.st_nlink, 2);
	assert_false(emu_netns_exists(a));

	/* Two namespaces on the two links: two different namespaces, each found by name. */
	assert_int_equal(emu_netns_mount(a, NULL, NULL, &fa), 0);
	/* a mounted name is another file system's file now: no more links to it */
	name_of(c, sizeof(c), 2);
	assert_int_equal(emu_netns_reserve(c, a), -EXDEV);
	assert_int_equal(emu_netns_mount(b, NULL, NULL, &fb), 0);
	assert_true(emu_netns_exists(a));
	assert_true(emu_netns_exists(b));
	assert_int_equal(emu_netns_inode(fa, &ia), 0);
	assert_int_equal(emu_netns_inode(fb, &ib), 0);
	assert_true(ia != ib);
	close(fa);
	close(fb);
	fa = emu_netns_open(b);
	assert_true(fa >= 0);
	assert_int_equal(emu_netns_inode(fa, &ia), 0);
	assert_true(ia == ib);
	close(fa);

	assert_int_equal(emu_netns_delete(a), 0);
	assert_int_equal(emu_netns_delete(b), 0);
	assert_int_equal(access(pa, F_OK), -1);
	assert_int_equal(access(pb, F_OK), -1);
}

static void test_socket_options(void **state)
{
	struct emu_nl *nl;
	int v = -1;
	socklen_t len = sizeof(v);

	(void)state;
	assert_int_equal(emu_nl_open(&nl), 0);
	assert_int_equal(emu_nl_set_rcvbuf(nl, 4 << 20), 0);
	assert_int_equal(getsockopt(mnl_socket_get_fd(nl->sk), SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
	assert_true(v >= 4 << 20); /* root: FORCE passes rmem_max (the kernel doubles it) */
	/* and nothing else changed: the socket hears its own namespace only */
	v = -1;
	len = sizeof(v);
	assert_int_equal(
	    getsockopt(mnl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, &v, &len),
	    0);
	assert_int_equal(v, 0);
	emu_nl_close(nl);
}

/* The ids the kernel still has in this namespace, by a dump. */
static bool id_alive(int32_t id)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *sk = mnl_socket_open(NETLINK_ROUTE);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtgenmsg *g;
	bool alive = false, done = false;

	assert_non_null(sk);
	nlh->nlmsg_type = RTM_GETNSID;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	assert_true(mnl_socket_sendto(sk, nlh, nlh->nlmsg_len) >= 0);
	while (!done) {
		ssize_t n = mnl_socket_recvfrom(sk, buf, sizeof(buf));
		int left = (int)n;

		assert_true(n > 0);
		for (nlh = (void *)buf; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			const struct nlattr *a;

			if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
				done = true;
				break;
			}
			mnl_attr_for_each(
			    a, nlh,
			    sizeof(
				struct rtgenmsg)) if (mnl_attr_get_type(a) == 1 /* NETNSA_NSID */ &&
						      (int32_t)mnl_attr_get_u32(a) == id) alive =
			    true;
		}
	}
	mnl_socket_close(sk);
	return alive;
}

/* MANY named namespaces (names first, as links of one file), their fds and ids. */
static void make_many(struct emu_nl *req, int *fds, int32_t *ids)
{
	char name[64], first[64];

	name_of(first, sizeof(first), 0);
	for (unsigned i = 0; i < MANY; i++) {
		name_of(name, sizeof(name), i);
		assert_int_equal(emu_netns_reserve(name, i ? first : NULL), 0);
	}
	for (unsigned i = 0; i < MANY; i++) {
		name_of(name, sizeof(name), i);
		assert_int_equal(emu_netns_mount(name, NULL, NULL, &fds[i]), 0);
		assert_int_equal(emu_nsid_get(req, fds[i], &ids[i]), 0);
		assert_true(ids[i] >= 0);
	}
}

/* Unmount and unlink the MANY names. */
static void unname_many(void)
{
	char name[64];

	for (unsigned i = 0; i < MANY; i++) {
		name_of(name, sizeof(name), i);
		assert_int_equal(emu_netns_delete(name), 0);
	}
}

/*
 * MANY namespaces die at once while the listener's buffer holds a handful of notifications:
 * the wait must still return only when the kernel has none of their ids left.
 */
static void test_wait_overflow(void **state)
{
	struct emu_nl *req, *listen;
	int32_t ids[MANY], copy[MANY];
	int fds[MANY];

	(void)state;
	assert_int_equal(emu_nl_open(&req), 0);
	assert_int_equal(emu_nl_open(&listen), 0);
	make_many(req, fds, ids);
	for (unsigned i = 0; i < MANY; i++)
		close(fds[i]);
	assert_int_equal(emu_nl_set_rcvbuf(listen, 1), 0); /* the kernel's minimum */
	assert_int_equal(emu_nl_join(listen, RTNLGRP_NSID), 0);
	memcpy(copy, ids, sizeof(ids));
	unname_many();
	assert_int_equal(emu_nsid_wait(listen, ids, MANY, 30000), 0);
	for (unsigned i = 0; i < MANY; i++) {
		assert_int_equal(ids[i], -1);
		assert_false(id_alive(copy[i]));
	}
	emu_nl_close(listen);
	emu_nl_close(req);
}

/*
 * Namespaces whose last references go together all die, and the caller's scheduling policy
 * and CPU affinity are what they were before.
 */
static void test_release_together(void **state)
{
	struct emu_nl *req, *listen;
	int32_t ids[MANY];
	int fds[MANY], policy = sched_getscheduler(0);
	cpu_set_t before, after;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(before), &before), 0);
	assert_int_equal(emu_nl_open(&req), 0);
	assert_int_equal(emu_nl_open(&listen), 0);
	assert_int_equal(emu_nl_join(listen, RTNLGRP_NSID), 0);
	make_many(req, fds, ids);
	unname_many();
	emu_netns_release_together(fds, MANY);
	for (unsigned i = 0; i < MANY; i++)
		assert_int_equal(fds[i], -1);
	assert_int_equal(emu_nsid_wait(listen, ids, MANY, 30000), 0);
	assert_int_equal(sched_getscheduler(0), policy);
	assert_int_equal(sched_getaffinity(0, sizeof(after), &after), 0);
	assert_true(CPU_EQUAL(&before, &after));
	emu_nl_close(listen);
	emu_nl_close(req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_reserve_links, remove_all),
	    cmocka_unit_test(test_socket_options),
	    cmocka_unit_test_teardown(test_wait_overflow, remove_all),
	    cmocka_unit_test_teardown(test_release_together, remove_all),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_emu_netns: needs root (it makes namespaces); skipped\n");
		return 77;
	}
	/* t + 6 hex digits, the form test.sh looks for when it checks for leftovers */
	snprintf(prefix, sizeof(prefix), "t%06lx",
		 (unsigned long)(getpid() ^ time(NULL)) & 0xffffff);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
