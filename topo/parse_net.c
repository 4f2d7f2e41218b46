/* SPDX-License-Identifier: MIT */
/* Scenario parser: nodes: and links: (endpoints, addresses, shaping per direction). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/parse.h"

static const char *const node_keys[] = {"kind", "pos", "capacity", NULL};
enum { K_KIND, K_POS, K_CAPACITY, K_NODE_N };
/* In the order of topo_node.capacity_bps. */
static const char *const capacity_keys[] = {"down", "up", NULL};

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
static const char *const dist_names[] = {"normal", "uniform", "pareto", NULL};

static int parse_pos(struct ctx *c, const yaml_node_t *n, struct topo_node *node)
{
	int r = parse_get_pos(c, n, "pos", node->pos);

	if (r < 0)
		return r;
	node->has_pos = true;
	return 0;
}

/*
 * An eNB's `capacity:`: a rate for both directions, or `{ down: RATE, up: RATE }`, each
 * optional; 0bit or absent: unlimited (so a sweep or --set can lift it).
 */
static int parse_capacity(struct ctx *c, const char *name, const yaml_node_t *n,
			  struct topo_node *node, unsigned index)
{
	yaml_node_t *vals[2] = {0};
	int r;

	if (node->kind != TOPO_ENB)
		return parse_fail(c, n,
				  "capacity: '%s' is of kind %s; only a cell (kind enb) has a "
				  "capacity",
				  name, topo_kind_name(node->kind));
	node->capacity_mark = mark_of(n);
	if (!c->capacity_node)
		c->capacity_node = index + 1;
	if (n->type == YAML_SCALAR_NODE) {
		r = parse_get_rate(c, n, "capacity", true, &node->capacity_bps[0]);
		node->capacity_bps[1] = node->capacity_bps[0];
		return r;
	}
	if (n->type != YAML_MAPPING_NODE)
		return parse_fail(c, n,
				  "capacity: expected a rate or a mapping { down: RATE, up: "
				  "RATE }, got %s",
				  parse_type_name(n));
	r = parse_scan_keys(c, n, capacity_keys, NULL, vals);
	for (int d = 0; r == 0 && d < 2; d++)
		if (vals[d])
			r = parse_get_rate(c, vals[d], capacity_keys[d], true,
					   &node->capacity_bps[d]);
	return r;
}

/* A capacity is shared by a cell's UEs: without radio: there is no cell. */
int parse_check_capacity(struct ctx *c)
{
	const struct topo_node *n;

	if (c->m->has_radio || !c->capacity_node)
		return 0;
	n = &c->m->nodes[c->capacity_node - 1];
	return parse_fail_at(
	    c, n->capacity_mark.line, n->capacity_mark.col,
	    "capacity: the cell of eNB '%s' needs radio: (without it UEs are wired "
	    "and no cell shares a capacity)",
	    n->name);
}

int parse_nodes(struct ctx *c, const yaml_node_t *map)
{
	struct topo_model *m = c->m;
	size_t count;
	int r = parse_expect_list(c, map, YAML_MAPPING_NODE, "nodes", TOPO_NODES_MAX, &count);

	if (r < 0)
		return r;
	if (!count)
		return parse_fail(c, map, "nodes: at least one node is needed");
	m->nodes = calloc(count, sizeof(*m->nodes));
	if (!m->nodes || topo_names_init(&c->nodes, count) < 0)
		return parse_oom(c);
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = get(c, p->key), *v = get(c, p->value);
		yaml_node_t *vals[K_NODE_N] = {0};
		struct topo_node *node = &m->nodes[m->n_nodes];
		int kind, i;

		r = parse_expect_key(c, k, "a node name");
		if (r < 0)
			return r;
		if (!parse_node_name_valid(str(k)))
			return parse_fail(
			    c, k,
			    "invalid node name '%s' ([A-Za-z0-9_-], starting with a letter "
			    "or digit, at most %d bytes)",
			    str(k), TOPO_NAME_MAX);
		i = parse_node_find(c, str(k));
		if (i >= 0)
			return parse_fail(c, k, "duplicate node '%s' (first defined at %d:%d)",
					  str(k), m->nodes[i].mark.line, m->nodes[i].mark.col);
		if (v->type != YAML_MAPPING_NODE)
			return parse_fail(c, v, "node '%s': expected a mapping, got %s", str(k),
					  parse_type_name(v));
		r = parse_scan_keys(c, v, node_keys, NULL, vals);
		if (r < 0)
			return r;
		if (!vals[K_KIND])
			return parse_fail(c, v, "node '%s': missing key 'kind'", str(k));
		r = parse_get_enum(c, vals[K_KIND], "kind", "kind", kind_names, &kind);
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
		if (vals[K_CAPACITY]) {
			r = parse_capacity(c, str(k), vals[K_CAPACITY], node, m->n_nodes);
			if (r < 0)
				return r;
		}
		if (topo_names_add(&c->nodes, 0, node->name, m->n_nodes) < 0)
			return parse_oom(c);
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
		r = parse_get_percent(c, n, "loss", &loss->p);
		if (r < 0)
			return r;
		/* "0%" means no loss, so an override can switch the link's loss off. */
		loss->model = loss->p > 0 ? TOPO_LOSS_RANDOM : TOPO_LOSS_NONE;
		return 0;
	}
	if (n->type != YAML_MAPPING_NODE)
		return parse_fail(c, n, "loss: expected a percentage or a mapping, got %s",
				  parse_type_name(n));
	r = parse_scan_keys(c, n, loss_keys, NULL, vals);
	if (r < 0)
		return r;
	if (!vals[K_MODEL])
		return parse_fail(c, n, "loss: missing key 'model'");
	r = parse_get_enum(c, vals[K_MODEL], "model", "loss model",
			   (const char *const[]){"random", "gilbert", NULL}, &model);
	if (r < 0)
		return r;
	if (!vals[K_P])
		return parse_fail(c, n, "loss: missing key 'p'");
	if (model == 0) {
		for (int i = K_R; i < K_LOSS_N; i++)
			if (vals[i])
				return parse_fail(c, vals[i],
						  "loss: '%s' is only valid with model gilbert",
						  loss_keys[i]);
		loss->model = TOPO_LOSS_RANDOM;
		return parse_get_percent(c, vals[K_P], "p", &loss->p);
	}
	if (!vals[K_R])
		return parse_fail(c, n, "loss: missing key 'r' (model gilbert needs p and r)");
	loss->model = TOPO_LOSS_GILBERT;
	loss->h = 0;
	loss->k = 1;
	for (int i = K_P; i < K_LOSS_N; i++) {
		double *dst[] = {
		    [K_P] = &loss->p, [K_R] = &loss->r, [K_H] = &loss->h, [K_K] = &loss->k};

		if (vals[i]) {
			r = parse_get_percent(c, vals[i], loss_keys[i], dst[i]);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int parse_shape(struct ctx *c, struct shape_in *in)
{
	yaml_node_t **v = in->vals;
	int r = 0;

	if (v[K_DELAY])
		r = parse_get_time(c, v[K_DELAY], "delay", 0, TOPO_DELAY_MAX_NS, &in->s.delay_ns);
	if (!r && v[K_JITTER])
		r = parse_get_time(c, v[K_JITTER], "jitter", 0, TOPO_JITTER_MAX_NS,
				   &in->s.jitter_ns);
	if (!r && v[K_DIST]) {
		int d;

		r = parse_get_enum(c, v[K_DIST], "distribution", "distribution", dist_names, &d);
		if (!r)
			in->s.dist = (enum topo_dist)(d + TOPO_DIST_NORMAL);
	}
	if (!r && v[K_LOSS])
		r = parse_loss(c, v[K_LOSS], &in->s.loss);
	if (!r && v[K_RATE])
		r = parse_get_rate(c, v[K_RATE], "rate", true, &in->s.rate_bps);
	if (!r && v[K_LIMIT]) {
		uint64_t limit;

		r = parse_get_count(c, v[K_LIMIT], "limit", UINT32_MAX, true, &limit);
		if (!r)
			in->s.limit = (uint32_t)limit;
	}
	if (!r && v[K_TRACE])
		r = parse_get_path(c, v[K_TRACE], "trace", &in->s.trace);
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
			return parse_oom(c);
	}
	return 0;
}

static int check_ifname(struct ctx *c, const yaml_node_t *n, const char *ifname)
{
	size_t len = strlen(ifname);

	if (!len)
		return parse_fail(c, n, "empty interface name in '%s'", str(n));
	if (len > TOPO_IFNAME_MAX)
		return parse_fail(c, n, "interface name '%s' is %zu bytes; Linux allows at most %d",
				  ifname, len, TOPO_IFNAME_MAX);
	if (ifname[strcspn(ifname, "/: \t\n\r\v\f")])
		return parse_fail(
		    c, n, "interface name '%s' must not contain '/', ':' or whitespace", ifname);
	if (!strcmp(ifname, "lo") || !strcmp(ifname, ".") || !strcmp(ifname, ".."))
		return parse_fail(c, n, "interface name '%s' is reserved", ifname);
	return 0;
}

static int parse_endpoint(struct ctx *c, const yaml_node_t *n, struct topo_if *end)
{
	char name[TOPO_NAME_MAX + 1];
	const char *s, *colon;
	size_t len;
	int i, r = parse_expect(c, n, YAML_SCALAR_NODE, "endpoints");

	if (r < 0)
		return r;
	s = str(n);
	colon = strchr(s, ':');
	len = colon ? (size_t)(colon - s) : strlen(s);
	if (len > TOPO_NAME_MAX)
		return parse_fail(c, n, "unknown node '%.*s' in endpoint", (int)len, s);
	memcpy(name, s, len);
	name[len] = '\0';
	i = parse_node_find(c, name);
	if (i < 0)
		return parse_fail(c, n, "unknown node '%s' in endpoint", name);
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

		return parse_fail(c, n, "interface '%s' of node '%s' is already used at %d:%d",
				  end->ifname, name, o->mark.line, o->mark.col);
	}
	return 0;
}

/*
 * Why a (host order) address cannot be an interface's or a VIP, or NULL. 0.0.0.0/8 also
 * stands for "no address" in the plan (topo/plan.c), so it must never get there.
 */
const char *parse_unusable(uint32_t a)
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
	int r = parse_expect(c, n, YAML_SCALAR_NODE, "addr");

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
	if (parse_unusable(end->addr))
		return parse_fail(c, n, "addr: '%s' cannot be an interface's address: %s", s,
				  parse_unusable(end->addr));
	return 0;
bad:
	return parse_fail(c, n,
			  "addr: '%s' is not an IPv4 address with prefix length (A.B.C.D/len) or "
			  "'auto'",
			  s);
}

static int parse_pair(struct ctx *c, const yaml_node_t *n, const char *key, const char *what,
		      struct topo_link *l,
		      int (*one)(struct ctx *, const yaml_node_t *, struct topo_if *))
{
	int r = parse_expect(c, n, YAML_SEQUENCE_NODE, key);

	if (r < 0)
		return r;
	if (seq_len(n) != 2)
		return parse_fail(c, n, "%s: expected 2 %s, got %zu", key, what, seq_len(n));
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
	int r = parse_expect(c, n, YAML_MAPPING_NODE, "links");

	if (r < 0)
		return r;
	l->mark = mark_of(n);
	r = parse_scan_keys(c, n, link_keys, NULL, vals);
	if (r < 0)
		return r;
	if (!vals[K_ENDPOINTS])
		return parse_fail(c, n, "link: missing key 'endpoints'");
	r = parse_pair(c, vals[K_ENDPOINTS], "endpoints", "endpoints", l, parse_endpoint);
	if (r < 0)
		return r;
	if (l->end[0].node == l->end[1].node)
		return parse_fail(c, get(c, vals[K_ENDPOINTS]->data.sequence.items.start[1]),
				  "link from node '%s' to itself",
				  c->m->nodes[l->end[0].node].name);
	for (int e = 0; e < 2; e++)
		if (l->end[e].ifname_set &&
		    topo_names_add(&c->ifs, l->end[e].node, l->end[e].ifname,
				   2 * c->link + (unsigned)e) < 0)
			return parse_oom(c);
	memcpy(in[0].vals, vals, sizeof(in[0].vals));
	for (int i = 1; i < 3; i++) {
		yaml_node_t *d = vals[i == 1 ? K_UP : K_DOWN];

		if (!d)
			continue;
		r = parse_expect(c, d, YAML_MAPPING_NODE, i == 1 ? "up" : "down");
		if (!r)
			r = parse_scan_keys(c, d, shape_keys, NULL, in[i].vals);
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
			r = parse_fail(c, dist_node, "distribution: only valid with jitter");
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
int parse_name_interfaces(struct ctx *c)
{
	struct topo_model *m = c->m;
	unsigned *next = calloc(m->n_nodes, sizeof(*next));

	if (!next)
		return parse_oom(c);
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

int parse_links(struct ctx *c, const yaml_node_t *seq)
{
	struct topo_model *m = c->m;
	size_t count;
	int r = parse_expect_list(c, seq, YAML_SEQUENCE_NODE, "links", TOPO_LINKS_MAX, &count);

	if (r < 0)
		return r;
	if (!count)
		return 0;
	m->links = calloc(count, sizeof(*m->links));
	if (!m->links || topo_names_init(&c->ifs, count) < 0)
		return parse_oom(c);
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
