/* SPDX-License-Identifier: MIT */
/*
 * Migrations as jobs on the run's loop: one per service at a time, started by a policy's
 * decision (ue.c), stepped when its agents' sockets are readable and at every poll, booked in
 * r->migs with its report when it ends; the UEs it served then follow it. What this does to
 * the network goes through r->ops.
 */
#include "run/run_int.h"

static void on_job_fd(struct emu_loop *loop, int fd, uint32_t revents, void *arg)
{
	struct runner *r = arg;

	(void)loop;
	(void)revents;
	for (unsigned j = 0; j < r->n_jobs; j++)
		if ((r->jobs[j].fds[0] == fd || r->jobs[j].fds[1] == fd) &&
		    r->ops->job_step(r, &r->jobs[j], run_now(r))) {
			run_job_done(r, j);
			return;
		}
}

void run_on_job_poll(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	struct runner *r = arg;

	(void)loop;
	for (unsigned j = 0; j < r->n_jobs; j++)
		if (r->ops->job_step(r, &r->jobs[j], f->now_ns)) {
			run_job_done(r, j);
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
	run_event(r, t, ev, ue, "%s %s->%s%s%s", rep->service, rep->from, rep->to, *msg ? ": " : "",
		  msg);
}

void run_migration_start(struct runner *r, struct ue *u, const struct mig_decision *d, uint64_t t)
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
	run_event(r, t, "migration_decided", (int)u->node, "%s to %s: %s",
		  r->m->services[u->svc].name, run_node_name(r, (int)d->to), d->reason);
	mig_opts_init(&o, r->m);
	o.probe_interval_ns = 0;
	o.on_event = on_mig_event;
	o.event_arg = r;
	o.log_dir = r->results; /* a CRIU migration's logs outlive the run's folder */
	j = &r->jobs[r->n_jobs];
	*j = (struct job){.fds = {-1, -1}};
	rc = r->ops->job_start(r, j, (unsigned)u->svc, u->node, d->to, &o, &err);
	if (rc < 0) {
		run_event(r, run_now(r), "migration_refused", (int)u->node, "%s", err.msg);
		return;
	}
	j->mig = (int)r->n_migs++;
	for (unsigned k = 0; k < 2; k++)
		if (j->fds[k] >= 0 &&
		    emu_loop_fd_add(r->loop, j->fds[k], EPOLLIN, on_job_fd, r) < 0) {
			run_fail(r, -errno, "watching a migration: %s", strerror(errno));
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
double run_downtime_ms(const struct mig_report *p, uint64_t end_ns, const char **until)
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

/* From its start to its end; 0 for one that never ended. */
double run_total_ms(const struct mig_report *p)
{
	return p->end_ns ? (double)(p->end_ns - p->start_ns) / 1e6 : 0.0;
}

void run_job_done(struct runner *r, unsigned j)
{
	struct job *jb = &r->jobs[j];
	struct migration *mg = &r->migs[jb->mig];
	struct topo_err err;
	int ui = run_ue_index(r, mg->ue);
	const char *until;
	unsigned edge;

	for (unsigned k = 0; k < 2; k++)
		if (jb->fds[k] >= 0)
			emu_loop_fd_del(r->loop, jb->fds[k]);
	r->ops->job_finish(r, jb, &mg->rep, &err);
	mg->done = true;
	run_event(r, run_now(r), mg->rep.ok ? "migration_done" : "migration_failed", (int)mg->ue,
		  "%s %s->%s %s: downtime %.3f ms, total %.3f ms%s%s", mg->rep.service,
		  mg->rep.from, mg->rep.to, topo_strategy_name(mg->rep.strategy),
		  run_downtime_ms(&mg->rep, run_now(r), &until), run_total_ms(&mg->rep),
		  mg->rep.ok ? "" : ": ", mg->rep.ok ? "" : mg->rep.error);
	/* Every UE the instance served now has it where it went (or still where it was). */
	for (unsigned i = 0; i < r->n_ues; i++)
		if (r->ues[i].svc == (int)mg->svc &&
		    r->ops->edge(r, mg->svc, r->ues[i].node, &edge) == 0)
			r->ues[i].edge = edge;
	if (ui >= 0) {
		r->ues[ui].migrating = false;
		r->ues[ui].gap_mig = r->ues[ui].mig;
		r->ues[ui].mig = -1;
	}
	r->jobs[j] = r->jobs[--r->n_jobs];
}
