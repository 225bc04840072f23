/* SPDX-License-Identifier: MIT */
/* TCP header parse and emit. Fields are read and written byte by byte in network order;
 * received bytes are never cast to a struct. */
#include "tcp/tcp_wire.h"

#include <string.h>

#include "net/byteorder.h"
#include "net/cksum.h"

#define IPPROTO_TCP_NUM 6

/* Options (RFC 9293 3.2): a known option with the wrong length, a length below 2 or one
 * running past the header is malformed; an unknown kind is skipped by its length. */
static int tcp_parse_opts(const uint8_t *o, size_t n, struct tcp_opts *opt)
{
	size_t i = 0;

	while (i < n) {
		uint8_t kind = o[i], len;

		if (kind == TCP_OPT_EOL)
			break;
		if (kind == TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= n)
			return TCP_PARSE_OPT;
		len = o[i + 1];
		if (len < 2 || i + len > n)
			return TCP_PARSE_OPT;
		switch (kind) {
		case TCP_OPT_MSS:
			if (len != 4)
				return TCP_PARSE_OPT;
			opt->has_mss = 1;
			opt->mss = rd16(o + i + 2);
			break;
		case TCP_OPT_WSCALE:
			if (len != 3)
				return TCP_PARSE_OPT;
			opt->has_wscale = 1;
			opt->wscale = o[i + 2];
			break;
		case TCP_OPT_SACK_PERM:
			if (len != 2)
				return TCP_PARSE_OPT;
			opt->sack_permitted = 1;
			break;
		case TCP_OPT_TS:
			if (len != 10)
				return TCP_PARSE_OPT;
			opt->has_ts = 1;
			opt->tsval = rd32(o + i + 2);
			opt->tsecr = rd32(o + i + 6);
			break;
		case TCP_OPT_SACK:
			if (len < 10 || (len - 2) % 8 != 0)
				return TCP_PARSE_OPT;
			opt->nsack = (uint8_t)((len - 2) / 8);
			for (int k = 0; k < opt->nsack; k++) {
				opt->sack[k].left = rd32(o + i + 2 + 8 * k);
				opt->sack[k].right = rd32(o + i + 6 + 8 * k);
			}
			break;
		default:
			break;
		}
		i += len;
	}
	return TCP_PARSE_OK;
}

int tcp_parse(const uint8_t *b, size_t len, const struct net_addr *src,
	      const struct net_addr *dst, struct tcp_hdr *out)
{
	return tcp_parse_csum(b, len, src, dst, 1, out);
}

int tcp_parse_csum(const uint8_t *b, size_t len, const struct net_addr *src,
		   const struct net_addr *dst, int verify,
		   struct tcp_hdr *out)
{
	size_t hlen;

	memset(out, 0, sizeof(*out));
	if (len < TCP_HDR_MIN)
		return TCP_PARSE_SHORT;
	hlen = (size_t)(b[12] >> 4) * 4;
	if (hlen < TCP_HDR_MIN || hlen > len)
		return TCP_PARSE_DOFF;
	if (len > 0xffff)
		return TCP_PARSE_CKSUM;
	if (verify &&
	    cksum_finish(cksum_add(cksum_pseudo_addr(src, dst, IPPROTO_TCP_NUM, (uint32_t)len), b,
				   len)) != 0)
		return TCP_PARSE_CKSUM;
	out->sport = rd16(b);
	out->dport = rd16(b + 2);
	out->seq = rd32(b + 4);
	out->ack = rd32(b + 8);
	out->hlen = (uint8_t)hlen;
	out->flags = b[13];
	out->wnd = rd16(b + 14);
	out->cksum = rd16(b + 16);
	out->urp = rd16(b + 18);
	return tcp_parse_opts(b + TCP_HDR_MIN, hlen - TCP_HDR_MIN, &out->opt);
}

static size_t tcp_opts_len(const struct tcp_opts *o)
{
	size_t n = 0;

	if (o->has_mss)
		n += 4;
	if (o->has_ts)
		n += 12; /* SACK-permitted rides in the TS option's two padding bytes */
	else if (o->sack_permitted)
		n += 4;
	if (o->has_wscale)
		n += 4;
	if (o->nsack)
		n += 4 + 8u * o->nsack;
	return n;
}

size_t tcp_hdr_len(const struct tcp_hdr *h)
{
	size_t n = TCP_HDR_MIN + tcp_opts_len(&h->opt);

	return n > TCP_HDR_MAX ? 0 : n;
}

size_t tcp_emit_csum(const struct tcp_hdr *h, uint8_t *b, size_t cap, size_t payload_len,
		     const struct net_addr *src, const struct net_addr *dst, int partial)
{
	size_t hlen = tcp_hdr_len(h), i = TCP_HDR_MIN;
	const struct tcp_opts *o = &h->opt;
	uint32_t sum;

	if (hlen == 0 || cap < hlen + payload_len || hlen + payload_len > 0xffff)
		return 0;
	wr16(b, h->sport);
	wr16(b + 2, h->dport);
	wr32(b + 4, h->seq);
	wr32(b + 8, h->ack);
	b[12] = (uint8_t)((hlen / 4) << 4);
	b[13] = h->flags;
	wr16(b + 14, h->wnd);
	wr16(b + 16, 0);
	wr16(b + 18, h->urp);
	if (o->has_mss) {
		b[i] = TCP_OPT_MSS; b[i + 1] = 4; wr16(b + i + 2, o->mss);
		i += 4;
	}
	if (o->has_ts) {
		if (o->sack_permitted) {
			b[i] = TCP_OPT_SACK_PERM; b[i + 1] = 2;
		} else {
			b[i] = TCP_OPT_NOP; b[i + 1] = TCP_OPT_NOP;
		}
		b[i + 2] = TCP_OPT_TS; b[i + 3] = 10;
		wr32(b + i + 4, o->tsval);
		wr32(b + i + 8, o->tsecr);
		i += 12;
	} else if (o->sack_permitted) {
		b[i] = TCP_OPT_NOP; b[i + 1] = TCP_OPT_NOP; b[i + 2] = TCP_OPT_SACK_PERM; b[i + 3] = 2;
		i += 4;
	}
	if (o->has_wscale) {
		b[i] = TCP_OPT_NOP; b[i + 1] = TCP_OPT_WSCALE; b[i + 2] = 3; b[i + 3] = o->wscale;
		i += 4;
	}
	if (o->nsack) {
		b[i] = TCP_OPT_NOP; b[i + 1] = TCP_OPT_NOP;
		b[i + 2] = TCP_OPT_SACK; b[i + 3] = (uint8_t)(2 + 8 * o->nsack);
		for (int k = 0; k < o->nsack; k++) {
			wr32(b + i + 4 + 8 * k, o->sack[k].left);
			wr32(b + i + 8 + 8 * k, o->sack[k].right);
		}
		i += 4 + 8u * o->nsack;
	}
	if (partial) {
		/* The pseudo-header sum, folded and not complemented: what an offloading device
		 * (or the kernel's GSO) adds the rest to. */
		sum = cksum_pseudo_addr(src, dst, IPPROTO_TCP_NUM, (uint16_t)(hlen + payload_len));
		wr16(b + 16, (uint16_t)~cksum_finish(sum));
		return hlen;
	}
	sum = cksum_add(cksum_pseudo_addr(src, dst, IPPROTO_TCP_NUM, (uint16_t)(hlen + payload_len)),
			b, hlen + payload_len);
	wr16(b + 16, cksum_finish(sum));
	return hlen;
}

size_t tcp_emit(const struct tcp_hdr *h, uint8_t *b, size_t cap, size_t payload_len,
		const struct net_addr *src, const struct net_addr *dst)
{
	return tcp_emit_csum(h, b, cap, payload_len, src, dst, 0);
}

const char *tcp_flags_str(uint8_t flags, char *buf)
{
	static const char names[] = "FSRPAUEC";
	int n = 0;

	for (int i = 0; i < 8; i++)
		if (flags & (1u << i))
			buf[n++] = names[i];
	if (n == 0)
		buf[n++] = '.';
	buf[n] = '\0';
	return buf;
}
