/* SPDX-License-Identifier: MIT */
/*
 * Named network namespaces, made the way iproute2 makes them so that `ip netns` and
 * `ip netns exec` work on them: /run/netns is a shared mount point and each namespace is a
 * bind mount of the creating thread's /proc/thread-self/ns/net on a file there.
 */
#include "emu/emu.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <pthread.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

static int self_fd = -1; /* the namespace this process started in */

static int orig_ns(void)
{
	if (self_fd < 0)
		self_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	return self_fd < 0 ? -errno : self_fd;
}

static int prepare_dir(void)
{
	static bool done;

	if (done)
		return 0;
	if (mkdir(EMU_NETNS_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	/*
	 * Mounts under the directory must propagate to other mount namespaces (as iproute2
	 * arranges), or a namespace created here is invisible to `ip netns exec` run elsewhere.
	 */
	while (mount("", EMU_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
		if (errno != EINVAL)
			return -errno;
		if (mount(EMU_NETNS_DIR, EMU_NETNS_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
			return -errno;
	}
	done = true;
	return 0;
}

static int ns_path(char *buf, size_t len, const char *name)
{
	if (!name[0] || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	if ((size_t)snprintf(buf, len, "%s/%s", EMU_NETNS_DIR, name) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int emu_netns_reserve(const char *name, const char *like)
{
	char path[PATH_MAX], like_path[PATH_MAX];
	int fd, r;

	r = ns_path(path, sizeof(path), name);
	if (r < 0)
		return r;
	r = prepare_dir();
	if (r < 0)
		return r;
	if (like) {
		r = ns_path(like_path, sizeof(like_path), like);
		if (r < 0)
			return r;
		return link(like_path, path) < 0 ? -errno : 0;
	}
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

int emu_netns_mount(const char *name, int (*init)(void *arg), void *arg, int *ret_fd)
{
	char path[PATH_MAX];
	int orig, fd = -1, r;

	r = ns_path(path, sizeof(path), name);
	if (r < 0)
		return r;
	orig = orig_ns();
	if (orig < 0)
		return orig;
	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0) {
		r = -errno;
		goto err_back;
	}
	if (init) {
		r = init(arg);
		if (r < 0)
			goto err_umount;
	}
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto err_umount;
	}
	if (setns(orig, CLONE_NEWNET) < 0) {
		r = -errno;
		goto err_umount;
	}
	*ret_fd = fd;
	return 0;

err_umount:
	umount2(path, MNT_DETACH);
err_back:
	if (fd >= 0)
		close(fd);
	setns(orig, CLONE_NEWNET);
	return r;
}

int emu_netns_create(const char *name, int (*init)(void *arg), void *arg, int *ret_fd)
{
	char path[PATH_MAX];
	int r = emu_netns_reserve(name, NULL);

	if (r < 0)
		return r;
	r = emu_netns_mount(name, init, arg, ret_fd);
	if (r < 0 && ns_path(path, sizeof(path), name) == 0)
		unlink(path);
	return r;
}

int emu_netns_delete(const char *name)
{
	char path[PATH_MAX];
	int r = ns_path(path, sizeof(path), name);

	if (r < 0)
		return r;
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return -errno;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int emu_netns_open(const char *name)
{
	char path[PATH_MAX];
	int r = ns_path(path, sizeof(path), name), fd;

	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

bool emu_netns_exists(const char *name)
{
	char path[PATH_MAX];
	struct stat st, parent;

	if (ns_path(path, sizeof(path), name) < 0 || stat(path, &st) < 0)
		return false;
	/* A name whose mount is gone is an empty file on the parent's file system. */
	if (stat(EMU_NETNS_DIR, &parent) < 0)
		return false;
	return st.st_dev != parent.st_dev;
}

int emu_netns_enter(int ns_fd, struct emu_ns_token *tok)
{
	int orig = orig_ns();

	tok->orig_fd = -1;
	if (orig < 0)
		return orig;
	/* Remember where this thread is now, which need not be where the process started. */
	tok->orig_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (tok->orig_fd < 0)
		return -errno;
	if (setns(ns_fd, CLONE_NEWNET) < 0) {
		int r = -errno;

		close(tok->orig_fd);
		tok->orig_fd = -1;
		return r;
	}
	return 0;
}

int emu_netns_leave(struct emu_ns_token *tok)
{
	int r = 0;

	if (tok->orig_fd < 0)
		return 0;
	if (setns(tok->orig_fd, CLONE_NEWNET) < 0)
		r = -errno;
	close(tok->orig_fd);
	tok->orig_fd = -1;
	return r;
}

int emu_netns_enter_or_stay(int ns_fd, struct emu_ns_token *tok)
{
	tok->orig_fd = -1;
	return ns_fd < 0 ? 0 : emu_netns_enter(ns_fd, tok);
}

int emu_netns_leave_with(struct emu_ns_token *tok, int r)
{
	int l = emu_netns_leave(tok);

	return r < 0 ? r : l < 0 ? l : r;
}

int emu_sysctl_write(const char *key, const char *val)
{
	char path[PATH_MAX];
	size_t len = strlen(val);
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "/proc/sys/%s", key) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	close(fd);
	return (size_t)n == len ? 0 : -EIO;
}

int emu_netns_inode(int ns_fd, uint64_t *ret)
{
	struct stat st;

	if (fstat(ns_fd, &st) < 0)
		return -errno;
	*ret = st.st_ino;
	return 0;
}

int emu_netns_kill_pids(const uint64_t *ns_inodes, size_t n, int timeout_ms)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	struct pollfd *wait = NULL;
	size_t nwait = 0, cap = 0;
	int count = 0;
	pid_t self = getpid();

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char path[64];
		struct stat st;
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		int pfd;

		if (*end || pid <= 0 || pid == self)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
		if (stat(path, &st) < 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (st.st_ino != ns_inodes[i])
				continue;
			/* A pidfd first: the process is then known even once it is gone. */
			pfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
			if (kill((pid_t)pid, SIGKILL) == 0)
				count++;
			if (pfd >= 0 && nwait == cap) {
				struct pollfd *v = realloc(wait, (cap * 2 + 16) * sizeof(*v));

				if (!v) {
					close(pfd);
					pfd = -1;
				} else {
					wait = v;
					cap = cap * 2 + 16;
				}
			}
			if (pfd >= 0)
				wait[nwait++] = (struct pollfd){.fd = pfd, .events = POLLIN};
			break;
		}
	}
	closedir(d);

	/* A process lets go of its namespaces when it exits (a zombie holds none). */
	for (size_t left = nwait; left > 0;) {
		int r = poll(wait, nwait, timeout_ms);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		for (size_t i = 0; i < nwait; i++) {
			if (wait[i].fd >= 0 && wait[i].revents) {
				close(wait[i].fd);
				wait[i].fd = -1; /* poll() skips negative fds */
				left--;
			}
		}
	}
	for (size_t i = 0; i < nwait; i++)
		if (wait[i].fd >= 0)
			close(wait[i].fd);
	free(wait);
	return count;
}

/*
 * The kernel dismantles dead namespaces in batches: its worker takes every namespace queued
 * when it starts, and each batch waits for RCU grace periods (on this kind of machine a
 * batch of one namespace takes ~30 ms, one of a hundred with their links ~85 ms). Closing
 * the last references one after another, the first close wakes the worker, which starts
 * a batch with that namespace alone while the rest queue for a second batch.
 *
 * So for the few hundred microseconds of the closes, every other CPU we may run on is kept
 * busy by a thread of ours at SCHED_FIFO, and this thread runs at SCHED_FIFO too: the
 * worker, a normal kernel thread, starts only once all are queued. Where real-time
 * scheduling is not allowed, or on machines with many CPUs, the fds are just closed.
 */
#define RELEASE_MAX_CPUS 32

struct release {
	int go, ready, fifo; /* atomics: the spinners may go; how many are set, at FIFO */
};

struct spinner {
	pthread_t tid;
	int cpu;
	struct release *rel;
};

static void *spin(void *arg)
{
	struct spinner *sp = arg;
	struct sched_param prio = {.sched_priority = 1};
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(sp->cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0 &&
	    pthread_setschedparam(pthread_self(), SCHED_FIFO, &prio) == 0)
		__atomic_add_fetch(&sp->rel->fifo, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&sp->rel->ready, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&sp->rel->go, __ATOMIC_SEQ_CST))
		;
	return NULL;
}

static void close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

void emu_netns_release_together(int *fds, size_t n)
{
	struct spinner sp[RELEASE_MAX_CPUS];
	struct release rel = {0};
	struct sched_param prio = {.sched_priority = 1}, old_prio;
	cpu_set_t mask, one;
	int me = sched_getcpu(), policy = sched_getscheduler(0), k = 0, want = 0;
	bool fifo = false;

	if (n < 2 || me < 0 || policy < 0 || sched_getparam(0, &old_prio) < 0 ||
	    sched_getaffinity(0, sizeof(mask), &mask) < 0 || CPU_COUNT(&mask) > RELEASE_MAX_CPUS) {
		close_fds(fds, n);
		return;
	}
	/* This thread stays on its CPU; the spinners take every other one. */
	CPU_ZERO(&one);
	CPU_SET(me, &one);
	if (sched_setaffinity(0, sizeof(one), &one) < 0) {
		close_fds(fds, n);
		return;
	}
	for (int cpu = 0; cpu < CPU_SETSIZE && want < RELEASE_MAX_CPUS; cpu++) {
		if (cpu == me || !CPU_ISSET(cpu, &mask))
			continue;
		want++;
		sp[k].cpu = cpu;
		sp[k].rel = &rel;
		if (pthread_create(&sp[k].tid, NULL, spin, &sp[k]) == 0)
			k++;
	}
	while (__atomic_load_n(&rel.ready, __ATOMIC_SEQ_CST) < k)
		sched_yield();
	if (k == want && __atomic_load_n(&rel.fifo, __ATOMIC_SEQ_CST) == k)
		fifo = sched_setscheduler(0, SCHED_FIFO, &prio) == 0;
	close_fds(fds, n);
	__atomic_store_n(&rel.go, 1, __ATOMIC_SEQ_CST);
	if (fifo)
		sched_setscheduler(0, policy, &old_prio);
	sched_setaffinity(0, sizeof(mask), &mask);
	for (int i = 0; i < k; i++)
		pthread_join(sp[i].tid, NULL);
}
