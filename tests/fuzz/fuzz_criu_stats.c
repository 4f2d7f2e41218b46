/* SPDX-License-Identifier: MIT */
/*
 * CRIU's stats files read by hand (migrate/criu_img.c): the input as a whole stats file. It is
 * refused with -EINVAL and the output left alone, or it reads; what reads, written back the
 * plain way (each field once, in order), must read the same.
 */
#include <errno.h>
#include <string.h>

#include "migrate/criu_img.h"
#include "tests/fuzz/fuzz.h"

struct out {
	uint8_t b[256];
	size_t n;
};

static void put_byte(struct out *o, uint8_t b)
{
	FUZZ_CHECK(o->n < sizeof(o->b));
	o->b[o->n++] = b;
}

static void put_varint(struct out *o, uint64_t v)
{
	do {
		put_byte(o, (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)));
		v >>= 7;
	} while (v);
}

static void put_field(struct out *o, unsigned num, uint64_t v)
{
	put_varint(o, (uint64_t)num << 3);
	put_varint(o, v);
}

static void put_le32(struct out *o, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		put_byte(o, (uint8_t)(v >> (8 * i)));
}

/* A message (its fields, numbered from 1, 9 for the dump's pages_lazy) as a StatsEntry field. */
static void put_message(struct out *o, unsigned num, const uint64_t *v, const unsigned *nums,
			size_t n)
{
	struct out m = {.n = 0};

	for (size_t i = 0; i < n; i++)
		put_field(&m, nums[i], v[i]);
	put_varint(o, (uint64_t)num << 3 | 2);
	put_varint(o, m.n);
	for (size_t i = 0; i < m.n; i++)
		put_byte(o, m.b[i]);
}

static void encode(const struct mig_criu_stats *s, struct out *o)
{
	static const unsigned dump_nums[] = {1, 2, 3, 4, 5, 6, 7, 9};
	static const unsigned restore_nums[] = {1, 2, 3, 4, 5};
	const uint64_t dump[] = {s->freezing_time_us, s->frozen_time_us, s->memdump_time_us,
				 s->memwrite_time_us, s->pages_scanned,	 s->pages_skipped_parent,
				 s->pages_written,    s->pages_lazy};
	const uint64_t restore[] = {s->pages_compared, s->pages_skipped_cow, s->forking_time_us,
				    s->restore_time_us, s->pages_restored};
	struct out e = {.n = 0};

	if (s->dump)
		put_message(&e, 1, dump, dump_nums, 8);
	if (s->restore)
		put_message(&e, 2, restore, restore_nums, 5);
	o->n = 0;
	put_le32(o, MIG_CRIU_MAGIC_SERVICE);
	put_le32(o, MIG_CRIU_MAGIC_STATS);
	put_le32(o, (uint32_t)e.n);
	for (size_t i = 0; i < e.n; i++)
		put_byte(o, e.b[i]);
}

static bool same(const struct mig_criu_stats *a, const struct mig_criu_stats *b)
{
	return a->dump == b->dump && a->freezing_time_us == b->freezing_time_us &&
	       a->frozen_time_us == b->frozen_time_us && a->memdump_time_us == b->memdump_time_us &&
	       a->memwrite_time_us == b->memwrite_time_us && a->pages_scanned == b->pages_scanned &&
	       a->pages_skipped_parent == b->pages_skipped_parent &&
	       a->pages_written == b->pages_written && a->pages_lazy == b->pages_lazy &&
	       a->restore == b->restore && a->forking_time_us == b->forking_time_us &&
	       a->restore_time_us == b->restore_time_us && a->pages_compared == b->pages_compared &&
	       a->pages_skipped_cow == b->pages_skipped_cow &&
	       a->pages_restored == b->pages_restored;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mig_criu_stats s, again, before;
	struct out o;
	int r;

	memset(&s, 0x5a, sizeof(s));
	before = s;
	r = mig_criu_stats_parse(data, size, &s);
	FUZZ_CHECK(r == 0 || r == -EINVAL);
	if (r) {
		FUZZ_CHECK(!memcmp(&s, &before, sizeof(s)));
		return 0;
	}
	/* what was not there reads as 0 */
	FUZZ_CHECK(s.dump || (!s.frozen_time_us && !s.pages_written && !s.pages_lazy));
	FUZZ_CHECK(s.restore || (!s.restore_time_us && !s.pages_restored));
	encode(&s, &o);
	FUZZ_CHECK(mig_criu_stats_parse(o.b, o.n, &again) == 0);
	FUZZ_CHECK(same(&s, &again));
	/* one byte short never reads */
	FUZZ_CHECK(mig_criu_stats_parse(data, size - 1, &again) == -EINVAL);
	return 0;
}
