/* SPDX-License-Identifier: MIT */
/*
 * The charts' data, before any SVG: report_rtt_prepare (counts, series, downsampling, line
 * breaks, the RTT axis), report_map_prepare (cells and edges placed, what is left out, the
 * paths thinned, equal scale both ways) and report_mig_prepare (a migration's spans, the
 * UE's longest gap, rounds) and report_cells_prepare (each cell's throughput from its byte
 * totals, thinned) and report_tput_prepare (each flow's points, averaged when thinned, its line
 * broken across gaps, what is marked) on small results folders written here, and on the
 * recorded quickstart run (tests/fixtures/run-quickstart).
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

/* Two flows; ue1 at their ends, ue2 elsewhere: only ue1's handovers, migrations, losses count. */
static const char tput_events[] = "t_s,event,ue,detail\n"
				  "0.0,start,-,\"run t\"\n"
				  "0.0,handover,ue1,\"from - to enb1 (attach)\"\n"
				  "0.0,handover,ue2,\"from - to enb1 (attach)\"\n"
				  "2.0,handover,ue1,\"from enb1 to enb2 (a3)\"\n"
				  "3.0,handover,ue2,\"from enb1 to enb2 (a3)\"\n"
				  "4.0,flow_broken,-,\"ul: connection reset\"\n"
				  "10.0,end,-,\"\"\n";

static const char tput_summary[] =
    "{\"run\":\"t\",\"flows\":["
    "{\"name\":\"dl\",\"from\":\"cloud\",\"to\":\"ue1\",\"bytes\":1000,"
    "\"goodput_mbps\":{\"mean\":25.5,\"before\":null,\"during\":1,\"after\":2},"
    "\"broken\":false},"
    "{\"name\":\"ul\",\"from\":\"ue1\",\"to\":\"cloud\"},{\"from\":\"nameless\"},7]}";

/* dl: 10..60 Mbit/s every 100 ms, a gap, two more rows; ul (listed second) two rows. */
static const char tput_csv[] = "t_s,flow,bytes,mbps\n"
			       "1.05,ul,25000,2\n"
			       "1.0,dl,125000,10\n"
			       "1.1,dl,250000,20\n"
			       "1.2,dl,375000,30\n"
			       "1.3,dl,500000,40\n"
			       "1.4,dl,625000,50\n"
			       "1.5,dl,750000,60\n"
			       "3.0,dl,62500,5\n"
			       "3.1,dl,187500,15\n"
			       "1.15,ul,50000,4\n";

static const char tput_rtt[] = "t_s,ue,target,seq,rtt_ms,instance\n"
			       "2.5,ue1,game,0,,\n"
			       "2.6,ue2,game,0,,\n"
			       "2.7,ue2,game,1,12,edge1\n";

static void tput_files(void)
{
	support_file_write(support_tmp, "events.csv", tput_events);
	support_file_write(support_tmp, "summary.json", tput_summary);
	support_file_write(support_tmp, "throughput.csv", tput_csv);
	support_file_write(support_tmp, "rtt.csv", tput_rtt);
	support_file_write(
	    support_tmp, "migrations.csv",
	    "n,ue,service,from,to,strategy,decided_s,start_s,freeze_s,resume_s,flip_s,end_s,"
	    "downtime_ms,client_gap_ms,total_ms,pages,bytes,rounds,ok,error\n"
	    "0,ue1,game,edge1,edge2,precopy,2.0,2.1,2.5,2.6,2.61,2.7,100,120,700,15,61440,2,yes,"
	    "\"\"\n"
	    "1,ue2,game,edge1,edge2,precopy,3.0,3.1,3.5,3.6,3.61,3.7,100,120,700,15,61440,2,yes,"
	    "\"\"\n");
}

/* Row k of r's throughput rows: flow's i-th by time. */
static size_t tput_row(const struct report *r, const char *flow, size_t i)
{
	for (size_t f = 0; f < r->flows.n; f++)
		if (!strcmp(r->flows.v[f], flow))
			return r->tput_from[f] + i;
	fail_msg("no flow %s", flow);
	return 0;
}

static void test_tput_prepare(void **state)
{
	struct report r;
	struct report_tput_data d;
	size_t k;

	tput_files();
	load(&r, support_tmp, 2000);
	/* summary.json's order (the nameless entry and the number left out), not the file's */
	assert_int_equal(r.flows.n, 2);
	assert_string_equal(r.flows.v[0], "dl");
	assert_string_equal(r.flows.v[1], "ul");
	assert_true(r.flow[0].listed && r.flow[1].listed);
	assert_string_equal(r.flow[0].from, "cloud");
	assert_string_equal(r.flow[1].from, "ue1");
	assert_int_equal(r.n_tput, 10);
	assert_int_equal(r.tput_from[1], 8);
	assert_true(report_has_flows(&r));
	assert_int_equal(report_tput_prepare(&r, &d), 0);
	assert_int_equal(d.flows, 2);
	assert_int_equal(d.stride[0], 1);
	assert_int_equal(d.kept[0], 8);
	assert_int_equal(d.kept[1], 2);
	assert_int_equal(d.points, 10);
	/* dl: 100 ms apart but for one 1.5 s gap: the median 100 ms, three times that */
	assert_float_equal(d.gap_s[0], 0.3, 1e-9);
	assert_float_equal(d.gap_s[1], 0.3, 1e-9);
	/* the points are the rows; the line starts at the first and again after the gap */
	for (size_t i = 0; i < 8; i++) {
		k = tput_row(&r, "dl", i);
		assert_true(d.point[k]);
		assert_float_equal(d.pt_mbps[k], r.tput[k].mbps, 1e-9);
		assert_int_equal(d.brk[k], i == 0 || i == 6);
	}
	assert_float_equal(r.tput[tput_row(&r, "dl", 6)].t_s, 3.0, 1e-9);
	assert_float_equal(d.max_mbps, 60, 1e-9);
	/* 60 * 1.05 = 63: steps of 20, the axis to 80 */
	assert_float_equal(d.ystep, 20, 1e-9);
	assert_float_equal(d.plot.yhi, 80, 1e-9);
	assert_float_equal(d.plot.xhi, 10, 1e-9);
	/* ue1's: its handover (not the attach), migration and loss; every broken connection */
	assert_true(d.ue_marked[0]);
	assert_false(d.ue_marked[1]);
	assert_int_equal(d.handovers, 1);
	assert_int_equal(d.migrations, 1);
	assert_int_equal(d.losses, 1);
	assert_int_equal(d.broken, 1);
	assert_true(d.h > 0);
	report_tput_data_free(&d);
	report_free(&r);
}

/* Too many rows: each point the mean of a group, never across a gap. */
static void test_tput_prepare_downsampled(void **state)
{
	struct report r;
	struct report_tput_data d;
	size_t k;

	tput_files();
	/* Two flows in 4 points: 2 each; dl's 8 rows in groups of 4, cut at the gap. */
	load(&r, support_tmp, 4);
	assert_int_equal(report_tput_prepare(&r, &d), 0);
	assert_int_equal(d.stride[0], 4);
	assert_int_equal(d.stride[1], 1);
	assert_int_equal(d.kept[0], 3);
	assert_int_equal(d.kept[1], 2);
	assert_int_equal(d.points, 5);
	k = tput_row(&r, "dl", 3); /* 10, 20, 30, 40 */
	assert_true(d.point[k] && d.brk[k]);
	assert_float_equal(d.pt_mbps[k], 25, 1e-9);
	k = tput_row(&r, "dl", 5); /* 50, 60: the gap ends the group */
	assert_true(d.point[k] && !d.brk[k]);
	assert_float_equal(d.pt_mbps[k], 55, 1e-9);
	k = tput_row(&r, "dl", 7); /* 5, 15 after the gap */
	assert_true(d.point[k] && d.brk[k]);
	assert_float_equal(d.pt_mbps[k], 10, 1e-9);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(d.point[tput_row(&r, "dl", i)], i == 3 || i == 5 || i == 7);
	assert_float_equal(d.max_mbps, 55, 1e-9);
	report_tput_data_free(&d);
	report_free(&r);
}

/*
 * throughput.csv that is not one, or with bad rows: the report still loads; the chart says
 * why it has no data, or leaves the bad rows out. Without summary.json's flows every UE's
 * handovers are marked.
 */
static void test_tput_prepare_bad(void **state)
{
	struct report r;
	struct report_tput_data d;

	/* A header without mbps: no rows, the reader's reason kept for the chart */
	support_file_write(support_tmp, "events.csv", tput_events);
	support_file_write(support_tmp, "rtt.csv", tput_rtt);
	support_file_write(support_tmp, "throughput.csv", "t_s,flow,bytes\n1.0,dl,10\n");
	load(&r, support_tmp, 2000);
	assert_true(r.have_tput);
	assert_int_equal(r.n_tput, 0);
	assert_non_null(strstr(r.tput_note, "throughput.csv"));
	assert_non_null(strstr(r.tput_note, "no column 'mbps'"));
	assert_false(report_has_flows(&r)); /* nor does summary.json name one: no chart */
	report_free(&r);

	/* Rows the reader cannot read, a negative rate, a cut last line: left out, counted */
	support_file_write(support_tmp, "throughput.csv",
			   "mbps,bytes,flow,t_s\n"
			   "8,100000,dl,1.0\n"
			   "x,100000,dl,1.1\n"
			   "-3,100000,dl,1.2\n"
			   "16,200000,,1.3\n"
			   "24,300000,dl,nan\n"
			   "24,300000,dl,1.4\n"
			   "\xff\x01,\"\n"
			   "32,400000,dl,1.");
	load(&r, support_tmp, 2000);
	assert_int_equal(r.n_tput, 2);
	assert_int_equal(r.flows.n, 1);
	assert_false(r.flow[0].listed);
	assert_true(r.tput_bad >= 4);
	assert_non_null(strstr(r.tput_note, "throughput.csv:3"));
	assert_int_equal(report_tput_prepare(&r, &d), 0);
	assert_int_equal(d.points, 2);
	assert_float_equal(d.max_mbps, 24, 1e-9);
	/* no flow says where it runs: every UE's marks */
	assert_true(d.ue_marked[0] && d.ue_marked[1]);
	assert_int_equal(d.handovers, 2);
	assert_int_equal(d.losses, 2);
	report_tput_data_free(&d);
	report_free(&r);

	/* Only rows this side leaves out: the first of them said */
	support_file_write(support_tmp, "throughput.csv",
			   "t_s,flow,bytes,mbps\n1.0,dl,5,1\n1.1,,5,1\n1.2,dl,5,-1\n");
	load(&r, support_tmp, 2000);
	assert_int_equal(r.n_tput, 1);
	assert_int_equal(r.tput_bad, 2);
	assert_non_null(strstr(r.tput_note, "throughput.csv:3: flow: empty"));
	report_free(&r);
	/* ... and one the reader leaves out after them: still the first */
	support_file_write(support_tmp, "throughput.csv",
			   "t_s,flow,bytes,mbps\n1.0,dl,5,1\n1.2,dl,5,-1\n1.3,dl,x,1\n");
	load(&r, support_tmp, 2000);
	assert_int_equal(r.tput_bad, 2);
	assert_non_null(strstr(r.tput_note, "throughput.csv:3: mbps below 0"));
	report_free(&r);

	/* Empty: a run killed at once */
	support_file_write(support_tmp, "throughput.csv", "");
	load(&r, support_tmp, 2000);
	assert_true(r.have_tput);
	assert_int_equal(r.n_tput + r.flows.n, 0);
	assert_int_equal(report_tput_prepare(&r, &d), 0);
	assert_int_equal(d.points + d.flows, 0);
	assert_float_equal(d.plot.yhi, 1, 1e-9);
	report_tput_data_free(&d);
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
	    cmocka_unit_test_setup_teardown(test_tput_prepare, support_tmp_setup,
					    support_tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_tput_prepare_downsampled, support_tmp_setup,
					    support_tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_tput_prepare_bad, support_tmp_setup,
					    support_tmp_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
