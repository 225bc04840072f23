/* SPDX-License-Identifier: MIT */
/* Fragmentation of a datagram whose transport checksum is still partial (checksum offload
 * pending: a TAP or packet device hands such frames in, and a sender may leave its sum for
 * an offloading device), through our own output and through forwarding. The fragments the
 * capture device takes are put back together here and the UDP checksum of the whole must
 * be right: once the datagram is cut, no device can finish the sum any more, so it has to
 * be finished before the cut. A datagram that fits still leaves partial for a device that
 * completes it. */
#include "test/unit/testlib.h"

#include <errno.h>
#include <string.h>

#include "ip/icmp.h"
#include "ip/ip.h"
#include "net/byteorder.h"
#include "net/cksum.h"

#define T0 7000000ull
#define UDP_HDR 8

static struct net_device *in, *out;
static struct ip_config_s saved_ip;

#define A(s) test_addr(s)

static int setup(void **state)
{
	(void)state;
	saved_ip = ip_config;
	stats_reset();
	in = test_dev_create("tun0", NET_DEV_IP, 1500);
	out = test_dev_create("tun1", NET_DEV_IP, 576);
	/* the outgoing device finishes partial checksums (a TAP with offload=on) */
	out->flags |= NET_DEV_F_CSUM_TX;
	assert_int_equal(ip_init(), 0);
	assert_int_equal(icmp_init(), 0);
	assert_int_equal(ip_iface_add(in, A("192.0.2.1"), A("255.255.255.0"), 0), 0);
	assert_int_equal(ip_iface_add(out, A("198.51.100.1"), A("255.255.255.0"), 0), 0);
	ip_config.forwarding = 1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ip_config = saved_ip;
	test_ip_teardown();
	return 0;
}

/* Writes a UDP header and `plen` patterned payload bytes at u, with the checksum field
 * holding only the pseudo-header sum, as a sender with checksum offload leaves it. */
static void udp_partial(uint8_t *u, size_t plen, uint32_t src, uint32_t dst)
{
	uint16_t len = (uint16_t)(UDP_HDR + plen);

	wr16(u, 40000);
	wr16(u + 2, 9);
	wr16(u + 4, len);
	for (size_t i = 0; i < plen; i++)
		u[UDP_HDR + i] = (uint8_t)(i * 13 + 5);
	wr16(u + 6, (uint16_t)~cksum_finish(cksum_pseudo(src, dst, IP_PROTO_UDP, len)));
}

/* Pops every frame `out` sent, checks they are fragments of one datagram from src to dst
 * and puts their payloads back together in whole[]; returns the datagram's payload length
 * and the number of fragments in *nfrags. */
static size_t reassemble(uint32_t src, uint32_t dst, uint8_t *whole, size_t cap, int *nfrags)
{
	size_t total = 0, got = 0;
	int id = -1, n = 0;
	struct pkb *f;

	while ((f = test_dev_pop(out))) {
		struct ip_hdr h;
		size_t off, len;

		assert_int_equal(ip_parse(f->data, f->len, &h), IP_PARSE_OK);
		assert_true(f->len <= out->mtu);
		assert_int_equal(h.src, src);
		assert_int_equal(h.dst, dst);
		assert_int_equal(h.proto, IP_PROTO_UDP);
		if (id < 0)
			id = h.id;
		assert_int_equal(h.id, id);
		off = (size_t)(h.frag & IP_OFFSET_MASK) * 8;
		len = h.total_len - h.ihl;
		assert_true(off + len <= cap);
		memcpy(whole + off, f->data + h.ihl, len);
		got += len;
		if (!(h.frag & IP_FLAG_MF))
			total = off + len;
		n++;
		pkb_free(f);
	}
	assert_true(total > 0);
	assert_int_equal(got, total);
	*nfrags = n;
	return total;
}

/* The UDP datagram's checksum over its pseudo-header: 0 when right. */
static uint16_t udp_verify(const uint8_t *u, size_t len, uint32_t src, uint32_t dst)
{
	assert_int_equal(rd16(u + 4), len);
	assert_int_not_equal(rd16(u + 6), 0); /* "no checksum" would prove nothing */
	return cksum_finish(cksum_add(cksum_pseudo(src, dst, IP_PROTO_UDP, (uint16_t)len), u, len));
}

static void done(void)
{
	test_dev_flush(in);
	test_dev_flush(out);
	test_assert_no_leaks();
}

/* Our own UDP datagram, 1400 bytes with its sum left partial, to a 576-byte MTU. */
static void test_output_partial_fragmented(void **state)
{
	uint32_t src = A("198.51.100.1"), dst = A("198.51.100.20");
	size_t plen = 1392, n;
	struct pkb *p = pkb_alloc(UDP_HDR + plen);
	uint8_t whole[2048];
	int nfrags;

	(void)state;
	assert_non_null(p);
	udp_partial(pkb_put(p, UDP_HDR + plen), plen, src, dst);
	pkb_csum_set_partial(p, p->data, p->data + 6);
	assert_int_equal(ip_output(IP_PROTO_UDP, p, 0, dst, NULL, T0), 0);
	n = reassemble(src, dst, whole, sizeof(whole), &nfrags);
	assert_int_equal(n, UDP_HDR + plen);
	assert_int_equal(nfrags, 3); /* 552 + 552 + 296 */
	assert_int_equal(udp_verify(whole, n, src, dst), 0);
	assert_int_equal(ip_stats.out_frag_creates, 3);
	assert_int_equal(ip_stats.out_frag_oks, 1);
	done();
}

/* The same datagram as a TAP with offload hands it in, forwarded to the 576-byte MTU. */
static void test_forward_partial_fragmented(void **state)
{
	uint32_t src = A("192.0.2.10"), dst = A("198.51.100.20");
	size_t plen = 1392, total = IP_HDR_MIN + UDP_HDR + plen, n;
	uint8_t b[1500], whole[2048];
	struct ip_hdr h = { .version = 4, .ihl = IP_HDR_MIN, .ttl = 64, .proto = IP_PROTO_UDP };
	struct pkb *p;
	int nfrags;

	(void)state;
	h.total_len = (uint16_t)total;
	h.id = 0x1234;
	h.src = src;
	h.dst = dst;
	ip_emit(&h, b, IP_HDR_MIN);
	udp_partial(b + IP_HDR_MIN, plen, src, dst);
	p = pkb_from_bytes(b, total);
	assert_non_null(p);
	pkb_csum_set_partial(p, p->data + IP_HDR_MIN, p->data + IP_HDR_MIN + 6);
	net_device_input(in, p, T0);
	n = reassemble(src, dst, whole, sizeof(whole), &nfrags);
	assert_int_equal(n, UDP_HDR + plen);
	assert_int_equal(nfrags, 3);
	assert_int_equal(udp_verify(whole, n, src, dst), 0);
	assert_int_equal(ip_stats.fwd_fragmented, 1);
	assert_int_equal(ip_stats.out_frag_creates, 3);
	assert_int_equal(ip_stats.out_frag_oks, 1);
	done();
}

/* One that fits goes whole, still partial, for the device to finish. */
static void test_partial_kept_when_it_fits(void **state)
{
	uint32_t src = A("198.51.100.1"), dst = A("198.51.100.20");
	size_t plen = 500;
	struct pkb *p = pkb_alloc(UDP_HDR + plen);

	(void)state;
	assert_non_null(p);
	udp_partial(pkb_put(p, UDP_HDR + plen), plen, src, dst);
	pkb_csum_set_partial(p, p->data, p->data + 6);
	assert_int_equal(ip_output(IP_PROTO_UDP, p, 0, dst, NULL, T0), 0);
	p = test_dev_pop(out);
	assert_non_null(p);
	assert_int_equal(p->csum, PKB_CSUM_PARTIAL);
	assert_int_equal(pkb_csum_complete(p), 0);
	assert_int_equal(udp_verify(p->data + IP_HDR_MIN, UDP_HDR + plen, src, dst), 0);
	pkb_free(p);
	assert_int_equal(ip_stats.out_frag_creates, 0);
	done();
}

/* A partial sum whose offsets lie outside the data cannot be finished: the datagram is
 * dropped and counted rather than cut with a wrong sum. */
static void test_partial_bad_offsets_dropped(void **state)
{
	uint32_t src = A("198.51.100.1"), dst = A("198.51.100.20");
	size_t plen = 1392;
	struct pkb *p = pkb_alloc(UDP_HDR + plen);

	(void)state;
	assert_non_null(p);
	udp_partial(pkb_put(p, UDP_HDR + plen), plen, src, dst);
	pkb_csum_set_partial(p, p->data, p->data + 6);
	p->csum_offset = (uint16_t)(UDP_HDR + plen); /* past the end */
	assert_int_equal(ip_output(IP_PROTO_UDP, p, 0, dst, NULL, T0), -EINVAL);
	assert_int_equal(test_dev_pending(out), 0);
	assert_int_equal(ip_stats.out_discards, 1);
	assert_int_equal(ip_stats.out_frag_creates, 0);
	done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_output_partial_fragmented, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_partial_fragmented, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_kept_when_it_fits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_bad_offsets_dropped, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
