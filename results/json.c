/* SPDX-License-Identifier: MIT */
/*
 * summary.json and meta.json (results/results.h), written and read with json-c: its tokener
 * with a depth limit and our size limit, so a hostile file is an error, not a crash or a
 * stack overflow; numbers written with a fixed number of decimals keep that text.
 */
#include "results/results.h"
#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- reading ---- */

/* The line of text's byte off (1 the first). */
static size_t line_of(const char *text, size_t off)
{
	size_t line = 1;

	for (size_t i = 0; i < off; i++)
		line += text[i] == '\n';
	return line;
}

int results_json_parse(const char *text, size_t len, const char *name, struct json_object **ret,
		       struct results_err *err)
{
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error je;
	struct results_err dummy;
	size_t end;

	err = err ? err : &dummy;
	err->msg[0] = '\0';
	err->skipped = 0;
	if (len > RESULTS_JSON_MAX) {
		snprintf(err->msg, sizeof(err->msg), "%.200s: larger than %u bytes", name,
			 RESULTS_JSON_MAX);
		return -EFBIG;
	}
	tok = json_tokener_new_ex(RESULTS_JSON_DEPTH);
	if (!tok)
		return -ENOMEM;
	o = json_tokener_parse_ex(tok, text, (int)len);
	je = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (je == json_tokener_success) {
		/* One value: what follows it may only be blanks. */
		while (end < len && strchr(" \t\r\n", text[end]) && text[end])
			end++;
		if (end == len) {
			*ret = o;
			return 0;
		}
		json_object_put(o);
		snprintf(err->msg, sizeof(err->msg), "%.200s:%zu: text after the JSON value", name,
			 line_of(text, end));
		return -EINVAL;
	}
	if (je == json_tokener_continue)
		snprintf(err->msg, sizeof(err->msg), "%.200s:%zu: unexpected end of the file", name,
			 line_of(text, len));
	else
		snprintf(err->msg, sizeof(err->msg), "%.200s:%zu: %s", name,
			 line_of(text, end < len ? end : len), json_tokener_error_desc(je));
	return -EINVAL;
}

int results_json_read(const char *dir, const char *name, struct json_object **ret,
		      struct results_err *err)
{
	char path[PATH_MAX], *text;
	size_t len;
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	rc = util_file_read(path, RESULTS_JSON_MAX, &text, &len);
	if (rc == -EFBIG && err)
		snprintf(err->msg, sizeof(err->msg), "%.200s: larger than %u bytes", path,
			 RESULTS_JSON_MAX);
	if (rc < 0)
		return rc;
	rc = results_json_parse(text, len, path, ret, err);
	free(text);
	return rc;
}

/* The value at path (dot-joined keys), null included: false when absent. */
static bool lookup(struct json_object *o, const char *path, struct json_object **ret)
{
	char key[128];

	while (o && json_object_is_type(o, json_type_object)) {
		size_t n = strcspn(path, ".");

		if (n >= sizeof(key))
			return false;
		memcpy(key, path, n);
		key[n] = '\0';
		if (!json_object_object_get_ex(o, key, &o))
			return false;
		if (!path[n]) {
			*ret = o;
			return true;
		}
		path += n + 1;
	}
	return false;
}

struct json_object *results_json_get(struct json_object *o, const char *path)
{
	struct json_object *v = NULL;

	return lookup(o, path, &v) ? v : NULL;
}

bool results_json_has(struct json_object *o, const char *path)
{
	struct json_object *v;

	return lookup(o, path, &v);
}

static bool is_number(const struct json_object *v)
{
	return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

double results_json_double(struct json_object *o, const char *path, double def)
{
	struct json_object *v = results_json_get(o, path);

	return v && is_number(v) ? json_object_get_double(v) : def;
}

int64_t results_json_int(struct json_object *o, const char *path, int64_t def)
{
	struct json_object *v = results_json_get(o, path);

	return v && json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : def;
}

bool results_json_bool(struct json_object *o, const char *path, bool def)
{
	struct json_object *v = results_json_get(o, path);

	return v && json_object_is_type(v, json_type_boolean) ? json_object_get_boolean(v) : def;
}

const char *results_json_str(struct json_object *o, const char *path, const char *def)
{
	struct json_object *v = results_json_get(o, path);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : def;
}

bool results_json_text(struct json_object *o, const char *path, char *buf, size_t len)
{
	struct json_object *v = results_json_get(o, path);
	const char *s;

	if (!v || !len || json_object_is_type(v, json_type_object) ||
	    json_object_is_type(v, json_type_array))
		return false;
	/* A number parsed keeps its text: as written, not as re-printed. */
	s = json_object_get_string(v);
	if (!s || !*s)
		return false;
	snprintf(buf, len, "%s", s);
	return true;
}

/* ---- writing ---- */

/* Adds v as o's key (taking it over): rc when rc < 0 (v freed), 0, or -ENOMEM. */
int results_json_set(struct json_object *o, const char *key, struct json_object *v, int rc)
{
	if (rc < 0 || !o || !v) {
		json_object_put(v);
		return rc < 0 ? rc : -ENOMEM;
	}
	if (json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

int results_json_append(struct json_object *array, struct json_object *v, int rc)
{
	if (rc < 0 || !array || !v) {
		json_object_put(v);
		return rc < 0 ? rc : -ENOMEM;
	}
	if (json_object_array_add(array, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* json-c's null is no object: added as such, only o can fail. */
static int set_null(struct json_object *o, const char *key, int rc)
{
	if (rc < 0)
		return rc;
	if (!o || json_object_object_add(o, key, NULL) < 0)
		return -ENOMEM;
	return 0;
}

int results_json_set_str(struct json_object *o, const char *key, const char *s, int rc)
{
	if (!s)
		return set_null(o, key, rc);
	return results_json_set(o, key, rc < 0 ? NULL : json_object_new_string(s), rc);
}

int results_json_set_fixed(struct json_object *o, const char *key, double v, int decimals, int rc)
{
	char text[64];

	if (!isfinite(v))
		return set_null(o, key, rc);
	snprintf(text, sizeof(text), "%.*f", decimals, v);
	return results_json_set(o, key, rc < 0 ? NULL : json_object_new_double_s(v, text), rc);
}

int results_json_set_int(struct json_object *o, const char *key, int64_t v, int rc)
{
	return results_json_set(o, key, rc < 0 ? NULL : json_object_new_int64(v), rc);
}

int results_json_set_uint(struct json_object *o, const char *key, uint64_t v, int rc)
{
	return results_json_set(o, key, rc < 0 ? NULL : json_object_new_uint64(v), rc);
}

int results_json_set_bool(struct json_object *o, const char *key, bool v, int rc)
{
	return results_json_set(o, key, rc < 0 ? NULL : json_object_new_boolean(v), rc);
}

/* Pretty, with a space after ':', and '/' as itself (paths). */
#define PRINT_FLAGS                                                                                \
	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

int results_json_put(struct results_out *o, struct json_object *j)
{
	size_t len;
	const char *s = json_object_to_json_string_length(j, PRINT_FLAGS, &len);

	if (!s)
		return -ENOMEM;
	results_out_write(o, s, len);
	return results_out_write(o, "\n", 1);
}

int results_json_write(const char *dir, const char *name, struct json_object *j)
{
	struct results_out *o;
	int rc;

	rc = results_out_open(dir, name, RESULTS_OUT_WHOLE, &o);
	if (rc < 0)
		return rc;
	if (results_json_put(o, j) == -ENOMEM && !o->error)
		o->error = -ENOMEM; /* nothing written: the close removes NAME.tmp */
	return results_out_close(o);
}
