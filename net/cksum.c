/* SPDX-License-Identifier: MIT */
#include "net/cksum.h"
#include "net/addr.h"

#include <arpa/inet.h>
#include <string.h>

/* One's-complement addition of 64-bit words: the carry out of bit 63 wraps around. */
static inline uint64_t add_carry64(uint64_t a, uint64_t b)
{
	uint64_t r;

	if (__builtin_add_overflow(a, b, &r))
		r++;
	return r;
}

/* RFC 1071 2.(B): the one's-complement sum does not depend on byte order, so the words are
 * summed as the CPU loads them (8 bytes at a time, 32 per iteration) and the 16-bit result
 * is swapped once at the end. This is the per-byte work of every packet, so it matters. */
uint32_t cksum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *b = data;
	uint64_t acc = 0, w[4];
	uint16_t s16;

	while (len >= 32) {
		memcpy(w, b, 32);
		acc = add_carry64(acc, w[0]);
		acc = add_carry64(acc, w[1]);
		acc = add_carry64(acc, w[2]);
		acc = add_carry64(acc, w[3]);
		b += 32;
		len -= 32;
	}
	while (len >= 8) {
		memcpy(w, b, 8);
		acc = add_carry64(acc, w[0]);
		b += 8;
		len -= 8;
	}
	if (len >= 4) {
		uint32_t v;
		memcpy(&v, b, 4);
		acc = add_carry64(acc, v);
		b += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t v;
		memcpy(&v, b, 2);
		acc = add_carry64(acc, v);
		b += 2;
		len -= 2;
	}
	if (len) {
		/* The odd byte is the high half of a big-endian word padded with zero: in the
		 * CPU's order that is where a load of {b[0], 0} puts it. */
		uint16_t v = 0;
		memcpy(&v, b, 1);
		acc = add_carry64(acc, v);
	}
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	s16 = ntohs((uint16_t)acc);
	sum += s16;
	sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t cksum_finish(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t cksum(const void *data, size_t len)
{
	return cksum_finish(cksum_add(0, data, len));
}

uint32_t cksum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	uint32_t s = ntohl(src), d = ntohl(dst);

	return (s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff) + proto + len;
}

uint32_t cksum_pseudo6(const struct net_addr *src, const struct net_addr *dst, uint8_t proto,
		       uint32_t len)
{
	return cksum_add(cksum_add(0, src->v6, 16), dst->v6, 16) + (len >> 16) + (len & 0xffff) +
	       proto;
}
