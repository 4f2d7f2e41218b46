/* SPDX-License-Identifier: MIT */
/*
 * Radio links: with `radio:`, every UE gets one link to every eNB, made here after the file
 * is parsed so that everything that reads the model (planner, builder, show, check) sees them
 * as links. Which of them carries traffic is the runner's decision: a radio link starts
 * with no link at all (100% loss each way) and the UE with no routes; the runner shapes the
 * serving cell's link from the signal and attaches the UE to it (topo_net_ue_attach).
 *
 * Interface names, unique per node and at most 15 bytes:
 *   on the UE, the eNB's name (ue1:enb2), or r<k> when that name does not fit or is taken,
 *	k being the eNB's index among the eNBs of `nodes:` (0 for the first);
 *   on the eNB, the UE's name (enb2:ue1), or u<k>, k the UE's index among the UEs.
 * "lo", "all" and "default" are never used (the loopback, /proc/sys/net/ipv4/conf/...).
 * A fallback name that is taken too gets "-1", "-2", ... appended.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/names.h"
#include "topo/topo.h"

/* Whether node has an interface named name (on a link made so far). */
static bool taken(const struct topo_names *ifs, unsigned node, const char *name)
{
	return topo_names_get(ifs, node, name) >= 0;
}

static void radio_ifname(const struct topo_names *ifs, unsigned node, const char *peer, char prefix,
			 unsigned index, char out[TOPO_IFNAME_MAX + 1])
{
	if (strlen(peer) <= TOPO_IFNAME_MAX && strcmp(peer, "lo") && strcmp(peer, "all") &&
	    strcmp(peer, "default") && !taken(ifs, node, peer)) {
		strcpy(out, peer);
		return;
	}
	snprintf(out, TOPO_IFNAME_MAX + 1, "%c%u", prefix, index);
	for (unsigned k = 1; taken(ifs, node, out); k++)
		snprintf(out, TOPO_IFNAME_MAX + 1, "%c%u-%u", prefix, index, k);
}

int topo_radio_links_add(struct topo_model *m)
{
	unsigned n_ue = 0, n_enb = 0, n, ue_k = 0;
	struct topo_names ifs;
	struct topo_link *v;
	int r;

	if (!m->has_radio)
		return 0;
	for (unsigned i = 0; i < m->n_nodes; i++) {
		n_ue += m->nodes[i].kind == TOPO_UE;
		n_enb += m->nodes[i].kind == TOPO_ENB;
	}
	if (!n_ue || !n_enb)
		return 0;
	/* The parser bounds both; this keeps the sizes below from wrapping whoever calls. */
	if ((uint64_t)n_ue * n_enb > TOPO_RADIO_LINKS_MAX || m->n_links > TOPO_LINKS_MAX)
		return -E2BIG;
	v = realloc(m->links, ((size_t)m->n_links + (size_t)n_ue * n_enb) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	m->links = v;
	n = m->n_links;
	/* Every interface name so far, per node: the names below must differ from them. */
	r = topo_names_init(&ifs, 2 * ((size_t)n + (size_t)n_ue * n_enb));
	for (unsigned l = 0; r == 0 && l < n; l++)
		for (int e = 0; r == 0 && e < 2; e++)
			r = topo_names_add(&ifs, m->links[l].end[e].node, m->links[l].end[e].ifname,
					   l);
	if (r < 0)
		goto out;
	/* UE by UE in the order of nodes:, each with every eNB in that order. */
	for (unsigned u = 0; u < m->n_nodes; u++) {
		unsigned enb_k = 0;

		if (m->nodes[u].kind != TOPO_UE)
			continue;
		for (unsigned b = 0; b < m->n_nodes; b++) {
			struct topo_link *k = &m->links[n];

			if (m->nodes[b].kind != TOPO_ENB)
				continue;
			memset(k, 0, sizeof(*k));
			k->radio = true;
			k->mark = m->radio.mark;
			k->end[0].node = u;
			k->end[0].mark = m->radio.mark;
			radio_ifname(&ifs, u, m->nodes[b].name, 'r', enb_k, k->end[0].ifname);
			k->end[1].node = b;
			k->end[1].mark = m->radio.mark;
			radio_ifname(&ifs, b, m->nodes[u].name, 'u', ue_k, k->end[1].ifname);
			/* No link until the runner attaches the UE and shapes the link. */
			for (int d = 0; d < 2; d++) {
				k->dir[d].delay_ns = m->radio.delay_ns;
				k->dir[d].loss.model = TOPO_LOSS_RANDOM;
				k->dir[d].loss.p = 1.0;
			}
			/* Counted as made, so the next names see this one. */
			r = topo_names_add(&ifs, u, k->end[0].ifname, n);
			if (r == 0)
				r = topo_names_add(&ifs, b, k->end[1].ifname, n);
			m->n_links = ++n;
			if (r < 0)
				goto out;
			enb_k++;
		}
		ue_k++;
	}
out:
	topo_names_free(&ifs);
	return r;
}

bool topo_ue_is_radio(const struct topo_model *m, unsigned node)
{
	return m->has_radio && node < m->n_nodes && m->nodes[node].kind == TOPO_UE;
}

/* Radio link l against (ue, enb) in the order topo_radio_links_add() makes them. */
static int cmp_pair(const struct topo_link *l, unsigned ue, unsigned enb)
{
	if (l->end[0].node != ue)
		return l->end[0].node < ue ? -1 : 1;
	if (l->end[1].node != enb)
		return l->end[1].node < enb ? -1 : 1;
	return 0;
}

/*
 * Called at every attach and handover, so not a scan of 100000 links: the radio links come
 * last, ordered by UE then eNB (both in node order), which a binary search finds. A model
 * made otherwise still gets its answer from the scan.
 */
int topo_ue_radio_link(const struct topo_model *m, unsigned ue, unsigned enb)
{
	unsigned lo = 0, hi = m->n_links;

	/* The first radio link: wired links come first. */
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (m->links[mid].radio)
			hi = mid;
		else
			lo = mid + 1;
	}
	hi = m->n_links;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		int c = cmp_pair(&m->links[mid], ue, enb);

		if (!c && m->links[mid].radio)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (unsigned l = 0; l < m->n_links; l++)
		if (m->links[l].radio && m->links[l].end[0].node == ue &&
		    m->links[l].end[1].node == enb)
			return (int)l;
	return -1;
}
