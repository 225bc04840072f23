/* SPDX-License-Identifier: MIT */
/* The listener's defences, scripted on the fake clock: the syncache (entries, SYN,ACK
 * retransmission with backoff, expiry, RST, duplicate SYN, eviction), SYN cookies (RFC 4987
 * 3.6: every MSS of the table with every option combination, forged and stale cookies),
 * the backlog and the connection limit at the handshake's ACK, SYN+FIN and land SYNs, the
 * RST rate limit, and --tcp's setting parser. */
#include "test/unit/tcp_script.h"

/* Takes the SYN,ACK the peer on port `pport` gets and returns it. */
static struct tcp_hdr synack(uint32_t peer_isn)
{
	struct tcp_hdr h;

	assert_int_equal(pop(&h, NULL), 0);
	if (h.flags != (TCP_SYN | TCP_ACK) || h.ack != peer_isn + 1)
		fail_msg("want SYN,ACK ack=%u, got flags %#x ack=%u", peer_isn + 1, h.flags, h.ack);
	return h;
}

/* RFC 9293 3.10.7.2 with a syncache: the SYN costs an entry and no control block; the
 * SYN,ACK is resent from the entry at 1, 2, 4, 8, 16 s (RFC 6298 5.5 backoff from
 * rto_initial), and synack_rexmits (5) resends later the entry expires, silently. */
static void test_entry_retransmit_and_expiry(void **state)
{
	struct tcp_pcb *l = listener();
	uint64_t iv = 1000;

	(void)state;
	SEG(TCP_SYN, PEER_ISN, 0, 65535, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	expect_none();
	assert_int_equal(tcp_pcb_count(), 1); /* the listener alone */
	assert_int_equal(l->sc_count, 1);
	assert_int_equal(tcp_syncache_count(), 1);
	assert_int_equal(tcp_sc_stats.syncache_added, 1);
	assert_int_equal(tcp_sc_stats.syncache_live, 1);
	for (int i = 0; i < 5; i++) {
		advance(iv - 1);
		expect_none();
		advance(1);
		expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
		expect_none();
		iv *= 2;
	}
	assert_int_equal(tcp_sc_stats.syncache_retransmitted, 5);
	advance(iv);
	expect_none();
	assert_int_equal(tcp_sc_stats.syncache_expired, 1);
	assert_int_equal(l->sc_count, 0);
	assert_int_equal(tcp_sc_stats.syncache_live, 0);
	/* its ACK now finds nothing */
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, 0);
	expect(TCP_RST, ISN + 1, 0);
	tcp_pcb_close(l, 0, now);
}

static void count_row(const struct tcp_ss_row *r, void *arg)
{
	unsigned *n = arg;

	n[r->state == TCP_SYN_RECEIVED && !r->pcb && r->remote.port == PEER]++;
}

/* ctl ss lists a syncache entry as SYN-RECV (as Linux's ss lists its request sockets),
 * beside its listener, until it becomes a connection. */
static void test_ss_shows_entry(void **state)
{
	struct tcp_pcb *l = listener();
	unsigned rows[2] = { 0, 0 };

	(void)state;
	SEG(TCP_SYN, PEER_ISN, 0, 65535, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	tcp_ss_foreach(count_row, rows);
	assert_int_equal(rows[1], 1);
	assert_int_equal(rows[0], 1); /* the listener */
	rows[0] = rows[1] = 0;
	SEG(TCP_RST, PEER_ISN + 1, 0, 0, NULL, 0);
	tcp_ss_foreach(count_row, rows);
	assert_int_equal(rows[1], 0);
	tcp_pcb_close(l, 0, now);
}

/* The peer's SYN again gets the SYN,ACK again (ours was lost); a SYN with another SEQ from
 * the same port is a new attempt and replaces the entry; after a resend the ACK still
 * makes the connection, with no RTT sample from the ambiguous SYN,ACK (Karn). */
static void test_dup_syn_and_replacement(void **state)
{
	struct tcp_pcb *l = listener(), *c;

	(void)state;
	SEG(TCP_SYN, PEER_ISN, 0, 65535, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	SEG(TCP_SYN, PEER_ISN, 0, 65535, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	assert_int_equal(tcp_sc_stats.syncache_dup_syn, 1);
	SEG(TCP_SYN, PEER_ISN + 500, 0, 65535, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 501);
	expect_none();
	assert_int_equal(l->sc_count, 1);
	assert_int_equal(tcp_sc_stats.syncache_dropped, 1);
	/* the old attempt's ACK is unacceptable: RST, and the entry stays */
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, 0);
	expect(TCP_RST, ISN + 1, 0);
	assert_int_equal(tcp_sc_stats.syncache_bad_ack, 1);
	advance(1000);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 501);
	advance(10);
	SEG(TCP_ACK, PEER_ISN + 501, ISN + 1, 65535, NULL, 0);
	expect_none();
	c = tcp_pcb_accept(l);
	assert_non_null(c);
	assert_int_equal(c->state, TCP_ESTABLISHED);
	assert_int_equal(c->rcv_nxt, PEER_ISN + 501);
	assert_int_equal(tcp_stats.rtt_updates, 0);
	assert_int_equal(tcp_sc_stats.syncache_completed, 1);
	assert_int_equal(l->sc_count, 0);
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 1, PEER_ISN + 501);
	tcp_pcb_close(l, 0, now);
}

/* Without a resend the SYN,ACK times the path (here 30 ms), and an ACK carrying data gives
 * the new connection its first bytes at once. */
static void test_ack_with_data_and_rtt(void **state)
{
	struct tcp_pcb *l = listener(), *c;
	uint8_t buf[8];

	(void)state;
	SEG(TCP_SYN, PEER_ISN, 0, 65535, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	advance(30);
	SEG(TCP_ACK | TCP_PSH, PEER_ISN + 1, ISN + 1, 65535, "hello", 5);
	c = tcp_pcb_accept(l);
	assert_non_null(c);
	assert_int_equal(tcp_stats.rtt_updates, 1);
	assert_int_equal(c->srtt >> 3, 30);
	assert_int_equal(tcp_pcb_recv(c, buf, sizeof(buf), now), 5);
	assert_memory_equal(buf, "hello", 5);
	advance(tcp_config.delack_ms);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 6);
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 1, PEER_ISN + 6);
	tcp_pcb_close(l, 0, now);
}

/* RFC 5961 3.2 for the syncache: only a RST at exactly IRS + 1 removes the entry. */
static void test_rst_removes_entry(void **state)
{
	struct tcp_pcb *l = listener();

	(void)state;
	SEG(TCP_SYN, PEER_ISN, 0, 65535, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	SEG(TCP_RST, PEER_ISN + 2, 0, 0, NULL, 0);
	SEG(TCP_RST, PEER_ISN, 0, 0, NULL, 0);
	expect_none();
	assert_int_equal(l->sc_count, 1);
	assert_int_equal(tcp_stats.rcv_listen_rst, 2);
	SEG(TCP_RST, PEER_ISN + 1, 0, 0, NULL, 0);
	expect_none();
	assert_int_equal(l->sc_count, 0);
	assert_int_equal(tcp_sc_stats.syncache_reset, 1);
	advance(60000);
	expect_none(); /* no SYN,ACK resent for it */
	tcp_pcb_close(l, 0, now);
}

/* The accept queue is full when the handshake's ACK comes: the ACK is dropped and the
 * entry kept (Linux's default), so the connection completes once accept() made room and
 * the peer answers the resent SYN,ACK; with abort_on_overflow the peer gets a RST. In
 * neither case does a connect succeed that nobody will serve. */
static void test_backlog_full_at_ack(void **state)
{
	struct tcp_pcb *l = listener(), *a, *b;

	(void)state;
	assert_int_equal(tcp_pcb_listen(l, 1), 0);
	inject(PEER, PORT, TCP_SYN, PEER_ISN, 0, 65535, NULL, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	inject(PEER + 1, PORT, TCP_SYN, PEER_ISN, 0, 65535, NULL, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	inject(PEER + 2, PORT, TCP_SYN, PEER_ISN, 0, 65535, NULL, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	inject(PEER, PORT, TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, NULL, 0);
	assert_int_equal(l->acceptq_len, 1);
	/* full: the second ACK is dropped, nothing is made, nothing is sent */
	inject(PEER + 1, PORT, TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, NULL, 0);
	expect_none();
	assert_int_equal(l->acceptq_len, 1);
	assert_int_equal(tcp_sc_stats.listen_overflow, 1);
	assert_int_equal(l->sc_count, 2);
	assert_int_equal(tcp_pcb_count(), 2);
	/* a new SYN meanwhile finds the accept queue full: no SYN,ACK */
	inject(PEER + 3, PORT, TCP_SYN, PEER_ISN, 0, 65535, NULL, NULL, 0);
	expect_none();
	assert_int_equal(tcp_stats.rcv_accept_queue_full, 1);
	a = tcp_pcb_accept(l);
	assert_non_null(a);
	/* the SYN,ACKs go again at 1 s; the peer's ACK now completes it */
	advance(1000);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	expect_none();
	inject(PEER + 1, PORT, TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, NULL, 0);
	expect_none();
	b = tcp_pcb_accept(l);
	assert_non_null(b);
	assert_int_equal(b->remote_port, PEER + 1);
	/* abort_on_overflow: fill the queue again, and the third peer's ACK is reset */
	tcp_config.abort_on_overflow = 1;
	inject(PEER + 4, PORT, TCP_SYN, PEER_ISN, 0, 65535, NULL, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	inject(PEER + 4, PORT, TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, NULL, 0);
	assert_int_equal(l->acceptq_len, 1);
	inject(PEER + 2, PORT, TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, NULL, 0);
	expect(TCP_RST, ISN + 1, 0);
	expect_none();
	assert_int_equal(tcp_sc_stats.listen_overflow_rst, 1);
	assert_int_equal(l->sc_count, 0);
	tcp_pcb_close(a, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 1, PEER_ISN + 1);
	tcp_pcb_close(b, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 1, PEER_ISN + 1);
	tcp_pcb_close(l, 0, now);
	expect(TCP_RST | TCP_ACK, ISN + 1, PEER_ISN + 1); /* the one nobody accepted */
	expect_none();
}

/* The connection limit (max_conns control blocks): at the limit a SYN gets no SYN,ACK;
 * if the limit is reached between SYN and ACK, the ACK is dropped and the entry kept. */
static void test_conn_limit(void **state)
{
	struct tcp_pcb *l = listener(), *a;

	(void)state;
	tcp_config.max_conns = 2; /* the listener and one connection */
	inject(PEER, PORT, TCP_SYN, PEER_ISN, 0, 65535, NULL, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	inject(PEER + 1, PORT, TCP_SYN, PEER_ISN, 0, 65535, NULL, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	inject(PEER, PORT, TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, NULL, 0);
	a = tcp_pcb_accept(l);
	assert_non_null(a);
	inject(PEER + 1, PORT, TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, NULL, 0);
	expect_none();
	assert_int_equal(tcp_sc_stats.listen_conn_limit, 1);
	assert_int_equal(l->sc_count, 1);
	inject(PEER + 2, PORT, TCP_SYN, PEER_ISN, 0, 65535, NULL, NULL, 0);
	expect_none();
	assert_int_equal(tcp_stats.rcv_conn_limit, 1);
	tcp_pcb_close(a, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 1, PEER_ISN + 1);
	tcp_pcb_close(l, 0, now);
	expect_none();
}

/* One cookie handshake: SYN with the given options, the cookie SYN,ACK, the ACK echoing
 * it; returns the connection, accepted. */
static struct tcp_pcb *cookie_open(struct tcp_pcb *l, uint16_t pport, const struct tcp_opts *o,
				   struct tcp_hdr *sa)
{
	struct tcp_opts a = { 0 };

	inject(pport, PORT, TCP_SYN, PEER_ISN, 0, 65535, o, NULL, 0);
	*sa = synack(PEER_ISN);
	expect_none();
	if (o->has_ts) {
		a.has_ts = 1;
		a.tsval = o->tsval + 1;
		a.tsecr = sa->opt.tsval;
	}
	inject(pport, PORT, TCP_ACK, PEER_ISN + 1, sa->seq + 1, 1000, &a, NULL, 0);
	expect_none();
	return tcp_pcb_accept(l);
}

/* RFC 4987 3.6 with Linux's encoding: every MSS of the table (and values between them,
 * rounded down to one) with every combination of window scale (none, 0, 7, 14, and 15
 * taken as 14), SACK-permitted and timestamps comes back from the ACK alone: no entry is
 * ever made with syncookies=2. With timestamps the options ride in our TSval's low bits;
 * without them the connection has no window scale and no SACK, as on Linux. */
static void test_cookie_round_trip(void **state)
{
	static const uint16_t mss_in[] = { 536, 1000, 1300, 1400, 1440, 1452, 1460, 9000, 200 };
	static const uint16_t mss_want[] = { 536, 536, 1300, 1300, 1440, 1440, 1460, 1460, 536 };
	static const int ws_in[] = { -1, 0, 7, 14, 15 };
	struct tcp_pcb *l;
	uint16_t pport = 30000;

	(void)state;
	tcp_config.timestamps = tcp_config.window_scaling = tcp_config.sack = 1;
	tcp_config.syncookies = 2;
	tcp_config.rcvbuf = 256 * 1024;
	l = listener();
	for (size_t m = 0; m < sizeof(mss_in) / sizeof(mss_in[0]); m++)
		for (size_t w = 0; w < sizeof(ws_in) / sizeof(ws_in[0]); w++)
			for (int sack = 0; sack < 2; sack++)
				for (int ts = 0; ts < 2; ts++) {
					struct tcp_opts o = { .has_mss = 1, .mss = mss_in[m] };
					struct tcp_pcb *c;
					struct tcp_hdr sa;
					int ws = ws_in[w];

					if (ws >= 0) {
						o.has_wscale = 1;
						o.wscale = (uint8_t)ws;
					}
					o.sack_permitted = (uint8_t)sack;
					if (ts) {
						o.has_ts = 1;
						o.tsval = 777;
					}
					c = cookie_open(l, pport, &o, &sa);
					if (!c)
						fail_msg("mss %u ws %d sack %d ts %d: no connection",
							 mss_in[m], ws, sack, ts);
					assert_int_equal(l->sc_count, 0);
					assert_int_equal(sa.opt.has_ts, ts);
					assert_int_equal(sa.opt.has_wscale, ws >= 0);
					assert_int_equal(sa.opt.sack_permitted, sack);
					/* Linux's layout: shift (15: none) and SACK in the TSval */
					if (ts)
						assert_int_equal(sa.opt.tsval & 0x3f,
								 (ws < 0 ? 15 : ws > 14 ? 14 : ws) |
								 (sack ? 0x10 : 0));
					assert_int_equal(c->state, TCP_ESTABLISHED);
					assert_int_equal(c->iss, sa.seq);
					assert_int_equal(c->mss, mss_want[m] - (ts ? 12 : 0));
					assert_int_equal(!!(c->flags & TF_TS_OK), ts);
					assert_int_equal(!!(c->flags & TF_WS_OK), ts && ws >= 0);
					assert_int_equal(!!(c->flags & TF_SACK_OK), ts && sack);
					if (ts && ws >= 0) {
						assert_int_equal(c->snd_wscale, ws > 14 ? 14 : ws);
						assert_int_equal(c->snd_wnd, 1000u << c->snd_wscale);
						assert_int_equal(c->rcv_wscale, 3);
					} else {
						assert_int_equal(c->snd_wscale, 0);
						assert_int_equal(c->rcv_wscale, 0);
					}
					if (ts)
						assert_int_equal(c->ts_recent, 778);
					tcp_pcb_close(c, 1, now);
					assert_int_equal(pop(&sa, NULL), 0);
					assert_int_equal(sa.flags, TCP_RST | TCP_ACK);
					expect_none();
					pport++;
				}
	assert_int_equal(tcp_sc_stats.cookies_sent, pport - 30000);
	assert_int_equal(tcp_sc_stats.cookies_valid, pport - 30000);
	assert_int_equal(tcp_sc_stats.syncache_added, 0);
	tcp_pcb_close(l, 0, now);
}

/* The cookie functions alone: every table index comes back for many 4-tuples and initial
 * sequence numbers; another 4-tuple, another IRS or a flipped bit does not validate (odds of
 * a false pass: 1 in 2^22 each). */
static void test_cookie_encode_decode(void **state)
{
	uint32_t la = inet_addr("10.1.2.3"), ra = inet_addr("10.9.8.7"), bad = 0;

	(void)state;
	for (unsigned i = 0; i < 200; i++)
		for (unsigned idx = 0; idx < tcp_cookie_nmss; idx++) {
			uint32_t irs = i * 2654435761u;
			uint16_t rp = (uint16_t)(1024 + i);
			uint32_t c = tcp_cookie_make(NA4(la), 80, NA4(ra), rp, irs, idx, now);
			assert_int_equal(tcp_cookie_check(NA4(la), 80, NA4(ra), rp, irs, c, now), (int)idx);
			bad += tcp_cookie_check(NA4(la), 80, NA4(ra), (uint16_t)(rp + 1), irs, c, now) >= 0;
			bad += tcp_cookie_check(NA4(la), 80, NA4(ra), rp, irs + 1, c, now) >= 0;
			bad += tcp_cookie_check(NA4(la), 80, NA4(ra), rp, irs, c ^ 0x100, now) >= 0;
			bad += tcp_cookie_check(NA4(la), 81, NA4(ra), rp, irs, c, now) >= 0;
		}
	assert_true(bad <= 1);
}

/* A forged cookie (an ACK with a made-up acknowledgment number) and a stale one (its ACK
 * comes more than two 64 s ticks later) are refused with a RST and counted; a cookie a
 * minute old is still good. */
static void test_cookie_forged_and_stale(void **state)
{
	struct tcp_pcb *l, *c;
	struct tcp_hdr sa;

	(void)state;
	tcp_config.syncookies = 2;
	l = listener();
	inject(PEER, PORT, TCP_SYN, PEER_ISN, 0, 65535, NULL, NULL, 0);
	sa = synack(PEER_ISN);
	assert_int_equal(tcp_syncache_count(), 0);
	inject(PEER, PORT, TCP_ACK, PEER_ISN + 1, sa.seq + 2, 65535, NULL, NULL, 0);
	expect(TCP_RST, sa.seq + 2, 0);
	inject(PEER, PORT, TCP_ACK, PEER_ISN + 2, sa.seq + 1, 65535, NULL, NULL, 0);
	expect(TCP_RST, sa.seq + 1, 0);
	inject(PEER + 1, PORT, TCP_ACK, PEER_ISN + 1, sa.seq + 1, 65535, NULL, NULL, 0);
	expect(TCP_RST, sa.seq + 1, 0);
	assert_int_equal(tcp_sc_stats.cookies_invalid, 3);
	assert_null(tcp_pcb_accept(l));
	/* a minute later: still good */
	advance(60000);
	inject(PEER, PORT, TCP_ACK, PEER_ISN + 1, sa.seq + 1, 65535, NULL, NULL, 0);
	expect_none();
	c = tcp_pcb_accept(l);
	assert_non_null(c);
	assert_int_equal(tcp_sc_stats.cookies_valid, 1);
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, sa.seq + 1, PEER_ISN + 1);
	/* a fresh cookie left for 130 s: stale */
	inject(PEER + 2, PORT, TCP_SYN, PEER_ISN, 0, 65535, NULL, NULL, 0);
	sa = synack(PEER_ISN);
	advance(130000);
	inject(PEER + 2, PORT, TCP_ACK, PEER_ISN + 1, sa.seq + 1, 65535, NULL, NULL, 0);
	expect(TCP_RST, sa.seq + 1, 0);
	assert_int_equal(tcp_sc_stats.cookies_invalid, 4);
	assert_null(tcp_pcb_accept(l));
	tcp_pcb_close(l, 0, now);
	expect_none();
}

/* syncookies=1: cookies only once the listener's queue is full, and their ACKs are only
 * looked at while cookies were sent lately (as Linux), so a valid-looking cookie for a
 * listener that never sent one is just a stray ACK; syncookies=0 never sends one. */
static void test_cookies_on_overflow(void **state)
{
	struct tcp_pcb *l = listener(), *c;
	struct tcp_hdr sa;
	uint32_t forged;

	(void)state;
	tcp_config.syn_backlog_max = 1;
	/* before any overflow a correct cookie is not even looked at */
	forged = tcp_cookie_make(NA4(us), PORT, NA4(peer), PEER + 5, PEER_ISN, 0, now);
	inject(PEER + 5, PORT, TCP_ACK, PEER_ISN + 1, forged + 1, 65535, NULL, NULL, 0);
	expect(TCP_RST, forged + 1, 0);
	assert_int_equal(tcp_stats.rcv_listen_bad_ack, 1);
	inject(PEER, PORT, TCP_SYN, PEER_ISN, 0, 65535, NULL, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	inject(PEER + 1, PORT, TCP_SYN, PEER_ISN, 0, 65535, NULL, NULL, 0);
	sa = synack(PEER_ISN);
	assert_true(sa.seq != ISN); /* a cookie, not the test ISN */
	assert_int_equal(tcp_sc_stats.cookies_sent, 1);
	assert_int_equal(tcp_sc_stats.syncache_overflow, 1);
	assert_int_equal(l->sc_count, 1);
	inject(PEER + 1, PORT, TCP_ACK, PEER_ISN + 1, sa.seq + 1, 65535, NULL, NULL, 0);
	c = tcp_pcb_accept(l);
	assert_non_null(c);
	assert_int_equal(c->remote_port, PEER + 1);
	assert_int_equal(tcp_sc_stats.cookies_valid, 1);
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, sa.seq + 1, PEER_ISN + 1);
	/* the entry's own ACK still works */
	inject(PEER, PORT, TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, NULL, 0);
	c = tcp_pcb_accept(l);
	assert_non_null(c);
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 1, PEER_ISN + 1);
	expect_none();
	tcp_pcb_close(l, 0, now);
}

/* A SYN with FIN set is dropped and counted, whether a listener, a connection or nobody
 * has the port: no SYN,ACK, no RST, no entry. */
static void test_syn_fin_dropped(void **state)
{
	struct tcp_pcb *l = listener(), *c;

	(void)state;
	SEG(TCP_SYN | TCP_FIN, PEER_ISN, 0, 65535, NULL, 0);
	inject(PEER, PORT + 1, TCP_SYN | TCP_FIN, PEER_ISN, 0, 65535, NULL, NULL, 0);
	expect_none();
	assert_int_equal(tcp_sc_stats.rcv_syn_fin, 2);
	assert_int_equal(l->sc_count, 0);
	c = passive_open(l);
	SEG(TCP_SYN | TCP_FIN, PEER_ISN + 1, 0, 65535, NULL, 0);
	expect_none();
	assert_int_equal(tcp_sc_stats.rcv_syn_fin, 3);
	assert_int_equal(c->state, TCP_ESTABLISHED);
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, ISN + 1, PEER_ISN + 1);
	tcp_pcb_close(l, 0, now);
}

/* Sends a segment from src:sport to us:dport. */
static void inject_from(uint32_t src, uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq)
{
	struct tcp_hdr h = { .sport = sport, .dport = dport, .seq = seq, .flags = flags, .wnd = 1000 };
	struct ip_hdr ih = { .version = 4, .ihl = 20, .ttl = 64, .proto = IP_PROTO_TCP,
			     .src = src, .dst = us };
	uint8_t b[128];
	size_t hl = tcp_hdr_len(&h);

	assert_int_equal(tcp_emit(&h, b + 20, sizeof(b) - 20, 0, NA4(src), NA4(us)), hl);
	ih.total_len = (uint16_t)(20 + hl);
	assert_int_equal(ip_emit(&ih, b, sizeof(b)), 20);
	inject_ip(b, 20 + hl);
}

/* Land: a SYN whose source address and port are its destination's would have us talk to
 * ourselves; it is dropped and counted, listener or not, with nothing sent and nothing
 * kept. SYNs from a
 * broadcast or multicast source are dropped too. */
static void test_land_dropped(void **state)
{
	struct tcp_pcb *l = listener();

	(void)state;
	/* IP drops our own address as a source from a wire first (a martian, as Linux) */
	inject_from(us, PORT, PORT, TCP_SYN, PEER_ISN);
	expect_none();
	assert_int_equal(ip_stats.in_martian_src, 1);
	assert_int_equal(tcp_sc_stats.rcv_land, 0);
	/* TCP's own check is the defence in depth when IP lets it through (accept_local) */
	ip_config.accept_local = 1;
	inject_from(us, PORT, PORT, TCP_SYN, PEER_ISN);
	expect_none();
	assert_int_equal(tcp_sc_stats.rcv_land, 1);
	/* to a closed port: no RST to ourselves either */
	inject_from(us, 9, 9, TCP_SYN, PEER_ISN);
	expect_none();
	assert_int_equal(tcp_sc_stats.rcv_land, 2);
	ip_config.accept_local = 0;
	/* IP drops the multicast and broadcast sources first (ip.in_martian_src); TCP checks
	 * again, and 0.0.0.0 is its own to catch: each is counted by one of them */
	inject_from(inet_addr("224.0.0.5"), PEER, PORT, TCP_SYN, PEER_ISN);
	inject_from(inet_addr("255.255.255.255"), PEER, PORT, TCP_SYN, PEER_ISN);
	inject_from(IP_ADDR_ANY, PEER, PORT, TCP_SYN, PEER_ISN);
	expect_none();
	assert_int_equal(tcp_sc_stats.rcv_syn_bad_src + ip_stats.in_martian_src, 1 + 3);
	assert_int_equal(l->sc_count, 0);
	assert_int_equal(tcp_pcb_count(), 1);
	advance(10000);
	expect_none();
	tcp_pcb_close(l, 0, now);
}

/* RSTs for segments to closed ports come from a token bucket: rst_burst at once, then
 * rst_per_s; the rest are counted, not sent. */
static void test_rst_rate_limit(void **state)
{
	(void)state;
	tcp_config.rst_per_s = 10;
	tcp_config.rst_burst = 5;
	tcp_rst_limit_reset();
	for (int i = 0; i < 20; i++)
		inject(PEER, 9, TCP_ACK, PEER_ISN, ISN + (uint32_t)i, 1000, NULL, NULL, 0);
	for (int i = 0; i < 5; i++)
		expect(TCP_RST, ISN + (uint32_t)i, 0);
	expect_none();
	assert_int_equal(tcp_sc_stats.snd_rst_limited, 15);
	advance(100); /* one token */
	inject(PEER, 9, TCP_ACK, PEER_ISN, ISN + 100, 1000, NULL, NULL, 0);
	inject(PEER, 9, TCP_ACK, PEER_ISN, ISN + 101, 1000, NULL, NULL, 0);
	expect(TCP_RST, ISN + 100, 0);
	expect_none();
	assert_int_equal(tcp_sc_stats.snd_rst_limited, 16);
	/* 0 turns the limit off */
	tcp_config.rst_per_s = 0;
	for (int i = 0; i < 20; i++)
		inject(PEER, 9, TCP_ACK, PEER_ISN, ISN + (uint32_t)i, 1000, NULL, NULL, 0);
	for (int i = 0; i < 20; i++)
		expect(TCP_RST, ISN + (uint32_t)i, 0);
	expect_none();
}

/* --tcp NAME=V,...: known names within range are set, anything else is refused by name. */
static void test_config_parse(void **state)
{
	char bad[32];

	(void)state;
	assert_int_equal(tcp_config_parse("syncookies=2,syn_backlog_max=64,rst_per_s=0", bad,
					  sizeof(bad)), 0);
	assert_int_equal(tcp_config.syncookies, 2);
	assert_int_equal(tcp_config.syn_backlog_max, 64);
	assert_int_equal(tcp_config.rst_per_s, 0);
	assert_int_equal(tcp_config_parse("syncookies=3", bad, sizeof(bad)), -ERANGE);
	assert_string_equal(bad, "syncookies=3");
	assert_int_equal(tcp_config_parse("abort_on_overflow=1,nosuch=1", bad, sizeof(bad)), -ENOENT);
	assert_string_equal(bad, "nosuch=1");
	assert_int_equal(tcp_config.abort_on_overflow, 1);
	assert_int_equal(tcp_config_parse("syncookies", bad, sizeof(bad)), -EINVAL);
	assert_int_equal(tcp_config_parse("syncookies=1x", bad, sizeof(bad)), -EINVAL);
	assert_int_equal(tcp_config_set("synack_rexmits", "3"), 0);
	assert_int_equal(tcp_config.synack_rexmits, 3);
	assert_int_equal(tcp_config_set("synack", "3"), -ENOENT);
	/* loss recovery and memory knobs (RFC 6675 as written with rack=0) */
	assert_int_equal(tcp_config_parse("rack=0,frto=0,quickacks=0,rto_min_ms=50", bad,
					  sizeof(bad)), 0);
	assert_int_equal(tcp_config.rack, 0);
	assert_int_equal(tcp_config.frto, 0);
	assert_int_equal(tcp_config.quickacks, 0);
	assert_int_equal(tcp_config.rto_min_ms, 50);
	assert_int_equal(tcp_config_parse("sent_max_segs=8", bad, sizeof(bad)), -ERANGE);
}

/* The PRF of ISNs and cookies is SipHash-2-4: the reference vectors of Aumasson and
 * Bernstein's paper (key 00..0f, message 00 01 ... of 0 and 8 bytes; 32-bit words are
 * taken little-endian). */
static void test_siphash_vectors(void **state)
{
	const uint64_t key[2] = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };
	const uint32_t w[2] = { 0x03020100, 0x07060504 };

	(void)state;
	assert_true(tcp_siphash(key, w, 0) == 0x726fdb47dd0e0e31ull);
	assert_true(tcp_siphash(key, w, 2) == 0x93f5f5799a932462ull);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_entry_retransmit_and_expiry),
		T(test_ss_shows_entry),
		T(test_dup_syn_and_replacement),
		T(test_ack_with_data_and_rtt),
		T(test_rst_removes_entry),
		T(test_backlog_full_at_ack),
		T(test_conn_limit),
		T(test_cookie_round_trip),
		T(test_cookie_encode_decode),
		T(test_cookie_forged_and_stale),
		T(test_cookies_on_overflow),
		T(test_syn_fin_dropped),
		T(test_land_dropped),
		T(test_rst_rate_limit),
		T(test_config_parse),
		T(test_siphash_vectors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
