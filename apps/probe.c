/* SPDX-License-Identifier: MIT */
/*
 * edgemu-probe: sequence-numbered, timestamped UDP requests at a fixed rate to an echo or
 * stateful service, and what a user of that service would feel: RTT, losses, the longest
 * time without an answer, and which instance answered.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "apps/proto.h"
#include "apps/stats.h"
#include "apps/util.h"
#include "util/sig.h"

#define PROG "edgemu-probe"
#define MS 1000000ULL
#define TICK_NS (100 * MS) /* live status and CSV flush */

static const char usage[] =
    "usage: " PROG " TARGET [--port P] [--interval 10ms] [--count N | --duration 10s]\n"
    "       [--timeout 1s] [--csv FILE] [--json FILE] [--client-id N] [--check-counter | --echo]\n"
    "       [--report SOCKET --tag NAME] [--quiet]\n"
    "\n"
    "Sends a numbered, timestamped UDP request to TARGET (an address, or a name resolved as\n"
    "the node resolves it, /etc/hosts first) at a fixed interval, and prints a summary when\n"
    "done or stopped by SIGTERM/SIGINT: sent, answered, lost, RTT min/p50/p95/p99/max, the\n"
    "largest gap between answers (downtime as the client sees it) and instance changes.\n"
    "SIGUSR1 ends it the way --count does: no more requests, then it waits for every one\n"
    "sent to be answered or declared lost (--timeout), so the losses are all counted.\n"
    "\n"
    "  --port P         UDP port of the service (default 7007)\n"
    "  --interval T     time between requests, 1ms to 1h (default 10ms)\n"
    "  --count N        send N requests, then wait --timeout for the last answers\n"
    "  --duration T     send for T (default: until stopped)\n"
    "  --timeout T      a request unanswered after T is lost (default 1s)\n"
    "  --csv FILE       every event: event,seq,t_send_ns,t_recv_ns,rtt_ns,instance with\n"
    "                   events send, answer, loss, late, instance (old->new), counter\n"
    "                   (expected->received, with --check-counter)\n"
    "  --json FILE      the summary as JSON\n"
    "  --client-id N    client id in the requests (default: the process id)\n"
    "  --echo           the service is a plain UDP echo server (a program that knows nothing\n"
    "                   of edgemu): an answer is the request itself, byte for byte; the\n"
    "                   instance is then \"-\"\n"
    "  --check-counter  the service is edgemu-svc: every answer must carry the counter of\n"
    "                   the answer before it plus one; repeats, steps back and jumps are\n"
    "                   counted as counter errors (an answer lost on the way back shows as\n"
    "                   a jump: the service counted it)\n"
    "  --report SOCKET  also send every CSV event, as \"NAME,<event line>\", in a datagram to\n"
    "                   the Unix socket SOCKET (a runner's); one that cannot take it is\n"
    "                   dropped, never waited for, and counted in the summary\n"
    "  --tag NAME       the NAME of --report's datagrams (default: the client id)\n"
    "  --quiet          no live status and no summary on stdout (files are still written)\n"
    "  --help           this text\n"
    "\n"
    "Times take a unit: ns, us, ms, s (1ms, 1.5s). All times are CLOCK_MONOTONIC.\n";

struct probe {
	const char *target;
	const char *csv_path;
	const char *report_path;
	char tag[64];
	int report; /* --report's socket, -1 without */
	uint64_t report_dropped;
	const char *json_path;
	uint16_t port;
	uint64_t interval_ns;
	uint64_t count; /* 0: until stopped */
	uint64_t timeout_ns;
	uint32_t client_id;
	bool quiet;
	bool status; /* live status line on stderr */
	bool check_counter;
	bool echo; /* answers are the requests echoed back (--echo) */

	int sock;
	int send_tfd;
	int tick_tfd;
	int sfd;
	int usr1_fd; /* SIGUSR1: stop sending, finish the requests sent */
	int ep;
	struct sockaddr_storage dst;
	socklen_t dst_len;
	char addr[64];
	struct app_lines *csv;

	struct app_seqwin win;
	struct app_samples rtts;
	struct app_recent recent;
	struct app_gap gap;
	struct app_inst inst;
	struct app_counter counter;
	uint64_t last_rtt_ns;
	uint64_t malformed;
	uint64_t send_errors;
	bool sending;
	bool interrupted;
};

#define usage_error(...) util_usage_error(PROG, usage, __VA_ARGS__)

static void event(struct probe *p, enum app_event ev, uint64_t seq, uint64_t send_ns,
		  uint64_t recv_ns, const char *inst)
{
	char line[APP_CSV_LINE_MAX];
	size_t n;

	char msg[sizeof(p->tag) + APP_CSV_LINE_MAX + 1];
	int m;

	if (!p->csv && p->report < 0)
		return;
	n = app_csv_event(line, ev, seq, send_ns, recv_ns, inst);
	/* A write error sticks in p->csv and is reported once, at the end. */
	if (p->csv)
		app_lines_add(p->csv, line, n);
	if (p->report >= 0 && n) {
		m = snprintf(msg, sizeof(msg), "%s,%.*s", p->tag, (int)(n - 1), line);
		/* The runner must never slow the probe down: a full socket drops the event. */
		if (m > 0 && send(p->report, msg, (size_t)m, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			p->report_dropped++;
	}
}

static void send_one(struct probe *p)
{
	struct app_req req;
	uint64_t now, seq;
	uint64_t lseq, lsend;

	/* Only when the timer stalled for longer than the window: the oldest becomes a loss. */
	while (app_seqwin_full(&p->win) && app_seqwin_evict(&p->win, &lseq, &lsend))
		event(p, APP_EV_LOSS, lseq, lsend, 0, NULL);
	now = util_now_ns();
	seq = p->win.hi;
	app_req_pack(&req, p->client_id, seq, now);
	/*
	 * A request the kernel refuses (no route during a handover, a full queue) is still a
	 * request the user made: it counts as sent and will be lost.
	 */
	if (sendto(p->sock, &req, sizeof(req), 0, (struct sockaddr *)&p->dst, p->dst_len) < 0)
		p->send_errors++;
	app_seqwin_send(&p->win, now);
	event(p, APP_EV_SEND, seq, now, 0, NULL);
}

/*
 * Every first answer, in the order it arrives, whether in time or late: the service counted
 * each of them. Duplicates of an answer carry its counter again and are not checked.
 */
static void check_counter(struct probe *p, const struct app_answer *a, uint64_t seq,
			  uint64_t send_ns, uint64_t now)
{
	char change[48];
	uint64_t v = be64toh(a->counter), want = p->counter.last + 1;

	if (!p->check_counter || app_counter_check(&p->counter, v))
		return;
	snprintf(change, sizeof(change), "%" PRIu64 "->%" PRIu64, want, v);
	event(p, APP_EV_COUNTER, seq, send_ns, now, change);
}

static void answer(struct probe *p, const char *buf, size_t len, uint64_t now)
{
	const struct app_answer *a = (const struct app_answer *)buf;
	char inst[APP_INSTANCE_LEN], old[APP_INSTANCE_LEN], change[2 * APP_INSTANCE_LEN + 2];
	uint64_t seq, send_ns = 0;

	if (p->echo) {
		/* A plain echo server's answer: our request as sent; no instance in it. */
		if (app_echo_check(buf, len, p->client_id) < 0) {
			p->malformed++;
			return;
		}
		strcpy(inst, "-");
	} else if (app_proto_check(buf, len, APP_KIND_ANSWER) < 0 ||
		   be32toh(a->req.client_id) != p->client_id) {
		p->malformed++;
		return;
	} else {
		app_instance_sanitize(inst, a->instance);
	}
	/* The request is first in both kinds of answer. */
	seq = be64toh(a->req.seq);
	switch (app_seqwin_answer(&p->win, seq, &send_ns)) {
	case APP_SEQ_ANSWER:
		p->last_rtt_ns = now - send_ns;
		if (app_samples_add(&p->rtts, p->last_rtt_ns) < 0) {
			fprintf(stderr, PROG ": out of memory for RTT samples\n");
			exit(1);
		}
		app_recent_add(&p->recent, p->last_rtt_ns);
		app_gap_add(&p->gap, now);
		event(p, APP_EV_ANSWER, seq, send_ns, now, inst);
		check_counter(p, a, seq, send_ns, now);
		if (app_inst_update(&p->inst, inst, old)) {
			snprintf(change, sizeof(change), "%s->%s", old, inst);
			event(p, APP_EV_INSTANCE, seq, send_ns, now, change);
		}
		break;
	case APP_SEQ_LATE:
		event(p, APP_EV_LATE, seq, send_ns, now, inst);
		check_counter(p, a, seq, send_ns, now);
		break;
	case APP_SEQ_OLD:
		/*
		 * Resolved long before, and the window no longer says how: a duplicate this old
		 * is far less likely than an answer to a request declared lost. The send time
		 * comes from the answer itself.
		 */
		p->win.late++;
		send_ns = be64toh(a->req.send_ns);
		event(p, APP_EV_LATE, seq, send_ns, now, inst);
		check_counter(p, a, seq, send_ns, now);
		break;
	case APP_SEQ_DUP:
		break;
	case APP_SEQ_UNKNOWN:
	default:
		p->malformed++;
		break;
	}
}

/* Reads every datagram waiting; -errno on a socket error. */
static int receive_all(struct probe *p)
{
	char buf[2048];

	for (;;) {
		ssize_t n = recv(p->sock, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* Stamped one by one as they are read: the RTT includes no batch delay. */
		answer(p, buf, (size_t)n, util_now_ns());
	}
}

static void expire(struct probe *p, uint64_t now)
{
	uint64_t seq, send_ns;

	while (app_seqwin_expire(&p->win, now, p->timeout_ns, &seq, &send_ns))
		event(p, APP_EV_LOSS, seq, send_ns, 0, NULL);
}

static void draw_status(struct probe *p)
{
	char last[32] = "-", p50[32] = "-";

	if (p->rtts.n) {
		app_fmt_ms(last, sizeof(last), p->last_rtt_ns);
		app_fmt_ms(p50, sizeof(p50), app_recent_median(&p->recent));
	}
	fprintf(stderr,
		"\rsent %" PRIu64 "  answered %" PRIu64 "  lost %" PRIu64
		"  rtt %s ms  p50 %s ms  instance %s\033[K",
		p->win.hi, p->win.answered, p->win.lost, last, p50,
		p->inst.have ? p->inst.cur : "-");
}

/* Milliseconds until the oldest pending request is due to be declared lost; -1: none. */
static int loss_wait_ms(struct probe *p, uint64_t now)
{
	uint64_t sent, due;

	if (!app_seqwin_oldest(&p->win, &sent))
		return -1;
	due = sent + p->timeout_ns;
	if (due <= now)
		return 0;
	/* Rounded up: waking a little after the deadline is right, before it is a wasted wake. */
	return (int)((due - now + MS - 1) / MS);
}

/*
 * SIGUSR1 as a descriptor. A runner that measures a window of time (edgemu migrate) says
 * with it where the window ends, and reads the losses once the last request's timeout is
 * over: stopping the probe with SIGTERM instead would leave the requests still pending
 * uncounted.
 */
static int usr1_open(void)
{
	static const int usr1[] = {SIGUSR1};
	sigset_t set;

	if (util_sig_block(usr1, 1, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static int add_fd(int ep, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int loop(struct probe *p)
{
	struct epoll_event evs[4];
	uint64_t t0, k, now;
	int n, i, err;

	t0 = util_now_ns();
	err = app_timer_set(p->send_tfd, t0, p->interval_ns);
	if (!err)
		err = app_timer_set(p->tick_tfd, t0 + TICK_NS, TICK_NS);
	if (err)
		return err;
	p->sending = true;
	while (p->sending || p->win.pending) {
		n = epoll_wait(p->ep, evs, 4, loss_wait_ms(p, util_now_ns()));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* Answers first: they were received before the timers that woke us with them. */
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd != p->sock)
				continue;
			err = receive_all(p);
			if (err)
				return err;
		}
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == p->sfd && app_signalfd_read(fd)) {
				p->interrupted = true;
				return 0;
			}
			if (fd == p->usr1_fd) {
				struct signalfd_siginfo si;

				while (read(fd, &si, sizeof(si)) == sizeof(si))
					;
				p->sending = false;
				app_timer_set(p->send_tfd, 0, 0);
			}
			if (fd == p->tick_tfd) {
				app_timer_read(fd);
				if (p->csv)
					app_lines_flush(p->csv);
				if (p->status)
					draw_status(p);
			}
			if (fd != p->send_tfd)
				continue;
			/* Missed expiries are sent at once: the count stays right. */
			for (k = app_timer_read(fd); k && p->sending; k--) {
				if (p->count && p->win.hi >= p->count)
					break;
				send_one(p);
			}
			if (p->count && p->win.hi >= p->count && p->sending) {
				p->sending = false;
				app_timer_set(p->send_tfd, 0, 0);
			}
		}
		now = util_now_ns();
		expire(p, now);
	}
	return 0;
}

static int finish(struct probe *p, int loop_err)
{
	struct app_probe_summary s = {0};
	char *json = NULL;
	size_t json_len = 0;
	FILE *f;
	int rc = loop_err ? 1 : 0, err;

	if (p->interrupted)
		receive_all(p);
	expire(p, util_now_ns());
	if (p->status)
		fputs("\r\033[K", stderr);
	if (loop_err)
		fprintf(stderr, PROG ": %s\n", strerror(-loop_err));
	if (p->report_dropped)
		fprintf(stderr,
			PROG ": %" PRIu64 " events not reported to %s (its socket was full)\n",
			p->report_dropped, p->report_path);

	s.target = p->target;
	s.address = p->addr;
	s.port = p->port;
	s.client_id = p->client_id;
	s.interval_ns = p->interval_ns;
	s.sent = p->win.hi;
	s.answered = p->win.answered;
	s.lost = p->win.lost;
	s.late = p->win.late;
	s.in_flight = p->win.pending;
	s.malformed = p->malformed;
	s.send_errors = p->send_errors;
	app_samples_summarize(&p->rtts, &s.rtt);
	s.gap = p->gap;
	s.instance_changes = p->inst.changes;
	s.instance = p->inst.have ? p->inst.cur : NULL;
	s.interrupted = p->interrupted;
	s.counter_checked = p->check_counter;
	s.counter_errors = p->counter.errors;

	err = app_lines_close(p->csv);
	p->csv = NULL;
	if (err) {
		fprintf(stderr, PROG ": writing %s: %s\n", p->csv_path, strerror(-err));
		rc = 1;
	}
	if (p->json_path) {
		f = open_memstream(&json, &json_len);
		if (f) {
			app_summary_json(f, &s);
			fclose(f);
		}
		err = json ? app_write_file_atomic(p->json_path, json, json_len) : -ENOMEM;
		if (err) {
			fprintf(stderr, PROG ": writing %s: %s\n", p->json_path, strerror(-err));
			rc = 1;
		}
		free(json);
	}
	if (!p->quiet) {
		app_summary_text(stdout, &s);
		if (fflush(stdout) == EOF)
			rc = 1;
	}
	return rc;
}

static int parse_args(struct probe *p, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"port", required_argument, NULL, 'p'},
	    {"interval", required_argument, NULL, 'i'},
	    {"count", required_argument, NULL, 'c'},
	    {"duration", required_argument, NULL, 'd'},
	    {"timeout", required_argument, NULL, 't'},
	    {"csv", required_argument, NULL, 'C'},
	    {"json", required_argument, NULL, 'J'},
	    {"client-id", required_argument, NULL, 'I'},
	    {"check-counter", no_argument, NULL, 'K'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"echo", no_argument, NULL, 'E'},
	    {"report", required_argument, NULL, 'R'},
	    {"tag", required_argument, NULL, 'T'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	uint64_t v, duration = 0;
	bool have_count = false, have_duration = false;
	int c;

	while ((c = util_opt_next(argc, argv, ":p:i:c:d:t:qh", opts, PROG, usage)) >= 0) {
		switch (c) {
		case 'p':
			if (util_parse_u64(optarg, 1, 65535, &v) < 0)
				return usage_error("--port '%s': expected 1 to 65535", optarg);
			p->port = (uint16_t)v;
			break;
		case 'i':
			if (util_parse_duration(optarg, &v) < 0 || v < MS || v > 3600000 * MS)
				return usage_error("--interval '%s': expected 1ms to 1h, with a "
						   "unit (10ms, 1.5s)",
						   optarg);
			p->interval_ns = v;
			break;
		case 'c':
			if (util_parse_u64(optarg, 1, UINT32_MAX * 16ULL, &p->count) < 0)
				return usage_error("--count '%s': expected a positive number",
						   optarg);
			have_count = true;
			break;
		case 'd':
			if (util_parse_duration(optarg, &duration) < 0 || !duration)
				return usage_error("--duration '%s': expected a time with a unit "
						   "(10s, 500ms)",
						   optarg);
			have_duration = true;
			break;
		case 't':
			if (util_parse_duration(optarg, &v) < 0 || v < MS || v > 3600000 * MS)
				return usage_error("--timeout '%s': expected 1ms to 1h, with a "
						   "unit (1s, 200ms)",
						   optarg);
			p->timeout_ns = v;
			break;
		case 'C':
			p->csv_path = optarg;
			break;
		case 'J':
			p->json_path = optarg;
			break;
		case 'I':
			if (util_parse_u64(optarg, 0, UINT32_MAX, &v) < 0)
				return usage_error("--client-id '%s': expected 0 to 4294967295",
						   optarg);
			p->client_id = (uint32_t)v;
			break;
		case 'K':
			p->check_counter = true;
			break;
		case 'E':
			p->echo = true;
			break;
		case 'R':
			if (strlen(optarg) >= sizeof(((struct sockaddr_un *)0)->sun_path))
				return usage_error("--report '%s': a socket path is at most 107 "
						   "bytes",
						   optarg);
			p->report_path = optarg;
			break;
		case 'T':
			if (!*optarg || strlen(optarg) >= sizeof(p->tag) || strchr(optarg, ','))
				return usage_error("--tag '%s': 1 to 63 characters, no comma",
						   optarg);
			snprintf(p->tag, sizeof(p->tag), "%s", optarg);
			break;
		case 'q':
			p->quiet = true;
			break;
		}
	}
	if (c == UTIL_OPT_HELP)
		exit(0);
	if (c == UTIL_OPT_BAD)
		return 2;
	if (optind >= argc)
		return usage_error("TARGET is missing");
	if (optind + 1 < argc)
		return usage_error("unexpected argument '%s'", argv[optind + 1]);
	p->target = argv[optind];
	if (!*p->target)
		return usage_error("TARGET is empty");
	if (have_count && have_duration)
		return usage_error("--count and --duration exclude each other");
	/* An echo server's answer carries the request only: no counter to check. */
	if (p->check_counter && p->echo)
		return usage_error("--check-counter and --echo exclude each other");
	if (have_duration) {
		/* Requests at t0, t0 + interval, ... strictly before t0 + duration. */
		p->count = (duration + p->interval_ns - 1) / p->interval_ns;
	}
	return 0;
}

static int resolve(struct probe *p)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res;
	char serv[8];
	int rc;

	snprintf(serv, sizeof(serv), "%u", p->port);
	rc = getaddrinfo(p->target, serv, &hints, &res);
	if (rc) {
		fprintf(stderr, PROG ": cannot resolve '%s': %s\n", p->target,
			rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	memcpy(&p->dst, res->ai_addr, res->ai_addrlen);
	p->dst_len = res->ai_addrlen;
	freeaddrinfo(res);
	app_addr_str((struct sockaddr *)&p->dst, p->addr, sizeof(p->addr));
	return 0;
}

static int open_all(struct probe *p)
{
	size_t window;
	int err;

	p->sock = socket(p->dst.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->sock < 0) {
		fprintf(stderr, PROG ": socket: %s\n", strerror(errno));
		return -1;
	}
	setsockopt(p->sock, SOL_SOCKET, SO_RCVBUF, &(int){1 << 20}, sizeof(int));
	p->sfd = app_signalfd_open();
	p->usr1_fd = usr1_open();
	p->send_tfd = app_timer_open();
	p->tick_tfd = app_timer_open();
	p->ep = epoll_create1(EPOLL_CLOEXEC);
	if (p->sfd < 0 || p->usr1_fd < 0 || p->send_tfd < 0 || p->tick_tfd < 0 || p->ep < 0) {
		fprintf(stderr, PROG ": setting up signals and timers: %s\n", strerror(errno));
		return -1;
	}
	if ((err = add_fd(p->ep, p->sock)) || (err = add_fd(p->ep, p->sfd)) ||
	    (err = add_fd(p->ep, p->usr1_fd)) || (err = add_fd(p->ep, p->send_tfd)) ||
	    (err = add_fd(p->ep, p->tick_tfd))) {
		fprintf(stderr, PROG ": epoll: %s\n", strerror(-err));
		return -1;
	}
	/*
	 * Every request that can still be pending, twice over, so an answer that comes after
	 * its request was declared lost is still recognized as late.
	 */
	window = (size_t)(p->timeout_ns / p->interval_ns + 64) * 2;
	if (window < 1024)
		window = 1024;
	if (window > (1u << 22))
		window = 1u << 22;
	if (app_seqwin_init(&p->win, window) < 0) {
		fprintf(stderr, PROG ": out of memory\n");
		return -1;
	}
	if (p->report_path) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", p->report_path);
		p->report = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (p->report < 0 || connect(p->report, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			fprintf(stderr, PROG ": --report %s: %s\n", p->report_path,
				strerror(errno));
			return -1;
		}
		if (!p->tag[0])
			snprintf(p->tag, sizeof(p->tag), "%" PRIu32, p->client_id);
	}
	if (p->csv_path) {
		err = app_lines_open(p->csv_path, &p->csv);
		if (err) {
			fprintf(stderr, PROG ": cannot open %s: %s\n", p->csv_path, strerror(-err));
			return -1;
		}
		app_lines_add(p->csv, APP_CSV_HEADER, strlen(APP_CSV_HEADER));
	}
	return 0;
}

static void close_all(struct probe *p)
{
	app_lines_close(p->csv);
	app_seqwin_free(&p->win);
	app_samples_free(&p->rtts);
	if (p->ep >= 0)
		close(p->ep);
	if (p->tick_tfd >= 0)
		close(p->tick_tfd);
	if (p->send_tfd >= 0)
		close(p->send_tfd);
	if (p->sfd >= 0)
		close(p->sfd);
	if (p->usr1_fd >= 0)
		close(p->usr1_fd);
	if (p->sock >= 0)
		close(p->sock);
	if (p->report >= 0)
		close(p->report);
}

int main(int argc, char **argv)
{
	struct probe *p = calloc(1, sizeof(*p));
	int rc;

	if (!p) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	p->port = APP_PROTO_PORT;
	p->interval_ns = 10 * MS;
	p->timeout_ns = 1000 * MS;
	p->client_id = (uint32_t)getpid();
	p->sock = p->send_tfd = p->tick_tfd = p->sfd = p->usr1_fd = p->ep = p->report = -1;
	rc = parse_args(p, argc, argv);
	if (rc)
		goto out;
	/* Whole lines only, even into a pipe or a log file. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	p->status = !p->quiet && isatty(STDERR_FILENO);
	rc = 1;
	if (resolve(p) < 0 || open_all(p) < 0)
		goto out;
	rc = finish(p, loop(p));
out:
	close_all(p);
	free(p);
	return rc;
}
