/* SPDX-License-Identifier: MIT */
/*
 * `capture:` and `capture_limit:`: which interfaces the runner records for Wireshark, and how
 * big each file may grow. An item names a node (every interface it will have: its links' and,
 * with radio:, its radio interface) or one interface ("node:ifname", lo too). The list is
 * resolved here into one entry per interface, so the runner never works out interface names
 * itself, and every mistake (an interface the node will not have, one captured twice, two
 * files of one name) is an error at the item's position before anything is built.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/net.h"
#include "topo/parse.h"

/* Each node's interfaces, the links' ends in link order: ends[first[n] .. first[n + 1]). */
struct node_ifs {
	unsigned *first; /* n_nodes + 1 */
	unsigned *ends;	 /* 2 * link + end */
	bool ran;	 /* radio UEs and eNBs get TOPO_RAN_IFNAME: there are both */
};

static void node_ifs_free(struct node_ifs *x)
{
	free(x->first);
	free(x->ends);
}

static int node_ifs_make(const struct topo_model *m, struct node_ifs *ret)
{
	struct node_ifs x = {calloc(m->n_nodes + 1, sizeof(unsigned)),
			     calloc(2 * (size_t)m->n_links + 1, sizeof(unsigned)), false};
	unsigned ues = 0, enbs = 0;

	if (!x.first || !x.ends) {
		node_ifs_free(&x);
		return -ENOMEM;
	}
	for (unsigned l = 0; l < m->n_links; l++)
		for (int e = 0; e < 2; e++)
			x.first[m->links[l].end[e].node + 1]++;
	for (unsigned n = 0; n < m->n_nodes; n++) {
		x.first[n + 1] += x.first[n];
		ues += m->nodes[n].kind == TOPO_UE;
		enbs += m->nodes[n].kind == TOPO_ENB;
	}
	/* Filled from each node's first slot on; first[] moves up by one node on the way. */
	for (unsigned l = 0; l < m->n_links; l++)
		for (unsigned e = 0; e < 2; e++)
			x.ends[x.first[m->links[l].end[e].node]++] = 2 * l + e;
	memmove(x.first + 1, x.first, m->n_nodes * sizeof(unsigned));
	x.first[0] = 0;
	/* As the builder plans them (topo/net.c): only when the run has UEs and eNBs both. */
	x.ran = m->has_radio && ues && enbs;
	*ret = x;
	return 0;
}

static bool has_ran(const struct topo_model *m, const struct node_ifs *x, unsigned node)
{
	return x->ran && (m->nodes[node].kind == TOPO_UE || m->nodes[node].kind == TOPO_ENB);
}

/* A name more in a list being made for an error, "a, b"; cut short with "..." past size. */
static void list_add(char *buf, size_t size, const char *name)
{
	size_t used = strlen(buf);

	if (used + 2 + strlen(name) + 4 < size)
		snprintf(buf + used, size - used, "%s%s", used ? ", " : "", name);
	else if (!strstr(buf, "..."))
		snprintf(buf + used, size - used, "%s", used + 5 < size ? ", ..." : "");
}

/* "eth0, eth1, ran0, lo": what node has, for an error. */
static void list_ifs(const struct topo_model *m, const struct node_ifs *x, unsigned node, char *buf,
		     size_t size)
{
	buf[0] = '\0';
	for (unsigned k = x->first[node]; k < x->first[node + 1]; k++)
		list_add(buf, size, m->links[x->ends[k] / 2].end[x->ends[k] % 2].ifname);
	if (has_ran(m, x, node))
		list_add(buf, size, TOPO_RAN_IFNAME);
	list_add(buf, size, "lo");
}

struct captures {
	struct ctx *c;
	struct node_ifs x;
	struct topo_names seen;	 /* (node, ifname) -> capture index */
	struct topo_names files; /* file name -> capture index */
};

/* Interface ifname of node, for the item n: a new entry, checked against those before. */
static int add(struct captures *s, const yaml_node_t *n, unsigned node, const char *ifname)
{
	struct topo_model *m = s->c->m;
	struct topo_capture *k;
	long first;

	first = topo_names_get(&s->seen, node, ifname);
	if (first >= 0)
		return parse_fail(s->c, n, "capture: '%s:%s' is captured twice (first at %d:%d)",
				  m->nodes[node].name, ifname, m->captures[first].mark.line,
				  m->captures[first].mark.col);
	if (m->n_captures == TOPO_CAPTURES_MAX)
		return parse_fail(s->c, n,
				  "capture: more than %d interfaces; a scenario may capture at "
				  "most %d",
				  TOPO_CAPTURES_MAX, TOPO_CAPTURES_MAX);
	k = &m->captures[m->n_captures];
	*k = (struct topo_capture){.node = node, .mark = mark_of(n)};
	snprintf(k->ifname, sizeof(k->ifname), "%s", ifname);
	snprintf(k->file, sizeof(k->file), "%s-%s.pcap", m->nodes[node].name, ifname);
	/* Node names and interface names may both hold '-': a-b:c and a:b-c share a name. */
	first = topo_names_get(&s->files, 0, k->file);
	if (first >= 0)
		return parse_fail(s->c, n, "capture: '%s:%s' and '%s:%s' would both write pcap/%s",
				  m->nodes[m->captures[first].node].name, m->captures[first].ifname,
				  m->nodes[node].name, ifname, k->file);
	if (topo_names_add(&s->seen, node, k->ifname, m->n_captures) < 0 ||
	    topo_names_add(&s->files, 0, k->file, m->n_captures) < 0)
		return parse_oom(s->c);
	m->n_captures++;
	return 0;
}

/* One item: "node" (each interface it will have but lo) or "node:ifname". */
static int parse_item(struct captures *s, const yaml_node_t *n)
{
	struct topo_model *m = s->c->m;
	char name[TOPO_NAME_MAX + 1], have[160];
	const char *colon, *ifname;
	size_t len;
	unsigned node;
	int i, r = parse_expect(s->c, n, YAML_SCALAR_NODE, "capture");

	if (r < 0)
		return r;
	colon = strchr(str(n), ':');
	len = colon ? (size_t)(colon - str(n)) : strlen(str(n));
	if (len > TOPO_NAME_MAX)
		return parse_fail(s->c, n, "capture: unknown node '%.*s'", (int)len, str(n));
	memcpy(name, str(n), len);
	name[len] = '\0';
	i = parse_node_find(s->c, name);
	if (i < 0)
		return parse_fail(s->c, n, "capture: unknown node '%s'", name);
	node = (unsigned)i;
	if (colon) {
		ifname = colon + 1;
		if (!*ifname)
			return parse_fail(s->c, n, "capture: empty interface name in '%s'", str(n));
		for (unsigned k = s->x.first[node]; k < s->x.first[node + 1]; k++) {
			unsigned e = s->x.ends[k];

			if (!strcmp(m->links[e / 2].end[e % 2].ifname, ifname))
				return add(s, n, node, ifname);
		}
		if (!strcmp(ifname, "lo") ||
		    (has_ran(m, &s->x, node) && !strcmp(ifname, TOPO_RAN_IFNAME)))
			return add(s, n, node, ifname);
		list_ifs(m, &s->x, node, have, sizeof(have));
		return parse_fail(s->c, n, "capture: node '%s' has no interface '%s' (it has: %s)",
				  name, ifname, have);
	}
	if (s->x.first[node] == s->x.first[node + 1] && !has_ran(m, &s->x, node))
		return parse_fail(s->c, n,
				  "capture: node '%s' has no interface but lo (to capture lo: "
				  "'%s:lo')",
				  name, name);
	for (unsigned k = s->x.first[node]; k < s->x.first[node + 1] && r == 0; k++) {
		unsigned e = s->x.ends[k];

		r = add(s, n, node, m->links[e / 2].end[e % 2].ifname);
	}
	if (r == 0 && has_ran(m, &s->x, node))
		r = add(s, n, node, TOPO_RAN_IFNAME);
	return r;
}

static int parse_limit(struct ctx *c, const yaml_node_t *n, uint64_t *ret_bytes)
{
	static const char range[] = "64KiB to 1024GiB";
	uint64_t v;
	int r = parse_expect(c, n, YAML_SCALAR_NODE, "capture_limit");

	if (r < 0)
		return r;
	if (topo_unit_size(str(n), &v) < 0)
		return parse_fail_unit(c, n, "capture_limit", SIZE_UNITS, range);
	if (v < TOPO_CAPTURE_LIMIT_MIN || v > TOPO_CAPTURE_LIMIT_MAX)
		return parse_fail(c, n, "capture_limit: '%s' is out of range (%s)", str(n), range);
	*ret_bytes = v;
	return 0;
}

int parse_capture(struct ctx *c, const yaml_node_t *seq, const yaml_node_t *limit)
{
	struct captures s = {.c = c};
	int r = 0;

	c->m->capture_limit = TOPO_CAPTURE_LIMIT;
	if (limit)
		r = parse_limit(c, limit, &c->m->capture_limit);
	if (r < 0 || !seq)
		return r;
	r = parse_expect(c, seq, YAML_SEQUENCE_NODE, "capture");
	if (r < 0)
		return r;
	/*
	 * Room for the most there may be, at once: the tables borrow the entries' names, which
	 * must not move while they are filled.
	 */
	c->m->captures = calloc(TOPO_CAPTURES_MAX, sizeof(*c->m->captures));
	if (!c->m->captures || node_ifs_make(c->m, &s.x) < 0 || topo_names_init(&s.seen, 16) < 0 ||
	    topo_names_init(&s.files, 16) < 0) {
		r = parse_oom(c);
		goto out;
	}
	for (size_t i = 0; i < seq_len(seq) && r == 0; i++)
		r = parse_item(&s, get(c, seq->data.sequence.items.start[i]));
	/* The tables are gone below: the entries may move now, to their own size. */
	if (r == 0 && c->m->n_captures) {
		struct topo_capture *v =
		    realloc(c->m->captures, c->m->n_captures * sizeof(*c->m->captures));

		c->m->captures = v ? v : c->m->captures;
	}
out:
	node_ifs_free(&s.x);
	topo_names_free(&s.seen);
	topo_names_free(&s.files);
	return r;
}
