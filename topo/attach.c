/* SPDX-License-Identifier: MIT */
/*
 * A radio UE attached to a cell: its routes (the run's pool, a default route and every
 * service's VIP) go through the eNB on that cell's radio link, from the UE's address on that
 * link. One batch of requests on the UE's socket, so a handover is a single round trip to
 * the kernel and every route changes in place (replace, never delete then add).
 */
#include "topo/net.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "emu/emu.h"

#define POOL_PLEN 16

/* The routes a cell gives a UE: tag 0 the pool, 1 the default, 2 + i the VIP of service i. */
static void route_of(const struct topo_net *net, uint32_t tag, uint32_t *dst, uint8_t *plen)
{
	if (tag == 0) {
		*dst = topo_pool_base(net->slot);
		*plen = POOL_PLEN;
	} else if (tag == 1) {
		*dst = 0;
		*plen = 0;
	} else {
		*dst = net->m->services[tag - 2].vip;
		*plen = 32;
	}
}

/* A detach finds some routes gone already (a UE never attached): that is its goal. */
static int gone_ok(int r, bool detach)
{
	return detach && (r == -ESRCH || r == -ENOENT) ? 0 : r;
}

int topo_net_ue_attach(struct topo_net *net, unsigned ue, int link, struct topo_err *err)
{
	const struct topo_model *m = net->m;
	const struct topo_link *k = NULL;
	bool detach = link < 0;
	char dst_s[INET_ADDRSTRLEN], cell[2 * TOPO_NAME_MAX + TOPO_IFNAME_MAX + 40];
	struct in_addr in;
	struct emu_nl *nl = NULL;
	uint32_t n = 2 + m->n_services, dst;
	uint8_t plen;
	int r;

	if (ue >= m->n_nodes || !topo_ue_is_radio(m, ue))
		return topo_err_set(err, -EINVAL, "node %s is not a UE with radio links",
				    ue < m->n_nodes ? m->nodes[ue].name : "?");
	if (!detach) {
		if ((unsigned)link >= m->n_links || !m->links[link].radio ||
		    m->links[link].end[0].node != ue)
			return topo_err_set(err, -EINVAL,
					    "UE %s: link %d is not one of its radio links",
					    m->nodes[ue].name, link);
		k = &m->links[link];
		snprintf(cell, sizeof(cell), "attaching to cell %s (%s:%s)",
			 m->nodes[k->end[1].node].name, m->nodes[ue].name, k->end[0].ifname);
	} else {
		snprintf(cell, sizeof(cell), "detaching from its cell");
	}
	r = topo_net_node_nl(net, ue, &nl);
	if (r < 0)
		return topo_err_set(err, r, "UE %s: %s: its netlink socket: %s", m->nodes[ue].name,
				    cell, strerror(-r));
	for (uint32_t t = 0; t < n && r == 0; t++) {
		struct nlmsghdr *nlh;

		route_of(net, t, &dst, &plen);
		if (detach)
			nlh = emu_msg_route_del(emu_nl_slot(nl), htonl(dst), plen);
		else
			nlh = emu_msg_route_replace_src(
			    emu_nl_slot(nl), htonl(dst), plen, htonl(k->end[1].addr),
			    net->ifindex[2 * (unsigned)link], htonl(k->end[0].addr));
		/* A full batch goes out on its own; only its first failure is told. */
		r = gone_ok(emu_nl_queue(nl, nlh, t), detach);
	}
	if (r == 0)
		r = gone_ok(emu_nl_flush(nl), detach);
	if (r < 0) {
		route_of(net, nl->err_tag < n ? nl->err_tag : 0, &dst, &plen);
		in.s_addr = htonl(dst);
		inet_ntop(AF_INET, &in, dst_s, sizeof(dst_s));
		return topo_err_set(err, r, "UE %s: %s: %s the route to %s/%u: %s%s%s%s",
				    m->nodes[ue].name, cell, detach ? "deleting" : "replacing",
				    dst_s, plen, strerror(-r), nl->ext[0] ? " (" : "", nl->ext,
				    nl->ext[0] ? ")" : "");
	}
	return 0;
}
