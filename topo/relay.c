/* SPDX-License-Identifier: MIT */
/*
 * Starting a run's relay: one process, in the run's relay namespace, serving every relayed
 * link. It outlives `edgemu up` (the run is kept) and dies with the run: teardown kills every
 * process in the run's namespaces, the relay among them.
 */
#include "topo/net.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emu/relay.h"
#include "emu/shape.h"

#define READY_TIMEOUT_MS 5000

void topo_relay_ns_name(char *buf, size_t len, const char *run)
{
	snprintf(buf, len, TOPO_NS_PREFIX "%s.relay", run);
}

void topo_relay_ifname(char *buf, size_t len, unsigned link, unsigned end)
{
	snprintf(buf, len, "l%ue%u", link, end);
}

int topo_relay_index(const struct topo_net *net, unsigned link, unsigned end)
{
	unsigned k = 0;

	for (unsigned i = 0; i < link; i++)
		k += net->relayed[i];
	return 2 + 2 * (int)k + (int)end;
}

static int listen_ctl(const struct topo_net *net, struct topo_err *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/relay.sock", net->dir) >=
	    sizeof(sa.sun_path))
		return topo_err_set(err, -ENAMETOOLONG, "the relay's socket path is too long");
	unlink(sa.sun_path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return topo_err_set(err, -errno, "relay control socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		int r = -errno;

		close(fd);
		return topo_err_set(err, r, "relay control socket %s: %s", sa.sun_path,
				    strerror(-r));
	}
	return fd;
}

/* Offloads off on a node's end of a relayed link, so the relay sees MTU-sized frames. */
static int offloads_off_in(int ns_fd, const char *ifname)
{
	struct emu_ns_token tok;
	int r = emu_netns_enter(ns_fd, &tok);

	if (r < 0)
		return r;
	r = emu_link_offloads_off(ifname);
	emu_netns_leave(&tok);
	return r;
}

/* The relay's side of every relayed link up; the relay forwards only between up links. */
static int relay_links_up(struct topo_net *net)
{
	struct emu_ns_token tok;
	struct emu_nl *nl = NULL;
	int r = emu_netns_enter(net->relay_ns_fd, &tok);

	if (r < 0)
		return r;
	r = emu_nl_open(&nl);
	emu_netns_leave(&tok);
	for (unsigned l = 0; r == 0 && l < net->m->n_links; l++)
		for (unsigned e = 0; r == 0 && e < 2 && net->relayed[l]; e++)
			r = emu_nl_queue(
			    nl,
			    emu_msg_link_set_up(emu_nl_slot(nl), topo_relay_index(net, l, e), true),
			    l);
	if (r == 0)
		r = emu_nl_flush(nl);
	emu_nl_close(nl);
	return r;
}

/* The relay process, in the relay's namespace; ready_fd gets its byte once it serves. */
__attribute__((noreturn)) static void
relay_child(struct topo_net *net, struct emu_relay_link *links, unsigned n, int ctl, int ready_fd)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	char log[PATH_MAX + 16];
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC), out;

	/*
	 * A daemon: its own session (a Ctrl-C meant for `up` must not stop a kept run's
	 * relay), and none of the caller's stdio, or `x=$(edgemu up ...)` in a shell would
	 * wait for the relay to end. What it has to say goes to relay.log.
	 */
	setsid();
	snprintf(log, sizeof(log), "%s/relay.log", net->dir);
	out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (null >= 0)
		dup2(null, 0);
	if (out >= 0) {
		dup2(out, 1);
		dup2(out, 2);
	}
	sigaction(SIGINT, &dfl, NULL);
	sigaction(SIGTERM, &dfl, NULL);
	sigaction(SIGHUP, &dfl, NULL);
	if (setns(net->relay_ns_fd, CLONE_NEWNET) < 0)
		_exit(1);
	for (unsigned l = 0; l < n; l++)
		for (unsigned e = 0; e < 2 && links[l].index[0]; e++) {
			char name[TOPO_IFNAME_MAX + 1];

			topo_relay_ifname(name, sizeof(name), l, e);
			if (emu_link_offloads_off(name) < 0)
				_exit(1);
		}
	_exit(emu_relay_serve_seeded(links, n, ctl, ready_fd, net->m->seed) < 0 ? 1 : 0);
}

int topo_relay_start(struct topo_net *net, struct topo_err *err)
{
	const struct topo_model *m = net->m;
	struct emu_relay_link *links;
	unsigned n = 0;
	int ctl = -1, pfd[2] = {-1, -1}, r;
	char ok;
	pid_t pid;

	links = calloc(m->n_links, sizeof(*links));
	if (!links)
		return topo_err_set(err, -ENOMEM, "out of memory");
	/* The relay numbers links as the file does, so control requests name them alike. */
	for (unsigned l = 0; l < m->n_links; l++) {
		struct emu_relay_link *x = &links[l];

		if (!net->relayed[l]) {
			x->index[0] = x->index[1] = 0; /* not relayed: the relay skips it */
			continue;
		}
		for (unsigned e = 0; e < 2; e++) {
			const struct topo_if *f = &m->links[l].end[e];

			x->index[e] = topo_relay_index(net, l, e);
			topo_shape_to_emu(&m->links[l].dir[e], &x->dir[e]);
			x->dir[e].trace = NULL;
			if (m->links[l].dir[e].trace)
				snprintf(x->trace_path[e], sizeof(x->trace_path[e]), "%s",
					 m->links[l].dir[e].trace);
			r = offloads_off_in(net->nodes[f->node].ns_fd, f->ifname);
			if (r < 0) {
				topo_err_set(err, r, "turning offloads off on %s:%s: %s",
					     m->nodes[f->node].name, f->ifname, strerror(-r));
				goto out;
			}
		}
		n = l + 1;
	}
	r = relay_links_up(net);
	if (r < 0) {
		topo_err_set(err, r, "setting the relay's interfaces up: %s", strerror(-r));
		goto out;
	}
	ctl = listen_ctl(net, err);
	if (ctl < 0) {
		r = ctl;
		goto out;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		r = topo_err_set(err, -errno, "pipe: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		r = topo_err_set(err, -errno, "starting the relay: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		close(pfd[0]);
		relay_child(net, links, n, ctl, pfd[1]);
	}
	close(pfd[1]);
	pfd[1] = -1;
	net->relay_pid = pid;
	{
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};

		r = poll(&p, 1, READY_TIMEOUT_MS);
	}
	if (r <= 0 || read(pfd[0], &ok, 1) != 1) {
		int st;

		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		net->relay_pid = 0;
		r = topo_err_set(err, -EIO, "the relay did not start (%s)",
				 r == 0 ? "no answer within 5 s" : "it exited");
		goto out;
	}
	r = 0;
out:
	if (ctl >= 0)
		close(ctl);
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	free(links);
	return r;
}
