/* SPDX-License-Identifier: MIT */
/* TCP segment scripts for the receiving side of SACK (RFC 2018): while out-of-order data
 * waits, every ACK names it in SACK blocks, the block with the segment that triggered the
 * ACK first, then the most recently reported ones, 4 at most (3 beside timestamps); none
 * when SACK was not negotiated or nothing waits. Each ends with every connection freed and
 * no leak (teardown). */
#include "test/unit/tcp_script.h"

#define R (PEER_ISN + 1) /* RCV.NXT after the handshake */

static uint8_t junk[200];
static int with_ts;
static uint32_t peer_ts = 100;

/* RFC 9293 3.5 with SACK-permitted (and timestamps when with_ts) in both SYNs. */
static struct tcp_pcb *open_sack(struct tcp_pcb *l, int sack)
{
	struct tcp_opts o = { .has_mss = 1, .mss = 1460, .sack_permitted = (uint8_t)sack,
			      .has_ts = (uint8_t)with_ts, .tsval = peer_ts };
	struct tcp_pcb *c;
	struct tcp_hdr h;

	tcp_config.sack = 1;
	tcp_config.timestamps = with_ts;
	inject(PEER, PORT, TCP_SYN, PEER_ISN, 0, 65535, &o, NULL, 0);
	pop(&h, NULL);
	assert_int_equal(h.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(h.opt.sack_permitted, sack);
	memset(&o, 0, sizeof(o));
	o.has_ts = (uint8_t)with_ts;
	o.tsval = peer_ts;
	inject(PEER, PORT, TCP_ACK, R, ISN + 1, 65535, &o, NULL, 0);
	expect_none();
	c = tcp_pcb_accept(l);
	assert_non_null(c);
	assert_int_equal(!!(c->flags & TF_SACK_OK), sack);
	return c;
}

/* the peer sends [R + off, R + off + len) */
static void data(uint32_t off, uint32_t len)
{
	struct tcp_opts o = { .has_ts = (uint8_t)with_ts, .tsval = peer_ts };

	inject(PEER, PORT, TCP_ACK, R + off, ISN + 1, 65535, &o, junk, len);
}

/* The next segment is a pure ACK of R + ack carrying exactly the n blocks given as offsets
 * from R (left, right, left, right, ...). */
static void expect_sack(uint32_t ack, unsigned n, const uint32_t *b)
{
	struct tcp_hdr h;

	assert_int_equal(pop(&h, NULL), 0);
	assert_int_equal(h.flags, TCP_ACK);
	assert_int_equal(h.ack, R + ack);
	assert_int_equal(h.opt.has_ts, with_ts);
	if (h.opt.nsack != n)
		fail_msg("ACK %u: %u SACK blocks, want %u", ack, h.opt.nsack, n);
	for (unsigned i = 0; i < n; i++) {
		if (h.opt.sack[i].left != R + b[2 * i] || h.opt.sack[i].right != R + b[2 * i + 1])
			fail_msg("ACK %u: block %u is %u-%u, want %u-%u", ack, i,
				 h.opt.sack[i].left - R, h.opt.sack[i].right - R, b[2 * i], b[2 * i + 1]);
	}
}
#define SACK(ack, ...) do {                                                    \
	const uint32_t b_[] = { __VA_ARGS__ };                                 \
	expect_sack(ack, sizeof(b_) / sizeof(b_[0]) / 2, b_);                 \
} while (0)

static void finish(struct tcp_pcb *l, struct tcp_pcb *c)
{
	c->upcall = NULL;
	tcp_pcb_drop(c, 0);
	tcp_pcb_drop(l, 0);
	expect_none();
	assert_int_equal(tcp_pcb_count(), 0);
	test_assert_no_leaks();
}

/* RFC 2018 3-4 without timestamps: up to 4 blocks, the newest first; a segment joining two
 * blocks reports the joined one first; once the hole before them fills, the cumulative ACK
 * moves and the blocks it covers go; with nothing left out of order, no SACK option. */
static void test_sack_blocks_order(void **state)
{
	struct tcp_pcb *l = listener(), *c = open_sack(l, 1);
	uint8_t buf[2048];

	(void)state;
	data(100, 100);
	SACK(0, 100, 200);
	data(300, 100);
	SACK(0, 300, 400, 100, 200);
	data(500, 100);
	SACK(0, 500, 600, 300, 400, 100, 200);
	data(700, 100);
	SACK(0, 700, 800, 500, 600, 300, 400, 100, 200);
	data(900, 100); /* five ranges now: the oldest reported one is left out */
	SACK(0, 900, 1000, 700, 800, 500, 600, 300, 400);
	/* a duplicate of queued data names its block first again (no D-SACK) */
	data(500, 100);
	SACK(0, 500, 600, 900, 1000, 700, 800, 300, 400);
	/* [200, 300) joins [100, 200) and [300, 400) */
	data(200, 100);
	SACK(0, 100, 400, 500, 600, 900, 1000, 700, 800);
	/* [550, 750) overlaps [500, 600) and [700, 800) and fills what lies between */
	data(550, 200);
	SACK(0, 500, 800, 100, 400, 900, 1000);
	expect_none();
	/* the hole at the front fills: everything up to 800 is in order, [900, 1000) waits */
	data(0, 100);
	SACK(400, 500, 800, 900, 1000);
	data(400, 100);
	SACK(800, 900, 1000);
	data(800, 100);
	SACK(1000);
	expect_none();
	assert_int_equal(c->ooo_count, 0);
	assert_int_equal(tcp_pcb_recv(c, buf, sizeof(buf), now), 1000);
	expect_none();
	/* and in-order data is acknowledged without blocks */
	data(1000, 100);
	data(1100, 100);
	expect_none(); /* two short segments: the delayed ACK (RFC 9293 3.8.6.3) */
	advance(tcp_config.delack_ms);
	SACK(1200);
	expect_none();
	finish(l, c);
}

/* RFC 2018 3: beside the 10 (12 with padding) bytes of timestamps there is room for only
 * 3 blocks; the newest 3 are sent. */
static void test_sack_blocks_with_timestamps(void **state)
{
	struct tcp_pcb *l = listener(), *c;

	(void)state;
	with_ts = 1;
	c = open_sack(l, 1);
	assert_true(c->flags & TF_TS_OK);
	data(100, 100);
	SACK(0, 100, 200);
	data(300, 100);
	data(500, 100);
	expect_sack(0, 2, (const uint32_t[]){ 300, 400, 100, 200 });
	SACK(0, 500, 600, 300, 400, 100, 200);
	data(700, 100);
	SACK(0, 700, 800, 500, 600, 300, 400);
	expect_none();
	with_ts = 0;
	finish(l, c);
}

/* RFC 2018 2: without SACK-permitted in the peer's SYN, no SACK option ever. */
static void test_no_sack_without_permission(void **state)
{
	struct tcp_pcb *l = listener(), *c = open_sack(l, 0);

	(void)state;
	data(100, 100);
	SACK(0);
	data(300, 100);
	SACK(0);
	expect_none();
	finish(l, c);
}

/* RFC 2018 3 in a data segment: what we send carries the blocks only in the room a short
 * segment leaves below the MSS (a full one would no longer fit the path). */
static void test_sack_blocks_in_data_segments(void **state)
{
	struct tcp_pcb *l = listener(), *c = open_sack(l, 1);
	static uint8_t big[1460];
	struct tcp_hdr h;

	(void)state;
	c->flags |= TF_NODELAY;
	data(100, 100);
	SACK(0, 100, 200);
	assert_int_equal(tcp_pcb_send(c, "hi", 2, now), 2);
	assert_int_equal(pop(&h, NULL), 2);
	assert_int_equal(h.opt.nsack, 1);
	assert_int_equal(h.opt.sack[0].left, R + 100);
	assert_int_equal(h.ack, R);
	/* the peer acknowledges it; then a full segment goes without blocks */
	inject(PEER, PORT, TCP_ACK, R, ISN + 3, 65535, NULL, NULL, 0);
	expect_none();
	assert_int_equal(c->mss, 1460);
	assert_int_equal(tcp_pcb_send(c, big, sizeof(big), now), (ssize_t)sizeof(big));
	assert_int_equal(pop(&h, NULL), 1460);
	assert_int_equal(h.opt.nsack, 0);
	expect_none();
	finish(l, c);
}

/* RFC 2018 4 with RFC 5681 4.2: a FIN without data after a hole draws the duplicate ACK
 * at once, naming the queued data it follows; once the hole fills, the ACK covers data
 * and FIN and carries no block. */
static void test_sack_out_of_order_fin(void **state)
{
	struct tcp_pcb *l = listener(), *c = open_sack(l, 1);
	uint8_t buf[512];

	(void)state;
	data(100, 100);
	SACK(0, 100, 200);
	data(300, 100);
	SACK(0, 300, 400, 100, 200);
	inject(PEER, PORT, TCP_ACK | TCP_FIN, R + 400, ISN + 1, 65535, NULL, NULL, 0);
	SACK(0, 300, 400, 100, 200);
	expect_none();
	data(200, 100);
	SACK(0, 100, 400);
	data(0, 100);
	SACK(401);
	expect_none();
	assert_int_equal(c->state, TCP_CLOSE_WAIT);
	assert_int_equal(tcp_pcb_recv(c, buf, sizeof(buf), now), 400);
	assert_int_equal(tcp_pcb_recv(c, buf, sizeof(buf), now), 0);
	finish(l, c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sack_blocks_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sack_blocks_with_timestamps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_sack_without_permission, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sack_blocks_in_data_segments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sack_out_of_order_fin, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
