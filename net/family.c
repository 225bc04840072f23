/* SPDX-License-Identifier: MIT */
/* The table of address families' network-layer operations (net/family.h). */
#include <errno.h>
#include <string.h>

#include "net/family.h"
#include "net/perstack.h"

const struct net_family_ops *net_families[NET_FAMILY_SLOTS];

void net_family_register(const struct net_family_ops *ops)
{
	if (ops->family < NET_FAMILY_SLOTS)
		net_families[ops->family] = ops;
}

/* By protocol number: one load per packet (2 KiB per stack). */
PERSTACK_STATIC(const struct net_transport *[256], transports)
#define transports PERSTACK_REF(const struct net_transport *[256], transports)
PERSTACK_STATIC(unsigned, ntransports)
#define ntransports PERSTACK_REF(unsigned, ntransports)

int net_transport_register(const struct net_transport *t)
{
	if (!transports[t->proto]) {
		if (ntransports == NET_TRANSPORT_MAX)
			return -ENOSPC;
		ntransports++;
	}
	transports[t->proto] = t;
	return 0;
}

const struct net_transport *net_transport_find(uint8_t proto)
{
	return transports[proto];
}

void net_transport_reset(void)
{
	memset(transports, 0, sizeof(transports));
	ntransports = 0;
}

int net_route_fresh(const struct net_route_cache *rc, const struct net_family_ops *f,
		    const struct net_addr *dst, int ifindex)
{
	return rc->fam == f && rc->gen == f->route_generation() && rc->ifindex == ifindex &&
	       net_addr_eq(&rc->dst, dst);
}

int net_route_cached(struct net_route_cache *rc, const struct net_family_ops *f,
		     const struct net_addr *dst, int ifindex, const struct net_nexthop **nh)
{
	if (!net_route_fresh(rc, f, dst, ifindex)) {
		memset(rc, 0, sizeof(*rc));
		rc->gen = f->route_generation();
		rc->fam = f;
		rc->dst = *dst;
		rc->ifindex = ifindex;
		rc->err = f->route(dst, ifindex, &rc->nh);
	}
	*nh = &rc->nh;
	return rc->err;
}
