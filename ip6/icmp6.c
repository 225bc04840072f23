/* SPDX-License-Identifier: MIT */
/* ICMPv6 (RFC 4443): input with its checksum, echo replies, error generation with the
 * rules of 2.4 (e) and the rate limit of 2.4 (f), received errors passed on (after packet
 * too big's path MTU) to ip6/icmp6_err.c, and the hand-off of neighbour discovery messages
 * to ND, which sits above this folder. */
#include "net/perstack.h"
#include "ip6/icmp6.h"

#include <errno.h>
#include <string.h>

#include "net/byteorder.h"
#include "net/log.h"

STATS_DEFINE(icmp6, ICMP6_COUNTERS)

PERSTACK_STATIC(ip6_proto_handler, nd_handler)
#define nd_handler PERSTACK_REF(ip6_proto_handler, nd_handler)

/* One token bucket for every error, in milliseconds of credit: a token costs icmp_rate_ms,
 * and at most icmp_burst of them are held. */
struct icmp6_bucket {
	int started;
	uint64_t last;
	uint64_t credit_ms;
};
PERSTACK_STATIC(struct icmp6_bucket, icmp6_bucket)
#define icmp6_bucket PERSTACK_REF(struct icmp6_bucket, icmp6_bucket)

void icmp6_set_nd_handler(ip6_proto_handler h)
{
	nd_handler = h;
}

PERSTACK_STATIC(icmp6_echo_reply_fn, echo_reply_handler)
#define echo_reply_handler PERSTACK_REF(icmp6_echo_reply_fn, echo_reply_handler)

void icmp6_set_echo_reply_handler(icmp6_echo_reply_fn fn)
{
	echo_reply_handler = fn;
}

static int icmp6_rate_ok(uint64_t now)
{
	uint64_t max = (uint64_t)ip6_config.icmp_burst * ip6_config.icmp_rate_ms;

	if (!icmp6_bucket.started) {
		icmp6_bucket.started = 1;
		icmp6_bucket.credit_ms = max;
	} else if (now > icmp6_bucket.last) {
		icmp6_bucket.credit_ms += now - icmp6_bucket.last;
		if (icmp6_bucket.credit_ms > max)
			icmp6_bucket.credit_ms = max;
	}
	icmp6_bucket.last = now;
	if (icmp6_bucket.credit_ms < ip6_config.icmp_rate_ms || !ip6_config.icmp_burst)
		return 0;
	icmp6_bucket.credit_ms -= ip6_config.icmp_rate_ms;
	return 1;
}

int icmp6_output(struct pkb *p, const struct net_addr *src, const struct net_addr *dst,
		 struct net_device *dev, uint8_t hlim, uint64_t now)
{
	struct ip6_out o = { .dev = dev, .hlim = hlim };
	struct net_addr s;
	uint16_t c;

	/* the checksum covers the source: choose it here when the caller left it open */
	if (!src || ip6_addr_is_unspecified(src)) {
		if (ip6_source_select(dev, dst, &s) < 0)
			s = net_addr_any(AF_INET6);
	} else {
		s = *src;
	}
	p->data[2] = p->data[3] = 0;
	c = icmp6_cksum(&s, dst, p->data, p->len);
	wr16(p->data + 2, c);
	return ip6_output(IP6_NH_ICMPV6, p, &s, dst, &o, now);
}

/* 1 if p (data = an IPv6 header) carries an ICMPv6 error or a redirect, found behind its
 * extension headers (as many as ip6_input walks). */
static int icmp6_is_error(const struct pkb *p, const struct ip6_hdr *h)
{
	size_t off = IP6_HDR_LEN;
	uint8_t next = h->next;

	for (unsigned n = 0; n <= ip6_config.ext_max; n++) {
		struct ip6_ext e;

		if (next == IP6_NH_ICMPV6)
			return off < p->len &&
			       (p->data[off] < 128 || p->data[off] == ICMP6_ND_REDIRECT);
		if (next == IP6_NH_FRAGMENT) {
			if (off + IP6_FRAG_HDR_LEN > p->len)
				return 0;
			if ((p->data[off + 2] << 8 | p->data[off + 3]) & 0xfff8)
				return 0; /* a later fragment: no upper header to judge by */
			next = p->data[off];
			off += IP6_FRAG_HDR_LEN;
			continue;
		}
		if ((next != IP6_NH_HOPOPTS && next != IP6_NH_DSTOPTS && next != IP6_NH_ROUTING) ||
		    ip6_ext_parse(p->data + off, p->len - off, &e) < 0)
			return 0;
		next = e.next;
		off += e.len;
	}
	return 0;
}

void icmp6_send_error(uint8_t type, uint8_t code, uint32_t info, const struct pkb *p,
		      struct net_device *dev, int mcast_ok, uint64_t now)
{
	struct icmp6_hdr eh = { .type = type, .code = code, .data = info };
	struct ip6_hdr h;
	struct net_addr src;
	struct pkb *q;
	size_t qlen;

	/* the offender's header was checked by ip6_input; a shorter p is not ours to judge */
	if (ip6_parse(p->data, p->len, &h) != IP6_PARSE_OK)
		return;
	/* RFC 4443 2.4 (e): never about an ICMPv6 error (or a redirect), a packet to a
	 * multicast address (but for packet too big and an option of action 10), or one
	 * from an address that names no single node */
	if (icmp6_is_error(p, &h) ||
	    (ip6_addr_is_multicast(&h.dst) && type != ICMP6_PKT_TOO_BIG && !mcast_ok) ||
	    ip6_addr_is_unspecified(&h.src) || ip6_addr_is_multicast(&h.src)) {
		STAT_INC(icmp6, out_err_suppressed);
		return;
	}
	if (!icmp6_rate_ok(now)) {
		STAT_INC(icmp6, out_rate_limited);
		return;
	}
	/* from the address the offender was sent to if it is ours and unicast, else the one
	 * the source selection gives for the offender's source */
	if (!ip6_addr_is_multicast(&h.dst) && ip6_addr_find(dev, &h.dst))
		src = h.dst;
	else if (ip6_source_select(dev, &h.src, &src) < 0)
		return;
	qlen = p->len < ICMP6_ERR_QUOTE_MAX ? p->len : ICMP6_ERR_QUOTE_MAX;
	q = pkb_alloc(ICMP6_HDR_LEN + qlen);
	if (!q)
		return; /* pkb counts alloc_fail */
	icmp6_emit(&eh, pkb_put(q, ICMP6_HDR_LEN), ICMP6_HDR_LEN);
	memcpy(pkb_put(q, qlen), p->data, qlen);
	if (type == ICMP6_PARAM_PROB)
		STAT_INC(icmp6, out_param_prob);
	else if (type == ICMP6_DST_UNREACH)
		STAT_INC(icmp6, out_dst_unreach);
	else if (type == ICMP6_TIME_EXCEEDED)
		STAT_INC(icmp6, out_time_exceeded);
	STAT_INC(icmp6, out_errors);
	icmp6_output(q, &src, &h.src, dev, 0, now); /* owns q */
}

/* The request becomes the reply in place: same identifier, sequence and data. A request
 * to a multicast group (all-nodes) is answered from our unicast address (RFC 4443 4.2). */
static void icmp6_echo(struct pkb *p, const struct ip6_hdr *h, struct net_device *dev,
		       uint64_t now)
{
	struct net_addr src = h->dst;

	STAT_INC(icmp6, in_echo_requests);
	if (ip6_addr_is_multicast(&h->dst) && ip6_source_select(dev, &h->src, &src) < 0) {
		pkb_free(p);
		return;
	}
	p->data[0] = ICMP6_ECHO_REPLY;
	p->data[1] = 0;
	STAT_INC(icmp6, out_echo_replies);
	icmp6_output(p, &src, &h->src, dev, 0, now); /* owns p */
}

/* Takes ownership of p (p->data = the ICMPv6 header). */
static void icmp6_input(struct pkb *p, const struct ip6_hdr *h, unsigned nh_len,
			struct net_device *dev, uint64_t now)
{
	struct icmp6_hdr ih;
	char s[NET_ADDR_STRLEN];
	int err;

	STAT_INC(icmp6, in_msgs);
	err = icmp6_parse(p->data, p->len, &h->src, &h->dst, &ih);
	if (err == ICMP6_PARSE_SHORT) {
		STAT_INC(icmp6, in_short);
		debugf("dev=%s len=%zu dropped: short ICMPv6 message", dev->name, p->len);
		goto drop;
	}
	if (err == ICMP6_PARSE_CKSUM) {
		STAT_INC(icmp6, in_csum_errors);
		debugf("dev=%s src=%s type=%u dropped: bad checksum", dev->name,
		       net_addr_ntop(&h->src, s, sizeof(s)), ih.type);
		goto drop;
	}
	if (ip6_addr_is_unspecified(&h->src) && ih.type != ICMP6_ND_NS) {
		/* only a node checking for a duplicate address sends from :: (RFC 4862) */
		STAT_INC(icmp6, in_unspec_src);
		goto drop;
	}
	switch (ih.type) {
	case ICMP6_ECHO_REQUEST:
		icmp6_echo(p, h, dev, now); /* owns p */
		return;
	case ICMP6_ECHO_REPLY:
		STAT_INC(icmp6, in_echo_replies);
		if (echo_reply_handler)
			echo_reply_handler(p, h, now); /* copies what it keeps */
		goto drop;
	case ICMP6_PKT_TOO_BIG:
	case ICMP6_DST_UNREACH:
	case ICMP6_TIME_EXCEEDED:
	case ICMP6_PARAM_PROB:
		STAT_INC(icmp6, in_errors_received);
		/* a packet too big lowers the path MTU first (p stays ours); one refused
		 * there (not quoting a packet of ours, an MTU under 1280) goes no further */
		if (ih.type == ICMP6_PKT_TOO_BIG && ip6_pmtu_ptb_input(p, h, dev, now) < 0)
			goto drop;
		/* RFC 4443 3: to the protocol that sent the packet it quotes */
		icmp6_error_input(p, h, dev, now);
		goto drop;
	case ICMP6_ND_RS:
	case ICMP6_ND_RA:
	case ICMP6_ND_NS:
	case ICMP6_ND_NA:
	case ICMP6_ND_REDIRECT:
	case 130: /* MLD query, v1 and v2 reports: ND's MLD listener (nd/mld.c) */
	case 131:
	case 143:
		STAT_INC(icmp6, in_nd);
		if (!nd_handler)
			goto drop;
		nd_handler(p, h, nh_len, dev, now); /* owns p */
		return;
	default:
		/* RFC 4443 2.4 (b): an unknown informational message is dropped quietly */
		STAT_INC(icmp6, in_unknown_type);
		goto drop;
	}
drop:
	pkb_free(p);
}

int icmp6_init(void)
{
	memset(&icmp6_bucket, 0, sizeof(icmp6_bucket));
	return ip6_proto_register(IP6_NH_ICMPV6, icmp6_input);
}
