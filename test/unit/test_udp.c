/* UDP: wire parse/emit against the Linux capture, then the socket through the stack. */
#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "net/cksum.h"
#include "udp/udp.h"

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
	assert_int_equal(udp_parse(u, len, a("192.0.2.1"), a("192.0.2.2"), &h), UDP_PARSE_OK);
	assert_int_equal(h.src_port, 60909);
	assert_int_equal(h.dst_port, 9000);
	assert_int_equal(h.len, 18);
	assert_int_equal(h.cksum, 0x414f);
	assert_memory_equal(u + UDP_HDR_LEN, "hello udp\n", 10);

	/* Re-emitting the parsed header over the same payload gives the same bytes. */
	memset(out, 0xaa, sizeof(out));
	memcpy(out + UDP_HDR_LEN, u + UDP_HDR_LEN, 10);
	assert_int_equal(udp_emit(&h, out, sizeof(out), 10, a("192.0.2.1"), a("192.0.2.2")),
			 UDP_HDR_LEN);
	assert_memory_equal(out, u, len);
	/* No room: nothing written. */
	assert_int_equal(udp_emit(&h, out, 17, 10, a("192.0.2.1"), a("192.0.2.2")), 0);
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
		r = udp_parse(b, n, cases[i].pseudo_wrong ? a("192.0.2.3") : a("192.0.2.1"),
			      a("192.0.2.2"), &h);
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
	assert_int_equal(udp_emit(&h, b, sizeof(b), 2, src, dst), UDP_HDR_LEN);
	assert_int_equal(b[6], 0xff);
	assert_int_equal(b[7], 0xff);
	assert_int_equal(udp_parse(b, sizeof(b), src, dst, &back), UDP_PARSE_OK);
	test_assert_no_leaks();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_capture),
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_emit_zero_cksum_as_ffff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
