/* SPDX-License-Identifier: MIT */
/* The virtio-net header (struct virtio_net_hdr, 10 bytes) that TAP/TUN with IFF_VNET_HDR
 * and packet sockets with PACKET_VNET_HDR put before every frame: checksum and
 * segmentation offload metadata. Parse and emit are pure functions over bytes; the
 * conversion to and from a pkb's offload fields is here too, so the drivers that use the
 * header (tap.c, tun.c, packet.c) share one reading of it.
 *
 * Byte order: the 16-bit fields are in the host's order (legacy virtio; neither
 * TUNSETVNETLE nor TUNSETVNETBE is set, and af_packet always uses the host's order). */
#ifndef DRIVER_VNET_H
#define DRIVER_VNET_H

#include <stddef.h>
#include <stdint.h>

#include "net/pkb.h"

#define VNET_HDR_LEN 10
/* p->proto of an IPv6 packet (IPv6 output sets it as IPv4 output sets 0x0800): a
 * super-segment of it goes out as TCPv6 GSO. */
#define VNET_ETHERTYPE_IPV6 0x86dd

struct vnet_hdr {
	uint8_t flags;        /* VIRTIO_NET_HDR_F_NEEDS_CSUM, _F_DATA_VALID */
	uint8_t gso_type;     /* VIRTIO_NET_HDR_GSO_NONE, _TCPV4, _TCPV6, ... (| _ECN) */
	uint16_t hdr_len;     /* GSO: link + IP + TCP header bytes */
	uint16_t gso_size;    /* GSO: payload bytes per segment */
	uint16_t csum_start;  /* NEEDS_CSUM: from the frame's first byte */
	uint16_t csum_offset; /* NEEDS_CSUM: from csum_start to the checksum field */
};

/* 0, or -EINVAL if len < VNET_HDR_LEN. */
int vnet_hdr_parse(const uint8_t *b, size_t len, struct vnet_hdr *out);
/* Writes VNET_HDR_LEN bytes; returns that, or 0 if cap is smaller. */
size_t vnet_hdr_emit(const struct vnet_hdr *h, uint8_t *b, size_t cap);

/* Input: applies h to the frame in p (data = frame). NEEDS_CSUM marks the checksum partial
 * (the local kernel's data, trusted), DATA_VALID marks it valid; a TCPv4 or TCPv6 GSO
 * frame (with or without the ECN bit) stays one super-segment with p->gso_size set, for
 * TCP to take whole or forwarding to pass on or cut. Returns 0, -EINVAL for checksum
 * offsets outside the frame or a GSO frame with gso_size 0, -EPROTONOSUPPORT for a GSO
 * type other than TCPv4 and TCPv6 (UDP: ustack cuts only TCP). */
int vnet_hdr_to_pkb(const struct vnet_hdr *h, struct pkb *p);
/* Output: the header for the frame in p (data = frame): zero for an ordinary frame,
 * NEEDS_CSUM for a partial checksum, TCPv4 GSO for a super-segment (which is always
 * partial, csum_start at the TCP header: hdr_len is read from its data offset), TCPv6 GSO
 * for one whose p->proto is VNET_ETHERTYPE_IPV6, with the ECN bit when the segment
 * carries CWR. */
void vnet_hdr_from_pkb(const struct pkb *p, struct vnet_hdr *h);

#endif
