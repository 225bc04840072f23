/* SPDX-License-Identifier: MIT */
/* The network layer as the transports see it: one struct net_family_ops per address
 * family, registered by the layer that carries it (ip/ registers AF_INET in ip_init, ip6/
 * AF_INET6 in ip6_init), and called by tcp/ and udp/ for routing, MTU, source selection
 * and output, so that they name no family's functions.
 * The pseudo-header checksum needs no registration: it is arithmetic over the addresses,
 * cksum_pseudo_addr (net/cksum.h) for either family. Only net/ types appear here. */
#ifndef NET_FAMILY_H
#define NET_FAMILY_H

#include <stdint.h>

#include "net/addr.h"

struct net_device;
struct pkb;

/* Per-packet output options of a socket (IP_TTL, IP_TOS, IP_MTU_DISCOVER,
 * SO_BINDTODEVICE); IPv6 reads ttl as the hop limit and tos as the traffic class
 * (IPV6_UNICAST_HOPS and IPV6_TCLASS set them). */
struct net_out_opts {
	uint8_t ttl;    /* 0: default */
	uint8_t tos;
	int df;         /* set Don't Fragment */
	int ifindex;    /* leave through this device (SO_BINDTODEVICE); 0: the route's */
};

/* Where a packet to a destination leaves: the device, the next hop on it and the source
 * address a sender without one should use. */
struct net_nexthop {
	struct net_device *dev;
	struct net_addr nexthop;
	struct net_addr src;
};

/* What the family asks of or allows the transports. */
#define NET_FAM_F_TSO       0x01 /* a device with NET_DEV_F_TSO cuts TCP super-segments
                                  * of this family (TCPv4) */
#define NET_FAM_F_UDP_CSUM  0x02 /* a UDP checksum of 0 (none computed) is invalid: IPv6,
                                  * RFC 8200 8.1 */
#define NET_FAM_F_TSO6      0x04 /* one with NET_DEV_F_TSO6 does (TCPv6) */

struct net_family_ops {
	sa_family_t family;
	unsigned hdr_len;       /* the network header without options (IPv4 20): MSS arithmetic */
	unsigned default_mss;   /* a peer's MSS when its SYN names none (RFC 9293 3.7.1: IPv4
	                         * 536, IPv6 1220); 0: 536 */
	unsigned flags;         /* NET_FAM_F_* */
	/* The route to dst for a socket bound to device ifindex (0: any). 0, -ENETUNREACH,
	 * -ENODEV. */
	int (*route)(const struct net_addr *dst, int ifindex, struct net_nexthop *nh);
	/* The routing generation: a next hop resolved under one holds until it moves. */
	uint32_t (*route_generation)(void);
	/* The path MTU toward dst (0: unroutable). */
	unsigned (*mtu)(const struct net_addr *dst, int ifindex);
	/* The same over nh, a next hop route() gave for dst under the current generation:
	 * no second lookup (a cached route's MSS). NULL: callers use mtu(). */
	unsigned (*nh_mtu)(const struct net_nexthop *nh, const struct net_addr *dst);
	/* The source address for dst: 0, or -ENETUNREACH (unroutable, or the device has no
	 * address). */
	int (*source)(const struct net_addr *dst, int ifindex, struct net_addr *src);
	/* 1 if a is one of the stack's addresses (bind, a connection's source still there). */
	int (*is_local)(const struct net_addr *a);
	/* 1 if a device other than the loopback one holds a usable address of the family
	 * that is not link-local (getaddrinfo's AI_ADDRCONFIG, RFC 3493). */
	int (*configured)(void);
	/* 1 for the family's limited broadcast (255.255.255.255; IPv6 has none), and for a
	 * multicast address: no connection may have either at its far end. */
	int (*is_broadcast)(const struct net_addr *a);
	int (*is_multicast)(const struct net_addr *a);
	/* Sends p (p->data = the transport header) from src (unspecified: the route's) to
	 * dst; through nh when the caller resolved it under the current generation, else
	 * routed. Takes ownership of p. 0 or -errno. */
	int (*output)(uint8_t proto, struct pkb *p, const struct net_addr *src,
		      const struct net_addr *dst, const struct net_out_opts *opts,
		      const struct net_nexthop *nh, uint64_t now);
	/* The family's port unreachable about p (p->data = the transport header, the
	 * network header's nh_len bytes right before it in the headroom, as delivered):
	 * copies what it quotes, p stays the caller's. */
	void (*port_unreach)(struct pkb *p, unsigned nh_len, uint64_t now);
};

/* ---- transports: what a family's input hands them ---- */

/* A packet for a transport, as its network layer saw it. */
#define NET_RX_BCAST  0x01 /* to the limited broadcast address (255.255.255.255) */
#define NET_RX_MCAST  0x02 /* to a multicast address */
#define NET_RX_SUBNET 0x04 /* to the receiving interface's directed broadcast address */
#define NET_RX_IFADDR 0x08 /* to the receiving interface's own address */
struct net_rx {
	const struct net_family_ops *fam;
	struct net_addr src, dst;
	unsigned flags;         /* NET_RX_* */
	unsigned nh_len;        /* the network header's bytes, in the headroom before p->data */
};

/* An ICMP or ICMPv6 error quoting one of our packets, in the family's terms turned into
 * the transports' (the family maps its types and codes). */
enum net_err_kind {
	NET_ERR_NET_UNREACH,    /* network unreachable */
	NET_ERR_HOST_UNREACH,   /* host unreachable, and the other unreachable codes */
	NET_ERR_PROTO_UNREACH,  /* protocol unreachable */
	NET_ERR_PORT_UNREACH,   /* port unreachable */
	NET_ERR_FRAG_NEEDED,    /* too big (info has the next hop's MTU) */
	NET_ERR_TIME_EXCEEDED,
	NET_ERR_PARAM_PROB,     /* a parameter problem (ICMPv6's; an unrecognised next header
	                         * is NET_ERR_PROTO_UNREACH) */
};
struct net_err {
	enum net_err_kind kind;
	uint32_t info;          /* the error's own word (frag needed: the next-hop MTU, in
	                         * its low 16 bits for IPv4, RFC 1191; IPv6's packet too big
	                         * carries 32 bits, at least 1280) */
	const struct net_family_ops *fam;
	/* our packet's ends: its source is us; ports from the quoted transport header */
	struct net_endpoint local, remote;
	const uint8_t *payload; /* the quoted transport header and what follows (len >= 8) */
	size_t len;
};

struct net_transport {
	const char *name;
	uint8_t proto;          /* IP protocol number (IPv6 next header: the same numbers) */
	/* Takes ownership of p (p->data = the transport header). */
	void (*input)(struct pkb *p, const struct net_rx *rx, uint64_t now);
	/* May be NULL. */
	void (*err)(const struct net_err *e, uint64_t now);
};

#define NET_TRANSPORT_MAX 8
/* A transport for every family (TCP, UDP register once; each family's input finds them
 * by protocol number): per stack; registering a number again replaces its entry. 0 or
 * -ENOSPC. */
int net_transport_register(const struct net_transport *t);
const struct net_transport *net_transport_find(uint8_t proto);
/* Forgets every registration (the network layer's shutdown). */
void net_transport_reset(void);

#define NET_FAMILY_SLOTS 16 /* family numbers below this (AF_INET 2, AF_INET6 10) */

/* Registers a family's operations (at init; the table is constant, shared by stacks). */
void net_family_register(const struct net_family_ops *ops);
extern const struct net_family_ops *net_families[NET_FAMILY_SLOTS];

/* The operations of family f, NULL if no layer carries it. */
static inline const struct net_family_ops *net_family(sa_family_t f)
{
	return f < NET_FAMILY_SLOTS ? net_families[f] : NULL;
}

/* A socket's last route (a UDP socket's last destination, a TCP connection's in struct
 * tcp_route): what the family's route() gave for dst and device ifindex under routing
 * generation gen. All zero: empty. */
struct net_route_cache {
	uint32_t gen;
	const struct net_family_ops *fam;
	struct net_addr dst;
	int ifindex;
	int err;                /* route()'s result */
	struct net_nexthop nh;  /* when err is 0 */
};

/* The route to dst through f for device ifindex (0: any): rc's if it was resolved for
 * them under f's current generation, else looked up (route()) into rc. Returns 0 with
 * *nh pointing into rc (good until the generation moves), or route()'s error. */
int net_route_cached(struct net_route_cache *rc, const struct net_family_ops *f,
		     const struct net_addr *dst, int ifindex, const struct net_nexthop **nh);
/* Whether rc holds f's route to dst for ifindex under f's current generation (f not
 * NULL; an empty rc never does). */
int net_route_fresh(const struct net_route_cache *rc, const struct net_family_ops *f,
		    const struct net_addr *dst, int ifindex);

#endif
