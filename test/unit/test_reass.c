/* SPDX-License-Identifier: MIT */
/* IPv4 reassembly: the captured 3000-byte ping in order and reversed, duplicates,
 * overlaps (RFC 5722), the timeout with its ICMP time exceeded (RFC 1122 3.3.2), the
 * memory and datagram caps, oversize datagrams and tiny or TCP-header-overlapping
 * fragments (RFC 1858). */
#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <string.h>

#include "ether/ether.h"
#include "ip/icmp.h"
#include "ip/ip.h"
#include "net/cksum.h"
#include "net/loop.h"

#define PCAP "test/data/linux-session.pcap"
#define T0 1000000ull
#define BUF_TRUESIZE (sizeof(struct pkb) + PKB_POOL_BUF_SIZE)

static struct net_device *tun;
static struct ip_config_s saved_config;

static struct {
	int calls;
	struct ip_hdr ih;
	uint8_t hdr[IP_HDR_MIN];
	uint8_t data[4096];
	size_t len;
} got;

#define A(s) test_addr(s)

static void record_handler(struct pkb *p, const struct ip_hdr *ih, struct net_iface *ifc,
			   uint64_t now)
{
	(void)ifc;
	(void)now;
	got.calls++;
	got.ih = *ih;
	memcpy(got.hdr, p->data - ih->ihl, IP_HDR_MIN);
	assert_true(p->len <= sizeof(got.data));
	memcpy(got.data, p->data, p->len);
	got.len = p->len;
	pkb_free(p);
}

static int setup(void **state)
{
	(void)state;
	memset(&got, 0, sizeof(got));
	saved_config = ip_config;
	tun = test_ip_setup(0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ip_config = saved_config;
	test_ip_teardown();
	return 0;
}

static void done(void)
{
	ip_reass_flush();
	assert_int_equal(ip_reass_mem(), 0);
	assert_int_equal(ip_reass_count(), 0);
	test_dev_flush(tun);
	test_assert_no_leaks();
}

static void inject_frame(int index, uint64_t now)
{
	uint8_t b[2048];
	size_t n = test_pcap_ip(PCAP, index, b, sizeof(b));

	net_device_input(tun, pkb_from_bytes(b, n), now);
}

/* One fragment from 192.0.2.1 to us: `len` bytes of a pattern that depends on the
 * datagram offset, so misplaced bytes show. */
static void inject_frag(uint16_t id, uint8_t proto, size_t off, size_t len, int mf, uint64_t now)
{
	struct ip_hdr h = {
		.version = 4, .ihl = 20, .total_len = (uint16_t)(20 + len), .id = id,
		.frag = (uint16_t)((mf ? IP_FLAG_MF : 0) | (off / 8)), .ttl = 64, .proto = proto,
		.src = A("192.0.2.1"), .dst = A("192.0.2.2"),
	};
	uint8_t b[2048];

	assert_true(off % 8 == 0 && 20 + len <= sizeof(b));
	ip_emit(&h, b, sizeof(b));
	for (size_t i = 0; i < len; i++)
		b[20 + i] = (uint8_t)((off + i) * 13 + id);
	net_device_input(tun, pkb_from_bytes(b, 20 + len), now);
}

static void assert_pattern(uint16_t id, size_t len)
{
	assert_int_equal(got.len, len);
	for (size_t i = 0; i < len; i++)
		if (got.data[i] != (uint8_t)(i * 13 + id))
			fail_msg("byte %zu wrong", i);
}

/* ---- the captured 3000-byte ping ---- */

static void check_captured_ping(void)
{
	uint8_t f[3][2048];
	size_t n[3];
	struct ip_hdr h;

	assert_int_equal(got.calls, 1);
	for (int i = 0; i < 3; i++)
		n[i] = test_pcap_ip(PCAP, 6 + i, f[i], sizeof(f[i]));
	/* 1480 + 1480 + 48 bytes: an ICMP echo request with 3000 - 20 - 8 bytes of data. */
	assert_int_equal(got.len, 3008);
	assert_memory_equal(got.data, f[0] + 20, n[0] - 20);
	assert_memory_equal(got.data + 1480, f[1] + 20, n[1] - 20);
	assert_memory_equal(got.data + 2960, f[2] + 20, n[2] - 20);
	/* The sender's ICMP checksum covers the whole datagram: it must check. */
	assert_int_equal(cksum(got.data, got.len), 0);
	/* A fresh header: full length, no MF, offset 0, valid checksum. */
	assert_int_equal(ip_parse(got.hdr, IP_HDR_MIN, &h), IP_PARSE_TOTLEN); /* 3028 > 20 */
	assert_int_equal(cksum(got.hdr, IP_HDR_MIN), 0);
	assert_int_equal(got.ih.total_len, 3028);
	assert_int_equal(got.ih.frag, 0);
	assert_int_equal(got.ih.id, 343);
	assert_int_equal(got.ih.proto, IP_PROTO_ICMP);
	assert_int_equal(got.ih.src, A("192.0.2.1"));
	assert_int_equal(got.ih.dst, A("192.0.2.2"));
	assert_int_equal(ip_stats.reasm_oks, 1);
	assert_int_equal(ip_stats.reasm_fails, 0);
	assert_int_equal(ip_reass_count(), 0);
	assert_int_equal(ip_reass_mem(), 0);
}

static void test_captured_in_order(void **state)
{
	(void)state;
	assert_int_equal(ip_protocol_register("REC", IP_PROTO_ICMP, record_handler, NULL), 0);
	inject_frame(6, T0);
	inject_frame(7, T0);
	assert_int_equal(got.calls, 0);
	assert_int_equal(ip_reass_count(), 1);
	assert_int_equal(ip_reass_mem(), 2 * BUF_TRUESIZE);
	inject_frame(8, T0);
	check_captured_ping();
	assert_int_equal(ip_stats.reasm_reqds, 3);
	done();
}

static void test_captured_reversed(void **state)
{
	(void)state;
	assert_int_equal(ip_protocol_register("REC", IP_PROTO_ICMP, record_handler, NULL), 0);
	inject_frame(8, T0);
	inject_frame(7, T0 + 10);
	inject_frame(6, T0 + 20);
	check_captured_ping();
	done();
}

static void test_duplicate_ignored(void **state)
{
	(void)state;
	assert_int_equal(ip_protocol_register("REC", IP_PROTO_ICMP, record_handler, NULL), 0);
	inject_frame(7, T0);
	inject_frame(7, T0);
	inject_frame(6, T0);
	inject_frame(6, T0);
	assert_int_equal(ip_stats.reasm_duplicate, 2);
	inject_frame(8, T0);
	check_captured_ping();
	done();
}

/* ---- overlaps and inconsistent fragments discard the datagram ---- */

static void test_overlap_discards(void **state)
{
	(void)state;
	assert_int_equal(ip_protocol_register("REC", IP_PROTO_UDP, record_handler, NULL), 0);
	inject_frag(7, IP_PROTO_UDP, 0, 64, 1, T0);
	inject_frag(7, IP_PROTO_UDP, 128, 64, 1, T0);
	/* Straddles the end of the first: RFC 5722 says drop everything. */
	inject_frag(7, IP_PROTO_UDP, 56, 16, 1, T0);
	assert_int_equal(ip_stats.reasm_overlap, 1);
	assert_int_equal(ip_stats.reasm_fails, 1);
	assert_int_equal(ip_reass_count(), 0);
	assert_int_equal(ip_reass_mem(), 0);
	/* The rest of it starts a new datagram that cannot complete. */
	inject_frag(7, IP_PROTO_UDP, 64, 64, 1, T0);
	inject_frag(7, IP_PROTO_UDP, 192, 8, 0, T0);
	assert_int_equal(got.calls, 0);
	assert_int_equal(ip_reass_count(), 1);

	/* Contained inside another fragment, different datagram. */
	inject_frag(8, IP_PROTO_UDP, 0, 64, 1, T0);
	inject_frag(8, IP_PROTO_UDP, 8, 16, 1, T0);
	assert_int_equal(ip_stats.reasm_overlap, 2);
	assert_int_equal(ip_reass_count(), 1);
	done();
}

static void test_inconsistent_last(void **state)
{
	(void)state;
	assert_int_equal(ip_protocol_register("REC", IP_PROTO_UDP, record_handler, NULL), 0);
	inject_frag(9, IP_PROTO_UDP, 64, 16, 0, T0);  /* ends at 80 */
	inject_frag(9, IP_PROTO_UDP, 96, 8, 0, T0);   /* a second, different end */
	assert_int_equal(ip_stats.reasm_bad_frag, 1);
	assert_int_equal(ip_reass_count(), 0);
	inject_frag(10, IP_PROTO_UDP, 64, 16, 0, T0); /* ends at 80 */
	inject_frag(10, IP_PROTO_UDP, 80, 8, 1, T0);  /* data beyond the end */
	assert_int_equal(ip_stats.reasm_bad_frag, 2);
	inject_frag(11, IP_PROTO_UDP, 80, 8, 1, T0);
	inject_frag(11, IP_PROTO_UDP, 8, 16, 0, T0);  /* last fragment before data */
	assert_int_equal(ip_stats.reasm_bad_frag, 3);
	assert_int_equal(ip_stats.reasm_fails, 3);
	assert_int_equal(ip_reass_count(), 0);
	/* A well-formed one still completes, with every byte in place. */
	inject_frag(12, IP_PROTO_UDP, 16, 9, 0, T0);
	inject_frag(12, IP_PROTO_UDP, 0, 16, 1, T0);
	assert_int_equal(got.calls, 1);
	assert_pattern(12, 25);
	done();
}

/* ---- timeout ---- */

static void test_timeout(void **state)
{
	struct pkb *p;
	struct ip_hdr h;
	struct icmp_hdr ic;
	uint8_t first[20 + 64];

	(void)state;
	assert_int_equal(icmp_init(), 0);
	assert_int_equal(ip_protocol_register("REC", IP_PROTO_UDP, record_handler, NULL), 0);
	inject_frag(21, IP_PROTO_UDP, 0, 64, 1, T0);
	inject_frag(21, IP_PROTO_UDP, 128, 8, 0, T0 + 5000);
	/* Only a fragment without its first part. */
	inject_frag(22, IP_PROTO_UDP, 64, 8, 0, T0 + 1000);
	assert_int_equal(ip_reass_count(), 2);
	assert_int_equal(net_timers_armed(), 2);
	net_timers_run(T0 + ip_config.reass_timeout_ms - 1);
	assert_int_equal(ip_reass_count(), 2);
	net_timers_run(T0 + ip_config.reass_timeout_ms);
	assert_int_equal(ip_reass_count(), 1);
	assert_int_equal(ip_stats.reasm_timeout, 1);
	/* Fragment zero was here: time exceeded, code 1, quoting it. */
	assert_int_equal(test_dev_pending(tun), 1);
	p = test_dev_pop(tun);
	assert_int_equal(ip_parse(p->data, p->len, &h), IP_PARSE_OK);
	assert_int_equal(h.proto, IP_PROTO_ICMP);
	assert_int_equal(h.dst, A("192.0.2.1"));
	assert_int_equal(h.src, A("192.0.2.2"));
	assert_int_equal(icmp_parse(p->data + 20, p->len - 20, &ic), 0);
	assert_int_equal(ic.type, ICMP_TIME_EXCEEDED);
	assert_int_equal(ic.code, 1);
	{
		struct ip_hdr fh = {
			.version = 4, .ihl = 20, .total_len = 84, .id = 21, .frag = IP_FLAG_MF,
			.ttl = 64, .proto = IP_PROTO_UDP, .src = A("192.0.2.1"), .dst = A("192.0.2.2"),
		};
		ip_emit(&fh, first, sizeof(first));
		for (size_t i = 0; i < 64; i++)
			first[20 + i] = (uint8_t)(i * 13 + 21);
	}
	assert_int_equal(p->len, 20 + 8 + sizeof(first));
	assert_memory_equal(p->data + 28, first, sizeof(first));
	pkb_free(p);
	/* The datagram without fragment zero expires silently. */
	net_timers_run(T0 + 1000 + ip_config.reass_timeout_ms);
	assert_int_equal(ip_stats.reasm_timeout, 2);
	assert_int_equal(ip_stats.reasm_fails, 2);
	assert_int_equal(test_dev_pending(tun), 0);
	assert_int_equal(icmp_stats.out_time_exceeded, 1);
	assert_int_equal(got.calls, 0);
	done();
}

static void test_expire_at_deadline(void **state)
{
	(void)state;
	inject_frag(23, IP_PROTO_UDP, 64, 8, 0, T0);
	net_timers_run(T0 + ip_config.reass_timeout_ms - 1);
	assert_int_equal(ip_reass_count(), 1);
	net_timers_run(T0 + ip_config.reass_timeout_ms);
	assert_int_equal(ip_reass_count(), 0);
	assert_int_equal(ip_stats.reasm_timeout, 1);
	done();
}

/* ---- limits ---- */

static void test_memory_cap_evicts_oldest(void **state)
{
	(void)state;
	assert_int_equal(ip_protocol_register("REC", IP_PROTO_UDP, record_handler, NULL), 0);
	ip_config.reass_mem_max = 2 * BUF_TRUESIZE;
	inject_frag(31, IP_PROTO_UDP, 0, 64, 1, T0);
	inject_frag(32, IP_PROTO_UDP, 0, 64, 1, T0 + 1);
	assert_int_equal(ip_reass_mem(), 2 * BUF_TRUESIZE);
	assert_int_equal(ip_stats.reasm_mem_exceeded, 0);
	inject_frag(33, IP_PROTO_UDP, 0, 64, 1, T0 + 2);
	assert_int_equal(ip_stats.reasm_mem_exceeded, 1);
	assert_int_equal(ip_stats.reasm_fails, 1);
	assert_int_equal(ip_reass_count(), 2);
	assert_int_equal(ip_reass_mem(), 2 * BUF_TRUESIZE);
	/* 31 was evicted: its last fragment starts over and cannot complete... */
	inject_frag(31, IP_PROTO_UDP, 64, 8, 0, T0 + 3);
	assert_int_equal(got.calls, 0);
	/* ...while 33 still can (evicting 32 to make room). */
	inject_frag(33, IP_PROTO_UDP, 64, 8, 0, T0 + 4);
	assert_int_equal(got.calls, 1);
	assert_pattern(33, 72);
	assert_true(ip_reass_mem() <= ip_config.reass_mem_max);

	/* A datagram that alone outgrows the cap is discarded. */
	ip_reass_flush();
	ip_config.reass_mem_max = BUF_TRUESIZE;
	inject_frag(34, IP_PROTO_UDP, 0, 64, 1, T0);
	inject_frag(34, IP_PROTO_UDP, 64, 64, 1, T0);
	assert_int_equal(ip_reass_count(), 0);
	assert_int_equal(ip_reass_mem(), 0);
	done();
}

static void test_datagram_cap(void **state)
{
	(void)state;
	ip_config.reass_max_datagrams = 2;
	inject_frag(41, IP_PROTO_UDP, 0, 8, 1, T0);
	inject_frag(42, IP_PROTO_UDP, 0, 8, 1, T0);
	assert_int_equal(ip_stats.reasm_too_many, 0);
	inject_frag(43, IP_PROTO_UDP, 0, 8, 1, T0);
	assert_int_equal(ip_stats.reasm_too_many, 1);
	assert_int_equal(ip_reass_count(), 2);
	assert_int_equal(net_timers_armed(), 2);
	done();
}

static void test_oversize(void **state)
{
	(void)state;
	/* Offset 65512 + 24 bytes + 20 of header: past 65535. */
	inject_frag(51, IP_PROTO_UDP, 65512, 24, 0, T0);
	assert_int_equal(ip_stats.reasm_oversize, 1);
	/* Just fitting is fine: 65512 + 3 + 20 = 65535. */
	inject_frag(51, IP_PROTO_UDP, 65512, 3, 0, T0);
	assert_int_equal(ip_stats.reasm_oversize, 1);
	assert_int_equal(ip_reass_count(), 1);
	done();
}

static void test_bad_fragments(void **state)
{
	(void)state;
	assert_int_equal(ip_protocol_register("REC", IP_PROTO_UDP, record_handler, NULL), 0);
	/* A first fragment too small for the 8 transport bytes. */
	inject_frag(61, IP_PROTO_UDP, 0, 4, 1, T0);
	assert_int_equal(ip_stats.reasm_bad_frag, 1);
	/* A middle fragment that is not a multiple of 8. */
	inject_frag(61, IP_PROTO_UDP, 8, 12, 1, T0);
	assert_int_equal(ip_stats.reasm_bad_frag, 2);
	/* A fragment with no data at all. */
	inject_frag(61, IP_PROTO_UDP, 16, 0, 0, T0);
	assert_int_equal(ip_stats.reasm_bad_frag, 3);
	/* RFC 1858: TCP at offset 8 would rewrite the header's flags. */
	inject_frag(62, IP_PROTO_TCP, 8, 16, 0, T0);
	assert_int_equal(ip_stats.reasm_bad_frag, 4);
	/* The same offset is fine for UDP. */
	inject_frag(63, IP_PROTO_UDP, 8, 16, 0, T0);
	assert_int_equal(ip_stats.reasm_bad_frag, 4);
	assert_int_equal(ip_reass_count(), 1);
	done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_captured_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_captured_reversed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap_discards, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inconsistent_last, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expire_at_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_cap_evicts_oldest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_datagram_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_fragments, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
