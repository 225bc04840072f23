/* SPDX-License-Identifier: MIT */
/* IPv6 input (RFC 8200) for a host: the fixed header's checks, the destination filter,
 * the extension header walk with a bound, and the dispatch by next header. Every drop has
 * its own counter. */
#include "net/perstack.h"
#include "ip6/ip6.h"

#include <errno.h>
#include <string.h>

#include "ip6/icmp6.h"
#include "net/log.h"

STATS_DEFINE(ip6, IP6_COUNTERS)

PERSTACK_VAR_INIT(struct ip6_config_s, ip6_config, {
	.default_hlim = 64,
	.ext_max = 8,
	.icmp_rate_ms = 100,
	.icmp_burst = 10,
	.reass_timeout_ms = 60000,
	.reass_mem_max = 1024 * 1024,
	.reass_max_datagrams = 64,
	.pmtu_max = 64,
	.pmtu_expire_ms = 10 * 60 * 1000,
})

#define IP6_PROTO_MAX 4

struct ip6_proto {
	uint8_t next;
	ip6_proto_handler handler;
};

PERSTACK_STATIC(struct ip6_proto[IP6_PROTO_MAX], ip6_protos)
#define ip6_protos PERSTACK_REF(struct ip6_proto[IP6_PROTO_MAX], ip6_protos)
PERSTACK_STATIC(int, ip6_nprotos)
#define ip6_nprotos PERSTACK_REF(int, ip6_nprotos)

int ip6_proto_register(uint8_t next, ip6_proto_handler h)
{
	for (int i = 0; i < ip6_nprotos; i++)
		if (ip6_protos[i].next == next) {
			ip6_protos[i].handler = h;
			return 0;
		}
	if (ip6_nprotos == IP6_PROTO_MAX)
		return -ENOSPC;
	ip6_protos[ip6_nprotos++] = (struct ip6_proto){ next, h };
	return 0;
}

static ip6_proto_handler proto_find(uint8_t next)
{
	for (int i = 0; i < ip6_nprotos; i++)
		if (ip6_protos[i].next == next)
			return ip6_protos[i].handler;
	return NULL;
}

void ip6_proto_reset(void)
{
	ip6_nprotos = 0;
}

/* Why src cannot be the source of a packet from a wire, or NULL. The unspecified source
 * is judged later: only ND's duplicate address detection may use it. */
static const char *martian_src(const struct net_device *dev, const struct ip6_hdr *h)
{
	const struct ip6_ifaddr *ifa = ip6_addr_lookup(&h->src);

	if (ip6_addr_is_multicast(&h->src))
		return "multicast";
	if (ip6_addr_is_loopback(&h->src))
		return "loopback";
	/* a tentative address is not ours yet: its holder's NA is DAD's answer */
	if (ifa && ip6_ifa_usable(ifa) && dev->type != NET_DEV_LOOPBACK)
		return "our own address"; /* a loop, or a spoof */
	return NULL;
}

/* Takes ownership of p: it goes to an upper protocol or is freed here. */
void ip6_input(struct pkb *p, struct net_device *dev, uint64_t now)
{
	struct ip6_hdr h;
	char s[NET_ADDR_STRLEN], d[NET_ADDR_STRLEN];
	const char *martian;
	ip6_proto_handler handler;
	const struct net_transport *tr;
	size_t off = IP6_HDR_LEN;  /* the header being looked at */
	size_t nh_field = 6;       /* where its type was named: a parameter problem points here */
	uint8_t next;
	unsigned n_ext = 0;
	int err;

	STAT_INC(ip6, in_receives);
	err = ip6_parse(p->data, p->len, &h);
	switch (err) {
	case IP6_PARSE_OK:
		break;
	case IP6_PARSE_SHORT:
		STAT_INC(ip6, in_hdr_short);
		debugf("dev=%s len=%zu dropped: short header", dev->name, p->len);
		goto drop;
	case IP6_PARSE_VERSION:
		STAT_INC(ip6, in_hdr_version);
		debugf("dev=%s version=%u dropped: not IPv6", dev->name, h.version);
		goto drop;
	default:
		STAT_INC(ip6, in_hdr_plen);
		debugf("dev=%s plen=%u len=%zu dropped: payload length beyond the frame",
		       dev->name, h.plen, p->len);
		goto drop;
	}
	/* Ethernet pads short frames: the payload length says where IPv6 ends. */
	pkb_trim(p, IP6_HDR_LEN + (size_t)h.plen);
	martian = martian_src(dev, &h);
	if (martian) {
		STAT_INC(ip6, in_martian_src);
		debugf("dev=%s src=%s dropped: martian source (%s)", dev->name,
		       net_addr_ntop(&h.src, s, sizeof(s)), martian);
		goto drop;
	}
	/* NOTE: a host delivers whatever the hop limit (RFC 8200 3 bounds forwarding, which
	 * ustack does not do for IPv6); ND checks its own 255. */
	if (!ip6_addr_accepts(dev, &h.dst)) {
		STAT_INC(ip6, in_not_for_us);
		debugf("dev=%s src=%s dst=%s dropped: not for us", dev->name,
		       net_addr_ntop(&h.src, s, sizeof(s)), net_addr_ntop(&h.dst, d, sizeof(d)));
		goto drop;
	}

	next = h.next;
	for (;;) {
		struct ip6_ext ext;
		struct ip6_rthdr rt;
		struct ip6_frag fh;
		size_t bad;

		if (next != IP6_NH_HOPOPTS && next != IP6_NH_DSTOPTS && next != IP6_NH_ROUTING &&
		    next != IP6_NH_FRAGMENT)
			break;
		if (++n_ext > ip6_config.ext_max) {
			STAT_INC(ip6, in_ext_too_many);
			debugf("dev=%s dropped: more than %u extension headers", dev->name,
			       ip6_config.ext_max);
			goto drop;
		}
		if (next == IP6_NH_HOPOPTS && off != IP6_HDR_LEN) {
			/* RFC 8200 4.1: only right after the fixed header */
			STAT_INC(ip6, in_hbh_not_first);
			icmp6_send_error(ICMP6_PARAM_PROB, ICMP6_PARAMPROB_NEXTHDR,
					 (uint32_t)nh_field, p, dev, 0, now);
			goto drop;
		}
		if (next == IP6_NH_FRAGMENT && p->gso_size) {
			/* a super-segment is whole by its making: a fragment header on one is
			 * nonsense this stack does not reassemble its way through */
			STAT_INC(ip6, in_gso_bad);
			debugf("dev=%s gso_size=%u dropped: a fragment header on a super-segment",
			       dev->name, p->gso_size);
			goto drop;
		}
		if (next == IP6_NH_FRAGMENT) {
			size_t flen;

			if (ip6_frag_parse(p->data + off, p->len - off, &fh) < 0) {
				STAT_INC(ip6, in_ext_truncated);
				goto drop;
			}
			if (!fh.offset && !fh.more) {
				/* RFC 6946: an atomic fragment is the whole packet */
				STAT_INC(ip6, in_frag_atomic);
				nh_field = off;
				off += IP6_FRAG_HDR_LEN;
				next = fh.next;
				continue;
			}
			flen = p->len - off - IP6_FRAG_HDR_LEN;
			if (fh.more && (flen % 8 || !flen)) {
				/* RFC 8200 4.5: parameter problem at the payload length (an
				 * empty fragment is only dropped: 0 is a multiple of 8) */
				STAT_INC(ip6, in_frag_bad_len);
				debugf("dev=%s id=%u len=%zu dropped: fragment not a multiple of 8",
				       dev->name, fh.id, flen);
				if (flen)
					icmp6_send_error(ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER, 4,
							 p, dev, 0, now);
				goto drop;
			}
			if (off - IP6_HDR_LEN + fh.offset + flen > 65535) {
				/* RFC 8200 4.5: parameter problem at the fragment offset */
				STAT_INC(ip6, in_frag_oversize);
				debugf("dev=%s id=%u off=%u len=%zu dropped: beyond 65535 bytes",
				       dev->name, fh.id, fh.offset, flen);
				icmp6_send_error(ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER,
						 (uint32_t)(off + 2), p, dev, 0, now);
				goto drop;
			}
			if (!fh.offset && !ip6_frag_chain_complete(p->data + off + IP6_FRAG_HDR_LEN,
								   flen, fh.next)) {
				/* RFC 7112 5 (RFC 8200 4.5): parameter problem code 3, pointer 0 */
				STAT_INC(ip6, in_frag_no_chain);
				debugf("dev=%s id=%u dropped: first fragment without the header chain",
				       dev->name, fh.id);
				icmp6_send_error(ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HDRCHAIN, 0, p,
						 dev, 0, now);
				goto drop;
			}
			p = ip6_reass_input(p, &h, off, nh_field, &fh, now); /* owns p */
			if (!p)
				return;
			/* the whole packet: the same headers, then what followed the fragment
			 * header, at off */
			h.plen = (uint16_t)(p->len - IP6_HDR_LEN);
			next = fh.next;
			continue;
		}
		if (ip6_ext_parse(p->data + off, p->len - off, &ext) < 0) {
			STAT_INC(ip6, in_ext_truncated);
			debugf("dev=%s nh=%u dropped: extension header past the payload",
			       dev->name, next);
			goto drop;
		}
		if (next == IP6_NH_ROUTING) {
			ip6_rthdr_parse(p->data + off, ext.len, &rt); /* ext.len >= 8 */
			if (rt.segleft) {
				/* RFC 8200 4.4 and RFC 5095 3: a host routes no type (0 least of
				 * all): parameter problem at the routing type */
				STAT_INC(ip6, in_rthdr_refused);
				debugf("dev=%s type=%u segleft=%u dropped: routing header",
				       dev->name, rt.type, rt.segleft);
				icmp6_send_error(ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER,
						 (uint32_t)(off + 2), p, dev, 0, now);
				goto drop;
			}
			STAT_INC(ip6, in_rthdr_ignored);
		} else {
			enum ip6_opt_verdict v = ip6_opts_check(p->data + off, ext.len, &bad);

			switch (v) {
			case IP6_OPT_OK:
				break;
			case IP6_OPT_DISCARD:
				STAT_INC(ip6, in_opt_discard);
				goto drop;
			case IP6_OPT_PARAMPROB:
			case IP6_OPT_PARAMPROB_UCAST:
				STAT_INC(ip6, in_opt_paramprob);
				/* the error function refuses a multicast destination unless told
				 * it may (action 10) */
				icmp6_send_error(ICMP6_PARAM_PROB, ICMP6_PARAMPROB_OPTION,
						 (uint32_t)(off + bad), p, dev, v == IP6_OPT_PARAMPROB,
						 now);
				goto drop;
			case IP6_OPT_MALFORMED:
				STAT_INC(ip6, in_opt_malformed);
				debugf("dev=%s dropped: option past its header", dev->name);
				goto drop;
			}
		}
		nh_field = off;
		off += ext.len;
		next = ext.next;
	}
	if (next == IP6_NH_NONE) {
		STAT_INC(ip6, in_no_next_header);
		goto drop;
	}
	if (p->gso_size && next != IP6_NH_TCP) {
		/* GSO_TCPV6 from the device, but no TCP: only TCP takes a super-segment */
		STAT_INC(ip6, in_gso_bad);
		debugf("dev=%s nh=%u gso_size=%u dropped: a super-segment that is not TCP",
		       dev->name, next, p->gso_size);
		goto drop;
	}
	handler = proto_find(next);
	tr = handler ? NULL : net_transport_find(next);
	if (!handler && !tr) {
		STAT_INC(ip6, in_unknown_nh);
		debugf("dev=%s nh=%u dropped: unknown next header", dev->name, next);
		icmp6_send_error(ICMP6_PARAM_PROB, ICMP6_PARAMPROB_NEXTHDR, (uint32_t)nh_field, p,
				 dev, 0, now);
		goto drop;
	}
	if (ip6_addr_is_unspecified(&h.src) && next != IP6_NH_ICMPV6) {
		/* RFC 4291 2.5.2: the unspecified source is for a node without an address,
		 * which sends nothing but ND's solicitations */
		STAT_INC(ip6, in_unspec_src);
		goto drop;
	}
	STAT_INC(ip6, in_delivers);
	pkb_pull(p, off); /* the headers stay in the headroom, for errors to quote */
	if (tr) {
		/* a transport of every family (TCP, UDP): told the addresses, not the header;
		 * the checksum it verifies covers the IPv6 pseudo-header (RFC 8200 8.1) */
		struct net_rx rx = {
			.fam = &ip6_family_ops,
			.src = h.src,
			.dst = h.dst,
			.flags = ip6_addr_is_multicast(&h.dst) ? NET_RX_MCAST : NET_RX_IFADDR,
			.nh_len = (unsigned)off,
		};

		tr->input(p, &rx, now); /* owns p */
		return;
	}
	handler(p, &h, (unsigned)off, dev, now); /* owns p */
	return;
drop:
	pkb_free(p);
}
