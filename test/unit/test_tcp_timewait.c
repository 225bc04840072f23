/* SPDX-License-Identifier: MIT */
/* TIME_WAIT as a small record (tcp_timewait.c), segment scripts with the fake clock: a
 * repeated FIN is ACKed from the record with the right SEQ, ACK and timestamps and restarts
 * 2 MSL (RFC 9293 3.6.1), RSTs and SYNs (RFC 5961 3.2, 4.2; RFC 6191), expiry in order
 * under one timer, the max_tw_buckets limit, the port the record holds, and the stub a
 * socket still open keeps. Every test ends with nothing left (teardown). */
#include <sys/socket.h>

#include "test/unit/tcp_script.h"

#include "net/pool.h"
#include "test/unit/test_app.h" /* last: it wraps the calls that take the lock */

static int upcalls;
static void record_upcall(struct tcp_pcb *pcb) { (void)pcb; upcalls++; }

/* A passive open from peer port pport (timestamps if ts, TSval 100), our FIN sent and
 * acknowledged, the peer's FIN (TSval 200) ACKed: TIME_WAIT. orphan: closed by the
 * application first (the pcb is freed), else the pcb is returned as the socket's stub. */
static struct tcp_pcb *to_time_wait(struct tcp_pcb *l, uint16_t pport, int ts, int orphan,
				    struct tcp_hdr *last_ack)
{
	struct tcp_opts o = { .has_ts = 1, .tsval = 100, .has_mss = 1, .mss = 1460 };
	struct tcp_pcb *c;
	struct tcp_hdr h;

	inject(pport, PORT, TCP_SYN, PEER_ISN, 0, 65535, ts ? &o : NULL, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	o.has_mss = 0;
	inject(pport, PORT, TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, ts ? &o : NULL, NULL, 0);
	c = tcp_pcb_accept(l);
	assert_non_null(c);
	assert_int_equal(!!(c->flags & TF_TS_OK), ts);
	if (orphan)
		tcp_pcb_close(c, 0, now);
	else
		assert_int_equal(tcp_pcb_shutdown_send(c, now), 0);
	expect(TCP_FIN | TCP_ACK, ISN + 1, PEER_ISN + 1);
	o.tsval = 200;
	inject(pport, PORT, TCP_FIN | TCP_ACK, PEER_ISN + 1, ISN + 2, 65535, ts ? &o : NULL, NULL, 0);
	pop(&h, NULL);
	assert_int_equal(h.flags, TCP_ACK);
	assert_int_equal(h.seq, ISN + 2);
	assert_int_equal(h.ack, PEER_ISN + 2);
	expect_none();
	if (last_ack)
		*last_ack = h;
	assert_non_null(tcp_tw_lookup(NA4(us), PORT, NA4(peer), pport));
	return orphan ? NULL : c;
}

/* RFC 9293 3.6.1: our last ACK was lost, the FIN comes again: the record ACKs it as the
 * connection did (SEQ = SND.NXT, ACK = RCV.NXT, the window announced, TSval on our clock,
 * TSecr = TS.Recent) and 2 MSL starts again. TS.Recent moves only with an acceptable
 * segment (RFC 7323 4.3); an older TSval is a PAWS drop, answered with an ACK (5.3). */
static void test_fin_reacked_from_record(void **state)
{
	struct tcp_opts o = { .has_ts = 1 };
	struct tcp_pcb *l = listener();
	struct tcp_hdr first, h;
	uint32_t off;

	(void)state;
	tcp_config.timestamps = 1;
	to_time_wait(l, PEER, 1, 1, &first);
	assert_int_equal(tcp_pcb_count(), 1); /* the listener: the orphan's block is gone */
	assert_int_equal(tcp_tw_stats.tw_created, 1);
	assert_int_equal(tcp_stats.conns_time_wait, 1);
	assert_int_equal(tcp_stats.conns_live, 1);
	assert_true(first.opt.has_ts);
	assert_int_equal(first.opt.tsecr, 200);
	off = first.opt.tsval - (uint32_t)now;

	advance(1500);
	o.tsval = 300;
	inject(PEER, PORT, TCP_FIN | TCP_ACK, PEER_ISN + 1, ISN + 2, 65535, &o, NULL, 0);
	pop(&h, NULL);
	expect_none();
	assert_int_equal(h.flags, TCP_ACK);
	assert_int_equal(h.seq, ISN + 2);
	assert_int_equal(h.ack, PEER_ISN + 2);
	assert_int_equal(h.wnd, first.wnd);
	assert_true(h.opt.has_ts);
	assert_int_equal(h.opt.tsval, (uint32_t)now + off);
	assert_int_equal(h.opt.tsecr, 200); /* an old segment does not move TS.Recent */
	assert_int_equal(h.opt.nsack, 0);
	assert_int_equal(tcp_tw_stats.tw_fin_reacked, 1);

	/* an in-order ACK moves TS.Recent and needs no answer */
	o.tsval = 400;
	inject(PEER, PORT, TCP_ACK, PEER_ISN + 2, ISN + 2, 65535, &o, NULL, 0);
	expect_none();
	o.tsval = 500;
	inject(PEER, PORT, TCP_FIN | TCP_ACK, PEER_ISN + 1, ISN + 2, 65535, &o, NULL, 0);
	pop(&h, NULL);
	assert_int_equal(h.opt.tsecr, 400);
	/* PAWS: an older TSval is dropped with an ACK */
	o.tsval = 50;
	inject(PEER, PORT, TCP_ACK, PEER_ISN + 2, ISN + 2, 65535, &o, NULL, 0);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	expect_none();
	assert_int_equal(tcp_stats.rcv_paws_drop, 1);

	/* 2 MSL from the last FIN, not from entry */
	advance(2ull * tcp_config.msl_ms - 1);
	assert_non_null(tw_at(PORT));
	advance(1);
	assert_null(tw_at(PORT));
	assert_int_equal(tcp_tw_stats.tw_expired, 1);
	assert_int_equal(tcp_stats.conns_time_wait, 0);
	assert_int_equal(tcp_stats.conns_live, 0);
	/* nothing is left: the FIN now meets a RST */
	SEG(TCP_FIN | TCP_ACK, PEER_ISN + 1, ISN + 2, 65535, NULL, 0);
	expect(TCP_RST, ISN + 2, 0);
	expect_none();
	tcp_pcb_close(l, 0, now);
}

/* RFC 9293 3.10.7.4 second with RFC 5961 3.2: a RST out of the window is ignored, one in
 * the window but not at RCV.NXT is challenged, one at RCV.NXT ends TIME_WAIT. A SYN no
 * newer than the old connection is challenged too (RFC 5961 4.2), as is an ACK of data
 * never sent (5.2); data after the FIN is not taken. */
static void test_rst_and_challenges(void **state)
{
	struct tcp_pcb *l = listener();

	(void)state;
	to_time_wait(l, PEER, 0, 1, NULL);
	SEG(TCP_RST, PEER_ISN + 2 + 100000, 0, 0, NULL, 0);
	expect_none();
	assert_int_equal(tcp_stats.rcv_rst_out_of_window, 1);
	SEG(TCP_RST, PEER_ISN + 3, 0, 0, NULL, 0);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	assert_int_equal(tcp_stats.rcv_rst_challenged, 1);
	SEG(TCP_SYN, PEER_ISN + 1, 0, 65535, NULL, 0);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	assert_int_equal(tcp_stats.rcv_syn_challenged, 1);
	SEG(TCP_ACK, PEER_ISN + 2, ISN + 500, 65535, NULL, 0);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	assert_int_equal(tcp_stats.rcv_ack_too_new, 1);
	SEG(TCP_ACK, PEER_ISN + 2, ISN + 2, 65535, "late", 4);
	expect_none();
	assert_int_equal(tcp_stats.rcv_data_after_close, 1);
	assert_int_equal(tcp_stats.snd_challenge_ack, 3);
	expect_none();
	assert_non_null(tw_at(PORT));
	SEG(TCP_RST, PEER_ISN + 2, 0, 0, NULL, 0);
	expect_none();
	assert_null(tw_at(PORT));
	assert_int_equal(tcp_tw_stats.tw_reset, 1);
	assert_int_equal(tcp_stats.conns_time_wait, 0);
	assert_int_equal(tcp_stats.conn_drops, 0);
	tcp_pcb_close(l, 0, now);
	assert_int_equal(net_timers_armed(), 0);
}

/* RFC 6191 2: a SYN with a higher SEQ (no timestamps) reopens the 4-tuple: the record
 * ends, the listener answers with an ISS above the old connection's (SND.NXT + 65535 + 2). */
static void test_syn_reuses(void **state)
{
	struct tcp_pcb *l = listener();

	(void)state;
	to_time_wait(l, PEER, 0, 1, NULL);
	SEG(TCP_SYN, PEER_ISN + 100000, 0, 65535, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN + 2 + 65535 + 2, PEER_ISN + 100001);
	expect_none();
	assert_null(tw_at(PORT));
	assert_int_equal(tcp_tw_stats.tw_reused, 1);
	assert_int_equal(tcp_stats.rcv_tw_reopened, 1);
	assert_int_equal(tcp_syncache_count(), 1);
	tcp_pcb_close(l, 0, now);
	assert_int_equal(net_timers_armed(), 0);
}

/* One timer for every record: they go in the order they entered, each 2 MSL after its
 * entry or last repeated FIN (which moves it behind the others). */
static void test_expiry_order(void **state)
{
	struct tcp_pcb *l = listener();

	(void)state;
	to_time_wait(l, PEER, 0, 1, NULL);          /* A at t */
	advance(1000);
	to_time_wait(l, PEER + 1, 0, 1, NULL);      /* B at t + 1000 */
	advance(1000);
	to_time_wait(l, PEER + 2, 0, 1, NULL);      /* C at t + 2000 */
	assert_int_equal(tcp_tw_count(), 3);
	/* A's FIN again at t + 2500: A now ends last */
	advance(500);
	SEG(TCP_FIN | TCP_ACK, PEER_ISN + 1, ISN + 2, 65535, NULL, 0);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	advance(2ull * tcp_config.msl_ms - 1500 - 1); /* t + 2MSL + 999 */
	assert_int_equal(tcp_tw_count(), 3);
	advance(1);
	assert_int_equal(tcp_tw_count(), 2);
	assert_null(tcp_tw_lookup(NA4(us), PORT, NA4(peer), PEER + 1));
	advance(1000);
	assert_int_equal(tcp_tw_count(), 1);
	assert_non_null(tw_at(PORT));
	/* msl_ms lowered: D, made now, ends before A (500 ms left) */
	tcp_config.msl_ms = 100;
	to_time_wait(l, PEER + 3, 0, 1, NULL);
	advance(200);
	assert_int_equal(tcp_tw_count(), 1);
	assert_non_null(tw_at(PORT));
	advance(300);
	assert_int_equal(tcp_tw_count(), 0);
	assert_int_equal(tcp_tw_stats.tw_expired, 4);
	tcp_pcb_close(l, 0, now);
	assert_int_equal(net_timers_armed(), 0);
}

/* max_tw_buckets (Linux's tcp_max_tw_buckets): past it a connection closes at once, with
 * no TIME_WAIT, and tw_overflow counts it. */
static void test_limit(void **state)
{
	struct tcp_pcb *l = listener();

	(void)state;
	tcp_config.max_tw_buckets = 1;
	to_time_wait(l, PEER, 0, 1, NULL);
	inject(PEER + 1, PORT, TCP_SYN, PEER_ISN, 0, 65535, NULL, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	inject(PEER + 1, PORT, TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, NULL, 0);
	tcp_pcb_close(tcp_pcb_accept(l), 0, now);
	expect(TCP_FIN | TCP_ACK, ISN + 1, PEER_ISN + 1);
	inject(PEER + 1, PORT, TCP_FIN | TCP_ACK, PEER_ISN + 1, ISN + 2, 65535, NULL, NULL, 0);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	assert_int_equal(tcp_tw_stats.tw_overflow, 1);
	assert_int_equal(tcp_tw_count(), 1);
	assert_int_equal(tcp_pcb_count(), 1);
	assert_int_equal(tcp_stats.conn_drops, 0);
	/* its repeated FIN finds nothing */
	inject(PEER + 1, PORT, TCP_FIN | TCP_ACK, PEER_ISN + 1, ISN + 2, 65535, NULL, NULL, 0);
	expect(TCP_RST, ISN + 2, 0);
	tcp_pcb_close(l, 0, now);
	advance(2ull * tcp_config.msl_ms);
	assert_int_equal(tcp_tw_count(), 0);
	expect_none();
}

/* Records come from a pool: a steady stream of connections entering TIME_WAIT fills its
 * first slab and, once those records end, reuses the slots (no new slab, no malloc). */
static void test_records_pooled(void **state)
{
	const struct net_pool *p = tcp_tw_pool(0);
	struct tcp_pcb *l = listener();
	uint64_t slabs;

	(void)state;
	for (uint16_t i = 0; i < 100; i++)
		to_time_wait(l, (uint16_t)(PEER + i), 0, 1, NULL);
	assert_int_equal(tcp_tw_count(), 100);
	assert_int_equal(p->live, 100);
	assert_int_equal(tcp_tw_pool(1)->live, 0);
	slabs = p->slab_allocs;
	advance(2ull * tcp_config.msl_ms);
	assert_int_equal(tcp_tw_count(), 0);
	assert_int_equal(p->live, 0);
	for (uint16_t i = 0; i < 100; i++)
		to_time_wait(l, (uint16_t)(PEER + i), 0, 1, NULL);
	assert_int_equal(p->live, 100);
	assert_int_equal(p->slab_allocs, slabs);
	assert_non_null(tw_at(PORT));
	tcp_pcb_close(l, 0, now);
	advance(2ull * tcp_config.msl_ms);
	assert_int_equal(p->live, 0);
	expect_none();
}

/* The record holds the local port as the connection did: bind without SO_REUSEADDR and a
 * connect on the same 4-tuple fail; SO_REUSEADDR binds, and an ephemeral port avoids the
 * 4-tuple. */
static void test_port_held(void **state)
{
	struct tcp_pcb *l = listener(), *c;

	(void)state;
	to_time_wait(l, PEER, 0, 1, NULL);
	tcp_pcb_close(l, 0, now);
	c = tcp_pcb_alloc();
	assert_int_equal(tcp_pcb_bind(c, NA4(IP_ADDR_ANY), PORT, 0), -EADDRINUSE);
	assert_int_equal(tcp_pcb_bind(c, NA4(us), PORT, 0), -EADDRINUSE);
	assert_int_equal(tcp_pcb_bind(c, NA4(us), PORT, 1), 0);
	assert_int_equal(tcp_pcb_connect(c, NA4(peer), PEER, now), -EADDRINUSE);
	tcp_pcb_free(c);
	advance(2ull * tcp_config.msl_ms);
	c = tcp_pcb_alloc();
	assert_int_equal(tcp_pcb_bind(c, NA4(IP_ADDR_ANY), PORT, 0), 0);
	tcp_pcb_free(c);
	expect_none();
}

/* A socket still open when its connection enters TIME_WAIT reads what it read before: the
 * state TIME_WAIT, end of file, EPIPE on send; the record does the protocol's work and
 * ends the stub (CLOSED, a wakeup) after 2 MSL. Closed earlier, the stub goes and the
 * record stays. */
static void test_socket_stub(void **state)
{
	struct tcp_pcb *l = listener(), *c;
	uint8_t b[16];

	(void)state;
	upcalls = 0;
	c = to_time_wait(l, PEER, 0, 0, NULL);
	c->upcall = record_upcall;
	assert_int_equal(c->state, TCP_TIME_WAIT);
	assert_non_null(c->tw);
	assert_false(c->hashed);
	assert_int_equal(tcp_pcb_recv(c, b, sizeof(b), now), 0);
	assert_int_equal(tcp_pcb_send(c, "x", 1, now), -EPIPE);
	assert_int_equal(tcp_stats.conns_time_wait, 1);
	assert_int_equal(tcp_stats.conns_live, 1);
	assert_int_equal(tcp_pcb_count(), 2);
	/* the record answers, the stub does not change */
	SEG(TCP_FIN | TCP_ACK, PEER_ISN + 1, ISN + 2, 65535, NULL, 0);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	assert_int_equal(c->state, TCP_TIME_WAIT);
	advance(2ull * tcp_config.msl_ms);
	assert_int_equal(c->state, TCP_CLOSED);
	assert_null(c->tw);
	assert_int_equal(c->error, 0);
	assert_int_equal(upcalls, 1);
	assert_int_equal(tcp_tw_count(), 0);
	tcp_pcb_close(c, 0, now);

	/* closed by the application during TIME_WAIT */
	c = to_time_wait(l, PEER, 0, 0, NULL);
	tcp_pcb_close(c, 0, now);
	assert_int_equal(tcp_pcb_count(), 1);
	assert_non_null(tw_at(PORT));
	assert_null(tw_at(PORT)->pcb);
	SEG(TCP_FIN | TCP_ACK, PEER_ISN + 1, ISN + 2, 65535, NULL, 0);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	advance(2ull * tcp_config.msl_ms);
	assert_int_equal(tcp_tw_count(), 0);
	tcp_pcb_close(l, 0, now);
	expect_none();
}

/* The record is the point: a few dozen bytes beside the control block's kilobyte or two. */
static void test_record_is_small(void **state)
{
	(void)state;
	print_message("struct tcp_tw %zu bytes, struct tcp_pcb %zu bytes\n",
		      sizeof(struct tcp_tw), sizeof(struct tcp_pcb));
	assert_true(sizeof(struct tcp_tw) <= 128);
	assert_true(sizeof(struct tcp_tw) * 8 < sizeof(struct tcp_pcb));
}

/* Through the socket calls: what an application that shut down its sending side sees once
 * the connection is in TIME_WAIT (readable at end of file and hung up, not writable; recv
 * 0, send EPIPE, TCP_MAXSEG as before), and once TIME_WAIT ends (CLOSED: writable too).
 * These are the results the whole control block gave when it stayed in TIME_WAIT. */
static void test_socket_view(void **state)
{
	struct sockaddr_in pa = { .sin_family = AF_INET, .sin_port = htons(PEER) };
	struct us_pollfd p = { .events = US_POLLIN | US_POLLOUT };
	socklen_t len = sizeof(int);
	uint16_t lport;
	int fd, v = 0;
	uint8_t b[16];

	(void)state;
	pa.sin_addr.s_addr = peer;
	fd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	assert_int_equal(us_connect(fd, (const struct sockaddr *)&pa, sizeof(pa)), -EINPROGRESS);
	expect(TCP_SYN, ISN, 0);
	{
		struct sockaddr_in a;
		socklen_t alen = sizeof(a);

		assert_int_equal(us_getsockname(fd, (struct sockaddr *)&a, &alen), 0);
		lport = ntohs(a.sin_port);
	}
	inject(PEER, lport, TCP_SYN | TCP_ACK, PEER_ISN, ISN + 1, 65535, NULL, NULL, 0);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1);
	assert_int_equal(us_shutdown(fd, SHUT_WR), 0);
	expect(TCP_FIN | TCP_ACK, ISN + 1, PEER_ISN + 1);
	inject(PEER, lport, TCP_FIN | TCP_ACK, PEER_ISN + 1, ISN + 2, 65535, NULL, NULL, 0);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	expect_none();
	assert_int_equal(tcp_stats.conns_time_wait, 1);
	p.fd = fd;
	assert_int_equal(us_poll(&p, 1, 0), 1);
	assert_int_equal(p.revents, US_POLLIN | US_POLLHUP);
	assert_int_equal(us_recv(fd, b, sizeof(b), 0), 0);
	assert_int_equal(us_send(fd, "x", 1, 0), -EPIPE);
	assert_int_equal(us_getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &v, &len), 0);
	assert_int_equal(v, 536);
	assert_int_equal(us_shutdown(fd, SHUT_RDWR), 0);
	/* the peer's FIN again: ACKed, nothing changes for the socket */
	inject(PEER, lport, TCP_FIN | TCP_ACK, PEER_ISN + 1, ISN + 2, 65535, NULL, NULL, 0);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	assert_int_equal(us_poll(&p, 1, 0), 1);
	assert_int_equal(p.revents, US_POLLIN | US_POLLHUP);
	advance(2ull * tcp_config.msl_ms);
	assert_int_equal(tcp_stats.conns_time_wait, 0);
	assert_int_equal(us_poll(&p, 1, 0), 1);
	assert_int_equal(p.revents, US_POLLIN | US_POLLOUT | US_POLLHUP);
	assert_int_equal(us_recv(fd, b, sizeof(b), 0), 0);
	assert_int_equal(us_send(fd, "x", 1, 0), -EPIPE);
	assert_int_equal(us_close(fd), 0);
	expect_none();
}

/* A socket in TIME_WAIT has nothing to keep alive: SO_KEEPALIVE and TCP_KEEPIDLE set
 * then arm no timer on the stub. (They did: after the idle time the stub sent keepalive
 * probes for a connection both sides had closed, and TCP_KEEPCNT probes later a RST and
 * ETIMEDOUT ended the record early and failed the socket.) */
static void test_stub_no_keepalive(void **state)
{
	struct sockaddr_in pa = { .sin_family = AF_INET, .sin_port = htons(PEER) };
	int one = 1, fd, cnt = 1, v = -1;
	socklen_t len = sizeof(v);
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	uint16_t lport;
	uint8_t b[4];

	(void)state;
	pa.sin_addr.s_addr = peer;
	fd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	assert_int_equal(us_connect(fd, (const struct sockaddr *)&pa, sizeof(pa)), -EINPROGRESS);
	expect(TCP_SYN, ISN, 0);
	assert_int_equal(us_getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	lport = ntohs(a.sin_port);
	inject(PEER, lport, TCP_SYN | TCP_ACK, PEER_ISN, ISN + 1, 65535, NULL, NULL, 0);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1);
	assert_int_equal(us_shutdown(fd, SHUT_WR), 0);
	expect(TCP_FIN | TCP_ACK, ISN + 1, PEER_ISN + 1);
	inject(PEER, lport, TCP_FIN | TCP_ACK, PEER_ISN + 1, ISN + 2, 65535, NULL, NULL, 0);
	expect(TCP_ACK, ISN + 2, PEER_ISN + 2);
	expect_none();
	assert_int_equal(tcp_stats.conns_time_wait, 1);
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)), 0);
	assert_int_equal(us_setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &one, sizeof(one)), 0);
	assert_int_equal(us_setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &one, sizeof(one)), 0);
	assert_int_equal(us_setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)), 0);
	advance(5000);
	expect_none();
	assert_int_equal(tcp_stats.conns_time_wait, 1);
	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	assert_int_equal(v, 0);
	advance(2ull * tcp_config.msl_ms);
	expect_none();
	assert_int_equal(tcp_stats.conns_time_wait, 0);
	assert_int_equal(us_recv(fd, b, sizeof(b), 0), 0);
	assert_int_equal(us_close(fd), 0);
	expect_none();
}

static int sock_setup(void **state)
{
	script_sockets = 1;
	return setup(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fin_reacked_from_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rst_and_challenges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syn_reuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_records_pooled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_stub, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_is_small, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_view, sock_setup, teardown),
		cmocka_unit_test_setup_teardown(test_stub_no_keepalive, sock_setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
