/* SPDX-License-Identifier: MIT */
/* TUN driver: bare IPv4 packets through /dev/net/tun (IFF_TUN | IFF_NO_PI), a
 * point-to-point link with no link header and no ARP.
 *
 * host= becomes the kernel's address on the tun with ustack's address as its peer
 * ("ip addr add HOST peer ADDR"), so the kernel routes ADDR into the tun. The clone device
 * and the read/write path are tap.c's. */
#include "driver/driver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/log.h"

#define TUN_DEFAULT_MTU 1500

static const struct net_device_ops tun_ops = {
	.close = tuntap_close,
	.transmit = tuntap_transmit,
	.recv_batch = tuntap_recv_batch,
};

static int tun_configure_host(const struct dev_opts *o, const char *ifname, unsigned mtu,
			      char *err, size_t errlen)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	int e;

	e = nl_link_set_mtu(ifname, mtu);
	if (e < 0) {
		snprintf(err, errlen, "tun %s: cannot set mtu %u: %s", ifname, mtu, strerror(-e));
		return e;
	}
	e = tuntap_up(o, ifname, err, errlen);
	if (e < 0)
		return e;
	if (!o->has_host)
		return 0;
	e = nl_addr_add(ifname, o->host, 0xffffffffu, o->addr);
	if (e < 0)
		snprintf(err, errlen, "tun %s: cannot add host=%s peer %s: %s", ifname,
			 inet_ntop(AF_INET, &o->host, a, sizeof(a)),
			 inet_ntop(AF_INET, &o->addr, b, sizeof(b)), strerror(-e));
	return e;
}

int tun_open(const struct dev_opts *o, struct net_device **out, char *err, size_t errlen)
{
	struct net_device *dev = net_device_alloc();
	int fd, e;

	if (!dev) {
		snprintf(err, errlen, "tun %s: out of memory", o->ifname);
		return -ENOMEM;
	}
	fd = tuntap_attach(o->ifname, (short)(IFF_TUN | (o->offload ? IFF_VNET_HDR : 0)),
			   dev->name, err, errlen);
	if (fd < 0) {
		e = fd;
		goto fail;
	}
	dev->fd = fd;
	dev->type = NET_DEV_IP;
	dev->mtu = o->mtu ? o->mtu : TUN_DEFAULT_MTU;
	dev->hdr_len = 0;
	dev->flags = NET_DEV_F_P2P | NET_DEV_F_NOARP | NET_DEV_F_RX_ONE; /* one read per frame, as tap */
	dev->ops = &tun_ops;
	if (o->offload) {
		/* Same header and offloads as TAP: csum_start counts from the IP header. */
		e = tuntap_offload_setup(dev, err, errlen);
		if (e < 0)
			goto fail;
	}
	e = tun_configure_host(o, dev->name, dev->mtu, err, errlen);
	if (e < 0)
		goto fail;
	e = net_device_register(dev);
	if (e < 0) {
		snprintf(err, errlen, "tun %s: cannot add the device to the loop: %s", dev->name,
			 strerror(-e));
		goto fail;
	}
	infof("dev=%s tun mtu=%u offload=%s", dev->name, dev->mtu, o->offload ? "on" : "off");
	*out = dev; /* owned by the device registry */
	return 0;
fail:
	if (dev->fd >= 0)
		close(dev->fd);
	free(dev);
	return e;
}
