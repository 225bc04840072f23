/* SPDX-License-Identifier: MIT */
/* IPv4 (RFC 791, RFC 1122): input checks, the protocol registry, output through the
 * routing table, fragmentation and reassembly. */
#ifndef IP_IP_H
#define IP_IP_H

#include "net/perstack.h"
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/family.h"
#include "net/netdev.h"

#define IP_VERSION 4
#define IP_HDR_MIN 20
#define IP_HDR_MAX 60
#define IP_MAX_LEN 65535

#define IP_PROTO_ICMP 1
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17

#define IP_FLAG_DF 0x4000
#define IP_FLAG_MF 0x2000
#define IP_OFFSET_MASK 0x1fff

#define IP_ADDR_ANY 0u
#define IP_ADDR_BROADCAST 0xffffffffu

/* A parsed header. Addresses in network byte order, other fields in host order. */
struct ip_hdr {
	uint8_t version;
	uint8_t ihl;       /* header length in bytes */
	uint8_t tos;
	uint16_t total_len;
	uint16_t id;
	uint16_t frag;     /* flags and offset (in 8-byte units), as on the wire */
	uint8_t ttl;
	uint8_t proto;
	uint16_t cksum;
	uint32_t src;
	uint32_t dst;
	const uint8_t *options; /* into the parsed buffer, ihl - 20 bytes */
};

/* Parse errors, each counted separately by ip_input. */
enum ip_parse_err {
	IP_PARSE_OK = 0,
	IP_PARSE_SHORT = -1,       /* fewer than 20 bytes */
	IP_PARSE_VERSION = -2,
	IP_PARSE_IHL = -3,         /* IHL < 5 or header longer than the packet */
	IP_PARSE_TOTLEN = -4,      /* total length < IHL or > the bytes received */
	IP_PARSE_CKSUM = -5,
};

int ip_parse(const uint8_t *b, size_t len, struct ip_hdr *out);
/* Writes a 20-byte header (no options) with its checksum; returns 20 or 0 if cap < 20. */
size_t ip_emit(const struct ip_hdr *h, uint8_t *b, size_t cap);
/* For a header quoted inside an ICMP error: only length, version and IHL are checked (the
 * quote may be cut short, and its checksum and total length are not ours to judge). */
int ip_parse_quoted(const uint8_t *b, size_t len, struct ip_hdr *out);

/* "a.b.c.d" <-> network order. ip_addr_pton returns 0 or -EINVAL. */
int ip_addr_pton(const char *s, uint32_t *out);
const char *ip_addr_ntop(uint32_t addr, char *buf, size_t size);
#define IP_ADDR_STRLEN 16

/* ---- protocol registry ---- */

/* p->data is the transport header, p->len its length with payload (IP header stripped, but
 * still in the headroom just before p->data). ifc is the interface the datagram is for;
 * NULL for a limited broadcast on a device that has no address yet. The handler owns p. */
typedef void (*ip_protocol_handler)(struct pkb *p, const struct ip_hdr *ih,
				    struct net_iface *ifc, uint64_t now);
/* An ICMP error quoting one of our packets: ih is the quoted header, payload its first
 * bytes (at least 8). */
typedef void (*ip_error_handler)(uint8_t type, uint8_t code, uint32_t info,
				 const struct ip_hdr *ih, const uint8_t *payload, size_t len,
				 uint64_t now);
int ip_protocol_register(const char *name, uint8_t proto, ip_protocol_handler h,
			 ip_error_handler err);
/* Hands an ICMP error to the protocol it quotes (called by icmp). */
void ip_error_dispatch(uint8_t type, uint8_t code, uint32_t info, const uint8_t *quoted,
		       size_t len, uint64_t now);

/* ---- routing ---- */

struct ip_route {
	struct net_addr dst;       /* the destination prefix's first address */
	unsigned prefixlen;
	struct net_addr gateway;   /* 0.0.0.0 for a connected route */
	struct net_addr src;       /* preferred source: the interface's address */
	struct net_iface *iface;
};

/* Adds a route; gateway 0 means connected. iface NULL: the interface whose subnet holds
 * the gateway. Returns 0 or -errno. */
int ip_route_add(uint32_t network, uint32_t netmask, uint32_t gateway, struct net_iface *iface);
/* Removes the route to exactly network/netmask. 0, -EINVAL (mask not a prefix) or -ESRCH. */
int ip_route_del(uint32_t network, uint32_t netmask);
/* Longest-prefix match; NULL if no route. */
const struct ip_route *ip_route_lookup(uint32_t dst);
void ip_route_flush(void);
size_t ip_route_count(void);
/* Calls fn for every route, longest prefixes first (`ustack ctl route`). */
void ip_route_foreach(void (*fn)(const struct ip_route *r, void *arg), void *arg);
/* Adds an interface's address and its connected route. */
int ip_iface_add(struct net_device *dev, uint32_t addr, uint32_t netmask, uint32_t peer);
/* Removes dev's address addr and every route through it (its connected route, and routes
 * whose gateway it reached). 0 or -EADDRNOTAVAIL. */
int ip_iface_del(struct net_device *dev, uint32_t addr);
/* Where a packet to dst leaves: the device, the next hop on it (the gateway, or dst when
 * it is on a connected network), and the source address to use when none is given. Our
 * own addresses and 127.0.0.0/8 leave through the loopback device (NET_DEV_F_LOOPBACK).
 * 0 or -ENETUNREACH. Counted as ip.route_lookups. */
struct ip_nexthop {
	struct net_device *dev;
	uint32_t nexthop;
	uint32_t src;
};
int ip_route_output(uint32_t dst, struct ip_nexthop *out);
/* ip_route_output for a socket bound to device ifindex (SO_BINDTODEVICE; 0: any device):
 * the route if it leaves through that device, else, as Linux when the table has no route
 * through it, dst taken as on the device's link. Our own addresses still go through "lo".
 * A device with no address sends only a limited broadcast, with src 0.0.0.0 (DHCP).
 * 0, -ENODEV (no such device) or -ENETUNREACH (the device has no address). */
int ip_route_output_dev(uint32_t dst, int ifindex, struct ip_nexthop *out);
/* The source address for dst (the outgoing interface's), or 0 if unroutable. */
uint32_t ip_source_for(uint32_t dst);
/* The routing table's generation: it changes with every route added or flushed and with
 * every device change (an address added, a device registered or changed:
 * net_device_generation), so an ip_nexthop resolved under one generation holds until the
 * generation moves (TCP caches one per connection). It starts at 1: 0 marks an empty
 * cache. */
uint32_t ip_route_generation(void);
/* The same for a socket bound to device ifindex (0: any). */
uint32_t ip_source_for_dev(uint32_t dst, int ifindex);

/* ---- input / output ---- */

struct ip_config_s {
	uint8_t default_ttl;          /* 64 */
	unsigned reass_timeout_ms;    /* 30 s */
	size_t reass_mem_max;         /* bytes held by incomplete datagrams (1 MiB) */
	unsigned reass_max_datagrams; /* 64 */
	int forwarding;               /* --forward */
	unsigned route_max;           /* routes in the table (65536) */
	int martian_class_e;          /* drop 240/4 sources too (0: accept them, as Linux) */
	int accept_local;             /* take our own addresses as sources from a wire (0; as
	                               * Linux's accept_local: for one stack wired to itself) */
};
PERSTACK_EXTERN(struct ip_config_s, ip_config);
#define ip_config PERSTACK_REF(struct ip_config_s, ip_config)

#define IP_COUNTERS(X)                                                                     \
	X(in_receives) X(in_hdr_short) X(in_hdr_version) X(in_hdr_ihl) X(in_hdr_totlen)    \
	X(in_hdr_cksum) X(in_ttl_zero) X(in_martian_src) X(in_not_for_us) X(in_unknown_proto) \
	X(in_delivers) X(in_options_skipped) X(in_no_route_fwd) X(fwd_datagrams)          \
	X(out_requests) X(out_no_route) X(out_too_big_df) X(out_frag_creates)               \
	X(out_frag_oks) X(out_discards) X(reasm_reqds) X(reasm_oks) X(reasm_fails)          \
	X(reasm_timeout) X(reasm_overlap) X(reasm_duplicate) X(reasm_oversize)              \
	X(reasm_mem_exceeded) X(reasm_bad_frag) X(reasm_too_many) X(out_no_headroom)       \
	X(route_full) X(fwd_ttl_exceeded) X(fwd_martian_src) X(fwd_martian_dst)           \
	X(fwd_broadcast) X(fwd_frag_needed) X(fwd_fragmented) X(fwd_same_iface)            \
	X(fwd_link_errors) X(in_local_other_dev) X(out_gso_unsupported) X(route_lookups)
STATS_DECLARE(ip, IP_COUNTERS);
#define ip_stats STATS_REF(ip)

int ip_init(void);
/* The interface holding the IPv4 address addr (net_iface_by_addr), or NULL. */
static inline struct net_iface *ip_iface_by_addr(uint32_t addr)
{
	struct net_addr a = net_addr_v4(addr);

	return net_iface_by_addr(&a);
}
/* IPv4's operations for the transports (ip_family.c), registered by ip_init. */
extern const struct net_family_ops ip_family_ops;
void ip_shutdown(void);
/* The ethertype 0x0800 handler. Takes ownership of p. */
void ip_input(struct pkb *p, struct net_device *dev, uint64_t now);

struct sock;
/* A socket's IP_TTL, IP_TOS, IP_MTU_DISCOVER and SO_BINDTODEVICE as output options
 * (ip_sock.c). */
void ip_out_opts_from_sock(const struct sock *sk, struct net_out_opts *o);
/* IPPROTO_IP options of a socket (ip_sock.c): 0, -EINVAL or -ENOPROTOOPT. */
int ip_sock_setsockopt(struct sock *sk, int name, const void *val, socklen_t len);
int ip_sock_getsockopt(struct sock *sk, int name, void *val, socklen_t *len);
/* Sends p (p->data = transport header; the IP header is prepended in the headroom) from src
 * (0: chosen from the route) to dst. Fragments by the route's MTU unless DF. Takes
 * ownership of p. Returns 0 or -errno (-ENETUNREACH, -EMSGSIZE with DF). */
int ip_output(uint8_t proto, struct pkb *p, uint32_t src, uint32_t dst,
	      const struct net_out_opts *opts, uint64_t now);
/* ip_output through a next hop the caller resolved (ip_route_output) under the current
 * ip_route_generation: for a sender that caches its route. Takes ownership of p. */
int ip_output_nh(uint8_t proto, struct pkb *p, uint32_t src, uint32_t dst,
		 const struct net_out_opts *opts, const struct ip_nexthop *nh, uint64_t now);
/* Hands a finished datagram (p->data = IP header) to the next hop: ARP on Ethernet, the
 * device itself on TUN and loopback. Takes ownership of p. For ip/ only (output and
 * forwarding). */
int ip_xmit(const struct ip_nexthop *nh, struct pkb *p, uint64_t now);
/* Cuts the datagram p (data = its IP header, every field final but the header checksum)
 * into fragments of at most mtu bytes and hands each to ip_xmit (RFC 791 3.2); a pending
 * partial transport checksum is finished first. DF is the caller's to judge. Counts
 * out_frag_creates and out_frag_oks; returns 0, or the first error (-EINVAL for a
 * partial checksum it cannot finish or a malformed header, -EMSGSIZE for an MTU below
 * 28, -ENOBUFS, a link error). Does not take ownership of p. For ip/ only (ip_frag.c). */
int ip_fragment(const struct ip_nexthop *nh, struct pkb *p, unsigned mtu, uint64_t now);
/* Software segmentation of TCP's super-segment p (data = IP header) for a device that
 * cannot cut it (net/gso.c), each segment sent through ip_xmit. A segment larger than the
 * MTU (a route to a smaller MTU than the one TCP's MSS came from) is dropped with DF, as
 * an ordinary datagram would be, else fragmented, as the kernel's GSO then does. fwd: p
 * is being forwarded (its own counters; a segment waiting for ARP is no error then). Does
 * not take ownership of p. The first error is returned; the rest still go. */
int ip_segment(const struct ip_nexthop *nh, const struct pkb *p, int fwd, uint64_t now);

/* ---- forwarding (ip_forward.c, RFC 1812) ---- */

/* A datagram that arrived on `in` and is not addressed to us, with ip_config.forwarding
 * on: p->data = its IP header (already checked by ip_input), trimmed to its total length.
 * Decrements the TTL (time exceeded at 1 or 0), routes it, fragments it for the outgoing
 * MTU (frag-needed with the next-hop MTU when DF is set), or drops it with a counter.
 * Takes ownership of p. */
void ip_forward(struct pkb *p, const struct ip_hdr *ih, struct net_device *in, uint64_t now);

/* MTU of the route to dst (0 if unroutable). */
unsigned ip_route_mtu(uint32_t dst);
/* ip_route_mtu for a socket bound to device ifindex (0: any), as ip_route_output_dev. */
unsigned ip_route_mtu_dev(uint32_t dst, int ifindex);

/* ---- reassembly (reass.c) ---- */

/* Adds a fragment (p->data = IP header). Returns the whole datagram (IP header rewritten,
 * data = IP header) when it completes, else NULL. Takes ownership of p. */
struct pkb *ip_reass_input(struct pkb *p, const struct ip_hdr *ih, uint64_t now);
size_t ip_reass_mem(void);
size_t ip_reass_count(void);
void ip_reass_flush(void);

#endif
