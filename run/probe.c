/* SPDX-License-Identifier: MIT */
/*
 * The probes: one edgemu-probe per probes: entry, forked in its UE's namespace before the
 * clock starts and let go once the first tick has attached the UEs, reporting each answer and loss
 * on the runner's Unix socket; each report becomes a line of rtt.csv, a round trip in its UE's
 * before/during/after histogram, a closed answer gap for the migration under way, and an RTT for
 * the policy.
 */
#include <sched.h>
#include <sys/prctl.h>

#include "run/run_int.h"
#include "util/sig.h"

int run_report_open(struct runner *r, struct topo_err *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	/* The run folder is /run/edgemu/<name>: short, well within a socket path. */
	snprintf(r->report_path, sizeof(r->report_path), "%.90s/runner.sock", r->net->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", r->report_path);
	unlink(r->report_path);
	r->report = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->report < 0 || bind(r->report, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return topo_err_set(err, -errno, "the runner's socket %s: %s", r->report_path,
				    strerror(errno));
	setsockopt(r->report, SOL_SOCKET, SO_RCVBUF, &(int){8 << 20}, sizeof(int));
	return 0;
}

/*
 * A probe's process, forked in its UE's namespace and held before its exec until the gate's
 * write end closes (run_on_probes): forking 500 of them takes seconds, which must not stall
 * the run's clock, and a request sent before the first tick would be lost to a UE not yet
 * attached. It dies with us (PDEATHSIG), held or not, and runs at PROBE_NICE.
 */
static int probe_fork(struct runner *r, unsigned node, const char *log, char *const argv[],
		      int gate, const int *writes, pid_t *ret_pid)
{
	/* The runner waits on the relay that carries them: the probes yield to both. */
	struct mig_spawn_opts o = {
	    .gate = gate, .close_fds = writes, .n_close = r->n_gates, .nice = PROBE_NICE};

	return mig_spawn_with(r->net, node, log, argv, &o, ret_pid);
}

/* The gates' read ends, once every probe holds its own. */
static void gates_read_close(struct runner *r)
{
	for (unsigned g = 0; g < r->n_gates; g++)
		if (r->probe_gates[2 * g] >= 0) {
			close(r->probe_gates[2 * g]);
			r->probe_gates[2 * g] = -1;
		}
}

/* A pipe per PROBE_GROUP probes: r->probe_gates[2 * g] and [2 * g + 1]. */
static int gates_open(struct runner *r, unsigned n)
{
	unsigned want = (n + PROBE_GROUP - 1) / PROBE_GROUP;

	r->probe_gates = malloc((want ? 2 * want : 1) * sizeof(int));
	if (!r->probe_gates)
		return -ENOMEM;
	for (; r->n_gates < want; r->n_gates++)
		if (pipe2(&r->probe_gates[2 * r->n_gates], O_CLOEXEC) < 0)
			return -errno;
	return 0;
}

int run_probes_spawn(struct runner *r, struct topo_err *err)
{
	const struct topo_model *m = r->m;
	char app[PATH_MAX];
	int *writes, rc;

	r->probe_pids = calloc(m->n_probes ? m->n_probes : 1, sizeof(pid_t));
	if (!r->probe_pids)
		return topo_err_set(err, -ENOMEM, "out of memory");
	rc = gates_open(r, m->n_probes);
	if (rc < 0)
		return topo_err_set(err, rc, "the probes' gates: %s", strerror(-rc));
	/* The gates' write ends, which each probe closes but its own waits on. */
	writes = calloc(r->n_gates ? r->n_gates : 1, sizeof(*writes));
	if (!writes) {
		gates_read_close(r);
		return topo_err_set(err, -ENOMEM, "out of memory");
	}
	for (unsigned g = 0; g < r->n_gates; g++)
		writes[g] = r->probe_gates[2 * g + 1];
	mig_app_path("edgemu-probe", app, sizeof(app));
	for (unsigned i = 0; i < m->n_probes; i++) {
		const struct topo_probe *p = &m->probes[i];
		uint32_t a = p->to_service ? m->services[p->to].vip : topo_node_addr(m, p->to);
		char target[16], port[8], interval[32], tag[16], log[PATH_MAX + 32];
		char *argv[] = {app,	    target,	    "--port", port, "--interval", interval,
				"--report", r->report_path, "--tag",  tag,  "--quiet",	  NULL,
				NULL};
		pid_t pid = -1;

		/* The stateful service's counter is worth checking on every answer. */
		if (p->to_service && m->services[p->to].app == TOPO_APP_SVC)
			argv[11] = "--check-counter";
		/* A program of the user's knows nothing of edgemu: it echoes what it gets. */
		if (p->to_service && m->services[p->to].app == TOPO_APP_PROCESS)
			argv[11] = "--echo";
		snprintf(target, sizeof(target), "%s", topo_ip_str(a));
		snprintf(port, sizeof(port), "%u", p->port);
		snprintf(interval, sizeof(interval), "%" PRIu64 "us", p->interval_ns / 1000);
		snprintf(tag, sizeof(tag), "%u", i);
		snprintf(log, sizeof(log), "%.3000s/probe-%u.log", r->net->dir, i);
		rc = probe_fork(r, p->from, log, argv, r->probe_gates[2 * (i / PROBE_GROUP)],
				writes, &pid);
		if (rc < 0) {
			gates_read_close(r);
			free(writes);
			return topo_err_set(err, rc, "starting probe %u in %s: %s", i,
					    m->nodes[p->from].name, strerror(-rc));
		}
		r->probe_pids[r->n_probes++] = pid;
	}
	gates_read_close(r);
	free(writes);
	return 0;
}

/* "tag,event,seq,t_send_ns,t_recv_ns,rtt_ns,instance" from a probe. */
void run_on_report(struct emu_loop *loop, int fd, uint32_t revents, void *arg)
{
	struct runner *r = arg;
	char msg[256], *f[7], *q;
	ssize_t n;

	(void)loop;
	(void)revents;
	for (int batch = 0; batch < 256; batch++) {
		const struct topo_probe *p;
		unsigned tag, k;
		uint64_t ts, tr, rtt;
		int ui;

		n = recv(fd, msg, sizeof(msg) - 1, 0);
		if (n <= 0)
			return;
		msg[n] = '\0';
		/* A flow's side (tag "f<index>"); the probes' tags are plain numbers. */
		if (msg[0] == 'f') {
			run_traffic_report(r, msg);
			continue;
		}
		r->reports++;
		for (k = 0, q = msg; k < 7; k++) {
			f[k] = q;
			q = strchr(q, ',');
			if (!q)
				break;
			*q++ = '\0';
		}
		if (k < 6) {
			r->report_errors++;
			continue;
		}
		tag = (unsigned)strtoul(f[0], NULL, 10);
		if (tag >= r->m->n_probes) {
			r->report_errors++;
			continue;
		}
		p = &r->m->probes[tag];
		ts = strtoull(f[3], NULL, 10);
		tr = strtoull(f[4], NULL, 10);
		rtt = strtoull(f[5], NULL, 10);
		ui = run_ue_index(r, p->from);
		if (!strcmp(f[1], "answer")) {
			run_write_rtt(r, tr, p, f[2], &rtt, f[6]);
			if (ui >= 0 && p->to_service && (int)p->to == r->ues[ui].svc) {
				struct ue *u = &r->ues[ui];
				struct mig_decision d;
				struct mig_ue pu;

				int gi = u->migrating ? u->mig : u->gap_mig;

				/* The gap that ends with this answer counts for the migration. */
				if (gi >= 0 && u->last_answer_ns &&
				    tr - u->last_answer_ns > r->migs[gi].gap_ns)
					r->migs[gi].gap_ns = tr - u->last_answer_ns;
				if (!u->migrating)
					u->gap_mig = -1;
				util_hist_add(u->migrating	 ? &u->rtt.during
					      : u->had_migration ? &u->rtt.after
								 : &u->rtt.before,
					      rtt);
				u->last_rtt_ns = rtt;
				u->last_answer_ns = tr;
				if (r->policy) {
					pu = run_policy_ue(r, u);
					if (mig_policy_on_rtt(r->policy, &pu, rtt, tr, &d))
						run_decision_apply(r, u, true, &d, tr);
				}
			}
		} else if (!strcmp(f[1], "loss")) {
			run_write_rtt(r, ts, p, f[2], NULL, NULL);
		} else if (!strcmp(f[1], "counter")) {
			run_event(r, tr, "counter_error", (int)p->from,
				  "probe %u: expected->got %s", tag, f[6]);
		}
	}
}

/*
 * The probes start once the first tick has attached the UEs: a request sent before would be
 * dropped by the radio access (a UE is detached until then) and count as a loss, which is
 * the start-up of the emulator, not the network's behaviour. They were forked before the
 * clock started (run_probes_spawn); here they are let go PROBE_GROUP at a time every
 * PROBE_GAP_NS: all at once, a thousand execs would leave the runner no CPU for seconds.
 */
void run_on_probes(struct emu_loop *loop, const struct emu_loop_fire *f, void *arg)
{
	struct runner *r = arg;

	if (r->gates_let < r->n_gates)
		close(r->probe_gates[2 * r->gates_let++ + 1]);
	if (r->gates_let < r->n_gates &&
	    emu_loop_timer_add(loop, f->deadline_ns + PROBE_GAP_NS, run_on_probes, r, NULL) < 0)
		run_fail(r, -ENOMEM, "out of memory");
}

static void gates_free(struct runner *r)
{
	gates_read_close(r);
	while (r->gates_let < r->n_gates)
		close(r->probe_gates[2 * r->gates_let++ + 1]);
	free(r->probe_gates);
	r->probe_gates = NULL;
	r->n_gates = r->gates_let = 0;
}

void run_probes_stop(struct runner *r)
{
	for (unsigned i = 0; i < r->n_probes; i++)
		if (r->probe_pids[i] > 0)
			kill(r->probe_pids[i], SIGTERM);
	for (unsigned i = 0; i < r->n_probes; i++)
		if (r->probe_pids[i] > 0) {
			waitpid(r->probe_pids[i], NULL, 0);
			r->probe_pids[i] = 0; /* a second stop must not signal a reused pid */
		}
	/* Those still held died held: nothing to let go. */
	gates_free(r);
}
