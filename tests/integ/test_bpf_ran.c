/* SPDX-License-Identifier: MIT */
/*
 * Radio access programs (issue 14). "prog": both tc programs run with BPF_PROG_TEST_RUN on
 * crafted frames (no namespace, made-up ifindexes): uplink to the serving cell, downlink to
 * the UE, handovers with in-flight downlink forwarded (x2) or dropped, and every drop
 * counted where docs/ran.md says. "netns": a radio access namespace with one UE port and two
 * cell ports, real UDP both ways across a handover. Root only (exit 77 otherwise, or when
 * the kernel refuses BPF). Usage: test_bpf_ran [prog|netns], both without an argument.
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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/ran_api.h"
#include "bpf/steer_api.h"
#include "emu/emu.h"
#include "tests/integ/bpf_test.h"

#define ETH_LEN 14
#define FRAME_MAX 256

/* Made-up ifindexes: BPF_PROG_TEST_RUN takes the ingress ifindex from the context. */
#define CELL1 101
#define CELL2 102
#define UE1 201
#define UE2 202

static const uint8_t CELL1_OWN[6] = {2, 0xc1, 0, 0, 0, 1}, CELL1_PEER[6] = {2, 0xe1, 0, 0, 0, 1};
static const uint8_t CELL2_OWN[6] = {2, 0xc1, 0, 0, 0, 2}, CELL2_PEER[6] = {2, 0xe1, 0, 0, 0, 2};
static const uint8_t UE1_MAC[6] = {2, 0xa1, 0, 0, 0, 1}, UE1_OWN[6] = {2, 0xb1, 0, 0, 0, 1};
static const uint8_t UE2_MAC[6] = {2, 0xa1, 0, 0, 0, 2}, UE2_OWN[6] = {2, 0xb1, 0, 0, 0, 2};

static uint32_t A1, A2, CLOUD;

/* --- frames --- */

/* b starts 2 bytes off an 8-byte boundary, so that the IP header after Ethernet is aligned. */
struct frame {
	size_t len;
	uint8_t pad[6];
	uint8_t b[FRAME_MAX];
};

static void eth(struct frame *fr, uint16_t proto)
{
	static const uint8_t any[6] = {2, 0x77, 0x77, 0x77, 0x77, 0x77};
	struct ethhdr *e = (struct ethhdr *)fr->b;

	memset(fr, 0, sizeof(*fr));
	memcpy(e->h_dest, any, 6);
	memcpy(e->h_source, any, 6);
	e->h_proto = htons(proto);
	fr->len = ETH_LEN;
}

/* Ethernet + IPv4 + 40 bytes of payload (UDP in name only: nothing here parses beyond IP). */
static void ipv4(struct frame *fr, uint32_t saddr, uint32_t daddr)
{
	struct iphdr *ip;

	eth(fr, ETH_P_IP);
	ip = (struct iphdr *)(fr->b + ETH_LEN);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = saddr;
	ip->daddr = daddr;
	ip->tot_len = htons(20 + 40);
	memset(ip + 1, 0x5a, 40);
	fr->len = ETH_LEN + 20 + 40;
}

/* --- running the programs --- */

static int run(struct ran *r, enum ran_prog prog, int ingress, const struct frame *in,
	       struct frame *out)
{
	struct __sk_buff ctx = {.ingress_ifindex = (uint32_t)ingress};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in->b, .data_size_in = (uint32_t)in->len,
		    .data_out = out->b, .data_size_out = sizeof(out->b), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	memset(out, 0, sizeof(*out));
	assert_int_equal(bpf_prog_test_run_opts(ran_prog_fd(r, prog), &o), 0);
	out->len = o.data_size_out;
	return (int)o.retval;
}

/* The program redirects in with both MACs rewritten and not another byte changed. */
static void expect_redirect(struct ran *r, enum ran_prog prog, int ingress, const struct frame *in,
			    const uint8_t dst[6], const uint8_t src[6])
{
	struct frame out, want;

	memcpy(&want, in, sizeof(want));
	memcpy(want.b, dst, 6);
	memcpy(want.b + 6, src, 6);
	assert_int_equal(run(r, prog, ingress, in, &out), TC_ACT_REDIRECT);
	assert_int_equal(out.len, in->len);
	assert_memory_equal(out.b, want.b, want.len);
}

static void expect_shot(struct ran *r, enum ran_prog prog, int ingress, const struct frame *in)
{
	struct frame out;

	assert_int_equal(run(r, prog, ingress, in, &out), TC_ACT_SHOT);
}

static struct ran_stats stats_of(struct ran *r, int cell)
{
	struct ran_stats st;

	assert_int_equal(ran_stats_read(r, cell, &st), 0);
	return st;
}

/* Two cells, two UEs (not attached), fresh maps and counters for every test. */
static int prog_setup(void **state)
{
	struct ran *r;

	if (ran_open(&r) < 0)
		return -1;
	if (ran_cell_set(r, CELL1, CELL1_OWN, CELL1_PEER) < 0 ||
	    ran_cell_set(r, CELL2, CELL2_OWN, CELL2_PEER) < 0 ||
	    ran_ue_set(r, UE1, A1, UE1_MAC, UE1_OWN) < 0 ||
	    ran_ue_set(r, UE2, A2, UE2_MAC, UE2_OWN) < 0) {
		ran_close(r);
		return -1;
	}
	*state = r;
	return 0;
}

static int prog_teardown(void **state)
{
	ran_close(*state);
	return 0;
}

/* --- prog: uplink --- */

static void test_uplink(void **state)
{
	struct ran *r = *state;
	struct ran_stats st;
	struct frame f;

	assert_int_equal(ran_ue_attach(r, UE1, CELL1), 0);
	assert_int_equal(ran_ue_attach(r, UE2, CELL2), 0);
	ipv4(&f, A1, CLOUD);
	expect_redirect(r, RAN_FROM_UE, UE1, &f, CELL1_PEER, CELL1_OWN);
	expect_redirect(r, RAN_FROM_UE, UE1, &f, CELL1_PEER, CELL1_OWN);
	ipv4(&f, A2, CLOUD);
	expect_redirect(r, RAN_FROM_UE, UE2, &f, CELL2_PEER, CELL2_OWN);
	/* uplink is layer 2: whatever the UE sends goes to its cell */
	eth(&f, ETH_P_IPV6);
	f.len = 60;
	expect_redirect(r, RAN_FROM_UE, UE2, &f, CELL2_PEER, CELL2_OWN);

	st = stats_of(r, CELL1);
	assert_int_equal(st.up_pkts, 2);
	assert_int_equal(st.up_bytes, 2 * (ETH_LEN + 60));
	assert_int_equal(st.down_pkts + st.x2_pkts + st.drop_pkts + st.ho_drop_pkts, 0);
	st = stats_of(r, CELL2);
	assert_int_equal(st.up_pkts, 2);
	assert_int_equal(st.up_bytes, ETH_LEN + 60 + 60);

	/* the handover: one call, and the next frame goes to the new cell */
	assert_int_equal(ran_ue_attach(r, UE1, CELL2), 0);
	ipv4(&f, A1, CLOUD);
	expect_redirect(r, RAN_FROM_UE, UE1, &f, CELL2_PEER, CELL2_OWN);
	assert_int_equal(stats_of(r, CELL1).up_pkts, 2);
	assert_int_equal(stats_of(r, CELL2).up_pkts, 3);
	assert_int_equal(stats_of(r, 0).drop_pkts, 0);
}

static void test_uplink_dropped(void **state)
{
	struct ran *r = *state;
	struct frame f;

	ipv4(&f, A1, CLOUD);
	/* never attached, unknown port */
	expect_shot(r, RAN_FROM_UE, UE1, &f);
	expect_shot(r, RAN_FROM_UE, 999, &f);
	/* detached after being attached (a radio link failure) */
	assert_int_equal(ran_ue_attach(r, UE1, CELL1), 0);
	expect_redirect(r, RAN_FROM_UE, UE1, &f, CELL1_PEER, CELL1_OWN);
	assert_int_equal(ran_ue_attach(r, UE1, 0), 0);
	expect_shot(r, RAN_FROM_UE, UE1, &f);
	/* removed */
	assert_int_equal(ran_ue_attach(r, UE1, CELL1), 0);
	assert_int_equal(ran_ue_remove(r, UE1), 0);
	expect_shot(r, RAN_FROM_UE, UE1, &f);

	assert_int_equal(stats_of(r, 0).drop_pkts, 4);
	assert_int_equal(stats_of(r, CELL1).up_pkts, 1);
	assert_int_equal(stats_of(r, CELL1).drop_pkts, 0);
}

/* --- prog: downlink --- */

static void test_downlink(void **state)
{
	struct ran *r = *state;
	struct ran_stats st;
	struct frame f;

	assert_int_equal(ran_ue_attach(r, UE1, CELL1), 0);
	assert_int_equal(ran_ue_attach(r, UE2, CELL2), 0);
	ipv4(&f, CLOUD, A1);
	expect_redirect(r, RAN_TO_UE, CELL1, &f, UE1_MAC, UE1_OWN);
	ipv4(&f, CLOUD, A2);
	expect_redirect(r, RAN_TO_UE, CELL2, &f, UE2_MAC, UE2_OWN);
	/* a UE this cell never served */
	expect_shot(r, RAN_TO_UE, CELL1, &f);

	st = stats_of(r, CELL1);
	assert_int_equal(st.down_pkts, 1);
	assert_int_equal(st.down_bytes, ETH_LEN + 60);
	assert_int_equal(st.drop_pkts, 1);
	assert_int_equal(st.x2_pkts + st.ho_drop_pkts + st.up_pkts, 0);
	st = stats_of(r, CELL2);
	assert_int_equal(st.down_pkts, 1);
	assert_int_equal(st.drop_pkts, 0);
}

/* What ran_to_ue drops at a cell, and where it counts it (docs/ran.md). */
static void test_downlink_dropped(void **state)
{
	struct ran *r = *state;
	struct frame f;

	assert_int_equal(ran_ue_attach(r, UE1, CELL1), 0);
	/* unknown destination: nothing to redirect to, and the namespace has no stack to use */
	ipv4(&f, CLOUD, bpf_test_ip4("10.250.0.9"));
	expect_shot(r, RAN_TO_UE, CELL1, &f);
	/* ARP (never sent: both ends are NOARP), IPv6, a lone Ethernet header, IPv4 cut short */
	eth(&f, ETH_P_ARP);
	f.len += 28;
	expect_shot(r, RAN_TO_UE, CELL1, &f);
	eth(&f, ETH_P_IPV6);
	f.len = 80;
	expect_shot(r, RAN_TO_UE, CELL1, &f);
	eth(&f, ETH_P_8021Q);
	expect_shot(r, RAN_TO_UE, CELL1, &f);
	ipv4(&f, CLOUD, A1);
	((struct iphdr *)(f.b + ETH_LEN))->version = 6;
	expect_shot(r, RAN_TO_UE, CELL1, &f);
	assert_int_equal(stats_of(r, CELL1).drop_pkts, 5);
	/* at a port that is no known cell: slot 0 */
	ipv4(&f, CLOUD, A1);
	expect_shot(r, RAN_TO_UE, 999, &f);
	assert_int_equal(stats_of(r, 0).drop_pkts, 1);
	/* a removed UE */
	assert_int_equal(ran_ue_remove(r, UE1), 0);
	expect_shot(r, RAN_TO_UE, CELL1, &f);
	assert_int_equal(stats_of(r, CELL1).drop_pkts, 6);
	assert_int_equal(stats_of(r, CELL1).down_pkts, 0);
}

/* --- prog: handovers and in-flight downlink --- */

static void test_handover_x2(void **state)
{
	struct ran *r = *state;
	struct ran_stats st;
	struct frame f;
	int cell, old;

	assert_int_equal(ran_ue_attach(r, UE1, CELL1), 0);
	assert_int_equal(ran_ue_attach(r, UE1, CELL2), 0);
	assert_int_equal(ran_ue_cell(r, UE1, &cell, &old), 0);
	assert_int_equal(cell, CELL2);
	assert_int_equal(old, CELL1);
	ipv4(&f, CLOUD, A1);
	/* in flight at the old cell: forwarded, and counted there as such */
	expect_redirect(r, RAN_TO_UE, CELL1, &f, UE1_MAC, UE1_OWN);
	expect_redirect(r, RAN_TO_UE, CELL1, &f, UE1_MAC, UE1_OWN);
	/* at the new cell: ordinary downlink */
	expect_redirect(r, RAN_TO_UE, CELL2, &f, UE1_MAC, UE1_OWN);
	st = stats_of(r, CELL1);
	assert_int_equal(st.x2_pkts, 2);
	assert_int_equal(st.x2_bytes, 2 * (ETH_LEN + 60));
	assert_int_equal(st.down_pkts + st.drop_pkts + st.ho_drop_pkts, 0);
	st = stats_of(r, CELL2);
	assert_int_equal(st.down_pkts, 1);
	assert_int_equal(st.x2_pkts, 0);

	/* once the window is over, a packet at the old cell is no longer in flight */
	assert_int_equal(ran_forwarding_set(r, RAN_FWD_X2, 1000), 0);
	usleep(1000);
	expect_shot(r, RAN_TO_UE, CELL1, &f);
	assert_int_equal(stats_of(r, CELL1).drop_pkts, 1);
	assert_int_equal(ran_forwarding_set(r, RAN_FWD_X2, 0), 0);

	/*
	 * A handover with an interruption: detach, then attach. During it nothing can be
	 * forwarded (no cell to forward to); after it, in-flight packets at the cell left
	 * before the interruption are forwarded.
	 */
	assert_int_equal(ran_ue_attach(r, UE1, 0), 0);
	expect_shot(r, RAN_TO_UE, CELL2, &f);
	assert_int_equal(stats_of(r, CELL2).ho_drop_pkts, 1);
	assert_int_equal(ran_ue_attach(r, UE1, CELL1), 0);
	assert_int_equal(ran_ue_cell(r, UE1, &cell, &old), 0);
	assert_int_equal(cell, CELL1);
	assert_int_equal(old, CELL2);
	expect_redirect(r, RAN_TO_UE, CELL2, &f, UE1_MAC, UE1_OWN);
	assert_int_equal(stats_of(r, CELL2).x2_pkts, 1);
	/* attaching to the serving cell again changes nothing */
	assert_int_equal(ran_ue_attach(r, UE1, CELL1), 0);
	assert_int_equal(ran_ue_cell(r, UE1, &cell, &old), 0);
	assert_int_equal(old, CELL2);
}

static void test_handover_drop(void **state)
{
	struct ran *r = *state;
	struct ran_stats st;
	struct frame f;

	assert_int_equal(ran_forwarding_set(r, RAN_FWD_DROP, 0), 0);
	assert_int_equal(ran_ue_attach(r, UE1, CELL1), 0);
	assert_int_equal(ran_ue_attach(r, UE1, CELL2), 0);
	ipv4(&f, CLOUD, A1);
	expect_shot(r, RAN_TO_UE, CELL1, &f);
	expect_shot(r, RAN_TO_UE, CELL1, &f);
	expect_redirect(r, RAN_TO_UE, CELL2, &f, UE1_MAC, UE1_OWN);
	st = stats_of(r, CELL1);
	assert_int_equal(st.ho_drop_pkts, 2);
	assert_int_equal(st.x2_pkts + st.down_pkts + st.drop_pkts, 0);
	assert_int_equal(stats_of(r, CELL2).down_pkts, 1);
	/* back to x2: the next in-flight packet is forwarded */
	assert_int_equal(ran_forwarding_set(r, RAN_FWD_X2, 0), 0);
	expect_redirect(r, RAN_TO_UE, CELL1, &f, UE1_MAC, UE1_OWN);
	assert_int_equal(stats_of(r, CELL1).x2_pkts, 1);
	assert_int_equal(ran_forwarding_set(r, 7, 0), -EINVAL);
}

/* --- prog: the loader's bookkeeping --- */

static void test_api(void **state)
{
	struct ran *r = *state;
	struct ran_stats st;
	struct frame f;
	int cell, old;

	/* an address has one UE, a UE one address */
	assert_int_equal(ran_ue_set(r, UE2 + 1, A1, UE2_MAC, UE2_OWN), -EADDRINUSE);
	assert_int_equal(ran_ue_set(r, UE1, A2, UE1_MAC, UE1_OWN), -EEXIST);
	/* set again: MACs change, the cell stays */
	assert_int_equal(ran_ue_attach(r, UE1, CELL1), 0);
	assert_int_equal(ran_ue_set(r, UE1, A1, UE2_MAC, UE1_OWN), 0);
	assert_int_equal(ran_ue_cell(r, UE1, &cell, &old), 0);
	assert_int_equal(cell, CELL1);
	assert_int_equal(old, 0);
	ipv4(&f, CLOUD, A1);
	expect_redirect(r, RAN_TO_UE, CELL1, &f, UE2_MAC, UE1_OWN);

	/* unknown UE or cell */
	assert_int_equal(ran_ue_attach(r, 999, CELL1), -ENOENT);
	assert_int_equal(ran_ue_attach(r, UE1, 999), -ENOENT);
	assert_int_equal(ran_ue_cell(r, 999, &cell, &old), -ENOENT);
	assert_int_equal(ran_ue_remove(r, 999), -ENOENT);
	assert_int_equal(ran_stats_read(r, 999, &st), -ENOENT);
	assert_int_equal(ran_ue_attach(r, UE1, -1), -EINVAL);

	/* a cell with a UE cannot go; without, it can, and a new cell starts from zero */
	assert_int_equal(ran_cell_remove(r, CELL1), -EBUSY);
	assert_int_equal(ran_ue_attach(r, UE1, 0), 0);
	assert_int_equal(ran_cell_remove(r, CELL1), 0);
	assert_int_equal(ran_cell_remove(r, CELL1), -ENOENT);
	assert_int_equal(ran_cell_set(r, 103, CELL1_OWN, CELL1_PEER), 0);
	st = stats_of(r, 103);
	assert_int_equal(st.down_pkts, 0);
	/* the address is free again once its UE is removed */
	assert_int_equal(ran_ue_remove(r, UE1), 0);
	assert_int_equal(ran_ue_set(r, UE2 + 2, A1, UE1_MAC, UE1_OWN), 0);
}

/* --- netns: a radio access namespace for real --- */

#define PORT 7777

struct ns {
	char name[40];
	int fd;
};

/* ran: the radio access namespace; ue; e1 and e2: two eNBs. */
struct netns_fixture {
	struct ran *r;
	struct ns ran, ue, e1, e2;
};

static int ns_create(struct ns *ns, const char *role)
{
	char tag[9];

	bpf_test_rand_hex(tag, sizeof(tag));
	snprintf(ns->name, sizeof(ns->name), "edgemu-rant%s-%s", role, tag);
	return emu_netns_create(ns->name, NULL, NULL, &ns->fd);
}

static void ns_destroy(struct ns *ns)
{
	if (ns->fd < 0)
		return;
	close(ns->fd);
	ns->fd = -1;
	emu_netns_delete(ns->name);
}

__attribute__((format(printf, 1, 2))) static void sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("failed: %s", cmd);
}

static void mac_of(struct ns *ns, const char *dev, uint8_t mac[6])
{
	struct emu_ns_token tok;
	struct ifreq ifr = {0};
	int fd, err;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	assert_int_equal(emu_netns_enter(ns->fd, &tok), 0);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	err = fd < 0 ? -1 : ioctl(fd, SIOCGIFHWADDR, &ifr);
	if (fd >= 0)
		close(fd);
	assert_int_equal(emu_netns_leave(&tok), 0);
	assert_int_equal(err, 0);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
}

static int netns_setup(void **state)
{
	struct netns_fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->ran.fd = fx->ue.fd = fx->e1.fd = fx->e2.fd = -1;
	if (ran_open(&fx->r) < 0 || ns_create(&fx->ran, "r") < 0 || ns_create(&fx->ue, "u") < 0 ||
	    ns_create(&fx->e1, "a") < 0 || ns_create(&fx->e2, "b") < 0) {
		*state = fx;
		return -1;
	}
	*state = fx;
	return 0;
}

/* Runs whatever the test did or failed to do: namespaces never outlive the test. */
static int netns_teardown(void **state)
{
	struct netns_fixture *fx = *state;

	ran_close(fx->r);
	ns_destroy(&fx->ran);
	ns_destroy(&fx->ue);
	ns_destroy(&fx->e1);
	ns_destroy(&fx->e2);
	free(fx);
	return 0;
}

static int sock_in(struct ns *ns, int timeout_ms)
{
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = timeout_ms % 1000 * 1000};
	struct emu_ns_token tok;
	int fd, l;

	if (emu_netns_enter(ns->fd, &tok) < 0)
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	l = emu_netns_leave(&tok);
	if (fd < 0 || l < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/*
 * Does a UDP datagram sent from a process in from reach a socket bound to to_addr in to,
 * within timeout_ms? The receiver checks the sender's address: src.
 */
static bool deliver(struct ns *from, uint32_t src, struct ns *to, uint32_t to_addr, int timeout_ms)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(PORT)}, peer;
	socklen_t pl = sizeof(peer);
	int rx = sock_in(to, timeout_ms), tx = sock_in(from, timeout_ms);
	char buf[16];
	ssize_t n;

	assert_true(rx >= 0 && tx >= 0);
	sa.sin_addr.s_addr = to_addr;
	assert_int_equal(bind(rx, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(sendto(tx, "radio", 5, 0, (struct sockaddr *)&sa, sizeof(sa)), 5);
	n = recvfrom(rx, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &pl);
	close(rx);
	close(tx);
	if (n < 0)
		return false;
	assert_int_equal(n, 5);
	assert_int_equal(peer.sin_addr.s_addr, src);
	return true;
}

/* The eNB's end of a cell port: NOARP, its address, and a /32 route to the UE. */
static void enb_conf(struct ns *enb, const char *dev, const char *addr, const char *ue)
{
	sh("ip -n %s link set %s arp off up", enb->name, dev);
	sh("ip -n %s addr add %s/32 dev %s", enb->name, addr, dev);
	sh("ip -n %s route add %s/32 dev %s", enb->name, ue, dev);
}

static int ran_index(struct ns *ns, const char *dev)
{
	int idx = steer_ifindex(ns->fd, dev);

	assert_true(idx > 0);
	return idx;
}

/* The namespaces wired as docs/ran.md draws them; returns the ports' ifindexes. */
static void wire(struct netns_fixture *fx, int *ret_ue, int *ret_c1, int *ret_c2)
{
	uint8_t own[6], peer[6];
	const char *ran = fx->ran.name;

	sh("ip -n %s link add rue type veth peer name ue0 netns %s", ran, fx->ue.name);
	sh("ip -n %s link add rc1 type veth peer name c1 netns %s", ran, fx->e1.name);
	sh("ip -n %s link add rc2 type veth peer name c2 netns %s", ran, fx->e2.name);
	sh("ip -n %s link set rue up && ip -n %s link set rc1 up && ip -n %s link set rc2 up", ran,
	   ran, ran);
	sh("ip -n %s link set ue0 arp off up", fx->ue.name);
	sh("ip -n %s addr add 10.200.0.1/32 dev ue0", fx->ue.name);
	sh("ip -n %s route add default dev ue0", fx->ue.name);
	enb_conf(&fx->e1, "c1", "10.201.1.1", "10.200.0.1");
	enb_conf(&fx->e2, "c2", "10.201.2.1", "10.200.0.1");

	*ret_ue = ran_index(&fx->ran, "rue");
	*ret_c1 = ran_index(&fx->ran, "rc1");
	*ret_c2 = ran_index(&fx->ran, "rc2");
	mac_of(&fx->ran, "rc1", own);
	mac_of(&fx->e1, "c1", peer);
	assert_int_equal(ran_cell_set(fx->r, *ret_c1, own, peer), 0);
	mac_of(&fx->ran, "rc2", own);
	mac_of(&fx->e2, "c2", peer);
	assert_int_equal(ran_cell_set(fx->r, *ret_c2, own, peer), 0);
	mac_of(&fx->ran, "rue", own);
	mac_of(&fx->ue, "ue0", peer);
	assert_int_equal(ran_ue_set(fx->r, *ret_ue, bpf_test_ip4("10.200.0.1"), peer, own), 0);
	assert_int_equal(ran_attach_ue_port(fx->r, fx->ran.fd, *ret_ue), 0);
	assert_int_equal(ran_attach_cell_port(fx->r, fx->ran.fd, *ret_c1), 0);
	assert_int_equal(ran_attach_cell_port(fx->r, fx->ran.fd, *ret_c2), 0);
}

/* How often needle occurs in the output of cmd. */
static int count_in(const char *cmd, const char *needle)
{
	char out[4096];
	size_t n;
	int count = 0;
	FILE *p = popen(cmd, "r");

	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	for (const char *q = out; (q = strstr(q, needle)); q++)
		count++;
	return count;
}

static void test_handover_traffic(void **state)
{
	struct netns_fixture *fx = *state;
	uint32_t ue = bpf_test_ip4("10.200.0.1"), e1 = bpf_test_ip4("10.201.1.1"),
		 e2 = bpf_test_ip4("10.201.2.1");
	struct ran_stats st;
	char cmd[128];
	int rue, rc1, rc2;

	wire(fx, &rue, &rc1, &rc2);
	/* served by cell 1: both ways through e1; e2 neither hears the UE nor reaches it */
	assert_int_equal(ran_ue_attach(fx->r, rue, rc1), 0);
	assert_true(deliver(&fx->ue, ue, &fx->e1, e1, 2000));
	assert_true(deliver(&fx->e1, e1, &fx->ue, ue, 2000));
	assert_false(deliver(&fx->ue, ue, &fx->e2, e2, 300));
	assert_false(deliver(&fx->e2, e2, &fx->ue, ue, 300));
	assert_true(stats_of(fx->r, rc2).drop_pkts >= 1);

	/* the handover: same address, the other cell */
	assert_int_equal(ran_ue_attach(fx->r, rue, rc2), 0);
	assert_true(deliver(&fx->ue, ue, &fx->e2, e2, 2000));
	assert_true(deliver(&fx->e2, e2, &fx->ue, ue, 2000));
	/* downlink still reaching the old cell: forwarded, then dropped when so told */
	assert_true(deliver(&fx->e1, e1, &fx->ue, ue, 2000));
	st = stats_of(fx->r, rc1);
	assert_true(st.x2_pkts >= 1);
	assert_true(st.up_pkts >= 1 && st.down_pkts >= 1);
	assert_int_equal(ran_forwarding_set(fx->r, RAN_FWD_DROP, 0), 0);
	assert_false(deliver(&fx->e1, e1, &fx->ue, ue, 300));
	assert_true(stats_of(fx->r, rc1).ho_drop_pkts >= 1);
	st = stats_of(fx->r, rc2);
	assert_true(st.up_pkts >= 1 && st.down_pkts >= 1);

	/* detach takes the filter and the clsact qdisc; close takes the rest */
	assert_int_equal(ran_detach(fx->r, fx->ran.fd, rue), 0);
	snprintf(cmd, sizeof(cmd), "tc -n %s qdisc show dev rue", fx->ran.name);
	assert_int_equal(count_in(cmd, "clsact"), 0);
	assert_false(deliver(&fx->ue, ue, &fx->e2, e2, 300));
	snprintf(cmd, sizeof(cmd), "tc -n %s filter show dev rc1 ingress", fx->ran.name);
	assert_true(count_in(cmd, "ran_to_ue") >= 1);
	ran_close(fx->r);
	fx->r = NULL;
	assert_int_equal(count_in(cmd, "ran_to_ue"), 0);
	snprintf(cmd, sizeof(cmd), "tc -n %s qdisc show", fx->ran.name);
	assert_int_equal(count_in(cmd, "clsact"), 0);
}

/* --- main --- */

/* Can this process use BPF at all? A tiny map says so without our programs. */

int main(int argc, char **argv)
{
	const struct CMUnitTest prog[] = {
	    cmocka_unit_test_setup_teardown(test_uplink, prog_setup, prog_teardown),
	    cmocka_unit_test_setup_teardown(test_uplink_dropped, prog_setup, prog_teardown),
	    cmocka_unit_test_setup_teardown(test_downlink, prog_setup, prog_teardown),
	    cmocka_unit_test_setup_teardown(test_downlink_dropped, prog_setup, prog_teardown),
	    cmocka_unit_test_setup_teardown(test_handover_x2, prog_setup, prog_teardown),
	    cmocka_unit_test_setup_teardown(test_handover_drop, prog_setup, prog_teardown),
	    cmocka_unit_test_setup_teardown(test_api, prog_setup, prog_teardown),
	};
	const struct CMUnitTest netns[] = {
	    cmocka_unit_test_setup_teardown(test_handover_traffic, netns_setup, netns_teardown),
	};
	const char *which = argc > 1 ? argv[1] : "";
	int r = 0;

	if (geteuid() != 0) {
		fprintf(stderr, "skipped: test_bpf_ran needs root\n");
		return 77;
	}
	if (!bpf_test_usable()) {
		fprintf(stderr, "skipped: the kernel refuses BPF here\n");
		return 77;
	}
	A1 = bpf_test_ip4("10.200.0.1");
	A2 = bpf_test_ip4("10.200.0.2");
	CLOUD = bpf_test_ip4("10.0.0.1");
	if (!*which || !strcmp(which, "prog"))
		r |= cmocka_run_group_tests_name("ran_prog", prog, NULL, NULL);
	if (!*which || !strcmp(which, "netns"))
		r |= cmocka_run_group_tests_name("ran_netns", netns, NULL, NULL);
	return r ? 1 : 0;
}
