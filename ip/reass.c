/* SPDX-License-Identifier: MIT */
/* IPv4 reassembly (RFC 791 3.2, RFC 5722 and RFC 1858 rules) on the fragment queues that
 * IPv6 shares (net/fragq.h: offsets, overlaps, the caps and the timer).
 *
 * Datagrams being rebuilt are keyed by (src, dst, id, proto). This file checks each
 * fragment against IPv4's rules, sends the time exceeded of a datagram that timed out and
 * builds the whole datagram.
 *
 * Limits (ip_config): a 30 s timer per datagram, a cap on the memory held by incomplete
 * datagrams and on their number (net/fragq.h says what happens over them). */
#include "net/perstack.h"
#include "ip/ip.h"

#include <string.h>

#include "ip/icmp.h"
#include "net/fragq.h"
#include "net/log.h"

/* Per fragment, in the pkb's cb scratch: where its payload goes. */
struct frag_cb {
	struct fragq_cb q; /* offset and length in the datagram */
	uint8_t ihl;       /* its own header length (data points at the IP header) */
};

struct reass_dgram {
	struct fragq q; /* the id is q.id */
	uint32_t src, dst;
	uint8_t proto;
};

static void reass_count(enum fragq_event ev)
{
	switch (ev) {
	case FRAGQ_OK: STAT_INC(ip, reasm_oks); break;
	case FRAGQ_FAIL: STAT_INC(ip, reasm_fails); break;
	case FRAGQ_TIMEOUT: STAT_INC(ip, reasm_timeout); break;
	case FRAGQ_TOO_MANY: STAT_INC(ip, reasm_too_many); break;
	case FRAGQ_MEM_EXCEEDED: STAT_INC(ip, reasm_mem_exceeded); break;
	case FRAGQ_DUPLICATE: STAT_INC(ip, reasm_duplicate); break;
	case FRAGQ_OVERLAP: STAT_INC(ip, reasm_overlap); break;
	case FRAGQ_INCONSISTENT: STAT_INC(ip, reasm_bad_frag); break;
	}
}

static void reass_limits(struct fragq_limits *out)
{
	out->timeout_ms = ip_config.reass_timeout_ms;
	out->mem_max = ip_config.reass_mem_max;
	out->max_queues = ip_config.reass_max_datagrams;
}

/* RFC 1122 3.3.2: time exceeded (code 1). */
static void reass_timed_out(struct pkb *first, uint64_t now)
{
	icmp_send_error(ICMP_TIME_EXCEEDED, 1, 0, first, now);
}

static const struct fragq_family reass_family = {
	.what = "datagram",
	.count = reass_count,
	.limits = reass_limits,
	.timed_out = reass_timed_out,
};

static void table_init(void);
PERSTACK_STATIC_FN(struct fragq_table, table, table_init)
#define table PERSTACK_REF(struct fragq_table, table)

static void table_init(void)
{
	fragq_table_init(&table, &reass_family);
}

static uint32_t reass_hash(uint32_t src, uint32_t dst, uint16_t id, uint8_t proto)
{
	uint32_t h = src ^ (dst * 31u) ^ ((uint32_t)id << 8) ^ proto;

	h ^= h >> 16;
	h *= 0x45d9f3bu;
	h ^= h >> 16;
	return h;
}

/* The datagram ih is a fragment of: found, or a new one (NULL if none can be had). */
static struct reass_dgram *reass_get(const struct ip_hdr *ih, uint64_t now)
{
	uint32_t hash = reass_hash(ih->src, ih->dst, ih->id, ih->proto);
	struct reass_dgram *d;
	struct fragq *q;

	LIST_FOREACH(q, fragq_bucket(&table, hash), hash_link) {
		d = (struct reass_dgram *)q;
		if (d->src == ih->src && d->dst == ih->dst && q->id == ih->id &&
		    d->proto == ih->proto)
			return d;
	}
	d = (struct reass_dgram *)fragq_create(&table, sizeof(*d), hash, ih->id, now);
	if (d) {
		d->src = ih->src;
		d->dst = ih->dst;
		d->proto = ih->proto;
	}
	return d;
}

/* Builds the whole datagram in one buffer with a fresh header (no MF, offset 0; options
 * of the first fragment are not carried over, since input skips them anyway).
 * Consumes d. */
static struct pkb *reass_complete(struct reass_dgram *d, uint64_t now)
{
	struct pkb *first = TAILQ_FIRST(&d->q.frags), *f, *out;
	size_t total = d->q.total;
	struct ip_hdr h;

	out = pkb_alloc(IP_HDR_MIN + total);
	if (!out) {
		fragq_fail(&d->q);
		return NULL;
	}
	ip_parse_quoted(first->data, first->len, &h); /* we parsed it on the way in */
	h.total_len = (uint16_t)(IP_HDR_MIN + total);
	h.frag = 0;
	ip_emit(&h, pkb_put(out, IP_HDR_MIN), IP_HDR_MIN);
	pkb_put(out, total);
	TAILQ_FOREACH(f, &d->q.frags, link) {
		struct frag_cb fc;

		memcpy(&fc, f->cb, sizeof(fc));
		memcpy(out->data + IP_HDR_MIN + fc.q.off, f->data + fc.ihl, fc.q.len);
	}
	out->dev = first->dev;
	out->proto = first->proto;
	out->time = now;
	fragq_done(&d->q);
	return out;
}

struct pkb *ip_reass_input(struct pkb *p, const struct ip_hdr *ih, uint64_t now)
{
	struct reass_dgram *d;
	struct frag_cb fc;
	size_t end;
	int mf = (ih->frag & IP_FLAG_MF) != 0;

	fc.q.off = (uint32_t)(ih->frag & IP_OFFSET_MASK) * 8;
	fc.q.len = (uint32_t)(ih->total_len - ih->ihl);
	fc.ihl = ih->ihl;
	end = (size_t)fc.q.off + fc.q.len;
	if (ih->ihl + end > IP_MAX_LEN) {
		STAT_INC(ip, reasm_oversize);
		debugf("id=%u off=%u len=%u dropped: beyond 65535 bytes", ih->id, fc.q.off,
		       fc.q.len);
		goto drop;
	}
	/* Every fragment but the last carries a multiple of 8 bytes (RFC 791). A first
	 * fragment must hold the 8 transport bytes that ports and ICMP quotes rely on, and
	 * a TCP fragment at offset 8 could rewrite the flags of a header that a filter has
	 * already judged (RFC 1858 section 4). */
	if (fc.q.len == 0 || (mf && fc.q.len % 8) || (fc.q.off == 0 && mf && fc.q.len < 8) ||
	    (ih->proto == IP_PROTO_TCP && fc.q.off == 8)) {
		STAT_INC(ip, reasm_bad_frag);
		debugf("id=%u off=%u len=%u mf=%d dropped: bad fragment", ih->id, fc.q.off,
		       fc.q.len, mf);
		goto drop;
	}
	d = reass_get(ih, now);
	if (!d)
		goto drop;
	memcpy(p->cb, &fc, sizeof(fc));
	if (fragq_add(&d->q, p, mf) == 1)
		return reass_complete(d, now);
	return NULL; /* held, or dropped (and counted) by fragq_add */
drop:
	pkb_free(p);
	return NULL;
}

size_t ip_reass_mem(void)
{
	return table.mem;
}

size_t ip_reass_count(void)
{
	return table.count;
}

void ip_reass_flush(void)
{
	fragq_flush(&table);
}
