/* SPDX-License-Identifier: MIT */
/* Neighbour discovery (RFC 4861) for IPv6 over Ethernet: neighbour solicitation and
 * advertisement, the neighbour cache with its INCOMPLETE, REACHABLE, STALE, DELAY and
 * PROBE states and unreachability detection, and a bounded queue of packets awaiting each
 * resolution. It sits above ip6/: ip6_output reaches it through the resolver it registers
 * (nd_output), ICMPv6 through the handler of types 133 to 137 (nd_input).
 *
 * Not here yet: router solicitation and advertisement, redirects, SLAAC and DAD of our
 * own addresses, MLD reports. */
#ifndef ND_ND_H
#define ND_ND_H

#include "net/perstack.h"
#include <stddef.h>
#include <stdint.h>

#include "ip6/ip6.h"
#include "net/netdev.h"

#define ND_HLIM 255            /* RFC 4861 7.1: every ND message, sent and received */
#define ND_NA_ROUTER 0x80000000u
#define ND_NA_SOLICITED 0x40000000u
#define ND_NA_OVERRIDE 0x20000000u
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2
#define ND_NS_NA_LEN 24        /* ICMPv6 header, reserved or flags, target */

/* A parsed NS or NA. */
struct nd_msg {
	uint8_t type;              /* ICMP6_ND_NS or ICMP6_ND_NA */
	uint32_t flags;            /* NA: ND_NA_* */
	struct net_addr target;
	int has_lla;               /* a source (NS) or target (NA) link-layer address option */
	uint8_t lla[6];
};

enum nd_parse_err {
	ND_PARSE_OK = 0,
	ND_PARSE_SHORT = -1,       /* shorter than 24 bytes */
	ND_PARSE_CODE = -2,        /* ICMPv6 code not 0 */
	ND_PARSE_OPTLEN = -3,      /* an option of length 0 or past the message */
	ND_PARSE_TARGET = -4,      /* a multicast target */
	ND_PARSE_TYPE = -5,        /* neither NS nor NA */
};
/* b: the ICMPv6 message (its checksum is ICMPv6's to check). */
int nd_parse(const uint8_t *b, size_t len, struct nd_msg *out);
/* Writes an NS or NA (with its link-layer option when has_lla), checksum field zero;
 * returns 24 or 32, or 0 if cap is too small. */
size_t nd_emit(const struct nd_msg *m, uint8_t *b, size_t cap);

struct nd_config_s {
	unsigned reachable_ms;          /* REACHABLE -> STALE (RFC 4861 10: 30 s) */
	unsigned retrans_ms;            /* between solicitations (1 s) */
	unsigned max_multicast_solicit; /* INCOMPLETE: solicitations before giving up (3) */
	unsigned max_unicast_solicit;   /* PROBE: the same (3) */
	unsigned delay_first_probe_ms;  /* DELAY -> PROBE (5 s) */
	unsigned stale_gc_ms;           /* STALE and unused this long: removed (60 s) */
	unsigned queue_max;             /* packets waiting per entry (8) */
	unsigned cache_max;             /* entries (1024) */
};
PERSTACK_EXTERN(struct nd_config_s, nd_config);
#define nd_config PERSTACK_REF(struct nd_config_s, nd_config)

/* Drops of received NS/NA, one counter per reason: rx_bad_hlim (not 255), rx_bad_code,
 * rx_short, rx_bad_optlen, rx_mcast_target, rx_bad_dad (an NS from :: not to a
 * solicited-node group, or with a source link-layer option), rx_na_mcast_solicited (an
 * NA to a multicast address with S set), rx_not_our_target, rx_na_unsolicited (no entry
 * for it), rx_na_our_addr (someone claims our address), rx_no_lla (an NS from a unicast
 * source without its link-layer address, on a link that needs it). The checksum is
 * icmp6.in_csum_errors. */
#define ND_COUNTERS(X)                                                                     \
	X(rx_ns) X(rx_na) X(rx_other) X(rx_bad_hlim) X(rx_bad_code) X(rx_short)             \
	X(rx_bad_optlen) X(rx_mcast_target) X(rx_bad_dad) X(rx_na_mcast_solicited)          \
	X(rx_not_our_target) X(rx_na_unsolicited) X(rx_na_our_addr) X(rx_no_lla)           \
	X(tx_ns) X(tx_na) X(tx_dad_reply) X(resolve_failed) X(probe_failed)                 \
	X(queue_dropped_full) X(queue_dropped_unresolved) X(cache_full) X(entries_created)  \
	X(entries_expired) X(out_multicast)
STATS_DECLARE(nd, ND_COUNTERS);
#define nd_stats STATS_REF(nd)

enum nd_state { ND_NONE = 0, ND_INCOMPLETE, ND_REACHABLE, ND_STALE, ND_DELAY, ND_PROBE };
const char *nd_state_name(enum nd_state s);

/* Registers with ip6/ (resolver, ICMPv6 handler). */
int nd_init(void);
/* Frees the cache and its queues (exit, tests). */
void nd_shutdown(void);
/* An ND message (p->data = ICMPv6 header, checked). Takes ownership of p. */
void nd_input(struct pkb *p, const struct ip6_hdr *h, unsigned nh_len, struct net_device *dev,
	      uint64_t now);
/* Sends p (p->data = the IPv6 header) to nexthop on the Ethernet device dev: a multicast
 * group at once to its 33:33 address, a neighbour through the cache (queued while it
 * resolves). Takes ownership of p. */
int nd_output(struct net_device *dev, const struct net_addr *nexthop, struct pkb *p,
	      uint64_t now);
/* An upper layer's proof that the neighbour is reachable (RFC 4861 7.3.1: TCP's ACKs of
 * new data, once TCP speaks IPv6): STALE, DELAY or PROBE -> REACHABLE. */
void nd_confirm(struct net_device *dev, const struct net_addr *addr, uint64_t now);

/* For tests and `ctl`: the state of addr's entry on dev, and its MAC. */
enum nd_state nd_cache_lookup(const struct net_device *dev, const struct net_addr *addr,
			      uint8_t lla[6]);
size_t nd_cache_count(void);
/* Calls fn for every cache entry (`ustack ctl neigh`); lla is meaningful unless
 * INCOMPLETE. */
void nd_cache_foreach(void (*fn)(const struct net_addr *addr, const struct net_device *dev,
				 enum nd_state state, const uint8_t lla[6], void *arg),
		      void *arg);

#endif
