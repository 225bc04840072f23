/* SPDX-License-Identifier: MIT */
/* Datagram receive queues (see sock_dgram.h). */
#include "net/sock_dgram.h"

#include <errno.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <string.h>

#include "net/loop.h"

void sock_dgram_init(struct sock_dgram_queue *rq)
{
	TAILQ_INIT(&rq->q);
	rq->bytes = 0;
}

int sock_dgram_room(const struct sock_dgram_queue *rq, size_t rcvbuf, const struct pkb *p)
{
	return rq->bytes == 0 || rq->bytes + p->cap <= rcvbuf;
}

void sock_dgram_enqueue(struct sock_dgram_queue *rq, struct pkb *p)
{
	NET_ASSERT_LOCKED();
	TAILQ_INSERT_TAIL(&rq->q, p, link);
	rq->bytes += p->cap;
}

ssize_t sock_dgram_recv(struct sock_dgram_queue *rq, struct sock_iter *it, int flags,
			int *msg_flags, void *cb, size_t cb_len)
{
	struct pkb *p = TAILQ_FIRST(&rq->q);
	size_t n;

	NET_ASSERT_LOCKED();
	if (!p)
		return -EAGAIN;
	memcpy(cb, p->cb, cb_len);
	n = sock_iter_put(it, p->data, p->len);
	if (n < p->len)
		*msg_flags |= MSG_TRUNC;
	if (flags & MSG_TRUNC)
		n = p->len;
	if (!(flags & MSG_PEEK)) {
		TAILQ_REMOVE(&rq->q, p, link);
		rq->bytes -= p->cap;
		pkb_free(p);
	}
	return (ssize_t)n;
}

size_t sock_dgram_next_len(const struct sock_dgram_queue *rq)
{
	const struct pkb *p = TAILQ_FIRST(&rq->q);

	return p ? p->len : 0;
}

void sock_dgram_purge(struct sock_dgram_queue *rq)
{
	NET_ASSERT_LOCKED();
	pkb_queue_purge(&rq->q);
	rq->bytes = 0;
}

int sock_dgram_ioctl(const struct sock_dgram_queue *rq, unsigned long request, int *val)
{
	if (request == SIOCINQ) {
		*val = (int)sock_dgram_next_len(rq);
		return 0;
	}
	if (request == SIOCOUTQ) {
		*val = 0;
		return 0;
	}
	return -ENOTTY;
}
