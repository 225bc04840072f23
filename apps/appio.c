/* SPDX-License-Identifier: MIT */
/* Socket helpers shared by the subcommands: bounded waits that notice a stop request,
 * connect with a timeout, send-all, and address parsing with user-facing errors. */
#include <errno.h>
#include <stdio.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apps/app.h"
#include "ip/ip.h"
#include "net/loop.h"
#include "net/socket.h"

atomic_int app_stop_requested;

uint64_t app_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int app_wait(int fd, short events, int timeout_ms)
{
	uint64_t deadline = timeout_ms < 0 ? UINT64_MAX : app_now_us() + (uint64_t)timeout_ms * 1000;

	for (;;) {
		struct us_pollfd p = { .fd = fd, .events = events };
		uint64_t now = app_now_us();
		int slice = APP_TICK_MS, n;

		if (app_stopping())
			return -EINTR;
		if (deadline != UINT64_MAX) {
			if (now >= deadline)
				return 0;
			if ((deadline - now) / 1000 < (uint64_t)slice)
				slice = (int)((deadline - now + 999) / 1000);
		}
		n = us_poll(&p, 1, slice);
		if (n < 0 && n != -EINTR)
			return n;
		if (n > 0 && p.revents)
			return p.revents;
	}
}

int app_connect(int fd, const struct sockaddr_in *dst, int timeout_ms)
{
	int err, soerr = 0, ev;
	socklen_t len = sizeof(soerr);

	us_set_nonblock(fd, 1);
	err = us_connect(fd, (const struct sockaddr *)dst, sizeof(*dst));
	if (err == 0)
		return 0;
	if (err != -EINPROGRESS && err != -EALREADY)
		return err;
	ev = app_wait(fd, US_POLLOUT, timeout_ms);
	if (ev < 0)
		return ev;
	if (ev == 0)
		return -ETIMEDOUT;
	err = us_getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
	if (err < 0)
		return err;
	/* so_error is kept as a negative errno; accept either sign. */
	if (soerr)
		return -abs(soerr);
	if (ev & (US_POLLERR | US_POLLHUP))
		return -ECONNREFUSED;
	return 0;
}

int app_send_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = us_send(fd, p, len, 0);
		if (n == -EAGAIN) {
			int ev = app_wait(fd, US_POLLOUT, -1);
			if (ev < 0)
				return ev;
			continue;
		}
		if (n < 0)
			return (int)n;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void app_apply_bufs(int fd)
{
	int v;

	if (app_cfg.lim.rcvbuf) {
		v = (int)app_cfg.lim.rcvbuf;
		us_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	}
	if (app_cfg.lim.sndbuf) {
		v = (int)app_cfg.lim.sndbuf;
		us_setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	}
	/* --cc through the socket option, as a program would (a UDP socket says ENOPROTOOPT;
	 * a listener hands its choice to what it accepts) */
	if (app_cfg.cc_name)
		us_setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, app_cfg.cc_name,
			      (socklen_t)strlen(app_cfg.cc_name));
}

int app_write_all(int kfd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(kfd, p, len);
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

/* Why the lookup failed, for a person. */
static const char *resolve_error(int err)
{
	switch (err) {
	case -EDESTADDRREQ: return "no name server: give --dns ADDR";
	case -EINVAL: return "not a host name or an IPv4 address";
	case -ENODATA: return "the name has no IPv4 address";
	default: return us_gai_strerror(err);
	}
}

int app_parse_host(const char *s, uint32_t *out)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res;
	struct in6_addr a6;
	int err;

	if (ip_addr_pton(s, out) == 0)
		return 0;
	if (inet_pton(AF_INET6, s, &a6) == 1) {
		app_error("%s is an IPv6 address; ustack does not speak IPv6 yet", s);
		return -EAFNOSUPPORT;
	}
	err = us_getaddrinfo(s, NULL, &hints, &res);
	if (err == 0) {
		*out = ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr;
		us_freeaddrinfo(res);
		return 0;
	}
	/* No IPv4 address: does the name have IPv6 ones? Asked only now (an AAAA query
	 * only when the name exists without an A record; a name that does not exist is
	 * answered from the negative cache), since IPv4 is all the stack can use. */
	if (err == -ENODATA || err == -ENOENT || err == -EDESTADDRREQ) {
		hints.ai_family = AF_INET6;
		if (us_getaddrinfo(s, NULL, &hints, &res) == 0) {
			us_freeaddrinfo(res);
			app_error("%s has only IPv6 addresses; ustack does not speak IPv6 yet", s);
			return -ENODATA;
		}
	}
	app_error("could not resolve host '%s': %s", s, resolve_error(err));
	return err;
}

int app_parse_port(const char *s, uint16_t *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 65535) {
		app_error("bad port '%s': give a number from 1 to 65535", s);
		return -EINVAL;
	}
	*out = (uint16_t)v;
	return 0;
}

uint32_t app_primary_addr(void)
{
	struct net_device *dev;
	uint32_t addr = 0;

	net_lock();
	TAILQ_FOREACH(dev, &net_devices, link) {
		if (dev->type != NET_DEV_LOOPBACK && dev->nifaces) {
			addr = dev->ifaces[0].addr.v4;
			break;
		}
	}
	net_unlock();
	return addr;
}

int app_addrs(struct app_addr *out, int max)
{
	struct net_device *dev;
	int n = 0;

	net_lock();
	TAILQ_FOREACH(dev, &net_devices, link) {
		if (dev->type == NET_DEV_LOOPBACK)
			continue;
		for (int i = 0; i < (dev->nifaces ? dev->nifaces : 1) && n < max; i++, n++) {
			snprintf(out[n].dev, sizeof(out[n].dev), "%s", dev->name);
			out[n].addr = dev->nifaces ? dev->ifaces[i].addr.v4 : 0;
		}
	}
	net_unlock();
	return n;
}
