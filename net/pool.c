/* SPDX-License-Identifier: MIT */
/* Fixed-size object pools in slabs (net/pool.h). */
#include "net/perstack.h"
#include "net/pool.h"

#include <stdlib.h>
#include <string.h>

#include "net/log.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POOL_POISON(a, n) ASAN_POISON_MEMORY_REGION((a), (n))
#define POOL_UNPOISON(a, n) ASAN_UNPOISON_MEMORY_REGION((a), (n))
#else
#define POOL_POISON(a, n) ((void)(a), (void)(n))
#define POOL_UNPOISON(a, n) ((void)(a), (void)(n))
#endif

#define POOL_ALIGN 16u          /* malloc's alignment on x86-64: any object fits */
#define POOL_SLAB_BYTES 65536u  /* default slab size when per_slab is 0 */

/* The header in front of each object: its pool while live, the next free slot while
 * free, and its slab. It stays unpoisoned; only the object behind it is poisoned when
 * free. */
struct pool_hdr {
	union {
		struct net_pool *owner;
		void *next_free;
	};
	struct net_pool_slab *slab;
};
_Static_assert(sizeof(struct pool_hdr) <= POOL_ALIGN, "pool header larger than its room");

struct net_pool_slab {
	struct net_pool_slab *next;
	unsigned nfree;  /* its slots on the free list */
	int doomed;      /* being given back by net_pool_trim */
	unsigned char slots[]; /* per_slab slots of slot_size bytes */
};
_Static_assert(sizeof(struct net_pool_slab) % POOL_ALIGN == 0, "slab header misaligns slots");

/* The pools the reclaim pass trims (net_pool_reclaim_register), per stack. */
#define POOL_RECLAIM_MAX 8
PERSTACK_STATIC(struct net_pool *[POOL_RECLAIM_MAX], reclaim_pools)
#define reclaim_pools PERSTACK_REF(struct net_pool *[POOL_RECLAIM_MAX], reclaim_pools)

void net_pool_init(struct net_pool *p, const char *name, size_t obj_size, unsigned per_slab)
{
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->obj_size = obj_size;
	p->slot_size = (POOL_ALIGN + obj_size + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1);
	if (per_slab == 0) {
		per_slab = (unsigned)(POOL_SLAB_BYTES / p->slot_size);
		if (per_slab == 0)
			per_slab = 1;
	}
	p->per_slab = per_slab;
}

static size_t slab_bytes(const struct net_pool *p)
{
	return sizeof(struct net_pool_slab) + (size_t)p->per_slab * p->slot_size;
}

static void pool_reclaim_register(struct net_pool *p)
{
	int slot = -1;

	for (int i = 0; i < POOL_RECLAIM_MAX; i++) {
		if (reclaim_pools[i] == p)
			return;
		if (!reclaim_pools[i] && slot < 0)
			slot = i;
	}
	if (slot < 0) {
		warnf("pool %s: more than %d pools to reclaim, this one keeps its slabs", p->name,
		      POOL_RECLAIM_MAX);
		return;
	}
	reclaim_pools[slot] = p;
}

static int pool_grow(struct net_pool *p)
{
	struct net_pool_slab *s;

	s = malloc(slab_bytes(p));
	if (!s)
		return -1;
	s->next = p->slabs;
	s->nfree = p->per_slab;
	s->doomed = 0;
	p->slabs = s;
	/* pushed in reverse so allocation goes through the slab in address order */
	for (unsigned i = p->per_slab; i-- > 0;) {
		unsigned char *slot = s->slots + (size_t)i * p->slot_size;
		struct pool_hdr *h = (struct pool_hdr *)slot;

		h->next_free = p->free_list;
		h->slab = s;
		p->free_list = slot;
		POOL_POISON(slot + POOL_ALIGN, p->slot_size - POOL_ALIGN);
	}
	p->capacity += p->per_slab;
	p->empty_slabs++;
	p->slab_allocs++;
	if (p->reclaim)
		pool_reclaim_register(p);
	return 0;
}

void *net_pool_alloc(struct net_pool *p)
{
	unsigned char *slot;
	struct pool_hdr *h;

	if (p->limit && p->live >= p->limit) {
		p->refused_limit++;
		return NULL;
	}
	if (!p->free_list && pool_grow(p) < 0) {
		p->refused_nomem++;
		return NULL;
	}
	slot = p->free_list;
	h = (struct pool_hdr *)slot;
	p->free_list = h->next_free;
	h->owner = p;
	if (h->slab->nfree-- == p->per_slab)
		p->empty_slabs--;
	POOL_UNPOISON(slot + POOL_ALIGN, p->obj_size);
	memset(slot + POOL_ALIGN, 0, p->obj_size);
	p->live++;
	p->allocs++;
	return slot + POOL_ALIGN;
}

void net_pool_free(struct net_pool *p, void *obj)
{
	unsigned char *slot;
	struct pool_hdr *h;

	if (!obj)
		return;
	slot = (unsigned char *)obj - POOL_ALIGN;
	h = (struct pool_hdr *)slot;
	if (h->owner != p) {
		errorf("pool %s: object %p freed twice or not from this pool", p->name, obj);
		abort();
	}
	h->next_free = p->free_list;
	p->free_list = slot;
	if (++h->slab->nfree == p->per_slab)
		p->empty_slabs++;
	POOL_POISON(obj, p->slot_size - POOL_ALIGN);
	p->live--;
	p->frees++;
}

size_t net_pool_trim(struct net_pool *p, unsigned keep_empty)
{
	struct net_pool_slab **sp, *s;
	void **link;
	unsigned doom;
	size_t freed = 0;

	if (p->empty_slabs <= keep_empty)
		return 0;
	doom = p->empty_slabs - keep_empty;
	for (s = p->slabs; s && doom; s = s->next) {
		if (s->nfree == p->per_slab) {
			s->doomed = 1;
			doom--;
		}
	}
	/* the free list without the doomed slabs' slots (headers are never poisoned) */
	link = &p->free_list;
	while (*link) {
		struct pool_hdr *h = *link;

		if (h->slab->doomed)
			*link = h->next_free;
		else
			link = &h->next_free;
	}
	sp = &p->slabs;
	while ((s = *sp) != NULL) {
		if (!s->doomed) {
			sp = &s->next;
			continue;
		}
		*sp = s->next;
		POOL_UNPOISON(s->slots, (size_t)p->per_slab * p->slot_size);
		free(s);
		p->capacity -= p->per_slab;
		p->empty_slabs--;
		p->slab_frees++;
		freed += slab_bytes(p);
	}
	return freed;
}

unsigned net_pool_destroy(struct net_pool *p)
{
	int reclaim = p->reclaim;

	if (p->live)
		return p->live;
	net_pool_trim(p, 0);
	for (int i = 0; i < POOL_RECLAIM_MAX; i++)
		if (reclaim_pools[i] == p)
			reclaim_pools[i] = NULL;
	net_pool_init(p, p->name, p->obj_size, p->per_slab);
	p->reclaim = reclaim;
	return 0;
}

size_t net_pool_bytes(const struct net_pool *p)
{
	return (size_t)(p->capacity / p->per_slab) * slab_bytes(p);
}

int net_pool_reclaimable(void)
{
	for (int i = 0; i < POOL_RECLAIM_MAX; i++)
		if (reclaim_pools[i] && reclaim_pools[i]->empty_slabs > NET_POOL_KEEP_EMPTY)
			return 1;
	return 0;
}

size_t net_pool_reclaim(void)
{
	size_t freed = 0;

	for (int i = 0; i < POOL_RECLAIM_MAX; i++)
		if (reclaim_pools[i])
			freed += net_pool_trim(reclaim_pools[i], NET_POOL_KEEP_EMPTY);
	return freed;
}
