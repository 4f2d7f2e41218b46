/* SPDX-License-Identifier: MIT */
/*
 * Mobility: where is a node at time t (seconds since the run's start)?
 *
 * A trace (ns-2 movement file or CSV t,node,x,y) is read once into per-node segments; the
 * query is a binary search, so a runner can ask at every tick for every UE.
 * Models (static, waypoints, random waypoint, a trace node) answer the same query through
 * struct mob_model.
 */
#ifndef EDGEMU_MOBILITY_H
#define EDGEMU_MOBILITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * What a trace or a model may hold, so that every position and time stays finite and exact
 * enough: coordinates within +-10000 km, times up to ~31 years, speeds up to 10 km/s (a
 * low-orbit satellite); a random-waypoint area is a point or at least 1 m across. A trace
 * is a regular file of at most 64 MiB with at most 100000 nodes; it keeps the first 100
 * warnings and counts the rest.
 */
#define MOB_COORD_MAX 1e7 /* metres, |x|, |y|, |z| */
#define MOB_TIME_MAX 1e9  /* seconds */
#define MOB_SPEED_MAX 1e4 /* metres per second */
#define MOB_AREA_MIN 1.0  /* metres: the random-waypoint area's larger side */
#define MOB_TRACE_BYTES_MAX (64u << 20)
#define MOB_TRACE_NODES_MAX 100000u
#define MOB_TRACE_WARNINGS_MAX 100u

struct mob_pos {
	double x, y, z;
};

/*
 * One leg of motion: from `from` at t0_s with velocity (vx, vy) until t1_s, then held at
 * `to` exactly (t1_s == t0_s for a stop or a jump).  A leg applies from t0_s until the next
 * leg's t0_s.
 */
struct mob_seg {
	double t0_s, t1_s;
	struct mob_pos from, to;
	double vx, vy, vz;
};

struct mob_node {
	unsigned id;
	struct mob_pos init;  /* position before the first leg */
	struct mob_seg *segs; /* ordered by t0_s */
	size_t n_segs, cap_segs;
};

struct mob_trace {
	struct mob_node *nodes; /* sorted by id (once read) */
	size_t n_nodes, cap_nodes;
	/* id -> index + 1 (0: free slot), open addressing, while reading; NULL once sorted */
	size_t *index;
	size_t index_cap; /* a power of two, at least twice n_nodes */
	char **warnings;  /* "file:line: what", for the program to print */
	size_t n_warnings, cap_warnings;
	size_t n_dropped; /* warnings past MOB_TRACE_WARNINGS_MAX, not kept */
};

/*
 * ns-2 movement file, read as ns-3's Ns2MobilityHelper does.  `name` is used in warnings.
 * Malformed lines, and values beyond the MOB_*_MAX bounds, are skipped with a warning (the
 * last one says how many more there were).  0 or -errno: -ENOMEM; from the _load functions
 * also -EISDIR, -EINVAL (not a regular file: a FIFO, /dev/zero), -EFBIG (beyond
 * MOB_TRACE_BYTES_MAX) and open/read's errors.
 */
int mob_trace_ns2_parse(const char *text, size_t len, const char *name, struct mob_trace **ret);
int mob_trace_ns2_load(const char *path, struct mob_trace **ret);
/* CSV "t,node,x,y[,z]", header line optional, `#` comments; samples sorted by time per node. */
int mob_trace_csv_parse(const char *text, size_t len, const char *name, struct mob_trace **ret);
int mob_trace_csv_load(const char *path, struct mob_trace **ret);
/* True when a line (after leading blanks) starts with '$': an ns-2 file, else CSV. */
bool mob_trace_text_is_ns2(const char *text, size_t len);
/* Either format, chosen by content. */
int mob_trace_load(const char *path, struct mob_trace **ret);

/* 0, or -ENOENT when the trace lacks that node; *ret untouched on failure. */
int mob_trace_pos(const struct mob_trace *t, unsigned node, double t_s, struct mob_pos *ret);
bool mob_trace_has(const struct mob_trace *t, unsigned node);
size_t mob_trace_node_count(const struct mob_trace *t);
/* Node ids in increasing order, i < mob_trace_node_count(). */
unsigned mob_trace_node_id(const struct mob_trace *t, size_t i);
size_t mob_trace_warning_count(const struct mob_trace *t);
const char *mob_trace_warning(const struct mob_trace *t, size_t i);
void mob_trace_free(struct mob_trace *t);

/* Shared by the readers (trace_ns2.c, trace_csv.c, model.c). */
struct mob_trace *mob_trace_new(void);
/* NULL when out of memory, or (create) when the trace already has MOB_TRACE_NODES_MAX nodes. */
struct mob_node *mob_trace_node_get(struct mob_trace *t, unsigned id, bool create);
int mob_node_seg_add(struct mob_node *n, const struct mob_seg *s);
int mob_trace_warn(struct mob_trace *t, const char *name, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* After the last line: one warning saying how many were not kept, if any. 0 or -ENOMEM. */
int mob_trace_warn_end(struct mob_trace *t, const char *name);
/* Whether a value read from a trace is within its MOB_*_MAX bound (and finite). */
bool mob_coord_ok(double v);
bool mob_time_ok(double t_s);
bool mob_speed_ok(double v);
void mob_trace_sort(struct mob_trace *t);
/* The lines of a text in turn, each copied NUL-terminated into line, numbered from 1. */
struct mob_lines {
	const char *text;
	size_t len;
	size_t next; /* offset of the next line */
	size_t lineno;
	char *line;
};

/* 0 or -ENOMEM; mob_lines_free() in both cases. */
int mob_lines_start(struct mob_lines *l, const char *text, size_t len);
/* The next line in l->line, l->lineno; false at the end. */
bool mob_lines_next(struct mob_lines *l);
void mob_lines_free(struct mob_lines *l);
/* Read the file at path and hand its text to parse (one of the readers), named path. */
int mob_file_parse(const char *path,
		   int (*parse)(const char *buf, size_t len, const char *name,
				struct mob_trace **ret),
		   struct mob_trace **ret);
/* Position of one node's legs at t_s. */
void mob_node_pos(const struct mob_node *n, double t_s, struct mob_pos *ret);

enum mob_model_kind {
	MOB_MODEL_STATIC,
	MOB_MODEL_WAYPOINTS,
	MOB_MODEL_RWP,
	MOB_MODEL_TRACE,
};

struct mob_waypoint {
	double x, y, t_s;
};

struct mob_rwp_params {
	double x0, y0, x1, y1;	     /* area corners */
	double speed_min, speed_max; /* m/s, 0 < min <= max */
	double pause_s;		     /* >= 0 */
};

struct mob_model {
	enum mob_model_kind kind;
	union {
		struct mob_pos fixed;
		struct {
			struct mob_waypoint *wps;
			size_t n;
		} wp;
		struct {
			struct mob_rwp_params p;
			uint64_t seed, rng;
			/* current leg: leave `from` at t0, reach `to` at t1, wait until t2 */
			struct mob_pos from, to;
			double t0_s, t1_s, t2_s;
			bool stuck; /* legs stopped advancing time: it stays at `from` */
		} rwp;
		struct {
			const struct mob_trace *trace; /* borrowed */
			unsigned node;
		} tr;
	};
};

void mob_model_static_init(struct mob_model *m, struct mob_pos p);
/* Copies wps; times must be non-decreasing (-EINVAL otherwise), n >= 1. */
int mob_model_waypoints_init(struct mob_model *m, const struct mob_waypoint *wps, size_t n);
/*
 * Random waypoint's bounds, for the scenario parser to check where the values are written:
 * 0 when fine, else -EINVAL and *ret_why says what is wrong ("max speed is above 10000 m/s").
 * Speeds: 0 < min <= max <= MOB_SPEED_MAX. Area: corners within MOB_COORD_MAX, either a
 * point or with a side of at least MOB_AREA_MIN (a smaller area made legs too short for
 * time to advance). Pause: 0 to MOB_TIME_MAX.
 */
int mob_rwp_speed_check(double min, double max, const char **ret_why);
int mob_rwp_area_check(double x0, double y0, double x1, double y1, const char **ret_why);
int mob_rwp_params_check(const struct mob_rwp_params *p, const char **ret_why);
/*
 * A scenario's `model: random-waypoint` entry as the model takes it: the area's corners, the
 * speeds, the pause in seconds. The runner and the scenario fuzz target both build it here,
 * so what the fuzzer checks is what runs.
 */
struct topo_mobility;
struct mob_rwp_params mob_rwp_params_from(const struct topo_mobility *mb);
/* Same seed, same path, whatever order the queries come in. -EINVAL: see the checks above. */
int mob_model_rwp_init(struct mob_model *m, const struct mob_rwp_params *p, uint64_t seed);
/* -ENOENT when the trace lacks the node. */
int mob_model_trace_init(struct mob_model *m, const struct mob_trace *t, unsigned node);
int mob_model_pos(struct mob_model *m, double t_s, struct mob_pos *ret);
void mob_model_fini(struct mob_model *m);

#endif
