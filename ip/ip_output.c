/* IPv4 output: route, source address, header prepended in the headroom, fragmentation by
 * the device MTU, and the hand-off to ARP (Ethernet) or straight to the device (TUN,
 * loopback). */
#include "ip/ip.h"

#include <errno.h>
#include <string.h>

#include "arp/arp.h"
#include "net/log.h"

/* One counter for every datagram we originate. RFC 791 asks only that an ID be unique
 * per (src, dst, proto) for the datagram's lifetime; a single counter meets that. */
static uint16_t ip_next_id;

/* Takes ownership of p: it goes to ARP or the device (which free it on error). */
int ip_xmit(const struct ip_nexthop *nh, struct pkb *p, uint64_t now)
{
	p->dev = nh->dev;
	p->proto = 0x0800;
	if (nh->dev->type == NET_DEV_ETHER)
		return arp_output(nh->dev, nh->nexthop, p, now);
	return net_device_xmit(nh->dev, p, now);
}

/* Cuts the payload of p (data = transport header) into fragments of at most `mtu` bytes
 * with their own headers (RFC 791 3.2, "Fragmentation"): each fragment's data is a
 * multiple of 8 bytes except the last. The copy is the price of fragmenting only.
 * Does not take ownership of p. */
static int ip_fragment(const struct ip_nexthop *nh, struct ip_hdr *h, const struct pkb *p,
		       unsigned mtu, uint64_t now)
{
	size_t chunk = (mtu - IP_HDR_MIN) & ~(size_t)7;
	size_t off = 0;
	int err = 0;

	if (chunk == 0)
		return -EMSGSIZE; /* an MTU below 28 cannot carry a fragment */
	while (off < p->len) {
		size_t n = p->len - off < chunk ? p->len - off : chunk;
		int last = off + n == p->len;
		struct pkb *f = pkb_alloc(IP_HDR_MIN + n);
		int e;

		if (!f) {
			STAT_INC(ip, out_discards);
			return -ENOBUFS;
		}
		h->total_len = (uint16_t)(IP_HDR_MIN + n);
		h->frag = (uint16_t)((h->frag & IP_FLAG_DF) | (last ? 0 : IP_FLAG_MF) | (off / 8));
		ip_emit(h, pkb_put(f, IP_HDR_MIN), IP_HDR_MIN);
		memcpy(pkb_put(f, n), p->data + off, n);
		STAT_INC(ip, out_frag_creates);
		/* f belongs to the link layer now. A failed fragment dooms the datagram,
		 * but the rest still goes: the error is reported once. */
		e = ip_xmit(nh, f, now);
		if (e < 0)
			err = e;
		off += n;
	}
	if (!err)
		STAT_INC(ip, out_frag_oks);
	return err;
}

int ip_output(uint8_t proto, struct pkb *p, uint32_t src, uint32_t dst,
	      const struct ip_out_opts *opts, uint64_t now)
{
	struct ip_nexthop nh;
	struct ip_hdr h;
	char d[IP_ADDR_STRLEN];
	uint8_t *b;
	int err;

	STAT_INC(ip, out_requests);
	err = ip_route_output(dst, &nh);
	if (err < 0) {
		STAT_INC(ip, out_no_route);
		debugf("dst=%s dropped: no route", ip_addr_ntop(dst, d, sizeof(d)));
		goto drop;
	}
	if (p->len > IP_MAX_LEN - IP_HDR_MIN) {
		STAT_INC(ip, out_discards);
		err = -EMSGSIZE;
		goto drop;
	}
	memset(&h, 0, sizeof(h));
	h.version = IP_VERSION;
	h.ihl = IP_HDR_MIN;
	h.tos = opts ? opts->tos : 0;
	h.id = ip_next_id++;
	h.frag = opts && opts->df ? IP_FLAG_DF : 0;
	/* RFC 1122 3.2.1.7: never send TTL 0, so 0 means "the default". */
	h.ttl = opts && opts->ttl ? opts->ttl : ip_config.default_ttl;
	h.proto = proto;
	h.src = src ? src : nh.src;
	h.dst = dst;
	if (p->gso_size) {
		/* A TCP super-segment (TSO): the device cuts it into MTU-sized segments, so it
		 * is never fragmented. TCP only builds one for a TSO device; if the route
		 * changed under it, the segment is lost like any other and retransmitted at
		 * MSS size... by TCP's usual recovery. */
		if (!(nh.dev->flags & NET_DEV_F_TSO) || IP_HDR_MIN + p->len > nh.dev->gso_max_size) {
			STAT_INC(ip, out_gso_unsupported);
			debugf("dst=%s len=%zu dropped: dev=%s cannot segment it",
			       ip_addr_ntop(dst, d, sizeof(d)), p->len, nh.dev->name);
			err = -EMSGSIZE;
			goto drop;
		}
	} else if (p->csum == PKB_CSUM_PARTIAL && !(nh.dev->flags & NET_DEV_F_CSUM_TX)) {
		/* Left partial for a device that finishes it; this one does not. */
		err = pkb_csum_complete(p);
		if (err < 0) {
			STAT_INC(ip, out_discards);
			goto drop;
		}
	}
	if (IP_HDR_MIN + p->len > nh.dev->mtu && !p->gso_size) {
		if (h.frag & IP_FLAG_DF) {
			STAT_INC(ip, out_too_big_df);
			debugf("dst=%s len=%zu mtu=%u dropped: DF set", ip_addr_ntop(dst, d, sizeof(d)),
			       p->len, nh.dev->mtu);
			err = -EMSGSIZE;
			goto drop;
		}
		err = ip_fragment(&nh, &h, p, nh.dev->mtu, now);
		goto drop; /* the fragments are copies: p itself is done with */
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
	/* p belongs to ARP or the device from here. */
	return ip_xmit(&nh, p, now);
drop:
	pkb_free(p);
	return err;
}
