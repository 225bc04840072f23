/* SPDX-License-Identifier: MIT */
/* SOL_SOCKET options (SO_REUSEADDR, SO_KEEPALIVE, SO_LINGER, SO_RCVBUF, SO_SNDBUF,
 * SO_RCVTIMEO, SO_SNDTIMEO, SO_BINDTODEVICE, SO_TYPE, SO_ERROR), stored in struct sock and
 * also handed to the protocol; other levels go to the protocol alone (IPPROTO_IP through
 * ip/ip_sock.c, which every inet protocol calls; IPPROTO_IPV6 here, mapped onto those).
 * Split from socket.c to keep each file
 * near one concept. */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <string.h>
#include <sys/time.h>

#include "net/loop.h"
#include "net/netdev.h"
#include "net/socket.h"
#include "net/socket_impl.h"

static int opt_int(const void *val, socklen_t len, int *out)
{
	if (!val || len < sizeof(int))
		return -EINVAL;
	memcpy(out, val, sizeof(int));
	return 0;
}

static int opt_timeout(const void *val, socklen_t len, int *ms)
{
	struct timeval tv;
	long long v;

	if (!val || len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	if (tv.tv_sec < 0) {
		*ms = 0; /* Linux treats a negative timeout as "no timeout" */
		return 0;
	}
	v = (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	if (v == 0 && tv.tv_usec > 0)
		v = 1; /* a sub-millisecond timeout must not become "forever" */
	*ms = v > INT_MAX ? INT_MAX : (int)v;
	return 0;
}

/* SO_BINDTODEVICE: a name of up to IFNAMSIZ - 1 bytes, NUL-terminated or not, as Linux;
 * an empty one unbinds. */
static int bind_to_device(struct sock *sk, const void *val, socklen_t len)
{
	char name[IFNAMSIZ];
	const struct net_device *dev;
	size_t n = len < sizeof(name) - 1 ? len : sizeof(name) - 1;

	if (n)
		memcpy(name, val, n);
	name[n] = '\0';
	if (name[0] == '\0') {
		sk->bound_ifindex = 0;
		return 0;
	}
	dev = net_device_by_name(name);
	if (!dev)
		return -ENODEV;
	sk->bound_ifindex = dev->index;
	return 0;
}

static int sol_socket_set(struct sock *sk, int name, const void *val, socklen_t len)
{
	struct linger lg;
	int v, r;

	switch (name) {
	case SO_BINDTODEVICE:
		return bind_to_device(sk, val, len);
	case SO_RCVTIMEO:
		return opt_timeout(val, len, &sk->rcvtimeo_ms);
	case SO_SNDTIMEO:
		return opt_timeout(val, len, &sk->sndtimeo_ms);
	case SO_LINGER:
		if (!val || len < sizeof(lg))
			return -EINVAL;
		memcpy(&lg, val, sizeof(lg));
		sk->linger_on = lg.l_onoff != 0;
		sk->linger_s = lg.l_linger < 0 ? 0 : lg.l_linger;
		return 0;
	case SO_REUSEADDR:
	case SO_KEEPALIVE:
	case SO_RCVBUF:
	case SO_SNDBUF:
		break;
	default:
		return -ENOPROTOOPT;
	}
	r = opt_int(val, len, &v);
	if (r)
		return r;
	switch (name) {
	case SO_REUSEADDR:
		sk->reuseaddr = v != 0;
		break;
	case SO_KEEPALIVE:
		sk->keepalive = v != 0;
		break;
	case SO_RCVBUF:
		/* NOTE: Linux doubles the value for its bookkeeping; here it is the limit. */
		sk->rcvbuf = v < SOCK_BUF_MIN ? SOCK_BUF_MIN : (size_t)v;
		break;
	case SO_SNDBUF:
		sk->sndbuf = v < SOCK_BUF_MIN ? SOCK_BUF_MIN : (size_t)v;
		break;
	}
	return 0;
}

/* IPPROTO_IPV6 options of an AF_INET6 socket: IPV6_V6ONLY is the layer's (before bind,
 * as Linux); the hop limit and traffic class are the socket's IP_TTL and IP_TOS under
 * their IPv6 names, handed to the protocol as those (TCP copies them into its pcb).
 * -ENOPROTOOPT for anything else, and for an AF_INET socket. */
static int ipv6_set(struct sock *sk, int name, const void *val, socklen_t len)
{
	int v, r = opt_int(val, len, &v);

	if (sk->domain != AF_INET6)
		return -ENOPROTOOPT;
	if (name != IPV6_V6ONLY && name != IPV6_UNICAST_HOPS && name != IPV6_TCLASS)
		return -ENOPROTOOPT;
	if (r)
		return r;
	switch (name) {
	case IPV6_V6ONLY:
		if (sk->local.port)
			return -EINVAL;
		sk->v6only = v != 0;
		return 0;
	case IPV6_UNICAST_HOPS:
		if (v < -1 || v == 0 || v > 255)
			return -EINVAL; /* NOTE: a hop limit of 0 is not kept (0 is "default") */
		name = IP_TTL;
		break;
	default:
		if (v < -1 || v > 255)
			return -EINVAL;
		v = v < 0 ? 0 : v;
		name = IP_TOS;
		break;
	}
	return sk->ops->setsockopt ? sk->ops->setsockopt(sk, IPPROTO_IP, name, &v, sizeof(v))
				   : -ENOPROTOOPT;
}

static int ipv6_get(struct sock *sk, int name, void *val, socklen_t *len)
{
	int v;

	if (sk->domain != AF_INET6)
		return -ENOPROTOOPT;
	if (name == IPV6_V6ONLY) {
		v = sk->v6only;
		if (!val || *len < sizeof(v))
			return -EINVAL;
		memcpy(val, &v, sizeof(v));
		*len = sizeof(v);
		return 0;
	}
	if (name != IPV6_UNICAST_HOPS && name != IPV6_TCLASS)
		return -ENOPROTOOPT;
	return sk->ops->getsockopt ? sk->ops->getsockopt(sk, IPPROTO_IP,
						      name == IPV6_TCLASS ? IP_TOS : IP_TTL,
						      val, len)
				   : -ENOPROTOOPT;
}

int us_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	US_FD_SELECT(fd);
	struct sock *sk;
	int r;

	/* A bad pointer is the caller's fault, caught before the lock (Linux: EFAULT). */
	if (!val && len > 0)
		return -EFAULT;
	net_lock();
	sk = sock_fd_get(fd);
	if (!sk) {
		r = -EBADF;
		goto out;
	}
	if (level == IPPROTO_IPV6) {
		r = ipv6_set(sk, name, val, len);
		goto out;
	}
	if (level != SOL_SOCKET) {
		r = sk->ops->setsockopt ? sk->ops->setsockopt(sk, level, name, val, len)
					: -ENOPROTOOPT;
		goto out;
	}
	r = sol_socket_set(sk, name, val, len);
	if (!sk->ops->setsockopt)
		goto out;
	if (r == 0) {
		/* Stored; the protocol also hears of it (TCP resizes windows, arms keepalive),
		 * and one that does not care answers -ENOPROTOOPT. */
		int pr = sk->ops->setsockopt(sk, level, name, val, len);
		if (pr != -ENOPROTOOPT)
			r = pr;
	} else if (r == -ENOPROTOOPT) {
		r = sk->ops->setsockopt(sk, level, name, val, len);
	}
out:
	net_unlock();
	return r;
}

static int put_opt(void *val, socklen_t *len, const void *src, socklen_t size)
{
	if (!val || !len || *len < size)
		return -EINVAL;
	memcpy(val, src, size);
	*len = size;
	return 0;
}

static int sol_socket_get(struct sock *sk, int name, void *val, socklen_t *len)
{
	struct timeval tv;
	struct linger lg;
	int v;

	switch (name) {
	case SO_RCVTIMEO:
	case SO_SNDTIMEO:
		v = name == SO_RCVTIMEO ? sk->rcvtimeo_ms : sk->sndtimeo_ms;
		tv.tv_sec = v / 1000;
		tv.tv_usec = (v % 1000) * 1000;
		return put_opt(val, len, &tv, sizeof(tv));
	case SO_LINGER:
		lg.l_onoff = sk->linger_on;
		lg.l_linger = sk->linger_s;
		return put_opt(val, len, &lg, sizeof(lg));
	case SO_REUSEADDR:
		v = sk->reuseaddr;
		break;
	case SO_KEEPALIVE:
		v = sk->keepalive;
		break;
	case SO_RCVBUF:
		v = sk->rcvbuf > INT_MAX ? INT_MAX : (int)sk->rcvbuf;
		break;
	case SO_SNDBUF:
		v = sk->sndbuf > INT_MAX ? INT_MAX : (int)sk->sndbuf;
		break;
	case SO_TYPE:
		v = sk->type;
		break;
	case SO_BINDTODEVICE: {
		const struct net_device *dev = sk->bound_ifindex ?
			net_device_by_index(sk->bound_ifindex) : NULL;
		size_t n;

		if (!dev) {
			*len = 0; /* as Linux when unbound */
			return 0;
		}
		n = strlen(dev->name) + 1;
		if (!val || *len < n)
			return -EINVAL;
		memcpy(val, dev->name, n);
		*len = (socklen_t)n;
		return 0;
	}
	case SO_ERROR:
		/* Reads and clears, as a positive errno like getsockopt(2). */
		if (!val || !len || *len < sizeof(int))
			return -EINVAL;
		v = -sock_take_error(sk);
		break;
	default:
		return -ENOPROTOOPT;
	}
	return put_opt(val, len, &v, sizeof(v));
}

int us_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	US_FD_SELECT(fd);
	struct sock *sk;
	int r;

	if (!len || (!val && *len > 0))
		return -EFAULT;
	net_lock();
	sk = sock_fd_get(fd);
	if (!sk)
		r = -EBADF;
	else if (level == IPPROTO_IPV6)
		r = ipv6_get(sk, name, val, len);
	else if (level == SOL_SOCKET) {
		r = sol_socket_get(sk, name, val, len);
		if (r == -ENOPROTOOPT && sk->ops->getsockopt)
			r = sk->ops->getsockopt(sk, level, name, val, len);
	} else
		r = sk->ops->getsockopt ? sk->ops->getsockopt(sk, level, name, val, len)
					: -ENOPROTOOPT;
	net_unlock();
	return r;
}

