/* SPDX-License-Identifier: MIT */
/*
 * The UEs: where each one is (its mobility model, read from the file once), its signal from
 * every cell at each radio tick, its radio shaped from that signal (both ways, only when it
 * changed), its handovers (A3, mobility/handover.h) as a detach (or with X2/Xn forwarding the
 * new cell's preparation, which buffers the UE's downlink) at once and an attach to the new
 * cell after the interruption (a path switch: the UE keeps its one address); and the
 * policy, told of handovers and ticks, whose decisions start migrations (job.c). What this
 * does to the network goes through r->ops.
 */
#include "run/run_int.h"
#include "util/file.h"

#include "util/clock.h"

int run_ue_index(const struct runner *r, unsigned node)
{
	return node < r->n_ue_of ? r->ue_of[node] : -1;
}

/* "file:line:col", or "file: --set" for a value an override put there. */
static const char *where(const struct topo_model *m, struct topo_mark k, char *buf, size_t len)
{
	if (k.line <= 0)
		snprintf(buf, len, "%s: --set", m->file);
	else
		snprintf(buf, len, "%s:%d:%d", m->file, k.line, k.col);
	return buf;
}

/* Mobility entry j of the file: its UE's position model. */
static int mob_entry(struct runner *r, const struct topo_model *m, unsigned j, struct topo_err *err)
{
	const struct topo_mobility *mb = &m->mobility[j];
	uint64_t seed = m->has_seed ? m->seed : 1;
	char pos[PATH_MAX + 32];
	int ui = run_ue_index(r, mb->node);
	struct ue *u;
	int rc = 0;

	if (ui < 0)
		return 0;
	u = &r->ues[ui];
	switch (mb->kind) {
	case TOPO_MOB_STATIC: {
		struct mob_pos p = {mb->pos[0], mb->pos[1], mb->pos[2]};

		mob_model_static_init(&u->mob, p);
		break;
	}
	case TOPO_MOB_WAYPOINTS: {
		struct mob_waypoint *w = calloc(mb->n_points, sizeof(*w));

		if (!w)
			return topo_err_set(err, -ENOMEM, "out of memory");
		for (unsigned p = 0; p < mb->n_points; p++)
			w[p] = (struct mob_waypoint){mb->points[p].x, mb->points[p].y,
						     (double)mb->points[p].t_ns / 1e9};
		rc = mob_model_waypoints_init(&u->mob, w, mb->n_points);
		free(w);
		break;
	}
	case TOPO_MOB_RWP: {
		struct mob_rwp_params p = mob_rwp_params_from(mb);

		/* Each UE its own stream, all from the one seed. */
		rc = mob_model_rwp_init(&u->mob, &p, seed * 1000003ULL + mb->node);
		break;
	}
	case TOPO_MOB_TRACE: {
		unsigned id = mb->trace_node_set ? mb->trace_node : (unsigned)ui;

		for (unsigned q = 0; q < j && !r->traces[j]; q++)
			if (r->traces[q] && m->mobility[q].kind == TOPO_MOB_TRACE &&
			    !strcmp(m->mobility[q].trace, mb->trace))
				r->traces[j] = r->traces[q];
		if (!r->traces[j]) {
			rc = mob_trace_load(mb->trace, &r->traces[j]);
			if (rc < 0)
				return topo_err_set(err, rc, "%s: reading trace %s: %s",
						    where(m, mb->trace_mark, pos, sizeof(pos)),
						    mb->trace, util_file_strerror(rc));
			for (size_t w = 0; w < mob_trace_warning_count(r->traces[j]); w++)
				fprintf(stderr, "%s: warning: %s\n", r->cmd,
					mob_trace_warning(r->traces[j], w));
		}
		rc = mob_model_trace_init(&u->mob, r->traces[j], id);
		if (rc == -ENOENT)
			return topo_err_set(
			    err, rc,
			    "%s: %s maps to node %u of trace %s, which the "
			    "trace lacks",
			    where(m, mb->trace_node_set ? mb->trace_node_mark : mb->mark, pos,
				  sizeof(pos)),
			    m->nodes[mb->node].name, id, mb->trace);
		break;
	}
	}
	if (rc < 0)
		return topo_err_set(err, rc, "%s: mobility of %s: %s",
				    where(m, mb->mark, pos, sizeof(pos)), m->nodes[mb->node].name,
				    strerror(-rc));
	u->has_mob = true;
	return 0;
}

/* The UE's position model from the file (before anything is built, so errors cost nothing). */
int run_mobility_init(struct runner *r, struct topo_model *m, struct topo_err *err)
{
	unsigned k = 0;

	for (unsigned i = 0; i < m->n_nodes; i++)
		if (m->nodes[i].kind == TOPO_UE)
			r->n_ues++;
		else if (m->nodes[i].kind == TOPO_ENB)
			r->n_cells++;
	r->ues = calloc(r->n_ues ? r->n_ues : 1, sizeof(*r->ues));
	r->cells = calloc(r->n_cells ? r->n_cells : 1, sizeof(*r->cells));
	r->traces = calloc(m->n_mobility ? m->n_mobility : 1, sizeof(*r->traces));
	r->n_traces = m->n_mobility;
	r->ue_of = malloc((m->n_nodes ? m->n_nodes : 1) * sizeof(*r->ue_of));
	if (!r->ues || !r->cells || !r->traces || !r->ue_of)
		return topo_err_set(err, -ENOMEM, "out of memory");
	for (unsigned i = 0, c = 0; i < m->n_nodes; i++) {
		r->ue_of[i] = m->nodes[i].kind == TOPO_UE ? (int)k : -1;
		r->n_ue_of = i + 1;
		if (m->nodes[i].kind == TOPO_UE) {
			struct ue *u = &r->ues[k++];

			u->node = i;
			u->cell = u->svc = u->mig = u->gap_mig = -1;
		} else if (m->nodes[i].kind == TOPO_ENB) {
			r->cells[c++] = i;
		}
	}
	for (unsigned i = 0; i < r->n_ues; i++) {
		struct ue *u = &r->ues[i];

		u->signal = calloc(r->n_cells ? r->n_cells : 1, sizeof(double));
		if (!u->signal)
			return topo_err_set(err, -ENOMEM, "out of memory");
		if (m->nodes[u->node].has_pos) {
			struct mob_pos p = {m->nodes[u->node].pos[0], m->nodes[u->node].pos[1],
					    m->nodes[u->node].pos[2]};

			mob_model_static_init(&u->mob, p);
			u->has_mob = true;
		}
	}
	for (unsigned j = 0; j < m->n_mobility; j++) {
		int rc = mob_entry(r, m, j, err);

		if (rc < 0)
			return rc;
	}
	return 0;
}

int run_radio_init(struct runner *r, struct topo_err *err)
{
	const struct topo_radio *tr = &r->m->radio;
	struct mob_ho_params hp = {tr->hysteresis_db, tr->ttt_ns, tr->interruption_ns,
				   tr->min_signal_dbm};

	r->radio = (struct mob_radio){tr->tx_power_dbm,	  tr->exponent,	 tr->ref_loss_db,
				      tr->min_signal_dbm, tr->noise_dbm, (double)tr->bandwidth_hz,
				      tr->peak_rate_bps,  tr->edge_loss, tr->loss_margin_db,
				      tr->delay_ns};
	if (mob_radio_check(&r->radio) < 0)
		return topo_err_set(err, -EINVAL, "%s: radio: the parameters make no model",
				    r->m->file);
	for (unsigned i = 0; i < r->n_ues; i++) {
		int rc = mob_ho_new(&hp, r->n_cells, &r->ues[i].ho);

		if (rc < 0)
			return topo_err_set(err, rc, "handover state: %s", strerror(-rc));
	}
	return 0;
}

/* One direction of a UE's radio as the radio model says, or cut (100% loss). */
static void radio_shape(const struct mob_radio_link *l, struct emu_shape *s)
{
	memset(s, 0, sizeof(*s));
	s->delay_ns = l->delay_ns;
	s->loss.model = EMU_LOSS_RANDOM;
	if (!l->up) {
		s->loss.p = 1.0;
		return;
	}
	s->loss.p = l->loss;
	s->rate_bps = l->rate_bps;
}

/* u's radio to be shaped to l at the next run_shapes_flush(): a tick's changes go at once. */
static void shape_queue(struct runner *r, struct ue *u, const struct mob_radio_link *l)
{
	u->shaped = *l;
	u->was_shaped = true;
	if (!u->shape_pending)
		r->shapes_pending++;
	u->shape_pending = true;
}

int run_shapes_flush(struct runner *r)
{
	struct topo_ran_shape *v;
	struct topo_err err;
	size_t n = 0;
	int rc;

	if (!r->shapes_pending)
		return 0;
	v = malloc(2 * (size_t)r->shapes_pending * sizeof(*v));
	if (!v) {
		run_fail(r, -ENOMEM, "out of memory");
		return -ENOMEM;
	}
	for (unsigned i = 0; i < r->n_ues; i++) {
		struct ue *u = &r->ues[i];

		if (!u->shape_pending)
			continue;
		/* The radio model gives one value for both ways: uplink and downlink alike. */
		v[n] = (struct topo_ran_shape){.ue = u->node, .dir = 0};
		radio_shape(&u->shaped, &v[n].s);
		v[n + 1] = v[n];
		v[n + 1].dir = 1;
		n += 2;
		u->shape_pending = false;
	}
	r->shapes_pending = 0;
	rc = r->ops->shape(r, v, n, &err);
	free(v);
	if (rc < 0) {
		run_fail(r, rc, "%s", err.msg);
		return rc;
	}
	r->shape_updates += n / 2;
	return 0;
}

int run_ue_shape(struct runner *r, struct ue *u, const struct mob_radio_link *l)
{
	shape_queue(r, u, l);
	return run_shapes_flush(r);
}

/* A radio changes its shaping only when the change is worth it: 5% of rate, 0.5% of loss. */
static bool shape_changed(const struct mob_radio_link *a, const struct mob_radio_link *b)
{
	if (a->up != b->up)
		return true;
	if (!a->up)
		return false;
	return fabs((double)a->rate_bps - (double)b->rate_bps) > 0.05 * (double)b->rate_bps ||
	       fabs(a->loss - b->loss) > 0.005;
}

/* u's radio to be shaped from its signal from cell, unless it already is (about) that. */
static void shape_for(struct runner *r, struct ue *u, int cell)
{
	struct mob_radio_link l;

	mob_radio_shape(&r->radio, u->signal[cell], &l);
	if (u->was_shaped && !shape_changed(&l, &u->shaped))
		return;
	shape_queue(r, u, &l);
}

/*
 * u served by cell now (-1: detached). Shaped first (with every shaping pending, in one
 * request), so that the first frame through the new cell already has its cell's radio; the shaping
 * stays across a detach (the relay drops a detached UE's frames whatever it is).
 */
int run_ue_attach(struct runner *r, struct ue *u, int cell, uint64_t t)
{
	struct topo_err err;
	int rc;

	if (cell >= 0)
		shape_for(r, u, cell);
	if (run_shapes_flush(r) < 0)
		return r->error;
	rc = r->ops->attach(r, u->node, cell >= 0 ? (int)r->cells[cell] : -1, &err);
	if (rc < 0) {
		run_fail(r, rc, "%s", err.msg);
		return rc;
	}
	u->attached = cell >= 0;
	u->prepared = false;
	run_event(r, t, cell >= 0 ? "attach" : "detach", (int)u->node, "cell %s",
		  run_cell_name(r, cell));
	return 0;
}

static void on_attach_timer(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	struct attach_later *a = arg;

	(void)loop;
	a->u->attach_timer = 0;
	if (a->u->cell == a->cell)
		run_ue_attach(a->r, a->u, a->cell, f->now_ns);
}

void run_decision_apply(struct runner *r, struct ue *u, bool decided, const struct mig_decision *d,
			uint64_t t)
{
	if (decided && d->migrate)
		run_migration_start(r, u, d, t);
}

struct mig_ue run_policy_ue(const struct runner *r, const struct ue *u)
{
	return (struct mig_ue){.node = u->node,
			       .cell = u->cell >= 0 ? (int)r->cells[u->cell] : -1,
			       .edge = u->edge,
			       .migrating = u->migrating};
}

static void handover(struct runner *r, struct ue *u, const struct mob_ho_event *ev)
{
	bool x2 = ev->to >= 0 && r->m->radio.forwarding == TOPO_FORWARD_X2;
	bool prep = x2 && ev->link_at_ns > ev->t_ns;
	struct mig_decision d;
	struct mig_ue pu;
	int old = u->cell;
	bool decided;

	u->cell = ev->to;
	if (ev->reason != MOB_HO_ATTACH)
		u->handovers++;
	run_event(r, ev->t_ns, "handover", (int)u->node, "from %s to %s (%s)",
		  run_cell_name(r, ev->from), run_cell_name(r, ev->to),
		  mob_ho_reason_name(ev->reason));
	run_traffic_handover(r, u->node, ev);
	/*
	 * Off the old cell at once; on the new one after the interruption. With X2/Xn forwarding
	 * the new cell is prepared at once instead of a detach: it buffers the UE's downlink (its
	 * queue in the old cell, and what still reaches the old cell, forwarded) until the UE
	 * arrives; with drop, or a radio link failure (no new cell), the UE is detached. A UE
	 * prepared for a cell it has not reached yet is prepared again, or detached. With no
	 * interruption the attach below is the whole handover (the relay forwards as it says).
	 */
	if ((u->attached || u->prepared) && (prep || !x2)) {
		struct topo_err err;
		int rc = prep ? r->ops->prepare(r, u->node, (int)r->cells[ev->to], &err)
			      : r->ops->attach(r, u->node, -1, &err);

		if (rc < 0) {
			run_fail(r, rc, "%s", err.msg);
			return;
		}
		u->attached = false;
		u->prepared = prep;
	}
	if (u->attach_timer) {
		emu_loop_timer_cancel(r->loop, u->attach_timer);
		u->attach_timer = 0;
	}
	if (ev->to >= 0) {
		if (ev->link_at_ns > ev->t_ns) {
			u->later = (struct attach_later){r, u, ev->to};
			if (emu_loop_timer_add(r->loop, ev->link_at_ns, on_attach_timer, &u->later,
					       &u->attach_timer) < 0) {
				run_fail(r, -ENOMEM, "scheduling an attach");
				return;
			}
		} else {
			run_ue_attach(r, u, ev->to, ev->t_ns);
		}
	}
	if (r->policy && u->svc >= 0) {
		pu = run_policy_ue(r, u);
		decided =
		    mig_policy_on_handover(r->policy, &pu, old >= 0 ? (int)r->cells[old] : -1,
					   ev->to >= 0 ? (int)r->cells[ev->to] : -1, ev->t_ns, &d);
		run_decision_apply(r, u, decided, &d, ev->t_ns);
	}
}

void run_on_tick(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	struct runner *r = arg;
	double t_s = (double)(f->deadline_ns - r->t0) / 1e9;

	(void)loop;
	for (unsigned i = 0; i < r->n_ues && !r->error; i++) {
		struct ue *u = &r->ues[i];
		struct mob_ho_event ev;
		struct mig_decision d;
		struct mig_ue pu;

		if (!u->has_mob)
			continue;
		mob_model_pos(&u->mob, t_s, &u->pos);
		for (unsigned c = 0; c < r->n_cells; c++) {
			const double *p = r->m->nodes[r->cells[c]].pos;
			struct mob_pos e = {p[0], p[1], p[2]};

			u->signal[c] = mob_radio_signal(&r->radio, &e, &u->pos);
		}
		if (mob_ho_tick(u->ho, f->deadline_ns, u->signal, &ev) == 1)
			handover(r, u, &ev);
		else if (u->attached && u->cell >= 0)
			shape_for(r, u, u->cell);
		run_write_position(r, t_s, u);
		if (r->policy && u->svc >= 0) {
			pu = run_policy_ue(r, u);
			if (mig_policy_on_tick(r->policy, &pu, f->deadline_ns, &d))
				run_decision_apply(r, u, true, &d, f->deadline_ns);
		}
	}
	/* The tick's shapings in one request, then the cells' counters in another. */
	if (!r->error)
		run_shapes_flush(r);
	if (!r->error)
		run_cells_tick(r, f->deadline_ns);
}

/* Proactive's look-ahead: where the UE's model puts it at t, and the best cell there. */
static int future_cell(void *arg, unsigned ue_node, uint64_t t_ns)
{
	struct runner *r = arg;
	int ui = run_ue_index(r, ue_node), best = -1;
	double best_sig = -INFINITY, sig;
	struct mob_pos p;
	struct ue *u;

	if (ui < 0 || !r->ues[ui].has_mob)
		return -1;
	u = &r->ues[ui];
	if (mob_model_pos(&u->mob, (double)(t_ns - r->t0) / 1e9, &p) < 0)
		return -1;
	for (unsigned c = 0; c < r->n_cells; c++) {
		const double *e = r->m->nodes[r->cells[c]].pos;
		struct mob_pos ep = {e[0], e[1], e[2]};

		sig = mob_radio_signal(&r->radio, &ep, &p);
		if (mob_radio_in_range(&r->radio, sig) && sig > best_sig) {
			best_sig = sig;
			best = (int)r->cells[c];
		}
	}
	/* The random-waypoint model is queried out of order here: it is built for that. */
	return best;
}

void run_ues_services(struct runner *r)
{
	unsigned edge;

	for (unsigned i = 0; i < r->n_ues; i++) {
		struct ue *u = &r->ues[i];

		for (unsigned p = 0; p < r->m->n_probes && u->svc < 0; p++)
			if (r->m->probes[p].from == u->node && r->m->probes[p].to_service)
				u->svc = (int)r->m->probes[p].to;
		if (u->svc < 0 && r->m->n_services)
			u->svc = 0;
		if (u->svc >= 0 && r->ops->edge(r, (unsigned)u->svc, u->node, &edge) == 0)
			u->edge = edge;
		else
			u->svc = -1;
	}
}

int run_policy_new(struct runner *r, struct topo_err *err)
{
	const struct mig_policy_ops *ops =
	    mig_policy_find(topo_policy_name(r->m->migration.policy));
	struct mig_policy_env env = {
	    .m = r->m, .params = &r->m->migration, .future_cell = future_cell, .future_arg = r};
	int rc;

	if (!ops)
		return topo_err_set(err, -EINVAL, "no policy '%s'",
				    topo_policy_name(r->m->migration.policy));
	rc = mig_policy_new(ops, &env, &r->policy);
	return rc < 0 ? topo_err_set(err, rc, "policy %s: %s", ops->name, strerror(-rc)) : 0;
}
