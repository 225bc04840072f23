/* SPDX-License-Identifier: MIT */
/* IPv4 reassembly (RFC 791 3.2, RFC 815 hole tracking, RFC 5722 and RFC 1858 rules).
 *
 * Datagrams being rebuilt are keyed by (src, dst, id, proto) in a hash table and kept on
 * an age list. Each holds its fragments sorted by offset. Overlapping fragments discard
 * the whole datagram, so the fragments never overlap and the holes need no list of their
 * own: the datagram is complete when the last fragment has fixed its length and the bytes
 * held add up to that length.
 *
 * Limits (ip_config): a 30 s timer per datagram, a cap on the memory held by incomplete
 * datagrams and on their number. Over either cap the oldest other datagram is evicted
 * (as Linux does): a flood of junk fragments then costs old incomplete datagrams, not
 * every new one. A datagram that alone outgrows the memory cap is discarded. */
#include "net/perstack.h"
#include "ip/ip.h"

#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "ip/icmp.h"
#include "net/log.h"
#include "net/loop.h"

#define REASS_HASH_SIZE 64

/* Per fragment, in the pkb's cb scratch: where its payload goes. */
struct frag_cb {
	uint32_t off;  /* payload offset in the datagram, bytes */
	uint32_t len;  /* payload bytes */
	uint8_t ihl;   /* its own header length (data points at the IP header) */
};

struct reass_dgram {
	uint32_t src, dst;
	uint16_t id;
	uint8_t proto;
	int have_last;
	size_t total;     /* payload length, known once the last fragment came */
	size_t received;  /* payload bytes held */
	size_t mem;       /* buffer bytes held */
	struct pkb_queue frags; /* sorted by offset, never overlapping */
	struct net_timer timer;
	LIST_ENTRY(reass_dgram) hash_link;
	TAILQ_ENTRY(reass_dgram) age_link;
};

LIST_HEAD(reass_bucket, reass_dgram);
TAILQ_HEAD(reass_age, reass_dgram);

PERSTACK_STATIC(struct reass_bucket[REASS_HASH_SIZE], table)
#define table PERSTACK_REF(struct reass_bucket[REASS_HASH_SIZE], table)
static void age_init(void);
PERSTACK_STATIC_FN(struct reass_age, age, age_init)
#define age PERSTACK_REF(struct reass_age, age)

static void age_init(void)
{
	TAILQ_INIT(&age);
}
PERSTACK_STATIC(size_t, reass_mem)
#define reass_mem PERSTACK_REF(size_t, reass_mem)
PERSTACK_STATIC(size_t, reass_count)
#define reass_count PERSTACK_REF(size_t, reass_count)

static struct frag_cb frag_info(const struct pkb *p)
{
	struct frag_cb fc;

	memcpy(&fc, p->cb, sizeof(fc));
	return fc;
}

/* What a buffer really costs: the storage, not just the bytes in use. */
static size_t pkb_truesize(const struct pkb *p)
{
	return sizeof(*p) + p->cap;
}

static unsigned reass_hash(uint32_t src, uint32_t dst, uint16_t id, uint8_t proto)
{
	uint32_t h = src ^ (dst * 31u) ^ ((uint32_t)id << 8) ^ proto;

	h ^= h >> 16;
	h *= 0x45d9f3bu;
	h ^= h >> 16;
	return h % REASS_HASH_SIZE;
}

static void reass_destroy(struct reass_dgram *d)
{
	net_timer_cancel(&d->timer);
	pkb_queue_purge(&d->frags);
	LIST_REMOVE(d, hash_link);
	TAILQ_REMOVE(&age, d, age_link);
	reass_mem -= d->mem;
	reass_count--;
	free(d);
}

/* A datagram given up before completion. */
static void reass_fail(struct reass_dgram *d)
{
	STAT_INC(ip, reasm_fails);
	reass_destroy(d);
}

static void reass_timeout(struct net_timer *t, void *arg, uint64_t now)
{
	struct reass_dgram *d = arg;
	struct pkb *first = TAILQ_FIRST(&d->frags);

	(void)t;
	STAT_INC(ip, reasm_timeout);
	debugf("id=%u held=%zu dropped: reassembly timed out", d->id, d->received);
	/* RFC 1122 3.3.2: time exceeded (code 1) if fragment zero is here, since only it
	 * quotes the transport header the sender can match. */
	if (first && frag_info(first).off == 0)
		icmp_send_error(ICMP_TIME_EXCEEDED, 1, 0, first, now);
	reass_fail(d);
}

static struct reass_dgram *reass_find(const struct ip_hdr *ih, unsigned bucket)
{
	struct reass_dgram *d;

	LIST_FOREACH(d, &table[bucket], hash_link)
		if (d->src == ih->src && d->dst == ih->dst && d->id == ih->id &&
		    d->proto == ih->proto)
			return d;
	return NULL;
}

static struct reass_dgram *reass_create(const struct ip_hdr *ih, unsigned bucket, uint64_t now)
{
	struct reass_dgram *d;

	if (reass_count >= ip_config.reass_max_datagrams) {
		STAT_INC(ip, reasm_too_many);
		if (TAILQ_EMPTY(&age))
			return NULL; /* a limit of 0 turns reassembly off */
		reass_fail(TAILQ_FIRST(&age));
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->src = ih->src;
	d->dst = ih->dst;
	d->id = ih->id;
	d->proto = ih->proto;
	TAILQ_INIT(&d->frags);
	net_timer_init(&d->timer, reass_timeout, d);
	net_timer_arm(&d->timer, now + ip_config.reass_timeout_ms);
	LIST_INSERT_HEAD(&table[bucket], d, hash_link);
	TAILQ_INSERT_TAIL(&age, d, age_link);
	reass_count++;
	return d;
}

/* Makes room for `need` more bytes by evicting the oldest datagrams other than keep.
 * Returns 0, or -1 if keep alone would outgrow the cap. */
static int reass_make_room(struct reass_dgram *keep, size_t need)
{
	struct reass_dgram *d, *next;

	if (reass_mem + need <= ip_config.reass_mem_max)
		return 0;
	STAT_INC(ip, reasm_mem_exceeded);
	for (d = TAILQ_FIRST(&age); d && reass_mem + need > ip_config.reass_mem_max; d = next) {
		next = TAILQ_NEXT(d, age_link);
		if (d != keep) {
			debugf("id=%u held=%zu evicted: reassembly memory full", d->id, d->mem);
			reass_fail(d);
		}
	}
	return reass_mem + need <= ip_config.reass_mem_max ? 0 : -1;
}

/* Builds the whole datagram in one buffer with a fresh header (no MF, offset 0; options
 * of the first fragment are not carried over, since input skips them anyway).
 * Consumes d. */
static struct pkb *reass_complete(struct reass_dgram *d, uint64_t now)
{
	struct pkb *first = TAILQ_FIRST(&d->frags), *f, *out;
	struct ip_hdr h;

	out = pkb_alloc(IP_HDR_MIN + d->total);
	if (!out) {
		reass_fail(d);
		return NULL;
	}
	ip_parse_quoted(first->data, first->len, &h); /* we parsed it on the way in */
	h.total_len = (uint16_t)(IP_HDR_MIN + d->total);
	h.frag = 0;
	ip_emit(&h, pkb_put(out, IP_HDR_MIN), IP_HDR_MIN);
	pkb_put(out, d->total);
	TAILQ_FOREACH(f, &d->frags, link) {
		struct frag_cb fc = frag_info(f);

		memcpy(out->data + IP_HDR_MIN + fc.off, f->data + fc.ihl, fc.len);
	}
	out->dev = first->dev;
	out->proto = first->proto;
	out->time = now;
	STAT_INC(ip, reasm_oks);
	reass_destroy(d);
	return out;
}

struct pkb *ip_reass_input(struct pkb *p, const struct ip_hdr *ih, uint64_t now)
{
	struct reass_dgram *d;
	struct pkb *q, *before = NULL;
	struct frag_cb fc;
	unsigned bucket;
	size_t end, need;
	int mf = (ih->frag & IP_FLAG_MF) != 0;

	fc.off = (uint32_t)(ih->frag & IP_OFFSET_MASK) * 8;
	fc.len = (uint32_t)(ih->total_len - ih->ihl);
	fc.ihl = ih->ihl;
	end = (size_t)fc.off + fc.len;
	if (ih->ihl + end > IP_MAX_LEN) {
		STAT_INC(ip, reasm_oversize);
		debugf("id=%u off=%u len=%u dropped: beyond 65535 bytes", ih->id, fc.off, fc.len);
		goto drop;
	}
	/* Every fragment but the last carries a multiple of 8 bytes (RFC 791). A first
	 * fragment must hold the 8 transport bytes that ports and ICMP quotes rely on, and
	 * a TCP fragment at offset 8 could rewrite the flags of a header that a filter has
	 * already judged (RFC 1858 section 4). */
	if (fc.len == 0 || (mf && fc.len % 8) || (fc.off == 0 && mf && fc.len < 8) ||
	    (ih->proto == IP_PROTO_TCP && fc.off == 8)) {
		STAT_INC(ip, reasm_bad_frag);
		debugf("id=%u off=%u len=%u mf=%d dropped: bad fragment", ih->id, fc.off, fc.len, mf);
		goto drop;
	}
	bucket = reass_hash(ih->src, ih->dst, ih->id, ih->proto);
	d = reass_find(ih, bucket);
	if (!d && !(d = reass_create(ih, bucket, now)))
		goto drop;
	/* Find the place in offset order; exact duplicates (a retransmitted or duplicated
	 * frame) are harmless and ignored, any other overlap discards the datagram. */
	TAILQ_FOREACH(q, &d->frags, link) {
		struct frag_cb qc = frag_info(q);

		if (qc.off == fc.off && qc.len == fc.len) {
			STAT_INC(ip, reasm_duplicate);
			debugf("id=%u off=%u dropped: duplicate fragment", ih->id, fc.off);
			goto drop;
		}
		if (qc.off < end && fc.off < qc.off + qc.len) {
			STAT_INC(ip, reasm_overlap);
			debugf("id=%u off=%u len=%u: overlaps off=%u, datagram discarded", ih->id,
			       fc.off, fc.len, qc.off);
			goto discard;
		}
		if (!before && qc.off > fc.off)
			before = q;
	}
	/* The last fragment fixes the length: nothing may lie beyond it, and a second
	 * "last" with another length is as inconsistent as an overlap. */
	if (mf ? d->have_last && end > d->total :
		 (d->have_last && end != d->total) ||
		 (!TAILQ_EMPTY(&d->frags) &&
		  frag_info(TAILQ_LAST(&d->frags, pkb_queue)).off >= end)) {
		STAT_INC(ip, reasm_bad_frag);
		debugf("id=%u off=%u len=%u: inconsistent length, datagram discarded", ih->id,
		       fc.off, fc.len);
		goto discard;
	}
	need = pkb_truesize(p);
	if (reass_make_room(d, need) < 0) {
		debugf("id=%u: larger than the reassembly memory, discarded", ih->id);
		goto discard;
	}
	memcpy(p->cb, &fc, sizeof(fc));
	/* The datagram owns p now. */
	if (before)
		TAILQ_INSERT_BEFORE(before, p, link);
	else
		TAILQ_INSERT_TAIL(&d->frags, p, link);
	d->received += fc.len;
	d->mem += need;
	reass_mem += need;
	if (!mf) {
		d->have_last = 1;
		d->total = end;
	}
	if (d->have_last && d->received == d->total)
		return reass_complete(d, now);
	return NULL;
discard:
	reass_fail(d);
drop:
	pkb_free(p);
	return NULL;
}

void ip_reass_expire(uint64_t now)
{
	struct reass_dgram *d, *next;

	for (d = TAILQ_FIRST(&age); d; d = next) {
		next = TAILQ_NEXT(d, age_link);
		if (d->timer.deadline <= now)
			reass_timeout(&d->timer, d, now);
	}
}

size_t ip_reass_mem(void)
{
	return reass_mem;
}

size_t ip_reass_count(void)
{
	return reass_count;
}

void ip_reass_flush(void)
{
	while (!TAILQ_EMPTY(&age))
		reass_destroy(TAILQ_FIRST(&age));
}
