/* SPDX-License-Identifier: MIT */
/* TCP segment scripts, table-driven over the states: RST and SYN arriving in each of them.
 * RFC 9293 3.10.7.3 (SYN_SENT: a RST counts only if it acknowledges our SYN), RFC 9293
 * 3.10.7.4 first/second/fourth with RFC 5961 3.2 (only an exact RST resets, an in-window one
 * gets a challenge ACK, one outside the window is dropped silently) and RFC 5961 4.2 (a SYN
 * in a synchronized state gets a challenge ACK), and RFC 9293 3.6.1 / RFC 6191 for a SYN
 * that reopens a connection in TIME_WAIT. Each script asserts exactly the segments sent and
 * then that nothing more was, and ends with every connection freed and no leak. */
#include "test/unit/tcp_script.h"

/* a socket's stand-in: with an upcall set, tcp_pcb_drop leaves the pcb (and its error)
 * for the owner to read and free, as tcp_sock.c does */
static int upcalls;
static void record_upcall(struct tcp_pcb *pcb) { (void)pcb; upcalls++; }

struct conn {
	struct tcp_pcb *l, *c; /* listener (NULL for an active open) and the connection */
	uint16_t lport;
	uint32_t wnd; /* RCV.WND as the peer was told it */
};

/* one row per state: how to get there, and what an exact RST leaves for the socket */
struct state_row {
	const char *name;
	enum tcp_state state;
	void (*build)(struct conn *x);
	uint32_t rcv_nxt, snd_max;
	int rst_err;
};

static void seg(const struct conn *x, uint8_t flags, uint32_t seq, uint32_t ack)
{
	inject(PEER, x->lport, flags, seq, ack, 65535, NULL, NULL, 0);
}

/* RFC 9293 3.5 figure 8 (simultaneous open): an active open in SYN_RECEIVED */
static void to_syn_received_active(struct conn *x)
{
	x->c = tcp_pcb_alloc();
	assert_non_null(x->c);
	assert_int_equal(tcp_pcb_connect(x->c, NA4(peer), PEER, now), 0);
	x->lport = x->c->local_port;
	expect(TCP_SYN, ISN, 0);
	seg(x, TCP_SYN, PEER_ISN, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
}

static void to_established(struct conn *x)
{
	x->l = listener();
	x->lport = PORT;
	x->c = passive_open(x->l);
}

static void to_fin_wait_1(struct conn *x)
{
	to_established(x);
	assert_int_equal(tcp_pcb_shutdown_send(x->c, now), 0);
	expect(TCP_FIN | TCP_ACK, ISN + 1, PEER_ISN + 1);
}

static void to_fin_wait_2(struct conn *x)
{
	to_fin_wait_1(x);
	seg(x, TCP_ACK, PEER_ISN + 1, ISN + 2);
}

static void to_close_wait(struct conn *x)
{
	to_established(x);
	seg(x, TCP_FIN | TCP_ACK, PEER_ISN + 1, ISN + 1);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 2);
}

static void to_closing(struct conn *x)
{
	to_fin_wait_1(x);
	seg(x, TCP_FIN | TCP_ACK, PEER_ISN + 1, ISN + 1);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
}

static void to_last_ack(struct conn *x)
{
	to_close_wait(x);
	assert_int_equal(tcp_pcb_shutdown_send(x->c, now), 0);
	expect(TCP_FIN | TCP_ACK, ISN + 1, PEER_ISN + 2);
}

static void to_time_wait(struct conn *x)
{
	to_fin_wait_2(x);
	seg(x, TCP_FIN | TCP_ACK, PEER_ISN + 1, ISN + 2);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
}

/* RFC 9293 3.10.7.4 second: ESTABLISHED, FIN_WAIT_1/2 and CLOSE_WAIT report "connection
 * reset"; CLOSING, LAST_ACK and TIME_WAIT just close; SYN_RECEIVED from an active open is
 * "refused". A passive open's SYN_RECEIVED is a syncache entry, not a control block: its
 * RSTs and SYNs are in test_tcp_syncache.c. */
static const struct state_row rows[] = {
	{ "SYN_RECEIVED (active)", TCP_SYN_RECEIVED, to_syn_received_active, PEER_ISN + 1, ISN + 1,
	  -ECONNREFUSED },
	{ "ESTABLISHED", TCP_ESTABLISHED, to_established, PEER_ISN + 1, ISN + 1, -ECONNRESET },
	{ "FIN_WAIT_1", TCP_FIN_WAIT_1, to_fin_wait_1, PEER_ISN + 1, ISN + 2, -ECONNRESET },
	{ "FIN_WAIT_2", TCP_FIN_WAIT_2, to_fin_wait_2, PEER_ISN + 1, ISN + 2, -ECONNRESET },
	{ "CLOSE_WAIT", TCP_CLOSE_WAIT, to_close_wait, PEER_ISN + 2, ISN + 1, -ECONNRESET },
	{ "CLOSING", TCP_CLOSING, to_closing, PEER_ISN + 2, ISN + 2, 0 },
	{ "LAST_ACK", TCP_LAST_ACK, to_last_ack, PEER_ISN + 2, ISN + 2, 0 },
	{ "TIME_WAIT", TCP_TIME_WAIT, to_time_wait, PEER_ISN + 2, ISN + 2, 0 },
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

static void build(const struct state_row *r, struct conn *x)
{
	memset(x, 0, sizeof(*x));
	stats_reset();
	upcalls = 0;
	r->build(x);
	expect_none();
	if (x->c->state != r->state)
		fail_msg("%s: built %s", r->name, tcp_state_name(x->c->state));
	assert_int_equal(x->c->rcv_nxt, r->rcv_nxt);
	assert_int_equal(x->c->snd_max, r->snd_max);
	/* the window the peer was told: the 16 KiB ring, less the FIN where one came in
	 * (receiver SWS avoidance does not move the right edge by 1) */
	x->wnd = x->c->rcv_adv - x->c->rcv_nxt;
	assert_int_equal(x->wnd, 16384 - (r->rcv_nxt - (PEER_ISN + 1)));
	x->c->upcall = record_upcall;
}

/* Frees what is left of the row, then nothing may remain. */
static void finish(struct conn *x)
{
	if (x->c) {
		x->c->upcall = NULL;
		if (x->c->state == TCP_CLOSED)
			tcp_pcb_free(x->c);
		else
			tcp_pcb_drop(x->c, 0);
	}
	if (x->l)
		tcp_pcb_drop(x->l, 0);
	expect_none();
	assert_int_equal(tcp_pcb_count(), 0);
	test_assert_no_leaks();
}

/* RFC 9293 3.10.7.4 second, RFC 5961 3.2: a RST whose SEQ is exactly RCV.NXT closes the
 * connection at once, sends nothing, and leaves the socket its error. */
static void test_rst_exact(void **state)
{
	(void)state;
	for (size_t i = 0; i < NROWS; i++) {
		const struct state_row *r = &rows[i];
		struct conn x;

		build(r, &x);
		seg(&x, TCP_RST, r->rcv_nxt, 0);
		expect_none();
		if (x.c->state != TCP_CLOSED)
			fail_msg("%s: still %s after an exact RST", r->name, tcp_state_name(x.c->state));
		assert_int_equal(x.c->error, r->rst_err);
		assert_int_equal(upcalls, 1);
		assert_int_equal(tcp_stats.rcv_rst, 1);
		assert_int_equal(tcp_pcb_lookup_conn(NA4(us), x.lport, NA4(peer), PEER), NULL);
		if (x.l) /* the listener is still there for the next SYN */
			assert_ptr_equal(tcp_pcb_lookup(NA4(us), PORT, NA4(peer), PEER), x.l);
		finish(&x);
	}
}

/* RFC 5961 3.2: a RST inside the window but not at RCV.NXT (either end of the window and
 * one with ACK set) is answered by a challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT> and changes
 * nothing, so a blind attacker must hit the exact number. */
static void test_rst_in_window_challenge(void **state)
{
	(void)state;
	for (size_t i = 0; i < NROWS; i++) {
		const struct state_row *r = &rows[i];
		struct conn x;

		build(r, &x);
		seg(&x, TCP_RST, r->rcv_nxt + 1, 0);
		expect(TCP_ACK, r->snd_max, r->rcv_nxt);
		seg(&x, TCP_RST, r->rcv_nxt + x.wnd - 1, 0);
		expect(TCP_ACK, r->snd_max, r->rcv_nxt);
		seg(&x, TCP_RST | TCP_ACK, r->rcv_nxt + 100, r->snd_max);
		expect(TCP_ACK, r->snd_max, r->rcv_nxt);
		expect_none();
		if (x.c->state != r->state)
			fail_msg("%s: became %s", r->name, tcp_state_name(x.c->state));
		assert_int_equal(x.c->error, 0);
		assert_int_equal(tcp_stats.rcv_rst_challenged, 3);
		assert_int_equal(tcp_stats.snd_challenge_ack, 3);
		assert_int_equal(upcalls, 0);
		finish(&x);
	}
}

/* RFC 9293 3.10.7.4 first, RFC 5961 3.2: a RST outside the window (just left of RCV.NXT, at
 * RCV.NXT + RCV.WND, half the sequence space away) is dropped without an answer. */
static void test_rst_out_of_window(void **state)
{
	(void)state;
	for (size_t i = 0; i < NROWS; i++) {
		const struct state_row *r = &rows[i];
		struct conn x;

		build(r, &x);
		seg(&x, TCP_RST, r->rcv_nxt - 1, 0);
		seg(&x, TCP_RST, r->rcv_nxt + x.wnd, 0);
		seg(&x, TCP_RST | TCP_ACK, r->rcv_nxt + 0x80000000u, r->snd_max);
		expect_none();
		if (x.c->state != r->state)
			fail_msg("%s: became %s", r->name, tcp_state_name(x.c->state));
		assert_int_equal(tcp_stats.rcv_rst_out_of_window, 3);
		assert_int_equal(upcalls, 0);
		finish(&x);
	}
}

/* RFC 9293 3.10.7.4 fourth, RFC 5961 4.2: a SYN in a synchronized state, whatever its
 * sequence number (in the window, at RCV.NXT, old, far ahead, with ACK), gets a challenge
 * ACK and changes nothing. The one exception is the SYN_RECEIVED retransmission of the
 * peer's own SYN (SEQ = IRS), answered with the SYN,ACK again (3.10.7.4, first check).
 * NOTE: RFC 9293 3.10.7.4 fourth returns a passive SYN_RECEIVED to LISTEN on a SYN; the
 * challenge ACK of RFC 5961 4.2 is kept there too, so a blind SYN cannot kill it either.
 * TIME_WAIT has its own test below (a newer SYN may reopen the connection). */
static void test_syn_challenge(void **state)
{
	(void)state;
	for (size_t i = 0; i < NROWS; i++) {
		const struct state_row *r = &rows[i];
		struct conn x;

		if (r->state == TCP_TIME_WAIT)
			continue;
		build(r, &x);
		seg(&x, TCP_SYN, r->rcv_nxt + 10, 0);
		expect(TCP_ACK, r->snd_max, r->rcv_nxt);
		seg(&x, TCP_SYN, r->rcv_nxt, 0);
		expect(TCP_ACK, r->snd_max, r->rcv_nxt);
		seg(&x, TCP_SYN | TCP_ACK, r->rcv_nxt + 10, r->snd_max);
		expect(TCP_ACK, r->snd_max, r->rcv_nxt);
		seg(&x, TCP_SYN, r->rcv_nxt - 1000, 0);
		expect(TCP_ACK, r->snd_max, r->rcv_nxt);
		seg(&x, TCP_SYN, r->rcv_nxt + 0x40000000u, 0);
		expect(TCP_ACK, r->snd_max, r->rcv_nxt);
		expect_none();
		if (x.c->state != r->state)
			fail_msg("%s: became %s", r->name, tcp_state_name(x.c->state));
		assert_int_equal(x.c->rcv_nxt, r->rcv_nxt);
		assert_int_equal(tcp_stats.rcv_syn_challenged, 5);
		assert_int_equal(tcp_stats.snd_challenge_ack, 5);
		if (r->state == TCP_SYN_RECEIVED) {
			seg(&x, TCP_SYN, PEER_ISN, 0);
			expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
			expect_none();
		}
		assert_int_equal(upcalls, 0);
		finish(&x);
	}
}

/* RFC 5961 7: challenge ACKs are limited per second across the stack; the ones over the
 * limit are counted and not sent, and the next second allows them again. */
static void test_challenge_ack_limit(void **state)
{
	struct conn x;

	(void)state;
	tcp_config.challenge_ack_per_s = 2;
	advance(2000); /* a second of its own, whatever the tests before sent */
	build(&rows[1], &x); /* ESTABLISHED */
	seg(&x, TCP_RST, PEER_ISN + 2, 0);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1);
	seg(&x, TCP_SYN, PEER_ISN + 2, 0);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1);
	seg(&x, TCP_RST, PEER_ISN + 2, 0);
	expect_none();
	assert_int_equal(tcp_stats.snd_challenge_limited, 1);
	advance(1000);
	seg(&x, TCP_RST, PEER_ISN + 2, 0);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1);
	assert_int_equal(x.c->state, TCP_ESTABLISHED);
	finish(&x);
}

/* SYN_SENT, active open (RFC 9293 3.10.7.3). */
static struct tcp_pcb *syn_sent(struct conn *x)
{
	memset(x, 0, sizeof(*x));
	x->c = tcp_pcb_alloc();
	assert_non_null(x->c);
	assert_int_equal(tcp_pcb_connect(x->c, NA4(peer), PEER, now), 0);
	x->lport = x->c->local_port;
	expect(TCP_SYN, ISN, 0);
	x->c->upcall = record_upcall;
	upcalls = 0;
	return x->c;
}

/* RFC 9293 3.10.7.3 first and second: a RST is acceptable in SYN_SENT only if its ACK
 * acknowledges our SYN (SND.UNA < SEG.ACK =< SND.NXT); then the connection is refused.
 * Without ACK, or with an ACK of anything else, it is dropped silently (a RST is never
 * answered). RFC 5961 3.2 has no window check here: the ACK is the proof. */
static void test_syn_sent_rst(void **state)
{
	struct conn x;

	(void)state;
	syn_sent(&x);
	seg(&x, TCP_RST, PEER_ISN, 0);              /* no ACK: ignored */
	seg(&x, TCP_RST | TCP_ACK, PEER_ISN, ISN);  /* acknowledges nothing */
	seg(&x, TCP_RST | TCP_ACK, PEER_ISN, ISN + 2); /* beyond what we sent */
	seg(&x, TCP_RST | TCP_ACK, PEER_ISN, ISN - 1000);
	expect_none();
	assert_int_equal(x.c->state, TCP_SYN_SENT);
	assert_int_equal(tcp_stats.rcv_synsent_bad_ack, 3);
	assert_int_equal(tcp_stats.rcv_synsent_rst_no_ack, 1);
	assert_int_equal(tcp_stats.rcv_rst, 0);
	assert_int_equal(upcalls, 0);
	/* a bare ACK of something else is answered with <SEQ=SEG.ACK><CTL=RST> */
	seg(&x, TCP_ACK, PEER_ISN, ISN + 5);
	expect(TCP_RST, ISN + 5, 0);
	expect_none();
	assert_int_equal(x.c->state, TCP_SYN_SENT);
	/* the RST that acknowledges the SYN: refused (any SEQ: RFC 9293 3.10.7.3) */
	seg(&x, TCP_RST | TCP_ACK, 0, ISN + 1);
	expect_none();
	assert_int_equal(x.c->state, TCP_CLOSED);
	assert_int_equal(x.c->error, -ECONNREFUSED);
	assert_int_equal(upcalls, 1);
	assert_int_equal(tcp_stats.rcv_rst, 1);
	finish(&x);
}

/* The TIME_WAIT connection of to_time_wait(); ts says both sides did timestamps. */
static void time_wait(struct conn *x, int ts)
{
	struct tcp_opts o = { .has_ts = 1, .tsval = 100 };

	memset(x, 0, sizeof(*x));
	stats_reset();
	x->lport = PORT;
	if (!ts) {
		to_time_wait(x);
		expect_none();
		return;
	}
	tcp_config.timestamps = 1;
	x->l = listener();
	o.has_mss = 1;
	o.mss = 1460;
	inject(PEER, PORT, TCP_SYN, PEER_ISN, 0, 65535, &o, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	o.has_mss = 0;
	inject(PEER, PORT, TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, &o, NULL, 0);
	x->c = tcp_pcb_accept(x->l);
	assert_non_null(x->c);
	assert_true(x->c->flags & TF_TS_OK);
	assert_int_equal(tcp_pcb_shutdown_send(x->c, now), 0);
	expect(TCP_FIN | TCP_ACK, ISN + 1, PEER_ISN + 1);
	o.tsval = 200;
	inject(PEER, PORT, TCP_FIN | TCP_ACK, PEER_ISN + 1, ISN + 2, 65535, &o, NULL, 0);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	expect_none();
	assert_int_equal(x->c->state, TCP_TIME_WAIT);
	assert_int_equal(x->c->ts_recent, 200);
}

/* A SYN that reopened the connection: the TIME_WAIT block is gone, and the listener's new
 * child answers with an ISS above everything the old incarnation sent (RFC 9293 3.6.1
 * condition 1; snd_max + 65535 + 2, as Linux picks). */
static void expect_reopened(struct conn *x, uint32_t peer_isn, int ts)
{
	struct tcp_hdr h;

	pop(&h, NULL);
	assert_int_equal(h.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(h.seq, ISN + 2 + 65535 + 2);
	assert_int_equal(h.ack, peer_isn + 1);
	assert_int_equal(h.opt.has_ts, ts);
	expect_none();
	assert_int_equal(tcp_stats.rcv_tw_reopened, 1);
	x->c = NULL; /* the TIME_WAIT block, freed */
	assert_null(tcp_pcb_lookup_conn(NA4(us), PORT, NA4(peer), PEER));
	/* the new SYN waits in the listener's syncache, with the ISS it was given */
	assert_int_equal(x->l->sc_count, 1);
	assert_int_equal(tcp_syncache_count(), 1);
}

/* RFC 9293 3.6.1 (RFC 1122 4.2.2.13) and RFC 6191: in TIME_WAIT, a SYN from the same peer
 * reopens the connection when it is provably new: without timestamps its SEQ is above
 * RCV.NXT; with them its TSval is above TS.Recent (whatever its SEQ). Any other SYN, or one
 * for which no listener is left, gets the challenge ACK of RFC 5961 4.2, and TIME_WAIT
 * stays. NOTE: RFC 9293 3.6.1 condition 2 (back to TIME_WAIT if the SYN proves an old
 * duplicate) is not kept: the TIME_WAIT block is gone by then, as in Linux and BSD. */
static void test_time_wait_syn(void **state)
{
	struct tcp_opts o = { .has_ts = 1 };
	struct conn x;

	(void)state;
	/* no timestamps: an old or equal SEQ is challenged */
	time_wait(&x, 0);
	seg(&x, TCP_SYN, PEER_ISN + 2, 0);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	seg(&x, TCP_SYN, PEER_ISN - 5, 0);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	expect_none();
	assert_int_equal(x.c->state, TCP_TIME_WAIT);
	assert_int_equal(tcp_stats.rcv_syn_challenged, 2);
	/* a SYN|ACK is no new connection either */
	seg(&x, TCP_SYN | TCP_ACK, PEER_ISN + 100000, ISN + 2);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	assert_int_equal(x.c->state, TCP_TIME_WAIT);
	/* a higher SEQ reopens it */
	seg(&x, TCP_SYN, PEER_ISN + 100000, 0);
	expect_reopened(&x, PEER_ISN + 100000, 0);
	finish(&x);

	/* no listener left: challenged, TIME_WAIT stays and ends after 2 MSL */
	time_wait(&x, 0);
	tcp_pcb_drop(x.l, 0);
	x.l = NULL;
	seg(&x, TCP_SYN, PEER_ISN + 100000, 0);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	expect_none();
	assert_int_equal(x.c->state, TCP_TIME_WAIT);
	x.c->upcall = NULL;
	advance(2ull * tcp_config.msl_ms);
	x.c = NULL;
	finish(&x);

	/* RFC 6191 2: with timestamps on both, an older TSval is refused whatever its SEQ
	 * (PAWS, RFC 7323 5.3, answers it); an equal TSval needs a higher SEQ; a higher
	 * TSval reopens even with a lower SEQ */
	time_wait(&x, 1);
	o.tsval = 199;
	inject(PEER, PORT, TCP_SYN, PEER_ISN + 100000, 0, 65535, &o, NULL, 0);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	assert_int_equal(tcp_stats.rcv_paws_drop, 1);
	o.tsval = 200;
	inject(PEER, PORT, TCP_SYN, PEER_ISN + 1, 0, 65535, &o, NULL, 0);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	expect_none();
	assert_int_equal(x.c->state, TCP_TIME_WAIT);
	assert_int_equal(tcp_stats.rcv_syn_challenged, 1);
	assert_int_equal(tcp_stats.rcv_tw_reopened, 0);
	o.tsval = 201;
	inject(PEER, PORT, TCP_SYN, PEER_ISN - 100000, 0, 65535, &o, NULL, 0);
	expect_reopened(&x, PEER_ISN - 100000, 1);
	finish(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rst_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rst_in_window_challenge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rst_out_of_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syn_challenge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_challenge_ack_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syn_sent_rst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_wait_syn, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
