/* SPDX-License-Identifier: MIT */
/*
 * Every results file the run writes: scenario.yaml (resolved), meta.json, events.csv,
 * rtt.csv, migrations.csv, positions.csv, summary.json, and the choice of their folder. A run
 * never writes over another's results, and whatever ends it (SIGKILL too) leaves what it
 * recorded readable: events.csv is written as events happen, rtt.csv and positions.csv every
 * second, in whole lines (results/out.h); the files written at the end (migrations.csv,
 * summary.json) are whole or absent. A file that cannot be written fails the run.
 */
#include "run/run_int.h"

static void out_check(struct runner *r, struct cli_out *o);

/* A line of events.csv (t_s,event,ue,detail), on the disk at once: a killed run keeps it. */
void run_event(struct runner *r, uint64_t t, const char *what, int ue_node, const char *fmt, ...)
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
	cli_out_printf(r->events, "%.6f,%s,%s,\"%s\"\n", run_rel_s(r, t), what,
		       run_node_name(r, ue_node), detail);
	cli_out_flush(r->events);
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
static void out_check(struct runner *r, struct cli_out *o)
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
	cli_out_printf(r->positions, "%.3f,%s,%.2f,%.2f,%s\n", t_s, r->m->nodes[u->node].name,
		       u->pos.x, u->pos.y, run_cell_name(r, u->cell));
	out_check(r, r->positions);
}

void run_write_rtt(struct runner *r, uint64_t t, const struct topo_probe *p, const char *seq,
		   const uint64_t *rtt_ns, const char *instance)
{
	const char *target = p->to_service ? r->m->services[p->to].name : r->m->nodes[p->to].name;

	if (rtt_ns)
		cli_out_printf(r->rtt, "%.6f,%s,%s,%s,%.3f,%s\n", run_rel_s(r, t),
			       r->m->nodes[p->from].name, target, seq, (double)*rtt_ns / 1e6,
			       instance);
	else
		cli_out_printf(r->rtt, "%.6f,%s,%s,%s,,\n", run_rel_s(r, t),
			       r->m->nodes[p->from].name, target, seq);
	out_check(r, r->rtt);
}

/* Everything of *po written out and closed; its error, if any, said. */
void run_out_close(struct runner *r, struct cli_out **po)
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

/* What the probes and the ticks recorded reaches the disk: a killed run loses a second. */
void run_on_flush(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	struct runner *r = arg;

	(void)loop;
	(void)f;
	cli_out_flush(r->rtt);
	out_check(r, r->rtt);
	cli_out_flush(r->positions);
	out_check(r, r->positions);
}

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
void run_write_migrations(struct runner *r, FILE *f)
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
		down = run_downtime_ms(&mg->rep, r->end_ns, &until);
		fprintf(f,
			"%u,%s,%s,%s,%s,%s,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.3f,%.3f,%.3f,%" PRIu64
			",%" PRIu64 ",%u,%s,\"%s\",%.6f,%s\n",
			i, mg->rep.client, mg->rep.service, mg->rep.from, mg->rep.to,
			strategy_name(mg->rep.strategy), run_rel_s(r, mg->decided_ns),
			run_rel_s(r, mg->rep.start_ns), run_rel_s(r, mg->rep.freeze_ns),
			run_rel_s(r, mg->rep.resume_ns), run_rel_s(r, mg->rep.flip_end_ns),
			run_rel_s(r, mg->rep.end_ns), down, (double)mg->gap_ns / 1e6,
			mg->rep.end_ns ? (double)(mg->rep.end_ns - mg->rep.start_ns) / 1e6 : 0.0,
			mg->rep.pages, mg->rep.bytes, mg->rep.n_rounds, mg->rep.ok ? "yes" : "no",
			mg->rep.ok ? "" : mg->rep.error, run_rel_s(r, mg->rep.thawed_ns),
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
	run_out_close(r, &o);
}

/* DIR/NAME as fn writes it, whole or not at all. */
void run_write_whole_by(struct runner *r, const char *name, void (*fn)(struct runner *, FILE *))
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
int run_results_open(struct runner *r, bool picked, const char *resolved, size_t len)
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
		run_write_whole_by(r, "meta.json", write_meta);
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

void run_write_summary(struct runner *r, FILE *f)
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
		fprintf(f, ",\"stopped_s\":%.3f", run_rel_s(r, r->stop_ns));
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
		down = run_downtime_ms(&mg->rep, r->end_ns, &until);
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
