/* SPDX-License-Identifier: MIT */
/*
 * `edgemu sweep FILE`: the scenario once per combination of the values its `sweep:` section
 * varies, each combination `repeat:` times, one `edgemu run` after another (this binary,
 * as a child, so each run starts from a clean process and a crash costs one run), then
 * the comparison: sweep.csv, summary.csv, a table and sweep.html (cli/sweep_report.c).
 *
 * A run counts once its child exited 0 with a summary.json: then, and only then, its folder
 * gets a `complete` marker. Given the same folder again, a sweep runs only the runs without
 * one, each from scratch. Ctrl-C (or SIGTERM, SIGHUP) goes to the run under way, which
 * tears its network down; the sweep then writes what it has and says how to resume.
 */
#include "cli/cli.h"
#include "sweep/sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MARKER "complete"
#define POLL_NS 100000000L
#define BAR_WIDTH 24
#define FAILS_IN_A_ROW_MAX 3
#define HANG_GRACE_S 120.0
#define HANG_KILL_S 60.0
#define DEFAULT_OVERHEAD_S 1.0 /* build and teardown of a run, before one has been timed */

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

static volatile sig_atomic_t stop_sig;
static volatile pid_t child_pid;

static void on_signal(int sig)
{
	int saved = errno;

	stop_sig = sig;
	/* The run under way stops as edgemu run does on a signal: it tears everything down. */
	if (child_pid > 0)
		kill(child_pid, sig);
	errno = saved;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int read_all(const char *path, char **ret, size_t *ret_len)
{
	size_t len = 0, cap = 8192;
	char *buf = malloc(cap + 1);
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

	if (!buf || fd < 0) {
		r = !buf ? -ENOMEM : -errno;
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *bigger = realloc(buf, cap * 2 + 1);

			if (!bigger) {
				r = -ENOMEM;
				goto out;
			}
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	buf = NULL;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return r;
}

static int mkdirs(const char *path)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT ? -1 : 0;
}

/* What is left of a run cut short: it runs again from scratch. */
static int rm_rf(const char *path)
{
	if (access(path, F_OK) < 0)
		return 0;
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0 ? -errno : 0;
}

static bool exists(const char *dir, const char *run_dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, run_dir, name);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void fmt_dur(char *buf, size_t len, double s)
{
	long t = s > 0 ? (long)(s + 0.5) : 0;

	if (t >= 3600)
		snprintf(buf, len, "%ldh%02ldm%02lds", t / 3600, t / 60 % 60, t % 60);
	else if (t >= 60)
		snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
	else
		snprintf(buf, len, "%lds", t);
}

/* The sweep as it goes: what is done, how long it took, what is left. */
struct progress {
	const struct sweep_plan *p;
	const bool *complete;
	unsigned done, total;
	double t0, run_t0;
	double timed_s, timed_nominal_s; /* runs of this invocation: actual and nominal */
	unsigned timed;
	bool tty, quiet;
};

static double run_estimate(const struct progress *g, unsigned i)
{
	double nominal = (double)g->p->combos[g->p->runs[i].combo].duration_ns / 1e9;
	double overhead =
	    g->timed ? (g->timed_s - g->timed_nominal_s) / g->timed : DEFAULT_OVERHEAD_S;

	return nominal + (overhead > 0 ? overhead : 0);
}

static double eta_s(const struct progress *g, unsigned current, double now)
{
	double left = 0;

	for (unsigned i = current; i < g->p->n_runs; i++) {
		double e;

		if (g->complete[i])
			continue;
		e = run_estimate(g, i);
		if (i == current)
			e -= now - g->run_t0;
		left += e > 0 ? e : 0;
	}
	return left;
}

static void bar(const struct progress *g, unsigned current)
{
	char el[32], eta[32], b[BAR_WIDTH + 1];
	double now = now_s();
	unsigned fill = g->total ? g->done * BAR_WIDTH / g->total : 0;

	if (!g->tty || g->quiet)
		return;
	for (unsigned i = 0; i < BAR_WIDTH; i++)
		b[i] = i < fill ? '#' : '-';
	b[BAR_WIDTH] = '\0';
	fmt_dur(el, sizeof(el), now - g->t0);
	fmt_dur(eta, sizeof(eta), eta_s(g, current, now));
	fprintf(stderr, "\r\033[Ksweep [%s] %u/%u  elapsed %s  ETA %s  %s", b, g->done, g->total,
		el, eta, g->p->runs[current].dir);
	fflush(stderr);
}

/* A line that stays: above the bar on a terminal. */
__attribute__((format(printf, 2, 3))) static void say(const struct progress *g, const char *fmt,
						      ...)
{
	va_list ap;

	if (g->quiet)
		return;
	if (g->tty)
		fputs("\r\033[K", stderr);
	fputs("edgemu sweep: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The last line of a run's output, to say why it failed. */
static void last_line(const char *log, char *buf, size_t len)
{
	char *text;
	size_t n;

	snprintf(buf, len, "no output");
	if (read_all(log, &text, &n) < 0)
		return;
	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	if (n) {
		char *nl = strrchr(text, '\n');

		snprintf(buf, len, "%s", nl ? nl + 1 : text);
	}
	free(text);
}

/* Runs run i as a child `edgemu run`; 0 when it completed. */
static int run_one(const struct sweep_plan *p, unsigned i, const char *file, const char *dir,
		   const char *name, struct progress *g, double *ret_s)
{
	const struct sweep_run *run = &p->runs[i];
	const char *sets[SWEEP_SETS_MAX + TOPO_SWEEP_KEYS_MAX];
	const char *argv[16 + 2 * (SWEEP_SETS_MAX + TOPO_SWEEP_KEYS_MAX)];
	char path[PATH_MAX - 32], log[PATH_MAX], seed[32], rname[TOPO_RUN_MAX + 1], why[256];
	size_t n_sets = sweep_run_sets(p, run, sets, sizeof(sets) / sizeof(sets[0]));
	double nominal = (double)p->combos[run->combo].duration_ns / 1e9;
	/* Longer than any run takes to build, run, roll back and tear down. */
	double limit = 2 * nominal + HANG_GRACE_S;
	bool hung = false;
	unsigned a = 0;
	int fd, status = 0, r;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s", dir, run->dir);
	snprintf(log, sizeof(log), "%s/run.log", path);
	snprintf(seed, sizeof(seed), "%" PRIu64, run->seed);
	sweep_run_name(rname, sizeof(rname), name, (unsigned)getpid(), i);
	r = rm_rf(path);
	if (r == 0)
		r = mkdirs(path);
	if (r < 0) {
		say(g, "%s: %s", path, strerror(-r));
		return r;
	}
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		say(g, "%s: %s", log, strerror(errno));
		return r;
	}
	argv[a++] = "edgemu";
	argv[a++] = "run";
	argv[a++] = file;
	argv[a++] = "--quiet";
	argv[a++] = "--name";
	argv[a++] = rname;
	argv[a++] = "-o";
	argv[a++] = path;
	for (size_t s = 0; s < n_sets; s++) {
		argv[a++] = "--set";
		argv[a++] = sets[s];
	}
	/* Last: the seed wins over anything before it. */
	argv[a++] = "--seed";
	argv[a++] = seed;
	argv[a] = NULL;
	if (!g->tty && !g->quiet)
		say(g, "[%u/%u] %s (seed %s): running", g->done + 1, g->total, run->dir, seed);
	g->run_t0 = now_s();
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(fd);
		say(g, "starting a run: %s", strerror(-r));
		return r;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execv("/proc/self/exe", (char *const *)argv);
		dprintf(STDERR_FILENO, "edgemu sweep: running /proc/self/exe: %s\n",
			strerror(errno));
		_exit(127);
	}
	close(fd);
	child_pid = pid;
	/* A signal that came between the check and the fork has not reached the child. */
	if (stop_sig)
		kill(pid, stop_sig);
	for (double last = 0;;) {
		struct timespec ts = {0, POLL_NS};
		pid_t w = waitpid(pid, &status, WNOHANG);
		double t = now_s() - g->run_t0;

		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (now_s() - last >= 0.5) {
			bar(g, i);
			last = now_s();
		}
		/* A run that hangs would stop the sweep for good: ended as Ctrl-C ends one. */
		if (!hung && t > limit) {
			say(g, "[%u/%u] %s: still running after %.0f s: stopping it", g->done + 1,
			    g->total, run->dir, t);
			kill(pid, SIGTERM);
			hung = true;
		} else if (hung && t > limit + HANG_KILL_S) {
			say(g, "[%u/%u] %s: killed; `edgemu down %s` removes what is left of it",
			    g->done + 1, g->total, run->dir, rname);
			kill(pid, SIGKILL);
			limit = INFINITY;
		}
		nanosleep(&ts, NULL);
	}
	child_pid = 0;
	*ret_s = now_s() - g->run_t0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    exists(dir, run->dir, "summary.json")) {
		char marker[PATH_MAX];
		FILE *f;

		snprintf(marker, sizeof(marker), "%s/" MARKER, path);
		f = fopen(marker, "we");
		if (!f || fprintf(f, "exit 0 after %.3f s\n", *ret_s) < 0 || fclose(f) != 0) {
			say(g, "%s: %s", marker, strerror(errno));
			return -EIO;
		}
		return 0;
	}
	if (stop_sig)
		return -EINTR;
	last_line(log, why, sizeof(why));
	if (WIFEXITED(status))
		say(g, "[%u/%u] %s: failed (exit %d): %s (all of it in %s)", g->done + 1, g->total,
		    run->dir, WEXITSTATUS(status), why, log);
	else
		say(g, "[%u/%u] %s: failed (%s): %s (all of it in %s)", g->done + 1, g->total,
		    run->dir, strsignal(WTERMSIG(status)), why, log);
	return -EIO;
}

/* The plan id a folder's plan.json names, or 0. */
static uint64_t folder_plan_id(const char *dir)
{
	char path[PATH_MAX], *text, *s;
	size_t len;
	uint64_t id = 0;

	snprintf(path, sizeof(path), "%s/plan.json", dir);
	if (read_all(path, &text, &len) < 0)
		return 0;
	s = strstr(text, "\"plan_id\": \"");
	if (s)
		id = strtoull(s + 12, NULL, 16);
	free(text);
	return id;
}

static int write_plan(const struct sweep_plan *p, const char *dir, const char *file, uint64_t id)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/plan.json", dir);
	snprintf(tmp, sizeof(tmp), "%s/plan.json.tmp", dir);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	sweep_plan_write_json(f, p, file, id);
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		return -errno;
	return 0;
}

/* Reads what every complete run measured; a run whose files say nothing is not complete. */
static void collect(const struct sweep_plan *p, const char *dir, bool *complete,
		    struct sweep_result *res, unsigned *done)
{
	for (unsigned i = 0; i < p->n_runs; i++) {
		char path[PATH_MAX], *text;
		size_t len;
		int r;

		if (!complete[i])
			continue;
		memset(&res[i], 0, sizeof(res[i]));
		snprintf(path, sizeof(path), "%s/%s/summary.json", dir, p->runs[i].dir);
		r = read_all(path, &text, &len);
		if (r == 0) {
			r = sweep_summary_scan(text, len, &res[i]);
			free(text);
		}
		if (r < 0) {
			fprintf(stderr, "edgemu sweep: %s: %s; the run will be redone\n", path,
				r == -EINVAL ? "not a complete summary" : strerror(-r));
			snprintf(path, sizeof(path), "%s/%s/" MARKER, dir, p->runs[i].dir);
			unlink(path);
			complete[i] = false;
			(*done)--;
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s/rtt.csv", dir, p->runs[i].dir);
		if (read_all(path, &text, &len) == 0) {
			sweep_rtt_scan(text, len, &res[i]);
			free(text);
		}
	}
}

static FILE *out_file(const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fopen(path, "we");
}

static int reports(const struct sweep_plan *p, const char *dir, const char *title,
		   const bool *complete, const struct sweep_result *res, unsigned done, bool quiet)
{
	struct sweep_agg *agg = calloc(p->n_combos, sizeof(*agg));
	FILE *f;
	int r = 0;

	if (!agg || sweep_aggregate(p, res, complete, agg) < 0) {
		free(agg);
		return -ENOMEM;
	}
	if ((f = out_file(dir, "sweep.csv"))) {
		sweep_csv_write(f, p, res, complete);
		r = fclose(f) ? -errno : r;
	} else {
		r = -errno;
	}
	if ((f = out_file(dir, "summary.csv"))) {
		sweep_summary_csv_write(f, p, agg);
		r = fclose(f) ? -errno : r;
	} else {
		r = -errno;
	}
	if ((f = out_file(dir, "sweep.html"))) {
		sweep_html_write(f, p, agg, title, done);
		r = fclose(f) ? -errno : r;
	} else {
		r = -errno;
	}
	if (!quiet && done) {
		putchar('\n');
		sweep_table_print(stdout, p, agg);
		fflush(stdout);
	}
	free(agg);
	return r;
}

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

int cli_sweep(int argc, char **argv)
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
	const char *out = NULL, *file, *fixed[SWEEP_SETS_MAX + 1];
	char dur_set[64], dir[PATH_MAX - 128], title[PATH_MAX + 64], lock[PATH_MAX];
	char *text = NULL, *resolved = NULL, *end;
	bool dry = false, quiet = false, has_seed = false, *complete = NULL;
	struct sweep_result *res = NULL;
	struct sweep_plan *p = NULL;
	struct topo_parse_opts po = {0};
	struct topo_model *m = NULL;
	struct topo_err err;
	struct progress g = {0};
	struct sigaction sa = {.sa_handler = on_signal};
	size_t n_fixed = 0, len, resolved_len = 0;
	uint64_t seed = 0, id, old_id;
	unsigned in_a_row = 0;
	int c, r, rc = 1, lock_fd = -1;

	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	dur_set[0] = '\0';
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
		uint64_t v;

		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 's':
			seed = strtoull(optarg, &end, 10);
			if (*end || !*optarg || *optarg == '-') {
				fprintf(stderr, "edgemu sweep: --seed '%s': expected a number\n",
					optarg);
				return 2;
			}
			has_seed = true;
			break;
		case 'd':
			if (topo_unit_time(optarg, &v) < 0 || !v) {
				fprintf(stderr,
					"edgemu sweep: --duration '%s': expected a time with a "
					"unit (30s, 2.5s)\n",
					optarg);
				return 2;
			}
			snprintf(dur_set, sizeof(dur_set), "duration=%s", optarg);
			break;
		case 'S':
			if (n_fixed >= SWEEP_SETS_MAX - 1) {
				fprintf(stderr, "edgemu sweep: at most %d --set\n",
					SWEEP_SETS_MAX - 1);
				return 2;
			}
			fixed[n_fixed++] = optarg;
			break;
		case 'n':
			dry = true;
			break;
		case 'q':
			quiet = true;
			break;
		default:
			fprintf(stderr, "edgemu sweep: %s '%s'\n%s",
				c == ':' ? "missing value for" : "unknown option", argv[optind - 1],
				usage);
			return 2;
		}
	}
	if (argc - optind != 1) {
		fputs(usage, stderr);
		return 2;
	}
	file = argv[optind];
	if (dur_set[0])
		fixed[n_fixed++] = dur_set;

	/* Everything is checked before anything runs, and before asking for root. */
	/* Bounded: /dev/zero as a scenario must not take all the memory (issue 12). */
	r = topo_scenario_read(file, &text, &len, &err);
	if (r < 0) {
		fprintf(stderr, "edgemu sweep: %s\n", err.msg);
		return 1;
	}
	po.sets = fixed;
	po.n_sets = n_fixed;
	po.resolved = &resolved;
	po.resolved_len = &resolved_len;
	if (topo_parse_string_opts(text, len, file, &po, &m, &err) < 0) {
		fprintf(stderr, "edgemu sweep: %s\n", err.msg);
		goto out;
	}
	if (!m->has_sweep) {
		fprintf(stderr,
			"edgemu sweep: %s has no sweep: section (vary: and repeat:; see edgemu "
			"sweep --help); edgemu run runs it once\n",
			file);
		goto out;
	}
	if (!has_seed)
		seed = m->has_seed ? m->seed : 1;
	if (sweep_plan_new(&m->sweep, seed, fixed, n_fixed, &p, &err) < 0) {
		fprintf(stderr, "edgemu sweep: %s: %s\n", file, err.msg);
		goto out;
	}
	if (sweep_plan_check(p, text, len, file, &err) < 0) {
		fprintf(stderr, "edgemu sweep: %s\n", err.msg);
		goto out;
	}
	if (out) {
		snprintf(dir, sizeof(dir), "%s", out);
	} else {
		char when[32];
		time_t now = time(NULL);

		strftime(when, sizeof(when), "%Y%m%d-%H%M%S", localtime(&now));
		snprintf(dir, sizeof(dir), "results/%s-sweep-%s", m->name, when);
	}
	if (dry) {
		print_plan(p, file, dir);
		rc = 0;
		goto out;
	}
	if (cli_need_root("sweep"))
		goto out;

	r = mkdirs(dir);
	if (r < 0) {
		fprintf(stderr, "edgemu sweep: results folder %s: %s\n", dir, strerror(-r));
		goto out;
	}
	/* One sweep per folder; the children hold the lock too (a run outlives a killed sweep). */
	snprintf(lock, sizeof(lock), "%s/.lock", dir);
	lock_fd = open(lock, O_RDWR | O_CREAT, 0644);
	if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr, "edgemu sweep: %s: %s\n", dir,
			errno == EWOULDBLOCK ? "another edgemu sweep is running there"
					     : strerror(errno));
		goto out;
	}
	/* The file as parsed, not as written: editing a comment does not make another sweep. */
	id = sweep_plan_id(p, resolved, resolved_len);
	old_id = folder_plan_id(dir);
	if (old_id && old_id != id) {
		fprintf(stderr,
			"edgemu sweep: %s holds another sweep (plan %016" PRIx64
			", this one %016" PRIx64
			"): the file, its sweep: or the options differ; use another -o\n",
			dir, old_id, id);
		goto out;
	}
	r = write_plan(p, dir, file, id);
	if (r < 0) {
		fprintf(stderr, "edgemu sweep: writing %s/plan.json: %s\n", dir, strerror(-r));
		goto out;
	}
	complete = calloc(p->n_runs, sizeof(*complete));
	res = calloc(p->n_runs, sizeof(*res));
	if (!complete || !res) {
		fprintf(stderr, "edgemu sweep: out of memory\n");
		goto out;
	}
	g = (struct progress){.p = p,
			      .complete = complete,
			      .total = p->n_runs,
			      .t0 = now_s(),
			      .tty = isatty(STDERR_FILENO),
			      .quiet = quiet};
	for (unsigned i = 0; i < p->n_runs; i++) {
		complete[i] = exists(dir, p->runs[i].dir, MARKER) &&
			      exists(dir, p->runs[i].dir, "summary.json");
		g.done += complete[i];
	}
	if (g.done == g.total)
		say(&g, "%s: all %u runs complete already", dir, g.total);
	else if (g.done)
		say(&g, "%s: %u of %u runs complete already; running the other %u", dir, g.done,
		    g.total, g.total - g.done);
	else
		say(&g, "%u combination%s x %u = %u runs; results in %s", p->n_combos,
		    p->n_combos == 1 ? "" : "s", p->repeat, p->n_runs, dir);

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	for (unsigned i = 0; i < p->n_runs && !stop_sig; i++) {
		double took = 0;

		if (complete[i])
			continue;
		r = run_one(p, i, file, dir, m->name, &g, &took);
		if (r == 0) {
			complete[i] = true;
			g.done++;
			g.timed++;
			g.timed_s += took;
			g.timed_nominal_s = g.timed_nominal_s +
					    (double)p->combos[p->runs[i].combo].duration_ns / 1e9;
			in_a_row = 0;
			say(&g, "[%u/%u] %s: done in %.1f s", g.done, g.total, p->runs[i].dir,
			    took);
			continue;
		}
		if (stop_sig)
			break;
		if (++in_a_row >= FAILS_IN_A_ROW_MAX) {
			say(&g, "%u runs in a row failed: stopping", in_a_row);
			break;
		}
	}
	if (g.tty && !quiet)
		fputs("\r\033[K", stderr);
	collect(p, dir, complete, res, &g.done);
	snprintf(title, sizeof(title), "edgemu sweep: %s (%s)", m->name, file);
	r = reports(p, dir, title, complete, res, g.done, quiet);
	if (r < 0)
		fprintf(stderr, "edgemu sweep: writing the reports in %s: %s\n", dir, strerror(-r));
	fprintf(stderr,
		"edgemu sweep: %u of %u runs complete; results in %s (sweep.csv, "
		"summary.csv, sweep.html)\n",
		g.done, g.total, dir);
	if (stop_sig) {
		fprintf(stderr, "edgemu sweep: %s: stopped\n", strsignal(stop_sig));
		print_resume(argc, argv, out != NULL, dir);
		rc = 128 + stop_sig;
	} else if (g.done < g.total) {
		fprintf(stderr, "edgemu sweep: %u run%s failed; the same command runs %s again\n",
			g.total - g.done, g.total - g.done == 1 ? "" : "s",
			g.total - g.done == 1 ? "it" : "them");
		print_resume(argc, argv, out != NULL, dir);
		rc = 1;
	} else {
		rc = r < 0 ? 1 : 0;
	}
out:
	if (lock_fd >= 0)
		close(lock_fd);
	free(complete);
	free(res);
	sweep_plan_free(p);
	topo_model_free(m);
	free(resolved);
	free(text);
	return rc;
}
