/* SPDX-License-Identifier: MIT */
/*
 * edgemu-init: the init of an app: process instance's pid namespace (migrate/process.h). The
 * user's program runs as its child (pid 2 of the namespace), so that CRIU dumps and restores
 * the namespace as a whole and a restored copy can exist beside its stopped source (the pid
 * is the namespace's, not the host's). Init does what an init must: forwards the signals a
 * service is stopped with to the program, reaps every orphan of the namespace, and when the
 * program ends, kills whatever is left in the namespace and exits with the program's status.
 *
 * The program is in init's session and process group: a signal to the group (edgemu stops an
 * instance with kill(-pid)) reaches it directly as well as forwarded, twice then; a signal to
 * init alone reaches it forwarded.
 *
 * Its working folder is --dir (writable): CRIU's parasite, run in the namespace's init,
 * makes a folder there to mount a /proc of the namespace for a moment. The program keeps the
 * working folder it was started in.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROG "edgemu-init"

static const char usage[] =
    "usage: " PROG " --dir DIR [--err-fd N] -- PROGRAM ARGV0 [ARGS...]\n"
    "\n"
    "Meant to run as pid 1 of a new pid namespace: runs PROGRAM (a path) with argv\n"
    "ARGV0 ARGS..., forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to it,\n"
    "reaps every child, and when PROGRAM ends kills what is left in the namespace and\n"
    "exits with its status (its exit code, or 128 + the signal that killed it).\n"
    "\n"
    "  --dir DIR    init's working folder (writable: CRIU mounts a /proc there)\n"
    "  --err-fd N   if PROGRAM cannot be executed, \"executing PROGRAM: why\" goes to N\n"
    "               (and stderr); N is closed once PROGRAM runs\n";

/* The signals forwarded to the program; SIGCHLD is waited for with them. */
static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

/*
 * A handler that does nothing: the signals are blocked and taken by sigwaitinfo(), but the
 * init of a pid namespace only receives signals it has a handler for.
 */
static void noop(int sig)
{
	(void)sig;
}

/* In the child: the program, with the signal mask and dispositions it would have had. */
static _Noreturn void exec_program(const char *path, char *const argv[], int err_fd,
				   const sigset_t *old)
{
	char msg[512];
	int n;

	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		signal(forwarded[i], SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, old, NULL);
	/* The pipe's end closes when the program runs: EOF tells the starter it does. */
	if (err_fd >= 0)
		fcntl(err_fd, F_SETFD, FD_CLOEXEC);
	execv(path, argv);
	n = snprintf(msg, sizeof(msg), "executing %s: %s", path, strerror(errno));
	if (n >= (int)sizeof(msg))
		n = sizeof(msg) - 1;
	/* Nothing to do if the starter has gone: stderr (its log) has it too. */
	if (err_fd >= 0 && n > 0 && write(err_fd, msg, (size_t)n) < 0)
		err_fd = -1;
	fprintf(stderr, "%s: %s\n", PROG, msg);
	_exit(127);
}

/* The program's status as an exit code: its own, or 128 + the signal that killed it. */
static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

/* Forwards signals and reaps until the program ends; returns its exit code. */
static int supervise(pid_t child, const sigset_t *set)
{
	siginfo_t si;
	int status;
	pid_t pid;

	for (;;) {
		if (sigwaitinfo(set, &si) < 0)
			continue; /* EINTR: a stop and continue (CRIU's freeze) */
		if (si.si_signo != SIGCHLD) {
			kill(child, si.si_signo);
			continue;
		}
		/* SIGCHLDs merge: reap all that ended, orphans of the namespace included. */
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			if (pid == child)
				return exit_code(status);
		if (pid < 0 && errno == ECHILD)
			return 255; /* cannot happen: the program is our child until reaped */
	}
}

int main(int argc, char **argv)
{
	const char *dir = NULL;
	sigset_t set, old;
	int err_fd = -1, i, code;
	struct sigaction sa = {.sa_handler = noop};
	pid_t child;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--err-fd") && i + 1 < argc)
			err_fd = atoi(argv[++i]);
		else
			break;
	}
	/* "--", then the program's path, then its argv (argv[0] at least). */
	if (!dir || i + 2 >= argc || strcmp(argv[i], "--")) {
		fputs(usage, stderr);
		return 2;
	}
	sigemptyset(&set);
	for (size_t k = 0; k < sizeof(forwarded) / sizeof(forwarded[0]); k++) {
		sigaddset(&set, forwarded[k]);
		sigaction(forwarded[k], &sa, NULL);
	}
	sigaddset(&set, SIGCHLD);
	sigaction(SIGCHLD, &sa, NULL);
	sigprocmask(SIG_BLOCK, &set, &old);
	child = fork();
	if (child == 0)
		exec_program(argv[i + 1], argv + i + 2, err_fd, &old);
	if (child < 0) {
		fprintf(stderr, "%s: fork: %s\n", PROG, strerror(errno));
		return 127;
	}
	if (err_fd >= 0)
		close(err_fd);
	if (chdir(dir) < 0)
		fprintf(stderr, "%s: chdir %s: %s\n", PROG, dir, strerror(errno));
	code = supervise(child, &set);
	/*
	 * From a pid namespace's init, kill(-1) reaches everyone else in the namespace; from
	 * anyone else, every process it may signal: only as pid 1.
	 */
	if (getpid() == 1)
		kill(-1, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	return code;
}
