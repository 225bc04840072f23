/* SPDX-License-Identifier: MIT */
/* TCP over IPv6 with segmentation offload: software segmentation (net/gso.c) of a
 * hand-built TCP/IPv6 super-segment, and ip6_output's choice between handing TCP's
 * super-segment whole to a device that cuts TCPv6 (NET_DEV_F_TSO6) and cutting it here
 * for one that does not (or whose MTU a segment would not fit); ip6_input refusing a
 * super-segment from the device that is not TCP or is a fragment (ip6.in_gso_bad).
 *
 * Every segment is checked field by field against the super-segment it came from: the
 * IPv6 payload length (TCP header and that segment's data), the rest of the fixed header
 * as it was; TCP sequence number, acknowledgment and options as sent, flags (CWR only on
 * the first, FIN and PSH only on the last), payload bytes, and the TCP checksum over the
 * IPv6 pseudo-header (RFC 8200 8.1: complete, or partial and then finished as the device
 * would). */
#include "test/unit/testlib.h"

#include <errno.h>
#include <string.h>

#include "ip6/icmp6.h"
#include "ip6/ip6.h"
#include "net/byteorder.h"
#include "net/cksum.h"
#include "net/gso.h"
#include "net/loop.h"

#define T0 7000000ull
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_CWR 0x80
#define SEQ0 0xffffe000u /* wraps inside the super-segment */
#define IP6 40
#define THL 32

/* The TCP segment (32-byte header with NOP NOP timestamps, `payload` patterned bytes, a
 * complete checksum) at t, from src to dst. */
static void build_tcp(uint8_t *t, const struct net_addr *src, const struct net_addr *dst,
		      uint8_t tflags, size_t payload)
{
	memset(t, 0, THL);
	wr16(t, 8080);
	wr16(t + 2, 40000);
	wr32(t + 4, SEQ0);
	memcpy(t + 8, "\x12\x34\x56\x78", 4); /* ack */
	t[12] = (THL / 4) << 4;
	t[13] = tflags;
	wr16(t + 14, 501);
	memcpy(t + 20, "\x01\x01\x08\x0a\x00\x01\xe2\x40\x7f\x00\x00\x09", 12);
	for (size_t i = 0; i < payload; i++)
		t[THL + i] = (uint8_t)(i * 13 + i / 251);
	wr16(t + 16, cksum_finish(cksum_add(cksum_pseudo6(src, dst, IP6_NH_TCP,
							  (uint32_t)(THL + payload)),
					    t, THL + payload)));
}

/* A TCP/IPv6 packet: the fixed header (traffic class and flow label set, hop limit 64),
 * then build_tcp's segment. */
static struct pkb *build(const char *src, const char *dst, uint8_t tflags, size_t payload)
{
	struct net_addr s = test_addr6(src), d = test_addr6(dst);
	struct pkb *p = pkb_alloc(IP6 + THL + payload);
	uint8_t *b = pkb_put(p, IP6 + THL + payload);

	memcpy(b, "\x6a\xb1\x23\x45", 4); /* version 6, traffic class 0xab, flow 0x12345 */
	wr16(b + 4, (uint16_t)(THL + payload));
	b[6] = IP6_NH_TCP;
	b[7] = 64;
	memcpy(b + 8, s.v6, 16);
	memcpy(b + 24, d.v6, 16);
	build_tcp(b + IP6, &s, &d, tflags, payload);
	return p;
}

/* Checks segment i (data = IPv6 header) of the super-segment `orig` cut at mss; n in all. */
static void check_seg(const uint8_t *orig, size_t payload, size_t mss, int i, int n,
		      const struct pkb *sp)
{
	const uint8_t *s = sp->data, *t = s + IP6, *ot = orig + IP6;
	size_t off = (size_t)i * mss, len = i == n - 1 ? payload - off : mss;
	uint8_t want = ot[13];
	struct net_addr src = { .family = AF_INET6 }, dst = { .family = AF_INET6 };

	assert_int_equal(sp->len, IP6 + THL + len);
	assert_memory_equal(s, orig, 4);                    /* version, class, flow label */
	assert_int_equal(rd16(s + 4), THL + len);           /* the payload length */
	assert_memory_equal(s + 6, orig + 6, 34);           /* next header, hops, addresses */
	assert_memory_equal(t, ot, 4);                      /* ports */
	assert_int_equal(rd32(t + 4), SEQ0 + (uint32_t)off);
	assert_memory_equal(t + 8, ot + 8, 5);              /* ack, data offset */
	if (i > 0)
		want &= (uint8_t)~TCP_CWR;
	if (i < n - 1)
		want &= (uint8_t)~(TCP_FIN | TCP_PSH);
	assert_int_equal(t[13], want);
	assert_memory_equal(t + 14, ot + 14, 2);            /* window */
	assert_memory_equal(t + 20, ot + 20, 12);           /* timestamps as sent */
	assert_memory_equal(t + THL, ot + THL + off, len);
	memcpy(src.v6, s + 8, 16);
	memcpy(dst.v6, s + 24, 16);
	assert_int_equal(cksum_finish(cksum_add(cksum_pseudo6(&src, &dst, IP6_NH_TCP,
							      (uint32_t)(THL + len)),
						t, THL + len)),
			 0);
}

/* 5 full segments and a 333-byte tail, the sequence number wrapping, CWR/PSH/FIN;
 * complete checksums, then partial ones finished as the device would. */
static void test_segment6(void **state)
{
	const size_t payload = 5 * 1428 + 333;
	struct pkb_queue q = TAILQ_HEAD_INITIALIZER(q);
	struct pkb *p = build("2001:db8::1", "2001:db8:1::2",
			      TCP_ACK | TCP_PSH | TCP_FIN | TCP_CWR, payload), *s;
	int i = 0;

	(void)state;
	stats_reset();
	p->gso_size = 1428;
	assert_int_equal(gso_count(p), 6);
	assert_int_equal(gso_segment(p, 0, &q), 6);
	TAILQ_FOREACH(s, &q, link) {
		assert_int_equal(s->csum, PKB_CSUM_NONE);
		assert_int_equal(s->gso_size, 0);
		assert_true(pkb_headroom(s) >= 14);
		check_seg(p->data, payload, 1428, i++, 6, s);
	}
	assert_int_equal(i, 6);
	pkb_queue_purge(&q);

	/* Partial: the field holds the pseudo-header sum; finished, the same segments. */
	assert_int_equal(gso_set_partial(p), 0);
	assert_int_equal(gso_segment(p, GSO_F_CSUM_PARTIAL, &q), 6);
	i = 0;
	TAILQ_FOREACH(s, &q, link) {
		assert_int_equal(s->csum, PKB_CSUM_PARTIAL);
		assert_ptr_equal(s->head + s->csum_start, s->data + IP6);
		assert_int_equal(pkb_csum_complete(s), 0);
		check_seg(p->data, payload, 1428, i++, 6, s);
	}
	pkb_queue_purge(&q);
	assert_int_equal(gso_stats.supersegs, 2);
	assert_int_equal(gso_stats.segments_out, 12);
	pkb_free(p);
	test_assert_no_leaks();
}

/* What is not a cuttable TCPv6 super-segment is refused and counted, never cut: an
 * extension header before TCP, UDP, a payload length past the buffer or under a TCP
 * header, a jumbogram's 0, a short TCP header, too many segments. */
static void test_segment6_bad(void **state)
{
	struct pkb_queue q = TAILQ_HEAD_INITIALIZER(q);
	int cases = 0;

	(void)state;
	stats_reset();
	for (int c = 0; c < 7; c++) {
		struct pkb *p = build("2001:db8::1", "2001:db8::2", TCP_ACK, 3000);

		p->gso_size = 1428;
		switch (c) {
		case 0: p->data[6] = IP6_NH_HOPOPTS; break;
		case 1: p->data[6] = IP6_NH_UDP; break;
		case 2: wr16(p->data + 4, (uint16_t)(THL + 3001)); break;
		case 3: wr16(p->data + 4, 19); break;
		case 4: wr16(p->data + 4, 0); break;
		case 5: p->data[IP6 + 12] = 4 << 4; break;
		case 6: p->gso_size = 2; break;
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

/* ---- ip6_output ---- */

static struct net_device *dev;
static struct net_addr addr_a, addr_b;

static int setup(void **state)
{
	(void)state;
	dev = test_ip6_setup(0, "2001:db8::b", T0); /* no ND: packets go straight out */
	addr_a = test_addr6("2001:db8::a");
	addr_b = test_addr6("2001:db8::b");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_ip6_teardown();
	return 0;
}

/* TCP's super-segment as tcp_xmit leaves it for ip6_output: data = the TCP header,
 * checksum partial, gso_size the MSS. `orig` gets the whole packet as the wire should
 * see it before cutting (header as ip6_output writes it). */
static struct pkb *tcp_super(size_t payload, uint16_t mss, uint8_t *orig)
{
	struct pkb *p = pkb_alloc(THL + payload);
	uint8_t *t = pkb_put(p, THL + payload);

	build_tcp(t, &addr_b, &addr_a, TCP_ACK | TCP_PSH, payload);
	memset(orig, 0, IP6);
	orig[0] = 0x60;
	wr16(orig + 4, (uint16_t)(THL + payload));
	orig[6] = IP6_NH_TCP;
	orig[7] = (uint8_t)ip6_config.default_hlim;
	memcpy(orig + 8, addr_b.v6, 16);
	memcpy(orig + 24, addr_a.v6, 16);
	memcpy(orig + IP6, t, THL + payload);
	/* partial, as TCP leaves a super-segment: the pseudo-header sum in the field */
	wr16(t + 16, (uint16_t)~cksum_finish(cksum_pseudo6(&addr_b, &addr_a, IP6_NH_TCP,
							    (uint32_t)(THL + payload))));
	pkb_csum_set_partial(p, t, t + 16);
	p->gso_size = mss;
	return p;
}

/* A device that cuts TCPv6 takes the super-segment whole (partial, gso_size kept, the
 * IPv6 payload length that of the whole); one without TSO6 gets it cut here; so does one
 * with TSO6 whose path MTU a segment would not fit. */
static void test_output6(void **state)
{
	static uint8_t orig[70000];
	const size_t payload = 20000;
	int n = (int)((payload + 1427) / 1428);
	struct pkb *p, *s;

	(void)state;
	dev->flags |= NET_DEV_F_TSO6 | NET_DEV_F_CSUM_TX;
	dev->gso_max_size = 65535;
	p = tcp_super(payload, 1428, orig);
	assert_int_equal(ip6_output(IP6_NH_TCP, p, NULL, &addr_a, NULL, T0), 0);
	assert_int_equal(test_dev_pending(dev), 1);
	s = test_dev_pop(dev);
	assert_int_equal(s->len, IP6 + THL + payload);
	assert_int_equal(rd16(s->data + 4), THL + payload);
	assert_int_equal(s->gso_size, 1428);
	assert_int_equal(s->csum, PKB_CSUM_PARTIAL);
	assert_int_equal(s->proto, 0x86dd); /* what the driver reads to say TCPV6 */
	assert_int_equal(pkb_csum_complete(s), 0);
	assert_memory_equal(s->data + 8, orig + 8, 32);
	assert_memory_equal(s->data + IP6, orig + IP6, THL + payload);
	pkb_free(s);
	assert_int_equal(ip6_stats.out_gso_soft, 0);

	/* TSO (IPv4's) alone is not TSO6: cut here, complete checksums for a device that
	 * finishes none. */
	dev->flags &= ~(NET_DEV_F_TSO6 | NET_DEV_F_CSUM_TX);
	dev->flags |= NET_DEV_F_TSO;
	p = tcp_super(payload, 1428, orig);
	assert_int_equal(ip6_output(IP6_NH_TCP, p, NULL, &addr_a, NULL, T0), 0);
	assert_int_equal(test_dev_pending(dev), n);
	for (int i = 0; i < n; i++) {
		s = test_dev_pop(dev);
		assert_int_equal(s->csum, PKB_CSUM_NONE);
		assert_int_equal(s->gso_size, 0);
		check_seg(orig, payload, 1428, i, n, s);
		pkb_free(s);
	}
	assert_int_equal(ip6_stats.out_gso_soft, 1);
	assert_int_equal(gso_stats.out_supersegs, 1);

	/* TSO6, but the device's MTU is under a segment's 1500: cut, and each segment
	 * fragmented to 1280 (as a datagram too big for the path would be). */
	dev->flags |= NET_DEV_F_TSO6 | NET_DEV_F_CSUM_TX;
	dev->mtu = 1280;
	p = tcp_super(payload, 1428, orig);
	assert_int_equal(ip6_output(IP6_NH_TCP, p, NULL, &addr_a, NULL, T0), 0);
	/* each full segment in two fragments; the 8-byte tail fits as it is */
	assert_int_equal(test_dev_pending(dev), 2 * (size_t)(n - 1) + 1);
	for (int i = 0; (s = test_dev_pop(dev)); i++) {
		assert_true(s->len <= 1280);
		assert_int_equal(s->data[6], i < 2 * (n - 1) ? IP6_NH_FRAGMENT : IP6_NH_TCP);
		pkb_free(s);
	}
	assert_int_equal(ip6_stats.out_gso_soft, 2);
	dev->mtu = 1500;

	/* One segment's worth is an ordinary packet, whatever gso_size said. */
	p = tcp_super(1000, 1428, orig);
	assert_int_equal(ip6_output(IP6_NH_TCP, p, NULL, &addr_a, NULL, T0), 0);
	s = test_dev_pop(dev);
	assert_int_equal(s->gso_size, 0);
	assert_int_equal(s->len, IP6 + THL + 1000);
	pkb_free(s);
	dev->flags &= ~(NET_DEV_F_TSO | NET_DEV_F_TSO6 | NET_DEV_F_CSUM_TX);
}

/* Input: a GSO_TCPV6 frame (gso_size set, as driver/vnet.c leaves it) that is not TCP
 * after its extension headers, or that carries a fragment header, is dropped and counted
 * (ip6.in_gso_bad), never handed on; a TCP one behind a hop-by-hop header reaches TCP. */
static void test_input6_bad(void **state)
{
	static const uint8_t frag[8] = { IP6_NH_TCP, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t hbh[8] = { IP6_NH_TCP, 0, 1, 4, 0, 0, 0, 0 }; /* PadN */
	struct pkb *p;
	uint8_t *b;

	(void)state;
	/* UDP marked as a super-segment */
	p = build("2001:db8::a", "2001:db8::b", TCP_ACK, 3000);
	p->data[6] = IP6_NH_UDP;
	p->gso_size = 1428;
	net_device_input(dev, p, T0);
	assert_int_equal(ip6_stats.in_gso_bad, 1);
	/* a fragment header (offset 0, more fragments) before TCP */
	p = build("2001:db8::a", "2001:db8::b", TCP_ACK, 3000);
	b = pkb_push(p, 8);
	memmove(b, b + 8, IP6);
	memcpy(b + IP6, frag, 8);
	b[6] = IP6_NH_FRAGMENT;
	wr16(b + 4, (uint16_t)(rd16(b + 4) + 8));
	p->gso_size = 1428;
	net_device_input(dev, p, T0);
	assert_int_equal(ip6_stats.in_gso_bad, 2);
	assert_int_equal(ip6_stats.reasm_reqds, 0);
	/* a hop-by-hop header, then TCP: delivered (no transport registered here, so it
	 * ends as an unknown next header, past the super-segment check) */
	p = build("2001:db8::a", "2001:db8::b", TCP_ACK, 3000);
	b = pkb_push(p, 8);
	memmove(b, b + 8, IP6);
	memcpy(b + IP6, hbh, 8);
	b[6] = IP6_NH_HOPOPTS;
	wr16(b + 4, (uint16_t)(rd16(b + 4) + 8));
	p->gso_size = 1428;
	net_device_input(dev, p, T0);
	assert_int_equal(ip6_stats.in_gso_bad, 2);
	assert_int_equal(ip6_stats.in_unknown_nh, 1);
	test_dev_flush(dev); /* the parameter problem it answered */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_segment6),
		cmocka_unit_test(test_segment6_bad),
		cmocka_unit_test_setup_teardown(test_output6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input6_bad, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
