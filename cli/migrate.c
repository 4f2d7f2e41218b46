/* SPDX-License-Identifier: MIT */
/*
 * `edgemu migrate RUN SERVICE CLIENT --to NODE [--strategy S]`: one live migration of a
 * stateful service by hand, on a run that is up, with the phase timeline, both views of the
 * downtime, the total time and the bytes moved.
 */
#include "cli/cli.h"
#include "util/opt.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/criu.h"
#include "migrate/migrate.h"

static const char usage[] =
    "usage: edgemu migrate RUN SERVICE CLIENT --to NODE [--strategy S] [--max-rounds N]\n"
    "       [--stop-below P] [--timeout T] [--port P] [--probe-interval T | --no-probe]\n"
    "       [--tcp-established] [--csv FILE] [--json]\n"
    "\n"
    "Live-migrate the instance of SERVICE (app: svc) that serves CLIENT to NODE: a new\n"
    "instance starts there and takes the state over TCP across the emulated network;\n"
    "every client of the old instance is steered to the new one when it resumes; the old\n"
    "one stops once the new one holds every page. A probe from CLIENT measures what the\n"
    "client sees. If anything fails, the service runs on at the old instance; if the old\n"
    "instance itself dies, at the new one when it has resumed (post-copy after the\n"
    "switch, cold and pre-copy once every page is there), else the service is lost.\n"
    "Should this command die (even by SIGKILL), the instances settle the migration\n"
    "themselves: before the new instance resumes the old one serves on, after it the new\n"
    "one does and steers the clients to itself. SIGINT, SIGTERM and SIGHUP roll back.\n"
    "A service of app: process (a program of yours) moves by CRIU instead, its pages to a\n"
    "CRIU page server on NODE across the emulated network (docs/criu.md): the old one\n"
    "stays stopped until the new one has resumed, and serves again if anything fails.\n"
    "\n"
    "  --to NODE            the destination (an edge, usually)\n"
    "  --strategy S         cold, precopy or postcopy (default: the scenario's migration:\n"
    "                       strategy)\n"
    "  --max-rounds N       pre-copy: live rounds at most, the first full copy included\n"
    "                       (default: the scenario's, else 30)\n"
    "  --stop-below P       pre-copy: freeze once a round ends with at most P dirty pages\n"
    "                       (default: the scenario's, else 256)\n"
    "  --timeout T          a peer silent this long has failed, e.g. 5s (default 5s)\n"
    "  --port P             the destination's TCP port for the state (default 7100)\n"
    "  --probe-interval T   the probe's request interval (default 1ms)\n"
    "  --no-probe           no probe (the client's view is then not measured)\n"
    "  --tcp-established    app: process: move its established TCP connections too\n"
    "                       (CRIU's --tcp-established; default: the scenario's\n"
    "                       migration: tcp_established, else no)\n"
    "  --csv FILE           append every phase to FILE (CSV)\n"
    "  --json               the report as JSON on stdout\n"
    "\n"
    "Exit status: 0 migrated, 1 failed (the report says where the service runs: the old\n"
    "instance, the new one, or nowhere), 2 bad usage.\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	stop_flag = sig;
}

static double ms_between(uint64_t a, uint64_t b)
{
	return a && b ? (double)(int64_t)(b - a) / 1e6 : 0.0;
}

/* The timeline, gathered and then printed in time order (the agents report apart). */
struct timeline {
	struct {
		uint64_t t;
		char what[160];
	} e[MIG_ROUNDS_MAX + 16];
	unsigned n;
};

static void add(struct timeline *tl, uint64_t t, const char *what)
{
	if (!t || tl->n >= sizeof(tl->e) / sizeof(tl->e[0]))
		return;
	tl->e[tl->n].t = t;
	snprintf(tl->e[tl->n].what, sizeof(tl->e[tl->n].what), "%s", what);
	tl->n++;
}

static int by_time(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void print_text(const struct mig_report *r)
{
	static struct timeline tl;
	char buf[160];

	tl.n = 0;
	printf("migration of %s (client %s) from %s to %s, %s: %s\n", r->service, r->client,
	       r->from, r->to,
	       r->strategy == TOPO_STRATEGY_COLD      ? "cold"
	       : r->strategy == TOPO_STRATEGY_PRECOPY ? "pre-copy"
						      : "post-copy",
	       r->ok		     ? "done"
	       : r->rolled_back	     ? "FAILED, rolled back"
	       : r->kept_destination ? "FAILED, the service runs on at the destination"
	       : r->lost	     ? "FAILED, the service is lost"
				     : "FAILED");
	add(&tl, r->start_ns, "start");
	add(&tl, r->ready_ns, "destination instance ready");
	add(&tl, r->copy_ns, "source connected: copy begins");
	for (unsigned i = 0; i < r->n_rounds; i++) {
		snprintf(buf, sizeof(buf),
			 "round %" PRIu64 " ends: %" PRIu64 " pages, %.1f MiB in %.1f ms; %" PRIu64
			 " pages dirty",
			 r->rounds[i].n, r->rounds[i].pages, (double)r->rounds[i].bytes / 1048576.0,
			 ms_between(r->rounds[i].begin_ns, r->rounds[i].end_ns),
			 r->rounds[i].dirty);
		add(&tl, r->rounds[i].end_ns, buf);
	}
	add(&tl, r->freeze_ns, "source frozen");
	add(&tl, r->commit_ns,
	    r->strategy == TOPO_STRATEGY_POSTCOPY ? "execution state and client table sent"
						  : "last pages and execution state sent");
	add(&tl, r->resume_ns, "destination resumed");
	if (r->flip_end_ns) {
		snprintf(buf, sizeof(buf), "steering flipped (%.1f us), %u client(s)",
			 (double)(r->flip_end_ns - r->flip_begin_ns) / 1e3, r->flipped);
		add(&tl, r->flip_end_ns, buf);
	}
	add(&tl, r->end_ns, "destination holds every page");
	add(&tl, r->sent_ns, "source has sent everything (and hashed its state)");
	add(&tl, r->stopped_ns, "source instance stopped");
	qsort(tl.e, tl.n, sizeof(tl.e[0]), by_time);
	for (unsigned i = 0; i < tl.n; i++)
		printf("  %10.3f ms  %s\n", ms_between(r->start_ns, tl.e[i].t), tl.e[i].what);
	if (!r->ok)
		printf("error: %s\n", r->error);
	if (r->freeze_ns && r->resume_ns)
		printf("downtime, engine: %.3f ms (freeze to resume)\n",
		       ms_between(r->freeze_ns, r->resume_ns));
	if (r->probed)
		printf("downtime, client: %.3f ms (largest gap between answers, a request every "
		       "%.3f ms)\n",
		       (double)r->probe_gap_ns / 1e6, (double)r->probe_interval_ns / 1e6);
	if (r->end_ns)
		printf("total migration time: %.3f ms (%.3f ms since the source was told to go)\n",
		       ms_between(r->start_ns, r->end_ns), ms_between(r->command_ns, r->end_ns));
	if (r->pages)
		printf("moved: %" PRIu64 " pages, %.2f MiB on the wire, %" PRIu64
		       " rounds; state hash %s\n",
		       r->pages, (double)r->bytes / 1048576.0, (uint64_t)r->n_rounds,
		       r->src_hash == r->dst_hash ? "matches" : "DIFFERS");
	if (r->strategy == TOPO_STRATEGY_POSTCOPY && r->end_ns)
		printf("post-copy: %" PRIu64 " pages asked for by the destination, %" PRIu64
		       " waits on the client table\n",
		       r->requests, r->faults);
	if (r->probed)
		printf("probe: %" PRIu64 " sent, %" PRIu64 " answered, %" PRIu64
		       " lost; counter: %" PRIu64 " back or repeated, %" PRIu64
		       " skipped; last answer from %s\n",
		       r->probe_sent, r->probe_answered, r->probe_lost, r->counter_back,
		       r->counter_jump, r->probe_last_instance[0] ? r->probe_last_instance : "-");
}

static void print_json(const struct mig_report *r)
{
	const char *at = mig_report_served_at(r);

	printf("{\"service\":\"%s\",\"client\":\"%s\",\"from\":\"%s\",\"to\":\"%s\","
	       "\"strategy\":\"%s\",\"ok\":%s,\"rolled_back\":%s,\"served_at\":%s%s%s,"
	       "\"absent_pages\":%" PRIu64 ",\"table_from\":%s,",
	       r->service, r->client, r->from, r->to, topo_strategy_name(r->strategy),
	       r->ok ? "true" : "false", r->rolled_back ? "true" : "false", at ? "\"" : "",
	       at ? at : "null", at ? "\"" : "", r->absent_pages,
	       r->table_from == MIG_TABLE_DESTINATION ? "\"destination\""
	       : r->table_from == MIG_TABLE_WRITEBACK ? "\"write-back\""
	       : r->table_from == MIG_TABLE_PARTIAL   ? "\"partial\""
						      : "null");
	printf("\"error\":");
	if (r->ok) {
		printf("null,");
	} else {
		putchar('"');
		for (const char *p = r->error; *p; p++)
			if (*p == '"' || *p == '\\')
				printf("\\%c", *p);
			else if ((unsigned char)*p >= 0x20)
				putchar(*p);
		printf("\",");
	}
	printf("\"start_ns\":%" PRIu64 ",\"ready_ns\":%" PRIu64 ",\"command_ns\":%" PRIu64
	       ",\"copy_ns\":%" PRIu64 ",\"freeze_ns\":%" PRIu64 ",\"commit_ns\":%" PRIu64
	       ",\"resume_ns\":%" PRIu64 ",\"flip_begin_ns\":%" PRIu64 ",\"flip_end_ns\":%" PRIu64
	       ",\"sent_ns\":%" PRIu64 ",\"end_ns\":%" PRIu64 ",\"stopped_ns\":%" PRIu64 ",",
	       r->start_ns, r->ready_ns, r->command_ns, r->copy_ns, r->freeze_ns, r->commit_ns,
	       r->resume_ns, r->flip_begin_ns, r->flip_end_ns, r->sent_ns, r->end_ns,
	       r->stopped_ns);
	printf("\"downtime_ms\":%.3f,\"total_ms\":%.3f,\"transfer_ms\":%.3f,",
	       ms_between(r->freeze_ns, r->resume_ns), ms_between(r->start_ns, r->end_ns),
	       ms_between(r->command_ns, r->end_ns));
	printf("\"pages\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"faults\":%" PRIu64
	       ",\"requests\":%" PRIu64 ",\"hash_ok\":%s,\"clients_flipped\":%u,\"rounds\":[",
	       r->pages, r->bytes, r->faults, r->requests,
	       r->end_ns && r->src_hash == r->dst_hash ? "true" : "false", r->flipped);
	for (unsigned i = 0; i < r->n_rounds; i++)
		printf("%s{\"n\":%" PRIu64 ",\"begin_ns\":%" PRIu64 ",\"end_ns\":%" PRIu64
		       ",\"pages\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"dirty\":%" PRIu64 "}",
		       i ? "," : "", r->rounds[i].n, r->rounds[i].begin_ns, r->rounds[i].end_ns,
		       r->rounds[i].pages, r->rounds[i].bytes, r->rounds[i].dirty);
	printf("],\"probe\":");
	if (!r->probed) {
		printf("null}\n");
		return;
	}
	printf("{\"interval_ms\":%.3f,\"sent\":%" PRIu64 ",\"answered\":%" PRIu64
	       ",\"lost\":%" PRIu64 ",\"gap_ms\":%.3f,\"gap_begin_ns\":%" PRIu64
	       ",\"counter_back\":%" PRIu64 ",\"counter_jump\":%" PRIu64
	       ",\"last_instance\":\"%s\"}}\n",
	       (double)r->probe_interval_ns / 1e6, r->probe_sent, r->probe_answered, r->probe_lost,
	       (double)r->probe_gap_ns / 1e6, r->probe_gap_begin_ns, r->counter_back,
	       r->counter_jump, r->probe_last_instance);
}

/* What the command line asks for; UINT64_MAX or 0 (as noted): the scenario's or the default. */
struct args {
	const char *to, *csv;
	bool has_strategy;
	enum topo_strategy strategy;
	uint64_t max_rounds;  /* 0 */
	uint64_t stop_below;  /* UINT64_MAX */
	uint64_t timeout_ns;  /* 0 */
	uint64_t interval_ns; /* UINT64_MAX */
	uint64_t port;	      /* 0 */
	bool json, no_probe, tcp_established;
};

/* One option with its value; 0, or -EINVAL once the complaint is printed. */
static int parse_opt(int c, const char *arg, struct args *a)
{
	char *end;

	switch (c) {
	case 't':
		a->to = arg;
		return 0;
	case 's':
		a->has_strategy = true;
		if (topo_strategy_parse(arg, &a->strategy) == 0)
			return 0;
		fprintf(stderr,
			"edgemu migrate: --strategy '%s': expected cold, precopy or postcopy\n",
			arg);
		return -EINVAL;
	case 'r':
		a->max_rounds = strtoull(arg, &end, 10);
		if (!*end && a->max_rounds && a->max_rounds <= 1000)
			return 0;
		fprintf(stderr, "edgemu migrate: --max-rounds '%s': expected 1 to 1000\n", arg);
		return -EINVAL;
	case 'b':
		a->stop_below = strtoull(arg, &end, 10);
		if (!*end && *arg)
			return 0;
		fprintf(stderr, "edgemu migrate: --stop-below '%s': expected a number of pages\n",
			arg);
		return -EINVAL;
	case 'T':
		if (topo_unit_time(arg, &a->timeout_ns) == 0 && a->timeout_ns >= 10 * 1000000ULL)
			return 0;
		fprintf(stderr,
			"edgemu migrate: --timeout '%s': expected a time of 10ms or more (5s)\n",
			arg);
		return -EINVAL;
	case 'p':
		a->port = strtoull(arg, &end, 10);
		if (!*end && a->port && a->port <= 65535)
			return 0;
		fprintf(stderr, "edgemu migrate: --port '%s': expected 1 to 65535\n", arg);
		return -EINVAL;
	case 'i':
		if (topo_unit_time(arg, &a->interval_ns) == 0 && a->interval_ns >= 1000000ULL)
			return 0;
		fprintf(stderr,
			"edgemu migrate: --probe-interval '%s': expected a time of 1ms or more\n",
			arg);
		return -EINVAL;
	case 'n':
		a->no_probe = true;
		return 0;
	case 'c':
		a->csv = arg;
		return 0;
	case 'j':
		a->json = true;
		return 0;
	case 'E':
		a->tcp_established = true;
		return 0;
	}
	return -EINVAL;
}

/* The options and the three words; 0, or -EINVAL once the complaint is printed. */
static int parse_args(int argc, char **argv, struct args *ret)
{
	static const struct option opts[] = {
	    {"to", required_argument, NULL, 't'},
	    {"strategy", required_argument, NULL, 's'},
	    {"max-rounds", required_argument, NULL, 'r'},
	    {"stop-below", required_argument, NULL, 'b'},
	    {"timeout", required_argument, NULL, 'T'},
	    {"port", required_argument, NULL, 'p'},
	    {"probe-interval", required_argument, NULL, 'i'},
	    {"no-probe", no_argument, NULL, 'n'},
	    {"csv", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},
	    {"tcp-established", no_argument, NULL, 'E'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct args a = {.stop_below = UINT64_MAX, .interval_ns = UINT64_MAX};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == ':' || c == '?' || c == 'h') {
			util_opt_error("edgemu migrate", usage, argv, c);
			return -EINVAL;
		}
		if (parse_opt(c, optarg, &a) < 0)
			return -EINVAL;
	}
	if (argc - optind != 3 || !a.to) {
		fprintf(stderr, "edgemu migrate: expected RUN SERVICE CLIENT and --to NODE\n");
		fputs(usage, stderr);
		return -EINVAL;
	}
	*ret = a;
	return 0;
}

/* The migration's settings: the scenario's (mig_opts_init), then what the options say. */
static void opts_apply(struct mig_opts *o, const struct args *a)
{
	if (a->has_strategy)
		o->strategy = a->strategy;
	if (a->max_rounds)
		o->max_rounds = a->max_rounds;
	if (a->stop_below != UINT64_MAX)
		o->stop_below = a->stop_below;
	if (a->timeout_ns)
		o->timeout_ms = a->timeout_ns / 1000000ULL;
	if (a->port)
		o->port = (uint16_t)a->port;
	if (a->interval_ns != UINT64_MAX)
		o->probe_interval_ns = a->interval_ns;
	if (a->no_probe)
		o->probe_interval_ns = 0;
	if (a->tcp_established)
		o->tcp_established = true;
	o->csv = a->csv;
	o->stop = &stop_flag;
}

int cli_migrate(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	int svc, client, node, rc;
	struct mig_report rep;
	struct topo_net *net;
	struct topo_err err;
	struct mig_opts o;
	struct args a;

	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	if (parse_args(argc, argv, &a) < 0)
		return 2;
	if (cli_need_root("migrate"))
		return 1;
	if (topo_net_load(argv[optind], &net, &err) < 0) {
		fprintf(stderr, "edgemu migrate: %s\n", err.msg);
		return 1;
	}
	svc = topo_service_find(net->m, argv[optind + 1]);
	client = topo_node_find(net->m, argv[optind + 2]);
	node = topo_node_find(net->m, a.to);
	if (svc < 0 || client < 0 || node < 0) {
		fprintf(stderr, "edgemu migrate: run %s has no %s '%s'\n", argv[optind],
			svc < 0 ? "service" : "node",
			svc < 0	     ? argv[optind + 1]
			: client < 0 ? argv[optind + 2]
				     : a.to);
		topo_net_free(net);
		return 1;
	}
	mig_opts_init(&o, net->m);
	opts_apply(&o, &a);
	/* app: process moves by CRIU: refused, CRIU's reason said, before anything starts. */
	if (net->m->services[svc].app == TOPO_APP_PROCESS &&
	    mig_criu_refuse(net->m, (unsigned)svc, o.strategy, mig_criu_check(), &err) < 0) {
		fprintf(stderr, "edgemu migrate: %s\n", err.msg);
		topo_net_free(net);
		return 1;
	}
	/* A closed terminal (SIGHUP) is an interruption too: roll back, never die half-way. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	rc = mig_migrate(net, (unsigned)svc, (unsigned)client, (unsigned)node, &o, &rep, &err);
	if (rc < 0 && !rep.command_ns) {
		/* Refused before anything moved: the error says why, there is no timeline. */
		fprintf(stderr, "edgemu migrate: %s\n", err.msg);
	} else if (a.json) {
		print_json(&rep);
	} else {
		print_text(&rep);
	}
	topo_net_free(net);
	return rc < 0 ? 1 : 0;
}
