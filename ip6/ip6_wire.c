/* SPDX-License-Identifier: MIT */
/* IPv6 parse and emit: the fixed header, the extension headers a host walks, their
 * options, and the address helpers. Pure functions over byte buffers. */
#include "ip6/ip6.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "net/byteorder.h"

int ip6_parse(const uint8_t *b, size_t len, struct ip6_hdr *out)
{
	memset(out, 0, sizeof(*out));
	if (len < IP6_HDR_LEN)
		return IP6_PARSE_SHORT;
	out->version = b[0] >> 4;
	out->tclass = (uint8_t)((b[0] & 0x0f) << 4 | b[1] >> 4);
	out->flow = (uint32_t)(b[1] & 0x0f) << 16 | rd16(b + 2);
	out->plen = rd16(b + 4);
	out->next = b[6];
	out->hlim = b[7];
	out->src.family = out->dst.family = AF_INET6;
	memcpy(out->src.v6, b + 8, 16);
	memcpy(out->dst.v6, b + 24, 16);
	if (out->version != IP6_VERSION)
		return IP6_PARSE_VERSION;
	/* NOTE: RFC 8200 4.3's jumbo payload (length 0 with a hop-by-hop option) is not
	 * supported: no link ustack drives carries one. Length 0 is an empty payload. */
	if ((size_t)out->plen > len - IP6_HDR_LEN)
		return IP6_PARSE_PLEN;
	return IP6_PARSE_OK;
}

size_t ip6_emit(const struct ip6_hdr *h, uint8_t *b, size_t cap)
{
	if (cap < IP6_HDR_LEN)
		return 0;
	b[0] = (uint8_t)(IP6_VERSION << 4 | h->tclass >> 4);
	b[1] = (uint8_t)((h->tclass & 0x0f) << 4 | ((h->flow >> 16) & 0x0f));
	wr16(b + 2, (uint16_t)h->flow);
	wr16(b + 4, h->plen);
	b[6] = h->next;
	b[7] = h->hlim;
	memcpy(b + 8, h->src.v6, 16);
	memcpy(b + 24, h->dst.v6, 16);
	return IP6_HDR_LEN;
}

int ip6_ext_parse(const uint8_t *b, size_t len, struct ip6_ext *out)
{
	if (len < 2)
		return -EINVAL;
	out->next = b[0];
	out->len = 8 * ((size_t)b[1] + 1);
	return out->len <= len ? 0 : -EINVAL;
}

int ip6_rthdr_parse(const uint8_t *b, size_t len, struct ip6_rthdr *out)
{
	if (len < 4)
		return -EINVAL;
	out->type = b[2];
	out->segleft = b[3];
	return 0;
}

int ip6_frag_parse(const uint8_t *b, size_t len, struct ip6_frag *out)
{
	if (len < IP6_FRAG_HDR_LEN)
		return -EINVAL;
	out->next = b[0];
	out->offset = rd16(b + 2) & 0xfff8;
	out->more = b[3] & 1;
	out->id = rd32(b + 4);
	return 0;
}

enum ip6_opt_verdict ip6_opts_check(const uint8_t *b, size_t len, size_t *bad)
{
	size_t i = 2; /* after next header and length */

	while (i < len) {
		uint8_t type = b[i];
		size_t olen;

		if (type == IP6_OPT_PAD1) {
			i++;
			continue;
		}
		if (i + 2 > len) {
			*bad = i;
			return IP6_OPT_MALFORMED;
		}
		olen = 2 + (size_t)b[i + 1];
		if (i + olen > len) {
			*bad = i + 1;
			return IP6_OPT_MALFORMED;
		}
		if (type != IP6_OPT_PADN && type != IP6_OPT_ROUTER_ALERT) {
			/* RFC 8200 4.2: the two high bits say what to do with an unknown one */
			*bad = i;
			switch (type >> 6) {
			case 1:
				return IP6_OPT_DISCARD;
			case 2:
				return IP6_OPT_PARAMPROB;
			case 3:
				return IP6_OPT_PARAMPROB_UCAST;
			default:
				break; /* 00: skip it */
			}
		}
		i += olen;
	}
	return IP6_OPT_OK;
}

int ip6_addr_is_unspecified(const struct net_addr *a)
{
	static const uint8_t zero[16];

	return !memcmp(a->v6, zero, 16);
}

struct net_addr ip6_addr_all_nodes(void)
{
	struct net_addr a = net_addr_any(AF_INET6);

	a.v6[0] = 0xff;
	a.v6[1] = 0x02;
	a.v6[15] = 1;
	return a;
}

struct net_addr ip6_addr_solicited(const struct net_addr *a)
{
	struct net_addr g = net_addr_any(AF_INET6);

	g.v6[0] = 0xff;
	g.v6[1] = 0x02;
	g.v6[11] = 0x01;
	g.v6[12] = 0xff;
	memcpy(g.v6 + 13, a->v6 + 13, 3);
	return g;
}

void ip6_mcast_mac(const struct net_addr *group, uint8_t mac[6])
{
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, group->v6 + 12, 4);
}

int ip6_addr_pton(const char *s, struct net_addr *out)
{
	*out = net_addr_any(AF_INET6);
	return inet_pton(AF_INET6, s, out->v6) == 1 ? 0 : -EINVAL;
}

int ip6_prefix_match(const struct net_addr *a, const struct net_addr *b, unsigned plen)
{
	unsigned bytes = plen / 8, bits = plen % 8;

	if (plen > 128)
		return 0;
	if (memcmp(a->v6, b->v6, bytes))
		return 0;
	if (bits) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits));

		return ((a->v6[bytes] ^ b->v6[bytes]) & mask) == 0;
	}
	return 1;
}
