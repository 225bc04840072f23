/* SPDX-License-Identifier: MIT */
/* TCP segment scripts for the window update after the application reads (RFC 9293
 * 3.8.6.2.2, RFC 1122 4.2.3.3, receiver SWS avoidance): the peer fills the receive window
 * to zero; a read that lets the right edge move by less than min(MSS, half the buffer)
 * sends nothing; the read that passes it sends exactly one window update; with window
 * scale the update counts only what the scaled field can announce. Each ends with every
 * connection freed and no leak (teardown). */
#include "test/unit/tcp_script.h"

#define R (PEER_ISN + 1) /* RCV.NXT after the handshake */

static uint8_t junk[1460];
static uint8_t sink[1 << 18];

/* RFC 9293 3.5 with MSS 1460 (and window scale 7 when ws) from the peer. */
static struct tcp_pcb *open_conn(struct tcp_pcb *l, int ws)
{
	struct tcp_opts o = { .has_mss = 1, .mss = 1460, .has_wscale = (uint8_t)ws, .wscale = 7 };
	struct tcp_pcb *c;

	tcp_config.window_scaling = ws;
	inject(PEER, PORT, TCP_SYN, PEER_ISN, 0, 65535, &o, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	inject(PEER, PORT, TCP_ACK, R, ISN + 1, 65535, NULL, NULL, 0);
	expect_none();
	c = tcp_pcb_accept(l);
	assert_non_null(c);
	assert_int_equal(c->mss, 1460);
	return c;
}

/* The peer sends full segments until the window is full; our ACKs (every second
 * segment, RFC 5681 4.2) are taken as they come. Returns the last ACK's window field. */
static uint16_t fill(uint32_t bytes)
{
	struct tcp_hdr h = { 0 };
	uint32_t off = 0;
	int acks = 0;

	while (off < bytes) {
		uint32_t n = bytes - off < sizeof(junk) ? bytes - off : (uint32_t)sizeof(junk);
		inject(PEER, PORT, TCP_ACK, R + off, ISN + 1, 65535, NULL, junk, n);
		off += n;
		while (test_dev_pending(tun)) {
			assert_int_equal(pop(&h, NULL), 0);
			assert_int_equal(h.flags, TCP_ACK);
			acks++;
		}
	}
	advance(tcp_config.delack_ms); /* the last ACK, if it was delayed */
	while (test_dev_pending(tun)) {
		assert_int_equal(pop(&h, NULL), 0);
		acks++;
	}
	assert_true(acks > 0);
	assert_int_equal(h.ack, R + bytes);
	return h.wnd;
}

/* The next segment is a pure ACK of everything with this window field. */
static void expect_update(uint32_t acked, uint16_t wnd)
{
	struct tcp_hdr h;

	assert_int_equal(pop(&h, NULL), 0);
	assert_int_equal(h.flags, TCP_ACK);
	assert_int_equal(h.seq, ISN + 1);
	assert_int_equal(h.ack, R + acked);
	if (h.wnd != wnd)
		fail_msg("window update announces %u, want %u", h.wnd, wnd);
}

static void finish(struct tcp_pcb *l, struct tcp_pcb *c)
{
	tcp_pcb_drop(c, 0);
	tcp_pcb_drop(l, 0);
	expect_none();
	assert_int_equal(tcp_pcb_count(), 0);
	test_assert_no_leaks();
}

/* Without window scale, 16 KiB buffer, MSS 1460: the threshold is min(1460, 8192). */
static void test_window_update_after_read(void **state)
{
	struct tcp_pcb *l = listener(), *c = open_conn(l, 0);

	(void)state;
	assert_int_equal(fill(16384), 0); /* RFC 9293 3.8.6.2.1: the zero window */
	assert_int_equal(c->rcv_adv, c->rcv_nxt);
	/* 1459 bytes free: under the threshold, nothing (the right edge stays) */
	assert_int_equal(tcp_pcb_recv(c, sink, 1000, now), 1000);
	assert_int_equal(tcp_pcb_recv(c, sink, 459, now), 459);
	expect_none();
	assert_int_equal(c->rcv_adv, c->rcv_nxt);
	/* one more byte: 1460 free, exactly one update announcing all of it */
	assert_int_equal(tcp_pcb_recv(c, sink, 1, now), 1);
	expect_update(16384, 1460);
	expect_none();
	assert_int_equal(c->rcv_adv, c->rcv_nxt + 1460);
	/* reading on by less than the threshold again: nothing; past it: one update */
	assert_int_equal(tcp_pcb_recv(c, sink, 1459, now), 1459);
	expect_none();
	assert_int_equal(tcp_pcb_recv(c, sink, 1, now), 1);
	expect_update(16384, 2920);
	/* no timer sends anything more on its own */
	advance(5000);
	expect_none();
	assert_int_equal(tcp_pcb_recv(c, sink, sizeof(sink), now), 16384 - 2920);
	expect_update(16384, 16384);
	expect_none();
	finish(l, c);
}

/* RFC 7323 2.3 with a 256 KiB buffer (shift 3): the update waits until the window the
 * field can announce (a multiple of 8 bytes) has grown by min(MSS, half the buffer).
 * Auto-tuning off: the window is the whole buffer from the start. */
static void test_window_update_scaled(void **state)
{
	struct tcp_pcb *l, *c;

	(void)state;
	tcp_config.rcvbuf = 262144;
	tcp_config.rcvbuf_autotune = 0;
	l = listener();
	c = open_conn(l, 1);
	assert_true(c->flags & TF_WS_OK);
	assert_int_equal(c->rcv_wscale, 3);
	assert_int_equal(fill(262144), 0);
	/* 1459 free bytes announce 1456 (a multiple of 8): under 1460, nothing */
	assert_int_equal(tcp_pcb_recv(c, sink, 1459, now), 1459);
	expect_none();
	/* 1463 free would pass 1460 but still announce 1456: nothing either */
	assert_int_equal(tcp_pcb_recv(c, sink, 4, now), 4);
	expect_none();
	/* 1464 free, announced exactly: one update of 1464 >> 3 = 183 units */
	assert_int_equal(tcp_pcb_recv(c, sink, 1, now), 1);
	expect_update(262144, 183);
	expect_none();
	assert_int_equal(c->rcv_adv, c->rcv_nxt + 1464);
	finish(l, c);
}

/* The next segment is a pure ACK of `acked` bytes with this window field. */
static void expect_ack_wnd(uint32_t acked, uint16_t wnd)
{
	struct tcp_hdr h;

	assert_int_equal(pop(&h, NULL), 0);
	assert_int_equal(h.flags, TCP_ACK);
	if (h.ack != R + acked || h.wnd != wnd)
		fail_msg("got ack %u wnd %u, want ack %u wnd %u", h.ack - R, h.wnd, acked, wnd);
}

/* RFC 5681 2: an ACK is a duplicate only if, among other things, "the advertised window
 * in the incoming acknowledgment equals the advertised window in the last incoming
 * acknowledgment"; a sender without SACK (lwIP, BSD and so slirp) that checks it resets
 * its count when the window moves. So while out-of-order data waits, the application
 * reading frees buffer without moving the right edge: no window update, and the next
 * duplicate ACK carries the same window. Filling the hole opens it again. (Found
 * against lwIP: a dup ACK with an opened window cost it its fast retransmit, and each
 * such loss a 1.5 s timeout; docs/interop.md.) */
static void test_window_held_while_out_of_order(void **state)
{
	struct tcp_pcb *l = listener(), *c = open_conn(l, 0);
	struct tcp_hdr h;

	(void)state;
	/* four full segments in order; the application does not read yet */
	for (uint32_t i = 0; i < 4; i++)
		inject(PEER, PORT, TCP_ACK, R + i * 1460, ISN + 1, 65535, NULL, junk, 1460);
	advance(tcp_config.delack_ms);
	while (test_dev_pending(tun))
		assert_int_equal(pop(&h, NULL), 0);
	assert_int_equal(h.ack, R + 5840);
	assert_int_equal(h.wnd, 16384 - 5840);
	/* segment 6 arrives, segment 5 was lost: a duplicate ACK at once (RFC 5681 4.2) */
	inject(PEER, PORT, TCP_ACK, R + 7300, ISN + 1, 65535, NULL, junk, 1460);
	expect_ack_wnd(5840, 16384 - 5840);
	expect_none();
	/* the application reads everything in order: the window would grow by 5840 */
	assert_int_equal(tcp_pcb_recv(c, sink, sizeof(sink), now), 5840);
	expect_none();
	/* segment 7: the next duplicate ACK, same window */
	inject(PEER, PORT, TCP_ACK, R + 8760, ISN + 1, 65535, NULL, junk, 1460);
	expect_ack_wnd(5840, 16384 - 5840);
	expect_none();
	/* segment 5 fills the hole: 4380 bytes wait in the ring, the rest is announced */
	inject(PEER, PORT, TCP_ACK, R + 5840, ISN + 1, 65535, NULL, junk, 1460);
	expect_ack_wnd(10220, 16384 - 4380);
	expect_none();
	finish(l, c);
}

/* With SACK the edge is not held: a SACK sender reads the blocks (RFC 6675) rather than
 * counting ACKs with an unchanged window, and a window held through a lossy stretch
 * starved the Linux sender of room to send (bench/loss.sh: 20% loss uploads took 15 times
 * longer). The read announces the room it made at once, hole or not. */
static void test_window_not_held_with_sack(void **state)
{
	struct tcp_opts o = { .has_mss = 1, .mss = 1460, .sack_permitted = 1 };
	struct tcp_pcb *l = listener(), *c;
	struct tcp_hdr h;

	(void)state;
	tcp_config.sack = 1;
	inject(PEER, PORT, TCP_SYN, PEER_ISN, 0, 65535, &o, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	inject(PEER, PORT, TCP_ACK, R, ISN + 1, 65535, NULL, NULL, 0);
	c = tcp_pcb_accept(l);
	assert_non_null(c);
	assert_true(c->flags & TF_SACK_OK);
	for (uint32_t i = 0; i < 4; i++)
		inject(PEER, PORT, TCP_ACK, R + i * 1460, ISN + 1, 65535, NULL, junk, 1460);
	advance(tcp_config.delack_ms);
	while (test_dev_pending(tun))
		assert_int_equal(pop(&h, NULL), 0);
	assert_int_equal(h.wnd, 16384 - 5840);
	/* segment 6 arrives, segment 5 was lost: a duplicate ACK with its SACK block */
	inject(PEER, PORT, TCP_ACK, R + 7300, ISN + 1, 65535, NULL, junk, 1460);
	assert_int_equal(pop(&h, NULL), 0);
	assert_int_equal(h.ack, R + 5840);
	assert_int_equal(h.opt.nsack, 1);
	/* the read opens the window, and says so */
	assert_int_equal(tcp_pcb_recv(c, sink, sizeof(sink), now), 5840);
	assert_int_equal(pop(&h, NULL), 0);
	assert_int_equal(h.ack, R + 5840);
	assert_true(h.wnd > 16384 - 5840);
	expect_none();
	finish(l, c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_window_update_after_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_update_scaled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_held_while_out_of_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_window_not_held_with_sack, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
