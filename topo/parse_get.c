/* SPDX-License-Identifier: MIT */
/*
 * Scenario parser: the tools every section uses: errors at a node's position, node types,
 * key tables, and typed getters (times, rates, counts, names, positions, files).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "topo/parse.h"

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

__attribute__((format(printf, 4, 5))) int parse_fail_at(struct ctx *c, int line, int col,
							const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfail_at(c, line, col, fmt, ap);
	va_end(ap);
	return r;
}

__attribute__((format(printf, 3, 4))) int parse_fail(struct ctx *c, const yaml_node_t *n,
						     const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfail_at(c, (int)n->start_mark.line + 1, (int)n->start_mark.column + 1, fmt, ap);
	va_end(ap);
	return r;
}

int parse_oom(struct ctx *c)
{
	if (c->err)
		snprintf(c->err->msg, sizeof(c->err->msg), "%s: out of memory", c->fname);
	return -ENOMEM;
}

const char *parse_type_name(const yaml_node_t *n)
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

int parse_expect(struct ctx *c, const yaml_node_t *n, yaml_node_type_t t, const char *key)
{
	static const char *const want[] = {
	    [YAML_SCALAR_NODE] = "a string",
	    [YAML_SEQUENCE_NODE] = "a sequence",
	    [YAML_MAPPING_NODE] = "a mapping",
	};

	if (n->type != t)
		return parse_fail(c, n, "%s: expected %s, got %s", key, want[t],
				  parse_type_name(n));
	/* C strings end at the first NUL; a quoted "\0" would silently cut the value short. */
	if (t == YAML_SCALAR_NODE && strlen(str(n)) != n->data.scalar.length)
		return parse_fail(c, n, "%s: a NUL byte is not allowed here", key);
	return 0;
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
	return parse_fail(c, n, "unknown %s '%s' (expected one of: %s)", what, str(n), list);
}

/*
 * A mapping key or a name used as one (nodes, services, UEs): a string, and one C can hold.
 * A quoted "ue1\0x" would otherwise be read as ue1, or a key "delay\0x" as delay.
 */
int parse_expect_list(struct ctx *c, const yaml_node_t *n, yaml_node_type_t t, const char *key,
		      size_t max, size_t *ret_count)
{
	int r = parse_expect(c, n, t, key);
	size_t count;

	if (r < 0)
		return r;
	count = t == YAML_MAPPING_NODE ? map_len(n) : seq_len(n);
	if (count > max)
		return parse_fail(c, n, "%s: %zu %s; a scenario may have at most %zu", key, count,
				  key, max);
	*ret_count = count;
	return 0;
}

int parse_expect_key(struct ctx *c, const yaml_node_t *k, const char *what)
{
	if (k->type != YAML_SCALAR_NODE)
		return parse_fail(c, k, "expected %s, got %s", what, parse_type_name(k));
	if (strlen(str(k)) != k->data.scalar.length)
		return parse_fail(c, k, "a NUL byte is not allowed in %s", what);
	return 0;
}

int parse_node_find(const struct ctx *c, const char *name)
{
	return (int)topo_names_get(&c->nodes, 0, name);
}

/*
 * Mapping keys must be strings, unique (libyaml keeps duplicates silently) and known.
 * ret_vals[i] gets the value of keys[i]; a key the map lacks leaves its slot as it was.
 */
int parse_scan_keys(struct ctx *c, const yaml_node_t *map, const char *const *keys,
		    const char *const *reserved, yaml_node_t **ret_vals)
{
	yaml_node_pair_t *start = map->data.mapping.pairs.start;

	for (yaml_node_pair_t *p = start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = get(c, p->key);
		char list[256];
		int i = parse_expect_key(c, k, "a key");

		if (i < 0)
			return i;
		/* Quadratic only up to the first unknown key: at most the table's size. */
		for (yaml_node_pair_t *q = start; q < p; q++) {
			yaml_node_t *prev = get(c, q->key);

			if (!strcmp(str(prev), str(k)))
				return parse_fail(c, k,
						  "duplicate key '%s' (first defined at %d:%d)",
						  str(k), mark_of(prev).line, mark_of(prev).col);
		}
		i = find_name(keys, str(k));
		if (i >= 0) {
			ret_vals[i] = get(c, p->value);
			continue;
		}
		if (reserved && find_name(reserved, str(k)) >= 0)
			return parse_fail(c, k, "'%s' is not supported yet by this edgemu version",
					  str(k));
		join(keys, list, sizeof(list));
		return parse_fail(c, k, "unknown key '%s' (expected one of: %s)", str(k), list);
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
int parse_fail_unit(struct ctx *c, const yaml_node_t *n, const char *key, const char *units,
		    const char *range)
{
	const char *s = str(n);
	size_t len = topo_unit_number_len(s);

	if (!*s)
		return parse_fail(c, n, "%s: a value is needed (a number with one of: %s)", key,
				  units);
	if (len && !s[len])
		return parse_fail(c, n, "%s: '%s' needs a unit (%s)", key, s, units);
	if (!len)
		return parse_fail(c, n, "%s: '%s' is not a number with a unit (%s)", key, s, units);
	if (!unit_listed(s + len, units))
		return parse_fail(c, n, "%s: unknown unit '%s' in '%s' (expected one of: %s)", key,
				  s + len, s, units);
	if (s[0] == '-')
		return parse_fail(c, n, "%s: '%s' must not be negative", key, s);
	if (!strcmp(units, "%"))
		return parse_fail(c, n, "%s: '%s' is not between 0%% and 100%%", key, s);
	if (range)
		return parse_fail(c, n, "%s: '%s' is out of range (%s)", key, s, range);
	return parse_fail(c, n, "%s: '%s' is too large", key, s);
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

/* A time from min to max: what the kernel, the relay and the models can hold. */
int parse_get_time(struct ctx *c, const yaml_node_t *n, const char *key, uint64_t min, uint64_t max,
		   uint64_t *ret_ns)
{
	char lo[32], hi[32], range[80];
	uint64_t v;
	int r = parse_expect(c, n, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	snprintf(range, sizeof(range), "%s to %s", fmt_time(min, lo, sizeof(lo)),
		 fmt_time(max, hi, sizeof(hi)));
	if (topo_unit_time(str(n), &v) < 0)
		return parse_fail_unit(c, n, key, TIME_UNITS, range);
	if (v < min || v > max)
		return parse_fail(c, n, "%s: '%s' is out of range (%s)", key, str(n), range);
	*ret_ns = v;
	return 0;
}

/* A rate: 0 where zero means no limit (zero_ok), else TOPO_RATE_MIN_BPS to _MAX_BPS. */
int parse_get_rate(struct ctx *c, const yaml_node_t *n, const char *key, bool zero_ok,
		   uint64_t *ret_bps)
{
	char lo[32], hi[32], range[96];
	uint64_t v;
	int r = parse_expect(c, n, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	snprintf(range, sizeof(range), "%s%s to %s", zero_ok ? "0bit for no limit, or " : "",
		 fmt_rate(TOPO_RATE_MIN_BPS, lo, sizeof(lo)),
		 fmt_rate(TOPO_RATE_MAX_BPS, hi, sizeof(hi)));
	if (topo_unit_rate(str(n), &v) < 0)
		return parse_fail_unit(c, n, key, RATE_UNITS, range);
	if ((v || !zero_ok) && (v < TOPO_RATE_MIN_BPS || v > TOPO_RATE_MAX_BPS))
		return parse_fail(c, n, "%s: '%s' is out of range (%s)", key, str(n), range);
	*ret_bps = v;
	return 0;
}

int parse_get_percent(struct ctx *c, const yaml_node_t *n, const char *key, double *ret_fraction)
{
	int r = parse_expect(c, n, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	if (topo_unit_percent(str(n), ret_fraction) < 0)
		return parse_fail_unit(c, n, key, "%", NULL);
	return 0;
}

/* Plain digits only: a seed or a packet count has no sign, fraction or unit. */
int parse_get_count(struct ctx *c, const yaml_node_t *n, const char *key, uint64_t max,
		    bool positive, uint64_t *ret_count)
{
	const char *s;
	uint64_t v = 0;
	int r = parse_expect(c, n, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	s = str(n);
	if (!*s || strspn(s, "0123456789") != strlen(s))
		goto bad;
	for (; *s; s++) {
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return parse_fail(c, n, "%s: '%s' is too large", key, str(n));
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (positive && !v)
		goto bad;
	*ret_count = v;
	return 0;
bad:
	return parse_fail(c, n, "%s: '%s' is not a %s integer", key, str(n),
			  positive ? "positive" : "non-negative");
}

int parse_get_enum(struct ctx *c, const yaml_node_t *n, const char *key, const char *what,
		   const char *const *names, int *ret_index)
{
	int r = parse_expect(c, n, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	r = find_name(names, str(n));
	if (r < 0)
		return fail_enum(c, n, what, names);
	*ret_index = r;
	return 0;
}

bool parse_node_name_valid(const char *s)
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
int parse_get_coord(struct ctx *c, const yaml_node_t *v, const char *key, double *ret_m)
{
	const char *s;
	double m;
	int r = parse_expect(c, v, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	s = str(v);
	/* Coordinates are the one place a bare number is fine: metres are implied. */
	if (*s && topo_unit_number_len(s) == strlen(s))
		m = strtod(s, NULL);
	else if (topo_unit_metres(s, &m) < 0)
		return parse_fail(c, v, "%s: '%s' is not a distance (metres, or with m or km)", key,
				  s);
	/* strtod gives inf for 400 digits; distances and path loss need finite, sane values. */
	if (!(fabs(m) <= TOPO_COORD_MAX_M))
		return parse_fail(c, v, "%s: '%s' is out of range (-%.0fkm to %.0fkm)", key, s,
				  TOPO_COORD_MAX_M / 1000, TOPO_COORD_MAX_M / 1000);
	*ret_m = m;
	return 0;
}

/* [x, y] or [x, y, z] into pos (z stays as it was when not given). */
int parse_get_pos(struct ctx *c, const yaml_node_t *n, const char *key, double pos[3])
{
	size_t count;
	int r = parse_expect(c, n, YAML_SEQUENCE_NODE, key);

	if (r < 0)
		return r;
	count = seq_len(n);
	if (count != 2 && count != 3)
		return parse_fail(c, n, "%s: expected [x, y] or [x, y, z], got %zu values", key,
				  count);
	for (size_t i = 0; i < count; i++) {
		r = parse_get_coord(c, get(c, n->data.sequence.items.start[i]), key, &pos[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A file the scenario names, readable now; *ret_path is the path as the run will open it. */
int parse_get_path(struct ctx *c, const yaml_node_t *n, const char *key, char **ret_path)
{
	const char *t;
	char *path;
	int r = parse_expect(c, n, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	t = str(n);
	if (!*t)
		return parse_fail(c, n, "%s: a file name is needed", key);
	/* Relative to the scenario, so a scenario and its traces move together. */
	if (t[0] == '/' || !c->dir_len)
		path = strdup(t);
	else if (asprintf(&path, "%.*s%s", (int)c->dir_len, c->fname, t) < 0)
		path = NULL;
	if (!path)
		return parse_oom(c);
	if (access(path, R_OK) < 0) {
		r = parse_fail(c, n, "%s: cannot read '%s': %s", key, path, strerror(errno));
		free(path);
		return r;
	}
	*ret_path = path;
	return 0;
}

/* A mapping of known parameter keys (values parsed by the caller). */
int parse_params(struct ctx *c, const yaml_node_t *n, const char *what, const char *const *keys,
		 yaml_node_t **ret_vals)
{
	int r = parse_expect(c, n, YAML_MAPPING_NODE, what);

	return r < 0 ? r : parse_scan_keys(c, n, keys, NULL, ret_vals);
}
