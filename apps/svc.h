/* SPDX-License-Identifier: MIT */
/*
 * edgemu-svc's insides, shared by its serving side (svc.c) and its migration agent
 * (svc_agent.c): one process, one epoll loop, one struct.
 */
#ifndef EDGEMU_APPS_SVC_H
#define EDGEMU_APPS_SVC_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "apps/answer.h"
#include "apps/mp.h"
#include "apps/proto.h"
#include "apps/svc_mig.h"
#include "apps/svc_state.h"

#define PROG "edgemu-svc"
#define BATCH 64
#define RX_LEN 2048
#define MS 1000000ULL
#define TICK_NS MS /* workload tick: writes are batched per tick, the rate is kept exact */
#define MAX_CONNS 64
#define REQ_LEN sizeof(struct app_req)
#define ANS_LEN sizeof(struct app_answer)

/* epoll tags: fixed fds first, then TCP connections by slot. */
enum {
	TAG_UDP,
	TAG_SIGNAL,
	TAG_TIMER,
	TAG_LISTEN,
	TAG_CTL_LISTEN,
	TAG_CTL,
	TAG_MIG_LISTEN,
	TAG_MIG,
	TAG_MIG_WAIT,
	TAG_CONN
};

#define MP_RUN_PAGES 64 /* pages per PAGES frame: 256 KiB */
#define MP_QUEUE 65536	/* bytes of small frames waiting to go (the destination's requests) */

/* The migration agent: the control socket and, while one runs, a migration either way. */
struct agent {
	struct sockaddr_un ctl_addr;
	int ctl_lsock, ctl_sock;
	int mp_lsock, mp_sock;
	int wait_tfd; /* destination: fires if no source has connected in time */
	uint64_t timeout_ms;
	bool want_out; /* EPOLLOUT asked for on mp_sock */

	/* source */
	bool source; /* a migration out is under way */
	bool connecting;
	bool committed; /* the execution state is on its way: the source may not resume alone */
	bool done_sending;
	uint64_t frozen_at;
	enum topo_strategy strategy;
	uint64_t max_rounds, stop_below;
	struct svc_mig_src plan;
	struct mp_hdr hdr; /* the frame being sent: header, then payload */
	const uint8_t *payload;
	size_t off, len; /* bytes of header and payload sent, and in all */
	int after;	 /* what the frame's end means (enum in svc_agent.c) */
	struct mp_exec exec;
	uint64_t *demand; /* post-copy: pages asked for, a ring */
	uint64_t d_head, d_tail, d_cap;
	uint64_t start_ns, round_begin_ns, round_bytes0;

	/* destination */
	bool incoming; /* started with --incoming, until it ends */
	bool resumed;
	bool switched;	     /* post-copy: pages may still be absent */
	bool ended;	     /* every page is here */
	uint8_t q[MP_QUEUE]; /* requests waiting to go */
	size_t q_len;

	/*
	 * The runner (the controller) gone in the middle of a migration: see orphaned() in
	 * svc_agent.c for what each side does then.
	 */
	bool orphaned;
	bool peer_resumed; /* source: the destination said it serves (RESUMED) */
	/*
	 * Source, after a post-copy switch: the runner has set the client table from the
	 * destination's (frozen first), so write-backs still on their way are older: ignored.
	 */
	bool table_taken;
	bool arrived; /* destination: resumed with a migration's state, its clients not yet */
	bool steered; /* destination: the runner says the clients are steered here */
	bool aborted; /* destination: the runner gave up on it */
	const char *on_orphan; /* destination: a shell command that steers the clients here */

	/* either side */
	struct mp_hdr in_hdr;
	size_t in_have;
	uint8_t *in_buf; /* one frame's payload */
	uint64_t bytes, pages, faults, requests, updates;
	uint64_t hash; /* source: the frozen state's */
};

struct conn {
	int fd;
	bool want_out;
	size_t in_len;
	size_t out_off;
	size_t out_len;
	uint8_t in[BATCH * REQ_LEN];
	struct app_answer out[BATCH];
};

struct svc {
	int sock;
	int lsock;
	int tfd;
	int sfd;
	int ep;
	char id[APP_INSTANCE_LEN];
	struct svc_state *st;
	uint64_t answered_udp;
	uint64_t answered_tcp;
	uint64_t malformed;
	uint64_t send_failed;
	uint64_t table_full;
	uint64_t tcp_refused;
	struct conn *conns[MAX_CONNS];
	bool serving;  /* answering requests (not frozen, not waiting for state) */
	int exit_code; /* set to leave the loop: 0 or 1 */
	bool quit;
	bool quiet;
	struct agent ag;
	struct app_answers b;	       /* the UDP requests and answers of a batch */
	uint32_t tx_client[APP_BATCH]; /* the client of each answer */
};

int svc_ep_set(int ep, int op, int fd, uint32_t events, uint64_t tag);
/* Starts or stops answering: the request sockets join or leave the loop. */
void svc_serving(struct svc *v, bool on);

/* Drops the requests waiting on the UDP socket, unanswered; how many. */
uint64_t svc_drop_queued(struct svc *v);

/* The agent (svc_agent.c). ctl: path of the control socket or NULL; incoming: a TCP port to
 * receive a migration on, 0 for none. Prints what failed; -1 then. */
int agent_open(struct svc *v, const char *ctl, uint16_t incoming, uint64_t timeout_ms);
/* An event on one of the agent's fds (TAG_CTL_LISTEN ... TAG_MIG_WAIT). */
void agent_handle(struct svc *v, uint64_t tag, uint32_t events);
void agent_close(struct svc *v);
/* Sends an event to the runner (if one is connected) and to the log: "verb t=<now> ...". */
__attribute__((format(printf, 3, 4))) void agent_emit(struct svc *v, const char *verb,
						      const char *fmt, ...);

#endif
