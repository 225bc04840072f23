/* SPDX-License-Identifier: MIT */
/* ARP packet parse/emit for Ethernet/IPv4 (RFC 826): pure functions over byte buffers. */
#include "arp/arp.h"

#include <errno.h>
#include <string.h>

#include "ether/ether.h"
#include "net/byteorder.h"

/* The opcode is not checked here: what to do with an unknown one is arp_input's call. */
int arp_parse(const uint8_t *b, size_t len, struct arp_pkt *out)
{
	if (len < ARP_PKT_LEN)
		return -EINVAL;
	out->hrd = rd16(b);
	out->pro = rd16(b + 2);
	out->hln = b[4];
	out->pln = b[5];
	if (out->hrd != ARP_HRD_ETHER || out->pro != ETHER_TYPE_IP ||
	    out->hln != ETHER_ADDR_LEN || out->pln != 4)
		return -EINVAL;
	out->op = rd16(b + 6);
	memcpy(out->sha, b + 8, 6);
	memcpy(&out->spa, b + 14, 4); /* addresses stay in network order */
	memcpy(out->tha, b + 18, 6);
	memcpy(&out->tpa, b + 24, 4);
	return 0;
}

/* Writes the 28-byte packet; returns 28, or 0 if cap is too small. */
size_t arp_emit(const struct arp_pkt *a, uint8_t *b, size_t cap)
{
	if (cap < ARP_PKT_LEN)
		return 0;
	wr16(b, a->hrd);
	wr16(b + 2, a->pro);
	b[4] = a->hln;
	b[5] = a->pln;
	wr16(b + 6, a->op);
	memcpy(b + 8, a->sha, 6);
	memcpy(b + 14, &a->spa, 4);
	memcpy(b + 18, a->tha, 6);
	memcpy(b + 24, &a->tpa, 4);
	return ARP_PKT_LEN;
}
