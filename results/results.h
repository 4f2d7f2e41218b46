/* SPDX-License-Identifier: MIT */
/*
 * The results folder of `edgemu run`, defined once: its files' names, each CSV file's
 * columns, the writers of their rows and of the JSON files, and the readers `edgemu report`
 * and `edgemu sweep` read them back with.
 *
 * The format (README.md, "Results"):
 *   events.csv      t_s,event,ue,detail                    (detail quoted; ue "-": the run's)
 *   rtt.csv         t_s,ue,target,seq,rtt_ms,instance      (a loss: rtt_ms and instance empty)
 *   migrations.csv  n,ue,service,from,to,strategy,decided_s,start_s,freeze_s,resume_s,flip_s,
 *                   end_s,downtime_ms,client_gap_ms,total_ms,pages,bytes,rounds,ok,error,
 *                   thaw_s,downtime_until                 (error quoted; ok yes or no)
 *   positions.csv   t_s,ue,x,y,cell
 *   cells.csv       t_s,cell,ues,down_bytes,up_bytes,x2_pkts,x2_bytes,ho_drop_pkts,drop_pkts
 *                   (counts cumulative since the start; the last four newer: in-flight
 *                   downlink at handovers forwarded or dropped, other drops)
 *   throughput.csv  t_s,flow,bytes,mbps                    (a traffic: flow's receiver: the
 *                   bytes it read in the interval that ends at t_s, and their rate)
 *   summary.json, meta.json: objects (keys: README.md), written by json-c. A radio run's
 *                   summary.json has "radio": {handovers, forwarding (x2 or drop), as_of_s,
 *                   down_bytes, up_bytes, x2_pkts, x2_bytes, ho_drop_pkts, drop_pkts}: every
 *                   cell's counters summed at the end (cells.csv's last rows).
 * Times in seconds from the run's start, durations in ms. Every file is written in whole
 * lines (results/out.h): a reader takes a last line without its '\n' for one a killed run
 * cut, never for a row.
 *
 * Reading is bounded whatever the file holds: lines of at most RESULTS_LINE_MAX bytes (a
 * longer one is a bad row, skipped without being held in memory), RESULTS_CSV_MAX_FIELDS
 * fields, JSON files of at most RESULTS_JSON_MAX bytes nested RESULTS_JSON_DEPTH deep. The
 * columns are found by the header's names, in any order; a file without one of its required
 * columns (the first n_required of its table) is not that file. Errors say the file and the
 * line: "DIR/rtt.csv:12: rtt_ms: 'abc' is not a number".
 *
 * The runner writes its summary like this (every setter returns 0 or -ENOMEM, and keeps the
 * first error of rc when given one, so a block of them is checked once):
 *
 *	struct json_object *s = json_object_new_object(), *ues = json_object_new_array();
 *	int rc = s && ues ? 0 : -ENOMEM;
 *
 *	rc = results_json_set_str(s, "run", name, rc);
 *	rc = results_json_set_str(s, "signal", sig ? "SIGINT" : NULL, rc);  // NULL: null
 *	rc = results_json_set_fixed(s, "duration_s", 14.0004, 3, rc);      // 14.000
 *	rc = results_json_set(s, "ues", ues, rc);                           // s owns ues now
 *	for (...) {
 *		struct json_object *u = json_object_new_object();
 *
 *		rc = results_json_set_uint(u, "handovers", n, rc);
 *		rc = results_json_append(ues, u, rc);
 *	}
 *	if (rc == 0)
 *		rc = results_json_write(dir, RESULTS_SUMMARY, s);         // whole or absent
 *	json_object_put(s);
 *
 * and its CSV files:
 *
 *	struct results_out *o;
 *	int rc = results_csv_open(dir, RESULTS_CSV_RTT, RESULTS_OUT_NEW, &o); // and its header
 *	struct results_rtt x = {.t_s = 1.5, .ue = "ue1", .target = "game", .seq = "7",
 *				.rtt_ms = 10.25, .instance = "edge1"};
 *
 *	results_rtt_put(o, &x);     // errors stick in o->error, with o->path
 *	results_out_flush(o);
 *	results_out_close(o);
 */
#ifndef EDGEMU_RESULTS_RESULTS_H
#define EDGEMU_RESULTS_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "results/out.h"

struct json_object;

/* The files a run writes into its folder (report.html: `edgemu report`'s). */
#define RESULTS_SCENARIO "scenario.yaml"
#define RESULTS_META "meta.json"
#define RESULTS_EVENTS "events.csv"
#define RESULTS_RTT "rtt.csv"
#define RESULTS_MIGRATIONS "migrations.csv"
#define RESULTS_POSITIONS "positions.csv"
#define RESULTS_CELLS "cells.csv"
#define RESULTS_THROUGHPUT "throughput.csv"
#define RESULTS_SUMMARY "summary.json"
#define RESULTS_REPORT "report.html"
/* All of the above: a folder that holds any of them is a run's. */
#define RESULTS_N_FILES 10
extern const char *const results_files[RESULTS_N_FILES];

#define RESULTS_LINE_MAX 16384
#define RESULTS_CSV_MAX_FIELDS 32
#define RESULTS_JSON_MAX (4u << 20)
#define RESULTS_JSON_DEPTH 32
#define RESULTS_ERR_MAX 512

struct results_err {
	char msg[RESULTS_ERR_MAX]; /* the error; with RESULTS_READ_SKIP_BAD, the first bad row */
	size_t skipped;		   /* RESULTS_READ_SKIP_BAD: the bad rows left out */
};

/* ---- CSV files ---- */

enum results_csv_id {
	RESULTS_CSV_EVENTS,
	RESULTS_CSV_RTT,
	RESULTS_CSV_MIGRATIONS,
	RESULTS_CSV_POSITIONS,
	RESULTS_CSV_CELLS,
	RESULTS_CSV_THROUGHPUT,
	RESULTS_CSV_N,
};

struct results_csv_info {
	const char *name;	 /* "rtt.csv" */
	const char *const *cols; /* the header's names, in the order written */
	unsigned n_cols;
	unsigned n_required; /* the first ones; the others are newer (older files lack them) */
};
extern const struct results_csv_info results_csv[RESULTS_CSV_N];

/*
 * The rows, as written and as read. Read, the strings point into the reader's line: valid
 * during the callback only. Optional columns a file lacks read as "" and 0.
 */
struct results_event {
	double t_s;
	const char *event, *ue, *detail; /* ue "-": the run's own event */
};

struct results_rtt {
	double t_s;
	const char *ue, *target, *seq;
	bool loss;	      /* no answer: rtt_ms and instance empty in the file */
	double rtt_ms;	      /* 0 for a loss */
	const char *instance; /* the instance that answered */
};

struct results_pos {
	double t_s;
	const char *ue;
	double x, y;
	const char *cell; /* "-": attached to none */
};

/*
 * A cell at a tick: the UEs attached to it, the bytes it delivered to them (down) and from
 * them to its eNB (up), the downlink that reached it after its UE had left (in flight at a
 * handover), forwarded to the UE's new cell (x2) or dropped (ho_drop), and the packets it
 * dropped otherwise (radio loss, full queues): each a total since the run's start.
 */
struct results_cell {
	double t_s;
	const char *cell;
	unsigned ues;
	uint64_t down_bytes, up_bytes;
	uint64_t x2_pkts, x2_bytes, ho_drop_pkts, drop_pkts;
};

/*
 * A traffic: flow at its receiver's report: the bytes it read in the interval that ends at
 * t_s (normally 100 ms) and their rate in Mbit/s (10^6 bit/s) over that interval.
 */
struct results_tput {
	double t_s;
	const char *flow;
	uint64_t bytes;
	double mbps;
};

struct results_mig {
	unsigned n;
	const char *ue, *service, *from, *to, *strategy;
	double decided_s, start_s, freeze_s, resume_s, flip_s, end_s;
	double downtime_ms, client_gap_ms, total_ms;
	uint64_t pages, bytes;
	unsigned rounds;
	bool ok;		    /* "yes" */
	const char *error;	    /* "" (or NULL, written) when ok */
	double thaw_s;		    /* a failed one: when the source served again; 0: never */
	const char *downtime_until; /* "destination", "source", "end"; "" (or NULL): unsaid */
};

union results_row {
	struct results_event ev;
	struct results_rtt rtt;
	struct results_mig mig;
	struct results_pos pos;
	struct results_cell cell;
	struct results_tput tput;
};

/* Opens DIR/<the file's name> (results_out_open) and writes its header line: 0 or -errno. */
int results_csv_open(const char *dir, enum results_csv_id id, enum results_out_mode mode,
		     struct results_out **ret);
/* The header line of file id. 0, or the file's error. */
int results_csv_head(struct results_out *o, enum results_csv_id id);

/*
 * A row, in the file's number formats (t_s to the microsecond, positions to the ms and cm,
 * RTTs and durations to the µs in ms). A '"' in a quoted field is written as '\'', a line
 * break as a space. 0, or the file's error (sticky, in o->error).
 */
int results_event_put(struct results_out *o, const struct results_event *e);
int results_rtt_put(struct results_out *o, const struct results_rtt *x);
int results_mig_put(struct results_out *o, const struct results_mig *m);
int results_pos_put(struct results_out *o, const struct results_pos *p);
int results_cell_put(struct results_out *o, const struct results_cell *c);
int results_tput_put(struct results_out *o, const struct results_tput *x);

/* Rows that fail their checks are left out (counted, the first said in err) instead of
 * ending the read. */
#define RESULTS_READ_SKIP_BAD 1u

/*
 * Calls fn with every row of DIR/<file id's name> (results_csv_read) or of text, named
 * name in errors (results_csv_parse; name NULL: the file's name), in the file's order, with
 * its line number (the header is line 1). fn returns 0 to go on, or -errno to stop with it.
 * The number of rows fn saw, or: -ENOENT (and the like) when the file cannot be opened,
 * -ENODATA when it has no header line yet (empty: a run killed at once), -EINVAL with err
 * set when it is not that file (a required column missing) or, without
 * RESULTS_READ_SKIP_BAD, at its first bad row, or fn's error.
 */
long results_csv_read(const char *dir, enum results_csv_id id, unsigned flags,
		      int (*fn)(void *arg, const union results_row *row, size_t line), void *arg,
		      struct results_err *err);
long results_csv_parse(const char *text, size_t len, const char *name, enum results_csv_id id,
		       unsigned flags,
		       int (*fn)(void *arg, const union results_row *row, size_t line), void *arg,
		       struct results_err *err);

/* ---- JSON files ---- */

/*
 * text (len bytes, named name in errors) as JSON: one value, only blanks after it. 0 and
 * *ret (json_object_put() it), or -EINVAL with err set ("summary.json:3: unexpected end of
 * data"), -EFBIG past RESULTS_JSON_MAX, -ENOMEM.
 */
int results_json_parse(const char *text, size_t len, const char *name, struct json_object **ret,
		       struct results_err *err);
/* DIR/NAME read and parsed: the same, or -errno when it cannot be read. */
int results_json_read(const char *dir, const char *name, struct json_object **ret,
		      struct results_err *err);

/*
 * Typed getters: path is keys from o, dot-joined ("lateness_us.p50"). A value absent, null
 * or of another type gives def; numbers are ints or doubles alike.
 */
struct json_object *results_json_get(struct json_object *o, const char *path); /* NULL: also null */
bool results_json_has(struct json_object *o, const char *path); /* present, null too */
double results_json_double(struct json_object *o, const char *path, double def);
int64_t results_json_int(struct json_object *o, const char *path, int64_t def);
bool results_json_bool(struct json_object *o, const char *path, bool def);
const char *results_json_str(struct json_object *o, const char *path, const char *def);
/*
 * A scalar as text into buf: a string's text, a number as written in the file, true or
 * false. false when absent, null, an object or array, or empty.
 */
bool results_json_text(struct json_object *o, const char *path, char *buf, size_t len);

/*
 * Setters of o's key (an object). Each returns rc when rc < 0 (nothing done, what it was
 * given freed), else 0 or -ENOMEM, so a sequence is checked once at its end.
 * set_str: s NULL is null. set_fixed: v with that many decimals, as printf's "%.*f" writes
 * it (not finite: null). set / append take v (a json_object, NULL: -ENOMEM) over.
 */
int results_json_set_str(struct json_object *o, const char *key, const char *s, int rc);
int results_json_set_fixed(struct json_object *o, const char *key, double v, int decimals, int rc);
int results_json_set_int(struct json_object *o, const char *key, int64_t v, int rc);
int results_json_set_uint(struct json_object *o, const char *key, uint64_t v, int rc);
int results_json_set_bool(struct json_object *o, const char *key, bool v, int rc);
int results_json_set(struct json_object *o, const char *key, struct json_object *v, int rc);
int results_json_append(struct json_object *array, struct json_object *v, int rc);

/* j as pretty-printed JSON and a '\n' into o: 0, -ENOMEM, or the file's error. */
int results_json_put(struct results_out *o, struct json_object *j);
/* j as DIR/NAME, whole or absent (RESULTS_OUT_WHOLE): 0 or -errno. */
int results_json_write(const char *dir, const char *name, struct json_object *j);

#endif
