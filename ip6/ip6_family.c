/* SPDX-License-Identifier: MIT */
/* IPv6 as an address family of net/family.h: what tcp/ and udp/ call for routing, MTU,
 * source selection and output of AF_INET6 connections and datagrams. ip6_init registers
 * it. */
#include <errno.h>

#include "ip6/icmp6.h"
#include "ip6/ip6.h"
#include "net/loop.h"
#include "net/pkb.h"

static int inet6_route(const struct net_addr *dst, int ifindex, struct net_nexthop *nh)
{
	struct net_device *dev = NULL;

	if (ifindex && !(dev = net_device_by_index(ifindex)))
		return -ENODEV;
	return ip6_route(dst, dev, nh) < 0 ? -ENETUNREACH : 0;
}

static uint32_t inet6_generation(void)
{
	/* both only grow: their sum changes whenever either does */
	return net_device_generation() + ip6_route_generation();
}

/* The path MTU: the link's (the device's, or a router's MTU option), or less after a
 * packet too big (ip6/ip6_pmtu.c). */
static unsigned inet6_nh_mtu(const struct net_nexthop *nh, const struct net_addr *dst)
{
	unsigned pmtu, mtu = ip6_link_mtu(nh->dev);

	pmtu = ip6_pmtu_get(dst, net_clock_ms());
	return pmtu && pmtu < mtu ? pmtu : mtu;
}

static unsigned inet6_mtu(const struct net_addr *dst, int ifindex)
{
	struct net_nexthop nh;

	if (inet6_route(dst, ifindex, &nh) < 0)
		return 0;
	return inet6_nh_mtu(&nh, dst);
}

static int inet6_source(const struct net_addr *dst, int ifindex, struct net_addr *src)
{
	struct net_nexthop nh;

	if (inet6_route(dst, ifindex, &nh) < 0)
		return -ENETUNREACH;
	*src = nh.src;
	return 0;
}

static int inet6_is_local(const struct net_addr *a)
{
	return a->family == AF_INET6 && ip6_addr_lookup(a) != NULL;
}

static int inet6_is_broadcast(const struct net_addr *a)
{
	(void)a;
	return 0; /* IPv6 has none */
}

static int inet6_is_multicast(const struct net_addr *a)
{
	return ip6_addr_is_multicast(a);
}

static int inet6_output(uint8_t proto, struct pkb *p, const struct net_addr *src,
			const struct net_addr *dst, const struct net_out_opts *opts,
			const struct net_nexthop *nh, uint64_t now)
{
	struct ip6_out o = { 0 };

	if (nh)
		o.dev = nh->dev;
	else if (opts && opts->ifindex)
		o.dev = net_device_by_index(opts->ifindex);
	if (opts) {
		o.hlim = opts->ttl;
		o.tclass = opts->tos;
	}
	return ip6_output(proto, p, src, dst, &o, now);
}

/* The IPv6 header is nh_len bytes before p->data, as delivered: the error quotes from
 * there. icmp6_send_error copies. */
static void inet6_port_unreach(struct pkb *p, unsigned nh_len, uint64_t now)
{
	if (pkb_push(p, nh_len)) {
		icmp6_send_error(ICMP6_DST_UNREACH, ICMP6_UNREACH_PORT, 0, p, p->dev, 0, now);
		pkb_pull(p, nh_len);
	}
}

static void usable_global(const struct ip6_ifaddr *ifa, void *arg)
{
	if (ip6_ifa_usable(ifa) && !ip6_addr_is_linklocal(&ifa->addr) &&
	    !ip6_addr_is_loopback(&ifa->addr))
		*(int *)arg = 1;
}

static int inet6_configured(void)
{
	int found = 0;

	ip6_addr_foreach(usable_global, &found);
	return found;
}

const struct net_family_ops ip6_family_ops = {
	.family = AF_INET6,
	.hdr_len = IP6_HDR_LEN,
	.default_mss = IP6_MIN_MTU - IP6_HDR_LEN - 20, /* 1220 */
	.flags = NET_FAM_F_UDP_CSUM | NET_FAM_F_TSO6,
	.route = inet6_route,
	.route_generation = inet6_generation,
	.mtu = inet6_mtu,
	.nh_mtu = inet6_nh_mtu,
	.source = inet6_source,
	.is_local = inet6_is_local,
	.configured = inet6_configured,
	.is_broadcast = inet6_is_broadcast,
	.is_multicast = inet6_is_multicast,
	.output = inet6_output,
	.port_unreach = inet6_port_unreach,
};
