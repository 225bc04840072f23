#include "net/cksum.h"

#include <arpa/inet.h>
#include <string.h>

uint32_t cksum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *b = data;
	uint64_t acc = sum;

	/* 8 bytes at a time; one's-complement addition is order independent (RFC 1071 2.(B)). */
	while (len >= 8) {
		uint32_t w[2];
		memcpy(w, b, 8);
		acc += (uint64_t)ntohs((uint16_t)w[0]) + ntohs((uint16_t)(w[0] >> 16)) +
		       ntohs((uint16_t)w[1]) + ntohs((uint16_t)(w[1] >> 16));
		b += 8;
		len -= 8;
	}
	while (len >= 2) {
		acc += (uint32_t)(b[0] << 8 | b[1]);
		b += 2;
		len -= 2;
	}
	if (len)
		acc += (uint32_t)b[0] << 8;
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	/* keep it in 32 bits for the caller */
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
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
