/* SPDX-License-Identifier: MIT */
/* Echo datagram sockets, shared by IPv4 and IPv6 (net/sock_echo.h). */
#include "net/perstack.h"
#include "net/sock_echo.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "net/log.h"
#include "net/loop.h"
#include "net/pkb.h"
#include "net/sock_dgram.h"

struct echo_pcb {
	struct sock *sk;
	struct echo_table *table;
	uint16_t id;      /* 0 = not bound yet */
	int last_hop;     /* TTL or hop limit of the last reply handed to recvfrom */
	int recv_errors;  /* ECHO_SOCK_RECV_ERRORS: errors queued with the replies */
	struct sock_dgram_queue rxq; /* replies and errors, data = the ICMP message,
	                              * cb = struct echo_cb */
	TAILQ_ENTRY(echo_pcb) link;
};

/* Per queued message, in its cb scratch. */
struct echo_cb {
	struct net_addr src;
	uint8_t hop;
};

/* The request gathered in one piece: every call holds the stack lock, so one buffer per
 * stack serves all its sockets of both families. */
#define ECHO_MAX_MSG 65535u
PERSTACK_STATIC(uint8_t[ECHO_MAX_MSG], echo_buf)
#define echo_buf PERSTACK_REF(uint8_t[ECHO_MAX_MSG], echo_buf)

void echo_table_init(struct echo_table *t, const struct echo_family *fam)
{
	t->fam = fam;
	TAILQ_INIT(&t->socks);
	t->next_id = 1;
}

static struct echo_pcb *find_id(struct echo_table *t, uint16_t id)
{
	struct echo_pcb *pcb;

	TAILQ_FOREACH(pcb, &t->socks, link)
		if (pcb->id == id)
			return pcb;
	return NULL;
}

static void set_id(struct echo_pcb *pcb, uint16_t id)
{
	pcb->id = id;
	pcb->sk->local.port = id;
}

/* The next free identifier after the last one handed out, so two pings started one after
 * the other do not share one and a late reply of the first does not reach the second. */
static int autobind(struct echo_pcb *pcb)
{
	struct echo_table *t = pcb->table;

	if (pcb->id)
		return 0;
	for (uint32_t i = 0; i < 65535; i++) {
		uint16_t id = t->next_id++;

		if (t->next_id == 0)
			t->next_id = 1;
		if (id != 0 && !find_id(t, id)) {
			set_id(pcb, id);
			return 0;
		}
	}
	return -EAGAIN;
}

int echo_sock_create(struct echo_table *t, struct sock *sk)
{
	struct echo_pcb *pcb = calloc(1, sizeof(*pcb));

	NET_ASSERT_LOCKED();
	if (!pcb)
		return -ENOMEM;
	pcb->sk = sk;
	pcb->table = t;
	sock_dgram_init(&pcb->rxq);
	sk->pcb = pcb;
	sk->rcvbuf = socket_config.udp_rcvbuf; /* a datagram socket like UDP */
	TAILQ_INSERT_TAIL(&t->socks, pcb, link);
	return 0;
}

/* Does a connected socket take what came from (or was about) peer? */
static int from_peer(const struct echo_pcb *pcb, const struct net_addr *peer)
{
	const struct net_addr *want = &pcb->sk->peer.addr;

	return !peer || net_addr_is_any(want) || net_addr_eq(want, peer);
}

struct pkb *echo_sock_rx_begin(struct echo_table *t, uint16_t id, uint16_t seq, int error,
			       const struct net_addr *peer, size_t len, struct echo_pcb **pcbp)
{
	const struct echo_family *fam = t->fam;
	struct echo_pcb *pcb = find_id(t, id);
	struct pkb *p;

	NET_ASSERT_LOCKED();
	if (!pcb || !from_peer(pcb, peer) || (error && !pcb->recv_errors)) {
		fam->count(error ? ECHO_IN_ERROR_IGNORED : ECHO_IN_NO_SOCKET);
		debugf("id=%u seq=%u %s dropped: no socket takes it", id, seq,
		       error ? "error" : "reply");
		return NULL;
	}
	p = pkb_alloc(len);
	if (!p) {
		fam->count(ECHO_ALLOC_FAIL);
		return NULL;
	}
	if (!sock_dgram_room(&pcb->rxq, pcb->sk->rcvbuf, p)) {
		fam->count(ECHO_RCVBUF_ERROR);
		debugf("id=%u seq=%u dropped: receive buffer full", id, seq);
		pkb_free(p);
		return NULL;
	}
	pkb_put(p, len);
	*pcbp = pcb;
	return p;
}

void echo_sock_rx_end(struct echo_pcb *pcb, struct pkb *p, const struct net_addr *src,
		      uint8_t hop, int error)
{
	struct echo_cb cb = { .src = *src, .hop = hop };

	NET_ASSERT_LOCKED();
	memcpy(p->cb, &cb, sizeof(cb));
	sock_dgram_enqueue(&pcb->rxq, p); /* the socket's queue owns p */
	pcb->table->fam->count(error ? ECHO_IN_ERROR : ECHO_IN_REPLY);
	sock_wakeup(pcb->sk);
}

int echo_sock_bind(struct sock *sk, const struct net_endpoint *addr)
{
	struct echo_pcb *pcb = sk->pcb;
	const struct net_family_ops *net = pcb->table->fam->net;

	NET_ASSERT_LOCKED();
	if (pcb->id)
		return -EINVAL;
	if (addr->addr.family != net->family)
		return -EAFNOSUPPORT;
	if (!net_addr_is_any(&addr->addr) && !net->is_local(&addr->addr))
		return -EADDRNOTAVAIL;
	if (addr->port && find_id(pcb->table, addr->port))
		return -EADDRINUSE;
	sk->local.addr = addr->addr;
	if (!addr->port)
		return autobind(pcb);
	set_id(pcb, addr->port);
	return 0;
}

int echo_sock_connect(struct sock *sk, const struct net_endpoint *addr, uint64_t now)
{
	struct echo_pcb *pcb = sk->pcb;
	const struct net_family_ops *net = pcb->table->fam->net;
	struct net_addr src;

	NET_ASSERT_LOCKED();
	(void)now;
	if (addr->addr.family == AF_UNSPEC) {
		sk->peer.addr = net_addr_any(net->family);
		sk->peer.port = 0;
		return 0;
	}
	if (addr->addr.family != net->family)
		return -EAFNOSUPPORT;
	/* as udp_connect: routable through the bound device, if any */
	if (net->source(&addr->addr, sk->bound_ifindex, &src) < 0)
		return -ENETUNREACH;
	sk->peer = *addr;
	sk->peer.port = 0;
	return autobind(pcb);
}

ssize_t echo_sock_sendmsg(struct sock *sk, struct sock_iter *it, int flags,
			  const struct net_endpoint *dst, uint64_t now)
{
	struct echo_pcb *pcb = sk->pcb;
	const struct echo_family *fam = pcb->table->fam;
	uint8_t *b = echo_buf;
	struct net_addr daddr;
	size_t len = it->len;
	int err;

	NET_ASSERT_LOCKED();
	(void)flags;
	if (dst) {
		daddr = dst->addr;
	} else {
		if (net_addr_is_any(&sk->peer.addr))
			return -EDESTADDRREQ;
		daddr = sk->peer.addr;
	}
	if (daddr.family != fam->net->family)
		return -EAFNOSUPPORT;
	if (len > fam->max_msg)
		return -EMSGSIZE;
	sock_iter_get(it, b, len);
	/* Linux ping sockets take nothing but an echo request header from the user. */
	if (len < 8 || b[0] != fam->request_type || b[1] != 0) {
		fam->count(ECHO_OUT_BAD_REQUEST);
		return -EINVAL;
	}
	err = autobind(pcb);
	if (err)
		return err;
	b[4] = (uint8_t)(pcb->id >> 8);
	b[5] = (uint8_t)pcb->id;
	err = fam->output(sk, &daddr, pcb->id, b, len, now);
	if (err) {
		fam->count(ECHO_OUT_ERROR);
		debugf("id=%u seq=%u not sent: %d", pcb->id, (unsigned)(b[6] << 8 | b[7]), err);
		return err;
	}
	fam->count(ECHO_OUT_REQUEST);
	return (ssize_t)len;
}

ssize_t echo_sock_recvmsg(struct sock *sk, struct sock_iter *it, int flags,
			  struct net_endpoint *src, int *msg_flags)
{
	struct echo_pcb *pcb = sk->pcb;
	struct echo_cb cb;
	ssize_t n;

	NET_ASSERT_LOCKED();
	n = sock_dgram_recv(&pcb->rxq, it, flags, msg_flags, &cb, sizeof(cb));
	if (n < 0)
		return n;
	if (src) {
		src->addr = cb.src;
		src->port = 0;
	}
	pcb->last_hop = cb.hop;
	return n;
}

int echo_sock_ioctl(struct sock *sk, unsigned long request, int *val)
{
	struct echo_pcb *pcb = sk->pcb;

	NET_ASSERT_LOCKED();
	return sock_dgram_ioctl(&pcb->rxq, request, val);
}

unsigned echo_sock_poll(struct sock *sk)
{
	struct echo_pcb *pcb = sk->pcb;

	NET_ASSERT_LOCKED();
	return US_POLLOUT | (sock_dgram_empty(&pcb->rxq) ? 0 : US_POLLIN);
}

void echo_sock_close(struct sock *sk, uint64_t now)
{
	struct echo_pcb *pcb = sk->pcb;

	NET_ASSERT_LOCKED();
	(void)now;
	if (!pcb)
		return;
	TAILQ_REMOVE(&pcb->table->socks, pcb, link);
	sock_dgram_purge(&pcb->rxq);
	free(pcb);
	sk->pcb = NULL;
}

int echo_sock_getsockopt(struct sock *sk, int level, int name, void *val, socklen_t *len)
{
	struct echo_pcb *pcb = sk->pcb;

	NET_ASSERT_LOCKED();
	if (level != IPPROTO_IP)
		return -ENOPROTOOPT;
	if (name != ECHO_SOCK_LAST_HOP && name != ECHO_SOCK_RECV_ERRORS)
		return pcb->table->fam->getsockopt(sk, name, val, len);
	if (!val || !len || *len < sizeof(int))
		return -EINVAL;
	memcpy(val, name == ECHO_SOCK_LAST_HOP ? &pcb->last_hop : &pcb->recv_errors,
	       sizeof(int));
	*len = sizeof(int);
	return 0;
}

int echo_sock_setsockopt(struct sock *sk, int level, int name, const void *val,
			 socklen_t len)
{
	struct echo_pcb *pcb = sk->pcb;
	int v;

	NET_ASSERT_LOCKED();
	if (level != IPPROTO_IP)
		return -ENOPROTOOPT;
	if (name != ECHO_SOCK_RECV_ERRORS)
		return pcb->table->fam->setsockopt(sk, name, val, len);
	if (!val || len < sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	pcb->recv_errors = v != 0;
	return 0;
}
