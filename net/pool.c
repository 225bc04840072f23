/* SPDX-License-Identifier: MIT */
/* Fixed-size object pools in slabs (net/pool.h). */
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
 * free. It stays unpoisoned; only the object behind it is poisoned when free. */
union pool_hdr {
	struct net_pool *owner;
	void *next_free;
};
_Static_assert(sizeof(union pool_hdr) <= POOL_ALIGN, "pool header larger than its room");

struct net_pool_slab {
	struct net_pool_slab *next;
	unsigned char pad_[POOL_ALIGN - sizeof(void *)];
	unsigned char slots[]; /* per_slab slots of slot_size bytes */
};

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

static int pool_grow(struct net_pool *p)
{
	struct net_pool_slab *s;

	s = malloc(sizeof(*s) + (size_t)p->per_slab * p->slot_size);
	if (!s)
		return -1;
	s->next = p->slabs;
	p->slabs = s;
	/* pushed in reverse so allocation goes through the slab in address order */
	for (unsigned i = p->per_slab; i-- > 0;) {
		unsigned char *slot = s->slots + (size_t)i * p->slot_size;
		union pool_hdr *h = (union pool_hdr *)slot;

		h->next_free = p->free_list;
		p->free_list = slot;
		POOL_POISON(slot + POOL_ALIGN, p->slot_size - POOL_ALIGN);
	}
	p->capacity += p->per_slab;
	p->slab_allocs++;
	return 0;
}

void *net_pool_alloc(struct net_pool *p)
{
	unsigned char *slot;
	union pool_hdr *h;

	if (p->limit && p->live >= p->limit) {
		p->refused_limit++;
		return NULL;
	}
	if (!p->free_list && pool_grow(p) < 0) {
		p->refused_nomem++;
		return NULL;
	}
	slot = p->free_list;
	h = (union pool_hdr *)slot;
	p->free_list = h->next_free;
	h->owner = p;
	POOL_UNPOISON(slot + POOL_ALIGN, p->obj_size);
	memset(slot + POOL_ALIGN, 0, p->obj_size);
	p->live++;
	p->allocs++;
	return slot + POOL_ALIGN;
}

void net_pool_free(struct net_pool *p, void *obj)
{
	unsigned char *slot;
	union pool_hdr *h;

	if (!obj)
		return;
	slot = (unsigned char *)obj - POOL_ALIGN;
	h = (union pool_hdr *)slot;
	if (h->owner != p) {
		errorf("pool %s: object %p freed twice or not from this pool", p->name, obj);
		abort();
	}
	h->next_free = p->free_list;
	p->free_list = slot;
	POOL_POISON(obj, p->slot_size - POOL_ALIGN);
	p->live--;
	p->frees++;
}

unsigned net_pool_destroy(struct net_pool *p)
{
	struct net_pool_slab *s;

	if (p->live)
		return p->live;
	while ((s = p->slabs) != NULL) {
		p->slabs = s->next;
		POOL_UNPOISON(s->slots, (size_t)p->per_slab * p->slot_size);
		free(s);
	}
	net_pool_init(p, p->name, p->obj_size, p->per_slab);
	return 0;
}

size_t net_pool_bytes(const struct net_pool *p)
{
	return (size_t)(p->capacity / p->per_slab) *
	       (sizeof(struct net_pool_slab) + (size_t)p->per_slab * p->slot_size);
}
