/* SPDX-License-Identifier: MIT */
/* Neighbour discovery (RFC 4861): the neighbour cache, address resolution with a bounded
 * queue per entry, neighbour unreachability detection, and answers to solicitations for
 * our addresses.
 *
 * Entry life cycle (7.3.2, Appendix C), one net_timer per entry:
 *   (none) --nd_output--> INCOMPLETE: a multicast NS to the solicited-node group at once,
 *          then one every retrans_ms; after max_multicast_solicit without an answer the
 *          entry and its queue go.
 *   INCOMPLETE --NA--> REACHABLE (solicited) or STALE (unsolicited); the queue leaves.
 *   (none) or a different MAC --NS from the address--> STALE (7.2.3).
 *   REACHABLE --reachable_ms--> STALE.
 *   STALE --a packet sent--> DELAY --delay_first_probe_ms--> PROBE: a unicast NS every
 *          retrans_ms; max_unicast_solicit unanswered: the entry goes.
 *   DELAY, PROBE --solicited NA, or nd_confirm--> REACHABLE.
 *   STALE, unused for stale_gc_ms --> removed. */
#include "net/perstack.h"
#include "nd/nd.h"

#include <errno.h>
#include <string.h>
#include <sys/queue.h>

#include "ether/ether.h"
#include "ip6/icmp6.h"
#include "nd/mld.h"
#include "net/log.h"
#include "net/loop.h"
#include "net/neigh.h"

STATS_DEFINE(nd, ND_COUNTERS)

PERSTACK_VAR_INIT(struct nd_config_s, nd_config, {
	.reachable_ms = 30000,
	.retrans_ms = 1000,
	.max_multicast_solicit = 3,
	.max_unicast_solicit = 3,
	.delay_first_probe_ms = 5000,
	.stale_gc_ms = 60000,
	.queue_max = 8,
	.cache_max = 1024,
	.accept_ra = 1,
	.rtr_solicits = 3,
	.rtr_solicit_interval_ms = 4000,
	.rtr_solicit_delay_ms = 1000,
	.routers_max = 8,
	.prefixes_max = 16,
	.redirects_max = 64,
	.dad_transmits = 1,
	.dad_delay_ms = 1000,
	.idgen_retries = 3,
})

/* The cache (net/neigh.h): an entry's addr is IPv6, hw its link-layer address and tries
 * the solicitations of the current INCOMPLETE or PROBE. */
PERSTACK_STATIC(struct neigh_table, nd_tbl)
#define nd_tbl PERSTACK_REF(struct neigh_table, nd_tbl)

const char *nd_state_name(enum nd_state s)
{
	static const char *const names[] = { "NONE", "INCOMPLETE", "REACHABLE", "STALE",
					     "DELAY", "PROBE" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static struct neigh *nd_entry_find(const struct net_device *dev, const struct net_addr *a)
{
	return neigh_find(&nd_tbl, a, dev);
}

static void nd_entry_timer(struct net_timer *t, void *arg, uint64_t now);

static struct neigh *nd_entry_create(struct net_device *dev, const struct net_addr *a,
				     enum nd_state state, uint64_t now)
{
	struct neigh *e = neigh_create(&nd_tbl, nd_config.cache_max, a, dev, state, now,
				       nd_entry_timer);

	if (!e) {
		STAT_INC(nd, cache_full);
		return NULL;
	}
	STAT_INC(nd, entries_created);
	return e;
}

int nd_send_pkb(struct net_device *dev, struct pkb *p, const struct net_addr *src,
		const struct net_addr *dst, uint64_t now)
{
	return icmp6_output(p, src, dst, dev, ND_HLIM, now); /* owns p */
}

/* Sends an NS or NA built from m from src to dst on dev, hop limit 255. */
static int nd_send(struct net_device *dev, const struct nd_msg *m, const struct net_addr *src,
		   const struct net_addr *dst, uint64_t now)
{
	size_t len = ND_NS_NA_LEN + (m->has_lla ? 8 : 0);
	struct pkb *p = pkb_alloc(len);

	if (!p)
		return -ENOMEM; /* pkb counts alloc_fail */
	nd_emit(m, pkb_put(p, len), len);
	return icmp6_output(p, src, dst, dev, ND_HLIM, now); /* owns p */
}

/* One solicitation for e: to its solicited-node group while INCOMPLETE, to its address
 * (and known MAC) in PROBE. From the source of the oldest waiting packet when that is
 * ours (7.2.2), else the device's choice for the target. */
static void nd_solicit(struct neigh *e, uint64_t now)
{
	struct nd_msg m = { .type = ICMP6_ND_NS, .target = e->addr, .has_lla = 1 };
	struct net_addr dst = e->state == ND_INCOMPLETE ? ip6_addr_solicited(&e->addr) : e->addr;
	struct net_addr src = net_addr_any(AF_INET6);
	struct pkb *q = TAILQ_FIRST(&e->queue);

	memcpy(m.lla, e->dev->hwaddr, ETHER_ADDR_LEN);
	if (q && q->len >= IP6_HDR_LEN) {
		src.family = AF_INET6;
		const struct ip6_ifaddr *ifa;

		memcpy(src.v6, q->data + 8, 16);
		if (!(ifa = ip6_addr_find(e->dev, &src)) || !ip6_ifa_usable(ifa))
			src = net_addr_any(AF_INET6);
	}
	if (ip6_addr_is_unspecified(&src) && ip6_source_select(e->dev, &e->addr, &src) < 0)
		return; /* no address on the device: nothing to solicit from */
	e->tries++;
	STAT_INC(nd, tx_ns);
	nd_send(e->dev, &m, &src, &dst, now);
	net_timer_arm(&e->timer, now + (nd_config.retrans_ms ? nd_config.retrans_ms : 1));
}

static void nd_enter(struct neigh *e, enum nd_state s, uint64_t now)
{
	e->state = s;
	e->since = now;
	e->tries = 0;
	switch (s) {
	case ND_REACHABLE:
		/* NOTE: RFC 4861 6.3.2 draws ReachableTime at random from 0.5 to 1.5 times
		 * BaseReachableTime, so that the hosts of a link do not probe in step. It is
		 * fixed here (reachable_ms, which a router's advertisement sets); a single
		 * host's probes cannot fall in step with themselves. */
		net_timer_arm(&e->timer, now + nd_config.reachable_ms);
		break;
	case ND_STALE:
		net_timer_arm(&e->timer, now + nd_config.stale_gc_ms);
		break;
	case ND_DELAY:
		net_timer_arm(&e->timer, now + nd_config.delay_first_probe_ms);
		break;
	case ND_PROBE:
		nd_solicit(e, now);
		break;
	default:
		break;
	}
}

/* The queue leaves once the MAC is known, oldest first. */
static void nd_flush_queue(struct neigh *e, uint64_t now)
{
	struct pkb *p;

	while ((p = TAILQ_FIRST(&e->queue))) {
		TAILQ_REMOVE(&e->queue, p, link);
		e->qlen--;
		ether_output(e->dev, ETHER_TYPE_IPV6, e->hw, p, now); /* owns p */
	}
}

/* Resolution failed: the entry and its waiting packets go, and each packet's sender
 * hears address unreachable (RFC 4861 7.2.2; the sender is one of ours, so the error
 * goes straight to it: icmp6_link_failure). */
static void nd_entry_fail(struct neigh *e, uint64_t now)
{
	struct pkb *p;

	STAT_ADD(nd, queue_dropped_unresolved, e->qlen);
	TAILQ_FOREACH(p, &e->queue, link)
		icmp6_link_failure(p, e->dev, now);
	neigh_free(&nd_tbl, e);
}

static void nd_entry_timer(struct net_timer *t, void *arg, uint64_t now)
{
	struct neigh *e = arg;
	char a[NET_ADDR_STRLEN];

	(void)t;
	switch ((enum nd_state)e->state) {
	case ND_INCOMPLETE:
		if (e->tries < nd_config.max_multicast_solicit) {
			nd_solicit(e, now);
			return;
		}
		STAT_INC(nd, resolve_failed);
		debugf("addr=%s unresolved after %u solicitations", net_addr_ntop(&e->addr, a,
		       sizeof(a)), e->tries);
		nd_router_unreachable(e->dev, &e->addr);
		nd_entry_fail(e, now);
		return;
	case ND_REACHABLE:
		nd_enter(e, ND_STALE, now);
		return;
	case ND_DELAY:
		nd_enter(e, ND_PROBE, now);
		return;
	case ND_PROBE:
		if (e->tries < nd_config.max_unicast_solicit) {
			nd_solicit(e, now);
			return;
		}
		STAT_INC(nd, probe_failed);
		debugf("addr=%s unreachable: probes unanswered", net_addr_ntop(&e->addr, a,
		       sizeof(a)));
		nd_router_unreachable(e->dev, &e->addr);
		neigh_free(&nd_tbl, e);
		return;
	case ND_STALE:
		/* a use would have moved it to DELAY: unused since it went stale */
		STAT_INC(nd, entries_expired);
		neigh_free(&nd_tbl, e);
		return;
	case ND_NONE:
		break;
	}
}

static void nd_queue_add(struct neigh *e, struct pkb *p)
{
	if (neigh_queue_add(e, p, nd_config.queue_max))
		STAT_INC(nd, queue_dropped_full);
}

/* Takes ownership of p. */
int nd_output(struct net_device *dev, const struct net_addr *nexthop, struct pkb *p,
	      uint64_t now)
{
	struct neigh *e;
	uint8_t mac[ETHER_ADDR_LEN];

	NET_ASSERT_LOCKED();
	if (ip6_addr_is_multicast(nexthop)) {
		STAT_INC(nd, out_multicast);
		ip6_mcast_mac(nexthop, mac);
		return ether_output(dev, ETHER_TYPE_IPV6, mac, p, now);
	}
	e = nd_entry_find(dev, nexthop);
	if (!e) {
		e = nd_entry_create(dev, nexthop, ND_INCOMPLETE, now);
		if (!e) {
			pkb_free(p); /* counted as cache_full */
			return -ENOBUFS;
		}
		nd_queue_add(e, p);
		nd_solicit(e, now);
		return 0;
	}
	if (e->state == ND_INCOMPLETE) {
		nd_queue_add(e, p);
		return 0;
	}
	e->used = now;
	if (e->state == ND_STALE)
		nd_enter(e, ND_DELAY, now); /* 7.3.3: the first use of a stale entry */
	memcpy(mac, e->hw, ETHER_ADDR_LEN);
	return ether_output(dev, ETHER_TYPE_IPV6, mac, p, now);
}

void nd_confirm(struct net_device *dev, const struct net_addr *addr, uint64_t now)
{
	struct neigh *e = nd_entry_find(dev, addr);

	if (e && e->state != ND_INCOMPLETE)
		nd_enter(e, ND_REACHABLE, now);
}

/* A link-layer address learnt from an NS (7.2.3): a new entry is STALE, and so is one whose
 * MAC changed; an INCOMPLETE one gets the MAC and sends its queue. */
void nd_neigh_learn(struct net_device *dev, const struct net_addr *src, const uint8_t lla[6],
		    uint64_t now)
{
	struct neigh *e = nd_entry_find(dev, src);

	if (!e) {
		if ((e = nd_entry_create(dev, src, ND_STALE, now))) {
			memcpy(e->hw, lla, ETHER_ADDR_LEN);
			nd_enter(e, ND_STALE, now);
		}
		return;
	}
	if (e->state == ND_INCOMPLETE) {
		memcpy(e->hw, lla, ETHER_ADDR_LEN);
		nd_enter(e, ND_STALE, now);
		nd_flush_queue(e, now);
		return;
	}
	if (memcmp(e->hw, lla, ETHER_ADDR_LEN)) {
		memcpy(e->hw, lla, ETHER_ADDR_LEN);
		nd_enter(e, ND_STALE, now);
	}
}

/* 7.2.5: an advertisement for an entry we hold. */
static void nd_na_update(struct neigh *e, const struct nd_msg *m, uint64_t now)
{
	int solicited = !!(m->flags & ND_NA_SOLICITED), override = !!(m->flags & ND_NA_OVERRIDE);
	int same = !m->has_lla || !memcmp(m->lla, e->hw, ETHER_ADDR_LEN);

	if (e->state == ND_INCOMPLETE) {
		if (!m->has_lla)
			return; /* no MAC to learn: ignored */
		memcpy(e->hw, m->lla, ETHER_ADDR_LEN);
		nd_enter(e, solicited ? ND_REACHABLE : ND_STALE, now);
		nd_flush_queue(e, now);
		return;
	}
	if (!override && !same) {
		/* a different MAC without O: a REACHABLE entry turns STALE, nothing else */
		if (e->state == ND_REACHABLE)
			nd_enter(e, ND_STALE, now);
		return;
	}
	if (m->has_lla && !same)
		memcpy(e->hw, m->lla, ETHER_ADDR_LEN);
	if (solicited)
		nd_enter(e, ND_REACHABLE, now);
	else if (!same)
		nd_enter(e, ND_STALE, now);
}

/* Takes ownership of p; it is always freed here (answers use a fresh buffer). */
void nd_count_parse_err(int rc)
{
	switch (rc) {
	case ND_PARSE_CODE:
		STAT_INC(nd, rx_bad_code);
		break;
	case ND_PARSE_OPTLEN:
	case ND_PARSE_OPTBAD:
		STAT_INC(nd, rx_bad_optlen);
		break;
	case ND_PARSE_TARGET:
		STAT_INC(nd, rx_mcast_target);
		break;
	default:
		STAT_INC(nd, rx_short);
		break;
	}
}

void nd_input(struct pkb *p, const struct ip6_hdr *h, unsigned nh_len, struct net_device *dev,
	      uint64_t now)
{
	char s[NET_ADDR_STRLEN];
	struct nd_msg m;
	int dad, rc;

	(void)nh_len;
	NET_ASSERT_LOCKED();
	switch (p->data[0]) {
	case ICMP6_ND_RA:
		nd_ra_input(p, h, dev, now); /* owns p */
		return;
	case ICMP6_ND_REDIRECT:
		nd_redirect_input(p, h, dev, now); /* owns p */
		return;
	case ICMP6_MLD_QUERY:
	case 131:
	case ICMP6_MLD2_REPORT:
		mld_input(p, h, nh_len, dev, now); /* owns p */
		return;
	case ICMP6_ND_RS:
		STAT_INC(nd, rx_rs); /* 6.2.6: a host does not answer them */
		goto drop;
	case ICMP6_ND_NS:
	case ICMP6_ND_NA:
		break;
	default:
		STAT_INC(nd, rx_other);
		goto drop;
	}
	if (p->data[0] == ICMP6_ND_NS)
		STAT_INC(nd, rx_ns);
	else
		STAT_INC(nd, rx_na);
	if (h->hlim != ND_HLIM) {
		/* 7.1: proof that it came from this link, not through a router */
		STAT_INC(nd, rx_bad_hlim);
		debugf("dev=%s src=%s hlim=%u dropped: ND not from this link", dev->name,
		       net_addr_ntop(&h->src, s, sizeof(s)), h->hlim);
		goto drop;
	}
	rc = nd_parse(p->data, p->len, &m);
	if (rc != ND_PARSE_OK) {
		nd_count_parse_err(rc);
		goto drop;
	}
	if (m.type == ICMP6_ND_NS) {
		struct nd_msg na = { .type = ICMP6_ND_NA, .target = m.target, .has_lla = 1 };
		struct net_addr sol = ip6_addr_solicited(&m.target), all = ip6_addr_all_nodes();
		const struct ip6_ifaddr *ifa;

		dad = ip6_addr_is_unspecified(&h->src);
		if (dad && (!net_addr_eq(&h->dst, &sol) || m.has_lla)) {
			STAT_INC(nd, rx_bad_dad); /* 7.1.1 */
			goto drop;
		}
		ifa = ip6_addr_find(dev, &m.target);
		if (!ifa || (ifa->flags & IP6_IFA_DUPLICATE)) {
			STAT_INC(nd, rx_not_our_target);
			goto drop;
		}
		if (ifa->flags & IP6_IFA_TENTATIVE) {
			/* RFC 4862 5.4.3: another node's DAD for the same address is a
			 * conflict; any other solicitation is not answered yet */
			if (dad)
				nd_dad_conflict(dev, &m.target, "DAD NS", now);
			else
				STAT_INC(nd, rx_tentative_target);
			goto drop;
		}
		memcpy(na.lla, dev->hwaddr, ETHER_ADDR_LEN);
		na.flags = ND_NA_OVERRIDE;
		if (dad) {
			/* 7.2.4: someone wants our address; tell every node it is taken */
			STAT_INC(nd, tx_dad_reply);
			STAT_INC(nd, tx_na);
			nd_send(dev, &na, &m.target, &all, now);
			goto drop;
		}
		if (!m.has_lla && ip6_addr_is_multicast(&h->dst)) {
			/* 7.2.3: we could not answer without it (and 7.1.1 requires it
			 * on a link with addresses when sent to multicast) */
			STAT_INC(nd, rx_no_lla);
			goto drop;
		}
		if (m.has_lla)
			nd_neigh_learn(dev, &h->src, m.lla, now);
		na.flags |= ND_NA_SOLICITED;
		STAT_INC(nd, tx_na);
		nd_send(dev, &na, &m.target, &h->src, now);
		goto drop;
	}
	/* an NA */
	if (ip6_addr_is_multicast(&h->dst) && (m.flags & ND_NA_SOLICITED)) {
		STAT_INC(nd, rx_na_mcast_solicited); /* 7.1.2 */
		goto drop;
	}
	if (ip6_addr_find(dev, &m.target) &&
	    (ip6_addr_find(dev, &m.target)->flags & IP6_IFA_TENTATIVE)) {
		nd_dad_conflict(dev, &m.target, "NA", now); /* RFC 4862 5.4.4 */
		goto drop;
	}
	if (ip6_addr_find(dev, &m.target)) {
		STAT_INC(nd, rx_na_our_addr);
		debugf("dev=%s target=%s: another node advertises our address", dev->name,
		      net_addr_ntop(&m.target, s, sizeof(s)));
		goto drop;
	}
	{
		struct neigh *e = nd_entry_find(dev, &m.target);

		if (!e) {
			STAT_INC(nd, rx_na_unsolicited); /* 7.2.5: no entry, no news */
			goto drop;
		}
		nd_na_update(e, &m, now);
	}
drop:
	pkb_free(p);
}

int nd_init(void)
{
	ip6_set_resolver(nd_output);
	icmp6_set_nd_handler(nd_input);
	nd_router_init();
	return 0;
}

/* Queued packets are freed without counting them as drops: the stack is going away. */
void nd_shutdown(void)
{
	nd_dad_shutdown();
	nd_router_shutdown();
	mld_shutdown();
	neigh_table_clear(&nd_tbl);
}

enum nd_state nd_cache_lookup(const struct net_device *dev, const struct net_addr *addr,
			      uint8_t lla[6])
{
	struct neigh *e = nd_entry_find(dev, addr);

	if (!e)
		return ND_NONE;
	if (lla && e->state != ND_INCOMPLETE)
		memcpy(lla, e->hw, ETHER_ADDR_LEN);
	return e->state;
}

size_t nd_cache_count(void)
{
	return nd_tbl.n;
}

void nd_cache_foreach(void (*fn)(const struct net_addr *addr, const struct net_device *dev,
				 enum nd_state state, const uint8_t lla[6], void *arg),
		      void *arg)
{
	const struct neigh *e;

	for (unsigned i = 0; i < NEIGH_HASH_BUCKETS; i++)
		LIST_FOREACH(e, &nd_tbl.buckets[i], hlink)
			fn(&e->addr, e->dev, e->state, e->hw, arg);
}
