/* SPDX-License-Identifier: MIT */
/*
 * `edgemu run FILE`: the command of the scenario runner (run/run.h). Here only what is the
 * command's: its options, the live status line while the run goes, and the summary table at
 * the end; the run itself, its UEs, migrations, probes and results files are run/'s.
 */
#include "cli/cli.h"
#include "util/opt.h"

#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "emu/loop.h"
#include "migrate/migrate.h"
#include "run/run.h"
#include "topo/topo.h"

#define MAX_SETS 64

static const char usage[] =
    "usage: edgemu run FILE [--name RUN] [--seed N] [--duration T] [-o DIR]\n"
    "                       [--set key=value]... [--quiet]\n"
    "\n"
    "Run scenario FILE as an experiment in real time: build its network, start its services\n"
    "and probes, move the UEs (mobility:), shape their radio from their signal (radio:),\n"
    "hand them over between cells (a path switch: each UE keeps its address), let the\n"
    "migration policy (migration:) move their service, and record it all; then tear\n"
    "everything down (also on Ctrl-C, SIGTERM or an error) and print a summary.\n"
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
    "rtt.csv, migrations.csv, positions.csv, cells.csv, summary.json (how the run ended:\n"
    "completed, interrupted or failed), report.html. A killed run leaves all but the last\n"
    "second.\n";

/* The command line, parsed. */
struct args {
	struct run_opts o;
	const char *sets[MAX_SETS + 2];
	char seed_set[48], dur_set[64];
	bool quiet;
};

/* 0, or the exit code of a command line that is wrong (said). */
static int parse_args(int argc, char **argv, struct args *a)
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
	size_t n_sets = 0;
	uint64_t v;
	char *end;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			a->o.name = optarg;
			break;
		case 'o':
			a->o.out = optarg;
			break;
		case 's':
			v = strtoull(optarg, &end, 10);
			if (*end || !*optarg) {
				fprintf(stderr, "edgemu run: --seed '%s': expected a number\n",
					optarg);
				return 2;
			}
			snprintf(a->seed_set, sizeof(a->seed_set), "seed=%" PRIu64, v);
			a->sets[n_sets++] = a->seed_set;
			break;
		case 'd':
			if (topo_unit_time(optarg, &v) < 0 || !v) {
				fprintf(stderr,
					"edgemu run: --duration '%s': expected a time with a "
					"unit (30s, 2.5s)\n",
					optarg);
				return 2;
			}
			snprintf(a->dur_set, sizeof(a->dur_set), "duration=%s", optarg);
			a->sets[n_sets++] = a->dur_set;
			break;
		case 'S':
			if (n_sets >= MAX_SETS) {
				fprintf(stderr, "edgemu run: at most %d --set\n", MAX_SETS);
				return 2;
			}
			a->sets[n_sets++] = optarg;
			break;
		case 'q':
			a->quiet = true;
			break;
		default:
			return util_opt_error("edgemu run", usage, argv, c);
		}
	}
	if (argc - optind != 1) {
		fputs(usage, stderr);
		return 2;
	}
	a->o.file = argv[optind];
	a->o.sets = a->sets;
	a->o.n_sets = n_sets;
	return 0;
}

/* The live status line: time, the first four UEs, migrations so far. */
static void print_status(const struct runner *r, uint64_t now_ns, void *arg)
{
	struct run_ue_info ui;
	char line[512];
	int n;

	(void)arg;
	n = snprintf(line, sizeof(line), "\r\033[K%6.1fs", run_rel_s(r, now_ns));
	for (unsigned i = 0; i < run_ue_count(r) && i < 4 && n > 0 && (size_t)n < sizeof(line);
	     i++) {
		run_ue_get(r, i, &ui);
		n += snprintf(line + n, sizeof(line) - (size_t)n,
			      "  %s: cell %s, edge %s, rtt %.1f ms", ui.name, ui.cell, ui.edge,
			      (double)ui.last_rtt_ns / 1e6);
	}
	if (n > 0 && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n, "  migrations %u", run_mig_count(r));
	fputs(line, stderr);
}

/* A phase's p50/p95/p99 in ms, as summary.json has them, or "-" when it had no round trip. */
static void rtt_col(const struct util_hist *h, char *buf, size_t len)
{
	double ms[RUN_RTT_PCTS];

	if (!run_rtt_pcts(h, ms))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.3f/%.3f/%.3f", ms[0], ms[1], ms[2]);
}

/* The radio access's totals: handovers, what was in flight at them, the cells' bytes. */
static void print_radio(const struct runner *r)
{
	struct run_radio_info ri;

	if (!run_radio_get(r, &ri))
		return;
	printf("radio: %" PRIu64 " handover%s; downlink in flight at them: %" PRIu64
	       " packets forwarded (x2, %.1f KiB), %" PRIu64 " dropped (forwarding: %s); other "
	       "drops %" PRIu64 "; cells carried %.1f MiB down, %.1f MiB up",
	       ri.handovers, ri.handovers == 1 ? "" : "s", ri.x2_pkts, (double)ri.x2_bytes / 1024.0,
	       ri.ho_drop_pkts, ri.forwarding_drop ? "drop" : "x2", ri.drop_pkts,
	       (double)ri.down_bytes / 1048576.0, (double)ri.up_bytes / 1048576.0);
	if (isnan(ri.as_of_s))
		printf(" (never read)\n");
	else
		printf(" (as of %.1f s)\n", ri.as_of_s);
}

/* A goodput in Mbit/s, "-" for none. */
static void mbps_col(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.2f", v);
}

/* Per traffic: flow: its goodput over the run and before/during/after its UEs' windows. */
static void print_flows(const struct runner *r)
{
	struct run_flow_info fi;

	if (!run_flow_count(r))
		return;
	printf("\n%-16s %-20s %11s  %-26s %6s\n", "flow", "from -> to", "mean Mbit/s",
	       "before/during/after Mbit/s", "broken");
	for (unsigned i = 0; i < run_flow_count(r); i++) {
		char ends[80], cols[4][32], phases[112];

		run_flow_get(r, i, &fi);
		snprintf(ends, sizeof(ends), "%s -> %s", fi.from, fi.to);
		mbps_col(fi.mean_mbps, cols[0], sizeof(cols[0]));
		for (unsigned k = 0; k < 3; k++)
			mbps_col(fi.mbps[k], cols[k + 1], sizeof(cols[k + 1]));
		snprintf(phases, sizeof(phases), "%s/%s/%s", cols[1], cols[2], cols[3]);
		printf("%-16s %-20s %11s  %-26s %6u\n", fi.name, ends, cols[0], phases, fi.broken);
	}
}

static void print_summary(const struct runner *r)
{
	struct emu_loop_stats lat;
	struct run_mig_info mi;
	struct run_ue_info ui;

	printf("\n%-8s %9s %10s  %-28s %-28s %-28s\n", "UE", "handovers", "migrations",
	       "RTT before p50/p95/p99 ms", "RTT during", "RTT after");
	for (unsigned i = 0; i < run_ue_count(r); i++) {
		char cols[3][112];

		run_ue_get(r, i, &ui);
		for (unsigned k = 0; k < 3; k++)
			rtt_col(ui.rtt[k], cols[k], sizeof(cols[k]));
		printf("%-8s %9" PRIu64 " %10" PRIu64 "  %-28s %-28s %-28s\n", ui.name,
		       ui.handovers, ui.migrations, cols[0], cols[1], cols[2]);
	}
	print_flows(r);
	for (unsigned i = 0; i < run_mig_count(r); i++) {
		const struct mig_report *rep;

		run_mig_get(r, i, &mi);
		if (!mi.done)
			continue;
		rep = mi.rep;
		printf(
		    "migration %u: %s of %s %s -> %s: %s, downtime %.1f ms (client gap %.1f ms), "
		    "total %.1f ms, %.1f MiB%s%s\n",
		    i, rep->service, rep->client, rep->from, rep->to, rep->ok ? "done" : "failed",
		    mi.downtime_ms, (double)mi.gap_ns / 1e6, mi.total_ms,
		    (double)rep->bytes / 1048576.0, rep->ok ? "" : ": ", rep->ok ? "" : rep->error);
	}
	print_radio(r);
	run_lateness(r, &lat);
	printf("clock: %" PRIu64 " events, lateness p50 %.1f us, p99 %.1f us, max %.1f us\n",
	       lat.count, (double)lat.p50_ns / 1e3, (double)lat.p99_ns / 1e3,
	       (double)lat.max_ns / 1e3);
}

int cli_run(int argc, char **argv)
{
	struct args a = {0};
	struct runner *r = NULL;
	struct topo_err err;
	int rc;

	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	rc = parse_args(argc, argv, &a);
	if (rc)
		return rc;
	if (!a.quiet && isatty(STDERR_FILENO))
		a.o.status = print_status;
	rc = 1;
	if (run_new(&a.o, &r, &err) < 0) {
		fprintf(stderr, "edgemu run: %s\n", err.msg);
		goto out;
	}
	if (cli_need_root("run") || run_start(r) < 0)
		goto out;
	run_go(r);
	run_end(r);
	if (!a.quiet)
		print_summary(r);
	fprintf(stderr, "edgemu run: results in %s\n", run_results_dir(r));
	rc = run_exit_code(r);
	/* A report that cannot be written is a failed run too (it has said why). */
	if (cli_report_dir(run_results_dir(r), false) < 0 && rc == 0)
		rc = 1;
out:
	run_free(r);
	return rc;
}
