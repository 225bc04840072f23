/* SPDX-License-Identifier: MIT */
/* tcp_parse / tcp_emit against Linux's segments in test/data/linux-session.pcap
 * (RFC 9293 3.1 header format, 3.2 options; RFC 7323 timestamps and window scale). */
#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <string.h>

#include "net/cksum.h"
#include "tcp/tcp_wire.h"

#define PCAP "test/data/linux-session.pcap"
#define ETH_LEN 14

struct seg {
	uint8_t frame[2048];
	const uint8_t *tcp;
	size_t len;
	uint32_t src, dst;
};

/* Loads frame idx and locates its TCP segment (Ethernet + IPv4 without options). */
static void load(struct seg *s, int idx)
{
	long n = test_pcap_frame(PCAP, idx, s->frame, sizeof(s->frame));
	const uint8_t *ip;
	size_t ihl, tot;

	assert_true(n > ETH_LEN + 20);
	ip = s->frame + ETH_LEN;
	assert_int_equal(ip[9], 6);
	ihl = (size_t)(ip[0] & 0xf) * 4;
	tot = (size_t)(ip[2] << 8 | ip[3]);
	memcpy(&s->src, ip + 12, 4);
	memcpy(&s->dst, ip + 16, 4);
	s->tcp = ip + ihl;
	s->len = tot - ihl;
}

/* Frame 15: 192.0.2.1.50230 > 192.0.2.2.8080 [S] seq 3430278639 win 65535
 * options [mss 1460,sackOK,TS val 3560604857 ecr 0,nop,wscale 8]. */
static void test_syn_fields(void **state)
{
	struct seg s;
	struct tcp_hdr h;
	uint8_t out[128];

	(void)state;
	load(&s, 15);
	assert_int_equal(s.len, 40);
	assert_int_equal(tcp_parse(s.tcp, s.len, NA4(s.src), NA4(s.dst), &h), TCP_PARSE_OK);
	assert_int_equal(h.sport, 50230);
	assert_int_equal(h.dport, 8080);
	assert_int_equal(h.seq, 3430278639u);
	assert_int_equal(h.ack, 0);
	assert_int_equal(h.hlen, 40);
	assert_int_equal(h.flags, TCP_SYN);
	assert_int_equal(h.wnd, 65535);
	assert_int_equal(h.urp, 0);
	assert_int_equal(h.cksum, s.tcp[16] << 8 | s.tcp[17]);
	assert_true(h.opt.has_mss);
	assert_int_equal(h.opt.mss, 1460);
	assert_true(h.opt.sack_permitted);
	assert_true(h.opt.has_ts);
	assert_int_equal(h.opt.tsval, 3560604857u);
	assert_int_equal(h.opt.tsecr, 0);
	assert_true(h.opt.has_wscale);
	assert_int_equal(h.opt.wscale, 8);
	assert_int_equal(h.opt.nsack, 0);

	assert_int_equal(tcp_hdr_len(&h), 40);
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(tcp_emit(&h, out, sizeof(out), 0, NA4(s.src), NA4(s.dst)), 40);
	if (memcmp(out, s.tcp, 40) != 0) {
		test_hexdump("expected", s.tcp, 40);
		test_hexdump("emitted", out, 40);
		fail();
	}
	test_assert_no_leaks();
}

/* Every TCP frame of the session (SYN, SYN-ACK, data with NOP,NOP,TS, FIN, RST) parses and
 * re-emits byte for byte, payload included in the checksum. */
static void test_all_frames_roundtrip(void **state)
{
	static const int frames[] = { 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28 };

	(void)state;
	for (size_t k = 0; k < sizeof(frames) / sizeof(frames[0]); k++) {
		struct seg s;
		struct tcp_hdr h;
		uint8_t out[2048];
		size_t plen;

		load(&s, frames[k]);
		assert_int_equal(tcp_parse(s.tcp, s.len, NA4(s.src), NA4(s.dst), &h), TCP_PARSE_OK);
		plen = s.len - h.hlen;
		memcpy(out + h.hlen, s.tcp + h.hlen, plen);
		assert_int_equal(tcp_emit(&h, out, sizeof(out), plen, NA4(s.src), NA4(s.dst)), h.hlen);
		assert_memory_equal(out, s.tcp, s.len);
	}
	/* spot checks: frame 18 carries 88 bytes of GET, frame 28 is the RST/ACK */
	{
		struct seg s;
		struct tcp_hdr h;
		load(&s, 18);
		assert_int_equal(tcp_parse(s.tcp, s.len, NA4(s.src), NA4(s.dst), &h), 0);
		assert_int_equal(s.len - h.hlen, 88);
		assert_int_equal(h.flags, TCP_PSH | TCP_ACK);
		assert_true(h.opt.has_ts);
		assert_false(h.opt.has_mss);
		assert_int_equal(h.opt.tsecr, 515281277u);
		load(&s, 28);
		assert_int_equal(tcp_parse(s.tcp, s.len, NA4(s.src), NA4(s.dst), &h), 0);
		assert_int_equal(h.flags, TCP_RST | TCP_ACK);
		assert_int_equal(h.ack, 798100217u);
		assert_int_equal(h.hlen, 20);
	}
	test_assert_no_leaks();
}

static void test_truncated(void **state)
{
	struct seg s;
	struct tcp_hdr h;

	(void)state;
	load(&s, 15);
	for (size_t n = 0; n < 20; n++)
		assert_int_equal(tcp_parse(s.tcp, n, NA4(s.src), NA4(s.dst), &h), TCP_PARSE_SHORT);
	/* 20..39 bytes: the data offset (40) runs past the segment */
	for (size_t n = 20; n < 40; n++)
		assert_int_equal(tcp_parse(s.tcp, n, NA4(s.src), NA4(s.dst), &h), TCP_PARSE_DOFF);
	test_assert_no_leaks();
}

static void test_corrupted(void **state)
{
	struct seg s;
	struct tcp_hdr h;
	uint8_t b[64];

	(void)state;
	load(&s, 15);
	/* any single flipped bit fails the checksum */
	for (size_t i = 0; i < s.len; i++) {
		if (i == 12)
			continue; /* data offset: checked before the checksum */
		memcpy(b, s.tcp, s.len);
		b[i] ^= 0x04;
		assert_int_equal(tcp_parse(b, s.len, NA4(s.src), NA4(s.dst), &h), TCP_PARSE_CKSUM);
	}
	/* wrong pseudo-header (other destination) */
	assert_int_equal(tcp_parse(s.tcp, s.len, NA4(s.src), NA4(s.dst ^ htonl(1)), &h), TCP_PARSE_CKSUM);
	/* data offset below 5 */
	memcpy(b, s.tcp, s.len);
	b[12] = 0x40;
	assert_int_equal(tcp_parse(b, s.len, NA4(s.src), NA4(s.dst), &h), TCP_PARSE_DOFF);
	test_assert_no_leaks();
}

/* Rewrites the 20 option bytes of the SYN and fixes the checksum so only the option
 * parser can object. */
static int parse_with_opts(const struct seg *s, const uint8_t opts[20], struct tcp_hdr *h)
{
	struct tcp_hdr base;
	uint8_t b[40];
	uint32_t sum;
	uint16_t c;

	assert_int_equal(tcp_parse(s->tcp, s->len, NA4(s->src), NA4(s->dst), &base), 0);
	memcpy(b, s->tcp, 20);
	memcpy(b + 20, opts, 20);
	b[16] = b[17] = 0;
	sum = cksum_add(cksum_pseudo(s->src, s->dst, 6, 40), b, 40);
	c = cksum_finish(sum);
	b[16] = (uint8_t)(c >> 8);
	b[17] = (uint8_t)c;
	return tcp_parse(b, 40, NA4(s->src), NA4(s->dst), h);
}

static void test_options(void **state)
{
	struct seg s;
	struct tcp_hdr h;
	(void)state;
	load(&s, 15);
	{	/* unknown kind 30 with length 6 is skipped, later options still read */
		const uint8_t o[20] = { 30, 6, 1, 2, 3, 4, 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 0 };
		assert_int_equal(parse_with_opts(&s, o, &h), 0);
		assert_int_equal(h.opt.mss, 1460);
		assert_int_equal(h.opt.wscale, 7);
	}
	{	/* EOL stops parsing even if garbage follows */
		const uint8_t o[20] = { 0, 2, 99 };
		assert_int_equal(parse_with_opts(&s, o, &h), 0);
		assert_false(h.opt.has_mss);
	}
	{	/* SACK blocks */
		const uint8_t o[20] = { 1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 0, 30, 0, 0, 0, 40 };
		assert_int_equal(parse_with_opts(&s, o, &h), 0);
		assert_int_equal(h.opt.nsack, 2);
		assert_int_equal(h.opt.sack[0].left, 10);
		assert_int_equal(h.opt.sack[1].right, 40);
	}
	static const uint8_t bad[][20] = {
		{ 2, 3, 5, 0 },         /* MSS with length 3 */
		{ 3, 4, 7, 0 },         /* window scale with length 4 */
		{ 4, 3, 0 },            /* SACK-permitted with length 3 */
		{ 8, 8, 0 },            /* timestamps with length 8 */
		{ 5, 9, 0 },            /* SACK not a multiple of 8 */
		{ 30, 1, 0 },           /* length below 2 */
		{ 30, 0, 0 },           /* length 0 (would loop forever) */
		{ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 30, 8 }, /* past the end */
		{ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2 },  /* no length byte */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse_with_opts(&s, bad[i], &h), TCP_PARSE_OPT);
	test_assert_no_leaks();
}

static void test_emit_layouts(void **state)
{
	struct tcp_hdr h, back;
	uint8_t b[80];
	uint32_t a = htonl(0x0a000001), c = htonl(0x0a000002);

	(void)state;
	memset(&h, 0, sizeof(h));
	h.sport = 1; h.dport = 2; h.seq = 0xfffffff0u; h.ack = 5; h.flags = TCP_ACK; h.wnd = 100;
	h.opt.has_ts = 1; h.opt.tsval = 7; h.opt.tsecr = 9;
	h.opt.nsack = 3;
	for (int i = 0; i < 3; i++) {
		h.opt.sack[i].left = 100u * i;
		h.opt.sack[i].right = 100u * i + 50;
	}
	assert_int_equal(tcp_hdr_len(&h), 20 + 12 + 28);
	memcpy(b + 60, "hello", 5);
	assert_int_equal(tcp_emit(&h, b, sizeof(b), 5, NA4(a), NA4(c)), 60);
	assert_int_equal(tcp_parse(b, 65, NA4(a), NA4(c), &back), 0);
	assert_int_equal(back.seq, 0xfffffff0u);
	assert_int_equal(back.opt.nsack, 3);
	assert_int_equal(back.opt.sack[2].right, 250);
	assert_int_equal(back.opt.tsecr, 9);
	assert_false(back.opt.sack_permitted);
	/* too small a buffer */
	assert_int_equal(tcp_emit(&h, b, 64, 5, NA4(a), NA4(c)), 0);
	/* 4 SACK blocks plus timestamps do not fit in 40 bytes */
	h.opt.nsack = 4;
	assert_int_equal(tcp_hdr_len(&h), 0);
	assert_int_equal(tcp_emit(&h, b, sizeof(b), 0, NA4(a), NA4(c)), 0);
	test_assert_no_leaks();
}

static void test_seq_macros(void **state)
{
	(void)state;
	assert_true(SEQ_LT(0xfffffff0u, 5));
	assert_true(SEQ_GT(5, 0xfffffff0u));
	assert_true(SEQ_LEQ(7, 7));
	assert_true(SEQ_GEQ(7, 7));
	assert_false(SEQ_LT(7, 7));
	assert_true(SEQ_LT(0x7ffffffeu, 0x7fffffffu));
	assert_true(SEQ_GT(0x80000000u, 0x7fffffffu));
	assert_int_equal(SEQ_MAX(0xffffffffu, 2u), 2u);
	test_assert_no_leaks();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syn_fields),
		cmocka_unit_test(test_all_frames_roundtrip),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupted),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_emit_layouts),
		cmocka_unit_test(test_seq_macros),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
