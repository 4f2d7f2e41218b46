/* SPDX-License-Identifier: MIT */
/* Netlink request builders: each message parsed back and checked attribute by attribute. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "emu/emu.h"

#define MAXATTR 64

static char buf[EMU_MSG_MAX];

/* Index the attributes that follow a family header of hdrlen bytes; every one must be valid. */
static void attrs(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb)
{
	const struct nlattr *a;
	size_t seen = 0;

	memset(tb, 0, MAXATTR * sizeof(*tb));
	mnl_attr_for_each(a, nlh, hdrlen)
	{
		assert_true(mnl_attr_get_type(a) < MAXATTR);
		assert_null(tb[mnl_attr_get_type(a)]); /* no attribute twice */
		tb[mnl_attr_get_type(a)] = a;
		seen += MNL_ALIGN(a->nla_len);
	}
	/* the attributes fill the message exactly */
	assert_int_equal(seen, nlh->nlmsg_len - MNL_ALIGN(sizeof(*nlh)) - MNL_ALIGN(hdrlen));
}

static void nested(const struct nlattr *nest, const struct nlattr **tb)
{
	const struct nlattr *a;

	memset(tb, 0, MAXATTR * sizeof(*tb));
	mnl_attr_for_each_nested(a, nest)
	{
		assert_true(mnl_attr_get_type(a) < MAXATTR);
		tb[mnl_attr_get_type(a)] = a;
	}
}

static void test_veth(void **state)
{
	const struct nlattr *tb[MAXATTR], *li[MAXATTR], *data[MAXATTR], *peer[MAXATTR];
	struct nlmsghdr *nlh = emu_msg_veth_add(buf, "eth0", 7, 2, "eth3", 9, 5);
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh), *pifi;
	const struct nlattr *a;

	assert_true(nlh->nlmsg_len <= EMU_MSG_MAX);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	assert_int_equal(ifi->ifi_index, 2);
	assert_int_equal(ifi->ifi_flags, 0); /* created down, set up per node later */
	attrs(nlh, sizeof(*ifi), tb);
	assert_string_equal(mnl_attr_get_str(tb[IFLA_IFNAME]), "eth0");
	assert_int_equal(mnl_attr_get_u32(tb[IFLA_NET_NS_FD]), 7);
	assert_non_null(tb[IFLA_LINKINFO]);
	nested(tb[IFLA_LINKINFO], li);
	assert_string_equal(mnl_attr_get_str(li[IFLA_INFO_KIND]), "veth");
	nested(li[IFLA_INFO_DATA], data);
	assert_non_null(data[VETH_INFO_PEER]);
	/* the peer: an ifinfomsg first, then its own attributes */
	pifi = mnl_attr_get_payload(data[VETH_INFO_PEER]);
	assert_int_equal(pifi->ifi_index, 5);
	assert_int_equal(pifi->ifi_family, AF_UNSPEC);
	memset(peer, 0, sizeof(peer));
	for (a = (const struct nlattr *)((const char *)pifi + MNL_ALIGN(sizeof(*pifi)));
	     (const char *)a < (const char *)data[VETH_INFO_PEER] + data[VETH_INFO_PEER]->nla_len;
	     a = mnl_attr_next(a))
		peer[mnl_attr_get_type(a)] = a;
	assert_string_equal(mnl_attr_get_str(peer[IFLA_IFNAME]), "eth3");
	assert_int_equal(mnl_attr_get_u32(peer[IFLA_NET_NS_FD]), 9);
}

static void test_veth_same_ns(void **state)
{
	const struct nlattr *tb[MAXATTR];
	struct nlmsghdr *nlh = emu_msg_veth_add(buf, "a", -1, 0, "b", -1, 0);

	attrs(nlh, sizeof(struct ifinfomsg), tb);
	assert_null(tb[IFLA_NET_NS_FD]); /* -1: stays in the socket's namespace */
}

/* Only the named end comes up with the request: its peer has no pair yet when it is made. */
static void test_veth_up_at_create(void **state)
{
	const struct nlattr *tb[MAXATTR], *li[MAXATTR], *data[MAXATTR];
	struct nlmsghdr *nlh =
	    emu_msg_link_up_at_create(emu_msg_veth_add(buf, "a", 3, 0, "b", 4, 0));
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh), *pifi;

	assert_int_equal(ifi->ifi_flags, IFF_UP);
	assert_int_equal(ifi->ifi_change, IFF_UP);
	attrs(nlh, sizeof(*ifi), tb);
	assert_string_equal(mnl_attr_get_str(tb[IFLA_IFNAME]), "a");
	nested(tb[IFLA_LINKINFO], li);
	nested(li[IFLA_INFO_DATA], data);
	pifi = mnl_attr_get_payload(data[VETH_INFO_PEER]);
	assert_int_equal(pifi->ifi_flags, 0);
	assert_int_equal(pifi->ifi_change, 0);
}

static void test_link_up_down(void **state)
{
	struct nlmsghdr *nlh = emu_msg_link_set_up(buf, 4, true);
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST); /* change, never create */
	assert_int_equal(ifi->ifi_index, 4);
	assert_int_equal(ifi->ifi_flags, IFF_UP);
	assert_int_equal(ifi->ifi_change, IFF_UP);
	nlh = emu_msg_link_set_up(buf, 4, false);
	ifi = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifi->ifi_flags, 0);
	assert_int_equal(ifi->ifi_change, IFF_UP);
	nlh = emu_msg_link_del(buf, 9);
	assert_int_equal(nlh->nlmsg_type, RTM_DELLINK);
	assert_int_equal(((const struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index, 9);
}

static void test_addr(void **state)
{
	const struct nlattr *tb[MAXATTR];
	struct nlmsghdr *nlh = emu_msg_addr_add(buf, 3, inet_addr("10.128.0.5"), 30);
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);

	assert_int_equal(nlh->nlmsg_type, RTM_NEWADDR);
	assert_int_equal(ifa->ifa_family, AF_INET);
	assert_int_equal(ifa->ifa_prefixlen, 30);
	assert_int_equal(ifa->ifa_index, 3);
	attrs(nlh, sizeof(*ifa), tb);
	assert_int_equal(mnl_attr_get_u32(tb[IFA_LOCAL]), inet_addr("10.128.0.5"));
	assert_int_equal(mnl_attr_get_u32(tb[IFA_ADDRESS]), inet_addr("10.128.0.5"));
	assert_int_equal(mnl_attr_get_u32(tb[IFA_BROADCAST]), inet_addr("10.128.0.7"));
	/* point-to-point prefixes have no broadcast address */
	nlh = emu_msg_addr_add(buf, 3, inet_addr("10.0.0.0"), 31);
	attrs(nlh, sizeof(*ifa), tb);
	assert_null(tb[IFA_BROADCAST]);
}

static void test_route(void **state)
{
	const struct nlattr *tb[MAXATTR];
	struct nlmsghdr *nlh =
	    emu_msg_route_add(buf, inet_addr("10.128.0.0"), 16, inet_addr("10.128.0.2"), 2);
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	assert_int_equal(nlh->nlmsg_type, RTM_NEWROUTE);
	assert_int_equal(rtm->rtm_family, AF_INET);
	assert_int_equal(rtm->rtm_dst_len, 16);
	assert_int_equal(rtm->rtm_table, RT_TABLE_MAIN);
	assert_int_equal(rtm->rtm_protocol, RTPROT_STATIC);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
	assert_int_equal(rtm->rtm_type, RTN_UNICAST);
	attrs(nlh, sizeof(*rtm), tb);
	assert_int_equal(mnl_attr_get_u32(tb[RTA_DST]), inet_addr("10.128.0.0"));
	assert_int_equal(mnl_attr_get_u32(tb[RTA_GATEWAY]), inet_addr("10.128.0.2"));
	assert_int_equal(mnl_attr_get_u32(tb[RTA_OIF]), 2);
	/* a default route carries no destination; a connected one no gateway, link scope */
	nlh = emu_msg_route_add(buf, 0, 0, 0, 5);
	rtm = mnl_nlmsg_get_payload(nlh);
	attrs(nlh, sizeof(*rtm), tb);
	assert_null(tb[RTA_DST]);
	assert_null(tb[RTA_GATEWAY]);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_LINK);
}

static void test_route_replace(void **state)
{
	const struct nlattr *tb[MAXATTR];
	struct nlmsghdr *nlh =
	    emu_msg_route_replace(buf, inet_addr("10.200.0.1"), 32, inet_addr("10.128.0.5"), 3);

	assert_int_equal(nlh->nlmsg_type, RTM_NEWROUTE);
	/* replace, not exclusive: a flip overwrites the route in one step */
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE);
	attrs(nlh, sizeof(struct rtmsg), tb);
	assert_int_equal(mnl_attr_get_u32(tb[RTA_DST]), inet_addr("10.200.0.1"));
	assert_int_equal(mnl_attr_get_u32(tb[RTA_GATEWAY]), inet_addr("10.128.0.5"));
	assert_int_equal(mnl_attr_get_u32(tb[RTA_OIF]), 3);
}

static void test_route_replace_src(void **state)
{
	const struct nlattr *tb[MAXATTR];
	struct nlmsghdr *nlh = emu_msg_route_replace_src(
	    buf, inet_addr("10.128.0.0"), 16, inet_addr("10.128.0.10"), 4, inet_addr("10.128.0.9"));
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	assert_int_equal(nlh->nlmsg_type, RTM_NEWROUTE);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE);
	assert_int_equal(rtm->rtm_dst_len, 16);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
	attrs(nlh, sizeof(*rtm), tb);
	assert_int_equal(mnl_attr_get_u32(tb[RTA_DST]), inet_addr("10.128.0.0"));
	assert_int_equal(mnl_attr_get_u32(tb[RTA_GATEWAY]), inet_addr("10.128.0.10"));
	assert_int_equal(mnl_attr_get_u32(tb[RTA_OIF]), 4);
	assert_int_equal(mnl_attr_get_u32(tb[RTA_PREFSRC]), inet_addr("10.128.0.9"));
	/* a default route: no destination; source 0 means no RTA_PREFSRC, as route_replace */
	nlh = emu_msg_route_replace_src(buf, 0, 0, inet_addr("10.128.0.10"), 4, 0);
	rtm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(rtm->rtm_dst_len, 0);
	attrs(nlh, sizeof(*rtm), tb);
	assert_null(tb[RTA_DST]);
	assert_null(tb[RTA_PREFSRC]);
	assert_int_equal(mnl_attr_get_u32(tb[RTA_GATEWAY]), inet_addr("10.128.0.10"));
}

static void test_route_del(void **state)
{
	const struct nlattr *tb[MAXATTR];
	struct nlmsghdr *nlh = emu_msg_route_del(buf, inet_addr("10.200.0.1"), 32);
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	assert_int_equal(nlh->nlmsg_type, RTM_DELROUTE);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST);
	assert_int_equal(rtm->rtm_family, AF_INET);
	assert_int_equal(rtm->rtm_dst_len, 32);
	assert_int_equal(rtm->rtm_table, RT_TABLE_MAIN);
	/* scope nowhere and protocol 0: any route to the destination matches */
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_NOWHERE);
	assert_int_equal(rtm->rtm_protocol, 0);
	attrs(nlh, sizeof(*rtm), tb);
	assert_int_equal(mnl_attr_get_u32(tb[RTA_DST]), inet_addr("10.200.0.1"));
	assert_null(tb[RTA_GATEWAY]);
	assert_null(tb[RTA_OIF]);
	nlh = emu_msg_route_del(buf, 0, 0);
	attrs(nlh, sizeof(*rtm), tb);
	assert_null(tb[RTA_DST]);
}

static void test_nsid(void **state)
{
	const struct nlattr *tb[MAXATTR];
	struct nlmsghdr *nlh = emu_msg_nsid_set(buf, 12, -1);

	assert_int_equal(nlh->nlmsg_type, RTM_NEWNSID);
	attrs(nlh, sizeof(struct rtgenmsg), tb);
	assert_int_equal(mnl_attr_get_u32(tb[NETNSA_FD]), 12);
	assert_int_equal((int32_t)mnl_attr_get_u32(tb[NETNSA_NSID]), -1);
}

static void test_qdisc(void **state)
{
	const struct nlattr *tb[MAXATTR];
	struct tc_netem_qopt q = {.limit = 1000, .loss = 42};
	struct nlmsghdr *nlh =
	    emu_msg_qdisc_add(buf, 2, TC_H_ROOT, 0x10000, "netem", &q, sizeof(q));
	const struct tcmsg *tc = mnl_nlmsg_get_payload(nlh);
	const struct tc_netem_qopt *back;

	assert_int_equal(nlh->nlmsg_type, RTM_NEWQDISC);
	assert_int_equal(tc->tcm_ifindex, 2);
	assert_int_equal(tc->tcm_parent, TC_H_ROOT);
	assert_int_equal(tc->tcm_handle, 0x10000);
	attrs(nlh, sizeof(*tc), tb);
	assert_string_equal(mnl_attr_get_str(tb[TCA_KIND]), "netem");
	assert_int_equal(mnl_attr_get_payload_len(tb[TCA_OPTIONS]), sizeof(q));
	back = mnl_attr_get_payload(tb[TCA_OPTIONS]);
	assert_int_equal(back->limit, 1000);
	assert_int_equal(back->loss, 42);
	nlh = emu_msg_qdisc_add(buf, 2, TC_H_CLSACT, TC_H_MAKE(TC_H_CLSACT, 0), "clsact", NULL, 0);
	attrs(nlh, sizeof(*tc), tb);
	assert_null(tb[TCA_OPTIONS]);
}

static void test_filter_bpf(void **state)
{
	const struct nlattr *tb[MAXATTR], *opt[MAXATTR];
	uint32_t parent = TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS);
	struct nlmsghdr *nlh = emu_msg_filter_bpf_add(buf, 3, parent, 8, "steer");
	const struct tcmsg *tc = mnl_nlmsg_get_payload(nlh);

	assert_int_equal(nlh->nlmsg_type, RTM_NEWTFILTER);
	assert_int_equal(tc->tcm_parent, parent);
	assert_int_equal(TC_H_MIN(tc->tcm_info), htons(0x0003)); /* ETH_P_ALL */
	assert_int_equal(TC_H_MAJ(tc->tcm_info) >> 16, 1);	 /* priority 1 */
	attrs(nlh, sizeof(*tc), tb);
	assert_string_equal(mnl_attr_get_str(tb[TCA_KIND]), "bpf");
	nested(tb[TCA_OPTIONS], opt);
	assert_int_equal(mnl_attr_get_u32(opt[TCA_BPF_FD]), 8);
	assert_string_equal(mnl_attr_get_str(opt[TCA_BPF_NAME]), "steer");
	assert_int_equal(mnl_attr_get_u32(opt[TCA_BPF_FLAGS]), TCA_BPF_FLAG_ACT_DIRECT);
}

static void test_dumps(void **state)
{
	struct nlmsghdr *nlh = emu_msg_route_dump(buf);

	assert_int_equal(nlh->nlmsg_type, RTM_GETROUTE);
	assert_true(nlh->nlmsg_flags & NLM_F_DUMP);
	assert_int_equal(((const struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_family, AF_INET);
	nlh = emu_msg_addr_dump(buf);
	assert_int_equal(nlh->nlmsg_type, RTM_GETADDR);
	nlh = emu_msg_link_dump(buf);
	assert_int_equal(nlh->nlmsg_type, RTM_GETLINK);
	nlh = emu_msg_stats64_dump(buf);
	assert_int_equal(nlh->nlmsg_type, RTM_GETSTATS);
	assert_true(nlh->nlmsg_flags & NLM_F_DUMP);
	assert_int_equal(nlh->nlmsg_len, MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct if_stats_msg)));
	assert_int_equal(((const struct if_stats_msg *)mnl_nlmsg_get_payload(nlh))->filter_mask,
			 IFLA_STATS_FILTER_BIT(IFLA_STATS_LINK_64));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_veth),
	    cmocka_unit_test(test_veth_same_ns),
	    cmocka_unit_test(test_link_up_down),
	    cmocka_unit_test(test_addr),
	    cmocka_unit_test(test_veth_up_at_create),
	    cmocka_unit_test(test_route),
	    cmocka_unit_test(test_nsid),
	    cmocka_unit_test(test_route_replace),
	    cmocka_unit_test(test_route_replace_src),
	    cmocka_unit_test(test_route_del),
	    cmocka_unit_test(test_qdisc),
	    cmocka_unit_test(test_filter_bpf),
	    cmocka_unit_test(test_dumps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
