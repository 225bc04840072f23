/* SPDX-License-Identifier: MIT */
/* The DHCP client's state machine as message scripts (RFC 2131 4.1, 4.4): time is passed
 * in, each step feeds a server's message or moves the clock, then asserts exactly what
 * the client sent (and to where) and what it configured or took away. */
#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <string.h>

#include "arp/arp.h"
#include "dhcp/dhcp.h"
#include "ether/ether.h"
#include "net/loop.h"

#define MAX_SENT 8

static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 0x42 };

/* What the client did through its ops. */
static struct {
	struct dhcp_msg sent[MAX_SENT];
	uint32_t dst[MAX_SENT];
	size_t len[MAX_SENT];
	uint8_t raw[MAX_SENT][DHCP_EMIT_MIN_LEN + 64];
	int n_sent;
	int binds, unbinds;
	struct dhcp_lease bound, unbound;
} io;

static int fake_send(void *ctx, const uint8_t *b, size_t len, uint32_t dst)
{
	(void)ctx;
	assert_true(io.n_sent < MAX_SENT);
	assert_int_equal(dhcp_parse(b, len, &io.sent[io.n_sent]), 0);
	io.dst[io.n_sent] = dst;
	io.len[io.n_sent] = len;
	assert_true(len <= sizeof(io.raw[0]));
	memcpy(io.raw[io.n_sent], b, len);
	io.n_sent++;
	return 0;
}

static void fake_bind(void *ctx, const struct dhcp_lease *l)
{
	(void)ctx;
	io.binds++;
	io.bound = *l;
}

static void fake_unbind(void *ctx, const struct dhcp_lease *l)
{
	(void)ctx;
	io.unbinds++;
	io.unbound = *l;
}

static const struct dhcp_client_ops ops = { fake_send, fake_bind, fake_unbind, NULL, NULL };
static struct dhcp_client c;

/* Takes the one message the client sent since the last call; asserts there was one. */
static const struct dhcp_msg *sent1(uint8_t type, uint32_t dst)
{
	static struct dhcp_msg m;

	assert_int_equal(io.n_sent, 1);
	m = io.sent[0];
	assert_int_equal(m.op, DHCP_BOOTREQUEST);
	assert_int_equal(m.type, type);
	assert_int_equal(io.dst[0], dst);
	assert_true(io.len[0] >= DHCP_EMIT_MIN_LEN);
	assert_memory_equal(m.chaddr, mac, 6);
	/* The client identifier is type 1 and the MAC, in every message. */
	assert_int_equal(m.client_id_len, 7);
	assert_int_equal(m.client_id[0], 1);
	assert_memory_equal(m.client_id + 1, mac, 6);
	io.n_sent = 0;
	return &m;
}

static void nothing_sent(void)
{
	assert_int_equal(io.n_sent, 0);
}

/* A server's reply to the client's current exchange. */
static struct dhcp_msg reply(uint8_t type)
{
	struct dhcp_msg m = { .op = DHCP_BOOTREPLY, .htype = 1, .hlen = 6, .type = type };

	m.xid = c.xid;
	memcpy(m.chaddr, mac, 6);
	m.has = DHCP_HAS_SERVER_ID;
	m.server_id = test_addr("10.0.0.1");
	if (type == DHCPOFFER || type == DHCPACK) {
		m.yiaddr = test_addr("10.0.0.57");
		m.has |= DHCP_HAS_LEASE | DHCP_HAS_MASK | DHCP_HAS_ROUTER | DHCP_HAS_MTU |
			 DHCP_HAS_DNS;
		m.lease_s = 3600;
		m.mask = test_addr("255.255.255.0");
		m.router = test_addr("10.0.0.1");
		m.mtu = 1400;
		m.n_dns = 1;
		m.dns[0] = test_addr("10.0.0.53");
	}
	return m;
}

static uint64_t tnow; /* the time of the last feed, for the probe the client starts */

static void feed(const struct dhcp_msg *m, uint64_t now)
{
	uint8_t b[600];
	size_t n = dhcp_emit(m, b, sizeof(b));

	assert_int_not_equal(n, 0);
	tnow = now;
	dhcp_client_input(&c, b, n, now);
}

static int setup(void **state)
{
	(void)state;
	stats_reset();
	memset(&io, 0, sizeof(io));
	dhcp_client_init(&c, mac, 12345, &ops, NULL);
	return 0;
}

/* INIT -> SELECTING -> REQUESTING -> BOUND; returns the time of the ACK. */
static uint64_t get_lease(uint64_t now)
{
	dhcp_client_start(&c, now);
	const struct dhcp_msg *d = sent1(DHCPDISCOVER, 0xffffffffu);
	assert_int_equal(d->flags, DHCP_FLAG_BROADCAST);
	assert_int_equal(d->ciaddr, 0);
	assert_true(d->has & DHCP_HAS_PARAMS);
	assert_int_equal(c.state, DHCP_SELECTING);
	struct dhcp_msg offer = reply(DHCPOFFER);
	feed(&offer, now + 10);
	const struct dhcp_msg *r = sent1(DHCPREQUEST, 0xffffffffu);
	assert_int_equal(r->xid, offer.xid);
	assert_int_equal(r->requested_ip, test_addr("10.0.0.57"));
	assert_int_equal(r->server_id, test_addr("10.0.0.1"));
	assert_int_equal(r->flags, DHCP_FLAG_BROADCAST);
	assert_int_equal(c.state, DHCP_REQUESTING);
	struct dhcp_msg ack = reply(DHCPACK);
	feed(&ack, now + 20);
	nothing_sent();
	assert_int_equal(c.state, DHCP_BOUND);
	assert_int_equal(io.binds, 1);
	return now + 20;
}

static void test_lease_and_renew(void **state)
{
	(void)state;
	uint64_t t0 = 1000000;

	get_lease(t0);
	assert_int_equal(io.bound.addr, test_addr("10.0.0.57"));
	assert_int_equal(dhcp_mask_prefix(io.bound.mask), 24);
	assert_int_equal(io.bound.router, test_addr("10.0.0.1"));
	assert_int_equal(io.bound.mtu, 1400);
	assert_int_equal(io.bound.n_dns, 1);
	assert_int_equal(io.bound.lease_s, 3600);
	assert_int_equal(io.bound.t1_s, 1800); /* RFC 2131 4.4.5 defaults */
	assert_int_equal(io.bound.t2_s, 3150);
	assert_int_equal(dhcp_stats.leases, 1);
	assert_int_equal(dhcp_stats.tx_discover, 1);
	assert_int_equal(dhcp_stats.rx_offer, 1);
	assert_int_equal(dhcp_stats.rx_ack, 1);
	/* T1 counts from the start of the exchange (the DISCOVER went at t0). */
	assert_int_equal(dhcp_client_deadline(&c), t0 + 1800000);
	dhcp_client_timer(&c, t0 + 1799999);
	nothing_sent();
	uint32_t old_xid = c.xid;
	dhcp_client_timer(&c, t0 + 1800000);
	const struct dhcp_msg *r = sent1(DHCPREQUEST, test_addr("10.0.0.1")); /* unicast */
	assert_int_equal(c.state, DHCP_RENEWING);
	assert_int_equal(r->ciaddr, test_addr("10.0.0.57"));
	assert_false(r->has & (DHCP_HAS_REQUESTED_IP | DHCP_HAS_SERVER_ID));
	assert_int_not_equal(r->xid, old_xid);
	/* RENEWING retransmits at half the time to T2, here 675 s. */
	assert_int_equal(dhcp_client_deadline(&c), t0 + 1800000 + 675000);
	struct dhcp_msg ack = reply(DHCPACK);
	ack.lease_s = 600;
	ack.has |= DHCP_HAS_T1 | DHCP_HAS_T2;
	ack.t1_s = 20;
	ack.t2_s = 40;
	feed(&ack, t0 + 1800100);
	nothing_sent();
	assert_int_equal(c.state, DHCP_BOUND);
	assert_int_equal(dhcp_stats.renewals, 1);
	assert_int_equal(io.binds, 2);
	assert_int_equal(io.unbinds, 0); /* same address: nothing taken away */
	assert_int_equal(io.bound.t1_s, 20);
	assert_int_equal(dhcp_client_deadline(&c), t0 + 1800000 + 20000);

	/* No answer to the renewal: REBINDING at T2 (broadcast), expiry at the lease's end. */
	dhcp_client_timer(&c, t0 + 1820000);
	sent1(DHCPREQUEST, test_addr("10.0.0.1"));
	dhcp_client_timer(&c, t0 + 1840000);
	r = sent1(DHCPREQUEST, 0xffffffffu);
	assert_int_equal(c.state, DHCP_REBINDING);
	assert_int_equal(r->ciaddr, test_addr("10.0.0.57"));
	/* Half the 560 s left to expiry, then 60 s apart at the least, then expiry. */
	assert_int_equal(dhcp_client_deadline(&c), t0 + 1840000 + 280000);
	dhcp_client_timer(&c, t0 + 2120000);
	sent1(DHCPREQUEST, 0xffffffffu);
	dhcp_client_timer(&c, t0 + 2260000);
	sent1(DHCPREQUEST, 0xffffffffu);
	assert_int_equal(dhcp_client_deadline(&c), t0 + 2330000);
	dhcp_client_timer(&c, t0 + 2330000);
	sent1(DHCPREQUEST, 0xffffffffu);
	assert_int_equal(dhcp_client_deadline(&c), t0 + 2390000); /* 35 s left: 60 s */
	dhcp_client_timer(&c, t0 + 2390000);
	sent1(DHCPREQUEST, 0xffffffffu);
	assert_int_equal(dhcp_client_deadline(&c), t0 + 2400000);
	dhcp_client_timer(&c, t0 + 2400000);
	assert_int_equal(io.unbinds, 1);
	assert_int_equal(io.unbound.addr, test_addr("10.0.0.57"));
	assert_int_equal(dhcp_stats.expiries, 1);
	sent1(DHCPDISCOVER, 0xffffffffu);
	assert_int_equal(c.state, DHCP_SELECTING);
	test_assert_no_leaks();
}

/* RFC 2131 4.1: retransmissions after 4, 8, 16, 32, 64, 64 s, each +-1 s; one xid. */
static void test_backoff(void **state)
{
	static const uint32_t want[] = { 4000, 8000, 16000, 32000, 64000, 64000, 64000 };
	(void)state;
	uint64_t now = 5000;

	dhcp_client_start(&c, now);
	uint32_t xid = sent1(DHCPDISCOVER, 0xffffffffu)->xid;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		uint64_t d = dhcp_client_deadline(&c);
		assert_true(d >= now + want[i] - 1000 && d <= now + want[i] + 1000);
		dhcp_client_timer(&c, d - 1);
		nothing_sent();
		now = d;
		dhcp_client_timer(&c, now);
		assert_int_equal(sent1(DHCPDISCOVER, 0xffffffffu)->xid, xid);
	}
	assert_int_equal(dhcp_stats.retransmits, 7);
	test_assert_no_leaks();
}

/* Replies for another exchange or another client, or not replies at all, are dropped and
 * counted, and change nothing. */
static void test_foreign_replies(void **state)
{
	(void)state;
	dhcp_client_start(&c, 1000);
	sent1(DHCPDISCOVER, 0xffffffffu);
	struct dhcp_msg m = reply(DHCPOFFER);
	m.xid ^= 1;
	feed(&m, 1100);
	m = reply(DHCPOFFER);
	m.chaddr[5] ^= 1;
	feed(&m, 1100);
	m = reply(DHCPOFFER);
	m.op = DHCP_BOOTREQUEST;
	feed(&m, 1100);
	m = reply(DHCPACK); /* an ACK while SELECTING */
	feed(&m, 1100);
	m = reply(DHCPOFFER); /* an offer without a server id */
	m.has &= ~(unsigned)DHCP_HAS_SERVER_ID;
	feed(&m, 1100);
	uint8_t junk[10] = { 2 };
	dhcp_client_input(&c, junk, sizeof(junk), 1100);
	nothing_sent();
	assert_int_equal(c.state, DHCP_SELECTING);
	assert_int_equal(dhcp_stats.rx_bad_xid, 1);
	assert_int_equal(dhcp_stats.rx_bad_chaddr, 1);
	assert_int_equal(dhcp_stats.rx_wrong_op, 1);
	assert_int_equal(dhcp_stats.rx_unexpected, 2);
	assert_int_equal(dhcp_stats.rx_short, 1);
	assert_int_equal(dhcp_stats.rx, 6);
	test_assert_no_leaks();
}

/* A NAK sends the client back to INIT with a new xid; a lease held is taken away. */
static void test_nak(void **state)
{
	(void)state;
	dhcp_client_start(&c, 1000);
	sent1(DHCPDISCOVER, 0xffffffffu);
	struct dhcp_msg m = reply(DHCPOFFER);
	feed(&m, 1100);
	sent1(DHCPREQUEST, 0xffffffffu);
	uint32_t xid = c.xid;
	m = reply(DHCPNAK);
	feed(&m, 1200);
	assert_int_not_equal(sent1(DHCPDISCOVER, 0xffffffffu)->xid, xid);
	assert_int_equal(c.state, DHCP_SELECTING);
	assert_int_equal(io.unbinds, 0);

	setup(NULL);
	uint64_t t = get_lease(1000);
	dhcp_client_timer(&c, t + 1800000);
	sent1(DHCPREQUEST, test_addr("10.0.0.1"));
	m = reply(DHCPNAK);
	feed(&m, t + 1800100);
	sent1(DHCPDISCOVER, 0xffffffffu);
	assert_int_equal(io.unbinds, 1);
	assert_int_equal(dhcp_stats.rx_nak, 1);
	assert_int_equal(dhcp_stats.nak_restarts, 1);
	test_assert_no_leaks();
}

/* Four REQUESTs unanswered: start over. */
static void test_request_timeout(void **state)
{
	(void)state;
	dhcp_client_start(&c, 1000);
	sent1(DHCPDISCOVER, 0xffffffffu);
	struct dhcp_msg m = reply(DHCPOFFER);
	feed(&m, 1100);
	sent1(DHCPREQUEST, 0xffffffffu);
	for (int i = 0; i < DHCP_REQUEST_TRIES - 1; i++) {
		dhcp_client_timer(&c, dhcp_client_deadline(&c));
		sent1(DHCPREQUEST, 0xffffffffu);
	}
	dhcp_client_timer(&c, dhcp_client_deadline(&c));
	sent1(DHCPDISCOVER, 0xffffffffu);
	assert_int_equal(c.state, DHCP_SELECTING);
	test_assert_no_leaks();
}

/* RFC 2131 4.4.6: RELEASE unicast to the server with ciaddr, then the address goes. */
static void test_release(void **state)
{
	(void)state;
	get_lease(1000);
	dhcp_client_release(&c, 5000);
	const struct dhcp_msg *r = sent1(DHCPRELEASE, test_addr("10.0.0.1"));
	assert_int_equal(r->ciaddr, test_addr("10.0.0.57"));
	assert_int_equal(r->server_id, test_addr("10.0.0.1"));
	assert_int_equal(io.unbinds, 1);
	assert_int_equal(c.state, DHCP_STOPPED);
	assert_int_equal(dhcp_client_deadline(&c), UINT64_MAX);
	assert_int_equal(dhcp_stats.tx_release, 1);
	/* Nothing held: nothing sent. */
	dhcp_client_release(&c, 6000);
	nothing_sent();
	assert_int_equal(dhcp_mask_prefix(test_addr("255.0.255.0")), -1);
	assert_int_equal(dhcp_mask_prefix(0), 0);
	test_assert_no_leaks();
}

/* ---- the address checked before use (RFC 2131 4.4.1, RFC 5227), a DECLINE if taken ----
 * These wire the client to a real ARP probe on a test device, as apps/dhcpc.c does: the
 * probe's verdict goes to dhcp_client_probe_done; ARP packets are injected on the device
 * and what it sends is read off it. */

#define IP4(a, b, c_, d) htonl((uint32_t)(a) << 24 | (b) << 16 | (c_) << 8 | (d))
static const uint8_t other_mac[6] = { 0x5e, 0, 0, 0, 0, 0x07 };
static const uint8_t zero_mac[6];
static struct net_device *pdev;
static struct arp_probe probe;
static int probe_starts, probe_cancels;

static void on_verdict(struct arp_probe *pr, int conflict, void *arg, uint64_t now)
{
	(void)pr;
	(void)arg;
	dhcp_client_probe_done(&c, conflict, now);
}

static int real_probe(void *ctx, uint32_t addr)
{
	(void)ctx;
	probe_starts++;
	return arp_probe_start(&probe, pdev, addr, &arp_probe_rfc5227, 77, on_verdict, NULL,
			       tnow);
}

static void real_probe_cancel(void *ctx)
{
	(void)ctx;
	probe_cancels++;
	arp_probe_stop(&probe);
}

/* As dhcpc.c: the address goes on the device, then the probe announces it. */
static void bind_and_announce(void *ctx, const struct dhcp_lease *l)
{
	fake_bind(ctx, l);
	assert_int_equal(test_iface_add4(pdev, l->addr, l->mask, 0), 0);
	arp_probe_announce(&probe, tnow);
}

static void unbind_device(void *ctx, const struct dhcp_lease *l)
{
	fake_unbind(ctx, l);
	pdev->nifaces = 0;
}

static const struct dhcp_client_ops probe_ops = { fake_send, bind_and_announce, unbind_device,
						  real_probe, real_probe_cancel };

static int probe_setup(void **state)
{
	(void)state;
	setup(NULL);
	net_protocol_reset();
	assert_int_equal(ether_init(), 0);
	assert_int_equal(arp_init(), 0);
	pdev = test_dev_create("eth0", NET_DEV_ETHER, 1500);
	memcpy(pdev->hwaddr, mac, 6);
	memset(&probe, 0, sizeof(probe));
	probe_starts = probe_cancels = 0;
	dhcp_client_init(&c, mac, 12345, &probe_ops, NULL);
	return 0;
}

static int probe_teardown(void **state)
{
	(void)state;
	arp_shutdown();
	net_device_unregister_all();
	net_protocol_reset();
	return 0;
}

static void probe_finish(void)
{
	arp_shutdown();
	assert_int_equal(test_dev_pending(pdev), 0);
	test_assert_no_leaks();
}

/* The next ARP packet the device sent (broadcast, from the client's MAC). */
static struct arp_pkt pop_arp(void)
{
	struct pkb *p = test_dev_pop(pdev);
	struct ether_hdr eh;
	struct arp_pkt a;

	assert_non_null(p);
	assert_int_equal(ether_parse(p->data, p->len, &eh), 0);
	assert_int_equal(eh.type, ETHER_TYPE_ARP);
	assert_memory_equal(eh.dst, ether_broadcast, 6);
	assert_memory_equal(eh.src, mac, 6);
	assert_int_equal(arp_parse(p->data + ETHER_HDR_LEN, p->len - ETHER_HDR_LEN, &a), 0);
	assert_int_equal(a.op, ARP_OP_REQUEST);
	assert_memory_equal(a.sha, mac, 6);
	assert_memory_equal(a.tha, zero_mac, 6);
	pkb_free(p);
	return a;
}

static void inject_arp(uint16_t op, const uint8_t sha[6], uint32_t spa, const uint8_t tha[6],
		       uint32_t tpa, const uint8_t eth_dst[6], uint64_t now)
{
	uint8_t b[ETHER_MIN_FRAME] = { 0 };
	struct ether_hdr h = { .type = ETHER_TYPE_ARP };
	struct arp_pkt a = { .hrd = ARP_HRD_ETHER, .pro = ETHER_TYPE_IP, .hln = 6, .pln = 4,
			     .op = op, .spa = spa, .tpa = tpa };

	memcpy(a.sha, sha, 6);
	memcpy(a.tha, tha, 6);
	memcpy(h.dst, eth_dst, 6);
	memcpy(h.src, sha, 6);
	ether_emit(&h, b, sizeof(b));
	arp_emit(&a, b + ETHER_HDR_LEN, sizeof(b) - ETHER_HDR_LEN);
	tnow = now;
	net_device_input(pdev, pkb_from_bytes(b, sizeof(b)), now);
}

/* DISCOVER, OFFER of addr, REQUEST, ACK at now + 20: the client is PROBING. */
static uint64_t to_probing(uint64_t now, uint32_t addr)
{
	dhcp_client_start(&c, now);
	sent1(DHCPDISCOVER, 0xffffffffu);
	struct dhcp_msg m = reply(DHCPOFFER);
	m.yiaddr = addr;
	feed(&m, now + 10);
	sent1(DHCPREQUEST, 0xffffffffu);
	m = reply(DHCPACK);
	m.yiaddr = addr;
	feed(&m, now + 20);
	nothing_sent();
	assert_int_equal(c.state, DHCP_PROBING);
	assert_int_equal(io.binds, 0);
	assert_int_equal(dhcp_client_deadline(&c), UINT64_MAX); /* the probe's owner times it */
	return now + 20;
}

/* Runs the ARP timers to their next deadline and returns it. */
static uint64_t run_next(void)
{
	uint64_t t = net_timer_next();

	assert_true(t != UINT64_MAX);
	tnow = t;
	net_timers_run(t);
	return t;
}

/* No one answers the probes: three probes at RFC 5227's times, BOUND 2 s after the last,
 * then two announcements 2 s apart. T1 still counts from the DISCOVER; a renewal is not
 * probed. */
static void test_probe_free_then_bound(void **state)
{
	(void)state;
	uint64_t t0 = 1000000, t = to_probing(t0, test_addr("10.0.0.57")), prev;

	for (int i = 0; i < 3; i++) {
		prev = t;
		t = run_next();
		if (i == 0)
			assert_true(t >= prev && t <= prev + 1000);
		else
			assert_true(t >= prev + 1000 && t <= prev + 2000);
		struct arp_pkt a = pop_arp();
		assert_int_equal(a.spa, 0);
		assert_int_equal(a.tpa, test_addr("10.0.0.57"));
		assert_int_equal(c.state, DHCP_PROBING);
	}
	net_timers_run(t + 1999);
	assert_int_equal(c.state, DHCP_PROBING);
	assert_int_equal(run_next(), t + 2000);
	assert_int_equal(c.state, DHCP_BOUND);
	assert_int_equal(io.binds, 1);
	assert_int_equal(io.bound.addr, test_addr("10.0.0.57"));
	assert_int_equal(dhcp_stats.leases, 1);
	nothing_sent();
	struct arp_pkt a = pop_arp(); /* the first announcement, at once */
	assert_int_equal(a.spa, test_addr("10.0.0.57"));
	assert_int_equal(a.tpa, test_addr("10.0.0.57"));
	assert_int_equal(run_next(), t + 4000);
	a = pop_arp();
	assert_int_equal(a.spa, test_addr("10.0.0.57"));
	assert_int_equal(net_timer_next(), UINT64_MAX);
	assert_int_equal(arp_stats.tx_probe, 3);
	assert_int_equal(arp_stats.tx_announce, 2);
	assert_int_equal(arp_stats.probes_free, 1);
	assert_int_equal(dhcp_client_deadline(&c), t0 + 1800000);
	dhcp_client_timer(&c, t0 + 1800000);
	sent1(DHCPREQUEST, test_addr("10.0.0.1"));
	struct dhcp_msg m = reply(DHCPACK);
	feed(&m, t0 + 1800100);
	assert_int_equal(c.state, DHCP_BOUND);
	assert_int_equal(dhcp_stats.renewals, 1);
	assert_int_equal(probe_starts, 1);
	assert_int_equal(test_dev_pending(pdev), 0);
	/* A verdict with no probe wanted is counted and changes nothing. */
	dhcp_client_probe_done(&c, 1, t0 + 1800200);
	assert_int_equal(dhcp_stats.probe_stale, 1);
	assert_int_equal(c.state, DHCP_BOUND);
	nothing_sent();
	probe_finish();
}

/* The DECLINE, byte for byte (RFC 2131 4.4.4, table 5): a broadcast BOOTREQUEST with the
 * exchange's xid, secs 0, flags 0, no ciaddr or yiaddr, the client's MAC, then options 53
 * (DECLINE), 61 (client id), 50 (the address), 54 (the server), END, padded to 300. */
static void expect_decline(uint32_t xid, uint8_t last_octet)
{
	uint8_t want[DHCP_EMIT_MIN_LEN] = { 1, 1, 6, 0 };
	static const uint8_t opts[] = { 99, 130, 83, 99, 53, 1, 4, 61, 7, 1, 2, 0, 0, 0, 0,
					0x42, 50, 4, 10, 0, 0, 0, 54, 4, 10, 0, 0, 1, 255 };

	want[4] = (uint8_t)(xid >> 24);
	want[5] = (uint8_t)(xid >> 16);
	want[6] = (uint8_t)(xid >> 8);
	want[7] = (uint8_t)xid;
	memcpy(want + 28, mac, 6);
	memcpy(want + DHCP_FIXED_LEN, opts, sizeof(opts));
	want[DHCP_FIXED_LEN + 21] = last_octet;
	assert_int_equal(io.n_sent, 1);
	assert_int_equal(io.dst[0], 0xffffffffu);
	assert_int_equal(io.len[0], DHCP_EMIT_MIN_LEN);
	assert_memory_equal(io.raw[0], want, DHCP_EMIT_MIN_LEN);
	io.n_sent = 0;
}

/* The host that has the address answers the first probe (to our MAC, target 0.0.0.0, as
 * Linux answers a probe): DECLINE at once, no more probes, 10 s in INIT, then a DISCOVER
 * with a new xid; the next offer is free and bound. */
static void test_decline_after_reply(void **state)
{
	(void)state;
	uint64_t t = to_probing(5000, test_addr("10.0.0.57"));
	uint32_t xid = c.xid;

	t = run_next();
	pop_arp();
	inject_arp(ARP_OP_REPLY, other_mac, test_addr("10.0.0.57"), mac, 0, mac, t + 3);
	expect_decline(xid, 57);
	assert_int_equal(c.state, DHCP_INIT);
	assert_int_equal(io.binds, 0);
	assert_int_equal(io.unbinds, 0); /* never configured, nothing to take away */
	assert_int_equal(c.lease.addr, 0);
	assert_int_equal(dhcp_stats.tx_decline, 1);
	assert_int_equal(dhcp_stats.leases, 0);
	assert_int_equal(arp_stats.probe_conflicts, 1);
	assert_memory_equal(probe.conflict_hw, other_mac, 6);
	assert_int_equal(net_timer_next(), UINT64_MAX); /* the probe is over */
	assert_int_equal(test_dev_pending(pdev), 0);
	/* RFC 2131 3.1.5: at least 10 s before starting over. */
	assert_int_equal(dhcp_client_deadline(&c), t + 3 + 10000);
	dhcp_client_timer(&c, t + 3 + 9999);
	nothing_sent();
	dhcp_client_timer(&c, t + 3 + 10000);
	assert_int_not_equal(sent1(DHCPDISCOVER, 0xffffffffu)->xid, xid);
	assert_int_equal(c.state, DHCP_SELECTING);
	/* The server offers another address: probed, free, bound. */
	struct dhcp_msg m = reply(DHCPOFFER);
	m.yiaddr = test_addr("10.0.0.58");
	feed(&m, t + 10100);
	assert_int_equal(sent1(DHCPREQUEST, 0xffffffffu)->requested_ip, test_addr("10.0.0.58"));
	m = reply(DHCPACK);
	m.yiaddr = test_addr("10.0.0.58");
	feed(&m, t + 10200);
	assert_int_equal(c.state, DHCP_PROBING);
	for (int i = 0; i < 3; i++) {
		run_next();
		assert_int_equal(pop_arp().tpa, test_addr("10.0.0.58"));
	}
	run_next();
	assert_int_equal(c.state, DHCP_BOUND);
	assert_int_equal(io.bound.addr, test_addr("10.0.0.58"));
	assert_int_equal(c.conflicts, 0);
	pop_arp();
	run_next();
	pop_arp();
	probe_finish();
}

/* Another host probing for the same address at the same time (RFC 5227 2.1.1), before our
 * first probe has even gone: a conflict too. The wait is decline_wait_ms. */
static void test_decline_simultaneous_probe(void **state)
{
	(void)state;
	c.decline_wait_ms = 2500;
	uint64_t t = to_probing(5000, test_addr("10.0.0.57"));
	uint32_t xid = c.xid;

	inject_arp(ARP_OP_REQUEST, other_mac, 0, zero_mac, test_addr("10.0.0.57"),
		   ether_broadcast, t + 1);
	expect_decline(xid, 57);
	assert_true(probe.conflict_by_probe);
	assert_int_equal(arp_stats.tx_probe, 0);
	assert_int_equal(dhcp_client_deadline(&c), t + 1 + 2500);
	assert_int_equal(test_dev_pending(pdev), 0);
	probe_finish();
}

/* RFC 5227 2.1.1: after MAX_CONFLICTS conflicts in a row, one attempt a minute. */
static void test_decline_rate_limit(void **state)
{
	(void)state;
	uint64_t t = 5000;

	c.decline_wait_ms = 1000;
	for (unsigned i = 1; i <= DHCP_MAX_CONFLICTS + 1; i++) {
		t = to_probing(t, test_addr("10.0.0.57"));
		inject_arp(ARP_OP_REPLY, other_mac, test_addr("10.0.0.57"), mac, 0, mac, t);
		assert_int_equal(io.sent[0].type, DHCPDECLINE);
		io.n_sent = 0;
		assert_int_equal(c.conflicts, i);
		assert_int_equal(dhcp_client_deadline(&c),
				 t + (i >= DHCP_MAX_CONFLICTS ? DHCP_CONFLICT_RATE_LIMIT_MS : 1000));
		t = dhcp_client_deadline(&c);
		c.state = DHCP_STOPPED; /* to_probing starts it again */
	}
	assert_int_equal(dhcp_stats.tx_decline, DHCP_MAX_CONFLICTS + 1);
	probe_finish();
}

/* A NAK while probing stops the probe and starts over; a release while probing sends
 * nothing (no address is held) and stops it; an ACK repeated while probing is ignored. */
static void test_nak_release_while_probing(void **state)
{
	(void)state;
	uint64_t t = to_probing(5000, test_addr("10.0.0.57"));

	struct dhcp_msg m = reply(DHCPACK);
	feed(&m, t + 1);
	nothing_sent();
	assert_int_equal(dhcp_stats.rx_unexpected, 1);
	assert_int_equal(probe_starts, 1);
	m = reply(DHCPNAK);
	feed(&m, t + 2);
	sent1(DHCPDISCOVER, 0xffffffffu);
	assert_int_equal(probe_cancels, 1);
	assert_int_equal(net_timer_next(), UINT64_MAX);
	assert_int_equal(dhcp_stats.nak_restarts, 1);
	assert_int_equal(io.unbinds, 0);
	c.state = DHCP_STOPPED;
	t = to_probing(t + 100, test_addr("10.0.0.57"));
	dhcp_client_release(&c, t + 1);
	nothing_sent();
	assert_int_equal(probe_cancels, 2);
	assert_int_equal(c.state, DHCP_STOPPED);
	assert_int_equal(net_timer_next(), UINT64_MAX);
	assert_int_equal(dhcp_stats.tx_release, 0);
	probe_finish();
}

/* RFC 2131 4.1: a REQUEST for an offer is retransmitted after 4, 8, 16 s (+-1 s) with the
 * offer's xid, then the client starts over. A REBINDING client's ACK (from any server)
 * binds it again and counts as a rebind. */
static void test_request_backoff_and_rebind(void **state)
{
	static const uint32_t want[] = { 4000, 8000, 16000 };
	(void)state;

	dhcp_client_start(&c, 1000);
	sent1(DHCPDISCOVER, 0xffffffffu);
	struct dhcp_msg m = reply(DHCPOFFER);
	feed(&m, 1100);
	uint32_t xid = sent1(DHCPREQUEST, 0xffffffffu)->xid;
	uint64_t now = 1100;
	for (size_t i = 0; i < 3; i++) {
		uint64_t d = dhcp_client_deadline(&c);
		assert_true(d >= now + want[i] - 1000 && d <= now + want[i] + 1000);
		dhcp_client_timer(&c, d - 1);
		nothing_sent();
		dhcp_client_timer(&c, d);
		assert_int_equal(sent1(DHCPREQUEST, 0xffffffffu)->xid, xid);
		now = d;
	}
	setup(NULL);
	uint64_t t = get_lease(1000);
	dhcp_client_timer(&c, 1000 + 1800000);
	sent1(DHCPREQUEST, test_addr("10.0.0.1"));
	dhcp_client_timer(&c, 1000 + 3150000);
	sent1(DHCPREQUEST, 0xffffffffu);
	assert_int_equal(c.state, DHCP_REBINDING);
	m = reply(DHCPACK);
	m.server_id = test_addr("10.0.0.2"); /* another server answers */
	feed(&m, 1000 + 3150100);
	nothing_sent();
	assert_int_equal(c.state, DHCP_BOUND);
	assert_int_equal(dhcp_stats.rebinds, 1);
	assert_int_equal(io.binds, 2);
	assert_int_equal(io.bound.server_id, test_addr("10.0.0.2"));
	(void)t;
	test_assert_no_leaks();
}

/* The transitions the scripts above do not pass through: a NAK while BOUND is ignored; an
 * infinite lease has no T1, T2 or expiry; a renewal ACKed onto another address takes the
 * old one away first; a NAK while REBINDING starts over. */
static void test_more_transitions(void **state)
{
	(void)state;
	uint64_t t = get_lease(1000);

	struct dhcp_msg m = reply(DHCPNAK);
	feed(&m, t + 1);
	nothing_sent();
	assert_int_equal(c.state, DHCP_BOUND);
	assert_int_equal(dhcp_stats.rx_unexpected, 1);
	/* T1: renewing; the server moves us to .58. */
	dhcp_client_timer(&c, 1000 + 1800000);
	sent1(DHCPREQUEST, test_addr("10.0.0.1"));
	m = reply(DHCPACK);
	m.yiaddr = test_addr("10.0.0.58");
	m.lease_s = DHCP_LEASE_INFINITE;
	feed(&m, 1000 + 1800100);
	assert_int_equal(io.unbinds, 1);
	assert_int_equal(io.unbound.addr, test_addr("10.0.0.57"));
	assert_int_equal(io.binds, 2);
	assert_int_equal(io.bound.addr, test_addr("10.0.0.58"));
	assert_int_equal(io.bound.t1_s, DHCP_LEASE_INFINITE);
	assert_int_equal(dhcp_client_deadline(&c), UINT64_MAX);
	dhcp_client_timer(&c, UINT64_MAX - 1);
	nothing_sent();
	assert_int_equal(c.state, DHCP_BOUND);

	setup(NULL);
	t = get_lease(1000);
	dhcp_client_timer(&c, 1000 + 1800000);
	sent1(DHCPREQUEST, test_addr("10.0.0.1"));
	dhcp_client_timer(&c, 1000 + 3150000);
	sent1(DHCPREQUEST, 0xffffffffu);
	assert_int_equal(c.state, DHCP_REBINDING);
	m = reply(DHCPNAK);
	feed(&m, 1000 + 3150100);
	sent1(DHCPDISCOVER, 0xffffffffu);
	assert_int_equal(c.state, DHCP_SELECTING);
	assert_int_equal(io.unbinds, 1);
	assert_int_equal(dhcp_stats.nak_restarts, 1);
	(void)t;
	test_assert_no_leaks();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_lease_and_renew, setup),
		cmocka_unit_test_setup(test_backoff, setup),
		cmocka_unit_test_setup(test_foreign_replies, setup),
		cmocka_unit_test_setup(test_nak, setup),
		cmocka_unit_test_setup(test_request_timeout, setup),
		cmocka_unit_test_setup(test_release, setup),
		cmocka_unit_test_setup(test_request_backoff_and_rebind, setup),
		cmocka_unit_test_setup(test_more_transitions, setup),
		cmocka_unit_test_setup_teardown(test_probe_free_then_bound, probe_setup,
						probe_teardown),
		cmocka_unit_test_setup_teardown(test_decline_after_reply, probe_setup,
						probe_teardown),
		cmocka_unit_test_setup_teardown(test_decline_simultaneous_probe, probe_setup,
						probe_teardown),
		cmocka_unit_test_setup_teardown(test_decline_rate_limit, probe_setup,
						probe_teardown),
		cmocka_unit_test_setup_teardown(test_nak_release_while_probing, probe_setup,
						probe_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
