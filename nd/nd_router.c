/* SPDX-License-Identifier: MIT */
/* Router discovery for a host (RFC 4861 6.3): router solicitations once the link-local
 * address has passed DAD, router advertisements validated (6.1.2) and taken (6.3.4): the
 * default router list and the on-link prefix list with their lifetimes, the MTU option,
 * ReachableTime, RetransTimer and the hop limit; SLAAC (RFC 4862 5.5.3) from the prefixes
 * with A set, with the two-hour rule; redirects (8.1, 8.3) from the current first hop;
 * the DNS servers and search domains of RFC 8106 (RDNSS, DNSSL) with their lifetimes,
 * handed on through the hook apps/ registers.
 *
 * The lists are fixed arrays (routers_max, prefixes_max, redirects_max at most the _CAP
 * below), no allocation per packet. One timer runs every lifetime: it is armed at the
 * earliest expiry of a router, a prefix, a redirect's router or a SLAAC address. */
#include "net/perstack.h"
#include "nd/nd.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "ip6/icmp6.h"
#include "net/log.h"
#include "net/loop.h"

#define ND_ROUTERS_CAP 16
#define ND_PREFIXES_CAP 32
#define ND_REDIRECTS_CAP 64
#define ND_RS_DEVS 16
#define ND_TWO_HOURS_MS 7200000ull   /* RFC 4862 5.5.3 (e) */

struct nd_router {
	int ifindex;               /* 0: free */
	struct net_addr addr;      /* link-local */
	uint64_t expires;
};
struct nd_prefix {
	int ifindex;
	struct net_addr prefix;
	unsigned plen;
	uint64_t expires;          /* 0: forever */
};
struct nd_redir {
	int ifindex;
	struct net_addr dst, target;
};
struct nd_dns_srv {
	int ifindex;               /* the device the RA came on; 0: free */
	struct net_addr addr;
	uint64_t expires;          /* 0: forever */
	uint64_t added;            /* the order kept: oldest first */
};
struct nd_dns_dom {
	int ifindex;
	char name[ND_DNS_NAME_MAX];
	uint64_t expires, added;
};
struct nd_rs {
	int ifindex;
	unsigned sent;
	int got_ra;
	struct net_timer timer;
};

struct nd_rd_state {
	struct nd_router routers[ND_ROUTERS_CAP];
	struct nd_prefix prefixes[ND_PREFIXES_CAP];
	struct nd_redir redirs[ND_REDIRECTS_CAP];
	struct nd_rs rs[ND_RS_DEVS];
	struct nd_dns_srv dns_srv[ND_DNS_KEEP];
	struct nd_dns_dom dns_dom[ND_DNS_KEEP];
	uint64_t dns_seq;
	struct net_timer life;     /* the lifetimes */
	uint64_t rng;
};
PERSTACK_STATIC(struct nd_rd_state, nd_rd)
#define nd_rd PERSTACK_REF(struct nd_rd_state, nd_rd)

static void (*nd_dns_hook)(void); /* the process's: apps/ hands the lists on */

static unsigned cap_of(unsigned want, unsigned cap)
{
	return want < cap ? want : cap;
}

uint64_t nd_random(void)
{
	uint64_t x = nd_rd.rng ? nd_rd.rng : 0x9e3779b97f4a7c15ull;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	nd_rd.rng = x;
	return x;
}

/* A lifetime in seconds from now, as absolute ms; 0 for infinity. */
static uint64_t until(uint32_t s, uint64_t now)
{
	return s == ND_LIFETIME_INFINITE ? 0 : now + (uint64_t)s * 1000;
}

/* ---- the route hook (ip6_route) ---- */

static struct nd_router *router_pick(const struct net_device *only)
{
	struct nd_router *first = NULL;

	/* 6.3.6: a router known reachable (or probably so) first, else any */
	for (unsigned i = 0; i < ND_ROUTERS_CAP; i++) {
		struct nd_router *r = &nd_rd.routers[i];
		struct net_device *dev;
		enum nd_state st;

		if (!r->ifindex || (only && r->ifindex != only->index) ||
		    !(dev = net_device_by_index(r->ifindex)))
			continue;
		st = nd_cache_lookup(dev, &r->addr, NULL);
		if (st != ND_NONE && st != ND_INCOMPLETE)
			return r;
		if (!first)
			first = r;
	}
	return first;
}

static int nd_route(const struct net_addr *dst, struct net_device **dev, struct net_addr *nh,
		    unsigned *plen)
{
	const struct nd_prefix *best = NULL;
	struct nd_router *r;

	for (unsigned i = 0; i < ND_REDIRECTS_CAP; i++) {
		const struct nd_redir *x = &nd_rd.redirs[i];

		if (x->ifindex && net_addr_eq(&x->dst, dst) &&
		    (!*dev || (*dev)->index == x->ifindex) &&
		    (*dev || (*dev = net_device_by_index(x->ifindex)))) {
			*nh = x->target;
			*plen = 128; /* a redirect is for dst alone */
			return 0;
		}
	}
	for (unsigned i = 0; i < ND_PREFIXES_CAP; i++) {
		const struct nd_prefix *x = &nd_rd.prefixes[i];

		if (x->ifindex && (!*dev || (*dev)->index == x->ifindex) &&
		    ip6_prefix_match(&x->prefix, dst, x->plen) && (!best || x->plen > best->plen))
			best = x;
	}
	if (best && (*dev || (*dev = net_device_by_index(best->ifindex)))) {
		*nh = *dst;
		*plen = best->plen;
		return 0;
	}
	r = router_pick(*dev);
	if (!r || (!*dev && !(*dev = net_device_by_index(r->ifindex))))
		return -ENETUNREACH;
	*nh = r->addr;
	*plen = 0;
	return 0;
}

void nd_router_unreachable(struct net_device *dev, const struct net_addr *addr)
{
	for (unsigned i = 0; i < ND_ROUTERS_CAP; i++)
		if (nd_rd.routers[i].ifindex == dev->index &&
		    net_addr_eq(&nd_rd.routers[i].addr, addr)) {
			net_device_changed(dev);
			return;
		}
}

/* ---- lifetimes ---- */

struct life_arg {
	uint64_t now, next;
	int ifindex[IP6_IFADDR_MAX];
	struct net_addr addr[IP6_IFADDR_MAX];
	unsigned n;
};

static void life_next(uint64_t *next, uint64_t t)
{
	if (t && (!*next || t < *next))
		*next = t;
}

static void life_addr(const struct ip6_ifaddr *ifa, void *arg)
{
	struct life_arg *a = arg;

	if ((ifa->flags & IP6_IFA_AUTO) && a->n < IP6_IFADDR_MAX) {
		a->ifindex[a->n] = ifa->ifindex;
		a->addr[a->n++] = ifa->addr;
	}
}

static void redirects_drop_via(int ifindex, const struct net_addr *router)
{
	for (unsigned i = 0; i < ND_REDIRECTS_CAP; i++)
		if (nd_rd.redirs[i].ifindex == ifindex &&
		    net_addr_eq(&nd_rd.redirs[i].target, router))
			nd_rd.redirs[i].ifindex = 0;
}

static void life_run(struct net_timer *t, void *arg, uint64_t now)
{
	struct life_arg a = { .now = now };
	char s[NET_ADDR_STRLEN];
	int dns_changed = 0;

	(void)t;
	(void)arg;
	for (unsigned i = 0; i < ND_ROUTERS_CAP; i++) {
		struct nd_router *r = &nd_rd.routers[i];

		if (!r->ifindex)
			continue;
		if (r->expires <= now) {
			STAT_INC(nd, routers_expired);
			infof("router %s expired", net_addr_ntop(&r->addr, s, sizeof(s)));
			redirects_drop_via(r->ifindex, &r->addr);
			/* routes resolved through it are stale (cached ones look again) */
			net_device_changed(net_device_by_index(r->ifindex));
			r->ifindex = 0;
			continue;
		}
		life_next(&a.next, r->expires);
	}
	for (unsigned i = 0; i < ND_PREFIXES_CAP; i++) {
		struct nd_prefix *x = &nd_rd.prefixes[i];

		if (!x->ifindex || !x->expires)
			continue;
		if (x->expires <= now) {
			STAT_INC(nd, prefixes_expired);
			net_device_changed(net_device_by_index(x->ifindex)); /* its on-link routes */
			x->ifindex = 0;
			continue;
		}
		life_next(&a.next, x->expires);
	}
	for (unsigned i = 0; i < ND_DNS_KEEP; i++) {
		struct nd_dns_srv *d = &nd_rd.dns_srv[i];
		struct nd_dns_dom *m = &nd_rd.dns_dom[i];

		if (d->ifindex && d->expires && d->expires <= now) {
			STAT_INC(nd, dns_expired);
			d->ifindex = 0;
			dns_changed = 1;
		} else if (d->ifindex) {
			life_next(&a.next, d->expires);
		}
		if (m->ifindex && m->expires && m->expires <= now) {
			STAT_INC(nd, dns_expired);
			m->ifindex = 0;
			dns_changed = 1;
		} else if (m->ifindex) {
			life_next(&a.next, m->expires);
		}
	}
	if (dns_changed && nd_dns_hook)
		nd_dns_hook();
	ip6_addr_foreach(life_addr, &a);
	for (unsigned i = 0; i < a.n; i++) {
		struct net_device *dev = net_device_by_index(a.ifindex[i]);
		struct ip6_ifaddr *ifa = dev ? ip6_addr_get(dev, &a.addr[i]) : NULL;

		if (!ifa)
			continue;
		if (ifa->valid_until && ifa->valid_until <= now) {
			/* 5.5.4: the valid lifetime over, the address goes */
			STAT_INC(nd, slaac_expired);
			ip6_addr_del(dev, &a.addr[i]);
			continue;
		}
		if (ifa->preferred_until && ifa->preferred_until <= now &&
		    !(ifa->flags & IP6_IFA_DEPRECATED)) {
			STAT_INC(nd, slaac_deprecated);
			ifa->flags |= IP6_IFA_DEPRECATED;
			net_device_changed(dev);
		}
		if (!(ifa->flags & IP6_IFA_DEPRECATED))
			life_next(&a.next, ifa->preferred_until);
		life_next(&a.next, ifa->valid_until);
	}
	if (a.next)
		net_timer_arm(&nd_rd.life, a.next);
	else
		net_timer_cancel(&nd_rd.life);
}

/* ---- router solicitation (6.3.7) ---- */

static struct nd_rs *rs_of(const struct net_device *dev, int create)
{
	struct nd_rs *free_slot = NULL;

	for (unsigned i = 0; i < ND_RS_DEVS; i++) {
		if (nd_rd.rs[i].ifindex == dev->index)
			return &nd_rd.rs[i];
		if (!nd_rd.rs[i].ifindex && !free_slot)
			free_slot = &nd_rd.rs[i];
	}
	if (!create || !free_slot)
		return NULL;
	free_slot->ifindex = dev->index;
	free_slot->sent = 0;
	free_slot->got_ra = 0;
	return free_slot;
}

static void rs_timer(struct net_timer *t, void *arg, uint64_t now)
{
	struct nd_rs *rs = arg;
	struct net_device *dev = net_device_by_index(rs->ifindex);
	struct net_addr dst = { .family = AF_INET6, .v6 = { 0xff, 2, [15] = 2 } }, src;
	struct pkb *p;
	size_t len;
	int has_src;

	(void)t;
	if (!dev || rs->got_ra || rs->sent >= nd_config.rtr_solicits)
		return;
	has_src = ip6_source_select(dev, &dst, &src) == 0 && ip6_addr_is_linklocal(&src);
	if (!has_src)
		src = net_addr_any(AF_INET6);
	/* 4.1: the link-layer option only from a real source */
	len = ND_RS_LEN + (has_src ? 8 : 0);
	rs->sent++;
	if (rs->sent < nd_config.rtr_solicits)
		net_timer_arm(&rs->timer, now + nd_config.rtr_solicit_interval_ms);
	if (!(p = pkb_alloc(len)))
		return;
	nd_rs_emit(has_src ? dev->hwaddr : NULL, pkb_put(p, len), len);
	STAT_INC(nd, tx_rs);
	nd_send_pkb(dev, p, &src, &dst, now);
}

void nd_rs_start(struct net_device *dev, uint64_t now)
{
	struct nd_rs *rs;

	if (!nd_config.accept_ra || !nd_config.rtr_solicits || dev->type != NET_DEV_ETHER ||
	    !(rs = rs_of(dev, 1)))
		return;
	rs->sent = 0;
	rs->got_ra = 0;
	net_timer_init(&rs->timer, rs_timer, rs);
	net_timer_arm(&rs->timer, now + (nd_config.rtr_solicit_delay_ms ?
					      nd_random() % (nd_config.rtr_solicit_delay_ms + 1) : 0));
}

/* ---- router advertisements (6.3.4) ---- */

static void router_update(struct net_device *dev, const struct net_addr *src, uint16_t life_s,
			  uint64_t now)
{
	struct nd_router *r = NULL, *free_slot = NULL;
	unsigned max = cap_of(nd_config.routers_max, ND_ROUTERS_CAP);
	char s[NET_ADDR_STRLEN];

	for (unsigned i = 0; i < max; i++) {
		if (nd_rd.routers[i].ifindex == dev->index &&
		    net_addr_eq(&nd_rd.routers[i].addr, src))
			r = &nd_rd.routers[i];
		else if (!nd_rd.routers[i].ifindex && !free_slot)
			free_slot = &nd_rd.routers[i];
	}
	if (!life_s) {
		if (r) { /* 6.3.4: lifetime 0, no longer a default router */
			redirects_drop_via(r->ifindex, &r->addr);
			r->ifindex = 0;
			net_device_changed(dev);
		}
		return;
	}
	if (!r) {
		if (!free_slot) {
			STAT_INC(nd, ra_list_full);
			return;
		}
		r = free_slot;
		r->ifindex = dev->index;
		r->addr = *src;
		STAT_INC(nd, routers_added);
		infof("dev=%s default router %s, lifetime %us", dev->name,
		      net_addr_ntop(src, s, sizeof(s)), life_s);
		net_device_changed(dev);
	}
	r->expires = now + (uint64_t)life_s * 1000;
}

static void prefix_update(struct net_device *dev, const struct nd_ra_prefix *x, uint64_t now)
{
	struct nd_prefix *e = NULL, *free_slot = NULL;
	unsigned max = cap_of(nd_config.prefixes_max, ND_PREFIXES_CAP);
	struct net_addr pfx = x->prefix;

	/* the bits past the length are not the prefix's */
	for (unsigned i = 0; i < 16; i++)
		if (i * 8 >= x->plen)
			pfx.v6[i] = 0;
		else if (i * 8 + 8 > x->plen)
			pfx.v6[i] &= (uint8_t)(0xff00 >> (x->plen - i * 8));
	for (unsigned i = 0; i < max; i++) {
		struct nd_prefix *y = &nd_rd.prefixes[i];

		if (y->ifindex == dev->index && y->plen == x->plen && net_addr_eq(&y->prefix, &pfx))
			e = y;
		else if (!y->ifindex && !free_slot)
			free_slot = y;
	}
	if (!x->valid_s) {
		if (e) { /* 6.3.4: valid lifetime 0, the prefix goes at once */
			e->ifindex = 0;
			net_device_changed(dev);
		}
		return;
	}
	if (!e) {
		if (!free_slot) {
			STAT_INC(nd, ra_list_full);
			return;
		}
		e = free_slot;
		e->ifindex = dev->index;
		e->prefix = pfx;
		e->plen = x->plen;
		STAT_INC(nd, prefixes_added);
		net_device_changed(dev);
	}
	e->expires = until(x->valid_s, now);
}

/* dev's SLAAC address in prefix (/64), or NULL. */
struct slaac_find {
	int ifindex;
	const struct net_addr *pfx;
	struct net_addr found;
	int hit;
};

static void slaac_find_one(const struct ip6_ifaddr *ifa, void *arg)
{
	struct slaac_find *f = arg;

	if (ifa->ifindex == f->ifindex && (ifa->flags & IP6_IFA_AUTO) &&
	    ip6_prefix_match(&ifa->addr, f->pfx, 64)) {
		f->found = ifa->addr;
		f->hit = 1;
	}
}

int nd_slaac_form(struct net_device *dev, const struct net_addr *prefix, unsigned dad_count,
		  uint64_t preferred_until, uint64_t valid_until)
{
	struct net_addr a = { .family = AF_INET6 };
	struct ip6_ifaddr *ifa;
	char s[NET_ADDR_STRLEN];
	int err;

	for (;; dad_count++) {
		if (dad_count > nd_config.idgen_retries) {
			warnf("dev=%s prefix %s/64: no address after %u identifiers", dev->name,
			      net_addr_ntop(prefix, s, sizeof(s)), dad_count);
			return -EADDRINUSE;
		}
		ip6_stable_iid(dev, prefix->v6, dad_count, ip6_config.secret, a.v6);
		/* RFC 5453's reserved identifiers are stepped over like a duplicate */
		if (a.v6[8] | a.v6[9] | a.v6[10] | a.v6[11] | a.v6[12] | a.v6[13] | a.v6[14] |
		    a.v6[15])
			break;
	}
	err = ip6_addr_add(dev, &a, 64, IP6_IFA_AUTO | IP6_IFA_TENTATIVE);
	if (err < 0) {
		warnf("dev=%s cannot add SLAAC address %s: %s", dev->name,
		      net_addr_ntop(&a, s, sizeof(s)), strerror(-err));
		return err;
	}
	STAT_INC(nd, slaac_added);
	/* the hook may have judged it already (no DAD): it is still in the table */
	if ((ifa = ip6_addr_get(dev, &a))) {
		ifa->preferred_until = preferred_until;
		ifa->valid_until = valid_until;
		ifa->dad_count = dad_count;
	}
	return 0;
}

/* 5.5.3 (d) and (e): a new address for a new prefix, new lifetimes for a known one. */
static void slaac_update(struct net_device *dev, const struct nd_ra_prefix *x, uint64_t now)
{
	struct slaac_find f = { .ifindex = dev->index, .pfx = &x->prefix };
	uint64_t pref = until(x->preferred_s, now), valid = until(x->valid_s, now);
	struct ip6_ifaddr *ifa;

	ip6_addr_foreach(slaac_find_one, &f);
	if (!f.hit) {
		if (x->valid_s)
			nd_slaac_form(dev, &x->prefix, 0, pref, valid);
		return;
	}
	if (!(ifa = ip6_addr_get(dev, &f.found)))
		return;
	ifa->preferred_until = pref;
	if ((pref == 0 || pref > now) && (ifa->flags & IP6_IFA_DEPRECATED)) {
		ifa->flags &= ~IP6_IFA_DEPRECATED;
		net_device_changed(dev); /* preferred again: source selection changes */
	}
	/* (e): the two-hour rule, against a forged RA that would end the address at once */
	{
		uint64_t remaining = ifa->valid_until ? (ifa->valid_until > now ?
							 ifa->valid_until - now : 0) : UINT64_MAX;
		uint64_t received = x->valid_s == ND_LIFETIME_INFINITE ?
					    UINT64_MAX : (uint64_t)x->valid_s * 1000;

		if (received > ND_TWO_HOURS_MS || received > remaining)
			ifa->valid_until = valid;
		else if (remaining > ND_TWO_HOURS_MS)
			ifa->valid_until = now + ND_TWO_HOURS_MS;
		/* else: two hours or less left, the RA does not shorten it */
	}
}

/* ---- RFC 8106: DNS servers and search domains ---- */

/* Finds key's slot (match returns non-zero for it), or the free one, or (none free) the
 * one that expires first; sets *found. */
static int dns_slot(int n, int (*match)(int i, const void *key), const void *key,
		    uint64_t (*expires)(int i), int (*used)(int i), int *found)
{
	int free_i = -1, soonest = -1;

	*found = 0;
	for (int i = 0; i < n; i++) {
		if (!used(i)) {
			if (free_i < 0)
				free_i = i;
			continue;
		}
		if (match(i, key)) {
			*found = 1;
			return i;
		}
		if (expires(i) && (soonest < 0 || expires(i) < expires(soonest)))
			soonest = i;
	}
	return free_i >= 0 ? free_i : soonest;
}

static int srv_used(int i)
{
	return nd_rd.dns_srv[i].ifindex != 0;
}

static int srv_match(int i, const void *key)
{
	return net_addr_eq(&nd_rd.dns_srv[i].addr, key);
}

static uint64_t srv_expires(int i)
{
	return nd_rd.dns_srv[i].expires;
}

static int dom_used(int i)
{
	return nd_rd.dns_dom[i].ifindex != 0;
}

static int dom_match(int i, const void *key)
{
	return strcasecmp(nd_rd.dns_dom[i].name, key) == 0;
}

static uint64_t dom_expires(int i)
{
	return nd_rd.dns_dom[i].expires;
}

/* RFC 8106 5.3.1: a server or domain already known gets the new lifetime (0: it goes);
 * a new one takes a free slot, else that of the one expiring first (one that lives
 * forever is not pushed out: the new one is counted and dropped). Returns 1 when a list
 * gained or lost one (a lifetime refreshed is no change). */
static int dns_update(struct net_device *dev, const struct nd_ra *ra, uint64_t now)
{
	int changed = 0, found, i;

	STAT_ADD(nd, rx_ra_dns_bad, ra->dns_bad);
	STAT_ADD(nd, rx_ra_dns_over, ra->dns_over);
	for (unsigned k = 0; k < ra->nrdnss; k++) {
		struct nd_dns_srv *d;

		i = dns_slot(ND_DNS_KEEP, srv_match, &ra->rdnss[k], srv_expires, srv_used, &found);
		if (!found && !ra->rdnss_life_s[k])
			continue;
		if (i < 0) {
			STAT_INC(nd, rx_ra_dns_over);
			continue;
		}
		d = &nd_rd.dns_srv[i];
		if (!ra->rdnss_life_s[k]) {
			d->ifindex = 0;
			changed = 1;
			continue;
		}
		if (!found) {
			STAT_INC(nd, dns_added);
			d->addr = ra->rdnss[k];
			d->added = ++nd_rd.dns_seq;
			if (d->ifindex) /* pushed out: a new one in its place */
				STAT_INC(nd, dns_expired);
			changed = 1;
		}
		d->ifindex = dev->index;
		d->expires = until(ra->rdnss_life_s[k], now);
	}
	for (unsigned k = 0; k < ra->ndnssl; k++) {
		struct nd_dns_dom *m;

		i = dns_slot(ND_DNS_KEEP, dom_match, ra->dnssl[k], dom_expires, dom_used, &found);
		if (!found && !ra->dnssl_life_s[k])
			continue;
		if (i < 0) {
			STAT_INC(nd, rx_ra_dns_over);
			continue;
		}
		m = &nd_rd.dns_dom[i];
		if (!ra->dnssl_life_s[k]) {
			m->ifindex = 0;
			changed = 1;
			continue;
		}
		if (!found) {
			STAT_INC(nd, dns_added);
			memcpy(m->name, ra->dnssl[k], sizeof(m->name));
			m->added = ++nd_rd.dns_seq;
			if (m->ifindex)
				STAT_INC(nd, dns_expired);
			changed = 1;
		}
		m->ifindex = dev->index;
		m->expires = until(ra->dnssl_life_s[k], now);
	}
	return changed;
}

void nd_set_dns_hook(void (*fn)(void))
{
	nd_dns_hook = fn;
}

/* The used slots of a list in the order they were added: their indexes into order. */
static unsigned dns_order(int (*used)(int i), uint64_t (*added)(int i), int *order)
{
	unsigned n = 0;

	for (int i = 0; i < ND_DNS_KEEP; i++) {
		unsigned j;

		if (!used(i))
			continue;
		for (j = n; j > 0 && added(order[j - 1]) > added(i); j--)
			order[j] = order[j - 1];
		order[j] = i;
		n++;
	}
	return n;
}

static uint64_t srv_added(int i)
{
	return nd_rd.dns_srv[i].added;
}

static uint64_t dom_added(int i)
{
	return nd_rd.dns_dom[i].added;
}

unsigned nd_dns_servers(struct net_addr *out, int *ifindex, unsigned max)
{
	int order[ND_DNS_KEEP];
	unsigned n = dns_order(srv_used, srv_added, order);

	n = n < max ? n : max;
	for (unsigned i = 0; i < n; i++) {
		out[i] = nd_rd.dns_srv[order[i]].addr;
		if (ifindex)
			ifindex[i] = nd_rd.dns_srv[order[i]].ifindex;
	}
	return n;
}

unsigned nd_dns_domains(char out[][ND_DNS_NAME_MAX], unsigned max)
{
	int order[ND_DNS_KEEP];
	unsigned n = dns_order(dom_used, dom_added, order);

	n = n < max ? n : max;
	for (unsigned i = 0; i < n; i++)
		memcpy(out[i], nd_rd.dns_dom[order[i]].name, ND_DNS_NAME_MAX);
	return n;
}

/* Takes ownership of p. */
void nd_ra_input(struct pkb *p, const struct ip6_hdr *h, struct net_device *dev, uint64_t now)
{
	char s[NET_ADDR_STRLEN];
	struct nd_rs *rs;
	struct nd_ra ra;
	int rc;

	STAT_INC(nd, rx_ra);
	if (h->hlim != ND_HLIM) {
		STAT_INC(nd, rx_bad_hlim);
		goto drop;
	}
	if (!ip6_addr_is_linklocal(&h->src)) {
		/* 6.1.2: routers are named by their link-local addresses (redirects rely
		 * on it) */
		STAT_INC(nd, rx_ra_bad_src);
		debugf("dev=%s src=%s RA dropped: source not link-local", dev->name,
		       net_addr_ntop(&h->src, s, sizeof(s)));
		goto drop;
	}
	rc = nd_ra_parse(p->data, p->len, &ra);
	if (rc != ND_PARSE_OK) {
		nd_count_parse_err(rc);
		goto drop;
	}
	if (!nd_config.accept_ra || dev->type != NET_DEV_ETHER) {
		STAT_INC(nd, rx_ra_ignored);
		goto drop;
	}
	if ((rs = rs_of(dev, 0))) {
		rs->got_ra = 1; /* 6.3.7: an RA ends the solicitations */
		net_timer_cancel(&rs->timer);
	}
	/* NOTE: 6.3.4 keeps these per interface; the stack keeps one value of each, which
	 * is the same thing for a host on one link and the last router's word on several. */
	if (ra.cur_hlim)
		ip6_config.default_hlim = ra.cur_hlim;
	if (ra.reachable_ms && ra.reachable_ms <= 3600000)
		nd_config.reachable_ms = ra.reachable_ms;
	if (ra.retrans_ms)
		nd_config.retrans_ms = ra.retrans_ms;
	if (ra.has_slla)
		nd_neigh_learn(dev, &h->src, ra.slla, now);
	if (ra.mtu) {
		if (ra.mtu >= IP6_MIN_MTU && ra.mtu <= dev->mtu)
			ip6_link_mtu_set(dev, ra.mtu);
		else
			STAT_INC(nd, rx_ra_bad_mtu); /* 6.3.4: outside what the link carries */
	}
	router_update(dev, &h->src, ra.lifetime_s, now);
	if (dns_update(dev, &ra, now) && nd_dns_hook)
		nd_dns_hook();
	STAT_ADD(nd, rx_pfx_ignored, ra.pfx_over);
	for (unsigned i = 0; i < ra.npfx; i++) {
		const struct nd_ra_prefix *x = &ra.pfx[i];

		if (ip6_addr_is_linklocal(&x->prefix) ||
		    (x->preferred_s > x->valid_s)) {
			STAT_INC(nd, rx_pfx_ignored); /* 6.3.4, RFC 4862 5.5.3 (b), (c) */
			continue;
		}
		if (x->flags & ND_PFX_ONLINK)
			prefix_update(dev, x, now);
		if (x->flags & ND_PFX_AUTO) {
			if (x->plen != 64) {
				/* 5.5.3 (d): the identifier is 64 bits on Ethernet */
				STAT_INC(nd, rx_pfx_ignored);
				continue;
			}
			slaac_update(dev, x, now);
		}
	}
	life_run(&nd_rd.life, NULL, now);
drop:
	pkb_free(p);
}

/* ---- redirects (8.1, 8.3) ---- */

/* Takes ownership of p. */
void nd_redirect_input(struct pkb *p, const struct ip6_hdr *h, struct net_device *dev,
		       uint64_t now)
{
	struct nd_redirect r;
	struct net_nexthop first;
	struct nd_redir *slot = NULL;
	int err, rc;
	unsigned max = cap_of(nd_config.redirects_max, ND_REDIRECTS_CAP);
	char s[NET_ADDR_STRLEN], d[NET_ADDR_STRLEN], g[NET_ADDR_STRLEN];

	STAT_INC(nd, rx_redirect);
	if (h->hlim != ND_HLIM) {
		STAT_INC(nd, rx_bad_hlim);
		goto drop;
	}
	rc = nd_redirect_parse(p->data, p->len, &r);
	if (rc != ND_PARSE_OK) {
		nd_count_parse_err(rc);
		goto drop;
	}
	/* 8.1: from a link-local source that is the current first hop for the destination
	 * (as ip6_route finds it: an on-link destination is its own first hop), the target
	 * a link-local router or the destination itself */
	err = ip6_route(&r.dst, dev, &first);
	if (!ip6_addr_is_linklocal(&h->src) ||
	    (!ip6_addr_is_linklocal(&r.target) && !net_addr_eq(&r.target, &r.dst)) ||
	    (err < 0 && err != -EADDRNOTAVAIL) || first.dev != dev ||
	    !net_addr_eq(&first.nexthop, &h->src)) {
		STAT_INC(nd, rx_redirect_refused);
		debugf("dev=%s redirect from %s for %s refused: not the first hop", dev->name,
		       net_addr_ntop(&h->src, s, sizeof(s)), net_addr_ntop(&r.dst, d, sizeof(d)));
		goto drop;
	}
	for (unsigned i = 0; i < max && !slot; i++)
		if (nd_rd.redirs[i].ifindex == dev->index && net_addr_eq(&nd_rd.redirs[i].dst, &r.dst))
			slot = &nd_rd.redirs[i];
	for (unsigned i = 0; i < max && !slot; i++)
		if (!nd_rd.redirs[i].ifindex)
			slot = &nd_rd.redirs[i];
	if (!slot) {
		slot = &nd_rd.redirs[nd_random() % (max ? max : 1)]; /* full: one replaced */
		STAT_INC(nd, ra_list_full);
	}
	slot->ifindex = dev->index;
	slot->dst = r.dst;
	slot->target = r.target;
	STAT_INC(nd, redirects_accepted);
	infof("dev=%s redirect: %s via %s", dev->name, net_addr_ntop(&r.dst, d, sizeof(d)),
	      net_addr_ntop(&r.target, g, sizeof(g)));
	if (r.has_lla)
		nd_neigh_learn(dev, &r.target, r.lla, now); /* 8.3 */
	net_device_changed(dev);
drop:
	pkb_free(p);
}

/* ---- listing, init ---- */

void nd_router_foreach(void (*fn)(const struct net_device *dev, const struct net_addr *addr,
				  uint64_t expires, void *arg), void *arg)
{
	for (unsigned i = 0; i < ND_ROUTERS_CAP; i++) {
		const struct nd_router *r = &nd_rd.routers[i];
		const struct net_device *dev;

		if (r->ifindex && (dev = net_device_by_index(r->ifindex)))
			fn(dev, &r->addr, r->expires, arg);
	}
}

void nd_prefix_foreach(void (*fn)(const struct net_device *dev, const struct net_addr *pfx,
				  unsigned plen, uint64_t expires, void *arg), void *arg)
{
	for (unsigned i = 0; i < ND_PREFIXES_CAP; i++) {
		const struct nd_prefix *x = &nd_rd.prefixes[i];
		const struct net_device *dev;

		if (x->ifindex && (dev = net_device_by_index(x->ifindex)))
			fn(dev, &x->prefix, x->plen, x->expires, arg);
	}
}

void nd_router_init(void)
{
	memset(&nd_rd, 0, sizeof(nd_rd));
	net_timer_init(&nd_rd.life, life_run, NULL);
	if (getrandom(&nd_rd.rng, sizeof(nd_rd.rng), 0) != (ssize_t)sizeof(nd_rd.rng))
		nd_rd.rng = net_clock_ns();
	ip6_set_dad_hook(nd_dad_start);
	ip6_set_router_fn(nd_route);
}

void nd_router_shutdown(void)
{
	net_timer_cancel(&nd_rd.life);
	for (unsigned i = 0; i < ND_RS_DEVS; i++)
		if (nd_rd.rs[i].ifindex)
			net_timer_cancel(&nd_rd.rs[i].timer);
	memset(&nd_rd, 0, sizeof(nd_rd));
}
