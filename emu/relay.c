/* SPDX-License-Identifier: MIT */
/*
 * The relay process and its control client. One event loop (epoll) watches a packet socket
 * per relay-side interface, one timerfd armed for the earliest departure of any direction, a
 * signalfd for SIGTERM and SIGINT, and the control socket. Frames are read in recvmmsg
 * batches and handed to their direction's queue (emu/relay_queue.c) stamped with
 * CLOCK_MONOTONIC; whatever is due is sent in sendmmsg batches. The radio access network's
 * ports (emu_relay_serve_ran) share the socket: a frame of a port no link uses goes to the RAN's
 * switch (emu/ran_switch.c), whose output is one more direction with a port per frame.
 */
#include "emu/relay.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>

#include "emu/ran_switch.h"
#include "util/clock.h"
#include "util/sig.h"

#define BATCH 32
/* Batches read from one socket per wakeup: a busy link must not starve the others. */
#define RX_ROUNDS 4
/* Room for a frame and the VLAN tag the kernel took out of it. */
#define SLOT (EMU_RQ_FRAME_MAX + 4)
/* Socket buffers: bursts at tens of Mbit/s arrive faster than one wakeup drains them. */
#define SOCK_RCVBUF (8 << 20)
#define SOCK_SNDBUF (4 << 20)
/* Connections at once: the runner and the builder keep theirs open. */
#define MAX_CLIENTS 32
#define CTL_TIMEOUT_S 5

/*
 * --- control protocol: one message each way per request on a SOCK_SEQPACKET connection, as
 * many requests as the client likes; a malformed one closes it. Single requests are a
 * fixed-size struct ctl_msg; batches (CTL_RAN_CELLS_STATS, CTL_RAN_SHAPE_MANY) a struct
 * ctl_many and its items, at most EMU_RELAY_MSG_MAX bytes either way ---
 */

#define CTL_MAGIC 0x656d7232u /* "emr2": changes with the layout */

enum ctl_op {
	CTL_GET = 1,
	CTL_SET = 2,
	CTL_RAN_ATTACH = 3,	 /* link: the UE; cell: its new cell (-1: detach); dir: CTL_HOLD or
				  * 0; reply: last */
	CTL_RAN_SHAPE = 4,	 /* link: the UE; dir: 0 uplink, 1 downlink; the shape */
	CTL_RAN_CELL_STATS = 5,	 /* link: the cell; reply: cell_stats */
	CTL_RAN_CELLS_STATS = 6, /* ctl_many: first, n; reply: n struct emu_ran_cell_stats */
	CTL_RAN_SHAPE_MANY = 7,	 /* ctl_many and n struct ctl_shape; reply: status, done */
};

/* CTL_RAN_ATTACH's flag (in dir): a prepared handover, emu_ran_prepare(). */
#define CTL_HOLD 1u

struct ctl_msg {
	uint32_t magic;
	uint32_t op;
	uint32_t link;
	uint32_t dir;
	int32_t status; /* reply: 0 or -errno */
	uint32_t limit;
	uint32_t dist;
	uint32_t loss_model;
	uint64_t delay_ns;
	uint64_t jitter_ns;
	uint64_t rate_bps;
	double loss_p, loss_r, loss_h, loss_k;
	struct emu_rq_stats stats; /* reply */
	char trace[256];	   /* "" for none */
	int32_t cell;
	int32_t last;			      /* reply */
	struct emu_ran_cell_stats cell_stats; /* reply */
};

/* A batch's header; magic and op where struct ctl_msg has them. */
struct ctl_many {
	uint32_t magic;
	uint32_t op;
	uint32_t first; /* CELLS_STATS: the first cell */
	uint32_t n;	/* items: after the request (SHAPE_MANY) or the reply (CELLS_STATS) */
	int32_t status; /* reply: 0 or -errno */
	uint32_t done;	/* reply of SHAPE_MANY: the items applied (the failed one's index) */
};

struct ctl_shape {
	uint32_t ue, dir;
	uint32_t limit, dist, loss_model, pad;
	uint64_t delay_ns, jitter_ns, rate_bps;
	double loss_p, loss_r, loss_h, loss_k;
};

#define CTL_CELLS_MAX                                                                              \
	((EMU_RELAY_MSG_MAX - sizeof(struct ctl_many)) / sizeof(struct emu_ran_cell_stats))
#define CTL_SHAPES_MAX ((EMU_RELAY_MSG_MAX - sizeof(struct ctl_many)) / sizeof(struct ctl_shape))
/* Room for a batch each way in the socket: a request or reply never waits for buffer space. */
#define CTL_SNDBUF (4 * EMU_RELAY_MSG_MAX)

static void shape_to_msg(const struct emu_shape *s, struct ctl_msg *m)
{
	m->limit = s->limit;
	m->dist = (uint32_t)s->dist;
	m->loss_model = (uint32_t)s->loss.model;
	m->delay_ns = s->delay_ns;
	m->jitter_ns = s->jitter_ns;
	m->rate_bps = s->rate_bps;
	m->loss_p = s->loss.p;
	m->loss_r = s->loss.r;
	m->loss_h = s->loss.h;
	m->loss_k = s->loss.k;
}

static void msg_to_shape(const struct ctl_msg *m, struct emu_shape *s)
{
	memset(s, 0, sizeof(*s));
	s->limit = m->limit;
	s->dist = (enum emu_dist)m->dist;
	s->loss.model = (enum emu_loss_model)m->loss_model;
	s->delay_ns = m->delay_ns;
	s->jitter_ns = m->jitter_ns;
	s->rate_bps = m->rate_bps;
	s->loss.p = m->loss_p;
	s->loss.r = m->loss_r;
	s->loss.h = m->loss_h;
	s->loss.k = m->loss_k;
}

static void shape_to_item(const struct emu_ran_shape_req *q, struct ctl_shape *k)
{
	const struct emu_shape *s = &q->shape;

	*k = (struct ctl_shape){.ue = q->ue,
				.dir = q->dir,
				.limit = s->limit,
				.dist = (uint32_t)s->dist,
				.loss_model = (uint32_t)s->loss.model,
				.delay_ns = s->delay_ns,
				.jitter_ns = s->jitter_ns,
				.rate_bps = s->rate_bps,
				.loss_p = s->loss.p,
				.loss_r = s->loss.r,
				.loss_h = s->loss.h,
				.loss_k = s->loss.k};
}

static void item_to_shape(const struct ctl_shape *k, struct emu_shape *s)
{
	memset(s, 0, sizeof(*s));
	s->limit = k->limit;
	s->dist = (enum emu_dist)k->dist;
	s->loss.model = (enum emu_loss_model)k->loss_model;
	s->delay_ns = k->delay_ns;
	s->jitter_ns = k->jitter_ns;
	s->rate_bps = k->rate_bps;
	s->loss.p = k->loss_p;
	s->loss.r = k->loss_r;
	s->loss.h = k->loss_h;
	s->loss.k = k->loss_k;
}

/* --- offloads --- */

int emu_link_offloads_off(const char *ifname)
{
	static const uint32_t cmds[] = {ETHTOOL_STXCSUM, ETHTOOL_STSO, ETHTOOL_SGSO, ETHTOOL_SGRO};
	struct ifreq ifr;
	int fd, r = 0;

	if (strlen(ifname) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct ethtool_value ev = {.cmd = cmds[i], .data = 0};

		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.ifr_name, ifname);
		ifr.ifr_data = (void *)&ev;
		if (ioctl(fd, SIOCETHTOOL, &ifr) < 0) {
			r = -errno;
			break;
		}
	}
	close(fd);
	return r;
}

/* --- the relay --- */

enum tag {
	TAG_SIGNAL,
	TAG_TIMER,
	TAG_CTL,
	TAG_CLIENT,
	TAG_SOCK,
};

#define TAG(type, i) (((uint64_t)(type) << 32) | (uint32_t)(i))

struct held {
	unsigned char *buf;
	uint32_t len;
	int ifindex;
};

struct dir {
	struct emu_rq *q;	/* NULL: the link is not relayed, or the RAN (ran) */
	bool ran;		/* the radio access network's frames, whatever their port */
	struct emu_shape shape; /* shape.trace points at trace_path or is NULL */
	char trace_path[256];
	struct emu_trace *trace;
	uint64_t seed;
	int out;      /* index into ifx: where its frames leave */
	bool blocked; /* the socket said EAGAIN: wait for EPOLLOUT */
	struct held held[BATCH];
	unsigned n_held;
};

union cmsg_room {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
};

struct relay {
	size_t n;
	struct dir *dirs; /* dirs[2 * link + d]: frames from end d */
	/*
	 * One packet socket for every interface: closing a packet socket costs the kernel an
	 * RCU grace period (~12 ms here), so one per interface made a 100-link relay take
	 * seconds to die, and its run seconds to tear down.
	 */
	int sock;
	int *ifx;	     /* ifx[2 * link + e]: the interface facing end e, or 0 */
	int *si_of;	     /* si_of[ifindex]: the direction its frames enter, or -1 */
	struct emu_ran *ran; /* NULL: none; its ports are those no link uses */
	struct dir ran_dir;  /* the RAN's frames out, as one more direction */
	int max_ifindex;
	unsigned n_blocked;
	int ep, tfd, sfd, ctl_fd, ctl_flags;
	int clients[MAX_CLIENTS];
	unsigned char *ctlbuf; /* EMU_RELAY_MSG_MAX: a request, then its reply */
	bool armed;
	uint64_t armed_ns;
	unsigned char *rxbuf, *txbuf; /* BATCH slots each */
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_ll names[BATCH];
	union cmsg_room cmsg[BATCH];
};

static int ep_set(struct relay *rl, int op, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = {.events = events, .data.u64 = tag};

	return epoll_ctl(rl->ep, op, fd, &ev) < 0 ? -errno : 0;
}

/* Give a direction a new shape and trace; on failure it keeps the old ones. */
static int dir_apply(struct dir *d, const struct emu_shape *s, const char *path)
{
	struct emu_trace *t = NULL;
	int r;

	if (strlen(path) >= sizeof(d->trace_path))
		return -ENAMETOOLONG;
	if (path[0]) {
		r = emu_trace_load(path, &t, NULL, 0);
		if (r < 0)
			return r;
	}
	r = d->q ? emu_rq_set(d->q, s, t) : emu_rq_new(s, t, d->seed, &d->q);
	if (r < 0) {
		emu_trace_free(t);
		return r;
	}
	/* The queue no longer looks at the old trace: frames already in it have their times. */
	emu_trace_free(d->trace);
	d->trace = t;
	d->shape = *s;
	strcpy(d->trace_path, path);
	d->shape.trace = d->trace_path[0] ? d->trace_path : NULL;
	return 0;
}

/* ifindex 0: every interface of the relay's namespace (sockets see their namespace only). */
static int packet_open(int ifindex, int *ret)
{
	struct sockaddr_ll sll = {
	    .sll_family = AF_PACKET,
	    .sll_protocol = htons(ETH_P_ALL),
	    .sll_ifindex = ifindex,
	};
	int one = 1, rcv = SOCK_RCVBUF, snd = SOCK_SNDBUF, fd, r;

	/* Protocol 0 receives nothing until bind: no frame of another interface slips in. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0)
		goto err;
	/* FORCE goes past rmem_max/wmem_max where we may (CAP_NET_ADMIN). */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv)) < 0)
		goto err;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof(snd)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd)) < 0)
		goto err;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto err;
	*ret = fd;
	return 0;
err:
	r = -errno;
	close(fd);
	return r;
}

/*
 * The kernel hands a packet socket a frame's VLAN tag apart, in PACKET_AUXDATA; put it back
 * so that the frame leaves as it came.
 */
static uint32_t vlan_restore(unsigned char *f, uint32_t len, struct msghdr *mh)
{
	struct tpacket_auxdata aux;
	struct cmsghdr *c;
	uint16_t tpid, tci;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA ||
		    c->cmsg_len < CMSG_LEN(sizeof(aux)))
			continue;
		memcpy(&aux, CMSG_DATA(c), sizeof(aux));
		if (!(aux.tp_status & TP_STATUS_VLAN_VALID) || len < 2 * ETH_ALEN)
			return len;
		tpid = htons(aux.tp_status & TP_STATUS_VLAN_TPID_VALID ? aux.tp_vlan_tpid
								       : ETH_P_8021Q);
		tci = htons(aux.tp_vlan_tci);
		memmove(f + 2 * ETH_ALEN + 4, f + 2 * ETH_ALEN, len - 2 * ETH_ALEN);
		memcpy(f + 2 * ETH_ALEN, &tpid, 2);
		memcpy(f + 2 * ETH_ALEN + 2, &tci, 2);
		return len + 4;
	}
	return len;
}

static void rx(struct relay *rl)
{
	for (int round = 0; round < RX_ROUNDS; round++) {
		uint64_t now;
		int n;

		for (unsigned i = 0; i < BATCH; i++) {
			rl->iov[i].iov_base = rl->rxbuf + (size_t)i * SLOT;
			rl->iov[i].iov_len = EMU_RQ_FRAME_MAX;
			memset(&rl->msgs[i], 0, sizeof(rl->msgs[i]));
			rl->msgs[i].msg_hdr.msg_iov = &rl->iov[i];
			rl->msgs[i].msg_hdr.msg_iovlen = 1;
			rl->msgs[i].msg_hdr.msg_control = rl->cmsg[i].buf;
			rl->msgs[i].msg_hdr.msg_controllen = sizeof(rl->cmsg[i].buf);
			rl->msgs[i].msg_hdr.msg_name = &rl->names[i];
			rl->msgs[i].msg_hdr.msg_namelen = sizeof(rl->names[i]);
		}
		n = recvmmsg(rl->sock, rl->msgs, BATCH, MSG_DONTWAIT, NULL);
		/* EAGAIN; or an error (ENETDOWN), which the socket reports once, then clears */
		if (n <= 0)
			return;
		now = util_now_ns();
		for (int i = 0; i < n; i++) {
			struct msghdr *mh = &rl->msgs[i].msg_hdr;
			unsigned char *f = rl->iov[i].iov_base;
			int ifindex = rl->names[i].sll_ifindex;
			uint32_t len;

			/* Larger than any frame with offloads off: it cannot leave anyway. */
			if (mh->msg_flags & MSG_TRUNC)
				continue;
			len = vlan_restore(f, rl->msgs[i].msg_len, mh);
			if (ifindex > 0 && ifindex <= rl->max_ifindex && rl->si_of[ifindex] >= 0)
				emu_rq_enqueue(rl->dirs[rl->si_of[ifindex]].q, now, f, len);
			else if (rl->ran)
				/* Not a port of the RAN either (lo): ignored, as it says. */
				emu_ran_input(rl->ran, now, ifindex, f, len);
		}
		if (n < BATCH)
			return;
	}
}

/*
 * Send msgs[0..m); returns how many are done. A frame the kernel refuses for a reason other
 * than a full socket buffer (interface down, too large for it) is lost, like on a wire.
 */
static unsigned send_msgs(int fd, struct mmsghdr *msgs, unsigned m)
{
	unsigned i = 0;

	while (i < m) {
		int r = sendmmsg(fd, msgs + i, m - i, MSG_DONTWAIT);

		if (r > 0)
			i += (unsigned)r;
		else if (r < 0 && errno == EINTR)
			continue;
		else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		else
			i++;
	}
	return i;
}

static void block(struct relay *rl, struct dir *d)
{
	if (d->blocked)
		return;
	d->blocked = true;
	if (!rl->n_blocked++)
		ep_set(rl, EPOLL_CTL_MOD, rl->sock, EPOLLIN | EPOLLOUT, TAG(TAG_SOCK, 0));
}

/* The socket has room again: every direction waiting for it may send. */
static void unblock(struct relay *rl)
{
	for (size_t i = 0; i < 2 * rl->n; i++)
		rl->dirs[i].blocked = false;
	rl->ran_dir.blocked = false;
	rl->n_blocked = 0;
	ep_set(rl, EPOLL_CTL_MOD, rl->sock, EPOLLIN, TAG(TAG_SOCK, 0));
}

/* msg i leaves on interface ifindex: a frame for SOCK_RAW, its ethertype as the protocol. */
static void out_name(struct relay *rl, unsigned i, int ifindex, const unsigned char *f,
		     uint32_t len)
{
	struct sockaddr_ll *sll = &rl->names[i];

	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_ifindex = ifindex;
	sll->sll_protocol = htons(ETH_P_ALL);
	if (len >= 14)
		memcpy(&sll->sll_protocol, f + 12, 2); /* already in network order */
	rl->msgs[i].msg_hdr.msg_name = sll;
	rl->msgs[i].msg_hdr.msg_namelen = sizeof(*sll);
}

/* Frames held after EAGAIN go first; false while some are still held. */
static bool send_held(struct relay *rl, struct dir *d)
{
	unsigned done;

	for (unsigned i = 0; i < d->n_held; i++) {
		rl->iov[i].iov_base = d->held[i].buf;
		rl->iov[i].iov_len = d->held[i].len;
		memset(&rl->msgs[i], 0, sizeof(rl->msgs[i]));
		rl->msgs[i].msg_hdr.msg_iov = &rl->iov[i];
		rl->msgs[i].msg_hdr.msg_iovlen = 1;
		out_name(rl, i, d->held[i].ifindex, d->held[i].buf, d->held[i].len);
	}
	done = send_msgs(rl->sock, rl->msgs, d->n_held);
	for (unsigned i = 0; i < done; i++)
		free(d->held[i].buf);
	memmove(d->held, d->held + done, (d->n_held - done) * sizeof(d->held[0]));
	d->n_held -= done;
	if (d->n_held)
		block(rl, d);
	return !d->n_held;
}

/* The next frame of d due at now into f, and the interface it leaves on; 0 if none. */
static uint32_t dir_dequeue(struct relay *rl, struct dir *d, uint64_t now, unsigned char *f,
			    int *ret_ifindex)
{
	if (d->ran)
		return emu_ran_dequeue(rl->ran, now, f, SLOT, ret_ifindex);
	*ret_ifindex = rl->ifx[d->out];
	return emu_rq_dequeue(d->q, now, f, SLOT);
}

static void tx(struct relay *rl, struct dir *d, uint64_t now)
{
	int ifx[BATCH];

	if (d->blocked || (d->n_held && !send_held(rl, d)))
		return;
	for (;;) {
		unsigned m = 0, done;

		while (m < BATCH) {
			unsigned char *f = rl->txbuf + (size_t)m * SLOT;
			uint32_t len = dir_dequeue(rl, d, now, f, &ifx[m]);

			if (!len)
				break;
			rl->iov[m].iov_base = f;
			rl->iov[m].iov_len = len;
			memset(&rl->msgs[m], 0, sizeof(rl->msgs[m]));
			rl->msgs[m].msg_hdr.msg_iov = &rl->iov[m];
			rl->msgs[m].msg_hdr.msg_iovlen = 1;
			out_name(rl, m, ifx[m], f, len);
			m++;
		}
		if (!m)
			return;
		done = send_msgs(rl->sock, rl->msgs, m);
		if (done < m) {
			/* Keep the rest, in order, for when the socket has room again. */
			for (unsigned i = done; i < m; i++) {
				struct held *h = &d->held[d->n_held];

				h->buf = malloc(rl->iov[i].iov_len);
				if (!h->buf)
					continue;
				memcpy(h->buf, rl->iov[i].iov_base, rl->iov[i].iov_len);
				h->len = (uint32_t)rl->iov[i].iov_len;
				h->ifindex = ifx[i];
				d->n_held++;
			}
			block(rl, d);
			return;
		}
		if (m < BATCH)
			return;
	}
}

static int arm(struct relay *rl)
{
	struct itimerspec its = {0};
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < 2 * rl->n; i++) {
		struct dir *d = &rl->dirs[i];

		if (d->q && !d->blocked) {
			uint64_t t = emu_rq_next(d->q);

			if (t < next)
				next = t;
		}
	}
	if (rl->ran && !rl->ran_dir.blocked) {
		uint64_t t = emu_ran_next(rl->ran);

		if (t < next)
			next = t;
	}
	if (rl->armed && next == rl->armed_ns)
		return 0;
	if (next != UINT64_MAX) {
		if (!next)
			next = 1; /* a zero it_value would disarm */
		its.it_value.tv_sec = (time_t)(next / 1000000000ULL);
		its.it_value.tv_nsec = (long)(next % 1000000000ULL);
	}
	if (timerfd_settime(rl->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return -errno;
	rl->armed = next != UINT64_MAX;
	rl->armed_ns = next;
	return 0;
}

/* A batch must fit the sender's buffer whatever the system's default (net.core.wmem_default). */
static int sndbuf_set(int fd)
{
	int v = CTL_SNDBUF;

	return setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) < 0 ? -errno : 0;
}

static void client_close(struct relay *rl, unsigned c)
{
	epoll_ctl(rl->ep, EPOLL_CTL_DEL, rl->clients[c], NULL);
	close(rl->clients[c]);
	rl->clients[c] = -1;
}

static void ctl_accept(struct relay *rl)
{
	for (;;) {
		int fd = accept4(rl->ctl_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		unsigned c;

		if (fd < 0)
			return;
		for (c = 0; c < MAX_CLIENTS && rl->clients[c] >= 0; c++)
			;
		/* Too many at once: the client sees its connection closed (-EPROTO). */
		if (c == MAX_CLIENTS || sndbuf_set(fd) < 0 ||
		    ep_set(rl, EPOLL_CTL_ADD, fd, EPOLLIN, TAG(TAG_CLIENT, c)) < 0) {
			close(fd);
			continue;
		}
		rl->clients[c] = fd;
	}
}

static void ctl_ran(struct relay *rl, struct ctl_msg *m)
{
	uint64_t now = util_now_ns();
	struct emu_shape s;

	if (!rl->ran) {
		m->status = -ENOENT;
		return;
	}
	switch (m->op) {
	case CTL_RAN_ATTACH:
		if (m->dir & ~CTL_HOLD)
			m->status = -EINVAL;
		else if (m->dir)
			m->status = emu_ran_prepare(rl->ran, now, m->link, m->cell, &m->last);
		else
			m->status = emu_ran_attach(rl->ran, now, m->link, m->cell, &m->last);
		break;
	case CTL_RAN_SHAPE:
		msg_to_shape(m, &s);
		if (!memchr(m->trace, '\0', sizeof(m->trace)) || m->trace[0])
			m->status = -EOPNOTSUPP; /* no capacity trace on a radio */
		else
			m->status = emu_ran_shape(rl->ran, now, m->link, m->dir, &s);
		break;
	default:
		m->status = emu_ran_cell_stats(rl->ran, m->link, &m->cell_stats);
		break;
	}
}

static void ctl_answer(struct relay *rl, struct ctl_msg *m)
{
	struct emu_shape s;
	struct dir *d;

	if (m->op >= CTL_RAN_ATTACH && m->op <= CTL_RAN_CELL_STATS) {
		ctl_ran(rl, m);
		return;
	}
	if (m->link >= rl->n || m->dir > 1 || !rl->dirs[2 * m->link + m->dir].q) {
		m->status = -ENOENT;
		return;
	}
	d = &rl->dirs[2 * m->link + m->dir];
	m->status = 0;
	if (m->op == CTL_SET) {
		if (!memchr(m->trace, '\0', sizeof(m->trace))) {
			m->status = -ENAMETOOLONG;
		} else {
			msg_to_shape(m, &s);
			m->status = dir_apply(d, &s, m->trace);
		}
	} else if (m->op != CTL_GET) {
		m->status = -EOPNOTSUPP;
	}
	/* Whatever happened, the reply says what the direction does now. */
	shape_to_msg(&d->shape, m);
	strcpy(m->trace, d->trace_path);
	emu_rq_stats(d->q, &m->stats);
}

/* Cells' counters: the reply's length, or 0 for a malformed request. */
static size_t ctl_cells_stats(struct relay *rl, struct ctl_many *h, size_t len)
{
	struct emu_ran_cell_stats *st = (struct emu_ran_cell_stats *)(h + 1);
	uint32_t n = h->n;

	if (len != sizeof(*h) || n > CTL_CELLS_MAX)
		return 0;
	h->n = 0;
	h->status = rl->ran ? 0 : -ENOENT;
	/* first + n - 1 at most the global slot, without overflow */
	if (rl->ran &&
	    (h->first > emu_ran_n_cells(rl->ran) || n > emu_ran_n_cells(rl->ran) + 1 - h->first))
		h->status = -ENOENT;
	if (h->status < 0)
		return sizeof(*h);
	for (uint32_t i = 0; i < n; i++)
		emu_ran_cell_stats(rl->ran, h->first + i, &st[i]);
	h->n = n;
	return sizeof(*h) + n * sizeof(*st);
}

/* Shapings in order until one fails: the reply's length, or 0 for a malformed request. */
static size_t ctl_shape_many(struct relay *rl, struct ctl_many *h, size_t len)
{
	const struct ctl_shape *k = (const struct ctl_shape *)(h + 1);
	uint64_t now = util_now_ns();
	struct emu_shape s;
	uint32_t i;

	if (h->n > CTL_SHAPES_MAX || len != sizeof(*h) + h->n * sizeof(*k))
		return 0;
	h->status = rl->ran ? 0 : -ENOENT;
	for (i = 0; i < h->n && h->status == 0; i++) {
		item_to_shape(&k[i], &s);
		h->status = emu_ran_shape(rl->ran, now, k[i].ue, k[i].dir, &s);
		if (h->status < 0)
			break;
	}
	h->done = i;
	h->n = 0;
	return sizeof(*h);
}

/* The request of len bytes in rl->ctlbuf answered there: the reply's length, 0: malformed. */
static size_t ctl_request(struct relay *rl, size_t len)
{
	struct ctl_many *h = (struct ctl_many *)rl->ctlbuf;
	struct ctl_msg *m = (struct ctl_msg *)rl->ctlbuf;

	if (len < sizeof(*h) || h->magic != CTL_MAGIC)
		return 0;
	if (h->op == CTL_RAN_CELLS_STATS)
		return ctl_cells_stats(rl, h, len);
	if (h->op == CTL_RAN_SHAPE_MANY)
		return ctl_shape_many(rl, h, len);
	if (len != sizeof(*m))
		return 0;
	ctl_answer(rl, m);
	return sizeof(*m);
}

static void ctl_client(struct relay *rl, unsigned c)
{
	/* MSG_TRUNC: the request's whole length, so one too long is seen as such. */
	ssize_t n = recv(rl->clients[c], rl->ctlbuf, EMU_RELAY_MSG_MAX, MSG_DONTWAIT | MSG_TRUNC);
	size_t reply;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/*
	 * A connection carries requests until the client closes it; a malformed one is answered
	 * by closing, as is a client that does not read its replies (a full socket).
	 */
	if (n > 0 && n <= EMU_RELAY_MSG_MAX) {
		reply = ctl_request(rl, (size_t)n);
		if (reply && send(rl->clients[c], rl->ctlbuf, reply, MSG_DONTWAIT | MSG_NOSIGNAL) ==
				 (ssize_t)reply)
			return;
	}
	client_close(rl, c);
}

static int relay_open(struct relay *rl, const struct emu_relay_link *links, uint64_t seed)
{
	int r;

	for (size_t l = 0; l < rl->n; l++) {
		const struct emu_relay_link *x = &links[l];

		/* A link with no interfaces is not relayed (its number is kept for control). */
		if (x->index[0] <= 0 && x->index[1] <= 0)
			continue;
		if (x->index[0] <= 0 || x->index[1] <= 0 || x->index[0] == x->index[1])
			return -EINVAL;
		for (unsigned e = 0; e < 2; e++) {
			struct dir *d = &rl->dirs[2 * l + e];
			const char *path = x->trace_path[e];
			char name[IF_NAMESIZE];

			if (!memchr(path, '\0', sizeof(x->trace_path[e])))
				return -ENAMETOOLONG;
			if (!path[0] && x->dir[e].trace)
				path = x->dir[e].trace;
			d->seed = seed ^ ((2 * l + e + 1) * 0x9e3779b97f4a7c15ULL);
			d->out = (int)(2 * l + (1 - e));
			r = dir_apply(d, &x->dir[e], path);
			if (r < 0)
				return r;
			/* Otherwise a packet socket gets GRO-merged or checksum-less frames. */
			if (!if_indextoname((unsigned)x->index[e], name))
				return -errno;
			r = emu_link_offloads_off(name);
			if (r < 0)
				return r;
			rl->ifx[2 * l + e] = x->index[e];
			if (x->index[e] > rl->max_ifindex)
				rl->max_ifindex = x->index[e];
		}
	}
	rl->si_of = malloc(((size_t)rl->max_ifindex + 1) * sizeof(*rl->si_of));
	if (!rl->si_of)
		return -ENOMEM;
	for (int i = 0; i <= rl->max_ifindex; i++)
		rl->si_of[i] = -1;
	for (size_t i = 0; i < 2 * rl->n; i++)
		if (rl->ifx[i] > 0) {
			if (rl->si_of[rl->ifx[i]] >= 0)
				return -EINVAL; /* one interface in two links */
			rl->si_of[rl->ifx[i]] = (int)i;
		}
	r = packet_open(0, &rl->sock);
	if (r < 0)
		return r;
	return ep_set(rl, EPOLL_CTL_ADD, rl->sock, EPOLLIN, TAG(TAG_SOCK, 0));
}

/* Offloads off on a RAN port, which no link may use too. */
static int ran_port(struct relay *rl, int ifindex)
{
	char name[IF_NAMESIZE];

	if (ifindex <= rl->max_ifindex && rl->si_of[ifindex] >= 0)
		return -EINVAL;
	if (!if_indextoname((unsigned)ifindex, name))
		return -errno;
	return emu_link_offloads_off(name);
}

/* The radio access network: its switch, offloads off on its ports (after relay_open). */
static int ran_open(struct relay *rl, const struct emu_relay_ran *ran, uint64_t seed)
{
	/* Its own stream of random choices: adding a RAN changes no link's losses. */
	int r = emu_ran_new(ran, seed ^ 0x52414e2052414e00ULL, &rl->ran);

	if (r < 0)
		return r;
	rl->ran_dir.ran = true;
	for (unsigned i = 0; i < ran->n_ues; i++) {
		r = ran_port(rl, ran->ue_index[i]);
		if (r < 0)
			return r;
	}
	for (unsigned c = 0; c < ran->n_cells; c++) {
		r = ran_port(rl, ran->cell_index[c]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int relay_loop(struct relay *rl)
{
	struct epoll_event ev[64];

	for (;;) {
		bool stop = false;
		uint64_t now;
		int n, r;

		n = epoll_wait(rl->ep, ev, 64, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			uint32_t idx = (uint32_t)ev[i].data.u64;
			struct signalfd_siginfo si;
			uint64_t ticks;

			switch ((enum tag)(ev[i].data.u64 >> 32)) {
			case TAG_SIGNAL:
				if (read(rl->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
					stop = true;
				break;
			case TAG_TIMER:
				if (read(rl->tfd, &ticks, sizeof(ticks)) == (ssize_t)sizeof(ticks))
					rl->armed = false;
				break;
			case TAG_CTL:
				ctl_accept(rl);
				break;
			case TAG_CLIENT:
				ctl_client(rl, idx);
				break;
			case TAG_SOCK:
				if (ev[i].events & EPOLLOUT)
					unblock(rl);
				if (ev[i].events & (EPOLLIN | EPOLLERR))
					rx(rl);
				break;
			}
		}
		if (stop)
			return 0;
		now = util_now_ns();
		for (size_t i = 0; i < 2 * rl->n; i++)
			if (rl->dirs[i].q)
				tx(rl, &rl->dirs[i], now);
		if (rl->ran)
			tx(rl, &rl->ran_dir, now);
		r = arm(rl);
		if (r < 0)
			return r;
	}
}

static void relay_close(struct relay *rl)
{
	for (unsigned c = 0; c < MAX_CLIENTS; c++)
		if (rl->clients[c] >= 0)
			close(rl->clients[c]);
	for (size_t i = 0; rl->dirs && i < 2 * rl->n; i++) {
		struct dir *d = &rl->dirs[i];

		for (unsigned h = 0; h < d->n_held; h++)
			free(d->held[h].buf);
		emu_rq_free(d->q);
		emu_trace_free(d->trace);
	}
	for (unsigned h = 0; h < rl->ran_dir.n_held; h++)
		free(rl->ran_dir.held[h].buf);
	emu_ran_free(rl->ran);
	if (rl->sock >= 0)
		close(rl->sock);
	if (rl->ep >= 0)
		close(rl->ep);
	if (rl->tfd >= 0)
		close(rl->tfd);
	if (rl->sfd >= 0)
		close(rl->sfd);
	if (rl->ctl_fd >= 0 && rl->ctl_flags >= 0)
		fcntl(rl->ctl_fd, F_SETFL, rl->ctl_flags);
	free(rl->dirs);
	free(rl->ifx);
	free(rl->si_of);
	free(rl->rxbuf);
	free(rl->txbuf);
	free(rl->ctlbuf);
}

int emu_relay_serve_ran(const struct emu_relay_link *links, size_t n,
			const struct emu_relay_ran *ran, int ctl_fd, int ready_fd, uint64_t seed)
{
	struct relay rl = {
	    .n = n, .ep = -1, .tfd = -1, .sfd = -1, .ctl_fd = -1, .ctl_flags = -1, .sock = -1};
	static const int stop[] = {SIGTERM, SIGINT};
	sigset_t sigs, old;
	int r;

	for (unsigned c = 0; c < MAX_CLIENTS; c++)
		rl.clients[c] = -1;
	/* Signals arrive as reads on the signalfd, and only there. */
	r = util_sig_block(stop, 2, &sigs, &old);
	if (r < 0)
		return r;
	rl.dirs = calloc(2 * n + 1, sizeof(*rl.dirs));
	rl.ifx = calloc(2 * n + 1, sizeof(*rl.ifx));
	rl.rxbuf = malloc((size_t)BATCH * SLOT);
	rl.txbuf = malloc((size_t)BATCH * SLOT);
	rl.ctlbuf = malloc(EMU_RELAY_MSG_MAX);
	if (!rl.dirs || !rl.ifx || !rl.rxbuf || !rl.txbuf || !rl.ctlbuf) {
		r = -ENOMEM;
		goto out;
	}
	rl.ep = epoll_create1(EPOLL_CLOEXEC);
	rl.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	rl.sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (rl.ep < 0 || rl.tfd < 0 || rl.sfd < 0) {
		r = -errno;
		goto out;
	}
	r = relay_open(&rl, links, seed);
	if (r == 0 && ran)
		r = ran_open(&rl, ran, seed);
	if (r < 0)
		goto out;
	r = ep_set(&rl, EPOLL_CTL_ADD, rl.tfd, EPOLLIN, TAG(TAG_TIMER, 0));
	if (r == 0)
		r = ep_set(&rl, EPOLL_CTL_ADD, rl.sfd, EPOLLIN, TAG(TAG_SIGNAL, 0));
	if (r < 0)
		goto out;
	if (ctl_fd >= 0) {
		/* Non-blocking while we serve: a client gone before accept must not stall us. */
		rl.ctl_flags = fcntl(ctl_fd, F_GETFL);
		if (rl.ctl_flags < 0 || fcntl(ctl_fd, F_SETFL, rl.ctl_flags | O_NONBLOCK) < 0) {
			r = -errno;
			rl.ctl_flags = -1;
			goto out;
		}
		rl.ctl_fd = ctl_fd;
		r = ep_set(&rl, EPOLL_CTL_ADD, ctl_fd, EPOLLIN, TAG(TAG_CTL, 0));
		if (r < 0)
			goto out;
	}
	if (ready_fd >= 0 && write(ready_fd, "rl", 1) != 1) {
		r = -errno;
		goto out;
	}
	r = relay_loop(&rl);
out:
	relay_close(&rl);
	util_sig_restore(&old);
	return r;
}

int emu_relay_serve_seeded(const struct emu_relay_link *links, size_t n, int ctl_fd, int ready_fd,
			   uint64_t seed)
{
	return emu_relay_serve_ran(links, n, NULL, ctl_fd, ready_fd, seed);
}

int emu_relay_serve(const struct emu_relay_link *links, size_t n, int ctl_fd, int ready_fd)
{
	return emu_relay_serve_seeded(links, n, ctl_fd, ready_fd, 0);
}

/* --- control client --- */

/*
 * A cells' counters batch sent by emu_relay_ran_cells_stats_send(), not yet taken by
 * emu_relay_ran_cells_stats_recv(). Its replies land in st, the connection's own, so that a
 * caller's buffer is only written once the batch is whole. A batch split into several requests
 * has one of them out at a time: the next goes when the reply of the one before is in.
 */
struct cells_batch {
	struct emu_ran_cell_stats *st; /* n items, filled as the replies come */
	size_t cap;		       /* st's room, in items */
	unsigned first;
	size_t n, at; /* cells asked; in so far */
	size_t k;     /* cells of the request out, 0: none */
	int err;      /* the batch failed: its error, for the caller */
	bool broken;  /* ... on the connection (not a refusal by the relay) */
	bool busy;    /* sent and not taken */
};

struct emu_relay_conn {
	int fd;
	size_t split;	    /* items per batch request at most, 0: as many as fit */
	unsigned char *buf; /* EMU_RELAY_MSG_MAX, for batches; allocated on first use */
	struct cells_batch cells;
};

static int ctl_connect(const char *path, int *ret_fd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = CTL_TIMEOUT_S};
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 || sndbuf_set(fd) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

/* One request and its reply on a connected socket: the reply's status, or -errno. */
/*
 * send() and recv() on a control connection, again when a signal cut them short: with a
 * receive timeout set, a stop and continue (Ctrl-Z, fg) or a debugger attaching returns
 * EINTR even where every handler restarts (signal(7)); it ended a run before.
 */
static ssize_t send_one(int fd, const void *buf, size_t len)
{
	ssize_t n;

	do
		n = send(fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n;
}

static ssize_t recv_one(int fd, void *buf, size_t len, int flags)
{
	ssize_t n;

	do
		n = recv(fd, buf, len, flags);
	while (n < 0 && errno == EINTR);
	return n;
}

static int ctl_xfer(int fd, struct ctl_msg *m)
{
	ssize_t n;

	m->magic = CTL_MAGIC;
	n = send_one(fd, m, sizeof(*m));
	if (n != (ssize_t)sizeof(*m))
		return n < 0 ? -errno : -EIO;
	n = recv_one(fd, m, sizeof(*m), 0);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
	if (n != (ssize_t)sizeof(*m) || m->magic != CTL_MAGIC || m->trace[255])
		return -EPROTO;
	return m->status;
}

static int ctl_call(const char *path, struct ctl_msg *m)
{
	int fd, r = ctl_connect(path, &fd);

	if (r < 0)
		return r;
	r = ctl_xfer(fd, m);
	close(fd);
	return r;
}

int emu_relay_conn_open(const char *ctl_path, struct emu_relay_conn **ret)
{
	struct emu_relay_conn *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	r = ctl_connect(ctl_path, &c->fd);
	if (r < 0) {
		free(c);
		return r;
	}
	*ret = c;
	return 0;
}

void emu_relay_conn_close(struct emu_relay_conn *c)
{
	if (!c)
		return;
	close(c->fd);
	free(c->buf);
	free(c->cells.st);
	free(c);
}

int emu_relay_conn_fd(const struct emu_relay_conn *c)
{
	return c->fd;
}

void emu_relay_conn_set_split(struct emu_relay_conn *c, size_t max_items)
{
	c->split = max_items;
}

/* Items of a batch in one request: what fits a message, or fewer if the caller said so. */
static size_t split_of(const struct emu_relay_conn *c, size_t fit)
{
	return c->split && c->split < fit ? c->split : fit;
}

/* The next request of the cells' batch out: 0 or -errno. */
static int cells_part_send(struct emu_relay_conn *c)
{
	struct cells_batch *b = &c->cells;
	size_t step = split_of(c, CTL_CELLS_MAX);
	struct ctl_many h;
	ssize_t n;

	b->k = b->n - b->at < step ? b->n - b->at : step;
	h = (struct ctl_many){.magic = CTL_MAGIC,
			      .op = CTL_RAN_CELLS_STATS,
			      .first = b->first + (uint32_t)b->at,
			      .n = (uint32_t)b->k};
	n = send_one(c->fd, &h, sizeof(h));
	if (n != (ssize_t)sizeof(h))
		return n < 0 ? -errno : -EIO;
	return 0;
}

/*
 * The reply to the cells' request out, straight into its place in the batch (the header
 * apart): 0, -EAGAIN when it has not come and wait is false, or -errno. A refusal by the relay
 * ends the batch (b->err) with the connection still in step.
 */
static int cells_part_recv(struct emu_relay_conn *c, bool wait)
{
	struct cells_batch *b = &c->cells;
	struct ctl_many h;
	struct iovec iov[2] = {{&h, sizeof(h)}, {b->st + b->at, b->k * sizeof(*b->st)}};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
	ssize_t n;

	do
		n = recvmsg(c->fd, &mh, wait ? 0 : MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return wait ? -ETIMEDOUT : -EAGAIN;
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET; /* the relay closed it: its end of a SEQPACKET connection */
	if ((mh.msg_flags & MSG_TRUNC) || n < (ssize_t)sizeof(h) || h.magic != CTL_MAGIC ||
	    h.op != CTL_RAN_CELLS_STATS)
		return -EPROTO;
	if (h.status < 0) {
		b->err = h.status;
		return 0;
	}
	if (h.n != b->k || (size_t)n != sizeof(h) + b->k * sizeof(*b->st))
		return -EPROTO;
	b->at += b->k;
	b->k = 0;
	return 0;
}

/* The cells' batch carried on as far as it goes: 0 once whole, -EAGAIN, or its error. */
static int cells_run(struct emu_relay_conn *c, bool wait)
{
	struct cells_batch *b = &c->cells;
	int r;

	while (b->err == 0 && b->at < b->n) {
		r = b->k ? 0 : cells_part_send(c);
		if (r == 0)
			r = cells_part_recv(c, wait);
		if (r == -EAGAIN)
			return r;
		if (r < 0) {
			b->err = r;
			b->broken = true;
		}
	}
	return b->err;
}

/*
 * Before any other request on c: the cells' batch out, if any, taken in whole (waiting for
 * it), since its replies come first. It stays for emu_relay_ran_cells_stats_recv(). 0, or the
 * error that broke the connection.
 */
static int settle(struct emu_relay_conn *c)
{
	if (!c->cells.busy)
		return 0;
	cells_run(c, true);
	return c->cells.broken ? c->cells.err : 0;
}

static int conn_xfer(struct emu_relay_conn *c, struct ctl_msg *m)
{
	int r = settle(c);

	return r < 0 ? r : ctl_xfer(c->fd, m);
}

/*
 * The batch request of len bytes in c->buf, its reply back there: the reply's length (its
 * header checked), or -errno.
 */
static ssize_t many_xfer(struct emu_relay_conn *c, size_t len, uint32_t op)
{
	struct ctl_many *h = (struct ctl_many *)c->buf;
	ssize_t n = settle(c);

	if (n < 0)
		return n;
	h->magic = CTL_MAGIC;
	h->op = op;
	n = send_one(c->fd, c->buf, len);
	if (n != (ssize_t)len)
		return n < 0 ? -errno : -EIO;
	n = recv_one(c->fd, c->buf, EMU_RELAY_MSG_MAX, MSG_TRUNC);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
	if (n < (ssize_t)sizeof(*h) || n > EMU_RELAY_MSG_MAX || h->magic != CTL_MAGIC ||
	    h->op != op)
		return -EPROTO;
	return n;
}

static int buf_get(struct emu_relay_conn *c)
{
	if (!c->buf && !(c->buf = malloc(EMU_RELAY_MSG_MAX)))
		return -ENOMEM;
	return 0;
}

int emu_relay_ran_cells_stats(struct emu_relay_conn *c, unsigned first, size_t n,
			      struct emu_ran_cell_stats *ret)
{
	struct ctl_many *h;
	size_t k, step = split_of(c, CTL_CELLS_MAX);
	ssize_t len;
	int r = buf_get(c);

	h = (struct ctl_many *)c->buf;
	for (size_t at = 0; r == 0 && at < n; at += k) {
		k = n - at < step ? n - at : step;
		if ((uint64_t)first + at > UINT32_MAX)
			return -ENOENT;
		*h = (struct ctl_many){.first = first + (uint32_t)at, .n = (uint32_t)k};
		len = many_xfer(c, sizeof(*h), CTL_RAN_CELLS_STATS);
		if (len < 0)
			return (int)len;
		if (h->status < 0)
			return h->status;
		if (h->n != k || (size_t)len != sizeof(*h) + k * sizeof(*ret))
			return -EPROTO;
		memcpy(ret + at, h + 1, k * sizeof(*ret));
	}
	return r;
}

int emu_relay_ran_cells_stats_send(struct emu_relay_conn *c, unsigned first, size_t n)
{
	struct cells_batch *b = &c->cells;
	struct emu_ran_cell_stats *st;
	int r;

	if (b->busy)
		return -EBUSY;
	/* A range past the wire's cell numbers: none the relay has, refused before any request. */
	if (n && (uint64_t)first + n - 1 > UINT32_MAX)
		return -ENOENT;
	if (n > b->cap) {
		st = realloc(b->st, n * sizeof(*st));
		if (!st)
			return -ENOMEM;
		b->st = st;
		b->cap = n;
	}
	*b = (struct cells_batch){.st = b->st, .cap = b->cap, .first = first, .n = n};
	r = n ? cells_part_send(c) : 0;
	if (r < 0)
		return r;
	b->busy = true;
	return 0;
}

int emu_relay_ran_cells_stats_recv(struct emu_relay_conn *c, struct emu_ran_cell_stats *ret,
				   bool wait)
{
	struct cells_batch *b = &c->cells;
	int r;

	if (!b->busy)
		return -ENOMSG;
	r = cells_run(c, wait);
	if (r == -EAGAIN)
		return r;
	b->busy = false;
	if (r == 0 && b->n)
		memcpy(ret, b->st, b->n * sizeof(*ret));
	return r;
}

int emu_relay_ran_shape_many(struct emu_relay_conn *c, const struct emu_ran_shape_req *v, size_t n,
			     size_t *ret_bad)
{
	size_t at = 0, k, step = split_of(c, CTL_SHAPES_MAX);
	struct ctl_shape *items;
	struct ctl_many *h;
	ssize_t len;
	int r = buf_get(c);

	h = (struct ctl_many *)c->buf;
	items = (struct ctl_shape *)(h + 1);
	while (r == 0 && at < n) {
		bool trace = false;

		for (k = 0; k < step && at + k < n; k++) {
			/* The wire has no room for a trace's name: the batch stops there. */
			if (v[at + k].shape.trace) {
				trace = true;
				break;
			}
			shape_to_item(&v[at + k], &items[k]);
		}
		if (k > 0) {
			*h = (struct ctl_many){.n = (uint32_t)k};
			len = many_xfer(c, sizeof(*h) + k * sizeof(*items), CTL_RAN_SHAPE_MANY);
			if (len < 0) {
				r = (int)len; /* this request's fate unknown: at is its first */
				break;
			}
			if (h->status < 0 || h->done != k) {
				r = h->status < 0 ? h->status : -EPROTO;
				at += h->done < k ? h->done : k;
				break;
			}
		}
		at += k;
		if (trace)
			r = -EOPNOTSUPP;
	}
	if (r < 0 && ret_bad)
		*ret_bad = at;
	return r;
}

static int ran_attach(struct emu_relay_conn *c, unsigned ue, int cell, uint32_t flags,
		      int *ret_last)
{
	struct ctl_msg m;
	int r;

	memset(&m, 0, sizeof(m));
	m.op = CTL_RAN_ATTACH;
	m.link = ue;
	m.cell = cell;
	m.dir = flags;
	r = conn_xfer(c, &m);
	if (r == 0 && ret_last)
		*ret_last = m.last;
	return r;
}

int emu_relay_ran_attach(struct emu_relay_conn *c, unsigned ue, int cell, int *ret_last)
{
	return ran_attach(c, ue, cell, 0, ret_last);
}

int emu_relay_ran_prepare(struct emu_relay_conn *c, unsigned ue, int cell, int *ret_last)
{
	return ran_attach(c, ue, cell, CTL_HOLD, ret_last);
}

int emu_relay_ran_shape(struct emu_relay_conn *c, unsigned ue, unsigned dir,
			const struct emu_shape *s)
{
	struct ctl_msg m;

	if (s->trace)
		return -EOPNOTSUPP;
	memset(&m, 0, sizeof(m));
	m.op = CTL_RAN_SHAPE;
	m.link = ue;
	m.dir = dir;
	shape_to_msg(s, &m);
	return conn_xfer(c, &m);
}

int emu_relay_ran_cell_stats(struct emu_relay_conn *c, unsigned cell,
			     struct emu_ran_cell_stats *ret)
{
	struct ctl_msg m;
	int r;

	memset(&m, 0, sizeof(m));
	m.op = CTL_RAN_CELL_STATS;
	m.link = cell;
	r = conn_xfer(c, &m);
	if (r == 0)
		*ret = m.cell_stats;
	return r;
}

int emu_relay_set(const char *ctl_path, unsigned link, unsigned dir, const struct emu_shape *s)
{
	struct ctl_msg m;

	memset(&m, 0, sizeof(m));
	m.op = CTL_SET;
	m.link = link;
	m.dir = dir;
	shape_to_msg(s, &m);
	if (s->trace && strlen(s->trace) >= sizeof(m.trace))
		return -ENAMETOOLONG;
	if (s->trace)
		strcpy(m.trace, s->trace);
	return ctl_call(ctl_path, &m);
}

static int ctl_get(const char *ctl_path, unsigned link, unsigned dir, struct ctl_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->op = CTL_GET;
	m->link = link;
	m->dir = dir;
	return ctl_call(ctl_path, m);
}

int emu_relay_get(const char *ctl_path, unsigned link, unsigned dir, struct emu_shape *ret,
		  struct emu_rq_stats *stats)
{
	struct ctl_msg m;
	int r = ctl_get(ctl_path, link, dir, &m);

	if (r < 0)
		return r;
	if (ret)
		msg_to_shape(&m, ret);
	if (stats)
		*stats = m.stats;
	return 0;
}

int emu_relay_get_trace(const char *ctl_path, unsigned link, unsigned dir, char *buf, size_t len)
{
	struct ctl_msg m;
	int r = ctl_get(ctl_path, link, dir, &m);

	if (r < 0)
		return r;
	if (strlen(m.trace) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, m.trace);
	return 0;
}
