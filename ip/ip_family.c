/* SPDX-License-Identifier: MIT */
/* IPv4 as an address family of net/family.h: what tcp/ and udp/ call for routing, MTU,
 * source selection and output, over ip/'s own functions. ip_init registers it. */
#include <errno.h>

#include "ip/icmp.h"
#include "ip/ip.h"
#include "net/pkb.h"

static void nh_from_ip(struct net_nexthop *out, const struct ip_nexthop *nh)
{
	out->dev = nh->dev;
	out->nexthop = net_addr_v4(nh->nexthop);
	out->src = net_addr_v4(nh->src);
}

static int inet_route(const struct net_addr *dst, int ifindex, struct net_nexthop *out)
{
	struct ip_nexthop nh;
	int err;

	err = ifindex ? ip_route_output_dev(dst->v4, ifindex, &nh) : ip_route_output(dst->v4, &nh);
	if (err == 0)
		nh_from_ip(out, &nh);
	return err;
}

static unsigned inet_mtu(const struct net_addr *dst, int ifindex)
{
	return ip_route_mtu_dev(dst->v4, ifindex);
}

static unsigned inet_nh_mtu(const struct net_nexthop *nh, const struct net_addr *dst)
{
	(void)dst;
	return nh->dev->mtu;
}

static int inet_source(const struct net_addr *dst, int ifindex, struct net_addr *src)
{
	uint32_t a = ip_source_for_dev(dst->v4, ifindex);

	*src = net_addr_v4(a);
	return a == IP_ADDR_ANY ? -ENETUNREACH : 0;
}

static int inet_is_local(const struct net_addr *a)
{
	return a->family == AF_INET && ip_iface_by_addr(a->v4) != NULL;
}

static int inet_is_broadcast(const struct net_addr *a)
{
	return a->v4 == IP_ADDR_BROADCAST;
}

static int inet_is_multicast(const struct net_addr *a)
{
	return (ntohl(a->v4) >> 28) == 0xe;
}

static int inet_output(uint8_t proto, struct pkb *p, const struct net_addr *src,
		       const struct net_addr *dst, const struct net_out_opts *opts,
		       const struct net_nexthop *nh, uint64_t now)
{
	uint32_t s = src->family == AF_INET ? src->v4 : IP_ADDR_ANY;
	struct ip_nexthop n;

	if (!nh)
		return ip_output(proto, p, s, dst->v4, opts, now);
	n.dev = nh->dev;
	n.nexthop = nh->nexthop.v4;
	n.src = nh->src.v4;
	return ip_output_nh(proto, p, s, dst->v4, opts, &n, now);
}

/* ip_input left the IP header in the headroom right before the transport header: the
 * error quotes the datagram from there. icmp_send_error copies. */
static void inet_port_unreach(struct pkb *p, unsigned nh_len, uint64_t now)
{
	if (pkb_push(p, nh_len)) {
		icmp_send_error(ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0, p, now);
		pkb_pull(p, nh_len);
	}
}

static int inet_configured(void)
{
	return net_iface_family_present(AF_INET);
}

const struct net_family_ops ip_family_ops = {
	.family = AF_INET,
	.hdr_len = 20,
	.default_mss = 536,
	.flags = NET_FAM_F_TSO,
	.route = inet_route,
	.route_generation = ip_route_generation,
	.mtu = inet_mtu,
	.nh_mtu = inet_nh_mtu,
	.source = inet_source,
	.is_local = inet_is_local,
	.configured = inet_configured,
	.is_broadcast = inet_is_broadcast,
	.is_multicast = inet_is_multicast,
	.output = inet_output,
	.port_unreach = inet_port_unreach,
};
