/* SPDX-License-Identifier: MIT */
/*
 * edgemu-bulk: bulk TCP traffic and its throughput, per interval and in total, measured on
 * both sides: the receiver counts bytes read, the sender bytes the peer acknowledged (so
 * its figures do not include what merely sits in its own send buffer).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/tcp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "apps/proto.h"
#include "apps/stats.h"
#include "apps/util.h"

#define PROG "edgemu-bulk"
#define MS 1000000ULL
#define CHUNK (128 * 1024)
#define CONNECT_TIMEOUT_MS 10000

static const char usage[] =
    "usage: " PROG " recv [--port P] [--bind ADDR] [--once] [--interval 1s] [--csv FILE]\n"
    "       " PROG " send TARGET [--port P] [--duration 10s] [--interval 1s] [--csv FILE]\n"
    "\n"
    "TCP bulk traffic. The receiver reads whatever a sender sends, one connection at a time;\n"
    "the sender writes as fast as TCP lets it for --duration. Both print the throughput of\n"
    "each interval (t=1.00s 19.12 Mbit/s) and a total when the connection ends or on\n"
    "SIGTERM/SIGINT. The receiver counts bytes read, the sender bytes acknowledged.\n"
    "\n"
    "  --port P       TCP port (default 7008)\n"
    "  --bind ADDR    recv: listen on ADDR only (default: every address)\n"
    "  --once         recv: exit after the first connection\n"
    "  --duration T   send: how long to send (default 10s)\n"
    "  --interval T   reporting interval, 10ms to 1h (default 1s)\n"
    "  --csv FILE     one line per interval: t_s,bytes,mbit_s\n"
    "  --help         this text\n"
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

	int sfd;
	int tfd;     /* intervals */
	int end_tfd; /* send: end of the run */
	int ep;
	int lfd;
	int conn;
	struct app_lines *csv;

	uint64_t t0;
	uint64_t last_t;
	uint64_t last_bytes;
	uint64_t bytes; /* read (recv) or acknowledged (send) */
	uint64_t end_t; /* recv: time of the last byte */
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

/* Reads what is there: 1 at the end of the stream, 0 otherwise, -errno on failure. */
static int recv_some(struct bulk *b, char *buf)
{
	int i;

	for (i = 0; i < 64; i++) {
		ssize_t n = recv(b->conn, buf, CHUNK, MSG_DONTWAIT);

		if (n > 0) {
			b->bytes += (uint64_t)n;
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

static void conn_end(struct bulk *b, uint64_t end)
{
	total_line(b, end);
	app_timer_set(b->tfd, 0, 0);
	close(b->conn);
	b->conn = -1;
}

static int run_recv(struct bulk *b)
{
	struct epoll_event evs[4];
	struct sockaddr_storage ss;
	socklen_t sl;
	char addr[64], *buf;
	int gai, n, i, rc = 0;

	b->lfd = app_bind_socket(b->bind_addr, b->port, SOCK_STREAM, &gai);
	if (b->lfd < 0) {
		if (gai)
			fprintf(stderr, PROG ": cannot resolve '%s': %s\n", b->bind_addr,
				gai_strerror(gai));
		else
			fprintf(stderr, PROG ": binding TCP port %u: %s\n", b->port,
				strerror(-b->lfd));
		return 1;
	}
	if (listen(b->lfd, 16) < 0 || add_fd(b->ep, b->lfd, EPOLLIN) < 0) {
		fprintf(stderr, PROG ": listening: %s\n", strerror(errno));
		return 1;
	}
	buf = malloc(CHUNK);
	if (!buf) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	sl = sizeof(ss);
	if (getsockname(b->lfd, (struct sockaddr *)&ss, &sl) == 0) {
		app_addr_str((struct sockaddr *)&ss, addr, sizeof(addr));
		fprintf(stderr, PROG ": listening on %s port %u\n", addr, b->port);
	}
	for (;;) {
		n = wait_events(b, evs, 4);
		if (n < 0) {
			rc = 1;
			goto out;
		}
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd, r;

			if (fd == b->sfd && app_signalfd_read(fd)) {
				if (b->conn >= 0)
					conn_end(b, util_now_ns());
				goto out;
			}
			if (fd == b->tfd && app_timer_read(fd) && b->conn >= 0)
				interval_line(b, util_now_ns());
			if (fd == b->lfd) {
				sl = sizeof(ss);
				b->conn = accept4(b->lfd, (struct sockaddr *)&ss, &sl,
						  SOCK_NONBLOCK | SOCK_CLOEXEC);
				if (b->conn < 0)
					continue;
				app_addr_str((struct sockaddr *)&ss, addr, sizeof(addr));
				fprintf(stderr, PROG ": receiving from %s\n", addr);
				/* One sender at a time: the next waits in the backlog. */
				epoll_ctl(b->ep, EPOLL_CTL_DEL, b->lfd, NULL);
				meter_start(b);
				add_fd(b->ep, b->conn, EPOLLIN);
				continue;
			}
			if (fd != b->conn || b->conn < 0)
				continue;
			r = recv_some(b, buf);
			if (r == 0)
				continue;
			if (r < 0)
				fprintf(stderr, PROG ": receiving: %s\n", strerror(-r));
			conn_end(b, b->end_t);
			if (b->once)
				goto out;
			add_fd(b->ep, b->lfd, EPOLLIN);
		}
	}
out:
	free(buf);
	return rc;
}

/* Non-blocking connect to each address of the target in turn; the fd or -1. */
static int connect_target(struct bulk *b)
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
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		app_addr_str(ai->ai_addr, addr, sizeof(addr));
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
			err = errno;
			goto next;
		}
		ep = epoll_create1(EPOLL_CLOEXEC);
		if (ep < 0 || add_fd(ep, fd, EPOLLOUT) < 0 || add_fd(ep, b->sfd, EPOLLIN) < 0) {
			err = errno;
			goto next;
		}
		rc = epoll_wait(ep, &ev, 1, CONNECT_TIMEOUT_MS);
		if (rc == 1 && ev.data.fd == b->sfd) {
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
	if (fd < 0 && err == EINTR)
		fprintf(stderr, PROG ": stopped by a signal before the connection was up\n");
	else if (fd < 0)
		fprintf(stderr, PROG ": cannot connect to '%s' port %u: %s\n", b->target, b->port,
			strerror(err));
	return fd;
}

static int run_send(struct bulk *b)
{
	struct epoll_event evs[4];
	char *buf;
	int n, i, rc = 0;

	b->conn = connect_target(b);
	if (b->conn < 0)
		return 1;
	buf = calloc(1, CHUNK);
	if (!buf || add_fd(b->ep, b->conn, EPOLLOUT) < 0) {
		fprintf(stderr, PROG ": setting up: %s\n", strerror(errno));
		free(buf);
		return 1;
	}
	meter_start(b);
	app_timer_set(b->end_tfd, b->t0 + b->duration_ns, 0);
	for (;;) {
		n = wait_events(b, evs, 4);
		if (n < 0) {
			rc = 1;
			goto end;
		}
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd, k;

			if ((fd == b->sfd && app_signalfd_read(fd)) ||
			    (fd == b->end_tfd && app_timer_read(fd)))
				goto end;
			if (fd == b->tfd && app_timer_read(fd)) {
				b->bytes = bytes_acked(b->conn, b->bytes);
				interval_line(b, util_now_ns());
			}
			if (fd != b->conn)
				continue;
			/* Bounded, so the timers are read on time even on a fast link. */
			for (k = 0; k < 64; k++) {
				ssize_t w = send(b->conn, buf, CHUNK, MSG_DONTWAIT | MSG_NOSIGNAL);

				if (w >= 0)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				if (errno == EINTR)
					continue;
				fprintf(stderr, PROG ": sending: %s\n", strerror(errno));
				rc = 1;
				goto end;
			}
		}
	}
end:
	b->bytes = bytes_acked(b->conn, b->bytes);
	total_line(b, util_now_ns());
	/* What is still buffered goes out after we exit, ended by a FIN: the receiver's total
	 * sees the whole stream. */
	close(b->conn);
	b->conn = -1;
	free(buf);
	return rc;
}

static int parse_args(struct bulk *b, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"port", required_argument, NULL, 'p'},	{"bind", required_argument, NULL, 'b'},
	    {"once", no_argument, NULL, 'o'},		{"duration", required_argument, NULL, 'd'},
	    {"interval", required_argument, NULL, 'i'}, {"csv", required_argument, NULL, 'C'},
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
	if (b->send) {
		if (optind >= argc)
			return usage_error("send: TARGET is missing");
		b->target = argv[optind++];
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return 0;
}

int main(int argc, char **argv)
{
	struct bulk b = {
	    .port = APP_BULK_PORT,
	    .duration_ns = 10000 * MS,
	    .interval_ns = 1000 * MS,
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
	b.ep = epoll_create1(EPOLL_CLOEXEC);
	if (b.sfd < 0 || b.tfd < 0 || b.end_tfd < 0 || b.ep < 0 ||
	    add_fd(b.ep, b.sfd, EPOLLIN) < 0 || add_fd(b.ep, b.tfd, EPOLLIN) < 0 ||
	    add_fd(b.ep, b.end_tfd, EPOLLIN) < 0) {
		fprintf(stderr, PROG ": setting up signals and timers: %s\n", strerror(errno));
		goto out;
	}
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
	if (b.tfd >= 0)
		close(b.tfd);
	if (b.sfd >= 0)
		close(b.sfd);
	return rc;
}
