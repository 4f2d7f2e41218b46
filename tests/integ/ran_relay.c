/* SPDX-License-Identifier: MIT */
/*
 * The relay serving a radio access network, for tests/integ/test_relay_ran.sh (root only);
 * the script makes the namespaces and ports, this tool serves and drives them.
 *
 *   ran_relay mac KIND INDEX	emu_ran_mac() as aa:bb:cc:dd:ee:ff (kind 0: UE, 1: cell)
 *   ran_relay offloads NS IFNAME	offloads off on NS's IFNAME (as the builder does)
 *   ran_relay serve NS CTL ADDR N_UES N_CELLS CAP_MBIT x2|drop
 *	in namespace NS, serve UE ports u0.. (UE i's address: ADDR + i) and cell ports c0..,
 *	each cell of CAP_MBIT both ways (0: unlimited), control socket CTL; writes "r" to
 *	stdout once it forwards; ends on SIGTERM (exit 0 if the relay stopped cleanly)
 *   ran_relay attach CTL UE CELL	prints the UE's last cell before (-1: never)
 *   ran_relay shape CTL UE DIR [delay=MS] [loss=PERCENT] [rate=MBIT] [limit=N]
 *   ran_relay stats CTL CELL	one line of key=value
 *   ran_relay rtt CTL N		N requests on one connection, then N connections of one
 *	request each: their round trips' p50 and p99 in microseconds
 *   ran_relay stats-many CTL FIRST N SPLIT
 *	cells FIRST .. FIRST + N - 1 in one call, SPLIT cells per request at most (0: all that
 *	fit): one line per cell, "cell=C" then as stats
 *   ran_relay stats-async CTL FIRST N SPLIT
 *	as stats-many, in two steps (emu_relay_ran_cells_stats_send/_recv): taken when the
 *	socket is readable, never waiting; then again with a single request made while the
 *	batch is out, and a second batch refused while it is: exit 1 unless both give the same
 *	and a receive with none out says so
 *   ran_relay shape-many CTL SPLIT UE,DIR[,delay=MS][,loss=PERCENT][,rate=MBIT][,limit=N]...
 *	the shapings in one call, SPLIT per request at most (0: all that fit); on a failure
 *	"bad=I" on stdout (the index of the entry that failed), the error on stderr, exit 1
 *   ran_relay rtt-many CTL N ROUNDS
 *	ROUNDS times: cells 0 .. N - 1's counters in one request, then in N requests of one
 *	cell: p50 and p99 of each in microseconds
 *   ran_relay rtt-shape CTL N ROUNDS
 *	ROUNDS times: both ways of UEs 0 .. N - 1 shaped in one request, then in 2 N requests
 *	of one: p50 and p99 of each in microseconds
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <signal.h>

#include "emu/emu.h"
#include "emu/relay.h"
#include "util/clock.h"

static int fail(const char *what, int r)
{
	fprintf(stderr, "ran_relay: %s: %s\n", what, strerror(r < 0 ? -r : r));
	return 1;
}

static int cmd_mac(char **argv)
{
	uint8_t m[6];

	emu_ran_mac((unsigned)atoi(argv[2]), (unsigned)atoi(argv[3]), m);
	printf("%02x:%02x:%02x:%02x:%02x:%02x\n", m[0], m[1], m[2], m[3], m[4], m[5]);
	return 0;
}

static int enter(const char *ns)
{
	struct emu_ns_token tok;
	int fd = emu_netns_open(ns), r;

	if (fd < 0)
		return fd;
	/* For good: the token is not needed, this process stays in ns. */
	r = emu_netns_enter(fd, &tok);
	close(fd);
	return r;
}

static int cmd_offloads(char **argv)
{
	int r = enter(argv[2]);

	if (r == 0)
		r = emu_link_offloads_off(argv[3]);
	return r < 0 ? fail("offloads", r) : 0;
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		int r = -errno;

		if (fd >= 0)
			close(fd);
		return r;
	}
	return fd;
}

static int cmd_serve(char **argv)
{
	unsigned n_ues = (unsigned)atoi(argv[5]), n_cells = (unsigned)atoi(argv[6]);
	uint64_t cap = (uint64_t)(atof(argv[7]) * 1e6);
	int *ue_index = calloc(n_ues, sizeof(int)), *cell_index = calloc(n_cells, sizeof(int));
	uint32_t *addr = calloc(n_ues, sizeof(uint32_t));
	uint64_t(*caps)[2] = calloc(n_cells, sizeof(*caps));
	struct emu_relay_ran ran;
	struct in_addr base;
	int ctl, r;

	if (!ue_index || !cell_index || !addr || !caps || inet_pton(AF_INET, argv[4], &base) != 1)
		return fail("serve", EINVAL);
	/* The relay must not outlive the script that started it. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	r = enter(argv[2]);
	if (r < 0)
		return fail("entering the namespace", r);
	for (unsigned i = 0; i < n_ues; i++) {
		char name[IF_NAMESIZE];

		snprintf(name, sizeof(name), "u%u", i);
		ue_index[i] = (int)if_nametoindex(name);
		addr[i] = ntohl(base.s_addr) + i;
		if (!ue_index[i])
			return fail(name, errno);
	}
	for (unsigned c = 0; c < n_cells; c++) {
		char name[IF_NAMESIZE];

		snprintf(name, sizeof(name), "c%u", c);
		cell_index[c] = (int)if_nametoindex(name);
		caps[c][0] = caps[c][1] = cap;
		if (!cell_index[c])
			return fail(name, errno);
	}
	ran = (struct emu_relay_ran){
	    .n_ues = n_ues,
	    .n_cells = n_cells,
	    .ue_index = ue_index,
	    .cell_index = cell_index,
	    .ue_addr = addr,
	    .capacity_bps = (const uint64_t(*)[2])caps,
	    .forwarding = strcmp(argv[8], "drop") ? EMU_RAN_FORWARD_X2 : EMU_RAN_FORWARD_DROP,
	};
	ctl = listen_on(argv[3]);
	if (ctl < 0)
		return fail("control socket", ctl);
	fflush(stdout);
	r = emu_relay_serve_ran(NULL, 0, &ran, ctl, STDOUT_FILENO, 1);
	close(ctl);
	unlink(argv[3]);
	free(ue_index);
	free(cell_index);
	free(addr);
	free(caps);
	return r < 0 ? fail("relay", r) : 0;
}

static int cmd_attach(char **argv)
{
	struct emu_relay_conn *c;
	int last, r = emu_relay_conn_open(argv[2], &c);

	if (r < 0)
		return fail("connect", r);
	r = emu_relay_ran_attach(c, (unsigned)atoi(argv[3]), atoi(argv[4]), &last);
	emu_relay_conn_close(c);
	if (r < 0)
		return fail("attach", r);
	printf("%d\n", last);
	return 0;
}

/* One "key=value" of a shape into s: 0, or -EINVAL. */
static int shape_kv(char *kv, struct emu_shape *s)
{
	char *v = strchr(kv, '=');

	if (!v)
		return -EINVAL;
	*v++ = '\0';
	if (!strcmp(kv, "delay")) {
		s->delay_ns = (uint64_t)(atof(v) * 1e6);
	} else if (!strcmp(kv, "loss")) {
		s->loss.model = EMU_LOSS_RANDOM;
		s->loss.p = atof(v) / 100;
	} else if (!strcmp(kv, "rate")) {
		s->rate_bps = (uint64_t)(atof(v) * 1e6);
	} else if (!strcmp(kv, "limit")) {
		s->limit = (uint32_t)atoi(v);
	} else {
		return -EINVAL;
	}
	return 0;
}

static int cmd_shape(int argc, char **argv)
{
	struct emu_relay_conn *c;
	struct emu_shape s = {0};
	int r;

	for (int i = 5; i < argc; i++)
		if (shape_kv(argv[i], &s) < 0)
			return fail(argv[i], EINVAL);
	r = emu_relay_conn_open(argv[2], &c);
	if (r < 0)
		return fail("connect", r);
	r = emu_relay_ran_shape(c, (unsigned)atoi(argv[3]), (unsigned)atoi(argv[4]), &s);
	emu_relay_conn_close(c);
	return r < 0 ? fail("shape", r) : 0;
}

static void print_stats(const struct emu_ran_cell_stats *p)
{
	struct emu_ran_cell_stats st = *p;

	printf("ues=%u up_pkts=%llu up_bytes=%llu down_pkts=%llu down_bytes=%llu x2_pkts=%llu "
	       "x2_bytes=%llu ho_drop_pkts=%llu drop_pkts=%llu lost_pkts=%llu full_pkts=%llu\n",
	       st.ues, (unsigned long long)st.up_pkts, (unsigned long long)st.up_bytes,
	       (unsigned long long)st.down_pkts, (unsigned long long)st.down_bytes,
	       (unsigned long long)st.x2_pkts, (unsigned long long)st.x2_bytes,
	       (unsigned long long)st.ho_drop_pkts, (unsigned long long)st.drop_pkts,
	       (unsigned long long)st.lost_pkts, (unsigned long long)st.full_pkts);
}

static int cmd_stats(char **argv)
{
	struct emu_ran_cell_stats st;
	struct emu_relay_conn *c;
	int r = emu_relay_conn_open(argv[2], &c);

	if (r < 0)
		return fail("connect", r);
	r = emu_relay_ran_cell_stats(c, (unsigned)atoi(argv[3]), &st);
	emu_relay_conn_close(c);
	if (r < 0)
		return fail("stats", r);
	print_stats(&st);
	return 0;
}

static int cmd_stats_many(char **argv)
{
	unsigned first = (unsigned)atoi(argv[3]), n = (unsigned)atoi(argv[4]);
	struct emu_ran_cell_stats *st = calloc(n ? n : 1, sizeof(*st));
	struct emu_relay_conn *c;
	int r;

	if (!st)
		return fail("stats-many", ENOMEM);
	r = emu_relay_conn_open(argv[2], &c);
	if (r < 0)
		return fail("connect", r);
	emu_relay_conn_set_split(c, (size_t)atoi(argv[5]));
	r = emu_relay_ran_cells_stats(c, first, n, st);
	emu_relay_conn_close(c);
	if (r < 0)
		return fail("stats-many", r);
	for (unsigned i = 0; i < n; i++) {
		printf("cell=%u ", first + i);
		print_stats(&st[i]);
	}
	free(st);
	return 0;
}

/* The batch out taken, waiting for the socket between tries, not in the receive: 0 or -errno. */
static int async_take(struct emu_relay_conn *c, struct emu_ran_cell_stats *st)
{
	struct pollfd p = {.fd = emu_relay_conn_fd(c), .events = POLLIN};
	int r;

	while ((r = emu_relay_ran_cells_stats_recv(c, st, false)) == -EAGAIN)
		if (poll(&p, 1, 5000) != 1)
			return -ETIMEDOUT;
	return r;
}

static int cmd_stats_async(char **argv)
{
	unsigned first = (unsigned)atoi(argv[3]), n = (unsigned)atoi(argv[4]);
	struct emu_ran_cell_stats *st = calloc(2 * (n ? n : 1), sizeof(*st)), one;
	struct emu_relay_conn *c;
	int r;

	if (!st)
		return fail("stats-async", ENOMEM);
	r = emu_relay_conn_open(argv[2], &c);
	if (r < 0)
		return fail("connect", r);
	emu_relay_conn_set_split(c, (size_t)atoi(argv[5]));
	r = emu_relay_ran_cells_stats_send(c, first, n);
	if (r == 0)
		r = async_take(c, st);
	if (r < 0)
		return fail("stats-async", r);
	/* Another request while a batch is out takes its replies first, and keeps them. */
	r = emu_relay_ran_cells_stats_send(c, first, n);
	if (r == 0 && emu_relay_ran_cells_stats_send(c, first, n) != -EBUSY)
		return fail("stats-async: a second batch out at once", EPROTO);
	if (r == 0)
		r = emu_relay_ran_cell_stats(c, first, &one);
	if (r == 0)
		r = emu_relay_ran_cells_stats_recv(c, st + n, false);
	if (r < 0)
		return fail("stats-async with a request between", r);
	if (memcmp(st, st + n, n * sizeof(*st)) || (n && memcmp(&one, st, sizeof(one))))
		return fail("stats-async: the batch with a request between differs", EPROTO);
	r = emu_relay_ran_cells_stats_recv(c, st, false);
	if (r != -ENOMSG)
		return fail("stats-async: a receive with no batch out", r < 0 ? r : EPROTO);
	emu_relay_conn_close(c);
	for (unsigned i = 0; i < n; i++) {
		printf("cell=%u ", first + i);
		print_stats(&st[i]);
	}
	free(st);
	return 0;
}

static int cmd_shape_many(int argc, char **argv)
{
	size_t n = (size_t)(argc - 4), bad = n;
	struct emu_ran_shape_req *v = calloc(n ? n : 1, sizeof(*v));
	struct emu_relay_conn *c;
	int r;

	if (!v)
		return fail("shape-many", ENOMEM);
	for (size_t i = 0; i < n; i++) {
		char *save = NULL, *ue = strtok_r(argv[4 + i], ",", &save);
		char *dir = strtok_r(NULL, ",", &save), *kv;

		if (!ue || !dir)
			return fail("shape-many: an entry is UE,DIR[,key=value...]", EINVAL);
		v[i].ue = (unsigned)atoi(ue);
		v[i].dir = (unsigned)atoi(dir);
		while ((kv = strtok_r(NULL, ",", &save)))
			if (shape_kv(kv, &v[i].shape) < 0)
				return fail(kv, EINVAL);
	}
	r = emu_relay_conn_open(argv[2], &c);
	if (r < 0)
		return fail("connect", r);
	emu_relay_conn_set_split(c, (size_t)atoi(argv[3]));
	r = emu_relay_ran_shape_many(c, v, n, &bad);
	emu_relay_conn_close(c);
	free(v);
	if (r < 0) {
		printf("bad=%zu\n", bad);
		return fail("shape-many", r);
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void print_pct(const char *what, uint64_t *ns, unsigned n)
{
	qsort(ns, n, sizeof(*ns), cmp_u64);
	printf("%s: p50 %.1f us, p99 %.1f us (%u samples)\n", what, (double)ns[n / 2] / 1e3,
	       (double)ns[(size_t)n * 99 / 100] / 1e3, n);
}

static int cmd_rtt(char **argv)
{
	unsigned n = (unsigned)atoi(argv[3]);
	uint64_t *ns = calloc(n ? n : 1, sizeof(*ns));
	struct emu_ran_cell_stats st;
	struct emu_relay_conn *c;
	int r;

	if (!ns || !n)
		return fail("rtt", EINVAL);
	r = emu_relay_conn_open(argv[2], &c);
	for (unsigned i = 0; r == 0 && i < n; i++) {
		uint64_t t = util_now_ns();

		r = emu_relay_ran_cell_stats(c, 0, &st);
		ns[i] = util_now_ns() - t;
	}
	emu_relay_conn_close(c);
	if (r < 0)
		return fail("requests on one connection", r);
	print_pct("cell stats on one connection", ns, n);
	for (unsigned i = 0; r == 0 && i < n; i++) {
		uint64_t t = util_now_ns();

		r = emu_relay_conn_open(argv[2], &c);
		if (r == 0)
			r = emu_relay_ran_cell_stats(c, 0, &st);
		emu_relay_conn_close(c);
		ns[i] = util_now_ns() - t;
	}
	if (r < 0)
		return fail("a connection per request", r);
	print_pct("cell stats, a connection each", ns, n);
	free(ns);
	return 0;
}

/* ROUNDS times: N cells' counters in one request, then in N requests. */
static int cmd_rtt_many(char **argv)
{
	unsigned n = (unsigned)atoi(argv[3]), rounds = (unsigned)atoi(argv[4]);
	struct emu_ran_cell_stats *st = calloc(n ? n : 1, sizeof(*st));
	uint64_t *one = calloc(rounds ? rounds : 1, sizeof(*one));
	uint64_t *each = calloc(rounds ? rounds : 1, sizeof(*each));
	struct emu_relay_conn *c;
	char what[64];
	int r;

	if (!st || !one || !each || !n || !rounds)
		return fail("rtt-many", EINVAL);
	r = emu_relay_conn_open(argv[2], &c);
	for (unsigned i = 0; r == 0 && i < rounds; i++) {
		uint64_t t = util_now_ns();

		r = emu_relay_ran_cells_stats(c, 0, n, st);
		one[i] = util_now_ns() - t;
		t = util_now_ns();
		for (unsigned k = 0; r == 0 && k < n; k++)
			r = emu_relay_ran_cell_stats(c, k, &st[k]);
		each[i] = util_now_ns() - t;
	}
	emu_relay_conn_close(c);
	if (r < 0)
		return fail("rtt-many", r);
	snprintf(what, sizeof(what), "%u cells' counters in one request", n);
	print_pct(what, one, rounds);
	snprintf(what, sizeof(what), "%u cells' counters in %u requests", n, n);
	print_pct(what, each, rounds);
	free(st);
	free(one);
	free(each);
	return 0;
}

/* ROUNDS times: 2 N shapings in one request, then in 2 N requests. */
static int cmd_rtt_shape(char **argv)
{
	unsigned n = 2 * (unsigned)atoi(argv[3]), rounds = (unsigned)atoi(argv[4]);
	struct emu_ran_shape_req *v = calloc(n ? n : 1, sizeof(*v));
	uint64_t *one = calloc(rounds ? rounds : 1, sizeof(*one));
	uint64_t *each = calloc(rounds ? rounds : 1, sizeof(*each));
	struct emu_relay_conn *c;
	char what[64];
	int r;

	if (!v || !one || !each || !n || !rounds)
		return fail("rtt-shape", EINVAL);
	for (unsigned i = 0; i < n; i++)
		v[i] = (struct emu_ran_shape_req){
		    .ue = i / 2,
		    .dir = i % 2,
		    .shape = {.delay_ns = 4000000, .rate_bps = 50000000}};
	r = emu_relay_conn_open(argv[2], &c);
	for (unsigned i = 0; r == 0 && i < rounds; i++) {
		uint64_t t = util_now_ns();

		r = emu_relay_ran_shape_many(c, v, n, NULL);
		one[i] = util_now_ns() - t;
		t = util_now_ns();
		for (unsigned k = 0; r == 0 && k < n; k++)
			r = emu_relay_ran_shape(c, v[k].ue, v[k].dir, &v[k].shape);
		each[i] = util_now_ns() - t;
	}
	emu_relay_conn_close(c);
	if (r < 0)
		return fail("rtt-shape", r);
	snprintf(what, sizeof(what), "%u UEs shaped both ways in one request", n / 2);
	print_pct(what, one, rounds);
	snprintf(what, sizeof(what), "%u UEs shaped both ways in %u requests", n / 2, n);
	print_pct(what, each, rounds);
	free(v);
	free(one);
	free(each);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc >= 2 ? argv[1] : "";

	if (!strcmp(cmd, "mac") && argc == 4)
		return cmd_mac(argv);
	if (!strcmp(cmd, "offloads") && argc == 4)
		return cmd_offloads(argv);
	if (!strcmp(cmd, "serve") && argc == 9)
		return cmd_serve(argv);
	if (!strcmp(cmd, "attach") && argc == 5)
		return cmd_attach(argv);
	if (!strcmp(cmd, "shape") && argc >= 5)
		return cmd_shape(argc, argv);
	if (!strcmp(cmd, "stats") && argc == 4)
		return cmd_stats(argv);
	if (!strcmp(cmd, "rtt") && argc == 4)
		return cmd_rtt(argv);
	if (!strcmp(cmd, "stats-many") && argc == 6)
		return cmd_stats_many(argv);
	if (!strcmp(cmd, "stats-async") && argc == 6)
		return cmd_stats_async(argv);
	if (!strcmp(cmd, "shape-many") && argc >= 4)
		return cmd_shape_many(argc, argv);
	if (!strcmp(cmd, "rtt-many") && argc == 5)
		return cmd_rtt_many(argv);
	if (!strcmp(cmd, "rtt-shape") && argc == 5)
		return cmd_rtt_shape(argv);
	fprintf(stderr, "usage: ran_relay mac|offloads|serve|attach|shape|stats|rtt|stats-many|"
			"stats-async|shape-many|rtt-many|rtt-shape ...\n");
	return 2;
}
