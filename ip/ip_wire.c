/* SPDX-License-Identifier: MIT */
/* IPv4 header parse and emit (RFC 791 3.1), pure functions over byte buffers, and address
 * text conversion. Fields are read byte by byte in network order: received bytes are
 * never cast to a struct. */
#include "ip/ip.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/byteorder.h"
#include "net/cksum.h"

/* Addresses stay in network order: copied as bytes, not converted. */
static uint32_t rdaddr(const uint8_t *b)
{
	uint32_t a;

	memcpy(&a, b, 4);
	return a;
}

/* Fills every field without judging the packet; the callers decide what to check. */
static void ip_fields(const uint8_t *b, struct ip_hdr *out)
{
	out->version = b[0] >> 4;
	out->ihl = (uint8_t)((b[0] & 0x0f) * 4);
	out->tos = b[1];
	out->total_len = rd16(b + 2);
	out->id = rd16(b + 4);
	out->frag = rd16(b + 6);
	out->ttl = b[8];
	out->proto = b[9];
	out->cksum = rd16(b + 10);
	out->src = rdaddr(b + 12);
	out->dst = rdaddr(b + 16);
	out->options = b + IP_HDR_MIN;
}

/* The checks of RFC 1122 3.2.1.1 - 3.2.1.2 in the order that lets each error be told
 * apart: length, version, IHL, total length, then the checksum over the header. */
int ip_parse(const uint8_t *b, size_t len, struct ip_hdr *out)
{
	if (len < IP_HDR_MIN)
		return IP_PARSE_SHORT;
	ip_fields(b, out);
	if (out->version != IP_VERSION)
		return IP_PARSE_VERSION;
	if (out->ihl < IP_HDR_MIN || out->ihl > len)
		return IP_PARSE_IHL;
	if (out->total_len < out->ihl || out->total_len > len)
		return IP_PARSE_TOTLEN;
	if (cksum(b, out->ihl) != 0)
		return IP_PARSE_CKSUM;
	return IP_PARSE_OK;
}

/* A header quoted inside an ICMP error was cut short by the sender of the error, and
 * routers on the way may have changed it (RFC 1812 4.3.2.3), so only the version and the
 * header length are checked: enough to find the transport bytes after it. */
int ip_parse_quoted(const uint8_t *b, size_t len, struct ip_hdr *out)
{
	if (len < IP_HDR_MIN)
		return IP_PARSE_SHORT;
	ip_fields(b, out);
	if (out->version != IP_VERSION)
		return IP_PARSE_VERSION;
	if (out->ihl < IP_HDR_MIN || out->ihl > len)
		return IP_PARSE_IHL;
	return IP_PARSE_OK;
}

size_t ip_emit(const struct ip_hdr *h, uint8_t *b, size_t cap)
{
	if (cap < IP_HDR_MIN)
		return 0;
	b[0] = (uint8_t)(IP_VERSION << 4 | IP_HDR_MIN / 4);
	b[1] = h->tos;
	wr16(b + 2, h->total_len);
	wr16(b + 4, h->id);
	wr16(b + 6, h->frag);
	b[8] = h->ttl;
	b[9] = h->proto;
	wr16(b + 10, 0);
	memcpy(b + 12, &h->src, 4);
	memcpy(b + 16, &h->dst, 4);
	wr16(b + 10, cksum(b, IP_HDR_MIN));
	return IP_HDR_MIN;
}

/* Strict dotted quad: four decimal parts 0-255, no leading '+', no trailing bytes.
 * (inet_pton would do, but it accepts nothing we do not; this keeps the rules visible.) */
int ip_addr_pton(const char *s, uint32_t *out)
{
	uint8_t a[4];

	for (int i = 0; i < 4; i++) {
		unsigned v = 0;
		int digits = 0;

		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (unsigned)(*s++ - '0');
			if (++digits > 3 || v > 255)
				return -EINVAL;
		}
		if (!digits)
			return -EINVAL;
		a[i] = (uint8_t)v;
		if (i < 3 && *s++ != '.')
			return -EINVAL;
	}
	if (*s)
		return -EINVAL;
	memcpy(out, a, 4);
	return 0;
}

const char *ip_addr_ntop(uint32_t addr, char *buf, size_t size)
{
	uint8_t a[4];

	memcpy(a, &addr, 4);
	snprintf(buf, size, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	return buf;
}
