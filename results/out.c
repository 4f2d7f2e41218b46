/* SPDX-License-Identifier: MIT */
/*
 * Results files in whole lines (results/out.h). Our own buffer rather than stdio's: stdio writes
 * a full buffer out wherever it ends, so a run killed after that leaves a line cut in two,
 * and it reports a full disk only to the caller that happens to check.
 */
#include "results/out.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int out_new(int fd, const char *path, enum results_out_mode mode, struct results_out **ret)
{
	struct results_out *o = calloc(1, sizeof(*o));

	if (!o)
		return -ENOMEM;
	snprintf(o->path, sizeof(o->path), "%s", path);
	o->fd = fd;
	o->mode = mode;
	*ret = o;
	return 0;
}

int results_out_open(const char *dir, const char *name, enum results_out_mode mode,
		     struct results_out **ret)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	int fd, rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	if (mode == RESULTS_OUT_WHOLE) {
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	} else {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	}
	if (fd < 0)
		return -errno;
	rc = out_new(fd, path, mode, ret);
	if (rc < 0) {
		close(fd);
		if (mode == RESULTS_OUT_WHOLE)
			unlink(tmp);
	}
	return rc;
}

int results_out_fdopen(int fd, const char *path, struct results_out **ret)
{
	return out_new(fd, path, RESULTS_OUT_NEW, ret);
}

static int fail(struct results_out *o, int err)
{
	if (!o->error)
		o->error = err;
	o->len = 0;
	return o->error;
}

/* Writes the first n bytes of the buffer and moves the rest to its start. */
static int put(struct results_out *o, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(o->fd, o->buf + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return fail(o, w < 0 ? -errno : -EIO);
		done += (size_t)w;
	}
	memmove(o->buf, o->buf + n, o->len - n);
	o->len -= n;
	return 0;
}

static int room(struct results_out *o, size_t more)
{
	size_t cap = o->cap ? o->cap : 4096;
	char *p;

	if (o->len + more <= o->cap)
		return 0;
	while (cap < o->len + more)
		cap *= 2;
	p = realloc(o->buf, cap);
	if (!p)
		return fail(o, -ENOMEM);
	o->buf = p;
	o->cap = cap;
	return 0;
}

static int appended(struct results_out *o)
{
	return o->len >= RESULTS_OUT_BUF ? results_out_flush(o) : 0;
}

int results_out_write(struct results_out *o, const void *buf, size_t len)
{
	if (o->error)
		return o->error;
	if (room(o, len) < 0)
		return o->error;
	memcpy(o->buf + o->len, buf, len);
	o->len += len;
	return appended(o);
}

int results_out_printf(struct results_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->error)
		return o->error;
	/* Formatted once into the room there is (a line fits); again only if it did not. */
	if (room(o, 256) < 0)
		return o->error;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return fail(o, -EINVAL);
	if ((size_t)n >= o->cap - o->len) {
		if (room(o, (size_t)n + 1) < 0)
			return o->error;
		va_start(ap, fmt);
		vsnprintf(o->buf + o->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	o->len += (size_t)n;
	return appended(o);
}

int results_out_flush(struct results_out *o)
{
	size_t n = o->len;

	if (o->error)
		return o->error;
	while (n && o->buf[n - 1] != '\n')
		n--;
	return n ? put(o, n) : 0;
}

int results_out_close(struct results_out *o)
{
	char tmp[PATH_MAX + 8];
	int rc;

	if (!o)
		return 0;
	if (!o->error && o->len)
		put(o, o->len);
	/* Whole or absent: on the disk before it has its name. */
	if (!o->error && o->mode == RESULTS_OUT_WHOLE && fsync(o->fd) < 0 && errno != EINVAL)
		fail(o, -errno);
	if (close(o->fd) < 0 && errno != EINTR)
		fail(o, -errno);
	if (o->mode == RESULTS_OUT_WHOLE) {
		snprintf(tmp, sizeof(tmp), "%s.tmp", o->path);
		if (!o->error && rename(tmp, o->path) < 0)
			fail(o, -errno);
		if (o->error)
			unlink(tmp);
	}
	rc = o->error;
	free(o->buf);
	free(o);
	return rc;
}
