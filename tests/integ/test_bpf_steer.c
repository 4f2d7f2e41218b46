/* SPDX-License-Identifier: MIT */
/*
 * Service steering. "prog": both tc programs run with BPF_PROG_TEST_RUN on crafted frames
 * (no namespace): hits rewritten with correct checksums, everything else byte for byte
 * untouched, flips, maps shared through bpffs. "netns": attach and detach in throwaway
 * namespaces, and real UDP and TCP through a VIP. Root only (exit 77 otherwise, or when the
 * kernel refuses BPF). Usage: test_bpf_steer [prog|netns], both without an argument.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/steer_api.h"
#include "emu/emu.h"
#include "util/clock.h"
#include "tests/integ/bpf_test.h"

#define FRAME_MAX 512
#define ETH_LEN 14
#define IP_MF 0x2000

static uint32_t C1, C2, VIP, VIP2, I1, I2, OTHER;

/* --- checksums, computed from scratch --- */

static uint32_t sum16(const void *p, size_t len, uint32_t sum)
{
	const uint8_t *b = p;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static struct iphdr *iph(uint8_t *f)
{
	return (struct iphdr *)(f + ETH_LEN);
}

static uint8_t *l4(uint8_t *f)
{
	return f + ETH_LEN + iph(f)->ihl * 4;
}

static size_t l4_len(uint8_t *f)
{
	return ntohs(iph(f)->tot_len) - iph(f)->ihl * 4u;
}

/* Sum of the pseudo-header and the L4 segment, checksum field included. */
static uint32_t l4_sum(uint8_t *f)
{
	struct iphdr *ip = iph(f);
	uint8_t pseudo[12];
	uint16_t len = htons((uint16_t)l4_len(f));

	memcpy(pseudo, &ip->saddr, 4);
	memcpy(pseudo + 4, &ip->daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = ip->protocol;
	memcpy(pseudo + 10, &len, 2);
	return sum16(l4(f), l4_len(f), sum16(pseudo, sizeof(pseudo), 0));
}

static uint16_t *l4_check(uint8_t *f)
{
	if (iph(f)->protocol == IPPROTO_TCP)
		return &((struct tcphdr *)l4(f))->check;
	return &((struct udphdr *)l4(f))->check;
}

/* Set both checksums; a UDP checksum 0 stays 0 ("none") when udp_none. */
static void fix_csums(uint8_t *f, bool udp_none)
{
	struct iphdr *ip = iph(f);
	uint16_t c;

	ip->check = 0;
	ip->check = htons((uint16_t)~fold(sum16(ip, ip->ihl * 4u, 0)));
	if (udp_none)
		return;
	*l4_check(f) = 0;
	c = (uint16_t)~fold(l4_sum(f));
	if (ip->protocol == IPPROTO_UDP && c == 0)
		c = 0xffff;
	*l4_check(f) = htons(c);
}

static bool ip_csum_ok(uint8_t *f)
{
	return fold(sum16(iph(f), iph(f)->ihl * 4u, 0)) == 0xffff;
}

static bool l4_csum_ok(uint8_t *f)
{
	return fold(l4_sum(f)) == 0xffff;
}

/* --- frames --- */

/* b starts 2 bytes off an 8-byte boundary, so that the IP header after Ethernet is aligned. */
struct frame {
	size_t len;
	uint8_t pad[6];
	uint8_t b[FRAME_MAX];
};

static const char payload[] = "edgemu steering payload, 41 bytes long!!";

static void eth(struct frame *fr, uint16_t proto)
{
	static const uint8_t dst[6] = {2, 0, 0, 0, 0, 1}, src[6] = {2, 0, 0, 0, 0, 2};
	struct ethhdr *e = (struct ethhdr *)fr->b;

	memset(fr, 0, sizeof(*fr));
	memcpy(e->h_dest, dst, 6);
	memcpy(e->h_source, src, 6);
	e->h_proto = htons(proto);
	fr->len = ETH_LEN;
}

/*
 * Ethernet + IPv4 (opt_words of options) + UDP/TCP/ICMP header + payload, checksums
 * right. frag: the frag_off field (host order). udp_none: UDP sent without checksum.
 */
static void ipv4(struct frame *fr, int proto, uint32_t saddr, uint32_t daddr, int opt_words,
		 uint16_t frag, bool udp_none)
{
	struct iphdr *ip;
	uint8_t *p;
	size_t hl = 0;

	eth(fr, ETH_P_IP);
	ip = iph(fr->b);
	ip->version = 4;
	ip->ihl = (unsigned)(5 + opt_words);
	ip->id = htons(0x1234);
	ip->frag_off = htons(frag);
	ip->ttl = 64;
	ip->protocol = (uint8_t)proto;
	ip->saddr = saddr;
	ip->daddr = daddr;
	p = (uint8_t *)(ip + 1);
	for (int i = 0; i < opt_words; i++, p += 4) {
		/* Router Alert, then no-ops */
		static const uint8_t ra[4] = {0x94, 0x04, 0, 0}, nop[4] = {1, 1, 1, 1};

		memcpy(p, i ? nop : ra, 4);
	}
	switch (proto) {
	case IPPROTO_UDP: {
		struct udphdr *u = (struct udphdr *)p;

		hl = sizeof(*u);
		u->source = htons(40000);
		u->dest = htons(7);
		u->len = htons((uint16_t)(hl + sizeof(payload)));
		break;
	}
	case IPPROTO_TCP: {
		struct tcphdr *t = (struct tcphdr *)p;

		hl = sizeof(*t);
		t->source = htons(40000);
		t->dest = htons(80);
		t->seq = htonl(1000);
		t->ack_seq = htonl(2000);
		t->doff = 5;
		t->ack = 1;
		t->psh = 1;
		t->window = htons(512);
		break;
	}
	case IPPROTO_ICMP:
		hl = 8;
		p[0] = 8; /* echo request */
		break;
	}
	memcpy(p + hl, payload, sizeof(payload));
	ip->tot_len = htons((uint16_t)(ip->ihl * 4u + hl + sizeof(payload)));
	fr->len = ETH_LEN + ntohs(ip->tot_len);
	if (proto == IPPROTO_UDP || proto == IPPROTO_TCP) {
		fix_csums(fr->b, udp_none);
	} else {
		ip->check = 0;
		ip->check = htons((uint16_t)~fold(sum16(ip, ip->ihl * 4u, 0)));
		if (proto == IPPROTO_ICMP) {
			uint32_t sum = sum16(p, hl + sizeof(payload), 0);

			*(uint16_t *)(p + 2) = htons((uint16_t)~fold(sum));
		}
	}
}

static void udp(struct frame *fr, uint32_t saddr, uint32_t daddr)
{
	ipv4(fr, IPPROTO_UDP, saddr, daddr, 0, 0, false);
}

static void tcp(struct frame *fr, uint32_t saddr, uint32_t daddr)
{
	ipv4(fr, IPPROTO_TCP, saddr, daddr, 0, 0, false);
}

/* --- running the programs --- */

struct fixture {
	struct steer *s;
	char pin_parent[64];
	char pin_dir[96];
};

static int run(struct steer *s, enum steer_prog prog, const struct frame *in, struct frame *out)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in->b, .data_size_in = (uint32_t)in->len,
		    .data_out = out->b, .data_size_out = sizeof(out->b), .repeat = 1);

	memset(out, 0, sizeof(*out));
	assert_int_equal(bpf_prog_test_run_opts(steer_prog_fd(s, prog), &o), 0);
	out->len = o.data_size_out;
	return (int)o.retval;
}

static void expect_untouched(struct steer *s, enum steer_prog prog, const struct frame *in)
{
	struct frame out;

	assert_int_equal(run(s, prog, in, &out), TC_ACT_OK);
	assert_int_equal(out.len, in->len);
	assert_memory_equal(out.b, in->b, in->len);
}

/*
 * The program must turn in into in with the address at addr_off set to to, the IP and L4
 * checksums right (recomputed here from scratch) and nothing else changed.
 */
static void expect_rewrite(struct steer *s, enum steer_prog prog, const struct frame *in,
			   size_t addr_off, uint32_t to)
{
	struct frame out, want;
	bool udp_none;

	memcpy(&want, in, sizeof(want));
	udp_none = iph(want.b)->protocol == IPPROTO_UDP && !*l4_check(want.b);
	memcpy(want.b + addr_off, &to, 4);
	fix_csums(want.b, udp_none);
	assert_int_equal(run(s, prog, in, &out), TC_ACT_OK);
	assert_int_equal(out.len, in->len);
	assert_true(ip_csum_ok(out.b));
	if (udp_none)
		assert_int_equal(*l4_check(out.b), 0);
	else
		assert_true(l4_csum_ok(out.b));
	assert_memory_equal(out.b, want.b, want.len);
}

#define DADDR_OFF (ETH_LEN + offsetof(struct iphdr, daddr))
#define SADDR_OFF (ETH_LEN + offsetof(struct iphdr, saddr))

static void expect_up(struct steer *s, const struct frame *in, uint32_t instance)
{
	expect_rewrite(s, STEER_FROM_CLIENT, in, DADDR_OFF, instance);
}

static void expect_down(struct steer *s, const struct frame *in, uint32_t vip)
{
	expect_rewrite(s, STEER_TO_CLIENT, in, SADDR_OFF, vip);
}

static int drop_entry(uint32_t client, uint32_t vip, uint32_t instance, void *arg)
{
	return steer_remove(arg, client, vip);
}

/* Every test starts from empty maps. */
static int clear_maps(void **state)
{
	struct fixture *fx = *state;

	return steer_list(fx->s, drop_entry, fx->s) < 0 ? -1 : 0;
}

/* --- prog: hits --- */

static void test_udp_hit(void **state)
{
	struct steer *s = ((struct fixture *)*state)->s;
	struct steer_stats before, after;
	struct frame f;

	assert_int_equal(steer_flip(s, C1, VIP, I1), 0);
	assert_int_equal(steer_stats_read(s, &before), 0);
	udp(&f, C1, VIP);
	expect_up(s, &f, I1);
	udp(&f, I1, C1);
	expect_down(s, &f, VIP);
	assert_int_equal(steer_stats_read(s, &after), 0);
	assert_int_equal(after.up_pkts - before.up_pkts, 1);
	assert_int_equal(after.down_pkts - before.down_pkts, 1);
	assert_int_equal(after.err_pkts, 0);
}

static void test_tcp_hit(void **state)
{
	struct steer *s = ((struct fixture *)*state)->s;
	struct frame f;

	assert_int_equal(steer_flip(s, C1, VIP, I1), 0);
	tcp(&f, C1, VIP);
	expect_up(s, &f, I1);
	tcp(&f, I1, C1);
	expect_down(s, &f, VIP);
}

static void test_ip_options(void **state)
{
	struct steer *s = ((struct fixture *)*state)->s;
	struct frame f;

	assert_int_equal(steer_flip(s, C1, VIP, I1), 0);
	for (int words = 1; words <= 10; words++) {
		ipv4(&f, IPPROTO_UDP, C1, VIP, words, 0, false);
		expect_up(s, &f, I1);
		ipv4(&f, IPPROTO_TCP, I1, C1, words, 0, false);
		expect_down(s, &f, VIP);
	}
}

static void test_udp_no_checksum(void **state)
{
	struct steer *s = ((struct fixture *)*state)->s;
	struct frame f;

	assert_int_equal(steer_flip(s, C1, VIP, I1), 0);
	ipv4(&f, IPPROTO_UDP, C1, VIP, 0, 0, true);
	assert_int_equal(*l4_check(f.b), 0);
	expect_up(s, &f, I1);
	ipv4(&f, IPPROTO_UDP, I1, C1, 0, 0, true);
	expect_down(s, &f, VIP);
}

/* A UDP checksum that comes out as 0 after the rewrite must be sent as 0xffff. */
static void test_udp_mangled_zero(void **state)
{
	struct steer *s = ((struct fixture *)*state)->s;
	struct frame f, out;
	uint8_t *pl;
	uint16_t fill;

	assert_int_equal(steer_flip(s, C1, VIP, I1), 0);
	udp(&f, C1, VIP);
	/* Choose two payload bytes so that, addressed to I1, the L4 sum is exactly 0xffff. */
	pl = l4(f.b) + sizeof(struct udphdr);
	pl[0] = pl[1] = 0;
	iph(f.b)->daddr = I1;
	*l4_check(f.b) = 0;
	fill = (uint16_t)~fold(l4_sum(f.b));
	pl[0] = (uint8_t)(fill >> 8);
	pl[1] = (uint8_t)fill;
	assert_int_equal(fold(l4_sum(f.b)), 0xffff);
	iph(f.b)->daddr = VIP;
	fix_csums(f.b, false);
	assert_int_not_equal(*l4_check(f.b), 0);
	assert_int_equal(run(s, STEER_FROM_CLIENT, &f, &out), TC_ACT_OK);
	assert_int_equal(iph(out.b)->daddr, I1);
	assert_int_equal(*l4_check(out.b), 0xffff);
	assert_true(l4_csum_ok(out.b));
	assert_true(ip_csum_ok(out.b));
}

/* The first fragment holds the L4 header and the checksum of the whole datagram. */
static void test_first_fragment(void **state)
{
	struct steer *s = ((struct fixture *)*state)->s;
	struct frame f, out;

	assert_int_equal(steer_flip(s, C1, VIP, I1), 0);
	ipv4(&f, IPPROTO_UDP, C1, VIP, 0, IP_MF, false);
	assert_int_equal(run(s, STEER_FROM_CLIENT, &f, &out), TC_ACT_OK);
	assert_int_equal(iph(out.b)->daddr, I1);
	assert_true(ip_csum_ok(out.b));
}

/* --- prog: what must pass untouched --- */

static void test_untouched(void **state)
{
	struct steer *s = ((struct fixture *)*state)->s;
	struct steer_stats before, after;
	struct frame f;
	int n = 0;

	assert_int_equal(steer_flip(s, C1, VIP, I1), 0);
	assert_int_equal(steer_stats_read(s, &before), 0);

	/* misses: other client, other VIP, unknown instance, other client downstream */
	udp(&f, C2, VIP);
	expect_untouched(s, STEER_FROM_CLIENT, &f), n++;
	tcp(&f, C1, VIP2);
	expect_untouched(s, STEER_FROM_CLIENT, &f), n++;
	udp(&f, OTHER, C1);
	expect_untouched(s, STEER_TO_CLIENT, &f), n++;
	tcp(&f, I1, C2);
	expect_untouched(s, STEER_TO_CLIENT, &f), n++;
	/* each program looks only at its own direction */
	udp(&f, C1, VIP);
	expect_untouched(s, STEER_TO_CLIENT, &f), n++;
	udp(&f, I1, C1);
	expect_untouched(s, STEER_FROM_CLIENT, &f), n++;

	/* ICMP to the VIP, both ways */
	ipv4(&f, IPPROTO_ICMP, C1, VIP, 0, 0, false);
	expect_untouched(s, STEER_FROM_CLIENT, &f), n++;
	ipv4(&f, IPPROTO_ICMP, I1, C1, 0, 0, false);
	expect_untouched(s, STEER_TO_CLIENT, &f), n++;

	/* a non-first fragment (its "UDP header" is payload) */
	ipv4(&f, IPPROTO_UDP, C1, VIP, 0, 185, false);
	expect_untouched(s, STEER_FROM_CLIENT, &f), n++;
	ipv4(&f, IPPROTO_TCP, I1, C1, 0, IP_MF | 7, false);
	expect_untouched(s, STEER_TO_CLIENT, &f), n++;

	/*
	 * truncated: right after the IP header, inside the UDP header, inside the TCP header.
	 * (The kernel will not build a test skb of protocol IPv4 shorter than an IP header.)
	 */
	udp(&f, C1, VIP);
	f.len = ETH_LEN + 20;
	expect_untouched(s, STEER_FROM_CLIENT, &f), n++;
	udp(&f, C1, VIP);
	f.len = ETH_LEN + 20 + 4;
	expect_untouched(s, STEER_FROM_CLIENT, &f), n++;
	tcp(&f, I1, C1);
	f.len = ETH_LEN + 20 + 12;
	expect_untouched(s, STEER_TO_CLIENT, &f), n++;
	/* options claimed beyond the end of the frame */
	udp(&f, C1, VIP);
	iph(f.b)->ihl = 15;
	f.len = ETH_LEN + 40;
	expect_untouched(s, STEER_FROM_CLIENT, &f), n++;
	/* nothing but an Ethernet header */
	eth(&f, ETH_P_ARP);
	expect_untouched(s, STEER_FROM_CLIENT, &f), n++;

	/* malformed: header length below 5 words, version 6 in an IPv4 frame */
	udp(&f, C1, VIP);
	iph(f.b)->ihl = 4;
	expect_untouched(s, STEER_FROM_CLIENT, &f), n++;
	udp(&f, C1, VIP);
	iph(f.b)->version = 6;
	expect_untouched(s, STEER_FROM_CLIENT, &f), n++;

	/* ARP */
	eth(&f, ETH_P_ARP);
	{
		static const uint8_t arp[28] = {0,  1, 8, 0, 6, 4, 0, 1, 2, 0, 0,  0,  0, 2,
						10, 1, 0, 2, 0, 0, 0, 0, 0, 0, 10, 99, 0, 1};

		memcpy(f.b + ETH_LEN, arp, sizeof(arp));
		f.len += sizeof(arp);
	}
	expect_untouched(s, STEER_FROM_CLIENT, &f), n++;
	expect_untouched(s, STEER_TO_CLIENT, &f), n++;

	/* IPv6 UDP (the VIP's bytes appear in it, which must not matter) */
	eth(&f, ETH_P_IPV6);
	{
		uint8_t *p = f.b + ETH_LEN;

		p[0] = 0x60;
		p[5] = 8 + sizeof(payload);
		p[6] = IPPROTO_UDP;
		p[7] = 64;
		memcpy(p + 8 + 12, &C1, 4);
		memcpy(p + 24 + 12, &VIP, 4);
		memcpy(p + 40 + 8, payload, sizeof(payload));
		f.len += 40 + 8 + sizeof(payload);
	}
	expect_untouched(s, STEER_FROM_CLIENT, &f), n++;

	/* VLAN-tagged IPv4 */
	udp(&f, C1, VIP);
	{
		struct frame t;

		eth(&t, ETH_P_8021Q);
		t.b[ETH_LEN] = 0;
		t.b[ETH_LEN + 1] = 5;
		t.b[ETH_LEN + 2] = 0x08;
		t.b[ETH_LEN + 3] = 0x00;
		memcpy(t.b + ETH_LEN + 4, f.b + ETH_LEN, f.len - ETH_LEN);
		t.len = f.len + 4;
		expect_untouched(s, STEER_FROM_CLIENT, &t), n++;
	}

	assert_int_equal(steer_stats_read(s, &after), 0);
	assert_int_equal(after.pass_pkts - before.pass_pkts, n);
	assert_int_equal(after.up_pkts, before.up_pkts);
	assert_int_equal(after.down_pkts, before.down_pkts);
}

/* --- prog: the mapping --- */

static void test_flip(void **state)
{
	struct steer *s = ((struct fixture *)*state)->s;
	uint32_t inst = 0;
	struct frame f;

	assert_int_equal(steer_flip(s, C1, VIP, I1), 0);
	udp(&f, C1, VIP);
	expect_up(s, &f, I1);
	assert_int_equal(steer_flip(s, C1, VIP, I2), 0);
	/* the next packet goes to the new instance */
	expect_up(s, &f, I2);
	tcp(&f, C1, VIP);
	expect_up(s, &f, I2);
	assert_int_equal(steer_lookup(s, C1, VIP, &inst), 0);
	assert_int_equal(inst, I2);
	/* answers still in flight from the old instance come back as the VIP */
	udp(&f, I1, C1);
	expect_down(s, &f, VIP);
	udp(&f, I2, C1);
	expect_down(s, &f, VIP);
	/* and back */
	assert_int_equal(steer_flip(s, C1, VIP, I1), 0);
	udp(&f, C1, VIP);
	expect_up(s, &f, I1);
	/* another client is steered on its own */
	assert_int_equal(steer_flip(s, C2, VIP, I2), 0);
	udp(&f, C2, VIP);
	expect_up(s, &f, I2);
	udp(&f, C1, VIP);
	expect_up(s, &f, I1);
}

static void test_remove(void **state)
{
	struct steer *s = ((struct fixture *)*state)->s;
	uint32_t inst = 7;
	struct frame f;

	assert_int_equal(steer_flip(s, C1, VIP, I1), 0);
	assert_int_equal(steer_flip(s, C1, VIP, I2), 0);
	assert_int_equal(steer_flip(s, C2, VIP, I1), 0);
	assert_int_equal(steer_remove(s, C1, VIP), 0);
	assert_int_equal(steer_lookup(s, C1, VIP, &inst), -ENOENT);
	assert_int_equal(inst, 7);
	udp(&f, C1, VIP);
	expect_untouched(s, STEER_FROM_CLIENT, &f);
	/* both reverse entries of the client went with it */
	udp(&f, I1, C1);
	expect_untouched(s, STEER_TO_CLIENT, &f);
	udp(&f, I2, C1);
	expect_untouched(s, STEER_TO_CLIENT, &f);
	/* the other client is still steered */
	udp(&f, C2, VIP);
	expect_up(s, &f, I1);
	udp(&f, I1, C2);
	expect_down(s, &f, VIP);
	assert_int_equal(steer_remove(s, C1, VIP), -ENOENT);
}

/*
 * Two services of one client on one node, told apart by the instance's port: answers from
 * each port become their own VIP, from any other port the first VIP; the same port for
 * another VIP clashes.
 */
static void test_flip_by_port(void **state)
{
	struct steer *s = ((struct fixture *)*state)->s;
	struct frame f, out;

	assert_int_equal(steer_flip_port(s, C1, VIP, htons(40000), I1), 0);
	assert_int_equal(steer_flip_port(s, C1, VIP2, htons(7001), I1), 0);
	assert_int_equal(steer_flip_port(s, C1, VIP2, htons(40000), I1), -EADDRINUSE);
	udp(&f, I1, C1);
	expect_down(s, &f, VIP);
	((struct udphdr *)l4(f.b))->source = htons(7001);
	fix_csums(f.b, false);
	expect_down(s, &f, VIP2);
	/* Any other port: the first VIP on this instance takes it. */
	((struct udphdr *)l4(f.b))->source = htons(7002);
	fix_csums(f.b, false);
	expect_down(s, &f, VIP);
	/* Another instance with no entry at all: untouched. */
	udp(&f, I2, C1);
	assert_int_equal(run(s, STEER_TO_CLIENT, &f, &out), TC_ACT_OK);
	assert_int_equal(iph(out.b)->saddr, I2);
	/* Requests still go by VIP alone. */
	udp(&f, C1, VIP2);
	expect_up(s, &f, I1);
}

static void test_flip_errors(void **state)
{
	struct steer *s = ((struct fixture *)*state)->s;

	assert_int_equal(steer_flip(s, 0, VIP, I1), -EINVAL);
	assert_int_equal(steer_flip(s, C1, 0, I1), -EINVAL);
	assert_int_equal(steer_flip(s, C1, VIP, 0), -EINVAL);
	assert_int_equal(steer_flip(NULL, C1, VIP, I1), -EINVAL);
	assert_int_equal(steer_flip(s, C1, VIP, I1), 0);
	/* I1 answers C1 as VIP: it cannot also answer C1 as VIP2 */
	assert_int_equal(steer_flip(s, C1, VIP2, I1), -EADDRINUSE);
	assert_int_equal(steer_flip(s, C1, VIP2, I2), 0);
	/* flipping to the instance it already has is fine */
	assert_int_equal(steer_flip(s, C1, VIP, I1), 0);
}

struct seen {
	int n;
	uint32_t inst[4];
};

static int collect(uint32_t client, uint32_t vip, uint32_t instance, void *arg)
{
	struct seen *sn = arg;

	if (client == C1 && vip == VIP)
		sn->inst[0] = instance;
	else if (client == C2 && vip == VIP)
		sn->inst[1] = instance;
	else if (client == C1 && vip == VIP2)
		sn->inst[2] = instance;
	else
		sn->inst[3] = instance;
	return ++sn->n == 100 ? -ECANCELED : 0;
}

static int stop_at_first(uint32_t client, uint32_t vip, uint32_t instance, void *arg)
{
	(*(int *)arg)++;
	return -ECANCELED;
}

static void test_list(void **state)
{
	struct steer *s = ((struct fixture *)*state)->s;
	struct seen sn = {0};
	int calls = 0;

	assert_int_equal(steer_list(s, collect, &sn), 0);
	assert_int_equal(sn.n, 0);
	assert_int_equal(steer_flip(s, C1, VIP, I1), 0);
	assert_int_equal(steer_flip(s, C2, VIP, I2), 0);
	assert_int_equal(steer_flip(s, C1, VIP2, I2), 0);
	assert_int_equal(steer_list(s, collect, &sn), 3);
	assert_int_equal(sn.inst[0], I1);
	assert_int_equal(sn.inst[1], I2);
	assert_int_equal(sn.inst[2], I2);
	assert_int_equal(sn.inst[3], 0);
	assert_int_equal(steer_list(s, stop_at_first, &calls), -ECANCELED);
	assert_int_equal(calls, 1);
}

/* A second process (here: a second handle) on the same pins steers with the same maps. */
static void test_shared_pins(void **state)
{
	struct fixture *fx = *state;
	struct steer_stats st1, st2;
	struct steer *s2 = NULL;
	uint32_t inst = 0;
	struct frame f;

	assert_int_equal(steer_open(fx->pin_dir, &s2), 0);
	assert_int_equal(steer_flip(s2, C2, VIP, I2), 0);
	assert_int_equal(steer_lookup(fx->s, C2, VIP, &inst), 0);
	assert_int_equal(inst, I2);
	/* the first handle's programs see the second's flip, and the other way round */
	udp(&f, C2, VIP);
	expect_up(fx->s, &f, I2);
	assert_int_equal(steer_flip(fx->s, C2, VIP, I1), 0);
	expect_up(s2, &f, I1);
	assert_int_equal(steer_stats_read(fx->s, &st1), 0);
	assert_int_equal(steer_stats_read(s2, &st2), 0);
	assert_memory_equal(&st1, &st2, sizeof(st1));
	steer_close(s2);
	/* closing a handle leaves the maps and their entries */
	expect_up(fx->s, &f, I1);
}

static void test_pin_errors(void **state)
{
	char dir[64] = "/tmp/edgemu-steer-", tag[9];
	struct steer *s = (struct steer *)&dir; /* must stay untouched */
	struct stat st;

	bpf_test_rand_hex(tag, sizeof(tag));
	strcat(dir, tag);
	/* pins live in bpffs only, and nothing is created elsewhere */
	assert_int_equal(steer_open(dir, &s), -EINVAL);
	assert_ptr_equal(s, (struct steer *)&dir);
	assert_int_equal(stat(dir, &st), -1);
	assert_int_equal(steer_open("relative/dir", &s), -EINVAL);
	/* unpinning what is not there is fine */
	strcpy(dir, "/sys/fs/bpf/edgemu-none-");
	strcat(dir, tag);
	assert_int_equal(steer_unpin(dir), 0);
}

static void test_unpin(void **state)
{
	char parent[64] = "/sys/fs/bpf/edgemu-unpin-", dir[96], tag[9];
	struct steer *s = NULL;
	struct stat st;

	bpf_test_rand_hex(tag, sizeof(tag));
	strcat(parent, tag);
	snprintf(dir, sizeof(dir), "%s/a/b", parent);
	assert_int_equal(steer_open(dir, &s), 0);
	assert_int_equal(steer_flip(s, C1, VIP, I1), 0);
	steer_close(s);
	assert_int_equal(stat(dir, &st), 0);
	/* reopened, the entry is still there */
	assert_int_equal(steer_open(dir, &s), 0);
	{
		uint32_t inst = 0;

		assert_int_equal(steer_lookup(s, C1, VIP, &inst), 0);
		assert_int_equal(inst, I1);
	}
	steer_close(s);
	assert_int_equal(steer_unpin(dir), 0);
	assert_int_equal(stat(dir, &st), -1);
	assert_int_equal(errno, ENOENT);
	snprintf(dir, sizeof(dir), "%s/a", parent);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(rmdir(parent), 0);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Printed, never asserted: the flip call's duration, and what a packet costs the programs. */
static void test_timing(void **state)
{
	struct steer *s = ((struct fixture *)*state)->s;
	enum { N = 1000 };
	uint64_t d[N];
	struct frame f, out;

	for (int i = 0; i < N; i++) {
		uint64_t t0 = util_now_ns();

		assert_int_equal(steer_flip(s, C1, VIP, i & 1 ? I2 : I1), 0);
		d[i] = util_now_ns() - t0;
	}
	qsort(d, N, sizeof(d[0]), cmp_u64);
	printf("flip: %d calls, p50 %.1f us, p99 %.1f us, max %.1f us\n", N, d[N / 2] / 1e3,
	       d[N * 99 / 100] / 1e3, d[N - 1] / 1e3);

	/*
	 * The repetitions run on one skb, which the first one rewrites to C1 -> I1: an entry
	 * back to the VIP makes every repetition a hit.
	 */
	assert_int_equal(steer_flip(s, C1, I1, VIP), 0);
	udp(&f, C1, VIP);
	for (int hit = 1; hit >= 0; hit--) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f.b, .data_size_in = (uint32_t)f.len,
			    .data_out = out.b, .data_size_out = sizeof(out.b), .repeat = 100000);

		if (!hit) {
			assert_int_equal(steer_remove(s, C1, VIP), 0);
			assert_int_equal(steer_remove(s, C1, I1), 0);
		}
		assert_int_equal(bpf_prog_test_run_opts(steer_prog_fd(s, STEER_FROM_CLIENT), &o),
				 0);
		printf("steer_from_client, UDP %s: %u ns per packet (BPF_PROG_TEST_RUN)\n",
		       hit ? "hit" : "miss", o.duration);
	}
}

static int prog_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char tag[9];

	if (!fx)
		return -1;
	bpf_test_rand_hex(tag, sizeof(tag));
	snprintf(fx->pin_parent, sizeof(fx->pin_parent), "/sys/fs/bpf/edgemu-test-%s", tag);
	snprintf(fx->pin_dir, sizeof(fx->pin_dir), "%s/steer", fx->pin_parent);
	if (steer_open(fx->pin_dir, &fx->s) < 0) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int prog_teardown(void **state)
{
	struct fixture *fx = *state;
	int r;

	steer_close(fx->s);
	r = steer_unpin(fx->pin_dir);
	if (r == 0 && rmdir(fx->pin_parent) < 0)
		r = -errno;
	free(fx);
	return r < 0 ? -1 : 0;
}

/* --- netns: attach and detach for real --- */

struct ns {
	char name[32];
	int fd;
};

struct netns_fixture {
	struct steer *s;
	struct ns a, b; /* a: client or the only one; b: server */
};

struct link_conf {
	const char *dev, *peer;
	int peer_ns_fd; /* -1: peer stays in the same namespace */
	uint32_t addr;	/* 0: none */
	int ifindex;	/* out */
};

/* Runs inside the namespace: create the veth pair (if peer) and configure dev. */
static int conf_link(void *arg)
{
	struct link_conf *lc = arg;
	struct emu_nl *nl;
	int r;

	r = emu_nl_open(&nl);
	if (r < 0)
		return r;
	if (lc->peer) {
		r = emu_nl_queue(
		    nl,
		    emu_msg_veth_add(emu_nl_slot(nl), lc->dev, -1, 0, lc->peer, lc->peer_ns_fd, 0),
		    0);
		if (r == 0)
			r = emu_nl_flush(nl);
		if (r < 0)
			goto out;
	}
	lc->ifindex = (int)if_nametoindex(lc->dev);
	if (!lc->ifindex) {
		r = -errno;
		goto out;
	}
	r = emu_nl_queue(nl, emu_msg_link_set_up(emu_nl_slot(nl), lc->ifindex, true), 1);
	if (r == 0 && lc->addr)
		r = emu_nl_queue(nl, emu_msg_addr_add(emu_nl_slot(nl), lc->ifindex, lc->addr, 24),
				 2);
	if (r == 0)
		r = emu_nl_flush(nl);
out:
	emu_nl_close(nl);
	return r;
}

static int in_ns(int ns_fd, int (*fn)(void *), void *arg)
{
	struct emu_ns_token tok;
	int r, l;

	r = emu_netns_enter(ns_fd, &tok);
	if (r < 0)
		return r;
	r = fn(arg);
	l = emu_netns_leave(&tok);
	return r < 0 ? r : l;
}

static int ns_create(struct ns *ns, const char *prefix, int (*init)(void *), void *arg)
{
	char tag[9];

	bpf_test_rand_hex(tag, sizeof(tag));
	snprintf(ns->name, sizeof(ns->name), "%s-%s", prefix, tag);
	return emu_netns_create(ns->name, init, arg, &ns->fd);
}

static void ns_destroy(struct ns *ns)
{
	if (ns->fd < 0)
		return;
	close(ns->fd);
	ns->fd = -1;
	emu_netns_delete(ns->name);
}

static int netns_setup(void **state)
{
	struct netns_fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->a.fd = fx->b.fd = -1;
	if (steer_open(NULL, &fx->s) < 0) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

/* Runs whatever the test did or failed to do: namespaces never outlive the test. */
static int netns_teardown(void **state)
{
	struct netns_fixture *fx = *state;

	ns_destroy(&fx->a);
	ns_destroy(&fx->b);
	steer_close(fx->s);
	free(fx);
	return 0;
}

/* How often needle occurs in the output of `tc -n NS ARGS...`. */
static int tc_count(const char *ns, const char *args, const char *needle)
{
	char cmd[256], out[8192];
	size_t n = 0;
	int count = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "tc -n %s %s 2>&1", ns, args);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (n < sizeof(out) - 1) {
		size_t k = fread(out + n, 1, sizeof(out) - 1 - n, p);

		if (!k)
			break;
		n += k;
	}
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	for (const char *q = out; (q = strstr(q, needle)); q++)
		count++;
	return count;
}

static void test_attach_detach(void **state)
{
	struct netns_fixture *fx = *state;
	struct link_conf lc = {.dev = "stx0", .peer = "stx1", .peer_ns_fd = -1};
	struct emu_ns_token tok;
	struct emu_nl *nl;
	const char *ns;
	int idx0, idx1, r;

	assert_int_equal(ns_create(&fx->a, "edgemu-bpft", conf_link, &lc), 0);
	ns = fx->a.name;
	idx0 = lc.ifindex;
	idx1 = steer_ifindex(fx->a.fd, "stx1");
	assert_true(idx1 > 0);
	assert_int_equal(steer_ifindex(fx->a.fd, "nosuchdev"), -ENODEV);

	/* facing the client: from_client at ingress, to_client at egress */
	assert_int_equal(steer_query(fx->a.fd, idx0), 0);
	assert_int_equal(steer_attach(fx->s, fx->a.fd, idx0), 0);
	assert_int_equal(steer_query(fx->a.fd, idx0), STEER_INGRESS | STEER_EGRESS);
	assert_int_equal(tc_count(ns, "filter show dev stx0 ingress", "handle 0xed5"), 1);
	assert_true(tc_count(ns, "filter show dev stx0 ingress", "steer_from_cli") >= 1);
	assert_true(tc_count(ns, "filter show dev stx0 egress", "steer_to_client") >= 1);
	assert_true(tc_count(ns, "filter show dev stx0 egress", "direct-action") >= 1);
	/* again: replaced, not doubled */
	assert_int_equal(steer_attach(fx->s, fx->a.fd, idx0), 0);
	assert_int_equal(tc_count(ns, "filter show dev stx0 ingress", "handle 0xed5"), 1);
	assert_int_equal(tc_count(ns, "filter show dev stx0 egress", "handle 0xed5"), 1);

	/* on the client's own interface the directions swap */
	assert_int_equal(steer_attach_on_client(fx->s, fx->a.fd, idx1), 0);
	assert_true(tc_count(ns, "filter show dev stx1 ingress", "steer_to_client") >= 1);
	assert_true(tc_count(ns, "filter show dev stx1 egress", "steer_from_cli") >= 1);

	/* detach takes filters and the hook it leaves empty; twice is fine */
	assert_int_equal(steer_detach(fx->s, fx->a.fd, idx0), 0);
	assert_int_equal(steer_query(fx->a.fd, idx0), 0);
	assert_int_equal(tc_count(ns, "filter show dev stx0 ingress", "bpf"), 0);
	assert_int_equal(tc_count(ns, "filter show dev stx0 egress", "bpf"), 0);
	assert_int_equal(tc_count(ns, "qdisc show dev stx0", "clsact"), 0);
	assert_int_equal(steer_detach(NULL, fx->a.fd, idx0), 0);
	/* stx1 kept its filters */
	assert_int_equal(steer_query(fx->a.fd, idx1), STEER_INGRESS | STEER_EGRESS);

	/* someone else's filter on the same hook survives our detach, and so does the hook */
	assert_int_equal(emu_netns_enter(fx->a.fd, &tok), 0);
	r = emu_nl_open(&nl);
	if (r == 0) {
		int prog_fd = steer_prog_fd(fx->s, STEER_TO_CLIENT);
		uint32_t parent = TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS);

		r = emu_nl_queue(
		    nl, emu_msg_filter_bpf_add(emu_nl_slot(nl), idx1, parent, prog_fd, "foreign"),
		    0);
		if (r == 0)
			r = emu_nl_flush(nl);
		emu_nl_close(nl);
	}
	assert_int_equal(emu_netns_leave(&tok), 0);
	assert_int_equal(r, 0);
	assert_int_equal(steer_detach(fx->s, fx->a.fd, idx1), 0);
	assert_int_equal(steer_query(fx->a.fd, idx1), 0);
	assert_true(tc_count(ns, "filter show dev stx1 ingress", "foreign") >= 1);
	assert_int_equal(tc_count(ns, "filter show dev stx1 ingress", "handle 0xed5"), 0);
	assert_int_equal(tc_count(ns, "filter show dev stx1 egress", "bpf"), 0);
	assert_int_equal(tc_count(ns, "qdisc show dev stx1", "clsact"), 1);

	/* bad arguments */
	assert_int_equal(steer_attach(fx->s, fx->a.fd, 0), -EINVAL);
	assert_int_equal(steer_query(fx->a.fd, 9999), -ENXIO);
}

/* --- netns: real traffic through the VIP --- */

#define PORT_UDP 7777
#define PORT_TCP 7778

static int sock_in(int ns_fd, int type)
{
	struct emu_ns_token tok;
	struct timeval tv = {.tv_sec = 3};
	int fd, l;

	if (emu_netns_enter(ns_fd, &tok) < 0)
		return -1;
	fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	l = emu_netns_leave(&tok);
	if (fd < 0 || l < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

static struct sockaddr_in sin_of(uint32_t addr, uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};

	sa.sin_addr.s_addr = addr;
	return sa;
}

/* A client connected to the VIP talks to the instance, which sees the client's address. */
static void udp_exchange(int cns, int sns, uint32_t client, uint32_t vip, uint32_t instance)
{
	struct sockaddr_in sa = sin_of(instance, PORT_UDP), from;
	socklen_t fl = sizeof(from);
	int srv = sock_in(sns, SOCK_DGRAM), cli = sock_in(cns, SOCK_DGRAM);
	char buf[64];
	ssize_t n;

	assert_true(srv >= 0 && cli >= 0);
	assert_int_equal(bind(srv, (struct sockaddr *)&sa, sizeof(sa)), 0);
	sa = sin_of(vip, PORT_UDP);
	assert_int_equal(connect(cli, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(send(cli, "ping", 4, 0), 4);
	n = recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	assert_int_equal(n, 4);
	assert_int_equal(from.sin_addr.s_addr, client);
	assert_int_equal(sendto(srv, "pong", 4, 0, (struct sockaddr *)&from, fl), 4);
	/* a socket connected to the VIP takes only answers whose source is the VIP */
	n = recv(cli, buf, sizeof(buf), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "pong", 4);
	close(srv);
	close(cli);
}

/* Move len bytes from one connected socket to the other and check them. */
static void pump(int from, int to, size_t len)
{
	char *tx = malloc(len), *rx = malloc(len);
	size_t sent = 0, got = 0;

	assert_true(tx && rx);
	for (size_t i = 0; i < len; i++)
		tx[i] = (char)(i * 131 + 7);
	while (got < len) {
		struct pollfd pfd[2] = {
		    {.fd = from, .events = POLLOUT},
		    {.fd = to, .events = POLLIN},
		};
		ssize_t n;

		/* no progress for 3 s is a failure */
		assert_true(poll(pfd + (sent == len), sent == len ? 1 : 2, 3000) > 0);
		if (sent < len) {
			n = send(from, tx + sent, len - sent, MSG_DONTWAIT);
			assert_true(n > 0 || errno == EAGAIN);
			if (n > 0)
				sent += (size_t)n;
		}
		n = recv(to, rx + got, len - got, MSG_DONTWAIT);
		assert_true(n > 0 || (n < 0 && errno == EAGAIN));
		if (n > 0)
			got += (size_t)n;
	}
	assert_memory_equal(rx, tx, len);
	free(tx);
	free(rx);
}

static void tcp_exchange(int cns, int sns, uint32_t client, uint32_t vip, uint32_t instance)
{
	struct sockaddr_in sa = sin_of(instance, PORT_TCP), peer;
	socklen_t pl = sizeof(peer);
	int lst = sock_in(sns, SOCK_STREAM), cli = sock_in(cns, SOCK_STREAM), srv, one = 1;

	assert_true(lst >= 0 && cli >= 0);
	setsockopt(lst, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(lst, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lst, 1), 0);
	sa = sin_of(vip, PORT_TCP);
	assert_int_equal(connect(cli, (struct sockaddr *)&sa, sizeof(sa)), 0);
	srv = accept(lst, (struct sockaddr *)&peer, &pl);
	assert_true(srv >= 0);
	assert_int_equal(peer.sin_addr.s_addr, client);
	/* enough for segmentation offload and many checksums, both ways */
	pump(cli, srv, 1 << 20);
	pump(srv, cli, 1 << 20);
	close(srv);
	close(cli);
	close(lst);
}

static void test_traffic(void **state)
{
	struct netns_fixture *fx = *state;
	uint32_t client = bpf_test_ip4("10.77.0.1"), instance = bpf_test_ip4("10.77.0.2"),
		 vip = bpf_test_ip4("10.88.0.1");
	struct link_conf sl = {.dev = "srv0", .addr = instance};
	struct link_conf cl = {.dev = "cli0", .peer = "srv0", .addr = client};
	struct steer_stats st;
	struct emu_ns_token tok;
	struct emu_nl *nl;
	int r;

	assert_int_equal(ns_create(&fx->b, "edgemu-bpfs", NULL, NULL), 0);
	cl.peer_ns_fd = fx->b.fd;
	assert_int_equal(ns_create(&fx->a, "edgemu-bpfc", conf_link, &cl), 0);
	assert_int_equal(in_ns(fx->b.fd, conf_link, &sl), 0);
	/* the client reaches the VIP through the server's address */
	assert_int_equal(emu_netns_enter(fx->a.fd, &tok), 0);
	r = emu_nl_open(&nl);
	if (r == 0) {
		r = emu_nl_queue(
		    nl, emu_msg_route_add(emu_nl_slot(nl), vip, 32, instance, cl.ifindex), 0);
		if (r == 0)
			r = emu_nl_flush(nl);
		emu_nl_close(nl);
	}
	assert_int_equal(emu_netns_leave(&tok), 0);
	assert_int_equal(r, 0);

	assert_int_equal(steer_flip(fx->s, client, vip, instance), 0);
	/* facing the client, on the server's end of the link */
	assert_int_equal(steer_attach(fx->s, fx->b.fd, sl.ifindex), 0);
	udp_exchange(fx->a.fd, fx->b.fd, client, vip, instance);
	tcp_exchange(fx->a.fd, fx->b.fd, client, vip, instance);
	assert_int_equal(steer_detach(fx->s, fx->b.fd, sl.ifindex), 0);
	/* on the client's own interface */
	assert_int_equal(steer_attach_on_client(fx->s, fx->a.fd, cl.ifindex), 0);
	udp_exchange(fx->a.fd, fx->b.fd, client, vip, instance);
	tcp_exchange(fx->a.fd, fx->b.fd, client, vip, instance);
	assert_int_equal(steer_detach(fx->s, fx->a.fd, cl.ifindex), 0);

	assert_int_equal(steer_stats_read(fx->s, &st), 0);
	assert_true(st.up_pkts > 0 && st.down_pkts > 0);
	assert_int_equal(st.err_pkts, 0);
}

/* --- main --- */

/* Can this process use BPF at all? A tiny map says so without our programs. */

int main(int argc, char **argv)
{
	const struct CMUnitTest prog[] = {
	    cmocka_unit_test_setup(test_udp_hit, clear_maps),
	    cmocka_unit_test_setup(test_tcp_hit, clear_maps),
	    cmocka_unit_test_setup(test_ip_options, clear_maps),
	    cmocka_unit_test_setup(test_udp_no_checksum, clear_maps),
	    cmocka_unit_test_setup(test_udp_mangled_zero, clear_maps),
	    cmocka_unit_test_setup(test_first_fragment, clear_maps),
	    cmocka_unit_test_setup(test_untouched, clear_maps),
	    cmocka_unit_test_setup(test_flip, clear_maps),
	    cmocka_unit_test_setup(test_remove, clear_maps),
	    cmocka_unit_test_setup(test_flip_errors, clear_maps),
	    cmocka_unit_test_setup(test_flip_by_port, clear_maps),
	    cmocka_unit_test_setup(test_list, clear_maps),
	    cmocka_unit_test_setup(test_shared_pins, clear_maps),
	    cmocka_unit_test(test_pin_errors),
	    cmocka_unit_test(test_unpin),
	    cmocka_unit_test_setup(test_timing, clear_maps),
	};
	const struct CMUnitTest netns[] = {
	    cmocka_unit_test_setup_teardown(test_attach_detach, netns_setup, netns_teardown),
	    cmocka_unit_test_setup_teardown(test_traffic, netns_setup, netns_teardown),
	};
	const char *which = argc > 1 ? argv[1] : "";
	int r = 0;

	if (geteuid() != 0) {
		fprintf(stderr, "skipped: test_bpf_steer needs root\n");
		return 77;
	}
	if (!bpf_test_usable()) {
		fprintf(stderr, "skipped: the kernel refuses BPF here\n");
		return 77;
	}
	C1 = bpf_test_ip4("10.1.0.2");
	C2 = bpf_test_ip4("10.1.0.3");
	VIP = bpf_test_ip4("10.99.0.1");
	VIP2 = bpf_test_ip4("10.99.0.2");
	I1 = bpf_test_ip4("10.2.0.10");
	I2 = bpf_test_ip4("10.3.0.10");
	OTHER = bpf_test_ip4("10.4.0.1");
	if (!*which || !strcmp(which, "prog"))
		r |= cmocka_run_group_tests_name("steer_prog", prog, prog_setup, prog_teardown);
	if (!*which || !strcmp(which, "netns"))
		r |= cmocka_run_group_tests_name("steer_netns", netns, NULL, NULL);
	return r ? 1 : 0;
}
