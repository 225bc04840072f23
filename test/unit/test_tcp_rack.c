/* SPDX-License-Identifier: MIT */
/* TCP segment scripts for RACK-TLP (RFC 8985), D-SACK undo (RFC 2883, RFC 3708), F-RTO
 * (RFC 5682), quick and delayed ACKs, with the fake clock: round trips are made by advancing it
 * between our segments and the peer's ACKs. Each ends with every connection freed. */
#include "test/unit/tcp_script.h"

#include <stdlib.h>

#define MSS 1460u
#define D0 (ISN + 1)
#define RTT 10 /* ms between a segment and its ACK in these scripts */

static struct tcp_pcb *open_sack(void)
{
	struct tcp_pcb *c;
	struct tcp_opts o;
	struct tcp_hdr h;

	memset(&o, 0, sizeof(o));
	o.has_mss = 1;
	o.mss = MSS;
	o.sack_permitted = 1;
	tcp_config.sack = 1;
	/* the scripts count PRR's segments from NewReno's ssthresh, half the flight (CUBIC
	 * keeps 0.7 of cwnd: test_tcp_cc) */
	tcp_config.cc_name = "newreno";
	c = tcp_pcb_alloc();
	assert_non_null(c);
	assert_int_equal(tcp_pcb_connect(c, NA4(peer), PEER, now), 0);
	pop(&h, NULL);
	advance(RTT); /* the SYN's round trip gives SRTT = RTT */
	inject(PEER, c->local_port, TCP_SYN | TCP_ACK, PEER_ISN, ISN + 1, 65535, &o, NULL, 0);
	pop(&h, NULL);
	expect_none();
	assert_int_equal(c->state, TCP_ESTABLISHED);
	assert_true(c->flags & TF_SACK_OK);
	return c;
}

static void send_segs(struct tcp_pcb *c, unsigned n)
{
	static uint8_t buf[16 * MSS];

	assert_int_equal(tcp_pcb_send(c, buf, n * MSS, now), (ssize_t)(n * MSS));
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(expect(i + 1 == n ? TCP_ACK | TCP_PSH : TCP_ACK, D0 + i * MSS,
					PEER_ISN + 1), MSS);
}

static void abort_conn(struct tcp_pcb *c)
{
	uint32_t seq = c->snd_max;

	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, seq, PEER_ISN + 1);
	expect_none();
}

#define S(i) (D0 + (uint32_t)(i) * MSS)

/* RFC 8985 6.2: segment 0 is lost, 1 arrives; 0 was sent before 1 but RACK waits the
 * reordering window (min_RTT / 4 while nothing shows a loss beyond doubt) before calling
 * it lost, then the reordering timer (6.3) fires and it goes again. */
static void test_rack_reorder_window(void **state)
{
	struct tcp_pcb *c;

	(void)state;
	c = open_sack();
	send_segs(c, 4);
	advance(RTT);
	sack_ack(c, S(0), (uint32_t[]){ S(1), S(2) }, 1);
	expect_none(); /* could be reordering */
	assert_true(tcp_timer_pending(c, TCPT_RACK));
	assert_int_equal(tcp_stats.rack_lost_segs, 0);
	advance(RTT / 4 + 1);
	assert_int_equal(expect(TCP_ACK, S(0), PEER_ISN + 1), MSS);
	expect_none();
	assert_int_equal(tcp_stats.rack_reo_timeouts, 1);
	assert_int_equal(tcp_stats.rack_lost_segs, 1);
	assert_true(c->flags & TF_INRECOVERY);
	advance(RTT);
	sack_ack(c, S(4), NULL, 0);
	assert_false(c->flags & TF_INRECOVERY);
	assert_int_equal(tcp_stats.rexmt_timeouts, 0);
	abort_conn(c);
}

/* RFC 8985 6.2: a retransmission that is itself lost is found by time like any segment:
 * once data sent after it is delivered and the reordering window has passed. */
static void test_rack_lost_retransmission(void **state)
{
	struct tcp_pcb *c;
	static uint8_t more[2 * MSS];

	(void)state;
	c = open_sack();
	send_segs(c, 4);
	advance(RTT);
	/* 3 segments SACKed above 0: lost at once (no reordering window then) */
	sack_ack(c, S(0), (uint32_t[]){ S(1), S(4) }, 1);
	assert_int_equal(expect(TCP_ACK, S(0), PEER_ISN + 1), MSS);
	expect_none();
	/* new data after the retransmission, delivered; the retransmission is not */
	assert_int_equal(tcp_pcb_send(c, more, sizeof(more), now), (ssize_t)sizeof(more));
	advance(1);
	tcp_output(c, now);
	while (test_dev_pending(tun)) {
		struct tcp_hdr h;
		pop(&h, NULL);
	}
	/* PRR's window let one new segment (4) follow the retransmission; it is SACKed
	 * a round trip later, the retransmission is not: it was lost too */
	assert_int_equal(c->snd_max, S(5));
	advance(RTT);
	sack_ack(c, S(0), (uint32_t[]){ S(1), S(5) }, 1);
	assert_int_equal(expect(TCP_ACK, S(0), PEER_ISN + 1), MSS);
	assert_true(tcp_stats.snd_rexmt_lost >= 1);
	assert_int_equal(tcp_stats.rexmt_timeouts, 0);
	while (test_dev_pending(tun)) {
		struct tcp_hdr h;
		pop(&h, NULL);
	}
	sack_ack(c, c->snd_max, NULL, 0);
	abort_conn(c);
}

/* RFC 8985 7: the last two segments of a flight are lost and nothing is left to send. The
 * probe timer (2 SRTT) resends the last segment; its SACK shows RACK the other loss, which
 * is repaired by fast recovery: no retransmission timeout. */
static void test_tlp_repairs_tail(void **state)
{
	struct tcp_pcb *c;

	(void)state;
	c = open_sack();
	send_segs(c, 4);
	advance(RTT);
	sack_ack(c, S(2), NULL, 0); /* 2 and 3 lost */
	expect_none();
	assert_true(tcp_timer_pending(c, TCPT_PTO));
	advance(2 * RTT);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, S(3), PEER_ISN + 1), MSS);
	expect_none();
	assert_int_equal(tcp_stats.snd_tlp_probes, 1);
	advance(RTT);
	sack_ack(c, S(2), (uint32_t[]){ S(3), S(4) }, 1);
	assert_int_equal(expect(TCP_ACK, S(2), PEER_ISN + 1), MSS);
	expect_none();
	advance(RTT);
	sack_ack(c, S(4), NULL, 0);
	assert_int_equal(tcp_stats.rexmt_timeouts, 0);
	assert_int_equal(tcp_stats.rack_lost_segs, 1);
	abort_conn(c);
}

/* The scoreboard's first TCP_SENTQ_INLINE records live in the control block, so a short
 * connection costs no malloc for them; more move it to the heap, records in order, and a
 * loss among them is still found and repaired (RFC 6675 with SACK). */
static void test_sentq_inline_then_heap(void **state)
{
	struct tcp_pcb *c;

	(void)state;
	c = open_sack();
	send_segs(c, 3);
	assert_ptr_equal(c->sentq.v, c->sentq.inl);
	assert_int_equal(c->sentq.len, 3);
	advance(RTT);
	sack_ack(c, S(1), NULL, 0); /* the first delivered: two left, head moved */
	{
		static uint8_t buf[4 * MSS];
		assert_int_equal(tcp_pcb_send(c, buf, 4 * MSS, now), 4 * MSS);
		for (unsigned i = 0; i < 4; i++) /* two in flight: cwnd takes four more */
			assert_int_equal(expect(i == 3 ? TCP_ACK | TCP_PSH : TCP_ACK, S(3 + i),
						PEER_ISN + 1), MSS);
		expect_none();
	}
	assert_true(c->sentq.v != c->sentq.inl); /* grown past the inline records */
	assert_int_equal(c->sentq.len, 6);
	for (unsigned i = 0; i < c->sentq.len; i++)
		assert_int_equal(tcp_sent_at(c, i)->seq, S(1 + i));
	/* segment 1 lost, the rest SACKed: it goes again */
	advance(RTT);
	sack_ack(c, S(1), (uint32_t[]){ S(2), S(7) }, 1);
	assert_int_equal(expect(TCP_ACK, S(1), PEER_ISN + 1), MSS);
	advance(RTT);
	sack_ack(c, S(7), NULL, 0);
	assert_int_equal(c->sentq.len, 0);
	expect_none();
	abort_conn(c);
}

/* RFC 2883 / RFC 3708: recovery resent segment 0, then the receiver reports it got it
 * twice (a D-SACK) and the original was merely late: every retransmission of the episode
 * is D-SACKed, so cwnd and ssthresh go back to what they were. */
static void test_dsack_undo(void **state)
{
	struct tcp_pcb *c;
	uint32_t cwnd, ssthresh;

	(void)state;
	c = open_sack();
	send_segs(c, 8);
	cwnd = c->cwnd;
	ssthresh = c->ssthresh;
	advance(RTT);
	sack_ack(c, S(0), (uint32_t[]){ S(1), S(5) }, 1);
	assert_int_equal(expect(TCP_ACK, S(0), PEER_ISN + 1), MSS);
	assert_true(c->flags & TF_INRECOVERY);
	assert_true(c->ssthresh < ssthresh);
	/* the late original arrives: everything up to 5 acknowledged */
	sack_ack(c, S(5), NULL, 0);
	advance(RTT);
	/* then the retransmission, reported as a duplicate */
	sack_ack(c, S(5), (uint32_t[]){ S(0), S(1) }, 1);
	assert_int_equal(tcp_stats.rcv_dsack, 1);
	assert_int_equal(tcp_stats.undo_dsack, 1);
	assert_false(c->flags & TF_INRECOVERY);
	assert_int_equal(c->ssthresh, ssthresh);
	assert_true(c->cwnd >= cwnd);
	while (test_dev_pending(tun)) {
		struct tcp_hdr h;
		pop(&h, NULL);
	}
	abort_conn(c);
}

/* RFC 5682 3.1: after a timeout segment 0 goes again; its ACK lets F-RTO send new data
 * instead of more retransmissions, and the next ACK covers segments sent before the
 * timeout and never resent: the timeout was spurious and its reduction is undone. */
static void test_frto_spurious_rto(void **state)
{
	struct tcp_pcb *c;
	static uint8_t more[12 * MSS]; /* IW 10 leaves six unsent */
	uint32_t ssthresh;
	struct tcp_hdr h;

	(void)state;
	tcp_config.sndbuf = 65536;
	c = open_sack();
	send_segs(c, 4);
	assert_int_equal(tcp_pcb_send(c, more, sizeof(more), now), (ssize_t)sizeof(more));
	while (test_dev_pending(tun))
		pop(&h, NULL);
	ssthresh = c->ssthresh;
	/* the ACKs are late, not lost: first the loss probe (new data, segment 10) */
	advance(2 * RTT);
	assert_int_equal(expect(TCP_ACK, S(10), PEER_ISN + 1), MSS);
	advance(tcp_rto_current(c));
	assert_int_equal(tcp_stats.rexmt_timeouts, 1);
	assert_int_equal(expect(TCP_ACK, S(0), PEER_ISN + 1), MSS);
	expect_none();
	assert_true(c->flags & TF_LOSS);
	/* step 2: the ACK of segment 0 (its original): new data, not segment 1 again */
	sack_ack(c, S(1), NULL, 0);
	pop(&h, NULL);
	assert_int_equal(h.seq, S(11));
	/* step 3: an ACK covering originals never resent: spurious */
	sack_ack(c, S(4), NULL, 0);
	assert_int_equal(tcp_stats.frto_spurious, 1);
	assert_false(c->flags & TF_LOSS);
	assert_int_equal(c->ssthresh, ssthresh);
	while (test_dev_pending(tun))
		pop(&h, NULL);
	abort_conn(c);
}

/* RFC 6937's worked example, RFC 6675 mode (RACK off), at half its size (the initial
 * window is 10 segments): 10 segments in flight, the first lost, every later one SACKed
 * by its own ACK (the two sent by limited transmit are never SACKed here). Recovery starts at the third SACK
 * (IsLost); from then on PRR lets ceil(prr_delivered * ssthresh / RecoverFS) - prr_out go
 * on each ACK: with ssthresh = RecoverFS / 2, one segment every second ACK (the first,
 * the retransmission and one new segment together), instead of nothing for half a round
 * trip and then a burst (RFC 6675 alone) or cwnd inflation (RFC 6582). */
static void test_prr_rfc6937_example(void **state)
{
	struct tcp_pcb *c;
	static uint8_t buf[20 * MSS];
	unsigned total = 0;

	(void)state;
	tcp_config.rack = 0;
	tcp_config.sndbuf = sizeof(buf);
	c = open_sack();
	assert_int_equal(tcp_pcb_send(c, buf, sizeof(buf), now), (ssize_t)sizeof(buf));
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(expect(TCP_ACK, S(i), PEER_ISN + 1), MSS);
	expect_none();
	advance(RTT);
	for (unsigned k = 1; k <= 9; k++) {
		unsigned sent = 0;

		sack_ack(c, S(0), (uint32_t[]){ S(1), S(k + 1) }, 1);
		while (test_dev_pending(tun)) {
			struct tcp_hdr h;
			pop(&h, NULL);
			if (k == 3 && sent == 0)
				assert_int_equal(h.seq, S(0)); /* the retransmission first */
			else
				assert_true(SEQ_GEQ(h.seq, S(10))); /* else new data */
			sent++;
		}
		if (k < 3) {
			/* not yet lost (IsLost needs 3 SACKed); the SACKed segment left the
			 * pipe, so one new one goes (RFC 3042's limited transmit) */
			assert_int_equal(sent, 1);
			assert_false(c->flags & TF_INRECOVERY);
			continue;
		}
		total += sent;
		assert_true(c->flags & TF_INRECOVERY);
		assert_int_equal(c->ssthresh, 6 * MSS); /* half of 12 in flight */
		/* prr_delivered = k - 2 segments since recovery began: ceil((k - 2) / 2) out
		 * while pipe stays above ssthresh */
		if (tcp_pipe(c) > c->ssthresh)
			assert_int_equal(total, (k - 2 + 1) / 2);
	}
	assert_int_equal(tcp_stats.prr_recoveries, 1);
	/* half of the 7 segments delivered during recovery: ceil(7 * 5 / 10) */
	assert_int_equal(total, 4);
	advance(RTT);
	sack_ack(c, c->snd_max, NULL, 0);
	assert_false(c->flags & TF_INRECOVERY);
	assert_int_equal(c->cwnd, c->ssthresh); /* RFC 6937: recovery ends at ssthresh */
	while (test_dev_pending(tun)) {
		struct tcp_hdr h;
		pop(&h, NULL);
	}
	abort_conn(c);
}

/* The sent-segment records live as long as something is unacknowledged: in TIME_WAIT
 * (our FIN acknowledged) their array is freed, the connection keeps only its record. */
static void test_records_freed_in_time_wait(void **state)
{
	struct tcp_pcb *c;

	(void)state;
	c = open_sack();
	send_segs(c, 2);
	assert_non_null(c->sentq.v);
	assert_int_equal(c->sentq.len, 2);
	advance(RTT);
	sack_ack(c, S(2), NULL, 0);
	assert_int_equal(c->sentq.len, 0);
	assert_int_equal(tcp_pcb_shutdown_send(c, now), 0);
	expect(TCP_FIN | TCP_ACK, S(2), PEER_ISN + 1);
	inject(PEER, c->local_port, TCP_FIN | TCP_ACK, PEER_ISN + 1, S(2) + 1, 65535, NULL, NULL, 0);
	expect(TCP_ACK, S(2) + 1, PEER_ISN + 2);
	assert_int_equal(c->state, TCP_TIME_WAIT);
	assert_null(c->sentq.v);
	assert_int_equal(c->sentq.cap, 0);
	tcp_pcb_close(c, 0, now);
	advance(2ull * tcp_config.msl_ms); /* TIME_WAIT ends, the pcb is freed */
	expect_none();
}

/* Quick ACK mode (as Linux): the first segments of a connection, and the first after the
 * receiver was idle for an RTO, are ACKed one by one, not every second one or after the
 * delayed-ACK timer. */
static void test_quickack_at_start(void **state)
{
	struct tcp_pcb *l, *c;
	uint8_t d[100] = { 0 };

	(void)state;
	tcp_config.quickacks = 2;
	l = listener();
	c = passive_open(l);
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, d, sizeof(d));
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1 + 100); /* at once, not after delack_ms */
	SEG(TCP_ACK, PEER_ISN + 101, ISN + 1, 65535, d, sizeof(d));
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1 + 200);
	/* quick ACKs used up: the third waits for the delayed-ACK timer */
	SEG(TCP_ACK, PEER_ISN + 201, ISN + 1, 65535, d, sizeof(d));
	expect_none();
	advance(tcp_config.delack_ms);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1 + 300);
	assert_int_equal(tcp_stats.snd_quickacks, 2);
	/* silent for more than an RTO: the sender restarts from a small window, quick ACKs
	 * again */
	advance(c->rto + 1);
	SEG(TCP_ACK, PEER_ISN + 301, ISN + 1, 65535, d, sizeof(d));
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1 + 400);
	assert_int_equal(tcp_stats.snd_quickacks, 3);
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 1, PEER_ISN + 401);
	tcp_pcb_close(l, 0, now);
}

/* Run to completion (a loop driver named): a quick ACK waits for the loop's hook, so the
 * answer the application sends first carries it; with no answer, the hook sends it. */
static void test_quickack_rides_on_answer(void **state)
{
	struct tcp_pcb *l, *c;
	uint8_t d[100] = { 0 };

	(void)state;
	tcp_config.quickacks = 2;
	l = listener();
	c = passive_open(l);
	tcp_ack_flush(now); /* a loop has run its hooks: ACKs may wait for them */
	test_unlock();
	net_loop_set_driver(1);
	test_lock();
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, d, sizeof(d));
	expect_none(); /* owed to the hook */
	assert_int_equal(tcp_pcb_send(c, d, 10, now), 10);
	expect_none(); /* the answer waits for the end of the round too (test_tcp_round) */
	tcp_ack_flush(now);
	expect(TCP_ACK | TCP_PSH, ISN + 1, PEER_ISN + 101); /* the answer carries it */
	expect_none(); /* nothing left owed */
	SEG(TCP_ACK, PEER_ISN + 101, ISN + 11, 65535, d, sizeof(d));
	expect_none();
	tcp_ack_flush(now); /* no answer came: the hook sends it */
	expect(TCP_ACK, ISN + 11, PEER_ISN + 201);
	assert_int_equal(tcp_stats.snd_quickacks, 2);
	test_unlock();
	net_loop_set_driver(0);
	test_lock();
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 11, PEER_ISN + 201);
	tcp_pcb_close(l, 0, now);
}

/* RFC 9293 3.8.6.3: a delayed ACK goes within delack_ms of the first unACKed data. An
 * answer carries it and leaves the timer armed (no heap update per request); that run
 * sends nothing, and an ACK owed for later data still waits its full delay. */
static void test_delack_timer_left_armed(void **state)
{
	struct tcp_pcb *l, *c;
	uint8_t d[100] = { 0 };
	const unsigned D = tcp_config.delack_ms;

	(void)state;
	l = listener();
	c = passive_open(l);
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, d, sizeof(d)); /* at t */
	expect_none();
	advance(10);
	assert_int_equal(tcp_pcb_send(c, d, 10, now), 10);
	expect(TCP_ACK | TCP_PSH, ISN + 1, PEER_ISN + 101); /* the answer carries the ACK */
	assert_true(net_timer_pending(&c->timers[TCPT_DELACK]));
	advance(20);
	SEG(TCP_ACK, PEER_ISN + 101, ISN + 11, 65535, d, sizeof(d)); /* t + 30: due t + 30 + D */
	expect_none();
	advance(D - 30); /* t + D: the old run, too early for this ACK */
	expect_none();
	assert_int_equal(tcp_stats.snd_delacks, 0);
	advance(29);
	expect_none();
	advance(1); /* t + 30 + D */
	expect(TCP_ACK, ISN + 11, PEER_ISN + 201);
	assert_int_equal(tcp_stats.snd_delacks, 1);
	/* the delayed ACK sent, the timer is idle */
	assert_false(net_timer_pending(&c->timers[TCPT_DELACK]));
	/* no later data: the armed timer's run sends nothing */
	SEG(TCP_ACK, PEER_ISN + 201, ISN + 11, 65535, d, sizeof(d));
	assert_int_equal(tcp_pcb_send(c, d, 10, now), 10);
	expect(TCP_ACK | TCP_PSH, ISN + 11, PEER_ISN + 301);
	advance(D);
	expect_none();
	assert_int_equal(tcp_stats.snd_delacks, 1);
	assert_false(net_timer_pending(&c->timers[TCPT_DELACK]));
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 21, PEER_ISN + 301);
	tcp_pcb_close(l, 0, now);
}

/* The loss timers share one heap entry and are cancelled lazily (tcp_timer.c): request-
 * answer exchanges arm and cancel the retransmission timer and the probe without moving
 * the entry; its run with nothing due sends nothing and leaves it idle; a probe due
 * sooner than the entry moves it, and the probe and the retransmission timeout still
 * fire at exactly their times. */
static void test_loss_timers_share_entry(void **state)
{
	struct net_timer *e;
	struct tcp_pcb *c;
	static uint8_t big[2 * MSS];
	uint8_t d[100] = { 0 };
	uint64_t first = 0, sent;
	uint32_t seq = D0;

	(void)state;
	c = open_sack();
	e = &c->timers[TCPT_NHEAP];
	for (int i = 0; i < 5; i++) {
		assert_int_equal(tcp_pcb_send(c, d, sizeof(d), now), sizeof(d));
		assert_int_equal(expect(TCP_ACK | TCP_PSH, seq, PEER_ISN + 1), sizeof(d));
		assert_true(tcp_timer_pending(c, TCPT_REXMT));
		assert_true(tcp_timer_pending(c, TCPT_PTO));
		if (i == 0)
			first = e->deadline;
		/* armed once, for the first answer: later ones leave the entry */
		assert_true(net_timer_pending(e));
		assert_int_equal(e->deadline, first);
		advance(RTT);
		seq += sizeof(d);
		sack_ack(c, seq, NULL, 0);
		expect_none();
		assert_false(tcp_timer_pending(c, TCPT_REXMT));
		assert_false(tcp_timer_pending(c, TCPT_PTO));
		assert_int_equal(tcp_timer_due(c, TCPT_REXMT), UINT64_MAX);
	}
	assert_true(first > now);
	/* idle: the entry's run finds nothing due, sends nothing and stays idle */
	advance(first - now);
	expect_none();
	assert_false(net_timer_pending(e));
	assert_int_equal(tcp_stats.rexmt_timeouts, 0);
	assert_int_equal(tcp_stats.snd_tlp_probes, 0);

	/* two segments, both lost: the probe (2 SRTT) is due before the RTO */
	sent = now;
	assert_int_equal(tcp_pcb_send(c, big, sizeof(big), now), sizeof(big));
	assert_int_equal(expect(TCP_ACK, seq, PEER_ISN + 1), MSS);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, seq + MSS, PEER_ISN + 1), MSS);
	assert_int_equal(tcp_timer_due(c, TCPT_PTO), sent + 2 * RTT);
	assert_int_equal(e->deadline, sent + 2 * RTT);
	advance(2 * RTT - 1);
	expect_none();
	advance(1);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, seq + MSS, PEER_ISN + 1), MSS);
	expect_none();
	assert_int_equal(tcp_stats.snd_tlp_probes, 1);
	/* the probe restarted the retransmission timer */
	sent = now;
	assert_int_equal(tcp_timer_due(c, TCPT_REXMT), sent + tcp_rto_current(c));
	advance(tcp_rto_current(c) - 1);
	expect_none();
	assert_int_equal(tcp_stats.rexmt_timeouts, 0);
	advance(1);
	assert_int_equal(expect(TCP_ACK, seq, PEER_ISN + 1), MSS);
	assert_int_equal(tcp_stats.rexmt_timeouts, 1);
	assert_true(net_timer_pending(e));
	/* the abort frees the connection (its entry with it: reading e now would be a use
	 * after free); its entry must be off the heap, so nothing runs past its due time */
	abort_conn(c);
	advance(100 * RTT);
	expect_none();
	assert_int_equal(tcp_stats.rexmt_timeouts, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rack_reorder_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rack_lost_retransmission, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tlp_repairs_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sentq_inline_then_heap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dsack_undo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frto_spurious_rto, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prr_rfc6937_example, setup, teardown),
		cmocka_unit_test_setup_teardown(test_records_freed_in_time_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quickack_at_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quickack_rides_on_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delack_timer_left_armed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loss_timers_share_entry, setup, teardown),
	};
	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
