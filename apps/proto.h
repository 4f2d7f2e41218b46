/* SPDX-License-Identifier: MIT */
/*
 * The wire format the apps share with the runner: one UDP datagram per request, one per
 * answer. Fixed size, every multi-byte field in network byte order, naturally aligned so the
 * structs can be read in place from a receive buffer. A datagram is valid when it is at least
 * as long as its struct (longer ones may come from newer versions or padding; the tail is
 * ignored), carries the magic, this version and the expected kind.
 *
 * Reserved bytes are sent as zero and ignored on receipt: later issues (the stateful service
 * and its migration agent) give them a meaning without changing the size or the version of
 * what exists today.
 *
 * Over TCP (edgemu-svc --tcp, same port number) the same structs travel without any framing:
 * requests back to back, 48 bytes each, answered in order with 88-byte answers. Both sizes are
 * fixed, so a stream splits without a length prefix; a request that fails the check ends the
 * connection, since a stream has no boundary to resynchronize on.
 */
#ifndef EDGEMU_APPS_PROTO_H
#define EDGEMU_APPS_PROTO_H

#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define APP_PROTO_MAGIC 0x45444d55u /* "EDMU" */
#define APP_PROTO_VERSION 1
#define APP_PROTO_PORT 7007 /* default UDP port of the echo service and the probe */
#define APP_BULK_PORT 7008  /* default TCP port of edgemu-bulk (a byte stream, no format) */
#define APP_INSTANCE_LEN 16 /* NUL-padded; at most 15 characters so it is a C string */

enum app_kind {
	APP_KIND_REQUEST = 1,
	APP_KIND_ANSWER = 2,
};

/* 48 bytes. */
struct app_req {
	uint32_t magic;
	uint8_t version;
	uint8_t kind;	/* enum app_kind */
	uint16_t flags; /* none defined yet; echoed as received */
	uint32_t client_id;
	uint32_t reserved0;
	uint64_t seq;
	uint64_t send_ns; /* CLOCK_MONOTONIC of the client when it sent the request */
	uint8_t reserved[16];
};

/*
 * 88 bytes. The request comes back unchanged except for its kind (ANSWER, so an answer can
 * never be taken for a request by a service that receives it).
 */
struct app_answer {
	struct app_req req;
	char instance[APP_INSTANCE_LEN];
	uint64_t counter; /* per-client state of the stateful service; 0 from echo */
	uint8_t reserved[16];
};

_Static_assert(sizeof(struct app_req) == 48, "request is 48 bytes on the wire");
_Static_assert(sizeof(struct app_answer) == 88, "answer is 88 bytes on the wire");
_Static_assert(offsetof(struct app_answer, instance) == 48, "instance follows the request");

static inline void app_req_pack(struct app_req *w, uint32_t client_id, uint64_t seq,
				uint64_t send_ns)
{
	memset(w, 0, sizeof(*w));
	w->magic = htobe32(APP_PROTO_MAGIC);
	w->version = APP_PROTO_VERSION;
	w->kind = APP_KIND_REQUEST;
	w->client_id = htobe32(client_id);
	w->seq = htobe64(seq);
	w->send_ns = htobe64(send_ns);
}

/* 0 when buf holds a datagram of this kind, -EBADMSG otherwise. */
static inline int app_proto_check(const void *buf, size_t len, enum app_kind kind)
{
	const struct app_req *r = buf;
	size_t need = kind == APP_KIND_ANSWER ? sizeof(struct app_answer) : sizeof(struct app_req);

	if (len < need || be32toh(r->magic) != APP_PROTO_MAGIC || r->version != APP_PROTO_VERSION ||
	    r->kind != kind)
		return -EBADMSG;
	return 0;
}

/*
 * 0 when buf is, byte for byte, a request client_id sends (whatever its sequence number and
 * time): the answer of a plain UDP echo server, which sends back what it got (edgemu-probe
 * --echo, for a program that knows nothing of edgemu). -EBADMSG otherwise.
 */
static inline int app_echo_check(const void *buf, size_t len, uint32_t client_id)
{
	struct app_req got, want;

	if (len != sizeof(got))
		return -EBADMSG;
	memcpy(&got, buf, sizeof(got));
	app_req_pack(&want, client_id, be64toh(got.seq), be64toh(got.send_ns));
	return memcmp(&want, &got, sizeof(want)) ? -EBADMSG : 0;
}

/* Turns a checked request into its answer, in a separate buffer. */
static inline void app_answer_pack(struct app_answer *w, const struct app_req *req,
				   const char instance[APP_INSTANCE_LEN], uint64_t counter)
{
	memset(w, 0, sizeof(*w));
	w->req = *req;
	w->req.kind = APP_KIND_ANSWER;
	memcpy(w->instance, instance, APP_INSTANCE_LEN);
	w->counter = htobe64(counter);
}

#endif
