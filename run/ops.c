/* SPDX-License-Identifier: MIT */
/*
 * The runner's real actions on the world (struct run_ops): the run's network through topo/,
 * its migrations through migrate/. Everything else in run/ decides and books; tests hand the
 * runner their own table and check what it decided without a network or root.
 */
#include "run/run_int.h"

static int real_attach(struct runner *r, unsigned ue_node, int enb_node, struct topo_err *err)
{
	return topo_net_ran_attach(r->net, ue_node, enb_node, err);
}

static int real_prepare(struct runner *r, unsigned ue_node, int enb_node, struct topo_err *err)
{
	return topo_net_ran_prepare(r->net, ue_node, enb_node, err);
}

/* One request to the relay for them all: the loop waits for the relay once a tick. */
static int real_shape(struct runner *r, const struct topo_ran_shape *v, size_t n,
		      struct topo_err *err)
{
	return topo_net_ran_shape_many(r->net, v, n, err);
}

/*
 * One request to the relay, which counts each cell's frames as it passes them; its cells are
 * the model's eNBs in node order, as r->cells. Its answer comes on the relay's kept control
 * connection, whose socket the loop watches.
 */
static int real_cells_ask(struct runner *r, int *ret_fd)
{
	return topo_net_cells_stats_send(r->net, ret_fd);
}

static int real_cells_take(struct runner *r, struct topo_cell_stats *ret, bool wait)
{
	return topo_net_cells_stats_recv(r->net, ret, wait);
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
    .prepare = real_prepare,
    .shape = real_shape,
    .cells_ask = real_cells_ask,
    .cells_take = real_cells_take,
    .job_start = real_job_start,
    .job_step = real_job_step,
    .job_abort = real_job_abort,
    .job_finish = real_job_finish,
    .edge = real_edge,
};
