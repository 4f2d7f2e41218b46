/* SPDX-License-Identifier: MIT */
/*
 * CRIU's stats files read by hand (migrate/criu_img.h): the files criu 3.17.1 wrote in the
 * stock-kernel VM (tests/fixtures/criu, with what crit said of each), messages built here,
 * unknown fields, and every way a file can be cut short, too long or not CRIU's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate/criu_img.h"
#include "tests/unit/support.h"

/* A file's bytes. */
struct bytes {
	uint8_t b[MIG_CRIU_STATS_MAX];
	size_t n;
};

static void put(struct bytes *m, const void *p, size_t n)
{
	assert_true(m->n + n <= sizeof(m->b));
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void put_varint(struct bytes *m, uint64_t v)
{
	do {
		uint8_t b = (uint8_t)(v & 0x7f);

		v >>= 7;
		if (v)
			b |= 0x80;
		put(m, &b, 1);
	} while (v);
}

static void put_key(struct bytes *m, uint64_t field, unsigned wire)
{
	put_varint(m, field << 3 | wire);
}

static void put_u(struct bytes *m, uint64_t field, uint64_t v)
{
	put_key(m, field, 0);
	put_varint(m, v);
}

static void put_le32(struct bytes *m, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};

	put(m, b, 4);
}

static void put_sub(struct bytes *m, uint64_t field, const struct bytes *sub)
{
	put_key(m, field, 2);
	put_varint(m, sub->n);
	put(m, sub->b, sub->n);
}

/* A stats file around a StatsEntry's bytes: the magics, the entry's size, the entry. */
static void file_of(struct bytes *f, const struct bytes *entry)
{
	f->n = 0;
	put_le32(f, MIG_CRIU_MAGIC_SERVICE);
	put_le32(f, MIG_CRIU_MAGIC_STATS);
	put_le32(f, (uint32_t)entry->n);
	put(f, entry->b, entry->n);
}

/* A DumpStatsEntry with its required fields 1-7 (values 1000+n) and pages_lazy 9 if lazy. */
static void dump_msg(struct bytes *d, bool lazy)
{
	d->n = 0;
	for (uint64_t f = 1; f <= 7; f++)
		put_u(d, f, 1000 + f);
	if (lazy)
		put_u(d, 9, 1009);
}

/* Parsed from a buffer of its exact size, as refused() does. */
static int parse(const struct bytes *f, struct mig_criu_stats *s)
{
	void *copy = malloc(f->n ? f->n : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, f->b, f->n);
	r = mig_criu_stats_parse(copy, f->n, s);
	free(copy);
	return r;
}

/* The file with this dump message as the only field of the StatsEntry. */
static int parse_dump(const struct bytes *d, struct mig_criu_stats *s)
{
	struct bytes e = {.n = 0}, f;

	put_sub(&e, 1, d);
	file_of(&f, &e);
	return parse(&f, s);
}

static void fixture(const char *name, struct bytes *ret)
{
	const char *src = getenv("EDGEMU_SRC");
	char dir[512];
	size_t len;
	char *buf;

	snprintf(dir, sizeof(dir), "%s/tests/fixtures/criu", src ? src : ".");
	buf = support_file_read(dir, name, &len);
	if (!buf)
		fail_msg("cannot read %s/%s (EDGEMU_SRC is the source tree)", dir, name);
	assert_true(len <= sizeof(ret->b));
	memcpy(ret->b, buf, len);
	ret->n = len;
	free(buf);
}

/* What crit show said of a stats-dump (tests/fixtures/criu/README.md). */
struct crit_dump {
	const char *file;
	uint32_t freezing, frozen, memdump, memwrite;
	uint64_t scanned, skipped_parent, written, lazy;
};

static const struct crit_dump crit_dumps[] = {
    {"stats-predump", 3169, 53856, 3829, 2861, 721, 0, 31, 0},
    {"stats-dump", 8002, 74718, 3150, 594, 721, 27, 4, 0},
    {"stats-dump-16m", 9539, 183581, 62887, 55583, 7703, 0, 5078, 0},
    {"stats-dump-pageserver", 5226, 400769, 86111, 61999, 7703, 0, 5054, 0},
    {"stats-dump-lazy", 0, 1013781432, 0, 0, 0, 0, 0, 0},
};

static void test_real_dumps(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(crit_dumps) / sizeof(crit_dumps[0]); i++) {
		const struct crit_dump *c = &crit_dumps[i];
		struct mig_criu_stats s;
		struct bytes f;

		fixture(c->file, &f);
		assert_int_equal(parse(&f, &s), 0);
		assert_true(s.dump);
		assert_false(s.restore);
		assert_int_equal(s.freezing_time_us, c->freezing);
		assert_int_equal(s.frozen_time_us, c->frozen);
		assert_int_equal(s.memdump_time_us, c->memdump);
		assert_int_equal(s.memwrite_time_us, c->memwrite);
		assert_int_equal(s.pages_scanned, c->scanned);
		assert_int_equal(s.pages_skipped_parent, c->skipped_parent);
		assert_int_equal(s.pages_written, c->written);
		assert_int_equal(s.pages_lazy, c->lazy);
		assert_int_equal(s.restore_time_us, 0);
	}
}

static void test_real_restores(void **state)
{
	struct mig_criu_stats s;
	struct bytes f;

	(void)state;
	fixture("stats-restore", &f);
	assert_int_equal(parse(&f, &s), 0);
	assert_false(s.dump);
	assert_true(s.restore);
	assert_int_equal(s.pages_compared, 0);
	assert_int_equal(s.pages_skipped_cow, 0);
	assert_int_equal(s.forking_time_us, 44);
	assert_int_equal(s.restore_time_us, 57194);
	assert_int_equal(s.pages_restored, 31);
	assert_int_equal(s.frozen_time_us, 0);

	fixture("stats-restore-lazy", &f);
	assert_int_equal(parse(&f, &s), 0);
	assert_true(s.restore);
	assert_int_equal(s.forking_time_us, 42);
	assert_int_equal(s.restore_time_us, 57660);
	assert_int_equal(s.pages_restored, 309);
}

static void test_built(void **state)
{
	struct bytes d, r = {.n = 0}, e = {.n = 0}, f;
	struct mig_criu_stats s;

	(void)state;
	dump_msg(&d, true);
	assert_int_equal(parse_dump(&d, &s), 0);
	assert_true(s.dump);
	assert_int_equal(s.freezing_time_us, 1001);
	assert_int_equal(s.frozen_time_us, 1002);
	assert_int_equal(s.memdump_time_us, 1003);
	assert_int_equal(s.memwrite_time_us, 1004);
	assert_int_equal(s.pages_scanned, 1005);
	assert_int_equal(s.pages_skipped_parent, 1006);
	assert_int_equal(s.pages_written, 1007);
	assert_int_equal(s.pages_lazy, 1009);

	/* pages_lazy missing (older CRIUs): 0; fields in any order; the last of a repeat */
	d.n = 0;
	for (uint64_t n = 7; n >= 1; n--)
		put_u(&d, n, n);
	put_u(&d, 2, UINT32_MAX);
	put_u(&d, 7, UINT64_MAX);
	assert_int_equal(parse_dump(&d, &s), 0);
	assert_int_equal(s.pages_lazy, 0);
	assert_int_equal(s.freezing_time_us, 1);
	assert_int_equal(s.frozen_time_us, UINT32_MAX);
	assert_int_equal(s.pages_written, UINT64_MAX);

	/* both parts in one entry, restore first; pages_restored optional */
	for (uint64_t n = 1; n <= 4; n++)
		put_u(&r, n, 2000 + n);
	put_sub(&e, 2, &r);
	dump_msg(&d, false);
	put_sub(&e, 1, &d);
	file_of(&f, &e);
	assert_int_equal(parse(&f, &s), 0);
	assert_true(s.dump && s.restore);
	assert_int_equal(s.pages_compared, 2001);
	assert_int_equal(s.pages_skipped_cow, 2002);
	assert_int_equal(s.forking_time_us, 2003);
	assert_int_equal(s.restore_time_us, 2004);
	assert_int_equal(s.pages_restored, 0);
	assert_int_equal(s.pages_written, 1007);

	/* an empty StatsEntry is a valid one: neither part */
	e.n = 0;
	file_of(&f, &e);
	assert_int_equal(parse(&f, &s), 0);
	assert_false(s.dump || s.restore);
}

/* Unknown fields of every wire type, in both messages, are skipped. */
static void put_unknowns(struct bytes *m, uint64_t base)
{
	struct bytes sub = {.n = 0};
	uint8_t eight[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

	put_u(&sub, 1, 12345); /* a message inside: not looked into */
	put_u(m, base, UINT64_MAX);
	put_key(m, base + 1, 1);
	put(m, eight, 8);
	put_sub(m, base + 2, &sub);
	put_key(m, base + 3, 5);
	put(m, eight, 4);
	put_key(m, base + 4, 2); /* empty bytes */
	put_varint(m, 0);
	put_u(m, (1u << 29) - 1, 7); /* the largest field number */
}

static void test_unknown_skipped(void **state)
{
	struct bytes d = {.n = 0}, e = {.n = 0}, f;
	struct mig_criu_stats s;

	(void)state;
	put_unknowns(&d, 20);
	for (uint64_t n = 1; n <= 7; n++)
		put_u(&d, n, 10 * n);
	put_unknowns(&d, 100);
	/* what 3.17 adds: irmap_resolve 8, page_pipes 10... */
	put_u(&d, 8, 5);
	put_u(&d, 10, 6);
	put_u(&d, 14, 7);
	put_unknowns(&e, 3);
	put_sub(&e, 1, &d);
	put_unknowns(&e, 50);
	file_of(&f, &e);
	assert_int_equal(parse(&f, &s), 0);
	assert_true(s.dump);
	assert_false(s.restore);
	assert_int_equal(s.freezing_time_us, 10);
	assert_int_equal(s.pages_written, 70);
	assert_int_equal(s.pages_lazy, 0);
}

/*
 * Refused, and ret left as it was. The input in a buffer of its exact size, so that a read
 * past its end is seen (the ASan build stops there).
 */
static void refused(const void *buf, size_t len)
{
	struct mig_criu_stats s, before;
	void *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, buf, len);
	memset(&s, 0xa5, sizeof(s));
	before = s;
	assert_int_equal(mig_criu_stats_parse(copy, len, &s), -EINVAL);
	assert_memory_equal(&s, &before, sizeof(s));
	free(copy);
}

static void test_truncated(void **state)
{
	static const char *const files[] = {"stats-dump", "stats-predump", "stats-dump-16m",
					    "stats-dump-lazy", "stats-restore"};
	struct bytes d, f, cut;

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		fixture(files[i], &f);
		/* the file cut at every byte, its entry's size as written */
		for (size_t n = 0; n < f.n; n++) {
			memcpy(cut.b, f.b, n);
			refused(cut.b, n);
		}
		/* the entry cut at every byte, its size saying so: the one field (dump or
		 * restore) is cut, so only the empty entry is whole */
		for (size_t n = 1; n < f.n - 12; n++) {
			cut = f;
			cut.b[8] = (uint8_t)n;
			cut.n = 12 + n;
			refused(cut.b, cut.n);
		}
	}
	/* the dump message cut at every byte, both sizes saying so: a field cut, or a required
	 * one missing */
	dump_msg(&d, false);
	for (size_t n = 0; n < d.n; n++) {
		struct mig_criu_stats s;
		struct bytes part = d;

		part.n = n;
		assert_int_equal(parse_dump(&part, &s), -EINVAL);
	}
}

static void test_overlong(void **state)
{
	struct bytes d, e = {.n = 0}, f, g;
	struct mig_criu_stats s;

	(void)state;
	fixture("stats-dump", &f);
	/* a byte after the entry, whether the entry's size counts it or not */
	g = f;
	g.b[g.n++] = 0;
	refused(g.b, g.n);
	g.b[8]++;
	refused(g.b, g.n); /* a 0 key: field number 0 */
	/* a second entry */
	g = f;
	put(&g, f.b + 8, f.n - 8);
	refused(g.b, g.n);
	/* varints: 11 bytes; 10 bytes over 64 bits; 10 bytes of exactly 2^63 is fine */
	dump_msg(&d, false);
	put_key(&d, 5, 0);
	put(&d, "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 11);
	assert_int_equal(parse_dump(&d, &s), -EINVAL);
	dump_msg(&d, false);
	put_key(&d, 5, 0);
	put(&d, "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x02", 10);
	assert_int_equal(parse_dump(&d, &s), -EINVAL);
	dump_msg(&d, false);
	put_key(&d, 5, 0);
	put(&d, "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 10);
	assert_int_equal(parse_dump(&d, &s), 0);
	assert_int_equal(s.pages_scanned, 1ull << 63);
	/* an unknown field's varint too */
	dump_msg(&d, false);
	put_key(&d, 30, 0);
	put(&d, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
	assert_int_equal(parse_dump(&d, &s), -EINVAL);
	/* a uint32 field over 32 bits */
	dump_msg(&d, false);
	put_u(&d, 2, (uint64_t)UINT32_MAX + 1);
	assert_int_equal(parse_dump(&d, &s), -EINVAL);
	/* a length past the end of its message, though inside the entry */
	dump_msg(&d, false);
	put_key(&d, 30, 2);
	put_varint(&d, 5);
	put_sub(&e, 1, &d);
	put(&e, "abcde", 5);
	file_of(&g, &e);
	refused(g.b, g.n);
	/* a huge length */
	e.n = 0;
	put_key(&e, 40, 2);
	put_varint(&e, UINT64_MAX);
	file_of(&g, &e);
	refused(g.b, g.n);
}

static void test_not_criu(void **state)
{
	struct bytes d, e = {.n = 0}, f, g;
	struct mig_criu_stats s;

	(void)state;
	fixture("stats-dump", &f);
	/* the magics: another image's, or swapped */
	g = f;
	g.b[4] ^= 1;
	refused(g.b, g.n);
	g = f;
	memcpy(g.b, f.b + 4, 4);
	memcpy(g.b + 4, f.b, 4);
	refused(g.b, g.n);
	/* the dump as a varint (though a length and a whole message follow), or as a fixed32 */
	dump_msg(&d, false);
	put_u(&e, 1, d.n);
	put(&e, d.b, d.n);
	file_of(&g, &e);
	refused(g.b, g.n);
	e.n = 0;
	put_sub(&e, 1, &d);
	file_of(&g, &e);
	assert_int_equal(parse(&g, &s), 0); /* the same with the right wire type */
	e.n = 0;
	put_key(&e, 2, 5);
	put(&e, "abcd", 4);
	file_of(&g, &e);
	refused(g.b, g.n);
	/* a known scalar as bytes, or as fixed64 */
	dump_msg(&d, false);
	put_key(&d, 3, 2);
	put_varint(&d, 0);
	assert_int_equal(parse_dump(&d, &s), -EINVAL);
	dump_msg(&d, false);
	put_key(&d, 9, 1);
	put(&d, "12345678", 8);
	assert_int_equal(parse_dump(&d, &s), -EINVAL);
	/* groups (wire types 3 and 4), wire types 6 and 7, field number 0, beyond 2^29-1 */
	for (unsigned w = 3; w <= 7; w++) {
		if (w == 5)
			continue;
		dump_msg(&d, false);
		put_key(&d, 30, w);
		assert_int_equal(parse_dump(&d, &s), -EINVAL);
	}
	dump_msg(&d, false);
	put_u(&d, 0, 1);
	assert_int_equal(parse_dump(&d, &s), -EINVAL);
	dump_msg(&d, false);
	put_u(&d, 1ull << 29, 1);
	assert_int_equal(parse_dump(&d, &s), -EINVAL);
	/* a required field missing, each in turn; the restore's too */
	for (uint64_t miss = 1; miss <= 7; miss++) {
		d.n = 0;
		for (uint64_t n = 1; n <= 9; n++)
			if (n != miss)
				put_u(&d, n, n);
		assert_int_equal(parse_dump(&d, &s), -EINVAL);
	}
	for (uint64_t miss = 1; miss <= 4; miss++) {
		struct bytes r = {.n = 0};

		for (uint64_t n = 1; n <= 5; n++)
			if (n != miss)
				put_u(&r, n, n);
		e.n = 0;
		put_sub(&e, 2, &r);
		file_of(&g, &e);
		refused(g.b, g.n);
	}
}

static const char *path_of(const char *dir, const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static void write_bin(const char *dir, const char *name, const void *buf, size_t len)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void test_read_dir(void **state)
{
	struct mig_criu_stats s, before;
	char dir[128], big[MIG_CRIU_STATS_MAX + 1] = {0};
	struct bytes f;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/read", support_tmp);
	assert_int_equal(mkdir(dir, 0755), 0);
	memset(&s, 0xa5, sizeof(s));
	before = s;
	assert_int_equal(mig_criu_stats_read(dir, &s), -ENOENT);
	assert_int_equal(mig_criu_stats_read_restore(dir, &s), -ENOENT);
	assert_memory_equal(&s, &before, sizeof(s));

	fixture("stats-dump", &f);
	write_bin(dir, "stats-dump", f.b, f.n);
	fixture("stats-restore", &f);
	write_bin(dir, "stats-restore", f.b, f.n);
	assert_int_equal(mig_criu_stats_read(dir, &s), 0);
	assert_true(s.dump);
	assert_int_equal(s.frozen_time_us, 74718);
	assert_int_equal(s.pages_skipped_parent, 27);
	assert_int_equal(mig_criu_stats_read_restore(dir, &s), 0);
	assert_true(s.restore);
	assert_false(s.dump);
	assert_int_equal(s.restore_time_us, 57194);

	/* each file must hold its own part */
	write_bin(dir, "stats-dump", f.b, f.n);
	memset(&s, 0xa5, sizeof(s));
	assert_int_equal(mig_criu_stats_read(dir, &s), -EINVAL);
	fixture("stats-dump", &f);
	write_bin(dir, "stats-restore", f.b, f.n);
	assert_int_equal(mig_criu_stats_read_restore(dir, &s), -EINVAL);
	assert_memory_equal(&s, &before, sizeof(s));
	/* bigger than any stats file: not read whole */
	write_bin(dir, "stats-dump", big, sizeof(big));
	assert_int_equal(mig_criu_stats_read(dir, &s), -EFBIG);
	/* a folder by that name */
	assert_int_equal(unlink(path_of(dir, "stats-dump")), 0);
	assert_int_equal(mkdir(path_of(dir, "stats-dump"), 0755), 0);
	assert_int_equal(mig_criu_stats_read(dir, &s), -EISDIR);
	assert_memory_equal(&s, &before, sizeof(s));
}

static void test_pages_bytes(void **state)
{
	char dir[128], sub[160], path[200];
	static char page[5000];
	uint64_t n = 7;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/pages", support_tmp);
	assert_int_equal(mig_criu_pages_bytes(dir, &n), -ENOENT);
	assert_int_equal(n, 7);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(mig_criu_pages_bytes(dir, &n), 0);
	assert_int_equal(n, 0);

	write_bin(dir, "pages-1.img", page, 5000);
	write_bin(dir, "pages-65537.img", page, 3);
	write_bin(dir, "pages-2.img", page, 0);
	/* not page images: other images, near names, a folder, a link, a file below */
	write_bin(dir, "pagemap-1.img", page, 100);
	write_bin(dir, "pages-.img", page, 100);
	write_bin(dir, "pages-1.img.tmp", page, 100);
	write_bin(dir, "xpages-1.img", page, 100);
	write_bin(dir, "stats-dump", page, 10);
	snprintf(sub, sizeof(sub), "%s/pages-9.img", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	write_bin(sub, "pages-1.img", page, 100);
	snprintf(path, sizeof(path), "%s/pages-1.img", dir);
	snprintf(sub, sizeof(sub), "%s/pages-3.img", dir);
	assert_int_equal(symlink(path, sub), 0);
	assert_int_equal(mig_criu_pages_bytes(dir, &n), 0);
	assert_int_equal(n, 5003);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_real_dumps),	cmocka_unit_test(test_real_restores),
	    cmocka_unit_test(test_built),	cmocka_unit_test(test_unknown_skipped),
	    cmocka_unit_test(test_truncated),	cmocka_unit_test(test_overlong),
	    cmocka_unit_test(test_not_criu),	cmocka_unit_test(test_read_dir),
	    cmocka_unit_test(test_pages_bytes),
	};

	return cmocka_run_group_tests(tests, support_tmp_setup, support_tmp_teardown);
}
