/* SPDX-License-Identifier: MIT */
/* TCP segment scripts for the less travelled paths of the state machine: simultaneous open
 * and close, full queues, keepalive, FIN_WAIT_2 timeout, aborts, ICMP errors, PAWS, window
 * scale and Nagle. Each names its RFC section and ends with every connection freed and no
 * leak (teardown). */
#include "test/unit/tcp_script.h"

static void record_upcall(struct tcp_pcb *pcb) { (void)pcb; }

static struct tcp_pcb *active_syn(void)
{
	struct tcp_pcb *c = tcp_pcb_alloc();

	assert_non_null(c);
	assert_int_equal(tcp_pcb_connect(c, NA4(peer), PEER, now), 0);
	expect(TCP_SYN, ISN, 0);
	expect_none();
	return c;
}

/* RFC 9293 3.5 figure 7: both sides send SYN; each answers with SYN,ACK; the peer's SYN,ACK
 * completes the handshake without a further segment. */
static void test_simultaneous_open(void **state)
{
	struct tcp_pcb *c;

	(void)state;
	c = active_syn();
	inject(PEER, c->local_port, TCP_SYN, PEER_ISN, 0, 65535, NULL, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	expect_none();
	assert_int_equal(c->state, TCP_SYN_RECEIVED);
	inject(PEER, c->local_port, TCP_SYN | TCP_ACK, PEER_ISN, ISN + 1, 65535, NULL, NULL, 0);
	assert_int_equal(c->state, TCP_ESTABLISHED);
	expect_none();
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 1, PEER_ISN + 1);
	expect_none();
}

/* RFC 9293 3.6 figure 13: both FINs cross; CLOSING, then TIME_WAIT for 2 MSL. */
static void test_simultaneous_close(void **state)
{
	struct tcp_pcb *l = listener(), *c = passive_open(l);

	(void)state;
	assert_int_equal(tcp_pcb_shutdown_send(c, now), 0);
	expect(TCP_FIN | TCP_ACK, ISN + 1, PEER_ISN + 1);
	SEG(TCP_FIN | TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, 0);
	assert_int_equal(c->state, TCP_CLOSING);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	SEG(TCP_ACK, PEER_ISN + 2, ISN + 2, 65535, NULL, 0);
	assert_int_equal(c->state, TCP_TIME_WAIT);
	assert_int_equal(tcp_stats.conns_time_wait, 1);
	assert_int_equal(tcp_stats.conns_live, 1);
	expect_none();
	advance(2ull * tcp_config.msl_ms);
	assert_int_equal(tcp_pcb_count(), 1); /* the listener */
	assert_int_equal(tcp_stats.conns_live, 0);
	assert_int_equal(tcp_stats.conns_time_wait, 0);
	assert_int_equal(tcp_stats.conn_drops, 0);
	tcp_pcb_close(l, 0, now);
	expect_none();
}

/* Defined behaviour of full queues (RFC 9293 3.10.7.2 leaves it open): a SYN beyond the
 * backlog or the SYN queue ceiling is dropped silently and counted, so the peer retries. */
static void test_accept_queue_full(void **state)
{
	struct tcp_pcb *l = listener();

	(void)state;
	assert_int_equal(tcp_pcb_listen(l, 1), 0);
	SEG(TCP_SYN, PEER_ISN, 0, 65535, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, 0);
	assert_int_equal(l->acceptq_len, 1);
	inject(PEER + 1, PORT, TCP_SYN, PEER_ISN, 0, 65535, NULL, NULL, 0);
	expect_none();
	assert_int_equal(tcp_stats.rcv_accept_queue_full, 1);
	assert_int_equal(tcp_pcb_count(), 2);
	/* closing the listener resets the connection nobody accepted */
	tcp_pcb_close(l, 0, now);
	expect(TCP_RST | TCP_ACK, ISN + 1, PEER_ISN + 1);
	expect_none();
}

/* A full SYN queue without cookies: the listener's oldest half-open connection makes room
 * for the new SYN (as BSD's syncache), so a flood churns the queue instead of locking out
 * everyone; with the global ceiling reached too and nothing of its own to evict, the SYN
 * is dropped and counted. */
static void test_syn_queue_full(void **state)
{
	struct tcp_pcb *l = listener();

	(void)state;
	tcp_config.syncookies = 0;
	tcp_config.syn_backlog_max = 1;
	SEG(TCP_SYN, PEER_ISN, 0, 65535, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	inject(PEER + 1, PORT, TCP_SYN, PEER_ISN + 7, 0, 65535, NULL, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 8);
	expect_none();
	assert_int_equal(tcp_sc_stats.syncache_overflow, 1);
	assert_int_equal(tcp_sc_stats.syncache_dropped, 1);
	assert_int_equal(l->sc_count, 1);
	/* the evicted one's ACK finds nothing: RST */
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, 0);
	expect(TCP_RST, ISN + 1, 0);
	tcp_config.syncache_max = 1;
	tcp_config.syn_backlog_max = 2;
	{
		/* a second listener with nothing queued cannot evict from the first */
		struct tcp_pcb *l2 = tcp_pcb_alloc();
		assert_int_equal(tcp_pcb_bind(l2, NA4(IP_ADDR_ANY), PORT + 1, 0), 0);
		assert_int_equal(tcp_pcb_listen(l2, 4), 0);
		inject(PEER, PORT + 1, TCP_SYN, PEER_ISN, 0, 65535, NULL, NULL, 0);
		expect_none();
		assert_int_equal(tcp_stats.rcv_syn_queue_full, 1);
		tcp_pcb_close(l2, 0, now);
	}
	/* a half-open entry goes silently with its listener */
	tcp_pcb_close(l, 0, now);
	expect_none();
	assert_int_equal(tcp_syncache_count(), 0);
}

/* RFC 1122 4.2.3.6: after keep_idle, probes at snd_una - 1 every keep_intvl; after
 * keep_probes unanswered ones the connection is reset and dropped. */
static void test_keepalive_gives_up(void **state)
{
	struct tcp_pcb *l = listener(), *c;

	(void)state;
	tcp_config.keep_idle_ms = 1000;
	tcp_config.keep_intvl_ms = 100;
	tcp_config.keep_probes = 2;
	c = passive_open(l);
	c->flags |= TF_KEEPALIVE;
	tcp_keep_arm(c, now);
	advance(999);
	expect_none();
	advance(1);
	expect(TCP_ACK, ISN, PEER_ISN + 1);
	expect_none();
	/* an answer makes the connection idle again */
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, 0);
	expect_none();
	advance(100);
	expect_none();
	advance(900);
	expect(TCP_ACK, ISN, PEER_ISN + 1);
	advance(100);
	expect(TCP_ACK, ISN, PEER_ISN + 1);
	advance(100);
	expect(TCP_RST | TCP_ACK, ISN + 1, PEER_ISN + 1);
	expect_none();
	assert_int_equal(tcp_stats.keep_probes, 3);
	assert_int_equal(tcp_pcb_count(), 1);
	tcp_pcb_close(l, 0, now);
}

/* RFC 9293 3.10.7.4 (FIN_WAIT_2 may last for ever) NOTE: an orphan waits fin_wait_2_ms. */
static void test_fin_wait_2_timeout(void **state)
{
	struct tcp_pcb *l = listener(), *c = passive_open(l);

	(void)state;
	tcp_config.fin_wait_2_ms = 5000;
	tcp_pcb_close(c, 0, now);
	expect(TCP_FIN | TCP_ACK, ISN + 1, PEER_ISN + 1);
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 2, 65535, NULL, 0);
	assert_int_equal(c->state, TCP_FIN_WAIT_2);
	advance(4999);
	assert_int_equal(tcp_pcb_count(), 2);
	advance(1);
	assert_int_equal(tcp_pcb_count(), 1);
	assert_int_equal(tcp_stats.fin_wait_2_timeouts, 1);
	expect_none();
	tcp_pcb_close(l, 0, now);
}

/* The same orphan when the application first said shutdown(SHUT_WR), the peer ACKed the FIN
 * (FIN_WAIT_2 with a socket, no timer: it may still read) and only then closed: the close
 * finds the FIN already queued, and the orphan must still give up after fin_wait_2_ms
 * instead of holding its control block and rings for ever. */
static void test_fin_wait_2_timeout_after_shutdown(void **state)
{
	struct tcp_pcb *l = listener(), *c = passive_open(l);

	(void)state;
	tcp_config.fin_wait_2_ms = 5000;
	assert_int_equal(tcp_pcb_shutdown_send(c, now), 0);
	expect(TCP_FIN | TCP_ACK, ISN + 1, PEER_ISN + 1);
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 2, 65535, NULL, 0);
	assert_int_equal(c->state, TCP_FIN_WAIT_2);
	assert_false(net_timer_pending(&c->timers[TCPT_2MSL])); /* not an orphan yet */
	advance(1000);
	tcp_pcb_close(c, 0, now);
	expect_none();
	advance(4999);
	assert_int_equal(tcp_pcb_count(), 2);
	advance(1);
	assert_int_equal(tcp_pcb_count(), 1);
	assert_int_equal(tcp_stats.fin_wait_2_timeouts, 1);
	expect_none();
	tcp_pcb_close(l, 0, now);
}

/* What stack_drain waits for (RFC 9293 3.6.1: TIME_WAIT is there to ACK a repeated FIN):
 * FIN_WAIT_1 until our FIN is ACKed, not FIN_WAIT_2, then TIME_WAIT while the peer was
 * heard within tw_drain_ms (or two RTOs if longer), not the whole 2*MSL; a FIN sent again
 * (our last ACK lost) restarts it, and so does any other segment from the peer. */
static void test_drain_counts_time_wait_briefly(void **state)
{
	struct tcp_pcb *l = listener(), *c = passive_open(l);

	(void)state;
	assert_int_equal(tcp_config.tw_drain_ms, 1000);
	assert_int_equal(tcp_pcb_count_closing(now), 0);
	tcp_pcb_close(c, 0, now);
	expect(TCP_FIN | TCP_ACK, ISN + 1, PEER_ISN + 1);
	assert_int_equal(tcp_pcb_count_closing(now), 1);
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 2, 65535, NULL, 0);
	assert_int_equal(c->state, TCP_FIN_WAIT_2);
	assert_int_equal(tcp_pcb_count_closing(now), 0);
	advance(300);
	SEG(TCP_ACK | TCP_FIN, PEER_ISN + 1, ISN + 2, 65535, NULL, 0);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	assert_non_null(tw_at(PORT)); /* the orphan is a TIME_WAIT record now */
	assert_true(2 * tw_at(PORT)->rto < 1000);
	assert_int_equal(tcp_pcb_count_closing(now), 1);
	advance(999);
	assert_int_equal(tcp_pcb_count_closing(now), 1);
	advance(1);
	assert_int_equal(tcp_pcb_count_closing(now), 0);
	/* our ACK was lost: the FIN comes again, is ACKed again, and the wait restarts */
	advance(500);
	SEG(TCP_ACK | TCP_FIN, PEER_ISN + 1, ISN + 2, 65535, NULL, 0);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	expect_none();
	assert_int_equal(tcp_pcb_count_closing(now), 1);
	advance(999);
	assert_int_equal(tcp_pcb_count_closing(now), 1);
	advance(1);
	assert_int_equal(tcp_pcb_count_closing(now), 0);
	/* on a slow path two RTOs are longer than tw_drain_ms and rule */
	tw_at(PORT)->rto = 3000;
	SEG(TCP_ACK, PEER_ISN + 2, ISN + 2, 65535, NULL, 0); /* a stray ACK: heard too */
	advance(5999);
	assert_int_equal(tcp_pcb_count_closing(now), 1);
	advance(1);
	assert_int_equal(tcp_pcb_count_closing(now), 0);
	tcp_config.tw_drain_ms = 0;
	tw_at(PORT)->rto = 200;
	SEG(TCP_ACK | TCP_FIN, PEER_ISN + 1, ISN + 2, 65535, NULL, 0);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	advance(399);
	assert_int_equal(tcp_pcb_count_closing(now), 1);
	advance(1);
	assert_int_equal(tcp_pcb_count_closing(now), 0);
	/* TIME_WAIT itself still lasts 2*MSL from the last FIN */
	advance(2ull * tcp_config.msl_ms - 400 - 1);
	assert_int_equal(tcp_tw_count(), 1);
	advance(1);
	assert_int_equal(tcp_tw_count(), 0);
	assert_int_equal(tcp_pcb_count(), 1);
	expect_none();
	tcp_pcb_close(l, 0, now);
}

/* RFC 1122 4.2.2.17: a zero window may stay closed for as long as the peer answers the
 * probes. Found by fuzz_tcp: when the peer is gone (answers nothing), the probes went on
 * for ever, and an orphan with data queued was never freed. As Linux (tcp_probe_timer),
 * unanswered probes end the connection like retransmissions do: ETIMEDOUT and a RST. */
static void test_zero_window_peer_gone(void **state)
{
	struct tcp_pcb *l = listener(), *c = passive_open(l);
	int secs;

	(void)state;
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 0, NULL, 0);
	assert_int_equal(tcp_pcb_send(c, "xyz", 3, now), 3);
	tcp_pcb_close(c, 0, now); /* an orphan: its FIN waits behind the data */
	for (secs = 0; secs < 2 * 3600 && tcp_pcb_count() == 2; secs++) {
		advance(1000);
		test_dev_flush(tun);
	}
	assert_int_equal(tcp_pcb_count(), 1);
	assert_true(secs < 3600);
	assert_int_equal(tcp_stats.conn_timeouts, 1);
	tcp_pcb_close(l, 0, now);
}

/* ...while a peer that answers every probe keeps its connection open (an hour here). */
static void test_zero_window_answered_stays(void **state)
{
	struct tcp_pcb *l = listener(), *c = passive_open(l);

	(void)state;
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 0, NULL, 0);
	assert_int_equal(tcp_pcb_send(c, "xyz", 3, now), 3);
	for (int secs = 0; secs < 3600; secs++) {
		advance(1000);
		while (test_dev_pending(tun)) {
			struct tcp_hdr h;
			pop(&h, NULL);
			SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 0, NULL, 0);
		}
	}
	assert_int_equal(c->state, TCP_ESTABLISHED);
	assert_true(tcp_stats.persist_timeouts > 12);
	assert_int_equal(tcp_stats.conn_timeouts, 0);
	tcp_pcb_close(c, 1, now);
	test_dev_flush(tun);
	tcp_pcb_close(l, 0, now);
}

/* RFC 1122 4.2.3.4: sender SWS avoidance holds back a segment smaller than half the
 * largest window seen, but then an override timeout must send it anyway. Found by
 * fuzz_tcp: with nothing in flight and the peer's window open but small (256 bytes after a
 * 65535 one) no timer ran and the data waited for ever (and the orphan it became, with it).
 * The persist timer is that override, as in BSD. */
static void test_small_window_override(void **state)
{
	struct tcp_pcb *l = listener(), *c = passive_open(l);
	static char buf[1000];
	size_t n;
	int ms;

	(void)state;
	memset(buf, 'x', sizeof(buf));
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 256, NULL, 0);
	assert_int_equal(c->snd_wnd, 256);
	assert_int_equal(tcp_pcb_send(c, buf, sizeof(buf), now), (ssize_t)sizeof(buf));
	expect_none(); /* 256 < MSS and < half of 65535: held back */
	assert_true(net_timer_pending(&c->timers[TCPT_PERSIST]));
	for (ms = 0; ms < 10000 && !test_dev_pending(tun); ms += 100)
		advance(100);
	n = expect(TCP_ACK, ISN + 1, PEER_ISN + 1);
	assert_int_equal(n, 256);
	/* the window opens: the rest goes */
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 257, 65535, NULL, 0);
	assert_int_equal(expect(TCP_ACK, ISN + 257, PEER_ISN + 1), 536);
	expect_none(); /* Nagle holds the short tail until that is ACKed */
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 793, 65535, NULL, 0);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, ISN + 793, PEER_ISN + 1), 208);
	expect_none();
	tcp_pcb_close(c, 1, now);
	test_dev_flush(tun);
	tcp_pcb_close(l, 0, now);
}

/* Found by fuzz_tcp: an ACK that shut the window while also asking for an immediate ACK
 * (here with the peer's FIN) got its ACK but no persist timer, so the data still queued
 * waited for ever, and as an orphan never went away. */
static void test_zero_window_with_fin_arms_persist(void **state)
{
	struct tcp_pcb *l = listener(), *c = passive_open(l);
	static char buf[1072 + 500];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(tcp_pcb_send(c, buf, 1072, now), 1072);
	assert_int_equal(expect(TCP_ACK, ISN + 1, PEER_ISN + 1), 536);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, ISN + 537, PEER_ISN + 1), 536);
	assert_int_equal(tcp_pcb_send(c, buf, 500, now), 500);
	expect_none(); /* Nagle: a short segment waits while data is in flight */
	SEG(TCP_ACK | TCP_FIN, PEER_ISN + 1, ISN + 1073, 0, NULL, 0);
	expect(TCP_ACK, ISN + 1073, PEER_ISN + 2);
	expect_none();
	assert_int_equal(c->state, TCP_CLOSE_WAIT);
	assert_true(net_timer_pending(&c->timers[TCPT_PERSIST]));
	advance(tcp_config.persist_max_ms);
	assert_int_equal(expect(TCP_ACK, ISN + 1073, PEER_ISN + 2), 1); /* the probe */
	tcp_pcb_close(c, 1, now);
	test_dev_flush(tun);
	tcp_pcb_close(l, 0, now);
}

/* Found by fuzz_tcp: in CLOSE_WAIT (and CLOSING, LAST_ACK) segment text is ignored (RFC
 * 9293 3.10.7.4 seventh), but the segment's ACK was processed and then output skipped, so
 * a window shut by it armed no persist timer (and one opened by it sent nothing). */
static void test_data_after_fin_still_runs_output(void **state)
{
	struct tcp_pcb *l = listener(), *c = passive_open(l);
	static char buf[1072];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	SEG(TCP_ACK | TCP_FIN, PEER_ISN + 1, ISN + 1, 65535, NULL, 0);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 2);
	assert_int_equal(c->state, TCP_CLOSE_WAIT);
	assert_int_equal(tcp_pcb_send(c, buf, 1072, now), 1072);
	assert_int_equal(expect(TCP_ACK, ISN + 1, PEER_ISN + 2), 536);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, ISN + 537, PEER_ISN + 2), 536);
	assert_int_equal(tcp_pcb_send(c, buf, 500, now), 500);
	expect_none();
	/* everything ACKed, the window shut, and 3 bytes the peer should not have sent */
	SEG(TCP_ACK | TCP_PSH, PEER_ISN + 2, ISN + 1073, 0, "abc", 3);
	assert_true(net_timer_pending(&c->timers[TCPT_PERSIST]));
	test_dev_flush(tun);
	/* the window opens with more stray text: the 500 bytes go */
	SEG(TCP_ACK | TCP_PSH, PEER_ISN + 2, ISN + 1073, 65535, "def", 3);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, ISN + 1073, PEER_ISN + 2), 500);
	tcp_pcb_close(c, 1, now);
	test_dev_flush(tun);
	tcp_pcb_close(l, 0, now);
}

/* RFC 9293 3.10.5 ABORT (SO_LINGER 0): a RST at snd_max and the state is gone at once. */
static void test_linger0_abort(void **state)
{
	struct tcp_pcb *l = listener(), *c = passive_open(l);

	(void)state;
	assert_int_equal(tcp_pcb_send(c, "abc", 3, now), 3);
	expect(TCP_ACK | TCP_PSH, ISN + 1, PEER_ISN + 1);
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 4, PEER_ISN + 1);
	expect_none();
	assert_int_equal(tcp_pcb_count(), 1);
	tcp_pcb_close(l, 0, now);
}

/* RFC 9293 3.6 / RFC 1122 4.2.2.13: close with unread data sends RST, not FIN. */
static void test_close_unread_data_resets(void **state)
{
	struct tcp_pcb *l = listener(), *c = passive_open(l);

	(void)state;
	SEG(TCP_ACK | TCP_PSH, PEER_ISN + 1, ISN + 1, 65535, "0123456789", 10);
	expect_none(); /* delayed ACK */
	tcp_pcb_close(c, 0, now);
	expect(TCP_RST | TCP_ACK, ISN + 1, PEER_ISN + 11);
	expect_none();
	assert_int_equal(tcp_pcb_count(), 1);
	tcp_pcb_close(l, 0, now);
}

static void icmp_to(struct tcp_pcb *c, uint8_t type, uint8_t code, uint32_t info, uint32_t seq)
{
	struct ip_hdr ih = { .version = 4, .ihl = 20, .proto = IP_PROTO_TCP, .src = us, .dst = peer,
			     .total_len = 40, .ttl = 64 };
	uint8_t q[28] = { [20] = (uint8_t)(c->local_port >> 8), (uint8_t)c->local_port,
			 (uint8_t)(c->remote_port >> 8), (uint8_t)c->remote_port,
			 (uint8_t)(seq >> 24), (uint8_t)(seq >> 16), (uint8_t)(seq >> 8), (uint8_t)seq };

	/* the quoted datagram goes through IP's dispatch, which names its ends for TCP */
	assert_int_equal(ip_emit(&ih, q, sizeof(q)), 20);
	ip_error_dispatch(type, code, info, q, sizeof(q), now);
}

/* RFC 1122 4.2.3.9: port/protocol unreachable ends a connection attempt (ECONNREFUSED),
 * host unreachable too (EHOSTUNREACH); an error quoting a sequence number we never sent
 * is ignored (RFC 5927). */
static void test_icmp_unreachable_fails_connect(void **state)
{
	struct tcp_pcb *c;

	(void)state;
	c = active_syn();
	c->upcall = record_upcall; /* as if a socket held it */
	icmp_to(c, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0, ISN + 5000);
	assert_int_equal(c->state, TCP_SYN_SENT);
	/* RFC 5927 4.1: SND.UNA <= seq < SND.NXT; ISN + 1 (= snd_max) was never sent */
	icmp_to(c, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0, ISN + 1);
	assert_int_equal(c->state, TCP_SYN_SENT);
	icmp_to(c, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0, ISN - 1);
	assert_int_equal(c->state, TCP_SYN_SENT);
	assert_int_equal(tcp_stats.icmp_errors, 0);
	icmp_to(c, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0, ISN);
	assert_int_equal(c->state, TCP_CLOSED);
	assert_int_equal(c->error, -ECONNREFUSED);
	tcp_pcb_free(c);

	c = active_syn();
	c->upcall = record_upcall;
	icmp_to(c, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0, ISN);
	assert_int_equal(c->state, TCP_CLOSED);
	assert_int_equal(c->error, -EHOSTUNREACH);
	tcp_pcb_free(c);
	expect_none();
}

/* RFC 1191: fragmentation needed lowers the MSS and resends at the new size. */
static void test_frag_needed_lowers_mss(void **state)
{
	struct tcp_pcb *l = listener(), *c = passive_open(l);
	uint8_t buf[536];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(c->mss, 536);
	assert_int_equal(tcp_pcb_send(c, buf, sizeof(buf), now), 536);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, ISN + 1, PEER_ISN + 1), 536);
	icmp_to(c, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, 300, ISN + 1);
	assert_int_equal(c->mss, 260);
	assert_int_equal(tcp_stats.pmtu_lowered, 1);
	assert_int_equal(expect(TCP_ACK, ISN + 1, PEER_ISN + 1), 260);
	assert_int_equal(expect(TCP_ACK, ISN + 261, PEER_ISN + 1), 260);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, ISN + 521, PEER_ISN + 1), 16);
	expect_none();
	/* RFC 5927 4.1: quoting snd_max (nothing sent there yet) is ignored */
	icmp_to(c, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, 200, ISN + 537);
	assert_int_equal(c->mss, 260);
	expect_none();
	/* a larger "MTU" never raises it */
	icmp_to(c, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, 1500, ISN + 1);
	assert_int_equal(c->mss, 260);
	expect_none();
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 537, PEER_ISN + 1);
	tcp_pcb_close(l, 0, now);
}

/* RFC 7323 5.3: a segment whose TSval is older than TS.Recent is dropped and ACKed. */
static void test_paws_rejects_old_timestamp(void **state)
{
	struct tcp_opts o = { .has_ts = 1, .tsval = 100 };
	struct tcp_pcb *l, *c;

	(void)state;
	tcp_config.timestamps = 1;
	l = listener();
	inject(PEER, PORT, TCP_SYN, PEER_ISN, 0, 65535, &o, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	o.tsval = 101;
	inject(PEER, PORT, TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, &o, NULL, 0);
	c = tcp_pcb_accept(l);
	assert_non_null(c);
	assert_int_equal(c->ts_recent, 101);
	o.tsval = 50;
	inject(PEER, PORT, TCP_ACK | TCP_PSH, PEER_ISN + 1, ISN + 1, 65535, &o, "old", 3);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1);
	expect_none();
	assert_int_equal(tcp_stats.rcv_paws_drop, 1);
	assert_int_equal(tcp_rcv_queued(c), 0);
	o.tsval = 102;
	inject(PEER, PORT, TCP_ACK | TCP_PSH, PEER_ISN + 1, ISN + 1, 65535, &o, "new", 3);
	assert_int_equal(tcp_rcv_queued(c), 3);
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 1, PEER_ISN + 4);
	tcp_pcb_close(l, 0, now);
	expect_none();
}

/* RFC 7323 2.2-2.3: the peer's window is shifted by its scale (never in the SYN); ours is
 * the free ring shifted right by our scale, and the SYN,ACK window is unscaled. */
static void test_window_scale_arithmetic(void **state)
{
	struct tcp_opts o = { .has_wscale = 1, .wscale = 7 };
	struct tcp_pcb *l, *c;
	struct tcp_hdr h;

	(void)state;
	tcp_config.window_scaling = 1;
	tcp_config.rcvbuf = 256 * 1024;
	l = listener();
	inject(PEER, PORT, TCP_SYN, PEER_ISN, 0, 1000, &o, NULL, 0);
	assert_int_equal(pop(&h, NULL), 0);
	assert_true(h.opt.has_wscale);
	assert_int_equal(h.opt.wscale, 3);
	assert_int_equal(h.wnd, 65535);
	assert_int_equal(l->sc_count, 1); /* a syncache entry until the ACK */
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 100, NULL, 0);
	c = tcp_pcb_accept(l);
	assert_int_equal(c->snd_wnd, 100u << 7);
	SEG(TCP_ACK | TCP_PSH, PEER_ISN + 1, ISN + 1, 100, "0123456789", 10);
	advance(tcp_config.delack_ms);
	assert_int_equal(pop(&h, NULL), 0);
	assert_int_equal(h.ack, PEER_ISN + 11);
	/* the scale (3) was chosen for the 256 KiB the window may grow to; the window
	 * itself starts at rcvbuf_init until auto-tuning grows it */
	assert_int_equal(h.wnd, (tcp_config.rcvbuf_init - 10) >> 3);
	expect_none();
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 1, PEER_ISN + 11);
	tcp_pcb_close(l, 0, now);
}

/* RFC 9293 3.7.4 (Nagle, RFC 1122 4.2.3.4): a short segment waits while data is in flight,
 * unless TCP_NODELAY. */
static void test_nagle_and_nodelay(void **state)
{
	struct tcp_pcb *l = listener(), *c = passive_open(l);

	(void)state;
	assert_int_equal(tcp_pcb_send(c, "aaaa", 4, now), 4);
	expect(TCP_ACK | TCP_PSH, ISN + 1, PEER_ISN + 1);
	assert_int_equal(tcp_pcb_send(c, "bb", 2, now), 2);
	expect_none(); /* 4 bytes in flight: Nagle holds the 2 */
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 5, 65535, NULL, 0);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, ISN + 5, PEER_ISN + 1), 2);
	expect_none();
	c->flags |= TF_NODELAY;
	assert_int_equal(tcp_pcb_send(c, "c", 1, now), 1);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, ISN + 7, PEER_ISN + 1), 1);
	expect_none();
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 8, PEER_ISN + 1);
	tcp_pcb_close(l, 0, now);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_simultaneous_open),
		T(test_simultaneous_close),
		T(test_accept_queue_full),
		T(test_syn_queue_full),
		T(test_keepalive_gives_up),
		T(test_fin_wait_2_timeout),
		T(test_fin_wait_2_timeout_after_shutdown),
		T(test_drain_counts_time_wait_briefly),
		T(test_zero_window_peer_gone),
		T(test_zero_window_answered_stays),
		T(test_small_window_override),
		T(test_zero_window_with_fin_arms_persist),
		T(test_data_after_fin_still_runs_output),
		T(test_linger0_abort),
		T(test_close_unread_data_resets),
		T(test_icmp_unreachable_fails_connect),
		T(test_frag_needed_lowers_mss),
		T(test_paws_rejects_old_timestamp),
		T(test_window_scale_arithmetic),
		T(test_nagle_and_nodelay),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
