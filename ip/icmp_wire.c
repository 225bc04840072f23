/* SPDX-License-Identifier: MIT */
/* ICMP header parse and emit (RFC 792): pure functions over byte buffers. */
#include "ip/icmp.h"

#include <errno.h>

#include "net/cksum.h"

int icmp_parse(const uint8_t *b, size_t len, struct icmp_hdr *out)
{
	if (len < ICMP_HDR_LEN)
		return -EINVAL;
	/* The checksum covers the whole message, header and data (RFC 792). */
	if (cksum(b, len) != 0)
		return -EBADMSG;
	out->type = b[0];
	out->code = b[1];
	out->cksum = (uint16_t)(b[2] << 8 | b[3]);
	out->rest = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
	return 0;
}

size_t icmp_emit(const struct icmp_hdr *h, uint8_t *b, size_t cap, size_t payload_len)
{
	uint16_t c;

	if (cap < ICMP_HDR_LEN + payload_len)
		return 0;
	b[0] = h->type;
	b[1] = h->code;
	b[2] = 0;
	b[3] = 0;
	b[4] = (uint8_t)(h->rest >> 24);
	b[5] = (uint8_t)(h->rest >> 16);
	b[6] = (uint8_t)(h->rest >> 8);
	b[7] = (uint8_t)h->rest;
	c = cksum(b, ICMP_HDR_LEN + payload_len);
	b[2] = (uint8_t)(c >> 8);
	b[3] = (uint8_t)c;
	return ICMP_HDR_LEN;
}
