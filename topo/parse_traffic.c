/* SPDX-License-Identifier: MIT */
/*
 * Scenario parser: traffic:, the measured TCP flows (edgemu-bulk between two nodes). Each
 * entry's keys are read first; the default names are given once every entry is read, since
 * whether `<from>-<to>` needs its index depends on the entries after it too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/parse.h"

static const char *const flow_keys[] = {"name", "from", "to", "kind", "rate", "at", "until", NULL};
enum { K_NAME, K_FROM, K_TO, K_KIND, K_RATE, K_AT, K_UNTIL, K_FLOW_N };

static const char *const flow_kind_names[] = {"tcp", NULL};

/* A flow's name is a CSV field and part of a file name: no comma, quote, slash or space. */
static bool flow_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > TOPO_FLOW_NAME_MAX || s[0] == '-' || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return false;
	return true;
}

/* A node of the file that traffic can reach: one with a link, or a radio UE. */
static int flow_node(struct ctx *c, const yaml_node_t *v, const char *key, unsigned *ret)
{
	const struct topo_model *m = c->m;
	int node, r = parse_expect(c, v, YAML_SCALAR_NODE, key);

	if (r < 0)
		return r;
	node = parse_node_find(c, str(v));
	if (node < 0)
		return parse_fail(c, v, "%s: unknown node '%s'", key, str(v));
	if (!(m->has_radio && m->nodes[node].kind == TOPO_UE)) {
		bool linked = false;

		for (unsigned l = 0; l < m->n_links && !linked; l++)
			linked = m->links[l].end[0].node == (unsigned)node ||
				 m->links[l].end[1].node == (unsigned)node;
		if (!linked)
			return parse_fail(c, v, "%s: node '%s' has no link, so no address", key,
					  str(v));
	}
	*ret = (unsigned)node;
	return 0;
}

static int parse_flow(struct ctx *c, const yaml_node_t *n, struct topo_flow *f)
{
	yaml_node_t *vals[K_FLOW_N] = {0};
	int kind, r = parse_expect(c, n, YAML_MAPPING_NODE, "traffic");

	if (r < 0)
		return r;
	f->mark = mark_of(n);
	r = parse_scan_keys(c, n, flow_keys, NULL, vals);
	if (r < 0)
		return r;
	if (!vals[K_FROM])
		return parse_fail(c, n, "traffic: missing key 'from' (the sending node)");
	if (!vals[K_TO])
		return parse_fail(c, n, "traffic: missing key 'to' (the receiving node)");
	r = flow_node(c, vals[K_FROM], "from", &f->from);
	if (r == 0)
		r = flow_node(c, vals[K_TO], "to", &f->to);
	if (r < 0)
		return r;
	if (f->from == f->to)
		return parse_fail(c, vals[K_TO], "to: a flow from '%s' to itself", str(vals[K_TO]));
	if (vals[K_NAME]) {
		r = parse_expect(c, vals[K_NAME], YAML_SCALAR_NODE, "name");
		if (r < 0)
			return r;
		if (!flow_name_valid(str(vals[K_NAME])))
			return parse_fail(c, vals[K_NAME],
					  "name: '%s' is not a valid flow name ([A-Za-z0-9_.-], 1 "
					  "to %d characters, starting with a letter or digit)",
					  str(vals[K_NAME]), TOPO_FLOW_NAME_MAX);
		snprintf(f->name, sizeof(f->name), "%s", str(vals[K_NAME]));
	}
	if (vals[K_KIND]) {
		r = parse_get_enum(c, vals[K_KIND], "kind", "kind", flow_kind_names, &kind);
		if (r < 0)
			return r;
		f->kind = (enum topo_flow_kind)kind;
	}
	if (vals[K_RATE]) {
		r = parse_get_rate(c, vals[K_RATE], "rate", true, &f->rate_bps);
		if (r < 0)
			return r;
	}
	if (vals[K_AT]) {
		r = parse_get_time(c, vals[K_AT], "at", 0, TOPO_TIME_MAX_NS, &f->at_ns);
		if (r < 0)
			return r;
	}
	if (vals[K_UNTIL]) {
		r = parse_get_time(c, vals[K_UNTIL], "until", 1, TOPO_TIME_MAX_NS, &f->until_ns);
		if (r < 0)
			return r;
		if (f->until_ns <= f->at_ns)
			return parse_fail(c, vals[K_UNTIL], "until: '%s' is not after at (%s)",
					  str(vals[K_UNTIL]), vals[K_AT] ? str(vals[K_AT]) : "0s");
	}
	return 0;
}

/*
 * The default names, `<from>-<to>`, or `<from>-<to>-<index>` where another flow has that
 * name or is also unnamed from the same node to the same node; then every name once.
 */
static int flow_names(struct ctx *c, const bool *named)
{
	struct topo_model *m = c->m;

	for (unsigned i = 0; i < m->n_flows; i++) {
		struct topo_flow *f = &m->flows[i];
		bool indexed = false;
		char plain[sizeof(f->name)];

		if (named[i])
			continue;
		snprintf(plain, sizeof(plain), "%s-%s", m->nodes[f->from].name,
			 m->nodes[f->to].name);
		for (unsigned j = 0; j < m->n_flows && !indexed; j++) {
			const struct topo_flow *g = &m->flows[j];

			if (j == i)
				continue;
			indexed = named[j] ? !strcmp(g->name, plain)
					   : g->from == f->from && g->to == f->to;
		}
		if (indexed)
			snprintf(f->name, sizeof(f->name), "%.69s-%u", plain, i);
		else
			snprintf(f->name, sizeof(f->name), "%s", plain);
	}
	/* Quadratic, but over at most TOPO_FLOWS_MAX short names. */
	for (unsigned i = 0; i < m->n_flows; i++)
		for (unsigned j = 0; j < i; j++) {
			const struct topo_flow *f = &m->flows[i], *g = &m->flows[j];

			if (strcmp(f->name, g->name))
				continue;
			if (named[i] && named[j])
				return parse_fail_at(c, f->mark.line, f->mark.col,
						     "traffic: a second flow named '%s' (the first "
						     "at %d:%d)",
						     f->name, g->mark.line, g->mark.col);
			/* The one without a name is the one to name. */
			if (named[i]) {
				f = &m->flows[j];
				g = &m->flows[i];
			}
			return parse_fail_at(c, f->mark.line, f->mark.col,
					     "traffic: this flow's default name '%s' is taken by "
					     "the flow at %d:%d; give it a name",
					     f->name, g->mark.line, g->mark.col);
		}
	return 0;
}

/* Each receiver's port is free of the services that listen on TCP (app svc) anywhere. */
static int flow_ports(struct ctx *c)
{
	const struct topo_model *m = c->m;

	for (unsigned s = 0; s < m->n_services; s++) {
		const struct topo_service *sv = &m->services[s];
		unsigned i = (unsigned)sv->port - TOPO_FLOW_PORT;

		if (sv->app != TOPO_APP_SVC || sv->port < TOPO_FLOW_PORT || i >= m->n_flows)
			continue;
		return parse_fail_at(c, m->flows[i].mark.line, m->flows[i].mark.col,
				     "traffic: flow '%s' listens on TCP port %u, which service "
				     "'%s' uses; give the service another port",
				     m->flows[i].name, sv->port, sv->name);
	}
	return 0;
}

int parse_traffic(struct ctx *c, const yaml_node_t *seq)
{
	struct topo_model *m = c->m;
	size_t count;
	bool *named;
	int r = parse_expect_list(c, seq, YAML_SEQUENCE_NODE, "traffic", TOPO_FLOWS_MAX, &count);

	if (r < 0)
		return r;
	m->flows = calloc(count + 1, sizeof(*m->flows));
	named = calloc(count + 1, sizeof(*named));
	if (!m->flows || !named) {
		free(named);
		return parse_oom(c);
	}
	for (size_t i = 0; i < count && r == 0; i++) {
		r = parse_flow(c, get(c, seq->data.sequence.items.start[i]), &m->flows[i]);
		named[i] = m->flows[i].name[0] != '\0';
		m->n_flows += r == 0;
	}
	if (r == 0)
		r = flow_names(c, named);
	if (r == 0)
		r = flow_ports(c);
	free(named);
	return r;
}

const char *topo_flow_kind_name(enum topo_flow_kind k)
{
	return (unsigned)k < sizeof(flow_kind_names) / sizeof(flow_kind_names[0]) - 1
		   ? flow_kind_names[k]
		   : "?";
}
