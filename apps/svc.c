/* SPDX-License-Identifier: MIT */
/*
 * edgemu-svc: the stateful service. It answers the echo's requests (apps/proto.h) over UDP,
 * and over TCP with --tcp, with its instance id and the client's counter: a number kept in the
 * service's state pages that rises by one per answered request, so a client sees at once when
 * state is lost or rolled back. Meanwhile a workload writes state pages at a set rate and
 * pattern, which is what makes a live migration of the state hard. The state itself is in
 * svc_state.c; this file is sockets, timers and options.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "apps/stats.h"
#include "apps/svc.h"
#include "apps/util.h"

static const char usage[] =
    "usage: " PROG " --id NAME [--state 64MiB] [--dirty-rate N/s] [--pattern P] [--hot F%]\n"
    "       [--seed N] [--port P] [--bind ADDR] [--tcp] [--ctl PATH] [--incoming PORT]\n"
    "       [--timeout MS] [--on-orphan CMD] [--ready-fd FD] [--quiet]\n"
    "\n"
    "Stateful UDP (and TCP) service for edgemu probes: answers every valid request with the\n"
    "request, the instance id NAME and the client's counter, which rises by one per answered\n"
    "request and lives in the service's state pages. A workload writes state pages at a set\n"
    "rate. On SIGTERM or SIGINT it prints one summary line on stderr and exits 0.\n"
    "\n"
    "Its migration agent moves the state to an instance started with --incoming on another\n"
    "node, over TCP, cold, pre-copy or post-copy, when the runner says so on the control\n"
    "socket (apps/mp.h); it reports every phase there and in its log.\n"
    "\n"
    "  --id NAME         instance id put in every answer: 1-15 of A-Z a-z 0-9 . _ : -\n"
    "  --state S         state size in 4 KiB pages, all allocated at start: 4KiB to 64GiB,\n"
    "                    units KiB, MiB, GiB (default 64MiB)\n"
    "  --dirty-rate R    pages written per second by the workload, e.g. 2000/s (default 0)\n"
    "  --pattern P       uniform (any page), hotset (within the hot set), sequential\n"
    "                    (page after page, wrapping); default uniform\n"
    "  --hot F%          hot set, the first F% of the pages, for hotset (default 10%)\n"
    "  --seed N          seed of the workload's page choice (default 1)\n"
    "  --port P          UDP port, and TCP port with --tcp (default 7007)\n"
    "  --bind ADDR       listen on ADDR only (default: every address, IPv4 and IPv6)\n"
    "  --tcp             also accept TCP connections: requests back to back, 48 bytes each,\n"
    "                    answered in order with 88-byte answers (apps/proto.h)\n"
    "  --ctl PATH        control socket (Unix, SOCK_SEQPACKET) for the runner: commands\n"
    "                    migrate, abort, status; events of every migration phase\n"
    "  --incoming PORT   start as the destination of a migration: take the state from the\n"
    "                    source that connects to TCP PORT, answer nothing until it is here\n"
    "  --timeout MS      a migration's peer silent this long has failed (default 5000)\n"
    "  --on-orphan CMD   with --incoming: a shell command that steers the clients to this\n"
    "                    instance, run if the runner disappears after this instance has\n"
    "                    resumed and before the runner said it had steered them\n"
    "  --ready-fd FD     write \"ready\\n\" to FD and close it once the state is allocated\n"
    "                    and the sockets are bound\n"
    "  --quiet           no start line on stderr\n"
    "  --help            this text\n";

#define usage_error(...) util_usage_error(PROG, usage, __VA_ARGS__)

/*
 * Answer i of the batch was not sent: its bump is taken back (the counter counts answered
 * requests), and the later answers of the same client in this batch move down by one so the
 * client still sees no gap.
 */
static void unsent(void *arg, unsigned int i, unsigned int n)
{
	struct svc *v = arg;
	uint32_t client = v->tx_client[i];
	unsigned int j;

	svc_client_unbump(v->st, client);
	for (j = i + 1; j < n; j++)
		if (v->tx_client[j] == client)
			v->b.tx_buf[j].counter = htobe64(be64toh(v->b.tx_buf[j].counter) - 1);
	v->send_failed++;
}

/* No room for a new client: no answer, which the client sees as a loss. */
static int bump(void *arg, const struct app_req *req, unsigned int out, uint64_t *ret)
{
	struct svc *v = arg;

	if (svc_client_bump(v->st, be32toh(req->client_id), ret) < 0) {
		v->table_full++;
		return -ENOSPC;
	}
	v->tx_client[out] = be32toh(req->client_id);
	return 0;
}

/* One batch: 0 when the socket is drained, 1 when there may be more, -errno on failure. */
static int serve_batch(struct svc *v)
{
	const struct app_answer_ops ops = {.counter = bump, .unsent = unsent, .arg = v};

	return app_answers_serve(&v->b, v->sock, v->id, &ops, &v->malformed, &v->answered_udp);
}

/* A bounded number of batches per wake: a flood cannot hide a SIGTERM or starve TCP. */
static int serve_udp(struct svc *v)
{
	int batches, rc;

	for (batches = 0; batches < 16; batches++) {
		rc = serve_batch(v);
		if (rc <= 0)
			return rc;
	}
	return 0;
}

uint64_t svc_drop_queued(struct svc *v)
{
	uint64_t n = 0;
	char buf[RX_LEN];

	while (recv(v->sock, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		n++;
	return n;
}

int svc_ep_set(int ep, int op, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = {.events = events, .data.u64 = tag};

	return epoll_ctl(ep, op, fd, &ev) < 0 ? -errno : 0;
}

static void conn_close(struct svc *v, unsigned int slot)
{
	struct conn *c = v->conns[slot];

	if (!c)
		return;
	/* Answers still queued are lost with the connection: the client sees them as lost. */
	close(c->fd);
	free(c);
	v->conns[slot] = NULL;
}

static void accept_all(struct svc *v)
{
	unsigned int slot;
	struct conn *c;
	int fd;

	for (;;) {
		fd = accept4(v->lsock, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;
		}
		for (slot = 0; slot < MAX_CONNS && v->conns[slot]; slot++)
			;
		c = slot < MAX_CONNS ? calloc(1, sizeof(*c)) : NULL;
		if (!c) {
			v->tcp_refused++;
			close(fd);
			continue;
		}
		c->fd = fd;
		if (svc_ep_set(v->ep, EPOLL_CTL_ADD, fd, EPOLLIN, TAG_CONN + slot) < 0) {
			v->tcp_refused++;
			close(fd);
			free(c);
			continue;
		}
		v->conns[slot] = c;
	}
}

/* Sends what is queued; 0 when all is sent or the socket is full, -errno on failure. */
static int conn_flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, (uint8_t *)c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -errno;
		}
		c->out_off += (size_t)n;
	}
	c->out_off = c->out_len = 0;
	return 0;
}

/* Answers the whole requests received; -errno (or -EBADMSG) when the connection must go. */
static int conn_answer(struct svc *v, struct conn *c)
{
	size_t off, k = 0;
	uint64_t counter;
	struct app_req req;

	for (off = 0; c->in_len - off >= REQ_LEN; off += REQ_LEN) {
		/* A stream has no datagram boundary to resynchronize on: a bad request ends it. */
		if (app_proto_check(c->in + off, REQ_LEN, APP_KIND_REQUEST) < 0) {
			v->malformed++;
			return -EBADMSG;
		}
		memcpy(&req, c->in + off, sizeof(req));
		if (svc_client_bump(v->st, be32toh(req.client_id), &counter) < 0) {
			v->table_full++;
			continue;
		}
		app_answer_pack(&c->out[k++], &req, v->id, counter);
		v->answered_tcp++;
	}
	c->out_len = k * ANS_LEN;
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	return 0;
}

/*
 * Serves one connection: reads only when every earlier answer is out, so one buffer of
 * requests and one of answers are enough, and a client that does not read its answers stops
 * being read rather than filling our memory. -errno when the connection must be closed.
 */
static int conn_serve(struct svc *v, struct conn *c, unsigned int slot)
{
	int err, rounds;
	bool want_out;
	ssize_t n;

	err = conn_flush(c);
	for (rounds = 0; !err && !c->out_len && rounds < 16; rounds++) {
		n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -errno;
		}
		c->in_len += (size_t)n;
		err = conn_answer(v, c);
		if (!err)
			err = conn_flush(c);
	}
	if (err)
		return err;
	want_out = c->out_len > 0;
	if (want_out != c->want_out) {
		err = svc_ep_set(v->ep, EPOLL_CTL_MOD, c->fd, want_out ? EPOLLOUT : EPOLLIN,
				 TAG_CONN + slot);
		c->want_out = want_out;
	}
	return err;
}

static int run(struct svc *v)
{
	struct epoll_event evs[16];
	unsigned int slot;
	int rc, i, n;

	while (!v->quit) {
		n = epoll_wait(v->ep, evs, 16, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;

			switch (tag) {
			case TAG_SIGNAL:
				if (app_signalfd_read(v->sfd))
					return 0;
				break;
			case TAG_TIMER:
				app_timer_read(v->tfd);
				/* Frozen, or waiting for its state: the workload waits too. */
				if (v->serving)
					svc_dirty_step(v->st, util_now_ns());
				break;
			case TAG_CTL_LISTEN:
			case TAG_CTL:
			case TAG_MIG_LISTEN:
			case TAG_MIG:
			case TAG_MIG_WAIT:
				agent_handle(v, tag, evs[i].events);
				break;
			/* An event fetched before a freeze in this same batch waits for the thaw.
			 */
			case TAG_LISTEN:
				if (v->serving)
					accept_all(v);
				break;
			case TAG_UDP:
				rc = v->serving ? serve_udp(v) : 0;
				if (rc < 0)
					return rc;
				break;
			default:
				slot = (unsigned int)(tag - TAG_CONN);
				if (v->serving && slot < MAX_CONNS && v->conns[slot] &&
				    conn_serve(v, v->conns[slot], slot) < 0)
					conn_close(v, slot);
				break;
			}
		}
	}
	return 0;
}

void svc_serving(struct svc *v, bool on)
{
	int op = on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL;
	unsigned int slot;

	if (v->serving == on)
		return;
	v->serving = on;
	svc_ep_set(v->ep, op, v->sock, EPOLLIN, TAG_UDP);
	if (v->lsock >= 0)
		svc_ep_set(v->ep, op, v->lsock, EPOLLIN, TAG_LISTEN);
	for (slot = 0; slot < MAX_CONNS; slot++) {
		struct conn *c = v->conns[slot];

		if (c)
			svc_ep_set(v->ep, op, c->fd, c->want_out ? EPOLLOUT : EPOLLIN,
				   TAG_CONN + slot);
	}
}

/* VmRSS of this process in KiB, 0 when unknown: proof that the state is real memory. */
static uint64_t rss_kib(void)
{
	char line[256];
	uint64_t kib = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %" SCNu64, &kib) == 1)
			break;
	fclose(f);
	return kib;
}

struct opts {
	const char *id;
	const char *bind_addr;
	uint64_t port;
	uint64_t ready_fd;
	uint64_t state_bytes;
	uint64_t rate_pps;
	enum svc_pattern pattern;
	uint64_t hot_ppm;
	bool have_hot;
	uint64_t seed;
	bool tcp;
	bool quiet;
	const char *ctl;
	uint64_t incoming;
	uint64_t timeout_ms;
	const char *on_orphan;
};

/* 0 to go on, otherwise the exit code. */
static int parse_args(struct opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"id", required_argument, NULL, 'i'},
	    {"port", required_argument, NULL, 'p'},
	    {"bind", required_argument, NULL, 'b'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"ready-fd", required_argument, NULL, 'r'},
	    {"state", required_argument, NULL, 'S'},
	    {"dirty-rate", required_argument, NULL, 'R'},
	    {"pattern", required_argument, NULL, 'P'},
	    {"hot", required_argument, NULL, 'H'},
	    {"seed", required_argument, NULL, 's'},
	    {"tcp", no_argument, NULL, 't'},
	    {"ctl", required_argument, NULL, 'C'},
	    {"incoming", required_argument, NULL, 'I'},
	    {"timeout", required_argument, NULL, 'T'},
	    {"on-orphan", required_argument, NULL, 'O'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = util_opt_next(argc, argv, ":i:p:b:qr:h", opts, PROG, usage)) >= 0) {
		switch (c) {
		case 'i':
			o->id = optarg;
			break;
		case 'p':
			if (util_parse_u64(optarg, 1, 65535, &o->port) < 0)
				return usage_error("--port '%s': expected 1 to 65535", optarg);
			break;
		case 'b':
			o->bind_addr = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'r':
			if (util_parse_u64(optarg, 0, INT32_MAX, &o->ready_fd) < 0)
				return usage_error("--ready-fd '%s': expected a file descriptor",
						   optarg);
			break;
		case 'S':
			if (svc_parse_size(optarg, &o->state_bytes) < 0)
				return usage_error("--state '%s': expected a multiple of 4KiB from "
						   "4KiB to 64GiB (64MiB, 1GiB)",
						   optarg);
			break;
		case 'R':
			if (svc_parse_rate(optarg, &o->rate_pps) < 0)
				return usage_error("--dirty-rate '%s': expected pages per second, "
						   "0 to 10000000 (2000/s)",
						   optarg);
			break;
		case 'P':
			if (svc_parse_pattern(optarg, &o->pattern) < 0)
				return usage_error("--pattern '%s': expected uniform, hotset or "
						   "sequential",
						   optarg);
			break;
		case 'H':
			if (svc_parse_percent(optarg, &o->hot_ppm) < 0)
				return usage_error("--hot '%s': expected a percentage above 0 and "
						   "up to 100 (10%%, 0.5%%)",
						   optarg);
			o->have_hot = true;
			break;
		case 's':
			if (util_parse_u64(optarg, 0, UINT64_MAX, &o->seed) < 0)
				return usage_error("--seed '%s': expected an unsigned number",
						   optarg);
			break;
		case 't':
			o->tcp = true;
			break;
		case 'C':
			if (strlen(optarg) >= sizeof(((struct sockaddr_un *)0)->sun_path))
				return usage_error("--ctl '%s': a socket path is at most 107 bytes",
						   optarg);
			o->ctl = optarg;
			break;
		case 'I':
			if (util_parse_u64(optarg, 1, 65535, &o->incoming) < 0)
				return usage_error(
				    "--incoming '%s': expected a TCP port, 1 to 65535", optarg);
			break;
		case 'T':
			if (util_parse_u64(optarg, 10, 3600000, &o->timeout_ms) < 0)
				return usage_error("--timeout '%s': expected milliseconds, 10 to "
						   "3600000",
						   optarg);
			break;
		case 'O':
			o->on_orphan = optarg;
			break;
		}
	}
	if (c == UTIL_OPT_HELP)
		exit(0);
	if (c == UTIL_OPT_BAD)
		return 2;
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->id)
		return usage_error("--id NAME is required");
	if (!app_instance_valid(o->id))
		return usage_error("--id '%s': 1 to 15 of A-Z a-z 0-9 . _ : -", o->id);
	if (o->on_orphan && !o->incoming)
		return usage_error("--on-orphan applies to --incoming only");
	if (o->have_hot && o->pattern != SVC_PATTERN_HOTSET)
		return usage_error("--hot applies to --pattern hotset only");
	return 0;
}

/* Binds the sockets and registers every fd; prints what failed. */
static int open_all(struct svc *v, const struct opts *o, char *addr, size_t addr_len)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	const char *what;
	int gai, err;

	v->sock = app_bind_socket(o->bind_addr, (uint16_t)o->port, SOCK_DGRAM, &gai);
	if (v->sock < 0) {
		if (gai)
			fprintf(stderr, PROG ": cannot resolve '%s': %s\n", o->bind_addr,
				gai_strerror(gai));
		else
			fprintf(stderr, PROG ": binding UDP port %" PRIu64 "%s%s: %s\n", o->port,
				o->bind_addr ? " on " : "", o->bind_addr ? o->bind_addr : "",
				strerror(-v->sock));
		return -1;
	}
	if (getsockname(v->sock, (struct sockaddr *)&ss, &sslen) < 0 ||
	    app_enable_pktinfo(v->sock, ss.ss_family) < 0) {
		fprintf(stderr, PROG ": setting up the socket: %s\n", strerror(errno));
		return -1;
	}
	setsockopt(v->sock, SOL_SOCKET, SO_RCVBUF, &(int){4 << 20}, sizeof(int));
	app_addr_str((struct sockaddr *)&ss, addr, addr_len);
	if (o->tcp) {
		v->lsock = app_bind_socket(o->bind_addr, (uint16_t)o->port, SOCK_STREAM, &gai);
		if (v->lsock < 0 || listen(v->lsock, 64) < 0) {
			err = v->lsock < 0 ? v->lsock : -errno;
			fprintf(stderr, PROG ": TCP port %" PRIu64 ": %s\n", o->port,
				strerror(-err));
			return -1;
		}
	}
	what = "epoll";
	v->ep = epoll_create1(EPOLL_CLOEXEC);
	err = v->ep < 0 ? -errno : 0;
	if (!err)
		err = svc_ep_set(v->ep, EPOLL_CTL_ADD, v->sfd, EPOLLIN, TAG_SIGNAL);
	if (!err && o->rate_pps) {
		what = "the workload timer";
		v->tfd = app_timer_open();
		err = v->tfd < 0 ? v->tfd : 0;
		if (!err)
			err = svc_ep_set(v->ep, EPOLL_CTL_ADD, v->tfd, EPOLLIN, TAG_TIMER);
	}
	if (err) {
		fprintf(stderr, PROG ": setting up %s: %s\n", what, strerror(-err));
		return -1;
	}
	return 0;
}

static void close_all(struct svc *v)
{
	unsigned int i;

	for (i = 0; i < MAX_CONNS; i++)
		conn_close(v, i);
	if (v->ep >= 0)
		close(v->ep);
	if (v->tfd >= 0)
		close(v->tfd);
	if (v->lsock >= 0)
		close(v->lsock);
	if (v->sock >= 0)
		close(v->sock);
	if (v->sfd >= 0)
		close(v->sfd);
	svc_state_free(v->st);
}

int main(int argc, char **argv)
{
	struct opts o = {.port = APP_PROTO_PORT,
			 .ready_fd = UINT64_MAX,
			 .state_bytes = 64ULL << 20,
			 .pattern = SVC_PATTERN_UNIFORM,
			 .hot_ppm = SVC_PPM / 10,
			 .seed = 1,
			 .timeout_ms = 5000};
	uint64_t t0, now, elapsed_ms;
	char addr[64], hot[32] = "";
	struct svc *v;
	int rc, err;

	rc = parse_args(&o, argc, argv);
	if (rc)
		return rc;
	v = calloc(1, sizeof(*v));
	if (!v) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	v->sock = v->lsock = v->tfd = v->ep = -1;
	v->ag.ctl_lsock = v->ag.ctl_sock = v->ag.mp_lsock = v->ag.mp_sock = v->ag.wait_tfd = -1;
	strncpy(v->id, o.id, sizeof(v->id) - 1);
	rc = 1;
	v->sfd = app_signalfd_open();
	if (v->sfd < 0) {
		fprintf(stderr, PROG ": signalfd: %s\n", strerror(-v->sfd));
		goto out;
	}
	err = svc_state_new(o.state_bytes, &v->st);
	if (err) {
		fprintf(stderr, PROG ": allocating %" PRIu64 " bytes of state: %s\n", o.state_bytes,
			strerror(-err));
		goto out;
	}
	/*
	 * All of it now: the state must be memory that a migration really has to move. An
	 * incoming instance gets its pages from the source instead, as they arrive.
	 */
	if (!o.incoming)
		svc_state_populate(v->st);
	else if ((err = svc_state_incoming(v->st)) < 0) {
		fprintf(stderr, PROG ": allocating the page maps: %s\n", strerror(-err));
		goto out;
	}
	svc_workload_set(v->st, o.rate_pps, o.pattern, o.hot_ppm, o.seed);
	v->quiet = o.quiet;
	v->ag.on_orphan = o.on_orphan;
	if (open_all(v, &o, addr, sizeof(addr)) < 0 ||
	    agent_open(v, o.ctl, (uint16_t)o.incoming, o.timeout_ms) < 0)
		goto out;
	if (!o.incoming)
		svc_serving(v, true);
	if (o.pattern == SVC_PATTERN_HOTSET)
		snprintf(hot, sizeof(hot), " (%" PRIu64 " pages)", v->st->hot_pages);
	if (!o.quiet)
		fprintf(stderr,
			PROG ": instance %s %s on %s port %" PRIu64 "%s, state %" PRIu64
			     " pages (RSS %" PRIu64 " KiB), dirtying %" PRIu64 " pages/s %s%s\n",
			v->id, o.incoming ? "waiting for its state, then answering" : "listening",
			addr, o.port, o.tcp ? " (UDP and TCP)" : "", v->st->pages, rss_kib(),
			o.rate_pps, svc_pattern_name(o.pattern), hot);
	t0 = util_now_ns();
	svc_dirty_step(v->st, t0);
	if (v->tfd >= 0 && app_timer_set(v->tfd, t0 + TICK_NS, TICK_NS) < 0) {
		fprintf(stderr, PROG ": setting the workload timer: %s\n", strerror(errno));
		goto out;
	}
	if (o.ready_fd != UINT64_MAX) {
		if (write((int)o.ready_fd, "ready\n", 6) != 6)
			fprintf(stderr, PROG ": --ready-fd %" PRIu64 ": %s\n", o.ready_fd,
				strerror(errno));
		close((int)o.ready_fd);
	}

	err = run(v);
	if (v->quit)
		err = 0;
	/* The pages due up to this instant, so the count matches the rate exactly. */
	now = util_now_ns();
	svc_dirty_step(v->st, now);
	elapsed_ms = (now - t0) / MS;
	fprintf(stderr,
		PROG ": instance %s: %" PRIu64 " requests answered (UDP %" PRIu64 ", TCP %" PRIu64
		     "), %" PRIu64 " clients, %" PRIu64 " pages dirtied in %" PRIu64 ".%03" PRIu64
		     " s, %" PRIu64 " malformed, %" PRIu64 " answers not sent, %" PRIu64
		     " refused\n",
		v->id, v->answered_udp + v->answered_tcp, v->answered_udp, v->answered_tcp,
		svc_client_count(v->st), v->st->written, elapsed_ms / 1000, elapsed_ms % 1000,
		v->malformed, v->send_failed, v->table_full + v->tcp_refused);
	fprintf(stderr, PROG ": instance %s: RSS %" PRIu64 " KiB at the end\n", v->id, rss_kib());
	if (err < 0)
		fprintf(stderr, PROG ": receiving: %s\n", strerror(-err));
	rc = err < 0 ? 1 : v->exit_code;
out:
	agent_close(v);
	close_all(v);
	free(v);
	return rc;
}
