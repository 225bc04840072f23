/* SPDX-License-Identifier: MIT */
/* TCP segment scripts for output at the end of a loop round (tcp_output_soon): with a loop
 * driver named (run to completion), an application's send in the driver's round waits for
 * the loop's hook, so a close in the same round puts the FIN on the last data segment (as
 * lwIP and Linux do) and two sends leave as one segment; a send from any other thread
 * goes at once. The ACK of the peer's FIN waits the same way in CLOSE_WAIT and rides on
 * our FIN. Each ends with every connection freed. */
#include "test/unit/tcp_script.h"

#include <pthread.h>
#include <stdlib.h>

/* This thread drives the loop, and the loop has run TCP's hook once. */
static void drive(int on)
{
	test_unlock();
	net_loop_set_driver(on);
	test_lock();
	if (on)
		tcp_ack_flush(now);
}

/* The request of 100 bytes arrives on a new connection and is read. */
static struct tcp_pcb *open_with_request(struct tcp_pcb *l)
{
	struct tcp_pcb *c = passive_open(l);
	uint8_t req[100] = { 0 }, buf[200];

	SEG(TCP_ACK | TCP_PSH, PEER_ISN + 1, ISN + 1, 65535, req, sizeof(req));
	expect_none(); /* the ACK is delayed (quickacks 0 in these scripts) */
	assert_int_equal(tcp_pcb_recv(c, buf, sizeof(buf), now), 100);
	return c;
}

/* The peer ACKs everything up to ours (FIN included) and sends its FIN; TIME_WAIT ends. */
static void finish_closed(uint32_t our_end)
{
	SEG(TCP_ACK | TCP_FIN, PEER_ISN + 101, our_end, 65535, NULL, 0);
	expect(TCP_ACK, our_end, PEER_ISN + 102);
	expect_none();
	advance(2ull * tcp_config.msl_ms);
	assert_int_equal(tcp_tw_count(), 0);
}

/* HTTP's Connection: close: the answer, then close, in one round: one segment carries
 * the data, the ACK of the request and the FIN (RFC 9293 3.10.4 lets the FIN follow the
 * queued data; sending them together saves a segment each way). */
static void test_send_close_one_segment(void **state)
{
	struct tcp_pcb *l, *c;
	uint8_t resp[300] = { 0 };
	size_t n;

	(void)state;
	l = listener();
	c = open_with_request(l);
	drive(1);
	assert_int_equal(tcp_pcb_send(c, resp, sizeof(resp), now), 300);
	expect_none(); /* waits for the end of the round */
	assert_int_equal(tcp_stats.snd_deferred, 1);
	tcp_pcb_close(c, 0, now);
	n = expect(TCP_ACK | TCP_PSH | TCP_FIN, ISN + 1, PEER_ISN + 101);
	assert_int_equal(n, 300);
	expect_none();
	tcp_ack_flush(now); /* the round ends: nothing left to send */
	expect_none();
	assert_int_equal(c->state, TCP_FIN_WAIT_1);
	drive(0);
	finish_closed(ISN + 1 + 300 + 1);
	tcp_pcb_close(l, 0, now);
}

/* A header and its body sent apart in one round leave as one segment (Nagle would have
 * held the body for the ACK of a lone header), when the round ends. */
static void test_two_sends_one_segment(void **state)
{
	struct tcp_pcb *l, *c;
	uint8_t hdr[40] = { 0 }, body[200] = { 0 };

	(void)state;
	l = listener();
	c = open_with_request(l);
	drive(1);
	assert_int_equal(tcp_pcb_send(c, hdr, sizeof(hdr), now), 40);
	assert_int_equal(tcp_pcb_send(c, body, sizeof(body), now), 200);
	expect_none();
	assert_int_equal(tcp_stats.snd_deferred, 1); /* counted once per round */
	tcp_ack_flush(now);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, ISN + 1, PEER_ISN + 101), 240);
	expect_none();
	SEG(TCP_ACK, PEER_ISN + 101, ISN + 241, 65535, NULL, 0);
	expect_none();
	/* a bare ACK sent meanwhile (a window update, say) does not lose an owed send */
	assert_int_equal(tcp_pcb_send(c, body, 10, now), 10);
	tcp_send_ack(c, now);
	expect(TCP_ACK, ISN + 241, PEER_ISN + 101);
	expect_none();
	tcp_ack_flush(now);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, ISN + 241, PEER_ISN + 101), 10);
	expect_none();
	drive(0);
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 251, PEER_ISN + 101);
	tcp_pcb_close(l, 0, now);
}

/* Close with unread data resets (RFC 2525 2.17); data sent in the round goes first, as it
 * did when sends left at once. */
static void test_owed_send_before_reset(void **state)
{
	struct tcp_pcb *l, *c;
	uint8_t d[50] = { 0 };

	(void)state;
	l = listener();
	c = open_with_request(l);
	SEG(TCP_ACK | TCP_PSH, PEER_ISN + 101, ISN + 1, 65535, d, sizeof(d)); /* unread */
	expect_none();
	drive(1);
	assert_int_equal(tcp_pcb_send(c, d, sizeof(d), now), 50);
	expect_none();
	tcp_pcb_close(c, 0, now);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, ISN + 1, PEER_ISN + 151), 50);
	expect(TCP_RST | TCP_ACK, ISN + 51, PEER_ISN + 151);
	expect_none();
	tcp_ack_flush(now);
	expect_none();
	drive(0);
	tcp_pcb_close(l, 0, now);
}

struct sender {
	struct tcp_pcb *c;
	ssize_t r;
};

static void *send_from_thread(void *arg)
{
	struct sender *s = arg;
	uint8_t d[20] = { 0 };

	net_lock();
	s->r = tcp_pcb_send(s->c, d, sizeof(d), net_clock_ms());
	net_unlock();
	return NULL;
}

/* Outside the driver's round the send goes at once: from another thread while a driver
 * is named (that thread's round is not the driver's, whose hook may be far off), and with
 * no driver (the loop thread runs; its hooks run after each batch, not after the
 * application's calls). */
static void test_send_outside_round_at_once(void **state)
{
	struct tcp_pcb *l, *c;
	struct sender s;
	pthread_t t;
	uint8_t d[30] = { 0 };

	(void)state;
	l = listener();
	c = open_with_request(l);
	drive(1);
	s.c = c;
	s.r = 0;
	test_unlock();
	assert_int_equal(pthread_create(&t, NULL, send_from_thread, &s), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	test_lock();
	assert_int_equal(s.r, 20);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, ISN + 1, PEER_ISN + 101), 20);
	expect_none();
	assert_int_equal(tcp_stats.snd_deferred, 0);
	drive(0);
	SEG(TCP_ACK, PEER_ISN + 101, ISN + 21, 65535, NULL, 0);
	assert_int_equal(tcp_pcb_send(c, d, sizeof(d), now), 30);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, ISN + 21, PEER_ISN + 101), 30);
	expect_none();
	assert_int_equal(tcp_stats.snd_deferred, 0);
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 51, PEER_ISN + 101);
	tcp_pcb_close(l, 0, now);
}

/* Keep-alive: requests of 100 bytes read and answered one per round. When the reads have
 * moved the window's right edge by an MSS (RFC 9293 3.8.6.2.2's receiver rule), the
 * window update waits for the round's end and rides on the answer: one segment, where a
 * bare ACK used to go out first. Outside a driver's round the update goes at once. */
static void test_window_update_rides_on_answer(void **state)
{
	struct tcp_pcb *l, *c;
	uint8_t req[100] = { 0 }, resp[50] = { 0 }, buf[200];
	uint32_t seq = PEER_ISN + 101, our = ISN + 1;
	struct tcp_hdr h;
	int i, bare = 0;

	(void)state;
	l = listener();
	c = open_with_request(l);
	drive(1);
	/* 2 x 1460 bytes of requests: the update is due twice on the way */
	for (i = 0; i < 30; i++) {
		SEG(TCP_ACK | TCP_PSH, seq, our, 65535, req, sizeof(req));
		seq += sizeof(req);
		expect_none(); /* delayed ACK */
		assert_int_equal(tcp_pcb_recv(c, buf, sizeof(buf), now), 100);
		assert_int_equal(tcp_pcb_send(c, resp, sizeof(resp), now), 50);
		expect_none(); /* the update and the answer wait for the round's end */
		tcp_ack_flush(now);
		assert_int_equal(pop(&h, NULL), 50);
		assert_int_equal(h.flags, TCP_ACK | TCP_PSH);
		assert_int_equal(h.seq, our);
		assert_int_equal(h.ack, seq);
		/* the answer carries the whole free buffer when the update was due */
		if (h.wnd == 16384)
			bare++;
		expect_none();
		our += sizeof(resp);
		SEG(TCP_ACK, seq, our, 65535, NULL, 0);
		expect_none();
	}
	assert_true(bare >= 2);
	/* with no driver the update is a bare ACK at once, as before */
	drive(0);
	for (i = 0; i < 15; i++) {
		SEG(TCP_ACK | TCP_PSH, seq, our, 65535, req, sizeof(req));
		seq += sizeof(req);
		tcp_ack_flush(now);
		while (test_dev_pending(tun)) { /* delayed ACKs that fell due, if any */
			pop(&h, NULL);
			assert_int_equal(h.flags, TCP_ACK);
		}
		assert_int_equal(tcp_pcb_recv(c, buf, sizeof(buf), now), 100);
		if (test_dev_pending(tun))
			break;
	}
	assert_true(i < 15);
	assert_int_equal(pop(&h, NULL), 0);
	assert_int_equal(h.flags, TCP_ACK);
	assert_int_equal(h.ack, seq);
	assert_int_equal(h.wnd, 16384);
	expect_none();
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, our, seq);
	tcp_pcb_close(l, 0, now);
}

/* RFC 9293 3.10.7.4 eighth step, run to completion: the peer's FIN moves us to CLOSE_WAIT
 * and its ACK waits for the round's end. ab opens a connection, never uses it and closes
 * it; the server reads EOF and closes in the same round: one segment carries the ACK of
 * the peer's FIN and ours (LAST_ACK), where a bare ACK went first. */
static void test_fin_ack_rides_on_close(void **state)
{
	struct tcp_pcb *l, *c;
	uint8_t buf[10];

	(void)state;
	l = listener();
	c = passive_open(l);
	drive(1);
	SEG(TCP_ACK | TCP_FIN, PEER_ISN + 1, ISN + 1, 65535, NULL, 0);
	expect_none(); /* the ACK waits for the round's end */
	assert_int_equal(c->state, TCP_CLOSE_WAIT);
	assert_int_equal(tcp_pcb_recv(c, buf, sizeof(buf), now), 0); /* EOF */
	tcp_pcb_close(c, 0, now);
	expect(TCP_ACK | TCP_FIN, ISN + 1, PEER_ISN + 2);
	expect_none();
	assert_int_equal(c->state, TCP_LAST_ACK);
	tcp_ack_flush(now); /* the round ends: nothing owed */
	expect_none();
	SEG(TCP_ACK, PEER_ISN + 2, ISN + 2, 65535, NULL, 0); /* LAST_ACK -> CLOSED, freed */
	expect_none();
	assert_int_equal(tcp_pcb_count(), 1); /* the listener alone */
	drive(0);
	tcp_pcb_close(l, 0, now);
}

/* The request and the peer's FIN in one segment (a client that shuts its write side
 * after the request): the answer, the ACK of both and our FIN leave in one segment. */
static void test_fin_with_request_one_segment(void **state)
{
	struct tcp_pcb *l, *c;
	uint8_t req[100] = { 0 }, resp[300] = { 0 }, buf[200];

	(void)state;
	l = listener();
	c = passive_open(l);
	drive(1);
	SEG(TCP_ACK | TCP_PSH | TCP_FIN, PEER_ISN + 1, ISN + 1, 65535, req, sizeof(req));
	expect_none();
	assert_int_equal(tcp_pcb_recv(c, buf, sizeof(buf), now), 100);
	assert_int_equal(tcp_pcb_recv(c, buf, sizeof(buf), now), 0);
	assert_int_equal(tcp_pcb_send(c, resp, sizeof(resp), now), 300);
	tcp_pcb_close(c, 0, now);
	assert_int_equal(expect(TCP_ACK | TCP_PSH | TCP_FIN, ISN + 1, PEER_ISN + 102), 300);
	expect_none();
	tcp_ack_flush(now);
	expect_none();
	SEG(TCP_ACK, PEER_ISN + 102, ISN + 302, 65535, NULL, 0);
	expect_none();
	assert_int_equal(tcp_pcb_count(), 1);
	drive(0);
	tcp_pcb_close(l, 0, now);
}

/* Half-close (nc sends, then shuts its write side): the application does not close in
 * the round, so the hook sends the ACK of the FIN at the round's end; the answer and our
 * FIN follow in later rounds, and the peer's ACK of it ends LAST_ACK. */
static void test_fin_ack_at_round_end(void **state)
{
	struct tcp_pcb *l, *c;
	uint8_t resp[50] = { 0 }, buf[10];

	(void)state;
	l = listener();
	c = open_with_request(l);
	drive(1);
	SEG(TCP_ACK | TCP_FIN, PEER_ISN + 101, ISN + 1, 65535, NULL, 0);
	expect_none();
	assert_int_equal(tcp_pcb_recv(c, buf, sizeof(buf), now), 0);
	tcp_ack_flush(now); /* the round ends with nothing sent: a bare ACK */
	expect(TCP_ACK, ISN + 1, PEER_ISN + 102);
	expect_none();
	assert_int_equal(c->state, TCP_CLOSE_WAIT);
	tcp_ack_flush(now);
	expect_none(); /* once */
	assert_int_equal(tcp_pcb_send(c, resp, sizeof(resp), now), 50);
	tcp_ack_flush(now);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, ISN + 1, PEER_ISN + 102), 50);
	tcp_pcb_close(c, 0, now);
	expect(TCP_ACK | TCP_FIN, ISN + 51, PEER_ISN + 102);
	expect_none();
	assert_int_equal(c->state, TCP_LAST_ACK);
	SEG(TCP_ACK, PEER_ISN + 102, ISN + 52, 65535, NULL, 0);
	expect_none();
	assert_int_equal(tcp_pcb_count(), 1);
	/* with no driver named the ACK of a FIN goes at once, as before */
	drive(0);
	c = open_with_request(l);
	SEG(TCP_ACK | TCP_FIN, PEER_ISN + 101, ISN + 1, 65535, NULL, 0);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 102);
	expect_none();
	tcp_pcb_close(c, 0, now);
	expect(TCP_ACK | TCP_FIN, ISN + 1, PEER_ISN + 102);
	SEG(TCP_ACK, PEER_ISN + 102, ISN + 2, 65535, NULL, 0);
	expect_none();
	tcp_pcb_close(l, 0, now);
}

/* Our FIN first, under run to completion too: the peer's FIN in FIN_WAIT_2 is ACKed at
 * once and TIME_WAIT's record takes over after that output (tcp_tw_enter); in FIN_WAIT_1
 * (simultaneous close) it is ACKed at once and CLOSING waits for the ACK of ours. */
static void test_fin_after_ours_at_once(void **state)
{
	struct tcp_pcb *l, *c;

	(void)state;
	l = listener();
	c = passive_open(l);
	drive(1);
	tcp_pcb_close(c, 0, now);
	expect(TCP_ACK | TCP_FIN, ISN + 1, PEER_ISN + 1);
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 2, 65535, NULL, 0);
	expect_none();
	assert_int_equal(c->state, TCP_FIN_WAIT_2);
	SEG(TCP_ACK | TCP_FIN, PEER_ISN + 1, ISN + 2, 65535, NULL, 0);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	expect_none();
	assert_non_null(tw_at(PORT));
	assert_int_equal(tcp_pcb_count(), 1);
	tcp_ack_flush(now);
	expect_none();
	advance(2ull * tcp_config.msl_ms);
	assert_int_equal(tcp_tw_count(), 0);

	tcp_test_set_isn(1, ISN);
	c = passive_open(l);
	tcp_pcb_close(c, 0, now);
	expect(TCP_ACK | TCP_FIN, ISN + 1, PEER_ISN + 1);
	SEG(TCP_ACK | TCP_FIN, PEER_ISN + 1, ISN + 1, 65535, NULL, 0); /* ours not ACKed */
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	expect_none();
	assert_int_equal(c->state, TCP_CLOSING);
	SEG(TCP_ACK, PEER_ISN + 2, ISN + 2, 65535, NULL, 0);
	expect_none();
	assert_non_null(tw_at(PORT));
	advance(2ull * tcp_config.msl_ms);
	assert_int_equal(tcp_tw_count(), 0);
	drive(0);
	tcp_pcb_close(l, 0, now);
}

/* Quick ACK mode under run to completion defers the ACK of in-order data to the round's
 * end, but not the one that fills a gap (RFC 5681 4.2: at once; the sender's recovery
 * waits for it), nor the duplicate ACK of out-of-order data (fast retransmit). */
static void test_gap_fill_acked_at_once(void **state)
{
	struct tcp_pcb *l, *c;
	uint8_t d[100] = { 0 };

	(void)state;
	tcp_config.quickacks = 16;
	l = listener();
	c = passive_open(l);
	drive(1);
	SEG(TCP_ACK | TCP_PSH, PEER_ISN + 1, ISN + 1, 65535, d, sizeof(d));
	expect_none(); /* quick ACK, deferred to the round's end */
	tcp_ack_flush(now);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 101);
	expect_none();
	SEG(TCP_ACK | TCP_PSH, PEER_ISN + 201, ISN + 1, 65535, d, sizeof(d));
	expect(TCP_ACK, ISN + 1, PEER_ISN + 101); /* out of order: at once */
	expect_none();
	SEG(TCP_ACK | TCP_PSH, PEER_ISN + 101, ISN + 1, 65535, d, sizeof(d));
	expect(TCP_ACK, ISN + 1, PEER_ISN + 301); /* the gap filled: at once */
	expect_none();
	tcp_ack_flush(now);
	expect_none();
	drive(0);
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 1, PEER_ISN + 301);
	tcp_pcb_close(l, 0, now);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_send_close_one_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_sends_one_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owed_send_before_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_outside_round_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_update_rides_on_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fin_ack_rides_on_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fin_with_request_one_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fin_ack_at_round_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fin_after_ours_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gap_fill_acked_at_once, setup, teardown),
	};
	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
