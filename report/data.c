/* SPDX-License-Identifier: MIT */
/* What the charts and the summary read off the rows: handovers, migration spans, phases. */
#include "report/internal.h"

#include <stdio.h>
#include <string.h>

bool report_is_handover(const struct ev_row *e)
{
	/* The first attach (and a re-attach after losing every cell) is no handover. */
	return !strcmp(e->event, "handover") && !strstr(e->detail, "(attach)");
}

/* The end of migration g: its done or failed event, else its end, else still running. */
double report_mig_done(const struct report *r, const struct mig_row *g)
{
	return g->done_s > 0 ? g->done_s : g->end_s > 0 ? g->end_s : r->t_end;
}

/*
 * When the service answered again after the freeze, 0: it never froze. A failed migration's
 * downtime runs past its resume_s of 0 (to the source's thaw, or the end of the run).
 */
double report_mig_frozen_end(const struct mig_row *g)
{
	if (!(g->freeze_s > 0))
		return 0.0;
	if (g->resume_s >= g->freeze_s)
		return g->resume_s;
	return g->freeze_s + g->downtime_ms / 1000.0;
}

/* 0 before any migration of the UE, 1 from a decision to that migration's end, 2 after. */
int report_phase_of(const struct report *r, unsigned ue, double t)
{
	int ph = 0;

	for (size_t k = 0; k < r->n_mig; k++) {
		const struct mig_row *g = &r->mig[k];

		if (g->ue != ue || !(t > g->decided_s))
			continue;
		if (t <= report_mig_done(r, g))
			return 1;
		ph = 2;
	}
	return ph;
}

bool report_rtt_counts(const struct report *r, const struct rtt_row *x)
{
	return !x->loss && (r->ue_target[x->ue] < 0 || x->target == (unsigned)r->ue_target[x->ue]);
}

/* The cell a handover event went to ("from enb1 to enb2 (a3)"). */
void report_handover_to(const char *detail, char *out, size_t len)
{
	const char *p = strstr(detail, " to ");

	snprintf(out, len, "%.*s", p ? (int)strcspn(p + 4, " (") : 1, p ? p + 4 : "?");
}
