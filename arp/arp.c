/* SPDX-License-Identifier: MIT */
/* ARP (RFC 826) for IPv4 over Ethernet: the neighbour cache, resolution with retries, and
 * a bounded queue of packets waiting for each resolution.
 *
 * Entry life cycle, one net_timer per entry:
 *   (none) --arp_output--> INCOMPLETE: a request at once, then one every retry_ms;
 *          after max_tries requests without an answer the entry and its queue go.
 *   any state --an ARP packet from the address--> REACHABLE (merge rule), queue flushed.
 *   REACHABLE --reachable_ms--> STALE: still used, but the first use sends a unicast
 *          refresh request (RFC 1122 2.3.2.1), retried like a resolution; if it stays
 *          unanswered the entry goes, so the next packet resolves afresh.
 *   STALE, unused for stale_gc_ms --> removed.
 * Every request for an entry passes one gate: at most one per req_min_gap_ms, whatever
 * retry_ms says, so a misconfigured retry interval cannot flood the link. */
#include "net/perstack.h"
#include "arp/arp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/queue.h>

#include "ether/ether.h"
#include "net/log.h"
#include "net/loop.h"
#include "net/neigh.h"

STATS_DEFINE(arp, ARP_COUNTERS)

PERSTACK_VAR_INIT(struct arp_config_s, arp_config, {
	.reachable_ms = 30000,
	.stale_gc_ms = 60000,
	.retry_ms = 1000,
	.max_tries = 3,
	.queue_max = 8,
	.cache_max = 1024,
	.req_min_gap_ms = 1000 / 3,
})

/* The cache (net/neigh.h): an entry's addr is IPv4, and last_req and req_sent gate its
 * requests. */
PERSTACK_STATIC(struct neigh_table, arp_tbl)
#define arp_tbl PERSTACK_REF(struct neigh_table, arp_tbl)
PERSTACK_STATIC(arp_unresolved_fn, unresolved_fn)
#define unresolved_fn PERSTACK_REF(arp_unresolved_fn, unresolved_fn)

static const char *arp_ntop(uint32_t addr, char *buf)
{
	return inet_ntop(AF_INET, &addr, buf, INET_ADDRSTRLEN);
}

/* The entry for addr on dev (any device if dev is NULL), or NULL. */
static struct neigh *arp_entry_find(uint32_t addr, const struct net_device *dev)
{
	struct net_addr a = net_addr_v4(addr);

	return neigh_find(&arp_tbl, &a, dev);
}

static void arp_entry_timer(struct net_timer *t, void *arg, uint64_t now);

/* A new INCOMPLETE entry, or NULL (counted) when the cache is full. */
static struct neigh *arp_entry_create(uint32_t addr, struct net_device *dev, uint64_t now)
{
	struct net_addr a = net_addr_v4(addr);
	struct neigh *e = neigh_create(&arp_tbl, arp_config.cache_max, &a, dev, ARP_INCOMPLETE,
				       now, arp_entry_timer);
	char ip[INET_ADDRSTRLEN];

	if (!e) {
		STAT_INC(arp, cache_full);
		debugf("addr=%s not cached: cache full (%zu)", arp_ntop(addr, ip), arp_tbl.n);
		return NULL;
	}
	STAT_INC(arp, entries_created);
	return e;
}

void arp_addr_gone(struct net_device *dev, uint32_t addr)
{
	for (unsigned i = 0; i < NEIGH_HASH_BUCKETS; i++) {
		struct neigh *e;

		LIST_FOREACH(e, &arp_tbl.buckets[i], hlink) {
			struct pkb *p, *next;

			if (e->dev != dev)
				continue;
			for (p = TAILQ_FIRST(&e->queue); p; p = next) {
				uint32_t src;

				next = TAILQ_NEXT(p, link);
				if (p->len < 20)
					continue;
				memcpy(&src, p->data + 12, sizeof(src)); /* the IPv4 source */
				if (src != addr)
					continue;
				TAILQ_REMOVE(&e->queue, p, link);
				e->qlen--;
				STAT_INC(arp, queue_dropped_addr_gone);
				pkb_free(p);
			}
		}
	}
}

/* Our address to put in a request for tpa: the interface on tpa's subnet, else the first
 * one, else 0.0.0.0 (an RFC 5227 probe, which still gets an answer). */
static uint32_t arp_source_addr(const struct net_device *dev, uint32_t tpa)
{
	for (int i = 0; i < dev->nifaces; i++)
		if (((dev->ifaces[i].addr.v4 ^ tpa) & dev->ifaces[i].netmask) == 0)
			return dev->ifaces[i].addr.v4;
	return dev->nifaces ? dev->ifaces[0].addr.v4 : 0;
}

static int arp_addr_is_ours(const struct net_device *dev, uint32_t addr)
{
	for (int i = 0; i < dev->nifaces; i++)
		if (dev->ifaces[i].addr.v4 == addr)
			return 1;
	return 0;
}

/* Builds an Ethernet/IPv4 ARP packet in a fresh buffer and hands it to ether_output,
 * which owns it from then on. */
int arp_send(struct net_device *dev, uint16_t op, const uint8_t eth_dst[ETHER_ADDR_LEN],
		    uint32_t spa, const uint8_t tha[ETHER_ADDR_LEN], uint32_t tpa, uint64_t now)
{
	struct arp_pkt a = {
		.hrd = ARP_HRD_ETHER, .pro = ETHER_TYPE_IP, .hln = ETHER_ADDR_LEN, .pln = 4,
		.op = op, .spa = spa, .tpa = tpa,
	};
	struct pkb *p = pkb_alloc(ARP_PKT_LEN);

	if (!p)
		return -ENOMEM; /* pkb counts alloc_fail */
	memcpy(a.sha, dev->hwaddr, ETHER_ADDR_LEN);
	memcpy(a.tha, tha, ETHER_ADDR_LEN);
	arp_emit(&a, pkb_put(p, ARP_PKT_LEN), ARP_PKT_LEN);
	return ether_output(dev, ETHER_TYPE_ARP, eth_dst, p, now);
}

/* One request for e, through the per-entry rate gate. A STALE entry is asked by unicast
 * to its known address (RFC 1122 2.3.2.1), so the rest of the link is not bothered.
 * Returns 0 when a request went out (or was attempted: it counts as a try either way,
 * so a failing device cannot keep a resolution alive), -EAGAIN when rate limited. */
static int arp_request_send(struct neigh *e, uint64_t now)
{
	static const uint8_t zero[ETHER_ADDR_LEN];
	char ip[INET_ADDRSTRLEN];

	if (e->req_sent && now - e->last_req < arp_config.req_min_gap_ms) {
		STAT_INC(arp, request_rate_limited);
		debugf("addr=%s request rate limited", arp_ntop(e->addr.v4, ip));
		return -EAGAIN;
	}
	e->req_sent = 1;
	e->last_req = now;
	e->tries++;
	STAT_INC(arp, tx_request);
	debugf("addr=%s dev=%s request try=%u", arp_ntop(e->addr.v4, ip), e->dev->name, e->tries);
	arp_send(e->dev, ARP_OP_REQUEST, e->state == ARP_STALE ? e->hw : ether_broadcast,
		 arp_source_addr(e->dev, e->addr.v4), zero, e->addr.v4, now);
	/* On one queue of a multi-queue TAP the kernel answers a request before it learns
	 * that ARP now comes from this queue, so the answer to the first may reach another
	 * queue's stack; the answer to the second comes here. */
	if (e->dev->flags & NET_DEV_F_MULTIQUEUE) {
		STAT_INC(arp, tx_request_mq_twice);
		arp_send(e->dev, ARP_OP_REQUEST, e->state == ARP_STALE ? e->hw : ether_broadcast,
			 arp_source_addr(e->dev, e->addr.v4), zero, e->addr.v4, now);
	}
	return 0;
}

/* Sends a request if the gate allows and arms the timer for the next step: retry_ms
 * after a request that went out, or the moment the gate opens after one that did not. */
static void arp_request_and_arm(struct neigh *e, uint64_t now)
{
	if (arp_request_send(e, now) == 0)
		net_timer_arm(&e->timer, now + (arp_config.retry_ms ? arp_config.retry_ms : 1));
	else
		net_timer_arm(&e->timer, e->last_req + arp_config.req_min_gap_ms);
}

/* Queues p on e until resolution ends; a full queue loses its oldest packet. */
static void arp_queue_add(struct neigh *e, struct pkb *p)
{
	char ip[INET_ADDRSTRLEN];

	if (neigh_queue_add(e, p, arp_config.queue_max)) {
		STAT_INC(arp, queue_dropped_full);
		debugf("addr=%s queue full (%zu): a packet dropped", arp_ntop(e->addr.v4, ip),
		       e->qlen);
	}
}

/* The address answered (RFC 826 merge): record the hardware address, become REACHABLE,
 * and send what was waiting, oldest first. */
static void arp_entry_confirm(struct neigh *e, const uint8_t hw[ETHER_ADDR_LEN],
			      uint64_t now)
{
	struct pkb *p;

	memcpy(e->hw, hw, ETHER_ADDR_LEN);
	e->state = ARP_REACHABLE;
	e->since = now;
	e->tries = 0;
	net_timer_arm(&e->timer, now + arp_config.reachable_ms);
	while ((p = TAILQ_FIRST(&e->queue))) {
		TAILQ_REMOVE(&e->queue, p, link);
		e->qlen--;
		/* ether_output owns p; it never calls back into ARP, so e stays valid. */
		ether_output(e->dev, ETHER_TYPE_IP, e->hw, p, now);
	}
}

/* The resolution failed: e goes, and its queue goes to the unresolved handler. The queue
 * is taken off e first, since the handler may send (an ICMP error through ARP again). */
static void arp_entry_fail(struct neigh *e, uint64_t now)
{
	struct pkb_queue q;
	struct net_device *dev = e->dev;
	struct pkb *p;

	TAILQ_INIT(&q);
	neigh_queue_take(e, &q);
	neigh_free(&arp_tbl, e);
	while ((p = TAILQ_FIRST(&q))) {
		TAILQ_REMOVE(&q, p, link);
		if (unresolved_fn)
			unresolved_fn(dev, p, now); /* owns p */
		else
			pkb_free(p);
	}
}

void arp_set_unresolved_handler(arp_unresolved_fn fn)
{
	unresolved_fn = fn;
}

static void arp_entry_timer(struct net_timer *t, void *arg, uint64_t now)
{
	struct neigh *e = arg;
	char ip[INET_ADDRSTRLEN];

	(void)t;
	switch ((enum arp_state)e->state) {
	case ARP_INCOMPLETE:
		if (e->tries < arp_config.max_tries) {
			arp_request_and_arm(e, now);
			return;
		}
		STAT_INC(arp, resolve_failed);
		STAT_ADD(arp, queue_dropped_unresolved, e->qlen);
		debugf("addr=%s unresolved after %u requests: %zu packets dropped",
		       arp_ntop(e->addr.v4, ip), e->tries, e->qlen);
		arp_entry_fail(e, now);
		return;
	case ARP_REACHABLE:
		e->state = ARP_STALE;
		e->since = now;
		e->tries = 0;
		net_timer_arm(&e->timer, now + arp_config.stale_gc_ms);
		return;
	case ARP_STALE:
		if (e->tries > 0) { /* a refresh is under way */
			if (e->tries < arp_config.max_tries) {
				arp_request_and_arm(e, now);
				return;
			}
			STAT_INC(arp, refresh_failed);
			debugf("addr=%s stale entry unconfirmed after %u requests: removed",
			       arp_ntop(e->addr.v4, ip), e->tries);
			neigh_free(&arp_tbl, e);
			return;
		}
		if (now - (e->used > e->since ? e->used : e->since) < arp_config.stale_gc_ms) {
			net_timer_arm(&e->timer, (e->used > e->since ? e->used : e->since) +
							 arp_config.stale_gc_ms);
			return;
		}
		STAT_INC(arp, entries_expired);
		neigh_free(&arp_tbl, e);
		return;
	case ARP_NONE:
		break;
	}
}

int arp_init(void)
{
	return net_protocol_register("ARP", ETHER_TYPE_ARP, arp_input);
}

/* Queued packets are freed without counting them as drops: the stack is going away. */
void arp_shutdown(void)
{
	arp_probe_stop_all();
	neigh_table_clear(&arp_tbl);
}

/* A sender we must not cache: 0.0.0.0 (an RFC 5227 probe, answered but not cached), a
 * group hardware address, or a broadcast or multicast protocol address. Returns 1 for a
 * probe (still answerable), -1 for garbage, 0 for a usable sender. */
static int arp_sender_check(const struct net_device *dev, const struct arp_pkt *a)
{
	uint32_t spa = ntohl(a->spa);

	if (a->sha[0] & 0x01)
		return -1;
	if (a->spa == 0)
		return 1;
	if (spa == 0xffffffffu || (spa >> 28) == 0xe ||
	    net_iface_is_local(dev, &(struct net_addr){ .family = AF_INET, .v4 = a->spa }))
		return -1; /* includes our own addresses: an echo or a conflict, never a neighbour */
	return 0;
}

/* Takes ownership of p; it is always freed here (replies use a fresh buffer). */
void arp_input(struct pkb *p, struct net_device *dev, uint64_t now)
{
	struct neigh *e = NULL;
	struct arp_pkt a;
	char ip[INET_ADDRSTRLEN];
	int sender;

	NET_ASSERT_LOCKED();
	STAT_INC(arp, rx);
	if (p->len < ARP_PKT_LEN) {
		STAT_INC(arp, rx_short);
		debugf("dev=%s len=%zu dropped: short ARP packet", dev->name, p->len);
		goto drop;
	}
	if (arp_parse(p->data, p->len, &a) < 0) {
		STAT_INC(arp, rx_bad_format);
		debugf("dev=%s dropped: not Ethernet/IPv4 ARP", dev->name);
		goto drop;
	}
	if (a.op == ARP_OP_REQUEST) {
		STAT_INC(arp, rx_request);
	} else if (a.op == ARP_OP_REPLY) {
		STAT_INC(arp, rx_reply);
	} else {
		STAT_INC(arp, rx_bad_op);
		debugf("dev=%s op=%u dropped: unknown opcode", dev->name, a.op);
		goto drop;
	}
	sender = arp_sender_check(dev, &a);
	if (sender != 0) {
		STAT_INC(arp, rx_bogus_sender);
		debugf("dev=%s spa=%s not cached: %s sender", dev->name, arp_ntop(a.spa, ip),
		       sender > 0 ? "probe" : "bogus");
		if (sender < 0)
			goto drop;
	}
	/* RFC 5227 2.1.1: a probe under way hears every ARP packet, whoever it is for. */
	arp_probe_input(dev, &a, now);
	/* RFC 826: merge first, whoever the packet is for. */
	if (sender == 0 && (e = arp_entry_find(a.spa, dev)))
		arp_entry_confirm(e, a.sha, now);
	if (!arp_addr_is_ours(dev, a.tpa)) {
		STAT_INC(arp, rx_not_for_us);
		goto drop;
	}
	if (a.op == ARP_OP_REPLY) {
		if (!e) {
			/* NOTE: RFC 826 would add the sender of any packet aimed at us; a
			 * reply nobody asked for is refused instead, so it cannot plant a
			 * mapping (ARP spoofing) or fill the cache. */
			STAT_INC(arp, rx_unsolicited_reply);
			debugf("dev=%s spa=%s unsolicited reply ignored", dev->name,
			       arp_ntop(a.spa, ip));
		}
		goto drop;
	}
	/* A request for us: the asker will talk to us next, so learn it now. */
	if (sender == 0 && !e && (e = arp_entry_create(a.spa, dev, now)))
		arp_entry_confirm(e, a.sha, now);
	STAT_INC(arp, tx_reply);
	arp_send(dev, ARP_OP_REPLY, a.sha, a.tpa, a.sha, a.spa, now);
drop:
	pkb_free(p);
}

/* Limited broadcast, or a subnet broadcast of dev. /31 (RFC 3021) and /32 subnets have
 * none: their computed "broadcast" is the peer or ourselves. */
static int arp_is_broadcast(const struct net_device *dev, uint32_t addr)
{
	if (addr == 0xffffffffu)
		return 1;
	for (int i = 0; i < dev->nifaces; i++)
		if (ntohl(dev->ifaces[i].netmask) < 0xfffffffeu && dev->ifaces[i].broadcast == addr)
			return 1;
	return 0;
}

/* Takes ownership of p: sent, queued on the entry, or freed (counted) here. */
int arp_output(struct net_device *dev, uint32_t nexthop, struct pkb *p, uint64_t now)
{
	struct neigh *e;
	uint32_t h = ntohl(nexthop);
	uint8_t mac[ETHER_ADDR_LEN];

	NET_ASSERT_LOCKED();
	if (arp_is_broadcast(dev, nexthop))
		return ether_output(dev, ETHER_TYPE_IP, ether_broadcast, p, now);
	if ((h >> 28) == 0xe) {
		/* RFC 1112 6.4: 01:00:5e and the low 23 bits of the group. */
		mac[0] = 0x01, mac[1] = 0x00, mac[2] = 0x5e;
		mac[3] = (h >> 16) & 0x7f, mac[4] = (uint8_t)(h >> 8), mac[5] = (uint8_t)h;
		return ether_output(dev, ETHER_TYPE_IP, mac, p, now);
	}
	e = arp_entry_find(nexthop, dev);
	if (!e) {
		e = arp_entry_create(nexthop, dev, now);
		if (!e) {
			pkb_free(p); /* counted as cache_full */
			return -ENOBUFS;
		}
		arp_queue_add(e, p);
		arp_request_and_arm(e, now);
		return 0;
	}
	switch ((enum arp_state)e->state) {
	case ARP_INCOMPLETE:
		arp_queue_add(e, p);
		return 0;
	case ARP_STALE:
		e->used = now;
		memcpy(mac, e->hw, ETHER_ADDR_LEN);
		if (e->tries == 0)
			arp_request_and_arm(e, now); /* e survives: the timer is only armed */
		return ether_output(dev, ETHER_TYPE_IP, mac, p, now);
	case ARP_REACHABLE:
	case ARP_NONE:
		break;
	}
	e->used = now;
	return ether_output(dev, ETHER_TYPE_IP, e->hw, p, now);
}

void arp_announce(struct net_device *dev, uint64_t now)
{
	static const uint8_t zero[ETHER_ADDR_LEN];

	if (dev->type != NET_DEV_ETHER || (dev->flags & NET_DEV_F_NOARP))
		return;
	/* RFC 5227 2.3: a request with sender and target both set to our address. */
	for (int i = 0; i < dev->nifaces; i++) {
		if (arp_probe_announces(dev, dev->ifaces[i].addr.v4))
			continue; /* its probe announces it, ANNOUNCE_NUM times */
		STAT_INC(arp, tx_gratuitous);
		arp_send(dev, ARP_OP_REQUEST, ether_broadcast, dev->ifaces[i].addr.v4, zero,
			 dev->ifaces[i].addr.v4, now);
	}
}

enum arp_state arp_cache_lookup(uint32_t addr, uint8_t hw_out[6])
{
	struct neigh *e = arp_entry_find(addr, NULL);

	if (!e)
		return ARP_NONE;
	if (hw_out && e->state != ARP_INCOMPLETE)
		memcpy(hw_out, e->hw, ETHER_ADDR_LEN);
	return e->state;
}

size_t arp_cache_count(void)
{
	return arp_tbl.n;
}

void arp_cache_foreach(void (*fn)(uint32_t addr, const struct net_device *dev,
				  enum arp_state state, const uint8_t hw[6], void *arg), void *arg)
{
	const struct neigh *e;

	for (unsigned i = 0; i < NEIGH_HASH_BUCKETS; i++)
		LIST_FOREACH(e, &arp_tbl.buckets[i], hlink)
			fn(e->addr.v4, e->dev, e->state, e->hw, arg);
}
