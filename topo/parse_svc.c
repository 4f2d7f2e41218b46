/* SPDX-License-Identifier: MIT */
/* Scenario parser: services:, migration: and probes:. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "topo/parse.h"

static const char *const service_keys[] = {"vip",   "app",   "port",	"at",
					   "state", "dirty", "command", NULL};
enum { K_VIP, K_APP, K_PORT, K_AT, K_STATE, K_DIRTY, K_COMMAND, K_SERVICE_N };
static const char *const app_names[] = {"echo", "svc", "process", NULL};
static const char *const dirty_keys[] = {"rate", "pattern", "hot", NULL};
enum { K_DIRTY_RATE, K_DIRTY_PATTERN, K_DIRTY_HOT, K_DIRTY_N };
static const char *const pattern_names[] = {"uniform", "hotset", "sequential", NULL};

/* Then one key per policy with parameters (topo/policies.h), named after it. */
static const char *const migration_keys[] = {"policy",	"strategy",	   "steering",
					     "precopy", "tcp_established", NULL};
enum { K_POLICY, K_STRATEGY, K_STEERING, K_PRECOPY, K_TCP_ESTABLISHED, K_MIGRATION_N };
static const char *const steering_names[] = {"ebpf", "route", NULL};

static const char *const probe_keys[] = {"from", "to", "interval", "port", NULL};
enum { K_FROM, K_TO, K_INTERVAL, K_PROBE_PORT, K_PROBE_N };

static int get_u64(struct ctx *c, const yaml_node_t *n, const char *key, const char *units,
		   int (*parse)(const char *, uint64_t *), uint64_t *ret_value)
{
	int r = parse_expect(c, n, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	if (parse(str(n), ret_value) < 0)
		return parse_fail_unit(c, n, key, units, NULL);
	return 0;
}

/* "A.B.C.D" into host byte order. */
static int get_ipv4(struct ctx *c, const yaml_node_t *n, const char *key, uint32_t *ret_addr)
{
	struct in_addr in;
	int r = parse_expect(c, n, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	if (inet_pton(AF_INET, str(n), &in) != 1)
		return parse_fail(c, n, "%s: '%s' is not an IPv4 address (A.B.C.D)", key, str(n));
	*ret_addr = ntohl(in.s_addr);
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
			return parse_fail(c, n, "at: give 1 to %d nodes", TOPO_AT_MAX);
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++)
			items[count++] = get(c, *it);
	} else {
		return parse_fail(c, n, "at: expected a node name or a sequence of them, got %s",
				  parse_type_name(n));
	}
	for (size_t i = 0; i < count; i++) {
		int node, r = parse_expect(c, items[i], YAML_SCALAR_NODE, "at");

		if (r < 0)
			return r;
		node = parse_node_find(c, str(items[i]));
		if (node < 0)
			return parse_fail(c, items[i], "at: unknown node '%s'", str(items[i]));
		for (size_t j = 0; j < i; j++)
			if (svc->at[j] == (unsigned)node)
				return parse_fail(c, items[i], "at: node '%s' is listed twice",
						  str(items[i]));
		svc->at[i] = (unsigned)node;
	}
	svc->n_at = (unsigned)count;
	return 0;
}

/* app svc's `state:`: a size with a unit, whole 4 KiB pages, 4KiB to 64GiB. */
static int parse_state(struct ctx *c, const yaml_node_t *n, uint64_t *ret_bytes)
{
	uint64_t v;
	int r = get_u64(c, n, "state", SIZE_UNITS, topo_unit_size, &v);

	if (r < 0)
		return r;
	if (v < TOPO_STATE_MIN || v > TOPO_STATE_MAX)
		return parse_fail(c, n, "state: '%s' is not between 4KiB and 64GiB", str(n));
	/* edgemu-svc's state is in pages; the migration moves pages. */
	if (v % TOPO_PAGE_SIZE)
		return parse_fail(c, n, "state: '%s' is not a whole number of 4KiB pages", str(n));
	*ret_bytes = v;
	return 0;
}

/* Pages per second, written "N/s": the unit says what is counted and per what. */
static int get_page_rate(struct ctx *c, const yaml_node_t *n, uint64_t *ret_rate)
{
	const char *s;
	size_t digits;
	uint64_t v = 0;
	int r = parse_expect(c, n, YAML_SCALAR_NODE, "rate");

	if (r < 0)
		return r;
	s = str(n);
	digits = strspn(s, "0123456789");
	if (digits && !s[digits])
		return parse_fail(c, n, "rate: '%s' needs a unit (pages per second: %s/s)", s, s);
	if (!digits || strcmp(s + digits, "/s"))
		return parse_fail(
		    c, n, "rate: '%s' is not a page rate (pages per second, as in 2000/s)", s);
	for (size_t i = 0; i < digits; i++) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > TOPO_DIRTY_RATE_MAX)
			return parse_fail(c, n, "rate: '%s' is too large (at most %llu/s)", s,
					  (unsigned long long)TOPO_DIRTY_RATE_MAX);
	}
	*ret_rate = v;
	return 0;
}

/* The hot set: a percentage above 0 and up to 100, kept in parts per million. */
static int get_hot(struct ctx *c, const yaml_node_t *n, uint32_t *ret_ppm)
{
	const char *s;
	double f;
	size_t len;
	int r = parse_expect(c, n, YAML_SCALAR_NODE, "hot");

	if (r < 0)
		return r;
	s = str(n);
	len = topo_unit_number_len(s);
	if (topo_unit_percent(s, &f) < 0) {
		if (!len || s[0] == '-' || strcmp(s + len, "%"))
			return parse_fail_unit(c, n, "hot", "%", NULL);
		goto range;
	}
	/* Rounded to a part per million, the finest edgemu-svc's --hot takes. */
	f = f * TOPO_PPM + 0.5;
	if (f < 1)
		goto range;
	*ret_ppm = (uint32_t)f;
	return 0;
range:
	return parse_fail(c, n, "hot: '%s' is not above 0%% and at most 100%%", s);
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
		r = parse_get_enum(c, vals[K_DIRTY_PATTERN], "pattern", "pattern", pattern_names,
				   &pattern);
		if (r < 0)
			return r;
		svc->dirty_pattern = (enum topo_pattern)pattern;
	}
	if (vals[K_DIRTY_HOT]) {
		if (svc->dirty_pattern != TOPO_PATTERN_HOTSET)
			return parse_fail(c, vals[K_DIRTY_HOT], "hot: only with pattern: hotset");
		r = get_hot(c, vals[K_DIRTY_HOT], &svc->hot_ppm);
		if (r < 0)
			return r;
	}
	return 0;
}

/* app process's `command:`, the program it is, which no other app takes. */
static int parse_service_command(struct ctx *c, const yaml_node_t *k, const yaml_node_t *v,
				 const yaml_node_t *cmd, int app, struct topo_service *svc)
{
	if (app != TOPO_APP_PROCESS) {
		if (cmd)
			return parse_fail(c, cmd, "command: only for app: process");
		return 0;
	}
	if (!cmd)
		return parse_fail(c, v,
				  "service '%s': app: process needs key 'command' (the program to "
				  "run, as in command: \"redis-server --port 7000\")",
				  str(k));
	svc->command_mark = mark_of(cmd);
	return parse_command(c, cmd, "command", &svc->command, &svc->argv, &svc->argc);
}

static int parse_service(struct ctx *c, const yaml_node_t *k, const yaml_node_t *v,
			 struct topo_service *svc)
{
	yaml_node_t *vals[K_SERVICE_N] = {0};
	uint64_t port = 7000;
	int app = TOPO_APP_ECHO, r;

	if (v->type != YAML_MAPPING_NODE)
		return parse_fail(c, v, "service '%s': expected a mapping, got %s", str(k),
				  parse_type_name(v));
	r = parse_scan_keys(c, v, service_keys, NULL, vals);
	if (r < 0)
		return r;
	if (!vals[K_VIP])
		return parse_fail(c, v, "service '%s': missing key 'vip'", str(k));
	if (!vals[K_AT])
		return parse_fail(c, v,
				  "service '%s': missing key 'at' (the node of its first instance)",
				  str(k));
	r = get_ipv4(c, vals[K_VIP], "vip", &svc->vip);
	if (r < 0)
		return r;
	if (parse_unusable(svc->vip))
		return parse_fail(c, vals[K_VIP], "vip: '%s' cannot be a service's address: %s",
				  str(vals[K_VIP]), parse_unusable(svc->vip));
	if (vals[K_APP]) {
		r = parse_get_enum(c, vals[K_APP], "app", "app", app_names, &app);
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
		return parse_fail(c, vals[K_STATE], "state: only for app: svc");
	} else if (vals[K_DIRTY]) {
		return parse_fail(c, vals[K_DIRTY], "dirty: only for app: svc");
	}
	r = parse_service_command(c, k, v, vals[K_COMMAND], app, svc);
	if (r < 0)
		return r;
	if (vals[K_PORT]) {
		r = parse_get_count(c, vals[K_PORT], "port", 65535, true, &port);
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
	svc->app_mark = vals[K_APP] ? mark_of(vals[K_APP]) : (struct topo_mark){0, 0};
	return 0;
}

int parse_services(struct ctx *c, const yaml_node_t *map)
{
	struct topo_model *m = c->m;
	size_t count;
	int r = parse_expect_list(c, map, YAML_MAPPING_NODE, "services", TOPO_SERVICES_MAX, &count);

	if (r < 0)
		return r;
	m->services = calloc(count + 1, sizeof(*m->services));
	if (!m->services || topo_names_init(&c->services, count) < 0)
		return parse_oom(c);
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = get(c, p->key), *v = get(c, p->value);
		struct topo_service *svc = &m->services[m->n_services];
		int i;

		r = parse_expect_key(c, k, "a service name");
		if (r < 0)
			return r;
		if (!parse_node_name_valid(str(k)))
			return parse_fail(
			    c, k,
			    "invalid service name '%s' ([A-Za-z0-9_-], starting with a "
			    "letter or digit, at most %d bytes)",
			    str(k), TOPO_NAME_MAX);
		i = (int)topo_names_get(&c->services, 0, str(k));
		if (i >= 0)
			return parse_fail(c, k, "duplicate service '%s' (first defined at %d:%d)",
					  str(k), m->services[i].mark.line,
					  m->services[i].mark.col);
		r = parse_service(c, k, v, svc);
		for (unsigned j = 0; r == 0 && j < m->n_services; j++) {
			char ip[INET_ADDRSTRLEN];
			struct in_addr in = {htonl(svc->vip)};

			if (m->services[j].vip != svc->vip)
				continue;
			inet_ntop(AF_INET, &in, ip, sizeof(ip));
			r = parse_fail_at(c, svc->vip_mark.line, svc->vip_mark.col,
					  "vip: %s is already the vip of service '%s'", ip,
					  m->services[j].name);
		}
		if (r == 0 && topo_names_add(&c->services, 0, svc->name, m->n_services) < 0)
			r = parse_oom(c);
		/* Not counted: topo_model_free() would not see what a failed one holds. */
		if (r < 0) {
			free(svc->command);
			free(svc->argv);
			return r;
		}
		m->n_services++;
	}
	return 0;
}

/* A policy's section: its keys and values as its description says (topo/policies.h). */
static int parse_policy_params(struct ctx *c, const yaml_node_t *n,
			       const struct topo_policy_desc *d, uint64_t ret_vals[])
{
	const char *keys[TOPO_POLICY_PARAMS_MAX + 1] = {0};
	yaml_node_t *sub[TOPO_POLICY_PARAMS_MAX] = {0};
	uint64_t v[TOPO_POLICY_PARAMS_MAX] = {0};
	int r;

	for (unsigned i = 0; i < d->n_params; i++)
		keys[i] = d->params[i].key;
	r = parse_params(c, n, d->name, keys, sub);
	for (unsigned i = 0; r == 0 && i < d->n_params; i++) {
		const struct topo_param_desc *p = &d->params[i];

		if (!sub[i])
			continue;
		if (p->type == TOPO_PARAM_T_COUNT)
			r = parse_get_count(c, sub[i], p->key, p->max, p->min > 0, &v[i]);
		else
			r = parse_get_time(c, sub[i], p->key, p->min, p->max, &v[i]);
	}
	if (r < 0)
		return r;
	memcpy(ret_vals, v, sizeof(v));
	return 0;
}

/* The policy, strategy and steering names; the sections of pre-copy and of the policies. */
int parse_migration(struct ctx *c, const yaml_node_t *n)
{
	static const char *const precopy_keys[] = {"max_rounds", "stop_below", NULL};
	const char *keys[K_MIGRATION_N + TOPO_POLICY_N + 1];
	yaml_node_t *vals[K_MIGRATION_N + TOPO_POLICY_N] = {0}, *sub[2];
	struct topo_migration *mg = &c->m->migration;
	unsigned n_keys = 0, policy_of[TOPO_POLICY_N];
	int e, r = parse_expect(c, n, YAML_MAPPING_NODE, "migration");

	if (r < 0)
		return r;
	for (; migration_keys[n_keys]; n_keys++)
		keys[n_keys] = migration_keys[n_keys];
	for (unsigned p = 0; p < TOPO_POLICY_N; p++) {
		if (!topo_policies[p].n_params)
			continue;
		policy_of[n_keys - K_MIGRATION_N] = p;
		keys[n_keys++] = topo_policies[p].name;
	}
	keys[n_keys] = NULL;
	r = parse_scan_keys(c, n, keys, NULL, vals);
	if (r < 0)
		return r;
	if (vals[K_POLICY]) {
		r = parse_get_enum(c, vals[K_POLICY], "policy", "policy", topo_policy_names, &e);
		if (r < 0)
			return r;
		mg->policy = (enum topo_policy)e;
	}
	if (vals[K_STRATEGY]) {
		r = parse_get_enum(c, vals[K_STRATEGY], "strategy", "strategy", topo_strategy_names,
				   &e);
		if (r < 0)
			return r;
		mg->strategy = (enum topo_strategy)e;
	}
	if (vals[K_STEERING]) {
		r = parse_get_enum(c, vals[K_STEERING], "steering", "steering", steering_names, &e);
		if (r < 0)
			return r;
		mg->steering = (enum topo_steering)e;
	}
	if (vals[K_PRECOPY]) {
		sub[0] = sub[1] = NULL;
		r = parse_params(c, vals[K_PRECOPY], "precopy", precopy_keys, sub);
		if (r == 0 && sub[0])
			r = parse_get_count(c, sub[0], "max_rounds", 1000000, true,
					    &mg->precopy_max_rounds);
		if (r == 0 && sub[1])
			r = parse_get_count(c, sub[1], "stop_below", UINT32_MAX, false,
					    &mg->precopy_stop_below);
		if (r < 0)
			return r;
	}
	if (vals[K_TCP_ESTABLISHED]) {
		static const char *const no_yes[] = {"false", "true", NULL};

		r = parse_get_enum(c, vals[K_TCP_ESTABLISHED], "tcp_established",
				   "value for tcp_established", no_yes, &e);
		if (r < 0)
			return r;
		mg->tcp_established = e == 1;
	}
	for (unsigned k = K_MIGRATION_N; k < n_keys; k++) {
		unsigned p = policy_of[k - K_MIGRATION_N];

		if (!vals[k])
			continue;
		r = parse_policy_params(c, vals[k], &topo_policies[p], mg->params[p]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_probe(struct ctx *c, const yaml_node_t *n, struct topo_probe *pr)
{
	struct topo_model *m = c->m;
	yaml_node_t *vals[K_PROBE_N] = {0};
	const char *to;
	uint64_t port;
	int from, node, svc, r = parse_expect(c, n, YAML_MAPPING_NODE, "probes");

	if (r < 0)
		return r;
	pr->mark = mark_of(n);
	r = parse_scan_keys(c, n, probe_keys, NULL, vals);
	if (r < 0)
		return r;
	if (!vals[K_FROM])
		return parse_fail(c, n, "probe: missing key 'from'");
	if (!vals[K_TO])
		return parse_fail(c, n, "probe: missing key 'to' (a service or a node)");
	r = parse_expect(c, vals[K_FROM], YAML_SCALAR_NODE, "from");
	if (r == 0)
		r = parse_expect(c, vals[K_TO], YAML_SCALAR_NODE, "to");
	if (r < 0)
		return r;
	from = parse_node_find(c, str(vals[K_FROM]));
	if (from < 0)
		return parse_fail(c, vals[K_FROM], "from: unknown node '%s'", str(vals[K_FROM]));
	pr->from = (unsigned)from;
	to = str(vals[K_TO]);
	svc = (int)topo_names_get(&c->services, 0, to);
	node = parse_node_find(c, to);
	if (svc >= 0 && node >= 0)
		return parse_fail(c, vals[K_TO], "to: '%s' is both a service and a node", to);
	if (svc < 0 && node < 0)
		return parse_fail(c, vals[K_TO], "to: '%s' is neither a service nor a node", to);
	if (node == from)
		return parse_fail(c, vals[K_TO], "to: a probe from '%s' to itself", to);
	pr->to_service = svc >= 0;
	pr->to = (unsigned)(svc >= 0 ? svc : node);
	pr->port = pr->to_service ? m->services[svc].port : TOPO_PROBE_PORT;
	if (vals[K_PROBE_PORT]) {
		if (pr->to_service)
			return parse_fail(
			    c, vals[K_PROBE_PORT],
			    "port: only for a node target (service '%s' has its port)", to);
		r = parse_get_count(c, vals[K_PROBE_PORT], "port", 65535, true, &port);
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
			return parse_fail(c, vals[K_INTERVAL],
					  "interval: '%s' is not between 1ms and 1h",
					  str(vals[K_INTERVAL]));
	}
	return 0;
}

int parse_probes(struct ctx *c, const yaml_node_t *seq)
{
	struct topo_model *m = c->m;
	size_t count;
	int r = parse_expect_list(c, seq, YAML_SEQUENCE_NODE, "probes", TOPO_PROBES_MAX, &count);

	if (r < 0)
		return r;
	m->probes = calloc(count + 1, sizeof(*m->probes));
	if (!m->probes)
		return parse_oom(c);
	for (size_t i = 0; i < count; i++) {
		r = parse_probe(c, get(c, seq->data.sequence.items.start[i]), &m->probes[i]);
		if (r < 0)
			return r;
		m->n_probes++;
	}
	return 0;
}

/* Here rather than in model.c: the parser's tables are the names. */
const char *topo_app_name(enum topo_app a)
{
	if ((unsigned)a > TOPO_APP_PROCESS)
		return "?";
	return app_names[a];
}

const char *topo_pattern_name(enum topo_pattern p)
{
	if ((unsigned)p > TOPO_PATTERN_SEQUENTIAL)
		return "?";
	return pattern_names[p];
}
