/* SPDX-License-Identifier: MIT */
/*
 * The runner's handover -> policy -> migration bookkeeping, on a virtual clock and with the
 * runner's actions on the world (struct run_ops) replaced by ones that record the calls: no
 * network, no root, no sleeping. A UE drives from cell enb1 to enb2 as in the quickstart; the
 * test checks which UE is attached to which cell when, which handover the runner books, what
 * the policy (a real one, found through migrate/'s table) decides, and which migration job
 * is started and finished, at which virtual time, in events.csv as a run writes it; and
 * each cell's load in cells.csv, from radio link counters the test's world keeps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/run_int.h"

#define MAX_CALLS 64
#define T0 (1000 * S_NS)  /* the virtual clock's start: any time but 0 */
#define JOB_NS (300 * MS) /* how long a test job takes */

static const char scenario[] =
    "name: handover\n"
    "seed: 1\n"
    "duration: 30s\n"
    "nodes:\n"
    "  ue1:   { kind: ue }\n"
    "  enb1:  { kind: enb, pos: [0, 0] }\n"
    "  enb2:  { kind: enb, pos: [800, 0] }\n"
    "  edge1: { kind: edge }\n"
    "  edge2: { kind: edge }\n"
    "  core:  { kind: router }\n"
    "links:\n"
    "  - { endpoints: [enb1, edge1], delay: 1ms }\n"
    "  - { endpoints: [enb2, edge2], delay: 1ms }\n"
    "  - { endpoints: [enb1, core],  delay: 5ms }\n"
    "  - { endpoints: [enb2, core],  delay: 5ms }\n"
    "  - { endpoints: [edge1, edge2], delay: 2ms }\n"
    "radio:\n"
    "  model: log-distance\n"
    "  tx_power: 46dBm\n"
    "  exponent: 3.5\n"
    "  ref_loss: 40dB\n"
    "  min_signal: -110dBm\n"
    "  delay: 4ms\n"
    "  tick: 100ms\n"
    "  handover: { hysteresis: 3dB, ttt: 160ms, interruption: 40ms }\n"
    "mobility:\n"
    "  ue1: { model: waypoints, points: %s }\n"
    "services:\n"
    "  game: { vip: 10.200.0.1, app: svc, port: 7000, state: 1MiB, at: edge1 }\n"
    "migration:\n"
    "  policy: always\n"
    "  strategy: precopy\n";

/* The quickstart's drive: from enb1 to enb2 in 30 s. */
static const char drive[] = "[[50, 0, 0s], [750, 0, 30s]]";

/* One call of the runner on the world, at the virtual time it was made. */
struct call {
	char what[8]; /* "attach", "shape", "start", "finish" */
	uint64_t t_ns;
	unsigned ue;
	int arg; /* attach: the link (-1: none); shape: the link; start/finish: the destination */
};

/* The world the test ops stand for. */
static struct world {
	uint64_t now;
	struct call calls[MAX_CALLS];
	unsigned n;
	unsigned serving; /* the node where game runs */
	const struct topo_model *m;
	uint64_t job_start_ns;
	unsigned job_to;
	bool refuse;	 /* job_start fails */
	uint64_t job_ns; /* how long a job takes */
	/* The radio links' counters: 1000 bytes down, 100 up, per ms its UE is attached to it. */
	int attached; /* the UE's link, -1: none */
	uint64_t attached_ns;
	uint64_t link_ms[64];
	char cells[16384]; /* cells.csv as written */
} W;

static uint64_t vnow(void *arg)
{
	return W.now;
}

static void vskip(void *arg, uint64_t at_ns)
{
	W.now = at_ns;
}

static void record(const char *what, unsigned ue, int arg)
{
	assert_true(W.n < MAX_CALLS);
	W.calls[W.n] = (struct call){.t_ns = W.now, .ue = ue, .arg = arg};
	snprintf(W.calls[W.n].what, sizeof(W.calls[W.n].what), "%s", what);
	W.n++;
}

static int t_attach(struct runner *r, unsigned ue_node, int link, struct topo_err *err)
{
	record("attach", ue_node, link);
	if (W.attached >= 0)
		W.link_ms[W.attached] += (W.now - W.attached_ns) / MS;
	W.attached = link;
	W.attached_ns = W.now;
	return 0;
}

static int t_radio_bytes(struct runner *r, unsigned cell, uint64_t *ret)
{
	int link = topo_ue_radio_link(r->m, r->ues[0].node, r->cells[cell]);
	uint64_t ms;

	assert_int_equal(r->n_ues, 1);
	assert_true(link >= 0 && link < 64);
	ms = W.link_ms[link] + (link == W.attached ? (W.now - W.attached_ns) / MS : 0);
	ret[0] = 1000 * ms;
	ret[1] = 100 * ms;
	return 0;
}

/* Shaping is checked for what it is given (a cut, or the radio's values), not recorded. */
static int t_shape(struct runner *r, unsigned link, const struct emu_shape *s, struct topo_err *err)
{
	assert_true(link < r->m->n_links);
	assert_true(s->loss.p == 1.0 || s->rate_bps > 0);
	return 0;
}

static int t_job_start(struct runner *r, struct job *j, unsigned svc, unsigned ue_node, unsigned to,
		       const struct mig_opts *o, struct topo_err *err)
{
	assert_int_equal(svc, 0);
	if (W.refuse)
		return topo_err_set(err, -EBUSY, "refused by the test");
	record("start", ue_node, (int)to);
	W.job_start_ns = W.now;
	W.job_to = to;
	return 0;
}

static int t_job_step(struct runner *r, struct job *j, uint64_t now_ns)
{
	return now_ns >= W.job_start_ns + W.job_ns;
}

static void t_job_abort(struct runner *r, struct job *j)
{
}

static int t_job_finish(struct runner *r, struct job *j, struct mig_report *ret,
			struct topo_err *err)
{
	*ret = (struct mig_report){.ok = true,
				   .strategy = TOPO_STRATEGY_PRECOPY,
				   .start_ns = W.job_start_ns,
				   .freeze_ns = W.job_start_ns + W.job_ns - 20 * MS,
				   .resume_ns = W.job_start_ns + W.job_ns - 10 * MS,
				   .end_ns = W.now};
	snprintf(ret->service, sizeof(ret->service), "game");
	snprintf(ret->client, sizeof(ret->client), "ue1");
	snprintf(ret->from, sizeof(ret->from), "%s", W.m->nodes[W.serving].name);
	snprintf(ret->to, sizeof(ret->to), "%s", W.m->nodes[W.job_to].name);
	record("finish", (unsigned)topo_node_find(W.m, "ue1"), (int)W.job_to);
	W.serving = W.job_to;
	return 0;
}

static int t_edge(struct runner *r, unsigned svc, unsigned ue_node, unsigned *ret_node)
{
	*ret_node = W.serving;
	return 0;
}

static const struct run_ops test_ops = {
    .attach = t_attach,
    .shape = t_shape,
    .radio_bytes = t_radio_bytes,
    .job_start = t_job_start,
    .job_step = t_job_step,
    .job_abort = t_job_abort,
    .job_finish = t_job_finish,
    .edge = t_edge,
};

static void on_stop(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	emu_loop_stop(loop, 0);
}

/*
 * The scenario with policy run for 30 virtual seconds: the runner's own timers (radio ticks,
 * job polls) on a virtual clock, events.csv written into a fresh folder and read back into
 * ret_events. The runner is returned for its books.
 */
/* How long run_virtual() runs, virtual time from the start: 30 s unless a test says. */
static uint64_t run_for_ns = 30 * S_NS;

static struct runner *run_virtual(const char *points, const char *policy, bool refuse,
				  uint64_t job_ns, char *ret_events, size_t len)
{
	char file[] = "/tmp/edgemu-test-run-XXXXXX.yaml", dir[] = "/tmp/edgemu-test-run-XXXXXX";
	char set[64], path[sizeof(dir) + 16];
	const char *sets[] = {set};
	struct run_opts o = {.file = file, .sets = sets, .n_sets = 1};
	struct emu_loop_clock clk = {vnow, vskip, NULL};
	struct runner *r = NULL;
	struct topo_err err;
	int fd = mkstemps(file, 5);
	FILE *f;
	size_t n;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_true(fprintf(f, scenario, points) > 0);
	assert_int_equal(fclose(f), 0);
	snprintf(set, sizeof(set), "migration.policy=%s", policy);
	assert_int_equal(run_new(&o, &r, &err), 0);
	unlink(file);
	memset(&W, 0, sizeof(W));
	W.now = T0;
	W.attached = -1;
	W.refuse = refuse;
	W.job_ns = job_ns;
	W.m = r->m;
	W.serving = (unsigned)topo_node_find(r->m, "edge1");
	r->ops = &test_ops;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(results_out_open(dir, "events.csv", RESULTS_OUT_NEW, &r->events), 0);
	assert_int_equal(results_csv_open(dir, RESULTS_CSV_CELLS, RESULTS_OUT_NEW, &r->cells_out),
			 0);
	assert_int_equal(emu_loop_open_clock(&clk, &r->loop), 0);
	r->t0 = T0;
	run_ues_services(r);
	assert_int_equal(run_loop_timers(r), 0);
	assert_int_equal(emu_loop_timer_add(r->loop, T0 + run_for_ns, on_stop, r, NULL), 0);
	assert_int_equal(emu_loop_run(r->loop), 0);
	assert_int_equal(r->error, 0);
	assert_int_equal(results_out_close(r->events), 0);
	r->events = NULL;
	snprintf(path, sizeof(path), "%s/events.csv", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(ret_events, 1, len - 1, f);
	ret_events[n] = '\0';
	fclose(f);
	unlink(path);
	assert_int_equal(results_out_close(r->cells_out), 0);
	r->cells_out = NULL;
	snprintf(path, sizeof(path), "%s/cells.csv", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(W.cells, 1, sizeof(W.cells) - 1, f);
	W.cells[n] = '\0';
	fclose(f);
	unlink(path);
	rmdir(dir);
	return r;
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static int link_of(const struct runner *r, const char *ue, const char *cell)
{
	return topo_ue_radio_link(r->m, (unsigned)topo_node_find(r->m, ue),
				  (unsigned)topo_node_find(r->m, cell));
}

static void assert_call(unsigned i, const char *what, uint64_t t_ns, unsigned ue, int arg)
{
	assert_true(i < W.n);
	assert_string_equal(W.calls[i].what, what);
	assert_int_equal(W.calls[i].t_ns, t_ns);
	assert_int_equal(W.calls[i].ue, ue);
	assert_int_equal(W.calls[i].arg, arg);
}

/*
 * The UE passes enb2's signal plus the hysteresis (3 dB: its distance to enb1 1.218 times
 * that to enb2) at x = 439.3 m, 16.69 s in; the time to trigger (160 ms) has it hand over at
 * the tick of 16.9 s. The old link goes at once, the new one 40 ms later (the
 * interruption). Follow-me decides at the handover, for edge2, nearest enb2; the job starts
 * at once and is seen done at the first poll 300 ms later: 17.2 s, after which the UE is
 * served from edge2 and nothing more is decided.
 */
static void test_always_follows(void **state)
{
	char ev[4096];
	struct runner *r = run_virtual(drive, "always", false, JOB_NS, ev, sizeof(ev));
	unsigned ue1 = (unsigned)topo_node_find(r->m, "ue1");
	unsigned edge2 = (unsigned)topo_node_find(r->m, "edge2");
	/* (The header is run_results_open()'s, not written here.) */
	static const char want[] =
	    "0.000000,handover,ue1,\"from - to enb1 (attach)\"\n"
	    "0.000000,attach,ue1,\"cell enb1\"\n"
	    "16.900000,handover,ue1,\"from enb1 to enb2 (a3)\"\n"
	    "16.900000,migration_decided,ue1,\"game to edge2: follow-me: handover to enb2; "
	    "edge2 is nearest it\"\n"
	    "16.940000,attach,ue1,\"cell enb2\"\n"
	    "17.200000,migration_done,ue1,\"game edge1->edge2 precopy: downtime 10.000 ms, total "
	    "300.000 ms\"\n";

	assert_int_equal(W.n, 5);
	assert_call(0, "attach", T0, ue1, link_of(r, "ue1", "enb1"));
	assert_call(1, "attach", T0 + 16900 * MS, ue1, -1);
	assert_call(2, "start", T0 + 16900 * MS, ue1, (int)edge2);
	assert_call(3, "attach", T0 + 16940 * MS, ue1, link_of(r, "ue1", "enb2"));
	assert_call(4, "finish", T0 + 17200 * MS, ue1, (int)edge2);
	assert_string_equal(ev, want);
	/* The books: one handover (the first attach is none), one migration, done, to edge2. */
	assert_int_equal(r->n_ues, 1);
	assert_int_equal(r->ues[0].handovers, 1);
	assert_int_equal(r->ues[0].migrations, 1);
	assert_false(r->ues[0].migrating);
	assert_int_equal(r->ues[0].edge, edge2);
	assert_int_equal(r->n_migs, 1);
	assert_int_equal(r->n_jobs, 0);
	assert_true(r->migs[0].done);
	assert_int_equal(r->migs[0].ue, ue1);
	assert_int_equal(r->migs[0].decided_ns, T0 + 16900 * MS);
	assert_string_equal(r->migs[0].reason, "follow-me: handover to enb2; edge2 is nearest it");
	run_free(r);
}

/*
 * cells.csv every 500 ms: the UE on enb1 until the handover at 16.9 s, on enb2 from 16.94 s
 * (the interruption between); the reading at 17.0 s books enb1's link until the cut to enb1
 * and enb2's since the attach to enb2, so no byte is lost or counted twice.
 */
static void test_cells_load(void **state)
{
	char ev[4096];
	struct runner *r = run_virtual(drive, "never", false, JOB_NS, ev, sizeof(ev));

	assert_non_null(strstr(W.cells, "t_s,cell,ues,down_bytes,up_bytes\n"
					"0.000,enb1,1,0,0\n"
					"0.000,enb2,0,0,0\n"
					"0.500,enb1,1,500000,50000\n"
					"0.500,enb2,0,0,0\n"));
	assert_non_null(strstr(W.cells, "16.500,enb1,1,16500000,1650000\n"
					"16.500,enb2,0,0,0\n"
					"17.000,enb1,0,16900000,1690000\n"
					"17.000,enb2,1,60000,6000\n"
					"17.500,enb1,0,16900000,1690000\n"
					"17.500,enb2,1,560000,56000\n"));
	assert_non_null(strstr(W.cells, "29.500,enb1,0,16900000,1690000\n"
					"29.500,enb2,1,12560000,1256000\n"));
	/* 60 readings, 2 cells each, the header */
	assert_int_equal(count_lines(W.cells), 121);
	run_free(r);
}

/* The same drive under never: the same handover and attaches, and no job at all. */
static void test_never_stays(void **state)
{
	char ev[4096];
	struct runner *r = run_virtual(drive, "never", false, JOB_NS, ev, sizeof(ev));
	unsigned ue1 = (unsigned)topo_node_find(r->m, "ue1");

	assert_int_equal(W.n, 3);
	assert_call(0, "attach", T0, ue1, link_of(r, "ue1", "enb1"));
	assert_call(1, "attach", T0 + 16900 * MS, ue1, -1);
	assert_call(2, "attach", T0 + 16940 * MS, ue1, link_of(r, "ue1", "enb2"));
	assert_null(strstr(ev, "migration"));
	assert_non_null(strstr(ev, "16.900000,handover,ue1,\"from enb1 to enb2 (a3)\"\n"));
	assert_int_equal(r->ues[0].handovers, 1);
	assert_int_equal(r->ues[0].migrations, 0);
	assert_int_equal(r->ues[0].edge, (unsigned)topo_node_find(r->m, "edge1"));
	assert_int_equal(r->n_migs, 0);
	run_free(r);
}

/*
 * The run ends inside the handover's interruption (16.92 s: the old link cut at 16.9 s, the
 * new one due at 16.94 s): the pending attach never happens, and its timer's argument owns
 * no memory (under AddressSanitizer a leak of it fails this test; it did, seen by CI as a
 * SIGINT during a migration's freeze ending with exit 1).
 */
static void test_end_in_interruption(void **state)
{
	char ev[4096];
	struct runner *r;
	unsigned ue1;

	run_for_ns = 16920 * MS;
	r = run_virtual(drive, "never", false, JOB_NS, ev, sizeof(ev));
	run_for_ns = 30 * S_NS;
	ue1 = (unsigned)topo_node_find(r->m, "ue1");
	assert_int_equal(W.n, 2);
	assert_call(0, "attach", T0, ue1, link_of(r, "ue1", "enb1"));
	assert_call(1, "attach", T0 + 16900 * MS, ue1, -1);
	assert_non_null(strstr(ev, "16.900000,handover,ue1,\"from enb1 to enb2 (a3)\"\n"));
	assert_null(strstr(ev, ",attach,ue1,\"cell enb2\""));
	assert_true(r->ues[0].attach_timer != 0);
	run_free(r);
}

/*
 * A job that cannot start: the decision is in events.csv, then the refusal, at the same
 * virtual time; no migration is booked, the UE is not migrating and stays served from edge1.
 */
static void test_refused_job(void **state)
{
	char ev[4096];
	struct runner *r = run_virtual(drive, "always", true, JOB_NS, ev, sizeof(ev));
	unsigned ue1 = (unsigned)topo_node_find(r->m, "ue1");

	assert_int_equal(W.n, 3);
	assert_call(1, "attach", T0 + 16900 * MS, ue1, -1);
	assert_non_null(strstr(ev, "16.900000,migration_decided,ue1,\"game to edge2: follow-me: "
				   "handover to enb2; edge2 is nearest it\"\n"
				   "16.900000,migration_refused,ue1,\"refused by the test\"\n"));
	assert_int_equal(r->n_migs, 0);
	assert_int_equal(r->ues[0].migrations, 0);
	assert_false(r->ues[0].migrating);
	assert_int_equal(r->ues[0].edge, (unsigned)topo_node_find(r->m, "edge1"));
	run_free(r);
}

/*
 * A handover during a migration is acted on once it has ended (always's pending handover,
 * through the runner's tick): the UE drives to enb2 and back, 70 m/s, while the first job
 * takes 11 s. Out: handover to enb2 at 5.8 s (x = 439.3 m at 5.56 s, then the time to
 * trigger), job to edge2 at once; back: handover to enb1 at 15.8 s (x = 360.7 m at 15.56 s),
 * nothing decided, as the UE is migrating; the job is seen done at the poll of 16.8 s, which
 * runs before that instant's tick (timers due together fire in the order they were last
 * scheduled: the tick is rescheduled at t = 0, after the poll was set up), and that tick
 * decides for edge1.
 */
static void test_always_after_migration(void **state)
{
	char ev[4096];
	struct runner *r = run_virtual("[[50, 0, 0s], [750, 0, 10s], [50, 0, 20s]]", "always",
				       false, 11 * S_NS, ev, sizeof(ev));
	unsigned ue1 = (unsigned)topo_node_find(r->m, "ue1");
	unsigned edge1 = (unsigned)topo_node_find(r->m, "edge1");
	unsigned edge2 = (unsigned)topo_node_find(r->m, "edge2");

	assert_int_equal(W.n, 9);
	assert_call(0, "attach", T0, ue1, link_of(r, "ue1", "enb1"));
	assert_call(1, "attach", T0 + 5800 * MS, ue1, -1);
	assert_call(2, "start", T0 + 5800 * MS, ue1, (int)edge2);
	assert_call(3, "attach", T0 + 5840 * MS, ue1, link_of(r, "ue1", "enb2"));
	assert_call(4, "attach", T0 + 15800 * MS, ue1, -1);
	assert_call(5, "attach", T0 + 15840 * MS, ue1, link_of(r, "ue1", "enb1"));
	assert_call(6, "finish", T0 + 16800 * MS, ue1, (int)edge2);
	assert_call(7, "start", T0 + 16800 * MS, ue1, (int)edge1);
	assert_call(8, "finish", T0 + 27800 * MS, ue1, (int)edge1);
	assert_non_null(strstr(ev, "16.800000,migration_decided,ue1,\"game to edge1: follow-me: "
				   "handover during a migration to enb1; edge1 is nearest it\"\n"));
	assert_int_equal(r->ues[0].handovers, 2);
	assert_int_equal(r->ues[0].migrations, 2);
	assert_int_equal(r->ues[0].edge, edge1);
	assert_int_equal(r->n_migs, 2);
	assert_int_equal(r->migs[1].decided_ns, T0 + 16800 * MS);
	run_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_always_follows),
	    cmocka_unit_test(test_never_stays),
	    cmocka_unit_test(test_end_in_interruption),
	    cmocka_unit_test(test_cells_load),
	    cmocka_unit_test(test_refused_job),
	    cmocka_unit_test(test_always_after_migration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
