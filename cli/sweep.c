/* SPDX-License-Identifier: MIT */
/*
 * `edgemu sweep FILE`: the scenario once per combination of the values its `sweep:` section
 * varies, each combination `repeat:` times, one `edgemu run` after another (this binary,
 * as a child, so each run starts from a clean process and a crash costs one run), then
 * the comparison: sweep.csv, summary.csv, a table and sweep.html. The plan, the runs and
 * the reports are sweep/; here the command: its options, the folder, what it says.
 *
 * A run counts once its child exited 0 with a summary.json: then, and only then, its folder
 * gets a `complete` marker. Given the same folder again, a sweep runs only the runs without
 * one, each from scratch. Ctrl-C (or SIGTERM, SIGHUP) goes to the run under way, which
 * tears its network down; the sweep then writes what it has and says how to resume.
 */
#include "cli/cli.h"
#include "sweep/run.h"
#include "sweep/sweep.h"
#include "util/file.h"
#include "util/opt.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define FAILS_IN_A_ROW_MAX 3

static const char usage[] =
    "usage: edgemu sweep FILE [-o DIR] [--seed N] [--duration T] [--set key=value]...\n"
    "                         [--dry-run] [--quiet]\n"
    "\n"
    "Run scenario FILE once per combination of the values its sweep: section varies (the\n"
    "first key varies slowest), each combination repeat: times, one `edgemu run` after\n"
    "another; then compare the combinations: mean and 95% confidence interval of downtime,\n"
    "migration time, bytes moved, RTT percentiles, probe loss, migrations and handovers.\n"
    "Every combination is checked before anything runs.\n"
    "\n"
    "  sweep:\n"
    "    vary:                                   # --set paths, each with a list of values\n"
    "      migration.strategy: [cold, precopy, postcopy]\n"
    "      services.game.state: [16MiB, 64MiB]\n"
    "    repeat: 3                               # runs per combination (default 1)\n"
    "\n"
    "  -o DIR           the sweep's folder (default: results/<name>-sweep-<date>-<time>).\n"
    "                   Given again, the sweep resumes: complete runs are kept, the others\n"
    "                   run from scratch\n"
    "  --seed N         the base seed (default: the file's seed:, else 1); repetition r of\n"
    "                   every combination runs with seed N + r\n"
    "  --duration T     every run's length (default: the file's duration:, else 30s)\n"
    "  --set key=value  a value for every run, as edgemu run's --set (not a varied key);\n"
    "                   --set sweep.repeat=1 for a quick pass\n"
    "  --dry-run        check every combination, print the plan, run nothing (no root)\n"
    "  --quiet          no progress and no table\n"
    "\n"
    "Ctrl-C stops the run under way (it tears its network down) and the sweep; the same\n"
    "command with -o DIR resumes it. Results in DIR: plan.json; per run\n"
    "<combination>/rep-<r>/ with edgemu run's results and its output (run.log); sweep.csv\n"
    "(one row per run), summary.csv (one row per combination), sweep.html (charts).\n";

/* How to resume: this command again, with -o DIR if it had none. */
static void print_resume(int argc, char **argv, bool had_out, const char *dir)
{
	fputs("edgemu sweep: resume with: edgemu", stderr);
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];

		if (!*s || strpbrk(s, " \t\n'\"\\$`*?[]{}()<>|&;#~!")) {
			fputs(" '", stderr);
			for (; *s; s++) {
				if (*s == '\'')
					fputs("'\\''", stderr);
				else
					fputc(*s, stderr);
			}
			fputc('\'', stderr);
		} else {
			fprintf(stderr, " %s", s);
		}
	}
	if (!had_out)
		fprintf(stderr, " -o %s", dir);
	fputc('\n', stderr);
}

static void print_plan(const struct sweep_plan *p, const char *file, const char *dir)
{
	double total = 0;
	size_t width = 0;

	for (unsigned i = 0; i < p->n_runs; i++) {
		total += (double)p->combos[p->runs[i].combo].duration_ns / 1e9;
		if (strlen(p->runs[i].dir) > width)
			width = strlen(p->runs[i].dir);
	}
	printf("sweep of %s: %u combination%s x %u = %u runs, %.0f s of scenario time; "
	       "results in %s\n",
	       file, p->n_combos, p->n_combos == 1 ? "" : "s", p->repeat, p->n_runs, total, dir);
	for (unsigned i = 0; i < p->n_runs; i++) {
		const struct sweep_run *r = &p->runs[i];
		const char *sets[SWEEP_SETS_MAX + TOPO_SWEEP_KEYS_MAX];
		size_t n = sweep_run_sets(p, r, sets, sizeof(sets) / sizeof(sets[0]));

		printf("  %-*s  edgemu run %s", (int)width, r->dir, file);
		for (size_t s = 0; s < n; s++)
			printf(" --set %s", sets[s]);
		printf(" --seed %" PRIu64 "\n", r->seed);
	}
}

/* edgemu sweep's options. */
struct opts {
	const char *out, *file, *fixed[SWEEP_SETS_MAX + 1];
	size_t n_fixed;
	char dur_set[64];
	uint64_t seed;
	bool has_seed, dry, quiet;
};

/* 0, or the exit code of a wrong command line (said why). */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option opts[] = {
	    {"seed", required_argument, NULL, 's'},
	    {"duration", required_argument, NULL, 'd'},
	    {"set", required_argument, NULL, 'S'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char *end;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
		uint64_t v;

		switch (c) {
		case 'o':
			o->out = optarg;
			break;
		case 's':
			o->seed = strtoull(optarg, &end, 10);
			if (*end || !*optarg || *optarg == '-') {
				fprintf(stderr, "edgemu sweep: --seed '%s': expected a number\n",
					optarg);
				return 2;
			}
			o->has_seed = true;
			break;
		case 'd':
			if (topo_unit_time(optarg, &v) < 0 || !v) {
				fprintf(stderr,
					"edgemu sweep: --duration '%s': expected a time with a "
					"unit (30s, 2.5s)\n",
					optarg);
				return 2;
			}
			snprintf(o->dur_set, sizeof(o->dur_set), "duration=%s", optarg);
			break;
		case 'S':
			if (o->n_fixed >= SWEEP_SETS_MAX - 1) {
				fprintf(stderr, "edgemu sweep: at most %d --set\n",
					SWEEP_SETS_MAX - 1);
				return 2;
			}
			o->fixed[o->n_fixed++] = optarg;
			break;
		case 'n':
			o->dry = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		default:
			return util_opt_error("edgemu sweep", usage, argv, c);
		}
	}
	if (argc - optind != 1) {
		fputs(usage, stderr);
		return 2;
	}
	o->file = argv[optind];
	if (o->dur_set[0])
		o->fixed[o->n_fixed++] = o->dur_set;
	return 0;
}

/* The scenario as given and as parsed, and the plan; every combination checked. */
struct loaded {
	char *text, *resolved;
	size_t len, resolved_len;
	struct topo_model *m;
	struct sweep_plan *p;
};

static void loaded_free(struct loaded *l)
{
	sweep_plan_free(l->p);
	topo_model_free(l->m);
	free(l->resolved);
	free(l->text);
}

/* 0, or -1 having said why. */
static int plan_load(struct opts *o, struct loaded *l)
{
	struct topo_parse_opts po = {0};
	struct topo_err err;

	/* Bounded: /dev/zero as a scenario must not take all the memory (issue 12). */
	if (topo_scenario_read(o->file, &l->text, &l->len, &err) < 0) {
		fprintf(stderr, "edgemu sweep: %s\n", err.msg);
		return -1;
	}
	po.sets = o->fixed;
	po.n_sets = o->n_fixed;
	po.resolved = &l->resolved;
	po.resolved_len = &l->resolved_len;
	if (topo_parse_string_opts(l->text, l->len, o->file, &po, &l->m, &err) < 0) {
		fprintf(stderr, "edgemu sweep: %s\n", err.msg);
		return -1;
	}
	if (!l->m->has_sweep) {
		fprintf(stderr,
			"edgemu sweep: %s has no sweep: section (vary: and repeat:; see edgemu "
			"sweep --help); edgemu run runs it once\n",
			o->file);
		return -1;
	}
	if (!o->has_seed)
		o->seed = l->m->has_seed ? l->m->seed : 1;
	if (sweep_plan_new(&l->m->sweep, o->seed, o->fixed, o->n_fixed, &l->p, &err) < 0) {
		fprintf(stderr, "edgemu sweep: %s: %s\n", o->file, err.msg);
		return -1;
	}
	if (sweep_plan_check(l->p, l->text, l->len, o->file, &err) < 0) {
		fprintf(stderr, "edgemu sweep: %s\n", err.msg);
		return -1;
	}
	return 0;
}

/*
 * The sweep's folder, made and locked (lock_fd), its plan.json written: 0, or -1 having said
 * why (another sweep there, or another plan in it).
 */
static int folder_open(const struct loaded *l, const char *dir, const char *file, int *lock_fd)
{
	char lock[PATH_MAX];
	uint64_t id, old_id;
	int r = util_mkdirs(dir, false);

	if (r < 0) {
		fprintf(stderr, "edgemu sweep: results folder %s: %s\n", dir, strerror(-r));
		return -1;
	}
	/* One sweep per folder; the children hold the lock too (a run outlives a killed sweep). */
	snprintf(lock, sizeof(lock), "%s/.lock", dir);
	*lock_fd = open(lock, O_RDWR | O_CREAT, 0644);
	if (*lock_fd < 0 || flock(*lock_fd, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr, "edgemu sweep: %s: %s\n", dir,
			errno == EWOULDBLOCK ? "another edgemu sweep is running there"
					     : strerror(errno));
		return -1;
	}
	/* The file as parsed, not as written: editing a comment does not make another sweep. */
	id = sweep_plan_id(l->p, l->resolved, l->resolved_len);
	old_id = sweep_folder_plan_id(dir);
	if (old_id && old_id != id) {
		fprintf(stderr,
			"edgemu sweep: %s holds another sweep (plan %016" PRIx64
			", this one %016" PRIx64
			"): the file, its sweep: or the options differ; use another -o\n",
			dir, old_id, id);
		return -1;
	}
	r = sweep_plan_save(l->p, dir, file, id);
	if (r < 0) {
		fprintf(stderr, "edgemu sweep: writing %s/plan.json: %s\n", dir, strerror(-r));
		return -1;
	}
	return 0;
}

/* Every run not complete yet, one after another, until done, stopped or failing. */
static void run_all(const struct loaded *l, const char *file, const char *dir, bool *complete,
		    struct sweep_progress *g)
{
	const struct sweep_plan *p = l->p;
	unsigned in_a_row = 0;

	for (unsigned i = 0; i < p->n_runs; i++) {
		complete[i] = sweep_file_exists(dir, p->runs[i].dir, SWEEP_MARKER) &&
			      sweep_file_exists(dir, p->runs[i].dir, "summary.json");
		g->done += complete[i];
	}
	if (g->done == g->total)
		sweep_say(g, "%s: all %u runs complete already", dir, g->total);
	else if (g->done)
		sweep_say(g, "%s: %u of %u runs complete already; running the other %u", dir,
			  g->done, g->total, g->total - g->done);
	else
		sweep_say(g, "%u combination%s x %u = %u runs; results in %s", p->n_combos,
			  p->n_combos == 1 ? "" : "s", p->repeat, p->n_runs, dir);

	sweep_signals_catch();
	for (unsigned i = 0; i < p->n_runs && !sweep_stopped(); i++) {
		double took = 0;

		if (complete[i])
			continue;
		if (sweep_run_one(p, i, file, dir, l->m->name, g, &took) == 0) {
			complete[i] = true;
			g->done++;
			g->timed++;
			g->timed_s += took;
			g->timed_nominal_s = g->timed_nominal_s +
					     (double)p->combos[p->runs[i].combo].duration_ns / 1e9;
			in_a_row = 0;
			sweep_say(g, "[%u/%u] %s: done in %.1f s", g->done, g->total,
				  p->runs[i].dir, took);
			continue;
		}
		if (sweep_stopped())
			break;
		if (++in_a_row >= FAILS_IN_A_ROW_MAX) {
			sweep_say(g, "%u runs in a row failed: stopping", in_a_row);
			break;
		}
	}
	if (g->tty && !g->quiet)
		fputs("\r\033[K", stderr);
}

/* The reports of what is complete, what to say at the end; the exit code. */
static int finish(int argc, char **argv, const struct opts *o, const struct loaded *l,
		  const char *dir, bool *complete, struct sweep_progress *g)
{
	struct sweep_result *res = calloc(l->p->n_runs, sizeof(*res));
	char title[PATH_MAX + 64];
	int r, rc;

	if (!res) {
		fprintf(stderr, "edgemu sweep: out of memory\n");
		return 1;
	}
	sweep_collect(l->p, dir, complete, res, &g->done);
	snprintf(title, sizeof(title), "edgemu sweep: %s (%s)", l->m->name, o->file);
	r = sweep_reports_write(l->p, dir, title, complete, res, g->done, o->quiet);
	if (r < 0)
		fprintf(stderr, "edgemu sweep: writing the reports in %s: %s\n", dir, strerror(-r));
	fprintf(stderr,
		"edgemu sweep: %u of %u runs complete; results in %s (sweep.csv, "
		"summary.csv, sweep.html)\n",
		g->done, g->total, dir);
	if (sweep_stopped()) {
		fprintf(stderr, "edgemu sweep: %s: stopped\n", strsignal(sweep_stopped()));
		print_resume(argc, argv, o->out != NULL, dir);
		rc = 128 + sweep_stopped();
	} else if (g->done < g->total) {
		fprintf(stderr, "edgemu sweep: %u run%s failed; the same command runs %s again\n",
			g->total - g->done, g->total - g->done == 1 ? "" : "s",
			g->total - g->done == 1 ? "it" : "them");
		print_resume(argc, argv, o->out != NULL, dir);
		rc = 1;
	} else {
		rc = r < 0 ? 1 : 0;
	}
	free(res);
	return rc;
}

int cli_sweep(int argc, char **argv)
{
	struct opts o = {0};
	struct loaded l = {0};
	struct sweep_progress g = {0};
	char dir[PATH_MAX - 128];
	bool *complete = NULL;
	int rc = 1, lock_fd = -1;

	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc;
	rc = 1;
	/* Everything is checked before anything runs, and before asking for root. */
	if (plan_load(&o, &l) < 0)
		goto out;
	if (o.out) {
		snprintf(dir, sizeof(dir), "%s", o.out);
	} else {
		char when[32];
		time_t now = time(NULL);

		strftime(when, sizeof(when), "%Y%m%d-%H%M%S", localtime(&now));
		snprintf(dir, sizeof(dir), "results/%s-sweep-%s", l.m->name, when);
	}
	if (o.dry) {
		print_plan(l.p, o.file, dir);
		rc = 0;
		goto out;
	}
	if (cli_need_root("sweep") || folder_open(&l, dir, o.file, &lock_fd) < 0)
		goto out;
	complete = calloc(l.p->n_runs, sizeof(*complete));
	if (!complete) {
		fprintf(stderr, "edgemu sweep: out of memory\n");
		goto out;
	}
	g = (struct sweep_progress){.p = l.p,
				    .complete = complete,
				    .total = l.p->n_runs,
				    .t0 = sweep_now_s(),
				    .tty = isatty(STDERR_FILENO),
				    .quiet = o.quiet};
	run_all(&l, o.file, dir, complete, &g);
	rc = finish(argc, argv, &o, &l, dir, complete, &g);
out:
	if (lock_fd >= 0)
		close(lock_fd);
	free(complete);
	loaded_free(&l);
	return rc;
}
