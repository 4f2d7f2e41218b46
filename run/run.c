/* SPDX-License-Identifier: MIT */
/*
 * The run's life (run/run.h): prepared from the file, its network prepared and its results
 * folder made, its loop set up and run until the end, then ended (jobs rolled back, probes
 * stopped, network removed, results written) and freed. The loop's other duties live here
 * too: signals, the end, the network's check, the status callback.
 */
#include "run/run_int.h"
#include "migrate/process.h"

#include <sched.h>

#include "migrate/criu.h"

double run_rel_s(const struct runner *r, uint64_t t)
{
	return t && t >= r->t0 ? (double)(t - r->t0) / 1e9 : 0.0;
}

const char *run_node_name(const struct runner *r, int node)
{
	return node >= 0 && (unsigned)node < r->m->n_nodes ? r->m->nodes[node].name : "-";
}

const char *run_cell_name(const struct runner *r, int cell)
{
	return cell >= 0 ? r->m->nodes[r->cells[cell]].name : "-";
}

/* Ends the run with an error (the first one is kept). */
void run_fail(struct runner *r, int err, const char *fmt, ...)
{
	va_list ap;

	if (!r->error) {
		r->error = err ? err : -EIO;
		r->stop_ns = r->stop_ns ? r->stop_ns : run_now(r);
		va_start(ap, fmt);
		vsnprintf(r->error_msg, sizeof(r->error_msg), fmt, ap);
		va_end(ap);
	}
	if (r->loop)
		emu_loop_stop(r->loop, 1);
}

static void on_signal(struct emu_loop *loop, int sig, void *arg)
{
	struct runner *r = arg;

	r->stop_sig = sig;
	r->stop_ns = r->stop_ns ? r->stop_ns : run_now(r);
	emu_loop_stop(loop, 128 + sig);
}

static void on_end(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	(void)f;
	(void)arg;
	emu_loop_stop(loop, 0);
}

/* The command's live status line, or whatever it draws. */
static void on_status(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	struct runner *r = arg;

	(void)loop;
	r->status_cb(r, f->now_ns, r->status_arg);
}

/* A run whose network was removed under it (ip netns del, clean) must not carry on. */
static void on_check(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	struct runner *r = arg;
	struct topo_err err;
	int rc = topo_net_check(r->net, &err);

	(void)loop;
	(void)f;
	/* run_end() writes the error event, once, for every way a run fails. */
	if (rc < 0)
		run_fail(r, rc, "%s", err.msg);
}

/*
 * Where the timers that are not ticks fall, after a whole number of their periods: between
 * the radio's ticks (each its own fraction of one), never on a tick's instant, where they
 * would wait for the tick's attaches and shapings and count that as their lateness, and the
 * tick theirs. Without radio, the same fractions of the jobs' poll.
 */
static uint64_t timer_offset(const struct runner *r, unsigned eighths)
{
	uint64_t tick = r->m->has_radio ? r->m->radio.tick_ns : JOB_POLL_NS;

	return tick * eighths / 8;
}

int run_loop_timers(struct runner *r)
{
	uint64_t id;
	int rc = 0;

	if (r->m->has_radio)
		rc = emu_loop_every(r->loop, r->t0, r->m->radio.tick_ns, run_on_tick, r, &id);
	if (rc == 0)
		rc = emu_loop_every(r->loop, r->t0 + timer_offset(r, 4), JOB_POLL_NS,
				    run_on_job_poll, r, &id);
	return rc;
}

static int loop_setup(struct runner *r)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	uint64_t id;
	int rc;

	rc = emu_loop_open(&r->loop);
	if (rc < 0)
		return rc;
	rc = emu_loop_signals(r->loop, sigs, 3, on_signal, r);
	if (rc == 0)
		rc = emu_loop_fd_add(r->loop, r->report, EPOLLIN, run_on_report, r);
	r->t0 = run_now(r);
	if (rc == 0)
		rc = run_loop_timers(r);
	if (rc == 0)
		rc = run_captures_watch(r);
	if (rc == 0)
		rc = run_traffic_timers(r);
	if (rc == 0)
		rc = emu_loop_every(r->loop, r->t0 + FLUSH_NS + timer_offset(r, 2), FLUSH_NS,
				    run_on_flush, r, &id);
	if (rc == 0 && r->status)
		rc = emu_loop_every(r->loop, r->t0 + STATUS_NS + timer_offset(r, 1), STATUS_NS,
				    on_status, r, &id);
	if (rc == 0)
		rc = emu_loop_every(r->loop, r->t0 + CHECK_NS + timer_offset(r, 6), CHECK_NS,
				    on_check, r, &id);
	if (rc == 0)
		rc = emu_loop_timer_add(r->loop, r->t0 + r->m->duration_ns, on_end, r, &id);
	if (rc == 0)
		rc = emu_loop_timer_add(r->loop, r->t0 + (r->m->has_radio ? 20 * MS : 0),
					run_on_probes, r, &id);
	return rc;
}

void run_fini(struct runner *r)
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
	free(r->ue_of);
	free(r->cells);
	/* Probes still held (no run_end) go killed: freeing their gates would let them go. */
	if (r->probe_pids)
		run_probes_stop(r);
	run_captures_stop(r);
	free(r->probe_pids);
	run_traffic_free(r);
	if (r->policy)
		mig_policy_free(r->policy);
	run_apps_free(r);
	emu_loop_close(r->loop);
	if (r->report >= 0)
		close(r->report);
	/* Closed here only on the way out after an error already said. */
	results_out_close(r->events);
	results_out_close(r->rtt);
	results_out_close(r->positions);
	results_out_close(r->cells_out);
	results_out_close(r->tput);
	run_cells_free(r);
}

int run_new(const struct run_opts *o, struct runner **ret, struct topo_err *err)
{
	struct runner *r = calloc(1, sizeof(*r));
	struct topo_parse_opts po = {.sets = o->sets, .n_sets = o->n_sets};
	int rc;

	if (!r)
		return topo_err_set(err, -ENOMEM, "out of memory");
	*r = (struct runner){.cmd = "edgemu run",
			     .file = o->file,
			     .name = o->name,
			     .out = o->out,
			     .report = -1,
			     .ops = &run_real_ops,
			     .status_cb = o->status,
			     .status_arg = o->status_arg};
	po.resolved = &r->resolved;
	po.resolved_len = &r->resolved_len;
	/* Everything is checked before anything is built, and before asking for root. */
	rc = topo_parse_file_opts(r->file, &po, &r->m, err);
	if (rc == 0)
		rc = run_mobility_init(r, r->m, err);
	if (rc == 0 && r->m->has_radio)
		rc = run_radio_init(r, err);
	if (rc == 0 && r->m->has_radio && run_cells_init(r) < 0)
		rc = topo_err_set(err, -ENOMEM, "out of memory");
	if (rc == 0)
		rc = run_policy_new(r, err);
	/*
	 * A process service a policy could move needs CRIU: refused with CRIU's reason where it
	 * does not work (and, until its migration is built, where it does), before anything is
	 * built.
	 */
	if (rc == 0)
		rc = mig_criu_scenario(r->m, err);
	/* An app whose program is missing is refused before anything is built. */
	if (rc == 0)
		rc = topo_apps_resolve(r->m, err);
	if (rc < 0) {
		run_free(r);
		return rc;
	}
	*ret = r;
	return 0;
}

/* The run's network removed (not freed); a failure said. */
static void net_remove(struct runner *r)
{
	char rname[sizeof(r->net->name)];
	struct topo_err terr;

	snprintf(rname, sizeof(rname), "%s", r->net->name);
	/* The services' instances first, SIGTERM then SIGKILL: the teardown only SIGKILLs. */
	mig_instances_stop_all(rname);
	if (topo_net_teardown(rname, r->net, &terr) < 0)
		fprintf(stderr, "edgemu run: while removing run %s: %s\n", rname, terr.msg);
}

int run_start(struct runner *r)
{
	struct topo_model *m = r->m;
	struct topo_err err;
	sigset_t block;
	int rc;

	m->duration_ns = m->duration_ns ? m->duration_ns : DEFAULT_DURATION_NS;
	/* The results folder is only looked at here: it is made once the run's name is ours. */
	rc = run_results_pick(r, r->out, r->name ? r->name : m->name);
	if (rc < 0)
		return rc;
	/*
	 * From here on a signal ends the run through the loop's signalfd; while building it
	 * stays pending (blocked) and is seen as soon as the loop runs, or by the build itself.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, NULL);
	/* The model is the network's from here, even when preparing it fails. */
	r->m = NULL;
	rc = topo_net_prepare(m, r->name, &r->net, &err);
	if (rc < 0) {
		fprintf(stderr, "edgemu run: %s\n", err.msg);
		return rc;
	}
	r->m = r->net->m;
	rc = run_results_open(r, !r->out, r->resolved, r->resolved_len);
	free(r->resolved);
	r->resolved = NULL;
	if (rc < 0) {
		/* Prepared but its results folder not made: nothing of it may stay. */
		net_remove(r);
		topo_net_free(r->net);
		r->net = NULL;
		r->m = NULL;
	}
	return rc;
}

/*
 * While the clock runs, the runner's thread is a real-time one (SCHED_RR at the lowest
 * priority, 1) where it may be: what it starts (probes, services, migration agents; the
 * relay is older) does not inherit it (SCHED_RESET_ON_FORK), so none of them keeps a timer
 * waiting for a CPU. The loop sleeps in epoll between timers (10-20% of a core at 500 UEs),
 * and the kernel's real-time throttling leaves other tasks 5% of every second whatever
 * happens. Measured here (bench/runner.sh 30s 500 50, 2 cores): lateness p99 12 ms at normal
 * priority, 0.9 ms at this one. Refused (no CAP_SYS_NICE, a container's limit): the run goes
 * on at normal priority, and summary.json says which.
 */
static void clock_priority(struct runner *r, bool raise)
{
	struct sched_param sp = {.sched_priority = raise ? 1 : 0};

	if (raise)
		r->clock_rt = sched_setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, &sp) == 0;
	else if (r->clock_rt)
		sched_setscheduler(0, SCHED_OTHER, &sp);
}

void run_go(struct runner *r)
{
	struct topo_err err = {0};
	int rc;

	r->status = r->status_cb != NULL;
	rc = topo_net_build(r->net, NULL, &err);
	if (rc == 0)
		rc = run_captures_start(r, &err);
	if (rc == 0)
		rc = mig_services_start(r->net, &err);
	if (rc == 0)
		rc = run_report_open(r, &err);
	if (rc == 0)
		rc = run_traffic_start(r, &err);
	if (rc == 0)
		rc = run_probes_spawn(r, &err);
	if (rc == 0)
		rc = loop_setup(r);
	if (rc == 0)
		rc = run_apps_start(r);
	if (rc < 0) {
		run_fail(r, rc, "%s", err.msg[0] ? err.msg : strerror(-rc));
		return;
	}
	fprintf(stderr,
		"edgemu run: run %s: %u nodes, %u links, %u UEs, %u cells; shaping by "
		"%s; results in %s\n",
		r->net->name, r->m->n_nodes, r->m->n_links, r->n_ues, r->n_cells,
		topo_shaper_name(r->net->backend), r->results);
	run_ues_services(r);
	run_event(r, r->t0, "start", -1, "run %s, policy %s, strategy %s", r->net->name,
		  topo_policy_name(r->m->migration.policy),
		  topo_strategy_name(r->m->migration.strategy));
	clock_priority(r, true);
	rc = emu_loop_run(r->loop);
	clock_priority(r, false);
	if (rc < 0 && !r->error)
		run_fail(r, rc, "the event loop: %s", strerror(-rc));
}

/* How the run stopped, said on stderr (once) and in events.csv. */
static void end_say(struct runner *r)
{
	if (r->status)
		fputs("\r\033[K", stderr);
	if (r->stop_sig)
		fprintf(stderr, "edgemu run: %s: stopping\n", strsignal(r->stop_sig));
	if (r->error && !r->error_said)
		fprintf(stderr, "edgemu run: %s\n", r->error_msg);
	r->error_said = true;
}

void run_end(struct runner *r)
{
	r->end_ns = run_now(r);
	/* A run that failed before its clock started lasted nothing. */
	if (!r->t0)
		r->t0 = r->end_ns;
	if (r->loop)
		emu_loop_lateness(r->loop, &r->lateness);
	end_say(r);
	/* Migrations under way end rolled back; then the probes, then the network. */
	for (unsigned j = 0; j < r->n_jobs;) {
		r->ops->job_abort(r, &r->jobs[j]);
		r->ops->job_step(r, &r->jobs[j], run_now(r));
		run_job_done(r, j);
	}
	if (r->error)
		run_event(r, r->end_ns, "error", -1, "%s", r->error_msg);
	else if (r->stop_sig)
		run_event(r, r->end_ns, "interrupted", -1, "SIG%s at %.3f s",
			  sigabbrev_np(r->stop_sig), run_rel_s(r, r->stop_ns));
	else
		run_event(r, r->end_ns, "end", -1, "%s", "");
	/* The apps go while their network is there, their exits in events.csv after the end. */
	run_apps_stop(r);
	run_probes_stop(r);
	run_traffic_stop(r);
	if (r->report >= 0 && r->loop)
		run_on_report(r->loop, r->report, EPOLLIN, r);
	/* What the probes sent last is in the captures' files: closed before the network goes. */
	run_captures_stop(r);
	/* The cells' counters go with the network: a last row of them first. */
	run_cells_end(r, r->end_ns);
	net_remove(r);
	/* The files of the run first: their errors are the summary's too. */
	run_out_close(r, &r->events);
	run_out_close(r, &r->rtt);
	run_out_close(r, &r->positions);
	run_out_close(r, &r->cells_out);
	run_out_close(r, &r->tput);
	run_write_migrations(r);
	run_write_summary(r);
}

int run_exit_code(const struct runner *r)
{
	return r->error ? 1 : r->stop_sig ? 128 + r->stop_sig : 0;
}

void run_free(struct runner *r)
{
	if (!r)
		return;
	run_fini(r);
	if (r->net)
		topo_net_free(r->net);
	else
		topo_model_free(r->m);
	free(r->resolved);
	free(r);
}

uint64_t run_now(const struct runner *r)
{
	return r->loop ? emu_loop_time_ns(r->loop) : emu_loop_now_ns();
}

const char *run_results_dir(const struct runner *r)
{
	return r->results;
}

unsigned run_ue_count(const struct runner *r)
{
	return r->n_ues;
}

void run_ue_get(const struct runner *r, unsigned i, struct run_ue_info *ret)
{
	const struct ue *u = &r->ues[i];

	*ret = (struct run_ue_info){.name = r->m->nodes[u->node].name,
				    .cell = run_cell_name(r, u->cell),
				    .edge = u->svc >= 0 ? run_node_name(r, (int)u->edge) : "-",
				    .last_rtt_ns = u->last_rtt_ns,
				    .handovers = u->handovers,
				    .migrations = u->migrations,
				    .rtt = {&u->rtt.before, &u->rtt.during, &u->rtt.after}};
}

unsigned run_mig_count(const struct runner *r)
{
	return r->n_migs;
}

void run_mig_get(const struct runner *r, unsigned i, struct run_mig_info *ret)
{
	const struct migration *mg = &r->migs[i];
	const char *until;

	*ret = (struct run_mig_info){.done = mg->done};
	if (!mg->done)
		return;
	ret->rep = &mg->rep;
	ret->gap_ns = mg->gap_ns;
	ret->downtime_ms = run_downtime_ms(&mg->rep, r->end_ns, &until);
	ret->total_ms = run_total_ms(&mg->rep);
}

void run_lateness(const struct runner *r, struct emu_loop_stats *ret)
{
	*ret = r->lateness;
}

bool run_radio_get(const struct runner *r, struct run_radio_info *ret)
{
	struct topo_cell_stats t;

	if (!r->m || !r->m->has_radio)
		return false;
	run_cells_total(r, &t);
	*ret = (struct run_radio_info){
	    .forwarding_drop = r->m->radio.forwarding == TOPO_FORWARD_DROP,
	    .as_of_s = r->cells_read_ns ? run_rel_s(r, r->cells_read_ns) : NAN,
	    .down_bytes = t.down_bytes,
	    .up_bytes = t.up_bytes,
	    .x2_pkts = t.x2_pkts,
	    .x2_bytes = t.x2_bytes,
	    .ho_drop_pkts = t.ho_drop_pkts,
	    .drop_pkts = t.drop_pkts,
	};
	for (unsigned i = 0; i < r->n_ues; i++)
		ret->handovers += r->ues[i].handovers;
	return true;
}
