/* SPDX-License-Identifier: MIT */
/*
 * Radio UEs and their cells (issue 14, docs/ran.md): a UE keeps one address; the relay
 * switches its frames to the new cell's port and its /32 moves on the nodes whose next hop
 * changes, one batch of requests per node, every route changed in place (replace, never
 * delete then add).
 */
#include "topo/net.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "emu/emu.h"
#include "emu/relay.h"

/* This process's connection to the run's relay, opened on first use. */
static int relay_conn(struct topo_net *net, struct emu_relay_conn **ret)
{
	char path[PATH_MAX + 16];
	int r;

	if (!net->relay_conn) {
		snprintf(path, sizeof(path), "%s/relay.sock", net->dir);
		r = emu_relay_conn_open(path, &net->relay_conn);
		if (r < 0)
			return r;
	}
	*ret = net->relay_conn;
	return 0;
}

/* A request that failed on a broken connection: the next one opens a new one. */
static int relay_failed(struct topo_net *net, int r)
{
	if (r == -EPIPE || r == -ECONNRESET || r == -ENOTCONN) {
		emu_relay_conn_close(net->relay_conn);
		net->relay_conn = NULL;
	}
	return r;
}

/* UE ue's index among the radio UEs (kind 0) or eNB ue's among the cells (kind 1), or -1. */
static int ran_index(const struct topo_net *net, unsigned node, unsigned kind)
{
	const struct topo_model *m = net->m;

	if (!topo_net_has_ran(net) || node >= m->n_nodes ||
	    m->nodes[node].kind != (kind ? TOPO_ENB : TOPO_UE))
		return -1;
	return net->ran_of[node];
}

static void ip_str(uint32_t a, char *buf)
{
	struct in_addr in = {htonl(a)};

	inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

/* The error of route change k of a switch: the UE, the cell, the node and the route. */
static int route_error(struct topo_net *net, unsigned ue, unsigned enb,
		       const struct topo_ran_route *rt, struct emu_nl *nl, int r,
		       struct topo_err *err)
{
	const struct topo_model *m = net->m;
	char dst[INET_ADDRSTRLEN], via[INET_ADDRSTRLEN],
	    how[INET_ADDRSTRLEN + 2 * TOPO_IFNAME_MAX + 16];

	ip_str(m->nodes[ue].ue_addr, dst);
	if (rt->del) {
		snprintf(how, sizeof(how), "deleting");
	} else if (rt->dev_only) {
		snprintf(how, sizeof(how), "replacing (dev %s)", TOPO_RAN_IFNAME);
	} else {
		ip_str(rt->via, via);
		snprintf(how, sizeof(how), "replacing (via %s dev %s)", via,
			 m->links[rt->link].end[rt->end].ifname);
	}
	return topo_err_set(
	    err, r, "UE %s: attaching to cell %s: node %s: %s the route to %s/32: %s%s%s%s",
	    m->nodes[ue].name, m->nodes[enb].name, m->nodes[rt->node].name, how, dst, strerror(-r),
	    nl && nl->ext[0] ? " (" : "", nl ? nl->ext : "", nl && nl->ext[0] ? ")" : "");
}

static struct nlmsghdr *route_msg(const struct topo_net *net, void *buf, uint32_t dst_be,
				  const struct topo_ran_route *rt)
{
	if (rt->del)
		return emu_msg_route_del(buf, dst_be, 32);
	if (rt->dev_only)
		return emu_msg_route_replace(buf, dst_be, 32, 0, net->ran_ifindex[rt->node]);
	return emu_msg_route_replace(buf, dst_be, 32, htonl(rt->via),
				     net->ifindex[2 * rt->link + rt->end]);
}

/*
 * UE ue's /32 from eNB node `from` (-1: none yet) to eNB node `to`: every request out on its
 * node's socket first, then the acknowledgements, so the routes change close together. A
 * delete that finds no route is what it wanted.
 */
static int move_routes(struct topo_net *net, unsigned ue, int from, unsigned to,
		       struct topo_err *err)
{
	const struct topo_model *m = net->m;
	uint32_t dst = htonl(m->nodes[ue].ue_addr);
	struct topo_ran_route *v;
	size_t n;
	int r = 0;

	if (!net->ran_plan && (r = topo_ran_plan_new(m, &net->ran_plan)) < 0)
		return topo_err_set(err, r, "UE %s: attaching to cell %s: planning its routes: %s",
				    m->nodes[ue].name, m->nodes[to].name, strerror(-r));
	if (!net->ran_routes && !(net->ran_routes = calloc(m->n_nodes, sizeof(*v))))
		return topo_err_set(err, -ENOMEM, "out of memory");
	v = net->ran_routes;
	n = topo_ran_switch(net->ran_plan, ue, from, (int)to, v);
	for (size_t k = 0; k < n; k++) {
		struct emu_nl *nl = NULL;

		r = topo_net_node_nl(net, v[k].node, &nl);
		if (r == 0)
			r = emu_nl_queue(nl, route_msg(net, emu_nl_slot(nl), dst, &v[k]),
					 (uint32_t)k);
		if (r < 0)
			return route_error(net, ue, to, &v[k], nl, r, err);
	}
	/* Every node's batch goes, even after a failure: nothing stays queued for later. */
	for (size_t k = 0, failed = n; k < n; k++) {
		struct emu_nl *nl = net->nodes[v[k].node].nl;
		int f = emu_nl_flush(nl);

		if (f < 0 && nl->err_tag < n && v[nl->err_tag].del && (f == -ESRCH || f == -ENOENT))
			f = 0;
		if (f < 0 && failed == n) {
			failed = nl->err_tag < n ? nl->err_tag : k;
			r = route_error(net, ue, to, &v[failed], nl, f, err);
		}
	}
	return r;
}

int topo_net_ran_attach(struct topo_net *net, unsigned ue, int enb, struct topo_err *err)
{
	const struct topo_model *m = net->m;
	struct emu_relay_conn *c;
	int u = ran_index(net, ue, 0), cell = -1, last = -1, r;
	const char *cell_name = enb >= 0 && (unsigned)enb < m->n_nodes ? m->nodes[enb].name : "-";

	if (u < 0)
		return topo_err_set(err, -EINVAL, "node %s is not a radio UE",
				    ue < m->n_nodes ? m->nodes[ue].name : "?");
	if (enb >= 0 && (cell = ran_index(net, (unsigned)enb, 1)) < 0)
		return topo_err_set(err, -EINVAL, "UE %s: node %s is not an eNB", m->nodes[ue].name,
				    cell_name);
	r = relay_conn(net, &c);
	if (r == 0)
		r = relay_failed(net, emu_relay_ran_attach(c, (unsigned)u, cell, &last));
	if (r < 0)
		return topo_err_set(err, r, "UE %s: %s%s at the relay (%s/relay.sock): %s",
				    m->nodes[ue].name,
				    enb >= 0 ? "attaching to cell " : "detaching",
				    enb >= 0 ? cell_name : "", net->dir, strerror(-r));
	if (enb < 0)
		return 0; /* the routes stay: downlink on its way reaches the old cell */
	return move_routes(net, ue, last >= 0 ? (int)net->ran_cell[last] : -1, (unsigned)enb, err);
}

int topo_net_ran_prepare(struct topo_net *net, unsigned ue, int enb, struct topo_err *err)
{
	const struct topo_model *m = net->m;
	struct emu_relay_conn *c;
	int u = ran_index(net, ue, 0), cell = -1, r;

	if (u < 0)
		return topo_err_set(err, -EINVAL, "node %s is not a radio UE",
				    ue < m->n_nodes ? m->nodes[ue].name : "?");
	if (enb < 0 || (cell = ran_index(net, (unsigned)enb, 1)) < 0)
		return topo_err_set(err, -EINVAL, "UE %s: node %s is not an eNB", m->nodes[ue].name,
				    enb >= 0 && (unsigned)enb < m->n_nodes ? m->nodes[enb].name
									   : "-");
	r = relay_conn(net, &c);
	if (r == 0)
		r = relay_failed(net, emu_relay_ran_prepare(c, (unsigned)u, cell, NULL));
	if (r < 0)
		return topo_err_set(err, r,
				    "UE %s: preparing its handover to cell %s at the relay "
				    "(%s/relay.sock): %s",
				    m->nodes[ue].name, m->nodes[enb].name, net->dir, strerror(-r));
	return 0; /* the routes stay on the old cell, which forwards to the target */
}

int topo_net_ran_shape(struct topo_net *net, unsigned ue, unsigned dir, const struct emu_shape *s,
		       struct topo_err *err)
{
	const struct topo_model *m = net->m;
	struct emu_relay_conn *c;
	int u = ran_index(net, ue, 0), r;

	if (u < 0 || dir > 1)
		return topo_err_set(err, -EINVAL, "node %s is not a radio UE (or no direction %u)",
				    ue < m->n_nodes ? m->nodes[ue].name : "?", dir);
	r = relay_conn(net, &c);
	if (r == 0)
		r = relay_failed(net, emu_relay_ran_shape(c, (unsigned)u, dir, s));
	if (r < 0)
		return topo_err_set(err, r, "UE %s: shaping its radio %s at the relay: %s",
				    m->nodes[ue].name, dir ? "downlink" : "uplink", strerror(-r));
	return 0;
}

/* The relay's counters as the runner books them. */
static void cell_stats_of(const struct emu_ran_cell_stats *st, struct topo_cell_stats *ret)
{
	*ret = (struct topo_cell_stats){
	    .up_pkts = st->up_pkts,
	    .up_bytes = st->up_bytes,
	    .down_pkts = st->down_pkts,
	    .down_bytes = st->down_bytes,
	    .x2_pkts = st->x2_pkts,
	    .x2_bytes = st->x2_bytes,
	    .ho_drop_pkts = st->ho_drop_pkts,
	    /* The relay tells radio loss and full queues apart; the cell's drops are all three. */
	    .drop_pkts = st->drop_pkts + st->lost_pkts + st->full_pkts,
	    .ues = st->ues,
	};
}

int topo_net_cell_stats(struct topo_net *net, unsigned enb, struct topo_cell_stats *ret)
{
	struct emu_ran_cell_stats st;
	struct emu_relay_conn *c;
	int cell = ran_index(net, enb, 1), r;

	if (cell < 0)
		return -EINVAL;
	r = relay_conn(net, &c);
	if (r == 0)
		r = relay_failed(net, emu_relay_ran_cell_stats(c, (unsigned)cell, &st));
	if (r < 0)
		return r;
	cell_stats_of(&st, ret);
	return 0;
}

int topo_net_cells_stats(struct topo_net *net, struct topo_cell_stats *ret)
{
	unsigned n = net->n_ran_cells;
	struct emu_ran_cell_stats *st;
	struct emu_relay_conn *c;
	int r;

	if (!topo_net_has_ran(net))
		return -EINVAL;
	st = malloc(n * sizeof(*st));
	if (!st)
		return -ENOMEM;
	r = relay_conn(net, &c);
	if (r == 0)
		r = relay_failed(net, emu_relay_ran_cells_stats(c, 0, n, st));
	/* All or nothing: a failed reading leaves ret as it was. */
	for (unsigned i = 0; r == 0 && i < n; i++)
		cell_stats_of(&st[i], &ret[i]);
	free(st);
	return r;
}

int topo_net_cells_stats_send(struct topo_net *net, int *ret_fd)
{
	struct emu_relay_conn *c;
	int r;

	if (!topo_net_has_ran(net))
		return -EINVAL;
	r = relay_conn(net, &c);
	if (r == 0)
		r = relay_failed(net, emu_relay_ran_cells_stats_send(c, 0, net->n_ran_cells));
	if (r == 0)
		*ret_fd = emu_relay_conn_fd(c);
	return r;
}

int topo_net_cells_stats_recv(struct topo_net *net, struct topo_cell_stats *ret, bool wait)
{
	unsigned n = net->n_ran_cells;
	struct emu_ran_cell_stats *st;
	int r;

	if (!topo_net_has_ran(net))
		return -EINVAL;
	/* The connection the reading was asked on broke (and was closed): the reading is lost. */
	if (!net->relay_conn)
		return -ENOTCONN;
	st = malloc(n * sizeof(*st));
	if (!st)
		return -ENOMEM;
	r = relay_failed(net, emu_relay_ran_cells_stats_recv(net->relay_conn, st, wait));
	for (unsigned i = 0; r == 0 && i < n; i++)
		cell_stats_of(&st[i], &ret[i]);
	free(st);
	return r;
}

int topo_net_ran_shape_many(struct topo_net *net, const struct topo_ran_shape *v, size_t n,
			    struct topo_err *err)
{
	const struct topo_model *m = net->m;
	struct emu_ran_shape_req *q;
	struct emu_relay_conn *c;
	size_t bad = 0;
	int r;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (ran_index(net, v[i].ue, 0) < 0 || v[i].dir > 1)
			return topo_err_set(
			    err, -EINVAL, "node %s is not a radio UE (or no direction %u)",
			    v[i].ue < m->n_nodes ? m->nodes[v[i].ue].name : "?", v[i].dir);
	q = malloc(n * sizeof(*q));
	if (!q)
		return topo_err_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		q[i] = (struct emu_ran_shape_req){(unsigned)net->ran_of[v[i].ue], v[i].dir, v[i].s};
	r = relay_conn(net, &c);
	if (r == 0)
		r = relay_failed(net, emu_relay_ran_shape_many(c, q, n, &bad));
	free(q);
	if (r < 0)
		return topo_err_set(err, r, "UE %s: shaping its radio %s at the relay: %s",
				    m->nodes[v[bad < n ? bad : 0].ue].name,
				    v[bad < n ? bad : 0].dir ? "downlink" : "uplink", strerror(-r));
	return 0;
}
