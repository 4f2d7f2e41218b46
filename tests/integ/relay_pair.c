/* SPDX-License-Identifier: MIT */
/*
 * Two hosts joined through the relay, for tests/integ/test_relay.sh (root only).
 *
 *   relay_pair up PREFIX CTL_PATH X
 *	namespaces PREFIX-a, PREFIX-b, PREFIX-r; a:eth0 (10.250.X.1/24) <-> r:ra and
 *	b:eth0 (10.250.X.2/24) <-> r:rb; offloads off on all four; the relay serves link 0
 *	(ra, rb) in PREFIX-r with control socket CTL_PATH. Prints "ready RELAY_PID" once it
 *	forwards, then waits for SIGTERM or SIGINT: stops the relay, deletes everything it
 *	made, exits 0 if the relay stopped cleanly (it deletes what it made on failure too).
 *   relay_pair set CTL LINK DIR [delay=MS] [jitter=MS] [dist=normal|uniform|pareto]
 *	[loss=PERCENT] [ge=P,R,H,K] [rate=MBIT] [limit=N] [trace=FILE]
 *   relay_pair get CTL LINK DIR		one line of key=value
 *   relay_pair tcp-recv PORT SECONDS	goodput in Mbit/s over SECONDS after a 1 s warm-up
 *   relay_pair tcp-send ADDR PORT SECONDS
 *   relay_pair vlan NS_A NS_B
 *	a VLAN-tagged frame sent raw from NS_A's eth0 must reach NS_B's eth0 with its tag
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "emu/emu.h"
#include "emu/relay.h"
#include "util/clock.h"
#include "util/sig.h"

#define STOP_TIMEOUT_MS 5000

static int fail(const char *what, int r)
{
	fprintf(stderr, "relay_pair: %s: %s\n", what, strerror(r < 0 ? -r : r));
	return 1;
}

/* Report and pass the error on. */
static int err(const char *what, int r)
{
	fail(what, r);
	return r;
}

static double mono_s(void)
{
	return (double)util_now_ns() / 1e9;
}

/* --- up --- */

struct pair {
	char ns[3][64]; /* a, b, relay */
	int ns_fd[3];
	bool made[3];
	char ctl_path[108];
	int ctl;
	int ra, rb; /* ifindex in the relay namespace */
};

static int relay_ns_init(void *arg)
{
	/* ra and rb carry a's and b's frames: no IPv6 of the relay's own on them. */
	(void)arg;
	return emu_sysctl_write("net/ipv6/conf/default/disable_ipv6", "1");
}

/* In namespace ns_fd: lo and the interfaces up, an address on the first, offloads off. */
static int config_ns(int ns_fd, const char *const *ifs, int nifs, uint32_t addr_be, int *ret_idx)
{
	struct emu_ns_token tok;
	struct emu_nl *nl = NULL;
	int r = emu_netns_enter(ns_fd, &tok);

	if (r < 0)
		return r;
	r = emu_nl_open(&nl);
	if (r < 0)
		goto out;
	r = emu_nl_queue(nl, emu_msg_link_set_up(emu_nl_slot(nl), 1, true), 0);
	for (int i = 0; i < nifs && r == 0; i++) {
		int idx = (int)if_nametoindex(ifs[i]);

		if (!idx) {
			r = -errno;
			break;
		}
		ret_idx[i] = idx;
		r = emu_link_offloads_off(ifs[i]);
		if (r == 0)
			r = emu_nl_queue(nl, emu_msg_link_set_up(emu_nl_slot(nl), idx, true), 1);
		if (r == 0 && i == 0 && addr_be)
			r = emu_nl_queue(nl, emu_msg_addr_add(emu_nl_slot(nl), idx, addr_be, 24),
					 2);
	}
	if (r == 0)
		r = emu_nl_flush(nl);
out:
	emu_nl_close(nl);
	emu_netns_leave(&tok);
	return r;
}

static void pair_destroy(struct pair *p)
{
	if (p->ctl >= 0) {
		close(p->ctl);
		unlink(p->ctl_path);
	}
	for (int i = 0; i < 3; i++) {
		if (p->ns_fd[i] >= 0)
			close(p->ns_fd[i]);
		if (p->made[i])
			emu_netns_delete(p->ns[i]);
	}
}

static int pair_create(struct pair *p, const char *prefix, const char *ctl_path, int x)
{
	static const char *const suffix[3] = {"a", "b", "r"};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *a_ifs[] = {"eth0"}, *r_ifs[] = {"ra", "rb"};
	struct emu_nl *nl = NULL;
	int idx[2], r;

	for (int i = 0; i < 3; i++) {
		snprintf(p->ns[i], sizeof(p->ns[i]), "%s-%s", prefix, suffix[i]);
		r = emu_netns_create(p->ns[i], i == 2 ? relay_ns_init : NULL, NULL, &p->ns_fd[i]);
		if (r < 0)
			return err("creating a namespace", r);
		p->made[i] = true;
	}
	r = emu_nl_open(&nl);
	if (r < 0)
		return err("netlink", r);
	r = emu_nl_queue(
	    nl, emu_msg_veth_add(emu_nl_slot(nl), "eth0", p->ns_fd[0], 0, "ra", p->ns_fd[2], 0), 0);
	if (r == 0)
		r = emu_nl_queue(
		    nl,
		    emu_msg_veth_add(emu_nl_slot(nl), "eth0", p->ns_fd[1], 0, "rb", p->ns_fd[2], 0),
		    1);
	if (r == 0)
		r = emu_nl_flush(nl);
	emu_nl_close(nl);
	if (r < 0)
		return err("creating the veth pairs", r);
	r = config_ns(p->ns_fd[0], a_ifs, 1, htonl(0x0afa0001u | (uint32_t)x << 8), idx);
	if (r == 0)
		r = config_ns(p->ns_fd[1], a_ifs, 1, htonl(0x0afa0002u | (uint32_t)x << 8), idx);
	if (r < 0)
		return err("configuring a and b", r);
	r = config_ns(p->ns_fd[2], r_ifs, 2, 0, idx);
	if (r < 0)
		return err("configuring the relay's interfaces", r);
	p->ra = idx[0];
	p->rb = idx[1];

	if (strlen(ctl_path) >= sizeof(sa.sun_path))
		return err("control socket path", -ENAMETOOLONG);
	strcpy(sa.sun_path, ctl_path);
	unlink(ctl_path);
	p->ctl = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (p->ctl < 0 || bind(p->ctl, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(p->ctl, 8) < 0) {
		r = -errno;
		return err("control socket", r);
	}
	strcpy(p->ctl_path, ctl_path);
	return 0;
}

static pid_t relay_start(struct pair *p, int *ret_ready)
{
	struct emu_relay_link link = {.index = {p->ra, p->rb}};
	int pfd[2];
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int r = -errno;

		close(pfd[0]);
		close(pfd[1]);
		return r;
	}
	if (pid == 0) {
		struct emu_ns_token tok;
		int r;

		close(pfd[0]);
		/* The relay must not outlive a relay_pair killed without a chance to stop it. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		r = emu_netns_enter(p->ns_fd[2], &tok);
		if (r == 0)
			r = emu_relay_serve_seeded(&link, 1, p->ctl, pfd[1], 1);
		if (r < 0)
			fail("relay", r);
		/* exit, not _exit: under ASan the leak check runs at exit */
		exit(r < 0 ? 1 : 0);
	}
	close(pfd[1]);
	*ret_ready = pfd[0];
	return pid;
}

/* Wait up to timeout_ms for pid; its wait status, or -1 if it is still running. */
static int reap(pid_t pid, int timeout_ms)
{
	for (int waited = 0;; waited += 10) {
		int st;
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid)
			return st;
		if (w < 0 || waited >= timeout_ms)
			return -1;
		usleep(10000);
	}
}

static int cmd_up(int argc, char **argv)
{
	struct pair p = {.ns_fd = {-1, -1, -1}, .ctl = -1};
	struct pollfd pf;
	static const int stop[] = {SIGTERM, SIGINT, SIGCHLD};
	sigset_t sigs;
	pid_t pid = -1;
	int ready = -1, rc = 1, st, r;
	char c;

	if (argc != 5)
		return fail("usage: up PREFIX CTL_PATH X", EINVAL);
	/* Signals wait until we look at them: a stop during setup still cleans up. */
	util_sig_block(stop, 3, &sigs, NULL);

	if (pair_create(&p, argv[2], argv[3], atoi(argv[4]) & 0xff) < 0)
		goto out;
	pid = relay_start(&p, &ready);
	if (pid < 0) {
		fail("starting the relay", pid);
		goto out;
	}
	pf = (struct pollfd){.fd = ready, .events = POLLIN};
	if (poll(&pf, 1, 10000) != 1 || read(ready, &c, 1) != 1) {
		fprintf(stderr, "relay_pair: the relay did not start\n");
		goto out;
	}
	printf("ready %d\n", (int)pid);
	fflush(stdout);
	for (;;) {
		siginfo_t si;

		r = sigwaitinfo(&sigs, &si);
		if (r == SIGCHLD) {
			fprintf(stderr, "relay_pair: the relay exited on its own\n");
			goto out;
		}
		if (r == SIGTERM || r == SIGINT)
			break;
	}
	kill(pid, SIGTERM);
	st = reap(pid, STOP_TIMEOUT_MS);
	pid = -1;
	if (st == -1)
		fprintf(stderr, "relay_pair: the relay did not stop on SIGTERM\n");
	else if (!WIFEXITED(st) || WEXITSTATUS(st))
		fprintf(stderr, "relay_pair: the relay ended with status %#x\n", st);
	else
		rc = 0;
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		reap(pid, STOP_TIMEOUT_MS);
	}
	if (ready >= 0)
		close(ready);
	pair_destroy(&p);
	return rc;
}

/* --- set, get --- */

static int cmd_set(int argc, char **argv)
{
	struct emu_shape s = {0};
	int r;

	if (argc < 5)
		return fail("usage: set CTL LINK DIR [key=value...]", EINVAL);
	for (int i = 5; i < argc; i++) {
		char *v = strchr(argv[i], '=');

		if (!v)
			return fail(argv[i], EINVAL);
		*v++ = '\0';
		if (!strcmp(argv[i], "delay")) {
			s.delay_ns = (uint64_t)(atof(v) * 1e6);
		} else if (!strcmp(argv[i], "jitter")) {
			s.jitter_ns = (uint64_t)(atof(v) * 1e6);
			if (s.dist == EMU_DIST_NONE)
				s.dist = EMU_DIST_NORMAL;
		} else if (!strcmp(argv[i], "dist")) {
			s.dist = !strcmp(v, "uniform")	? EMU_DIST_UNIFORM
				 : !strcmp(v, "pareto") ? EMU_DIST_PARETO
							: EMU_DIST_NORMAL;
		} else if (!strcmp(argv[i], "loss")) {
			s.loss.model = EMU_LOSS_RANDOM;
			s.loss.p = atof(v) / 100;
		} else if (!strcmp(argv[i], "ge")) {
			s.loss.model = EMU_LOSS_GILBERT;
			if (sscanf(v, "%lf,%lf,%lf,%lf", &s.loss.p, &s.loss.r, &s.loss.h,
				   &s.loss.k) != 4)
				return fail("ge=P,R,H,K", EINVAL);
		} else if (!strcmp(argv[i], "rate")) {
			s.rate_bps = (uint64_t)(atof(v) * 1e6);
		} else if (!strcmp(argv[i], "limit")) {
			s.limit = (uint32_t)atoi(v);
		} else if (!strcmp(argv[i], "trace")) {
			s.trace = v;
		} else {
			return fail(argv[i], EINVAL);
		}
	}
	r = emu_relay_set(argv[2], (unsigned)atoi(argv[3]), (unsigned)atoi(argv[4]), &s);
	return r < 0 ? fail("set", r) : 0;
}

static int cmd_get(int argc, char **argv)
{
	struct emu_rq_stats st;
	struct emu_shape s;
	char trace[256];
	unsigned link, dir;
	int r;

	if (argc != 5)
		return fail("usage: get CTL LINK DIR", EINVAL);
	link = (unsigned)atoi(argv[3]);
	dir = (unsigned)atoi(argv[4]);
	r = emu_relay_get(argv[2], link, dir, &s, &st);
	if (r == 0)
		r = emu_relay_get_trace(argv[2], link, dir, trace, sizeof(trace));
	if (r < 0)
		return fail("get", r);
	printf("delay_ns=%llu jitter_ns=%llu dist=%d rate_bps=%llu limit=%u loss_model=%d "
	       "loss_p=%g in=%llu out=%llu lost=%llu dropped=%llu bytes_out=%llu trace=%s\n",
	       (unsigned long long)s.delay_ns, (unsigned long long)s.jitter_ns, (int)s.dist,
	       (unsigned long long)s.rate_bps, s.limit, (int)s.loss.model, s.loss.p,
	       (unsigned long long)st.in, (unsigned long long)st.out, (unsigned long long)st.lost,
	       (unsigned long long)st.dropped, (unsigned long long)st.bytes_out,
	       trace[0] ? trace : "-");
	return 0;
}

/* --- a bulk TCP transfer --- */

static int cmd_tcp_recv(int argc, char **argv)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	static char buf[256 * 1024];
	double secs, first = 0, start, end;
	unsigned long long bytes = 0;
	int one = 1, lfd, fd;

	if (argc != 4)
		return fail("usage: tcp-recv PORT SECONDS", EINVAL);
	sa.sin_port = htons((uint16_t)atoi(argv[2]));
	secs = atof(argv[3]);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 1) < 0)
		return fail("listen", errno);
	printf("listening\n");
	fflush(stdout);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return fail("accept", errno);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		double now = mono_s();

		if (n <= 0)
			return fail("the sender stopped early", n < 0 ? errno : EPIPE);
		if (!first)
			first = now;
		/* slow start is over after a second at these rates and delays */
		start = first + 1;
		end = start + secs;
		if (now >= start && now < end)
			bytes += (unsigned long long)n;
		if (now >= end)
			break;
	}
	printf("%.2f\n", (double)bytes * 8 / secs / 1e6);
	close(fd);
	close(lfd);
	return 0;
}

static int cmd_tcp_send(int argc, char **argv)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	static char buf[64 * 1024];
	double until, give_up;
	int fd = -1;

	if (argc != 5 || inet_pton(AF_INET, argv[2], &sa.sin_addr) != 1)
		return fail("usage: tcp-send ADDR PORT SECONDS", EINVAL);
	sa.sin_port = htons((uint16_t)atoi(argv[3]));
	signal(SIGPIPE, SIG_IGN);
	memset(buf, 0x5a, sizeof(buf));
	/* the receiver may not listen yet (a loaded machine starts it late) */
	give_up = mono_s() + 60;
	for (;;) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return fail("socket", errno);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		close(fd);
		if (mono_s() > give_up)
			return fail("connect", errno);
		usleep(50000);
	}
	until = mono_s() + atof(argv[4]);
	while (mono_s() < until) {
		if (write(fd, buf, sizeof(buf)) < 0)
			break; /* the receiver has what it measures and closed */
	}
	close(fd);
	return 0;
}

/* --- a VLAN tag across the relay --- */

/* A packet socket on ifname in the named namespace, seeing every protocol. */
static int packet_in(const char *ns, const char *ifname)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	struct emu_ns_token tok;
	int one = 1, ns_fd, fd = -1, r;

	ns_fd = emu_netns_open(ns);
	if (ns_fd < 0)
		return ns_fd;
	r = emu_netns_enter(ns_fd, &tok);
	close(ns_fd);
	if (r < 0)
		return r;
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (!sll.sll_ifindex || fd < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		fd = r;
	}
	emu_netns_leave(&tok);
	return fd;
}

static int cmd_vlan(int argc, char **argv)
{
	static const char payload[] = "edgemu relay vlan test";
	unsigned char frame[64] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* broadcast */
				   0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
				   0x81, 0x00, 0x20, 0x07, /* 802.1Q, priority 1, VLAN 7 */
				   0x88, 0xb5};		   /* local experimental */
	double give_up;
	int a, b, rc = 1;

	if (argc != 4)
		return fail("usage: vlan NS_A NS_B", EINVAL);
	memcpy(frame + 18, payload, sizeof(payload));
	b = packet_in(argv[3], "eth0");
	if (b < 0)
		return fail("packet socket in b", b);
	a = packet_in(argv[2], "eth0");
	if (a < 0) {
		close(b);
		return fail("packet socket in a", a);
	}
	if (send(a, frame, sizeof(frame), 0) != (ssize_t)sizeof(frame)) {
		fail("send", errno);
		goto out;
	}
	give_up = mono_s() + 3;
	while (mono_s() < give_up) {
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		} cm;
		unsigned char got[2048];
		struct iovec iov = {.iov_base = got, .iov_len = sizeof(got)};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = cm.buf,
				    .msg_controllen = sizeof(cm.buf)};
		struct pollfd pf = {.fd = b, .events = POLLIN};
		struct tpacket_auxdata aux;
		struct cmsghdr *c;
		ssize_t n;

		if (poll(&pf, 1, 100) != 1)
			continue;
		n = recvmsg(b, &mh, 0);
		/* the kernel hands the tag apart; the rest follows the addresses */
		if (n < 18 || memcmp(got + 6, frame + 6, 6) || memcmp(got + 12, frame + 16, 2) ||
		    memcmp(got + 14, payload, sizeof(payload)))
			continue;
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA)
				continue;
			memcpy(&aux, CMSG_DATA(c), sizeof(aux));
			if ((aux.tp_status & TP_STATUS_VLAN_VALID) && aux.tp_vlan_tci == 0x2007) {
				rc = 0;
				goto out;
			}
		}
		fprintf(stderr, "relay_pair: the frame arrived without its VLAN tag\n");
		goto out;
	}
	fprintf(stderr, "relay_pair: the VLAN frame did not arrive\n");
out:
	close(a);
	close(b);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "up"))
		return cmd_up(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "set"))
		return cmd_set(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "get"))
		return cmd_get(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "tcp-recv"))
		return cmd_tcp_recv(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "tcp-send"))
		return cmd_tcp_send(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "vlan"))
		return cmd_vlan(argc, argv);
	fprintf(stderr, "usage: relay_pair up|set|get|tcp-recv|tcp-send|vlan ...\n");
	return 2;
}
