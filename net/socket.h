/* The socket layer's inside. The us_* calls are declared in include/ustack.h (the public
 * header). Each protocol (UDP, ICMP echo, TCP) plugs in through struct sock_ops; this layer
 * owns descriptors, blocking, timeouts, non-blocking mode and the poll-style wait, so a new
 * protocol does not change it. It also checks every address the application passes (family
 * and length, in one place: sock_addr_in in socket.c), so the ops take struct sockaddr_in.
 *
 * Threads: every call takes the stack lock. A blocking call waits on the socket's
 * condition variable, which the protocol signals through sock_wakeup() from the loop. */
#ifndef NET_SOCKET_H
#define NET_SOCKET_H

#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <ustack.h>

#include "net/stats.h"

struct sock;

struct sock_ops {
	int (*create)(struct sock *sk);
	int (*bind)(struct sock *sk, const struct sockaddr_in *addr);
	/* May return -EINPROGRESS; completion is seen through poll/so_error. */
	int (*connect)(struct sock *sk, const struct sockaddr_in *addr, uint64_t now);
	int (*listen)(struct sock *sk, int backlog);
	/* -EAGAIN when nothing is ready; on success *child is a new socket (fd unassigned). */
	int (*accept)(struct sock *sk, struct sock **child, struct sockaddr_in *peer);
	/* -EAGAIN when it would block. */
	ssize_t (*sendto)(struct sock *sk, const void *buf, size_t len, int flags,
			  const struct sockaddr_in *dst, uint64_t now);
	ssize_t (*recvfrom)(struct sock *sk, void *buf, size_t len, int flags,
			    struct sockaddr_in *src, uint64_t now);
	int (*shutdown)(struct sock *sk, int how, uint64_t now);
	/* Releases the protocol's state; the layer frees sk afterwards. */
	void (*close)(struct sock *sk, uint64_t now);
	/* Current readiness: US_POLLIN | US_POLLOUT | US_POLLERR | US_POLLHUP. */
	unsigned (*poll)(struct sock *sk);
	/* Protocol-level options (level IPPROTO_TCP etc.); NULL if none. */
	int (*setsockopt)(struct sock *sk, int level, int name, const void *val, socklen_t len);
	int (*getsockopt)(struct sock *sk, int level, int name, void *val, socklen_t *len);
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
	struct sockaddr_in local; /* bound address (port 0 until bound) */
	struct sockaddr_in peer;  /* connected peer (port 0 if none) */
	pthread_cond_t cond;      /* signalled by sock_wakeup */
	int closing;
	int waiters;              /* threads blocked on cond; the last one out frees a closed sk */
};

struct socket_config {
	size_t udp_rcvbuf;   /* bytes queued per UDP socket (212992) */
	size_t sndbuf;       /* default send buffer (TCP) */
	size_t rcvbuf;       /* default receive buffer (TCP) */
	int max_sockets;     /* open descriptors (65536) */
	/* Set by single-threaded programs that drive net_loop_once themselves: a blocking call
	 * then runs the loop while it waits instead of sleeping on a condition variable (0). */
	int drive_loop;
};
extern struct socket_config socket_config;

#define SOCK_COUNTERS(X) X(opened) X(closed) X(wakeups) X(open_refused_limit)
STATS_DECLARE(sock, SOCK_COUNTERS);

/* Protocols register their ops for (type, protocol); 0 protocol means the type's default. */
int sock_proto_register(int type, int protocol, const struct sock_ops *ops);
/* Wakes threads blocked on sk and in us_poll. Called with the lock held.
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
