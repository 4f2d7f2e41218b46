/* SPDX-License-Identifier: MIT */
/*
 * The policy registry, a policy's life, and the one place that holds every policy to the
 * rules the runner relies on (no decision during a migration, none to where it runs now).
 */
#include "migrate/policy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Every policy of topo/policies.h's table, in enum topo_policy's order. */
#define OPS(ID, name, ...) [TOPO_POLICY_##ID] = &mig_policy_##name##_ops,
static const struct mig_policy_ops *const policies[TOPO_POLICY_N] = {TOPO_POLICY_LIST(OPS)};
#undef OPS

const struct mig_policy_ops *mig_policy_find(const char *name)
{
	int i = topo_policy_find(name);

	return i < 0 ? NULL : policies[i];
}

uint64_t mig_policy_param(const struct mig_policy *p, const char *key)
{
	int i = topo_policy_find(p->ops->name);

	return i < 0 ? 0 : topo_policy_param(p->env.params, (enum topo_policy)i, key);
}

void mig_policy_free(struct mig_policy *p)
{
	if (!p)
		return;
	if (p->ops->free)
		p->ops->free(p);
	mig_cells_free(p->cells);
	free(p);
}

int mig_policy_new(const struct mig_policy_ops *ops, const struct mig_policy_env *env,
		   struct mig_policy **ret)
{
	struct mig_policy *p;
	int r;

	if (!ops || !ops->name || !env || !env->m || !env->params)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->ops = ops;
	p->env = *env;
	r = mig_cells_new(env->m, &p->cells);
	if (r < 0)
		goto err;
	if (ops->init) {
		r = ops->init(p);
		if (r < 0)
			goto err;
	}
	*ret = p;
	return 0;
err:
	mig_policy_free(p);
	return r;
}

/* What a callback decided, held to the rules; ret zeroed unless it stands. */
static bool settle(const struct mig_policy *p, const struct mig_ue *ue, struct mig_decision *ret)
{
	const struct topo_model *m = p->env.m;

	if (ret->migrate && !ue->migrating && ret->to != ue->edge && ret->to < m->n_nodes &&
	    m->nodes[ret->to].kind == TOPO_EDGE)
		return true;
	memset(ret, 0, sizeof(*ret));
	return false;
}

static bool ue_ok(const struct mig_policy *p, const struct mig_ue *ue, struct mig_decision *ret)
{
	memset(ret, 0, sizeof(*ret));
	return ue->node < p->env.m->n_nodes;
}

bool mig_policy_on_handover(struct mig_policy *p, const struct mig_ue *ue, int old_cell,
			    int new_cell, uint64_t t_ns, struct mig_decision *ret)
{
	if (!ue_ok(p, ue, ret) || !p->ops->on_handover)
		return false;
	p->ops->on_handover(p, ue, old_cell, new_cell, t_ns, ret);
	return settle(p, ue, ret);
}

bool mig_policy_on_rtt(struct mig_policy *p, const struct mig_ue *ue, uint64_t rtt_ns,
		       uint64_t t_ns, struct mig_decision *ret)
{
	if (!ue_ok(p, ue, ret) || !p->ops->on_rtt)
		return false;
	p->ops->on_rtt(p, ue, rtt_ns, t_ns, ret);
	return settle(p, ue, ret);
}

bool mig_policy_on_tick(struct mig_policy *p, const struct mig_ue *ue, uint64_t t_ns,
			struct mig_decision *ret)
{
	if (!ue_ok(p, ue, ret) || !p->ops->on_tick)
		return false;
	p->ops->on_tick(p, ue, t_ns, ret);
	return settle(p, ue, ret);
}
