/* SPDX-License-Identifier: MIT */
/* IPv6 output: the route (on-link prefixes, static routes and what ND's router discovery
 * knows, by longest prefix), the source, the fixed header, fragmentation to the path MTU (ip6/ip6_frag.c, ip6_pmtu.c),
 * and the hand-off to ND's resolver on Ethernet or to the device on a point-to-point
 * link. Also the registration (ip6_init) and AF_INET6's family
 * operations for the transports. */
#include "net/perstack.h"
#include "ip6/ip6.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "ip6/icmp6.h"
#include "net/gso.h"
#include "net/log.h"

PERSTACK_STATIC(ip6_resolve_fn, ip6_resolver)
#define ip6_resolver PERSTACK_REF(ip6_resolve_fn, ip6_resolver)

PERSTACK_STATIC(ip6_router_fn, ip6_router)
#define ip6_router PERSTACK_REF(ip6_router_fn, ip6_router)

/* The MTU option of each device's routers, by device index (0: none heard). */
#define IP6_LINK_MTU_DEVS 64
PERSTACK_STATIC(unsigned[IP6_LINK_MTU_DEVS], ip6_link_mtus)
#define ip6_link_mtus PERSTACK_REF(unsigned[IP6_LINK_MTU_DEVS], ip6_link_mtus)

void ip6_set_resolver(ip6_resolve_fn fn)
{
	ip6_resolver = fn;
}

void ip6_set_router_fn(ip6_router_fn fn)
{
	ip6_router = fn;
}

void ip6_link_mtu_set(const struct net_device *dev, unsigned mtu)
{
	if (dev->index > 0 && dev->index < IP6_LINK_MTU_DEVS)
		ip6_link_mtus[dev->index] = mtu;
}

unsigned ip6_link_mtu(const struct net_device *dev)
{
	unsigned m = dev->index > 0 && dev->index < IP6_LINK_MTU_DEVS ?
			     ip6_link_mtus[dev->index] : 0;

	return m && m < dev->mtu ? m : dev->mtu;
}

/* A finished packet (or fragment) to the device, or to ND's resolver for an Ethernet next
 * hop. Takes ownership of p. */
static int ip6_xmit(struct net_device *dev, const struct net_addr *nexthop, struct pkb *p,
		    uint64_t now)
{
	p->proto = 0x86dd; /* what a TSO driver reads to tell TCPv6 (driver/vnet.c) */
	if (dev->type != NET_DEV_ETHER)
		return net_device_xmit(dev, p, now);
	if (!ip6_resolver) {
		STAT_INC(ip6, out_no_resolver);
		pkb_free(p);
		return -ENETUNREACH;
	}
	return ip6_resolver(dev, nexthop, p, now);
}

/* The device whose address's prefix holds dst (the longest such prefix), or NULL. */
struct onlink_arg {
	const struct net_addr *dst;
	int only;               /* a device given: its prefixes alone */
	int ifindex;
	unsigned plen;
};

static void onlink_fn(const struct ip6_ifaddr *ifa, void *arg)
{
	struct onlink_arg *a = arg;

	if (ip6_addr_is_linklocal(&ifa->addr) || !ip6_ifa_usable(ifa))
		return; /* fe80::/64 is on every link: it names no device */
	if (a->only && ifa->ifindex != a->only)
		return;
	if (ip6_prefix_match(&ifa->addr, a->dst, ifa->prefixlen) &&
	    (!a->ifindex || ifa->prefixlen > a->plen)) {
		a->ifindex = ifa->ifindex;
		a->plen = ifa->prefixlen;
	}
}

int ip6_onlink_ifindex(const struct net_addr *dst, int only, unsigned *plen)
{
	struct onlink_arg a = { .dst = dst, .only = only };

	ip6_addr_foreach(onlink_fn, &a);
	if (plen)
		*plen = a.plen;
	return a.ifindex;
}

int ip6_route(const struct net_addr *dst, struct net_device *dev, struct net_nexthop *nh)
{
	int link_scope = ip6_addr_is_linklocal(dst) || ip6_addr_is_mc_linklocal(dst);

	nh->nexthop = *dst;
	if (link_scope && !dev)
		return -ENETUNREACH; /* a link-scope address needs its link named */
	if (!link_scope && !ip6_addr_is_multicast(dst)) {
		/* one longest-prefix match over three sources; a tie goes to the on-link
		 * prefix, then to the route the user gave. Router discovery is asked only
		 * for a destination no address's prefix holds (it has nothing to say about
		 * those: redirects for them are refused), which keeps its lists off the
		 * path of every packet to the local link. */
		int only = dev ? dev->index : 0;
		unsigned oplen = 0, rplen = 0;
		int oif = ip6_onlink_ifindex(dst, only, &oplen);
		struct net_device *sdev = NULL, *rdev = dev;
		struct net_addr snh, rnh;
		int splen = ip6_route_lookup(dst, only, &sdev, &snh);
		int have_r = !oif && ip6_router && ip6_router(dst, &rdev, &rnh, &rplen) == 0;

		if (oif && (splen < 0 || (unsigned)splen <= oplen) && (!have_r || rplen <= oplen)) {
			if (!(dev = net_device_by_index(oif)))
				return -ENETUNREACH;
		} else if (splen >= 0 && (!have_r || rplen <= (unsigned)splen)) {
			dev = sdev;
			nh->nexthop = snh;
		} else if (have_r) {
			dev = rdev;
			nh->nexthop = rnh;
		}
	}
	if (!dev)
		return -ENETUNREACH;
	nh->dev = dev;
	return ip6_source_select(dev, dst, &nh->src);
}

/* Software segmentation of TCP's super-segment p (data = IPv6 header) for a device that
 * cannot cut it, or whose MTU (the path's) one of its segments would not fit: each
 * segment goes out on its own, fragmented if it is still too big (a route to a smaller
 * MTU than the one TCP's MSS came from), as the kernel's GSO then does. Does not take
 * ownership of p. The first error is returned. */
static int ip6_segment(struct net_device *dev, const struct net_addr *nexthop,
		       const struct pkb *p, unsigned mtu, uint64_t now)
{
	struct pkb_queue segs = TAILQ_HEAD_INITIALIZER(segs);
	unsigned flags = dev->flags & NET_DEV_F_CSUM_TX ? GSO_F_CSUM_PARTIAL : 0;
	struct pkb *s;
	int n, err = 0;

	n = gso_segment(p, flags, &segs);
	if (n < 0) {
		STAT_INC(ip6, out_gso_failed);
		return n;
	}
	STAT_INC(gso, out_supersegs);
	STAT_INC(ip6, out_gso_soft);
	while ((s = TAILQ_FIRST(&segs))) {
		int e;

		TAILQ_REMOVE(&segs, s, link);
		if (s->len > mtu)
			e = ip6_fragment(s, mtu, ip6_xmit, dev, nexthop, now); /* owns s */
		else
			e = ip6_xmit(dev, nexthop, s, now); /* owns s */
		if (e < 0 && !err)
			err = e;
	}
	return err;
}

/* Takes ownership of p. */
int ip6_output(uint8_t next, struct pkb *p, const struct net_addr *src,
	       const struct net_addr *dst, const struct ip6_out *o, uint64_t now)
{
	struct net_nexthop nh;
	struct ip6_hdr h;
	unsigned mtu, pmtu;
	uint8_t *b;
	int err, soft = 0;

	STAT_INC(ip6, out_requests);
	err = ip6_route(dst, o ? o->dev : NULL, &nh);
	if (err == -ENETUNREACH) {
		STAT_INC(ip6, out_no_route);
		goto drop;
	}
	if (o && o->src_unspec && (next == IP6_NH_ICMPV6 || next == IP6_NH_HOPOPTS)) {
		nh.src = net_addr_any(AF_INET6);
	} else if (src && !ip6_addr_is_unspecified(src)) {
		nh.src = *src;
	} else if (err < 0 && !(src && (next == IP6_NH_ICMPV6 || next == IP6_NH_HOPOPTS))) {
		/* no address on the device: only ND's DAD and MLD's reports (behind their
		 * hop-by-hop header) may send from :: (src given) */
		STAT_INC(ip6, out_no_source);
		goto drop;
	} else if (err < 0) {
		nh.src = net_addr_any(AF_INET6);
	}
	mtu = ip6_link_mtu(nh.dev); /* the device's, or less when a router said so */
	pmtu = ip6_pmtu_get(dst, now);
	if (pmtu && pmtu < mtu)
		mtu = pmtu;
	if (p->gso_size) {
		/* A TCP super-segment (TSO, p->data = the TCP header): cut into gso_size
		 * segments by the device if it cuts TCPv6 and each fits the MTU, else here
		 * (net/gso.c): TCP builds one for a TSO6 device, but the route or the path
		 * MTU may since have changed. Never fragmented whole. */
		size_t thl = p->len >= 20 ? (size_t)(p->data[12] >> 4) * 4 : 0;

		if (next != IP6_NH_TCP || thl < 20 || thl > p->len || p->len - thl <= p->gso_size)
			p->gso_size = 0; /* one segment's worth: an ordinary packet */
		else if (!(nh.dev->flags & NET_DEV_F_TSO6) ||
			 IP6_HDR_LEN + p->len > nh.dev->gso_max_size ||
			 IP6_HDR_LEN + thl + p->gso_size > mtu)
			soft = 1;
		if (p->gso_size && p->len > 65535) {
			STAT_INC(ip6, out_too_big);
			err = -EMSGSIZE;
			goto drop;
		}
	}
	b = pkb_push(p, IP6_HDR_LEN);
	if (!b) {
		STAT_INC(ip6, out_no_headroom);
		err = -ENOBUFS;
		goto drop;
	}
	memset(&h, 0, sizeof(h));
	h.tclass = o ? o->tclass : 0;
	h.plen = (uint16_t)(p->len - IP6_HDR_LEN);
	h.next = next;
	h.hlim = o && o->hlim ? o->hlim : ip6_config.default_hlim;
	h.src = nh.src;
	h.dst = *dst;
	ip6_emit(&h, b, IP6_HDR_LEN);
	if (nh.dev->type == NET_DEV_ETHER && !ip6_resolver) {
		STAT_INC(ip6, out_no_resolver);
		err = -ENETUNREACH;
		goto drop;
	}
	if (soft) {
		err = ip6_segment(nh.dev, &nh.nexthop, p, mtu, now);
		pkb_free(p); /* the segments are copies */
		return err;
	}
	if (p->len > mtu && !p->gso_size) {
		if (p->len > IP6_HDR_LEN + 65535) {
			STAT_INC(ip6, out_too_big); /* no jumbograms (RFC 2675) */
			err = -EMSGSIZE;
			goto drop;
		}
		return ip6_fragment(p, mtu, ip6_xmit, nh.dev, &nh.nexthop, now); /* owns p */
	}
	return ip6_xmit(nh.dev, &nh.nexthop, p, now); /* owns p */
drop:
	pkb_free(p);
	return err < 0 ? err : -ENETUNREACH;
}

/* The RFC 7217 secret: a hash of /etc/machine-id, so that the host's link-local
 * addresses stay across runs, else random. */
static void ip6_secret_init(void)
{
	uint8_t buf[64];
	ssize_t n = -1;
	int fd;

	if (ip6_config.secret[0] || ip6_config.secret[1])
		return;
	fd = open("/etc/machine-id", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf));
		close(fd);
	}
	if (n >= 16) {
		/* FNV-1a over each half: the id is already random, only its bits are wanted */
		for (int k = 0; k < 2; k++) {
			uint64_t x = 0xcbf29ce484222325ull ^ (uint64_t)k;

			for (ssize_t i = 0; i < n; i++)
				x = (x ^ buf[i]) * 0x100000001b3ull;
			ip6_config.secret[k] = x;
		}
		return;
	}
	if (getrandom(ip6_config.secret, sizeof(ip6_config.secret), 0) !=
	    (ssize_t)sizeof(ip6_config.secret))
		warnf("no random secret for RFC 7217 identifiers: using a fixed one");
	ip6_config.secret[0] |= 1;
}

int ip6_init(void)
{
	ip6_secret_init();
	net_family_register(&ip6_family_ops);
	return net_protocol_register("IPv6", 0x86dd, ip6_input);
}

void ip6_shutdown(void)
{
	ip6_addr_flush();
	ip6_reass_flush();
	ip6_pmtu_flush();
	ip6_route_flush();
	ip6_proto_reset();
	ip6_resolver = NULL;
	ip6_router = NULL;
	memset(&ip6_link_mtus, 0, sizeof(ip6_link_mtus));
}
