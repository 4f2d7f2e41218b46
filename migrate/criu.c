/* SPDX-License-Identifier: MIT */
/* Whether CRIU works here, asked of criu itself; the refusals that follow (migrate/criu.h). */
#include "migrate/criu.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "topo/policies.h"
#include "util/clock.h"

#define OUT_MAX 16384 /* of one probe's output: the first lines are the ones that say why */

static const char *const probe_args[MIG_CRIU_PROBES][4] = {
    [MIG_CRIU_VERSION] = {"--version", NULL},
    [MIG_CRIU_CHECK] = {"check", NULL},
    [MIG_CRIU_DIRTY] = {"check", "--feature", "mem_dirty_track", NULL},
    [MIG_CRIU_UFFD] = {"check", "--feature", "uffd-noncoop", NULL},
};

const char *mig_criu_fix(const struct mig_criu *c)
{
	return c->unprivileged ? MIG_CRIU_FIX_ROOT : MIG_CRIU_FIX;
}

const char *const *mig_criu_probe_args(enum mig_criu_probe p)
{
	return probe_args[p];
}

/* A helper child's exit that criu reports before the error that matters. */
static bool is_echo(const char *what, size_t n)
{
	static const char *const echoes[] = {"exited, status=", "killed by signal", NULL};

	for (unsigned i = 0; echoes[i]; i++)
		if (n >= strlen(echoes[i]) && !strncmp(what, echoes[i], strlen(echoes[i])))
			return true;
	return false;
}

static void copy_line(const char *s, size_t n, char *buf, size_t len)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	snprintf(buf, len, "%.*s", (int)n, s);
}

void mig_criu_reason(const char *text, char *buf, size_t len)
{
	const char *first = NULL, *p = text;
	size_t first_n = 0;

	if (len)
		buf[0] = '\0';
	while (p && *p) {
		const char *end = strchr(p, '\n'), *s = p, *close;
		size_t n = end ? (size_t)(end - p) : strlen(p);

		p = end ? end + 1 : NULL;
		while (n && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		if (!n)
			continue;
		if (!first) {
			first = s;
			first_n = n;
		}
		/* A restore's helpers prefix their lines with their pid: "     3: Error (...)". */
		for (size_t d = 0; d < n && d < 12 && s[d] >= '0' && s[d] <= '9'; d++)
			if (d + 2 < n && s[d + 1] == ':' && s[d + 2] == ' ') {
				s += d + 3;
				n -= d + 3;
				break;
			}
		/* "Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds" */
		if (n > 7 && !strncmp(s, "Error (", 7)) {
			close = memchr(s, ')', n);
			if (close && (size_t)(close - s) + 2 < n && close[1] == ':') {
				size_t skip = (size_t)(close - s) + 2;

				while (skip < n && s[skip] == ' ')
					skip++;
				if (!is_echo(s + skip, n - skip)) {
					copy_line(s + skip, n - skip, buf, len);
					return;
				}
			}
		}
	}
	if (first)
		copy_line(first, first_n, buf, len);
}

void mig_criu_version(const char *text, char *buf, size_t len)
{
	const char *v = text ? strstr(text, "Version:") : NULL;
	size_t n;

	if (len)
		buf[0] = '\0';
	if (!v)
		return;
	v += strlen("Version:");
	v += strspn(v, " \t");
	n = strcspn(v, " \t\r\n");
	snprintf(buf, len, "%.*s", (int)n, v);
}

/* Why probe out failed, in CRIU's words when it said any. */
static void why(const struct mig_criu_out *out, const char *what, char *buf, size_t len)
{
	if (!out->text || out->status < 0) {
		if (out->status == -ETIMEDOUT)
			snprintf(buf, len, "criu %s did not answer within %d s", what,
				 MIG_CRIU_TIMEOUT_MS / 1000);
		else
			snprintf(buf, len, "criu %s could not run: %s", what,
				 strerror(out->status < 0 ? -out->status : EIO));
		return;
	}
	mig_criu_reason(out->text, buf, len);
	if (!buf[0])
		snprintf(buf, len, "criu %s failed (exit status %d) and said nothing", what,
			 out->status);
}

void mig_criu_judge(const struct mig_criu_out out[], struct mig_criu *ret)
{
	static const enum mig_criu_probe feature[TOPO_STRATEGY_N] = {
	    [TOPO_STRATEGY_COLD] = MIG_CRIU_CHECK,
	    [TOPO_STRATEGY_PRECOPY] = MIG_CRIU_DIRTY,
	    [TOPO_STRATEGY_POSTCOPY] = MIG_CRIU_UFFD,
	};
	const struct mig_criu_out *chk = &out[MIG_CRIU_CHECK];
	bool base = chk->text && chk->status == 0;

	mig_criu_version(out[MIG_CRIU_VERSION].text, ret->version, sizeof(ret->version));
	for (unsigned s = 0; s < TOPO_STRATEGY_N; s++) {
		const struct mig_criu_out *f = &out[feature[s]];
		char what[64];

		ret->reason[s][0] = '\0';
		ret->ok[s] = base && f->text && f->status == 0;
		if (ret->ok[s])
			continue;
		/* What every strategy needs comes first: a feature's check repeats its error. */
		if (!base) {
			why(chk, "check", ret->reason[s], sizeof(ret->reason[s]));
			continue;
		}
		snprintf(what, sizeof(what), "check --feature %s", probe_args[feature[s]][2]);
		why(f, what, ret->reason[s], sizeof(ret->reason[s]));
	}
}

/* The criu to ask, into buf; -ENOENT when there is none. */
static int find_criu(char *buf, size_t len)
{
	const char *env = getenv("EDGEMU_CRIU"), *path = getenv("PATH");
	char dirs[4096];

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return access(buf, X_OK) == 0 ? 0 : -ENOENT;
	}
	/* sudo's PATH may lack the sbin folders, where Debian puts criu. */
	snprintf(dirs, sizeof(dirs), "%s:/usr/local/sbin:/usr/sbin:/sbin", path ? path : "");
	for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		struct stat st;

		if (*d != '/')
			continue;
		snprintf(buf, len, "%s/criu", d);
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

/* The child's side: its output into fd, stdin from /dev/null, nothing else of ours open. */
static void child(const char *prog, enum mig_criu_probe p, int fd)
{
	const char *argv[6] = {prog};
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	sigset_t none;

	for (unsigned i = 0; probe_args[p][i]; i++)
		argv[i + 1] = probe_args[p][i];
	/* its own group: a probe that hangs goes with whatever it started */
	setpgid(0, 0);
	if (null < 0 || dup2(null, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(127);
	close_range(3, ~0U, 0);
	/* criu as from a shell: whatever the caller blocked or ignored, not inherited */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	execv(prog, (char *const *)argv);
	_exit(127);
}

/* Reads the child's output until it closes or the deadline; false at the deadline. */
static bool drain(int fd, char *buf, size_t *len, uint64_t deadline_ns)
{
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		uint64_t now = util_now_ns();
		char junk[4096];
		ssize_t n;
		int r;

		if (now >= deadline_ns)
			return false;
		r = poll(&pfd, 1, (int)((deadline_ns - now) / 1000000ULL) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false; /* the deadline, or poll itself failed: kill the child */
		if (*len < OUT_MAX - 1)
			n = read(fd, buf + *len, OUT_MAX - 1 - *len);
		else
			n = read(fd, junk, sizeof(junk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return true;
		if (*len < OUT_MAX - 1)
			*len += (size_t)n;
	}
}

/* One probe, its output into out (text malloc'ed, or NULL with status -errno). */
static void run_probe(const char *prog, enum mig_criu_probe p, struct mig_criu_out *out)
{
	char *buf = malloc(OUT_MAX);
	int pfd[2], st;
	size_t len = 0;
	bool done;
	pid_t pid;

	*out = (struct mig_criu_out){.status = -ENOMEM};
	if (!buf)
		return;
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		out->status = -errno;
		free(buf);
		return;
	}
	pid = fork();
	if (pid == 0)
		child(prog, p, pfd[1]);
	if (pid < 0)
		out->status = -errno;
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		free(buf);
		return;
	}
	setpgid(pid, pid); /* also here: the kill below may come before the child's own call */
	done = drain(pfd[0], buf, &len, util_now_ns() + MIG_CRIU_TIMEOUT_MS * 1000000ULL);
	close(pfd[0]);
	if (!done)
		kill(-pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	buf[len] = '\0';
	out->text = buf;
	out->status = !done		? -ETIMEDOUT
		      : WIFEXITED(st)	? WEXITSTATUS(st)
		      : WIFSIGNALED(st) ? 128 + WTERMSIG(st)
					: -EIO;
	/* execv failed: criu went away between finding it and running it */
	if (done && out->status == 127 && !len)
		out->status = -ENOENT;
}

const struct mig_criu *mig_criu_check(void)
{
	static struct mig_criu c;
	static bool done;
	struct mig_criu_out out[MIG_CRIU_PROBES] = {0};

	if (done)
		return &c;
	done = true;
	c.unprivileged = geteuid() != 0;
	if (find_criu(c.path, sizeof(c.path)) < 0) {
		for (unsigned s = 0; s < TOPO_STRATEGY_N; s++)
			snprintf(c.reason[s], sizeof(c.reason[s]), "%s", MIG_CRIU_INSTALL);
		return &c;
	}
	c.installed = true;
	for (unsigned p = 0; p < MIG_CRIU_PROBES; p++) {
		out[p] = (struct mig_criu_out){.status = -ECANCELED};
		/* The features' checks repeat criu check's failure: not worth their time. */
		if (p > MIG_CRIU_CHECK && out[MIG_CRIU_CHECK].status != 0)
			continue;
		run_probe(c.path, (enum mig_criu_probe)p, &out[p]);
	}
	mig_criu_judge(out, &c);
	for (unsigned p = 0; p < MIG_CRIU_PROBES; p++)
		free((char *)out[p].text);
	return &c;
}

bool mig_criu_needed(const struct topo_model *m, unsigned svc)
{
	return m->services[svc].app == TOPO_APP_PROCESS && m->migration.policy != TOPO_POLICY_NEVER;
}

int mig_criu_refuse(const struct topo_model *m, unsigned svc, enum topo_strategy s,
		    const struct mig_criu *c, struct topo_err *err)
{
	const struct topo_service *sv = &m->services[svc];
	/* the position of its app: (the service's name if the parser did not keep it) */
	struct topo_mark k = sv->app_mark.line > 0 ? sv->app_mark : sv->mark;
	char where[PATH_MAX + 32];

	if (k.line > 0)
		snprintf(where, sizeof(where), "%s:%d:%d", m->file, k.line, k.col);
	else
		snprintf(where, sizeof(where), "%s: --set", m->file);
	if (!c->ok[s])
		return topo_err_set(err, -ENOTSUP,
				    "%s: service %s (app: process): %s migration needs CRIU, "
				    "which does not work here: %s%s%s",
				    where, sv->name, topo_strategy_name(s), c->reason[s],
				    c->installed ? "; to make it work, " : "",
				    c->installed ? mig_criu_fix(c) : "");
	return 0;
}

int mig_criu_scenario(const struct topo_model *m, struct topo_err *err)
{
	for (unsigned i = 0; i < m->n_services; i++)
		if (mig_criu_needed(m, i))
			return mig_criu_refuse(m, i, m->migration.strategy, mig_criu_check(), err);
	return 0;
}
