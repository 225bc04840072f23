/* SPDX-License-Identifier: MIT */
/* The in-stack loopback device "lo": what ustack sends to itself (127.0.0.0/8 and its own
 * addresses) comes back as input on a later loop turn.
 *
 * transmit only queues the packet and bumps an eventfd; the eventfd is the device's fd, so
 * the loop polls it like any other device and recv_batch hands the queued packets back.
 * Delivering inside transmit would re-enter the stack from its own output path (a TCP
 * segment answered before the sender has finished updating its state), so it never does.
 * The queue is bounded: a stack talking to itself faster than it reads drops, and counts. */
#include "net/perstack.h"
#include "driver/driver.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "net/log.h"

STATS_DEFINE(loopback, LOOPBACK_COUNTERS)

#define LOOPBACK_MTU 65535

PERSTACK_VAR_INIT(unsigned, loopback_qmax, LOOPBACK_QUEUE_MAX_DEFAULT)

struct loopback_priv {
	struct pkb_queue queue; /* packets sent, waiting for the next loop turn */
	unsigned len;
	unsigned max;
};

/* Queues p for the loop; the queue owns it until recv_batch hands it back. */
static int loopback_transmit(struct net_device *dev, struct pkb *p)
{
	struct loopback_priv *lp = dev->priv;
	uint64_t one = 1;

	if (lp->len >= lp->max) {
		STAT_INC(loopback, tx_dropped_full);
		debugf("dev=%s queue full (%u), dropped len=%zu", dev->name, lp->len, p->len);
		pkb_free(p);
		return -ENOBUFS;
	}
	/* Another layer may still hold a reference (a TCP retransmission queue, say) and the
	 * queue needs p->link: take a private copy in that case. */
	if (p->refcnt > 1) {
		struct pkb *c = pkb_copy(p);
		pkb_free(p);
		if (!c) {
			STAT_INC(loopback, tx_dropped_full);
			return -ENOMEM;
		}
		p = c;
	}
	TAILQ_INSERT_TAIL(&lp->queue, p, link);
	lp->len++;
	STAT_INC(loopback, tx_queued);
	/* The counter only needs to be non-zero; a full counter (EAGAIN) is already readable. */
	if (write(dev->fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		warnf("dev=%s eventfd write: %s", dev->name, strerror(errno));
	return 0;
}

/* Hands back up to max queued packets (the caller owns them). The eventfd is cleared only
 * once the queue is empty, so a longer queue keeps the fd readable for the next turn. */
static int loopback_recv_batch(struct net_device *dev, struct pkb **out, int max)
{
	struct loopback_priv *lp = dev->priv;
	uint64_t count;
	int n = 0;

	while (n < max && lp->len) {
		struct pkb *p = TAILQ_FIRST(&lp->queue);
		TAILQ_REMOVE(&lp->queue, p, link);
		lp->len--;
		STAT_INC(loopback, rx_delivered);
		out[n++] = p;
	}
	if (!lp->len && read(dev->fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		warnf("dev=%s eventfd read: %s", dev->name, strerror(errno));
	return n;
}

static void loopback_close(struct net_device *dev)
{
	struct loopback_priv *lp = dev->priv;

	pkb_queue_purge(&lp->queue);
	lp->len = 0;
	if (dev->fd >= 0)
		close(dev->fd);
	dev->fd = -1;
}

static void loopback_destroy(struct net_device *dev)
{
	free(dev->priv);
	dev->priv = NULL;
}

static const struct net_device_ops loopback_ops = {
	.close = loopback_close,
	.transmit = loopback_transmit,
	.recv_batch = loopback_recv_batch,
	.destroy = loopback_destroy,
};

int loopback_open(struct net_device **out)
{
	struct net_device *dev = net_device_alloc();
	struct loopback_priv *lp = calloc(1, sizeof(*lp));
	int err;

	if (!dev || !lp) {
		err = -ENOMEM;
		goto fail;
	}
	TAILQ_INIT(&lp->queue);
	lp->max = loopback_qmax;
	snprintf(dev->name, sizeof(dev->name), "lo");
	dev->type = NET_DEV_LOOPBACK;
	dev->mtu = LOOPBACK_MTU;
	dev->hdr_len = 0;
	dev->flags = NET_DEV_F_NOARP | NET_DEV_F_LOOPBACK;
	dev->ops = &loopback_ops;
	dev->priv = lp;
	dev->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (dev->fd < 0) {
		err = -errno;
		goto fail;
	}
	err = net_device_register(dev);
	if (err < 0)
		goto fail;
	*out = dev; /* owned by the device registry */
	return 0;
fail:
	errorf("loopback: %s", strerror(-err));
	if (dev && dev->fd >= 0)
		close(dev->fd);
	free(lp);
	free(dev);
	return err;
}
