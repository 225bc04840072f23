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

struct ustack *app_stack;

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

int app_connect(int fd, const struct app_sockaddr *dst, int timeout_ms)
{
	int err, soerr = 0, ev;
	socklen_t len = sizeof(soerr);

	us_set_nonblock(fd, 1);
	err = us_connect(fd, &dst->sa, dst->len);
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
static const char *resolve_error(int err, int family)
{
	switch (err) {
	case -EDESTADDRREQ: return "no name server: give --dns ADDR";
	case -EINVAL: return "not a host name or an IP address";
	case -ENODATA: return family == AF_INET6 ? "the name has no IPv6 address"
						 : "the name has no address";
	default: return us_gai_strerror(err);
	}
}

static void addr_v4(struct app_sockaddr *out, uint32_t v4, uint16_t port)
{
	memset(out, 0, sizeof(*out));
	out->in.sin_family = AF_INET;
	out->in.sin_addr.s_addr = v4;
	out->in.sin_port = htons(port);
	out->len = sizeof(out->in);
}

static void addr_v6(struct app_sockaddr *out, const struct in6_addr *a6, uint16_t port)
{
	memset(out, 0, sizeof(out->in6));
	out->in6.sin6_family = AF_INET6;
	out->in6.sin6_addr = *a6;
	out->in6.sin6_port = htons(port);
	out->len = sizeof(out->in6);
}

/* Every address of one family in res (at most max) into out[n...]; the new n. */
static int addrs_take(const struct addrinfo *res, uint16_t port, struct app_sockaddr *out,
		      int n, int max)
{
	for (; res && n < max; res = res->ai_next) {
		if (res->ai_family == AF_INET)
			addr_v4(&out[n++], ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr,
				port);
		else if (res->ai_family == AF_INET6)
			addr_v6(&out[n++], &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr, port);
	}
	return n;
}

/* An IPv6 address with its zone (RFC 4007 11: "fe80::1%ustap0", or the device's number):
 * the zone names one of the stack's devices, whose number becomes sin6_scope_id. 1, or
 * -EINVAL / -ENODEV after one line. */
static int resolve_scoped(const char *s, uint16_t port, struct app_sockaddr *out)
{
	char addr[INET6_ADDRSTRLEN];
	const char *zone = strchr(s, '%') + 1;
	size_t alen = (size_t)(zone - 1 - s);
	struct in6_addr a6;
	char *end;
	long idx;

	if (alen >= sizeof(addr)) {
		app_error("'%s': not an IPv6 address with a zone", s);
		return -EINVAL;
	}
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET6, addr, &a6) != 1 || !*zone) {
		app_error("'%s': not an IPv6 address with a zone (like fe80::1%%ustap0)", s);
		return -EINVAL;
	}
	idx = strtol(zone, &end, 10);
	if (*end || idx <= 0) {
		idx = app_stack ? ustack_dev_index(app_stack, zone) : -ENODEV;
		if (idx < 0) {
			app_error("'%s': ustack has no device '%s' (the zone names one of its --dev)",
				  s, zone);
			return -ENODEV;
		}
	}
	addr_v6(out, &a6, port);
	out->in6.sin6_scope_id = (uint32_t)idx;
	return 1;
}

int app_resolve_list(const char *s, uint16_t port, int family, struct app_sockaddr *out,
		     int max)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
	struct in6_addr a6;
	uint32_t v4;
	int err = -ENODATA, n;

	if (family != AF_INET6 && ip_addr_pton(s, &v4) == 0) {
		addr_v4(out, v4, port);
		return 1;
	}
	if (family != AF_INET && inet_pton(AF_INET6, s, &a6) == 1) {
		addr_v6(out, &a6, port);
		return 1;
	}
	if (family != AF_INET && strchr(s, '%'))
		return resolve_scoped(s, port, out);
	/* IPv4 first, the AAAA query only when the name has no A record (a name that does
	 * not exist is answered from the negative cache): one query for most names */
	if (family != AF_INET6) {
		hints.ai_family = AF_INET;
		err = us_getaddrinfo(s, NULL, &hints, &res);
		if (err == 0) {
			n = addrs_take(res, port, out, 0, max);
			us_freeaddrinfo(res);
			if (n)
				return n;
			err = -ENODATA;
		}
	}
	if (family != AF_INET && (family == AF_INET6 || err == -ENODATA || err == -ENOENT ||
				  err == -EDESTADDRREQ)) {
		int err6;

		hints.ai_family = AF_INET6;
		err6 = us_getaddrinfo(s, NULL, &hints, &res);
		if (err6 == 0) {
			n = addrs_take(res, port, out, 0, max);
			us_freeaddrinfo(res);
			if (n)
				return n;
			err6 = -ENODATA;
		}
		if (family == AF_INET6)
			err = err6;
	}
	app_error("could not resolve host '%s': %s", s, resolve_error(err, family));
	return err;
}

int app_resolve(const char *s, uint16_t port, int family, struct app_sockaddr *out)
{
	int n = app_resolve_list(s, port, family, out, 1);

	return n < 0 ? n : 0;
}

int app_connect_list(const struct app_sockaddr *dsts, int n, int timeout_ms, int *fdp,
		     int *used)
{
	int err = -EINVAL;

	for (int i = 0; i < n; i++) {
		int last = i == n - 1, fd, ms = timeout_ms;

		if (!last && (ms < 0 || ms > APP_CONNECT_NEXT_MS))
			ms = APP_CONNECT_NEXT_MS;
		fd = us_socket(dsts[i].sa.sa_family, SOCK_STREAM, IPPROTO_TCP);
		if (fd < 0)
			return fd;
		app_apply_bufs(fd);
		err = app_connect(fd, &dsts[i], ms);
		if (err == 0) {
			*fdp = fd;
			*used = i;
			return 0;
		}
		us_close(fd);
		*used = i;
		if (err == -EINTR)
			break;
	}
	return err;
}

const char *app_addr_ntop(const struct sockaddr *sa, char *buf, size_t size)
{
	struct sockaddr_in6 in6;
	struct sockaddr_in in;

	if (sa->sa_family == AF_INET6) {
		memcpy(&in6, sa, sizeof(in6));
		if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr))
			inet_ntop(AF_INET, in6.sin6_addr.s6_addr + 12, buf, (socklen_t)size);
		else
			inet_ntop(AF_INET6, &in6.sin6_addr, buf, (socklen_t)size);
	} else if (sa->sa_family == AF_INET) {
		memcpy(&in, sa, sizeof(in));
		inet_ntop(AF_INET, &in.sin_addr, buf, (socklen_t)size);
	} else {
		snprintf(buf, size, "-");
	}
	return buf;
}

uint16_t app_addr_port(const struct sockaddr *sa)
{
	struct sockaddr_in6 in6;
	struct sockaddr_in in;

	if (sa->sa_family == AF_INET6) {
		memcpy(&in6, sa, sizeof(in6));
		return ntohs(in6.sin6_port);
	}
	memcpy(&in, sa, sizeof(in));
	return ntohs(in.sin_port);
}

const char *app_endpoint_ntop(const struct sockaddr *sa, char *buf, size_t size)
{
	char a[APP_ADDR_STRLEN];
	int br;

	app_addr_ntop(sa, a, sizeof(a));
	br = strchr(a, ':') != NULL;
	snprintf(buf, size, "%s%s%s:%u", br ? "[" : "", a, br ? "]" : "", app_addr_port(sa));
	return buf;
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
