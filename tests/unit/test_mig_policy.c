/* SPDX-License-Identifier: MIT */
/* Migration policies: the cell table, each policy's decisions, the rules every one obeys. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/policy.h"
#include "tests/unit/support.h"

#define MS 1000000ULL
#define S 1000000000ULL

static unsigned node(const struct topo_model *m, const char *name)
{
	int i = topo_node_find(m, name);

	if (i < 0)
		fail_msg("no node %s", name);
	return (unsigned)i;
}

/*
 * Hops before delay (enb2: edge2, 1 hop at 10ms, not edgez, 2 hops at 4ms), delay before name
 * (enb1: edge1 at 1ms, not edge0 at 2ms), name last (enb3: edgea and edgeb alike). A host is
 * no transit (enb4: edgec, 2 hops through h, is unreachable), nor a UE. enb5 has no links.
 */
static const char table_text[] = "name: t\n"
				 "nodes:\n"
				 "  ue1: {kind: ue}\n"
				 "  enb1: {kind: enb}\n"
				 "  enb2: {kind: enb}\n"
				 "  enb3: {kind: enb}\n"
				 "  enb4: {kind: enb}\n"
				 "  enb5: {kind: enb}\n"
				 "  edge0: {kind: edge}\n"
				 "  edge1: {kind: edge}\n"
				 "  edge2: {kind: edge}\n"
				 "  edgeb: {kind: edge}\n"
				 "  edgea: {kind: edge}\n"
				 "  edgec: {kind: edge}\n"
				 "  edgez: {kind: edge}\n"
				 "  core: {kind: router}\n"
				 "  cloud: {kind: cloud}\n"
				 "  h: {kind: host}\n"
				 "links:\n"
				 "  - {endpoints: [ue1, enb1], delay: 4ms}\n"
				 "  - {endpoints: [ue1, enb2], delay: 4ms}\n"
				 "  - {endpoints: [enb1, edge0], delay: 2ms}\n"
				 "  - {endpoints: [enb1, edge1], delay: 1ms}\n"
				 "  - {endpoints: [enb2, edge2], delay: 10ms}\n"
				 "  - {endpoints: [enb3, edgeb], delay: 1ms}\n"
				 "  - {endpoints: [enb3, edgea], delay: 1ms}\n"
				 "  - {endpoints: [enb1, core], delay: 5ms}\n"
				 "  - {endpoints: [enb2, core], delay: 4ms}\n"
				 "  - {endpoints: [enb3, core], delay: 5ms}\n"
				 "  - {endpoints: [enb4, core], delay: 5ms}\n"
				 "  - {endpoints: [core, edgez]}\n"
				 "  - {endpoints: [core, cloud], delay: 20ms}\n"
				 "  - {endpoints: [enb4, h], delay: 1ms}\n"
				 "  - {endpoints: [h, edgec], delay: 1ms}\n";

static void test_cells_table(void **state)
{
	struct topo_model *m = support_model(table_text);
	struct mig_cells *c = NULL;
	int enb1 = (int)node(m, "enb1"), enb4 = (int)node(m, "enb4"), enb5 = (int)node(m, "enb5");

	assert_int_equal(mig_cells_new(m, &c), 0);
	assert_int_equal(mig_cells_nearest(c, enb1), node(m, "edge1"));
	assert_int_equal(mig_cells_nearest(c, (int)node(m, "enb2")), node(m, "edge2"));
	assert_int_equal(mig_cells_nearest(c, (int)node(m, "enb3")), node(m, "edgea"));
	assert_int_equal(mig_cells_nearest(c, enb4), node(m, "edgez"));
	assert_int_equal(mig_cells_nearest(c, enb5), -1);
	/* Only cells have a nearest edge. */
	assert_int_equal(mig_cells_nearest(c, (int)node(m, "core")), -1);
	assert_int_equal(mig_cells_nearest(c, (int)node(m, "edge1")), -1);
	assert_int_equal(mig_cells_nearest(c, -1), -1);
	assert_int_equal(mig_cells_nearest(c, (int)m->n_nodes), -1);

	assert_int_equal(mig_cells_hops(c, enb1, (unsigned)enb1), 0);
	assert_int_equal(mig_cells_hops(c, enb1, node(m, "edge1")), 1);
	assert_int_equal(mig_cells_hops(c, enb1, node(m, "cloud")), 2);
	assert_int_equal(mig_cells_hops(c, enb1, node(m, "edge2")), 3);
	assert_int_equal(mig_cells_hops(c, enb1, node(m, "edgez")), 2);
	assert_int_equal(mig_cells_hops(c, enb4, node(m, "h")), 1);
	assert_int_equal(mig_cells_hops(c, enb4, node(m, "edgec")), MIG_HOPS_NONE);
	assert_int_equal(mig_cells_hops(c, enb5, node(m, "edge1")), MIG_HOPS_NONE);
	assert_int_equal(mig_cells_hops(c, (int)node(m, "core"), node(m, "edge1")), MIG_HOPS_NONE);
	assert_int_equal(mig_cells_hops(c, -1, 0), MIG_HOPS_NONE);
	assert_int_equal(mig_cells_hops(c, enb1, m->n_nodes), MIG_HOPS_NONE);
	mig_cells_free(c);
	mig_cells_free(NULL);
	topo_model_free(m);
}

/* Three cells, each with its edge; edge1 and edge2 also linked: enb2 is 2 hops from edge1. */
static const char net_text[] = "name: p\n"
			       "nodes:\n"
			       "  ue1: {kind: ue}\n"
			       "  enb1: {kind: enb}\n"
			       "  enb2: {kind: enb}\n"
			       "  enb3: {kind: enb}\n"
			       "  edge1: {kind: edge}\n"
			       "  edge2: {kind: edge}\n"
			       "  edge3: {kind: edge}\n"
			       "  core: {kind: router}\n"
			       "  cloud: {kind: cloud}\n"
			       "links:\n"
			       "  - {endpoints: [enb1, edge1], delay: 1ms}\n"
			       "  - {endpoints: [enb2, edge2], delay: 1ms}\n"
			       "  - {endpoints: [enb3, edge3], delay: 1ms}\n"
			       "  - {endpoints: [edge1, edge2], delay: 2ms}\n"
			       "  - {endpoints: [enb1, core], delay: 5ms}\n"
			       "  - {endpoints: [enb2, core], delay: 5ms}\n"
			       "  - {endpoints: [enb3, core], delay: 5ms}\n"
			       "  - {endpoints: [core, cloud], delay: 20ms}\n";

/* The fake trajectory: cell `before` until switch_ns, then `after`; -1 from unknown_ns on. */
struct fake_future {
	int before, after;
	uint64_t switch_ns, unknown_ns;
	unsigned calls, last_ue;
	uint64_t last_t_ns;
};

static int future_cell(void *arg, unsigned ue, uint64_t t_ns)
{
	struct fake_future *f = arg;

	f->calls++;
	f->last_ue = ue;
	f->last_t_ns = t_ns;
	if (t_ns >= f->unknown_ns)
		return -1;
	return t_ns < f->switch_ns ? f->before : f->after;
}

struct fixture {
	struct topo_model *m;
	struct mig_policy *p;
	struct mig_ue ue;
	struct mig_decision d;
	struct fake_future future;
	unsigned enb1, enb2, enb3, edge1, edge2, edge3;
};

/* net_text with `migration:` set to mig (a flow mapping), the UE in enb1 served by edge1. */
static void setup(struct fixture *f, const char *mig)
{
	char text[sizeof(net_text) + 256];
	struct mig_policy_env env = {0};
	const struct mig_policy_ops *ops;

	snprintf(text, sizeof(text), "%smigration: %s\n", net_text, mig);
	memset(f, 0, sizeof(*f));
	f->m = support_model(text);
	f->enb1 = node(f->m, "enb1");
	f->enb2 = node(f->m, "enb2");
	f->enb3 = node(f->m, "enb3");
	f->edge1 = node(f->m, "edge1");
	f->edge2 = node(f->m, "edge2");
	f->edge3 = node(f->m, "edge3");
	f->future = (struct fake_future){.before = (int)f->enb1,
					 .after = (int)f->enb2,
					 .switch_ns = 5 * S,
					 .unknown_ns = UINT64_MAX};
	env.m = f->m;
	env.params = &f->m->migration;
	env.future_cell = future_cell;
	env.future_arg = &f->future;
	ops = mig_policy_find(topo_policy_name(f->m->migration.policy));
	assert_non_null(ops);
	assert_int_equal(mig_policy_new(ops, &env, &f->p), 0);
	f->ue = (struct mig_ue){node(f->m, "ue1"), (int)f->enb1, f->edge1, false};
}

static void teardown(struct fixture *f)
{
	mig_policy_free(f->p);
	topo_model_free(f->m);
}

/* Hand the UE over to cell `to` (the runner updates the UE first). */
static bool handover(struct fixture *f, int to, uint64_t t_ns)
{
	int from = f->ue.cell;

	f->ue.cell = to;
	return mig_policy_on_handover(f->p, &f->ue, from, to, t_ns, &f->d);
}

static bool tick(struct fixture *f, uint64_t t_ns)
{
	return mig_policy_on_tick(f->p, &f->ue, t_ns, &f->d);
}

static bool rtt(struct fixture *f, uint64_t rtt_ns, uint64_t t_ns)
{
	return mig_policy_on_rtt(f->p, &f->ue, rtt_ns, t_ns, &f->d);
}

static void decided(struct fixture *f, unsigned to, const char *reason)
{
	assert_true(f->d.migrate);
	assert_int_equal(f->d.to, to);
	assert_string_equal(f->d.reason, reason);
}

static void nothing(struct fixture *f)
{
	assert_false(f->d.migrate);
	assert_string_equal(f->d.reason, "");
}

static void test_registry(void **state)
{
	static const char *const names[] = {"never", "always", "distance", "latency", "proactive"};

	for (int i = 0; i < 5; i++) {
		assert_string_equal(topo_policy_name((enum topo_policy)i), names[i]);
		assert_non_null(mig_policy_find(names[i]));
		assert_string_equal(mig_policy_find(names[i])->name, names[i]);
	}
	/* Every line of topo/policies.h has its code, named as the line names it. */
	assert_int_equal(TOPO_POLICY_N, 5);
	for (int i = 0; i < TOPO_POLICY_N; i++)
		assert_string_equal(mig_policy_find(topo_policies[i].name)->name,
				    topo_policies[i].name);
	assert_string_equal(topo_policy_name((enum topo_policy)99), "?");
	assert_null(mig_policy_find("sometimes"));
	mig_policy_free(NULL);
}

static void test_never(void **state)
{
	struct fixture f;

	setup(&f, "{policy: never}");
	assert_false(handover(&f, (int)f.enb3, 1 * S));
	nothing(&f);
	assert_false(tick(&f, 2 * S));
	for (uint64_t t = 0; t < 2 * S; t += 10 * MS)
		assert_false(rtt(&f, 500 * MS, 3 * S + t));
	nothing(&f);
	teardown(&f);
}

static void test_always(void **state)
{
	struct fixture f;

	setup(&f, "{policy: always}");
	assert_true(handover(&f, (int)f.enb2, 1 * S));
	decided(&f, f.edge2, "follow-me: handover to enb2; edge2 is nearest it");
	/* Back to enb1 before the runner moved anything: edge1 serves already. */
	assert_false(handover(&f, (int)f.enb1, 2 * S));
	nothing(&f);
	/* Out of coverage: nowhere to follow to. */
	assert_false(handover(&f, -1, 3 * S));
	assert_true(handover(&f, (int)f.enb3, 4 * S));
	decided(&f, f.edge3, "follow-me: handover to enb3; edge3 is nearest it");
	/* No ticks needed otherwise. */
	assert_false(tick(&f, 5 * S));

	/* A handover during a migration waits for its end, then counts once. */
	f.ue.migrating = true;
	assert_false(handover(&f, (int)f.enb2, 6 * S));
	assert_false(tick(&f, 7 * S));
	f.ue.migrating = false;
	f.ue.edge = f.edge3;
	assert_true(tick(&f, 8 * S));
	decided(&f, f.edge2, "follow-me: handover during a migration to enb2; edge2 is nearest it");
	assert_false(tick(&f, 9 * S));

	/* Pending, but the migration ended where the UE is now: nothing to do. */
	f.ue.migrating = true;
	assert_false(handover(&f, (int)f.enb1, 10 * S));
	f.ue.migrating = false;
	f.ue.edge = f.edge1;
	assert_false(tick(&f, 11 * S));
	assert_false(handover(&f, (int)f.enb1, 12 * S));
	teardown(&f);
}

static void test_distance(void **state)
{
	struct fixture f;

	setup(&f, "{policy: distance, distance: {hops: 2}}");
	assert_false(tick(&f, 0));
	/* edge1 is 2 hops from enb2 (through edge2): not above 2. */
	assert_false(handover(&f, (int)f.enb2, 1 * S));
	nothing(&f);
	assert_false(tick(&f, 2 * S));
	/* 3 hops from enb3 (through core and enb1). */
	assert_true(handover(&f, (int)f.enb3, 3 * S));
	decided(&f, f.edge3, "distance: edge1 is 3 hops from enb3 (above 2); edge3 is 1");
	/* Still so at the next tick if the runner did not act; never during a migration. */
	assert_true(tick(&f, 4 * S));
	f.ue.migrating = true;
	assert_false(tick(&f, 5 * S));
	assert_false(handover(&f, (int)f.enb3, 5 * S));
	f.ue.migrating = false;
	f.ue.edge = f.edge3;
	assert_false(tick(&f, 6 * S));
	/* Out of coverage: no cell to measure from. */
	f.ue.edge = f.edge1;
	assert_false(handover(&f, -1, 7 * S));
	teardown(&f);

	setup(&f, "{policy: distance, distance: {hops: 3}}");
	assert_false(handover(&f, (int)f.enb3, 1 * S));
	teardown(&f);

	/* Without distance: SCENARIO.md's 2 hops. */
	setup(&f, "{policy: distance}");
	assert_false(handover(&f, (int)f.enb2, 1 * S));
	assert_true(handover(&f, (int)f.enb3, 2 * S));
	decided(&f, f.edge3, "distance: edge1 is 3 hops from enb3 (above 2); edge3 is 1");
	teardown(&f);

	/* hops: 1, from enb2: moving saves a hop. */
	setup(&f, "{policy: distance, distance: {hops: 1}}");
	assert_true(handover(&f, (int)f.enb2, 1 * S));
	decided(&f, f.edge2, "distance: edge1 is 2 hops from enb2 (above 1); edge2 is 1");
	teardown(&f);
}

static void test_latency(void **state)
{
	struct fixture f;
	uint64_t t;

	setup(&f, "{policy: latency, latency: {above: 20ms, for: 500ms}}");
	f.ue.cell = (int)f.enb2;
	/* A run of slow answers, broken by one at exactly 20ms (not above). */
	assert_false(rtt(&f, 25 * MS, 0));
	assert_false(rtt(&f, 25 * MS, 400 * MS));
	assert_false(rtt(&f, 20 * MS, 450 * MS));
	assert_false(rtt(&f, 25 * MS, 500 * MS));
	assert_false(rtt(&f, 25 * MS, 600 * MS));
	/* ... and by a fast one. */
	assert_false(rtt(&f, 5 * MS, 700 * MS));
	nothing(&f);
	for (t = 800 * MS; t < 1300 * MS; t += 10 * MS)
		assert_false(rtt(&f, 21 * MS, t));
	/* Exactly `for` after the run's first answer. */
	assert_true(rtt(&f, 30 * MS, 1300 * MS));
	decided(&f, f.edge2, "latency: RTT above 20ms for 500ms (now 30ms); edge2 is nearest enb2");

	/* No second decision while migrating, however long it is slow. */
	f.ue.migrating = true;
	for (t = 1310 * MS; t < 3 * S; t += 10 * MS)
		assert_false(rtt(&f, 100 * MS, t));
	/* Ended, but the service is still at edge1 (rolled back): a fresh run of `for`. */
	f.ue.migrating = false;
	for (t = 3 * S; t < 3500 * MS; t += 10 * MS)
		assert_false(rtt(&f, 100 * MS, t));
	assert_true(rtt(&f, 100 * MS, 3500 * MS));
	decided(&f, f.edge2,
		"latency: RTT above 20ms for 500ms (now 100ms); edge2 is nearest enb2");
	/* Declined by the runner (never marked migrating): again after another `for`. */
	assert_false(rtt(&f, 100 * MS, 3600 * MS));
	assert_false(rtt(&f, 100 * MS, 4099 * MS));
	assert_true(rtt(&f, 100 * MS, 4100 * MS));

	/* Slow at the nearest edge already: no reason to move. */
	f.ue.edge = f.edge2;
	for (t = 5 * S; t <= 6 * S; t += 10 * MS)
		assert_false(rtt(&f, 100 * MS, t));
	/* ... until a handover: the run is long enough, the next answer decides. */
	f.ue.cell = (int)f.enb3;
	assert_true(rtt(&f, 100 * MS, 6010 * MS));
	decided(&f, f.edge3,
		"latency: RTT above 20ms for 1.01s (now 100ms); edge3 is nearest enb3");
	/* Handovers and ticks alone decide nothing. */
	f.ue.edge = f.edge1;
	assert_false(handover(&f, (int)f.enb2, 7 * S));
	assert_false(tick(&f, 7 * S));
	teardown(&f);

	/* Defaults: above 20ms for 500ms. */
	setup(&f, "{policy: latency}");
	f.ue.cell = (int)f.enb2;
	assert_false(rtt(&f, 21 * MS, 1 * S));
	assert_false(rtt(&f, 21 * MS, 1499 * MS));
	assert_true(rtt(&f, 21 * MS, 1500 * MS));
	teardown(&f);
}

static void test_proactive(void **state)
{
	struct fixture f;

	/* The fake trajectory: enb1 until 5 s, enb2 after. */
	setup(&f, "{policy: proactive, proactive: {lookahead: 2s}}");
	assert_false(tick(&f, 2 * S));
	assert_int_equal(f.future.last_ue, f.ue.node);
	assert_int_equal(f.future.last_t_ns, 4 * S);
	assert_false(tick(&f, 2900 * MS));
	/* 2 s ahead is enb2's: move now, while enb1 still serves. */
	assert_true(tick(&f, 3 * S));
	assert_int_equal(f.future.last_t_ns, 5 * S);
	assert_int_equal(f.ue.cell, f.enb1);
	decided(&f, f.edge2, "proactive: enb2 serves ue1 in 2s (now enb1); edge2 is nearest it");
	f.ue.migrating = true;
	assert_false(tick(&f, 3100 * MS));
	f.ue.migrating = false;
	f.ue.edge = f.edge2;
	/* The future cell's edge serves already: nothing, before or at the handover. */
	assert_false(tick(&f, 4 * S));
	assert_false(handover(&f, (int)f.enb2, 5 * S));
	assert_false(tick(&f, 6 * S));
	nothing(&f);

	/* Unknown future: nothing, even though enb2's edge does not serve. */
	f.future.unknown_ns = 8 * S;
	f.ue.edge = f.edge1;
	assert_false(tick(&f, 7 * S));
	/* Known again, and the handover itself is a moment to look ahead. */
	f.future.unknown_ns = UINT64_MAX;
	assert_true(handover(&f, (int)f.enb2, 7 * S));
	decided(&f, f.edge2, "proactive: enb2 serves ue1 in 2s (now enb2); edge2 is nearest it");
	teardown(&f);

	/* Default lookahead: 2 s. */
	setup(&f, "{policy: proactive}");
	assert_true(tick(&f, 3 * S));
	assert_int_equal(f.future.last_t_ns, 5 * S);
	teardown(&f);
}

static void test_proactive_needs_future(void **state)
{
	struct topo_model *m = support_model(net_text);
	struct mig_policy_env env = {m, &m->migration, NULL, NULL};
	struct mig_policy *p = NULL;

	assert_int_equal(mig_policy_new(&mig_policy_proactive_ops, &env, &p), -EINVAL);
	assert_null(p);
	assert_int_equal(mig_policy_new(NULL, &env, &p), -EINVAL);
	env.params = NULL;
	assert_int_equal(mig_policy_new(&mig_policy_never_ops, &env, &p), -EINVAL);
	topo_model_free(m);
}

/* A policy that breaks the rules: the wrappers keep its decisions from the runner. */
static void rogue_tick(struct mig_policy *p, const struct mig_ue *ue, uint64_t t_ns,
		       struct mig_decision *d)
{
	mig_decide(d, (unsigned)t_ns, "to node %llu", (unsigned long long)t_ns);
}

static void test_rules(void **state)
{
	static const struct mig_policy_ops rogue = {.name = "rogue", .on_tick = rogue_tick};
	struct topo_model *m = support_model(net_text);
	struct mig_policy_env env = {m, &m->migration, NULL, NULL};
	struct mig_ue ue = {node(m, "ue1"), topo_node_find(m, "enb1"), node(m, "edge1"), false};
	struct mig_policy *p;
	struct mig_decision d;

	assert_int_equal(mig_policy_new(&rogue, &env, &p), 0);
	assert_true(mig_policy_on_tick(p, &ue, node(m, "edge2"), &d));
	assert_int_equal(d.to, node(m, "edge2"));
	assert_string_equal(d.reason, "to node 5");
	/* To where it runs, to a node that is no edge, to no node. */
	assert_false(mig_policy_on_tick(p, &ue, node(m, "edge1"), &d));
	assert_string_equal(d.reason, "");
	assert_false(mig_policy_on_tick(p, &ue, node(m, "core"), &d));
	assert_false(mig_policy_on_tick(p, &ue, m->n_nodes, &d));
	/* During a migration. */
	ue.migrating = true;
	assert_false(mig_policy_on_tick(p, &ue, node(m, "edge2"), &d));
	/* An event the policy has no callback for; a UE that is no node. */
	ue.migrating = false;
	assert_false(mig_policy_on_rtt(p, &ue, 1 * S, 0, &d));
	assert_false(mig_policy_on_handover(p, &ue, -1, -1, 0, &d));
	ue.node = m->n_nodes;
	assert_false(mig_policy_on_tick(p, &ue, node(m, "edge2"), &d));
	mig_policy_free(p);
	topo_model_free(m);
}

static void test_fmt_ns(void **state)
{
	static const struct {
		uint64_t ns;
		const char *s;
	} cases[] = {{0, "0ns"},	   {999, "999ns"}, {1500, "1.5us"},	  {20 * MS, "20ms"},
		     {1010 * MS, "1.01s"}, {2 * S, "2s"},  {1500 * 1000, "1.5ms"}};
	char buf[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mig_fmt_ns(cases[i].ns, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cells_table), cmocka_unit_test(test_registry),
	    cmocka_unit_test(test_never),	cmocka_unit_test(test_always),
	    cmocka_unit_test(test_distance),	cmocka_unit_test(test_latency),
	    cmocka_unit_test(test_proactive),	cmocka_unit_test(test_proactive_needs_future),
	    cmocka_unit_test(test_rules),	cmocka_unit_test(test_fmt_ns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
