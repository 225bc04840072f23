/* SPDX-License-Identifier: MIT */
/* Ethernet II header parse/emit and MAC address text: pure functions over byte buffers. */
#include "ether/ether.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const uint8_t ether_broadcast[ETHER_ADDR_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

int ether_parse(const uint8_t *b, size_t len, struct ether_hdr *out)
{
	if (len < ETHER_HDR_LEN)
		return -EINVAL;
	memcpy(out->dst, b, ETHER_ADDR_LEN);
	memcpy(out->src, b + 6, ETHER_ADDR_LEN);
	out->type = (uint16_t)(b[12] << 8 | b[13]);
	return 0;
}

size_t ether_emit(const struct ether_hdr *h, uint8_t *b, size_t cap)
{
	if (cap < ETHER_HDR_LEN)
		return 0;
	memcpy(b, h->dst, ETHER_ADDR_LEN);
	memcpy(b + 6, h->src, ETHER_ADDR_LEN);
	b[12] = (uint8_t)(h->type >> 8);
	b[13] = (uint8_t)h->type;
	return ETHER_HDR_LEN;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly six groups of two hex digits separated by ':' (the form `ip link` prints); a
 * looser grammar would let "1:2:3:4:5:6" and "aa:bb:cc:dd:ee:ff:00" mean surprising things. */
int ether_addr_pton(const char *s, uint8_t out[ETHER_ADDR_LEN])
{
	uint8_t a[ETHER_ADDR_LEN];

	if (!s)
		return -EINVAL;
	for (int i = 0; i < ETHER_ADDR_LEN; i++) {
		int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		a[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i < ETHER_ADDR_LEN - 1 && *s++ != ':')
			return -EINVAL;
	}
	if (*s != '\0')
		return -EINVAL;
	memcpy(out, a, ETHER_ADDR_LEN);
	return 0;
}

/* Needs 18 bytes; returns buf, or NULL if size is too small. */
char *ether_addr_ntop(const uint8_t a[ETHER_ADDR_LEN], char *buf, size_t size)
{
	if (size < 18)
		return NULL;
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
	return buf;
}
