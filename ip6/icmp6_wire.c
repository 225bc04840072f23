/* SPDX-License-Identifier: MIT */
/* ICMPv6 parse and emit (RFC 4443 2.1): the 8-byte header and the checksum over the IPv6
 * pseudo-header (RFC 8200 8.1). */
#include "ip6/icmp6.h"

#include <string.h>

#include "net/byteorder.h"
#include "net/cksum.h"

uint16_t icmp6_cksum(const struct net_addr *src, const struct net_addr *dst, const uint8_t *b,
		     size_t len)
{
	uint32_t sum = cksum_pseudo6(src, dst, IP6_NH_ICMPV6, (uint32_t)len);

	return cksum_finish(cksum_add(sum, b, len));
}

int icmp6_parse(const uint8_t *b, size_t len, const struct net_addr *src,
		const struct net_addr *dst, struct icmp6_hdr *out)
{
	memset(out, 0, sizeof(*out));
	if (len < 4)
		return ICMP6_PARSE_SHORT;
	out->type = b[0];
	out->code = b[1];
	out->cksum = rd16(b + 2);
	if (len >= ICMP6_HDR_LEN)
		out->data = rd32(b + 4);
	else if (out->type < 128 || out->type == ICMP6_ECHO_REQUEST ||
		 out->type == ICMP6_ECHO_REPLY)
		return ICMP6_PARSE_SHORT; /* errors and echoes have a second word */
	/* a correct checksum sums, with the pseudo-header, to zero */
	if (cksum_finish(cksum_add(cksum_pseudo6(src, dst, IP6_NH_ICMPV6, (uint32_t)len), b,
				   len)) != 0)
		return ICMP6_PARSE_CKSUM;
	return ICMP6_PARSE_OK;
}

size_t icmp6_emit(const struct icmp6_hdr *h, uint8_t *b, size_t cap)
{
	if (cap < ICMP6_HDR_LEN)
		return 0;
	b[0] = h->type;
	b[1] = h->code;
	wr16(b + 2, 0);
	wr32(b + 4, h->data);
	return ICMP6_HDR_LEN;
}
