/* SPDX-License-Identifier: MIT */
/* util/file.c: whole files, the size bound, and what is not a regular file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "tests/unit/support.h"
#include "util/file.h"

static void put(const char *name, size_t len, char *ret_path, size_t path_len)
{
	FILE *f;

	snprintf(ret_path, path_len, "%s/%s", support_tmp, name);
	f = fopen(ret_path, "w");
	assert_non_null(f);
	for (size_t i = 0; i < len; i++)
		fputc('a' + (int)(i % 26), f);
	assert_int_equal(fclose(f), 0);
}

static void test_read(void **state)
{
	char path[256], *text = NULL;
	size_t len = 1;

	put("empty", 0, path, sizeof(path));
	assert_int_equal(util_file_read(path, 10, &text, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(text, "");
	free(text);

	/* larger than the first buffer, NUL-terminated, length without the NUL */
	put("big", 100000, path, sizeof(path));
	assert_int_equal(util_file_read(path, 100000, &text, &len), 0);
	assert_int_equal(len, 100000);
	assert_int_equal(strlen(text), 100000);
	assert_int_equal(text[99999], 'a' + 99999 % 26);
	free(text);
	/* the length is optional */
	assert_int_equal(util_file_read(path, 1 << 20, &text, NULL), 0);
	assert_int_equal(strlen(text), 100000);
	free(text);
}

static void test_cap(void **state)
{
	char path[256], *text = (char *)"untouched";
	size_t len = 7;

	put("cap", 4096, path, sizeof(path));
	assert_int_equal(util_file_read(path, 4096, &text, &len), 0); /* exactly the bound */
	assert_int_equal(len, 4096);
	free(text);
	text = (char *)"untouched";
	assert_int_equal(util_file_read(path, 4095, &text, &len), -EFBIG);
	assert_string_equal(text, "untouched");
	assert_int_equal(len, 4096);
	assert_int_equal(util_file_read(path, 0, &text, &len), -EFBIG);
}

static void test_errors(void **state)
{
	char path[256], *text = (char *)"untouched";
	size_t len = 7;

	snprintf(path, sizeof(path), "%s/missing", support_tmp);
	assert_int_equal(util_file_read(path, 100, &text, &len), -ENOENT);
	assert_int_equal(util_file_read(support_tmp, 100, &text, &len), -EISDIR);
	/* a device would never end, a FIFO would wait for a writer: neither is read */
	assert_int_equal(util_file_read("/dev/zero", 100, &text, &len), -EINVAL);
	assert_string_equal(util_file_strerror(-EINVAL),
			    "not a regular file (a device, FIFO or socket is not read)");
	assert_string_equal(util_file_strerror(-EFBIG), "too large");
	assert_string_equal(util_file_strerror(-ENOENT), "No such file or directory");
	snprintf(path, sizeof(path), "%s/fifo", support_tmp);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(util_file_read(path, 100, &text, &len), -EINVAL);
	unlink(path);
	assert_string_equal(text, "untouched");
	assert_int_equal(len, 7);
}

/* mkdir -p: the folders on the way made, an existing one fine unless excl; files in the way. */
static void test_mkdirs(void **state)
{
	char path[256], deep[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/a", support_tmp);
	snprintf(deep, sizeof(deep), "%s/a/b/c", support_tmp);
	assert_int_equal(util_mkdirs(deep, true), 0);
	assert_int_equal(stat(deep, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(util_mkdirs(deep, false), 0);
	assert_int_equal(util_mkdirs(deep, true), -EEXIST);
	/* a file where a folder must go */
	snprintf(path, sizeof(path), "%s/empty/x", support_tmp);
	assert_int_equal(util_mkdirs(path, false), -ENOTDIR);
	snprintf(path, sizeof(path), "%s/a/b/c", support_tmp);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/a/b", support_tmp);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/a", support_tmp);
	rmdir(path);
	{
		static char longpath[PATH_MAX + 16];

		memset(longpath, 'x', sizeof(longpath) - 1);
		longpath[0] = '/';
		assert_int_equal(util_mkdirs(longpath, false), -ENAMETOOLONG);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read),
	    cmocka_unit_test(test_cap),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_mkdirs),
	};

	return cmocka_run_group_tests(tests, support_tmp_setup, support_tmp_teardown);
}
