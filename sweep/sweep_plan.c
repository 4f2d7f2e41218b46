/* SPDX-License-Identifier: MIT */
/*
 * A sweep's plan: the cross product of the varied values (the first key varies slowest),
 * each combination repeated with seeds derived from the base seed, a folder per run; every
 * combination checked against the scenario before anything runs, errors at the position of
 * the value at fault.
 */
#include "sweep/sweep.h"

#include "util/text.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_str(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* a is the path b, or lies inside it ("links.0.rate" in "links.0"). */
static bool path_within(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen >= blen && !strncmp(a, b, blen) && (alen == blen || a[blen] == '.');
}

static int check_fixed(const struct topo_sweep *sw, const char *set, struct topo_err *err)
{
	const char *eq = strchr(set, '=');
	size_t len = eq ? (size_t)(eq - set) : strlen(set);

	if (path_within(set, len, "seed", 4))
		return topo_err_set(err, -EINVAL,
				    "--set '%s': the seed is the sweep's (--seed N: repetition r "
				    "runs with seed N + r)",
				    set);
	if (path_within(set, len, "name", 4))
		return topo_err_set(err, -EINVAL, "--set '%s': edgemu sweep names its runs", set);
	for (unsigned k = 0; k < sw->n_keys; k++) {
		const char *p = sw->keys[k].path;

		if (path_within(set, len, p, strlen(p)) || path_within(p, strlen(p), set, len))
			return topo_err_set(err, -EINVAL,
					    "--set '%s': %s is varied by the sweep (at %d:%d)", set,
					    p, sw->keys[k].mark.line, sw->keys[k].mark.col);
	}
	return 0;
}

/* A value as part of a folder name: letters, digits, '.', '+'; anything else '_'. */
static size_t slug(char *dst, size_t room, const char *s)
{
	size_t n = 0;

	for (; *s && n + 1 < room; s++)
		dst[n++] = ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			    (*s >= '0' && *s <= '9') || *s == '.' || *s == '+')
			       ? *s
			       : '_';
	dst[n] = '\0';
	return n;
}

static int combo_fill(struct sweep_plan *p, unsigned c)
{
	struct sweep_combo *co = &p->combos[c];
	unsigned rest = c, width = 1;
	size_t n;

	co->value = calloc(p->n_keys ? p->n_keys : 1, sizeof(*co->value));
	co->sets = calloc(p->n_keys ? p->n_keys : 1, sizeof(*co->sets));
	if (!co->value || !co->sets)
		return -ENOMEM;
	/* The last key varies fastest. */
	for (unsigned k = p->n_keys; k-- > 0;) {
		co->value[k] = rest % p->n_values[k];
		rest /= p->n_values[k];
	}
	for (unsigned t = p->n_combos; t >= 10; t /= 10)
		width++;
	n = (size_t)snprintf(co->id, sizeof(co->id), "c%0*u", (int)width, c + 1);
	for (unsigned k = 0; k < p->n_keys; k++) {
		const char *v = p->values[k][co->value[k]];
		size_t len = strlen(p->paths[k]) + strlen(v) + 2;

		co->sets[k] = malloc(len);
		if (!co->sets[k])
			return -ENOMEM;
		snprintf(co->sets[k], len, "%s=%s", p->paths[k], v);
		if (n + 2 < sizeof(co->id)) {
			co->id[n++] = '-';
			n += slug(co->id + n, sizeof(co->id) - n, v);
		}
	}
	return 0;
}

uint64_t sweep_seed(uint64_t base, unsigned rep)
{
	return base + rep;
}

int sweep_plan_new(const struct topo_sweep *sw, uint64_t base_seed, const char *const *fixed,
		   size_t n_fixed, struct sweep_plan **ret, struct topo_err *err)
{
	struct sweep_plan *p;
	int r;

	for (size_t i = 0; i < n_fixed; i++) {
		r = check_fixed(sw, fixed[i], err);
		if (r < 0)
			return r;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		goto oom;
	p->n_keys = sw->n_keys;
	p->repeat = sw->repeat ? sw->repeat : 1;
	p->base_seed = base_seed;
	p->mark = sw->mark;
	p->paths = calloc(sw->n_keys + 1, sizeof(*p->paths));
	p->values = calloc(sw->n_keys + 1, sizeof(*p->values));
	p->n_values = calloc(sw->n_keys + 1, sizeof(*p->n_values));
	p->key_marks = calloc(sw->n_keys + 1, sizeof(*p->key_marks));
	p->value_marks = calloc(sw->n_keys + 1, sizeof(*p->value_marks));
	p->fixed = calloc(n_fixed + 1, sizeof(*p->fixed));
	if (!p->paths || !p->values || !p->n_values || !p->key_marks || !p->value_marks ||
	    !p->fixed)
		goto oom;
	for (size_t i = 0; i < n_fixed; i++) {
		p->fixed[i] = dup_str(fixed[i]);
		if (!p->fixed[i])
			goto oom;
		p->n_fixed++;
	}
	p->n_combos = 1;
	for (unsigned k = 0; k < sw->n_keys; k++) {
		const struct topo_sweep_key *sk = &sw->keys[k];

		p->paths[k] = dup_str(sk->path);
		p->values[k] = calloc(sk->n_values, sizeof(**p->values));
		p->value_marks[k] = calloc(sk->n_values, sizeof(**p->value_marks));
		if (!p->paths[k] || !p->values[k] || !p->value_marks[k])
			goto oom;
		p->key_marks[k] = sk->mark;
		for (unsigned v = 0; v < sk->n_values; v++) {
			p->values[k][v] = dup_str(sk->values[v]);
			if (!p->values[k][v])
				goto oom;
			p->value_marks[k][v] = sk->value_marks[v];
			p->n_values[k]++;
		}
		p->n_combos *= sk->n_values;
	}
	if ((uint64_t)p->n_combos * p->repeat > TOPO_SWEEP_RUNS_MAX) {
		sweep_plan_free(p);
		return topo_err_set(err, -EINVAL, "more than %d runs", TOPO_SWEEP_RUNS_MAX);
	}
	p->combos = calloc(p->n_combos, sizeof(*p->combos));
	p->runs = calloc((size_t)p->n_combos * p->repeat, sizeof(*p->runs));
	if (!p->combos || !p->runs)
		goto oom;
	for (unsigned c = 0; c < p->n_combos; c++)
		if (combo_fill(p, c) < 0)
			goto oom;
	/* Repetition after repetition: a sweep stopped half way has compared every combination. */
	for (unsigned r0 = 0; r0 < p->repeat; r0++)
		for (unsigned c = 0; c < p->n_combos; c++) {
			struct sweep_run *run = &p->runs[p->n_runs++];

			run->combo = c;
			run->rep = r0;
			run->seed = sweep_seed(base_seed, r0);
			snprintf(run->dir, sizeof(run->dir), "%s/rep-%u", p->combos[c].id, r0);
		}
	*ret = p;
	return 0;
oom:
	sweep_plan_free(p);
	return topo_err_set(err, -ENOMEM, "out of memory");
}

void sweep_plan_free(struct sweep_plan *p)
{
	if (!p)
		return;
	for (unsigned k = 0; p->paths && k < p->n_keys; k++) {
		free(p->paths[k]);
		for (unsigned v = 0; p->values[k] && v < p->n_values[k]; v++)
			free(p->values[k][v]);
		free(p->values[k]);
		free(p->value_marks[k]);
	}
	for (unsigned c = 0; p->combos && c < p->n_combos; c++) {
		for (unsigned k = 0; p->combos[c].sets && k < p->n_keys; k++)
			free(p->combos[c].sets[k]);
		free(p->combos[c].sets);
		free(p->combos[c].value);
	}
	for (size_t i = 0; p->fixed && i < p->n_fixed; i++)
		free(p->fixed[i]);
	free(p->fixed);
	free(p->combos);
	free(p->runs);
	free(p->paths);
	free(p->values);
	free(p->n_values);
	free(p->key_marks);
	free(p->value_marks);
	free(p);
}

size_t sweep_run_sets(const struct sweep_plan *p, const struct sweep_run *r, const char **sets,
		      size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_fixed && n < max; i++)
		sets[n++] = p->fixed[i];
	for (unsigned k = 0; k < p->n_keys && n < max; k++)
		sets[n++] = p->combos[r->combo].sets[k];
	return n;
}

void sweep_run_name(char *buf, size_t len, const char *base, unsigned tag, unsigned i)
{
	char b[9];
	size_t n;

	snprintf(b, sizeof(b), "%s", base && *base ? base : "sweep");
	n = strlen(b);
	while (n > 1 && b[n - 1] == '-')
		b[--n] = '\0';
	snprintf(buf, len, "%s-%04x-%u", b, tag & 0xffff, i);
}

void sweep_combo_label(const struct sweep_plan *p, unsigned c, unsigned from, char *buf, size_t len)
{
	size_t n = 0;

	if (len)
		buf[0] = '\0';
	for (unsigned k = from; k < p->n_keys && n < len; k++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", k > from ? ", " : "",
				      p->values[k][p->combos[c].value[k]]);
	if (from >= p->n_keys && len)
		snprintf(buf, len, "%s", p->n_keys ? "-" : "base");
}

/* ---- checking ---- */

/*
 * A parse error of a scenario with --set applied, without the file's name in front: "why",
 * or "at L:C: why" when the fault shows at a place in the file.
 */
static const char *inner_msg(const char *msg, const char *fname, char *buf, size_t len)
{
	size_t fl = strlen(fname);
	const char *s = msg;

	if (!strncmp(s, fname, fl) && s[fl] == ':') {
		s += fl + 1;
		if (*s == ' ') {
			s++;
		} else {
			snprintf(buf, len, "at %s", s);
			return buf;
		}
	}
	if (!strncmp(s, "--set: ", 7)) {
		s += 7;
	} else if (!strncmp(s, "--set '", 7)) {
		const char *end = strstr(s, "': ");

		if (end)
			s = end + 3;
	}
	return s;
}

/* Whether what is wrong is the path rather than the value. */
static bool path_fault(const char *why)
{
	return !strncmp(why, "unknown key", 11) || strstr(why, "is not an index") ||
	       strstr(why, "inside a plain value") || strstr(why, "an empty part");
}

static int parse_with(const char *text, size_t len, const char *fname, const char **sets, size_t n,
		      uint64_t *ret_duration, struct topo_err *err)
{
	struct topo_parse_opts o = {.sets = sets, .n_sets = n};
	struct topo_model *m;
	int r = topo_parse_string_opts(text, len, fname, &o, &m, err);

	if (r < 0)
		return r;
	/* edgemu run's default when the file has no duration:. */
	if (ret_duration)
		*ret_duration = m->duration_ns ? m->duration_ns : 30000000000ULL;
	topo_model_free(m);
	return 0;
}

int sweep_plan_check(struct sweep_plan *p, const char *text, size_t len, const char *fname,
		     struct topo_err *err)
{
	const char *sets[SWEEP_SETS_MAX + TOPO_SWEEP_KEYS_MAX];
	struct topo_err e;
	char buf[TOPO_ERR_MAX];
	size_t nf = p->n_fixed < SWEEP_SETS_MAX ? p->n_fixed : SWEEP_SETS_MAX;
	int r;

	for (size_t i = 0; i < nf; i++)
		sets[i] = p->fixed[i];
	/* The fixed sets alone: their errors are edgemu run's. */
	r = parse_with(text, len, fname, sets, nf, NULL, err);
	if (r < 0)
		return r;
	/* Each value alone, so a bad one is named at its place. */
	for (unsigned k = 0; k < p->n_keys; k++)
		for (unsigned v = 0; v < p->n_values[k]; v++) {
			char set[1024];
			const char *why;
			struct topo_mark mk;

			snprintf(set, sizeof(set), "%s=%s", p->paths[k], p->values[k][v]);
			sets[nf] = set;
			r = parse_with(text, len, fname, sets, nf + 1, NULL, &e);
			if (r == -ENOMEM)
				return topo_err_set(err, r, "out of memory");
			if (r == 0)
				continue;
			why = inner_msg(e.msg, fname, buf, sizeof(buf));
			mk = path_fault(why) ? p->key_marks[k] : p->value_marks[k][v];
			return topo_err_set(err, -EINVAL, "%s:%d:%d: sweep: %s: %s", fname, mk.line,
					    mk.col, set, why);
		}
	/* Then every combination: values may be valid alone and not together. */
	for (unsigned c = 0; c < p->n_combos; c++) {
		struct sweep_run run = {.combo = c};
		size_t n = sweep_run_sets(p, &run, sets, sizeof(sets) / sizeof(sets[0]));
		char label[512];

		r = parse_with(text, len, fname, sets, n, &p->combos[c].duration_ns, &e);
		if (r == -ENOMEM)
			return topo_err_set(err, r, "out of memory");
		if (r == 0)
			continue;
		label[0] = '\0';
		for (unsigned k = 0, l = 0; k < p->n_keys && l < sizeof(label); k++)
			l += (unsigned)snprintf(label + l, sizeof(label) - l, "%s%s", k ? " " : "",
						p->combos[c].sets[k]);
		return topo_err_set(err, -EINVAL, "%s:%d:%d: sweep: combination %s: %s", fname,
				    p->mark.line, p->mark.col, label,
				    inner_msg(e.msg, fname, buf, sizeof(buf)));
	}
	return 0;
}

/* ---- identity and plan.json ---- */

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
	const unsigned char *s = data;

	for (size_t i = 0; i < len; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
	return fnv(h, s, strlen(s) + 1);
}

uint64_t sweep_plan_id(const struct sweep_plan *p, const char *text, size_t len)
{
	uint64_t h = fnv(0xcbf29ce484222325ULL, text, len);
	char seed[32];

	for (size_t i = 0; i < p->n_fixed; i++)
		h = fnv_str(h, p->fixed[i]);
	for (unsigned i = 0; i < p->n_runs; i++) {
		const struct sweep_run *r = &p->runs[i];

		snprintf(seed, sizeof(seed), "%" PRIu64, r->seed);
		h = fnv_str(h, r->dir);
		h = fnv_str(h, seed);
		for (unsigned k = 0; k < p->n_keys; k++)
			h = fnv_str(h, p->combos[r->combo].sets[k]);
	}
	return h;
}

void sweep_plan_write_json(FILE *f, const struct sweep_plan *p, const char *file, uint64_t id)
{
	fputs("{\n  \"scenario\": ", f);
	util_json_str(f, file);
	fprintf(f,
		",\n  \"plan_id\": \"%016" PRIx64 "\",\n  \"base_seed\": %" PRIu64
		",\n  \"repeat\": %u,\n  \"seed_rule\": \"base_seed + rep\",\n  \"set\": [",
		id, p->base_seed, p->repeat);
	for (size_t i = 0; i < p->n_fixed; i++) {
		fputs(i ? ", " : "", f);
		util_json_str(f, p->fixed[i]);
	}
	fputs("],\n  \"vary\": {", f);
	for (unsigned k = 0; k < p->n_keys; k++) {
		fputs(k ? ", " : "", f);
		util_json_str(f, p->paths[k]);
		fputs(": [", f);
		for (unsigned v = 0; v < p->n_values[k]; v++) {
			fputs(v ? ", " : "", f);
			util_json_str(f, p->values[k][v]);
		}
		fputc(']', f);
	}
	fputs("},\n  \"combinations\": [\n", f);
	for (unsigned c = 0; c < p->n_combos; c++) {
		fputs("    {\"id\": ", f);
		util_json_str(f, p->combos[c].id);
		fputs(", \"set\": [", f);
		for (unsigned k = 0; k < p->n_keys; k++) {
			fputs(k ? ", " : "", f);
			util_json_str(f, p->combos[c].sets[k]);
		}
		fprintf(f, "], \"duration_s\": %.3f}%s\n", (double)p->combos[c].duration_ns / 1e9,
			c + 1 < p->n_combos ? "," : "");
	}
	fputs("  ],\n  \"runs\": [\n", f);
	for (unsigned i = 0; i < p->n_runs; i++) {
		const struct sweep_run *r = &p->runs[i];

		fprintf(f, "    {\"run\": %u, \"combination\": ", i);
		util_json_str(f, p->combos[r->combo].id);
		fprintf(f, ", \"rep\": %u, \"seed\": %" PRIu64 ", \"dir\": ", r->rep, r->seed);
		util_json_str(f, r->dir);
		fprintf(f, "}%s\n", i + 1 < p->n_runs ? "," : "");
	}
	fputs("  ]\n}\n", f);
}
