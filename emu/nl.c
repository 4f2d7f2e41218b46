/* SPDX-License-Identifier: MIT */
#include "emu/emu.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

/*
 * One sendmsg carries up to TAGS_MAX requests and the kernel handles them all inside it;
 * their acks (about 1 KiB of receive buffer each, counting the kernel's overhead) must fit
 * the socket's receive buffer, or the kernel drops them (ENOBUFS).
 */
#define BATCH_CAP (64 * 1024)
#define TAGS_MAX 128
#define RCVBUF (1024 * 1024)

int emu_nl_open(struct emu_nl **ret)
{
	struct emu_nl *nl;
	int one = 1, r;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->cap = BATCH_CAP;
	nl->buf = malloc(nl->cap);
	nl->tags = malloc(TAGS_MAX * sizeof(*nl->tags));
	if (!nl->buf || !nl->tags) {
		r = -ENOMEM;
		goto err;
	}
	nl->sk = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sk) {
		r = -errno;
		goto err;
	}
	/* Short acks (no copy of the request) with the kernel's explanation attached. */
	mnl_socket_setsockopt(nl->sk, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	emu_nl_set_rcvbuf(nl, RCVBUF);
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto err;
	}
	nl->portid = mnl_socket_get_portid(nl->sk);
	nl->seq = 1;
	*ret = nl;
	return 0;
err:
	emu_nl_close(nl);
	return r;
}

void emu_nl_close(struct emu_nl *nl)
{
	if (!nl)
		return;
	if (nl->sk)
		mnl_socket_close(nl->sk);
	free(nl->buf);
	free(nl->tags);
	free(nl);
}

void *emu_nl_slot(struct emu_nl *nl)
{
	/* emu_nl_queue() flushes before the room runs out, so there is always room here. */
	memset(nl->buf + nl->len, 0, EMU_MSG_MAX);
	return nl->buf + nl->len;
}

int emu_nl_reserve(struct emu_nl *nl, size_t size)
{
	if (size > nl->cap)
		return -EMSGSIZE;
	if (nl->cap - nl->len < size)
		return emu_nl_flush(nl);
	return 0;
}

int emu_nl_queue(struct emu_nl *nl, struct nlmsghdr *nlh, uint32_t tag)
{
	nlh->nlmsg_seq = nl->seq++;
	nlh->nlmsg_flags |= NLM_F_ACK;
	nl->tags[nl->pending++] = tag;
	nl->len += NLMSG_ALIGN(nlh->nlmsg_len);
	if (nl->cap - nl->len < EMU_MSG_MAX || nl->pending >= TAGS_MAX)
		return emu_nl_flush(nl);
	return 0;
}

static void take_extack(struct emu_nl *nl, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	size_t off = sizeof(*e);

	nl->ext[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* Without NLM_F_CAPPED the original request follows the error struct. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	mnl_attr_for_each(a, nlh, off)
	{
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG) {
			snprintf(nl->ext, sizeof(nl->ext), "%s", mnl_attr_get_str(a));
			return;
		}
	}
}

int emu_nl_flush(struct emu_nl *nl)
{
	char rbuf[MNL_SOCKET_BUFFER_SIZE];
	unsigned pending = nl->pending, acked = 0, k;
	uint32_t first = nl->seq - pending;
	size_t len = nl->len;
	int err = 0;

	if (!pending)
		return 0;
	nl->len = 0;
	nl->pending = 0;
	if (mnl_socket_sendto(nl->sk, nl->buf, len) < 0) {
		nl->err_tag = nl->tags[0];
		nl->ext[0] = '\0';
		return -errno;
	}
	while (acked < pending) {
		ssize_t n = mnl_socket_recvfrom(nl->sk, rbuf, sizeof(rbuf));
		const struct nlmsghdr *h;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* ENOBUFS: acks were dropped; the batch's outcome is unknown. */
			if (!err) {
				err = -errno;
				nl->err_tag = nl->tags[0];
				nl->ext[0] = '\0';
			}
			break;
		}
		int left = (int)n;

		for (h = (const struct nlmsghdr *)rbuf; mnl_nlmsg_ok(h, left);
		     h = mnl_nlmsg_next(h, &left)) {
			const struct nlmsgerr *e;

			if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_pid != nl->portid)
				continue;
			k = h->nlmsg_seq - first;
			if (k >= pending)
				continue; /* an old answer */
			acked++;
			e = mnl_nlmsg_get_payload(h);
			if (e->error && !err) {
				err = e->error;
				nl->err_tag = nl->tags[k];
				take_extack(nl, h);
			}
		}
	}
	return err;
}

int emu_nl_set_rcvbuf(struct emu_nl *nl, int bytes)
{
	int fd = mnl_socket_get_fd(nl->sk);

	/*
	 * Socket-level options (mnl_socket_setsockopt() would set SOL_NETLINK ones, where 8 is
	 * NETLINK_LISTEN_ALL_NSID). FORCE passes rmem_max where we may (root); the plain
	 * option is capped by it.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) == 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) == 0)
		return 0;
	return -errno;
}

int emu_nl_join(struct emu_nl *nl, unsigned group)
{
	int g = (int)group;

	if (mnl_socket_setsockopt(nl->sk, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0)
		return -errno;
	return 0;
}

int emu_nl_dump(struct emu_nl *nl, struct nlmsghdr *req,
		int (*cb)(const struct nlmsghdr *nlh, void *arg), void *arg)
{
	char rbuf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t seq = nl->seq++;

	req->nlmsg_seq = seq;
	req->nlmsg_flags |= NLM_F_DUMP;
	if (mnl_socket_sendto(nl->sk, req, req->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sk, rbuf, sizeof(rbuf));
		const struct nlmsghdr *h;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		int left = (int)n;

		for (h = (const struct nlmsghdr *)rbuf; mnl_nlmsg_ok(h, left);
		     h = mnl_nlmsg_next(h, &left)) {
			int r;

			if (h->nlmsg_seq != seq || h->nlmsg_pid != nl->portid)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

				take_extack(nl, h);
				return e->error;
			}
			r = cb(h, arg);
			if (r < 0)
				return r;
		}
	}
}
