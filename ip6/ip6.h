/* SPDX-License-Identifier: MIT */
/* IPv6 (RFC 8200) for a host: the header and its extension headers, the per-device
 * addresses (a stable link-local address per RFC 7217, static addr6=), source selection,
 * input checks and dispatch, output, and ICMPv6 (RFC 4443, ip6/icmp6.h). Neighbour
 * discovery sits above this folder (nd/): it registers the link-layer resolver ip6_output
 * hands Ethernet next hops to, and the handler ICMPv6 gives ND messages to.
 *
 * Fragments are reassembled (ip6/ip6_reass.c), packets over the path MTU fragmented on
 * output, and received packet-too-big messages lower a per-destination path MTU
 * (ip6/ip6_pmtu.c, RFC 8201). Router discovery, SLAAC, DAD and MLD are ND's (nd/),
 * reached through the hooks below.
 *
 * TCP and UDP are the transports of every family (net/family.h): ip6_input hands them
 * next headers 6 and 17 (docs/architecture.md, "IPv6"). */
#ifndef IP6_IP6_H
#define IP6_IP6_H

#include "net/perstack.h"
#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"
#include "net/family.h"
#include "net/netdev.h"

#define IP6_VERSION 6
#define IP6_HDR_LEN 40
#define IP6_MIN_MTU 1280 /* RFC 8200 5 */

/* Next header values (IANA "Assigned Internet Protocol Numbers"). */
#define IP6_NH_HOPOPTS 0
#define IP6_NH_TCP 6
#define IP6_NH_UDP 17
#define IP6_NH_ROUTING 43
#define IP6_NH_FRAGMENT 44
#define IP6_NH_ICMPV6 58
#define IP6_NH_NONE 59
#define IP6_NH_DSTOPTS 60

/* A parsed fixed header; lengths in host order. */
struct ip6_hdr {
	uint8_t version;
	uint8_t tclass;
	uint32_t flow;     /* 20 bits */
	uint16_t plen;     /* payload length: every byte after the fixed header */
	uint8_t next;
	uint8_t hlim;
	struct net_addr src, dst;
};

enum ip6_parse_err {
	IP6_PARSE_OK = 0,
	IP6_PARSE_SHORT = -1,   /* fewer than 40 bytes */
	IP6_PARSE_VERSION = -2, /* not 6 */
	IP6_PARSE_PLEN = -3,    /* payload length beyond the bytes received */
};

/* Reads the fixed header; the payload length is checked against len (Ethernet padding may
 * follow it). Fields are filled as far as they could be read. */
int ip6_parse(const uint8_t *b, size_t len, struct ip6_hdr *out);
/* Writes the 40-byte header; returns 40 or 0 if cap is too small. */
size_t ip6_emit(const struct ip6_hdr *h, uint8_t *b, size_t cap);

/* A hop-by-hop, destination options or routing header: its next header and length in
 * bytes (8 * (Hdr Ext Len + 1)). 0 or -EINVAL when it does not fit in len. */
struct ip6_ext {
	uint8_t next;
	size_t len;
};
int ip6_ext_parse(const uint8_t *b, size_t len, struct ip6_ext *out);

/* The routing header's type and segments left (b: the header, at least 4 bytes). */
struct ip6_rthdr {
	uint8_t type;
	uint8_t segleft;
};
int ip6_rthdr_parse(const uint8_t *b, size_t len, struct ip6_rthdr *out);

#define IP6_FRAG_HDR_LEN 8
struct ip6_frag {
	uint8_t next;
	uint16_t offset;   /* in bytes */
	int more;
	uint32_t id;
};
/* 0 or -EINVAL (shorter than 8 bytes). */
int ip6_frag_parse(const uint8_t *b, size_t len, struct ip6_frag *out);

/* The options of a hop-by-hop or destination options header (RFC 8200 4.2), b its whole
 * header (len bytes, the first two being next header and length). */
enum ip6_opt_verdict {
	IP6_OPT_OK = 0,         /* every option known or skippable */
	IP6_OPT_DISCARD,        /* an unknown option of action 01: drop silently */
	IP6_OPT_PARAMPROB,      /* action 10: drop, parameter problem code 2 at *bad */
	IP6_OPT_PARAMPROB_UCAST,/* action 11: the same unless the destination was multicast */
	IP6_OPT_MALFORMED,      /* an option runs past the header */
};
enum ip6_opt_verdict ip6_opts_check(const uint8_t *b, size_t len, size_t *bad);
#define IP6_OPT_PAD1 0
#define IP6_OPT_PADN 1
#define IP6_OPT_ROUTER_ALERT 5

/* ---- addresses ---- */

static inline int ip6_addr_is_multicast(const struct net_addr *a)
{
	return a->v6[0] == 0xff;
}
static inline int ip6_addr_is_linklocal(const struct net_addr *a)
{
	return a->v6[0] == 0xfe && (a->v6[1] & 0xc0) == 0x80;
}
/* Multicast of link-local scope (ff02::/16 and the like). */
static inline int ip6_addr_is_mc_linklocal(const struct net_addr *a)
{
	return a->v6[0] == 0xff && (a->v6[1] & 0x0f) == 0x2;
}
static inline int ip6_addr_is_loopback(const struct net_addr *a)
{
	static const uint8_t one[16] = { [15] = 1 };

	return !memcmp(a->v6, one, 16);
}
int ip6_addr_is_unspecified(const struct net_addr *a);
/* ff02::1, all nodes. */
struct net_addr ip6_addr_all_nodes(void);
/* ff02::1:ffXX:XXXX, the solicited-node group of a (RFC 4291 2.7.1). */
struct net_addr ip6_addr_solicited(const struct net_addr *a);
/* 33:33 and the group's last four bytes (RFC 2464 7). */
void ip6_mcast_mac(const struct net_addr *group, uint8_t mac[6]);
/* "2001:db8::1" -> address; 0 or -EINVAL. */
int ip6_addr_pton(const char *s, struct net_addr *out);
/* 1 if the first plen bits of a and b agree. */
int ip6_prefix_match(const struct net_addr *a, const struct net_addr *b, unsigned plen);

/* One address of a device. */
#define IP6_IFA_LINKLOCAL 0x01 /* made by the stack (RFC 7217) */
#define IP6_IFA_STATIC 0x02    /* given with addr6= or ip6_addr_add */
#define IP6_IFA_AUTO 0x04      /* formed by SLAAC from a router's prefix (RFC 4862) */
#define IP6_IFA_TENTATIVE 0x08 /* duplicate address detection running: not used yet */
#define IP6_IFA_DUPLICATE 0x10 /* DAD found another holder: never used */
#define IP6_IFA_DEPRECATED 0x20 /* preferred lifetime over: kept for what uses it */
#define IP6_IFA_UNUSABLE (IP6_IFA_TENTATIVE | IP6_IFA_DUPLICATE)
struct ip6_ifaddr {
	int ifindex;               /* 0: a free slot */
	struct net_addr addr;
	unsigned prefixlen;
	unsigned flags;
	uint64_t preferred_until;  /* ms (net_clock_ms); 0: forever (SLAAC sets both) */
	uint64_t valid_until;
	unsigned dad_count;        /* RFC 7217's DAD_Counter that made it */
};
#define IP6_IFADDR_MAX 64      /* addresses of every device together */
#define IP6_IFADDR_PER_DEV 4

/* Adds addr/prefixlen to dev and joins its solicited-node group (and all-nodes) on an
 * Ethernet device. With IP6_IFA_TENTATIVE in flags the address waits for duplicate
 * address detection, which the hook ND registers starts (no hook: it is usable at once).
 * 0, -EEXIST (already there), -ENOSPC, -EINVAL (multicast, unspecified, loopback, prefix
 * over 128). */
int ip6_addr_add(struct net_device *dev, const struct net_addr *addr, unsigned prefixlen,
		 unsigned flags);
/* Removes dev's address a (SLAAC's expiry, a duplicate replaced). 0 or -ENOENT. The
 * solicited-node group stays joined (another address may share it). */
int ip6_addr_del(struct net_device *dev, const struct net_addr *a);
/* Sets and clears flags of dev's address a (DAD's verdict, deprecation); the address
 * itself for lifetimes, or NULL. */
struct ip6_ifaddr *ip6_addr_get(const struct net_device *dev, const struct net_addr *a);
/* 1 if the address may be used: not tentative, not duplicate. */
static inline int ip6_ifa_usable(const struct ip6_ifaddr *ifa)
{
	return !(ifa->flags & IP6_IFA_UNUSABLE);
}
/* ND's hook, called for every address added with IP6_IFA_TENTATIVE. */
typedef void (*ip6_dad_fn)(struct net_device *dev, const struct net_addr *addr);
void ip6_set_dad_hook(ip6_dad_fn fn);
/* Gives an Ethernet device its link-local address, fe80::/64 with an RFC 7217 interface
 * identifier: the low 64 bits of a keyed hash (SipHash-2-4 under ip6_config.secret) of the
 * prefix, the device's name and MAC and a DAD counter, never the MAC itself. 0 or as
 * ip6_addr_add. */
int ip6_addr_add_linklocal(struct net_device *dev, unsigned flags);
/* The RFC 7217 identifier as ip6_addr_add_linklocal computes it (tests, other prefixes
 * once SLAAC comes): the 64-bit prefix in pfx[0..7], iid written to out[8..15]. */
void ip6_stable_iid(const struct net_device *dev, const uint8_t pfx[8], unsigned dad_count,
		    const uint64_t secret[2], uint8_t out[16]);
/* dev's address addr, or NULL. */
const struct ip6_ifaddr *ip6_addr_find(const struct net_device *dev, const struct net_addr *a);
/* Our address a on any device, or NULL (tentative and duplicate ones too). */
const struct ip6_ifaddr *ip6_addr_lookup(const struct net_addr *a);
/* 1 if a packet to dst arriving on dev is ours: one of dev's usable unicast addresses,
 * the solicited-node group of any (a tentative one's too, for DAD), or all-nodes. */
int ip6_addr_accepts(const struct net_device *dev, const struct net_addr *dst);
/* The source for dst leaving through dev (RFC 6724 rules 1, 2 and 8, for what a host with
 * link-local and static addresses has): the destination itself if ours, an address of the
 * same scope (link-local for link-local and link-scope multicast destinations), then the
 * longest common prefix. 0 or -EADDRNOTAVAIL. */
int ip6_source_select(const struct net_device *dev, const struct net_addr *dst,
		      struct net_addr *src);
/* Calls fn for each address (`ctl`, tests). */
void ip6_addr_foreach(void (*fn)(const struct ip6_ifaddr *ifa, void *arg), void *arg);
size_t ip6_addr_count(const struct net_device *dev);
/* Forgets every address (ip6_shutdown). */
void ip6_addr_flush(void);

/* ---- input / output ---- */

struct ip6_config_s {
	uint8_t default_hlim;   /* 64 */
	unsigned ext_max;       /* extension headers walked per packet (8) */
	unsigned icmp_rate_ms;  /* ICMPv6 errors: one token per this (100 ms) ... */
	unsigned icmp_burst;    /* ... up to this many (10), RFC 4443 2.4 (f) */
	uint64_t secret[2];     /* RFC 7217's secret key; zero: derived at ip6_init */
	unsigned reass_timeout_ms;    /* an incomplete packet is dropped after this (60 s,
	                               * RFC 8200 4.5) */
	size_t reass_mem_max;         /* bytes held by incomplete packets (1 MiB) */
	unsigned reass_max_datagrams; /* incomplete packets at once (64) */
	unsigned pmtu_max;            /* path MTU entries (64, at most IP6_PMTU_MAX) */
	unsigned pmtu_expire_ms;      /* a lowered path MTU is forgotten after this (10 min,
	                               * RFC 8201 4) */
};
PERSTACK_EXTERN(struct ip6_config_s, ip6_config);
#define ip6_config PERSTACK_REF(struct ip6_config_s, ip6_config)

/* in_not_for_us: a destination none of ours (strong host model, RFC 1122 3.3.4.2).
 * in_martian_src: a multicast or loopback source, or our own address from a wire.
 * in_hbh_not_first: a hop-by-hop header after another. in_ext_too_many: more than
 * ext_max extension headers. in_frag_atomic: an atomic fragment, taken as the whole
 * packet (RFC 6946). in_frag_bad_len: a fragment that is not the last with a length not
 * a multiple of 8 (parameter problem) or empty; in_frag_oversize: one that would make the
 * packet longer than 65535 bytes (parameter problem); in_frag_no_chain: a first fragment
 * without the whole header chain (RFC 7112, parameter problem code 3). reasm_*: RFC 4293's
 * reassembly counters, with reasm_overlap (RFC 5722), reasm_duplicate (exact copies,
 * ignored), reasm_inconsistent (a last fragment at odds with the others), reasm_timeout,
 * reasm_too_many and reasm_mem_exceeded (the caps, hit). out_frag_*: fragmentation on
 * output. pmtu_*: packet too big messages (pmtu_ptb_not_ours: not quoting a packet of ours;
 * pmtu_ptb_below_min: an MTU under 1280, ignored), pmtu_lowered, pmtu_expired and
 * pmtu_evicted (the table full). in_gso_bad: a TCP super-segment from an offloading
 * device (GSO_TCPV6) that is not TCP after its extension headers, or is a fragment.
 * out_gso_soft: TCP's super-segments cut here (net/gso.c) for a device without TSO6 or
 * a smaller MTU; out_gso_failed: one that could not be cut (malformed, pool dry).
 * TCP and UDP go to their net_transport (net/family.h), which count their own drops. */
#define IP6_COUNTERS(X)                                                                    \
	X(in_receives) X(in_hdr_short) X(in_hdr_version) X(in_hdr_plen) X(in_martian_src)   \
	X(in_not_for_us) X(in_ext_truncated) X(in_ext_too_many) X(in_hbh_not_first)        \
	X(in_opt_discard) X(in_opt_paramprob) X(in_opt_malformed) X(in_rthdr_refused)      \
	X(in_rthdr_ignored) X(in_frag_atomic) X(in_frag_bad_len) X(in_frag_oversize)         \
	X(in_frag_no_chain) X(reasm_reqds) X(reasm_oks) X(reasm_fails) X(reasm_timeout)    \
	X(reasm_overlap) X(reasm_duplicate) X(reasm_inconsistent) X(reasm_too_many)        \
	X(reasm_mem_exceeded) X(out_frag_oks) X(out_frag_creates) X(out_frag_fails)        \
	X(pmtu_ptb) X(pmtu_ptb_not_ours) X(pmtu_ptb_below_min) X(pmtu_lowered)              \
	X(pmtu_expired) X(pmtu_evicted) X(in_no_next_header)                                \
	X(in_unknown_nh) X(in_delivers) X(in_unspec_src)                \
	X(out_requests) X(out_no_route) X(out_no_source) X(out_too_big)                    \
	X(out_no_headroom) X(out_no_resolver) X(addr_added) X(in_gso_bad) X(out_gso_soft)   \
	X(out_gso_failed)
STATS_DECLARE(ip6, IP6_COUNTERS);
#define ip6_stats STATS_REF(ip6)

/* Registers ethertype 0x86dd and AF_INET6's family operations; derives the RFC 7217
 * secret (from /etc/machine-id when readable, so a host keeps its addresses across runs,
 * else random) unless ip6_config.secret is set. */
int ip6_init(void);
/* Forgets every address and registration (exit, tests). */
void ip6_shutdown(void);
/* The ethertype 0x86dd handler. Takes ownership of p. */
void ip6_input(struct pkb *p, struct net_device *dev, uint64_t now);

/* Upper protocols of IPv6 that are not transports of every family (ICMPv6): the handler
 * gets p->data at its header, the IPv6 header (and any extension headers) in the headroom
 * before it, nh_len bytes from the IPv6 header to p->data, and owns p. */
typedef void (*ip6_proto_handler)(struct pkb *p, const struct ip6_hdr *h, unsigned nh_len,
				  struct net_device *dev, uint64_t now);
int ip6_proto_register(uint8_t next, ip6_proto_handler h);
void ip6_proto_reset(void);

/* How ip6_output reaches a next hop on an Ethernet device: ND registers its resolver
 * (nd_output), which owns p (p->data = the IPv6 header). */
typedef int (*ip6_resolve_fn)(struct net_device *dev, const struct net_addr *nexthop,
			      struct pkb *p, uint64_t now);
void ip6_set_resolver(ip6_resolve_fn fn);

/* What router discovery knows of a route to dst: ND registers this; it fills the device,
 * the next hop (dst itself for a prefix a router said is on-link, the router for the
 * rest) and *plen, how long a prefix the answer holds for (128 for a redirect, the
 * prefix's length, 0 for the default router), or returns -ENETUNREACH. dev non-NULL:
 * only through that device. */
typedef int (*ip6_router_fn)(const struct net_addr *dst, struct net_device **dev,
			     struct net_addr *nexthop, unsigned *plen);
void ip6_set_router_fn(ip6_router_fn fn);
/* The IPv6 MTU of dev: a router's MTU option (RFC 4861 4.6.4) when lower than the
 * device's, else the device's. mtu 0 forgets it. */
void ip6_link_mtu_set(const struct net_device *dev, unsigned mtu);
unsigned ip6_link_mtu(const struct net_device *dev);

/* Where a packet to dst leaves and through which next hop: the longest prefix holding dst
 * among the on-link prefixes of our addresses (dst itself), the static routes
 * (ip6_route_lookup) and, when no address's prefix holds dst, what router discovery
 * knows (ip6_router_fn: a redirect, a prefix a router called on-link, the default
 * router); on a tie the on-link prefix, then the static route. Else, with dev given, dst on dev (a link-local destination needs its
 * device). Then the source. 0, -ENETUNREACH, -EADDRNOTAVAIL (no usable source address on
 * the device). */
int ip6_route(const struct net_addr *dst, struct net_device *dev, struct net_nexthop *nh);
/* The device (its index) whose usable, not link-local address's prefix holds a, the
 * longest such; only non-zero: that device's alone. 0 if none; *plen (may be NULL) the
 * prefix length. */
int ip6_onlink_ifindex(const struct net_addr *a, int only, unsigned *plen);

/* ---- static routes (ip6/ip6_route.c) ---- */

#define IP6_ROUTE_MAX 64
/* Routes prefix/plen (host bits ignored) through gw on device ifindex. ifindex 0: the
 * device whose on-link prefix holds gw, found at each lookup. A link-local gw needs
 * ifindex; gw :: with ifindex makes the prefix on-link there. 0, -EINVAL, -ENODEV,
 * -EEXIST (that prefix is routed already) or -ENOSPC (IP6_ROUTE_MAX). */
int ip6_route_add(const struct net_addr *prefix, unsigned plen, const struct net_addr *gw,
		  int ifindex);
/* Removes the route to exactly prefix/plen: 0, -EINVAL or -ESRCH. */
int ip6_route_del(const struct net_addr *prefix, unsigned plen);
/* The longest static route holding dst whose gateway is reachable (through only, when
 * not 0): fills dev and the next hop and returns the prefix length, or -ENETUNREACH. */
int ip6_route_lookup(const struct net_addr *dst, int only, struct net_device **dev,
		     struct net_addr *nh);
/* Every static route, longest prefixes first (`ustack ctl route`). */
void ip6_route_foreach(void (*fn)(const struct net_addr *prefix, unsigned plen,
				  const struct net_addr *gw, int ifindex, void *arg),
		       void *arg);
void ip6_route_flush(void);
size_t ip6_route_count(void);
/* Changes with every route added or removed (cached next hops look again). */
uint32_t ip6_route_generation(void);

struct ip6_out {
	struct net_device *dev; /* leave through this device (NULL: route) */
	uint8_t hlim;           /* 0: ip6_config.default_hlim */
	uint8_t tclass;
	int src_unspec;         /* send from :: even when the device has an address (DAD's
				 * probes, MLD reports before the link-local is usable) */
};
/* Prepends the IPv6 header to p (p->data = the upper header, its checksum final) and sends
 * it from src (unspecified: chosen for the route) to dst. A packet larger than the path
 * MTU (the device's, or less after a packet too big) goes out in fragments
 * (ip6_fragment). Takes ownership of p. 0 or -errno. */
int ip6_output(uint8_t next, struct pkb *p, const struct net_addr *src,
	       const struct net_addr *dst, const struct ip6_out *o, uint64_t now);

/* ---- fragments (ip6/ip6_reass.c, ip6/ip6_frag.c) ---- */

/* 1 if the fragment payload b (len bytes, its first header named next) holds every
 * extension header and the upper-layer header (TCP's 20 bytes, UDP's 8, ICMPv6's 8): what
 * a first fragment must carry (RFC 7112). */
int ip6_frag_chain_complete(const uint8_t *b, size_t len, uint8_t next);
/* A fragment p (p->data = its IPv6 header h, whose fragment header fh is at frag_off,
 * named at nh_field), checked by ip6_input (length a multiple of 8 unless last, within
 * 65535, a first fragment with its header chain). Takes ownership of p. Returns NULL while
 * the packet is incomplete (or was discarded), else the whole packet: the first fragment's
 * headers up to frag_off with nh_field naming what the fragment header named, payload
 * length fixed, then the payload from frag_off on. */
struct pkb *ip6_reass_input(struct pkb *p, const struct ip6_hdr *h, size_t frag_off,
			    size_t nh_field, const struct ip6_frag *fh, uint64_t now);
size_t ip6_reass_mem(void);
size_t ip6_reass_count(void);
void ip6_reass_flush(void);

/* Sends the packet p (p->data = its IPv6 header, no extension headers) in fragments of at
 * most mtu bytes through send(dev, nexthop, fragment, now), each fresh from the pool with
 * a fragment header whose identification is random (RFC 7739). Takes ownership of p.
 * 0 or the first error. */
typedef int (*ip6_xmit_fn)(struct net_device *dev, const struct net_addr *nexthop,
			   struct pkb *p, uint64_t now);
int ip6_fragment(struct pkb *p, unsigned mtu, ip6_xmit_fn send, struct net_device *dev,
		 const struct net_addr *nexthop, uint64_t now);
/* A random 32-bit fragment identification (RFC 7739 5.1). */
uint32_t ip6_frag_id(void);

/* ---- path MTU (ip6/ip6_pmtu.c, RFC 8201) ---- */

#define IP6_PMTU_MAX 256
/* The path MTU known for dst, or 0 when none (the link's MTU holds). Forgets an entry
 * older than pmtu_expire_ms. */
unsigned ip6_pmtu_get(const struct net_addr *dst, uint64_t now);
/* Lowers dst's path MTU to mtu: never raised (RFC 8201 4), never below 1280 (-EINVAL),
 * never above link_mtu. 1 if lowered, 0 if not (a refresh), or -EINVAL. A full table
 * gives up its oldest entry. */
int ip6_pmtu_update(const struct net_addr *dst, unsigned mtu, unsigned link_mtu, uint64_t now);
size_t ip6_pmtu_count(void);
void ip6_pmtu_flush(void);
/* A packet too big message from ICMPv6 (p->data = its ICMPv6 header, length and checksum
 * checked; h its IPv6 header): valid only when it quotes a packet we sent (the quoted
 * source one of our addresses) with an MTU of at least 1280. p stays the caller's. 0 when
 * heeded (the path MTU lowered or refreshed, or already lower); -1 when refused and
 * counted. ICMPv6 then hands a heeded one to the transport that sent the quoted packet
 * (TCP lowers that connection's MSS); other connections to dst meet the new path MTU at
 * their next open, or are fragmented to it by ip6_output until their own packet too big
 * arrives. */
int ip6_pmtu_ptb_input(const struct pkb *p, const struct ip6_hdr *h, struct net_device *dev,
			uint64_t now);

/* AF_INET6's operations (ip6/ip6_family.c), registered by ip6_init. */
extern const struct net_family_ops ip6_family_ops;

#endif
