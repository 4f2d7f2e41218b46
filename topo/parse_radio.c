/* SPDX-License-Identifier: MIT */
/* Scenario parser: radio: and mobility: (UE positions over time). */
#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/net.h"
#include "topo/parse.h"

static const char *const radio_keys[] = {
    "model", "tx_power",  "exponent",  "ref_loss",  "min_signal",  "delay",   "tick", "handover",
    "noise", "bandwidth", "peak_rate", "edge_loss", "loss_margin", "ue_pool", NULL};
enum {
	K_RADIO_MODEL,
	K_TX_POWER,
	K_EXPONENT,
	K_REF_LOSS,
	K_MIN_SIGNAL,
	K_RADIO_DELAY,
	K_TICK,
	K_HANDOVER,
	K_NOISE,
	K_BANDWIDTH,
	K_PEAK_RATE,
	K_EDGE_LOSS,
	K_LOSS_MARGIN,
	K_UE_POOL,
	K_RADIO_N
};
static const char *const handover_keys[] = {"hysteresis", "ttt", "interruption", "forwarding",
					    NULL};
enum { K_HYSTERESIS, K_TTT, K_INTERRUPTION, K_FORWARDING, K_HANDOVER_N };
/* In enum topo_forwarding's order. */
static const char *const forwarding_names[] = {"x2", "drop", NULL};

static const char *const mob_keys[] = {"model", "pos",	 "points", "area", "speed",
				       "pause", "trace", "node",   NULL};
enum {
	K_MOB_MODEL,
	K_MOB_POS,
	K_MOB_POINTS,
	K_MOB_AREA,
	K_MOB_SPEED,
	K_MOB_PAUSE,
	K_MOB_TRACE,
	K_MOB_NODE,
	K_MOB_N
};
/* In enum topo_mob_kind's order. */
static const char *const mob_model_names[] = {"static", "waypoints", "random-waypoint", "trace",
					      NULL};

/* A plain decimal where the unit is implied by the key (exponent, m/s); "m/s" if suffix. */
static int get_plain(struct ctx *c, const yaml_node_t *n, const char *key, const char *suffix,
		     double *ret_value)
{
	const char *s;
	size_t len;
	int r = parse_expect(c, n, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	s = str(n);
	len = topo_unit_number_len(s);
	if (!len || (s[len] && (!suffix || strcmp(s + len, suffix)))) {
		if (suffix)
			return parse_fail(c, n, "%s: '%s' is not a number (optionally with %s)",
					  key, s, suffix);
		return parse_fail(c, n, "%s: '%s' is not a plain number", key, s);
	}
	/* Infinite for 400 digits: the callers' ranges refuse it. */
	*ret_value = strtod(s, NULL);
	return 0;
}

/*
 * Decibels: "3dB" with unit "dB", "46dBm" with "dBm"; negative only where allowed. Bounded so
 * that the radio model's powers of ten stay finite.
 */
static int get_db(struct ctx *c, const yaml_node_t *n, const char *key, const char *unit,
		  bool negative, double *ret_db)
{
	double db, max = negative ? TOPO_DBM_MAX : TOPO_DB_MAX;
	int r = parse_expect(c, n, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	if (topo_unit_decibel(str(n), unit, &db) < 0)
		return parse_fail_unit(c, n, key, unit, NULL);
	if (!negative && db < 0)
		return parse_fail(c, n, "%s: '%s' must not be negative", key, str(n));
	if (!(fabs(db) <= max))
		return parse_fail(c, n, "%s: '%s' is out of range (%s%.0f%s to %.0f%s)", key,
				  str(n), negative ? "-" : "", negative ? max : 0, unit, max, unit);
	*ret_db = db;
	return 0;
}

#define HERTZ_UNITS "Hz, kHz, MHz, GHz"

/* A bandwidth: Hz, kHz, MHz, GHz; above 0 and at most 100GHz. */
static int get_hertz(struct ctx *c, const yaml_node_t *n, const char *key, uint64_t *ret_hz)
{
	static const struct {
		const char *name;
		double mult;
	} units[] = {{"Hz", 1}, {"kHz", 1e3}, {"MHz", 1e6}, {"GHz", 1e9}};
	const char *s;
	size_t len;
	double v;
	int r = parse_expect(c, n, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	s = str(n);
	len = topo_unit_number_len(s);
	for (size_t i = 0; len && i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s + len, units[i].name))
			continue;
		v = strtod(s, NULL) * units[i].mult + 0.5;
		if (v < 1 || v > 100e9)
			return parse_fail(c, n, "%s: '%s' is not between 1Hz and 100GHz", key, s);
		*ret_hz = (uint64_t)v;
		return 0;
	}
	return parse_fail_unit(c, n, key, HERTZ_UNITS, NULL);
}

static int parse_handover(struct ctx *c, const yaml_node_t *n, struct topo_radio *rd)
{
	yaml_node_t *vals[K_HANDOVER_N] = {0};
	int r = parse_params(c, n, "handover", handover_keys, vals);

	if (r == 0 && vals[K_HYSTERESIS])
		r = get_db(c, vals[K_HYSTERESIS], "hysteresis", "dB", false, &rd->hysteresis_db);
	if (r == 0 && vals[K_TTT])
		r = parse_get_time(c, vals[K_TTT], "ttt", 0, TOPO_TIME_MAX_NS, &rd->ttt_ns);
	if (r == 0 && vals[K_INTERRUPTION])
		r = parse_get_time(c, vals[K_INTERRUPTION], "interruption", 0, TOPO_TIME_MAX_NS,
				   &rd->interruption_ns);
	if (r == 0 && vals[K_FORWARDING]) {
		int f;

		r = parse_get_enum(c, vals[K_FORWARDING], "forwarding", "forwarding",
				   forwarding_names, &f);
		rd->forwarding = (enum topo_forwarding)f;
	}
	return r;
}

/* `ue_pool:`: a network A.B.C.D/len, len 8 to 30, not one no host may have an address in. */
static int parse_ue_pool(struct ctx *c, const yaml_node_t *n, struct topo_radio *rd)
{
	char buf[INET_ADDRSTRLEN];
	const char *s, *slash;
	struct in_addr a;
	unsigned plen;
	size_t len;
	int r = parse_expect(c, n, YAML_SCALAR_NODE, "ue_pool");

	if (r < 0)
		return r;
	s = str(n);
	slash = strchr(s, '/');
	len = slash ? (size_t)(slash - s) : 0;
	if (!slash || len >= sizeof(buf) || !slash[1] || strlen(slash + 1) > 2 ||
	    strspn(slash + 1, "0123456789") != strlen(slash + 1))
		goto bad;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		goto bad;
	plen = (unsigned)atoi(slash + 1);
	if (plen < 8 || plen > 30)
		return parse_fail(c, n, "ue_pool: '%s': the prefix length must be 8 to 30", s);
	rd->ue_pool = ntohl(a.s_addr);
	rd->ue_plen = (uint8_t)plen;
	if (rd->ue_pool & ~topo_mask(plen))
		return parse_fail(c, n,
				  "ue_pool: '%s' is not the network address of its /%u (%s/%u)", s,
				  plen, topo_ip_str(rd->ue_pool & topo_mask(plen)), plen);
	/* A /8 or longer lies inside one /8: its network address says which. */
	if (parse_unusable(rd->ue_pool))
		return parse_fail(c, n, "ue_pool: '%s' cannot hold UE addresses: %s", s,
				  parse_unusable(rd->ue_pool));
	return 0;
bad:
	return parse_fail(
	    c, n, "ue_pool: '%s' is not an IPv4 network with prefix length (A.B.C.D/len)", s);
}

static bool overlaps(uint32_t a, unsigned alen, uint32_t b, unsigned blen)
{
	unsigned plen = alen < blen ? alen : blen;

	return !((a ^ b) & topo_mask(plen));
}

/*
 * The UE pool holds every UE and nothing else: not the runs' link pools, a subnet of a link
 * or a service's VIP, which the UEs' routes would shadow. Errors point at ue_pool: when the
 * file gives it (pool), else at the address that is in the default pool's way.
 */
static int check_ue_pool(struct ctx *c, const yaml_node_t *pool)
{
	const struct topo_model *m = c->m;
	const struct topo_radio *rd = &m->radio;
	const char *what = pool ? str(pool) : NULL;
	unsigned long long room = (1ull << (32 - rd->ue_plen)) - 2, ues = 0;

	for (unsigned i = 0; i < m->n_nodes; i++)
		ues += m->nodes[i].kind == TOPO_UE;
	if (pool && overlaps(rd->ue_pool, rd->ue_plen, topo_pool_base(0), 10))
		return parse_fail(c, pool,
				  "ue_pool: '%s' overlaps the runs' link address pools "
				  "%s/10",
				  what, topo_ip_str(topo_pool_base(0)));
	if (pool && ues > room)
		return parse_fail(c, pool,
				  "ue_pool: '%s' holds %llu UE addresses; the scenario has "
				  "%llu UEs",
				  what, room, ues);
	for (unsigned l = 0; l < m->n_links; l++)
		for (int e = 0; e < 2; e++) {
			const struct topo_if *x = &m->links[l].end[e];

			if (!x->addr_set || !overlaps(x->addr, x->plen, rd->ue_pool, rd->ue_plen))
				continue;
			if (pool)
				return parse_fail(c, pool,
						  "ue_pool: '%s' overlaps address %s/%u of "
						  "%s:%s at %d:%d",
						  what, topo_ip_str(x->addr), x->plen,
						  m->nodes[x->node].name, x->ifname, x->mark.line,
						  x->mark.col);
			return parse_fail_at(c, x->mark.line, x->mark.col,
					     "address %s/%u of %s:%s overlaps the UE pool %s/%u "
					     "(radio: ue_pool:'s default; give radio: another "
					     "ue_pool:)",
					     topo_ip_str(x->addr), x->plen, m->nodes[x->node].name,
					     x->ifname, topo_ip_str(rd->ue_pool), rd->ue_plen);
		}
	for (unsigned i = 0; i < m->n_services; i++) {
		const struct topo_service *svc = &m->services[i];

		if (!overlaps(svc->vip, 32, rd->ue_pool, rd->ue_plen))
			continue;
		if (pool)
			return parse_fail(c, pool,
					  "ue_pool: '%s' holds vip %s of service '%s' at "
					  "%d:%d",
					  what, topo_ip_str(svc->vip), svc->name,
					  svc->vip_mark.line, svc->vip_mark.col);
		return parse_fail_at(c, svc->vip_mark.line, svc->vip_mark.col,
				     "vip %s is inside the UE pool %s/%u (radio: ue_pool:'s "
				     "default; give radio: another ue_pool:)",
				     topo_ip_str(svc->vip), topo_ip_str(rd->ue_pool), rd->ue_plen);
	}
	return 0;
}

/* `radio:`: every key optional, defaults as SCENARIO.md's example (and topo.h's for ours). */
int parse_radio(struct ctx *c, const yaml_node_t *key, const yaml_node_t *n)
{
	struct topo_radio *rd = &c->m->radio;
	yaml_node_t *vals[K_RADIO_N] = {0};
	int model, r = parse_params(c, n, "radio", radio_keys, vals);

	if (r < 0)
		return r;
	*rd = (struct topo_radio){
	    .model = TOPO_RADIO_LOG_DISTANCE,
	    .tx_power_dbm = 46,
	    .exponent = 3.5,
	    .ref_loss_db = 40,
	    .min_signal_dbm = -110,
	    .noise_dbm = TOPO_RADIO_NOISE_DBM,
	    .bandwidth_hz = TOPO_RADIO_BANDWIDTH_HZ,
	    .peak_rate_bps = TOPO_RADIO_PEAK_RATE_BPS,
	    .edge_loss = TOPO_RADIO_EDGE_LOSS,
	    .loss_margin_db = TOPO_RADIO_LOSS_MARGIN_DB,
	    .delay_ns = 4000000,
	    .tick_ns = 100000000,
	    .hysteresis_db = 3,
	    .ttt_ns = 160000000,
	    .interruption_ns = 40000000,
	    .mark = mark_of(key),
	    .ue_pool = TOPO_RADIO_UE_POOL,
	    .ue_plen = TOPO_RADIO_UE_PLEN,
	    .ue_pool_mark = mark_of(key),
	    .forwarding = TOPO_FORWARD_X2,
	};
	if (vals[K_RADIO_MODEL]) {
		r = parse_get_enum(c, vals[K_RADIO_MODEL], "model", "radio model",
				   (const char *const[]){"log-distance", NULL}, &model);
		if (r < 0)
			return r;
		rd->model = (enum topo_radio_model)model;
	}
	if (vals[K_TX_POWER])
		r = get_db(c, vals[K_TX_POWER], "tx_power", "dBm", true, &rd->tx_power_dbm);
	if (r == 0 && vals[K_EXPONENT]) {
		r = get_plain(c, vals[K_EXPONENT], "exponent", NULL, &rd->exponent);
		if (r == 0 && !(rd->exponent > 0))
			r = parse_fail(c, vals[K_EXPONENT], "exponent: '%s' is not above 0",
				       str(vals[K_EXPONENT]));
		if (r == 0 && !(rd->exponent <= TOPO_EXPONENT_MAX))
			r = parse_fail(c, vals[K_EXPONENT],
				       "exponent: '%s' is out of range (above 0, at most %.0f)",
				       str(vals[K_EXPONENT]), TOPO_EXPONENT_MAX);
	}
	if (r == 0 && vals[K_REF_LOSS])
		r = get_db(c, vals[K_REF_LOSS], "ref_loss", "dB", false, &rd->ref_loss_db);
	if (r == 0 && vals[K_MIN_SIGNAL])
		r = get_db(c, vals[K_MIN_SIGNAL], "min_signal", "dBm", true, &rd->min_signal_dbm);
	if (r == 0 && vals[K_NOISE])
		r = get_db(c, vals[K_NOISE], "noise", "dBm", true, &rd->noise_dbm);
	if (r == 0 && vals[K_BANDWIDTH])
		r = get_hertz(c, vals[K_BANDWIDTH], "bandwidth", &rd->bandwidth_hz);
	if (r == 0 && vals[K_PEAK_RATE]) {
		r = parse_get_rate(c, vals[K_PEAK_RATE], "peak_rate", false, &rd->peak_rate_bps);
	}
	if (r == 0 && vals[K_EDGE_LOSS])
		r = parse_get_percent(c, vals[K_EDGE_LOSS], "edge_loss", &rd->edge_loss);
	if (r == 0 && vals[K_LOSS_MARGIN]) {
		r = get_db(c, vals[K_LOSS_MARGIN], "loss_margin", "dB", false, &rd->loss_margin_db);
		if (r == 0 && !(rd->loss_margin_db > 0))
			r = parse_fail(c, vals[K_LOSS_MARGIN], "loss_margin: '%s' is not above 0dB",
				       str(vals[K_LOSS_MARGIN]));
	}
	if (r == 0 && vals[K_RADIO_DELAY])
		r = parse_get_time(c, vals[K_RADIO_DELAY], "delay", 0, TOPO_DELAY_MAX_NS,
				   &rd->delay_ns);
	/* Each tick reshapes every UE's radio: not faster than 1 ms. */
	if (r == 0 && vals[K_TICK])
		r = parse_get_time(c, vals[K_TICK], "tick", TOPO_RADIO_TICK_MIN_NS,
				   TOPO_TIME_MAX_NS, &rd->tick_ns);
	if (r == 0 && vals[K_HANDOVER])
		r = parse_handover(c, vals[K_HANDOVER], rd);
	if (r == 0 && vals[K_UE_POOL]) {
		rd->ue_pool_mark = mark_of(vals[K_UE_POOL]);
		r = parse_ue_pool(c, vals[K_UE_POOL], rd);
	}
	if (r == 0)
		r = check_ue_pool(c, vals[K_UE_POOL]);
	if (r < 0)
		return r;
	c->m->has_radio = true;
	return 0;
}

/*
 * With radio:, cells are placed by position, UEs reach them over the radio only, and the
 * radio interface's name is edgemu's on every UE and eNB.
 */
int parse_check_radio(struct ctx *c, const yaml_node_t *key)
{
	struct topo_model *m = c->m;
	unsigned long long ues = 0, enbs = 0;

	for (unsigned i = 0; i < m->n_nodes; i++) {
		const struct topo_node *n = &m->nodes[i];

		ues += n->kind == TOPO_UE;
		if (n->kind != TOPO_ENB)
			continue;
		enbs++;
		if (!n->has_pos)
			return parse_fail_at(
			    c, n->mark.line, n->mark.col,
			    "eNB '%s' has no pos: (radio: places cells by position)", n->name);
	}
	if (!enbs)
		return parse_fail(c, key, "radio: there is no node of kind enb");
	/* The runner computes every UE's signal from every cell at every tick. */
	if (ues * enbs > TOPO_RADIO_LINKS_MAX)
		return parse_fail(c, key,
				  "radio: %llu UEs x %llu eNBs make %llu UE-cell pairs; at most %d "
				  "are allowed",
				  ues, enbs, ues * enbs, TOPO_RADIO_LINKS_MAX);
	for (unsigned l = 0; l < m->n_links; l++)
		for (int e = 0; e < 2; e++) {
			const struct topo_if *x = &m->links[l].end[e];
			const struct topo_if *peer = &m->links[l].end[!e];
			enum topo_kind kind = m->nodes[x->node].kind;

			if ((kind == TOPO_UE || kind == TOPO_ENB) &&
			    !strcmp(x->ifname, TOPO_RAN_IFNAME))
				return parse_fail_at(
				    c, x->mark.line, x->mark.col,
				    "interface '%s' of %s '%s': with radio:, %s is "
				    "its radio interface; name this one otherwise",
				    x->ifname, topo_kind_name(kind), m->nodes[x->node].name,
				    TOPO_RAN_IFNAME);
			if (kind != TOPO_UE || m->nodes[peer->node].kind != TOPO_ENB)
				continue;
			return parse_fail_at(
			    c, x->mark.line, x->mark.col,
			    "%s is linked to %s in links:, but with radio: a UE reaches the eNBs "
			    "over the radio",
			    m->nodes[x->node].name, m->nodes[peer->node].name);
		}
	return 0;
}

/* waypoints' points: [[x, y, t], ...], t never before the previous point's. */
static int parse_points(struct ctx *c, const yaml_node_t *n, struct topo_mobility *mob)
{
	size_t count;
	int r = parse_expect(c, n, YAML_SEQUENCE_NODE, "points");

	if (r < 0)
		return r;
	count = seq_len(n);
	if (!count)
		return parse_fail(c, n, "points: at least one point [x, y, t] is needed");
	if (count > TOPO_POINTS_MAX)
		return parse_fail(c, n, "points: %zu points; a UE may have at most %d", count,
				  TOPO_POINTS_MAX);
	mob->points = calloc(count, sizeof(*mob->points));
	if (!mob->points)
		return parse_oom(c);
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *p = get(c, n->data.sequence.items.start[i]), *t;
		struct topo_waypoint *w = &mob->points[i];

		r = parse_expect(c, p, YAML_SEQUENCE_NODE, "points");
		if (r < 0)
			return r;
		if (seq_len(p) != 3)
			return parse_fail(c, p, "points: expected [x, y, t], got %zu values",
					  seq_len(p));
		r = parse_get_coord(c, get(c, p->data.sequence.items.start[0]), "points", &w->x);
		if (r == 0)
			r = parse_get_coord(c, get(c, p->data.sequence.items.start[1]), "points",
					    &w->y);
		t = get(c, p->data.sequence.items.start[2]);
		if (r == 0)
			r = parse_get_time(c, t, "points", 0, TOPO_TIME_MAX_NS, &w->t_ns);
		if (r < 0)
			return r;
		if (i && w->t_ns < w[-1].t_ns)
			return parse_fail(c, t, "points: '%s' is before the previous point's time",
					  str(t));
		mob->n_points++;
	}
	return 0;
}

/* random-waypoint's area: [[x0, y0], [x1, y1]], corners in any order. */
static int parse_area(struct ctx *c, const yaml_node_t *n, struct topo_mobility *mob)
{
	int r = parse_expect(c, n, YAML_SEQUENCE_NODE, "area");

	if (r < 0)
		return r;
	if (seq_len(n) != 2)
		goto bad;
	for (int i = 0; i < 2; i++) {
		yaml_node_t *corner = get(c, n->data.sequence.items.start[i]);

		if (corner->type != YAML_SEQUENCE_NODE || seq_len(corner) != 2)
			goto bad;
		for (int j = 0; j < 2; j++) {
			r = parse_get_coord(c, get(c, corner->data.sequence.items.start[j]), "area",
					    &mob->area[i][j]);
			if (r < 0)
				return r;
		}
	}
	/* Legs across a sliver of an area are too short for time to advance between them. */
	double w = fabs(mob->area[1][0] - mob->area[0][0]);
	double h = fabs(mob->area[1][1] - mob->area[0][1]);
	if ((w > 0 || h > 0) && (w > h ? w : h) < TOPO_AREA_MIN_M)
		return parse_fail(
		    c, n, "area: %g m by %g m is too small: a point, or at least %g m across", w, h,
		    TOPO_AREA_MIN_M);
	return 0;
bad:
	return parse_fail(c, n, "area: expected two corners [[x0, y0], [x1, y1]]");
}

/* random-waypoint's speed: [min, max] in m/s, 0 < min <= max. */
static int parse_speed(struct ctx *c, const yaml_node_t *n, struct topo_mobility *mob)
{
	yaml_node_t *lo, *hi;
	int r = parse_expect(c, n, YAML_SEQUENCE_NODE, "speed");

	if (r < 0)
		return r;
	if (seq_len(n) != 2)
		return parse_fail(c, n, "speed: expected [min, max] in m/s, got %zu values",
				  seq_len(n));
	lo = get(c, n->data.sequence.items.start[0]);
	hi = get(c, n->data.sequence.items.start[1]);
	r = get_plain(c, lo, "speed", "m/s", &mob->speed_min);
	if (r == 0)
		r = get_plain(c, hi, "speed", "m/s", &mob->speed_max);
	if (r < 0)
		return r;
	/* A leg's time is distance / speed: both ends must keep it finite and advancing. */
	for (int i = 0; i < 2; i++) {
		double v = i ? mob->speed_max : mob->speed_min;

		if (!(v >= TOPO_SPEED_MIN && v <= TOPO_SPEED_MAX))
			return parse_fail(c, i ? hi : lo,
					  "speed: '%s' is out of range (%g to %g m/s)",
					  str(i ? hi : lo), TOPO_SPEED_MIN, TOPO_SPEED_MAX);
	}
	if (mob->speed_max < mob->speed_min)
		return parse_fail(c, hi, "speed: max '%s' is below min '%s'", str(hi), str(lo));
	return 0;
}

/* Keys each model takes besides model:, and the one each needs. */
static const bool mob_takes[][K_MOB_N] = {
    [TOPO_MOB_STATIC] = {[K_MOB_POS] = true},
    [TOPO_MOB_WAYPOINTS] = {[K_MOB_POINTS] = true},
    [TOPO_MOB_RWP] = {[K_MOB_AREA] = true, [K_MOB_SPEED] = true, [K_MOB_PAUSE] = true},
    [TOPO_MOB_TRACE] = {[K_MOB_TRACE] = true, [K_MOB_NODE] = true},
};
static const int mob_needs[][2] = {
    [TOPO_MOB_STATIC] = {K_MOB_POS, -1},
    [TOPO_MOB_WAYPOINTS] = {K_MOB_POINTS, -1},
    [TOPO_MOB_RWP] = {K_MOB_AREA, K_MOB_SPEED},
    [TOPO_MOB_TRACE] = {K_MOB_TRACE, -1},
};

static int parse_mob_entry(struct ctx *c, const yaml_node_t *k, const yaml_node_t *v,
			   struct topo_mobility *mob)
{
	yaml_node_t *vals[K_MOB_N] = {0};
	const char *model;
	uint64_t id;
	int kind, r;

	if (v->type != YAML_MAPPING_NODE)
		return parse_fail(c, v, "mobility '%s': expected a mapping, got %s", str(k),
				  parse_type_name(v));
	r = parse_scan_keys(c, v, mob_keys, NULL, vals);
	if (r < 0)
		return r;
	if (vals[K_MOB_MODEL]) {
		r = parse_get_enum(c, vals[K_MOB_MODEL], "model", "mobility model", mob_model_names,
				   &kind);
		if (r < 0)
			return r;
	} else if (vals[K_MOB_TRACE]) {
		kind = TOPO_MOB_TRACE;
	} else {
		return parse_fail(c, v,
				  "mobility '%s': missing key 'model' (static, waypoints, "
				  "random-waypoint) or 'trace'",
				  str(k));
	}
	model = mob_model_names[kind];
	for (int i = K_MOB_MODEL + 1; i < K_MOB_N; i++)
		if (vals[i] && !mob_takes[kind][i])
			return parse_fail(c, vals[i], "%s: not a key of model %s", mob_keys[i],
					  model);
	for (int i = 0; i < 2; i++)
		if (mob_needs[kind][i] >= 0 && !vals[mob_needs[kind][i]])
			return parse_fail(c, v, "mobility '%s': model %s needs key '%s'", str(k),
					  model, mob_keys[mob_needs[kind][i]]);
	mob->kind = (enum topo_mob_kind)kind;
	switch (mob->kind) {
	case TOPO_MOB_STATIC:
		return parse_get_pos(c, vals[K_MOB_POS], "pos", mob->pos);
	case TOPO_MOB_WAYPOINTS:
		return parse_points(c, vals[K_MOB_POINTS], mob);
	case TOPO_MOB_RWP:
		r = parse_area(c, vals[K_MOB_AREA], mob);
		if (r == 0)
			r = parse_speed(c, vals[K_MOB_SPEED], mob);
		if (r == 0 && vals[K_MOB_PAUSE])
			r = parse_get_time(c, vals[K_MOB_PAUSE], "pause", 0, TOPO_TIME_MAX_NS,
					   &mob->pause_ns);
		return r;
	case TOPO_MOB_TRACE:
		mob->trace_mark = mark_of(vals[K_MOB_TRACE]);
		r = parse_get_path(c, vals[K_MOB_TRACE], "trace", &mob->trace);
		if (r < 0 || !vals[K_MOB_NODE])
			return r;
		mob->trace_node_mark = mark_of(vals[K_MOB_NODE]);
		r = parse_get_count(c, vals[K_MOB_NODE], "node", UINT32_MAX, false, &id);
		if (r < 0)
			return r;
		mob->trace_node = (unsigned)id;
		mob->trace_node_set = true;
		return 0;
	}
	return 0;
}

/* `mobility:`: UE name -> how it moves. Needs radio: (positions act through the radio). */
int parse_mobility(struct ctx *c, const yaml_node_t *key, const yaml_node_t *map)
{
	struct topo_model *m = c->m;
	int r = parse_expect(c, map, YAML_MAPPING_NODE, "mobility");

	if (r < 0)
		return r;
	if (!m->has_radio)
		return parse_fail(c, key,
				  "mobility: needs radio: (positions act through the radio)");
	m->mobility = calloc(map_len(map) + 1, sizeof(*m->mobility));
	c->mob_of = calloc(m->n_nodes, sizeof(*c->mob_of));
	c->ue_rank = calloc(m->n_nodes, sizeof(*c->ue_rank));
	if (!m->mobility || !c->mob_of || !c->ue_rank)
		return parse_oom(c);
	for (unsigned j = 1; j < m->n_nodes; j++)
		c->ue_rank[j] = c->ue_rank[j - 1] + (m->nodes[j - 1].kind == TOPO_UE);
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = get(c, p->key), *v = get(c, p->value);
		struct topo_mobility *mob = &m->mobility[m->n_mobility];
		const struct topo_node *node;
		int i;

		r = parse_expect_key(c, k, "a UE name");
		if (r < 0)
			return r;
		i = parse_node_find(c, str(k));
		if (i < 0)
			return parse_fail(c, k, "mobility: unknown node '%s'", str(k));
		node = &m->nodes[i];
		if (node->kind != TOPO_UE)
			return parse_fail(c, k, "mobility: '%s' is of kind %s; only UEs move",
					  str(k), topo_kind_name(node->kind));
		if (c->mob_of[i]) {
			const struct topo_mobility *first = &m->mobility[c->mob_of[i] - 1];

			return parse_fail(c, k, "mobility: duplicate UE '%s' (first at %d:%d)",
					  str(k), first->mark.line, first->mark.col);
		}
		if (node->has_pos)
			return parse_fail(
			    c, k,
			    "mobility: '%s' also has pos: in nodes: (%d:%d); give its "
			    "position in one place",
			    str(k), node->mark.line, node->mark.col);
		mob->node = (unsigned)i;
		mob->mark = mark_of(k);
		/* Without node:, the trace's node i is the i-th UE of nodes:. */
		mob->trace_node = c->ue_rank[i];
		/* Counted before parsing so a failure frees this entry's points and trace. */
		c->mob_of[i] = ++m->n_mobility;
		r = parse_mob_entry(c, k, v, mob);
		if (r < 0)
			return r;
	}
	return 0;
}

/* With radio:, every UE needs a position: its node's pos: or a mobility: entry. */
int parse_check_ue_positions(struct ctx *c)
{
	struct topo_model *m = c->m;

	for (unsigned i = 0; i < m->n_nodes; i++) {
		const struct topo_node *n = &m->nodes[i];
		bool moves = c->mob_of && c->mob_of[i];

		if (n->kind == TOPO_UE && !n->has_pos && !moves)
			return parse_fail_at(
			    c, n->mark.line, n->mark.col,
			    "UE '%s' has no position (radio: needs pos: or an entry in "
			    "mobility:)",
			    n->name);
	}
	return 0;
}
