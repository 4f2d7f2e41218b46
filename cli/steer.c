/* SPDX-License-Identifier: MIT */
/* `edgemu steer RUN SERVICE CLIENT NODE`: flip one client's instance of a service by hand. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include "migrate/migrate.h"

static const char usage[] =
    "usage: edgemu steer RUN SERVICE CLIENT NODE\n"
    "\n"
    "Steer CLIENT's traffic to SERVICE's VIP to the instance on NODE, starting one there if\n"
    "none runs. The next packet goes to the new instance; answers still in flight from the\n"
    "old one still reach the client. `edgemu show RUN` lists the current mapping.\n";

int cli_steer(int argc, char **argv)
{
	struct topo_net *net;
	struct topo_err err;
	struct mig_flip_time t = {0, 0};
	int svc, client, node, rc = 0;

	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc != 5) {
		fputs(usage, stderr);
		return 2;
	}
	if (cli_need_root("steer"))
		return 1;
	if (topo_net_load(argv[1], &net, &err) < 0) {
		fprintf(stderr, "edgemu steer: %s\n", err.msg);
		return 1;
	}
	svc = topo_service_find(net->m, argv[2]);
	client = topo_node_find(net->m, argv[3]);
	node = topo_node_find(net->m, argv[4]);
	if (svc < 0 || client < 0 || node < 0) {
		fprintf(stderr, "edgemu steer: run %s has no %s '%s'\n", argv[1],
			svc < 0 ? "service" : "node",
			svc < 0	     ? argv[2]
			: client < 0 ? argv[3]
				     : argv[4]);
		topo_net_free(net);
		return 1;
	}
	if (mig_steer(net, (unsigned)svc, (unsigned)client, (unsigned)node, &t, &err) < 0) {
		fprintf(stderr, "edgemu steer: %s\n", err.msg);
		rc = 1;
	} else {
		/* CLOCK_MONOTONIC is one clock for all namespaces: probes' CSV times compare. */
		printf("%s: %s -> %s (flip %.1f us, from %llu to %llu ns monotonic)\n", argv[2],
		       argv[3], argv[4], (double)(t.end_ns - t.begin_ns) / 1e3,
		       (unsigned long long)t.begin_ns, (unsigned long long)t.end_ns);
	}
	topo_net_free(net);
	return rc;
}
