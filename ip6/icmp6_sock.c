/* SPDX-License-Identifier: MIT */
/* ICMPv6 echo datagram sockets, as Linux "ping sockets" for IPv6 (ip6/icmp6_sock.h). The
 * request goes out with our identifier and its checksum over the pseudo-header of the
 * route's source; replies come back through the handler icmp6_sock_init registers with
 * ICMPv6 and are matched to a socket by identifier. Few sockets (one per running ping):
 * one list. */
#include "net/perstack.h"
#include "ip6/icmp6_sock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "ip6/icmp6.h"
#include "ip6/ip6.h"
#include "net/log.h"
#include "net/loop.h"
#include "net/pkb.h"
#include "net/sock_dgram.h"

STATS_DEFINE(icmp6sock, ICMP6_SOCK_COUNTERS)

/* The largest request: a payload of 65535 bytes (no jumbograms). */
#define ICMP6_SOCK_MAX_MSG 65535u

struct icmp6_sock_pcb {
	struct sock *sk;
	uint16_t id;            /* 0 = not bound yet */
	int last_hlim;          /* hop limit of the last reply handed to recvfrom */
	int recv_errors;        /* ICMP6_SOCK_RECV_ERRORS: errors queued with the replies */
	struct sock_dgram_queue rxq; /* replies, data = ICMPv6 header + data, cb = reply6_cb */
	TAILQ_ENTRY(icmp6_sock_pcb) link;
};

TAILQ_HEAD(icmp6_sock_list, icmp6_sock_pcb);
static void icmp6_socks_init(void);
PERSTACK_STATIC_FN(struct icmp6_sock_list, icmp6_socks, icmp6_socks_init)
#define icmp6_socks PERSTACK_REF(struct icmp6_sock_list, icmp6_socks)

static void icmp6_socks_init(void)
{
	TAILQ_INIT(&icmp6_socks);
}
PERSTACK_STATIC_INIT(uint16_t, next_id6, 1)
#define next_id6 PERSTACK_REF(uint16_t, next_id6)

struct reply6_cb {
	struct net_addr src;
	uint8_t hlim;
};

static struct icmp6_sock_pcb *find_id(uint16_t id)
{
	struct icmp6_sock_pcb *pcb;

	TAILQ_FOREACH(pcb, &icmp6_socks, link)
		if (pcb->id == id)
			return pcb;
	return NULL;
}

static void set_id(struct icmp6_sock_pcb *pcb, uint16_t id)
{
	pcb->id = id;
	pcb->sk->local.port = id;
}

/* The next free identifier after the last one handed out (a late reply to one ping does
 * not reach the next). */
static int autobind(struct icmp6_sock_pcb *pcb)
{
	if (pcb->id)
		return 0;
	for (uint32_t i = 0; i < 65535; i++) {
		uint16_t id = next_id6++;

		if (next_id6 == 0)
			next_id6 = 1;
		if (id != 0 && !find_id(id)) {
			set_id(pcb, id);
			return 0;
		}
	}
	return -EAGAIN;
}

/* A copy of p (ICMPv6's) with cb for pcb's queue, within its receive buffer, the socket
 * woken. 0, or -1 (counted) when there is no room or memory. */
static int queue_copy(struct icmp6_sock_pcb *pcb, const struct pkb *p, const struct reply6_cb *cb)
{
	struct pkb *q = pkb_alloc(p->len);

	if (!q) {
		STAT_INC(icmp6sock, alloc_fail);
		return -1;
	}
	if (!sock_dgram_room(&pcb->rxq, pcb->sk->rcvbuf, q)) {
		STAT_INC(icmp6sock, rcvbuf_errors);
		pkb_free(q);
		return -1;
	}
	pkb_put(q, p->len);
	memcpy(q->data, p->data, p->len);
	memcpy(q->cb, cb, sizeof(*cb));
	sock_dgram_enqueue(&pcb->rxq, q); /* the socket's queue owns q */
	sock_wakeup(pcb->sk);
	return 0;
}

/* ICMPv6's echo reply handler (the lock held): p is ICMPv6's, copied for the queue. */
static void icmp6_sock_echo_reply(const struct pkb *p, const struct ip6_hdr *h, uint64_t now)
{
	NET_ASSERT_LOCKED();
	uint16_t id = (uint16_t)(p->data[4] << 8 | p->data[5]);
	struct icmp6_sock_pcb *pcb = find_id(id);
	struct reply6_cb cb = { .src = h->src, .hlim = h->hlim };

	(void)now;
	if (!pcb || (pcb->sk->peer.addr.family == AF_INET6 &&
		     !net_addr_is_any(&pcb->sk->peer.addr) &&
		     !net_addr_eq(&pcb->sk->peer.addr, &h->src))) {
		STAT_INC(icmp6sock, in_no_socket);
		return;
	}
	if (queue_copy(pcb, p, &cb) == 0)
		STAT_INC(icmp6sock, in_replies);
}

/* ICMPv6's handler of errors about our echo requests (the lock held): the error, its
 * ICMPv6 header and quote, is queued whole (p is ICMPv6's) for a socket that asked for
 * errors and sent the request to dst (a connected socket, to its peer). */
static void icmp6_sock_echo_error(const struct pkb *p, const struct ip6_hdr *h,
				  const struct net_addr *dst, uint16_t id, uint16_t seq,
				  uint64_t now)
{
	NET_ASSERT_LOCKED();
	struct icmp6_sock_pcb *pcb = find_id(id);
	struct reply6_cb cb = { .src = h->src, .hlim = 0 };

	(void)now;
	if (!pcb || !pcb->recv_errors ||
	    (pcb->sk->peer.addr.family == AF_INET6 && !net_addr_is_any(&pcb->sk->peer.addr) &&
	     !net_addr_eq(&pcb->sk->peer.addr, dst))) {
		STAT_INC(icmp6sock, in_errors_ignored);
		debugf("id=%u seq=%u error type=%u ignored: no socket asked for it", id, seq,
		       p->data[0]);
		return;
	}
	if (queue_copy(pcb, p, &cb) == 0)
		STAT_INC(icmp6sock, in_errors);
}

static int icmp6_sock_create(struct sock *sk)
{
	struct icmp6_sock_pcb *pcb = calloc(1, sizeof(*pcb));

	NET_ASSERT_LOCKED();
	if (!pcb)
		return -ENOMEM;
	pcb->sk = sk;
	sock_dgram_init(&pcb->rxq);
	sk->pcb = pcb;
	sk->rcvbuf = socket_config.udp_rcvbuf;
	TAILQ_INSERT_TAIL(&icmp6_socks, pcb, link);
	return 0;
}

static int icmp6_sock_bind(struct sock *sk, const struct net_endpoint *addr)
{
	struct icmp6_sock_pcb *pcb = sk->pcb;

	NET_ASSERT_LOCKED();
	if (pcb->id)
		return -EINVAL;
	if (addr->addr.family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!net_addr_is_any(&addr->addr) && !ip6_addr_lookup(&addr->addr))
		return -EADDRNOTAVAIL;
	if (addr->port && find_id(addr->port))
		return -EADDRINUSE;
	sk->local.addr = addr->addr;
	if (!addr->port)
		return autobind(pcb);
	set_id(pcb, addr->port);
	return 0;
}

PERSTACK_STATIC(uint8_t[ICMP6_SOCK_MAX_MSG], icmp6_sock_buf)
#define icmp6_sock_buf PERSTACK_REF(uint8_t[ICMP6_SOCK_MAX_MSG], icmp6_sock_buf)

static ssize_t icmp6_sock_sendmsg(struct sock *sk, struct sock_iter *it, int flags,
				  const struct net_endpoint *dst, uint64_t now)
{
	const struct net_family_ops *f = &ip6_family_ops;
	struct icmp6_sock_pcb *pcb = sk->pcb;
	uint8_t *b = icmp6_sock_buf; /* one per stack: every call holds its lock */
	struct net_out_opts opts;
	struct net_addr daddr, saddr;
	size_t len = it->len;
	uint16_t sum;
	struct pkb *p;
	int err;

	NET_ASSERT_LOCKED();
	(void)flags;
	daddr = dst ? dst->addr : sk->peer.addr;
	if (daddr.family != AF_INET6 || net_addr_is_any(&daddr))
		return dst ? -EAFNOSUPPORT : -EDESTADDRREQ;
	if (len > ICMP6_SOCK_MAX_MSG)
		return -EMSGSIZE;
	sock_iter_get(it, b, len);
	/* as Linux: nothing but an echo request header from the user */
	if (len < ICMP6_HDR_LEN || b[0] != ICMP6_ECHO_REQUEST || b[1] != 0) {
		STAT_INC(icmp6sock, out_bad_request);
		return -EINVAL;
	}
	err = autobind(pcb);
	if (err)
		return err;
	/* the socket's IP_TTL and IP_TOS (IPV6_UNICAST_HOPS, IPV6_TCLASS) and device */
	opts = (struct net_out_opts){ .ttl = (uint8_t)sk->ip_ttl, .tos = (uint8_t)sk->ip_tos,
				      .ifindex = sk->bound_ifindex };
	if (!net_addr_is_any(&sk->local.addr))
		saddr = sk->local.addr;
	else if (f->source(&daddr, opts.ifindex, &saddr) < 0)
		return -ENETUNREACH;
	b[2] = b[3] = 0;
	b[4] = (uint8_t)(pcb->id >> 8);
	b[5] = (uint8_t)pcb->id;
	sum = icmp6_cksum(&saddr, &daddr, b, len);
	b[2] = (uint8_t)(sum >> 8);
	b[3] = (uint8_t)sum;
	p = pkb_alloc(len);
	if (!p) {
		STAT_INC(icmp6sock, alloc_fail);
		return -ENOBUFS;
	}
	pkb_put(p, len);
	memcpy(p->data, b, len);
	err = f->output(IP6_NH_ICMPV6, p, &saddr, &daddr, &opts, NULL, now); /* owns p */
	if (err) {
		STAT_INC(icmp6sock, out_errors);
		debugf("id=%u not sent: %d", pcb->id, err);
		return err;
	}
	STAT_INC(icmp6sock, out_requests);
	return (ssize_t)len;
}

static ssize_t icmp6_sock_recvmsg(struct sock *sk, struct sock_iter *it, int flags,
				  struct net_endpoint *src, int *msg_flags, uint64_t now)
{
	struct icmp6_sock_pcb *pcb = sk->pcb;
	struct reply6_cb cb;
	ssize_t n;

	NET_ASSERT_LOCKED();
	(void)now;
	n = sock_dgram_recv(&pcb->rxq, it, flags, msg_flags, &cb, sizeof(cb));
	if (n < 0)
		return n;
	if (src) {
		src->addr = cb.src;
		src->port = 0;
	}
	pcb->last_hlim = cb.hlim;
	return n;
}

static unsigned icmp6_sock_poll(struct sock *sk)
{
	struct icmp6_sock_pcb *pcb = sk->pcb;

	NET_ASSERT_LOCKED();
	return US_POLLOUT | (sock_dgram_empty(&pcb->rxq) ? 0 : US_POLLIN);
}

static void icmp6_sock_close(struct sock *sk, uint64_t now)
{
	struct icmp6_sock_pcb *pcb = sk->pcb;

	NET_ASSERT_LOCKED();
	(void)now;
	if (!pcb)
		return;
	TAILQ_REMOVE(&icmp6_socks, pcb, link);
	sock_dgram_purge(&pcb->rxq);
	free(pcb);
	sk->pcb = NULL;
}

/* IPPROTO_IP's ICMP6_SOCK_LAST_HLIM reads the last reply's hop limit,
 * ICMP6_SOCK_RECV_ERRORS whether errors are queued; IP_TTL and IP_TOS
 * are the socket's hop limit and traffic class (the socket layer maps IPV6_UNICAST_HOPS
 * and IPV6_TCLASS onto them), kept in struct sock as IPv4's are. */
static int icmp6_sock_getsockopt(struct sock *sk, int level, int name, void *val,
				 socklen_t *len)
{
	struct icmp6_sock_pcb *pcb = sk->pcb;
	int v;

	NET_ASSERT_LOCKED();
	if (level != IPPROTO_IP)
		return -ENOPROTOOPT;
	if (name == ICMP6_SOCK_LAST_HLIM)
		v = pcb->last_hlim;
	else if (name == ICMP6_SOCK_RECV_ERRORS)
		v = pcb->recv_errors;
	else if (name == IP_TTL)
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

static int icmp6_sock_setsockopt(struct sock *sk, int level, int name, const void *val,
				 socklen_t len)
{
	struct icmp6_sock_pcb *pcb = sk->pcb;
	int v;

	NET_ASSERT_LOCKED();
	if (level != IPPROTO_IP ||
	    (name != IP_TTL && name != IP_TOS && name != ICMP6_SOCK_RECV_ERRORS))
		return -ENOPROTOOPT;
	if (!val || len < sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	if (name == ICMP6_SOCK_RECV_ERRORS) {
		pcb->recv_errors = v != 0;
		return 0;
	}
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

const struct sock_ops icmp6_sock_ops = {
	.create = icmp6_sock_create,
	.bind = icmp6_sock_bind,
	.sendmsg = icmp6_sock_sendmsg,
	.recvmsg = icmp6_sock_recvmsg,
	.setsockopt = icmp6_sock_setsockopt,
	.close = icmp6_sock_close,
	.poll = icmp6_sock_poll,
	.getsockopt = icmp6_sock_getsockopt,
};

int icmp6_sock_init(void)
{
	icmp6_set_echo_reply_handler(icmp6_sock_echo_reply);
	icmp6_set_echo_error_handler(icmp6_sock_echo_error);
	return sock_proto_register(SOCK_DGRAM, IPPROTO_ICMPV6, &icmp6_sock_ops);
}
