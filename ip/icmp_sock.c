/* SPDX-License-Identifier: MIT */
/* ICMP echo datagram sockets (see icmp_sock.h). Requests go out through icmp_echo_output;
 * replies come back through the handler icmp_sock_init registers and are matched to a
 * socket by identifier. Sockets are few (one per running ping), so they sit on one list. */
#include "net/perstack.h"
#include "ip/icmp_sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include "ip/icmp.h"
#include "ip/ip.h"
#include "net/log.h"
#include "net/loop.h"
#include "net/pkb.h"
#include "net/sock_dgram.h"

STATS_DEFINE(icmpsock, ICMP_SOCK_COUNTERS)

/* The largest request: an IP datagram of 65535 bytes with a 20-byte header. */
#define ICMP_SOCK_MAX_MSG (IP_MAX_LEN - IP_HDR_MIN)

struct icmp_sock_pcb {
	struct sock *sk;
	uint16_t id;            /* 0 = not bound yet */
	int last_ttl;           /* TTL of the last reply handed to recvfrom */
	int recv_errors;        /* ICMP_SOCK_RECV_ERRORS: errors queued with the replies */
	struct sock_dgram_queue rxq; /* replies, data = ICMP header + data, cb = struct reply_cb */
	TAILQ_ENTRY(icmp_sock_pcb) link;
};

TAILQ_HEAD(icmp_sock_list, icmp_sock_pcb);
static void icmp_socks_init(void);
PERSTACK_STATIC_FN(struct icmp_sock_list, icmp_socks, icmp_socks_init)
#define icmp_socks PERSTACK_REF(struct icmp_sock_list, icmp_socks)

static void icmp_socks_init(void)
{
	TAILQ_INIT(&icmp_socks);
}
PERSTACK_STATIC_INIT(uint16_t, next_id, 1)
#define next_id PERSTACK_REF(uint16_t, next_id)

struct reply_cb {
	uint32_t src;
	uint8_t ttl;
};

static struct icmp_sock_pcb *find_id(uint16_t id)
{
	struct icmp_sock_pcb *pcb;

	TAILQ_FOREACH(pcb, &icmp_socks, link)
		if (pcb->id == id)
			return pcb;
	return NULL;
}

static void set_id(struct icmp_sock_pcb *pcb, uint16_t id)
{
	pcb->id = id;
	pcb->sk->local.port = id;
}

/* The next free identifier after the last one handed out, so two pings started one after
 * the other do not share one and a late reply of the first does not reach the second. */
static int autobind(struct icmp_sock_pcb *pcb)
{
	if (pcb->id)
		return 0;
	for (uint32_t i = 0; i < 65535; i++) {
		uint16_t id = next_id++;
		if (next_id == 0)
			next_id = 1;
		if (id != 0 && !find_id(id)) {
			set_id(pcb, id);
			return 0;
		}
	}
	return -EAGAIN;
}

/* A buffer of len bytes for pcb's queue, or NULL (counted) when none or no room. */
static struct pkb *icmp_sock_rx_alloc(struct icmp_sock_pcb *pcb, size_t len, uint16_t seq)
{
	struct pkb *p = pkb_alloc(len);

	if (!p) {
		STAT_INC(icmpsock, alloc_fail);
		return NULL;
	}
	if (!sock_dgram_room(&pcb->rxq, pcb->sk->rcvbuf, p)) {
		STAT_INC(icmpsock, rcvbuf_errors);
		debugf("id=%u seq=%u dropped: receive buffer full", pcb->id, seq);
		pkb_free(p);
		return NULL;
	}
	pkb_put(p, len);
	return p;
}

/* The reply handler: runs in the loop with the lock held. The data is not ours to keep,
 * so a reply is copied into a new buffer for the socket's queue. */
static void icmp_sock_echo_reply(uint32_t src, uint16_t id, uint16_t seq, const uint8_t *data,
				 size_t len, uint8_t ttl, uint64_t now)
{
	NET_ASSERT_LOCKED();
	struct icmp_hdr h = { .type = ICMP_ECHO_REPLY, .code = 0, .rest = (uint32_t)id << 16 | seq };
	struct icmp_sock_pcb *pcb = find_id(id);
	struct reply_cb cb = { .src = src, .ttl = ttl };
	struct pkb *p;

	(void)now;
	if (!pcb || (pcb->sk->peer.addr.v4 != 0 && pcb->sk->peer.addr.v4 != src)) {
		STAT_INC(icmpsock, in_no_socket);
		debugf("id=%u seq=%u dropped: no socket", id, seq);
		return;
	}
	p = icmp_sock_rx_alloc(pcb, ICMP_HDR_LEN + len, seq);
	if (!p)
		return;
	if (len)
		memcpy(p->data + ICMP_HDR_LEN, data, len);
	icmp_emit(&h, p->data, p->len, len);
	memcpy(p->cb, &cb, sizeof(cb));
	sock_dgram_enqueue(&pcb->rxq, p); /* the socket's queue owns p */
	STAT_INC(icmpsock, in_replies);
	sock_wakeup(pcb->sk);
}

/* The error handler: an error about request (id, seq) from `from`, queued whole for a
 * socket that asked for errors (ICMP_SOCK_RECV_ERRORS). */
static void icmp_sock_echo_error(uint32_t from, const uint8_t *msg, size_t len, uint16_t id,
				 uint16_t seq, uint64_t now)
{
	NET_ASSERT_LOCKED();
	struct icmp_sock_pcb *pcb = find_id(id);
	struct reply_cb cb = { .src = from, .ttl = 0 };
	struct pkb *p;

	(void)now;
	if (!pcb || !pcb->recv_errors) {
		STAT_INC(icmpsock, in_errors_ignored);
		debugf("id=%u seq=%u error type=%u ignored: no socket asked for it", id, seq,
		       msg[0]);
		return;
	}
	p = icmp_sock_rx_alloc(pcb, len, seq);
	if (!p)
		return;
	memcpy(p->data, msg, len);
	memcpy(p->cb, &cb, sizeof(cb));
	sock_dgram_enqueue(&pcb->rxq, p); /* the socket's queue owns p */
	STAT_INC(icmpsock, in_errors);
	sock_wakeup(pcb->sk);
}

static int icmp_sock_create(struct sock *sk)
{
	struct icmp_sock_pcb *pcb = calloc(1, sizeof(*pcb));

	NET_ASSERT_LOCKED();
	if (!pcb)
		return -ENOMEM;
	pcb->sk = sk;
	sock_dgram_init(&pcb->rxq);
	sk->pcb = pcb;
	sk->rcvbuf = socket_config.udp_rcvbuf; /* a datagram socket like UDP */
	TAILQ_INSERT_TAIL(&icmp_socks, pcb, link);
	return 0;
}

static int icmp_sock_bind(struct sock *sk, const struct net_endpoint *addr)
{
	struct icmp_sock_pcb *pcb = sk->pcb;
	uint16_t id = addr->port;

	NET_ASSERT_LOCKED();
	if (pcb->id)
		return -EINVAL;
	if (addr->addr.v4 != 0 && !ip_iface_by_addr(addr->addr.v4))
		return -EADDRNOTAVAIL;
	if (id == 0)
		return autobind(pcb);
	if (find_id(id))
		return -EADDRINUSE;
	sk->local.addr = addr->addr;
	set_id(pcb, id);
	return 0;
}

static int icmp_sock_connect(struct sock *sk, const struct net_endpoint *addr, uint64_t now)
{
	NET_ASSERT_LOCKED();
	(void)now;
	if (addr->addr.family == AF_UNSPEC) {
		sk->peer = net_endpoint_v4(0, 0);
		return 0;
	}
	if (addr->addr.family != AF_INET)
		return -EAFNOSUPPORT;
	if (ip_source_for_dev(addr->addr.v4, sk->bound_ifindex) == 0)
		return -ENETUNREACH; /* as udp_connect: through the bound device, if any */
	sk->peer = *addr;
	sk->peer.port = 0;
	return autobind(sk->pcb);
}

PERSTACK_STATIC(uint8_t[ICMP_SOCK_MAX_MSG], icmp_sock_buf)
#define icmp_sock_buf PERSTACK_REF(uint8_t[ICMP_SOCK_MAX_MSG], icmp_sock_buf)

static ssize_t icmp_sock_sendmsg(struct sock *sk, struct sock_iter *it, int flags,
				 const struct net_endpoint *dst, uint64_t now)
{
	/* The request gathered in one piece; every call holds the stack lock, so one buffer
	 * per stack serves all its sockets. */
	uint8_t *b = icmp_sock_buf;
	struct icmp_sock_pcb *pcb = sk->pcb;
	struct net_out_opts opts;
	size_t len = it->len;
	uint32_t daddr;
	uint16_t seq;
	int err;

	NET_ASSERT_LOCKED();
	(void)flags;
	if (dst) {
		daddr = dst->addr.v4;
	} else {
		if (sk->peer.addr.v4 == 0)
			return -EDESTADDRREQ;
		daddr = sk->peer.addr.v4;
	}
	if (len > ICMP_SOCK_MAX_MSG)
		return -EMSGSIZE;
	sock_iter_get(it, b, len);
	/* Linux ping sockets take nothing but an echo request header from the user. */
	if (len < ICMP_HDR_LEN || b[0] != ICMP_ECHO || b[1] != 0) {
		STAT_INC(icmpsock, out_bad_request);
		return -EINVAL;
	}
	err = autobind(pcb);
	if (err)
		return err;
	seq = (uint16_t)(b[6] << 8 | b[7]);
	ip_out_opts_from_sock(sk, &opts);
	err = icmp_echo_output(daddr, pcb->id, seq, b + ICMP_HDR_LEN, len - ICMP_HDR_LEN, &opts,
			       now);
	if (err) {
		STAT_INC(icmpsock, out_errors);
		debugf("id=%u seq=%u not sent: %d", pcb->id, seq, err);
		return err;
	}
	STAT_INC(icmpsock, out_requests);
	return (ssize_t)len;
}

static ssize_t icmp_sock_recvmsg(struct sock *sk, struct sock_iter *it, int flags,
				 struct net_endpoint *src, int *msg_flags, uint64_t now)
{
	struct icmp_sock_pcb *pcb = sk->pcb;
	struct reply_cb cb;
	ssize_t n;

	NET_ASSERT_LOCKED();
	(void)now;
	n = sock_dgram_recv(&pcb->rxq, it, flags, msg_flags, &cb, sizeof(cb));
	if (n < 0)
		return n;
	if (src)
		*src = net_endpoint_v4(cb.src, 0);
	pcb->last_ttl = cb.ttl;
	return n;
}

static int icmp_sock_ioctl(struct sock *sk, unsigned long request, int *val)
{
	struct icmp_sock_pcb *pcb = sk->pcb;

	NET_ASSERT_LOCKED();
	return sock_dgram_ioctl(&pcb->rxq, request, val);
}

static unsigned icmp_sock_poll(struct sock *sk)
{
	struct icmp_sock_pcb *pcb = sk->pcb;

	NET_ASSERT_LOCKED();
	return US_POLLOUT | (sock_dgram_empty(&pcb->rxq) ? 0 : US_POLLIN);
}

static void icmp_sock_close(struct sock *sk, uint64_t now)
{
	struct icmp_sock_pcb *pcb = sk->pcb;

	NET_ASSERT_LOCKED();
	(void)now;
	if (!pcb)
		return;
	TAILQ_REMOVE(&icmp_socks, pcb, link);
	sock_dgram_purge(&pcb->rxq);
	free(pcb);
	sk->pcb = NULL;
}

static int icmp_sock_getsockopt(struct sock *sk, int level, int name, void *val,
				socklen_t *len)
{
	struct icmp_sock_pcb *pcb = sk->pcb;

	NET_ASSERT_LOCKED();
	if (level == IPPROTO_IP && name != ICMP_SOCK_LAST_TTL && name != ICMP_SOCK_RECV_ERRORS)
		return ip_sock_getsockopt(sk, name, val, len);
	if (level != IPPROTO_IP)
		return -ENOPROTOOPT;
	if (!val || !len || *len < sizeof(int))
		return -EINVAL;
	memcpy(val, name == ICMP_SOCK_LAST_TTL ? &pcb->last_ttl : &pcb->recv_errors, sizeof(int));
	*len = sizeof(int);
	return 0;
}

static int icmp_sock_setsockopt(struct sock *sk, int level, int name, const void *val,
				socklen_t len)
{
	struct icmp_sock_pcb *pcb = sk->pcb;
	int v;

	NET_ASSERT_LOCKED();
	if (level == IPPROTO_IP && name == ICMP_SOCK_RECV_ERRORS) {
		if (!val || len < sizeof(int))
			return -EINVAL;
		memcpy(&v, val, sizeof(v));
		pcb->recv_errors = v != 0;
		return 0;
	}
	return level == IPPROTO_IP ? ip_sock_setsockopt(sk, name, val, len) : -ENOPROTOOPT;
}

const struct sock_ops icmp_sock_ops = {
	.create = icmp_sock_create,
	.bind = icmp_sock_bind,
	.connect = icmp_sock_connect,
	.sendmsg = icmp_sock_sendmsg,
	.recvmsg = icmp_sock_recvmsg,
	.ioctl = icmp_sock_ioctl,
	.setsockopt = icmp_sock_setsockopt,
	.close = icmp_sock_close,
	.poll = icmp_sock_poll,
	.getsockopt = icmp_sock_getsockopt,
};

int icmp_sock_init(void)
{
	icmp_set_echo_reply_handler(icmp_sock_echo_reply);
	icmp_set_echo_error_handler(icmp_sock_echo_error);
	return sock_proto_register(SOCK_DGRAM, IPPROTO_ICMP, &icmp_sock_ops);
}
