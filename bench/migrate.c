/* SPDX-License-Identifier: MIT */
/*
 * bench/migrate: one stateful service (app: svc) moved between two edges by each strategy
 * (cold, pre-copy, post-copy), over a backhaul of each rate and delay, for each state size
 * and dirty rate; the measured figures beside the analytic models of migrate/model.h in the
 * same row. Prints tables; asserts nothing. Needs root.
 *
 *   sudo build/bench/migrate [--quick] [--sizes 16,64,256] [--rates 0,1000,10000]
 *                            [--links 100:1,100:10,500:1,500:10]
 *                            [--strategies cold,precopy,postcopy]
 *                            [--max-rounds N] [--movers agent,criu]
 *
 * Movers: `agent` is edgemu-svc's own migration agent (app: svc); `criu` is the same
 * edgemu-svc, with the same state size, dirty rate, pattern and seed, run as the user's
 * program (app: process) and moved by CRIU (migrate/criu_mig.c), so that the two differ only
 * in what moves the pages. Rows of one (backhaul, size, dirty rate, strategy) are printed
 * together, one per mover. CRIU works only on some kernels (migrate/criu.h): where it does
 * not, its rows are a skip line in CRIU's words.
 *
 * Network: ue1 -(1 ms)- enb1 -(1 ms)- edge1 -(backhaul: RATE Mbit/s, DELAY ms each way)- edge2,
 * the service (uniform writes) at edge1. One run per (backhaul, size, dirty rate), built from
 * a scenario file of its own and removed whatever happens; in it each strategy in turn
 * migrates edge1 -> edge2 with mig_migrate(), from an instance started afresh at edge1.
 * BENCH_PHASES=1 prints each migration's timeline (rounds, freeze, resume, probe gap) on
 * stderr. Each mover has runs of its own (the service's app differs).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "migrate/criu.h"
#include "migrate/migrate.h"
#include "migrate/model.h"
#include "topo/net.h"
#include "util/sig.h"

#define MIB (1024.0 * 1024.0)
#define LIST_MAX 16
#define MTU 1500
#define SWITCH_PAGES 2 /* post-copy: page 0 and one client-table page (one client) */
#define SETTLE_MS 300  /* between migrations: the last one's sockets and probe go */
#define TARGET_PCT 15.0
#define TARGET_DOWN_MS 100.0
#define THP_PATH "/sys/kernel/mm/transparent_hugepage/enabled"

/* What moves the state: edgemu-svc's agent (app: svc), or CRIU (app: process). */
enum mover { MOVER_AGENT, MOVER_CRIU, MOVERS };

static const char *const mover_names[MOVERS] = {"agent", "criu"};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	stop_flag = sig;
}

static void run_down(struct topo_net *net);

/* ---- options ---- */

struct link_opt {
	unsigned rate_mbit;
	unsigned delay_ms;
};

struct opts {
	unsigned sizes[LIST_MAX], n_sizes; /* MiB */
	unsigned rates[LIST_MAX], n_rates; /* pages/s */
	struct link_opt links[LIST_MAX];
	unsigned n_links;
	enum topo_strategy strategies[3];
	unsigned n_strategies;
	unsigned max_rounds; /* 0: the scenario's (30) */
	enum mover movers[MOVERS];
	unsigned n_movers;
};

static int parse_uints(const char *s, unsigned *v, unsigned *n)
{
	char *end;

	*n = 0;
	while (*s) {
		unsigned long x = strtoul(s, &end, 10);

		if (end == s || *n == LIST_MAX || x > 100000000ul)
			return -1;
		v[(*n)++] = (unsigned)x;
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		s = end;
	}
	return *n ? 0 : -1;
}

static int parse_links(const char *s, struct opts *o)
{
	char *end;

	o->n_links = 0;
	while (*s) {
		unsigned long rate = strtoul(s, &end, 10), delay;

		if (end == s || *end != ':' || !rate || rate > 100000 || o->n_links == LIST_MAX)
			return -1;
		s = end + 1;
		delay = strtoul(s, &end, 10);
		if (end == s || delay > 10000)
			return -1;
		o->links[o->n_links++] = (struct link_opt){(unsigned)rate, (unsigned)delay};
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		s = end;
	}
	return o->n_links ? 0 : -1;
}

static int parse_strategies(const char *s, struct opts *o)
{
	char buf[64], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	o->n_strategies = 0;
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		enum topo_strategy k;

		if (topo_strategy_parse(w, &k) < 0 || o->n_strategies == 3)
			return -1;
		o->strategies[o->n_strategies++] = k;
	}
	return o->n_strategies ? 0 : -1;
}

static int parse_movers(const char *s, struct opts *o)
{
	char buf[64], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	o->n_movers = 0;
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		unsigned k = 0;

		while (k < MOVERS && strcmp(w, mover_names[k]))
			k++;
		if (k == MOVERS || o->n_movers == MOVERS)
			return -1;
		for (unsigned i = 0; i < o->n_movers; i++)
			if (o->movers[i] == (enum mover)k)
				return -1;
		o->movers[o->n_movers++] = (enum mover)k;
	}
	return o->n_movers ? 0 : -1;
}

static const char usage[] =
    "usage: migrate [--quick] [--sizes MIB,...] [--rates PAGES_PER_S,...]\n"
    "               [--links MBIT:MS,...] [--strategies cold,precopy,postcopy]\n"
    "               [--max-rounds N] [--movers agent,criu]\n"
    "\n"
    "Defaults: the full grid, --sizes 16,64,256 --rates 0,1000,10000\n"
    "--links 100:1,100:10,500:1,500:10 (backhaul rate in Mbit/s : one-way delay in ms), all\n"
    "three strategies, pre-copy max_rounds 30. --quick: sizes 16,64, rates 0,1000, links\n"
    "500:1,100:10. Options after --quick override it. --movers: what moves the state,\n"
    "edgemu-svc's agent (app: svc) and/or CRIU (the same edgemu-svc as app: process; needs\n"
    "a kernel where CRIU works, else its rows are skipped); default agent. Needs root.\n";

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const unsigned sizes[] = {16, 64, 256}, rates[] = {0, 1000, 10000};
	static const struct link_opt links[] = {{100, 1}, {100, 10}, {500, 1}, {500, 10}};

	memset(o, 0, sizeof(*o));
	memcpy(o->sizes, sizes, sizeof(sizes));
	o->n_sizes = 3;
	memcpy(o->rates, rates, sizeof(rates));
	o->n_rates = 3;
	memcpy(o->links, links, sizeof(links));
	o->n_links = 4;
	for (unsigned k = 0; k < 3; k++)
		o->strategies[k] = (enum topo_strategy)k;
	o->n_strategies = 3;
	o->movers[0] = MOVER_AGENT;
	o->n_movers = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int r = 0;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage, stdout);
			exit(0);
		} else if (!strcmp(a, "--quick")) {
			o->n_sizes = o->n_rates = o->n_links = 2;
			o->rates[1] = 1000;
			o->sizes[0] = 16;
			o->sizes[1] = 64;
			o->rates[0] = 0;
			o->links[0] = (struct link_opt){500, 1};
			o->links[1] = (struct link_opt){100, 10};
			continue;
		} else if (!v) {
			r = -1;
		} else if (!strcmp(a, "--sizes")) {
			r = parse_uints(v, o->sizes, &o->n_sizes);
		} else if (!strcmp(a, "--rates")) {
			r = parse_uints(v, o->rates, &o->n_rates);
		} else if (!strcmp(a, "--links")) {
			r = parse_links(v, o);
		} else if (!strcmp(a, "--strategies")) {
			r = parse_strategies(v, o);
		} else if (!strcmp(a, "--movers")) {
			r = parse_movers(v, o);
		} else if (!strcmp(a, "--max-rounds")) {
			char *end;

			o->max_rounds = (unsigned)strtoul(v, &end, 10);
			r = *end || !o->max_rounds || o->max_rounds > MIG_ROUNDS_MAX ? -1 : 0;
		} else {
			r = -1;
		}
		if (r < 0) {
			fprintf(stderr, "migrate: bad argument '%s%s%s'\n%s", a, v ? " " : "",
				v ? v : "", usage);
			return -1;
		}
		i++;
	}
	for (unsigned k = 0; k < o->n_sizes; k++)
		if (!o->sizes[k] || o->sizes[k] > 16384) {
			fprintf(stderr, "migrate: sizes are 1 to 16384 MiB\n");
			return -1;
		}
	for (unsigned k = 0; k < o->n_rates; k++)
		if (o->rates[k] > TOPO_DIRTY_RATE_MAX) {
			fprintf(stderr, "migrate: dirty rates are 0 to %llu pages/s\n",
				TOPO_DIRTY_RATE_MAX);
			return -1;
		}
	return 0;
}

/* ---- one run: the chain and the service ---- */

enum { UE1, ENB1, EDGE1, EDGE2 }; /* node indexes, in the scenario's order */

static unsigned run_seq;

/*
 * The service's lines of the scenario: edgemu-svc as app: svc for the agent; for CRIU the same
 * program with the options migrate/service.c gives it (no --ctl, --ready-fd, --tcp: as
 * app: process it is only a program answering on its UDP port). -1 if it does not fit.
 */
static int service_text(enum mover mv, unsigned size_mib, unsigned rate, char *buf, size_t len)
{
	char app[PATH_MAX];
	int n;

	if (mv == MOVER_AGENT) {
		n = snprintf(buf, len,
			     "    app: svc\n"
			     "    state: %uMiB\n"
			     "    dirty: { rate: %u/s, pattern: uniform }\n",
			     size_mib, rate);
		return n < 0 || (size_t)n >= len ? -1 : 0;
	}
	mig_app_path("edgemu-svc", app, sizeof(app));
	/* command: is split as a shell splits words, nothing expanded: quote the path. */
	if (strpbrk(app, "'\"\\\n")) {
		fprintf(stderr, "migrate: %s: a path with quotes cannot be a command\n", app);
		return -1;
	}
	n = snprintf(buf, len,
		     "    app: process\n"
		     "    command: \"'%s' --port 7000 --id proc --state %llu --dirty-rate %u "
		     "--pattern uniform --seed 1\"\n",
		     app, (unsigned long long)size_mib << 20, rate);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * Parse, prepare, build, start the service. The run's name is unique on the machine (this
 * process's pid and a counter). NULL on failure, having said why and removed what was built.
 */
static struct topo_net *run_up(const struct link_opt *l, unsigned size_mib, unsigned rate,
			       unsigned max_rounds, enum mover mv)
{
	char name[TOPO_RUN_MAX + 1], text[8192], svc[PATH_MAX + 256];
	char path[] = "/tmp/edgemu-bench-XXXXXX.yaml";
	struct topo_model *m;
	struct topo_net *net;
	struct topo_err err;
	int n, r, fd;

	snprintf(name, sizeof(name), "bmig-%ld-%u", (long)getpid() % 10000000, run_seq++);
	if (service_text(mv, size_mib, rate, svc, sizeof(svc)) < 0)
		return NULL;
	n = snprintf(text, sizeof(text),
		     "name: %s\n"
		     "seed: 1\n"
		     "nodes:\n"
		     "  ue1: { kind: ue }\n"
		     "  enb1: { kind: enb }\n"
		     "  edge1: { kind: edge }\n"
		     "  edge2: { kind: edge }\n"
		     "links:\n"
		     "  - { endpoints: [ue1, enb1], delay: 1ms }\n"
		     "  - { endpoints: [enb1, edge1], delay: 1ms }\n"
		     "  - { endpoints: [edge1, edge2], delay: %ums, rate: %umbit }\n"
		     "services:\n"
		     "  svc:\n"
		     "    vip: 10.200.0.1\n"
		     "%s"
		     "    port: 7000\n"
		     "    at: edge1\n"
		     "migration:\n"
		     "  steering: ebpf\n"
		     "  precopy: { max_rounds: %u, stop_below: 256 }\n",
		     name, l->delay_ms, l->rate_mbit, svc, max_rounds ? max_rounds : 30);
	if (n < 0 || (size_t)n >= sizeof(text)) {
		fprintf(stderr, "migrate: scenario text too long\n");
		return NULL;
	}
	/* A file, not a string: the run folder keeps a copy of the scenario (`edgemu down`). */
	fd = mkstemps(path, 5);
	if (fd < 0 || write(fd, text, (size_t)n) != n) {
		perror("migrate: writing the scenario");
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		return NULL;
	}
	close(fd);
	r = topo_parse_file(path, &m, &err);
	if (r == 0)
		r = topo_net_prepare(m, name, &net, &err);
	unlink(path);
	if (r < 0) {
		fprintf(stderr, "migrate: %s\n", err.msg);
		return NULL;
	}
	r = topo_net_build(net, &stop_flag, &err);
	if (r == 0 && !stop_flag)
		r = mig_services_start(net, &err);
	if (r == 0 && !stop_flag)
		return net;
	if (r < 0)
		fprintf(stderr, "migrate: run %s: %s\n", name, err.msg);
	run_down(net);
	return NULL;
}

/* Teardown must not be cut short by a second Ctrl-C: signals wait until it is over. */
static void run_down(struct topo_net *net)
{
	static const int held[] = {SIGINT, SIGTERM, SIGHUP};
	char rname[TOPO_RUN_MAX + 1];
	struct topo_err err;
	sigset_t old;

	if (!net)
		return;
	util_sig_block(held, 3, NULL, &old);
	snprintf(rname, sizeof(rname), "%s", net->name);
	if (topo_net_teardown(rname, net, &err) < 0)
		fprintf(stderr, "migrate: removing run %s: %s\n", rname, err.msg);
	topo_net_free(net);
	util_sig_restore(&old);
}

/* ---- memory of the instances ---- */

/* VmRSS and VmHWM of pid in bytes; 0 when gone. */
static void mem_of(long pid, uint64_t *rss, uint64_t *hwm)
{
	char path[64], line[128];
	unsigned long long kb;
	FILE *f;

	*rss = *hwm = 0;
	if (pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "VmRSS: %llu kB", &kb) == 1)
			*rss = kb * 1024;
		else if (sscanf(line, "VmHWM: %llu kB", &kb) == 1)
			*hwm = kb * 1024;
	}
	fclose(f);
}

/*
 * The process holding the state of service 0's instance on node: the instance itself for
 * app: svc; for app: process the program under edgemu-init (its pid namespace's init, whose
 * one child it is, migrate/process.h), before and after a CRIU restore alike. 0 if none.
 */
static long state_pid(const struct topo_net *net, unsigned node, enum mover mv)
{
	long pid = mig_instance_pid(net, 0, node), child = 0;
	char path[96];
	FILE *f;

	if (pid <= 0 || mv == MOVER_AGENT)
		return pid;
	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/children", pid, pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%ld", &child) != 1)
		child = 0;
	fclose(f);
	return child;
}

/*
 * During a migration: the peak resident size of both instances (the source's is last read
 * just before it stops).
 */
struct sampler {
	struct topo_net *net;
	unsigned to;
	enum mover mover;
	long src_pid;
	volatile bool done;
	uint64_t src_hwm, dst_hwm;
	pthread_t tid;
};

static void *sample(void *arg)
{
	struct sampler *s = arg;
	struct timespec ts = {0, 5000000};
	uint64_t rss, hwm;
	long dst = 0;

	while (!s->done) {
		mem_of(s->src_pid, &rss, &hwm);
		if (hwm > s->src_hwm)
			s->src_hwm = hwm;
		if (!dst)
			dst = state_pid(s->net, s->to, s->mover);
		mem_of(dst, &rss, &hwm);
		if (hwm > s->dst_hwm)
			s->dst_hwm = hwm;
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* ---- one migration and its row ---- */

struct row {
	unsigned size_mib, rate;
	enum topo_strategy strategy;
	enum mover mover;
	bool skipped; /* CRIU does not work here for this strategy: note says why */
	int r;
	struct mig_report rep;
	struct mig_model_result model;
	double ratio; /* r of the Clark series */
	uint64_t src_rss, dst_rss, src_hwm, dst_hwm;
	bool model_holds;
	char note[320];
};

static double ms(uint64_t a, uint64_t b)
{
	return a && b && b >= a ? (double)(b - a) / 1e6 : NAN;
}

static void model_row(const struct link_opt *l, const struct mig_opts *mo, struct row *w)
{
	struct mig_model_params p;
	int r;

	mig_model_params_init(&p, (uint64_t)w->size_mib << 20,
			      mig_model_tcp_goodput(l->rate_mbit * 1e6, MTU),
			      (uint64_t)l->delay_ms * 1000000);
	p.dirty_pps = w->rate;
	p.max_rounds = (unsigned)mo->max_rounds;
	p.stop_below_pages = mo->stop_below;
	w->ratio = mig_model_ratio(&p);
	if (w->strategy == TOPO_STRATEGY_COLD) {
		r = mig_model_cold(&p, &w->model);
	} else if (w->strategy == TOPO_STRATEGY_PRECOPY) {
		/* edgemu-svc's uniform pattern: the saturating series is the model */
		r = mig_model_precopy_sat(&p, &w->model);
	} else {
		p.switch_pages = SWITCH_PAGES;
		r = mig_model_postcopy(&p, &w->model);
	}
	if (r < 0)
		memset(&w->model, 0, sizeof(w->model));
}

/*
 * Where the model's assumptions do not hold: pre-copy that does not converge (r >= 1),
 * post-copy whose destination faulted (stalls the model leaves out), and slow start
 * (left out) worth more than 5% of the model's time: about log2(BDP / 10 segments) - 1
 * round trips. Post-copy's page requests that stall nothing (the workload's writes) are
 * noted only: the model takes them to overlap the push.
 */
static void judge_row(const struct link_opt *l, struct row *w)
{
	const struct mig_report *p = &w->rep;
	double rtt = 2e-3 * l->delay_ms, bdp = l->rate_mbit * 1e6 / 8 * rtt;
	double ss_rtts = bdp > 10 * 1448 ? log2(bdp / (10 * 1448)) - 1 : 0;
	double ss = ss_rtts > 0 ? ss_rtts * rtt : 0;
	size_t n = 0;

	w->model_holds = true;
	w->note[0] = '\0';
	if (w->r < 0 || !p->ok) {
		snprintf(w->note, sizeof(w->note), "FAILED: %s",
			 p->error[0] ? p->error : "see above");
		w->model_holds = false;
		return;
	}
	if (w->strategy == TOPO_STRATEGY_PRECOPY && !(w->ratio < 1)) {
		n += (size_t)snprintf(w->note + n, sizeof(w->note) - n,
				      "r=%.2f>=1: no convergence; ", w->ratio);
		w->model_holds = false;
	}
	if (w->strategy == TOPO_STRATEGY_POSTCOPY && p->faults) {
		n += (size_t)snprintf(w->note + n, sizeof(w->note) - n,
				      "%" PRIu64 " faults stalled it; ", p->faults);
		w->model_holds = false;
	}
	if (w->model.total_s > 0 && ss > 0.05 * w->model.total_s) {
		n += (size_t)snprintf(w->note + n, sizeof(w->note) - n,
				      "slow start ~%.0f ms (%.0f%%) left out; ", ss * 1e3,
				      100 * ss / w->model.total_s);
		w->model_holds = false;
	}
	/* Informative: the workload's writes to absent pages, fetched without stalling. */
	if (w->strategy == TOPO_STRATEGY_POSTCOPY && p->requests > p->faults && n < sizeof(w->note))
		n += (size_t)snprintf(w->note + n, sizeof(w->note) - n,
				      "(%" PRIu64 " pages asked for); ", p->requests - p->faults);
	if (n >= 2 && n < sizeof(w->note))
		w->note[n - 2] = '\0';
}

/*
 * Every migration goes edge1 -> edge2, so that the client's view compares like with like
 * (its round trip grows by 2 x the backhaul's delay on each). After one that succeeded, a
 * fresh instance starts at edge1 (same state size and dirty rate), ue1 is steered to it and
 * the one at edge2 stops.
 */
static int serve_from_edge1(struct topo_net *net, struct topo_err *err)
{
	unsigned at;
	int r = mig_steer_lookup(net, 0, UE1, &at);

	if (r < 0)
		return topo_err_set(err, r, "which edge serves ue1: %s", strerror(-r));
	if (at == EDGE1)
		return 0;
	r = mig_steer(net, 0, UE1, EDGE1, NULL, err);
	if (r == 0)
		r = mig_instance_stop(net, 0, at, err);
	return r;
}

/* BENCH_PHASES=1: one migration's timeline on stderr, ms since the command. */
static void print_phases(const struct row *w)
{
	const struct mig_report *p = &w->rep;
	uint64_t t0 = p->command_ns;

	fprintf(stderr, "  %u MiB %u pg/s %s %s: start %.1f ready %.1f | copy %.1f", w->size_mib,
		w->rate, topo_strategy_name(w->strategy), mover_names[w->mover],
		-ms(p->start_ns, t0), -ms(p->ready_ns, t0), ms(t0, p->copy_ns));
	for (unsigned i = 0; i < p->n_rounds; i++) {
		const struct mig_round *k = &p->rounds[i];

		fprintf(stderr,
			" | round %" PRIu64 " %.1f-%.1f %" PRIu64 " pages, %" PRIu64 " dirty", k->n,
			ms(t0, k->begin_ns), ms(t0, k->end_ns), k->pages, k->dirty);
	}
	fprintf(stderr,
		" | freeze %.1f commit %.1f resume %.1f flip %.1f-%.1f sent %.1f end %.1f "
		"stopped %.1f | pages %" PRIu64 " faults %" PRIu64 " requests %" PRIu64
		" | probe gap from %.1f, sent %" PRIu64 " answered %" PRIu64 " lost %" PRIu64 "\n",
		ms(t0, p->freeze_ns), ms(t0, p->commit_ns), ms(t0, p->resume_ns),
		ms(t0, p->flip_begin_ns), ms(t0, p->flip_end_ns), ms(t0, p->sent_ns),
		ms(t0, p->end_ns), ms(t0, p->stopped_ns), p->pages, p->faults, p->requests,
		p->probe_gap_begin_ns > t0 ? ms(t0, p->probe_gap_begin_ns)
					   : -ms(p->probe_gap_begin_ns, t0),
		p->probe_sent, p->probe_answered, p->probe_lost);
}

static void migrate_once(struct topo_net *net, const struct link_opt *l, struct row *w)
{
	struct sampler s = {.net = net, .mover = w->mover};
	struct mig_opts mo;
	struct topo_err err;
	unsigned from, to;
	uint64_t hwm;
	bool sampling;

	mig_opts_init(&mo, net->m);
	mo.strategy = w->strategy;
	/*
	 * The probe of an app: process service expects its requests echoed, which edgemu-svc
	 * does not do (it answers with its own frame): CRIU's rows have no client's view.
	 */
	mo.probe_interval_ns = w->mover == MOVER_CRIU ? 0 : 1000000;
	mo.stop = &stop_flag; /* Ctrl-C: the migration rolls back, then the run goes */
	model_row(l, &mo, w);
	w->r = serve_from_edge1(net, &err);
	if (w->r < 0) {
		snprintf(w->rep.error, sizeof(w->rep.error), "%.250s", err.msg);
		judge_row(l, w);
		return;
	}
	from = EDGE1;
	to = EDGE2;
	s.to = to;
	s.src_pid = state_pid(net, from, w->mover);
	mem_of(s.src_pid, &w->src_rss, &s.src_hwm);
	if (w->strategy == TOPO_STRATEGY_PRECOPY && !(w->ratio < 1))
		fprintf(stderr,
			"migrate: note: pre-copy does not converge at %u MiB, %u pages/s, "
			"%u Mbit/s (r = %.2f): %u rounds of nearly the whole state, about "
			"%.0f s; --rates, --links or --max-rounds skip or shorten it\n",
			w->size_mib, w->rate, l->rate_mbit, w->ratio, w->model.rounds,
			w->model.total_s);
	sampling = pthread_create(&s.tid, NULL, sample, &s) == 0;
	w->r = mig_migrate(net, 0, UE1, to, &mo, &w->rep, &err);
	s.done = true;
	if (sampling)
		pthread_join(s.tid, NULL);
	if (w->r < 0 && !w->rep.error[0])
		snprintf(w->rep.error, sizeof(w->rep.error), "%.250s", err.msg);
	mem_of(state_pid(net, to, w->mover), &w->dst_rss, &hwm);
	w->src_hwm = s.src_hwm;
	w->dst_hwm = hwm > s.dst_hwm ? hwm : s.dst_hwm;
	judge_row(l, w);
	if (getenv("BENCH_PHASES"))
		print_phases(w);
}

/* ---- output ---- */

static void print_header(const struct link_opt *l, const struct topo_net *net)
{
	printf("\nbackhaul %u Mbit/s, %u ms each way (model's TCP payload rate %.1f Mbit/s); "
	       "shaping by %s\n",
	       l->rate_mbit, l->delay_ms, mig_model_tcp_goodput(l->rate_mbit * 1e6, MTU) / 1e6,
	       net ? topo_shaper_name(net->backend) : "?");
	printf("%5s %6s %-8s %-5s | %8s %8s %8s %6s | %8s %8s %8s | %7s %7s | %3s %3s | %5s %5s "
	       "%5s %5s | %5s %3s | %s\n",
	       "S MiB", "pg/s", "strategy", "mover", "total", "xfer", "model", "err%", "down eng",
	       "dn probe", "dn model", "MiB", "mdl MiB", "rnd", "mdl", "srcRS", "srcPk", "dstRS",
	       "dstPk", "ctr", "ok", "notes");
	fflush(stdout);
}

static void print_cell(double v, int width, int prec)
{
	if (isnan(v))
		printf(" %*s", width, "-");
	else
		printf(" %*.*f", width, prec, v);
}

static double err_pct(const struct row *w)
{
	double xfer = ms(w->rep.command_ns, w->rep.end_ns);

	if (isnan(xfer) || !(w->model.total_s > 0))
		return NAN;
	return 100 * (xfer / (w->model.total_s * 1e3) - 1);
}

static void print_row(const struct row *w)
{
	const struct mig_report *p = &w->rep;
	double err = err_pct(w);

	printf("%5u %6u %-8s %-5s |", w->size_mib, w->rate, topo_strategy_name(w->strategy),
	       mover_names[w->mover]);
	if (w->skipped) {
		printf(" skipped: CRIU does not work here: %s\n", w->note);
		fflush(stdout);
		return;
	}
	print_cell(ms(p->start_ns, p->end_ns), 8, 1);
	print_cell(ms(p->command_ns, p->end_ns), 8, 1);
	print_cell(w->model.total_s * 1e3, 8, 1);
	print_cell(err, 6, 1);
	printf(" |");
	print_cell(ms(p->freeze_ns, p->resume_ns), 8, 1);
	print_cell(p->probed && p->probe_gap_ns ? p->probe_gap_ns / 1e6 : NAN, 8, 1);
	print_cell(w->model.downtime_s * 1e3, 8, 1);
	printf(" |");
	print_cell(p->bytes ? p->bytes / MIB : NAN, 7, 1);
	print_cell(w->model.bytes / MIB, 7, 1);
	printf(" | %3u %3u |", p->n_rounds, w->model.rounds);
	print_cell(w->src_rss ? w->src_rss / MIB : NAN, 5, 0);
	print_cell(w->src_hwm ? w->src_hwm / MIB : NAN, 5, 0);
	print_cell(w->dst_rss ? w->dst_rss / MIB : NAN, 5, 0);
	print_cell(w->dst_hwm ? w->dst_hwm / MIB : NAN, 5, 0);
	if (p->probed)
		printf(" | %2" PRIu64 "/%-2" PRIu64, p->counter_back, p->counter_jump);
	else
		printf(" | %5s", "-");
	printf(" %3s | %s\n", p->ok ? "ok" : "NO", w->note);
	fflush(stdout);
}

static void print_legend(void)
{
	static const char *const lines[] = {
	    "Times in ms; one migration per row, ue1 steered to the service all along.",
	    "total: end - start, from the destination's start to every page there;",
	    "  xfer: from the command to the destination holding every page, the span",
	    "  the model's total covers; model: the model's total; err%: xfer against it.",
	    "down eng: resume - freeze (the agents' view); dn probe: the largest gap",
	    "  between answers of mig_migrate's 1 ms probe from ue1 (the client's view);",
	    "  dn model: the model's downtime.",
	    "MiB: bytes on the state stream (frame headers included); rnd: live rounds.",
	    "srcRS/dstRS: VmRSS (MiB) of the source before and the destination after;",
	    "  srcPk/dstPk: their VmHWM (peak), sampled every 5 ms during the migration.",
	    "ctr: probe answers whose counter went back / jumped (0/0: none lost).",
	    "Every migration goes edge1 -> edge2 (the client's round trip grows by twice",
	    "  the backhaul's delay), from an instance started afresh at edge1.",
	    "Models (migrate/model.h): cold; pre-copy as the saturating series (uniform",
	    "  writes); post-copy with 2 switch pages. They leave out slow start and the",
	    "  relay's queue (1000 packets); notes say where an assumption does not hold.",
	    "mover: agent, edgemu-svc's own agent; criu, the same edgemu-svc (app: process)",
	    "  moved by CRIU: freeze at the final dump's start, resume when criu restore",
	    "  returns; MiB the page images (post-copy: not counted, '-'); no probe (the",
	    "  probe of app: process wants an echo), so no dn probe and no ctr; srcRS..",
	    "  dstPk of the program under edgemu-init.",
	};
	char thp[128] = "";
	FILE *f;

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		printf("%s\n", lines[i]);
	/* CRIU tracks dirty memory per page table entry: a huge page is dirty as a whole. */
	f = fopen(THP_PATH, "re");
	if (f) {
		if (!fgets(thp, sizeof(thp), f))
			thp[0] = '\0';
		fclose(f);
	}
	thp[strcspn(thp, "\n")] = '\0';
	printf("Transparent huge pages (%s): %s\n", THP_PATH, thp[0] ? thp : "?");
}

/* ---- summary ---- */

struct result {
	struct link_opt link;
	struct row *rows;
	size_t n, cap;
};

static struct row *row_add(struct result *res)
{
	if (res->n == res->cap) {
		size_t cap = res->cap ? 2 * res->cap : 64;
		struct row *v = realloc(res->rows, cap * sizeof(*v));

		if (!v) {
			perror("migrate: realloc");
			exit(1);
		}
		res->rows = v;
		res->cap = cap;
	}
	memset(&res->rows[res->n], 0, sizeof(res->rows[0]));
	return &res->rows[res->n++];
}

/* The row of (size, rate, strategy, mover): one that succeeded if any did, else a failed one. */
static const struct row *find_row(const struct result *res, unsigned size, unsigned rate,
				  enum topo_strategy st, enum mover mv)
{
	const struct row *failed = NULL;

	for (size_t i = 0; i < res->n; i++) {
		const struct row *w = &res->rows[i];

		if (w->size_mib != size || w->rate != rate || w->strategy != st || w->mover != mv ||
		    w->skipped)
			continue;
		if (w->rep.ok)
			return w;
		failed = w;
	}
	return failed;
}

struct order_count {
	unsigned groups, ok_eng, ok_probe;
};

/*
 * Whether downtime goes postcopy < precopy < cold on one row, in both views (CRIU's rows
 * have no probe: the engine's only).
 */
static void order_row(const struct result *res, unsigned size, unsigned rate, enum mover mv,
		      struct order_count *c)
{
	const struct row *v[3];
	double e[3], g[3];
	bool oe, og;

	for (unsigned k = 0; k < 3; k++) {
		/* post, pre, cold: the order the target states */
		v[k] = find_row(res, size, rate, (enum topo_strategy)(2 - k), mv);
		if (!v[k])
			return;
	}
	for (unsigned k = 0; k < 3; k++) {
		if (!v[k]->rep.ok) {
			printf("  %-5s %4u Mbit/s %2u ms %4u MiB %5u pg/s: left out, %s failed\n",
			       mover_names[mv], res->link.rate_mbit, res->link.delay_ms, size, rate,
			       topo_strategy_name(v[k]->strategy));
			return;
		}
		e[k] = ms(v[k]->rep.freeze_ns, v[k]->rep.resume_ns);
		g[k] = v[k]->rep.probed ? v[k]->rep.probe_gap_ns / 1e6 : NAN;
	}
	oe = e[0] < e[1] && e[1] < e[2];
	og = g[0] < g[1] && g[1] < g[2];
	c->groups++;
	c->ok_eng += oe;
	c->ok_probe += og;
	printf("  %-5s %4u Mbit/s %2u ms %4u MiB %5u pg/s: engine %7.1f < %7.1f < %7.1f %-3s",
	       mover_names[mv], res->link.rate_mbit, res->link.delay_ms, size, rate, e[0], e[1],
	       e[2], oe ? "yes" : "NO");
	if (isnan(g[0]))
		printf(" | probe -\n");
	else
		printf(" | probe %7.1f < %7.1f < %7.1f %s\n", g[0], g[1], g[2], og ? "yes" : "NO");
}

static void summary_order(const struct opts *o, const struct result *res, unsigned n_res)
{
	printf("downtime postcopy < precopy < cold, per row (engine view; client's view):\n");
	for (unsigned m = 0; m < o->n_movers; m++) {
		struct order_count c = {0};

		for (unsigned k = 0; k < n_res; k++)
			for (unsigned si = 0; si < o->n_sizes; si++)
				for (unsigned ri = 0; ri < o->n_rates; ri++)
					order_row(&res[k], o->sizes[si], o->rates[ri], o->movers[m],
						  &c);
		printf("  %s: held on %u/%u rows (engine), %u/%u (probe)\n",
		       mover_names[o->movers[m]], c.ok_eng, c.groups, c.ok_probe, c.groups);
	}
	for (unsigned k = 0; k < n_res; k++) {
		const struct row *w;

		if (res[k].link.rate_mbit != 500 || res[k].link.delay_ms != 1)
			continue;
		w = find_row(&res[k], 64, 1000, TOPO_STRATEGY_PRECOPY, MOVER_AGENT);
		if (!w)
			continue;
		if (!w->rep.ok) {
			printf("pre-copy at 64 MiB, 1000 pages/s, 500 Mbit/s, 1 ms: failed\n");
			continue;
		}
		printf("pre-copy downtime at 64 MiB, 1000 pages/s, 500 Mbit/s, 1 ms: engine "
		       "%.1f ms, probe %.1f ms (target < %.0f ms: %s)\n",
		       ms(w->rep.freeze_ns, w->rep.resume_ns), w->rep.probe_gap_ns / 1e6,
		       TARGET_DOWN_MS,
		       ms(w->rep.freeze_ns, w->rep.resume_ns) < TARGET_DOWN_MS &&
			       w->rep.probe_gap_ns / 1e6 < TARGET_DOWN_MS
			   ? "met"
			   : "NOT met");
	}
}

/* Rows within TARGET_PCT of the model's total, per mover; the peak memory above S. */
static void summary_model(const struct opts *o, const struct result *res, unsigned n_res)
{
	printf("within %.0f%% of the model's total (xfer), where its assumptions hold:\n",
	       TARGET_PCT);
	for (unsigned m = 0; m < o->n_movers; m++) {
		enum mover mv = o->movers[m];
		unsigned within = 0, judged = 0;
		double src_over = -1e9, dst_over = -1e9;

		for (unsigned k = 0; k < n_res; k++) {
			for (size_t i = 0; i < res[k].n; i++) {
				const struct row *w = &res[k].rows[i];
				double e = err_pct(w), sz = (double)w->size_mib * MIB;

				if (w->mover != mv || w->skipped)
					continue;
				if (w->rep.ok && w->src_hwm && w->src_hwm - sz > src_over)
					src_over = w->src_hwm - sz;
				if (w->rep.ok && w->dst_hwm && w->dst_hwm - sz > dst_over)
					dst_over = w->dst_hwm - sz;
				if (!w->model_holds || isnan(e))
					continue;
				judged++;
				if (fabs(e) <= TARGET_PCT) {
					within++;
					continue;
				}
				printf("  off: %s %u Mbit/s %u ms %u MiB %u pg/s %s: %+.1f%%\n",
				       mover_names[mv], res[k].link.rate_mbit, res[k].link.delay_ms,
				       w->size_mib, w->rate, topo_strategy_name(w->strategy), e);
			}
		}
		printf("  %s: %u/%u rows within %.0f%% (rows with a note are left out: the "
		       "model's assumptions do not hold there)\n",
		       mover_names[mv], within, judged, TARGET_PCT);
		if (src_over > -1e9)
			printf("  %s: memory: peak RSS above S at most %+.1f MiB (source), %+.1f "
			       "MiB (destination)\n",
			       mover_names[mv], src_over / MIB, dst_over / MIB);
	}
}

static double ratio(double a, double b)
{
	return isnan(a) || isnan(b) || !(a > 0) ? NAN : b / a;
}

/* CRIU against the agent on each (backhaul, size, rate, strategy) both moved. */
static void summary_movers(const struct result *res, unsigned n_res)
{
	printf("criu against agent (criu / agent): downtime (engine), total, MiB moved:\n");
	for (unsigned k = 0; k < n_res; k++)
		for (size_t i = 0; i < res[k].n; i++) {
			const struct row *c = &res[k].rows[i], *a;
			double da, dc, ta, tc;

			if (c->mover != MOVER_CRIU || c->skipped || !c->rep.ok)
				continue;
			a = find_row(&res[k], c->size_mib, c->rate, c->strategy, MOVER_AGENT);
			if (!a || !a->rep.ok)
				continue;
			da = ms(a->rep.freeze_ns, a->rep.resume_ns);
			dc = ms(c->rep.freeze_ns, c->rep.resume_ns);
			ta = ms(a->rep.start_ns, a->rep.end_ns);
			tc = ms(c->rep.start_ns, c->rep.end_ns);
			printf("  %4u Mbit/s %2u ms %4u MiB %5u pg/s %-8s: down %7.1f / %7.1f "
			       "(x%.1f), total %8.1f / %8.1f (x%.1f), MiB",
			       res[k].link.rate_mbit, res[k].link.delay_ms, c->size_mib, c->rate,
			       topo_strategy_name(c->strategy), dc, da, ratio(da, dc), tc, ta,
			       ratio(ta, tc));
			print_cell(c->rep.bytes ? c->rep.bytes / MIB : NAN, 6, 1);
			printf(" /");
			print_cell(a->rep.bytes ? a->rep.bytes / MIB : NAN, 6, 1);
			printf("\n");
		}
}

static void summary(const struct opts *o, const struct result *res, unsigned n_res)
{
	unsigned failed = 0;

	printf("\n== targets ==\n");
	summary_order(o, res, n_res);
	summary_model(o, res, n_res);
	if (o->n_movers == MOVERS)
		summary_movers(res, n_res);
	for (unsigned k = 0; k < n_res; k++)
		for (size_t i = 0; i < res[k].n; i++) {
			const struct row *w = &res[k].rows[i];

			if (w->skipped || w->rep.ok)
				continue;
			failed++;
			printf("failed: %s %u Mbit/s %u ms %u MiB %u pg/s %s: %s\n",
			       mover_names[w->mover], res[k].link.rate_mbit, res[k].link.delay_ms,
			       w->size_mib, w->rate, topo_strategy_name(w->strategy),
			       w->rep.error[0] ? w->rep.error : "(no reason given)");
		}
	printf("migrations: %u failed\n", failed);
}

/*
 * A row for each strategy CRIU cannot do here, in its words; true when it can do none of
 * them (the run need not be built).
 */
static bool criu_skips(const struct opts *o, struct result *res, unsigned size, unsigned rate)
{
	const struct mig_criu *c = mig_criu_check();
	unsigned n = 0;

	for (unsigned t = 0; t < o->n_strategies; t++) {
		enum topo_strategy st = o->strategies[t];
		struct row *w;

		if (c->ok[st])
			continue;
		w = row_add(res);
		w->size_mib = size;
		w->rate = rate;
		w->strategy = st;
		w->mover = MOVER_CRIU;
		w->skipped = true;
		snprintf(w->note, sizeof(w->note), "%s (%s)", c->reason[st], mig_criu_fix(c));
		n++;
	}
	return n == o->n_strategies;
}

/* The rows from first on, by strategy then mover: each (strategy) beside its other mover. */
static void print_group(const struct opts *o, const struct result *res, size_t first)
{
	for (unsigned t = 0; t < o->n_strategies; t++)
		for (unsigned m = 0; m < o->n_movers; m++)
			for (size_t i = first; i < res->n; i++) {
				const struct row *w = &res->rows[i];

				if (w->strategy == o->strategies[t] && w->mover == o->movers[m])
					print_row(w);
			}
}

/*
 * One (backhaul, size, dirty rate): a run for each mover, every strategy migrated in it,
 * then the rows printed together. -1 if a run could not be built.
 */
static int run_group(const struct opts *o, struct result *res, unsigned size, unsigned rate,
		     bool *header)
{
	const struct link_opt *l = &res->link;
	size_t first = res->n;
	int rc = 0;

	for (unsigned m = 0; m < o->n_movers && !stop_flag; m++) {
		enum mover mv = o->movers[m];
		struct topo_net *net;

		if (mv == MOVER_CRIU && criu_skips(o, res, size, rate))
			continue;
		net = run_up(l, size, rate, o->max_rounds, mv);
		if (!net) {
			rc = -1;
			continue;
		}
		if (!*header) {
			print_header(l, net);
			*header = true;
		}
		for (unsigned t = 0; t < o->n_strategies && !stop_flag; t++) {
			struct timespec ts = {0, SETTLE_MS * 1000000L};
			struct row *w;

			/* criu_skips() has its row already */
			if (mv == MOVER_CRIU && !mig_criu_check()->ok[o->strategies[t]])
				continue;
			w = row_add(res);
			w->size_mib = size;
			w->rate = rate;
			w->strategy = o->strategies[t];
			w->mover = mv;
			migrate_once(net, l, w);
			if (stop_flag && !w->rep.ok) {
				res->n--; /* cut short by Ctrl-C: no figure */
				break;
			}
			nanosleep(&ts, NULL);
		}
		run_down(net);
	}
	if (!*header && res->n > first) {
		print_header(l, NULL);
		*header = true;
	}
	print_group(o, res, first);
	return rc;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct result *res;
	struct opts o;
	unsigned n_res = 0;
	int rc = 0;

	if (parse_args(argc, argv, &o) < 0)
		return 2;
	if (geteuid() != 0) {
		fprintf(stderr, "migrate: needs root (it builds namespaces)\n");
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	res = calloc(o.n_links, sizeof(*res));
	if (!res)
		return 1;
	print_legend();
	for (unsigned k = 0; k < o.n_links && !stop_flag; k++) {
		bool header = false;

		res[k].link = o.links[k];
		n_res++;
		for (unsigned si = 0; si < o.n_sizes && !stop_flag; si++)
			for (unsigned ri = 0; ri < o.n_rates && !stop_flag; ri++)
				if (run_group(&o, &res[k], o.sizes[si], o.rates[ri], &header) < 0)
					rc = 1;
	}
	if (stop_flag)
		fprintf(stderr, "migrate: %s: stopped, every run removed\n", strsignal(stop_flag));
	summary(&o, res, n_res);
	for (unsigned k = 0; k < o.n_links; k++)
		free(res[k].rows);
	free(res);
	return stop_flag ? 128 + stop_flag : rc;
}
