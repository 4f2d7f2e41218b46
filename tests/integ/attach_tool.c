/* SPDX-License-Identifier: MIT */
/*
 * A radio UE attached to a cell, or detached, through topo/'s calls, as the runner does it at
 * a handover, for tests/integ/test_radio_attach.sh (root only).
 *
 *   attach_tool RUN UE ENB
 *	the radio link UE-ENB gets the radio's delay and no loss (topo_net_shape_set), the UE's
 *	routes go through ENB (topo_net_ue_attach), and every other radio link of the UE is
 *	100% lossy again. Prints "attached UE to ENB via IFNAME src ADDR in US us at T_NS"
 *	(T_NS: CLOCK_MONOTONIC when the routes had changed).
 *   attach_tool RUN UE -
 *	the UE's routes deleted, every radio link of the UE 100% lossy.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "emu/shape.h"
#include "topo/net.h"
#include "util/clock.h"

/* Both directions of radio link l: the radio's delay, and no loss (open) or all of it. */
static int shape(struct topo_net *net, unsigned l, bool open, struct topo_err *err)
{
	struct emu_shape s = {.delay_ns = net->m->radio.delay_ns};
	int r = 0;

	if (!open)
		s.loss = (struct emu_loss){.model = EMU_LOSS_RANDOM, .p = 1.0};
	for (unsigned d = 0; d < 2 && r == 0; d++)
		r = topo_net_shape_set(net, l, d, &s, err);
	return r;
}

int main(int argc, char **argv)
{
	struct topo_net *net;
	struct topo_err err;
	struct emu_nl *nl;
	int ue, enb = -1, link = -1, r = 0;
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
	if (ue >= 0 && enb >= 0)
		link = topo_ue_radio_link(net->m, (unsigned)ue, (unsigned)enb);
	if (ue < 0 || (strcmp(argv[3], "-") && link < 0)) {
		fprintf(stderr, "attach_tool: no radio link between '%s' and '%s'\n", argv[2],
			argv[3]);
		topo_net_free(net);
		return 1;
	}
	/* Open the new cell's link first, close the others once the routes point away. */
	if (link >= 0)
		r = shape(net, (unsigned)link, true, &err);
	/* The runner keeps the UE's socket open: time the attach alone. */
	if (r == 0 && (r = topo_net_node_nl(net, (unsigned)ue, &nl)) < 0)
		topo_err_set(&err, r, "the netlink socket of %s: %s", argv[2], strerror(-r));
	t0 = util_now_ns();
	if (r == 0)
		r = topo_net_ue_attach(net, (unsigned)ue, link, &err);
	t1 = util_now_ns();
	for (unsigned l = 0; r == 0 && l < net->m->n_links; l++)
		if (net->m->links[l].radio && net->m->links[l].end[0].node == (unsigned)ue &&
		    (int)l != link)
			r = shape(net, l, false, &err);
	if (r < 0) {
		fprintf(stderr, "attach_tool: %s\n", err.msg);
	} else if (link >= 0) {
		const struct topo_if *x = &net->m->links[link].end[0];
		struct in_addr a = {htonl(x->addr)};

		printf("attached %s to %s via %s src %s in %.0f us at %llu\n", argv[2], argv[3],
		       x->ifname, inet_ntoa(a), (t1 - t0) / 1e3, (unsigned long long)t1);
	} else {
		printf("detached %s in %.0f us at %llu\n", argv[2], (t1 - t0) / 1e3,
		       (unsigned long long)t1);
	}
	topo_net_free(net);
	return r < 0 ? 1 : 0;
}
