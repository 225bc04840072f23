/* SPDX-License-Identifier: MIT */
#include "driver/vnet.h"

#include <errno.h>
#include <linux/virtio_net.h>
#include <string.h>

static uint16_t rd_host16(const uint8_t *b)
{
	uint16_t v;

	memcpy(&v, b, sizeof(v));
	return v;
}

static void wr_host16(uint8_t *b, uint16_t v)
{
	memcpy(b, &v, sizeof(v));
}

int vnet_hdr_parse(const uint8_t *b, size_t len, struct vnet_hdr *out)
{
	if (len < VNET_HDR_LEN)
		return -EINVAL;
	out->flags = b[0];
	out->gso_type = b[1];
	out->hdr_len = rd_host16(b + 2);
	out->gso_size = rd_host16(b + 4);
	out->csum_start = rd_host16(b + 6);
	out->csum_offset = rd_host16(b + 8);
	return 0;
}

size_t vnet_hdr_emit(const struct vnet_hdr *h, uint8_t *b, size_t cap)
{
	if (cap < VNET_HDR_LEN)
		return 0;
	b[0] = h->flags;
	b[1] = h->gso_type;
	wr_host16(b + 2, h->hdr_len);
	wr_host16(b + 4, h->gso_size);
	wr_host16(b + 6, h->csum_start);
	wr_host16(b + 8, h->csum_offset);
	return VNET_HDR_LEN;
}

int vnet_hdr_to_pkb(const struct vnet_hdr *h, struct pkb *p)
{
	/* The ECN bit only says the super-segment carries CWR; net/gso.c puts CWR on the
	 * first segment when it cuts one, as the kernel does for SKB_GSO_TCP_ECN. */
	uint8_t type = h->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	int tcp = type == VIRTIO_NET_HDR_GSO_TCPV4 || type == VIRTIO_NET_HDR_GSO_TCPV6;

	p->csum = PKB_CSUM_NONE;
	p->gso_size = 0;
	if (type != VIRTIO_NET_HDR_GSO_NONE && !tcp)
		return -EPROTONOSUPPORT;
	if (tcp && h->gso_size == 0)
		return -EINVAL;
	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		if (h->csum_start >= p->len || (size_t)h->csum_start + h->csum_offset + 2 > p->len)
			return -EINVAL;
		pkb_csum_set_partial(p, p->data + h->csum_start,
				     p->data + h->csum_start + h->csum_offset);
	} else if (h->flags & VIRTIO_NET_HDR_F_DATA_VALID) {
		p->csum = PKB_CSUM_VALID;
	}
	/* TCP takes a super-segment whole; gso_size is kept for forwarding, which passes it
	 * on whole to a TSO device or cuts it (net/gso.c) for any other. Which IP version it
	 * is the IP header says (ip_input and ip6_input each see only their own). */
	if (tcp)
		p->gso_size = h->gso_size;
	return 0;
}

void vnet_hdr_from_pkb(const struct pkb *p, struct vnet_hdr *h)
{
	size_t frame = pkb_headroom(p);

	memset(h, 0, sizeof(*h));
	if (p->csum == PKB_CSUM_PARTIAL && p->csum_start >= frame) {
		h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h->csum_start = (uint16_t)(p->csum_start - frame);
		h->csum_offset = p->csum_offset;
	}
	if (p->gso_size) {
		/* The TCP header's length sits in its data offset field (byte 12). */
		size_t tcp = p->csum_start - frame;

		h->gso_type = p->proto == VNET_ETHERTYPE_IPV6 ? VIRTIO_NET_HDR_GSO_TCPV6 :
								 VIRTIO_NET_HDR_GSO_TCPV4;
		/* CWR set: the kernel must keep it on the first segment only. */
		if (p->data[tcp + 13] & 0x80)
			h->gso_type |= VIRTIO_NET_HDR_GSO_ECN;
		h->gso_size = p->gso_size;
		h->hdr_len = (uint16_t)(tcp + (size_t)(p->data[tcp + 12] >> 4) * 4);
	}
}
