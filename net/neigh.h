/* SPDX-License-Identifier: MIT */
/* Neighbour tables: the part of a neighbour cache that ARP (arp/arp.c) and neighbour
 * discovery (nd/nd.c) share.
 *
 * An entry maps a neighbour's address on a device to its hardware address, with the
 * protocol's state (its enum, stored as an int), one timer that the protocol arms for its
 * next step, and a bounded queue of packets waiting for the address to be resolved. A
 * table hashes its entries by address and refuses new ones past its cap instead of
 * evicting: a flood of requests or solicitations from made-up senders must not push out
 * the neighbours in use. On a full queue the oldest packet goes: a newer one carries the
 * sender's latest state (a TCP retransmission, a fresh ping), and the oldest is the
 * likeliest to be sent again anyway. The protocols keep their own state machines,
 * messages, limits and counters. */
#ifndef NET_NEIGH_H
#define NET_NEIGH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "net/addr.h"
#include "net/loop.h"
#include "net/netdev.h"
#include "net/pkb.h"

#define NEIGH_HASH_BUCKETS 256 /* a power of two; chains stay short up to a few thousand */

struct neigh {
	LIST_ENTRY(neigh) hlink;
	struct net_addr addr;
	struct net_device *dev;
	int state;               /* the protocol's enum arp_state or enum nd_state */
	uint8_t hw[6];           /* the neighbour's hardware address, once resolved */
	uint64_t since;          /* when the current state began */
	uint64_t used;           /* the last packet sent through it */
	unsigned tries;          /* requests or solicitations in the current resolution or probe */
	uint64_t last_req;       /* ARP's request gate: when the last request went out */
	int req_sent;            /* ... and whether one did */
	struct net_timer timer;
	struct pkb_queue queue;  /* packets waiting for resolution, oldest first */
	size_t qlen;
};

LIST_HEAD(neigh_bucket, neigh);

struct neigh_table {
	struct neigh_bucket buckets[NEIGH_HASH_BUCKETS]; /* all zero: empty */
	size_t n;
};

/* The entry for a on dev (on any device if dev is NULL), or NULL. */
struct neigh *neigh_find(struct neigh_table *t, const struct net_addr *a,
			 const struct net_device *dev);
/* A new entry in state with its timer set to fn(e), or NULL when the table holds cache_max
 * entries already or memory ran out (the caller counts it). */
struct neigh *neigh_create(struct neigh_table *t, size_t cache_max, const struct net_addr *a,
			   struct net_device *dev, int state, uint64_t now, net_timer_fn fn);
/* Frees e: its timer stops and its queue is freed uncounted (the caller counts it). */
void neigh_free(struct neigh_table *t, struct neigh *e);
/* Frees every entry (the stack is going away). */
void neigh_table_clear(struct neigh_table *t);
/* Queues p (now e's) at most queue_max deep. Returns 1 when that cost a packet: the
 * oldest, or p itself with queue_max 0; else 0. */
int neigh_queue_add(struct neigh *e, struct pkb *p, size_t queue_max);
/* Moves e's queue, oldest first, onto the end of q. */
void neigh_queue_take(struct neigh *e, struct pkb_queue *q);

#endif
