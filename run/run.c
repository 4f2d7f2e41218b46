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

#include "run/run_int.h"

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
		r->stop_ns = r->stop_ns ? r->stop_ns : emu_loop_now_ns();
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
	r->stop_ns = r->stop_ns ? r->stop_ns : emu_loop_now_ns();
	emu_loop_stop(loop, 128 + sig);
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
	n = snprintf(line, sizeof(line), "\r\033[K%6.1fs", run_rel_s(r, f->now_ns));
	for (unsigned i = 0; i < r->n_ues && i < 4 && n > 0 && (size_t)n < sizeof(line); i++) {
		const struct ue *u = &r->ues[i];

		n += snprintf(line + n, sizeof(line) - (size_t)n,
			      "  %s: cell %s, edge %s, rtt %.1f ms", r->m->nodes[u->node].name,
			      run_cell_name(r, u->cell),
			      u->svc >= 0 ? run_node_name(r, (int)u->edge) : "-",
			      (double)u->last_rtt_ns / 1e6);
	}
	if (n > 0 && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n, "  migrations %u", r->n_migs);
	fputs(line, stderr);
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
			run_ms3(ph[k], 0.5, a, sizeof(a));
			run_ms3(ph[k], 0.95, b, sizeof(b));
			run_ms3(ph[k], 0.99, c, sizeof(c));
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
		    mg->rep.ok ? "done" : "failed", run_downtime_ms(&mg->rep, r->end_ns, &until),
		    (double)mg->gap_ns / 1e6,
		    mg->rep.end_ns ? (double)(mg->rep.end_ns - mg->rep.start_ns) / 1e6 : 0.0,
		    (double)mg->rep.bytes / 1048576.0, mg->rep.ok ? "" : ": ",
		    mg->rep.ok ? "" : mg->rep.error);
	}
	printf("clock: %" PRIu64 " events, lateness p50 %.1f us, p99 %.1f us, max %.1f us\n",
	       r->lateness.count, (double)r->lateness.p50_ns / 1e3,
	       (double)r->lateness.p99_ns / 1e3, (double)r->lateness.max_ns / 1e3);
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
		run_fail(r, rc, "%s", err.msg);
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
		rc = emu_loop_fd_add(r->loop, r->report, EPOLLIN, run_on_report, r);
	r->t0 = emu_loop_now_ns();
	if (rc == 0 && r->m->has_radio)
		rc = emu_loop_every(r->loop, r->t0, r->m->radio.tick_ns, run_on_tick, r, &id);
	if (rc == 0)
		rc = emu_loop_every(r->loop, r->t0 + JOB_POLL_NS, JOB_POLL_NS, run_on_job_poll, r,
				    &id);
	if (rc == 0)
		rc = emu_loop_every(r->loop, r->t0 + FLUSH_NS, FLUSH_NS, run_on_flush, r, &id);
	if (rc == 0 && r->status)
		rc = emu_loop_every(r->loop, r->t0 + STATUS_NS, STATUS_NS, on_status, r, &id);
	if (rc == 0)
		rc = emu_loop_every(r->loop, r->t0 + CHECK_NS, CHECK_NS, on_check, r, &id);
	if (rc == 0)
		rc = emu_loop_timer_add(r->loop, r->t0 + duration, on_end, r, &id);
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
	if (run_mobility_init(&r, m, &err) < 0 || (m->has_radio && run_radio_init(&r, &err) < 0) ||
	    run_policy_new(&r, &err) < 0) {
		fprintf(stderr, "edgemu run: %s\n", err.msg);
		free(resolved);
		run_fini(&r);
		topo_model_free(m);
		return 1;
	}
	if (cli_need_root("run")) {
		free(resolved);
		run_fini(&r);
		topo_model_free(m);
		return 1;
	}
	duration = m->duration_ns ? m->duration_ns : DEFAULT_DURATION_NS;
	m->duration_ns = duration;
	/* The results folder is only looked at here: it is made once the run's name is ours. */
	if (run_results_pick(&r, out, name ? name : m->name) < 0) {
		free(resolved);
		run_fini(&r);
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
		run_fini(&r);
		return 1;
	}
	r.m = r.net->m;
	rc = run_results_open(&r, !out, resolved, resolved_len);
	free(resolved);
	if (rc < 0) {
		char rname[sizeof(r.net->name)];
		struct topo_err terr;

		snprintf(rname, sizeof(rname), "%s", r.net->name);
		if (topo_net_teardown(rname, r.net, &terr) < 0)
			fprintf(stderr, "edgemu run: while removing run %s: %s\n", rname, terr.msg);
		topo_net_free(r.net);
		r.m = NULL;
		run_fini(&r);
		return 1;
	}
	r.status = !r.quiet && isatty(STDERR_FILENO);
	rc = topo_net_build(r.net, NULL, &err);
	if (rc == 0)
		rc = mig_services_start(r.net, &err);
	if (rc == 0)
		rc = run_report_open(&r, &err);
	if (rc == 0)
		rc = loop_setup(&r, duration);
	if (rc < 0) {
		run_fail(&r, rc, "%s", err.msg[0] ? err.msg : strerror(-rc));
	} else {
		fprintf(stderr,
			"edgemu run: run %s: %u nodes, %u links, %u UEs, %u cells; shaping by "
			"%s; results in %s\n",
			r.net->name, r.m->n_nodes, r.m->n_links, r.n_ues, r.n_cells,
			topo_shaper_name(r.net->backend), r.results);
		run_ues_services(&r);
		run_event(&r, r.t0, "start", -1, "run %s, policy %s, strategy %s", r.net->name,
			  mig_policy_name(r.m->migration.policy),
			  r.m->migration.strategy == TOPO_STRATEGY_COLD	     ? "cold"
			  : r.m->migration.strategy == TOPO_STRATEGY_PRECOPY ? "precopy"
									     : "postcopy");
		rc = emu_loop_run(r.loop);
		if (rc < 0 && !r.error)
			run_fail(&r, rc, "the event loop: %s", strerror(-rc));
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
		run_job_done(&r, j);
	}
	if (r.error)
		run_event(&r, r.end_ns, "error", -1, "%s", r.error_msg);
	else if (r.stop_sig)
		run_event(&r, r.end_ns, "interrupted", -1, "SIG%s at %.3f s",
			  sigabbrev_np(r.stop_sig), run_rel_s(&r, r.stop_ns));
	else
		run_event(&r, r.end_ns, "end", -1, "%s", "");
	run_probes_stop(&r);
	if (r.report >= 0 && r.loop)
		run_on_report(r.loop, r.report, EPOLLIN, &r);
	{
		char rname[sizeof(r.net->name)];
		struct topo_err terr;

		snprintf(rname, sizeof(rname), "%s", r.net->name);
		if (topo_net_teardown(rname, r.net, &terr) < 0)
			fprintf(stderr, "edgemu run: while removing run %s: %s\n", rname, terr.msg);
	}
	/* The files of the run first: their errors are the summary's too. */
	run_out_close(&r, &r.events);
	run_out_close(&r, &r.rtt);
	run_out_close(&r, &r.positions);
	run_write_whole_by(&r, "migrations.csv", run_write_migrations);
	run_write_whole_by(&r, "summary.json", run_write_summary);
	if (!r.quiet)
		print_summary(&r);
	fprintf(stderr, "edgemu run: results in %s\n", r.results);
	rc = r.error ? 1 : r.stop_sig ? 128 + r.stop_sig : 0;
	topo_net_free(r.net);
	r.m = NULL;
	run_fini(&r);
	/* A report that cannot be written is a failed run too (it has said why). */
	if (cli_report_dir(r.results, false) < 0 && rc == 0)
		rc = 1;
	return rc;
}
