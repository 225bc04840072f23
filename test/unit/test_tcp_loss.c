/* SPDX-License-Identifier: MIT */
/* TCP segment scripts for loss recovery and what feeds it: the MSS our SYN announces, RTT
 * samples from echoed timestamps, SACK-based recovery (RFC 6675), limited transmit
 * (RFC 3042) and early retransmit (RFC 5827). Each names its RFC section and ends with
 * every connection freed and no leak (teardown). */
#include "test/unit/tcp_script.h"

#define MSS 1460u /* the test device's MTU 1500 less 40 */
#define D0 (ISN + 1) /* our first data byte */

static struct tcp_opts opts_mss(void)
{
	struct tcp_opts o;

	memset(&o, 0, sizeof(o));
	o.has_mss = 1;
	o.mss = MSS;
	return o;
}

/* Opens actively; the peer's SYN,ACK carries `o` (and SACK-permitted if sack). */
static struct tcp_pcb *open_with(struct tcp_opts *o)
{
	struct tcp_pcb *c = tcp_pcb_alloc();
	struct tcp_hdr h;

	assert_non_null(c);
	assert_int_equal(tcp_pcb_connect(c, NA4(peer), PEER, now), 0);
	pop(&h, NULL);
	assert_int_equal(h.flags, TCP_SYN);
	expect_none();
	inject(PEER, c->local_port, TCP_SYN | TCP_ACK, PEER_ISN, ISN + 1, 65535, o, NULL, 0);
	pop(&h, NULL);
	assert_int_equal(h.flags, TCP_ACK);
	expect_none();
	assert_int_equal(c->state, TCP_ESTABLISHED);
	return c;
}

static void plain_ack(struct tcp_pcb *c, uint32_t ack)
{
	inject(PEER, c->local_port, TCP_ACK, PEER_ISN + 1, ack, 65535, NULL, NULL, 0);
}

/* Sends n full segments' worth and checks they all leave at once. */
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

	tcp_pcb_close(c, 1, now); /* frees c */
	expect(TCP_RST | TCP_ACK, seq, PEER_ISN + 1);
	expect_none();
}

/* RFC 9293 3.7.1 / RFC 6691: an active open announces the route MTU less 40 in its SYN
 * and in every retransmitted SYN (it once sent "mss 0", and the peer's 1460 then came out
 * as 524 on the other side); the peer's MSS (less 12 with timestamps, RFC 7323 3) sets
 * ours. */
static void test_syn_announces_mss(void **state)
{
	struct tcp_pcb *c = tcp_pcb_alloc();
	struct tcp_opts o = opts_mss();
	struct tcp_hdr h;

	(void)state;
	tcp_config.timestamps = 1;
	assert_int_equal(tcp_pcb_connect(c, NA4(peer), PEER, now), 0);
	pop(&h, NULL);
	assert_int_equal(h.flags, TCP_SYN);
	assert_true(h.opt.has_mss);
	assert_int_equal(h.opt.mss, MSS);
	advance(tcp_config.rto_initial_ms);
	pop(&h, NULL);
	assert_int_equal(h.flags, TCP_SYN);
	assert_true(h.opt.has_mss);
	assert_int_equal(h.opt.mss, MSS);
	expect_none();
	o.has_ts = 1;
	o.tsval = 7;
	o.tsecr = h.opt.tsval;
	inject(PEER, c->local_port, TCP_SYN | TCP_ACK, PEER_ISN, ISN + 1, 65535, &o, NULL, 0);
	pop(&h, NULL);
	assert_int_equal(h.flags, TCP_ACK);
	assert_int_equal(c->mss, MSS - 12);
	abort_conn(c);
}

/* RFC 7323 4.3 / RFC 6298 2: an echoed timestamp from our future (a negative sample) or
 * older than any honest round trip is not an RTT sample; srtt keeps its value. */
static void test_rtt_bogus_tsecr_rejected(void **state)
{
	struct tcp_opts o = opts_mss();
	struct tcp_pcb *c;
	int32_t srtt;
	uint32_t ts;

	(void)state;
	tcp_config.timestamps = 1;
	o.has_ts = 1;
	o.tsval = 7;
	o.tsecr = 0;
	c = open_with(&o);
	srtt = c->srtt;
	assert_true(srtt >= 0);
	assert_int_equal(tcp_pcb_send(c, "a", 1, now), 1);
	expect(TCP_ACK | TCP_PSH, D0, PEER_ISN + 1);
	advance(5);
	ts = tcp_ts_now(c, now);
	/* from the future: ts_now - tsecr is "negative" */
	o.tsval = 8;
	o.tsecr = ts + 100000;
	inject(PEER, c->local_port, TCP_ACK, PEER_ISN + 1, D0 + 1, 65535, &o, NULL, 0);
	assert_int_equal(tcp_stats.rcv_rtt_bogus, 1);
	assert_int_equal(c->srtt, srtt);
	/* far in the past: longer than rto_max_ms */
	assert_int_equal(tcp_pcb_send(c, "b", 1, now), 1);
	expect(TCP_ACK | TCP_PSH, D0 + 1, PEER_ISN + 1);
	o.tsval = 9;
	o.tsecr = ts - tcp_config.rto_max_ms - 1000;
	inject(PEER, c->local_port, TCP_ACK, PEER_ISN + 1, D0 + 2, 65535, &o, NULL, 0);
	assert_int_equal(tcp_stats.rcv_rtt_bogus, 2);
	assert_int_equal(c->srtt, srtt);
	/* an honest echo is taken */
	assert_int_equal(tcp_pcb_send(c, "c", 1, now), 1);
	expect(TCP_ACK | TCP_PSH, D0 + 2, PEER_ISN + 1);
	advance(3);
	o.tsval = 10;
	o.tsecr = ts;
	inject(PEER, c->local_port, TCP_ACK, PEER_ISN + 1, D0 + 3, 65535, &o, NULL, 0);
	assert_int_equal(tcp_stats.rcv_rtt_bogus, 2);
	assert_int_equal(c->srtt >> 3, 3);
	expect_none();
	abort_conn(c);
}

/* RFC 6675 as written (tcp_config.rack off): two holes in one window. IsLost(HighACK + 1)
 * holds once three segments above the first hole are SACKed, which starts recovery with
 * that hole resent at once; the second hole is resent only when three segments above it
 * are SACKed too (before, the sender took every hole below the highest SACK as lost, a
 * FACK-style choice); with nothing else to send the last unSACKed segment goes once (the
 * rescue, rule (4)). PRR (RFC 6937) sizes cwnd on each ACK; a partial ACK keeps recovery,
 * the full ACK ends it at cwnd = ssthresh, and no timeout fires. */
static void test_sack_two_holes(void **state)
{
	struct tcp_opts o = opts_mss();
	struct tcp_pcb *c;
	uint32_t s[11];

	(void)state;
	tcp_config.sack = 1;
	tcp_config.cc_name = "newreno"; /* the window arithmetic below: ssthresh = flight / 2 */
	tcp_config.rack = 0;
	o.sack_permitted = 1;
	c = open_with(&o);
	assert_true(c->flags & TF_SACK_OK);
	assert_int_equal(c->mss, MSS);
	for (int i = 0; i <= 10; i++)
		s[i] = D0 + (uint32_t)i * MSS;
	send_segs(c, 10); /* the initial window, RFC 6928 */
	/* segments 1 and 3 are lost: segment 0's ACK SACKs 2, a duplicate SACKs 4 */
	sack_ack(c, s[1], (uint32_t[]){ s[2], s[3] }, 1);
	sack_ack(c, s[1], (uint32_t[]){ s[4], s[5], s[2], s[3] }, 2);
	expect_none();
	assert_int_equal(c->dupacks, 1);
	/* the second duplicate makes three segments SACKed above snd_una: RFC 6675 4
	 * IsLost(HighACK + 1) holds before the third duplicate */
	sack_ack(c, s[1], (uint32_t[]){ s[4], s[6], s[2], s[3] }, 2);
	assert_int_equal(expect(TCP_ACK, s[1], PEER_ISN + 1), MSS);
	expect_none();
	assert_true(c->flags & TF_INRECOVERY);
	assert_int_equal(c->ssthresh, 9 * MSS / 2);
	/* PRR: pipe (5 segments) above ssthresh, so sndcnt is ssthresh/RecoverFS of what
	 * was delivered (one segment), rounded up to one segment: the retransmission */
	assert_int_equal(c->cwnd, 6 * MSS);
	/* three segments SACKed above the second hole: IsLost, and PRR's slow-start bound
	 * (pipe 4 segments, below ssthresh) lets it go */
	sack_ack(c, s[1], (uint32_t[]){ s[4], s[7], s[2], s[3] }, 2);
	assert_int_equal(expect(TCP_ACK, s[3], PEER_ISN + 1), MSS);
	expect_none();
	/* no new data and no other unSACKed segment below the highest SACK (NextSeg (3)):
	 * rule (4), once per recovery, resends the highest unSACKed segment (the rescue
	 * retransmission, so a lost tail draws an ACK before the timer) */
	sack_ack(c, s[1], (uint32_t[]){ s[4], s[8], s[2], s[3] }, 2);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, s[9], PEER_ISN + 1), MSS);
	expect_none();
	/* partial ACK: the first hole arrived */
	sack_ack(c, s[3], (uint32_t[]){ s[4], s[8] }, 1);
	expect_none();
	assert_true(c->flags & TF_INRECOVERY);
	plain_ack(c, s[10]);
	expect_none();
	assert_false(c->flags & TF_INRECOVERY);
	assert_int_equal(c->cwnd, c->ssthresh);
	assert_int_equal(c->sacked_out, 0);
	assert_int_equal(tcp_stats.snd_fast_rexmt, 1);
	assert_int_equal(tcp_stats.snd_rexmt_segs, 3);
	assert_int_equal(tcp_stats.rfc6675_lost_segs, 2);
	assert_int_equal(tcp_stats.rack_lost_segs, 0);
	assert_int_equal(tcp_stats.rexmt_timeouts, 0);
	abort_conn(c);
}

/* RFC 2018 / RFC 2883: a block below the cumulative ACK is a D-SACK (counted as one), a
 * block beyond what was sent is ignored and counted; neither SACKs anything or starts
 * recovery. */
static void test_sack_bogus_blocks_ignored(void **state)
{
	struct tcp_opts o = opts_mss();
	struct tcp_pcb *c;

	(void)state;
	tcp_config.sack = 1;
	o.sack_permitted = 1;
	c = open_with(&o);
	send_segs(c, 4);
	sack_ack(c, D0 + MSS, (uint32_t[]){ D0, D0 + MSS }, 1);              /* D-SACK */
	sack_ack(c, D0 + MSS, (uint32_t[]){ D0 + 3 * MSS, D0 + 9 * MSS }, 1); /* past snd_max */
	assert_int_equal(tcp_stats.rcv_dsack, 1);
	assert_int_equal(tcp_stats.rcv_sack_ignored, 1);
	assert_int_equal(c->sacked_out, 0);
	assert_false(c->flags & TF_INRECOVERY);
	expect_none();
	plain_ack(c, D0 + 4 * MSS);
	abort_conn(c);
}

/* RFC 6675 5.1 / RFC 2018 8: after a timeout every segment not SACKed is taken as lost
 * and resent, what the receiver SACKed is not. (RACK off: with RACK, the fake clock's zero
 * round trip would call segment 0 lost at the first SACK, before any timeout.) */
static void test_rto_skips_sacked(void **state)
{
	struct tcp_opts o = opts_mss();
	struct tcp_pcb *c;

	(void)state;
	tcp_config.sack = 1;
	tcp_config.rack = 0;
	o.sack_permitted = 1;
	c = open_with(&o);
	send_segs(c, 4);
	/* segments 0 and 2 lost, 1 and 3 SACKed: too little for recovery */
	sack_ack(c, D0, (uint32_t[]){ D0 + MSS, D0 + 2 * MSS }, 1);
	sack_ack(c, D0, (uint32_t[]){ D0 + 3 * MSS, D0 + 4 * MSS, D0 + MSS, D0 + 2 * MSS }, 2);
	expect_none();
	advance(tcp_config.rto_initial_ms);
	assert_int_equal(expect(TCP_ACK, D0, PEER_ISN + 1), MSS); /* cwnd = 1 MSS */
	expect_none();
	plain_ack(c, D0 + MSS);
	/* cwnd 2: segment 1 is SACKed, so segment 2 goes, and nothing after it */
	assert_int_equal(expect(TCP_ACK, D0 + 2 * MSS, PEER_ISN + 1), MSS);
	expect_none();
	plain_ack(c, D0 + 4 * MSS);
	expect_none();
	assert_int_equal(tcp_stats.rexmt_timeouts, 1);
	abort_conn(c);
}

/* RFC 3042: with a window of two segments, the first and second duplicate ACKs each send
 * one new segment, so the third duplicate arrives and fast retransmit (RFC 5681 3.2)
 * repairs the loss without a timeout. */
static void test_limited_transmit(void **state)
{
	struct tcp_opts o = opts_mss();
	struct tcp_pcb *c;
	static uint8_t buf[4 * MSS];

	(void)state;
	tcp_config.initial_window_segs = 2;
	c = open_with(&o);
	assert_int_equal(tcp_pcb_send(c, buf, sizeof(buf), now), (ssize_t)sizeof(buf));
	expect(TCP_ACK, D0, PEER_ISN + 1);
	expect(TCP_ACK, D0 + MSS, PEER_ISN + 1);
	expect_none();
	plain_ack(c, D0); /* segment 0 lost */
	expect(TCP_ACK, D0 + 2 * MSS, PEER_ISN + 1);
	expect_none();
	plain_ack(c, D0);
	expect(TCP_ACK | TCP_PSH, D0 + 3 * MSS, PEER_ISN + 1);
	expect_none();
	assert_int_equal(c->cwnd, 2 * MSS); /* limited transmit leaves cwnd alone */
	plain_ack(c, D0);
	assert_int_equal(expect(TCP_ACK, D0, PEER_ISN + 1), MSS);
	expect_none();
	plain_ack(c, D0 + 4 * MSS);
	expect_none();
	assert_int_equal(tcp_stats.snd_fast_rexmt, 1);
	assert_int_equal(tcp_stats.rexmt_timeouts, 0);
	abort_conn(c);
}

/* RFC 5827 2.1: two segments in flight and nothing more to send: one duplicate ACK
 * (oseg - 1) is enough for the retransmission. */
static void test_early_retransmit(void **state)
{
	struct tcp_opts o = opts_mss();
	struct tcp_pcb *c;
	static uint8_t buf[2 * MSS];

	(void)state;
	c = open_with(&o);
	assert_int_equal(tcp_pcb_send(c, buf, sizeof(buf), now), (ssize_t)sizeof(buf));
	expect(TCP_ACK, D0, PEER_ISN + 1);
	expect(TCP_ACK | TCP_PSH, D0 + MSS, PEER_ISN + 1);
	expect_none();
	plain_ack(c, D0);
	assert_int_equal(expect(TCP_ACK, D0, PEER_ISN + 1), MSS);
	expect_none();
	plain_ack(c, D0 + 2 * MSS);
	assert_int_equal(tcp_stats.snd_fast_rexmt, 1);
	assert_int_equal(tcp_stats.rexmt_timeouts, 0);
	abort_conn(c);
}

/* RFC 6298 5.5 with RFC 7323 4: the backed-off RTO stays only until a valid RTT sample,
 * and the echo of a retransmission's own timestamp is one (Linux resets icsk_backoff on
 * it). The mark of the last retransmission's TSval was that TSval with its low bit set,
 * so the echo of an even TSval was taken as older than the retransmission: no sample, and
 * at 20% loss each way the backoff then grew across loss episodes until a 512 KB download
 * sat in one timeout for over a minute (t_tcp_lossy). Both parities are covered. */
static void test_rto_backoff_reset_by_ts_echo(void **state)
{
	struct tcp_opts o = opts_mss();
	struct tcp_pcb *c;
	unsigned parity_seen = 0;
	uint32_t seq = D0;
	struct tcp_hdr h;

	(void)state;
	tcp_config.timestamps = 1;
	o.has_ts = 1;
	o.tsval = 7;
	o.tsecr = 0;
	c = open_with(&o);
	for (int i = 0; i < 4; i++, seq++) {
		assert_int_equal(tcp_pcb_send(c, "x", 1, now), 1);
		expect(TCP_ACK | TCP_PSH, seq, PEER_ISN + 1);
		/* two timeouts: the timer doubles twice */
		advance(tcp_rto_current(c));
		expect(TCP_ACK | TCP_PSH, seq, PEER_ISN + 1);
		advance(tcp_rto_current(c));
		pop(&h, NULL);
		assert_int_equal(h.seq, seq);
		assert_int_equal(c->rxtshift, 2);
		parity_seen |= 1u << (h.opt.tsval & 1);
		advance(1);
		o.tsval++;
		o.tsecr = h.opt.tsval; /* the peer echoes the retransmission */
		inject(PEER, c->local_port, TCP_ACK, PEER_ISN + 1, seq + 1, 65535, &o, NULL, 0);
		assert_int_equal(c->rxtshift, 0);
		assert_int_equal(tcp_rto_current(c), c->rto);
		expect_none();
		advance(3); /* the next round's TSval moves on by an odd step */
	}
	assert_int_equal(parity_seen, 3);
	abort_conn(c);
}

/* With timestamps, an ACK of new data that echoes a TSval older than the last
 * retransmission gives no RTT sample (it would time the RTO wait too) but still ends the
 * backoff: the path delivers again (as Linux and the BSDs, which take any echo). Without
 * it the backoff grew across a lossy transfer's timeouts while data moved. */
static void test_rto_backoff_reset_by_old_echo(void **state)
{
	struct tcp_opts o = opts_mss();
	struct tcp_pcb *c;
	struct tcp_hdr h;
	uint32_t first_tsval;
	int32_t srtt;

	(void)state;
	tcp_config.timestamps = 1;
	o.has_ts = 1;
	o.tsval = 7;
	o.tsecr = 0;
	c = open_with(&o);
	assert_int_equal(tcp_pcb_send(c, "ab", 2, now), 2);
	pop(&h, NULL);
	assert_int_equal(h.seq, D0);
	first_tsval = h.opt.tsval;
	advance(tcp_rto_current(c));
	expect(TCP_ACK | TCP_PSH, D0, PEER_ISN + 1);
	advance(tcp_rto_current(c));
	expect(TCP_ACK | TCP_PSH, D0, PEER_ISN + 1);
	assert_int_equal(c->rxtshift, 2);
	srtt = c->srtt;
	/* the peer acknowledges the first byte, echoing the original send's TSval */
	advance(1);
	o.tsval++;
	o.tsecr = first_tsval;
	inject(PEER, c->local_port, TCP_ACK, PEER_ISN + 1, D0 + 1, 65535, &o, NULL, 0);
	assert_int_equal(c->rxtshift, 0);
	assert_int_equal(c->srtt, srtt); /* no sample taken from it */
	assert_int_equal(tcp_rto_current(c), c->rto);
	abort_conn(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_syn_announces_mss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rtt_bogus_tsecr_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sack_two_holes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sack_bogus_blocks_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rto_skips_sacked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limited_transmit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_early_retransmit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rto_backoff_reset_by_ts_echo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rto_backoff_reset_by_old_echo, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
