/* SPDX-License-Identifier: MIT */
/*
 * topo/net.c's record of each radio UE's cell (the run folder's file cells): a line per UE,
 * replaced in place of the old one, other UEs' lines kept (ue1 is not ue10), detached
 * written as "-", and a line naming no eNB refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/support.h"
#include "topo/net.h"

static const char scenario[] = "name: cells\n"
			       "nodes:\n"
			       "  ue1:   { kind: ue, pos: [0, 0] }\n"
			       "  ue10:  { kind: ue, pos: [0, 0] }\n"
			       "  enb1:  { kind: enb, pos: [0, 0] }\n"
			       "  enb2:  { kind: enb, pos: [800, 0] }\n"
			       "  edge1: { kind: edge }\n"
			       "links:\n"
			       "  - { endpoints: [enb1, edge1] }\n"
			       "  - { endpoints: [enb2, edge1] }\n"
			       "radio: {}\n";

static void expect_file(const char *want)
{
	char *text = support_file_read(support_tmp, "cells", NULL);

	assert_string_equal(text, want);
	free(text);
}

static void test_cells(void **state)
{
	struct topo_model *m = support_model(scenario);
	struct topo_net net = {.m = m};
	int ue1 = topo_node_find(m, "ue1"), ue10 = topo_node_find(m, "ue10");
	int enb1 = topo_node_find(m, "enb1"), enb2 = topo_node_find(m, "enb2"), enb = 7;
	char path[PATH_MAX + 16];

	(void)state;
	snprintf(net.dir, sizeof(net.dir), "%s", support_tmp);
	assert_int_equal(topo_net_ue_cell_get(&net, (unsigned)ue1, &enb), -ENOENT);
	assert_int_equal(enb, 7);

	assert_int_equal(topo_net_ue_cell_set(&net, (unsigned)ue1, enb1), 0);
	assert_int_equal(topo_net_ue_cell_get(&net, (unsigned)ue1, &enb), 0);
	assert_int_equal(enb, enb1);
	/* "ue1 " does not start ue10's line, nor the other way round. */
	assert_int_equal(topo_net_ue_cell_get(&net, (unsigned)ue10, &enb), -ENOENT);

	assert_int_equal(topo_net_ue_cell_set(&net, (unsigned)ue10, enb2), 0);
	assert_int_equal(topo_net_ue_cell_set(&net, (unsigned)ue1, -1), 0);
	expect_file("ue10 enb2\nue1 -\n");
	assert_int_equal(topo_net_ue_cell_get(&net, (unsigned)ue1, &enb), 0);
	assert_int_equal(enb, -1);
	assert_int_equal(topo_net_ue_cell_get(&net, (unsigned)ue10, &enb), 0);
	assert_int_equal(enb, enb2);

	assert_int_equal(topo_net_ue_cell_set(&net, (unsigned)ue10, enb1), 0);
	expect_file("ue1 -\nue10 enb1\n");
	/* Written whole through a temporary file, which does not stay. */
	snprintf(path, sizeof(path), "%s/cells.new", support_tmp);
	assert_int_equal(access(path, F_OK), -1);

	/* A line that names no eNB of the scenario was not ours. */
	support_file_write(support_tmp, "cells", "ue1 edge1\nue10 nosuch\n");
	assert_int_equal(topo_net_ue_cell_get(&net, (unsigned)ue1, &enb), -EBADMSG);
	assert_int_equal(topo_net_ue_cell_get(&net, (unsigned)ue10, &enb), -EBADMSG);
	/* Nor may a node out of the model be recorded. */
	assert_int_equal(topo_net_ue_cell_set(&net, m->n_nodes, enb1), -EINVAL);
	assert_int_equal(topo_net_ue_cell_set(&net, (unsigned)ue1, (int)m->n_nodes), -EINVAL);
	topo_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cells),
	};

	return cmocka_run_group_tests(tests, support_tmp_setup, support_tmp_teardown);
}
