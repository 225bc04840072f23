/* SPDX-License-Identifier: MIT */
/* The virtio-net header (driver/vnet.c): parse/emit round trips with short input, the
 * conversion to and from a pkb's offload fields, the finishing of a partial checksum
 * (net/pkb.c), and the large pool size class that holds GSO super-frames. */
#include "test/unit/testlib.h"

#include <errno.h>
#include <linux/virtio_net.h>
#include <string.h>

#include "driver/vnet.h"
#include "net/cksum.h"

static uint16_t host16(const uint8_t *b)
{
	uint16_t v;
	memcpy(&v, b, 2);
	return v;
}

static void test_parse_emit(void **state)
{
	static const struct vnet_hdr cases[] = {
		{ 0, 0, 0, 0, 0, 0 },
		{ VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 0, 34, 16 },
		{ VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, 66, 1448, 34, 16 },
		{ VIRTIO_NET_HDR_F_DATA_VALID, 0, 0, 0, 0, 0 },
		{ 0xff, 0xff, 0xffff, 0xfffe, 0x1234, 0xabcd },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t b[VNET_HDR_LEN + 1];
		struct vnet_hdr h;

		memset(b, 0xee, sizeof(b));
		assert_int_equal(vnet_hdr_emit(&cases[i], b, VNET_HDR_LEN), VNET_HDR_LEN);
		assert_int_equal(b[VNET_HDR_LEN], 0xee); /* nothing past the header */
		/* The layout of struct virtio_net_hdr, fields in the host's order. */
		assert_int_equal(b[0], cases[i].flags);
		assert_int_equal(b[1], cases[i].gso_type);
		assert_int_equal(host16(b + 2), cases[i].hdr_len);
		assert_int_equal(host16(b + 4), cases[i].gso_size);
		assert_int_equal(host16(b + 6), cases[i].csum_start);
		assert_int_equal(host16(b + 8), cases[i].csum_offset);
		assert_int_equal(vnet_hdr_parse(b, VNET_HDR_LEN, &h), 0);
		assert_memory_equal(&h, &cases[i], sizeof(h));
		assert_int_equal(vnet_hdr_parse(b, VNET_HDR_LEN - 1, &h), -EINVAL);
		assert_int_equal(vnet_hdr_emit(&cases[i], b, VNET_HDR_LEN - 1), 0);
	}
	test_assert_no_leaks();
}

/* A 14 + 20 + 20 byte TCP frame with payload, checksum field (at 34 + 16) holding the
 * pseudo-header sum as a kernel with checksum offload leaves it. */
static struct pkb *partial_frame(size_t payload)
{
	struct pkb *p = pkb_alloc(54 + payload);
	uint8_t *f = pkb_put(p, 54 + payload);
	uint32_t src = 0x0100000a, dst = 0x0200000a; /* 10.0.0.1, 10.0.0.2 in network order */
	uint16_t ps;

	memset(f, 0, 54);
	f[12] = 0x08;
	f[14] = 0x45;
	f[23] = 6;
	memcpy(f + 26, &src, 4);
	memcpy(f + 30, &dst, 4);
	f[34 + 12] = 5 << 4;
	for (size_t i = 0; i < payload; i++)
		f[54 + i] = (uint8_t)(i * 7 + 3);
	/* The pseudo-header sum, folded, not complemented. */
	ps = (uint16_t)~cksum_finish(cksum_pseudo(src, dst, 6, (uint16_t)(20 + payload)));
	f[34 + 16] = (uint8_t)(ps >> 8);
	f[34 + 17] = (uint8_t)ps;
	return p;
}

static void test_to_pkb(void **state)
{
	struct vnet_hdr h = { VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 0, 34, 16 };
	struct pkb *p = partial_frame(100);
	uint32_t src = 0x0100000a, dst = 0x0200000a;

	(void)state;
	assert_int_equal(vnet_hdr_to_pkb(&h, p), 0);
	assert_int_equal(p->csum, PKB_CSUM_PARTIAL);
	/* Head-relative, so the start survives the link layer stripping its header. */
	pkb_pull(p, 14);
	assert_ptr_equal(p->head + p->csum_start, p->data + 20);
	assert_int_equal(p->csum_offset, 16);
	/* Finished, the TCP checksum verifies over the pseudo-header. */
	assert_int_equal(pkb_csum_complete(p), 0);
	assert_int_equal(p->csum, PKB_CSUM_NONE);
	assert_int_equal(cksum_finish(cksum_add(cksum_pseudo(src, dst, 6, 120), p->data + 20, 120)),
			 0);
	assert_int_equal(pkb_csum_complete(p), 0); /* a no-op now */
	pkb_free(p);

	/* Offsets outside the frame, and a GSO type never offered, are refused. */
	p = partial_frame(0);
	h.csum_start = 53;
	assert_int_equal(vnet_hdr_to_pkb(&h, p), -EINVAL);
	h.csum_start = 54;
	assert_int_equal(vnet_hdr_to_pkb(&h, p), -EINVAL);
	h.csum_start = 34;
	h.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	assert_int_equal(vnet_hdr_to_pkb(&h, p), -EPROTONOSUPPORT);
	h.gso_type = 5; /* UDP_L4, newer than some headers */
	assert_int_equal(vnet_hdr_to_pkb(&h, p), -EPROTONOSUPPORT);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4; /* a GSO frame needs its segment size */
	assert_int_equal(vnet_hdr_to_pkb(&h, p), -EINVAL);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6; /* either family's */
	assert_int_equal(vnet_hdr_to_pkb(&h, p), -EINVAL);
	h.gso_size = 1428;
	assert_int_equal(vnet_hdr_to_pkb(&h, p), 0);
	assert_int_equal(p->gso_size, 1428);
	assert_int_equal(p->csum, PKB_CSUM_PARTIAL);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6 | VIRTIO_NET_HDR_GSO_ECN;
	assert_int_equal(vnet_hdr_to_pkb(&h, p), 0);
	assert_int_equal(p->gso_size, 1428);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h.gso_size = 0;
	h.gso_size = 1448;
	assert_int_equal(vnet_hdr_to_pkb(&h, p), 0);
	assert_int_equal(p->gso_size, 1448);
	assert_int_equal(p->csum, PKB_CSUM_PARTIAL);
	/* The ECN bit (the super-segment carries CWR) is no reason to refuse it. */
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN;
	assert_int_equal(vnet_hdr_to_pkb(&h, p), 0);
	assert_int_equal(p->gso_size, 1448);
	/* A super-segment the kernel vouched for (GRO) stays one too. */
	h = (struct vnet_hdr){ VIRTIO_NET_HDR_F_DATA_VALID, VIRTIO_NET_HDR_GSO_TCPV4, 54, 1400,
			       0, 0 };
	assert_int_equal(vnet_hdr_to_pkb(&h, p), 0);
	assert_int_equal(p->csum, PKB_CSUM_VALID);
	assert_int_equal(p->gso_size, 1400);
	h = (struct vnet_hdr){ VIRTIO_NET_HDR_F_DATA_VALID, 0, 0, 0, 0, 0 };
	assert_int_equal(vnet_hdr_to_pkb(&h, p), 0);
	assert_int_equal(p->csum, PKB_CSUM_VALID);
	h.flags = 0;
	assert_int_equal(vnet_hdr_to_pkb(&h, p), 0);
	assert_int_equal(p->csum, PKB_CSUM_NONE);
	pkb_free(p);
	test_assert_no_leaks();
}

static void test_from_pkb(void **state)
{
	struct pkb *p = partial_frame(3000);
	struct vnet_hdr h;

	(void)state;
	vnet_hdr_from_pkb(p, &h);
	assert_int_equal(h.flags, 0); /* an ordinary frame: all zero */
	assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	assert_int_equal(h.csum_start, 0);
	pkb_csum_set_partial(p, p->data + 34, p->data + 50);
	vnet_hdr_from_pkb(p, &h);
	assert_int_equal(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	assert_int_equal(h.csum_start, 34);
	assert_int_equal(h.csum_offset, 16);
	p->gso_size = 1448;
	vnet_hdr_from_pkb(p, &h);
	assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(h.gso_size, 1448);
	assert_int_equal(h.hdr_len, 54);
	/* CWR on the super-segment: the ECN bit tells the kernel to keep it on the first. */
	p->data[34 + 13] = 0x80 | 0x10;
	vnet_hdr_from_pkb(p, &h);
	assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN);
	pkb_free(p);
	test_assert_no_leaks();
}

/* An IPv6 super-segment (p->proto 0x86dd, as ip6 output marks it): TCPv6 GSO, hdr_len
 * over the 40-byte header, the ECN bit as for IPv4; the bytes round-trip through
 * emit/parse and back to a pkb's fields. */
static void test_from_pkb6(void **state)
{
	struct pkb *p = pkb_alloc(14 + 40 + 32 + 5000);
	struct vnet_hdr h, back;
	uint8_t b[VNET_HDR_LEN];
	uint8_t *d;

	(void)state;
	d = pkb_put(p, 14 + 40 + 32 + 5000);
	memset(d, 0, 14 + 40 + 32);
	d[12] = 0x86;
	d[13] = 0xdd;
	d[14] = 0x60;
	d[14 + 6] = 6;
	d[54 + 12] = 8 << 4; /* a 32-byte TCP header */
	d[54 + 13] = 0x10;
	p->proto = VNET_ETHERTYPE_IPV6;
	pkb_csum_set_partial(p, d + 54, d + 54 + 16);
	p->gso_size = 1428;
	vnet_hdr_from_pkb(p, &h);
	assert_int_equal(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_TCPV6);
	assert_int_equal(h.gso_size, 1428);
	assert_int_equal(h.hdr_len, 14 + 40 + 32);
	assert_int_equal(h.csum_start, 54);
	assert_int_equal(h.csum_offset, 16);
	d[54 + 13] = 0x80 | 0x10;
	vnet_hdr_from_pkb(p, &h);
	assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_TCPV6 | VIRTIO_NET_HDR_GSO_ECN);
	assert_int_equal(vnet_hdr_emit(&h, b, sizeof(b)), VNET_HDR_LEN);
	assert_int_equal(b[1], VIRTIO_NET_HDR_GSO_TCPV6 | VIRTIO_NET_HDR_GSO_ECN);
	assert_int_equal(host16(b + 4), 1428);
	assert_int_equal(vnet_hdr_parse(b, sizeof(b), &back), 0);
	assert_memory_equal(&back, &h, sizeof(h));
	p->gso_size = 0;
	p->csum = PKB_CSUM_NONE;
	assert_int_equal(vnet_hdr_to_pkb(&back, p), 0);
	assert_int_equal(p->gso_size, 1428);
	assert_int_equal(p->csum, PKB_CSUM_PARTIAL);
	assert_ptr_equal(p->head + p->csum_start, d + 54);
	/* The same frame marked IPv4 says TCPv4: the driver goes by p->proto. */
	p->proto = 0x0800;
	vnet_hdr_from_pkb(p, &h);
	assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN);
	pkb_free(p);
	test_assert_no_leaks();
}

/* A 64 KB buffer comes from the large pool and goes back to it: the second allocation is
 * a hit, not a malloc; the bound holds. */
static void test_large_pool(void **state)
{
	struct pkb *a, *b, *c;
	uint8_t *ap;

	(void)state;
	pkb_pool_drain();
	stats_reset();
	a = pkb_alloc(65535 + 14);
	assert_non_null(a);
	assert_int_equal(a->cap, PKB_LARGE_BUF_SIZE);
	assert_non_null(pkb_put(a, 65535 + 14));
	assert_int_equal(pkb_stats.large_pool_miss, 1);
	ap = (uint8_t *)a;
	pkb_free(a);
	b = pkb_alloc(40000);
	assert_ptr_equal((uint8_t *)b, ap);
	assert_int_equal(pkb_stats.large_pool_hit, 1);
	assert_int_equal(b->csum, PKB_CSUM_NONE); /* reuse starts clean */
	/* Small requests stay in the small pool; beyond the large class is plain malloc. */
	c = pkb_alloc(1500);
	assert_int_equal(c->cap, PKB_POOL_BUF_SIZE);
	pkb_free(c);
	c = pkb_alloc(PKB_LARGE_BUF_SIZE);
	assert_int_equal(pkb_stats.alloc_large, 1);
	pkb_free(c);
	/* Bound 0: a freed large buffer is not kept. */
	pkb_large_pool_set_max(0);
	pkb_free(b);
	b = pkb_alloc(40000);
	assert_int_equal(pkb_stats.large_pool_miss, 2);
	pkb_free(b);
	pkb_large_pool_set_max(64);
	test_assert_no_leaks();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_emit),
		cmocka_unit_test(test_to_pkb),
		cmocka_unit_test(test_from_pkb),
		cmocka_unit_test(test_from_pkb6),
		cmocka_unit_test(test_large_pool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
