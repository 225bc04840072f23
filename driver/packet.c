/* SPDX-License-Identifier: MIT */
/* PF_PACKET driver: ustack as one more station on an existing Ethernet interface (a veth
 * end, say), with its own MAC address next to the kernel's.
 *
 * The socket is bound to the interface for every ethertype and joins promiscuous mode
 * (a membership: it is dropped with the socket and does not disturb other users), so
 * frames to ustack's MAC arrive. Frames the kernel itself sends out of the interface are
 * looped back to packet sockets as PACKET_OUTGOING: those are skipped, or ustack would see
 * the kernel's traffic - and its own - as input. Frames are read in batches with
 * recvmmsg, one system call per readiness event, and what the loop's round sends leaves
 * with one sendmmsg per flush of the device's transmit queue (net/netdev.c).
 *
 * Offloads: every frame crosses the socket after a virtio-net header (PACKET_VNET_HDR),
 * as on a TAP with offload=on, and the kernel fills it in from the skb:
 *   - a kernel sending through a veth (tx checksum offload is on by default) leaves TCP
 *     and UDP checksums "partial" (VIRTIO_NET_HDR_F_NEEDS_CSUM: the field holds only the
 *     pseudo-header sum). Like TAP, the driver trusts them (the local kernel's data, which
 *     its own receive path would not verify either): the pkb is marked partial and the
 *     transport layers skip the check; forwarding finishes the sum when the next device
 *     does not;
 *   - a veth keeps TSO/GSO on by default, so a kernel sender hands us TCP "super-segments"
 *     of up to 64 KB (VIRTIO_NET_HDR_GSO_TCPV4 or _TCPV6 with gso_size: driver/vnet.c,
 *     shared with TAP). Frames are read into a small pool buffer and, past its end, a
 *     large one (the TAP scheme: only a frame that overflows is moved whole into the large
 *     buffer). TCP takes a super-segment whole; IPv4 forwarding passes it on whole or
 *     cuts it (net/gso.c). GSO types ustack cannot use (UDP) are dropped and counted.
 * Transmit (offload=on, the default) is the same header the other way: partial checksums
 * and TCP super-segments go to the kernel, which finishes or cuts them (in software if
 * the interface has no TSO: the kernel's GSO), so ustack's TCP sends 64 KB per system
 * call through a packet socket as through a TAP. offload=off sends only plain frames
 * with complete checksums (then forwarded super-segments are cut by net/gso.c). */
#include "driver/driver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "driver/vnet.h"
#include "net/log.h"

STATS_DEFINE(packet, PACKET_COUNTERS)

#define PACKET_HDR_LEN 14
/* The largest frame a GSO super-segment makes: a 64 KB IP packet and its link header
 * (IPv6's payload length stops at 65535, after its 40-byte header). */
#define PACKET_GSO_FRAME_MAX (65535 + 40 + PACKET_HDR_LEN)
/* Socket receive and send buffers: room for a window's worth of super-segments. */
#define PACKET_SOCK_BUF (4 * 1024 * 1024)

/* Receive ring (ring=N): a TPACKET_V2 PACKET_RX_RING of N slots sized for the MTU, mapped
 * once. The kernel fills a slot per frame and flips its status to user; the walk copies
 * the frame into a pool buffer and hands the slot back, no system call. A frame longer
 * than its slot (a super-segment) is cut in the slot but, with PACKET_COPY_THRESH, also
 * queued whole on the socket (TP_STATUS_COPY): that one is read with recvmmsg when its
 * slot comes up, so the order holds. Measured against recvmmsg alone: less CPU per small
 * frame, the same for TCP bulk (docs/driver-packet.md). */
struct packet_ring {
	uint8_t *map;
	size_t slot;    /* bytes per slot (a page multiple) */
	unsigned slots; /* ring=N */
	unsigned cur;   /* the next slot to look at */
};

/* Checks the virtio-net header and counts; frees p and returns -1 if it is dropped. */
static int packet_rx_finish(struct net_device *dev, struct pkb *p, const uint8_t *vnet)
{
	struct vnet_hdr vh;

	vnet_hdr_parse(vnet, VNET_HDR_LEN, &vh);
	if (vnet_hdr_to_pkb(&vh, p) < 0) {
		STAT_INC(packet, rx_bad_vnet_hdr);
		debugf("dev=%s rx: virtio-net header flags=%u gso_type=%u gso_size=%u csum "
		       "%u+%u for %zu bytes dropped", dev->name, vh.flags, vh.gso_type,
		       vh.gso_size, vh.csum_start, vh.csum_offset, p->len);
		pkb_free(p);
		return -1;
	}
	if (p->gso_size)
		STAT_INC(packet, rx_gso_frames);
	if (p->csum == PKB_CSUM_PARTIAL)
		STAT_INC(packet, rx_csum_partial);
	else if (p->csum == PKB_CSUM_VALID)
		STAT_INC(packet, rx_csum_valid);
	STAT_INC(packet, rx_frames);
	return 0;
}

/* Reads a batch with recvmmsg. Each slot scatters into [virtio-net header][small pool
 * buffer sized for the MTU][large pool buffer past it]: a super-segment lands whole in
 * one system call, and only then is the small part moved into the large buffer. The
 * caller owns the returned buffers; no malloc per frame. */
static int packet_recv_mmsg(struct net_device *dev, struct pkb **out, int max)
{
	struct pkb *bufs[NET_DEV_BATCH], *big[NET_DEV_BATCH];
	struct mmsghdr msgs[NET_DEV_BATCH];
	struct iovec iov[NET_DEV_BATCH][3];
	uint8_t vnet[NET_DEV_BATCH][VNET_HDR_LEN];
	struct sockaddr_ll from[NET_DEV_BATCH];
	size_t room = dev->mtu + PACKET_HDR_LEN;
	int n = 0, got, i;

	if (max > NET_DEV_BATCH)
		max = NET_DEV_BATCH;
	if (room > PACKET_GSO_FRAME_MAX)
		room = PACKET_GSO_FRAME_MAX;
	for (i = 0; i < max; i++) {
		bufs[i] = pkb_alloc(room);
		big[i] = pkb_alloc(PACKET_GSO_FRAME_MAX);
		if (!bufs[i] || !big[i]) {
			pkb_free(bufs[i]);
			pkb_free(big[i]);
			STAT_INC(packet, rx_alloc_failed);
			break;
		}
		iov[i][0] = (struct iovec){ vnet[i], VNET_HDR_LEN };
		iov[i][1] = (struct iovec){ bufs[i]->data, room };
		iov[i][2] = (struct iovec){ big[i]->data + room, PACKET_GSO_FRAME_MAX - room };
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = iov[i];
		msgs[i].msg_hdr.msg_iovlen = 3;
		msgs[i].msg_hdr.msg_name = &from[i];
		msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
	}
	if (i == 0)
		return 0; /* no buffers: the frames wait in the socket */
	got = recvmmsg(dev->fd, msgs, (unsigned)i, MSG_DONTWAIT, NULL);
	if (got < 0) {
		int e = errno;
		for (int k = 0; k < i; k++) {
			pkb_free(bufs[k]);
			pkb_free(big[k]);
		}
		if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR)
			return 0;
		STAT_INC(packet, rx_errors);
		debugf("dev=%s recvmmsg: %s", dev->name, strerror(e));
		return -e;
	}
	for (int k = 0; k < i; k++) {
		struct pkb *p = bufs[k];
		size_t len;

		if (k >= got || from[k].sll_pkttype == PACKET_OUTGOING ||
		    msgs[k].msg_len < VNET_HDR_LEN || (msgs[k].msg_hdr.msg_flags & MSG_TRUNC)) {
			if (k >= got) {
				/* not filled */
			} else if (from[k].sll_pkttype == PACKET_OUTGOING) {
				STAT_INC(packet, rx_outgoing_ignored);
			} else if (msgs[k].msg_len < VNET_HDR_LEN) {
				STAT_INC(packet, rx_errors);
				debugf("dev=%s rx: %u bytes, no virtio-net header", dev->name,
				       msgs[k].msg_len);
			} else {
				STAT_INC(packet, rx_truncated);
				debugf("dev=%s rx: frame longer than 64 KB dropped", dev->name);
			}
			pkb_free(p);
			pkb_free(big[k]);
			continue;
		}
		len = msgs[k].msg_len - VNET_HDR_LEN;
		if (len > room) {
			memcpy(big[k]->data, p->data, room);
			pkb_free(p);
			p = big[k];
			STAT_INC(packet, rx_large);
		} else {
			pkb_free(big[k]);
		}
		pkb_put(p, len);
		if (packet_rx_finish(dev, p, vnet[k]) < 0)
			continue;
		out[n++] = p; /* owned by the caller now */
	}
	return n;
}

/* Walks the receive ring from the slot after the last one read, up to max frames. */
static int packet_recv_ring(struct net_device *dev, struct packet_ring *r, struct pkb **out,
			    int max)
{
	int n = 0;

	while (n < max) {
		struct tpacket2_hdr *h = (void *)(r->map + (size_t)r->cur * r->slot);
		uint32_t st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
		const struct sockaddr_ll *sll;
		struct pkb *p = NULL;

		if (!(st & TP_STATUS_USER))
			break;
		sll = (const void *)((uint8_t *)h + TPACKET_ALIGN(sizeof(*h)));
		if (st & TP_STATUS_COPY) {
			/* the whole frame waits on the socket: read it in its place */
		} else if (sll->sll_pkttype == PACKET_OUTGOING) {
			STAT_INC(packet, rx_outgoing_ignored);
		} else if (h->tp_snaplen < h->tp_len || h->tp_mac < VNET_HDR_LEN ||
			   h->tp_mac + h->tp_snaplen > r->slot) {
			STAT_INC(packet, rx_truncated); /* too long, and no room on the socket */
		} else if (!(p = pkb_alloc(h->tp_snaplen))) {
			STAT_INC(packet, rx_alloc_failed);
		} else {
			memcpy(p->data, (uint8_t *)h + h->tp_mac, h->tp_snaplen);
			pkb_put(p, h->tp_snaplen);
			if (packet_rx_finish(dev, p, (uint8_t *)h + h->tp_mac - VNET_HDR_LEN) < 0)
				p = NULL;
		}
		__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		r->cur = r->cur + 1 == r->slots ? 0 : r->cur + 1;
		if (st & TP_STATUS_COPY) {
			int k = packet_recv_mmsg(dev, out + n, 1);

			/* A pending socket error (ENETDOWN after a link change) is reported
			 * once, ahead of the queue: then the frame is next. */
			if (k < 0)
				k = packet_recv_mmsg(dev, out + n, 1);

			if (k > 0) {
				STAT_INC(packet, rx_ring_copied);
				n += k;
			}
			continue;
		}
		if (p) {
			STAT_INC(packet, rx_ring_frames);
			out[n++] = p; /* owned by the caller now */
		}
	}
	return n;
}

static int packet_recv_batch(struct net_device *dev, struct pkb **out, int max)
{
	if (max > NET_DEV_BATCH)
		max = NET_DEV_BATCH;
	if (dev->priv) {
		int n = packet_recv_ring(dev, dev->priv, out, max);

		/* Woken with nothing in the ring: what is readable is on the socket (a copy
		 * its slot's reading missed); read it, or the wakeups would not stop. */
		return n ? n : packet_recv_mmsg(dev, out, max);
	}
	return packet_recv_mmsg(dev, out, max);
}

/* Fills vb with p's virtio-net header: all zero for a plain frame, NEEDS_CSUM or TCPv4 GSO
 * for what TCP or forwarding left to a device with offload (only a device with offload=on
 * is given those). -EINVAL (counted) for a frame this device cannot send. */
static int packet_tx_prepare(struct net_device *dev, struct pkb *p, uint8_t vb[VNET_HDR_LEN])
{
	struct vnet_hdr vh;

	if (!(dev->flags & NET_DEV_F_CSUM_TX) && (p->gso_size || pkb_csum_complete(p) < 0)) {
		/* A stray partial checksum is finished rather than sent wrong; a super-segment
		 * here is a bug above (forwarding and IP cut them for such a device). */
		STAT_INC(packet, tx_errors);
		return -EINVAL;
	}
	vnet_hdr_from_pkb(p, &vh);
	vnet_hdr_emit(&vh, vb, VNET_HDR_LEN);
	return 0;
}

/* Counts a frame that went out after the header vb (flags in byte 0, GSO type in 1). */
static void packet_tx_sent(const uint8_t vb[VNET_HDR_LEN])
{
	if (vb[1] != VIRTIO_NET_HDR_GSO_NONE)
		STAT_INC(packet, tx_gso);
	else if (vb[0] & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		STAT_INC(packet, tx_csum_partial);
	STAT_INC(packet, tx_frames);
}

/* Counts a send that failed with e (an errno); returns what the caller reports. A full
 * socket buffer drops the frame, as a NIC with a full ring would. */
static int packet_tx_failed(struct net_device *dev, const struct pkb *p, int e)
{
	debugf("dev=%s send len=%zu gso=%u: %s", dev->name, p->len, p->gso_size, strerror(e));
	if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS) {
		STAT_INC(packet, tx_dropped_full);
		return -ENOBUFS;
	}
	STAT_INC(packet, tx_errors);
	return -e;
}

/* Sends one frame after its virtio-net header. Always frees p. */
static int packet_transmit(struct net_device *dev, struct pkb *p)
{
	uint8_t vb[VNET_HDR_LEN];
	struct iovec iov[2] = { { vb, VNET_HDR_LEN }, { p->data, p->len } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t w;
	int err;

	err = packet_tx_prepare(dev, p, vb);
	if (err == 0) {
		do
			w = sendmsg(dev->fd, &msg, MSG_DONTWAIT);
		while (w < 0 && errno == EINTR);
		if (w < 0)
			err = packet_tx_failed(dev, p, errno);
		else
			packet_tx_sent(vb);
	}
	pkb_free(p);
	return err;
}

/* Sends up to NET_DEV_TX_BATCH frames with sendmmsg: one system call, each frame after
 * its virtio-net header. sendmmsg stops at the first frame that fails; that one is counted
 * and dropped (a full socket buffer, as packet_transmit does) and the rest go on in a next
 * call. Frees every frame; returns how many failed. */
static int packet_tx_chunk(struct net_device *dev, struct pkb **p, int n)
{
	struct mmsghdr msgs[NET_DEV_TX_BATCH];
	struct iovec iov[NET_DEV_TX_BATCH][2];
	uint8_t vb[NET_DEV_TX_BATCH][VNET_HDR_LEN];
	struct pkb *ok[NET_DEV_TX_BATCH];
	int m = 0, failed = 0, done = 0;

	for (int i = 0; i < n; i++) {
		if (packet_tx_prepare(dev, p[i], vb[m]) < 0) {
			pkb_free(p[i]);
			failed++;
			continue;
		}
		iov[m][0] = (struct iovec){ vb[m], VNET_HDR_LEN };
		iov[m][1] = (struct iovec){ p[i]->data, p[i]->len };
		memset(&msgs[m], 0, sizeof(msgs[m]));
		msgs[m].msg_hdr.msg_iov = iov[m];
		msgs[m].msg_hdr.msg_iovlen = 2;
		ok[m++] = p[i];
	}
	while (done < m) {
		int r = sendmmsg(dev->fd, msgs + done, (unsigned)(m - done), MSG_DONTWAIT);

		if (r < 0 && errno == EINTR)
			continue;
		STAT_INC(packet, tx_batches);
		if (r <= 0) {
			/* the first frame of what is left failed: drop it, go on with the rest */
			packet_tx_failed(dev, ok[done], r < 0 ? errno : EIO);
			pkb_free(ok[done++]);
			failed++;
			continue;
		}
		for (int k = 0; k < r; k++) {
			packet_tx_sent(vb[done]);
			pkb_free(ok[done++]);
		}
	}
	return failed;
}

/* The batch the loop's round queued (net/netdev.c: at most NET_DEV_TX_BATCH), in order. */
static int packet_transmit_batch(struct net_device *dev, struct pkb **p, int n)
{
	int failed = 0;

	for (int i = 0; i < n; i += NET_DEV_TX_BATCH)
		failed += packet_tx_chunk(dev, p + i,
					  n - i < NET_DEV_TX_BATCH ? n - i : NET_DEV_TX_BATCH);
	return failed;
}

static void packet_close(struct net_device *dev)
{
	struct tpacket_stats st;
	socklen_t len = sizeof(st);

	/* Frames the kernel dropped because the socket's receive queue was full: read once,
	 * at the end (each read resets the kernel's count), for --stats at exit. */
	if (dev->fd >= 0 && getsockopt(dev->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
		STAT_ADD(packet, rx_kernel_drops, st.tp_drops);
	if (dev->priv) {
		struct packet_ring *r = dev->priv;

		munmap(r->map, r->slot * r->slots);
		free(r);
		dev->priv = NULL;
	}
	if (dev->fd >= 0)
		close(dev->fd);
	dev->fd = -1;
}

static const struct net_device_ops packet_ops = {
	.close = packet_close,
	.transmit = packet_transmit,
	.transmit_batch = packet_transmit_batch,
	.recv_batch = packet_recv_batch,
};

/* Sets up the receive ring of o->ring slots (before bind: no frame may wait on the socket
 * outside the ring). */
static int packet_ring_setup(int fd, const char *ifname, unsigned slots,
			     struct packet_ring **out, char *err, size_t errlen)
{
	struct tpacket_req rq;
	struct packet_ring *r;
	struct ifreq ifr;
	int v = TPACKET_V2, one = 1, e;
	size_t need;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0) {
		e = errno;
		snprintf(err, errlen, "packet %s: cannot read the mtu: %s", ifname, strerror(e));
		return -e;
	}
	/* slot header, address, virtio-net header, then the frame; a page multiple */
	need = TPACKET_ALIGN(TPACKET2_HDRLEN) + 16 + VNET_HDR_LEN + PACKET_HDR_LEN +
	       (size_t)ifr.ifr_mtu + 64;
	need = (need + 4095) & ~(size_t)4095;
	if (need * slots > (size_t)64 << 20) {
		snprintf(err, errlen, "packet %s: ring=%u of %zu-byte slots is over 64 MB", ifname,
			 slots, need);
		return -EINVAL;
	}
	memset(&rq, 0, sizeof(rq));
	rq.tp_block_size = rq.tp_frame_size = (unsigned)need;
	rq.tp_block_nr = rq.tp_frame_nr = slots;
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_COPY_THRESH, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &rq, sizeof(rq)) < 0) {
		e = errno;
		snprintf(err, errlen, "packet %s: receive ring (ring=%u): %s", ifname, slots,
			 strerror(e));
		return -e;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "packet %s: out of memory", ifname);
		return -ENOMEM;
	}
	r->slot = need;
	r->slots = slots;
	r->map = mmap(NULL, need * slots, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r->map == MAP_FAILED) {
		e = errno;
		free(r);
		snprintf(err, errlen, "packet %s: receive ring: mmap: %s", ifname, strerror(e));
		return -e;
	}
	*out = r;
	return 0;
}

/* The socket, bound to ifindex for all ethertypes, in promiscuous membership. */
static int packet_socket(const char *ifname, int ifindex, unsigned ring, struct packet_ring **rp,
			 char *err, size_t errlen)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = ifindex };
	struct packet_mreq mr = { .mr_ifindex = ifindex, .mr_type = PACKET_MR_PROMISC };
	int fd, e, one = 1, bufsz = PACKET_SOCK_BUF;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0) {
		e = errno;
		if (e == EPERM || e == EACCES)
			snprintf(err, errlen, "packet %s: need CAP_NET_RAW: run as root", ifname);
		else
			snprintf(err, errlen, "packet %s: socket: %s", ifname, strerror(e));
		return -e;
	}
	/* A kernel sender hands over 64 KB super-segments: the default receive buffer
	 * (about 200 KB) holds three, and a burst past it is dropped by the kernel
	 * (packet.rx_kernel_drops). As root the limit of net.core.rmem_max does not apply. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bufsz, sizeof(bufsz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	/* Before bind: frames queued from then on already carry the header. */
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0) {
		e = errno;
		snprintf(err, errlen, "packet %s: PACKET_VNET_HDR: %s", ifname, strerror(e));
		goto fail;
	}
	if (ring) {
		e = -packet_ring_setup(fd, ifname, ring, rp, err, errlen);
		if (e)
			goto fail;
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
	struct packet_ring *ring = NULL;
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
	/* A down interface passes no frames; bringing it up is what the user wants. Before
	 * the socket: one bound to a down interface keeps a pending ENETDOWN (SO_ERROR) that
	 * the first send returns, so the gratuitous ARP announcing the address was lost and
	 * counted in packet.tx_errors. */
	e = nl_link_up(o->ifname);
	if (e == -EPERM || e == -EACCES) {
		snprintf(err, errlen, "packet %s: need CAP_NET_ADMIN and CAP_NET_RAW: run as root",
			 o->ifname);
		goto fail;
	} else if (e < 0) {
		snprintf(err, errlen, "packet %s: cannot bring the link up: %s", o->ifname,
			 strerror(-e));
		goto fail;
	}
	fd = packet_socket(o->ifname, ifindex, o->ring, &ring, err, errlen);
	if (fd < 0) {
		e = fd;
		goto fail;
	}
	dev->fd = fd;
	dev->priv = ring; /* freed by packet_close */
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
	dev->flags = NET_DEV_F_BROADCAST | NET_DEV_F_TX_BATCH; /* sendmmsg */
	if (o->offload) {
		/* The kernel finishes checksums and cuts super-segments on the way out (in
		 * software when the interface cannot), whatever the interface offers. */
		dev->flags |= NET_DEV_F_CSUM_TX | NET_DEV_F_TSO | NET_DEV_F_TSO6;
		dev->gso_max_size = 65535;
	}
	dev->ops = &packet_ops;
	memset(dev->broadcast, 0xff, NET_DEV_ADDR_LEN);
	e = driver_pick_mac(o, dev->hwaddr, err, errlen);
	if (e < 0)
		goto fail;
	e = net_device_register(dev);
	if (e < 0) {
		snprintf(err, errlen, "packet %s: cannot add the device to the loop: %s", dev->name,
			 strerror(-e));
		goto fail;
	}
	infof("dev=%s packet mac=%02x:%02x:%02x:%02x:%02x:%02x mtu=%u offload=%s", dev->name,
	      dev->hwaddr[0], dev->hwaddr[1], dev->hwaddr[2], dev->hwaddr[3], dev->hwaddr[4],
	      dev->hwaddr[5], dev->mtu, o->offload ? "on" : "off");
	if (ring)
		infof("dev=%s receive ring: %u slots of %zu bytes", dev->name, ring->slots,
		      ring->slot);
	*out = dev; /* owned by the device registry */
	return 0;
fail:
	if (dev->fd >= 0)
		packet_close(dev);
	else if (ring) {
		munmap(ring->map, ring->slot * ring->slots);
		free(ring);
	}
	free(dev);
	return e;
}
