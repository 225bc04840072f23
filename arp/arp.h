/* SPDX-License-Identifier: MIT */
/* ARP (RFC 826) for IPv4 over Ethernet: a cache with incomplete/reachable/stale entries,
 * resolution with retries, and a bounded queue of packets waiting for each resolution. */
#ifndef ARP_ARP_H
#define ARP_ARP_H

#include "net/perstack.h"
#include <stddef.h>
#include <stdint.h>

#include "net/netdev.h"

#define ARP_HRD_ETHER 1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2
#define ARP_PKT_LEN 28

/* An ARP packet for Ethernet/IPv4; addresses in network byte order. */
struct arp_pkt {
	uint16_t hrd, pro;
	uint8_t hln, pln;
	uint16_t op;
	uint8_t sha[6];
	uint32_t spa;
	uint8_t tha[6];
	uint32_t tpa;
};

/* 0 or -EINVAL (short, or not Ethernet/IPv4: hrd 1, pro 0x0800, hln 6, pln 4). */
int arp_parse(const uint8_t *b, size_t len, struct arp_pkt *out);
size_t arp_emit(const struct arp_pkt *a, uint8_t *b, size_t cap);

/* Tunables (defaults in arp.c), settable before arp_init or at any time. */
struct arp_config_s {
	unsigned reachable_ms;   /* reachable -> stale (default 30 s) */
	unsigned stale_gc_ms;    /* stale entries removed after this (default 60 s) */
	unsigned retry_ms;       /* resolution retry interval (1 s) */
	unsigned max_tries;      /* requests before giving up (3) */
	unsigned queue_max;      /* packets waiting per entry (8) */
	unsigned cache_max;      /* entries (1024) */
	unsigned req_min_gap_ms; /* at most one request per entry per this (1000 / max_tries) */
};
PERSTACK_EXTERN(struct arp_config_s, arp_config);
#define arp_config PERSTACK_REF(struct arp_config_s, arp_config)

/* queue_dropped_full: a full queue drops its oldest packet (the newest is more useful).
 * rx_bogus_sender: sender 0.0.0.0 (a probe: answered, not cached), a group sender MAC, or a
 * broadcast, multicast or own sender address. refresh_failed: a stale entry's unicast
 * refresh went unanswered (entry removed). entries_expired: stale and unused, removed. */
#define ARP_COUNTERS(X)                                                                    \
	X(rx) X(rx_short) X(rx_bad_format) X(rx_request) X(rx_reply) X(rx_bad_op)          \
	X(rx_not_for_us) X(rx_bogus_sender) X(tx_request) X(tx_reply) X(tx_gratuitous)     \
	X(resolve_failed) X(queue_dropped_full) X(queue_dropped_unresolved)                \
	X(cache_full) X(request_rate_limited) X(entries_created) X(rx_unsolicited_reply)   \
	X(refresh_failed) X(entries_expired) X(queue_dropped_addr_gone)
STATS_DECLARE(arp, ARP_COUNTERS);
#define arp_stats STATS_REF(arp)

int arp_init(void);
/* Frees the cache and its queues (exit and tests). */
void arp_shutdown(void);
/* An ARP packet from dev (Ethernet header stripped). Takes ownership of p. */
void arp_input(struct pkb *p, struct net_device *dev, uint64_t now);
/* Sends an IPv4 packet (p = IP header onward) to next hop `nexthop` on dev: at once if the
 * address is cached, else queued while a request goes out. Takes ownership of p. */
int arp_output(struct net_device *dev, uint32_t nexthop, struct pkb *p, uint64_t now);
/* Announces dev's addresses (gratuitous ARP), when a device comes up. */
void arp_announce(struct net_device *dev, uint64_t now);
/* dev's address addr is being removed: packets from it still waiting for a resolution on
 * dev are dropped (counted as queue_dropped_addr_gone), so none leaves from an address the
 * stack no longer has. The entries stay. */
void arp_addr_gone(struct net_device *dev, uint32_t addr);
/* Takes the packets still queued when a resolution fails (after max_tries requests), one
 * call each, oldest first: the handler owns p (IP header onward) and may send, as Linux's
 * ip_link_failure sends the source a Destination Host Unreachable. Registered from above
 * (icmp_init); without a handler they are freed. Every such packet is counted as
 * queue_dropped_unresolved either way. */
typedef void (*arp_unresolved_fn)(struct net_device *dev, struct pkb *p, uint64_t now);
void arp_set_unresolved_handler(arp_unresolved_fn fn);

/* For tests and --stats: state of a cache entry. */
enum arp_state { ARP_NONE = 0, ARP_INCOMPLETE, ARP_REACHABLE, ARP_STALE };
enum arp_state arp_cache_lookup(uint32_t addr, uint8_t hw_out[6]);
size_t arp_cache_count(void);
/* Calls fn for every cache entry (`ustack ctl neigh`); hw is meaningful unless INCOMPLETE. */
void arp_cache_foreach(void (*fn)(uint32_t addr, const struct net_device *dev,
				  enum arp_state state, const uint8_t hw[6], void *arg), void *arg);

#endif
