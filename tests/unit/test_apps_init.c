/* SPDX-License-Identifier: MIT */
/*
 * edgemu-init (apps/init.c), run as a plain child (not pid 1 of a namespace, which needs
 * root): the program's exit code and signal come back as its status, an exec failure comes
 * back through --err-fd, SIGTERM to init is forwarded, and the program keeps its working
 * folder while init's is --dir.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct init_run {
	pid_t pid;
	int err, out; /* the read ends of its --err-fd and of its stdout */
};

/* Starts edgemu-init --dir dir --err-fd N -- argv..., its stdout a pipe. */
static void init_start(struct init_run *r, const char *dir, const char *const argv[])
{
	int e[2], o[2];
	char fd[16];
	const char *v[16] = {EDGEMU_INIT, "--dir", dir, "--err-fd", fd, "--"};
	size_t n = 6;

	for (size_t i = 0; argv[i]; i++)
		v[n++] = argv[i];
	assert_int_equal(pipe2(e, O_CLOEXEC), 0);
	assert_int_equal(pipe2(o, O_CLOEXEC), 0);
	r->pid = fork();
	assert_true(r->pid >= 0);
	if (r->pid == 0) {
		int w = dup(e[1]); /* without close-on-exec: init gets it */

		snprintf(fd, sizeof(fd), "%d", w);
		dup2(o[1], 1);
		execv(v[0], (char *const *)v);
		_exit(99);
	}
	close(e[1]);
	close(o[1]);
	r->err = e[0];
	r->out = o[0];
}

/* Reads fd to its end into buf; returns the length. */
static size_t read_all(int fd, char *buf, size_t len)
{
	size_t used = 0;
	ssize_t n;

	while (used < len - 1 && ((n = read(fd, buf + used, len - 1 - used)) > 0 || errno == EINTR))
		if (n > 0)
			used += (size_t)n;
	buf[used] = '\0';
	close(fd);
	return used;
}

/* Init's exit code, its error message into err. */
static int init_finish(struct init_run *r, char *err, size_t len)
{
	int status;

	read_all(r->err, err, len);
	assert_int_equal(waitpid(r->pid, &status, 0), r->pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_status(void **state)
{
	struct init_run r;
	char err[256], out[256];

	(void)state;
	init_start(&r, "/", (const char *const[]){"/bin/sh", "sh", "-c", "exit 3", NULL});
	assert_int_equal(init_finish(&r, err, sizeof(err)), 3);
	assert_string_equal(err, "");
	read_all(r.out, out, sizeof(out));
	/* killed by a signal: 128 + it */
	init_start(&r, "/", (const char *const[]){"/bin/sh", "sh", "-c", "kill -USR1 $$", NULL});
	assert_int_equal(init_finish(&r, err, sizeof(err)), 128 + SIGUSR1);
	read_all(r.out, out, sizeof(out));
}

static void test_exec_fails(void **state)
{
	struct init_run r;
	char err[256], out[256];

	(void)state;
	init_start(&r, "/", (const char *const[]){"/nonexistent/prog", "prog", NULL});
	assert_int_equal(init_finish(&r, err, sizeof(err)), 127);
	assert_string_equal(err, "executing /nonexistent/prog: No such file or directory");
	read_all(r.out, out, sizeof(out));
}

static void test_sigterm_forwarded(void **state)
{
	struct init_run r;
	char err[256], out[256];
	struct timespec a, b;

	(void)state;
	init_start(&r, "/", (const char *const[]){"/bin/sleep", "sleep", "30", NULL});
	/* EOF on --err-fd: sleep runs (the pipe's end closed on its exec). */
	read_all(r.err, err, sizeof(err));
	assert_string_equal(err, "");
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(kill(r.pid, SIGTERM), 0);
	r.err = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_int_equal(init_finish(&r, err, sizeof(err)), 128 + SIGTERM);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_true(b.tv_sec - a.tv_sec < 5);
	read_all(r.out, out, sizeof(out));
}

static void test_dirs(void **state)
{
	struct init_run r;
	char err[256], out[2 * PATH_MAX + 8], want[2 * PATH_MAX + 8], cwd[PATH_MAX];

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	/* The program's folder stays ours; init's is --dir (once it has moved there). */
	init_start(&r, "/tmp",
		   (const char *const[]){"/bin/sh", "sh", "-c",
					 "sleep 0.2; pwd; readlink /proc/$PPID/cwd", NULL});
	assert_int_equal(init_finish(&r, err, sizeof(err)), 0);
	read_all(r.out, out, sizeof(out));
	snprintf(want, sizeof(want), "%s\n/tmp\n", cwd);
	assert_string_equal(out, want);
}

static void test_usage(void **state)
{
	const char *const argv[][4] = {{"--", "/bin/true", "true", NULL},
				       {"--dir", "/", "/bin/true", NULL},
				       {"--dir", "/", "--", NULL}};

	(void)state;
	for (size_t i = 0; i < sizeof(argv) / sizeof(argv[0]); i++) {
		const char *v[8] = {EDGEMU_INIT};
		int status;
		pid_t pid;

		for (size_t k = 0; k < 4 && argv[i][k]; k++)
			v[k + 1] = argv[i][k];
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			int null = open("/dev/null", O_WRONLY);

			dup2(null, 2);
			execv(v[0], (char *const *)v);
			_exit(99);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 2);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_status),
	    cmocka_unit_test(test_exec_fails),
	    cmocka_unit_test(test_sigterm_forwarded),
	    cmocka_unit_test(test_dirs),
	    cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
