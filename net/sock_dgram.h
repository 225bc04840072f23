/* SPDX-License-Identifier: MIT */
/* The receive queue of a datagram socket (UDP, ICMP echo): whole datagrams in arrival
 * order, the storage they hold counted against the socket's SO_RCVBUF, and the part of
 * recvfrom that takes one out. Called with the lock held. */
#ifndef NET_SOCK_DGRAM_H
#define NET_SOCK_DGRAM_H

#include <stddef.h>
#include <sys/types.h>

#include "net/pkb.h"
#include "net/socket.h"

struct sock_dgram_queue {
	struct pkb_queue q;    /* data = what recvfrom copies out, cb = the protocol's record */
	size_t bytes;          /* storage held (pkb cap), counted against sk->rcvbuf */
};

void sock_dgram_init(struct sock_dgram_queue *rq);
/* Whether a datagram in p fits under rcvbuf. Like Linux, an empty queue takes one whatever
 * its size, so a small SO_RCVBUF cannot make a socket deaf to large datagrams. */
int sock_dgram_room(const struct sock_dgram_queue *rq, size_t rcvbuf, const struct pkb *p);
/* Queues p; the queue owns it now. */
void sock_dgram_enqueue(struct sock_dgram_queue *rq, struct pkb *p);
/* Copies the oldest datagram into it (the rest of a longer one is lost, as on Linux, and
 * MSG_TRUNC set in *msg_flags) and its cb into cb (cb_len bytes), then frees it unless
 * flags has MSG_PEEK. Returns the bytes copied (with MSG_TRUNC in flags the datagram's
 * whole length, as on Linux), or -EAGAIN if there is none. */
ssize_t sock_dgram_recv(struct sock_dgram_queue *rq, struct sock_iter *it, int flags,
			int *msg_flags, void *cb, size_t cb_len);
/* The length of the oldest datagram (SIOCINQ, as Linux), 0 if none. */
size_t sock_dgram_next_len(const struct sock_dgram_queue *rq);
/* A datagram socket's ioctl (sock_ops.ioctl), as Linux: SIOCINQ the oldest datagram's
 * length, SIOCOUTQ 0 (nothing waits to be sent); -ENOTTY for anything else. */
int sock_dgram_ioctl(const struct sock_dgram_queue *rq, unsigned long request, int *val);
static inline int sock_dgram_empty(const struct sock_dgram_queue *rq)
{
	return TAILQ_EMPTY(&rq->q);
}
void sock_dgram_purge(struct sock_dgram_queue *rq);

#endif
