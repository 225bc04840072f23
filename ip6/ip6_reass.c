/* SPDX-License-Identifier: MIT */
/* IPv6 reassembly (RFC 8200 4.5), shaped as IPv4's (ip/reass.c).
 *
 * Packets being rebuilt are keyed by (source, destination, identification) in a hash
 * table and kept on an age list; each holds its fragments (whole packets, p->data at the
 * IPv6 header) sorted by offset. Overlapping fragments discard the whole packet (RFC 5722;
 * an exact duplicate is ignored, as its erratum 3089 allows), so the fragments never
 * overlap and the packet is complete when the last fragment has fixed its length and the
 * bytes held add up to it.
 *
 * Limits (ip6_config): reass_timeout_ms per packet (60 s), reass_mem_max bytes held by
 * incomplete packets and reass_max_datagrams of them. Over either cap the oldest other
 * packet is evicted and the cap is counted; a packet that alone outgrows the memory cap
 * is discarded. */
#include "net/perstack.h"
#include "ip6/ip6.h"

#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "ip6/icmp6.h"
#include "net/byteorder.h"
#include "net/log.h"
#include "net/loop.h"

#define REASS6_HASH_SIZE 64

/* Per fragment, in the pkb's cb scratch. */
struct frag6_cb {
	uint32_t off;    /* payload offset in the packet, bytes */
	uint32_t len;    /* payload bytes */
	uint16_t unfrag; /* bytes before its fragment header (the fixed header and the
	                  * unfragmentable extension headers) */
	uint16_t nh_field; /* where the fragment header was named */
};

struct reass6 {
	struct net_addr src, dst;
	uint32_t id;
	int have_last;
	size_t total;    /* payload length, known once the last fragment came */
	size_t received; /* payload bytes held */
	size_t mem;      /* buffer bytes held */
	struct pkb_queue frags;
	struct net_timer timer;
	LIST_ENTRY(reass6) hash_link;
	TAILQ_ENTRY(reass6) age_link;
};

LIST_HEAD(reass6_bucket, reass6);
TAILQ_HEAD(reass6_age, reass6);

PERSTACK_STATIC(struct reass6_bucket[REASS6_HASH_SIZE], r6_table)
#define r6_table PERSTACK_REF(struct reass6_bucket[REASS6_HASH_SIZE], r6_table)
static void r6_age_init(void);
PERSTACK_STATIC_FN(struct reass6_age, r6_age, r6_age_init)
#define r6_age PERSTACK_REF(struct reass6_age, r6_age)

static void r6_age_init(void)
{
	TAILQ_INIT(&r6_age);
}
PERSTACK_STATIC(size_t, r6_mem)
#define r6_mem PERSTACK_REF(size_t, r6_mem)
PERSTACK_STATIC(size_t, r6_count)
#define r6_count PERSTACK_REF(size_t, r6_count)

static struct frag6_cb frag_info(const struct pkb *p)
{
	struct frag6_cb fc;

	memcpy(&fc, p->cb, sizeof(fc));
	return fc;
}

static size_t pkb_truesize(const struct pkb *p)
{
	return sizeof(*p) + p->cap;
}

static unsigned r6_hash(const struct net_addr *src, const struct net_addr *dst, uint32_t id)
{
	uint32_t h = id;

	for (int i = 0; i < 16; i += 4)
		h = (h ^ rd32(src->v6 + i)) * 0x45d9f3bu ^ rd32(dst->v6 + i);
	h ^= h >> 16;
	h *= 0x45d9f3bu;
	h ^= h >> 16;
	return h % REASS6_HASH_SIZE;
}

static void r6_destroy(struct reass6 *d)
{
	net_timer_cancel(&d->timer);
	pkb_queue_purge(&d->frags);
	LIST_REMOVE(d, hash_link);
	TAILQ_REMOVE(&r6_age, d, age_link);
	r6_mem -= d->mem;
	r6_count--;
	free(d);
}

static void r6_fail(struct reass6 *d)
{
	STAT_INC(ip6, reasm_fails);
	r6_destroy(d);
}

static void r6_timeout(struct net_timer *t, void *arg, uint64_t now)
{
	struct reass6 *d = arg;
	struct pkb *first = TAILQ_FIRST(&d->frags);

	(void)t;
	STAT_INC(ip6, reasm_timeout);
	debugf("id=%u held=%zu dropped: reassembly timed out", d->id, d->received);
	/* RFC 8200 4.5: time exceeded (code 1) to the source, if fragment zero came */
	if (first && frag_info(first).off == 0 && first->dev)
		icmp6_send_error(ICMP6_TIME_EXCEEDED, ICMP6_TIMEX_REASSEMBLY, 0, first,
				 first->dev, 0, now);
	r6_fail(d);
}

static struct reass6 *r6_find(const struct ip6_hdr *h, uint32_t id, unsigned bucket)
{
	struct reass6 *d;

	LIST_FOREACH(d, &r6_table[bucket], hash_link)
		if (d->id == id && net_addr_eq(&d->src, &h->src) && net_addr_eq(&d->dst, &h->dst))
			return d;
	return NULL;
}

static struct reass6 *r6_create(const struct ip6_hdr *h, uint32_t id, unsigned bucket,
				uint64_t now)
{
	struct reass6 *d;

	if (r6_count >= ip6_config.reass_max_datagrams) {
		STAT_INC(ip6, reasm_too_many);
		if (TAILQ_EMPTY(&r6_age))
			return NULL; /* a limit of 0 turns reassembly off */
		r6_fail(TAILQ_FIRST(&r6_age));
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->src = h->src;
	d->dst = h->dst;
	d->id = id;
	TAILQ_INIT(&d->frags);
	net_timer_init(&d->timer, r6_timeout, d);
	net_timer_arm(&d->timer, now + ip6_config.reass_timeout_ms);
	LIST_INSERT_HEAD(&r6_table[bucket], d, hash_link);
	TAILQ_INSERT_TAIL(&r6_age, d, age_link);
	r6_count++;
	return d;
}

/* Evicts the oldest packets other than keep until need more bytes fit. 0, or -1 if keep
 * alone would outgrow the cap. */
static int r6_make_room(struct reass6 *keep, size_t need)
{
	struct reass6 *d, *next;

	if (r6_mem + need <= ip6_config.reass_mem_max)
		return 0;
	STAT_INC(ip6, reasm_mem_exceeded);
	for (d = TAILQ_FIRST(&r6_age); d && r6_mem + need > ip6_config.reass_mem_max; d = next) {
		next = TAILQ_NEXT(d, age_link);
		if (d != keep) {
			debugf("id=%u held=%zu evicted: reassembly memory full", d->id, d->mem);
			r6_fail(d);
		}
	}
	return r6_mem + need <= ip6_config.reass_mem_max ? 0 : -1;
}

/* The whole packet in one buffer: the first fragment's unfragmentable part, whose last
 * next header field now names what its fragment header named, then the payload
 * (RFC 8200 4.5, "reassembly"). Consumes d. */
static struct pkb *r6_complete(struct reass6 *d, uint64_t now)
{
	struct pkb *first = TAILQ_FIRST(&d->frags), *f, *out;
	struct frag6_cb fc0 = frag_info(first);

	out = pkb_alloc(fc0.unfrag + d->total);
	if (!out) {
		r6_fail(d);
		return NULL;
	}
	memcpy(pkb_put(out, fc0.unfrag), first->data, fc0.unfrag);
	out->data[fc0.nh_field] = first->data[fc0.unfrag]; /* the fragment header's next */
	wr16(out->data + 4, (uint16_t)(fc0.unfrag - IP6_HDR_LEN + d->total));
	pkb_put(out, d->total);
	TAILQ_FOREACH(f, &d->frags, link) {
		struct frag6_cb fc = frag_info(f);

		memcpy(out->data + fc0.unfrag + fc.off,
		       f->data + fc.unfrag + IP6_FRAG_HDR_LEN, fc.len);
	}
	out->dev = first->dev;
	out->proto = first->proto;
	out->time = now;
	STAT_INC(ip6, reasm_oks);
	r6_destroy(d);
	return out;
}

/* Takes ownership of p; the checks of the fragment alone were made by ip6_input. */
struct pkb *ip6_reass_input(struct pkb *p, const struct ip6_hdr *h, size_t frag_off,
			    size_t nh_field, const struct ip6_frag *fh, uint64_t now)
{
	struct reass6 *d;
	struct pkb *q, *before = NULL;
	struct frag6_cb fc;
	unsigned bucket;
	size_t end, need;

	STAT_INC(ip6, reasm_reqds);
	fc.off = fh->offset;
	fc.len = (uint32_t)(p->len - frag_off - IP6_FRAG_HDR_LEN);
	fc.unfrag = (uint16_t)frag_off;
	fc.nh_field = (uint16_t)nh_field;
	end = (size_t)fc.off + fc.len;
	bucket = r6_hash(&h->src, &h->dst, fh->id);
	d = r6_find(h, fh->id, bucket);
	if (!d && !(d = r6_create(h, fh->id, bucket, now)))
		goto drop;
	TAILQ_FOREACH(q, &d->frags, link) {
		struct frag6_cb qc = frag_info(q);

		if (qc.off == fc.off && qc.len == fc.len) {
			STAT_INC(ip6, reasm_duplicate);
			debugf("id=%u off=%u dropped: duplicate fragment", fh->id, fc.off);
			goto drop;
		}
		if (qc.off < end && fc.off < qc.off + qc.len) {
			STAT_INC(ip6, reasm_overlap);
			debugf("id=%u off=%u len=%u: overlaps off=%u, packet discarded", fh->id,
			       fc.off, fc.len, qc.off);
			goto discard;
		}
		if (!before && qc.off > fc.off)
			before = q;
	}
	/* The last fragment fixes the length: nothing may lie beyond it, and a second
	 * "last" with another length is as inconsistent as an overlap. */
	if (fh->more ? d->have_last && end > d->total :
		       (d->have_last && end != d->total) ||
			       (!TAILQ_EMPTY(&d->frags) &&
				frag_info(TAILQ_LAST(&d->frags, pkb_queue)).off >= end)) {
		STAT_INC(ip6, reasm_inconsistent);
		debugf("id=%u off=%u len=%u: inconsistent length, packet discarded", fh->id,
		       fc.off, fc.len);
		goto discard;
	}
	need = pkb_truesize(p);
	if (r6_make_room(d, need) < 0) {
		debugf("id=%u: larger than the reassembly memory, discarded", fh->id);
		goto discard;
	}
	memcpy(p->cb, &fc, sizeof(fc));
	/* The packet being rebuilt owns p now. */
	if (before)
		TAILQ_INSERT_BEFORE(before, p, link);
	else
		TAILQ_INSERT_TAIL(&d->frags, p, link);
	d->received += fc.len;
	d->mem += need;
	r6_mem += need;
	if (!fh->more) {
		d->have_last = 1;
		d->total = end;
	}
	if (d->have_last && d->received == d->total)
		return r6_complete(d, now);
	return NULL;
discard:
	r6_fail(d);
drop:
	pkb_free(p);
	return NULL;
}

size_t ip6_reass_mem(void)
{
	return r6_mem;
}

size_t ip6_reass_count(void)
{
	return r6_count;
}

void ip6_reass_flush(void)
{
	while (!TAILQ_EMPTY(&r6_age))
		r6_destroy(TAILQ_FIRST(&r6_age));
}
