/* SPDX-License-Identifier: MIT */
/* Signals, timers, line output and sockets shared by the apps. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "apps/util.h"
#include "util/sig.h"

int app_signalfd_open(void)
{
	static const int stop[] = {SIGTERM, SIGINT};
	sigset_t set;
	int fd, r;

	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	r = util_sig_block(stop, 2, &set, NULL);
	if (r < 0)
		return r;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int app_signalfd_read(int fd)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return 0;
	return (int)si.ssi_signo;
}

int app_timer_open(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static struct timespec ts_of(uint64_t ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000ULL),
			      .tv_nsec = (long)(ns % 1000000000ULL)};

	return ts;
}

int app_timer_set(int fd, uint64_t first_ns, uint64_t interval_ns)
{
	struct itimerspec its = {.it_value = ts_of(first_ns), .it_interval = ts_of(interval_ns)};

	/* Absolute expiries: each period is counted from the previous deadline, not from when we
	 * got around to reading the timer, so the rate does not drift. */
	if (timerfd_settime(fd, first_ns ? TFD_TIMER_ABSTIME : 0, &its, NULL) < 0)
		return -errno;
	return 0;
}

uint64_t app_timer_read(int fd)
{
	uint64_t n;

	if (read(fd, &n, sizeof(n)) != (ssize_t)sizeof(n))
		return 0;
	return n;
}

struct app_lines {
	int fd;
	int err;
	size_t len;
	char buf[1 << 16];
};

int app_lines_open(const char *path, struct app_lines **ret)
{
	struct app_lines *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (l->fd < 0) {
		int err = -errno;

		free(l);
		return err;
	}
	*ret = l;
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int app_lines_flush(struct app_lines *l)
{
	int err;

	if (!l->len)
		return l->err;
	err = write_all(l->fd, l->buf, l->len);
	l->len = 0;
	if (err && !l->err)
		l->err = err;
	return l->err;
}

int app_lines_add(struct app_lines *l, const char *line, size_t len)
{
	if (len > sizeof(l->buf))
		return -EMSGSIZE;
	if (l->len + len > sizeof(l->buf))
		app_lines_flush(l);
	memcpy(l->buf + l->len, line, len);
	l->len += len;
	return l->err;
}

int app_lines_close(struct app_lines *l)
{
	int err;

	if (!l)
		return 0;
	err = app_lines_flush(l);
	if (close(l->fd) < 0 && !err)
		err = -errno;
	free(l);
	return err;
}

int app_write_file_atomic(const char *path, const char *data, size_t len)
{
	size_t n = strlen(path) + 16;
	char *tmp = malloc(n);
	int fd, err;

	if (!tmp)
		return -ENOMEM;
	snprintf(tmp, n, "%s.tmp%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	err = write_all(fd, data, len);
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
out:
	free(tmp);
	return err;
}

void app_addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

	if (sa->sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf, (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &s6->sin6_addr, buf, (socklen_t)len);
	else if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &s4->sin_addr, buf, (socklen_t)len);
	else
		snprintf(buf, len, "?");
}

static int bind_one(int family, const struct sockaddr *sa, socklen_t salen, int type)
{
	int one = 1, zero = 0, fd, err;

	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto err;
	/* Dual-stack: IPv4 clients arrive as IPv4-mapped addresses on the same socket. */
	if (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0)
		goto err;
	if (bind(fd, sa, salen) < 0)
		goto err;
	return fd;
err:
	err = -errno;
	close(fd);
	return err;
}

int app_bind_socket(const char *addr, uint16_t port, int type, int *ret_gai)
{
	struct addrinfo hints = {.ai_socktype = type, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct sockaddr_in6 any6 = {
	    .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT, .sin6_port = htons(port)};
	struct sockaddr_in any4 = {
	    .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY), .sin_port = htons(port)};
	struct addrinfo *res;
	char serv[8];
	int fd, rc;

	*ret_gai = 0;
	if (!addr) {
		fd = bind_one(AF_INET6, (struct sockaddr *)&any6, sizeof(any6), type);
		if (fd != -EAFNOSUPPORT && fd != -EADDRNOTAVAIL)
			return fd;
		return bind_one(AF_INET, (struct sockaddr *)&any4, sizeof(any4), type);
	}
	snprintf(serv, sizeof(serv), "%u", port);
	rc = getaddrinfo(addr, serv, &hints, &res);
	if (rc) {
		*ret_gai = rc;
		return -EADDRNOTAVAIL;
	}
	fd = bind_one(res->ai_family, res->ai_addr, res->ai_addrlen, type);
	freeaddrinfo(res);
	return fd;
}

int app_enable_pktinfo(int sock, int family)
{
	int one = 1;

	if (family == AF_INET6)
		return setsockopt(sock, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	return setsockopt(sock, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
}

/*
 * Copies the destination address of a received datagram into a control message that makes it
 * the source of the answer. No interface is forced: the answer takes whatever route the node
 * has back to the client. Returns the control length, 0 when there is nothing to copy.
 */
size_t app_answer_ctrl(const struct msghdr *rx, char *ctrl)
{
	struct cmsghdr *c, *out = (struct cmsghdr *)ctrl;

	for (c = CMSG_FIRSTHDR(rx); c; c = CMSG_NXTHDR((struct msghdr *)rx, c)) {
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			if (IN6_IS_ADDR_MULTICAST(&pi.ipi6_addr))
				return 0;
			pi.ipi6_ifindex = 0;
			out->cmsg_level = IPPROTO_IPV6;
			out->cmsg_type = IPV6_PKTINFO;
			out->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(out), &pi, sizeof(pi));
			return CMSG_SPACE(sizeof(pi));
		}
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			if (IN_MULTICAST(ntohl(pi.ipi_addr.s_addr)) ||
			    pi.ipi_addr.s_addr == htonl(INADDR_BROADCAST))
				return 0;
			pi.ipi_spec_dst = pi.ipi_addr;
			pi.ipi_ifindex = 0;
			out->cmsg_level = IPPROTO_IP;
			out->cmsg_type = IP_PKTINFO;
			out->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(out), &pi, sizeof(pi));
			return CMSG_SPACE(sizeof(pi));
		}
	}
	return 0;
}

int app_recv_batch(int sock, struct mmsghdr *msgs, struct iovec *iov,
		   struct sockaddr_storage *addrs, char *bufs, size_t buf_len, char *ctrls,
		   size_t ctrl_len, unsigned int n)
{
	int got;

	for (unsigned int i = 0; i < n; i++) {
		iov[i] = (struct iovec){.iov_base = bufs + i * buf_len, .iov_len = buf_len};
		msgs[i].msg_hdr = (struct msghdr){.msg_name = &addrs[i],
						  .msg_namelen = sizeof(addrs[i]),
						  .msg_iov = &iov[i],
						  .msg_iovlen = 1,
						  .msg_control = ctrls + i * ctrl_len,
						  .msg_controllen = ctrl_len};
	}
	got = recvmmsg(sock, msgs, n, MSG_DONTWAIT, NULL);
	if (got < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
	return got;
}
