/* SPDX-License-Identifier: MIT */
/* Ethernet II framing. Wire functions are pure (ether_wire.c); ether.c is the link layer:
 * the address filter on input and the header on output. */
#ifndef ETHER_ETHER_H
#define ETHER_ETHER_H

#include <stddef.h>
#include <stdint.h>

#include "net/netdev.h"

#define ETHER_ADDR_LEN 6
#define ETHER_HDR_LEN 14
#define ETHER_MIN_FRAME 60   /* without FCS: shorter frames are padded */
#define ETHER_MTU 1500

#define ETHER_TYPE_IP  0x0800
#define ETHER_TYPE_ARP 0x0806
#define ETHER_TYPE_IPV6 0x86dd

extern const uint8_t ether_broadcast[ETHER_ADDR_LEN];

struct ether_hdr {
	uint8_t dst[ETHER_ADDR_LEN];
	uint8_t src[ETHER_ADDR_LEN];
	uint16_t type; /* host order */
};

/* Returns 0, or -EINVAL if len < ETHER_HDR_LEN. */
int ether_parse(const uint8_t *b, size_t len, struct ether_hdr *out);
/* Writes the 14-byte header; returns 14, or 0 if cap is too small. */
size_t ether_emit(const struct ether_hdr *h, uint8_t *b, size_t cap);
/* "aa:bb:cc:dd:ee:ff" <-> bytes. ether_addr_pton returns 0 or -EINVAL. */
int ether_addr_pton(const char *s, uint8_t out[ETHER_ADDR_LEN]);
char *ether_addr_ntop(const uint8_t a[ETHER_ADDR_LEN], char *buf, size_t size);

#define ETHER_COUNTERS(X)                                                                   \
	X(rx_frames) X(rx_short) X(rx_not_for_us) X(rx_multicast_ignored) X(tx_frames)      \
	X(tx_no_headroom) X(tx_no_tailroom) X(tx_padded)
STATS_DECLARE(ether, ETHER_COUNTERS);
#define ether_stats STATS_REF(ether)

/* Registers ether_input as the link handler of Ethernet devices. */
int ether_init(void);
/* A frame from an Ethernet device: filtered by destination, dispatched by ethertype.
 * Takes ownership of p. */
void ether_input(struct pkb *p, struct net_device *dev, uint64_t now);
/* Prepends the header (dst, dev's address, type), pads to the minimum frame, transmits.
 * Takes ownership of p. */
int ether_output(struct net_device *dev, uint16_t type, const uint8_t dst[ETHER_ADDR_LEN],
		 struct pkb *p, uint64_t now);

#endif
