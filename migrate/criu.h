/* SPDX-License-Identifier: MIT */
/*
 * CRIU (checkpoint/restore in userspace), which will migrate `app: process` services: whether
 * it works on this machine, for each strategy, and in CRIU's own words when it does not; and
 * the refusal of a scenario or a migration that would need it, before anything is built.
 *
 * Why ask CRIU itself: whether it works depends on the pair of CRIU and kernel, not on a
 * feature we could probe (Debian 12's CRIU 3.17 fails on kernel 6.18, whose vDSO it cannot
 * parse, and works on Debian's 6.1). `criu check` is CRIU's own test of the kernel, and
 * `criu check --feature F` of one feature a strategy needs (mem_dirty_track for pre-copy's
 * pre-dump rounds, uffd-noncoop for post-copy's lazy pages).
 */
#ifndef EDGEMU_MIGRATE_CRIU_H
#define EDGEMU_MIGRATE_CRIU_H

#include <stdbool.h>
#include <stddef.h>

#include "topo/topo.h"

#define MIG_CRIU_REASON_MAX 256
#define MIG_CRIU_TIMEOUT_MS 20000 /* per probe; criu check takes 35 ms here, ~1 s in the VM */

/* What to do when CRIU does not work on this kernel (edgemu check says it, refusals too). */
#define MIG_CRIU_FIX "boot a stock Debian kernel (tests/vm/vm.sh runs one) or use a newer CRIU"
#define MIG_CRIU_INSTALL "criu is not installed (apt-get install criu)"
/* ... and when not root: criu check then fails whatever the kernel (it makes namespaces) */
#define MIG_CRIU_FIX_ROOT "run it as root (sudo); criu check needs root"

/* The probes, each one run of criu; their outputs feed mig_criu_judge(). */
enum mig_criu_probe {
	MIG_CRIU_VERSION, /* criu --version */
	MIG_CRIU_CHECK,	  /* criu check: what every strategy needs */
	MIG_CRIU_DIRTY,	  /* criu check --feature mem_dirty_track: pre-copy */
	MIG_CRIU_UFFD,	  /* criu check --feature uffd-noncoop: post-copy */
	MIG_CRIU_PROBES
};

/* One probe's run: its stdout and stderr together, and how it ended. */
struct mig_criu_out {
	const char *text; /* NULL: not run */
	/* the exit status (0..255); -ETIMEDOUT killed at MIG_CRIU_TIMEOUT_MS; -errno: not run */
	int status;
};

/* What CRIU can do here. */
struct mig_criu {
	bool installed;
	bool unprivileged; /* asked without root: what fails may be only that */
	char path[256];	   /* the criu that was asked */
	char version[64];  /* "3.17.1"; "" unknown */
	bool ok[TOPO_STRATEGY_N];
	/* !ok[s]: why, CRIU's own first error line (or MIG_CRIU_INSTALL); "" when ok */
	char reason[TOPO_STRATEGY_N][MIG_CRIU_REASON_MAX];
};

/* What to do when c says a strategy does not work: MIG_CRIU_FIX, or MIG_CRIU_FIX_ROOT. */
const char *mig_criu_fix(const struct mig_criu *c);

/* The argv of probe p after the program (NULL-terminated), for the record and the tests. */
const char *const *mig_criu_probe_args(enum mig_criu_probe p);

/*
 * The reason in a probe's output: its first "Error (file:line): what" line that is not about
 * one of criu's own helper children ("exited, status=1"), as "what"; else its first line that
 * is not empty. Cut to fit len. Empty when the text has no line at all.
 */
void mig_criu_reason(const char *text, char *buf, size_t len);

/* The version in `criu --version`'s output ("Version: 3.17.1"), "" if there is none. */
void mig_criu_version(const char *text, char *buf, size_t len);

/*
 * ret filled from the probes' outputs (out[MIG_CRIU_PROBES]): cold works when criu check
 * succeeds, pre-copy and post-copy when their feature's check does too. Pure, for the tests;
 * ret->path and ret->installed are the caller's.
 */
void mig_criu_judge(const struct mig_criu_out out[], struct mig_criu *ret);

/*
 * Runs the probes (the features only when criu check succeeds), each a child of ours with
 * MIG_CRIU_TIMEOUT_MS, never through a shell: criu is $EDGEMU_CRIU if set, else the first
 * criu in $PATH, /usr/local/sbin, /usr/sbin, /sbin. Done once a process: later calls give the
 * same result. Never NULL.
 */
const struct mig_criu *mig_criu_check(void);

/*
 * Whether service svc needs CRIU in this scenario: it is app: process and the migration
 * policy can move it (anything but never).
 */
bool mig_criu_needed(const struct topo_model *m, unsigned svc);

/*
 * The refusal of migrating service svc (app: process) with strategy s where CRIU says c: err
 * gets "file:line:col: service S (app: process): <strategy> migration needs CRIU, which does not
 * work here: <CRIU's reason>; <what to do>", the position of its app:, and -ENOTSUP is
 * returned; 0 where CRIU works for s. Pure: the tests give a model and a fake c.
 */
int mig_criu_refuse(const struct topo_model *m, unsigned svc, enum topo_strategy s,
		    const struct mig_criu *c, struct topo_err *err);

/*
 * A scenario's services that need CRIU (mig_criu_needed), each refused as mig_criu_refuse()
 * says with the scenario's strategy; CRIU is asked (mig_criu_check) only when one does.
 * 0 when none needs it.
 */
int mig_criu_scenario(const struct topo_model *m, struct topo_err *err);

#endif
