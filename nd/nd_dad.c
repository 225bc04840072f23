/* SPDX-License-Identifier: MIT */
/* Duplicate address detection (RFC 4862 5.4) for every address the stack gives itself
 * with IP6_IFA_TENTATIVE (the link-local one, SLAAC's, addr6=): after a random delay of up
 * to dad_delay_ms, dad_transmits solicitations from :: to the address's solicited-node
 * group, retrans_ms apart; retrans_ms after the last one without an answer the address
 * becomes usable. Until then it is neither a source nor answered for (nd.c, ip6_addr.c);
 * an NA for it or another node's DAD NS for it (nd.c) makes it duplicate. */
#include "net/perstack.h"
#include "nd/nd.h"

#include <string.h>

#include "ip6/icmp6.h"
#include "nd/mld.h"
#include "net/byteorder.h"
#include "net/log.h"
#include "net/loop.h"

struct nd_dad {
	int ifindex;              /* 0: free */
	struct net_addr addr;
	unsigned sent;
	struct net_timer timer;
};
PERSTACK_STATIC(struct nd_dad[IP6_IFADDR_MAX], nd_dads)
#define nd_dads PERSTACK_REF(struct nd_dad[IP6_IFADDR_MAX], nd_dads)

static struct nd_dad *dad_find(const struct net_device *dev, const struct net_addr *a)
{
	for (int i = 0; i < IP6_IFADDR_MAX; i++)
		if (nd_dads[i].ifindex == dev->index && net_addr_eq(&nd_dads[i].addr, a))
			return &nd_dads[i];
	return NULL;
}

static void dad_free(struct nd_dad *d)
{
	net_timer_cancel(&d->timer);
	d->ifindex = 0;
}

/* No conflict heard: the address is ours. */
static void dad_done(struct net_device *dev, struct ip6_ifaddr *ifa, uint64_t now)
{
	char s[NET_ADDR_STRLEN];

	ifa->flags &= ~IP6_IFA_TENTATIVE;
	net_device_changed(dev);
	STAT_INC(nd, dad_ok);
	infof("dev=%s addr=%s/%u DAD done: address in use", dev->name,
	      net_addr_ntop(&ifa->addr, s, sizeof(s)), ifa->prefixlen);
	if (ifa->flags & IP6_IFA_LINKLOCAL)
		nd_rs_start(dev, now); /* RFC 4861 6.3.7, from the link-local address */
}

static void dad_timer(struct net_timer *t, void *arg, uint64_t now)
{
	struct nd_dad *d = arg;
	struct net_device *dev = net_device_by_index(d->ifindex);
	struct ip6_ifaddr *ifa = dev ? ip6_addr_get(dev, &d->addr) : NULL;
	struct nd_msg m = { .type = ICMP6_ND_NS, .target = d->addr };
	struct net_addr any = net_addr_any(AF_INET6), sol = ip6_addr_solicited(&d->addr);
	struct pkb *p;

	(void)t;
	if (!ifa || !(ifa->flags & IP6_IFA_TENTATIVE)) {
		dad_free(d); /* removed, or judged, meanwhile */
		return;
	}
	if (d->sent >= nd_config.dad_transmits) {
		dad_free(d);
		dad_done(dev, ifa, now);
		return;
	}
	if (!d->sent)
		mld_join_report(dev, &sol, now); /* 5.4.2: the group is joined before the NS */
	d->sent++;
	net_timer_arm(&d->timer, now + (nd_config.retrans_ms ? nd_config.retrans_ms : 1));
	/* 5.4.2: from ::, to the solicited-node group, without a link-layer option */
	if (!(p = pkb_alloc(ND_NS_NA_LEN)))
		return;
	nd_emit(&m, pkb_put(p, ND_NS_NA_LEN), ND_NS_NA_LEN);
	wr16(p->data + 2, icmp6_cksum(&any, &sol, p->data, p->len));
	STAT_INC(nd, tx_dad_ns);
	ip6_output(IP6_NH_ICMPV6, p, &any, &sol,
		   &(struct ip6_out){ .dev = dev, .hlim = ND_HLIM, .src_unspec = 1 }, now);
}

void nd_dad_start(struct net_device *dev, const struct net_addr *addr)
{
	struct ip6_ifaddr *ifa = ip6_addr_get(dev, addr);
	struct nd_dad *d = dad_find(dev, addr);
	uint64_t now = net_clock_ms();

	if (!ifa)
		return;
	if (dev->type != NET_DEV_ETHER || !nd_config.dad_transmits) {
		/* 5.4: DupAddrDetectTransmits 0, or no link to ask; the group is still
		 * reported (RFC 3810 6) */
		if (dev->type == NET_DEV_ETHER) {
			struct net_addr sol = ip6_addr_solicited(addr);

			mld_join_report(dev, &sol, now);
		}
		dad_done(dev, ifa, now);
		return;
	}
	for (int i = 0; !d && i < IP6_IFADDR_MAX; i++)
		if (!nd_dads[i].ifindex)
			d = &nd_dads[i];
	if (!d) { /* cannot happen: one slot per address */
		dad_done(dev, ifa, now);
		return;
	}
	d->ifindex = dev->index;
	d->addr = *addr;
	d->sent = 0;
	net_timer_init(&d->timer, dad_timer, d);
	net_timer_arm(&d->timer, now + (nd_config.dad_delay_ms ?
					      nd_random() % (nd_config.dad_delay_ms + 1) : 0));
}

void nd_dad_conflict(struct net_device *dev, const struct net_addr *addr, const char *why,
		     uint64_t now)
{
	struct ip6_ifaddr *ifa = ip6_addr_get(dev, addr);
	struct nd_dad *d = dad_find(dev, addr);
	char s[NET_ADDR_STRLEN];

	if (d)
		dad_free(d);
	if (!ifa || !(ifa->flags & IP6_IFA_TENTATIVE))
		return;
	STAT_INC(nd, dad_conflicts);
	warnf("dev=%s addr=%s/%u duplicate (%s from another node): not used", dev->name,
	      net_addr_ntop(addr, s, sizeof(s)), ifa->prefixlen, why);
	ifa->flags = (ifa->flags & ~IP6_IFA_TENTATIVE) | IP6_IFA_DUPLICATE;
	if ((ifa->flags & IP6_IFA_AUTO) && ifa->dad_count < nd_config.idgen_retries) {
		/* RFC 7217 6: the next DAD counter gives another identifier */
		struct ip6_ifaddr old = *ifa;
		struct net_addr pfx = old.addr;

		memset(pfx.v6 + 8, 0, 8);
		ip6_addr_del(dev, addr);
		nd_slaac_form(dev, &pfx, old.dad_count + 1, old.preferred_until,
			      old.valid_until);
	}
	(void)now;
}

void nd_dad_shutdown(void)
{
	for (int i = 0; i < IP6_IFADDR_MAX; i++)
		if (nd_dads[i].ifindex)
			dad_free(&nd_dads[i]);
}
