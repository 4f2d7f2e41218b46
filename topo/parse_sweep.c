/* SPDX-License-Identifier: MIT */
/* Scenario parser: sweep: (the keys a sweep varies and how often it repeats). */
#include <stdlib.h>
#include <string.h>

#include "topo/parse.h"

static const char *const sweep_keys[] = {"vary", "repeat", NULL};
enum { K_VARY, K_REPEAT, K_SWEEP_N };
/* What `vary:` may not change: edgemu sweep sets these itself for every run. */
static const char *const sweep_fixed[] = {"seed", "name", "sweep", NULL};

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
	int r = parse_expect(c, k, YAML_SCALAR_NODE, "vary");

	if (r < 0)
		return r;
	path = str(k);
	sk->mark = mark_of(k);
	if (!sweep_path_valid(path))
		return parse_fail(
		    c, k,
		    "vary: '%s' is not a key path (names and list indexes joined by dots: "
		    "migration.strategy, links.0.rate)",
		    path);
	for (int i = 0; sweep_fixed[i]; i++)
		if (path_within(path, sweep_fixed[i]))
			return parse_fail(
			    c, k,
			    "vary: '%s' cannot be varied: edgemu sweep names each run and "
			    "gives it its seed (repeat: runs seeds derived from seed:)",
			    path);
	for (const struct topo_sweep_key *o = sw->keys; o < sk; o++) {

		if (!strcmp(o->path, path))
			return parse_fail(c, k, "vary: duplicate key '%s' (first defined at %d:%d)",
					  path, o->mark.line, o->mark.col);
		if (path_within(path, o->path) || path_within(o->path, path))
			return parse_fail(
			    c, k,
			    "vary: '%s' and '%s' (at %d:%d) overlap: one would undo the "
			    "other",
			    path, o->path, o->mark.line, o->mark.col);
	}
	sk->path = strdup(path);
	if (!sk->path)
		return parse_oom(c);
	if (v->type != YAML_SEQUENCE_NODE)
		return parse_fail(c, v, "%s: expected a sequence of values, got %s", path,
				  parse_type_name(v));
	n = seq_len(v);
	if (!n)
		return parse_fail(c, v, "%s: no values to vary over", path);
	if (n > TOPO_SWEEP_VALUES_MAX)
		return parse_fail(c, v, "%s: %zu values, at most %d", path, n,
				  TOPO_SWEEP_VALUES_MAX);
	sk->values = calloc(n, sizeof(*sk->values));
	sk->value_marks = calloc(n, sizeof(*sk->value_marks));
	if (!sk->values || !sk->value_marks)
		return parse_oom(c);
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *item = get(c, v->data.sequence.items.start[i]);

		if (item->type != YAML_SCALAR_NODE)
			return parse_fail(c, item, "%s: expected a plain value, got %s", path,
					  parse_type_name(item));
		r = parse_expect(c, item, YAML_SCALAR_NODE, path);
		if (r < 0)
			return r;
		for (unsigned j = 0; j < sk->n_values; j++)
			if (!strcmp(sk->values[j], str(item)))
				return parse_fail(
				    c, item, "%s: value '%s' is already listed at %d:%d", path,
				    str(item), sk->value_marks[j].line, sk->value_marks[j].col);
		sk->value_marks[i] = mark_of(item);
		sk->values[i] = strdup(str(item));
		if (!sk->values[i])
			return parse_oom(c);
		sk->n_values++;
	}
	return 0;
}

int parse_sweep(struct ctx *c, const yaml_node_t *key, const yaml_node_t *n)
{
	struct topo_sweep *sw = &c->m->sweep;
	yaml_node_t *vals[K_SWEEP_N] = {0};
	const yaml_node_t *vary;
	uint64_t repeat = 1, runs;
	int r = parse_expect(c, n, YAML_MAPPING_NODE, "sweep");

	if (r < 0)
		return r;
	c->m->has_sweep = true;
	sw->mark = mark_of(key);
	sw->repeat = 1;
	r = parse_scan_keys(c, n, sweep_keys, NULL, vals);
	if (r < 0)
		return r;
	if (!vals[K_VARY] && !vals[K_REPEAT])
		return parse_fail(c, key, "sweep: nothing to do (expected vary:, repeat: or both)");
	if (vals[K_REPEAT]) {
		r = parse_get_count(c, vals[K_REPEAT], "repeat", TOPO_SWEEP_REPEAT_MAX, true,
				    &repeat);
		if (r < 0)
			return r;
		sw->repeat = (unsigned)repeat;
		sw->repeat_mark = mark_of(vals[K_REPEAT]);
	}
	runs = repeat;
	vary = vals[K_VARY];
	if (!vary)
		return 0;
	r = parse_expect(c, vary, YAML_MAPPING_NODE, "vary");
	if (r < 0)
		return r;
	if (!map_len(vary))
		return parse_fail(
		    c, vary, "vary: no key to vary (leave vary: out to repeat the base scenario)");
	if (map_len(vary) > TOPO_SWEEP_KEYS_MAX)
		return parse_fail(c, vary, "vary: %zu keys, at most %d", map_len(vary),
				  TOPO_SWEEP_KEYS_MAX);
	sw->keys = calloc(map_len(vary), sizeof(*sw->keys));
	if (!sw->keys)
		return parse_oom(c);
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
			return parse_fail(
			    c, k,
			    "sweep: more than %d runs (the combinations times repeat); "
			    "split the sweep",
			    TOPO_SWEEP_RUNS_MAX);
	}
	return 0;
}
