/* SPDX-License-Identifier: MIT */
/*
 * Every results file the run writes: scenario.yaml (resolved), meta.json, events.csv,
 * rtt.csv, migrations.csv, positions.csv, cells.csv, summary.json, and the choice of their
 * folder. A run never writes over another's results, and whatever ends it (SIGKILL too)
 * leaves what it recorded readable: events.csv is written as events happen, rtt.csv,
 * positions.csv and cells.csv every second, in whole lines (results/out.h); the files
 * written at the end (migrations.csv, summary.json) are whole or absent. A file that cannot
 * be written fails the run. What the files hold and how (columns, rows, number formats,
 * JSON) is results/'s (results/results.h); here only what of the run goes where. With
 * traffic:, throughput.csv too, written and flushed as rtt.csv is.
 */
#include "run/run_int.h"
#include "util/file.h"

static void out_check(struct runner *r, struct results_out *o);

/* A line of events.csv, on the disk at once: a killed run keeps it. */
void run_event(struct runner *r, uint64_t t, const char *what, int ue_node, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (!r->events)
		return;
	results_event_put(r->events, &(struct results_event){.t_s = run_rel_s(r, t),
							     .event = what,
							     .ue = run_node_name(r, ue_node),
							     .detail = detail});
	results_out_flush(r->events);
	out_check(r, r->events);
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
	run_fail(r, err, "writing %s: %s", path, strerror(-err));
	r->error_said |= first;
}

/* After a write to o: its error, if any, said. */
static void out_check(struct runner *r, struct results_out *o)
{
	if (o->error && !o->reported) {
		o->reported = true;
		write_failed(r, o->path, o->error);
	}
}

void run_write_position(struct runner *r, double t_s, const struct ue *u)
{
	if (!r->positions)
		return;
	results_pos_put(r->positions, &(struct results_pos){.t_s = t_s,
							    .ue = r->m->nodes[u->node].name,
							    .x = u->pos.x,
							    .y = u->pos.y,
							    .cell = run_cell_name(r, u->cell)});
	out_check(r, r->positions);
}

void run_write_cell(struct runner *r, double t_s, unsigned cell, const struct topo_cell_stats *l)
{
	if (!r->cells_out)
		return;
	results_cell_put(r->cells_out, &(struct results_cell){.t_s = t_s,
							      .cell = run_cell_name(r, (int)cell),
							      .ues = l->ues,
							      .down_bytes = l->down_bytes,
							      .up_bytes = l->up_bytes,
							      .x2_pkts = l->x2_pkts,
							      .x2_bytes = l->x2_bytes,
							      .ho_drop_pkts = l->ho_drop_pkts,
							      .drop_pkts = l->drop_pkts});
	out_check(r, r->cells_out);
}

void run_write_rtt(struct runner *r, uint64_t t, const struct topo_probe *p, const char *seq,
		   const uint64_t *rtt_ns, const char *instance)
{
	struct results_rtt x = {
	    .t_s = run_rel_s(r, t),
	    .ue = r->m->nodes[p->from].name,
	    .target = p->to_service ? r->m->services[p->to].name : r->m->nodes[p->to].name,
	    .seq = seq,
	    .loss = !rtt_ns,
	    .rtt_ms = rtt_ns ? (double)*rtt_ns / 1e6 : 0.0,
	    .instance = instance,
	};

	results_rtt_put(r->rtt, &x);
	out_check(r, r->rtt);
}

void run_write_tput(struct runner *r, uint64_t t, const char *flow, uint64_t bytes, uint64_t dt_ns)
{
	if (!r->tput)
		return;
	results_tput_put(r->tput,
			 &(struct results_tput){.t_s = run_rel_s(r, t),
						.flow = flow,
						.bytes = bytes,
						.mbps = (double)bytes * 8e3 / (double)dt_ns});
	out_check(r, r->tput);
}

/* Everything of *po written out and closed; its error, if any, said. */
void run_out_close(struct runner *r, struct results_out **po)
{
	struct results_out *o = *po;
	char path[sizeof(o->path)];
	bool said;
	int rc;

	if (!o)
		return;
	snprintf(path, sizeof(path), "%s", o->path);
	said = o->reported;
	rc = results_out_close(o);
	*po = NULL;
	if (rc < 0 && !said)
		write_failed(r, path, rc);
}

/* What the probes and the ticks recorded reaches the disk: a killed run loses a second. */
void run_on_flush(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	struct runner *r = arg;

	(void)loop;
	(void)f;
	results_out_flush(r->rtt);
	out_check(r, r->rtt);
	results_out_flush(r->positions);
	out_check(r, r->positions);
	if (r->cells_out) {
		results_out_flush(r->cells_out);
		out_check(r, r->cells_out);
	}
	if (r->tput) {
		results_out_flush(r->tput);
		out_check(r, r->tput);
	}
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
		for (size_t i = 0; i < RESULTS_N_FILES; i++) {
			snprintf(path, sizeof(path), "%.3000s/%s", dir, results_files[i]);
			if (lstat(path, &st) == 0 && n < len)
				n += (size_t)snprintf(found + n, len - n, "%s%s", n ? ", " : "",
						      results_files[i]);
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
 * run_results_open().
 */
int run_results_pick(struct runner *r, const char *out, const char *name)
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

/* DIR/NAME could not be written: said, and the run fails. */
static void file_failed(struct runner *r, const char *name, int err)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%.3000s/%s", r->results, name);
	write_failed(r, path, err);
}

/* text as DIR/NAME, whole or not at all. */
static void write_whole(struct runner *r, const char *name, const char *text, size_t len)
{
	struct results_out *o;
	int rc;

	rc = results_out_open(r->results, name, RESULTS_OUT_WHOLE, &o);
	if (rc < 0) {
		file_failed(r, name, rc);
		return;
	}
	results_out_write(o, text, len);
	run_out_close(r, &o);
}

/* j (taken over) as DIR/NAME, whole or not at all; rc: 0, or how building it failed. */
static void write_json(struct runner *r, const char *name, struct json_object *j, int rc)
{
	if (rc == 0)
		rc = results_json_write(r->results, name, j);
	json_object_put(j);
	if (rc < 0)
		file_failed(r, name, rc);
}

static void write_meta(struct runner *r)
{
	struct json_object *j = json_object_new_object();
	int rc = j ? 0 : -ENOMEM;
	time_t now = time(NULL);
	struct utsname u;
	char when[64];

	uname(&u);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	rc = results_json_set_str(j, "edgemu_version", EDGEMU_VERSION, rc);
	rc = results_json_set_str(j, "git_commit", EDGEMU_GIT, rc);
	rc = results_json_set_str(j, "kernel", u.release, rc);
	rc = results_json_set_str(j, "shaper", topo_shaper_name(r->net->backend), rc);
	rc = results_json_set_uint(j, "seed", r->m->has_seed ? r->m->seed : 1, rc);
	rc = results_json_set_str(j, "start", when, rc);
	rc = results_json_set_str(j, "scenario", r->file, rc);
	rc = results_json_set_str(j, "run", r->net->name, rc);
	rc = results_json_set_fixed(j, "duration_s", (double)r->m->duration_ns / 1e9, 3, rc);
	write_json(r, RESULTS_META, j, rc);
}

/*
 * Once the run's name is its own: the folder, the resolved scenario, meta.json, and the
 * files written as the run goes. 0, or -errno once said.
 */
int run_results_open(struct runner *r, bool picked, const char *resolved, size_t len)
{
	static const enum results_csv_id ids[4] = {RESULTS_CSV_EVENTS, RESULTS_CSV_RTT,
						   RESULTS_CSV_POSITIONS, RESULTS_CSV_CELLS};
	struct results_out **outs[4] = {&r->events, &r->rtt, &r->positions, &r->cells_out};
	char base[PATH_MAX];
	int rc;

	/* A default folder made meanwhile by another run: the next free one. */
	snprintf(base, sizeof(base), "%s", r->results);
	rc = util_mkdirs(r->results, picked);
	for (unsigned k = 2; rc == -EEXIST && picked && k < 1000; k++) {
		snprintf(r->results, sizeof(r->results), "%.4000s-%u", base, k);
		rc = util_mkdirs(r->results, true);
	}
	if (rc < 0) {
		fprintf(stderr, "edgemu run: results folder %s: %s\n", r->results, strerror(-rc));
		return rc;
	}
	write_whole(r, RESULTS_SCENARIO, resolved, len);
	if (!r->error)
		write_meta(r);
	for (unsigned i = 0; i < 4 && !r->error; i++) {
		rc = results_csv_open(r->results, ids[i], RESULTS_OUT_NEW, outs[i]);
		if (rc < 0) {
			file_failed(r, results_csv[ids[i]].name, rc);
			break;
		}
		/* The header, so that even a run killed at once leaves files a reader knows. */
		results_out_flush(*outs[i]);
		out_check(r, *outs[i]);
	}
	/* throughput.csv only for a scenario with traffic: */
	if (!r->error && r->m->n_flows) {
		rc =
		    results_csv_open(r->results, RESULTS_CSV_THROUGHPUT, RESULTS_OUT_NEW, &r->tput);
		if (rc < 0)
			file_failed(r, RESULTS_THROUGHPUT, rc);
		else
			results_out_flush(r->tput);
		if (rc == 0)
			out_check(r, r->tput);
	}
	return r->error;
}

/* Migration i (done) as a line of migrations.csv; its numbers are the summary's too. */
static void mig_row(const struct runner *r, unsigned i, struct results_mig *ret)
{
	const struct migration *mg = &r->migs[i];
	const struct mig_report *p = &mg->rep;

	*ret = (struct results_mig){
	    .n = i,
	    .ue = p->client,
	    .service = p->service,
	    .from = p->from,
	    .to = p->to,
	    .strategy = topo_strategy_name(p->strategy),
	    .decided_s = run_rel_s(r, mg->decided_ns),
	    .start_s = run_rel_s(r, p->start_ns),
	    .freeze_s = run_rel_s(r, p->freeze_ns),
	    .resume_s = run_rel_s(r, p->resume_ns),
	    .flip_s = run_rel_s(r, p->flip_end_ns),
	    .end_s = run_rel_s(r, p->end_ns),
	    .client_gap_ms = (double)mg->gap_ns / 1e6,
	    .total_ms = run_total_ms(p),
	    .pages = p->pages,
	    .bytes = p->bytes,
	    .rounds = p->n_rounds,
	    .ok = p->ok,
	    .error = p->ok ? "" : p->error,
	    .thaw_s = run_rel_s(r, p->thawed_ns),
	};
	ret->downtime_ms = run_downtime_ms(p, r->end_ns, &ret->downtime_until);
}

/*
 * migrations.csv, written at the end: a migration's client gap is closed only by the UE's
 * first answer after it (a cold migration's gap ends after the migration has).
 */
void run_write_migrations(struct runner *r)
{
	struct results_out *o;
	struct results_mig m;
	int rc;

	rc = results_csv_open(r->results, RESULTS_CSV_MIGRATIONS, RESULTS_OUT_WHOLE, &o);
	if (rc < 0) {
		file_failed(r, RESULTS_MIGRATIONS, rc);
		return;
	}
	for (unsigned i = 0; i < r->n_migs; i++) {
		if (!r->migs[i].done)
			continue;
		mig_row(r, i, &m);
		results_mig_put(o, &m);
	}
	run_out_close(r, &o);
}

bool run_rtt_pcts(const struct util_hist *h, double ret_ms[RUN_RTT_PCTS])
{
	static const double q[RUN_RTT_PCTS] = {0.5, 0.95, 0.99};

	if (!h->count)
		return false;
	for (unsigned k = 0; k < RUN_RTT_PCTS; k++)
		ret_ms[k] = (double)util_hist_quantile(h, q[k]) / 1e6;
	return true;
}

/* summary.json's "ues": per UE, its handovers, migrations and RTTs in each phase. */
static int summary_ues(const struct runner *r, struct json_object *ues, int rc)
{
	static const char *const phases[3] = {"before", "during", "after"};
	static const char *const pcts[RUN_RTT_PCTS] = {"p50", "p95", "p99"};

	for (unsigned i = 0; i < r->n_ues && rc == 0; i++) {
		const struct ue *u = &r->ues[i];
		const struct util_hist *ph[3] = {&u->rtt.before, &u->rtt.during, &u->rtt.after};
		struct json_object *o = json_object_new_object(), *rtt;

		rc = results_json_append(ues, o, rc);
		rc = results_json_set_str(o, "ue", r->m->nodes[u->node].name, rc);
		rc = results_json_set_uint(o, "handovers", u->handovers, rc);
		rc = results_json_set_uint(o, "migrations", u->migrations, rc);
		rtt = json_object_new_object();
		rc = results_json_set(o, "rtt_ms", rtt, rc);
		for (unsigned k = 0; k < 3; k++) {
			struct json_object *p = json_object_new_object();
			double ms[RUN_RTT_PCTS];
			bool any = run_rtt_pcts(ph[k], ms);

			rc = results_json_set(rtt, phases[k], p, rc);
			rc = results_json_set_uint(p, "n", ph[k]->count, rc);
			/* No round trip: null. */
			for (unsigned q = 0; q < RUN_RTT_PCTS; q++)
				rc = results_json_set_fixed(p, pcts[q], any ? ms[q] : NAN, 3, rc);
		}
	}
	return rc;
}

/* summary.json's "migrations": every one done, as migrations.csv has it, and why. */
static int summary_migs(const struct runner *r, struct json_object *migs, int rc)
{
	for (unsigned i = 0; i < r->n_migs && rc == 0; i++) {
		const struct migration *mg = &r->migs[i];
		struct json_object *o;
		struct results_mig m;

		if (!mg->done)
			continue;
		mig_row(r, i, &m);
		o = json_object_new_object();
		rc = results_json_append(migs, o, rc);
		rc = results_json_set_str(o, "ue", m.ue, rc);
		rc = results_json_set_str(o, "service", m.service, rc);
		rc = results_json_set_str(o, "from", m.from, rc);
		rc = results_json_set_str(o, "to", m.to, rc);
		rc = results_json_set_bool(o, "ok", m.ok, rc);
		rc = results_json_set_fixed(o, "downtime_ms", m.downtime_ms, 3, rc);
		rc = results_json_set_str(o, "downtime_until", m.downtime_until, rc);
		rc = results_json_set_fixed(o, "client_gap_ms", m.client_gap_ms, 3, rc);
		rc = results_json_set_fixed(o, "total_ms", m.total_ms, 3, rc);
		rc = results_json_set_uint(o, "bytes", m.bytes, rc);
		rc = results_json_set_str(o, "reason", mg->reason, rc);
		rc = results_json_set_str(o, "error", m.ok ? NULL : m.error, rc);
		rc = results_json_set_bool(o, "rolled_back", mg->rep.rolled_back, rc);
		rc = results_json_set_str(o, "served_at", mig_report_served_at(&mg->rep), rc);
		rc = results_json_set_uint(o, "absent_pages", mg->rep.absent_pages, rc);
	}
	return rc;
}

/*
 * summary.json's "flows": per traffic: flow its ends, the bytes its receiver read, its goodput
 * (Mbit/s) over every report and in each phase (run/traffic.c; null: no report then), and
 * how many times its connection broke.
 */
static int summary_flows(const struct runner *r, struct json_object *flows, int rc)
{
	static const char *const phases[RUN_PHASES] = {"before", "during", "after"};

	for (unsigned i = 0; i < r->m->n_flows && r->flows && rc == 0; i++) {
		const struct topo_flow *f = &r->m->flows[i];
		struct json_object *o = json_object_new_object(), *g;
		struct run_goodput gp;

		run_traffic_goodput(r, i, &gp);
		rc = results_json_append(flows, o, rc);
		rc = results_json_set_str(o, "name", f->name, rc);
		rc = results_json_set_str(o, "from", r->m->nodes[f->from].name, rc);
		rc = results_json_set_str(o, "to", r->m->nodes[f->to].name, rc);
		rc = results_json_set_uint(o, "bytes", r->flows[i].bytes, rc);
		g = json_object_new_object();
		rc = results_json_set(o, "goodput_mbps", g, rc);
		rc = results_json_set_fixed(g, "mean", gp.mean, 3, rc);
		for (unsigned p = 0; p < RUN_PHASES; p++)
			rc = results_json_set_fixed(g, phases[p], gp.phase[p], 3, rc);
		rc = results_json_set_uint(o, "broken", r->flows[i].broken, rc);
	}
	return rc;
}

/* summary.json's "lateness_us": how late the loop's timers fired. */
static int summary_lateness(const struct runner *r, struct json_object *lat, int rc)
{
	const struct emu_loop_stats *l = &r->lateness;

	rc = results_json_set_uint(lat, "events", l->count, rc);
	rc = results_json_set_fixed(lat, "p50", (double)l->p50_ns / 1e3, 1, rc);
	rc = results_json_set_fixed(lat, "p99", (double)l->p99_ns / 1e3, 1, rc);
	rc = results_json_set_fixed(lat, "max", (double)l->max_ns / 1e3, 1, rc);
	rc = results_json_set_bool(lat, "realtime", r->clock_rt, rc);
	return results_json_set_uint(lat, "skipped", l->skipped, rc);
}

/*
 * summary.json's "radio": the handovers of every UE, and the cells' counters summed at the
 * last reading (as_of_s: at the end, unless that reading failed): bytes each way, the
 * downlink in flight at handovers forwarded (x2) or dropped, the other drops.
 */
static int summary_radio(const struct runner *r, struct json_object *o, int rc)
{
	struct topo_cell_stats t;
	uint64_t handovers = 0;

	for (unsigned i = 0; i < r->n_ues; i++)
		handovers += r->ues[i].handovers;
	run_cells_total(r, &t);
	rc = results_json_set_uint(o, "handovers", handovers, rc);
	rc = results_json_set_str(o, "forwarding",
				  r->m->radio.forwarding == TOPO_FORWARD_DROP ? "drop" : "x2", rc);
	rc = results_json_set_fixed(o, "as_of_s",
				    r->cells_read_ns ? run_rel_s(r, r->cells_read_ns) : NAN, 3, rc);
	rc = results_json_set_uint(o, "cells_skipped", r->cells_skipped, rc);
	rc = results_json_set_uint(o, "down_bytes", t.down_bytes, rc);
	rc = results_json_set_uint(o, "up_bytes", t.up_bytes, rc);
	rc = results_json_set_uint(o, "x2_pkts", t.x2_pkts, rc);
	rc = results_json_set_uint(o, "x2_bytes", t.x2_bytes, rc);
	rc = results_json_set_uint(o, "ho_drop_pkts", t.ho_drop_pkts, rc);
	return results_json_set_uint(o, "drop_pkts", t.drop_pkts, rc);
}

/* How the run ended: "completed", "interrupted" (a signal) or "failed" (an error). */
static const char *ended(const struct runner *r)
{
	return r->error ? "failed" : r->stop_sig ? "interrupted" : "completed";
}

void run_write_summary(struct runner *r)
{
	struct json_object *s = json_object_new_object(), *a;
	bool stopped = r->stop_ns && (r->stop_sig || r->error);
	int rc = s ? 0 : -ENOMEM;
	struct rusage ru;
	char sig[32];

	snprintf(sig, sizeof(sig), "SIG%s", r->stop_sig ? sigabbrev_np(r->stop_sig) : "");
	/* How it ended first: the one thing a reader of a cut-short run must not miss. */
	rc = results_json_set_str(s, "run", r->net->name, rc);
	rc = results_json_set_str(s, "ended", ended(r), rc);
	rc = results_json_set_str(s, "signal", r->stop_sig ? sig : NULL, rc);
	rc =
	    results_json_set_fixed(s, "stopped_s", stopped ? run_rel_s(r, r->stop_ns) : NAN, 3, rc);
	rc = results_json_set_str(s, "error", r->error ? r->error_msg : NULL, rc);
	rc = results_json_set_fixed(s, "planned_s", (double)r->m->duration_ns / 1e9, 3, rc);
	rc = results_json_set_fixed(s, "duration_s", (double)(r->end_ns - r->t0) / 1e9, 3, rc);
	a = json_object_new_array();
	rc = summary_ues(r, a, results_json_set(s, "ues", a, rc));
	a = json_object_new_array();
	rc = summary_migs(r, a, results_json_set(s, "migrations", a, rc));
	if (r->m->has_radio) {
		a = json_object_new_object();
		rc = summary_radio(r, a, results_json_set(s, "radio", a, rc));
	}
	if (r->m->n_flows) {
		a = json_object_new_array();
		rc = summary_flows(r, a, results_json_set(s, "flows", a, rc));
	}
	a = json_object_new_object();
	rc = summary_lateness(r, a, results_json_set(s, "lateness_us", a, rc));
	rc = results_json_set_uint(s, "shaping_updates", r->shape_updates, rc);
	rc = results_json_set_uint(s, "probe_reports", r->reports, rc);
	getrusage(RUSAGE_SELF, &ru);
	rc = results_json_set_int(s, "peak_rss_kib", ru.ru_maxrss, rc);
	rc = results_json_set_fixed(s, "cpu_s",
				    (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
					(double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
				    3, rc);
	write_json(r, RESULTS_SUMMARY, s, rc);
}
