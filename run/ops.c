/* SPDX-License-Identifier: MIT */
/*
 * The runner's real actions on the world (struct run_ops): the run's network through topo/,
 * its migrations through migrate/. Everything else in run/ decides and books; tests hand the
 * runner their own table and check what it decided without a network or root.
 */
#include "run/run_int.h"

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "emu/emu.h"

static int real_attach(struct runner *r, unsigned ue_node, int link, struct topo_err *err)
{
	return topo_net_ue_attach(r->net, ue_node, link, err);
}

static int real_shape(struct runner *r, unsigned link, const struct emu_shape *s,
		      struct topo_err *err)
{
	int rc = 0;

	for (unsigned d = 0; d < 2 && rc == 0; d++)
		rc = topo_net_shape_set(r->net, link, d, s, err);
	return rc;
}

struct link_counts {
	const int *ifindex; /* per UE: the eNB's end of its radio link */
	unsigned n;
	uint64_t *ret;
};

static int on_stats(const struct nlmsghdr *nlh, void *arg)
{
	const struct if_stats_msg *ifsm = mnl_nlmsg_get_payload(nlh);
	struct link_counts *lc = arg;
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWSTATS)
		return 0;
	for (unsigned i = 0; i < lc->n; i++) {
		if (lc->ifindex[i] != (int)ifsm->ifindex)
			continue;
		mnl_attr_for_each(a, nlh, sizeof(*ifsm))
		{
			struct rtnl_link_stats64 st;

			if (mnl_attr_get_type(a) != IFLA_STATS_LINK_64 ||
			    mnl_attr_get_payload_len(a) < sizeof(st))
				continue;
			/* Unaligned in the message: copied out. */
			memcpy(&st, mnl_attr_get_payload(a), sizeof(st));
			lc->ret[2 * i] = st.tx_bytes;
			lc->ret[2 * i + 1] = st.rx_bytes;
		}
		break;
	}
	return 0;
}

/*
 * The eNB's interface counters of its radio links, which count whatever crossed them with
 * either backend (netem on them, or the relay behind them): one dump of the counters of the
 * eNB's interfaces (RTM_GETSTATS: a link dump costs the kernel several times more).
 */
static int real_radio_bytes(struct runner *r, unsigned cell, uint64_t *ret)
{
	unsigned enb = r->cells[cell];
	struct link_counts lc = {.n = r->n_ues, .ret = ret};
	char buf[EMU_MSG_MAX];
	struct emu_nl *nl;
	int *ifindex, rc;

	rc = topo_net_node_nl(r->net, enb, &nl);
	if (rc < 0)
		return rc;
	ifindex = calloc(r->n_ues ? r->n_ues : 1, sizeof(*ifindex));
	if (!ifindex)
		return -ENOMEM;
	for (unsigned i = 0; i < r->n_ues; i++) {
		int link = topo_ue_radio_link(r->m, r->ues[i].node, enb);

		ifindex[i] = link >= 0 ? r->net->ifindex[2 * link + 1] : 0;
		ret[2 * i] = ret[2 * i + 1] = 0;
	}
	lc.ifindex = ifindex;
	rc = emu_nl_dump(nl, emu_msg_stats64_dump(buf), on_stats, &lc);
	free(ifindex);
	return rc;
}

static int real_job_start(struct runner *r, struct job *j, unsigned svc, unsigned ue_node,
			  unsigned to, const struct mig_opts *o, struct topo_err *err)
{
	int rc = mig_job_start(r->net, svc, ue_node, to, o, &j->job, err);

	if (rc == 0)
		mig_job_fds(j->job, j->fds);
	return rc;
}

static int real_job_step(struct runner *r, struct job *j, uint64_t now_ns)
{
	return mig_job_step(j->job, now_ns);
}

static void real_job_abort(struct runner *r, struct job *j)
{
	mig_job_abort(j->job);
}

static int real_job_finish(struct runner *r, struct job *j, struct mig_report *ret,
			   struct topo_err *err)
{
	int rc = mig_job_finish(j->job, ret, err);

	j->job = NULL;
	return rc;
}

static int real_edge(struct runner *r, unsigned svc, unsigned ue_node, unsigned *ret_node)
{
	return mig_steer_lookup(r->net, svc, ue_node, ret_node);
}

const struct run_ops run_real_ops = {
    .attach = real_attach,
    .shape = real_shape,
    .radio_bytes = real_radio_bytes,
    .job_start = real_job_start,
    .job_step = real_job_step,
    .job_abort = real_job_abort,
    .job_finish = real_job_finish,
    .edge = real_edge,
};
