/* SPDX-License-Identifier: MIT */
/* ICMP echo datagram sockets (see icmp_sock.h) on the echo sockets IPv6 shares
 * (net/sock_echo.c: identifiers, queues, bind, connect, the options of their own).
 * Requests go out through icmp_echo_output; replies and errors come back through the
 * handlers icmp_sock_init registers with ICMP. */
#include "net/perstack.h"
#include "ip/icmp_sock.h"

#include <string.h>

#include "ip/icmp.h"
#include "ip/ip.h"
#include "net/sock_echo.h"

STATS_DEFINE(icmpsock, ICMP_SOCK_COUNTERS)

static void echo4_count(enum echo_event ev)
{
	switch (ev) {
	case ECHO_OUT_REQUEST: STAT_INC(icmpsock, out_requests); break;
	case ECHO_OUT_ERROR: STAT_INC(icmpsock, out_errors); break;
	case ECHO_OUT_BAD_REQUEST: STAT_INC(icmpsock, out_bad_request); break;
	case ECHO_IN_REPLY: STAT_INC(icmpsock, in_replies); break;
	case ECHO_IN_NO_SOCKET: STAT_INC(icmpsock, in_no_socket); break;
	case ECHO_RCVBUF_ERROR: STAT_INC(icmpsock, rcvbuf_errors); break;
	case ECHO_ALLOC_FAIL: STAT_INC(icmpsock, alloc_fail); break;
	case ECHO_IN_ERROR: STAT_INC(icmpsock, in_errors); break;
	case ECHO_IN_ERROR_IGNORED: STAT_INC(icmpsock, in_errors_ignored); break;
	}
}

/* ICMP builds the header (and its checksum) from the identifier and sequence. */
static int echo4_output(struct sock *sk, const struct net_addr *dst, uint16_t id,
			uint8_t *msg, size_t len, uint64_t now)
{
	struct net_out_opts opts;

	ip_out_opts_from_sock(sk, &opts);
	return icmp_echo_output(dst->v4, id, (uint16_t)(msg[6] << 8 | msg[7]), msg + ICMP_HDR_LEN,
				len - ICMP_HDR_LEN, &opts, now);
}

static const struct echo_family echo4 = {
	.net = &ip_family_ops,
	.request_type = ICMP_ECHO,
	.max_msg = IP_MAX_LEN - IP_HDR_MIN, /* an IP datagram of 65535 bytes */
	.count = echo4_count,
	.output = echo4_output,
	.getsockopt = ip_sock_getsockopt,
	.setsockopt = ip_sock_setsockopt,
};

static void echo4_table_init(void);
PERSTACK_STATIC_FN(struct echo_table, echo4_table, echo4_table_init)
#define echo4_table PERSTACK_REF(struct echo_table, echo4_table)

static void echo4_table_init(void)
{
	echo_table_init(&echo4_table, &echo4);
}

/* The reply handler: runs in the loop with the lock held. ICMP parsed the reply, so its
 * header is built again (with its checksum) in front of the data for the socket's queue. */
static void icmp_sock_echo_reply(uint32_t src, uint16_t id, uint16_t seq, const uint8_t *data,
				 size_t len, uint8_t ttl, uint64_t now)
{
	struct icmp_hdr h = { .type = ICMP_ECHO_REPLY, .code = 0, .rest = (uint32_t)id << 16 | seq };
	struct net_addr from = net_addr_v4(src);
	struct echo_pcb *pcb;
	struct pkb *p;

	(void)now;
	p = echo_sock_rx_begin(&echo4_table, id, seq, 0, &from, ICMP_HDR_LEN + len, &pcb);
	if (!p)
		return;
	if (len)
		memcpy(p->data + ICMP_HDR_LEN, data, len);
	icmp_emit(&h, p->data, p->len, len);
	echo_sock_rx_end(pcb, p, &from, ttl, 0);
}

/* The error handler: an error about request (id, seq) from `from`, queued whole for a
 * socket that asked for errors (ICMP_SOCK_RECV_ERRORS). */
static void icmp_sock_echo_error(uint32_t from, const uint8_t *msg, size_t len, uint16_t id,
				 uint16_t seq, uint64_t now)
{
	struct net_addr src = net_addr_v4(from);
	struct echo_pcb *pcb;
	struct pkb *p;

	(void)now;
	p = echo_sock_rx_begin(&echo4_table, id, seq, 1, NULL, len, &pcb);
	if (!p)
		return;
	memcpy(p->data, msg, len);
	echo_sock_rx_end(pcb, p, &src, 0, 1);
}

static int icmp_sock_create(struct sock *sk)
{
	return echo_sock_create(&echo4_table, sk);
}

const struct sock_ops icmp_sock_ops = ECHO_SOCK_OPS(icmp_sock_create);

int icmp_sock_init(void)
{
	icmp_set_echo_reply_handler(icmp_sock_echo_reply);
	icmp_set_echo_error_handler(icmp_sock_echo_error);
	return sock_proto_register(SOCK_DGRAM, IPPROTO_ICMP, &icmp_sock_ops);
}
