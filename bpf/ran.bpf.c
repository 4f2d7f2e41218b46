/* SPDX-License-Identifier: MIT */
/*
 * Radio access (issue 14). The radio access namespace has one veth port per UE and one per
 * cell (eNB); these programs, at the ingress hook of those ports, are its whole data plane:
 *
 * - ran_from_ue, on each UE port: every frame the UE sent goes to its serving cell's port
 *   (ue_cell), its MACs rewritten to what the eNB expects (cell).
 * - ran_to_ue, on each cell port: an IPv4 frame from the eNB goes to the port of the UE that
 *   owns the destination address (ue_by_addr), if this cell serves it; its MACs rewritten to
 *   what the UE expects.
 *
 * No ARP crosses the namespace. Both programs rewrite both MAC addresses of every frame they
 * pass, so what a sender put there does not matter: the UE's radio interface and the eNB's
 * cell interface are IFF_NOARP (a NOARP neighbour takes the device's own MAC), no neighbour
 * entry is needed on either side, and no ARP request is ever sent.
 *
 * Nothing that arrives here is passed to the namespace's own stack: it has no address and no
 * route, and would only drop the frame without saying so. Every frame is redirected or
 * dropped and counted, per cell (ran_stats).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "ran.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RAN_MAX_CELLS);
	__type(key, __u32);
	__type(value, struct ran_cell);
} cell SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RAN_MAX_UES);
	__type(key, __u32);
	__type(value, struct ran_ue);
} ue_cell SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RAN_MAX_UES);
	__type(key, __u32);
	__type(value, struct ran_ue_port);
} ue_by_addr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ran_conf);
} ran_conf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RAN_SLOTS);
	__type(key, __u32);
	__type(value, struct ran_stats);
} ran_stats SEC(".maps");

static __always_inline struct ran_stats *stats(__u32 slot)
{
	return bpf_map_lookup_elem(&ran_stats, &slot);
}

static __always_inline int drop(__u32 slot)
{
	struct ran_stats *st = stats(slot);

	if (st)
		st->drop_pkts++;
	return TC_ACT_SHOT;
}

/* Set both MACs of the frame; -1 if it has no whole Ethernet header. */
static __always_inline int set_macs(struct __sk_buff *skb, const __u8 *dst, const __u8 *src)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return -1;
	__builtin_memcpy(eth->h_dest, dst, ETH_ALEN);
	__builtin_memcpy(eth->h_source, src, ETH_ALEN);
	return 0;
}

SEC("tc")
int ran_from_ue(struct __sk_buff *skb)
{
	__u32 port = skb->ingress_ifindex, len = skb->len;
	struct ran_stats *st;
	struct ran_cell *c;
	struct ran_ue *ue;
	__u32 cell_ifindex;

	ue = bpf_map_lookup_elem(&ue_cell, &port);
	if (!ue || !ue->cell_ifindex)
		return drop(0);
	cell_ifindex = ue->cell_ifindex;
	c = bpf_map_lookup_elem(&cell, &cell_ifindex);
	if (!c)
		return drop(0);
	if (set_macs(skb, c->peer_mac, c->own_mac) < 0)
		return drop(c->slot);
	st = stats(c->slot);
	if (st) {
		st->up_pkts++;
		st->up_bytes += len;
	}
	return bpf_redirect(cell_ifindex, 0);
}

/* The destination address of an IPv4 frame, or 0. */
static __always_inline __u32 ipv4_daddr(struct __sk_buff *skb)
{
	void *data, *data_end;
	struct ethhdr *eth;
	struct iphdr *ip;

	if (skb->len >= sizeof(*eth) + sizeof(*ip))
		bpf_skb_pull_data(skb, sizeof(*eth) + sizeof(*ip));
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	eth = data;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->version != 4)
		return 0;
	return ip->daddr;
}

/* Is a packet that reaches a UE's previous cell now still in flight from its handover? */
static __always_inline int in_flight(const struct ran_ue *ue, __u32 here)
{
	struct ran_conf *conf;
	__u32 zero = 0;

	if (!ue->old_cell_ifindex || ue->old_cell_ifindex != here)
		return 0;
	conf = bpf_map_lookup_elem(&ran_conf, &zero);
	if (!conf || !conf->window_ns)
		return 1;
	return bpf_ktime_get_ns() - ue->ho_ns < conf->window_ns;
}

static __always_inline int x2_forwarding(void)
{
	struct ran_conf *conf;
	__u32 zero = 0;

	conf = bpf_map_lookup_elem(&ran_conf, &zero);
	return !conf || conf->forwarding == RAN_FWD_X2;
}

SEC("tc")
int ran_to_ue(struct __sk_buff *skb)
{
	__u32 here = skb->ingress_ifindex, len = skb->len, addr, slot, ue_ifindex;
	struct ran_ue_port *port;
	struct ran_stats *st;
	struct ran_cell *c;
	struct ran_ue *ue;
	int x2 = 0;

	c = bpf_map_lookup_elem(&cell, &here);
	if (!c)
		return drop(0);
	slot = c->slot;
	addr = ipv4_daddr(skb);
	if (!addr)
		return drop(slot);
	port = bpf_map_lookup_elem(&ue_by_addr, &addr);
	if (!port)
		return drop(slot);
	ue_ifindex = port->ifindex;
	ue = bpf_map_lookup_elem(&ue_cell, &ue_ifindex);
	if (!ue)
		return drop(slot);
	if (ue->cell_ifindex != here) {
		if (!in_flight(ue, here))
			return drop(slot);
		/* Forwarding needs a cell to forward to: a detached UE has none. */
		if (!x2_forwarding() || !ue->cell_ifindex) {
			st = stats(slot);
			if (st)
				st->ho_drop_pkts++;
			return TC_ACT_SHOT;
		}
		x2 = 1;
	}
	/* bpf_skb_pull_data() may have moved the frame: set_macs() reloads its pointers. */
	if (set_macs(skb, port->mac, port->own_mac) < 0)
		return drop(slot);
	st = stats(slot);
	if (st) {
		if (x2) {
			st->x2_pkts++;
			st->x2_bytes += len;
		} else {
			st->down_pkts++;
			st->down_bytes += len;
		}
	}
	return bpf_redirect(ue_ifindex, 0);
}

/* The code is MIT, which is GPL-compatible; the kernel wants it said in these words. */
char LICENSE[] SEC("license") = "Dual MIT/GPL";
