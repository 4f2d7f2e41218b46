/* SPDX-License-Identifier: MIT */
/*
 * topo: the scenario's network part (model, parser, address plan, routes) and the builder
 * that turns it into namespaces and links through emu/.
 */
#ifndef EDGEMU_TOPO_H
#define EDGEMU_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topo/policies.h"
#include "topo/strategy.h"

#define TOPO_NAME_MAX 31   /* node names */
#define TOPO_RUN_MAX 20	   /* run names: [a-z0-9-] */
#define TOPO_IFNAME_MAX 15 /* IFNAMSIZ - 1 */
#define TOPO_ERR_MAX 512

/*
 * Limits on what a scenario may ask for, so that no file, however made, takes unbounded time
 * or memory to check (docs/scenario.md lists them). Each is far above the largest scenario
 * DESIGN.md aims at (1000 UEs x 100 cells).
 */
#define TOPO_FILE_MAX (16u << 20)   /* bytes */
#define TOPO_YAML_DEPTH_MAX 64	    /* nested mappings and sequences */
#define TOPO_YAML_NODES_MAX 1000000 /* values, keys, mappings and sequences */
#define TOPO_NODES_MAX 10000
#define TOPO_LINKS_MAX 50000	    /* links: in the file */
#define TOPO_RADIO_LINKS_MAX 250000 /* UEs x eNBs with radio: the signals of each tick */
#define TOPO_SERVICES_MAX 1000
#define TOPO_PROBES_MAX 10000
#define TOPO_POINTS_MAX 100000 /* waypoints per UE */
/* Routes the plan writes into all nodes (a long chain of routers needs N^2 of them). */
#define TOPO_ROUTES_MAX 2000000

/*
 * Bounds on values: what netem (64-bit latency, jitter within tabledist()'s 32 bits), the
 * relay and the models represent, and far beyond what an emulated network needs.
 */
#define TOPO_NS_PER_S 1000000000ULL
#define TOPO_TIME_MAX_NS (30ULL * 24 * 3600 * TOPO_NS_PER_S) /* 30 days: any other time */
#define TOPO_DELAY_MAX_NS (3600ULL * TOPO_NS_PER_S)	     /* 1h */
#define TOPO_JITTER_MAX_NS (2ULL * TOPO_NS_PER_S)	     /* 2s */
#define TOPO_RATE_MIN_BPS 8ULL				     /* netem counts bytes per second */
#define TOPO_RATE_MAX_BPS 10000000000000ULL		     /* 10tbit */
#define TOPO_COORD_MAX_M 1e7				     /* |x|, |y|, |z|: 10000 km */
#define TOPO_DBM_MAX 300.0				     /* powers: -300dBm to 300dBm */
#define TOPO_DB_MAX 300.0				     /* gains and losses: 0dB to 300dB */
#define TOPO_EXPONENT_MAX 10.0
#define TOPO_SPEED_MIN 0.001 /* m/s */
#define TOPO_AREA_MIN_M 1.0  /* random waypoint: a point, or a side this long */
#define TOPO_SPEED_MAX 10000.0

/* One error, already formatted as "file:line:column: what is wrong". */
struct topo_err {
	char msg[TOPO_ERR_MAX];
};

enum topo_kind {
	TOPO_UE,
	TOPO_ENB,
	TOPO_EDGE,
	TOPO_ROUTER,
	TOPO_CLOUD,
	TOPO_HOST,
};

enum topo_shaper {
	TOPO_SHAPER_AUTO,
	TOPO_SHAPER_NETEM,
	TOPO_SHAPER_RELAY,
};

enum topo_dist {
	TOPO_DIST_NONE, /* no jitter */
	TOPO_DIST_NORMAL,
	TOPO_DIST_UNIFORM,
	TOPO_DIST_PARETO,
};

enum topo_loss_model {
	TOPO_LOSS_NONE,
	TOPO_LOSS_RANDOM,  /* p */
	TOPO_LOSS_GILBERT, /* Gilbert-Elliott: p, r, h (1-h = loss in bad), k (1-k = loss in good)
			    */
};

/* Probabilities are fractions in [0, 1] ("0.5%" -> 0.005). */
struct topo_loss {
	enum topo_loss_model model;
	double p, r, h, k;
};

/* Shaping of one direction of a link. Zero means "not set / no shaping" for every field. */
struct topo_shape {
	uint64_t delay_ns;
	uint64_t jitter_ns;
	enum topo_dist dist;
	struct topo_loss loss;
	uint64_t rate_bps;
	uint32_t limit; /* packets */
	char *trace;	/* Mahimahi mm-link file, resolved relative to the scenario file */
};

/* Source position of a key or value in the scenario file, 1-based. */
struct topo_mark {
	int line, col;
};

struct topo_node {
	char name[TOPO_NAME_MAX + 1];
	enum topo_kind kind;
	bool has_pos;
	double pos[3];	       /* metres */
	struct topo_mark mark; /* of the node's name */
	/* An eNB's `capacity:`, shared by the UEs attached to its cell: [0] downlink, [1] uplink
	 * (bit/s); 0: unlimited. */
	uint64_t capacity_bps[2];
	struct topo_mark capacity_mark;
	/* A radio UE's one address for the whole run (host order), from radio.ue_pool: set by
	 * topo_plan_addresses(); 0 for every other node. */
	uint32_t ue_addr;
};

/* One end of a link: an interface in a node. */
struct topo_if {
	unsigned node;			  /* index into model->nodes */
	char ifname[TOPO_IFNAME_MAX + 1]; /* as named in the node's namespace */
	bool ifname_set;		  /* "node:ifname" in the file; otherwise eth<N> per node */
	uint32_t addr;			  /* IPv4, host byte order; 0 until planned */
	uint8_t plen;
	bool addr_set;	       /* from the file's addr: */
	struct topo_mark mark; /* of the endpoint string */
};

struct topo_link {
	struct topo_if end[2];
	/* dir[0] = "up": frames from end[0] to end[1]; dir[1] = "down". */
	struct topo_shape dir[2];
	struct topo_mark mark; /* of the link item */
};

#define TOPO_AT_MAX 8

enum topo_app {
	TOPO_APP_ECHO,
	TOPO_APP_SVC,
	TOPO_APP_PROCESS, /* the user's own program (`command:`), migrated by CRIU */
};

enum topo_steering {
	TOPO_STEER_EBPF,
	TOPO_STEER_ROUTE,
};

/* Which state pages app svc's workload writes (edgemu-svc --pattern). */
enum topo_pattern {
	TOPO_PATTERN_UNIFORM,	 /* any page */
	TOPO_PATTERN_HOTSET,	 /* within the first hot_ppm of the pages */
	TOPO_PATTERN_SEQUENTIAL, /* page after page, wrapping */
};

#define TOPO_STATE_MIN (4ULL << 10)
#define TOPO_STATE_MAX (64ULL << 30)
#define TOPO_STATE_DEFAULT (64ULL << 20)
#define TOPO_PAGE_SIZE 4096ULL
#define TOPO_DIRTY_RATE_MAX 10000000ULL /* pages per second */
#define TOPO_PPM 1000000U

/* A service: one VIP for its whole life, instances on the nodes of `at`. */
struct topo_service {
	char name[TOPO_NAME_MAX + 1];
	uint32_t vip; /* host byte order */
	uint16_t port;
	enum topo_app app;
	unsigned at[TOPO_AT_MAX]; /* node indexes; at[0] serves the clients first */
	unsigned n_at;
	struct topo_mark mark; /* of the service's name */
	struct topo_mark vip_mark;
	/* app svc only (zero for echo): `state:` and `dirty:` */
	uint64_t state_bytes; /* a multiple of TOPO_PAGE_SIZE */
	uint64_t dirty_rate;  /* pages written per second */
	enum topo_pattern dirty_pattern;
	uint32_t hot_ppm; /* hotset: the hot share of the pages, parts per million */
	/* app process only: `command:`, split into words (util/words.h), NULL-terminated */
	char *command;
	char **argv;
	unsigned argc;
	char *path; /* argv[0] resolved (topo_apps_resolve() does apps: alike), NULL: not yet */
	struct topo_mark command_mark;
	struct topo_mark app_mark; /* of its app: value; {0, 0} when the file has no app: */
};

/* The `migration:` section; policies and strategies act in the runner (later issues). */
struct topo_migration {
	enum topo_policy policy; /* topo/policies.h */
	enum topo_strategy strategy;
	enum topo_steering steering;
	uint64_t precopy_max_rounds, precopy_stop_below; /* rounds; pages */
	bool tcp_established; /* app: process: CRIU moves established TCP connections too */
	/*
	 * Every policy's parameters as the file gives them (a section may be given whatever the
	 * policy), in the order of its line in TOPO_POLICY_LIST; 0: not given. Read them with
	 * topo_policy_param(), which applies the defaults.
	 */
	uint64_t params[TOPO_POLICY_N][TOPO_POLICY_PARAMS_MAX];
};

/* Parameter key of policy p in mg: as given, or its default when not given or 0. */
uint64_t topo_policy_param(const struct topo_migration *mg, enum topo_policy p, const char *key);

enum topo_radio_model {
	TOPO_RADIO_LOG_DISTANCE,
};

/* What happens to downlink packets that reach a UE's old cell after a handover. */
enum topo_forwarding {
	TOPO_FORWARD_X2,   /* forwarded to the UE's new cell, as X2/Xn forwarding does */
	TOPO_FORWARD_DROP, /* dropped */
};

/*
 * The `radio:` section, as plain numbers: the runner hands them to mobility/radio.h and
 * mobility/handover.h. Every field has a default (SCENARIO.md's example values, and the
 * TOPO_RADIO_* values below for the keys edgemu adds).
 */
struct topo_radio {
	enum topo_radio_model model;
	double tx_power_dbm;
	double exponent;	  /* path-loss exponent, > 0 */
	double ref_loss_db;	  /* path loss at 1 m */
	double min_signal_dbm;	  /* below: no link */
	double noise_dbm;	  /* noise power over the bandwidth, for the SNR */
	uint64_t bandwidth_hz;	  /* Shannon capacity's bandwidth */
	uint64_t peak_rate_bps;	  /* the rate never exceeds it */
	double edge_loss;	  /* fraction lost at min_signal ... */
	double loss_margin_db;	  /* ... falling linearly to 0 this far above it */
	uint64_t delay_ns;	  /* one-way air interface delay */
	uint64_t tick_ns;	  /* mobility / radio update period, >= 1ms */
	double hysteresis_db;	  /* A3: neighbour better by more than this ... */
	uint64_t ttt_ns;	  /* ... for this long */
	uint64_t interruption_ns; /* no link after each handover */
	struct topo_mark mark;	  /* of the `radio` key */
	/* `ue_pool:`: every radio UE's address comes from this network (host order), the
	 * first UE of nodes: having its first host address */
	uint32_t ue_pool;
	uint8_t ue_plen;
	struct topo_mark ue_pool_mark;	 /* of its value; of `radio` when not given */
	enum topo_forwarding forwarding; /* `handover: { forwarding: }` */
};

/* The default UE pool: carrier-grade NAT space (RFC 6598), where operators number UEs; it
 * never overlaps the run's link pools (10.128.0.0/10). */
#define TOPO_RADIO_UE_POOL 0x64400000u /* 100.64.0.0 */
#define TOPO_RADIO_UE_PLEN 16

#define TOPO_RADIO_NOISE_DBM (-100.0) /* thermal noise over 20 MHz, -174 dBm/Hz + 73 dB */
#define TOPO_RADIO_BANDWIDTH_HZ 20000000ULL
#define TOPO_RADIO_PEAK_RATE_BPS 100000000ULL
#define TOPO_RADIO_EDGE_LOSS 0.05
#define TOPO_RADIO_LOSS_MARGIN_DB 10.0
#define TOPO_RADIO_TICK_MIN_NS 1000000ULL

enum topo_mob_kind {
	TOPO_MOB_STATIC,
	TOPO_MOB_WAYPOINTS,
	TOPO_MOB_RWP,	/* random waypoint, seeded by the runner from the run's seed */
	TOPO_MOB_TRACE, /* ns-2 movement file or CSV t,node,x,y (told apart by content) */
};

struct topo_waypoint {
	double x, y;   /* metres */
	uint64_t t_ns; /* since the run's start; never before the previous point's */
};

/* One UE's entry in `mobility:`. */
struct topo_mobility {
	unsigned node; /* index into model->nodes, a UE */
	enum topo_mob_kind kind;
	double pos[3];		      /* static */
	struct topo_waypoint *points; /* waypoints */
	unsigned n_points;
	double area[2][2];	     /* random waypoint: [[x0, y0], [x1, y1]], metres */
	double speed_min, speed_max; /* m/s, 0 < min <= max */
	uint64_t pause_ns;
	char *trace;	       /* trace: resolved relative to the scenario file */
	unsigned trace_node;   /* node id in the trace */
	bool trace_node_set;   /* node: given; otherwise the UE's index among the UEs */
	struct topo_mark mark; /* of the UE's name in mobility: */
	struct topo_mark trace_mark, trace_node_mark; /* of trace:'s and node:'s values */
};

/* One entry of `probes:`: edgemu-probe in `from` towards a service's VIP or a node. */
struct topo_probe {
	unsigned from; /* node index */
	bool to_service;
	unsigned to;	       /* service index if to_service, else node index */
	uint16_t port;	       /* UDP port: the service's, or port: (default 7007) for a node */
	uint64_t interval_ns;  /* 1ms to 1h, default 10ms */
	struct topo_mark mark; /* of the probe item */
};

#define TOPO_PROBE_PORT 7007 /* the echo app's default port */

/*
 * One interface `capture:` records (a list item `node` gives one per interface of the node):
 * libpcap writes what crosses it to pcap/<file> in the results folder, at most
 * model.capture_limit bytes.
 */
struct topo_capture {
	unsigned node;
	char ifname[TOPO_IFNAME_MAX + 1];
	char file[TOPO_NAME_MAX + TOPO_IFNAME_MAX + 7]; /* "<node>-<ifname>.pcap" */
	struct topo_mark mark;				/* of the list item */
};

#define TOPO_CAPTURES_MAX 1000		       /* interfaces captured: each a kernel buffer */
#define TOPO_CAPTURE_LIMIT (100ULL << 20)      /* capture_limit's default, bytes per file */
#define TOPO_CAPTURE_LIMIT_MIN (64ULL << 10)   /* room for a few whole records */
#define TOPO_CAPTURE_LIMIT_MAX (1024ULL << 30) /* 1 TiB */
#define TOPO_FLOWS_MAX 1000		       /* traffic: entries; each is two processes */
#define TOPO_FLOW_PORT 7100		       /* flow i's receiver listens on TCP port 7100 + i */
#define TOPO_FLOW_NAME_MAX 80		       /* [A-Za-z0-9_.-]: a CSV field and a file name */

enum topo_flow_kind { TOPO_FLOW_TCP };

/*
 * One entry of `traffic:`: edgemu-bulk's receiver in `to` (listening on TOPO_FLOW_PORT +
 * its index), its sender in `from` from `at` to `until`, towards `to`'s address.
 */
struct topo_flow {
	char name[TOPO_FLOW_NAME_MAX + 1];
	unsigned from, to; /* node indexes, different */
	enum topo_flow_kind kind;
	uint64_t rate_bps; /* the sender's paced rate; 0: as fast as TCP goes */
	uint64_t at_ns;
	uint64_t until_ns;     /* > at_ns; 0: the run's end */
	struct topo_mark mark; /* of the flow item */
};

/* "tcp" (the parser's table, topo/parse_traffic.c). */
const char *topo_flow_kind_name(enum topo_flow_kind k);

#define TOPO_SWEEP_KEYS_MAX 8
#define TOPO_SWEEP_VALUES_MAX 100
#define TOPO_SWEEP_REPEAT_MAX 1000
#define TOPO_SWEEP_RUNS_MAX 10000 /* combinations x repeat */

/* One key of `sweep: vary:`: a --set path and the values it takes, in the file's order. */
struct topo_sweep_key {
	char *path;	       /* migration.strategy, links.4.rate */
	char **values;	       /* as written: plain strings, checked when applied */
	unsigned n_values;     /* >= 1 */
	struct topo_mark mark; /* of the key */
	struct topo_mark *value_marks;
};

/*
 * The `sweep:` section, for `edgemu sweep` (`edgemu run` runs the base scenario and ignores
 * it). The parser checks its shape; whether each value makes a valid scenario is checked by
 * applying it (sweep/sweep_plan.c), because only the whole file says what a path may hold.
 */
struct topo_sweep {
	struct topo_sweep_key *keys;
	unsigned n_keys;       /* 0: only repetitions of the base scenario */
	unsigned repeat;       /* runs per combination, >= 1 (1 when not given) */
	struct topo_mark mark; /* of the `sweep` key */
	struct topo_mark repeat_mark;
};

#define TOPO_APPS_MAX 1000     /* entries of apps: */
#define TOPO_APP_NAME_MAX 63   /* an app's name: apps/<name>.out in the results */
#define TOPO_APP_RUN_MAX 65536 /* bytes of a run: command line */

/*
 * One entry of `apps:`: a program the runner starts in a node (`struct topo_prog`, as enum
 * topo_app names the services' programs). Its command line is split into words as a shell
 * would (util/words.h); argv[0] is looked up by topo_apps_resolve().
 */
struct topo_prog {
	char name[TOPO_APP_NAME_MAX + 1]; /* unique; default <node>-<index in apps:> */
	unsigned node;			  /* index into model->nodes */
	char *run;			  /* the command line as written */
	char **argv;			  /* its words, NULL-terminated (one allocation) */
	unsigned argc;			  /* >= 1 */
	char *path;			 /* argv[0] resolved: by topo_apps_resolve(), NULL before */
	uint64_t at_ns;			 /* start, from the run's start (default 0) */
	uint64_t until_ns;		 /* SIGTERM then, 0: at the run's end; > at_ns otherwise */
	struct topo_mark mark, run_mark; /* of the item, of run:'s value */
};

struct topo_model {
	char *file; /* path as given */
	char name[TOPO_RUN_MAX + 1];
	bool has_seed;
	uint64_t seed;
	uint64_t duration_ns;
	enum topo_shaper shaper;
	struct topo_node *nodes;
	unsigned n_nodes;
	struct topo_link *links;
	unsigned n_links;
	struct topo_service *services;
	unsigned n_services;
	struct topo_migration migration;
	bool has_radio; /* `radio:` given: every UE is a radio UE */
	struct topo_radio radio;
	struct topo_mobility *mobility;
	unsigned n_mobility;
	struct topo_probe *probes;
	unsigned n_probes;
	struct topo_flow *flows; /* traffic: */
	unsigned n_flows;
	bool has_sweep; /* `sweep:` given */
	struct topo_sweep sweep;
	struct topo_prog *apps; /* `apps:` */
	unsigned n_apps;
	struct topo_capture *captures; /* `capture:`, one per interface, in the file's order */
	unsigned n_captures;
	uint64_t capture_limit; /* `capture_limit:`, bytes per file (TOPO_CAPTURE_LIMIT) */
};

/* A static route in one node (connected subnets are not listed: the kernel adds them). */
struct topo_route {
	unsigned node;
	uint32_t dst; /* host byte order */
	uint8_t plen;
	uint32_t via;  /* next hop, host byte order */
	unsigned link; /* link index and end (0/1) of the node's outgoing interface */
	unsigned end;
};

struct topo_routes {
	struct topo_route *v;
	size_t n;
};

/* The netmask of a prefix length 0 to 32, host byte order. */
static inline uint32_t topo_mask(unsigned plen)
{
	return plen ? ~0u << (32 - plen) : 0;
}

/*
 * a (host byte order) as a dotted quad, in one of four rotating per-thread buffers: a message
 * may show up to four addresses, each valid until the fourth call after it.
 */
const char *topo_ip_str(uint32_t a);

/* Format err's message (printf-style), return r: for `return topo_err_set(err, -E, ...)`. */
__attribute__((format(printf, 3, 4))) int topo_err_set(struct topo_err *err, int r, const char *fmt,
						       ...);

/* --- model (topo/model.c, topo/parse*.c) --- */
int topo_parse_file(const char *path, struct topo_model **ret, struct topo_err *err);
/*
 * The same with `--set key=value` overrides applied to the document first (an overridden
 * value is checked as one in the file; its errors say "--set" instead of a line), and the
 * resolved scenario (the document after the overrides, as YAML) in *resolved if asked for.
 */
struct topo_parse_opts {
	const char *const *sets;
	size_t n_sets;
	char **resolved; /* malloc'd; NULL: not wanted */
	size_t *resolved_len;
};
int topo_parse_file_opts(const char *path, const struct topo_parse_opts *o, struct topo_model **ret,
			 struct topo_err *err);
int topo_parse_string_opts(const char *text, size_t len, const char *fname,
			   const struct topo_parse_opts *o, struct topo_model **ret,
			   struct topo_err *err);
int topo_parse_string(const char *text, size_t len, const char *fname, struct topo_model **ret,
		      struct topo_err *err);
/*
 * A scenario file's text, NUL-terminated (malloc'd), read no further than TOPO_FILE_MAX
 * bytes: a device such as /dev/zero, or a huge file, gets -EFBIG and an error, not all the
 * memory. For callers that parse the text themselves (topo_parse_string_opts). 0 or -errno,
 * with err's message naming the file.
 */
int topo_scenario_read(const char *path, char **ret_text, size_t *ret_len, struct topo_err *err);
void topo_model_free(struct topo_model *m);
int topo_node_find(const struct topo_model *m, const char *name); /* index or -1 */
const char *topo_kind_name(enum topo_kind k);
const char *topo_shaper_name(enum topo_shaper s);
const char *topo_dist_name(enum topo_dist d);
const char *topo_steering_name(enum topo_steering s);
const char *topo_app_name(enum topo_app a);	    /* "echo", "svc", "process" */
const char *topo_pattern_name(enum topo_pattern p); /* "uniform", "hotset", "sequential" */
int topo_service_find(const struct topo_model *m, const char *name); /* index or -1 */
bool topo_kind_forwards(enum topo_kind k);			     /* enb, edge, router */
bool topo_net_name_valid(const char *name); /* [a-z0-9-], 1..TOPO_RUN_MAX, no leading '-' */

/*
 * Each app's program (argv[0]) looked up as execvp(3) would: a word with a '/' as it is, else
 * in each folder of $PATH (/usr/local/bin:/usr/bin:/bin without it); found only as a regular
 * file this process may execute. Sets every app's path. 0, or -ENOENT / -EACCES /
 * -ENOMEM with err naming the run: value's file:line:col (topo/parse_apps.c).
 * The same for every app: process service's command: (its path, err naming command:).
 */
int topo_apps_resolve(struct topo_model *m, struct topo_err *err);
/*
 * The lookup topo_apps_resolve() makes, of one program: *ret_path (malloc'd) gets prog as it
 * is when it has a '/', else its path in $PATH. 0, -ENOENT, -EACCES (found, not an
 * executable regular file) or -ENOMEM.
 */
int topo_program_find(const char *prog, char **ret_path);

/* --- radio UEs (topo/radio.c) --- */
/*
 * Whether node is a radio UE: with radio:, every UE. It reaches the eNBs over its one radio
 * interface (TOPO_RAN_IFNAME), with its one address, node.ue_addr; which cell serves it is
 * the runner's.
 */
bool topo_ue_is_radio(const struct topo_model *m, unsigned node);

/* --- the radio access network's routes (topo/ran_plan.c) --- */
/*
 * A radio UE keeps one address (node.ue_addr) for the whole run; where it is attached is
 * told by /32 routes. topo_plan_routes() gives every node that reaches all the other eNBs it
 * reaches through one next hop a route for the whole UE pool through it; topo_ran_switch()
 * lists the /32 routes that move a UE from one eNB to another: on the eNBs themselves and on
 * every node whose next hop towards the two differs.
 */
struct topo_ran_plan;

/*
 * The next hop of every node but the UEs towards every eNB, from the wired links, by the
 * rules of topo_plan_routes(), and each node's UE pool route. The addresses must be planned
 * (-EINVAL otherwise); m must outlive the plan (topo_ran_switch() reads the next hops'
 * addresses from it). O(nodes x eNBs) memory. 0, -EINVAL, -ENOMEM, or -E2BIG when nodes x
 * eNBs exceeds TOPO_ROUTES_MAX.
 */
int topo_ran_plan_new(const struct topo_model *m, struct topo_ran_plan **ret);
void topo_ran_plan_free(struct topo_ran_plan *p);

/* One route change for UE ue's /32 on one node. */
struct topo_ran_route {
	unsigned node;
	bool del;      /* delete it: the node's pool route (or nothing) is right again */
	bool dev_only; /* the serving eNB: out of its radio interface, no next hop */
	uint32_t via;  /* otherwise: through this next hop (host order) ... */
	unsigned link; /* ... out of this link's end */
	unsigned end;
};

/*
 * The changes that move radio UE ue's /32 routes from eNB node `from` (-1: none made yet) to
 * eNB node `to` (-1: none: delete them all), in out (room for m->n_nodes): their count.
 * Nodes whose route stays the same are not listed; UEs are never listed (a radio UE routes
 * everything out of its radio interface). On node X the route for a UE in cell b is: none
 * without a cell; out of the radio interface on b itself (dev_only); none where X's UE pool
 * route already goes b's way; else through X's next hop towards b (none if X cannot reach
 * b). A node that is not an eNB counts as -1. O(nodes), no allocation.
 */
size_t topo_ran_switch(const struct topo_ran_plan *p, unsigned ue, int from, int to,
		       struct topo_ran_route *out);

/* --- units (topo/units.c): 0 or -EINVAL; never accept a bare number where a unit is needed --- */
int topo_unit_time(const char *s, uint64_t *ret_ns);		     /* ns us ms s: "5ms", "1.5s" */
int topo_unit_rate(const char *s, uint64_t *ret_bps);		     /* bit kbit mbit gbit tbit */
int topo_unit_size(const char *s, uint64_t *ret_bytes);		     /* B KiB MiB GiB KB MB GB */
int topo_unit_percent(const char *s, double *ret_fraction);	     /* "0.5%" -> 0.005, 0..100% */
int topo_unit_decibel(const char *s, const char *unit, double *ret); /* "3dB", "46dBm" */
int topo_unit_metres(const char *s, double *ret_m);		     /* "800m", "1.5km" */
/* Length of the plain decimal ("[+-]digits[.digits]") that starts s, 0 if none. */
size_t topo_unit_number_len(const char *s);

/* --- address plan (topo/plan.c) --- */
/*
 * Every run takes one slot; slot s owns the pool 10.(128 + s).0.0/16 (s < TOPO_SLOTS), so two
 * runs on one machine never share an address. Links without addr: get a /30 each from the
 * pool, in file order, skipping subnets that overlap an address set in the file. Errors
 * (clashes, both ends not in one subnet, pool exhausted) name the file position. Every radio
 * UE gets its ue_addr: radio.ue_pool + 1 + its index among the UEs of nodes: (the parser
 * checks the pool holds them all and nothing else).
 */
#define TOPO_SLOTS 64
int topo_plan_addresses(struct topo_model *m, unsigned slot, struct topo_err *err);
uint32_t topo_pool_base(unsigned slot); /* host order, /16 */
/*
 * The address a node's name resolves to: a radio UE's ue_addr, else its first interface's,
 * or 0 if it has no link.
 */
uint32_t topo_node_addr(const struct topo_model *m, unsigned node);

/*
 * Routes so every node reaches every link subnet it can reach: shortest path by the
 * outgoing direction's delay, hop count to break ties, transit only through nodes that
 * forward. Per node, the next hop used by most destinations becomes one route for the whole
 * pool (the run's /16); the others get a route each. With radio:, a radio UE gets no route
 * at all (the builder routes everything out of its radio interface), and every other node
 * whose next hops towards the eNBs it reaches (but itself) are one and the same gets a route
 * for the whole UE pool (radio.ue_pool) through it; the others get a /32 per UE as the UEs
 * attach (topo_ran_switch()). -E2BIG beyond TOPO_ROUTES_MAX.
 */
int topo_plan_routes(const struct topo_model *m, unsigned slot, struct topo_routes *ret);
void topo_routes_free(struct topo_routes *r);

#endif
