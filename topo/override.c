/* SPDX-License-Identifier: MIT */
/*
 * `--set key=value` on a scenario, applied to the YAML document before the parser sees it,
 * so an overridden value is checked exactly as one written in the file; and the document
 * written back out, which is the run's resolved scenario.
 */
#include "topo/override.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value node of key in a mapping, or 0. */
static int map_get(yaml_document_t *doc, yaml_node_t *map, const char *key, size_t klen,
		   yaml_node_pair_t **ret_pair)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (k && k->type == YAML_SCALAR_NODE && k->data.scalar.length == klen &&
		    !memcmp(k->data.scalar.value, key, klen)) {
			*ret_pair = p;
			return p->value;
		}
	}
	*ret_pair = NULL;
	return 0;
}

/* A node made here has no place in the file: line "0" tells the parser's errors so. */
static int unplaced(yaml_document_t *doc, int id)
{
	yaml_node_t *n = id ? yaml_document_get_node(doc, id) : NULL;

	if (n)
		n->start_mark.line = n->end_mark.line = (size_t)-1;
	return id;
}

static int add_scalar(yaml_document_t *doc, const char *s, size_t len)
{
	return unplaced(doc, yaml_document_add_scalar(doc, NULL, (yaml_char_t *)s, (int)len,
						      YAML_ANY_SCALAR_STYLE));
}

/*
 * A list index: decimal digits only (strtoul would take a sign or blanks, and saturate), and
 * small enough that nothing wraps on the way to the bound check.
 */
static bool index_parse(const char *s, size_t n, size_t *ret)
{
	size_t v = 0;

	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (SIZE_MAX - 9) / 10)
			return false;
		v = v * 10 + (size_t)(s[i] - '0');
	}
	*ret = v;
	return true;
}

/* The length of the valid UTF-8 that starts s (libyaml refuses anything else). */
static size_t utf8_valid_len(const unsigned char *s)
{
	size_t i = 0;

	while (s[i]) {
		unsigned c = s[i], k, cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, cp = c & 0x07;
		else
			return i;
		for (unsigned j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		/* overlong forms, surrogates, beyond U+10FFFF */
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += k + 1;
	}
	return i;
}

int topo_yaml_override(yaml_document_t *doc, const char *assign, char *msg, size_t len)
{
	const char *eq = strchr(assign, '='), *p, *dot;
	yaml_node_t *node = yaml_document_get_root_node(doc);
	int id = 1, vid, kid, depth = 0;
	size_t good = utf8_valid_len((const unsigned char *)assign);

	if (assign[good]) {
		/* The bytes after the valid part would garble the terminal: leave them out. */
		snprintf(msg, len,
			 "--set '%.*s...': byte %zu is not valid UTF-8 (a scenario is "
			 "UTF-8 text)",
			 (int)good, assign, good + 1);
		return -EINVAL;
	}
	if (good > TOPO_SET_LEN_MAX) {
		snprintf(msg, len, "--set '%.32s...': longer than %d bytes", assign,
			 TOPO_SET_LEN_MAX);
		return -EINVAL;
	}
	if (!eq || eq == assign) {
		snprintf(msg, len, "--set '%s': expected key=value (migration.strategy=cold)",
			 assign);
		return -EINVAL;
	}
	if (!node || node->type != YAML_MAPPING_NODE) {
		snprintf(msg, len, "--set '%s': the file has no top-level mapping", assign);
		return -EINVAL;
	}
	for (p = assign; p < eq; p = dot + 1) {
		size_t klen;
		yaml_node_pair_t *pair;
		int next;

		dot = memchr(p, '.', (size_t)(eq - p));
		if (!dot)
			dot = eq;
		klen = (size_t)(dot - p);
		if (!klen) {
			snprintf(msg, len, "--set '%s': an empty part in the key", assign);
			return -EINVAL;
		}
		if (++depth > TOPO_SET_DEPTH_MAX) {
			snprintf(msg, len, "--set '%.*s...': more than %d parts in the key",
				 (int)(p - assign), assign, TOPO_SET_DEPTH_MAX);
			return -EINVAL;
		}
		if (node->type == YAML_SEQUENCE_NODE) {
			size_t n = (size_t)(node->data.sequence.items.top -
					    node->data.sequence.items.start);
			size_t i;

			if (!index_parse(p, klen, &i) || i >= n) {
				snprintf(msg, len,
					 "--set '%s': '%.*s' is not an index of a list of %zu",
					 assign, (int)klen, p, n);
				return -EINVAL;
			}
			next = node->data.sequence.items.start[i];
			if (dot == eq) {
				vid = add_scalar(doc, eq + 1, strlen(eq + 1));
				if (!vid)
					goto oom;
				/* The document may have moved its nodes: find the list again. */
				node = yaml_document_get_node(doc, id);
				node->data.sequence.items.start[i] = vid;
				return 0;
			}
		} else if (node->type == YAML_MAPPING_NODE) {
			next = map_get(doc, node, p, klen, &pair);
			if (dot == eq || !next) {
				/* The last part, or a section the file does not have yet. */
				vid = dot == eq
					  ? add_scalar(doc, eq + 1, strlen(eq + 1))
					  : unplaced(doc, yaml_document_add_mapping(
							      doc, NULL, YAML_ANY_MAPPING_STYLE));
				if (!vid)
					goto oom;
				node = yaml_document_get_node(doc, id);
				if (next) {
					map_get(doc, node, p, klen, &pair);
					pair->value = vid;
				} else {
					kid = add_scalar(doc, p, klen);
					if (!kid ||
					    !yaml_document_append_mapping_pair(doc, id, kid, vid))
						goto oom;
				}
				if (dot == eq)
					return 0;
				next = vid;
			}
		} else {
			snprintf(msg, len, "--set '%s': '%.*s' is inside a plain value", assign,
				 (int)(p - assign - 1), assign);
			return -EINVAL;
		}
		id = next;
		node = yaml_document_get_node(doc, id);
	}
	return 0;
oom:
	snprintf(msg, len, "--set '%s': out of memory", assign);
	return -ENOMEM;
}

static int grow(void *data, unsigned char *buf, size_t size)
{
	struct {
		char *p;
		size_t len, cap;
	} *o = data;

	if (o->len + size + 1 > o->cap) {
		size_t cap = (o->len + size + 1) * 2;
		char *n = realloc(o->p, cap);

		if (!n)
			return 0;
		o->p = n;
		o->cap = cap;
	}
	memcpy(o->p + o->len, buf, size);
	o->len += size;
	o->p[o->len] = '\0';
	return 1;
}

int topo_yaml_dump(yaml_document_t *doc, char **ret, size_t *ret_len)
{
	struct {
		char *p;
		size_t len, cap;
	} out = {NULL, 0, 0};
	yaml_emitter_t em;
	int ok;

	if (!yaml_emitter_initialize(&em)) {
		yaml_document_delete(doc);
		return -ENOMEM;
	}
	yaml_emitter_set_output(&em, grow, &out);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, 96);
	ok = yaml_emitter_open(&em) && yaml_emitter_dump(&em, doc) && yaml_emitter_close(&em);
	yaml_emitter_delete(&em);
	if (!ok || !out.p) {
		free(out.p);
		return -ENOMEM;
	}
	*ret = out.p;
	*ret_len = out.len;
	return 0;
}
