/* SPDX-License-Identifier: MIT */
/* Static IPv6 routes (`--route 2001:db8:5::/48,via=2001:db8::1`, `--gw fe80::1,dev=tap0`,
 * ustack_route6_add): a fixed table of prefixes with a gateway, searched by longest
 * prefix. ip6_route (ip6/ip6_output.c) weighs the match against the on-link prefixes of
 * our addresses and what router discovery learnt.
 *
 * A route's device is named (a link-local gateway needs one) or found at each lookup as
 * the device whose on-link prefix holds the gateway: routes may be given before SLAAC or
 * DHCPv6 has configured the address that makes the gateway reachable, and a route whose
 * gateway is on no link is passed over, as a shorter one may still serve. */
#include "net/perstack.h"
#include "ip6/ip6.h"

#include <errno.h>
#include <string.h>

struct ip6_rt {
	int used;
	struct net_addr prefix;    /* host bits cleared */
	unsigned plen;
	struct net_addr gw;        /* ::: the prefix is on-link through ifindex */
	int ifindex;               /* 0: the device whose prefix holds gw */
};

struct ip6_rt_state {
	struct ip6_rt rt[IP6_ROUTE_MAX];
	uint32_t generation;
};
PERSTACK_STATIC(struct ip6_rt_state, ip6_rtab)
#define ip6_rtab PERSTACK_REF(struct ip6_rt_state, ip6_rtab)

static void prefix_clear_host(struct net_addr *a, unsigned plen)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = plen > i * 8 ? plen - i * 8 : 0;

		if (keep < 8)
			a->v6[i] &= (uint8_t)(0xff00u >> keep);
	}
}

int ip6_route_add(const struct net_addr *prefix, unsigned plen, const struct net_addr *gw,
		  int ifindex)
{
	struct net_addr p;
	int slot = -1;

	if (prefix->family != AF_INET6 || gw->family != AF_INET6 || plen > 128 ||
	    ip6_addr_is_multicast(gw) || ip6_addr_is_loopback(gw))
		return -EINVAL;
	if (ifindex < 0 || (!ifindex && (ip6_addr_is_linklocal(gw) || net_addr_is_any(gw))))
		return -EINVAL; /* a link-local gateway, or none, names its link */
	if (ifindex && !net_device_by_index(ifindex))
		return -ENODEV;
	p = *prefix;
	prefix_clear_host(&p, plen);
	for (int i = 0; i < IP6_ROUTE_MAX; i++) {
		const struct ip6_rt *r = &ip6_rtab.rt[i];

		if (!r->used) {
			if (slot < 0)
				slot = i;
		} else if (r->plen == plen && net_addr_eq(&r->prefix, &p)) {
			return -EEXIST;
		}
	}
	if (slot < 0)
		return -ENOSPC;
	ip6_rtab.rt[slot] = (struct ip6_rt){ .used = 1, .prefix = p, .plen = plen, .gw = *gw,
					    .ifindex = ifindex };
	ip6_rtab.generation++;
	return 0;
}

int ip6_route_del(const struct net_addr *prefix, unsigned plen)
{
	struct net_addr p;

	if (prefix->family != AF_INET6 || plen > 128)
		return -EINVAL;
	p = *prefix;
	prefix_clear_host(&p, plen);
	for (int i = 0; i < IP6_ROUTE_MAX; i++) {
		struct ip6_rt *r = &ip6_rtab.rt[i];

		if (r->used && r->plen == plen && net_addr_eq(&r->prefix, &p)) {
			r->used = 0;
			ip6_rtab.generation++;
			return 0;
		}
	}
	return -ESRCH;
}

/* r's device and next hop, within only (0: any device); 0 or -ENETUNREACH. */
static int rt_resolve(const struct ip6_rt *r, const struct net_addr *dst, int only,
		      struct net_device **dev, struct net_addr *nh)
{
	int ifindex = r->ifindex;

	if (!ifindex && !(ifindex = ip6_onlink_ifindex(&r->gw, only, NULL)))
		return -ENETUNREACH;
	if (only && ifindex != only)
		return -ENETUNREACH;
	if (!(*dev = net_device_by_index(ifindex)))
		return -ENETUNREACH;
	*nh = net_addr_is_any(&r->gw) ? *dst : r->gw;
	return 0;
}

int ip6_route_lookup(const struct net_addr *dst, int only, struct net_device **dev,
		     struct net_addr *nh)
{
	const struct ip6_rt *best = NULL;

	for (int i = 0; i < IP6_ROUTE_MAX; i++) {
		const struct ip6_rt *r = &ip6_rtab.rt[i];
		struct net_device *d;
		struct net_addr n;

		if (!r->used || (best && r->plen <= best->plen) ||
		    !ip6_prefix_match(&r->prefix, dst, r->plen) ||
		    rt_resolve(r, dst, only, &d, &n) < 0)
			continue;
		best = r;
		*dev = d;
		*nh = n;
	}
	return best ? (int)best->plen : -ENETUNREACH;
}

void ip6_route_foreach(void (*fn)(const struct net_addr *prefix, unsigned plen,
				  const struct net_addr *gw, int ifindex, void *arg),
		       void *arg)
{
	/* longest prefixes first, as `ip -6 route` reads best */
	for (int plen = 128; plen >= 0; plen--)
		for (int i = 0; i < IP6_ROUTE_MAX; i++) {
			const struct ip6_rt *r = &ip6_rtab.rt[i];

			if (r->used && (int)r->plen == plen)
				fn(&r->prefix, r->plen, &r->gw, r->ifindex, arg);
		}
}

void ip6_route_flush(void)
{
	memset(ip6_rtab.rt, 0, sizeof(ip6_rtab.rt));
	ip6_rtab.generation++;
}

size_t ip6_route_count(void)
{
	size_t n = 0;

	for (int i = 0; i < IP6_ROUTE_MAX; i++)
		n += ip6_rtab.rt[i].used != 0;
	return n;
}

uint32_t ip6_route_generation(void)
{
	return ip6_rtab.generation;
}
