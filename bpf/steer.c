/* SPDX-License-Identifier: MIT */
/*
 * Service steering, user side. The skeleton (steer.skel.h, generated in the build folder) is
 * the only way in to the object. Programs are per process, maps may be shared through bpffs:
 * a process that opens the same pin folder reuses the maps the first one pinned, so its
 * programs, its flips and everyone else's act on the same entries.
 */
#include "bpf/steer_api.h"

#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "emu/emu.h"
#include "steer.skel.h"
#include "util/log.h"

#define BPFFS "/sys/fs/bpf"

struct steer {
	struct steer_bpf *skel; /* NULL when opened from pins only: maps, no programs */
	int fwd_fd;
	int rev_fd;
	int stats_fd;
	int ncpus;
};

/* --- libbpf's messages: one level below ours, so -v shows its warnings --- */

/*
 * libbpf's warnings explain an error we hand back to the caller, who reports it: details
 * for -v. Its info and debug lines are for -vv.
 */
__attribute__((format(printf, 2, 0))) static int print_libbpf(enum libbpf_print_level level,
							      const char *fmt, va_list ap)
{
	util_vlog(level == LIBBPF_WARN ? UTIL_LOG_INFO : UTIL_LOG_DEBUG, fmt, ap);
	return 0;
}

static void quiet_libbpf(void)
{
	static bool done;

	if (!done) {
		libbpf_set_print(print_libbpf);
		done = true;
	}
}

/* --- pinning --- */

static int mount_bpffs(void)
{
	struct statfs st;

	if (statfs(BPFFS, &st) < 0)
		return -errno;
	if (st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPFFS, "bpf", 0, "mode=0700") < 0)
		return -errno;
	return 0;
}

/* mkdir -p, creating folders inside bpffs only. */
static int make_pin_dir(const char *pin_dir)
{
	char path[PATH_MAX];
	size_t len = strlen(pin_dir);
	bool in_bpffs = false;
	int r;

	if (pin_dir[0] != '/')
		return -EINVAL;
	if (len >= sizeof(path))
		return -ENAMETOOLONG;
	if (!strncmp(pin_dir, BPFFS, strlen(BPFFS)) &&
	    (pin_dir[strlen(BPFFS)] == '/' || !pin_dir[strlen(BPFFS)])) {
		r = mount_bpffs();
		if (r < 0)
			return r;
	}
	memcpy(path, pin_dir, len + 1);
	for (char *p = path + 1;; p++) {
		struct statfs st;
		char c = *p;

		if (c && c != '/')
			continue;
		*p = '\0';
		if (statfs(path, &st) == 0) {
			in_bpffs = st.f_type == BPF_FS_MAGIC;
		} else if (errno != ENOENT) {
			return -errno;
		} else if (!in_bpffs) {
			return -EINVAL; /* pins can only live in bpffs */
		} else if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			return -errno;
		}
		*p = c;
		if (!c)
			break;
	}
	return in_bpffs ? 0 : -EINVAL;
}

static int pin_path(char *buf, size_t len, const char *pin_dir, const struct bpf_map *map)
{
	if ((size_t)snprintf(buf, len, "%s/%s", pin_dir, bpf_map__name(map)) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* Pin (or reuse) every map of ours; libbpf does it at load time. */
static int set_pins(struct steer_bpf *skel, const char *pin_dir)
{
	char path[PATH_MAX];
	struct bpf_map *map;
	int r;

	r = make_pin_dir(pin_dir);
	if (r < 0)
		return r;
	bpf_object__for_each_map(map, skel->obj)
	{
		if (bpf_map__is_internal(map))
			continue;
		r = pin_path(path, sizeof(path), pin_dir, map);
		if (r < 0)
			return r;
		r = bpf_map__set_pin_path(map, path);
		if (r < 0)
			return r;
	}
	return 0;
}

/* --- open, close --- */

int steer_open(const char *pin_dir, struct steer **ret)
{
	struct steer *s;
	int r;

	quiet_libbpf();
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fwd_fd = s->rev_fd = s->stats_fd = -1;
	s->skel = steer_bpf__open();
	if (!s->skel) {
		r = errno ? -errno : -EINVAL;
		goto err;
	}
	if (pin_dir) {
		r = set_pins(s->skel, pin_dir);
		if (r < 0)
			goto err;
	}
	r = steer_bpf__load(s->skel);
	if (r < 0)
		goto err;
	r = libbpf_num_possible_cpus();
	if (r < 0)
		goto err;
	s->ncpus = r;
	s->fwd_fd = bpf_map__fd(s->skel->maps.steer_fwd);
	s->rev_fd = bpf_map__fd(s->skel->maps.steer_rev);
	s->stats_fd = bpf_map__fd(s->skel->maps.steer_stats);
	*ret = s;
	return 0;

err:
	steer_close(s);
	return r;
}

/* A map pinned by steer_open() in pin_dir, by its name in the object (skeleton's field). */
static int open_pin(const char *pin_dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", pin_dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

int steer_open_pinned(const char *pin_dir, struct steer **ret)
{
	struct steer *s;
	int r;

	quiet_libbpf();
	if (!pin_dir || pin_dir[0] != '/')
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fwd_fd = s->rev_fd = s->stats_fd = -1;
	r = open_pin(pin_dir, "steer_fwd");
	if (r >= 0) {
		s->fwd_fd = r;
		r = open_pin(pin_dir, "steer_rev");
	}
	if (r >= 0) {
		s->rev_fd = r;
		r = open_pin(pin_dir, "steer_stats");
	}
	if (r >= 0) {
		s->stats_fd = r;
		r = libbpf_num_possible_cpus();
	}
	if (r < 0) {
		steer_close(s);
		return r;
	}
	s->ncpus = r;
	*ret = s;
	return 0;
}

void steer_close(struct steer *s)
{
	if (!s)
		return;
	if (s->skel) {
		steer_bpf__destroy(s->skel);
	} else {
		/* Opened from pins: the fds are ours, not the skeleton's. */
		int fds[] = {s->fwd_fd, s->rev_fd, s->stats_fd};

		for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
			if (fds[i] >= 0)
				close(fds[i]);
	}
	free(s);
}

int steer_unpin(const char *pin_dir)
{
	char path[PATH_MAX];
	struct steer_bpf *skel;
	struct bpf_map *map;
	int r = 0;

	quiet_libbpf();
	/* The object, opened but not loaded, knows the names of its maps. */
	skel = steer_bpf__open();
	if (!skel)
		return errno ? -errno : -EINVAL;
	bpf_object__for_each_map(map, skel->obj)
	{
		if (bpf_map__is_internal(map))
			continue;
		r = pin_path(path, sizeof(path), pin_dir, map);
		if (r < 0)
			break;
		if (unlink(path) < 0 && errno != ENOENT) {
			r = -errno;
			break;
		}
	}
	steer_bpf__destroy(skel);
	if (r < 0)
		return r;
	if (rmdir(pin_dir) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int steer_prog_fd(struct steer *s, enum steer_prog prog)
{
	if (!s->skel)
		return -EINVAL;
	switch (prog) {
	case STEER_FROM_CLIENT:
		return bpf_program__fd(s->skel->progs.steer_from_client);
	case STEER_TO_CLIENT:
		return bpf_program__fd(s->skel->progs.steer_to_client);
	}
	return -EINVAL;
}

/* --- attach points --- */

int steer_ifindex(int ns_fd, const char *name)
{
	struct emu_ns_token tok;
	unsigned idx;
	int r;

	r = emu_netns_enter_or_stay(ns_fd, &tok);
	if (r < 0)
		return r;
	idx = if_nametoindex(name);
	r = idx ? (int)idx : -errno;
	return emu_netns_leave_with(&tok, r);
}

/* What the filter dump of one interface's clsact hook shows. */
struct scan {
	int side;   /* STEER_* being dumped */
	int ours;   /* hooks holding our filter */
	int others; /* entries of anybody else's filters */
};

static int scan_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct tcmsg *tc = NLMSG_DATA(nlh);
	struct scan *sc = arg;
	uint32_t prio;

	if (nlh->nlmsg_type != RTM_NEWTFILTER || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*tc)))
		return 0;
	prio = TC_H_MAJ(tc->tcm_info) >> 16;
	if (prio == STEER_TC_PRIO && tc->tcm_handle == STEER_TC_HANDLE)
		sc->ours |= sc->side;
	else if (prio != STEER_TC_PRIO || tc->tcm_handle)
		sc->others++; /* (the head of our own priority has handle 0) */
	return 0;
}

/* Dump the filters of both clsact hooks of ifindex, in the current namespace. */
static int scan_here(int ifindex, struct scan *sc)
{
	static const struct {
		int side;
		uint32_t minor;
	} hooks[] = {
	    {STEER_INGRESS, TC_H_MIN_INGRESS},
	    {STEER_EGRESS, TC_H_MIN_EGRESS},
	};
	union {
		struct nlmsghdr nlh;
		char buf[NLMSG_SPACE(sizeof(struct tcmsg))];
	} req;
	struct emu_nl *nl;
	int r = 0;

	r = emu_nl_open(&nl);
	if (r < 0)
		return r;
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		struct tcmsg *tc;

		memset(&req, 0, sizeof(req));
		req.nlh.nlmsg_len = NLMSG_LENGTH(sizeof(*tc));
		req.nlh.nlmsg_type = RTM_GETTFILTER;
		req.nlh.nlmsg_flags = NLM_F_REQUEST;
		tc = NLMSG_DATA(&req.nlh);
		tc->tcm_family = AF_UNSPEC;
		tc->tcm_ifindex = ifindex;
		tc->tcm_parent = TC_H_MAKE(TC_H_CLSACT, hooks[i].minor);
		sc->side = hooks[i].side;
		r = emu_nl_dump(nl, &req.nlh, scan_cb, sc);
		if (r < 0)
			break;
	}
	emu_nl_close(nl);
	return r;
}

static int attach_one(int ifindex, enum bpf_tc_attach_point point, int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = STEER_TC_HANDLE, .priority = STEER_TC_PRIO,
			    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);

	return bpf_tc_attach(&hook, &opts);
}

static int detach_here(int ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = STEER_TC_HANDLE,
			    .priority = STEER_TC_PRIO);
	struct scan sc = {0};
	int r;

	r = scan_here(ifindex, &sc);
	if (r < 0)
		return r;
	if (!sc.ours)
		return 0;
	if (sc.ours & STEER_INGRESS) {
		hook.attach_point = BPF_TC_INGRESS;
		r = bpf_tc_detach(&hook, &opts);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	if (sc.ours & STEER_EGRESS) {
		hook.attach_point = BPF_TC_EGRESS;
		r = bpf_tc_detach(&hook, &opts);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	/* The hook served only us: take it away too. */
	if (!sc.others) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		r = bpf_tc_hook_destroy(&hook);
		if (r < 0 && r != -ENOENT && r != -EINVAL)
			return r;
	}
	return 0;
}

static int attach_here(struct steer *s, int ifindex, bool on_client)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int from_fd = bpf_program__fd(s->skel->progs.steer_from_client);
	int to_fd = bpf_program__fd(s->skel->progs.steer_to_client);
	int r;

	r = bpf_tc_hook_create(&hook);
	if (r < 0 && r != -EEXIST)
		return r;
	r = attach_one(ifindex, BPF_TC_INGRESS, on_client ? to_fd : from_fd);
	if (r < 0)
		goto err;
	r = attach_one(ifindex, BPF_TC_EGRESS, on_client ? from_fd : to_fd);
	if (r < 0)
		goto err;
	return 0;

err:
	/* Half attached steers one way only: take back what is there. */
	detach_here(ifindex);
	return r;
}

static int attach(struct steer *s, int ns_fd, int ifindex, bool on_client)
{
	struct emu_ns_token tok;
	int r;

	if (!s || !s->skel || ifindex <= 0)
		return -EINVAL;
	r = emu_netns_enter_or_stay(ns_fd, &tok);
	if (r < 0)
		return r;
	r = attach_here(s, ifindex, on_client);
	return emu_netns_leave_with(&tok, r);
}

int steer_attach(struct steer *s, int ns_fd, int ifindex)
{
	return attach(s, ns_fd, ifindex, false);
}

int steer_attach_on_client(struct steer *s, int ns_fd, int ifindex)
{
	return attach(s, ns_fd, ifindex, true);
}

int steer_detach(struct steer *s, int ns_fd, int ifindex)
{
	struct emu_ns_token tok;
	int r;

	if (ifindex <= 0)
		return -EINVAL;
	r = emu_netns_enter_or_stay(ns_fd, &tok);
	if (r < 0)
		return r;
	r = detach_here(ifindex);
	return emu_netns_leave_with(&tok, r);
}

int steer_query(int ns_fd, int ifindex)
{
	struct emu_ns_token tok;
	struct scan sc = {0};
	char name[IF_NAMESIZE];
	int r;

	if (ifindex <= 0)
		return -EINVAL;
	r = emu_netns_enter_or_stay(ns_fd, &tok);
	if (r < 0)
		return r;
	/* The dump of a missing interface is merely empty. */
	if (!if_indextoname((unsigned)ifindex, name))
		r = -errno;
	else
		r = scan_here(ifindex, &sc);
	return emu_netns_leave_with(&tok, r < 0 ? r : sc.ours);
}

/* --- the mapping --- */

int steer_flip(struct steer *s, uint32_t client, uint32_t vip, uint32_t instance)
{
	return steer_flip_port(s, client, vip, 0, instance);
}

int steer_flip_port(struct steer *s, uint32_t client, uint32_t vip, uint16_t port,
		    uint32_t instance)
{
	struct steer_rev_key rkey = {.client = client, .instance = instance, .port = port};
	struct steer_rev_val rval = {.vip = vip}, old;
	struct steer_key key = {.client = client, .vip = vip};
	struct steer_fwd_val val = {.instance = instance};
	int r;

	if (!s || !client || !vip || !instance)
		return -EINVAL;
	/* Answers from the instance must become the VIP before any request reaches it. */
	r = bpf_map_lookup_elem(s->rev_fd, &rkey, &old);
	if (r == 0 && old.vip != vip)
		return -EADDRINUSE;
	if (r == -ENOENT)
		r = bpf_map_update_elem(s->rev_fd, &rkey, &rval, BPF_ANY);
	if (r < 0)
		return r;
	/*
	 * The first VIP a client reaches on this instance also takes its answers from any
	 * other port (a VIP is an address: iperf3 or ssh to it work too); a second VIP on the
	 * same node gets its own port only.
	 */
	if (port) {
		rkey.port = 0;
		r = bpf_map_update_elem(s->rev_fd, &rkey, &rval, BPF_NOEXIST);
		if (r < 0 && r != -EEXIST)
			return r;
	}
	return bpf_map_update_elem(s->fwd_fd, &key, &val, BPF_ANY);
}

int steer_remove(struct steer *s, uint32_t client, uint32_t vip)
{
	struct steer_key key = {.client = client, .vip = vip};
	struct steer_rev_key rkey, next;
	struct steer_rev_val rval;
	int r, more;

	if (!s)
		return -EINVAL;
	r = bpf_map_delete_elem(s->fwd_fd, &key);
	if (r < 0)
		return r;
	/* Find the next key before deleting this one: the walk stays where it was. */
	more = bpf_map_get_next_key(s->rev_fd, NULL, &rkey);
	while (more == 0) {
		more = bpf_map_get_next_key(s->rev_fd, &rkey, &next);
		if (rkey.client == client && bpf_map_lookup_elem(s->rev_fd, &rkey, &rval) == 0 &&
		    rval.vip == vip) {
			r = bpf_map_delete_elem(s->rev_fd, &rkey);
			if (r < 0 && r != -ENOENT)
				return r;
		}
		if (more == 0)
			rkey = next;
	}
	return more == -ENOENT ? 0 : more;
}

int steer_lookup(struct steer *s, uint32_t client, uint32_t vip, uint32_t *ret_instance)
{
	struct steer_key key = {.client = client, .vip = vip};
	struct steer_fwd_val val;
	int r;

	if (!s)
		return -EINVAL;
	r = bpf_map_lookup_elem(s->fwd_fd, &key, &val);
	if (r < 0)
		return r;
	*ret_instance = val.instance;
	return 0;
}

int steer_list(struct steer *s,
	       int (*cb)(uint32_t client, uint32_t vip, uint32_t instance, void *arg), void *arg)
{
	struct steer_key key, next;
	struct steer_fwd_val val;
	int r, more, n = 0;

	if (!s || !cb)
		return -EINVAL;
	more = bpf_map_get_next_key(s->fwd_fd, NULL, &key);
	while (more == 0) {
		more = bpf_map_get_next_key(s->fwd_fd, &key, &next);
		/* An entry removed meanwhile is simply not listed. */
		if (bpf_map_lookup_elem(s->fwd_fd, &key, &val) == 0) {
			r = cb(key.client, key.vip, val.instance, arg);
			if (r < 0)
				return r;
			n++;
		}
		if (more == 0)
			key = next;
	}
	return more == -ENOENT ? n : more;
}

int steer_stats_read(struct steer *s, struct steer_stats *ret)
{
	struct steer_stats *cpu, sum = {0};
	uint32_t zero = 0;
	int r;

	if (!s)
		return -EINVAL;
	cpu = calloc((size_t)s->ncpus, sizeof(*cpu));
	if (!cpu)
		return -ENOMEM;
	r = bpf_map_lookup_elem(s->stats_fd, &zero, cpu);
	if (r == 0) {
		for (int i = 0; i < s->ncpus; i++) {
			sum.up_pkts += cpu[i].up_pkts;
			sum.down_pkts += cpu[i].down_pkts;
			sum.pass_pkts += cpu[i].pass_pkts;
			sum.err_pkts += cpu[i].err_pkts;
		}
		*ret = sum;
	}
	free(cpu);
	return r;
}
