/* SPDX-License-Identifier: MIT */
/*
 * The scenario parser's own header (topo/parse*.c), not part of topo.h: the walk's context,
 * the helpers every section uses, and each section's entry points.
 */
#ifndef EDGEMU_TOPO_PARSE_H
#define EDGEMU_TOPO_PARSE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "topo/names.h"
#include "topo/topo.h"

struct ctx {
	const char *fname;
	size_t dir_len; /* fname up to and including its last '/' (trace paths) */
	unsigned link;	/* index of the link being parsed */
	struct topo_err *err;
	yaml_document_t *doc;
	struct topo_model *m;
	/* Hashed, so that a file of N nodes or links is read in O(N), not O(N^2). */
	struct topo_names nodes;    /* node name -> index */
	struct topo_names services; /* service name -> index */
	struct topo_names ifs;	    /* (node, interface named in the file) -> 2 * link + end */
	unsigned *mob_of;	    /* per node: 1 + its index in mobility:, 0 if none */
	unsigned *ue_rank;	    /* per node: how many UEs come before it in nodes: */
	unsigned capacity_node;	    /* 1 + the first node with capacity:, 0: none */
};

#define TIME_UNITS "ns, us, ms, s"
#define RATE_UNITS "bit, kbit, mbit, gbit, tbit"
#define SIZE_UNITS "B, KiB, MiB, GiB, KB, MB, GB"

static inline struct topo_mark mark_of(const yaml_node_t *n)
{
	return (struct topo_mark){(int)n->start_mark.line + 1, (int)n->start_mark.column + 1};
}

static inline yaml_node_t *get(struct ctx *c, int index)
{
	return yaml_document_get_node(c->doc, index);
}

static inline const char *str(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static inline size_t seq_len(const yaml_node_t *n)
{
	return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static inline size_t map_len(const yaml_node_t *n)
{
	return (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
}

/* the walk's tools and typed getters (topo/parse_get.c) */
__attribute__((format(printf, 4, 5))) int parse_fail_at(struct ctx *c, int line, int col,
							const char *fmt, ...);
__attribute__((format(printf, 3, 4))) int parse_fail(struct ctx *c, const yaml_node_t *n,
						     const char *fmt, ...);
int parse_oom(struct ctx *c);
const char *parse_type_name(const yaml_node_t *n);
int parse_expect(struct ctx *c, const yaml_node_t *n, yaml_node_type_t t, const char *key);
/*
 * A mapping or sequence (t) of at most max entries, the top-level lists: their count in
 * *ret_count, or an error "<key>: N <key>; a scenario may have at most max".
 */
int parse_expect_list(struct ctx *c, const yaml_node_t *n, yaml_node_type_t t, const char *key,
		      size_t max, size_t *ret_count);
int parse_expect_key(struct ctx *c, const yaml_node_t *k, const char *what);
int parse_node_find(const struct ctx *c, const char *name);
int parse_scan_keys(struct ctx *c, const yaml_node_t *map, const char *const *keys,
		    const char *const *reserved, yaml_node_t **ret_vals);
int parse_fail_unit(struct ctx *c, const yaml_node_t *n, const char *key, const char *units,
		    const char *range);
int parse_get_time(struct ctx *c, const yaml_node_t *n, const char *key, uint64_t min, uint64_t max,
		   uint64_t *ret_ns);
int parse_get_rate(struct ctx *c, const yaml_node_t *n, const char *key, bool zero_ok,
		   uint64_t *ret_bps);
int parse_get_percent(struct ctx *c, const yaml_node_t *n, const char *key, double *ret_fraction);
int parse_get_count(struct ctx *c, const yaml_node_t *n, const char *key, uint64_t max,
		    bool positive, uint64_t *ret_count);
int parse_get_enum(struct ctx *c, const yaml_node_t *n, const char *key, const char *what,
		   const char *const *names, int *ret_index);
bool parse_node_name_valid(const char *s);
int parse_get_coord(struct ctx *c, const yaml_node_t *v, const char *key, double *ret_m);
int parse_get_pos(struct ctx *c, const yaml_node_t *n, const char *key, double pos[3]);
int parse_get_path(struct ctx *c, const yaml_node_t *n, const char *key, char **ret_path);
int parse_params(struct ctx *c, const yaml_node_t *n, const char *what, const char *const *keys,
		 yaml_node_t **ret_vals);

/* nodes and links (topo/parse_net.c) */
int parse_nodes(struct ctx *c, const yaml_node_t *map);
int parse_links(struct ctx *c, const yaml_node_t *seq);
int parse_name_interfaces(struct ctx *c);
int parse_check_capacity(struct ctx *c);
const char *parse_unusable(uint32_t a);

/* services, migration and probes (topo/parse_svc.c) */
int parse_services(struct ctx *c, const yaml_node_t *map);
int parse_migration(struct ctx *c, const yaml_node_t *n);
int parse_probes(struct ctx *c, const yaml_node_t *seq);

/* radio and mobility (topo/parse_radio.c) */
int parse_radio(struct ctx *c, const yaml_node_t *key, const yaml_node_t *n);
int parse_check_radio(struct ctx *c, const yaml_node_t *key);
int parse_mobility(struct ctx *c, const yaml_node_t *key, const yaml_node_t *map);
int parse_check_ue_positions(struct ctx *c);

/* apps (topo/parse_apps.c) */
int parse_apps(struct ctx *c, const yaml_node_t *seq);
/*
 * A command line (apps' run:, a process service's command:): a string of at most
 * TOPO_APP_RUN_MAX bytes split into at least one word (util/words.h). *ret_argv (and then
 * *ret_line) are set as soon as they are made, for the model to free even on a failure.
 */
int parse_command(struct ctx *c, const yaml_node_t *v, const char *key, char **ret_line,
		  char ***ret_argv, unsigned *ret_argc);
/* traffic: the measured TCP flows (topo/parse_traffic.c) */
int parse_traffic(struct ctx *c, const yaml_node_t *seq);

/* sweep (topo/parse_sweep.c) */
int parse_sweep(struct ctx *c, const yaml_node_t *key, const yaml_node_t *n);

/* capture and capture_limit (topo/parse_capture.c); either may be NULL (not given) */
int parse_capture(struct ctx *c, const yaml_node_t *seq, const yaml_node_t *limit);

#endif
