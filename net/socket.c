/* SPDX-License-Identifier: MIT */
/* The generic socket layer: descriptors, the per-protocol ops registry, blocking with
 * timeouts, non-blocking mode, SOL_SOCKET options and us_poll. Protocols only see struct
 * sock and report changes with sock_wakeup(); nothing here knows UDP from TCP.
 *
 * Locking: every us_* call takes net_lock() itself (the lock is not recursive, so these must
 * not be called from inside a loop callback). Protocol ops run with the lock held and get
 * the time read once for the call. A blocking call sleeps on the socket's condition
 * variable, which releases the lock so the loop thread can deliver. With no loop thread,
 * socket_config.drive_loop makes the call run net_loop_once while it waits instead: in
 * every thread, or only in the one named by net_loop_set_driver (the others sleep on their
 * condition variables and the driver's iterations wake them). */
#include "net/perstack.h"
#include "net/socket.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <linux/sockios.h>

#include "net/family.h"
#include "net/log.h"
#include "net/loop.h"
#include "net/netdev.h"
#include "net/pool.h"
#include "net/socket_impl.h"

STATS_DEFINE(sock, SOCK_COUNTERS)

PERSTACK_VAR_INIT(struct socket_config_s, socket_config, {
	.udp_rcvbuf = 212992,
	.sndbuf = 256 * 1024,
	.rcvbuf = 4 * 1024 * 1024,
	.max_sockets = 65536,
	.drive_loop = 0,
})

#define SOCK_PROTO_MAX 16
#define SOCK_FDTAB_MIN 16

struct proto_entry {
	int type;
	int protocol;
	const struct sock_ops *ops;
};

PERSTACK_STATIC(struct proto_entry[SOCK_PROTO_MAX], protos)
#define protos PERSTACK_REF(struct proto_entry[SOCK_PROTO_MAX], protos)
PERSTACK_STATIC(size_t, nprotos)
#define nprotos PERSTACK_REF(size_t, nprotos)

/* Sockets come from a pool (net/pool.h): no malloc per socket once its slabs hold the
 * peak. It has no limit of its own: the descriptor limit (max_sockets) bounds them. */
static void sock_pool_init(void);
PERSTACK_STATIC_FN(struct net_pool, sock_pool, sock_pool_init)
#define sock_pool PERSTACK_REF(struct net_pool, sock_pool)

static void sock_pool_init(void)
{
	net_pool_init(&sock_pool, "sock", sizeof(struct sock), 0);
	sock_pool.reclaim = 1;
}

PERSTACK_STATIC(struct sock **, fdtab)
#define fdtab PERSTACK_REF(struct sock **, fdtab)
PERSTACK_STATIC(int, fdcap)
#define fdcap PERSTACK_REF(int, fdcap)
PERSTACK_STATIC(int, fd_hint) /* no free descriptor below this one */
#define fd_hint PERSTACK_REF(int, fd_hint)

/* Condition variables wait on CLOCK_MONOTONIC so a change of the wall clock does not
 * stretch or cut a timeout; PTHREAD_COND_INITIALIZER would use CLOCK_REALTIME. */
static pthread_condattr_t cond_attr;
static pthread_once_t layer_once = PTHREAD_ONCE_INIT;
static void poll_cond_init(void);
PERSTACK_STATIC_FN(pthread_cond_t, poll_cond, poll_cond_init)
#define poll_cond PERSTACK_REF(pthread_cond_t, poll_cond)

static void layer_init_once(void)
{
	pthread_condattr_init(&cond_attr);
	pthread_condattr_setclock(&cond_attr, CLOCK_MONOTONIC);
}

/* Each stack's us_poll waiters sleep on their own stack's condition variable. */
static void poll_cond_init(void)
{
	pthread_once(&layer_once, layer_init_once);
	pthread_cond_init(&poll_cond, &cond_attr);
}

/* ---- registry ---- */

int sock_proto_register(int type, int protocol, const struct sock_ops *ops)
{
	for (size_t i = 0; i < nprotos; i++) {
		if (protos[i].type == type && protos[i].protocol == protocol) {
			protos[i].ops = ops; /* re-registration (a test re-running init) replaces */
			return 0;
		}
	}
	if (nprotos == SOCK_PROTO_MAX)
		return -ENOSPC;
	protos[nprotos++] = (struct proto_entry){ type, protocol, ops };
	return 0;
}

/* The ops for (type, protocol); protocol 0 picks the type's default and *resolved is set
 * to the protocol number registered with the same ops, so sk->protocol is never 0. */
static const struct sock_ops *proto_lookup(int type, int protocol, int *resolved)
{
	const struct sock_ops *ops = NULL;

	for (size_t i = 0; i < nprotos; i++)
		if (protos[i].type == type && protos[i].protocol == protocol)
			ops = protos[i].ops;
	*resolved = protocol;
	if (!ops || protocol != 0)
		return ops;
	for (size_t i = 0; i < nprotos; i++)
		if (protos[i].type == type && protos[i].ops == ops && protos[i].protocol != 0)
			*resolved = protos[i].protocol;
	return ops;
}

/* ---- allocation and descriptors ---- */

struct sock *sock_alloc(int type, int protocol, const struct sock_ops *ops)
{
	struct sock *sk;

	pthread_once(&layer_once, layer_init_once);
	sk = net_pool_alloc(&sock_pool);
	if (!sk)
		return NULL;
	sk->fd = -1;
	sk->type = type;
	sk->protocol = protocol;
	sk->ops = ops;
	sk->rcvbuf = socket_config.rcvbuf;
	sk->sndbuf = socket_config.sndbuf;
	sk->domain = AF_INET; /* us_socket sets AF_INET6's before the protocol's create */
	sk->local = net_endpoint_v4(0, 0);
	sk->peer = net_endpoint_v4(0, 0);
	pthread_cond_init(&sk->cond, &cond_attr);
	return sk;
}

struct sock *sock_alloc_child(struct sock *parent)
{
	struct sock *sk = sock_alloc(parent->type, parent->protocol, parent->ops);

	if (!sk)
		return NULL;
	sk->reuseaddr = parent->reuseaddr;
	sk->keepalive = parent->keepalive;
	sk->linger_on = parent->linger_on;
	sk->linger_s = parent->linger_s;
	sk->rcvbuf = parent->rcvbuf;
	sk->sndbuf = parent->sndbuf;
	sk->rcvtimeo_ms = parent->rcvtimeo_ms;
	sk->sndtimeo_ms = parent->sndtimeo_ms;
	sk->ip_ttl = parent->ip_ttl;
	sk->ip_tos = parent->ip_tos;
	sk->ip_pmtudisc = parent->ip_pmtudisc;
	sk->bound_ifindex = parent->bound_ifindex;
	sk->domain = parent->domain;
	sk->v6only = parent->v6only;
	sk->local = parent->local;
	return sk;
}

void sock_free(struct sock *sk)
{
	if (!sk)
		return;
	pthread_cond_destroy(&sk->cond);
	net_pool_free(&sock_pool, sk);
}

int sock_fd_assign(struct sock *sk)
{
	int fd;

	NET_ASSERT_LOCKED();
	for (fd = fd_hint; fd < fdcap && fdtab[fd]; fd++)
		;
	if (fd == fdcap) {
		int ncap = fdcap ? fdcap * 2 : SOCK_FDTAB_MIN;
		struct sock **n;

		if (ncap > socket_config.max_sockets)
			ncap = socket_config.max_sockets;
		if (ncap > PERSTACK_FD_MASK + 1)
			ncap = PERSTACK_FD_MASK + 1; /* the bits above carry the stack */
		if (ncap <= fdcap) {
			STAT_INC(sock, open_refused_limit);
			debugf("descriptor limit reached max=%d", socket_config.max_sockets);
			return -EMFILE;
		}
		n = realloc(fdtab, (size_t)ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		memset(n + fdcap, 0, (size_t)(ncap - fdcap) * sizeof(*n));
		fdtab = n;
		fdcap = ncap;
	}
	fdtab[fd] = sk;
	fd_hint = fd + 1;
	/* The descriptor carries its stack (net/perstack.h): the default stack's are the
	 * plain indices. */
	sk->fd = fd | perstack_cur_id() << PERSTACK_FD_SHIFT;
	STAT_INC(sock, opened);
	return sk->fd;
}

struct sock *sock_fd_get(int fd)
{
	NET_ASSERT_LOCKED();
	if (fd < 0 || fd >> PERSTACK_FD_SHIFT != perstack_cur_id())
		return NULL; /* another stack's */
	fd &= PERSTACK_FD_MASK;
	if (fd >= fdcap)
		return NULL;
	return fdtab[fd];
}

static void fd_release(struct sock *sk)
{
	int i = sk->fd & PERSTACK_FD_MASK;

	if (sk->fd >= 0 && i < fdcap && fdtab[i] == sk) {
		fdtab[i] = NULL;
		if (i < fd_hint)
			fd_hint = i;
	}
	sk->fd = -1;
}

/* ---- waking and waiting ---- */

/* Threads of this stack blocked in sock_wait's net_cond_wait (on a socket's cond or on
 * poll_cond), counted under the lock: with none (the loop thread serving on its own, as
 * `serve` does) a wakeup has no condition variable to signal, and skips the two
 * broadcasts, which cost as much as the rest of it. */
PERSTACK_STATIC(unsigned, cond_waiters)
#define cond_waiters PERSTACK_REF(unsigned, cond_waiters)

void sock_wakeup(struct sock *sk)
{
	NET_ASSERT_LOCKED();
	STAT_INC(sock, wakeups);
	if (sk) {
		if (cond_waiters)
			pthread_cond_broadcast(&sk->cond);
		sock_ready_wakeup(sk);
	}
	if (cond_waiters)
		pthread_cond_broadcast(&poll_cond);
}

static void sock_deadline_after(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static int ms_until(const struct timespec *ts)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(ts->tv_sec - now.tv_sec) * 1000 + (ts->tv_nsec - now.tv_nsec) / 1000000;
	if (ms < 0)
		return 0;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* One wait for a change on sk (or on any socket, sk NULL) until *deadline (NULL: none),
 * which is left ms away (-1 with no deadline). Lock held on entry and on return. 0 when
 * woken (the caller re-checks its condition), -EAGAIN when the deadline passed, -EBADF
 * when sk was closed meanwhile (then sk is gone or belongs to the remaining waiters, and
 * the caller must not touch it). */
static int sock_wait(struct sock *sk, const struct timespec *deadline, int left)
{
	int r = 0;

	NET_ASSERT_LOCKED();
	if (left == 0)
		return -EAGAIN;
	if (sk)
		sk->waiters++;
	if (socket_config.drive_loop && net_loop_driver_is_self()) {
		net_unlock();
		net_loop_once(left);
		net_lock();
	} else {
		pthread_cond_t *c = sk ? &sk->cond : &poll_cond;
		cond_waiters++;
		r = net_cond_wait(c, deadline);
		cond_waiters--;
	}
	if (sk) {
		sk->waiters--;
		if (sk->closing) {
			if (sk->waiters == 0)
				sock_free(sk); /* us_close left it to the last waiter */
			return -EBADF;
		}
	}
	return r == ETIMEDOUT ? -EAGAIN : 0;
}

PERSTACK_STATIC(uint64_t, drive_turns_seen)
#define drive_turns_seen PERSTACK_REF(uint64_t, drive_turns_seen)

int sock_poll_drive(void)
{
	NET_ASSERT_LOCKED();
	if (!socket_config.drive_loop || !net_loop_driver_is_self())
		return 0;
	if (net_loop_turns() == drive_turns_seen) {
		net_unlock();
		net_loop_once(0);
		net_lock();
	} else {
		net_device_tx_flush_all(); /* the last round's answers wait no longer */
	}
	drive_turns_seen = net_loop_turns();
	return 1;
}

int sock_block_wait(struct sock *sk, int timeo_ms, struct sock_block *b)
{
	int left = -1;

	if (!b->started) {
		b->started = 1;
		b->timed = timeo_ms > 0;
		if (b->timed) {
			sock_deadline_after(&b->deadline, timeo_ms);
			left = timeo_ms; /* the clock was just read: not again */
		}
	} else if (b->timed) {
		left = ms_until(&b->deadline);
	}
	return sock_wait(sk, b->timed ? &b->deadline : NULL, left);
}

static int would_block(const struct sock *sk, int flags)
{
	return sk->nonblock || (flags & MSG_DONTWAIT);
}

int sock_take_error(struct sock *sk)
{
	int e = sk->so_error;

	NET_ASSERT_LOCKED();
	sk->so_error = 0;
	return e;
}

/* ---- addresses ---- */

/* The one check of an address the application passes, for socket sk: NULL or shorter
 * than its family needs is -EINVAL, a family other than the socket's -EAFNOSUPPORT
 * (AF_UNSPEC passes where allow_unspec says so: connect(2) on a datagram socket dissolves
 * the association with it, and only its family is read). An AF_INET6 socket takes
 * struct sockaddr_in6 (24 bytes at least, RFC 2133's, as Linux); an IPv4-mapped address
 * (::ffff:a.b.c.d) becomes an AF_INET endpoint unless IPV6_V6ONLY is on (then `mapped_err`:
 * bind -EINVAL, connect and sendto -ENETUNREACH, as Linux). A link-local address's
 * sin6_scope_id names its device into *scope (0: none given). Copied out, so a caller's
 * unaligned buffer is fine. The one place a sockaddr becomes an endpoint. */
static int sock_endpoint(const struct sock *sk, const struct sockaddr *addr, socklen_t len,
			 int allow_unspec, int mapped_err, struct net_endpoint *out,
			 uint32_t *scope)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	struct sockaddr_in6 in6;
	sa_family_t family;

	if (scope)
		*scope = 0;
	if (!addr || len < sizeof(family))
		return -EINVAL;
	memcpy(&family, &addr->sa_family, sizeof(family));
	memset(out, 0, sizeof(*out));
	if (family == AF_UNSPEC && allow_unspec)
		return 0; /* out->addr.family is AF_UNSPEC */
	if (sk->domain == AF_INET) {
		if (len < sizeof(struct sockaddr_in))
			return -EINVAL;
		return net_endpoint_from_sockaddr(out, addr, len);
	}
	if (family != AF_INET6)
		return -EAFNOSUPPORT;
	if (len < 24) /* sin6_scope_id came later (RFC 2553): Linux takes the shorter one */
		return -EINVAL;
	memset(&in6, 0, sizeof(in6));
	memcpy(&in6, addr, len < sizeof(in6) ? len : sizeof(in6));
	out->port = ntohs(in6.sin6_port);
	if (!memcmp(in6.sin6_addr.s6_addr, mapped, sizeof(mapped))) {
		uint32_t v4;

		if (sk->v6only)
			return mapped_err;
		memcpy(&v4, in6.sin6_addr.s6_addr + 12, 4);
		out->addr = net_addr_v4(v4);
		return 0;
	}
	out->addr.family = AF_INET6;
	memcpy(out->addr.v6, in6.sin6_addr.s6_addr, 16);
	if (scope && in6.sin6_addr.s6_addr[0] == 0xfe && (in6.sin6_addr.s6_addr[1] & 0xc0) == 0x80)
		*scope = in6.sin6_scope_id;
	return 0;
}

/* A link-local address's scope: the socket is bound to that device, as SO_BINDTODEVICE
 * would (the route to a link-local address needs one). A scope naming no device is
 * -ENODEV; one other than a device bound already is -EINVAL, as Linux. */
static int sock_apply_scope(struct sock *sk, uint32_t scope)
{
	const struct net_device *dev;

	if (!scope)
		return 0;
	dev = net_device_by_index((int)scope);
	if (!dev)
		return -ENODEV;
	if (sk->bound_ifindex && sk->bound_ifindex != (int)scope)
		return -EINVAL;
	if (sk->bound_ifindex)
		return 0;
	if (sk->ops->setsockopt) {
		/* the protocol copies it where its packets read it (TCP's pcb) */
		int r;

		sk->bound_ifindex = (int)scope;
		r = sk->ops->setsockopt(sk, SOL_SOCKET, SO_BINDTODEVICE, dev->name,
					(socklen_t)strlen(dev->name));
		if (r && r != -ENOPROTOOPT) {
			sk->bound_ifindex = 0;
			return r;
		}
	} else {
		sk->bound_ifindex = (int)scope;
	}
	return 0;
}

/* Hands an address back as getsockname(2) does: at most *len bytes of it are stored and
 * *len becomes its full length. addr NULL stores nothing (us_accept, us_recvfrom). An
 * AF_INET6 socket gives every address as a struct sockaddr_in6: an IPv4 one mapped
 * (::ffff:a.b.c.d), none as ::, a link-local one with its device's index as scope. */
static void sock_addr_put(const struct sock *sk, const struct net_endpoint *e,
			  struct sockaddr *addr, socklen_t *len)
{
	struct sockaddr_storage ss;
	socklen_t n, full;

	if (!addr || !len)
		return;
	if (sk->domain == AF_INET6) {
		struct sockaddr_in6 in6;

		memset(&ss, 0, sizeof(ss));
		memset(&in6, 0, sizeof(in6));
		in6.sin6_family = AF_INET6;
		in6.sin6_port = htons(e->port);
		if (e->addr.family == AF_INET6) {
			memcpy(in6.sin6_addr.s6_addr, e->addr.v6, 16);
			if (e->addr.v6[0] == 0xfe && (e->addr.v6[1] & 0xc0) == 0x80)
				in6.sin6_scope_id = (uint32_t)sk->bound_ifindex;
		} else if (e->addr.family == AF_INET) {
			in6.sin6_addr.s6_addr[10] = in6.sin6_addr.s6_addr[11] = 0xff;
			memcpy(in6.sin6_addr.s6_addr + 12, &e->addr.v4, 4);
		}
		memcpy(&ss, &in6, sizeof(in6));
		full = sizeof(in6);
	} else {
		full = net_endpoint_to_sockaddr(e, &ss);
	}
	n = *len < full ? *len : full;
	memcpy(addr, &ss, n);
	*len = full;
}

/* ---- calls ---- */

int us_socket(int domain, int type, int protocol)
{
	const struct sock_ops *ops;
	struct sock *sk;
	int nonblock = (type & US_SOCK_NONBLOCK) != 0;
	int resolved, fd, err;

	pthread_once(&layer_once, layer_init_once);
	/* AF_INET6 once a layer carries it (ip6_init registers it) */
	if (domain != AF_INET && (domain != AF_INET6 || !net_family(AF_INET6)))
		return -EAFNOSUPPORT;
	type &= ~(US_SOCK_NONBLOCK | SOCK_CLOEXEC);
	net_lock();
	ops = proto_lookup(type, protocol, &resolved);
	/* echo sockets: ICMP for IPv4, ICMPv6 for IPv6 */
	if (!ops || (domain == AF_INET6 && resolved == IPPROTO_ICMP) ||
	    (domain == AF_INET && resolved == IPPROTO_ICMPV6)) {
		err = -EPROTONOSUPPORT;
		goto out;
	}
	sk = sock_alloc(type, resolved, ops);
	if (!sk) {
		err = -ENOMEM;
		goto out;
	}
	if (domain == AF_INET6) {
		sk->domain = AF_INET6;
		sk->local.addr = sk->peer.addr = net_addr_any(AF_INET6);
	}
	sk->nonblock = nonblock;
	err = ops->create ? ops->create(sk) : 0;
	if (err) {
		sock_free(sk);
		goto out;
	}
	fd = sock_fd_assign(sk);
	if (fd < 0) {
		ops->close(sk, net_clock_ms());
		sock_free(sk);
		err = fd;
		goto out;
	}
	err = fd;
out:
	net_unlock();
	return err;
}

int us_bind(int fd, const struct sockaddr *addr, socklen_t addrlen)
{
	US_FD_SELECT(fd);
	struct net_endpoint sin;
	struct sock *sk;
	uint32_t scope;
	int r;

	if (!addr || addrlen < sizeof(sa_family_t))
		return -EINVAL;
	net_lock();
	sk = sock_fd_get(fd);
	if (!sk)
		r = -EBADF;
	else if ((r = sock_endpoint(sk, addr, addrlen, 0, -EINVAL, &sin, &scope)) == 0 &&
		 (r = sock_apply_scope(sk, scope)) == 0)
		r = sk->ops->bind ? sk->ops->bind(sk, &sin) : -EOPNOTSUPP;
	net_unlock();
	return r;
}

int us_connect(int fd, const struct sockaddr *addr, socklen_t addrlen)
{
	US_FD_SELECT(fd);
	struct sock_block b = { 0 };
	struct net_endpoint sin;
	struct sock *sk;
	uint32_t scope;
	int r;

	if (!addr || addrlen < sizeof(sa_family_t))
		return -EINVAL;
	net_lock();
	sk = sock_fd_get(fd);
	if (!sk) {
		r = -EBADF;
		goto out;
	}
	r = sock_endpoint(sk, addr, addrlen, 1, -ENETUNREACH, &sin, &scope);
	if (r == 0)
		r = sock_apply_scope(sk, scope);
	if (r)
		goto out;
	if (!sk->ops->connect) {
		r = -EOPNOTSUPP;
		goto out;
	}
	if (sin.addr.family == AF_UNSPEC && sk->type != SOCK_DGRAM) {
		r = -EAFNOSUPPORT; /* a stream has nothing to dissolve (Linux disconnects) */
		goto out;
	}
	r = sk->ops->connect(sk, &sin, net_clock_ms());
	if (r != -EINPROGRESS || sk->nonblock)
		goto out;
	/* Blocking connect: wait for the protocol to say it is writable or failed. As on
	 * Linux, SO_SNDTIMEO bounds the wait and a timeout leaves it in progress. */
	for (;;) {
		unsigned ev = sk->ops->poll(sk);

		if (sk->so_error) {
			r = sock_take_error(sk);
			break;
		}
		if (ev & (US_POLLOUT | US_POLLERR | US_POLLHUP)) {
			r = (ev & US_POLLOUT) ? 0 : -ECONNREFUSED;
			break;
		}
		r = sock_block_wait(sk, sk->sndtimeo_ms, &b);
		if (r == -EAGAIN)
			r = -EINPROGRESS;
		if (r)
			break;
	}
out:
	net_unlock();
	return r;
}

int us_listen(int fd, int backlog)
{
	US_FD_SELECT(fd);
	struct sock *sk;
	int r;

	net_lock();
	sk = sock_fd_get(fd);
	if (!sk)
		r = -EBADF;
	else
		r = sk->ops->listen ? sk->ops->listen(sk, backlog) : -EOPNOTSUPP;
	net_unlock();
	return r;
}

int us_accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags)
{
	US_FD_SELECT(fd);
	struct sock_block b = { 0 };
	struct net_endpoint from;
	struct sock *sk, *child = NULL;
	int r;

	if (addr && !addrlen)
		return -EFAULT;
	/* SOCK_CLOEXEC is taken and means nothing: these descriptors are not the kernel's */
	if (flags & ~(US_SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	net_lock();
	sk = sock_fd_get(fd);
	if (!sk) {
		r = -EBADF;
		goto out;
	}
	if (!sk->ops->accept) {
		r = -EOPNOTSUPP;
		goto out;
	}
	for (;;) {
		memset(&from, 0, sizeof(from));
		r = sk->ops->accept(sk, &child, &from);
		if (r != -EAGAIN || sk->nonblock)
			break;
		r = sock_block_wait(sk, sk->rcvtimeo_ms, &b);
		if (r)
			goto out;
	}
	if (r)
		goto out;
	child->nonblock = (flags & US_SOCK_NONBLOCK) != 0;
	r = sock_fd_assign(child);
	if (r < 0) {
		/* No descriptor for it: the connection is torn down like a closed one. */
		child->ops->close(child, net_clock_ms());
		sock_free(child);
		goto out;
	}
	sock_addr_put(child, &from, addr, addrlen);
out:
	net_unlock();
	return r;
}

/* ---- data ---- */

size_t sock_iter_piece(const struct sock_iter *it, uint8_t **base)
{
	const struct iovec *v = it->iov;
	size_t i = 0, off = it->off;

	/* empty elements are stepped over here, so a piece of 0 means the end */
	while (i < it->cnt && off == v[i].iov_len) {
		i++;
		off = 0;
	}
	if (i == it->cnt || it->len == 0)
		return 0;
	*base = (uint8_t *)v[i].iov_base + off;
	return v[i].iov_len - off;
}

void sock_iter_advance(struct sock_iter *it, size_t n)
{
	if (n > it->len)
		n = it->len;
	it->len -= n;
	while (it->cnt && (n || it->off == it->iov[0].iov_len)) {
		size_t room = it->iov[0].iov_len - it->off;

		if (n < room) {
			it->off += n;
			return;
		}
		n -= room;
		it->iov++;
		it->cnt--;
		it->off = 0;
	}
}

size_t sock_iter_put(struct sock_iter *it, const void *src, size_t n)
{
	size_t done = 0, k;
	uint8_t *b;

	while (done < n && (k = sock_iter_piece(it, &b)) > 0) {
		if (k > n - done)
			k = n - done;
		memcpy(b, (const uint8_t *)src + done, k);
		sock_iter_advance(it, k);
		done += k;
	}
	return done;
}

size_t sock_iter_get(struct sock_iter *it, void *dst, size_t n)
{
	size_t done = 0, k;
	uint8_t *b;

	while (done < n && (k = sock_iter_piece(it, &b)) > 0) {
		if (k > n - done)
			k = n - done;
		memcpy((uint8_t *)dst + done, b, k);
		sock_iter_advance(it, k);
		done += k;
	}
	return done;
}

/* Checks an application's iovec array as Linux does: more than IOV_MAX elements is
 * -EMSGSIZE, a NULL base with a length -EFAULT, a total past SSIZE_MAX -EINVAL. */
static int sock_iter_init(struct sock_iter *it, const struct iovec *iov, size_t cnt)
{
	size_t len = 0;

	if (cnt > IOV_MAX)
		return -EMSGSIZE;
	if (cnt && !iov)
		return -EFAULT;
	for (size_t i = 0; i < cnt; i++) {
		if (!iov[i].iov_base && iov[i].iov_len)
			return -EFAULT;
		if (iov[i].iov_len > (size_t)SSIZE_MAX - len)
			return -EINVAL;
		len += iov[i].iov_len;
	}
	*it = (struct sock_iter){ .iov = iov, .cnt = cnt, .off = 0, .len = len };
	return 0;
}

/* The flags each direction takes. MSG_NOSIGNAL is accepted and means nothing: no call
 * ever raises a signal. MSG_MORE and MSG_EOR are hints this stack has no use for, as
 * Linux ignores MSG_MORE on a socket that cannot cork; MSG_CONFIRM only spares Linux a
 * neighbour probe. Anything else is -EOPNOTSUPP: Linux answers so to MSG_OOB on a datagram
 * socket; NOTE: this stack has no urgent data (RFC 9293 3.8.5), no error queue and no
 * TCP Fast Open, so MSG_OOB, MSG_ERRQUEUE and MSG_FASTOPEN are refused on every socket
 * rather than half done, and so is a flag Linux would ignore. */
#define SOCK_SEND_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE | MSG_EOR | MSG_CONFIRM)
#define SOCK_RECV_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL | MSG_PEEK | MSG_WAITALL | MSG_TRUNC | \
			 MSG_CMSG_CLOEXEC)

/* What a send takes its bytes from: the caller's buffers (it), or a file (us_sendfile). */
struct send_src {
	struct sock_iter *it;
	int in_fd;
	off_t *off;
	size_t count;
};

static ssize_t send_once(struct sock *sk, const struct send_src *src, int flags,
			 const struct net_endpoint *dst)
{
	if (src->it)
		return sk->ops->sendmsg(sk, src->it, flags, dst, net_clock_ms());
	return sk->ops->sendfile ? sk->ops->sendfile(sk, src->in_fd, src->off, src->count,
						     net_clock_ms())
				 : -EINVAL;
}

static ssize_t sock_send(int fd, const struct send_src *src, int flags,
			 const struct sockaddr *dst, socklen_t dstlen)
{
	struct sock_block b = { 0 };
	struct net_endpoint sin;
	struct sock *sk;
	ssize_t r;

	if (flags & ~SOCK_SEND_FLAGS)
		return -EOPNOTSUPP;
	if (dst && dstlen < sizeof(sa_family_t))
		return -EINVAL;
	net_lock();
	sk = sock_fd_get(fd);
	if (!sk) {
		r = -EBADF;
		goto out;
	}
	if (dst) {
		uint32_t scope;

		r = sock_endpoint(sk, dst, dstlen, 0, -ENETUNREACH, &sin, &scope);
		if (r == 0)
			r = sock_apply_scope(sk, scope);
		if (r)
			goto out;
	}
	for (;;) {
		if (sk->so_error) {
			r = sock_take_error(sk);
			break;
		}
		r = send_once(sk, src, flags, dst ? &sin : NULL);
		if (r != -EAGAIN || would_block(sk, flags))
			break;
		r = sock_block_wait(sk, sk->sndtimeo_ms, &b);
		if (r)
			break;
	}
out:
	net_unlock();
	return r;
}

ssize_t us_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *dst,
		  socklen_t dstlen)
{
	US_FD_SELECT(fd);
	struct iovec v = { .iov_base = (void *)buf, .iov_len = len };
	struct sock_iter it;
	int r = sock_iter_init(&it, &v, 1);

	return r ? r : sock_send(fd, &(struct send_src){ .it = &it }, flags, dst, dstlen);
}

ssize_t us_send(int fd, const void *buf, size_t len, int flags)
{
	US_FD_SELECT(fd);
	return us_sendto(fd, buf, len, flags, NULL, 0);
}

ssize_t us_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	US_FD_SELECT(fd);
	struct sock_iter it;
	int r;

	if (!msg)
		return -EFAULT;
	if (msg->msg_controllen)
		return -EOPNOTSUPP; /* no ancillary data is understood (IP_PKTINFO, ...) */
	r = sock_iter_init(&it, msg->msg_iov, msg->msg_iovlen);
	if (r)
		return r;
	return sock_send(fd, &(struct send_src){ .it = &it }, flags,
			 msg->msg_name ? (const struct sockaddr *)msg->msg_name : NULL,
			 msg->msg_namelen);
}

ssize_t us_sendfile(int fd, int in_fd, off_t *offset, size_t count)
{
	US_FD_SELECT(fd);
	struct send_src src = { .in_fd = in_fd, .off = offset, .count = count };
	struct stat st;

	if (offset && *offset < 0)
		return -EINVAL;
	/* a regular file, as sendfile(2) took before Linux 5.12: a pipe's or a socket's
	 * -EAGAIN would read as a full send buffer, and the call would wait on the wrong end */
	if (fstat(in_fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	return sock_send(fd, &src, 0, NULL, 0);
}

/* The receive side of every call: blocking, MSG_WAITALL on a stream (pieces gathered until
 * the whole length, the end, an error or the timeout), and the sender's address into
 * src/srclen. *msg_flags gets MSG_TRUNC for a datagram cut short. */
static ssize_t sock_recv(int fd, struct sock_iter *it, int flags, struct sockaddr *src,
			 socklen_t *srclen, int *msg_flags)
{
	struct sock_block b = { 0 };
	struct net_endpoint from;
	struct sock *sk;
	ssize_t r, got = 0;
	int pflags;

	if (flags & ~SOCK_RECV_FLAGS)
		return -EOPNOTSUPP;
	if (src && !srclen)
		return -EFAULT;
	*msg_flags = 0;
	net_lock();
	sk = sock_fd_get(fd);
	if (!sk) {
		r = -EBADF;
		goto out;
	}
	/* as Linux: MSG_WAITALL means nothing to a non-blocking call or a datagram */
	if (would_block(sk, flags) || sk->type != SOCK_STREAM)
		flags &= ~MSG_WAITALL;
	/* a protocol hears of MSG_WAITALL only with MSG_PEEK: the layer gathers the rest */
	pflags = flags & MSG_PEEK ? flags : flags & ~MSG_WAITALL;
	for (;;) {
		memset(&from, 0, sizeof(from));
		r = sk->ops->recvmsg(sk, it, pflags, src ? &from : NULL, msg_flags);
		if (r > 0 && (flags & (MSG_WAITALL | MSG_PEEK)) == MSG_WAITALL && it->len > 0) {
			got += r; /* part of it: wait for the rest */
			r = -EAGAIN;
		} else if (got > 0 && r != -EAGAIN) {
			/* the end or an error after some data: the data first, the error (left
			 * in so_error) next time, as Linux */
			r = r > 0 ? got + r : got;
			break;
		}
		/* Queued data comes before a pending error; an error ends an empty wait (or
		 * replaces a stream's end of file, which the error explains). */
		if ((r == -EAGAIN || (r == 0 && sk->type == SOCK_STREAM)) && sk->so_error) {
			r = got ? got : sock_take_error(sk);
			break;
		}
		if (r != -EAGAIN || would_block(sk, flags))
			break;
		r = sock_block_wait(sk, sk->rcvtimeo_ms, &b);
		if (r)
			break;
	}
	/* SO_RCVTIMEO, or a us_close by another thread (-EBADF: sk is gone), ends a
	 * MSG_WAITALL wait with what came: those bytes are out of the stream already */
	if (r < 0 && got)
		r = got;
	if (r >= 0 && src) {
		/* a protocol without a sender to tell (a stream) leaves the family 0: as Linux,
		 * the address length comes back 0 */
		if (from.addr.family != AF_UNSPEC)
			sock_addr_put(sk, &from, src, srclen);
		else
			*srclen = 0;
	}
out:
	net_unlock();
	return r;
}

ssize_t us_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *src,
		    socklen_t *srclen)
{
	US_FD_SELECT(fd);
	struct iovec v = { .iov_base = buf, .iov_len = len };
	struct sock_iter it;
	int mflags, r = sock_iter_init(&it, &v, 1);

	return r ? r : sock_recv(fd, &it, flags, src, srclen, &mflags);
}

ssize_t us_recv(int fd, void *buf, size_t len, int flags)
{
	US_FD_SELECT(fd);
	return us_recvfrom(fd, buf, len, flags, NULL, NULL);
}

ssize_t us_recvmsg(int fd, struct msghdr *msg, int flags)
{
	US_FD_SELECT(fd);
	struct sock_iter it;
	socklen_t namelen;
	ssize_t r;
	int mflags;

	if (!msg)
		return -EFAULT;
	r = sock_iter_init(&it, msg->msg_iov, msg->msg_iovlen);
	if (r)
		return r;
	namelen = msg->msg_namelen;
	r = sock_recv(fd, &it, flags, msg->msg_name, &namelen, &mflags);
	if (r < 0)
		return r;
	msg->msg_namelen = msg->msg_name ? namelen : 0;
	msg->msg_controllen = 0; /* no ancillary data */
	msg->msg_flags = mflags;
	return r;
}

int us_accept(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
	US_FD_SELECT(fd);
	return us_accept4(fd, addr, addrlen, 0);
}

int us_shutdown(int fd, int how)
{
	US_FD_SELECT(fd);
	struct sock *sk;
	int r;

	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return -EINVAL;
	net_lock();
	sk = sock_fd_get(fd);
	if (!sk)
		r = -EBADF;
	else if (!sk->ops->shutdown)
		r = -EOPNOTSUPP;
	else
		r = sk->ops->shutdown(sk, how, net_clock_ms());
	if (sk && r == 0)
		sock_wakeup(sk); /* readers blocked on this socket see the end now */
	net_unlock();
	return r;
}

/* Lock held. The protocol lets go first; threads still blocked on sk wake up to -EBADF,
 * and the last of them frees it. */
static void sock_close_locked(struct sock *sk, uint64_t now)
{
	NET_ASSERT_LOCKED();
	sock_ready_forget(sk);
	fd_release(sk);
	sk->closing = 1;
	sk->ops->close(sk, now);
	sk->pcb = NULL;
	STAT_INC(sock, closed);
	sock_wakeup(sk);
	if (sk->waiters == 0)
		sock_free(sk);
}

int us_close(int fd)
{
	US_FD_SELECT(fd);
	struct sock *sk;
	int r = 0;

	net_lock();
	sk = sock_fd_get(fd);
	if (!sk)
		r = -EBADF;
	else
		sock_close_locked(sk, net_clock_ms());
	net_unlock();
	return r;
}

void sock_close_all(void)
{
	uint64_t now;

	net_lock();
	now = net_clock_ms();
	for (int fd = 0; fd < fdcap; fd++)
		if (fdtab[fd])
			sock_close_locked(fdtab[fd], now);
	free(fdtab);
	fdtab = NULL;
	fdcap = 0;
	fd_hint = 0;
	sock_ready_shutdown();
	/* a socket a blocked call still holds is freed by that call, later: the pool then
	 * keeps its slabs */
	if (net_pool_destroy(&sock_pool))
		debugf("%u sockets still held by blocked calls", sock_pool.live);
	net_unlock();
}

int us_getsockname(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
	US_FD_SELECT(fd);
	struct sock *sk;
	int r = 0;

	if (!addr || !addrlen)
		return -EFAULT;
	net_lock();
	sk = sock_fd_get(fd);
	if (!sk)
		r = -EBADF;
	else
		sock_addr_put(sk, &sk->local, addr, addrlen);
	net_unlock();
	return r;
}

int us_getpeername(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
	US_FD_SELECT(fd);
	struct sock *sk;
	int r = 0;

	if (!addr || !addrlen)
		return -EFAULT;
	net_lock();
	sk = sock_fd_get(fd);
	if (!sk)
		r = -EBADF;
	else if (sk->peer.port == 0 && net_addr_is_any(&sk->peer.addr))
		r = -ENOTCONN;
	else
		sock_addr_put(sk, &sk->peer, addr, addrlen);
	net_unlock();
	return r;
}

int us_set_nonblock(int fd, int on)
{
	US_FD_SELECT(fd);
	struct sock *sk;
	int r = 0;

	net_lock();
	sk = sock_fd_get(fd);
	if (!sk)
		r = -EBADF;
	else
		sk->nonblock = on != 0;
	net_unlock();
	return r;
}

int us_fcntl(int fd, int cmd, int arg)
{
	US_FD_SELECT(fd);
	struct sock *sk;
	int r;

	net_lock();
	sk = sock_fd_get(fd);
	if (!sk)
		r = -EBADF;
	else if (cmd == F_GETFL)
		r = O_RDWR | (sk->nonblock ? O_NONBLOCK : 0);
	else if (cmd == F_SETFL) {
		sk->nonblock = (arg & O_NONBLOCK) != 0; /* other flags are ignored, as Linux */
		r = 0;
	} else
		r = -EINVAL;
	net_unlock();
	return r;
}

int us_ioctl(int fd, unsigned long request, void *arg)
{
	US_FD_SELECT(fd);
	struct sock *sk;
	int v, r;

	if (!arg)
		return -EFAULT;
	net_lock();
	sk = sock_fd_get(fd);
	if (!sk) {
		r = -EBADF;
	} else if (request == FIONBIO) {
		memcpy(&v, arg, sizeof(v));
		sk->nonblock = v != 0;
		r = 0;
	} else if (request == SIOCINQ || request == SIOCOUTQ || request == SIOCOUTQNSD) {
		r = sk->ops->ioctl ? sk->ops->ioctl(sk, request, &v) : -ENOTTY;
		if (r == 0)
			memcpy(arg, &v, sizeof(v));
	} else {
		r = -ENOTTY; /* as Linux for a request sockets do not know */
	}
	net_unlock();
	return r;
}

/* ---- poll ---- */

int us_poll(struct us_pollfd *fds, int n, int timeout_ms)
{
	struct sock_block b = { 0 };
	int ready, r;

	if (n < 0 || (n > 0 && !fds))
		return -EINVAL;
	/* One stack's sockets per call: the first one's stack (a descriptor of another
	 * stack reads as not open, US_POLLNVAL). */
	if (n > 0 && fds[0].fd >= 0)
		US_FD_SELECT(fds[0].fd);
	pthread_once(&layer_once, layer_init_once);
	net_lock();
	sock_poll_drive();
	for (;;) {
		ready = 0;
		for (int i = 0; i < n; i++) {
			struct sock *sk;
			unsigned ev;

			fds[i].revents = 0;
			if (fds[i].fd < 0)
				continue; /* ignored, as in poll(2) */
			sk = sock_fd_get(fds[i].fd);
			if (!sk) {
				fds[i].revents = US_POLLNVAL;
				ready++;
				continue;
			}
			ev = sk->ops->poll ? sk->ops->poll(sk) : 0;
			if (sk->so_error)
				ev |= US_POLLERR;
			/* Errors and hang-ups are reported whether asked for or not. */
			fds[i].revents = (short)(ev & ((unsigned)fds[i].events | US_POLLERR |
						       US_POLLHUP));
			if (fds[i].revents)
				ready++;
		}
		if (ready || timeout_ms == 0)
			break;
		r = sock_block_wait(NULL, timeout_ms, &b);
		if (r == -EAGAIN)
			break;
	}
	net_unlock();
	return ready;
}
