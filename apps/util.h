/* SPDX-License-Identifier: MIT */
/*
 * What the apps share beyond pure logic and util/: signals as a file descriptor, timers,
 * whole-line output files, addresses and sockets.
 */
#ifndef EDGEMU_APPS_UTIL_H
#define EDGEMU_APPS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "util/clock.h"
#include "util/opt.h"

/*
 * A signalfd for SIGTERM and SIGINT. Their dispositions are reset first, because an ignored
 * signal (inherited through exec from a runner that ignores it) would never reach the fd.
 * SIGPIPE is ignored: a closed peer or log pipe is an error to report, not a death.
 */
int app_signalfd_open(void);
/* The signal read from the fd, 0 if none was pending. */
int app_signalfd_read(int fd);

/* A CLOCK_MONOTONIC timerfd, non-blocking. */
int app_timer_open(void);
/* First expiry at the absolute time first_ns, then every interval_ns (0: once; both 0: off). */
int app_timer_set(int fd, uint64_t first_ns, uint64_t interval_ns);
/* Expirations since the last read; 0 if none. */
uint64_t app_timer_read(int fd);

/*
 * An output file written in whole lines only: lines are gathered in memory and written with
 * write(2) in batches that end at a line's end, so a reader (or a kill) never sees half a
 * line from us.
 */
struct app_lines;

int app_lines_open(const char *path, struct app_lines **ret);
int app_lines_add(struct app_lines *l, const char *line, size_t len);
int app_lines_flush(struct app_lines *l);
/* Flushes and closes; returns the first error seen since open. Accepts NULL. */
int app_lines_close(struct app_lines *l);

/* Writes a whole file under a temporary name and renames it into place. */
int app_write_file_atomic(const char *path, const char *data, size_t len);

/* The numeric address of sa ("10.0.0.1", "fd00::1"; IPv4-mapped shown as IPv4). */
void app_addr_str(const struct sockaddr *sa, char *buf, size_t len);

/*
 * A socket of type bound to addr (NULL: any address, IPv6 dual-stack where the namespace has
 * IPv6, IPv4 otherwise) and port, with SO_REUSEADDR, non-blocking. Returns the fd or -errno;
 * *ret_gai holds a getaddrinfo error when addr does not resolve (then -EADDRNOTAVAIL).
 */
int app_bind_socket(const char *addr, uint16_t port, int type, int *ret_gai);

/*
 * Receive up to n datagrams of at most buf_len bytes into bufs (n consecutive buffers of
 * buf_len), each with its sender in addrs and its control data (ctrl_len bytes each) in
 * ctrls: recvmmsg over freshly set up headers. 0 when the socket is drained, else the count,
 * or -errno.
 */
int app_recv_batch(int sock, struct mmsghdr *msgs, struct iovec *iov,
		   struct sockaddr_storage *addrs, char *bufs, size_t buf_len, char *ctrls,
		   size_t ctrl_len, unsigned int n);
/* Ask for the destination address of received datagrams (IP_PKTINFO / IPV6_RECVPKTINFO). */
int app_enable_pktinfo(int sock, int family);
/*
 * Control data (at most CMSG_SPACE(sizeof(struct in6_pktinfo)) bytes) that makes an answer
 * leave from the address the request rx was sent to, so a client talking to a service
 * address (a VIP) keeps seeing that address. 0 when there is nothing to copy.
 */
size_t app_answer_ctrl(const struct msghdr *rx, char *ctrl);

#endif
