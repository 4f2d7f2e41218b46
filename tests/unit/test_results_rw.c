/* SPDX-License-Identifier: MIT */
/*
 * The results folder's files (results/results.h): each CSV file's header as the README
 * documents it; rows written in the runner's formats and read back the same; summary.json
 * written with json-c and read back with its numbers' text; bad files (a column missing, a
 * word for a number, huge lines, NUL bytes, JSON cut, nested or huge) give an error that
 * names the file and the line, never a crash.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "results/results.h"
#include "tests/unit/support.h"

/* The headers, as README.md's folder table and edgemu run have always written them. */
static void test_headers(void **state)
{
	static const char *const want[RESULTS_CSV_N] = {
	    [RESULTS_CSV_EVENTS] = "t_s,event,ue,detail\n",
	    [RESULTS_CSV_RTT] = "t_s,ue,target,seq,rtt_ms,instance\n",
	    [RESULTS_CSV_MIGRATIONS] =
		"n,ue,service,from,to,strategy,decided_s,start_s,freeze_s,resume_s,flip_s,end_s,"
		"downtime_ms,client_gap_ms,total_ms,pages,bytes,rounds,ok,error,thaw_s,"
		"downtime_until\n",
	    [RESULTS_CSV_POSITIONS] = "t_s,ue,x,y,cell\n",
	    [RESULTS_CSV_CELLS] =
		"t_s,cell,ues,down_bytes,up_bytes,x2_pkts,x2_bytes,ho_drop_pkts,drop_pkts\n",
	    [RESULTS_CSV_THROUGHPUT] = "t_s,flow,bytes,mbps\n",
	};
	static const char *const names[RESULTS_CSV_N] = {"events.csv",	   "rtt.csv",
							 "migrations.csv", "positions.csv",
							 "cells.csv",	   "throughput.csv"};
	struct results_out *o;
	char *text;

	(void)state;
	for (unsigned i = 0; i < RESULTS_CSV_N; i++) {
		char sub[128];

		assert_string_equal(results_csv[i].name, names[i]);
		snprintf(sub, sizeof(sub), "head-%u", i);
		assert_int_equal(results_out_open(support_tmp, sub, RESULTS_OUT_NEW, &o), 0);
		assert_int_equal(results_csv_head(o, i), 0);
		assert_int_equal(results_out_close(o), 0);
		text = support_file_read(support_tmp, sub, NULL);
		assert_string_equal(text, want[i]);
		free(text);
	}
	assert_string_equal(results_files[RESULTS_N_FILES - 1], "report.html");
}

struct got {
	enum results_csv_id id;
	unsigned n;
	size_t lines[8];
	union results_row rows[8];
	char text[8][512]; /* the row's strings, '|'-joined: they live as long as the line */
};

static int keep(void *arg, const union results_row *row, size_t line)
{
	struct got *g = arg;
	char *t = g->text[g->n];
	const size_t len = sizeof(g->text[0]);

	assert_true(g->n < 8);
	g->lines[g->n] = line;
	g->rows[g->n] = *row;
	if (g->id == RESULTS_CSV_EVENTS)
		snprintf(t, len, "%s|%s|%s", row->ev.event, row->ev.ue, row->ev.detail);
	else if (g->id == RESULTS_CSV_RTT)
		snprintf(t, len, "%s|%s|%s|%s", row->rtt.ue, row->rtt.target, row->rtt.seq,
			 row->rtt.instance);
	else if (g->id == RESULTS_CSV_POSITIONS)
		snprintf(t, len, "%s|%s", row->pos.ue, row->pos.cell);
	else if (g->id == RESULTS_CSV_CELLS)
		snprintf(t, len, "%s", row->cell.cell);
	else if (g->id == RESULTS_CSV_THROUGHPUT)
		snprintf(t, len, "%s", row->tput.flow);
	else
		snprintf(t, len, "%s|%s|%s|%s|%s|%s|%s", row->mig.ue, row->mig.service,
			 row->mig.from, row->mig.to, row->mig.strategy, row->mig.error,
			 row->mig.downtime_until);
	g->n++;
	return 0;
}

/* Rows written as the runner writes them, byte for byte, and read back the same. */
static void test_round_trip(void **state)
{
	struct results_event e = {.t_s = 6.9000004,
				  .event = "handover",
				  .ue = "ue1",
				  .detail = "from \"enb1\" to enb2 (a3)"};
	struct results_rtt a = {.t_s = 0.0436841,
				.ue = "ue1",
				.target = "game",
				.seq = "0",
				.rtt_ms = 21.3624,
				.instance = "edge1"};
	struct results_rtt l = {
	    .t_s = 1.5, .ue = "ue1", .target = "cloud", .seq = "12", .loss = true};
	struct results_pos p = {.t_s = 0.1, .ue = "ue1", .x = 55.833, .y = -0.004, .cell = "enb1"};
	struct results_mig m = {.n = 0,
				.ue = "ue1",
				.service = "game",
				.from = "edge1",
				.to = "edge2",
				.strategy = "precopy",
				.decided_s = 6.9,
				.start_s = 6.900385,
				.freeze_s = 7.313106,
				.resume_s = 7.3447,
				.flip_s = 7.344801,
				.end_s = 7.344952,
				.downtime_ms = 31.595,
				.client_gap_ms = 65.404,
				.total_ms = 444.567,
				.pages = 4336,
				.bytes = 17764416,
				.rounds = 1,
				.ok = false,
				.error = "the destination \"edge2\"\nfailed",
				.thaw_s = 8.1125,
				.downtime_until = "source"};
	struct results_out *o;
	struct results_err err;
	struct got g;
	char *text;

	(void)state;
	assert_int_equal(results_csv_open(support_tmp, RESULTS_CSV_EVENTS, RESULTS_OUT_NEW, &o), 0);
	assert_int_equal(results_event_put(o, &e), 0);
	assert_int_equal(results_out_close(o), 0);
	assert_int_equal(results_csv_open(support_tmp, RESULTS_CSV_RTT, RESULTS_OUT_NEW, &o), 0);
	assert_int_equal(results_rtt_put(o, &a), 0);
	assert_int_equal(results_rtt_put(o, &l), 0);
	assert_int_equal(results_out_close(o), 0);
	assert_int_equal(results_csv_open(support_tmp, RESULTS_CSV_POSITIONS, RESULTS_OUT_NEW, &o),
			 0);
	assert_int_equal(results_pos_put(o, &p), 0);
	assert_int_equal(results_out_close(o), 0);
	assert_int_equal(
	    results_csv_open(support_tmp, RESULTS_CSV_MIGRATIONS, RESULTS_OUT_WHOLE, &o), 0);
	assert_int_equal(results_mig_put(o, &m), 0);
	assert_int_equal(results_out_close(o), 0);
	/* A results file is never written over. */
	assert_int_equal(results_csv_open(support_tmp, RESULTS_CSV_RTT, RESULTS_OUT_NEW, &o),
			 -EEXIST);

	text = support_file_read(support_tmp, "events.csv", NULL);
	assert_string_equal(text, "t_s,event,ue,detail\n"
				  "6.900000,handover,ue1,\"from 'enb1' to enb2 (a3)\"\n");
	free(text);
	text = support_file_read(support_tmp, "rtt.csv", NULL);
	assert_string_equal(text, "t_s,ue,target,seq,rtt_ms,instance\n"
				  "0.043684,ue1,game,0,21.362,edge1\n"
				  "1.500000,ue1,cloud,12,,\n");
	free(text);
	text = support_file_read(support_tmp, "positions.csv", NULL);
	assert_string_equal(text, "t_s,ue,x,y,cell\n0.100,ue1,55.83,-0.00,enb1\n");
	free(text);
	text = support_file_read(support_tmp, "migrations.csv", NULL);
	assert_non_null(strstr(text, "\n0,ue1,game,edge1,edge2,precopy,6.900000,6.900385,7.313106,"
				     "7.344700,7.344801,7.344952,31.595,65.404,444.567,4336,"
				     "17764416,1,no,\"the destination 'edge2' failed\",8.112500,"
				     "source\n"));
	free(text);

	memset(&g, 0, sizeof(g));
	g.id = RESULTS_CSV_EVENTS;
	assert_int_equal(results_csv_read(support_tmp, RESULTS_CSV_EVENTS, 0, keep, &g, &err), 1);
	assert_int_equal(g.lines[0], 2);
	assert_float_equal(g.rows[0].ev.t_s, 6.9, 1e-9);
	assert_string_equal(g.text[0], "handover|ue1|from 'enb1' to enb2 (a3)");
	memset(&g, 0, sizeof(g));
	g.id = RESULTS_CSV_RTT;
	assert_int_equal(results_csv_read(support_tmp, RESULTS_CSV_RTT, 0, keep, &g, &err), 2);
	assert_string_equal(g.text[0], "ue1|game|0|edge1");
	assert_string_equal(g.text[1], "ue1|cloud|12|");
	assert_int_equal(g.lines[1], 3);
	assert_float_equal(g.rows[0].rtt.rtt_ms, 21.362, 1e-9);
	assert_false(g.rows[0].rtt.loss);
	assert_true(g.rows[1].rtt.loss);
	assert_float_equal(g.rows[1].rtt.t_s, 1.5, 1e-9);
	memset(&g, 0, sizeof(g));
	g.id = RESULTS_CSV_POSITIONS;
	assert_int_equal(results_csv_read(support_tmp, RESULTS_CSV_POSITIONS, 0, keep, &g, &err),
			 1);
	assert_float_equal(g.rows[0].pos.x, 55.83, 1e-9);
	assert_float_equal(g.rows[0].pos.y, 0, 0);
	assert_string_equal(g.text[0], "ue1|enb1");
	memset(&g, 0, sizeof(g));
	g.id = RESULTS_CSV_MIGRATIONS;
	assert_int_equal(results_csv_read(support_tmp, RESULTS_CSV_MIGRATIONS, 0, keep, &g, &err),
			 1);
	assert_string_equal(g.text[0],
			    "ue1|game|edge1|edge2|precopy|the destination 'edge2' failed|source");
	assert_int_equal(g.rows[0].mig.pages, 4336);
	assert_int_equal(g.rows[0].mig.bytes, 17764416);
	assert_int_equal(g.rows[0].mig.rounds, 1);
	assert_false(g.rows[0].mig.ok);
	assert_float_equal(g.rows[0].mig.thaw_s, 8.1125, 1e-9);
	assert_float_equal(g.rows[0].mig.total_ms, 444.567, 1e-9);
}

/*
 * cells.csv: byte counts past 2^53 kept whole, a cell with no UE, the handovers' in-flight
 * downlink, bad counts refused, and a file of an edgemu before those columns read with 0s.
 */
static void test_cells_round_trip(void **state)
{
	struct results_cell c[] = {
	    {.t_s = 0.1004,
	     .cell = "enb1",
	     .ues = 2,
	     .down_bytes = 123456,
	     .up_bytes = 789,
	     .x2_pkts = 3,
	     .x2_bytes = 4500,
	     .ho_drop_pkts = 2,
	     .drop_pkts = 17},
	    {.t_s = 0.1004, .cell = "enb2", .ues = 0, .down_bytes = 0, .up_bytes = 0},
	    {.t_s = 86400.25,
	     .cell = "enb1",
	     .ues = 4096,
	     .down_bytes = UINT64_MAX,
	     .up_bytes = (1ull << 53) + 1},
	};
	static const char bad_ues[] = "t_s,cell,ues,down_bytes,up_bytes\n1.000,enb1,-1,0,0\n";
	static const char bad_up[] = "t_s,cell,ues,down_bytes,up_bytes\n1.000,enb1,1,0,1.5\n";
	static const char no_up[] = "t_s,cell,ues,down_bytes\n1.000,enb1,1,0\n";
	static const char bad_x2[] =
	    "t_s,cell,ues,down_bytes,up_bytes,x2_pkts\n1.000,enb1,1,0,0,x\n";
	static const char older[] = "t_s,cell,ues,down_bytes,up_bytes\n1.000,enb1,1,5,6\n";
	struct results_out *o;
	struct results_err err;
	struct got g;
	char *text;

	(void)state;
	assert_int_equal(results_csv_open(support_tmp, RESULTS_CSV_CELLS, RESULTS_OUT_NEW, &o), 0);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(results_cell_put(o, &c[i]), 0);
	assert_int_equal(results_out_close(o), 0);
	text = support_file_read(support_tmp, "cells.csv", NULL);
	assert_string_equal(
	    text, "t_s,cell,ues,down_bytes,up_bytes,x2_pkts,x2_bytes,ho_drop_pkts,drop_pkts\n"
		  "0.100,enb1,2,123456,789,3,4500,2,17\n"
		  "0.100,enb2,0,0,0,0,0,0,0\n"
		  "86400.250,enb1,4096,18446744073709551615,9007199254740993,0,0,0,0\n");
	free(text);
	memset(&g, 0, sizeof(g));
	g.id = RESULTS_CSV_CELLS;
	assert_int_equal(results_csv_read(support_tmp, RESULTS_CSV_CELLS, 0, keep, &g, &err), 3);
	assert_string_equal(g.text[0], "enb1");
	assert_string_equal(g.text[1], "enb2");
	assert_int_equal(g.lines[2], 4);
	assert_float_equal(g.rows[0].cell.t_s, 0.1, 1e-9);
	assert_int_equal(g.rows[0].cell.ues, 2);
	assert_int_equal(g.rows[0].cell.down_bytes, 123456);
	assert_int_equal(g.rows[0].cell.up_bytes, 789);
	assert_int_equal(g.rows[0].cell.x2_pkts, 3);
	assert_int_equal(g.rows[0].cell.x2_bytes, 4500);
	assert_int_equal(g.rows[0].cell.ho_drop_pkts, 2);
	assert_int_equal(g.rows[0].cell.drop_pkts, 17);
	assert_int_equal(g.rows[1].cell.ues, 0);
	assert_int_equal(g.rows[2].cell.ues, 4096);
	assert_true(g.rows[2].cell.down_bytes == UINT64_MAX);
	assert_true(g.rows[2].cell.up_bytes == (1ull << 53) + 1);
	assert_int_equal(results_csv_parse(bad_ues, sizeof(bad_ues) - 1, NULL, RESULTS_CSV_CELLS, 0,
					   keep, &g, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "cells.csv:2: ues: '-1' is not a count");
	assert_int_equal(results_csv_parse(bad_up, sizeof(bad_up) - 1, NULL, RESULTS_CSV_CELLS, 0,
					   keep, &g, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "cells.csv:2: up_bytes: '1.5' is not a count");
	assert_int_equal(
	    results_csv_parse(no_up, sizeof(no_up) - 1, NULL, RESULTS_CSV_CELLS, 0, keep, &g, &err),
	    -EINVAL);
	assert_string_equal(err.msg, "cells.csv:1: no column 'up_bytes'");
	assert_int_equal(results_csv_parse(bad_x2, sizeof(bad_x2) - 1, NULL, RESULTS_CSV_CELLS, 0,
					   keep, &g, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "cells.csv:2: x2_pkts: 'x' is not a count");
	memset(&g, 0, sizeof(g));
	g.id = RESULTS_CSV_CELLS;
	assert_int_equal(
	    results_csv_parse(older, sizeof(older) - 1, NULL, RESULTS_CSV_CELLS, 0, keep, &g, &err),
	    1);
	assert_int_equal(g.rows[0].cell.up_bytes, 6);
	assert_int_equal(g.rows[0].cell.x2_pkts, 0);
	assert_int_equal(g.rows[0].cell.drop_pkts, 0);
}

/* Strings checked in the callback itself: they live as long as the line. */
static int check_strings(void *arg, const union results_row *row, size_t line)
{
	unsigned *calls = arg;

	(void)line;
	(*calls)++;
	assert_string_equal(row->mig.ue, "ue1");
	assert_string_equal(row->mig.strategy, "precopy");
	assert_string_equal(row->mig.error, "");
	assert_string_equal(row->mig.downtime_until, "");
	assert_float_equal(row->mig.thaw_s, 0, 0);
	assert_true(row->mig.ok);
	return 0;
}

/* A migrations.csv from before error, thaw_s and downtime_until: read, those empty. */
static void test_older_file(void **state)
{
	static const char old[] =
	    "n,ue,service,from,to,strategy,decided_s,start_s,freeze_s,resume_s,flip_s,end_s,"
	    "downtime_ms,client_gap_ms,total_ms,pages,bytes,rounds,ok\n"
	    "0,ue1,game,edge1,edge2,precopy,6.9,6.9,7.3,7.3,7.3,7.3,31.5,65.4,444.5,1,2,1,yes\n";
	unsigned calls = 0;

	(void)state;
	assert_int_equal(results_csv_parse(old, sizeof(old) - 1, NULL, RESULTS_CSV_MIGRATIONS, 0,
					   check_strings, &calls, NULL),
			 1);
	assert_int_equal(calls, 1);
}

static int count_rows(void *arg, const union results_row *row, size_t line)
{
	(void)row;
	(void)line;
	++*(unsigned *)arg;
	return 0;
}

/* text as rtt.csv: strict, the error and its file:line; skipping, the count. */
static void bad_rtt(const char *text, size_t len, const char *want, long skip_rows)
{
	struct results_err err;
	unsigned rows = 0;
	long rc;

	rc = results_csv_parse(text, len, "x/rtt.csv", RESULTS_CSV_RTT, 0, count_rows, &rows, &err);
	assert_int_equal(rc, -EINVAL);
	if (!strstr(err.msg, want))
		fail_msg("'%s' does not say '%s'", err.msg, want);
	rows = 0;
	rc = results_csv_parse(text, len, "x/rtt.csv", RESULTS_CSV_RTT, RESULTS_READ_SKIP_BAD,
			       count_rows, &rows, &err);
	assert_int_equal(rc, skip_rows);
	if (skip_rows >= 0) {
		assert_int_equal(rows, skip_rows);
		assert_int_equal(err.skipped, 1);
		assert_non_null(strstr(err.msg, want));
	}
}

static void test_bad_csv(void **state)
{
	static const char head[] = "t_s,ue,target,seq,rtt_ms,instance\n";
	size_t big = 1u << 20, n;
	char *text = malloc(big + 256);

	(void)state;
	assert_non_null(text);
	/* Not an rtt.csv: a column missing, or no header at all. */
	bad_rtt("t_s,ue,target,seq,instance\n1,a,b,1,x\n", 38, "x/rtt.csv:1: no column 'rtt_ms'",
		-EINVAL);
	assert_int_equal(results_csv_parse("", 0, NULL, RESULTS_CSV_RTT, 0, count_rows, &n, NULL),
			 -ENODATA);
	assert_int_equal(
	    results_csv_parse("t_s,ue,tar", 10, NULL, RESULTS_CSV_RTT, 0, count_rows, &n, NULL),
	    -ENODATA);
	/* Words for numbers, short rows, NUL bytes, a huge line: said with their line. */
	n = (size_t)sprintf(text, "%s1.0,ue1,game,0,2.5,e\n1.0,ue1,game,1,fast,e\n", head);
	bad_rtt(text, n, "x/rtt.csv:3: rtt_ms: 'fast' is not a number", 1);
	n = (size_t)sprintf(text, "%snan,ue1,game,1,2.0,e\n1.0,ue1,game,0,2.5,e\n", head);
	bad_rtt(text, n, "x/rtt.csv:2: t_s: 'nan' is not a number", 1);
	n = (size_t)sprintf(text, "%s1.0,ue1\n1.0,ue1,game,0,2.5,e\n", head);
	bad_rtt(text, n, "x/rtt.csv:2: 2 fields", 1);
	n = (size_t)sprintf(text, "%s1.0,ue1,game,0,2.5,e\n1.0,ue1,g", head);
	n += 1;
	memcpy(text + n, "ame,0,2.5,e\n", 12);
	n += 12;
	bad_rtt(text, n, "x/rtt.csv:3: a NUL byte", 1);
	n = (size_t)sprintf(text, "%s1.0,ue1,game,0,2.5,e\n", head);
	memset(text + n, 'x', big);
	n += big;
	text[n++] = '\n';
	n += (size_t)sprintf(text + n, "2.0,ue1,game,1,3.5,e\n");
	bad_rtt(text, n, "x/rtt.csv:3: a line longer than 16384 bytes", 2);
	/* A huge cut line at the end: left out, nothing kept of it. */
	n = (size_t)sprintf(text, "%s1.0,ue1,game,0,2.5,e\n", head);
	memset(text + n, ',', big);
	n += big;
	{
		unsigned rows = 0;

		assert_int_equal(
		    results_csv_parse(text, n, NULL, RESULTS_CSV_RTT, 0, count_rows, &rows, NULL),
		    1);
		/* More fields than any file has: the extra ones ignored. */
		text[n++] = '\n';
		assert_int_equal(results_csv_parse(text, n, NULL, RESULTS_CSV_RTT,
						   RESULTS_READ_SKIP_BAD, count_rows, &rows, NULL),
				 1);
	}
	free(text);
	/* A file that is not there: its errno. */
	assert_int_equal(
	    results_csv_read("/nonexistent", RESULTS_CSV_EVENTS, 0, count_rows, &n, NULL), -ENOENT);
	/* Counts: not negative, not fractions. */
	{
		static const char mig[] =
		    "n,ue,service,from,to,strategy,decided_s,start_s,freeze_s,resume_s,flip_s,end_"
		    "s,"
		    "downtime_ms,client_gap_ms,total_ms,pages,bytes,rounds,ok\n"
		    "0,ue1,game,edge1,edge2,precopy,6.9,6.9,7.3,7.3,7.3,7.3,31.5,65.4,444.5,-1,2,1,"
		    "yes\n";
		struct results_err err;

		assert_int_equal(results_csv_parse(mig, sizeof(mig) - 1, NULL,
						   RESULTS_CSV_MIGRATIONS, 0, count_rows, &n, &err),
				 -EINVAL);
		assert_string_equal(err.msg, "migrations.csv:2: pages: '-1' is not a count");
	}
}

/* A summary as the runner writes it, read back: the same keys and numbers as written. */
static void test_json_round_trip(void **state)
{
	struct json_object *s = json_object_new_object(), *ues = json_object_new_array(), *u, *r;
	struct results_err err;
	char buf[64], *text;
	int rc = s && ues ? 0 : -ENOMEM;

	(void)state;
	rc = results_json_set_str(s, "run", "quickstart", rc);
	rc = results_json_set_str(s, "ended", "completed", rc);
	rc = results_json_set_str(s, "signal", NULL, rc);
	rc = results_json_set_str(s, "scenario", "experiments/quick \"start\".yaml", rc);
	rc = results_json_set_fixed(s, "duration_s", 14.0004, 3, rc);
	rc = results_json_set_fixed(s, "nothing", 0.0 / 0.0, 3, rc);
	rc = results_json_set(s, "ues", ues, rc);
	u = json_object_new_object();
	rc = results_json_set_str(u, "ue", "ue1", rc);
	rc = results_json_set_uint(u, "handovers", 3, rc);
	rc = results_json_set_int(u, "delta", -2, rc);
	rc = results_json_set_bool(u, "ok", true, rc);
	rc = results_json_append(ues, u, rc);
	r = json_object_new_object();
	rc = results_json_set_fixed(r, "p50", 36.94, 1, rc);
	rc = results_json_set_uint(r, "events", 282, rc);
	rc = results_json_set(s, "lateness_us", r, rc);
	assert_int_equal(rc, 0);
	assert_int_equal(results_json_write(support_tmp, "summary.json", s), 0);
	assert_int_equal(results_json_write(support_tmp, "summary.json", s),
			 0); /* whole: replaced */
	json_object_put(s);
	/* After an error, nothing more is done and what was handed over is freed. */
	s = json_object_new_object();
	assert_int_equal(results_json_set(s, "x", json_object_new_object(), -ENOSPC), -ENOSPC);
	assert_int_equal(results_json_set_str(s, "y", "z", -ENOSPC), -ENOSPC);
	assert_int_equal(json_object_object_length(s), 0);
	assert_int_equal(results_json_set(s, "x", NULL, 0), -ENOMEM);
	json_object_put(s);

	text = support_file_read(support_tmp, "summary.json", NULL);
	assert_non_null(strstr(text, "\"duration_s\": 14.000,"));
	assert_non_null(strstr(text, "\"scenario\": \"experiments/quick \\\"start\\\".yaml\""));
	assert_non_null(strstr(text, "\"signal\": null"));
	assert_non_null(strstr(text, "\n  \"ues\": ["));
	assert_int_equal(text[strlen(text) - 1], '\n');
	free(text);

	assert_int_equal(results_json_read(support_tmp, "summary.json", &s, &err), 0);
	assert_string_equal(results_json_str(s, "run", NULL), "quickstart");
	assert_null(results_json_str(s, "signal", NULL));
	assert_true(results_json_has(s, "signal"));
	assert_false(results_json_has(s, "stopped_s"));
	assert_float_equal(results_json_double(s, "duration_s", 0), 14.0, 1e-12);
	assert_float_equal(results_json_double(s, "run", -1), -1, 0); /* a string: the default */
	assert_float_equal(results_json_double(s, "lateness_us.events", 0), 282, 0);
	assert_int_equal(results_json_int(s, "lateness_us.events", 0), 282);
	assert_true(results_json_text(s, "duration_s", buf, sizeof(buf)));
	assert_string_equal(buf, "14.000");
	assert_true(results_json_text(s, "lateness_us.p50", buf, sizeof(buf)));
	assert_string_equal(buf, "36.9");
	assert_true(results_json_text(s, "scenario", buf, sizeof(buf)));
	assert_string_equal(buf, "experiments/quick \"start\".yaml");
	assert_false(results_json_text(s, "signal", buf, sizeof(buf)));
	assert_false(results_json_text(s, "nothing", buf, sizeof(buf)));
	assert_false(results_json_text(s, "ues", buf, sizeof(buf)));
	assert_false(results_json_text(s, "run.x", buf, sizeof(buf)));
	u = json_object_array_get_idx(results_json_get(s, "ues"), 0);
	assert_int_equal(results_json_int(u, "handovers", 0), 3);
	assert_int_equal(results_json_int(u, "delta", 0), -2);
	assert_true(results_json_bool(u, "ok", false));
	assert_true(results_json_bool(u, "handovers", true)); /* a number: the default */
	json_object_put(s);
}

static void bad_json(const char *text, size_t len, int want_rc, const char *want)
{
	struct json_object *o = NULL;
	struct results_err err;

	assert_int_equal(results_json_parse(text, len, "d/summary.json", &o, &err), want_rc);
	assert_null(o);
	if (!strstr(err.msg, want))
		fail_msg("'%s' does not say '%s'", err.msg, want);
}

static void test_bad_json(void **state)
{
	size_t big = RESULTS_JSON_MAX + 16, n;
	char *text = malloc(big);

	(void)state;
	assert_non_null(text);
	bad_json("{\"run\":\"x\",\n\"ues\":[{\"handovers\":1}],\n\"migrations\":[{\"ok\":true,", 58,
		 -EINVAL, "d/summary.json:3: unexpected end");
	bad_json("", 0, -EINVAL, "d/summary.json:1: unexpected end");
	bad_json("{\"a\":1}\n{\"b\":2}\n", 16, -EINVAL, "d/summary.json:2: text after");
	bad_json("{\"a\":1,\n\"x\":nul}", 16, -EINVAL, "d/summary.json:2: ");
	bad_json("{\"a\":1\0}", 8, -EINVAL, "d/summary.json:1: ");
	/* Deep: an error past RESULTS_JSON_DEPTH, no stack spent on it. */
	n = 100000;
	memset(text, '[', n);
	bad_json(text, n, -EINVAL, "d/summary.json:1: ");
	/* Huge: refused before it is parsed. */
	memset(text, ' ', big);
	text[0] = '[';
	text[big - 1] = ']';
	bad_json(text, big, -EFBIG, "d/summary.json: larger than");
	free(text);
	/* A file that is not there: its errno. */
	{
		struct json_object *o;

		assert_int_equal(results_json_read(support_tmp, "absent.json", &o, NULL), -ENOENT);
	}
}

/* throughput.csv: counts past 2^53 kept whole, an idle interval, bad values refused. */
static void test_tput_round_trip(void **state)
{
	struct results_tput x[] = {
	    {.t_s = 1.1000004, .flow = "dl", .bytes = 250000, .mbps = 20.0},
	    {.t_s = 1.2, .flow = "up", .bytes = 0, .mbps = 0},
	    {.t_s = 3600.5, .flow = "dl", .bytes = (1ull << 53) + 1, .mbps = 123.4567},
	};
	static const char bad_bytes[] = "t_s,flow,bytes,mbps\n1.000,dl,-5,0\n";
	static const char bad_mbps[] = "t_s,flow,bytes,mbps\n1.000,dl,5,fast\n";
	static const char no_mbps[] = "t_s,flow,bytes\n1.000,dl,5\n";
	struct results_out *o;
	struct results_err err;
	struct got g;
	char *text;

	(void)state;
	assert_int_equal(results_csv_open(support_tmp, RESULTS_CSV_THROUGHPUT, RESULTS_OUT_NEW, &o),
			 0);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(results_tput_put(o, &x[i]), 0);
	assert_int_equal(results_out_close(o), 0);
	text = support_file_read(support_tmp, "throughput.csv", NULL);
	assert_string_equal(text, "t_s,flow,bytes,mbps\n"
				  "1.100000,dl,250000,20.000\n"
				  "1.200000,up,0,0.000\n"
				  "3600.500000,dl,9007199254740993,123.457\n");
	free(text);
	memset(&g, 0, sizeof(g));
	g.id = RESULTS_CSV_THROUGHPUT;
	assert_int_equal(results_csv_read(support_tmp, RESULTS_CSV_THROUGHPUT, 0, keep, &g, &err),
			 3);
	assert_string_equal(g.text[0], "dl");
	assert_string_equal(g.text[1], "up");
	assert_float_equal(g.rows[0].tput.t_s, 1.1, 1e-9);
	assert_int_equal(g.rows[0].tput.bytes, 250000);
	assert_float_equal(g.rows[0].tput.mbps, 20.0, 1e-9);
	assert_true(g.rows[2].tput.bytes == (1ull << 53) + 1);
	assert_float_equal(g.rows[2].tput.mbps, 123.457, 1e-9);
	assert_int_equal(results_csv_parse(bad_bytes, sizeof(bad_bytes) - 1, NULL,
					   RESULTS_CSV_THROUGHPUT, 0, keep, &g, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "throughput.csv:2: bytes: '-5' is not a count");
	assert_int_equal(results_csv_parse(bad_mbps, sizeof(bad_mbps) - 1, NULL,
					   RESULTS_CSV_THROUGHPUT, 0, keep, &g, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "throughput.csv:2: mbps: 'fast' is not a number");
	assert_int_equal(results_csv_parse(no_mbps, sizeof(no_mbps) - 1, NULL,
					   RESULTS_CSV_THROUGHPUT, 0, keep, &g, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "throughput.csv:1: no column 'mbps'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_headers),	     cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_cells_round_trip), cmocka_unit_test(test_tput_round_trip),
	    cmocka_unit_test(test_older_file),	     cmocka_unit_test(test_bad_csv),
	    cmocka_unit_test(test_json_round_trip),  cmocka_unit_test(test_bad_json),
	};

	return cmocka_run_group_tests(tests, support_tmp_setup, support_tmp_teardown);
}
