/* SPDX-License-Identifier: MIT */
/* The Ethernet link layer: the destination filter on input, the header and minimum-frame
 * padding on output. Frames are never copied: input strips the header by moving the data
 * pointer, output prepends it into the headroom the upper layers left. */
#include "ether/ether.h"

#include <errno.h>
#include <string.h>

#include "net/log.h"

STATS_DEFINE(ether, ETHER_COUNTERS)

int ether_init(void)
{
	return net_link_register(NET_DEV_ETHER, ether_input);
}

/* Takes ownership of p: it goes on to the ethertype's handler or is freed here. */
void ether_input(struct pkb *p, struct net_device *dev, uint64_t now)
{
	struct ether_hdr h;
	char mac[18];

	STAT_INC(ether, rx_frames);
	if (ether_parse(p->data, p->len, &h) < 0) {
		STAT_INC(ether, rx_short);
		debugf("dev=%s len=%zu dropped: shorter than an Ethernet header", dev->name, p->len);
		goto drop;
	}
	if (memcmp(h.dst, dev->hwaddr, ETHER_ADDR_LEN) != 0 &&
	    memcmp(h.dst, ether_broadcast, ETHER_ADDR_LEN) != 0 &&
	    !((h.dst[0] & 0x01) && net_device_mcast_member(dev, h.dst))) {
		/* The group bit: only the groups the device joined pass (IPv6's all-nodes
		 * and solicited-node groups, net_device_mcast_join; no IGMP, so no IPv4
		 * group); the others get their own counter because they are normal traffic
		 * on a LAN, unlike unicast frames for another host. */
		if (h.dst[0] & 0x01) {
			STAT_INC(ether, rx_multicast_ignored);
			debugf("dev=%s dst=%s ignored: multicast", dev->name,
			       ether_addr_ntop(h.dst, mac, sizeof(mac)));
		} else {
			STAT_INC(ether, rx_not_for_us);
			debugf("dev=%s dst=%s dropped: not for us", dev->name,
			       ether_addr_ntop(h.dst, mac, sizeof(mac)));
		}
		goto drop;
	}
	pkb_pull(p, ETHER_HDR_LEN); /* cannot fail: parse checked the length */
	/* The registry owns p from here (it frees frames of unknown ethertypes). */
	net_protocol_input(h.type, p, dev, now);
	return;
drop:
	pkb_free(p);
}

/* Takes ownership of p: it goes to the driver or is freed here. */
int ether_output(struct net_device *dev, uint16_t type, const uint8_t dst[ETHER_ADDR_LEN],
		 struct pkb *p, uint64_t now)
{
	struct ether_hdr h;
	uint8_t *b;
	int err;

	b = pkb_push(p, ETHER_HDR_LEN);
	if (!b) {
		/* Every sender allocates with PKB_HEADROOM, so this is a bug above us, not
		 * a condition to paper over with a copy. */
		STAT_INC(ether, tx_no_headroom);
		debugf("dev=%s type=0x%04x dropped: no headroom (%zu)", dev->name, type,
		       pkb_headroom(p));
		err = -ENOBUFS;
		goto drop;
	}
	memcpy(h.dst, dst, ETHER_ADDR_LEN);
	memcpy(h.src, dev->hwaddr, ETHER_ADDR_LEN);
	h.type = type;
	ether_emit(&h, b, ETHER_HDR_LEN);
	if (p->len < ETHER_MIN_FRAME) {
		size_t pad = ETHER_MIN_FRAME - p->len;
		uint8_t *tail = pkb_put(p, pad);

		if (!tail) {
			STAT_INC(ether, tx_no_tailroom);
			debugf("dev=%s len=%zu dropped: no tailroom to pad", dev->name, p->len);
			err = -ENOBUFS;
			goto drop;
		}
		/* Zeros, so that no stale buffer contents leak onto the wire. */
		memset(tail, 0, pad);
		STAT_INC(ether, tx_padded);
	}
	STAT_INC(ether, tx_frames);
	/* The device owns p from here, whatever it returns. */
	return net_device_xmit(dev, p, now);
drop:
	pkb_free(p);
	return err;
}
