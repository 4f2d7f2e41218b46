/* SPDX-License-Identifier: MIT */
/*
 * One service instance of a run started or stopped through migrate/'s calls, for
 * tests/integ/test_svc_scenario.sh (root only; no edgemu command does either alone yet).
 *
 *   instance_tool start RUN SERVICE NODE [EXTRA...]
 *	mig_instance_spawn() with EXTRA as the extra arguments; prints the pid. Exit 3 when
 *	an instance runs there already.
 *   instance_tool stop RUN SERVICE NODE
 *	mig_instance_stop(); exit 0 also when none ran.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "migrate/migrate.h"

int main(int argc, char **argv)
{
	struct topo_net *net;
	struct topo_err err;
	int svc, node, r;
	pid_t pid = 0;

	if (argc < 5 || (strcmp(argv[1], "start") && strcmp(argv[1], "stop")) ||
	    (!strcmp(argv[1], "stop") && argc != 5)) {
		fprintf(stderr, "usage: instance_tool start|stop RUN SERVICE NODE [EXTRA...]\n");
		return 2;
	}
	if (topo_net_load(argv[2], &net, &err) < 0) {
		fprintf(stderr, "instance_tool: %s\n", err.msg);
		return 1;
	}
	svc = topo_service_find(net->m, argv[3]);
	node = topo_node_find(net->m, argv[4]);
	if (svc < 0 || node < 0) {
		fprintf(stderr, "instance_tool: no %s '%s'\n", svc < 0 ? "service" : "node",
			svc < 0 ? argv[3] : argv[4]);
		topo_net_free(net);
		return 1;
	}
	if (!strcmp(argv[1], "start")) {
		/* argv ends with NULL: the extra arguments are argv[5] onwards. */
		r = mig_instance_spawn(net, (unsigned)svc, (unsigned)node,
				       (const char *const *)argv + 5, &pid, &err);
		if (r == 0)
			printf("%ld\n", (long)pid);
	} else {
		r = mig_instance_stop(net, (unsigned)svc, (unsigned)node, &err);
	}
	if (r < 0)
		fprintf(stderr, "instance_tool: %s\n", err.msg);
	topo_net_free(net);
	return r == -EEXIST ? 3 : r < 0 ? 1 : 0;
}
