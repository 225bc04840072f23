/* SPDX-License-Identifier: MIT */
/* TCP over a device with segmentation and checksum offload (driver/tap.c, offload=on):
 * new data leaves as super-segments of whole MSS-sized segments, at most a quarter of the
 * window each, with the GSO fields set and the checksum partial; an ACK for a whole
 * super-segment grows cwnd by the bytes it covers; retransmissions, SACK holes cut from
 * inside a super-segment included, stay one segment; and a super-segment
 * that arrives (a GSO frame from the kernel) is taken whole, its partial checksum trusted
 * only when the device said so. Segment scripts in the style of tcp_script.h. */
#include "test/unit/tcp_script.h"

#include "net/cksum.h"

#define MSS 1000u
#define D0 (ISN + 1)

static void make_tso(void)
{
	tun->flags |= NET_DEV_F_TSO | NET_DEV_F_CSUM_TX;
	tun->gso_max_size = 65535;
	net_device_changed(tun); /* connections resolve their route again */
	tcp_config.tso = 1; /* teardown restores the default */
}

/* A connection to the peer with MSS 1000, SACK-permitted both ways if `sack`. */
static struct tcp_pcb *open_conn(int sack)
{
	struct tcp_pcb *c;
	struct tcp_opts o;
	struct tcp_hdr h;

	tcp_config.sack = sack;
	c = tcp_pcb_alloc();
	memset(&o, 0, sizeof(o));
	o.has_mss = 1;
	o.mss = MSS;
	o.sack_permitted = (uint8_t)sack;
	assert_non_null(c);
	assert_int_equal(tcp_pcb_connect(c, NA4(peer), PEER, now), 0);
	pop(&h, NULL);
	inject(PEER, c->local_port, TCP_SYN | TCP_ACK, PEER_ISN, ISN + 1, 65535, &o, NULL, 0);
	pop(&h, NULL);
	assert_int_equal(h.flags, TCP_ACK);
	expect_none();
	assert_int_equal(c->mss, MSS);
	return c;
}

static struct tcp_pcb *open_mss(void)
{
	return open_conn(0);
}

/* An ACK from the peer for everything below `ack`, SACKing [l1, r1) and [l2, r2) where
 * r > l (0, 0: no block). */
static void ack_sack(struct tcp_pcb *c, uint32_t ack, uint32_t l1, uint32_t r1, uint32_t l2,
		     uint32_t r2)
{
	struct tcp_opts o;

	memset(&o, 0, sizeof(o));
	if (r1 != l1) {
		o.sack[o.nsack].left = l1;
		o.sack[o.nsack++].right = r1;
	}
	if (r2 != l2) {
		o.sack[o.nsack].left = l2;
		o.sack[o.nsack++].right = r2;
	}
	inject(PEER, c->local_port, TCP_ACK, PEER_ISN + 1, ack, 65535, &o, NULL, 0);
}

/* Pops the next packet, which must be a TCP segment at seq with a partial checksum; checks
 * its GSO size, finishes the checksum as the device would and verifies it. Returns the
 * payload length; the payload goes to out. */
static size_t pop_partial(uint32_t seq, unsigned gso_size, uint8_t *out)
{
	struct pkb *p = test_dev_pop(tun);
	struct ip_hdr ih;
	struct tcp_hdr h;
	size_t plen;

	if (!p)
		fail_msg("expected a segment, none was sent");
	assert_int_equal(ip_parse(p->data, p->len, &ih), 0);
	assert_int_equal(ih.total_len, p->len);
	assert_int_equal(p->csum, PKB_CSUM_PARTIAL);
	assert_ptr_equal(p->head + p->csum_start, p->data + 20);
	assert_int_equal(p->csum_offset, 16);
	assert_int_equal(p->gso_size, gso_size);
	/* Unfinished, the checksum does not verify; finished, it does. */
	assert_int_equal(tcp_parse(p->data + 20, p->len - 20, NA4(ih.src), NA4(ih.dst), &h), TCP_PARSE_CKSUM);
	assert_int_equal(pkb_csum_complete(p), 0);
	assert_int_equal(tcp_parse(p->data + 20, p->len - 20, NA4(ih.src), NA4(ih.dst), &h), 0);
	assert_int_equal(h.seq, seq);
	plen = p->len - 20 - h.hlen;
	if (out)
		memcpy(out, p->data + 20 + h.hlen, plen);
	pkb_free(p);
	return plen;
}

/* RFC 9293 3.7.1 with TSO: the initial window (RFC 6928: 10 segments) leaves as
 * super-segments of whole segments, at most a quarter of the window each (2 of 2.5 MSS),
 * cut by the device into MSS-sized segments; the next flight too, as far as the window
 * allows. */
static void test_tso_super_segment(void **state)
{
	static uint8_t buf[30 * MSS], got[30 * MSS];
	struct tcp_pcb *c;
	size_t n;

	(void)state;
	tcp_config.sndbuf = sizeof(buf);
	c = open_mss();
	make_tso();
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 13 + i / 251);
	assert_int_equal(tcp_pcb_send(c, buf, sizeof(buf), now), (ssize_t)sizeof(buf));
	for (unsigned k = 0; k < 5; k++) {
		n = pop_partial(D0 + 2 * k * MSS, MSS, got);
		assert_int_equal(n, 2 * MSS);
		assert_memory_equal(got, buf + 2 * k * MSS, n);
	}
	expect_none();
	assert_int_equal(tcp_stats.snd_tso_segs, 5);
	/* Slow start, one ACK for 5 segments: cwnd grows by the 5 acknowledged (byte
	 * counting, tcp_cc.c) to 15; 5 are still in flight: room for 10, in super-segments
	 * of 3 (a quarter of 15, whole segments) and the 1 left. */
	inject(PEER, c->local_port, TCP_ACK, PEER_ISN + 1, D0 + 5 * MSS, 65535, NULL, NULL, 0);
	assert_int_equal(c->cwnd, 15 * MSS);
	for (unsigned k = 0; k < 3; k++) {
		n = pop_partial(D0 + (10 + 3 * k) * MSS, MSS, got);
		assert_int_equal(n, 3 * MSS);
		assert_memory_equal(got, buf + (10 + 3 * k) * MSS, n);
	}
	assert_int_equal(pop_partial(D0 + 19 * MSS, 0, got), MSS);
	assert_memory_equal(got, buf + 19 * MSS, MSS);
	expect_none();
	tcp_pcb_close(c, 1, now);
	pop_partial(D0 + 20 * MSS, 0, NULL); /* the RST, partial too */
	expect_none();
}

/* The t_tcp_loss stall: a receiver that merges each super-segment (GRO) ACKs it once. When
 * one super-segment filled the window and cwnd grew one MSS per ACK, a lost ACK left
 * nothing in flight to draw another, and every 20th round trip (5% ACK loss) waited for
 * the retransmission timer. With several super-segments per window the next ACK covers a
 * lost one (RFC 9293 3.4, cumulative ACKs) and new data goes at once, and an ACK for
 * many segments grows cwnd by the bytes it covers, up to HyStart++'s L = 8 segments per
 * ACK in the first slow start (RFC 9406 4.2, an unpaced sender). */
static void test_tso_ack_lost(void **state)
{
	static uint8_t buf[64 * MSS];
	struct tcp_pcb *c;

	(void)state;
	tcp_config.sndbuf = sizeof(buf);
	c = open_mss();
	make_tso();
	assert_int_equal(tcp_pcb_send(c, buf, sizeof(buf), now), (ssize_t)sizeof(buf));
	for (unsigned k = 0; k < 5; k++)
		assert_int_equal(pop_partial(D0 + 2 * k * MSS, MSS, NULL), 2 * MSS);
	expect_none();
	/* the ACK for the first super-segment is lost; the one for the second covers it */
	advance(1);
	inject(PEER, c->local_port, TCP_ACK, PEER_ISN + 1, D0 + 4 * MSS, 65535, NULL, NULL, 0);
	assert_int_equal(c->cwnd, 14 * MSS);
	/* 6 in flight, room for 8: super-segments of 3, 3 and 2 */
	assert_int_equal(pop_partial(D0 + 10 * MSS, MSS, NULL), 3 * MSS);
	assert_int_equal(pop_partial(D0 + 13 * MSS, MSS, NULL), 3 * MSS);
	assert_int_equal(pop_partial(D0 + 16 * MSS, MSS, NULL), 2 * MSS);
	expect_none();
	/* every further ACK but the last of the window lost: still no timer needed */
	inject(PEER, c->local_port, TCP_ACK, PEER_ISN + 1, D0 + 18 * MSS, 65535, NULL, NULL, 0);
	assert_int_equal(c->cwnd, 22 * MSS);
	assert_int_equal(c->snd_nxt, D0 + 40 * MSS);
	assert_int_equal(tcp_stats.rexmt_timeouts, 0);
	assert_int_equal(tcp_stats.snd_rexmt_segs, 0);
	test_dev_flush(tun);
	tcp_pcb_close(c, 1, now);
	pop_partial(D0 + 40 * MSS, 0, NULL);
	expect_none();
}

/* RFC 6675 with TSO: the device cuts super-segments into MSS-sized segments and the path
 * loses single ones, so the holes the peer's SACK blocks leave are sub-ranges of one
 * super-segment. Each hole is retransmitted as exactly one MSS-sized segment (not a
 * super-segment, nor the rest of the super-segment it came in), each once, and the
 * recovery ends with everything acknowledged and no timer. */
static void test_tso_sack_holes_inside_super_segment(void **state)
{
	static uint8_t buf[10 * MSS], got[MSS];
	struct tcp_pcb *c;

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 31 + 7);
	c = open_conn(1);
	make_tso();
	assert_true(c->flags & TF_SACK_OK);
	assert_int_equal(tcp_pcb_send(c, buf, sizeof(buf), now), (ssize_t)sizeof(buf));
	for (unsigned k = 0; k < 5; k++)
		assert_int_equal(pop_partial(D0 + 2 * k * MSS, MSS, NULL), 2 * MSS);
	expect_none();
	/* segment 1 (the second half of super-segment 0) and segment 5 (the second half of
	 * super-segment 2) lost on the wire; the peer ACKs segment 0 and SACKs the rest */
	advance(1);
	ack_sack(c, D0 + MSS, 0, 0, 0, 0);
	expect_none();
	ack_sack(c, D0 + MSS, D0 + 2 * MSS, D0 + 4 * MSS, 0, 0);
	expect_none();
	ack_sack(c, D0 + MSS, D0 + 2 * MSS, D0 + 5 * MSS, 0, 0);
	/* 3 segments SACKed above snd_una: RFC 6675 5 enters recovery and (4.3) resends the
	 * first hole at once: segment 1, one segment, not the super-segment around it */
	assert_true(c->flags & TF_INRECOVERY);
	assert_int_equal(pop_partial(D0 + MSS, 0, got), MSS);
	assert_memory_equal(got, buf + MSS, MSS);
	expect_none();
	/* segments 6 and 7 SACKed: segment 5 is a hole below the highest SACK, so lost
	 * (tcp_sack_pipe's NOTE); pipe = 2 above the SACKs + 1 resent, and one more fits
	 * cwnd (ssthresh: 7 segments, CUBIC's beta 0.7 of 10): the second hole goes, again alone */
	ack_sack(c, D0 + MSS, D0 + 2 * MSS, D0 + 5 * MSS, D0 + 6 * MSS, D0 + 8 * MSS);
	assert_int_equal(pop_partial(D0 + 5 * MSS, 0, got), MSS);
	assert_memory_equal(got, buf + 5 * MSS, MSS);
	expect_none();
	/* the rest SACKed: no hole left to resend and no new data */
	ack_sack(c, D0 + MSS, D0 + 2 * MSS, D0 + 5 * MSS, D0 + 6 * MSS, D0 + 10 * MSS);
	expect_none();
	assert_int_equal(tcp_stats.snd_rexmt_segs, 2);
	assert_int_equal(tcp_stats.snd_rexmt_bytes, 2 * MSS);
	/* segment 1 arrives: a partial ACK up to the second hole, nothing to resend */
	ack_sack(c, D0 + 5 * MSS, D0 + 6 * MSS, D0 + 10 * MSS, 0, 0);
	expect_none();
	assert_true(c->flags & TF_INRECOVERY);
	/* segment 5 arrives: the full ACK ends the recovery */
	ack_sack(c, D0 + 10 * MSS, 0, 0, 0, 0);
	assert_false(c->flags & TF_INRECOVERY);
	assert_int_equal(c->snd_una, c->snd_max);
	assert_int_equal(c->snd_una, D0 + 10 * MSS);
	assert_false(tcp_timer_pending(c, TCPT_REXMT));
	assert_int_equal(tcp_stats.snd_rexmt_segs, 2);
	assert_int_equal(tcp_stats.rexmt_timeouts, 0);
	expect_none();
	tcp_pcb_close(c, 1, now);
	pop_partial(D0 + 10 * MSS, 0, NULL);
	expect_none();
}

/* A retransmission is one MSS-sized segment (RFC 5681 3.1: "retransmit the lost
 * segment"), not a super-segment, even on a TSO device. */
static void test_tso_rexmt_is_one_segment(void **state)
{
	static uint8_t buf[10 * MSS];
	struct tcp_pcb *c;

	(void)state;
	c = open_mss();
	make_tso();
	assert_int_equal(tcp_pcb_send(c, buf, sizeof(buf), now), (ssize_t)sizeof(buf));
	for (unsigned k = 0; k < 5; k++)
		assert_int_equal(pop_partial(D0 + 2 * k * MSS, MSS, NULL), 2 * MSS);
	advance(tcp_config.rto_initial_ms);
	assert_int_equal(pop_partial(D0, 0, NULL), MSS);
	expect_none();
	tcp_pcb_close(c, 1, now);
	pop_partial(D0 + 10 * MSS, 0, NULL);
	expect_none();
}

/* Without TSO nothing changes: MSS-sized segments with full checksums. */
static void test_no_tso_plain_segments(void **state)
{
	static uint8_t buf[3 * MSS];
	struct tcp_pcb *c;

	(void)state;
	c = open_mss();
	assert_int_equal(tcp_pcb_send(c, buf, sizeof(buf), now), (ssize_t)sizeof(buf));
	assert_int_equal(expect(TCP_ACK, D0, PEER_ISN + 1), MSS);
	assert_int_equal(expect(TCP_ACK, D0 + MSS, PEER_ISN + 1), MSS);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, D0 + 2 * MSS, PEER_ISN + 1), MSS);
	expect_none();
	assert_int_equal(tcp_stats.snd_tso_segs, 0);
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, D0 + 3 * MSS, PEER_ISN + 1);
	expect_none();
}

/* An 8-segment train from the peer in one GSO frame, checksum left partial by the kernel:
 * taken whole, in order; the same bytes from a device that vouched for nothing are
 * dropped as a bad checksum. */
static void test_rx_super_segment(void **state)
{
	static uint8_t frame[20 + 20 + 8 * MSS], data[8 * MSS], got[8 * MSS];
	struct tcp_hdr h = { .sport = PEER, .seq = PEER_ISN + 1, .ack = D0, .flags = TCP_ACK,
			     .wnd = 65535 };
	struct ip_hdr ih = { .version = 4, .ihl = 20, .ttl = 64, .proto = IP_PROTO_TCP,
			     .src = peer, .dst = us, .total_len = sizeof(frame) };
	struct tcp_pcb *c;
	struct pkb *p;

	(void)state;
	tcp_config.rcvbuf = 65536;
	c = open_mss();
	h.dport = c->local_port;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	memcpy(frame + 40, data, sizeof(data));
	assert_int_equal(ip_emit(&ih, frame, 20), 20);
	assert_int_equal(tcp_emit_csum(&h, frame + 20, sizeof(frame) - 20, sizeof(data), NA4(peer), NA4(us),
				       1), 20);
	/* Not vouched for: the pseudo-header sum alone is a bad checksum. */
	inject_ip(frame, sizeof(frame));
	assert_int_equal(tcp_stats.rcv_bad_sum, 1);
	assert_int_equal(c->rcv_nxt, PEER_ISN + 1);
	expect_none();
	/* From an offloading device: trusted, and taken whole. */
	p = pkb_from_bytes(frame, sizeof(frame));
	pkb_csum_set_partial(p, p->data + 20, p->data + 36);
	net_device_input(tun, p, now);
	assert_int_equal(tcp_stats.rcv_bad_sum, 1);
	assert_int_equal(c->rcv_nxt, PEER_ISN + 1 + sizeof(data));
	expect(TCP_ACK, D0, PEER_ISN + 1 + sizeof(data)); /* 8 segments' worth: ACK now */
	expect_none();
	assert_int_equal(tcp_pcb_recv(c, got, sizeof(got), now), (ssize_t)sizeof(got));
	assert_memory_equal(got, data, sizeof(data));
	/* Reading 8 segments' worth opens the window by more than 2 MSS: a window update. */
	expect(TCP_ACK, D0, PEER_ISN + 1 + sizeof(data));
	expect_none();
	tcp_pcb_close(c, 1, now);
	expect(TCP_RST | TCP_ACK, D0, PEER_ISN + 1 + sizeof(data));
	expect_none();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tso_super_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tso_ack_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tso_sack_holes_inside_super_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tso_rexmt_is_one_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_tso_plain_segments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_super_segment, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
