/* SPDX-License-Identifier: MIT */
/*
 * Services of a run: instances (edgemu-echo or edgemu-svc daemons in their nodes) and eBPF
 * steering of each client's VIP traffic to one instance. The run folder's `instances` file
 * lists them ("service node pid" per line); the steering maps are pinned under
 * TOPO_BPF_ROOT/<run>, so `edgemu steer` in another process flips the same maps the programs
 * read.
 */
#include "migrate/migrate.h"
#include "migrate/mig_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "bpf/steer_api.h"
#include "emu/emu.h"
#include "migrate/process.h"
#include "util/clock.h"
#include "util/sig.h"

#define READY_TIMEOUT_MS 2000 /* for echo; svc adds 1 s per GiB of state it populates */

void mig_pin_dir(const struct topo_net *net, char *buf, size_t len)
{
	snprintf(buf, len, TOPO_BPF_ROOT "/%s", net->name);
}

bool mig_is_client(const struct topo_net *net, unsigned node)
{
	return net->m->nodes[node].kind == TOPO_UE;
}

/* The app binary: $EDGEMU_APPS, else beside this program's build tree or install, else PATH. */
void mig_app_path(const char *name, char *buf, size_t len)
{
	const char *dir = getenv("EDGEMU_APPS");
	char exe[PATH_MAX - 32], *slash;
	ssize_t n;

	if (dir && *dir) {
		snprintf(buf, len, "%s/%s", dir, name);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(buf, len, "%s/../apps/%s", exe, name);
			if (access(buf, X_OK) == 0)
				return;
			snprintf(buf, len, "%s/%s", exe, name);
			if (access(buf, X_OK) == 0)
				return;
		}
	}
	snprintf(buf, len, "%s", name);
}

int mig_spawn_with(struct topo_net *net, unsigned node, const char *log, char *const argv[],
		   const struct mig_spawn_opts *o, pid_t *ret_pid)
{
	int ns_fd = topo_net_node_ns(net, node);
	pid_t parent = getpid(), pid;

	if (ns_fd < 0)
		return ns_fd;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int out = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		char c;

		/*
		 * Nothing we start outlives us, even when we are killed: SIGTERM (which the apps
		 * end on cleanly) when we die. We may have died before the request: then the
		 * child was reparented already, and goes at once.
		 */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
			_exit(127);
		util_sig_unblock_all();
		if (o && o->gate >= 0) {
			/* The parent's are the only write ends left open: EOF is its word. */
			for (unsigned i = 0; i < o->n_close; i++)
				close(o->close_fds[i]);
			while (read(o->gate, &c, 1) < 0 && errno == EINTR)
				;
			if (getppid() != parent)
				_exit(127); /* EOF because we died, not because we said go */
		}
		if (o && o->nice && setpriority(PRIO_PROCESS, 0, o->nice) < 0)
			_exit(127);
		if (setns(ns_fd, CLONE_NEWNET) == 0 && out >= 0 && null >= 0) {
			dup2(null, 0);
			dup2(out, 1);
			dup2(out, 2);
			execv(argv[0], argv);
		}
		_exit(127);
	}
	*ret_pid = pid;
	return 0;
}

int mig_spawn(struct topo_net *net, unsigned node, const char *log, char *const argv[],
	      pid_t *ret_pid)
{
	return mig_spawn_with(net, node, log, argv, NULL, ret_pid);
}

long mig_instance_pid(const struct topo_net *net, unsigned svc, unsigned node)
{
	char path[PATH_MAX + 16], s[TOPO_NAME_MAX + 1], n[TOPO_NAME_MAX + 1];
	long pid, found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/instances", net->dir);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fscanf(f, "%31s %31s %ld", s, n, &pid) == 3)
		if (!strcmp(s, net->m->services[svc].name) && !strcmp(n, net->m->nodes[node].name))
			found = pid;
	fclose(f);
	/*
	 * A zombie has exited too: an instance whose runner died (edgemu migrate killed) is
	 * nobody's child, and whoever inherits it may be slow to reap it, or never do.
	 */
	if (found > 0 && mig_pid_gone((pid_t)found))
		found = 0;
	return found;
}

void mig_ctl_path(const struct topo_net *net, unsigned svc, unsigned node, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s@%s.ctl", net->dir, net->m->services[svc].name,
		 net->m->nodes[node].name);
}

/* "10%", "0.5%": edgemu-svc's --hot takes up to four decimals, a part per million. */
static void fmt_percent(uint32_t ppm, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%u.%04u", ppm / 10000, ppm % 10000);

	while (n > 0 && (size_t)n < len && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && (size_t)n < len && buf[n - 1] == '.')
		buf[--n] = '\0';
	snprintf(buf + n, len - (size_t)n, "%%");
}

/*
 * The instance's "ready" can take long for svc: it writes every page of its state before it
 * binds. 2 s, plus 1 s per GiB (rounded up) of state.
 */
static int ready_timeout_ms(const struct topo_service *s)
{
	uint64_t gib = 1ULL << 30;

	if (s->app != TOPO_APP_SVC)
		return READY_TIMEOUT_MS;
	return READY_TIMEOUT_MS + (int)((s->state_bytes + gib - 1) / gib) * 1000;
}

/* Drop service svc's instance on node from the instances file (rewritten, then renamed). */
static int instances_drop(const struct topo_net *net, unsigned svc, unsigned node)
{
	char path[PATH_MAX + 16], tmp[PATH_MAX + 16], line[256], s[TOPO_NAME_MAX + 1],
	    n[TOPO_NAME_MAX + 1];
	FILE *in, *out;
	long pid;
	int r = 0;

	snprintf(path, sizeof(path), "%s/instances", net->dir);
	snprintf(tmp, sizeof(tmp), "%s/instances.new", net->dir);
	in = fopen(path, "re");
	if (!in)
		return errno == ENOENT ? 0 : -errno;
	out = fopen(tmp, "we");
	if (!out) {
		r = -errno;
		fclose(in);
		return r;
	}
	while (fgets(line, sizeof(line), in))
		if (sscanf(line, "%31s %31s %ld", s, n, &pid) != 3 ||
		    strcmp(s, net->m->services[svc].name) || strcmp(n, net->m->nodes[node].name))
			fputs(line, out);
	fclose(in);
	if (fclose(out) != 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

/*
 * The argument vector of service svc's instance on node: its app with the usual options,
 * then extra. Strings live in b. NULL-terminated; 0 or -ENOMEM.
 */
struct spawn_args {
	char app[PATH_MAX], port[8], id[16], state[24], rate[24], hot[16], seed[24];
	char ctl[PATH_MAX + 2 * TOPO_NAME_MAX + 8];
	const char **argv;
};

static int spawn_args_build(const struct topo_net *net, unsigned svc, unsigned node,
			    const char *const extra[], struct spawn_args *ret)
{
	const struct topo_service *s = &net->m->services[svc];
	const struct topo_model *m = net->m;
	size_t n_extra = 0, i = 0;
	const char **v;

	while (extra && extra[n_extra])
		n_extra++;
	v = calloc(24 + n_extra, sizeof(*v));
	if (!v)
		return -ENOMEM;
	mig_app_path(s->app == TOPO_APP_SVC ? "edgemu-svc" : "edgemu-echo", ret->app,
		     sizeof(ret->app));
	snprintf(ret->port, sizeof(ret->port), "%u", s->port);
	snprintf(ret->id, sizeof(ret->id), "%.15s",
		 m->nodes[node].name); /* the wire's id: 16 bytes */
	v[i++] = ret->app;
	v[i++] = "--port";
	v[i++] = ret->port;
	v[i++] = "--id";
	v[i++] = ret->id;
	v[i++] = "--ready-fd";
	v[i++] = "3";
	if (s->app == TOPO_APP_SVC) {
		snprintf(ret->state, sizeof(ret->state), "%llu",
			 (unsigned long long)s->state_bytes);
		snprintf(ret->rate, sizeof(ret->rate), "%llu", (unsigned long long)s->dirty_rate);
		snprintf(ret->seed, sizeof(ret->seed), "%llu",
			 (unsigned long long)(m->has_seed ? m->seed : 1));
		v[i++] = "--state";
		v[i++] = ret->state;
		v[i++] = "--dirty-rate";
		v[i++] = ret->rate;
		v[i++] = "--pattern";
		v[i++] = topo_pattern_name(s->dirty_pattern);
		if (s->dirty_pattern == TOPO_PATTERN_HOTSET) {
			fmt_percent(s->hot_ppm, ret->hot, sizeof(ret->hot));
			v[i++] = "--hot";
			v[i++] = ret->hot;
		}
		v[i++] = "--seed";
		v[i++] = ret->seed;
		v[i++] = "--tcp";
		/* The migration agent's control socket. */
		mig_ctl_path(net, svc, node, ret->ctl, sizeof(ret->ctl));
		v[i++] = "--ctl";
		v[i++] = ret->ctl;
	}
	for (size_t k = 0; k < n_extra; k++)
		v[i++] = extra[k];
	v[i] = NULL;
	ret->argv = v;
	return 0;
}

bool mig_pid_gone(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	bool zombie = false;

	if (waitpid(pid, NULL, WNOHANG) == pid)
		return true;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	/* Not our child (`edgemu up` has returned): dead but not yet reaped by its parent. */
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "re");
	if (!f)
		return true;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) && p[1] == ' ')
		zombie = p[2] == 'Z' || p[2] == 'X';
	fclose(f);
	return zombie;
}

/* Whether pid runs in node's namespace: an instances line may outlive its process. */
static bool pid_in_node(struct topo_net *net, unsigned node, pid_t pid)
{
	char path[64];
	struct stat a, b;
	int fd = topo_net_node_ns(net, node);

	snprintf(path, sizeof(path), "/proc/%ld/ns/net", (long)pid);
	return fd >= 0 && fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/*
 * The forked child: a daemon in the node (its own session, default signals, stdio to its
 * log, the ready pipe as fd 3) that becomes the app; if it cannot, it writes its errno to
 * err_fd and exits.
 */
static _Noreturn void spawn_child(const struct spawn_args *b, int ns_fd, const char *log,
				  int err_fd, int ready_fd)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC), out, child_errno;

	/* A daemon in the node: its own session, default signals, stdio to its log. */
	util_sig_unblock_all();
	setsid();
	out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (setns(ns_fd, CLONE_NEWNET) == 0 && null >= 0 && out >= 0) {
		dup2(null, 0);
		dup2(out, 1);
		dup2(out, 2);
		dup2(ready_fd, 3); /* dup2 clears close-on-exec: the app keeps it */
		execv(b->app, (char *const *)b->argv);
	}
	child_errno = errno;
	if (write(err_fd, &child_errno, sizeof(child_errno)) < 0)
		_exit(126);
	_exit(127);
}

/*
 * Wait for the instance pid of svc on node to write "ready" on fd; 0, or -errno with err set
 * once the instance is killed and dropped from the instances file.
 */
static int wait_ready(struct topo_net *net, unsigned svc, unsigned node, pid_t pid, int fd,
		      const char *what, struct topo_err *err)
{
	int timeout_ms = ready_timeout_ms(&net->m->services[svc]), r;
	struct pollfd pl = {.fd = fd, .events = POLLIN};
	char ready[8], why[64];

	/* A signal (Ctrl-C during `up`) ends the wait too: the caller tears down. */
	r = poll(&pl, 1, timeout_ms);
	if (r < 0)
		r = -errno;
	else if (r == 0)
		r = -ETIMEDOUT;
	else if (read(fd, ready, sizeof(ready)) <= 0)
		r = -ECHILD; /* EOF: it exited */
	else
		return 0;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	instances_drop(net, svc, node);
	if (r == -ETIMEDOUT)
		snprintf(why, sizeof(why), "not ready within %.1f s", timeout_ms / 1000.0);
	else if (r == -ECHILD)
		snprintf(why, sizeof(why), "it exited");
	else
		snprintf(why, sizeof(why), "waiting for it: %s", strerror(-r));
	return topo_err_set(err, r, "%s on node %s did not start (%s); see %s/%s.log", what,
			    net->m->nodes[node].name, why, net->dir, what);
}

/* Service svc's instance on node, pid, in the instances file. */
static void instances_add(const struct topo_net *net, unsigned svc, unsigned node, pid_t pid)
{
	char path[PATH_MAX + 16];
	FILE *f;

	snprintf(path, sizeof(path), "%s/instances", net->dir);
	f = fopen(path, "ae");
	if (f) {
		fprintf(f, "%s %s %ld\n", net->m->services[svc].name, net->m->nodes[node].name,
			(long)pid);
		fclose(f);
	}
}

int mig_instance_adopt(struct topo_net *net, unsigned svc, unsigned node, pid_t pid)
{
	char what[2 * TOPO_NAME_MAX + 8];
	int r;

	snprintf(what, sizeof(what), "%s@%s", net->m->services[svc].name, net->m->nodes[node].name);
	r = topo_ledger_add(net, "instance", what);
	if (r < 0)
		return r;
	instances_add(net, svc, node, pid);
	return 0;
}

/* app: process: the user's program, ready once something in the node listens on its port. */
static int process_spawn(struct topo_net *net, unsigned svc, unsigned node, int ns_fd,
			 const char *const extra[], pid_t *ret_pid, struct topo_err *err)
{
	const struct topo_service *s = &net->m->services[svc];
	const char *nname = net->m->nodes[node].name;
	char log[PATH_MAX + 2 * TOPO_NAME_MAX + 16], what[2 * TOPO_NAME_MAX + 8];
	off_t log_from;
	pid_t pid;
	int r;

	snprintf(what, sizeof(what), "%s@%s", s->name, nname);
	/* The agents' options (a migration's) mean nothing to someone else's program. */
	if (extra && extra[0])
		return topo_err_set(err, -EINVAL,
				    "%s is app: process, which takes no options of "
				    "edgemu's",
				    what);
	snprintf(log, sizeof(log), "%s/%s.log", net->dir, what);
	r = topo_ledger_add(net, "instance", what);
	if (r < 0)
		return topo_err_set(err, r, "writing the ledger: %s", strerror(-r));
	r = mig_process_exec(net, svc, node, ns_fd, log, &pid, &log_from, err);
	if (r < 0)
		return r;
	instances_add(net, svc, node, pid);
	r = mig_process_ready(pid, s->port, what, nname, log, log_from, err);
	if (r < 0) {
		instances_drop(net, svc, node);
		return r;
	}
	if (ret_pid)
		*ret_pid = pid;
	return 0;
}

int mig_instance_spawn(struct topo_net *net, unsigned svc, unsigned node, const char *const extra[],
		       pid_t *ret_pid, struct topo_err *err)
{
	const struct topo_service *s = &net->m->services[svc];
	const char *nname = net->m->nodes[node].name;
	char log[PATH_MAX + 2 * TOPO_NAME_MAX + 16], what[2 * TOPO_NAME_MAX + 8];
	int ns_fd, pfd[2], rfd[2], child_errno = 0, r;
	struct spawn_args *b;
	pid_t pid;

	snprintf(what, sizeof(what), "%s@%s", s->name, nname);
	if (mig_instance_pid(net, svc, node) > 0)
		return topo_err_set(err, -EEXIST, "%s: an instance already runs on node %s", what,
				    nname);
	ns_fd = topo_net_node_ns(net, node);
	if (ns_fd < 0)
		return topo_err_set(err, ns_fd, "node %s: %s", nname, strerror(-ns_fd));
	if (s->app == TOPO_APP_PROCESS)
		return process_spawn(net, svc, node, ns_fd, extra, ret_pid, err);
	b = calloc(1, sizeof(*b));
	if (!b || spawn_args_build(net, svc, node, extra, b) < 0) {
		free(b);
		return topo_err_set(err, -ENOMEM, "starting %s: out of memory", what);
	}
	snprintf(log, sizeof(log), "%s/%s.log", net->dir, what);
	r = topo_ledger_add(net, "instance", what);
	if (r < 0) {
		topo_err_set(err, r, "writing the ledger: %s", strerror(-r));
		goto out;
	}
	/* pfd: the exec's failure, if any; rfd: the app's "ready" once its socket is bound. */
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		r = topo_err_set(err, -errno, "pipe: %s", strerror(errno));
		goto out;
	}
	if (pipe2(rfd, O_CLOEXEC) < 0) {
		r = topo_err_set(err, -errno, "pipe: %s", strerror(errno));
		goto out_pfd;
	}
	pid = fork();
	if (pid < 0) {
		r = topo_err_set(err, -errno, "starting %s: %s", what, strerror(errno));
		goto out_rfd;
	}
	if (pid == 0)
		spawn_child(b, ns_fd, log, pfd[1], rfd[1]);
	close(pfd[1]);
	pfd[1] = -1;
	close(rfd[1]);
	rfd[1] = -1;
	/* The pipe closes on a successful exec; otherwise the child says why it failed. */
	if (read(pfd[0], &child_errno, sizeof(child_errno)) == sizeof(child_errno)) {
		waitpid(pid, NULL, 0);
		r = topo_err_set(err, -child_errno, "starting %s (%s) on node %s: %s%s", what,
				 b->app, nname, strerror(child_errno),
				 child_errno == ENOENT ? " (set EDGEMU_APPS to the apps' folder)"
						       : "");
		goto out_rfd;
	}
	instances_add(net, svc, node, pid);
	r = wait_ready(net, svc, node, pid, rfd[0], what, err);
	if (r < 0)
		goto out_rfd;
	if (ret_pid)
		*ret_pid = pid;
out_rfd:
	close(rfd[0]);
	if (rfd[1] >= 0)
		close(rfd[1]);
out_pfd:
	close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
out:
	free(b->argv);
	free(b);
	return r;
}

int mig_instance_start(struct topo_net *net, unsigned svc, unsigned node, struct topo_err *err)
{
	if (mig_instance_pid(net, svc, node) > 0)
		return 0;
	return mig_instance_spawn(net, svc, node, NULL, NULL, err);
}

#define STOP_TIMEOUT_MS 2000

/* Polls until pid has exited, up to ms; true when it has. */
static bool wait_gone(pid_t pid, int ms)
{
	for (int t = 0; t < ms; t += 10) {
		if (mig_pid_gone(pid))
			return true;
		usleep(10000);
	}
	return mig_pid_gone(pid);
}

int mig_instance_stop(struct topo_net *net, unsigned svc, unsigned node, struct topo_err *err)
{
	long pid = mig_instance_pid(net, svc, node);
	char what[2 * TOPO_NAME_MAX + 8];
	int r;

	snprintf(what, sizeof(what), "%s@%s", net->m->services[svc].name, net->m->nodes[node].name);
	/* Only a process in the node: the pid of an instance long gone may be someone else's. */
	if (pid > 0 && pid_in_node(net, node, (pid_t)pid)) {
		/* Every instance leads its own group: what it started goes with it. */
		pid_t target = getpgid((pid_t)pid) == (pid_t)pid ? -(pid_t)pid : (pid_t)pid;

		if (kill(target, SIGTERM) < 0 && errno != ESRCH)
			return topo_err_set(err, -errno, "stopping %s (pid %ld): %s", what, pid,
					    strerror(errno));
		if (!wait_gone((pid_t)pid, STOP_TIMEOUT_MS)) {
			kill(target, SIGKILL);
			if (!wait_gone((pid_t)pid, STOP_TIMEOUT_MS))
				return topo_err_set(err, -EBUSY,
						    "%s (pid %ld) still runs after SIGKILL", what,
						    pid);
		}
		/* The rest of the group had the leader's grace to go on its own. */
		if (target < 0)
			kill(target, SIGKILL);
	}
	r = instances_drop(net, svc, node);
	if (r < 0)
		return topo_err_set(err, r, "removing %s from %s/instances: %s", what, net->dir,
				    strerror(-r));
	return 0;
}

/* Whether pid runs in node `node` of run `run` (by name: no model needed). */
static bool pid_in_run_node(const char *run, const char *node, pid_t pid)
{
	char ns[TOPO_RUN_MAX + TOPO_NAME_MAX + 8], path[64];
	struct stat a, b;
	int fd, r;

	topo_ns_name(ns, sizeof(ns), run, node);
	fd = emu_netns_open(ns);
	if (fd < 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/ns/net", (long)pid);
	r = fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino;
	close(fd);
	return r;
}

/* Whether pid's group is gone: the leader exited (reaped if ours), and no one else left. */
static bool group_gone(pid_t pid)
{
	return mig_pid_gone(pid) && kill(-pid, 0) < 0 && errno == ESRCH;
}

int mig_instances_stop_all(const char *run)
{
	char path[PATH_MAX], s[TOPO_NAME_MAX + 1], n[TOPO_NAME_MAX + 1];
	pid_t *pids = NULL;
	size_t count = 0, cap = 0;
	uint64_t deadline;
	bool left;
	long pid;
	FILE *f;

	snprintf(path, sizeof(path), TOPO_RUN_ROOT "/%s/instances", run);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fscanf(f, "%31s %31s %ld", s, n, &pid) == 3) {
		/* A line may outlive its process: only a group leader still in the node. */
		if (pid <= 1 || getpgid((pid_t)pid) != (pid_t)pid ||
		    !pid_in_run_node(run, n, (pid_t)pid))
			continue;
		if (count == cap) {
			pid_t *v = realloc(pids, (cap * 2 + 16) * sizeof(*v));

			if (!v)
				break;
			pids = v;
			cap = cap * 2 + 16;
		}
		pids[count++] = (pid_t)pid;
		kill(-(pid_t)pid, SIGTERM);
	}
	fclose(f);
	deadline = util_now_ns() + STOP_TIMEOUT_MS * 1000000ULL;
	do {
		left = false;
		for (size_t i = 0; i < count; i++)
			left |= !group_gone(pids[i]);
		if (left)
			usleep(10000);
	} while (left && util_now_ns() < deadline);
	for (size_t i = 0; i < count; i++)
		kill(-pids[i], SIGKILL);
	free(pids);
	return (int)count;
}

/* The link end of client c that its traffic leaves through first (its first link). */
static int client_link(const struct topo_net *net, unsigned c, unsigned *ret_link,
		       unsigned *ret_end)
{
	for (unsigned l = 0; l < net->m->n_links; l++)
		for (unsigned e = 0; e < 2; e++)
			if (net->m->links[l].end[e].node == c) {
				*ret_link = l;
				*ret_end = e;
				return 0;
			}
	return -ENOENT;
}

/*
 * Steering at the radio side of every cell: on each eNB's radio interface, where the frames
 * of all the UEs it serves come in (and their answers go out). Once per eNB, however many
 * UEs: every UE's entries are in the same maps.
 */
static int attach_cells(struct topo_net *net, struct steer *s, struct topo_err *err)
{
	const struct topo_model *m = net->m;

	for (unsigned c = 0; c < net->n_ran_cells && topo_net_has_ran(net); c++) {
		unsigned enb = net->ran_cell[c];
		int ns_fd = topo_net_node_ns(net, enb);
		int r = ns_fd < 0 ? ns_fd : steer_attach(s, ns_fd, net->ran_ifindex[enb]);

		if (r < 0)
			return topo_err_set(
			    err, r, "attaching steering on %s:%s (facing its cell's UEs): %s",
			    m->nodes[enb].name, TOPO_RAN_IFNAME, strerror(-r));
	}
	return 0;
}

/*
 * Steering at the access side of client c: on its neighbour's interface facing it, for
 * every wired link of c (a radio UE's cells: attach_cells()); and, for a wired client, a
 * route to each VIP through its first link (a radio UE's default route out of its radio
 * interface covers them).
 */
static int attach_client(struct topo_net *net, struct steer *s, unsigned c, struct topo_err *err)
{
	const struct topo_model *m = net->m;
	unsigned first_l, first_e;
	struct emu_nl *nl;
	int r;

	for (unsigned l = 0; l < m->n_links; l++) {
		for (unsigned e = 0; e < 2; e++) {
			const struct topo_if *peer = &m->links[l].end[!e];
			int ns_fd;

			if (m->links[l].end[e].node != c)
				continue;
			ns_fd = topo_net_node_ns(net, peer->node);
			r = ns_fd < 0 ? ns_fd : steer_attach(s, ns_fd, net->ifindex[2 * l + !e]);
			if (r < 0)
				return topo_err_set(err, r,
						    "attaching steering on %s:%s (facing %s): %s",
						    m->nodes[peer->node].name, peer->ifname,
						    m->nodes[c].name, strerror(-r));
		}
	}
	if (topo_ue_is_radio(m, c) || client_link(net, c, &first_l, &first_e) < 0)
		return 0; /* a client without links reaches nothing anyway */
	r = topo_net_node_nl(net, c, &nl);
	for (unsigned i = 0; r == 0 && i < m->n_services; i++) {
		const struct topo_link *k = &m->links[first_l];

		r = emu_nl_queue(nl,
				 emu_msg_route_add(emu_nl_slot(nl), htonl(m->services[i].vip), 32,
						   htonl(k->end[!first_e].addr),
						   net->ifindex[2 * first_l + first_e]),
				 i);
	}
	if (r == 0)
		r = emu_nl_flush(nl);
	if (r < 0)
		return topo_err_set(err, r, "routing the VIPs from %s: %s%s%s%s", m->nodes[c].name,
				    strerror(-r), nl && nl->ext[0] ? " (" : "",
				    nl && nl->ext[0] ? nl->ext : "", nl && nl->ext[0] ? ")" : "");
	return 0;
}

/*
 * Steer client c's traffic for vip to inst from every address c has: a radio UE's one
 * address (the source of all it sends, whatever its cell), and one per wired link. Host
 * byte order in.
 */
static int flip_client(struct steer *s, const struct topo_model *m, unsigned c, uint32_t vip,
		       uint16_t port, uint32_t inst)
{
	if (m->nodes[c].ue_addr) {
		int r = steer_flip_port(s, htonl(m->nodes[c].ue_addr), htonl(vip), htons(port),
					htonl(inst));

		if (r < 0)
			return r;
	}
	for (unsigned l = 0; l < m->n_links; l++)
		for (unsigned e = 0; e < 2; e++) {
			const struct topo_if *x = &m->links[l].end[e];
			int r;

			if (x->node != c || !x->addr)
				continue;
			/* By port: a client may reach two services on one node. */
			r = steer_flip_port(s, htonl(x->addr), htonl(vip), htons(port),
					    htonl(inst));
			if (r < 0)
				return r;
		}
	return 0;
}

static int open_steer(struct topo_net *net, struct steer **ret, struct topo_err *err)
{
	char pin[PATH_MAX];
	int r;

	mig_pin_dir(net, pin, sizeof(pin));
	r = steer_open(pin, ret);
	if (r < 0)
		return topo_err_set(err, r, "loading the steering programs (pinned in %s): %s", pin,
				    strerror(-r));
	return 0;
}

/*
 * --- the route strategy: the VIP on the instance nodes, routes rewritten on a flip ---
 *
 * The VIP goes on the node's loopback, as anycast setups do, rather than on a dummy
 * interface: some kernels (this project's CI machine's) have no dummy driver, and lo is
 * always there and up.
 */
#define VIP_IFINDEX 1 /* lo */

/* One request on node's socket, waited for; -EEXIST accepted when ok_exist. */
static int node_request(struct topo_net *net, unsigned node,
			struct nlmsghdr *(*build)(void *buf, void *arg), void *arg, bool ok_exist)
{
	struct emu_nl *nl;
	int r = topo_net_node_nl(net, node, &nl);

	if (r == 0)
		r = emu_nl_queue(nl, build(emu_nl_slot(nl), arg), 0);
	if (r == 0)
		r = emu_nl_flush(nl);
	return r == -EEXIST && ok_exist ? 0 : r;
}

static struct nlmsghdr *build_vip(void *buf, void *arg)
{
	return emu_msg_addr_add(buf, VIP_IFINDEX, htonl(*(uint32_t *)arg), 32);
}

/* The instance's node answers for the VIP itself. */
int mig_vip_local(struct topo_net *net, unsigned svc, unsigned node, struct topo_err *err)
{
	uint32_t vip = net->m->services[svc].vip;
	int r = node_request(net, node, build_vip, &vip, true);

	if (r < 0)
		return topo_err_set(err, r, "putting the VIP of %s on node %s: %s",
				    net->m->services[svc].name, net->m->nodes[node].name,
				    strerror(-r));
	return 0;
}

/*
 * The first hop from node x toward node t: t's address on a link they share, else the
 * planned route (longest prefix) toward t's address.
 */
static int next_hop(const struct topo_net *net, unsigned x, unsigned t, uint32_t *ret_via,
		    int *ret_oif)
{
	const struct topo_model *m = net->m;
	uint32_t dst = topo_node_addr(m, t);
	int best = -1;

	for (unsigned l = 0; l < m->n_links; l++)
		for (unsigned e = 0; e < 2; e++)
			if (m->links[l].end[e].node == x && m->links[l].end[!e].node == t) {
				*ret_via = m->links[l].end[!e].addr;
				*ret_oif = net->ifindex[2 * l + e];
				return 0;
			}
	for (size_t k = 0; k < net->routes.n; k++) {
		const struct topo_route *rt = &net->routes.v[k];
		uint32_t mask = topo_mask(rt->plen);

		if (rt->node == x && (dst & mask) == rt->dst &&
		    (best < 0 || rt->plen > net->routes.v[best].plen))
			best = (int)k;
	}
	if (best < 0)
		return -ENETUNREACH;
	*ret_via = net->routes.v[best].via;
	*ret_oif = net->ifindex[2 * net->routes.v[best].link + net->routes.v[best].end];
	return 0;
}

/* Every other node's route to the VIP points toward node t: the route strategy's flip. */
static int routes_toward(struct topo_net *net, unsigned svc, unsigned t, struct topo_err *err)
{
	const struct topo_model *m = net->m;
	int r = 0;

	for (unsigned x = 0; r == 0 && x < m->n_nodes; x++) {
		struct emu_nl *nl;
		uint32_t via;
		int oif;

		if (x == t || !topo_node_addr(m, x) || next_hop(net, x, t, &via, &oif) < 0)
			continue;
		r = topo_net_node_nl(net, x, &nl);
		if (r == 0)
			r = emu_nl_queue(nl,
					 emu_msg_route_replace(emu_nl_slot(nl),
							       htonl(m->services[svc].vip), 32,
							       htonl(via), oif),
					 x);
	}
	/* All requests out first, then the acks: the routes change as close together as can be. */
	for (unsigned x = 0; r == 0 && x < m->n_nodes; x++)
		if (net->nodes[x].nl)
			r = emu_nl_flush(net->nodes[x].nl);
	if (r < 0)
		return topo_err_set(err, r, "routing the VIP of %s toward %s: %s",
				    m->services[svc].name, m->nodes[t].name, strerror(-r));
	return 0;
}

/* The route strategy is global: the node each service's VIP routes to, kept in the run. */
static int route_target_save(struct topo_net *net, unsigned svc, unsigned node)
{
	char path[PATH_MAX + 16];
	FILE *f;

	snprintf(path, sizeof(path), "%s/route-steering", net->dir);
	f = fopen(path, "ae");
	if (!f)
		return -errno;
	fprintf(f, "%s %s\n", net->m->services[svc].name, net->m->nodes[node].name);
	fclose(f);
	return 0;
}

static int route_target(const struct topo_net *net, unsigned svc, unsigned *ret)
{
	char path[PATH_MAX + 16], s[TOPO_NAME_MAX + 1], n[TOPO_NAME_MAX + 1];
	int found = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/route-steering", net->dir);
	f = fopen(path, "re");
	if (!f)
		return -ENOENT;
	while (fscanf(f, "%31s %31s", s, n) == 2)
		if (!strcmp(s, net->m->services[svc].name))
			found = topo_node_find(net->m, n);
	fclose(f);
	if (found < 0)
		return -ENOENT;
	*ret = (unsigned)found;
	return 0;
}

static int services_start_route(struct topo_net *net, struct topo_err *err)
{
	const struct topo_model *m = net->m;
	int r;

	for (unsigned i = 0; i < m->n_services; i++) {
		for (unsigned k = 0; k < m->services[i].n_at; k++) {
			r = mig_vip_local(net, i, m->services[i].at[k], err);
			if (r < 0)
				return r;
		}
		r = routes_toward(net, i, m->services[i].at[0], err);
		if (r < 0)
			return r;
		r = route_target_save(net, i, m->services[i].at[0]);
		if (r < 0)
			return topo_err_set(err, r, "recording where %s's VIP routes to: %s",
					    m->services[i].name, strerror(-r));
	}
	return 0;
}

int mig_services_start(struct topo_net *net, struct topo_err *err)
{
	const struct topo_model *m = net->m;
	struct steer *s = NULL;
	char pin[PATH_MAX];
	int r = 0;

	if (!m->n_services)
		return 0;
	for (unsigned i = 0; i < m->n_services; i++)
		for (unsigned k = 0; k < m->services[i].n_at; k++) {
			r = mig_instance_start(net, i, m->services[i].at[k], err);
			if (r < 0)
				return r;
		}
	if (m->migration.steering == TOPO_STEER_ROUTE)
		return services_start_route(net, err);
	mig_pin_dir(net, pin, sizeof(pin));
	r = topo_ledger_add(net, "bpf", pin);
	if (r < 0)
		return topo_err_set(err, r, "writing the ledger: %s", strerror(-r));
	r = open_steer(net, &s, err);
	if (r < 0)
		return r;
	r = attach_cells(net, s, err);
	for (unsigned c = 0; r == 0 && c < m->n_nodes; c++) {
		if (!mig_is_client(net, c))
			continue;
		r = attach_client(net, s, c, err);
		for (unsigned i = 0; r == 0 && i < m->n_services; i++) {
			uint32_t inst = topo_node_addr(m, m->services[i].at[0]);

			r = flip_client(s, m, c, m->services[i].vip, m->services[i].port, inst);
			if (r < 0)
				topo_err_set(err, r, "steering %s to %s: %s", m->nodes[c].name,
					     m->services[i].name, strerror(-r));
		}
	}
	steer_close(s);
	return r;
}

int mig_steer(struct topo_net *net, unsigned svc, unsigned client, unsigned node,
	      struct mig_flip_time *ret, struct topo_err *err)
{
	return mig_steer_with(net, NULL, svc, client, node, ret, err);
}

int mig_steer_open(struct topo_net *net, struct steer **ret, struct topo_err *err)
{
	*ret = NULL;
	if (net->m->migration.steering == TOPO_STEER_ROUTE)
		return 0;
	return open_steer(net, ret, err);
}

int mig_steer_with(struct topo_net *net, struct steer *held, unsigned svc, unsigned client,
		   unsigned node, struct mig_flip_time *ret, struct topo_err *err)
{
	const struct topo_model *m = net->m;
	struct steer *s = held;
	uint64_t t0;
	int r;

	if (!mig_is_client(net, client))
		return topo_err_set(err, -EINVAL, "node %s is not a client (clients are UEs)",
				    m->nodes[client].name);
	if (!topo_node_addr(m, node))
		return topo_err_set(err, -EINVAL, "node %s has no address (no links)",
				    m->nodes[node].name);
	r = mig_instance_start(net, svc, node, err);
	if (r < 0)
		return r;
	if (m->migration.steering == TOPO_STEER_ROUTE) {
		/* Global: every client follows the VIP's routes. */
		r = mig_vip_local(net, svc, node, err);
		if (r < 0)
			return r;
		t0 = util_now_ns();
		r = routes_toward(net, svc, node, err);
		if (ret)
			*ret = (struct mig_flip_time){t0, util_now_ns()};
		if (r == 0 && (r = route_target_save(net, svc, node)) < 0)
			topo_err_set(err, r, "recording where %s's VIP routes to: %s",
				     m->services[svc].name, strerror(-r));
		return r;
	}
	if (!held) {
		r = open_steer(net, &s, err);
		if (r < 0)
			return r;
	}
	t0 = util_now_ns();
	r = flip_client(s, m, client, m->services[svc].vip, m->services[svc].port,
			topo_node_addr(m, node));
	if (ret)
		*ret = (struct mig_flip_time){t0, util_now_ns()};
	if (!held)
		steer_close(s);
	if (r < 0)
		return topo_err_set(err, r, "flipping %s of %s to %s: %s", m->nodes[client].name,
				    m->services[svc].name, m->nodes[node].name, strerror(-r));
	return 0;
}

int mig_steer_lookup(struct topo_net *net, unsigned svc, unsigned client, unsigned *ret_node)
{
	const struct topo_model *m = net->m;
	struct steer *s;
	char pin[PATH_MAX];
	uint32_t inst;
	int r;

	if (m->migration.steering == TOPO_STEER_ROUTE)
		return route_target(net, svc, ret_node);
	/* Reading only: a run without pins (dead, or not steered yet) must not get new ones. */
	mig_pin_dir(net, pin, sizeof(pin));
	r = steer_open_pinned(pin, &s);
	if (r < 0)
		return r;
	r = steer_lookup(s, htonl(topo_node_addr(m, client)), htonl(m->services[svc].vip), &inst);
	steer_close(s);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < m->n_nodes; i++)
		if (htonl(topo_node_addr(m, i)) == inst) {
			*ret_node = i;
			return 0;
		}
	return -ENOENT;
}
