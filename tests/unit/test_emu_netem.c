/* SPDX-License-Identifier: MIT */
/* netem request encoding: the struct, each nested attribute, the tables, the round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "emu/shape.h"

static char buf[EMU_NETEM_MSG_MAX];

struct parsed {
	const struct tc_netem_qopt *q;
	const struct nlattr *a[TCA_NETEM_MAX + 1];
	const char *kind;
	const struct tcmsg *tc;
};

static void parse(const struct nlmsghdr *nlh, struct parsed *p)
{
	const struct nlattr *a, *opts = NULL;

	memset(p, 0, sizeof(*p));
	assert_int_equal(nlh->nlmsg_type, RTM_NEWQDISC);
	/* create-or-replace: the same request builds and changes in place */
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE);
	assert_true(nlh->nlmsg_len <= EMU_NETEM_MSG_MAX);
	p->tc = mnl_nlmsg_get_payload(nlh);
	mnl_attr_for_each(a, nlh, sizeof(struct tcmsg))
	{
		if (mnl_attr_get_type(a) == TCA_KIND)
			p->kind = mnl_attr_get_str(a);
		if (mnl_attr_get_type(a) == TCA_OPTIONS)
			opts = a;
	}
	assert_non_null(opts);
	/* TCA_OPTIONS is the struct followed by attributes, not a plain nest */
	assert_false(opts->nla_type & NLA_F_NESTED);
	assert_true(mnl_attr_get_payload_len(opts) >= sizeof(struct tc_netem_qopt));
	p->q = mnl_attr_get_payload(opts);
	for (a = (const struct nlattr *)((const char *)p->q + MNL_ALIGN(sizeof(*p->q)));
	     (const char *)a < (const char *)opts + opts->nla_len; a = mnl_attr_next(a)) {
		assert_true(
		    mnl_attr_ok(a, (int)((const char *)opts + opts->nla_len - (const char *)a)));
		assert_true(mnl_attr_get_type(a) <= TCA_NETEM_MAX);
		assert_null(p->a[mnl_attr_get_type(a)]);
		p->a[mnl_attr_get_type(a)] = a;
	}
	/* the options end exactly where the message ends */
	assert_ptr_equal((const char *)opts + MNL_ALIGN(opts->nla_len),
			 (const char *)nlh + nlh->nlmsg_len);
}

static int64_t s64(const struct nlattr *a)
{
	assert_non_null(a);
	assert_int_equal(mnl_attr_get_payload_len(a), 8);
	return (int64_t)mnl_attr_get_u64(a); /* memcpy: the payload is 4-byte aligned */
}

static void test_delay_limit_loss(void **state)
{
	struct emu_shape s = {
	    .delay_ns = 10000000, .limit = 500, .loss = {.model = EMU_LOSS_RANDOM, .p = 0.01}};
	struct parsed p;

	parse(emu_msg_netem(buf, 7, &s), &p);
	assert_string_equal(p.kind, "netem");
	assert_int_equal(p.tc->tcm_ifindex, 7);
	assert_int_equal(p.tc->tcm_parent, TC_H_ROOT);
	assert_int_equal(p.tc->tcm_handle, 0x10000);
	assert_int_equal(p.q->latency, 10000000 >> 6); /* 64 ns ticks */
	assert_int_equal(p.q->limit, 500);
	assert_int_equal(p.q->loss, (uint32_t)llround(0.01 * UINT32_MAX));
	assert_int_equal(p.q->jitter, 0);
	assert_int_equal(s64(p.a[TCA_NETEM_LATENCY64]), 10000000);
	assert_int_equal(s64(p.a[TCA_NETEM_JITTER64]), 0);
	/* rate is always sent (0 = off): netem keeps an old rate when it is missing */
	assert_non_null(p.a[TCA_NETEM_RATE]);
	assert_int_equal(
	    ((const struct tc_netem_rate *)mnl_attr_get_payload(p.a[TCA_NETEM_RATE]))->rate, 0);
	assert_null(p.a[TCA_NETEM_RATE64]);
	assert_null(p.a[TCA_NETEM_LOSS]);
	assert_null(p.a[TCA_NETEM_DELAY_DIST]);
}

static void test_default_limit(void **state)
{
	struct emu_shape s = {.delay_ns = 1};
	struct parsed p;

	parse(emu_msg_netem(buf, 1, &s), &p);
	assert_int_equal(p.q->limit, EMU_SHAPE_DEFAULT_LIMIT);
}

static void test_rate(void **state)
{
	struct emu_shape s = {.rate_bps = 100000000}; /* 100 Mbit/s = 12.5 MB/s */
	struct parsed p;

	parse(emu_msg_netem(buf, 1, &s), &p);
	assert_int_equal(
	    ((const struct tc_netem_rate *)mnl_attr_get_payload(p.a[TCA_NETEM_RATE]))->rate,
	    12500000);
	assert_null(p.a[TCA_NETEM_RATE64]);
	/* above 4 GB/s the 32-bit field saturates and the 64-bit attribute carries it */
	s.rate_bps = 40000000000ull;
	parse(emu_msg_netem(buf, 1, &s), &p);
	assert_int_equal(
	    ((const struct tc_netem_rate *)mnl_attr_get_payload(p.a[TCA_NETEM_RATE]))->rate,
	    UINT32_MAX);
	assert_int_equal(mnl_attr_get_u64(p.a[TCA_NETEM_RATE64]), 5000000000ull);
}

static void test_latency64(void **state)
{
	/* 400 s does not fit 32-bit ticks; the 64-bit attribute has it exactly (jitter: 2 s, as
	 * netem cuts jitter at INT_MAX ns) */
	struct emu_shape s = {.delay_ns = 400000000000ull, .jitter_ns = 2000000000ull};
	struct parsed p;

	parse(emu_msg_netem(buf, 1, &s), &p);
	assert_int_equal(p.q->latency, UINT32_MAX);
	assert_int_equal(s64(p.a[TCA_NETEM_LATENCY64]), 400000000000ll);
	assert_int_equal(s64(p.a[TCA_NETEM_JITTER64]), 2000000000ll);
}

static void test_gilbert(void **state)
{
	struct emu_shape s = {
	    .loss = {.model = EMU_LOSS_GILBERT, .p = 0.01, .r = 0.3, .h = 0, .k = 1}};
	const struct tc_netem_gemodel *ge = NULL;
	const struct nlattr *a;
	struct parsed p;
	int n = 0;

	parse(emu_msg_netem(buf, 1, &s), &p);
	assert_int_equal(p.q->loss, 0);
	assert_non_null(p.a[TCA_NETEM_LOSS]);
	mnl_attr_for_each_nested(a, p.a[TCA_NETEM_LOSS])
	{
		assert_int_equal(mnl_attr_get_type(a), NETEM_LOSS_GE);
		assert_int_equal(mnl_attr_get_payload_len(a), sizeof(*ge));
		ge = mnl_attr_get_payload(a);
		n++;
	}
	assert_int_equal(n, 1);
	assert_int_equal(ge->p, (uint32_t)llround(0.01 * UINT32_MAX));
	assert_int_equal(ge->r, (uint32_t)llround(0.3 * UINT32_MAX));
	assert_int_equal(ge->h, 0);  /* h: the chance to pass in the bad state */
	assert_int_equal(ge->k1, 0); /* k1: the chance to be lost in the good state, 1 - k */
}

static void test_dist_tables(void **state)
{
	size_t n;
	const int16_t *t = emu_netem_dist_table(EMU_DIST_NORMAL, &n);
	double sum = 0, sq = 0;

	assert_non_null(t);
	assert_int_equal(n, 4096);
	for (size_t i = 0; i < n; i++) {
		sum += t[i];
		sq += (double)t[i] * t[i];
		if (i)
			assert_true(t[i] >= t[i - 1]); /* a quantile function rises */
	}
	/* mean 0 and standard deviation NETEM_DIST_SCALE (one sigma) */
	assert_true(fabs(sum / n) < 1);
	assert_true(fabs(sqrt(sq / n) / NETEM_DIST_SCALE - 1) < 0.01);
	assert_int_equal(t[n / 2] + t[n / 2 - 1], 0); /* symmetric */

	t = emu_netem_dist_table(EMU_DIST_PARETO, &n);
	sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += t[i];
	assert_true(fabs(sum / n) / NETEM_DIST_SCALE < 0.05);
	assert_true(t[n - 1] > 3 * NETEM_DIST_SCALE); /* heavy right tail */
	assert_true(t[0] > -NETEM_DIST_SCALE);	      /* short left tail */

	assert_null(emu_netem_dist_table(EMU_DIST_UNIFORM, &n)); /* netem's built-in */
	assert_int_equal(n, 0);
}

static void test_jitter_table_in_message(void **state)
{
	struct emu_shape s = {.delay_ns = 50000000, .jitter_ns = 5000000, .dist = EMU_DIST_NORMAL};
	const int16_t *t;
	struct parsed p;
	size_t n;

	parse(emu_msg_netem(buf, 1, &s), &p);
	t = emu_netem_dist_table(EMU_DIST_NORMAL, &n);
	assert_non_null(p.a[TCA_NETEM_DELAY_DIST]);
	assert_int_equal(mnl_attr_get_payload_len(p.a[TCA_NETEM_DELAY_DIST]), n * 2);
	assert_memory_equal(mnl_attr_get_payload(p.a[TCA_NETEM_DELAY_DIST]), t, n * 2);
	assert_int_equal(p.q->jitter, 5000000 >> 6);
	s.dist = EMU_DIST_UNIFORM;
	parse(emu_msg_netem(buf, 1, &s), &p);
	assert_null(p.a[TCA_NETEM_DELAY_DIST]);
}

static void test_trace_refused(void **state)
{
	struct emu_shape s = {.trace = "x.mmtrace"};

	assert_null(emu_msg_netem(buf, 1, &s));
}

/*
 * netem reads latency as a signed 64-bit value and cuts jitter at INT_MAX ns: 2^64 - 1 ns
 * went out as -1 (fuzzing, issue 12). Such shapes are refused, the largest ones kept whole.
 */
static void test_range_refused(void **state)
{
	struct emu_shape s = {.delay_ns = UINT64_MAX};
	struct parsed p;

	assert_null(emu_msg_netem(buf, 1, &s));
	s.delay_ns = (uint64_t)INT64_MAX + 1;
	assert_null(emu_msg_netem(buf, 1, &s));
	s = (struct emu_shape){.jitter_ns = (uint64_t)INT32_MAX + 1, .dist = EMU_DIST_NORMAL};
	assert_null(emu_msg_netem(buf, 1, &s));

	s = (struct emu_shape){
	    .delay_ns = INT64_MAX, .jitter_ns = INT32_MAX, .dist = EMU_DIST_NORMAL};
	parse(emu_msg_netem(buf, 1, &s), &p);
	assert_int_equal(mnl_attr_get_u64(p.a[TCA_NETEM_LATENCY64]), INT64_MAX);
	assert_int_equal(mnl_attr_get_u64(p.a[TCA_NETEM_JITTER64]), INT32_MAX);
}

static void test_round_trip(void **state)
{
	struct emu_shape in = {
	    .delay_ns = 20000000,
	    .jitter_ns = 2000000,
	    .dist = EMU_DIST_PARETO,
	    .rate_bps = 10000000,
	    .limit = 100,
	    .loss = {.model = EMU_LOSS_GILBERT, .p = 0.05, .r = 0.5, .h = 0.1, .k = 0.99}};
	struct emu_shape out = {.dist = EMU_DIST_PARETO};

	assert_int_equal(emu_netem_parse(emu_msg_netem(buf, 1, &in), &out), 0);
	assert_int_equal(out.delay_ns, in.delay_ns);
	assert_int_equal(out.jitter_ns, in.jitter_ns);
	assert_int_equal(out.dist, EMU_DIST_PARETO);
	assert_int_equal(out.rate_bps, in.rate_bps);
	assert_int_equal(out.limit, in.limit);
	assert_int_equal(out.loss.model, EMU_LOSS_GILBERT);
	assert_true(fabs(out.loss.p - in.loss.p) < 1e-9);
	assert_true(fabs(out.loss.r - in.loss.r) < 1e-9);
	assert_true(fabs(out.loss.h - in.loss.h) < 1e-9);
	assert_true(fabs(out.loss.k - in.loss.k) < 1e-9);

	in = (struct emu_shape){.delay_ns = 5000000, .loss = {.model = EMU_LOSS_RANDOM, .p = 0.2}};
	assert_int_equal(emu_netem_parse(emu_msg_netem(buf, 1, &in), &out), 0);
	assert_int_equal(out.loss.model, EMU_LOSS_RANDOM);
	assert_true(fabs(out.loss.p - 0.2) < 1e-9);
	assert_int_equal(out.dist, EMU_DIST_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_delay_limit_loss),
	    cmocka_unit_test(test_default_limit),
	    cmocka_unit_test(test_rate),
	    cmocka_unit_test(test_latency64),
	    cmocka_unit_test(test_gilbert),
	    cmocka_unit_test(test_dist_tables),
	    cmocka_unit_test(test_jitter_table_in_message),
	    cmocka_unit_test(test_trace_refused),
	    cmocka_unit_test(test_range_refused),
	    cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
