/* SPDX-License-Identifier: MIT */
/* UDP (RFC 768, RFC 1122 4.1): header parse/emit with the pseudo-header checksum, the
 * datagram socket (through net/socket.h's sock_ops), port unreachable for datagrams that
 * find no socket, and ICMP errors reported to connected sockets. */
#ifndef UDP_UDP_H
#define UDP_UDP_H

#include "net/perstack.h"
#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"
#include "net/pkb.h"
#include "net/socket.h"
#include "net/stats.h"

#define UDP_HDR_LEN 8
/* The largest payload of one datagram: 65535 - 20 (IP header) - 8 (UDP header). */
#define UDP_MAX_PAYLOAD 65507

/* A parsed header, every field in host order. */
struct udp_hdr {
	uint16_t src_port;
	uint16_t dst_port;
	uint16_t len;    /* header + payload, from the length field */
	uint16_t cksum;  /* as on the wire; 0 means the sender sent none */
};

/* Parse errors, each counted separately by udp_input. */
enum udp_parse_err {
	UDP_PARSE_OK = 0,
	UDP_PARSE_SHORT = -1,  /* fewer than 8 bytes */
	UDP_PARSE_LEN = -2,    /* length field < 8 or > the bytes received */
	UDP_PARSE_CKSUM = -3,
};

/* Reads the header of the datagram in b (len bytes, from the UDP header to the end of the IP
 * payload) and checks the length field and, unless it is zero, the checksum over the
 * pseudo-header (src, dst: either family) and the `hdr.len` bytes. Bytes after the UDP
 * length are ignored (RFC 768: the length field is authoritative). */
int udp_parse(const uint8_t *b, size_t len, const struct net_addr *src,
	      const struct net_addr *dst, struct udp_hdr *out);
/* The same with the checksum check optional: verify = 0 for a datagram whose device
 * vouched for it (a partial or validated checksum from the local kernel, net/pkb.h). */
int udp_parse_csum(const uint8_t *b, size_t len, const struct net_addr *src,
		   const struct net_addr *dst, int verify,
		   struct udp_hdr *out);
/* Writes the header into b with the length 8 + payload_len (h->len is ignored) and the
 * checksum over the pseudo-header, the header and the payload_len bytes that follow it in
 * b. A computed checksum of 0 is sent as 0xffff (RFC 768). Returns 8, or 0 if cap is less
 * than 8 + payload_len or the datagram would be longer than 65535 bytes. */
size_t udp_emit(const struct udp_hdr *h, uint8_t *b, size_t cap, size_t payload_len,
		const struct net_addr *src, const struct net_addr *dst);

struct udp_config_s {
	uint16_t ephemeral_lo;  /* first port picked for an implicit bind (49152, RFC 6335) */
	uint16_t ephemeral_hi;  /* last one (65535) */
};
PERSTACK_EXTERN(struct udp_config_s, udp_config);
#define udp_config PERSTACK_REF(struct udp_config_s, udp_config)

#define UDP_COUNTERS(X)                                                                    \
	X(in_datagrams) X(in_short) X(in_bad_len) X(in_bad_cksum) X(in_no_cksum)           \
	X(in_zero_cksum)                                                                    \
	X(no_port) X(no_port_bcast) X(rcvbuf_errors) X(in_icmp_errors) X(in_icmp_ignored)  \
	X(out_datagrams) X(out_errors) X(out_no_route) X(out_alloc_fail) X(ephemeral_exhausted)
STATS_DECLARE(udp, UDP_COUNTERS);
#define udp_stats STATS_REF(udp)

extern const struct sock_ops udp_sock_ops;

/* Registers IP protocol 17 and the SOCK_DGRAM socket ops (also as SOCK_DGRAM's default).
 * Returns 0 or -errno. */
int udp_init(void);
/* Calls fn for every bound socket (`ustack ctl ss -u`): its local and remote endpoints
 * (remote port 0 when not connected), the bytes its receive queue holds, and whether it
 * takes both families (an AF_INET6 socket on :: without IPV6_V6ONLY). */
void udp_pcb_foreach(void (*fn)(const struct net_endpoint *local,
				const struct net_endpoint *remote, size_t rxq_bytes, int dual,
				void *arg),
		     void *arg);

#endif
