/* SPDX-License-Identifier: MIT */
/* ICMPv6 (RFC 4443): the message header with its checksum over the IPv6 pseudo-header,
 * echo replies, error generation with a rate limit, received errors handed to the
 * protocol they quote (ip6/icmp6_err.c), and the hand-off of neighbour discovery messages
 * to the handler ND registers. */
#ifndef IP6_ICMP6_H
#define IP6_ICMP6_H

#include <stddef.h>
#include <stdint.h>

#include "ip6/ip6.h"

#define ICMP6_DST_UNREACH 1
#define ICMP6_PKT_TOO_BIG 2
#define ICMP6_TIME_EXCEEDED 3
#define ICMP6_PARAM_PROB 4
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define ICMP6_ND_RS 133
#define ICMP6_ND_RA 134
#define ICMP6_ND_NS 135
#define ICMP6_ND_NA 136
#define ICMP6_ND_REDIRECT 137

/* Destination unreachable codes */
#define ICMP6_UNREACH_NOROUTE 0
#define ICMP6_UNREACH_ADDR 3
#define ICMP6_UNREACH_PORT 4
/* Parameter problem codes */
#define ICMP6_PARAMPROB_HEADER 0   /* erroneous header field */
#define ICMP6_PARAMPROB_NEXTHDR 1  /* unrecognised next header */
#define ICMP6_PARAMPROB_OPTION 2   /* unrecognised option */
#define ICMP6_PARAMPROB_HDRCHAIN 3 /* first fragment without the header chain (RFC 7112) */
/* Time exceeded codes */
#define ICMP6_TIMEX_HOPLIMIT 0
#define ICMP6_TIMEX_REASSEMBLY 1

#define ICMP6_HDR_LEN 8
/* What an error may quote: the minimum MTU less the IPv6 and ICMPv6 headers. */
#define ICMP6_ERR_QUOTE_MAX (IP6_MIN_MTU - IP6_HDR_LEN - ICMP6_HDR_LEN)

struct icmp6_hdr {
	uint8_t type;
	uint8_t code;
	uint16_t cksum;
	uint32_t data;    /* the second word: id and sequence, the pointer, the MTU */
};

enum icmp6_parse_err {
	ICMP6_PARSE_OK = 0,
	ICMP6_PARSE_SHORT = -1,  /* fewer than 4 bytes (8 for echo and errors) */
	ICMP6_PARSE_CKSUM = -2,
};
/* Checks the length and the checksum over the pseudo-header of src and dst. */
int icmp6_parse(const uint8_t *b, size_t len, const struct net_addr *src,
		const struct net_addr *dst, struct icmp6_hdr *out);
/* Writes the 8-byte header with a zero checksum; 8 or 0 if cap is too small. */
size_t icmp6_emit(const struct icmp6_hdr *h, uint8_t *b, size_t cap);
/* The checksum of the message b (its checksum field zero) from src to dst, to store in
 * host order. */
uint16_t icmp6_cksum(const struct net_addr *src, const struct net_addr *dst, const uint8_t *b,
		     size_t len);

/* in_errors_received: errors addressed to us; in_errors_delivered: those handed to the
 * transport or echo socket whose packet they quote; in_err_bad_quote: no whole IPv6
 * header quoted, or no upper header and its first 8 bytes behind it (a chain cut short or
 * too long, a later fragment); in_err_not_ours: the quoted source is none of our
 * addresses; in_err_no_handler: quoting a protocol that takes no errors (an ICMPv6 message
 * other than an echo request). A packet too big that ip6_pmtu_ptb_input refuses is counted
 * there (ip6 pmtu_ptb_*). out_err_suppressed: an error not sent because of what provoked
 * it (an ICMPv6 error, a multicast destination, an unspecified or multicast source);
 * out_rate_limited: one not sent for the rate limit. link_failures: address unreachable
 * reported to our own transports for packets neighbour discovery could not deliver. */
#define ICMP6_COUNTERS(X)                                                                  \
	X(in_msgs) X(in_short) X(in_csum_errors) X(in_echo_requests) X(in_echo_replies)    \
	X(in_errors_received) X(in_errors_delivered) X(in_err_bad_quote) X(in_err_not_ours) \
	X(in_err_no_handler) X(in_nd) X(in_unknown_type) X(in_unspec_src)                  \
	X(out_echo_replies) X(out_dst_unreach) X(out_param_prob) X(out_time_exceeded)      \
	X(out_err_suppressed) X(out_rate_limited) X(out_errors) X(link_failures)
STATS_DECLARE(icmp6, ICMP6_COUNTERS);
#define icmp6_stats STATS_REF(icmp6)

/* Registers next header 58 with IPv6. */
int icmp6_init(void);
/* ND registers the handler of types 133 to 137 and MLD's 130, 131 and 143 (ip6_proto_handler: p->data = the ICMPv6
 * header, already length- and checksum-checked). */
void icmp6_set_nd_handler(ip6_proto_handler h);
/* The echo sockets' (ip6/icmp6_sock.c) handler of echo replies: p->data = the ICMPv6
 * header (8 bytes at least, checksum checked), p stays ICMPv6's. */
typedef void (*icmp6_echo_reply_fn)(const struct pkb *p, const struct ip6_hdr *h, uint64_t now);
void icmp6_set_echo_reply_handler(icmp6_echo_reply_fn fn);
/* The echo sockets' (ip6/icmp6_sock.c) handler of errors quoting one of our echo
 * requests (to dst, with identifier id and sequence seq): p->data = the error's ICMPv6
 * header and its quote, h its IPv6 header; p stays ICMPv6's. */
typedef void (*icmp6_echo_error_fn)(const struct pkb *p, const struct ip6_hdr *h,
				    const struct net_addr *dst, uint16_t id, uint16_t seq,
				    uint64_t now);
void icmp6_set_echo_error_handler(icmp6_echo_error_fn fn);
/* A received error (types 1 to 4; p->data = its ICMPv6 header, length and checksum
 * checked, h its IPv6 header, p stays the caller's): handed to the transport's err hook
 * (net/family.h) or the echo sockets when it quotes a packet of ours with enough of it
 * to name the connection (ip6/icmp6_err.c). */
void icmp6_error_input(const struct pkb *p, const struct ip6_hdr *h, struct net_device *dev,
		       uint64_t now);
/* Neighbour discovery could not resolve the next hop of p, a packet of ours (p->data =
 * its IPv6 header; p stays the caller's): its sender here hears address unreachable
 * through icmp6_error_input, with nothing on the wire (ip6/icmp6_err.c). */
void icmp6_link_failure(const struct pkb *p, struct net_device *dev, uint64_t now);
/* An error about the packet p (p->data = its IPv6 header, as received; p stays the
 * caller's) that arrived on dev: copies what fits in the minimum MTU, unless RFC 4443
 * 2.4 (e) forbids it or the rate limit (f) holds it back. pp_multicast_ok: a parameter
 * problem code 2 about an option of action 10, which is sent even about a multicast
 * destination. */
void icmp6_send_error(uint8_t type, uint8_t code, uint32_t info, const struct pkb *p,
		      struct net_device *dev, int mcast_ok, uint64_t now);
/* Sends an ICMPv6 message (p->data = the ICMPv6 header, checksum field zero) from src to
 * dst on dev with hop limit hlim (0: the default), after filling in the checksum. Takes
 * ownership of p. */
int icmp6_output(struct pkb *p, const struct net_addr *src, const struct net_addr *dst,
		 struct net_device *dev, uint8_t hlim, uint64_t now);

#endif
