/* SPDX-License-Identifier: MIT */
/* The routing table: connected routes (one per interface address), static routes and a
 * default gateway, with longest-prefix-match lookup.
 *
 * One hash table per prefix length, probed from /32 down to /0 and only for lengths that
 * hold a route, so a lookup costs at most 33 hash probes whatever the table size (a linear
 * scan sorted by prefix would cost one comparison per route). */
#include "net/perstack.h"
#include "ip/ip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "net/log.h"
#include "net/loop.h"

#define ROUTE_HASH_BITS 8
#define ROUTE_HASH_SIZE (1u << ROUTE_HASH_BITS)

struct route_entry {
	struct ip_route r;
	LIST_ENTRY(route_entry) link;
};

LIST_HEAD(route_bucket, route_entry);

struct route_level {
	struct route_bucket *buckets; /* allocated when the first route of this length comes */
	size_t count;
};

PERSTACK_STATIC(struct route_level[33], levels)
#define levels PERSTACK_REF(struct route_level[33], levels)
PERSTACK_STATIC(size_t, nroutes)
#define nroutes PERSTACK_REF(size_t, nroutes)
PERSTACK_STATIC_INIT(uint32_t, route_gen, 1) /* ip_route_generation; from 1: 0 means "never resolved" */
#define route_gen PERSTACK_REF(uint32_t, route_gen)

static uint32_t prefix_mask(unsigned plen)
{
	return htonl(plen ? ~0u << (32 - plen) : 0);
}

/* -1 if the mask is not contiguous (10.0.255.0 style masks cannot be matched by prefix). */
static int mask_to_prefix(uint32_t netmask)
{
	uint32_t m = ntohl(netmask);
	uint32_t inv = ~m;

	if (inv & (inv + 1))
		return -1;
	return __builtin_popcount(m);
}

static unsigned route_hash(uint32_t network)
{
	uint32_t h = ntohl(network) * 2654435761u; /* Knuth's multiplicative hash */

	return h >> (32 - ROUTE_HASH_BITS);
}

static struct route_entry *level_find(unsigned plen, uint32_t network)
{
	struct route_entry *e;

	if (!levels[plen].count)
		return NULL;
	LIST_FOREACH(e, &levels[plen].buckets[route_hash(network)], link)
		if (e->r.dst.v4 == network)
			return e;
	return NULL;
}

const struct ip_route *ip_route_lookup(uint32_t dst)
{
	for (int plen = 32; plen >= 0; plen--) {
		struct route_entry *e = level_find((unsigned)plen, dst & prefix_mask((unsigned)plen));

		if (e)
			return &e->r;
	}
	return NULL;
}

int ip_route_add(uint32_t network, uint32_t netmask, uint32_t gateway, struct net_iface *iface)
{
	struct route_level *lv;
	struct route_entry *e;
	int plen = mask_to_prefix(netmask);
	char a[IP_ADDR_STRLEN], g[IP_ADDR_STRLEN];

	NET_ASSERT_LOCKED();
	if (plen < 0)
		return -EINVAL;
	network &= netmask;
	if (!iface) {
		/* The gateway must be on a connected network: that network's interface. */
		const struct ip_route *via = gateway ? ip_route_lookup(gateway) : NULL;

		if (!via || via->gateway.v4)
			return -ENETUNREACH;
		iface = via->iface;
	}
	if (level_find((unsigned)plen, network))
		return -EEXIST;
	if (nroutes >= ip_config.route_max) {
		STAT_INC(ip, route_full);
		return -ENOSPC;
	}
	lv = &levels[plen];
	if (!lv->buckets) {
		lv->buckets = calloc(ROUTE_HASH_SIZE, sizeof(*lv->buckets));
		if (!lv->buckets)
			return -ENOMEM;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->r = (struct ip_route){ .dst = net_addr_v4(network), .prefixlen = (unsigned)plen,
				  .gateway = net_addr_v4(gateway), .src = iface->addr,
				  .iface = iface };
	LIST_INSERT_HEAD(&lv->buckets[route_hash(network)], e, link);
	lv->count++;
	nroutes++;
	route_gen++;
	infof("route=%s/%d via=%s dev=%s", ip_addr_ntop(network, a, sizeof(a)), plen,
	      ip_addr_ntop(gateway, g, sizeof(g)), iface->dev->name);
	return 0;
}

static void route_entry_remove(struct route_level *lv, struct route_entry *e)
{
	LIST_REMOVE(e, link);
	free(e);
	lv->count--;
	nroutes--;
	route_gen++; /* a connection's cached next hop may be this route */
}

int ip_route_del(uint32_t network, uint32_t netmask)
{
	int plen = mask_to_prefix(netmask);
	struct route_entry *e;
	char a[IP_ADDR_STRLEN];

	NET_ASSERT_LOCKED();
	if (plen < 0)
		return -EINVAL;
	e = level_find((unsigned)plen, network & netmask);
	if (!e)
		return -ESRCH;
	route_entry_remove(&levels[plen], e);
	infof("route=%s/%d removed", ip_addr_ntop(network & netmask, a, sizeof(a)), plen);
	return 0;
}

void ip_route_flush(void)
{
	NET_ASSERT_LOCKED();
	for (unsigned plen = 0; plen <= 32; plen++) {
		struct route_level *lv = &levels[plen];

		if (!lv->buckets)
			continue;
		for (unsigned i = 0; i < ROUTE_HASH_SIZE; i++) {
			struct route_entry *e;

			while ((e = LIST_FIRST(&lv->buckets[i]))) {
				LIST_REMOVE(e, link);
				free(e);
			}
		}
		free(lv->buckets);
		lv->buckets = NULL;
		lv->count = 0;
	}
	nroutes = 0;
	route_gen++;
}

uint32_t ip_route_generation(void)
{
	/* Both only grow, so the sum moves whenever either does. */
	return route_gen + net_device_generation();
}

size_t ip_route_count(void)
{
	return nroutes;
}

void ip_route_foreach(void (*fn)(const struct ip_route *r, void *arg), void *arg)
{
	const struct route_entry *e;

	for (int plen = 32; plen >= 0; plen--) {
		if (!levels[plen].count)
			continue;
		for (unsigned b = 0; b < ROUTE_HASH_SIZE; b++)
			LIST_FOREACH(e, &levels[plen].buckets[b], link)
				fn(&e->r, arg);
	}
}

int ip_iface_add(struct net_device *dev, uint32_t addr, uint32_t netmask, uint32_t peer)
{
	struct net_iface *ifc;
	int err;

	NET_ASSERT_LOCKED();
	if (mask_to_prefix(netmask) < 0)
		return -EINVAL;
	err = net_iface_add(dev, &(struct net_addr){ .family = AF_INET, .v4 = addr },
			    (unsigned)mask_to_prefix(netmask));
	if (err < 0)
		return err;
	ifc = &dev->ifaces[dev->nifaces - 1];
	ifc->netmask = netmask;
	ifc->broadcast = (addr & netmask) | ~netmask;
	ifc->peer = peer;
	/* A /32 (a TUN's usual address) and a /31 (RFC 3021) have no subnet broadcast: the
	 * "all ones" host part would be our own address (or the peer's), and TCP and UDP
	 * refuse broadcasts. Only the limited broadcast remains. */
	if (ntohl(netmask) >= 0xfffffffeu)
		ifc->broadcast = IP_ADDR_BROADCAST;
	/* A point-to-point link reaches its peer directly whatever the mask says. */
	if (peer) {
		err = ip_route_add(peer, IP_ADDR_BROADCAST, 0, ifc);
		if (err < 0 && err != -EEXIST)
			return err;
	}
	/* A /32 holds only our own address, which ip_route_output sends to loopback. */
	if (netmask != IP_ADDR_BROADCAST) {
		err = ip_route_add(addr & netmask, netmask, 0, ifc);
		if (err < 0 && err != -EEXIST)
			return err;
	}
	return 0;
}

int ip_iface_del(struct net_device *dev, uint32_t addr)
{
	struct net_iface *ifc = NULL, *end = &dev->ifaces[dev->nifaces];
	char a[IP_ADDR_STRLEN];

	NET_ASSERT_LOCKED();
	for (int i = 0; i < dev->nifaces; i++)
		if (dev->ifaces[i].addr.v4 == addr)
			ifc = &dev->ifaces[i];
	if (!ifc)
		return -EADDRNOTAVAIL;
	/* Routes point into dev->ifaces: those through ifc go, and those through the
	 * interfaces after it follow them down one slot. */
	for (unsigned plen = 0; plen <= 32; plen++) {
		struct route_level *lv = &levels[plen];

		if (!lv->count)
			continue;
		for (unsigned i = 0; i < ROUTE_HASH_SIZE; i++) {
			struct route_entry *e, *next;

			for (e = LIST_FIRST(&lv->buckets[i]); e; e = next) {
				next = LIST_NEXT(e, link);
				if (e->r.iface == ifc)
					route_entry_remove(lv, e);
				else if (e->r.iface > ifc && e->r.iface < end)
					e->r.iface--;
			}
		}
	}
	memmove(ifc, ifc + 1, (size_t)(end - ifc - 1) * sizeof(*ifc));
	dev->nifaces--;
	route_gen++; /* a cached next hop may have the address as its source */
	memset(&dev->ifaces[dev->nifaces], 0, sizeof(*ifc));
	infof("dev=%s addr=%s removed", dev->name, ip_addr_ntop(addr, a, sizeof(a)));
	return 0;
}

static int is_loopback_net(uint32_t addr)
{
	return (ntohl(addr) >> 24) == 127;
}

/* The first device that has an address: where a limited broadcast goes without a route. */
static struct net_iface *first_iface(void)
{
	struct net_device *dev;

	TAILQ_FOREACH(dev, &net_devices, link)
		if (dev->nifaces && dev->type != NET_DEV_LOOPBACK)
			return &dev->ifaces[0];
	return NULL;
}

PERSTACK_STATIC(struct net_device *, route_lo)
#define route_lo PERSTACK_REF(struct net_device *, route_lo)
PERSTACK_STATIC(uint32_t, route_lo_gen)
#define route_lo_gen PERSTACK_REF(uint32_t, route_lo_gen)
PERSTACK_STATIC(int, route_lo_known)
#define route_lo_known PERSTACK_REF(int, route_lo_known)

/* The device that carries what we send to ourselves (the first with NET_DEV_F_LOOPBACK),
 * found again only when the devices changed. */
static struct net_device *loopback_dev(void)
{
	struct net_device *dev;

	if (route_lo_known && route_lo_gen == net_device_generation())
		return route_lo;
	route_lo = NULL;
	TAILQ_FOREACH(dev, &net_devices, link)
		if (dev->flags & NET_DEV_F_LOOPBACK) {
			route_lo = dev;
			break;
		}
	route_lo_gen = net_device_generation();
	route_lo_known = 1;
	return route_lo;
}

int ip_route_output(uint32_t dst, struct ip_nexthop *out)
{
	const struct ip_route *r;
	struct net_iface *ifc;

	STAT_INC(ip, route_lookups);
	if (is_loopback_net(dst) || ip_iface_by_addr(dst)) {
		struct net_device *lo = loopback_dev();

		if (!lo)
			return -ENETUNREACH;
		out->dev = lo;
		out->nexthop = dst;
		if (!is_loopback_net(dst) || !lo->nifaces)
			out->src = dst;
		else
			out->src = lo->ifaces[0].addr.v4;
		return 0;
	}
	r = ip_route_lookup(dst);
	if (r) {
		out->dev = r->iface->dev;
		/* a limited broadcast is never sent to a gateway (RFC 1122 3.3.6): it follows
		 * the route only to choose the device */
		out->nexthop = r->gateway.v4 && dst != IP_ADDR_BROADCAST ? r->gateway.v4 : dst;
		out->src = r->src.v4;
		return 0;
	}
	if (dst == IP_ADDR_BROADCAST && (ifc = first_iface())) {
		out->dev = ifc->dev;
		out->nexthop = dst;
		out->src = ifc->addr.v4;
		return 0;
	}
	return -ENETUNREACH;
}

int ip_route_output_dev(uint32_t dst, int ifindex, struct ip_nexthop *out)
{
	struct net_device *dev;
	const struct ip_route *r;

	if (!ifindex || ip_iface_by_addr(dst) || is_loopback_net(dst))
		return ip_route_output(dst, out);
	dev = net_device_by_index(ifindex);
	if (!dev)
		return -ENODEV;
	r = ip_route_lookup(dst);
	if (r && r->iface->dev == dev) {
		out->dev = dev;
		/* a limited broadcast is never sent to a gateway (RFC 1122 3.3.6): it follows
		 * the route only to choose the device */
		out->nexthop = r->gateway.v4 && dst != IP_ADDR_BROADCAST ? r->gateway.v4 : dst;
		out->src = r->src.v4;
		return 0;
	}
	/* A device with no address yet still sends a limited broadcast, from 0.0.0.0
	 * (RFC 2131 4.1: a DHCP client's DHCPDISCOVER), as Linux does. */
	if (!dev->nifaces && dst != IP_ADDR_BROADCAST)
		return -ENETUNREACH;
	out->dev = dev;
	out->nexthop = dst;
	out->src = dev->nifaces ? dev->ifaces[0].addr.v4 : IP_ADDR_ANY;
	return 0;
}

uint32_t ip_source_for_dev(uint32_t dst, int ifindex)
{
	struct ip_nexthop nh;

	return ip_route_output_dev(dst, ifindex, &nh) < 0 ? 0 : nh.src;
}

uint32_t ip_source_for(uint32_t dst)
{
	struct ip_nexthop nh;

	return ip_route_output(dst, &nh) < 0 ? 0 : nh.src;
}

unsigned ip_route_mtu(uint32_t dst)
{
	struct ip_nexthop nh;

	return ip_route_output(dst, &nh) < 0 ? 0 : nh.dev->mtu;
}

unsigned ip_route_mtu_dev(uint32_t dst, int ifindex)
{
	struct ip_nexthop nh;

	return ip_route_output_dev(dst, ifindex, &nh) < 0 ? 0 : nh.dev->mtu;
}
