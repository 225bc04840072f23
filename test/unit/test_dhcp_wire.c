/* SPDX-License-Identifier: MIT */
/* DHCP parse/emit (RFC 2131 2 and 4.1, RFC 2132): an emit/parse round trip, a server's
 * ACK built by hand, and every malformed kind refused with its own dhcp.* counter. */
#include "test/unit/testlib.h"

#include <string.h>

#include "dhcp/dhcp_wire.h"

static uint8_t buf[600];

static int setup(void **state)
{
	(void)state;
	stats_reset();
	return 0;
}

/* A BOOTREPLY header with the cookie, options to be appended at the returned offset. */
static size_t reply_hdr(uint8_t *b, uint32_t xid)
{
	memset(b, 0, 600);
	b[0] = DHCP_BOOTREPLY;
	b[1] = 1;
	b[2] = 6;
	b[4] = (uint8_t)(xid >> 24);
	b[5] = (uint8_t)(xid >> 16);
	b[6] = (uint8_t)(xid >> 8);
	b[7] = (uint8_t)xid;
	memcpy(b + 16, (uint8_t[]){ 10, 0, 0, 57 }, 4); /* yiaddr */
	memcpy(b + 28, (uint8_t[]){ 2, 0, 0, 0, 0, 1 }, 6);
	memcpy(b + 236, (uint8_t[]){ 99, 130, 83, 99 }, 4);
	return 240;
}

static void test_round_trip(void **state)
{
	struct dhcp_msg m = { 0 }, p;
	(void)state;

	m.op = DHCP_BOOTREQUEST;
	m.htype = 1;
	m.hlen = 6;
	m.xid = 0xdeadbeef;
	m.secs = 3;
	m.flags = DHCP_FLAG_BROADCAST;
	m.ciaddr = test_addr("10.0.0.57");
	memcpy(m.chaddr, (uint8_t[]){ 2, 0, 0, 0, 0, 1 }, 6);
	m.type = DHCPREQUEST;
	m.has = DHCP_HAS_CLIENT_ID | DHCP_HAS_REQUESTED_IP | DHCP_HAS_SERVER_ID |
		DHCP_HAS_PARAMS | DHCP_HAS_LEASE | DHCP_HAS_T1 | DHCP_HAS_T2 | DHCP_HAS_MASK |
		DHCP_HAS_ROUTER | DHCP_HAS_DNS | DHCP_HAS_DOMAIN | DHCP_HAS_MTU;
	memcpy(m.client_id, (uint8_t[]){ 1, 2, 0, 0, 0, 0, 1 }, 7);
	m.client_id_len = 7;
	m.requested_ip = test_addr("10.0.0.57");
	m.server_id = test_addr("10.0.0.1");
	m.n_params = 3;
	memcpy(m.params, (uint8_t[]){ 1, 3, 6 }, 3);
	m.lease_s = 3600;
	m.t1_s = 1800;
	m.t2_s = 3150;
	m.mask = test_addr("255.255.255.0");
	m.router = test_addr("10.0.0.1");
	m.n_dns = 2;
	m.dns[0] = test_addr("10.0.0.2");
	m.dns[1] = test_addr("10.0.0.3");
	strcpy(m.domain, "example.test");
	m.mtu = 1400;

	size_t n = dhcp_emit(&m, buf, sizeof(buf));
	assert_int_equal(n, 328); /* 240 + 87 bytes of options + END: no padding */
	assert_int_equal(buf[0], 1);
	assert_memory_equal(buf + 236, ((uint8_t[]){ 99, 130, 83, 99 }), 4);
	assert_int_equal(dhcp_parse_counted(buf, n, &p), 0);
	assert_memory_equal(&p, &m, sizeof(m));
	assert_int_equal(dhcp_stats.rx, 1);
	/* Too small a buffer for the options, or for the 300-byte minimum: nothing written. */
	assert_int_equal(dhcp_emit(&m, buf, 327), 0);
	assert_int_equal(dhcp_emit(&m, buf, DHCP_EMIT_MIN_LEN - 1), 0);
	/* A DISCOVER with only its type is padded to 300 bytes. */
	m.has = 0;
	m.type = DHCPDISCOVER;
	assert_int_equal(dhcp_emit(&m, buf, sizeof(buf)), DHCP_EMIT_MIN_LEN);
	assert_int_equal(buf[DHCP_MIN_LEN + 3], DHCP_OPT_END);
	assert_int_equal(dhcp_parse(buf, DHCP_EMIT_MIN_LEN, &p), 0);
	assert_int_equal(p.type, DHCPDISCOVER);
	test_assert_no_leaks();
}

static void test_parse_ack(void **state)
{
	struct dhcp_msg p;
	size_t i = reply_hdr(buf, 0x01020304);
	(void)state;

	const uint8_t opts[] = {
		53, 1, DHCPACK, 0, 0, /* pads */
		54, 4, 10, 0, 0, 1,
		51, 4, 0, 0, 0x0e, 0x10,
		1, 4, 255, 255, 255, 0,
		3, 8, 10, 0, 0, 1, 10, 0, 0, 254, /* two routers: the first taken */
		6, 4, 10, 0, 0, 2,
		6, 8, 10, 0, 0, 3, 10, 0, 0, 4, /* repeated: concatenated */
		15, 4, 't', 'e', 's', 't',
		26, 2, 0x05, 0x78,
		58, 4, 0, 0, 0, 20,
		59, 4, 0, 0, 0, 40,
		99, 3, 1, 2, 3, /* unknown: skipped */
		255,
	};
	memcpy(buf + i, opts, sizeof(opts));
	assert_int_equal(dhcp_parse(buf, i + sizeof(opts), &p), 0);
	assert_int_equal(p.op, DHCP_BOOTREPLY);
	assert_int_equal(p.xid, 0x01020304);
	assert_int_equal(p.type, DHCPACK);
	assert_int_equal(p.yiaddr, test_addr("10.0.0.57"));
	assert_int_equal(p.server_id, test_addr("10.0.0.1"));
	assert_int_equal(p.lease_s, 3600);
	assert_int_equal(p.mask, test_addr("255.255.255.0"));
	assert_int_equal(p.router, test_addr("10.0.0.1"));
	assert_int_equal(p.n_dns, 3);
	assert_int_equal(p.dns[2], test_addr("10.0.0.4"));
	assert_string_equal(p.domain, "test");
	assert_int_equal(p.mtu, 1400);
	assert_int_equal(p.t1_s, 20);
	assert_int_equal(p.t2_s, 40);
	assert_true(p.has & DHCP_HAS_T2);
	assert_false(p.has & DHCP_HAS_CLIENT_ID);
	/* A domain ends at a NUL; an empty one is none. */
	memcpy(buf + i, (uint8_t[]){ 53, 1, DHCPACK, 15, 6, 'a', '.', 'b', 0, 'x', 'y', 255 }, 12);
	assert_int_equal(dhcp_parse(buf, i + 12, &p), 0);
	assert_string_equal(p.domain, "a.b");
	assert_int_equal(p.domain[4], 0);
	memcpy(buf + i, (uint8_t[]){ 53, 1, DHCPACK, 15, 1, 0, 255 }, 7);
	assert_int_equal(dhcp_parse(buf, i + 7, &p), 0);
	assert_false(p.has & DHCP_HAS_DOMAIN);
	memcpy(buf + i, opts, sizeof(opts));
	/* No END: the area's end ends the options. */
	assert_int_equal(dhcp_parse(buf, i + sizeof(opts) - 1, &p), 0);
	assert_string_equal(dhcp_type_name(p.type), "ACK");
	test_assert_no_leaks();
}

/* Option 52 sends the parser to file, then sname; once each. */
static void test_overload(void **state)
{
	struct dhcp_msg p;
	size_t i = reply_hdr(buf, 7);
	(void)state;

	memcpy(buf + i, (uint8_t[]){ 52, 1, 3, 255 }, 4);
	memcpy(buf + DHCP_FILE_OFF, (uint8_t[]){ 53, 1, DHCPOFFER, 255 }, 4);
	memcpy(buf + DHCP_SNAME_OFF, (uint8_t[]){ 51, 4, 0, 0, 0, 60, 255 }, 7);
	assert_int_equal(dhcp_parse(buf, i + 4, &p), 0);
	assert_int_equal(p.type, DHCPOFFER);
	assert_int_equal(p.lease_s, 60);

	/* 52 inside file (a loop back) is refused; so is a second 52 and a bad value. */
	memcpy(buf + DHCP_FILE_OFF, (uint8_t[]){ 52, 1, 3, 53, 1, DHCPOFFER, 255 }, 7);
	assert_int_equal(dhcp_parse_counted(buf, i + 4, &p), -DHCP_ERR_BAD_OVERLOAD);
	memcpy(buf + i, (uint8_t[]){ 52, 1, 1, 52, 1, 1, 255 }, 7);
	assert_int_equal(dhcp_parse_counted(buf, i + 7, &p), -DHCP_ERR_BAD_OVERLOAD);
	memcpy(buf + i, (uint8_t[]){ 52, 1, 4, 255 }, 4);
	assert_int_equal(dhcp_parse_counted(buf, i + 4, &p), -DHCP_ERR_BAD_OVERLOAD);
	memcpy(buf + i, (uint8_t[]){ 52, 2, 1, 1, 255 }, 5);
	assert_int_equal(dhcp_parse_counted(buf, i + 5, &p), -DHCP_ERR_BAD_OVERLOAD);
	assert_int_equal(dhcp_stats.rx_bad_overload, 4);
	/* An option in file running past file's 128 bytes (into sname is not allowed). */
	memcpy(buf + i, (uint8_t[]){ 52, 1, 1, 255 }, 4);
	memset(buf + DHCP_FILE_OFF, 0, DHCP_FILE_LEN);
	buf[DHCP_FILE_OFF + DHCP_FILE_LEN - 2] = 15;
	buf[DHCP_FILE_OFF + DHCP_FILE_LEN - 1] = 4;
	assert_int_equal(dhcp_parse_counted(buf, i + 4, &p), -DHCP_ERR_OPT_TRUNC);
	assert_int_equal(dhcp_stats.rx_opt_trunc, 1);
	test_assert_no_leaks();
}

/* One malformed message per case, with the error and the counter it must bump. */
static void test_malformed(void **state)
{
	static const struct {
		const char *what;
		uint8_t opts[12];
		size_t olen;
		int err;
	} cases[] = {
		{ "no type", { 255 }, 1, -DHCP_ERR_NO_TYPE },
		{ "type 0", { 53, 1, 0, 255 }, 4, -DHCP_ERR_NO_TYPE },
		{ "type 9", { 53, 1, 9, 255 }, 4, -DHCP_ERR_NO_TYPE },
		{ "type len 2", { 53, 2, 5, 5, 255 }, 5, -DHCP_ERR_OPT_BAD_LEN },
		{ "length past end", { 53, 1, 5, 51, 4, 0, 0 }, 7, -DHCP_ERR_OPT_TRUNC },
		{ "length byte missing", { 53, 1, 5, 51 }, 4, -DHCP_ERR_OPT_TRUNC },
		{ "mask len 3", { 53, 1, 5, 1, 3, 1, 2, 3, 255 }, 9, -DHCP_ERR_OPT_BAD_LEN },
		{ "router len 5", { 53, 1, 5, 3, 5, 1, 2, 3, 4, 5, 255 }, 11, -DHCP_ERR_OPT_BAD_LEN },
		{ "dns len 0", { 53, 1, 5, 6, 0, 255 }, 6, -DHCP_ERR_OPT_BAD_LEN },
		{ "mtu 67", { 53, 1, 5, 26, 2, 0, 67, 255 }, 8, -DHCP_ERR_OPT_BAD_LEN },
		{ "lease len 2", { 53, 1, 5, 51, 2, 0, 1, 255 }, 8, -DHCP_ERR_OPT_BAD_LEN },
		{ "client id len 1", { 53, 1, 5, 61, 1, 1, 255 }, 7, -DHCP_ERR_OPT_BAD_LEN },
	};
	struct dhcp_msg p;
	(void)state;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		size_t i = reply_hdr(buf, 1);
		memcpy(buf + i, cases[c].opts, cases[c].olen);
		int err = dhcp_parse_counted(buf, i + cases[c].olen, &p);
		if (err != cases[c].err)
			fail_msg("%s: %d, want %d", cases[c].what, err, cases[c].err);
	}
	assert_int_equal(dhcp_stats.rx_no_type, 3);
	assert_int_equal(dhcp_stats.rx_opt_trunc, 2);
	assert_int_equal(dhcp_stats.rx_opt_bad_len, 7);

	/* Header-level refusals. */
	size_t i = reply_hdr(buf, 1);
	memcpy(buf + i, (uint8_t[]){ 53, 1, 5, 255 }, 4);
	assert_int_equal(dhcp_parse(buf, i + 4, &p), 0);
	for (size_t len = 0; len < DHCP_MIN_LEN; len++)
		assert_int_equal(dhcp_parse_counted(buf, len, &p), -DHCP_ERR_SHORT);
	assert_int_equal(dhcp_stats.rx_short, DHCP_MIN_LEN);
	buf[0] = 3;
	assert_int_equal(dhcp_parse_counted(buf, i + 4, &p), -DHCP_ERR_BAD_OP);
	buf[0] = DHCP_BOOTREPLY;
	buf[2] = 16;
	assert_int_equal(dhcp_parse_counted(buf, i + 4, &p), -DHCP_ERR_BAD_HW);
	buf[2] = 6;
	buf[239] = 0x64;
	assert_int_equal(dhcp_parse_counted(buf, i + 4, &p), -DHCP_ERR_NO_COOKIE);
	assert_int_equal(dhcp_stats.rx_bad_op, 1);
	assert_int_equal(dhcp_stats.rx_bad_hw, 1);
	assert_int_equal(dhcp_stats.rx_no_cookie, 1);
	/* A domain of 254 bytes does not fit DHCP_DOMAIN_MAX. */
	buf[239] = 99;
	buf[i] = 53, buf[i + 1] = 1, buf[i + 2] = 5, buf[i + 3] = 15, buf[i + 4] = 254;
	memset(buf + i + 5, 'a', 254);
	assert_int_equal(dhcp_parse(buf, i + 5 + 254, &p), -DHCP_ERR_OPT_BAD_LEN);
	test_assert_no_leaks();
}

/* Every prefix of a valid message is refused or parsed, never read past its end (run
 * under make san, ASan checks the reads). */
static void test_truncations(void **state)
{
	struct dhcp_msg m = { .op = 2, .htype = 1, .hlen = 6, .type = DHCPOFFER,
			      .has = DHCP_HAS_LEASE | DHCP_HAS_DNS | DHCP_HAS_DOMAIN,
			      .lease_s = 60, .n_dns = 1, .domain = "x.test" };
	uint8_t *copy;
	(void)state;

	size_t n = dhcp_emit(&m, buf, sizeof(buf));
	assert_int_not_equal(n, 0);
	for (size_t len = 0; len <= n; len++) {
		struct dhcp_msg p;
		copy = test_malloc(len ? len : 1);
		memcpy(copy, buf, len);
		int err = dhcp_parse(copy, len, &p);
		assert_true(err == 0 || err < 0);
		test_free(copy);
	}
	test_assert_no_leaks();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_round_trip, setup),
		cmocka_unit_test_setup(test_parse_ack, setup),
		cmocka_unit_test_setup(test_overload, setup),
		cmocka_unit_test_setup(test_malformed, setup),
		cmocka_unit_test_setup(test_truncations, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
