/* SPDX-License-Identifier: MIT */
/*
 * Shaping of a run's links through one API, whichever backend carries a link: netem qdiscs
 * on the sending interfaces, or the run's relay for relayed links (the relay backend, or a
 * link with a capacity trace, which netem cannot follow).
 */
#include "topo/net.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/relay.h"
#include "emu/shape.h"

void topo_shape_to_emu(const struct topo_shape *in, struct emu_shape *out)
{
	static const enum emu_dist dist[] = {
	    [TOPO_DIST_NONE] = EMU_DIST_NONE,
	    [TOPO_DIST_NORMAL] = EMU_DIST_NORMAL,
	    [TOPO_DIST_UNIFORM] = EMU_DIST_UNIFORM,
	    [TOPO_DIST_PARETO] = EMU_DIST_PARETO,
	};
	static const enum emu_loss_model loss[] = {
	    [TOPO_LOSS_NONE] = EMU_LOSS_NONE,
	    [TOPO_LOSS_RANDOM] = EMU_LOSS_RANDOM,
	    [TOPO_LOSS_GILBERT] = EMU_LOSS_GILBERT,
	};

	memset(out, 0, sizeof(*out));
	out->delay_ns = in->delay_ns;
	out->jitter_ns = in->jitter_ns;
	out->dist = in->jitter_ns ? dist[in->dist] : EMU_DIST_NONE;
	out->loss.model = loss[in->loss.model];
	out->loss.p = in->loss.p;
	out->loss.r = in->loss.r;
	out->loss.h = in->loss.h;
	out->loss.k = in->loss.k;
	out->rate_bps = in->rate_bps;
	out->limit = in->limit;
	out->trace = in->trace;
}

bool topo_shape_is_set(const struct topo_shape *s)
{
	return s->delay_ns || s->jitter_ns || s->loss.model != TOPO_LOSS_NONE || s->rate_bps ||
	       s->limit || s->trace;
}

static bool read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	bool ok = f && fgets(buf, (int)len, f);

	if (f)
		fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

static bool netem_loaded(void)
{
	char line[256];
	FILE *f = fopen("/proc/modules", "re");
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f))
		found = !strncmp(line, "sch_netem ", 10);
	if (f)
		fclose(f);
	return found;
}

/*
 * Whether the kernel has sch_netem: 0 or -errno. Probing makes a throwaway namespace whose
 * dismantling (two RCU grace periods, ~30 ms on this kind of machine) would hold up the
 * kernel's dismantling of the next namespaces, a quick `down` after `up` among them. The
 * answer is kept for the boot in TOPO_NETEM_CACHE; a "no" is asked again once sch_netem
 * shows in /proc/modules (someone loaded it).
 */
static int netem_probe_cached(void)
{
	char boot[64], line[128], want[80];
	int cached, r;
	FILE *f;

	if (!read_line("/proc/sys/kernel/random/boot_id", boot, sizeof(boot)))
		return emu_netem_probe();
	if (read_line(TOPO_NETEM_CACHE, line, sizeof(line)) && !strncmp(line, boot, strlen(boot)) &&
	    line[strlen(boot)] == ' ') {
		char *end;

		cached = (int)strtol(line + strlen(boot) + 1, &end, 10);
		if (!*end && (cached == 0 || !netem_loaded()))
			return cached;
	}
	r = emu_netem_probe();
	if (mkdir(TOPO_RUN_ROOT, 0755) < 0 && errno != EEXIST)
		return r;
	snprintf(want, sizeof(want), "%s.%d", TOPO_NETEM_CACHE, (int)getpid());
	f = fopen(want, "we");
	if (f) {
		fprintf(f, "%s %d\n", boot, r);
		if (fclose(f) == 0)
			rename(want, TOPO_NETEM_CACHE);
		else
			unlink(want);
	}
	return r;
}

int topo_net_choose_backend(struct topo_net *net, struct topo_err *err)
{
	const struct topo_model *m = net->m;
	int netem = 1;

	if (m->shaper != TOPO_SHAPER_RELAY)
		netem = netem_probe_cached();
	switch (m->shaper) {
	case TOPO_SHAPER_NETEM:
		if (netem < 0)
			return topo_err_set(
			    err, -EOPNOTSUPP,
			    "%s: shaper: netem, but this kernel has no sch_netem (%s); use "
			    "shaper: relay or auto, or load the module (modprobe sch_netem)",
			    m->file, strerror(-netem));
		net->backend = TOPO_SHAPER_NETEM;
		snprintf(net->backend_why, sizeof(net->backend_why), "the file asks for netem");
		break;
	case TOPO_SHAPER_RELAY:
		net->backend = TOPO_SHAPER_RELAY;
		snprintf(net->backend_why, sizeof(net->backend_why), "the file asks for relay");
		break;
	default:
		net->backend = netem == 0 ? TOPO_SHAPER_NETEM : TOPO_SHAPER_RELAY;
		snprintf(net->backend_why, sizeof(net->backend_why), "auto: %s",
			 netem == 0 ? "the kernel has sch_netem"
				    : "the kernel has no sch_netem, so the userspace relay shapes");
		break;
	}
	topo_net_mark_relayed(net);
	return 0;
}

void topo_net_mark_relayed(struct topo_net *net)
{
	const struct topo_model *m = net->m;
	unsigned n = 0;

	/*
	 * A link the file does not shape stays a plain veth pair: the relay would only add
	 * latency. (With netem any link can be shaped later; with the relay only relayed ones.)
	 */
	for (unsigned l = 0; l < m->n_links; l++) {
		const struct topo_link *k = &m->links[l];
		bool shaped = topo_shape_is_set(&k->dir[0]) || topo_shape_is_set(&k->dir[1]);

		/* A radio link is reshaped at every tick: the relay must carry it. */
		net->relayed[l] = k->dir[0].trace || k->dir[1].trace ||
				  (net->backend == TOPO_SHAPER_RELAY && (shaped || k->radio));
		n += net->relayed[l];
	}
	net->n_relayed = n;
}

int topo_net_node_ns(struct topo_net *net, unsigned node)
{
	struct topo_node_rt *n = &net->nodes[node];

	if (n->ns_fd < 0)
		n->ns_fd = emu_netns_open(n->ns);
	return n->ns_fd;
}

int topo_net_node_nl(struct topo_net *net, unsigned node, struct emu_nl **ret)
{
	struct topo_node_rt *n = &net->nodes[node];
	struct emu_ns_token tok;
	int r;

	if (!n->nl) {
		r = topo_net_node_ns(net, node);
		if (r < 0)
			return r;
		r = emu_netns_enter(n->ns_fd, &tok);
		if (r < 0)
			return r;
		r = emu_nl_open(&n->nl);
		emu_netns_leave(&tok);
		if (r < 0)
			return r;
	}
	*ret = n->nl;
	return 0;
}

static void ctl_path(const struct topo_net *net, char *buf, size_t len)
{
	snprintf(buf, len, "%s/relay.sock", net->dir);
}

int topo_net_shape_set(struct topo_net *net, unsigned link, unsigned dir, const struct emu_shape *s,
		       struct topo_err *err)
{
	const struct topo_model *m = net->m;
	const struct topo_if *from;
	struct emu_nl *nl = NULL;
	char path[PATH_MAX + 16];
	int r;

	if (link >= m->n_links || dir > 1)
		return topo_err_set(err, -ENOENT, "no link %u direction %u", link, dir);
	from = &m->links[link].end[dir];
	if (net->backend == TOPO_SHAPER_RELAY && !net->relayed[link])
		return topo_err_set(
		    err, -EOPNOTSUPP,
		    "link %s:%s is a plain veth pair: the file gives it no shaping, "
		    "and the relay shapes only the links it carries; give the link "
		    "some shaping in the file (delay: 1us is enough)",
		    m->nodes[from->node].name, from->ifname);
	if (net->relayed[link]) {
		ctl_path(net, path, sizeof(path));
		r = emu_relay_set(path, link, dir, s);
		if (r < 0)
			return topo_err_set(err, r, "shaping %s:%s through the relay: %s",
					    m->nodes[from->node].name, from->ifname, strerror(-r));
		return 0;
	}
	if (s->trace)
		return topo_err_set(
		    err, -EOPNOTSUPP,
		    "link %s:%s is shaped by netem, which cannot follow a capacity trace",
		    m->nodes[from->node].name, from->ifname);
	r = topo_net_node_nl(net, from->node, &nl);
	if (r == 0)
		r = emu_netem_set(nl, net->ifindex[2 * link + dir], s, NULL);
	if (r == 0)
		r = emu_nl_flush(nl);
	if (r < 0)
		return topo_err_set(err, r, "shaping %s:%s with netem: %s%s%s%s",
				    m->nodes[from->node].name, from->ifname, strerror(-r),
				    nl && nl->ext[0] ? " (" : "", nl && nl->ext[0] ? nl->ext : "",
				    nl && nl->ext[0] ? ")" : "");
	return 0;
}

int topo_net_shape_get(struct topo_net *net, unsigned link, unsigned dir, struct emu_shape *ret)
{
	const struct topo_model *m = net->m;
	char path[PATH_MAX + 16];
	struct emu_nl *nl;
	int r;

	if (link >= m->n_links || dir > 1)
		return -ENOENT;
	if (net->relayed[link]) {
		ctl_path(net, path, sizeof(path));
		return emu_relay_get(path, link, dir, ret, NULL);
	}
	r = topo_net_node_nl(net, m->links[link].end[dir].node, &nl);
	if (r < 0)
		return r;
	return emu_netem_get(nl, net->ifindex[2 * link + dir], ret);
}
