/* SPDX-License-Identifier: MIT */
/* CRIU's stats files and page images, read by hand (migrate/criu_img.h). */
#include "migrate/criu_img.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file.h"

/* protobuf's wire types; 3 and 4 (groups) are refused: no CRIU image has them */
enum wire { WIRE_VARINT = 0, WIRE_I64 = 1, WIRE_LEN = 2, WIRE_I32 = 5 };

#define VARINT_MAX 10		   /* bytes of a 64-bit varint */
#define FIELD_MAX ((1u << 29) - 1) /* protobuf's largest field number */

/* What is left of the input: every read checks it first. */
struct cursor {
	const uint8_t *p;
	size_t left;
};

static int read_varint(struct cursor *c, uint64_t *ret)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < VARINT_MAX; i++) {
		uint8_t b;

		if (!c->left)
			return -EINVAL;
		b = *c->p++;
		c->left--;
		/* the tenth byte holds bit 63 alone: more would not fit in 64 bits */
		if (i == VARINT_MAX - 1 && b > 1)
			return -EINVAL;
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*ret = v;
			return 0;
		}
	}
	return -EINVAL;
}

static int skip(struct cursor *c, size_t n)
{
	if (n > c->left)
		return -EINVAL;
	c->p += n;
	c->left -= n;
	return 0;
}

/* A length-delimited field's bytes as a cursor of their own, c moved past them. */
static int read_len(struct cursor *c, struct cursor *ret)
{
	uint64_t n;
	int r = read_varint(c, &n);

	if (r)
		return r;
	if (n > c->left)
		return -EINVAL;
	ret->p = c->p;
	ret->left = (size_t)n;
	return skip(c, (size_t)n);
}

static int read_key(struct cursor *c, uint32_t *ret_field, unsigned *ret_wire)
{
	uint64_t key;
	int r = read_varint(c, &key);

	if (r)
		return r;
	if (key >> 3 == 0 || key >> 3 > FIELD_MAX)
		return -EINVAL;
	*ret_field = (uint32_t)(key >> 3);
	*ret_wire = (unsigned)(key & 7);
	return 0;
}

/* Past a field we do not know, whatever its wire type but a group. */
static int skip_value(struct cursor *c, unsigned wire)
{
	struct cursor sub;
	uint64_t v;

	switch (wire) {
	case WIRE_VARINT:
		return read_varint(c, &v);
	case WIRE_I64:
		return skip(c, 8);
	case WIRE_LEN:
		return read_len(c, &sub);
	case WIRE_I32:
		return skip(c, 4);
	default:
		return -EINVAL;
	}
}

/* A scalar field of a message we read: where it goes in struct mig_criu_stats. */
struct field {
	uint32_t num;
	size_t off;
	bool u32; /* uint32 (else uint64) */
};

#define OFF(m) offsetof(struct mig_criu_stats, m)

/* DumpStatsEntry: irmap_resolve (8) and what 3.17 adds past 9 (page pipes, shmem) skipped */
static const struct field dump_fields[] = {
    {1, OFF(freezing_time_us), true}, {2, OFF(frozen_time_us), true},
    {3, OFF(memdump_time_us), true},  {4, OFF(memwrite_time_us), true},
    {5, OFF(pages_scanned), false},   {6, OFF(pages_skipped_parent), false},
    {7, OFF(pages_written), false},   {9, OFF(pages_lazy), false},
};
#define DUMP_REQUIRED 0xfeu /* fields 1-7 */

static const struct field restore_fields[] = {
    {1, OFF(pages_compared), false}, {2, OFF(pages_skipped_cow), false},
    {3, OFF(forking_time_us), true}, {4, OFF(restore_time_us), true},
    {5, OFF(pages_restored), false},
};
#define RESTORE_REQUIRED 0x1eu /* fields 1-4 */

/*
 * The message in c, its known fields into s; *seen gets a bit per field number (below 32)
 * that was there. A field given twice keeps its last value, as protobuf says.
 */
static int read_message(struct cursor c, const struct field *fields, size_t n,
			struct mig_criu_stats *s, uint32_t *seen)
{
	while (c.left) {
		const struct field *f = NULL;
		uint32_t num;
		unsigned wire;
		uint64_t v;
		int r = read_key(&c, &num, &wire);

		if (r)
			return r;
		for (size_t i = 0; i < n && !f; i++)
			if (fields[i].num == num)
				f = &fields[i];
		if (!f) {
			r = skip_value(&c, wire);
			if (r)
				return r;
			continue;
		}
		if (wire != WIRE_VARINT)
			return -EINVAL;
		r = read_varint(&c, &v);
		if (r)
			return r;
		if (f->u32) {
			uint32_t v32 = (uint32_t)v;

			if (v > UINT32_MAX)
				return -EINVAL;
			memcpy((char *)s + f->off, &v32, sizeof(v32));
		} else {
			memcpy((char *)s + f->off, &v, sizeof(v));
		}
		*seen |= 1u << num;
	}
	return 0;
}

/* StatsEntry: its dump (1) and restore (2) messages; every field known is < 32. */
static int read_stats_entry(struct cursor c, struct mig_criu_stats *s)
{
	uint32_t dump_seen = 0, restore_seen = 0;

	while (c.left) {
		struct cursor sub;
		uint32_t num;
		unsigned wire;
		int r = read_key(&c, &num, &wire);

		if (r)
			return r;
		if (num != 1 && num != 2) {
			r = skip_value(&c, wire);
			if (r)
				return r;
			continue;
		}
		if (wire != WIRE_LEN)
			return -EINVAL;
		r = read_len(&c, &sub);
		if (!r && num == 1)
			r = read_message(sub, dump_fields,
					 sizeof(dump_fields) / sizeof(dump_fields[0]), s,
					 &dump_seen);
		else if (!r)
			r = read_message(sub, restore_fields,
					 sizeof(restore_fields) / sizeof(restore_fields[0]), s,
					 &restore_seen);
		if (r)
			return r;
		if (num == 1)
			s->dump = true;
		else
			s->restore = true;
	}
	if (s->dump && (dump_seen & DUMP_REQUIRED) != DUMP_REQUIRED)
		return -EINVAL;
	if (s->restore && (restore_seen & RESTORE_REQUIRED) != RESTORE_REQUIRED)
		return -EINVAL;
	return 0;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int mig_criu_stats_parse(const void *buf, size_t len, struct mig_criu_stats *ret)
{
	struct mig_criu_stats s = {0};
	const uint8_t *p = buf;
	struct cursor entry;
	int r;

	if (len < 12 || le32(p) != MIG_CRIU_MAGIC_SERVICE || le32(p + 4) != MIG_CRIU_MAGIC_STATS)
		return -EINVAL;
	/* one entry, and nothing after it */
	if (le32(p + 8) != len - 12)
		return -EINVAL;
	entry.p = p + 12;
	entry.left = len - 12;
	r = read_stats_entry(entry, &s);
	if (r)
		return r;
	*ret = s;
	return 0;
}

static int stats_read(const char *dir, const char *name, bool restore, struct mig_criu_stats *ret)
{
	struct mig_criu_stats s;
	char path[PATH_MAX];
	char *buf = NULL;
	size_t len;
	int r;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	r = util_file_read(path, MIG_CRIU_STATS_MAX, &buf, &len);
	if (r)
		return r;
	r = mig_criu_stats_parse(buf, len, &s);
	free(buf);
	if (r)
		return r;
	if (restore ? !s.restore : !s.dump)
		return -EINVAL;
	*ret = s;
	return 0;
}

int mig_criu_stats_read(const char *dir, struct mig_criu_stats *ret)
{
	return stats_read(dir, "stats-dump", false, ret);
}

int mig_criu_stats_read_restore(const char *dir, struct mig_criu_stats *ret)
{
	return stats_read(dir, "stats-restore", true, ret);
}

static bool is_pages_image(const char *name)
{
	size_t n = strlen(name);

	return n > strlen("pages-.img") && !strncmp(name, "pages-", 6) &&
	       !strcmp(name + n - 4, ".img");
}

int mig_criu_pages_bytes(const char *dir, uint64_t *ret)
{
	uint64_t total = 0;
	struct dirent *e;
	DIR *d = opendir(dir);
	int r = 0;

	if (!d)
		return -errno;
	for (errno = 0; (e = readdir(d)); errno = 0) {
		struct stat st;

		if (!is_pages_image(e->d_name))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
			break;
		}
		if (S_ISREG(st.st_mode))
			total += (uint64_t)st.st_size;
	}
	if (!r && errno)
		r = -errno;
	closedir(d);
	if (r)
		return r;
	*ret = total;
	return 0;
}
