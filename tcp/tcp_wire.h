/* SPDX-License-Identifier: MIT */
/* TCP header parse and emit (RFC 9293 3.1, options from RFC 9293 3.2, RFC 7323, RFC 2018).
 * Pure functions over byte buffers: no state, no clock. Sequence-number comparisons are
 * modulo 2^32 and go through the SEQ_* macros only. */
#ifndef TCP_TCP_WIRE_H
#define TCP_TCP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"

#define TCP_HDR_MIN 20
#define TCP_HDR_MAX 60
#define TCP_OPT_SPACE 40

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

#define TCP_OPT_EOL 0
#define TCP_OPT_NOP 1
#define TCP_OPT_MSS 2
#define TCP_OPT_WSCALE 3
#define TCP_OPT_SACK_PERM 4
#define TCP_OPT_SACK 5
#define TCP_OPT_TS 8

#define TCP_SACK_MAX 4 /* at most 4 blocks fit in 40 bytes of options */

/* Modulo-2^32 comparisons (RFC 9293 3.4). */
#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)
#define SEQ_MAX(a, b) (SEQ_GT(a, b) ? (a) : (b))
#define SEQ_MIN(a, b) (SEQ_LT(a, b) ? (a) : (b))

struct tcp_sack_block {
	uint32_t left, right;
};

/* Options found in (or to be written to) a header. A has_ flag says the option is there. */
struct tcp_opts {
	uint8_t has_mss, has_wscale, sack_permitted, has_ts;
	uint16_t mss;
	uint8_t wscale;     /* as received; the caller clamps to 14 (RFC 7323 2.3) */
	uint32_t tsval, tsecr;
	uint8_t nsack;
	struct tcp_sack_block sack[TCP_SACK_MAX];
};

/* A parsed header; all fields in host order. */
struct tcp_hdr {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t hlen;      /* header length in bytes (data offset * 4); set by parse, computed by emit */
	uint8_t flags;
	uint16_t wnd;      /* as on the wire (unscaled) */
	uint16_t cksum;
	uint16_t urp;
	struct tcp_opts opt;
};

enum tcp_parse_err {
	TCP_PARSE_OK = 0,
	TCP_PARSE_SHORT = -1, /* fewer than 20 bytes */
	TCP_PARSE_DOFF = -2,  /* data offset < 5 or beyond the segment */
	TCP_PARSE_CKSUM = -3, /* pseudo-header checksum mismatch */
	TCP_PARSE_OPT = -4,   /* malformed option (bad length, runs past the header) */
};

/* Parses the segment b[0..len) (header and payload) from src to dst (either family):
 * checks length, data offset and checksum, and decodes options. Unknown options are
 * skipped by their length. Returns 0 or a tcp_parse_err. The payload is b + out->hlen. */
int tcp_parse(const uint8_t *b, size_t len, const struct net_addr *src,
	      const struct net_addr *dst, struct tcp_hdr *out);
/* The same with the checksum check optional: verify = 0 for a segment whose device vouched
 * for it (a partial or validated checksum from the local kernel, net/pkb.h). */
int tcp_parse_csum(const uint8_t *b, size_t len, const struct net_addr *src,
		   const struct net_addr *dst, int verify,
		   struct tcp_hdr *out);

/* Bytes of header (20 + options, padded to 4) that tcp_emit will write for h. */
size_t tcp_hdr_len(const struct tcp_hdr *h);

/* Writes the header with its options at b and the checksum over it and the payload_len
 * bytes that already follow it in b (at b + tcp_hdr_len(h)). Options are laid out as Linux
 * does, so a parsed Linux segment re-emits byte for byte. Returns the header length, or 0
 * if cap is smaller than header plus payload. */
size_t tcp_emit(const struct tcp_hdr *h, uint8_t *b, size_t cap, size_t payload_len,
		const struct net_addr *src, const struct net_addr *dst);

/* The same, with partial = 1 leaving the checksum to an offloading device: the field gets
 * only the pseudo-header sum (folded, not complemented), and the payload is not read. */
size_t tcp_emit_csum(const struct tcp_hdr *h, uint8_t *b, size_t cap, size_t payload_len,
		     const struct net_addr *src, const struct net_addr *dst, int partial);

/* "SA." style flag string for logs; buf needs 9 bytes. */
const char *tcp_flags_str(uint8_t flags, char *buf);

#endif
