/* SPDX-License-Identifier: MIT */
/* IPv6 reassembly (RFC 8200 4.5) on the fragment queues that IPv4 shares (net/fragq.h:
 * offsets, overlaps with RFC 5722's discard, the caps and the timer).
 *
 * Packets being rebuilt are keyed by (source, destination, identification); each holds
 * its fragments as whole packets, p->data at the IPv6 header. ip6_input checked each
 * fragment alone; this file sends the time exceeded of a packet that timed out and builds
 * the whole packet.
 *
 * Limits (ip6_config): reass_timeout_ms per packet (60 s), reass_mem_max bytes held by
 * incomplete packets and reass_max_datagrams of them (net/fragq.h says what happens over
 * them). */
#include "net/perstack.h"
#include "ip6/ip6.h"

#include <string.h>

#include "ip6/icmp6.h"
#include "net/byteorder.h"
#include "net/fragq.h"

/* Per fragment, in the pkb's cb scratch. */
struct frag6_cb {
	struct fragq_cb q; /* offset and length in the packet */
	uint16_t unfrag;   /* bytes before its fragment header (the fixed header and the
	                    * unfragmentable extension headers) */
	uint16_t nh_field; /* where the fragment header was named */
};

struct reass6 {
	struct fragq q; /* the identification is q.id */
	struct net_addr src, dst;
};

static void r6_count(enum fragq_event ev)
{
	switch (ev) {
	case FRAGQ_OK: STAT_INC(ip6, reasm_oks); break;
	case FRAGQ_FAIL: STAT_INC(ip6, reasm_fails); break;
	case FRAGQ_TIMEOUT: STAT_INC(ip6, reasm_timeout); break;
	case FRAGQ_TOO_MANY: STAT_INC(ip6, reasm_too_many); break;
	case FRAGQ_MEM_EXCEEDED: STAT_INC(ip6, reasm_mem_exceeded); break;
	case FRAGQ_DUPLICATE: STAT_INC(ip6, reasm_duplicate); break;
	case FRAGQ_OVERLAP: STAT_INC(ip6, reasm_overlap); break;
	case FRAGQ_INCONSISTENT: STAT_INC(ip6, reasm_inconsistent); break;
	}
}

static void r6_limits(struct fragq_limits *out)
{
	out->timeout_ms = ip6_config.reass_timeout_ms;
	out->mem_max = ip6_config.reass_mem_max;
	out->max_queues = ip6_config.reass_max_datagrams;
}

/* RFC 8200 4.5: time exceeded (code 1) to the source. */
static void r6_timed_out(struct pkb *first, uint64_t now)
{
	if (first->dev)
		icmp6_send_error(ICMP6_TIME_EXCEEDED, ICMP6_TIMEX_REASSEMBLY, 0, first,
				 first->dev, 0, now);
}

static const struct fragq_family r6_family = {
	.what = "packet",
	.count = r6_count,
	.limits = r6_limits,
	.timed_out = r6_timed_out,
};

static void r6_table_init(void);
PERSTACK_STATIC_FN(struct fragq_table, r6_table, r6_table_init)
#define r6_table PERSTACK_REF(struct fragq_table, r6_table)

static void r6_table_init(void)
{
	fragq_table_init(&r6_table, &r6_family);
}

static uint32_t r6_hash(const struct net_addr *src, const struct net_addr *dst, uint32_t id)
{
	uint32_t h = id;

	for (int i = 0; i < 16; i += 4)
		h = (h ^ rd32(src->v6 + i)) * 0x45d9f3bu ^ rd32(dst->v6 + i);
	h ^= h >> 16;
	h *= 0x45d9f3bu;
	h ^= h >> 16;
	return h;
}

/* The packet h is a fragment of: found, or a new one (NULL if none can be had). */
static struct reass6 *r6_get(const struct ip6_hdr *h, uint32_t id, uint64_t now)
{
	uint32_t hash = r6_hash(&h->src, &h->dst, id);
	struct reass6 *d;
	struct fragq *q;

	LIST_FOREACH(q, fragq_bucket(&r6_table, hash), hash_link) {
		d = (struct reass6 *)q;
		if (q->id == id && net_addr_eq(&d->src, &h->src) && net_addr_eq(&d->dst, &h->dst))
			return d;
	}
	d = (struct reass6 *)fragq_create(&r6_table, sizeof(*d), hash, id, now);
	if (d) {
		d->src = h->src;
		d->dst = h->dst;
	}
	return d;
}

static struct frag6_cb frag_info(const struct pkb *p)
{
	struct frag6_cb fc;

	memcpy(&fc, p->cb, sizeof(fc));
	return fc;
}

/* The whole packet in one buffer: the first fragment's unfragmentable part, whose last
 * next header field now names what its fragment header named, then the payload
 * (RFC 8200 4.5, "reassembly"). Consumes d. */
static struct pkb *r6_complete(struct reass6 *d, uint64_t now)
{
	struct pkb *first = TAILQ_FIRST(&d->q.frags), *f, *out;
	struct frag6_cb fc0 = frag_info(first);
	size_t total = d->q.total;

	out = pkb_alloc(fc0.unfrag + total);
	if (!out) {
		fragq_fail(&d->q);
		return NULL;
	}
	memcpy(pkb_put(out, fc0.unfrag), first->data, fc0.unfrag);
	out->data[fc0.nh_field] = first->data[fc0.unfrag]; /* the fragment header's next */
	wr16(out->data + 4, (uint16_t)(fc0.unfrag - IP6_HDR_LEN + total));
	pkb_put(out, total);
	TAILQ_FOREACH(f, &d->q.frags, link) {
		struct frag6_cb fc = frag_info(f);

		memcpy(out->data + fc0.unfrag + fc.q.off,
		       f->data + fc.unfrag + IP6_FRAG_HDR_LEN, fc.q.len);
	}
	out->dev = first->dev;
	out->proto = first->proto;
	out->time = now;
	fragq_done(&d->q);
	return out;
}

/* Takes ownership of p; the checks of the fragment alone were made by ip6_input. */
struct pkb *ip6_reass_input(struct pkb *p, const struct ip6_hdr *h, size_t frag_off,
			    size_t nh_field, const struct ip6_frag *fh, uint64_t now)
{
	struct reass6 *d;
	struct frag6_cb fc;

	STAT_INC(ip6, reasm_reqds);
	fc.q.off = fh->offset;
	fc.q.len = (uint32_t)(p->len - frag_off - IP6_FRAG_HDR_LEN);
	fc.unfrag = (uint16_t)frag_off;
	fc.nh_field = (uint16_t)nh_field;
	d = r6_get(h, fh->id, now);
	if (!d) {
		pkb_free(p);
		return NULL;
	}
	memcpy(p->cb, &fc, sizeof(fc));
	if (fragq_add(&d->q, p, fh->more) == 1)
		return r6_complete(d, now);
	return NULL; /* held, or dropped (and counted) by fragq_add */
}

size_t ip6_reass_mem(void)
{
	return r6_table.mem;
}

size_t ip6_reass_count(void)
{
	return r6_table.count;
}

void ip6_reass_flush(void)
{
	fragq_flush(&r6_table);
}
