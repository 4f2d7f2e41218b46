/* SPDX-License-Identifier: MIT */
/* The scenario model: lifetime and the small lookups every user of the model needs. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/topo.h"

const char *topo_ip_str(uint32_t a)
{
	static __thread char buf[4][16];
	static __thread unsigned i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
		 a & 0xff);
	return buf[i];
}

void topo_model_free(struct topo_model *m)
{
	if (!m)
		return;
	/* A half-built model may have links whose traces are still NULL; free(NULL) is fine. */
	for (unsigned i = 0; m->links && i < m->n_links; i++) {
		free(m->links[i].dir[0].trace);
		free(m->links[i].dir[1].trace);
	}
	free(m->links);
	for (unsigned i = 0; m->mobility && i < m->n_mobility; i++) {
		free(m->mobility[i].points);
		free(m->mobility[i].trace);
	}
	free(m->mobility);
	free(m->probes);
	free(m->flows);
	for (unsigned i = 0; m->sweep.keys && i < m->sweep.n_keys; i++) {
		struct topo_sweep_key *k = &m->sweep.keys[i];

		for (unsigned j = 0; k->values && j < k->n_values; j++)
			free(k->values[j]);
		free(k->values);
		free(k->value_marks);
		free(k->path);
	}
	free(m->sweep.keys);
	for (unsigned i = 0; m->apps && i < m->n_apps; i++) {
		free(m->apps[i].run);
		free(m->apps[i].argv);
		free(m->apps[i].path);
	}
	free(m->apps);
	free(m->captures);
	free(m->nodes);
	for (unsigned i = 0; m->services && i < m->n_services; i++) {
		free(m->services[i].command);
		free(m->services[i].argv);
		free(m->services[i].path);
	}
	free(m->services);
	free(m->file);
	free(m);
}

int topo_node_find(const struct topo_model *m, const char *name)
{
	for (unsigned i = 0; i < m->n_nodes; i++)
		if (!strcmp(m->nodes[i].name, name))
			return (int)i;
	return -1;
}

const char *topo_kind_name(enum topo_kind k)
{
	static const char *const names[] = {
	    [TOPO_UE] = "ue",	      [TOPO_ENB] = "enb",     [TOPO_EDGE] = "edge",
	    [TOPO_ROUTER] = "router", [TOPO_CLOUD] = "cloud", [TOPO_HOST] = "host",
	};

	if ((unsigned)k >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[k];
}

const char *topo_shaper_name(enum topo_shaper s)
{
	static const char *const names[] = {
	    [TOPO_SHAPER_AUTO] = "auto",
	    [TOPO_SHAPER_NETEM] = "netem",
	    [TOPO_SHAPER_RELAY] = "relay",
	};

	if ((unsigned)s >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[s];
}

const char *topo_dist_name(enum topo_dist d)
{
	static const char *const names[] = {
	    [TOPO_DIST_NONE] = "none",
	    [TOPO_DIST_NORMAL] = "normal",
	    [TOPO_DIST_UNIFORM] = "uniform",
	    [TOPO_DIST_PARETO] = "pareto",
	};

	if ((unsigned)d >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[d];
}

bool topo_kind_forwards(enum topo_kind k)
{
	return k == TOPO_ENB || k == TOPO_EDGE || k == TOPO_ROUTER;
}

bool topo_net_name_valid(const char *name)
{
	size_t n = strlen(name);

	/* The run name prefixes namespace and interface names, so it stays short and plain. */
	if (n < 1 || n > TOPO_RUN_MAX || name[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

int topo_err_set(struct topo_err *err, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return r;
}

const char *topo_steering_name(enum topo_steering s)
{
	return s == TOPO_STEER_ROUTE ? "route" : "ebpf";
}

int topo_service_find(const struct topo_model *m, const char *name)
{
	for (unsigned i = 0; i < m->n_services; i++)
		if (!strcmp(m->services[i].name, name))
			return (int)i;
	return -1;
}
