/* SPDX-License-Identifier: MIT */
/* Fragment queues: the part of reassembly that IPv4 (ip/reass.c) and IPv6
 * (ip6/ip6_reass.c) share.
 *
 * A packet being rebuilt is a struct fragq, the first member of the family's own record
 * (which adds the key: addresses, protocol). Its fragments are whole buffers sorted by
 * offset. Overlapping fragments discard the whole packet (RFC 5722; an exact duplicate is
 * ignored, as its erratum 3089 allows, and RFC 815's hole list is then not needed): the
 * packet is complete when the last fragment has fixed its length and the bytes held add up
 * to it. Each queue has its own timer, and a table keeps every queue of a family in a
 * hash and on an age list, under the family's caps on memory and on queues: over either
 * cap the oldest other queue is evicted (as Linux does), so a flood of junk fragments
 * costs old incomplete packets, not every new one; a packet that alone outgrows the memory
 * cap is discarded. The family parses and checks its headers, keys and hashes the queues,
 * builds the whole packet and counts each event in its own counters. */
#ifndef NET_FRAGQ_H
#define NET_FRAGQ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "net/loop.h"
#include "net/pkb.h"

#define FRAGQ_HASH_SIZE 64

/* What a family counts (fragq_family.count). */
enum fragq_event {
	FRAGQ_OK,           /* a packet rebuilt */
	FRAGQ_FAIL,         /* a packet given up, for any reason below */
	FRAGQ_TIMEOUT,      /* its time ran out */
	FRAGQ_TOO_MANY,     /* the cap on queues was hit */
	FRAGQ_MEM_EXCEEDED, /* the cap on memory was hit */
	FRAGQ_DUPLICATE,    /* an exact copy of a fragment held, ignored */
	FRAGQ_OVERLAP,      /* a fragment overlapping another: the packet is discarded */
	FRAGQ_INCONSISTENT, /* a length at odds with the last fragment's: likewise */
};

struct fragq_limits {
	unsigned timeout_ms; /* a queue is given up this long after its first fragment */
	size_t mem_max;      /* buffer bytes held by all the family's queues */
	unsigned max_queues; /* queues at once; 0 turns reassembly off */
};

struct fragq;

struct fragq_family {
	const char *what; /* "datagram" or "packet", for debug lines */
	void (*count)(enum fragq_event ev);
	void (*limits)(struct fragq_limits *out); /* the current stack's */
	/* A queue that timed out held fragment zero, `first`: the family sends its ICMP
	 * time exceeded quoting it. The queue is given up afterwards. */
	void (*timed_out)(struct pkb *first, uint64_t now);
};

/* The head of each fragment's cb scratch (a family's own fields may follow). */
struct fragq_cb {
	uint32_t off; /* payload offset in the packet, bytes */
	uint32_t len; /* payload bytes */
};

struct fragq {
	uint32_t id;     /* the identification, part of every family's key */
	int have_last;
	size_t total;    /* payload length, known once the last fragment came */
	size_t received; /* payload bytes held */
	size_t mem;      /* buffer bytes held */
	struct pkb_queue frags; /* sorted by offset, never overlapping */
	struct net_timer timer;
	struct fragq_table *table;
	LIST_ENTRY(fragq) hash_link;
	TAILQ_ENTRY(fragq) age_link;
};

LIST_HEAD(fragq_bucket, fragq);

struct fragq_table {
	const struct fragq_family *fam;
	struct fragq_bucket bucket[FRAGQ_HASH_SIZE];
	TAILQ_HEAD(fragq_age, fragq) age;
	size_t mem;   /* buffer bytes held by all queues */
	size_t count; /* queues */
};

/* Starts an empty table (a per-stack variable's init function). */
void fragq_table_init(struct fragq_table *t, const struct fragq_family *fam);

/* The chain a hash value picks: the family looks its key up there. */
static inline struct fragq_bucket *fragq_bucket(struct fragq_table *t, uint32_t hash)
{
	return &t->bucket[hash % FRAGQ_HASH_SIZE];
}

/* A new queue of `size` bytes (the family's record, struct fragq first) for id, in the
 * chain of `hash`, its timer running; the family fills in the rest of its key. Makes room
 * under the cap on queues first. NULL when there is none (no memory, or a cap of 0). */
struct fragq *fragq_create(struct fragq_table *t, size_t size, uint32_t hash, uint32_t id,
			   uint64_t now);

/* Adds p, whose cb the family has filled in: a struct fragq_cb (its payload is
 * [off, off + len) of the packet), then the family's own fields. It is the last fragment
 * unless `more`. Returns 1 when the packet is now complete (fragq_done after building
 * it), 0 when p is held, -1 when p was dropped, and with it the whole queue if p
 * contradicts it (an overlap, a length at odds, more than the memory cap). */
int fragq_add(struct fragq *q, struct pkb *p, int more);

/* The offset and length at the head of a fragment's cb. */
struct fragq_cb fragq_cb(const struct pkb *p);

/* The packet was rebuilt: counted, and the queue freed with its fragments. */
void fragq_done(struct fragq *q);
/* The packet is given up: counted, and the queue freed. */
void fragq_fail(struct fragq *q);
/* Frees every queue of the table, uncounted (the layer shuts down, or a test ends). */
void fragq_flush(struct fragq_table *t);

#endif
