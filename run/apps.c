/* SPDX-License-Identifier: MIT */
/*
 * The scenario's apps: (topo_prog): each program started in its node at its `at`, in a
 * process group of its own, watched through a pidfd on the runner's loop, stopped at its
 * `until` or the run's end (SIGTERM to its group, SIGKILL after RUN_APP_GRACE_NS), and its
 * start and exit in events.csv; its stdout and stderr in apps/<name>.out and .err of the
 * results. `edgemu up` starts them too, detached (run_apps_detach()), and `edgemu down` stops
 * those (run_apps_stop_detached()).
 */
#include <dirent.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "run/run_int.h"
#include "util/env.h"
#include "util/sig.h"

#define APP_POLL_MS 10 /* how often the run's end looks at what is left of the apps */

/* What a child says on its way out when it could not exec: one message in the pipe. */
__attribute__((format(printf, 2, 3))) static void child_say(int fd, const char *fmt, ...)
{
	char msg[TOPO_ERR_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n > 0 && write(fd, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1) < 0)
		return;
}

/* What an app finds in its environment besides ours: its run, its node, its results. */
static const char *const env_names[] = {"EDGEMU_RUN", "EDGEMU_NODE", "EDGEMU_RESULTS"};

/* An app's process, as both the runner and `edgemu up` start it. */
struct app_spawn {
	const struct topo_prog *a;
	const char *run, *node, *dir; /* the run, the node, where apps/ goes */
	int ns_fd;		      /* the node's namespace, -1: open it by name */
	bool detach;		      /* up: its own session, outlives us; run: dies with us */
	int err_pipe;		      /* the read end the child's message comes through */
};

/* In the child: never returns. */
__attribute__((noreturn)) static void app_child(const struct app_spawn *s, pid_t parent, int wfd,
						char **env)
{
	static const int dfl[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD};
	char out[PATH_MAX + TOPO_APP_NAME_MAX + 16], errp[sizeof(out)];
	struct topo_err err;
	int null, fo, fe, e;

	/* With the runner, it dies with it, even killed; we may have died before the request. */
	if (!s->detach && (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent))
		_exit(127);
	/* Its group (and with `up`, its session): what it starts goes with it. */
	if ((s->detach ? setsid() : setpgid(0, 0)) < 0) {
		child_say(wfd, "its process group: %s", strerror(errno));
		_exit(127);
	}
	for (size_t i = 0; i < sizeof(dfl) / sizeof(dfl[0]); i++)
		signal(dfl[i], SIG_DFL);
	util_sig_unblock_all();
	snprintf(out, sizeof(out), "%s/apps/%s.out", s->dir, s->a->name);
	snprintf(errp, sizeof(errp), "%s/apps/%s.err", s->dir, s->a->name);
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	fo = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	fe = open(errp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (null < 0 || fo < 0 || fe < 0) {
		child_say(wfd, "opening %s: %s",
			  null < 0 ? "/dev/null"
			  : fo < 0 ? out
				   : errp,
			  strerror(errno));
		_exit(127);
	}
	if (topo_node_enter(s->run, s->node, s->ns_fd, &err) < 0) {
		child_say(wfd, "%s", err.msg);
		_exit(127);
	}
	if (dup2(null, 0) < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0) {
		child_say(wfd, "its stdin, stdout, stderr: %s", strerror(errno));
		_exit(127);
	}
	execve(s->a->path, s->a->argv, env);
	e = errno;
	child_say(wfd, "executing %s: %s", s->a->path, strerror(e));
	/* A shell's statuses: not found, found but not executable. */
	_exit(e == ENOENT ? 127 : 126);
}

/*
 * Forks the app of s (its program resolved): *ret_pid, and s->err_pipe where the child's
 * message comes if it cannot exec (EOF once it has). 0 or -errno (nothing started).
 */
static int app_spawn(struct app_spawn *s, pid_t *ret_pid)
{
	char results[PATH_MAX], **env;
	int p[2], e;
	pid_t parent = getpid(), pid;

	if (!realpath(s->dir, results))
		return -errno;
	env = util_env_with(env_names, (const char *const[]){s->run, s->node, results}, 3);
	if (!env)
		return -ENOMEM;
	if (pipe2(p, O_CLOEXEC) < 0) {
		e = errno;
		util_env_free(env);
		return -e;
	}
	pid = fork();
	if (pid == 0)
		app_child(s, parent, p[1], env);
	e = pid < 0 ? errno : 0;
	util_env_free(env);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -e;
	}
	/* Its group made on both sides: a signal sent to it now already reaches it (a session
	 * is the child's alone to make: setsid() fails in a group leader). */
	if (!s->detach)
		setpgid(pid, pid);
	s->err_pipe = p[0];
	*ret_pid = pid;
	return 0;
}

/* The apps/ folder of dir. */
static int apps_dir(const char *dir)
{
	char path[PATH_MAX + 8];

	snprintf(path, sizeof(path), "%s/apps", dir);
	return mkdir(path, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

/* --- in the runner --- */

static struct topo_prog *prog(const struct runner *r, const struct run_app *ap)
{
	return &r->m->apps[ap - r->apps];
}

/* The events' ue column: the node when it is a UE. */
static int ue_col(const struct runner *r, const struct topo_prog *a)
{
	return r->m->nodes[a->node].kind == TOPO_UE ? (int)a->node : -1;
}

static void say(struct runner *r, const char *name, const char *msg)
{
	if (r->status)
		fputs("\r\033[K", stderr);
	fprintf(stderr, "%s: app %s: %s\n", r->cmd, name, msg);
}

/* The leader's exit, once: app_exit in events.csv. The zombie stays until its group is done. */
static void app_exited(struct runner *r, struct run_app *ap, const siginfo_t *si)
{
	struct topo_prog *a = prog(r, ap);

	if (ap->exited)
		return;
	ap->exited = true;
	if (si->si_code == CLD_EXITED)
		run_event(r, run_now(r), "app_exit", ue_col(r, a), "%s: status %d", a->name,
			  si->si_status);
	else
		run_event(r, run_now(r), "app_exit", ue_col(r, a), "%s: signal SIG%s", a->name,
			  sigabbrev_np(si->si_status) ? sigabbrev_np(si->si_status) : "?");
}

static void app_unwatch(struct runner *r, int *fd)
{
	if (*fd < 0)
		return;
	if (r->loop)
		emu_loop_fd_del(r->loop, *fd);
	close(*fd);
	*fd = -1;
}

/* Whether the leader has exited now (recorded then); its zombie is left. */
static bool app_poll_exit(struct runner *r, struct run_app *ap)
{
	siginfo_t si = {0};

	if (ap->exited)
		return true;
	if (waitid(P_PID, (id_t)ap->pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || !si.si_pid)
		return false;
	app_exited(r, ap, &si);
	app_unwatch(r, &ap->pidfd);
	return true;
}

/* The zombie reaped once its group is done with (SIGKILLed): its pid free again. */
static void app_reap(struct run_app *ap)
{
	if (ap->pid > 0 && ap->exited && ap->killed) {
		waitpid(ap->pid, NULL, 0);
		ap->pid = 0;
	}
}

static void on_app_exit(struct emu_loop *loop, int fd, uint32_t revents, void *arg)
{
	struct run_app *ap = arg;

	(void)loop;
	(void)fd;
	(void)revents;
	if (app_poll_exit(ap->r, ap))
		app_reap(ap);
}

/* The child's message when it could not exec; EOF when it did. */
static void on_app_err(struct emu_loop *loop, int fd, uint32_t revents, void *arg)
{
	struct run_app *ap = arg;
	struct runner *r = ap->r;
	char msg[TOPO_ERR_MAX];
	ssize_t n = read(fd, msg, sizeof(msg) - 1);

	(void)loop;
	(void)revents;
	if (n < 0 && errno == EINTR)
		return;
	if (n > 0) {
		msg[n] = '\0';
		say(r, prog(r, ap)->name, msg);
		run_event(r, run_now(r), "app_error", ue_col(r, prog(r, ap)), "%s: %s",
			  prog(r, ap)->name, msg);
	}
	app_unwatch(r, &ap->err_fd);
}

static void on_app_grace(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	struct run_app *ap = arg;

	(void)loop;
	(void)f;
	ap->grace_timer = 0;
	kill(-ap->pid, SIGKILL);
	ap->killed = true;
	app_reap(ap);
}

/* SIGTERM to its group, SIGKILL after the grace. */
static void app_term(struct runner *r, struct run_app *ap)
{
	if (ap->pid <= 0 || ap->stopping)
		return;
	ap->stopping = true;
	ap->term_ns = emu_loop_now_ns();
	kill(-ap->pid, SIGTERM);
	if (r->loop && emu_loop_timer_add(r->loop, run_now(r) + RUN_APP_GRACE_NS, on_app_grace, ap,
					  &ap->grace_timer) < 0)
		run_fail(r, -ENOMEM, "out of memory");
}

static void on_app_until(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	struct run_app *ap = arg;

	(void)loop;
	(void)f;
	ap->until_timer = 0;
	app_term(ap->r, ap);
}

static void on_app_start(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	struct run_app *ap = arg;
	struct runner *r = ap->r;
	struct topo_prog *a = prog(r, ap);
	struct app_spawn s = {.a = a,
			      .run = r->net->name,
			      .node = r->m->nodes[a->node].name,
			      .dir = r->results,
			      .ns_fd = topo_net_node_ns(r->net, a->node)};
	pid_t pid;
	int rc;

	ap->start_timer = 0;
	rc = s.ns_fd < 0 ? s.ns_fd : app_spawn(&s, &pid);
	if (rc < 0) {
		/* Not the run's end: the app's, said and recorded. */
		say(r, a->name, strerror(-rc));
		run_event(r, f->now_ns, "app_error", ue_col(r, a), "%s: starting it: %s", a->name,
			  strerror(-rc));
		return;
	}
	ap->pid = pid;
	ap->err_fd = s.err_pipe;
	/* Read on the loop, which must never wait on it. */
	fcntl(ap->err_fd, F_SETFL, O_NONBLOCK);
	run_event(r, f->now_ns, "app_start", ue_col(r, a), "%s: pid %d: %s", a->name, (int)pid,
		  a->run);
	ap->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	rc = ap->pidfd < 0 ? -errno : emu_loop_fd_add(loop, ap->pidfd, EPOLLIN, on_app_exit, ap);
	if (rc == 0)
		rc = emu_loop_fd_add(loop, ap->err_fd, EPOLLIN, on_app_err, ap);
	if (rc == 0 && a->until_ns)
		rc = emu_loop_timer_add(loop, r->t0 + a->until_ns, on_app_until, ap,
					&ap->until_timer);
	if (rc < 0)
		run_fail(r, rc, "watching app %s: %s", a->name, strerror(-rc));
}

int run_apps_start(struct runner *r)
{
	/* With radio, an app at 0s starts once the first tick has attached the UEs. */
	uint64_t first = r->m->has_radio ? RUN_APP_FIRST_NS : 0;
	int rc;

	if (!r->m->n_apps)
		return 0;
	r->apps = calloc(r->m->n_apps, sizeof(*r->apps));
	if (!r->apps)
		return -ENOMEM;
	r->n_apps = r->m->n_apps;
	rc = apps_dir(r->results);
	for (unsigned i = 0; i < r->n_apps; i++)
		r->apps[i] = (struct run_app){.r = r, .pidfd = -1, .err_fd = -1};
	for (unsigned i = 0; rc == 0 && i < r->n_apps; i++) {
		struct topo_prog *a = &r->m->apps[i];

		rc = emu_loop_timer_add(r->loop, r->t0 + (a->at_ns > first ? a->at_ns : first),
					on_app_start, &r->apps[i], &r->apps[i].start_timer);
	}
	return rc;
}

/* Whether anything of the app is left: its leader, or its group. */
static bool app_left(struct runner *r, struct run_app *ap)
{
	if (ap->pid <= 0)
		return false;
	if (!app_poll_exit(r, ap))
		return true;
	/* Only the zombie (reaped first) or others of its group. */
	if (!ap->killed) {
		pid_t pgid = ap->pid;

		ap->killed = true; /* reaped now, so the group's members alone answer below */
		app_reap(ap);
		ap->pgid_left = pgid;
	}
	return ap->pgid_left > 0 && kill(-ap->pgid_left, 0) == 0;
}

/* An app's timers on the loop cancelled, and its group told to go if it was not yet. */
static void app_stop_begin(struct runner *r, struct run_app *ap)
{
	if (r->loop) {
		if (ap->start_timer)
			emu_loop_timer_cancel(r->loop, ap->start_timer);
		if (ap->until_timer)
			emu_loop_timer_cancel(r->loop, ap->until_timer);
		if (ap->grace_timer)
			emu_loop_timer_cancel(r->loop, ap->grace_timer);
	}
	ap->start_timer = ap->until_timer = ap->grace_timer = 0;
	if (ap->pid > 0 && !ap->stopping) {
		ap->stopping = true;
		ap->term_ns = emu_loop_now_ns();
		kill(-ap->pid, SIGTERM);
	}
}

void run_apps_stop(struct runner *r)
{
	bool left;

	for (unsigned i = 0; i < r->n_apps; i++)
		app_stop_begin(r, &r->apps[i]);
	/*
	 * Each group has its grace from its SIGTERM (at its until, or just now) to go on its
	 * own; what is left of it then gets SIGKILL.
	 */
	do {
		uint64_t now = emu_loop_now_ns();

		left = false;
		for (unsigned i = 0; i < r->n_apps; i++) {
			struct run_app *ap = &r->apps[i];

			if (ap->end_killed || !app_left(r, ap))
				continue;
			if (now < ap->term_ns + RUN_APP_GRACE_NS) {
				left = true;
				continue;
			}
			kill(-(ap->pid > 0 ? ap->pid : ap->pgid_left), SIGKILL);
			ap->end_killed = true;
		}
		if (left)
			poll(NULL, 0, APP_POLL_MS);
	} while (left);
	for (unsigned i = 0; i < r->n_apps; i++) {
		struct run_app *ap = &r->apps[i];
		siginfo_t si = {0};

		/* Exited, or SIGKILLed just now: no wait to speak of. */
		if (ap->pid > 0 && waitid(P_PID, (id_t)ap->pid, &si, WEXITED) == 0)
			app_exited(r, ap, &si);
		ap->pid = ap->pgid_left = 0;
		if (ap->err_fd >= 0)
			on_app_err(r->loop, ap->err_fd, EPOLLIN, ap);
		app_unwatch(r, &ap->pidfd);
		app_unwatch(r, &ap->err_fd);
	}
}

void run_apps_free(struct runner *r)
{
	if (r->apps)
		run_apps_stop(r);
	free(r->apps);
	r->apps = NULL;
	r->n_apps = 0;
}

/* --- `edgemu up` and `edgemu down` --- */

int run_apps_detach(struct topo_net *net, FILE *out, struct topo_err *err)
{
	const struct topo_model *m = net->m;
	int rc = m->n_apps ? apps_dir(net->dir) : 0;

	if (rc < 0)
		return topo_err_set(err, rc, "making %s/apps: %s", net->dir, strerror(-rc));
	for (unsigned i = 0; i < m->n_apps; i++) {
		const struct topo_prog *a = &m->apps[i];
		struct app_spawn s = {.a = a,
				      .run = net->name,
				      .node = m->nodes[a->node].name,
				      .dir = net->dir,
				      .ns_fd = topo_net_node_ns(net, a->node),
				      .detach = true};
		char msg[TOPO_ERR_MAX], path[PATH_MAX + TOPO_APP_NAME_MAX + 16];
		ssize_t n;
		pid_t pid;
		FILE *f;

		rc = s.ns_fd < 0 ? s.ns_fd : app_spawn(&s, &pid);
		if (rc < 0)
			return topo_err_set(err, rc, "starting app %s: %s", a->name, strerror(-rc));
		/* EOF once it has exec'd; else why it could not. */
		while ((n = read(s.err_pipe, msg, sizeof(msg) - 1)) < 0 && errno == EINTR)
			;
		close(s.err_pipe);
		if (n > 0) {
			msg[n] = '\0';
			kill(-pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return topo_err_set(err, -EIO, "starting app %s: %s", a->name, msg);
		}
		/* For `edgemu down`: the session to stop. */
		snprintf(path, sizeof(path), "%s/apps/%s.pid", net->dir, a->name);
		f = fopen(path, "we");
		if (!f || fprintf(f, "%d\n", (int)pid) < 0 || fclose(f) != 0)
			return topo_err_set(err, -EIO, "writing %s: %s", path, strerror(errno));
		fprintf(out, "app %s in %s: pid %d: %s (output in %s/apps/%s.out, .err)\n", a->name,
			s.node, (int)pid, a->run, net->dir, a->name);
	}
	return (int)m->n_apps;
}

/* The sessions of run's apps that are still theirs: the pids in apps/<name>.pid. */
static size_t detached_read(const char *run, pid_t *ret, size_t max)
{
	char dir[PATH_MAX];
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), TOPO_RUN_ROOT "/%s/apps", run);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		size_t len = strlen(e->d_name);
		char path[PATH_MAX + 256];
		int pid = 0;
		FILE *f;

		if (len < 5 || strcmp(e->d_name + len - 4, ".pid"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
		/* A session leader of that pid: the app's (a pid reused is no session's). */
		if (pid > 1 && getsid(pid) == pid)
			ret[n++] = pid;
	}
	closedir(d);
	return n;
}

/* Their files with them: the run's folder goes next, and its teardown knows no apps/. */
static void apps_dir_remove(const char *run)
{
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), TOPO_RUN_ROOT "/%s/apps", run);
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(dir);
}

int run_apps_stop_detached(const char *run)
{
	uint64_t deadline = emu_loop_now_ns() + RUN_APP_GRACE_NS;
	pid_t pids[TOPO_APPS_MAX];
	size_t n = detached_read(run, pids, TOPO_APPS_MAX);
	bool left;

	for (size_t i = 0; i < n; i++)
		kill(-pids[i], SIGTERM);
	do {
		left = false;
		for (size_t i = 0; i < n; i++)
			left |= kill(-pids[i], 0) == 0;
		if (left)
			poll(NULL, 0, APP_POLL_MS);
	} while (left && emu_loop_now_ns() < deadline);
	for (size_t i = 0; i < n; i++)
		kill(-pids[i], SIGKILL);
	apps_dir_remove(run);
	return (int)n;
}
