/* SPDX-License-Identifier: MIT */
/*
 * A request socket served in batches, as edgemu-echo and edgemu-svc answer over UDP: up to
 * APP_BATCH requests read with one recvmmsg, the answers sent with one sendmmsg, each from
 * the address its request was sent to.
 */
#ifndef EDGEMU_APPS_ANSWER_H
#define EDGEMU_APPS_ANSWER_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include "apps/proto.h"

#define APP_BATCH 64
#define APP_RX_LEN 2048
#define APP_CTRL_LEN CMSG_SPACE(sizeof(struct in6_pktinfo))

struct app_answers {
	struct mmsghdr rx[APP_BATCH];
	struct iovec rx_iov[APP_BATCH];
	struct sockaddr_storage rx_addr[APP_BATCH];
	char rx_buf[APP_BATCH][APP_RX_LEN];
	_Alignas(struct cmsghdr) char rx_ctrl[APP_BATCH][APP_CTRL_LEN];
	struct mmsghdr tx[APP_BATCH];
	struct iovec tx_iov[APP_BATCH];
	struct app_answer tx_buf[APP_BATCH];
	_Alignas(struct cmsghdr) char tx_ctrl[APP_BATCH][APP_CTRL_LEN];
};

/* What a server adds to a batch's answers. */
struct app_answer_ops {
	/*
	 * The counter of answer number out, to req, in *ret; < 0 leaves req unanswered (the
	 * client sees a loss). NULL: every counter is 0.
	 */
	int (*counter)(void *arg, const struct app_req *req, unsigned int out, uint64_t *ret);
	/*
	 * Answer i of the n of the batch is given up: refused by the kernel even from its own
	 * choice of source, or the send buffer was full (UDP drops, so do we, rather than
	 * stall every client).
	 */
	void (*unsent)(void *arg, unsigned int i, unsigned int n);
	void *arg;
};

/*
 * One batch from sock: every request answered with id, from the address it was sent to,
 * with one sendmmsg. Datagrams that are not requests add to *malformed, answers sent to
 * *answered. 0 when the socket is drained, 1 when there may be more, -errno on failure.
 */
int app_answers_serve(struct app_answers *b, int sock, const char *id,
		      const struct app_answer_ops *ops, uint64_t *malformed, uint64_t *answered);

#endif
