/* SPDX-License-Identifier: MIT */
/*
 * One migration of a stateful service, driven from the runner's side. The state moves
 * between the two edgemu-svc agents over TCP across the emulated network (apps/svc_agent.c);
 * this file starts the destination, tells the source to go, listens to both agents' control
 * sockets, flips steering the moment the destination resumes, stops the source once the
 * destination holds every page, and when anything fails puts the service back at the source.
 *
 * The flip waits for the destination's "resume": before it, the source is the service (a
 * failure can still fall back to it); after it, the destination is. For cold and pre-copy
 * the destination resumes with every page; for post-copy with the client table only.
 */
#include "migrate/migrate.h"
#include "migrate/mig_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apps/mp.h"
#include "bpf/steer_api.h"
#include "util/clock.h"

#define MS 1000000ULL
#define CTL_CONNECT_MS 2000
#define PROBE_WARMUP_MS 200
#define PROBE_TAIL_MS 200     /* the client's view goes on this long after the end */
#define PROBE_TIMEOUT_MS 1000 /* edgemu-probe's --timeout: unanswered this long is lost */

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void mig_opts_init(struct mig_opts *o, const struct topo_model *m)
{
	memset(o, 0, sizeof(*o));
	o->strategy = m->migration.strategy;
	o->max_rounds = m->migration.precopy_max_rounds ? m->migration.precopy_max_rounds : 30;
	o->stop_below = m->migration.precopy_stop_below;
	o->tcp_established = m->migration.tcp_established;
	o->timeout_ms = 5000;
	o->port = MP_PORT;
	o->probe_interval_ns = MS;
}

/* ---- control sockets ---- */

static int ctl_connect(const struct topo_net *net, unsigned svc, unsigned node)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	uint64_t deadline = util_now_ns() + CTL_CONNECT_MS * MS;
	int fd, r;

	mig_ctl_path(net, svc, node, sa.sun_path, sizeof(sa.sun_path));
	for (;;) {
		fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		r = -errno;
		close(fd);
		if (util_now_ns() > deadline)
			return r;
		sleep_ms(10);
	}
}

static int ctl_send(int fd, const char *msg)
{
	return send(fd, msg, strlen(msg), MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* The value of " key=" in an event, 0 if absent. */
static uint64_t ev_u64(const char *msg, const char *key)
{
	char pat[32];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(msg, pat);
	return p ? strtoull(p + strlen(pat), NULL, 10) : 0;
}

/* The text after " what=": always the last field. */
static const char *ev_what(const char *msg)
{
	const char *p = strstr(msg, " what=");

	return p ? p + 6 : "(no reason given)";
}

static bool ev_is(const char *msg, const char *verb)
{
	size_t n = strlen(verb);

	return !strncmp(msg, verb, n) && (msg[n] == ' ' || msg[n] == '\0');
}

/* ---- the probe ---- */

struct probe {
	pid_t pid;
	char csv[PATH_MAX];
};

static int probe_start(struct topo_net *net, unsigned svc, unsigned client, uint64_t interval_ns,
		       unsigned seq, struct probe *p, struct topo_err *err)
{
	const struct topo_service *s = &net->m->services[svc];
	char app[PATH_MAX], vip[16], port[8], interval[32], log[PATH_MAX + 32];
	char *argv[] = {app,	 vip,	 "--port",	    port,      "--interval", interval,
			"--csv", p->csv, "--check-counter", "--quiet", NULL};
	uint32_t a = s->vip;
	int r;

	/* A program of the user's (app: process) echoes what it gets: no counter to check. */
	if (s->app == TOPO_APP_PROCESS)
		argv[8] = "--echo";
	mig_app_path("edgemu-probe", app, sizeof(app));
	snprintf(vip, sizeof(vip), "%s", topo_ip_str(a));
	snprintf(port, sizeof(port), "%u", s->port);
	snprintf(interval, sizeof(interval), "%" PRIu64 "us", interval_ns / 1000);
	snprintf(p->csv, sizeof(p->csv), "%.3000s/migration-%u.probe.csv", net->dir, seq);
	snprintf(log, sizeof(log), "%.3000s/migration-%u.probe.log", net->dir, seq);
	unlink(p->csv);
	r = mig_spawn(net, client, log, argv, &p->pid);
	if (r < 0)
		return topo_err_set(err, r, "starting the probe in %s: %s",
				    net->m->nodes[client].name, strerror(-r));
	/* Until it has a counter to compare with, a probe proves nothing. */
	sleep_ms(PROBE_WARMUP_MS);
	if (waitpid(p->pid, NULL, WNOHANG) == p->pid) {
		p->pid = 0;
		return topo_err_set(err, -ECHILD, "the probe (%s) exited at once; see %s", app,
				    log);
	}
	return 0;
}

/*
 * The probe stops sending, then waits up to its timeout (1 s) for the answers to what it
 * sent and declares the rest lost: only then does its CSV count every loss. A probe that
 * does not end by then (it should) is stopped.
 */
static void probe_stop(struct probe *p)
{
	uint64_t deadline = util_now_ns() + (PROBE_TIMEOUT_MS + 1000) * MS;

	if (p->pid <= 0)
		return;
	kill(p->pid, SIGUSR1);
	while (waitpid(p->pid, NULL, WNOHANG) == 0) {
		if (util_now_ns() > deadline) {
			kill(p->pid, SIGTERM);
			waitpid(p->pid, NULL, 0);
			break;
		}
		sleep_ms(10);
	}
	p->pid = 0;
}

/*
 * The client's view from the probe's CSV: of the requests sent between from_ns and to_ns,
 * how many were sent, answered (whenever the answer came) and lost; of the answers that
 * came between them, the largest gap and the instance of the last; counter errors split
 * into steps back (or repeats) and jumps.
 */
static void probe_read(const struct probe *p, uint64_t from_ns, uint64_t to_ns,
		       struct mig_report *rep)
{
	char line[256], *f[6], *q;
	uint64_t ts, tr, last = 0, want, got;
	FILE *in = fopen(p->csv, "re");
	int n;

	if (!in)
		return;
	rep->probed = true;
	while (fgets(line, sizeof(line), in)) {
		/* event,seq,t_send_ns,t_recv_ns,rtt_ns,instance */
		line[strcspn(line, "\n")] = '\0';
		for (n = 0, q = line; n < 6; n++) {
			f[n] = q;
			q = strchr(q, ',');
			if (!q)
				break;
			*q++ = '\0';
		}
		if (n < 5)
			continue;
		ts = strtoull(f[2], NULL, 10);
		tr = strtoull(f[3], NULL, 10);
		if (!strcmp(f[0], "send") && ts >= from_ns && ts <= to_ns) {
			rep->probe_sent++;
		} else if (!strcmp(f[0], "answer") || !strcmp(f[0], "late")) {
			/* Counted by request, the gaps by when the answers came. */
			if (ts >= from_ns && ts <= to_ns)
				rep->probe_answered++;
			if (tr < from_ns || tr > to_ns)
				continue;
			if (last && tr - last > rep->probe_gap_ns) {
				rep->probe_gap_ns = tr - last;
				rep->probe_gap_begin_ns = last;
			}
			last = tr;
			snprintf(rep->probe_last_instance, sizeof(rep->probe_last_instance), "%s",
				 f[5]);
		} else if (!strcmp(f[0], "loss") && ts >= from_ns && ts <= to_ns) {
			rep->probe_lost++;
		} else if (!strcmp(f[0], "counter") &&
			   sscanf(f[5], "%" SCNu64 "->%" SCNu64, &want, &got) == 2) {
			if (got < want)
				rep->counter_back++;
			else
				rep->counter_jump++;
		}
	}
	fclose(in);
}

/* ---- the phases CSV ---- */

static void csv_row(FILE *f, const struct mig_report *r, const char *event, uint64_t t, long round,
		    uint64_t pages, uint64_t bytes, const char *detail)
{
	if (!f || !t)
		return;
	fprintf(f, "%s,%s,%s,%s,%s,%s,%" PRIu64 ",", r->service, r->client, r->from, r->to,
		topo_strategy_name(r->strategy), event, t);
	if (round >= 0)
		fprintf(f, "%ld", round);
	fprintf(f, ",%" PRIu64 ",%" PRIu64 ",\"%s\"\n", pages, bytes, detail ? detail : "");
}

void mig_csv_write(const char *path, const struct mig_report *r)
{
	struct stat st;
	bool fresh = stat(path, &st) < 0 || st.st_size == 0;
	FILE *f = fopen(path, "ae");

	if (!f)
		return;
	if (fresh)
		fputs("service,client,from,to,strategy,event,t_ns,round,pages,bytes,detail\n", f);
	csv_row(f, r, "start", r->start_ns, -1, 0, 0, NULL);
	csv_row(f, r, "ready", r->ready_ns, -1, 0, 0, NULL);
	csv_row(f, r, "copy", r->copy_ns, -1, 0, 0, NULL);
	for (unsigned i = 0; i < r->n_rounds; i++)
		csv_row(f, r, "round", r->rounds[i].end_ns, (long)r->rounds[i].n,
			r->rounds[i].pages, r->rounds[i].bytes, NULL);
	csv_row(f, r, "freeze", r->freeze_ns, -1, 0, 0, NULL);
	csv_row(f, r, r->strategy == TOPO_STRATEGY_POSTCOPY ? "switch" : "commit", r->commit_ns, -1,
		0, 0, NULL);
	csv_row(f, r, "resume", r->resume_ns, -1, 0, 0, NULL);
	csv_row(f, r, "flip", r->flip_end_ns, -1, 0, 0, NULL);
	csv_row(f, r, "sent", r->sent_ns, -1, r->pages, r->bytes, NULL);
	csv_row(f, r, "end", r->end_ns, -1, r->pages, r->bytes, NULL);
	csv_row(f, r, "stopped", r->stopped_ns, -1, 0, 0, NULL);
	if (!r->ok)
		csv_row(f, r, "error", util_now_ns(), -1, 0, 0, r->error);
	fclose(f);
}

/* ---- the migration ---- */

/* The clients the source instance serves: they all move with it. */
void mig_job_clients(struct mig_job *j)
{
	const struct topo_model *m = j->net->m;
	unsigned at;

	j->n_moved = 0;
	for (unsigned c = 0; c < m->n_nodes && j->n_moved < 64; c++)
		if (mig_is_client(j->net, c) && mig_steer_lookup(j->net, j->svc, c, &at) == 0 &&
		    at == j->from)
			j->moved[j->n_moved++] = c;
}

/* Every client of the source instance goes to node (the destination, or back). */
int mig_job_flip(struct mig_job *j, unsigned node, struct topo_err *err)
{
	struct mig_flip_time t;
	int r;

	/* The client whose probe measures goes first. */
	for (unsigned pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < j->n_moved; i++) {
			if ((j->moved[i] == j->client) != (pass == 0))
				continue;
			r = mig_steer_with(j->net, j->steer, j->svc, j->moved[i], node, &t, err);
			if (r < 0)
				return r;
			if (node == j->to)
				j->rep->flipped++;
			if (node == j->to && j->moved[i] == j->client) {
				j->rep->flip_begin_ns = t.begin_ns;
				j->rep->flip_end_ns = t.end_ns;
			}
		}
	}
	return 0;
}

/* The runner's hook: every event as it comes, "verb" with its time. */
void mig_job_hook(struct mig_job *j, const char *msg, uint64_t t)
{
	char verb[16];

	if (!j->o.on_event)
		return;
	snprintf(verb, sizeof(verb), "%.*s", (int)strcspn(msg, " "), msg);
	j->o.on_event(j->o.event_arg, j, verb, t, msg);
}

static void on_src(struct mig_job *j, const char *msg)
{
	struct mig_report *r = j->rep;
	uint64_t t = ev_u64(msg, "t");

	mig_job_hook(j, msg, t);
	if (ev_is(msg, "start")) {
		r->copy_ns = t;
	} else if (ev_is(msg, "round") && r->n_rounds < MIG_ROUNDS_MAX) {
		struct mig_round *k = &r->rounds[r->n_rounds++];

		k->n = ev_u64(msg, "n");
		k->begin_ns = ev_u64(msg, "begin");
		k->end_ns = t;
		k->pages = ev_u64(msg, "pages");
		k->bytes = ev_u64(msg, "bytes");
		k->dirty = ev_u64(msg, "dirty");
	} else if (ev_is(msg, "freeze")) {
		r->freeze_ns = t;
	} else if (ev_is(msg, "commit") || ev_is(msg, "switch")) {
		r->commit_ns = t;
	} else if (ev_is(msg, "sent")) {
		r->sent_ns = t;
		r->pages = ev_u64(msg, "pages");
		r->bytes = ev_u64(msg, "bytes");
		r->src_hash = ev_u64(msg, "hash");
	} else if (ev_is(msg, "error")) {
		j->src_error = true;
		j->src_frozen = ev_u64(msg, "frozen") != 0;
		snprintf(j->src_what, sizeof(j->src_what), "%s", ev_what(msg));
	}
}

static void on_dst(struct mig_job *j, const char *msg, struct topo_err *err)
{
	struct mig_report *r = j->rep;
	uint64_t t = ev_u64(msg, "t");

	/* The source says "start" too; the runner hears the destination's as "accepted". */
	mig_job_hook(j, ev_is(msg, "start") ? "accepted" : msg, t);
	if (ev_is(msg, "resume")) {
		r->resume_ns = t;
		/* The destination serves: its clients go there now. */
		if (mig_job_flip(j, j->to, err) == 0) {
			j->flipped = true;
			/* It no longer needs to steer them itself should we die (--on-orphan). */
			ctl_send(j->dst, "flipped");
			if (j->o.on_event)
				j->o.on_event(j->o.event_arg, j, "flip", r->flip_end_ns, "flip");
		} else {
			j->dst_error = true;
			snprintf(j->dst_what, sizeof(j->dst_what), "steering to it: %.160s",
				 err->msg);
		}
	} else if (ev_is(msg, "end")) {
		r->end_ns = t;
		r->dst_hash = ev_u64(msg, "hash");
		r->faults = ev_u64(msg, "faults");
		r->requests = ev_u64(msg, "requests");
	} else if (ev_is(msg, "error")) {
		j->dst_error = true;
		j->dst_absent = ev_u64(msg, "absent");
		snprintf(j->dst_what, sizeof(j->dst_what), "%s", ev_what(msg));
	}
}

/* Reads every message waiting on fd; false at its end (the agent is gone). */
static bool ctl_drain(struct mig_job *j, int fd, struct topo_err *err)
{
	char msg[MP_CTL_MAX + 1];
	ssize_t n;

	for (;;) {
		n = recv(fd, msg, MP_CTL_MAX, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n <= 0)
			return false;
		msg[n] = '\0';
		j->last_ns = util_now_ns();
		if (fd == j->src)
			on_src(j, msg);
		else
			on_dst(j, msg, err);
	}
}

/* Over: done, failed, timed out or aborted. */
static bool over(const struct mig_job *j)
{
	return j->src_error || j->dst_error || j->dst_gone || j->src_gone || j->aborted ||
	       (j->rep->end_ns && j->rep->sent_ns);
}

int mig_job_step(struct mig_job *j, uint64_t now)
{
	struct mig_report *r = j->rep;
	uint64_t limit = j->o.timeout_ms * MS + 1000 * MS;

	if (j->cm)
		return mig_criu_job_step(j, now);
	if (over(j))
		return 1;
	if (!ctl_drain(j, j->src, &j->err))
		j->src_gone = true;
	if (!over(j) && !ctl_drain(j, j->dst, &j->err))
		j->dst_gone = true;
	if (j->o.stop && *j->o.stop)
		j->aborted = true;
	if (over(j))
		return 1;
	/*
	 * The agents report each round; within one, a stalled copy is the source's TCP timeout
	 * to notice. Only the start has no such guard: the connection itself.
	 */
	if (!r->copy_ns && now > j->last_ns + limit) {
		j->src_error = true;
		j->src_frozen = true;
		snprintf(j->src_what, sizeof(j->src_what),
			 "no connection to the destination within %" PRIu64 " ms", j->o.timeout_ms);
		return 1;
	}
	return 0;
}

void mig_job_fds(const struct mig_job *j, int fds[2])
{
	if (j->cm) {
		mig_criu_job_fds(j, fds);
		return;
	}
	fds[0] = j->src;
	fds[1] = j->dst;
}

void mig_job_abort(struct mig_job *j)
{
	j->aborted = true;
}

const struct mig_report *mig_job_report(const struct mig_job *j)
{
	return j->rep;
}

/* Whether msg's verb is one of a comma-separated list. */
static bool ev_among(const char *msg, const char *verbs)
{
	size_t vlen = strcspn(msg, " ");

	for (const char *p = verbs; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		size_t n = strcspn(p, ",");

		if (n == vlen && !strncmp(msg, p, n))
			return true;
	}
	return false;
}

/*
 * Sends cmd (if not NULL) on an agent's control socket and reads until a message whose verb is one
 * of `until` (comma-separated; the message is put in ret_last), for at most ms; other messages go
 * where they always go. 0, -ETIMEDOUT, or -EPIPE when the agent is gone. For "table", "client"
 * messages are gathered in j.
 */
static int ctl_call(struct mig_job *j, int fd, const char *cmd, const char *until, unsigned ms,
		    char *ret_last, size_t ret_len)
{
	uint64_t deadline = util_now_ns() + ms * MS;
	char msg[MP_CTL_MAX + 1];
	struct pollfd p;
	ssize_t n;

	if (fd < 0 || (cmd && ctl_send(fd, cmd) < 0))
		return -EPIPE;
	while (util_now_ns() < deadline) {
		p = (struct pollfd){.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 50) <= 0)
			continue;
		n = recv(fd, msg, MP_CTL_MAX, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return -EPIPE;
		if (n < 0)
			continue;
		msg[n] = '\0';
		if (ev_among(msg, until)) {
			snprintf(ret_last, ret_len, "%s", msg);
			return 0;
		}
		if (ev_is(msg, "client") && j->n_table < MIG_TABLE_MAX) {
			j->table[j->n_table].id = ev_u64(msg, "id");
			j->table[j->n_table].counter = ev_u64(msg, "counter");
			j->n_table++;
		} else if (fd == j->src) {
			on_src(j, msg);
		} else {
			on_dst(j, msg, &j->err);
		}
	}
	return -ETIMEDOUT;
}

/*
 * After a post-copy switch the destination was the service. Its client table comes back
 * to the source before the source resumes: over the control socket when the destination
 * still runs (frozen first, so nothing changes after), otherwise what its write-backs
 * brought (each sent before the answer that carried it). Appends what happened to why.
 */
static void recover_table(struct mig_job *j, char *why, size_t len)
{
	char last[MP_CTL_MAX + 1], cmd[96];
	size_t at = strlen(why);
	unsigned set = 0;

	j->n_table = 0;
	if (j->dst_gone || ctl_call(j, j->dst, "abort", "aborted", 1000, last, sizeof(last)) < 0 ||
	    ctl_call(j, j->dst, "table", "table", 1000, last, sizeof(last)) < 0) {
		struct topo_err e2;

		/*
		 * A destination that did not say it stopped (too slow, on a loaded machine) may
		 * still answer: stopped now, before the source may resume, or its answers would
		 * be newer than the table the source resumes from. Its end also ends the
		 * source's connection, which the wait below is for.
		 */
		if (!j->dst_gone)
			mig_instance_stop(j->net, j->svc, j->to, &e2);
		/*
		 * Write-backs still on the wire reach the source before the reset that ends its
		 * connection does: wait for it to see that end before it may resume.
		 */
		if (!j->src_error && !j->src_gone)
			ctl_call(j, j->src, NULL, "error", 2000, last, sizeof(last));
		snprintf(why + at, len - at,
			 "; post-copy had switched: the destination's client table came back with "
			 "its write-backs");
		j->rep->table_from = MIG_TABLE_WRITEBACK;
		return;
	}
	for (unsigned i = 0; i < j->n_table; i++) {
		snprintf(cmd, sizeof(cmd), "set id=%" PRIu64 " counter=%" PRIu64, j->table[i].id,
			 j->table[i].counter);
		if (ctl_call(j, j->src, cmd, "set", 1000, last, sizeof(last)) == 0)
			set++;
	}
	/*
	 * The destination ended the migration connection as it froze (see the agent's abort):
	 * once the source has seen that end, the destination's last answers have crossed the
	 * backhaul ahead of it, and nothing the source answers can overtake them.
	 */
	if (!j->src_error && !j->src_gone)
		ctl_call(j, j->src, NULL, "error", 2000, last, sizeof(last));
	j->rep->table_from = set == j->n_table ? MIG_TABLE_DESTINATION : MIG_TABLE_PARTIAL;
	snprintf(why + at, len - at,
		 "; post-copy had switched: %u of %u clients' counters came back from the "
		 "destination",
		 set, j->n_table);
}

/*
 * Fault injection for tests (tests/integ/test_migrate_faults.sh): with EDGEMU_TEST_STOP set
 * to `where`, this process stops itself there, so that a test can kill it at a point no
 * signal from outside could be timed to hit.
 */
void mig_test_stop(const char *where)
{
	const char *at = getenv("EDGEMU_TEST_STOP");

	if (at && !strcmp(at, where))
		raise(SIGSTOP);
}

/* The source thaws; true once it serves again. */
static bool src_abort(struct mig_job *j, unsigned ms)
{
	char last[MP_CTL_MAX + 1];

	if (ctl_call(j, j->src, "abort", "resumed,aborted", ms, last, sizeof(last)) < 0)
		return false;
	/* "aborted serving=1": it had thawed already (a failure before the switch). */
	return ev_is(last, "resumed") || ev_u64(last, "serving") == 1;
}

/*
 * The migration failed: the service goes back to the source. After a post-copy switch the
 * client table comes back first; clients are steered back if they had moved; the source
 * thaws; the destination instance stops.
 */
static void roll_back(struct mig_job *j, const char *why)
{
	struct mig_report *r = j->rep;
	struct topo_err e2;
	char text[sizeof(r->error)];
	bool thawed = true;
	uint64_t thawed_ns;

	snprintf(text, sizeof(text), "%s", why);
	if (r->resume_ns && j->o.strategy == TOPO_STRATEGY_POSTCOPY && !r->end_ns)
		recover_table(j, text, sizeof(text));
	if (j->flipped && mig_job_flip(j, j->from, &e2) < 0)
		snprintf(r->error, sizeof(r->error), "%.140s; steering back failed too: %.80s",
			 text, e2.msg);
	else
		snprintf(r->error, sizeof(r->error), "%s", text);
	mig_test_stop("roll-back");
	/* A source that failed before the execution state left has thawed itself. */
	if (!j->src_gone && (!j->src_error || j->src_frozen))
		thawed = src_abort(j, 1000);
	/* It serves again by now, at the latest: where a failed migration's downtime ends. */
	thawed_ns = util_now_ns();
	mig_instance_stop(j->net, j->svc, j->to, &e2);
	r->rolled_back = thawed && !j->src_gone;
	if (r->rolled_back)
		r->thawed_ns = thawed_ns;
	if (!r->rolled_back)
		snprintf(r->error + strlen(r->error), sizeof(r->error) - strlen(r->error),
			 "; the source did not resume (see its log)");
}

const char *mig_report_served_at(const struct mig_report *rep)
{
	if (rep->ok || rep->kept_destination)
		return "destination";
	return rep->rolled_back ? "source" : NULL;
}

static void job_free(struct mig_job *j)
{
	mig_criu_job_free(j);
	if (j->src >= 0)
		close(j->src);
	if (j->dst >= 0)
		close(j->dst);
	if (j->steer)
		steer_close(j->steer);
	free(j);
}

/* word, single-quoted for sh, appended to buf; false when it does not fit. */
static bool sh_quote(char *buf, size_t len, const char *word)
{
	size_t at = strlen(buf);

	if (at + 5 > len)
		return false;
	buf[at++] = '\'';
	for (; *word; word++) {
		const char *piece = *word == '\'' ? "'\\''" : NULL;
		size_t n = piece ? strlen(piece) : 1;

		if (at + n + 4 > len)
			return false;
		memcpy(buf + at, piece ? piece : word, n);
		at += n;
	}
	buf[at++] = '\'';
	buf[at] = '\0';
	return true;
}

/*
 * The destination's --on-orphan: `edgemu steer` (this executable) of every client that
 * moves, to the destination. NULL when it cannot be had (the destination then leaves the
 * clients where they are if we die before we flip them).
 */
char *mig_job_orphan_cmd(const struct mig_job *j)
{
	const struct topo_model *m = j->net->m;
	size_t len = 256 + (size_t)j->n_moved * (PATH_MAX + 128);
	char exe[PATH_MAX], *cmd = calloc(1, len);
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	bool fits = cmd && n > 0;

	if (fits)
		exe[n] = '\0';
	for (unsigned i = 0; fits && i < j->n_moved; i++) {
		const char *words[] = {"steer", j->net->name, m->services[j->svc].name,
				       m->nodes[j->moved[i]].name, m->nodes[j->to].name};

		/* The separators fit: sh_quote() leaves room for more than one byte. */
		if (i)
			strcat(cmd, ";");
		fits = sh_quote(cmd, len, exe);
		for (unsigned w = 0; fits && w < 5; w++) {
			strcat(cmd, " ");
			fits = sh_quote(cmd, len, words[w]);
		}
	}
	if (!fits || !j->n_moved) {
		free(cmd);
		return NULL;
	}
	return cmd;
}

int mig_job_start(struct topo_net *net, unsigned svc, unsigned client, unsigned to,
		  const struct mig_opts *o, struct mig_job **ret, struct topo_err *err)
{
	const struct topo_model *m = net->m;
	const struct topo_service *s = &m->services[svc];
	char cmd[256], port[8], timeout[24], *orphan = NULL;
	const char *extra[] = {"--incoming", port, "--timeout", timeout, NULL, NULL, NULL};
	uint32_t addr = topo_node_addr(m, to);
	struct mig_report *rep;
	struct mig_job *j;
	int r;

	*ret = NULL;
	j = calloc(1, sizeof(*j));
	if (!j)
		return topo_err_set(err, -ENOMEM, "out of memory");
	*j = (struct mig_job){
	    .net = net, .svc = svc, .client = client, .to = to, .o = *o, .src = -1, .dst = -1};
	j->rep = rep = &j->r;
	rep->start_ns = util_now_ns();
	rep->strategy = o->strategy;
	rep->probe_interval_ns = o->probe_interval_ns;
	snprintf(rep->service, sizeof(rep->service), "%s", s->name);
	snprintf(rep->client, sizeof(rep->client), "%s", m->nodes[client].name);
	snprintf(rep->to, sizeof(rep->to), "%s", m->nodes[to].name);
	if (s->app != TOPO_APP_SVC && s->app != TOPO_APP_PROCESS) {
		r = topo_err_set(err, -EINVAL,
				 "service %s is app: echo, which has no state to "
				 "migrate; use app: svc",
				 s->name);
		goto fail;
	}
	if (!mig_is_client(net, client)) {
		r = topo_err_set(err, -EINVAL, "%s is not a client (a UE) of the run",
				 m->nodes[client].name);
		goto fail;
	}
	r = mig_steer_lookup(net, svc, client, &j->from);
	if (r < 0) {
		topo_err_set(err, r, "%s: no instance serves %s", s->name, m->nodes[client].name);
		goto fail;
	}
	snprintf(rep->from, sizeof(rep->from), "%s", m->nodes[j->from].name);
	if (j->from == to) {
		r = topo_err_set(err, -EALREADY, "%s already serves %s from %s", s->name,
				 m->nodes[client].name, m->nodes[to].name);
		goto fail;
	}
	if (mig_instance_pid(net, svc, j->from) <= 0) {
		r = topo_err_set(err, -ESRCH, "%s has no running instance on %s", s->name,
				 m->nodes[j->from].name);
		goto fail;
	}
	mig_job_clients(j);
	r = mig_steer_open(net, &j->steer, err);
	if (r < 0)
		goto fail;
	if (s->app == TOPO_APP_PROCESS) {
		/* The user's program, moved by CRIU (criu_mig.c). */
		r = mig_criu_job_start(j, err);
		if (r < 0)
			goto fail;
		*ret = j;
		return 0;
	}
	snprintf(port, sizeof(port), "%u", o->port);
	snprintf(timeout, sizeof(timeout), "%" PRIu64, o->timeout_ms);
	orphan = mig_job_orphan_cmd(j);
	if (orphan) {
		extra[4] = "--on-orphan";
		extra[5] = orphan;
	}
	r = mig_instance_spawn(net, svc, to, extra, NULL, err);
	free(orphan);
	if (r < 0)
		goto fail;
	rep->ready_ns = util_now_ns();
	j->src = ctl_connect(net, svc, j->from);
	j->dst = j->src < 0 ? -1 : ctl_connect(net, svc, to);
	if (j->src < 0 || j->dst < 0) {
		r = j->src < 0 ? j->src : j->dst;
		topo_err_set(err, r, "the control socket of %s's instance on %s: %s", s->name,
			     m->nodes[j->src < 0 ? j->from : to].name, strerror(-r));
		mig_instance_stop(net, svc, to, NULL);
		goto fail;
	}
	snprintf(cmd, sizeof(cmd),
		 "migrate to=%s:%u strategy=%s max_rounds=%" PRIu64 " stop_below=%" PRIu64
		 " timeout_ms=%" PRIu64,
		 topo_ip_str(addr), o->port, topo_strategy_name(o->strategy), o->max_rounds,
		 o->stop_below, o->timeout_ms);
	rep->command_ns = j->last_ns = util_now_ns();
	r = ctl_send(j->src, cmd);
	if (r < 0) {
		j->src_gone = true;
		snprintf(j->src_what, sizeof(j->src_what), "sending the command: %s", strerror(-r));
	}
	*ret = j;
	return 0;
fail:
	job_free(j);
	return r;
}

/*
 * The source instance died. The execution state may be on its way (the source can die
 * between sending it and saying so): the destination either resumes with it or fails
 * without it, and says which (a destination that has failed already has not resumed);
 * what it says next (cold, pre-copy: "end") is read too.
 */
static void dst_verdict(struct mig_job *j)
{
	char last[MP_CTL_MAX + 1];
	int c;

	if (j->rep->resume_ns || j->dst_gone || j->dst_error)
		return;
	c = ctl_call(j, j->dst, NULL, "resume,error", (unsigned)j->o.timeout_ms + 1000, last,
		     sizeof(last));
	if (c == 0)
		on_dst(j, last, &j->err);
	else if (c == -EPIPE)
		j->dst_gone = true;
	if (c == 0 && !j->dst_gone && !ctl_drain(j, j->dst, &j->err))
		j->dst_gone = true;
}

/*
 * The source instance died in the middle. Where the destination has resumed, it holds the
 * whole state (cold, pre-copy: every page came with the commit) or the whole client table
 * (post-copy after the switch: the pages still to come are lost, but not what any client
 * sees): it serves on, its clients steered to it. Before, the state died with the source.
 */
static void source_died(struct mig_job *j)
{
	const struct topo_model *m = j->net->m;
	struct mig_report *r = j->rep;
	const char *from = m->nodes[j->from].name, *to = m->nodes[j->to].name;
	char last[MP_CTL_MAX + 1];
	struct topo_err e2;

	/* After a post-copy switch: how many pages never came, which its failure says. */
	if (r->resume_ns && !r->end_ns && !j->dst_error && !j->dst_gone) {
		int c = ctl_call(j, j->dst, NULL, "error,end", (unsigned)j->o.timeout_ms + 1000,
				 last, sizeof(last));

		if (c == 0)
			on_dst(j, last, &j->err);
		else if (c == -EPIPE)
			j->dst_gone = true;
	}
	mig_instance_stop(j->net, j->svc, j->from, NULL);
	if (!r->resume_ns || j->dst_gone) {
		r->lost = true;
		mig_instance_stop(j->net, j->svc, j->to, NULL);
		snprintf(r->error, sizeof(r->error),
			 "the source instance on %s died %s%s: the service is lost, its state with "
			 "it",
			 from,
			 r->resume_ns	? "and so did the destination"
			 : r->freeze_ns ? "while frozen"
					: "during the copy",
			 r->resume_ns ? "" : ", before the destination had the whole state");
		return;
	}
	if (!j->flipped && mig_job_flip(j, j->to, &e2) == 0) {
		j->flipped = true;
		ctl_send(j->dst, "flipped");
	}
	r->kept_destination = j->flipped;
	r->absent_pages = r->end_ns ? 0 : j->dst_absent;
	if (!j->flipped)
		snprintf(r->error, sizeof(r->error),
			 "the source instance on %s died after the destination resumed; "
			 "steering to %s failed: %.60s",
			 from, to, e2.msg);
	else if (r->end_ns)
		snprintf(r->error, sizeof(r->error),
			 "the source instance on %s died once %s had every page: the service runs "
			 "on at %s (the state hashes were not compared)",
			 from, to, to);
	else
		snprintf(r->error, sizeof(r->error),
			 "the source instance on %s died after the post-copy switch: the service "
			 "runs on at %s with its client table, without the %" PRIu64
			 " pages that never came",
			 from, to, r->absent_pages);
}

/* Whether the source instance is gone: its control socket ended, or its process. */
static bool source_gone(struct mig_job *j)
{
	if (!j->src_gone &&
	    (!ctl_drain(j, j->src, &j->err) || mig_instance_pid(j->net, j->svc, j->from) <= 0))
		j->src_gone = true;
	return j->src_gone;
}

int mig_job_finish(struct mig_job *j, struct mig_report *ret, struct topo_err *err)
{
	const struct topo_model *m = j->net->m;
	struct mig_report *rep = j->rep;
	int r;

	if (j->cm) {
		mig_criu_job_finish(j);
		goto out;
	}
	/*
	 * A source that dies breaks the destination's connection too, which may be what
	 * ended the job: whether it lives decides where the service goes. Having sent
	 * everything, it dies harmlessly (we would have stopped it): the destination's verdict
	 * on what it got decides.
	 */
	if (!(rep->end_ns && rep->sent_ns && !j->dst_error && !j->dst_gone) && !j->aborted &&
	    source_gone(j))
		dst_verdict(j);
	if (rep->end_ns && rep->sent_ns && !j->dst_error && !j->dst_gone && !j->aborted) {
		if (rep->src_hash != rep->dst_hash) {
			roll_back(j, "the destination's state differs from the source's (hash "
				     "mismatch): not switching to it");
		} else {
			rep->ok = true;
			mig_instance_stop(j->net, j->svc, j->from, NULL);
			rep->stopped_ns = util_now_ns();
		}
	} else if (j->src_gone && !j->aborted) {
		source_died(j);
	} else {
		char why[256];

		if (j->dst_gone && !j->dst_error)
			snprintf(why, sizeof(why), "the destination instance on %s died",
				 m->nodes[j->to].name);
		else if (j->dst_error)
			snprintf(why, sizeof(why), "the destination (%s) failed: %s",
				 m->nodes[j->to].name, j->dst_what);
		else if (j->src_gone)
			snprintf(why, sizeof(why), "the source instance on %s died",
				 m->nodes[j->from].name);
		else if (j->aborted)
			snprintf(why, sizeof(why), "interrupted");
		else
			snprintf(why, sizeof(why), "the source (%s) failed: %s",
				 m->nodes[j->from].name, j->src_what);
		roll_back(j, why);
	}
out:
	r = rep->ok ? 0 : topo_err_set(err, -EIO, "%s", rep->error);
	if (j->o.csv)
		mig_csv_write(j->o.csv, rep);
	*ret = *rep;
	job_free(j);
	return r;
}

int mig_migrate(struct topo_net *net, unsigned svc, unsigned client, unsigned to,
		const struct mig_opts *o, struct mig_report *rep, struct topo_err *err)
{
	static unsigned seq;
	struct probe probe = {0};
	struct pollfd p[2];
	struct mig_job *j;
	struct mig_opts jo = *o;
	int fds[2], r;

	memset(rep, 0, sizeof(*rep));
	if (o->probe_interval_ns) {
		r = probe_start(net, svc, client, o->probe_interval_ns, ++seq, &probe, err);
		if (r < 0)
			return r;
	}
	/* The phases go to the CSV once the probe's view is in the report too. */
	jo.csv = NULL;
	r = mig_job_start(net, svc, client, to, &jo, &j, err);
	if (r < 0) {
		probe_stop(&probe);
		return r;
	}
	mig_job_fds(j, fds);
	while (!mig_job_step(j, util_now_ns())) {
		p[0] = (struct pollfd){.fd = fds[0], .events = POLLIN};
		p[1] = (struct pollfd){.fd = fds[1], .events = POLLIN};
		if (poll(p, 2, 100) < 0 && errno != EINTR)
			break;
	}
	r = mig_job_finish(j, rep, err);
	if (o->probe_interval_ns)
		sleep_ms(PROBE_TAIL_MS);
	probe_stop(&probe);
	if (probe.csv[0])
		probe_read(&probe, rep->command_ns ? rep->command_ns : rep->start_ns, util_now_ns(),
			   rep);
	rep->probe_interval_ns = o->probe_interval_ns;
	if (o->csv)
		mig_csv_write(o->csv, rep);
	return r;
}
