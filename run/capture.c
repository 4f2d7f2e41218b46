/* SPDX-License-Identifier: MIT */
/*
 * Packet capture (`capture:`): what crosses each listed interface, written by libpcap to
 * pcap/<node>-<ifname>.pcap in the results folder, for Wireshark.
 *
 * One process per captured node, forked before the clock starts: it enters the node's network
 * namespace, opens each of the node's captured interfaces and its file, says it is ready, and
 * then writes packets until the runner says stop. Not in immediate mode: the kernel hands
 * packets over in blocks (TPACKET_V3), full or CAPTURE_BLOCK_MS old, one wake-up for many
 * and each packet taking its own size of the ring. Immediate mode (a wake-up per packet, and
 * a frame per packet sized for the largest the interface may pass) dropped up to 6% of 10000
 * packets/s on a loaded machine (50 UEs probing every 10 ms, 2 cores); blocks, none. It runs
 * at the probes' nice value, off the runner's clock: the runner only reads its few reports.
 * Reports go over a SOCK_SEQPACKET pair, one message each: ready, could not open (the run
 * fails before its clock starts, naming node:ifname), a file at capture_limit (events.csv
 * `capture_limit`), a write error, and at the end each file's totals (`capture_end`).
 *
 * A file holds whole records only, whatever ends the run: at the run's end and on Ctrl-C the
 * runner stops its captures (a shutdown of its end of the pair) after the probes and before
 * the network goes; when edgemu itself dies (SIGKILL included), PR_SET_PDEATHSIG sends each
 * capture SIGTERM, which it takes on a signalfd to close its files the same way. A capture
 * never outlives its run: it lives in the run's namespace, where `edgemu clean` kills
 * whatever is left.
 */
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>

#include <pcap/pcap.h>

#include "run/run_int.h"
#include "util/sig.h"

#define CAPTURE_SNAPLEN 262144	      /* whole packets: what tcpdump and Wireshark take */
#define CAPTURE_BUFFER (4 << 20)      /* the kernel's ring per interface */
#define CAPTURE_READY_NS (10 * S_NS)  /* every capture ready, or the run fails */
#define CAPTURE_STOP_NS (5 * S_NS)    /* every capture closed, or it is killed */
#define CAPTURE_FLUSH_MS 1000	      /* files reach the disk this often */
#define CAPTURE_BLOCK_MS 100	      /* a packet reaches us at most this late */
#define CAPTURE_DRAIN_ROUNDS 64	      /* reads of what is left in a ring at the stop */
#define CAPTURE_RECORD_HDR 16	      /* a pcap record's header: time, lengths */
#define CAPTURE_COMM "edgemu-capture" /* the process's name (ps, pgrep) */
#define CAPTURE_TEXT 200
#define CAPTURE_SEND_MS 2000 /* a report waits for room this long at most */

enum capture_kind {
	CAP_READY, /* every interface open: k is the first one's */
	CAP_FAIL,  /* k could not be opened: text says why; the process ends */
	CAP_LIMIT, /* k's file reached capture_limit at bytes: closed there */
	CAP_ERROR, /* k's file could not be written (err) or its interface read: closed */
	CAP_END,   /* k's totals: the last message of each interface */
};

/* One report, one datagram: less than PIPE_BUF, so never split. */
struct capture_msg {
	uint32_t kind;
	uint32_t k; /* index into m->captures */
	uint64_t packets, bytes, drops;
	int32_t err; /* errno of a write error, 0: none */
	char text[CAPTURE_TEXT];
};

/* What the runner knows of one capture process (a captured node). */
struct capture_proc {
	struct runner *r;
	unsigned node;
	unsigned *ks; /* its interfaces: indexes into m->captures */
	unsigned n_ks;
	pid_t pid;
	int fd; /* the runner's end of the pair, -1: closed */
	bool ready, eof, watched;
	bool failed; /* it could not open an interface or its file: fail says which, why */
	char fail[TOPO_NAME_MAX + TOPO_IFNAME_MAX + CAPTURE_TEXT + 16];
};

/* The totals of one file, as its capture's last report gave them. */
struct capture_end {
	bool ended;
	uint64_t packets, bytes, drops;
	int err;
};

/* --- the capture process --- */

/* One interface in the capture process. */
struct capture_if {
	unsigned k;
	pcap_t *p;
	pcap_dumper_t *d;
	uint64_t limit, packets;
	bool full; /* the next packet would pass the limit: the file ends here */
	struct capture_end end;
};

static void say(int fd, enum capture_kind kind, unsigned k, const struct capture_end *e,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void say(int fd, enum capture_kind kind, unsigned k, const struct capture_end *e,
		const char *fmt, ...)
{
	struct capture_msg msg = {.kind = kind, .k = k};
	va_list ap;

	if (e) {
		msg.packets = e->packets;
		msg.bytes = e->bytes;
		msg.drops = e->drops;
		msg.err = e->err;
	}
	va_start(ap, fmt);
	vsnprintf(msg.text, sizeof(msg.text), fmt, ap);
	va_end(ap);
	/*
	 * Waits while the runner's queue is full (net.unix.max_dgram_qlen datagrams: 10 by
	 * default, fewer than a node's interfaces may be), up to CAPTURE_SEND_MS; the runner
	 * gone (EPIPE), nobody is left to tell.
	 */
	while (send(fd, &msg, sizeof(msg), MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

/* Every fd closed but keep[0 .. n - 1] (and 0 to 2): a fork holds all the runner's. */
static void close_others(int *keep, size_t n)
{
	unsigned from = 3;

	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];

			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned)keep[i] > from)
			close_range(from, (unsigned)keep[i] - 1, 0);
		from = (unsigned)keep[i] + 1 > from ? (unsigned)keep[i] + 1 : from;
	}
	close_range(from, ~0U, 0);
}

static void packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture_if *c = (struct capture_if *)user;
	long long at;

	if (c->full)
		return;
	at = pcap_dump_ftell64(c->d);
	/* Whole records only: the one that would pass the limit is not begun. */
	if (at < 0 || (uint64_t)at + CAPTURE_RECORD_HDR + h->caplen > c->limit) {
		c->full = true;
		c->end.bytes = at > 0 ? (uint64_t)at : 0;
		c->end.packets = c->packets;
		pcap_breakloop(c->p);
		return;
	}
	pcap_dump((u_char *)c->d, h, bytes);
	c->packets++;
}

/* c's file flushed; a write error ends it (said once). */
static int if_flush(struct capture_if *c)
{
	if (!c->d || c->end.err)
		return c->end.err;
	if (pcap_dump_flush(c->d) < 0)
		c->end.err = errno ? errno : EIO;
	return c->end.err;
}

/* c closed, its totals in c->end: its file whole, its interface let go. */
static void if_close(struct capture_if *c)
{
	struct pcap_stat st;
	long long at;

	if (!c->p)
		return;
	if_flush(c);
	if (c->d) {
		at = pcap_dump_ftell64(c->d);
		c->end.bytes = at > 0 ? (uint64_t)at : 0;
		pcap_dump_close(c->d);
		c->d = NULL;
	}
	/* Drops in the kernel: the ring was full, the capture fell behind. */
	if (pcap_stats(c->p, &st) == 0)
		c->end.drops = st.ps_drop;
	c->end.packets = c->packets;
	pcap_close(c->p);
	c->p = NULL;
}

/* Interface c->k in the namespace we are in, and its file (never one that is there). */
static int if_open(const struct topo_model *m, const char *dir, struct capture_if *c, char *ret_why,
		   size_t len)
{
	const struct topo_capture *k = &m->captures[c->k];
	char errbuf[PCAP_ERRBUF_SIZE] = "", path[PATH_MAX + 64];
	FILE *f;
	int fd, rc;

	c->p = pcap_create(k->ifname, errbuf);
	if (!c->p)
		return snprintf(ret_why, len, "%s", errbuf), -ENODEV;
	/* These fail only on an activated handle. */
	pcap_set_snaplen(c->p, CAPTURE_SNAPLEN);
	pcap_set_timeout(c->p, CAPTURE_BLOCK_MS);
	pcap_set_buffer_size(c->p, CAPTURE_BUFFER);
	pcap_set_promisc(c->p, 0); /* a veth sees every frame to its node without it */
	rc = pcap_activate(c->p);
	if (rc < 0) {
		snprintf(ret_why, len, "%s%s%s", pcap_statustostr(rc),
			 *pcap_geterr(c->p) ? ": " : "", pcap_geterr(c->p));
		return -EIO;
	}
	if (pcap_setnonblock(c->p, 1, errbuf) < 0)
		return snprintf(ret_why, len, "%s", errbuf), -EIO;
	snprintf(path, sizeof(path), "%s/%s", dir, k->file);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		rc = -errno;
		snprintf(ret_why, len, "pcap/%s: %s", k->file, strerror(-rc));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	c->d = pcap_dump_fopen(c->p, f);
	if (!c->d) {
		snprintf(ret_why, len, "pcap/%s: %s", k->file, pcap_geterr(c->p));
		fclose(f);
		return -EIO;
	}
	/* The header at once: a file is readable from the start. */
	if (if_flush(c))
		return snprintf(ret_why, len, "pcap/%s: %s", k->file, strerror(c->end.err)), -EIO;
	return 0;
}

/* c ends here, said to the runner: its limit reached, or an error (why, or c->end.err). */
static void if_end(int fd, struct capture_if *c, enum capture_kind kind, const char *why)
{
	if_flush(c);
	say(fd, kind, c->k, &c->end, "%s", why);
	if_close(c);
}

/* Packets waiting on c, written; the limit or an error closes it. */
static void if_read(int fd, struct capture_if *c)
{
	int n = pcap_dispatch(c->p, -1, packet, (u_char *)c);

	if (c->full)
		if_end(fd, c, CAP_LIMIT, "");
	else if (n == PCAP_ERROR)
		if_end(fd, c, CAP_ERROR, pcap_geterr(c->p));
}

/*
 * Packets into files, flushed each second, until the runner says stop (or goes) or SIGTERM
 * comes; or, with until_ns, until then.
 */
static void capture_loop(int fd, int sig, struct capture_if *ifs, unsigned n, uint64_t until_ns)
{
	struct pollfd *pf = calloc(n + 2, sizeof(*pf));
	uint64_t next = emu_loop_now_ns() + CAPTURE_FLUSH_MS * MS;

	if (!pf)
		return;
	/* Until a time: the stop is on its way, nothing to listen to but the interfaces. */
	pf[0] = (struct pollfd){.fd = until_ns ? -1 : fd, .events = POLLIN};
	pf[1] = (struct pollfd){.fd = until_ns ? -1 : sig, .events = POLLIN};
	for (;;) {
		uint64_t now = emu_loop_now_ns(),
			 wake = until_ns && until_ns < next ? until_ns : next;
		int wait = now >= wake ? 0 : (int)((wake - now) / MS) + 1;

		if (until_ns && now >= until_ns)
			break;

		for (unsigned i = 0; i < n; i++)
			pf[2 + i] =
			    (struct pollfd){.fd = ifs[i].p ? pcap_get_selectable_fd(ifs[i].p) : -1,
					    .events = POLLIN};
		if (poll(pf, n + 2, wait) < 0 && errno != EINTR)
			break;
		/* A byte, EOF or a hang-up from the runner; SIGTERM: stop. */
		if (pf[0].revents || pf[1].revents)
			break;
		for (unsigned i = 0; i < n; i++)
			if (pf[2 + i].revents && ifs[i].p)
				if_read(fd, &ifs[i]);
		if (emu_loop_now_ns() >= next) {
			for (unsigned i = 0; i < n; i++)
				if (ifs[i].p && if_flush(&ifs[i]))
					if_end(fd, &ifs[i], CAP_ERROR, "");
			next += CAPTURE_FLUSH_MS * MS;
		}
	}
	free(pf);
}

/* The stop: what the rings still hold written, every file closed whole, each one's totals. */
static void capture_close(int fd, struct capture_if *ifs, unsigned n)
{
	/* The kernel hands a block over when it is full or CAPTURE_BLOCK_MS old: the last. */
	capture_loop(fd, -1, ifs, n, emu_loop_now_ns() + (CAPTURE_BLOCK_MS + 20) * MS);
	for (unsigned i = 0; i < n; i++) {
		for (int round = 0; ifs[i].p && round < CAPTURE_DRAIN_ROUNDS; round++)
			if (pcap_dispatch(ifs[i].p, -1, packet, (u_char *)&ifs[i]) <= 0 ||
			    ifs[i].full)
				break;
		/* Reached in the last packets (once closed, said already). */
		if (ifs[i].p && ifs[i].full)
			if_end(fd, &ifs[i], CAP_LIMIT, "");
		if_close(&ifs[i]);
		say(fd, CAP_END, ifs[i].k, &ifs[i].end, "%s", "");
	}
}

/*
 * The capture process of proc: it never returns. Its signals: SIGTERM (its parent's death
 * too) on a signalfd, to close its files whole; SIGINT ignored, as Ctrl-C reaches the whole
 * process group and the runner stops its captures in order.
 */
static void __attribute__((noreturn))
capture_main(struct runner *r, const struct capture_proc *cp, int fd, int ns_fd, pid_t parent)
{
	static const int sigs[] = {SIGTERM, SIGHUP};
	const struct topo_model *m = r->m;
	char dir[PATH_MAX + 8], why[CAPTURE_TEXT];
	struct capture_if *ifs = calloc(cp->n_ks, sizeof(*ifs));
	int keep[2] = {fd, ns_fd}, null, sig;
	sigset_t set;

	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(127);
	prctl(PR_SET_NAME, CAPTURE_COMM);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	/* Nothing of the runner's stays open here but what is ours (and no terminal). */
	close_others(keep, 2);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO,
		   &(struct timeval){.tv_sec = CAPTURE_SEND_MS / 1000,
				     .tv_usec = CAPTURE_SEND_MS % 1000 * 1000},
		   sizeof(struct timeval));
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int i = 0; i < 3 && null >= 0; i++)
		dup2(null, i);
	/* Blocked all along (the runner's mask has them): only they stay blocked, for the fd. */
	if (util_sig_block(sigs, 2, &set, NULL) < 0 || sigprocmask(SIG_SETMASK, &set, NULL) < 0 ||
	    (sig = signalfd(-1, &set, SFD_CLOEXEC)) < 0)
		_exit(127);
	snprintf(dir, sizeof(dir), "%s/pcap", r->results);
	if (!ifs || setpriority(PRIO_PROCESS, 0, PROBE_NICE) < 0 ||
	    setns(ns_fd, CLONE_NEWNET) < 0) {
		say(fd, CAP_FAIL, cp->ks[0], NULL, "entering node %s: %s", m->nodes[cp->node].name,
		    strerror(errno ? errno : ENOMEM));
		_exit(1);
	}
	close(ns_fd);
	for (unsigned i = 0; i < cp->n_ks; i++) {
		ifs[i] = (struct capture_if){.k = cp->ks[i], .limit = m->capture_limit};
		if (if_open(m, dir, &ifs[i], why, sizeof(why)) < 0) {
			say(fd, CAP_FAIL, ifs[i].k, NULL, "%s", why);
			_exit(1);
		}
	}
	say(fd, CAP_READY, cp->ks[0], NULL, "%s", "");
	capture_loop(fd, sig, ifs, cp->n_ks, 0);
	capture_close(fd, ifs, cp->n_ks);
	_exit(0);
}

/* --- the runner's side --- */

static const char *cap_name(const struct runner *r, unsigned k, char *buf, size_t len)
{
	const struct topo_capture *c = &r->m->captures[k];

	snprintf(buf, len, "%s:%s", r->m->nodes[c->node].name, c->ifname);
	return buf;
}

/* One report of cp's process taken: 1 one read, 0 none waiting, -1 its end closed (EOF). */
static int msg_take(struct capture_proc *cp)
{
	struct runner *r = cp->r;
	char name[TOPO_NAME_MAX + TOPO_IFNAME_MAX + 2];
	struct capture_msg msg;
	ssize_t n = recv(cp->fd, &msg, sizeof(msg), MSG_DONTWAIT);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : (cp->eof = true, -1);
	if (n == 0) {
		cp->eof = true;
		return -1;
	}
	/* Not one of ours (a capture never sends it): skipped. */
	if ((size_t)n != sizeof(msg) || msg.k >= r->m->n_captures)
		return 1;
	msg.text[sizeof(msg.text) - 1] = '\0';
	cap_name(r, msg.k, name, sizeof(name));
	if (msg.kind == CAP_READY) {
		cp->ready = true;
	} else if (msg.kind == CAP_FAIL && !cp->failed) {
		cp->failed = true;
		snprintf(cp->fail, sizeof(cp->fail), "capturing %s: %s", name, msg.text);
	} else if (msg.kind == CAP_LIMIT) {
		run_event(r, run_now(r), "capture_limit", -1,
			  "%s: pcap/%s: %" PRIu64 " bytes, %" PRIu64
			  " packets; the next would pass capture_limit (%" PRIu64
			  " bytes): not written, nor any after",
			  name, r->m->captures[msg.k].file, msg.bytes, msg.packets,
			  r->m->capture_limit);
	} else if (msg.kind == CAP_ERROR) {
		run_event(r, run_now(r), "capture_error", -1, "%s: pcap/%s: %s", name,
			  r->m->captures[msg.k].file, msg.err ? strerror(msg.err) : msg.text);
	} else if (msg.kind == CAP_END) {
		r->cap_ends[msg.k] = (struct capture_end){.ended = true,
							  .packets = msg.packets,
							  .bytes = msg.bytes,
							  .drops = msg.drops,
							  .err = msg.err};
	}
	return 1;
}

/* Reports while the run goes: a file at its limit, a write error. */
static void on_msg(struct emu_loop *loop, int fd, uint32_t revents, void *arg)
{
	struct capture_proc *cp = arg;
	int rc = 0;

	(void)revents;
	for (int i = 0; i < 64 && (rc = msg_take(cp)) > 0; i++)
		;
	if (rc < 0) {
		/* Ended before its time (killed?): said now; its files stay as they are. */
		emu_loop_fd_del(loop, fd);
		cp->watched = false;
		run_event(cp->r, run_now(cp->r), "capture_error", -1,
			  "node %s: its capture ended before the run did",
			  run_node_name(cp->r, (int)cp->node));
	}
}

static int proc_fork(struct runner *r, struct capture_proc *cp)
{
	int ns_fd = topo_net_node_ns(r->net, cp->node), sv[2];
	pid_t parent = getpid();

	if (ns_fd < 0)
		return ns_fd;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	cp->pid = fork();
	if (cp->pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if (cp->pid == 0)
		capture_main(r, cp, sv[1], ns_fd, parent);
	close(sv[1]);
	cp->fd = sv[0];
	return 0;
}

static bool awaits_ready(const struct capture_proc *cp)
{
	return !cp->ready && !cp->eof && !cp->failed;
}

static bool awaits_eof(const struct capture_proc *cp)
{
	return cp->fd >= 0 && !cp->eof;
}

/*
 * Reports of every process, until none is awaited (awaits()) or the deadline: 0, or
 * -ETIMEDOUT (or a poll's -errno).
 */
static int reports_wait(struct runner *r, uint64_t deadline,
			bool (*awaits)(const struct capture_proc *cp))
{
	struct pollfd *pf = calloc(r->n_cap_procs, sizeof(*pf));
	int rc = 0;

	if (!pf)
		return -ENOMEM;
	for (;;) {
		uint64_t now = emu_loop_now_ns();
		unsigned n = 0;

		for (unsigned i = 0; i < r->n_cap_procs; i++)
			if (awaits(&r->cap_procs[i]))
				pf[n++] =
				    (struct pollfd){.fd = r->cap_procs[i].fd, .events = POLLIN};
		if (!n)
			break;
		if (now >= deadline) {
			rc = -ETIMEDOUT;
			break;
		}
		if (poll(pf, n, (int)((deadline - now) / MS) + 1) < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
		for (unsigned i = 0; i < r->n_cap_procs; i++)
			while (r->cap_procs[i].fd >= 0 && !r->cap_procs[i].eof &&
			       msg_take(&r->cap_procs[i]) > 0)
				;
	}
	free(pf);
	return rc;
}

/* Every capture process ready, or the first failure in err. */
static int wait_ready(struct runner *r, struct topo_err *err)
{
	int rc = reports_wait(r, emu_loop_now_ns() + CAPTURE_READY_NS, awaits_ready);

	for (unsigned i = 0; i < r->n_cap_procs; i++) {
		const struct capture_proc *cp = &r->cap_procs[i];
		const char *node = run_node_name(r, (int)cp->node);

		if (cp->failed)
			return topo_err_set(err, -EIO, "%s", cp->fail);
		if (cp->ready)
			continue;
		if (cp->eof)
			return topo_err_set(err, -EIO,
					    "capturing on node %s: its capture process ended "
					    "before it was ready",
					    node);
		if (rc == -ETIMEDOUT)
			return topo_err_set(err, rc, "capturing on node %s: not ready after %llu s",
					    node, CAPTURE_READY_NS / S_NS);
		return topo_err_set(err, rc, "waiting for the capture on node %s: %s", node,
				    strerror(-rc));
	}
	return 0;
}

/* One process per captured node, each with its interfaces, in the order of capture:. */
static int procs_plan(struct runner *r)
{
	const struct topo_model *m = r->m;
	int *proc_of = malloc(m->n_nodes * sizeof(int));
	int rc = 0;

	r->cap_procs = calloc(m->n_captures, sizeof(*r->cap_procs));
	r->cap_ends = calloc(m->n_captures, sizeof(*r->cap_ends));
	if (!proc_of || !r->cap_procs || !r->cap_ends) {
		rc = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < m->n_nodes; i++)
		proc_of[i] = -1;
	for (unsigned k = 0; k < m->n_captures; k++) {
		unsigned node = m->captures[k].node;
		struct capture_proc *cp;

		if (proc_of[node] < 0) {
			proc_of[node] = (int)r->n_cap_procs;
			r->cap_procs[r->n_cap_procs++] =
			    (struct capture_proc){.r = r, .node = node, .pid = -1, .fd = -1};
		}
		cp = &r->cap_procs[proc_of[node]];
		if (!cp->ks && !(cp->ks = calloc(m->n_captures, sizeof(unsigned)))) {
			rc = -ENOMEM;
			goto out;
		}
		cp->ks[cp->n_ks++] = k;
	}
out:
	free(proc_of);
	return rc;
}

int run_captures_start(struct runner *r, struct topo_err *err)
{
	char dir[PATH_MAX + 8];
	int rc;

	if (!r->m->n_captures)
		return 0;
	snprintf(dir, sizeof(dir), "%s/pcap", r->results);
	/* An existing folder is fine: each file is made new (O_EXCL), never written over. */
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return topo_err_set(err, -errno, "%s: %s", dir, strerror(errno));
	rc = procs_plan(r);
	if (rc < 0)
		return topo_err_set(err, rc, "out of memory");
	for (unsigned i = 0; i < r->n_cap_procs; i++) {
		rc = proc_fork(r, &r->cap_procs[i]);
		if (rc < 0)
			return topo_err_set(err, rc, "starting the capture on node %s: %s",
					    run_node_name(r, (int)r->cap_procs[i].node),
					    strerror(-rc));
	}
	return wait_ready(r, err);
}

int run_captures_watch(struct runner *r)
{
	for (unsigned i = 0; i < r->n_cap_procs; i++) {
		struct capture_proc *cp = &r->cap_procs[i];
		int rc = emu_loop_fd_add(r->loop, cp->fd, EPOLLIN, on_msg, cp);

		if (rc < 0)
			return rc;
		cp->watched = true;
	}
	return 0;
}

/* Each file's totals in events.csv, in the order of capture:; of the captures that began. */
static void ends_write(struct runner *r, const bool *began)
{
	char name[TOPO_NAME_MAX + TOPO_IFNAME_MAX + 2];
	uint64_t t = run_now(r);

	for (unsigned k = 0; k < r->m->n_captures; k++) {
		const struct capture_end *e = &r->cap_ends[k];

		if (!began[k])
			continue;
		cap_name(r, k, name, sizeof(name));
		if (!e->ended)
			run_event(r, t, "capture_error", -1,
				  "%s: pcap/%s: no totals (its capture was killed): its last "
				  "packets may be cut short",
				  name, r->m->captures[k].file);
		else
			run_event(r, t, "capture_end", -1,
				  "%s: pcap/%s: %" PRIu64 " packets, %" PRIu64
				  " bytes written, %" PRIu64 " dropped by the kernel%s%s",
				  name, r->m->captures[k].file, e->packets, e->bytes, e->drops,
				  e->err ? "; write error: " : "", e->err ? strerror(e->err) : "");
	}
}

void run_captures_stop(struct runner *r)
{
	bool *began;

	if (!r->cap_procs)
		return;
	began = calloc(r->m->n_captures, sizeof(*began));
	for (unsigned i = 0; i < r->n_cap_procs; i++) {
		struct capture_proc *cp = &r->cap_procs[i];

		if (cp->watched && r->loop)
			emu_loop_fd_del(r->loop, cp->fd);
		cp->watched = false;
		/* Our end shut for writing: its EOF, whoever else holds a copy of the fd. */
		if (cp->fd >= 0)
			shutdown(cp->fd, SHUT_WR);
		for (unsigned j = 0; began && cp->ready && j < cp->n_ks; j++)
			began[cp->ks[j]] = true;
	}
	/* Those that do not close in time are killed: their files may end mid-record. */
	if (reports_wait(r, emu_loop_now_ns() + CAPTURE_STOP_NS, awaits_eof) < 0)
		for (unsigned i = 0; i < r->n_cap_procs; i++)
			if (r->cap_procs[i].pid > 0 && !r->cap_procs[i].eof)
				kill(r->cap_procs[i].pid, SIGKILL);
	for (unsigned i = 0; i < r->n_cap_procs; i++) {
		struct capture_proc *cp = &r->cap_procs[i];

		if (cp->pid > 0)
			waitpid(cp->pid, NULL, 0);
		if (cp->fd >= 0)
			close(cp->fd);
		free(cp->ks);
	}
	if (began)
		ends_write(r, began);
	free(began);
	free(r->cap_procs);
	free(r->cap_ends);
	r->cap_procs = NULL;
	r->cap_ends = NULL;
	r->n_cap_procs = 0;
}
