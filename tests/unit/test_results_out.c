/* SPDX-License-Identifier: MIT */
/*
 * Results files (results/out.c): whatever has reached the file is whole lines, however the
 * writes and the buffer's limit fall; a new file never replaces one; a file written whole
 * has its name only once complete; a full disk (/dev/full) is an error that sticks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "results/out.h"
#include "tests/unit/support.h"

/* Lines of every length, in pieces, past the buffer's limit: the file only ever ends a line. */
static void test_whole_lines(void **state)
{
	struct results_out *o;
	char *text, line[300], *want;
	size_t len, want_len = 0;

	(void)state;
	want = calloc(1, 8u << 20);
	assert_non_null(want);
	assert_int_equal(results_out_open(support_tmp, "lines.csv", RESULTS_OUT_NEW, &o), 0);
	for (unsigned i = 0; i < 3000; i++) {
		unsigned n = 1 + i * 7 % 250;

		memset(line, 'a' + i % 26, n);
		line[n] = '\0';
		/* A line in three writes: a flush in between writes none of it. */
		assert_int_equal(results_out_printf(o, "%u,", i), 0);
		assert_int_equal(results_out_write(o, line, n / 2), 0);
		if (i % 10 == 0)
			assert_int_equal(results_out_flush(o), 0);
		assert_int_equal(results_out_printf(o, "%s\n", line + n / 2), 0);
		want_len += (size_t)sprintf(want + want_len, "%u,%s\n", i, line);
		if (i % 97 == 0 || i % 10 == 0) {
			text = support_file_read(support_tmp, "lines.csv", &len);
			assert_non_null(text);
			assert_true(len <= want_len);
			assert_true(len == 0 || text[len - 1] == '\n');
			assert_memory_equal(text, want, len);
			free(text);
		}
	}
	/* A line longer than the room kept for one: formatted again into more. */
	{
		char *big = malloc(5001);

		assert_non_null(big);
		memset(big, 'z', 5000);
		big[5000] = '\0';
		assert_int_equal(results_out_printf(o, "%s,%d\n", big, 7), 0);
		want_len += (size_t)sprintf(want + want_len, "%s,%d\n", big, 7);
		free(big);
	}
	/* Nothing waits after a flush that ends on a line. */
	assert_int_equal(results_out_flush(o), 0);
	text = support_file_read(support_tmp, "lines.csv", &len);
	assert_int_equal(len, want_len);
	assert_memory_equal(text, want, len);
	free(text);
	/* A cut last line reaches the file only at the close. */
	assert_int_equal(results_out_printf(o, "cut"), 0);
	assert_int_equal(results_out_flush(o), 0);
	text = support_file_read(support_tmp, "lines.csv", &len);
	assert_int_equal(len, want_len);
	free(text);
	assert_int_equal(results_out_close(o), 0);
	text = support_file_read(support_tmp, "lines.csv", &len);
	assert_int_equal(len, want_len + 3);
	free(text);
	free(want);
}

/* A new file never replaces one: -EEXIST, the old one as it was. */
static void test_never_overwrites(void **state)
{
	struct results_out *o;
	size_t len;
	char *text;

	(void)state;
	assert_int_equal(results_out_open(support_tmp, "old.csv", RESULTS_OUT_NEW, &o), 0);
	assert_int_equal(results_out_printf(o, "old\n"), 0);
	assert_int_equal(results_out_close(o), 0);
	assert_int_equal(results_out_open(support_tmp, "old.csv", RESULTS_OUT_NEW, &o), -EEXIST);
	text = support_file_read(support_tmp, "old.csv", &len);
	assert_string_equal(text, "old\n");
	free(text);
}

/* Whole or absent: the name appears at the close, with everything. */
static void test_whole_file(void **state)
{
	struct results_out *o;
	char path[256];
	size_t len;
	char *text;

	(void)state;
	assert_int_equal(results_out_open(support_tmp, "summary.json", RESULTS_OUT_WHOLE, &o), 0);
	assert_int_equal(results_out_printf(o, "{\"a\":"), 0);
	assert_int_equal(results_out_flush(o), 0);
	assert_null(support_file_read(support_tmp, "summary.json", &len));
	assert_int_equal(results_out_printf(o, "1}\n"), 0);
	assert_null(support_file_read(support_tmp, "summary.json", &len));
	assert_string_equal(o->path + strlen(support_tmp), "/summary.json");
	assert_int_equal(results_out_close(o), 0);
	text = support_file_read(support_tmp, "summary.json", &len);
	assert_string_equal(text, "{\"a\":1}\n");
	free(text);
	snprintf(path, sizeof(path), "%s/summary.json.tmp", support_tmp);
	assert_int_equal(access(path, F_OK), -1);
}

/* A full disk: the error, with the file's name, from the write that meets it on; sticky. */
static void test_full_disk(void **state)
{
	struct results_out *o;
	int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);

	(void)state;
	if (fd < 0)
		skip();
	assert_int_equal(results_out_fdopen(fd, "/x/rtt.csv", &o), 0);
	assert_int_equal(results_out_printf(o, "a line\n"), 0);
	assert_int_equal(results_out_flush(o), -ENOSPC);
	assert_int_equal(o->error, -ENOSPC);
	assert_string_equal(o->path, "/x/rtt.csv");
	assert_int_equal(results_out_printf(o, "another\n"), -ENOSPC);
	assert_int_equal(results_out_flush(o), -ENOSPC);
	assert_int_equal(results_out_close(o), -ENOSPC);

	/* Met by the buffer's own flush, without the caller asking. */
	fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(results_out_fdopen(fd, "/x/positions.csv", &o), 0);
	for (unsigned i = 0; i < RESULTS_OUT_BUF && !o->error; i++)
		results_out_printf(o, "%06u\n", i);
	assert_int_equal(o->error, -ENOSPC);
	assert_int_equal(results_out_close(o), -ENOSPC);

	/* Nothing waiting: the close alone has nothing to meet. */
	fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(results_out_fdopen(fd, "/x/none.csv", &o), 0);
	assert_int_equal(results_out_close(o), 0);
	assert_int_equal(results_out_close(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_whole_lines),
	    cmocka_unit_test(test_never_overwrites),
	    cmocka_unit_test(test_whole_file),
	    cmocka_unit_test(test_full_disk),
	};

	return cmocka_run_group_tests(tests, support_tmp_setup, support_tmp_teardown);
}
