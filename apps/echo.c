/* SPDX-License-Identifier: MIT */
/*
 * edgemu-echo: the UDP echo service. Every valid request is answered with the request, this
 * instance's id and a zero counter (apps/proto.h), from the address the request was sent to,
 * so a client keeps seeing the address it talks to even on a node with several.
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

#include "apps/answer.h"
#include "apps/proto.h"
#include "apps/stats.h"
#include "apps/util.h"

#define PROG "edgemu-echo"

static const char usage[] =
    "usage: " PROG " --id NAME [--port P] [--bind ADDR] [--ready-fd FD] [--quiet]\n"
    "\n"
    "UDP echo service for edgemu probes: answers every valid request with the request, the\n"
    "instance id NAME and a zero counter; malformed datagrams are counted and ignored.\n"
    "On SIGTERM or SIGINT it prints one summary line on stderr and exits 0.\n"
    "\n"
    "  --id NAME      instance id put in every answer: 1-15 of A-Z a-z 0-9 . _ : -\n"
    "  --port P       UDP port (default 7007)\n"
    "  --bind ADDR    listen on ADDR only (default: every address, IPv4 and IPv6)\n"
    "  --ready-fd FD  write \"ready\\n\" to FD and close it once the socket is bound\n"
    "  --quiet        no start line on stderr\n"
    "  --help         this text\n";

struct echo {
	int sock;
	int family;
	char id[APP_INSTANCE_LEN];
	uint64_t answered;
	uint64_t malformed;
	uint64_t send_failed;
	struct app_answers b;
};

#define usage_error(...) util_usage_error(PROG, usage, __VA_ARGS__)

/* UDP may drop an answer, so do we, rather than stall everyone. */
static void unsent(void *arg, unsigned int i, unsigned int n)
{
	struct echo *e = arg;

	e->send_failed++;
}

/* One batch: 0 when the socket is drained, 1 when there may be more, -errno on failure. */
static int serve_batch(struct echo *e)
{
	const struct app_answer_ops ops = {.unsent = unsent, .arg = e};

	return app_answers_serve(&e->b, e->sock, e->id, &ops, &e->malformed, &e->answered);
}

static int run(struct echo *e, int sfd)
{
	struct epoll_event ev, evs[2];
	int ep, rc = 0, i, n, batches;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -errno;
	ev = (struct epoll_event){.events = EPOLLIN, .data.fd = e->sock};
	if (epoll_ctl(ep, EPOLL_CTL_ADD, e->sock, &ev) < 0)
		goto err;
	ev = (struct epoll_event){.events = EPOLLIN, .data.fd = sfd};
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) < 0)
		goto err;
	for (;;) {
		n = epoll_wait(ep, evs, 2, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto err;
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd == sfd) {
				if (app_signalfd_read(sfd))
					goto out;
				continue;
			}
			/* A bounded number of batches per wake: a flood cannot hide a SIGTERM. */
			for (batches = 0; batches < 16; batches++) {
				rc = serve_batch(e);
				if (rc < 0)
					goto out;
				if (!rc)
					break;
			}
			rc = 0;
		}
	}
err:
	rc = -errno;
out:
	close(ep);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"id", required_argument, NULL, 'i'},
	    {"port", required_argument, NULL, 'p'},
	    {"bind", required_argument, NULL, 'b'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"ready-fd", required_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *id = NULL, *bind_addr = NULL;
	uint64_t port = APP_PROTO_PORT, ready_fd = UINT64_MAX;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	char addr[64];
	struct echo *e;
	bool quiet = false;
	int c, sfd, gai, rc;

	while ((c = util_opt_next(argc, argv, ":i:p:b:qr:h", opts, PROG, usage)) >= 0) {
		switch (c) {
		case 'i':
			id = optarg;
			break;
		case 'p':
			if (util_parse_u64(optarg, 1, 65535, &port) < 0)
				return usage_error("--port '%s': expected 1 to 65535", optarg);
			break;
		case 'b':
			bind_addr = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'r':
			if (util_parse_u64(optarg, 0, INT32_MAX, &ready_fd) < 0)
				return usage_error("--ready-fd '%s': expected a file descriptor",
						   optarg);
			break;
		}
	}
	if (c == UTIL_OPT_HELP)
		return 0;
	if (c == UTIL_OPT_BAD)
		return 2;
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!id)
		return usage_error("--id NAME is required");
	if (!app_instance_valid(id))
		return usage_error("--id '%s': 1 to 15 of A-Z a-z 0-9 . _ : -", id);

	e = calloc(1, sizeof(*e));
	if (!e) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	strncpy(e->id, id, sizeof(e->id) - 1);
	rc = 1;
	sfd = app_signalfd_open();
	if (sfd < 0) {
		fprintf(stderr, PROG ": signalfd: %s\n", strerror(-sfd));
		goto out_free;
	}
	e->sock = app_bind_socket(bind_addr, (uint16_t)port, SOCK_DGRAM, &gai);
	if (e->sock < 0) {
		if (gai)
			fprintf(stderr, PROG ": cannot resolve '%s': %s\n", bind_addr,
				gai_strerror(gai));
		else
			fprintf(stderr, PROG ": binding UDP port %" PRIu64 "%s%s: %s\n", port,
				bind_addr ? " on " : "", bind_addr ? bind_addr : "",
				strerror(-e->sock));
		goto out_sfd;
	}
	if (getsockname(e->sock, (struct sockaddr *)&ss, &sslen) < 0 ||
	    app_enable_pktinfo(e->sock, ss.ss_family) < 0) {
		fprintf(stderr, PROG ": setting up the socket: %s\n", strerror(errno));
		goto out_sock;
	}
	e->family = ss.ss_family;
	/* Bursts from many clients at 1 ms: a deep queue, as large as the node allows. */
	setsockopt(e->sock, SOL_SOCKET, SO_RCVBUF, &(int){4 << 20}, sizeof(int));
	app_addr_str((struct sockaddr *)&ss, addr, sizeof(addr));
	if (!quiet)
		fprintf(stderr, PROG ": instance %s listening on %s port %" PRIu64 "\n", e->id,
			addr, port);
	if (ready_fd != UINT64_MAX) {
		if (write((int)ready_fd, "ready\n", 6) != 6)
			fprintf(stderr, PROG ": --ready-fd %" PRIu64 ": %s\n", ready_fd,
				strerror(errno));
		close((int)ready_fd);
	}

	rc = run(e, sfd);
	fprintf(stderr,
		PROG ": instance %s: %" PRIu64 " requests answered, %" PRIu64 " malformed, %" PRIu64
		     " answers not sent\n",
		e->id, e->answered, e->malformed, e->send_failed);
	if (rc < 0)
		fprintf(stderr, PROG ": receiving: %s\n", strerror(-rc));
	rc = rc < 0 ? 1 : 0;
out_sock:
	close(e->sock);
out_sfd:
	close(sfd);
out_free:
	free(e);
	return rc;
}
