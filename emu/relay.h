/* SPDX-License-Identifier: MIT */
/*
 * The relay: a userspace link emulator in the spirit of Mahimahi's delay and link shells.
 * Each relayed link is cut in two: end 0's interface is a veth whose peer sits in the run's
 * relay namespace, and likewise end 1. The relay reads frames from one peer (AF_PACKET) and
 * sends them out of the other after loss, a drop-tail rate queue (token bucket or a capacity
 * trace) and a delay line with jitter, per direction. Frames pass unchanged, so ARP and IPv6
 * neighbour discovery work across it.
 */
#ifndef EDGEMU_EMU_RELAY_H
#define EDGEMU_EMU_RELAY_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/shape.h"

/* --- capacity traces (Mahimahi mm-link format) --- */

/*
 * One line per delivery opportunity: a millisecond timestamp (non-decreasing integers); each
 * opportunity carries one 1500-byte frame (or several smaller ones up to 1500 bytes); the
 * trace loops with period = the last timestamp.
 */
struct emu_trace {
	uint64_t *ms;
	size_t n;
	uint64_t period_ms;
};

#define EMU_TRACE_MTU 1500

/* Load a trace; on a bad line, an error "FILE:LINE: what is wrong" in err. */
int emu_trace_load(const char *path, struct emu_trace **ret, char *err, size_t errlen);
void emu_trace_free(struct emu_trace *t);

/* --- one direction's queueing logic, on a clock the caller gives (emu/relay_queue.c) --- */

struct emu_rq;

/* The largest frame a queue takes (a GSO-sized frame; with offloads off, frames are MTU + 14). */
#define EMU_RQ_FRAME_MAX 65536

struct emu_rq_stats {
	uint64_t in, out, lost, dropped; /* frames: arrived, sent, lost by the loss model,
					  * dropped because the queue was full */
	uint64_t bytes_out;
};

enum emu_rq_verdict {
	EMU_RQ_QUEUED,
	EMU_RQ_LOST,
	EMU_RQ_DROPPED,
};

/*
 * A direction with shape s (trace: a loaded trace the queue does not own, or NULL) and a
 * seed for its random choices. The queue owns the frames it holds (copies of what enqueue
 * got).
 */
int emu_rq_new(const struct emu_shape *s, const struct emu_trace *trace, uint64_t seed,
	       struct emu_rq **ret);
void emu_rq_free(struct emu_rq *q);
/* Change the shape; frames that arrive from now on see the new values. */
int emu_rq_set(struct emu_rq *q, const struct emu_shape *s, const struct emu_trace *trace);
enum emu_rq_verdict emu_rq_enqueue(struct emu_rq *q, uint64_t now_ns, const void *frame,
				   uint32_t len);
/* When the next frame is due to leave (UINT64_MAX when the queue is empty). */
uint64_t emu_rq_next(const struct emu_rq *q);
/* Copy out the next frame due at or before now_ns; its length, 0 when none is due. */
uint32_t emu_rq_dequeue(struct emu_rq *q, uint64_t now_ns, void *buf, uint32_t cap);
void emu_rq_stats(const struct emu_rq *q, struct emu_rq_stats *ret);

/* --- the relay process (emu/relay.c) --- */

struct emu_relay_link {
	int index[2];		 /* relay-side interface facing end 0, end 1 (relay namespace) */
	struct emu_shape dir[2]; /* dir[0]: frames from end 0 to end 1 */
	char trace_path[2][256]; /* per direction, "" for none */
};

/*
 * Serve links until *stop or SIGTERM: forward frames between each link's two interfaces
 * with its shaping; answer control requests on listening Unix socket ctl_fd. Runs in the
 * relay namespace (the caller enters it). Writes one byte to ready_fd (if >= 0) once it
 * forwards. Returns 0 on a clean stop, -errno on failure.
 */
int emu_relay_serve(const struct emu_relay_link *links, size_t n, int ctl_fd, int ready_fd);

/* Control client: change or read one direction of a running relay's link. */
int emu_relay_set(const char *ctl_path, unsigned link, unsigned dir, const struct emu_shape *s);
int emu_relay_get(const char *ctl_path, unsigned link, unsigned dir, struct emu_shape *ret,
		  struct emu_rq_stats *stats);

/*
 * emu_relay_serve with a seed for every direction's random choices (emu_relay_serve uses 0):
 * the same seed and the same frames at the same times give the same losses and jitter.
 */
int emu_relay_serve_seeded(const struct emu_relay_link *links, size_t n, int ctl_fd, int ready_fd,
			   uint64_t seed);
/* The trace a direction follows ("" for none): emu_relay_get leaves ret->trace NULL. */
int emu_relay_get_trace(const char *ctl_path, unsigned link, unsigned dir, char *buf, size_t len);
/* --- the radio access network the relay serves (issue 14) --- */

/*
 * The relay's namespace also holds one port per radio UE and one per cell. A UE's frames
 * leave through its serving cell's port; a cell's IPv4 frames leave through the port of the
 * UE whose address they are for. Both ends are NOARP: the relay writes both MAC addresses of
 * every frame it passes (emu_ran_mac()). Per UE and direction: the radio model's loss, delay
 * and rate; per cell and direction: its capacity, shared fairly by its UEs (emu/cell_sched.h).
 */
enum emu_ran_forwarding {
	EMU_RAN_FORWARD_X2,
	EMU_RAN_FORWARD_DROP,
};

struct emu_relay_ran {
	unsigned n_ues, n_cells;
	const int *ue_index;		   /* relay-side port facing UE i */
	const int *cell_index;		   /* relay-side port facing cell c's eNB */
	const uint32_t *ue_addr;	   /* UE i's address, host order */
	const uint64_t (*capacity_bps)[2]; /* cell c: [0] downlink, [1] uplink; 0 (or the
					    * array NULL): unlimited */
	enum emu_ran_forwarding forwarding;
};

/* The MAC address of UE i's radio interface (kind 0) or cell c's eNB interface (kind 1): the
 * builder gives the interfaces these, the relay writes them. */
void emu_ran_mac(unsigned kind, unsigned index, uint8_t mac[6]);

/* emu_relay_serve_seeded, also serving a radio access network (ran: NULL for none). */
int emu_relay_serve_ran(const struct emu_relay_link *links, size_t n,
			const struct emu_relay_ran *ran, int ctl_fd, int ready_fd, uint64_t seed);

/*
 * A cell's counters. up and down: frames delivered out of the ports (uplink out of the cell's,
 * downlink out of its UEs', forwarded ones included). x2: downlink that reached this cell after
 * its UE left for another and was forwarded there; ho_drop: frames of a UE in handover or
 * detached dropped here (in flight, or queued at the handover). drop: frames no UE of this cell
 * could take (an unknown address, not IPv4, a UE it never served). lost: the radio loss model's
 * (per UE); full: refused by a full queue (the UE's limit, the cell's pool, the relay's memory).
 * ues: UEs attached now.
 */
struct emu_ran_cell_stats {
	uint64_t up_pkts, up_bytes, down_pkts, down_bytes;
	uint64_t x2_pkts, x2_bytes, ho_drop_pkts, drop_pkts;
	uint32_t ues;
	uint64_t lost_pkts, full_pkts;
};

/* A connection to a running relay's control socket, kept for many requests. */
struct emu_relay_conn;
int emu_relay_conn_open(const char *ctl_path, struct emu_relay_conn **ret);
void emu_relay_conn_close(struct emu_relay_conn *c);
/*
 * UE ue to cell (-1: detached). *ret_last (if not NULL): the cell it was last attached to
 * before this call (-1: never; a prepare does not count), which its routes still point at.
 * A UE held by emu_relay_ran_prepare() is released (or its held frames dropped by a detach).
 */
int emu_relay_ran_attach(struct emu_relay_conn *c, unsigned ue, int cell, int *ret_last);
/*
 * A handover's preparation (X2/Xn; emu_ran_prepare()): UE ue is cell's (>= 0) at once but off
 * the air: cell buffers its downlink (its queue and what reaches its old cell, forwarded with
 * `forwarding: x2`), its uplink is lost, until the next emu_relay_ran_attach() releases it.
 * *ret_last (if not NULL) as emu_relay_ran_attach's.
 */
int emu_relay_ran_prepare(struct emu_relay_conn *c, unsigned ue, int cell, int *ret_last);
/* UE ue's radio, dir 0 uplink, 1 downlink: loss, delay, rate (its cap in its cell). */
int emu_relay_ran_shape(struct emu_relay_conn *c, unsigned ue, unsigned dir,
			const struct emu_shape *s);
/* Cell cell's counters; cell n_cells: the frames that reached no cell (uplink of a UE never
 * attached, frames at ports the RAN does not know). */
int emu_relay_ran_cell_stats(struct emu_relay_conn *c, unsigned cell,
			     struct emu_ran_cell_stats *ret);

/*
 * Many requests' work in one round trip: the runner's loop waits for the relay once per tick
 * instead of once per cell or per UE. A message is at most EMU_RELAY_MSG_MAX bytes; larger
 * batches go as a few requests, one after the other, without the caller seeing it.
 */
#define EMU_RELAY_MSG_MAX 65536

/*
 * The counters of cells first .. first + n - 1 into ret[0 .. n - 1] (cell n_cells: the global
 * slot, as emu_relay_ran_cell_stats). A range beyond the cells: -ENOENT, ret untouched by the
 * request that found it (an earlier part of a split batch may have been filled in).
 */
int emu_relay_ran_cells_stats(struct emu_relay_conn *c, unsigned first, size_t n,
			      struct emu_ran_cell_stats *ret);

/*
 * The same batch in two steps, so a caller with a loop of its own never waits for the relay:
 * _send() asks for the counters of cells first .. first + n - 1 and returns at once;
 * _recv() takes them into ret[0 .. n - 1] once every reply is in: 0; -EAGAIN while one has not
 * come and wait is false (watch emu_relay_conn_fd() for input, then call again); with wait,
 * it blocks up to the connection's timeout (-ETIMEDOUT). An error ends the batch and leaves
 * ret untouched. One batch at a time on a connection: _send() while one is out (not taken by
 * a _recv() that returned other than -EAGAIN): -EBUSY; _recv() with none: -ENOMSG. Every other
 * request on the connection works meanwhile: it first takes the batch's replies, which come
 * before its own (waiting for them as it would wait for its own anyway), and keeps them for
 * _recv(); a large batch split into several requests has one out at a time, the next sent by
 * the _recv() (or the other request) that takes the reply before it.
 */
int emu_relay_ran_cells_stats_send(struct emu_relay_conn *c, unsigned first, size_t n);
int emu_relay_ran_cells_stats_recv(struct emu_relay_conn *c, struct emu_ran_cell_stats *ret,
				   bool wait);
/* The connection's socket: readable when a reply has come (for a caller's poll or epoll). */
int emu_relay_conn_fd(const struct emu_relay_conn *c);

/* One shaping of emu_relay_ran_shape: UE ue's radio in direction dir (0 up, 1 down). */
struct emu_ran_shape_req {
	unsigned ue, dir;
	struct emu_shape shape;
};

/*
 * Shapings applied in order, as emu_relay_ran_shape one by one would, until one fails (a bad
 * UE or direction: -ENOENT; a trace: -EOPNOTSUPP; a loss or distribution the relay does not
 * know: -EINVAL): the ones before it stay applied, it and the ones after it are not, and
 * *ret_bad (if not NULL) is its index in v. Applied up to the bad one, not refused whole: a
 * batch split into several requests could not be refused whole anyway, and the order is the
 * one the caller chose. On a broken connection *ret_bad is the first entry of the request
 * left unanswered (it and those after it in that request may or may not be applied).
 */
int emu_relay_ran_shape_many(struct emu_relay_conn *c, const struct emu_ran_shape_req *v, size_t n,
			     size_t *ret_bad);

/* Items per request at most from now on (0: as many as fit a message); for tests of splits. */
void emu_relay_conn_set_split(struct emu_relay_conn *c, size_t max_items);

/*
 * Turn off tx checksumming, TSO, GSO and GRO on ifname in the current namespace, so that a
 * packet socket sees frames of at most MTU + 14 bytes with their checksums filled in.
 */
int emu_link_offloads_off(const char *ifname);

#endif
