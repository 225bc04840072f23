/* PF_PACKET driver: ustack as one more station on an existing Ethernet interface (a veth
 * end, say), with its own MAC address next to the kernel's.
 *
 * The socket is bound to the interface for every ethertype and joins promiscuous mode
 * (a membership: it is dropped with the socket and does not disturb other users), so
 * frames to ustack's MAC arrive. Frames the kernel itself sends out of the interface are
 * looped back to packet sockets as PACKET_OUTGOING: those are skipped, or ustack would see
 * the kernel's traffic - and its own - as input. Frames are read in batches with
 * recvmmsg, one system call per readiness event. */
#include "driver/driver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/log.h"

STATS_DEFINE(packet, PACKET_COUNTERS)

#define PACKET_HDR_LEN 14

static int packet_recv_batch(struct net_device *dev, struct pkb **out, int max)
{
	struct pkb *bufs[NET_DEV_BATCH];
	struct mmsghdr msgs[NET_DEV_BATCH];
	struct iovec iov[NET_DEV_BATCH];
	struct sockaddr_ll from[NET_DEV_BATCH];
	size_t room = dev->mtu + PACKET_HDR_LEN;
	int n = 0, got, i;

	if (max > NET_DEV_BATCH)
		max = NET_DEV_BATCH;
	for (i = 0; i < max; i++) {
		bufs[i] = pkb_alloc(room);
		if (!bufs[i]) {
			STAT_INC(packet, rx_alloc_failed);
			break;
		}
		iov[i] = (struct iovec){ bufs[i]->data, room };
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &from[i];
		msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
	}
	if (i == 0)
		return 0; /* no buffers: the frames wait in the socket */
	got = recvmmsg(dev->fd, msgs, (unsigned)i, MSG_DONTWAIT, NULL);
	if (got < 0) {
		int e = errno;
		for (int k = 0; k < i; k++)
			pkb_free(bufs[k]);
		if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR)
			return 0;
		STAT_INC(packet, rx_errors);
		debugf("dev=%s recvmmsg: %s", dev->name, strerror(e));
		return -e;
	}
	for (int k = 0; k < i; k++) {
		struct pkb *p = bufs[k];

		if (k >= got) {
			pkb_free(p);
			continue;
		}
		if (from[k].sll_pkttype == PACKET_OUTGOING) {
			STAT_INC(packet, rx_outgoing_ignored);
			pkb_free(p);
			continue;
		}
		if (msgs[k].msg_hdr.msg_flags & MSG_TRUNC) {
			STAT_INC(packet, rx_truncated);
			debugf("dev=%s rx: frame longer than the mtu dropped", dev->name);
			pkb_free(p);
			continue;
		}
		pkb_put(p, msgs[k].msg_len);
		STAT_INC(packet, rx_frames);
		out[n++] = p; /* owned by the caller now */
	}
	return n;
}

/* Sends one frame; always frees p. A full socket buffer drops the frame (counted). */
static int packet_transmit(struct net_device *dev, struct pkb *p)
{
	ssize_t w;
	int err = 0;

	do
		w = send(dev->fd, p->data, p->len, MSG_DONTWAIT);
	while (w < 0 && errno == EINTR);
	if (w < 0) {
		err = -errno;
		if (err == -EAGAIN || err == -EWOULDBLOCK || err == -ENOBUFS) {
			STAT_INC(packet, tx_dropped_full);
			err = -ENOBUFS;
		} else {
			STAT_INC(packet, tx_errors);
		}
		debugf("dev=%s send len=%zu: %s", dev->name, p->len, strerror(-err));
	} else {
		STAT_INC(packet, tx_frames);
	}
	pkb_free(p);
	return err;
}

static void packet_close(struct net_device *dev)
{
	if (dev->fd >= 0)
		close(dev->fd);
	dev->fd = -1;
}

static const struct net_device_ops packet_ops = {
	.close = packet_close,
	.transmit = packet_transmit,
	.recv_batch = packet_recv_batch,
};

/* The socket, bound to ifindex for all ethertypes, in promiscuous membership. */
static int packet_socket(const char *ifname, int ifindex, char *err, size_t errlen)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = ifindex };
	struct packet_mreq mr = { .mr_ifindex = ifindex, .mr_type = PACKET_MR_PROMISC };
	int fd, e;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0) {
		e = errno;
		if (e == EPERM || e == EACCES)
			snprintf(err, errlen, "packet %s: need CAP_NET_RAW: run as root", ifname);
		else
			snprintf(err, errlen, "packet %s: socket: %s", ifname, strerror(e));
		return -e;
	}
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		e = errno;
		snprintf(err, errlen, "packet %s: bind: %s", ifname, strerror(e));
		goto fail;
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
		e = errno;
		snprintf(err, errlen, "packet %s: promiscuous mode: %s", ifname, strerror(e));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -e;
}

int packet_open(const struct dev_opts *o, struct net_device **out, char *err, size_t errlen)
{
	struct net_device *dev = net_device_alloc();
	struct ifreq ifr;
	int ifindex, fd, e;

	if (!dev) {
		snprintf(err, errlen, "packet %s: out of memory", o->ifname);
		return -ENOMEM;
	}
	ifindex = (int)if_nametoindex(o->ifname);
	if (!ifindex) {
		snprintf(err, errlen, "interface %s not found: give packet: an existing interface "
			 "(e.g. a veth end)", o->ifname);
		e = -ENODEV;
		goto fail;
	}
	fd = packet_socket(o->ifname, ifindex, err, errlen);
	if (fd < 0) {
		e = fd;
		goto fail;
	}
	dev->fd = fd;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o->ifname);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0) {
		e = -errno;
		snprintf(err, errlen, "packet %s: cannot read the mtu: %s", o->ifname, strerror(-e));
		goto fail;
	}
	snprintf(dev->name, sizeof(dev->name), "%s", o->ifname);
	dev->type = NET_DEV_ETHER;
	dev->mtu = (unsigned)ifr.ifr_mtu;
	dev->hdr_len = PACKET_HDR_LEN;
	dev->flags = NET_DEV_F_BROADCAST;
	dev->ops = &packet_ops;
	memset(dev->broadcast, 0xff, NET_DEV_ADDR_LEN);
	if (o->has_mac) {
		memcpy(dev->hwaddr, o->mac, NET_DEV_ADDR_LEN);
	} else {
		if (getrandom(dev->hwaddr, NET_DEV_ADDR_LEN, 0) != NET_DEV_ADDR_LEN) {
			e = -errno;
			snprintf(err, errlen, "packet %s: getrandom: %s", o->ifname, strerror(-e));
			goto fail;
		}
		dev->hwaddr[0] = (uint8_t)((dev->hwaddr[0] | 0x02) & ~0x01);
	}
	/* A down interface passes no frames; bringing it up is what the user wants. */
	e = nl_link_up(o->ifname);
	if (e < 0) {
		snprintf(err, errlen, "packet %s: cannot bring the link up: %s", o->ifname,
			 strerror(-e));
		goto fail;
	}
	e = net_device_register(dev);
	if (e < 0) {
		snprintf(err, errlen, "packet %s: cannot add the device to the loop: %s", dev->name,
			 strerror(-e));
		goto fail;
	}
	infof("dev=%s packet mac=%02x:%02x:%02x:%02x:%02x:%02x mtu=%u", dev->name,
	      dev->hwaddr[0], dev->hwaddr[1], dev->hwaddr[2], dev->hwaddr[3], dev->hwaddr[4],
	      dev->hwaddr[5], dev->mtu);
	*out = dev; /* owned by the device registry */
	return 0;
fail:
	if (dev->fd >= 0)
		close(dev->fd);
	free(dev);
	return e;
}
