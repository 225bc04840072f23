/* SPDX-License-Identifier: MIT */
/* The path MTU per destination (RFC 8201): lowered by valid packet too big messages,
 * never raised by one, never below the minimum MTU of 1280, and forgotten
 * pmtu_expire_ms (10 minutes, RFC 8201 4) after it was last confirmed, which is how a
 * path that grew again is found. The table is small and fixed (ip6_config.pmtu_max
 * entries, at most IP6_PMTU_MAX); when it is full the entry confirmed longest ago gives
 * way. ip6_output asks it only while it holds entries. */
#include "net/perstack.h"
#include "ip6/ip6.h"

#include <errno.h>
#include <string.h>

#include "ip6/icmp6.h"
#include "net/log.h"

struct pmtu_entry {
	struct net_addr dst;
	unsigned mtu;      /* 0: a free slot */
	uint64_t updated;
};

PERSTACK_STATIC(struct pmtu_entry[IP6_PMTU_MAX], pmtu_tab)
#define pmtu_tab PERSTACK_REF(struct pmtu_entry[IP6_PMTU_MAX], pmtu_tab)
PERSTACK_STATIC(size_t, pmtu_used)
#define pmtu_used PERSTACK_REF(size_t, pmtu_used)

static unsigned pmtu_slots(void)
{
	return ip6_config.pmtu_max < IP6_PMTU_MAX ? ip6_config.pmtu_max : IP6_PMTU_MAX;
}

static void pmtu_forget(struct pmtu_entry *e)
{
	e->mtu = 0;
	pmtu_used--;
}

static int pmtu_expired(const struct pmtu_entry *e, uint64_t now)
{
	return now >= e->updated + ip6_config.pmtu_expire_ms;
}

static struct pmtu_entry *pmtu_find(const struct net_addr *dst, uint64_t now)
{
	size_t seen = 0;

	for (unsigned i = 0; i < IP6_PMTU_MAX && seen < pmtu_used; i++) {
		struct pmtu_entry *e = &pmtu_tab[i];

		if (!e->mtu)
			continue;
		seen++;
		if (!net_addr_eq(&e->dst, dst))
			continue;
		if (pmtu_expired(e, now)) {
			STAT_INC(ip6, pmtu_expired);
			pmtu_forget(e);
			return NULL;
		}
		return e;
	}
	return NULL;
}

unsigned ip6_pmtu_get(const struct net_addr *dst, uint64_t now)
{
	struct pmtu_entry *e;

	if (!pmtu_used)
		return 0;
	e = pmtu_find(dst, now);
	return e ? e->mtu : 0;
}

int ip6_pmtu_update(const struct net_addr *dst, unsigned mtu, unsigned link_mtu, uint64_t now)
{
	struct pmtu_entry *e, *victim = NULL;

	if (mtu < IP6_MIN_MTU)
		return -EINVAL;
	if (mtu >= link_mtu)
		return 0; /* no lower than the link already is */
	e = pmtu_find(dst, now);
	if (e) {
		if (mtu > e->mtu)
			return 0; /* RFC 8201 4: a packet too big never raises it */
		e->updated = now;
		if (mtu == e->mtu)
			return 0;
		e->mtu = mtu;
		STAT_INC(ip6, pmtu_lowered);
		return 1;
	}
	for (unsigned i = 0; i < pmtu_slots(); i++) {
		struct pmtu_entry *c = &pmtu_tab[i];

		if (c->mtu && pmtu_expired(c, now)) {
			STAT_INC(ip6, pmtu_expired);
			pmtu_forget(c);
		}
		if (!c->mtu) {
			victim = c;
			break;
		}
		if (!victim || c->updated < victim->updated)
			victim = c;
	}
	if (!victim)
		return 0; /* pmtu_max of 0: no table */
	if (victim->mtu) {
		STAT_INC(ip6, pmtu_evicted);
		pmtu_forget(victim);
	}
	victim->dst = *dst;
	victim->mtu = mtu;
	victim->updated = now;
	pmtu_used++;
	STAT_INC(ip6, pmtu_lowered);
	return 1;
}

size_t ip6_pmtu_count(void)
{
	return pmtu_used;
}

void ip6_pmtu_flush(void)
{
	memset(&pmtu_tab, 0, sizeof(pmtu_tab));
	pmtu_used = 0;
}

/* p->data = the ICMPv6 header; the quoted packet follows its 8 bytes. */
int ip6_pmtu_ptb_input(const struct pkb *p, const struct ip6_hdr *h, struct net_device *dev,
			uint64_t now)
{
	struct ip6_hdr q;
	char d[NET_ADDR_STRLEN];
	unsigned mtu, link_mtu;
	int r;

	(void)h;
	STAT_INC(ip6, pmtu_ptb);
	if (p->len < ICMP6_HDR_LEN + IP6_HDR_LEN) {
		STAT_INC(ip6, pmtu_ptb_not_ours);
		return -1;
	}
	/* the quote is cut short: its payload length may run past it */
	r = ip6_parse(p->data + ICMP6_HDR_LEN, p->len - ICMP6_HDR_LEN, &q);
	if ((r != IP6_PARSE_OK && r != IP6_PARSE_PLEN) || !ip6_addr_lookup(&q.src) ||
	    ip6_addr_is_multicast(&q.src)) {
		/* RFC 8201 4 and RFC 4443 5.2: only what quotes a packet of ours is heeded */
		STAT_INC(ip6, pmtu_ptb_not_ours);
		debugf("dev=%s dropped: packet too big quoting no packet of ours", dev->name);
		return -1;
	}
	mtu = (unsigned)p->data[4] << 24 | (unsigned)p->data[5] << 16 |
	      (unsigned)p->data[6] << 8 | p->data[7];
	if (mtu < IP6_MIN_MTU) {
		/* RFC 8201 4: a node never goes below the minimum MTU */
		STAT_INC(ip6, pmtu_ptb_below_min);
		debugf("dev=%s mtu=%u ignored: packet too big below 1280", dev->name, mtu);
		return -1;
	}
	link_mtu = ip6_link_mtu(dev);
	if (ip6_pmtu_update(&q.dst, mtu, link_mtu, now) == 1)
		debugf("dst=%s mtu=%u: path MTU lowered", net_addr_ntop(&q.dst, d, sizeof(d)),
		       mtu);
	return 0;
}
