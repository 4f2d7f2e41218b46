/* SPDX-License-Identifier: MIT */
/*
 * Service steering at the access side. Attached with tc clsact on the interface that faces a
 * client: steer_from_client at ingress turns the service's VIP into the address of the
 * instance that serves this client now, steer_to_client at egress turns the instance's
 * address back into the VIP. All attach points, in every namespace, share the same maps, so
 * moving a client to another instance is one map update.
 *
 * Only IPv4 TCP and UDP are rewritten. Everything else, and every packet without an entry,
 * leaves exactly as it came.
 */
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "steer.h"

/* Not in the uapi headers. */
#define IP_OFFSET 0x1fff

/* The most header a rewrite needs to see: Ethernet, IPv4 with options, TCP. */
#define HDR_MAX (ETH_HLEN + 60 + sizeof(struct tcphdr))

#define IP_CSUM_OFF (ETH_HLEN + offsetof(struct iphdr, check))
#define IP_SADDR_OFF (ETH_HLEN + offsetof(struct iphdr, saddr))
#define IP_DADDR_OFF (ETH_HLEN + offsetof(struct iphdr, daddr))

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, STEER_MAX_ENTRIES);
	__type(key, struct steer_key);
	__type(value, struct steer_fwd_val);
} steer_fwd SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, STEER_MAX_ENTRIES);
	__type(key, struct steer_rev_key);
	__type(value, struct steer_rev_val);
} steer_rev SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct steer_stats);
} steer_stats SEC(".maps");

/* What a rewrite needs to know about a packet, read before any helper moves it. */
struct pkt {
	__u32 saddr;
	__u32 daddr;
	__u16 sport;	   /* L4 source port, network byte order */
	__u32 l4_csum_off; /* 0: no L4 checksum to fix (UDP sent without one) */
	__u64 l4_flags;	   /* extra flags for bpf_l4_csum_replace */
};

static __always_inline struct steer_stats *stats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&steer_stats, &zero);
}

static __always_inline int pass(void)
{
	struct steer_stats *st = stats();

	if (st)
		st->pass_pkts++;
	return TC_ACT_OK;
}

/*
 * Headers normally sit in the linear part of the skb; when they do not, pull them in so
 * that direct packet access can see them. Pulling does not change a byte of the packet.
 */
static __always_inline void pull_headers(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u32 want = skb->len;

	if (want > HDR_MAX)
		want = HDR_MAX;
	if (data + want > data_end)
		bpf_skb_pull_data(skb, want);
}

/* 0 if the packet is IPv4 TCP or UDP whose addresses we may rewrite, -1 otherwise. */
static __always_inline int parse(struct __sk_buff *skb, struct pkt *p)
{
	void *data, *data_end, *cur;
	struct ethhdr *eth;
	struct iphdr *ip;
	__u32 ihl_bytes;

	pull_headers(skb);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	cur = data;

	eth = cur;
	if ((void *)(eth + 1) > data_end)
		return -1;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return -1;
	cur = eth + 1;

	ip = cur;
	if ((void *)(ip + 1) > data_end)
		return -1;
	if (ip->version != 4 || ip->ihl < 5)
		return -1;
	/*
	 * A fragment after the first carries no L4 header and its datagram's checksum was
	 * settled in the first one: leave it alone.
	 */
	if (ip->frag_off & bpf_htons(IP_OFFSET))
		return -1;
	ihl_bytes = ip->ihl * 4;
	if (cur + ihl_bytes > data_end)
		return -1;
	cur += ihl_bytes;

	switch (ip->protocol) {
	case IPPROTO_TCP: {
		struct tcphdr *tcp = cur;

		if ((void *)(tcp + 1) > data_end)
			return -1;
		p->l4_csum_off = ETH_HLEN + ihl_bytes + offsetof(struct tcphdr, check);
		p->l4_flags = 0;
		p->sport = tcp->source;
		break;
	}
	case IPPROTO_UDP: {
		struct udphdr *udp = cur;

		if ((void *)(udp + 1) > data_end)
			return -1;
		/* A zero UDP checksum means "none": it must stay zero. */
		p->l4_csum_off =
		    udp->check ? ETH_HLEN + ihl_bytes + offsetof(struct udphdr, check) : 0;
		/* and a computed zero must be sent as 0xffff */
		p->l4_flags = BPF_F_MARK_MANGLED_0;
		p->sport = udp->source;
		break;
	}
	default:
		return -1;
	}
	p->saddr = ip->saddr;
	p->daddr = ip->daddr;
	return 0;
}

/*
 * Replace the address at addr_off (from -> to) and fix both checksums. The L4 checksum
 * covers the address through the pseudo-header. No packet pointer is used after the
 * helpers, which invalidate them all.
 */
static __always_inline int rewrite(struct __sk_buff *skb, const struct pkt *p, __u32 addr_off,
				   __u32 from, __u32 to)
{
	if (p->l4_csum_off && bpf_l4_csum_replace(skb, p->l4_csum_off, from, to,
						  BPF_F_PSEUDO_HDR | p->l4_flags | sizeof(to)) < 0)
		return -1;
	if (bpf_l3_csum_replace(skb, IP_CSUM_OFF, from, to, sizeof(to)) < 0)
		return -1;
	if (bpf_skb_store_bytes(skb, addr_off, &to, sizeof(to), 0) < 0)
		return -1;
	return 0;
}

/*
 * A packet whose rewrite failed half way has inconsistent checksums and would go to the
 * VIP: drop it rather than send it.
 */
static __always_inline int done(int err, int up)
{
	struct steer_stats *st = stats();

	if (st) {
		if (err)
			st->err_pkts++;
		else if (up)
			st->up_pkts++;
		else
			st->down_pkts++;
	}
	return err ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("tc")
int steer_from_client(struct __sk_buff *skb)
{
	struct steer_fwd_val *val;
	struct steer_key key;
	struct pkt p;

	if (parse(skb, &p) < 0)
		return pass();
	key.client = p.saddr;
	key.vip = p.daddr;
	val = bpf_map_lookup_elem(&steer_fwd, &key);
	if (!val)
		return pass();
	return done(rewrite(skb, &p, IP_DADDR_OFF, p.daddr, val->instance), 1);
}

SEC("tc")
int steer_to_client(struct __sk_buff *skb)
{
	struct steer_rev_val *val;
	struct steer_rev_key key;
	struct pkt p;

	if (parse(skb, &p) < 0)
		return pass();
	key.client = p.daddr;
	key.instance = p.saddr;
	key.port = p.sport;
	key.pad = 0;
	val = bpf_map_lookup_elem(&steer_rev, &key);
	if (!val) {
		/* An entry for any port. */
		key.port = 0;
		val = bpf_map_lookup_elem(&steer_rev, &key);
	}
	if (!val)
		return pass();
	return done(rewrite(skb, &p, IP_SADDR_OFF, p.saddr, val->vip), 0);
}

/* The code is MIT, which is GPL-compatible; the kernel wants it said in these words. */
char LICENSE[] SEC("license") = "Dual MIT/GPL";
