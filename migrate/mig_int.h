/* SPDX-License-Identifier: MIT */
/*
 * Inside migrate/: one migration as a job (migration.c), shared with the migration of
 * app: process services by CRIU (criu_mig.c), which has the same phases, report, flip and
 * roll-back rules but other processes to drive.
 */
#ifndef EDGEMU_MIGRATE_MIG_INT_H
#define EDGEMU_MIGRATE_MIG_INT_H

#include <limits.h>

#include "migrate/migrate.h"

#define MIG_TABLE_MAX 1024

struct criu_mig;

struct mig_job {
	struct topo_net *net;
	unsigned svc, client, from, to;
	struct mig_opts o;
	struct mig_report r;
	struct mig_report *rep; /* &r */
	int src, dst;		/* control sockets */
	bool src_error, src_frozen, dst_error, dst_gone, src_gone, flipped;
	bool aborted;
	uint64_t dst_absent; /* pages the destination lacked when it failed */
	uint64_t last_ns;    /* the last word from an agent */
	char src_what[192], dst_what[192];
	struct topo_err err; /* of a flip during a step */
	struct steer *steer; /* held open for a fast flip (NULL: route steering) */
	unsigned moved[64];  /* clients flipped, to flip back on failure */
	unsigned n_moved;
	struct {
		uint64_t id, counter;
	} table[MIG_TABLE_MAX]; /* a destination's client table, read back */
	unsigned n_table;
	struct criu_mig *cm; /* app: process: the CRIU migration (criu_mig.c); NULL otherwise */
};

/* The clients the source instance serves (j->moved): they all move with it. */
void mig_job_clients(struct mig_job *j);
/* Every client of the source instance to node (the destination, or back to the source). */
int mig_job_flip(struct mig_job *j, unsigned node, struct topo_err *err);
/* The runner's hook (o.on_event): msg is "verb key=value ...", t its time. */
void mig_job_hook(struct mig_job *j, const char *msg, uint64_t t);
/* `edgemu steer` of every moved client to the destination, as a sh command; NULL if none. */
char *mig_job_orphan_cmd(const struct mig_job *j);
/* The report's phases appended to a CSV file. */
void mig_csv_write(const char *path, const struct mig_report *r);
/* With EDGEMU_TEST_STOP=where, this process stops itself (SIGSTOP) here: for fault tests. */
void mig_test_stop(const char *where);

/*
 * The CRIU side (criu_mig.c), called by mig_job_start() and the rest for app: process: j is
 * filled (net, svc, client, to, o, rep, from, moved clients, steer) and the source checked;
 * these start, step, and end the migration as mig_job_*() say (j->aborted: give up).
 */
int mig_criu_job_start(struct mig_job *j, struct topo_err *err);
int mig_criu_job_step(struct mig_job *j, uint64_t now_ns);
void mig_criu_job_fds(const struct mig_job *j, int fds[2]);
/* Ends it (done, or rolled back), fills j->rep; the caller frees j. */
void mig_criu_job_finish(struct mig_job *j);
void mig_criu_job_free(struct mig_job *j);

/* One criu command of a CRIU migration (criu_mig.c), for mig_criu_args(). */
enum mig_criu_verb {
	MIG_CRIU_PAGE_SERVER, /* at the destination: receives a round's pages */
	MIG_CRIU_PREDUMP,     /* at the source: a pre-copy round, the program running */
	MIG_CRIU_DUMP,	      /* at the source: the final dump, the program frozen */
	MIG_CRIU_LAZY_DUMP,   /* at the source: post-copy's dump, which then serves the pages */
	MIG_CRIU_LAZY_PAGES,  /* at the destination: post-copy's pulling of the pages */
	MIG_CRIU_RESTORE      /* at the destination */
};

struct mig_criu_step {
	enum mig_criu_verb verb;
	enum topo_strategy strategy;
	unsigned round;	  /* the images' folder: <dir>/s/<round> at the source, d/ dest. */
	long pid;	  /* the source program (its pid namespace's init) */
	const char *dir;  /* the migration's folder */
	const char *addr; /* the page server's (dumps), the lazy dump's (lazy-pages) */
	uint16_t port;
	bool tcp_established;
};

/* Room for the words of one command. */
struct mig_criu_argv {
	const char *argv[32];
	char dir[PATH_MAX + 32], pidfile[PATH_MAX + 32], pid[24], port[8], prev[16];
};

/*
 * The words after `criu` of step st (-o and --status-fd are the caller's), NULL-terminated,
 * in ret (which holds the strings too): pure, for the tests.
 */
const char *const *mig_criu_args(const struct mig_criu_step *st, struct mig_criu_argv *ret);

/*
 * The pages criu lazy-pages pulled, from its log at -v3 (its "Read ADDR N pages" lines); 0
 * when it has none. Pure.
 */
uint64_t mig_criu_lazy_pages(const char *log);

/*
 * Service svc's instance on node is pid, a process we did not start (a restored one): into
 * the run's ledger and instances file as mig_instance_spawn() puts its own.
 */
int mig_instance_adopt(struct topo_net *net, unsigned svc, unsigned node, pid_t pid);

/* Node answers for service svc's VIP itself (steering: route puts it on every instance node). */
int mig_vip_local(struct topo_net *net, unsigned svc, unsigned node, struct topo_err *err);

/* Whether pid has exited: reaped here if it is our child, a zombie, or gone. */
bool mig_pid_gone(pid_t pid);

#endif
