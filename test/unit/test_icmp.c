/* SPDX-License-Identifier: MIT */
/* ICMP: echo replies byte for byte against Linux's (small and fragmented), protocol and
 * port unreachable against the captured error, the rules of RFC 1122 3.2.2 for when no
 * error may be sent, the rate limit, and received errors handed to the quoted protocol. */
#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "ether/ether.h"
#include "ip/icmp.h"
#include "ip/ip.h"
#include "net/cksum.h"
#include "net/loop.h"

#define PCAP "test/data/linux-session.pcap"
#define T0 1000000ull

static struct net_device *tun;
static struct icmp_config_s saved_icmp;

#define A(s) test_addr(s)

static void inject(const uint8_t *b, size_t len)
{
	net_device_input(tun, pkb_from_bytes(b, len), T0);
}

static void inject_frame(int index)
{
	uint8_t b[2048];

	inject(b, test_pcap_ip(PCAP, index, b, sizeof(b)));
}

static void fix_icmp_cksum(uint8_t *b, size_t len)
{
	uint16_t c;

	b[2] = b[3] = 0;
	c = cksum(b, len);
	b[2] = (uint8_t)(c >> 8);
	b[3] = (uint8_t)c;
}

/* Linux's packet with our IP ID (a counter of our own, not Linux's) and its checksum:
 * every other byte must be what Linux sent. */
static void assert_like_linux(struct pkb *p, int frame)
{
	uint8_t want[2048];
	size_t n = test_pcap_ip(PCAP, frame, want, sizeof(want));

	assert_non_null(p);
	want[4] = p->data[4];
	want[5] = p->data[5];
	test_ip_fix_cksum(want);
	if (p->len != n || memcmp(p->data, want, n)) {
		test_hexdump("sent", p->data, p->len);
		test_hexdump("expected", want, n);
		fail_msg("frame %d: differs", frame);
	}
}

static int setup(void **state)
{
	(void)state;
	saved_icmp = icmp_config;
	tun = test_ip_setup(1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	icmp_config = saved_icmp;
	test_ip_teardown();
	return 0;
}

static void done(void)
{
	ip_reass_flush();
	assert_int_equal(test_dev_pending(tun), 0);
	test_assert_no_leaks();
}

/* ---- echo ---- */

static void test_echo_reply_exact(void **state)
{
	struct pkb *p;

	(void)state;
	inject_frame(2);
	assert_int_equal(icmp_stats.in_echo, 1);
	assert_int_equal(icmp_stats.out_echo_reply, 1);
	p = test_dev_pop(tun);
	assert_like_linux(p, 3);
	pkb_free(p);
	inject_frame(4);
	p = test_dev_pop(tun);
	assert_like_linux(p, 5);
	pkb_free(p);
	done();
}

static void test_echo_reply_fragmented(void **state)
{
	struct pkb *p[3];

	(void)state;
	/* The 3000-byte ping: reassembled, answered, fragmented as Linux did. */
	inject_frame(6);
	inject_frame(7);
	inject_frame(8);
	assert_int_equal(test_dev_pending(tun), 3);
	for (int i = 0; i < 3; i++)
		p[i] = test_dev_pop(tun);
	for (int i = 0; i < 3; i++) {
		assert_like_linux(p[i], 9 + i);
		pkb_free(p[i]);
	}
	done();
}

static void test_echo_broadcast_ignored(void **state)
{
	uint8_t b[2048];
	size_t n = test_pcap_ip(PCAP, 2, b, sizeof(b));

	(void)state;
	memcpy(b + 16, "\xc0\x00\x02\xff", 4);
	test_ip_fix_cksum(b);
	inject(b, n);
	assert_int_equal(icmp_stats.in_echo, 1);
	assert_int_equal(icmp_stats.out_echo_reply, 0);
	assert_int_equal(icmp_stats.out_suppressed, 1);
	done();
}

static struct {
	int calls;
	uint32_t src;
	uint16_t id, seq;
	uint8_t data[64];
	size_t len;
	uint8_t ttl;
} echo;

static void echo_reply_hook(uint32_t src, uint16_t id, uint16_t seq, const uint8_t *data,
			    size_t len, uint8_t ttl, uint64_t now)
{
	(void)now;
	echo.calls++;
	echo.src = src;
	echo.id = id;
	echo.seq = seq;
	echo.len = len;
	memcpy(echo.data, data, len < 64 ? len : 64);
	echo.ttl = ttl;
}

static void test_echo_output_and_reply_hook(void **state)
{
	uint8_t req[2048], rep[2048];
	struct pkb *p;
	struct ip_hdr h;

	(void)state;
	memset(&echo, 0, sizeof(echo));
	test_pcap_ip(PCAP, 2, req, sizeof(req));
	assert_int_equal(icmp_echo_output(A("192.0.2.1"), 12291, 1, req + 28, 56, NULL, T0), 0);
	p = test_dev_pop(tun);
	assert_non_null(p);
	assert_int_equal(ip_parse(p->data, p->len, &h), IP_PARSE_OK);
	assert_int_equal(h.proto, IP_PROTO_ICMP);
	assert_int_equal(h.src, A("192.0.2.2"));
	assert_int_equal(h.dst, A("192.0.2.1"));
	assert_int_equal(h.total_len, 84);
	/* The ICMP message is exactly what Linux's ping sent, checksum included. */
	assert_memory_equal(p->data + 20, req + 20, 64);
	pkb_free(p);
	assert_int_equal(icmp_stats.out_echo, 1);

	/* Now play 192.0.2.1, the capture's pinger, to take Linux's reply (from 192.0.2.2,
	 * now also ours: a martian source unless accept_local). */
	assert_int_equal(ip_iface_add(tun, A("192.0.2.1"), A("255.255.255.0"), 0), 0);
	ip_config.accept_local = 1;
	icmp_set_echo_reply_handler(echo_reply_hook);
	test_pcap_ip(PCAP, 3, rep, sizeof(rep));
	inject_frame(3);
	assert_int_equal(echo.calls, 1);
	assert_int_equal(echo.src, A("192.0.2.2"));
	assert_int_equal(echo.id, 12291);
	assert_int_equal(echo.seq, 1);
	assert_int_equal(echo.len, 56);
	assert_int_equal(echo.ttl, 64);
	assert_memory_equal(echo.data, rep + 28, 56);
	assert_int_equal(icmp_stats.in_echo_reply, 1);
	done();
}

/* What the echo error handler was given. */
static struct {
	int calls;
	uint32_t from;
	uint16_t id, seq;
	uint8_t type, code;
	size_t len;
} echo_err;

static void echo_error_hook(uint32_t from, const uint8_t *msg, size_t len, uint16_t id,
			    uint16_t seq, uint64_t now)
{
	(void)now;
	echo_err.calls++;
	echo_err.from = from;
	echo_err.id = id;
	echo_err.seq = seq;
	echo_err.type = msg[0];
	echo_err.code = msg[1];
	echo_err.len = len;
}

/* An error quoting one of our echo requests goes to the echo error handler (ping's
 * "From 192.0.2.1 icmp_seq=3 Destination Host Unreachable") with the sender, the request's
 * identifier and sequence, and the whole message; an error quoting anything else does
 * not. */
static void test_echo_error_hook(void **state)
{
	uint8_t req[128], b[128];
	struct pkb *p;

	(void)state;
	memset(&echo_err, 0, sizeof(echo_err));
	icmp_set_echo_error_handler(echo_error_hook);
	assert_int_equal(icmp_echo_output(A("192.0.2.1"), 7, 3, (const uint8_t *)"abcdefgh", 8,
					  NULL, T0), 0);
	p = test_dev_pop(tun);
	assert_non_null(p);
	assert_int_equal(p->len, 36);
	memcpy(req, p->data, p->len);
	pkb_free(p);
	/* The router 192.0.2.1 answers with host unreachable, quoting 28 bytes. */
	memcpy(b, req, 20);
	memcpy(b + 12, req + 16, 4); /* from the request's destination */
	memcpy(b + 16, req + 12, 4); /* to its source, us */
	b[2] = 0;
	b[3] = 20 + 8 + 28;
	memset(b + 20, 0, 8);
	b[20] = ICMP_DEST_UNREACH;
	b[21] = ICMP_HOST_UNREACH;
	memcpy(b + 28, req, 28);
	test_ip_fix_cksum(b);
	fix_icmp_cksum(b + 20, 36);
	inject(b, 56);
	assert_int_equal(echo_err.calls, 1);
	assert_int_equal(echo_err.from, A("192.0.2.1"));
	assert_int_equal(echo_err.id, 7);
	assert_int_equal(echo_err.seq, 3);
	assert_int_equal(echo_err.type, ICMP_DEST_UNREACH);
	assert_int_equal(echo_err.code, ICMP_HOST_UNREACH);
	assert_int_equal(echo_err.len, 36);
	/* The same error quoting an echo reply (type 0) is not about a request of ours. */
	b[28 + 20] = ICMP_ECHO_REPLY;
	fix_icmp_cksum(b + 20, 36);
	inject(b, 56);
	/* Nor is a port unreachable quoting UDP (the capture's). */
	assert_int_equal(ip_iface_add(tun, A("192.0.2.1"), A("255.255.255.0"), 0), 0);
	ip_config.accept_local = 1;
	inject_frame(14);
	assert_int_equal(echo_err.calls, 1);
	assert_int_equal(icmp_stats.in_dest_unreach, 3);
	icmp_set_echo_error_handler(NULL);
	done();
}

/* ---- errors we send ---- */

static void test_protocol_unreachable(void **state)
{
	uint8_t b[2048];
	size_t n = test_pcap_ip(PCAP, 12, b, sizeof(b));
	struct icmp_hdr ic;
	struct ip_hdr h;
	struct pkb *p;

	(void)state;
	/* Nobody registered UDP. */
	inject(b, n);
	assert_int_equal(ip_stats.in_unknown_proto, 1);
	assert_int_equal(icmp_stats.out_dest_unreach, 1);
	p = test_dev_pop(tun);
	assert_non_null(p);
	assert_int_equal(ip_parse(p->data, p->len, &h), IP_PARSE_OK);
	assert_int_equal(h.src, A("192.0.2.2"));
	assert_int_equal(h.dst, A("192.0.2.1"));
	assert_int_equal(h.tos, 0xc0);
	assert_int_equal(icmp_parse(p->data + 20, p->len - 20, &ic), 0);
	assert_int_equal(ic.type, ICMP_DEST_UNREACH);
	assert_int_equal(ic.code, ICMP_PROTO_UNREACH);
	assert_int_equal(ic.rest, 0);
	/* The whole 38-byte datagram is quoted (it fits in 576). */
	assert_int_equal(p->len, 20 + 8 + n);
	assert_memory_equal(p->data + 28, b, n);
	pkb_free(p);

	/* Not to a broadcast. */
	memcpy(b + 16, "\xff\xff\xff\xff", 4);
	test_ip_fix_cksum(b);
	inject(b, n);
	assert_int_equal(ip_stats.in_unknown_proto, 2);
	assert_int_equal(icmp_stats.out_dest_unreach, 1);
	done();
}

static void test_port_unreachable_like_linux(void **state)
{
	uint8_t b[2048];
	size_t n = test_pcap_ip(PCAP, 13, b, sizeof(b));
	struct pkb *orig = pkb_from_bytes(b, n), *p;

	(void)state;
	/* What UDP does for a closed port; the error must be Linux's, byte for byte. */
	icmp_send_error(ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0, orig, T0);
	pkb_free(orig); /* icmp_send_error does not take it */
	p = test_dev_pop(tun);
	assert_like_linux(p, 14);
	pkb_free(p);
	done();
}

static void test_error_rules(void **state)
{
	static const struct {
		const char *what;
		int frame;
		int off_src, off_dst;  /* rewrite src/dst when >= 0 */
		const char *addr;
		int sent;
	} cases[] = {
		{ "about an echo request", 2, -1, -1, NULL, 1 },
		{ "about an ICMP error", 14, -1, -1, NULL, 0 },
		{ "non-first fragment", 7, -1, -1, NULL, 0 },
		{ "first fragment", 6, -1, -1, NULL, 1 },
		{ "to a subnet broadcast", 12, -1, 16, "\xc0\x00\x02\xff", 0 },
		{ "to the limited broadcast", 12, -1, 16, "\xff\xff\xff\xff", 0 },
		{ "to multicast", 12, -1, 16, "\xe0\x00\x00\x05", 0 },
		{ "from broadcast", 12, 12, -1, "\xff\xff\xff\xff", 0 },
		{ "from multicast", 12, 12, -1, "\xe0\x00\x00\x05", 0 },
		{ "from 0.0.0.0", 12, 12, -1, "\x00\x00\x00\x00", 0 },
		{ "from class E", 12, 12, -1, "\xf0\x00\x00\x01", 0 },
		{ "from loopback", 12, 12, -1, "\x7f\x00\x00\x01", 0 },
		{ "plain UDP", 12, -1, -1, NULL, 1 },
	};

	(void)state;
	icmp_config.error_rate_per_s = 0; /* no limit here */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t b[2048];
		size_t n = test_pcap_ip(PCAP, cases[i].frame, b, sizeof(b));
		struct pkb *orig;

		if (cases[i].off_src >= 0)
			memcpy(b + cases[i].off_src, cases[i].addr, 4);
		if (cases[i].off_dst >= 0)
			memcpy(b + cases[i].off_dst, cases[i].addr, 4);
		test_ip_fix_cksum(b);
		orig = pkb_from_bytes(b, n);
		stats_reset();
		icmp_send_error(ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0, orig, T0);
		pkb_free(orig);
		if ((int)test_dev_pending(tun) != cases[i].sent)
			fail_msg("%s: %s", cases[i].what, cases[i].sent ? "not sent" : "sent");
		assert_int_equal(icmp_stats.out_suppressed, !cases[i].sent);
		test_dev_flush(tun);
	}
	done();
}

static void test_error_quote_capped_at_576(void **state)
{
	uint8_t b[2048];
	size_t n = test_pcap_ip(PCAP, 6, b, sizeof(b)); /* 1500 bytes */
	struct pkb *orig = pkb_from_bytes(b, n), *p;

	(void)state;
	icmp_send_error(ICMP_DEST_UNREACH, ICMP_PROTO_UNREACH, 0, orig, T0);
	pkb_free(orig);
	p = test_dev_pop(tun);
	assert_non_null(p);
	assert_int_equal(p->len, 576);
	assert_memory_equal(p->data + 28, b, 576 - 28);
	pkb_free(p);
	done();
}

static void test_rate_limit(void **state)
{
	uint8_t b[2048];
	size_t n = test_pcap_ip(PCAP, 13, b, sizeof(b));
	struct pkb *orig = pkb_from_bytes(b, n);

	(void)state;
	icmp_config.error_rate_per_s = 2;
	icmp_config.error_burst = 3;
	for (int i = 0; i < 5; i++)
		icmp_send_error(ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0, orig, T0);
	assert_int_equal(test_dev_pending(tun), 3);
	assert_int_equal(icmp_stats.out_rate_limited, 2);
	/* Half a second at 2/s brings one token back, not two. */
	icmp_send_error(ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0, orig, T0 + 499);
	assert_int_equal(test_dev_pending(tun), 3);
	icmp_send_error(ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0, orig, T0 + 500);
	icmp_send_error(ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0, orig, T0 + 500);
	assert_int_equal(test_dev_pending(tun), 4);
	assert_int_equal(icmp_stats.out_rate_limited, 4);
	/* A long pause refills only up to the burst. */
	for (int i = 0; i < 5; i++)
		icmp_send_error(ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0, orig, T0 + 100000);
	assert_int_equal(test_dev_pending(tun), 7);
	pkb_free(orig);
	test_dev_flush(tun);
	done();
}

/* Linux's defaults and levels (net/ipv4/icmp.c): 1000 errors a second in all with a burst
 * of 50, and per destination one a second with a burst of 6; fragmentation needed is
 * never limited. */
static void send_from(uint8_t *b, size_t n, uint32_t src, uint8_t type, uint8_t code,
		      uint64_t when)
{
	struct pkb *orig;

	memcpy(b + 12, &src, 4);
	test_ip_fix_cksum(b);
	orig = pkb_from_bytes(b, n);
	icmp_send_error(type, code, type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED ?
			1400 : 0, orig, when);
	pkb_free(orig);
}

static void test_rate_limit_linux_defaults(void **state)
{
	uint8_t b[2048];
	size_t n = test_pcap_ip(PCAP, 13, b, sizeof(b));
	uint32_t a = A("192.0.2.1"), other = A("192.0.2.77");

	(void)state;
	assert_int_equal(icmp_config.error_rate_per_s, 1000);
	assert_int_equal(icmp_config.error_burst, 50);
	assert_int_equal(icmp_config.dest_interval_ms, 1000);
	assert_int_equal(icmp_config.dest_burst, 6);
	for (int i = 0; i < 10; i++)
		send_from(b, n, a, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, T0);
	assert_int_equal(test_dev_pending(tun), 6);
	assert_int_equal(icmp_stats.out_rate_limited_dest, 4);
	send_from(b, n, a, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, T0 + 999);
	assert_int_equal(test_dev_pending(tun), 6);
	send_from(b, n, a, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, T0 + 1000);
	send_from(b, n, a, ICMP_TIME_EXCEEDED, 0, T0 + 1000);
	assert_int_equal(test_dev_pending(tun), 7);
	/* another destination has its own burst */
	for (int i = 0; i < 8; i++)
		send_from(b, n, other, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, T0 + 1000);
	assert_int_equal(test_dev_pending(tun), 13);
	/* path MTU discovery is never held back */
	for (int i = 0; i < 20; i++)
		send_from(b, n, a, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, T0 + 1000);
	assert_int_equal(test_dev_pending(tun), 33);
	assert_int_equal(icmp_stats.out_rate_limited, 0);
	test_dev_flush(tun);
	/* 60 destinations at once: the global burst of 50 */
	for (uint32_t i = 0; i < 60; i++)
		send_from(b, n, htonl(ntohl(A("192.0.2.100")) + i), ICMP_DEST_UNREACH,
			  ICMP_PORT_UNREACH, T0 + 5000);
	assert_int_equal(test_dev_pending(tun), 50);
	assert_int_equal(icmp_stats.out_rate_limited, 10);
	test_dev_flush(tun);
	done();
}

/* ---- errors we receive ---- */

static struct {
	int calls;
	uint8_t type, code;
	uint32_t info;
	struct ip_hdr ih;
	uint8_t payload[16];
	size_t len;
} err;

static void udp_err_handler(uint8_t type, uint8_t code, uint32_t info, const struct ip_hdr *ih,
			    const uint8_t *payload, size_t len, uint64_t now)
{
	(void)now;
	err.calls++;
	err.type = type;
	err.code = code;
	err.info = info;
	err.ih = *ih;
	memcpy(err.payload, payload, len < 16 ? len : 16);
	err.len = len;
}

static void drop_handler(struct pkb *p, const struct ip_hdr *ih, struct net_iface *ifc,
			 uint64_t now)
{
	(void)ih;
	(void)ifc;
	(void)now;
	pkb_free(p);
}

static void test_error_dispatch(void **state)
{
	uint8_t b[2048], q[2048];
	size_t n;

	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(ip_protocol_register("UDP", IP_PROTO_UDP, drop_handler, udp_err_handler), 0);
	/* The captured port unreachable is addressed to 192.0.2.1: be that host too (and take
	 * 192.0.2.2, ours, as a source: accept_local). */
	assert_int_equal(ip_iface_add(tun, A("192.0.2.1"), A("255.255.255.0"), 0), 0);
	ip_config.accept_local = 1;
	inject_frame(14);
	assert_int_equal(icmp_stats.in_dest_unreach, 1);
	assert_int_equal(icmp_stats.in_errors_delivered, 1);
	assert_int_equal(err.calls, 1);
	assert_int_equal(err.type, ICMP_DEST_UNREACH);
	assert_int_equal(err.code, ICMP_PORT_UNREACH);
	assert_int_equal(err.ih.proto, IP_PROTO_UDP);
	assert_int_equal(err.ih.src, A("192.0.2.1"));
	assert_int_equal(err.ih.dst, A("192.0.2.2"));
	assert_int_equal(err.len, 10);
	test_pcap_ip(PCAP, 13, q, sizeof(q));
	assert_memory_equal(err.payload, q + 20, 10); /* ports 41610 -> 9001 and the data */

	/* A quote cut to the IP header plus 4 bytes: not enough for the ports. */
	n = test_pcap_ip(PCAP, 14, b, sizeof(b));
	n = 20 + 8 + 20 + 4;
	b[3] = (uint8_t)n;
	test_ip_fix_cksum(b);
	fix_icmp_cksum(b + 20, n - 20);
	inject(b, n);
	assert_int_equal(icmp_stats.in_bad_quote, 1);
	/* A quote that is not IPv4. */
	n = test_pcap_ip(PCAP, 14, b, sizeof(b));
	b[28] = 0x65;
	fix_icmp_cksum(b + 20, n - 20);
	inject(b, n);
	assert_int_equal(icmp_stats.in_bad_quote, 2);
	/* The quoted header's checksum is not ours to check (routers rewrite TTLs). */
	n = test_pcap_ip(PCAP, 14, b, sizeof(b));
	b[28 + 10] ^= 0xff;
	fix_icmp_cksum(b + 20, n - 20);
	inject(b, n);
	assert_int_equal(err.calls, 2);
	/* Time exceeded goes the same way. */
	n = test_pcap_ip(PCAP, 14, b, sizeof(b));
	b[20] = ICMP_TIME_EXCEEDED;
	b[21] = 0;
	fix_icmp_cksum(b + 20, n - 20);
	inject(b, n);
	assert_int_equal(err.calls, 3);
	assert_int_equal(err.type, ICMP_TIME_EXCEEDED);
	assert_int_equal(icmp_stats.in_time_exceeded, 1);
	assert_int_equal(test_dev_pending(tun), 0); /* no error about an error */
	done();
}

static void test_bad_icmp(void **state)
{
	uint8_t b[2048];
	size_t n = test_pcap_ip(PCAP, 2, b, sizeof(b));

	(void)state;
	b[20 + 30] ^= 0x55; /* payload damaged, checksum no longer matches */
	inject(b, n);
	assert_int_equal(icmp_stats.in_cksum, 1);
	/* 4 bytes of ICMP. */
	n = test_pcap_ip(PCAP, 2, b, sizeof(b));
	b[3] = 24;
	test_ip_fix_cksum(b);
	inject(b, 24);
	assert_int_equal(icmp_stats.in_short, 1);
	/* An unknown type is counted and dropped. */
	n = test_pcap_ip(PCAP, 2, b, sizeof(b));
	b[20] = 42;
	fix_icmp_cksum(b + 20, n - 20);
	inject(b, n);
	assert_int_equal(icmp_stats.in_other, 1);
	assert_int_equal(icmp_stats.out_echo_reply, 0);
	done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_echo_reply_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_echo_reply_fragmented, setup, teardown),
		cmocka_unit_test_setup_teardown(test_echo_broadcast_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_echo_output_and_reply_hook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_echo_error_hook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protocol_unreachable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_unreachable_like_linux, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_quote_capped_at_576, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit_linux_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_dispatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_icmp, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
