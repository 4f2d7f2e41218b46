/* SPDX-License-Identifier: MIT */
/* A3 handover with time-to-trigger, radio link failure and interruption; see handover.h. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "mobility/handover.h"

#define NOT_BETTER UINT64_MAX

struct mob_ho {
	struct mob_ho_params p;
	unsigned n_cells;
	int serving;
	bool ticked;
	uint64_t last_ns;
	uint64_t link_at_ns;
	/* Per cell: the first tick of its current unbroken A3 run, or NOT_BETTER. */
	uint64_t since_ns[];
};

int mob_ho_new(const struct mob_ho_params *p, unsigned n_cells, struct mob_ho **ret)
{
	struct mob_ho *h;

	if (!n_cells || !isfinite(p->hysteresis_db) || p->hysteresis_db < 0 ||
	    isnan(p->min_signal_dbm) || p->min_signal_dbm == INFINITY)
		return -EINVAL;
	h = calloc(1, sizeof(*h) + n_cells * sizeof(h->since_ns[0]));
	if (!h)
		return -ENOMEM;
	h->p = *p;
	h->n_cells = n_cells;
	h->serving = -1;
	for (unsigned i = 0; i < n_cells; i++)
		h->since_ns[i] = NOT_BETTER;
	*ret = h;
	return 0;
}

void mob_ho_free(struct mob_ho *h)
{
	free(h);
}

/* NaN compares false, so it never gives a link. */
static bool usable(const struct mob_ho *h, double signal_dbm)
{
	return signal_dbm >= h->p.min_signal_dbm;
}

/* The strongest cell that gives a link, other than skip; ties go to the lower index. */
static int strongest(const struct mob_ho *h, const double *signal_dbm, int skip)
{
	int best = -1;

	for (unsigned i = 0; i < h->n_cells; i++)
		if ((int)i != skip && usable(h, signal_dbm[i]) &&
		    (best < 0 || signal_dbm[i] > signal_dbm[best]))
			best = (int)i;
	return best;
}

static int change(struct mob_ho *h, uint64_t now_ns, int to, enum mob_ho_reason reason,
		  struct mob_ho_event *ret)
{
	uint64_t link_at = now_ns;

	if (reason == MOB_HO_A3 || reason == MOB_HO_RLF)
		link_at = now_ns > UINT64_MAX - h->p.interruption_ns
			      ? UINT64_MAX
			      : now_ns + h->p.interruption_ns;
	*ret = (struct mob_ho_event){
	    .t_ns = now_ns, .from = h->serving, .to = to, .reason = reason, .link_at_ns = link_at};
	h->serving = to;
	h->link_at_ns = link_at;
	/* A3 compares against the serving cell: a new one starts every timer afresh. */
	for (unsigned i = 0; i < h->n_cells; i++)
		h->since_ns[i] = NOT_BETTER;
	return 1;
}

int mob_ho_tick(struct mob_ho *h, uint64_t now_ns, const double *signal_dbm,
		struct mob_ho_event *ret)
{
	double serving;
	int pick = -1;

	if (h->ticked && now_ns < h->last_ns)
		return -EINVAL;
	h->ticked = true;
	h->last_ns = now_ns;

	if (h->serving < 0) {
		pick = strongest(h, signal_dbm, -1);
		return pick < 0 ? 0 : change(h, now_ns, pick, MOB_HO_ATTACH, ret);
	}
	serving = signal_dbm[h->serving];
	if (!usable(h, serving)) {
		pick = strongest(h, signal_dbm, h->serving);
		return change(h, now_ns, pick, pick < 0 ? MOB_HO_DETACH : MOB_HO_RLF, ret);
	}
	for (unsigned i = 0; i < h->n_cells; i++) {
		double s = signal_dbm[i];

		if ((int)i == h->serving)
			continue;
		if (!usable(h, s) || !(s > serving + h->p.hysteresis_db)) {
			h->since_ns[i] = NOT_BETTER;
			continue;
		}
		if (h->since_ns[i] == NOT_BETTER)
			h->since_ns[i] = now_ns;
		if (now_ns - h->since_ns[i] >= h->p.ttt_ns && (pick < 0 || s > signal_dbm[pick]))
			pick = (int)i;
	}
	return pick < 0 ? 0 : change(h, now_ns, pick, MOB_HO_A3, ret);
}

int mob_ho_serving(const struct mob_ho *h)
{
	return h->serving;
}

bool mob_ho_link_up(const struct mob_ho *h, uint64_t now_ns)
{
	return h->serving >= 0 && now_ns >= h->link_at_ns;
}

const char *mob_ho_reason_name(enum mob_ho_reason r)
{
	static const char *const names[] = {
	    [MOB_HO_ATTACH] = "attach",
	    [MOB_HO_A3] = "a3",
	    [MOB_HO_RLF] = "rlf",
	    [MOB_HO_DETACH] = "detach",
	};

	if ((unsigned)r >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[r];
}
