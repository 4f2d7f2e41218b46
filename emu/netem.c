/* SPDX-License-Identifier: MIT */
/*
 * The netem backend: one netem qdisc at the root of a link end's interface shapes the frames
 * that leave it. Set and changed with one RTM_NEWQDISC (create|replace changes an existing
 * netem in place, so traffic never sees a gap), read back with a dump.
 *
 * netem's TCA_OPTIONS is a struct tc_netem_qopt followed by netlink attributes (not a
 * plain nest). Latency and jitter go as 64-bit nanoseconds; the 32-bit fields in the struct
 * count 64 ns ticks and are overridden by the 64-bit attributes.
 */
#include "emu/shape.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#define DIST_SIZE 4096
#define TICK_SHIFT 6 /* PSCHED_SHIFT: a tick is 64 ns */
/*
 * netem reads latency and jitter as signed 64-bit nanoseconds, and caps jitter to what its
 * tabledist() computes with (INT_MAX ns): beyond, a delay would turn negative and a jitter
 * be cut silently, so such shapes are refused instead.
 */
#define LATENCY_MAX_NS ((uint64_t)INT64_MAX)
#define JITTER_MAX_NS ((uint64_t)INT32_MAX)

static bool expressible(const struct emu_shape *s)
{
	return !s->trace && s->delay_ns <= LATENCY_MAX_NS && s->jitter_ns <= JITTER_MAX_NS;
}

static uint32_t prob32(double p)
{
	if (p <= 0)
		return 0;
	if (p >= 1)
		return UINT32_MAX;
	return (uint32_t)llround(p * (double)UINT32_MAX);
}

static double unprob32(uint32_t v)
{
	return (double)v / (double)UINT32_MAX;
}

/* Standard normal quantile by Newton's method on erfc; exact to double precision. */
static double normal_quantile(double u)
{
	double z = 0;

	for (int i = 0; i < 60; i++) {
		double cdf = 0.5 * erfc(-z / M_SQRT2);
		double pdf = exp(-z * z / 2) / sqrt(2 * M_PI);
		double step = (cdf - u) / pdf;

		z -= step;
		if (fabs(step) < 1e-12)
			break;
	}
	return z;
}

static int16_t scaled(double z)
{
	double v = round(z * NETEM_DIST_SCALE);

	if (v > INT16_MAX)
		v = INT16_MAX;
	if (v < INT16_MIN)
		v = INT16_MIN;
	return (int16_t)v;
}

/*
 * netem draws jitter as sigma * table[random] / NETEM_DIST_SCALE: the table is the
 * distribution's quantile function, standardised to mean 0 and standard deviation 1, at
 * evenly spaced probabilities. Pareto with shape 3 (x >= 1) has mean 3/2 and standard
 * deviation sqrt(3)/2; its tail is cut at the table's range (4 standard deviations).
 */
const int16_t *emu_netem_dist_table(enum emu_dist dist, size_t *ret_n)
{
	static int16_t normal[DIST_SIZE], pareto[DIST_SIZE];
	static bool done;

	if (!done) {
		for (int i = 0; i < DIST_SIZE; i++) {
			double u = (i + 0.5) / DIST_SIZE;
			double x = pow(1 - u, -1.0 / 3);

			normal[i] = scaled(normal_quantile(u));
			pareto[i] = scaled((x - 1.5) / (sqrt(3) / 2));
		}
		done = true;
	}
	*ret_n = DIST_SIZE;
	switch (dist) {
	case EMU_DIST_NORMAL:
		return normal;
	case EMU_DIST_PARETO:
		return pareto;
	default:
		*ret_n = 0;
		return NULL;
	}
}

static struct nlmsghdr *netem_msg(void *buf, int index, const struct emu_shape *s, bool table)
{
	struct nlmsghdr *nlh;
	struct tcmsg *tc;
	struct tc_netem_qopt q;
	struct tc_netem_rate rate;
	struct nlattr *opts;
	uint64_t bytes = s->rate_bps / 8;

	if (!expressible(s))
		return NULL;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWQDISC;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE;
	tc = mnl_nlmsg_put_extra_header(nlh, sizeof(*tc));
	tc->tcm_family = AF_UNSPEC;
	tc->tcm_ifindex = index;
	tc->tcm_parent = TC_H_ROOT;
	tc->tcm_handle = TC_H_MAKE(1u << 16, 0);
	mnl_attr_put_strz(nlh, TCA_KIND, "netem");

	memset(&q, 0, sizeof(q));
	q.latency =
	    (uint32_t)((s->delay_ns >> TICK_SHIFT) > UINT32_MAX ? UINT32_MAX
								: s->delay_ns >> TICK_SHIFT);
	q.jitter =
	    (uint32_t)((s->jitter_ns >> TICK_SHIFT) > UINT32_MAX ? UINT32_MAX
								 : s->jitter_ns >> TICK_SHIFT);
	q.limit = s->limit ? s->limit : EMU_SHAPE_DEFAULT_LIMIT;
	q.loss = s->loss.model == EMU_LOSS_RANDOM ? prob32(s->loss.p) : 0;

	/* TCA_OPTIONS: the struct, then attributes; not flagged as a nest. */
	opts = mnl_nlmsg_get_payload_tail(nlh);
	opts->nla_type = TCA_OPTIONS;
	nlh->nlmsg_len += MNL_ATTR_HDRLEN;
	memcpy(mnl_nlmsg_get_payload_tail(nlh), &q, sizeof(q));
	nlh->nlmsg_len += MNL_ALIGN(sizeof(q));

	mnl_attr_put(nlh, TCA_NETEM_LATENCY64, sizeof(int64_t), &(int64_t){(int64_t)s->delay_ns});
	mnl_attr_put(nlh, TCA_NETEM_JITTER64, sizeof(int64_t), &(int64_t){(int64_t)s->jitter_ns});
	/* Always sent: netem keeps its old rate when the attribute is missing. */
	memset(&rate, 0, sizeof(rate));
	rate.rate = bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;
	mnl_attr_put(nlh, TCA_NETEM_RATE, sizeof(rate), &rate);
	if (bytes > UINT32_MAX)
		mnl_attr_put_u64(nlh, TCA_NETEM_RATE64, bytes);
	if (s->loss.model == EMU_LOSS_GILBERT) {
		/*
		 * netem's Gilbert-Elliott is asymmetric: in the bad state a frame is lost when
		 * a random number exceeds h (so h is the chance to pass), in the good state
		 * when it is below k1 (so k1 is the chance to be lost, 1 - k).
		 */
		struct tc_netem_gemodel ge = {
		    .p = prob32(s->loss.p),
		    .r = prob32(s->loss.r),
		    .h = prob32(s->loss.h),
		    .k1 = prob32(1 - s->loss.k),
		};
		struct nlattr *loss = mnl_attr_nest_start(nlh, TCA_NETEM_LOSS);

		mnl_attr_put(nlh, NETEM_LOSS_GE, sizeof(ge), &ge);
		mnl_attr_nest_end(nlh, loss);
	}
	if (table && s->jitter_ns) {
		size_t n;
		const int16_t *t = emu_netem_dist_table(s->dist, &n);

		/* None (uniform) is netem's built-in default; a table replaces it. */
		if (t)
			mnl_attr_put(nlh, TCA_NETEM_DELAY_DIST, n * sizeof(*t), t);
	}
	opts->nla_len = (uint16_t)((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)opts);
	return nlh;
}

struct nlmsghdr *emu_msg_netem(void *buf, int index, const struct emu_shape *s)
{
	return netem_msg(buf, index, s, true);
}

int emu_netem_parse(const struct nlmsghdr *nlh, struct emu_shape *ret)
{
	const struct tcmsg *tc = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *opts = NULL;
	const struct tc_netem_qopt *q;
	struct emu_shape s;
	bool kind_ok = false;

	mnl_attr_for_each(a, nlh, sizeof(*tc))
	{
		if (mnl_attr_get_type(a) == TCA_KIND)
			kind_ok = !strcmp(mnl_attr_get_str(a), "netem");
		else if (mnl_attr_get_type(a) == TCA_OPTIONS)
			opts = a;
	}
	if (!kind_ok || !opts || mnl_attr_get_payload_len(opts) < sizeof(*q))
		return -ENOENT;
	q = mnl_attr_get_payload(opts);
	memset(&s, 0, sizeof(s));
	s.delay_ns = (uint64_t)q->latency << TICK_SHIFT;
	s.jitter_ns = (uint64_t)q->jitter << TICK_SHIFT;
	s.limit = q->limit;
	if (q->loss) {
		s.loss.model = EMU_LOSS_RANDOM;
		s.loss.p = unprob32(q->loss);
	}
	/* The attributes follow the struct inside TCA_OPTIONS. */
	for (a = (const struct nlattr *)((const char *)mnl_attr_get_payload(opts) +
					 MNL_ALIGN(sizeof(*q)));
	     mnl_attr_ok(a, (int)((const char *)opts + opts->nla_len - (const char *)a));
	     a = mnl_attr_next(a)) {
		switch (mnl_attr_get_type(a)) {
		/* u64 through memcpy: attributes are only 4-byte aligned */
		case TCA_NETEM_LATENCY64:
			s.delay_ns = mnl_attr_get_u64(a);
			break;
		case TCA_NETEM_JITTER64:
			s.jitter_ns = mnl_attr_get_u64(a);
			break;
		case TCA_NETEM_RATE: {
			const struct tc_netem_rate *r = mnl_attr_get_payload(a);

			if (s.rate_bps < (uint64_t)r->rate * 8)
				s.rate_bps = (uint64_t)r->rate * 8;
			break;
		}
		case TCA_NETEM_RATE64:
			s.rate_bps = mnl_attr_get_u64(a) * 8;
			break;
		case TCA_NETEM_LOSS: {
			const struct nlattr *l;

			mnl_attr_for_each_nested(l, a)
			{
				const struct tc_netem_gemodel *ge = mnl_attr_get_payload(l);

				if (mnl_attr_get_type(l) != NETEM_LOSS_GE ||
				    mnl_attr_get_payload_len(l) < sizeof(*ge))
					continue;
				s.loss.model = EMU_LOSS_GILBERT;
				s.loss.p = unprob32(ge->p);
				s.loss.r = unprob32(ge->r);
				s.loss.h = unprob32(ge->h);
				s.loss.k = 1 - unprob32(ge->k1);
			}
			break;
		}
		}
	}
	/* netem does not report its distribution table: keep what the caller believes. */
	s.dist = s.jitter_ns ? ret->dist : EMU_DIST_NONE;
	*ret = s;
	return 0;
}

/*
 * The table only goes out when it must (first set, or the distribution changed): netem keeps
 * its table when the attribute is missing, and a change without it is a small message.
 */
int emu_netem_set(struct emu_nl *nl, int index, const struct emu_shape *s,
		  const struct emu_shape *prev)
{
	bool table = !prev || prev->dist != s->dist || !prev->jitter_ns;
	struct nlmsghdr *nlh;
	void *slot;
	int r;

	r = emu_nl_reserve(nl, EMU_NETEM_MSG_MAX);
	if (r < 0)
		return r;
	slot = emu_nl_slot(nl);
	nlh = netem_msg(slot, index, s, table);
	if (!nlh)
		return s->trace ? -EOPNOTSUPP : -ERANGE;
	return emu_nl_queue(nl, nlh, (uint32_t)index);
}

struct get_ctx {
	int index;
	struct emu_shape *shape;
	int r;
};

static int on_qdisc(const struct nlmsghdr *nlh, void *arg)
{
	struct get_ctx *g = arg;
	const struct tcmsg *tc = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWQDISC || tc->tcm_ifindex != g->index ||
	    tc->tcm_parent != TC_H_ROOT)
		return 0;
	g->r = emu_netem_parse(nlh, g->shape);
	return 0;
}

int emu_netem_get(struct emu_nl *nl, int index, struct emu_shape *ret)
{
	char buf[EMU_MSG_MAX];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tcmsg *tc;
	struct get_ctx g = {.index = index, .shape = ret, .r = -ENOENT};
	int r;

	nlh->nlmsg_type = RTM_GETQDISC;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	tc = mnl_nlmsg_put_extra_header(nlh, sizeof(*tc));
	tc->tcm_family = AF_UNSPEC;
	tc->tcm_ifindex = index;
	r = emu_nl_flush(nl);
	if (r < 0)
		return r;
	r = emu_nl_dump(nl, nlh, on_qdisc, &g);
	return r < 0 ? r : g.r;
}

int emu_netem_probe(void)
{
	static int cached = 1;
	int st;
	pid_t pid;

	if (cached <= 0)
		return cached;
	/* A child with a namespace of its own: nothing can be left behind. */
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		struct emu_shape s = {.delay_ns = 1000000};
		struct emu_nl *nl;
		int r;

		if (unshare(CLONE_NEWNET) < 0)
			_exit(errno & 0xff);
		if (emu_nl_open(&nl) < 0)
			_exit(EIO);
		r = emu_netem_set(nl, 1, &s, NULL);
		if (r == 0)
			r = emu_nl_flush(nl);
		_exit(r < 0 ? -r & 0xff : 0);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	cached = WIFEXITED(st) ? -WEXITSTATUS(st) : -EIO;
	return cached;
}
