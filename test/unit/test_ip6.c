/* SPDX-License-Identifier: MIT */
/* IPv6 and ICMPv6: header parse/emit against frames captured from Linux
 * (test/data/linux-ipv6-nd.pcap: 2001:db8::a, MAC 02:..:0a, pings 2001:db8::b, MAC
 * 02:..:0b: frame 0 its NS, 1 the NA, 2 the echo request, 3 the reply), truncated and
 * corrupted headers with their counters, the extension header walk (every verdict and
 * its counter, the parameter problems and where they point), the ICMPv6 error rules and
 * rate limit, the RFC 7217 link-local address and source selection. */
#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <string.h>
#include <unistd.h>

#include "ether/ether.h"
#include "ip6/icmp6.h"
#include "ip6/ip6.h"
#include "nd/nd.h"
#include "net/byteorder.h"
#include "net/loop.h"

#define PCAP "test/data/linux-ipv6-nd.pcap"
#define T0 1000000ull

static struct net_device *dev;
static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 0x0b };
static struct net_addr addr_a, addr_b;

static int setup(void **state)
{
	(void)state;
	dev = test_ip6_setup(1, "2001:db8::b", T0); /* the captured responder's MAC */
	addr_a = test_addr6("2001:db8::a");
	addr_b = test_addr6("2001:db8::b");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_ip6_teardown();
	return 0;
}

/* ---- frames ---- */

static size_t capture(int index, uint8_t *b, size_t cap)
{
	long n = test_pcap_frame(PCAP, index, b, cap);

	assert_true(n > ETHER_HDR_LEN + IP6_HDR_LEN);
	return (size_t)n;
}

/* An Ethernet frame from a's MAC to ours with an IPv6 packet: src, dst, next header,
 * hop limit, and payload (an ICMPv6 message gets its checksum when icmp is set). */
static size_t frame6(uint8_t *b, const struct net_addr *src, const struct net_addr *dst,
		     uint8_t next, uint8_t hlim, const uint8_t *pl, size_t plen, int icmp_off)
{
	struct ip6_hdr h = { .plen = (uint16_t)plen, .next = next, .hlim = hlim };
	struct ether_hdr eh = { .type = ETHER_TYPE_IPV6 };

	memcpy(eh.dst, dev->hwaddr, 6);
	memcpy(eh.src, mac_a, 6);
	ether_emit(&eh, b, ETHER_HDR_LEN);
	h.src = *src;
	h.dst = *dst;
	ip6_emit(&h, b + ETHER_HDR_LEN, IP6_HDR_LEN);
	memcpy(b + ETHER_HDR_LEN + IP6_HDR_LEN, pl, plen);
	if (icmp_off >= 0) {
		uint8_t *m = b + ETHER_HDR_LEN + IP6_HDR_LEN + icmp_off;

		wr16(m + 2, 0);
		wr16(m + 2, icmp6_cksum(src, dst, m, plen - (size_t)icmp_off));
	}
	return ETHER_HDR_LEN + IP6_HDR_LEN + plen;
}

static void inject(const uint8_t *b, size_t len)
{
	net_device_input(dev, pkb_from_bytes(b, len), net_clock_ms());
}

/* An echo request body (8 bytes of header, 8 of data), checksum left to frame6. */
static size_t echo_body(uint8_t *b)
{
	static const uint8_t e[16] = { ICMP6_ECHO_REQUEST, 0, 0, 0, 0x12, 0x34, 0, 1,
				       'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h' };

	memcpy(b, e, sizeof(e));
	return sizeof(e);
}

/* Pops our next frame: an IPv6 packet; returns its ICMPv6 type (checks the checksum). */
static int pop_icmp6(struct ip6_hdr *h, uint8_t *body, size_t *blen)
{
	struct pkb *p = test_dev_pop(dev);
	struct icmp6_hdr ih;
	int type;

	assert_non_null(p);
	assert_int_equal(rd16(p->data + 12), ETHER_TYPE_IPV6);
	assert_int_equal(ip6_parse(p->data + ETHER_HDR_LEN, p->len - ETHER_HDR_LEN, h), 0);
	assert_int_equal(h->next, IP6_NH_ICMPV6);
	assert_int_equal(icmp6_parse(p->data + ETHER_HDR_LEN + IP6_HDR_LEN, h->plen, &h->src,
				     &h->dst, &ih), 0);
	type = ih.type;
	if (body) {
		memcpy(body, p->data + ETHER_HDR_LEN + IP6_HDR_LEN, h->plen);
		*blen = h->plen;
	}
	pkb_free(p);
	return type;
}

/* Makes a's MAC known (the captured NS) and takes our NA off the device. */
static void learn_a(void)
{
	uint8_t b[128];
	size_t n = capture(0, b, sizeof(b));

	inject(b, n);
	assert_int_equal(test_dev_pending(dev), 1);
	test_dev_flush(dev);
}

/* ---- the header ---- */

static void test_parse_emit_capture(void **state)
{
	uint8_t b[128], out[IP6_HDR_LEN];
	size_t n = capture(2, b, sizeof(b));
	struct ip6_hdr h;

	(void)state;
	assert_int_equal(ip6_parse(b + ETHER_HDR_LEN, n - ETHER_HDR_LEN, &h), IP6_PARSE_OK);
	assert_int_equal(h.version, 6);
	assert_int_equal(h.flow, 0x6036b);
	assert_int_equal(h.plen, 24);
	assert_int_equal(h.next, IP6_NH_ICMPV6);
	assert_int_equal(h.hlim, 64);
	assert_true(net_addr_eq(&h.src, &addr_a));
	assert_true(net_addr_eq(&h.dst, &addr_b));
	assert_int_equal(ip6_emit(&h, out, sizeof(out)), IP6_HDR_LEN);
	assert_memory_equal(out, b + ETHER_HDR_LEN, IP6_HDR_LEN);
	assert_int_equal(ip6_emit(&h, out, IP6_HDR_LEN - 1), 0);
	/* every truncation of the header, a wrong version, a payload past the end */
	for (size_t len = 0; len < IP6_HDR_LEN; len++)
		assert_int_equal(ip6_parse(b + ETHER_HDR_LEN, len, &h), IP6_PARSE_SHORT);
	assert_int_equal(ip6_parse(b + ETHER_HDR_LEN, n - ETHER_HDR_LEN - 1, &h), IP6_PARSE_PLEN);
	b[ETHER_HDR_LEN] = 0x45;
	assert_int_equal(ip6_parse(b + ETHER_HDR_LEN, n - ETHER_HDR_LEN, &h), IP6_PARSE_VERSION);
	test_assert_no_leaks();
}

/* The captured request gets the captured reply, byte for byte but for the flow label
 * (Linux picks one per flow; ustack sends 0). */
static void test_echo_reply_capture(void **state)
{
	uint8_t req[128], want[128];
	size_t n = capture(2, req, sizeof(req)), wn = capture(3, want, sizeof(want));
	struct pkb *p;

	(void)state;
	learn_a();
	inject(req, n);
	p = test_dev_pop(dev);
	assert_non_null(p);
	assert_int_equal(p->len, wn);
	want[ETHER_HDR_LEN + 1] &= 0xf0; /* the flow label */
	want[ETHER_HDR_LEN + 2] = want[ETHER_HDR_LEN + 3] = 0;
	assert_memory_equal(p->data, want, wn);
	pkb_free(p);
	assert_int_equal(icmp6_stats.in_echo_requests, 1);
	assert_int_equal(icmp6_stats.out_echo_replies, 1);
	/* the same request with its checksum broken: counted, unanswered */
	req[n - 1] ^= 0x01;
	inject(req, n);
	assert_int_equal(icmp6_stats.in_csum_errors, 1);
	assert_int_equal(test_dev_pending(dev), 0);
}

/* Input checks, each with its counter, on the captured request. */
static void test_input_drops(void **state)
{
	uint8_t b[128], c[128];
	size_t n = capture(2, b, sizeof(b));
	struct net_addr other = test_addr6("2001:db8::99"), mc = test_addr6("ff02::2"), lo = test_addr6("::1");

	(void)state;
	learn_a();
	memcpy(c, b, n);
	inject(c, ETHER_HDR_LEN + 39);
	assert_int_equal(ip6_stats.in_hdr_short, 1);
	c[ETHER_HDR_LEN] = 0x40;
	inject(c, n);
	assert_int_equal(ip6_stats.in_hdr_version, 1);
	memcpy(c, b, n);
	wr16(c + ETHER_HDR_LEN + 4, 25);
	inject(c, n);
	assert_int_equal(ip6_stats.in_hdr_plen, 1);
	/* padding after the payload is cut off, not an error */
	memcpy(c, b, n);
	memset(c + n, 0, 8);
	inject(c, n + 8);
	assert_int_equal(icmp6_stats.out_echo_replies, 1);
	test_dev_flush(dev);
	/* a destination not ours, a group we did not join; sources that name no node */
	memcpy(c, b, n);
	memcpy(c + ETHER_HDR_LEN + 24, other.v6, 16);
	inject(c, n);
	memcpy(c + ETHER_HDR_LEN + 24, mc.v6, 16);
	inject(c, n);
	assert_int_equal(ip6_stats.in_not_for_us, 2);
	memcpy(c, b, n);
	memcpy(c + ETHER_HDR_LEN + 8, mc.v6, 16);
	inject(c, n);
	memcpy(c + ETHER_HDR_LEN + 8, lo.v6, 16);
	inject(c, n);
	memcpy(c + ETHER_HDR_LEN + 8, addr_b.v6, 16);
	inject(c, n);
	assert_int_equal(ip6_stats.in_martian_src, 3);
	assert_int_equal(test_dev_pending(dev), 0);
	/* hop limit 0 is still delivered to a host (it bounds forwarding) */
	memcpy(c, b, n);
	c[ETHER_HDR_LEN + 7] = 0;
	inject(c, n);
	assert_int_equal(icmp6_stats.out_echo_replies, 2);
}

/* ---- extension headers ---- */

/* Sends an echo request behind the extension headers ext (elen bytes, the first with
 * next header first_nh) to dst; returns how many frames came out. */
static size_t send_ext(uint8_t first_nh, const uint8_t *ext, size_t elen,
		       const struct net_addr *dst)
{
	uint8_t pl[256], b[320];
	size_t n;

	memcpy(pl, ext, elen);
	n = elen + echo_body(pl + elen);
	n = frame6(b, &addr_a, dst, first_nh, 64, pl, n, (int)elen);
	/* the checksum covers the echo only: frame6 summed it over the headers too */
	wr16(b + ETHER_HDR_LEN + IP6_HDR_LEN + elen + 2, 0);
	wr16(b + ETHER_HDR_LEN + IP6_HDR_LEN + elen + 2,
	     icmp6_cksum(&addr_a, dst, b + ETHER_HDR_LEN + IP6_HDR_LEN + elen, 16));
	inject(b, n);
	return test_dev_pending(dev);
}

/* Pops a parameter problem and checks its code and pointer. */
static void expect_paramprob(uint8_t code, uint32_t ptr)
{
	uint8_t body[1400];
	size_t blen;
	struct ip6_hdr h;

	assert_int_equal(pop_icmp6(&h, body, &blen), ICMP6_PARAM_PROB);
	assert_int_equal(body[1], code);
	assert_int_equal(rd32(body + 4), ptr);
	assert_true(net_addr_eq(&h.dst, &addr_a));
	assert_true(net_addr_eq(&h.src, &addr_b));
	assert_int_equal(blen, ICMP6_HDR_LEN + rd16(body + 8 + 4) + IP6_HDR_LEN); /* whole quote */
}

static void test_ext_headers(void **state)
{
	/* next header ICMPv6 (58) after each */
	static const uint8_t padn[8] = { 58, 0, 1, 4, 0, 0, 0, 0 };
	static const uint8_t hbh_ra[8] = { 58, 0, 5, 2, 0, 0, 1, 0 }; /* router alert */
	static const uint8_t skip00[8] = { 58, 0, 0x1e, 4, 0, 0, 0, 0 };
	static const uint8_t act01[8] = { 58, 0, 0x41, 4, 0, 0, 0, 0 };
	static const uint8_t act10[8] = { 58, 0, 0x81, 4, 0, 0, 0, 0 };
	static const uint8_t act11[8] = { 58, 0, 0xc1, 4, 0, 0, 0, 0 };
	static const uint8_t past[8] = { 58, 0, 1, 9, 0, 0, 0, 0 };
	static const uint8_t rt0_done[8] = { 58, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t rt0[24] = { 58, 2, 0, 1, 0, 0, 0, 0, 0x20, 1, 0x0d, 0xb8 };
	static const uint8_t frag_atomic[8] = { 58, 0, 0, 0, 0, 0, 0, 7 };
	static const uint8_t frag_first[8] = { 58, 0, 0, 1, 0, 0, 0, 7 };
	static const uint8_t long_hdr[8] = { 58, 3, 1, 4, 0, 0, 0, 0 }; /* says 32 bytes */
	uint8_t chain[16], many[80];
	struct net_addr all = ip6_addr_all_nodes();

	(void)state;
	learn_a();
	/* delivered: PadN in a hop-by-hop header, a router alert, an unknown option of
	 * action 00, a finished routing header, an atomic fragment */
	assert_int_equal(send_ext(IP6_NH_HOPOPTS, padn, 8, &addr_b), 1);
	assert_int_equal(send_ext(IP6_NH_HOPOPTS, hbh_ra, 8, &addr_b), 2);
	assert_int_equal(send_ext(IP6_NH_DSTOPTS, skip00, 8, &addr_b), 3);
	assert_int_equal(send_ext(IP6_NH_ROUTING, rt0_done, 8, &addr_b), 4);
	assert_int_equal(send_ext(IP6_NH_FRAGMENT, frag_atomic, 8, &addr_b), 5);
	assert_int_equal(icmp6_stats.out_echo_replies, 5);
	assert_int_equal(ip6_stats.in_rthdr_ignored, 1);
	assert_int_equal(ip6_stats.in_frag_atomic, 1);
	test_dev_flush(dev);
	/* action 01: dropped quietly */
	assert_int_equal(send_ext(IP6_NH_DSTOPTS, act01, 8, &addr_b), 0);
	assert_int_equal(ip6_stats.in_opt_discard, 1);
	/* action 10: a parameter problem pointing at the option, even to a multicast dst */
	assert_int_equal(send_ext(IP6_NH_DSTOPTS, act10, 8, &addr_b), 1);
	expect_paramprob(ICMP6_PARAMPROB_OPTION, 42);
	assert_int_equal(send_ext(IP6_NH_DSTOPTS, act10, 8, &all), 1);
	expect_paramprob(ICMP6_PARAMPROB_OPTION, 42);
	/* action 11: only to a unicast destination */
	assert_int_equal(send_ext(IP6_NH_DSTOPTS, act11, 8, &addr_b), 1);
	expect_paramprob(ICMP6_PARAMPROB_OPTION, 42);
	assert_int_equal(send_ext(IP6_NH_DSTOPTS, act11, 8, &all), 0);
	assert_int_equal(icmp6_stats.out_err_suppressed, 1);
	assert_int_equal(ip6_stats.in_opt_paramprob, 4);
	/* an option past its header, a header past the packet */
	assert_int_equal(send_ext(IP6_NH_DSTOPTS, past, 8, &addr_b), 0);
	assert_int_equal(ip6_stats.in_opt_malformed, 1);
	assert_int_equal(send_ext(IP6_NH_DSTOPTS, long_hdr, 8, &addr_b), 0);
	assert_int_equal(ip6_stats.in_ext_truncated, 1);
	/* routing type 0 with a segment left: refused, pointing at the type (40 + 2) */
	assert_int_equal(send_ext(IP6_NH_ROUTING, rt0, 24, &addr_b), 1);
	expect_paramprob(ICMP6_PARAMPROB_HEADER, 42);
	assert_int_equal(ip6_stats.in_rthdr_refused, 1);
	/* hop-by-hop after a destination options header: points at the next header field
	 * that named it (40) */
	memcpy(chain, padn, 8);
	chain[0] = IP6_NH_HOPOPTS;
	memcpy(chain + 8, padn, 8);
	assert_int_equal(send_ext(IP6_NH_DSTOPTS, chain, 16, &addr_b), 1);
	expect_paramprob(ICMP6_PARAMPROB_NEXTHDR, 40);
	assert_int_equal(ip6_stats.in_hbh_not_first, 1);
	/* a first fragment: held for reassembly (test_ip6_frag.c says the rest) */
	assert_int_equal(send_ext(IP6_NH_FRAGMENT, frag_first, 8, &addr_b), 0);
	assert_int_equal(ip6_stats.reasm_reqds, 1);
	assert_int_equal(ip6_reass_count(), 1);
	/* ten headers: over ext_max (8) */
	for (int i = 0; i < 10; i++) {
		memcpy(many + 8 * i, padn, 8);
		many[8 * i] = i < 9 ? IP6_NH_DSTOPTS : IP6_NH_ICMPV6;
	}
	assert_int_equal(send_ext(IP6_NH_DSTOPTS, many, 80, &addr_b), 0);
	assert_int_equal(ip6_stats.in_ext_too_many, 1);
	ip6_config.ext_max = 10;
	assert_int_equal(send_ext(IP6_NH_DSTOPTS, many, 80, &addr_b), 1);
	assert_int_equal(pop_icmp6(&(struct ip6_hdr){ 0 }, NULL, NULL), ICMP6_ECHO_REPLY);
	/* an unknown next header: parameter problem code 1 at the fixed header's field (6);
	 * no next header: dropped quietly */
	memcpy(chain, padn, 8);
	chain[0] = 253;
	assert_int_equal(send_ext(IP6_NH_DSTOPTS, chain, 8, &addr_b), 1);
	expect_paramprob(ICMP6_PARAMPROB_NEXTHDR, 40);
	assert_int_equal(send_ext(253, padn, 0, &addr_b), 1);
	expect_paramprob(ICMP6_PARAMPROB_NEXTHDR, 6);
	assert_int_equal(ip6_stats.in_unknown_nh, 2);
	chain[0] = IP6_NH_NONE;
	assert_int_equal(send_ext(IP6_NH_DSTOPTS, chain, 8, &addr_b), 0);
	assert_int_equal(ip6_stats.in_no_next_header, 1);
	/* TCP with no transport registered (test_ip6_transport.c registers them): as
	 * unknown as 253 */
	assert_int_equal(send_ext(IP6_NH_TCP, padn, 0, &addr_b), 1);
	expect_paramprob(ICMP6_PARAMPROB_NEXTHDR, 6);
	assert_int_equal(ip6_stats.in_unknown_nh, 3);
}

/* The options walk by itself, table-driven: the verdict and where it points. */
static void test_opts_check(void **state)
{
	static const struct {
		uint8_t b[16];
		size_t len;
		enum ip6_opt_verdict v;
		size_t bad;
	} cases[] = {
		{ { 58, 0, 0, 0, 0, 0, 0, 0 }, 8, IP6_OPT_OK, 0 },            /* six Pad1 */
		{ { 58, 0, 1, 4, 0, 0, 0, 0 }, 8, IP6_OPT_OK, 0 },            /* PadN */
		{ { 58, 0, 0, 0x3f, 2, 0, 0, 0 }, 8, IP6_OPT_OK, 0 },         /* 00: skipped */
		{ { 58, 0, 0, 0x7f, 2, 0, 0, 0 }, 8, IP6_OPT_DISCARD, 3 },
		{ { 58, 0, 0x80, 4, 0, 0, 0, 0 }, 8, IP6_OPT_PARAMPROB, 2 },
		{ { 58, 0, 0xff, 4, 0, 0, 0, 0 }, 8, IP6_OPT_PARAMPROB_UCAST, 2 },
		{ { 58, 0, 1, 5, 0, 0, 0, 0 }, 8, IP6_OPT_MALFORMED, 3 },     /* past the end */
		{ { 58, 0, 0, 0, 0, 0, 0, 1 }, 8, IP6_OPT_MALFORMED, 7 },     /* no length byte */
	};
	struct ip6_ext e;
	struct ip6_frag f;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t bad = 0;

		assert_int_equal(ip6_opts_check(cases[i].b, cases[i].len, &bad), cases[i].v);
		if (cases[i].v != IP6_OPT_OK)
			assert_int_equal(bad, cases[i].bad);
	}
	assert_int_equal(ip6_ext_parse(cases[0].b, 8, &e), 0);
	assert_int_equal(e.len, 8);
	assert_int_equal(ip6_ext_parse(cases[0].b, 7, &e), -EINVAL);
	assert_int_equal(ip6_ext_parse(cases[0].b, 1, &e), -EINVAL);
	assert_int_equal(ip6_frag_parse((const uint8_t[]){ 6, 0, 0x05, 0x39, 0, 0, 1, 2 }, 8, &f),
			 0);
	assert_int_equal(f.next, 6);
	assert_int_equal(f.offset, 0x538);
	assert_int_equal(f.more, 1);
	assert_int_equal(f.id, 0x102);
	assert_int_equal(ip6_frag_parse(cases[0].b, 7, &f), -EINVAL);
}

/* ---- ICMPv6 errors ---- */

static void test_error_rules_and_rate(void **state)
{
	static const uint8_t act10[8] = { 58, 0, 0x81, 4, 0, 0, 0, 0 };
	uint8_t pl[64], b[128];
	size_t n;

	(void)state;
	learn_a();
	/* never about an ICMPv6 error: a destination unreachable behind a bad option */
	memcpy(pl, act10, 8);
	memset(pl + 8, 0, 56);
	pl[8] = ICMP6_DST_UNREACH;
	n = frame6(b, &addr_a, &addr_b, IP6_NH_DSTOPTS, 64, pl, 56, 8);
	inject(b, n);
	assert_int_equal(test_dev_pending(dev), 0);
	assert_int_equal(icmp6_stats.out_err_suppressed, 1);
	/* the rate limit: a burst of 10, then one per 100 ms */
	for (int i = 0; i < 15; i++)
		send_ext(IP6_NH_DSTOPTS, act10, 8, &addr_b);
	assert_int_equal(test_dev_pending(dev), 10);
	assert_int_equal(icmp6_stats.out_rate_limited, 5);
	test_dev_flush(dev);
	net_clock_set_fake(1, T0 + 250);
	for (int i = 0; i < 5; i++)
		send_ext(IP6_NH_DSTOPTS, act10, 8, &addr_b);
	assert_int_equal(test_dev_pending(dev), 2);
	assert_int_equal(icmp6_stats.out_param_prob, 12);
}

/* ---- addresses ---- */

static void test_linklocal_rfc7217(void **state)
{
	static const uint8_t fe80[8] = { 0xfe, 0x80 };
	const uint64_t k1[2] = { 1, 2 }, k2[2] = { 1, 3 };
	uint8_t a[16], b[16], eui[8];
	struct net_device *other;
	const struct ip6_ifaddr *ifa = NULL;
	struct net_addr ll;

	(void)state;
	ip6_stable_iid(dev, fe80, 0, k1, a);
	ip6_stable_iid(dev, fe80, 0, k1, b);
	assert_memory_equal(a, b, 16); /* stable */
	assert_memory_equal(a, fe80, 8);
	ip6_stable_iid(dev, fe80, 0, k2, b);
	assert_memory_not_equal(a + 8, b + 8, 8); /* the secret matters */
	ip6_stable_iid(dev, fe80, 1, k1, b);
	assert_memory_not_equal(a + 8, b + 8, 8); /* the DAD counter too */
	ip6_stable_iid(dev, (const uint8_t[8]){ 0x20, 0x01, 0x0d, 0xb8 }, 0, k1, b);
	assert_memory_not_equal(a + 8, b + 8, 8); /* and the prefix */
	/* not the EUI-64 of the MAC (RFC 7217: the MAC is not to be exposed) */
	eui[0] = mac_b[0] ^ 2, eui[1] = mac_b[1], eui[2] = mac_b[2], eui[3] = 0xff;
	eui[4] = 0xfe, eui[5] = mac_b[3], eui[6] = mac_b[4], eui[7] = mac_b[5];
	assert_memory_not_equal(a + 8, eui, 8);
	/* another device, another identifier */
	other = test_dev_create("eth1", NET_DEV_ETHER, 1500);
	ip6_stable_iid(other, fe80, 0, k1, b);
	assert_memory_not_equal(a + 8, b + 8, 8);
	/* the device's link-local: fe80::/64, the groups joined, the same on a second try */
	assert_int_equal(ip6_addr_add_linklocal(dev, 0), 0);
	assert_int_equal(ip6_addr_add_linklocal(dev, 0), -EEXIST);
	assert_int_equal(ip6_addr_count(dev), 2);
	ip6_stable_iid(dev, fe80, 0, ip6_config.secret, ll.v6);
	ll.family = AF_INET6;
	ifa = ip6_addr_find(dev, &ll);
	assert_non_null(ifa);
	assert_int_equal(ifa->prefixlen, 64);
	assert_true(ifa->flags & IP6_IFA_LINKLOCAL);
	assert_true(net_device_mcast_member(dev, (const uint8_t[6]){ 0x33, 0x33, 0, 0, 0, 1 }));
	assert_true(net_device_mcast_member(dev, (const uint8_t[6]){ 0x33, 0x33, 0xff, ll.v6[13],
								    ll.v6[14], ll.v6[15] }));
	/* a TUN device has none; bad addresses are refused */
	assert_int_equal(ip6_addr_add(dev, &(struct net_addr){ .family = AF_INET6 }, 64, 0),
			 -EINVAL);
	ll = test_addr6("ff02::5");
	assert_int_equal(ip6_addr_add(dev, &ll, 64, 0), -EINVAL);
	ll = test_addr6("2001:db8::c");
	assert_int_equal(ip6_addr_add(dev, &ll, 129, 0), -EINVAL);
	assert_int_equal(ip6_addr_add(dev, &ll, 64, 0), 0);
	ll = test_addr6("2001:db8::d");
	assert_int_equal(ip6_addr_add(dev, &ll, 64, 0), 0);
	ll = test_addr6("2001:db8::e");
	assert_int_equal(ip6_addr_add(dev, &ll, 64, 0), -ENOSPC); /* IP6_IFADDR_PER_DEV */
	test_dev_flush(other);
}

static void test_source_selection(void **state)
{
	static const struct {
		const char *dst, *src;
	} cases[] = {
		{ "fe80::9", "fe80::1" },             /* link-local for link-local */
		{ "ff02::1", "fe80::1" },             /* and for link-scope multicast */
		{ "2001:db8:1::5", "2001:db8:1::2" }, /* the longest common prefix */
		{ "2001:db8::7", "2001:db8::b" },
		{ "2001:db8::b", "2001:db8::b" },     /* ours: itself */
		{ "2001:db9::1", "2001:db8::b" },     /* a global one for a global destination */
	};
	struct net_addr ll = test_addr6("fe80::1"), g2 = test_addr6("2001:db8:1::2"), d, s;
	struct net_nexthop nh;

	(void)state;
	assert_int_equal(ip6_addr_add(dev, &ll, 64, IP6_IFA_LINKLOCAL), 0);
	assert_int_equal(ip6_addr_add(dev, &g2, 64, IP6_IFA_STATIC), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct net_addr want = test_addr6(cases[i].src);

		d = test_addr6(cases[i].dst);
		assert_int_equal(ip6_source_select(dev, &d, &s), 0);
		if (!net_addr_eq(&s, &want))
			fail_msg("dst %s: got another source than %s", cases[i].dst, cases[i].src);
	}
	/* routes: on-link prefixes find their device; a link-local needs one named */
	d = test_addr6("2001:db8:1::77");
	assert_int_equal(ip6_route(&d, NULL, &nh), 0);
	assert_ptr_equal(nh.dev, dev);
	assert_true(net_addr_eq(&nh.nexthop, &d));
	assert_true(net_addr_eq(&nh.src, &g2));
	d = test_addr6("fe80::9");
	assert_int_equal(ip6_route(&d, NULL, &nh), -ENETUNREACH);
	assert_int_equal(ip6_route(&d, dev, &nh), 0);
	assert_true(net_addr_eq(&nh.src, &ll));
	d = test_addr6("2001:db9::1");
	assert_int_equal(ip6_route(&d, NULL, &nh), -ENETUNREACH); /* no default router yet */
	/* the family ops see the same */
	d = test_addr6("2001:db8:1::77");
	assert_int_equal(ip6_family_ops.source(&d, 0, &s), 0);
	assert_true(net_addr_eq(&s, &g2));
	assert_int_equal(ip6_family_ops.mtu(&d, 0), 1500);
	assert_true(ip6_family_ops.is_local(&g2));
	assert_false(ip6_family_ops.is_local(&d));
	assert_true(ip6_family_ops.is_multicast(&(struct net_addr){ .family = AF_INET6,
								     .v6 = { 0xff, 2 } }));
	/* a device with no IPv6 address has no source */
	d = test_addr6("fe80::9");
	assert_int_equal(ip6_source_select(test_dev_create("eth9", NET_DEV_ETHER, 1500), &d, &s),
			 -EADDRNOTAVAIL);
}

/* Static routes: one longest-prefix match with the on-link prefixes (a tie goes to the
 * on-link prefix), a gateway found on its link at lookup time (a route whose gateway is on
 * no link is passed over), a link-local gateway with its device, a device given limiting
 * the choice, and the table's refusals. */
static void test_static_routes(void **state)
{
	struct net_device *eth1 = test_dev_create("eth1", NET_DEV_ETHER, 1500);
	struct net_addr g1 = test_addr6("2001:db8:1::2"), gw0 = test_addr6("2001:db8::1"),
			gw1 = test_addr6("2001:db8:1::1"), ll = test_addr6("fe80::1"), any = test_addr6("::"), d;
	struct net_nexthop nh;
	uint32_t gen;
	static const struct {
		const char *pfx;
		unsigned plen;
		const char *gw;
		int on_eth1;           /* ifindex: eth1's, else 0 (found from gw) */
	} routes[] = {
		{ "2001:db8:5::", 48, "2001:db8::1", 0 },
		{ "2001:db8:5:7::", 64, "2001:db8:1::1", 0 },
		{ "::", 0, "fe80::1", 1 },
		{ "2001:db8::", 64, "2001:db8:1::1", 0 },     /* ties with eth0's prefix */
		{ "2001:db8::7", 128, "2001:db8:1::1", 0 },   /* longer than it */
		{ "2001:db8:6::", 48, "2001:db8:99::1", 0 },  /* the gateway is on no link */
		{ "2001:db8:8::", 48, "::", 1 },              /* on-link on eth1 */
	};
	static const struct {
		const char *dst;
		int via_eth1;
		const char *nexthop;
	} cases[] = {
		{ "2001:db8:5::9", 0, "2001:db8::1" },
		{ "2001:db8:5:7::1", 1, "2001:db8:1::1" },
		{ "2001:db8:5:8::1", 0, "2001:db8::1" },
		{ "2001:db9::1", 1, "fe80::1" },
		{ "2001:db8::8", 0, "2001:db8::8" },
		{ "2001:db8::7", 1, "2001:db8:1::1" },
		{ "2001:db8:6::1", 1, "fe80::1" },
		{ "2001:db8:8::1", 1, "2001:db8:8::1" },
	};

	(void)state;
	assert_int_equal(ip6_addr_add(eth1, &g1, 64, IP6_IFA_STATIC), 0);
	d = test_addr6("2001:db9::1");
	assert_int_equal(ip6_route(&d, NULL, &nh), -ENETUNREACH);
	gen = ip6_family_ops.route_generation();
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		struct net_addr p = test_addr6(routes[i].pfx), g = test_addr6(routes[i].gw);

		assert_int_equal(ip6_route_add(&p, routes[i].plen, &g,
					       routes[i].on_eth1 ? eth1->index : 0), 0);
	}
	assert_int_equal(ip6_route_count(), sizeof(routes) / sizeof(routes[0]));
	assert_true(ip6_family_ops.route_generation() != gen);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct net_addr want = test_addr6(cases[i].nexthop);

		d = test_addr6(cases[i].dst);
		assert_int_equal(ip6_route(&d, NULL, &nh), 0);
		if (nh.dev != (cases[i].via_eth1 ? eth1 : dev) || !net_addr_eq(&nh.nexthop, &want))
			fail_msg("dst %s: another device or next hop than %s", cases[i].dst,
				 cases[i].nexthop);
		assert_true(net_addr_eq(&nh.src, cases[i].via_eth1 ? &g1 : &addr_b));
	}
	/* a device given: routes through others are passed over */
	d = test_addr6("2001:db8:5:7::1");
	assert_int_equal(ip6_route(&d, dev, &nh), 0);
	assert_ptr_equal(nh.dev, dev);
	assert_true(net_addr_eq(&nh.nexthop, &gw0));
	/* the gateway's prefix gone: its routes are passed over, the default holds */
	assert_int_equal(ip6_addr_del(dev, &addr_b), 0);
	d = test_addr6("2001:db8:5::9");
	assert_int_equal(ip6_route(&d, NULL, &nh), 0);
	assert_ptr_equal(nh.dev, eth1);
	assert_true(net_addr_eq(&nh.nexthop, &ll));
	assert_int_equal(ip6_addr_add(dev, &addr_b, 64, IP6_IFA_STATIC), 0);
	/* refusals: the same prefix (host bits ignored), a link-local or no gateway without
	 * its device, a multicast gateway, a prefix too long, a device that is gone */
	d = test_addr6("2001:db8:5::1");
	assert_int_equal(ip6_route_add(&d, 48, &gw1, 0), -EEXIST);
	assert_int_equal(ip6_route_add(&d, 47, &ll, 0), -EINVAL);
	assert_int_equal(ip6_route_add(&d, 47, &any, 0), -EINVAL);
	assert_int_equal(ip6_route_add(&d, 47, &(struct net_addr){ .family = AF_INET6,
								    .v6 = { 0xff, 2, [15] = 1 } },
				       0), -EINVAL);
	assert_int_equal(ip6_route_add(&d, 129, &gw1, 0), -EINVAL);
	assert_int_equal(ip6_route_add(&d, 47, &ll, 99), -ENODEV);
	/* deleting: exactly that prefix */
	assert_int_equal(ip6_route_del(&d, 47), -ESRCH);
	assert_int_equal(ip6_route_del(&d, 48), 0);
	d = test_addr6("2001:db8:5::9");
	assert_int_equal(ip6_route(&d, NULL, &nh), 0);
	assert_true(net_addr_eq(&nh.nexthop, &ll)); /* the default route now */
	/* the table's bound */
	for (unsigned i = ip6_route_count(); i < IP6_ROUTE_MAX; i++) {
		d = test_addr6("2001:db8:100::");
		d.v6[5] = (uint8_t)i;
		assert_int_equal(ip6_route_add(&d, 48, &gw1, 0), 0);
	}
	d = test_addr6("2001:db8:200::");
	assert_int_equal(ip6_route_add(&d, 48, &gw1, 0), -ENOSPC);
	ip6_route_flush();
	assert_int_equal(ip6_route_count(), 0);
	d = test_addr6("2001:db9::1");
	assert_int_equal(ip6_route(&d, NULL, &nh), -ENETUNREACH);
}

/* Output: too big for the device (no fragmentation yet), no route. */
static void test_output_limits(void **state)
{
	struct net_addr far = test_addr6("2001:db9::1");
	struct pkb *p;

	(void)state;
	learn_a();
	/* one byte over the MTU: two fragments (test_ip6_frag.c checks them) */
	p = pkb_alloc(1500);
	pkb_put(p, 1500 - IP6_HDR_LEN + 1);
	memset(p->data, 0, p->len);
	assert_int_equal(ip6_output(IP6_NH_UDP, p, NULL, &addr_a, NULL, net_clock_ms()), 0);
	assert_int_equal(ip6_stats.out_frag_creates, 2);
	assert_int_equal(test_dev_pending(dev), 2);
	test_dev_flush(dev);
	/* over 65535 bytes of payload: no jumbograms */
	p = pkb_alloc(65536);
	pkb_put(p, 65536);
	memset(p->data, 0, p->len);
	assert_int_equal(ip6_output(IP6_NH_UDP, p, NULL, &addr_a, NULL, net_clock_ms()),
			 -EMSGSIZE);
	assert_int_equal(ip6_stats.out_too_big, 1);
	p = pkb_alloc(8);
	pkb_put(p, 8);
	assert_int_equal(ip6_output(IP6_NH_UDP, p, NULL, &far, NULL, net_clock_ms()),
			 -ENETUNREACH);
	assert_int_equal(ip6_stats.out_no_route, 1);
	/* one that fits leaves at once: a's MAC is known */
	p = pkb_alloc(1500);
	pkb_put(p, 1500 - IP6_HDR_LEN);
	memset(p->data, 0, p->len);
	assert_int_equal(ip6_output(IP6_NH_UDP, p, NULL, &addr_a, NULL, net_clock_ms()), 0);
	p = test_dev_pop(dev);
	assert_non_null(p);
	assert_memory_equal(p->data, mac_a, 6);
	assert_int_equal(p->len, 1514);
	pkb_free(p);
}

/* The family's port unreachable (what UDP will call): destination unreachable code 4 from
 * the address the datagram was sent to, quoting it; never about a multicast destination. */
static void test_port_unreach(void **state)
{
	uint8_t b[128], body[256], pl[16] = { 0x30, 0x39, 0, 9, 0, 16 };
	size_t n, blen;
	struct pkb *p;
	struct ip6_hdr h;
	struct net_addr all = ip6_addr_all_nodes();

	(void)state;
	learn_a();
	n = frame6(b, &addr_a, &addr_b, IP6_NH_UDP, 64, pl, sizeof(pl), -1);
	p = pkb_from_bytes(b + ETHER_HDR_LEN, n - ETHER_HDR_LEN);
	p->dev = dev;
	pkb_pull(p, IP6_HDR_LEN); /* as delivered: data at the UDP header */
	ip6_family_ops.port_unreach(p, IP6_HDR_LEN, net_clock_ms());
	assert_int_equal(p->len, sizeof(pl)); /* p stays the caller's, as it was */
	pkb_free(p);
	assert_int_equal(pop_icmp6(&h, body, &blen), ICMP6_DST_UNREACH);
	assert_int_equal(body[1], ICMP6_UNREACH_PORT);
	assert_true(net_addr_eq(&h.src, &addr_b));
	assert_true(net_addr_eq(&h.dst, &addr_a));
	assert_int_equal(blen, ICMP6_HDR_LEN + n - ETHER_HDR_LEN);
	assert_memory_equal(body + ICMP6_HDR_LEN, b + ETHER_HDR_LEN, n - ETHER_HDR_LEN);
	assert_int_equal(icmp6_stats.out_dst_unreach, 1);
	/* to all-nodes: no error */
	n = frame6(b, &addr_a, &all, IP6_NH_UDP, 64, pl, sizeof(pl), -1);
	p = pkb_from_bytes(b + ETHER_HDR_LEN, n - ETHER_HDR_LEN);
	p->dev = dev;
	pkb_pull(p, IP6_HDR_LEN);
	ip6_family_ops.port_unreach(p, IP6_HDR_LEN, net_clock_ms());
	pkb_free(p);
	assert_int_equal(test_dev_pending(dev), 0);
	assert_int_equal(icmp6_stats.out_err_suppressed, 1);
}

/* RFC 7217's secret comes from /etc/machine-id when there is one: the same after a
 * restart, so the link-local address is too. */
static void test_secret_stable(void **state)
{
	uint64_t first[2];

	(void)state;
	if (access("/etc/machine-id", R_OK) != 0)
		skip();
	net_protocol_reset(); /* ip6_init registers 0x86dd again */
	memset(ip6_config.secret, 0, sizeof(ip6_config.secret));
	assert_int_equal(ip6_init(), 0);
	memcpy(first, ip6_config.secret, sizeof(first));
	assert_true(first[0] || first[1]);
	net_protocol_reset();
	memset(ip6_config.secret, 0, sizeof(ip6_config.secret));
	assert_int_equal(ip6_init(), 0);
	assert_memory_equal(first, ip6_config.secret, sizeof(first));
}

/* A TUN carries bare IPv6: by the version nibble to ip6_input, and the reply straight out
 * of the device (no Ethernet, no ND). */
static void test_tun_bare_ipv6(void **state)
{
	struct net_device *tun = test_dev_create("tun0", NET_DEV_IP, 1500);
	struct net_addr us = test_addr6("2001:db8:76::2"), peer = test_addr6("2001:db8:76::1");
	uint8_t b[128], pl[16];
	size_t n;
	struct pkb *p;
	struct ip6_hdr h;

	(void)state;
	assert_int_equal(ip6_addr_add(tun, &us, 64, IP6_IFA_STATIC), 0);
	assert_int_equal(tun->nmcast, 0); /* no link-layer groups on a TUN */
	n = frame6(b, &peer, &us, IP6_NH_ICMPV6, 64, pl, echo_body(pl), 0);
	net_device_input(tun, pkb_from_bytes(b + ETHER_HDR_LEN, n - ETHER_HDR_LEN),
			 net_clock_ms());
	p = test_dev_pop(tun);
	assert_non_null(p);
	assert_int_equal(ip6_parse(p->data, p->len, &h), 0);
	assert_true(net_addr_eq(&h.src, &us));
	assert_true(net_addr_eq(&h.dst, &peer));
	assert_int_equal(p->data[IP6_HDR_LEN], ICMP6_ECHO_REPLY);
	pkb_free(p);
	assert_int_equal(nd_cache_count(), 0);
	/* a version 5 packet is nobody's */
	b[ETHER_HDR_LEN] = 0x50;
	net_device_input(tun, pkb_from_bytes(b + ETHER_HDR_LEN, n - ETHER_HDR_LEN),
			 net_clock_ms());
	assert_int_equal(netproto_stats.rx_unknown_ethertype, 1);
	assert_int_equal(test_dev_pending(tun), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parse_emit_capture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_echo_reply_capture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ext_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opts_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_rules_and_rate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_linklocal_rfc7217, setup, teardown),
		cmocka_unit_test_setup_teardown(test_source_selection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_static_routes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tun_bare_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_unreach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_stable, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
