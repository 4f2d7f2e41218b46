/* SPDX-License-Identifier: MIT */
/*
 * Migration decision policies: when to move the instance that serves a UE, and to which
 * edge. A policy is one C file holding a `struct mig_policy_ops`; the runner feeds it events
 * (handovers, probe answers, mobility ticks) and carries out the migrations it decides.
 * Pure logic: no netlink, no processes, no clocks of its own; time is what the runner says.
 *
 * Words. A cell is an eNB, named by its node index (int, -1: none, e.g. out of coverage).
 * An edge is a node of kind edge. The edge nearest a cell is the one fewest hops away over
 * the model's links, transit only through forwarding nodes (enb, edge, router: as topo's
 * routes); ties go to the smaller summed link delay (outgoing direction), then to the smaller
 * name. Times are ns on the runner's clock (since the run's start, as mobility counts).
 *
 * Adding a policy: its file and its line.
 *   - migrate/policy_<name>.c defines `const struct mig_policy_ops mig_policy_<name>_ops =
 *     { .name = "<name>", ... }` with the callbacks it needs (any may be NULL: that event is
 *     ignored); the build takes every migrate/policy*.c;
 *   - its line in topo/policies.h's TOPO_POLICY_LIST gives its name and describes its
 *     parameters (key, count or time, default, range): the scenario's parser checks the
 *     file against it (errors at the file's line and column), the model keeps the values,
 *     and the policy reads each with mig_policy_param(p, "<key>"), the default applied;
 *   - keep per-UE state in p->priv, allocated by init() (arrays of m->n_nodes, indexed by
 *     the UE's node index) and released by free();
 *   - decide with mig_decide(); find targets with mig_cells_nearest() and mig_cells_hops().
 *
 * Why the table is in topo/ and not here: every program that parses a scenario must know the
 * policies' names and parameters, and most of them (edgemu check, sweep and report, the
 * fuzzers, the parser's unit tests) link topo without migrate, which sits above topo and may
 * not be below it. A registry that migrate/ fills at run time would leave those programs
 * without policies unless each remembered to fill it. So the table is data of the scenario
 * language, kept with it in topo/; this side expands the same lines into its own table of
 * policies (policy.c), so a name the parser accepts always has its code, and the build fails
 * when a line has no mig_policy_<name>_ops.
 */
#ifndef EDGEMU_MIGRATE_POLICY_H
#define EDGEMU_MIGRATE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topo/topo.h"

#define MIG_HOPS_NONE UINT32_MAX /* not reachable */
#define MIG_REASON_MAX 160

/* ---- cells and edges (policy_util.c) ---- */

/* Hop counts from every cell to every node, and each cell's nearest edge; built once. */
struct mig_cells;

/* 0, -ENOMEM. */
int mig_cells_new(const struct topo_model *m, struct mig_cells **ret);
void mig_cells_free(struct mig_cells *c);
/* The edge nearest cell (a node index), or -1: cell is not an eNB, or no edge is reachable. */
int mig_cells_nearest(const struct mig_cells *c, int cell);
/* Hops from cell to node (0 for the cell itself); MIG_HOPS_NONE if unreachable or no cell. */
uint32_t mig_cells_hops(const struct mig_cells *c, int cell, unsigned node);

/* ---- a policy ---- */

/* What the runner knows of one UE when it calls a policy; filled afresh for every call. */
struct mig_ue {
	unsigned node; /* the UE (node index) */
	int cell;      /* its serving cell now (after the handover, for on_handover); -1: none */
	unsigned edge; /* the node running the instance that serves it now */
	/*
	 * A migration of that instance is in progress: from the decision the runner carries
	 * out until that migration ends (succeeded or rolled back).
	 */
	bool migrating;
};

/* Fixed for the run: filled once by the runner, copied by mig_policy_new(). */
struct mig_policy_env {
	const struct topo_model *m;	     /* outlives the policy */
	const struct topo_migration *params; /* usually &m->migration */
	/*
	 * The cell that will serve ue at t_ns (later than now), answered from mobility; -1:
	 * none or unknown. Proactive needs it; others ignore it (NULL allowed).
	 */
	int (*future_cell)(void *arg, unsigned ue, uint64_t t_ns);
	void *future_arg;
};

struct mig_decision {
	bool migrate;
	unsigned to;		     /* the destination edge (node index) */
	char reason[MIG_REASON_MAX]; /* one line, for events.csv and the log */
};

struct mig_policy;

/*
 * A policy's functions. The callbacks get d zeroed and decide by calling mig_decide(d, ...);
 * returning without it means "no migration". They may run with ue->migrating set (to keep
 * their state right) but must not decide then, nor pick ue->edge: the wrappers below drop
 * such a decision anyway.
 */
struct mig_policy_ops {
	const char *name; /* as in the scenario's `policy:` */
	/* Set up p->priv from p->env; 0 or -errno (-EINVAL: the run lacks what it needs). */
	int (*init)(struct mig_policy *p);
	/* ue handed over from old_cell to new_cell (either -1: leaving or entering coverage). */
	void (*on_handover)(struct mig_policy *p, const struct mig_ue *ue, int old_cell,
			    int new_cell, uint64_t t_ns, struct mig_decision *d);
	/* A probe from ue to its service was answered after rtt_ns (every answer). */
	void (*on_rtt)(struct mig_policy *p, const struct mig_ue *ue, uint64_t rtt_ns,
		       uint64_t t_ns, struct mig_decision *d);
	/* A mobility tick (radio's `tick`), once per UE. */
	void (*on_tick)(struct mig_policy *p, const struct mig_ue *ue, uint64_t t_ns,
			struct mig_decision *d);
	/* Release p->priv (also after a failed init). */
	void (*free)(struct mig_policy *p);
};

/* An instance of a policy for one run. */
struct mig_policy {
	const struct mig_policy_ops *ops;
	struct mig_policy_env env;
	struct mig_cells *cells;
	void *priv; /* the policy's own */
};

/* mig_policy_<name>_ops of every line of TOPO_POLICY_LIST (topo/policies.h). */
#define MIG_POLICY_DECLARE(ID, name, ...)                                                          \
	extern const struct mig_policy_ops mig_policy_##name##_ops;
TOPO_POLICY_LIST(MIG_POLICY_DECLARE)
#undef MIG_POLICY_DECLARE

/* The policy of that name, or NULL. */
const struct mig_policy_ops *mig_policy_find(const char *name);
/*
 * Parameter key of p's policy for this run (from p->env.params): as the scenario gives it, or
 * the default of its line in topo/policies.h. 0 for a key the line does not describe.
 */
uint64_t mig_policy_param(const struct mig_policy *p, const char *key);

/*
 * A policy for the run env describes: builds the cell table, then ops->init. 0, -EINVAL (no
 * ops, no model, or init refused), -ENOMEM; *ret untouched on failure.
 */
int mig_policy_new(const struct mig_policy_ops *ops, const struct mig_policy_env *env,
		   struct mig_policy **ret);
void mig_policy_free(struct mig_policy *p);

/*
 * The events, for the runner. Each returns true when the policy decides a migration (*ret
 * says where and why; zeroed otherwise). Never while ue->migrating, never to ue->edge, never
 * to a node that is not an edge.
 */
bool mig_policy_on_handover(struct mig_policy *p, const struct mig_ue *ue, int old_cell,
			    int new_cell, uint64_t t_ns, struct mig_decision *ret);
bool mig_policy_on_rtt(struct mig_policy *p, const struct mig_ue *ue, uint64_t rtt_ns,
		       uint64_t t_ns, struct mig_decision *ret);
bool mig_policy_on_tick(struct mig_policy *p, const struct mig_ue *ue, uint64_t t_ns,
			struct mig_decision *ret);

/* ---- helpers for policies ---- */

/* Decide a migration of ue's instance to node `to`, the reason formatted printf-style. */
__attribute__((format(printf, 3, 4))) void mig_decide(struct mig_decision *d, unsigned to,
						      const char *fmt, ...);
/* A node's name for reasons ("-" for -1 or out of range). */
const char *mig_node_name(const struct mig_policy *p, int node);
/* A duration for reasons: "500ms", "2s", "1.5ms", "20us". */
void mig_fmt_ns(uint64_t ns, char *buf, size_t len);

#endif
