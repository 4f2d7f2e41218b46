/* SPDX-License-Identifier: MIT */
/*
 * Scenario parser: apps:, the programs the runner starts in nodes; and their programs looked
 * up before anything is built (topo_apps_resolve()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "topo/parse.h"
#include "util/words.h"

static const char *const app_keys[] = {"name", "node", "run", "at", "until", NULL};
enum { K_APP_NAME, K_APP_NODE, K_APP_RUN, K_APP_AT, K_APP_UNTIL, K_APP_N };

/* A file name in the results' apps/ folder: no '/', no hidden or special name. */
static bool app_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > TOPO_APP_NAME_MAX || s[0] == '.')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == n;
}

int parse_command(struct ctx *c, const yaml_node_t *v, const char *key, char **ret_line,
		  char ***ret_argv, unsigned *ret_argc)
{
	struct util_words_err we;
	size_t n;
	int r = parse_expect(c, v, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	if (v->data.scalar.length > TOPO_APP_RUN_MAX)
		return parse_fail(c, v, "%s: %zu bytes long; a command line may have at most %d",
				  key, v->data.scalar.length, TOPO_APP_RUN_MAX);
	r = util_words_split(str(v), ret_argv, &n, &we);
	if (r == -ENOMEM)
		return parse_oom(c);
	if (r < 0)
		return parse_fail(c, v, "%s: %s (at character %zu of '%s')", key, we.why,
				  we.off + 1, str(v));
	*ret_argc = (unsigned)n;
	if (!n)
		return parse_fail(c, v, "%s: a command line is needed, got '%s'", key, str(v));
	*ret_line = strdup(str(v));
	return *ret_line ? 0 : parse_oom(c);
}

static int parse_app_run(struct ctx *c, const yaml_node_t *v, struct topo_prog *a)
{
	a->run_mark = mark_of(v);
	return parse_command(c, v, "run", &a->run, &a->argv, &a->argc);
}

static int parse_app(struct ctx *c, const yaml_node_t *n, unsigned index, struct topo_prog *a)
{
	yaml_node_t *vals[K_APP_N] = {0};
	int node, r = parse_expect(c, n, YAML_MAPPING_NODE, "apps");

	if (r < 0)
		return r;
	a->mark = mark_of(n);
	r = parse_scan_keys(c, n, app_keys, NULL, vals);
	if (r < 0)
		return r;
	if (!vals[K_APP_NODE])
		return parse_fail(c, n, "app: missing key 'node'");
	if (!vals[K_APP_RUN])
		return parse_fail(c, n, "app: missing key 'run' (its command line)");
	r = parse_expect(c, vals[K_APP_NODE], YAML_SCALAR_NODE, "node");
	if (r < 0)
		return r;
	node = parse_node_find(c, str(vals[K_APP_NODE]));
	if (node < 0)
		return parse_fail(c, vals[K_APP_NODE], "node: unknown node '%s'",
				  str(vals[K_APP_NODE]));
	a->node = (unsigned)node;
	if (vals[K_APP_NAME]) {
		r = parse_expect(c, vals[K_APP_NAME], YAML_SCALAR_NODE, "name");
		if (r < 0)
			return r;
		if (!app_name_valid(str(vals[K_APP_NAME])))
			return parse_fail(
			    c, vals[K_APP_NAME],
			    "name: '%s' is not a valid app name ([A-Za-z0-9_.-], 1 to "
			    "%d characters, not starting with '.')",
			    str(vals[K_APP_NAME]), TOPO_APP_NAME_MAX);
		strcpy(a->name, str(vals[K_APP_NAME]));
	} else {
		snprintf(a->name, sizeof(a->name), "%s-%u", c->m->nodes[node].name, index);
	}
	r = parse_app_run(c, vals[K_APP_RUN], a);
	if (r == 0 && vals[K_APP_AT])
		r = parse_get_time(c, vals[K_APP_AT], "at", 0, TOPO_TIME_MAX_NS, &a->at_ns);
	if (r == 0 && vals[K_APP_UNTIL])
		r = parse_get_time(c, vals[K_APP_UNTIL], "until", 1, TOPO_TIME_MAX_NS,
				   &a->until_ns);
	if (r == 0 && vals[K_APP_UNTIL] && a->until_ns <= a->at_ns)
		r = parse_fail(c, vals[K_APP_UNTIL], "until: '%s' is not after at (%s)",
			       str(vals[K_APP_UNTIL]), vals[K_APP_AT] ? str(vals[K_APP_AT]) : "0s");
	return r;
}

int parse_apps(struct ctx *c, const yaml_node_t *seq)
{
	struct topo_model *m = c->m;
	size_t count;
	int r = parse_expect_list(c, seq, YAML_SEQUENCE_NODE, "apps", TOPO_APPS_MAX, &count);

	if (r < 0)
		return r;
	m->apps = calloc(count + 1, sizeof(*m->apps));
	if (!m->apps)
		return parse_oom(c);
	for (size_t i = 0; i < count; i++) {
		const yaml_node_t *n = get(c, seq->data.sequence.items.start[i]);
		struct topo_prog *a = &m->apps[i];

		/* Counted first: topo_model_free() frees what a failed entry holds. */
		m->n_apps++;
		r = parse_app(c, n, (unsigned)i, a);
		if (r < 0)
			return r;
		/* Quadratic, within TOPO_APPS_MAX: a million comparisons at worst. */
		for (size_t j = 0; j < i; j++)
			if (!strcmp(m->apps[j].name, a->name))
				return parse_fail(
				    c, n, "apps: two apps named '%s' (the first at %d:%d)", a->name,
				    m->apps[j].mark.line, m->apps[j].mark.col);
	}
	return 0;
}

/* "file:line:col" of a mark, or "file: --set" for a value an override put there. */
static int fail_at(struct topo_err *err, const struct topo_model *m, struct topo_mark k, int r,
		   const char *key, const char *word, const char *why)
{
	if (k.line <= 0)
		return topo_err_set(err, r, "%s: --set: %s: program '%s' %s", m->file, key, word,
				    why);
	return topo_err_set(err, r, "%s:%d:%d: %s: program '%s' %s", m->file, k.line, k.col, key,
			    word, why);
}

/* A regular file this process may execute: 0, -ENOENT, -EACCES. */
static int executable(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0)
		return -EACCES;
	return 0;
}

/* prog in each folder of path, as execvp() searches it (an empty entry is the cwd). */
static int search(const char *prog, const char *path, char **ret)
{
	int best = -ENOENT;

	for (const char *p = path;; p += strcspn(p, ":") + 1) {
		size_t len = strcspn(p, ":");
		char *full;
		int r;

		if (asprintf(&full, "%.*s%s%s", (int)len, len ? p : ".", "/", prog) < 0)
			return -ENOMEM;
		r = executable(full);
		if (r == 0) {
			*ret = full;
			return 0;
		}
		free(full);
		/* Found but not executable is the better thing to say than not found. */
		if (r == -EACCES)
			best = r;
		if (!p[len])
			return best;
	}
}

int topo_program_find(const char *prog, char **ret_path)
{
	const char *path = getenv("PATH");
	char *full = NULL;
	int r;

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	if (strchr(prog, '/')) {
		r = executable(prog);
		if (r == 0 && !(full = strdup(prog)))
			r = -ENOMEM;
	} else {
		r = *prog ? search(prog, path, &full) : -ENOENT;
	}
	if (r == 0)
		*ret_path = full;
	return r;
}

/* One program (argv[0] of key's value at mark) into *path; err says why not. */
static int resolve(const struct topo_model *m, const char *prog, struct topo_mark mark,
		   const char *key, char **path, struct topo_err *err)
{
	char *full = NULL;
	int r = topo_program_find(prog, &full);

	if (r == -ENOMEM)
		return topo_err_set(err, r, "out of memory");
	if (r == -EACCES)
		return fail_at(err, m, mark, r, key, prog, "is not an executable file");
	if (r < 0)
		return fail_at(err, m, mark, r, key, prog,
			       strchr(prog, '/') ? "does not exist" : "is not found in $PATH");
	free(*path);
	*path = full;
	return 0;
}

int topo_apps_resolve(struct topo_model *m, struct topo_err *err)
{
	int r = 0;

	for (unsigned i = 0; r == 0 && i < m->n_apps; i++)
		r = resolve(m, m->apps[i].argv[0], m->apps[i].run_mark, "run", &m->apps[i].path,
			    err);
	/* A process service's program too: its instances start as the network is built. */
	for (unsigned i = 0; r == 0 && i < m->n_services; i++) {
		struct topo_service *s = &m->services[i];

		if (s->app == TOPO_APP_PROCESS)
			r = resolve(m, s->argv[0], s->command_mark, "command", &s->path, err);
	}
	return r;
}
