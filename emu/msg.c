/* SPDX-License-Identifier: MIT */
/*
 * Request builders. Each writes one complete message at buf and returns it; the caller
 * sends it (usually through a batch) or, in unit tests, parses it back.
 */
#include "emu/emu.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

static struct nlmsghdr *put(void *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

struct nlmsghdr *emu_msg_veth_add(void *buf, const char *name, int ns_fd, int index,
				  const char *peer, int peer_ns_fd, int peer_index)
{
	return emu_msg_veth_add_mac(buf, name, ns_fd, index, NULL, peer, peer_ns_fd, peer_index,
				    NULL);
}

struct nlmsghdr *emu_msg_veth_add_mac(void *buf, const char *name, int ns_fd, int index,
				      const uint8_t *mac, const char *peer, int peer_ns_fd,
				      int peer_index, const uint8_t *peer_mac)
{
	struct nlmsghdr *nlh = put(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi, *pifi;
	struct nlattr *linkinfo, *data, *pnest;

	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, EMU_MAC_LEN, mac);
	if (ns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)ns_fd);
	mnl_attr_put_u32(nlh, IFLA_NUM_TX_QUEUES, 1);
	mnl_attr_put_u32(nlh, IFLA_NUM_RX_QUEUES, 1);

	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	/* The peer is described by its own ifinfomsg followed by link attributes. */
	pnest = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	pifi = (struct ifinfomsg *)((char *)nlh + nlh->nlmsg_len);
	memset(pifi, 0, sizeof(*pifi));
	pifi->ifi_family = AF_UNSPEC;
	pifi->ifi_index = peer_index;
	nlh->nlmsg_len += MNL_ALIGN(sizeof(*pifi));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	if (peer_mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, EMU_MAC_LEN, peer_mac);
	if (peer_ns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_ns_fd);
	mnl_attr_put_u32(nlh, IFLA_NUM_TX_QUEUES, 1);
	mnl_attr_put_u32(nlh, IFLA_NUM_RX_QUEUES, 1);
	mnl_attr_nest_end(nlh, pnest);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	return nlh;
}

struct nlmsghdr *emu_msg_link_up_at_create(struct nlmsghdr *nlh)
{
	return emu_msg_link_flags_at_create(nlh, IFF_UP);
}

struct nlmsghdr *emu_msg_link_flags_at_create(struct nlmsghdr *nlh, unsigned flags)
{
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_flags |= flags;
	ifi->ifi_change |= flags;
	return nlh;
}

struct nlmsghdr *emu_msg_link_set_up(void *buf, int index, bool up)
{
	struct nlmsghdr *nlh = put(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	ifi->ifi_flags = up ? IFF_UP : 0;
	ifi->ifi_change = IFF_UP;
	return nlh;
}

struct nlmsghdr *emu_msg_link_del(void *buf, int index)
{
	struct nlmsghdr *nlh = put(buf, RTM_DELLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	return nlh;
}

struct nlmsghdr *emu_msg_addr_add(void *buf, int index, uint32_t addr_be, uint8_t plen)
{
	struct nlmsghdr *nlh = put(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)index;
	mnl_attr_put_u32(nlh, IFA_LOCAL, addr_be);
	mnl_attr_put_u32(nlh, IFA_ADDRESS, addr_be);
	if (plen < 31) {
		uint32_t mask = plen ? htonl(~0u << (32 - plen)) : 0;

		mnl_attr_put_u32(nlh, IFA_BROADCAST, addr_be | ~mask);
	}
	return nlh;
}

static struct nlmsghdr *route(void *buf, uint16_t flags, uint32_t dst_be, uint8_t plen,
			      uint32_t via_be, int oif, uint32_t src_be)
{
	struct nlmsghdr *nlh = put(buf, RTM_NEWROUTE, flags);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = plen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = via_be ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	if (plen)
		mnl_attr_put_u32(nlh, RTA_DST, dst_be);
	if (via_be)
		mnl_attr_put_u32(nlh, RTA_GATEWAY, via_be);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	if (src_be)
		mnl_attr_put_u32(nlh, RTA_PREFSRC, src_be);
	return nlh;
}

struct nlmsghdr *emu_msg_route_add(void *buf, uint32_t dst_be, uint8_t plen, uint32_t via_be,
				   int oif)
{
	return route(buf, NLM_F_CREATE | NLM_F_EXCL, dst_be, plen, via_be, oif, 0);
}

struct nlmsghdr *emu_msg_route_add_src(void *buf, uint32_t dst_be, uint8_t plen, uint32_t via_be,
				       int oif, uint32_t src_be)
{
	return route(buf, NLM_F_CREATE | NLM_F_EXCL, dst_be, plen, via_be, oif, src_be);
}

struct nlmsghdr *emu_msg_route_replace(void *buf, uint32_t dst_be, uint8_t plen, uint32_t via_be,
				       int oif)
{
	return route(buf, NLM_F_CREATE | NLM_F_REPLACE, dst_be, plen, via_be, oif, 0);
}

struct nlmsghdr *emu_msg_route_replace_src(void *buf, uint32_t dst_be, uint8_t plen,
					   uint32_t via_be, int oif, uint32_t src_be)
{
	return route(buf, NLM_F_CREATE | NLM_F_REPLACE, dst_be, plen, via_be, oif, src_be);
}

struct nlmsghdr *emu_msg_route_del(void *buf, uint32_t dst_be, uint8_t plen)
{
	struct nlmsghdr *nlh = put(buf, RTM_DELROUTE, 0);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	/* No next hop, protocol or scope given: the kernel matches any (as `ip route del`). */
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = plen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_scope = RT_SCOPE_NOWHERE;
	rtm->rtm_type = RTN_UNICAST;
	if (plen)
		mnl_attr_put_u32(nlh, RTA_DST, dst_be);
	return nlh;
}

struct nlmsghdr *emu_msg_nsid_set(void *buf, int ns_fd, int32_t nsid)
{
	struct nlmsghdr *nlh = put(buf, RTM_NEWNSID, 0);
	struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t)ns_fd);
	mnl_attr_put_u32(nlh, NETNSA_NSID, (uint32_t)nsid);
	return nlh;
}

struct nlmsghdr *emu_msg_qdisc_add(void *buf, int index, uint32_t parent, uint32_t handle,
				   const char *kind, const void *opts, size_t optlen)
{
	struct nlmsghdr *nlh = put(buf, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL);
	struct tcmsg *tc = mnl_nlmsg_put_extra_header(nlh, sizeof(*tc));

	tc->tcm_family = AF_UNSPEC;
	tc->tcm_ifindex = index;
	tc->tcm_parent = parent;
	tc->tcm_handle = handle;
	mnl_attr_put_strz(nlh, TCA_KIND, kind);
	if (opts)
		mnl_attr_put(nlh, TCA_OPTIONS, optlen, opts);
	return nlh;
}

struct nlmsghdr *emu_msg_filter_bpf_add(void *buf, int index, uint32_t parent, int prog_fd,
					const char *name)
{
	struct nlmsghdr *nlh = put(buf, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL);
	struct tcmsg *tc = mnl_nlmsg_put_extra_header(nlh, sizeof(*tc));
	struct nlattr *opts;

	tc->tcm_family = AF_UNSPEC;
	tc->tcm_ifindex = index;
	tc->tcm_parent = parent;
	tc->tcm_handle = 1;
	/* priority 1, protocol ETH_P_ALL (network order) */
	tc->tcm_info = TC_H_MAKE(1u << 16, htons(0x0003));
	mnl_attr_put_strz(nlh, TCA_KIND, "bpf");
	opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put_u32(nlh, TCA_BPF_FD, (uint32_t)prog_fd);
	mnl_attr_put_strz(nlh, TCA_BPF_NAME, name);
	mnl_attr_put_u32(nlh, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
	mnl_attr_nest_end(nlh, opts);
	return nlh;
}

static struct nlmsghdr *dump(void *buf, uint16_t type, size_t hdrlen, uint8_t family)
{
	struct nlmsghdr *nlh = put(buf, type, NLM_F_DUMP);
	unsigned char *fam = mnl_nlmsg_put_extra_header(nlh, hdrlen);

	fam[0] = family; /* every family header starts with its family byte */
	return nlh;
}

struct nlmsghdr *emu_msg_link_dump(void *buf)
{
	return dump(buf, RTM_GETLINK, sizeof(struct ifinfomsg), AF_UNSPEC);
}

struct nlmsghdr *emu_msg_stats64_dump(void *buf)
{
	struct nlmsghdr *nlh = dump(buf, RTM_GETSTATS, sizeof(struct if_stats_msg), AF_UNSPEC);
	struct if_stats_msg *ifsm = mnl_nlmsg_get_payload(nlh);

	ifsm->filter_mask = IFLA_STATS_FILTER_BIT(IFLA_STATS_LINK_64);
	return nlh;
}

struct nlmsghdr *emu_msg_addr_dump(void *buf)
{
	return dump(buf, RTM_GETADDR, sizeof(struct ifaddrmsg), AF_INET);
}

struct nlmsghdr *emu_msg_route_dump(void *buf)
{
	return dump(buf, RTM_GETROUTE, sizeof(struct rtmsg), AF_INET);
}
