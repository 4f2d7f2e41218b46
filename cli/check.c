/* SPDX-License-Identifier: MIT */
/*
 * `edgemu check`: try each kernel feature edgemu uses, for real, in a throwaway namespace of
 * a child process (so nothing can be left behind), and say how to fix what is missing.
 */
#include "cli/cli.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/pkt_sched.h>

#include "emu/emu.h"
#include "migrate/criu.h"

enum feature { F_NETNS, F_VETH, F_NETEM, F_CLSACT, F_BPF, F_CLS_BPF, F_BTF, F_COUNT };

static const struct {
	const char *name;
	bool required;
	const char *fix;
} features[F_COUNT] = {
    [F_NETNS] = {"netns", true,
		 "the kernel needs CONFIG_NET_NS, and edgemu needs root (CAP_SYS_ADMIN)"},
    [F_VETH] = {"veth", true, "load the veth module (modprobe veth) or enable CONFIG_VETH"},
    [F_NETEM] = {"netem", false,
		 "modprobe sch_netem (Debian ships it with the stock kernel); without it "
		 "shaper: auto uses the userspace relay"},
    [F_CLSACT] = {"clsact", false,
		  "modprobe sch_ingress (CONFIG_NET_SCH_INGRESS); needed for eBPF steering"},
    [F_BPF] = {"bpf", false, "the kernel needs CONFIG_BPF_SYSCALL; needed for eBPF steering"},
    [F_CLS_BPF] = {"cls_bpf", false,
		   "modprobe cls_bpf (CONFIG_NET_CLS_BPF); needed for eBPF steering"},
    [F_BTF] = {"btf", false,
	       "the kernel needs CONFIG_DEBUG_INFO_BTF (/sys/kernel/btf/vmlinux); needed "
	       "for eBPF steering"},
};

/* Each probe's result: 0 present, else the -errno it failed with. */
struct results {
	int r[F_COUNT];
};

static int nl_one(struct emu_nl *nl, struct nlmsghdr *nlh)
{
	int r = emu_nl_queue(nl, nlh, 0);

	return r ? r : emu_nl_flush(nl);
}

static int load_prog(void)
{
	/* r0 = TC_ACT_OK (0); exit */
	struct bpf_insn insns[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = 2;
	a.license = (uint64_t)(uintptr_t) "GPL";
	fd = (int)syscall(__NR_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	return fd < 0 ? -errno : fd;
}

static void probe(struct results *ret)
{
	struct tc_netem_qopt q = {.limit = 1000};
	struct emu_nl *nl = NULL;
	int prog;

	for (int i = 0; i < F_COUNT; i++)
		ret->r[i] = -ENOTSUP;
	ret->r[F_BTF] = access("/sys/kernel/btf/vmlinux", R_OK) == 0 ? 0 : -ENOENT;
	prog = load_prog();
	ret->r[F_BPF] = prog < 0 ? prog : 0;
	if (unshare(CLONE_NEWNET) < 0) {
		ret->r[F_NETNS] = -errno;
		return;
	}
	ret->r[F_NETNS] = 0;
	if (emu_nl_open(&nl) < 0)
		return;
	ret->r[F_VETH] =
	    nl_one(nl, emu_msg_veth_add(emu_nl_slot(nl), "emchk0", -1, 10, "emchk1", -1, 11));
	if (ret->r[F_VETH] == 0) {
		int idx = 10;

		ret->r[F_NETEM] = nl_one(nl, emu_msg_qdisc_add(emu_nl_slot(nl), idx, TC_H_ROOT,
							       0x10000, "netem", &q, sizeof(q)));
		ret->r[F_CLSACT] =
		    nl_one(nl, emu_msg_qdisc_add(emu_nl_slot(nl), idx, TC_H_CLSACT,
						 TC_H_MAKE(TC_H_CLSACT, 0), "clsact", NULL, 0));
		if (ret->r[F_CLSACT] == 0 && prog >= 0)
			ret->r[F_CLS_BPF] = nl_one(
			    nl, emu_msg_filter_bpf_add(emu_nl_slot(nl), idx,
						       TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS),
						       prog, "edgemu_check"));
	}
	emu_nl_close(nl);
}

/*
 * CRIU, for the migrations of app: process services: what criu check says for each strategy.
 * Not required (a run without app: process migrations never asks for it): it leaves the exit
 * status alone.
 */
static void criu_section(void)
{
	const struct mig_criu *c = mig_criu_check();

	if (!c->installed) {
		printf("%s: only the migration of app: process services needs it\n",
		       MIG_CRIU_INSTALL);
		return;
	}
	printf("criu %s (%s), for the migration of app: process services:\n",
	       c->version[0] ? c->version : "of unknown version", c->path);
	for (unsigned s = 0; s < TOPO_STRATEGY_N; s++) {
		printf("  %-8s %s", topo_strategy_name((enum topo_strategy)s),
		       c->ok[s] ? "works" : "does not work");
		if (!c->ok[s])
			printf(" (criu: %s); fix: %s", c->reason[s], mig_criu_fix(c));
		printf("\n");
	}
}

int cli_check(int argc, char **argv)
{
	struct results res;
	struct utsname u;
	int pfd[2], status;
	bool ok = true;
	pid_t pid;

	if (cli_wants_help(argc, argv)) {
		fputs("usage: edgemu check\n\n"
		      "Try every kernel feature edgemu uses (namespaces, veth, netem, clsact,\n"
		      "cls_bpf, bpf, BTF) in a throwaway namespace and say what is present, what\n"
		      "is missing and how to fix it; then whether CRIU works here for each\n"
		      "migration strategy (only app: process services need it), in CRIU's own\n"
		      "words when it does not. Exit status 0 when a run can work (CRIU aside:\n"
		      "a run that needs it and cannot have it is refused when it starts).\n",
		      stdout);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "edgemu check: unexpected argument '%s'\n", argv[1]);
		return 2;
	}
	if (pipe(pfd) < 0) {
		perror("edgemu check: pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("edgemu check: fork");
		return 1;
	}
	if (pid == 0) {
		close(pfd[0]);
		probe(&res);
		_exit(write(pfd[1], &res, sizeof(res)) == sizeof(res) ? 0 : 1);
	}
	close(pfd[1]);
	if (read(pfd[0], &res, sizeof(res)) != sizeof(res)) {
		fprintf(stderr, "edgemu check: the probe process failed\n");
		close(pfd[0]);
		waitpid(pid, &status, 0);
		return 1;
	}
	close(pfd[0]);
	waitpid(pid, &status, 0);

	uname(&u);
	printf("kernel %s %s, running as %s\n", u.release, u.machine,
	       geteuid() == 0 ? "root" : "a user without root");
	for (int i = 0; i < F_COUNT; i++) {
		bool have = res.r[i] == 0;

		printf("  %-8s %s", features[i].name, have ? "present" : "missing");
		if (!have)
			printf(" (%s); fix: %s", strerror(-res.r[i]), features[i].fix);
		printf("\n");
		if (!have && features[i].required)
			ok = false;
	}
	if (geteuid() != 0) {
		printf("edgemu needs root to build networks (CAP_SYS_ADMIN, CAP_NET_ADMIN): run "
		       "it with sudo\n");
		ok = false;
	}
	if (res.r[F_NETNS] == 0)
		printf("shaping: shaper auto uses %s\n",
		       res.r[F_NETEM] == 0 ? "netem (the kernel has sch_netem)"
					   : "the relay (userspace; the kernel has no sch_netem)");
	criu_section();
	printf("a run can work: %s\n", ok ? "yes" : "no");
	return ok ? 0 : 1;
}
