/* SPDX-License-Identifier: MIT */
/* Whole files read into memory, with a bound on what a file may make us allocate. */
#ifndef EDGEMU_UTIL_FILE_H
#define EDGEMU_UTIL_FILE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The whole regular file at path, NUL-terminated, in *ret (free() it), its length without
 * the NUL in *ret_len (may be NULL). At most max bytes: -EFBIG beyond, whatever the size
 * the file claims (/proc lies, a file may grow while read). -EISDIR for a directory,
 * -EINVAL for anything else not regular (a FIFO is not waited on), or another -errno;
 * the outputs are untouched on failure.
 */
int util_file_read(const char *path, size_t max, char **ret, size_t *ret_len);
/* What util_file_read()'s error r means, in words ("not a regular file", "too large"...). */
const char *util_file_strerror(int r);

/*
 * mkdir -p path (mode 0755): every missing folder on the way. With excl, path itself must
 * not exist yet (-EEXIST): a folder only this caller writes into. 0 or -errno
 * (-ENAMETOOLONG beyond PATH_MAX).
 */
int util_mkdirs(const char *path, bool excl);

/*
 * rm -r path: a folder with everything below it (symbolic links removed, never followed), or
 * a file. What cannot be removed stays; nothing is said.
 */
void util_rm_tree(const char *path);

#endif
