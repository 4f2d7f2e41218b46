/* SPDX-License-Identifier: MIT */
/*
 * The scenario parser and the planner: a file's text in memory, parsed and checked, then its
 * addresses and routes planned, as edgemu up does before touching the kernel. What it
 * accepts must be finite and in range.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "mobility/mobility.h"
#include "tests/fuzz/fuzz.h"
#include "topo/topo.h"

static bool finite3(const double v[3])
{
	return isfinite(v[0]) && isfinite(v[1]) && isfinite(v[2]);
}

static bool prob(double p)
{
	return p >= 0 && p <= 1;
}

/* What the parser accepts the runner and the models can use as it is: finite, in range. */
static void check_model(const struct topo_model *m)
{
	const struct topo_radio *r = &m->radio;

	for (unsigned i = 0; i < m->n_nodes; i++)
		FUZZ_CHECK(!m->nodes[i].has_pos || finite3(m->nodes[i].pos));
	for (unsigned i = 0; i < m->n_links; i++)
		for (int d = 0; d < 2; d++) {
			const struct topo_loss *l = &m->links[i].dir[d].loss;

			FUZZ_CHECK(prob(l->p) && prob(l->r) && prob(l->h) && prob(l->k));
		}
	for (unsigned i = 0; i < m->n_mobility; i++) {
		const struct topo_mobility *mb = &m->mobility[i];

		FUZZ_CHECK(mb->node < m->n_nodes);
		FUZZ_CHECK(finite3(mb->pos));
		FUZZ_CHECK(isfinite(mb->area[0][0]) && isfinite(mb->area[0][1]) &&
			   isfinite(mb->area[1][0]) && isfinite(mb->area[1][1]));
		FUZZ_CHECK(isfinite(mb->speed_min) && isfinite(mb->speed_max));
		for (unsigned k = 0; k < mb->n_points; k++)
			FUZZ_CHECK(isfinite(mb->points[k].x) && isfinite(mb->points[k].y));
		if (mb->kind == TOPO_MOB_RWP) {
			/* what the runner will hand the model, which must take it */
			struct mob_rwp_params p = mob_rwp_params_from(mb);

			FUZZ_CHECK(mob_rwp_params_check(&p, NULL) == 0);
		}
	}
	if (m->has_radio)
		FUZZ_CHECK(isfinite(r->tx_power_dbm) && isfinite(r->exponent) &&
			   isfinite(r->ref_loss_db) && isfinite(r->min_signal_dbm) &&
			   isfinite(r->noise_dbm) && prob(r->edge_loss) &&
			   isfinite(r->loss_margin_db) && isfinite(r->hysteresis_db));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct topo_model *m = NULL;
	struct topo_routes routes = {0};
	struct topo_err err;

	/* The same name edgemu would see, so relative trace paths resolve somewhere harmless. */
	if (topo_parse_string((const char *)data, size, "/nonexistent/fuzz.yaml", &m, &err) < 0)
		return 0;
	FUZZ_CHECK(m != NULL);
	check_model(m);
	if (topo_plan_addresses(m, 0, &err) == 0 && topo_plan_routes(m, 0, &routes) == 0) {
		for (size_t i = 0; i < routes.n; i++)
			FUZZ_CHECK(routes.v[i].node < m->n_nodes && routes.v[i].link < m->n_links &&
				   routes.v[i].end < 2);
		topo_routes_free(&routes);
	}
	topo_model_free(m);
	return 0;
}
