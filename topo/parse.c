/* SPDX-License-Identifier: MIT */
/*
 * Scenario parser: libyaml's document API, then a strict walk over the tree. Every error
 * names file:line:column of the key or value at fault, because users fix files by position.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "topo/names.h"
#include "topo/topo.h"
#include "topo/override.h"

struct ctx {
	const char *fname;
	size_t dir_len; /* fname up to and including its last '/' (trace paths) */
	unsigned link;	/* index of the link being parsed */
	struct topo_err *err;
	yaml_document_t *doc;
	struct topo_model *m;
	/* Hashed, so that a file of N nodes or links is read in O(N), not O(N^2). */
	struct topo_names nodes;    /* node name -> index */
	struct topo_names services; /* service name -> index */
	struct topo_names ifs;	    /* (node, interface named in the file) -> 2 * link + end */
	unsigned *mob_of;	    /* per node: 1 + its index in mobility:, 0 if none */
	unsigned *ue_rank;	    /* per node: how many UEs come before it in nodes: */
};

static const char *const top_keys[] = {"name",	 "seed",     "duration",  "shaper", "nodes",
				       "links",	 "services", "migration", "radio",  "mobility",
				       "probes", "sweep",    NULL};
enum {
	K_NAME,
	K_SEED,
	K_DURATION,
	K_SHAPER,
	K_NODES,
	K_LINKS,
	K_SERVICES,
	K_MIGRATION,
	K_RADIO,
	K_MOBILITY,
	K_PROBES,
	K_SWEEP,
	K_TOP_N
};
/*
 * Keys documented in SCENARIO.md but not built yet go here: a clear message beats "unknown
 * key". None today.
 */
static const char *const reserved_keys[] = {NULL};

static const char *const sweep_keys[] = {"vary", "repeat", NULL};
enum { K_VARY, K_REPEAT, K_SWEEP_N };
/* What `vary:` may not change: edgemu sweep sets these itself for every run. */
static const char *const sweep_fixed[] = {"seed", "name", "sweep", NULL};

static const char *const radio_keys[] = {
    "model",	"tx_power", "exponent",	 "ref_loss",  "min_signal", "delay",	   "tick",
    "handover", "noise",    "bandwidth", "peak_rate", "edge_loss",  "loss_margin", NULL};
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
	K_RADIO_N
};
static const char *const handover_keys[] = {"hysteresis", "ttt", "interruption", NULL};
enum { K_HYSTERESIS, K_TTT, K_INTERRUPTION, K_HANDOVER_N };

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

static const char *const probe_keys[] = {"from", "to", "interval", "port", NULL};
enum { K_FROM, K_TO, K_INTERVAL, K_PROBE_PORT, K_PROBE_N };

static const char *const service_keys[] = {"vip", "app", "port", "at", "state", "dirty", NULL};
enum { K_VIP, K_APP, K_PORT, K_AT, K_STATE, K_DIRTY, K_SERVICE_N };
static const char *const app_names[] = {"echo", "svc", NULL};
static const char *const dirty_keys[] = {"rate", "pattern", "hot", NULL};
enum { K_DIRTY_RATE, K_DIRTY_PATTERN, K_DIRTY_HOT, K_DIRTY_N };
static const char *const pattern_names[] = {"uniform", "hotset", "sequential", NULL};

static const char *const migration_keys[] = {"policy",	 "strategy", "steering",  "precopy",
					     "distance", "latency",  "proactive", NULL};
enum {
	K_POLICY,
	K_STRATEGY,
	K_STEERING,
	K_PRECOPY,
	K_DISTANCE,
	K_LATENCY,
	K_PROACTIVE,
	K_MIGRATION_N
};
static const char *const policy_names[] = {"never",   "always",	   "distance",
					   "latency", "proactive", NULL};
static const char *const strategy_names[] = {"cold", "precopy", "postcopy", NULL};
static const char *const steering_names[] = {"ebpf", "route", NULL};

static const char *const node_keys[] = {"kind", "pos", NULL};
enum { K_KIND, K_POS, K_NODE_N };

/* The link keys start with the shaping keys so a link's values line up with up/down's. */
static const char *const link_keys[] = {"delay", "jitter", "distribution", "loss",
					"rate",	 "limit",  "trace",	   "endpoints",
					"up",	 "down",   "addr",	   NULL};
enum {
	K_DELAY,
	K_JITTER,
	K_DIST,
	K_LOSS,
	K_RATE,
	K_LIMIT,
	K_TRACE,
	K_SHAPE_N,
	K_ENDPOINTS = K_SHAPE_N,
	K_UP,
	K_DOWN,
	K_ADDR,
	K_LINK_N
};
static const char *const shape_keys[] = {"delay", "jitter", "distribution", "loss",
					 "rate",  "limit",  "trace",	    NULL};

static const char *const loss_keys[] = {"model", "p", "r", "h", "k", NULL};
enum { K_MODEL, K_P, K_R, K_H, K_K, K_LOSS_N };

static const char *const kind_names[] = {"ue", "enb", "edge", "router", "cloud", "host", NULL};
static const char *const shaper_names[] = {"auto", "netem", "relay", NULL};
static const char *const dist_names[] = {"normal", "uniform", "pareto", NULL};

#define TIME_UNITS "ns, us, ms, s"
#define RATE_UNITS "bit, kbit, mbit, gbit, tbit"
#define SIZE_UNITS "B, KiB, MiB, GiB, KB, MB, GB"

__attribute__((format(printf, 4, 0))) static int vfail_at(struct ctx *c, int line, int col,
							  const char *fmt, va_list ap)
{
	int n;

	if (!c->err)
		return -EINVAL;
	/* Nodes a --set made have no place in the file (topo/override.c marks them so). */
	if (line <= 0)
		n = snprintf(c->err->msg, sizeof(c->err->msg), "%s: --set: ", c->fname);
	else
		n = snprintf(c->err->msg, sizeof(c->err->msg), "%s:%d:%d: ", c->fname, line, col);
	if (n >= 0 && (size_t)n < sizeof(c->err->msg))
		vsnprintf(c->err->msg + n, sizeof(c->err->msg) - (size_t)n, fmt, ap);
	return -EINVAL;
}

__attribute__((format(printf, 4, 5))) static int fail_at(struct ctx *c, int line, int col,
							 const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfail_at(c, line, col, fmt, ap);
	va_end(ap);
	return r;
}

__attribute__((format(printf, 3, 4))) static int fail(struct ctx *c, const yaml_node_t *n,
						      const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfail_at(c, (int)n->start_mark.line + 1, (int)n->start_mark.column + 1, fmt, ap);
	va_end(ap);
	return r;
}

static int oom(struct ctx *c)
{
	if (c->err)
		snprintf(c->err->msg, sizeof(c->err->msg), "%s: out of memory", c->fname);
	return -ENOMEM;
}

static struct topo_mark mark_of(const yaml_node_t *n)
{
	return (struct topo_mark){(int)n->start_mark.line + 1, (int)n->start_mark.column + 1};
}

static const char *type_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		/* "key:" with no value is YAML's null, not an empty string to the reader. */
		if (!n->data.scalar.length && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
			return "nothing";
		return "a string";
	case YAML_SEQUENCE_NODE:
		return "a sequence";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

static yaml_node_t *get(struct ctx *c, int index)
{
	return yaml_document_get_node(c->doc, index);
}

static const char *str(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static int expect(struct ctx *c, const yaml_node_t *n, yaml_node_type_t t, const char *key)
{
	static const char *const want[] = {
	    [YAML_SCALAR_NODE] = "a string",
	    [YAML_SEQUENCE_NODE] = "a sequence",
	    [YAML_MAPPING_NODE] = "a mapping",
	};

	if (n->type != t)
		return fail(c, n, "%s: expected %s, got %s", key, want[t], type_name(n));
	/* C strings end at the first NUL; a quoted "\0" would silently cut the value short. */
	if (t == YAML_SCALAR_NODE && strlen(str(n)) != n->data.scalar.length)
		return fail(c, n, "%s: a NUL byte is not allowed here", key);
	return 0;
}

static size_t seq_len(const yaml_node_t *n)
{
	return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static size_t map_len(const yaml_node_t *n)
{
	return (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
}

static int find_name(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

static void join(const char *const *names, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; names[i] && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "", names[i]);
}

static int fail_enum(struct ctx *c, const yaml_node_t *n, const char *what,
		     const char *const *names)
{
	char list[128];

	join(names, list, sizeof(list));
	return fail(c, n, "unknown %s '%s' (expected one of: %s)", what, str(n), list);
}

/*
 * A mapping key or a name used as one (nodes, services, UEs): a string, and one C can hold.
 * A quoted "ue1\0x" would otherwise be read as ue1, or a key "delay\0x" as delay.
 */
static int expect_key(struct ctx *c, const yaml_node_t *k, const char *what)
{
	if (k->type != YAML_SCALAR_NODE)
		return fail(c, k, "expected %s, got %s", what, type_name(k));
	if (strlen(str(k)) != k->data.scalar.length)
		return fail(c, k, "a NUL byte is not allowed in %s", what);
	return 0;
}

static int node_find(const struct ctx *c, const char *name)
{
	return (int)topo_names_get(&c->nodes, 0, name);
}

/* Mapping keys must be strings, unique (libyaml keeps duplicates silently) and known. */
static int scan_keys(struct ctx *c, const yaml_node_t *map, const char *const *keys,
		     const char *const *reserved, yaml_node_t **vals)
{
	yaml_node_pair_t *start = map->data.mapping.pairs.start;

	for (yaml_node_pair_t *p = start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = get(c, p->key);
		char list[256];
		int i = expect_key(c, k, "a key");

		if (i < 0)
			return i;
		/* Quadratic only up to the first unknown key: at most the table's size. */
		for (yaml_node_pair_t *q = start; q < p; q++) {
			yaml_node_t *prev = get(c, q->key);

			if (!strcmp(str(prev), str(k)))
				return fail(c, k, "duplicate key '%s' (first defined at %d:%d)",
					    str(k), mark_of(prev).line, mark_of(prev).col);
		}
		i = find_name(keys, str(k));
		if (i >= 0) {
			vals[i] = get(c, p->value);
			continue;
		}
		if (reserved && find_name(reserved, str(k)) >= 0)
			return fail(c, k, "'%s' is not supported yet by this edgemu version",
				    str(k));
		join(keys, list, sizeof(list));
		return fail(c, k, "unknown key '%s' (expected one of: %s)", str(k), list);
	}
	return 0;
}

static bool unit_listed(const char *u, const char *units)
{
	size_t n = strlen(u);

	for (const char *p = units; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] ? 2 : 0))
		if (strcspn(p, ",") == n && !strncmp(p, u, n))
			return true;
	return false;
}

/*
 * Says why s is not a valid value with one of units: the number, the unit or the range
 * ("A to B", NULL when the unit's own range is the only one).
 */
static int fail_unit(struct ctx *c, const yaml_node_t *n, const char *key, const char *units,
		     const char *range)
{
	const char *s = str(n);
	size_t len = topo_unit_number_len(s);

	if (!*s)
		return fail(c, n, "%s: a value is needed (a number with one of: %s)", key, units);
	if (len && !s[len])
		return fail(c, n, "%s: '%s' needs a unit (%s)", key, s, units);
	if (!len)
		return fail(c, n, "%s: '%s' is not a number with a unit (%s)", key, s, units);
	if (!unit_listed(s + len, units))
		return fail(c, n, "%s: unknown unit '%s' in '%s' (expected one of: %s)", key,
			    s + len, s, units);
	if (s[0] == '-')
		return fail(c, n, "%s: '%s' must not be negative", key, s);
	if (!strcmp(units, "%"))
		return fail(c, n, "%s: '%s' is not between 0%% and 100%%", key, s);
	if (range)
		return fail(c, n, "%s: '%s' is out of range (%s)", key, s, range);
	return fail(c, n, "%s: '%s' is too large", key, s);
}

/* A time in the largest unit that writes it exactly, as a user would type it. */
static const char *fmt_time(uint64_t ns, char *buf, size_t size)
{
	static const struct {
		const char *name;
		uint64_t mult;
	} units[] = {{"s", TOPO_NS_PER_S}, {"ms", 1000000}, {"us", 1000}, {"ns", 1}};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (ns % units[i].mult == 0 || units[i].mult == 1) {
			snprintf(buf, size, "%llu%s", (unsigned long long)(ns / units[i].mult),
				 units[i].name);
			break;
		}
	return buf;
}

static const char *fmt_rate(uint64_t bps, char *buf, size_t size)
{
	static const struct {
		const char *name;
		uint64_t mult;
	} units[] = {{"tbit", 1000000000000ULL},
		     {"gbit", 1000000000},
		     {"mbit", 1000000},
		     {"kbit", 1000},
		     {"bit", 1}};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (bps % units[i].mult == 0 || units[i].mult == 1) {
			snprintf(buf, size, "%llu%s", (unsigned long long)(bps / units[i].mult),
				 units[i].name);
			break;
		}
	return buf;
}

static int get_u64(struct ctx *c, const yaml_node_t *n, const char *key, const char *units,
		   int (*parse)(const char *, uint64_t *), uint64_t *ret)
{
	int r = expect(c, n, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	if (parse(str(n), ret) < 0)
		return fail_unit(c, n, key, units, NULL);
	return 0;
}

/* A time from min to max: what the kernel, the relay and the models can hold. */
static int get_time(struct ctx *c, const yaml_node_t *n, const char *key, uint64_t min,
		    uint64_t max, uint64_t *ret)
{
	char lo[32], hi[32], range[80];
	uint64_t v;
	int r = expect(c, n, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	snprintf(range, sizeof(range), "%s to %s", fmt_time(min, lo, sizeof(lo)),
		 fmt_time(max, hi, sizeof(hi)));
	if (topo_unit_time(str(n), &v) < 0)
		return fail_unit(c, n, key, TIME_UNITS, range);
	if (v < min || v > max)
		return fail(c, n, "%s: '%s' is out of range (%s)", key, str(n), range);
	*ret = v;
	return 0;
}

/* A rate: 0 where zero means no limit (zero_ok), else TOPO_RATE_MIN_BPS to _MAX_BPS. */
static int get_rate(struct ctx *c, const yaml_node_t *n, const char *key, bool zero_ok,
		    uint64_t *ret)
{
	char lo[32], hi[32], range[96];
	uint64_t v;
	int r = expect(c, n, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	snprintf(range, sizeof(range), "%s%s to %s", zero_ok ? "0bit for no limit, or " : "",
		 fmt_rate(TOPO_RATE_MIN_BPS, lo, sizeof(lo)),
		 fmt_rate(TOPO_RATE_MAX_BPS, hi, sizeof(hi)));
	if (topo_unit_rate(str(n), &v) < 0)
		return fail_unit(c, n, key, RATE_UNITS, range);
	if ((v || !zero_ok) && (v < TOPO_RATE_MIN_BPS || v > TOPO_RATE_MAX_BPS))
		return fail(c, n, "%s: '%s' is out of range (%s)", key, str(n), range);
	*ret = v;
	return 0;
}

static int get_percent(struct ctx *c, const yaml_node_t *n, const char *key, double *ret)
{
	int r = expect(c, n, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	if (topo_unit_percent(str(n), ret) < 0)
		return fail_unit(c, n, key, "%", NULL);
	return 0;
}

/* Plain digits only: a seed or a packet count has no sign, fraction or unit. */
static int get_count(struct ctx *c, const yaml_node_t *n, const char *key, uint64_t max,
		     bool positive, uint64_t *ret)
{
	const char *s;
	uint64_t v = 0;
	int r = expect(c, n, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	s = str(n);
	if (!*s || strspn(s, "0123456789") != strlen(s))
		goto bad;
	for (; *s; s++) {
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return fail(c, n, "%s: '%s' is too large", key, str(n));
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (positive && !v)
		goto bad;
	*ret = v;
	return 0;
bad:
	return fail(c, n, "%s: '%s' is not a %s integer", key, str(n),
		    positive ? "positive" : "non-negative");
}

static int get_enum(struct ctx *c, const yaml_node_t *n, const char *key, const char *what,
		    const char *const *names, int *ret)
{
	int r = expect(c, n, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	r = find_name(names, str(n));
	if (r < 0)
		return fail_enum(c, n, what, names);
	*ret = r;
	return 0;
}

static bool node_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > TOPO_NAME_MAX || s[0] == '-' || s[0] == '_')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

/* One coordinate of a position, a waypoint or an area corner. */
static int get_coord(struct ctx *c, const yaml_node_t *v, const char *key, double *ret)
{
	const char *s;
	int r = expect(c, v, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	s = str(v);
	/* Coordinates are the one place a bare number is fine: metres are implied. */
	if (*s && topo_unit_number_len(s) == strlen(s))
		*ret = strtod(s, NULL);
	else if (topo_unit_metres(s, ret) < 0)
		return fail(c, v, "%s: '%s' is not a distance (metres, or with m or km)", key, s);
	/* strtod gives inf for 400 digits; distances and path loss need finite, sane values. */
	if (!(fabs(*ret) <= TOPO_COORD_MAX_M))
		return fail(c, v, "%s: '%s' is out of range (-%.0fkm to %.0fkm)", key, s,
			    TOPO_COORD_MAX_M / 1000, TOPO_COORD_MAX_M / 1000);
	return 0;
}

/* [x, y] or [x, y, z] into pos (z stays as it was when not given). */
static int get_pos(struct ctx *c, const yaml_node_t *n, const char *key, double pos[3])
{
	size_t count;
	int r = expect(c, n, YAML_SEQUENCE_NODE, key);

	if (r < 0)
		return r;
	count = seq_len(n);
	if (count != 2 && count != 3)
		return fail(c, n, "%s: expected [x, y] or [x, y, z], got %zu values", key, count);
	for (size_t i = 0; i < count; i++) {
		r = get_coord(c, get(c, n->data.sequence.items.start[i]), key, &pos[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_pos(struct ctx *c, const yaml_node_t *n, struct topo_node *node)
{
	int r = get_pos(c, n, "pos", node->pos);

	if (r < 0)
		return r;
	node->has_pos = true;
	return 0;
}

static int parse_nodes(struct ctx *c, const yaml_node_t *map)
{
	struct topo_model *m = c->m;
	size_t count;
	int r = expect(c, map, YAML_MAPPING_NODE, "nodes");

	if (r < 0)
		return r;
	count = map_len(map);
	if (!count)
		return fail(c, map, "nodes: at least one node is needed");
	if (count > TOPO_NODES_MAX)
		return fail(c, map, "nodes: %zu nodes; a scenario may have at most %d", count,
			    TOPO_NODES_MAX);
	m->nodes = calloc(count, sizeof(*m->nodes));
	if (!m->nodes || topo_names_init(&c->nodes, count) < 0)
		return oom(c);
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = get(c, p->key), *v = get(c, p->value);
		yaml_node_t *vals[K_NODE_N] = {0};
		struct topo_node *node = &m->nodes[m->n_nodes];
		int kind, i;

		r = expect_key(c, k, "a node name");
		if (r < 0)
			return r;
		if (!node_name_valid(str(k)))
			return fail(c, k,
				    "invalid node name '%s' ([A-Za-z0-9_-], starting with a letter "
				    "or digit, at most %d bytes)",
				    str(k), TOPO_NAME_MAX);
		i = node_find(c, str(k));
		if (i >= 0)
			return fail(c, k, "duplicate node '%s' (first defined at %d:%d)", str(k),
				    m->nodes[i].mark.line, m->nodes[i].mark.col);
		if (v->type != YAML_MAPPING_NODE)
			return fail(c, v, "node '%s': expected a mapping, got %s", str(k),
				    type_name(v));
		r = scan_keys(c, v, node_keys, NULL, vals);
		if (r < 0)
			return r;
		if (!vals[K_KIND])
			return fail(c, v, "node '%s': missing key 'kind'", str(k));
		r = get_enum(c, vals[K_KIND], "kind", "kind", kind_names, &kind);
		if (r < 0)
			return r;
		if (vals[K_POS]) {
			r = parse_pos(c, vals[K_POS], node);
			if (r < 0)
				return r;
		}
		strcpy(node->name, str(k));
		node->kind = (enum topo_kind)kind;
		node->mark = mark_of(k);
		if (topo_names_add(&c->nodes, 0, node->name, m->n_nodes) < 0)
			return oom(c);
		m->n_nodes++;
	}
	return 0;
}

/* Shaping values as found in one mapping (a link, its up or its down), before merging. */
struct shape_in {
	yaml_node_t *vals[K_SHAPE_N]; /* non-NULL: set at this level */
	struct topo_shape s;
};

static int parse_loss(struct ctx *c, const yaml_node_t *n, struct topo_loss *loss)
{
	yaml_node_t *vals[K_LOSS_N] = {0};
	int model, r;

	if (n->type == YAML_SCALAR_NODE) {
		r = get_percent(c, n, "loss", &loss->p);
		if (r < 0)
			return r;
		/* "0%" means no loss, so an override can switch the link's loss off. */
		loss->model = loss->p > 0 ? TOPO_LOSS_RANDOM : TOPO_LOSS_NONE;
		return 0;
	}
	if (n->type != YAML_MAPPING_NODE)
		return fail(c, n, "loss: expected a percentage or a mapping, got %s", type_name(n));
	r = scan_keys(c, n, loss_keys, NULL, vals);
	if (r < 0)
		return r;
	if (!vals[K_MODEL])
		return fail(c, n, "loss: missing key 'model'");
	r = get_enum(c, vals[K_MODEL], "model", "loss model",
		     (const char *const[]){"random", "gilbert", NULL}, &model);
	if (r < 0)
		return r;
	if (!vals[K_P])
		return fail(c, n, "loss: missing key 'p'");
	if (model == 0) {
		for (int i = K_R; i < K_LOSS_N; i++)
			if (vals[i])
				return fail(c, vals[i],
					    "loss: '%s' is only valid with model gilbert",
					    loss_keys[i]);
		loss->model = TOPO_LOSS_RANDOM;
		return get_percent(c, vals[K_P], "p", &loss->p);
	}
	if (!vals[K_R])
		return fail(c, n, "loss: missing key 'r' (model gilbert needs p and r)");
	loss->model = TOPO_LOSS_GILBERT;
	loss->h = 0;
	loss->k = 1;
	for (int i = K_P; i < K_LOSS_N; i++) {
		double *dst[] = {
		    [K_P] = &loss->p, [K_R] = &loss->r, [K_H] = &loss->h, [K_K] = &loss->k};

		if (vals[i]) {
			r = get_percent(c, vals[i], loss_keys[i], dst[i]);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* A file the scenario names, readable now; *ret is the path as the run will open it. */
static int get_path(struct ctx *c, const yaml_node_t *n, const char *key, char **ret)
{
	const char *t;
	char *path;
	int r = expect(c, n, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	t = str(n);
	if (!*t)
		return fail(c, n, "%s: a file name is needed", key);
	/* Relative to the scenario, so a scenario and its traces move together. */
	if (t[0] == '/' || !c->dir_len)
		path = strdup(t);
	else if (asprintf(&path, "%.*s%s", (int)c->dir_len, c->fname, t) < 0)
		path = NULL;
	if (!path)
		return oom(c);
	if (access(path, R_OK) < 0) {
		r = fail(c, n, "%s: cannot read '%s': %s", key, path, strerror(errno));
		free(path);
		return r;
	}
	*ret = path;
	return 0;
}

static int parse_shape(struct ctx *c, struct shape_in *in)
{
	yaml_node_t **v = in->vals;
	int r = 0;

	if (v[K_DELAY])
		r = get_time(c, v[K_DELAY], "delay", 0, TOPO_DELAY_MAX_NS, &in->s.delay_ns);
	if (!r && v[K_JITTER])
		r = get_time(c, v[K_JITTER], "jitter", 0, TOPO_JITTER_MAX_NS, &in->s.jitter_ns);
	if (!r && v[K_DIST]) {
		int d;

		r = get_enum(c, v[K_DIST], "distribution", "distribution", dist_names, &d);
		if (!r)
			in->s.dist = (enum topo_dist)(d + TOPO_DIST_NORMAL);
	}
	if (!r && v[K_LOSS])
		r = parse_loss(c, v[K_LOSS], &in->s.loss);
	if (!r && v[K_RATE])
		r = get_rate(c, v[K_RATE], "rate", true, &in->s.rate_bps);
	if (!r && v[K_LIMIT]) {
		uint64_t limit;

		r = get_count(c, v[K_LIMIT], "limit", UINT32_MAX, true, &limit);
		if (!r)
			in->s.limit = (uint32_t)limit;
	}
	if (!r && v[K_TRACE])
		r = get_path(c, v[K_TRACE], "trace", &in->s.trace);
	return r;
}

/* Applies one level's values over a direction; the distribution's node is kept for errors. */
static int merge_shape(struct ctx *c, struct topo_shape *dst, const struct shape_in *in,
		       yaml_node_t **dist_node)
{
	const struct topo_shape *s = &in->s;

	if (in->vals[K_DELAY])
		dst->delay_ns = s->delay_ns;
	if (in->vals[K_JITTER])
		dst->jitter_ns = s->jitter_ns;
	if (in->vals[K_DIST]) {
		dst->dist = s->dist;
		*dist_node = in->vals[K_DIST];
	}
	if (in->vals[K_LOSS])
		dst->loss = s->loss;
	if (in->vals[K_RATE])
		dst->rate_bps = s->rate_bps;
	if (in->vals[K_LIMIT])
		dst->limit = s->limit;
	if (in->vals[K_TRACE]) {
		free(dst->trace);
		dst->trace = strdup(s->trace);
		if (!dst->trace)
			return oom(c);
	}
	return 0;
}

static int check_ifname(struct ctx *c, const yaml_node_t *n, const char *ifname)
{
	size_t len = strlen(ifname);

	if (!len)
		return fail(c, n, "empty interface name in '%s'", str(n));
	if (len > TOPO_IFNAME_MAX)
		return fail(c, n, "interface name '%s' is %zu bytes; Linux allows at most %d",
			    ifname, len, TOPO_IFNAME_MAX);
	if (ifname[strcspn(ifname, "/: \t\n\r\v\f")])
		return fail(c, n, "interface name '%s' must not contain '/', ':' or whitespace",
			    ifname);
	if (!strcmp(ifname, "lo") || !strcmp(ifname, ".") || !strcmp(ifname, ".."))
		return fail(c, n, "interface name '%s' is reserved", ifname);
	return 0;
}

static int parse_endpoint(struct ctx *c, const yaml_node_t *n, struct topo_if *end)
{
	char name[TOPO_NAME_MAX + 1];
	const char *s, *colon;
	size_t len;
	int i, r = expect(c, n, YAML_SCALAR_NODE, "endpoints");

	if (r < 0)
		return r;
	s = str(n);
	colon = strchr(s, ':');
	len = colon ? (size_t)(colon - s) : strlen(s);
	if (len > TOPO_NAME_MAX)
		return fail(c, n, "unknown node '%.*s' in endpoint", (int)len, s);
	memcpy(name, s, len);
	name[len] = '\0';
	i = node_find(c, name);
	if (i < 0)
		return fail(c, n, "unknown node '%s' in endpoint", name);
	end->node = (unsigned)i;
	end->mark = mark_of(n);
	if (!colon)
		return 0;
	r = check_ifname(c, n, colon + 1);
	if (r < 0)
		return r;
	strcpy(end->ifname, colon + 1);
	end->ifname_set = true;
	/* Checked against every earlier link so the error lands on the second use. */
	i = (int)topo_names_get(&c->ifs, end->node, end->ifname);
	if (i >= 0) {
		const struct topo_if *o = &c->m->links[i / 2].end[i % 2];

		return fail(c, n, "interface '%s' of node '%s' is already used at %d:%d",
			    end->ifname, name, o->mark.line, o->mark.col);
	}
	return 0;
}

/*
 * Why a (host order) address cannot be an interface's or a VIP, or NULL. 0.0.0.0/8 also
 * stands for "no address" in the plan (topo/plan.c), so it must never get there.
 */
static const char *unusable(uint32_t a)
{
	if (a >> 24 == 0)
		return "0.0.0.0/8 means 'this network' (RFC 1122), not a host";
	if (a >> 24 == 127)
		return "127.0.0.0/8 is the loopback";
	if (a >> 28 == 0xe)
		return "224.0.0.0/4 is multicast";
	if (a >> 28 == 0xf)
		return "240.0.0.0/4 is reserved (and 255.255.255.255 is the broadcast)";
	return NULL;
}

static int parse_addr(struct ctx *c, const yaml_node_t *n, struct topo_if *end)
{
	char buf[INET_ADDRSTRLEN];
	struct in_addr a;
	const char *s, *slash;
	size_t len;
	int r = expect(c, n, YAML_SCALAR_NODE, "addr");

	if (r < 0)
		return r;
	s = str(n);
	if (!strcmp(s, "auto"))
		return 0;
	slash = strchr(s, '/');
	len = slash ? (size_t)(slash - s) : 0;
	if (!slash || len >= sizeof(buf) || !slash[1] || strlen(slash + 1) > 2 ||
	    strspn(slash + 1, "0123456789") != strlen(slash + 1) || atoi(slash + 1) > 32)
		goto bad;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		goto bad;
	end->addr = ntohl(a.s_addr);
	end->plen = (uint8_t)atoi(slash + 1);
	end->addr_set = true;
	if (unusable(end->addr))
		return fail(c, n, "addr: '%s' cannot be an interface's address: %s", s,
			    unusable(end->addr));
	return 0;
bad:
	return fail(c, n,
		    "addr: '%s' is not an IPv4 address with prefix length (A.B.C.D/len) or "
		    "'auto'",
		    s);
}

static int parse_pair(struct ctx *c, const yaml_node_t *n, const char *key, const char *what,
		      struct topo_link *l,
		      int (*one)(struct ctx *, const yaml_node_t *, struct topo_if *))
{
	int r = expect(c, n, YAML_SEQUENCE_NODE, key);

	if (r < 0)
		return r;
	if (seq_len(n) != 2)
		return fail(c, n, "%s: expected 2 %s, got %zu", key, what, seq_len(n));
	for (int e = 0; e < 2; e++) {
		r = one(c, get(c, n->data.sequence.items.start[e]), &l->end[e]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_link(struct ctx *c, const yaml_node_t *n, struct topo_link *l)
{
	yaml_node_t *vals[K_LINK_N] = {0};
	struct shape_in in[3] = {0}; /* link, up, down */
	int r = expect(c, n, YAML_MAPPING_NODE, "links");

	if (r < 0)
		return r;
	l->mark = mark_of(n);
	r = scan_keys(c, n, link_keys, NULL, vals);
	if (r < 0)
		return r;
	if (!vals[K_ENDPOINTS])
		return fail(c, n, "link: missing key 'endpoints'");
	r = parse_pair(c, vals[K_ENDPOINTS], "endpoints", "endpoints", l, parse_endpoint);
	if (r < 0)
		return r;
	if (l->end[0].node == l->end[1].node)
		return fail(c, get(c, vals[K_ENDPOINTS]->data.sequence.items.start[1]),
			    "link from node '%s' to itself", c->m->nodes[l->end[0].node].name);
	for (int e = 0; e < 2; e++)
		if (l->end[e].ifname_set &&
		    topo_names_add(&c->ifs, l->end[e].node, l->end[e].ifname,
				   2 * c->link + (unsigned)e) < 0)
			return oom(c);
	memcpy(in[0].vals, vals, sizeof(in[0].vals));
	for (int i = 1; i < 3; i++) {
		yaml_node_t *d = vals[i == 1 ? K_UP : K_DOWN];

		if (!d)
			continue;
		r = expect(c, d, YAML_MAPPING_NODE, i == 1 ? "up" : "down");
		if (!r)
			r = scan_keys(c, d, shape_keys, NULL, in[i].vals);
		if (r < 0)
			goto out;
	}
	for (int i = 0; i < 3; i++) {
		r = parse_shape(c, &in[i]);
		if (r < 0)
			goto out;
	}
	for (int d = 0; d < 2; d++) {
		struct topo_shape *s = &l->dir[d];
		yaml_node_t *dist_node = NULL;

		r = merge_shape(c, s, &in[0], &dist_node);
		if (!r)
			r = merge_shape(c, s, &in[1 + d], &dist_node);
		if (r < 0)
			goto out;
		if (s->dist != TOPO_DIST_NONE && !s->jitter_ns) {
			r = fail(c, dist_node, "distribution: only valid with jitter");
			goto out;
		}
		if (s->jitter_ns && s->dist == TOPO_DIST_NONE)
			s->dist = TOPO_DIST_NORMAL;
	}
	if (vals[K_ADDR])
		r = parse_pair(c, vals[K_ADDR], "addr", "addresses (one per endpoint)", l,
			       parse_addr);
out:
	for (int i = 0; i < 3; i++)
		free(in[i].s.trace);
	return r;
}

/* Unnamed interfaces get eth0, eth1, ... per node in link order, around the names set. */
static int name_interfaces(struct ctx *c)
{
	struct topo_model *m = c->m;
	unsigned *next = calloc(m->n_nodes, sizeof(*next));

	if (!next)
		return oom(c);
	/* ethN never clash with each other; c->ifs holds the names set in the file. */
	for (unsigned l = 0; l < m->n_links; l++)
		for (int e = 0; e < 2; e++) {
			struct topo_if *end = &m->links[l].end[e];

			if (end->ifname_set)
				continue;
			do
				snprintf(end->ifname, sizeof(end->ifname), "eth%u",
					 next[end->node]++);
			while (topo_names_get(&c->ifs, end->node, end->ifname) >= 0);
		}
	free(next);
	return 0;
}

static int parse_links(struct ctx *c, const yaml_node_t *seq)
{
	struct topo_model *m = c->m;
	size_t count;
	int r = expect(c, seq, YAML_SEQUENCE_NODE, "links");

	if (r < 0)
		return r;
	count = seq_len(seq);
	if (!count)
		return 0;
	if (count > TOPO_LINKS_MAX)
		return fail(c, seq, "links: %zu links; a scenario may have at most %d", count,
			    TOPO_LINKS_MAX);
	m->links = calloc(count, sizeof(*m->links));
	if (!m->links || topo_names_init(&c->ifs, count) < 0)
		return oom(c);
	for (c->link = 0; c->link < count; c->link++) {
		/* Counted before parsing so a failure frees this link's traces too. */
		m->n_links = c->link + 1;
		r = parse_link(c, get(c, seq->data.sequence.items.start[c->link]),
			       &m->links[c->link]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* "A.B.C.D" into host byte order. */
static int get_ipv4(struct ctx *c, const yaml_node_t *n, const char *key, uint32_t *ret)
{
	struct in_addr in;
	int r = expect(c, n, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	if (inet_pton(AF_INET, str(n), &in) != 1)
		return fail(c, n, "%s: '%s' is not an IPv4 address (A.B.C.D)", key, str(n));
	*ret = ntohl(in.s_addr);
	return 0;
}

static int parse_at(struct ctx *c, const yaml_node_t *n, struct topo_service *svc)
{
	const yaml_node_t *items[TOPO_AT_MAX];
	size_t count = 0;

	if (n->type == YAML_SCALAR_NODE) {
		items[count++] = n;
	} else if (n->type == YAML_SEQUENCE_NODE) {
		if (!seq_len(n) || seq_len(n) > TOPO_AT_MAX)
			return fail(c, n, "at: give 1 to %d nodes", TOPO_AT_MAX);
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++)
			items[count++] = get(c, *it);
	} else {
		return fail(c, n, "at: expected a node name or a sequence of them, got %s",
			    type_name(n));
	}
	for (size_t i = 0; i < count; i++) {
		int node, r = expect(c, items[i], YAML_SCALAR_NODE, "at");

		if (r < 0)
			return r;
		node = node_find(c, str(items[i]));
		if (node < 0)
			return fail(c, items[i], "at: unknown node '%s'", str(items[i]));
		for (size_t j = 0; j < i; j++)
			if (svc->at[j] == (unsigned)node)
				return fail(c, items[i], "at: node '%s' is listed twice",
					    str(items[i]));
		svc->at[i] = (unsigned)node;
	}
	svc->n_at = (unsigned)count;
	return 0;
}

/* A mapping of known parameter keys (values parsed by the caller). */
static int parse_params(struct ctx *c, const yaml_node_t *n, const char *what,
			const char *const *keys, yaml_node_t **vals)
{
	int r = expect(c, n, YAML_MAPPING_NODE, what);

	return r < 0 ? r : scan_keys(c, n, keys, NULL, vals);
}

/* app svc's `state:`: a size with a unit, whole 4 KiB pages, 4KiB to 64GiB. */
static int parse_state(struct ctx *c, const yaml_node_t *n, uint64_t *ret)
{
	uint64_t v;
	int r = get_u64(c, n, "state", SIZE_UNITS, topo_unit_size, &v);

	if (r < 0)
		return r;
	if (v < TOPO_STATE_MIN || v > TOPO_STATE_MAX)
		return fail(c, n, "state: '%s' is not between 4KiB and 64GiB", str(n));
	/* edgemu-svc's state is in pages; the migration moves pages. */
	if (v % TOPO_PAGE_SIZE)
		return fail(c, n, "state: '%s' is not a whole number of 4KiB pages", str(n));
	*ret = v;
	return 0;
}

/* Pages per second, written "N/s": the unit says what is counted and per what. */
static int get_page_rate(struct ctx *c, const yaml_node_t *n, uint64_t *ret)
{
	const char *s;
	size_t digits;
	uint64_t v = 0;
	int r = expect(c, n, YAML_SCALAR_NODE, "rate");

	if (r < 0)
		return r;
	s = str(n);
	digits = strspn(s, "0123456789");
	if (digits && !s[digits])
		return fail(c, n, "rate: '%s' needs a unit (pages per second: %s/s)", s, s);
	if (!digits || strcmp(s + digits, "/s"))
		return fail(c, n, "rate: '%s' is not a page rate (pages per second, as in 2000/s)",
			    s);
	for (size_t i = 0; i < digits; i++) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > TOPO_DIRTY_RATE_MAX)
			return fail(c, n, "rate: '%s' is too large (at most %llu/s)", s,
				    (unsigned long long)TOPO_DIRTY_RATE_MAX);
	}
	*ret = v;
	return 0;
}

/* The hot set: a percentage above 0 and up to 100, kept in parts per million. */
static int get_hot(struct ctx *c, const yaml_node_t *n, uint32_t *ret_ppm)
{
	const char *s;
	double f;
	size_t len;
	int r = expect(c, n, YAML_SCALAR_NODE, "hot");

	if (r < 0)
		return r;
	s = str(n);
	len = topo_unit_number_len(s);
	if (topo_unit_percent(s, &f) < 0) {
		if (!len || s[0] == '-' || strcmp(s + len, "%"))
			return fail_unit(c, n, "hot", "%", NULL);
		goto range;
	}
	/* Rounded to a part per million, the finest edgemu-svc's --hot takes. */
	f = f * TOPO_PPM + 0.5;
	if (f < 1)
		goto range;
	*ret_ppm = (uint32_t)f;
	return 0;
range:
	return fail(c, n, "hot: '%s' is not above 0%% and at most 100%%", s);
}

/* app svc's `dirty:` workload: { rate: N/s, pattern: P, hot: F% (hotset only) }. */
static int parse_dirty(struct ctx *c, const yaml_node_t *n, struct topo_service *svc)
{
	yaml_node_t *vals[K_DIRTY_N] = {0};
	int pattern, r = parse_params(c, n, "dirty", dirty_keys, vals);

	if (r < 0)
		return r;
	if (vals[K_DIRTY_RATE]) {
		r = get_page_rate(c, vals[K_DIRTY_RATE], &svc->dirty_rate);
		if (r < 0)
			return r;
	}
	if (vals[K_DIRTY_PATTERN]) {
		r = get_enum(c, vals[K_DIRTY_PATTERN], "pattern", "pattern", pattern_names,
			     &pattern);
		if (r < 0)
			return r;
		svc->dirty_pattern = (enum topo_pattern)pattern;
	}
	if (vals[K_DIRTY_HOT]) {
		if (svc->dirty_pattern != TOPO_PATTERN_HOTSET)
			return fail(c, vals[K_DIRTY_HOT], "hot: only with pattern: hotset");
		r = get_hot(c, vals[K_DIRTY_HOT], &svc->hot_ppm);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_service(struct ctx *c, const yaml_node_t *k, const yaml_node_t *v,
			 struct topo_service *svc)
{
	yaml_node_t *vals[K_SERVICE_N] = {0};
	uint64_t port = 7000;
	int app = TOPO_APP_ECHO, r;

	if (v->type != YAML_MAPPING_NODE)
		return fail(c, v, "service '%s': expected a mapping, got %s", str(k), type_name(v));
	r = scan_keys(c, v, service_keys, NULL, vals);
	if (r < 0)
		return r;
	if (!vals[K_VIP])
		return fail(c, v, "service '%s': missing key 'vip'", str(k));
	if (!vals[K_AT])
		return fail(c, v, "service '%s': missing key 'at' (the node of its first instance)",
			    str(k));
	r = get_ipv4(c, vals[K_VIP], "vip", &svc->vip);
	if (r < 0)
		return r;
	if (unusable(svc->vip))
		return fail(c, vals[K_VIP], "vip: '%s' cannot be a service's address: %s",
			    str(vals[K_VIP]), unusable(svc->vip));
	if (vals[K_APP]) {
		r = get_enum(c, vals[K_APP], "app", "app", app_names, &app);
		if (r < 0)
			return r;
	}
	if (app == TOPO_APP_SVC) {
		svc->state_bytes = TOPO_STATE_DEFAULT;
		svc->dirty_pattern = TOPO_PATTERN_UNIFORM;
		svc->hot_ppm = TOPO_PPM / 10;
		if (vals[K_STATE]) {
			r = parse_state(c, vals[K_STATE], &svc->state_bytes);
			if (r < 0)
				return r;
		}
		if (vals[K_DIRTY]) {
			r = parse_dirty(c, vals[K_DIRTY], svc);
			if (r < 0)
				return r;
		}
	} else if (vals[K_STATE]) {
		return fail(c, vals[K_STATE], "state: only for app: svc");
	} else if (vals[K_DIRTY]) {
		return fail(c, vals[K_DIRTY], "dirty: only for app: svc");
	}
	if (vals[K_PORT]) {
		r = get_count(c, vals[K_PORT], "port", 65535, true, &port);
		if (r < 0)
			return r;
	}
	r = parse_at(c, vals[K_AT], svc);
	if (r < 0)
		return r;
	strcpy(svc->name, str(k));
	svc->app = (enum topo_app)app;
	svc->port = (uint16_t)port;
	svc->mark = mark_of(k);
	svc->vip_mark = mark_of(vals[K_VIP]);
	return 0;
}

static int parse_services(struct ctx *c, const yaml_node_t *map)
{
	struct topo_model *m = c->m;
	int r = expect(c, map, YAML_MAPPING_NODE, "services");

	if (r < 0)
		return r;
	if (map_len(map) > TOPO_SERVICES_MAX)
		return fail(c, map, "services: %zu services; a scenario may have at most %d",
			    map_len(map), TOPO_SERVICES_MAX);
	m->services = calloc(map_len(map) + 1, sizeof(*m->services));
	if (!m->services || topo_names_init(&c->services, map_len(map)) < 0)
		return oom(c);
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = get(c, p->key), *v = get(c, p->value);
		struct topo_service *svc = &m->services[m->n_services];
		int i;

		r = expect_key(c, k, "a service name");
		if (r < 0)
			return r;
		if (!node_name_valid(str(k)))
			return fail(c, k,
				    "invalid service name '%s' ([A-Za-z0-9_-], starting with a "
				    "letter or digit, at most %d bytes)",
				    str(k), TOPO_NAME_MAX);
		i = (int)topo_names_get(&c->services, 0, str(k));
		if (i >= 0)
			return fail(c, k, "duplicate service '%s' (first defined at %d:%d)", str(k),
				    m->services[i].mark.line, m->services[i].mark.col);
		r = parse_service(c, k, v, svc);
		if (r < 0)
			return r;
		for (unsigned j = 0; j < m->n_services; j++) {
			char ip[INET_ADDRSTRLEN];
			struct in_addr in = {htonl(svc->vip)};

			if (m->services[j].vip != svc->vip)
				continue;
			inet_ntop(AF_INET, &in, ip, sizeof(ip));
			return fail_at(c, svc->vip_mark.line, svc->vip_mark.col,
				       "vip: %s is already the vip of service '%s'", ip,
				       m->services[j].name);
		}
		if (topo_names_add(&c->services, 0, svc->name, m->n_services) < 0)
			return oom(c);
		m->n_services++;
	}
	return 0;
}

static int parse_migration(struct ctx *c, const yaml_node_t *n)
{
	static const char *const precopy_keys[] = {"max_rounds", "stop_below", NULL};
	static const char *const distance_keys[] = {"hops", NULL};
	static const char *const latency_keys[] = {"above", "for", NULL};
	static const char *const proactive_keys[] = {"lookahead", NULL};
	struct topo_migration *mg = &c->m->migration;
	yaml_node_t *vals[K_MIGRATION_N] = {0}, *sub[2];
	int e, r = expect(c, n, YAML_MAPPING_NODE, "migration");

	if (r < 0)
		return r;
	r = scan_keys(c, n, migration_keys, NULL, vals);
	if (r < 0)
		return r;
	if (vals[K_POLICY]) {
		r = get_enum(c, vals[K_POLICY], "policy", "policy", policy_names, &e);
		if (r < 0)
			return r;
		mg->policy = (enum topo_policy)e;
	}
	if (vals[K_STRATEGY]) {
		r = get_enum(c, vals[K_STRATEGY], "strategy", "strategy", strategy_names, &e);
		if (r < 0)
			return r;
		mg->strategy = (enum topo_strategy)e;
	}
	if (vals[K_STEERING]) {
		r = get_enum(c, vals[K_STEERING], "steering", "steering", steering_names, &e);
		if (r < 0)
			return r;
		mg->steering = (enum topo_steering)e;
	}
	if (vals[K_PRECOPY]) {
		sub[0] = sub[1] = NULL;
		r = parse_params(c, vals[K_PRECOPY], "precopy", precopy_keys, sub);
		if (r == 0 && sub[0])
			r = get_count(c, sub[0], "max_rounds", 1000000, true,
				      &mg->precopy_max_rounds);
		if (r == 0 && sub[1])
			r = get_count(c, sub[1], "stop_below", UINT32_MAX, false,
				      &mg->precopy_stop_below);
		if (r < 0)
			return r;
	}
	if (vals[K_DISTANCE]) {
		sub[0] = NULL;
		r = parse_params(c, vals[K_DISTANCE], "distance", distance_keys, sub);
		if (r == 0 && sub[0])
			r = get_count(c, sub[0], "hops", 1000, true, &mg->distance_hops);
		if (r < 0)
			return r;
	}
	if (vals[K_LATENCY]) {
		sub[0] = sub[1] = NULL;
		r = parse_params(c, vals[K_LATENCY], "latency", latency_keys, sub);
		if (r == 0 && sub[0])
			r = get_time(c, sub[0], "above", 0, TOPO_TIME_MAX_NS,
				     &mg->latency_above_ns);
		if (r == 0 && sub[1])
			r = get_time(c, sub[1], "for", 0, TOPO_TIME_MAX_NS, &mg->latency_for_ns);
		if (r < 0)
			return r;
	}
	if (vals[K_PROACTIVE]) {
		sub[0] = NULL;
		r = parse_params(c, vals[K_PROACTIVE], "proactive", proactive_keys, sub);
		if (r == 0 && sub[0])
			r = get_time(c, sub[0], "lookahead", 0, TOPO_TIME_MAX_NS,
				     &mg->proactive_lookahead_ns);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The key node of name in map (for errors that point at a section's name), or map itself. */
static const yaml_node_t *key_of(struct ctx *c, const yaml_node_t *map, const char *name)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = get(c, p->key);

		if (k->type == YAML_SCALAR_NODE && !strcmp(str(k), name))
			return k;
	}
	return map;
}

/* A plain decimal where the unit is implied by the key (exponent, m/s); "m/s" if suffix. */
static int get_plain(struct ctx *c, const yaml_node_t *n, const char *key, const char *suffix,
		     double *ret)
{
	const char *s;
	size_t len;
	int r = expect(c, n, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	s = str(n);
	len = topo_unit_number_len(s);
	if (!len || (s[len] && (!suffix || strcmp(s + len, suffix)))) {
		if (suffix)
			return fail(c, n, "%s: '%s' is not a number (optionally with %s)", key, s,
				    suffix);
		return fail(c, n, "%s: '%s' is not a plain number", key, s);
	}
	/* Infinite for 400 digits: the callers' ranges refuse it. */
	*ret = strtod(s, NULL);
	return 0;
}

/*
 * Decibels: "3dB" with unit "dB", "46dBm" with "dBm"; negative only where allowed. Bounded so
 * that the radio model's powers of ten stay finite.
 */
static int get_db(struct ctx *c, const yaml_node_t *n, const char *key, const char *unit,
		  bool negative, double *ret)
{
	double max = negative ? TOPO_DBM_MAX : TOPO_DB_MAX;
	int r = expect(c, n, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	if (topo_unit_decibel(str(n), unit, ret) < 0)
		return fail_unit(c, n, key, unit, NULL);
	if (!negative && *ret < 0)
		return fail(c, n, "%s: '%s' must not be negative", key, str(n));
	if (!(fabs(*ret) <= max))
		return fail(c, n, "%s: '%s' is out of range (%s%.0f%s to %.0f%s)", key, str(n),
			    negative ? "-" : "", negative ? max : 0, unit, max, unit);
	return 0;
}

#define HERTZ_UNITS "Hz, kHz, MHz, GHz"

/* A bandwidth: Hz, kHz, MHz, GHz; above 0 and at most 100GHz. */
static int get_hertz(struct ctx *c, const yaml_node_t *n, const char *key, uint64_t *ret)
{
	static const struct {
		const char *name;
		double mult;
	} units[] = {{"Hz", 1}, {"kHz", 1e3}, {"MHz", 1e6}, {"GHz", 1e9}};
	const char *s;
	size_t len;
	double v;
	int r = expect(c, n, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	s = str(n);
	len = topo_unit_number_len(s);
	for (size_t i = 0; len && i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s + len, units[i].name))
			continue;
		v = strtod(s, NULL) * units[i].mult + 0.5;
		if (v < 1 || v > 100e9)
			return fail(c, n, "%s: '%s' is not between 1Hz and 100GHz", key, s);
		*ret = (uint64_t)v;
		return 0;
	}
	return fail_unit(c, n, key, HERTZ_UNITS, NULL);
}

static int parse_handover(struct ctx *c, const yaml_node_t *n, struct topo_radio *rd)
{
	yaml_node_t *vals[K_HANDOVER_N] = {0};
	int r = parse_params(c, n, "handover", handover_keys, vals);

	if (r == 0 && vals[K_HYSTERESIS])
		r = get_db(c, vals[K_HYSTERESIS], "hysteresis", "dB", false, &rd->hysteresis_db);
	if (r == 0 && vals[K_TTT])
		r = get_time(c, vals[K_TTT], "ttt", 0, TOPO_TIME_MAX_NS, &rd->ttt_ns);
	if (r == 0 && vals[K_INTERRUPTION])
		r = get_time(c, vals[K_INTERRUPTION], "interruption", 0, TOPO_TIME_MAX_NS,
			     &rd->interruption_ns);
	return r;
}

/* `radio:`: every key optional, defaults as SCENARIO.md's example (and topo.h's for ours). */
static int parse_radio(struct ctx *c, const yaml_node_t *key, const yaml_node_t *n)
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
	};
	if (vals[K_RADIO_MODEL]) {
		r = get_enum(c, vals[K_RADIO_MODEL], "model", "radio model",
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
			r = fail(c, vals[K_EXPONENT], "exponent: '%s' is not above 0",
				 str(vals[K_EXPONENT]));
		if (r == 0 && !(rd->exponent <= TOPO_EXPONENT_MAX))
			r = fail(c, vals[K_EXPONENT],
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
		r = get_rate(c, vals[K_PEAK_RATE], "peak_rate", false, &rd->peak_rate_bps);
	}
	if (r == 0 && vals[K_EDGE_LOSS])
		r = get_percent(c, vals[K_EDGE_LOSS], "edge_loss", &rd->edge_loss);
	if (r == 0 && vals[K_LOSS_MARGIN]) {
		r = get_db(c, vals[K_LOSS_MARGIN], "loss_margin", "dB", false, &rd->loss_margin_db);
		if (r == 0 && !(rd->loss_margin_db > 0))
			r = fail(c, vals[K_LOSS_MARGIN], "loss_margin: '%s' is not above 0dB",
				 str(vals[K_LOSS_MARGIN]));
	}
	if (r == 0 && vals[K_RADIO_DELAY])
		r = get_time(c, vals[K_RADIO_DELAY], "delay", 0, TOPO_DELAY_MAX_NS, &rd->delay_ns);
	/* Each tick reshapes every radio link through netlink: not faster than 1 ms. */
	if (r == 0 && vals[K_TICK])
		r = get_time(c, vals[K_TICK], "tick", TOPO_RADIO_TICK_MIN_NS, TOPO_TIME_MAX_NS,
			     &rd->tick_ns);
	if (r == 0 && vals[K_HANDOVER])
		r = parse_handover(c, vals[K_HANDOVER], rd);
	if (r < 0)
		return r;
	c->m->has_radio = true;
	return 0;
}

/* With radio:, cells are placed by position and UE-eNB links are the runner's. */
static int check_radio(struct ctx *c, const yaml_node_t *key)
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
			return fail_at(c, n->mark.line, n->mark.col,
				       "eNB '%s' has no pos: (radio: places cells by position)",
				       n->name);
	}
	if (!enbs)
		return fail(c, key, "radio: there is no node of kind enb");
	/* One link per UE and eNB until the radio access design replaces them. */
	if (ues * enbs > TOPO_RADIO_LINKS_MAX)
		return fail(c, key,
			    "radio: %llu UEs x %llu eNBs make %llu radio links; at most %d are "
			    "allowed",
			    ues, enbs, ues * enbs, TOPO_RADIO_LINKS_MAX);
	for (unsigned l = 0; l < m->n_links; l++)
		for (int e = 0; e < 2; e++) {
			const struct topo_if *ue = &m->links[l].end[e];
			const struct topo_if *enb_end = &m->links[l].end[!e];

			if (m->nodes[ue->node].kind != TOPO_UE ||
			    m->nodes[enb_end->node].kind != TOPO_ENB)
				continue;
			return fail_at(c, ue->mark.line, ue->mark.col,
				       "%s is linked to %s in links:, but radio: makes the UE-eNB "
				       "links",
				       m->nodes[ue->node].name, m->nodes[enb_end->node].name);
		}
	return 0;
}

/* waypoints' points: [[x, y, t], ...], t never before the previous point's. */
static int parse_points(struct ctx *c, const yaml_node_t *n, struct topo_mobility *mob)
{
	size_t count;
	int r = expect(c, n, YAML_SEQUENCE_NODE, "points");

	if (r < 0)
		return r;
	count = seq_len(n);
	if (!count)
		return fail(c, n, "points: at least one point [x, y, t] is needed");
	if (count > TOPO_POINTS_MAX)
		return fail(c, n, "points: %zu points; a UE may have at most %d", count,
			    TOPO_POINTS_MAX);
	mob->points = calloc(count, sizeof(*mob->points));
	if (!mob->points)
		return oom(c);
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *p = get(c, n->data.sequence.items.start[i]), *t;
		struct topo_waypoint *w = &mob->points[i];

		r = expect(c, p, YAML_SEQUENCE_NODE, "points");
		if (r < 0)
			return r;
		if (seq_len(p) != 3)
			return fail(c, p, "points: expected [x, y, t], got %zu values", seq_len(p));
		r = get_coord(c, get(c, p->data.sequence.items.start[0]), "points", &w->x);
		if (r == 0)
			r = get_coord(c, get(c, p->data.sequence.items.start[1]), "points", &w->y);
		t = get(c, p->data.sequence.items.start[2]);
		if (r == 0)
			r = get_time(c, t, "points", 0, TOPO_TIME_MAX_NS, &w->t_ns);
		if (r < 0)
			return r;
		if (i && w->t_ns < w[-1].t_ns)
			return fail(c, t, "points: '%s' is before the previous point's time",
				    str(t));
		mob->n_points++;
	}
	return 0;
}

/* random-waypoint's area: [[x0, y0], [x1, y1]], corners in any order. */
static int parse_area(struct ctx *c, const yaml_node_t *n, struct topo_mobility *mob)
{
	int r = expect(c, n, YAML_SEQUENCE_NODE, "area");

	if (r < 0)
		return r;
	if (seq_len(n) != 2)
		goto bad;
	for (int i = 0; i < 2; i++) {
		yaml_node_t *corner = get(c, n->data.sequence.items.start[i]);

		if (corner->type != YAML_SEQUENCE_NODE || seq_len(corner) != 2)
			goto bad;
		for (int j = 0; j < 2; j++) {
			r = get_coord(c, get(c, corner->data.sequence.items.start[j]), "area",
				      &mob->area[i][j]);
			if (r < 0)
				return r;
		}
	}
	/* Legs across a sliver of an area are too short for time to advance between them. */
	double w = fabs(mob->area[1][0] - mob->area[0][0]);
	double h = fabs(mob->area[1][1] - mob->area[0][1]);
	if ((w > 0 || h > 0) && (w > h ? w : h) < TOPO_AREA_MIN_M)
		return fail(c, n,
			    "area: %g m by %g m is too small: a point, or at least %g m across", w,
			    h, TOPO_AREA_MIN_M);
	return 0;
bad:
	return fail(c, n, "area: expected two corners [[x0, y0], [x1, y1]]");
}

/* random-waypoint's speed: [min, max] in m/s, 0 < min <= max. */
static int parse_speed(struct ctx *c, const yaml_node_t *n, struct topo_mobility *mob)
{
	yaml_node_t *lo, *hi;
	int r = expect(c, n, YAML_SEQUENCE_NODE, "speed");

	if (r < 0)
		return r;
	if (seq_len(n) != 2)
		return fail(c, n, "speed: expected [min, max] in m/s, got %zu values", seq_len(n));
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
			return fail(c, i ? hi : lo, "speed: '%s' is out of range (%g to %g m/s)",
				    str(i ? hi : lo), TOPO_SPEED_MIN, TOPO_SPEED_MAX);
	}
	if (mob->speed_max < mob->speed_min)
		return fail(c, hi, "speed: max '%s' is below min '%s'", str(hi), str(lo));
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
		return fail(c, v, "mobility '%s': expected a mapping, got %s", str(k),
			    type_name(v));
	r = scan_keys(c, v, mob_keys, NULL, vals);
	if (r < 0)
		return r;
	if (vals[K_MOB_MODEL]) {
		r = get_enum(c, vals[K_MOB_MODEL], "model", "mobility model", mob_model_names,
			     &kind);
		if (r < 0)
			return r;
	} else if (vals[K_MOB_TRACE]) {
		kind = TOPO_MOB_TRACE;
	} else {
		return fail(c, v,
			    "mobility '%s': missing key 'model' (static, waypoints, "
			    "random-waypoint) or 'trace'",
			    str(k));
	}
	model = mob_model_names[kind];
	for (int i = K_MOB_MODEL + 1; i < K_MOB_N; i++)
		if (vals[i] && !mob_takes[kind][i])
			return fail(c, vals[i], "%s: not a key of model %s", mob_keys[i], model);
	for (int i = 0; i < 2; i++)
		if (mob_needs[kind][i] >= 0 && !vals[mob_needs[kind][i]])
			return fail(c, v, "mobility '%s': model %s needs key '%s'", str(k), model,
				    mob_keys[mob_needs[kind][i]]);
	mob->kind = (enum topo_mob_kind)kind;
	switch (mob->kind) {
	case TOPO_MOB_STATIC:
		return get_pos(c, vals[K_MOB_POS], "pos", mob->pos);
	case TOPO_MOB_WAYPOINTS:
		return parse_points(c, vals[K_MOB_POINTS], mob);
	case TOPO_MOB_RWP:
		r = parse_area(c, vals[K_MOB_AREA], mob);
		if (r == 0)
			r = parse_speed(c, vals[K_MOB_SPEED], mob);
		if (r == 0 && vals[K_MOB_PAUSE])
			r = get_time(c, vals[K_MOB_PAUSE], "pause", 0, TOPO_TIME_MAX_NS,
				     &mob->pause_ns);
		return r;
	case TOPO_MOB_TRACE:
		mob->trace_mark = mark_of(vals[K_MOB_TRACE]);
		r = get_path(c, vals[K_MOB_TRACE], "trace", &mob->trace);
		if (r < 0 || !vals[K_MOB_NODE])
			return r;
		mob->trace_node_mark = mark_of(vals[K_MOB_NODE]);
		r = get_count(c, vals[K_MOB_NODE], "node", UINT32_MAX, false, &id);
		if (r < 0)
			return r;
		mob->trace_node = (unsigned)id;
		mob->trace_node_set = true;
		return 0;
	}
	return 0;
}

/* `mobility:`: UE name -> how it moves. Needs radio: (positions act through radio links). */
static int parse_mobility(struct ctx *c, const yaml_node_t *key, const yaml_node_t *map)
{
	struct topo_model *m = c->m;
	int r = expect(c, map, YAML_MAPPING_NODE, "mobility");

	if (r < 0)
		return r;
	if (!m->has_radio)
		return fail(c, key, "mobility: needs radio: (positions act through radio links)");
	m->mobility = calloc(map_len(map) + 1, sizeof(*m->mobility));
	c->mob_of = calloc(m->n_nodes, sizeof(*c->mob_of));
	c->ue_rank = calloc(m->n_nodes, sizeof(*c->ue_rank));
	if (!m->mobility || !c->mob_of || !c->ue_rank)
		return oom(c);
	for (unsigned j = 1; j < m->n_nodes; j++)
		c->ue_rank[j] = c->ue_rank[j - 1] + (m->nodes[j - 1].kind == TOPO_UE);
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = get(c, p->key), *v = get(c, p->value);
		struct topo_mobility *mob = &m->mobility[m->n_mobility];
		const struct topo_node *node;
		int i;

		r = expect_key(c, k, "a UE name");
		if (r < 0)
			return r;
		i = node_find(c, str(k));
		if (i < 0)
			return fail(c, k, "mobility: unknown node '%s'", str(k));
		node = &m->nodes[i];
		if (node->kind != TOPO_UE)
			return fail(c, k, "mobility: '%s' is of kind %s; only UEs move", str(k),
				    topo_kind_name(node->kind));
		if (c->mob_of[i]) {
			const struct topo_mobility *first = &m->mobility[c->mob_of[i] - 1];

			return fail(c, k, "mobility: duplicate UE '%s' (first at %d:%d)", str(k),
				    first->mark.line, first->mark.col);
		}
		if (node->has_pos)
			return fail(c, k,
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
static int check_ue_positions(struct ctx *c)
{
	struct topo_model *m = c->m;

	for (unsigned i = 0; i < m->n_nodes; i++) {
		const struct topo_node *n = &m->nodes[i];
		bool moves = c->mob_of && c->mob_of[i];

		if (n->kind == TOPO_UE && !n->has_pos && !moves)
			return fail_at(c, n->mark.line, n->mark.col,
				       "UE '%s' has no position (radio: needs pos: or an entry in "
				       "mobility:)",
				       n->name);
	}
	return 0;
}

static int parse_probe(struct ctx *c, const yaml_node_t *n, struct topo_probe *pr)
{
	struct topo_model *m = c->m;
	yaml_node_t *vals[K_PROBE_N] = {0};
	const char *to;
	uint64_t port;
	int from, node, svc, r = expect(c, n, YAML_MAPPING_NODE, "probes");

	if (r < 0)
		return r;
	pr->mark = mark_of(n);
	r = scan_keys(c, n, probe_keys, NULL, vals);
	if (r < 0)
		return r;
	if (!vals[K_FROM])
		return fail(c, n, "probe: missing key 'from'");
	if (!vals[K_TO])
		return fail(c, n, "probe: missing key 'to' (a service or a node)");
	r = expect(c, vals[K_FROM], YAML_SCALAR_NODE, "from");
	if (r == 0)
		r = expect(c, vals[K_TO], YAML_SCALAR_NODE, "to");
	if (r < 0)
		return r;
	from = node_find(c, str(vals[K_FROM]));
	if (from < 0)
		return fail(c, vals[K_FROM], "from: unknown node '%s'", str(vals[K_FROM]));
	pr->from = (unsigned)from;
	to = str(vals[K_TO]);
	svc = (int)topo_names_get(&c->services, 0, to);
	node = node_find(c, to);
	if (svc >= 0 && node >= 0)
		return fail(c, vals[K_TO], "to: '%s' is both a service and a node", to);
	if (svc < 0 && node < 0)
		return fail(c, vals[K_TO], "to: '%s' is neither a service nor a node", to);
	if (node == from)
		return fail(c, vals[K_TO], "to: a probe from '%s' to itself", to);
	pr->to_service = svc >= 0;
	pr->to = (unsigned)(svc >= 0 ? svc : node);
	pr->port = pr->to_service ? m->services[svc].port : TOPO_PROBE_PORT;
	if (vals[K_PROBE_PORT]) {
		if (pr->to_service)
			return fail(c, vals[K_PROBE_PORT],
				    "port: only for a node target (service '%s' has its port)", to);
		r = get_count(c, vals[K_PROBE_PORT], "port", 65535, true, &port);
		if (r < 0)
			return r;
		pr->port = (uint16_t)port;
	}
	pr->interval_ns = 10000000;
	if (vals[K_INTERVAL]) {
		r = get_u64(c, vals[K_INTERVAL], "interval", TIME_UNITS, topo_unit_time,
			    &pr->interval_ns);
		if (r < 0)
			return r;
		/* edgemu-probe's --interval range. */
		if (pr->interval_ns < 1000000 || pr->interval_ns > 3600000000000ULL)
			return fail(c, vals[K_INTERVAL], "interval: '%s' is not between 1ms and 1h",
				    str(vals[K_INTERVAL]));
	}
	return 0;
}

static int parse_probes(struct ctx *c, const yaml_node_t *seq)
{
	struct topo_model *m = c->m;
	int r = expect(c, seq, YAML_SEQUENCE_NODE, "probes");

	if (r < 0)
		return r;
	if (seq_len(seq) > TOPO_PROBES_MAX)
		return fail(c, seq, "probes: %zu probes; a scenario may have at most %d",
			    seq_len(seq), TOPO_PROBES_MAX);
	m->probes = calloc(seq_len(seq) + 1, sizeof(*m->probes));
	if (!m->probes)
		return oom(c);
	for (size_t i = 0; i < seq_len(seq); i++) {
		r = parse_probe(c, get(c, seq->data.sequence.items.start[i]), &m->probes[i]);
		if (r < 0)
			return r;
		m->n_probes++;
	}
	return 0;
}

/* A --set path: parts of [A-Za-z0-9_-] joined by dots (mapping keys, list indexes). */
static bool sweep_path_valid(const char *s)
{
	size_t part = 0;

	for (; *s; s++) {
		if (*s == '.') {
			if (!part)
				return false;
			part = 0;
		} else if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			   (*s >= '0' && *s <= '9') || *s == '_' || *s == '-') {
			part++;
		} else {
			return false;
		}
	}
	return part > 0;
}

/* a is b, or a section b lies in ("links.0" and "links.0.delay"). */
static bool path_within(const char *a, const char *b)
{
	size_t n = strlen(b);

	return !strncmp(a, b, n) && (a[n] == '\0' || a[n] == '.');
}

static int parse_vary_key(struct ctx *c, const yaml_node_t *k, const yaml_node_t *v,
			  struct topo_sweep_key *sk)
{
	struct topo_sweep *sw = &c->m->sweep;
	const char *path;
	size_t n;
	int r = expect(c, k, YAML_SCALAR_NODE, "vary");

	if (r < 0)
		return r;
	path = str(k);
	sk->mark = mark_of(k);
	if (!sweep_path_valid(path))
		return fail(c, k,
			    "vary: '%s' is not a key path (names and list indexes joined by dots: "
			    "migration.strategy, links.0.rate)",
			    path);
	for (int i = 0; sweep_fixed[i]; i++)
		if (path_within(path, sweep_fixed[i]))
			return fail(c, k,
				    "vary: '%s' cannot be varied: edgemu sweep names each run and "
				    "gives it its seed (repeat: runs seeds derived from seed:)",
				    path);
	for (const struct topo_sweep_key *o = sw->keys; o < sk; o++) {

		if (!strcmp(o->path, path))
			return fail(c, k, "vary: duplicate key '%s' (first defined at %d:%d)", path,
				    o->mark.line, o->mark.col);
		if (path_within(path, o->path) || path_within(o->path, path))
			return fail(c, k,
				    "vary: '%s' and '%s' (at %d:%d) overlap: one would undo the "
				    "other",
				    path, o->path, o->mark.line, o->mark.col);
	}
	sk->path = strdup(path);
	if (!sk->path)
		return oom(c);
	if (v->type != YAML_SEQUENCE_NODE)
		return fail(c, v, "%s: expected a sequence of values, got %s", path, type_name(v));
	n = seq_len(v);
	if (!n)
		return fail(c, v, "%s: no values to vary over", path);
	if (n > TOPO_SWEEP_VALUES_MAX)
		return fail(c, v, "%s: %zu values, at most %d", path, n, TOPO_SWEEP_VALUES_MAX);
	sk->values = calloc(n, sizeof(*sk->values));
	sk->value_marks = calloc(n, sizeof(*sk->value_marks));
	if (!sk->values || !sk->value_marks)
		return oom(c);
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *item = get(c, v->data.sequence.items.start[i]);

		if (item->type != YAML_SCALAR_NODE)
			return fail(c, item, "%s: expected a plain value, got %s", path,
				    type_name(item));
		r = expect(c, item, YAML_SCALAR_NODE, path);
		if (r < 0)
			return r;
		for (unsigned j = 0; j < sk->n_values; j++)
			if (!strcmp(sk->values[j], str(item)))
				return fail(c, item, "%s: value '%s' is already listed at %d:%d",
					    path, str(item), sk->value_marks[j].line,
					    sk->value_marks[j].col);
		sk->value_marks[i] = mark_of(item);
		sk->values[i] = strdup(str(item));
		if (!sk->values[i])
			return oom(c);
		sk->n_values++;
	}
	return 0;
}

static int parse_sweep(struct ctx *c, const yaml_node_t *key, const yaml_node_t *n)
{
	struct topo_sweep *sw = &c->m->sweep;
	yaml_node_t *vals[K_SWEEP_N] = {0};
	const yaml_node_t *vary;
	uint64_t repeat = 1, runs;
	int r = expect(c, n, YAML_MAPPING_NODE, "sweep");

	if (r < 0)
		return r;
	c->m->has_sweep = true;
	sw->mark = mark_of(key);
	sw->repeat = 1;
	r = scan_keys(c, n, sweep_keys, NULL, vals);
	if (r < 0)
		return r;
	if (!vals[K_VARY] && !vals[K_REPEAT])
		return fail(c, key, "sweep: nothing to do (expected vary:, repeat: or both)");
	if (vals[K_REPEAT]) {
		r = get_count(c, vals[K_REPEAT], "repeat", TOPO_SWEEP_REPEAT_MAX, true, &repeat);
		if (r < 0)
			return r;
		sw->repeat = (unsigned)repeat;
		sw->repeat_mark = mark_of(vals[K_REPEAT]);
	}
	runs = repeat;
	vary = vals[K_VARY];
	if (!vary)
		return 0;
	r = expect(c, vary, YAML_MAPPING_NODE, "vary");
	if (r < 0)
		return r;
	if (!map_len(vary))
		return fail(c, vary,
			    "vary: no key to vary (leave vary: out to repeat the base scenario)");
	if (map_len(vary) > TOPO_SWEEP_KEYS_MAX)
		return fail(c, vary, "vary: %zu keys, at most %d", map_len(vary),
			    TOPO_SWEEP_KEYS_MAX);
	sw->keys = calloc(map_len(vary), sizeof(*sw->keys));
	if (!sw->keys)
		return oom(c);
	for (yaml_node_pair_t *p = vary->data.mapping.pairs.start; p < vary->data.mapping.pairs.top;
	     p++) {
		struct topo_sweep_key *sk = &sw->keys[sw->n_keys];
		const yaml_node_t *k = get(c, p->key);

		/* Counted at once: the model's free releases what a failed key holds. */
		sw->n_keys++;
		r = parse_vary_key(c, k, get(c, p->value), sk);
		if (r < 0)
			return r;
		runs *= sk->n_values;
		if (runs > TOPO_SWEEP_RUNS_MAX)
			return fail(c, k,
				    "sweep: more than %d runs (the combinations times repeat); "
				    "split the sweep",
				    TOPO_SWEEP_RUNS_MAX);
	}
	return 0;
}

static int parse_top(struct ctx *c, const yaml_node_t *root)
{
	yaml_node_t *vals[K_TOP_N] = {0};
	struct topo_model *m = c->m;
	int r, e;

	if (!root)
		return fail_at(c, 1, 1, "missing key 'name'");
	if (root->type != YAML_MAPPING_NODE)
		return fail(c, root, "expected a mapping at the top level, got %s",
			    type_name(root));
	r = scan_keys(c, root, top_keys, reserved_keys, vals);
	if (r < 0)
		return r;
	if (!vals[K_NAME])
		return fail_at(c, 1, 1, "missing key 'name'");
	if (!vals[K_NODES])
		return fail_at(c, 1, 1, "missing key 'nodes'");

	r = expect(c, vals[K_NAME], YAML_SCALAR_NODE, "name");
	if (r < 0)
		return r;
	if (!topo_net_name_valid(str(vals[K_NAME])))
		return fail(c, vals[K_NAME],
			    "name: '%s' is not a valid run name ([a-z0-9-], 1 to %d characters, "
			    "not starting with '-')",
			    str(vals[K_NAME]), TOPO_RUN_MAX);
	strcpy(m->name, str(vals[K_NAME]));
	if (vals[K_SEED]) {
		r = get_count(c, vals[K_SEED], "seed", UINT64_MAX, false, &m->seed);
		if (r < 0)
			return r;
		m->has_seed = true;
	}
	if (vals[K_DURATION]) {
		r = get_time(c, vals[K_DURATION], "duration", 0, TOPO_TIME_MAX_NS, &m->duration_ns);
		if (r < 0)
			return r;
	}
	if (vals[K_SHAPER]) {
		r = get_enum(c, vals[K_SHAPER], "shaper", "shaper", shaper_names, &e);
		if (r < 0)
			return r;
		m->shaper = (enum topo_shaper)e;
	}
	r = parse_nodes(c, vals[K_NODES]);
	if (r < 0)
		return r;
	if (vals[K_LINKS]) {
		r = parse_links(c, vals[K_LINKS]);
		if (r < 0)
			return r;
	}
	r = name_interfaces(c);
	if (r == 0 && vals[K_SERVICES])
		r = parse_services(c, vals[K_SERVICES]);
	if (r == 0 && vals[K_MIGRATION])
		r = parse_migration(c, vals[K_MIGRATION]);
	if (r == 0 && vals[K_RADIO])
		r = parse_radio(c, key_of(c, root, "radio"), vals[K_RADIO]);
	if (r == 0 && m->has_radio)
		r = check_radio(c, key_of(c, root, "radio"));
	if (r == 0 && vals[K_MOBILITY])
		r = parse_mobility(c, key_of(c, root, "mobility"), vals[K_MOBILITY]);
	if (r == 0 && m->has_radio)
		r = check_ue_positions(c);
	if (r == 0 && vals[K_PROBES])
		r = parse_probes(c, vals[K_PROBES]);
	if (r == 0 && vals[K_SWEEP])
		r = parse_sweep(c, key_of(c, root, "sweep"), vals[K_SWEEP]);
	/* Last, once the file is valid: the UE-eNB links radio: makes (topo/radio.c). */
	if (r == 0 && m->has_radio && topo_radio_links_add(m) < 0)
		r = oom(c);
	return r;
}

/* Here rather than in model.c: the parser's tables are the names. */
const char *topo_app_name(enum topo_app a)
{
	if ((unsigned)a > TOPO_APP_SVC)
		return "?";
	return app_names[a];
}

const char *topo_pattern_name(enum topo_pattern p)
{
	if ((unsigned)p > TOPO_PATTERN_SEQUENTIAL)
		return "?";
	return pattern_names[p];
}

/* libyaml reports reader errors (bad UTF-8, control characters) as a byte offset only. */
static void offset_to_mark(const char *text, size_t len, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

/* The file itself is too big: it has no position to name. */
static int fail_size(struct ctx *c)
{
	if (c->err)
		snprintf(c->err->msg, sizeof(c->err->msg),
			 "%s: larger than %u bytes (16 MiB), the most a scenario may have",
			 c->fname, TOPO_FILE_MAX);
	return -EFBIG;
}

/* What the walk indexed; the model itself goes to the caller or to topo_model_free. */
static void ctx_release(struct ctx *c)
{
	topo_names_free(&c->nodes);
	topo_names_free(&c->services);
	topo_names_free(&c->ifs);
	free(c->mob_of);
	c->mob_of = NULL;
	free(c->ue_rank);
	c->ue_rank = NULL;
}

static int fail_yaml(struct ctx *c, const yaml_parser_t *p, const char *text, size_t len)
{
	int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;

	if (p->error == YAML_MEMORY_ERROR)
		return oom(c);
	if (p->error == YAML_READER_ERROR)
		offset_to_mark(text, len, p->problem_offset, &line, &col);
	if (p->context)
		return fail_at(c, line, col, "%s (%s at %d:%d)", p->problem, p->context,
			       (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
	return fail_at(c, line, col, "%s", p->problem ? p->problem : "invalid YAML");
}

/*
 * Before libyaml builds the document: its depth and size bounded, as libyaml's time grows
 * with the square of the nesting depth and its document takes ~150 bytes per value. Events
 * cost little memory, and parsing stops at the first value past a limit.
 */
static int check_yaml_shape(struct ctx *c, const char *text, size_t len)
{
	yaml_parser_t p;
	yaml_event_t ev;
	unsigned depth = 0;
	size_t values = 0;
	int r = 0;

	if (!yaml_parser_initialize(&p))
		return oom(c);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	for (;;) {
		yaml_event_type_t type;
		int line, col;

		if (!yaml_parser_parse(&p, &ev)) {
			r = fail_yaml(c, &p, text, len);
			break;
		}
		type = ev.type;
		line = (int)ev.start_mark.line + 1;
		col = (int)ev.start_mark.column + 1;
		yaml_event_delete(&ev);
		if (type == YAML_STREAM_END_EVENT)
			break;
		if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) {
			depth--;
			continue;
		}
		if (type != YAML_SEQUENCE_START_EVENT && type != YAML_MAPPING_START_EVENT &&
		    type != YAML_SCALAR_EVENT && type != YAML_ALIAS_EVENT)
			continue;
		if (++values > TOPO_YAML_NODES_MAX) {
			r = fail_at(c, line, col,
				    "more than %d YAML values (keys, values, lists, mappings); a "
				    "scenario may have at most that many",
				    TOPO_YAML_NODES_MAX);
			break;
		}
		if (type != YAML_SCALAR_EVENT && type != YAML_ALIAS_EVENT &&
		    ++depth > TOPO_YAML_DEPTH_MAX) {
			r = fail_at(c, line, col,
				    "nested more than %d levels deep; a scenario may nest at most "
				    "that deep",
				    TOPO_YAML_DEPTH_MAX);
			break;
		}
	}
	yaml_parser_delete(&p);
	return r;
}

int topo_parse_string(const char *text, size_t len, const char *fname, struct topo_model **ret,
		      struct topo_err *err)
{
	return topo_parse_string_opts(text, len, fname, NULL, ret, err);
}

int topo_parse_string_opts(const char *text, size_t len, const char *fname,
			   const struct topo_parse_opts *o, struct topo_model **ret,
			   struct topo_err *err)
{
	yaml_document_t doc, extra;
	yaml_parser_t parser;
	struct ctx c = {.fname = fname ? fname : "<string>", .err = err, .doc = &doc};
	const char *slash;
	int r;

	if (!text)
		len = 0;
	slash = strrchr(c.fname, '/');
	c.dir_len = slash ? (size_t)(slash - c.fname) + 1 : 0;
	if (len > TOPO_FILE_MAX)
		return fail_size(&c);
	r = check_yaml_shape(&c, text ? text : "", len);
	if (r < 0)
		return r;
	if (!yaml_parser_initialize(&parser))
		return oom(&c);
	yaml_parser_set_input_string(&parser, (const unsigned char *)(text ? text : ""), len);
	if (!yaml_parser_load(&parser, &doc)) {
		r = fail_yaml(&c, &parser, text, len);
		yaml_parser_delete(&parser);
		return r;
	}
	/* A second document would be ignored silently; better to say so. */
	if (!yaml_parser_load(&parser, &extra)) {
		r = fail_yaml(&c, &parser, text, len);
		goto out_doc;
	}
	if (yaml_document_get_root_node(&extra))
		r = fail(&c, yaml_document_get_root_node(&extra),
			 "only one YAML document is allowed in a scenario");
	else
		r = 0;
	yaml_document_delete(&extra);
	if (r < 0)
		goto out_doc;

	for (size_t i = 0; o && i < o->n_sets; i++) {
		char msg[sizeof(err->msg) - 64];

		r = topo_yaml_override(&doc, o->sets[i], msg, sizeof(msg));
		if (r < 0) {
			if (err)
				snprintf(err->msg, sizeof(err->msg), "%s: %s", c.fname, msg);
			goto out_doc;
		}
	}
	c.m = calloc(1, sizeof(*c.m));
	if (!c.m || !(c.m->file = strdup(c.fname))) {
		r = oom(&c);
		goto out_model;
	}
	/* What a file without a migration section gets (SCENARIO.md's example values). */
	c.m->migration.strategy = TOPO_STRATEGY_PRECOPY;
	c.m->migration.precopy_max_rounds = 30;
	c.m->migration.precopy_stop_below = 256;
	r = parse_top(&c, yaml_document_get_root_node(&doc));
	if (r < 0)
		goto out_model;
	if (o && o->resolved) {
		ctx_release(&c);
		/* The emitter consumes the document. */
		r = topo_yaml_dump(&doc, o->resolved, o->resolved_len);
		yaml_parser_delete(&parser);
		if (r < 0) {
			topo_model_free(c.m);
			return oom(&c);
		}
		*ret = c.m;
		return 0;
	}
	*ret = c.m;
	c.m = NULL;
out_model:
	topo_model_free(c.m);
out_doc:
	ctx_release(&c);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return r;
}

int topo_parse_file(const char *path, struct topo_model **ret, struct topo_err *err)
{
	return topo_parse_file_opts(path, NULL, ret, err);
}

int topo_scenario_read(const char *path, char **ret_text, size_t *ret_len, struct topo_err *err)
{
	size_t len = 0, cap = 4096;
	char *text = malloc(cap + 1);
	int fd, r = 0;

	if (!text) {
		r = -ENOMEM;
		goto out;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n;

		/* One byte past the limit is enough to know; /dev/zero would never end. */
		if (len > TOPO_FILE_MAX) {
			struct ctx c = {.fname = path, .err = err};

			r = fail_size(&c);
			break;
		}
		if (len == cap) {
			char *bigger = realloc(text, cap * 2 + 1);

			if (!bigger) {
				r = -ENOMEM;
				break;
			}
			text = bigger;
			cap *= 2;
		}
		n = read(fd, text + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	close(fd);
out:
	if (r < 0) {
		if (r != -EFBIG && err)
			snprintf(err->msg, sizeof(err->msg), "%s: %s", path, strerror(-r));
		free(text);
		return r;
	}
	text[len] = '\0';
	*ret_text = text;
	*ret_len = len;
	return 0;
}

int topo_parse_file_opts(const char *path, const struct topo_parse_opts *o, struct topo_model **ret,
			 struct topo_err *err)
{
	size_t len;
	char *text;
	int r = topo_scenario_read(path, &text, &len, err);

	if (r < 0)
		return r;
	r = topo_parse_string_opts(text, len, path, o, ret, err);
	if (r < 0 && r != -EINVAL && r != -EFBIG && err)
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path, strerror(-r));
	free(text);
	return r;
}
