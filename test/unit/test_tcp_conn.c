/* SPDX-License-Identifier: MIT */
/* TCP segment scripts: a TUN-like test device (no ARP), 192.0.2.2 is us, 192.0.2.1 the
 * peer. Each test feeds segments, asserts exactly what comes out, then that nothing more
 * does, and ends with every connection freed and no leak. */
#include "test/unit/tcp_script.h"

#define PCAP "test/data/linux-session.pcap"

/* RFC 9293 3.5 + 3.10.7.2: the SYN of the Linux capture gets a SYN,ACK that answers every
 * option: MSS from the route, window scale, SACK-permitted, TSecr = the peer's TSval. */
static void test_passive_open_capture_syn(void **state)
{
	uint8_t frame[256];
	long n = test_pcap_frame(PCAP, 15, frame, sizeof(frame));
	struct tcp_pcb *l, *c;
	struct tcp_hdr h;

	(void)state;
	tcp_config.timestamps = tcp_config.window_scaling = tcp_config.sack = 1;
	l = listener();
	assert_true(n > 14);
	inject_ip(frame + 14, (size_t)n - 14);
	assert_int_equal(pop(&h, NULL), 0);
	assert_int_equal(h.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(h.seq, ISN);
	assert_int_equal(h.ack, 3430278640u);
	assert_int_equal(h.sport, 8080);
	assert_int_equal(h.dport, 50230);
	assert_true(h.opt.has_mss);
	assert_int_equal(h.opt.mss, 1460);
	assert_true(h.opt.sack_permitted);
	assert_true(h.opt.has_ts);
	assert_int_equal(h.opt.tsecr, 3560604857u);
	assert_true(h.opt.has_wscale);
	expect_none();
	/* the SYN waits as a syncache entry: no control block yet */
	assert_int_equal(l->sc_count, 1);
	assert_int_equal(tcp_pcb_count(), 1);
	/* frame 17 is the peer's ACK of a SYN,ACK with Linux's ISN: not ours, so it is
	 * answered with a RST (RFC 9293 3.10.7.4, SYN_RECEIVED, unacceptable ACK) and the
	 * entry stays for the right ACK */
	n = test_pcap_frame(PCAP, 17, frame, sizeof(frame));
	inject_ip(frame + 14, (size_t)n - 14);
	assert_int_equal(pop(&h, NULL), 0);
	assert_int_equal(h.flags, TCP_RST);
	expect_none();
	assert_null(tcp_pcb_accept(l));
	assert_int_equal(tcp_sc_stats.syncache_bad_ack, 1);
	assert_int_equal(l->sc_count, 1);
	/* the right ACK (frame 17 acknowledging our ISN) makes the connection with the
	 * options the SYN negotiated */
	frame[14 + 20 + 8] = (uint8_t)((ISN + 1) >> 24);
	frame[14 + 20 + 9] = (uint8_t)((ISN + 1) >> 16);
	frame[14 + 20 + 10] = (uint8_t)((ISN + 1) >> 8);
	frame[14 + 20 + 11] = (uint8_t)(ISN + 1);
	frame[14 + 20 + 16] = frame[14 + 20 + 17] = 0;
	{
		struct ip_hdr ih;
		assert_int_equal(ip_parse(frame + 14, (size_t)n - 14, &ih), 0);
		h = (struct tcp_hdr){ 0 };
		/* recompute the TCP checksum over the edited segment */
		assert_int_equal(tcp_parse_csum(frame + 14 + 20, (size_t)n - 14 - 20, NA4(ih.src), NA4(ih.dst),
						0, &h), 0);
		h.ack = ISN + 1;
		tcp_emit(&h, frame + 14 + 20, (size_t)n - 14 - 20, (size_t)n - 14 - 20 - h.hlen,
			 NA4(ih.src), NA4(ih.dst));
	}
	inject_ip(frame + 14, (size_t)n - 14);
	expect_none();
	c = tcp_pcb_accept(l);
	assert_non_null(c);
	assert_int_equal(c->state, TCP_ESTABLISHED);
	assert_int_equal(c->mss, 1460 - 12);
	assert_int_equal(c->snd_wscale, 8);
	assert_true(c->flags & TF_SACK_OK);
	assert_int_equal(l->sc_count, 0);
	assert_int_equal(tcp_sc_stats.syncache_completed, 1);
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 1, 3430278640u);
	tcp_pcb_close(l, 0, now);
	test_assert_no_leaks();
}

/* RFC 9293 3.10.7.1: a SYN to a closed port gets <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK>,
 * byte for byte what Linux sent in the capture (frames 27 and 28). */
static void test_rst_closed_port_matches_linux(void **state)
{
	uint8_t syn[256], rst[256];
	long n = test_pcap_frame(PCAP, 27, syn, sizeof(syn));
	long m = test_pcap_frame(PCAP, 28, rst, sizeof(rst));
	struct pkb *p;

	(void)state;
	inject_ip(syn + 14, (size_t)n - 14);
	p = test_dev_pop(tun);
	assert_non_null(p);
	/* compare the TCP part (Linux's IP id differs) */
	assert_int_equal(p->len, (size_t)m - 14);
	assert_memory_equal(p->data + 20, rst + 14 + 20, (size_t)m - 14 - 20);
	pkb_free(p);
	expect_none();
	assert_int_equal(tcp_stats.rcv_no_conn, 1);
	assert_int_equal(tcp_stats.snd_rst, 1);
	test_assert_no_leaks();
}

/* RFC 9293 3.10.7.4 seventh/eighth, 3.6: data in with delayed ACK, data out, then the
 * passive close: FIN -> CLOSE_WAIT, close -> LAST_ACK, ACK -> CLOSED. */
static void test_passive_data_and_close(void **state)
{
	struct tcp_pcb *l, *c;
	uint8_t buf[64];
	size_t n;

	(void)state;
	l = listener();
	c = passive_open(l);
	SEG(TCP_ACK | TCP_PSH, PEER_ISN + 1, ISN + 1, 65535, "hello", 5);
	expect_none(); /* delayed */
	advance(tcp_config.delack_ms - 1);
	expect_none();
	advance(1);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 6);
	expect_none();
	assert_int_equal(tcp_pcb_recv(c, buf, sizeof(buf), now), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(tcp_pcb_recv(c, buf, sizeof(buf), now), -EAGAIN);

	assert_int_equal(tcp_pcb_send(c, "world!", 6, now), 6);
	n = pop(&(struct tcp_hdr){0}, buf);
	assert_int_equal(n, 6);
	assert_memory_equal(buf, "world!", 6);
	expect_none();
	SEG(TCP_ACK, PEER_ISN + 6, ISN + 7, 65535, NULL, 0);
	expect_none();
	assert_false(tcp_timer_pending(c, TCPT_REXMT));

	SEG(TCP_ACK | TCP_FIN, PEER_ISN + 6, ISN + 7, 65535, NULL, 0);
	expect(TCP_ACK, ISN + 7, PEER_ISN + 7);
	assert_int_equal(c->state, TCP_CLOSE_WAIT);
	assert_int_equal(tcp_pcb_recv(c, buf, sizeof(buf), now), 0);
	tcp_pcb_close(c, 0, now);
	expect(TCP_ACK | TCP_FIN, ISN + 7, PEER_ISN + 7);
	expect_none();
	SEG(TCP_ACK, PEER_ISN + 7, ISN + 8, 65535, NULL, 0);
	expect_none();
	assert_int_equal(tcp_stats.conn_closed, 1);
	tcp_pcb_close(l, 0, now);
	test_assert_no_leaks();
}

static struct tcp_pcb *active_open(void)
{
	struct tcp_pcb *c = tcp_pcb_alloc();

	assert_non_null(c);
	assert_int_equal(tcp_pcb_bind(c, NA4(IP_ADDR_ANY), PORT, 0), 0);
	assert_int_equal(tcp_pcb_connect(c, NA4(peer), PEER, now), 0);
	expect(TCP_SYN, ISN, 0);
	expect_none();
	assert_int_equal(c->state, TCP_SYN_SENT);
	SEG(TCP_SYN | TCP_ACK, PEER_ISN, ISN + 1, 65535, NULL, 0);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1);
	expect_none();
	assert_int_equal(c->state, TCP_ESTABLISHED);
	return c;
}

/* RFC 9293 3.5 (active side) and 3.6 active close through FIN_WAIT_1, FIN_WAIT_2,
 * TIME_WAIT (which re-ACKs a retransmitted FIN and restarts 2*MSL), then CLOSED. */
static void test_active_open_and_close(void **state)
{
	struct tcp_pcb *c;

	(void)state;
	c = active_open();
	tcp_pcb_close(c, 0, now);
	expect(TCP_ACK | TCP_FIN, ISN + 1, PEER_ISN + 1);
	assert_int_equal(c->state, TCP_FIN_WAIT_1);
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 2, 65535, NULL, 0);
	assert_int_equal(c->state, TCP_FIN_WAIT_2);
	expect_none();
	SEG(TCP_ACK | TCP_FIN, PEER_ISN + 1, ISN + 2, 65535, NULL, 0);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	/* the orphan's control block is gone: TIME_WAIT is a record */
	assert_int_equal(tcp_pcb_count(), 0);
	assert_non_null(tw_at(PORT));
	advance(2ull * tcp_config.msl_ms - 1000);
	SEG(TCP_ACK | TCP_FIN, PEER_ISN + 1, ISN + 2, 65535, NULL, 0);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	expect_none();
	advance(2000); /* the timer was restarted: still there */
	assert_int_equal(tcp_tw_count(), 1);
	advance(2ull * tcp_config.msl_ms);
	assert_int_equal(tcp_tw_count(), 0);
	assert_int_equal(tcp_tw_stats.tw_expired, 1);
	expect_none();
	test_assert_no_leaks();
}

/* RFC 6298 2.1, 5.5, 5.6: the SYN is retransmitted at 1 s, 2 s, 4 s ... and the attempt
 * fails with ETIMEDOUT after syn_rexmits. */
static void test_syn_retransmit_backoff_give_up(void **state)
{
	struct tcp_pcb *c = tcp_pcb_alloc();
	uint64_t rto = 1000;

	(void)state;
	tcp_config.syn_rexmits = 3;
	assert_int_equal(tcp_pcb_connect(c, NA4(peer), PEER, now), 0);
	expect(TCP_SYN, ISN, 0);
	for (int i = 0; i < 3; i++) {
		advance(rto - 1);
		expect_none();
		advance(1);
		expect(TCP_SYN, ISN, 0);
		expect_none();
		rto *= 2;
	}
	c->upcall = NULL;
	advance(rto);
	expect_none(); /* no RST in SYN_SENT */
	assert_int_equal(tcp_stats.conn_timeouts, 1);
	assert_int_equal(tcp_pcb_count(), 0);
	test_assert_no_leaks();
}

/* RFC 6298 5.4-5.7: data is retransmitted after the RTO with backoff; the ACK stops it. */
static void test_data_retransmit(void **state)
{
	struct tcp_pcb *c;
	uint32_t rto;

	(void)state;
	c = active_open();
	rto = tcp_rto_current(c);
	assert_int_equal(tcp_pcb_send(c, "abc", 3, now), 3);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, ISN + 1, PEER_ISN + 1), 3);
	advance(rto);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, ISN + 1, PEER_ISN + 1), 3);
	advance(2 * rto - 1);
	expect_none();
	advance(1);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, ISN + 1, PEER_ISN + 1), 3);
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 4, 65535, NULL, 0);
	expect_none();
	assert_false(tcp_timer_pending(c, TCPT_REXMT));
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 4, PEER_ISN + 1);
	test_assert_no_leaks();
}

/* RFC 5961 3.2 and 4.2: an in-window RST that is not exact, and a SYN in ESTABLISHED, get a
 * challenge ACK; the exact RST resets. */
static void test_rfc5961_challenge(void **state)
{
	struct tcp_pcb *c;

	(void)state;
	c = active_open();
	SEG(TCP_RST, PEER_ISN + 100, 0, 0, NULL, 0);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1);
	SEG(TCP_SYN, PEER_ISN + 50, 0, 65535, NULL, 0);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1);
	SEG(TCP_RST, PEER_ISN + 100000, 0, 0, NULL, 0); /* outside the window: silently dropped */
	expect_none();
	assert_int_equal(tcp_stats.rcv_rst_challenged, 1);
	assert_int_equal(tcp_stats.rcv_syn_challenged, 1);
	assert_int_equal(tcp_stats.rcv_rst_out_of_window, 1);
	c->upcall = NULL;
	SEG(TCP_RST, PEER_ISN + 1, 0, 0, NULL, 0);
	expect_none();
	assert_int_equal(tcp_pcb_count(), 0);
	test_assert_no_leaks();
}

/* RFC 9293 3.10.7.4 seventh, RFC 5681 4.2: out-of-order segments are ACKed at once and
 * held; overlaps are trimmed; the gap fill delivers everything and is ACKed at once. */
static void test_out_of_order_and_overlap(void **state)
{
	struct tcp_pcb *c;
	uint8_t buf[64];

	(void)state;
	c = active_open();
	SEG(TCP_ACK, PEER_ISN + 1 + 4, ISN + 1, 65535, "efgh", 4);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1);
	SEG(TCP_ACK, PEER_ISN + 1 + 6, ISN + 1, 65535, "ghijk", 5); /* overlaps "gh" */
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1);
	SEG(TCP_ACK, PEER_ISN + 1 + 3, ISN + 1, 65535, "defghijkl", 9); /* covers both */
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1);
	assert_int_equal(c->ooo_count, 1);
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, "abcd", 4); /* fills the gap, overlaps 'd' */
	expect(TCP_ACK, ISN + 1, PEER_ISN + 13);
	expect_none();
	assert_int_equal(tcp_pcb_recv(c, buf, sizeof(buf), now), 12);
	assert_memory_equal(buf, "abcdefghijkl", 12);
	tcp_pcb_close(c, 0, now);
	expect(TCP_ACK | TCP_FIN, ISN + 1, PEER_ISN + 13);
	c->flags &= ~TF_ORPHAN;
	tcp_pcb_drop(c, 0);
	test_assert_no_leaks();
}

/* RFC 5681 4.2, RFC 9293 3.10.7.4 eighth: a FIN without data after a hole is out of order
 * like data: ACKed at once (a duplicate ACK, so the sender learns of the hole) and held
 * with the queued data it follows; a repeat adds nothing. When the hole fills, the FIN is
 * processed with the data: CLOSE_WAIT, and the ACK covers it. */
static void test_out_of_order_fin(void **state)
{
	struct tcp_pcb *c;
	uint8_t buf[64];

	(void)state;
	c = active_open();
	SEG(TCP_ACK, PEER_ISN + 1 + 4, ISN + 1, 65535, "efgh", 4);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1);
	SEG(TCP_ACK | TCP_FIN, PEER_ISN + 1 + 8, ISN + 1, 65535, NULL, 0);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1);
	expect_none();
	SEG(TCP_ACK | TCP_FIN, PEER_ISN + 1 + 8, ISN + 1, 65535, NULL, 0); /* sent again */
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1);
	expect_none();
	assert_int_equal(c->ooo_count, 1); /* the FIN rides on the queued "efgh" */
	assert_int_equal(c->state, TCP_ESTABLISHED);
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, "abcd", 4);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 10);
	expect_none();
	assert_int_equal(c->state, TCP_CLOSE_WAIT);
	assert_int_equal(c->ooo_count, 0);
	assert_int_equal(tcp_pcb_recv(c, buf, sizeof(buf), now), 8);
	assert_memory_equal(buf, "abcdefgh", 8);
	assert_int_equal(tcp_pcb_recv(c, buf, sizeof(buf), now), 0); /* end of stream */
	tcp_pcb_close(c, 0, now);
	expect(TCP_ACK | TCP_FIN, ISN + 1, PEER_ISN + 10);
	SEG(TCP_ACK, PEER_ISN + 10, ISN + 2, 65535, NULL, 0);
	expect_none();
	assert_int_equal(tcp_stats.conn_closed, 1);
	test_assert_no_leaks();
}

/* The same with nothing queued before the FIN: it waits alone (an empty queue entry), the
 * data before it may come in any order, and a FIN that claims to end inside data already
 * held is dropped (still ACKed) without disturbing the queue. */
static void test_out_of_order_fin_alone(void **state)
{
	struct tcp_pcb *c;
	uint8_t buf[64];

	(void)state;
	c = active_open();
	SEG(TCP_ACK | TCP_FIN, PEER_ISN + 1 + 8, ISN + 1, 65535, NULL, 0);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1);
	expect_none();
	assert_int_equal(c->ooo_count, 1);
	SEG(TCP_ACK, PEER_ISN + 1 + 4, ISN + 1, 65535, "efgh", 4);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1);
	SEG(TCP_ACK | TCP_FIN, PEER_ISN + 1 + 6, ISN + 1, 65535, NULL, 0); /* inside "efgh" */
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1);
	expect_none();
	assert_int_equal(tcp_stats.rcv_fin_inside_data, 1);
	assert_int_equal(c->ooo_count, 2);
	assert_int_equal(c->state, TCP_ESTABLISHED);
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, "abcd", 4);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 10);
	expect_none();
	assert_int_equal(c->state, TCP_CLOSE_WAIT);
	assert_int_equal(c->ooo_count, 0);
	assert_int_equal(tcp_pcb_recv(c, buf, sizeof(buf), now), 8);
	assert_memory_equal(buf, "abcdefgh", 8);
	assert_int_equal(tcp_pcb_recv(c, buf, sizeof(buf), now), 0);
	tcp_pcb_close(c, 0, now);
	expect(TCP_ACK | TCP_FIN, ISN + 1, PEER_ISN + 10);
	SEG(TCP_ACK, PEER_ISN + 10, ISN + 2, 65535, NULL, 0);
	expect_none();
	test_assert_no_leaks();
}

/* RFC 9293 3.4 / 3.3.1: everything works across the 2^32 wrap (ISN just below it). */
static void test_sequence_wrap(void **state)
{
	struct tcp_pcb *c = tcp_pcb_alloc();
	uint32_t isn = 0xfffffffeu, pisn = 0xfffffff0u;
	uint8_t data[40], buf[64];

	(void)state;
	tcp_test_set_isn(1, isn);
	assert_int_equal(tcp_pcb_connect(c, NA4(peer), PEER, now), 0);
	expect(TCP_SYN, isn, 0);
	inject(PEER, c->local_port, TCP_SYN | TCP_ACK, pisn, isn + 1, 65535, NULL, NULL, 0);
	expect(TCP_ACK, isn + 1, pisn + 1);
	memset(data, 'x', sizeof(data));
	assert_int_equal(tcp_pcb_send(c, data, sizeof(data), now), 40);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, 0xffffffffu, pisn + 1), 40);
	inject(PEER, c->local_port, TCP_ACK, pisn + 1, isn + 41, 65535, NULL, data, 30);
	expect_none(); /* ACK delayed */
	assert_int_equal(c->snd_una, 39u);
	assert_int_equal(c->rcv_nxt, 0x0000000fu);
	assert_int_equal(tcp_pcb_recv(c, buf, sizeof(buf), now), 30);
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, 39, 15);
	test_assert_no_leaks();
}

/* RFC 5681 3.2 + RFC 6582 3.2: three duplicate ACKs retransmit the first segment; a
 * partial ACK retransmits the next hole at once; the full ACK ends recovery. */
static void test_fast_retransmit_newreno(void **state)
{
	struct tcp_pcb *c;
	uint8_t data[4 * 1460];
	uint32_t mss, s0 = ISN + 1;

	(void)state;
	c = active_open();
	mss = c->mss;
	assert_int_equal(mss, 536); /* no MSS option in the SYN,ACK: RFC 9293 3.7.1 default */
	memset(data, 'd', sizeof(data));
	assert_int_equal(tcp_pcb_send(c, data, 4 * mss, now), 4 * mss);
	for (int i = 0; i < 4; i++)
		assert_int_equal(expect(i == 3 ? TCP_ACK | TCP_PSH : TCP_ACK, s0 + i * mss, PEER_ISN + 1), mss);
	expect_none();
	for (int i = 0; i < 2; i++) {
		SEG(TCP_ACK, PEER_ISN + 1, s0, 65535, NULL, 0);
		expect_none();
	}
	SEG(TCP_ACK, PEER_ISN + 1, s0, 65535, NULL, 0);
	assert_int_equal(expect(TCP_ACK, s0, PEER_ISN + 1), mss);
	expect_none();
	assert_true(c->flags & TF_INRECOVERY);
	/* partial ACK: segment 2 also lost */
	SEG(TCP_ACK, PEER_ISN + 1, s0 + mss, 65535, NULL, 0);
	assert_int_equal(expect(TCP_ACK, s0 + mss, PEER_ISN + 1), mss);
	expect_none();
	assert_true(c->flags & TF_INRECOVERY);
	SEG(TCP_ACK, PEER_ISN + 1, s0 + 4 * mss, 65535, NULL, 0);
	assert_false(c->flags & TF_INRECOVERY);
	assert_int_equal(tcp_stats.snd_fast_rexmt, 1);
	expect_none();
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, s0 + 4 * mss, PEER_ISN + 1);
	test_assert_no_leaks();
}

/* RFC 9293 3.8.6.1: a zero window starts the persist timer, which probes with one byte. */
static void test_zero_window_probe(void **state)
{
	struct tcp_pcb *c;

	(void)state;
	c = active_open();
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 0, NULL, 0);
	assert_int_equal(c->snd_wnd, 0);
	assert_int_equal(tcp_pcb_send(c, "xyz", 3, now), 3);
	expect_none();
	assert_true(net_timer_pending(&c->timers[TCPT_PERSIST]));
	advance(tcp_config.rto_initial_ms);
	assert_int_equal(expect(TCP_ACK, ISN + 1, PEER_ISN + 1), 1);
	expect_none();
	/* the peer still has no room: the probe is not acknowledged */
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 0, NULL, 0);
	expect_none();
	/* the window opens: everything goes */
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 1000, NULL, 0);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, ISN + 1, PEER_ISN + 1), 3);
	assert_false(net_timer_pending(&c->timers[TCPT_PERSIST]));
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 4, PEER_ISN + 1);
	test_assert_no_leaks();
}

/* RFC 9293 3.10.7.4 first: a peer with a shut window takes a segment without data only at
 * its RCV.NXT. While we probe that window, our ACK (of the peer's FIN here) and our RST
 * carry snd_una, where the ACK that shut it stood, not snd_max one past it (the probe's
 * byte), or the peer drops them (Linux did, and sent its FIN again and again). */
static void test_zero_window_ack_at_edge(void **state)
{
	struct tcp_pcb *c;

	(void)state;
	c = active_open();
	/* the data in flight fills the window: its ACK shuts it */
	assert_int_equal(tcp_pcb_send(c, "abc", 3, now), 3);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, ISN + 1, PEER_ISN + 1), 3);
	assert_int_equal(tcp_pcb_send(c, "xyz", 3, now), 3);
	expect_none(); /* Nagle */
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 4, 0, NULL, 0);
	expect_none();
	for (int i = 0; i < 3; i++) {
		advance(2000);
		while (test_dev_pending(tun))
			assert_int_equal(expect(TCP_ACK, ISN + 4, PEER_ISN + 1), 1); /* probes */
		SEG(TCP_ACK, PEER_ISN + 1, ISN + 4, 0, NULL, 0); /* still shut */
		expect_none();
	}
	assert_int_equal(c->snd_max, ISN + 5);
	SEG(TCP_ACK | TCP_FIN, PEER_ISN + 1, ISN + 4, 0, NULL, 0);
	expect(TCP_ACK, ISN + 4, PEER_ISN + 2);
	expect_none();
	assert_int_equal(c->state, TCP_CLOSE_WAIT);
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 4, PEER_ISN + 2);
	expect_none();
	test_assert_no_leaks();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_passive_open_capture_syn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rst_closed_port_matches_linux, setup, teardown),
		cmocka_unit_test_setup_teardown(test_passive_data_and_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_active_open_and_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syn_retransmit_backoff_give_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_retransmit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rfc5961_challenge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order_and_overlap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order_fin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order_fin_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sequence_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fast_retransmit_newreno, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_window_probe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_window_ack_at_edge, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
