/* SPDX-License-Identifier: MIT */
/* ICMP (RFC 792, RFC 1122 3.2.2): echo, errors (destination unreachable, time exceeded)
 * with a rate limit, and received errors handed to the protocol they quote. */
#ifndef IP_ICMP_H
#define IP_ICMP_H

#include "net/perstack.h"
#include <stddef.h>
#include <stdint.h>

#include "ip/ip.h"

#define ICMP_ECHO_REPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_ECHO 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAM_PROBLEM 12

#define ICMP_NET_UNREACH 0
#define ICMP_HOST_UNREACH 1
#define ICMP_PROTO_UNREACH 2
#define ICMP_PORT_UNREACH 3
#define ICMP_FRAG_NEEDED 4

#define ICMP_HDR_LEN 8

struct icmp_hdr {
	uint8_t type;
	uint8_t code;
	uint16_t cksum;
	uint32_t rest;  /* id/seq for echo, next-hop MTU for frag-needed, host order */
};

/* Checks the length (>= 8) and checksum over all len bytes. 0, -EINVAL or -EBADMSG. */
int icmp_parse(const uint8_t *b, size_t len, struct icmp_hdr *out);
/* Writes the header and computes the checksum over it and the payload_len bytes that
 * follow it in b. Returns 8, or 0 if cap < 8 + payload_len. */
size_t icmp_emit(const struct icmp_hdr *h, uint8_t *b, size_t cap, size_t payload_len);

/* Rate limits on the errors we send, Linux's defaults and its two levels (net/ipv4/icmp.c):
 * all errors together (icmp_msgs_per_sec, icmp_msgs_burst), and per destination
 * (icmp_ratelimit: one per interval, with a burst of XRLIM_BURST_FACTOR). Fragmentation
 * needed is never limited (path MTU discovery depends on it), nor an error to ourselves.
 * 0 turns a level off. */
struct icmp_config_s {
	unsigned error_rate_per_s; /* all errors, per second, token bucket (1000) */
	unsigned error_burst;      /* its bucket (50) */
	unsigned dest_interval_ms; /* one error per this long to one destination (1000) */
	unsigned dest_burst;       /* errors one destination may get at once (6) */
};
PERSTACK_EXTERN(struct icmp_config_s, icmp_config);
#define icmp_config PERSTACK_REF(struct icmp_config_s, icmp_config)

#define ICMP_COUNTERS(X)                                                                   \
	X(in_msgs) X(in_short) X(in_cksum) X(in_echo) X(in_echo_reply) X(in_dest_unreach)  \
	X(in_time_exceeded) X(in_errors_delivered) X(in_bad_quote) X(in_other)             \
	X(out_echo_reply) X(out_echo) X(out_dest_unreach) X(out_time_exceeded)             \
	X(out_rate_limited) X(out_rate_limited_dest) X(out_suppressed)
STATS_DECLARE(icmp, ICMP_COUNTERS);
#define icmp_stats STATS_REF(icmp)

int icmp_init(void);
/* Sends an error about `orig` (data = its IP header, len = what we have of it). The rules
 * of RFC 1122 3.2.2 apply: never about an ICMP error, a broadcast, a non-first fragment.
 * Does not take ownership of orig. */
void icmp_send_error(uint8_t type, uint8_t code, uint32_t info, const struct pkb *orig,
		     uint64_t now);

/* Echo for `ustack ping` (through the socket layer's ICMP datagram socket). */
typedef void (*icmp_echo_reply_fn)(uint32_t src, uint16_t id, uint16_t seq,
				   const uint8_t *data, size_t len, uint8_t ttl, uint64_t now);
void icmp_set_echo_reply_handler(icmp_echo_reply_fn fn);
/* An error (destination unreachable, time exceeded) about one of our echo requests:
 * `from` sent it, msg is the ICMP error message (header, then the quoted IP header and at
 * least the 8 bytes of the echo header, checked). */
typedef void (*icmp_echo_error_fn)(uint32_t from, const uint8_t *msg, size_t len,
				   uint16_t id, uint16_t seq, uint64_t now);
void icmp_set_echo_error_handler(icmp_echo_error_fn fn);
/* opts: the sending socket's IP options (NULL: defaults). Returns ip_output's answer. */
int icmp_echo_output(uint32_t dst, uint16_t id, uint16_t seq, const uint8_t *data, size_t len,
		     const struct net_out_opts *opts, uint64_t now);

#endif
