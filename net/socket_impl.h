/* SPDX-License-Identifier: MIT */
/* Internal to the socket layer (socket.c, sockopt.c, sock_ready.c): not for protocols or
 * applications. */
#ifndef NET_SOCKET_IMPL_H
#define NET_SOCKET_IMPL_H

#include <time.h>

#include "net/socket.h"

#define SOCK_BUF_MIN 256 /* smallest SO_RCVBUF/SO_SNDBUF accepted, like Linux's floor */

/* The socket behind a descriptor, or NULL. Called with the lock held. */
struct sock *sock_fd_get(int fd);

/* Makes the stack a descriptor belongs to current for this thread, before its lock is
 * taken; a descriptor naming no stack is EBADF (net/perstack.h). */
#define US_FD_SELECT(fd)                                                                   \
	do {                                                                               \
		if (perstack_select_fd(fd) < 0)                                            \
			return -EBADF;                                                     \
	} while (0)
/* Returns and clears the pending error (negative errno, 0 if none). Lock held. */
int sock_take_error(struct sock *sk);
/* A socket with no descriptor yet (sock_fd_assign gives it one), or NULL. */
struct sock *sock_alloc(int type, int protocol, const struct sock_ops *ops);
/* Blocking state of one call (zeroed at its start): the deadline starts when the call
 * first has to wait, and that first wait reads the clock once. */
struct sock_block {
	struct timespec deadline; /* CLOCK_MONOTONIC */
	int started;
	int timed;
};
/* One wait for sock_wakeup(sk) (sk NULL: any socket's) of a call that may block timeo_ms
 * in all (<= 0: no limit), or one loop iteration in drive_loop mode by the driver
 * (net_loop_set_driver). Lock held. 0 when woken (the caller checks again), -EAGAIN at
 * the deadline, -EBADF when sk was closed meanwhile (then the caller must not touch sk). */
int sock_block_wait(struct sock *sk, int timeo_ms, struct sock_block *b);
/* At the start of a poll (us_poll, us_epoll_wait; lock held): whether the calling thread
 * drives the loop (drive_loop, and it is the driver). If so, and the loop has not run since
 * its previous poll began, one iteration without waiting first: a load that keeps some
 * socket ready at every poll still lets frames in and timers fire. */
int sock_poll_drive(void);

/* Readiness sets (sock_ready.c). Lock held. sock_ready_wakeup: sk's readiness may have
 * changed (from sock_wakeup): queue it on the sets where it is now ready.
 * sock_ready_forget: sk is closing: it leaves every set. */
void sock_ready_wakeup(struct sock *sk);
void sock_ready_forget(struct sock *sk);
/* Stack shutdown, every socket and set closed: the items' pool gives its slabs back. */
void sock_ready_shutdown(void);
/* The items' pool (for tests and counters). */
const struct net_pool *sock_ready_pool(void);

/* Counters of the readiness sets: polls is every ops->poll call they made (a wait costs
 * the ready members, not the watched ones); queued counts members put on a ready list,
 * reported entries handed to us_epoll_wait, closed_members members that left a set
 * because their socket closed. */
#define SOCK_READY_COUNTERS(X) X(polls) X(queued) X(reported) X(closed_members)
STATS_DECLARE(sockready, SOCK_READY_COUNTERS);
#define sockready_stats STATS_REF(sockready)

#endif
