/* SPDX-License-Identifier: MIT */
/*
 * Run folders and ledgers. /run/edgemu/<run>/ holds:
 *   meta          key=value: name, slot, scenario path, state, and the owner: the process
 *                 that builds or runs the run (pid, its start time, its command), or pid 0
 *                 once `up` has handed the run over to the user
 *   scenario.yaml the scenario as it was when the run was made
 *   etc/hosts     names of every node; /etc/netns/<ns> of each node links to etc/, so
 *                 `ip netns exec` and `edgemu exec` mount this file on /etc/hosts
 *   ledger        one line per created object, written before the object is created
 *   cells         with radio:, the cell each UE was last attached to by `edgemu up` or
 *                 `edgemu attach`, a line "UE CELL" each ("UE -": detached)
 */
#include "topo/net.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>

#include "emu/emu.h"
#include "emu/relay.h"
#include "util/file.h"

#define RELEASE_TIMEOUT_MS 10000
/* How long a holder stopped by `down --kill` has after SIGTERM, then after SIGKILL. */
#define HOLDER_TERM_MS 3000
#define HOLDER_KILL_MS 3000
#define HOLDERS_MAX 16
/* After this long unreleased, a teardown looks for processes outside the run holding it. */
#define HOLDER_CHECK_MS 1000

void topo_ns_name(char *buf, size_t len, const char *run, const char *node)
{
	snprintf(buf, len, TOPO_NS_PREFIX "%s-%s", run, node);
}

static int write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (len) {
		n = write(fd, data, len);
		if (n < 0) {
			int r = -errno;

			close(fd);
			return r;
		}
		data += n;
		len -= (size_t)n;
	}
	return close(fd) < 0 ? -errno : 0;
}

/* Readers (clean, show) never see half a file: a whole new one replaces it. */
static int write_file_atomic(const char *path, const char *data, size_t len)
{
	char tmp[PATH_MAX + 16];
	int r;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	r = write_file(tmp, data, len);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

/*
 * A file of a run's folder (meta, ledger, state) we wrote ourselves: the bound only guards
 * against a folder tampered with, far above what the largest network writes.
 */
#define RUN_FILE_MAX (256u << 20)

static int read_file(const char *path, char **ret, size_t *ret_len)
{
	return util_file_read(path, RUN_FILE_MAX, ret, ret_len);
}

/* Value of key in a meta file's text, copied into buf; -ENOENT if absent. */
static int meta_get(const char *text, const char *key, char *buf, size_t len)
{
	size_t kl = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			const char *v = p + kl + 1, *e = strchrnul(v, '\n');

			snprintf(buf, len, "%.*s", (int)(e - v), v);
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * When process pid started (clock ticks after boot, field 22 of /proc/PID/stat): with the
 * pid it names one process, even once the pid is given to another. -ESRCH: it has exited.
 */
static int proc_start_time(long pid, unsigned long long *ret)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	/* The command, in parentheses, may hold spaces and parentheses: count after the last. */
	p = strrchr(buf, ')');
	/* A zombie (state Z, or X when dying) has exited: it owns nothing any more. */
	if (p && (p[1] != ' ' || p[2] == 'Z' || p[2] == 'X'))
		return -ESRCH;
	for (int field = 3; p && field <= 22; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return -EIO;
	*ret = strtoull(p + 1, NULL, 10);
	return 0;
}

/* Process pid's command, as a person would name it: "edgemu run", "topo_build". */
static void proc_command(long pid, char *buf, size_t len)
{
	char path[64], argv[256], *a1;
	const char *base;
	ssize_t n;
	int fd;

	snprintf(buf, len, "?");
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, argv, sizeof(argv) - 1);
	close(fd);
	if (n <= 0)
		return;
	argv[n] = '\0';
	base = strrchr(argv, '/') ? strrchr(argv, '/') + 1 : argv;
	a1 = argv + strlen(argv) + 1;
	if (a1 < argv + n && *a1 && *a1 != '-' && !strchr(a1, '/'))
		snprintf(buf, len, "%.48s %.32s", base, a1);
	else
		snprintf(buf, len, "%.64s", base);
	for (char *c = buf; *c; c++)
		if (*c == '\n' || *c == '=')
			*c = ' ';
}

/* owned: this process owns the run (building, running); else it is kept for the user. */
static int write_meta(const struct topo_net *net, const char *state, bool owned)
{
	char path[PATH_MAX + 16], text[PATH_MAX + 512], abs[PATH_MAX], cmd[96];
	unsigned long long start = 0;
	long pid = owned ? (long)getpid() : 0;
	int n;

	if (!realpath(net->m->file, abs))
		snprintf(abs, sizeof(abs), "%s", net->m->file);
	if (pid)
		proc_start_time(pid, &start);
	proc_command((long)getpid(), cmd, sizeof(cmd));
	n = snprintf(text, sizeof(text),
		     "name=%s\nslot=%u\nscenario=%s\npid=%ld\npid_start=%llu\nowner=%s\n"
		     "state=%s\nshaper=%s\nshaper_why=%s\n",
		     net->name, net->slot, abs, pid, start, cmd, state,
		     topo_shaper_name(net->backend), net->backend_why);
	snprintf(path, sizeof(path), "%s/meta", net->dir);
	return write_file_atomic(path, text, (size_t)n);
}

/* The line of node name in a cells file's text ("UE CELL\n"), NULL if none; *ret_len its length. */
static const char *cells_line(const char *text, const char *name, size_t *ret_len)
{
	size_t nl = strlen(name);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, name, nl) && p[nl] == ' ') {
			const char *e = strchrnul(p, '\n');

			*ret_len = (size_t)(e - p) + (*e == '\n');
			return p;
		}
	}
	return NULL;
}

int topo_net_ue_cell_set(struct topo_net *net, unsigned ue, int enb)
{
	const struct topo_model *m = net->m;
	char path[PATH_MAX + 16], *text = NULL, *out = NULL;
	const char *line;
	size_t len = 0, skip = 0, cap;
	int dfd, r;

	if (ue >= m->n_nodes || (enb >= 0 && (unsigned)enb >= m->n_nodes))
		return -EINVAL;
	/* Two attaches at once must not lose each other's line: the folder's lock orders them. */
	dfd = open(net->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (flock(dfd, LOCK_EX) < 0) {
		r = -errno;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/cells", net->dir);
	r = read_file(path, &text, &len);
	if (r == -ENOENT) {
		text = NULL;
		len = 0;
		r = 0;
	}
	if (r < 0)
		goto out;
	cap = len + 2 * TOPO_NAME_MAX + 4;
	out = malloc(cap);
	if (!out) {
		r = -ENOMEM;
		goto out;
	}
	line = text ? cells_line(text, m->nodes[ue].name, &skip) : NULL;
	if (line) {
		memcpy(out, text, (size_t)(line - text));
		memcpy(out + (line - text), line + skip, len - (size_t)(line - text) - skip);
	} else if (len) {
		memcpy(out, text, len);
	}
	len -= skip;
	len += (size_t)snprintf(out + len, cap - len, "%s %s\n", m->nodes[ue].name,
				enb >= 0 ? m->nodes[enb].name : "-");
	r = write_file_atomic(path, out, len);
out:
	free(text);
	free(out);
	close(dfd);
	return r;
}

int topo_net_ue_cell_get(const struct topo_net *net, unsigned ue, int *ret_enb)
{
	const struct topo_model *m = net->m;
	char path[PATH_MAX + 16], *text, cell[TOPO_NAME_MAX + 1];
	const char *line;
	size_t len;
	int r, enb;

	if (ue >= m->n_nodes)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/cells", net->dir);
	r = read_file(path, &text, NULL);
	if (r < 0)
		return r;
	line = cells_line(text, m->nodes[ue].name, &len);
	if (!line) {
		free(text);
		return -ENOENT;
	}
	line += strlen(m->nodes[ue].name) + 1;
	snprintf(cell, sizeof(cell), "%.*s", (int)strcspn(line, "\n"), line);
	free(text);
	if (!strcmp(cell, "-")) {
		*ret_enb = -1;
		return 0;
	}
	enb = topo_node_find(m, cell);
	/* A record that names no eNB of this scenario was not written by us. */
	if (enb < 0 || m->nodes[enb].kind != TOPO_ENB)
		return -EBADMSG;
	*ret_enb = enb;
	return 0;
}

static int write_hosts(const struct topo_net *net)
{
	const struct topo_model *m = net->m;
	size_t cap = 128 + (size_t)m->n_nodes * (TOPO_NAME_MAX + 24), len = 0;
	char *text = malloc(cap), path[PATH_MAX + 16];
	int r;

	if (!text)
		return -ENOMEM;
	len += (size_t)snprintf(text, cap, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n");
	for (unsigned i = 0; i < m->n_nodes; i++) {
		uint32_t a = topo_node_addr(m, i);
		char ip[INET_ADDRSTRLEN];
		struct in_addr in = {htonl(a)};

		if (!a)
			continue;
		inet_ntop(AF_INET, &in, ip, sizeof(ip));
		len += (size_t)snprintf(text + len, cap - len, "%s\t%s\n", ip, m->nodes[i].name);
	}
	snprintf(path, sizeof(path), "%s/etc", net->dir);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		free(text);
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/etc/hosts", net->dir);
	r = write_file(path, text, len);
	free(text);
	return r;
}

static int copy_scenario(const struct topo_net *net)
{
	char path[PATH_MAX + 32], *text;
	struct topo_err err;
	size_t len;
	/* As the parser read it: the file may be a device or a pipe (`up <(...)`). */
	int r = topo_scenario_read(net->m->file, &text, &len, &err);

	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/scenario.yaml", net->dir);
	r = write_file(path, text, len);
	free(text);
	return r;
}

int topo_nets_lock(void)
{
	int fd;

	if (mkdir(TOPO_RUN_ROOT, 0755) < 0 && errno != EEXIST)
		return -errno;
	fd = open(TOPO_RUN_ROOT "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* The lowest slot no existing run holds. Called under the lock. */
static int free_slot(unsigned *ret)
{
	bool used[TOPO_SLOTS] = {false};
	char **names;
	size_t n;
	int r = topo_nets_list(&names, &n);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX], *text, val[32];

		snprintf(path, sizeof(path), TOPO_RUN_ROOT "/%s/meta", names[i]);
		if (read_file(path, &text, NULL) < 0)
			continue;
		if (meta_get(text, "slot", val, sizeof(val)) == 0 && atoi(val) >= 0 &&
		    atoi(val) < TOPO_SLOTS)
			used[atoi(val)] = true;
		free(text);
	}
	topo_nets_free(names, n);
	for (unsigned s = 0; s < TOPO_SLOTS; s++) {
		if (!used[s]) {
			*ret = s;
			return 0;
		}
	}
	return -ENOSPC;
}

/*
 * The run's folder is edgemu's alone: everything in it goes (logs included, and folders such
 * as etc/ and criu/, a CRIU migration's), then it.
 */
static void remove_dir_files(const char *dir)
{
	util_rm_tree(dir);
}

static void run_free_plan(struct topo_net *net)
{
	topo_ran_plan_free(net->ran_plan);
	free(net->ran_routes);
	free(net->ran_ue);
	free(net->ran_cell);
	free(net->ran_of);
	free(net->ran_ifindex);
	topo_routes_free(&net->routes);
	free(net->ifindex);
	free(net->relayed);
	free(net->nodes);
	topo_model_free(net->m);
	free(net);
}

/*
 * The radio access network's interfaces: with radio:, one per radio UE and one per eNB,
 * numbered in each node after its links (so the links' indexes do not depend on radio:).
 */
static int plan_ran(struct topo_net *net)
{
	const struct topo_model *m = net->m;
	unsigned n_ue = 0, n_enb = 0;

	for (unsigned i = 0; m->has_radio && i < m->n_nodes; i++) {
		n_ue += m->nodes[i].kind == TOPO_UE;
		n_enb += m->nodes[i].kind == TOPO_ENB;
	}
	if (!n_ue || !n_enb)
		return 0;
	net->ran_ue = calloc(n_ue, sizeof(*net->ran_ue));
	net->ran_cell = calloc(n_enb, sizeof(*net->ran_cell));
	net->ran_of = calloc(m->n_nodes, sizeof(*net->ran_of));
	net->ran_ifindex = calloc(m->n_nodes, sizeof(*net->ran_ifindex));
	if (!net->ran_ue || !net->ran_cell || !net->ran_of || !net->ran_ifindex)
		return -ENOMEM;
	for (unsigned i = 0; i < m->n_nodes; i++) {
		enum topo_kind k = m->nodes[i].kind;

		net->ran_of[i] = -1;
		if (k == TOPO_UE) {
			net->ran_of[i] = (int)net->n_ran_ues;
			net->ran_ue[net->n_ran_ues++] = i;
		} else if (k == TOPO_ENB) {
			net->ran_of[i] = (int)net->n_ran_cells;
			net->ran_cell[net->n_ran_cells++] = i;
		}
		if (net->ran_of[i] >= 0)
			net->ran_ifindex[i] = net->nodes[i].next_index++;
	}
	return 0;
}

bool topo_net_has_ran(const struct topo_net *net)
{
	return net->n_ran_ues && net->n_ran_cells;
}

/* Planning shared by prepare (new run) and load (existing run, same slot). */
static int run_plan(struct topo_net *net, struct topo_err *err)
{
	const struct topo_model *m = net->m;
	int r;

	r = topo_plan_addresses(net->m, net->slot, err);
	if (r < 0)
		return r;
	r = topo_plan_routes(m, net->slot, &net->routes);
	if (r == -E2BIG)
		return topo_err_set(err, r,
				    "%s: planning routes: the network needs more than %d routes "
				    "in its nodes (a long chain of routers needs one per node and "
				    "link); fewer routers in a row, or a flatter topology",
				    m->file, TOPO_ROUTES_MAX);
	if (r < 0)
		return topo_err_set(err, r, "%s: planning routes: %s", m->file, strerror(-r));
	net->nodes = calloc(m->n_nodes ? m->n_nodes : 1, sizeof(*net->nodes));
	net->ifindex = calloc(2 * (size_t)m->n_links + 1, sizeof(*net->ifindex));
	net->relayed = calloc((size_t)m->n_links + 1, sizeof(*net->relayed));
	net->relay_ns_fd = -1;
	if (!net->nodes || !net->ifindex || !net->relayed)
		return topo_err_set(err, -ENOMEM, "out of memory");
	for (unsigned i = 0; i < m->n_nodes; i++) {
		struct topo_node_rt *n = &net->nodes[i];

		topo_ns_name(n->ns, sizeof(n->ns), net->name, m->nodes[i].name);
		n->ns_fd = -1;
		n->next_index = 2;
		n->forwards = topo_kind_forwards(m->nodes[i].kind);
	}
	/* Interfaces get fixed indexes (lo is 1), so no request ever has to look one up. */
	for (unsigned l = 0; l < m->n_links; l++)
		for (unsigned e = 0; e < 2; e++)
			net->ifindex[2 * l + e] = net->nodes[m->links[l].end[e].node].next_index++;
	if (plan_ran(net) < 0)
		return topo_err_set(err, -ENOMEM, "out of memory");
	return 0;
}

/* A run of model m named name, nothing open yet; m is the caller's until this succeeds. */
static struct topo_net *run_new(struct topo_model *m, const char *name)
{
	struct topo_net *net = calloc(1, sizeof(*net));

	if (!net)
		return NULL;
	net->m = m;
	net->ledger_fd = -1;
	snprintf(net->name, sizeof(net->name), "%s", name);
	snprintf(net->dir, sizeof(net->dir), TOPO_RUN_ROOT "/%s", name);
	return net;
}

int topo_net_prepare(struct topo_model *m, const char *name, struct topo_net **ret,
		     struct topo_err *err)
{
	struct topo_net *net;
	int lock = -1, r;

	if (!name)
		name = m->name;
	if (!topo_net_name_valid(name)) {
		r = topo_err_set(err, -EINVAL,
				 "run name '%s' is not valid: use 1 to %d of a-z, 0-9 and '-', not "
				 "starting with '-'",
				 name, TOPO_RUN_MAX);
		topo_model_free(m);
		return r;
	}
	net = run_new(m, name);
	if (!net) {
		topo_model_free(m);
		return topo_err_set(err, -ENOMEM, "out of memory");
	}

	lock = topo_nets_lock();
	if (lock < 0) {
		r = topo_err_set(err, lock, "cannot lock %s: %s", TOPO_RUN_ROOT, strerror(-lock));
		goto err_free;
	}
	r = free_slot(&net->slot);
	if (r < 0) {
		topo_err_set(err, r, "all %d address slots are taken by other runs (edgemu clean?)",
			     TOPO_SLOTS);
		goto err_unlock;
	}
	r = run_plan(net, err);
	if (r < 0)
		goto err_unlock;
	if (mkdir(net->dir, 0755) < 0) {
		r = -errno;
		if (r == -EEXIST)
			topo_err_set(
			    err, r,
			    "a run named '%s' exists already: choose another with --name, or "
			    "remove it with 'edgemu down %s'",
			    name, name);
		else
			topo_err_set(err, r, "cannot create %s: %s", net->dir, strerror(-r));
		goto err_unlock;
	}
	r = write_meta(net, "building", true);
	if (r == 0)
		r = copy_scenario(net);
	if (r == 0)
		r = write_hosts(net);
	if (r < 0) {
		topo_err_set(err, r, "cannot write the run folder %s: %s", net->dir, strerror(-r));
		remove_dir_files(net->dir);
		goto err_unlock;
	}
	close(lock);
	*ret = net;
	return 0;

err_unlock:
	close(lock);
err_free:
	run_free_plan(net);
	return r;
}

int topo_net_load(const char *name, struct topo_net **ret, struct topo_err *err)
{
	char path[PATH_MAX], *meta, *text, val[PATH_MAX + 64];
	struct topo_model *m;
	struct topo_net *net;
	size_t len;
	int r;

	if (!topo_net_name_valid(name))
		return topo_err_set(err, -EINVAL, "'%s' is not a run name", name);
	snprintf(path, sizeof(path), TOPO_RUN_ROOT "/%s/meta", name);
	r = read_file(path, &meta, NULL);
	if (r < 0)
		return topo_err_set(err, r, "no run named '%s' (see 'edgemu show' for the runs)",
				    name);
	snprintf(path, sizeof(path), TOPO_RUN_ROOT "/%s/scenario.yaml", name);
	r = read_file(path, &text, &len);
	if (r < 0) {
		free(meta);
		return topo_err_set(err, r, "run '%s' has no scenario copy: %s", name,
				    strerror(-r));
	}
	if (meta_get(meta, "scenario", val, sizeof(val)) < 0)
		snprintf(val, sizeof(val), "%s", path);
	r = topo_parse_string(text, len, val, &m, err);
	free(text);
	if (r < 0) {
		free(meta);
		return r;
	}
	net = run_new(m, name);
	if (!net) {
		free(meta);
		topo_model_free(m);
		return topo_err_set(err, -ENOMEM, "out of memory");
	}
	net->slot = meta_get(meta, "slot", val, sizeof(val)) == 0 ? (unsigned)atoi(val) : 0;
	net->backend = TOPO_SHAPER_AUTO;
	if (meta_get(meta, "shaper", val, sizeof(val)) == 0)
		net->backend = !strcmp(val, "netem")   ? TOPO_SHAPER_NETEM
			       : !strcmp(val, "relay") ? TOPO_SHAPER_RELAY
						       : TOPO_SHAPER_AUTO;
	meta_get(meta, "shaper_why", net->backend_why, sizeof(net->backend_why));
	free(meta);
	r = run_plan(net, err);
	if (r < 0) {
		run_free_plan(net);
		return r;
	}
	topo_net_mark_relayed(net);
	*ret = net;
	return 0;
}

static void close_kernel(struct topo_net *net)
{
	if (!net)
		return;
	if (net->relay_conn)
		emu_relay_conn_close(net->relay_conn);
	net->relay_conn = NULL;
	for (unsigned i = 0; net->nodes && i < net->m->n_nodes; i++) {
		emu_nl_close(net->nodes[i].nl);
		net->nodes[i].nl = NULL;
		if (net->nodes[i].ns_fd >= 0)
			close(net->nodes[i].ns_fd);
		net->nodes[i].ns_fd = -1;
	}
	emu_nl_close(net->root);
	net->root = NULL;
	if (net->relay_ns_fd >= 0)
		close(net->relay_ns_fd);
	net->relay_ns_fd = -1;
	if (net->ledger_fd >= 0)
		close(net->ledger_fd);
	net->ledger_fd = -1;
}

void topo_net_free(struct topo_net *net)
{
	if (!net)
		return;
	close_kernel(net);
	run_free_plan(net);
}

int topo_nets_list(char ***ret, size_t *ret_n)
{
	DIR *d = opendir(TOPO_RUN_ROOT);
	struct dirent *e;
	char **v = NULL;
	size_t n = 0;

	if (!d) {
		*ret = NULL;
		*ret_n = 0;
		return errno == ENOENT ? 0 : -errno;
	}
	while ((e = readdir(d))) {
		char **nv;

		if (e->d_name[0] == '.' || !topo_net_name_valid(e->d_name))
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv || !(nv[n] = strdup(e->d_name))) {
			v = nv ? nv : v;
			topo_nets_free(v, n);
			closedir(d);
			return -ENOMEM;
		}
		v = nv;
		n++;
	}
	closedir(d);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			char *t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	*ret = v;
	*ret_n = n;
	return 0;
}

void topo_nets_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

const char *topo_life_name(enum topo_life life)
{
	switch (life) {
	case TOPO_LIFE_LIVE:
		return "live";
	case TOPO_LIFE_IDLE:
		return "idle";
	case TOPO_LIFE_LEFTOVER:
		break;
	}
	return "leftover";
}

int topo_net_owner_get(const char *name, struct topo_owner *ret)
{
	char path[PATH_MAX], *meta, val[32];
	unsigned long long start, now;
	struct topo_owner o = {.life = TOPO_LIFE_LEFTOVER, .verified = true};
	bool legacy;
	int r;

	snprintf(path, sizeof(path), TOPO_RUN_ROOT "/%s/meta", name);
	r = read_file(path, &meta, NULL);
	if (r == -ENOENT) {
		snprintf(path, sizeof(path), TOPO_RUN_ROOT "/%s", name);
		if (access(path, F_OK) < 0)
			return -ENOENT;
		/* A folder without meta: its maker died before writing it. */
		*ret = o;
		return 0;
	}
	if (r < 0)
		return r;
	meta_get(meta, "state", o.state, sizeof(o.state));
	meta_get(meta, "owner", o.cmd, sizeof(o.cmd));
	if (meta_get(meta, "pid", val, sizeof(val)) == 0)
		o.pid = atol(val);
	/* Written by an edgemu that did not record the start time: the pid cannot be checked. */
	legacy = meta_get(meta, "pid_start", val, sizeof(val)) < 0;
	start = legacy ? 0 : strtoull(val, NULL, 10);
	free(meta);

	if (o.pid <= 0) {
		o.life = TOPO_LIFE_IDLE; /* handed over to the user by `up` */
	} else if (legacy) {
		/* Either `up` (gone once done) or `run`: a live pid is taken for the owner. */
		o.verified = false;
		if (kill((pid_t)o.pid, 0) == 0 || errno != ESRCH)
			o.life = TOPO_LIFE_LIVE;
		else if (!strcmp(o.state, "up"))
			o.life = TOPO_LIFE_IDLE;
	} else if (proc_start_time(o.pid, &now) == 0 && now == start) {
		o.life = TOPO_LIFE_LIVE;
		proc_command(o.pid, o.cmd, sizeof(o.cmd));
	}
	*ret = o;
	return 0;
}

void topo_owner_describe(const struct topo_owner *o, char *buf, size_t len)
{
	const char *cmd = o->cmd[0] ? o->cmd : "owner unknown";
	bool building = !strcmp(o->state, "building");

	switch (o->life) {
	case TOPO_LIFE_LIVE:
		snprintf(buf, len, "%s, pid %ld%s%s", cmd, o->pid, building ? ", building" : "",
			 o->verified ? "" : ", not verified: an older edgemu's meta");
		break;
	case TOPO_LIFE_IDLE:
		snprintf(buf, len, "%s", o->cmd[0] ? o->cmd : "edgemu up");
		break;
	case TOPO_LIFE_LEFTOVER:
		if (o->pid > 0)
			snprintf(buf, len, "%s, pid %ld, died %s", cmd, o->pid,
				 building ? "while building" : "before removing it");
		else
			snprintf(buf, len, "no owner recorded");
		break;
	}
}

long topo_net_owner(const char *name)
{
	struct topo_owner o;

	if (topo_net_owner_get(name, &o) < 0 || o.life != TOPO_LIFE_LIVE)
		return 0;
	return o.pid;
}

struct ledger_entry {
	char kind[16];
	char arg[PATH_MAX];
};

static int ledger_read(const char *dir, struct ledger_entry **ret, size_t *ret_n)
{
	char path[PATH_MAX + 16], *text, *line, *save = NULL;
	struct ledger_entry *v = NULL;
	size_t n = 0;
	int r;

	snprintf(path, sizeof(path), "%s/ledger", dir);
	r = read_file(path, &text, NULL);
	if (r == -ENOENT) {
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	if (r < 0)
		return r;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct ledger_entry *nv = realloc(v, (n + 1) * sizeof(*v));
		char *sp = strchr(line, ' ');

		if (!nv) {
			free(v);
			free(text);
			return -ENOMEM;
		}
		v = nv;
		if (!sp)
			continue; /* a line cut short by a kill: nothing was created for it */
		snprintf(v[n].kind, sizeof(v[n].kind), "%.*s", (int)(sp - line), line);
		snprintf(v[n].arg, sizeof(v[n].arg), "%s", sp + 1);
		n++;
	}
	free(text);
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Remove /etc/netns/<ns> if it is our link into the run's folder; never anything else. */
static void remove_etc(const char *ns, const char *dir)
{
	char path[PATH_MAX + 16], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), TOPO_ETC_NETNS "/%s", ns);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return;
	target[n] = '\0';
	if (!strncmp(target, dir, strlen(dir)))
		unlink(path);
}

/*
 * A run's pinned BPF objects: a folder under /sys/fs/bpf/edgemu of the run's. Unpinning is
 * unlinking; programs go when the namespaces holding their tc filters go.
 */
static void remove_pins(const char *pin_dir)
{
	DIR *d;
	struct dirent *e;

	if (strncmp(pin_dir, TOPO_BPF_ROOT "/", strlen(TOPO_BPF_ROOT) + 1))
		return;
	d = opendir(pin_dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[PATH_MAX + 256];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(pin_dir);
}

/* --- who holds a run's namespaces --- */

struct holder {
	long pid;
	uint64_t ino; /* the namespace it holds */
	const char *how;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool in_set(const uint64_t *sorted, size_t n, uint64_t ino)
{
	return ino && bsearch(&ino, sorted, n, sizeof(*sorted), cmp_u64);
}

/* The namespace inode of "net:[4026532239]", as mountinfo names an nsfs mount's root; else 0. */
static uint64_t net_ino(const char *s)
{
	return strncmp(s, "net:[", 5) ? 0 : strtoull(s + 5, NULL, 10);
}

/*
 * An open fd of process pid on one of the namespaces. The link's text does not tell (an fd
 * opened through /run/netns/X reads as that path): the file it leads to does, on nsfs.
 */
static uint64_t holds_fd(long pid, dev_t nsfs, const uint64_t *sorted, size_t n)
{
	char path[64];
	struct dirent *e;
	uint64_t found = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
	d = opendir(path);
	while (d && !found && (e = readdir(d))) {
		char fd_path[PATH_MAX];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(fd_path, sizeof(fd_path), "%s/%s", path, e->d_name);
		if (stat(fd_path, &st) == 0 && st.st_dev == nsfs && in_set(sorted, n, st.st_ino))
			found = st.st_ino;
	}
	if (d)
		closedir(d);
	return found;
}

/*
 * A mount of one of the namespaces in the mount namespace of process pid ("self" for ours),
 * other than its name under /run/netns: unlinking a name detaches its mounts in every mount
 * namespace, but a bind mount elsewhere (`mount --bind /run/netns/X /somewhere`) stays. The
 * mount point goes to where (when given).
 */
static uint64_t holds_mount(const char *pid, const uint64_t *sorted, size_t n, char *where,
			    size_t len)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	uint64_t found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/mountinfo", pid);
	f = fopen(path, "re");
	while (f && !found && getline(&line, &cap, f) > 0) {
		/* id parent major:minor root mount-point ...: an nsfs mount's root is net:[inode].
		 */
		char *root = line, *point, *end;

		for (int field = 0; root && field < 3; field++) {
			root = strchr(root, ' ');
			root = root ? root + 1 : NULL;
		}
		point = root ? strchr(root, ' ') : NULL;
		if (!point || !strstr(line, " - nsfs ") || !in_set(sorted, n, net_ino(root)))
			continue;
		point++;
		end = strchrnul(point, ' ');
		if (!strncmp(point, EMU_NETNS_DIR "/", strlen(EMU_NETNS_DIR) + 1))
			continue;
		found = net_ino(root);
		if (where)
			snprintf(where, len, "%.*s", (int)(end - point), point);
	}
	free(line);
	if (f)
		fclose(f);
	return found;
}

/*
 * Processes other than this one that keep one of the namespaces sorted[0..n) alive: by being
 * in it, by an open fd on it, or by a bind mount of it in their mount namespace (which dies
 * with its last process). Our own mount namespace is holders_own_mount()'s. Fills h (at most
 * max); returns how many there are.
 */
static size_t find_holders(const uint64_t *sorted, size_t n, struct holder *h, size_t max)
{
	uint64_t *mnt_seen = NULL, *mnt_held = NULL;
	size_t n_seen = 0, n_held = 0, found = 0;
	long self = (long)getpid();
	struct stat ns, own_mnt;
	struct dirent *e;
	DIR *d;

	if (!n || stat("/proc/self/ns/net", &ns) < 0 || stat("/proc/self/ns/mnt", &own_mnt) < 0)
		return 0;
	d = opendir("/proc");
	while (d && (e = readdir(d))) {
		char path[64];
		struct stat st;
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		uint64_t ino = 0;
		const char *how = NULL;

		if (*end || pid <= 0 || pid == self)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
		if (stat(path, &st) == 0 && in_set(sorted, n, st.st_ino)) {
			ino = st.st_ino;
			how = "is inside it";
		}
		if (!how && (ino = holds_fd(pid, ns.st_dev, sorted, n)))
			how = "has it open";
		snprintf(path, sizeof(path), "/proc/%ld/ns/mnt", pid);
		if (!how && stat(path, &st) == 0 && st.st_ino != own_mnt.st_ino) {
			bool seen = false;

			for (size_t i = 0; i < n_held && !how; i++)
				if (mnt_held[2 * i] == st.st_ino) {
					ino = mnt_held[2 * i + 1];
					how = "has it mounted";
				}
			for (size_t i = 0; i < n_seen && !seen; i++)
				seen = mnt_seen[i] == st.st_ino;
			if (!how && !seen) {
				uint64_t *v = realloc(mnt_seen, (n_seen + 1) * sizeof(*v));

				if (v) {
					mnt_seen = v;
					mnt_seen[n_seen++] = st.st_ino;
				}
				ino = holds_mount(e->d_name, sorted, n, NULL, 0);
				v = ino ? realloc(mnt_held, (n_held + 1) * 2 * sizeof(*v)) : NULL;
				if (v) {
					mnt_held = v;
					mnt_held[2 * n_held] = st.st_ino;
					mnt_held[2 * n_held++ + 1] = ino;
				}
				if (ino)
					how = "has it mounted";
			}
		}
		if (!how)
			continue;
		if (found < max)
			h[found] = (struct holder){.pid = pid, .ino = ino, .how = how};
		found++;
	}
	if (d)
		closedir(d);
	free(mnt_seen);
	free(mnt_held);
	return found;
}

/* Process pid's command line, spaces between arguments, cut to fit. */
static void proc_cmdline(long pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, len - 1);
		close(fd);
	}
	if (n <= 0) {
		snprintf(buf, len, "?");
		return;
	}
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	buf[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0' || buf[i] == '\n')
			buf[i] = ' ';
}

/* Send sig to each holder and wait (up to timeout_ms) until they have exited. */
static void signal_holders(const struct holder *h, size_t n, int sig, int timeout_ms)
{
	struct pollfd p[HOLDERS_MAX];
	size_t np = 0, left;

	for (size_t i = 0; i < n && i < HOLDERS_MAX; i++) {
		int fd = (int)syscall(SYS_pidfd_open, (pid_t)h[i].pid, 0);

		kill((pid_t)h[i].pid, sig);
		if (fd >= 0)
			p[np++] = (struct pollfd){.fd = fd, .events = POLLIN};
	}
	/* A pidfd turns readable when its process exits (a zombie holds nothing). */
	for (left = np; left > 0;) {
		int r = poll(p, np, timeout_ms);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		for (size_t i = 0; i < np; i++) {
			if (p[i].fd >= 0 && p[i].revents) {
				close(p[i].fd);
				p[i].fd = -1;
				left--;
			}
		}
	}
	for (size_t i = 0; i < np; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
}

/* `down --kill`: stop the holders, SIGTERM first, then SIGKILL for those that stay. */
static void stop_holders(const uint64_t *sorted, size_t n)
{
	struct holder h[HOLDERS_MAX];
	size_t nh;

	/* Rounds, as the list is capped; each round stops some. */
	for (int round = 0; round < 8; round++) {
		nh = find_holders(sorted, n, h, HOLDERS_MAX);
		if (!nh)
			return;
		signal_holders(h, nh, round ? SIGKILL : SIGTERM,
			       round ? HOLDER_KILL_MS : HOLDER_TERM_MS);
	}
}

/* "pid 1234 (iperf3 -s) has em-lab-h1 open, ..." into err, for what holds the run. */
static void describe_holders(const struct holder *h, size_t n, size_t total, const uint64_t *inodes,
			     char *const *names, size_t nns, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && i < 3 && used < len; i++) {
		const char *ns = "a namespace of the run";
		char cmd[80];

		for (size_t k = 0; k < nns; k++)
			if (inodes[k] == h[i].ino && names[k])
				ns = names[k];
		proc_cmdline(h[i].pid, cmd, sizeof(cmd));
		used += (size_t)snprintf(buf + used, len - used, "%sprocess %ld (%s) %s",
					 i ? "; " : "", h[i].pid, cmd, h[i].how);
		if (used < len && strcmp(h[i].how, "is inside it"))
			used += (size_t)snprintf(buf + used, len - used, " (%s)", ns);
		else if (used < len)
			used += (size_t)snprintf(buf + used, len - used, " (in %s)", ns);
	}
	if (total > 3 && used < len)
		snprintf(buf + used, len - used, "; and %zu more", total - 3);
}

/*
 * Teardown keeps a descriptor on each namespace until all names are gone, so that the
 * kernel dismantles them in one batch. Room for them, as the build makes (the soft limit
 * raised up to the hard one); false when there is not: then each is closed as soon as it
 * is known (the kernel then takes several batches, which is slower, not wrong).
 */
static bool fd_room(size_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return false;
	if (rl.rlim_cur < want && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0 && getrlimit(RLIMIT_NOFILE, &rl) < 0)
			return false;
	}
	return rl.rlim_cur >= want;
}

/* Inodes of namespaces a teardown found held after their names were removed (file held). */
static size_t held_read(const char *dir, uint64_t *ret, size_t max)
{
	char path[PATH_MAX + 16];
	unsigned long long ino;
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/held", dir);
	f = fopen(path, "re");
	while (f && n < max && fscanf(f, "%llu", &ino) == 1)
		ret[n++] = ino;
	if (f)
		fclose(f);
	return n;
}

static size_t held_count(const char *dir)
{
	uint64_t v[HOLDERS_MAX * 64];

	return held_read(dir, v, sizeof(v) / sizeof(v[0]));
}

/* What check_holders() needs of a teardown under way. */
struct teardown {
	const char *name, *dir;
	const uint64_t *sorted, *inodes; /* the run's namespaces: sorted, ledger order */
	char *const *names;		 /* name of inodes[i], NULL if unknown */
	size_t n;
};

/*
 * Processes outside the run that hold its namespaces: stopped with TOPO_REMOVE_KILL; else
 * (or if they stay) named in err with -EBUSY, and their namespaces written to the run's file
 * held, so that a later teardown looks for them again. A bind mount in our own mount
 * namespace has no process to stop: err says where it is.
 */
static int check_holders(const struct teardown *t, unsigned flags, struct topo_err *err)
{
	struct holder h[HOLDERS_MAX];
	char who[600], where[256], path[PATH_MAX + 16];
	size_t nh;
	uint64_t ino;
	FILE *f;

	if (flags & TOPO_REMOVE_KILL)
		stop_holders(t->sorted, t->n);
	nh = find_holders(t->sorted, t->n, h, HOLDERS_MAX);
	ino = holds_mount("self", t->sorted, t->n, where, sizeof(where));
	if (!nh && !ino)
		return 0;
	snprintf(path, sizeof(path), "%s/held", t->dir);
	f = fopen(path, "we");
	for (size_t i = 0; f && i < nh; i++)
		fprintf(f, "%llu\n", (unsigned long long)h[i].ino);
	if (f && ino)
		fprintf(f, "%llu\n", (unsigned long long)ino);
	if (f)
		fclose(f);
	if (ino)
		return topo_err_set(
		    err, -EBUSY,
		    "run '%s' not removed: one of its namespaces is also mounted at "
		    "%s, which keeps it alive: umount %s, then edgemu down %s",
		    t->name, where, where, t->name);
	describe_holders(h, nh, nh, t->inodes, t->names, t->n, who, sizeof(who));
	return topo_err_set(err, -EBUSY,
			    "run '%s' not removed: %s, from outside the run; stop %s, or remove "
			    "the run with %s: edgemu down --kill %s",
			    t->name, who, nh > 1 ? "them" : "it", nh > 1 ? "them" : "it", t->name);
}

/*
 * check_holders() on the namespaces of t not yet released (ids[i] != -1). A released
 * namespace's inode number is free for the next namespace made on the machine, maybe
 * another run's: looking for its number would take that run's processes for holders (and
 * `down --kill` would stop them).
 */
static int check_unreleased(const struct teardown *t, const int32_t *ids, unsigned flags,
			    struct topo_err *err)
{
	uint64_t *inodes = calloc(t->n + 1, sizeof(*inodes));
	uint64_t *sorted = calloc(t->n + 1, sizeof(*sorted));
	char **names = calloc(t->n + 1, sizeof(*names));
	struct teardown alive = *t;
	size_t n = 0;
	int r;

	if (!inodes || !sorted || !names) {
		r = topo_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < t->n; i++) {
		if (ids[i] == -1)
			continue;
		inodes[n] = t->inodes[i];
		names[n++] = t->names[i];
	}
	memcpy(sorted, inodes, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_u64);
	alive.inodes = inodes;
	alive.sorted = sorted;
	alive.names = names;
	alive.n = n;
	r = n ? check_holders(&alive, flags, err) : 0;
out:
	free(inodes);
	free(sorted);
	free(names);
	return r;
}

int topo_net_teardown(const char *name, struct topo_net *net, struct topo_err *err)
{
	return topo_net_remove(name, net, 0, err);
}

/*
 * Learn each namespace's identity and id first: the processes inside are found by the
 * inode, the kernel's release is announced by the id. The fds stay open (with keep_fds)
 * until every name is gone, then go together: the kernel dismantles namespaces in batches,
 * each waiting for RCU grace periods, and a run's namespaces then make one batch. The
 * number of namespaces found, each with its inode, name, id (-1 if none) and fd (-1).
 */
static size_t learn_netns(struct emu_nl *req, struct ledger_entry *le, size_t n, bool keep_fds,
			  uint64_t *inodes, char **names, int32_t *ids, int *fds)
{
	size_t nns = 0;

	for (size_t i = n; i-- > 0;) {
		char path[PATH_MAX + 16];
		struct stat st;
		int fd;

		if (strcmp(le[i].kind, "netns"))
			continue;
		fd = emu_netns_open(le[i].arg);
		ids[nns] = -1;
		fds[nns] = -1;
		names[nns] = le[i].arg;
		if (fd >= 0) {
			if (emu_netns_inode(fd, &inodes[nns]) == 0 &&
			    emu_nsid_get(req, fd, &ids[nns]) < 0)
				ids[nns] = -1;
			if (keep_fds)
				fds[nns] = fd;
			else
				close(fd);
		} else {
			/* Not open (no descriptor left): the name's mount tells the inode. */
			snprintf(path, sizeof(path), EMU_NETNS_DIR "/%s", le[i].arg);
			if (fd == -ENOENT || stat(path, &st) < 0)
				continue;
			inodes[nns] = st.st_ino;
		}
		nns++;
	}
	return nns;
}

/*
 * Reverse order of creation. Links die with their namespaces, all at once. The first
 * namespace that cannot be deleted is said in err (if nothing is there yet).
 */
static void remove_in_reverse(const struct ledger_entry *le, size_t n, const char *dir,
			      struct topo_err *err)
{
	for (size_t i = n; i-- > 0;) {
		if (!strcmp(le[i].kind, "netns")) {
			int r = emu_netns_delete(le[i].arg);

			if (r < 0 && r != -ENOENT && !err->msg[0])
				topo_err_set(err, r, "cannot delete namespace %s: %s", le[i].arg,
					     strerror(-r));
		} else if (!strcmp(le[i].kind, "etc")) {
			remove_etc(le[i].arg, dir);
		} else if (!strcmp(le[i].kind, "bpf")) {
			remove_pins(le[i].arg);
		}
	}
}

int topo_net_remove(const char *name, struct topo_net *net, unsigned flags, struct topo_err *err)
{
	struct emu_nl *req = NULL, *listen = NULL;
	struct ledger_entry *le = NULL;
	struct teardown ctx;
	char dir[PATH_MAX];
	uint64_t *inodes = NULL, *sorted = NULL;
	char **names = NULL;
	int32_t *ids = NULL;
	int *fds = NULL;
	size_t n = 0, nns = 0, n_netns = 0, n_held;
	bool keep_fds;
	int r, left;

	err->msg[0] = '\0';
	close_kernel(net);
	snprintf(dir, sizeof(dir), TOPO_RUN_ROOT "/%s", name);
	if (access(dir, F_OK) < 0)
		return topo_err_set(err, -ENOENT, "no run named '%s'", name);
	r = ledger_read(dir, &le, &n);
	if (r < 0)
		return topo_err_set(err, r, "cannot read the ledger of run '%s': %s", name,
				    strerror(-r));
	n_held = held_count(dir);
	for (size_t i = 0; i < n; i++)
		n_netns += !strcmp(le[i].kind, "netns");
	keep_fds = fd_room(n_netns + 64);
	inodes = calloc(n_netns + n_held + 1, sizeof(*inodes));
	sorted = calloc(n_netns + n_held + 1, sizeof(*sorted));
	names = calloc(n_netns + n_held + 1, sizeof(*names));
	ids = calloc(n_netns + n_held + 1, sizeof(*ids));
	fds = calloc(n_netns + n_held + 1, sizeof(*fds));
	if (!inodes || !sorted || !names || !ids || !fds) {
		r = topo_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	r = emu_nl_open(&req);
	if (r == 0)
		r = emu_nl_open(&listen);
	if (r == 0)
		emu_nl_set_rcvbuf(listen, 8 << 20);
	if (r < 0) {
		topo_err_set(err, r, "cannot open a netlink socket: %s", strerror(-r));
		goto out;
	}

	nns = learn_netns(req, le, n, keep_fds, inodes, names, ids, fds);
	nns += held_read(dir, inodes + nns, n_held);
	memcpy(sorted, inodes, nns * sizeof(*sorted));
	qsort(sorted, nns, sizeof(*sorted), cmp_u64);
	ctx = (struct teardown){
	    .name = name, .dir = dir, .sorted = sorted, .inodes = inodes, .names = names, .n = nns};
	if (nns)
		emu_netns_kill_pids(inodes, nns, RELEASE_TIMEOUT_MS);

	/* An earlier teardown found some held: they are looked for first. */
	if (n_held && (r = check_holders(&ctx, flags, err)) < 0)
		goto out;

	/* Joined only now: the ids just given out are announced too, and are no news. */
	r = emu_nl_join(listen, RTNLGRP_NSID);
	if (r < 0) {
		topo_err_set(err, r, "cannot listen to namespace ids: %s", strerror(-r));
		goto out;
	}

	remove_in_reverse(le, n, dir, err);
	emu_netns_release_together(fds, nns);

	/*
	 * A namespace not released soon may be held by a process outside the run (an fd, a
	 * bind mount elsewhere): looked for only then, as a scan of every process costs more
	 * than a whole teardown. With --kill they are stopped and the wait goes on; else they
	 * are named and the folder stays, with what is held, for `down --kill`.
	 */
	left = emu_nsid_wait(listen, ids, nns, HOLDER_CHECK_MS);
	if (left > 0 && (r = check_unreleased(&ctx, ids, flags, err)) < 0)
		goto out;
	if (left > 0)
		left = emu_nsid_wait(listen, ids, nns, RELEASE_TIMEOUT_MS);
	if (left == 0)
		left = emu_netns_barrier(req, listen, RELEASE_TIMEOUT_MS);
	if (left != 0 && !err->msg[0]) {
		/* Taken meanwhile? */
		if ((r = check_unreleased(&ctx, ids, 0, err)) < 0)
			goto out;
		topo_err_set(
		    err, -EBUSY,
		    "the kernel has not released %d namespace(s) of run '%s' after %d s, though no "
		    "process holds them (none is inside, has one open or mounted): it is slow to "
		    "dismantle them, and will",
		    left > 0 ? left : 1, name, (HOLDER_CHECK_MS + RELEASE_TIMEOUT_MS) / 1000);
	}
	remove_dir_files(dir);
	r = err->msg[0] ? -EBUSY : 0;
out:
	for (size_t i = 0; fds && i < nns; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	emu_nl_close(req);
	emu_nl_close(listen);
	free(inodes);
	free(sorted);
	free(names);
	free(ids);
	free(fds);
	free(le);
	return r;
}

/* Node i's namespace is still there under its name, and the one this process holds. */
static int ns_check(struct topo_net *net, unsigned i, struct topo_err *err)
{
	const struct topo_node_rt *n = &net->nodes[i];
	char path[PATH_MAX + 16];
	struct stat st;
	uint64_t ino;
	int r = 0;

	snprintf(path, sizeof(path), EMU_NETNS_DIR "/%s", n->ns);
	if (stat(path, &st) < 0)
		r = -errno;
	else if (n->ns_fd >= 0 && emu_netns_inode(n->ns_fd, &ino) == 0 && ino != st.st_ino)
		r = -ESTALE; /* the name now holds another namespace */
	if (r < 0)
		return topo_err_set(err, r,
				    "the network namespace %s of node %s is gone (%s): someone "
				    "deleted it (ip netns del, edgemu down, or an older edgemu's "
				    "clean)",
				    n->ns, net->m->nodes[i].name,
				    r == -ESTALE ? "its name holds another namespace"
						 : strerror(-r));
	return 0;
}

/* How many namespaces a check looks at when EMU_NETNS_DIR has not changed. */
#define CHECK_ROTATION 64
/*
 * A directory's time stamp comes from a coarse clock: one this close to now may be shared
 * by a change made just after it was read, so a later check would not see that change.
 */
#define CHECK_SETTLED_NS 100000000ULL

static uint64_t ts_ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000ULL + (uint64_t)t->tv_nsec;
}

/*
 * Every namespace costs a stat() and an fstat(): 1200 a second for 600 nodes. A namespace
 * is deleted, or its name reused, by removing its name from EMU_NETNS_DIR, which changes the
 * directory's mtime: all of them are checked when it changed since the last check that found
 * it settled, and otherwise only the next CHECK_ROTATION of them in turn (a name whose
 * namespace was unmounted in place, its file left, is still found within a few rounds).
 */
int topo_net_check(struct topo_net *net, struct topo_err *err)
{
	char path[PATH_MAX + 16];
	struct timespec now;
	struct stat st, dir;
	unsigned n = net->m->n_nodes, k;
	bool full, have_dir;
	int r;

	snprintf(path, sizeof(path), "%s/meta", net->dir);
	if (stat(path, &st) < 0)
		return topo_err_set(err, -errno,
				    "the run's folder %s is gone (%s): someone removed the run "
				    "(edgemu down, or an older edgemu's clean)",
				    net->dir, strerror(errno));
	/* Before the directory's stat: a change after it is stamped later than this. */
	clock_gettime(CLOCK_REALTIME, &now);
	have_dir = stat(EMU_NETNS_DIR, &dir) == 0;
	full = !have_dir || !net->check_settled || ts_ns(&dir.st_mtim) != net->check_mtime_ns;
	for (k = 0; k < (full ? n : CHECK_ROTATION) && k < n; k++) {
		unsigned i = full ? k : (net->check_next + k) % n;

		r = ns_check(net, i, err);
		if (r < 0)
			return r;
	}
	if (!full) {
		net->check_next = n ? (net->check_next + k) % n : 0;
		return 0;
	}
	net->check_mtime_ns = have_dir ? ts_ns(&dir.st_mtim) : 0;
	net->check_settled = have_dir && ts_ns(&now) > net->check_mtime_ns + CHECK_SETTLED_NS;
	return 0;
}

/* --- ledger writing, used by the builder --- */

int topo_ledger_write(struct topo_net *net, const char *lines, size_t len)
{
	if (net->ledger_fd < 0) {
		char path[PATH_MAX + 16];

		snprintf(path, sizeof(path), "%s/ledger", net->dir);
		net->ledger_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (net->ledger_fd < 0)
			return -errno;
	}
	while (len) {
		ssize_t n = write(net->ledger_fd, lines, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		lines += n;
		len -= (size_t)n;
	}
	return 0;
}

int topo_ledger_add(struct topo_net *net, const char *kind, const char *arg)
{
	char line[PATH_MAX + 32];
	int n = snprintf(line, sizeof(line), "%s %s\n", kind, arg);

	return topo_ledger_write(net, line, (size_t)n);
}

int topo_net_mark_up(struct topo_net *net)
{
	return write_meta(net, "up", true);
}

int topo_net_keep(struct topo_net *net)
{
	return write_meta(net, "up", false);
}
