/* SPDX-License-Identifier: MIT */
/* Fixed-size object pools: control blocks without a malloc per connection. A pool takes
 * memory from malloc a slab at a time (per_slab objects at once) and keeps freed objects
 * on a free list for the next allocation; slabs go back to malloc only when the pool is
 * destroyed (stack shutdown). Reusing slots keeps long-lived objects packed together
 * instead of scattered between the holes that freed buffers leave in malloc's heap.
 * After a load, the reclaim pass (net/mem.c) gives back the slabs left wholly free, but
 * NET_POOL_KEEP_EMPTY of them, in the pools whose reclaim field is set (a pool joins the
 * current stack's list with its first slab: it must belong to that stack).
 *
 * Each slot carries a small header naming its pool while the object is live: freeing an
 * object twice, or into the wrong pool, aborts. Under AddressSanitizer a free object is
 * poisoned, so a use after free is still reported, and a pool destroyed with objects
 * still live keeps its slabs: the leak checker then reports them.
 *
 * Not locked: a pool belongs to one stack and is used under that stack's lock. */
#ifndef NET_POOL_H
#define NET_POOL_H

#include <stddef.h>
#include <stdint.h>

struct net_pool_slab;

struct net_pool {
	const char *name;
	size_t obj_size;       /* as asked */
	size_t slot_size;      /* header + object, rounded up to the alignment */
	unsigned per_slab;     /* objects in each slab */
	unsigned limit;        /* objects live at once (0: no limit of its own) */
	unsigned live;         /* objects allocated now */
	unsigned capacity;     /* objects the slabs hold */
	unsigned empty_slabs;  /* slabs with every slot free */
	int reclaim;           /* set by the owner: the reclaim pass trims it */
	void *free_list;       /* free slots, linked through their headers */
	struct net_pool_slab *slabs;
	uint64_t allocs, frees, slab_allocs, slab_frees, refused_limit, refused_nomem;
};

#define NET_POOL_KEEP_EMPTY 1 /* wholly free slabs the reclaim pass leaves to each pool */

/* Sets up an empty pool (no memory yet) for objects of obj_size bytes, per_slab of them
 * per slab (0: as many as fit in 64 KiB, at least 1). */
void net_pool_init(struct net_pool *p, const char *name, size_t obj_size, unsigned per_slab);
/* A zeroed object, or NULL at the limit (counted in refused_limit) or when malloc fails
 * for a new slab (refused_nomem). */
void *net_pool_alloc(struct net_pool *p);
/* Gives obj (from net_pool_alloc on p, or NULL) back for reuse. */
void net_pool_free(struct net_pool *p, void *obj);
/* Frees the slabs and leaves the pool empty, as net_pool_init did. With objects still
 * live it frees nothing (they may still be used, and the sanitizer's leak check reports
 * the slabs) and returns how many are live (the caller says so); 0 otherwise. */
unsigned net_pool_destroy(struct net_pool *p);
/* Bytes the slabs take from malloc. */
size_t net_pool_bytes(const struct net_pool *p);
/* Frees the slabs with every slot free, but keep_empty of them; returns the bytes freed.
 * Walks the free list once. */
size_t net_pool_trim(struct net_pool *p, unsigned keep_empty);

/* A registered pool has more wholly free slabs than it keeps. */
int net_pool_reclaimable(void);
/* Trims every registered pool (the reclaim timer's work); returns the bytes freed. */
size_t net_pool_reclaim(void);

#endif
