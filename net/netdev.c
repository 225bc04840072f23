/* SPDX-License-Identifier: MIT */
#include "net/perstack.h"
#include "net/netdev.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "net/log.h"
#include "net/loop.h"

STATS_DEFINE(netdev, NETDEV_COUNTERS)
STATS_DEFINE(netproto, NETPROTO_COUNTERS)

static void net_devices_init(void);
PERSTACK_VAR_FN(struct net_device_list, net_devices, net_devices_init)

static void net_devices_init(void)
{
	TAILQ_INIT(&net_devices);
}
PERSTACK_STATIC_INIT(int, next_index, 1)
#define next_index PERSTACK_REF(int, next_index)
PERSTACK_STATIC(uint32_t, dev_generation)
#define dev_generation PERSTACK_REF(uint32_t, dev_generation)

#define NET_PROTOCOL_MAX 8

struct net_protocol {
	const char *name;
	uint16_t type;
	net_protocol_handler handler;
};

PERSTACK_STATIC(struct net_protocol[NET_PROTOCOL_MAX], protocols)
#define protocols PERSTACK_REF(struct net_protocol[NET_PROTOCOL_MAX], protocols)
PERSTACK_STATIC(int, nprotocols)
#define nprotocols PERSTACK_REF(int, nprotocols)
PERSTACK_STATIC(net_protocol_handler[NET_DEV_LOOPBACK + 1], link_handlers)
#define link_handlers PERSTACK_REF(net_protocol_handler[NET_DEV_LOOPBACK + 1], link_handlers)

struct net_device *net_device_alloc(void)
{
	struct net_device *dev = calloc(1, sizeof(*dev));

	if (dev)
		dev->fd = -1;
	return dev;
}

static void device_fd_ready(int fd, uint32_t events, void *arg, uint64_t now)
{
	NET_ASSERT_LOCKED();
	(void)fd;
	(void)events;
	net_device_poll(arg, now);
}

int net_device_register(struct net_device *dev)
{
	int err;

	dev->index = next_index++;
	if (dev->ops->open) {
		err = dev->ops->open(dev);
		if (err < 0)
			return err;
	}
	if (dev->fd >= 0) {
		err = net_loop_add_fd(dev->fd, EPOLLIN, device_fd_ready, dev);
		if (err < 0) {
			if (dev->ops->close)
				dev->ops->close(dev);
			return err;
		}
	}
	dev->flags |= NET_DEV_F_UP;
	TAILQ_INSERT_TAIL(&net_devices, dev, link);
	dev_generation++;
	infof("dev=%s index=%d type=%d mtu=%u", dev->name, dev->index, dev->type, dev->mtu);
	return 0;
}


void net_device_unregister_all(void)
{
	struct net_device *dev;

	while ((dev = TAILQ_FIRST(&net_devices))) {
		net_device_tx_flush(dev); /* what the last round queued (an RST, say) still leaves */
		TAILQ_REMOVE(&net_devices, dev, link);
		dev_generation++;
		if (dev->fd >= 0)
			net_loop_del_fd(dev->fd);
		dev->flags &= ~NET_DEV_F_UP;
		if (dev->ops->close)
			dev->ops->close(dev);
		if (dev->ops->destroy)
			dev->ops->destroy(dev);
		pkb_free(dev->rx_spare);
		free(dev);
	}
}

struct net_device *net_device_by_name(const char *name)
{
	struct net_device *dev;

	TAILQ_FOREACH(dev, &net_devices, link)
		if (!strcmp(dev->name, name))
			return dev;
	return NULL;
}

struct net_device *net_device_by_index(int index)
{
	struct net_device *dev;

	TAILQ_FOREACH(dev, &net_devices, link)
		if (dev->index == index)
			return dev;
	return NULL;
}

int net_iface_add(struct net_device *dev, const struct net_addr *addr, unsigned prefixlen)
{
	struct net_iface *ifc;

	if (dev->nifaces == NET_IFACE_MAX)
		return -ENOSPC;
	ifc = &dev->ifaces[dev->nifaces++];
	memset(ifc, 0, sizeof(*ifc));
	ifc->dev = dev;
	ifc->addr = *addr;
	ifc->prefixlen = prefixlen;
	dev_generation++;
	return 0;
}

int net_device_mcast_join(struct net_device *dev, const uint8_t mac[NET_DEV_ADDR_LEN])
{
	if (net_device_mcast_member(dev, mac))
		return 0;
	if (dev->nmcast == NET_DEV_MCAST_MAX)
		return -ENOSPC;
	memcpy(dev->mcast[dev->nmcast++], mac, NET_DEV_ADDR_LEN);
	return 0;
}

int net_device_mcast_member(const struct net_device *dev, const uint8_t mac[NET_DEV_ADDR_LEN])
{
	for (int i = 0; i < dev->nmcast; i++)
		if (!memcmp(dev->mcast[i], mac, NET_DEV_ADDR_LEN))
			return 1;
	return 0;
}

uint32_t net_device_generation(void)
{
	return dev_generation;
}

void net_device_changed(struct net_device *dev)
{
	(void)dev; /* one number for all devices: changes are rare, lookups per segment */
	dev_generation++;
}

struct net_iface *net_iface_by_addr(const struct net_addr *addr)
{
	struct net_device *dev;

	TAILQ_FOREACH(dev, &net_devices, link)
		for (int i = 0; i < dev->nifaces; i++)
			if (net_addr_eq(&dev->ifaces[i].addr, addr))
				return &dev->ifaces[i];
	return NULL;
}

int net_iface_family_present(int family)
{
	const struct net_device *dev;

	TAILQ_FOREACH(dev, &net_devices, link) {
		if (dev->flags & NET_DEV_F_LOOPBACK)
			continue;
		for (int i = 0; i < dev->nifaces; i++)
			if (dev->ifaces[i].addr.family == family)
				return 1;
	}
	return 0;
}

int net_iface_is_local(const struct net_device *dev, const struct net_addr *addr)
{
	for (int i = 0; i < dev->nifaces; i++)
		if (net_addr_eq(&dev->ifaces[i].addr, addr) ||
		    (addr->family == AF_INET && dev->ifaces[i].broadcast == addr->v4))
			return 1;
	return 0;
}

void net_device_input(struct net_device *dev, struct pkb *p, uint64_t now)
{
	NET_ASSERT_LOCKED();
	p->dev = dev;
	p->time = now;
	dev->rx_packets++;
	dev->rx_bytes += p->len;
	STAT_INC(netdev, rx_packets);
	STAT_ADD(netdev, rx_bytes, p->len);
	if (dev->ops->input)
		dev->ops->input(dev, p, now);
	else
		net_device_deliver(dev, p, now);
}

void net_device_deliver(struct net_device *dev, struct pkb *p, uint64_t now)
{
	if (link_handlers[dev->type]) {
		link_handlers[dev->type](p, dev, now);
		return;
	}
	/* L3 device: bare IPv4 or IPv6 by the version nibble (other versions are counted as
	 * unknown by the registry). */
	net_protocol_input(!p->len ? 0 : (p->data[0] >> 4) == 4 ? 0x0800
				     : (p->data[0] >> 4) == 6 ? 0x86dd : 0, p, dev, now);
}

static void device_poll(struct net_device *dev, uint64_t now, int may_skip);

void net_device_poll(struct net_device *dev, uint64_t now)
{
	device_poll(dev, now, 1);
}

void net_device_poll_drain(struct net_device *dev, uint64_t now)
{
	device_poll(dev, now, 0);
}

static void device_poll(struct net_device *dev, uint64_t now, int may_skip)
{
	struct pkb *batch[NET_DEV_BATCH];
	int n;

	/* Before every read of a device, what waits in its transmit queue goes out: the peer
	 * gets our answers before we look for its next frames, and a caller that alternates
	 * writes and reads (net/wrap.c's delayed release) keeps that rhythm. */
	if (dev->txq_len)
		net_device_tx_flush(dev);

	/* One frame per read: each is handled (and its reply written) before the next read.
	 * In a ping-pong the peer then sends its next request while we write the reply, so the
	 * next read finds it: two system calls per exchange, where reading the batch first
	 * costs a read that ends in EAGAIN and an epoll_wait more. The budget keeps other
	 * devices and timers from starving as the batch does.
	 * A read after the first is speculative: when it misses, the EAGAIN was a system call
	 * for nothing before the epoll_wait; skipping it costs an epoll_wait that returns at
	 * once when it would have hit (level-triggered epoll reports the fd while a frame
	 * waits). So it is skipped while misses outnumber hits lately (a peer on another CPU
	 * that answers slower than we do), sampled one time in NET_DEV_SPEC_SAMPLE. */
	if (dev->flags & NET_DEV_F_RX_ONE) {
		for (int i = 0; i < NET_DEV_BATCH; i++) {
			if (dev->txq_len)
				net_device_tx_flush(dev);
			if (i > 0 && may_skip && dev->rx_spec_score >= NET_DEV_SPEC_SKIP &&
			    ++dev->rx_spec_skips < NET_DEV_SPEC_SAMPLE) {
				STAT_INC(netdev, rx_spec_skipped);
				return;
			}
			n = dev->ops->recv_batch(dev, batch, 1);
			if (i > 0) {
				dev->rx_spec_skips = 0;
				if (n > 0) {
					STAT_INC(netdev, rx_spec_hits);
					if (dev->rx_spec_score)
						dev->rx_spec_score--;
				} else {
					STAT_INC(netdev, rx_spec_misses);
					if (dev->rx_spec_score < NET_DEV_SPEC_MAX)
						dev->rx_spec_score++;
				}
			}
			if (n <= 0) {
				if (n < 0) {
					dev->rx_errors++;
					STAT_INC(netdev, rx_errors);
				}
				return;
			}
			net_device_input(dev, batch[0], now);
		}
		return;
	}
	/* One batch per readiness event keeps other devices and timers from starving. */
	n = dev->ops->recv_batch(dev, batch, NET_DEV_BATCH);
	if (n < 0) {
		dev->rx_errors++;
		STAT_INC(netdev, rx_errors);
		return;
	}
	for (int i = 0; i < n; i++)
		net_device_input(dev, batch[i], now);
}

int net_device_xmit(struct net_device *dev, struct pkb *p, uint64_t now)
{
	NET_ASSERT_LOCKED();
	if (!(dev->flags & NET_DEV_F_UP)) {
		STAT_INC(netdev, tx_dropped_down);
		pkb_free(p);
		return -ENETDOWN;
	}
	if (dev->ops->output)
		return dev->ops->output(dev, p, now);
	return net_device_transmit(dev, p);
}

/* Hands n frames to dev's driver in order: its batch op for more than one, if it has one.
 * Returns how many failed, counted here as transmit's failures are. */
static int tx_hand(struct net_device *dev, struct pkb **v, int n)
{
	int failed = 0;

	if (n > 1 && dev->ops->transmit_batch) {
		failed = dev->ops->transmit_batch(dev, v, n);
	} else {
		for (int i = 0; i < n; i++)
			if (dev->ops->transmit(dev, v[i]) < 0)
				failed++;
	}
	if (failed) {
		dev->tx_errors += (uint64_t)failed;
		STAT_ADD(netdev, tx_errors, (uint64_t)failed);
	}
	return failed;
}

int net_device_tx_flush(struct net_device *dev)
{
	struct pkb *v[NET_DEV_TX_BATCH];
	int n = dev->txq_len;

	NET_ASSERT_LOCKED();
	if (!n)
		return 0;
	/* The queue is empty again before the driver runs: nothing it does can see it. */
	memcpy(v, dev->txq, (size_t)n * sizeof(v[0]));
	dev->txq_len = 0;
	STAT_INC(netdev, tx_flushes);
	return tx_hand(dev, v, n);
}

void net_device_tx_flush_all(void)
{
	struct net_device *dev;

	NET_ASSERT_LOCKED();
	TAILQ_FOREACH(dev, &net_devices, link)
		if (dev->txq_len)
			net_device_tx_flush(dev);
}

int net_device_transmit(struct net_device *dev, struct pkb *p)
{
	int err;

	NET_ASSERT_LOCKED();
	dev->tx_packets++;
	dev->tx_bytes += p->len;
	STAT_INC(netdev, tx_packets);
	STAT_ADD(netdev, tx_bytes, p->len);
	if ((dev->flags & NET_DEV_F_TX_BATCH) && net_loop_tx_deferred()) {
		dev->txq[dev->txq_len++] = p; /* owned by the queue until the flush */
		STAT_INC(netdev, tx_queued);
		if (dev->txq_len == NET_DEV_TX_BATCH)
			net_device_tx_flush(dev);
		return 0;
	}
	if (dev->txq_len)
		net_device_tx_flush(dev); /* what waits leaves first: order is kept */
	err = dev->ops->transmit(dev, p);
	if (err < 0) {
		dev->tx_errors++;
		STAT_INC(netdev, tx_errors);
	}
	return err;
}

int net_protocol_register(const char *name, uint16_t ethertype, net_protocol_handler h)
{
	for (int i = 0; i < nprotocols; i++)
		if (protocols[i].type == ethertype)
			return -EEXIST;
	if (nprotocols == NET_PROTOCOL_MAX)
		return -ENOSPC;
	protocols[nprotocols++] = (struct net_protocol){ name, ethertype, h };
	return 0;
}

void net_protocol_input(uint16_t ethertype, struct pkb *p, struct net_device *dev, uint64_t now)
{
	p->proto = ethertype;
	for (int i = 0; i < nprotocols; i++) {
		if (protocols[i].type == ethertype) {
			protocols[i].handler(p, dev, now);
			return;
		}
	}
	STAT_INC(netproto, rx_unknown_ethertype);
	debugf("dev=%s ethertype=0x%04x dropped: no handler", dev->name, ethertype);
	pkb_free(p);
}

int net_link_register(enum net_dev_type type, net_protocol_handler h)
{
	link_handlers[type] = h;
	return 0;
}

void net_protocol_reset(void)
{
	nprotocols = 0;
	memset(link_handlers, 0, sizeof(link_handlers));
}
