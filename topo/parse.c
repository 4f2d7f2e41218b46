/* SPDX-License-Identifier: MIT */
/*
 * Scenario parser: libyaml's document API, then a strict walk over the tree. Every error
 * names file:line:column of the key or value at fault, because users fix files by position.
 * This file has the entry points and the top level; each section's walk is in its own
 * topo/parse_<section>.c, the helpers they share in topo/parse_get.c (see topo/parse.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "topo/names.h"
#include "topo/topo.h"
#include "topo/override.h"
#include "topo/parse.h"

static const char *const top_keys[] = {
    "name",	"seed",	     "duration",      "shaper",	  "nodes",  "links",
    "services", "migration", "radio",	      "mobility", "probes", "sweep",
    "apps",	"capture",   "capture_limit", "traffic",  NULL};
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
	K_APPS,
	K_CAPTURE,
	K_CAPTURE_LIMIT,
	K_TRAFFIC,
	K_TOP_N
};
/*
 * Keys documented in SCENARIO.md but not built yet go here: a clear message beats "unknown
 * key". None today.
 */
static const char *const reserved_keys[] = {NULL};

static const char *const shaper_names[] = {"auto", "netem", "relay", NULL};

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

static int parse_top(struct ctx *c, const yaml_node_t *root)
{
	yaml_node_t *vals[K_TOP_N] = {0};
	struct topo_model *m = c->m;
	int r, e;

	if (!root)
		return parse_fail_at(c, 1, 1, "missing key 'name'");
	if (root->type != YAML_MAPPING_NODE)
		return parse_fail(c, root, "expected a mapping at the top level, got %s",
				  parse_type_name(root));
	r = parse_scan_keys(c, root, top_keys, reserved_keys, vals);
	if (r < 0)
		return r;
	if (!vals[K_NAME])
		return parse_fail_at(c, 1, 1, "missing key 'name'");
	if (!vals[K_NODES])
		return parse_fail_at(c, 1, 1, "missing key 'nodes'");

	r = parse_expect(c, vals[K_NAME], YAML_SCALAR_NODE, "name");
	if (r < 0)
		return r;
	if (!topo_net_name_valid(str(vals[K_NAME])))
		return parse_fail(
		    c, vals[K_NAME],
		    "name: '%s' is not a valid run name ([a-z0-9-], 1 to %d characters, "
		    "not starting with '-')",
		    str(vals[K_NAME]), TOPO_RUN_MAX);
	strcpy(m->name, str(vals[K_NAME]));
	if (vals[K_SEED]) {
		r = parse_get_count(c, vals[K_SEED], "seed", UINT64_MAX, false, &m->seed);
		if (r < 0)
			return r;
		m->has_seed = true;
	}
	if (vals[K_DURATION]) {
		r = parse_get_time(c, vals[K_DURATION], "duration", 0, TOPO_TIME_MAX_NS,
				   &m->duration_ns);
		if (r < 0)
			return r;
	}
	if (vals[K_SHAPER]) {
		r = parse_get_enum(c, vals[K_SHAPER], "shaper", "shaper", shaper_names, &e);
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
	r = parse_name_interfaces(c);
	if (r == 0 && vals[K_SERVICES])
		r = parse_services(c, vals[K_SERVICES]);
	if (r == 0 && vals[K_MIGRATION])
		r = parse_migration(c, vals[K_MIGRATION]);
	if (r == 0 && vals[K_RADIO])
		r = parse_radio(c, key_of(c, root, "radio"), vals[K_RADIO]);
	if (r == 0 && m->has_radio)
		r = parse_check_radio(c, key_of(c, root, "radio"));
	if (r == 0)
		r = parse_check_capacity(c);
	if (r == 0 && vals[K_MOBILITY])
		r = parse_mobility(c, key_of(c, root, "mobility"), vals[K_MOBILITY]);
	if (r == 0 && m->has_radio)
		r = parse_check_ue_positions(c);
	if (r == 0 && vals[K_PROBES])
		r = parse_probes(c, vals[K_PROBES]);
	if (r == 0 && vals[K_APPS])
		r = parse_apps(c, vals[K_APPS]);
	if (r == 0)
		r = parse_capture(c, vals[K_CAPTURE], vals[K_CAPTURE_LIMIT]);
	if (r == 0 && vals[K_TRAFFIC])
		r = parse_traffic(c, vals[K_TRAFFIC]);
	if (r == 0 && vals[K_SWEEP])
		r = parse_sweep(c, key_of(c, root, "sweep"), vals[K_SWEEP]);
	return r;
}

/* libyaml reports reader errors (bad UTF-8, control characters) as a byte offset only. */
static void offset_to_mark(const char *text, size_t len, size_t off, int *ret_line, int *ret_col)
{
	*ret_line = 1;
	*ret_col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (text[i] == '\n') {
			(*ret_line)++;
			*ret_col = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			(*ret_col)++;
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
		return parse_oom(c);
	if (p->error == YAML_READER_ERROR)
		offset_to_mark(text, len, p->problem_offset, &line, &col);
	if (p->context)
		return parse_fail_at(c, line, col, "%s (%s at %d:%d)", p->problem, p->context,
				     (int)p->context_mark.line + 1,
				     (int)p->context_mark.column + 1);
	return parse_fail_at(c, line, col, "%s", p->problem ? p->problem : "invalid YAML");
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
		return parse_oom(c);
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
			r = parse_fail_at(
			    c, line, col,
			    "more than %d YAML values (keys, values, lists, mappings); a "
			    "scenario may have at most that many",
			    TOPO_YAML_NODES_MAX);
			break;
		}
		if (type != YAML_SCALAR_EVENT && type != YAML_ALIAS_EVENT &&
		    ++depth > TOPO_YAML_DEPTH_MAX) {
			r = parse_fail_at(
			    c, line, col,
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
		return parse_oom(&c);
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
		r = parse_fail(&c, yaml_document_get_root_node(&extra),
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
		r = parse_oom(&c);
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
			return parse_oom(&c);
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
