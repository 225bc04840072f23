/* SPDX-License-Identifier: MIT */
/* What --trace and --pcap write: the TCP option decoder (well-formed and malformed options,
 * never a byte read past the header), trace timestamps (absolute local time and relative,
 * with a fake clock), trace filters (pcap-filter expressions compiled with libpcap), and the
 * files: pcap with nanosecond timestamps, and pcapng with an interface block per device,
 * read back block by block. */
#include "test/unit/testlib.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dns/dns_wire.h"
#include "lib/trace.h"
#include "net/capture.h"
#include "net/loop.h"
#include "net/wrap.h"

#define SESSION "test/data/linux-session.pcap"
#define T0 1000

static size_t rx_count;

static void rx_handler(struct pkb *p, struct net_device *dev, uint64_t now)
{
	(void)dev;
	(void)now;
	rx_count++;
	pkb_free(p);
}

static int setup(void **state)
{
	(void)state;
	net_clock_set_fake(1, T0);
	stats_reset();
	net_protocol_reset();
	net_link_register(NET_DEV_ETHER, rx_handler);
	net_link_register(NET_DEV_IP, rx_handler);
	rx_count = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	net_device_unregister_all();
	net_protocol_reset();
	net_clock_set_fake(0, 0);
	return 0;
}

/* ---- TCP options ---- */

/* Decodes the options from a heap copy of exactly len bytes, so a read past them is an
 * out-of-bounds read that `make san` reports. */
static void decode(const uint8_t *o, size_t len, char *out, size_t size)
{
	uint8_t *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, o, len);
	trace_tcp_options(copy, len, out, size);
	free(copy);
}

static void test_tcp_options(void **state)
{
	static const struct {
		const char *what;
		uint8_t b[40];
		size_t len;
		const char *want;
	} cases[] = {
		{ "Linux SYN", { 2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7 }, 20,
		  "options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7]" },
		{ "ACK with timestamps", { 1, 1, 8, 10, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0x30, 0x39 },
		  12, "options [nop,nop,TS val 3735928559 ecr 12345]" },
		{ "two SACK blocks", { 1, 1, 5, 18, 0, 0, 0x03, 0xe9, 0, 0, 0x07, 0xd1, 0, 0, 0x0b,
				       0xb9, 0, 0, 0x0f, 0xa1 }, 20,
		  "options [nop,nop,sack 2 {1001:2001}{3001:4001}]" },
		{ "four SACK blocks, wrapping", { 1, 1, 5, 34, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 0x10,
						  0, 0, 0, 0x20, 0, 0, 0, 0x30, 0, 0, 0, 0x40, 0,
						  0, 0, 0x50, 0, 0, 0, 0x60, 0, 0, 0, 0x70 }, 36,
		  "options [nop,nop,sack 4 {4294967280:16}{32:48}{64:80}{96:112}]" },
		{ "eol ends the list", { 2, 4, 0x05, 0xb4, 0, 0xff, 0xff, 0xff }, 8,
		  "options [mss 1460,eol]" },
		{ "unknown kinds", { 30, 4, 0, 0, 34, 2, 1, 1 }, 8,
		  "options [30:4,34:2,nop,nop]" },
		{ "length 0", { 2, 0, 5, 0xb4 }, 4, "options [[bad opt 2: len 0]]" },
		{ "length 1", { 1, 8, 1, 0, 0, 0 }, 6, "options [nop,[bad opt 8: len 1]]" },
		{ "past the header", { 1, 1, 8, 10, 0, 0, 0, 1 }, 8,
		  "options [nop,nop,[bad opt 8: len 10 > 6 left]]" },
		{ "no length byte", { 1, 1, 1, 3 }, 4, "options [nop,nop,nop,[bad opt 3: no length]]" },
		{ "SACK length past the header", { 5, 18, 0, 0, 0, 1 }, 6,
		  "options [[bad opt 5: len 18 > 6 left]]" },
		{ "wrong lengths, in bounds", { 2, 6, 0, 0, 0, 0, 3, 4, 0, 0, 4, 3, 0, 5, 11, 0, 0,
						0, 0, 0, 0, 0, 0, 0, 8, 6, 0, 0, 0, 0, 2, 4, 1, 0 },
		  34,
		  "options [[bad mss len 6],[bad wscale len 4],[bad sackOK len 3],[bad sack len 11],"
		  "[bad TS len 6],mss 256]" },
		{ "empty SACK", { 5, 2, 1, 1 }, 4, "options [[bad sack len 2],nop,nop]" },
		{ "nothing", { 0 }, 0, "options []" },
	};
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		decode(cases[i].b, cases[i].len, out, sizeof(out));
		if (strcmp(out, cases[i].want))
			fail_msg("%s\n  got:  %s\n  want: %s", cases[i].what, out, cases[i].want);
	}
	/* Every prefix of a full option area decodes within its bytes, and a short output
	 * buffer truncates without overflowing. */
	for (size_t len = 0; len <= 36; len++) {
		decode(cases[3].b, len, out, sizeof(out));
		assert_true(strlen(out) < sizeof(out));
		decode(cases[3].b, len, out, 12);
		assert_true(strlen(out) <= 11);
	}
	/* Random bytes: whatever they say, the decoder stays inside them. */
	srand(7);
	for (int r = 0; r < 2000; r++) {
		uint8_t b[40];
		size_t len = (size_t)(rand() % 41);

		for (size_t i = 0; i < len; i++)
			b[i] = (uint8_t)(rand() % 4 ? rand() % 12 : rand());
		decode(b, len, out, sizeof(out));
		assert_true(strncmp(out, "options [", 9) == 0);
	}
	test_assert_no_leaks();
}

/* A whole SYN as the trace line shows it (through trace_format), and a header whose data
 * offset claims options the segment does not have. */
static void test_tcp_line(void **state)
{
	struct net_device *eth = test_dev_create("cap0", NET_DEV_ETHER, 1500);
	uint8_t buf[2048];
	char line[320];
	long n;

	(void)state;
	n = test_pcap_frame(SESSION, 15, buf, sizeof(buf));
	assert_true(n > 0);
	trace_format(eth, buf, (size_t)n, line, sizeof(line));
	assert_string_equal(line, "IP 192.0.2.1.50230 > 192.0.2.2.8080: TCP [S] seq 3430278639 "
				  "win 65535 len 0 options [mss 1460,sackOK,TS val 3560604857 "
				  "ecr 0,nop,wscale 8]");
	/* A data offset of 60 bytes in a 40-byte segment: said, and nothing read past it. */
	buf[14 + 20 + 12] = 0xf0;
	trace_format(eth, buf, (size_t)n, line, sizeof(line));
	assert_non_null(strstr(line, "win 65535 [bad data offset 60]"));
	test_assert_no_leaks();
}

/* ---- IPv6 in --trace ---- */

/* Linux's NS, NA and echo (linux-ipv6-nd.pcap) and DAD probe (linux-ipv6-dad.pcap), an
 * NS with hop limit 64, a broken checksum, extension headers, a header cut short, UDP
 * over IPv6 on a TUN. */
static void test_ipv6_lines(void **state)
{
	static const char *const want[] = {
		"IP6 2001:db8::a > ff02::1:ff00:b: ICMPv6 neighbor solicitation who has "
		"2001:db8::b from 02:00:00:00:00:0a",
		"IP6 2001:db8::b > 2001:db8::a: ICMPv6 neighbor advertisement 2001:db8::b is "
		"02:00:00:00:00:0b [SO]",
		"IP6 2001:db8::a > 2001:db8::b: ICMPv6 echo request id 5464 seq 1 len 16",
		"IP6 2001:db8::b > 2001:db8::a: ICMPv6 echo reply id 5464 seq 1 len 16",
	};
	static const uint8_t udp6[] = {
		0x60, 0, 0, 0, 0, 28, 60, 64, 0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		1, 0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
		17, 1, 1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* dstopts, 16 bytes */
		0x13, 0x88, 0, 7, 0, 12, 0, 0, 'a', 'b', 'c', 'd',
	};
	struct net_device *eth = test_dev_create("cap0", NET_DEV_ETHER, 1500);
	struct net_device *tun = test_dev_create("tun0", NET_DEV_IP, 1500);
	uint8_t buf[256];
	char line[320];
	long n;

	(void)state;
	for (int i = 0; i < 4; i++) {
		n = test_pcap_frame("test/data/linux-ipv6-nd.pcap", i, buf, sizeof(buf));
		assert_true(n > 0);
		trace_format(eth, buf, (size_t)n, line, sizeof(line));
		assert_string_equal(line, want[i]);
	}
	n = test_pcap_frame("test/data/linux-ipv6-dad.pcap", 0, buf, sizeof(buf));
	assert_true(n > 0);
	trace_format(eth, buf, (size_t)n, line, sizeof(line));
	assert_string_equal(line, "IP6 :: > ff02::1:ff00:a: ICMPv6 neighbor solicitation who has "
				  "2001:db8::a");
	n = test_pcap_frame("test/data/linux-ipv6-nd.pcap", 0, buf, sizeof(buf));
	buf[14 + 7] = 64;
	buf[14 + 40 + 2] ^= 1;
	trace_format(eth, buf, (size_t)n, line, sizeof(line));
	assert_non_null(strstr(line, "from 02:00:00:00:00:0a hlim 64 [bad cksum]"));
	trace_format(eth, buf, 14 + 30, line, sizeof(line));
	assert_string_equal(line, "IP6 truncated len 30");
	trace_format(tun, udp6, sizeof(udp6), line, sizeof(line));
	assert_string_equal(line, "IP6 2001:db8::1 > 2001:db8::2: dstopts len 16 "
				  "[2001:db8::1].5000 > [2001:db8::2].7: UDP len 4");
	/* the same without its extension header: the line is labelled IP6, not IP */
	memcpy(buf, udp6, 40);
	buf[5] = 12;
	buf[6] = 17;
	memcpy(buf + 40, udp6 + 56, 12);
	trace_format(tun, buf, 52, line, sizeof(line));
	assert_string_equal(line, "IP6 [2001:db8::1].5000 > [2001:db8::2].7: UDP len 4");
	buf[6] = 6;
	trace_format(tun, buf, 52, line, sizeof(line));
	assert_string_equal(line, "IP6 [2001:db8::1] > [2001:db8::2]: TCP truncated len 12");
	trace_format(tun, udp6, 40 + 10, line, sizeof(line));
	assert_string_equal(line, "IP6 2001:db8::1 > 2001:db8::2: [extension header truncated]");
	/* Linux's fragments of a 6000-byte ping (linux-ipv6-frag.pcap): the first decodes
	 * its ICMPv6 header (no checksum verdict: it covers all five), the others not */
	{
		static uint8_t big[1600];

		n = test_pcap_frame("test/data/linux-ipv6-frag.pcap", 0, big, sizeof(big));
		assert_true(n > 0);
		trace_format(eth, big, (size_t)n, line, sizeof(line));
		assert_string_equal(line, "IP6 2001:db8::a > 2001:db8::b: frag id 3812717083 off 0 "
					  "len 1448 MF ICMPv6 echo request id 23906 seq 1 len 1440");
		n = test_pcap_frame("test/data/linux-ipv6-frag.pcap", 4, big, sizeof(big));
		assert_true(n > 0);
		trace_format(eth, big, (size_t)n, line, sizeof(line));
		assert_string_equal(line, "IP6 2001:db8::a > 2001:db8::b: frag id 3812717083 off "
					  "5792 len 216 next header 58");
	}
	test_assert_no_leaks();
}

/* ---- DNS in --trace ---- */

/* A bare IPv4/UDP packet from 10.0.0.2:40000 to 10.0.0.1:53 (or back, reply) carrying
 * the DNS message m; returns its length. Checksums are not looked at by the tracer. */
static size_t udp_dns(uint8_t *b, const uint8_t *m, size_t mlen, int reply)
{
	static const uint8_t us[4] = { 10, 0, 0, 2 }, ns[4] = { 10, 0, 0, 1 };
	size_t tot = 20 + 8 + mlen;

	memset(b, 0, 28);
	b[0] = 0x45;
	b[2] = (uint8_t)(tot >> 8);
	b[3] = (uint8_t)tot;
	b[8] = 64;
	b[9] = 17;
	memcpy(b + 12, reply ? ns : us, 4);
	memcpy(b + 16, reply ? us : ns, 4);
	b[20] = reply ? 0 : 0x9c; /* 40000 = 0x9c40 */
	b[21] = reply ? 53 : 0x40;
	b[22] = reply ? 0x9c : 0;
	b[23] = reply ? 0x40 : 53;
	b[24] = (uint8_t)((8 + mlen) >> 8);
	b[25] = (uint8_t)(8 + mlen);
	memcpy(b + 28, m, mlen);
	return tot;
}

/* --trace decodes DNS on port 53: the query, a response with a CNAME and an A record
 * (compressed names), NXDOMAIN, and a malformed answer said as such (a pointer loop). */
static void test_dns_line(void **state)
{
	struct net_device *tun = test_dev_create("tun0", NET_DEV_IP, 1500);
	uint8_t q[128], pkt[256];
	char line[320];
	int qlen;
	/* 0x1a2b response, RD RA, 1 question web.test A, 2 answers: web.test CNAME
	 * www.test (the name a pointer to the question's), www.test A 10.0.0.5 */
	static const uint8_t resp[] = {
		0x1a, 0x2b, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0,
		3, 'w', 'e', 'b', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1,
		0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 6, 3, 'w', 'w', 'w', 0xc0, 16,
		0xc0, 38, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 5,
	};
	uint8_t bad[sizeof(resp)];

	(void)state;
	qlen = dns_query_emit(0x1a2b, "web.test", DNS_TYPE_A, q, sizeof(q));
	assert_true(qlen > 0);
	trace_format(tun, pkt, udp_dns(pkt, q, (size_t)qlen, 0), line, sizeof(line));
	assert_non_null(strstr(line, "10.0.0.2.40000 > 10.0.0.1.53: UDP len "));
	assert_non_null(strstr(line, " DNS query 0x1a2b A? web.test"));
	trace_format(tun, pkt, udp_dns(pkt, resp, sizeof(resp), 1), line, sizeof(line));
	assert_non_null(strstr(line, " DNS response 0x1a2b A? web.test: CNAME www.test, A 10.0.0.5"));
	assert_null(strstr(line, "NXDOMAIN"));
	memcpy(bad, resp, sizeof(resp));
	bad[3] = 0x83; /* rcode 3 */
	trace_format(tun, pkt, udp_dns(pkt, bad, sizeof(bad), 1), line, sizeof(line));
	assert_non_null(strstr(line, "[NXDOMAIN]"));
	memcpy(bad, resp, sizeof(resp));
	bad[44] = 0xc0; /* www's pointer now points at itself: a loop */
	bad[45] = 44;
	trace_format(tun, pkt, udp_dns(pkt, bad, sizeof(bad), 1), line, sizeof(line));
	assert_non_null(strstr(line, " DNS [malformed "));
	test_assert_no_leaks();
}

/* ---- timestamps ---- */

static void test_stamp_format(void **state)
{
	char b[NET_TRACE_STAMP_MAX];

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	/* 1700000000 s is 2023-11-14 22:13:20 UTC; microseconds are truncated, as tcpdump. */
	assert_int_equal(net_trace_stamp(b, sizeof(b), NET_TRACE_TIME_ABS,
					 1700000000123456789LL, 0), 15);
	assert_string_equal(b, "22:13:20.123456");
	net_trace_stamp(b, sizeof(b), NET_TRACE_TIME_ABS, 1700000001000000999LL, 0);
	assert_string_equal(b, "22:13:21.000000");
	net_trace_stamp(b, sizeof(b), NET_TRACE_TIME_ABS, 1700000000999999999LL, 0);
	assert_string_equal(b, "22:13:20.999999");
	/* Another zone: the local time, as tcpdump prints it. */
	setenv("TZ", "UTC-2", 1); /* POSIX: two hours east of UTC */
	tzset();
	net_trace_stamp(b, sizeof(b), NET_TRACE_TIME_ABS, 1700003600000001000LL, 0);
	assert_string_equal(b, "01:13:20.000001");
	setenv("TZ", "UTC", 1);
	tzset();
	net_trace_stamp(b, sizeof(b), NET_TRACE_TIME_REL, 0, 0);
	assert_string_equal(b, "0.000000");
	net_trace_stamp(b, sizeof(b), NET_TRACE_TIME_REL, 0, 1234567891);
	assert_string_equal(b, "1.234567");
	net_trace_stamp(b, sizeof(b), NET_TRACE_TIME_REL, 0, 3600000000000LL + 5000);
	assert_string_equal(b, "3600.000005");
	net_trace_stamp(b, sizeof(b), NET_TRACE_TIME_REL, 0, -5);
	assert_string_equal(b, "0.000000");
	/* Truncated to the buffer, always terminated. */
	assert_int_equal(net_trace_stamp(b, 6, NET_TRACE_TIME_REL, 0, 1234567891), 5);
	assert_string_equal(b, "1.234");
	assert_int_equal(net_trace_stamp(b, 0, NET_TRACE_TIME_REL, 0, 0), 0);
}

/* Absolute stamps are the wall clock at the moment the frame passed the wrapper: the fake
 * clock moves between two frames and the stamps move with it, by exactly as much. */
static void test_stamp_wrapper(void **state)
{
	struct net_device *dev = test_dev_create("cap0", NET_DEV_ETHER, 1500);
	struct net_wrap_opts o = { .trace = 1, .trace_fmt = trace_format };
	char err[200], *out = NULL;
	size_t outlen = 0;
	uint8_t buf[2048];
	unsigned h1, m1, s1, u1, h2, m2, s2, u2;
	long n;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	o.trace_out = open_memstream(&out, &outlen);
	assert_int_equal(net_wrap_attach(dev, &o, err, sizeof(err)), 0);
	n = test_pcap_frame(SESSION, 0, buf, sizeof(buf));
	net_device_input(dev, pkb_from_bytes(buf, (size_t)n), T0);
	net_clock_set_fake(1, T0 + 61001); /* a minute, a second and a millisecond later */
	net_device_input(dev, pkb_from_bytes(buf, (size_t)n), T0);
	net_device_unregister_all();
	fclose(o.trace_out);
	assert_int_equal(sscanf(out, "%2u:%2u:%2u.%6u cap0 < ARP who-has", &h1, &m1, &s1, &u1), 4);
	assert_non_null(strchr(out, '\n'));
	assert_int_equal(sscanf(strchr(out, '\n') + 1, "%2u:%2u:%2u.%6u cap0 < ARP who-has", &h2,
				&m2, &s2, &u2), 4);
	{
		long long t1 = ((h1 * 60ll + m1) * 60 + s1) * 1000000 + u1;
		long long t2 = ((h2 * 60ll + m2) * 60 + s2) * 1000000 + u2;

		if (t2 < t1)
			t2 += 86400ll * 1000000; /* the test ran across midnight */
		assert_int_equal(t2 - t1, 61001000);
	}
	/* Near the real wall clock: the offset was taken from it when the wrapper came. */
	{
		time_t now = time(NULL);
		struct tm tm;
		long diff;

		gmtime_r(&now, &tm);
		diff = labs((long)(tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec) -
			    (long)(h1 * 3600 + m1 * 60 + s1));
		assert_true(diff <= 5 || diff >= 86400 - 5);
	}
	free(out);
	test_assert_no_leaks();
}

/* ---- filters ---- */

static void test_trace_filter(void **state)
{
	struct net_device *eth = test_dev_create("cap0", NET_DEV_ETHER, 1500);
	struct net_device *tun = test_dev_create("tun0", NET_DEV_IP, 1500);
	struct net_wrap_opts o = { .trace = 1, .trace_fmt = trace_format,
				   .trace_filter = "icmp", .trace_time = NET_TRACE_TIME_REL };
	char err[300], *out = NULL;
	size_t outlen = 0;
	uint8_t buf[2048];
	long n;

	(void)state;
	assert_int_equal(net_trace_filter_check("tcp port 80 and not host 10.0.0.1", err,
						sizeof(err)), 0);
	assert_int_equal(net_trace_filter_check("ether host 02:00:00:00:00:01", err,
						sizeof(err)), 0);
	assert_int_equal(net_trace_filter_check("tcp port", err, sizeof(err)), -EINVAL);
	assert_true(strlen(err) > 0 && !strchr(err, '\n'));
	/* Bad expressions, or ones that do not fit the device's frames, are refused with
	 * libpcap's reason, and the device stays as it was. */
	o.trace_filter = "tcp port";
	assert_int_equal(net_wrap_attach(eth, &o, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--trace 'tcp port' on cap0: "));
	assert_null(net_wrap_lower(eth));
	o.trace_filter = "ether host 02:00:00:00:00:01";
	assert_int_equal(net_wrap_attach(tun, &o, err, sizeof(err)), -EINVAL);
	assert_null(net_wrap_lower(tun));

	/* Frames in and out: only the ICMP ones are traced, and all of them go through. */
	o.trace_filter = "icmp";
	o.trace_out = open_memstream(&out, &outlen);
	assert_int_equal(net_wrap_attach(eth, &o, err, sizeof(err)), 0);
	for (int i = 0; i < 4; i++) { /* ARP request, ARP reply, echo request, echo reply */
		n = test_pcap_frame(SESSION, i, buf, sizeof(buf));
		if (i % 2)
			net_device_xmit(eth, pkb_from_bytes(buf, (size_t)n), T0);
		else
			net_device_input(eth, pkb_from_bytes(buf, (size_t)n), T0);
	}
	assert_int_equal(rx_count, 2);
	assert_int_equal(test_dev_pending(net_wrap_lower(eth)), 2);
	net_device_unregister_all();
	fclose(o.trace_out);
	/* The relative clock starts at the first frame traced, not the first one seen. */
	assert_string_equal(out, "0.000000 cap0 < IP 192.0.2.1 > 192.0.2.2: ICMP echo request id "
				 "12291 seq 1 len 56\n"
				 "0.000000 cap0 > IP 192.0.2.2 > 192.0.2.1: ICMP echo reply id "
				 "12291 seq 1 len 56\n");
	free(out);
	test_assert_no_leaks();
}

/* ---- files ---- */

/* pcap: the nanosecond magic, and the stamps step exactly as the (fake) clock did. */
static void test_pcap_nanoseconds(void **state)
{
	char dir[] = "/tmp/ustack-test-trace-XXXXXX", path[300], errbuf[PCAP_ERRBUF_SIZE];
	struct net_device *eth = test_dev_create("cap0", NET_DEV_ETHER, 1500);
	struct net_wrap_opts o = { 0 };
	uint8_t buf[2048], magic[4];
	struct pcap_pkthdr *h;
	const u_char *data;
	long long first = 0;
	char err[300];
	pcap_t *pc;
	FILE *f;
	int i = 0;
	long n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ns.pcap", dir);
	o.pcap_path = path;
	assert_int_equal(net_wrap_attach(eth, &o, err, sizeof(err)), 0);
	for (int k = 0; k < 5; k++) {
		net_clock_set_fake(1, T0 + 7 * (uint64_t)k);
		n = test_pcap_frame(SESSION, k, buf, sizeof(buf));
		net_device_input(eth, pkb_from_bytes(buf, (size_t)n), T0);
	}
	net_device_unregister_all();
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(magic, 1, 4, f), 4);
	fclose(f);
	/* 0xa1b23c4d in the writer's (our) byte order. */
	{
		uint32_t m;
		memcpy(&m, magic, 4);
		assert_int_equal(m, 0xa1b23c4d);
	}
	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!pc)
		fail_msg("%s", errbuf);
	assert_int_equal(pcap_get_tstamp_precision(pc), PCAP_TSTAMP_PRECISION_NANO);
	while (pcap_next_ex(pc, &h, &data) == 1) {
		long long ns = (long long)h->ts.tv_sec * 1000000000 + h->ts.tv_usec;

		assert_true(h->ts.tv_usec < 1000000000);
		if (i == 0)
			first = ns;
		assert_int_equal(ns - first, 7000000ll * i);
		i++;
	}
	assert_int_equal(i, 5);
	pcap_close(pc);
	unlink(path);
	rmdir(dir);
	test_assert_no_leaks();
}

static uint32_t u32(const uint8_t *b)
{
	uint32_t v;

	memcpy(&v, b, 4);
	return v;
}

static uint16_t u16(const uint8_t *b)
{
	uint16_t v;

	memcpy(&v, b, 2);
	return v;
}

/* The value of option `code` in the options at b[0..len), or NULL; its length in *olen. */
static const uint8_t *find_opt(const uint8_t *b, size_t len, uint16_t code, uint16_t *olen)
{
	size_t i = 0;

	while (i + 4 <= len) {
		uint16_t c = u16(b + i), l = u16(b + i + 2);

		if (c == 0)
			break;
		assert_true(i + 4 + l <= len);
		if (c == code) {
			*olen = l;
			return b + i + 4;
		}
		i += 4 + ((l + 3u) & ~3u);
	}
	return NULL;
}

/* pcapng: one file, an interface block per device (named, nanosecond resolution), frames
 * in enhanced packet blocks naming their interface and direction. Read block by block, as
 * the pcapng specification lays them out; libpcap then reads the frames back. */
static void test_pcapng(void **state)
{
	char dir[] = "/tmp/ustack-test-trace-XXXXXX", path[300], errbuf[PCAP_ERRBUF_SIZE];
	struct net_device *a = test_dev_create("cap0", NET_DEV_ETHER, 1500);
	struct net_device *b = test_dev_create("cap1", NET_DEV_ETHER, 1500);
	struct net_wrap_opts o = { 0 };
	static uint8_t file[1 << 16], frames[6][2048];
	long lens[6];
	int nidb = 0, nepb = 0, dirs[6] = { 0 }, ifs[6] = { 0 };
	char names[2][16] = { "", "" };
	size_t flen, off = 0;
	uint64_t ts[6] = { 0 };
	struct pcap_pkthdr *h;
	const u_char *data;
	char err[300];
	pcap_t *pc;
	FILE *f;
	int k = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/all.pcapng", dir);
	o.pcap_path = path;
	assert_int_equal(net_wrap_attach(a, &o, err, sizeof(err)), 0);
	assert_int_equal(net_wrap_attach(b, &o, err, sizeof(err)), 0);
	for (int i = 0; i < 6; i++) {
		struct net_device *d = i < 3 ? a : b;

		lens[i] = test_pcap_frame(SESSION, i + 10, frames[i], sizeof(frames[i]));
		assert_true(lens[i] > 0);
		net_clock_set_fake(1, T0 + (uint64_t)i);
		if (i % 2)
			net_device_xmit(d, pkb_from_bytes(frames[i], (size_t)lens[i]), T0);
		else
			net_device_input(d, pkb_from_bytes(frames[i], (size_t)lens[i]), T0);
	}
	/* "-DEV" names are a pcap matter: nothing but the one file. */
	snprintf(errbuf, sizeof(errbuf), "%s/all-cap1.pcapng", dir);
	assert_int_not_equal(access(errbuf, F_OK), 0);
	net_device_unregister_all();

	f = fopen(path, "rb");
	assert_non_null(f);
	flen = fread(file, 1, sizeof(file), f);
	fclose(f);
	assert_true(flen > 28);
	assert_int_equal(u32(file), 0x0A0D0D0A);
	assert_int_equal(u32(file + 8), 0x1A2B3C4D);
	assert_int_equal(u16(file + 12), 1);
	while (off < flen) {
		uint32_t type = u32(file + off), total = u32(file + off + 4);
		const uint8_t *body = file + off + 8;
		const uint8_t *v;
		uint16_t olen;

		assert_true(total >= 12 && total % 4 == 0 && off + total <= flen);
		assert_int_equal(u32(file + off + total - 4), total);
		if (type == 1) { /* IDB */
			assert_true(nidb < 2);
			assert_int_equal(u16(body), 1); /* LINKTYPE_ETHERNET */
			v = find_opt(body + 8, total - 20, 2, &olen);
			assert_non_null(v);
			assert_true(olen < sizeof(names[0]));
			memcpy(names[nidb], v, olen);
			v = find_opt(body + 8, total - 20, 9, &olen);
			assert_non_null(v);
			assert_int_equal(olen, 1);
			assert_int_equal(v[0], 9);
			nidb++;
		} else if (type == 6) { /* EPB */
			uint32_t caplen = u32(body + 12), padded = (caplen + 3) & ~3u;

			assert_true(nepb < 6);
			ifs[nepb] = (int)u32(body);
			ts[nepb] = (uint64_t)u32(body + 4) << 32 | u32(body + 8);
			assert_int_equal(caplen, lens[nepb]);
			assert_int_equal(u32(body + 16), lens[nepb]);
			assert_memory_equal(body + 20, frames[nepb], caplen);
			v = find_opt(body + 20 + padded, total - 32 - padded, 2, &olen);
			assert_non_null(v);
			dirs[nepb] = (int)(u32(v) & 3);
			nepb++;
		}
		off += total;
	}
	assert_int_equal(off, flen);
	assert_int_equal(nidb, 2);
	assert_string_equal(names[0], "cap0");
	assert_string_equal(names[1], "cap1");
	assert_int_equal(nepb, 6);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(ifs[i], i < 3 ? 0 : 1);
		assert_int_equal(dirs[i], i % 2 ? 2 : 1); /* outbound : inbound */
		assert_int_equal(ts[i] - ts[0], 1000000ull * (uint64_t)i);
	}
	/* And libpcap reads it as a capture, nanoseconds kept. */
	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!pc)
		fail_msg("%s", errbuf);
	while (pcap_next_ex(pc, &h, &data) == 1) {
		assert_true(k < 6);
		assert_int_equal(h->caplen, lens[k]);
		assert_int_equal((uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec,
				 ts[k]);
		k++;
	}
	assert_int_equal(k, 6);
	pcap_close(pc);
	unlink(path);
	rmdir(dir);

	/* A file that cannot be created is refused with a reason. */
	a = test_dev_create("cap0", NET_DEV_ETHER, 1500);
	o.pcap_path = "/nonexistent-dir/x.pcapng";
	assert_int_equal(net_wrap_attach(a, &o, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, "--pcap /nonexistent-dir/x.pcapng: "));
	assert_null(net_wrap_lower(a));
	test_assert_no_leaks();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tcp_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamp_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamp_wrapper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trace_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcap_nanoseconds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcapng, setup, teardown),
	};
	int ret = cmocka_run_group_tests(tests, NULL, NULL);

	pkb_pool_drain();
	return ret;
}
