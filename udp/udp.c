/* SPDX-License-Identifier: MIT */
/* UDP (RFC 768, RFC 1122 4.1.3): input demultiplexing to sockets, port unreachable, the
 * datagram socket ops, and ICMP errors for connected sockets.
 *
 * Control blocks live in a hash keyed on the local port alone: every candidate for a
 * datagram shares its destination port, and the best of them is picked by how specific it
 * is (connected 4-tuple > bound local address > wildcard), like the BSDs' in_pcblookup. */
#include "net/perstack.h"
#include "udp/udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include "ip/ip.h"
#include "net/family.h"
#include "net/log.h"
#include "net/loop.h"
#include "net/sock_dgram.h"

STATS_DEFINE(udp, UDP_COUNTERS)

PERSTACK_VAR_INIT(struct udp_config_s, udp_config, {
	.ephemeral_lo = 49152,
	.ephemeral_hi = 65535,
})

#define UDP_HASH_SIZE 256 /* buckets; a power of two */

struct udp_pcb {
	struct sock *sk;
	struct net_endpoint local;  /* port 0: not bound (not hashed); address any: wildcard */
	struct net_endpoint remote; /* port 0: not connected */
	struct sock_dgram_queue rxq; /* received datagrams, data = payload, cb = struct udp_cb */
	TAILQ_ENTRY(udp_pcb) hlink;
	/* the last destination's route: an unconnected socket answering one peer after
	 * another (sendto) looks it up once per routing generation, not per datagram */
	struct net_route_cache route;
};

TAILQ_HEAD(udp_pcb_list, udp_pcb);
PERSTACK_STATIC(struct udp_pcb_list[UDP_HASH_SIZE], udp_hash)
#define udp_hash PERSTACK_REF(struct udp_pcb_list[UDP_HASH_SIZE], udp_hash)
PERSTACK_STATIC(uint32_t, udp_rand_state)
#define udp_rand_state PERSTACK_REF(uint32_t, udp_rand_state)

/* What a queued datagram remembers of where it came from (in pkb->cb). */
struct udp_cb {
	struct net_endpoint src;
};

static struct udp_pcb_list *bucket(uint16_t port)
{
	return &udp_hash[port & (UDP_HASH_SIZE - 1)];
}

/* xorshift32: the ephemeral port start needs to be hard to guess (RFC 6056), not of
 * cryptographic quality; it is seeded from getrandom at init. */
static uint32_t udp_rand(void)
{
	uint32_t x = udp_rand_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	udp_rand_state = x;
	return x;
}

static int port_in_use(uint16_t port)
{
	struct udp_pcb *pcb;

	TAILQ_FOREACH(pcb, bucket(port), hlink)
		if (pcb->local.port == port)
			return 1;
	return 0;
}

/* RFC 6056 3.3.1 (Algorithm 1): a random start in the ephemeral range, then the next
 * free port. Returns 0 when every port of the range is taken. */
static uint16_t ephemeral_port(void)
{
	uint32_t lo = udp_config.ephemeral_lo, hi = udp_config.ephemeral_hi;
	uint32_t n, start;

	if (lo == 0 || hi < lo)
		return 0;
	n = hi - lo + 1;
	start = udp_rand() % n;
	for (uint32_t i = 0; i < n; i++) {
		uint16_t port = (uint16_t)(lo + (start + i) % n);
		if (!port_in_use(port))
			return port;
	}
	STAT_INC(udp, ephemeral_exhausted);
	return 0;
}

static void pcb_hash(struct udp_pcb *pcb, const struct net_addr *laddr, uint16_t lport)
{
	pcb->local.addr = *laddr;
	pcb->local.port = lport;
	TAILQ_INSERT_TAIL(bucket(lport), pcb, hlink);
	pcb->sk->local = pcb->local;
}

static int autobind(struct udp_pcb *pcb)
{
	uint16_t port;

	if (pcb->local.port)
		return 0;
	port = ephemeral_port();
	if (!port)
		return -EAGAIN; /* what Linux answers when the ephemeral range is exhausted */
	pcb_hash(pcb, &pcb->sk->local.addr, port); /* the unspecified address of its family */
	return 0;
}

/* The best socket for a datagram src:sport -> dst:dport that came in through device
 * ifindex (0: any, for an ICMP error), or NULL. A socket bound to a device (SO_BINDTODEVICE)
 * hears only that device, and is preferred there, as on Linux. */
static struct udp_pcb *udp_lookup(const struct net_addr *src, uint16_t sport,
				  const struct net_addr *dst, uint16_t dport, int ifindex)
{
	struct udp_pcb *pcb, *best = NULL;
	int best_score = -2;

	TAILQ_FOREACH(pcb, bucket(dport), hlink) {
		int score = 0;

		if (pcb->local.port != dport)
			continue;
		if (pcb->local.addr.family != dst->family) {
			/* an AF_INET6 socket on :: takes IPv4 too, below IPv4's own */
			if (!sock_dual(pcb->sk, &pcb->local.addr) ||
			    (pcb->remote.port && !net_addr_eq(&pcb->remote.addr, src)))
				continue;
			score -= 1;
		}
		if (pcb->sk->bound_ifindex && ifindex) {
			if (pcb->sk->bound_ifindex != ifindex)
				continue;
			score += 4;
		}
		if (!net_addr_is_any(&pcb->local.addr)) {
			if (!net_addr_eq(&pcb->local.addr, dst))
				continue;
			score += 1;
		}
		if (pcb->remote.port != 0) {
			if (!net_addr_eq(&pcb->remote.addr, src) || pcb->remote.port != sport)
				continue;
			score += 2;
		}
		if (score > best_score) {
			best = pcb;
			best_score = score;
		}
	}
	return best;
}

/* To a broadcast or multicast address: the limited broadcast, the receiving interface's
 * directed broadcast (unless that is its own address too), or a multicast group. */
static int is_broadcast(const struct net_rx *rx)
{
	return rx->flags & (NET_RX_BCAST | NET_RX_MCAST) ||
	       (rx->flags & (NET_RX_SUBNET | NET_RX_IFADDR)) == NET_RX_SUBNET;
}

/* Protocol 17 of every family: p->data is the UDP header, the network header sits just
 * before it. Takes ownership of p: it is queued on a socket or freed here. */
static void udp_input(struct pkb *p, const struct net_rx *rx, uint64_t now)
{
	const struct net_addr *src = &rx->src, *dst = &rx->dst;
	struct udp_pcb *pcb;
	struct udp_hdr h;
	struct udp_cb cb;
	char s[NET_ADDR_STRLEN];
	int err;

	NET_ASSERT_LOCKED();
	/* Not verified when the local kernel vouched for it (TAP offload, driver/tap.c). */
	err = udp_parse_csum(p->data, p->len, src, dst, p->csum == PKB_CSUM_NONE, &h);
	switch (err) {
	case UDP_PARSE_OK:
		break;
	case UDP_PARSE_SHORT:
		STAT_INC(udp, in_short);
		debugf("src=%s len=%zu dropped: short header", net_addr_ntop(src, s, sizeof(s)),
		       p->len);
		goto drop;
	case UDP_PARSE_LEN:
		STAT_INC(udp, in_bad_len);
		debugf("src=%s ulen=%u len=%zu dropped: bad length",
		       net_addr_ntop(src, s, sizeof(s)), h.len, p->len);
		goto drop;
	default:
		STAT_INC(udp, in_bad_cksum);
		debugf("src=%s dport=%u dropped: bad checksum",
		       net_addr_ntop(src, s, sizeof(s)), h.dst_port);
		goto drop;
	}
	if (h.cksum == 0) {
		if (rx->fam->flags & NET_FAM_F_UDP_CSUM) {
			/* RFC 8200 8.1: over IPv6 a zero checksum is no checksum, never valid */
			STAT_INC(udp, in_zero_cksum);
			debugf("src=%s dport=%u dropped: zero checksum",
			       net_addr_ntop(src, s, sizeof(s)), h.dst_port);
			goto drop;
		}
		STAT_INC(udp, in_no_cksum);
	}
	pcb = udp_lookup(src, h.src_port, dst, h.dst_port, p->dev ? p->dev->index : 0);
	if (!pcb) {
		if (is_broadcast(rx)) {
			/* RFC 1122 3.2.2: no ICMP error about a broadcast or multicast. */
			STAT_INC(udp, no_port_bcast);
			debugf("dport=%u dropped: no socket (broadcast)", h.dst_port);
			goto drop;
		}
		STAT_INC(udp, no_port);
		debugf("src=%s dport=%u dropped: no socket, port unreachable",
		       net_addr_ntop(src, s, sizeof(s)), h.dst_port);
		/* the family quotes the datagram from the headroom; it copies, p stays ours */
		rx->fam->port_unreach(p, rx->nh_len, now);
		goto drop;
	}
	pkb_trim(p, h.len); /* bytes past the UDP length are not part of the datagram */
	if (!sock_dgram_room(&pcb->rxq, pcb->sk->rcvbuf, p)) {
		STAT_INC(udp, rcvbuf_errors);
		debugf("dport=%u queued=%zu dropped: receive buffer full", h.dst_port,
		       pcb->rxq.bytes);
		goto drop;
	}
	pkb_pull(p, UDP_HDR_LEN);
	cb.src.addr = *src;
	cb.src.port = h.src_port;
	memcpy(p->cb, &cb, sizeof(cb));
	sock_dgram_enqueue(&pcb->rxq, p); /* the socket's queue owns p now */
	STAT_INC(udp, in_datagrams);
	sock_wakeup(pcb->sk);
	return;
drop:
	pkb_free(p);
}

/* Maps an ICMP error to the errno a connected socket reports (RFC 1122 4.1.3.3 asks that
 * it be passed to the application); 0 when it should not be reported. */
static int icmp_to_errno(enum net_err_kind kind)
{
	switch (kind) {
	case NET_ERR_TIME_EXCEEDED:
		return -EHOSTUNREACH;
	case NET_ERR_PORT_UNREACH:
		return -ECONNREFUSED;
	case NET_ERR_NET_UNREACH:
		return -ENETUNREACH;
	case NET_ERR_PROTO_UNREACH:
		return -ENOPROTOOPT;
	case NET_ERR_PARAM_PROB:
		return -EPROTO; /* as Linux */
	case NET_ERR_FRAG_NEEDED:
		return 0; /* no path MTU discovery for UDP: IP fragments what it sends */
	default:
		return -EHOSTUNREACH;
	}
}

/* An ICMP error quoting one of our datagrams: e names its ends (local: us) and quotes our
 * UDP header. Only connected sockets hear of it, as on Linux without IP_RECVERR: an
 * unconnected socket cannot tell which of its peers the error is about. */
static void udp_err(const struct net_err *err, uint64_t now)
{
	struct udp_pcb *pcb;
	int e;

	(void)now;
	/* Our datagram went local -> remote; look it up from the peer's side. */
	pcb = udp_lookup(&err->remote.addr, err->remote.port, &err->local.addr, err->local.port,
			 0);
	e = icmp_to_errno(err->kind);
	if (!pcb || pcb->remote.port == 0 || e == 0) {
		STAT_INC(udp, in_icmp_ignored);
		debugf("kind=%u sport=%u ignored: no connected socket", err->kind,
		       err->local.port);
		return;
	}
	STAT_INC(udp, in_icmp_errors);
	pcb->sk->so_error = e;
	sock_wakeup(pcb->sk);
}

/* ---- socket ops ---- */

static int udp_create(struct sock *sk)
{
	struct udp_pcb *pcb = calloc(1, sizeof(*pcb));

	NET_ASSERT_LOCKED();
	if (!pcb)
		return -ENOMEM;
	pcb->sk = sk;
	pcb->local.addr = pcb->remote.addr = net_addr_any(sk->local.addr.family);
	sock_dgram_init(&pcb->rxq);
	sk->pcb = pcb;
	sk->rcvbuf = socket_config.udp_rcvbuf;
	return 0;
}

/* A local address must be one of ours (or any). */
static int local_addr_ok(const struct net_family_ops *f, const struct net_addr *addr)
{
	return net_addr_is_any(addr) || (f && f->is_local(addr));
}

static int udp_bind(struct sock *sk, const struct net_endpoint *addr)
{
	struct udp_pcb *pcb = sk->pcb, *o;
	const struct net_addr *laddr = &addr->addr;
	uint16_t port = addr->port;

	NET_ASSERT_LOCKED();
	if (pcb->local.port)
		return -EINVAL;
	if (!local_addr_ok(net_family(laddr->family), laddr))
		return -EADDRNOTAVAIL;
	if (port == 0) {
		port = ephemeral_port();
		if (!port)
			return -EADDRINUSE;
	}
	TAILQ_FOREACH(o, bucket(port), hlink) {
		if (o->local.port != port)
			continue;
		if (o->local.addr.family != laddr->family && !sock_dual(o->sk, &o->local.addr) &&
		    !sock_dual(sk, laddr))
			continue;
		if (!net_addr_is_any(&o->local.addr) && !net_addr_is_any(laddr) &&
		    !net_addr_eq(&o->local.addr, laddr))
			continue; /* different specific addresses never clash */
		if (!(o->sk->reuseaddr && sk->reuseaddr))
			return -EADDRINUSE;
	}
	pcb_hash(pcb, laddr, port);
	return 0;
}

static int udp_connect(struct sock *sk, const struct net_endpoint *addr, uint64_t now)
{
	struct udp_pcb *pcb = sk->pcb;
	const struct net_family_ops *f;
	struct net_addr src;
	int err;

	NET_ASSERT_LOCKED();
	(void)now;
	if (addr->addr.family == AF_UNSPEC) {
		/* Dissolves the association (connect(2) on datagram sockets). */
		pcb->remote.addr = net_addr_any(pcb->local.addr.family);
		pcb->remote.port = 0;
		sk->peer.addr = pcb->remote.addr;
		sk->peer.port = 0;
		return 0;
	}
	f = net_family(addr->addr.family);
	if (!f || (addr->addr.family != pcb->local.addr.family &&
		   !sock_dual(sk, &pcb->local.addr)))
		return -EAFNOSUPPORT;
	/* no route, or bound to an address removed since (Linux: ENETUNREACH for both) */
	if (f->source(&addr->addr, sk->bound_ifindex, &src) < 0 ||
	    !local_addr_ok(f, &pcb->local.addr))
		return -ENETUNREACH;
	err = autobind(pcb);
	if (err)
		return err;
	/* As on Linux, connecting fixes the local address to the route's when unbound, so
	 * getsockname tells the application which address its peer sees. */
	if (net_addr_is_any(&pcb->local.addr)) {
		pcb->local.addr = src;
		sk->local.addr = src;
	}
	pcb->remote = *addr;
	sk->peer = *addr;
	return 0;
}

static ssize_t udp_sendmsg(struct sock *sk, struct sock_iter *it, int flags,
			   const struct net_endpoint *dst, uint64_t now)
{
	struct udp_pcb *pcb = sk->pcb;
	const struct net_family_ops *f;
	const struct net_nexthop *nh;
	struct net_out_opts opts;
	struct udp_hdr h;
	struct pkb *p;
	struct net_addr daddr, saddr;
	uint16_t dport;
	size_t len = it->len;
	int err, rt_err;

	NET_ASSERT_LOCKED();
	(void)flags;
	if (dst) {
		daddr = dst->addr;
		dport = dst->port;
		if (dport == 0)
			return -EINVAL;
	} else {
		if (pcb->remote.port == 0)
			return -EDESTADDRREQ;
		daddr = pcb->remote.addr;
		dport = pcb->remote.port;
	}
	f = net_family(daddr.family);
	if (!f || (daddr.family != pcb->local.addr.family && !sock_dual(sk, &pcb->local.addr)))
		return -EAFNOSUPPORT;
	if (len > UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
	err = autobind(pcb);
	if (err)
		return err;
	ip_out_opts_from_sock(sk, &opts);
	rt_err = net_route_cached(&pcb->route, f, &daddr, opts.ifindex, &nh);
	if (!net_addr_is_any(&pcb->local.addr)) {
		saddr = pcb->local.addr;
		/* bound to an address that was removed since: as Linux, no route */
		err = f->is_local(&saddr) ? 0 : -ENETUNREACH;
	} else {
		/* nh->src is 0.0.0.0 only for a limited broadcast through a device bound with
		 * SO_BINDTODEVICE that has no address yet: what a DHCP client sends */
		err = rt_err;
		saddr = nh->src;
	}
	if (err < 0) {
		STAT_INC(udp, out_no_route);
		return -ENETUNREACH;
	}
	/* The only copy of the payload: into a buffer with headroom for IP and the link. */
	p = pkb_alloc(UDP_HDR_LEN + len);
	if (!p) {
		STAT_INC(udp, out_alloc_fail);
		return -ENOBUFS;
	}
	pkb_put(p, UDP_HDR_LEN + len);
	sock_iter_get(it, p->data + UDP_HDR_LEN, len);
	h = (struct udp_hdr){ .src_port = pcb->local.port, .dst_port = dport };
	udp_emit(&h, p->data, p->len, len, &saddr, &daddr);
	/* the family's output owns p; without a route (a bound socket's) it routes, counts
	 * and refuses it */
	err = f->output(IP_PROTO_UDP, p, &saddr, &daddr, &opts, rt_err == 0 ? nh : NULL, now);
	if (err) {
		STAT_INC(udp, out_errors);
		debugf("dport=%u len=%zu not sent: %d", dport, len, err);
		return err;
	}
	STAT_INC(udp, out_datagrams);
	return (ssize_t)len;
}

static ssize_t udp_recvmsg(struct sock *sk, struct sock_iter *it, int flags,
			   struct net_endpoint *src, int *msg_flags)
{
	struct udp_pcb *pcb = sk->pcb;
	struct udp_cb cb;
	ssize_t n;

	NET_ASSERT_LOCKED();
	n = sock_dgram_recv(&pcb->rxq, it, flags, msg_flags, &cb, sizeof(cb));
	if (n >= 0 && src)
		*src = cb.src;
	return n;
}

/* As Linux: SIOCINQ is the next datagram's payload length; nothing waits to be sent. */
static int udp_ioctl(struct sock *sk, unsigned long request, int *val)
{
	struct udp_pcb *pcb = sk->pcb;

	NET_ASSERT_LOCKED();
	return sock_dgram_ioctl(&pcb->rxq, request, val);
}

static int udp_setsockopt(struct sock *sk, int level, int name, const void *val, socklen_t len)
{
	NET_ASSERT_LOCKED();
	return level == IPPROTO_IP ? ip_sock_setsockopt(sk, name, val, len) : -ENOPROTOOPT;
}

static int udp_getsockopt(struct sock *sk, int level, int name, void *val, socklen_t *len)
{
	NET_ASSERT_LOCKED();
	return level == IPPROTO_IP ? ip_sock_getsockopt(sk, name, val, len) : -ENOPROTOOPT;
}

static unsigned udp_poll(struct sock *sk)
{
	struct udp_pcb *pcb = sk->pcb;
	unsigned ev = US_POLLOUT; /* a datagram send never waits for room */

	NET_ASSERT_LOCKED();
	if (!sock_dgram_empty(&pcb->rxq))
		ev |= US_POLLIN;
	if (sk->so_error)
		ev |= US_POLLERR;
	return ev;
}

static void udp_close(struct sock *sk, uint64_t now)
{
	struct udp_pcb *pcb = sk->pcb;

	NET_ASSERT_LOCKED();
	(void)now;
	if (!pcb)
		return;
	if (pcb->local.port)
		TAILQ_REMOVE(bucket(pcb->local.port), pcb, hlink);
	sock_dgram_purge(&pcb->rxq);
	free(pcb);
	sk->pcb = NULL;
}

const struct sock_ops udp_sock_ops = {
	.create = udp_create,
	.bind = udp_bind,
	.connect = udp_connect,
	.sendmsg = udp_sendmsg,
	.recvmsg = udp_recvmsg,
	.ioctl = udp_ioctl,
	.setsockopt = udp_setsockopt,
	.getsockopt = udp_getsockopt,
	.close = udp_close,
	.poll = udp_poll,
};

void udp_pcb_foreach(void (*fn)(const struct net_endpoint *local,
				const struct net_endpoint *remote, size_t rxq_bytes, int dual,
				void *arg),
		     void *arg)
{
	const struct udp_pcb *pcb;

	for (unsigned i = 0; i < UDP_HASH_SIZE; i++)
		TAILQ_FOREACH(pcb, &udp_hash[i], hlink)
			fn(&pcb->local, &pcb->remote, pcb->rxq.bytes,
			   sock_dual(pcb->sk, &pcb->local.addr), arg);
}

static const struct net_transport udp_transport = {
	.name = "UDP",
	.proto = IP_PROTO_UDP,
	.input = udp_input,
	.err = udp_err,
};

int udp_init(void)
{
	int err;

	for (size_t i = 0; i < UDP_HASH_SIZE; i++)
		TAILQ_INIT(&udp_hash[i]);
	if (getrandom(&udp_rand_state, sizeof(udp_rand_state), GRND_NONBLOCK) !=
	    sizeof(udp_rand_state))
		udp_rand_state = 0x9e3779b9u; /* no entropy yet: still a valid xorshift seed */
	if (udp_rand_state == 0)
		udp_rand_state = 1;
	err = net_transport_register(&udp_transport);
	if (err)
		return err;
	err = sock_proto_register(SOCK_DGRAM, IPPROTO_UDP, &udp_sock_ops);
	if (!err)
		err = sock_proto_register(SOCK_DGRAM, 0, &udp_sock_ops);
	return err;
}
