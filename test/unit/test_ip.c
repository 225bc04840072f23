/* SPDX-License-Identifier: MIT */
/* IPv4: the RFC 1071 checksum, header parse/emit against captured Linux packets, every
 * input check with its counter, and output (routes, fragmentation, DF, ARP and loopback
 * hand-offs). */
#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "arp/arp.h"
#include "ether/ether.h"
#include "ip/icmp.h"
#include "ip/ip.h"
#include "net/cksum.h"
#include "net/loop.h"

#define PCAP "test/data/linux-session.pcap"
#define T0 1000000ull

static struct net_device *tun;

#define A(s) test_addr(s)

/* A protocol handler that records what it got. */
static struct {
	int calls;
	size_t len;
	uint8_t first[16];
	uint8_t hdr_before[20]; /* the 20 bytes of headroom right before p->data */
	struct ip_hdr ih;
	struct net_iface *ifc;
} got;

static void record_handler(struct pkb *p, const struct ip_hdr *ih, struct net_iface *ifc,
			   uint64_t now)
{
	(void)now;
	got.calls++;
	got.len = p->len;
	memcpy(got.first, p->data, p->len < 16 ? p->len : 16);
	assert_true(pkb_headroom(p) >= IP_HDR_MIN);
	memcpy(got.hdr_before, p->data - ih->ihl, IP_HDR_MIN);
	got.ih = *ih;
	got.ifc = ifc;
	pkb_free(p);
}

static int setup(void **state)
{
	(void)state;
	memset(&got, 0, sizeof(got));
	/* We are 192.0.2.2, the capture's responder; 192.0.2.1 is the peer. */
	tun = test_ip_setup(1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_ip_teardown();
	return 0;
}

/* Ends every test: nothing held by reassembly or waiting on a device, no timer armed. */
static void done(void)
{
	struct net_device *dev;

	ip_reass_flush();
	TAILQ_FOREACH(dev, &net_devices, link)
		if (dev->type != NET_DEV_LOOPBACK || strcmp(dev->name, "lo") == 0)
			test_dev_flush(dev);
	test_assert_no_leaks();
}

static void inject(const uint8_t *b, size_t len)
{
	net_device_input(tun, pkb_from_bytes(b, len), T0);
}

/* ---- checksum ---- */

static void test_cksum_rfc1071(void **state)
{
	/* RFC 1071 section 3: the sum of these bytes is ddf2, so the checksum is 220d. */
	static const uint8_t ex[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	static const uint8_t odd1[] = { 0x01 };
	static const uint8_t odd3[] = { 0x00, 0x01, 0xf2 };
	uint8_t withsum[10];

	(void)state;
	assert_int_equal(cksum_add(0, ex, sizeof(ex)) & 0xffff, 0xddf2);
	assert_int_equal(cksum(ex, sizeof(ex)), 0x220d);
	/* Odd length: the last byte is the high half of a word padded with zero. */
	assert_int_equal(cksum(odd1, 1), 0xfeff);
	assert_int_equal(cksum(odd3, 3), (uint16_t)~0xf201);
	/* Storing the checksum makes the whole sum check to zero. */
	memcpy(withsum, ex, 8);
	withsum[8] = 0x22;
	withsum[9] = 0x0d;
	assert_int_equal(cksum(withsum, 10), 0);
	/* A 7-byte message with its checksum in front also checks (odd total length). */
	{
		uint8_t m[9] = { 0, 0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde };
		uint16_t c = cksum(m, 9);

		m[0] = (uint8_t)(c >> 8);
		m[1] = (uint8_t)c;
		assert_int_equal(cksum(m, 9), 0);
	}
	done();
}

/* ---- parse / emit against captured packets ---- */

struct parse_case {
	int frame;
	uint8_t tos;
	uint16_t total_len, id, frag;
	uint8_t ttl, proto;
	uint16_t cksum;
	const char *src, *dst;
};

static const struct parse_case parse_cases[] = {
	{ 2, 0x00, 84, 333, 0x4000, 64, 1, 0xb558, "192.0.2.1", "192.0.2.2" },    /* echo request */
	{ 3, 0x00, 84, 48671, 0x0000, 64, 1, 0x3886, "192.0.2.2", "192.0.2.1" },  /* echo reply */
	{ 6, 0x00, 1500, 343, 0x2000, 64, 1, 0xcfc6, "192.0.2.1", "192.0.2.2" },  /* frag 0 */
	{ 7, 0x00, 1500, 343, 0x20b9, 64, 1, 0xcf0d, "192.0.2.1", "192.0.2.2" },  /* frag 1480 */
	{ 8, 0x00, 68, 343, 0x0172, 64, 1, 0xf3ec, "192.0.2.1", "192.0.2.2" },    /* frag 2960 */
	{ 12, 0x00, 38, 30623, 0x4000, 64, 17, 0x3f24, "192.0.2.1", "192.0.2.2" }, /* UDP 9000 */
	{ 13, 0x00, 30, 61989, 0x4000, 64, 17, 0xc4a5, "192.0.2.1", "192.0.2.2" }, /* UDP 9001 */
	{ 14, 0xc0, 58, 48721, 0x0000, 64, 1, 0x37ae, "192.0.2.2", "192.0.2.1" },  /* port unreach */
};

static void test_parse_emit_captured(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		uint8_t b[2048], out[IP_HDR_MIN];
		size_t n = test_pcap_ip(PCAP, c->frame, b, sizeof(b));
		struct ip_hdr h;

		assert_int_equal(ip_parse(b, n, &h), IP_PARSE_OK);
		assert_int_equal(h.version, 4);
		assert_int_equal(h.ihl, 20);
		assert_int_equal(h.tos, c->tos);
		assert_int_equal(h.total_len, c->total_len);
		assert_int_equal(h.id, c->id);
		assert_int_equal(h.frag, c->frag);
		assert_int_equal(h.ttl, c->ttl);
		assert_int_equal(h.proto, c->proto);
		assert_int_equal(h.cksum, c->cksum);
		assert_int_equal(h.src, A(c->src));
		assert_int_equal(h.dst, A(c->dst));
		assert_ptr_equal(h.options, b + 20);
		/* Re-emitted, the header is byte for byte what Linux sent. */
		assert_int_equal(ip_emit(&h, out, sizeof(out)), IP_HDR_MIN);
		if (memcmp(out, b, IP_HDR_MIN)) {
			test_hexdump("emitted", out, IP_HDR_MIN);
			test_hexdump("captured", b, IP_HDR_MIN);
			fail_msg("frame %d: emitted header differs", c->frame);
		}
	}
	{
		struct ip_hdr h = { 0 };
		uint8_t small[19];

		assert_int_equal(ip_emit(&h, small, sizeof(small)), 0);
	}
	done();
}

/* ---- input checks, each with its own counter ---- */

enum mutation { M_SHORT, M_VERSION, M_IHL_SMALL, M_IHL_BEYOND, M_TOTLEN_BIG, M_TOTLEN_SMALL,
		M_CKSUM };

struct bad_case {
	const char *name;
	enum mutation m;
	int parse_err;
	const uint64_t *counter;
};

static void test_input_rejects(void **state)
{
	const struct bad_case cases[] = {
		{ "short", M_SHORT, IP_PARSE_SHORT, &ip_stats.in_hdr_short },
		{ "version 6", M_VERSION, IP_PARSE_VERSION, &ip_stats.in_hdr_version },
		{ "IHL 4", M_IHL_SMALL, IP_PARSE_IHL, &ip_stats.in_hdr_ihl },
		{ "IHL beyond packet", M_IHL_BEYOND, IP_PARSE_IHL, &ip_stats.in_hdr_ihl },
		{ "total length too big", M_TOTLEN_BIG, IP_PARSE_TOTLEN, &ip_stats.in_hdr_totlen },
		{ "total length < IHL", M_TOTLEN_SMALL, IP_PARSE_TOTLEN, &ip_stats.in_hdr_totlen },
		{ "bad checksum", M_CKSUM, IP_PARSE_CKSUM, &ip_stats.in_hdr_cksum },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t b[2048];
		size_t n = test_pcap_ip(PCAP, 2, b, sizeof(b));
		struct ip_hdr h;

		switch (cases[i].m) {
		case M_SHORT:
			n = 19;
			break;
		case M_VERSION:
			b[0] = 0x65;
			test_ip_fix_cksum(b);
			break;
		case M_IHL_SMALL:
			b[0] = 0x44;
			break;
		case M_IHL_BEYOND:
			b[0] = 0x4f; /* 60 bytes of header in a 40-byte packet */
			n = 40;
			break;
		case M_TOTLEN_BIG:
			b[2] = 0;
			b[3] = 85; /* one more byte than received */
			test_ip_fix_cksum(b);
			break;
		case M_TOTLEN_SMALL:
			b[2] = 0;
			b[3] = 19;
			test_ip_fix_cksum(b);
			break;
		case M_CKSUM:
			b[11] ^= 0x01;
			break;
		}
		assert_int_equal(ip_parse(b, n, &h), cases[i].parse_err);
		stats_reset();
		/* Straight to the ethertype handler: the L3 device path would not even hand
		 * a version-6 packet to IP. */
		ip_input(pkb_from_bytes(b, n), tun, T0);
		if (*cases[i].counter != 1)
			fail_msg("%s: counter not incremented", cases[i].name);
		/* ...and only that one. */
		assert_int_equal(ip_stats.in_hdr_short + ip_stats.in_hdr_version +
				 ip_stats.in_hdr_ihl + ip_stats.in_hdr_totlen +
				 ip_stats.in_hdr_cksum, 1);
		assert_int_equal(ip_stats.in_delivers, 0);
		assert_int_equal(test_dev_pending(tun), 0);
	}
	done();
}

static void test_input_filters(void **state)
{
	uint8_t b[2048];
	size_t n;

	(void)state;
	assert_int_equal(ip_protocol_register("TEST", 17, record_handler, NULL), 0);
	assert_int_equal(ip_protocol_register("TEST", 17, record_handler, NULL), -EEXIST);

	/* A broadcast source names no host (martian sources: test_input_martians). */
	n = test_pcap_ip(PCAP, 12, b, sizeof(b));
	memcpy(b + 12, "\xff\xff\xff\xff", 4);
	test_ip_fix_cksum(b);
	inject(b, n);
	assert_int_equal(ip_stats.in_martian_src, 1);

	/* Another host's address. */
	n = test_pcap_ip(PCAP, 12, b, sizeof(b));
	memcpy(b + 16, "\xc0\x00\x02\x63", 4);
	test_ip_fix_cksum(b);
	inject(b, n);
	assert_int_equal(ip_stats.in_not_for_us, 1);
	assert_int_equal(got.calls, 0);

	/* Our subnet broadcast and the limited broadcast are ours. */
	memcpy(b + 16, "\xc0\x00\x02\xff", 4);
	test_ip_fix_cksum(b);
	inject(b, n);
	memcpy(b + 16, "\xff\xff\xff\xff", 4);
	test_ip_fix_cksum(b);
	inject(b, n);
	assert_int_equal(got.calls, 2);
	assert_ptr_equal(got.ifc, &tun->ifaces[0]);
	assert_int_equal(ip_stats.in_delivers, 2);
	done();
}

/* Martian sources (RFC 1812 5.3.7, RFC 1122 3.2.1.3), each checked against Linux in a
 * namespace (scapy frames to a kernel UDP socket): dropped and counted in
 * ip.in_martian_src, never delivered; the look-alikes Linux accepts are delivered. */
struct martian_case {
	const char *src, *dst;
	int martian;
};

static const struct martian_case martian_cases[] = {
	{ "192.0.2.1", "192.0.2.2", 0 },       /* the peer: the control case */
	{ "192.0.2.2", "192.0.2.2", 1 },       /* our own address (land) */
	{ "198.51.100.2", "192.0.2.2", 1 },    /* our address on another device */
	{ "0.0.0.0", "192.0.2.2", 1 },
	{ "0.0.0.0", "192.0.2.255", 1 },
	{ "0.0.0.0", "255.255.255.255", 0 },   /* a DHCP client before it has an address */
	{ "0.1.2.3", "192.0.2.2", 0 },         /* Linux takes the rest of 0/8 (5.3) */
	{ "255.255.255.255", "192.0.2.2", 1 },
	{ "255.255.255.255", "255.255.255.255", 1 },
	{ "192.0.2.255", "192.0.2.2", 1 },     /* the subnet's directed broadcast */
	{ "224.0.0.5", "192.0.2.2", 1 },
	{ "239.255.255.250", "255.255.255.255", 1 },
	{ "127.0.0.1", "192.0.2.2", 1 },
	{ "127.255.0.9", "192.0.2.2", 1 },
	{ "240.0.0.1", "192.0.2.2", 0 },       /* class E: Linux takes it (2.6.25) */
	{ "254.1.2.3", "192.0.2.2", 0 },
};

static void inject_src_dst(struct net_device *dev, const char *src, const char *dst)
{
	uint8_t b[2048];
	size_t n = test_pcap_ip(PCAP, 12, b, sizeof(b));
	uint32_t a = A(src), d = A(dst);

	memcpy(b + 12, &a, 4);
	memcpy(b + 16, &d, 4);
	test_ip_fix_cksum(b);
	net_device_input(dev, pkb_from_bytes(b, n), T0);
}

static void test_input_martians(void **state)
{
	struct net_device *other, *lo;
	uint64_t drops = 0;
	int calls = 0;

	(void)state;
	assert_int_equal(ip_protocol_register("TEST", 17, record_handler, NULL), 0);
	other = test_dev_create("tun1", NET_DEV_IP, 1500);
	assert_int_equal(ip_iface_add(other, A("198.51.100.2"), A("255.255.255.0"), 0), 0);
	for (size_t i = 0; i < sizeof(martian_cases) / sizeof(martian_cases[0]); i++) {
		const struct martian_case *c = &martian_cases[i];

		inject_src_dst(tun, c->src, c->dst);
		drops += c->martian;
		calls += !c->martian;
		if (ip_stats.in_martian_src != drops || got.calls != calls)
			fail_msg("src=%s dst=%s: %s", c->src, c->dst,
				 c->martian ? "not dropped" : "dropped");
	}
	assert_int_equal(test_dev_pending(tun), 0); /* no ICMP error about a martian */

	/* class E is dropped too when configured so (RFC 1812 5.3.7) */
	ip_config.martian_class_e = 1;
	inject_src_dst(tun, "240.0.0.1", "192.0.2.2");
	inject_src_dst(tun, "254.1.2.3", "192.0.2.2");
	ip_config.martian_class_e = 0;
	assert_int_equal(ip_stats.in_martian_src, drops + 2);
	assert_int_equal(got.calls, calls);

	/* the loopback device carries what we send ourselves: our address and 127/8 */
	lo = test_dev_create("lo", NET_DEV_LOOPBACK, 65535);
	assert_int_equal(ip_iface_add(lo, A("127.0.0.1"), A("255.0.0.0"), 0), 0);
	inject_src_dst(lo, "192.0.2.2", "192.0.2.2");
	inject_src_dst(lo, "127.0.0.1", "127.0.0.1");
	assert_int_equal(got.calls, calls + 2);
	assert_int_equal(ip_stats.in_martian_src, drops + 2);
	done();
}

static void test_input_delivery_and_padding(void **state)
{
	uint8_t b[2048];
	size_t n;

	(void)state;
	assert_int_equal(ip_protocol_register("TEST", 17, record_handler, NULL), 0);
	/* The 30-byte UDP datagram to 9001 with Ethernet's padding up to 46 bytes. */
	n = test_pcap_ip(PCAP, 13, b, sizeof(b));
	assert_int_equal(n, 30);
	memset(b + n, 0, 16);
	inject(b, 46);
	assert_int_equal(got.calls, 1);
	assert_int_equal(got.len, 10); /* UDP header + "2 bytes", padding trimmed */
	assert_memory_equal(got.first, b + 20, 10);
	/* The IP header is still in the headroom right before the transport header. */
	assert_memory_equal(got.hdr_before, b, 20);
	assert_int_equal(got.ih.src, A("192.0.2.1"));
	assert_int_equal(ip_stats.in_options_skipped, 0);
	assert_int_equal(ip_stats.in_delivers, 1);
	done();
}

static void test_input_options_skipped(void **state)
{
	uint8_t b[2048], o[2048];
	size_t n;

	(void)state;
	assert_int_equal(ip_protocol_register("TEST", 17, record_handler, NULL), 0);
	/* Insert 4 bytes of options (NOP NOP NOP EOL): IHL 6. */
	n = test_pcap_ip(PCAP, 12, b, sizeof(b));
	memcpy(o, b, 20);
	memcpy(o + 20, "\x01\x01\x01\x00", 4);
	memcpy(o + 24, b + 20, n - 20);
	o[0] = 0x46;
	o[3] = (uint8_t)(n + 4);
	test_ip_fix_cksum(o);
	inject(o, n + 4);
	assert_int_equal(ip_stats.in_options_skipped, 1);
	assert_int_equal(got.calls, 1);
	assert_int_equal(got.ih.ihl, 24);
	assert_int_equal(got.len, n - 20);
	assert_memory_equal(got.first, b + 20, 16);
	done();
}

static void test_input_ttl_zero_delivered(void **state)
{
	uint8_t b[2048];
	size_t n;

	(void)state;
	assert_int_equal(ip_protocol_register("TEST", 17, record_handler, NULL), 0);
	/* See the NOTE in ip_input: a host delivers whatever the TTL. */
	n = test_pcap_ip(PCAP, 12, b, sizeof(b));
	b[8] = 0;
	test_ip_fix_cksum(b);
	inject(b, n);
	assert_int_equal(got.calls, 1);
	assert_int_equal(ip_stats.in_ttl_zero, 0);
	done();
}

/* ---- output ---- */

static struct pkb *payload(size_t n)
{
	struct pkb *p = pkb_alloc(n);

	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		pkb_put(p, 1)[0] = (uint8_t)(i * 7 + 3);
	return p;
}

static void test_output_fragments(void **state)
{
	static const struct { uint16_t total_len, frag; } want[] = {
		{ 1500, IP_FLAG_MF | 0 }, { 1500, IP_FLAG_MF | 185 }, { 60, 370 },
	};
	uint8_t whole[3000];
	struct pkb *src = payload(3000);
	int first_id = -1;

	(void)state;
	memcpy(whole, src->data, 3000);
	assert_int_equal(ip_output(IP_PROTO_UDP, src, 0, A("192.0.2.1"), NULL, T0), 0);
	assert_int_equal(test_dev_pending(tun), 3);
	for (int i = 0; i < 3; i++) {
		struct pkb *f = test_dev_pop(tun);
		struct ip_hdr h;

		assert_int_equal(ip_parse(f->data, f->len, &h), IP_PARSE_OK);
		assert_int_equal(h.total_len, want[i].total_len);
		assert_int_equal(f->len, want[i].total_len);
		assert_int_equal(h.frag, want[i].frag);
		if (first_id < 0)
			first_id = h.id;
		assert_int_equal(h.id, first_id); /* one datagram, one ID */
		assert_int_equal(h.ttl, 64);
		assert_int_equal(h.proto, IP_PROTO_UDP);
		assert_int_equal(h.src, A("192.0.2.2"));
		assert_int_equal(h.dst, A("192.0.2.1"));
		assert_memory_equal(f->data + 20, whole + (h.frag & IP_OFFSET_MASK) * 8,
				    h.total_len - 20);
		pkb_free(f);
	}
	assert_int_equal(ip_stats.out_frag_creates, 3);
	assert_int_equal(ip_stats.out_frag_oks, 1);
	done();
}

static void test_output_ids_and_header(void **state)
{
	struct net_out_opts o = { .ttl = 5, .tos = 0x10, .df = 1 };
	struct pkb *p;
	struct ip_hdr h1, h2;

	(void)state;
	assert_int_equal(ip_output(IP_PROTO_UDP, payload(100), 0, A("192.0.2.1"), &o, T0), 0);
	assert_int_equal(ip_output(IP_PROTO_UDP, payload(100), 0, A("192.0.2.1"), NULL, T0), 0);
	p = test_dev_pop(tun);
	/* The header went into the headroom: the default headroom less 20. */
	assert_int_equal(pkb_headroom(p), PKB_HEADROOM - IP_HDR_MIN);
	assert_int_equal(ip_parse(p->data, p->len, &h1), IP_PARSE_OK);
	pkb_free(p);
	p = test_dev_pop(tun);
	assert_int_equal(ip_parse(p->data, p->len, &h2), IP_PARSE_OK);
	pkb_free(p);
	assert_int_equal(h1.total_len, 120);
	assert_int_equal(h1.ttl, 5);
	assert_int_equal(h1.tos, 0x10);
	assert_int_equal(h1.frag, IP_FLAG_DF);
	assert_int_equal(h2.ttl, 64);
	assert_int_equal(h2.frag, 0);
	assert_int_equal((uint16_t)(h1.id + 1), h2.id);
	done();
}

static void test_output_df_too_big(void **state)
{
	struct net_out_opts o = { .df = 1 };

	(void)state;
	assert_int_equal(ip_output(IP_PROTO_UDP, payload(3000), 0, A("192.0.2.1"), &o, T0),
			 -EMSGSIZE);
	assert_int_equal(ip_stats.out_too_big_df, 1);
	assert_int_equal(test_dev_pending(tun), 0);
	/* Exactly the MTU still goes. */
	assert_int_equal(ip_output(IP_PROTO_UDP, payload(1480), 0, A("192.0.2.1"), &o, T0), 0);
	assert_int_equal(test_dev_pending(tun), 1);
	done();
}

static void test_output_no_route(void **state)
{
	(void)state;
	assert_int_equal(ip_output(IP_PROTO_UDP, payload(10), 0, A("198.51.100.1"), NULL, T0),
			 -ENETUNREACH);
	assert_int_equal(ip_stats.out_no_route, 1);
	/* Our own address without a loopback device goes nowhere either. */
	assert_int_equal(ip_output(IP_PROTO_UDP, payload(10), 0, A("192.0.2.2"), NULL, T0),
			 -ENETUNREACH);
	assert_int_equal(ip_output(IP_PROTO_UDP, payload(10), 0, A("127.0.0.1"), NULL, T0),
			 -ENETUNREACH);
	assert_int_equal(ip_stats.out_no_route, 3);
	assert_int_equal(ip_source_for(A("198.51.100.1")), 0);
	assert_int_equal(ip_route_mtu(A("198.51.100.1")), 0);
	done();
}

static void test_output_via_gateway_and_loopback(void **state)
{
	struct net_device *lo, *tun2;
	struct pkb *p;
	struct ip_hdr h;

	(void)state;
	/* A second TUN with a default route through its peer. */
	tun2 = test_dev_create("tun1", NET_DEV_IP, 1400);
	assert_int_equal(ip_iface_add(tun2, A("10.9.0.2"), A("255.255.255.255"), A("10.9.0.1")), 0);
	assert_int_equal(ip_route_add(0, 0, A("10.9.0.1"), NULL), 0);
	assert_int_equal(ip_output(IP_PROTO_UDP, payload(10), 0, A("203.0.113.7"), NULL, T0), 0);
	p = test_dev_pop(tun2);
	assert_non_null(p);
	assert_int_equal(ip_parse(p->data, p->len, &h), IP_PARSE_OK);
	assert_int_equal(h.src, A("10.9.0.2"));
	assert_int_equal(h.dst, A("203.0.113.7"));
	pkb_free(p);
	assert_int_equal(ip_route_mtu(A("203.0.113.7")), 1400);
	assert_int_equal(ip_route_mtu(A("192.0.2.77")), 1500);

	/* With "lo" registered, our own addresses and 127/8 go through it. */
	lo = test_dev_create("lo", NET_DEV_LOOPBACK, 65535);
	assert_int_equal(ip_iface_add(lo, A("127.0.0.1"), A("255.0.0.0"), 0), 0);
	assert_int_equal(ip_output(IP_PROTO_UDP, payload(10), 0, A("192.0.2.2"), NULL, T0), 0);
	assert_int_equal(ip_output(IP_PROTO_UDP, payload(10), 0, A("127.0.0.5"), NULL, T0), 0);
	assert_int_equal(test_dev_pending(lo), 2);
	p = test_dev_pop(lo);
	assert_int_equal(ip_parse(p->data, p->len, &h), IP_PARSE_OK);
	assert_int_equal(h.src, A("192.0.2.2"));
	assert_int_equal(h.dst, A("192.0.2.2"));
	/* Loopback input takes it back as ours. */
	assert_int_equal(ip_protocol_register("TEST", 17, record_handler, NULL), 0);
	net_device_input(lo, p, T0);
	assert_int_equal(got.calls, 1);
	p = test_dev_pop(lo);
	assert_int_equal(ip_parse(p->data, p->len, &h), IP_PARSE_OK);
	assert_int_equal(h.src, A("127.0.0.1"));
	net_device_input(lo, p, T0);
	assert_int_equal(got.calls, 2);
	assert_int_equal(ip_source_for(A("127.0.0.9")), A("127.0.0.1"));
	assert_int_equal(test_dev_pending(tun), 0);
	done();
}

static void test_output_ether_arp_handoff(void **state)
{
	uint8_t frame[2048], peer_mac[6];
	struct net_device *eth;
	struct pkb *p;
	struct ether_hdr eh;
	struct ip_hdr h;
	long n;

	(void)state;
	assert_int_equal(ether_init(), 0);
	assert_int_equal(arp_init(), 0);
	eth = test_dev_create("eth0", NET_DEV_ETHER, 1500);
	assert_int_equal(ip_iface_add(eth, A("198.51.100.2"), A("255.255.255.0"), 0), 0);
	/* Seed the cache the way a LAN does: the peer asks for us. Rewrite the captured
	 * request (192.0.2.1 asks for 192.0.2.2) into the eth0 subnet. */
	n = test_pcap_frame(PCAP, 0, frame, sizeof(frame));
	assert_true(n >= 42);
	memcpy(peer_mac, frame + 6, 6);
	memcpy(frame + 14 + 14, "\xc6\x33\x64\x01", 4); /* spa 198.51.100.1 */
	memcpy(frame + 14 + 24, "\xc6\x33\x64\x02", 4); /* tpa 198.51.100.2 */
	net_device_input(eth, pkb_from_bytes(frame, (size_t)n), T0);
	p = test_dev_pop(eth); /* our ARP reply */
	assert_non_null(p);
	assert_int_equal(ether_parse(p->data, p->len, &eh), 0);
	assert_int_equal(eh.type, ETHER_TYPE_ARP);
	pkb_free(p);

	assert_int_equal(ip_output(IP_PROTO_UDP, payload(100), 0, A("198.51.100.1"), NULL, T0), 0);
	p = test_dev_pop(eth);
	assert_non_null(p);
	assert_int_equal(ether_parse(p->data, p->len, &eh), 0);
	assert_int_equal(eh.type, ETHER_TYPE_IP);
	assert_memory_equal(eh.dst, peer_mac, 6);
	assert_memory_equal(eh.src, eth->hwaddr, 6);
	assert_int_equal(ip_parse(p->data + 14, p->len - 14, &h), IP_PARSE_OK);
	assert_int_equal(h.src, A("198.51.100.2"));
	assert_int_equal(h.dst, A("198.51.100.1"));
	assert_int_equal(h.total_len, 120);
	pkb_free(p);
	assert_int_equal(test_dev_pending(eth), 0);
	arp_shutdown();
	done();
}

static void test_addr_text(void **state)
{
	static const char *bad[] = { "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "1.2.3.4 ",
				     "a.b.c.d", "1234.1.1.1", "-1.2.3.4" };
	char buf[IP_ADDR_STRLEN];
	uint32_t a;

	(void)state;
	assert_int_equal(ip_addr_pton("192.0.2.1", &a), 0);
	assert_int_equal(a, htonl(0xc0000201));
	assert_string_equal(ip_addr_ntop(a, buf, sizeof(buf)), "192.0.2.1");
	assert_string_equal(ip_addr_ntop(IP_ADDR_BROADCAST, buf, sizeof(buf)), "255.255.255.255");
	assert_int_equal(ip_addr_pton("0.0.0.0", &a), 0);
	assert_int_equal(a, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ip_addr_pton(bad[i], &a) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
	done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cksum_rfc1071, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_emit_captured, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_martians, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_delivery_and_padding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_options_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_ttl_zero_delivered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_fragments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_ids_and_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_df_too_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_no_route, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_via_gateway_and_loopback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_ether_arp_handoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addr_text, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
