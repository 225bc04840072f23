/* TCP over a device with segmentation and checksum offload (driver/tap.c, offload=on):
 * new data leaves as one super-segment of whole MSS-sized segments with the GSO fields
 * set and the checksum partial; retransmissions stay one segment; and a super-segment
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
	tcp_config.tso = 1; /* teardown restores the default */
}

static struct tcp_pcb *open_mss(void)
{
	struct tcp_pcb *c = tcp_pcb_alloc();
	struct tcp_opts o;
	struct tcp_hdr h;

	memset(&o, 0, sizeof(o));
	o.has_mss = 1;
	o.mss = MSS;
	assert_non_null(c);
	assert_int_equal(tcp_pcb_connect(c, peer, PEER, now), 0);
	pop(&h, NULL);
	inject(PEER, c->local_port, TCP_SYN | TCP_ACK, PEER_ISN, ISN + 1, 65535, &o, NULL, 0);
	pop(&h, NULL);
	assert_int_equal(h.flags, TCP_ACK);
	expect_none();
	assert_int_equal(c->mss, MSS);
	return c;
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
	assert_int_equal(tcp_parse(p->data + 20, p->len - 20, ih.src, ih.dst, &h), TCP_PARSE_CKSUM);
	assert_int_equal(pkb_csum_complete(p), 0);
	assert_int_equal(tcp_parse(p->data + 20, p->len - 20, ih.src, ih.dst, &h), 0);
	assert_int_equal(h.seq, seq);
	plen = p->len - 20 - h.hlen;
	if (out)
		memcpy(out, p->data + 20 + h.hlen, plen);
	pkb_free(p);
	return plen;
}

/* RFC 9293 3.7.1 with TSO: the initial window (RFC 6928: 10 segments) leaves as one
 * 10 * MSS super-segment, cut by the device into MSS-sized segments; the next flight too,
 * as far as the window allows and in whole segments. */
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
	n = pop_partial(D0, MSS, got);
	assert_int_equal(n, 10 * MSS);
	assert_memory_equal(got, buf, n);
	expect_none();
	assert_int_equal(tcp_stats.snd_tso_segs, 1);
	/* Slow start, one ACK for 5 segments: cwnd grows by one SMSS (RFC 5681 3.1) to 11,
	 * 5 are still in flight: room for 6, sent as one super-segment. */
	inject(PEER, c->local_port, TCP_ACK, PEER_ISN + 1, D0 + 5 * MSS, 65535, NULL, NULL, 0);
	assert_int_equal(c->cwnd, 11 * MSS);
	n = pop_partial(D0 + 10 * MSS, MSS, got);
	assert_int_equal(n, 6 * MSS);
	assert_memory_equal(got, buf + 10 * MSS, n);
	expect_none();
	tcp_pcb_close(c, 1, now);
	pop_partial(D0 + 16 * MSS, 0, NULL); /* the RST, partial too */
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
	assert_int_equal(pop_partial(D0, MSS, NULL), 10 * MSS);
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
	assert_int_equal(tcp_emit_csum(&h, frame + 20, sizeof(frame) - 20, sizeof(data), peer, us,
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
		cmocka_unit_test_setup_teardown(test_tso_rexmt_is_one_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_tso_plain_segments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_super_segment, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
