/* SPDX-License-Identifier: MIT */
/*
 * bench/shape: what shaping costs and how exact it is. Prints tables; asserts nothing.
 * Needs root. On a kernel without sch_netem the netem rows say so (run this binary in the
 * stock-kernel VM for them: tests/vm/vm.sh -- build/bench/shape).
 *
 *   1. netem update latency: one change as one netlink request (with its ACK) vs one `tc`
 *      process per change, side by side.
 *   2. relay overhead: UDP round trip at 0 ms configured through the relay vs a plain veth
 *      (p50/p99), and forwarding throughput (Mbit/s and packets/s at 1500 and 64 bytes).
 *   3. delay accuracy: configured one-way delay vs measured round trip p50/p99, per backend.
 *
 *   sudo build/bench/shape [--quick]
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "emu/emu.h"
#include "emu/shape.h"
#include "topo/net.h"
#include "util/clock.h"

#define PORT 9
static bool quick;

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(uint64_t *v, size_t n, double p)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return n ? (double)v[(size_t)(p * (double)(n - 1))] : 0;
}

/* --- a two-node run built from a scenario text --- */

static struct topo_net *two_nodes(const char *name, const char *shaper, const char *link)
{
	char path[] = "/tmp/edgemu-bench-XXXXXX.yaml";
	struct topo_model *m;
	struct topo_net *net;
	struct topo_err err;
	int fd = mkstemps(path, 5);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!f) {
		perror("shape: scenario file");
		exit(1);
	}
	fprintf(f,
		"name: %s\nshaper: %s\nnodes:\n  a: { kind: host }\n  b: { kind: host }\n"
		"links:\n  - { endpoints: [a, b]%s%s }\n",
		name, shaper, link[0] ? ", " : "", link);
	fclose(f);
	if (topo_parse_file(path, &m, &err) < 0 || topo_net_prepare(m, name, &net, &err) < 0) {
		fprintf(stderr, "shape: %s\n", err.msg);
		unlink(path);
		exit(1);
	}
	unlink(path);
	if (topo_net_build(net, NULL, &err) < 0) {
		fprintf(stderr, "shape: %s\n", err.msg);
		topo_net_teardown(name, net, &err);
		topo_net_free(net);
		return NULL;
	}
	return net;
}

static void drop(struct topo_net *net)
{
	struct topo_err err;
	char name[sizeof(net->name)];

	snprintf(name, sizeof(name), "%s", net->name);
	if (topo_net_teardown(name, net, &err) < 0)
		fprintf(stderr, "shape: teardown: %s\n", err.msg);
	topo_net_free(net);
}

/* --- UDP in the nodes: an echo (or sink) in b, a client in a --- */

struct server {
	int ns_fd;
	int fd;
	bool echo;
	volatile bool stop;
	uint64_t got, bytes;
	pthread_t tid;
};

static void *serve(void *arg)
{
	struct server *s = arg;
	char buf[2048];
	struct sockaddr_in from;
	socklen_t fl;

	while (!s->stop) {
		ssize_t n;

		fl = sizeof(from);
		n = recvfrom(s->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			continue;
		s->got++;
		s->bytes += (uint64_t)n;
		if (s->echo)
			sendto(s->fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
	}
	return NULL;
}

static int udp_in(int ns_fd)
{
	struct emu_ns_token tok;
	int fd, r = emu_netns_enter(ns_fd, &tok);

	if (r < 0)
		return r;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	emu_netns_leave(&tok);
	return fd < 0 ? -errno : fd;
}

static int server_start(struct server *s, struct topo_net *net, bool echo)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(PORT)};
	struct timeval tv = {0, 100000};
	int big = 8 << 20;

	memset(s, 0, sizeof(*s));
	s->echo = echo;
	s->fd = udp_in(net->nodes[1].ns_fd);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	return pthread_create(&s->tid, NULL, serve, s) ? -1 : 0;
}

static void server_stop(struct server *s)
{
	s->stop = true;
	pthread_join(s->tid, NULL);
	close(s->fd);
}

static int client(struct topo_net *net)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(PORT)};
	struct timeval tv = {1, 0};
	int fd = udp_in(net->nodes[0].ns_fd);

	if (fd < 0)
		return fd;
	to.sin_addr.s_addr = htonl(topo_node_addr(net->m, 1));
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
		close(fd);
		return -errno;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* n sequential round trips of 64-byte requests; RTTs (ns) into v; how many came back. */
static size_t rtts(struct topo_net *net, uint64_t *v, size_t n)
{
	struct server s;
	char buf[64] = {0};
	size_t k = 0;
	int fd;

	if (server_start(&s, net, true) < 0)
		return 0;
	fd = client(net);
	for (size_t i = 0; fd >= 0 && i < n + 50; i++) {
		uint64_t t0 = util_now_ns();

		if (send(fd, buf, sizeof(buf), 0) < 0 || recv(fd, buf, sizeof(buf), 0) < 0)
			continue;
		if (i >= 50) /* warm-up: ARP, caches */
			v[k++] = util_now_ns() - t0;
	}
	if (fd >= 0)
		close(fd);
	server_stop(&s);
	return k;
}

/* Blast size-byte datagrams for secs; what arrived, as packets and bits per second. */
static void blast(struct topo_net *net, size_t size, double secs, double *pps, double *bps)
{
	struct server s;
	char buf[1500] = {0};
	uint64_t end;
	int fd;

	*pps = *bps = 0;
	if (server_start(&s, net, false) < 0)
		return;
	fd = client(net);
	end = util_now_ns() + (uint64_t)(secs * 1e9);
	while (fd >= 0 && util_now_ns() < end)
		send(fd, buf, size, MSG_DONTWAIT);
	usleep(200000); /* let the queues drain */
	*pps = (double)s.got / secs;
	*bps = (double)s.bytes * 8 / secs;
	if (fd >= 0)
		close(fd);
	server_stop(&s);
}

/* TCP: b accepts and reads, a writes for secs; goodput in bits per second. */
struct tcp_sink {
	int fd;
	uint64_t bytes;
	pthread_t tid;
};

static void *tcp_read(void *arg)
{
	struct tcp_sink *t = arg;
	char buf[65536];
	int c = accept(t->fd, NULL, NULL);
	ssize_t n;

	while (c >= 0 && (n = read(c, buf, sizeof(buf))) > 0)
		t->bytes += (uint64_t)n;
	if (c >= 0)
		close(c);
	return NULL;
}

static double tcp_goodput(struct topo_net *net, double secs)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(5001)};
	struct emu_ns_token tok;
	struct tcp_sink t = {.fd = -1};
	static char buf[65536];
	uint64_t t0, end;
	int c = -1, one = 1;

	if (emu_netns_enter(net->nodes[1].ns_fd, &tok) == 0) {
		t.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		emu_netns_leave(&tok);
	}
	if (emu_netns_enter(net->nodes[0].ns_fd, &tok) == 0) {
		c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		emu_netns_leave(&tok);
	}
	setsockopt(t.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (t.fd < 0 || c < 0 || bind(t.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(t.fd, 1) < 0 || pthread_create(&t.tid, NULL, tcp_read, &t)) {
		if (t.fd >= 0)
			close(t.fd);
		if (c >= 0)
			close(c);
		return 0;
	}
	sa.sin_addr.s_addr = htonl(topo_node_addr(net->m, 1));
	if (connect(c, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		t0 = util_now_ns();
		end = t0 + (uint64_t)(secs * 1e9);
		while (util_now_ns() < end)
			if (write(c, buf, sizeof(buf)) < 0)
				break;
	}
	close(c);
	pthread_join(t.tid, NULL);
	close(t.fd);
	return (double)t.bytes * 8 / secs;
}

/* --- 1. netem update latency --- */

static int tc_change(const char *ns, unsigned ms)
{
	char delay[32];
	pid_t pid;
	int st;

	snprintf(delay, sizeof(delay), "%ums", ms);
	pid = fork();
	if (pid == 0) {
		execlp("ip", "ip", "netns", "exec", ns, "tc", "qdisc", "replace", "dev", "eth0",
		       "root", "netem", "delay", delay, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static void bench_updates(void)
{
	struct topo_net *net;
	struct emu_shape s = {.delay_ns = 1000000};
	struct emu_nl *nl;
	size_t n = quick ? 200 : 2000, ntc = quick ? 20 : 200;
	uint64_t *v = calloc(n, sizeof(*v)), *w = calloc(ntc, sizeof(*w));
	int r;

	printf("1. netem update latency (one delay change, ACK included)\n");
	if (emu_netem_probe() < 0) {
		printf(
		    "   netem: not in this kernel; run this benchmark in the stock-kernel VM\n\n");
		free(v);
		free(w);
		return;
	}
	net = two_nodes("bshape", "netem", "delay: 1ms");
	if (!net)
		exit(1);
	nl = net->nodes[0].nl;
	for (size_t i = 0; i < n; i++) {
		uint64_t t0 = util_now_ns();

		s.delay_ns = 1000000 + (i % 50) * 100000;
		r = emu_netem_set(nl, net->ifindex[0], &s, &s);
		if (r == 0)
			r = emu_nl_flush(nl);
		v[i] = util_now_ns() - t0;
		if (r < 0) {
			fprintf(stderr, "shape: netem update: %s\n", strerror(-r));
			break;
		}
	}
	for (size_t i = 0; i < ntc; i++) {
		uint64_t t0 = util_now_ns();

		tc_change(net->nodes[0].ns, 1 + (unsigned)(i % 50));
		w[i] = util_now_ns() - t0;
	}
	printf("   %-22s %10s %10s\n", "method", "p50 us", "p99 us");
	printf("   %-22s %10.1f %10.1f   (%zu changes)\n", "netlink (edgemu)", pct(v, n, 0.5) / 1e3,
	       pct(v, n, 0.99) / 1e3, n);
	printf("   %-22s %10.1f %10.1f   (%zu changes)\n", "tc process per change",
	       pct(w, ntc, 0.5) / 1e3, pct(w, ntc, 0.99) / 1e3, ntc);
	printf("   netlink is %.0fx faster (p50)\n\n", pct(w, ntc, 0.5) / pct(v, n, 0.5));
	drop(net);
	free(v);
	free(w);
}

/* --- 2. relay overhead --- */

static void bench_relay(void)
{
	size_t n = quick ? 2000 : 20000, k;
	uint64_t *v = calloc(n, sizeof(*v));
	struct topo_net *net;
	double pps, bps, secs = quick ? 1 : 3;
	static const size_t sizes[] = {1472, 36}; /* UDP payloads of 1500- and 64-byte IP packets */

	printf("2. relay overhead at 0 ms configured (UDP, 64-byte requests, sequential)\n");
	printf("   %-18s %10s %10s\n", "path", "p50 us", "p99 us");
	/* A link the file does not shape is a plain veth pair. */
	net = two_nodes("bveth", "relay", "");
	if (!net)
		exit(1);
	k = rtts(net, v, n);
	printf("   %-18s %10.1f %10.1f\n", "plain veth", pct(v, k, 0.5) / 1e3,
	       pct(v, k, 0.99) / 1e3);
	drop(net);
	/* delay 0 is "not set"; 1 ns makes the link shaped, so relayed, at no measurable delay */
	net = two_nodes("brelay", "relay", "delay: 1ns");
	if (!net)
		exit(1);
	k = rtts(net, v, n);
	printf("   %-18s %10.1f %10.1f\n", "relay", pct(v, k, 0.5) / 1e3, pct(v, k, 0.99) / 1e3);
	printf("\n   relay forwarding, UDP blast for %.0f s, what arrives:\n", secs);
	printf("   %-14s %12s %12s\n", "IP packet", "packets/s", "Mbit/s");
	for (size_t i = 0; i < 2; i++) {
		blast(net, sizes[i], secs, &pps, &bps);
		(void)bps;
		printf("   %-14zu %12.0f %12.1f\n", sizes[i] + 28, pps,
		       pps * (double)(sizes[i] + 28) * 8 / 1e6);
	}
	printf("   TCP, one connection: %.0f Mbit/s\n\n", tcp_goodput(net, secs) / 1e6);
	drop(net);
	free(v);
}

/* --- 3. delay accuracy --- */

static void bench_accuracy(void)
{
	static const unsigned delays[] = {1, 10, 50};
	const char *backends[] = {"netem", "relay"};
	size_t n = quick ? 200 : 1000, k;
	uint64_t *v = calloc(n, sizeof(*v));

	printf("3. delay accuracy: one-way delay each direction, UDP round trip\n");
	printf("   %-7s %12s %12s %12s %12s\n", "backend", "delay ms", "RTT want", "p50 ms",
	       "p99 ms");
	for (size_t b = 0; b < 2; b++) {
		if (b == 0 && emu_netem_probe() < 0) {
			printf("   netem   (not in this kernel)\n");
			continue;
		}
		for (size_t i = 0; i < 3; i++) {
			char link[64];
			struct topo_net *net;

			snprintf(link, sizeof(link), "delay: %ums", delays[i]);
			net = two_nodes("bacc", backends[b], link);
			if (!net)
				exit(1);
			k = rtts(net, v, delays[i] >= 50 ? n / 5 : n);
			printf("   %-7s %12u %12u %12.3f %12.3f\n", backends[b], delays[i],
			       2 * delays[i], pct(v, k, 0.5) / 1e6, pct(v, k, 0.99) / 1e6);
			drop(net);
		}
	}
	free(v);
}

int main(int argc, char **argv)
{
	quick = argc > 1 && !strcmp(argv[1], "--quick");
	if (geteuid() != 0) {
		fprintf(stderr, "shape: needs root (it builds namespaces)\n");
		return 1;
	}
	bench_updates();
	bench_relay();
	bench_accuracy();
	return 0;
}
