/* SPDX-License-Identifier: MIT */
/* The socket layer's inside. The us_* calls are declared in include/ustack.h (the public
 * header). Each protocol (UDP, ICMP echo, TCP) plugs in through struct sock_ops; this layer
 * owns descriptors, blocking, timeouts, non-blocking mode and the poll-style wait, so a new
 * protocol does not change it. It also checks every address the application passes (family
 * and length, in one place: sock_endpoint in socket.c) and turns it into a family-tagged
 * struct net_endpoint (net/addr.h), which is what the ops take.
 *
 * Threads: every call takes the stack lock. A blocking call waits on the socket's
 * condition variable, which the protocol signals through sock_wakeup() from the loop. */
#ifndef NET_SOCKET_H
#define NET_SOCKET_H

#include "net/addr.h"

#include "net/perstack.h"
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <ustack.h>

#include "net/stats.h"

struct sock;

/* A cursor over the application's buffers (an iovec array, one element for us_send and
 * us_recv): protocols copy into or out of it and it moves on, so a call that waits in
 * pieces (MSG_WAITALL) carries on where the last piece ended. */
struct sock_iter {
	const struct iovec *iov; /* the current element */
	size_t cnt;              /* elements from iov on */
	size_t off;              /* bytes of iov[0] already used */
	size_t len;              /* bytes left in all */
};
/* The current piece: *base is where it starts, the return its length (0 at the end). */
size_t sock_iter_piece(const struct sock_iter *it, uint8_t **base);
void sock_iter_advance(struct sock_iter *it, size_t n);
/* Copies n bytes (fewer if the buffers end) from src into the buffers / from the buffers
 * into dst, moving on. Return the bytes copied. */
size_t sock_iter_put(struct sock_iter *it, const void *src, size_t n);
size_t sock_iter_get(struct sock_iter *it, void *dst, size_t n);

struct sock_ops {
	int (*create)(struct sock *sk);
	int (*bind)(struct sock *sk, const struct net_endpoint *addr);
	/* May return -EINPROGRESS; completion is seen through poll/so_error. An address of
	 * family AF_UNSPEC dissolves a datagram socket's association. */
	int (*connect)(struct sock *sk, const struct net_endpoint *addr, uint64_t now);
	int (*listen)(struct sock *sk, int backlog);
	/* -EAGAIN when nothing is ready; on success *child is a new socket (fd unassigned). */
	int (*accept)(struct sock *sk, struct sock **child, struct net_endpoint *peer);
	/* Takes from `it` what it can, returns that count, or -EAGAIN when it would block.
	 * flags are checked by the layer (MSG_DONTWAIT is the layer's: it never waits). */
	ssize_t (*sendmsg)(struct sock *sk, struct sock_iter *it, int flags,
			   const struct net_endpoint *dst, uint64_t now);
	/* us_sendfile: queues up to count bytes read from in_fd (at *off, which moves on;
	 * off NULL: at in_fd's position) as sendmsg would have them, without a copy through
	 * a buffer of the caller's. Returns the count, 0 at the file's end, -EAGAIN, or
	 * -errno of the read. NULL: the protocol has no byte stream to fill (-EINVAL). */
	ssize_t (*sendfile)(struct sock *sk, int in_fd, off_t *off, size_t count, uint64_t now);
	/* Copies into `it`; returns the count (a datagram's whole length with MSG_TRUNC),
	 * 0 at a stream's end, or -EAGAIN. flags: MSG_PEEK leaves the data queued; MSG_WAITALL
	 * reaches a protocol only with MSG_PEEK on a blocking call (a stream then answers
	 * -EAGAIN until it holds the whole length or has ended). Sets MSG_TRUNC in *msg_flags
	 * for a datagram cut short, and fills src (if not NULL) with the sender. No `now`:
	 * taking a datagram needs no time, and a clock read costs a datagram service about
	 * 2% per read; a protocol whose read may send (TCP's window update) reads it. */
	ssize_t (*recvmsg)(struct sock *sk, struct sock_iter *it, int flags,
			   struct net_endpoint *src, int *msg_flags);
	int (*shutdown)(struct sock *sk, int how, uint64_t now);
	/* Releases the protocol's state; the layer frees sk afterwards. */
	void (*close)(struct sock *sk, uint64_t now);
	/* Current readiness: US_POLLIN | US_POLLOUT | US_POLLERR | US_POLLHUP. */
	unsigned (*poll)(struct sock *sk);
	/* Protocol-level options (level IPPROTO_TCP etc.); NULL if none. */
	int (*setsockopt)(struct sock *sk, int level, int name, const void *val, socklen_t len);
	int (*getsockopt)(struct sock *sk, int level, int name, void *val, socklen_t *len);
	/* SIOCINQ (= FIONREAD), SIOCOUTQ: the count into *val; NULL or -ENOTTY if none. */
	int (*ioctl)(struct sock *sk, unsigned long request, int *val);
};

struct sock {
	int fd;
	int type;                 /* SOCK_DGRAM, SOCK_STREAM */
	int protocol;             /* IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_TCP */
	const struct sock_ops *ops;
	void *pcb;                /* the protocol's control block */
	int nonblock;
	int so_error;             /* pending error (negative errno), read by SO_ERROR */
	int reuseaddr;
	int keepalive;
	int linger_on, linger_s;
	size_t rcvbuf, sndbuf;    /* limits in bytes */
	int rcvtimeo_ms, sndtimeo_ms; /* 0 = no timeout */
	int ip_ttl;               /* IP_TTL (0: the stack's default) */
	int ip_tos;               /* IP_TOS */
	int ip_pmtudisc;          /* IP_MTU_DISCOVER: IP_PMTUDISC_DONT or _DO (sets DF) */
	int bound_ifindex;        /* SO_BINDTODEVICE: the device's index (0: any) */
	sa_family_t domain;       /* us_socket's: AF_INET, AF_INET6 (addresses it takes and
	                           * gives back; an AF_INET6 socket's IPv4 peers are mapped) */
	int v6only;               /* IPV6_V6ONLY: an AF_INET6 socket bound to :: hears IPv6
	                           * only (0, as Linux: IPv4 too) */
	struct net_endpoint local; /* bound address (port 0 until bound) */
	struct net_endpoint peer;  /* connected peer (port 0 if none) */
	pthread_cond_t cond;      /* signalled by sock_wakeup */
	LIST_HEAD(, sock_ready_item) ready_items; /* readiness sets watching it (sock_ready.c) */
	int closing;
	int waiters;              /* threads blocked on cond; the last one out frees a closed sk */
};

/* 1 if a socket whose local address is local also takes IPv4: an AF_INET6 socket bound
 * to :: without IPV6_V6ONLY (the transports' lookups and family checks). */
static inline int sock_dual(const struct sock *sk, const struct net_addr *local)
{
	return sk && sk->domain == AF_INET6 && !sk->v6only && local->family == AF_INET6 &&
	       net_addr_is_any(local);
}

struct socket_config_s {
	size_t udp_rcvbuf;   /* bytes queued per UDP socket (212992) */
	size_t sndbuf;       /* default send buffer (TCP) */
	size_t rcvbuf;       /* default receive buffer (TCP) */
	int max_sockets;     /* open descriptors (65536) */
	/* Set by programs that drive net_loop_once themselves, with no loop thread: a blocking
	 * call or poll then runs the loop while it waits instead of sleeping on a condition
	 * variable (0) - in the thread named by net_loop_set_driver if one is, else in any. */
	int drive_loop;
};
PERSTACK_EXTERN(struct socket_config_s, socket_config);
#define socket_config PERSTACK_REF(struct socket_config_s, socket_config)

#define SOCK_COUNTERS(X) X(opened) X(closed) X(wakeups) X(open_refused_limit)
STATS_DECLARE(sock, SOCK_COUNTERS);
#define sock_stats STATS_REF(sock)

/* Protocols register their ops for (type, protocol); 0 protocol means the type's default. */
int sock_proto_register(int type, int protocol, const struct sock_ops *ops);
/* Wakes threads blocked on sk and in us_poll, and queues sk on the readiness sets
 * (us_epoll) where it is now ready. Called with the lock held.
 * A protocol reports an asynchronous error by setting sk->so_error (negative errno) and
 * calling sock_wakeup: the layer returns it once from the next send, from a receive that
 * finds nothing to read, from a blocking connect, or through SO_ERROR. */
void sock_wakeup(struct sock *sk);
/* Gives a new accepted socket a descriptor (used by us_accept). */
int sock_fd_assign(struct sock *sk);
/* Allocates a socket of the same protocol as parent (for accepted connections), with the
 * parent's options; ops->create is not called, the protocol sets child->pcb itself. */
struct sock *sock_alloc_child(struct sock *parent);
/* Frees a socket that never got a descriptor (a child dropped from an accept queue). */
void sock_free(struct sock *sk);
/* Closes every socket (at exit). */
void sock_close_all(void);

#endif
