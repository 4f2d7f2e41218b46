/* SPDX-License-Identifier: MIT */
/* Helpers several unit tests share (support.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/support.h"
#include "util/file.h"

char support_tmp[64];

int support_tmp_setup(void **state)
{
	(void)state;
	snprintf(support_tmp, sizeof(support_tmp), "/tmp/edgemu-unit.XXXXXX");
	return mkdtemp(support_tmp) ? 0 : -errno;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -errno : 0;
}

int support_tmp_teardown(void **state)
{
	/* Depth first, so a folder is empty when its turn comes; links are not followed. */
	int rc = nftw(support_tmp, remove_one, 16, FTW_DEPTH | FTW_PHYS);

	(void)state;

	return rc < 0 ? -errno : rc;
}

static void join(char *path, size_t size, const char *dir, const char *name)
{
	int n = dir ? snprintf(path, size, "%s/%s", dir, name) : snprintf(path, size, "%s", name);

	if (n < 0 || (size_t)n >= size)
		fail_msg("path too long: %s/%s", dir, name);
}

char *support_file_read(const char *dir, const char *name, size_t *ret_len)
{
	char path[4096], *text = NULL;

	join(path, sizeof(path), dir, name);
	return util_file_read(path, 64u << 20, &text, ret_len) < 0 ? NULL : text;
}

void support_file_write(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;

	join(path, sizeof(path), dir, name);
	f = fopen(path, "w");
	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

struct topo_model *support_model(const char *text)
{
	struct topo_model *m = NULL;
	struct topo_err err = {0};

	if (topo_parse_string(text, strlen(text), "t.yaml", &m, &err) < 0)
		fail_msg("%s", err.msg);
	return m;
}

int support_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t support_rand(void)
{
	static uint64_t s = 88172645463325252ULL;

	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

uint64_t support_u64_ok(int (*parse)(const char *, uint64_t *), const char *s)
{
	uint64_t v = 0;

	assert_int_equal(parse(s, &v), 0);
	return v;
}

void support_u64_bad(int (*parse)(const char *, uint64_t *), const char *s, int err)
{
	uint64_t v = 12345;

	assert_int_equal(parse(s, &v), err);
	assert_int_equal(v, 12345);
}

const struct mob_radio support_radio = {
    .tx_power_dbm = 46,
    .exponent = 3.5,
    .ref_loss_db = 40,
    .min_signal_dbm = -110,
    .noise_dbm = -100,
    .bandwidth_hz = 20e6,
    .peak_rate_bps = 100000000,
    .edge_loss = 0.05,
    .loss_margin_db = 10,
    .delay_ns = 4000000,
};
