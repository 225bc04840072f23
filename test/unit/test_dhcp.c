/* SPDX-License-Identifier: MIT */
/* The DHCP client's state machine as message scripts (RFC 2131 4.1, 4.4): time is passed
 * in, each step feeds a server's message or moves the clock, then asserts exactly what
 * the client sent (and to where) and what it configured or took away. */
#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <string.h>

#include "dhcp/dhcp.h"

#define MAX_SENT 8

static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 0x42 };

/* What the client did through its ops. */
static struct {
	struct dhcp_msg sent[MAX_SENT];
	uint32_t dst[MAX_SENT];
	size_t len[MAX_SENT];
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

static const struct dhcp_client_ops ops = { fake_send, fake_bind, fake_unbind };
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

static void feed(const struct dhcp_msg *m, uint64_t now)
{
	uint8_t b[600];
	size_t n = dhcp_emit(m, b, sizeof(b));

	assert_int_not_equal(n, 0);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_lease_and_renew, setup),
		cmocka_unit_test_setup(test_backoff, setup),
		cmocka_unit_test_setup(test_foreign_replies, setup),
		cmocka_unit_test_setup(test_nak, setup),
		cmocka_unit_test_setup(test_request_timeout, setup),
		cmocka_unit_test_setup(test_release, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
