/* SPDX-License-Identifier: MIT */
/* Batches of requests and answers: see answer.h. */
#include <errno.h>
#include <string.h>

#include "apps/answer.h"
#include "apps/util.h"

static int answers_recv(struct app_answers *b, int sock)
{
	return app_recv_batch(sock, b->rx, b->rx_iov, b->rx_addr, &b->rx_buf[0][0], APP_RX_LEN,
			      &b->rx_ctrl[0][0], APP_CTRL_LEN, APP_BATCH);
}

/* Datagram i as a request: 0, or -EBADMSG when it is not one. */
static int answers_req(const struct app_answers *b, unsigned int i, struct app_req *ret)
{
	if (app_proto_check(b->rx_buf[i], b->rx[i].msg_len, APP_KIND_REQUEST) < 0)
		return -EBADMSG;
	memcpy(ret, b->rx_buf[i], sizeof(*ret));
	return 0;
}

/* Answer number out, to request i. */
static void answers_add(struct app_answers *b, unsigned int out, unsigned int i,
			const struct app_req *req, const char *id, uint64_t counter)
{
	const struct msghdr *h = &b->rx[i].msg_hdr;
	size_t clen;

	app_answer_pack(&b->tx_buf[out], req, id, counter);
	b->tx_iov[out] =
	    (struct iovec){.iov_base = &b->tx_buf[out], .iov_len = sizeof(b->tx_buf[out])};
	clen = app_answer_ctrl(h, b->tx_ctrl[out]);
	b->tx[out].msg_hdr = (struct msghdr){.msg_name = &b->rx_addr[i],
					     .msg_namelen = h->msg_namelen,
					     .msg_iov = &b->tx_iov[out],
					     .msg_iovlen = 1,
					     .msg_control = clen ? b->tx_ctrl[out] : NULL,
					     .msg_controllen = clen};
}

/* Sends answers 0 to n - 1; the count sent. */
static unsigned int answers_send(struct app_answers *b, int sock, unsigned int n,
				 const struct app_answer_ops *ops)
{
	unsigned int off = 0, sent = 0;

	while (off < n) {
		int r = sendmmsg(sock, b->tx + off, n - off, 0);

		if (r > 0) {
			sent += (unsigned int)r;
			off += (unsigned int)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			for (; off < n; off++)
				ops->unsent(ops->arg, off, n);
			break;
		}
		/* Once more with the kernel's choice of source, then move on to the next. */
		if (b->tx[off].msg_hdr.msg_controllen) {
			b->tx[off].msg_hdr.msg_control = NULL;
			b->tx[off].msg_hdr.msg_controllen = 0;
			continue;
		}
		ops->unsent(ops->arg, off, n);
		off++;
	}
	return sent;
}

int app_answers_serve(struct app_answers *b, int sock, const char *id,
		      const struct app_answer_ops *ops, uint64_t *malformed, uint64_t *answered)
{
	unsigned int i, out = 0;
	int n;

	n = answers_recv(b, sock);
	if (n <= 0)
		return n;
	for (i = 0; i < (unsigned int)n; i++) {
		struct app_req req;
		uint64_t counter = 0;

		if (answers_req(b, i, &req) < 0) {
			(*malformed)++;
			continue;
		}
		if (ops->counter && ops->counter(ops->arg, &req, out, &counter) < 0)
			continue;
		answers_add(b, out++, i, &req, id, counter);
	}
	if (out)
		*answered += answers_send(b, sock, out, ops);
	return n == APP_BATCH;
}
