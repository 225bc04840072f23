/* SPDX-License-Identifier: MIT */
/* ICMPv6 echo datagram sockets, as Linux "ping sockets" for IPv6 (ip6/icmp6_sock.h), on
 * the echo sockets IPv4 shares (net/sock_echo.c: identifiers, queues, bind, connect, the
 * options of their own). The request goes out with its checksum over the pseudo-header
 * of the route's source; replies and errors come back through the handlers
 * icmp6_sock_init registers with ICMPv6. */
#include "net/perstack.h"
#include "ip6/icmp6_sock.h"

#include <errno.h>
#include <string.h>

#include "ip6/icmp6.h"
#include "ip6/ip6.h"
#include "net/sock_echo.h"

STATS_DEFINE(icmp6sock, ICMP6_SOCK_COUNTERS)

static void echo6_count(enum echo_event ev)
{
	switch (ev) {
	case ECHO_OUT_REQUEST: STAT_INC(icmp6sock, out_requests); break;
	case ECHO_OUT_ERROR: STAT_INC(icmp6sock, out_errors); break;
	case ECHO_OUT_BAD_REQUEST: STAT_INC(icmp6sock, out_bad_request); break;
	case ECHO_IN_REPLY: STAT_INC(icmp6sock, in_replies); break;
	case ECHO_IN_NO_SOCKET: STAT_INC(icmp6sock, in_no_socket); break;
	case ECHO_RCVBUF_ERROR: STAT_INC(icmp6sock, rcvbuf_errors); break;
	case ECHO_ALLOC_FAIL: STAT_INC(icmp6sock, alloc_fail); break;
	case ECHO_IN_ERROR: STAT_INC(icmp6sock, in_errors); break;
	case ECHO_IN_ERROR_IGNORED: STAT_INC(icmp6sock, in_errors_ignored); break;
	}
}

/* From the socket's address, or the route's source; the socket's IP_TTL and IP_TOS
 * (IPV6_UNICAST_HOPS, IPV6_TCLASS) and device. */
static int echo6_output(struct sock *sk, const struct net_addr *dst, uint16_t id,
			uint8_t *msg, size_t len, uint64_t now)
{
	const struct net_family_ops *f = &ip6_family_ops;
	struct net_out_opts opts = { .ttl = (uint8_t)sk->ip_ttl, .tos = (uint8_t)sk->ip_tos,
				     .ifindex = sk->bound_ifindex };
	struct net_addr src;
	uint16_t sum;
	struct pkb *p;

	(void)id; /* in msg already */
	if (!net_addr_is_any(&sk->local.addr))
		src = sk->local.addr;
	else if (f->source(dst, opts.ifindex, &src) < 0)
		return -ENETUNREACH;
	msg[2] = msg[3] = 0;
	sum = icmp6_cksum(&src, dst, msg, len);
	msg[2] = (uint8_t)(sum >> 8);
	msg[3] = (uint8_t)sum;
	p = pkb_alloc(len);
	if (!p) {
		STAT_INC(icmp6sock, alloc_fail);
		return -ENOBUFS;
	}
	memcpy(pkb_put(p, len), msg, len);
	return f->output(IP6_NH_ICMPV6, p, &src, dst, &opts, NULL, now); /* owns p */
}

/* IP_TTL and IP_TOS are the socket's hop limit and traffic class (the socket layer maps
 * IPV6_UNICAST_HOPS and IPV6_TCLASS onto them), kept in struct sock as IPv4's are. */
static int echo6_getsockopt(struct sock *sk, int name, void *val, socklen_t *len)
{
	int v;

	if (name == IP_TTL)
		v = sk->ip_ttl ? sk->ip_ttl : ip6_config.default_hlim;
	else if (name == IP_TOS)
		v = sk->ip_tos;
	else
		return -ENOPROTOOPT;
	if (!val || !len || *len < sizeof(int))
		return -EINVAL;
	memcpy(val, &v, sizeof(int));
	*len = sizeof(int);
	return 0;
}

static int echo6_setsockopt(struct sock *sk, int name, const void *val, socklen_t len)
{
	int v;

	if (name != IP_TTL && name != IP_TOS)
		return -ENOPROTOOPT;
	if (!val || len < sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	if (name == IP_TOS) {
		sk->ip_tos = v & 0xff;
		return 0;
	}
	if (v == -1)
		v = 0; /* back to the default */
	else if (v < 1 || v > 255)
		return -EINVAL;
	sk->ip_ttl = v;
	return 0;
}

static const struct echo_family echo6 = {
	.net = &ip6_family_ops,
	.request_type = ICMP6_ECHO_REQUEST,
	.max_msg = 65535, /* the largest payload (no jumbograms) */
	.count = echo6_count,
	.output = echo6_output,
	.getsockopt = echo6_getsockopt,
	.setsockopt = echo6_setsockopt,
};

static void echo6_table_init(void);
PERSTACK_STATIC_FN(struct echo_table, echo6_table, echo6_table_init)
#define echo6_table PERSTACK_REF(struct echo_table, echo6_table)

static void echo6_table_init(void)
{
	echo_table_init(&echo6_table, &echo6);
}

/* ICMPv6's echo reply handler (the lock held): p is ICMPv6's, copied for the queue. */
static void icmp6_sock_echo_reply(const struct pkb *p, const struct ip6_hdr *h, uint64_t now)
{
	uint16_t id = (uint16_t)(p->data[4] << 8 | p->data[5]);
	uint16_t seq = (uint16_t)(p->data[6] << 8 | p->data[7]);
	struct echo_pcb *pcb;
	struct pkb *q;

	(void)now;
	q = echo_sock_rx_begin(&echo6_table, id, seq, 0, &h->src, p->len, &pcb);
	if (!q)
		return;
	memcpy(q->data, p->data, p->len);
	echo_sock_rx_end(pcb, q, &h->src, h->hlim, 0);
}

/* ICMPv6's handler of errors about our echo requests (the lock held): the error, its
 * ICMPv6 header and quote, is queued whole (p is ICMPv6's) for a socket that asked for
 * errors and sent the request to dst (a connected socket, to its peer). */
static void icmp6_sock_echo_error(const struct pkb *p, const struct ip6_hdr *h,
				  const struct net_addr *dst, uint16_t id, uint16_t seq,
				  uint64_t now)
{
	struct echo_pcb *pcb;
	struct pkb *q;

	(void)now;
	q = echo_sock_rx_begin(&echo6_table, id, seq, 1, dst, p->len, &pcb);
	if (!q)
		return;
	memcpy(q->data, p->data, p->len);
	echo_sock_rx_end(pcb, q, &h->src, 0, 1);
}

static int icmp6_sock_create(struct sock *sk)
{
	return echo_sock_create(&echo6_table, sk);
}

const struct sock_ops icmp6_sock_ops = ECHO_SOCK_OPS(icmp6_sock_create);

int icmp6_sock_init(void)
{
	icmp6_set_echo_reply_handler(icmp6_sock_echo_reply);
	icmp6_set_echo_error_handler(icmp6_sock_echo_error);
	return sock_proto_register(SOCK_DGRAM, IPPROTO_ICMPV6, &icmp6_sock_ops);
}
