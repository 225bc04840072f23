/* SPDX-License-Identifier: MIT */
/* Packet buffers. One type for every layer: the data pointer moves back into the headroom
 * as each layer below prepends its header, and forward as each layer above strips one, so
 * no layer copies a packet. Buffers of the common size come from a pool, so the hot path
 * does not call malloc per packet; larger ones (reassembled datagrams) are allocated.
 *
 * Ownership: a function that takes a `struct pkb *` owns it afterwards unless its comment
 * says otherwise; it must pass it on or free it exactly once. All pkb calls happen under
 * the stack lock (net_lock). */
#ifndef NET_PKB_H
#define NET_PKB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "net/stats.h"

#define PKB_HEADROOM 192          /* room for link + IP + TCP headers with options */
#define PKB_POOL_BUF_SIZE 2048    /* headroom + a full Ethernet frame */
#define PKB_MAX_DATA (256 * 1024) /* the largest buffer pkb_alloc will make */
/* The second pool size class: headroom + a 64 KB GSO super-frame (IP's 65535 bytes, the
 * link header and slack), for devices with segmentation offload. Bounded like the small
 * pool, so a TSO/GRO path costs no malloc per packet either. */
#define PKB_LARGE_BUF_SIZE (PKB_HEADROOM + 65536 + 256)

/* Checksum state of a frame (p->csum). */
enum pkb_csum {
	PKB_CSUM_NONE = 0,  /* the bytes carry full checksums: verify them on input */
	PKB_CSUM_VALID,     /* input: the kernel vouched for the data (virtio DATA_VALID) */
	PKB_CSUM_PARTIAL,   /* the field at csum_start + csum_offset holds only the pseudo-
	                     * header sum; the rest is to be summed from csum_start to the end
	                     * (on input: the local kernel's data, trusted like VALID) */
};

struct net_device;

struct pkb {
	uint8_t *head;           /* start of the storage */
	uint8_t *data;           /* first byte of the current layer */
	size_t len;              /* bytes from data */
	size_t cap;              /* bytes of storage from head */
	int refcnt;
	uint8_t pooled;           /* 0: malloc'd, 1: small pool, 2: large pool */
	uint8_t csum;             /* enum pkb_csum */
	uint16_t csum_offset;     /* PARTIAL: the checksum field's offset from csum_start */
	uint32_t csum_start;      /* PARTIAL: from p->head, so it survives push and pull */
	uint16_t gso_size;        /* >0: a TCP super-segment the device cuts into gso_size
	                           * payloads (TSO), set by TCP for a device with NET_DEV_F_TSO
	                           * (IPv4) or NET_DEV_F_TSO6 (IPv6) */
	uint16_t proto;           /* ethertype of the payload, set by the link layer */
	struct net_device *dev;   /* receiving device, or device chosen for output */
	uint64_t time;            /* when it was read (ms), set by net_device_input */
	TAILQ_ENTRY(pkb) link;    /* for the queue that currently holds it, if any */
	uint8_t cb[48];           /* scratch for the layer that owns it (e.g. reassembly) */
};

TAILQ_HEAD(pkb_queue, pkb);

#define PKB_COUNTERS(X) X(alloc) X(alloc_large) X(alloc_fail) X(free) X(pool_hit) \
	X(large_pool_hit) X(large_pool_miss) X(pool_cached) X(large_pool_cached) X(pool_trimmed)
/* pool_cached and large_pool_cached are gauges (buffers kept on the free lists now);
 * pool_trimmed counts cached buffers given back by pkb_pool_trim. */
STATS_DECLARE(pkb, PKB_COUNTERS);
#define pkb_stats STATS_REF(pkb)

/* A buffer with `size` bytes of data room after `headroom`; len is 0. NULL when out of memory. */
struct pkb *pkb_alloc_headroom(size_t headroom, size_t size);
/* The usual case: PKB_HEADROOM, then size bytes. */
struct pkb *pkb_alloc(size_t size);
/* A new buffer holding a copy of `len` bytes. */
struct pkb *pkb_from_bytes(const void *bytes, size_t len);
/* A full private copy (data only, same headroom). */
struct pkb *pkb_copy(const struct pkb *p);
void pkb_ref(struct pkb *p);
/* Drops one reference; the last one returns the buffer to the pool. NULL is allowed. */
void pkb_free(struct pkb *p);
void pkb_queue_purge(struct pkb_queue *q);

/* Prepends n bytes (returns the new data pointer, NULL if there is no headroom). */
uint8_t *pkb_push(struct pkb *p, size_t n);
/* Strips n bytes from the front (NULL if the buffer is shorter). */
uint8_t *pkb_pull(struct pkb *p, size_t n);
/* Appends n bytes at the tail (NULL if there is no tailroom). */
uint8_t *pkb_put(struct pkb *p, size_t n);
/* Cuts the data to len bytes (no-op when already shorter). */
void pkb_trim(struct pkb *p, size_t len);
static inline size_t pkb_headroom(const struct pkb *p) { return (size_t)(p->data - p->head); }
static inline size_t pkb_tailroom(const struct pkb *p) { return p->cap - pkb_headroom(p) - p->len; }

/* Marks the checksum partial: the field at `field` (a pointer into p's data) is to be
 * completed over the bytes from `start` to the end of the data. */
void pkb_csum_set_partial(struct pkb *p, const uint8_t *start, const uint8_t *field);
/* Finishes a partial checksum in place, as hardware (or the kernel's skb_checksum_help)
 * would, and marks p NONE. 0, or -EINVAL if the offsets lie outside the data (p is left
 * as it was). A no-op for frames that are not partial. */
int pkb_csum_complete(struct pkb *p);

/* Pool limits and accounting. */
void pkb_pool_set_max(size_t nbuffers); /* buffers kept for reuse (default 4096) */
void pkb_large_pool_set_max(size_t nbuffers); /* large buffers kept (default 64) */
size_t pkb_outstanding(void);          /* live buffers: tests assert 0 at the end */
void pkb_pool_drain(void);             /* frees the cached buffers (at exit, for leak checkers) */
/* Gives back the cached buffers no allocation took since the last call (the free lists'
 * low-water marks), keeping PKB_POOL_KEEP small and PKB_LARGE_POOL_KEEP large ones; called
 * once a second after a load (net/mem.c). Returns 1 if buffers beyond those are cached. */
int pkb_pool_trim(void);
/* Whether the free lists hold more than pkb_pool_trim keeps. */
int pkb_pool_reclaimable(void);
#define PKB_POOL_KEEP 64
#define PKB_LARGE_POOL_KEEP 2

#endif
