/* SPDX-License-Identifier: MIT */
/*
 * The radio UEs of a network `edgemu up` built, moved by hand: each attached at t = 0 as the
 * runner's first tick would (`edgemu up`), one handed over or detached (`edgemu attach`),
 * and where each one's routes lead (`edgemu show`). The same actions as a run's (run/ue.c,
 * through run_real_ops), on a runner without a loop.
 */
#include "run/run_int.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "emu/emu.h"
#include "util/clock.h"

/* Each cell's signal at UE u where its model puts it at t_s (seconds from the start). */
static void ue_signals_at(struct runner *r, struct ue *u, double t_s)
{
	mob_model_pos(&u->mob, t_s, &u->pos);
	for (unsigned c = 0; c < r->n_cells; c++) {
		const double *p = r->m->nodes[r->cells[c]].pos;
		struct mob_pos e = {p[0], p[1], p[2]};

		u->signal[c] = mob_radio_signal(&r->radio, &e, &u->pos);
	}
}

/* A runner that acts on net now, for `up` and `attach`: UEs, cells, radio; no loop. */
static int radio_runner_init(struct runner *r, struct topo_net *net, const char *cmd,
			     struct topo_err *err)
{
	int rc;

	*r = (struct runner){
	    .cmd = cmd, .report = -1, .m = net->m, .net = net, .ops = &run_real_ops};
	rc = run_mobility_init(r, net->m, err);
	return rc < 0 ? rc : run_radio_init(r, err);
}

static const char *ip(uint32_t a, char buf[INET_ADDRSTRLEN])
{
	struct in_addr in = {htonl(a)};

	return inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

int run_radio_attach(struct topo_net *net, FILE *out, struct topo_err *err)
{
	struct runner r;
	int attached = 0, rc;
	char a[INET_ADDRSTRLEN];

	rc = radio_runner_init(&r, net, "edgemu up", err);
	for (unsigned i = 0; i < r.n_ues && rc == 0 && !r.error; i++) {
		struct ue *u = &r.ues[i];
		const char *name = r.m->nodes[u->node].name;
		struct mob_ho_event ev;

		if (!u->has_mob) {
			fprintf(out,
				"  %s (%s): no position (no pos: and no mobility:), detached\n",
				name, ip(r.m->nodes[u->node].ue_addr, a));
			continue;
		}
		ue_signals_at(&r, u, 0.0);
		/* The runner's first tick: the strongest usable cell, at once. */
		if (mob_ho_tick(u->ho, 0, u->signal, &ev) != 1 || ev.to < 0) {
			fprintf(out,
				"  %s (%s) at (%.0f, %.0f) m: no cell above min_signal, detached\n",
				name, ip(r.m->nodes[u->node].ue_addr, a), u->pos.x, u->pos.y);
			continue;
		}
		if (run_ue_attach(&r, u, ev.to, 0) < 0)
			break;
		/* So that `edgemu show` and the next `edgemu attach` know where it is. */
		rc = topo_net_ue_cell_set(net, u->node, (int)r.cells[ev.to]);
		if (rc < 0) {
			topo_err_set(err, rc, "recording %s's cell in %s/cells: %s", name, net->dir,
				     strerror(-rc));
			break;
		}
		attached++;
		fprintf(out,
			"  %s (%s) at (%.0f, %.0f) m: attached to %s, %.1f dBm, %.1f Mbit/s, "
			"%.2f%% loss\n",
			name, ip(r.m->nodes[u->node].ue_addr, a), u->pos.x, u->pos.y,
			run_cell_name(&r, ev.to), u->signal[ev.to],
			(double)u->shaped.rate_bps / 1e6, 100 * u->shaped.loss);
	}
	if (rc == 0 && r.error)
		rc = topo_err_set(err, r.error, "%s", r.error_msg);
	run_fini(&r);
	return rc < 0 ? rc : attached;
}

struct routed {
	const struct topo_model *m;
	unsigned enb;
	int *ret;
};

/* A route of an eNB: to a UE's address alone, with no next hop, is out of its radio. */
static int on_route(const struct nlmsghdr *nlh, void *arg)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct routed *rt = arg;
	const struct nlattr *a;
	uint32_t dst = 0;
	bool via = false;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != AF_INET ||
	    rtm->rtm_table != RT_TABLE_MAIN || rtm->rtm_dst_len != 32)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*rtm))
	{
		if (mnl_attr_get_type(a) == RTA_DST)
			dst = ntohl(mnl_attr_get_u32(a));
		else if (mnl_attr_get_type(a) == RTA_GATEWAY)
			via = true;
	}
	if (via || !dst)
		return MNL_CB_OK;
	for (unsigned i = 0; i < rt->m->n_nodes; i++)
		if (rt->m->nodes[i].kind == TOPO_UE && rt->m->nodes[i].ue_addr == dst)
			rt->ret[i] = (int)rt->enb;
	return MNL_CB_OK;
}

int run_ran_routed(struct topo_net *net, int *ret)
{
	const struct topo_model *m = net->m;
	char buf[EMU_MSG_MAX];

	for (unsigned i = 0; i < m->n_nodes; i++)
		ret[i] = -1;
	for (unsigned e = 0; e < m->n_nodes; e++) {
		struct routed rt = {m, e, ret};
		struct emu_nl *nl;
		int rc;

		if (m->nodes[e].kind != TOPO_ENB)
			continue;
		rc = topo_net_node_nl(net, e, &nl);
		if (rc == 0)
			rc = emu_nl_dump(nl, emu_msg_route_dump(buf), on_route, &rt);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void run_ue_move_fini(struct run_ue_move *mv)
{
	free(mv->routes);
	mv->routes = NULL;
	mv->n_routes = 0;
}

/* The route changes moving ue's routes from enb `from` to `to`, into mv, for the record. */
static int plan_switch(struct topo_net *net, unsigned ue, int from, int to, struct run_ue_move *mv,
		       struct topo_err *err)
{
	struct topo_ran_plan *p;
	int rc;

	mv->routes = calloc(net->m->n_nodes, sizeof(*mv->routes));
	if (!mv->routes)
		return topo_err_set(err, -ENOMEM, "out of memory");
	rc = topo_ran_plan_new(net->m, &p);
	if (rc < 0)
		return topo_err_set(err, rc, "planning the routes of %s: %s",
				    net->m->nodes[ue].name, strerror(-rc));
	mv->n_routes = topo_ran_switch(p, ue, from, to, mv->routes);
	topo_ran_plan_free(p);
	return 0;
}

/* ue's radio shaped from its signal from cell where it stands at t = 0, timed, into mv. */
static int shape_at_start(struct runner *r, struct ue *u, int cell, struct run_ue_move *mv,
			  struct topo_err *err)
{
	struct mob_radio_link l;
	int rc;

	ue_signals_at(r, u, 0.0);
	mob_radio_shape(&r->radio, u->signal[cell], &l);
	mv->shape_ns = util_now_ns();
	rc = run_ue_shape(r, u, &l);
	mv->shape_ns = util_now_ns() - mv->shape_ns;
	if (rc < 0)
		return topo_err_set(err, rc, "%s", r->error_msg);
	mv->signal_dbm = u->signal[cell];
	mv->in_range = l.up;
	mv->rate_bps = l.rate_bps;
	mv->loss = l.loss;
	mv->delay_ns = l.delay_ns;
	return 0;
}

int run_radio_ue_set(struct topo_net *net, unsigned ue, int enb, struct run_ue_move *ret,
		     struct topo_err *err)
{
	struct run_ue_move mv = {.from = -1, .routed = -1, .to = enb};
	const struct topo_model *m = net->m;
	struct runner r;
	int rc, ui, cell = -1, *routed = NULL;

	rc = radio_runner_init(&r, net, "edgemu attach", err);
	ui = rc == 0 ? run_ue_index(&r, ue) : -1;
	for (unsigned c = 0; c < r.n_cells && enb >= 0; c++)
		if ((int)r.cells[c] == enb)
			cell = (int)c;
	if (rc == 0 && (ui < 0 || (enb >= 0 && cell < 0) || !topo_ue_is_radio(m, ue)))
		rc = topo_err_set(err, -EINVAL, "not a radio UE and an eNB");
	if (rc < 0)
		goto out;
	if (enb >= 0 && !r.ues[ui].has_mob) {
		rc = topo_err_set(err, -EINVAL,
				  "%s has no position (no pos: and no mobility:): its signal "
				  "from %s, which shapes its radio, is unknown",
				  m->nodes[ue].name, m->nodes[enb].name);
		goto out;
	}
	mv.addr = m->nodes[ue].ue_addr;
	mv.from_known = topo_net_ue_cell_get(net, ue, &mv.from) == 0;
	/* Where its routes lead before: the switch moves them from there (a detach kept them). */
	routed = calloc(m->n_nodes, sizeof(*routed));
	rc = routed ? run_ran_routed(net, routed) : -ENOMEM;
	if (rc < 0) {
		topo_err_set(err, rc, "reading the eNBs' routes to %s: %s", m->nodes[ue].name,
			     strerror(-rc));
		goto out;
	}
	mv.routed = routed[ue];
	if (enb >= 0) {
		rc = plan_switch(net, ue, mv.routed, enb, &mv, err);
		if (rc == 0)
			rc = shape_at_start(&r, &r.ues[ui], cell, &mv, err);
		if (rc < 0)
			goto out;
	}
	mv.switch_ns = util_now_ns();
	rc = topo_net_ran_attach(net, ue, enb, err);
	mv.switch_ns = util_now_ns() - mv.switch_ns;
	if (rc < 0)
		goto out;
	rc = topo_net_ue_cell_set(net, ue, enb);
	if (rc < 0) {
		topo_err_set(err, rc, "recording %s's cell in %s/cells: %s", m->nodes[ue].name,
			     net->dir, strerror(-rc));
		goto out;
	}
	*ret = mv;
	mv.routes = NULL;
out:
	run_ue_move_fini(&mv);
	free(routed);
	run_fini(&r);
	return rc;
}
