/* SPDX-License-Identifier: MIT */
/*
 * A radio UE attached to a cell, or detached, through topo/'s calls, as the runner does it at
 * a handover, for tests/integ/test_radio_attach.sh (root only).
 *
 *   attach_tool RUN UE ENB
 *	the UE's radio gets the radio's delay and no loss both ways (topo_net_ran_shape), then
 *	the relay switches it to ENB's cell and its /32 routes move (topo_net_ran_attach).
 *	Prints "attached UE to ENB addr ADDR in US us at T_NS" (US: the switch alone; T_NS:
 *	CLOCK_MONOTONIC when it was done).
 *   attach_tool RUN UE -
 *	the UE detached: the relay passes nothing of it, its routes stay.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "emu/shape.h"
#include "topo/net.h"
#include "util/clock.h"

/* Both directions of the UE's radio: the radio's delay, no loss. */
static int shape(struct topo_net *net, unsigned ue, struct topo_err *err)
{
	struct emu_shape s = {.delay_ns = net->m->radio.delay_ns};
	int r = 0;

	for (unsigned d = 0; d < 2 && r == 0; d++)
		r = topo_net_ran_shape(net, ue, d, &s, err);
	return r;
}

int main(int argc, char **argv)
{
	struct topo_net *net;
	struct topo_err err;
	int ue, enb = -1, r = 0;
	uint64_t t0, t1;

	if (argc != 4) {
		fprintf(stderr, "usage: attach_tool RUN UE ENB|-\n");
		return 2;
	}
	if (topo_net_load(argv[1], &net, &err) < 0) {
		fprintf(stderr, "attach_tool: %s\n", err.msg);
		return 1;
	}
	ue = topo_node_find(net->m, argv[2]);
	if (strcmp(argv[3], "-"))
		enb = topo_node_find(net->m, argv[3]);
	if (ue < 0 || !topo_ue_is_radio(net->m, (unsigned)ue) ||
	    (strcmp(argv[3], "-") && (enb < 0 || net->m->nodes[enb].kind != TOPO_ENB))) {
		fprintf(stderr, "attach_tool: '%s' is not a radio UE or '%s' not an eNB\n", argv[2],
			argv[3]);
		topo_net_free(net);
		return 1;
	}
	/* Shaped first, so that its first frame in the new cell has the cell's radio. */
	if (enb >= 0)
		r = shape(net, (unsigned)ue, &err);
	t0 = util_now_ns();
	if (r == 0)
		r = topo_net_ran_attach(net, (unsigned)ue, enb, &err);
	t1 = util_now_ns();
	if (r < 0) {
		fprintf(stderr, "attach_tool: %s\n", err.msg);
	} else if (enb >= 0) {
		struct in_addr a = {htonl(net->m->nodes[ue].ue_addr)};

		printf("attached %s to %s addr %s in %.0f us at %llu\n", argv[2], argv[3],
		       inet_ntoa(a), (t1 - t0) / 1e3, (unsigned long long)t1);
	} else {
		printf("detached %s in %.0f us at %llu\n", argv[2], (t1 - t0) / 1e3,
		       (unsigned long long)t1);
	}
	topo_net_free(net);
	return r < 0 ? 1 : 0;
}
