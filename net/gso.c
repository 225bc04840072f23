/* SPDX-License-Identifier: MIT */
#include "net/gso.h"

#include <errno.h>
#include <string.h>

#include "net/byteorder.h"
#include "net/cksum.h"

STATS_DEFINE(gso, GSO_COUNTERS)

#define IPPROTO_TCP_ 6
#define IP_MF_OFFSET 0x3fff /* the MF bit and the fragment offset */
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_URG 0x20
#define TCP_CWR 0x80

#define IP6_HDR_LEN_ 40

/* Where the headers of a super-segment lie (ihl: the IP header, 40 for IPv6). */
struct gso_hdrs {
	size_t ihl, thl, total, payload;
	int v6;
};

/* The checks every caller needs before trusting the offsets: an IPv4 TCP datagram that
 * is whole (a fragment is no super-segment), or an IPv6 one with TCP right after the
 * fixed header (no extension headers: those are refused, not cut), whose lengths agree
 * with each other and fit the buffer. Anything past the IP total length (Ethernet
 * padding) is ignored. */
static int gso_parse(const struct pkb *p, struct gso_hdrs *g)
{
	const uint8_t *b = p->data;

	if (p->len < 20)
		return -EINVAL;
	g->v6 = b[0] >> 4 == 6;
	if (g->v6) {
		g->ihl = IP6_HDR_LEN_;
		if (p->len < IP6_HDR_LEN_ || b[6] != IPPROTO_TCP_)
			return -EINVAL;
		g->total = IP6_HDR_LEN_ + (size_t)rd16(b + 4); /* no jumbograms: 0 is too short */
		if (g->total > p->len || g->total < g->ihl + 20)
			return -EINVAL;
	} else {
		if (b[0] >> 4 != 4)
			return -EINVAL;
		g->ihl = (size_t)(b[0] & 0x0f) * 4;
		g->total = rd16(b + 2);
		if (g->ihl < 20 || g->total > p->len || g->total < g->ihl + 20)
			return -EINVAL;
		if (b[9] != IPPROTO_TCP_ || (rd16(b + 6) & IP_MF_OFFSET))
			return -EINVAL;
	}
	g->thl = (size_t)(b[g->ihl + 12] >> 4) * 4;
	if (g->thl < 20 || g->ihl + g->thl > g->total)
		return -EINVAL;
	g->payload = g->total - g->ihl - g->thl;
	return 0;
}

/* Segments of gso_size in a payload of len bytes (an empty payload still makes one). */
static size_t nsegs(size_t len, size_t gso_size)
{
	return len ? (len + gso_size - 1) / gso_size : 1;
}

int gso_count(const struct pkb *p)
{
	struct gso_hdrs g;
	size_t n;

	if (!p->gso_size || gso_parse(p, &g) < 0)
		return -EINVAL;
	n = nsegs(g.payload, p->gso_size);
	return n > GSO_MAX_SEGS ? -EINVAL : (int)n;
}

/* The pseudo-header sum of a TCP segment of tcp_len bytes, as read from its IP header
 * (IPv4's or IPv6's, by the version). */
static uint32_t tcp_pseudo(const uint8_t *ip, size_t tcp_len)
{
	uint32_t src, dst;

	if (ip[0] >> 4 == 6) {
		struct net_addr s6 = { .family = AF_INET6 }, d6 = { .family = AF_INET6 };

		memcpy(s6.v6, ip + 8, 16);
		memcpy(d6.v6, ip + 24, 16);
		return cksum_pseudo6(&s6, &d6, IPPROTO_TCP_, (uint32_t)tcp_len);
	}
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	return cksum_pseudo(src, dst, IPPROTO_TCP_, (uint16_t)tcp_len);
}

int gso_segment(const struct pkb *p, unsigned flags, struct pkb_queue *out)
{
	struct pkb_queue segs = TAILQ_HEAD_INITIALIZER(segs);
	const uint8_t *b = p->data;
	struct gso_hdrs g;
	size_t hlen, mss = p->gso_size, off = 0;
	uint32_t seq0;
	uint16_t id0, urp;
	uint8_t tflags;
	int n = 0;

	if (!mss || gso_parse(p, &g) < 0 || nsegs(g.payload, mss) > GSO_MAX_SEGS) {
		STAT_INC(gso, bad_superseg);
		return -EINVAL;
	}
	hlen = g.ihl + g.thl;
	id0 = g.v6 ? 0 : rd16(b + 4);
	seq0 = rd32(b + g.ihl + 4);
	tflags = b[g.ihl + 13];
	urp = rd16(b + g.ihl + 18);
	for (;;) {
		size_t len = g.payload - off < mss ? g.payload - off : mss;
		int last = off + len == g.payload;
		uint8_t f = tflags, *d, *t;
		struct pkb *s = pkb_alloc(hlen + len);

		if (!s) {
			STAT_INC(gso, alloc_failed);
			pkb_queue_purge(&segs);
			return -ENOBUFS;
		}
		d = pkb_put(s, hlen + len);
		memcpy(d, b, hlen);
		memcpy(d + hlen, b + hlen + off, len);
		if (g.v6) {
			wr16(d + 4, (uint16_t)(g.thl + len)); /* the payload length; no checksum */
		} else {
			wr16(d + 2, (uint16_t)(hlen + len));
			wr16(d + 4, (uint16_t)(id0 + n));
			wr16(d + 10, 0);
			wr16(d + 10, cksum(d, g.ihl));
		}
		t = d + g.ihl;
		wr32(t + 4, seq0 + (uint32_t)off);
		/* CWR answers ECE once: the first segment says it. FIN and PSH belong to the
		 * end of the data, so the last. */
		if (n > 0)
			f &= (uint8_t)~TCP_CWR;
		if (!last)
			f &= (uint8_t)~(TCP_FIN | TCP_PSH);
		/* The urgent pointer is an offset from the segment's sequence number. */
		if ((f & TCP_URG) && urp > off) {
			wr16(t + 18, (uint16_t)(urp - off));
		} else if (f & TCP_URG) {
			f &= (uint8_t)~TCP_URG;
			wr16(t + 18, 0);
		}
		t[13] = f;
		wr16(t + 16, 0);
		if (flags & GSO_F_CSUM_PARTIAL) {
			/* The pseudo-header sum, folded but not complemented, as a sender with
			 * checksum offload leaves it for the device. */
			wr16(t + 16, (uint16_t)~cksum_finish(tcp_pseudo(d, g.thl + len)));
			pkb_csum_set_partial(s, t, t + 16);
		} else {
			wr16(t + 16, cksum_finish(cksum_add(tcp_pseudo(d, g.thl + len), t,
							   g.thl + len)));
		}
		s->proto = p->proto;
		s->dev = p->dev;
		s->time = p->time;
		TAILQ_INSERT_TAIL(&segs, s, link);
		n++;
		off += len;
		if (last)
			break;
	}
	TAILQ_CONCAT(out, &segs, link);
	STAT_INC(gso, supersegs);
	STAT_ADD(gso, segments_out, (uint64_t)n);
	return n;
}

int gso_set_partial(struct pkb *p)
{
	struct gso_hdrs g;
	uint8_t *t;

	if (gso_parse(p, &g) < 0)
		return -EINVAL;
	t = p->data + g.ihl;
	wr16(t + 16, (uint16_t)~cksum_finish(tcp_pseudo(p->data, g.total - g.ihl)));
	pkb_csum_set_partial(p, t, t + 16);
	STAT_INC(gso, made_partial);
	return 0;
}
