/* SPDX-License-Identifier: MIT */
/*
 * The scenario parser and the planner: a file's text in memory, parsed and checked, then its
 * addresses and routes planned, as edgemu up does before touching the kernel.
 */
#include <stdlib.h>

#include "tests/fuzz/fuzz.h"
#include "topo/topo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct topo_model *m = NULL;
	struct topo_routes routes = { 0 };
	struct topo_err err;

	/* The same name edgemu would see, so relative trace paths resolve somewhere harmless. */
	if (topo_parse_string((const char *)data, size, "/nonexistent/fuzz.yaml", &m, &err) < 0)
		return 0;
	FUZZ_CHECK(m != NULL);
	if (topo_plan_addresses(m, 0, &err) == 0 && topo_plan_routes(m, 0, &routes) == 0) {
		for (size_t i = 0; i < routes.n; i++)
			FUZZ_CHECK(routes.v[i].node < m->n_nodes && routes.v[i].link < m->n_links &&
				   routes.v[i].end < 2);
		topo_routes_free(&routes);
	}
	topo_model_free(m);
	return 0;
}
