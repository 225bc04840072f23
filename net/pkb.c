/* SPDX-License-Identifier: MIT */
#include "net/perstack.h"
#include "net/pkb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/cksum.h"

STATS_DEFINE(pkb, PKB_COUNTERS)

/* Free pooled buffers, linked through their first bytes. */
struct pool_node {
	struct pool_node *next;
};

PERSTACK_STATIC(struct pool_node *, pool_free_list)
#define pool_free_list PERSTACK_REF(struct pool_node *, pool_free_list)
PERSTACK_STATIC(size_t, pool_ncached)
#define pool_ncached PERSTACK_REF(size_t, pool_ncached)
PERSTACK_STATIC_INIT(size_t, pool_max, 4096)
#define pool_max PERSTACK_REF(size_t, pool_max)
/* Large buffers: few, since each is 64 KB; a miss mallocs one (counted). */
PERSTACK_STATIC(struct pool_node *, large_free_list)
#define large_free_list PERSTACK_REF(struct pool_node *, large_free_list)
PERSTACK_STATIC(size_t, large_ncached)
#define large_ncached PERSTACK_REF(size_t, large_ncached)
PERSTACK_STATIC_INIT(size_t, large_max, 64)
#define large_max PERSTACK_REF(size_t, large_max)
PERSTACK_STATIC(size_t, live)
#define live PERSTACK_REF(size_t, live)
/* the fewest buffers each free list held since the last pkb_pool_trim: that many were not
 * needed during the whole period */
PERSTACK_STATIC(size_t, pool_low)
#define pool_low PERSTACK_REF(size_t, pool_low)
PERSTACK_STATIC(size_t, large_low)
#define large_low PERSTACK_REF(size_t, large_low)

/* Per buffer taken from or put back on a free list, only that list's gauge and (taken)
 * its low-water mark: a list that grew cannot have gone below its mark. */
static void pool_took(void)
{
	size_t n = --pool_ncached;

	pkb_stats.pool_cached = n;
	if (n < pool_low)
		pool_low = n;
}

static void large_took(void)
{
	size_t n = --large_ncached;

	pkb_stats.large_pool_cached = n;
	if (n < large_low)
		large_low = n;
}

static void pool_gauges(void)
{
	pkb_stats.pool_cached = pool_ncached;
	pkb_stats.large_pool_cached = large_ncached;
	if (pool_ncached < pool_low)
		pool_low = pool_ncached;
	if (large_ncached < large_low)
		large_low = large_ncached;
}

/* Frees up to n buffers from the head of a free list. */
static size_t list_free(struct pool_node **list, size_t n)
{
	size_t done = 0;

	while (done < n && *list) {
		struct pool_node *node = *list;
		*list = node->next;
		free(node);
		done++;
	}
	return done;
}

int pkb_pool_trim(void)
{
	size_t n;

	if (pool_low > PKB_POOL_KEEP) {
		n = list_free(&pool_free_list, pool_low - PKB_POOL_KEEP);
		pool_ncached -= n;
		STAT_ADD(pkb, pool_trimmed, n);
	}
	if (large_low > PKB_LARGE_POOL_KEEP) {
		n = list_free(&large_free_list, large_low - PKB_LARGE_POOL_KEEP);
		large_ncached -= n;
		STAT_ADD(pkb, pool_trimmed, n);
	}
	pool_low = pool_ncached;
	large_low = large_ncached;
	pool_gauges();
	return pkb_pool_reclaimable();
}

int pkb_pool_reclaimable(void)
{
	return pool_ncached > PKB_POOL_KEEP || large_ncached > PKB_LARGE_POOL_KEEP;
}

void pkb_pool_set_max(size_t nbuffers)
{
	pool_max = nbuffers;
}

void pkb_large_pool_set_max(size_t nbuffers)
{
	large_max = nbuffers;
}

size_t pkb_outstanding(void)
{
	return live;
}

void pkb_pool_drain(void)
{
	while (pool_free_list) {
		struct pool_node *n = pool_free_list;
		pool_free_list = n->next;
		free(n);
	}
	pool_ncached = 0;
	while (large_free_list) {
		struct pool_node *n = large_free_list;
		large_free_list = n->next;
		free(n);
	}
	large_ncached = 0;
	pool_low = large_low = 0;
	pool_gauges();
}

/* The struct and its storage are one allocation: [struct pkb][storage]. */
struct pkb *pkb_alloc_headroom(size_t headroom, size_t size)
{
	size_t need = headroom + size;
	struct pkb *p;
	size_t cap;
	int pooled = 0;

	if (size > PKB_MAX_DATA) {
		STAT_INC(pkb, alloc_fail);
		return NULL;
	}
	if (need <= PKB_POOL_BUF_SIZE) {
		cap = PKB_POOL_BUF_SIZE;
		pooled = 1;
		if (pool_free_list) {
			p = (struct pkb *)pool_free_list;
			pool_free_list = pool_free_list->next;
			pool_took();
			STAT_INC(pkb, pool_hit);
			goto init;
		}
	} else if (need <= PKB_LARGE_BUF_SIZE) {
		cap = PKB_LARGE_BUF_SIZE;
		pooled = 2;
		if (large_free_list) {
			p = (struct pkb *)large_free_list;
			large_free_list = large_free_list->next;
			large_took();
			STAT_INC(pkb, large_pool_hit);
			goto init;
		}
		STAT_INC(pkb, large_pool_miss);
	} else {
		cap = need;
		STAT_INC(pkb, alloc_large);
	}
	p = malloc(sizeof(*p) + cap);
	if (!p) {
		STAT_INC(pkb, alloc_fail);
		return NULL;
	}
init:
	memset(p, 0, sizeof(*p));
	p->head = (uint8_t *)(p + 1);
	p->cap = cap;
	p->data = p->head + headroom;
	p->len = 0;
	p->refcnt = 1;
	p->pooled = pooled;
	live++;
	STAT_INC(pkb, alloc);
	return p;
}

struct pkb *pkb_alloc(size_t size)
{
	return pkb_alloc_headroom(PKB_HEADROOM, size);
}

struct pkb *pkb_from_bytes(const void *bytes, size_t len)
{
	struct pkb *p = pkb_alloc(len);

	if (p)
		memcpy(pkb_put(p, len), bytes, len);
	return p;
}

struct pkb *pkb_copy(const struct pkb *src)
{
	struct pkb *p = pkb_alloc_headroom(pkb_headroom(src), src->len);

	if (!p)
		return NULL;
	memcpy(pkb_put(p, src->len), src->data, src->len);
	p->proto = src->proto;
	p->dev = src->dev;
	p->time = src->time;
	p->csum = src->csum;
	p->csum_start = src->csum_start;
	p->csum_offset = src->csum_offset;
	p->gso_size = src->gso_size;
	memcpy(p->cb, src->cb, sizeof(p->cb));
	return p;
}

void pkb_ref(struct pkb *p)
{
	p->refcnt++;
}

void pkb_free(struct pkb *p)
{
	if (!p || --p->refcnt > 0)
		return;
	live--;
	STAT_INC(pkb, free);
	if (p->pooled == 2 && large_ncached < large_max) {
		struct pool_node *n = (struct pool_node *)p;
		n->next = large_free_list;
		large_free_list = n;
		pkb_stats.large_pool_cached = ++large_ncached;
		return;
	}
	if (p->pooled == 1 && pool_ncached < pool_max) {
		struct pool_node *n = (struct pool_node *)p;
		n->next = pool_free_list;
		pool_free_list = n;
		pkb_stats.pool_cached = ++pool_ncached;
		return;
	}
	free(p);
}

void pkb_queue_purge(struct pkb_queue *q)
{
	struct pkb *p;

	while ((p = TAILQ_FIRST(q))) {
		TAILQ_REMOVE(q, p, link);
		pkb_free(p);
	}
}

uint8_t *pkb_push(struct pkb *p, size_t n)
{
	if (pkb_headroom(p) < n)
		return NULL;
	p->data -= n;
	p->len += n;
	return p->data;
}

uint8_t *pkb_pull(struct pkb *p, size_t n)
{
	if (p->len < n)
		return NULL;
	p->data += n;
	p->len -= n;
	return p->data;
}

uint8_t *pkb_put(struct pkb *p, size_t n)
{
	uint8_t *tail = p->data + p->len;

	if (pkb_tailroom(p) < n)
		return NULL;
	p->len += n;
	return tail;
}

void pkb_trim(struct pkb *p, size_t len)
{
	if (len < p->len)
		p->len = len;
}

void pkb_csum_set_partial(struct pkb *p, const uint8_t *start, const uint8_t *field)
{
	p->csum = PKB_CSUM_PARTIAL;
	p->csum_start = (uint32_t)(start - p->head);
	p->csum_offset = (uint16_t)(field - start);
}

int pkb_csum_complete(struct pkb *p)
{
	size_t end = pkb_headroom(p) + p->len;
	size_t at = (size_t)p->csum_start + p->csum_offset;
	uint8_t *field;
	uint16_t c;

	if (p->csum != PKB_CSUM_PARTIAL)
		return 0;
	if (p->csum_start < pkb_headroom(p) || at + 2 > end)
		return -EINVAL;
	field = p->head + at;
	/* The field holds the pseudo-header sum; summing it along with the rest finishes it. */
	c = cksum(p->head + p->csum_start, end - p->csum_start);
	/* 0 goes out as 0xffff, as the kernel writes it: for UDP 0 means "no checksum", and
	 * both are the same number in one's complement. */
	if (c == 0)
		c = 0xffff;
	field[0] = (uint8_t)(c >> 8);
	field[1] = (uint8_t)c;
	p->csum = PKB_CSUM_NONE;
	return 0;
}
