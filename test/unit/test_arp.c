/* SPDX-License-Identifier: MIT */
/* ARP: parse/emit against the captured request and reply (frames 0 and 1 of
 * linux-session.pcap), malformed packets and their counters, and the cache driven with a
 * fake clock: every test passes `now` itself and fires timers with net_timers_run(now). */
#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "arp/arp.h"
#include "ether/ether.h"
#include "net/loop.h"

#define PCAP "test/data/linux-session.pcap"
#define IP4(a, b, c, d) htonl((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static struct net_device *dev;
static struct arp_config_s defaults;

static const uint8_t our_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 }; /* test_dev_create's */
static const uint8_t mac_a[6] = { 0x5e, 0x63, 0x99, 0x56, 0x65, 0xb8 }; /* 192.0.2.1 */
static const uint8_t mac_c[6] = { 0x5e, 0x00, 0x00, 0x00, 0x00, 0x07 };
static const uint8_t zero_mac[6];

static int setup(void **state)
{
	(void)state;
	stats_reset();
	net_protocol_reset();
	arp_config = defaults;
	assert_int_equal(ether_init(), 0);
	assert_int_equal(arp_init(), 0);
	dev = test_dev_create("eth0", NET_DEV_ETHER, 1500);
	assert_int_equal(test_iface_add4(dev, IP4(192, 0, 2, 2), IP4(255, 255, 255, 0), 0), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	arp_shutdown();
	net_device_unregister_all();
	net_protocol_reset();
	return 0;
}

/* Ends every test: the cache goes, nothing is left unread, no pkb or timer survives. */
static void finish(void)
{
	arp_shutdown();
	assert_int_equal(arp_cache_count(), 0);
	assert_int_equal(test_dev_pending(dev), 0);
	test_assert_no_leaks();
}

/* ---- helpers ---- */

static void inject_arp(uint16_t op, const uint8_t sha[6], uint32_t spa, const uint8_t tha[6],
		       uint32_t tpa, const uint8_t eth_dst[6], uint64_t now)
{
	uint8_t b[ETHER_MIN_FRAME] = { 0 }; /* padded, as on the wire */
	struct ether_hdr h;
	struct arp_pkt a = {
		.hrd = ARP_HRD_ETHER, .pro = ETHER_TYPE_IP, .hln = 6, .pln = 4,
		.op = op, .spa = spa, .tpa = tpa,
	};

	memcpy(a.sha, sha, 6);
	memcpy(a.tha, tha, 6);
	memcpy(h.dst, eth_dst, 6);
	memcpy(h.src, sha, 6);
	h.type = ETHER_TYPE_ARP;
	ether_emit(&h, b, sizeof(b));
	arp_emit(&a, b + ETHER_HDR_LEN, sizeof(b) - ETHER_HDR_LEN);
	net_device_input(dev, pkb_from_bytes(b, sizeof(b)), now);
}

/* Pops the next transmitted frame, which must be an ARP packet. */
static void pop_arp(struct ether_hdr *eh, struct arp_pkt *a)
{
	struct pkb *p = test_dev_pop(dev);

	assert_non_null(p);
	assert_int_equal(p->len, ETHER_MIN_FRAME);
	assert_int_equal(ether_parse(p->data, p->len, eh), 0);
	assert_int_equal(eh->type, ETHER_TYPE_ARP);
	assert_memory_equal(eh->src, our_mac, 6);
	assert_int_equal(arp_parse(p->data + ETHER_HDR_LEN, p->len - ETHER_HDR_LEN, a), 0);
	pkb_free(p);
}

/* Pops a request and checks it asks for tpa, from 192.0.2.2, to eth_dst. */
static void expect_request(uint32_t tpa, const uint8_t eth_dst[6])
{
	struct ether_hdr eh;
	struct arp_pkt a;

	pop_arp(&eh, &a);
	assert_memory_equal(eh.dst, eth_dst, 6);
	assert_int_equal(a.op, ARP_OP_REQUEST);
	assert_memory_equal(a.sha, our_mac, 6);
	assert_int_equal(a.spa, IP4(192, 0, 2, 2));
	assert_memory_equal(a.tha, zero_mac, 6);
	assert_int_equal(a.tpa, tpa);
}

/* A 20-byte stand-in for an IPv4 packet, every byte `marker`. */
static struct pkb *ip_pkt(uint8_t marker)
{
	struct pkb *p = pkb_alloc(20);

	memset(pkb_put(p, 20), marker, 20);
	return p;
}

static void expect_ip(const uint8_t dst[6], uint8_t marker)
{
	struct pkb *p = test_dev_pop(dev);
	struct ether_hdr eh;

	assert_non_null(p);
	assert_int_equal(ether_parse(p->data, p->len, &eh), 0);
	assert_memory_equal(eh.dst, dst, 6);
	assert_int_equal(eh.type, ETHER_TYPE_IP);
	assert_int_equal(p->data[ETHER_HDR_LEN], marker);
	assert_int_equal(p->data[ETHER_HDR_LEN + 19], marker);
	pkb_free(p);
}

/* Resolves 192.0.2.1 at time `now`: output, request, reply; leaves the packet sent. */
static void resolve_peer(uint64_t now)
{
	assert_int_equal(arp_output(dev, IP4(192, 0, 2, 1), ip_pkt(0x11), now), 0);
	expect_request(IP4(192, 0, 2, 1), ether_broadcast);
	inject_arp(ARP_OP_REPLY, mac_a, IP4(192, 0, 2, 1), our_mac, IP4(192, 0, 2, 2), our_mac,
		   now);
	expect_ip(mac_a, 0x11);
	assert_int_equal(arp_cache_lookup(IP4(192, 0, 2, 1), NULL), ARP_REACHABLE);
}

/* ---- wire ---- */

static void test_parse_emit_capture(void **state)
{
	static const struct {
		int index;
		struct arp_pkt want;
	} cases[] = {
		{ 0, { ARP_HRD_ETHER, ETHER_TYPE_IP, 6, 4, ARP_OP_REQUEST,
		       { 0x5e, 0x63, 0x99, 0x56, 0x65, 0xb8 }, 0, { 0 }, 0 } },
		{ 1, { ARP_HRD_ETHER, ETHER_TYPE_IP, 6, 4, ARP_OP_REPLY,
		       { 0x5e, 0x6a, 0xee, 0x06, 0xc2, 0x50 }, 0,
		       { 0x5e, 0x63, 0x99, 0x56, 0x65, 0xb8 }, 0 } },
	};
	(void)state;

	for (size_t i = 0; i < 2; i++) {
		uint8_t frame[128], out[128];
		struct ether_hdr eh;
		struct arp_pkt a, want = cases[i].want;
		long len = test_pcap_frame(PCAP, cases[i].index, frame, sizeof(frame));
		struct pkb *p;

		/* Addresses are network order, which IP4() cannot give in an initializer. */
		want.spa = i == 0 ? IP4(192, 0, 2, 1) : IP4(192, 0, 2, 2);
		want.tpa = i == 0 ? IP4(192, 0, 2, 2) : IP4(192, 0, 2, 1);
		/* Captured on the sending side, before the NIC pads: 14 + 28 bytes. */
		assert_int_equal(len, ETHER_HDR_LEN + ARP_PKT_LEN);
		assert_int_equal(ether_parse(frame, (size_t)len, &eh), 0);
		assert_int_equal(arp_parse(frame + ETHER_HDR_LEN, (size_t)len - ETHER_HDR_LEN, &a), 0);
		assert_int_equal(a.hrd, want.hrd);
		assert_int_equal(a.pro, want.pro);
		assert_int_equal(a.hln, want.hln);
		assert_int_equal(a.pln, want.pln);
		assert_int_equal(a.op, want.op);
		assert_memory_equal(a.sha, want.sha, 6);
		assert_int_equal(a.spa, want.spa);
		assert_memory_equal(a.tha, want.tha, 6);
		assert_int_equal(a.tpa, want.tpa);
		/* Re-emitted byte for byte. */
		memset(out, 0xaa, sizeof(out));
		assert_int_equal(ether_emit(&eh, out, sizeof(out)), ETHER_HDR_LEN);
		assert_int_equal(arp_emit(&a, out + ETHER_HDR_LEN, sizeof(out) - ETHER_HDR_LEN),
				 ARP_PKT_LEN);
		assert_memory_equal(out, frame, (size_t)len);
		assert_int_equal(arp_emit(&a, out, ARP_PKT_LEN - 1), 0);
		/* Through ether_output: the same bytes, zero-padded to the minimum frame. */
		p = pkb_alloc(ARP_PKT_LEN);
		arp_emit(&a, pkb_put(p, ARP_PKT_LEN), ARP_PKT_LEN);
		memcpy(dev->hwaddr, eh.src, 6);
		assert_int_equal(ether_output(dev, ETHER_TYPE_ARP, eh.dst, p, 0), 0);
		p = test_dev_pop(dev);
		assert_int_equal(p->len, ETHER_MIN_FRAME);
		assert_memory_equal(p->data, frame, (size_t)len);
		for (size_t k = (size_t)len; k < ETHER_MIN_FRAME; k++)
			assert_int_equal(p->data[k], 0);
		pkb_free(p);
	}
	finish();
}

static void test_parse_bad(void **state)
{
	static const struct {
		size_t off;
		uint8_t val;
	} corrupt[] = {
		{ 1, 6 },      /* hrd 6 (IEEE 802) */
		{ 0, 1 },      /* hrd 0x0101 */
		{ 2, 0x86 },   /* pro 0x8600 */
		{ 3, 0x06 },   /* pro 0x0806 */
		{ 4, 8 },      /* hln */
		{ 5, 16 },     /* pln (IPv6-sized) */
	};
	uint8_t frame[128], b[ARP_PKT_LEN];
	struct arp_pkt a;
	(void)state;

	assert_int_equal(test_pcap_frame(PCAP, 0, frame, sizeof(frame)), 42);
	for (size_t n = 0; n < ARP_PKT_LEN; n++)
		assert_int_equal(arp_parse(frame + ETHER_HDR_LEN, n, &a), -EINVAL);
	for (size_t i = 0; i < sizeof(corrupt) / sizeof(corrupt[0]); i++) {
		memcpy(b, frame + ETHER_HDR_LEN, sizeof(b));
		b[corrupt[i].off] = corrupt[i].val;
		assert_int_equal(arp_parse(b, sizeof(b), &a), -EINVAL);
	}
	/* Unknown opcodes parse: rejecting them is arp_input's job (see test_input_bad). */
	memcpy(b, frame + ETHER_HDR_LEN, sizeof(b));
	b[7] = 3;
	assert_int_equal(arp_parse(b, sizeof(b), &a), 0);
	assert_int_equal(a.op, 3);
	finish();
}

/* Malformed frames through the whole input path, each with its counter. */
static void test_input_bad(void **state)
{
	static const struct {
		const char *what;
		size_t len;      /* frame bytes to keep */
		size_t off;      /* byte to corrupt in the frame, 0 for none */
		uint8_t val;
		const char *counter;
	} cases[] = {
		{ "short ethernet", 10, 0, 0, "ether.rx_short" },
		{ "short arp", ETHER_HDR_LEN + 27, 0, 0, "arp.rx_short" },
		{ "bad hrd", 42, 15, 6, "arp.rx_bad_format" },
		{ "bad pro", 42, 16, 0x86, "arp.rx_bad_format" },
		{ "bad hln", 42, 18, 8, "arp.rx_bad_format" },
		{ "bad pln", 42, 19, 16, "arp.rx_bad_format" },
		{ "bad op 3", 42, 21, 3, "arp.rx_bad_op" },
		{ "bad op 0", 42, 21, 0, "arp.rx_bad_op" },
		{ "group sender mac", 42, 22, 0x01, "arp.rx_bogus_sender" },
	};
	uint8_t frame[128], b[128];
	(void)state;

	/* Frame 0 asks for 192.0.2.2: unmodified it would be answered. */
	assert_int_equal(test_pcap_frame(PCAP, 0, frame, sizeof(frame)), 42);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const uint64_t *c = stats_find(cases[i].counter);

		assert_non_null(c);
		stats_reset();
		memcpy(b, frame, sizeof(b));
		if (cases[i].off)
			b[cases[i].off] = cases[i].val;
		net_device_input(dev, pkb_from_bytes(b, cases[i].len), 0);
		if (*c != 1)
			fail_msg("%s: %s = %llu", cases[i].what, cases[i].counter,
				 (unsigned long long)*c);
		assert_int_equal(arp_stats.tx_reply, 0);
		assert_int_equal(arp_cache_count(), 0);
		assert_int_equal(test_dev_pending(dev), 0);
	}
	finish();
}

/* ---- requests for us ---- */

static void test_request_for_us(void **state)
{
	uint8_t frame[128], want[ETHER_MIN_FRAME] = { 0 }, hw[6];
	struct pkb *p;
	(void)state;

	/* The captured request asks for 192.0.2.2; our answer must equal Linux's captured
	 * reply but for our own hardware address, padded to 60 bytes. */
	assert_int_equal(test_pcap_frame(PCAP, 1, want, sizeof(want)), 42);
	memcpy(want + 6, our_mac, 6);  /* Ethernet source */
	memcpy(want + 22, our_mac, 6); /* sha */
	assert_int_equal(test_pcap_frame(PCAP, 0, frame, sizeof(frame)), 42);
	net_device_input(dev, pkb_from_bytes(frame, 42), 100);
	assert_int_equal(test_dev_pending(dev), 1);
	p = test_dev_pop(dev);
	assert_int_equal(p->len, sizeof(want));
	assert_memory_equal(p->data, want, sizeof(want));
	pkb_free(p);
	assert_int_equal(arp_stats.rx_request, 1);
	assert_int_equal(arp_stats.tx_reply, 1);
	/* The asker is learnt (RFC 826: we are the target, so the sender is added). */
	assert_int_equal(arp_cache_lookup(IP4(192, 0, 2, 1), hw), ARP_REACHABLE);
	assert_memory_equal(hw, mac_a, 6);
	assert_int_equal(arp_stats.entries_created, 1);
	/* A second request refreshes, it does not add. */
	net_device_input(dev, pkb_from_bytes(frame, 42), 200);
	test_dev_flush(dev);
	assert_int_equal(arp_stats.entries_created, 1);
	assert_int_equal(arp_cache_count(), 1);

	/* A request for another host (or for our subnet broadcast) is not answered, and
	 * a sender we do not know is not added. */
	stats_reset();
	inject_arp(ARP_OP_REQUEST, mac_c, IP4(192, 0, 2, 7), zero_mac, IP4(192, 0, 2, 9),
		   ether_broadcast, 300);
	inject_arp(ARP_OP_REQUEST, mac_c, IP4(192, 0, 2, 7), zero_mac, IP4(192, 0, 2, 255),
		   ether_broadcast, 300);
	assert_int_equal(arp_stats.rx_not_for_us, 2);
	assert_int_equal(arp_stats.tx_reply, 0);
	assert_int_equal(test_dev_pending(dev), 0);
	assert_int_equal(arp_cache_lookup(IP4(192, 0, 2, 7), NULL), ARP_NONE);
	finish();
}

/* ---- resolution ---- */

static void test_output_unknown_queues_and_requests(void **state)
{
	(void)state;

	assert_int_equal(arp_output(dev, IP4(192, 0, 2, 1), ip_pkt(1), 0), 0);
	assert_int_equal(test_dev_pending(dev), 1); /* the request only: the packet waits */
	expect_request(IP4(192, 0, 2, 1), ether_broadcast);
	assert_int_equal(arp_cache_lookup(IP4(192, 0, 2, 1), NULL), ARP_INCOMPLETE);
	assert_int_equal(arp_stats.tx_request, 1);
	/* More packets join the queue without new requests. */
	assert_int_equal(arp_output(dev, IP4(192, 0, 2, 1), ip_pkt(2), 10), 0);
	assert_int_equal(arp_output(dev, IP4(192, 0, 2, 1), ip_pkt(3), 20), 0);
	assert_int_equal(test_dev_pending(dev), 0);
	assert_int_equal(arp_stats.tx_request, 1);
	assert_int_equal(pkb_outstanding(), 3);
	/* The reply flushes the queue in order. */
	inject_arp(ARP_OP_REPLY, mac_a, IP4(192, 0, 2, 1), our_mac, IP4(192, 0, 2, 2), our_mac,
		   30);
	assert_int_equal(test_dev_pending(dev), 3);
	expect_ip(mac_a, 1);
	expect_ip(mac_a, 2);
	expect_ip(mac_a, 3);
	assert_int_equal(arp_cache_lookup(IP4(192, 0, 2, 1), NULL), ARP_REACHABLE);
	/* Now cached: sent at once, no request. */
	assert_int_equal(arp_output(dev, IP4(192, 0, 2, 1), ip_pkt(4), 40), 0);
	expect_ip(mac_a, 4);
	assert_int_equal(arp_stats.tx_request, 1);
	/* Nothing fires before reachable_ms. */
	net_timers_run(29);
	assert_int_equal(test_dev_pending(dev), 0);
	finish();
}

/* One queue of a multi-queue TAP: every request goes out twice (the kernel's answer to the
 * first may take another queue), and is one try; the answer still resolves. */
static void test_multiqueue_asks_twice(void **state)
{
	(void)state;
	dev->flags |= NET_DEV_F_MULTIQUEUE;
	assert_int_equal(arp_output(dev, IP4(192, 0, 2, 1), ip_pkt(1), 0), 0);
	assert_int_equal(test_dev_pending(dev), 2);
	expect_request(IP4(192, 0, 2, 1), ether_broadcast);
	expect_request(IP4(192, 0, 2, 1), ether_broadcast);
	assert_int_equal(arp_stats.tx_request, 1);
	assert_int_equal(arp_stats.tx_request_mq_twice, 1);
	inject_arp(ARP_OP_REPLY, mac_a, IP4(192, 0, 2, 1), our_mac, IP4(192, 0, 2, 2), our_mac,
		   10);
	expect_ip(mac_a, 1);
	assert_int_equal(arp_cache_lookup(IP4(192, 0, 2, 1), NULL), ARP_REACHABLE);
	dev->flags &= ~NET_DEV_F_MULTIQUEUE;
	finish();
}

static void test_retries_then_give_up(void **state)
{
	(void)state;

	assert_int_equal(arp_output(dev, IP4(192, 0, 2, 50), ip_pkt(1), 0), 0);
	assert_int_equal(arp_output(dev, IP4(192, 0, 2, 50), ip_pkt(2), 0), 0);
	expect_request(IP4(192, 0, 2, 50), ether_broadcast);
	net_timers_run(999);
	assert_int_equal(test_dev_pending(dev), 0);
	net_timers_run(1000);
	expect_request(IP4(192, 0, 2, 50), ether_broadcast);
	net_timers_run(1999);
	assert_int_equal(test_dev_pending(dev), 0);
	net_timers_run(2000);
	expect_request(IP4(192, 0, 2, 50), ether_broadcast);
	assert_int_equal(arp_stats.tx_request, 3);
	net_timers_run(2999);
	assert_int_equal(arp_cache_lookup(IP4(192, 0, 2, 50), NULL), ARP_INCOMPLETE);
	assert_int_equal(arp_stats.resolve_failed, 0);
	/* No fourth request: the queue is dropped and the entry removed. */
	net_timers_run(3000);
	assert_int_equal(test_dev_pending(dev), 0);
	assert_int_equal(arp_stats.tx_request, 3);
	assert_int_equal(arp_stats.resolve_failed, 1);
	assert_int_equal(arp_stats.queue_dropped_unresolved, 2);
	assert_int_equal(arp_cache_lookup(IP4(192, 0, 2, 50), NULL), ARP_NONE);
	assert_int_equal(arp_cache_count(), 0);
	assert_int_equal(pkb_outstanding(), 0);
	assert_int_equal(net_timers_armed(), 0);
	/* A late reply is unsolicited now and creates nothing. */
	inject_arp(ARP_OP_REPLY, mac_c, IP4(192, 0, 2, 50), our_mac, IP4(192, 0, 2, 2), our_mac,
		   3500);
	assert_int_equal(arp_cache_count(), 0);
	finish();
}

/* The unresolved handler: what test_unresolved_to_handler saw, in order. */
static uint8_t unresolved_seen[8];
static size_t unresolved_n;
static struct net_device *unresolved_dev;

static void record_unresolved(struct net_device *d, struct pkb *p, uint64_t now)
{
	(void)now;
	unresolved_dev = d;
	if (unresolved_n < sizeof(unresolved_seen))
		unresolved_seen[unresolved_n++] = p->data[0];
	pkb_free(p); /* the handler owns p */
}

/* A failed resolution hands each waiting packet, oldest first, to the handler the layer
 * above registered (ICMP's host unreachable, as Linux's ip_link_failure), still counted as
 * dropped; the entry is gone before the handler runs, so it may send through ARP. */
static void test_unresolved_to_handler(void **state)
{
	(void)state;
	unresolved_n = 0;
	unresolved_dev = NULL;
	arp_set_unresolved_handler(record_unresolved);
	assert_int_equal(arp_output(dev, IP4(192, 0, 2, 50), ip_pkt(1), 0), 0);
	assert_int_equal(arp_output(dev, IP4(192, 0, 2, 50), ip_pkt(2), 500), 0);
	assert_int_equal(arp_output(dev, IP4(192, 0, 2, 50), ip_pkt(3), 900), 0);
	expect_request(IP4(192, 0, 2, 50), ether_broadcast);
	net_timers_run(1000);
	expect_request(IP4(192, 0, 2, 50), ether_broadcast);
	net_timers_run(2000);
	expect_request(IP4(192, 0, 2, 50), ether_broadcast);
	net_timers_run(2999);
	assert_int_equal(unresolved_n, 0);
	net_timers_run(3000);
	assert_int_equal(unresolved_n, 3);
	assert_int_equal(unresolved_seen[0], 1);
	assert_int_equal(unresolved_seen[1], 2);
	assert_int_equal(unresolved_seen[2], 3);
	assert_ptr_equal(unresolved_dev, dev);
	assert_int_equal(arp_stats.resolve_failed, 1);
	assert_int_equal(arp_stats.queue_dropped_unresolved, 3);
	assert_int_equal(arp_cache_count(), 0);
	arp_set_unresolved_handler(NULL);
	finish();
}

static void test_queue_bound(void **state)
{
	(void)state;

	/* NOTE: the oldest packet is the one dropped (arp.c, arp_queue_add). */
	for (uint8_t i = 0; i < 10; i++)
		assert_int_equal(arp_output(dev, IP4(192, 0, 2, 1), ip_pkt(i), i), 0);
	expect_request(IP4(192, 0, 2, 1), ether_broadcast);
	assert_int_equal(arp_stats.queue_dropped_full, 2);
	assert_int_equal(pkb_outstanding(), 8);
	inject_arp(ARP_OP_REPLY, mac_a, IP4(192, 0, 2, 1), our_mac, IP4(192, 0, 2, 2), our_mac,
		   20);
	assert_int_equal(test_dev_pending(dev), 8);
	for (uint8_t i = 2; i < 10; i++)
		expect_ip(mac_a, i);

	/* A smaller configured bound, and 0: nothing may wait at all. */
	stats_reset();
	arp_config.queue_max = 1;
	assert_int_equal(arp_output(dev, IP4(192, 0, 2, 3), ip_pkt(1), 30), 0);
	assert_int_equal(arp_output(dev, IP4(192, 0, 2, 3), ip_pkt(2), 30), 0);
	assert_int_equal(arp_stats.queue_dropped_full, 1);
	arp_config.queue_max = 0;
	assert_int_equal(arp_output(dev, IP4(192, 0, 2, 4), ip_pkt(1), 30), 0);
	assert_int_equal(arp_stats.queue_dropped_full, 2);
	test_dev_flush(dev);
	assert_int_equal(pkb_outstanding(), 1); /* packet 2 for 192.0.2.3 */
	finish();
}

/* ---- ageing ---- */

static void test_reachable_stale_refresh(void **state)
{
	uint8_t hw[6];
	(void)state;

	resolve_peer(100);
	net_timers_run(100 + 30000 - 1);
	assert_int_equal(arp_cache_lookup(IP4(192, 0, 2, 1), NULL), ARP_REACHABLE);
	net_timers_run(100 + 30000);
	assert_int_equal(arp_cache_lookup(IP4(192, 0, 2, 1), hw), ARP_STALE);
	assert_memory_equal(hw, mac_a, 6);
	assert_int_equal(test_dev_pending(dev), 0);

	/* A stale entry is still used, and its use sends one unicast refresh. */
	assert_int_equal(arp_output(dev, IP4(192, 0, 2, 1), ip_pkt(7), 40000), 0);
	assert_int_equal(test_dev_pending(dev), 2);
	expect_request(IP4(192, 0, 2, 1), mac_a);
	expect_ip(mac_a, 7);
	assert_int_equal(arp_output(dev, IP4(192, 0, 2, 1), ip_pkt(8), 40500), 0);
	expect_ip(mac_a, 8); /* no second refresh while one is under way */
	assert_int_equal(test_dev_pending(dev), 0);
	/* The answer makes it reachable again, with a new lifetime. */
	inject_arp(ARP_OP_REPLY, mac_a, IP4(192, 0, 2, 1), our_mac, IP4(192, 0, 2, 2), our_mac,
		   40600);
	assert_int_equal(arp_cache_lookup(IP4(192, 0, 2, 1), NULL), ARP_REACHABLE);
	net_timers_run(40600 + 30000 - 1);
	assert_int_equal(arp_cache_lookup(IP4(192, 0, 2, 1), NULL), ARP_REACHABLE);
	assert_int_equal(test_dev_pending(dev), 0);
	assert_int_equal(arp_stats.tx_request, 2);
	finish();
}

static void test_stale_refresh_unanswered(void **state)
{
	(void)state;

	resolve_peer(0);
	net_timers_run(30000);
	assert_int_equal(arp_cache_lookup(IP4(192, 0, 2, 1), NULL), ARP_STALE);
	assert_int_equal(arp_output(dev, IP4(192, 0, 2, 1), ip_pkt(1), 31000), 0);
	expect_request(IP4(192, 0, 2, 1), mac_a);
	expect_ip(mac_a, 1);
	net_timers_run(32000);
	expect_request(IP4(192, 0, 2, 1), mac_a);
	net_timers_run(33000);
	expect_request(IP4(192, 0, 2, 1), mac_a);
	net_timers_run(34000);
	assert_int_equal(test_dev_pending(dev), 0);
	assert_int_equal(arp_stats.refresh_failed, 1);
	assert_int_equal(arp_cache_lookup(IP4(192, 0, 2, 1), NULL), ARP_NONE);
	/* The next packet starts over: queued behind a broadcast request. */
	assert_int_equal(arp_output(dev, IP4(192, 0, 2, 1), ip_pkt(2), 35000), 0);
	expect_request(IP4(192, 0, 2, 1), ether_broadcast);
	assert_int_equal(arp_cache_lookup(IP4(192, 0, 2, 1), NULL), ARP_INCOMPLETE);
	finish();
}

static void test_stale_gc(void **state)
{
	(void)state;

	resolve_peer(0);
	net_timers_run(30000);
	assert_int_equal(arp_cache_lookup(IP4(192, 0, 2, 1), NULL), ARP_STALE);
	net_timers_run(30000 + 60000 - 1);
	assert_int_equal(arp_cache_lookup(IP4(192, 0, 2, 1), NULL), ARP_STALE);
	net_timers_run(30000 + 60000);
	assert_int_equal(arp_cache_lookup(IP4(192, 0, 2, 1), NULL), ARP_NONE);
	assert_int_equal(arp_stats.entries_expired, 1);
	assert_int_equal(net_timers_armed(), 0);
	assert_int_equal(test_dev_pending(dev), 0);
	finish();
}

/* ---- what must not be cached ---- */

static void test_unsolicited_reply(void **state)
{
	(void)state;

	inject_arp(ARP_OP_REPLY, mac_c, IP4(192, 0, 2, 7), our_mac, IP4(192, 0, 2, 2), our_mac,
		   0);
	assert_int_equal(arp_stats.rx_reply, 1);
	assert_int_equal(arp_stats.rx_unsolicited_reply, 1);
	assert_int_equal(arp_cache_count(), 0);
	assert_int_equal(arp_stats.entries_created, 0);
	/* Nor does a gratuitous announcement from a host we never talked to. */
	inject_arp(ARP_OP_REQUEST, mac_c, IP4(192, 0, 2, 7), zero_mac, IP4(192, 0, 2, 7),
		   ether_broadcast, 0);
	assert_int_equal(arp_cache_count(), 0);
	assert_int_equal(test_dev_pending(dev), 0);
	finish();
}

static void test_merge_updates_existing(void **state)
{
	uint8_t hw[6];
	(void)state;

	resolve_peer(0);
	/* The peer moves to another MAC and announces it (a broadcast request for someone
	 * else): RFC 826 merges it although we are not the target. */
	inject_arp(ARP_OP_REQUEST, mac_c, IP4(192, 0, 2, 1), zero_mac, IP4(192, 0, 2, 1),
		   ether_broadcast, 500);
	assert_int_equal(arp_cache_lookup(IP4(192, 0, 2, 1), hw), ARP_REACHABLE);
	assert_memory_equal(hw, mac_c, 6);
	assert_int_equal(arp_stats.rx_not_for_us, 1);
	assert_int_equal(arp_output(dev, IP4(192, 0, 2, 1), ip_pkt(5), 600), 0);
	expect_ip(mac_c, 5);
	assert_int_equal(arp_cache_count(), 1);
	finish();
}

static void test_probe_and_bogus_senders(void **state)
{
	/* Automatic storage: htonl() is not a constant expression. */
	const struct {
		const uint8_t *sha;
		uint32_t spa;
		int answered;
	} cases[] = {
		{ mac_c, 0, 1 },                              /* RFC 5227 probe for our address */
		{ ether_broadcast, IP4(192, 0, 2, 7), 0 },
		{ (const uint8_t[6]){ 0x01, 0x00, 0x5e, 0, 0, 1 }, IP4(192, 0, 2, 7), 0 },
		{ mac_c, IP4(255, 255, 255, 255), 0 },
		{ mac_c, IP4(224, 0, 0, 1), 0 },
		{ mac_c, IP4(192, 0, 2, 2), 0 },              /* our own address */
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		stats_reset();
		inject_arp(ARP_OP_REQUEST, cases[i].sha, cases[i].spa, zero_mac,
			   IP4(192, 0, 2, 2), ether_broadcast, 0);
		assert_int_equal(arp_stats.rx_bogus_sender, 1);
		assert_int_equal(arp_cache_count(), 0);
		assert_int_equal(arp_stats.tx_reply, cases[i].answered);
		if (cases[i].answered) {
			struct ether_hdr eh;
			struct arp_pkt a;

			/* The probe's answer goes to its hardware address, target 0.0.0.0. */
			pop_arp(&eh, &a);
			assert_memory_equal(eh.dst, mac_c, 6);
			assert_int_equal(a.op, ARP_OP_REPLY);
			assert_int_equal(a.spa, IP4(192, 0, 2, 2));
			assert_memory_equal(a.tha, mac_c, 6);
			assert_int_equal(a.tpa, 0);
		}
		assert_int_equal(test_dev_pending(dev), 0);
	}
	finish();
}

/* ---- announce, broadcast, limits ---- */

static void test_announce(void **state)
{
	const uint32_t addrs[2] = { IP4(192, 0, 2, 2), IP4(198, 51, 100, 1) };
	(void)state;

	assert_int_equal(test_iface_add4(dev, IP4(198, 51, 100, 1), IP4(255, 255, 255, 0), 0), 0);
	arp_announce(dev, 0);
	assert_int_equal(test_dev_pending(dev), 2);
	assert_int_equal(arp_stats.tx_gratuitous, 2);
	for (int i = 0; i < 2; i++) {
		uint32_t addr = addrs[i];
		struct ether_hdr eh;
		struct arp_pkt a;

		pop_arp(&eh, &a);
		assert_memory_equal(eh.dst, ether_broadcast, 6);
		assert_int_equal(a.op, ARP_OP_REQUEST);
		assert_memory_equal(a.sha, our_mac, 6);
		assert_int_equal(a.spa, addr);
		assert_int_equal(a.tpa, addr);
		assert_memory_equal(a.tha, zero_mac, 6);
	}
	assert_int_equal(arp_cache_count(), 0);
	finish();
}

static void test_broadcast_and_multicast_output(void **state)
{
	const struct {
		uint32_t dst;
		uint8_t mac[6];
	} cases[] = {
		{ IP4(255, 255, 255, 255), { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
		{ IP4(192, 0, 2, 255), { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
		{ IP4(224, 0, 0, 251), { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb } },
		{ IP4(239, 255, 1, 2), { 0x01, 0x00, 0x5e, 0x7f, 0x01, 0x02 } },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(arp_output(dev, cases[i].dst, ip_pkt((uint8_t)i), 0), 0);
		expect_ip(cases[i].mac, (uint8_t)i);
	}
	assert_int_equal(arp_stats.tx_request, 0);
	assert_int_equal(arp_cache_count(), 0);
	/* On a /31 (RFC 3021) the computed "broadcast" is the peer: it is resolved. */
	assert_int_equal(test_iface_add4(dev, IP4(203, 0, 113, 0), IP4(255, 255, 255, 254), 0), 0);
	assert_int_equal(arp_output(dev, IP4(203, 0, 113, 1), ip_pkt(9), 0), 0);
	{
		struct ether_hdr eh;
		struct arp_pkt a;

		pop_arp(&eh, &a);
		assert_memory_equal(eh.dst, ether_broadcast, 6);
		assert_int_equal(a.op, ARP_OP_REQUEST);
		assert_int_equal(a.spa, IP4(203, 0, 113, 0)); /* the address on that subnet */
		assert_int_equal(a.tpa, IP4(203, 0, 113, 1));
	}
	finish();
}

static void test_rate_limit(void **state)
{
	(void)state;

	/* A retry interval shorter than the request gap: the gap wins. */
	arp_config.retry_ms = 100;
	arp_config.req_min_gap_ms = 333;
	assert_int_equal(arp_output(dev, IP4(192, 0, 2, 1), ip_pkt(1), 0), 0);
	expect_request(IP4(192, 0, 2, 1), ether_broadcast);
	net_timers_run(100);
	assert_int_equal(test_dev_pending(dev), 0);
	assert_int_equal(arp_stats.request_rate_limited, 1);
	net_timers_run(332);
	assert_int_equal(test_dev_pending(dev), 0);
	net_timers_run(333);
	expect_request(IP4(192, 0, 2, 1), ether_broadcast);
	net_timers_run(433);
	assert_int_equal(arp_stats.request_rate_limited, 2);
	net_timers_run(666);
	expect_request(IP4(192, 0, 2, 1), ether_broadcast);
	/* Rate-limited attempts do not use up tries: three requests went out. */
	assert_int_equal(arp_stats.tx_request, 3);
	net_timers_run(766);
	assert_int_equal(arp_stats.resolve_failed, 1);
	assert_int_equal(arp_stats.queue_dropped_unresolved, 1);

	/* A stale entry whose last request was recent is not refreshed at once. */
	stats_reset();
	arp_config = defaults;
	arp_config.reachable_ms = 100;
	arp_config.req_min_gap_ms = 1000;
	resolve_peer(1000);
	net_timers_run(1100);
	assert_int_equal(arp_cache_lookup(IP4(192, 0, 2, 1), NULL), ARP_STALE);
	assert_int_equal(arp_output(dev, IP4(192, 0, 2, 1), ip_pkt(2), 1200), 0);
	expect_ip(mac_a, 2);
	assert_int_equal(arp_stats.request_rate_limited, 1);
	assert_int_equal(test_dev_pending(dev), 0);
	finish();
}

static void test_cache_full(void **state)
{
	(void)state;

	arp_config.cache_max = 1;
	assert_int_equal(arp_output(dev, IP4(192, 0, 2, 1), ip_pkt(1), 0), 0);
	expect_request(IP4(192, 0, 2, 1), ether_broadcast);
	assert_int_equal(arp_output(dev, IP4(192, 0, 2, 3), ip_pkt(2), 0), -ENOBUFS);
	assert_int_equal(arp_stats.cache_full, 1);
	assert_int_equal(test_dev_pending(dev), 0);
	/* A request for us from a new host is still answered, though not learnt. */
	inject_arp(ARP_OP_REQUEST, mac_c, IP4(192, 0, 2, 7), zero_mac, IP4(192, 0, 2, 2),
		   ether_broadcast, 10);
	assert_int_equal(arp_stats.cache_full, 2);
	assert_int_equal(arp_stats.tx_reply, 1);
	test_dev_flush(dev);
	assert_int_equal(arp_cache_count(), 1);
	assert_int_equal(pkb_outstanding(), 1);
	finish();
}

static void test_shutdown_frees_everything(void **state)
{
	(void)state;

	/* Queues and armed timers in every state, then shut down. */
	resolve_peer(0);
	for (uint8_t i = 0; i < 3; i++)
		assert_int_equal(arp_output(dev, IP4(192, 0, 2, 60 + i), ip_pkt(i), 5), 0);
	test_dev_flush(dev);
	assert_int_equal(arp_cache_count(), 4);
	assert_int_equal(pkb_outstanding(), 3);
	assert_int_equal(net_timers_armed(), 4);
	arp_shutdown();
	assert_int_equal(pkb_outstanding(), 0);
	assert_int_equal(net_timers_armed(), 0);
	assert_int_equal(arp_stats.queue_dropped_unresolved, 0); /* not drops: teardown */
	finish();
}

/* ---- RFC 5227 probes and announcements (arp_probe.c) ---- */

#define CAND IP4(192, 0, 2, 50)

static struct {
	int calls, conflict;
	uint64_t when;
} verdict;

static void on_verdict(struct arp_probe *pr, int conflict, void *arg, uint64_t now)
{
	(void)pr;
	(void)arg;
	verdict.calls++;
	verdict.conflict = conflict;
	verdict.when = now;
}

/* Pops a frame and checks it is a probe for CAND: broadcast, sender our MAC and 0.0.0.0,
 * target MAC zero and the candidate (RFC 5227 2.1.1). */
static void expect_probe(void)
{
	struct ether_hdr eh;
	struct arp_pkt a;

	pop_arp(&eh, &a);
	assert_memory_equal(eh.dst, ether_broadcast, 6);
	assert_int_equal(a.op, ARP_OP_REQUEST);
	assert_memory_equal(a.sha, our_mac, 6);
	assert_int_equal(a.spa, 0);
	assert_memory_equal(a.tha, zero_mac, 6);
	assert_int_equal(a.tpa, CAND);
}

/* An announcement of CAND (RFC 5227 2.3): sender and target IP both the address. */
static void expect_announcement(void)
{
	struct ether_hdr eh;
	struct arp_pkt a;

	pop_arp(&eh, &a);
	assert_memory_equal(eh.dst, ether_broadcast, 6);
	assert_int_equal(a.op, ARP_OP_REQUEST);
	assert_memory_equal(a.sha, our_mac, 6);
	assert_int_equal(a.spa, CAND);
	assert_memory_equal(a.tha, zero_mac, 6);
	assert_int_equal(a.tpa, CAND);
}

/* Runs the timers up to the next deadline; returns it. */
static uint64_t run_next(void)
{
	uint64_t t = net_timer_next();

	assert_true(t != UINT64_MAX);
	net_timers_run(t);
	return t;
}

/* RFC 5227 2.1.1 timing with its own constants, for several seeds: the first probe
 * U(0, 1 s) after the start, the next two U(1, 2 s) apart, the verdict 2 s after the
 * last; then two announcements 2 s apart once the address is in place. */
static void test_probe_free_and_announce(void **state)
{
	(void)state;

	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct arp_probe pr = { 0 };
		uint64_t t0 = 100000 * seed, t, prev;

		stats_reset();
		memset(&verdict, 0, sizeof(verdict));
		assert_int_equal(arp_probe_start(&pr, dev, CAND, &arp_probe_rfc5227, seed,
						 on_verdict, NULL, t0), 0);
		assert_int_equal(test_dev_pending(dev), 0);
		t = run_next();
		assert_true(t >= t0 && t <= t0 + 1000);
		expect_probe();
		for (int i = 1; i < 3; i++) {
			prev = t;
			net_timers_run(prev + 999);
			assert_int_equal(test_dev_pending(dev), 0);
			t = run_next();
			assert_true(t >= prev + 1000 && t <= prev + 2000);
			expect_probe();
		}
		assert_int_equal(arp_stats.tx_probe, 3);
		net_timers_run(t + 1999);
		assert_int_equal(verdict.calls, 0);
		assert_int_equal(run_next(), t + 2000);
		assert_int_equal(verdict.calls, 1);
		assert_int_equal(verdict.conflict, 0);
		assert_int_equal(pr.state, ARP_PROBE_FREE);
		assert_int_equal(arp_stats.probes_free, 1);
		assert_int_equal(test_dev_pending(dev), 0);
		/* The owner adds the address: the device-wide gratuitous ARP leaves it to the
		 * probe, which announces it twice. */
		assert_int_equal(test_iface_add4(dev, CAND, IP4(255, 255, 255, 0), 0), 0);
		arp_announce(dev, t + 2100);
		assert_int_equal(arp_stats.tx_gratuitous, 1); /* 192.0.2.2's only */
		pop_arp(&(struct ether_hdr){ 0 }, &(struct arp_pkt){ 0 });
		arp_probe_announce(&pr, t + 2100);
		expect_announcement();
		net_timers_run(t + 4099);
		assert_int_equal(test_dev_pending(dev), 0);
		assert_int_equal(run_next(), t + 4100);
		expect_announcement();
		assert_int_equal(arp_stats.tx_announce, 2);
		assert_int_equal(pr.state, ARP_PROBE_IDLE);
		assert_int_equal(net_timer_next(), UINT64_MAX);
		dev->nifaces--; /* CAND, added last */
	}
	finish();
}

/* A reply to the probe (as Linux sends it: to our MAC, target IP 0.0.0.0) and a request
 * from a host that has the address are conflicts; the probe stops at once. */
static void test_probe_conflict_by_reply(void **state)
{
	(void)state;

	for (int kind = 0; kind < 2; kind++) {
		struct arp_probe pr = { 0 };

		stats_reset();
		memset(&verdict, 0, sizeof(verdict));
		assert_int_equal(arp_probe_start(&pr, dev, CAND, &arp_probe_rfc5227, 7,
						 on_verdict, NULL, 1000), 0);
		uint64_t t = run_next();
		expect_probe();
		if (kind == 0)
			inject_arp(ARP_OP_REPLY, mac_c, CAND, our_mac, 0, our_mac, t + 5);
		else
			inject_arp(ARP_OP_REQUEST, mac_c, CAND, zero_mac, IP4(192, 0, 2, 9),
				   ether_broadcast, t + 5);
		assert_int_equal(verdict.calls, 1);
		assert_int_equal(verdict.conflict, 1);
		assert_int_equal(verdict.when, t + 5);
		assert_memory_equal(pr.conflict_hw, mac_c, 6);
		assert_int_equal(pr.conflict_by_probe, 0);
		assert_int_equal(pr.state, ARP_PROBE_IDLE);
		assert_int_equal(arp_stats.probe_conflicts, 1);
		/* No more probes, no verdict later. */
		assert_int_equal(net_timer_next(), UINT64_MAX);
		net_timers_run(t + 60000);
		assert_int_equal(arp_stats.tx_probe, 1);
		assert_int_equal(verdict.calls, 1);
		assert_int_equal(arp_cache_count(), 0);
	}
	finish();
}

/* Another host probing for the same address while we do (RFC 5227 2.1.1's second rule);
 * neither our own probe looped back, nor a probe for another address, nor an ordinary
 * request asking for the candidate, is one. */
static void test_probe_conflict_by_probe(void **state)
{
	struct arp_probe pr = { 0 };
	(void)state;

	memset(&verdict, 0, sizeof(verdict));
	assert_int_equal(arp_probe_start(&pr, dev, CAND, &arp_probe_rfc5227, 9, on_verdict, NULL,
					 1000), 0);
	uint64_t t = run_next();
	expect_probe();
	inject_arp(ARP_OP_REQUEST, our_mac, 0, zero_mac, CAND, ether_broadcast, t + 1);
	inject_arp(ARP_OP_REQUEST, mac_c, 0, zero_mac, IP4(192, 0, 2, 51), ether_broadcast, t + 2);
	inject_arp(ARP_OP_REQUEST, mac_a, IP4(192, 0, 2, 1), zero_mac, CAND, ether_broadcast,
		   t + 3);
	assert_int_equal(verdict.calls, 0);
	assert_int_equal(pr.state, ARP_PROBE_PROBING);
	inject_arp(ARP_OP_REQUEST, mac_c, 0, zero_mac, CAND, ether_broadcast, t + 4);
	assert_int_equal(verdict.calls, 1);
	assert_int_equal(verdict.conflict, 1);
	assert_memory_equal(pr.conflict_hw, mac_c, 6);
	assert_int_equal(pr.conflict_by_probe, 1);
	assert_int_equal(arp_stats.probe_conflicts, 1);
	/* A probe stopped, restarted on another address, and one with no probes at all. */
	struct arp_probe_timing quick = arp_probe_rfc5227;
	quick.num = 0;
	quick.announce_num = 0;
	assert_int_equal(arp_probe_start(&pr, dev, CAND, &quick, 9, on_verdict, NULL, t + 10), 0);
	assert_int_equal(verdict.calls, 1); /* the verdict never comes from inside start */
	assert_int_equal(run_next(), t + 10);
	assert_int_equal(verdict.calls, 2);
	assert_int_equal(verdict.conflict, 0);
	arp_probe_announce(&pr, t + 10); /* announce_num 0: nothing to send, done */
	assert_int_equal(pr.state, ARP_PROBE_IDLE);
	assert_int_equal(arp_probe_start(&pr, dev, CAND, &arp_probe_rfc5227, 9, on_verdict, NULL,
					 t + 20), 0);
	arp_probe_stop(&pr);
	arp_probe_stop(&pr);
	assert_int_equal(net_timer_next(), UINT64_MAX);
	/* Not an Ethernet address to probe for. */
	assert_int_equal(arp_probe_start(&pr, dev, 0, &arp_probe_rfc5227, 9, on_verdict, NULL,
					 t), -EINVAL);
	/* A probe left running goes with arp_shutdown. */
	assert_int_equal(arp_probe_start(&pr, dev, CAND, &arp_probe_rfc5227, 9, on_verdict, NULL,
					 t + 30), 0);
	test_dev_flush(dev);
	finish();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parse_emit_capture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_for_us, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiqueue_asks_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_unknown_queues_and_requests, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_retries_then_give_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unresolved_to_handler, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reachable_stale_refresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_refresh_unanswered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_gc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsolicited_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_updates_existing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_and_bogus_senders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_announce, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broadcast_and_multicast_output, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shutdown_frees_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_free_and_announce, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_conflict_by_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_conflict_by_probe, setup, teardown),
	};

	defaults = arp_config;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
