/* SPDX-License-Identifier: MIT */
/* The receive queue (tcp_reass.c), with the fake clock: a segment that fills at least half
 * of its buffer is held whole instead of copied into the ring, a smaller one is copied, the
 * two interleave, and whatever the mix the application reads, peeks (through a cursor) and
 * drops the bytes in sequence order; the window counts held bytes; a buffer someone else
 * holds a reference to is copied; a segment from the out-of-order queue is held when its
 * turn comes; unread held segments are freed with the connection; held buffers count
 * against mem_pressure. */
#include "test/unit/tcp_script.h"

#define R (PEER_ISN + 1) /* RCV.NXT after the handshake */
#define FULL 1460        /* fills 1500 bytes of a 2048-byte pool buffer: held */
#define SMALL 500        /* under half of one: copied into the ring */

static uint8_t pattern[1 << 16];
static uint8_t got[1 << 16];

static void fill_pattern(void)
{
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 13 + i / 241);
}

/* Copies n bytes from offset off of c's received data, as one MSG_PEEK does: a cursor
 * skips to off and copies from there. */
static void peek(const struct tcp_pcb *c, size_t off, void *dst, size_t n)
{
	struct tcp_rcv_cursor cur;

	tcp_rcv_cursor_init(c, &cur);
	assert_int_equal(tcp_rcv_cursor_copy(c, &cur, NULL, off), off);
	assert_int_equal(tcp_rcv_cursor_copy(c, &cur, dst, n), n);
}

/* The peer's len bytes of the pattern from stream offset off, as one segment. */
static void peer_seg(uint32_t off, uint32_t len)
{
	SEG(TCP_ACK | TCP_PSH, R + off, ISN + 1, 65535, pattern + off, len);
}

static struct tcp_pcb *open_conn(struct tcp_pcb **l)
{
	fill_pattern();
	*l = listener();
	return passive_open(*l);
}

static void close_all(struct tcp_pcb *c, struct tcp_pcb *l)
{
	tcp_pcb_close(c, 1, now);
	tcp_pcb_close(l, 0, now);
	drain();
}

static void test_full_segments_held(void **state)
{
	struct tcp_pcb *l, *c = open_conn(&l);
	size_t live;

	(void)state;
	peer_seg(0, FULL);
	peer_seg(FULL, FULL);
	peer_seg(2 * FULL, FULL);
	assert_int_equal(tcp_stats.rcv_held_segs, 3);
	assert_int_equal(tcp_stats.mem_held_bytes, 3 * PKB_POOL_BUF_SIZE);
	assert_int_equal(tcp_rcv_queued(c), 3 * FULL);
	assert_int_equal(c->rcv_held_len, 3 * FULL);
	assert_null(c->rcv_buf.buf); /* no ring storage was needed */
	assert_int_equal(c->rcv_nxt, R + 3 * FULL);
	/* the window counts what is held: 16384 - 4380 in the ACK of the second segment
	 * (and none after the third: delayed) */
	assert_int_equal(drain(), 16384 - 2 * FULL);
	live = pkb_outstanding();

	/* peek across the first two buffers, from offset 1000 */
	peek(c, 1000, got, 2000);
	assert_memory_equal(got, pattern + 1000, 2000);
	assert_int_equal(tcp_rcv_queued(c), 3 * FULL);
	/* a read that ends inside the second buffer frees the first */
	assert_int_equal(tcp_pcb_recv(c, got, 2000, now), 2000);
	assert_memory_equal(got, pattern, 2000);
	drain(); /* a window update may wait in the device */
	assert_int_equal(pkb_outstanding(), live - 1);
	/* MSG_TRUNC drops the rest of the second buffer uncopied */
	assert_int_equal(tcp_pcb_recv(c, NULL, 2 * FULL - 2000, now), 2 * FULL - 2000);
	drain();
	assert_int_equal(pkb_outstanding(), live - 2);
	assert_int_equal(tcp_pcb_recv(c, got, sizeof(got), now), FULL);
	assert_memory_equal(got, pattern + 2 * FULL, FULL);
	assert_int_equal(tcp_rcv_queued(c), 0);
	assert_int_equal(tcp_stats.mem_held_bytes, 0);
	drain();
	assert_int_equal(pkb_outstanding(), live - 3);
	assert_int_equal(tcp_pcb_recv(c, got, sizeof(got), now), -EAGAIN);
	close_all(c, l);
}

/* Held segments and ring bytes interleave: a full segment is held whatever the ring holds,
 * a small one is copied into the ring whatever is held, and reads and peeks that cross
 * from one to the other see the stream in order. */
static void test_held_and_ring_interleave(void **state)
{
	struct tcp_pcb *l, *c = open_conn(&l);
	uint32_t off = 0;
	size_t n;

	(void)state;
	peer_seg(off, FULL); /* held */
	off += FULL;
	peer_seg(off, SMALL); /* the ring */
	off += SMALL;
	peer_seg(off, FULL); /* held, behind the small one */
	off += FULL;
	peer_seg(off, SMALL); /* the ring again: the tail */
	off += SMALL;
	assert_int_equal(tcp_stats.rcv_held_segs, 2);
	assert_int_equal(c->rcv_held_len, 2 * FULL);
	assert_int_equal(c->rcv_buf.len, 2 * SMALL);
	assert_int_equal(c->rcv_ring_tail, SMALL);
	assert_int_equal(tcp_rcv_queued(c), off);
	/* a peek from inside the first held segment through the ring into the second */
	peek(c, FULL - 100, got, 700);
	assert_memory_equal(got, pattern + FULL - 100, 700);
	/* one from inside the ring's first bytes to the end */
	peek(c, FULL + 10, got, off - FULL - 10);
	assert_memory_equal(got, pattern + FULL + 10, off - FULL - 10);
	/* a ring run after a held segment: its bytes stand behind the first run's in the
	 * ring (the peek must start at the ring's offset SMALL, not 0) */
	peer_seg(off, FULL); /* held */
	off += FULL;
	peer_seg(off, SMALL); /* the tail */
	off += SMALL;
	assert_int_equal(c->rcv_ring_tail, SMALL);
	peek(c, 2 * FULL + SMALL + 50, got, 300); /* inside the second run */
	assert_memory_equal(got, pattern + 2 * FULL + SMALL + 50, 300);
	peek(c, 3 * FULL + 2 * SMALL + 7, got, SMALL - 7); /* inside the third */
	assert_memory_equal(got, pattern + 3 * FULL + 2 * SMALL + 7, SMALL - 7);
	/* read in pieces smaller than a segment, across every boundary */
	n = 0;
	while (n < off) {
		ssize_t r = tcp_pcb_recv(c, got + n, 333, now);
		assert_true(r > 0);
		n += (size_t)r;
	}
	assert_int_equal(n, off);
	assert_memory_equal(got, pattern, off);
	assert_int_equal(tcp_rcv_queued(c), 0);
	assert_int_equal(c->rcv_ring_tail, 0);
	drain();

	/* the ring first: a small segment, then a full one held behind it; MSG_TRUNC drops
	 * across the boundary */
	peer_seg(off, SMALL);
	peer_seg(off + SMALL, FULL);
	assert_int_equal(tcp_stats.rcv_held_segs, 4);
	assert_int_equal(c->rcv_ring_tail, 0);
	assert_int_equal(tcp_pcb_recv(c, NULL, SMALL + 100, now), SMALL + 100);
	assert_int_equal(tcp_pcb_recv(c, got, sizeof(got), now), FULL - 100);
	assert_memory_equal(got, pattern + off + SMALL + 100, FULL - 100);
	close_all(c, l);
}

/* The ring bytes the queue accounts for: those before each held segment (the size_t that
 * opens its cb, tcp_reass.c) and the tail. Always the ring's length. */
static size_t ring_counted(const struct tcp_pcb *c)
{
	const struct pkb *p;
	size_t sum = c->rcv_ring_tail, before;

	TAILQ_FOREACH(p, &c->rcv_held, link) {
		memcpy(&before, p->cb, sizeof(before));
		sum += before;
	}
	return sum;
}

/* A seeded mix of segment sizes on both sides of the holding rule, read, dropped and peeked
 * in random pieces: every byte comes out once, in order, and the queue's counts agree. */
static void test_interleave_random(void **state)
{
	static const uint32_t sizes[] = { FULL, SMALL, 1000, 1100, 1, 1460 };
	struct tcp_pcb *l, *c = open_conn(&l);
	uint32_t sent = 0, read = 0, seed = 12345;
	uint8_t want[4096];

	(void)state;
	for (int round = 0; round < 400; round++) {
		seed = seed * 1103515245u + 12345u;
		uint32_t len = sizes[(seed >> 16) % 6];

		if (sent + len <= sizeof(pattern) && tcp_rcv_space(c) >= len) {
			peer_seg(sent, len);
			sent += len;
			drain();
		}
		assert_int_equal(tcp_rcv_queued(c), sent - read);
		seed = seed * 1103515245u + 12345u;
		size_t q = tcp_rcv_queued(c), k = (seed >> 16) % 4000;
		if (k > q)
			k = q;
		if (k && (seed & 0x300) == 0x100) { /* a peek somewhere inside */
			size_t poff = (seed >> 4) % q;
			size_t pn = q - poff < k ? q - poff : k;
			peek(c, poff, want, pn);
			assert_memory_equal(want, pattern + read + poff, pn);
			/* the same bytes through a cursor, in pieces of 1 to 300 (MSG_PEEK's iovecs) */
			struct tcp_rcv_cursor cur;
			size_t at = 0;
			memset(want, 0, pn);
			tcp_rcv_cursor_init(c, &cur);
			assert_int_equal(tcp_rcv_cursor_copy(c, &cur, NULL, poff), poff);
			while (at < pn) {
				size_t piece = 1 + (seed >> (at % 11)) % 300;
				if (piece > pn - at)
					piece = pn - at;
				assert_int_equal(tcp_rcv_cursor_copy(c, &cur, want + at, piece), piece);
				at += piece;
			}
			assert_memory_equal(want, pattern + read + poff, pn);
			/* and it stops at the end of the data */
			assert_int_equal(tcp_rcv_cursor_copy(c, &cur, NULL, q), q - poff - pn);
			assert_int_equal(tcp_rcv_cursor_copy(c, &cur, want, 1), 0);
		} else if (k) {
			int trunc = (seed & 0x300) == 0x200;
			ssize_t r = tcp_pcb_recv(c, trunc ? NULL : want, k, now);
			assert_int_equal(r, (ssize_t)k);
			if (!trunc)
				assert_memory_equal(want, pattern + read, k);
			read += (uint32_t)k;
		}
		assert_int_equal(ring_counted(c), c->rcv_buf.len);
	}
	assert_true(tcp_stats.rcv_held_segs > 20);
	assert_true(sent > 40000); /* the window kept moving (16 KiB) */
	if (sent > read)
		assert_int_equal(tcp_pcb_recv(c, NULL, sent - read, now), (ssize_t)(sent - read));
	assert_int_equal(c->rcv_held_len, 0);
	assert_int_equal(c->rcv_ring_tail, 0);
	close_all(c, l);
}

/* A buffer with another reference (a capture, a delay queue) is not the receiver's to keep:
 * its bytes are copied. */
static void test_shared_buffer_copied(void **state)
{
	struct tcp_pcb *l, *c = open_conn(&l);
	struct tcp_hdr h = { .sport = PEER, .dport = PORT, .seq = R, .ack = ISN + 1,
			     .flags = TCP_ACK | TCP_PSH, .wnd = 65535 };
	struct ip_hdr ih = { .version = 4, .ihl = 20, .ttl = 64, .proto = IP_PROTO_TCP,
			     .src = peer, .dst = us };
	uint8_t b[2048];
	struct pkb *p;
	size_t hl;

	(void)state;
	hl = tcp_hdr_len(&h);
	memcpy(b + 20 + hl, pattern, FULL);
	assert_int_equal(tcp_emit(&h, b + 20, sizeof(b) - 20, FULL, NA4(peer), NA4(us)), hl);
	ih.total_len = (uint16_t)(20 + hl + FULL);
	assert_int_equal(ip_emit(&ih, b, sizeof(b)), 20);
	p = pkb_from_bytes(b, 20 + hl + FULL);
	assert_non_null(p);
	pkb_ref(p);
	net_device_input(tun, p, now);
	assert_int_equal(p->refcnt, 1); /* ours: the stack let go of its reference */
	pkb_free(p);
	assert_int_equal(tcp_stats.rcv_held_segs, 0);
	assert_int_equal(c->rcv_buf.len, FULL);
	assert_int_equal(tcp_pcb_recv(c, got, sizeof(got), now), FULL);
	assert_memory_equal(got, pattern, FULL);
	close_all(c, l);
}

/* A segment that waited in the out-of-order queue is held, not copied, once the gap
 * before it fills. */
static void test_out_of_order_then_held(void **state)
{
	struct tcp_pcb *l, *c = open_conn(&l);

	(void)state;
	peer_seg(FULL, FULL);
	expect(TCP_ACK, ISN + 1, R); /* out of order: a duplicate ACK at once */
	assert_int_equal(c->ooo_count, 1);
	assert_int_equal(tcp_rcv_queued(c), 0);
	peer_seg(0, FULL);
	expect(TCP_ACK, ISN + 1, R + 2 * FULL); /* the gap filled: ACKed at once */
	assert_int_equal(c->ooo_count, 0);
	assert_int_equal(tcp_stats.rcv_held_segs, 2);
	assert_int_equal(tcp_rcv_queued(c), 2 * FULL);
	assert_int_equal(tcp_pcb_recv(c, got, sizeof(got), now), 2 * FULL);
	assert_memory_equal(got, pattern, 2 * FULL);
	close_all(c, l);
}

/* A gap filled while the ring holds bytes: the queued segments behind it are held or
 * copied by size, after the ring's bytes, and the stream reads in order. */
static void test_out_of_order_behind_ring(void **state)
{
	struct tcp_pcb *l, *c = open_conn(&l);
	uint32_t a = SMALL, b = SMALL + FULL; /* stream offsets of the queued segments */

	(void)state;
	peer_seg(0, SMALL); /* in order: the ring */
	drain();
	peer_seg(b, SMALL);     /* out of order: queued */
	peer_seg(b + SMALL, FULL); /* queued */
	drain();
	assert_int_equal(c->ooo_count, 2);
	peer_seg(a, FULL); /* fills the gap: held, then the queue drains behind it */
	drain();
	assert_int_equal(c->ooo_count, 0);
	assert_int_equal(tcp_stats.rcv_held_segs, 2);
	assert_int_equal(c->rcv_buf.len, 2 * SMALL);
	assert_int_equal(c->rcv_ring_tail, 0);
	assert_int_equal(ring_counted(c), 2 * SMALL);
	assert_int_equal(tcp_rcv_queued(c), b + SMALL + FULL);
	peek(c, SMALL - 20, got, b + 40); /* from the ring through both held */
	assert_memory_equal(got, pattern + SMALL - 20, b + 40);
	assert_int_equal(tcp_pcb_recv(c, got, sizeof(got), now), b + SMALL + FULL);
	assert_memory_equal(got, pattern, b + SMALL + FULL);
	close_all(c, l);
}

/* Unread held segments and ring bytes go with the connection: the close resets (unread
 * data, RFC 9293 3.10.4) and no buffer is left (teardown checks the pool). */
static void test_unread_held_freed(void **state)
{
	struct tcp_pcb *l, *c = open_conn(&l);

	(void)state;
	peer_seg(0, FULL);
	peer_seg(FULL, SMALL); /* and ring bytes between them */
	peer_seg(FULL + SMALL, FULL);
	drain();
	assert_int_equal(c->rcv_held_len, 2 * FULL);
	tcp_pcb_close(c, 0, now);
	expect(TCP_RST | TCP_ACK, ISN + 1, R + 2 * FULL + SMALL);
	assert_int_equal(tcp_stats.mem_held_bytes, 0);
	tcp_pcb_close(l, 0, now);
	expect_none();
}

/* A second connection, from the peer's port sport, through the handshake. */
static struct tcp_pcb *open_from(struct tcp_pcb *l, uint16_t sport)
{
	struct tcp_pcb *c;

	inject(sport, PORT, TCP_SYN, PEER_ISN, 0, 65535, NULL, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	inject(sport, PORT, TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, NULL, 0);
	c = tcp_pcb_accept(l);
	assert_non_null(c);
	return c;
}

/* One round trip of a reader that keeps up: the peer fills the receive buffer with full
 * segments (held), 1 ms passes, the application reads it all. (The SYN,ACK offered the
 * buffer's limit, a right edge that never moves back, so the window announced may be
 * more than the buffer takes.) */
static void keep_up_round(struct tcp_pcb *c, uint32_t *off)
{
	uint32_t wnd = (uint32_t)tcp_rcv_space(c), n;

	for (uint32_t sent = 0; sent < wnd; sent += n) {
		n = wnd - sent < FULL ? wnd - sent : FULL;
		/* the bytes are not checked here: any FULL-byte run of the pattern does */
		SEG(TCP_ACK | TCP_PSH, R + *off + sent, ISN + 1, 65535, pattern, n);
	}
	*off += wnd;
	drain();
	advance(1);
	assert_int_equal(tcp_pcb_recv(c, got, sizeof(got), now), wnd);
	drain();
}

/* Held buffers count with the rings against mem_pressure (Linux's tcp_mem): while another
 * connection's unread segments hold that much, a reader that keeps up is not given a
 * larger window (tcp.rcvbuf_pressure counts the rounds); once they are read, it is. */
static void test_held_count_against_pressure(void **state)
{
	struct tcp_pcb *l, *a, *b;
	uint32_t off = 0;
	int i;

	(void)state;
	fill_pattern();
	tcp_config.rcvbuf = 60000;
	tcp_config.rcvbuf_init = 12 * FULL; /* past the first measure, ten segments */
	tcp_config.mem_pressure = 4 * PKB_POOL_BUF_SIZE;
	l = listener();
	a = passive_open(l);
	b = open_from(l, PEER + 1);
	/* b's peer sends four full segments that nobody reads */
	for (i = 0; i < 4; i++)
		inject(PEER + 1, PORT, TCP_ACK | TCP_PSH, R + (uint32_t)i * FULL, ISN + 1, 65535, NULL,
		       pattern, FULL);
	drain();
	assert_int_equal(tcp_stats.mem_held_bytes, 4 * PKB_POOL_BUF_SIZE);
	assert_null(b->rcv_buf.buf);
	for (i = 0; i < 3; i++)
		keep_up_round(a, &off);
	assert_int_equal(a->rcv_buf.cap, 12 * FULL);
	assert_int_equal(tcp_stats.mem_rcvbuf_grows, 0);
	assert_true(tcp_stats.rcvbuf_pressure >= 2);
	/* b's reader catches up: the pressure is gone and a's next round grows its window */
	assert_int_equal(tcp_pcb_recv(b, got, sizeof(got), now), 4 * FULL);
	assert_memory_equal(got, pattern, FULL);
	assert_int_equal(tcp_stats.mem_held_bytes, 0);
	keep_up_round(a, &off);
	assert_true(a->rcv_buf.cap > 12 * FULL);
	assert_int_equal(tcp_stats.mem_rcvbuf_grows, 1);
	tcp_pcb_drop(a, 0);
	tcp_pcb_drop(b, 0);
	tcp_pcb_drop(l, 0);
	drain();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_segments_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_and_ring_interleave, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interleave_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_buffer_copied, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order_then_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order_behind_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unread_held_freed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_count_against_pressure, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
