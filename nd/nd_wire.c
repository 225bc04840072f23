/* SPDX-License-Identifier: MIT */
/* NS and NA parse and emit (RFC 4861 4.3, 4.4, 4.6.1), with the validation of 7.1.1 and
 * 7.1.2 that needs only the message: code 0, the length, every option's length non-zero
 * and inside the message, a target that is not multicast. */
#include "nd/nd.h"

#include <string.h>

#include "ip6/icmp6.h"
#include "net/byteorder.h"

int nd_parse(const uint8_t *b, size_t len, struct nd_msg *out)
{
	size_t off;

	memset(out, 0, sizeof(*out));
	if (len < ND_NS_NA_LEN)
		return ND_PARSE_SHORT;
	out->type = b[0];
	if (out->type != ICMP6_ND_NS && out->type != ICMP6_ND_NA)
		return ND_PARSE_TYPE;
	if (b[1] != 0)
		return ND_PARSE_CODE;
	if (out->type == ICMP6_ND_NA)
		out->flags = rd32(b + 4) & (ND_NA_ROUTER | ND_NA_SOLICITED | ND_NA_OVERRIDE);
	out->target.family = AF_INET6;
	memcpy(out->target.v6, b + 8, 16);
	if (ip6_addr_is_multicast(&out->target))
		return ND_PARSE_TARGET;
	for (off = ND_NS_NA_LEN; off < len;) {
		size_t olen;

		if (off + 2 > len)
			return ND_PARSE_OPTLEN;
		olen = 8 * (size_t)b[off + 1];
		if (olen == 0 || off + olen > len)
			return ND_PARSE_OPTLEN;
		/* the option this message may carry: source LLA in an NS, target LLA in an
		 * NA; the others (a DAD nonce, RFC 7527) are skipped, as 4.6 asks */
		if (olen >= 8 &&
		    ((out->type == ICMP6_ND_NS && b[off] == ND_OPT_SLLA) ||
		     (out->type == ICMP6_ND_NA && b[off] == ND_OPT_TLLA))) {
			out->has_lla = 1;
			memcpy(out->lla, b + off + 2, 6);
		}
		off += olen;
	}
	return ND_PARSE_OK;
}

size_t nd_emit(const struct nd_msg *m, uint8_t *b, size_t cap)
{
	size_t len = ND_NS_NA_LEN + (m->has_lla ? 8 : 0);

	if (cap < len)
		return 0;
	memset(b, 0, len);
	b[0] = m->type;
	if (m->type == ICMP6_ND_NA)
		wr32(b + 4, m->flags);
	memcpy(b + 8, m->target.v6, 16);
	if (m->has_lla) {
		b[24] = m->type == ICMP6_ND_NS ? ND_OPT_SLLA : ND_OPT_TLLA;
		b[25] = 1;
		memcpy(b + 26, m->lla, 6);
	}
	return len;
}
