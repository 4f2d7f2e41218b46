/* SPDX-License-Identifier: MIT */
/*
 * Services of a run: instances (edgemu-echo daemons in their nodes) and eBPF steering of each
 * client's VIP traffic to one instance. The run folder's `instances` file lists them
 * ("service node pid" per line); the steering maps are pinned under TOPO_BPF_ROOT/<run>, so
 * `edgemu steer` in another process flips the same maps the programs read.
 */
#include "migrate/migrate.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "bpf/steer_api.h"
#include "emu/emu.h"

#define READY_TIMEOUT_MS 2000

void mig_pin_dir(const struct topo_run *run, char *buf, size_t len)
{
	snprintf(buf, len, TOPO_BPF_ROOT "/%s", run->name);
}

bool mig_is_client(const struct topo_run *run, unsigned node)
{
	return run->m->nodes[node].kind == TOPO_UE;
}

/* The app binary: $EDGEMU_APPS, else beside this program's build tree or install, else PATH. */
static void app_path(const char *name, char *buf, size_t len)
{
	const char *dir = getenv("EDGEMU_APPS");
	char exe[PATH_MAX - 32], *slash;
	ssize_t n;

	if (dir && *dir) {
		snprintf(buf, len, "%s/%s", dir, name);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(buf, len, "%s/../apps/%s", exe, name);
			if (access(buf, X_OK) == 0)
				return;
			snprintf(buf, len, "%s/%s", exe, name);
			if (access(buf, X_OK) == 0)
				return;
		}
	}
	snprintf(buf, len, "%s", name);
}

long mig_instance_pid(const struct topo_run *run, unsigned svc, unsigned node)
{
	char path[PATH_MAX + 16], s[TOPO_NAME_MAX + 1], n[TOPO_NAME_MAX + 1];
	long pid, found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/instances", run->dir);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fscanf(f, "%31s %31s %ld", s, n, &pid) == 3)
		if (!strcmp(s, run->m->services[svc].name) && !strcmp(n, run->m->nodes[node].name))
			found = pid;
	fclose(f);
	if (found > 0 && kill((pid_t)found, 0) < 0 && errno == ESRCH)
		found = 0;
	return found;
}

int mig_instance_start(struct topo_run *run, unsigned svc, unsigned node, struct topo_err *err)
{
	const struct topo_service *s = &run->m->services[svc];
	const char *nname = run->m->nodes[node].name;
	char app[PATH_MAX], log[PATH_MAX + 2 * TOPO_NAME_MAX + 16], port[8],
		what[2 * TOPO_NAME_MAX + 8], id[16];
	int ns_fd, pfd[2], rfd[2], child_errno = 0, r;
	struct pollfd pl;
	char ready[8];
	FILE *f;
	pid_t pid;

	if (mig_instance_pid(run, svc, node) > 0)
		return 0;
	ns_fd = topo_run_node_ns(run, node);
	if (ns_fd < 0)
		return topo_err_set(err, ns_fd, "node %s: %s", nname, strerror(-ns_fd));
	app_path("edgemu-echo", app, sizeof(app));
	snprintf(log, sizeof(log), "%s/%s@%s.log", run->dir, s->name, nname);
	snprintf(port, sizeof(port), "%u", s->port);
	snprintf(id, sizeof(id), "%.15s", nname);	/* the wire's instance id is 16 bytes */
	snprintf(what, sizeof(what), "%s@%s", s->name, nname);
	r = topo_ledger_add(run, "instance", what);
	if (r < 0)
		return topo_err_set(err, r, "writing the ledger: %s", strerror(-r));
	/* pfd: the exec's failure, if any; rfd: the app's "ready" once its socket is bound. */
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return topo_err_set(err, -errno, "pipe: %s", strerror(errno));
	if (pipe2(rfd, O_CLOEXEC) < 0) {
		r = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return topo_err_set(err, r, "pipe: %s", strerror(-r));
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(pfd[0]);
		close(pfd[1]);
		close(rfd[0]);
		close(rfd[1]);
		return topo_err_set(err, r, "starting %s: %s", what, strerror(-r));
	}
	if (pid == 0) {
		sigset_t none;
		int null = open("/dev/null", O_RDONLY), out;

		/* A daemon in the node: its own session, default signals, stdio to its log. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setsid();
		out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (setns(ns_fd, CLONE_NEWNET) == 0 && null >= 0 && out >= 0) {
			dup2(null, 0);
			dup2(out, 1);
			dup2(out, 2);
			dup2(rfd[1], 3);	/* dup2 clears close-on-exec: the app keeps it */
			execl(app, app, "--port", port, "--id", id, "--ready-fd", "3", (char *)NULL);
		}
		child_errno = errno;
		if (write(pfd[1], &child_errno, sizeof(child_errno)) < 0)
			_exit(126);
		_exit(127);
	}
	close(pfd[1]);
	close(rfd[1]);
	/* The pipe closes on a successful exec; otherwise the child says why it failed. */
	if (read(pfd[0], &child_errno, sizeof(child_errno)) == sizeof(child_errno)) {
		close(pfd[0]);
		close(rfd[0]);
		waitpid(pid, NULL, 0);
		return topo_err_set(err, -child_errno, "starting %s (%s) on node %s: %s%s", what,
				    app, nname, strerror(child_errno),
				    child_errno == ENOENT ? " (set EDGEMU_APPS to the apps' folder)"
							  : "");
	}
	close(pfd[0]);
	snprintf(log, sizeof(log), "%s/instances", run->dir);
	f = fopen(log, "ae");
	if (f) {
		fprintf(f, "%s %s %ld\n", s->name, nname, (long)pid);
		fclose(f);
	}
	pl = (struct pollfd){ .fd = rfd[0], .events = POLLIN };
	r = poll(&pl, 1, READY_TIMEOUT_MS);
	if (r > 0)
		r = read(rfd[0], ready, sizeof(ready)) > 0 ? 1 : -1;	/* EOF: it exited */
	close(rfd[0]);
	if (r <= 0) {
		kill(pid, SIGKILL);
		return topo_err_set(err, -ECHILD, "%s on node %s did not start (%s); see %s/%s@%s.log",
				    what, nname, r < 0 ? "it exited" : "not ready within 2 s",
				    run->dir, s->name, nname);
	}
	return 0;
}

/* The link end of client c that its traffic leaves through first (its first link). */
static int client_link(const struct topo_run *run, unsigned c, unsigned *ret_link,
		       unsigned *ret_end)
{
	for (unsigned l = 0; l < run->m->n_links; l++)
		for (unsigned e = 0; e < 2; e++)
			if (run->m->links[l].end[e].node == c) {
				*ret_link = l;
				*ret_end = e;
				return 0;
			}
	return -ENOENT;
}

/*
 * Steering at the access side of client c: on its neighbour's interface facing it, for
 * every link of c; and a route to each VIP through its first link.
 */
static int attach_client(struct topo_run *run, struct bpf_steer *s, unsigned c,
			 struct topo_err *err)
{
	const struct topo_model *m = run->m;
	unsigned first_l, first_e;
	struct emu_nl *nl;
	int r;

	for (unsigned l = 0; l < m->n_links; l++) {
		for (unsigned e = 0; e < 2; e++) {
			const struct topo_if *peer = &m->links[l].end[!e];
			int ns_fd;

			if (m->links[l].end[e].node != c)
				continue;
			ns_fd = topo_run_node_ns(run, peer->node);
			r = ns_fd < 0 ? ns_fd : bpf_steer_attach(s, ns_fd, run->ifindex[2 * l + !e]);
			if (r < 0)
				return topo_err_set(err, r, "attaching steering on %s:%s (facing %s): %s",
						    m->nodes[peer->node].name, peer->ifname,
						    m->nodes[c].name, strerror(-r));
		}
	}
	if (client_link(run, c, &first_l, &first_e) < 0)
		return 0;	/* a client without links reaches nothing anyway */
	r = topo_run_node_nl(run, c, &nl);
	for (unsigned i = 0; r == 0 && i < m->n_services; i++) {
		const struct topo_link *k = &m->links[first_l];

		r = emu_nl_queue(nl,
				 emu_msg_route_add(emu_nl_slot(nl), htonl(m->services[i].vip), 32,
						   htonl(k->end[!first_e].addr),
						   run->ifindex[2 * first_l + first_e]),
				 i);
	}
	if (r == 0)
		r = emu_nl_flush(nl);
	if (r < 0)
		return topo_err_set(err, r, "routing the VIPs from %s: %s%s%s%s", m->nodes[c].name,
				    strerror(-r), nl && nl->ext[0] ? " (" : "",
				    nl && nl->ext[0] ? nl->ext : "", nl && nl->ext[0] ? ")" : "");
	return 0;
}

static int open_steer(struct topo_run *run, struct bpf_steer **ret, struct topo_err *err)
{
	char pin[PATH_MAX];
	int r;

	mig_pin_dir(run, pin, sizeof(pin));
	r = bpf_steer_open(pin, ret);
	if (r < 0)
		return topo_err_set(err, r, "loading the steering programs (pinned in %s): %s", pin,
				    strerror(-r));
	return 0;
}

/*
 * --- the route strategy: the VIP on the instance nodes, routes rewritten on a flip ---
 *
 * The VIP goes on the node's loopback, as anycast setups do, rather than on a dummy
 * interface: some kernels (this project's CI machine's) have no dummy driver, and lo is
 * always there and up.
 */
#define VIP_IFINDEX 1	/* lo */

/* One request on node's socket, waited for; -EEXIST accepted when ok_exist. */
static int node_request(struct topo_run *run, unsigned node, struct nlmsghdr *(*build)(void *buf,
			void *arg), void *arg, bool ok_exist)
{
	struct emu_nl *nl;
	int r = topo_run_node_nl(run, node, &nl);

	if (r == 0)
		r = emu_nl_queue(nl, build(emu_nl_slot(nl), arg), 0);
	if (r == 0)
		r = emu_nl_flush(nl);
	return r == -EEXIST && ok_exist ? 0 : r;
}

static struct nlmsghdr *build_vip(void *buf, void *arg)
{
	return emu_msg_addr_add(buf, VIP_IFINDEX, htonl(*(uint32_t *)arg), 32);
}

/* The instance's node answers for the VIP itself. */
static int vip_local(struct topo_run *run, unsigned svc, unsigned node, struct topo_err *err)
{
	uint32_t vip = run->m->services[svc].vip;
	int r = node_request(run, node, build_vip, &vip, true);

	if (r < 0)
		return topo_err_set(err, r, "putting the VIP of %s on node %s: %s",
				    run->m->services[svc].name, run->m->nodes[node].name,
				    strerror(-r));
	return 0;
}

/*
 * The first hop from node x toward node t: t's address on a link they share, else the
 * planned route (longest prefix) toward t's address.
 */
static int next_hop(const struct topo_run *run, unsigned x, unsigned t, uint32_t *ret_via,
		    int *ret_oif)
{
	const struct topo_model *m = run->m;
	uint32_t dst = topo_node_addr(m, t);
	int best = -1;

	for (unsigned l = 0; l < m->n_links; l++)
		for (unsigned e = 0; e < 2; e++)
			if (m->links[l].end[e].node == x && m->links[l].end[!e].node == t) {
				*ret_via = m->links[l].end[!e].addr;
				*ret_oif = run->ifindex[2 * l + e];
				return 0;
			}
	for (size_t k = 0; k < run->routes.n; k++) {
		const struct topo_route *rt = &run->routes.v[k];
		uint32_t mask = rt->plen ? ~0u << (32 - rt->plen) : 0;

		if (rt->node == x && (dst & mask) == rt->dst &&
		    (best < 0 || rt->plen > run->routes.v[best].plen))
			best = (int)k;
	}
	if (best < 0)
		return -ENETUNREACH;
	*ret_via = run->routes.v[best].via;
	*ret_oif = run->ifindex[2 * run->routes.v[best].link + run->routes.v[best].end];
	return 0;
}

/* Every other node's route to the VIP points toward node t: the route strategy's flip. */
static int routes_toward(struct topo_run *run, unsigned svc, unsigned t, struct topo_err *err)
{
	const struct topo_model *m = run->m;
	int r = 0;

	for (unsigned x = 0; r == 0 && x < m->n_nodes; x++) {
		struct emu_nl *nl;
		uint32_t via;
		int oif;

		if (x == t || !topo_node_addr(m, x) || next_hop(run, x, t, &via, &oif) < 0)
			continue;
		r = topo_run_node_nl(run, x, &nl);
		if (r == 0)
			r = emu_nl_queue(nl,
					 emu_msg_route_replace(emu_nl_slot(nl),
							       htonl(m->services[svc].vip), 32,
							       htonl(via), oif),
					 x);
	}
	/* All requests out first, then the acks: the routes change as close together as can be. */
	for (unsigned x = 0; r == 0 && x < m->n_nodes; x++)
		if (run->nodes[x].nl)
			r = emu_nl_flush(run->nodes[x].nl);
	if (r < 0)
		return topo_err_set(err, r, "routing the VIP of %s toward %s: %s",
				    m->services[svc].name, m->nodes[t].name, strerror(-r));
	return 0;
}

/* The route strategy is global: the node each service's VIP routes to, kept in the run. */
static int route_target_save(struct topo_run *run, unsigned svc, unsigned node)
{
	char path[PATH_MAX + 16];
	FILE *f;

	snprintf(path, sizeof(path), "%s/route-steering", run->dir);
	f = fopen(path, "ae");
	if (!f)
		return -errno;
	fprintf(f, "%s %s\n", run->m->services[svc].name, run->m->nodes[node].name);
	fclose(f);
	return 0;
}

static int route_target(const struct topo_run *run, unsigned svc, unsigned *ret)
{
	char path[PATH_MAX + 16], s[TOPO_NAME_MAX + 1], n[TOPO_NAME_MAX + 1];
	int found = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/route-steering", run->dir);
	f = fopen(path, "re");
	if (!f)
		return -ENOENT;
	while (fscanf(f, "%31s %31s", s, n) == 2)
		if (!strcmp(s, run->m->services[svc].name))
			found = topo_node_find(run->m, n);
	fclose(f);
	if (found < 0)
		return -ENOENT;
	*ret = (unsigned)found;
	return 0;
}

static int services_start_route(struct topo_run *run, struct topo_err *err)
{
	const struct topo_model *m = run->m;
	int r;

	for (unsigned i = 0; i < m->n_services; i++) {
		for (unsigned k = 0; k < m->services[i].n_at; k++) {
			r = vip_local(run, i, m->services[i].at[k], err);
			if (r < 0)
				return r;
		}
		r = routes_toward(run, i, m->services[i].at[0], err);
		if (r < 0)
			return r;
		r = route_target_save(run, i, m->services[i].at[0]);
		if (r < 0)
			return topo_err_set(err, r, "recording where %s's VIP routes to: %s",
					    m->services[i].name, strerror(-r));
	}
	return 0;
}

int mig_services_start(struct topo_run *run, struct topo_err *err)
{
	const struct topo_model *m = run->m;
	struct bpf_steer *s = NULL;
	char pin[PATH_MAX];
	int r = 0;

	if (!m->n_services)
		return 0;
	for (unsigned i = 0; i < m->n_services; i++)
		for (unsigned k = 0; k < m->services[i].n_at; k++) {
			r = mig_instance_start(run, i, m->services[i].at[k], err);
			if (r < 0)
				return r;
		}
	if (m->migration.steering == TOPO_STEER_ROUTE)
		return services_start_route(run, err);
	mig_pin_dir(run, pin, sizeof(pin));
	r = topo_ledger_add(run, "bpf", pin);
	if (r < 0)
		return topo_err_set(err, r, "writing the ledger: %s", strerror(-r));
	r = open_steer(run, &s, err);
	if (r < 0)
		return r;
	for (unsigned c = 0; r == 0 && c < m->n_nodes; c++) {
		if (!mig_is_client(run, c))
			continue;
		r = attach_client(run, s, c, err);
		for (unsigned i = 0; r == 0 && i < m->n_services; i++) {
			uint32_t inst = topo_node_addr(m, m->services[i].at[0]);

			r = bpf_steer_flip(s, htonl(topo_node_addr(m, c)), htonl(m->services[i].vip),
					   htonl(inst));
			if (r < 0)
				topo_err_set(err, r, "steering %s to %s: %s", m->nodes[c].name,
					     m->services[i].name, strerror(-r));
		}
	}
	bpf_steer_close(s);
	return r;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int mig_steer(struct topo_run *run, unsigned svc, unsigned client, unsigned node,
	      struct mig_flip_time *ret, struct topo_err *err)
{
	const struct topo_model *m = run->m;
	struct bpf_steer *s;
	uint64_t t0;
	int r;

	if (!mig_is_client(run, client))
		return topo_err_set(err, -EINVAL, "node %s is not a client (clients are UEs)",
				    m->nodes[client].name);
	if (!topo_node_addr(m, node))
		return topo_err_set(err, -EINVAL, "node %s has no address (no links)",
				    m->nodes[node].name);
	r = mig_instance_start(run, svc, node, err);
	if (r < 0)
		return r;
	if (m->migration.steering == TOPO_STEER_ROUTE) {
		/* Global: every client follows the VIP's routes. */
		r = vip_local(run, svc, node, err);
		if (r < 0)
			return r;
		t0 = now_ns();
		r = routes_toward(run, svc, node, err);
		if (ret)
			*ret = (struct mig_flip_time){ t0, now_ns() };
		if (r == 0 && (r = route_target_save(run, svc, node)) < 0)
			topo_err_set(err, r, "recording where %s's VIP routes to: %s",
				     m->services[svc].name, strerror(-r));
		return r;
	}
	r = open_steer(run, &s, err);
	if (r < 0)
		return r;
	t0 = now_ns();
	r = bpf_steer_flip(s, htonl(topo_node_addr(m, client)), htonl(m->services[svc].vip),
			   htonl(topo_node_addr(m, node)));
	if (ret)
		*ret = (struct mig_flip_time){ t0, now_ns() };
	bpf_steer_close(s);
	if (r < 0)
		return topo_err_set(err, r, "flipping %s of %s to %s: %s", m->nodes[client].name,
				    m->services[svc].name, m->nodes[node].name, strerror(-r));
	return 0;
}

int mig_steer_lookup(struct topo_run *run, unsigned svc, unsigned client, unsigned *ret_node)
{
	const struct topo_model *m = run->m;
	struct bpf_steer *s;
	struct topo_err err;
	uint32_t inst;
	int r;

	if (m->migration.steering == TOPO_STEER_ROUTE)
		return route_target(run, svc, ret_node);
	r = open_steer(run, &s, &err);
	if (r < 0)
		return r;
	r = bpf_steer_lookup(s, htonl(topo_node_addr(m, client)), htonl(m->services[svc].vip),
			     &inst);
	bpf_steer_close(s);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < m->n_nodes; i++)
		if (htonl(topo_node_addr(m, i)) == inst) {
			*ret_node = i;
			return 0;
		}
	return -ENOENT;
}
