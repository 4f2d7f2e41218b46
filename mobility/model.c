/* SPDX-License-Identifier: MIT */
/* Position models behind one query: static, waypoints, random waypoint, a trace node. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mobility/mobility.h"
#include "topo/topo.h"

void mob_model_static_init(struct mob_model *m, struct mob_pos p)
{
	memset(m, 0, sizeof(*m));
	m->kind = MOB_MODEL_STATIC;
	m->fixed = p;
}

int mob_model_waypoints_init(struct mob_model *m, const struct mob_waypoint *wps, size_t n)
{
	struct mob_waypoint *c;

	if (!n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(wps[i].x) || !isfinite(wps[i].y) || !isfinite(wps[i].t_s))
			return -EINVAL;
		if (i && wps[i].t_s < wps[i - 1].t_s)
			return -EINVAL;
	}
	c = malloc(n * sizeof(*c));
	if (!c)
		return -ENOMEM;
	memcpy(c, wps, n * sizeof(*c));
	memset(m, 0, sizeof(*m));
	m->kind = MOB_MODEL_WAYPOINTS;
	m->wp.wps = c;
	m->wp.n = n;
	return 0;
}

/* splitmix64: tiny, good enough for placement, and the same on every libc */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [lo, hi] */
static double rng_uniform(uint64_t *s, double lo, double hi)
{
	double u = (double)(rng_next(s) >> 11) / (double)(1ULL << 53);

	return lo + (hi - lo) * u;
}

static void rwp_leg(struct mob_model *m, double start_s)
{
	const struct mob_rwp_params *p = &m->rwp.p;
	double speed, d;

	m->rwp.to.x = rng_uniform(&m->rwp.rng, p->x0, p->x1);
	m->rwp.to.y = rng_uniform(&m->rwp.rng, p->y0, p->y1);
	m->rwp.to.z = 0;
	speed = rng_uniform(&m->rwp.rng, p->speed_min, p->speed_max);
	d = hypot(m->rwp.to.x - m->rwp.from.x, m->rwp.to.y - m->rwp.from.y);
	m->rwp.t0_s = start_s;
	m->rwp.t1_s = start_s + d / speed;
	m->rwp.t2_s = m->rwp.t1_s + p->pause_s;
}

static void rwp_reset(struct mob_model *m)
{
	const struct mob_rwp_params *p = &m->rwp.p;

	m->rwp.rng = m->rwp.seed;
	m->rwp.stuck = false;
	m->rwp.from.x = rng_uniform(&m->rwp.rng, p->x0, p->x1);
	m->rwp.from.y = rng_uniform(&m->rwp.rng, p->y0, p->y1);
	m->rwp.from.z = 0;
	rwp_leg(m, 0);
}

int mob_rwp_speed_check(double min, double max, const char **ret_why)
{
	const char *why = NULL;

	/* written so that NaN fails every test */
	if (!(min > 0))
		why = "min speed is not above 0";
	else if (!(max >= min))
		why = "max speed is below min speed";
	else if (!(max <= MOB_SPEED_MAX))
		why = "max speed is above 10000 m/s";
	if (ret_why)
		*ret_why = why;
	return why ? -EINVAL : 0;
}

int mob_rwp_area_check(double x0, double y0, double x1, double y1, const char **ret_why)
{
	const char *why = NULL;

	if (!mob_coord_ok(x0) || !mob_coord_ok(y0) || !mob_coord_ok(x1) || !mob_coord_ok(y1))
		why = "a corner is beyond 10000 km";
	else if ((x0 != x1 || y0 != y1) && fabs(x1 - x0) < MOB_AREA_MIN &&
		 fabs(y1 - y0) < MOB_AREA_MIN)
		why = "the area is less than 1 m across (a point is fine)";
	if (ret_why)
		*ret_why = why;
	return why ? -EINVAL : 0;
}

int mob_rwp_params_check(const struct mob_rwp_params *p, const char **ret_why)
{
	int r = mob_rwp_area_check(p->x0, p->y0, p->x1, p->y1, ret_why);

	if (r == 0)
		r = mob_rwp_speed_check(p->speed_min, p->speed_max, ret_why);
	if (r == 0 && !(p->pause_s >= 0 && p->pause_s <= MOB_TIME_MAX)) {
		if (ret_why)
			*ret_why = "pause is negative or beyond 10^9 s";
		r = -EINVAL;
	}
	return r;
}

struct mob_rwp_params mob_rwp_params_from(const struct topo_mobility *mb)
{
	return (struct mob_rwp_params){
	    .x0 = mb->area[0][0],
	    .y0 = mb->area[0][1],
	    .x1 = mb->area[1][0],
	    .y1 = mb->area[1][1],
	    .speed_min = mb->speed_min,
	    .speed_max = mb->speed_max,
	    .pause_s = (double)mb->pause_ns / 1e9,
	};
}

int mob_model_rwp_init(struct mob_model *m, const struct mob_rwp_params *p, uint64_t seed)
{
	struct mob_rwp_params q = *p;

	if (mob_rwp_params_check(&q, NULL) < 0)
		return -EINVAL;
	/* corners in any order */
	if (q.x1 < q.x0) {
		q.x0 = p->x1;
		q.x1 = p->x0;
	}
	if (q.y1 < q.y0) {
		q.y0 = p->y1;
		q.y1 = p->y0;
	}
	memset(m, 0, sizeof(*m));
	m->kind = MOB_MODEL_RWP;
	m->rwp.p = q;
	m->rwp.seed = seed;
	rwp_reset(m);
	return 0;
}

int mob_model_trace_init(struct mob_model *m, const struct mob_trace *t, unsigned node)
{
	if (!mob_trace_has(t, node))
		return -ENOENT;
	memset(m, 0, sizeof(*m));
	m->kind = MOB_MODEL_TRACE;
	m->tr.trace = t;
	m->tr.node = node;
	return 0;
}

static void wp_pos(const struct mob_model *m, double t_s, struct mob_pos *ret)
{
	const struct mob_waypoint *w = m->wp.wps;
	size_t n = m->wp.n, lo = 0, hi = n;
	double f;

	ret->z = 0;
	/* first waypoint with t > t_s */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w[mid].t_s <= t_s)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || lo == n) {
		ret->x = w[lo ? n - 1 : 0].x;
		ret->y = w[lo ? n - 1 : 0].y;
		return;
	}
	f = (t_s - w[lo - 1].t_s) / (w[lo].t_s - w[lo - 1].t_s);
	ret->x = w[lo - 1].x + f * (w[lo].x - w[lo - 1].x);
	ret->y = w[lo - 1].y + f * (w[lo].y - w[lo - 1].y);
}

/* Legs in a row that leave time where it was, before the model gives up moving. */
#define RWP_STILL_MAX 1000

static void rwp_pos(struct mob_model *m, double t_s, struct mob_pos *ret)
{
	double f;

	/* a point area: every leg is empty and the loop below would never end */
	if (m->rwp.p.x0 == m->rwp.p.x1 && m->rwp.p.y0 == m->rwp.p.y1) {
		*ret = m->rwp.from;
		return;
	}
	/* lazily forward; a query into the past replays from the seed */
	if (t_s < m->rwp.t0_s)
		rwp_reset(m);
	/*
	 * A leg shorter than the clock's resolution at t leaves time where it was; one now and
	 * then is a chance meeting of two close points, but a run of them (legs far below a
	 * microsecond) would keep this loop from ever returning. Then the UE stays put.
	 */
	for (unsigned still = 0; t_s >= m->rwp.t2_s && !m->rwp.stuck;) {
		double start = m->rwp.t2_s;

		m->rwp.from = m->rwp.to;
		rwp_leg(m, start);
		if (!(m->rwp.t2_s > start) && ++still >= RWP_STILL_MAX)
			m->rwp.stuck = true;
		else if (m->rwp.t2_s > start)
			still = 0;
	}
	if (m->rwp.stuck) {
		*ret = m->rwp.from;
		return;
	}
	if (t_s >= m->rwp.t1_s) {
		*ret = m->rwp.to;
		return;
	}
	if (t_s <= m->rwp.t0_s) {
		*ret = m->rwp.from;
		return;
	}
	f = (t_s - m->rwp.t0_s) / (m->rwp.t1_s - m->rwp.t0_s);
	ret->x = m->rwp.from.x + f * (m->rwp.to.x - m->rwp.from.x);
	ret->y = m->rwp.from.y + f * (m->rwp.to.y - m->rwp.from.y);
	ret->z = 0;
}

int mob_model_pos(struct mob_model *m, double t_s, struct mob_pos *ret)
{
	if (isnan(t_s))
		return -EINVAL;
	switch (m->kind) {
	case MOB_MODEL_STATIC:
		*ret = m->fixed;
		return 0;
	case MOB_MODEL_WAYPOINTS:
		wp_pos(m, t_s, ret);
		return 0;
	case MOB_MODEL_RWP:
		if (isinf(t_s))
			return -EINVAL;
		rwp_pos(m, t_s < 0 ? 0 : t_s, ret);
		return 0;
	case MOB_MODEL_TRACE:
		return mob_trace_pos(m->tr.trace, m->tr.node, t_s, ret);
	}
	return -EINVAL;
}

void mob_model_fini(struct mob_model *m)
{
	if (!m)
		return;
	if (m->kind == MOB_MODEL_WAYPOINTS)
		free(m->wp.wps);
	memset(m, 0, sizeof(*m));
}
