/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file.h"

/* Reads fd to its end into *buf (cap bytes, grown as needed, one more kept for the NUL). */
static int read_to_end(int fd, size_t max, char **buf, size_t *cap, size_t *ret_len)
{
	size_t len = 0;

	for (;;) {
		ssize_t n;

		if (len > max)
			return -EFBIG;
		if (len == *cap) {
			char *p = realloc(*buf, 2 * *cap + 1);

			if (!p)
				return -ENOMEM;
			*buf = p;
			*cap *= 2;
		}
		n = read(fd, *buf + len, *cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret_len = len;
	return 0;
}

int util_file_read(const char *path, size_t max, char **ret, size_t *ret_len)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap + 1);
	struct stat st;
	int fd, r;

	if (!buf)
		return -ENOMEM;
	/* O_NONBLOCK: opening a FIFO would otherwise wait for a writer */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto out;
	}
	if ((unsigned long long)st.st_size > max) {
		r = -EFBIG;
		goto out;
	}
	r = read_to_end(fd, max, &buf, &cap, &len);
	if (r < 0)
		goto out;
	buf[len] = '\0';
	*ret = buf;
	buf = NULL;
	if (ret_len)
		*ret_len = len;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return r;
}

int util_mkdirs(const char *path, bool excl)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, 0755) < 0 && (excl || errno != EEXIST) ? -errno : 0;
}

const char *util_file_strerror(int r)
{
	if (r == -EINVAL)
		return "not a regular file (a device, FIFO or socket is not read)";
	if (r == -EFBIG)
		return "too large";
	return strerror(-r);
}

void util_rm_tree(const char *path)
{
	char sub[PATH_MAX + 256];
	struct dirent *e;
	struct stat st;
	DIR *d;

	if (lstat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	d = opendir(path);
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		util_rm_tree(sub);
	}
	if (d)
		closedir(d);
	rmdir(path);
}
