/* SPDX-License-Identifier: MIT */
/*
 * The migration of an app: process service by CRIU: the user's program, frozen and dumped in
 * its node, its pages sent across the emulated network to a CRIU page server in the
 * destination node, restored there (migrate/mig_int.h). The same phases, events and report as
 * edgemu-svc's agents give (migration.c):
 *
 *   cold       page server at the destination; `criu dump --leave-stopped` of the source
 *              into it (the freeze is the dump's start); the other images copied; `criu
 *              restore` in the destination node (its resume); flip; the source killed.
 *   pre-copy   rounds of `criu pre-dump --track-mem`, each into a page server of its own
 *              whose folder's parent is the round before, so that a round sends what the
 *              program wrote since (the stop rule is migration: precopy:'s); then the
 *              final dump, of what is dirty, as cold's.
 *   post-copy  `criu dump --lazy-pages` at the source: the program frozen, every image but
 *              the pages written, and the dump serves the pages; `criu lazy-pages` at the
 *              destination pulls them as the restored program touches them; `criu restore
 *              --lazy-pages` resumes it at once (its resume), and the job ends when every
 *              page has come (both criu processes end).
 *
 * Each program is the init of a pid namespace of its own (migrate/process.c), so that the
 * restored copy can exist while the source does, stopped: until the destination has resumed
 * the source is the service, and any failure ends with SIGCONT to it (rolled back). Every
 * criu runs in a session of its own (Ctrl-C at the terminal does not reach it), with a
 * deadline, and is killed at a failure; a guard process settles the migration should edgemu
 * die in the middle (guard_run()).
 */
#include "migrate/criu.h"
#include "migrate/criu_img.h"
#include "migrate/mig_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/file.h"
#include "util/sig.h"

#define MS 1000000ULL
#define CM_RESTORE_MS 30000 /* criu restore, from local files */
#define CM_SETTLE_MS 10000  /* a criu told to give up, to end by itself */
#define CM_LOG_MAX 65536    /* of a criu log read for its reason */

enum cm_role {
	CM_STEP,   /* pre-dump, dump, restore: one at a time */
	CM_DAEMON, /* at the destination: the page server, or lazy-pages */
	CM_SERVER, /* post-copy: the lazy dump at the source, serving pages */
	CM_ROLES
};

enum cm_state {
	CM_ROUND_PS, /* a pre-copy round's page server starting */
	CM_ROUND,    /* a pre-dump round */
	CM_DUMP_PS,  /* the final dump's page server starting */
	CM_DUMP,     /* the final dump: the source frozen */
	CM_LAZY,     /* post-copy: the lazy dump writing its images */
	CM_LAZY_D,   /* post-copy: lazy-pages starting at the destination */
	CM_RESTORE,  /* criu restore at the destination */
	CM_PULL,     /* post-copy: resumed, pages still coming */
	CM_DONE,
	CM_FAILED
};

struct cm_proc {
	pid_t pid; /* 0: none */
	int pidfd, status_fd;
	bool ready, exited;
	int status; /* its wait status, once exited */
	uint64_t start_ns, end_ns;
	uint64_t io, io_ns;	 /* bytes into its node, and when that last grew */
	char what[32];		 /* "page server", "dump", ... */
	char log[PATH_MAX + 64]; /* criu's own log (-o) */
	char out[PATH_MAX + 64]; /* its stdout and stderr */
};

struct criu_mig {
	enum cm_state st;
	int ep;			   /* an epoll of every pidfd and status fd: the job's one fd */
	struct mig_criu_argv argv; /* of the last criu started */
	struct cm_proc p[CM_ROLES];
	char dir[2048]; /* criu's logs: <results or run dir>/criu/<service>-<n> */
	char img[2048]; /* <run dir>/criu/<service>-<n>: s/ and d/ the images */
	char criu[256];
	pid_t src, dst;	  /* the instances: their pid namespaces' inits */
	unsigned round;	  /* folders used: s/1..s/round, d/1..d/round */
	char from_ip[16]; /* where the lazy dump listens (post-copy) */
	uint16_t port;	  /* of this round's page server */
	bool src_stopped; /* the source is left stopped by a dump */
	uint64_t deadline_ns;
	char why[256]; /* the failure */
	int guard;     /* the pipe to the guard (guard_run()) */
	pid_t guard_pid;
};

/* ---- criu processes ---- */

struct cm_child {
	const char *run, *node, *dir, *criu, *out;
	char *const *argv;
	pid_t ns_of; /* > 0: enter this process's network and mount namespaces; else node's */
	int ns_fd, status_w;
};

/* In the child: why it could not become criu, as the first line of its output, then its end. */
__attribute__((format(printf, 2, 3), noreturn)) static void child_fail(int out, const char *fmt,
								       ...)
{
	va_list ap;

	dprintf(out, "edgemu: ");
	va_start(ap, fmt);
	vdprintf(out, fmt, ap);
	va_end(ap);
	dprintf(out, "\n");
	_exit(126);
}

static _Noreturn void cm_child(const struct cm_child *c)
{
	static const int dfl[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD};
	struct topo_err err;
	int null, out;

	/* A session of its own: Ctrl-C at edgemu's terminal is edgemu's to handle. */
	setsid();
	for (size_t i = 0; i < sizeof(dfl) / sizeof(dfl[0]); i++)
		signal(dfl[i], SIG_DFL);
	util_sig_unblock_all();
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	out = open(c->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (null < 0 || out < 0)
		_exit(126);
	if (c->ns_of > 0) {
		/*
		 * The program's own network and mount namespaces: criu then dumps neither (it
		 * dumps the namespaces that differ from its own), only the pid namespace.
		 */
		char path[64];
		int net, mnt, root;

		snprintf(path, sizeof(path), "/proc/%ld/ns/net", (long)c->ns_of);
		net = open(path, O_RDONLY | O_CLOEXEC);
		snprintf(path, sizeof(path), "/proc/%ld/ns/mnt", (long)c->ns_of);
		mnt = open(path, O_RDONLY | O_CLOEXEC);
		snprintf(path, sizeof(path), "/proc/%ld/root", (long)c->ns_of);
		root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		/*
		 * Entering a mount namespace moves us to its root: back to the program's own
		 * (it may be chrooted, as everything in the test VM is), as nsenter --root does.
		 */
		if (net < 0 || mnt < 0 || root < 0 || setns(net, CLONE_NEWNET) < 0 ||
		    setns(mnt, CLONE_NEWNS) < 0 || fchdir(root) < 0 || chroot(".") < 0)
			child_fail(out, "entering the namespaces of process %ld: %s",
				   (long)c->ns_of, strerror(errno));
	} else if (topo_node_enter(c->run, c->node, c->ns_fd, &err) < 0) {
		child_fail(out, "%s", err.msg);
	}
	if (chdir(c->dir) < 0)
		child_fail(out, "%s: %s", c->dir, strerror(errno));
	if (dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0 ||
	    (c->status_w >= 0 && dup2(c->status_w, 3) < 0))
		child_fail(out, "its stdio: %s", strerror(errno));
	execv(c->criu, c->argv);
	child_fail(out, "executing %s: %s", c->criu, strerror(errno));
}

static void guard_say(struct criu_mig *c, const char *fmt, long arg);

/*
 * Starts criu with args (NULL-terminated, after the program) as role's process, in the
 * source program's namespaces (ns_of > 0) or in node `node`: its log in c->dir/<log>.log,
 * its output in <log>.out; with --status-fd 3 when status (it says when it is ready).
 */
static int cm_spawn(struct mig_job *j, enum cm_role role, const char *what, const char *log,
		    pid_t ns_of, unsigned node, bool status, const char *const args[],
		    struct topo_err *err)
{
	struct criu_mig *c = j->cm;
	struct cm_proc *p = &c->p[role];
	char *argv[40];
	struct cm_child ch = {.run = j->net->name,
			      .node = j->net->m->nodes[node].name,
			      .dir = c->img,
			      .criu = c->criu,
			      .out = p->out,
			      .argv = argv,
			      .ns_of = ns_of,
			      .ns_fd = ns_of > 0 ? -1 : topo_net_node_ns(j->net, node),
			      .status_w = -1};
	int sp[2] = {-1, -1}, n = 0, r;
	pid_t pid;

	*p = (struct cm_proc){.pidfd = -1, .status_fd = -1};
	snprintf(p->what, sizeof(p->what), "%s", what);
	snprintf(p->log, sizeof(p->log), "%s/%s.log", c->dir, log);
	snprintf(p->out, sizeof(p->out), "%s/%s.out", c->dir, log);
	argv[n++] = c->criu;
	while (*args && n < 32)
		argv[n++] = (char *)*args++;
	argv[n++] = "-o";
	argv[n++] = p->log;
	if (status) {
		argv[n++] = "--status-fd";
		argv[n++] = "3";
		if (pipe2(sp, O_CLOEXEC | O_NONBLOCK) < 0)
			return topo_err_set(err, -errno, "pipe: %s", strerror(errno));
		ch.status_w = sp[1];
	}
	argv[n] = NULL;
	pid = fork();
	if (pid == 0)
		cm_child(&ch);
	r = pid < 0 ? -errno : 0;
	if (sp[1] >= 0)
		close(sp[1]);
	if (r < 0) {
		if (sp[0] >= 0)
			close(sp[0]);
		return topo_err_set(err, r, "starting criu (%s): %s", what, strerror(-r));
	}
	p->pid = pid;
	p->start_ns = p->io_ns = util_now_ns();
	p->status_fd = sp[0];
	p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (p->pidfd >= 0)
		epoll_ctl(c->ep, EPOLL_CTL_ADD, p->pidfd,
			  &(struct epoll_event){.events = EPOLLIN, .data.fd = p->pidfd});
	if (p->status_fd >= 0)
		epoll_ctl(c->ep, EPOLL_CTL_ADD, p->status_fd,
			  &(struct epoll_event){.events = EPOLLIN, .data.fd = p->status_fd});
	/* A dump is let end by itself (guard_run() says why); the rest may be killed. */
	guard_say(c, role == CM_DAEMON || !strcmp(what, "restore") ? "kill" : "wait", (long)pid);
	return 0;
}

static void fd_drop(struct criu_mig *c, int *fd)
{
	if (*fd < 0)
		return;
	epoll_ctl(c->ep, EPOLL_CTL_DEL, *fd, NULL);
	close(*fd);
	*fd = -1;
}

/* What role's process has said (ready) or done (exited) since the last look. */
static void cm_look(struct criu_mig *c, struct cm_proc *p, uint64_t now)
{
	char b[8];
	ssize_t n;
	int st;

	if (!p->pid || p->exited)
		return;
	if (p->status_fd >= 0) {
		n = read(p->status_fd, b, sizeof(b));
		if (n > 0)
			p->ready = true;
		if (n >= 0 || (errno != EAGAIN && errno != EINTR))
			fd_drop(c, &p->status_fd); /* criu writes once, then closes */
	}
	if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
		p->exited = true;
		p->status = st;
		p->end_ns = now;
		fd_drop(c, &p->status_fd);
		fd_drop(c, &p->pidfd);
	}
}

/* Whether role's process ended well. */
static bool cm_ok(const struct cm_proc *p)
{
	return p->exited && WIFEXITED(p->status) && WEXITSTATUS(p->status) == 0;
}

/*
 * Progress of a receiving process at the destination: the bytes its node's interfaces have
 * received (/proc/PID/net/dev is its network namespace's). A page server splices what it
 * gets, which no per-process counter sees; a cut link stops the interfaces' counters. True
 * while they grew within ms.
 */
static bool cm_moving(struct cm_proc *p, uint64_t now, uint64_t ms)
{
	char path[64], line[512];
	uint64_t io = 0;
	FILE *f;

	if (!p->pid || p->exited)
		return true;
	snprintf(path, sizeof(path), "/proc/%ld/net/dev", (long)p->pid);
	f = fopen(path, "re");
	if (!f)
		return true;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		/* "  eth0: RXBYTES RXPACKETS ..."; the two header lines have no colon. */
		if (colon && strncmp(line + strspn(line, " "), "lo:", 3))
			io += strtoull(colon + 1, NULL, 10);
	}
	fclose(f);
	if (io != p->io) {
		p->io = io;
		p->io_ns = now;
	}
	return now < p->io_ns + ms * MS;
}

/* Kills role's process group (criu and its helpers) and reaps it. */
static void cm_kill(struct criu_mig *c, struct cm_proc *p)
{
	if (!p->pid || p->exited)
		return;
	kill(-p->pid, SIGKILL);
	kill(p->pid, SIGKILL);
	if (waitpid(p->pid, &p->status, 0) == p->pid)
		p->exited = true;
	p->end_ns = util_now_ns();
	fd_drop(c, &p->status_fd);
	fd_drop(c, &p->pidfd);
}

/* Waits up to ms for role's process to end by itself; false if it did not. */
static bool cm_wait(struct criu_mig *c, struct cm_proc *p, unsigned ms)
{
	uint64_t until = util_now_ns() + ms * MS;

	while (p->pid && !p->exited && util_now_ns() < until) {
		cm_look(c, p, util_now_ns());
		if (!p->exited)
			poll(NULL, 0, 5);
	}
	return !p->pid || p->exited;
}

/* The first line of a file into buf ("" if none). */
static void first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* Why role's process failed: criu's first error line in its log, else how it ended. */
static void cm_reason(const struct cm_proc *p, char *buf, size_t len)
{
	/* Killed (by a test, the OOM killer, a user): its log stops short of saying why. */
	if (p->exited && WIFSIGNALED(p->status)) {
		snprintf(buf, len, "killed by SIG%s",
			 sigabbrev_np(WTERMSIG(p->status)) ? sigabbrev_np(WTERMSIG(p->status))
							   : "?");
		return;
	}
	char *text = calloc(1, CM_LOG_MAX + 1);
	int fd = open(p->log, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 && text ? read(fd, text, CM_LOG_MAX) : -1;

	if (fd >= 0)
		close(fd);
	buf[0] = '\0';
	if (n > 0) {
		text[n] = '\0';
		mig_criu_reason(text, buf, len);
	}
	free(text);
	if (buf[0])
		return;
	/* Nothing in its log: it may not have become criu at all (cm_child() says why). */
	first_line(p->out, buf, len);
	if (buf[0])
		return;
	if (p->exited && WIFSIGNALED(p->status))
		snprintf(buf, len, "killed by SIG%s",
			 sigabbrev_np(WTERMSIG(p->status)) ? sigabbrev_np(WTERMSIG(p->status))
							   : "?");
	else if (p->exited)
		snprintf(buf, len, "exit status %d (see %.100s)", WEXITSTATUS(p->status), p->log);
	else
		snprintf(buf, len, "see %.120s", p->log);
}

/* ---- images ---- */

/* c->img/<side>/<k> ("s": the source's, "d": the destination's), made. */
static int cm_folder(const struct criu_mig *c, char side, unsigned k, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%c", c->img, side);
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	snprintf(buf, len, "%s/%c/%u", c->img, side, k);
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* One file copied; 0 or -errno. */
static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, r = 0;
	ssize_t n;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		r = -errno;
		close(in);
		return r;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			r = -EIO;
			break;
		}
	if (n < 0)
		r = -errno;
	close(in);
	if (close(out) < 0 && !r)
		r = -errno;
	return r;
}

/*
 * The images a dump wrote at the source (all but the pages, which went to the page server
 * or stay with the lazy dump) copied to the destination's folder of round k: on one host a
 * copy is their move. What the page server wrote (pagemap, pages) and the parent link stay.
 */
static int cm_copy_images(struct criu_mig *c, unsigned k, struct topo_err *err)
{
	char from[PATH_MAX], to[PATH_MAX], a[PATH_MAX + 256], b[PATH_MAX + 256];
	struct dirent *e;
	struct stat st;
	DIR *d;
	int r = 0;

	if (cm_folder(c, 's', k, from, sizeof(from)) < 0 ||
	    cm_folder(c, 'd', k, to, sizeof(to)) < 0)
		return topo_err_set(err, -errno, "%s: %s", c->img, strerror(errno));
	d = opendir(from);
	if (!d)
		return topo_err_set(err, -errno, "%s: %s", from, strerror(errno));
	while (r == 0 && (e = readdir(d))) {
		snprintf(a, sizeof(a), "%s/%s", from, e->d_name);
		snprintf(b, sizeof(b), "%s/%s", to, e->d_name);
		if (lstat(a, &st) < 0 || !S_ISREG(st.st_mode) || access(b, F_OK) == 0)
			continue;
		r = copy_file(a, b);
		if (r < 0)
			topo_err_set(err, r, "copying %s to %s: %s", a, to, strerror(-r));
	}
	closedir(d);
	return r;
}

/* The bytes of pages a folder holds (pages-*.img): what crossed the link to it; 0 if none. */
static uint64_t cm_pages_bytes(const char *dir)
{
	uint64_t bytes = 0;

	return mig_criu_pages_bytes(dir, &bytes) == 0 ? bytes : 0;
}

/* How long a dump or pre-dump of round k held the program frozen (its stats-dump), in us. */
static uint32_t cm_frozen_us(const struct criu_mig *c, unsigned k)
{
	struct mig_criu_stats st;
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/s/%u", c->img, k);
	return mig_criu_stats_read(dir, &st) == 0 ? st.frozen_time_us : 0;
}

uint64_t mig_criu_lazy_pages(const char *log)
{
	uint64_t sum = 0;

	/* "(12.669895) pr2-2 Read 7f81919fb000 2 pages": a fault's or the background's. */
	for (const char *l = log; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		unsigned long long n;
		char addr[24], word[8];

		if (sscanf(l, "(%*f) %*s Read %23[0-9a-f] %llu %7s", addr, &n, word) == 3 &&
		    !strcmp(word, "pages"))
			sum += n;
	}
	return sum;
}

/* Post-copy's pages: what lazy-pages pulled (its log) and what came with the images. */
static void lazy_count(struct mig_job *j)
{
	struct criu_mig *c = j->cm;
	struct mig_report *r = j->rep;
	char *text = calloc(1, (size_t)CM_LOG_MAX * 64 + 1), dir[PATH_MAX];
	int fd = open(c->p[CM_DAEMON].log, O_RDONLY | O_CLOEXEC);
	ssize_t n = 0, k;
	uint64_t bytes;

	while (fd >= 0 && text && (k = read(fd, text + n, (size_t)CM_LOG_MAX * 64 - (size_t)n)) > 0)
		n += k;
	if (fd >= 0)
		close(fd);
	snprintf(dir, sizeof(dir), "%s/d/1", c->img);
	bytes = cm_pages_bytes(dir);
	r->pages = mig_criu_lazy_pages(text) + bytes / 4096;
	r->bytes = r->pages * 4096;
	free(text);
}

/* ---- processes at the destination ---- */

/* The inode of a process's namespace of kind ("pid", "net"); 0 if it cannot be read. */
static uint64_t ns_ino(pid_t pid, const char *kind)
{
	char path[64];
	struct stat st;

	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%ld/ns/%s", (long)pid, kind);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/%s", kind);
	return stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/*
 * A restore that failed half-way (criu killed) may leave restored tasks behind, in a pid
 * namespace of their own in the destination node: every process in that node's network
 * namespace whose pid namespace is neither ours nor an instance's there is killed.
 */
static void cm_kill_strays(struct mig_job *j)
{
	const struct topo_model *m = j->net->m;
	uint64_t keep[64], net, mine = ns_ino(0, "pid");
	unsigned n_keep = 0;
	struct dirent *e;
	struct stat st;
	int fd = topo_net_node_ns(j->net, j->to);
	DIR *d;

	if (fd < 0 || fstat(fd, &st) < 0)
		return;
	net = (uint64_t)st.st_ino;
	for (unsigned s = 0; s < m->n_services && n_keep < 64; s++) {
		long pid = mig_instance_pid(j->net, s, j->to);

		if (pid > 0 && pid != j->cm->dst)
			keep[n_keep++] = ns_ino((pid_t)pid, "pid");
	}
	d = opendir("/proc");
	if (!d)
		return;
	while ((e = readdir(d))) {
		pid_t pid = (pid_t)atol(e->d_name);
		uint64_t pns;
		bool kept = false;

		if (pid <= 0 || ns_ino(pid, "net") != net)
			continue;
		pns = ns_ino(pid, "pid");
		for (unsigned k = 0; k < n_keep; k++)
			kept |= keep[k] == pns;
		if (pns && pns != mine && !kept)
			kill(pid, SIGKILL);
	}
	closedir(d);
}

/* ---- the guard: should edgemu die in the middle ---- */

static void guard_say(struct criu_mig *c, const char *verb, long arg)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "%s %ld\n", verb, arg);

	if (c->guard >= 0 && write(c->guard, line, (size_t)n) != n) {
		/* A guard that is gone cannot help; the migration goes on without it. */
		close(c->guard);
		c->guard = -1;
	}
}

/* Waits up to ms for a process that is not our child to end (ms 0: for ever). */
static void wait_gone(pid_t pid, unsigned ms)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd p = {.fd = fd, .events = POLLIN};

	if (fd < 0)
		return;
	while (poll(&p, 1, ms ? (int)ms : -1) < 0 && errno == EINTR)
		;
	close(fd);
}

/*
 * The guard, a child of edgemu in a session of its own, told by a pipe what the migration
 * does: "kill PID" (criu at the destination, safe to kill), "wait PID" (a dump at the source:
 * killed in the middle it could leave the program with criu's parasite in it, so it is let
 * fail by itself once its page server is gone), "resumed PID", "flipped", "done". If the pipe
 * ends without "done", edgemu died: before the resume the source serves again (the
 * destination's criu killed, the dumps let end, what was restored killed, SIGCONT); after it
 * the destination does (the clients steered to it with `edgemu steer` if they were not, the
 * pages let come, then the source killed).
 */
static _Noreturn void guard_run(struct mig_job *j, int fd)
{
	struct criu_mig *c = j->cm;
	pid_t kills[32], waits[32];
	unsigned n_kill = 0, n_wait = 0;
	bool resumed = false, flipped = false;
	char line[64], *orphan;
	FILE *in;

	setsid();
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	util_sig_unblock_all();
	in = fdopen(fd, "r");
	if (!in)
		_exit(1);
	while (fgets(line, sizeof(line), in)) {
		long v = 0;
		char verb[16];

		if (sscanf(line, "%15s %ld", verb, &v) < 1)
			continue;
		if (!strcmp(verb, "done"))
			_exit(0);
		if (!strcmp(verb, "kill") && n_kill < 32)
			kills[n_kill++] = (pid_t)v;
		else if (!strcmp(verb, "wait") && n_wait < 32)
			waits[n_wait++] = (pid_t)v;
		else if (!strcmp(verb, "resumed"))
			resumed = true, c->dst = (pid_t)v;
		else if (!strcmp(verb, "flipped"))
			flipped = true;
	}
	if (!resumed) {
		for (unsigned i = 0; i < n_kill; i++)
			kill(-kills[i], SIGKILL), kill(kills[i], SIGKILL);
		for (unsigned i = 0; i < n_wait; i++) {
			wait_gone(waits[i], CM_SETTLE_MS);
			kill(-waits[i], SIGKILL);
			kill(waits[i], SIGKILL);
		}
		cm_kill_strays(j);
		kill(-c->src, SIGCONT);
		kill(c->src, SIGCONT);
		_exit(0);
	}
	if (!flipped) {
		orphan = mig_job_orphan_cmd(j);
		if (orphan && fork() == 0) {
			execl("/bin/sh", "sh", "-c", orphan, (char *)NULL);
			_exit(127);
		}
		wait(NULL);
	}
	for (unsigned i = 0; i < n_wait; i++)
		wait_gone(waits[i], 0);
	for (unsigned i = 0; i < n_kill; i++)
		wait_gone(kills[i], 0);
	kill(-c->src, SIGKILL);
	kill(c->src, SIGKILL);
	_exit(0);
}

static int guard_start(struct mig_job *j, struct topo_err *err)
{
	struct criu_mig *c = j->cm;
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return topo_err_set(err, -errno, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		guard_run(j, p[0]);
	}
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return topo_err_set(err, -errno, "starting the migration's guard: %s",
				    strerror(errno));
	}
	c->guard = p[1];
	c->guard_pid = pid;
	return 0;
}

/* ---- the steps ---- */

/* An event for the runner: "verb t=T words". */
__attribute__((format(printf, 4, 5))) static void ev(struct mig_job *j, const char *verb,
						     uint64_t t, const char *fmt, ...)
{
	char msg[512];
	int n = snprintf(msg, sizeof(msg), "%s t=%" PRIu64 " ", verb, t);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	mig_job_hook(j, msg, t);
}

__attribute__((format(printf, 2, 3))) static void cm_fail(struct mig_job *j, const char *fmt, ...)
{
	struct criu_mig *c = j->cm;
	va_list ap;

	if (c->st == CM_FAILED)
		return;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	c->st = CM_FAILED;
	ev(j, "error", util_now_ns(), "what=%s", c->why);
}

static const char *node_name(const struct mig_job *j, unsigned node)
{
	return j->net->m->nodes[node].name;
}

static const char *const criu_verbs[] = {[MIG_CRIU_PAGE_SERVER] = "page-server",
					 [MIG_CRIU_PREDUMP] = "pre-dump",
					 [MIG_CRIU_DUMP] = "dump",
					 [MIG_CRIU_LAZY_DUMP] = "dump",
					 [MIG_CRIU_LAZY_PAGES] = "lazy-pages",
					 [MIG_CRIU_RESTORE] = "restore"};

const char *const *mig_criu_args(const struct mig_criu_step *st, struct mig_criu_argv *ret)
{
	const char **v = ret->argv;
	bool precopy = st->strategy == TOPO_STRATEGY_PRECOPY;
	unsigned n = 0;

	snprintf(ret->dir, sizeof(ret->dir), "%s/%c/%u", st->dir,
		 st->verb == MIG_CRIU_PREDUMP || st->verb == MIG_CRIU_DUMP ||
			 st->verb == MIG_CRIU_LAZY_DUMP
		     ? 's'
		     : 'd',
		 st->round);
	snprintf(ret->pid, sizeof(ret->pid), "%ld", st->pid);
	snprintf(ret->port, sizeof(ret->port), "%u", st->port);
	snprintf(ret->prev, sizeof(ret->prev), "../%u", st->round - 1);
	snprintf(ret->pidfile, sizeof(ret->pidfile), "%s/restored.pid", st->dir);
	v[n++] = criu_verbs[st->verb];
	if (st->verb == MIG_CRIU_PREDUMP || st->verb == MIG_CRIU_DUMP ||
	    st->verb == MIG_CRIU_LAZY_DUMP) {
		v[n++] = "-t";
		v[n++] = ret->pid;
	}
	v[n++] = "-D";
	v[n++] = ret->dir;
	switch (st->verb) {
	case MIG_CRIU_PAGE_SERVER:
		v[n++] = "--port";
		v[n++] = ret->port;
		/* The pages of the round before are there: a round sends what is dirty. */
		if (st->round > 1) {
			v[n++] = "--prev-images-dir";
			v[n++] = ret->prev;
		}
		break;
	case MIG_CRIU_PREDUMP:
	case MIG_CRIU_DUMP:
		v[n++] = "--page-server";
		v[n++] = "--address";
		v[n++] = st->addr;
		v[n++] = "--port";
		v[n++] = ret->port;
		if (precopy) {
			/* Soft-dirty bits: each round sends what was written since the last. */
			v[n++] = "--track-mem";
			if (st->round > 1) {
				v[n++] = "--prev-images-dir";
				v[n++] = ret->prev;
			}
		}
		break;
	case MIG_CRIU_LAZY_DUMP:
		/* It serves the pages itself, on port, once the other images are out. */
		v[n++] = "--lazy-pages";
		v[n++] = "--port";
		v[n++] = ret->port;
		break;
	case MIG_CRIU_LAZY_PAGES:
		/* Info level: it ends with the count of pages it moved, the report's. */
		v[n++] = "-v3";
		v[n++] = "--page-server";
		v[n++] = "--address";
		v[n++] = st->addr;
		v[n++] = "--port";
		v[n++] = ret->port;
		break;
	case MIG_CRIU_RESTORE:
		/* Detached: criu returns once the program runs again (its resume). */
		v[n++] = "-d";
		v[n++] = "--pidfile";
		v[n++] = ret->pidfile;
		if (st->strategy == TOPO_STRATEGY_POSTCOPY)
			v[n++] = "--lazy-pages";
		break;
	}
	/* Until the destination has resumed, the source stays, stopped: the roll-back. */
	if (st->verb == MIG_CRIU_DUMP || st->verb == MIG_CRIU_LAZY_DUMP)
		v[n++] = "--leave-stopped";
	/*
	 * Established TCP connections: moved (tcp_established), else closed, which the program
	 * sees as any broken connection; without either criu refuses to dump one.
	 */
	if (st->verb == MIG_CRIU_DUMP || st->verb == MIG_CRIU_LAZY_DUMP ||
	    st->verb == MIG_CRIU_RESTORE)
		v[n++] = st->tcp_established ? "--tcp-established" : "--tcp-close";
	v[n] = NULL;
	return v;
}

/* Starts criu's step verb of round k (mig_criu_args() gives its words). */
static int step_start(struct mig_job *j, enum mig_criu_verb verb, unsigned k, struct topo_err *err)
{
	static const enum cm_role roles[] = {
	    [MIG_CRIU_PAGE_SERVER] = CM_DAEMON, [MIG_CRIU_PREDUMP] = CM_STEP,
	    [MIG_CRIU_DUMP] = CM_STEP,		[MIG_CRIU_LAZY_DUMP] = CM_SERVER,
	    [MIG_CRIU_LAZY_PAGES] = CM_DAEMON,	[MIG_CRIU_RESTORE] = CM_STEP};
	static const char *const whats[] = {[MIG_CRIU_PAGE_SERVER] = "page server",
					    [MIG_CRIU_PREDUMP] = "pre-dump",
					    [MIG_CRIU_DUMP] = "dump",
					    [MIG_CRIU_LAZY_DUMP] = "lazy dump",
					    [MIG_CRIU_LAZY_PAGES] = "lazy-pages",
					    [MIG_CRIU_RESTORE] = "restore"};
	struct criu_mig *c = j->cm;
	const struct topo_model *m = j->net->m;
	/* The page server listens at the destination, the lazy dump at the source. */
	const char *addr =
	    topo_ip_str(topo_node_addr(m, verb == MIG_CRIU_LAZY_PAGES ? j->from : j->to));
	struct mig_criu_step st = {.verb = verb,
				   .strategy = j->o.strategy,
				   .round = k,
				   .pid = c->src,
				   .dir = c->img,
				   .addr = addr,
				   .port = c->port,
				   .tcp_established = j->o.tcp_established};
	struct mig_criu_argv *a = &c->argv;
	bool at_source =
	    verb == MIG_CRIU_PREDUMP || verb == MIG_CRIU_DUMP || verb == MIG_CRIU_LAZY_DUMP;
	bool status = verb == MIG_CRIU_PAGE_SERVER || verb == MIG_CRIU_LAZY_DUMP ||
		      verb == MIG_CRIU_LAZY_PAGES;
	char folder[PATH_MAX], log[32];

	if (cm_folder(c, at_source ? 's' : 'd', k, folder, sizeof(folder)) < 0)
		return topo_err_set(err, -errno, "%s: %s", folder, strerror(errno));
	mig_criu_args(&st, a);
	snprintf(log, sizeof(log), "%s-%u", criu_verbs[verb], k);
	return cm_spawn(j, roles[verb], whats[verb], log, at_source ? c->src : 0, j->to, status,
			a->argv, err);
}

/*
 * criu restore of round k in the destination; with tcp_established the VIP there first, the
 * local address of the connections it restores.
 */
static int restore_start(struct mig_job *j, unsigned k, struct topo_err *err)
{
	int r = j->o.tcp_established ? mig_vip_local(j->net, j->svc, j->to, err) : 0;

	return r < 0 ? r : step_start(j, MIG_CRIU_RESTORE, k, err);
}

/* The page server of folder d/k at the destination, on port o.port + k - 1. */
static int ps_start(struct mig_job *j, unsigned k, struct topo_err *err)
{
	/* A port of its own each round: the last one's may linger in TIME_WAIT. */
	j->cm->port = (uint16_t)(j->o.port + (k - 1) % 64);
	return step_start(j, MIG_CRIU_PAGE_SERVER, k, err);
}

/* The destination has resumed (restore returned): adopt it, flip the clients to it. */
static void resumed(struct mig_job *j, uint64_t now)
{
	struct criu_mig *c = j->cm;
	struct mig_report *r = j->rep;
	char path[PATH_MAX + 16];
	struct topo_err e;
	long pid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/restored.pid", c->img);
	f = fopen(path, "re");
	if (!f || fscanf(f, "%ld", &pid) != 1 || pid <= 0) {
		if (f)
			fclose(f);
		cm_fail(j, "criu restore at %s wrote no pid to %s", node_name(j, j->to), path);
		return;
	}
	fclose(f);
	c->dst = (pid_t)pid;
	guard_say(c, "resumed", pid);
	r->resume_ns = c->p[CM_STEP].end_ns;
	ev(j, "resume", r->resume_ns, "pid=%ld", pid);
	if (mig_instance_adopt(j->net, j->svc, j->to, c->dst) < 0) {
		cm_fail(j, "recording the restored instance at %s: %s", node_name(j, j->to),
			strerror(errno));
		return;
	}
	if (mig_job_flip(j, j->to, &e) < 0) {
		cm_fail(j, "steering to %s: %.160s", node_name(j, j->to), e.msg);
		return;
	}
	j->flipped = true;
	guard_say(c, "flipped", 0);
	if (j->o.on_event)
		j->o.on_event(j->o.event_arg, j, "flip", r->flip_end_ns, "flip");
	if (j->o.strategy == TOPO_STRATEGY_POSTCOPY) {
		c->st = CM_PULL;
		mig_test_stop("criu-lazy");
		return;
	}
	r->end_ns = now > r->flip_end_ns ? now : r->flip_end_ns;
	ev(j, "end", r->end_ns, "pages=%" PRIu64 " bytes=%" PRIu64, r->pages, r->bytes);
	c->st = CM_DONE;
}

/* A round's page server has ended too (it ends with its dump): false while it runs on. */
static bool ps_ended(struct mig_job *j, uint64_t now)
{
	struct cm_proc *d = &j->cm->p[CM_DAEMON];

	if (d->exited)
		return true;
	if (now > j->cm->p[CM_STEP].end_ns + j->o.timeout_ms * MS)
		cm_fail(j, "the page server at %s did not end after the dump", node_name(j, j->to));
	return false;
}

/* A pre-dump round has ended well: booked, and the next round or the final dump begins. */
static void round_done(struct mig_job *j, uint64_t now, struct topo_err *err)
{
	struct criu_mig *c = j->cm;
	struct mig_report *r = j->rep;
	struct cm_proc *s = &c->p[CM_STEP];
	char dir[PATH_MAX];
	uint64_t bytes, pages;
	bool last;

	snprintf(dir, sizeof(dir), "%s/d/%u", c->img, c->round);
	bytes = cm_pages_bytes(dir);
	pages = bytes / 4096;
	r->pages += pages;
	r->bytes += bytes;
	if (r->n_rounds < MIG_ROUNDS_MAX)
		r->rounds[r->n_rounds++] = (struct mig_round){.n = c->round,
							      .begin_ns = s->start_ns,
							      .end_ns = now,
							      .pages = pages,
							      .bytes = bytes,
							      .dirty = c->round > 1 ? pages : 0};
	/* A pre-dump freezes the program too, while it collects the pages: criu says how long. */
	ev(j, "round", now,
	   "n=%u begin=%" PRIu64 " pages=%" PRIu64 " bytes=%" PRIu64 " frozen_us=%u", c->round,
	   s->start_ns, pages, bytes, cm_frozen_us(c, c->round));
	/* migration: precopy:'s rule: at most max_rounds live rounds, or few pages dirty. */
	last = c->round >= j->o.max_rounds || (c->round > 1 && pages <= j->o.stop_below);
	c->round++;
	if (ps_start(j, c->round, err) < 0) {
		cm_fail(j, "%s", err->msg);
		return;
	}
	c->st = last ? CM_DUMP_PS : CM_ROUND_PS;
}

/* The final dump has ended well: the images to the destination, and its restore. */
static void dump_done(struct mig_job *j, struct topo_err *err)
{
	struct criu_mig *c = j->cm;
	struct mig_report *r = j->rep;
	char dir[PATH_MAX];
	uint64_t bytes;

	snprintf(dir, sizeof(dir), "%s/d/%u", c->img, c->round);
	bytes = cm_pages_bytes(dir);
	r->pages += bytes / 4096;
	r->bytes += bytes;
	r->sent_ns = c->p[CM_STEP].end_ns;
	ev(j, "sent", r->sent_ns, "pages=%" PRIu64 " bytes=%" PRIu64 " frozen_us=%u", r->pages,
	   r->bytes, cm_frozen_us(c, c->round));
	if (cm_copy_images(c, c->round, err) < 0 || restore_start(j, c->round, err) < 0) {
		cm_fail(j, "%s", err->msg);
		return;
	}
	c->st = CM_RESTORE;
	mig_test_stop("criu-restore");
}

/* The page server of this round is up: the pre-dump or the final dump starts. */
static void ps_ready(struct mig_job *j, uint64_t now, struct topo_err *err)
{
	struct criu_mig *c = j->cm;
	struct mig_report *r = j->rep;
	bool final = c->st == CM_DUMP_PS;

	if (!r->ready_ns) {
		r->ready_ns = now;
		ev(j, "accepted", now, "port=%u", c->port);
	}
	if (step_start(j, final ? MIG_CRIU_DUMP : MIG_CRIU_PREDUMP, c->round, err) < 0) {
		cm_fail(j, "%s", err->msg);
		return;
	}
	if (!r->copy_ns) {
		r->copy_ns = now;
		ev(j, "start", now, "strategy=%s", topo_strategy_name(j->o.strategy));
	}
	if (final) {
		r->freeze_ns = now; /* criu freezes the program first */
		ev(j, "freeze", now, "round=%u", c->round);
		c->st = CM_DUMP;
		mig_test_stop("criu-dump");
	} else {
		c->st = CM_ROUND;
	}
}

/* One look at the processes and what follows from it; the state machine of the header. */
static void advance(struct mig_job *j, uint64_t now, struct topo_err *err)
{
	struct criu_mig *c = j->cm;
	struct cm_proc *s = &c->p[CM_STEP], *d = &c->p[CM_DAEMON], *v = &c->p[CM_SERVER];
	uint64_t tmo = j->o.timeout_ms;
	const char *to = node_name(j, j->to);
	char why[160];

	for (unsigned i = 0; i < CM_ROLES; i++)
		cm_look(c, &c->p[i], now);
	switch (c->st) {
	case CM_ROUND_PS:
	case CM_DUMP_PS:
		if (d->exited) {
			cm_reason(d, why, sizeof(why));
			cm_fail(j, "the page server at %s ended: %s", to, why);
		} else if (d->ready) {
			ps_ready(j, now, err);
		} else if (now > d->start_ns + tmo * MS) {
			cm_fail(j, "the page server at %s did not start within %" PRIu64 " ms", to,
				tmo);
		}
		break;
	case CM_ROUND:
	case CM_DUMP:
		if (s->exited && !cm_ok(s)) {
			cm_reason(s, why, sizeof(why));
			cm_fail(j, "criu %s at the source failed: %s", s->what, why);
		} else if (s->exited && ps_ended(j, now)) {
			if (!cm_ok(d)) {
				cm_reason(d, why, sizeof(why));
				cm_fail(j, "the page server at %s failed: %s", to, why);
			} else if (c->st == CM_ROUND) {
				round_done(j, now, err);
			} else {
				c->src_stopped = true;
				dump_done(j, err);
			}
		} else if (!s->exited && !cm_moving(d, now, tmo)) {
			cm_fail(j, "no pages reached %s for %" PRIu64 " ms", to, tmo);
		}
		break;
	case CM_LAZY:
		if (v->exited) {
			cm_reason(v, why, sizeof(why));
			cm_fail(j, "criu dump --lazy-pages at the source failed: %s", why);
		} else if (v->ready) {
			/* Frozen, every image but the pages written: those wait to be pulled. */
			c->src_stopped = true;
			j->rep->sent_ns = now;
			ev(j, "sent", now, "pages=0 bytes=0");
			if (cm_copy_images(c, 1, err) < 0 ||
			    step_start(j, MIG_CRIU_LAZY_PAGES, 1, err) < 0)
				cm_fail(j, "%s", err->msg);
			else
				c->st = CM_LAZY_D;
		} else if (now > v->start_ns + (tmo + CM_RESTORE_MS) * MS) {
			cm_fail(j,
				"criu dump --lazy-pages did not finish its images within %" PRIu64
				" ms",
				tmo + CM_RESTORE_MS);
		}
		break;
	case CM_LAZY_D:
		if (d->exited) {
			cm_reason(d, why, sizeof(why));
			cm_fail(j, "criu lazy-pages at %s ended: %s", to, why);
		} else if (d->ready) {
			if (restore_start(j, 1, err) < 0)
				cm_fail(j, "%s", err->msg);
			else
				c->st = CM_RESTORE;
			mig_test_stop("criu-restore");
		} else if (now > d->start_ns + tmo * MS) {
			cm_fail(j, "criu lazy-pages at %s did not start within %" PRIu64 " ms", to,
				tmo);
		}
		break;
	case CM_RESTORE:
		if (s->exited && !cm_ok(s)) {
			cm_reason(s, why, sizeof(why));
			cm_fail(j, "criu restore at %s failed: %s", to, why);
		} else if (s->exited) {
			resumed(j, now);
		} else if (now > s->start_ns + CM_RESTORE_MS * MS) {
			cm_fail(j, "criu restore at %s did not end within %u ms", to,
				CM_RESTORE_MS);
		}
		break;
	case CM_PULL:
		if ((d->exited && !cm_ok(d)) || (v->exited && !cm_ok(v))) {
			cm_reason(d->exited && !cm_ok(d) ? d : v, why, sizeof(why));
			cm_fail(j, "post-copy: %s failed: %s",
				d->exited && !cm_ok(d) ? "lazy-pages at the destination"
						       : "the lazy dump at the source",
				why);
		} else if (d->exited && v->exited) {
			j->rep->end_ns = d->end_ns > v->end_ns ? d->end_ns : v->end_ns;
			lazy_count(j);
			ev(j, "end", j->rep->end_ns, "pages=%" PRIu64, j->rep->pages);
			c->st = CM_DONE;
		} else if (!d->exited && !cm_moving(d, now, tmo)) {
			cm_fail(j, "post-copy: no pages reached %s for %" PRIu64 " ms", to, tmo);
		} else if (d->exited && now > d->end_ns + tmo * MS) {
			cm_fail(j, "post-copy: the lazy dump at the source did not end");
		}
		break;
	case CM_DONE:
	case CM_FAILED:
		break;
	}
}

int mig_criu_job_step(struct mig_job *j, uint64_t now)
{
	struct criu_mig *c = j->cm;
	struct epoll_event evs[8];
	struct topo_err err;

	/* Level-triggered: what is ready now is looked at below; only drain the epoll. */
	while (epoll_wait(c->ep, evs, 8, 0) == 8)
		;
	if ((j->o.stop && *j->o.stop) || j->aborted)
		cm_fail(j, "interrupted");
	for (enum cm_state was = CM_FAILED;
	     was != c->st && c->st != CM_DONE && c->st != CM_FAILED;) {
		was = c->st;
		advance(j, now, &err);
	}
	return c->st == CM_DONE || c->st == CM_FAILED;
}

void mig_criu_job_fds(const struct mig_job *j, int fds[2])
{
	fds[0] = j->cm->ep;
	fds[1] = -1;
}

/* base/criu/<service>-<n> into buf, made, n the first free one (from *n); 0 or -errno. */
static int cm_mkdir(const char *base, const char *svc, unsigned *n, char *buf, size_t len)
{
	char top[PATH_MAX];

	snprintf(top, sizeof(top), "%.1900s/criu", base);
	if (mkdir(top, 0700) < 0 && errno != EEXIST)
		return -errno;
	for (; *n < 100000; ++*n) {
		snprintf(buf, len, "%.1900s/%s-%u", top, svc, *n);
		if (mkdir(buf, 0700) == 0)
			return 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

/*
 * The migration's folders: the images in the run's folder (/run: memory, as fast as the
 * program's own), criu's logs beside the results when there are (o.log_dir: the runner's
 * results folder, which outlives the run) or in the run's folder too (edgemu migrate).
 */
static int cm_dir(struct mig_job *j, struct topo_err *err)
{
	struct criu_mig *c = j->cm;
	const char *svc = j->net->m->services[j->svc].name;
	unsigned n = 1;
	int r = cm_mkdir(j->net->dir, svc, &n, c->img, sizeof(c->img));

	if (r < 0)
		return topo_err_set(err, r, "%s/criu: %s", j->net->dir, strerror(-r));
	if (!j->o.log_dir) {
		snprintf(c->dir, sizeof(c->dir), "%s", c->img);
		return 0;
	}
	r = cm_mkdir(j->o.log_dir, svc, &n, c->dir, sizeof(c->dir));
	if (r < 0)
		return topo_err_set(err, r, "%s/criu: %s", j->o.log_dir, strerror(-r));
	return 0;
}

int mig_criu_job_start(struct mig_job *j, struct topo_err *err)
{
	const struct topo_model *m = j->net->m;
	const struct mig_criu *cc = mig_criu_check();
	struct criu_mig *c;
	int r;

	/* Refused before anything is made, in CRIU's words (where it does not work). */
	r = mig_criu_refuse(m, j->svc, j->o.strategy, cc, err);
	if (r < 0)
		return r;
	/*
	 * An established connection is restored with its local address, which must exist at the
	 * destination: the VIP does with route steering; with eBPF the clients' packets are
	 * rewritten to the instance node's own address, which no other node has.
	 */
	if (j->o.tcp_established && m->migration.steering != TOPO_STEER_ROUTE)
		return topo_err_set(
		    err, -EINVAL,
		    "%s: tcp_established needs migration: {steering: route} (with "
		    "ebpf the connections are to %s's own address, which %s does not "
		    "have)",
		    m->services[j->svc].name, m->nodes[j->from].name, m->nodes[j->to].name);
	c = calloc(1, sizeof(*c));
	if (!c)
		return topo_err_set(err, -ENOMEM, "out of memory");
	j->cm = c;
	c->guard = -1;
	for (unsigned i = 0; i < CM_ROLES; i++)
		c->p[i] = (struct cm_proc){.pidfd = -1, .status_fd = -1};
	c->ep = epoll_create1(EPOLL_CLOEXEC);
	if (c->ep < 0)
		return topo_err_set(err, -errno, "epoll: %s", strerror(errno));
	snprintf(c->criu, sizeof(c->criu), "%s", cc->path);
	c->src = (pid_t)mig_instance_pid(j->net, j->svc, j->from);
	snprintf(c->from_ip, sizeof(c->from_ip), "%s", topo_ip_str(topo_node_addr(m, j->from)));
	r = cm_dir(j, err);
	if (r < 0)
		return r;
	r = guard_start(j, err);
	if (r < 0)
		return r;
	j->rep->command_ns = j->last_ns = util_now_ns();
	if (j->o.strategy == TOPO_STRATEGY_POSTCOPY) {
		c->port = j->o.port;
		r = step_start(j, MIG_CRIU_LAZY_DUMP, 1, err);
		if (r < 0)
			return r;
		j->rep->ready_ns = j->rep->copy_ns = j->rep->freeze_ns = j->rep->command_ns;
		ev(j, "start", j->rep->copy_ns, "strategy=postcopy");
		ev(j, "freeze", j->rep->freeze_ns, "round=1");
		c->st = CM_LAZY;
		return 0;
	}
	c->round = 1;
	r = ps_start(j, 1, err);
	if (r < 0)
		return r;
	c->st =
	    j->o.strategy == TOPO_STRATEGY_COLD || j->o.max_rounds <= 1 ? CM_DUMP_PS : CM_ROUND_PS;
	return 0;
}

/*
 * Every criu of the migration ended: the destination's killed, a dump let fail by itself
 * once its page server is gone (killed in the middle it could leave criu's parasite in the
 * program), killed only if it does not.
 */
static void cm_stop_all(struct criu_mig *c)
{
	struct cm_proc *s = &c->p[CM_STEP], *v = &c->p[CM_SERVER];

	cm_kill(c, &c->p[CM_DAEMON]);
	if (s->pid && !s->exited && strcmp(s->what, "restore"))
		cm_wait(c, s, CM_SETTLE_MS);
	cm_kill(c, s);
	/* The lazy dump, until its images are out, is a dump like the others. */
	if (v->pid && !v->exited && !v->ready)
		cm_wait(c, v, CM_SETTLE_MS);
	cm_kill(c, v);
}

/* A failure: the source serves again, as it was at the freeze (migration.c's roll-back). */
static void cm_roll_back(struct mig_job *j)
{
	struct criu_mig *c = j->cm;
	struct mig_report *r = j->rep;
	struct topo_err e;
	int n;

	n = snprintf(r->error, sizeof(r->error), "%s", c->why[0] ? c->why : "interrupted");
	cm_stop_all(c);
	if (j->flipped && mig_job_flip(j, j->from, &e) < 0 && n < (int)sizeof(r->error))
		n += snprintf(r->error + n, sizeof(r->error) - (size_t)n,
			      "; steering back failed too: %.80s", e.msg);
	if (c->dst > 0) {
		kill(-c->dst, SIGKILL);
		kill(c->dst, SIGKILL);
		wait_gone(c->dst, 2000);
		mig_instance_stop(j->net, j->svc, j->to, NULL);
	}
	cm_kill_strays(j);
	kill(-c->src, SIGCONT);
	kill(c->src, SIGCONT);
	r->rolled_back = c->src > 0 && !mig_pid_gone(c->src);
	if (r->rolled_back)
		r->thawed_ns = util_now_ns();
	if (r->rolled_back && r->resume_ns && n < (int)sizeof(r->error))
		snprintf(r->error + n, sizeof(r->error) - (size_t)n,
			 "; %s had resumed: what the program did there since the freeze is lost",
			 node_name(j, j->to));
	else if (!r->rolled_back && n < (int)sizeof(r->error))
		snprintf(r->error + n, sizeof(r->error) - (size_t)n,
			 "; the source instance on %s is gone: the service is lost",
			 node_name(j, j->from));
	r->lost = !r->rolled_back;
}

void mig_criu_job_finish(struct mig_job *j)
{
	struct criu_mig *c = j->cm;
	struct mig_report *r = j->rep;

	if (c->st != CM_DONE && c->st != CM_FAILED)
		cm_fail(j, "interrupted");
	if (c->st == CM_DONE) {
		cm_stop_all(c);
		kill(-c->src, SIGKILL);
		kill(c->src, SIGKILL);
		mig_instance_stop(j->net, j->svc, j->from, NULL);
		r->stopped_ns = util_now_ns();
		r->ok = true;
	} else {
		cm_roll_back(j);
	}
	guard_say(c, "done", 0);
}

void mig_criu_job_free(struct mig_job *j)
{
	struct criu_mig *c = j->cm;
	char path[PATH_MAX + 8];

	if (!c)
		return;
	for (unsigned i = 0; i < CM_ROLES; i++)
		cm_kill(c, &c->p[i]);
	if (c->guard >= 0)
		close(c->guard);
	if (c->guard_pid > 0)
		waitpid(c->guard_pid, NULL, 0);
	if (c->ep >= 0)
		close(c->ep);
	/*
	 * The images are as large as the program's memory; criu's logs stay (the images too with
	 * EDGEMU_CRIU_KEEP=1, to look into with crit).
	 */
	if (c->img[0] && !getenv("EDGEMU_CRIU_KEEP")) {
		snprintf(path, sizeof(path), "%s/s", c->img);
		util_rm_tree(path);
		snprintf(path, sizeof(path), "%s/d", c->img);
		util_rm_tree(path);
		/* Its folder too when the logs are elsewhere (pidfile, lazy-pages' socket). */
		if (strcmp(c->img, c->dir))
			util_rm_tree(c->img);
	}
	free(c);
	j->cm = NULL;
}
