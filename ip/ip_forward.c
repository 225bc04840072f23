/* SPDX-License-Identifier: MIT */
/* IPv4 forwarding (RFC 1812 5.2, 5.3): ustack as a router between its devices when
 * ip_config.forwarding is on (--forward).
 *
 * ip_input hands over every checked datagram that is not addressed to us. In the order of
 * RFC 1812 5.2.1: no broadcast, multicast or martian is forwarded; the TTL is checked and
 * decremented (time exceeded when it runs out); the route is looked up (net unreachable
 * without one); a datagram larger than the outgoing MTU is fragmented, or answered with
 * frag-needed and the next-hop MTU (RFC 1191) when DF is set; ARP resolves the next hop on
 * an Ethernet device as for our own datagrams.
 *
 * NOTE: RFC 1812 5.2.7.2 - a datagram routed back out of the device it came in on is
 * forwarded, and no Redirect is sent (counted as fwd_same_iface). Redirects are a
 * "SHOULD" there, but hosts on our test links have a single route and would ignore them,
 * and sending one needs the sender to be on the same subnet, which a point-to-point TUN
 * cannot say. Linux (send_redirects=1) would send one; this is a deliberate departure. */
#include "ip/ip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "ip/icmp.h"
#include "net/byteorder.h"
#include "net/cksum.h"
#include "net/gso.h"
#include "net/log.h"

/* Recomputes the header checksum of the hlen-byte header at b. A full sum over at most
 * 60 bytes costs next to nothing and, unlike the incremental update of RFC 1624, cannot
 * carry a wrong checksum through unnoticed. */
static void hdr_cksum_set(uint8_t *b, size_t hlen)
{
	wr16(b + 10, 0);
	wr16(b + 10, cksum(b, hlen));
}

static uint32_t top8(uint32_t a)
{
	return ntohl(a) >> 24;
}

/* RFC 1812 5.3.7: addresses that must not appear as a source of a forwarded datagram.
 * (Broadcast, multicast and 127/8 sources never get this far: ip_input drops them.) */
static const char *martian_src(uint32_t src)
{
	if (top8(src) == 0)
		return "source in 0.0.0.0/8";
	if ((ntohl(src) >> 28) == 0xf)
		return "source in class E";
	if (ip_iface_by_addr(src))
		return "source is one of our addresses";
	return NULL;
}

/* RFC 1812 5.3.7 and 4.2.3.1: destinations that are never forwarded. */
static const char *martian_dst(uint32_t dst)
{
	if (top8(dst) == 0)
		return "destination in 0.0.0.0/8";
	if (top8(dst) == 127)
		return "destination in 127.0.0.0/8";
	if ((ntohl(dst) >> 28) == 0xf && dst != IP_ADDR_BROADCAST)
		return "destination in class E";
	return NULL;
}

/* The limited broadcast, multicast (we are no multicast router), and the directed
 * broadcast of any of our subnets: RFC 1812 5.3.5.2 lets a router forward directed
 * broadcasts but says the default must be not to (they are an amplifier). */
static int is_broadcast_dst(uint32_t dst)
{
	struct net_device *dev;

	if (dst == IP_ADDR_BROADCAST || (ntohl(dst) >> 28) == 0xe)
		return 1;
	TAILQ_FOREACH(dev, &net_devices, link)
		for (int i = 0; i < dev->nifaces; i++)
			if (dev->ifaces[i].netmask != IP_ADDR_BROADCAST &&
			    dev->ifaces[i].broadcast == dst)
				return 1;
	return 0;
}

void ip_forward(struct pkb *p, const struct ip_hdr *ih, struct net_device *in, uint64_t now)
{
	struct ip_nexthop nh;
	char s[IP_ADDR_STRLEN], d[IP_ADDR_STRLEN];
	const char *why;
	enum { FWD_PLAIN, FWD_WHOLE, FWD_SEGMENT } mode = FWD_PLAIN;
	int err;

	ip_addr_ntop(ih->src, s, sizeof(s));
	ip_addr_ntop(ih->dst, d, sizeof(d));
	if (in->type == NET_DEV_LOOPBACK) {
		/* Only we send on lo, and only to ourselves. */
		STAT_INC(ip, fwd_martian_dst);
		debugf("dev=%s dst=%s dropped: not ours on loopback", in->name, d);
		goto drop;
	}
	if (is_broadcast_dst(ih->dst)) {
		STAT_INC(ip, fwd_broadcast);
		debugf("dev=%s src=%s dst=%s not forwarded: broadcast or multicast", in->name, s, d);
		goto drop;
	}
	if ((why = martian_dst(ih->dst))) {
		STAT_INC(ip, fwd_martian_dst);
		debugf("dev=%s src=%s dst=%s not forwarded: %s", in->name, s, d, why);
		goto drop;
	}
	if ((why = martian_src(ih->src))) {
		STAT_INC(ip, fwd_martian_src);
		debugf("dev=%s src=%s dst=%s not forwarded: %s", in->name, s, d, why);
		goto drop;
	}
	/* RFC 1812 5.3.1: a datagram whose TTL would reach 0 is not forwarded; the sender
	 * hears so (this is what traceroute and `ping -t 1` see). */
	if (ih->ttl <= 1) {
		STAT_INC(ip, fwd_ttl_exceeded);
		debugf("dev=%s src=%s dst=%s ttl=%u dropped: time exceeded", in->name, s, d, ih->ttl);
		icmp_send_error(ICMP_TIME_EXCEEDED, 0, 0, p, now);
		goto drop;
	}
	err = ip_route_output(ih->dst, &nh);
	if (err < 0 || nh.dev->type == NET_DEV_LOOPBACK) {
		STAT_INC(ip, in_no_route_fwd);
		debugf("dev=%s src=%s dst=%s dropped: no route", in->name, s, d);
		icmp_send_error(ICMP_DEST_UNREACH, ICMP_NET_UNREACH, 0, p, now);
		goto drop;
	}
	/* A TCP super-segment received whole (TAP or packet offload) goes on whole to a
	 * device that cuts it up itself, if the segments it cuts fit that device's MTU: then
	 * the size that matters is one segment's (as the kernel's skb_gso_validate_network_len).
	 * Any other device gets the segments, cut here (net/gso.c), as the kernel's GSO does;
	 * segments that do not fit its MTU either are refused with DF (frag-needed, so the
	 * sender's path MTU discovery shrinks its MSS) or fragmented one by one. */
	if (p->gso_size) {
		int nseg = gso_count(p);

		if (nseg <= 1) {
			/* One segment's worth, or not a TCP datagram we can cut: an ordinary
			 * datagram from here (a malformed one is TCP's to judge). */
			p->gso_size = 0;
		} else {
			unsigned seg = ih->ihl + (unsigned)(p->data[ih->ihl + 12] >> 4) * 4 +
				       p->gso_size;

			if (nh.dev->flags & NET_DEV_F_TSO &&
			    ih->total_len <= nh.dev->gso_max_size && seg <= nh.dev->mtu) {
				mode = FWD_WHOLE;
			} else if (seg > nh.dev->mtu && (ih->frag & IP_FLAG_DF)) {
				STAT_INC(ip, fwd_frag_needed);
				debugf("dev=%s src=%s dst=%s gso segment %u mtu=%u dropped: DF set",
				       in->name, s, d, seg, nh.dev->mtu);
				icmp_send_error(ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
						nh.dev->mtu & 0xffff, p, now);
				goto drop;
			} else {
				mode = FWD_SEGMENT;
			}
		}
	}
	if (mode == FWD_PLAIN && ih->total_len > nh.dev->mtu && (ih->frag & IP_FLAG_DF)) {
		/* RFC 1191: the next-hop MTU in the low 16 bits of the ICMP header's second
		 * word, so the sender's path MTU discovery can shrink its segments. The quote
		 * is of the datagram as it arrived (TTL not yet decremented). */
		STAT_INC(ip, fwd_frag_needed);
		debugf("dev=%s src=%s dst=%s len=%u mtu=%u dropped: DF set", in->name, s, d,
		       ih->total_len, nh.dev->mtu);
		icmp_send_error(ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, nh.dev->mtu & 0xffff, p, now);
		goto drop;
	}
	if (nh.dev == in)
		STAT_INC(ip, fwd_same_iface); /* forwarded anyway, no Redirect: see the top */
	/* A TSO device wants the TCP checksum of a super-segment partial; one the kernel
	 * vouched for (DATA_VALID: received whole after GRO) gets the pseudo-header sum. */
	if (mode == FWD_WHOLE && p->csum != PKB_CSUM_PARTIAL)
		(void)gso_set_partial(p); /* gso_count checked the headers */
	/* A partial checksum from an offloading device (driver/tap.c, driver/packet.c) is
	 * finished here unless the next device finishes it too: a plain device would send
	 * it as it is. Segmentation computes its own; fragmentation (ip_frag.c) finishes
	 * one before it cuts, whatever the device. */
	if (mode == FWD_PLAIN && p->csum == PKB_CSUM_PARTIAL &&
	    !(nh.dev->flags & NET_DEV_F_CSUM_TX))
		(void)pkb_csum_complete(p);
	p->data[8] = (uint8_t)(ih->ttl - 1);
	hdr_cksum_set(p->data, ih->ihl);
	STAT_INC(ip, fwd_datagrams);
	if (mode == FWD_SEGMENT) {
		err = ip_segment(&nh, p, 1, now); /* DF was refused above */
		if (err < 0) {
			STAT_INC(ip, fwd_link_errors);
			debugf("dst=%s segmenting for dev=%s: %s", d, nh.dev->name, strerror(-err));
		}
		goto drop; /* the segments are copies */
	}
	if (mode == FWD_PLAIN && ih->total_len > nh.dev->mtu) {
		STAT_INC(ip, fwd_fragmented);
		err = ip_fragment(&nh, p, nh.dev->mtu, now);
		if (err < 0) {
			STAT_INC(ip, fwd_link_errors);
			debugf("dst=%s fragmenting for mtu=%u: %s", d, nh.dev->mtu, strerror(-err));
		}
		goto drop; /* the fragments are copies */
	}
	/* p belongs to ARP or the device from here. */
	err = ip_xmit(&nh, p, now);
	if (err < 0 && err != -EAGAIN) {
		STAT_INC(ip, fwd_link_errors);
		debugf("dev=%s dst=%s: %s", nh.dev->name, d, strerror(-err));
	}
	return;
drop:
	pkb_free(p);
}
