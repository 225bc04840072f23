/* SPDX-License-Identifier: MIT */
/* UDP: wire parse/emit against the Linux capture, then the socket through the stack. */
#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <time.h>

#include "ip/icmp.h"
#include "ip/icmp_sock.h"
#include "ip/ip.h"
#include "net/cksum.h"
#include "net/loop.h"
#include "net/socket.h"
#include "udp/udp.h"
#include "test/unit/test_app.h" /* last: it wraps the calls that take the lock */

/* Frame 13 of linux-session.pcap (0-based 12): 192.0.2.1:60909 -> 192.0.2.2:9000 "hello udp\n" */
#define CAP_UDP_FRAME 12
#define ETH_LEN 14
#define IP_LEN 20

static uint32_t a(const char *s)
{
	return inet_addr(s);
}

static const uint8_t *capture_udp(uint8_t *buf, size_t cap, size_t *udp_len)
{
	long n = test_pcap_frame("test/data/linux-session.pcap", CAP_UDP_FRAME, buf, cap);

	assert_int_equal(n, ETH_LEN + IP_LEN + UDP_HDR_LEN + 10);
	*udp_len = (size_t)n - ETH_LEN - IP_LEN;
	return buf + ETH_LEN + IP_LEN;
}

static void test_parse_capture(void **state)
{
	uint8_t frame[256], out[64];
	struct udp_hdr h;
	size_t len;
	const uint8_t *u = capture_udp(frame, sizeof(frame), &len);

	(void)state;
	assert_int_equal(udp_parse(u, len, NA4(a("192.0.2.1")), NA4(a("192.0.2.2")), &h), UDP_PARSE_OK);
	assert_int_equal(h.src_port, 60909);
	assert_int_equal(h.dst_port, 9000);
	assert_int_equal(h.len, 18);
	assert_int_equal(h.cksum, 0x414f);
	assert_memory_equal(u + UDP_HDR_LEN, "hello udp\n", 10);

	/* Re-emitting the parsed header over the same payload gives the same bytes. */
	memset(out, 0xaa, sizeof(out));
	memcpy(out + UDP_HDR_LEN, u + UDP_HDR_LEN, 10);
	assert_int_equal(udp_emit(&h, out, sizeof(out), 10, NA4(a("192.0.2.1")), NA4(a("192.0.2.2"))),
			 UDP_HDR_LEN);
	assert_memory_equal(out, u, len);
	/* No room: nothing written. */
	assert_int_equal(udp_emit(&h, out, 17, 10, NA4(a("192.0.2.1")), NA4(a("192.0.2.2"))), 0);
	test_assert_no_leaks();
}

/* Table of damaged versions of the captured datagram. */
static void test_parse_table(void **state)
{
	uint8_t frame[256];
	size_t len;
	const uint8_t *orig = capture_udp(frame, sizeof(frame), &len);
	static const struct {
		const char *what;
		size_t len;       /* bytes handed to udp_parse (0: all) */
		int off;          /* byte to overwrite, -1 none */
		uint8_t val;
		int pseudo_wrong; /* use a different source address */
		int want;
		uint16_t want_len;
	} cases[] = {
		{ "intact", 0, -1, 0, 0, UDP_PARSE_OK, 18 },
		{ "zero checksum accepted", 0, 6, 0, 0, UDP_PARSE_OK, 18 }, /* with off 7 below */
		{ "trailing bytes ignored", 0, -1, 0, 0, UDP_PARSE_OK, 18 },
		{ "7 bytes", 7, -1, 0, 0, UDP_PARSE_SHORT, 0 },
		{ "empty", 0xffff, -1, 0, 0, UDP_PARSE_SHORT, 0 },
		{ "length 7", 0, 5, 7, 0, UDP_PARSE_LEN, 0 },
		{ "length beyond data", 0, 5, 19, 0, UDP_PARSE_LEN, 0 },
		{ "truncated payload", 17, -1, 0, 0, UDP_PARSE_LEN, 0 },
		{ "payload bit flip", 0, 9, 'E', 0, UDP_PARSE_CKSUM, 0 },
		{ "checksum byte", 0, 7, 0x50, 0, UDP_PARSE_CKSUM, 0 },
		{ "pseudo-header address", 0, -1, 0, 1, UDP_PARSE_CKSUM, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t b[64];
		struct udp_hdr h;
		size_t n = cases[i].len == 0 ? len : cases[i].len == 0xffff ? 0 : cases[i].len;
		int r;

		memset(b, 0x5a, sizeof(b));
		memcpy(b, orig, len);
		if (cases[i].off >= 0)
			b[cases[i].off] = cases[i].val;
		if (i == 1)
			b[7] = 0;
		if (i == 2)
			n = len + 6; /* Ethernet-style padding after the datagram */
		r = udp_parse(b, n, NA4(cases[i].pseudo_wrong ? a("192.0.2.3") : a("192.0.2.1")),
			      NA4(a("192.0.2.2")), &h);
		if (r != cases[i].want)
			fail_msg("case %s: got %d want %d", cases[i].what, r, cases[i].want);
		if (r == UDP_PARSE_OK)
			assert_int_equal(h.len, cases[i].want_len);
	}
	test_assert_no_leaks();
}

/* The checksum of a datagram whose sum comes out as 0 is sent as 0xffff, and parses. */
static void test_emit_zero_cksum_as_ffff(void **state)
{
	uint8_t b[UDP_HDR_LEN + 2];
	struct udp_hdr h = { .src_port = 1, .dst_port = 2 };
	struct udp_hdr back;
	uint32_t src = a("10.0.0.1"), dst = a("10.0.0.2");
	uint32_t sum;
	uint16_t need;

	(void)state;
	/* Choose the 2 payload bytes so that the one's-complement sum is 0xffff. */
	memset(b, 0, sizeof(b));
	b[0] = 0; b[1] = 1; b[2] = 0; b[3] = 2; b[4] = 0; b[5] = 10;
	sum = cksum_add(cksum_pseudo(src, dst, 17, 10), b, 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	need = (uint16_t)(0xffff - sum);
	b[8] = (uint8_t)(need >> 8);
	b[9] = (uint8_t)need;
	assert_int_equal(udp_emit(&h, b, sizeof(b), 2, NA4(src), NA4(dst)), UDP_HDR_LEN);
	assert_int_equal(b[6], 0xff);
	assert_int_equal(b[7], 0xff);
	assert_int_equal(udp_parse(b, sizeof(b), NA4(src), NA4(dst), &back), UDP_PARSE_OK);
	test_assert_no_leaks();
}


/* ---- through the stack: a TUN-like device, 192.0.2.2/24 is us, 192.0.2.1 the peer ---- */

#define PCAP "test/data/linux-session.pcap"
#define CAP_CLOSED_FRAME 13 /* 192.0.2.1:41610 -> 192.0.2.2:9001 */
#define CAP_UNREACH_FRAME 14 /* Linux's port unreachable about it */
#define T0 5000000ull

static struct net_device *tun;

static int setup(void **state)
{
	(void)state;
	net_clock_set_fake(1, T0);
	tun = test_ip_setup(1);
	assert_int_equal(udp_init(), 0);
	assert_int_equal(icmp_sock_init(), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sock_close_all();
	test_dev_flush(tun);
	net_clock_set_fake(0, 0);
	test_ip_teardown();
	return 0;
}

static struct sockaddr_in saddr(const char *addr, uint16_t port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(port) };

	s.sin_addr.s_addr = a(addr);
	return s;
}

static void inject(const uint8_t *b, size_t len)
{
	net_device_input(tun, pkb_from_bytes(b, len), T0);
}

/* An IP/UDP datagram from src:sport to dst:dport with the given payload. */
static size_t build_udp(uint8_t *b, size_t cap, const char *src, uint16_t sport,
			const char *dst, uint16_t dport, const void *payload, size_t plen)
{
	struct ip_hdr ih = { .version = 4, .ihl = 20, .total_len = (uint16_t)(28 + plen),
			     .id = 77, .ttl = 64, .proto = IP_PROTO_UDP };
	struct udp_hdr uh = { .src_port = sport, .dst_port = dport };

	assert_true(cap >= 28 + plen);
	ih.src = a(src);
	ih.dst = a(dst);
	assert_int_equal(ip_emit(&ih, b, cap), 20);
	memcpy(b + 28, payload, plen);
	assert_int_equal(udp_emit(&uh, b + 20, cap - 20, plen, NA4(ih.src), NA4(ih.dst)), 8);
	return 28 + plen;
}

static int udp_socket_bound(uint16_t port)
{
	struct sockaddr_in any = saddr("0.0.0.0", port);
	int fd = us_socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(us_bind(fd, (const struct sockaddr *)&any, sizeof(any)), 0);
	return fd;
}

static void test_captured_datagram_reaches_socket(void **state)
{
	uint8_t pkt[256], buf[64];
	struct sockaddr_in from;
	size_t n = test_pcap_ip(PCAP, CAP_UDP_FRAME, pkt, sizeof(pkt));
	int fd = udp_socket_bound(9000);

	(void)state;
	inject(pkt, n);
	assert_int_equal(udp_stats.in_datagrams, 1);
	assert_int_equal(us_recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &(socklen_t){ sizeof(from) }), 10);
	assert_memory_equal(buf, "hello udp\n", 10);
	assert_int_equal(from.sin_family, AF_INET);
	assert_int_equal(from.sin_addr.s_addr, a("192.0.2.1"));
	assert_int_equal(ntohs(from.sin_port), 60909);
	assert_int_equal(us_recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
				     &(socklen_t){ sizeof(from) }), -EAGAIN);
	assert_int_equal(us_close(fd), 0);
	test_assert_no_leaks();
}

/* Sending the reply to the captured datagram gives its mirror image: same UDP checksum
 * (the pseudo-header sum does not care which address is which). */
static void test_sendto_emits_exact_bytes(void **state)
{
	static const uint8_t udp_want[] = { 0x23, 0x28, 0xed, 0xed, 0x00, 0x12, 0x41, 0x4f,
					    'h', 'e', 'l', 'l', 'o', ' ', 'u', 'd', 'p', '\n' };
	struct sockaddr_in local = saddr("192.0.2.2", 9000), peer = saddr("192.0.2.1", 60909);
	struct sockaddr_in name;
	uint8_t want[64];
	struct ip_hdr ih, exp;
	struct pkb *p;
	int fd = us_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);

	(void)state;
	assert_int_equal(us_bind(fd, (const struct sockaddr *)&local, sizeof(local)), 0);
	assert_int_equal(us_getsockname(fd,
					(struct sockaddr *)&name, &(socklen_t){ sizeof(name) }), 0);
	assert_int_equal(ntohs(name.sin_port), 9000);
	assert_int_equal(us_sendto(fd, "hello udp\n", 10, 0,
				   (const struct sockaddr *)&peer, sizeof(peer)), 10);
	p = test_dev_pop(tun);
	assert_non_null(p);
	assert_null(test_dev_pop(tun));
	assert_int_equal(p->len, 38);
	assert_int_equal(ip_parse(p->data, p->len, &ih), IP_PARSE_OK);
	/* The header IP would write for it (the id and DF are IP's choice). */
	exp = (struct ip_hdr){ .version = 4, .ihl = 20, .total_len = 38, .id = ih.id,
			       .frag = ih.frag, .ttl = 64, .proto = IP_PROTO_UDP,
			       .src = a("192.0.2.2"), .dst = a("192.0.2.1") };
	assert_int_equal(ip_emit(&exp, want, sizeof(want)), 20);
	memcpy(want + 20, udp_want, sizeof(udp_want));
	assert_memory_equal(p->data, want, 38);
	pkb_free(p);
	assert_int_equal(udp_stats.out_datagrams, 1);
	us_close(fd);
	test_assert_no_leaks();
}

/* The datagram a device sent to dst, freed; fails if there is none. */
static void expect_sent(struct net_device *dev, const char *dst)
{
	struct pkb *p = test_dev_pop(dev);
	struct ip_hdr ih;

	if (!p)
		fail_msg("expected a datagram to %s on %s, none was sent", dst, dev->name);
	assert_int_equal(ip_parse(p->data, p->len, &ih), IP_PARSE_OK);
	assert_int_equal(ih.dst, a(dst));
	pkb_free(p);
}

/* An unconnected socket keeps its last destination's route: sendto the same peer again
 * costs no lookup (ip.route_lookups), a new peer one, and a route added or removed (a new
 * routing generation) moves the next datagram to the new route's device. */
static void test_sendto_route_cached(void **state)
{
	struct sockaddr_in p1 = saddr("192.0.2.1", 7), p2 = saddr("192.0.2.5", 7);
	struct net_device *tun1;
	uint64_t lookups;
	int fd = udp_socket_bound(9000);

	(void)state;
	tun1 = test_dev_create("tun1", NET_DEV_IP, 1500);
	assert_int_equal(ip_iface_add(tun1, a("198.51.100.2"), a("255.255.255.0"), 0), 0);
	lookups = ip_stats.route_lookups;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(us_sendto(fd, "x", 1, 0, (const struct sockaddr *)&p1, sizeof(p1)), 1);
		expect_sent(tun, "192.0.2.1");
	}
	assert_int_equal(ip_stats.route_lookups, lookups + 1);
	assert_int_equal(us_sendto(fd, "x", 1, 0, (const struct sockaddr *)&p2, sizeof(p2)), 1);
	expect_sent(tun, "192.0.2.5");
	assert_int_equal(ip_stats.route_lookups, lookups + 2);
	/* a host route to p2 through tun1: the very next datagram leaves by it */
	assert_int_equal(ip_route_add(a("192.0.2.5"), a("255.255.255.255"), a("198.51.100.1"),
				      NULL), 0);
	assert_int_equal(us_sendto(fd, "x", 1, 0, (const struct sockaddr *)&p2, sizeof(p2)), 1);
	assert_null(test_dev_pop(tun));
	expect_sent(tun1, "192.0.2.5");
	assert_int_equal(us_sendto(fd, "x", 1, 0, (const struct sockaddr *)&p2, sizeof(p2)), 1);
	expect_sent(tun1, "192.0.2.5");
	assert_int_equal(ip_stats.route_lookups, lookups + 3);
	/* and removed: back on tun */
	assert_int_equal(ip_route_del(a("192.0.2.5"), a("255.255.255.255")), 0);
	assert_int_equal(us_sendto(fd, "x", 1, 0, (const struct sockaddr *)&p2, sizeof(p2)), 1);
	expect_sent(tun, "192.0.2.5");
	assert_null(test_dev_pop(tun1));
	assert_int_equal(ip_stats.route_lookups, lookups + 4);
	assert_int_equal(udp_stats.out_datagrams, 7);
	us_close(fd);
	test_dev_flush(tun1);
	test_assert_no_leaks();
}

/* The unbound sender gets an ephemeral port and the route's source address. */
static void test_sendto_autobinds(void **state)
{
	struct sockaddr_in peer = saddr("192.0.2.1", 7), name;
	struct ip_hdr ih;
	struct udp_hdr uh;
	struct pkb *p;
	int fd = us_socket(AF_INET, SOCK_DGRAM, 0);

	(void)state;
	assert_int_equal(us_sendto(fd, "x", 1, 0, (const struct sockaddr *)&peer, sizeof(peer)), 1);
	assert_int_equal(us_getsockname(fd,
					(struct sockaddr *)&name, &(socklen_t){ sizeof(name) }), 0);
	assert_true(ntohs(name.sin_port) >= udp_config.ephemeral_lo);
	p = test_dev_pop(tun);
	assert_non_null(p);
	assert_int_equal(ip_parse(p->data, p->len, &ih), IP_PARSE_OK);
	assert_int_equal(ih.src, a("192.0.2.2"));
	assert_int_equal(udp_parse(p->data + 20, p->len - 20, NA4(ih.src), NA4(ih.dst), &uh), 0);
	assert_int_equal(uh.src_port, ntohs(name.sin_port));
	assert_int_equal(uh.dst_port, 7);
	pkb_free(p);
	us_close(fd);
	test_assert_no_leaks();
}

/* The captured datagram to the closed port 9001 draws the same ICMP message Linux sent. */
static void test_port_unreachable_quotes_datagram(void **state)
{
	uint8_t pkt[256], linux_err[256];
	size_t n = test_pcap_ip(PCAP, CAP_CLOSED_FRAME, pkt, sizeof(pkt));
	size_t en = test_pcap_ip(PCAP, CAP_UNREACH_FRAME, linux_err, sizeof(linux_err));
	struct ip_hdr ih;
	struct pkb *p;
	int fd = udp_socket_bound(9000); /* a socket on another port changes nothing */

	(void)state;
	inject(pkt, n);
	assert_int_equal(udp_stats.no_port, 1);
	p = test_dev_pop(tun);
	assert_non_null(p);
	assert_int_equal(ip_parse(p->data, p->len, &ih), IP_PARSE_OK);
	assert_int_equal(ih.proto, IP_PROTO_ICMP);
	assert_int_equal(ih.src, a("192.0.2.2"));
	assert_int_equal(ih.dst, a("192.0.2.1"));
	/* ICMP type 3 code 3, checksum, and the whole datagram quoted: byte for byte Linux's. */
	assert_int_equal(p->len, en);
	assert_memory_equal(p->data + 20, linux_err + 20, en - 20);
	assert_memory_equal(p->data + 28, pkt, n);
	pkb_free(p);

	/* Not about a broadcast. */
	n = build_udp(pkt, sizeof(pkt), "192.0.2.1", 1000, "192.0.2.255", 9001, "b", 1);
	inject(pkt, n);
	assert_int_equal(udp_stats.no_port_bcast, 1);
	assert_int_equal(udp_stats.no_port, 1);
	assert_null(test_dev_pop(tun));
	us_close(fd);
	test_assert_no_leaks();
}

/* Damaged datagrams through udp_input: each counted under its reason, none delivered. */
static void test_input_drops_counted(void **state)
{
	uint8_t pkt[256], bad[256];
	size_t n;
	int fd = udp_socket_bound(9000);

	(void)state;
	n = build_udp(pkt, sizeof(pkt), "192.0.2.1", 1000, "192.0.2.2", 9000, "data", 4);
	memcpy(bad, pkt, n);
	bad[30] ^= 0x01; /* payload */
	inject(bad, n);
	assert_int_equal(udp_stats.in_bad_cksum, 1);

	memcpy(bad, pkt, n);
	bad[25] = 40; /* UDP length beyond the IP payload */
	inject(bad, n);
	assert_int_equal(udp_stats.in_bad_len, 1);

	/* An IP datagram holding only 4 bytes of UDP header. */
	{
		struct ip_hdr ih = { .version = 4, .ihl = 20, .total_len = 24, .ttl = 64,
				     .proto = IP_PROTO_UDP };
		ih.src = a("192.0.2.1");
		ih.dst = a("192.0.2.2");
		assert_int_equal(ip_emit(&ih, bad, sizeof(bad)), 20);
		memcpy(bad + 20, pkt + 20, 4);
		inject(bad, 24);
		assert_int_equal(udp_stats.in_short, 1);
	}

	/* Zero checksum: accepted, and counted as such. */
	memcpy(bad, pkt, n);
	bad[26] = bad[27] = 0;
	inject(bad, n);
	assert_int_equal(udp_stats.in_no_cksum, 1);
	assert_int_equal(udp_stats.in_datagrams, 1);
	assert_null(test_dev_pop(tun));
	us_close(fd);
	test_assert_no_leaks();
}

/* Turns our datagram (as sent) into the port unreachable its peer would answer with. */
static size_t build_port_unreach(const struct pkb *sent, uint8_t *b, size_t cap)
{
	struct ip_hdr sh, ih = { .version = 4, .ihl = 20, .ttl = 64, .proto = IP_PROTO_ICMP };
	struct icmp_hdr h = { .type = ICMP_DEST_UNREACH, .code = ICMP_PORT_UNREACH };
	size_t q = sent->len;

	assert_int_equal(ip_parse(sent->data, sent->len, &sh), IP_PARSE_OK);
	assert_true(cap >= 28 + q);
	ih.src = sh.dst;
	ih.dst = sh.src;
	ih.total_len = (uint16_t)(28 + q);
	assert_int_equal(ip_emit(&ih, b, cap), 20);
	memcpy(b + 28, sent->data, q);
	assert_int_equal(icmp_emit(&h, b + 20, cap - 20, q), 8);
	return 28 + q;
}

static void test_connected_gets_econnrefused(void **state)
{
	struct sockaddr_in peer = saddr("192.0.2.1", 7777), got;
	uint8_t err[512], buf[16];
	socklen_t len = sizeof(int);
	struct pkb *p;
	size_t n;
	int fd = us_socket(AF_INET, SOCK_DGRAM | US_SOCK_NONBLOCK, 0), v;

	(void)state;
	assert_int_equal(us_connect(fd, (const struct sockaddr *)&peer, sizeof(peer)), 0);
	assert_int_equal(us_getpeername(fd,
					(struct sockaddr *)&got, &(socklen_t){ sizeof(got) }), 0);
	assert_int_equal(ntohs(got.sin_port), 7777);
	assert_int_equal(us_getsockname(fd,
					(struct sockaddr *)&got, &(socklen_t){ sizeof(got) }), 0);
	assert_int_equal(got.sin_addr.s_addr, a("192.0.2.2")); /* fixed by connect */

	assert_int_equal(us_send(fd, "ping", 4, 0), 4);
	p = test_dev_pop(tun);
	assert_non_null(p);
	n = build_port_unreach(p, err, sizeof(err));
	pkb_free(p);
	inject(err, n);
	assert_int_equal(udp_stats.in_icmp_errors, 1);

	/* Reported once, by the next receive. */
	struct us_pollfd pfd = { .fd = fd, .events = US_POLLIN };
	assert_int_equal(us_poll(&pfd, 1, 0), 1);
	assert_true(pfd.revents & US_POLLERR);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), -ECONNREFUSED);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), -EAGAIN);

	/* Again: this time the next send reports it, and SO_ERROR is then clear. */
	inject(err, n);
	assert_int_equal(us_send(fd, "ping", 4, 0), -ECONNREFUSED);
	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	assert_int_equal(v, 0);
	/* Through SO_ERROR, as a positive errno. */
	inject(err, n);
	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	assert_int_equal(v, ECONNREFUSED);
	assert_int_equal(us_send(fd, "ping", 4, 0), 4);
	test_dev_flush(tun);

	/* An unconnected socket is not told. */
	{
		int u = us_socket(AF_INET, SOCK_DGRAM | US_SOCK_NONBLOCK, 0);
		assert_int_equal(us_sendto(u, "x", 1, 0,
					   (const struct sockaddr *)&peer, sizeof(peer)), 1);
		p = test_dev_pop(tun);
		n = build_port_unreach(p, err, sizeof(err));
		pkb_free(p);
		inject(err, n);
		assert_int_equal(udp_stats.in_icmp_ignored, 1);
		assert_int_equal(us_recv(u, buf, sizeof(buf), 0), -EAGAIN);
		us_close(u);
	}
	us_close(fd);
	test_assert_no_leaks();
}

/* A connected socket hears only its peer. */
static void test_connected_filters(void **state)
{
	struct sockaddr_in peer = saddr("192.0.2.1", 5000);
	uint8_t pkt[128], buf[16];
	size_t n;
	int fd = udp_socket_bound(9000);

	(void)state;
	assert_int_equal(us_connect(fd, (const struct sockaddr *)&peer, sizeof(peer)), 0);
	n = build_udp(pkt, sizeof(pkt), "192.0.2.1", 5001, "192.0.2.2", 9000, "no", 2);
	inject(pkt, n);
	assert_int_equal(udp_stats.no_port, 1);
	test_dev_flush(tun); /* its port unreachable */
	n = build_udp(pkt, sizeof(pkt), "192.0.2.1", 5000, "192.0.2.2", 9000, "yes", 3);
	inject(pkt, n);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), MSG_DONTWAIT), 3);
	assert_memory_equal(buf, "yes", 3);
	us_close(fd);
	test_assert_no_leaks();
}

static void test_bind_conflicts(void **state)
{
	struct sockaddr_in any = saddr("0.0.0.0", 9000), mine = saddr("192.0.2.2", 9000);
	struct sockaddr_in other = saddr("10.1.1.1", 9001);
	int on = 1;
	int s1 = us_socket(AF_INET, SOCK_DGRAM, 0), s2 = us_socket(AF_INET, SOCK_DGRAM, 0);
	int s3 = us_socket(AF_INET, SOCK_DGRAM, 0);

	(void)state;
	assert_int_equal(us_bind(s1, (const struct sockaddr *)&any, sizeof(any)), 0);
	/* already bound */
	assert_int_equal(us_bind(s1, (const struct sockaddr *)&any, sizeof(any)), -EINVAL);
	assert_int_equal(us_bind(s2, (const struct sockaddr *)&any, sizeof(any)), -EADDRINUSE);
	/* the wildcard covers it */
	assert_int_equal(us_bind(s2, (const struct sockaddr *)&mine, sizeof(mine)), -EADDRINUSE);
	/* not our address */
	assert_int_equal(us_bind(s2, (const struct sockaddr *)&other, sizeof(other)),
			 -EADDRNOTAVAIL);
	/* SO_REUSEADDR on one side only is not enough. */
	assert_int_equal(us_setsockopt(s2, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)), 0);
	assert_int_equal(us_bind(s2, (const struct sockaddr *)&mine, sizeof(mine)), -EADDRINUSE);
	assert_int_equal(us_setsockopt(s1, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)), 0);
	assert_int_equal(us_bind(s2, (const struct sockaddr *)&mine, sizeof(mine)), 0);
	/* The more specific socket gets the datagram. */
	{
		uint8_t pkt[64], buf[8];
		size_t n = build_udp(pkt, sizeof(pkt), "192.0.2.1", 1, "192.0.2.2", 9000, "s", 1);
		inject(pkt, n);
		assert_int_equal(us_recv(s1, buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
		assert_int_equal(us_recv(s2, buf, sizeof(buf), MSG_DONTWAIT), 1);
	}
	/* Closing frees the port. */
	us_close(s1);
	us_close(s2);
	assert_int_equal(us_bind(s3, (const struct sockaddr *)&any, sizeof(any)), 0);
	us_close(s3);
	test_assert_no_leaks();
}

static void test_nonblocking_eagain(void **state)
{
	uint8_t buf[8];
	int nb = us_socket(AF_INET, SOCK_DGRAM | US_SOCK_NONBLOCK, 0);
	int b = udp_socket_bound(9000);

	(void)state;
	assert_int_equal(us_recv(nb, buf, sizeof(buf), 0), -EAGAIN);
	assert_int_equal(us_recv(b, buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
	assert_int_equal(us_set_nonblock(b, 1), 0);
	assert_int_equal(us_recv(b, buf, sizeof(buf), 0), -EAGAIN);
	assert_int_equal(us_recv(12345, buf, sizeof(buf), 0), -EBADF);
	us_close(nb);
	us_close(b);
	test_assert_no_leaks();
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Real time: the wait is on a condition variable, whatever the fake stack clock says. */
static void test_rcvtimeo(void **state)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = 50000 }, back;
	socklen_t len = sizeof(back);
	struct timespec t0;
	uint8_t buf[8];
	long ms;
	int fd = udp_socket_bound(9000);

	(void)state;
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &back, &len), 0);
	assert_int_equal(back.tv_usec, 50000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), -EAGAIN);
	ms = elapsed_ms(&t0);
	assert_true(ms >= 49);
	assert_true(ms < 1000);
	us_close(fd);
	test_assert_no_leaks();
}

static void test_emsgsize_and_unreachable(void **state)
{
	static uint8_t big[UDP_MAX_PAYLOAD + 1];
	struct sockaddr_in peer = saddr("192.0.2.1", 9), far = saddr("198.51.100.1", 9);
	int fd = us_socket(AF_INET, SOCK_DGRAM, 0);

	(void)state;
	assert_int_equal(us_sendto(fd, big, sizeof(big), 0,
				   (const struct sockaddr *)&peer, sizeof(peer)), -EMSGSIZE);
	/* The largest datagram goes out, in fragments. */
	assert_int_equal(us_sendto(fd, big, UDP_MAX_PAYLOAD, 0,
				   (const struct sockaddr *)&peer, sizeof(peer)), UDP_MAX_PAYLOAD);
	assert_true(test_dev_pending(tun) > 40);
	test_dev_flush(tun);
	assert_int_equal(us_sendto(fd, "x", 1, 0,
				   (const struct sockaddr *)&far, sizeof(far)), -ENETUNREACH);
	assert_int_equal(udp_stats.out_no_route, 1);
	assert_int_equal(us_send(fd, "x", 1, 0), -EDESTADDRREQ);
	assert_int_equal(us_connect(fd, (const struct sockaddr *)&far, sizeof(far)), -ENETUNREACH);
	us_close(fd);
	test_assert_no_leaks();
}

static void test_rcvbuf_overflow(void **state)
{
	uint8_t pkt[128], buf[16];
	int small = 4096;
	size_t n = build_udp(pkt, sizeof(pkt), "192.0.2.1", 1, "192.0.2.2", 9000, "abc", 3);
	int fd = udp_socket_bound(9000), v;
	socklen_t len = sizeof(v);

	(void)state;
	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
	assert_int_equal(v, (int)socket_config.udp_rcvbuf);
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	/* Each queued datagram holds one pooled buffer (PKB_POOL_BUF_SIZE) of the limit. */
	for (int i = 0; i < 3; i++)
		inject(pkt, n);
	assert_int_equal(udp_stats.in_datagrams, 2);
	assert_int_equal(udp_stats.rcvbuf_errors, 1);
	/* Truncation to the buffer (the rest is lost) and MSG_PEEK. */
	assert_int_equal(us_recv(fd, buf, 2, MSG_PEEK | MSG_DONTWAIT), 2);
	assert_int_equal(us_recv(fd, buf, 2, MSG_DONTWAIT | MSG_TRUNC), 3);
	assert_memory_equal(buf, "ab", 2);
	assert_int_equal(us_recv(fd, buf, 1, MSG_DONTWAIT), 1);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
	/* Room again. */
	inject(pkt, n);
	assert_int_equal(udp_stats.in_datagrams, 3);
	us_close(fd); /* frees the queued datagram */
	test_assert_no_leaks();
}

static void test_poll_readiness(void **state)
{
	uint8_t pkt[128], buf[8];
	size_t n = build_udp(pkt, sizeof(pkt), "192.0.2.1", 1, "192.0.2.2", 9000, "p", 1);
	int fd = udp_socket_bound(9000);
	struct us_pollfd pfd[3] = {
		{ .fd = fd, .events = US_POLLIN },
		{ .fd = fd, .events = US_POLLOUT },
		{ .fd = 999, .events = US_POLLIN },
	};
	struct timespec t0;
	long ms;

	(void)state;
	assert_int_equal(us_poll(pfd, 1, 0), 0);
	assert_int_equal(pfd[0].revents, 0);
	/* Nothing arrives: a 30 ms wait times out. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(us_poll(pfd, 1, 30), 0);
	ms = elapsed_ms(&t0);
	assert_true(ms >= 29 && ms < 1000);
	assert_int_equal(us_poll(pfd, 3, 0), 2);
	assert_int_equal(pfd[1].revents, US_POLLOUT);
	assert_int_equal(pfd[2].revents, US_POLLNVAL);
	inject(pkt, n);
	assert_int_equal(us_poll(pfd, 1, -1), 1);
	assert_int_equal(pfd[0].revents, US_POLLIN);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), 1);
	assert_int_equal(us_poll(pfd, 1, 0), 0);
	us_close(fd);
	test_assert_no_leaks();
}

static void test_icmp_echo_socket(void **state)
{
	uint8_t req[12] = { ICMP_ECHO, 0, 0, 0, 0xde, 0xad, 0x00, 0x07, 'p', 'i', 'n', 'g' };
	struct sockaddr_in peer = saddr("192.0.2.1", 0), name, from;
	struct icmp_hdr h;
	struct ip_hdr ih;
	struct pkb *p;
	uint8_t reply[64], buf[64];
	socklen_t len = sizeof(int);
	uint16_t id;
	int ttl = -1;
	int fd = us_socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);

	(void)state;
	assert_true(fd >= 0);
	/* not an echo header */
	assert_int_equal(us_sendto(fd, "xx", 2, 0, (const struct sockaddr *)&peer, sizeof(peer)),
			 -EINVAL);
	assert_int_equal(us_sendto(fd, req, sizeof(req), 0, (const struct sockaddr *)&peer,
				   sizeof(peer)), (ssize_t)sizeof(req));
	assert_int_equal(us_getsockname(fd,
					(struct sockaddr *)&name, &(socklen_t){ sizeof(name) }), 0);
	id = ntohs(name.sin_port);
	assert_true(id != 0);
	p = test_dev_pop(tun);
	assert_non_null(p);
	assert_int_equal(ip_parse(p->data, p->len, &ih), IP_PARSE_OK);
	assert_int_equal(ih.proto, IP_PROTO_ICMP);
	assert_int_equal(ih.dst, a("192.0.2.1"));
	assert_int_equal(icmp_parse(p->data + 20, p->len - 20, &h), 0);
	assert_int_equal(h.type, ICMP_ECHO);
	assert_int_equal(h.rest >> 16, id);      /* the socket's identifier, not 0xdead */
	assert_int_equal(h.rest & 0xffff, 7);
	assert_memory_equal(p->data + 28, "ping", 4);

	/* The peer's reply, with TTL 57, comes back through the socket. */
	memcpy(reply, p->data, p->len);
	pkb_free(p);
	{
		struct ip_hdr rh = { .version = 4, .ihl = 20, .total_len = 32, .id = 1, .ttl = 57,
				     .proto = IP_PROTO_ICMP };
		struct icmp_hdr eh = { .type = ICMP_ECHO_REPLY, .rest = (uint32_t)id << 16 | 7 };
		rh.src = a("192.0.2.1");
		rh.dst = a("192.0.2.2");
		assert_int_equal(ip_emit(&rh, reply, sizeof(reply)), 20);
		memcpy(reply + 28, "ping", 4);
		assert_int_equal(icmp_emit(&eh, reply + 20, sizeof(reply) - 20, 4), 8);
		inject(reply, 32);
		/* Another identifier: nobody's. */
		eh.rest = (uint32_t)(id + 1) << 16 | 7;
		assert_int_equal(icmp_emit(&eh, reply + 20, sizeof(reply) - 20, 4), 8);
		inject(reply, 32);
	}
	assert_int_equal(icmpsock_stats.in_replies, 1);
	assert_int_equal(icmpsock_stats.in_no_socket, 1);
	assert_int_equal(us_recvfrom(fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &(socklen_t){ sizeof(from) }), 12);
	assert_int_equal(buf[0], ICMP_ECHO_REPLY);
	assert_int_equal(buf[4] << 8 | buf[5], id);
	assert_int_equal(buf[6] << 8 | buf[7], 7);
	assert_memory_equal(buf + 8, "ping", 4);
	assert_int_equal(cksum(buf, 12), 0);
	assert_int_equal(from.sin_addr.s_addr, a("192.0.2.1"));
	assert_int_equal(us_getsockopt(fd, IPPROTO_IP, ICMP_SOCK_LAST_TTL, &ttl, &len), 0);
	assert_int_equal(ttl, 57);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
	us_close(fd);
	test_assert_no_leaks();
}

/* An echo socket bound to a device connects as UDP does: to a destination the routing
 * table does not know, taken as on the device's link, from the device's address; the
 * request leaves through it. (connect asked the routing table alone: -ENETUNREACH, though
 * sendto to the same address went out.) */
static void test_icmp_socket_bound_connect(void **state)
{
	uint8_t req[8] = { ICMP_ECHO, 0, 0, 0, 0, 0, 0x00, 0x01 };
	struct net_device *tun1 = test_dev_create("tun1", NET_DEV_IP, 1500);
	struct sockaddr_in peer = saddr("203.0.113.9", 0);
	struct ip_hdr ih;
	struct pkb *p;
	int fd = us_socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(ip_iface_add(tun1, a("198.51.100.2"), a("255.255.255.0"), 0), 0);
	assert_int_equal(us_connect(fd, (const struct sockaddr *)&peer, sizeof(peer)),
			 -ENETUNREACH); /* unbound: no route */
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "tun1", 4), 0);
	assert_int_equal(us_connect(fd, (const struct sockaddr *)&peer, sizeof(peer)), 0);
	assert_int_equal(us_send(fd, req, sizeof(req), 0), (ssize_t)sizeof(req));
	assert_null(test_dev_pop(tun));
	p = test_dev_pop(tun1);
	assert_non_null(p);
	assert_int_equal(ip_parse(p->data, p->len, &ih), IP_PARSE_OK);
	assert_int_equal(ih.src, a("198.51.100.2"));
	assert_int_equal(ih.dst, a("203.0.113.9"));
	pkb_free(p);
	us_close(fd);
	test_assert_no_leaks();
}

/* An echo socket bound to one of our addresses with identifier 0 keeps the address and
 * gets an identifier (the address was lost when the identifier was picked first); an
 * address that is not ours, or a second bind, is refused. */
static void test_icmp_socket_bind_address(void **state)
{
	struct sockaddr_in mine = saddr("192.0.2.2", 0), other = saddr("192.0.2.9", 0), name;
	int fd = us_socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(us_bind(fd, (const struct sockaddr *)&other, sizeof(other)),
			 -EADDRNOTAVAIL);
	assert_int_equal(us_bind(fd, (const struct sockaddr *)&mine, sizeof(mine)), 0);
	assert_int_equal(us_getsockname(fd,
					(struct sockaddr *)&name, &(socklen_t){ sizeof(name) }), 0);
	assert_int_equal(name.sin_addr.s_addr, a("192.0.2.2"));
	assert_true(name.sin_port != 0);
	assert_int_equal(us_bind(fd, (const struct sockaddr *)&mine, sizeof(mine)), -EINVAL);
	us_close(fd);
	test_assert_no_leaks();
}

/* Closing sockets with queued data frees every buffer; descriptors are reused; the limit
 * on descriptors holds. */
static void test_close_frees_everything(void **state)
{
	uint8_t pkt[128];
	int fds[8], saved = socket_config.max_sockets, fd, i;

	(void)state;
	for (i = 0; i < 8; i++)
		fds[i] = udp_socket_bound((uint16_t)(9000 + i));
	for (i = 0; i < 8; i++) {
		size_t n = build_udp(pkt, sizeof(pkt), "192.0.2.1", 1, "192.0.2.2",
				     (uint16_t)(9000 + i), "q", 1);
		inject(pkt, n);
	}
	assert_int_equal(pkb_outstanding(), 8);
	for (i = 0; i < 8; i++)
		assert_int_equal(us_close(fds[i]), 0);
	assert_int_equal(us_close(fds[0]), -EBADF);
	assert_int_equal(pkb_outstanding(), 0);

	socket_config.max_sockets = 20;
	for (i = 0; i < 20; i++)
		assert_true(us_socket(AF_INET, SOCK_DGRAM, 0) >= 0);
	assert_int_equal(us_socket(AF_INET, SOCK_DGRAM, 0), -EMFILE);
	assert_int_equal(us_close(5), 0);
	fd = us_socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(fd, 5); /* the lowest free descriptor */
	socket_config.max_sockets = saved;
	sock_close_all();
	test_assert_no_leaks();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_capture),
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_emit_zero_cksum_as_ffff),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_captured_datagram_reaches_socket),
		T(test_sendto_emits_exact_bytes),
		T(test_sendto_autobinds),
		T(test_sendto_route_cached),
		T(test_port_unreachable_quotes_datagram),
		T(test_input_drops_counted),
		T(test_connected_gets_econnrefused),
		T(test_connected_filters),
		T(test_bind_conflicts),
		T(test_nonblocking_eagain),
		T(test_rcvtimeo),
		T(test_emsgsize_and_unreachable),
		T(test_rcvbuf_overflow),
		T(test_poll_readiness),
		T(test_icmp_echo_socket),
		T(test_icmp_socket_bound_connect),
		T(test_icmp_socket_bind_address),
		T(test_close_frees_everything),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
