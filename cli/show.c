/* SPDX-License-Identifier: MIT */
/*
 * `edgemu show [RUN] [--json]`: what the kernel holds for a run (interfaces, addresses,
 * routes, read live from each node's namespace), beside what the scenario asked for.
 */
#include "cli/cli.h"

#include "util/text.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "emu/emu.h"
#include "emu/shape.h"
#include "migrate/migrate.h"
#include "run/run.h"
#include "topo/net.h"

struct live_if {
	int index;
	char name[IFNAMSIZ];
	bool up, carrier;
};

struct live_addr {
	int index;
	uint32_t addr;
	uint8_t plen;
};

struct live_route {
	uint32_t dst, via;
	uint8_t plen, proto;
	int oif;
};

struct live {
	struct live_if ifs[256];
	struct live_addr addrs[256];
	struct live_route *routes;
	size_t n_ifs, n_addrs, n_routes, cap_routes;
};

static int on_link(const struct nlmsghdr *nlh, void *arg)
{
	struct live *l = arg;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	struct live_if *f;

	if (nlh->nlmsg_type != RTM_NEWLINK || l->n_ifs >= 256)
		return 0;
	f = &l->ifs[l->n_ifs++];
	memset(f, 0, sizeof(*f));
	f->index = ifi->ifi_index;
	f->up = ifi->ifi_flags & IFF_UP;
	f->carrier = ifi->ifi_flags & IFF_LOWER_UP;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) if (mnl_attr_get_type(a) == IFLA_IFNAME)
	    snprintf(f->name, sizeof(f->name), "%s", mnl_attr_get_str(a));
	return 0;
}

static int on_addr(const struct nlmsghdr *nlh, void *arg)
{
	struct live *l = arg;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET || l->n_addrs >= 256)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(*ifa))
	{
		if (mnl_attr_get_type(a) == IFA_LOCAL) {
			struct live_addr *x = &l->addrs[l->n_addrs++];

			x->index = (int)ifa->ifa_index;
			x->addr = ntohl(mnl_attr_get_u32(a));
			x->plen = ifa->ifa_prefixlen;
		}
	}
	return 0;
}

static int on_route(const struct nlmsghdr *nlh, void *arg)
{
	struct live *l = arg;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	struct live_route rt = {.plen = rtm->rtm_dst_len, .proto = rtm->rtm_protocol};

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_table != RT_TABLE_MAIN ||
	    rtm->rtm_type != RTN_UNICAST)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(*rtm))
	{
		switch (mnl_attr_get_type(a)) {
		case RTA_DST:
			rt.dst = ntohl(mnl_attr_get_u32(a));
			break;
		case RTA_GATEWAY:
			rt.via = ntohl(mnl_attr_get_u32(a));
			break;
		case RTA_OIF:
			rt.oif = (int)mnl_attr_get_u32(a);
			break;
		}
	}
	if (l->n_routes == l->cap_routes) {
		size_t cap = l->cap_routes ? 2 * l->cap_routes : 64;
		struct live_route *v = realloc(l->routes, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->routes = v;
		l->cap_routes = cap;
	}
	l->routes[l->n_routes++] = rt;
	return 0;
}

static int read_live(const char *ns, struct live *l)
{
	struct emu_ns_token tok;
	struct emu_nl *nl = NULL;
	char buf[EMU_MSG_MAX];
	int fd = emu_netns_open(ns), r;

	if (fd < 0)
		return fd;
	r = emu_netns_enter(fd, &tok);
	close(fd);
	if (r < 0)
		return r;
	r = emu_nl_open(&nl);
	emu_netns_leave(&tok);
	if (r < 0)
		return r;
	r = emu_nl_dump(nl, emu_msg_link_dump(buf), on_link, l);
	if (r == 0)
		r = emu_nl_dump(nl, emu_msg_addr_dump(buf), on_addr, l);
	if (r == 0)
		r = emu_nl_dump(nl, emu_msg_route_dump(buf), on_route, l);
	emu_nl_close(nl);
	return r;
}

static const char *ifname_of(const struct live *l, int index)
{
	for (size_t i = 0; i < l->n_ifs; i++)
		if (l->ifs[i].index == index)
			return l->ifs[i].name;
	return "?";
}

static char *ip(uint32_t a, char *buf)
{
	struct in_addr in = {htonl(a)};

	return (char *)inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

/* The model's link end for interface ifname of node. */
static const struct topo_if *model_if(const struct topo_model *m, unsigned node, const char *ifname,
				      const struct topo_link **ret_link, unsigned *ret_end)
{
	for (unsigned l = 0; l < m->n_links; l++)
		for (unsigned e = 0; e < 2; e++)
			if (m->links[l].end[e].node == node &&
			    !strcmp(m->links[l].end[e].ifname, ifname)) {
				*ret_link = &m->links[l];
				*ret_end = e;
				return &m->links[l].end[e];
			}
	return NULL;
}

static void fmt_time(uint64_t ns, char *buf, size_t len)
{
	if (ns % 1000000 == 0)
		snprintf(buf, len, "%" PRIu64 "ms", ns / 1000000);
	else if (ns % 1000 == 0)
		snprintf(buf, len, "%" PRIu64 "us", ns / 1000);
	else
		snprintf(buf, len, "%" PRIu64 "ns", ns);
}

static void fmt_rate(uint64_t bps, char *buf, size_t len)
{
	static const char *const u[] = {"bit", "kbit", "mbit", "gbit", "tbit"};
	int i = 0;

	while (i < 4 && bps % 1000 == 0 && bps >= 1000) {
		bps /= 1000;
		i++;
	}
	snprintf(buf, len, "%" PRIu64 "%s", bps, u[i]);
}

/* Shaping of one direction as text, "" when nothing is set. */
static const char *dist_name(enum emu_dist d)
{
	static const char *const names[] = {"none", "normal", "uniform", "pareto"};

	return d <= EMU_DIST_PARETO ? names[d] : "?";
}

static void fmt_shape(const struct emu_shape *s, char *buf, size_t len)
{
	char t[32];
	size_t n = 0;

	buf[0] = '\0';
#define ADD(...) n += (size_t)snprintf(buf + n, n < len ? len - n : 0, __VA_ARGS__)
	if (s->delay_ns) {
		fmt_time(s->delay_ns, t, sizeof(t));
		ADD("delay %s ", t);
	}
	if (s->jitter_ns) {
		fmt_time(s->jitter_ns, t, sizeof(t));
		ADD("jitter %s %s ", t, dist_name(s->dist));
	}
	if (s->loss.model == EMU_LOSS_RANDOM)
		ADD("loss %g%% ", s->loss.p * 100);
	else if (s->loss.model == EMU_LOSS_GILBERT)
		ADD("loss gilbert p %g%% r %g%% h %g%% k %g%% ", s->loss.p * 100, s->loss.r * 100,
		    s->loss.h * 100, s->loss.k * 100);
	if (s->rate_bps) {
		fmt_rate(s->rate_bps, t, sizeof(t));
		ADD("rate %s ", t);
	}
	if (s->limit)
		ADD("limit %u ", s->limit);
	if (s->trace)
		ADD("trace %s ", s->trace);
#undef ADD
	if (n && n <= len)
		buf[n - 1] = '\0';
	else if (!n)
		snprintf(buf, len, "none");
}

static void json_shape(const struct emu_shape *s)
{
	if (!s) {
		printf("null");
		return;
	}
	printf("{\"delay_ns\":%" PRIu64 ",\"jitter_ns\":%" PRIu64 ",\"distribution\":", s->delay_ns,
	       s->jitter_ns);
	util_json_str(stdout, s->jitter_ns ? dist_name(s->dist) : "none");
	printf(",\"loss\":{\"model\":\"%s\",\"p\":%g,\"r\":%g,\"h\":%g,\"k\":%g}",
	       s->loss.model == EMU_LOSS_GILBERT  ? "gilbert"
	       : s->loss.model == EMU_LOSS_RANDOM ? "random"
						  : "none",
	       s->loss.p, s->loss.r, s->loss.h, s->loss.k);
	printf(",\"rate_bps\":%" PRIu64 ",\"limit\":%u,\"trace\":", s->rate_bps, s->limit);
	if (s->trace)
		util_json_str(stdout, s->trace);
	else
		printf("null");
	printf("}");
}

/* One direction: what the file asks and what the backend applies now (NULL: nothing). */
struct dir_view {
	struct emu_shape want, have;
	bool applied;
};

static void view_dir(struct topo_net *net, const struct topo_link *link, unsigned dir,
		     struct dir_view *ret)
{
	unsigned l = (unsigned)(link - net->m->links);

	topo_shape_to_emu(&link->dir[dir], &ret->want);
	ret->have = ret->want; /* netem does not report its distribution: assume the file's */
	ret->applied = topo_net_shape_get(net, l, dir, &ret->have) == 0;
}

static void print_dir(const char *label, const struct dir_view *v)
{
	char want[256], have[256];

	fmt_shape(&v->want, want, sizeof(want));
	fmt_shape(&v->have, have, sizeof(have));
	if (!v->applied)
		snprintf(have, sizeof(have), "none");
	if (!strcmp(want, "none") && !strcmp(have, "none"))
		return;
	printf("\n%13s %s %s", "", label, want);
	if (strcmp(want, have))
		printf("  (applied: %s)", have);
}

/* What show knows of the radio UEs: where each one's routes lead, and who moves them. */
struct radio_view {
	int *routed; /* run_ran_routed(): per node, the eNB routing to it; NULL: not read */
	bool idle;   /* `edgemu up` built it: it records every cell it or `attach` sets */
};

/*
 * A radio UE: its one address, its cell as `edgemu up` or `edgemu attach` recorded it (the
 * runner of `edgemu run` keeps its own: unknown here), and the eNB its routes lead to (the
 * cell it was last attached to, which a detach leaves them at).
 */
static void print_cell(struct topo_net *net, unsigned i, const struct radio_view *rv, bool json)
{
	const struct topo_model *m = net->m;
	int rec, routed = rv->routed ? rv->routed[i] : -1;
	bool has_rec = topo_net_ue_cell_get(net, i, &rec) == 0;
	char a[INET_ADDRSTRLEN];

	/* An idle run with no record: `up` left it detached (--detached, or no usable cell). */
	if (!has_rec && rv->idle) {
		has_rec = true;
		rec = -1;
	}
	if (json) {
		printf("],\"ue_addr\":\"%s\",\"cell\":", ip(m->nodes[i].ue_addr, a));
		if (has_rec && rec >= 0)
			util_json_str(stdout, m->nodes[rec].name);
		else
			printf("null");
		printf(",\"cell_known\":%s,\"routes_to\":", has_rec ? "true" : "false");
		if (routed >= 0)
			util_json_str(stdout, m->nodes[routed].name);
		else
			printf("null");
		printf("}");
		return;
	}
	printf("  radio      address %s on %s; ", ip(m->nodes[i].ue_addr, a), TOPO_RAN_IFNAME);
	if (!has_rec)
		printf("cell unknown here (not recorded: a run's runner moves its UEs itself)");
	else if (rec >= 0)
		printf("cell %s", m->nodes[rec].name);
	else
		printf("cell none (detached)");
	if (!rv->routed)
		printf("; its routes unread\n");
	else if (routed < 0)
		printf("; no eNB routes to it yet\n");
	else if (has_rec && rec >= 0 && rec != routed)
		printf("; its routes lead to %s (changed since the record)\n",
		       m->nodes[routed].name);
	else
		printf("; its routes lead to %s\n", m->nodes[routed].name);
}

static void print_node(struct topo_net *net, unsigned i, const struct live *l,
		       const struct radio_view *rv, bool json)
{
	const struct topo_model *m = net->m;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	if (json) {
		printf("%s{\"name\":", i ? "," : "");
		util_json_str(stdout, m->nodes[i].name);
		printf(",\"kind\":\"%s\",\"netns\":", topo_kind_name(m->nodes[i].kind));
		util_json_str(stdout, net->nodes[i].ns);
		printf(",\"interfaces\":[");
	} else {
		printf("\n%s (%s)  namespace %s\n", m->nodes[i].name,
		       topo_kind_name(m->nodes[i].kind), net->nodes[i].ns);
	}
	for (size_t k = 0, first = 1; k < l->n_ifs; k++) {
		const struct live_if *f = &l->ifs[k];
		const struct topo_link *link = NULL;
		unsigned end = 0;
		const struct topo_if *mi = model_if(m, i, f->name, &link, &end);

		if (json) {
			printf("%s{\"name\":", first ? "" : ",");
			util_json_str(stdout, f->name);
			printf(",\"index\":%d,\"up\":%s,\"carrier\":%s,\"addresses\":[", f->index,
			       f->up ? "true" : "false", f->carrier ? "true" : "false");
		} else {
			printf("  %-10s %-5s", f->name, f->up ? "up" : "down");
		}
		first = 0;
		for (size_t x = 0, af = 1; x < l->n_addrs; x++) {
			if (l->addrs[x].index != f->index)
				continue;
			if (json)
				printf("%s\"%s/%u\"", af ? "" : ",", ip(l->addrs[x].addr, a),
				       l->addrs[x].plen);
			else
				printf(" %s/%u", ip(l->addrs[x].addr, a), l->addrs[x].plen);
			af = 0;
		}
		if (json)
			printf("]");
		if (mi) {
			const struct topo_if *peer = &link->end[!end];
			struct dir_view out, in;

			/* dir[0] runs from end[0] to end[1]: "out" is this interface's sending side
			 */
			view_dir(net, link, end, &out);
			view_dir(net, link, !end, &in);
			if (json) {
				printf(",\"peer\":{\"node\":");
				util_json_str(stdout, m->nodes[peer->node].name);
				printf(",\"ifname\":");
				util_json_str(stdout, peer->ifname);
				printf("},\"relayed\":%s,\"shaping\":{\"out\":",
				       net->relayed[link - m->links] ? "true" : "false");
				json_shape(&out.want);
				printf(",\"out_applied\":");
				json_shape(out.applied ? &out.have : NULL);
				printf(",\"in\":");
				json_shape(&in.want);
				printf(",\"in_applied\":");
				json_shape(in.applied ? &in.have : NULL);
				printf("}");
			} else {
				bool relayed = net->relayed[link - m->links];

				printf("  -> %s %s%s", m->nodes[peer->node].name, peer->ifname,
				       relayed ? " (through the relay)" : "");
				print_dir("out:", &out);
				print_dir("in: ", &in);
			}
		}
		printf(json ? "}" : "\n");
	}
	if (json)
		printf("],\"routes\":[");
	for (size_t k = 0, first = 1; k < l->n_routes; k++) {
		const struct live_route *rt = &l->routes[k];

		/*
		 * Connected subnets: the addresses say them. Only the kernel's: a route out of a
		 * device with no next hop is also how a serving eNB reaches a radio UE's /32 (and
		 * the UE its default), and where a UE's routes lead is what show is read for.
		 */
		if (rt->proto == RTPROT_KERNEL)
			continue;
		if (json) {
			printf("%s{\"dst\":\"%s/%u\",\"via\":", first ? "" : ",", ip(rt->dst, a),
			       rt->plen);
			if (rt->via)
				printf("\"%s\"", ip(rt->via, b));
			else
				printf("null");
			printf(",\"dev\":");
			util_json_str(stdout, ifname_of(l, rt->oif));
			printf("}");
		} else if (rt->via) {
			printf("  route      %s/%u via %s dev %s\n", ip(rt->dst, a), rt->plen,
			       ip(rt->via, b), ifname_of(l, rt->oif));
		} else {
			printf("  route      %s/%u dev %s\n", ip(rt->dst, a), rt->plen,
			       ifname_of(l, rt->oif));
		}
		first = 0;
	}
	if (topo_ue_is_radio(m, i))
		print_cell(net, i, rv, json);
	else if (json)
		printf("]}");
}

static void fmt_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const u[] = {"B", "KiB", "MiB", "GiB"};
	int i = 0;

	while (i < 3 && bytes >= 1024 && bytes % 1024 == 0) {
		bytes /= 1024;
		i++;
	}
	snprintf(buf, len, "%" PRIu64 "%s", bytes, u[i]);
}

/* app svc's state and workload, as the scenario's keys say them. */
static void print_svc(const struct topo_service *s)
{
	char size[32];

	fmt_size(s->state_bytes, size, sizeof(size));
	printf("    state %s, dirty rate %" PRIu64 "/s pattern %s", size, s->dirty_rate,
	       topo_pattern_name(s->dirty_pattern));
	if (s->dirty_pattern == TOPO_PATTERN_HOTSET)
		printf(" hot %g%%", s->hot_ppm / 1e4);
	printf("\n");
}

/* Services: app, VIP, instances (node, pid) and where each client is steered now. */
static void print_services(struct topo_net *net, bool json)
{
	const struct topo_model *m = net->m;
	char a[INET_ADDRSTRLEN];

	if (json)
		printf(",\"services\":[");
	else if (m->n_services)
		printf("\nservices (steering %s)\n", topo_steering_name(m->migration.steering));
	for (unsigned i = 0; i < m->n_services; i++) {
		const struct topo_service *s = &m->services[i];
		bool first = true;

		if (json) {
			printf("%s{\"name\":", i ? "," : "");
			util_json_str(stdout, s->name);
			printf(",\"app\":\"%s\",\"vip\":\"%s\",\"port\":%u", topo_app_name(s->app),
			       ip(s->vip, a), s->port);
			if (s->app == TOPO_APP_SVC)
				printf(",\"state_bytes\":%" PRIu64
				       ",\"dirty\":{\"rate_pps\":%" PRIu64
				       ",\"pattern\":\"%s\",\"hot_ppm\":%u}",
				       s->state_bytes, s->dirty_rate,
				       topo_pattern_name(s->dirty_pattern), s->hot_ppm);
			printf(",\"instances\":[");
		} else {
			printf("  %s  app %s  vip %s port %u\n", s->name, topo_app_name(s->app),
			       ip(s->vip, a), s->port);
			if (s->app == TOPO_APP_SVC)
				print_svc(s);
			printf("    instances:");
		}
		for (unsigned n = 0; n < m->n_nodes; n++) {
			long pid = mig_instance_pid(net, i, n);

			if (pid <= 0)
				continue;
			if (json) {
				printf("%s{\"node\":", first ? "" : ",");
				util_json_str(stdout, m->nodes[n].name);
				printf(",\"addr\":\"%s\",\"pid\":%ld}", ip(topo_node_addr(m, n), a),
				       pid);
			} else {
				printf(" %s (%s, pid %ld)", m->nodes[n].name,
				       ip(topo_node_addr(m, n), a), pid);
			}
			first = false;
		}
		printf(json ? "],\"clients\":[" : "\n");
		first = true;
		for (unsigned c = 0; c < m->n_nodes; c++) {
			unsigned to;

			if (!mig_is_client(net, c))
				continue;
			if (mig_steer_lookup(net, i, c, &to) < 0) {
				if (!json)
					printf("    %s -> (not steered)\n", m->nodes[c].name);
				continue;
			}
			if (json) {
				printf("%s{\"client\":", first ? "" : ",");
				util_json_str(stdout, m->nodes[c].name);
				printf(",\"instance\":");
				util_json_str(stdout, m->nodes[to].name);
				printf("}");
			} else {
				printf("    %s -> %s\n", m->nodes[c].name, m->nodes[to].name);
			}
			first = false;
		}
		if (json)
			printf("]}");
	}
	if (json)
		printf("]");
}

/* What to do about a run of this kind, for the text listing. */
static const char *hint(enum topo_life life)
{
	switch (life) {
	case TOPO_LIFE_LIVE:
		return "";
	case TOPO_LIFE_IDLE:
		return ": edgemu down removes it";
	case TOPO_LIFE_LEFTOVER:
		break;
	}
	return ": edgemu clean removes it";
}

/*
 * "owner" is the pid of the live owner (0: none), as before; "status" live, idle or
 * leftover; "owner_pid" the pid recorded, alive or not.
 */
static void print_owner_json(const struct topo_owner *o)
{
	printf(",\"owner\":%ld,\"status\":\"%s\",\"owner_cmd\":",
	       o->life == TOPO_LIFE_LIVE ? o->pid : 0, topo_life_name(o->life));
	util_json_str(stdout, o->cmd);
	printf(",\"owner_pid\":%ld,\"state\":", o->pid);
	util_json_str(stdout, o->state);
	printf(",\"owner_verified\":%s", o->verified ? "true" : "false");
}

static int show_run(const char *name, bool json)
{
	struct topo_net *net;
	struct topo_err err;
	struct topo_owner o;
	struct radio_view rv = {0};
	char pool[INET_ADDRSTRLEN], what[160];
	bool have_owner;
	int rc = 0;

	if (topo_net_load(name, &net, &err) < 0) {
		fprintf(stderr, "edgemu show: %s\n", err.msg);
		return 1;
	}
	ip(topo_pool_base(net->slot), pool);
	have_owner = topo_net_owner_get(name, &o) == 0;
	if (have_owner)
		topo_owner_describe(&o, what, sizeof(what));
	rv.idle = have_owner && o.life == TOPO_LIFE_IDLE;
	if (net->m->has_radio) {
		int r;

		rv.routed = calloc(net->m->n_nodes, sizeof(*rv.routed));
		r = rv.routed ? run_ran_routed(net, rv.routed) : -ENOMEM;
		if (r < 0) {
			fprintf(stderr, "edgemu show: the eNBs' routes to the UEs: %s\n",
				strerror(-r));
			free(rv.routed);
			rv.routed = NULL;
			rc = 1;
		}
	}
	if (json) {
		printf("{\"run\":");
		util_json_str(stdout, net->name);
		if (have_owner)
			print_owner_json(&o);
		printf(",\"scenario\":");
		util_json_str(stdout, net->m->file);
		printf(",\"slot\":%u,\"pool\":\"%s/16\",\"shaper\":\"%s\",\"backend\":\"%s\","
		       "\"backend_why\":",
		       net->slot, pool, topo_shaper_name(net->m->shaper),
		       topo_shaper_name(net->backend));
		util_json_str(stdout, net->backend_why);
		printf(",\"nodes\":[");
	} else {
		printf("run %s: %u nodes, %u links, addresses from %s/16 (slot %u)\n"
		       "scenario %s\n"
		       "shaping: %s backend (%s); each link shows what the file asks, and what is "
		       "applied where it differs\n",
		       net->name, net->m->n_nodes, net->m->n_links, pool, net->slot, net->m->file,
		       topo_shaper_name(net->backend), net->backend_why);
		if (have_owner)
			printf("status: %s (%s)%s\n", topo_life_name(o.life), what, hint(o.life));
	}
	for (unsigned i = 0; i < net->m->n_nodes; i++) {
		struct live l;
		int r;

		memset(&l, 0, sizeof(l));
		r = read_live(net->nodes[i].ns, &l);
		if (r < 0) {
			fprintf(stderr, "edgemu show: node %s (%s): %s\n", net->m->nodes[i].name,
				net->nodes[i].ns, strerror(-r));
			rc = 1;
		}
		print_node(net, i, &l, &rv, json);
		free(l.routes);
	}
	if (json)
		printf("]");
	print_services(net, json);
	if (json)
		printf("}\n");
	free(rv.routed);
	topo_net_free(net);
	return rc;
}

static int list_runs(bool json)
{
	bool first = true;
	char **names;
	size_t n;
	int r = topo_nets_list(&names, &n);

	if (r < 0) {
		fprintf(stderr, "edgemu show: cannot list %s: %s\n", TOPO_RUN_ROOT, strerror(-r));
		return 1;
	}
	if (json)
		printf("{\"runs\":[");
	else if (!n)
		printf("no runs (start one with: edgemu up FILE)\n");
	for (size_t i = 0; i < n; i++) {
		struct topo_owner o;
		char what[160];

		if (topo_net_owner_get(names[i], &o) < 0)
			continue; /* removed meanwhile */
		topo_owner_describe(&o, what, sizeof(what));
		if (json) {
			printf("%s{\"run\":", first ? "" : ",");
			util_json_str(stdout, names[i]);
			print_owner_json(&o);
			printf("}");
		} else {
			printf("%s  %s (%s)%s\n", names[i], topo_life_name(o.life), what,
			       hint(o.life));
		}
		first = false;
	}
	if (json)
		printf("]}\n");
	topo_nets_free(names, n);
	return 0;
}

int cli_show(int argc, char **argv)
{
	const char *name = NULL;
	bool json = false;

	if (cli_wants_help(argc, argv)) {
		fputs("usage: edgemu show [RUN] [--json]\n\n"
		      "Without RUN: the runs on this machine. With RUN: each node, its\n"
		      "interfaces, addresses and routes as the kernel holds them, and each link's\n"
		      "shaping as the scenario gives it.\n",
		      stdout);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (argv[i][0] != '-' && !name) {
			name = argv[i];
		} else {
			fprintf(stderr, "edgemu show: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (!name)
		return list_runs(json);
	if (cli_need_root("show"))
		return 1;
	return show_run(name, json);
}
