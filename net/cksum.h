/* SPDX-License-Identifier: MIT */
/* The Internet checksum (RFC 1071): a one's-complement sum of 16-bit words. */
#ifndef NET_CKSUM_H
#define NET_CKSUM_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"

/* Adds len bytes to a running 32-bit sum (bytes taken in network order). */
uint32_t cksum_add(uint32_t sum, const void *data, size_t len);
/* Folds a running sum to 16 bits and complements it: the value to store, in host order. */
uint16_t cksum_finish(uint32_t sum);
/* Checksum of one buffer, host order. A buffer that includes a correct checksum gives 0. */
uint16_t cksum(const void *data, size_t len);
/* Sum of the IPv4 pseudo-header (addresses in network order, length in host order). */
uint32_t cksum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);
/* The IPv6 pseudo-header's sum (RFC 8200 8.1: both addresses, the 32-bit length, the next
 * header). */
uint32_t cksum_pseudo6(const struct net_addr *src, const struct net_addr *dst, uint8_t proto,
		       uint32_t len);
/* The pseudo-header's sum for either family: IPv4's (RFC 9293 3.1, RFC 768) inline, as
 * cksum_pseudo computes it, or IPv6's. The transports call this one. */
static inline uint32_t cksum_pseudo_addr(const struct net_addr *src, const struct net_addr *dst,
					 uint8_t proto, uint32_t len)
{
	if (src->family == AF_INET) {
		uint32_t s = ntohl(src->v4), d = ntohl(dst->v4);

		return (s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff) + proto + (uint16_t)len;
	}
	return cksum_pseudo6(src, dst, proto, len);
}

#endif
