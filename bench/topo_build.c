/* SPDX-License-Identifier: MIT */
/*
 * bench/topo_build: build and tear down N nodes as a star and as a chain (N = 10, 100, 500)
 * with edgemu's builder, and the same star with one `ip` process per command and with
 * `ip -batch`, in one run. Prints a table; asserts nothing. Needs root.
 *
 *   sudo build/bench/topo_build [--in-process] [REPEATS]
 *
 * Teardown is timed as `edgemu down` does it after `edgemu up` has exited; --in-process
 * times it in the process that built, as at the end of `edgemu run`.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/rtnetlink.h>

#include "emu/emu.h"
#include "topo/net.h"
#include "util/clock.h"
#include "util/text.h"

/*
 * star: a router hub and n-1 hosts; chain: n routers in a line. Links are not shaped (plain
 * veth pairs, as ip builds them): what shaping costs is bench/shape's subject.
 */
static void scenario(struct util_buf *t, const char *name, bool star, unsigned n)
{
	t->len = 0;
	util_buf_printf(t, "name: %s\nnodes:\n", name);
	for (unsigned i = 0; i < n; i++)
		util_buf_printf(t, "  n%u: { kind: %s }\n", i, star && i ? "host" : "router");
	util_buf_printf(t, "links:\n");
	for (unsigned i = 1; i < n; i++)
		util_buf_printf(t, "  - { endpoints: [n%u, n%u] }\n", star ? 0 : i - 1, i);
}

/*
 * Let the kernel finish dismantling before the next measurement (untimed). The barrier
 * returns when every batch before it is done; its own namespace's batch (two RCU grace
 * periods, ~30 ms here) is left to run out in the pause after it.
 */
static void settle(void)
{
	struct emu_nl *req, *listen;

	if (emu_nl_open(&req) < 0)
		return;
	if (emu_nl_open(&listen) == 0 && emu_nl_join(listen, RTNLGRP_NSID) == 0)
		emu_netns_barrier(req, listen, 30000);
	emu_nl_close(listen);
	emu_nl_close(req);
	usleep(150 * 1000);
}

/* Teardown by the process that built, as at the end of `edgemu run` (--in-process). */
static bool in_process;

static int edgemu_once(const char *name, bool star, unsigned n, double *build, double *down)
{
	struct util_buf t = {0};
	struct topo_model *m;
	struct topo_net *net;
	struct topo_err err;
	double t0;
	int r;

	char path[] = "/tmp/edgemu-bench-XXXXXX.yaml";
	int fd = mkstemps(path, 5);

	scenario(&t, name, star, n);
	if (fd < 0 || t.err || write(fd, t.s, t.len) != (ssize_t)t.len) {
		perror("topo_build: writing the scenario");
		return -1;
	}
	close(fd);
	free(t.s);
	/* Each build starts on a quiet kernel, as a user's `up` usually does. */
	settle();
	/* Parsing and planning are timed too: they are part of what `up` does. */
	t0 = util_now_ms();
	r = topo_parse_file(path, &m, &err);
	if (r == 0)
		r = topo_net_prepare(m, name, &net, &err);
	unlink(path);
	if (r < 0) {
		fprintf(stderr, "topo_build: %s\n", err.msg);
		return r;
	}
	r = topo_net_build(net, NULL, &err);
	*build = util_now_ms() - t0;
	if (getenv("BENCH_STEPS"))
		fprintf(stderr,
			"  %s N=%u: namespaces %.1f ms and links alongside, done at %.1f ms; "
			"addresses+routes %.1f ms; /etc/netns (alongside) %.1f ms\n",
			star ? "star" : "chain", n, net->step_ms[0], net->step_ms[2],
			net->step_ms[3], net->step_ms[1]);
	if (r < 0)
		fprintf(stderr, "topo_build: %s\n", err.msg);
	if (!in_process) {
		/*
		 * As `edgemu up` then `edgemu down`: up's process has exited (its netlink
		 * sockets, one per namespace, are freed by the kernel after an RCU grace
		 * period, holding their namespaces until then) and down starts from the ledger.
		 */
		topo_net_free(net);
		net = NULL;
		usleep(100 * 1000);
	}
	t0 = util_now_ms();
	if (topo_net_teardown(name, net, &err) < 0) {
		fprintf(stderr, "topo_build: teardown: %s\n", err.msg);
		r = -1;
	}
	*down = util_now_ms() - t0;
	topo_net_free(net);
	return r;
}

/* Run argv, wait, 0 if it exited 0. */
static int spawn(char *const argv[], const char *input)
{
	int pfd[2] = {-1, -1}, st;
	pid_t pid;

	if (input && pipe(pfd) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (input) {
			dup2(pfd[0], 0);
			close(pfd[0]);
			close(pfd[1]);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (input) {
		size_t len = strlen(input);
		const char *p = input;

		close(pfd[0]);
		while (len) {
			ssize_t w = write(pfd[1], p, len);

			if (w <= 0)
				break;
			p += w;
			len -= (size_t)w;
		}
		close(pfd[1]);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Run one line of `ip` arguments as its own process. */
static int ip_line(const char *line)
{
	char copy[640], *argv[32], *save = NULL;
	int argc = 0;

	snprintf(copy, sizeof(copy), "ip %s", line);
	for (char *w = strtok_r(copy, " ", &save); w && argc < 31; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	return spawn(argv, NULL);
}

static void addr_of(unsigned i, unsigned end, char *buf)
{
	unsigned k = 4 * (i - 1) + 1 + end; /* /30 per link, as edgemu's plan does */

	sprintf(buf, "10.191.%u.%u", k >> 8, k & 255);
}

/*
 * The same star with ip: the root part (namespaces, veths), then per namespace its
 * configuration. per_cmd: one process per command; else `ip -batch` for the root part and
 * `ip -n NS -batch -` per namespace (ip's batch mode cannot switch namespaces).
 */
static int ip_star(unsigned n, bool per_cmd, double *build, double *down)
{
	struct util_buf root = {0}, *ns = calloc(n, sizeof(*ns));
	char a[32], b[32], name[64];
	double t0;
	int r = 0;

	util_buf_printf(&root, "netns add emb-n0\n");
	for (unsigned i = 1; i < n; i++) {
		util_buf_printf(&root, "netns add emb-n%u\n", i);
		util_buf_printf(
		    &root, "link add eth%u netns emb-n0 type veth peer name eth0 netns emb-n%u\n",
		    i - 1, i);
	}
	util_buf_printf(&ns[0], "link set lo up\n");
	for (unsigned i = 1; i < n; i++) {
		addr_of(i, 0, a);
		addr_of(i, 1, b);
		util_buf_printf(&ns[0], "addr add %s/30 dev eth%u\nlink set eth%u up\n", a, i - 1,
				i - 1);
		util_buf_printf(&ns[i],
				"link set lo up\naddr add %s/30 dev eth0\nlink set eth0 up\n", b);
		util_buf_printf(&ns[i], "route add 10.191.0.0/16 via %s dev eth0\n", a);
	}
	for (unsigned i = 0; i < n; i++)
		if (root.err || ns[i].err) {
			fprintf(stderr, "topo_build: out of memory\n");
			exit(1);
		}

	t0 = util_now_ms();
	if (per_cmd) {
		char *save = NULL;

		for (char *l = strtok_r(root.s, "\n", &save); l && !r;
		     l = strtok_r(NULL, "\n", &save))
			r = ip_line(l);
		for (unsigned i = 0; i < n && !r; i++) {
			char *s2 = NULL, pre[600];

			for (char *l = strtok_r(ns[i].s, "\n", &s2); l && !r;
			     l = strtok_r(NULL, "\n", &s2)) {
				snprintf(pre, sizeof(pre), "-n emb-n%u %s", i, l);
				r = ip_line(pre);
			}
		}
	} else {
		char *argv[] = {"ip", "-batch", "-", NULL};

		r = spawn(argv, root.s);
		for (unsigned i = 0; i < n && !r; i++) {
			char *nargv[] = {"ip", "-n", name, "-batch", "-", NULL};

			snprintf(name, sizeof(name), "emb-n%u", i);
			r = spawn(nargv, ns[i].s);
		}
	}
	/* forwarding on the hub, as edgemu's builder sets it for routers */
	if (!r) {
		char *argv[] = {
		    "ip", "netns", "exec", "emb-n0", "sysctl", "-qw", "net.ipv4.ip_forward=1",
		    NULL};

		r = spawn(argv, NULL);
	}
	*build = util_now_ms() - t0;

	t0 = util_now_ms();
	if (per_cmd) {
		for (unsigned i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "netns del emb-n%u", i);
			ip_line(name);
		}
	} else {
		struct util_buf del = {0};
		char *argv[] = {"ip", "-batch", "-", NULL};

		for (unsigned i = 0; i < n; i++)
			util_buf_printf(&del, "netns del emb-n%u\n", i);
		spawn(argv, del.s);
		free(del.s);
	}
	*down = util_now_ms() - t0;
	free(root.s);
	for (unsigned i = 0; i < n; i++)
		free(ns[i].s);
	free(ns);
	return r;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	static const unsigned sizes[] = {10, 100, 500};
	int reps = 3;
	double ours_star[3][2];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--in-process"))
			in_process = true;
		else
			reps = atoi(argv[i]);
	}

	if (geteuid() != 0) {
		fprintf(stderr, "topo_build: needs root (it builds namespaces)\n");
		return 1;
	}
	if (reps < 1 || reps > 50)
		reps = 3;
	printf("edgemu builder, median of %d runs (build = parse + plan + create; teardown %s, "
	       "waiting until the kernel has released everything)\n\n",
	       reps, in_process ? "by the process that built" : "as edgemu down after up");
	printf("%-6s %5s %10s %9s %12s %9s\n", "shape", "N", "build ms", "ms/node", "teardown ms",
	       "ms/node");
	for (int shape = 0; shape < 2; shape++) {
		for (size_t k = 0; k < 3; k++) {
			double b[50], d[50];

			for (int i = 0; i < reps; i++) {
				if (edgemu_once("embench", shape == 0, sizes[k], &b[i], &d[i]) < 0)
					return 1;
			}
			double mb = median(b, reps), md = median(d, reps);

			if (shape == 0) {
				ours_star[k][0] = mb;
				ours_star[k][1] = md;
			}
			printf("%-6s %5u %10.1f %9.3f %12.1f %9.3f\n", shape ? "chain" : "star",
			       sizes[k], mb, mb / sizes[k], md, md / sizes[k]);
			fflush(stdout);
		}
	}

	printf("\nthe same star with iproute2 (%s), one run each; ip's teardown does not wait "
	       "for the kernel\n\n",
	       "ip per command: a process per command; ip -batch: one batch for the root part "
	       "and one per namespace");
	printf("%5s %-16s %10s %12s %14s\n", "N", "method", "build ms", "teardown ms",
	       "edgemu faster");
	for (size_t k = 0; k < 3; k++) {
		for (int per = 1; per >= 0; per--) {
			double b, d;

			if (ip_star(sizes[k], per, &b, &d) < 0)
				fprintf(stderr, "topo_build: an ip command failed (N=%u)\n",
					sizes[k]);
			settle();
			printf("%5u %-16s %10.1f %12.1f %13.1fx\n", sizes[k],
			       per ? "ip per command" : "ip -batch", b, d, b / ours_star[k][0]);
			fflush(stdout);
		}
		printf("%5u %-16s %10.1f %12.1f\n", sizes[k], "edgemu", ours_star[k][0],
		       ours_star[k][1]);
	}
	return 0;
}
