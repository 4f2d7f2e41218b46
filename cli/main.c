/* SPDX-License-Identifier: MIT */
/* The edgemu command: check, up, show, exec, down, clean. */
#include "cli/cli.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/emu.h"
#include "migrate/migrate.h"
#include "run/run.h"
#include "topo/net.h"
#include "util/log.h"
#include "util/opt.h"
#include "util/sig.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	stop_flag = sig;
}

bool cli_wants_help(int argc, char **argv)
{
	return util_opt_wants_help(argc, argv);
}

int cli_need_root(const char *what)
{
	if (geteuid() == 0)
		return 0;
	fprintf(stderr,
		"edgemu %s: needs root: it creates network namespaces, links and mounts, which "
		"take CAP_SYS_ADMIN and CAP_NET_ADMIN. Run it as root (sudo edgemu %s ...).\n",
		what, what);
	return 1;
}

/* A teardown cut short by a second Ctrl-C would leave half a run: hold signals meanwhile. */
static void hold_signals(void)
{
	static const int held[] = {SIGINT, SIGTERM, SIGHUP};

	util_sig_block(held, 3, NULL, NULL);
}

static const char usage_up[] =
    "usage: edgemu up FILE [--name RUN] [--detached]\n"
    "\n"
    "Build the network of scenario FILE and keep it; print the run's name.\n"
    "The run is named after the file's `name:` unless --name gives another, so two\n"
    "runs of one file coexist. Ctrl-C or SIGTERM while building removes what was built.\n"
    "Remove the network with `edgemu down RUN`.\n"
    "The scenario's apps: start in their nodes once it is built, all at once (at: and\n"
    "until: aside), and run on until `edgemu down RUN` stops them; their output is "
    "in\n" TOPO_RUN_ROOT "/RUN/apps/.\n"
    "\n"
    "With radio:, each UE (one address for the whole run, on its radio interface) is\n"
    "attached to its strongest cell where it stands at t = 0 (its pos:, or its mobility:\n"
    "at time 0), its radio shaped as the radio model says; UEs do not move (`edgemu run`\n"
    "moves them; `edgemu attach` hands one over by hand).\n"
    "  --detached  leave every UE detached instead: the radio access passes nothing of\n"
    "              it until `edgemu attach` attaches it\n";

static int cmd_up(int argc, char **argv)
{
	const char *file = NULL, *name = NULL;
	bool detached = false;
	struct topo_model *m;
	struct topo_net *net;
	struct topo_err err;
	struct sigaction sa = {.sa_handler = on_signal};
	int r;

	if (cli_wants_help(argc, argv)) {
		fputs(usage_up, stdout);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		const char *v = util_opt_value(argc, argv, &i, "--name");

		if (v) {
			name = v;
		} else if (!strcmp(argv[i], "--detached")) {
			detached = true;
		} else if (argv[i][0] == '-' || file) {
			fprintf(stderr, "edgemu up: unexpected argument '%s'\n%s", argv[i],
				usage_up);
			return 2;
		} else {
			file = argv[i];
		}
	}
	if (!file) {
		fputs(usage_up, stderr);
		return 2;
	}
	/* Validate everything before anything is created, and before asking for root. */
	r = topo_parse_file(file, &m, &err);
	/* An app whose program is missing is refused before anything is built. */
	if (r == 0 && (r = topo_apps_resolve(m, &err)) < 0)
		topo_model_free(m);
	if (r < 0) {
		fprintf(stderr, "edgemu up: %s\n", err.msg);
		return 1;
	}
	if (cli_need_root("up")) {
		topo_model_free(m);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	r = topo_net_prepare(m, name, &net, &err);
	if (r < 0) {
		fprintf(stderr, "edgemu up: %s\n", err.msg);
		return 1;
	}
	r = topo_net_build(net, &stop_flag, &err);
	if (r == 0 && !stop_flag)
		r = mig_services_start(net, &err);
	if (r == 0 && !stop_flag && net->m->has_radio && !detached) {
		fprintf(stderr,
			"edgemu up: run %s built; radio: each UE on its strongest cell where "
			"it stands at t = 0 (UEs do not move; `edgemu run` moves them):\n",
			net->name);
		/* The count attached is not an error: the run is still to be handed over. */
		r = run_radio_attach(net, stderr, &err);
		if (r > 0)
			r = 0;
	}
	/* The apps last, on the network as it will stay: all at once, at and until aside. */
	if (r == 0 && !stop_flag && net->m->n_apps) {
		fprintf(stderr,
			"edgemu up: run %s: apps (at and until aside; `edgemu down` stops "
			"them):\n",
			net->name);
		r = run_apps_detach(net, stderr, &err);
		if (r > 0)
			r = 0;
	}
	/* Done: the run is the user's now, and no longer this process's (idle, not live). */
	if (r == 0 && !stop_flag && (r = topo_net_keep(net)) < 0)
		topo_err_set(&err, r, "writing the run's meta: %s", strerror(-r));
	if (r < 0 || stop_flag) {
		struct topo_err terr;
		char rname[sizeof(net->name)];

		if (stop_flag)
			fprintf(stderr, "edgemu up: %s, removing what was built\n",
				strsignal(stop_flag));
		else
			fprintf(stderr, "edgemu up: %s\n", err.msg);
		hold_signals();
		snprintf(rname, sizeof(rname), "%s", net->name);
		run_apps_stop_detached(rname);
		mig_instances_stop_all(rname);
		if (topo_net_teardown(rname, net, &terr) < 0)
			fprintf(stderr, "edgemu up: while removing run %s: %s\n", rname, terr.msg);
		topo_net_free(net);
		return stop_flag ? 128 + stop_flag : 1;
	}
	/* stdout is the run's name alone, for scripts; the rest is for people. */
	fprintf(stderr, "edgemu up: run %s: %u nodes, %u links; shaping by %s (%s)\n", net->name,
		net->m->n_nodes, net->m->n_links, topo_shaper_name(net->backend), net->backend_why);
	if (net->m->has_radio && detached)
		fprintf(stderr,
			"edgemu up: note: radio: each UE is detached (--detached: the radio access "
			"passes nothing of it); `edgemu attach RUN UE CELL` attaches one\n");
	printf("%s\n", net->name);
	topo_net_free(net);
	return 0;
}

static const char usage_down[] =
    "usage: edgemu down [--kill] RUN...\n"
    "\n"
    "Remove everything run RUN created (processes in its nodes, namespaces, links,\n"
    "/etc/netns entries, its folder under " TOPO_RUN_ROOT "), and wait until the kernel\n"
    "has released it. The scenario's apps `edgemu up` started get SIGTERM first, and\n"
    "SIGKILL 2 s later if still there.\n"
    "A process outside the run that holds one of its namespaces (has it open, or mounted\n"
    "in a mount namespace of its own) keeps it alive: each such process is named (pid,\n"
    "command), and the run's folder stays until it is gone (edgemu down RUN again).\n"
    "  --kill  stop those processes too (SIGTERM, then SIGKILL), then remove the run\n";

static int cmd_down(int argc, char **argv)
{
	struct topo_err err;
	unsigned flags = 0;
	int rc = 0, nruns = 0;

	if (cli_wants_help(argc, argv)) {
		fputs(usage_down, stdout);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--kill"))
			flags |= TOPO_REMOVE_KILL;
		else if (argv[i][0] == '-') {
			fprintf(stderr, "edgemu down: unexpected argument '%s'\n%s", argv[i],
				usage_down);
			return 2;
		} else
			nruns++;
	}
	if (!nruns) {
		fputs(usage_down, stderr);
		return 2;
	}
	if (cli_need_root("down"))
		return 1;
	hold_signals();
	for (int i = 1; i < argc; i++) {
		long owner;

		if (argv[i][0] == '-')
			continue;
		if (!topo_net_name_valid(argv[i])) {
			fprintf(stderr, "edgemu down: '%s' is not a run name\n", argv[i]);
			rc = 1;
			continue;
		}
		owner = topo_net_owner(argv[i]);
		if (owner > 0)
			fprintf(stderr,
				"edgemu down: run %s belongs to process %ld, which is still "
				"running; removing it anyway\n",
				argv[i], owner);
		/* Its apps first, SIGTERM then SIGKILL: the teardown would only SIGKILL them. */
		run_apps_stop_detached(argv[i]);
		mig_instances_stop_all(argv[i]);
		if (topo_net_remove(argv[i], NULL, flags, &err) < 0) {
			fprintf(stderr, "edgemu down: %s\n", err.msg);
			rc = 1;
		}
	}
	return rc;
}

static const char usage_clean[] =
    "usage: edgemu clean [--all]\n"
    "\n"
    "Remove the leftovers of edgemu runs: each run under " TOPO_RUN_ROOT " whose owner\n"
    "died before it finished (a killed `edgemu run` or `edgemu up`) is torn down from its\n"
    "ledger, and /etc/netns entries edgemu made for runs that no longer exist are removed.\n"
    "Live runs (a live process owns them: `edgemu run`, an `up` still building) and idle\n"
    "runs (kept for you by `edgemu up`) are left alone, each named with the reason.\n"
    "`edgemu show` tells which runs are live, idle or leftover.\n"
    "  --all  also remove idle runs (never live ones)\n"
    "Namespaces and files that edgemu did not make are never touched.\n";

/*
 * /etc/netns/em-* links into a run folder that is gone (a reboot empties /run, not /etc).
 * Anything else there is not ours and stays.
 */
static int clean_etc(void)
{
	DIR *d = opendir(TOPO_ETC_NETNS);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char link[PATH_MAX], target[PATH_MAX], *slash;
		ssize_t len;

		if (strncmp(e->d_name, TOPO_NS_PREFIX, strlen(TOPO_NS_PREFIX)))
			continue;
		snprintf(link, sizeof(link), TOPO_ETC_NETNS "/%s", e->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		if (strncmp(target, TOPO_RUN_ROOT "/", strlen(TOPO_RUN_ROOT) + 1))
			continue;
		slash = strrchr(target, '/');
		if (!slash || strcmp(slash, "/etc"))
			continue;
		*slash = '\0';
		if (access(target, F_OK) == 0)
			continue; /* its run still exists: the run's teardown owns it */
		if (unlink(link) == 0) {
			printf("removed %s (left by a run that no longer exists)\n", link);
			n++;
		}
	}
	closedir(d);
	return n;
}

static int cmd_clean(int argc, char **argv)
{
	struct topo_owner *owners = NULL;
	char **names, what[160];
	bool all = false;
	size_t n;
	int rc = 0, removed = 0, lock, r;

	if (cli_wants_help(argc, argv)) {
		fputs(usage_clean, stdout);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--all")) {
			all = true;
			continue;
		}
		fprintf(stderr, "edgemu clean: unexpected argument '%s'\n%s", argv[i], usage_clean);
		return 2;
	}
	if (cli_need_root("clean"))
		return 1;
	hold_signals();
	/* Under the lock no run is half made: a folder without meta is a leftover. */
	lock = topo_nets_lock();
	if (lock < 0) {
		fprintf(stderr, "edgemu clean: cannot lock %s: %s\n", TOPO_RUN_ROOT,
			strerror(-lock));
		return 1;
	}
	r = topo_nets_list(&names, &n);
	if (r == 0 && !(owners = calloc(n + 1, sizeof(*owners)))) {
		topo_nets_free(names, n);
		r = -ENOMEM;
	}
	for (size_t i = 0; r == 0 && i < n; i++)
		if (topo_net_owner_get(names[i], &owners[i]) < 0)
			owners[i].life = TOPO_LIFE_LIVE; /* gone meanwhile: not ours to touch */
	close(lock);
	if (r < 0) {
		fprintf(stderr, "edgemu clean: cannot list %s: %s\n", TOPO_RUN_ROOT, strerror(-r));
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		struct topo_owner *o = &owners[i];
		struct topo_err err;

		topo_owner_describe(o, what, sizeof(what));
		if (o->life == TOPO_LIFE_LIVE) {
			if (o->pid > 0)
				printf("run %s: live (%s), left alone\n", names[i], what);
			continue;
		}
		if (o->life == TOPO_LIFE_IDLE && !all) {
			printf("run %s: idle (%s), left alone: edgemu down %s removes it "
			       "(or edgemu clean --all)\n",
			       names[i], what, names[i]);
			continue;
		}
		run_apps_stop_detached(names[i]);
		mig_instances_stop_all(names[i]);
		if (topo_net_teardown(names[i], NULL, &err) < 0) {
			fprintf(stderr, "edgemu clean: %s\n", err.msg);
			rc = 1;
		} else {
			printf("run %s: removed (%s: %s)\n", names[i], topo_life_name(o->life),
			       what);
			removed++;
		}
	}
	topo_nets_free(names, n);
	free(owners);
	removed += clean_etc();
	if (!removed && !rc)
		printf("nothing to clean\n");
	return rc;
}

static const char usage_exec[] =
    "usage: edgemu exec RUN NODE [--] CMD [ARG...]\n"
    "\n"
    "Run CMD inside node NODE of run RUN, as `ip netns exec` does (the node's /etc/hosts\n"
    "and /sys are mounted for it, so node names resolve). CMD's exit status is edgemu's.\n";

static int cmd_exec(int argc, char **argv)
{
	char path[PATH_MAX];
	struct topo_err err;
	struct stat st;
	int rc, i = 3;

	if (argc < 2 || cli_wants_help(argc, argv)) {
		fputs(usage_exec, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (argc > 3 && !strcmp(argv[3], "--"))
		i = 4;
	if (argc <= i) {
		fputs(usage_exec, stderr);
		return 2;
	}
	if (cli_need_root("exec"))
		return 1;
	if (!topo_net_name_valid(argv[1])) {
		fprintf(stderr, "edgemu exec: '%s' is not a run name\n", argv[1]);
		return 2;
	}
	snprintf(path, sizeof(path), TOPO_RUN_ROOT "/%s", argv[1]);
	if (stat(path, &st) < 0) {
		fprintf(stderr, "edgemu exec: no run named '%s'\n", argv[1]);
		return 1;
	}
	rc = topo_node_enter(argv[1], argv[2], -1, &err);
	if (rc < 0) {
		fprintf(stderr, "edgemu exec: %s\n", err.msg);
		return 1;
	}
	execvp(argv[i], argv + i);
	fprintf(stderr, "edgemu exec: %s: %s\n", argv[i], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

static const char usage[] =
    "usage: edgemu [-v]... COMMAND [ARGS]\n"
    "\n"
    "  -v, --verbose             more messages on stderr: -v libbpf's warnings, -vv all of\n"
    "                            libbpf's messages (repeatable)\n"
    "\n"
    "Commands:\n"
    "  check                     what this machine's kernel offers edgemu, and fixes\n"
    "  up FILE [--name RUN]      build the network of a scenario file and keep it\n"
    "  show [RUN] [--json]       the runs; or a run's nodes, interfaces, addresses, routes\n"
    "  exec RUN NODE -- CMD...   run a command inside a node\n"
    "  shape RUN NODE:IF [...]   read or change a link's shaping while it runs\n"
    "  steer RUN SVC CLIENT NODE steer a client of a service to the instance on NODE\n"
    "  run FILE [--duration T] [--set k=v]...\n"
    "                            run a scenario as an experiment: mobility, handovers,\n"
    "                            migrations; results and a summary\n"
    "  sweep FILE [-o DIR]       run a scenario once per combination of the values its\n"
    "                            sweep: section varies, repeated; compare them (mean,\n"
    "                            95% CI); resumes where it stopped\n"
    "  attach RUN UE CELL        hand a radio UE over to a cell (an eNB), by hand, on a\n"
    "                            network `edgemu up` built (--detach instead of CELL:\n"
    "                            detach it)\n"
    "  migrate RUN SVC CLIENT --to NODE [--strategy S]\n"
    "                            live-migrate a stateful service (cold, precopy, postcopy)\n"
    "  down [--kill] RUN...      remove a run (--kill: and processes that hold it)\n"
    "  clean [--all]             remove the leftovers of killed runs (--all: and idle ones)\n"
    "  trace FILE [--at T]       node positions from an ns-2 movement or CSV trace\n"
    "  report DIR [--png]        the HTML report (charts, summary) of a results folder\n"
    "\n"
    "`edgemu COMMAND --help` tells more. Version " EDGEMU_VERSION " (" EDGEMU_GIT ").\n";

/* Leading -v, -vv, --verbose: one level of messages more each. The count of arguments taken. */
static int verbosity(int argc, char **argv)
{
	int i, level = UTIL_LOG_WARN;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--verbose"))
			level++;
		else if (a[0] == '-' && a[1] == 'v' && strspn(a + 1, "v") == strlen(a + 1))
			level += (int)strlen(a + 1);
		else
			break;
	}
	util_log_set_level((enum util_log_level)level);
	return i - 1;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
	    {"check", cli_check},     {"up", cmd_up},	      {"show", cli_show},
	    {"exec", cmd_exec},	      {"down", cmd_down},     {"clean", cmd_clean},
	    {"shape", cli_shape},     {"steer", cli_steer},   {"trace", cli_trace},
	    {"migrate", cli_migrate}, {"run", cli_run},	      {"report", cli_report},
	    {"sweep", cli_sweep},     {"attach", cli_attach},
	};
	int verbose = verbosity(argc, argv);

	argc -= verbose;
	argv += verbose;
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("edgemu %s (%s)\n", EDGEMU_VERSION, EDGEMU_GIT);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "edgemu: unknown command '%s'\n%s", argv[1], usage);
	return 2;
}
