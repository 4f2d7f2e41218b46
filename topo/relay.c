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
/*
 * The relay's session's scheduling group is weighted as nice -5 would weigh a process: it
 * carries every relayed packet, and the runner waits for it at each tick. Its own session is
 * its own autogroup, which otherwise weighs as one default process against all the rest.
 */
#define RELAY_AUTOGROUP_NICE "-5"

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

void topo_ran_port_name(char *buf, size_t len, unsigned kind, unsigned i)
{
	snprintf(buf, len, "%c%u", kind ? 'c' : 'u', i);
}

int topo_ran_port_index(const struct topo_net *net, unsigned kind, unsigned i)
{
	return 2 + 2 * (int)net->n_relayed + (int)(kind ? net->n_ran_ues + i : i);
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

/*
 * The relay's side of every relayed link and radio access port up; the relay forwards only
 * between up links. The relay's interfaces are numbered from 2 on, one after the other.
 */
static int relay_links_up(struct topo_net *net)
{
	struct emu_ns_token tok;
	struct emu_nl *nl = NULL;
	int r = emu_netns_enter(net->relay_ns_fd, &tok);
	int last = topo_ran_port_index(net, 1, net->n_ran_cells) - 1;

	if (r < 0)
		return r;
	r = emu_nl_open(&nl);
	emu_netns_leave(&tok);
	if (!topo_net_has_ran(net))
		last = 1 + 2 * (int)net->n_relayed;
	for (int i = 2; r == 0 && i <= last; i++)
		r = emu_nl_queue(nl, emu_msg_link_set_up(emu_nl_slot(nl), i, true), (uint32_t)i);
	if (r == 0)
		r = emu_nl_flush(nl);
	emu_nl_close(nl);
	return r;
}

/*
 * What the relay needs of the radio access network: its ports, the UEs' addresses, the
 * cells' capacities. The arrays are malloc'd (ran_free()).
 */
static int ran_config(const struct topo_net *net, struct emu_relay_ran *ran)
{
	const struct topo_model *m = net->m;
	int *ue_index = calloc(net->n_ran_ues, sizeof(int));
	int *cell_index = calloc(net->n_ran_cells, sizeof(int));
	uint32_t *addr = calloc(net->n_ran_ues, sizeof(*addr));
	uint64_t(*cap)[2] = calloc(net->n_ran_cells, sizeof(*cap));

	*ran = (struct emu_relay_ran){
	    .ue_index = ue_index, .cell_index = cell_index, .ue_addr = addr, .capacity_bps = cap};
	if (!ue_index || !cell_index || !addr || !cap)
		return -ENOMEM;
	ran->n_ues = net->n_ran_ues;
	ran->n_cells = net->n_ran_cells;
	for (unsigned i = 0; i < net->n_ran_ues; i++) {
		ue_index[i] = topo_ran_port_index(net, 0, i);
		addr[i] = m->nodes[net->ran_ue[i]].ue_addr;
	}
	for (unsigned c = 0; c < net->n_ran_cells; c++) {
		cell_index[c] = topo_ran_port_index(net, 1, c);
		cap[c][0] = m->nodes[net->ran_cell[c]].capacity_bps[0];
		cap[c][1] = m->nodes[net->ran_cell[c]].capacity_bps[1];
	}
	ran->forwarding =
	    m->radio.forwarding == TOPO_FORWARD_DROP ? EMU_RAN_FORWARD_DROP : EMU_RAN_FORWARD_X2;
	return 0;
}

static void ran_free(struct emu_relay_ran *ran)
{
	free((void *)ran->ue_index);
	free((void *)ran->cell_index);
	free((void *)ran->ue_addr);
	free((void *)ran->capacity_bps);
}

/* Offloads off on every node's radio interface: a packet socket relays their frames. */
static int ran_offloads_off(struct topo_net *net, struct topo_err *err)
{
	const struct topo_model *m = net->m;

	for (unsigned k = 0; k < net->n_ran_ues + net->n_ran_cells; k++) {
		unsigned node =
		    k < net->n_ran_ues ? net->ran_ue[k] : net->ran_cell[k - net->n_ran_ues];
		int r = offloads_off_in(net->nodes[node].ns_fd, TOPO_RAN_IFNAME);

		if (r < 0)
			return topo_err_set(err, r, "turning offloads off on %s:%s: %s",
					    m->nodes[node].name, TOPO_RAN_IFNAME, strerror(-r));
	}
	return 0;
}

/* After setsid(): without autogroups, or refused, the relay runs as it would have. */
static void autogroup_nice(void)
{
	int fd = open("/proc/self/autogroup", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, RELAY_AUTOGROUP_NICE, strlen(RELAY_AUTOGROUP_NICE)) < 0)
		(void)0; /* the default weight: slower under load, not wrong */
	close(fd);
}

/* The relay process, in the relay's namespace; ready_fd gets its byte once it serves. */
__attribute__((noreturn)) static void relay_child(struct topo_net *net,
						  struct emu_relay_link *links, unsigned n,
						  const struct emu_relay_ran *ran, int ctl,
						  int ready_fd)
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
	autogroup_nice();
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
	/* The radio access ports' offloads: emu_relay_serve_ran() turns them off. */
	_exit(emu_relay_serve_ran(links, n, ran, ctl, ready_fd, net->m->seed) < 0 ? 1 : 0);
}

/*
 * The relayed links as the relay takes them, numbered as the file does so that control
 * requests name them alike; offloads off on the nodes' ends. *ret_n: how many the relay
 * looks at (up to the last relayed one).
 */
static int links_config(struct topo_net *net, struct emu_relay_link *links, unsigned *ret_n,
			struct topo_err *err)
{
	const struct topo_model *m = net->m;

	*ret_n = 0;
	for (unsigned l = 0; l < m->n_links; l++) {
		struct emu_relay_link *x = &links[l];

		if (!net->relayed[l])
			continue; /* index 0: the relay skips it */
		for (unsigned e = 0; e < 2; e++) {
			const struct topo_if *f = &m->links[l].end[e];
			int r;

			x->index[e] = topo_relay_index(net, l, e);
			topo_shape_to_emu(&m->links[l].dir[e], &x->dir[e]);
			x->dir[e].trace = NULL;
			if (m->links[l].dir[e].trace)
				snprintf(x->trace_path[e], sizeof(x->trace_path[e]), "%s",
					 m->links[l].dir[e].trace);
			r = offloads_off_in(net->nodes[f->node].ns_fd, f->ifname);
			if (r < 0)
				return topo_err_set(err, r, "turning offloads off on %s:%s: %s",
						    m->nodes[f->node].name, f->ifname,
						    strerror(-r));
		}
		*ret_n = l + 1;
	}
	return 0;
}

/* Fork the relay and wait for its ready byte; 0 or -errno with err set. */
static int relay_fork(struct topo_net *net, struct emu_relay_link *links, unsigned n,
		      const struct emu_relay_ran *ran, int ctl, struct topo_err *err)
{
	int pfd[2], r, st;
	struct pollfd p;
	char ok;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return topo_err_set(err, -errno, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		r = topo_err_set(err, -errno, "starting the relay: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return r;
	}
	if (pid == 0) {
		close(pfd[0]);
		relay_child(net, links, n, ran, ctl, pfd[1]);
	}
	close(pfd[1]);
	net->relay_pid = pid;
	p = (struct pollfd){.fd = pfd[0], .events = POLLIN};
	r = poll(&p, 1, READY_TIMEOUT_MS);
	if (r > 0 && read(pfd[0], &ok, 1) == 1) {
		close(pfd[0]);
		return 0;
	}
	close(pfd[0]);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	net->relay_pid = 0;
	return topo_err_set(err, -EIO, "the relay did not start (%s; see %s/relay.log)",
			    r == 0 ? "no answer within 5 s" : "it exited", net->dir);
}

int topo_relay_start(struct topo_net *net, struct topo_err *err)
{
	struct emu_relay_link *links;
	struct emu_relay_ran ran = {0};
	bool has_ran = topo_net_has_ran(net);
	unsigned n = 0;
	int ctl = -1, r;

	links = calloc(net->m->n_links + 1, sizeof(*links));
	if (!links)
		return topo_err_set(err, -ENOMEM, "out of memory");
	r = links_config(net, links, &n, err);
	if (r == 0 && has_ran && ran_config(net, &ran) < 0)
		r = topo_err_set(err, -ENOMEM, "out of memory");
	if (r == 0 && has_ran)
		r = ran_offloads_off(net, err);
	if (r < 0)
		goto out;
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
	r = relay_fork(net, links, n, has_ran ? &ran : NULL, ctl, err);
out:
	if (ctl >= 0)
		close(ctl);
	ran_free(&ran);
	free(links);
	return r;
}
