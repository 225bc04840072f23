/* SPDX-License-Identifier: MIT */
/* RFC 5227 address conflict detection: probing an address before it is used (2.1), and
 * announcing it once it is (2.3). A probe is a caller's struct on a per-stack list; one
 * net_timer walks it through its steps:
 *   PROBING: wait U(0, PROBE_WAIT); then PROBE_NUM probes, U(PROBE_MIN, PROBE_MAX) apart;
 *            then ANNOUNCE_WAIT of quiet. An ARP packet from another MAC with the candidate
 *            as sender, or another host's probe for it, at any point of this: IDLE, done(1).
 *   FREE:    the quiet ended with no conflict: done(0); the owner configures the address.
 *   ANNOUNCING: arp_probe_announce: ANNOUNCE_NUM announcements, ANNOUNCE_INTERVAL apart;
 *            then IDLE.
 * NOTE: RFC 5227 2.4 (defending an address in use against a later conflict) is not done:
 * a packet from another host claiming one of our addresses is counted as
 * arp.rx_bogus_sender and otherwise ignored. */
#include "arp/arp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "ether/ether.h"
#include "net/log.h"

const struct arp_probe_timing arp_probe_rfc5227 = {
	.wait_ms = 1000,
	.num = 3,
	.min_ms = 1000,
	.max_ms = 2000,
	.announce_wait_ms = 2000,
	.announce_num = 2,
	.announce_interval_ms = 2000,
};

LIST_HEAD(arp_probe_list, arp_probe);
PERSTACK_STATIC(struct arp_probe_list, arp_probes)
#define arp_probes PERSTACK_REF(struct arp_probe_list, arp_probes)

static const uint8_t zero_hw[ETHER_ADDR_LEN];

/* A uniform draw from [lo, hi] (hi < lo counts as lo). */
static uint64_t probe_rand(struct arp_probe *pr, unsigned lo, unsigned hi)
{
	uint64_t x = pr->rng;

	if (hi <= lo)
		return lo;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	pr->rng = x;
	return lo + x % ((uint64_t)(hi - lo) + 1);
}

static void probe_unlink(struct arp_probe *pr)
{
	net_timer_cancel(&pr->timer);
	if (pr->state != ARP_PROBE_IDLE)
		LIST_REMOVE(pr, link);
	pr->state = ARP_PROBE_IDLE;
}

static void probe_timer(struct net_timer *t, void *arg, uint64_t now)
{
	struct arp_probe *pr = arg;
	char ip[INET_ADDRSTRLEN];

	(void)t;
	switch (pr->state) {
	case ARP_PROBE_PROBING:
		if (pr->sent < pr->t.num) {
			/* RFC 5227 2.1.1: sender IP 0, target IP the candidate, target MAC 0,
			 * broadcast. */
			pr->sent++;
			STAT_INC(arp, tx_probe);
			debugf("dev=%s addr=%s probe %u/%u", pr->dev->name,
			       inet_ntop(AF_INET, &pr->addr, ip, sizeof(ip)), pr->sent, pr->t.num);
			arp_send(pr->dev, ARP_OP_REQUEST, ether_broadcast, 0, zero_hw, pr->addr, now);
			net_timer_arm(&pr->timer, now + (pr->sent < pr->t.num
				? probe_rand(pr, pr->t.min_ms, pr->t.max_ms) : pr->t.announce_wait_ms));
			return;
		}
		pr->state = ARP_PROBE_FREE;
		if (pr->t.num)
			STAT_INC(arp, probes_free); /* none sent: nothing was found */
		pr->done(pr, 0, pr->arg, now); /* may stop or restart pr */
		return;
	case ARP_PROBE_ANNOUNCING:
		pr->sent++;
		STAT_INC(arp, tx_announce);
		/* RFC 5227 2.3: a request with sender and target IP both the address. */
		arp_send(pr->dev, ARP_OP_REQUEST, ether_broadcast, pr->addr, zero_hw, pr->addr, now);
		if (pr->sent < pr->t.announce_num)
			net_timer_arm(&pr->timer, now + pr->t.announce_interval_ms);
		else
			probe_unlink(pr);
		return;
	case ARP_PROBE_IDLE:
	case ARP_PROBE_FREE:
		return;
	}
}

int arp_probe_start(struct arp_probe *pr, struct net_device *dev, uint32_t addr,
		    const struct arp_probe_timing *t, uint64_t seed, arp_probe_fn done, void *arg,
		    uint64_t now)
{
	NET_ASSERT_LOCKED();
	if (pr->state != ARP_PROBE_IDLE && pr->dev) /* a zeroed struct is IDLE, unlinked */
		probe_unlink(pr);
	if (dev->type != NET_DEV_ETHER || (dev->flags & NET_DEV_F_NOARP) || !addr ||
	    addr == 0xffffffffu || !done)
		return -EINVAL;
	memset(pr, 0, sizeof(*pr));
	pr->dev = dev;
	pr->addr = addr;
	pr->t = *t;
	pr->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
	pr->done = done;
	pr->arg = arg;
	pr->state = ARP_PROBE_PROBING;
	net_timer_init(&pr->timer, probe_timer, pr);
	LIST_INSERT_HEAD(&arp_probes, pr, link);
	/* With no probes the verdict still comes from the timer, never from inside this call. */
	net_timer_arm(&pr->timer, now + (t->num ? probe_rand(pr, 0, t->wait_ms) : 0));
	return 0;
}

void arp_probe_announce(struct arp_probe *pr, uint64_t now)
{
	NET_ASSERT_LOCKED();
	if (pr->state != ARP_PROBE_FREE)
		return;
	if (!pr->t.announce_num) {
		probe_unlink(pr);
		return;
	}
	pr->state = ARP_PROBE_ANNOUNCING;
	pr->sent = 0;
	probe_timer(&pr->timer, pr, now);
}

void arp_probe_stop(struct arp_probe *pr)
{
	if (pr->dev)
		probe_unlink(pr);
}

/* The probe under way on dev that a conflicts with, or NULL. */
static struct arp_probe *probe_match(const struct net_device *dev, const struct arp_pkt *a)
{
	struct arp_probe *pr;

	if (!memcmp(a->sha, dev->hwaddr, ETHER_ADDR_LEN))
		return NULL; /* our own packet, looped back */
	LIST_FOREACH(pr, &arp_probes, link) {
		if (pr->dev != dev || pr->state != ARP_PROBE_PROBING)
			continue;
		if (a->spa == pr->addr)
			return pr; /* someone has it: a reply to our probe, or its own request */
		if (a->spa == 0 && a->op == ARP_OP_REQUEST && a->tpa == pr->addr)
			return pr; /* someone is probing for it at the same time */
	}
	return NULL;
}

void arp_probe_input(struct net_device *dev, const struct arp_pkt *a, uint64_t now)
{
	struct arp_probe *pr;
	char ip[INET_ADDRSTRLEN];

	/* Bounded: each match leaves the list before its done runs. */
	while ((pr = probe_match(dev, a))) {
		probe_unlink(pr);
		memcpy(pr->conflict_hw, a->sha, ETHER_ADDR_LEN);
		pr->conflict_by_probe = a->spa == 0;
		STAT_INC(arp, probe_conflicts);
		debugf("dev=%s addr=%s in use by %02x:%02x:%02x:%02x:%02x:%02x%s", dev->name,
		       inet_ntop(AF_INET, &pr->addr, ip, sizeof(ip)), a->sha[0], a->sha[1],
		       a->sha[2], a->sha[3], a->sha[4], a->sha[5],
		       pr->conflict_by_probe ? " (probing too)" : "");
		pr->done(pr, 1, pr->arg, now);
	}
}

void arp_probe_stop_all(void)
{
	struct arp_probe *pr;

	while ((pr = LIST_FIRST(&arp_probes)))
		probe_unlink(pr);
}

int arp_probe_announces(const struct net_device *dev, uint32_t addr)
{
	const struct arp_probe *pr;

	LIST_FOREACH(pr, &arp_probes, link)
		if (pr->dev == dev && pr->addr == addr &&
		    (pr->state == ARP_PROBE_FREE || pr->state == ARP_PROBE_ANNOUNCING))
			return 1;
	return 0;
}
