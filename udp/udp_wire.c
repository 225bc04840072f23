/* SPDX-License-Identifier: MIT */
/* UDP header bytes <-> struct udp_hdr (RFC 768). Pure functions: no state, no clock. */
#include "udp/udp.h"

#include "ip/ip.h"
#include "net/byteorder.h"
#include "net/cksum.h"

int udp_parse(const uint8_t *b, size_t len, const struct net_addr *src,
	      const struct net_addr *dst, struct udp_hdr *out)
{
	return udp_parse_csum(b, len, src, dst, 1, out);
}

int udp_parse_csum(const uint8_t *b, size_t len, const struct net_addr *src,
		   const struct net_addr *dst, int verify,
		   struct udp_hdr *out)
{
	if (len < UDP_HDR_LEN)
		return UDP_PARSE_SHORT;
	out->src_port = rd16(b);
	out->dst_port = rd16(b + 2);
	out->len = rd16(b + 4);
	out->cksum = rd16(b + 6);
	if (out->len < UDP_HDR_LEN || out->len > len)
		return UDP_PARSE_LEN;
	/* A zero checksum field means the sender computed none (RFC 768); a computed 0 is
	 * always sent as 0xffff, so 0 is never a real checksum. */
	if (verify && out->cksum != 0) {
		uint32_t sum = cksum_pseudo_addr(src, dst, IP_PROTO_UDP, out->len);
		if (cksum_finish(cksum_add(sum, b, out->len)) != 0)
			return UDP_PARSE_CKSUM;
	}
	return UDP_PARSE_OK;
}

size_t udp_emit(const struct udp_hdr *h, uint8_t *b, size_t cap, size_t payload_len,
		const struct net_addr *src, const struct net_addr *dst)
{
	size_t total = UDP_HDR_LEN + payload_len;
	uint16_t sum;

	if (cap < total || total > 0xffff)
		return 0;
	wr16(b, h->src_port);
	wr16(b + 2, h->dst_port);
	wr16(b + 4, (uint16_t)total);
	wr16(b + 6, 0);
	sum = cksum_finish(cksum_add(cksum_pseudo_addr(src, dst, IP_PROTO_UDP, (uint16_t)total), b,
				     total));
	wr16(b + 6, sum ? sum : 0xffff);
	return UDP_HDR_LEN;
}
