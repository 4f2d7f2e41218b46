/* SPDX-License-Identifier: MIT */
/*
 * The charts' data, before any SVG: report_rtt_prepare (counts, series, downsampling, line
 * breaks, the RTT axis), report_map_prepare (cells and edges placed, what is left out, the
 * paths thinned, equal scale both ways) and report_mig_prepare (a migration's spans, the
 * UE's longest gap, rounds) and report_cells_prepare (each cell's throughput from its byte
 * totals, thinned) on small results folders written here, and on the recorded
 * quickstart run (tests/fixtures/run-quickstart).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/internal.h"
#include "tests/unit/support.h"

static void load(struct report *r, const char *dir, unsigned max_points)
{
	struct topo_err err;

	memset(r, 0, sizeof(*r));
	r->dir = dir;
	r->max_points = max_points;
	if (report_load(r, &err) < 0)
		fail_msg("%s: %s", dir, err.msg);
}

static const char events[] = "t_s,event,ue,detail\n"
			     "0.0,start,-,\"run t\"\n"
			     "0.0,handover,ue1,\"from - to enb1 (attach)\"\n"
			     "2.0,handover,ue1,\"from enb1 to enb2 (a3)\"\n"
			     "1.3,migration_round,ue1,\"n=1 pages=10\"\n"
			     "1.4,migration_round,ue1,\"n=2 pages=5\"\n"
			     "3.0,migration_round,ue1,\"n=3 pages=1\"\n"
			     "1.8,migration_done,ue1,\"\"\n"
			     "10.0,end,-,\"\"\n";

/* game: 10..40 ms every second, one loss at 5 s; cloud: two answers. */
static const char rtt[] = "t_s,ue,target,seq,rtt_ms,instance\n"
			  "1.0,ue1,game,0,10,edge1\n"
			  "2.0,ue1,game,1,40,edge1\n"
			  "3.0,ue1,game,2,20,edge1\n"
			  "4.0,ue1,game,3,30,edge1\n"
			  "5.0,ue1,game,4,,\n"
			  "6.0,ue1,game,5,25,edge2\n"
			  "1.5,ue1,cloud,0,35,cloud\n"
			  "2.5,ue1,cloud,1,36,cloud\n";

static void test_rtt_prepare(void **state)
{
	struct report r;
	struct report_rtt_data d;
	int game, cloud;

	support_file_write(support_tmp, "events.csv", events);
	support_file_write(support_tmp, "rtt.csv", rtt);
	load(&r, support_tmp, 2000);
	assert_int_equal(r.ues.n, 1);
	assert_int_equal(report_rtt_prepare(&r, 0, &d), 0);
	game = strcmp(r.targets.v[0], "game") ? 1 : 0;
	cloud = !game;
	assert_int_equal(d.to - d.from, 8);
	assert_int_equal(d.answers, 7);
	assert_int_equal(d.losses, 1);
	assert_int_equal(d.targets, 2);
	assert_int_equal(d.drawn, 7); /* no downsampling under 2000 points */
	assert_int_equal(d.per[game], 5);
	assert_int_equal(d.per[cloud], 2);
	assert_int_equal(d.kept[game], 5);
	/* The series in the order of their first answer: game at 1 s, cloud at 1.5 s. */
	assert_int_equal(d.series[game], 0);
	assert_int_equal(d.series[cloud], 1);
	assert_int_equal(d.handovers, 1); /* the attach is none */
	assert_int_equal(d.migrations, 0);
	/* 40 ms * 1.05 = 42: steps of 10, the axis to 50. */
	assert_float_equal(d.ystep, 10, 1e-9);
	assert_float_equal(d.yhi, 50, 1e-9);
	/* game: answers 1 s apart but one 2 s gap (the loss): median 1 s, five times that. */
	assert_float_equal(d.gap_s[game], 5.0, 1e-9);
	report_rtt_data_free(&d);
	report_free(&r);
}

static void test_rtt_prepare_downsampled(void **state)
{
	struct report r;
	struct report_rtt_data d;
	int game;

	support_file_write(support_tmp, "events.csv", events);
	support_file_write(support_tmp, "rtt.csv", rtt);
	/* Two series in 4 points: 2 each, one slice each: its lowest and highest RTT. */
	load(&r, support_tmp, 4);
	assert_int_equal(report_rtt_prepare(&r, 0, &d), 0);
	game = strcmp(r.targets.v[0], "game") ? 1 : 0;
	assert_int_equal(d.slices, 1);
	assert_int_equal(d.kept[game], 2);
	assert_int_equal(d.drawn, 4);
	for (size_t k = d.from; k < d.to; k++)
		if (!strcmp(r.targets.v[r.rtt[k].target], "game") && d.keep[k - d.from])
			assert_true(r.rtt[k].rtt_ms == 10 || r.rtt[k].rtt_ms == 40);
	/* Fewer drawn: the line breaks only across a gap as much longer. */
	assert_float_equal(d.gap_s[game], 5.0 * 5 / 2, 1e-9);
	report_rtt_data_free(&d);
	report_free(&r);
}

static void test_rtt_prepare_empty(void **state)
{
	struct report r;
	struct report_rtt_data d;

	support_file_write(support_tmp, "events.csv",
			   "t_s,event,ue,detail\n0.0,handover,ue1,\"from - to enb1 (attach)\"\n");
	load(&r, support_tmp, 2000);
	assert_false(r.have_rtt);
	assert_int_equal(report_rtt_prepare(&r, 0, &d), 0);
	assert_int_equal(d.answers + d.losses + d.drawn + d.targets, 0);
	assert_float_equal(d.yhi, 10, 1e-9);
	assert_float_equal(d.ystep, 2, 1e-9);
	report_rtt_data_free(&d);
	report_free(&r);
}

static void test_mig_prepare(void **state)
{
	struct report r;
	struct report_mig_data d;

	support_file_write(support_tmp, "events.csv", events);
	support_file_write(support_tmp, "rtt.csv", rtt);
	support_file_write(
	    support_tmp, "migrations.csv",
	    "n,ue,service,from,to,strategy,decided_s,start_s,freeze_s,resume_s,flip_s,end_s,"
	    "downtime_ms,client_gap_ms,total_ms,pages,bytes,rounds,ok,error\n"
	    "0,ue1,game,edge1,edge2,precopy,1.0,1.1,1.5,1.6,1.61,1.7,100,120,700,15,61440,2,yes,"
	    "\"\"\n");
	load(&r, support_tmp, 2000);
	assert_int_equal(r.n_mig, 1);
	report_mig_prepare(&r, 0, &d);
	assert_float_equal(d.t0, 1.0, 1e-9);
	assert_float_equal(d.done, 1.8, 1e-9); /* its migration_done event */
	assert_float_equal(d.frozen_end, 1.6, 1e-9);
	assert_float_equal(d.live_end, 1.5, 1e-9);
	assert_int_equal(d.rounds, 2); /* the round at 3 s is after it */
	/* The answers after the decision until done: 1.5 (cloud) after 1.0 is the longest. */
	assert_float_equal(d.gap_s, 0.5, 1e-9);
	assert_float_equal(d.gap_from, 1.0, 1e-9);
	/* The axis: from the decision to done (800 ms), 4% either side. */
	assert_float_equal(d.plot.xlo, -32, 1e-6);
	assert_float_equal(d.plot.xhi, 832, 1e-6);
	assert_float_equal(d.step, 100, 1e-9);
	report_free(&r);
}

static void test_mig_prepare_failed(void **state)
{
	struct report r;
	struct report_mig_data d;

	/* Frozen, never resumed, no done event: the downtime runs on, the end is the run's. */
	support_file_write(support_tmp, "events.csv",
			   "t_s,event,ue,detail\n0.0,start,-,\"\"\n10.0,end,-,\"\"\n");
	support_file_write(
	    support_tmp, "migrations.csv",
	    "n,ue,service,from,to,strategy,decided_s,start_s,freeze_s,resume_s,flip_s,end_s,"
	    "downtime_ms,client_gap_ms,total_ms,pages,bytes,rounds,ok,error\n"
	    "0,ue1,game,edge1,edge2,cold,2.0,2.1,2.2,0,0,0,300,0,0,0,0,0,no,\"lost\"\n");
	load(&r, support_tmp, 2000);
	report_mig_prepare(&r, 0, &d);
	assert_float_equal(d.done, 10.0, 1e-9);
	assert_float_equal(d.frozen_end, 2.5, 1e-9);
	assert_float_equal(d.live_end, 2.2, 1e-9);
	assert_float_equal(d.gap_s, 0, 0);
	assert_int_equal(d.rounds, 0);
	report_free(&r);
}

static void test_map_prepare(void **state)
{
	char fixture[4096];
	struct report r;
	struct report_map_data d;
	double sx, sy;

	snprintf(fixture, sizeof(fixture), "%s/tests/fixtures/run-quickstart",
		 getenv("EDGEMU_SRC") ? getenv("EDGEMU_SRC") : "../..");
	load(&r, fixture, 10);
	assert_non_null(r.m);
	assert_int_equal(report_map_prepare(&r, &d), 0);
	/* enb1 and enb2; edge1 beside enb1, edge2 beside enb2; none left out. */
	assert_int_equal(d.n_cells, 2);
	assert_int_equal(d.n_edges, 2);
	assert_int_equal(d.max_edges, 1);
	assert_string_equal(d.loose, "");
	assert_string_equal(d.nopos, "");
	assert_int_equal(d.edge_cell[topo_node_find(r.m, "edge1")], 0);
	assert_int_equal(d.edge_cell[topo_node_find(r.m, "edge2")], 1);
	assert_int_equal(d.edge_cell[topo_node_find(r.m, "ue1")], -1);
	assert_int_equal(d.with_pos, 1);
	assert_int_equal(d.handovers, 1);
	/* 10 points for the one UE: every stride-th and the last. */
	assert_true(d.kept[0] <= 10 && d.kept[0] >= 9);
	assert_int_equal(d.points, d.kept[0]);
	assert_true(d.stride[0] > 1);
	/* Equal scale both ways, the cells inside. */
	sx = (d.plot.xhi - d.plot.xlo) / d.plot.w;
	sy = (d.plot.yhi - d.plot.ylo) / d.plot.h;
	assert_float_equal(sx, sy, 1e-9);
	assert_true(d.plot.xlo < 0 && d.plot.xhi > 800);
	assert_true(d.h > d.plot.y0 + d.plot.h);
	report_map_data_free(&d);
	report_free(&r);
}

static void test_map_prepare_no_scenario(void **state)
{
	struct report r;
	struct report_map_data d;

	support_file_write(support_tmp, "events.csv", events);
	load(&r, support_tmp, 2000);
	assert_null(r.m);
	assert_int_equal(report_map_prepare(&r, &d), 0);
	assert_int_equal(d.n_cells + d.n_edges + d.with_pos + d.points, 0);
	/* Nothing to place: a 100 m square. */
	assert_float_equal((d.plot.xlo + d.plot.xhi) / 2, 50, 1e-9);
	assert_true(*r.scenario_note);
	report_map_data_free(&d);
	report_free(&r);
}

/* enb1's t=2 row before its t=1 one: the rows are read back in time order. */
static const char cells[] = "t_s,cell,ues,down_bytes,up_bytes\n"
			    "0.000,enb1,1,0,0\n"
			    "0.000,enb2,0,0,0\n"
			    "2.000,enb1,1,3000000,250000\n"
			    "1.000,enb1,2,1000000,250000\n"
			    "1.000,enb2,0,0,0\n"
			    "2.000,enb2,1,125000,0\n"
			    "3.000,enb1,0,3000000,500000\n"
			    "3.000,enb2,1,125000,125000\n";

/* Throughput between rows from the byte totals, the UEs' axis in whole UEs. */
static void test_cells_prepare(void **state)
{
	static const double down[] = {0, 8, 16, 0, 0, 0, 1, 0}, up[] = {0, 2, 0, 2, 0, 0, 0, 1};
	struct report r;
	struct report_cells_data d;

	support_file_write(support_tmp, "events.csv", events);
	support_file_write(support_tmp, "cells.csv", cells);
	load(&r, support_tmp, 2000);
	assert_true(r.have_cells);
	assert_int_equal(r.cells.n, 2);
	assert_string_equal(r.cells.v[0], "enb1");
	assert_int_equal(r.cell_from[1], 4);
	assert_float_equal(r.cell[1].t_s, 1, 1e-9);
	assert_int_equal(report_cells_prepare(&r, &d), 0);
	assert_int_equal(d.points, 8);
	assert_int_equal(d.kept[0], 4);
	assert_int_equal(d.stride[1], 1);
	for (unsigned i = 0; i < 8; i++) {
		assert_float_equal(d.down_mbps[i], down[i], 1e-9);
		assert_float_equal(d.up_mbps[i], up[i], 1e-9);
	}
	assert_int_equal(d.max_ues, 2);
	assert_float_equal(d.max_mbps, 16, 1e-9);
	assert_float_equal(d.ues_step, 1, 1e-9);
	assert_float_equal(d.ues.yhi, 2, 1e-9);
	assert_float_equal(d.mbps_step, 5, 1e-9);
	assert_float_equal(d.mbps.yhi, 20, 1e-9);
	assert_float_equal(d.ues.xhi, 10, 1e-9); /* the run's end event */
	assert_true(d.mbps.y0 >= d.ues.y0 + d.ues.h && d.h >= d.mbps.y0 + d.mbps.h);
	report_cells_data_free(&d);
	report_free(&r);
}

/* Thinned: the first and the last row of each cell, the rate over the whole gap. */
static void test_cells_prepare_downsampled(void **state)
{
	struct report r;
	struct report_cells_data d;

	support_file_write(support_tmp, "events.csv", events);
	support_file_write(support_tmp, "cells.csv", cells);
	load(&r, support_tmp, 4);
	assert_int_equal(report_cells_prepare(&r, &d), 0);
	assert_int_equal(d.points, 4);
	assert_int_equal(d.stride[0], 4);
	assert_int_equal(d.kept[1], 2);
	assert_float_equal(d.down_mbps[3], 8, 1e-9);
	assert_float_equal(d.up_mbps[3], 500000 * 8 / 3.0 / 1e6, 1e-9);
	assert_float_equal(d.down_mbps[7], 125000 * 8 / 3.0 / 1e6, 1e-9);
	assert_int_equal(d.max_ues, 2); /* the axis holds the peak of the rows not drawn too */
	report_cells_data_free(&d);
	report_free(&r);
}

/* An older run's folder: no cells.csv, an empty chart with its axes. */
static void test_cells_prepare_missing(void **state)
{
	struct report r;
	struct report_cells_data d;

	support_file_write(support_tmp, "events.csv", events);
	load(&r, support_tmp, 2000);
	assert_false(r.have_cells);
	assert_int_equal(report_cells_prepare(&r, &d), 0);
	assert_int_equal(d.points + d.max_ues, 0);
	assert_float_equal(d.ues.yhi, 1, 1e-9);
	assert_float_equal(d.mbps.yhi, 1, 1e-9);
	assert_true(d.h > 0);
	report_cells_data_free(&d);
	report_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_rtt_prepare, support_tmp_setup,
					    support_tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_rtt_prepare_downsampled, support_tmp_setup,
					    support_tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_rtt_prepare_empty, support_tmp_setup,
					    support_tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_mig_prepare, support_tmp_setup,
					    support_tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_mig_prepare_failed, support_tmp_setup,
					    support_tmp_teardown),
	    cmocka_unit_test(test_map_prepare),
	    cmocka_unit_test_setup_teardown(test_map_prepare_no_scenario, support_tmp_setup,
					    support_tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_cells_prepare, support_tmp_setup,
					    support_tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_cells_prepare_downsampled, support_tmp_setup,
					    support_tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_cells_prepare_missing, support_tmp_setup,
					    support_tmp_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
