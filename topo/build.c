/* SPDX-License-Identifier: MIT */
/*
 * The builder: namespaces, /etc/netns entries, veth pairs, then per node its links up,
 * addresses and routes. Every object goes into the ledger before it is created; requests
 * go out in batches, one netlink socket per namespace, and nothing forks `ip`.
 */
#include "topo/net.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>

#include "emu/emu.h"
#include "emu/relay.h"
#include "emu/shape.h"
#include "util/clock.h"

enum step { STEP_LO = 1, STEP_UP, STEP_ADDR, STEP_ROUTE, STEP_RAN_ADDR, STEP_RAN_ROUTE };

#define TAG(step, i) (((uint32_t)(step) << 28) | (uint32_t)(i))
#define TAG_STEP(t) ((t) >> 28)
#define TAG_INDEX(t) ((t)&0x0fffffffu)

static const char *ext(const struct emu_nl *nl)
{
	static char buf[EMU_EXT_MAX + 4];

	if (!nl || !nl->ext[0])
		return "";
	snprintf(buf, sizeof(buf), " (%s)", nl->ext);
	return buf;
}

static void ip_str(uint32_t a, char *buf)
{
	struct in_addr in = {htonl(a)};

	inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

static int node_init(void *arg)
{
	struct topo_node_rt *n = arg;
	int r = emu_nl_open(&n->nl);

	if (r < 0)
		return r;
	/*
	 * A node's links carry IPv4 only (the plan gives no IPv6): IPv6 is off on interfaces
	 * made from now on, so bringing them up makes no link-local address, DAD, MLD or
	 * router solicitation (measured: the addresses+routes step of a 100-node star 13 ms
	 * instead of 15-18 ms). lo keeps ::1.
	 */
	r = emu_sysctl_write("net/ipv6/conf/default/disable_ipv6", "1");
	if (r == 0 && n->forwards)
		r = emu_sysctl_write("net/ipv4/ip_forward", "1");
	return r;
}

/*
 * Each node keeps a namespace fd and a socket open: make room for 500-node runs. The relay
 * (forked from here) has a socket per end of each link it carries (500 links are 1000) and
 * one per radio access port.
 */
static void raise_fd_limit(unsigned nodes, unsigned links, unsigned ran_ports)
{
	struct rlimit rl;
	rlim_t want = 3 * (rlim_t)nodes + 2 * (rlim_t)links + (rlim_t)ran_ports + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	setrlimit(RLIMIT_NOFILE, &rl);
}

/*
 * Namespaces are made by several threads at once (each thread has its own network
 * namespace to unshare) while the main thread makes each link as soon as the namespaces of
 * both its ends exist: the kernel work of both overlaps on the cores. The /etc/netns
 * entries are made by one more thread during the whole build.
 */
struct ready {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned char *node; /* 1 once node i's namespace exists */
	unsigned workers, exited;
	volatile bool abort; /* the links failed: workers stop */
};

struct worker {
	struct topo_net *net;
	volatile sig_atomic_t *stop;
	struct ready *rd;
	unsigned first, step;
	int r;
	double ms;
	struct topo_err err;
};

static void mark(struct ready *rd, int node)
{
	pthread_mutex_lock(&rd->lock);
	if (node >= 0)
		rd->node[node] = 1;
	else
		rd->exited++;
	pthread_cond_broadcast(&rd->cond);
	pthread_mutex_unlock(&rd->lock);
}

static void *ns_worker(void *arg)
{
	struct worker *w = arg;
	struct topo_net *net = w->net;
	const struct topo_model *m = net->m;
	double t0 = util_now_ms();

	for (unsigned i = w->first; i < m->n_nodes; i += w->step) {
		struct topo_node_rt *n = &net->nodes[i];

		if ((w->stop && *w->stop) || w->rd->abort) {
			w->r = topo_err_set(&w->err, -EINTR, "interrupted");
			break;
		}
		w->r = emu_netns_mount(n->ns, node_init, n, &n->ns_fd);
		if (w->r < 0) {
			topo_err_set(&w->err, w->r, "creating namespace %s for node %s: %s", n->ns,
				     m->nodes[i].name, strerror(-w->r));
			break;
		}
		mark(w->rd, (int)i);
	}
	w->ms = util_now_ms() - t0;
	mark(w->rd, -1);
	return NULL;
}

/* Wait until node i's namespace exists: 0, or -ECANCELED if it never will, or -EINTR. */
static int wait_node(struct ready *rd, unsigned i, volatile sig_atomic_t *stop)
{
	int r = 0;

	pthread_mutex_lock(&rd->lock);
	while (!rd->node[i] && r == 0) {
		struct timespec ts;

		if (rd->exited == rd->workers) {
			r = -ECANCELED;
		} else if (stop && *stop) {
			r = -EINTR;
		} else {
			/* woken by every namespace made; the timeout is for the stop flag */
			uint64_t at = util_realtime_ns() + 20 * UTIL_NS_PER_MS;

			ts.tv_sec = (time_t)(at / UTIL_NS_PER_SEC);
			ts.tv_nsec = (long)(at % UTIL_NS_PER_SEC);
			pthread_cond_timedwait(&rd->cond, &rd->lock, &ts);
		}
	}
	pthread_mutex_unlock(&rd->lock);
	return r;
}

static bool is_ready(struct ready *rd, unsigned i)
{
	return __atomic_load_n(&rd->node[i], __ATOMIC_ACQUIRE);
}

/*
 * /etc/netns/<ns> -> the run's etc folder, whose hosts `ip netns exec` mounts on /etc/hosts.
 * Every node's entry is a hard link to the first one's symlink: one inode per run.
 */
static void *etc_worker(void *arg)
{
	struct worker *w = arg;
	struct topo_net *net = w->net;
	char target[PATH_MAX + 8], first[PATH_MAX], path[PATH_MAX];
	double t0 = util_now_ms();

	snprintf(target, sizeof(target), "%s/etc", net->dir);
	for (unsigned i = 0; i < net->m->n_nodes; i++) {
		const char *ns = net->nodes[i].ns;
		int r;

		if (w->stop && *w->stop) {
			w->r = topo_err_set(&w->err, -EINTR, "interrupted");
			break;
		}
		snprintf(path, sizeof(path), TOPO_ETC_NETNS "/%s", ns);
		if (i == 0) {
			snprintf(first, sizeof(first), "%s", path);
			r = symlink(target, path);
		} else {
			r = linkat(AT_FDCWD, first, AT_FDCWD, path, 0);
		}
		if (r < 0) {
			w->r =
			    topo_err_set(&w->err, -errno, "creating %s: %s", path, strerror(errno));
			break;
		}
	}
	w->ms = util_now_ms() - t0;
	return NULL;
}

/* The names under /run/netns, before any namespace is mounted on one: hard links again. */
static int reserve_names(struct topo_net *net, struct topo_err *err)
{
	for (unsigned i = 0; i < net->m->n_nodes; i++) {
		const char *ns = net->nodes[i].ns;
		int r = emu_netns_reserve(ns, i ? net->nodes[0].ns : NULL);

		if (r < 0)
			return topo_err_set(err, r, "creating " EMU_NETNS_DIR "/%s: %s", ns,
					    strerror(-r));
	}
	return 0;
}

/*
 * Namespaces are made by one thread per core (the kernel's work for them is partly
 * serialised on its locks: more threads only wait); the /etc/netns links take one thread.
 */
#define ETC_THREADS 1
#define MAX_THREADS 8

static unsigned ns_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

struct pool {
	struct worker w[MAX_THREADS];
	pthread_t tid[MAX_THREADS];
	bool started[MAX_THREADS];
	unsigned n;
};

static void pool_start(struct pool *p, unsigned n, void *(*fn)(void *), struct topo_net *net,
		       volatile sig_atomic_t *stop, struct ready *rd)
{
	p->n = n;
	for (unsigned k = 0; k < n; k++) {
		p->w[k] =
		    (struct worker){.net = net, .stop = stop, .rd = rd, .first = k, .step = n};
		p->started[k] = pthread_create(&p->tid[k], NULL, fn, &p->w[k]) == 0;
		if (!p->started[k])
			fn(&p->w[k]); /* no thread: do its share here */
	}
}

/* Wait for all workers; the first real error wins over "interrupted". */
static int pool_join(struct pool *p, struct topo_err *err, double *ret_ms)
{
	int r = 0;

	*ret_ms = 0;
	for (unsigned k = 0; k < p->n; k++) {
		if (p->started[k])
			pthread_join(p->tid[k], NULL);
		if (p->w[k].r < 0 && (r == 0 || r == -EINTR)) {
			r = p->w[k].r;
			*err = p->w[k].err;
		}
		if (p->w[k].ms > *ret_ms)
			*ret_ms = p->w[k].ms;
	}
	return r;
}

/*
 * Nodes a and b's namespaces exist; what is queued goes first when one must be waited for.
 * 0, -ECANCELED or -EINTR (interrupted), or a flush's -errno.
 */
static int both_ready(struct topo_net *net, struct ready *rd, unsigned a, unsigned b,
		      volatile sig_atomic_t *stop)
{
	int r = 0;

	if (!is_ready(rd, a) || !is_ready(rd, b)) {
		r = emu_nl_flush(net->root);
		if (r == 0)
			r = wait_node(rd, a, stop);
		if (r == 0)
			r = wait_node(rd, b, stop);
	}
	return r;
}

/*
 * The radio access network's ports: a veth per radio UE and per eNB, the node's end
 * TOPO_RAN_IFNAME (up, NOARP, the MAC the relay writes), its peer in the relay's namespace.
 * Queued on the links' socket, tagged n_links + node.
 */
static int build_ran_ports(struct topo_net *net, struct ready *rd, volatile sig_atomic_t *stop)
{
	const struct topo_model *m = net->m;
	int r = 0;

	for (unsigned k = 0; k < net->n_ran_ues + net->n_ran_cells && r == 0; k++) {
		unsigned kind = k >= net->n_ran_ues, i = kind ? k - net->n_ran_ues : k;
		unsigned node = kind ? net->ran_cell[i] : net->ran_ue[i];
		char port[TOPO_IFNAME_MAX + 1];
		uint8_t mac[EMU_MAC_LEN];
		struct nlmsghdr *nlh;

		r = both_ready(net, rd, node, node, stop);
		if (r < 0)
			break;
		emu_ran_mac(kind, i, mac);
		topo_ran_port_name(port, sizeof(port), kind, i);
		nlh =
		    emu_msg_veth_add_mac(emu_nl_slot(net->root), TOPO_RAN_IFNAME,
					 net->nodes[node].ns_fd, net->ran_ifindex[node], mac, port,
					 net->relay_ns_fd, topo_ran_port_index(net, kind, i), NULL);
		r = emu_nl_queue(net->root, emu_msg_link_flags_at_create(nlh, IFF_UP | IFF_NOARP),
				 m->n_links + node);
	}
	return r;
}

/* The error of a request build_links() queued, tagged with its link or n_links + node. */
static int links_error(struct topo_net *net, int r, struct topo_err *err)
{
	const struct topo_model *m = net->m;
	uint32_t t = net->root->err_tag;
	const struct topo_link *k;

	if (t >= m->n_links && t - m->n_links < m->n_nodes) {
		unsigned node = t - m->n_links, i = (unsigned)net->ran_of[node];
		char port[TOPO_IFNAME_MAX + 1];

		topo_ran_port_name(port, sizeof(port), m->nodes[node].kind == TOPO_ENB, i);
		return topo_err_set(err, r,
				    "%s:%d:%d: creating the radio interface %s:%s (relay port %s): "
				    "%s%s",
				    m->file, m->radio.mark.line, m->radio.mark.col,
				    m->nodes[node].name, TOPO_RAN_IFNAME, port, strerror(-r),
				    ext(net->root));
	}
	k = &m->links[t % (m->n_links ? m->n_links : 1)];
	return topo_err_set(err, r, "%s:%d:%d: creating link %s:%s - %s:%s: %s%s", m->file,
			    k->mark.line, k->mark.col, m->nodes[k->end[0].node].name,
			    k->end[0].ifname, m->nodes[k->end[1].node].name, k->end[1].ifname,
			    strerror(-r), ext(net->root));
}

/*
 * A direct link is one veth pair between its two nodes. A relayed link is cut in two: each
 * end's interface pairs with an interface in the relay namespace, and the relay forwards.
 * Requests go out in batches; a batch goes early when a link must wait for a namespace.
 */
static int build_links(struct topo_net *net, struct ready *rd, volatile sig_atomic_t *stop,
		       struct topo_err *err)
{
	const struct topo_model *m = net->m;
	int r = 0;

	for (unsigned l = 0; l < m->n_links && r == 0; l++) {
		const struct topo_link *k = &m->links[l];
		const struct topo_if *a = &k->end[0], *b = &k->end[1];
		struct nlmsghdr *nlh;

		r = both_ready(net, rd, a->node, b->node, stop);
		if (r == -ECANCELED || r == -EINTR)
			return topo_err_set(err, r, "interrupted");
		if (r < 0)
			break;
		if (!net->relayed[l]) {
			nlh = emu_msg_veth_add(emu_nl_slot(net->root), a->ifname,
					       net->nodes[a->node].ns_fd, net->ifindex[2 * l],
					       b->ifname, net->nodes[b->node].ns_fd,
					       net->ifindex[2 * l + 1]);
			r = emu_nl_queue(net->root, emu_msg_link_up_at_create(nlh), l);
			continue;
		}
		for (unsigned e = 0; e < 2 && r == 0; e++) {
			const struct topo_if *f = &k->end[e];
			char rname[TOPO_IFNAME_MAX + 1];

			topo_relay_ifname(rname, sizeof(rname), l, e);
			nlh =
			    emu_msg_veth_add(emu_nl_slot(net->root), f->ifname,
					     net->nodes[f->node].ns_fd, net->ifindex[2 * l + e],
					     rname, net->relay_ns_fd, topo_relay_index(net, l, e));
			r = emu_nl_queue(net->root, emu_msg_link_up_at_create(nlh), l);
		}
	}
	if (r == 0)
		r = build_ran_ports(net, rd, stop);
	if (r == -ECANCELED || r == -EINTR)
		return topo_err_set(err, r, "interrupted");
	if (r == 0)
		r = emu_nl_flush(net->root);
	return r < 0 ? links_error(net, r, err) : 0;
}

/* netem on the sending interface of every direction the file shapes, on direct links. */
static int build_netem(struct topo_net *net, struct topo_err *err)
{
	const struct topo_model *m = net->m;
	int r;

	for (unsigned l = 0; l < m->n_links; l++) {
		if (net->relayed[l])
			continue;
		for (unsigned e = 0; e < 2; e++) {
			const struct topo_link *k = &m->links[l];
			struct emu_nl *nl = net->nodes[k->end[e].node].nl;
			struct emu_shape s;

			if (!topo_shape_is_set(&k->dir[e]))
				continue;
			topo_shape_to_emu(&k->dir[e], &s);
			r = emu_netem_set(nl, net->ifindex[2 * l + e], &s, NULL);
			if (r == 0)
				r = emu_nl_flush(nl);
			if (r < 0)
				return topo_err_set(
				    err, r, "%s:%d:%d: shaping %s:%s with netem: %s%s", m->file,
				    k->mark.line, k->mark.col, m->nodes[k->end[e].node].name,
				    k->end[e].ifname, strerror(-r), ext(nl));
		}
	}
	return 0;
}

static int relay_ns_init(void *arg)
{
	/* The relay's interfaces carry other nodes' frames: no addresses, no IPv6 chatter. */
	(void)arg;
	return emu_sysctl_write("net/ipv6/conf/default/disable_ipv6", "1");
}

/* The relay's namespace and process: for relayed links, and for the radio access ports. */
static bool needs_relay(const struct topo_net *net)
{
	return net->n_relayed || topo_net_has_ran(net);
}

static int queue(struct topo_node_rt *n, struct nlmsghdr *nlh, uint32_t tag, int *first)
{
	int r = emu_nl_queue(n->nl, nlh, tag);

	if (r < 0 && *first == 0)
		*first = r;
	return r;
}

static int config_error(struct topo_net *net, unsigned node, int r, struct topo_err *err)
{
	const struct topo_model *m = net->m;
	struct emu_nl *nl = net->nodes[node].nl;
	uint32_t t = nl->err_tag, i = TAG_INDEX(t);
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	const char *name = m->nodes[node].name;

	switch (TAG_STEP(t)) {
	case STEP_LO:
		return topo_err_set(err, r, "node %s: setting lo up: %s%s", name, strerror(-r),
				    ext(nl));
	case STEP_UP:
		return topo_err_set(err, r, "node %s: setting %s up: %s%s", name,
				    m->links[i / 2].end[i % 2].ifname, strerror(-r), ext(nl));
	case STEP_ADDR:
		ip_str(m->links[i / 2].end[i % 2].addr, a);
		return topo_err_set(err, r, "node %s: adding address %s/%u to %s: %s%s", name, a,
				    m->links[i / 2].end[i % 2].plen,
				    m->links[i / 2].end[i % 2].ifname, strerror(-r), ext(nl));
	case STEP_RAN_ADDR:
	case STEP_RAN_ROUTE:
		ip_str(m->nodes[node].ue_addr, a);
		if (TAG_STEP(t) == STEP_RAN_ADDR)
			return topo_err_set(err, r, "UE %s: adding its address %s/32 to %s: %s%s",
					    name, a, TOPO_RAN_IFNAME, strerror(-r), ext(nl));
		return topo_err_set(err, r, "UE %s: adding its default route dev %s src %s: %s%s",
				    name, TOPO_RAN_IFNAME, a, strerror(-r), ext(nl));
	default:
		ip_str(net->routes.v[i].dst, a);
		ip_str(net->routes.v[i].via, b);
		return topo_err_set(err, r, "node %s: adding route %s/%u via %s: %s%s", name, a,
				    net->routes.v[i].plen, b, strerror(-r), ext(nl));
	}
}

static int build_config(struct topo_net *net, struct topo_err *err)
{
	const struct topo_model *m = net->m;
	int first = 0, r;

	for (unsigned i = 0; i < m->n_nodes; i++) {
		struct topo_node_rt *n = &net->nodes[i];

		queue(n, emu_msg_link_set_up(emu_nl_slot(n->nl), 1, true), TAG(STEP_LO, 0), &first);
		if (first)
			return config_error(net, i, first, err);
	}
	for (unsigned l = 0; l < m->n_links; l++) {
		for (unsigned e = 0; e < 2; e++) {
			const struct topo_if *f = &m->links[l].end[e];
			struct topo_node_rt *n = &net->nodes[f->node];
			int idx = net->ifindex[2 * l + e];

			/* The end a veth request names came up with it; its peer comes up here. */
			if (e == 1 && !net->relayed[l])
				queue(n, emu_msg_link_set_up(emu_nl_slot(n->nl), idx, true),
				      TAG(STEP_UP, 2 * l + e), &first);
			if (!first)
				queue(n,
				      emu_msg_addr_add(emu_nl_slot(n->nl), idx, htonl(f->addr),
						       f->plen),
				      TAG(STEP_ADDR, 2 * l + e), &first);
			if (first)
				return config_error(net, f->node, first, err);
		}
	}
	/*
	 * A radio UE's one address, on its radio interface, and everything out of it: the relay
	 * takes its frames to its cell whatever their destination (no ARP: NOARP).
	 */
	for (unsigned i = 0; i < net->n_ran_ues; i++) {
		unsigned u = net->ran_ue[i];
		struct topo_node_rt *n = &net->nodes[u];
		uint32_t a = htonl(m->nodes[u].ue_addr);

		queue(n, emu_msg_addr_add(emu_nl_slot(n->nl), net->ran_ifindex[u], a, 32),
		      TAG(STEP_RAN_ADDR, 0), &first);
		if (!first)
			queue(n,
			      emu_msg_route_add_src(emu_nl_slot(n->nl), 0, 0, 0,
						    net->ran_ifindex[u], a),
			      TAG(STEP_RAN_ROUTE, 0), &first);
		if (first)
			return config_error(net, u, first, err);
	}
	for (size_t k = 0; k < net->routes.n; k++) {
		const struct topo_route *rt = &net->routes.v[k];
		struct topo_node_rt *n = &net->nodes[rt->node];

		queue(n,
		      emu_msg_route_add(emu_nl_slot(n->nl), htonl(rt->dst), rt->plen,
					htonl(rt->via), net->ifindex[2 * rt->link + rt->end]),
		      TAG(STEP_ROUTE, k), &first);
		if (first)
			return config_error(net, rt->node, first, err);
	}
	for (unsigned i = 0; i < m->n_nodes; i++) {
		r = emu_nl_flush(net->nodes[i].nl);
		if (r < 0)
			return config_error(net, i, r, err);
	}
	return 0;
}

/*
 * Everything the build is about to create, in one write before any of it exists: teardown
 * skips what a killed build never got to, and one write is cheaper than hundreds.
 */
static int write_ledger(struct topo_net *net)
{
	const struct topo_model *m = net->m;
	size_t cap =
	    128 + (size_t)m->n_nodes * 3 * (sizeof(net->nodes[0].ns) + 8) +
	    (size_t)m->n_nodes * (2 * sizeof(net->nodes[0].ns) + 2 * TOPO_IFNAME_MAX + 16) +
	    (size_t)m->n_links * 4 * (2 * sizeof(net->nodes[0].ns) + 2 * TOPO_IFNAME_MAX + 16);
	char *text = malloc(cap), relay_ns[sizeof(net->nodes[0].ns) + 8] = "";
	size_t len = 0;
	int r;

	if (!text)
		return -ENOMEM;
	len += (size_t)snprintf(text + len, cap - len, "run %s\n", net->name);
	for (unsigned i = 0; i < m->n_nodes; i++)
		len += (size_t)snprintf(text + len, cap - len, "netns %s\n", net->nodes[i].ns);
	for (unsigned i = 0; i < m->n_nodes; i++)
		len += (size_t)snprintf(text + len, cap - len, "etc %s\n", net->nodes[i].ns);
	if (needs_relay(net)) {
		topo_relay_ns_name(relay_ns, sizeof(relay_ns), net->name);
		len += (size_t)snprintf(text + len, cap - len, "netns %s\n", relay_ns);
	}
	for (unsigned l = 0; l < m->n_links; l++) {
		for (unsigned e = 0; e < 2; e++) {
			const struct topo_if *a = &m->links[l].end[e], *b = &m->links[l].end[!e];
			char rname[TOPO_IFNAME_MAX + 1];

			if (net->relayed[l]) {
				topo_relay_ifname(rname, sizeof(rname), l, e);
				len += (size_t)snprintf(text + len, cap - len, "veth %s %s %s %s\n",
							net->nodes[a->node].ns, a->ifname, relay_ns,
							rname);
			} else if (e == 0) {
				len += (size_t)snprintf(text + len, cap - len, "veth %s %s %s %s\n",
							net->nodes[a->node].ns, a->ifname,
							net->nodes[b->node].ns, b->ifname);
			}
			if (!net->relayed[l] && topo_shape_is_set(&m->links[l].dir[e]))
				len += (size_t)snprintf(text + len, cap - len, "qdisc %s %s\n",
							net->nodes[a->node].ns, a->ifname);
		}
	}
	/* The radio access ports go with the relay's namespace; listed for people reading. */
	for (unsigned k = 0; k < net->n_ran_ues + net->n_ran_cells; k++) {
		unsigned kind = k >= net->n_ran_ues, i = kind ? k - net->n_ran_ues : k;
		unsigned node = kind ? net->ran_cell[i] : net->ran_ue[i];
		char port[TOPO_IFNAME_MAX + 1];

		topo_ran_port_name(port, sizeof(port), kind, i);
		len += (size_t)snprintf(text + len, cap - len, "veth %s %s %s %s\n",
					net->nodes[node].ns, TOPO_RAN_IFNAME, relay_ns, port);
	}
	r = topo_ledger_write(net, text, len);
	free(text);
	return r;
}

/* Record the time since *t for a step and restart the clock. */
static void lap(struct topo_net *net, int step, double *t)
{
	double now = util_now_ms();

	net->step_ms[step] = now - *t;
	*t = now;
}

int topo_net_build(struct topo_net *net, volatile sig_atomic_t *stop, struct topo_err *err)
{
	struct ready rd = {.workers = ns_threads()};
	struct pool ns, etc;
	struct topo_err etc_err, links_err;
	double t = util_now_ms();
	int r, etc_r, links_r;

	raise_fd_limit(net->m->n_nodes, net->m->n_links, net->n_ran_ues + net->n_ran_cells);
	r = topo_net_choose_backend(net, err);
	if (r < 0)
		return r;
	r = write_ledger(net);
	if (r < 0)
		return topo_err_set(err, r, "writing the ledger in %s: %s", net->dir, strerror(-r));
	r = emu_nl_open(&net->root);
	if (r < 0)
		return topo_err_set(err, r, "opening a netlink socket: %s", strerror(-r));
	if (mkdir(TOPO_ETC_NETNS, 0755) < 0 && errno != EEXIST)
		return topo_err_set(err, -errno, "creating %s: %s", TOPO_ETC_NETNS,
				    strerror(errno));
	r = reserve_names(net, err);
	if (r == 0 && needs_relay(net)) {
		char relay_ns[sizeof(net->nodes[0].ns) + 8];

		topo_relay_ns_name(relay_ns, sizeof(relay_ns), net->name);
		r = emu_netns_create(relay_ns, relay_ns_init, NULL, &net->relay_ns_fd);
		if (r < 0)
			topo_err_set(err, r, "creating the relay's namespace %s: %s", relay_ns,
				     strerror(-r));
	}
	if (r < 0)
		return r;
	rd.node = calloc(net->m->n_nodes + 1, 1);
	if (!rd.node)
		return topo_err_set(err, -ENOMEM, "out of memory");
	pthread_mutex_init(&rd.lock, NULL);
	pthread_cond_init(&rd.cond, NULL);
	pool_start(&etc, ETC_THREADS, etc_worker, net, stop, &rd);
	pool_start(&ns, rd.workers, ns_worker, net, stop, &rd);

	links_r = build_links(net, &rd, stop, &links_err);
	if (links_r < 0)
		rd.abort = true;
	lap(net, 2, &t);
	/* A namespace's own error explains a link that never came; it wins. */
	r = pool_join(&ns, err, &net->step_ms[0]);
	if (r == 0 && links_r < 0) {
		r = links_r;
		*err = links_err;
	}
	pthread_cond_destroy(&rd.cond);
	pthread_mutex_destroy(&rd.lock);
	free(rd.node);
	if (r == 0 && stop && *stop)
		r = topo_err_set(err, -EINTR, "interrupted");
	if (r == 0)
		r = build_config(net, err);
	if (r == 0)
		r = build_netem(net, err);
	if (r == 0 && needs_relay(net))
		r = topo_relay_start(net, err);
	lap(net, 3, &t);

	etc_r = pool_join(&etc, &etc_err, &net->step_ms[1]);
	if (r == 0 && etc_r < 0) {
		r = etc_r;
		*err = etc_err;
	}
	if (r == 0 && stop && *stop)
		r = topo_err_set(err, -EINTR, "interrupted");
	if (r < 0)
		return r;
	r = topo_net_mark_up(net);
	if (r < 0)
		return topo_err_set(err, r, "writing the run's meta: %s", strerror(-r));
	return 0;
}
