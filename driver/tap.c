/* SPDX-License-Identifier: MIT */
/* TAP driver: Ethernet frames through /dev/net/tun (IFF_TAP | IFF_NO_PI). The clone-device
 * code and the read/write path are shared with the TUN driver (tun.c), and so are the tap.*
 * counters.
 *
 * The kernel sees a network interface NAME; ustack sits on the other end of the wire with
 * its own MAC address (mac= or a random locally administered one), so the tap interface's
 * MAC is the kernel's and ours is a different station on the same link. The kernel side is
 * configured over netlink (driver/netlink.c): MTU, bridge port, link up, host= address.
 *
 * One reader per fd (two readers reorder frames). The fd is non-blocking and
 * read until EAGAIN in batches, so one readiness event costs one epoll_wait.
 *
 * Offload (offload=on, the default): the fd carries a virtio-net header before every frame
 * (IFF_VNET_HDR) and TUNSETOFFLOAD tells the kernel it may send us partial checksums and
 * TCPv4 and TCPv6 GSO super-frames of up to 64 KB - one read instead of forty-odd, which is what
 * lifts TAP throughput past the ~3 Gbit/s that per-frame I/O allows (2-vCPU VM). Frames
 * from the local kernel with a partial checksum are trusted (the checksum is never
 * verified, as the kernel's own receive path would not either); the pkb says so and the
 * transport layers skip the check. On transmit TCP may hand us super-segments and partial
 * checksums for the kernel to finish. The header lives only here: the wrappers (pcap,
 * trace, impair) see plain frames. */
#include "driver/driver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "driver/vnet.h"
#include "net/log.h"
#include "net/sys.h"

STATS_DEFINE(tap, TAP_COUNTERS)

#define TAP_HDR_LEN 14
#define TAP_DEFAULT_MTU 1500
#define TUN_CLONE_PATH "/dev/net/tun"

/* The largest frame the kernel sends us with TSO4 or TSO6: a 64 KB IP packet and its link
 * header (IPv6's payload length stops at 65535, after its 40-byte header; the large
 * buffer's slack, PKB_LARGE_BUF_SIZE, holds both). */
#define TUNTAP_GSO_FRAME_MAX (65535 + 40 + 14)

/* Offload receive: each read is [virtio-net header][frame]. Most frames fit the MTU and
 * belong in a small pool buffer (TCP may queue them, and a 64 KB buffer per queued ACK
 * would be waste), so the read scatters into the small buffer and, past its end, into a
 * large pool buffer; only a frame that overflows is moved whole into the large one (a copy
 * of MTU bytes, to go with 64 KB read in one system call). Both come from their pools: no
 * malloc per frame. A large buffer that a read did not need (the frame fit, or nothing
 * came) stays with the device for the next read (dev->rx_spare), so a run of small frames
 * takes it from the pool once, not once per read. The caller owns the returned buffers. */
static int tuntap_recv_vnet(struct net_device *dev, struct pkb **out, int max)
{
	size_t room = dev->mtu + dev->hdr_len;
	int n = 0;

	while (n < max) {
		uint8_t vh_bytes[VNET_HDR_LEN];
		struct pkb *p = pkb_alloc(room);
		struct pkb *big;
		struct iovec iov[3];
		struct vnet_hdr vh;
		ssize_t r;
		size_t len;
		int e;

		/* the large buffer stays the device's until a frame needs it */
		if (!dev->rx_spare)
			dev->rx_spare = pkb_alloc(TUNTAP_GSO_FRAME_MAX + 1);
		big = dev->rx_spare;
		if (!p || !big) {
			pkb_free(p);
			STAT_INC(tap, rx_alloc_failed);
			debugf("dev=%s rx: no buffer", dev->name);
			break;
		}
		iov[0] = (struct iovec){ vh_bytes, VNET_HDR_LEN };
		iov[1] = (struct iovec){ p->data, room };
		/* One byte more than the largest frame tells a too-long frame from a full one. */
		iov[2] = (struct iovec){ big->data + room, TUNTAP_GSO_FRAME_MAX + 1 - room };
		r = sys_readv(dev->fd, iov, 3);
		if (r < 0) {
			e = errno;
			pkb_free(p);
			if (e == EINTR)
				continue;
			if (e == EAGAIN || e == EWOULDBLOCK)
				break;
			STAT_INC(tap, rx_read_errors);
			debugf("dev=%s read: %s", dev->name, strerror(e));
			return n ? n : -e;
		}
		if ((size_t)r < VNET_HDR_LEN) {
			STAT_INC(tap, rx_no_vnet_hdr);
			debugf("dev=%s rx: %zd bytes, no virtio-net header", dev->name, r);
			pkb_free(p);
			continue;
		}
		len = (size_t)r - VNET_HDR_LEN;
		if (len > TUNTAP_GSO_FRAME_MAX) {
			STAT_INC(tap, rx_too_long);
			debugf("dev=%s rx: frame longer than 64 KB dropped", dev->name);
			pkb_free(p);
			continue;
		}
		if (len > room) {
			memcpy(big->data, p->data, room);
			pkb_free(p);
			p = big;
			dev->rx_spare = NULL;
			STAT_INC(tap, rx_large);
		}
		pkb_put(p, len);
		vnet_hdr_parse(vh_bytes, VNET_HDR_LEN, &vh);
		e = vnet_hdr_to_pkb(&vh, p);
		if (e < 0) {
			STAT_INC(tap, rx_bad_vnet_hdr);
			debugf("dev=%s rx: virtio-net header flags=%u gso_type=%u csum %u+%u for %zu "
			       "bytes dropped", dev->name, vh.flags, vh.gso_type, vh.csum_start,
			       vh.csum_offset, len);
			pkb_free(p);
			continue;
		}
		if (vh.gso_type != VIRTIO_NET_HDR_GSO_NONE)
			STAT_INC(tap, rx_gso);
		if (p->csum == PKB_CSUM_PARTIAL)
			STAT_INC(tap, rx_csum_partial);
		else if (p->csum == PKB_CSUM_VALID)
			STAT_INC(tap, rx_csum_valid);
		STAT_INC(tap, rx_frames);
		out[n++] = p; /* owned by the caller now */
	}
	return n;
}

/* Reads up to max frames; 0 when the kernel has none queued. Each frame gets a pool buffer
 * sized for the MTU, so a batch costs no malloc. The caller owns the returned buffers. */
int tuntap_recv_batch(struct net_device *dev, struct pkb **out, int max)
{
	size_t room = dev->mtu + dev->hdr_len;
	int n = 0;

	if (dev->flags & NET_DEV_F_VNET_HDR)
		return tuntap_recv_vnet(dev, out, max);

	while (n < max) {
		struct pkb *p = pkb_alloc(room);
		ssize_t r;

		if (!p) {
			/* Frames stay queued in the kernel; the level-triggered fd brings us back. */
			STAT_INC(tap, rx_alloc_failed);
			debugf("dev=%s rx: no buffer", dev->name);
			break;
		}
		/* One byte more than a full frame tells a too-long frame from a full one. */
		r = sys_read(dev->fd, p->data, pkb_tailroom(p) > room ? room + 1 : room);
		if (r < 0) {
			int e = errno;
			pkb_free(p);
			if (e == EINTR)
				continue;
			if (e == EAGAIN || e == EWOULDBLOCK)
				break;
			STAT_INC(tap, rx_read_errors);
			debugf("dev=%s read: %s", dev->name, strerror(e));
			return n ? n : -e;
		}
		if ((size_t)r > room) {
			STAT_INC(tap, rx_too_long);
			debugf("dev=%s rx: frame longer than the mtu dropped", dev->name);
			pkb_free(p);
			continue;
		}
		pkb_put(p, (size_t)r);
		STAT_INC(tap, rx_frames);
		out[n++] = p; /* owned by the caller now */
	}
	return n;
}

/* Writes one frame; always frees p. A full kernel queue (EAGAIN) drops the frame, as a
 * NIC with a full ring would: TCP recovers, and blocking here would stall the loop. */
int tuntap_transmit(struct net_device *dev, struct pkb *p)
{
	ssize_t w;
	int err = 0;

	if (dev->flags & NET_DEV_F_VNET_HDR) {
		/* The header goes into the headroom: one write, no copy. */
		struct vnet_hdr vh;
		uint8_t *b;

		vnet_hdr_from_pkb(p, &vh);
		b = pkb_push(p, VNET_HDR_LEN);
		if (!b) {
			STAT_INC(tap, tx_no_headroom);
			debugf("dev=%s tx: no headroom for the virtio-net header", dev->name);
			pkb_free(p);
			return -ENOBUFS;
		}
		vnet_hdr_emit(&vh, b, VNET_HDR_LEN);
		if (vh.gso_type != VIRTIO_NET_HDR_GSO_NONE)
			STAT_INC(tap, tx_gso);
		else if (vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
			STAT_INC(tap, tx_csum_partial);
	} else if (p->csum == PKB_CSUM_PARTIAL && pkb_csum_complete(p) < 0) {
		/* Only a device with NET_DEV_F_CSUM_TX is handed partial checksums; finishing
		 * one here keeps a stray one from leaving with a wrong checksum. */
		STAT_INC(tap, tx_write_errors);
		pkb_free(p);
		return -EINVAL;
	}
	do
		w = sys_write(dev->fd, p->data, p->len);
	while (w < 0 && errno == EINTR);
	if (w < 0) {
		err = -errno;
		if (err == -EAGAIN || err == -EWOULDBLOCK) {
			STAT_INC(tap, tx_dropped_full);
			err = -ENOBUFS;
		} else {
			STAT_INC(tap, tx_write_errors);
		}
		debugf("dev=%s write len=%zu: %s", dev->name, p->len, strerror(-err));
	} else if ((size_t)w != p->len) {
		STAT_INC(tap, tx_short_writes);
		debugf("dev=%s short write %zd of %zu", dev->name, w, p->len);
		err = -EIO;
	} else {
		STAT_INC(tap, tx_frames);
	}
	pkb_free(p);
	return err;
}

/* A non-persistent tap disappears from the kernel when its last fd closes. */
void tuntap_close(struct net_device *dev)
{
	if (dev->fd >= 0)
		close(dev->fd);
	dev->fd = -1;
}

static const struct net_device_ops tap_ops = {
	.close = tuntap_close,
	.transmit = tuntap_transmit,
	.recv_batch = tuntap_recv_batch,
};

/* Opens the clone device and attaches to (or creates) the tap or tun NAME (flags IFF_TAP
 * or IFF_TUN). Returns the fd or -errno with the message in err. */
int tuntap_attach(const char *name, short flags, char *ifname_out, char *err, size_t errlen)
{
	const char *kind = flags & IFF_TAP ? "tap" : "tun";
	struct ifreq ifr;
	int fd, e;

	fd = open(TUN_CLONE_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT || e == ENODEV || e == ENXIO)
			snprintf(err, errlen, "no %s: load the tun module: modprobe tun",
				 TUN_CLONE_PATH);
		else if (e == EACCES || e == EPERM)
			snprintf(err, errlen, "cannot open %s: need CAP_NET_ADMIN: run as root",
				 TUN_CLONE_PATH);
		else
			snprintf(err, errlen, "cannot open %s: %s", TUN_CLONE_PATH, strerror(e));
		return -e;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = (short)(flags | IFF_NO_PI);
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		e = errno;
		if (e == EPERM || e == EACCES)
			snprintf(err, errlen, "%s %s: need CAP_NET_ADMIN: run as root", kind, name);
		else if (e == EBUSY)
			snprintf(err, errlen, "device %s is in use: pick another name", name);
		else if (e == EINVAL && (flags & IFF_MULTI_QUEUE))
			snprintf(err, errlen, "device %s exists and is not a multi-queue %s: "
				 "pick another name", name, kind);
		else if (e == EINVAL)
			snprintf(err, errlen, "device %s exists and is not a %s: pick another name",
				 name, kind);
		else
			snprintf(err, errlen, "%s %s: TUNSETIFF: %s", kind, name, strerror(e));
		close(fd);
		return -e;
	}
	/* The kernel may have filled in a pattern such as "tap%d". */
	snprintf(ifname_out, NET_DEV_NAME_MAX, "%s", ifr.ifr_name);
	return fd;
}

int tuntap_offload_setup(struct net_device *dev, char *err, size_t errlen)
{
	int hdr_sz = VNET_HDR_LEN;
	unsigned feat = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;

	/* The default is already 10 (struct virtio_net_hdr); saying it keeps the parse and
	 * the fd in step even if that default ever changes. */
	if (ioctl(dev->fd, TUNSETVNETHDRSZ, &hdr_sz) < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: TUNSETVNETHDRSZ: %s (try offload=off)", dev->name,
			 strerror(e));
		return -e;
	}
	/* No TUN_F_TSO_ECN: a super-segment with CWR set would need cutting rules we do not
	 * implement; without it the kernel segments those frames itself. */
	if (ioctl(dev->fd, TUNSETOFFLOAD, (unsigned long)feat) < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: TUNSETOFFLOAD: %s (try offload=off)", dev->name,
			 strerror(e));
		return -e;
	}
	dev->flags |= NET_DEV_F_VNET_HDR | NET_DEV_F_CSUM_TX | NET_DEV_F_TSO | NET_DEV_F_TSO6;
	dev->gso_max_size = 65535;
	return 0;
}

int tuntap_up(const struct dev_opts *o, const char *ifname, char *err, size_t errlen)
{
	const char *kind = o->kind == DEV_TUN ? "tun" : "tap";
	int e;

	e = nl_link_up(ifname);
	if (e < 0) {
		snprintf(err, errlen, "%s %s: cannot bring the link up: %s", kind, ifname,
			 strerror(-e));
		return e;
	}
	if (o->has_host6) {
		e = nl_addr6_add(ifname, &o->host6, o->host6_plen);
		if (e < 0) {
			char a[INET6_ADDRSTRLEN];

			snprintf(err, errlen, "%s %s: cannot add host6=%s/%u: %s", kind, ifname,
				 inet_ntop(AF_INET6, o->host6.v6, a, sizeof(a)), o->host6_plen,
				 strerror(-e));
			return e;
		}
	}
	return 0;
}

/* The kernel's half: MTU, bridge port, up with host6=, host=. */
static int tap_configure_host(const struct dev_opts *o, const char *ifname, unsigned mtu,
			      char *err, size_t errlen)
{
	int e;

	e = nl_link_set_mtu(ifname, mtu);
	if (e < 0) {
		snprintf(err, errlen, "tap %s: cannot set mtu %u: %s", ifname, mtu, strerror(-e));
		return e;
	}
	if (o->bridge[0]) {
		e = nl_link_enslave(ifname, o->bridge);
		if (e == -ENODEV)
			snprintf(err, errlen, "bridge %s not found: create it with ip link add %s "
				 "type bridge", o->bridge, o->bridge);
		else if (e == -EINVAL)
			snprintf(err, errlen, "%s is not a bridge: give bridge= an existing bridge",
				 o->bridge);
		else if (e < 0)
			snprintf(err, errlen, "tap %s: cannot join bridge %s: %s", ifname, o->bridge,
				 strerror(-e));
		if (e < 0)
			return e;
	}
	e = tuntap_up(o, ifname, err, errlen);
	if (e < 0)
		return e;
	if (o->has_host) {
		e = nl_addr_add(ifname, o->host, o->host_netmask, 0);
		if (e < 0) {
			char a[INET_ADDRSTRLEN];
			snprintf(err, errlen, "tap %s: cannot add host=%s/%d: %s", ifname,
				 inet_ntop(AF_INET, &o->host, a, sizeof(a)),
				 __builtin_popcount(o->host_netmask), strerror(-e));
			return e;
		}
	}
	return 0;
}

int tap_open(const struct dev_opts *o, struct net_device **out, char *err, size_t errlen)
{
	struct net_device *dev;
	int fd, e;

	dev = net_device_alloc();
	if (!dev) {
		snprintf(err, errlen, "tap %s: out of memory", o->ifname);
		return -ENOMEM;
	}
	/* queues=N: one queue of a multi-queue TAP. The first TUNSETIFF creates the device,
	 * each later one attaches one more queue; the kernel picks a queue per flow for what
	 * it sends (a hash of addresses and ports, or the queue the flow's last frame came
	 * in on), so each queue's stack sees whole connections. */
	fd = tuntap_attach(o->ifname, (short)(IFF_TAP | (o->offload ? IFF_VNET_HDR : 0) |
					      (o->queues > 1 ? IFF_MULTI_QUEUE : 0)),
			   dev->name, err, errlen);
	if (fd < 0) {
		e = fd;
		goto fail;
	}
	dev->fd = fd;
	dev->type = NET_DEV_ETHER;
	dev->mtu = o->mtu ? o->mtu : TAP_DEFAULT_MTU;
	dev->hdr_len = TAP_HDR_LEN;
	dev->flags = NET_DEV_F_BROADCAST | NET_DEV_F_RX_ONE; /* one read per frame */
	if (o->queues > 1)
		dev->flags |= NET_DEV_F_MULTIQUEUE;
	dev->ops = &tap_ops;
	memset(dev->broadcast, 0xff, NET_DEV_ADDR_LEN);
	if (o->offload) {
		e = tuntap_offload_setup(dev, err, errlen);
		if (e < 0)
			goto fail;
	}
	e = driver_pick_mac(o, dev->hwaddr, err, errlen);
	if (e < 0)
		goto fail;
	/* One interface on the kernel's side, whatever the number of queues: queue 0's. */
	e = o->queue ? 0 : tap_configure_host(o, dev->name, dev->mtu, err, errlen);
	if (e < 0)
		goto fail;
	e = net_device_register(dev);
	if (e < 0) {
		snprintf(err, errlen, "tap %s: cannot add the device to the loop: %s", dev->name,
			 strerror(-e));
		goto fail;
	}
	infof("dev=%s tap mac=%02x:%02x:%02x:%02x:%02x:%02x mtu=%u offload=%s queue=%u/%u",
	      dev->name, dev->hwaddr[0], dev->hwaddr[1], dev->hwaddr[2], dev->hwaddr[3],
	      dev->hwaddr[4], dev->hwaddr[5], dev->mtu, o->offload ? "on" : "off", o->queue,
	      o->queues ? o->queues : 1);
	*out = dev; /* owned by the device registry */
	return 0;
fail:
	if (dev->fd >= 0)
		close(dev->fd);
	free(dev);
	return e;
}
