/* SPDX-License-Identifier: MIT */
/* Software segmentation (net/gso.c) of hand-built TCP/IPv4 super-segments, and its two
 * users: forwarding (ip/ip_forward.c) to devices with and without TSO, and ip_output for
 * TCP's own super-segments on a route without TSO.
 *
 * Every segment is checked field by field against the super-segment it came from: IP
 * total length, identification (+1 per segment, across the 16-bit wrap), flags, TTL,
 * header checksum; TCP sequence number, the acknowledgment and options (timestamps) as
 * sent, flags (CWR only on the first, FIN and PSH only on the last), urgent pointer,
 * payload bytes, and the TCP checksum over the pseudo-header (complete, or partial and
 * then finished as the device would). */
#include "test/unit/testlib.h"

#include <errno.h>
#include <string.h>

#include "ip/icmp.h"
#include "ip/ip.h"
#include "net/byteorder.h"
#include "net/cksum.h"
#include "net/gso.h"

#define T0 7000000ull
#define A(s) test_addr(s)
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_CWR 0x80
#define SEQ0 0xfffff000u /* wraps inside the super-segment */

/* A TCP/IPv4 datagram: 20-byte IP header (id, DF as given, TTL 64), a 32-byte TCP header
 * with NOP NOP timestamps, `payload` patterned bytes, full checksums. */
struct spec {
	const char *src, *dst;
	uint16_t id, frag;
	uint8_t tflags;
	uint16_t urp;
	size_t payload;
};

static struct pkb *build(const struct spec *s, size_t *total_out)
{
	size_t total = 20 + 32 + s->payload;
	struct pkb *p = pkb_alloc(total);
	uint8_t *b = pkb_put(p, total), *t = b + 20;
	uint32_t src = A(s->src), dst = A(s->dst);

	memset(b, 0, 52);
	b[0] = 0x45;
	wr16(b + 2, (uint16_t)total);
	wr16(b + 4, s->id);
	wr16(b + 6, s->frag);
	b[8] = 64;
	b[9] = IP_PROTO_TCP;
	memcpy(b + 12, &src, 4);
	memcpy(b + 16, &dst, 4);
	wr16(b + 10, cksum(b, 20));
	wr16(t, 80);
	wr16(t + 2, 40000);
	t[4] = (uint8_t)(SEQ0 >> 24);
	t[5] = (uint8_t)(SEQ0 >> 16);
	t[6] = (uint8_t)(SEQ0 >> 8);
	t[7] = (uint8_t)SEQ0;
	memcpy(t + 8, "\x12\x34\x56\x78", 4); /* ack */
	t[12] = 8 << 4;
	t[13] = s->tflags;
	wr16(t + 14, 501);
	wr16(t + 18, s->urp);
	memcpy(t + 20, "\x01\x01\x08\x0a\x00\x01\xe2\x40\x7f\x00\x00\x09", 12); /* TSval TSecr */
	for (size_t i = 0; i < s->payload; i++)
		t[32 + i] = (uint8_t)(i * 13 + i / 251);
	wr16(t + 16, cksum_finish(cksum_add(cksum_pseudo(src, dst, IP_PROTO_TCP,
							 (uint16_t)(32 + s->payload)),
					    t, 32 + s->payload)));
	if (total_out)
		*total_out = total;
	return p;
}

/* Checks segment i (data = IP header) of the super-segment `orig` cut at mss; n segments
 * in all; ttl_dec is 1 for forwarded segments. */
static void check_seg(const uint8_t *orig, size_t payload, size_t mss, int i, int n,
		      const struct pkb *sp, int ttl_dec)
{
	const uint8_t *s = sp->data, *t = s + 20, *ot = orig + 20;
	size_t off = (size_t)i * mss, len = i == n - 1 ? payload - off : mss;
	uint8_t want = ot[13];
	uint32_t src, dst;

	assert_int_equal(sp->len, 52 + len);
	assert_int_equal(s[0], 0x45);
	assert_int_equal(rd16(s + 2), 52 + len);
	assert_int_equal(rd16(s + 4), (uint16_t)(rd16(orig + 4) + i));
	assert_int_equal(rd16(s + 6), rd16(orig + 6));
	assert_int_equal(s[8], orig[8] - ttl_dec);
	assert_int_equal(s[9], IP_PROTO_TCP);
	assert_memory_equal(s + 12, orig + 12, 8);
	assert_int_equal(cksum(s, 20), 0);
	assert_memory_equal(t, ot, 4);                      /* ports */
	assert_int_equal(rd32(t + 4), SEQ0 + (uint32_t)off);
	assert_memory_equal(t + 8, ot + 8, 5);              /* ack, data offset */
	if (i > 0)
		want &= (uint8_t)~TCP_CWR;
	if (i < n - 1)
		want &= (uint8_t)~(TCP_FIN | TCP_PSH);
	if ((want & TCP_URG) && rd16(ot + 18) <= off)
		want &= (uint8_t)~TCP_URG;
	assert_int_equal(t[13], want);
	assert_memory_equal(t + 14, ot + 14, 2);            /* window */
	assert_int_equal(rd16(t + 18), want & TCP_URG ? rd16(ot + 18) - off : 0);
	assert_memory_equal(t + 20, ot + 20, 12);           /* timestamps as sent */
	assert_memory_equal(t + 32, ot + 32 + off, len);
	memcpy(&src, s + 12, 4);
	memcpy(&dst, s + 16, 4);
	assert_int_equal(cksum_finish(cksum_add(cksum_pseudo(src, dst, IP_PROTO_TCP,
							     (uint16_t)(32 + len)),
						t, 32 + len)),
			 0);
}

/* 3 full segments and an odd 777-byte tail, ID wrapping, sequence number wrapping, every
 * flag that has a rule; complete checksums. */
static void test_segment_full(void **state)
{
	const struct spec sp = { "10.0.0.1", "10.0.0.2", 0xfffe, IP_FLAG_DF,
				 TCP_ACK | TCP_PSH | TCP_FIN | TCP_CWR, 0, 3 * 1448 + 777 };
	struct pkb_queue q = TAILQ_HEAD_INITIALIZER(q);
	struct pkb *p = build(&sp, NULL), *s;
	int i = 0;

	(void)state;
	stats_reset();
	p->gso_size = 1448;
	assert_int_equal(gso_count(p), 4);
	assert_int_equal(gso_segment(p, 0, &q), 4);
	TAILQ_FOREACH(s, &q, link) {
		assert_int_equal(s->csum, PKB_CSUM_NONE);
		assert_int_equal(s->gso_size, 0);
		assert_true(pkb_headroom(s) >= 14); /* room for the link header */
		check_seg(p->data, sp.payload, 1448, i++, 4, s, 0);
	}
	assert_int_equal(i, 4);
	assert_int_equal(gso_stats.supersegs, 1);
	assert_int_equal(gso_stats.segments_out, 4);
	pkb_queue_purge(&q);
	pkb_free(p);
	test_assert_no_leaks();
}

/* Partial checksums (a device that finishes them): the field holds the pseudo-header sum;
 * finished, each segment is byte for byte the one with a complete checksum. A payload
 * that is a whole number of segments leaves the last one full. */
static void test_segment_partial(void **state)
{
	const struct spec sp = { "10.9.8.7", "172.16.5.4", 100, 0, TCP_ACK | TCP_PSH, 0,
				 5 * 1000 };
	struct pkb_queue full = TAILQ_HEAD_INITIALIZER(full), part = TAILQ_HEAD_INITIALIZER(part);
	struct pkb *p = build(&sp, NULL), *a, *b;
	int i = 0;

	(void)state;
	p->gso_size = 1000;
	assert_int_equal(gso_segment(p, 0, &full), 5);
	assert_int_equal(gso_segment(p, GSO_F_CSUM_PARTIAL, &part), 5);
	for (a = TAILQ_FIRST(&full), b = TAILQ_FIRST(&part); a && b;
	     a = TAILQ_NEXT(a, link), b = TAILQ_NEXT(b, link), i++) {
		assert_int_equal(b->csum, PKB_CSUM_PARTIAL);
		assert_ptr_equal(b->head + b->csum_start, b->data + 20);
		assert_int_equal(b->csum_offset, 16);
		assert_int_equal(pkb_csum_complete(b), 0);
		assert_int_equal(a->len, b->len);
		assert_memory_equal(a->data, b->data, a->len);
		check_seg(p->data, sp.payload, 1000, i, 5, b, 0);
	}
	assert_int_equal(i, 5);
	pkb_queue_purge(&full);
	pkb_queue_purge(&part);
	pkb_free(p);
	test_assert_no_leaks();
}

/* The urgent pointer moves with each segment's sequence number; segments past the urgent
 * data lose URG. A payload no larger than gso_size gives one segment; an empty one too. */
static void test_segment_urg_and_small(void **state)
{
	struct spec sp = { "10.0.0.1", "10.0.0.2", 7, 0, TCP_ACK | TCP_URG, 2000, 4000 };
	struct pkb_queue q = TAILQ_HEAD_INITIALIZER(q);
	struct pkb *p = build(&sp, NULL), *s;
	int i = 0;

	(void)state;
	p->gso_size = 1448;
	assert_int_equal(gso_segment(p, 0, &q), 3);
	TAILQ_FOREACH(s, &q, link)
		check_seg(p->data, sp.payload, 1448, i++, 3, s, 0);
	assert_int_equal(rd16(TAILQ_FIRST(&q)->data + 38), 2000);
	assert_int_equal(rd16(TAILQ_NEXT(TAILQ_FIRST(&q), link)->data + 38), 552);
	assert_false(TAILQ_LAST(&q, pkb_queue)->data[33] & TCP_URG);
	pkb_queue_purge(&q);
	pkb_free(p);

	sp = (struct spec){ "10.0.0.1", "10.0.0.2", 7, 0, TCP_ACK | TCP_FIN, 0, 1448 };
	p = build(&sp, NULL);
	p->gso_size = 1448;
	assert_int_equal(gso_count(p), 1);
	assert_int_equal(gso_segment(p, 0, &q), 1);
	check_seg(p->data, sp.payload, 1448, 0, 1, TAILQ_FIRST(&q), 0);
	pkb_queue_purge(&q);
	pkb_free(p);
	sp.payload = 0;
	p = build(&sp, NULL);
	p->gso_size = 1448;
	assert_int_equal(gso_segment(p, 0, &q), 1);
	check_seg(p->data, 0, 1448, 0, 1, TAILQ_FIRST(&q), 0);
	pkb_queue_purge(&q);
	pkb_free(p);
	test_assert_no_leaks();
}

/* What cannot be cut is refused and counted, and nothing is left in the queue: no gso_size,
 * not TCP, a fragment, lengths that disagree, a TCP header shorter than 20 bytes, a
 * gso_size so small it would make more than GSO_MAX_SEGS segments. */
static void test_segment_bad(void **state)
{
	const struct spec sp = { "10.0.0.1", "10.0.0.2", 1, 0, TCP_ACK, 0, 3000 };
	struct pkb_queue q = TAILQ_HEAD_INITIALIZER(q);
	struct pkb *p;
	int cases = 0;

	(void)state;
	stats_reset();
	for (int c = 0; c < 8; c++) {
		size_t total;

		p = build(&sp, &total);
		p->gso_size = 1448;
		switch (c) {
		case 0: p->gso_size = 0; break;
		case 1: p->data[9] = IP_PROTO_UDP; break;
		case 2: wr16(p->data + 6, 0x2000); break;             /* MF */
		case 3: wr16(p->data + 6, 0x0010); break;             /* offset */
		case 4: wr16(p->data + 2, (uint16_t)(total + 1)); break;
		case 5: p->data[32] = 4 << 4; break;                  /* TCP header of 16 */
		case 6: p->data[0] = 0x65; break;                     /* IPv6 nibble */
		case 7: p->gso_size = 2; break;       /* 1500 segments > GSO_MAX_SEGS */
		}
		assert_int_equal(gso_segment(p, 0, &q), -EINVAL);
		assert_true(TAILQ_EMPTY(&q));
		assert_int_equal(gso_count(p), -EINVAL);
		pkb_free(p);
		cases++;
	}
	assert_int_equal(gso_stats.bad_superseg, cases);
	assert_int_equal(gso_stats.segments_out, 0);
	test_assert_no_leaks();
}

/* ---- forwarding ---- */

static struct net_device *fin, *fout;
static struct ip_config_s saved_ip;

static int fwd_setup(void **state)
{
	(void)state;
	saved_ip = ip_config;
	stats_reset();
	fin = test_dev_create("tun0", NET_DEV_IP, 1500);
	fout = test_dev_create("tun1", NET_DEV_IP, 1500);
	assert_int_equal(ip_init(), 0);
	assert_int_equal(icmp_init(), 0);
	assert_int_equal(ip_iface_add(fin, A("192.0.2.1"), A("255.255.255.0"), 0), 0);
	assert_int_equal(ip_iface_add(fout, A("198.51.100.1"), A("255.255.255.0"), 0), 0);
	ip_config.forwarding = 1;
	return 0;
}

static int fwd_teardown(void **state)
{
	(void)state;
	ip_config = saved_ip;
	test_ip_teardown();
	return 0;
}

/* A super-segment received whole (partial checksum, as a TAP or packet socket with
 * offload hands it over) to be forwarded. */
static void inject_super(const struct spec *sp, uint16_t mss, uint8_t *orig, size_t cap)
{
	size_t total;
	struct pkb *p = build(sp, &total);

	assert_true(total <= cap);
	memcpy(orig, p->data, total);
	/* As the kernel leaves it: the pseudo-header sum only. */
	assert_int_equal(gso_set_partial(p), 0);
	p->gso_size = mss;
	net_device_input(fin, p, T0);
}

/* Out through a device without TSO: cut here, TTL decremented in every segment, complete
 * checksums (the device finishes none); with CSUM_TX the checksums stay partial. */
static void test_fwd_no_tso(void **state)
{
	static uint8_t orig[70000];
	const struct spec sp = { "192.0.2.10", "198.51.100.20", 0x1234, IP_FLAG_DF,
				 TCP_ACK | TCP_PSH, 0, 20000 };
	int n = (20000 + 1447) / 1448;
	struct pkb *s;

	(void)state;
	inject_super(&sp, 1448, orig, sizeof(orig));
	assert_int_equal(test_dev_pending(fout), n);
	for (int i = 0; i < n; i++) {
		s = test_dev_pop(fout);
		assert_int_equal(s->csum, PKB_CSUM_NONE);
		check_seg(orig, sp.payload, 1448, i, n, s, 1);
		pkb_free(s);
	}
	assert_int_equal(gso_stats.fwd_supersegs, 1);
	assert_int_equal(gso_stats.segments_out, n);
	assert_int_equal(ip_stats.fwd_fragmented, 0);
	assert_int_equal(test_dev_pending(fin), 0); /* no ICMP error */

	fout->flags |= NET_DEV_F_CSUM_TX;
	inject_super(&sp, 1448, orig, sizeof(orig));
	assert_int_equal(test_dev_pending(fout), n);
	for (int i = 0; i < n; i++) {
		s = test_dev_pop(fout);
		assert_int_equal(s->csum, PKB_CSUM_PARTIAL);
		assert_int_equal(pkb_csum_complete(s), 0);
		check_seg(orig, sp.payload, 1448, i, n, s, 1);
		pkb_free(s);
	}
	fout->flags &= ~NET_DEV_F_CSUM_TX;
}

/* A TSO device takes it whole, partial; one whose MTU is too small for the segments gets
 * frag-needed back with DF, and fragments of each segment without DF. */
static void test_fwd_tso_and_mtu(void **state)
{
	static uint8_t orig[70000];
	struct spec sp = { "192.0.2.10", "198.51.100.20", 9, IP_FLAG_DF, TCP_ACK, 0, 10000 };
	struct pkb *s;
	int n = (10000 + 1447) / 1448, nfrag = 0;

	(void)state;
	fout->flags |= NET_DEV_F_TSO | NET_DEV_F_CSUM_TX;
	fout->gso_max_size = 65535;
	inject_super(&sp, 1448, orig, sizeof(orig));
	assert_int_equal(test_dev_pending(fout), 1);
	s = test_dev_pop(fout);
	assert_int_equal(s->len, 52 + 10000);
	assert_int_equal(s->gso_size, 1448);
	assert_int_equal(s->csum, PKB_CSUM_PARTIAL);
	assert_int_equal(s->data[8], 63);
	pkb_free(s);
	assert_int_equal(gso_stats.supersegs, 0);

	/* MTU 1000 < 1448 + 52: DF set, so frag-needed with the MTU, nothing forwarded. */
	fout->mtu = 1000;
	inject_super(&sp, 1448, orig, sizeof(orig));
	assert_int_equal(test_dev_pending(fout), 0);
	assert_int_equal(test_dev_pending(fin), 1);
	s = test_dev_pop(fin);
	assert_int_equal(s->data[20], ICMP_DEST_UNREACH);
	assert_int_equal(s->data[21], ICMP_FRAG_NEEDED);
	assert_int_equal(rd16(s->data + 26), 1000);
	pkb_free(s);

	/* Without DF (and without TSO): each segment is cut, then fragmented. */
	fout->flags &= ~(NET_DEV_F_TSO | NET_DEV_F_CSUM_TX);
	sp.frag = 0;
	inject_super(&sp, 1448, orig, sizeof(orig));
	while ((s = test_dev_pop(fout))) {
		assert_true(s->len <= 1000);
		assert_int_equal(cksum(s->data, 20), 0);
		nfrag++;
		pkb_free(s);
	}
	assert_int_equal(nfrag, 2 * n);
	assert_int_equal(gso_stats.segments_out, n);
	assert_int_equal(ip_stats.fwd_fragmented, n);
	assert_int_equal(ip_stats.out_too_big_df, 0);
	fout->mtu = 1500;
}

/* ip_output: TCP's super-segment (partial, as TCP leaves it for a TSO device) on a route
 * whose device has no TSO is cut, not refused; identifications advance past it. */
static void test_output_no_tso(void **state)
{
	static uint8_t orig[70000];
	const struct spec sp = { "198.51.100.1", "198.51.100.30", 0, 0, TCP_ACK | TCP_PSH, 0,
				 9000 };
	struct net_out_opts o = { .df = 1 };
	struct pkb *p = build(&sp, NULL), *s;
	int n = (9000 + 1447) / 1448;
	uint16_t id0;

	(void)state;
	memcpy(orig, p->data, p->len);
	assert_int_equal(gso_set_partial(p), 0);
	pkb_pull(p, 20);
	p->gso_size = 1448;
	assert_int_equal(ip_output(IP_PROTO_TCP, p, A("198.51.100.1"), A("198.51.100.30"), &o, T0),
			 0);
	assert_int_equal(test_dev_pending(fout), n);
	s = test_dev_pop(fout);
	id0 = rd16(s->data + 4); /* whatever ip_output's counter stood at */
	wr16(orig + 4, id0);
	wr16(orig + 6, IP_FLAG_DF);
	orig[8] = ip_config.default_ttl;
	wr16(orig + 10, 0);
	wr16(orig + 10, cksum(orig, 20));
	for (int i = 0; i < n; i++) {
		if (i > 0)
			s = test_dev_pop(fout);
		check_seg(orig, sp.payload, 1448, i, n, s, 0);
		pkb_free(s);
	}
	assert_int_equal(gso_stats.out_supersegs, 1);
	/* The next datagram takes the identification after the last segment's. */
	p = pkb_alloc(8);
	memset(pkb_put(p, 8), 0, 8);
	assert_int_equal(ip_output(IP_PROTO_UDP, p, 0, A("198.51.100.30"), NULL, T0), 0);
	s = test_dev_pop(fout);
	assert_int_equal(rd16(s->data + 4), (uint16_t)(id0 + n));
	pkb_free(s);
	/* A fragmented datagram takes one identification too: the next one differs. */
	p = pkb_alloc(3000);
	memset(pkb_put(p, 3000), 0, 3000);
	assert_int_equal(ip_output(IP_PROTO_UDP, p, 0, A("198.51.100.30"), NULL, T0), 0);
	assert_int_equal(test_dev_pending(fout), 3);
	while ((s = test_dev_pop(fout))) {
		assert_int_equal(rd16(s->data + 4), (uint16_t)(id0 + n + 1));
		pkb_free(s);
	}
	p = pkb_alloc(8);
	memset(pkb_put(p, 8), 0, 8);
	assert_int_equal(ip_output(IP_PROTO_UDP, p, 0, A("198.51.100.30"), NULL, T0), 0);
	s = test_dev_pop(fout);
	assert_int_equal(rd16(s->data + 4), (uint16_t)(id0 + n + 2));
	pkb_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_segment_full),
		cmocka_unit_test(test_segment_partial),
		cmocka_unit_test(test_segment_urg_and_small),
		cmocka_unit_test(test_segment_bad),
		cmocka_unit_test_setup_teardown(test_fwd_no_tso, fwd_setup, fwd_teardown),
		cmocka_unit_test_setup_teardown(test_fwd_tso_and_mtu, fwd_setup, fwd_teardown),
		cmocka_unit_test_setup_teardown(test_output_no_tso, fwd_setup, fwd_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
