/* SPDX-License-Identifier: MIT */
/*
 * `--set key=value` (topo/override.c) on a scenario that has every section, through the
 * parser as edgemu run and sweep apply them: the input is up to 8 lines, one --set each.
 * Whatever parses must come back out as a resolved scenario that parses again.
 */
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "topo/topo.h"

static const char base[] =
    "name: fz\n"
    "seed: 1\n"
    "duration: 10s\n"
    "nodes:\n"
    "  ue1: { kind: ue }\n"
    "  ue2: { kind: ue }\n"
    "  enb1: { kind: enb, pos: [0, 0] }\n"
    "  enb2: { kind: enb, pos: [800, 0] }\n"
    "  edge1: { kind: edge }\n"
    "  edge2: { kind: edge }\n"
    "  core: { kind: router }\n"
    "  cloud: { kind: cloud }\n"
    "links:\n"
    "  - { endpoints: [enb1, edge1], delay: 1ms, rate: 1gbit }\n"
    "  - { endpoints: [enb2, edge2], delay: 1ms, rate: 1gbit }\n"
    "  - { endpoints: [enb1, core], delay: 5ms }\n"
    "  - { endpoints: [enb2, core], delay: 5ms }\n"
    "  - { endpoints: [edge1, edge2], delay: 2ms, loss: 1%, jitter: 1ms }\n"
    "  - { endpoints: [core, cloud], delay: 20ms, limit: 1000 }\n"
    "radio:\n"
    "  model: log-distance\n"
    "  tx_power: 46dBm\n"
    "  delay: 4ms\n"
    "  tick: 100ms\n"
    "  handover: { hysteresis: 3dB, ttt: 160ms, interruption: 40ms }\n"
    "mobility:\n"
    "  ue1: { model: waypoints, points: [[50, 0, 0s], [750, 0, 10s]] }\n"
    "  ue2: { model: random-waypoint, area: [[0, -50], [800, 50]], speed: [1, 20], "
    "pause: 1s }\n"
    "services:\n"
    "  game: { vip: 10.200.0.1, app: svc, port: 7000, state: 16MiB, at: [edge1, edge2],\n"
    "          dirty: { rate: 1000/s, pattern: hotset, hot: 10% } }\n"
    "migration:\n"
    "  policy: always\n"
    "  strategy: precopy\n"
    "  precopy: { max_rounds: 30, stop_below: 256 }\n"
    "probes:\n"
    "  - { from: ue1, to: game, interval: 10ms }\n"
    "sweep:\n"
    "  vary: { links.0.delay: [1ms, 5ms] }\n"
    "  repeat: 2\n"
    "apps:\n"
    "  - { name: srv, node: cloud, run: \"iperf3 -s -1\", until: 9s }\n"
    "  - { node: ue1, run: \"sh -c 'exit 3'\", at: 1s }\n";

#define SETS_MAX 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size), *p, *resolved = NULL;
	const char *sets[SETS_MAX];
	struct topo_parse_opts o = {.sets = sets};
	struct topo_model *m = NULL;
	struct topo_err err;
	size_t len = 0;

	if (!text)
		return 0;
	for (p = text; p && o.n_sets < SETS_MAX;) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = '\0';
		sets[o.n_sets++] = p;
		p = nl ? nl + 1 : NULL;
	}
	o.resolved = &resolved;
	o.resolved_len = &len;
	if (topo_parse_string_opts(base, sizeof(base) - 1, "fz.yaml", &o, &m, &err) == 0) {
		struct topo_model *again = NULL;
		int r = topo_parse_string(resolved, len, "resolved.yaml", &again, &err);

		if (r < 0)
			fprintf(stderr, "resolved scenario refused: %s\n%s\n", err.msg, resolved);
		FUZZ_CHECK(r == 0);
		FUZZ_CHECK(again->n_nodes == m->n_nodes && again->n_links == m->n_links);
		topo_model_free(again);
		topo_model_free(m);
		free(resolved);
	}
	free(text);
	return 0;
}
