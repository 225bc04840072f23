/* SPDX-License-Identifier: MIT */
/* Received ICMPv6 errors (RFC 4443 2.4 (d), 3): the quoted packet is checked (a whole
 * IPv6 header, its source one of our addresses, its extension headers walked with the
 * same bound ip6_input uses to the upper header and its first 8 bytes), the error's type
 * and code become a struct net_err, and the transport that sent the packet (its err hook,
 * net/family.h) hears of it; an error about one of our echo requests goes to the echo
 * sockets instead. Every error that cannot be used is counted and dropped. */
#include "net/perstack.h"
#include "ip6/icmp6.h"

#include <string.h>

#include "net/byteorder.h"
#include "net/log.h"
#include "net/pkb.h"

PERSTACK_STATIC(icmp6_echo_error_fn, echo_error_handler)
#define echo_error_handler PERSTACK_REF(icmp6_echo_error_fn, echo_error_handler)

void icmp6_set_echo_error_handler(icmp6_echo_error_fn fn)
{
	echo_error_handler = fn;
}

/* Walks the quoted packet q (qlen bytes, its fixed header checked) to its upper header:
 * *next its number, *off where it starts. 0, or -1 when the chain is cut short, too long
 * or behind a fragment header of a later fragment (no upper header in it). */
static int quote_upper(const uint8_t *q, size_t qlen, uint8_t *next, size_t *off)
{
	size_t o = IP6_HDR_LEN;
	uint8_t nh = q[6];

	for (unsigned n = 0; n <= ip6_config.ext_max; n++) {
		struct ip6_ext e;

		if (nh == IP6_NH_FRAGMENT) {
			struct ip6_frag fh;

			if (ip6_frag_parse(q + o, qlen - o, &fh) < 0 || fh.offset)
				return -1;
			nh = fh.next;
			o += IP6_FRAG_HDR_LEN;
			continue;
		}
		if (nh != IP6_NH_HOPOPTS && nh != IP6_NH_DSTOPTS && nh != IP6_NH_ROUTING) {
			*next = nh;
			*off = o;
			return 0;
		}
		if (ip6_ext_parse(q + o, qlen - o, &e) < 0)
			return -1;
		nh = e.next;
		o += e.len;
	}
	return -1;
}

/* RFC 4443's types and codes in the transports' terms (RFC 4443 3.1, 3.3, 3.4; Linux's
 * icmpv6_err_convert for the choice of hard and soft). */
static enum net_err_kind err_kind(uint8_t type, uint8_t code)
{
	switch (type) {
	case ICMP6_PKT_TOO_BIG:
		return NET_ERR_FRAG_NEEDED;
	case ICMP6_TIME_EXCEEDED:
		return NET_ERR_TIME_EXCEEDED;
	case ICMP6_PARAM_PROB:
		/* an unrecognised next header is IPv6's protocol unreachable */
		return code == ICMP6_PARAMPROB_NEXTHDR ? NET_ERR_PROTO_UNREACH :
							 NET_ERR_PARAM_PROB;
	default:
		break;
	}
	switch (code) {
	case ICMP6_UNREACH_NOROUTE:
		return NET_ERR_NET_UNREACH;
	case ICMP6_UNREACH_PORT:
		return NET_ERR_PORT_UNREACH;
	default:
		/* administratively prohibited, beyond the scope of the source, address
		 * unreachable, source address failed policy, reject route: as IPv4's other
		 * unreachable codes */
		return NET_ERR_HOST_UNREACH;
	}
}

void icmp6_error_input(const struct pkb *p, const struct ip6_hdr *h, struct net_device *dev,
		       uint64_t now)
{
	const uint8_t *q = p->data + ICMP6_HDR_LEN;
	size_t qlen = p->len - ICMP6_HDR_LEN; /* icmp6_parse saw 8 bytes at least */
	const struct net_transport *tr;
	struct ip6_hdr qh;
	char s[NET_ADDR_STRLEN];
	size_t off;
	uint8_t next;
	int r;

	/* the quote is cut to fit the minimum MTU: its payload length may run past it */
	r = ip6_parse(q, qlen, &qh);
	if (r != IP6_PARSE_OK && r != IP6_PARSE_PLEN) {
		STAT_INC(icmp6, in_err_bad_quote);
		debugf("dev=%s type=%u len=%zu dropped: no IPv6 header quoted", dev->name,
		       p->data[0], qlen);
		return;
	}
	/* RFC 4443 5.2 (and RFC 5927): only what quotes a packet of ours is heeded */
	if (ip6_addr_is_multicast(&qh.src) || !ip6_addr_lookup(&qh.src)) {
		STAT_INC(icmp6, in_err_not_ours);
		debugf("dev=%s from=%s type=%u dropped: quotes a packet not ours", dev->name,
		       net_addr_ntop(&h->src, s, sizeof(s)), p->data[0]);
		return;
	}
	if (quote_upper(q, qlen, &next, &off) < 0 || qlen - off < 8) {
		STAT_INC(icmp6, in_err_bad_quote);
		debugf("dev=%s type=%u dropped: quoted header chain unusable", dev->name,
		       p->data[0]);
		return;
	}
	if (next == IP6_NH_ICMPV6) {
		if (q[off] != ICMP6_ECHO_REQUEST || !echo_error_handler) {
			STAT_INC(icmp6, in_err_no_handler);
			return;
		}
		STAT_INC(icmp6, in_errors_delivered);
		echo_error_handler(p, h, &qh.dst, rd16(q + off + 4), rd16(q + off + 6), now);
		return;
	}
	tr = net_transport_find(next);
	if (!tr || !tr->err) {
		STAT_INC(icmp6, in_err_no_handler);
		debugf("type=%u nh=%u ignored: no error handler", p->data[0], next);
		return;
	}
	{
		struct net_err e = {
			.kind = err_kind(p->data[0], p->data[1]),
			.info = rd32(p->data + 4),
			.fam = &ip6_family_ops,
			.local = { qh.src, rd16(q + off) },
			.remote = { qh.dst, rd16(q + off + 2) },
			.payload = q + off,
			.len = qlen - off,
		};

		STAT_INC(icmp6, in_errors_delivered);
		tr->err(&e, now);
	}
}

/* Neighbour discovery gave up on the next hop of p (p->data = its IPv6 header; p stays
 * the caller's): RFC 4861 7.2.2 sends each waiting packet's source a destination
 * unreachable, code 3 (address unreachable). The source of a packet that waited in our
 * own cache is ourselves, so the error is built here and handed straight to
 * icmp6_error_input as if it had come back from our own address (Linux's ndisc does the
 * same through its loopback): a connection attempt ends with EHOSTUNREACH, a connected
 * UDP socket and `ustack ping` hear of it, as with IPv4 when ARP gives up. */
void icmp6_link_failure(const struct pkb *p, struct net_device *dev, uint64_t now)
{
	struct icmp6_hdr eh = { .type = ICMP6_DST_UNREACH, .code = ICMP6_UNREACH_ADDR };
	size_t qlen = p->len < ICMP6_ERR_QUOTE_MAX ? p->len : ICMP6_ERR_QUOTE_MAX;
	struct ip6_hdr h;
	struct pkb *q;

	if (ip6_parse(p->data, p->len, &h) != IP6_PARSE_OK || !ip6_addr_lookup(&h.src))
		return; /* not a packet of ours: nobody here to tell */
	q = pkb_alloc(ICMP6_HDR_LEN + qlen);
	if (!q)
		return; /* pkb counts alloc_fail */
	icmp6_emit(&eh, pkb_put(q, ICMP6_HDR_LEN), ICMP6_HDR_LEN);
	memcpy(pkb_put(q, qlen), p->data, qlen);
	/* from our own address to our own address */
	h.dst = h.src;
	h.next = IP6_NH_ICMPV6;
	STAT_INC(icmp6, link_failures);
	icmp6_error_input(q, &h, dev, now);
	pkb_free(q);
}
