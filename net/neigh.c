/* SPDX-License-Identifier: MIT */
/* Neighbour tables shared by ARP and ND (net/neigh.h). */
#include "net/neigh.h"

#include <stdlib.h>
#include <string.h>

static struct neigh_bucket *neigh_bucket_of(struct neigh_table *t, const struct net_addr *a)
{
	/* Fibonacci hashing: the top byte of the product mixes every input bit, so a /24
	 * whose addresses differ only in the last octet still spreads over the buckets. */
	return &t->buckets[(net_addr_hash(a) * 2654435761u) >> 24];
}

struct neigh *neigh_find(struct neigh_table *t, const struct net_addr *a,
			 const struct net_device *dev)
{
	struct neigh *e;

	LIST_FOREACH(e, neigh_bucket_of(t, a), hlink)
		if ((!dev || e->dev == dev) && net_addr_eq(&e->addr, a))
			return e;
	return NULL;
}

struct neigh *neigh_create(struct neigh_table *t, size_t cache_max, const struct net_addr *a,
			   struct net_device *dev, int state, uint64_t now, net_timer_fn fn)
{
	struct neigh *e;

	if (t->n >= cache_max || !(e = calloc(1, sizeof(*e))))
		return NULL;
	e->addr = *a;
	e->dev = dev;
	e->state = state;
	e->since = e->used = now;
	TAILQ_INIT(&e->queue);
	net_timer_init(&e->timer, fn, e);
	LIST_INSERT_HEAD(neigh_bucket_of(t, a), e, hlink);
	t->n++;
	return e;
}

void neigh_free(struct neigh_table *t, struct neigh *e)
{
	net_timer_cancel(&e->timer);
	pkb_queue_purge(&e->queue);
	LIST_REMOVE(e, hlink);
	t->n--;
	free(e);
}

void neigh_table_clear(struct neigh_table *t)
{
	for (size_t i = 0; i < NEIGH_HASH_BUCKETS; i++) {
		struct neigh *e;

		while ((e = LIST_FIRST(&t->buckets[i])))
			neigh_free(t, e);
	}
}

int neigh_queue_add(struct neigh *e, struct pkb *p, size_t queue_max)
{
	int dropped = 0;

	if (e->qlen >= queue_max) {
		struct pkb *old = TAILQ_FIRST(&e->queue);

		dropped = 1;
		if (!old) {
			pkb_free(p);
			return dropped;
		}
		TAILQ_REMOVE(&e->queue, old, link);
		e->qlen--;
		pkb_free(old);
	}
	TAILQ_INSERT_TAIL(&e->queue, p, link);
	e->qlen++;
	return dropped;
}

void neigh_queue_take(struct neigh *e, struct pkb_queue *q)
{
	TAILQ_CONCAT(q, &e->queue, link);
	e->qlen = 0;
}
