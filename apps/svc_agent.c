/* SPDX-License-Identifier: MIT */
/*
 * edgemu-svc's migration agent: the control socket the runner talks to, and both ends of a
 * migration of the state over TCP (apps/mp.h). Which pages go when is svc_mig.c's
 * business; this file moves them, freezes and thaws the service, and reports every phase.
 *
 * The source sends frames straight from the state's memory. A page written while its frame
 * is half sent goes torn, but it is dirty again, so a later pass sends it whole; once frozen
 * nothing is written, so what the destination holds at the end is the frozen state, which
 * both sides' hashes prove. TCP_NOTSENT_LOWAT keeps the unsent backlog small, so a round
 * ends when its pages are nearly on the wire and a freeze does not wait behind megabytes
 * queued earlier.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apps/svc.h"
#include "apps/util.h"
#include "util/sig.h"

#define NOTSENT_LOWAT (128 * 1024)
#define WAIT_SLACK_MS 2000 /* an incoming instance waits for its source timeout + this */
#define PAYLOAD_MAX (MP_RUN_PAGES * SVC_PAGE_SIZE)

/* What the end of the frame being sent means. */
enum { AFTER_NOTHING, AFTER_COMMIT, AFTER_SWITCH, AFTER_DONE };

void agent_emit(struct svc *v, const char *verb, const char *fmt, ...)
{
	char rest[MP_CTL_MAX - 64], msg[MP_CTL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rest, sizeof(rest), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "%s t=%" PRIu64 "%s%s", verb, util_now_ns(), *rest ? " " : "",
		 rest);
	if (v->ag.ctl_sock >= 0 &&
	    send(v->ag.ctl_sock, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		fprintf(stderr, PROG ": %s: the runner's control socket: %s\n", v->id,
			strerror(errno));
	}
	fprintf(stderr, PROG ": %s: %s\n", v->id, msg);
}

static void want_out(struct svc *v, bool on)
{
	struct agent *a = &v->ag;

	if (a->mp_sock < 0 || a->want_out == on)
		return;
	a->want_out = on;
	svc_ep_set(v->ep, EPOLL_CTL_MOD, a->mp_sock, EPOLLIN | (on ? EPOLLOUT : 0), TAG_MIG);
}

static void mp_close(struct svc *v)
{
	struct agent *a = &v->ag;

	if (a->mp_sock >= 0) {
		epoll_ctl(v->ep, EPOLL_CTL_DEL, a->mp_sock, NULL);
		close(a->mp_sock);
	}
	a->mp_sock = -1;
	a->want_out = false;
	a->in_have = 0;
	a->q_len = 0;
	v->st->changed = NULL;
}

static void tcp_tune(int fd, uint64_t timeout_ms)
{
	int one = 1, lowat = NOTSENT_LOWAT;
	unsigned int to = (unsigned int)timeout_ms;

	/* Small frames (the execution state, requests) must not wait for Nagle. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &to, sizeof(to));
	setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, sizeof(lowat));
}

/* ---- freezing ---- */

static void freeze(struct svc *v)
{
	if (!v->serving)
		return;
	/*
	 * No catching up on the workload here: pre-copy's last pass has already taken the
	 * dirty set (after bringing the workload up to date), and a page written now would be
	 * in neither that pass nor any later one. Cold and post-copy send every page anyway.
	 */
	svc_serving(v, false);
	v->ag.frozen_at = util_now_ns();
	agent_emit(v, "freeze", "%s", "");
}

static void thaw(struct svc *v)
{
	if (v->serving)
		return;
	/* The workload does not catch up on a time it was frozen. */
	svc_workload_shift(v->st, util_now_ns() - v->ag.frozen_at);
	svc_serving(v, true);
}

/* ---- the source ---- */

static void src_end(struct svc *v)
{
	struct agent *a = &v->ag;

	mp_close(v);
	svc_mig_src_free(&a->plan);
	free(a->demand);
	a->demand = NULL;
	a->source = a->connecting = false;
}

/*
 * Orphaned (the runner gone), committed, and the connection to the destination over: the
 * destination said it serves (RESUMED, sent before anything it answered), so it is the
 * service and this instance's part is over; otherwise it never served, or the runner
 * stopped it (ABORTED), and this one is the service again.
 */
static void src_settle(struct svc *v)
{
	struct agent *a = &v->ag;

	if (a->peer_resumed) {
		agent_emit(v, "orphan",
			   "what=the runner is gone and the destination serves: "
			   "this instance exits");
		v->quit = true;
		return;
	}
	a->committed = false;
	thaw(v);
	agent_emit(v, "orphan",
		   "serving=1 what=the runner is gone and the destination never "
		   "served, or stopped: serving again");
}

/*
 * The migration failed. Before the execution state left, the source is still the service:
 * it thaws. After, the destination may be serving, so only the runner (which knows) may
 * thaw it, with "abort" (or, the runner gone, src_settle()).
 */
static void src_fail(struct svc *v, const char *what, int err)
{
	struct agent *a = &v->ag;
	bool stay = a->committed;

	src_end(v);
	if (!stay)
		thaw(v);
	agent_emit(v, "error", "frozen=%d what=%s%s%s", !v->serving, what, err ? ": " : "",
		   err ? strerror(err) : "");
	if (stay && a->orphaned)
		src_settle(v);
}

static void frame_set(struct agent *a, enum mp_type type, uint16_t flags, uint32_t count,
		      const void *payload, uint32_t len, uint64_t arg, int after)
{
	mp_hdr_pack(&a->hdr, type, flags, count, len, arg);
	a->payload = payload;
	a->off = 0;
	a->len = sizeof(a->hdr) + len;
	a->after = after;
}

static void round_emit(struct svc *v, uint64_t round, uint64_t pages, uint64_t dirty)
{
	struct agent *a = &v->ag;

	agent_emit(v, "round",
		   "n=%" PRIu64 " begin=%" PRIu64 " pages=%" PRIu64 " bytes=%" PRIu64
		   " dirty=%" PRIu64,
		   round, a->round_begin_ns, pages, a->bytes - a->round_bytes0, dirty);
}

/* Sets up the next frame; false when there is nothing more to send. */
static bool src_next_frame(struct svc *v)
{
	struct agent *a = &v->ag;
	struct svc_state *st = v->st;
	uint64_t first, p;
	uint32_t n;

	for (;;) {
		if (a->plan.phase == SVC_MIG_DONE)
			return false;
		/* Post-copy: pages the destination waits for go first. */
		while (a->plan.phase == SVC_MIG_PUSH && a->d_head != a->d_tail) {
			p = a->demand[a->d_head++ % a->d_cap];
			if (svc_mig_src_claim(&a->plan, p)) {
				a->pages++;
				frame_set(a, MP_PAGES, 0, 1, st->mem + p * SVC_PAGE_SIZE,
					  SVC_PAGE_SIZE, p, AFTER_NOTHING);
				return true;
			}
		}
		n = svc_mig_src_next(&a->plan, st, &first, MP_RUN_PAGES);
		if (n) {
			a->pages += n;
			frame_set(a, MP_PAGES, 0, n, st->mem + first * SVC_PAGE_SIZE,
				  (uint32_t)(n * SVC_PAGE_SIZE), first, AFTER_NOTHING);
			return true;
		}
		if (a->plan.phase == SVC_MIG_LIVE) {
			uint64_t round = a->plan.round, pages = a->plan.pass_pages, dirty;
			enum svc_mig_next next;

			/* The round's own writes up to now, so the decision sees all of them. */
			svc_dirty_step(st, util_now_ns());
			dirty = svc_dirty_count(st);
			next = svc_mig_src_pass_end(&a->plan, st);
			round_emit(v, round, pages, dirty);
			if (next == SVC_MIG_NEXT_FREEZE)
				freeze(v);
			a->round_begin_ns = util_now_ns();
			a->round_bytes0 = a->bytes;
			continue;
		}
		switch (svc_mig_src_pass_end(&a->plan, st)) {
		case SVC_MIG_NEXT_COMMIT:
			a->exec = (struct mp_exec){.rng = htobe64(st->rng),
						   .seq_next = htobe64(st->seq_next)};
			a->committed = true;
			frame_set(a, MP_EXEC, MP_EXEC_COMMIT, 0, &a->exec, sizeof(a->exec), 0,
				  AFTER_COMMIT);
			return true;
		case SVC_MIG_NEXT_SWITCH:
			a->exec = (struct mp_exec){.rng = htobe64(st->rng),
						   .seq_next = htobe64(st->seq_next)};
			a->committed = true;
			frame_set(a, MP_EXEC, MP_EXEC_SWITCH, 0, &a->exec, sizeof(a->exec), 0,
				  AFTER_SWITCH);
			return true;
		case SVC_MIG_NEXT_FINISH:
			frame_set(a, MP_DONE, 0, 0, NULL, 0, 0, AFTER_DONE);
			return true;
		default:
			continue;
		}
	}
}

static void src_frame_sent(struct svc *v)
{
	struct agent *a = &v->ag;

	if (a->after == AFTER_COMMIT || a->after == AFTER_SWITCH)
		agent_emit(v, a->after == AFTER_COMMIT ? "commit" : "switch",
			   "pages=%" PRIu64 " bytes=%" PRIu64, a->pages, a->bytes);
	/*
	 * The frozen state's hash, now: after a post-copy switch the destination's write-backs
	 * change our copy of the client table, the destination's hash is of what it received.
	 */
	if (a->after == AFTER_COMMIT || a->after == AFTER_SWITCH)
		a->hash = svc_state_hash(v->st);
	/* Cold and pre-copy have sent everything with the commit; post-copy with DONE. */
	if (a->after == AFTER_COMMIT || a->after == AFTER_DONE) {
		a->done_sending = true;
		agent_emit(v, "sent",
			   "pages=%" PRIu64 " bytes=%" PRIu64 " hash=%" PRIu64 " requests=%" PRIu64
			   " updates=%" PRIu64,
			   a->pages, a->bytes, a->hash, a->requests, a->updates);
	}
	a->after = AFTER_NOTHING;
}

/* Sends until the socket is full or nothing is left. */
static void src_pump(struct svc *v)
{
	struct agent *a = &v->ag;
	struct iovec iov[2];
	int k;
	ssize_t n;

	while (a->source && !a->connecting) {
		if (a->off >= a->len) {
			if (a->len)
				src_frame_sent(v);
			a->len = a->off = 0;
			if (!src_next_frame(v)) {
				want_out(v, false);
				return;
			}
		}
		k = 0;
		if (a->off < sizeof(a->hdr))
			iov[k++] =
			    (struct iovec){(uint8_t *)&a->hdr + a->off, sizeof(a->hdr) - a->off};
		if (a->len > sizeof(a->hdr)) {
			size_t done = a->off > sizeof(a->hdr) ? a->off - sizeof(a->hdr) : 0;

			iov[k++] = (struct iovec){(uint8_t *)a->payload + done,
						  a->len - sizeof(a->hdr) - done};
		}
		n = writev(a->mp_sock, iov, k);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				want_out(v, true);
				return;
			}
			src_fail(v, "sending the state", errno);
			return;
		}
		a->off += (size_t)n;
		a->bytes += (uint64_t)n;
	}
}

static void src_connected(struct svc *v)
{
	struct agent *a = &v->ag;
	int err = 0, r;
	socklen_t len = sizeof(err);

	if (getsockopt(a->mp_sock, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		src_fail(v, "connecting to the destination", err);
		return;
	}
	a->connecting = false;
	r = svc_mig_src_init(&a->plan, v->st, a->strategy, a->max_rounds, a->stop_below);
	if (!r && a->strategy == TOPO_STRATEGY_POSTCOPY) {
		a->d_cap = v->st->pages;
		a->demand = malloc(a->d_cap * sizeof(*a->demand));
		r = a->demand ? 0 : -ENOMEM;
	}
	if (r) {
		src_fail(v, "starting", -r);
		return;
	}
	a->round_begin_ns = util_now_ns();
	agent_emit(v, "start", "pages=%" PRIu64 " strategy=%s", v->st->pages,
		   topo_strategy_name(a->strategy));
	if (svc_mig_src_frozen(&a->plan))
		freeze(v);
	frame_set(a, MP_HELLO, 0, a->strategy, NULL, 0, v->st->state_bytes, AFTER_NOTHING);
	want_out(v, true);
	src_pump(v);
}

/* "migrate to=ADDR:PORT strategy=S max_rounds=N stop_below=P timeout_ms=T" */
static void src_start(struct svc *v, char *args)
{
	struct agent *a = &v->ag;
	struct sockaddr_in sin = {.sin_family = AF_INET};
	char *tok, *save = NULL, *colon;
	unsigned long long num;
	bool have_to = false;
	int fd;

	if (a->source || a->incoming || !v->serving) {
		agent_emit(v, "error", "frozen=%d what=busy: %s", !v->serving,
			   a->source	 ? "a migration is under way"
			   : a->incoming ? "this instance is the destination of one"
					 : "frozen after a migration (abort to resume)");
		return;
	}
	a->strategy = TOPO_STRATEGY_PRECOPY;
	a->max_rounds = 30;
	a->stop_below = 256;
	a->timeout_ms = a->timeout_ms ? a->timeout_ms : 5000;
	for (tok = strtok_r(args, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '='), *end;

		if (!eq)
			goto bad;
		*eq++ = '\0';
		if (!strcmp(tok, "to")) {
			colon = strrchr(eq, ':');
			if (!colon)
				goto bad;
			*colon = '\0';
			num = strtoull(colon + 1, &end, 10);
			if (*end || !num || num > 65535 ||
			    inet_pton(AF_INET, eq, &sin.sin_addr) != 1)
				goto bad;
			sin.sin_port = htons((uint16_t)num);
			have_to = true;
		} else if (!strcmp(tok, "strategy")) {
			if (topo_strategy_parse(eq, &a->strategy) < 0)
				goto bad;
		} else {
			num = strtoull(eq, &end, 10);
			if (*end || !*eq)
				goto bad;
			if (!strcmp(tok, "max_rounds") && num >= 1 && num <= 1000)
				a->max_rounds = num;
			else if (!strcmp(tok, "stop_below"))
				a->stop_below = num;
			else if (!strcmp(tok, "timeout_ms") && num >= 10)
				a->timeout_ms = num;
			else
				goto bad;
		}
	}
	if (!have_to)
		goto bad;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		agent_emit(v, "error", "frozen=0 what=socket: %s", strerror(errno));
		return;
	}
	tcp_tune(fd, a->timeout_ms);
	a->mp_sock = fd;
	a->source = a->connecting = true;
	a->committed = a->done_sending = a->peer_resumed = a->orphaned = false;
	a->table_taken = false;
	/* Having arrived here once, this instance is now a source like any other. */
	a->arrived = a->steered = a->aborted = false;
	a->bytes = a->pages = a->requests = a->updates = a->round_bytes0 = a->hash = 0;
	a->len = a->off = 0;
	a->d_head = a->d_tail = 0;
	a->start_ns = util_now_ns();
	if (svc_ep_set(v->ep, EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLOUT, TAG_MIG) < 0) {
		src_fail(v, "epoll", errno);
		return;
	}
	a->want_out = true;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 && errno != EINPROGRESS)
		src_fail(v, "connecting to the destination", errno);
	return;
bad:
	agent_emit(v, "error",
		   "frozen=0 what=bad migrate command (%s): expected to=ADDR:PORT "
		   "[strategy=cold|precopy|postcopy] [max_rounds=N] [stop_below=P] "
		   "[timeout_ms=T]",
		   tok ? tok : "no to=");
}

/* ---- frames in (either side) ---- */

static void dst_frame(struct svc *v);
static void dst_changed(void *arg, uint32_t client_id, uint64_t counter);
static void src_frame(struct svc *v);

/*
 * Reads what is there, a frame at a time, handling each whole one. 0 when the socket is
 * drained, -EPIPE at its end, -EBADMSG for a frame that makes no sense, -errno.
 */
static int read_frames(struct svc *v)
{
	struct agent *a = &v->ag;
	struct mp_hdr *h = &a->in_hdr;
	ssize_t n;
	int rounds;

	for (rounds = 0; a->mp_sock >= 0 && rounds < 64; rounds++) {
		if (a->in_have < sizeof(*h)) {
			n = recv(a->mp_sock, (uint8_t *)h + a->in_have, sizeof(*h) - a->in_have, 0);
		} else {
			size_t got = a->in_have - sizeof(*h);

			n = recv(a->mp_sock, a->in_buf + got, h->len - got, 0);
		}
		if (n == 0)
			return -EPIPE;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		}
		a->in_have += (size_t)n;
		a->bytes += (uint64_t)n;
		if (a->in_have == sizeof(*h)) {
			if (mp_hdr_unpack(h) < 0 || h->len > PAYLOAD_MAX)
				return -EBADMSG;
		}
		if (a->in_have < sizeof(*h) || a->in_have < sizeof(*h) + h->len)
			continue;
		a->in_have = 0;
		if (a->incoming)
			dst_frame(v);
		else
			src_frame(v);
	}
	return 0;
}

/* The source reads requests for pages (post-copy) and nothing else. */
static void src_frame(struct svc *v)
{
	struct agent *a = &v->ag;
	struct mp_hdr *h = &a->in_hdr;

	if (h->type == MP_REQ && a->demand && h->arg < v->st->pages) {
		a->requests++;
		if (a->d_tail - a->d_head < a->d_cap)
			a->demand[a->d_tail++ % a->d_cap] = h->arg;
		want_out(v, true);
	} else if (h->type == MP_UPD && a->committed && !a->table_taken) {
		/* The destination's client table, written back: ours keeps up with it. */
		if (svc_client_set(v->st, h->count, h->arg) == 0)
			a->updates++;
	} else if (h->type == MP_RESUMED && a->committed) {
		a->peer_resumed = true;
	} else if (h->type == MP_ABORTED && a->committed) {
		/* The runner stopped the destination: the service is ours again, whoever thaws us.
		 */
		a->peer_resumed = false;
	}
}

static void src_readable(struct svc *v)
{
	struct agent *a = &v->ag;
	int r = read_frames(v);

	if (r < 0 && a->done_sending) {
		/* The destination has it all and hung up: our part is over, frozen. */
		src_end(v);
		if (a->orphaned)
			src_settle(v);
		return;
	}
	if (r < 0)
		src_fail(v,
			 r == -EPIPE	 ? "the destination closed the connection"
			 : r == -EBADMSG ? "a bad frame from the destination"
					 : "receiving from the destination",
			 r == -EPIPE || r == -EBADMSG ? 0 : -r);
	else if (a->source)
		src_pump(v);
}

/* ---- the destination ---- */

static int queue_flush(struct svc *v)
{
	struct agent *a = &v->ag;
	ssize_t n;

	while (a->q_len) {
		n = send(a->mp_sock, a->q, a->q_len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				want_out(v, true);
				return 0;
			}
			return -errno;
		}
		memmove(a->q, a->q + n, a->q_len - (size_t)n);
		a->q_len -= (size_t)n;
	}
	want_out(v, false);
	return 0;
}

static void queue_req(struct svc *v, uint64_t page)
{
	struct agent *a = &v->ag;
	struct mp_hdr h;

	if (a->mp_sock < 0 || a->q_len + sizeof(h) > sizeof(a->q))
		return; /* it comes with the push anyway */
	mp_hdr_pack(&h, MP_REQ, 0, 1, 0, page);
	memcpy(a->q + a->q_len, &h, sizeof(h));
	a->q_len += sizeof(h);
	a->requests++;
}

/*
 * Every page is here. The connection closes once the source has nothing more to say (its
 * DONE, after a post-copy), so no frame of it is left unread, which would reset it.
 */
static void dst_end(struct svc *v, bool close_now)
{
	struct agent *a = &v->ag;

	agent_emit(v, "end",
		   "pages=%" PRIu64 " bytes=%" PRIu64 " hash=%" PRIu64 " faults=%" PRIu64
		   " requests=%" PRIu64 " updates=%" PRIu64,
		   a->pages, a->bytes, v->st->hash_sum, a->faults, a->requests, a->updates);
	svc_state_complete(v->st);
	v->st->need = NULL;
	v->st->want = NULL;
	a->switched = false;
	a->ended = true;
	if (close_now) {
		mp_close(v);
		a->incoming = a->resumed = false;
	}
}

/*
 * The source is gone or lost. Before the switch there is nothing to serve: exit. After it
 * (post-copy) this instance serves the client table it has; the pages that never came stay
 * as they are (zeros), so a new client can still get a slot in a table page that never
 * came (it had no client at the freeze). The runner decides whether the service goes back
 * to the source (it lives) or stays here (it died).
 */
static void dst_fail(struct svc *v, const char *what, int err)
{
	struct agent *a = &v->ag;

	agent_emit(v, "error", "absent=%" PRIu64 " what=%s%s%s", v->st->absent_pages, what,
		   err ? ": " : "", err ? strerror(err) : "");
	mp_close(v);
	if (!a->resumed) {
		v->exit_code = 1;
		v->quit = true;
		return;
	}
	svc_state_complete(v->st);
	v->st->need = NULL;
	v->st->want = NULL;
	/* The migration in is over: this instance is a service like any other now. */
	a->switched = a->incoming = a->resumed = false;
}

static void dst_resume(struct svc *v, const struct mp_exec *x)
{
	struct agent *a = &v->ag;
	struct mp_hdr h;

	v->st->rng = be64toh(x->rng);
	v->st->seq_next = be64toh(x->seq_next);
	/* The workload starts its clock now: nothing was due while the state travelled. */
	v->st->started = false;
	v->st->written = 0;
	svc_dirty_step(v->st, util_now_ns());
	a->resumed = a->arrived = true;
	svc_serving(v, true);
	agent_emit(v, "resume", "pages=%" PRIu64, v->st->pages - v->st->absent_pages);
	/*
	 * The source learns that this instance serves before anything it answers: should the
	 * runner disappear, the source knows whether to serve again or to leave it to us.
	 */
	if (a->mp_sock >= 0 && a->q_len + sizeof(h) <= sizeof(a->q)) {
		mp_hdr_pack(&h, MP_RESUMED, 0, 0, 0, 0);
		memcpy(a->q + a->q_len, &h, sizeof(h));
		a->q_len += sizeof(h);
		if (queue_flush(v) < 0)
			dst_fail(v, "telling the source", errno);
	}
}

static void dst_frame(struct svc *v)
{
	struct agent *a = &v->ag;
	struct mp_hdr *h = &a->in_hdr;
	struct mp_exec x;
	uint32_t i;

	switch (h->type) {
	case MP_HELLO:
		if (h->arg != v->st->state_bytes) {
			char what[128];

			snprintf(what, sizeof(what),
				 "the source has %" PRIu64
				 " bytes of state, this instance %" PRIu64,
				 h->arg, v->st->state_bytes);
			dst_fail(v, what, 0);
			return;
		}
		agent_emit(v, "start", "pages=%" PRIu64 " strategy=%s", v->st->pages,
			   topo_strategy_name((enum topo_strategy)h->count));
		return;
	case MP_PAGES:
		if ((uint64_t)h->count * SVC_PAGE_SIZE != h->len || h->arg >= v->st->pages ||
		    h->count > v->st->pages - h->arg) {
			dst_fail(v, "a bad PAGES frame", 0);
			return;
		}
		for (i = 0; i < h->count; i++)
			svc_state_install(v->st, h->arg + i, a->in_buf + i * SVC_PAGE_SIZE,
					  !a->switched);
		a->pages += h->count;
		if (a->switched && !v->st->absent_pages)
			dst_end(v, false);
		return;
	case MP_EXEC:
		if (h->len != sizeof(x) || a->resumed) {
			dst_fail(v, "a bad EXEC frame", 0);
			return;
		}
		memcpy(&x, a->in_buf, sizeof(x));
		if (h->flags == MP_EXEC_COMMIT) {
			if (v->st->absent_pages) {
				char what[96];

				snprintf(what, sizeof(what),
					 "commit with %" PRIu64 " pages missing",
					 v->st->absent_pages);
				dst_fail(v, what, 0);
				return;
			}
			dst_resume(v, &x);
			dst_end(v, true);
			return;
		}
		a->switched = true;
		v->st->changed = dst_changed;
		dst_resume(v, &x);
		if (!v->st->absent_pages)
			dst_end(v, false);
		return;
	case MP_DONE:
		if (a->ended) {
			mp_close(v);
			a->incoming = a->resumed = false;
		} else {
			char what[96];

			snprintf(what, sizeof(what),
				 "the source is done with %" PRIu64 " pages missing",
				 v->st->absent_pages);
			dst_fail(v, what, 0);
		}
		return;
	default:
		dst_fail(v, "an unknown frame", 0);
		return;
	}
}

static void dst_readable(struct svc *v)
{
	int r = read_frames(v);

	if (r < 0 && v->ag.ended) {
		mp_close(v);
		v->ag.incoming = v->ag.resumed = false;
	} else if (r < 0)
		dst_fail(v,
			 r == -EPIPE	 ? "the source closed the connection"
			 : r == -EBADMSG ? "a bad frame from the source"
					 : "receiving the state",
			 r == -EPIPE || r == -EBADMSG ? 0 : -r);
}

/*
 * Post-copy: a client's counter changed here. It goes back to the source before the answer
 * that carries it leaves, so whatever the client saw, the source has too if we fail.
 */
static void dst_changed(void *arg, uint32_t client_id, uint64_t counter)
{
	struct svc *v = arg;
	struct agent *a = &v->ag;
	struct mp_hdr h;

	if (a->mp_sock < 0 || a->q_len + sizeof(h) > sizeof(a->q))
		return; /* the runner reads our table over the control socket instead */
	mp_hdr_pack(&h, MP_UPD, 0, client_id, 0, counter);
	memcpy(a->q + a->q_len, &h, sizeof(h));
	a->q_len += sizeof(h);
	a->updates++;
	if (queue_flush(v) < 0)
		dst_fail(v, "writing the client table back", errno);
}

/* Post-copy: the workload wrote an absent page; ask for it, the write waits. */
static void dst_want(void *arg, uint64_t page)
{
	struct svc *v = arg;

	queue_req(v, page);
	if (queue_flush(v) < 0)
		dst_fail(v, "asking for a page", errno);
}

/*
 * Post-copy: a request needs an absent page of the client table now. The service waits for
 * it, as a process waits on a page fault, reading the pushed pages meanwhile.
 */
static int dst_need(void *arg, uint64_t page)
{
	struct svc *v = arg;
	struct agent *a = &v->ag;
	uint64_t deadline = util_now_ns() + a->timeout_ms * MS, now;
	struct pollfd p;
	int r;

	a->faults++;
	queue_req(v, page);
	while (svc_page_absent(v->st, page)) {
		if (a->mp_sock < 0)
			return -EIO;
		now = util_now_ns();
		if (now >= deadline) {
			dst_fail(v, "waiting for a page of the client table", ETIMEDOUT);
			return -EIO;
		}
		p = (struct pollfd){.fd = a->mp_sock, .events = POLLIN | (a->q_len ? POLLOUT : 0)};
		r = poll(&p, 1, (int)((deadline - now) / MS) + 1);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		if ((p.revents & POLLOUT) && queue_flush(v) < 0) {
			dst_fail(v, "asking for a page", errno);
			return -EIO;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR))
			dst_readable(v);
	}
	return 0;
}

static void wait_end(struct svc *v)
{
	struct agent *a = &v->ag;

	if (a->wait_tfd < 0)
		return;
	epoll_ctl(v->ep, EPOLL_CTL_DEL, a->wait_tfd, NULL);
	close(a->wait_tfd);
	a->wait_tfd = -1;
}

/*
 * No source has connected in time: whoever started this destination has given up, or died
 * before it could even connect to the control socket (so no orphaned() tells us). The
 * runner's own limit is its timeout plus a second after its command; ours starts earlier
 * and lasts a second more.
 */
static void wait_expired(struct svc *v)
{
	struct agent *a = &v->ag;

	wait_end(v);
	if (!a->incoming || a->mp_lsock < 0)
		return;
	agent_emit(v, "error",
		   "absent=%" PRIu64 " what=no source connected within %" PRIu64
		   " ms: this instance exits",
		   v->st->absent_pages, a->timeout_ms + WAIT_SLACK_MS);
	v->exit_code = 1;
	v->quit = true;
}

static void dst_accept(struct svc *v)
{
	struct agent *a = &v->ag;
	int fd = accept4(a->mp_lsock, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	wait_end(v);
	/* One source, once. */
	epoll_ctl(v->ep, EPOLL_CTL_DEL, a->mp_lsock, NULL);
	close(a->mp_lsock);
	a->mp_lsock = -1;
	tcp_tune(fd, a->timeout_ms);
	a->mp_sock = fd;
	if (svc_ep_set(v->ep, EPOLL_CTL_ADD, fd, EPOLLIN, TAG_MIG) < 0)
		dst_fail(v, "epoll", errno);
}

/* ---- the runner gone ---- */

/*
 * Runs the --on-orphan command that steers the clients here, detached (its grandchild runs
 * it, so nothing waits for it and no zombie is left): the service does not stop meanwhile.
 */
static void steer_here(struct svc *v)
{
	struct agent *a = &v->ag;
	pid_t pid;

	if (!a->on_orphan) {
		agent_emit(v, "orphan",
			   "what=nothing to steer the clients here with (no "
			   "--on-orphan): they stay where the runner left them");
		return;
	}
	agent_emit(v, "orphan",
		   "what=the runner is gone before it said the clients were "
		   "steered here: steering them (%s)",
		   a->on_orphan);
	pid = fork();
	if (pid == 0) {
		util_sig_unblock_all();
		if (fork() == 0) {
			execl("/bin/sh", "sh", "-c", a->on_orphan, (char *)NULL);
			_exit(127);
		}
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	a->steered = true;
}

/*
 * A destination the runner stops tells the source (ABORTED) before the connection ends:
 * should the runner die before it thaws the source, the source, which heard RESUMED, would
 * otherwise leave the service to us and exit while we exit too. The frame goes after
 * whatever is queued; what the source sent and we did not read is read and dropped first,
 * so that closing sends a FIN after it, not a reset that could discard it.
 */
static bool tell_aborted(struct svc *v)
{
	struct agent *a = &v->ag;
	struct mp_hdr h;
	char sink[4096];
	bool told;

	if (a->mp_sock < 0 || a->q_len + sizeof(h) > sizeof(a->q))
		return false;
	mp_hdr_pack(&h, MP_ABORTED, 0, 0, 0, 0);
	memcpy(a->q + a->q_len, &h, sizeof(h));
	a->q_len += sizeof(h);
	/* Told only if the whole frame left: there is room unless the backhaul stalled. */
	told = queue_flush(v) == 0 && a->q_len == 0;
	while (recv(a->mp_sock, sink, sizeof(sink), MSG_DONTWAIT) > 0)
		;
	shutdown(a->mp_sock, SHUT_WR);
	return told;
}

/*
 * The runner's control socket ended: the runner is gone (killed, perhaps), and with it
 * whoever would have steered the clients and settled the migration. A migration must end
 * with the service served, so each side settles it from what it knows for sure; the
 * clients' steering moves only once the destination serves (the runner flips it on the
 * destination's "resume"), which both sides can tell:
 *   - a source that has not committed (the execution state not sent) is the service: it
 *     drops the migration and serves again (the destination, left without a source, exits);
 *   - a committed source waits for the connection to end: if the destination said RESUMED,
 *     it serves and this instance exits; otherwise it serves again (src_settle());
 *   - a destination that has not resumed exits: the source serves on;
 *   - a destination that has resumed is the service: if the runner had not said the
 *     clients were steered to it, it steers them itself (--on-orphan), which is harmless
 *     when the runner did flip them before it died (a flip to where they are is a no-op);
 *   - a destination the runner had aborted (rolling back) exits; it told the source so
 *     (ABORTED, tell_aborted()), which serves again should the runner be gone before it
 *     thawed it.
 */
static void orphaned(struct svc *v)
{
	struct agent *a = &v->ag;

	if (a->source && !a->committed) {
		a->orphaned = true;
		src_end(v);
		thaw(v);
		agent_emit(v, "orphan",
			   "serving=1 what=the runner is gone before the commit: "
			   "migration dropped, serving again");
	} else if (a->source) {
		a->orphaned = true;
		agent_emit(v, "orphan",
			   "what=the runner is gone after the commit: the migration "
			   "goes on");
	} else if (a->committed && !v->serving) {
		a->orphaned = true;
		src_settle(v);
	} else if (a->aborted || (a->incoming && !a->resumed)) {
		a->orphaned = true;
		agent_emit(v, "orphan", "what=the runner is gone %s: this instance exits",
			   a->aborted ? "after it gave up on this instance"
				      : "before this instance had the state");
		v->exit_code = 1;
		v->quit = true;
	} else if (a->arrived && !a->steered) {
		a->orphaned = true;
		steer_here(v);
	}
}

/* ---- the control socket ---- */

static void emit_client(void *arg, uint32_t client_id, uint64_t counter)
{
	agent_emit(arg, "client", "id=%" PRIu32 " counter=%" PRIu64, client_id, counter);
}

static void ctl_command(struct svc *v, char *msg)
{
	struct agent *a = &v->ag;
	char *args = strchr(msg, ' ');

	if (args)
		*args++ = '\0';
	if (!strcmp(msg, "migrate")) {
		src_start(v, args ? args : msg + strlen(msg));
	} else if (!strcmp(msg, "flipped")) {
		/* The runner has steered the clients here: nothing for us to do if it dies. */
		a->steered = true;
	} else if (!strcmp(msg, "abort")) {
		bool fence = a->committed, dest = !a->source && (a->incoming || a->arrived);

		if (a->source)
			src_end(v);
		a->committed = false;
		if (dest) {
			/* A destination the runner gives up on: nothing more changes here. */
			a->aborted = true;
			svc_serving(v, false);
			/*
			 * The fence for our answers still on their way (post-copy, switched): the
			 * migration connection's end (FIN or reset) leaves after them over the
			 * same backhaul in the same direction, whose queue is FIFO (no jitter),
			 * and the runner thaws the source only once the source has seen that
			 * end. Otherwise an answer the source gives at once could overtake our
			 * last ones and the client's counter step back (the thaw came 1 ms after
			 * our freeze under ASan, with 1 ms of backhaul delay).
			 */
			bool told = tell_aborted(v);

			mp_close(v);
			agent_emit(v, "aborted", "serving=0 told=%d", told);
		} else if (!v->serving) {
			/*
			 * Once the execution state has left, the destination may have answered:
			 * the requests queued here while frozen are older than its answers, and
			 * answered now they would overtake those still on their way, the client's
			 * counter stepping back. They are dropped (lost, as the client sees it).
			 */
			uint64_t dropped = fence ? svc_drop_queued(v) : 0;

			thaw(v);
			agent_emit(v, "resumed", "dropped=%" PRIu64, dropped);
		} else {
			agent_emit(v, "aborted", "serving=1");
		}
	} else if (!strcmp(msg, "table")) {
		uint64_t n = svc_client_each(v->st, emit_client, v);

		agent_emit(v, "table", "clients=%" PRIu64, n);
	} else if (!strcmp(msg, "set")) {
		unsigned long long id = 0, counter = 0;
		int r = args && sscanf(args, "id=%llu counter=%llu", &id, &counter) == 2 &&
				id <= UINT32_MAX
			    ? svc_client_set(v->st, (uint32_t)id, counter)
			    : -EINVAL;

		/*
		 * A committed source is told the table the runner read from the frozen
		 * destination: that is its last word. A write-back still unread in our socket is
		 * older (the destination sends each before the answer that carries it), and
		 * taken after this it would set the counter back below what the client has
		 * already seen (seen: the runner's "set 512", then write-backs up to 508 read,
		 * then the thaw; the next answer was 509).
		 */
		if (a->committed)
			a->table_taken = true;
		if (r)
			agent_emit(v, "error", "frozen=%d what=set %s: %s", !v->serving,
				   args ? args : "", strerror(-r));
		else
			agent_emit(v, "set", "id=%llu counter=%llu", id, counter);
	} else if (!strcmp(msg, "status")) {
		agent_emit(v, "status",
			   "role=%s clients=%" PRIu64 " pages=%" PRIu64 " absent=%" PRIu64
			   " written=%" PRIu64,
			   a->source			? "migrating"
			   : a->incoming && !a->resumed ? "incoming"
			   : v->serving			? "serving"
							: "frozen",
			   svc_client_count(v->st), v->st->pages, v->st->absent_pages,
			   v->st->written);
	} else {
		agent_emit(v, "error", "frozen=%d what=unknown command '%s'", !v->serving, msg);
	}
}

static void ctl_readable(struct svc *v)
{
	struct agent *a = &v->ag;
	char msg[MP_CTL_MAX + 1];
	ssize_t n;

	for (;;) {
		n = recv(a->ctl_sock, msg, MP_CTL_MAX, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			epoll_ctl(v->ep, EPOLL_CTL_DEL, a->ctl_sock, NULL);
			close(a->ctl_sock);
			a->ctl_sock = -1;
			orphaned(v);
			return;
		}
		msg[n] = '\0';
		ctl_command(v, msg);
	}
}

static void ctl_accept(struct svc *v)
{
	struct agent *a = &v->ag;
	int fd = accept4(a->ctl_lsock, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	/* The newest runner is the one to talk to. */
	if (a->ctl_sock >= 0) {
		epoll_ctl(v->ep, EPOLL_CTL_DEL, a->ctl_sock, NULL);
		close(a->ctl_sock);
	}
	a->ctl_sock = fd;
	if (svc_ep_set(v->ep, EPOLL_CTL_ADD, fd, EPOLLIN, TAG_CTL) < 0) {
		close(fd);
		a->ctl_sock = -1;
	}
}

void agent_handle(struct svc *v, uint64_t tag, uint32_t events)
{
	struct agent *a = &v->ag;

	switch (tag) {
	case TAG_CTL_LISTEN:
		ctl_accept(v);
		return;
	case TAG_CTL:
		if (a->ctl_sock >= 0)
			ctl_readable(v);
		return;
	case TAG_MIG_LISTEN:
		dst_accept(v);
		return;
	case TAG_MIG_WAIT:
		wait_expired(v);
		return;
	case TAG_MIG:
		if (a->mp_sock < 0)
			return;
		if (a->incoming) {
			if ((events & EPOLLOUT) && queue_flush(v) < 0) {
				dst_fail(v, "asking for pages", errno);
				return;
			}
			if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				dst_readable(v);
			return;
		}
		if (a->connecting) {
			if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
				src_connected(v);
			return;
		}
		if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			src_readable(v);
		else if (events & EPOLLOUT)
			src_pump(v);
		return;
	default:
		return;
	}
}

int agent_open(struct svc *v, const char *ctl, uint16_t incoming, uint64_t timeout_ms)
{
	struct agent *a = &v->ag;
	int gai = 0;

	a->timeout_ms = timeout_ms;
	if (ctl) {
		a->ctl_addr.sun_family = AF_UNIX;
		snprintf(a->ctl_addr.sun_path, sizeof(a->ctl_addr.sun_path), "%s", ctl);
		a->ctl_lsock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		/* A socket file left by an instance that was killed is ours to replace. */
		unlink(ctl);
		if (a->ctl_lsock < 0 ||
		    bind(a->ctl_lsock, (struct sockaddr *)&a->ctl_addr, sizeof(a->ctl_addr)) < 0 ||
		    listen(a->ctl_lsock, 4) < 0 ||
		    svc_ep_set(v->ep, EPOLL_CTL_ADD, a->ctl_lsock, EPOLLIN, TAG_CTL_LISTEN) < 0) {
			fprintf(stderr, PROG ": control socket %s: %s\n", ctl, strerror(errno));
			a->ctl_addr.sun_path[0] = '\0';
			return -1;
		}
	}
	if (incoming) {
		a->incoming = true;
		a->in_buf = malloc(PAYLOAD_MAX);
		v->st->need = dst_need;
		v->st->want = dst_want;
		v->st->need_arg = v;
		a->mp_lsock = app_bind_socket(NULL, incoming, SOCK_STREAM, &gai);
		if (!a->in_buf || a->mp_lsock < 0 || listen(a->mp_lsock, 1) < 0 ||
		    svc_ep_set(v->ep, EPOLL_CTL_ADD, a->mp_lsock, EPOLLIN, TAG_MIG_LISTEN) < 0) {
			fprintf(stderr, PROG ": --incoming %u: %s\n", incoming,
				strerror(a->mp_lsock < 0 ? -a->mp_lsock : errno));
			return -1;
		}
		a->wait_tfd = app_timer_open();
		if (a->wait_tfd < 0 ||
		    app_timer_set(a->wait_tfd, util_now_ns() + (timeout_ms + WAIT_SLACK_MS) * MS,
				  0) < 0 ||
		    svc_ep_set(v->ep, EPOLL_CTL_ADD, a->wait_tfd, EPOLLIN, TAG_MIG_WAIT) < 0) {
			fprintf(stderr, PROG ": --incoming: the wait for the source: %s\n",
				strerror(errno));
			return -1;
		}
		agent_emit(v, "listening", "port=%u", incoming);
	} else {
		/* A source reads only small frames. */
		a->in_buf = malloc(PAYLOAD_MAX);
		if (!a->in_buf) {
			fprintf(stderr, PROG ": out of memory\n");
			return -1;
		}
	}
	return 0;
}

void agent_close(struct svc *v)
{
	struct agent *a = &v->ag;

	if (a->source)
		src_end(v);
	mp_close(v);
	if (a->mp_lsock >= 0)
		close(a->mp_lsock);
	if (a->wait_tfd >= 0)
		close(a->wait_tfd);
	if (a->ctl_sock >= 0)
		close(a->ctl_sock);
	if (a->ctl_lsock >= 0)
		close(a->ctl_lsock);
	if (a->ctl_addr.sun_path[0])
		unlink(a->ctl_addr.sun_path);
	a->mp_lsock = a->ctl_sock = a->ctl_lsock = -1;
	free(a->in_buf);
	a->in_buf = NULL;
}
