/* SPDX-License-Identifier: MIT */
/*
 * What CRIU leaves in an images folder, read without crit and without a protobuf library: the
 * statistics of a dump (stats-dump) and of a restore (stats-restore), and the size of the
 * pages a folder holds (what a page server received there).
 *
 * Why by hand: the format is small and stable. An image file starts with two 32-bit
 * little-endian magics (the service magic 0x55105940 then the stats magic 0x57093306 for
 * these two files), then entries, each a 32-bit little-endian size and a protobuf message of
 * that size. A stats file holds one StatsEntry (images/stats.proto in CRIU's sources): field 1
 * a DumpStatsEntry, field 2 a RestoreStatsEntry. A file is untrusted input: anything short,
 * long, or not what CRIU writes is refused with -EINVAL, never read out of bounds.
 */
#ifndef EDGEMU_MIGRATE_CRIU_IMG_H
#define EDGEMU_MIGRATE_CRIU_IMG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIG_CRIU_MAGIC_SERVICE 0x55105940u /* CRIU's IMG_SERVICE_MAGIC: stats, irmap cache */
#define MIG_CRIU_MAGIC_STATS 0x57093306u   /* CRIU's STATS_MAGIC */
#define MIG_CRIU_STATS_MAX 4096		   /* bytes of a stats file: CRIU's are about 50 */
#define MIG_CRIU_PAGE_SIZE 4096		   /* what the page counts count, on x86-64 */

/* What one stats file says; the part it does not have is zero (dump or restore false). */
struct mig_criu_stats {
	bool dump; /* a DumpStatsEntry was there (stats-dump, written by dump and pre-dump) */
	/* from the freeze's start until every task is frozen */
	uint32_t freezing_time_us;
	/* how long the tasks were frozen: a dump's downtime at the source (with --leave-stopped
	 * or a lazy dump, until they were handed back, not until the end) */
	uint32_t frozen_time_us;
	uint32_t memdump_time_us;  /* collecting the pages (the tasks frozen) */
	uint32_t memwrite_time_us; /* writing them out (to the folder or the page server) */
	uint64_t pages_scanned;	   /* pages of the tasks' memory looked at */
	/* not written: unchanged since the parent images (pre-dump rounds, --track-mem) */
	uint64_t pages_skipped_parent;
	uint64_t pages_written; /* written now (locally or to the page server) */
	uint64_t pages_lazy;	/* left for post-copy's lazy-pages daemon to pull (0: not said) */

	bool restore;		  /* a RestoreStatsEntry was there (stats-restore) */
	uint32_t forking_time_us; /* making the tasks */
	uint32_t restore_time_us; /* the whole restore, from start to the tasks resumed */
	uint64_t pages_compared;  /* compared with the parent's (pre-copy restores) */
	uint64_t pages_skipped_cow;
	uint64_t pages_restored; /* 0 when not said */
};

/*
 * The stats file in buf (len bytes), as CRIU writes it: the two magics, then exactly one
 * entry. Unknown fields are skipped (a newer CRIU adds some); a field of a known number with
 * the wrong wire type, a varint over 10 bytes or 64 bits, a uint32 field over 32 bits, a
 * DumpStatsEntry without one of its required fields 1-7 (pages_lazy, 9, may be missing: older
 * CRIUs did not have it), a RestoreStatsEntry without its fields 1-4, a group, field
 * number 0, anything cut short or left over: -EINVAL. 0 with *ret filled, else ret untouched.
 */
int mig_criu_stats_parse(const void *buf, size_t len, struct mig_criu_stats *ret);

/*
 * dir/stats-dump parsed: 0, or -errno: -ENOENT no dump wrote it, -EFBIG over
 * MIG_CRIU_STATS_MAX bytes, -EINVAL as above or without a DumpStatsEntry.
 */
int mig_criu_stats_read(const char *dir, struct mig_criu_stats *ret);

/* dir/stats-restore parsed, as mig_criu_stats_read() does dir/stats-dump (RestoreStatsEntry). */
int mig_criu_stats_read_restore(const char *dir, struct mig_criu_stats *ret);

/*
 * The total size of the regular files pages-*.img in dir (not below it, links not followed:
 * a pre-copy round's `parent` link leads to the round before): the pages a dump wrote there,
 * or a page server received. 0 with *ret, or -errno (the folder cannot be read).
 */
int mig_criu_pages_bytes(const char *dir, uint64_t *ret);

#endif
