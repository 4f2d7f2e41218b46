/* SPDX-License-Identifier: MIT */
/*
 * The traffic: flows: per flow an edgemu-bulk receiver in `to`, started when the network is
 * up and listening (TCP port TOPO_FLOW_PORT + its index) before the clock starts, and a
 * sender in `from`, started at `at` towards `to`'s address and stopped (SIGTERM) at `until`;
 * all stopped and reaped at the run's end. Both report on the runner's socket with the tag
 * "f<index>" (apps/bulk.c has the format): each receiver's report, every 100 ms, becomes a
 * row of throughput.csv and is kept for the flow's phases; a broken connection and a new one
 * become events. A flow's troubles are the flow's, never the run's: only a receiver that
 * cannot start fails the run, before its clock.
 *
 * The phases (summary.json's flows, docs/scenario.md): a flow's windows are the handovers of
 * its UE endpoints (from the handover to the end of its interruption; a UE left without a
 * cell until it is attached again) and the migrations of their service (from the decision to
 * the end), each extended by PHASE_TAIL_NS after its end for TCP to recover. A report that
 * overlaps a window is during; one that ends at or before the first window's start is
 * before; the rest after. A flow without a UE endpoint, or without windows, is all before.
 */
#include <poll.h>

#include "run/run_int.h"

#define FLOW_REPORT_NS (100 * MS)      /* the receivers' report interval */
#define FLOW_LISTEN_MS 5000	       /* a receiver listens within this, or the run fails */
#define PHASE_TAIL_NS S_NS	       /* a window goes on this long after its end */
#define FLOW_SEND_SLACK_NS (10 * S_NS) /* a sender to the run's end outlasts it by this */

static const char *flow_name(const struct runner *r, unsigned i)
{
	return r->m->flows[i].name;
}

/* The flow's UE endpoint for events.csv's ue column: to, else from, else -1. */
static int flow_ue(const struct runner *r, unsigned i)
{
	const struct topo_flow *f = &r->m->flows[i];

	if (run_ue_index(r, f->to) >= 0)
		return (int)f->to;
	return run_ue_index(r, f->from) >= 0 ? (int)f->from : -1;
}

/* A receiver that has exited already (it could not listen): reaped, true. */
static bool receiver_gone(struct runner *r, unsigned i)
{
	if (waitpid(r->flows[i].recv_pid, NULL, WNOHANG) != r->flows[i].recv_pid)
		return false;
	r->flows[i].recv_pid = 0;
	return true;
}

/*
 * Until every receiver has said it listens ("f<i>,listening,..."): 0, -ETIMEDOUT, or
 * -ECHILD when one exited instead (its index in *ret_late).
 */
static int receivers_wait(struct runner *r, bool *ready, unsigned *ret_late)
{
	uint64_t deadline = emu_loop_now_ns() + FLOW_LISTEN_MS * MS;
	unsigned left = r->m->n_flows;
	char msg[256];

	while (left) {
		struct pollfd p = {.fd = r->report, .events = POLLIN};
		uint64_t now = emu_loop_now_ns();
		unsigned i;
		ssize_t n;

		if (now >= deadline)
			break;
		for (i = 0; i < r->m->n_flows; i++)
			if (!ready[i] && receiver_gone(r, i)) {
				*ret_late = i;
				return -ECHILD;
			}
		/* At most 50 ms: a receiver that exited is seen at once. */
		if (poll(&p, 1, 50) < 0 && errno != EINTR)
			return -errno;
		while ((n = recv(r->report, msg, sizeof(msg) - 1, MSG_DONTWAIT)) > 0) {
			msg[n] = '\0';
			if (sscanf(msg, "f%u,listening,", &i) == 1 && i < r->m->n_flows &&
			    !ready[i]) {
				ready[i] = true;
				left--;
			}
		}
	}
	for (unsigned i = 0; i < r->m->n_flows; i++)
		if (!ready[i]) {
			*ret_late = i;
			return -ETIMEDOUT;
		}
	return 0;
}

/* ": <the first line of receiver i's log>", what it said before it failed ("" if nothing). */
static const char *log_said(const struct runner *r, unsigned i, char *buf, size_t len)
{
	char path[PATH_MAX + 128], line[128] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%.3000s/flow-%s.recv.log", r->net->dir, flow_name(r, i));
	f = fopen(path, "re");
	if (f && fgets(line, sizeof(line), f))
		line[strcspn(line, "\n")] = '\0';
	if (f)
		fclose(f);
	snprintf(buf, len, "%s%s", line[0] ? ": " : "", line);
	return buf;
}

int run_traffic_start(struct runner *r, struct topo_err *err)
{
	const struct topo_model *m = r->m;
	unsigned late = 0;
	char app[PATH_MAX], why[160];
	bool *ready;
	int rc;

	if (!m->n_flows)
		return 0;
	r->flows = calloc(m->n_flows, sizeof(*r->flows));
	ready = calloc(m->n_flows, sizeof(*ready));
	if (!r->flows || !ready) {
		free(ready);
		return topo_err_set(err, -ENOMEM, "out of memory");
	}
	mig_app_path("edgemu-bulk", app, sizeof(app));
	for (unsigned i = 0; i < m->n_flows; i++) {
		const struct topo_flow *f = &m->flows[i];
		char port[8], tag[16], log[PATH_MAX + 128];
		char *argv[] = {app,	    "recv",	    "--port", port, "--interval", "100ms",
				"--report", r->report_path, "--tag",  tag,  NULL};

		snprintf(port, sizeof(port), "%u", TOPO_FLOW_PORT + i);
		snprintf(tag, sizeof(tag), "f%u", i);
		snprintf(log, sizeof(log), "%.3000s/flow-%s.recv.log", r->net->dir, f->name);
		rc = mig_spawn(r->net, f->to, log, argv, &r->flows[i].recv_pid);
		if (rc < 0) {
			free(ready);
			return topo_err_set(err, rc, "flow %s: starting its receiver in %s: %s",
					    f->name, m->nodes[f->to].name, strerror(-rc));
		}
	}
	rc = receivers_wait(r, ready, &late);
	free(ready);
	if (rc < 0)
		return topo_err_set(err, rc, "flow %s: its receiver (%s) in %s %s port %u%s%s",
				    flow_name(r, late), app, m->nodes[m->flows[late].to].name,
				    rc == -ECHILD ? "exited instead of listening on"
						  : "does not listen on",
				    TOPO_FLOW_PORT + late, rc == -ECHILD ? "" : " after 5 s",
				    log_said(r, late, why, sizeof(why)));
	return 0;
}

static void on_flow_start(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg);
static void on_flow_stop(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg);

/* The timers' argument is the flow in r->flows: a timer left pending owns no memory. */
static unsigned flow_of(const void *arg, struct runner **ret_r)
{
	const struct run_flow *fl = arg;

	*ret_r = fl->r;
	return (unsigned)(fl - fl->r->flows);
}

/*
 * A sender starts at `at`, but with radio not before the first tick has attached the UEs
 * (as the probes, run/probe.c): a SYN sent before would be lost to a detached UE. One that
 * would start at or after the run's end does not; one that would stop then is stopped by the
 * end.
 */
int run_traffic_timers(struct runner *r)
{
	uint64_t first = r->m->has_radio ? 20 * MS : 0, dur = r->m->duration_ns;
	int rc = 0;

	if (!r->flows)
		return 0;
	for (unsigned i = 0; i < r->m->n_flows && rc == 0; i++) {
		const struct topo_flow *f = &r->m->flows[i];
		uint64_t at = f->at_ns > first ? f->at_ns : first;

		r->flows[i].r = r;
		if (at >= dur || (f->until_ns && f->until_ns <= at))
			continue;
		rc = emu_loop_timer_add(r->loop, r->t0 + at, on_flow_start, &r->flows[i],
					&r->flows[i].start_timer);
		if (rc == 0 && f->until_ns && f->until_ns < dur)
			rc = emu_loop_timer_add(r->loop, r->t0 + f->until_ns, on_flow_stop,
						&r->flows[i], &r->flows[i].stop_timer);
	}
	return rc;
}

/* The sender's command line into argv (its strings in bufs). */
static void sender_argv(struct runner *r, unsigned i, uint64_t now, char *app, char bufs[5][32],
			char **argv)
{
	const struct topo_flow *f = &r->m->flows[i];
	uint64_t end = f->until_ns ? f->until_ns : r->m->duration_ns + FLOW_SEND_SLACK_NS;
	uint64_t rel = now > r->t0 ? now - r->t0 : 0;
	unsigned k = 0;

	snprintf(bufs[0], sizeof(bufs[0]), "%s", topo_ip_str(topo_node_addr(r->m, f->to)));
	snprintf(bufs[1], sizeof(bufs[1]), "%u", TOPO_FLOW_PORT + i);
	snprintf(bufs[2], sizeof(bufs[2]), "%" PRIu64 "us",
		 (uint64_t)((end > rel ? end - rel : MS) / 1000));
	snprintf(bufs[3], sizeof(bufs[3]), "f%u", i);
	snprintf(bufs[4], sizeof(bufs[4]), "%" PRIu64 "bit", f->rate_bps);
	argv[k++] = app;
	argv[k++] = "send";
	argv[k++] = bufs[0];
	argv[k++] = "--port";
	argv[k++] = bufs[1];
	argv[k++] = "--duration";
	argv[k++] = bufs[2];
	argv[k++] = "--report";
	argv[k++] = r->report_path;
	argv[k++] = "--tag";
	argv[k++] = bufs[3];
	if (f->rate_bps) {
		argv[k++] = "--rate";
		argv[k++] = bufs[4];
	}
	argv[k] = NULL;
}

static void on_flow_start(struct emu_loop *loop, const struct emu_loop_fire *fire, void *arg)
{
	struct runner *r;
	unsigned i = flow_of(arg, &r);
	const struct topo_flow *f = &r->m->flows[i];
	char app[PATH_MAX], bufs[5][32], log[PATH_MAX + 128], *argv[16], pace[48];
	struct run_flow *fl = &r->flows[i];
	int rc;

	(void)loop;
	fl->start_timer = 0;
	snprintf(pace, sizeof(pace), "paced to %g Mbit/s", (double)f->rate_bps / 1e6);
	if (!f->rate_bps)
		snprintf(pace, sizeof(pace), "unpaced");
	mig_app_path("edgemu-bulk", app, sizeof(app));
	sender_argv(r, i, fire->now_ns, app, bufs, argv);
	snprintf(log, sizeof(log), "%.3000s/flow-%s.send.log", r->net->dir, f->name);
	rc = mig_spawn(r->net, f->from, log, argv, &fl->send_pid);
	/* A flow that cannot start is the flow's trouble: said, and the run goes on. */
	if (rc < 0) {
		fl->send_pid = 0;
		fl->broken++;
		run_event(r, fire->now_ns, "flow_broken", flow_ue(r, i),
			  "%s: its sender did not start in %s: %s", f->name,
			  r->m->nodes[f->from].name, strerror(-rc));
		return;
	}
	run_event(r, fire->now_ns, "flow_start", flow_ue(r, i), "%s: tcp %s -> %s (%s port %u), %s",
		  f->name, r->m->nodes[f->from].name, r->m->nodes[f->to].name, bufs[0],
		  TOPO_FLOW_PORT + i, pace);
}

static void on_flow_stop(struct emu_loop *loop, const struct emu_loop_fire *fire, void *arg)
{
	struct runner *r;
	unsigned i = flow_of(arg, &r);
	struct run_flow *fl = &r->flows[i];

	(void)loop;
	fl->stop_timer = 0;
	if (fl->send_pid <= 0)
		return;
	kill(fl->send_pid, SIGTERM);
	/* Reaped at once when it has gone already; else at the end (it goes in a moment). */
	if (waitpid(fl->send_pid, NULL, WNOHANG) == fl->send_pid)
		fl->send_pid = 0;
	run_event(r, fire->now_ns, "flow_stop", flow_ue(r, i), "%s: its sender stopped (until)",
		  flow_name(r, i));
}

/* A receiver's report of bytes: a row of throughput.csv, kept for the phases. */
static void flow_bytes(struct runner *r, unsigned i, uint64_t t, uint64_t dt, uint64_t bytes)
{
	struct run_flow *fl = &r->flows[i];

	if (!dt || dt > t)
		return;
	if (fl->n_reps == fl->cap_reps) {
		size_t cap = fl->cap_reps ? 2 * fl->cap_reps : 256;
		struct run_tput_report *v = realloc(fl->reps, cap * sizeof(*v));

		/* Out of memory: the row is still written; the phases lose the report. */
		if (v) {
			fl->reps = v;
			fl->cap_reps = cap;
		}
	}
	if (fl->n_reps < fl->cap_reps)
		fl->reps[fl->n_reps++] = (struct run_tput_report){t - dt, t, bytes};
	fl->bytes += bytes;
	run_write_tput(r, t, flow_name(r, i), bytes, dt);
}

/* "f<index>,<event>,<t_ns>,..." from a flow's receiver or sender (apps/bulk.c). */
void run_traffic_report(struct runner *r, char *msg)
{
	unsigned i;
	uint64_t t, a, b;
	char ev[16];
	int off = 0;

	if (sscanf(msg, "f%u,%15[a-z],%" SCNu64 ",%n", &i, ev, &t, &off) != 3 || !off ||
	    !r->flows || i >= r->m->n_flows) {
		r->report_errors++;
		return;
	}
	if (!strcmp(ev, "bytes") && sscanf(msg + off, "%" SCNu64 ",%" SCNu64, &a, &b) == 2) {
		flow_bytes(r, i, t, a, b);
	} else if (!strcmp(ev, "broken")) {
		r->flows[i].broken++;
		run_event(r, t, "flow_broken", flow_ue(r, i), "%s: %s", flow_name(r, i), msg + off);
	} else if (!strcmp(ev, "reconnect") && sscanf(msg + off, "%" SCNu64, &a) == 1) {
		r->flows[i].reconnects++;
		run_event(r, t, "flow_reconnect", flow_ue(r, i), "%s: connected again after %.3f s",
			  flow_name(r, i), (double)a / 1e9);
	} else if (strcmp(ev, "listening")) {
		r->report_errors++;
	}
}

/* The UE's window still open (a detach), or NULL. */
static struct run_ue_window *open_window(struct runner *r, unsigned ue_node)
{
	for (size_t k = r->n_ho_w; k-- > 0;)
		if (r->ho_w[k].ue_node == ue_node)
			return r->ho_w[k].w.end_ns == UINT64_MAX ? &r->ho_w[k] : NULL;
	return NULL;
}

void run_traffic_handover(struct runner *r, unsigned ue_node, const struct mob_ho_event *ev)
{
	struct run_ue_window *o;

	if (!r->m->n_flows)
		return;
	o = open_window(r, ue_node);
	/* The first attach is no handover; an attach after a detach ends its window. */
	if (o)
		o->w.end_ns = ev->link_at_ns;
	if (ev->reason == MOB_HO_ATTACH)
		return;
	if (r->n_ho_w == r->cap_ho_w) {
		size_t cap = r->cap_ho_w ? 2 * r->cap_ho_w : 64;
		struct run_ue_window *v = realloc(r->ho_w, cap * sizeof(*v));

		if (!v)
			return; /* the phases lose a window; nothing else depends on it */
		r->ho_w = v;
		r->cap_ho_w = cap;
	}
	r->ho_w[r->n_ho_w++] = (struct run_ue_window){
	    ue_node, {ev->t_ns, ev->reason == MOB_HO_DETACH ? UINT64_MAX : ev->link_at_ns}};
}

static uint64_t tail(uint64_t end)
{
	return end >= UINT64_MAX - PHASE_TAIL_NS ? UINT64_MAX : end + PHASE_TAIL_NS;
}

/* Flow i's windows into *ret (malloc'd, NULL: none): its UEs' handovers and migrations. */
static size_t flow_windows(const struct runner *r, unsigned i, struct run_window **ret)
{
	const struct topo_flow *f = &r->m->flows[i];
	unsigned ends[2] = {f->from, f->to};
	struct run_window *w;
	size_t n = 0;

	*ret = NULL;
	w = malloc((r->n_ho_w + r->n_migs + 1) * sizeof(*w));
	if (!w)
		return 0;
	for (unsigned e = 0; e < 2; e++) {
		if (run_ue_index(r, ends[e]) < 0)
			continue;
		for (size_t k = 0; k < r->n_ho_w; k++)
			if (r->ho_w[k].ue_node == ends[e])
				w[n++] = (struct run_window){r->ho_w[k].w.start_ns,
							     tail(r->ho_w[k].w.end_ns)};
		for (unsigned k = 0; k < r->n_migs; k++) {
			const struct migration *mg = &r->migs[k];

			if (mg->ue != ends[e])
				continue;
			w[n++] = (struct run_window){mg->decided_ns, mg->done && mg->rep.end_ns
									 ? tail(mg->rep.end_ns)
									 : UINT64_MAX};
		}
	}
	*ret = w;
	return n;
}

void run_traffic_goodput(const struct runner *r, unsigned i, struct run_goodput *ret)
{
	const struct run_flow *fl = &r->flows[i];
	struct run_window *w;
	size_t n_w = flow_windows(r, i, &w);

	run_traffic_phases(fl->reps, fl->n_reps, w, n_w, ret);
	free(w);
}

static double mbps(uint64_t bytes, uint64_t ns)
{
	return ns ? (double)bytes * 8e3 / (double)ns : NAN;
}

void run_traffic_phases(const struct run_tput_report *v, size_t n, const struct run_window *w,
			size_t n_w, struct run_goodput *ret)
{
	uint64_t bytes[RUN_PHASES] = {0}, ns[RUN_PHASES] = {0}, first = UINT64_MAX;
	uint64_t all_bytes = 0, all_ns = 0;

	for (size_t k = 0; k < n_w; k++)
		first = w[k].start_ns < first ? w[k].start_ns : first;
	for (size_t j = 0; j < n; j++) {
		int p = v[j].end_ns <= first ? RUN_PHASE_BEFORE : RUN_PHASE_AFTER;

		for (size_t k = 0; k < n_w; k++)
			if (v[j].start_ns < w[k].end_ns && v[j].end_ns > w[k].start_ns)
				p = RUN_PHASE_DURING;
		bytes[p] += v[j].bytes;
		ns[p] += v[j].end_ns - v[j].start_ns;
		all_bytes += v[j].bytes;
		all_ns += v[j].end_ns - v[j].start_ns;
	}
	ret->mean = mbps(all_bytes, all_ns);
	for (int p = 0; p < RUN_PHASES; p++)
		ret->phase[p] = mbps(bytes[p], ns[p]);
}

void run_traffic_stop(struct runner *r)
{
	for (unsigned i = 0; r->flows && i < r->m->n_flows; i++) {
		if (r->flows[i].send_pid > 0)
			kill(r->flows[i].send_pid, SIGTERM);
		if (r->flows[i].recv_pid > 0)
			kill(r->flows[i].recv_pid, SIGTERM);
	}
	for (unsigned i = 0; r->flows && i < r->m->n_flows; i++) {
		/* A second stop must not signal a reused pid. */
		if (r->flows[i].send_pid > 0)
			waitpid(r->flows[i].send_pid, NULL, 0);
		if (r->flows[i].recv_pid > 0)
			waitpid(r->flows[i].recv_pid, NULL, 0);
		r->flows[i].send_pid = r->flows[i].recv_pid = 0;
	}
}

void run_traffic_free(struct runner *r)
{
	run_traffic_stop(r);
	for (unsigned i = 0; r->flows && i < r->m->n_flows; i++)
		free(r->flows[i].reps);
	free(r->flows);
	r->flows = NULL;
	free(r->ho_w);
	r->ho_w = NULL;
	r->n_ho_w = r->cap_ho_w = 0;
}

unsigned run_flow_count(const struct runner *r)
{
	return r->m && r->flows ? r->m->n_flows : 0;
}

void run_flow_get(const struct runner *r, unsigned i, struct run_flow_info *ret)
{
	const struct topo_flow *f = &r->m->flows[i];
	struct run_goodput g;

	run_traffic_goodput(r, i, &g);
	*ret = (struct run_flow_info){.name = f->name,
				      .from = r->m->nodes[f->from].name,
				      .to = r->m->nodes[f->to].name,
				      .bytes = r->flows[i].bytes,
				      .broken = r->flows[i].broken,
				      .mean_mbps = g.mean,
				      .mbps = {g.phase[0], g.phase[1], g.phase[2]}};
}
