/* SPDX-License-Identifier: MIT */
/*
 * edgemu-bulk: bulk TCP traffic and its throughput, per interval and in total, measured on
 * both sides: the receiver counts bytes read, the sender bytes the peer acknowledged (so
 * its figures do not include what merely sits in its own send buffer).
 *
 * For the runner (a scenario's traffic:), both sides report on a Unix datagram socket
 * (--report SOCKET --tag NAME), one datagram per report, text fields split by commas:
 *
 *	NAME,listening,T_NS		recv: listening, at T_NS (CLOCK_MONOTONIC)
 *	NAME,bytes,T_NS,DT_NS,BYTES	recv: BYTES read in the DT_NS before T_NS,
 *					every --interval from the first connection on, also while
 *					it is broken, until it ends normally (EOF), and once more at
 *					that end or on SIGTERM for the rest (if DT_NS >=
 *interval/10)
 *	NAME,broken,T_NS,WHY		either side: the connection broke (or, for the sender, could
 *					not be made) at T_NS; WHY is the error's text
 *	NAME,reconnect,T_NS,OUT_NS	send: connected again at T_NS, after OUT_NS without one
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/tcp.h>
#include <netdb.h>
#include <poll.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "apps/proto.h"
#include "apps/stats.h"
#include "apps/util.h"

#define PROG "edgemu-bulk"
#define MS 1000000ULL
#define CHUNK (128 * 1024)
#define CONNECT_TIMEOUT_MS 10000
#define RETRY_MS 500		 /* send: the pause before connecting again */
#define NOTSENT_MAX (128 * 1024) /* send: unsent bytes the socket holds at most */
#define STOP_WAIT_MS 2000	 /* send: at its end, the receiver's close awaited this long */

static const char usage[] =
    "usage: " PROG " recv [--port P] [--bind ADDR] [--once] [--interval 1s] [--csv FILE]\n"
    "                   [--report SOCKET --tag NAME]\n"
    "       " PROG " send TARGET [--port P] [--duration 10s] [--rate R] [--timeout 5s]\n"
    "                   [--interval 1s] [--csv FILE] [--report SOCKET --tag NAME]\n"
    "\n"
    "TCP bulk traffic. The receiver reads whatever a sender sends, one connection at a time;\n"
    "the sender writes as fast as TCP lets it (or paced to --rate) for --duration. Both print\n"
    "the throughput of each interval (t=1.00s 19.12 Mbit/s) and a total when the connection\n"
    "ends or on SIGTERM/SIGINT. The receiver counts bytes read, the sender bytes acknowledged.\n"
    "A connection that breaks (reset, nothing acknowledged for --timeout, the receiver closing\n"
    "first) or cannot be made is tried again every 0.5 s until the sender's end; the sender\n"
    "exits 1 only when it never connected.\n"
    "\n"
    "  --port P         TCP port (default 7008)\n"
    "  --bind ADDR      recv: listen on ADDR only (default: every address)\n"
    "  --once           recv: exit after the first connection\n"
    "  --duration T     send: how long to send, from the start (default 10s)\n"
    "  --rate R         send: pace to R (5mbit; bit, kbit, mbit, gbit, tbit) by\n"
    "                   SO_MAX_PACING_RATE, TCP's own pacing (default: unpaced)\n"
    "  --timeout T      send: a connection with data unacknowledged this long is broken\n"
    "                   (TCP_USER_TIMEOUT), and a connect that takes this long fails\n"
    "                   (default 5s)\n"
    "  --interval T     reporting interval, 10ms to 1h (default 1s)\n"
    "  --csv FILE       one line per interval: t_s,bytes,mbit_s\n"
    "  --report SOCKET  send reports in datagrams to the Unix socket SOCKET: recv the bytes\n"
    "                   of each interval, both a broken connection, send a new one\n"
    "                   (\"NAME,listening,T_NS\", \"NAME,bytes,T_NS,DT_NS,BYTES\",\n"
    "                   \"NAME,broken,T_NS,WHY\",\n"
    "                   \"NAME,reconnect,T_NS,OUT_NS\"); recv then takes a new connection in\n"
    "                   place of the one it has (a sender that reconnected)\n"
    "  --tag NAME       the NAME of --report's datagrams (required with it)\n"
    "  --help           this text\n"
    "\n"
    "Times take a unit: ns, us, ms, s (500ms, 1.5s).\n";

struct bulk {
	bool send;
	const char *target;
	const char *bind_addr;
	const char *csv_path;
	uint16_t port;
	bool once;
	uint64_t duration_ns;
	uint64_t interval_ns;
	uint64_t rate_bps; /* send: 0 unpaced */
	uint64_t timeout_ns;
	const char *report_path;
	char tag[64];

	int sfd;
	int tfd;     /* intervals */
	int end_tfd; /* send: end of the run */
	int ep;
	int lfd;
	int conn;
	int report; /* --report's socket, -1 without */
	int rtfd;   /* recv: the reports' timer */
	struct app_lines *csv;

	uint64_t t0;
	uint64_t last_t;
	uint64_t last_bytes;
	uint64_t bytes;		   /* read (recv) or acknowledged (send) */
	uint64_t end_t;		   /* recv: time of the last byte */
	uint64_t done_bytes;	   /* send: acknowledged on the connections before this one */
	bool reporting;		   /* recv: the reports' timer runs */
	uint64_t rep_t, rep_bytes; /* recv: the last report's time, bytes read since */
	uint64_t report_dropped;
};

#define usage_error(...) util_usage_error(PROG, usage, __VA_ARGS__)

static int add_fd(int ep, int fd, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.fd = fd};

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* One interval line: the bytes since the last line, over the time since it. */
/* The next events, however long they take; -1, said on stderr, when epoll fails. */
static int wait_events(struct bulk *b, struct epoll_event *evs, int max)
{
	for (;;) {
		int n = epoll_wait(b->ep, evs, max, -1);

		if (n >= 0)
			return n;
		if (errno != EINTR) {
			fprintf(stderr, PROG ": epoll: %s\n", strerror(errno));
			return -1;
		}
	}
}

static void interval_line(struct bulk *b, uint64_t now)
{
	uint64_t bytes = b->bytes - b->last_bytes, dt = now - b->last_t;
	double t = (double)(now - b->t0) / 1e9, rate = app_mbit_s(bytes, dt);
	char line[96];
	int n;

	printf("t=%.2fs %.2f Mbit/s\n", t, rate);
	if (b->csv) {
		n = snprintf(line, sizeof(line), "%.3f,%" PRIu64 ",%.3f\n", t, bytes, rate);
		app_lines_add(b->csv, line, (size_t)n);
		app_lines_flush(b->csv);
	}
	b->last_t = now;
	b->last_bytes = b->bytes;
}

/*
 * The tail since the last full interval, unless it is too short for its rate to mean
 * anything (the total still counts its bytes), then the total.
 */
static void total_line(struct bulk *b, uint64_t end)
{
	uint64_t dt = end - b->t0;

	if (end > b->last_t && b->bytes > b->last_bytes && end - b->last_t >= b->interval_ns / 10)
		interval_line(b, end);
	printf("total %.2fs %" PRIu64 " bytes %.2f Mbit/s\n", (double)dt / 1e9, b->bytes,
	       app_mbit_s(b->bytes, dt));
}

static void meter_start(struct bulk *b)
{
	b->t0 = b->last_t = b->end_t = util_now_ns();
	b->bytes = b->last_bytes = 0;
	app_timer_set(b->tfd, b->t0 + b->interval_ns, b->interval_ns);
}

static uint64_t bytes_acked(int fd, uint64_t fallback)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 ||
	    len < offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof(ti.tcpi_bytes_acked))
		return fallback;
	/* The SYN counts as one acknowledged byte. */
	return ti.tcpi_bytes_acked ? ti.tcpi_bytes_acked - 1 : 0;
}

/* A datagram "TAG,<fmt>" to --report, if given; one the socket has no room for is counted. */
__attribute__((format(printf, 2, 3))) static void report_send(struct bulk *b, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	int n;

	if (b->report < 0)
		return;
	n = snprintf(msg, sizeof(msg), "%s,", b->tag);
	va_start(ap, fmt);
	n += vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(msg))
		n = (int)sizeof(msg) - 1;
	if (send(b->report, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		b->report_dropped++;
}

/* recv: the bytes read since the last report, over the time since it. */
static void report_bytes(struct bulk *b, uint64_t now)
{
	report_send(b, "bytes,%" PRIu64 ",%" PRIu64 ",%" PRIu64, now, now - b->rep_t, b->rep_bytes);
	b->rep_t = now;
	b->rep_bytes = 0;
}

/* recv: the reports run from the first connection on, through breaks. */
static void reports_start(struct bulk *b, uint64_t now)
{
	if (b->report < 0 || b->reporting)
		return;
	b->reporting = true;
	b->rep_t = now;
	b->rep_bytes = 0;
	app_timer_set(b->rtfd, now + b->interval_ns, b->interval_ns);
}

/* recv: the rest since the last report, unless too short for its rate to mean anything. */
static void reports_stop(struct bulk *b, uint64_t now)
{
	if (!b->reporting)
		return;
	if (now - b->rep_t >= b->interval_ns / 10)
		report_bytes(b, now);
	b->reporting = false;
	app_timer_set(b->rtfd, 0, 0);
}

/* Reads what is there: 1 at the end of the stream, 0 otherwise, -errno on failure. */
static int recv_some(struct bulk *b, char *buf)
{
	int i;

	for (i = 0; i < 64; i++) {
		ssize_t n = recv(b->conn, buf, CHUNK, MSG_DONTWAIT);

		if (n > 0) {
			b->bytes += (uint64_t)n;
			b->rep_bytes += (uint64_t)n;
			b->end_t = util_now_ns();
			continue;
		}
		if (n == 0)
			return 1;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

/*
 * Closed at once with a reset: nothing of it stays behind in the kernel retransmitting to a
 * peer that may be gone (an orphaned socket keeps its network namespace alive for minutes).
 */
static void abort_close(int fd)
{
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &(struct linger){1, 0}, sizeof(struct linger));
	close(fd);
}

/* recv: the connection's total; closed, aborted (abort) or not (after its end or error). */
static void conn_end(struct bulk *b, uint64_t end, bool abort)
{
	total_line(b, end);
	app_timer_set(b->tfd, 0, 0);
	if (abort)
		abort_close(b->conn);
	else
		close(b->conn);
	b->conn = -1;
}

/*
 * A new connection. Without --report one sender at a time: the next waits in the backlog.
 * With it, the new one replaces the one we have: a sender connects again only when its
 * connection broke, whether or not this side saw it (a black hole shows nothing here).
 */
static void recv_accept(struct bulk *b)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char addr[64];
	int fd = accept4(b->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (b->conn >= 0) {
		fprintf(stderr, PROG ": a new connection replaces the one in progress\n");
		conn_end(b, util_now_ns(), true);
	}
	b->conn = fd;
	app_addr_str((struct sockaddr *)&ss, addr, sizeof(addr));
	fprintf(stderr, PROG ": receiving from %s\n", addr);
	if (b->report < 0)
		epoll_ctl(b->ep, EPOLL_CTL_DEL, b->lfd, NULL);
	meter_start(b);
	reports_start(b, b->t0);
	add_fd(b->ep, b->conn, EPOLLIN);
}

static int recv_listen(struct bulk *b)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char addr[64];
	int gai;

	b->lfd = app_bind_socket(b->bind_addr, b->port, SOCK_STREAM, &gai);
	if (b->lfd < 0) {
		if (gai)
			fprintf(stderr, PROG ": cannot resolve '%s': %s\n", b->bind_addr,
				gai_strerror(gai));
		else
			fprintf(stderr, PROG ": binding TCP port %u: %s\n", b->port,
				strerror(-b->lfd));
		return -1;
	}
	if (listen(b->lfd, 16) < 0 || add_fd(b->ep, b->lfd, EPOLLIN) < 0) {
		fprintf(stderr, PROG ": listening: %s\n", strerror(errno));
		return -1;
	}
	if (getsockname(b->lfd, (struct sockaddr *)&ss, &sl) == 0) {
		app_addr_str((struct sockaddr *)&ss, addr, sizeof(addr));
		fprintf(stderr, PROG ": listening on %s port %u\n", addr, b->port);
	}
	report_send(b, "listening,%" PRIu64, util_now_ns());
	return 0;
}

/* recv: what the connection had to say; true when the receiver is done (--once). */
static bool recv_conn(struct bulk *b, char *buf)
{
	int r = recv_some(b, buf);

	if (r == 0)
		return false;
	if (r < 0) {
		fprintf(stderr, PROG ": receiving: %s\n", strerror(-r));
		/* Broken, not ended: the reports go on (0 bytes) until a sender comes back. */
		report_send(b, "broken,%" PRIu64 ",%s", util_now_ns(), strerror(-r));
	}
	conn_end(b, b->end_t, false);
	if (r > 0 || b->once)
		reports_stop(b, util_now_ns());
	if (b->once)
		return true;
	if (b->report < 0)
		add_fd(b->ep, b->lfd, EPOLLIN);
	return false;
}

static int run_recv(struct bulk *b)
{
	struct epoll_event evs[5];
	char *buf;
	int n, i, rc = 0;

	if (recv_listen(b) < 0)
		return 1;
	buf = malloc(CHUNK);
	if (!buf) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	for (;;) {
		n = wait_events(b, evs, 5);
		if (n < 0) {
			rc = 1;
			goto out;
		}
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == b->sfd && app_signalfd_read(fd)) {
				if (b->conn >= 0)
					conn_end(b, util_now_ns(), true);
				reports_stop(b, util_now_ns());
				goto out;
			}
			if (fd == b->tfd && app_timer_read(fd) && b->conn >= 0)
				interval_line(b, util_now_ns());
			if (fd == b->rtfd && app_timer_read(fd) && b->reporting)
				report_bytes(b, util_now_ns());
			if (fd == b->lfd)
				recv_accept(b);
			else if (fd == b->conn && b->conn >= 0 && recv_conn(b, buf))
				goto out;
		}
	}
out:
	free(buf);
	return rc;
}

/* The sender's socket options: its pace, its unsent bytes, how long it waits for acks. */
static void send_opts(const struct bulk *b, int fd)
{
	unsigned int ms = (unsigned int)(b->timeout_ns / MS);

	if (b->rate_bps) {
		uint64_t bytes = b->rate_bps / 8 ? b->rate_bps / 8 : 1;

		/* 32 bits on every kernel, 64 on those that take them (4.20 on). */
		if (bytes <= UINT32_MAX)
			setsockopt(fd, SOL_SOCKET, SO_MAX_PACING_RATE, &(uint32_t){(uint32_t)bytes},
				   sizeof(uint32_t));
		else
			setsockopt(fd, SOL_SOCKET, SO_MAX_PACING_RATE, &bytes, sizeof(bytes));
	}
	/* Little unsent data: a sender stopped (its until) leaves little to arrive after it. */
	setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &(int){NOTSENT_MAX}, sizeof(int));
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof(ms));
}

/* A stop: a signal, or the sender's end. */
static bool stop_event(struct bulk *b, int fd)
{
	return (fd == b->sfd && app_signalfd_read(fd)) || (fd == b->end_tfd && app_timer_read(fd));
}

/*
 * Non-blocking connect to each address of the target in turn: the fd, -EINTR on a stop (a
 * signal or the end, left for the caller to read), or -errno (said on stderr when say).
 */
static int connect_target(struct bulk *b, bool say)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res, *ai;
	struct epoll_event ev;
	char serv[8], addr[64];
	int rc, fd = -1, err = 0, ep = -1;
	socklen_t el = sizeof(err);

	snprintf(serv, sizeof(serv), "%u", b->port);
	rc = getaddrinfo(b->target, serv, &hints, &res);
	if (rc) {
		fprintf(stderr, PROG ": cannot resolve '%s': %s\n", b->target,
			rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -EADDRNOTAVAIL;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		app_addr_str(ai->ai_addr, addr, sizeof(addr));
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			err = errno;
			continue;
		}
		send_opts(b, fd);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
			err = errno;
			goto next;
		}
		ep = epoll_create1(EPOLL_CLOEXEC);
		if (ep < 0 || add_fd(ep, fd, EPOLLOUT) < 0 || add_fd(ep, b->sfd, EPOLLIN) < 0 ||
		    add_fd(ep, b->end_tfd, EPOLLIN) < 0) {
			err = errno;
			goto next;
		}
		rc = epoll_wait(ep, &ev, 1, (int)(b->timeout_ns / MS));
		if (rc == 1 && ev.data.fd != fd) {
			err = EINTR;
			close(ep);
			close(fd);
			fd = -1;
			break;
		}
		if (rc == 0) {
			err = ETIMEDOUT;
			goto next;
		}
		if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
			err = errno;
		if (!err) {
			close(ep);
			fprintf(stderr, PROG ": sending to %s (%s) port %u\n", b->target, addr,
				b->port);
			break;
		}
	next:
		if (ep >= 0)
			close(ep);
		ep = -1;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		return fd;
	if (err == EINTR)
		return -EINTR;
	if (say)
		fprintf(stderr,
			PROG ": cannot connect to '%s' port %u: %s; trying again every %d ms\n",
			b->target, b->port, strerror(err), RETRY_MS);
	return -(err ? err : EIO);
}

/* ms without a connection, the intervals' lines going on: 1 on a stop, else 0. */
static int send_pause(struct bulk *b, int ms)
{
	uint64_t until = util_now_ns() + (uint64_t)ms * MS, now;
	struct epoll_event evs[4];

	while ((now = util_now_ns()) < until) {
		int n = epoll_wait(b->ep, evs, 4, (int)((until - now + MS - 1) / MS));

		if (n < 0 && errno != EINTR)
			return 1;
		for (int i = 0; i < n; i++) {
			if (stop_event(b, evs[i].data.fd))
				return 1;
			if (evs[i].data.fd == b->tfd && app_timer_read(b->tfd))
				interval_line(b, util_now_ns());
		}
	}
	return 0;
}

/*
 * Writes into b->conn until a stop (0) or until the connection breaks: -errno, its text in
 * *ret_why.
 */
static int send_pump(struct bulk *b, char *buf, const char **ret_why)
{
	struct epoll_event evs[4];
	int err = 0;
	socklen_t el = sizeof(err);

	if (add_fd(b->ep, b->conn, EPOLLOUT | EPOLLRDHUP) < 0) {
		*ret_why = strerror(errno);
		return -errno;
	}
	for (;;) {
		int n = wait_events(b, evs, 4);

		if (n < 0)
			return 0;
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (stop_event(b, fd))
				return 0;
			if (fd == b->tfd && app_timer_read(fd)) {
				b->bytes =
				    b->done_bytes + bytes_acked(b->conn, b->bytes - b->done_bytes);
				interval_line(b, util_now_ns());
			}
			if (fd != b->conn)
				continue;
			if (evs[i].events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP)) {
				getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
				*ret_why =
				    err ? strerror(err) : "the receiver closed the connection";
				return err ? -err : -ECONNABORTED;
			}
			/* Bounded, so the timers are read on time even on a fast link. */
			for (int k = 0; k < 64; k++) {
				ssize_t w = send(b->conn, buf, CHUNK, MSG_DONTWAIT | MSG_NOSIGNAL);

				if (w >= 0 || errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				*ret_why = strerror(errno);
				return -errno;
			}
		}
	}
}

/*
 * The end of sending: what is buffered still goes, ended by a FIN, and the receiver's close
 * is awaited (STOP_WAIT_MS at most), so the receiver's total sees the whole stream and no
 * socket outlives us; one that does not close by then is reset.
 */
static void send_finish(struct bulk *b)
{
	uint64_t until = util_now_ns() + STOP_WAIT_MS * MS, now;
	bool closed = false;
	char buf[4096];

	shutdown(b->conn, SHUT_WR);
	while (!closed && (now = util_now_ns()) < until) {
		struct pollfd p = {.fd = b->conn, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, (int)((until - now + MS - 1) / MS)) < 0 && errno != EINTR)
			break;
		while ((n = recv(b->conn, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
			;
		closed = n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
	}
	b->bytes = b->done_bytes + bytes_acked(b->conn, b->bytes - b->done_bytes);
	if (closed)
		close(b->conn);
	else
		abort_close(b->conn);
}

/*
 * Sends for --duration from now, connecting again after a pause whenever the connection
 * breaks or cannot be made; each outage said once (stderr, --report) at its start and at its
 * end. 1 when it never connected.
 */
static int run_send(struct bulk *b)
{
	uint64_t down_t = 0, now; /* the outage's start, 0: none */
	const char *why = "";
	bool ever = false;
	char *buf;
	int fd;

	buf = calloc(1, CHUNK);
	if (!buf) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	app_timer_set(b->end_tfd, util_now_ns() + b->duration_ns, 0);
	for (;;) {
		fd = connect_target(b, !down_t);
		if (fd == -EINTR || fd == -EADDRNOTAVAIL)
			break;
		now = util_now_ns();
		if (fd < 0) {
			if (!down_t)
				report_send(b, "broken,%" PRIu64 ",cannot connect: %s", now,
					    strerror(-fd));
			down_t = down_t ? down_t : now;
			if (send_pause(b, RETRY_MS))
				break;
			continue;
		}
		if (down_t) {
			fprintf(stderr, PROG ": connected again after %.3f s\n",
				(double)(now - down_t) / 1e9);
			report_send(b, "reconnect,%" PRIu64 ",%" PRIu64, now, now - down_t);
			down_t = 0;
		}
		if (!ever)
			meter_start(b);
		ever = true;
		b->conn = fd;
		if (send_pump(b, buf, &why) == 0)
			break;
		now = util_now_ns();
		fprintf(stderr, PROG ": the connection broke: %s\n", why);
		report_send(b, "broken,%" PRIu64 ",%s", now, why);
		b->done_bytes += bytes_acked(b->conn, b->bytes - b->done_bytes);
		b->bytes = b->done_bytes;
		abort_close(b->conn);
		b->conn = -1;
		down_t = now;
		if (send_pause(b, RETRY_MS))
			break;
	}
	if (b->conn >= 0)
		send_finish(b);
	if (ever)
		total_line(b, util_now_ns());
	b->conn = -1;
	free(buf);
	return ever ? 0 : 1;
}

/* A rate as scenarios write it: a plain decimal and bit, kbit, mbit, gbit or tbit. */
static int parse_rate(const char *s, uint64_t *ret_bps)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = {{"bit", 1}, {"kbit", 1e3}, {"mbit", 1e6}, {"gbit", 1e9}, {"tbit", 1e12}};
	size_t len = strspn(s, "0123456789");
	double v;

	if (!len)
		return -EINVAL;
	if (s[len] == '.')
		len += 1 + strspn(s + len + 1, "0123456789");
	v = strtod(s, NULL);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(s + len, units[i].unit)) {
			v *= units[i].mult;
			if (v < 8 || v > 1e13)
				return -ERANGE;
			*ret_bps = (uint64_t)v;
			return 0;
		}
	return -EINVAL;
}

/* --rate, --timeout, --report, --tag: 0, or 2 (said). */
static int parse_opt_more(struct bulk *b, int c, const char **send_only)
{
	struct sockaddr_un sa;
	uint64_t v;

	switch (c) {
	case 'r':
		if (parse_rate(optarg, &v) < 0)
			return usage_error(
			    "--rate '%s': expected 8bit to 10tbit, with a unit (5mbit)", optarg);
		b->rate_bps = v;
		*send_only = "--rate";
		break;
	case 'u':
		if (util_parse_duration(optarg, &v) < 0 || v < MS || v > 3600000 * MS)
			return usage_error("--timeout '%s': expected 1ms to 1h, with a unit (5s)",
					   optarg);
		b->timeout_ns = v;
		*send_only = "--timeout";
		break;
	case 'R':
		if (strlen(optarg) >= sizeof(sa.sun_path))
			return usage_error("--report '%s': a socket path is at most %zu bytes",
					   optarg, sizeof(sa.sun_path) - 1);
		b->report_path = optarg;
		break;
	case 'T':
		if (!*optarg || strlen(optarg) >= sizeof(b->tag) || strchr(optarg, ','))
			return usage_error("--tag '%s': 1 to 63 characters, no comma", optarg);
		snprintf(b->tag, sizeof(b->tag), "%s", optarg);
		break;
	}
	return 0;
}

static int parse_args(struct bulk *b, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"port", required_argument, NULL, 'p'},	{"bind", required_argument, NULL, 'b'},
	    {"once", no_argument, NULL, 'o'},		{"duration", required_argument, NULL, 'd'},
	    {"interval", required_argument, NULL, 'i'}, {"csv", required_argument, NULL, 'C'},
	    {"rate", required_argument, NULL, 'r'},	{"timeout", required_argument, NULL, 'u'},
	    {"report", required_argument, NULL, 'R'},	{"tag", required_argument, NULL, 'T'},
	    {"help", no_argument, NULL, 'h'},		{NULL, 0, NULL, 0},
	};
	const char *recv_only = NULL, *send_only = NULL;
	uint64_t v;
	int c;

	if (argc < 2)
		return usage_error("a mode is needed: recv or send");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, stdout);
		exit(0);
	}
	if (!strcmp(argv[1], "send"))
		b->send = true;
	else if (strcmp(argv[1], "recv"))
		return usage_error("unknown mode '%s': recv or send", argv[1]);
	optind = 2;
	while ((c = util_opt_next(argc, argv, ":p:b:od:i:h", opts, PROG, usage)) >= 0) {
		switch (c) {
		case 'p':
			if (util_parse_u64(optarg, 1, 65535, &v) < 0)
				return usage_error("--port '%s': expected 1 to 65535", optarg);
			b->port = (uint16_t)v;
			break;
		case 'b':
			b->bind_addr = optarg;
			recv_only = "--bind";
			break;
		case 'o':
			b->once = true;
			recv_only = "--once";
			break;
		case 'd':
			if (util_parse_duration(optarg, &v) < 0 || v < MS)
				return usage_error("--duration '%s': expected 1ms or more, with a "
						   "unit (10s)",
						   optarg);
			b->duration_ns = v;
			send_only = "--duration";
			break;
		case 'i':
			if (util_parse_duration(optarg, &v) < 0 || v < 10 * MS || v > 3600000 * MS)
				return usage_error("--interval '%s': expected 10ms to 1h, with a "
						   "unit (1s)",
						   optarg);
			b->interval_ns = v;
			break;
		case 'C':
			b->csv_path = optarg;
			break;
		default:
			if (parse_opt_more(b, c, &send_only))
				return 2;
		}
	}
	if (c == UTIL_OPT_HELP)
		exit(0);
	if (c == UTIL_OPT_BAD)
		return 2;
	if (b->send && recv_only)
		return usage_error("%s is for recv", recv_only);
	if (!b->send && send_only)
		return usage_error("%s is for send", send_only);
	if (!b->report_path != !b->tag[0])
		return usage_error("--report and --tag go together");
	if (b->send) {
		if (optind >= argc)
			return usage_error("send: TARGET is missing");
		b->target = argv[optind++];
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return 0;
}

/* --report's socket, connected to the runner's: 0, or -1 said. */
static int report_open(struct bulk *b)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (!b->report_path)
		return 0;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", b->report_path);
	b->report = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (b->report < 0 || connect(b->report, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, PROG ": --report %s: %s\n", b->report_path, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct bulk b = {
	    .port = APP_BULK_PORT,
	    .duration_ns = 10000 * MS,
	    .interval_ns = 1000 * MS,
	    .timeout_ns = 5000 * MS,
	    .report = -1,
	    .rtfd = -1,
	    .sfd = -1,
	    .tfd = -1,
	    .end_tfd = -1,
	    .ep = -1,
	    .lfd = -1,
	    .conn = -1,
	};
	int rc, err;

	rc = parse_args(&b, argc, argv);
	if (rc)
		return rc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = 1;
	b.sfd = app_signalfd_open();
	b.tfd = app_timer_open();
	b.end_tfd = app_timer_open();
	b.rtfd = app_timer_open();
	b.ep = epoll_create1(EPOLL_CLOEXEC);
	if (b.sfd < 0 || b.tfd < 0 || b.end_tfd < 0 || b.rtfd < 0 || b.ep < 0 ||
	    add_fd(b.ep, b.sfd, EPOLLIN) < 0 || add_fd(b.ep, b.tfd, EPOLLIN) < 0 ||
	    add_fd(b.ep, b.end_tfd, EPOLLIN) < 0 || add_fd(b.ep, b.rtfd, EPOLLIN) < 0) {
		fprintf(stderr, PROG ": setting up signals and timers: %s\n", strerror(errno));
		goto out;
	}
	if (report_open(&b) < 0)
		goto out;
	if (b.csv_path) {
		err = app_lines_open(b.csv_path, &b.csv);
		if (err) {
			fprintf(stderr, PROG ": cannot open %s: %s\n", b.csv_path, strerror(-err));
			goto out;
		}
		app_lines_add(b.csv, "t_s,bytes,mbit_s\n", 17);
	}
	rc = b.send ? run_send(&b) : run_recv(&b);
	err = app_lines_close(b.csv);
	b.csv = NULL;
	if (err) {
		fprintf(stderr, PROG ": writing %s: %s\n", b.csv_path, strerror(-err));
		rc = 1;
	}
	if (fflush(stdout) == EOF)
		rc = 1;
	if (b.report_dropped)
		fprintf(stderr, PROG ": %" PRIu64 " reports not sent to %s (its socket was full)\n",
			b.report_dropped, b.report_path);
out:
	app_lines_close(b.csv);
	if (b.conn >= 0)
		close(b.conn);
	if (b.lfd >= 0)
		close(b.lfd);
	if (b.ep >= 0)
		close(b.ep);
	if (b.end_tfd >= 0)
		close(b.end_tfd);
	if (b.rtfd >= 0)
		close(b.rtfd);
	if (b.report >= 0)
		close(b.report);
	if (b.tfd >= 0)
		close(b.tfd);
	if (b.sfd >= 0)
		close(b.sfd);
	return rc;
}
