/* SPDX-License-Identifier: MIT */
/* app: process instances: the user's own program in a node (migrate/process.h). */
#include "migrate/process.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "migrate/migrate.h"
#include "util/clock.h"
#include "util/env.h"
#include "util/sig.h"

bool mig_proc_net_listens(const char *text, uint16_t port, bool tcp)
{
	const char *line = strchr(text, '\n'); /* the header */

	while (line && *++line) {
		char addr[40];
		unsigned lport, st;

		/* "  0: 00000000:1B58 00000000:0000 07 ...": local address:port, remote, state. */
		if (sscanf(line, "%*s %39[0-9A-Fa-f]:%x %*s %x", addr, &lport, &st) == 3 &&
		    lport == port && (!tcp || st == 0x0A /* TCP_LISTEN */))
			return true;
		line = strchr(line, '\n');
	}
	return false;
}

/* 1 when something in pid's network namespace listens on port, else 0. */
static int node_listens(pid_t pid, uint16_t port)
{
	static const char *const tables[] = {"udp", "udp6", "tcp", "tcp6"};

	for (unsigned i = 0; i < 4; i++) {
		char path[64], *text = NULL;
		size_t cap = 0, len = 0;
		bool yes = false;
		FILE *f;

		/* A process's /proc/<pid>/net is its network namespace's. */
		snprintf(path, sizeof(path), "/proc/%ld/net/%s", (long)pid, tables[i]);
		f = fopen(path, "re");
		if (!f)
			continue;
		for (;;) {
			char *grown;
			size_t n;

			if (len + 4096 + 1 > cap) {
				grown = realloc(text, cap + 65536);
				if (!grown)
					break;
				text = grown;
				cap += 65536;
			}
			n = fread(text + len, 1, cap - len - 1, f);
			len += n;
			if (!n)
				break;
		}
		fclose(f);
		if (text) {
			text[len] = '\0';
			yes = mig_proc_net_listens(text, port, i >= 2);
		}
		free(text);
		if (yes)
			return 1;
	}
	return 0;
}

/* The child's word on why it could not exec, through the pipe, then its end. */
__attribute__((format(printf, 2, 3), noreturn)) static void child_fail(int fd, const char *fmt, ...)
{
	char msg[TOPO_ERR_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n > 0 && write(fd, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1) < 0)
		_exit(126);
	_exit(127);
}

struct child {
	const char *run, *node, *log;
	char *const *argv; /* edgemu-init's, the program's path and argv at its end */
	char **env;
	int ns_fd, wfd;
};

/*
 * In the child, pid 1 of a new pid namespace: a daemon of its own in the node, then
 * edgemu-init, which runs the program.
 */
static _Noreturn void child_run(const struct child *c)
{
	static const int dfl[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD};
	struct topo_err err;
	int null, out;

	/* Its session and group: what it starts goes with it when it is stopped. */
	if (setsid() < 0)
		child_fail(c->wfd, "its session: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(dfl) / sizeof(dfl[0]); i++)
		signal(dfl[i], SIG_DFL);
	util_sig_unblock_all();
	if (topo_node_enter(c->run, c->node, c->ns_fd, &err) < 0)
		child_fail(c->wfd, "%s", err.msg);
	/*
	 * Opened in the node's mount namespace: CRIU finds a file's mount in the program's
	 * namespace, where those of ours (the host's /dev, /run) are not.
	 */
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	out = open(c->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (null < 0 || out < 0)
		child_fail(c->wfd, "opening %s: %s", null < 0 ? "/dev/null" : c->log,
			   strerror(errno));
	if (dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		child_fail(c->wfd, "its stdin, stdout, stderr: %s", strerror(errno));
	/* Init's --err-fd: open across its exec, closed when the program's exec succeeds. */
	if (fcntl(c->wfd, F_SETFD, 0) < 0)
		child_fail(c->wfd, "its error pipe: %s", strerror(errno));
	execve(c->argv[0], c->argv, c->env);
	child_fail(c->wfd, "executing %s: %s", c->argv[0], strerror(errno));
}

/*
 * argv for edgemu-init (path init) that runs the program at path with argv prog, its working
 * folder dir, its error pipe's end fd: the array and the strings are one allocation.
 */
static char **init_argv(const char *init, const char *dir, int fd, const char *path,
			char *const *prog)
{
	size_t n = 0, size = strlen(init) + strlen(dir) + strlen(path) + 64;
	char **v, *at;

	while (prog[n])
		size += strlen(prog[n++]) + 1;
	size += (n + 8) * sizeof(char *);
	v = malloc(size);
	if (!v)
		return NULL;
	at = (char *)(v + n + 8);
	v[0] = strcpy(at, init);
	at += strlen(at) + 1;
	v[1] = "--dir";
	v[2] = strcpy(at, dir);
	at += strlen(at) + 1;
	v[3] = "--err-fd";
	v[4] = at;
	at += sprintf(at, "%d", fd) + 1;
	v[5] = "--";
	v[6] = strcpy(at, path);
	at += strlen(at) + 1;
	for (size_t i = 0; i < n; i++) {
		v[7 + i] = strcpy(at, prog[i]);
		at += strlen(at) + 1;
	}
	v[7 + n] = NULL;
	return v;
}

int mig_process_exec(struct topo_net *net, unsigned svc, unsigned node, int ns_fd, const char *log,
		     pid_t *ret_pid, off_t *ret_log_from, struct topo_err *err)
{
	const struct topo_service *s = &net->m->services[svc];
	struct child c = {
	    .run = net->name, .node = net->m->nodes[node].name, .log = log, .ns_fd = ns_fd};
	char msg[TOPO_ERR_MAX], init[PATH_MAX], *found = NULL;
	const char *path = s->path;
	char **argv = NULL;
	struct stat st;
	int p[2], r;
	ssize_t n;
	pid_t pid;

	/* A model read back from the run (edgemu steer) has not looked its program up. */
	if (!path) {
		r = topo_program_find(s->argv[0], &found);
		if (r < 0)
			return topo_err_set(err, r, "%s: program '%s': %s", s->name, s->argv[0],
					    strerror(-r));
		path = found;
	}
	mig_app_path("edgemu-init", init, sizeof(init));
	*ret_log_from = stat(log, &st) == 0 ? st.st_size : 0;
	c.env = util_env_with((const char *const[]){"EDGEMU_RUN", "EDGEMU_NODE", "EDGEMU_SERVICE"},
			      (const char *const[]){net->name, c.node, s->name}, 3);
	if (!c.env) {
		free(found);
		return topo_err_set(err, -ENOMEM, "out of memory");
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		r = topo_err_set(err, -errno, "pipe: %s", strerror(errno));
		goto out;
	}
	c.wfd = p[1];
	argv = init_argv(init, net->dir, p[1], path, s->argv);
	if (!argv) {
		close(p[0]);
		close(p[1]);
		r = topo_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	c.argv = argv;
	/*
	 * As fork(), but the child is pid 1 of a pid namespace of its own: CRIU dumps and
	 * restores the namespace, so a restored copy gets its pids while the source still
	 * holds its own (a rollback, post-copy). We get its pid in ours.
	 */
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, NULL, NULL, 0);
	if (pid == 0)
		child_run(&c);
	r = pid < 0 ? -errno : 0;
	close(p[1]);
	if (r < 0) {
		topo_err_set(err, r, "starting %s@%s: %s", s->name, c.node, strerror(-r));
		goto out_pipe;
	}
	/* EOF once it has exec'd (the pipe closes on exec); else why it could not. */
	while ((n = read(p[0], msg, sizeof(msg) - 1)) < 0 && errno == EINTR)
		;
	if (n > 0) {
		msg[n] = '\0';
		waitpid(pid, NULL, 0);
		r = topo_err_set(err, -ENOEXEC, "starting %s@%s (%s) on node %s: %s", s->name,
				 c.node, s->command, c.node, msg);
		goto out_pipe;
	}
	*ret_pid = pid;
out_pipe:
	close(p[0]);
out:
	free(argv);
	util_env_free(c.env);
	free(found);
	return r;
}

/* The last `lines` lines of log from offset from, each "\n  > line", into buf. */
static void log_tail(const char *log, off_t from, char *buf, size_t len)
{
	char text[1024];
	const char *start;
	ssize_t n = 0;
	unsigned lines = 0;
	int fd = open(log, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t used = 0;

	buf[0] = '\0';
	if (fd >= 0 && fstat(fd, &st) == 0) {
		off_t at = st.st_size - (off_t)sizeof(text) + 1;

		n = pread(fd, text, sizeof(text) - 1, at > from ? at : from);
	}
	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		snprintf(buf, len, "; its log %s says nothing", log);
		return;
	}
	text[n] = '\0';
	while (n > 0 && text[n - 1] == '\n')
		text[--n] = '\0';
	start = text + n;
	while (start > text && lines < MIG_PROCESS_LOG_LINES)
		if (*--start == '\n')
			lines++;
	if (*start == '\n')
		start++;
	used = (size_t)snprintf(buf, len, "; the end of its log (%s):", log);
	for (const char *l = start; *l && used < len;) {
		size_t k = strcspn(l, "\n");

		used += (size_t)snprintf(buf + used, len - used, "\n  > %.*s", (int)k, l);
		l += k;
		if (*l)
			l++;
	}
}

int mig_process_ready(pid_t pid, uint16_t port, const char *what, const char *node, const char *log,
		      off_t log_from, struct topo_err *err)
{
	uint64_t deadline = util_now_ns() + MIG_PROCESS_READY_MS * 1000000ULL;
	int step_ms = 1, status = 0, r;
	char why[96], tail[TOPO_ERR_MAX];

	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			r = -ECHILD;
			break;
		}
		if (node_listens(pid, port))
			return 0;
		if (util_now_ns() >= deadline) {
			r = -ETIMEDOUT;
			break;
		}
		/* A signal (Ctrl-C during `up`) ends the wait: the caller tears down. */
		if (poll(NULL, 0, step_ms) < 0 && errno == EINTR) {
			r = -EINTR;
			break;
		}
		step_ms = step_ms < 32 ? step_ms * 2 : step_ms;
	}
	if (r != -ECHILD) {
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
	} else {
		/* The rest of its group, if it left any. */
		kill(-pid, SIGKILL);
	}
	/* Its status is edgemu-init's: the program's exit code, or 128 + its signal. */
	if (r == -ECHILD && WIFEXITED(status) && WEXITSTATUS(status) > 128 &&
	    sigabbrev_np(WEXITSTATUS(status) - 128))
		snprintf(why, sizeof(why), "it exited with status %d (128 + SIG%s: killed by it)",
			 WEXITSTATUS(status), sigabbrev_np(WEXITSTATUS(status) - 128));
	else if (r == -ECHILD && WIFEXITED(status))
		snprintf(why, sizeof(why), "it exited with status %d", WEXITSTATUS(status));
	else if (r == -ECHILD)
		snprintf(why, sizeof(why), "it was killed by SIG%s",
			 sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?");
	else if (r == -ETIMEDOUT)
		snprintf(why, sizeof(why), "nothing listens on port %u (UDP or TCP) after %.1f s",
			 port, MIG_PROCESS_READY_MS / 1000.0);
	else
		snprintf(why, sizeof(why), "interrupted");
	log_tail(log, log_from, tail, sizeof(tail) - 160);
	return topo_err_set(err, r, "%s on node %s did not start: %s%s", what, node, why, tail);
}
