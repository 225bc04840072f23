/* SPDX-License-Identifier: MIT */
/* The IPv6 addresses of the devices: one table for the stack, kept here rather than in
 * struct net_device's IPv4 interfaces (whose users read them as IPv4), with the stable
 * link-local address of RFC 7217, the multicast groups each address needs, and source
 * selection. */
#include "net/perstack.h"
#include "ip6/ip6.h"

#include <errno.h>
#include <string.h>

#include "net/log.h"

PERSTACK_STATIC(struct ip6_ifaddr[IP6_IFADDR_MAX], ip6_addrs)
#define ip6_addrs PERSTACK_REF(struct ip6_ifaddr[IP6_IFADDR_MAX], ip6_addrs)
PERSTACK_STATIC(ip6_dad_fn, ip6_dad_hook)
#define ip6_dad_hook PERSTACK_REF(ip6_dad_fn, ip6_dad_hook)

void ip6_set_dad_hook(ip6_dad_fn fn)
{
	ip6_dad_hook = fn;
}

/* ---- SipHash-2-4 (Aumasson and Bernstein), the PRF of RFC 7217 5 ---- */

#define ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL64(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL64(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL64(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL64(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL64(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL64(v[2], 32);
}

static uint64_t siphash24(const uint64_t key[2], const uint8_t *m, size_t len)
{
	uint64_t v[4] = {
		key[0] ^ 0x736f6d6570736575ull, key[1] ^ 0x646f72616e646f6dull,
		key[0] ^ 0x6c7967656e657261ull, key[1] ^ 0x7465646279746573ull,
	};
	uint64_t b = (uint64_t)len << 56, w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		w = 0;
		for (int k = 0; k < 8; k++)
			w |= (uint64_t)m[i + k] << (8 * k);
		v[3] ^= w;
		sip_round(v);
		sip_round(v);
		v[0] ^= w;
	}
	for (size_t k = 0; i + k < len; k++)
		b |= (uint64_t)m[i + k] << (8 * k);
	v[3] ^= b;
	sip_round(v);
	sip_round(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	for (int r = 0; r < 4; r++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* RFC 7217 5: F(Prefix, Net_Iface, Network_ID, DAD_Counter, secret_key). The name and
 * the MAC are the interface (a renamed device or a new NIC gets a new identifier); there
 * is no Network_ID before router discovery. */
void ip6_stable_iid(const struct net_device *dev, const uint8_t pfx[8], unsigned dad_count,
		    const uint64_t secret[2], uint8_t out[16])
{
	uint8_t m[8 + NET_DEV_NAME_MAX + NET_DEV_ADDR_LEN + 1];
	uint64_t h;

	memset(m, 0, sizeof(m));
	memcpy(m, pfx, 8);
	memcpy(m + 8, dev->name, strnlen(dev->name, NET_DEV_NAME_MAX));
	memcpy(m + 8 + NET_DEV_NAME_MAX, dev->hwaddr, NET_DEV_ADDR_LEN);
	m[sizeof(m) - 1] = (uint8_t)dad_count;
	h = siphash24(secret, m, sizeof(m));
	memcpy(out, pfx, 8);
	for (int i = 0; i < 8; i++)
		out[8 + i] = (uint8_t)(h >> (56 - 8 * i));
}

static int ifa_reserved_iid(const uint8_t a[16])
{
	static const uint8_t zero[8];

	/* RFC 5453: the all-zero identifier (subnet-router anycast) and fdff:ffff:ffff:ff80
	 * and up (reserved subnet anycast) */
	if (!memcmp(a + 8, zero, 8))
		return 1;
	return a[8] == 0xfd && a[9] == 0xff && a[10] == 0xff && a[11] == 0xff &&
	       a[12] == 0xff && a[13] == 0xff && a[14] == 0xff && a[15] >= 0x80;
}

struct ip6_ifaddr *ip6_addr_get(const struct net_device *dev, const struct net_addr *a)
{
	for (int i = 0; i < IP6_IFADDR_MAX; i++)
		if (ip6_addrs[i].ifindex == dev->index && net_addr_eq(&ip6_addrs[i].addr, a))
			return &ip6_addrs[i];
	return NULL;
}

const struct ip6_ifaddr *ip6_addr_find(const struct net_device *dev, const struct net_addr *a)
{
	return ip6_addr_get(dev, a);
}

int ip6_addr_del(struct net_device *dev, const struct net_addr *a)
{
	struct ip6_ifaddr *ifa = ip6_addr_get(dev, a);
	char s[NET_ADDR_STRLEN];

	if (!ifa)
		return -ENOENT;
	infof("dev=%s addr=%s/%u removed", dev->name, net_addr_ntop(a, s, sizeof(s)),
	      ifa->prefixlen);
	memset(ifa, 0, sizeof(*ifa));
	net_device_changed(dev);
	return 0;
}

const struct ip6_ifaddr *ip6_addr_lookup(const struct net_addr *a)
{
	for (int i = 0; i < IP6_IFADDR_MAX; i++)
		if (ip6_addrs[i].ifindex && net_addr_eq(&ip6_addrs[i].addr, a))
			return &ip6_addrs[i];
	return NULL;
}

size_t ip6_addr_count(const struct net_device *dev)
{
	size_t n = 0;

	for (int i = 0; i < IP6_IFADDR_MAX; i++)
		n += ip6_addrs[i].ifindex == dev->index;
	return n;
}

static int ifa_join(struct net_device *dev, const struct net_addr *group)
{
	uint8_t mac[6];

	if (dev->type != NET_DEV_ETHER)
		return 0;
	ip6_mcast_mac(group, mac);
	return net_device_mcast_join(dev, mac);
}

int ip6_addr_add(struct net_device *dev, const struct net_addr *addr, unsigned prefixlen,
		 unsigned flags)
{
	struct net_addr all = ip6_addr_all_nodes(), sol;
	char s[NET_ADDR_STRLEN];
	int slot = -1, err;

	if (addr->family != AF_INET6 || prefixlen > 128 || ip6_addr_is_multicast(addr) ||
	    ip6_addr_is_unspecified(addr) || ip6_addr_is_loopback(addr))
		return -EINVAL;
	if (ip6_addr_find(dev, addr))
		return -EEXIST;
	if (ip6_addr_count(dev) >= IP6_IFADDR_PER_DEV)
		return -ENOSPC;
	for (int i = 0; i < IP6_IFADDR_MAX && slot < 0; i++)
		if (!ip6_addrs[i].ifindex)
			slot = i;
	if (slot < 0)
		return -ENOSPC;
	/* the groups first: an address whose solicitations we cannot hear is no address */
	sol = ip6_addr_solicited(addr);
	if ((err = ifa_join(dev, &all)) < 0 || (err = ifa_join(dev, &sol)) < 0) {
		warnf("dev=%s cannot join the groups of %s: %s", dev->name,
		      net_addr_ntop(addr, s, sizeof(s)), strerror(-err));
		return err;
	}
	if (!ip6_dad_hook)
		flags &= ~IP6_IFA_TENTATIVE; /* no ND to run DAD: usable at once */
	ip6_addrs[slot] = (struct ip6_ifaddr){
		.ifindex = dev->index, .addr = *addr, .prefixlen = prefixlen, .flags = flags,
	};
	net_device_changed(dev); /* routes resolved before it are stale */
	STAT_INC(ip6, addr_added);
	infof("dev=%s addr=%s/%u%s", dev->name, net_addr_ntop(addr, s, sizeof(s)), prefixlen,
	      flags & IP6_IFA_TENTATIVE ? " tentative" : "");
	if (flags & IP6_IFA_TENTATIVE)
		ip6_dad_hook(dev, addr);
	return 0;
}

int ip6_addr_add_linklocal(struct net_device *dev, unsigned flags)
{
	static const uint8_t fe80[8] = { 0xfe, 0x80 };
	struct net_addr a = net_addr_any(AF_INET6);

	if (dev->type != NET_DEV_ETHER)
		return -EINVAL;
	/* NOTE: RFC 7217 6 retries with the next DAD counter after a duplicate; for the
	 * link-local address the counter only steps over the reserved identifiers, a
	 * duplicate link-local being a fault to fix by hand (RFC 4862 5.4.5). */
	for (unsigned dad = 0; dad < 4; dad++) {
		ip6_stable_iid(dev, fe80, dad, ip6_config.secret, a.v6);
		if (!ifa_reserved_iid(a.v6))
			break;
	}
	return ip6_addr_add(dev, &a, 64, IP6_IFA_LINKLOCAL | flags);
}

int ip6_addr_accepts(const struct net_device *dev, const struct net_addr *dst)
{
	if (ip6_addr_is_multicast(dst)) {
		struct net_addr all = ip6_addr_all_nodes();

		if (net_addr_eq(dst, &all))
			return 1;
		for (int i = 0; i < IP6_IFADDR_MAX; i++) {
			struct net_addr sol;

			if (ip6_addrs[i].ifindex != dev->index ||
			    (ip6_addrs[i].flags & IP6_IFA_DUPLICATE))
				continue;
			sol = ip6_addr_solicited(&ip6_addrs[i].addr);
			if (net_addr_eq(dst, &sol))
				return 1;
		}
		return 0;
	}
	{
		const struct ip6_ifaddr *ifa = ip6_addr_find(dev, dst);

		return ifa && ip6_ifa_usable(ifa);
	}
}

/* The length of the common prefix of a and b, in bits. */
static unsigned common_prefix(const struct net_addr *a, const struct net_addr *b)
{
	unsigned n = 0;

	for (int i = 0; i < 16; i++) {
		uint8_t x = a->v6[i] ^ b->v6[i];

		if (!x) {
			n += 8;
			continue;
		}
		while (!(x & 0x80)) {
			x <<= 1;
			n++;
		}
		break;
	}
	return n;
}

int ip6_source_select(const struct net_device *dev, const struct net_addr *dst,
		      struct net_addr *src)
{
	int dst_ll = ip6_addr_is_linklocal(dst) || ip6_addr_is_mc_linklocal(dst);
	const struct ip6_ifaddr *best = NULL;
	unsigned best_len = 0;

	for (int i = 0; i < IP6_IFADDR_MAX; i++) {
		const struct ip6_ifaddr *ifa = &ip6_addrs[i];
		int ll;
		unsigned cp;

		if (ifa->ifindex != dev->index || !ip6_ifa_usable(ifa))
			continue;
		if (net_addr_eq(&ifa->addr, dst)) { /* rule 1: the same address */
			best = ifa;
			break;
		}
		/* rule 2, for a host's two scopes: link-local for a link-scope destination,
		 * a global one for the rest; rule 8: the longest common prefix */
		ll = ip6_addr_is_linklocal(&ifa->addr);
		cp = common_prefix(&ifa->addr, dst);
		if (best) {
			int best_ll = ip6_addr_is_linklocal(&best->addr);

			int dep = !!(ifa->flags & IP6_IFA_DEPRECATED);
			int best_dep = !!(best->flags & IP6_IFA_DEPRECATED);

			if (best_ll == dst_ll && ll != dst_ll)
				continue;
			/* rule 3: a deprecated address only when nothing else will do */
			if (ll == best_ll && dep != best_dep) {
				if (dep)
					continue;
			} else if (!(ll == dst_ll && best_ll != dst_ll) && cp <= best_len) {
				continue;
			}
		}
		best = ifa;
		best_len = cp;
	}
	if (!best)
		return -EADDRNOTAVAIL;
	*src = best->addr;
	return 0;
}

void ip6_addr_foreach(void (*fn)(const struct ip6_ifaddr *ifa, void *arg), void *arg)
{
	for (int i = 0; i < IP6_IFADDR_MAX; i++)
		if (ip6_addrs[i].ifindex)
			fn(&ip6_addrs[i], arg);
}

void ip6_addr_flush(void)
{
	memset(&ip6_addrs, 0, sizeof(ip6_addrs));
	ip6_dad_hook = NULL;
}
