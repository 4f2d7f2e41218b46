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

/* Reads a batch of datagrams from sock: their count, 0 when drained, or -errno. */
int app_answers_recv(struct app_answers *b, int sock);
/* Datagram i of the batch as a request: 0, or -EBADMSG when it is not one (*ret untouched). */
int app_answers_req(const struct app_answers *b, unsigned int i, struct app_req *ret);
/* Answer number out of this batch, to request i: req's echo, our id and counter. */
void app_answers_add(struct app_answers *b, unsigned int out, unsigned int i,
		     const struct app_req *req, const char *id, uint64_t counter);
/*
 * Sends answers 0 to n - 1; the count sent. An answer the kernel refuses (no route back, a
 * source it will not use) goes once more from the kernel's choice of source, then is given
 * up; when the send buffer is full, the rest of the batch is given up, as UDP would drop it,
 * rather than stall every client. unsent(arg, i, n) is called for each answer i given up.
 */
unsigned int app_answers_send(struct app_answers *b, int sock, unsigned int n,
			      void (*unsent)(void *arg, unsigned int i, unsigned int n), void *arg);

#endif
