/* SPDX-License-Identifier: MIT */
/* Ethernet: parse/emit against captured frames, MAC text, the input filter and output
 * padding. Frames 0 and 1 of linux-session.pcap are an ARP request and reply, frame 2 an
 * ICMP echo request. */
#include "test/unit/testlib.h"

#include <errno.h>
#include <string.h>

#include "ether/ether.h"
#include "net/loop.h"

#define PCAP "test/data/linux-session.pcap"
#define TEST_ETHERTYPE 0x88b5 /* IEEE local experimental: nobody else registers it */

static struct net_device *dev;

/* What the test protocol handler saw. */
static struct {
	int calls;
	size_t len;
	uint8_t first;
	uint16_t proto;
} seen;

static void test_proto_input(struct pkb *p, struct net_device *d, uint64_t now)
{
	(void)d;
	(void)now;
	seen.calls++;
	seen.len = p->len;
	seen.first = p->len ? p->data[0] : 0;
	seen.proto = p->proto;
	pkb_free(p);
}

static int setup(void **state)
{
	(void)state;
	stats_reset();
	net_protocol_reset();
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(ether_init(), 0);
	assert_int_equal(net_protocol_register("TEST", TEST_ETHERTYPE, test_proto_input), 0);
	dev = test_dev_create("eth0", NET_DEV_ETHER, 1500);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	net_device_unregister_all();
	net_protocol_reset();
	return 0;
}

static void finish(void)
{
	test_dev_flush(dev);
	test_assert_no_leaks();
}

static const uint8_t mac_linux_a[6] = { 0x5e, 0x63, 0x99, 0x56, 0x65, 0xb8 };
static const uint8_t mac_linux_b[6] = { 0x5e, 0x6a, 0xee, 0x06, 0xc2, 0x50 };

static void test_parse_emit_capture(void **state)
{
	static const struct {
		int index;
		long len;
		const uint8_t *dst, *src;
		uint16_t type;
	} cases[] = {
		{ 0, 42, ether_broadcast, mac_linux_a, ETHER_TYPE_ARP },
		{ 1, 42, mac_linux_a, mac_linux_b, ETHER_TYPE_ARP },
		{ 2, 98, mac_linux_b, mac_linux_a, ETHER_TYPE_IP },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t frame[2048], out[ETHER_HDR_LEN];
		struct ether_hdr h;
		long len = test_pcap_frame(PCAP, cases[i].index, frame, sizeof(frame));

		assert_int_equal(len, cases[i].len);
		assert_int_equal(ether_parse(frame, (size_t)len, &h), 0);
		assert_memory_equal(h.dst, cases[i].dst, 6);
		assert_memory_equal(h.src, cases[i].src, 6);
		assert_int_equal(h.type, cases[i].type);
		memset(out, 0xaa, sizeof(out));
		assert_int_equal(ether_emit(&h, out, sizeof(out)), ETHER_HDR_LEN);
		assert_memory_equal(out, frame, ETHER_HDR_LEN);
		/* Too little room: nothing written. */
		memset(out, 0xaa, sizeof(out));
		assert_int_equal(ether_emit(&h, out, ETHER_HDR_LEN - 1), 0);
		assert_int_equal(out[0], 0xaa);
	}
	finish();
}

static void test_parse_truncated(void **state)
{
	uint8_t frame[2048];
	struct ether_hdr h;
	long len = test_pcap_frame(PCAP, 0, frame, sizeof(frame));
	(void)state;

	assert_true(len > ETHER_HDR_LEN);
	for (size_t n = 0; n < ETHER_HDR_LEN; n++)
		assert_int_equal(ether_parse(frame, n, &h), -EINVAL);
	assert_int_equal(ether_parse(frame, ETHER_HDR_LEN, &h), 0);
	assert_int_equal(h.type, ETHER_TYPE_ARP);
	finish();
}

static void test_addr_text(void **state)
{
	static const struct {
		const char *s;
		int ok;
		uint8_t mac[6];
	} cases[] = {
		{ "5e:63:99:56:65:b8", 1, { 0x5e, 0x63, 0x99, 0x56, 0x65, 0xb8 } },
		{ "FF:ff:Ff:fF:00:01", 1, { 0xff, 0xff, 0xff, 0xff, 0x00, 0x01 } },
		{ "00:00:00:00:00:00", 1, { 0 } },
		{ "", 0, { 0 } },
		{ "5e:63:99:56:65", 0, { 0 } },
		{ "5e:63:99:56:65:b8:00", 0, { 0 } },
		{ "5e:63:99:56:65:b", 0, { 0 } },
		{ "5e-63-99-56-65-b8", 0, { 0 } },
		{ "5e:63:99:56:65:bg", 0, { 0 } },
		{ "1:2:3:4:5:6", 0, { 0 } },
		{ "5e:63:99:56:65:b8 ", 0, { 0 } },
	};
	char buf[18];
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t mac[6] = { 0x11, 0x11, 0x11, 0x11, 0x11, 0x11 };
		int err = ether_addr_pton(cases[i].s, mac);

		if (!cases[i].ok) {
			assert_int_equal(err, -EINVAL);
			for (int k = 0; k < 6; k++)
				assert_int_equal(mac[k], 0x11); /* untouched on error */
			continue;
		}
		assert_int_equal(err, 0);
		assert_memory_equal(mac, cases[i].mac, 6);
		assert_ptr_equal(ether_addr_ntop(mac, buf, sizeof(buf)), buf);
		uint8_t back[6];
		assert_int_equal(ether_addr_pton(buf, back), 0);
		assert_memory_equal(back, mac, 6);
	}
	assert_string_equal(ether_addr_ntop(mac_linux_a, buf, sizeof(buf)), "5e:63:99:56:65:b8");
	assert_null(ether_addr_ntop(mac_linux_a, buf, 17));
	assert_int_equal(ether_addr_pton(NULL, (uint8_t[6]){ 0 }), -EINVAL);
	finish();
}

/* Builds dst, src, type and a payload of `plen` bytes starting with 0x42. */
static struct pkb *make_frame(const uint8_t dst[6], uint16_t type, size_t plen)
{
	uint8_t b[128] = { 0 };
	struct ether_hdr h;

	memcpy(h.dst, dst, 6);
	memcpy(h.src, mac_linux_a, 6);
	h.type = type;
	ether_emit(&h, b, sizeof(b));
	if (plen)
		b[ETHER_HDR_LEN] = 0x42;
	return pkb_from_bytes(b, ETHER_HDR_LEN + plen);
}

static void test_input_filter(void **state)
{
	static const uint8_t own[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t other[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const uint8_t ipv4_mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
	static const uint8_t ipv6_mcast[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
	static const struct {
		const uint8_t *dst;
		uint16_t type;
		int delivered;
		uint64_t not_for_us, mcast, unknown;
	} cases[] = {
		{ own, TEST_ETHERTYPE, 1, 0, 0, 0 },
		{ ether_broadcast, TEST_ETHERTYPE, 1, 0, 0, 0 },
		{ other, TEST_ETHERTYPE, 0, 1, 0, 0 },
		{ ipv4_mcast, TEST_ETHERTYPE, 0, 0, 1, 0 },
		{ ipv6_mcast, ETHER_TYPE_IPV6, 0, 0, 1, 0 },
		{ own, 0x9000, 0, 0, 0, 1 }, /* accepted, but nobody handles the type */
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		stats_reset();
		memset(&seen, 0, sizeof(seen));
		net_device_input(dev, make_frame(cases[i].dst, cases[i].type, 46), 1000);
		assert_int_equal(ether_stats.rx_frames, 1);
		assert_int_equal(seen.calls, cases[i].delivered);
		assert_int_equal(ether_stats.rx_not_for_us, cases[i].not_for_us);
		assert_int_equal(ether_stats.rx_multicast_ignored, cases[i].mcast);
		assert_int_equal(netproto_stats.rx_unknown_ethertype, cases[i].unknown);
		assert_int_equal(ether_stats.rx_short, 0);
		if (cases[i].delivered) {
			/* The header is stripped in place: the handler sees the payload. */
			assert_int_equal(seen.len, 46);
			assert_int_equal(seen.first, 0x42);
			assert_int_equal(seen.proto, TEST_ETHERTYPE);
		}
		assert_int_equal(pkb_outstanding(), 0);
	}
	/* A group the device joined (IPv6 joins all-nodes and its solicited-node groups)
	 * passes; the rest of the groups are still ignored. */
	assert_int_equal(net_device_mcast_join(dev, ipv6_mcast), 0);
	assert_int_equal(net_device_mcast_join(dev, ipv6_mcast), 0); /* once is enough */
	assert_int_equal(dev->nmcast, 1);
	stats_reset();
	memset(&seen, 0, sizeof(seen));
	net_device_input(dev, make_frame(ipv6_mcast, TEST_ETHERTYPE, 46), 1000);
	assert_int_equal(seen.calls, 1);
	net_device_input(dev, make_frame(ipv4_mcast, TEST_ETHERTYPE, 46), 1000);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(ether_stats.rx_multicast_ignored, 1);
	for (int i = 1; i < NET_DEV_MCAST_MAX; i++) {
		uint8_t g[6] = { 0x33, 0x33, 0xff, 0, 0, (uint8_t)i };

		assert_int_equal(net_device_mcast_join(dev, g), 0);
	}
	assert_int_equal(net_device_mcast_join(dev, ipv4_mcast), -ENOSPC);
	assert_int_equal(pkb_outstanding(), 0);
	/* A frame shorter than the header. */
	stats_reset();
	memset(&seen, 0, sizeof(seen));
	net_device_input(dev, pkb_from_bytes((uint8_t[13]){ 0xff }, 13), 1000);
	assert_int_equal(ether_stats.rx_short, 1);
	assert_int_equal(seen.calls, 0);
	/* An empty header-only frame is delivered with an empty payload. */
	net_device_input(dev, make_frame(own, TEST_ETHERTYPE, 0), 1000);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.len, 0);
	assert_int_equal(test_dev_pending(dev), 0);
	finish();
}

static void test_input_capture(void **state)
{
	uint8_t frame[2048];
	long len = test_pcap_frame(PCAP, 2, frame, sizeof(frame));
	(void)state;

	/* The captured ICMP echo is addressed to mac_linux_b: another host, for our device,
	 * until the device takes that address. */
	net_device_input(dev, pkb_from_bytes(frame, (size_t)len), 0);
	assert_int_equal(ether_stats.rx_not_for_us, 1);
	memcpy(dev->hwaddr, mac_linux_b, 6);
	assert_int_equal(net_protocol_register("IP", ETHER_TYPE_IP, test_proto_input), 0);
	net_device_input(dev, pkb_from_bytes(frame, (size_t)len), 0);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.len, (size_t)len - ETHER_HDR_LEN);
	assert_int_equal(seen.first, 0x45);
	finish();
}

static void test_output_padding(void **state)
{
	static const uint8_t dst[6] = { 0x5e, 0x6a, 0xee, 0x06, 0xc2, 0x50 };
	static const struct {
		size_t plen, frame_len;
		int padded;
	} cases[] = {
		{ 0, 60, 1 }, { 1, 60, 1 }, { 28, 60, 1 }, { 45, 60, 1 },
		{ 46, 60, 0 }, { 47, 61, 0 }, { 1500, 1514, 0 },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pkb *p = pkb_alloc(cases[i].plen);
		uint8_t *headroom_before;
		struct ether_hdr h;

		/* Dirty the tailroom so the test sees whether padding is really zeroed. */
		memset(pkb_put(p, 100), 0xee, 100);
		pkb_trim(p, 0);
		memset(pkb_put(p, cases[i].plen), 0x42, cases[i].plen);
		headroom_before = p->data;
		stats_reset();
		assert_int_equal(ether_output(dev, ETHER_TYPE_IP, dst, p, 5), 0);
		assert_int_equal(test_dev_pending(dev), 1);
		p = test_dev_pop(dev);
		/* Prepended in place, not copied. */
		assert_ptr_equal(p->data, headroom_before - ETHER_HDR_LEN);
		assert_int_equal(p->len, cases[i].frame_len);
		assert_int_equal(ether_parse(p->data, p->len, &h), 0);
		assert_memory_equal(h.dst, dst, 6);
		assert_memory_equal(h.src, dev->hwaddr, 6);
		assert_int_equal(h.type, ETHER_TYPE_IP);
		for (size_t k = 0; k < cases[i].plen; k++)
			assert_int_equal(p->data[ETHER_HDR_LEN + k], 0x42);
		for (size_t k = ETHER_HDR_LEN + cases[i].plen; k < p->len; k++)
			assert_int_equal(p->data[k], 0);
		assert_int_equal(ether_stats.tx_padded, cases[i].padded);
		assert_int_equal(ether_stats.tx_frames, 1);
		pkb_free(p);
	}
	finish();
}

static void test_output_no_room(void **state)
{
	struct pkb *p;
	(void)state;

	/* Not enough headroom for the header: dropped, counted, nothing sent. */
	p = pkb_alloc_headroom(ETHER_HDR_LEN - 1, 64);
	pkb_put(p, 64);
	assert_int_equal(ether_output(dev, ETHER_TYPE_IP, ether_broadcast, p, 0), -ENOBUFS);
	assert_int_equal(ether_stats.tx_no_headroom, 1);
	/* Header fits but no tailroom to pad a short frame. */
	p = pkb_alloc_headroom(PKB_POOL_BUF_SIZE - 8, 8);
	pkb_put(p, 8);
	assert_int_equal(pkb_tailroom(p), 0);
	assert_int_equal(ether_output(dev, ETHER_TYPE_IP, ether_broadcast, p, 0), -ENOBUFS);
	assert_int_equal(ether_stats.tx_no_tailroom, 1);
	assert_int_equal(ether_stats.tx_frames, 0);
	assert_int_equal(test_dev_pending(dev), 0);
	finish();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parse_emit_capture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addr_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_capture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_padding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_no_room, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
