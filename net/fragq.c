/* SPDX-License-Identifier: MIT */
/* Fragment queues, shared by IPv4 and IPv6 reassembly (net/fragq.h). */
#include "net/fragq.h"

#include <stdlib.h>
#include <string.h>

#include "net/log.h"

void fragq_table_init(struct fragq_table *t, const struct fragq_family *fam)
{
	memset(t, 0, sizeof(*t));
	t->fam = fam;
	TAILQ_INIT(&t->age);
}

struct fragq_cb fragq_cb(const struct pkb *p)
{
	struct fragq_cb fc;

	memcpy(&fc, p->cb, sizeof(fc));
	return fc;
}

/* What a buffer really costs: the storage, not just the bytes in use. */
static size_t pkb_truesize(const struct pkb *p)
{
	return sizeof(*p) + p->cap;
}

static void fragq_destroy(struct fragq *q)
{
	struct fragq_table *t = q->table;

	net_timer_cancel(&q->timer);
	pkb_queue_purge(&q->frags);
	LIST_REMOVE(q, hash_link);
	TAILQ_REMOVE(&t->age, q, age_link);
	t->mem -= q->mem;
	t->count--;
	free(q);
}

void fragq_fail(struct fragq *q)
{
	q->table->fam->count(FRAGQ_FAIL);
	fragq_destroy(q);
}

void fragq_done(struct fragq *q)
{
	q->table->fam->count(FRAGQ_OK);
	fragq_destroy(q);
}

void fragq_flush(struct fragq_table *t)
{
	while (!TAILQ_EMPTY(&t->age))
		fragq_destroy(TAILQ_FIRST(&t->age));
}

static void fragq_timeout(struct net_timer *tm, void *arg, uint64_t now)
{
	struct fragq *q = arg;
	const struct fragq_family *fam = q->table->fam;
	struct pkb *first = TAILQ_FIRST(&q->frags);

	(void)tm;
	fam->count(FRAGQ_TIMEOUT);
	debugf("id=%u held=%zu dropped: reassembly timed out", q->id, q->received);
	/* only fragment zero quotes the transport header the sender can match (RFC 1122
	 * 3.3.2, RFC 8200 4.5) */
	if (first && fragq_cb(first).off == 0)
		fam->timed_out(first, now);
	fragq_fail(q);
}

struct fragq *fragq_create(struct fragq_table *t, size_t size, uint32_t hash, uint32_t id,
			   uint64_t now)
{
	struct fragq_limits lim;
	struct fragq *q;

	t->fam->limits(&lim);
	if (t->count >= lim.max_queues) {
		t->fam->count(FRAGQ_TOO_MANY);
		if (TAILQ_EMPTY(&t->age))
			return NULL; /* a cap of 0 turns reassembly off */
		fragq_fail(TAILQ_FIRST(&t->age));
	}
	q = calloc(1, size);
	if (!q)
		return NULL;
	q->id = id;
	q->table = t;
	TAILQ_INIT(&q->frags);
	net_timer_init(&q->timer, fragq_timeout, q);
	net_timer_arm(&q->timer, now + lim.timeout_ms);
	LIST_INSERT_HEAD(fragq_bucket(t, hash), q, hash_link);
	TAILQ_INSERT_TAIL(&t->age, q, age_link);
	t->count++;
	return q;
}

/* Makes room for `need` more bytes by evicting the oldest queues other than keep.
 * Returns 0, or -1 if keep alone would outgrow the cap. */
static int fragq_make_room(struct fragq *keep, size_t need)
{
	struct fragq_table *t = keep->table;
	struct fragq_limits lim;
	struct fragq *q, *next;

	t->fam->limits(&lim);
	if (t->mem + need <= lim.mem_max)
		return 0;
	t->fam->count(FRAGQ_MEM_EXCEEDED);
	for (q = TAILQ_FIRST(&t->age); q && t->mem + need > lim.mem_max; q = next) {
		next = TAILQ_NEXT(q, age_link);
		if (q != keep) {
			debugf("id=%u held=%zu evicted: reassembly memory full", q->id, q->mem);
			fragq_fail(q);
		}
	}
	return t->mem + need <= lim.mem_max ? 0 : -1;
}

int fragq_add(struct fragq *q, struct pkb *p, int more)
{
	const struct fragq_family *fam = q->table->fam;
	struct fragq_cb fc = fragq_cb(p);
	uint32_t off = fc.off, len = fc.len;
	struct pkb *f, *before = NULL;
	size_t end = (size_t)off + len, need;

	/* Find the place in offset order; exact duplicates (a retransmitted or duplicated
	 * frame) are harmless and ignored, any other overlap discards the packet. */
	TAILQ_FOREACH(f, &q->frags, link) {
		struct fragq_cb c = fragq_cb(f);

		if (c.off == off && c.len == len) {
			fam->count(FRAGQ_DUPLICATE);
			debugf("id=%u off=%u dropped: duplicate fragment", q->id, off);
			goto drop;
		}
		if (c.off < end && off < c.off + c.len) {
			fam->count(FRAGQ_OVERLAP);
			debugf("id=%u off=%u len=%u: overlaps off=%u, %s discarded", q->id, off,
			       len, c.off, fam->what);
			goto discard;
		}
		if (!before && c.off > off)
			before = f;
	}
	/* The last fragment fixes the length: nothing may lie beyond it, and a second
	 * "last" with another length is as inconsistent as an overlap. */
	if (more ? q->have_last && end > q->total :
		   (q->have_last && end != q->total) ||
			   (!TAILQ_EMPTY(&q->frags) &&
			    fragq_cb(TAILQ_LAST(&q->frags, pkb_queue)).off >= end)) {
		fam->count(FRAGQ_INCONSISTENT);
		debugf("id=%u off=%u len=%u: inconsistent length, %s discarded", q->id, off, len,
		       fam->what);
		goto discard;
	}
	need = pkb_truesize(p);
	if (fragq_make_room(q, need) < 0) {
		debugf("id=%u: larger than the reassembly memory, %s discarded", q->id,
		       fam->what);
		goto discard;
	}
	/* The queue owns p now. */
	if (before)
		TAILQ_INSERT_BEFORE(before, p, link);
	else
		TAILQ_INSERT_TAIL(&q->frags, p, link);
	q->received += len;
	q->mem += need;
	q->table->mem += need;
	if (!more) {
		q->have_last = 1;
		q->total = end;
	}
	return q->have_last && q->received == q->total;
discard:
	fragq_fail(q);
drop:
	pkb_free(p);
	return -1;
}
