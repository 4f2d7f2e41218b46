/* SPDX-License-Identifier: MIT */
/*
 * The files of a results folder, written so that whatever ends the run (SIGKILL, a full disk,
 * a crash) leaves what was written readable: text goes to the file in whole lines only, when
 * the caller flushes (events at once, the rest every second) or when the buffer fills; a file
 * written in one go appears under its name only once whole (NAME.tmp, then a rename). A
 * results file is never overwritten: a new one must not exist. The first write error sticks,
 * with the file's path, for the caller to report; what comes after it is dropped.
 */
#ifndef EDGEMU_RESULTS_OUT_H
#define EDGEMU_RESULTS_OUT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

/* Flushed on its own once this much is waiting (whole lines only). */
#define RESULTS_OUT_BUF (64 * 1024)

enum results_out_mode {
	RESULTS_OUT_NEW,   /* DIR/NAME must not exist yet (O_EXCL) */
	RESULTS_OUT_WHOLE, /* written as DIR/NAME.tmp, renamed to DIR/NAME by results_out_close() */
};

struct results_out {
	char path[PATH_MAX]; /* the file's name in errors: DIR/NAME */
	int error;	     /* the first write error, -errno; 0: none */
	bool reported;	     /* for the caller: its error has been said */
	/* private */
	int fd;
	enum results_out_mode mode;
	char *buf;
	size_t len, cap;
};

/* Creates DIR/NAME (RESULTS_OUT_NEW) or DIR/NAME.tmp (RESULTS_OUT_WHOLE): 0, or -errno. */
int results_out_open(const char *dir, const char *name, enum results_out_mode mode,
		     struct results_out **ret);
/* The same on an fd the caller opened (taken over), named path in errors; RESULTS_OUT_NEW. */
int results_out_fdopen(int fd, const char *path, struct results_out **ret);

/* Appends text (lines end with '\n'); 0, or the file's error. */
int results_out_printf(struct results_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int results_out_write(struct results_out *o, const void *buf, size_t len);
/* Writes out every whole line waiting; a cut one waits for its end. 0, or the file's error. */
int results_out_flush(struct results_out *o);
/*
 * Writes out everything, closes the file and, for RESULTS_OUT_WHOLE, gives it its name (or
 * removes NAME.tmp after an error); frees o (NULL is fine). 0, or the first error.
 */
int results_out_close(struct results_out *o);

#endif
