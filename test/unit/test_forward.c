/* SPDX-License-Identifier: MIT */
/* Forwarding (RFC 1812) between two capture devices with a fake clock: the TTL is
 * decremented and the header checksum stays right, TTL 1 and 0 bring time exceeded,
 * datagrams larger than the outgoing MTU are fragmented (also fragments and datagrams with
 * options), DF brings frag-needed with the next-hop MTU (RFC 1191), no route brings net
 * unreachable, broadcasts, multicast and martians are never forwarded, and a /32 or /31
 * address has no subnet broadcast. */
#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <string.h>

#include "ip/icmp.h"
#include "ip/ip.h"
#include "net/byteorder.h"
#include "net/cksum.h"

#define T0 5000000ull

static struct net_device *in, *out;
static struct icmp_config_s saved_icmp;
static struct ip_config_s saved_ip;

#define A(s) test_addr(s)

/* A datagram of `total` bytes (header included) with a patterned payload; opts (a
 * multiple of 4 bytes) go after the fixed header. */
static size_t build(uint8_t *b, size_t total, const char *src, const char *dst, uint8_t ttl,
		    uint16_t frag, const uint8_t *opts, size_t optlen)
{
	size_t hl = IP_HDR_MIN + optlen;
	uint32_t s = A(src), d = A(dst);
	uint16_t c;

	memset(b, 0, hl);
	b[0] = (uint8_t)(0x40 | hl / 4);
	b[2] = (uint8_t)(total >> 8);
	b[3] = (uint8_t)total;
	b[4] = 0xbe;
	b[5] = 0xef;
	b[6] = (uint8_t)(frag >> 8);
	b[7] = (uint8_t)frag;
	b[8] = ttl;
	b[9] = IP_PROTO_UDP;
	memcpy(b + 12, &s, 4);
	memcpy(b + 16, &d, 4);
	if (optlen)
		memcpy(b + IP_HDR_MIN, opts, optlen);
	c = cksum(b, hl);
	b[10] = (uint8_t)(c >> 8);
	b[11] = (uint8_t)c;
	for (size_t i = hl; i < total; i++)
		b[i] = (uint8_t)(i * 7 + 3);
	return total;
}

static void inject(const uint8_t *b, size_t len)
{
	net_device_input(in, pkb_from_bytes(b, len), T0);
}

static int setup(void **state)
{
	(void)state;
	saved_icmp = icmp_config;
	saved_ip = ip_config;
	stats_reset();
	in = test_dev_create("tun0", NET_DEV_IP, 1500);
	out = test_dev_create("tun1", NET_DEV_IP, 576);
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
	icmp_config = saved_icmp;
	ip_config = saved_ip;
	test_ip_teardown();
	return 0;
}

/* The ICMP error that came back out of `in`: checks the addresses, type and code and
 * the quoted header; returns the 32-bit "rest" word. */
static uint32_t pop_icmp_error(uint8_t type, uint8_t code, const uint8_t *orig)
{
	struct pkb *p = test_dev_pop(in);
	uint32_t rest;

	assert_non_null(p);
	assert_true(p->len >= IP_HDR_MIN + ICMP_HDR_LEN + IP_HDR_MIN + 8);
	assert_int_equal(cksum(p->data, IP_HDR_MIN), 0);
	assert_int_equal(p->data[9], IP_PROTO_ICMP);
	assert_int_equal(memcmp(p->data + 12, &(uint32_t){ A("192.0.2.1") }, 4), 0); /* near side */
	assert_memory_equal(p->data + 16, orig + 12, 4);                   /* back to src */
	assert_int_equal(p->data[20], type);
	assert_int_equal(p->data[21], code);
	assert_int_equal(cksum(p->data + IP_HDR_MIN, p->len - IP_HDR_MIN), 0);
	/* The quote is the datagram as it arrived: TTL and checksum not yet touched. */
	assert_memory_equal(p->data + 28, orig, IP_HDR_MIN + 8);
	rest = (uint32_t)rd16(p->data + 24) << 16 | rd16(p->data + 26);
	pkb_free(p);
	return rest;
}

static void test_ttl_decrement(void **state)
{
	uint8_t b[200], want[200];
	size_t n = build(b, 200, "192.0.2.10", "198.51.100.20", 64, IP_FLAG_DF, NULL, 0);
	struct pkb *p;

	(void)state;
	memcpy(want, b, n);
	inject(b, n);
	p = test_dev_pop(out);
	assert_non_null(p);
	assert_int_equal(p->len, n);
	assert_int_equal(p->data[8], 63);
	assert_int_equal(cksum(p->data, IP_HDR_MIN), 0);
	/* Only the TTL and the checksum change. */
	want[8] = 63;
	want[10] = p->data[10];
	want[11] = p->data[11];
	assert_memory_equal(p->data, want, n);
	pkb_free(p);
	assert_int_equal(test_dev_pending(out), 0);
	assert_int_equal(test_dev_pending(in), 0);
	assert_int_equal(ip_stats.fwd_datagrams, 1);
	assert_int_equal(ip_stats.in_delivers, 0);
}

static void test_time_exceeded(void **state)
{
	uint8_t b[100];

	(void)state;
	for (uint8_t ttl = 0; ttl <= 1; ttl++) {
		size_t n = build(b, 100, "192.0.2.10", "198.51.100.20", ttl, 0, NULL, 0);

		inject(b, n);
		assert_int_equal(test_dev_pending(out), 0);
		assert_int_equal(pop_icmp_error(ICMP_TIME_EXCEEDED, 0, b), 0);
	}
	assert_int_equal(ip_stats.fwd_ttl_exceeded, 2);
	assert_int_equal(icmp_stats.out_time_exceeded, 2);
	assert_int_equal(ip_stats.fwd_datagrams, 0);
	/* TTL 2 still goes through, leaving with 1. */
	inject(b, build(b, 100, "192.0.2.10", "198.51.100.20", 2, 0, NULL, 0));
	assert_int_equal(test_dev_pending(out), 1);
	test_dev_flush(out);
}

/* Reassembles what came out of `out` and checks every piece: at most the MTU, TTL
 * decremented, good checksum, 8-byte aligned except the last, offsets contiguous from
 * `base` (in bytes), MF on all but the last (which keeps `last_mf`). Returns the pieces. */
static int check_fragments(const uint8_t *orig, size_t hl0, size_t plen, unsigned base,
			   int last_mf, size_t *first_hl, size_t *later_hl)
{
	uint8_t got[2048];
	size_t expect_off = base;
	int count = 0;
	struct pkb *p;

	memset(got, 0, sizeof(got));
	while ((p = test_dev_pop(out))) {
		size_t hl = (size_t)(p->data[0] & 0x0f) * 4;
		uint16_t frag = rd16(p->data + 6);
		size_t off = (size_t)(frag & IP_OFFSET_MASK) * 8;
		size_t len = rd16(p->data + 2) - hl;
		int more = test_dev_pending(out) > 0;

		assert_true(p->len <= out->mtu);
		assert_int_equal(rd16(p->data + 2), p->len);
		assert_int_equal(cksum(p->data, hl), 0);
		assert_int_equal(p->data[8], orig[8] - 1);
		assert_int_equal(rd16(p->data + 4), rd16(orig + 4)); /* the same datagram id */
		assert_int_equal(off, expect_off);
		if (more) {
			assert_true(frag & IP_FLAG_MF);
			assert_int_equal(len % 8, 0);
		} else {
			assert_int_equal(!!(frag & IP_FLAG_MF), last_mf);
		}
		if (count == 0)
			*first_hl = hl;
		else
			*later_hl = hl;
		memcpy(got + off - base, p->data + hl, len);
		expect_off += len;
		count++;
		pkb_free(p);
	}
	assert_int_equal(expect_off - base, plen);
	assert_memory_equal(got, orig + hl0, plen);
	return count;
}

static void test_fragment_on_forward(void **state)
{
	uint8_t b[1400];
	size_t fh = 0, lh = 0;
	size_t n = build(b, 1400, "192.0.2.10", "198.51.100.20", 64, 0, NULL, 0);

	(void)state;
	inject(b, n);
	/* 1380 bytes of payload in pieces of (576 - 20) & ~7 = 552: 552 + 552 + 276. */
	assert_int_equal(check_fragments(b, 20, 1380, 0, 0, &fh, &lh), 3);
	assert_int_equal(ip_stats.fwd_fragmented, 1);
	assert_int_equal(ip_stats.out_frag_creates, 3);
	assert_int_equal(test_dev_pending(in), 0);
}

/* A fragment (offset 1480, MF set) cut again: offsets continue from its own and the
 * last piece keeps MF, since more of the datagram follows it. */
static void test_fragment_a_fragment(void **state)
{
	uint8_t b[1000];
	size_t fh = 0, lh = 0;
	size_t n = build(b, 1000, "192.0.2.10", "198.51.100.20", 9,
			 IP_FLAG_MF | (1480 / 8), NULL, 0);

	(void)state;
	inject(b, n);
	assert_int_equal(check_fragments(b, 20, 980, 1480, 1, &fh, &lh), 2);
}

/* Options: the first fragment carries them all, the others only those with the copied
 * flag (RFC 791): here a copied 0x88 (stream id, 4 bytes) after a non-copied record route
 * (0x07, 7 bytes), a NOP and padding. */
static void test_fragment_options(void **state)
{
	static const uint8_t opts[12] = { 0x07, 7, 4, 0, 0, 0, 0, 0x01, 0x88, 4, 0x12, 0x34 };
	uint8_t b[1200];
	size_t n = build(b, 1200, "192.0.2.10", "198.51.100.20", 64, 0, opts, sizeof(opts));
	struct pkb *p;

	(void)state;
	inject(b, n);
	/* Peek at the second fragment's options before the generic checks. */
	p = test_dev_pop(out);
	assert_non_null(p);
	assert_int_equal(p->data[0] & 0x0f, 8);
	assert_memory_equal(p->data + 20, opts, sizeof(opts));
	{
		struct pkb *q = test_dev_pop(out);

		assert_non_null(q);
		assert_int_equal(q->data[0] & 0x0f, 6);
		assert_memory_equal(q->data + 20, opts + 8, 4);
		assert_int_equal(cksum(q->data, 24), 0);
		/* the pieces so far: (576 - 32) & ~7 = 544, then (576 - 24) & ~7 = 552 */
		assert_int_equal(rd16(p->data + 2), 32 + 544);
		assert_int_equal(rd16(q->data + 6) & IP_OFFSET_MASK, 544 / 8);
		pkb_free(q);
	}
	pkb_free(p);
	p = test_dev_pop(out);
	assert_non_null(p);
	assert_int_equal(rd16(p->data + 6) & IP_OFFSET_MASK, (544 + 552) / 8);
	assert_int_equal(rd16(p->data + 2) - 24, 1200 - 32 - 544 - 552);
	assert_memory_equal(p->data + 24, b + 32 + 544 + 552, 1200 - 32 - 544 - 552);
	assert_false(rd16(p->data + 6) & IP_FLAG_MF);
	pkb_free(p);
	assert_int_equal(test_dev_pending(out), 0);
}

static void test_frag_needed_with_df(void **state)
{
	uint8_t b[1000];
	size_t n = build(b, 1000, "192.0.2.10", "198.51.100.20", 64, IP_FLAG_DF, NULL, 0);

	(void)state;
	inject(b, n);
	assert_int_equal(test_dev_pending(out), 0);
	/* RFC 1191: unused high half, the next-hop MTU in the low half. */
	assert_int_equal(pop_icmp_error(ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, b), 576);
	assert_int_equal(ip_stats.fwd_frag_needed, 1);
	assert_int_equal(ip_stats.fwd_datagrams, 0);
	/* Exactly the MTU with DF is fine. */
	inject(b, build(b, 576, "192.0.2.10", "198.51.100.20", 64, IP_FLAG_DF, NULL, 0));
	assert_int_equal(test_dev_pending(out), 1);
	test_dev_flush(out);
}

static void test_no_route(void **state)
{
	uint8_t b[100];
	size_t n = build(b, 100, "192.0.2.10", "203.0.113.9", 64, 0, NULL, 0);

	(void)state;
	inject(b, n);
	assert_int_equal(pop_icmp_error(ICMP_DEST_UNREACH, ICMP_NET_UNREACH, b), 0);
	assert_int_equal(ip_stats.in_no_route_fwd, 1);
	/* With a default route through a gateway on `out`, it goes there. */
	assert_int_equal(ip_route_add(0, 0, A("198.51.100.254"), NULL), 0);
	inject(b, n);
	assert_int_equal(test_dev_pending(out), 1);
	test_dev_flush(out);
}

/* Same device in and out: forwarded, no Redirect (see ip_forward.c). */
static void test_same_interface(void **state)
{
	uint8_t b[100];

	(void)state;
	inject(b, build(b, 100, "192.0.2.10", "192.0.2.20", 64, 0, NULL, 0));
	assert_int_equal(test_dev_pending(in), 1);
	assert_int_equal(ip_stats.fwd_same_iface, 1);
	test_dev_flush(in);
}

static void test_never_forwarded(void **state)
{
	static const struct {
		const char *src, *dst;
	} cases[] = {
		{ "192.0.2.10", "198.51.100.255" }, /* directed broadcast of `out` */
		{ "192.0.2.10", "224.0.0.5" },      /* multicast */
		{ "192.0.2.10", "239.1.2.3" },
		{ "192.0.2.10", "127.0.0.1" },      /* martian destinations */
		{ "192.0.2.10", "0.1.2.3" },
		{ "192.0.2.10", "240.0.0.1" },
		{ "0.0.0.5", "198.51.100.20" },     /* martian sources */
		{ "250.1.1.1", "198.51.100.20" },
		{ "198.51.100.1", "198.51.100.20" }, /* our own address from outside */
	};
	uint8_t b[100];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		inject(b, build(b, 100, cases[i].src, cases[i].dst, 64, 0, NULL, 0));
	/* The limited broadcast is ours to receive (no UDP here), never to forward. */
	inject(b, build(b, 100, "192.0.2.10", "255.255.255.255", 64, 0, NULL, 0));
	assert_int_equal(test_dev_pending(out), 0);
	assert_int_equal(test_dev_pending(in), 0); /* and no ICMP error about any of them */
	assert_int_equal(ip_stats.fwd_broadcast, 3);
	assert_int_equal(ip_stats.fwd_martian_dst, 3);
	assert_int_equal(ip_stats.fwd_martian_src, 2);
	assert_int_equal(ip_stats.in_martian_src, 1); /* our own address: dropped on input */
	assert_int_equal(ip_stats.fwd_datagrams, 0);
}

static void test_forwarding_off(void **state)
{
	uint8_t b[100];

	(void)state;
	ip_config.forwarding = 0;
	inject(b, build(b, 100, "192.0.2.10", "198.51.100.20", 64, 0, NULL, 0));
	/* A host drops it silently, and also what is addressed to its other device. */
	inject(b, build(b, 100, "192.0.2.10", "198.51.100.1", 64, 0, NULL, 0));
	assert_int_equal(test_dev_pending(out), 0);
	assert_int_equal(test_dev_pending(in), 0);
	assert_int_equal(ip_stats.in_not_for_us, 2);
	assert_int_equal(ip_stats.fwd_datagrams, 0);
}

/* With forwarding on, the far device's address is ours from either side: an echo
 * request to it is answered (out of the near device). */
static void test_weak_host_when_routing(void **state)
{
	uint8_t b[28];
	struct pkb *p;
	uint16_t c;

	(void)state;
	build(b, 28, "192.0.2.10", "198.51.100.1", 64, 0, NULL, 0);
	b[9] = IP_PROTO_ICMP;
	b[10] = b[11] = 0;
	c = cksum(b, 20);
	b[10] = (uint8_t)(c >> 8);
	b[11] = (uint8_t)c;
	memset(b + 20, 0, 8);
	b[20] = ICMP_ECHO;
	c = cksum(b + 20, 8);
	b[22] = (uint8_t)(c >> 8);
	b[23] = (uint8_t)c;
	inject(b, 28);
	p = test_dev_pop(in);
	assert_non_null(p);
	assert_int_equal(p->data[20], ICMP_ECHO_REPLY);
	assert_memory_equal(p->data + 12, b + 16, 4);
	pkb_free(p);
	assert_int_equal(ip_stats.in_local_other_dev, 1);
	assert_int_equal(test_dev_pending(out), 0);
}

/* A /32 (the usual TUN address) has no subnet broadcast: its "all ones" host part is the
 * address itself, which TCP would then refuse as a broadcast. */
static void test_p2p_address_not_broadcast(void **state)
{
	struct net_device *tun = test_dev_create("tun2", NET_DEV_IP, 1500);

	(void)state;
	assert_int_equal(ip_iface_add(tun, A("10.72.0.2"), A("255.255.255.255"), A("10.72.0.1")), 0);
	assert_int_equal(tun->ifaces[0].broadcast, IP_ADDR_BROADCAST);
	assert_int_equal(ip_iface_add(tun, A("10.73.0.0"), A("255.255.255.254"), 0), 0);
	assert_int_equal(tun->ifaces[1].broadcast, IP_ADDR_BROADCAST);
	/* A /30 keeps its broadcast. */
	assert_int_equal(ip_iface_add(tun, A("10.74.0.1"), A("255.255.255.252"), 0), 0);
	assert_int_equal(tun->ifaces[2].broadcast, A("10.74.0.3"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ttl_decrement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_exceeded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fragment_on_forward, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fragment_a_fragment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fragment_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frag_needed_with_df, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_route, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_interface, setup, teardown),
		cmocka_unit_test_setup_teardown(test_never_forwarded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forwarding_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_weak_host_when_routing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_p2p_address_not_broadcast, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
