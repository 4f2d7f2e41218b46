/* SPDX-License-Identifier: MIT */
/*
 * emu: the emulation engine's kernel side. A thin rtnetlink layer over libmnl (batched
 * requests, every one acknowledged, extack text kept), message builders that write into a
 * caller's buffer, and network namespaces created the way `ip netns add` creates them.
 */
#ifndef EDGEMU_EMU_H
#define EDGEMU_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#define EMU_MSG_MAX 1024 /* room a builder may use for one message */
#define EMU_EXT_MAX 256

/* --- rtnetlink socket with a request batch (emu/nl.c) --- */

struct mnl_socket;

struct emu_nl {
	struct mnl_socket *sk;
	uint32_t portid;
	uint32_t seq; /* next sequence number */
	char *buf;    /* the batch */
	size_t cap, len;
	unsigned pending;      /* requests in the batch */
	uint32_t *tags;	       /* caller's tag per pending request */
	uint32_t err_tag;      /* tag of the request that failed */
	char ext[EMU_EXT_MAX]; /* the kernel's extack text for that failure, or "" */
};

/* Open a NETLINK_ROUTE socket in the calling thread's current network namespace. */
int emu_nl_open(struct emu_nl **ret);
void emu_nl_close(struct emu_nl *nl);
/* Room for the next request of the batch (EMU_MSG_MAX bytes). */
void *emu_nl_slot(struct emu_nl *nl);
/* Make sure the next slot has room for a request of size bytes (flushing if needed). */
int emu_nl_reserve(struct emu_nl *nl, size_t size);
/*
 * Queue the request just built in emu_nl_slot()'s room: sets its sequence number and
 * NLM_F_ACK. The batch is sent when it fills or on emu_nl_flush(); a failure is reported by
 * the flush that sent it, with the failing request's tag in nl->err_tag.
 */
int emu_nl_queue(struct emu_nl *nl, struct nlmsghdr *nlh, uint32_t tag);
/* Send what is queued and wait for every acknowledgement; 0 or the first -errno. */
int emu_nl_flush(struct emu_nl *nl);
/* Size of the socket's receive buffer (more room for acks and notifications). */
int emu_nl_set_rcvbuf(struct emu_nl *nl, int bytes);
/* Join a multicast group (RTNLGRP_*), e.g. RTNLGRP_NSID. */
int emu_nl_join(struct emu_nl *nl, unsigned group);
/* Send one dump request and call cb for every reply message; 0 or -errno. */
int emu_nl_dump(struct emu_nl *nl, struct nlmsghdr *req,
		int (*cb)(const struct nlmsghdr *nlh, void *arg), void *arg);

/* --- message builders (emu/msg.c): write one request at buf (EMU_MSG_MAX bytes) --- */

/*
 * A veth pair: `name` (index `index`, 0 = kernel's choice) in the namespace of ns_fd, its
 * peer `peer` (index peer_index) in the namespace of peer_ns_fd. Created down.
 */
struct nlmsghdr *emu_msg_veth_add(void *buf, const char *name, int ns_fd, int index,
				  const char *peer, int peer_ns_fd, int peer_index);
#define EMU_MAC_LEN 6
/*
 * The same with the MAC address of each end (NULL: a random one, as the kernel picks): for
 * interfaces whose frames a relay addresses itself (NOARP, the relay writes both MACs).
 */
struct nlmsghdr *emu_msg_veth_add_mac(void *buf, const char *name, int ns_fd, int index,
				      const uint8_t *mac, const char *peer, int peer_ns_fd,
				      int peer_index, const uint8_t *peer_mac);
/*
 * Make the link a RTM_NEWLINK request creates come up at once, saving a request. Not for a
 * veth's peer: it cannot open before its pair is complete.
 */
struct nlmsghdr *emu_msg_link_up_at_create(struct nlmsghdr *nlh);
/*
 * The same for any device flags (IFF_UP, IFF_NOARP: `ip link set DEV arp off`), set on the
 * link a RTM_NEWLINK request creates (for a veth: the named end, not its peer).
 */
struct nlmsghdr *emu_msg_link_flags_at_create(struct nlmsghdr *nlh, unsigned flags);
/* Set a link up or down by index. */
struct nlmsghdr *emu_msg_link_set_up(void *buf, int index, bool up);
/* Delete a link by index. */
struct nlmsghdr *emu_msg_link_del(void *buf, int index);
/* An IPv4 address (network byte order) with prefix length on a link. */
struct nlmsghdr *emu_msg_addr_add(void *buf, int index, uint32_t addr_be, uint8_t plen);
/* An IPv4 unicast route (main table, proto static); via_be 0 = directly connected. */
struct nlmsghdr *emu_msg_route_add(void *buf, uint32_t dst_be, uint8_t plen, uint32_t via_be,
				   int oif);
/*
 * emu_msg_route_add with a preferred source (RTA_PREFSRC, network byte order): via_be 0 makes
 * a route out of the device alone (scope link), as a NOARP radio interface's default route.
 */
struct nlmsghdr *emu_msg_route_add_src(void *buf, uint32_t dst_be, uint8_t plen, uint32_t via_be,
				       int oif, uint32_t src_be);
/* Like emu_msg_route_add, but replaces a route to the same destination (a route flip). */
struct nlmsghdr *emu_msg_route_replace(void *buf, uint32_t dst_be, uint8_t plen, uint32_t via_be,
				       int oif);
/*
 * The same with a preferred source address (RTA_PREFSRC, network byte order; 0: none): the
 * address the node's own traffic on this route leaves with.
 */
struct nlmsghdr *emu_msg_route_replace_src(void *buf, uint32_t dst_be, uint8_t plen,
					   uint32_t via_be, int oif, uint32_t src_be);
/* Delete the main table's IPv4 route to dst/plen, whatever its next hop (-ESRCH: none). */
struct nlmsghdr *emu_msg_route_del(void *buf, uint32_t dst_be, uint8_t plen);
/* Give the namespace of ns_fd the id nsid in the socket's namespace. */
struct nlmsghdr *emu_msg_nsid_set(void *buf, int ns_fd, int32_t nsid);
/* A qdisc (kind "netem", "clsact", ...) with raw TCA_OPTIONS payload (may be NULL). */
struct nlmsghdr *emu_msg_qdisc_add(void *buf, int index, uint32_t parent, uint32_t handle,
				   const char *kind, const void *opts, size_t optlen);
/* A direct-action cls_bpf filter running prog_fd at parent (e.g. clsact ingress). */
struct nlmsghdr *emu_msg_filter_bpf_add(void *buf, int index, uint32_t parent, int prog_fd,
					const char *name);
/* Dump requests. */
struct nlmsghdr *emu_msg_link_dump(void *buf);
/*
 * Every interface's counters and nothing else (RTM_GETSTATS, IFLA_STATS_LINK_64: a struct
 * rtnl_link_stats64 per interface): far less for the kernel to build than a link dump.
 */
struct nlmsghdr *emu_msg_stats64_dump(void *buf);
struct nlmsghdr *emu_msg_addr_dump(void *buf);
struct nlmsghdr *emu_msg_route_dump(void *buf);

/* --- network namespaces (emu/netns.c) --- */

#define EMU_NETNS_DIR "/run/netns"

/* Remembers the namespace to go back to (selftests' open_netns/close_netns). */
struct emu_ns_token {
	int orig_fd;
};

/*
 * Create a named namespace as `ip netns add` does (a bind mount under /run/netns, so
 * `ip netns list` shows it), run init(arg) inside it if given (open sockets there, write
 * sysctls), and come back. On success *ret_fd holds an fd of the namespace. On failure
 * nothing is left behind.
 */
int emu_netns_create(const char *name, int (*init)(void *arg), void *arg, int *ret_fd);
/*
 * The same in two steps, for many namespaces at once. emu_netns_reserve() makes the file a
 * namespace is mounted on; with like set, as a hard link to like's file, which must not be
 * mounted yet: a whole run then costs the file system one inode, not one per namespace
 * (allocating and freeing inodes is the slow part of a build and teardown on an ext4 /run).
 * emu_netns_mount() makes the namespace on a reserved name; on failure the name stays.
 */
int emu_netns_reserve(const char *name, const char *like);
int emu_netns_mount(const char *name, int (*init)(void *arg), void *arg, int *ret_fd);
/* Remove the name (unmount and unlink). The namespace dies with its last reference. */
int emu_netns_delete(const char *name);
/* fd of a named namespace, or -errno. */
int emu_netns_open(const char *name);
bool emu_netns_exists(const char *name);
int emu_netns_enter(int ns_fd, struct emu_ns_token *tok);
int emu_netns_leave(struct emu_ns_token *tok);
/* emu_netns_enter(), where ns_fd < 0 stays in the calling thread's namespace. */
int emu_netns_enter_or_stay(int ns_fd, struct emu_ns_token *tok);
/* emu_netns_leave() after work that returned r: r if it failed, else leave's result or r. */
int emu_netns_leave_with(struct emu_ns_token *tok, int r);
/* Write a value to a file under /proc/sys of the current namespace ("net/ipv4/ip_forward"). */
int emu_sysctl_write(const char *key, const char *val);
/*
 * SIGKILL every process whose network namespace is one of ns_inodes and wait (up to
 * timeout_ms) until they have exited; the number killed, or -errno.
 */
int emu_netns_kill_pids(const uint64_t *ns_inodes, size_t n, int timeout_ms);
/* Inode number identifying the namespace of fd. */
int emu_netns_inode(int ns_fd, uint64_t *ret);
/*
 * Close fds[0..n) (each set to -1) holding the last references to namespaces so that the
 * kernel dismantles them in one batch (see emu/netns.c). Closes them in any case.
 */
void emu_netns_release_together(int *fds, size_t n);

/* --- namespace ids, to learn when the kernel has really released a namespace (emu/nsid.c) --- */

/*
 * The id of the namespace of ns_fd as seen from req's namespace, assigning one if it has
 * none. The kernel announces RTM_DELNSID for it when the namespace is dismantled.
 */
int emu_nsid_get(struct emu_nl *req, int ns_fd, int32_t *ret);
/*
 * Wait on listen (joined to RTNLGRP_NSID) until every id in ids was deleted or timeout_ms
 * passed; ids seen are set to -1. Returns how many are still alive (0 = all gone) or -errno.
 */
int emu_nsid_wait(struct emu_nl *listen, int32_t *ids, size_t n, int timeout_ms);
/*
 * The kernel dismantles namespaces one batch after another; a throwaway namespace's deletion
 * is announced only after every batch queued before it was fully freed (devices included).
 */
int emu_netns_barrier(struct emu_nl *req, struct emu_nl *listen, int timeout_ms);

#endif
