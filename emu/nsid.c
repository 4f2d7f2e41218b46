/* SPDX-License-Identifier: MIT */
#include "emu/emu.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>

#include "util/clock.h"

static int parse_nsid(const struct nlmsghdr *nlh, int32_t *ret)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct rtgenmsg))
	{
		if (mnl_attr_get_type(a) == NETNSA_NSID) {
			*ret = (int32_t)mnl_attr_get_u32(a);
			return 0;
		}
	}
	return -ENOENT;
}

static int ask(struct emu_nl *nl, int ns_fd, int32_t *ret)
{
	char buf[EMU_MSG_MAX], rbuf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtgenmsg *g;
	uint32_t seq = nl->seq++;

	nlh->nlmsg_type = RTM_GETNSID;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t)ns_fd);
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sk, rbuf, sizeof(rbuf));
		const struct nlmsghdr *h;
		int left;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		left = (int)n;
		for (h = (void *)rbuf; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

				return e->error ? e->error : -EPROTO;
			}
			if (h->nlmsg_type == RTM_NEWNSID)
				return parse_nsid(h, ret);
		}
	}
}

int emu_nsid_get(struct emu_nl *req, int ns_fd, int32_t *ret)
{
	int32_t id = -1;
	int r = ask(req, ns_fd, &id);

	if (r < 0)
		return r;
	if (id < 0) {
		struct nlmsghdr *nlh = emu_msg_nsid_set(emu_nl_slot(req), ns_fd, -1);

		r = emu_nl_queue(req, nlh, 0);
		if (r == 0)
			r = emu_nl_flush(req);
		if (r < 0)
			return r;
		r = ask(req, ns_fd, &id);
		if (r < 0)
			return r;
		if (id < 0)
			return -ENOENT;
	}
	*ret = id;
	return 0;
}

/*
 * Set to -1 every id the kernel no longer has (a dump of this namespace's ids); the number
 * left, or -errno.
 */
static int forget_gone(int32_t *ids, size_t n)
{
	char buf[EMU_MSG_MAX], rbuf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *sk = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	bool *seen = calloc(n + 1, sizeof(*seen));
	struct rtgenmsg *g;
	int r = 0, alive = 0;

	if (!sk || !seen) {
		r = sk ? -ENOMEM : -errno;
		goto out;
	}
	nlh->nlmsg_type = RTM_GETNSID;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = 1;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	if (mnl_socket_sendto(sk, nlh, nlh->nlmsg_len) < 0) {
		r = -errno;
		goto out;
	}
	for (bool done = false; !done;) {
		ssize_t len = mnl_socket_recvfrom(sk, rbuf, sizeof(rbuf));
		const struct nlmsghdr *h;
		int left;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		left = (int)len;
		for (h = (void *)rbuf; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
			int32_t id;

			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
				done = true;
				break;
			}
			if (h->nlmsg_type != RTM_NEWNSID || parse_nsid(h, &id) < 0)
				continue;
			for (size_t i = 0; i < n; i++)
				if (ids[i] == id)
					seen[i] = true;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (ids[i] >= 0 && !seen[i])
			ids[i] = -1;
		alive += ids[i] >= 0;
	}
	r = alive;
out:
	if (sk)
		mnl_socket_close(sk);
	free(seen);
	return r;
}

static long long now_ms(void)
{
	return (long long)(util_now_ns() / UTIL_NS_PER_MS);
}

int emu_nsid_wait(struct emu_nl *listen, int32_t *ids, size_t n, int timeout_ms)
{
	char rbuf[MNL_SOCKET_BUFFER_SIZE];
	long long end = now_ms() + timeout_ms;
	size_t alive = 0;
	bool lost = false;
	struct pollfd p = {.fd = mnl_socket_get_fd(listen->sk), .events = POLLIN};

	for (size_t i = 0; i < n; i++)
		alive += ids[i] >= 0;
	while (alive) {
		long long left_ms = end - now_ms();
		ssize_t len;
		const struct nlmsghdr *h;
		int left, pr;

		if (left_ms <= 0)
			break;
		/* After a loss, read on without waiting until the queue is empty. */
		pr = lost ? 1 : poll(&p, 1, (int)left_ms);
		if (pr < 0 && errno != EINTR)
			return -errno;
		if (pr <= 0)
			continue;
		len = recv(p.fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
		if (len < 0 && errno == ENOBUFS) {
			lost = true; /* some were dropped; go on reading what is queued */
			continue;
		}
		if (len < 0 && errno == EAGAIN && lost) {
			/*
			 * Notifications were lost. The queue is empty now, which ends the
			 * socket's congestion: a drop from here on is reported again. Ask the
			 * kernel which ids are left.
			 */
			int r = forget_gone(ids, n);

			if (r < 0)
				return r;
			alive = (size_t)r;
			lost = false;
			continue;
		}
		if (len < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		left = (int)len;
		for (h = (void *)rbuf; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
			int32_t id;

			if (h->nlmsg_type != RTM_DELNSID || parse_nsid(h, &id) < 0)
				continue;
			for (size_t i = 0; i < n; i++) {
				if (ids[i] == id) {
					ids[i] = -1;
					alive--;
					break;
				}
			}
		}
	}
	return (int)alive;
}

int emu_netns_barrier(struct emu_nl *req, struct emu_nl *listen, int timeout_ms)
{
	int orig, fd, r;
	int32_t id;

	orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0)
		return -errno;
	if (unshare(CLONE_NEWNET) < 0) {
		r = -errno;
		close(orig);
		return r;
	}
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	r = fd < 0 ? -errno : 0;
	if (setns(orig, CLONE_NEWNET) < 0 && r == 0)
		r = -errno;
	close(orig);
	if (r < 0) {
		if (fd >= 0)
			close(fd);
		return r;
	}
	r = emu_nsid_get(req, fd, &id);
	close(fd);
	if (r < 0)
		return r;
	r = emu_nsid_wait(listen, &id, 1, timeout_ms);
	return r < 0 ? r : (r ? -ETIMEDOUT : 0);
}
