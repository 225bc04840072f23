#include "net/pkb.h"

#include <stdlib.h>
#include <string.h>

STATS_DEFINE(pkb, PKB_COUNTERS)

/* Free pooled buffers, linked through their first bytes. */
struct pool_node {
	struct pool_node *next;
};

static struct pool_node *pool_free_list;
static size_t pool_cached;
static size_t pool_max = 4096;
static size_t live;

void pkb_pool_set_max(size_t nbuffers)
{
	pool_max = nbuffers;
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
	pool_cached = 0;
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
			pool_cached--;
			STAT_INC(pkb, pool_hit);
			goto init;
		}
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
	if (p->pooled && pool_cached < pool_max) {
		struct pool_node *n = (struct pool_node *)p;
		n->next = pool_free_list;
		pool_free_list = n;
		pool_cached++;
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
