/* SPDX-License-Identifier: MIT */
/* Memory that follows the load (tcp_mem.c, net/mem.c), with the fake clock: ring storage
 * appears when data comes, doubles under a burst and goes back once drained and idle; the
 * window we announce follows the receive buffer; auto-tuning grows it when the application
 * reads fast and not when it reads slowly; TIME_WAIT holds no rings and still answers a
 * retransmitted FIN; the memory gauges add up; the packet-buffer pool gives back what a
 * load left cached. */
#include <sys/mman.h>
#include <unistd.h>

#include "test/unit/tcp_script.h"

#include "net/mem.h"

#define R (PEER_ISN + 1) /* RCV.NXT after the handshake */

static uint8_t pattern[1 << 18];
static uint8_t sink[1 << 18];

static void fill_pattern(void)
{
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + i / 251);
}

/* Passive open with MSS 1460 and, when ws, window scale 7 from the peer. */
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
	return c;
}

/* The peer sends len bytes of the pattern from offset off, in segments of at most 1000:
 * under half of a pool buffer, so they are copied into the receive ring these tests are
 * about (a fuller one would be held whole: test_tcp_rcvq). */
static void peer_send(uint32_t off, uint32_t len)
{
	while (len) {
		uint32_t n = len < 1000 ? len : 1000;
		SEG(TCP_ACK, R + off, ISN + 1, 65535, pattern + off, n);
		off += n;
		len -= n;
	}
}

static int pow2(size_t v)
{
	return v && !(v & (v - 1));
}

/* A burst into both rings: storage grows by doubling (a power of two from 4 KiB, never
 * past the limit), the gauges follow, the data comes out intact across a shrink that
 * unwraps the ring, and once drained and idle for a sweep everything goes back. */
static void test_ring_grows_and_shrinks(void **state)
{
	struct tcp_pcb *l, *c;
	uint32_t sent = 0;

	(void)state;
	fill_pattern();
	tcp_config.sndbuf = tcp_config.rcvbuf = 256 * 1024;
	l = listener();
	c = open_conn(l, 1);
	/* an established connection that carried nothing holds no storage */
	assert_null(c->snd_buf.buf);
	assert_null(c->rcv_buf.buf);
	assert_int_equal(tcp_mem_ring_bytes(), 0);

	/* send side: a small write takes the minimum, a burst doubles it */
	assert_int_equal(tcp_pcb_send(c, pattern, 100, now), 100);
	assert_int_equal(c->snd_buf.size, TCP_RING_MIN);
	assert_int_equal(tcp_stats.mem_rings, 1);
	assert_int_equal(tcp_pcb_send(c, pattern + 100, 99900, now), 99900);
	assert_int_equal(c->snd_buf.size, 131072);
	assert_true(tcp_stats.mem_ring_grows >= 2);
	assert_int_equal(tcp_stats.mem_ring_bytes, 131072);
	/* the peer acknowledges everything as it comes */
	while (c->snd_buf.len) {
		drain();
		sent = c->snd_max - (ISN + 1);
		SEG(TCP_ACK, R, ISN + 1 + sent, 65535, NULL, 0);
	}
	drain();
	assert_int_equal(c->snd_buf.size, 131072); /* kept while in use */

	/* receive side: 20000 bytes in, 18000 read, 15000 more: they wrap around the end of
	 * the 32 KiB ring; 13000 read leaves 4000 in two pieces */
	peer_send(0, 20000);
	drain();
	assert_int_equal(c->rcv_buf.size, 32768);
	assert_int_equal(tcp_pcb_recv(c, sink, 18000, now), 18000);
	assert_memory_equal(sink, pattern, 18000);
	peer_send(20000, 15000);
	drain();
	assert_int_equal(c->rcv_buf.size, 32768);
	assert_int_equal(tcp_pcb_recv(c, sink, 13000, now), 13000);
	assert_memory_equal(sink, pattern + 18000, 13000);
	drain();
	assert_int_equal(c->rcv_buf.len, 4000);
	assert_true(c->rcv_buf.head + c->rcv_buf.len > c->rcv_buf.size);

	/* one sweep marks the rings unused, the next gives storage back: the empty send ring
	 * is freed, the receive ring shrinks to fit its 4000 bytes */
	advance(tcp_config.buf_idle_ms);
	assert_int_equal(c->snd_buf.size, 131072);
	advance(tcp_config.buf_idle_ms);
	assert_null(c->snd_buf.buf);
	assert_int_equal(c->rcv_buf.size, TCP_RING_MIN);
	assert_int_equal(tcp_stats.mem_ring_frees, 1);
	assert_int_equal(tcp_stats.mem_ring_shrinks, 1);
	assert_int_equal(tcp_stats.mem_ring_bytes, TCP_RING_MIN);
	assert_int_equal(tcp_stats.mem_rings, 1);
	assert_true(mem_stats.freed_bytes >= 131072 + 32768 - TCP_RING_MIN);
	assert_int_equal(tcp_pcb_recv(c, sink, sizeof(sink), now), 4000);
	assert_memory_equal(sink, pattern + 31000, 4000);
	drain();
	advance(tcp_config.buf_idle_ms);
	advance(tcp_config.buf_idle_ms);
	assert_null(c->rcv_buf.buf);
	assert_int_equal(tcp_stats.mem_ring_bytes, 0);
	assert_int_equal(tcp_stats.mem_rings, 0);
	assert_false(c->on_memlist);
	/* with nothing held the sweep stops: no timer but the connection's own */
	advance(tcp_config.buf_idle_ms);
	/* and the connection still works: storage comes back with the next data */
	peer_send(35000, 500);
	assert_int_equal(c->rcv_buf.size, TCP_RING_MIN);
	assert_int_equal(tcp_pcb_recv(c, sink, sizeof(sink), now), 500);
	assert_memory_equal(sink, pattern + 35000, 500);
	assert_true(pow2(c->rcv_buf.size));
	tcp_pcb_drop(c, 0);
	tcp_pcb_drop(l, 0);
	drain();
	assert_int_equal(tcp_stats.mem_ring_bytes, 0);
}

/* An idle server connection that only received holds nothing once swept: no rings and no
 * sent-segment records (the SYN,ACK's record, emptied by the handshake's ACK, goes with the
 * receive ring). */
static void test_idle_receiver_holds_nothing(void **state)
{
	struct tcp_pcb *l, *c;

	(void)state;
	fill_pattern();
	l = listener();
	c = open_conn(l, 1);
	peer_send(0, 100);
	drain();
	assert_int_equal(tcp_pcb_recv(c, sink, sizeof(sink), now), 100);
	drain();
	advance(tcp_config.buf_idle_ms);
	advance(tcp_config.buf_idle_ms);
	assert_null(c->rcv_buf.buf);
	assert_null(c->snd_buf.buf);
	assert_false(c->on_memlist);
	assert_int_equal(c->sentq.len, 0);
	assert_null(c->sentq.v);
	tcp_pcb_drop(c, 0);
	tcp_pcb_drop(l, 0);
	drain();
}

/* The window announced is the receive buffer's free space: it starts at rcvbuf_init (the
 * scale, fixed by the SYN, is chosen for the 256 KiB maximum), shrinks as unread data
 * fills the buffer and comes back when the application reads. */
static void test_window_follows_buffer(void **state)
{
	struct tcp_pcb *l, *c;
	struct tcp_hdr h;

	(void)state;
	fill_pattern();
	tcp_config.rcvbuf = 256 * 1024;
	tcp_config.window_scaling = 1;
	l = listener();
	inject(PEER, PORT, TCP_SYN, PEER_ISN, 0, 65535,
	       &(struct tcp_opts){ .has_mss = 1, .mss = 1460, .has_wscale = 1, .wscale = 7 }, NULL, 0);
	assert_int_equal(pop(&h, NULL), 0);
	assert_int_equal(h.opt.wscale, 3); /* 256 KiB >> 3 fits 16 bits */
	assert_int_equal(h.wnd, 65535);    /* RFC 7323 2.2: a SYN's window is not scaled */
	SEG(TCP_ACK, R, ISN + 1, 65535, NULL, 0);
	c = tcp_pcb_accept(l);
	assert_non_null(c);
	assert_int_equal(c->rcv_buf.cap, tcp_config.rcvbuf_init);
	assert_int_equal(c->rcv_buf.max, 256 * 1024);
	peer_send(0, 20000);
	advance(tcp_config.delack_ms);
	/* the right edge stays where the SYN,ACK put it (65535: receiver SWS avoidance does
	 * not move it by one byte) */
	assert_int_equal(drain(), (65535 - 20000) >> 3);
	assert_int_equal(c->rcv_adv - c->rcv_nxt, 65535 - 20000);
	assert_int_equal(tcp_pcb_recv(c, sink, sizeof(sink), now), 20000);
	/* the read at once after the handshake is within the first RTT: no growth yet */
	assert_int_equal(c->rcv_buf.cap, tcp_config.rcvbuf_init);
	assert_int_equal(drain(), tcp_config.rcvbuf_init >> 3);
	tcp_pcb_drop(c, 0);
	tcp_pcb_drop(l, 0);
	drain();
}

/* Runs `rounds` round trips (1 ms each: the handshake measured ~0, so srtt is 1 ms): the
 * peer fills the window it was offered, the application reads `per_round` bytes (all if
 * 0). Returns the bytes sent. */
static uint32_t rounds_of(struct tcp_pcb *c, int rounds, uint32_t per_round)
{
	uint32_t off = 0;

	for (int i = 0; i < rounds; i++) {
		uint32_t wnd = c->rcv_adv - c->rcv_nxt;
		if (off + wnd > sizeof(pattern))
			wnd = (uint32_t)sizeof(pattern) - off;
		peer_send(off, wnd);
		off += wnd;
		drain();
		advance(1);
		tcp_pcb_recv(c, sink, per_round ? per_round : sizeof(sink), now);
		drain();
	}
	return off;
}

/* Dynamic Right-Sizing: an application that reads everything each round trip doubles
 * the window round after round, up to the configured maximum; the ACKs announce it. */
static void test_autotune_fast_reader(void **state)
{
	struct tcp_pcb *l, *c;
	uint32_t sent;

	(void)state;
	fill_pattern();
	tcp_config.rcvbuf = 256 * 1024;
	l = listener();
	c = open_conn(l, 1);
	assert_int_equal(c->srtt >> 3, 1);
	assert_int_equal(c->rcv_buf.cap, 65536);
	sent = rounds_of(c, 2, 0);
	assert_true(c->rcv_buf.cap > 65536);
	assert_true(tcp_stats.mem_rcvbuf_grows >= 1);
	sent += rounds_of(c, 6, 0);
	(void)sent;
	assert_int_equal(c->rcv_buf.cap, 256 * 1024);
	/* the window announced uses it all (scaled by 3) */
	assert_true(c->rcv_adv - c->rcv_nxt > 65536 * 3);
	tcp_pcb_drop(c, 0);
	tcp_pcb_drop(l, 0);
	drain();
}

/* An application that reads little per round trip keeps the initial window. */
static void test_autotune_slow_reader(void **state)
{
	struct tcp_pcb *l, *c;

	(void)state;
	fill_pattern();
	tcp_config.rcvbuf = 256 * 1024;
	l = listener();
	c = open_conn(l, 1);
	rounds_of(c, 8, 1000);
	assert_int_equal(c->rcv_buf.cap, 65536);
	assert_int_equal(tcp_stats.mem_rcvbuf_grows, 0);
	/* and with auto-tuning off the window is the whole buffer from the start */
	tcp_pcb_drop(c, 0);
	drain();
	tcp_config.rcvbuf_autotune = 0;
	c = open_conn(l, 1);
	assert_int_equal(c->rcv_buf.cap, 256 * 1024);
	tcp_pcb_drop(c, 0);
	tcp_pcb_drop(l, 0);
	drain();
}

/* After an active close with data both ways, TIME_WAIT keeps no ring and no queue (an
 * out-of-order segment queued before the FIN included), answers a retransmitted FIN with
 * an ACK, and goes after 2MSL. */
static void test_time_wait_holds_no_rings(void **state)
{
	struct tcp_pcb *l, *c;

	(void)state;
	fill_pattern();
	tcp_config.sack = 1;
	l = listener();
	c = open_conn(l, 0);
	assert_int_equal(tcp_pcb_send(c, pattern, 2920, now), 2920);
	drain();
	SEG(TCP_ACK, R, ISN + 1 + 2920, 65535, NULL, 0);
	peer_send(0, 1000);
	/* a segment past a hole: queued out of order */
	SEG(TCP_ACK, R + 2000, ISN + 1 + 2920, 65535, pattern + 2000, 500);
	assert_int_equal(c->ooo_count, 1);
	assert_int_equal(tcp_pcb_recv(c, sink, sizeof(sink), now), 1000);
	drain();
	assert_non_null(c->snd_buf.buf);
	assert_non_null(c->rcv_buf.buf);
	/* close: FIN, acknowledged; the peer's FIN (the queued segment lay past it) */
	tcp_pcb_close(c, 0, now);
	expect(TCP_FIN | TCP_ACK, ISN + 1 + 2920, R + 1000);
	SEG(TCP_ACK, R + 1000, ISN + 2922, 65535, NULL, 0);
	assert_int_equal(c->state, TCP_FIN_WAIT_2);
	SEG(TCP_ACK | TCP_FIN, R + 1000, ISN + 2922, 65535, NULL, 0);
	expect(TCP_ACK, ISN + 2922, R + 1001);
	/* the orphan's control block went with its rings and queue: a record is left */
	c = NULL;
	assert_int_equal(tcp_pcb_count(), 1); /* the listener */
	assert_non_null(tw_at(PORT));
	assert_int_equal(tcp_stats.conns_time_wait, 1);
	assert_int_equal(tcp_stats.mem_ring_bytes, 0);
	assert_int_equal(tcp_stats.mem_rings, 0);
	assert_int_equal(tcp_stats.mem_tw_released, 1);
	assert_int_equal(pkb_outstanding(), 0);
	/* the peer did not get our ACK: its FIN again, our ACK again */
	advance(1000);
	SEG(TCP_ACK | TCP_FIN, R + 1000, ISN + 2922, 65535, NULL, 0);
	expect(TCP_ACK, ISN + 2922, R + 1001);
	assert_non_null(tw_at(PORT));
	assert_int_equal(tcp_stats.mem_ring_bytes, 0);
	advance(2ull * tcp_config.msl_ms);
	assert_int_equal(tcp_pcb_count(), 1); /* the listener */
	assert_int_equal(tcp_tw_count(), 0);
	expect_none();
	tcp_pcb_drop(l, 0);
}

/* A passive open from the peer's port pport, without options. */
static struct tcp_pcb *open_from(struct tcp_pcb *l, uint16_t pport)
{
	struct tcp_pcb *c;

	inject(pport, PORT, TCP_SYN, PEER_ISN, 0, 65535, NULL, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	inject(pport, PORT, TCP_ACK, R, ISN + 1, 65535, NULL, NULL, 0);
	expect_none();
	c = tcp_pcb_accept(l);
	assert_non_null(c);
	return c;
}

/* The first storage of a ring comes from what a closed connection's ring gave back (no
 * malloc and free per short connection); the cache goes after a sweep interval in which
 * none was taken, even after the last connection holding storage let go. */
static void test_ring_storage_reused(void **state)
{
	struct tcp_pcb *l, *a, *b, *c;
	uint64_t freed;

	(void)state;
	fill_pattern();
	l = listener();
	a = open_from(l, PEER); /* holds storage all along: the sweep keeps running */
	inject(PEER, PORT, TCP_ACK, R, ISN + 1, 65535, NULL, pattern, 100);
	assert_non_null(a->rcv_buf.buf);
	b = open_from(l, PEER + 1);
	inject(PEER + 1, PORT, TCP_ACK, R, ISN + 1, 65535, NULL, pattern, 100);
	assert_int_equal(tcp_pcb_recv(b, sink, sizeof(sink), now), 100);
	drain(); /* ACKs and window updates */
	assert_int_equal(b->rcv_buf.size, TCP_RING_MIN);
	assert_int_equal(tcp_stats.mem_rings, 2);
	tcp_pcb_close(b, 0, now); /* its ring's storage goes to the cache */
	expect(TCP_FIN | TCP_ACK, ISN + 1, R + 100);
	tcp_pcb_drop(b, 0);
	assert_int_equal(tcp_stats.mem_rings, 1);
	assert_int_equal(tcp_stats.mem_ring_reused, 0);
	c = open_from(l, PEER + 2);
	inject(PEER + 2, PORT, TCP_ACK, R, ISN + 1, 65535, NULL, pattern, 100);
	assert_int_equal(tcp_stats.mem_ring_reused, 1);
	assert_int_equal(tcp_stats.mem_rings, 2);
	assert_int_equal(tcp_pcb_recv(c, sink, sizeof(sink), now), 100);
	assert_memory_equal(sink, pattern, 100);
	drain();
	tcp_pcb_close(c, 0, now);
	expect(TCP_FIN | TCP_ACK, ISN + 1, R + 100);
	tcp_pcb_drop(c, 0);
	/* a sweep interval that took from the cache keeps it; the next one frees it */
	freed = mem_stats.freed_bytes;
	advance(tcp_config.buf_idle_ms);
	assert_int_equal(mem_stats.freed_bytes, freed);
	advance(tcp_config.buf_idle_ms);
	assert_int_equal(mem_stats.freed_bytes, freed + TCP_RING_MIN);
	/* the last holder lets go: its storage waits in the cache for the next connection,
	 * and the sweep, still running, frees it after an interval that took none */
	assert_int_equal(tcp_pcb_recv(a, sink, sizeof(sink), now), 100);
	drain();
	tcp_pcb_close(a, 0, now);
	expect(TCP_FIN | TCP_ACK, ISN + 1, R + 100);
	tcp_pcb_drop(a, 0);
	assert_int_equal(tcp_stats.mem_rings, 0);
	assert_int_equal(mem_stats.freed_bytes, freed + TCP_RING_MIN);
	advance(tcp_config.buf_idle_ms);
	assert_int_equal(mem_stats.freed_bytes, freed + 2 * TCP_RING_MIN);
	/* nothing left: the sweep has stopped */
	advance(tcp_config.buf_idle_ms);
	assert_int_equal(mem_stats.freed_bytes, freed + 2 * TCP_RING_MIN);
	expect_none();
	tcp_pcb_drop(l, 0);
}

/* TIME_WAIT reached while the application still has unread data: that ring stays until it
 * is read, then the sweep frees it. */
static void test_time_wait_keeps_unread(void **state)
{
	struct tcp_pcb *l, *c;

	(void)state;
	fill_pattern();
	l = listener();
	c = open_conn(l, 0);
	assert_int_equal(tcp_pcb_shutdown_send(c, now), 0);
	expect(TCP_FIN | TCP_ACK, ISN + 1, R);
	SEG(TCP_ACK, R, ISN + 2, 65535, NULL, 0);
	SEG(TCP_ACK | TCP_FIN, R, ISN + 2, 65535, pattern, 700);
	expect(TCP_ACK, ISN + 2, R + 701);
	assert_int_equal(c->state, TCP_TIME_WAIT);
	assert_non_null(c->rcv_buf.buf);
	assert_int_equal(tcp_pcb_recv(c, sink, sizeof(sink), now), 700);
	assert_memory_equal(sink, pattern, 700);
	advance(tcp_config.buf_idle_ms);
	advance(tcp_config.buf_idle_ms);
	assert_null(c->rcv_buf.buf);
	assert_int_equal(tcp_stats.mem_ring_bytes, 0);
	/* closing the socket frees its stub; the record stays for 2 MSL */
	tcp_pcb_close(c, 0, now);
	assert_int_equal(tcp_pcb_count(), 1);
	assert_non_null(tw_at(PORT));
	advance(2ull * tcp_config.msl_ms);
	assert_int_equal(tcp_tw_count(), 0);
	tcp_pcb_drop(l, 0);
	drain();
}

/* The packet-buffer pool keeps what a load left only for a period: buffers no allocation
 * took during a whole period go back, down to PKB_POOL_KEEP; net_mem_reclaim does that and
 * calls malloc_trim once enough was freed. */
static void test_pkb_pool_and_reclaim(void **state)
{
	struct pkb *ps[300];
	uint64_t trims;

	(void)state;
	pkb_pool_trim(); /* start a period */
	for (int i = 0; i < 300; i++)
		assert_non_null(ps[i] = pkb_alloc(100));
	for (int i = 0; i < 300; i++)
		pkb_free(ps[i]);
	assert_true(pkb_stats.pool_cached >= 300);
	assert_true(pkb_pool_reclaimable());
	/* the first period saw them all in use: nothing is surplus yet */
	pkb_pool_trim();
	assert_true(pkb_stats.pool_cached >= 300);
	/* a whole period untouched: all but PKB_POOL_KEEP go */
	assert_int_equal(pkb_pool_trim(), 0);
	assert_int_equal(pkb_stats.pool_cached, PKB_POOL_KEEP);
	assert_true(pkb_stats.pool_trimmed >= 300 - PKB_POOL_KEEP);
	assert_false(pkb_pool_reclaimable());
	/* malloc_trim only once trim_min_bytes were freed (the earlier tests' frees are
	 * forgotten first) */
	net_mem_shutdown();
	trims = mem_stats.malloc_trims;
	net_mem_freed(net_mem_config.trim_min_bytes - 1);
	net_mem_reclaim(now);
	assert_int_equal(mem_stats.malloc_trims, trims);
	net_mem_freed(1);
	assert_int_equal(net_mem_reclaim(now), 0);
	assert_int_equal(mem_stats.malloc_trims, trims + 1);
	net_mem_shutdown();
}

/* tcp_ring_fill reads a file straight into the ring: storage grown for it as for a write,
 * across the end of the storage (two pieces, also when the file ends in the second), at an
 * offset that moves on while the file position stays, or at the file position; never past
 * cap (-EAGAIN when full), *offered telling the room the read had; short at the file's end
 * and 0 after it; a failed read leaves the ring as it was. */
static void test_ring_fill_from_file(void **state)
{
	struct tcp_ring r = { 0 };
	uint8_t out[8192];
	int fd = memfd_create("ring_fill", 0);
	size_t offered = 0;
	off_t off = 100;

	(void)state;
	fill_pattern();
	assert_true(fd >= 0);
	assert_int_equal(write(fd, pattern, 20000), 20000);

	/* no storage yet: the fill grows it to the power of two that holds the read */
	assert_int_equal(tcp_ring_init(&r, 65536), 0);
	assert_int_equal(tcp_ring_fill(&r, fd, &off, 10000, &offered), 10000);
	assert_int_equal(offered, 10000);
	assert_int_equal(r.size, 16384);
	tcp_ring_peek(&r, 0, out, 8192);
	assert_memory_equal(out, pattern + 100, 8192);
	tcp_ring_drop(&r, 10000);

	/* storage at cap (8192), head 5000 and 2000 bytes held: the free room runs from
	 * 7000 to the end and on from the start */
	assert_int_equal(tcp_ring_init(&r, 8192), 0);
	memset(sink, 0xee, 7000);
	assert_int_equal(tcp_ring_write(&r, sink, 7000), 7000);
	assert_int_equal(r.size, 8192);
	tcp_ring_drop(&r, 5000);
	off = 100;
	assert_int_equal(tcp_ring_fill(&r, fd, &off, 20000, &offered), 6192);
	assert_int_equal(offered, 6192);
	assert_int_equal(off, 100 + 6192);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 20000); /* where the write left it */
	assert_int_equal(r.len, 8192);
	tcp_ring_peek(&r, 0, out, 8192);
	assert_memory_equal(out, sink, 2000);
	assert_memory_equal(out + 2000, pattern + 100, 6192);
	assert_int_equal(tcp_ring_fill(&r, fd, &off, 10, &offered), -EAGAIN); /* full */
	assert_int_equal(offered, 0);
	assert_int_equal(off, 100 + 6192);

	/* head 3000, 2000 held: room from 5000 to the end (3192) and on from the start; the
	 * file ends 4000 bytes on, inside the second piece */
	tcp_ring_drop(&r, 6192);
	assert_int_equal(r.head, 3000);
	off = 20000 - 4000;
	assert_int_equal(tcp_ring_fill(&r, fd, &off, 8000, &offered), 4000);
	assert_int_equal(offered, 6192);
	assert_int_equal(off, 20000);
	tcp_ring_peek(&r, 2000, out, 4000);
	assert_memory_equal(out, pattern + 16000, 4000);
	assert_int_equal(tcp_ring_fill(&r, fd, &off, 1000, &offered), 0); /* and after it */

	/* no offset: the file position, which moves on */
	tcp_ring_drop(&r, r.len);
	assert_int_equal(lseek(fd, 50, SEEK_SET), 50);
	assert_int_equal(tcp_ring_fill(&r, fd, NULL, 10, &offered), 10);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 60);
	tcp_ring_peek(&r, 0, out, 10);
	assert_memory_equal(out, pattern + 50, 10);

	/* a read that fails takes nothing */
	assert_int_equal(tcp_ring_fill(&r, -1, &off, 10, &offered), -EBADF);
	assert_int_equal(r.len, 10);
	close(fd);
	tcp_ring_free(&r);
}

/* tcp_pcb_send_file keeps the send ring's books as tcp_pcb_send does: storage the fill
 * made ready is on the sweep's list even when the read found the file's end (else it would
 * stay until the connection closed), a full ring marks the connection short of space
 * (for the next ACK to grow it), and a read that stops at the file's end does not. */
static void test_send_file_books(void **state)
{
	struct tcp_pcb *l, *c;
	int fd = memfd_create("send_file", 0);
	off_t off;

	(void)state;
	fill_pattern();
	assert_true(fd >= 0);
	assert_int_equal(write(fd, pattern, 40000), 40000);
	tcp_config.sndbuf = 16384;
	l = listener();
	c = open_conn(l, 1);
	off = 40000;
	assert_int_equal(tcp_pcb_send_file(c, fd, &off, 1000, now), 0);
	assert_non_null(c->snd_buf.buf);
	assert_true(c->on_memlist);
	advance(tcp_config.buf_idle_ms);
	advance(tcp_config.buf_idle_ms);
	assert_null(c->snd_buf.buf); /* swept */

	off = 40000 - 500;
	assert_int_equal(tcp_pcb_send_file(c, fd, &off, 1000, now), 500);
	assert_false(c->flags & TF_SND_NOSPACE);
	off = 0;
	assert_int_equal(tcp_pcb_send_file(c, fd, &off, 40000, now),
			 (ssize_t)(c->snd_buf.cap - 500));
	assert_true(c->flags & TF_SND_NOSPACE);
	assert_int_equal(tcp_stats.snd_file_bytes, c->snd_buf.cap);
	close(fd);
	tcp_pcb_drop(c, 0);
	tcp_pcb_drop(l, 0);
	drain();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ring_grows_and_shrinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_receiver_holds_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_follows_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_autotune_fast_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_autotune_slow_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_wait_holds_no_rings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_wait_keeps_unread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pkb_pool_and_reclaim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_storage_reused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_fill_from_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_file_books, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
