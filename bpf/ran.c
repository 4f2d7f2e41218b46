/* SPDX-License-Identifier: MIT */
/*
 * Radio access, user side. The skeleton (ran.skel.h, generated in the build folder) is the
 * only way in to the object. One process writes the maps (the runner, later); reads and
 * writes of one UE are a lookup then one update, so two writers of the same UE at once
 * would race: there is one.
 */
#include "bpf/ran_api.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "emu/emu.h"
#include "ran.skel.h"
#include "util/clock.h"

/* A port this handle attached a program to, for ran_close(). */
struct port {
	int ns_fd; /* ours (a dup), or the namespace of the thread that attached */
	ino_t ns_ino;
	int ifindex;
};

struct ran {
	struct ran_bpf *skel;
	int cell_fd;
	int ue_fd;
	int addr_fd;
	int conf_fd;
	int stats_fd;
	int ncpus;
	struct port *ports;
	size_t nports;
	size_t cap;
};

static int detach_here(int ifindex);

/* --- open, close --- */

int ran_open(struct ran **ret)
{
	struct ran *r;
	int err;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->skel = ran_bpf__open_and_load();
	if (!r->skel) {
		err = errno ? -errno : -EINVAL;
		goto err;
	}
	err = libbpf_num_possible_cpus();
	if (err < 0)
		goto err;
	r->ncpus = err;
	r->cell_fd = bpf_map__fd(r->skel->maps.cell);
	r->ue_fd = bpf_map__fd(r->skel->maps.ue_cell);
	r->addr_fd = bpf_map__fd(r->skel->maps.ue_by_addr);
	r->conf_fd = bpf_map__fd(r->skel->maps.ran_conf);
	r->stats_fd = bpf_map__fd(r->skel->maps.ran_stats);
	/* The array's zeroed entry already says RAN_FWD_X2 with no window. */
	*ret = r;
	return 0;

err:
	ran_close(r);
	return err;
}

void ran_close(struct ran *r)
{
	if (!r)
		return;
	/* Newest first. A port gone with its namespace has nothing left to clean. */
	while (r->nports) {
		struct port *p = &r->ports[--r->nports];
		struct emu_ns_token tok;

		if (emu_netns_enter_or_stay(p->ns_fd, &tok) == 0)
			emu_netns_leave_with(&tok, detach_here(p->ifindex));
		close(p->ns_fd);
	}
	free(r->ports);
	ran_bpf__destroy(r->skel);
	free(r);
}

int ran_prog_fd(struct ran *r, enum ran_prog prog)
{
	if (!r)
		return -EINVAL;
	switch (prog) {
	case RAN_FROM_UE:
		return bpf_program__fd(r->skel->progs.ran_from_ue);
	case RAN_TO_UE:
		return bpf_program__fd(r->skel->progs.ran_to_ue);
	}
	return -EINVAL;
}

/* --- attach points --- */

/* An fd of the namespace of ns_fd (-1: the calling thread's) that we own, and its inode. */
static int ns_own(int ns_fd, ino_t *ret_ino)
{
	struct stat st;
	int fd;

	if (ns_fd >= 0)
		fd = fcntl(ns_fd, F_DUPFD_CLOEXEC, 0);
	else
		fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	*ret_ino = st.st_ino;
	return fd;
}

static struct port *find_port(struct ran *r, ino_t ino, int ifindex)
{
	for (size_t i = 0; i < r->nports; i++)
		if (r->ports[i].ns_ino == ino && r->ports[i].ifindex == ifindex)
			return &r->ports[i];
	return NULL;
}

/* Remember a port (once) before attaching to it, so that ran_close() finds it. */
static int remember(struct ran *r, int ns_fd, int ifindex)
{
	ino_t ino;
	int fd;

	fd = ns_own(ns_fd, &ino);
	if (fd < 0)
		return fd;
	if (find_port(r, ino, ifindex)) {
		close(fd);
		return 0;
	}
	if (r->nports == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;
		struct port *p = realloc(r->ports, cap * sizeof(*p));

		if (!p) {
			close(fd);
			return -ENOMEM;
		}
		r->ports = p;
		r->cap = cap;
	}
	r->ports[r->nports++] = (struct port){.ns_fd = fd, .ns_ino = ino, .ifindex = ifindex};
	return 0;
}

static void forget(struct ran *r, int ns_fd, int ifindex)
{
	struct port *p;
	ino_t ino;
	int fd;

	fd = ns_own(ns_fd, &ino);
	if (fd < 0)
		return;
	close(fd);
	p = find_port(r, ino, ifindex);
	if (!p)
		return;
	close(p->ns_fd);
	*p = r->ports[--r->nports];
}

static int detach_here(int ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = RAN_TC_HANDLE, .priority = RAN_TC_PRIO);
	int err;

	err = bpf_tc_detach(&hook, &opts);
	if (err < 0 && err != -ENOENT && err != -EINVAL)
		return err;
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	err = bpf_tc_hook_destroy(&hook);
	if (err < 0 && err != -ENOENT && err != -EINVAL)
		return err;
	return 0;
}

static int attach_here(int ifindex, int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = RAN_TC_HANDLE, .priority = RAN_TC_PRIO,
			    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err < 0 && err != -EEXIST)
		return err;
	return bpf_tc_attach(&hook, &opts);
}

static int attach(struct ran *r, int ns_fd, int ifindex, enum ran_prog prog)
{
	struct emu_ns_token tok;
	int err;

	if (!r || ifindex <= 0)
		return -EINVAL;
	err = remember(r, ns_fd, ifindex);
	if (err < 0)
		return err;
	err = emu_netns_enter_or_stay(ns_fd, &tok);
	if (err < 0)
		return err;
	err = emu_netns_leave_with(&tok, attach_here(ifindex, ran_prog_fd(r, prog)));
	/* ran_close() detaching a port that holds nothing of ours is harmless: keep it. */
	return err;
}

int ran_attach_ue_port(struct ran *r, int ns_fd, int ifindex)
{
	return attach(r, ns_fd, ifindex, RAN_FROM_UE);
}

int ran_attach_cell_port(struct ran *r, int ns_fd, int ifindex)
{
	return attach(r, ns_fd, ifindex, RAN_TO_UE);
}

int ran_detach(struct ran *r, int ns_fd, int ifindex)
{
	struct emu_ns_token tok;
	int err;

	if (ifindex <= 0)
		return -EINVAL;
	err = emu_netns_enter_or_stay(ns_fd, &tok);
	if (err < 0)
		return err;
	err = emu_netns_leave_with(&tok, detach_here(ifindex));
	/* Forgotten even on failure: ran_close() must not loop on a port it cannot clean. */
	if (r)
		forget(r, ns_fd, ifindex);
	return err;
}

/* --- cells --- */

/* The lowest counter slot no cell holds, its counters zeroed; -ENOSPC if none. */
static int free_slot(struct ran *r, uint32_t *ret_slot)
{
	bool used[RAN_SLOTS];
	struct ran_stats *zero;
	struct ran_cell c;
	uint32_t key, next, slot;
	int more, err;

	memset(used, 0, sizeof(used));
	more = bpf_map_get_next_key(r->cell_fd, NULL, &key);
	while (more == 0) {
		more = bpf_map_get_next_key(r->cell_fd, &key, &next);
		if (bpf_map_lookup_elem(r->cell_fd, &key, &c) == 0 && c.slot < RAN_SLOTS)
			used[c.slot] = true;
		key = next;
	}
	if (more != -ENOENT)
		return more;
	for (slot = 1; slot < RAN_SLOTS && used[slot]; slot++)
		;
	if (slot == RAN_SLOTS)
		return -ENOSPC;
	/* A slot a removed cell held keeps its counts until it is handed out again. */
	zero = calloc((size_t)r->ncpus, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	err = bpf_map_update_elem(r->stats_fd, &slot, zero, BPF_ANY);
	free(zero);
	if (err < 0)
		return err;
	*ret_slot = slot;
	return 0;
}

int ran_cell_set(struct ran *r, int cell_ifindex, const uint8_t own_mac[6],
		 const uint8_t peer_mac[6])
{
	uint32_t key = (uint32_t)cell_ifindex;
	struct ran_cell c;
	int err;

	if (!r || cell_ifindex <= 0 || !own_mac || !peer_mac)
		return -EINVAL;
	err = bpf_map_lookup_elem(r->cell_fd, &key, &c);
	if (err == -ENOENT) {
		memset(&c, 0, sizeof(c));
		err = free_slot(r, &c.slot);
	}
	if (err < 0)
		return err;
	memcpy(c.own_mac, own_mac, 6);
	memcpy(c.peer_mac, peer_mac, 6);
	return bpf_map_update_elem(r->cell_fd, &key, &c, BPF_ANY);
}

int ran_cell_remove(struct ran *r, int cell_ifindex)
{
	uint32_t key = (uint32_t)cell_ifindex, ue, next;
	struct ran_ue val;
	int more;

	if (!r || cell_ifindex <= 0)
		return -EINVAL;
	more = bpf_map_get_next_key(r->ue_fd, NULL, &ue);
	while (more == 0) {
		more = bpf_map_get_next_key(r->ue_fd, &ue, &next);
		if (bpf_map_lookup_elem(r->ue_fd, &ue, &val) == 0 && val.cell_ifindex == key)
			return -EBUSY;
		ue = next;
	}
	if (more != -ENOENT)
		return more;
	return bpf_map_delete_elem(r->cell_fd, &key);
}

/* --- UEs --- */

int ran_ue_set(struct ran *r, int ue_ifindex, uint32_t addr, const uint8_t ue_mac[6],
	       const uint8_t own_mac[6])
{
	struct ran_ue_port port = {.ifindex = (uint32_t)ue_ifindex}, held;
	struct ran_ue ue = {.addr = addr};
	uint32_t key = (uint32_t)ue_ifindex;
	int err;

	if (!r || ue_ifindex <= 0 || !addr || !ue_mac || !own_mac)
		return -EINVAL;
	err = bpf_map_lookup_elem(r->ue_fd, &key, &ue);
	if (err == 0 && ue.addr != addr)
		return -EEXIST;
	if (err < 0 && err != -ENOENT)
		return err;
	err = bpf_map_lookup_elem(r->addr_fd, &addr, &held);
	if (err == 0 && held.ifindex != port.ifindex)
		return -EADDRINUSE;
	if (err < 0 && err != -ENOENT)
		return err;
	memcpy(port.mac, ue_mac, 6);
	memcpy(port.own_mac, own_mac, 6);
	err = bpf_map_update_elem(r->addr_fd, &addr, &port, BPF_ANY);
	if (err < 0)
		return err;
	/* A UE set again keeps its cell. */
	err = bpf_map_update_elem(r->ue_fd, &key, &ue, BPF_NOEXIST);
	return err == -EEXIST ? 0 : err;
}

int ran_ue_remove(struct ran *r, int ue_ifindex)
{
	uint32_t key = (uint32_t)ue_ifindex;
	struct ran_ue_port port;
	struct ran_ue ue;
	int err;

	if (!r || ue_ifindex <= 0)
		return -EINVAL;
	err = bpf_map_lookup_elem(r->ue_fd, &key, &ue);
	if (err < 0)
		return err;
	/* Uplink stops first, then downlink finds no port. */
	err = bpf_map_delete_elem(r->ue_fd, &key);
	if (err < 0)
		return err;
	if (bpf_map_lookup_elem(r->addr_fd, &ue.addr, &port) == 0 && port.ifindex == key)
		return bpf_map_delete_elem(r->addr_fd, &ue.addr);
	return 0;
}

int ran_ue_attach(struct ran *r, int ue_ifindex, int cell_ifindex)
{
	uint32_t key = (uint32_t)ue_ifindex, cell = (uint32_t)cell_ifindex;
	struct ran_cell c;
	struct ran_ue ue;
	int err;

	if (!r || ue_ifindex <= 0 || cell_ifindex < 0)
		return -EINVAL;
	err = bpf_map_lookup_elem(r->ue_fd, &key, &ue);
	if (err < 0)
		return err;
	if (cell) {
		err = bpf_map_lookup_elem(r->cell_fd, &cell, &c);
		if (err < 0)
			return err;
	}
	if (ue.cell_ifindex == cell)
		return 0;
	/*
	 * Leaving a cell starts the handover: that cell becomes the previous one and the clock
	 * of in-flight packets starts. Attaching after a detach (the interruption) ends it and
	 * keeps both, so downlink still reaching the old cell is forwarded to the new one.
	 */
	if (ue.cell_ifindex) {
		ue.old_cell_ifindex = ue.cell_ifindex;
		ue.ho_ns = util_now_ns();
	}
	ue.cell_ifindex = cell;
	return bpf_map_update_elem(r->ue_fd, &key, &ue, BPF_EXIST);
}

int ran_ue_cell(struct ran *r, int ue_ifindex, int *ret_cell, int *ret_old_cell)
{
	uint32_t key = (uint32_t)ue_ifindex;
	struct ran_ue ue;
	int err;

	if (!r || ue_ifindex <= 0)
		return -EINVAL;
	err = bpf_map_lookup_elem(r->ue_fd, &key, &ue);
	if (err < 0)
		return err;
	if (ret_cell)
		*ret_cell = (int)ue.cell_ifindex;
	if (ret_old_cell)
		*ret_old_cell = (int)ue.old_cell_ifindex;
	return 0;
}

/* --- settings, counters --- */

int ran_forwarding_set(struct ran *r, uint32_t mode, uint64_t window_ns)
{
	struct ran_conf conf = {.forwarding = mode, .window_ns = window_ns};
	uint32_t zero = 0;

	if (!r || (mode != RAN_FWD_X2 && mode != RAN_FWD_DROP))
		return -EINVAL;
	return bpf_map_update_elem(r->conf_fd, &zero, &conf, BPF_ANY);
}

int ran_stats_read(struct ran *r, int cell_ifindex, struct ran_stats *ret)
{
	uint32_t key = (uint32_t)cell_ifindex, slot = 0;
	struct ran_stats *cpu, sum = {0};
	struct ran_cell c;
	int err;

	if (!r || cell_ifindex < 0)
		return -EINVAL;
	if (cell_ifindex) {
		err = bpf_map_lookup_elem(r->cell_fd, &key, &c);
		if (err < 0)
			return err;
		slot = c.slot;
	}
	cpu = calloc((size_t)r->ncpus, sizeof(*cpu));
	if (!cpu)
		return -ENOMEM;
	err = bpf_map_lookup_elem(r->stats_fd, &slot, cpu);
	if (err == 0) {
		for (int i = 0; i < r->ncpus; i++) {
			sum.up_pkts += cpu[i].up_pkts;
			sum.up_bytes += cpu[i].up_bytes;
			sum.down_pkts += cpu[i].down_pkts;
			sum.down_bytes += cpu[i].down_bytes;
			sum.x2_pkts += cpu[i].x2_pkts;
			sum.x2_bytes += cpu[i].x2_bytes;
			sum.ho_drop_pkts += cpu[i].ho_drop_pkts;
			sum.drop_pkts += cpu[i].drop_pkts;
		}
		*ret = sum;
	}
	free(cpu);
	return err;
}
