/* SPDX-License-Identifier: MIT */
/* IPv4 output: route, source address, header prepended in the headroom, fragmentation by
 * the device MTU (ip_frag.c), and the hand-off to ARP (Ethernet) or straight to the
 * device (TUN, loopback). */
#include "net/perstack.h"
#include "ip/ip.h"

#include <errno.h>
#include <string.h>

#include "arp/arp.h"
#include "net/gso.h"
#include "net/log.h"
#include "net/loop.h"

/* One counter for every datagram we originate. RFC 791 asks only that an ID be unique
 * per (src, dst, proto) for the datagram's lifetime; a single counter meets that. */
PERSTACK_STATIC(uint16_t, ip_next_id)
#define ip_next_id PERSTACK_REF(uint16_t, ip_next_id)

/* Takes ownership of p: it goes to ARP or the device (which free it on error). */
int ip_xmit(const struct ip_nexthop *nh, struct pkb *p, uint64_t now)
{
	NET_ASSERT_LOCKED();
	p->dev = nh->dev;
	p->proto = 0x0800;
	if (nh->dev->type == NET_DEV_ETHER)
		return arp_output(nh->dev, nh->nexthop, p, now);
	return net_device_xmit(nh->dev, p, now);
}

int ip_segment(const struct ip_nexthop *nh, const struct pkb *p, int fwd, uint64_t now)
{
	struct pkb_queue segs = TAILQ_HEAD_INITIALIZER(segs);
	unsigned flags = nh->dev->flags & NET_DEV_F_CSUM_TX ? GSO_F_CSUM_PARTIAL : 0;
	int n, err = 0, df = ((p->data[6] << 8 | p->data[7]) & IP_FLAG_DF) != 0;
	struct pkb *s;

	n = gso_segment(p, flags, &segs);
	if (n < 0) {
		STAT_INC(ip, out_gso_unsupported);
		return n;
	}
	if (fwd)
		STAT_INC(gso, fwd_supersegs);
	else
		STAT_INC(gso, out_supersegs);
	while ((s = TAILQ_FIRST(&segs))) {
		int e;

		TAILQ_REMOVE(&segs, s, link);
		if (s->len <= nh->dev->mtu) {
			e = ip_xmit(nh, s, now); /* s belongs to ARP or the device */
		} else if (df) {
			STAT_INC(ip, out_too_big_df);
			pkb_free(s);
			e = -EMSGSIZE;
		} else {
			if (fwd)
				STAT_INC(ip, fwd_fragmented);
			e = ip_fragment(nh, s, nh->dev->mtu, now);
			pkb_free(s);
		}
		/* a forwarded segment waiting for ARP is no error of the forwarder's */
		if (e < 0 && !(fwd && e == -EAGAIN) && !err)
			err = e;
	}
	return err;
}

int ip_output(uint8_t proto, struct pkb *p, uint32_t src, uint32_t dst,
	      const struct net_out_opts *opts, uint64_t now)
{
	struct ip_nexthop nh;
	char d[IP_ADDR_STRLEN];
	int err;

	NET_ASSERT_LOCKED();
	err = opts && opts->ifindex ? ip_route_output_dev(dst, opts->ifindex, &nh)
				    : ip_route_output(dst, &nh);
	if (err < 0) {
		STAT_INC(ip, out_requests);
		STAT_INC(ip, out_no_route);
		debugf("dst=%s dropped: no route", ip_addr_ntop(dst, d, sizeof(d)));
		pkb_free(p);
		return err;
	}
	return ip_output_nh(proto, p, src, dst, opts, &nh, now);
}

int ip_output_nh(uint8_t proto, struct pkb *p, uint32_t src, uint32_t dst,
		 const struct net_out_opts *opts, const struct ip_nexthop *via, uint64_t now)
{
	struct ip_nexthop nh = *via;
	struct ip_hdr h;
	char d[IP_ADDR_STRLEN];
	uint16_t nsegs = 1;
	uint8_t *b;
	int err, soft = 0;

	NET_ASSERT_LOCKED();
	STAT_INC(ip, out_requests);
	if (p->len > IP_MAX_LEN - IP_HDR_MIN) {
		STAT_INC(ip, out_discards);
		err = -EMSGSIZE;
		goto drop;
	}
	memset(&h, 0, sizeof(h));
	h.version = IP_VERSION;
	h.ihl = IP_HDR_MIN;
	h.tos = opts ? opts->tos : 0;
	h.id = ip_next_id++; /* a super-segment takes one per segment, below */
	h.frag = opts && opts->df ? IP_FLAG_DF : 0;
	/* RFC 1122 3.2.1.7: never send TTL 0, so 0 means "the default". */
	h.ttl = opts && opts->ttl ? opts->ttl : ip_config.default_ttl;
	h.proto = proto;
	h.src = src ? src : nh.src;
	h.dst = dst;
	if (p->gso_size) {
		/* A TCP super-segment (TSO): cut into MSS-sized segments, by the device if it
		 * can (then it is never fragmented), else here (net/gso.c): TCP builds one for
		 * a TSO device, but the route may since have moved to a device without. Each
		 * segment takes the next identification, as a TSO NIC numbers them. */
		size_t thl = p->len >= 20 ? (size_t)(p->data[12] >> 4) * 4 : 0;
		size_t payload = p->len > thl ? p->len - thl : 0;

		if (thl < 20 || payload <= p->gso_size) {
			p->gso_size = 0; /* one segment's worth: an ordinary datagram */
		} else {
			nsegs = (uint16_t)((payload + p->gso_size - 1) / p->gso_size);
			ip_next_id = (uint16_t)(h.id + nsegs);
			if (!(nh.dev->flags & NET_DEV_F_TSO) ||
			    IP_HDR_MIN + p->len > nh.dev->gso_max_size ||
			    IP_HDR_MIN + thl + p->gso_size > nh.dev->mtu)
				soft = 1;
		}
	}
	if (!p->gso_size && p->csum == PKB_CSUM_PARTIAL && !(nh.dev->flags & NET_DEV_F_CSUM_TX)) {
		/* Left partial for a device that finishes it; this one does not. */
		err = pkb_csum_complete(p);
		if (err < 0) {
			STAT_INC(ip, out_discards);
			goto drop;
		}
	}
	if (IP_HDR_MIN + p->len > nh.dev->mtu && !p->gso_size && (h.frag & IP_FLAG_DF)) {
		STAT_INC(ip, out_too_big_df);
		debugf("dst=%s len=%zu mtu=%u dropped: DF set", ip_addr_ntop(dst, d, sizeof(d)),
		       p->len, nh.dev->mtu);
		err = -EMSGSIZE;
		goto drop;
	}
	b = pkb_push(p, IP_HDR_MIN);
	if (!b) {
		/* Every sender allocates with PKB_HEADROOM: this is a bug above us. */
		STAT_INC(ip, out_no_headroom);
		err = -ENOBUFS;
		goto drop;
	}
	h.total_len = (uint16_t)p->len;
	ip_emit(&h, b, IP_HDR_MIN);
	if (p->len > nh.dev->mtu && !p->gso_size) {
		err = ip_fragment(&nh, p, nh.dev->mtu, now);
		goto drop; /* the fragments are copies: p itself is done with */
	}
	if (soft) {
		err = ip_segment(&nh, p, 0, now);
		goto drop; /* the segments are copies */
	}
	/* p belongs to ARP or the device from here. */
	return ip_xmit(&nh, p, now);
drop:
	pkb_free(p);
	return err;
}
