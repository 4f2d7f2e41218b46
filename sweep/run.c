/* SPDX-License-Identifier: MIT */
/*
 * Running a sweep's plan: one `edgemu run` per point as a child (this binary), watched for
 * hangs and signals, its folder marked complete once it finished; the progress on the
 * terminal; reading what the complete runs measured and writing the reports.
 */
#include "sweep/run.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/file.h"

#define POLL_NS 100000000L
#define BAR_WIDTH 24
#define HANG_GRACE_S 120.0
#define HANG_KILL_S 60.0
#define DEFAULT_OVERHEAD_S 1.0 /* build and teardown of a run, before one has been timed */

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

void sweep_signals_catch(void)
{
	struct sigaction sa = {.sa_handler = on_signal};

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int sweep_stopped(void)
{
	return stop_sig;
}

double sweep_now_s(void)
{
	return (double)util_now_ns() / 1e9;
}

/* A run's log and results files; a bigger one is not a run's. */
#define READ_MAX (64u << 20)

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

bool sweep_file_exists(const char *dir, const char *run_dir, const char *name)
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

static double run_estimate(const struct sweep_progress *g, unsigned i)
{
	double nominal = (double)g->p->combos[g->p->runs[i].combo].duration_ns / 1e9;
	double overhead =
	    g->timed ? (g->timed_s - g->timed_nominal_s) / g->timed : DEFAULT_OVERHEAD_S;

	return nominal + (overhead > 0 ? overhead : 0);
}

static double eta_s(const struct sweep_progress *g, unsigned current, double now)
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

static void bar(const struct sweep_progress *g, unsigned current)
{
	char el[32], eta[32], b[BAR_WIDTH + 1];
	double now = sweep_now_s();
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
__attribute__((format(printf, 2, 3))) void sweep_say(const struct sweep_progress *g,
						     const char *fmt, ...)
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
	if (util_file_read(log, READ_MAX, &text, &n) < 0)
		return;
	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	if (n) {
		char *nl = strrchr(text, '\n');

		snprintf(buf, len, "%s", nl ? nl + 1 : text);
	}
	free(text);
}

/* The child: this binary as `edgemu run`, its output into fd. Returns the pid or -errno. */
static pid_t spawn(const char *const *argv, int fd)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
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
	return pid;
}

/*
 * Waits for run i's child, the bar kept up to date; a run that hangs would stop the sweep
 * for good: past limit it is ended as Ctrl-C ends one, then killed. Returns its status.
 */
static int watch(struct sweep_progress *g, unsigned i, pid_t pid, double limit, const char *rname)
{
	const char *rdir = g->p->runs[i].dir;
	bool hung = false;
	int status = 0;

	for (double last = 0;;) {
		struct timespec ts = {0, POLL_NS};
		pid_t w = waitpid(pid, &status, WNOHANG);
		double t = sweep_now_s() - g->run_t0;

		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (sweep_now_s() - last >= 0.5) {
			bar(g, i);
			last = sweep_now_s();
		}
		if (!hung && t > limit) {
			sweep_say(g, "[%u/%u] %s: still running after %.0f s: stopping it",
				  g->done + 1, g->total, rdir, t);
			kill(pid, SIGTERM);
			hung = true;
		} else if (hung && t > limit + HANG_KILL_S) {
			sweep_say(g,
				  "[%u/%u] %s: killed; `edgemu down %s` removes what is left of it",
				  g->done + 1, g->total, rdir, rname);
			kill(pid, SIGKILL);
			limit = INFINITY;
		}
		nanosleep(&ts, NULL);
	}
	return status;
}

/* What the child's end means: complete (marked so), stopped, or failed (said why). */
static int outcome(struct sweep_progress *g, const struct sweep_run *run, const char *dir,
		   const char *path, const char *log, int status, double took)
{
	char why[256];

	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    sweep_file_exists(dir, run->dir, "summary.json")) {
		char marker[PATH_MAX];
		FILE *f;

		snprintf(marker, sizeof(marker), "%s/" SWEEP_MARKER, path);
		f = fopen(marker, "we");
		if (!f || fprintf(f, "exit 0 after %.3f s\n", took) < 0 || fclose(f) != 0) {
			sweep_say(g, "%s: %s", marker, strerror(errno));
			return -EIO;
		}
		return 0;
	}
	if (stop_sig)
		return -EINTR;
	last_line(log, why, sizeof(why));
	if (WIFEXITED(status))
		sweep_say(g, "[%u/%u] %s: failed (exit %d): %s (all of it in %s)", g->done + 1,
			  g->total, run->dir, WEXITSTATUS(status), why, log);
	else
		sweep_say(g, "[%u/%u] %s: failed (%s): %s (all of it in %s)", g->done + 1, g->total,
			  run->dir, strsignal(WTERMSIG(status)), why, log);
	return -EIO;
}

int sweep_run_one(const struct sweep_plan *p, unsigned i, const char *file, const char *dir,
		  const char *name, struct sweep_progress *g, double *ret_s)
{
	const struct sweep_run *run = &p->runs[i];
	const char *sets[SWEEP_SETS_MAX + TOPO_SWEEP_KEYS_MAX];
	const char *argv[16 + 2 * (SWEEP_SETS_MAX + TOPO_SWEEP_KEYS_MAX)];
	char path[PATH_MAX - 32], log[PATH_MAX], seed[32], rname[TOPO_RUN_MAX + 1];
	size_t n_sets = sweep_run_sets(p, run, sets, sizeof(sets) / sizeof(sets[0]));
	double nominal = (double)p->combos[run->combo].duration_ns / 1e9;
	unsigned a = 0;
	int fd, status, r;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s", dir, run->dir);
	snprintf(log, sizeof(log), "%s/run.log", path);
	snprintf(seed, sizeof(seed), "%" PRIu64, run->seed);
	sweep_run_name(rname, sizeof(rname), name, (unsigned)getpid(), i);
	r = rm_rf(path);
	if (r == 0)
		r = util_mkdirs(path, false);
	if (r < 0) {
		sweep_say(g, "%s: %s", path, strerror(-r));
		return r;
	}
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		sweep_say(g, "%s: %s", log, strerror(errno));
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
		sweep_say(g, "[%u/%u] %s (seed %s): running", g->done + 1, g->total, run->dir,
			  seed);
	g->run_t0 = sweep_now_s();
	pid = spawn(argv, fd);
	close(fd);
	if (pid < 0) {
		sweep_say(g, "starting a run: %s", strerror(-pid));
		return pid;
	}
	child_pid = pid;
	/* A signal that came between the check and the fork has not reached the child. */
	if (stop_sig)
		kill(pid, stop_sig);
	/* Longer than any run takes to build, run, roll back and tear down. */
	status = watch(g, i, pid, 2 * nominal + HANG_GRACE_S, rname);
	child_pid = 0;
	*ret_s = sweep_now_s() - g->run_t0;
	return outcome(g, run, dir, path, log, status, *ret_s);
}

/* The plan id a folder's plan.json names, or 0. */
uint64_t sweep_folder_plan_id(const char *dir)
{
	char path[PATH_MAX], *text, *s;
	size_t len;
	uint64_t id = 0;

	snprintf(path, sizeof(path), "%s/plan.json", dir);
	if (util_file_read(path, READ_MAX, &text, &len) < 0)
		return 0;
	s = strstr(text, "\"plan_id\": \"");
	if (s)
		id = strtoull(s + 12, NULL, 16);
	free(text);
	return id;
}

int sweep_plan_save(const struct sweep_plan *p, const char *dir, const char *file, uint64_t id)
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
void sweep_collect(const struct sweep_plan *p, const char *dir, bool *complete,
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
		r = util_file_read(path, READ_MAX, &text, &len);
		if (r == 0) {
			r = sweep_summary_scan(text, len, &res[i]);
			free(text);
		}
		if (r < 0) {
			fprintf(stderr, "edgemu sweep: %s: %s; the run will be redone\n", path,
				r == -EINVAL ? "not a complete summary" : strerror(-r));
			snprintf(path, sizeof(path), "%s/%s/" SWEEP_MARKER, dir, p->runs[i].dir);
			unlink(path);
			complete[i] = false;
			(*done)--;
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s/rtt.csv", dir, p->runs[i].dir);
		if (util_file_read(path, READ_MAX, &text, &len) == 0) {
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

int sweep_reports_write(const struct sweep_plan *p, const char *dir, const char *title,
			const bool *complete, const struct sweep_result *res, unsigned done,
			bool quiet)
{
	struct sweep_agg *agg = calloc(p->n_combos, sizeof(*agg));
	FILE *f;
	int r = 0;

	if (!agg || sweep_aggregate(p, res, complete, agg) < 0) {
		free(agg);
		return -ENOMEM;
	}
	if ((f = out_file(dir, "sweep.csv"))) {
		sweep_csv_write(f, p, res, complete, agg);
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
