/* SPDX-License-Identifier: MIT */
/*
 * `edgemu run FILE`: a scenario as an experiment in real time. It builds the network,
 * starts the services and the probes, and then, on one event loop (emu/loop.c), moves every
 * UE at each radio tick, shapes its radio link from its signal, hands it over between cells
 * (A3), asks the migration policy what to do and carries out its migrations (as jobs on the
 * same loop), records everything with CLOCK_MONOTONIC times, and at the end (or on Ctrl-C,
 * SIGTERM, or any error) tears everything down and writes the results and a summary.
 *
 * Results folder: scenario.yaml (resolved), meta.json, events.csv, rtt.csv, migrations.csv,
 * positions.csv, summary.json. A run never writes over another's results, and whatever ends
 * it (SIGKILL too) leaves what it recorded readable: events.csv is written as events happen,
 * rtt.csv and positions.csv every second, in whole lines (cli/out.h); the files written at
 * the end (migrations.csv, summary.json) are whole or absent. A file that cannot be written
 * fails the run.
 */
#include "cli/cli.h"

#include "cli/out.h"
#include "cli/text.h"
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "emu/loop.h"
#include "emu/shape.h"
#include "migrate/migrate.h"
#include "migrate/policy.h"
#include "mobility/handover.h"
#include "mobility/mobility.h"
#include "mobility/radio.h"
#include "topo/net.h"

#define MS 1000000ULL
#define S_NS 1000000000ULL
#define DEFAULT_DURATION_NS (30 * S_NS)
#define STATUS_NS (250 * MS)
#define JOB_POLL_NS (100 * MS)
#define CHECK_NS (1000 * MS) /* how often the run checks that its network is still there */
#define PROBE_GRACE_MS 300
#define MAX_SETS 64
#define MAX_MIGRATIONS 256
#define FLUSH_NS S_NS /* rtt.csv and positions.csv reach the disk this often */

static const char usage[] =
    "usage: edgemu run FILE [--name RUN] [--seed N] [--duration T] [-o DIR]\n"
    "                       [--set key=value]... [--quiet]\n"
    "\n"
    "Run scenario FILE as an experiment in real time: build its network, start its services\n"
    "and probes, move the UEs (mobility:), shape their radio links from their signal\n"
    "(radio:), hand them over between cells, let the migration policy (migration:) move\n"
    "their service, and record it all; then tear everything down (also on Ctrl-C, SIGTERM\n"
    "or an error) and print a summary.\n"
    "\n"
    "  --name RUN       the run's name (default: the file's name:)\n"
    "  --seed N         the seed of every random choice (default: the file's seed:, else 1)\n"
    "  --duration T     how long the experiment runs (default: the file's duration:, else 30s)\n"
    "  -o DIR           the results folder, new or without results in it (default:\n"
    "                   results/<name>-<date>-<time>, or -2, -3, ... if that one exists)\n"
    "  --set key=value  override a value of the file: migration.strategy=cold,\n"
    "                   services.game.state=16MiB, links.0.delay=5ms (repeatable)\n"
    "  --quiet          no live status line and no summary table\n"
    "\n"
    "Results: scenario.yaml (the file as run, overrides applied), meta.json, events.csv,\n"
    "rtt.csv, migrations.csv, positions.csv, summary.json (how the run ended: completed,\n"
    "interrupted or failed), report.html. A killed run leaves all but the last second.\n";

struct phase_rtt {
	struct emu_loop_hist before, during, after;
};

struct migration {
	unsigned ue, svc;
	uint64_t decided_ns;
	char reason[MIG_REASON_MAX];
	struct mig_report rep;
	uint64_t gap_ns; /* the UE's largest answer gap while it ran */
	bool done;
};

struct ue {
	unsigned node;
	struct mob_model mob;
	bool has_mob;
	struct mob_ho *ho;
	int cell;		      /* index into r->cells, -1: none */
	int link;		      /* the radio link in use, -1: none */
	uint64_t attach_timer;	      /* pending attach after an interruption, 0: none */
	struct mob_radio_link shaped; /* what the serving link was last shaped to */
	struct mob_pos pos;
	int svc;       /* the service it uses (probes, or the first), -1: none */
	unsigned edge; /* the node serving it */
	bool migrating;
	int mig;     /* index of its migration in r->migs while migrating */
	int gap_mig; /* the migration just ended, until the next answer closes its gap */
	uint64_t handovers, migrations;
	uint64_t last_rtt_ns, last_answer_ns;
	bool had_migration;
	struct phase_rtt rtt;
	double *signal; /* per cell, this tick */
};

struct job {
	struct mig_job *job;
	int mig; /* index in r->migs */
	int fds[2];
};

struct runner {
	const char *cmd; /* "edgemu run", or "edgemu up" attaching UEs */
	const char *file;
	struct topo_model *m; /* the run's, once prepared */
	struct topo_net *net;
	struct emu_loop *loop;
	bool quiet, status;
	char results[PATH_MAX];
	struct cli_out *events, *rtt, *positions;
	int report;
	char report_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	pid_t *probe_pids;
	unsigned n_probes;
	unsigned *cells; /* eNB node indexes */
	unsigned n_cells;
	struct ue *ues;
	unsigned n_ues;
	struct mob_trace **traces; /* per mobility entry, loaded once per file */
	unsigned n_traces;
	struct mob_radio radio;
	struct mig_policy *policy;
	struct migration migs[MAX_MIGRATIONS];
	unsigned n_migs;
	struct job jobs[MAX_MIGRATIONS];
	unsigned n_jobs;
	uint64_t t0, end_ns;
	uint64_t stop_ns; /* the signal or the error that ended it came, 0: none */
	int stop_sig;
	int error; /* first error that ended the run */
	char error_msg[512];
	bool error_said; /* error_msg is on stderr already */
	uint64_t shape_updates, reports, report_errors;
	struct emu_loop_stats lateness;
};

static double rel_s(const struct runner *r, uint64_t t)
{
	return t && t >= r->t0 ? (double)(t - r->t0) / 1e9 : 0.0;
}

static const char *node_name(const struct runner *r, int node)
{
	return node >= 0 && (unsigned)node < r->m->n_nodes ? r->m->nodes[node].name : "-";
}

static const char *cell_name(const struct runner *r, int cell)
{
	return cell >= 0 ? r->m->nodes[r->cells[cell]].name : "-";
}

static void out_check(struct runner *r, struct cli_out *o);

/* A line of events.csv (t_s,event,ue,detail), on the disk at once: a killed run keeps it. */
__attribute__((format(printf, 5, 6))) static void
event(struct runner *r, uint64_t t, const char *what, int ue_node, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (!r->events)
		return;
	for (char *p = detail; *p; p++)
		if (*p == '"')
			*p = '\'';
	cli_out_printf(r->events, "%.6f,%s,%s,\"%s\"\n", rel_s(r, t), what, node_name(r, ue_node),
		       detail);
	cli_out_flush(r->events);
	out_check(r, r->events);
}

static void fail_run(struct runner *r, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Ends the run with an error (the first one is kept). */
static void fail_run(struct runner *r, int err, const char *fmt, ...)
{
	va_list ap;

	if (!r->error) {
		r->error = err ? err : -EIO;
		r->stop_ns = r->stop_ns ? r->stop_ns : emu_loop_now_ns();
		va_start(ap, fmt);
		vsnprintf(r->error_msg, sizeof(r->error_msg), fmt, ap);
		va_end(ap);
	}
	if (r->loop)
		emu_loop_stop(r->loop, 1);
}

/*
 * A results file that cannot be written: said at once (each file once), and the run ends,
 * as it would record nothing more. The network is torn down as after any error.
 */
static void write_failed(struct runner *r, const char *path, int err)
{
	bool first = !r->error;

	if (r->status)
		fputs("\r\033[K", stderr);
	fprintf(stderr, "%s: writing %s: %s\n", r->cmd, path, strerror(-err));
	fail_run(r, err, "writing %s: %s", path, strerror(-err));
	r->error_said |= first;
}

/* After a write to o: its error, if any, said. */
static void out_check(struct runner *r, struct cli_out *o)
{
	if (o->error && !o->reported) {
		o->reported = true;
		write_failed(r, o->path, o->error);
	}
}

/* Everything of *po written out and closed; its error, if any, said. */
static void out_close(struct runner *r, struct cli_out **po)
{
	struct cli_out *o = *po;
	char path[sizeof(o->path)];
	bool said;
	int rc;

	if (!o)
		return;
	snprintf(path, sizeof(path), "%s", o->path);
	said = o->reported;
	rc = cli_out_close(o);
	*po = NULL;
	if (rc < 0 && !said)
		write_failed(r, path, rc);
}

/* ---- mobility ---- */

static int ue_index(const struct runner *r, unsigned node)
{
	for (unsigned i = 0; i < r->n_ues; i++)
		if (r->ues[i].node == node)
			return (int)i;
	return -1;
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

/* The UE's position model from the file (before anything is built, so errors cost nothing). */
static int mobility_init(struct runner *r, struct topo_model *m, struct topo_err *err)
{
	char pos[PATH_MAX + 32];
	unsigned k = 0;
	uint64_t seed = m->has_seed ? m->seed : 1;

	for (unsigned i = 0; i < m->n_nodes; i++)
		if (m->nodes[i].kind == TOPO_UE)
			r->n_ues++;
		else if (m->nodes[i].kind == TOPO_ENB)
			r->n_cells++;
	r->ues = calloc(r->n_ues ? r->n_ues : 1, sizeof(*r->ues));
	r->cells = calloc(r->n_cells ? r->n_cells : 1, sizeof(*r->cells));
	r->traces = calloc(m->n_mobility ? m->n_mobility : 1, sizeof(*r->traces));
	r->n_traces = m->n_mobility;
	if (!r->ues || !r->cells || !r->traces)
		return topo_err_set(err, -ENOMEM, "out of memory");
	for (unsigned i = 0, c = 0; i < m->n_nodes; i++) {
		if (m->nodes[i].kind == TOPO_UE) {
			struct ue *u = &r->ues[k++];

			u->node = i;
			u->cell = u->link = u->svc = u->mig = u->gap_mig = -1;
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
		const struct topo_mobility *mb = &m->mobility[j];
		int ui = ue_index(r, mb->node);
		struct ue *u;
		int rc = 0;

		if (ui < 0)
			continue;
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
			struct mob_rwp_params p = {mb->area[0][0],
						   mb->area[0][1],
						   mb->area[1][0],
						   mb->area[1][1],
						   mb->speed_min,
						   mb->speed_max,
						   (double)mb->pause_ns / 1e9};

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
					return topo_err_set(
					    err, rc, "%s: reading trace %s: %s",
					    where(m, mb->trace_mark, pos, sizeof(pos)), mb->trace,
					    strerror(-rc));
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
				    where(m, mb->trace_node_set ? mb->trace_node_mark : mb->mark,
					  pos, sizeof(pos)),
				    m->nodes[mb->node].name, id, mb->trace);
			break;
		}
		}
		if (rc < 0)
			return topo_err_set(err, rc, "%s: mobility of %s: %s",
					    where(m, mb->mark, pos, sizeof(pos)),
					    m->nodes[mb->node].name, strerror(-rc));
		u->has_mob = true;
	}
	return 0;
}

/* ---- radio and handover ---- */

static int radio_init(struct runner *r, struct topo_err *err)
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

/* One direction of a radio link as the radio model says, or cut (100% loss). */
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

static int link_shape(struct runner *r, int link, const struct mob_radio_link *l)
{
	struct topo_err err;
	struct emu_shape s;
	int rc = 0;

	radio_shape(l, &s);
	for (unsigned d = 0; d < 2 && rc == 0; d++)
		rc = topo_net_shape_set(r->net, (unsigned)link, d, &s, &err);
	if (rc < 0)
		fail_run(r, rc, "shaping radio link %s-%s: %s",
			 r->m->nodes[r->m->links[link].end[0].node].name,
			 r->m->nodes[r->m->links[link].end[1].node].name, err.msg);
	r->shape_updates++;
	return rc;
}

/* A link changes its shaping only when the change is worth it: 5% of rate, 0.5% of loss. */
static bool shape_changed(const struct mob_radio_link *a, const struct mob_radio_link *b)
{
	if (a->up != b->up)
		return true;
	if (!a->up)
		return false;
	return fabs((double)a->rate_bps - (double)b->rate_bps) > 0.05 * (double)b->rate_bps ||
	       fabs(a->loss - b->loss) > 0.005;
}

static void attach(struct runner *r, struct ue *u, int cell, uint64_t t)
{
	struct topo_err err;
	int link = cell >= 0 ? topo_ue_radio_link(r->m, u->node, r->cells[cell]) : -1;
	struct mob_radio_link l;

	if (topo_net_ue_attach(r->net, u->node, link, &err) < 0) {
		fail_run(r, -EIO, "%s", err.msg);
		return;
	}
	u->link = link;
	if (link >= 0) {
		mob_radio_shape(&r->radio, u->signal[cell], &l);
		link_shape(r, link, &l);
		u->shaped = l;
	}
	event(r, t, cell >= 0 ? "attach" : "detach", (int)u->node, "cell %s", cell_name(r, cell));
}

struct attach_later {
	struct runner *r;
	struct ue *u;
	int cell;
};

static void on_attach_timer(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	struct attach_later *a = arg;

	(void)loop;
	a->u->attach_timer = 0;
	if (a->u->cell == a->cell)
		attach(a->r, a->u, a->cell, f->now_ns);
	free(a);
}

static void start_migration(struct runner *r, struct ue *u, const struct mig_decision *d,
			    uint64_t t);

static void apply_decision(struct runner *r, struct ue *u, bool decided,
			   const struct mig_decision *d, uint64_t t)
{
	if (decided && d->migrate)
		start_migration(r, u, d, t);
}

static struct mig_ue policy_ue(const struct runner *r, const struct ue *u)
{
	return (struct mig_ue){.node = u->node,
			       .cell = u->cell >= 0 ? (int)r->cells[u->cell] : -1,
			       .edge = u->edge,
			       .migrating = u->migrating};
}

static void handover(struct runner *r, struct ue *u, const struct mob_ho_event *ev)
{
	struct mig_decision d;
	struct mig_ue pu;
	int old = u->cell;
	bool decided;

	u->cell = ev->to;
	if (ev->reason != MOB_HO_ATTACH)
		u->handovers++;
	event(r, ev->t_ns, "handover", (int)u->node, "from %s to %s (%s)", cell_name(r, ev->from),
	      cell_name(r, ev->to), mob_ho_reason_name(ev->reason));
	/* The old cell's link goes at once; the new one after the interruption. */
	if (u->link >= 0) {
		struct mob_radio_link down = {0};

		link_shape(r, u->link, &down);
		if (topo_net_ue_attach(r->net, u->node, -1, &(struct topo_err){0}) == 0)
			u->link = -1;
	}
	if (u->attach_timer) {
		emu_loop_timer_cancel(r->loop, u->attach_timer);
		u->attach_timer = 0;
	}
	if (ev->to >= 0) {
		if (ev->link_at_ns > ev->t_ns) {
			struct attach_later *a = malloc(sizeof(*a));

			if (!a) {
				fail_run(r, -ENOMEM, "out of memory");
				return;
			}
			*a = (struct attach_later){r, u, ev->to};
			if (emu_loop_timer_add(r->loop, ev->link_at_ns, on_attach_timer, a,
					       &u->attach_timer) < 0) {
				free(a);
				fail_run(r, -ENOMEM, "scheduling an attach");
				return;
			}
		} else {
			attach(r, u, ev->to, ev->t_ns);
		}
	}
	if (r->policy && u->svc >= 0) {
		pu = policy_ue(r, u);
		decided =
		    mig_policy_on_handover(r->policy, &pu, old >= 0 ? (int)r->cells[old] : -1,
					   ev->to >= 0 ? (int)r->cells[ev->to] : -1, ev->t_ns, &d);
		apply_decision(r, u, decided, &d, ev->t_ns);
	}
}

static void on_tick(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
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
		else if (u->link >= 0 && u->cell >= 0) {
			struct mob_radio_link l;

			mob_radio_shape(&r->radio, u->signal[u->cell], &l);
			if (shape_changed(&l, &u->shaped)) {
				link_shape(r, u->link, &l);
				u->shaped = l;
			}
		}
		cli_out_printf(r->positions, "%.3f,%s,%.2f,%.2f,%s\n", t_s,
			       r->m->nodes[u->node].name, u->pos.x, u->pos.y,
			       cell_name(r, u->cell));
		out_check(r, r->positions);
		if (r->policy && u->svc >= 0) {
			pu = policy_ue(r, u);
			if (mig_policy_on_tick(r->policy, &pu, f->deadline_ns, &d))
				apply_decision(r, u, true, &d, f->deadline_ns);
		}
	}
}

/* Proactive's look-ahead: where the UE's model puts it at t, and the best cell there. */
static int future_cell(void *arg, unsigned ue_node, uint64_t t_ns)
{
	struct runner *r = arg;
	int ui = ue_index(r, ue_node), best = -1;
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

/* ---- migrations ---- */

static void job_done(struct runner *r, unsigned j);

static void on_job_fd(struct emu_loop *loop, int fd, uint32_t revents, void *arg)
{
	struct runner *r = arg;

	(void)loop;
	(void)revents;
	for (unsigned j = 0; j < r->n_jobs; j++)
		if ((r->jobs[j].fds[0] == fd || r->jobs[j].fds[1] == fd) &&
		    mig_job_step(r->jobs[j].job, emu_loop_now_ns())) {
			job_done(r, j);
			return;
		}
}

static void on_job_poll(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	struct runner *r = arg;

	(void)loop;
	for (unsigned j = 0; j < r->n_jobs; j++)
		if (mig_job_step(r->jobs[j].job, f->now_ns)) {
			job_done(r, j);
			j--;
		}
}

static void on_mig_event(void *arg, const struct mig_job *job, const char *verb, uint64_t t,
			 const char *msg)
{
	struct runner *r = arg;
	const struct mig_report *rep = mig_job_report(job);
	int ue = topo_node_find(r->m, rep->client);
	char ev[32];

	/* The agents' chatter worth a line: phases, not every status. */
	if (strcmp(verb, "start") && strcmp(verb, "round") && strcmp(verb, "freeze") &&
	    strcmp(verb, "commit") && strcmp(verb, "switch") && strcmp(verb, "resume") &&
	    strcmp(verb, "flip") && strcmp(verb, "end") && strcmp(verb, "error"))
		return;
	snprintf(ev, sizeof(ev), "migration_%s", verb);
	/* The agent's words after its verb and its own time stamp (the line has the time). */
	msg += strcspn(msg, " ");
	msg += strspn(msg, " ");
	if (!strncmp(msg, "t=", 2)) {
		msg += strcspn(msg, " ");
		msg += strspn(msg, " ");
	}
	event(r, t, ev, ue, "%s %s->%s%s%s", rep->service, rep->from, rep->to, *msg ? ": " : "",
	      msg);
}

static void start_migration(struct runner *r, struct ue *u, const struct mig_decision *d,
			    uint64_t t)
{
	struct migration *mg;
	struct mig_opts o;
	struct topo_err err;
	struct job *j;
	int rc;

	if (u->migrating || r->n_migs >= MAX_MIGRATIONS)
		return;
	/* Another UE's migration moves the same instance: one at a time per service. */
	for (unsigned k = 0; k < r->n_jobs; k++)
		if (r->migs[r->jobs[k].mig].svc == (unsigned)u->svc)
			return;
	mg = &r->migs[r->n_migs];
	*mg = (struct migration){.ue = u->node, .svc = (unsigned)u->svc, .decided_ns = t};
	snprintf(mg->reason, sizeof(mg->reason), "%s", d->reason);
	event(r, t, "migration_decided", (int)u->node, "%s to %s: %s", r->m->services[u->svc].name,
	      node_name(r, (int)d->to), d->reason);
	mig_opts_init(&o, r->m);
	o.probe_interval_ns = 0;
	o.on_event = on_mig_event;
	o.event_arg = r;
	j = &r->jobs[r->n_jobs];
	rc = mig_job_start(r->net, (unsigned)u->svc, u->node, d->to, &o, &j->job, &err);
	if (rc < 0) {
		event(r, emu_loop_now_ns(), "migration_refused", (int)u->node, "%s", err.msg);
		return;
	}
	j->mig = (int)r->n_migs++;
	mig_job_fds(j->job, j->fds);
	for (unsigned k = 0; k < 2; k++)
		if (emu_loop_fd_add(r->loop, j->fds[k], EPOLLIN, on_job_fd, r) < 0) {
			fail_run(r, -errno, "watching a migration: %s", strerror(errno));
			return;
		}
	r->n_jobs++;
	u->migrating = true;
	u->mig = j->mig;
	u->migrations++;
	u->had_migration = true;
}

/*
 * A migration's downtime: from the freeze until the service answers again, at the destination
 * (its resume) or, failed, back at the source (rolled back); a service that never came back
 * was down until end_ns (the end of the run). *until says which; NULL when it never froze.
 */
static double downtime_ms(const struct mig_report *p, uint64_t end_ns, const char **until)
{
	uint64_t to;

	*until = NULL;
	if (!p->freeze_ns)
		return 0.0;
	if (p->resume_ns) {
		to = p->resume_ns;
		*until = "destination";
	} else if (p->thawed_ns) {
		to = p->thawed_ns;
		*until = "source";
	} else {
		to = end_ns;
		*until = "end";
	}
	return to > p->freeze_ns ? (double)(to - p->freeze_ns) / 1e6 : 0.0;
}

static void job_done(struct runner *r, unsigned j)
{
	struct job *jb = &r->jobs[j];
	struct migration *mg = &r->migs[jb->mig];
	struct topo_err err;
	int ui = ue_index(r, mg->ue);
	const char *until;
	unsigned edge;

	emu_loop_fd_del(r->loop, jb->fds[0]);
	emu_loop_fd_del(r->loop, jb->fds[1]);
	mig_job_finish(jb->job, &mg->rep, &err);
	mg->done = true;
	event(r, emu_loop_now_ns(), mg->rep.ok ? "migration_done" : "migration_failed", (int)mg->ue,
	      "%s %s->%s %s: downtime %.3f ms, total %.3f ms%s%s", mg->rep.service, mg->rep.from,
	      mg->rep.to,
	      mg->rep.strategy == TOPO_STRATEGY_COLD	  ? "cold"
	      : mg->rep.strategy == TOPO_STRATEGY_PRECOPY ? "precopy"
							  : "postcopy",
	      downtime_ms(&mg->rep, emu_loop_now_ns(), &until),
	      mg->rep.end_ns ? (double)(mg->rep.end_ns - mg->rep.start_ns) / 1e6 : 0.0,
	      mg->rep.ok ? "" : ": ", mg->rep.ok ? "" : mg->rep.error);
	/* Every UE the instance served now has it where it went (or still where it was). */
	for (unsigned i = 0; i < r->n_ues; i++)
		if (r->ues[i].svc == (int)mg->svc &&
		    mig_steer_lookup(r->net, mg->svc, r->ues[i].node, &edge) == 0)
			r->ues[i].edge = edge;
	if (ui >= 0) {
		r->ues[ui].migrating = false;
		r->ues[ui].gap_mig = r->ues[ui].mig;
		r->ues[ui].mig = -1;
	}
	r->jobs[j] = r->jobs[--r->n_jobs];
}

/* ---- probes ---- */

static int report_open(struct runner *r, struct topo_err *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	/* The run folder is /run/edgemu/<name>: short, well within a socket path. */
	snprintf(r->report_path, sizeof(r->report_path), "%.90s/runner.sock", r->net->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", r->report_path);
	unlink(r->report_path);
	r->report = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->report < 0 || bind(r->report, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return topo_err_set(err, -errno, "the runner's socket %s: %s", r->report_path,
				    strerror(errno));
	setsockopt(r->report, SOL_SOCKET, SO_RCVBUF, &(int){8 << 20}, sizeof(int));
	return 0;
}

static int probes_start(struct runner *r, struct topo_err *err)
{
	const struct topo_model *m = r->m;
	char app[PATH_MAX];

	r->probe_pids = calloc(m->n_probes ? m->n_probes : 1, sizeof(pid_t));
	if (!r->probe_pids)
		return topo_err_set(err, -ENOMEM, "out of memory");
	mig_app_path("edgemu-probe", app, sizeof(app));
	for (unsigned i = 0; i < m->n_probes; i++) {
		const struct topo_probe *p = &m->probes[i];
		uint32_t a = p->to_service ? m->services[p->to].vip : topo_node_addr(m, p->to);
		char target[16], port[8], interval[32], tag[16], log[PATH_MAX + 32];
		char *argv[] = {app,	    target,	    "--port", port, "--interval", interval,
				"--report", r->report_path, "--tag",  tag,  "--quiet",	  NULL,
				NULL};
		pid_t pid;
		int rc;

		/* The stateful service's counter is worth checking on every answer. */
		if (p->to_service && m->services[p->to].app == TOPO_APP_SVC)
			argv[11] = "--check-counter";
		snprintf(target, sizeof(target), "%u.%u.%u.%u", a >> 24, (a >> 16) & 255,
			 (a >> 8) & 255, a & 255);
		snprintf(port, sizeof(port), "%u", p->port);
		snprintf(interval, sizeof(interval), "%" PRIu64 "us", p->interval_ns / 1000);
		snprintf(tag, sizeof(tag), "%u", i);
		snprintf(log, sizeof(log), "%.3000s/probe-%u.log", r->net->dir, i);
		rc = mig_spawn(r->net, p->from, log, argv, &pid);
		if (rc < 0)
			return topo_err_set(err, rc, "starting probe %u in %s: %s", i,
					    m->nodes[p->from].name, strerror(-rc));
		r->probe_pids[r->n_probes++] = pid;
	}
	return 0;
}

/* "tag,event,seq,t_send_ns,t_recv_ns,rtt_ns,instance" from a probe. */
static void on_report(struct emu_loop *loop, int fd, uint32_t revents, void *arg)
{
	struct runner *r = arg;
	char msg[256], *f[7], *q;
	ssize_t n;

	(void)loop;
	(void)revents;
	for (int batch = 0; batch < 256; batch++) {
		const struct topo_probe *p;
		unsigned tag, k;
		uint64_t ts, tr, rtt;
		int ui;

		n = recv(fd, msg, sizeof(msg) - 1, 0);
		if (n <= 0)
			return;
		msg[n] = '\0';
		r->reports++;
		for (k = 0, q = msg; k < 7; k++) {
			f[k] = q;
			q = strchr(q, ',');
			if (!q)
				break;
			*q++ = '\0';
		}
		if (k < 6) {
			r->report_errors++;
			continue;
		}
		tag = (unsigned)strtoul(f[0], NULL, 10);
		if (tag >= r->m->n_probes) {
			r->report_errors++;
			continue;
		}
		p = &r->m->probes[tag];
		ts = strtoull(f[3], NULL, 10);
		tr = strtoull(f[4], NULL, 10);
		rtt = strtoull(f[5], NULL, 10);
		ui = ue_index(r, p->from);
		if (!strcmp(f[1], "answer")) {
			cli_out_printf(r->rtt, "%.6f,%s,%s,%s,%.3f,%s\n", rel_s(r, tr),
				       r->m->nodes[p->from].name,
				       p->to_service ? r->m->services[p->to].name
						     : r->m->nodes[p->to].name,
				       f[2], (double)rtt / 1e6, f[6]);
			out_check(r, r->rtt);
			if (ui >= 0 && p->to_service && (int)p->to == r->ues[ui].svc) {
				struct ue *u = &r->ues[ui];
				struct mig_decision d;
				struct mig_ue pu;

				int gi = u->migrating ? u->mig : u->gap_mig;

				/* The gap that ends with this answer counts for the migration. */
				if (gi >= 0 && u->last_answer_ns &&
				    tr - u->last_answer_ns > r->migs[gi].gap_ns)
					r->migs[gi].gap_ns = tr - u->last_answer_ns;
				if (!u->migrating)
					u->gap_mig = -1;
				emu_loop_hist_add(u->migrating	     ? &u->rtt.during
						  : u->had_migration ? &u->rtt.after
								     : &u->rtt.before,
						  rtt);
				u->last_rtt_ns = rtt;
				u->last_answer_ns = tr;
				if (r->policy) {
					pu = policy_ue(r, u);
					if (mig_policy_on_rtt(r->policy, &pu, rtt, tr, &d))
						apply_decision(r, u, true, &d, tr);
				}
			}
		} else if (!strcmp(f[1], "loss")) {
			cli_out_printf(
			    r->rtt, "%.6f,%s,%s,%s,,\n", rel_s(r, ts), r->m->nodes[p->from].name,
			    p->to_service ? r->m->services[p->to].name : r->m->nodes[p->to].name,
			    f[2]);
			out_check(r, r->rtt);
		} else if (!strcmp(f[1], "counter")) {
			event(r, tr, "counter_error", (int)p->from, "probe %u: expected->got %s",
			      tag, f[6]);
		}
	}
}

/*
 * The probes start once the first tick has attached the UEs: a request sent before would
 * wait for a neighbour resolution through a cut link and come back a second late, which is
 * the start-up of the emulator, not the network's behaviour.
 */
static void on_probes(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	struct runner *r = arg;
	struct topo_err err;

	(void)loop;
	(void)f;
	if (probes_start(r, &err) < 0)
		fail_run(r, -EIO, "%s", err.msg);
}

static void probes_stop(struct runner *r)
{
	for (unsigned i = 0; i < r->n_probes; i++)
		if (r->probe_pids[i] > 0)
			kill(r->probe_pids[i], SIGTERM);
	for (unsigned i = 0; i < r->n_probes; i++)
		if (r->probe_pids[i] > 0)
			waitpid(r->probe_pids[i], NULL, 0);
}

/* ---- the clock's other duties ---- */

static void on_signal(struct emu_loop *loop, int sig, void *arg)
{
	struct runner *r = arg;

	r->stop_sig = sig;
	r->stop_ns = r->stop_ns ? r->stop_ns : emu_loop_now_ns();
	emu_loop_stop(loop, 128 + sig);
}

/* What the probes and the ticks recorded reaches the disk: a killed run loses a second. */
static void on_flush(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	struct runner *r = arg;

	(void)loop;
	(void)f;
	cli_out_flush(r->rtt);
	out_check(r, r->rtt);
	cli_out_flush(r->positions);
	out_check(r, r->positions);
}

static void on_end(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	(void)f;
	(void)arg;
	emu_loop_stop(loop, 0);
}

static void on_status(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	struct runner *r = arg;
	char line[512];
	int n;

	(void)loop;
	n = snprintf(line, sizeof(line), "\r\033[K%6.1fs", rel_s(r, f->now_ns));
	for (unsigned i = 0; i < r->n_ues && i < 4 && n > 0 && (size_t)n < sizeof(line); i++) {
		const struct ue *u = &r->ues[i];

		n += snprintf(line + n, sizeof(line) - (size_t)n,
			      "  %s: cell %s, edge %s, rtt %.1f ms", r->m->nodes[u->node].name,
			      cell_name(r, u->cell), u->svc >= 0 ? node_name(r, (int)u->edge) : "-",
			      (double)u->last_rtt_ns / 1e6);
	}
	if (n > 0 && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n, "  migrations %u", r->n_migs);
	fputs(line, stderr);
}

/* ---- results ---- */

/* Whatever a run writes into its folder: a folder that holds any of them is another run's. */
static const char *const results_names[] = {"scenario.yaml", "meta.json",      "events.csv",
					    "rtt.csv",	     "migrations.csv", "positions.csv",
					    "summary.json",  "report.html"};

static const char *strategy_name(enum topo_strategy s)
{
	return s == TOPO_STRATEGY_COLD	    ? "cold"
	       : s == TOPO_STRATEGY_PRECOPY ? "precopy"
					    : "postcopy";
}

/*
 * migrations.csv, written at the end: a migration's client gap is closed only by the UE's
 * first answer after it (a cold migration's gap ends after the migration has).
 */
static void write_migrations(struct runner *r, FILE *f)
{
	fputs("n,ue,service,from,to,strategy,decided_s,start_s,freeze_s,resume_s,flip_s,end_s,"
	      "downtime_ms,client_gap_ms,total_ms,pages,bytes,rounds,ok,error,thaw_s,"
	      "downtime_until\n",
	      f);
	for (unsigned i = 0; i < r->n_migs; i++) {
		const struct migration *mg = &r->migs[i];
		const char *until;
		double down;

		if (!mg->done)
			continue;
		down = downtime_ms(&mg->rep, r->end_ns, &until);
		fprintf(f,
			"%u,%s,%s,%s,%s,%s,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.3f,%.3f,%.3f,%" PRIu64
			",%" PRIu64 ",%u,%s,\"%s\",%.6f,%s\n",
			i, mg->rep.client, mg->rep.service, mg->rep.from, mg->rep.to,
			strategy_name(mg->rep.strategy), rel_s(r, mg->decided_ns),
			rel_s(r, mg->rep.start_ns), rel_s(r, mg->rep.freeze_ns),
			rel_s(r, mg->rep.resume_ns), rel_s(r, mg->rep.flip_end_ns),
			rel_s(r, mg->rep.end_ns), down, (double)mg->gap_ns / 1e6,
			mg->rep.end_ns ? (double)(mg->rep.end_ns - mg->rep.start_ns) / 1e6 : 0.0,
			mg->rep.pages, mg->rep.bytes, mg->rep.n_rounds, mg->rep.ok ? "yes" : "no",
			mg->rep.ok ? "" : mg->rep.error, rel_s(r, mg->rep.thawed_ns),
			until ? until : "");
	}
}

static int mkdirs(const char *path, bool excl)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, 0755) < 0 && (excl || errno != EEXIST) ? -errno : 0;
}

/*
 * Before anything is built or written: dir holds no results (found lists those it holds)
 * and can be made and written into.
 */
static int results_check(const char *dir, char *found, size_t len)
{
	char path[PATH_MAX + 32], up[PATH_MAX];
	struct stat st;
	size_t n = 0;

	found[0] = '\0';
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
		for (size_t i = 0; i < sizeof(results_names) / sizeof(results_names[0]); i++) {
			snprintf(path, sizeof(path), "%.3000s/%s", dir, results_names[i]);
			if (lstat(path, &st) == 0 && n < len)
				n += (size_t)snprintf(found + n, len - n, "%s%s", n ? ", " : "",
						      results_names[i]);
		}
		if (n)
			return -EEXIST;
		return access(dir, W_OK | X_OK) < 0 ? -errno : 0;
	}
	if (errno != ENOENT)
		return -errno;
	/* Not there yet: the nearest folder above it that is must let it be made. */
	snprintf(up, sizeof(up), "%s", dir);
	for (;;) {
		char *slash = strrchr(up, '/');

		if (!slash)
			snprintf(up, sizeof(up), ".");
		else
			slash[slash == up] = '\0';
		if (stat(up, &st) == 0)
			break;
		if (errno != ENOENT || !slash)
			return -errno;
	}
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return access(up, W_OK | X_OK) < 0 ? -errno : 0;
}

/*
 * The results folder: -o DIR, which must hold no results; or results/<name>-<date>-<time>,
 * with -2, -3, ... when that one exists. Checked before the run is built; made by
 * results_open().
 */
static int results_pick(struct runner *r, const char *out, const char *name)
{
	char found[256], when[32];
	time_t now = time(NULL);
	struct stat st;
	int rc;

	if (out) {
		snprintf(r->results, sizeof(r->results), "%s", out);
		rc = results_check(r->results, found, sizeof(found));
		if (rc == -EEXIST)
			fprintf(
			    stderr,
			    "edgemu run: -o %s: the folder already holds results (%s), which a run "
			    "never writes over: give another folder, or move or remove that one "
			    "first\n",
			    out, found);
		else if (rc < 0)
			fprintf(stderr, "edgemu run: -o %s: %s\n", out, strerror(-rc));
		return rc;
	}
	strftime(when, sizeof(when), "%Y%m%d-%H%M%S", localtime(&now));
	for (unsigned k = 1;; k++) {
		if (k > 999) {
			fprintf(stderr, "edgemu run: results/%s-%s: taken, and so are -2 to -999\n",
				name, when);
			return -EEXIST;
		}
		if (k == 1)
			snprintf(r->results, sizeof(r->results), "results/%s-%s", name, when);
		else
			snprintf(r->results, sizeof(r->results), "results/%s-%s-%u", name, when, k);
		if (lstat(r->results, &st) < 0 && errno == ENOENT)
			break;
	}
	rc = results_check(r->results, found, sizeof(found));
	if (rc < 0)
		fprintf(stderr, "edgemu run: results folder %s: %s\n", r->results, strerror(-rc));
	return rc;
}

/* text as DIR/NAME, whole or not at all. */
static void write_whole(struct runner *r, const char *name, const char *text, size_t len)
{
	struct cli_out *o;
	char path[PATH_MAX + 32];
	int rc;

	rc = cli_out_open(r->results, name, CLI_OUT_WHOLE, &o);
	if (rc < 0) {
		snprintf(path, sizeof(path), "%.3000s/%s", r->results, name);
		write_failed(r, path, rc);
		return;
	}
	cli_out_write(o, text, len);
	out_close(r, &o);
}

/* DIR/NAME as fn writes it, whole or not at all. */
static void write_whole_by(struct runner *r, const char *name, void (*fn)(struct runner *, FILE *))
{
	char *buf = NULL, path[PATH_MAX + 32];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f) {
		fn(r, f);
		if (fclose(f) == 0) {
			write_whole(r, name, buf, len);
			free(buf);
			return;
		}
	}
	free(buf);
	snprintf(path, sizeof(path), "%.3000s/%s", r->results, name);
	write_failed(r, path, -ENOMEM);
}

static void write_meta(struct runner *r, FILE *f)
{
	struct utsname u;
	char when[64];
	time_t now = time(NULL);

	uname(&u);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	fprintf(f, "{\"edgemu_version\":\"%s\",\"git_commit\":\"%s\",\"kernel\":", EDGEMU_VERSION,
		EDGEMU_GIT);
	cli_json_str(f, u.release);
	fprintf(f, ",\"shaper\":\"%s\",\"seed\":%" PRIu64 ",\"start\":\"%s\",\"scenario\":",
		topo_shaper_name(r->net->backend), r->m->has_seed ? r->m->seed : 1, when);
	cli_json_str(f, r->file);
	fprintf(f, ",\"run\":\"%s\",\"duration_s\":%.3f}\n", r->net->name,
		(double)r->m->duration_ns / 1e9);
}

/*
 * Once the run's name is its own: the folder, the resolved scenario, meta.json, and the
 * files written as the run goes. 0, or -errno once said.
 */
static int results_open(struct runner *r, bool picked, const char *resolved, size_t len)
{
	static const char *const heads[3] = {
	    "t_s,event,ue,detail\n", "t_s,ue,target,seq,rtt_ms,instance\n", "t_s,ue,x,y,cell\n"};
	static const char *const names[3] = {"events.csv", "rtt.csv", "positions.csv"};
	struct cli_out **outs[3] = {&r->events, &r->rtt, &r->positions};
	char base[PATH_MAX], path[PATH_MAX + 32];
	int rc;

	/* A default folder made meanwhile by another run: the next free one. */
	snprintf(base, sizeof(base), "%s", r->results);
	rc = mkdirs(r->results, picked);
	for (unsigned k = 2; rc == -EEXIST && picked && k < 1000; k++) {
		snprintf(r->results, sizeof(r->results), "%.4000s-%u", base, k);
		rc = mkdirs(r->results, true);
	}
	if (rc < 0) {
		fprintf(stderr, "edgemu run: results folder %s: %s\n", r->results, strerror(-rc));
		return rc;
	}
	write_whole(r, "scenario.yaml", resolved, len);
	if (!r->error)
		write_whole_by(r, "meta.json", write_meta);
	for (unsigned i = 0; i < 3 && !r->error; i++) {
		rc = cli_out_open(r->results, names[i], CLI_OUT_NEW, outs[i]);
		if (rc < 0) {
			snprintf(path, sizeof(path), "%.3000s/%s", r->results, names[i]);
			write_failed(r, path, rc);
			break;
		}
		cli_out_printf(*outs[i], "%s", heads[i]);
		/* The header, so that even a run killed at once leaves files a reader knows. */
		cli_out_flush(*outs[i]);
		out_check(r, *outs[i]);
	}
	return r->error;
}

static void ms3(const struct emu_loop_hist *h, double q, char *buf, size_t len)
{
	if (!h->count)
		snprintf(buf, len, "null");
	else
		snprintf(buf, len, "%.3f", (double)emu_loop_hist_quantile(h, q) / 1e6);
}

/* How the run ended: "completed", "interrupted" (a signal) or "failed" (an error). */
static const char *ended(const struct runner *r)
{
	return r->error ? "failed" : r->stop_sig ? "interrupted" : "completed";
}

static void write_summary(struct runner *r, FILE *f)
{
	struct rusage ru;
	char a[32], b[32], c[32];
	bool first = true;

	/* How it ended first: the one thing a reader of a cut-short run must not miss. */
	fprintf(f, "{\"run\":\"%s\",\"ended\":\"%s\",\"signal\":", r->net->name, ended(r));
	if (r->stop_sig)
		fprintf(f, "\"SIG%s\"", sigabbrev_np(r->stop_sig));
	else
		fputs("null", f);
	if (r->stop_ns && (r->stop_sig || r->error))
		fprintf(f, ",\"stopped_s\":%.3f", rel_s(r, r->stop_ns));
	else
		fputs(",\"stopped_s\":null", f);
	fputs(",\"error\":", f);
	if (r->error)
		cli_json_str(f, r->error_msg);
	else
		fputs("null", f);
	fprintf(f, ",\"planned_s\":%.3f,\"duration_s\":%.3f,\"ues\":[",
		(double)r->m->duration_ns / 1e9, (double)(r->end_ns - r->t0) / 1e9);
	for (unsigned i = 0; i < r->n_ues; i++) {
		const struct ue *u = &r->ues[i];
		const struct emu_loop_hist *ph[3] = {&u->rtt.before, &u->rtt.during, &u->rtt.after};
		static const char *const names[3] = {"before", "during", "after"};

		fprintf(f,
			"%s{\"ue\":\"%s\",\"handovers\":%" PRIu64 ",\"migrations\":%" PRIu64
			",\"rtt_ms\":{",
			i ? "," : "", r->m->nodes[u->node].name, u->handovers, u->migrations);
		for (unsigned k = 0; k < 3; k++) {
			ms3(ph[k], 0.5, a, sizeof(a));
			ms3(ph[k], 0.95, b, sizeof(b));
			ms3(ph[k], 0.99, c, sizeof(c));
			fprintf(f, "%s\"%s\":{\"n\":%" PRIu64 ",\"p50\":%s,\"p95\":%s,\"p99\":%s}",
				k ? "," : "", names[k], ph[k]->count, a, b, c);
		}
		fprintf(f, "}}");
	}
	fprintf(f, "],\"migrations\":[");
	for (unsigned i = 0; i < r->n_migs; i++) {
		const struct migration *mg = &r->migs[i];
		const char *until;
		double down;

		if (!mg->done)
			continue;
		down = downtime_ms(&mg->rep, r->end_ns, &until);
		fprintf(f,
			"%s{\"ue\":\"%s\",\"service\":\"%s\",\"from\":\"%s\",\"to\":\"%s\","
			"\"ok\":%s,\"downtime_ms\":%.3f,\"downtime_until\":",
			first ? "" : ",", mg->rep.client, mg->rep.service, mg->rep.from, mg->rep.to,
			mg->rep.ok ? "true" : "false", down);
		if (until)
			fprintf(f, "\"%s\"", until);
		else
			fputs("null", f);
		fprintf(f,
			",\"client_gap_ms\":%.3f,\"total_ms\":%.3f,\"bytes\":%" PRIu64
			",\"reason\":",
			(double)mg->gap_ns / 1e6,
			mg->rep.end_ns ? (double)(mg->rep.end_ns - mg->rep.start_ns) / 1e6 : 0.0,
			mg->rep.bytes);
		cli_json_str(f, mg->reason);
		fputs(",\"error\":", f);
		if (mg->rep.ok)
			fputs("null", f);
		else
			cli_json_str(f, mg->rep.error);
		fprintf(f, ",\"rolled_back\":%s,\"served_at\":",
			mg->rep.rolled_back ? "true" : "false");
		if (mig_report_served_at(&mg->rep))
			cli_json_str(f, mig_report_served_at(&mg->rep));
		else
			fputs("null", f);
		fprintf(f, ",\"absent_pages\":%" PRIu64 "}", mg->rep.absent_pages);
		first = false;
	}
	getrusage(RUSAGE_SELF, &ru);
	fprintf(f,
		"],\"lateness_us\":{\"events\":%" PRIu64 ",\"p50\":%.1f,\"p99\":%.1f,"
		"\"max\":%.1f,\"skipped\":%" PRIu64 "},\"shaping_updates\":%" PRIu64
		",\"probe_reports\":%" PRIu64 ",\"peak_rss_kib\":%ld,\"cpu_s\":%.3f}\n",
		r->lateness.count, (double)r->lateness.p50_ns / 1e3,
		(double)r->lateness.p99_ns / 1e3, (double)r->lateness.max_ns / 1e3,
		r->lateness.skipped, r->shape_updates, r->reports, ru.ru_maxrss,
		(double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
}

static void print_summary(const struct runner *r)
{
	char a[32], b[32], c[32];

	printf("\n%-8s %9s %10s  %-28s %-28s %-28s\n", "UE", "handovers", "migrations",
	       "RTT before p50/p95/p99 ms", "RTT during", "RTT after");
	for (unsigned i = 0; i < r->n_ues; i++) {
		const struct ue *u = &r->ues[i];
		const struct emu_loop_hist *ph[3] = {&u->rtt.before, &u->rtt.during, &u->rtt.after};
		char cols[3][112];

		for (unsigned k = 0; k < 3; k++) {
			ms3(ph[k], 0.5, a, sizeof(a));
			ms3(ph[k], 0.95, b, sizeof(b));
			ms3(ph[k], 0.99, c, sizeof(c));
			if (ph[k]->count)
				snprintf(cols[k], sizeof(cols[k]), "%s/%s/%s", a, b, c);
			else
				snprintf(cols[k], sizeof(cols[k]), "-");
		}
		printf("%-8s %9" PRIu64 " %10" PRIu64 "  %-28s %-28s %-28s\n",
		       r->m->nodes[u->node].name, u->handovers, u->migrations, cols[0], cols[1],
		       cols[2]);
	}
	for (unsigned i = 0; i < r->n_migs; i++) {
		const struct migration *mg = &r->migs[i];
		const char *until;

		if (!mg->done)
			continue;
		printf(
		    "migration %u: %s of %s %s -> %s: %s, downtime %.1f ms (client gap %.1f ms), "
		    "total %.1f ms, %.1f MiB%s%s\n",
		    i, mg->rep.service, mg->rep.client, mg->rep.from, mg->rep.to,
		    mg->rep.ok ? "done" : "failed", downtime_ms(&mg->rep, r->end_ns, &until),
		    (double)mg->gap_ns / 1e6,
		    mg->rep.end_ns ? (double)(mg->rep.end_ns - mg->rep.start_ns) / 1e6 : 0.0,
		    (double)mg->rep.bytes / 1048576.0, mg->rep.ok ? "" : ": ",
		    mg->rep.ok ? "" : mg->rep.error);
	}
	printf("clock: %" PRIu64 " events, lateness p50 %.1f us, p99 %.1f us, max %.1f us\n",
	       r->lateness.count, (double)r->lateness.p50_ns / 1e3,
	       (double)r->lateness.p99_ns / 1e3, (double)r->lateness.max_ns / 1e3);
}

/* ---- the run ---- */

static void ues_services(struct runner *r)
{
	unsigned edge;

	for (unsigned i = 0; i < r->n_ues; i++) {
		struct ue *u = &r->ues[i];

		for (unsigned p = 0; p < r->m->n_probes && u->svc < 0; p++)
			if (r->m->probes[p].from == u->node && r->m->probes[p].to_service)
				u->svc = (int)r->m->probes[p].to;
		if (u->svc < 0 && r->m->n_services)
			u->svc = 0;
		if (u->svc >= 0 && mig_steer_lookup(r->net, (unsigned)u->svc, u->node, &edge) == 0)
			u->edge = edge;
		else
			u->svc = -1;
	}
}

/* A run whose network was removed under it (ip netns del, clean) must not carry on. */
static void on_check(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	struct runner *r = arg;
	struct topo_err err;
	int rc = topo_net_check(r->net, &err);

	(void)loop;
	(void)f;
	/* The end of cli_run writes the error event, once, for every way a run fails. */
	if (rc < 0)
		fail_run(r, rc, "%s", err.msg);
}

static int loop_setup(struct runner *r, uint64_t duration)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	uint64_t id;
	int rc;

	rc = emu_loop_open(&r->loop);
	if (rc < 0)
		return rc;
	rc = emu_loop_signals(r->loop, sigs, 3, on_signal, r);
	if (rc == 0)
		rc = emu_loop_fd_add(r->loop, r->report, EPOLLIN, on_report, r);
	r->t0 = emu_loop_now_ns();
	if (rc == 0 && r->m->has_radio)
		rc = emu_loop_every(r->loop, r->t0, r->m->radio.tick_ns, on_tick, r, &id);
	if (rc == 0)
		rc = emu_loop_every(r->loop, r->t0 + JOB_POLL_NS, JOB_POLL_NS, on_job_poll, r, &id);
	if (rc == 0)
		rc = emu_loop_every(r->loop, r->t0 + FLUSH_NS, FLUSH_NS, on_flush, r, &id);
	if (rc == 0 && r->status)
		rc = emu_loop_every(r->loop, r->t0 + STATUS_NS, STATUS_NS, on_status, r, &id);
	if (rc == 0)
		rc = emu_loop_every(r->loop, r->t0 + CHECK_NS, CHECK_NS, on_check, r, &id);
	if (rc == 0)
		rc = emu_loop_timer_add(r->loop, r->t0 + duration, on_end, r, &id);
	if (rc == 0)
		rc = emu_loop_timer_add(r->loop, r->t0 + (r->m->has_radio ? 20 * MS : 0), on_probes,
					r, &id);
	return rc;
}

static int runner_policy(struct runner *r, struct topo_err *err)
{
	const struct mig_policy_ops *ops = mig_policy_find(mig_policy_name(r->m->migration.policy));
	struct mig_policy_env env = {
	    .m = r->m, .params = &r->m->migration, .future_cell = future_cell, .future_arg = r};
	int rc;

	if (!ops)
		return topo_err_set(err, -EINVAL, "no policy '%s'",
				    mig_policy_name(r->m->migration.policy));
	rc = mig_policy_new(ops, &env, &r->policy);
	return rc < 0 ? topo_err_set(err, rc, "policy %s: %s", ops->name, strerror(-rc)) : 0;
}

static void runner_free(struct runner *r)
{
	for (unsigned i = 0; i < r->n_ues; i++) {
		if (r->ues[i].has_mob)
			mob_model_fini(&r->ues[i].mob);
		mob_ho_free(r->ues[i].ho);
		free(r->ues[i].signal);
	}
	for (unsigned j = 0; r->traces && j < r->n_traces; j++) {
		bool shared = false;

		for (unsigned q = 0; q < j; q++)
			shared |= r->traces[q] == r->traces[j];
		if (!shared)
			mob_trace_free(r->traces[j]);
	}
	free(r->traces);
	free(r->ues);
	free(r->cells);
	free(r->probe_pids);
	if (r->policy)
		mig_policy_free(r->policy);
	emu_loop_close(r->loop);
	if (r->report >= 0)
		close(r->report);
	/* Closed here only on the way out after an error already said. */
	cli_out_close(r->events);
	cli_out_close(r->rtt);
	cli_out_close(r->positions);
}

int cli_radio_attach_start(struct topo_net *net, FILE *out, struct topo_err *err)
{
	struct runner r = {.cmd = "edgemu up", .report = -1, .m = net->m, .net = net};
	int attached = 0, rc;

	rc = mobility_init(&r, net->m, err);
	if (rc == 0)
		rc = radio_init(&r, err);
	for (unsigned i = 0; i < r.n_ues && rc == 0 && !r.error; i++) {
		struct ue *u = &r.ues[i];
		struct mob_ho_event ev;

		if (!u->has_mob) {
			fprintf(out, "  %s: no position (no pos: and no mobility:), detached\n",
				r.m->nodes[u->node].name);
			continue;
		}
		mob_model_pos(&u->mob, 0.0, &u->pos);
		for (unsigned c = 0; c < r.n_cells; c++) {
			const double *p = r.m->nodes[r.cells[c]].pos;
			struct mob_pos e = {p[0], p[1], p[2]};

			u->signal[c] = mob_radio_signal(&r.radio, &e, &u->pos);
		}
		/* The runner's first tick: the strongest usable cell, at once. */
		if (mob_ho_tick(u->ho, 0, u->signal, &ev) != 1 || ev.to < 0) {
			fprintf(out, "  %s at (%.0f, %.0f) m: no cell above min_signal, detached\n",
				r.m->nodes[u->node].name, u->pos.x, u->pos.y);
			continue;
		}
		attach(&r, u, ev.to, 0);
		if (r.error)
			break;
		attached++;
		fprintf(out,
			"  %s at (%.0f, %.0f) m: attached to %s, %.1f dBm, %.1f Mbit/s, "
			"%.2f%% loss\n",
			r.m->nodes[u->node].name, u->pos.x, u->pos.y, cell_name(&r, ev.to),
			u->signal[ev.to], (double)u->shaped.rate_bps / 1e6, 100 * u->shaped.loss);
	}
	if (rc == 0 && r.error)
		rc = topo_err_set(err, r.error, "%s", r.error_msg);
	runner_free(&r);
	return rc < 0 ? rc : attached;
}

int cli_run(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"name", required_argument, NULL, 'n'},
	    {"seed", required_argument, NULL, 's'},
	    {"duration", required_argument, NULL, 'd'},
	    {"set", required_argument, NULL, 'S'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *name = NULL, *out = NULL, *sets[MAX_SETS + 2];
	char seed_set[48], dur_set[64], *resolved = NULL, *end;
	size_t n_sets = 0, resolved_len = 0;
	struct runner r = {.cmd = "edgemu run", .report = -1};
	struct topo_parse_opts po = {0};
	struct topo_err err;
	struct topo_model *m;
	uint64_t v, duration;
	sigset_t block;
	int c, rc;

	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 's':
			v = strtoull(optarg, &end, 10);
			if (*end || !*optarg) {
				fprintf(stderr, "edgemu run: --seed '%s': expected a number\n",
					optarg);
				return 2;
			}
			snprintf(seed_set, sizeof(seed_set), "seed=%" PRIu64, v);
			sets[n_sets++] = seed_set;
			break;
		case 'd':
			if (topo_unit_time(optarg, &v) < 0 || !v) {
				fprintf(stderr,
					"edgemu run: --duration '%s': expected a time with a "
					"unit (30s, 2.5s)\n",
					optarg);
				return 2;
			}
			snprintf(dur_set, sizeof(dur_set), "duration=%s", optarg);
			sets[n_sets++] = dur_set;
			break;
		case 'S':
			if (n_sets >= MAX_SETS) {
				fprintf(stderr, "edgemu run: at most %d --set\n", MAX_SETS);
				return 2;
			}
			sets[n_sets++] = optarg;
			break;
		case 'q':
			r.quiet = true;
			break;
		default:
			fprintf(stderr, "edgemu run: %s '%s'\n%s",
				c == ':' ? "missing value for" : "unknown option", argv[optind - 1],
				usage);
			return 2;
		}
	}
	if (argc - optind != 1) {
		fputs(usage, stderr);
		return 2;
	}
	r.file = argv[optind];
	/* Everything is checked before anything is built, and before asking for root. */
	po.sets = sets;
	po.n_sets = n_sets;
	po.resolved = &resolved;
	po.resolved_len = &resolved_len;
	if (topo_parse_file_opts(r.file, &po, &m, &err) < 0) {
		fprintf(stderr, "edgemu run: %s\n", err.msg);
		return 1;
	}
	r.m = m;
	if (mobility_init(&r, m, &err) < 0 || (m->has_radio && radio_init(&r, &err) < 0) ||
	    runner_policy(&r, &err) < 0) {
		fprintf(stderr, "edgemu run: %s\n", err.msg);
		free(resolved);
		runner_free(&r);
		topo_model_free(m);
		return 1;
	}
	if (cli_need_root("run")) {
		free(resolved);
		runner_free(&r);
		topo_model_free(m);
		return 1;
	}
	duration = m->duration_ns ? m->duration_ns : DEFAULT_DURATION_NS;
	m->duration_ns = duration;
	/* The results folder is only looked at here: it is made once the run's name is ours. */
	if (results_pick(&r, out, name ? name : m->name) < 0) {
		free(resolved);
		runner_free(&r);
		topo_model_free(m);
		return 1;
	}

	/*
	 * From here on a signal ends the run through the loop's signalfd; while building it
	 * stays pending (blocked) and is seen as soon as the loop runs, or by the build itself.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, NULL);
	rc = topo_net_prepare(m, name, &r.net, &err);
	if (rc < 0) {
		fprintf(stderr, "edgemu run: %s\n", err.msg);
		free(resolved);
		r.m = NULL;
		runner_free(&r);
		return 1;
	}
	r.m = r.net->m;
	rc = results_open(&r, !out, resolved, resolved_len);
	free(resolved);
	if (rc < 0) {
		char rname[sizeof(r.net->name)];
		struct topo_err terr;

		snprintf(rname, sizeof(rname), "%s", r.net->name);
		if (topo_net_teardown(rname, r.net, &terr) < 0)
			fprintf(stderr, "edgemu run: while removing run %s: %s\n", rname, terr.msg);
		topo_net_free(r.net);
		r.m = NULL;
		runner_free(&r);
		return 1;
	}
	r.status = !r.quiet && isatty(STDERR_FILENO);
	rc = topo_net_build(r.net, NULL, &err);
	if (rc == 0)
		rc = mig_services_start(r.net, &err);
	if (rc == 0)
		rc = report_open(&r, &err);
	if (rc == 0)
		rc = loop_setup(&r, duration);
	if (rc < 0) {
		fail_run(&r, rc, "%s", err.msg[0] ? err.msg : strerror(-rc));
	} else {
		fprintf(stderr,
			"edgemu run: run %s: %u nodes, %u links, %u UEs, %u cells; shaping by "
			"%s; results in %s\n",
			r.net->name, r.m->n_nodes, r.m->n_links, r.n_ues, r.n_cells,
			topo_shaper_name(r.net->backend), r.results);
		ues_services(&r);
		event(&r, r.t0, "start", -1, "run %s, policy %s, strategy %s", r.net->name,
		      mig_policy_name(r.m->migration.policy),
		      r.m->migration.strategy == TOPO_STRATEGY_COLD	 ? "cold"
		      : r.m->migration.strategy == TOPO_STRATEGY_PRECOPY ? "precopy"
									 : "postcopy");
		rc = emu_loop_run(r.loop);
		if (rc < 0 && !r.error)
			fail_run(&r, rc, "the event loop: %s", strerror(-rc));
	}
	r.end_ns = emu_loop_now_ns();
	/* A run that failed before its clock started lasted nothing. */
	if (!r.t0)
		r.t0 = r.end_ns;
	if (r.loop)
		emu_loop_lateness(r.loop, &r.lateness);
	if (r.status)
		fputs("\r\033[K", stderr);
	if (r.stop_sig)
		fprintf(stderr, "edgemu run: %s: stopping\n", strsignal(r.stop_sig));
	if (r.error && !r.error_said)
		fprintf(stderr, "edgemu run: %s\n", r.error_msg);
	r.error_said = true;
	/* Migrations under way end rolled back; then the probes, then the network. */
	for (unsigned j = 0; j < r.n_jobs;) {
		mig_job_abort(r.jobs[j].job);
		mig_job_step(r.jobs[j].job, emu_loop_now_ns());
		job_done(&r, j);
	}
	if (r.error)
		event(&r, r.end_ns, "error", -1, "%s", r.error_msg);
	else if (r.stop_sig)
		event(&r, r.end_ns, "interrupted", -1, "SIG%s at %.3f s", sigabbrev_np(r.stop_sig),
		      rel_s(&r, r.stop_ns));
	else
		event(&r, r.end_ns, "end", -1, "%s", "");
	probes_stop(&r);
	if (r.report >= 0 && r.loop)
		on_report(r.loop, r.report, EPOLLIN, &r);
	{
		char rname[sizeof(r.net->name)];
		struct topo_err terr;

		snprintf(rname, sizeof(rname), "%s", r.net->name);
		if (topo_net_teardown(rname, r.net, &terr) < 0)
			fprintf(stderr, "edgemu run: while removing run %s: %s\n", rname, terr.msg);
	}
	/* The files of the run first: their errors are the summary's too. */
	out_close(&r, &r.events);
	out_close(&r, &r.rtt);
	out_close(&r, &r.positions);
	write_whole_by(&r, "migrations.csv", write_migrations);
	write_whole_by(&r, "summary.json", write_summary);
	if (!r.quiet)
		print_summary(&r);
	fprintf(stderr, "edgemu run: results in %s\n", r.results);
	rc = r.error ? 1 : r.stop_sig ? 128 + r.stop_sig : 0;
	topo_net_free(r.net);
	r.m = NULL;
	runner_free(&r);
	/* A report that cannot be written is a failed run too (it has said why). */
	if (cli_report_dir(r.results, false) < 0 && rc == 0)
		rc = 1;
	return rc;
}
