/* SPDX-License-Identifier: MIT */
/*
 * The migration policies a scenario may name (`migration: policy:`), each with the
 * parameters of its section (`migration: <name>: {...}`): the one table of them.
 *
 * One line per policy: TOPO_POLICY(ID, name, parameters...), where ID makes enum
 * topo_policy's TOPO_POLICY_<ID>, name is what the file writes and the C name of the policy's
 * code (migrate/policy_<name>.c defines mig_policy_<name>_ops), and each parameter is
 *   TOPO_PARAM_COUNT(key, default, min, max)          plain digits; min is 0 or 1
 *   TOPO_PARAM_TIME(key, default_ns, min_ns, max_ns)  a time with its unit
 * A parameter left out of the file, or given as 0, takes its default (docs/scenario.md).
 * The order is enum topo_policy's, the order of the names in the parser's errors and of the
 * parameter sections among `migration:`'s keys.
 *
 * Why a list of lines expanded by whoever needs them (an "X macro"), here in topo: every
 * program that parses a scenario (edgemu check, sweep and report, the fuzzers, the unit
 * tests) must know the names and check the parameters, with the file's line and column in
 * its errors, and topo/ may not depend on migrate/ (emu <- topo <- migrate). So the table is
 * data of the scenario language, here; topo/policies.c expands it into the descriptions the
 * parser checks against, and migrate/policy.c expands the same lines into its table of
 * policies (mig_policy_<name>_ops), so the two never disagree. Adding a policy is its file in
 * migrate/ and its line here.
 */
#ifndef EDGEMU_TOPO_POLICIES_H
#define EDGEMU_TOPO_POLICIES_H

#include <stdint.h>

/* One policy a line, its parameters beneath it when they do not fit. */
/* clang-format off */
#define TOPO_POLICY_LIST(TOPO_POLICY)                                                              \
	TOPO_POLICY(NEVER, never)                                                                  \
	TOPO_POLICY(ALWAYS, always)                                                                \
	TOPO_POLICY(DISTANCE, distance, TOPO_PARAM_COUNT("hops", 2, 1, 1000))                      \
	TOPO_POLICY(LATENCY, latency,                                                              \
		    TOPO_PARAM_TIME("above", 20 * TOPO_NS_PER_MS, 0, TOPO_TIME_MAX_NS)             \
		    TOPO_PARAM_TIME("for", 500 * TOPO_NS_PER_MS, 0, TOPO_TIME_MAX_NS))             \
	TOPO_POLICY(PROACTIVE, proactive,                                                          \
		    TOPO_PARAM_TIME("lookahead", 2 * TOPO_NS_PER_S, 0, TOPO_TIME_MAX_NS))
/* clang-format on */

#define TOPO_POLICY_PARAMS_MAX 4 /* parameters of one policy, at most */

enum topo_param_type {
	TOPO_PARAM_T_COUNT, /* plain digits */
	TOPO_PARAM_T_TIME,  /* ns, written with a unit */
};

/* One parameter of a policy, as its line in TOPO_POLICY_LIST describes it. */
struct topo_param_desc {
	const char *key;
	enum topo_param_type type;
	uint64_t def, min, max;
};

#define TOPO_NS_PER_MS 1000000ULL
#define TOPO_PARAM_COUNT(key, def, min, max) {key, TOPO_PARAM_T_COUNT, def, min, max},
#define TOPO_PARAM_TIME(key, def, min, max) {key, TOPO_PARAM_T_TIME, def, min, max},

#define TOPO_POLICY_ENUM(ID, name, ...) TOPO_POLICY_##ID,
enum topo_policy { TOPO_POLICY_LIST(TOPO_POLICY_ENUM) TOPO_POLICY_N };
#undef TOPO_POLICY_ENUM

/* A policy: its name and its parameters (n_params of them). */
struct topo_policy_desc {
	const char *name;
	const struct topo_param_desc *params;
	unsigned n_params;
};

/* In enum topo_policy's order (topo/policies.c). */
extern const struct topo_policy_desc topo_policies[TOPO_POLICY_N];
/* The names alone, NULL-terminated, for the parser's lists. */
extern const char *const topo_policy_names[TOPO_POLICY_N + 1];

/* The name of policy p, "?" if p is no policy. */
const char *topo_policy_name(enum topo_policy p);
/* The policy called name, or -1. */
int topo_policy_find(const char *name);
/* The index of key among policy p's parameters, or -1. */
int topo_policy_param_index(enum topo_policy p, const char *key);

#endif
