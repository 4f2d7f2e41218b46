/* SPDX-License-Identifier: MIT */
/* The policies' table (topo/policies.h) expanded for the parser, and reading the values. */
#include <string.h>

#include "topo/topo.h"

/* Each policy's parameters: <name>_params[], ended by a NULL key. */
#define PARAMS(ID, name, ...)                                                                      \
	static const struct topo_param_desc name##_params[] = {__VA_ARGS__{NULL, 0, 0, 0, 0}};
TOPO_POLICY_LIST(PARAMS)
#undef PARAMS

#define N_PARAMS(name) (unsigned)(sizeof(name##_params) / sizeof(name##_params[0]) - 1)
#define DESC(ID, name, ...) [TOPO_POLICY_##ID] = {#name, name##_params, N_PARAMS(name)},
const struct topo_policy_desc topo_policies[TOPO_POLICY_N] = {TOPO_POLICY_LIST(DESC)};
#undef DESC

#define NAME(ID, name, ...) [TOPO_POLICY_##ID] = #name,
const char *const topo_policy_names[TOPO_POLICY_N + 1] = {TOPO_POLICY_LIST(NAME) NULL};
#undef NAME

/* Checked once at build time: the parser's arrays are sized by TOPO_POLICY_PARAMS_MAX. */
#define FITS(ID, name, ...)                                                                        \
	_Static_assert(sizeof(name##_params) / sizeof(name##_params[0]) - 1 <=                     \
			   TOPO_POLICY_PARAMS_MAX,                                                 \
		       "policy " #name ": more than TOPO_POLICY_PARAMS_MAX parameters");
TOPO_POLICY_LIST(FITS)
#undef FITS

const char *topo_policy_name(enum topo_policy p)
{
	return (unsigned)p < TOPO_POLICY_N ? topo_policies[p].name : "?";
}

int topo_policy_find(const char *name)
{
	for (int i = 0; i < TOPO_POLICY_N; i++)
		if (!strcmp(topo_policies[i].name, name))
			return i;
	return -1;
}

int topo_policy_param_index(enum topo_policy p, const char *key)
{
	if ((unsigned)p >= TOPO_POLICY_N)
		return -1;
	for (unsigned i = 0; i < topo_policies[p].n_params; i++)
		if (!strcmp(topo_policies[p].params[i].key, key))
			return (int)i;
	return -1;
}

uint64_t topo_policy_param(const struct topo_migration *mg, enum topo_policy p, const char *key)
{
	int i = topo_policy_param_index(p, key);

	if (i < 0)
		return 0;
	return mg->params[p][i] ? mg->params[p][i] : topo_policies[p].params[i].def;
}
