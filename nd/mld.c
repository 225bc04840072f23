/* SPDX-License-Identifier: MIT */
/* MLDv2 listener reports (RFC 3810) for the solicited-node groups of our addresses. The
 * groups are not kept apart: they are read from the device's addresses when a report is
 * due, so a report always says what we listen to now. One timer per device carries both
 * the unsolicited repetitions of a join and a pending answer to a query. */
#include "net/perstack.h"
#include "nd/mld.h"

#include <string.h>

#include "ip6/icmp6.h"
#include "nd/nd.h"
#include "net/byteorder.h"
#include "net/log.h"
#include "net/loop.h"

STATS_DEFINE(mld, MLD_COUNTERS)

PERSTACK_VAR_INIT(struct mld_config_s, mld_config, {
	.robustness = 2,
	.unsolicited_ms = 1000,
})

#define MLD_DEVS 16
struct mld_dev {
	int ifindex;                  /* 0: free */
	unsigned unsolicited_left;    /* repetitions of joins still due */
	int query_pending;            /* an answer due: general (all groups) */
	int specific_pending;         /* an answer due for group alone */
	struct net_addr group;
	struct net_timer timer;
};
PERSTACK_STATIC(struct mld_dev[MLD_DEVS], mld_devs)
#define mld_devs PERSTACK_REF(struct mld_dev[MLD_DEVS], mld_devs)

static const uint8_t all_mld2_routers[16] = { 0xff, 2, [15] = 0x16 };

int mld_query_parse(const uint8_t *b, size_t len, struct mld_query *out)
{
	uint16_t code;

	memset(out, 0, sizeof(*out));
	if (len < MLD_QUERY_V1_LEN)
		return ND_PARSE_SHORT;
	if (b[1] != 0)
		return ND_PARSE_CODE;
	code = rd16(b + 4);
	/* 5.1.3: from 32768 on, a mantissa and an exponent */
	out->max_resp_ms = code < 32768 ? code :
			   (unsigned)((code & 0x0fff) | 0x1000) << (((code >> 12) & 7) + 3);
	out->group.family = AF_INET6;
	memcpy(out->group.v6, b + 8, 16);
	return ND_PARSE_OK;
}

size_t mld_report_emit(uint8_t rtype, const struct net_addr *groups, unsigned n, uint8_t *b,
		       size_t cap)
{
	size_t len = MLD_REPORT_HDR_LEN + (size_t)n * MLD_RECORD_LEN;

	if (cap < len || n > 0xffff)
		return 0;
	memset(b, 0, len);
	b[0] = ICMP6_MLD2_REPORT;
	wr16(b + 6, (uint16_t)n);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *r = b + MLD_REPORT_HDR_LEN + i * MLD_RECORD_LEN;

		r[0] = rtype;
		memcpy(r + 4, groups[i].v6, 16);
	}
	return len;
}

/* The solicited-node groups of dev's addresses, each once (up to max). */
struct groups_arg {
	int ifindex;
	struct net_addr *g;
	unsigned n, max;
};

static void groups_one(const struct ip6_ifaddr *ifa, void *arg)
{
	struct groups_arg *a = arg;
	struct net_addr sol;

	if (ifa->ifindex != a->ifindex || (ifa->flags & IP6_IFA_DUPLICATE) || a->n >= a->max)
		return;
	sol = ip6_addr_solicited(&ifa->addr);
	for (unsigned i = 0; i < a->n; i++)
		if (net_addr_eq(&a->g[i], &sol))
			return;
	a->g[a->n++] = sol;
}

/* Sends a report of n groups: hop limit 1, a hop-by-hop header with the router alert
 * (5.1.14, 5.2.13), to ff02::16, from the link-local address or :: while it is tentative. */
static void mld_send(struct net_device *dev, uint8_t rtype, const struct net_addr *groups,
		     unsigned n, uint64_t now)
{
	static const uint8_t hbh[8] = { IP6_NH_ICMPV6, 0, IP6_OPT_ROUTER_ALERT, 2, 0, 0,
					IP6_OPT_PADN, 0 };
	struct ip6_out o = { .dev = dev, .hlim = 1, .src_unspec = 0 };
	struct net_addr dst = { .family = AF_INET6 }, src;
	size_t len = MLD_REPORT_HDR_LEN + (size_t)n * MLD_RECORD_LEN;
	struct pkb *p;
	uint8_t *b;

	if (!n || dev->type != NET_DEV_ETHER)
		return;
	memcpy(dst.v6, all_mld2_routers, 16);
	if (ip6_source_select(dev, &dst, &src) < 0 || !ip6_addr_is_linklocal(&src)) {
		src = net_addr_any(AF_INET6);
		o.src_unspec = 1;
	}
	if (!(p = pkb_alloc(sizeof(hbh) + len)))
		return;
	b = pkb_put(p, sizeof(hbh) + len);
	memcpy(b, hbh, sizeof(hbh));
	mld_report_emit(rtype, groups, n, b + sizeof(hbh), len);
	wr16(b + sizeof(hbh) + 2, icmp6_cksum(&src, &dst, b + sizeof(hbh), len));
	STAT_INC(mld, out_reports);
	ip6_output(IP6_NH_HOPOPTS, p, &src, &dst, &o, now); /* owns p */
}

static void mld_timer(struct net_timer *t, void *arg, uint64_t now)
{
	struct mld_dev *m = arg;
	struct net_device *dev = net_device_by_index(m->ifindex);
	struct net_addr g[MLD_REPORTS_MAX];
	struct groups_arg a = { .ifindex = m->ifindex, .g = g, .max = MLD_REPORTS_MAX };

	(void)t;
	if (!dev) {
		m->ifindex = 0;
		return;
	}
	ip6_addr_foreach(groups_one, &a);
	if (m->query_pending) {
		mld_send(dev, MLD_MODE_IS_EXCLUDE, g, a.n, now);
	} else if (m->specific_pending) {
		for (unsigned i = 0; i < a.n; i++)
			if (net_addr_eq(&g[i], &m->group))
				mld_send(dev, MLD_MODE_IS_EXCLUDE, &g[i], 1, now);
	}
	m->query_pending = m->specific_pending = 0;
	if (m->unsolicited_left) {
		m->unsolicited_left--;
		mld_send(dev, MLD_CHANGE_TO_EXCLUDE, g, a.n, now);
	}
	if (m->unsolicited_left)
		net_timer_arm(&m->timer, now + 1 + nd_random() % (mld_config.unsolicited_ms + 1));
}

static struct mld_dev *mld_dev_of(const struct net_device *dev)
{
	struct mld_dev *free_slot = NULL;

	for (int i = 0; i < MLD_DEVS; i++) {
		if (mld_devs[i].ifindex == dev->index)
			return &mld_devs[i];
		if (!mld_devs[i].ifindex && !free_slot)
			free_slot = &mld_devs[i];
	}
	if (free_slot) {
		memset(free_slot, 0, sizeof(*free_slot));
		free_slot->ifindex = dev->index;
		net_timer_init(&free_slot->timer, mld_timer, free_slot);
	}
	return free_slot;
}

static void mld_arm(struct mld_dev *m, uint64_t when)
{
	if (!net_timer_pending(&m->timer) || m->timer.deadline > when)
		net_timer_arm(&m->timer, when);
}

void mld_join_report(struct net_device *dev, const struct net_addr *group, uint64_t now)
{
	struct mld_dev *m;

	if (dev->type != NET_DEV_ETHER || !(m = mld_dev_of(dev)))
		return;
	mld_send(dev, MLD_CHANGE_TO_EXCLUDE, group, 1, now);
	if (mld_config.robustness > 1) {
		m->unsolicited_left = mld_config.robustness - 1;
		mld_arm(m, now + 1 + nd_random() % (mld_config.unsolicited_ms + 1));
	}
}

/* Takes ownership of p. */
void mld_input(struct pkb *p, const struct ip6_hdr *h, unsigned nh_len, struct net_device *dev,
	       uint64_t now)
{
	struct mld_query q;
	struct mld_dev *m;

	(void)nh_len;
	if (p->data[0] != ICMP6_MLD_QUERY) {
		STAT_INC(mld, in_reports); /* other listeners': a host does nothing (6.1) */
		goto drop;
	}
	STAT_INC(mld, in_queries);
	/* 5.1.14, 6.2: link-local source, hop limit 1.
	 * NOTE: the router alert option is not checked (ip6_input does not say which
	 * options it saw); a query without it is answered all the same. */
	if (!ip6_addr_is_linklocal(&h->src) || h->hlim != 1 ||
	    mld_query_parse(p->data, p->len, &q) != ND_PARSE_OK ||
	    (p->len > MLD_QUERY_V1_LEN && p->len < MLD_QUERY_V2_LEN)) {
		STAT_INC(mld, in_bad);
		goto drop;
	}
	if (dev->type != NET_DEV_ETHER || !(m = mld_dev_of(dev)))
		goto drop;
	if (ip6_addr_is_unspecified(&q.group)) {
		m->query_pending = 1;
	} else if (!ip6_addr_accepts(dev, &q.group) ||
		   net_addr_eq(&q.group, &(struct net_addr){ .family = AF_INET6,
				.v6 = { 0xff, 2, [15] = 1 } })) {
		STAT_INC(mld, in_not_member); /* all-nodes is never reported */
		goto drop;
	} else if (m->specific_pending && !net_addr_eq(&m->group, &q.group)) {
		m->query_pending = 1; /* two groups due: answer for all */
	} else {
		m->specific_pending = 1;
		m->group = q.group;
	}
	/* 6.2: at a random time within the maximum response delay */
	mld_arm(m, now + (q.max_resp_ms ? nd_random() % q.max_resp_ms : 0));
drop:
	pkb_free(p);
}

void mld_shutdown(void)
{
	for (int i = 0; i < MLD_DEVS; i++)
		if (mld_devs[i].ifindex) {
			net_timer_cancel(&mld_devs[i].timer);
			mld_devs[i].ifindex = 0;
		}
}
