/* SPDX-License-Identifier: MIT */
/* Neighbour discovery (RFC 4861) for IPv6 over Ethernet: neighbour solicitation and
 * advertisement, the neighbour cache with its INCOMPLETE, REACHABLE, STALE, DELAY and
 * PROBE states and unreachability detection, and a bounded queue of packets awaiting each
 * resolution. It sits above ip6/: ip6_output reaches it through the resolver it registers
 * (nd_output), ICMPv6 through the handler of types 133 to 137 (nd_input).
 *
 * Router discovery, SLAAC and redirects are nd/nd_router.c, duplicate address detection
 * of our own addresses nd/nd_dad.c, MLDv2 reports for the groups we join nd/mld.c. */
#ifndef ND_ND_H
#define ND_ND_H

#include "net/perstack.h"
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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
	ND_PARSE_TYPE = -5,        /* neither NS nor NA (RA, redirect: not that type) */
	ND_PARSE_OPTBAD = -6,      /* a prefix, MTU or link-layer option of the wrong length */
};
/* b: the ICMPv6 message (its checksum is ICMPv6's to check). */
int nd_parse(const uint8_t *b, size_t len, struct nd_msg *out);
/* Counts why a parser (nd_parse, nd_ra_parse, nd_redirect_parse) refused a message:
 * nd.rx_bad_code, rx_bad_optlen, rx_mcast_target or rx_short. */
void nd_count_parse_err(int rc);
/* Writes an NS or NA (with its link-layer option when has_lla), checksum field zero;
 * returns 24 or 32, or 0 if cap is too small. */
size_t nd_emit(const struct nd_msg *m, uint8_t *b, size_t cap);

/* A router advertisement (4.2) with the options a host uses (4.6). */
#define ND_RA_LEN 16               /* ICMPv6 header, reachable time, retrans timer */
#define ND_RS_LEN 8
#define ND_REDIRECT_LEN 40
#define ND_OPT_PREFIX 3
#define ND_OPT_REDIRECTED 4
#define ND_OPT_MTU 5
#define ND_OPT_RDNSS 25            /* RFC 8106 5.1 */
#define ND_OPT_DNSSL 31            /* RFC 8106 5.2 */
#define ND_RA_MANAGED 0x80
#define ND_RA_OTHER 0x40
#define ND_PFX_ONLINK 0x80         /* L */
#define ND_PFX_AUTO 0x40           /* A */
#define ND_LIFETIME_INFINITE 0xffffffffu
#define ND_RA_PREFIX_MAX 8         /* prefix options read per RA; more are counted */
#define ND_RA_DNS_MAX 4            /* RDNSS addresses, and DNSSL domains, read per RA */
#define ND_DNS_NAME_MAX 254        /* a DNSSL domain as text, its NUL included */
struct nd_ra_prefix {
	struct net_addr prefix;
	uint8_t plen;
	uint8_t flags;             /* ND_PFX_* */
	uint32_t valid_s, preferred_s;
};
struct nd_ra {
	uint8_t cur_hlim;
	uint8_t flags;             /* ND_RA_* */
	uint16_t lifetime_s;       /* as a default router; 0: not one */
	uint32_t reachable_ms, retrans_ms;
	int has_slla;
	uint8_t slla[6];
	uint32_t mtu;              /* 0: no MTU option */
	unsigned npfx, pfx_over;   /* prefixes read, and those past ND_RA_PREFIX_MAX */
	struct nd_ra_prefix pfx[ND_RA_PREFIX_MAX];
	/* RFC 8106: recursive DNS servers and the DNS search list, each with its option's
	 * lifetime (s); a malformed RDNSS or DNSSL option is skipped alone and counted in
	 * dns_bad (5.1, 5.2: "MUST be ignored"), entries past ND_RA_DNS_MAX in dns_over */
	unsigned nrdnss, ndnssl, dns_bad, dns_over;
	struct net_addr rdnss[ND_RA_DNS_MAX];
	uint32_t rdnss_life_s[ND_RA_DNS_MAX];
	char dnssl[ND_RA_DNS_MAX][ND_DNS_NAME_MAX];
	uint32_t dnssl_life_s[ND_RA_DNS_MAX];
};
int nd_ra_parse(const uint8_t *b, size_t len, struct nd_ra *out);
/* An RA with its source link-layer, MTU and prefix options (tests, and what a router would
 * send); checksum zero. Length written, 0 if cap is too small. */
size_t nd_ra_emit(const struct nd_ra *ra, uint8_t *b, size_t cap);
/* An RS, with a source link-layer option when slla is not NULL. */
size_t nd_rs_emit(const uint8_t *slla, uint8_t *b, size_t cap);

/* A redirect (4.5): use target as the first hop for dst (target == dst: it is on-link). */
struct nd_redirect {
	struct net_addr target, dst;
	int has_lla;
	uint8_t lla[6];
};
int nd_redirect_parse(const uint8_t *b, size_t len, struct nd_redirect *out);
size_t nd_redirect_emit(const struct nd_redirect *r, uint8_t *b, size_t cap);

struct nd_config_s {
	unsigned reachable_ms;          /* REACHABLE -> STALE (RFC 4861 10: 30 s) */
	unsigned retrans_ms;            /* between solicitations (1 s) */
	unsigned max_multicast_solicit; /* INCOMPLETE: solicitations before giving up (3) */
	unsigned max_unicast_solicit;   /* PROBE: the same (3) */
	unsigned delay_first_probe_ms;  /* DELAY -> PROBE (5 s) */
	unsigned stale_gc_ms;           /* STALE and unused this long: removed (60 s) */
	unsigned queue_max;             /* packets waiting per entry (8) */
	unsigned cache_max;             /* entries (1024) */
	/* router discovery (RFC 4861 6.3.7, 10) and SLAAC (RFC 4862) */
	unsigned accept_ra;             /* 0: no RS sent, RAs counted and ignored (1) */
	unsigned rtr_solicits;          /* MAX_RTR_SOLICITATIONS (3) */
	unsigned rtr_solicit_interval_ms; /* RTR_SOLICITATION_INTERVAL (4 s) */
	unsigned rtr_solicit_delay_ms;  /* MAX_RTR_SOLICITATION_DELAY: random 0..this (1 s) */
	unsigned routers_max;           /* default router list (8) */
	unsigned prefixes_max;          /* on-link prefix list (16) */
	unsigned redirects_max;         /* destinations redirected (64) */
	/* duplicate address detection (RFC 4862 5.4) */
	unsigned dad_transmits;         /* DupAddrDetectTransmits; 0: no DAD (1) */
	unsigned dad_delay_ms;          /* random 0..this before the first NS (1 s) */
	unsigned idgen_retries;         /* RFC 7217 IDGEN_RETRIES for SLAAC addresses (3) */
};
PERSTACK_EXTERN(struct nd_config_s, nd_config);
#define nd_config PERSTACK_REF(struct nd_config_s, nd_config)

/* `--nd NAME=V,...` (nd/nd_sysctl.c): 0, -ENOENT (no such name), -EINVAL, -ERANGE; bad
 * gets the item at fault. nd_config_list prints every knob with its value. */
int nd_config_parse(const char *spec, char *bad, size_t badlen);
void nd_config_list(FILE *out);

/* Drops of received NS/NA, one counter per reason: rx_bad_hlim (not 255), rx_bad_code,
 * rx_short, rx_bad_optlen, rx_mcast_target, rx_bad_dad (an NS from :: not to a
 * solicited-node group, or with a source link-layer option), rx_na_mcast_solicited (an
 * NA to a multicast address with S set), rx_not_our_target, rx_na_unsolicited (no entry
 * for it), rx_na_our_addr (someone claims our address), rx_no_lla (an NS from a unicast
 * source without its link-layer address, on a link that needs it), rx_tentative_target
 * (an NS for an address still in DAD: not answered). Router discovery: rx_ra_bad_src (not
 * link-local), rx_ra_ignored (accept_ra 0), rx_ra_bad_mtu, rx_pfx_ignored (a link-local
 * prefix, preferred over valid, A with a length not 64, past ND_RA_PREFIX_MAX),
 * ra_list_full (no room for a router or prefix), rx_ra_dns_bad (a malformed RDNSS or
 * DNSSL option: a length RFC 8106 does not allow, a multicast or link-local-less server,
 * a domain that is not a name; the option is skipped, the rest of the RA taken),
 * rx_ra_dns_over (servers or domains past ND_RA_DNS_MAX in one RA, or past the room
 * kept), dns_expired (a server or domain whose lifetime ran out), rx_redirect_refused (not from the first
 * hop, or not link-local). DAD: dad_ok, dad_conflicts. The checksum is
 * icmp6.in_csum_errors. */
#define ND_COUNTERS(X)                                                                     \
	X(rx_ns) X(rx_na) X(rx_other) X(rx_bad_hlim) X(rx_bad_code) X(rx_short)             \
	X(rx_bad_optlen) X(rx_mcast_target) X(rx_bad_dad) X(rx_na_mcast_solicited)          \
	X(rx_not_our_target) X(rx_na_unsolicited) X(rx_na_our_addr) X(rx_no_lla)           \
	X(tx_ns) X(tx_na) X(tx_dad_reply) X(resolve_failed) X(probe_failed)                 \
	X(queue_dropped_full) X(queue_dropped_unresolved) X(cache_full) X(entries_created)  \
	X(entries_expired) X(out_multicast) X(rx_tentative_target)                          \
	X(rx_rs) X(rx_ra) X(rx_ra_bad_src) X(rx_ra_ignored) X(rx_ra_bad_mtu)                \
	X(rx_pfx_ignored) X(ra_list_full) X(tx_rs) X(routers_added) X(routers_expired)      \
	X(prefixes_added) X(prefixes_expired) X(slaac_added) X(slaac_expired)               \
	X(slaac_deprecated) X(rx_redirect) X(rx_redirect_refused) X(redirects_accepted)     \
	X(tx_dad_ns) X(dad_ok) X(dad_conflicts) X(rx_ra_dns_bad) X(rx_ra_dns_over)          \
	X(dns_added) X(dns_expired)
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

/* Learns a neighbour's MAC from an NS, RA or redirect (7.2.3, 6.3.4, 8.3). */
void nd_neigh_learn(struct net_device *dev, const struct net_addr *src, const uint8_t lla[6],
		    uint64_t now);
/* Sends an ND message (p->data = the ICMPv6 header) from src to dst on dev with hop
 * limit 255. Takes ownership of p. */
int nd_send_pkb(struct net_device *dev, struct pkb *p, const struct net_addr *src,
		const struct net_addr *dst, uint64_t now);

/* ---- nd_router.c: router discovery, SLAAC, redirects ---- */
void nd_router_init(void);
void nd_router_shutdown(void);
void nd_ra_input(struct pkb *p, const struct ip6_hdr *h, struct net_device *dev,
		 uint64_t now);
void nd_redirect_input(struct pkb *p, const struct ip6_hdr *h, struct net_device *dev,
		       uint64_t now);
/* Starts soliciting routers on dev (after its link-local address passed DAD). */
void nd_rs_start(struct net_device *dev, uint64_t now);
/* SLAAC: a new address for prefix after a duplicate, with the next DAD counter; lifetimes
 * as absolute ms (0: forever). */
int nd_slaac_form(struct net_device *dev, const struct net_addr *prefix, unsigned dad_count,
		  uint64_t preferred_until, uint64_t valid_until);
/* The neighbour addr on dev proved unreachable (its entry went): if it is a default
 * router, routes through it are stale (router selection prefers the reachable, 6.3.6),
 * so the routing generation moves and cached routes look again (7.3.3). */
void nd_router_unreachable(struct net_device *dev, const struct net_addr *addr);
/* The routers and prefixes learnt (`ctl`, tests). expires: ms, 0 forever. */
void nd_router_foreach(void (*fn)(const struct net_device *dev, const struct net_addr *addr,
				  uint64_t expires, void *arg), void *arg);
void nd_prefix_foreach(void (*fn)(const struct net_device *dev, const struct net_addr *pfx,
				  unsigned plen, uint64_t expires, void *arg), void *arg);
/* RFC 8106: the DNS servers (RDNSS) and search domains (DNSSL) learnt from RAs, at most
 * ND_DNS_KEEP of each, with their lifetimes (a lifetime 0 removes one; the life timer
 * expires them). fn, when set, is called (under the stack's lock, on its thread) each
 * time either list changes; it reads them with nd_dns_servers and nd_dns_domains. nd/
 * knows no resolver: apps/ registers the function that hands them on. The hook is the
 * process's, the lists each stack's. */
#define ND_DNS_KEEP 4
void nd_set_dns_hook(void (*fn)(void));
/* The servers, oldest first: addresses and, for link-local ones, ifindex[i] their device
 * (may be NULL); the count, at most max. */
unsigned nd_dns_servers(struct net_addr *out, int *ifindex, unsigned max);
/* The domains, oldest first; the count, at most max. */
unsigned nd_dns_domains(char out[][ND_DNS_NAME_MAX], unsigned max);

/* The random draws of RS and DAD delays (xorshift64, seeded at nd_init). */
uint64_t nd_random(void);

/* ---- nd_dad.c: duplicate address detection (RFC 4862 5.4) ---- */
void nd_dad_start(struct net_device *dev, const struct net_addr *addr);
/* Another node holds our tentative address (why: "NA" or "DAD NS"). */
void nd_dad_conflict(struct net_device *dev, const struct net_addr *addr, const char *why,
		     uint64_t now);
void nd_dad_shutdown(void);

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
