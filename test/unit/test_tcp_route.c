/* SPDX-License-Identifier: MIT */
/* The route a connection's segments take is resolved once per routing-table generation
 * (ip_route_generation), not once per segment: a bulk of segments costs no lookup while
 * nothing changes (ip.route_lookups), a route added while the connection is open moves the
 * very next segment to the new device with one lookup, and a device change does the same.
 * A passive open looks its route up at most once, and a listener's next connection from
 * the same peer not at all. Segment scripts in the style of tcp_script.h; tun1 is a second capture device. */
#include "test/unit/tcp_script.h"

#define MSS 1000u
#define D0 (ISN + 1)

static struct net_device *tun1;

static struct tcp_pcb *open_conn(void)
{
	struct tcp_pcb *c = tcp_pcb_alloc();
	struct tcp_opts o;
	struct tcp_hdr h;

	memset(&o, 0, sizeof(o));
	o.has_mss = 1;
	o.mss = MSS;
	assert_non_null(c);
	assert_int_equal(tcp_pcb_connect(c, NA4(peer), PEER, now), 0);
	pop(&h, NULL);
	inject(PEER, c->local_port, TCP_SYN | TCP_ACK, PEER_ISN, ISN + 1, 65535, &o, NULL, 0);
	pop(&h, NULL);
	assert_int_equal(h.flags, TCP_ACK);
	expect_none();
	assert_int_equal(c->mss, MSS);
	return c;
}

/* The next segment tun1 sent: to the peer, from us, carrying `len` bytes at seq. */
static void expect_tun1(uint32_t seq, size_t len)
{
	struct pkb *p = test_dev_pop(tun1);
	struct ip_hdr ih;
	struct tcp_hdr h;

	if (!p)
		fail_msg("expected a segment on tun1, none was sent");
	assert_int_equal(ip_parse(p->data, p->len, &ih), 0);
	assert_int_equal(ih.src, us);
	assert_int_equal(ih.dst, peer);
	assert_int_equal(tcp_parse(p->data + 20, ih.total_len - 20u, NA4(ih.src), NA4(ih.dst), &h), 0);
	assert_int_equal(h.seq, seq);
	assert_int_equal(ih.total_len - 20u - h.hlen, len);
	pkb_free(p);
}

static void ack(struct tcp_pcb *c, uint32_t seq)
{
	inject(PEER, c->local_port, TCP_ACK, PEER_ISN + 1, seq, 65535, NULL, NULL, 0);
}

static void test_route_follows_generation(void **state)
{
	static uint8_t buf[10 * MSS];
	struct tcp_pcb *c;
	uint64_t lookups;
	uint32_t gen;

	(void)state;
	tun1 = test_dev_create("tun1", NET_DEV_IP, 1500);
	assert_int_equal(ip_iface_add(tun1, inet_addr("198.51.100.2"), inet_addr("255.255.255.0"), 0),
			 0);
	c = open_conn();
	memset(buf, 0x5a, sizeof(buf));

	/* Five segments, the peer's ACK, and not one route lookup: the handshake's holds. */
	lookups = ip_stats.route_lookups;
	assert_int_equal(tcp_pcb_send(c, buf, 5 * MSS, now), 5 * MSS);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(expect(i < 4 ? TCP_ACK : TCP_ACK | TCP_PSH, D0 + i * MSS,
					PEER_ISN + 1), MSS);
	expect_none();
	ack(c, D0 + 5 * MSS);
	expect_none();
	assert_int_equal(ip_stats.route_lookups, lookups);

	/* A host route to the peer through tun1 while the connection is open: the next
	 * segment leaves by tun1, for one lookup, and so do those after it. */
	gen = ip_route_generation();
	assert_int_equal(ip_route_add(peer, IP_ADDR_BROADCAST, inet_addr("198.51.100.1"), NULL), 0);
	assert_int_not_equal(ip_route_generation(), gen);
	assert_int_equal(tcp_pcb_send(c, buf, 3 * MSS, now), 3 * MSS);
	for (unsigned i = 0; i < 3; i++)
		expect_tun1(D0 + (5 + i) * MSS, MSS);
	expect_none();
	assert_int_equal(test_dev_pending(tun1), 0);
	assert_int_equal(ip_stats.route_lookups, lookups + 1);
	ack(c, D0 + 8 * MSS);
	assert_int_equal(tcp_pcb_send(c, buf, 2 * MSS, now), 2 * MSS);
	expect_tun1(D0 + 8 * MSS, MSS);
	expect_tun1(D0 + 9 * MSS, MSS);
	assert_int_equal(ip_stats.route_lookups, lookups + 1);

	/* A device change (its offloads, say) is a new generation too: one lookup more. */
	gen = ip_route_generation();
	net_device_changed(tun1);
	assert_int_not_equal(ip_route_generation(), gen);
	ack(c, D0 + 10 * MSS);
	assert_int_equal(tcp_pcb_send(c, buf, MSS, now), MSS);
	expect_tun1(D0 + 10 * MSS, MSS);
	assert_int_equal(ip_stats.route_lookups, lookups + 2);

	/* The host route removed (ip_route_del) is a new generation as well: the next
	 * segment returns to tun's connected route. */
	gen = ip_route_generation();
	assert_int_equal(ip_route_del(peer, IP_ADDR_BROADCAST), 0);
	assert_int_not_equal(ip_route_generation(), gen);
	ack(c, D0 + 11 * MSS);
	assert_int_equal(tcp_pcb_send(c, buf, MSS, now), MSS);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, D0 + 11 * MSS, PEER_ISN + 1), MSS);
	assert_int_equal(test_dev_pending(tun1), 0);
	assert_int_equal(ip_stats.route_lookups, lookups + 3);

	/* The table flushed and the connected route back: the segments stay on tun. */
	ip_route_flush();
	assert_int_equal(ip_route_add(inet_addr("192.0.2.0"), inet_addr("255.255.255.0"), 0,
				      &tun->ifaces[0]), 0);
	ack(c, D0 + 12 * MSS);
	assert_int_equal(tcp_pcb_send(c, buf, MSS, now), MSS);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, D0 + 12 * MSS, PEER_ISN + 1), MSS);
	assert_int_equal(test_dev_pending(tun1), 0);
	assert_int_equal(ip_stats.route_lookups, lookups + 4);

	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, D0 + 13 * MSS, PEER_ISN + 1);
	expect_none();
}

/* Without a route the segment is refused and counted, as before; the route's arrival is
 * a new generation, and the retransmission finds it. */
static void test_no_route_then_route(void **state)
{
	static uint8_t buf[MSS];
	struct tcp_pcb *c;
	uint64_t no_route;

	(void)state;
	c = open_conn();
	ip_route_flush();
	no_route = ip_stats.out_no_route;
	assert_int_equal(tcp_pcb_send(c, buf, MSS, now), MSS);
	expect_none();
	assert_int_equal(ip_stats.out_no_route, no_route + 1);
	assert_int_equal(ip_route_add(inet_addr("192.0.2.0"), inet_addr("255.255.255.0"), 0,
				      &tun->ifaces[0]), 0);
	advance(c->rto + 1);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, D0, PEER_ISN + 1), MSS);
	expect_none();
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, D0 + MSS, PEER_ISN + 1);
	expect_none();
}

/* A passive open looks its route up once: the syncache entry keeps the route its SYN,ACK
 * took (and the MSS it announced came from) and hands it to the child, whose first
 * segment needs no lookup; the listener keeps its last SYN peer's, so the next
 * connection from that peer costs none. A route added between a SYN and its ACK moves
 * the SYN,ACK's retransmission to the new device (one lookup), and the child after it. */
static void test_passive_open_route(void **state)
{
	static uint8_t buf[MSS];
	struct tcp_pcb *l, *c, *c2;
	uint64_t lookups;
	struct tcp_hdr h;
	struct pkb *p;

	(void)state;
	tun1 = test_dev_create("tun1", NET_DEV_IP, 1500);
	assert_int_equal(ip_iface_add(tun1, inet_addr("198.51.100.2"), inet_addr("255.255.255.0"), 0),
			 0);
	l = listener();
	lookups = ip_stats.route_lookups;
	SEG(TCP_SYN, PEER_ISN, 0, 65535, NULL, 0);
	assert_int_equal(pop(&h, NULL), 0);
	assert_int_equal(h.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(h.opt.mss, 1460); /* tun's MTU, from the route */
	expect_none();
	assert_int_equal(ip_stats.route_lookups, lookups + 1);
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, 0);
	expect_none();
	c = tcp_pcb_accept(l);
	assert_non_null(c);
	assert_int_equal(c->rcv_mss, 1460);
	assert_int_equal(tcp_pcb_send(c, buf, 100, now), 100);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, ISN + 1, PEER_ISN + 1), 100);
	assert_int_equal(ip_stats.route_lookups, lookups + 1);
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 101, 65535, NULL, 0); /* nothing left to resend */
	expect_none();

	/* the same peer from another port: the listener's route, no lookup */
	inject(PEER + 1, PORT, TCP_SYN, PEER_ISN, 0, 65535, NULL, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	expect_none();
	assert_int_equal(ip_stats.route_lookups, lookups + 1);
	/* a host route to the peer through tun1 before the ACK: the SYN,ACK's
	 * retransmission leaves by tun1, for one lookup, and the child keeps that route */
	assert_int_equal(ip_route_add(peer, IP_ADDR_BROADCAST, inet_addr("198.51.100.1"), NULL), 0);
	advance(tcp_config.rto_initial_ms);
	expect_tun1(ISN, 0);
	expect_none();
	assert_int_equal(ip_stats.route_lookups, lookups + 2);
	inject(PEER + 1, PORT, TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, NULL, 0);
	c2 = tcp_pcb_accept(l);
	assert_non_null(c2);
	assert_int_equal(tcp_pcb_send(c2, buf, 100, now), 100);
	expect_tun1(ISN + 1, 100);
	expect_none();
	assert_int_equal(ip_stats.route_lookups, lookups + 2);

	/* the host route gone: the established child looks again and returns to tun */
	assert_int_equal(ip_route_del(peer, IP_ADDR_BROADCAST), 0);
	tcp_pcb_close(c2, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 101, PEER_ISN + 1);
	assert_int_equal(ip_stats.route_lookups, lookups + 3);
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 101, PEER_ISN + 1);
	expect_none();
	while ((p = test_dev_pop(tun1)) != NULL)
		fail_msg("unexpected segment on tun1");
	tcp_pcb_close(l, 0, now);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_route_follows_generation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_route_then_route, setup, teardown),
		cmocka_unit_test_setup_teardown(test_passive_open_route, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
