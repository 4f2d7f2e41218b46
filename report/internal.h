/* SPDX-License-Identifier: MIT */
/* Inside report/: a results folder as read (struct report), and what its files share. */
#ifndef EDGEMU_REPORT_INTERNAL_H
#define EDGEMU_REPORT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report/svg.h"
#include "topo/topo.h"

#define W 900 /* every chart's width in px; the page scales it down */
#define FONT "DejaVu Sans, Liberation Sans, Helvetica, Arial, sans-serif"

#define C_LOSS "#d62728"
#define C_HO "#444"
#define C_MIG "#fdd9a8"
#define C_FROZEN "#f08a24"
#define C_FLIP "#8c3b00"

struct strtab {
	char **v;
	size_t n, cap;
};

struct rtt_row {
	double t_s, rtt_ms;
	unsigned ue, target;
	bool loss;
	size_t line; /* keeps the file's order among equal times */
};

struct ev_row {
	double t_s;
	int ue; /* -1: the run's own */
	char *event, *detail;
};

struct pos_row {
	double t_s, x, y;
	unsigned ue;
	size_t line;
};

/* A line of cells.csv: bytes are totals since the start. */
struct cell_row {
	double t_s;
	unsigned cell; /* in r->cells */
	unsigned ues;
	uint64_t down_bytes, up_bytes;
	size_t line;
};

/* A line of throughput.csv: a flow's bytes read in the interval ending at t_s, their rate. */
struct tput_row {
	double t_s, mbps;
	uint64_t bytes;
	unsigned flow; /* in r->flows */
	size_t line;
};

/* A flow as summary.json lists it ("flows"); NULL and false for one only throughput.csv names. */
struct flow_info {
	char *from, *to; /* its nodes */
	bool listed;	 /* in summary.json */
};

struct mig_row {
	unsigned n;
	unsigned ue;
	char *service, *from, *to, *strategy, *error;
	double decided_s, start_s, freeze_s, resume_s, flip_s, end_s;
	double done_s; /* its migration_done or _failed event, 0: none */
	double downtime_ms, gap_ms, total_ms;
	char until[16]; /* where the downtime ended: destination, source, end; "": unsaid */
	uint64_t pages, bytes;
	unsigned rounds;
	bool ok;
};

struct chart {
	char id[64];
	char *svg;
	size_t len;
};

struct report {
	const char *dir;
	unsigned max_points;
	struct topo_model *m; /* NULL when scenario.yaml cannot be read */
	char scenario_note[TOPO_ERR_MAX + 64];
	struct strtab ues, targets;
	int *ue_target; /* per UE: the target its RTT summary counts, -1: every one */
	struct rtt_row *rtt;
	size_t n_rtt, cap_rtt, *rtt_from; /* rtt_from[u]..rtt_from[u + 1]: UE u's rows */
	struct ev_row *ev;
	size_t n_ev, cap_ev;
	struct pos_row *pos;
	size_t n_pos, cap_pos, *pos_from;
	struct mig_row *mig;
	size_t n_mig, cap_mig;
	struct strtab cells; /* the cells cells.csv names, in the order first met */
	struct cell_row *cell;
	size_t n_cell, cap_cell, *cell_from; /* cell_from[c]..cell_from[c + 1]: cell c's rows */
	/* summary.json's flows in its order, then any other throughput.csv names */
	struct strtab flows;
	struct flow_info *flow; /* per flow */
	struct tput_row *tput;
	size_t n_tput, cap_tput, *tput_from; /* tput_from[f]..tput_from[f + 1]: flow f's rows */
	size_t tput_bad;		     /* rows of throughput.csv left out */
	char tput_note[576];		     /* why throughput.csv was not read, "": it was */
	size_t tput_note_line;		     /* a bad row's note: its line */
	bool have_rtt, have_pos, have_mig, have_cells, have_tput;
	double t_end;
	char *meta, *summary; /* the JSON files' text, or NULL */
	struct chart *charts;
	size_t n_charts, cap_charts;
};

/* load.c */
int report_load(struct report *r, struct topo_err *err);
void report_free(struct report *r);
bool json_get(const char *text, const char *within, const char *key, char *out, size_t len);

/* data.c */
/* A handover that counts: not the first attach, nor a re-attach after losing every cell. */
bool report_is_handover(const struct ev_row *e);
/* The end of migration g: its done or failed event, else its end, else still running. */
double report_mig_done(const struct report *r, const struct mig_row *g);
/* When the service answered again after the freeze, 0: it never froze. */
double report_mig_frozen_end(const struct mig_row *g);
/* 0 before any migration of the UE, 1 from a decision to that migration's end, 2 after. */
int report_phase_of(const struct report *r, unsigned ue, double t);
/* An answer the UE's RTT summary counts: from the target its service is. */
bool report_rtt_counts(const struct report *r, const struct rtt_row *x);
/* The cell a handover event went to ("from enb1 to enb2 (a3)"). */
void report_handover_to(const char *detail, char *out, size_t len);

/* UE u's RTT chart, before drawing: counts, series, what to draw, the RTT axis. */
struct report_rtt_data {
	size_t from, to;			 /* the UE's rows in r->rtt */
	unsigned answers, losses, drawn;	 /* drawn: answers kept to draw */
	unsigned slices;			 /* per series, when downsampled */
	unsigned handovers, migrations, targets; /* targets: those with answers */
	int *series;				 /* per target: its series (colour), -1: none */
	size_t *per, *kept;			 /* per target: answers, answers drawn */
	double *gap_s;	   /* per target: a longer time between drawn answers breaks its line */
	bool *keep;	   /* per row from..to: drawn */
	double yhi, ystep; /* the RTT axis from 0, ms */
};

/* -ENOMEM. */
int report_rtt_prepare(const struct report *r, unsigned u, struct report_rtt_data *ret);
void report_rtt_data_free(struct report_rtt_data *d);

/* The map before drawing: where cells and edges go, what is left out, the scale. */
struct report_map_cell {
	unsigned node; /* in r->m */
	double x, y;   /* m */
	unsigned n_edges;
};

struct report_map_data {
	struct report_map_cell *cells;	      /* those with a position */
	unsigned n_cells, n_edges, max_edges; /* max_edges: beside one cell */
	int *edge_cell;			      /* per node: the cell an edge sits beside, -1: none */
	char loose[512], nopos[512];	      /* edges beside no cell, cells without a position */
	unsigned with_pos, handovers;	      /* UEs with positions, handovers drawn */
	size_t *stride;		/* per UE: every stride-th position drawn (and the last) */
	unsigned *kept, points; /* per UE and in all: positions drawn */
	struct svg_plot plot;	/* equal scale both ways */
	double step;		/* of the grid, m */
	int h;			/* the chart's height, px */
};

/* -ENOMEM. */
int report_map_prepare(const struct report *r, struct report_map_data *ret);
void report_map_data_free(struct report_map_data *d);

/* One migration's timeline before drawing: its spans in s, the time axis in ms. */
struct report_mig_data {
	double t0, done;	/* the decision; its done or failed event (or end) */
	double frozen_end;	/* the service answered again, 0: never froze */
	double live_end;	/* the live copy's end: the freeze, else the end */
	double gap_s, gap_from; /* the UE's longest wait for an answer while it ran, 0: none */
	unsigned rounds;	/* migration_round events from t0 to done */
	struct svg_plot plot;	/* x: ms after the decision; y: the rows */
	double step;		/* of the time axis, ms */
};

void report_mig_prepare(const struct report *r, size_t k, struct report_mig_data *ret);

/*
 * The cell load chart before drawing: per cell, its attached UEs and its throughput each way
 * between the rows drawn (every stride-th, and the last), from the byte totals.
 */
struct report_cells_data {
	size_t *stride;		     /* per cell */
	unsigned *kept, points;	     /* per cell and in all: rows drawn */
	double *down_mbps, *up_mbps; /* per row of r->cell: since the cell's previous one drawn */
	unsigned max_ues;
	double max_mbps;
	struct svg_plot ues, mbps; /* the two plots, one above the other */
	double ues_step, mbps_step;
	int h; /* the chart's height, px */
};

/* -ENOMEM. */
int report_cells_prepare(const struct report *r, struct report_cells_data *ret);
void report_cells_data_free(struct report_cells_data *d);

/*
 * The throughput chart before drawing: per flow, its rows averaged into points (groups of at
 * most stride rows that never span a gap), the lines broken across gaps; which UEs' handovers,
 * migrations and losses are marked (those at either end of a flow), and how many.
 */
struct report_tput_data {
	size_t *stride;	 /* per flow: rows averaged into a point at most */
	double *gap_s;	 /* per flow: a longer time between rows breaks its line */
	unsigned *kept;	 /* per flow: points drawn */
	bool *point;	 /* per row of r->tput: a point sits at it (its group's last row) */
	bool *brk;	 /* per row: the point starts a new line */
	double *pt_mbps; /* per row with a point: its group's mean Mbit/s */
	bool *ue_marked; /* per UE: its handovers, migrations and losses are marked */
	unsigned points; /* drawn, every flow's */
	unsigned flows;	 /* with rows */
	/* marked; broken, reconnects: flow_broken and flow_reconnect events */
	unsigned handovers, migrations, losses, broken, reconnects;
	double max_mbps; /* of the points */
	struct svg_plot plot;
	double ystep;
	int h; /* the chart's height, px */
};

/* -ENOMEM. */
int report_tput_prepare(const struct report *r, struct report_tput_data *ret);
void report_tput_data_free(struct report_tput_data *d);
/* The run has traffic: flows: summary.json or throughput.csv names one. */
bool report_has_flows(const struct report *r);

/* Markers the RTT and throughput charts share (chart_rtt.c), UE u's, on plot p. */
void report_draw_migrations(FILE *f, const struct report *r, unsigned u, const struct svg_plot *p);
void report_draw_handovers(FILE *f, const struct report *r, unsigned u, bool label,
			   const struct svg_plot *p);
unsigned report_draw_loss_ticks(FILE *f, const struct report *r, size_t from, size_t to,
				const struct svg_plot *p, long *prev);

/* The charts, each added to r->charts (report.c holds room for all of them). */
int report_chart_add(struct report *r, const char *id, int h, const char *what, const char *attrs,
		     const char *body, size_t body_len);
int report_chart_rtt(struct report *r, unsigned u);
int report_chart_map(struct report *r);
int report_chart_mig(struct report *r, size_t k);
int report_chart_cells(struct report *r);
int report_chart_tput(struct report *r);

/* html.c */
void report_html_head(struct report *r, FILE *f);
int report_html_summary(struct report *r, FILE *f);
/* The flows' table (summary.json's goodput), when the run has flows. */
int report_html_flows(struct report *r, FILE *f);

#endif
