/* SPDX-License-Identifier: MIT */
/* ARP (RFC 826) for IPv4 over Ethernet: a cache with incomplete/reachable/stale entries,
 * resolution with retries, and a bounded queue of packets waiting for each resolution. */
#ifndef ARP_ARP_H
#define ARP_ARP_H

#include "net/perstack.h"
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "net/loop.h"
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

/* tx_probe, probe_conflicts, probes_free, tx_announce: RFC 5227 conflict detection
 * (arp_probe_start below): probes sent, probes that found the address in use, probes that
 * found it free, announcements sent after one. tx_gratuitous: arp_announce's.
 * queue_dropped_full: a full queue drops its oldest packet (the newest is more useful).
 * rx_bogus_sender: sender 0.0.0.0 (a probe: answered, not cached), a group sender MAC, or a
 * broadcast, multicast or own sender address. refresh_failed: a stale entry's unicast
 * refresh went unanswered (entry removed). entries_expired: stale and unused, removed. */
#define ARP_COUNTERS(X)                                                                    \
	X(rx) X(rx_short) X(rx_bad_format) X(rx_request) X(rx_reply) X(rx_bad_op)          \
	X(rx_not_for_us) X(rx_bogus_sender) X(tx_request) X(tx_reply) X(tx_gratuitous)     \
	X(resolve_failed) X(queue_dropped_full) X(queue_dropped_unresolved)                \
	X(cache_full) X(request_rate_limited) X(entries_created) X(rx_unsolicited_reply)   \
	X(refresh_failed) X(entries_expired) X(queue_dropped_addr_gone) X(tx_probe)         \
	X(probe_conflicts) X(probes_free) X(tx_announce) X(tx_request_mq_twice)
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

/* ---- RFC 5227 address conflict detection (arp/arp_probe.c) ----
 * Before an address is used, probes (ARP requests from 0.0.0.0 asking for it) go out; any
 * ARP packet from another MAC whose sender address is the candidate, or another host's
 * probe for the same candidate, while probing means it is in use. Once the address is in
 * place the owner has it announced (requests with sender and target set to it). */

/* RFC 5227 1.1's constants, in milliseconds; arp_probe_rfc5227 has its values. The whole
 * probe takes wait_ms * U(0,1) + (num - 1) * U(min_ms, max_ms) + announce_wait_ms:
 * 4 to 7 s with the RFC's values. */
struct arp_probe_timing {
	unsigned wait_ms;              /* PROBE_WAIT: random delay before the first probe (1 s) */
	unsigned num;                  /* PROBE_NUM: probes (3); 0: the address is free at once */
	unsigned min_ms, max_ms;       /* PROBE_MIN, PROBE_MAX: random gap between probes (1-2 s) */
	unsigned announce_wait_ms;     /* ANNOUNCE_WAIT: quiet after the last probe (2 s) */
	unsigned announce_num;         /* ANNOUNCE_NUM: announcements (2) */
	unsigned announce_interval_ms; /* ANNOUNCE_INTERVAL: between them (2 s) */
};
extern const struct arp_probe_timing arp_probe_rfc5227;

enum arp_probe_state {
	ARP_PROBE_IDLE,       /* not started, stopped, conflicted, or announced */
	ARP_PROBE_PROBING,    /* waiting, probing, or in the quiet after the last probe */
	ARP_PROBE_FREE,       /* nobody answered: the owner may configure the address */
	ARP_PROBE_ANNOUNCING, /* the address is in place: announcements going out */
};

struct arp_probe;
/* The probe's verdict, from the loop with the lock held: conflict 0 (free: the owner
 * configures the address, then calls arp_probe_announce or arp_probe_stop) or 1 (in use by
 * pr->conflict_hw; the probe is IDLE again). The function may start or stop probes. */
typedef void (*arp_probe_fn)(struct arp_probe *pr, int conflict, void *arg, uint64_t now);

/* One probe, owned by the caller (no allocation; zeroed before its first use); the fields
 * are read-only to it. */
struct arp_probe {
	LIST_ENTRY(arp_probe) link;    /* on the stack's list while not IDLE */
	struct net_device *dev;
	uint32_t addr;                 /* the candidate, network order */
	struct arp_probe_timing t;
	enum arp_probe_state state;
	unsigned sent;                 /* probes (PROBING) or announcements (ANNOUNCING) sent */
	uint64_t rng;                  /* xorshift64 state for the random delays */
	uint8_t conflict_hw[6];        /* who has the address (after a conflict) */
	int conflict_by_probe;         /* that host was probing for it too */
	struct net_timer timer;
	arp_probe_fn done;
	void *arg;
};

/* Probes for addr on dev (an Ethernet device); done tells the verdict. seed feeds the
 * random delays. A probe already running is stopped first. 0, or -EINVAL (not an
 * Ethernet device with ARP, or addr 0 or broadcast). */
int arp_probe_start(struct arp_probe *pr, struct net_device *dev, uint32_t addr,
		    const struct arp_probe_timing *t, uint64_t seed, arp_probe_fn done, void *arg,
		    uint64_t now);
/* After a FREE verdict, with the address in place: the first announcement now, the rest
 * announce_interval_ms apart, then IDLE. Until then arp_announce leaves the address to the
 * probe (no extra gratuitous ARP). Does nothing in another state. */
void arp_probe_announce(struct arp_probe *pr, uint64_t now);
/* Stops pr in any state (idempotent; done is not called). */
void arp_probe_stop(struct arp_probe *pr);
/* From arp_input: a packet on dev (parsed, sender not garbage) checked against the probes
 * under way; a conflict ends its probe and calls done. */
void arp_probe_input(struct net_device *dev, const struct arp_pkt *a, uint64_t now);
/* Stops every probe (arp_shutdown). */
void arp_probe_stop_all(void);
/* 1 if a FREE or ANNOUNCING probe will announce addr on dev itself. */
int arp_probe_announces(const struct net_device *dev, uint32_t addr);
/* Builds an ARP packet with dev's MAC as sender and hands it to ether_output (internal to
 * arp/: arp.c and arp_probe.c). */
int arp_send(struct net_device *dev, uint16_t op, const uint8_t eth_dst[6], uint32_t spa,
	     const uint8_t tha[6], uint32_t tpa, uint64_t now);

/* For tests and --stats: state of a cache entry. */
enum arp_state { ARP_NONE = 0, ARP_INCOMPLETE, ARP_REACHABLE, ARP_STALE };
enum arp_state arp_cache_lookup(uint32_t addr, uint8_t hw_out[6]);
size_t arp_cache_count(void);
/* Calls fn for every cache entry (`ustack ctl neigh`); hw is meaningful unless INCOMPLETE. */
void arp_cache_foreach(void (*fn)(uint32_t addr, const struct net_device *dev,
				  enum arp_state state, const uint8_t hw[6], void *arg), void *arg);

#endif
