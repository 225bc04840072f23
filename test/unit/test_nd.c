/* SPDX-License-Identifier: MIT */
/* Neighbour discovery: NS/NA parse and emit against Linux's (test/data/linux-ipv6-nd.pcap:
 * 2001:db8::a asks for 2001:db8::b, frames 0 and 1; linux-ipv6-dad.pcap: a duplicate
 * address detection NS from :: with a nonce option), every malformed variant with its
 * counter, and the neighbour cache driven through INCOMPLETE, REACHABLE, STALE, DELAY and
 * PROBE with a fake clock (RFC 4861 7.3.3 and Appendix C). */
#include "test/unit/testlib.h"

#include <string.h>

#include "ether/ether.h"
#include "ip6/icmp6.h"
#include "ip6/ip6.h"
#include "nd/nd.h"
#include "net/byteorder.h"
#include "net/loop.h"

#define PCAP "test/data/linux-ipv6-nd.pcap"
#define PCAP_DAD "test/data/linux-ipv6-dad.pcap"
#define T0 1000000ull

static struct net_device *dev;
static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 0x0b };
static const uint8_t mac_c[6] = { 2, 0, 0, 0, 0, 0x0c };
static struct net_addr addr_a, addr_b;
static uint64_t now;

static int setup(void **state)
{
	(void)state;
	now = T0;
	dev = test_ip6_setup(1, "2001:db8::b", now);
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

static void advance(uint64_t ms)
{
	now += ms;
	net_clock_set_fake(1, now);
	net_timers_run(now);
}

static size_t capture(const char *file, int index, uint8_t *b, size_t cap)
{
	long n = test_pcap_frame(file, index, b, cap);

	assert_true(n > ETHER_HDR_LEN + IP6_HDR_LEN);
	return (size_t)n;
}

static void inject(const uint8_t *b, size_t len)
{
	net_device_input(dev, pkb_from_bytes(b, len), now);
}

/* An NS or NA from src (MAC smac) to dst, as Linux builds them; fixes the checksum. */
static size_t nd_frame(uint8_t *b, const uint8_t smac[6], const uint8_t dmac[6],
		       const struct net_addr *src, const struct net_addr *dst, uint8_t hlim,
		       const struct nd_msg *m)
{
	struct ether_hdr eh = { .type = ETHER_TYPE_IPV6 };
	struct ip6_hdr h = { .next = IP6_NH_ICMPV6, .hlim = hlim };
	uint8_t *icmp = b + ETHER_HDR_LEN + IP6_HDR_LEN;
	size_t n;

	memcpy(eh.dst, dmac, 6);
	memcpy(eh.src, smac, 6);
	ether_emit(&eh, b, ETHER_HDR_LEN);
	n = nd_emit(m, icmp, 64);
	assert_true(n > 0);
	h.plen = (uint16_t)n;
	h.src = *src;
	h.dst = *dst;
	ip6_emit(&h, b + ETHER_HDR_LEN, IP6_HDR_LEN);
	wr16(icmp + 2, icmp6_cksum(src, dst, icmp, n));
	return ETHER_HDR_LEN + IP6_HDR_LEN + n;
}

static void fix_cksum(uint8_t *b, size_t len)
{
	struct ip6_hdr h;
	uint8_t *icmp = b + ETHER_HDR_LEN + IP6_HDR_LEN;

	assert_int_equal(ip6_parse(b + ETHER_HDR_LEN, len - ETHER_HDR_LEN, &h), 0);
	wr16(icmp + 2, 0);
	wr16(icmp + 2, icmp6_cksum(&h.src, &h.dst, icmp, h.plen));
}

/* Pops our next frame, which must be an NS or NA: its Ethernet destination, IPv6 header
 * (hop limit 255) and message. */
static void pop_nd(uint8_t dmac[6], struct ip6_hdr *h, struct nd_msg *m)
{
	struct pkb *p = test_dev_pop(dev);
	struct icmp6_hdr ih;

	assert_non_null(p);
	memcpy(dmac, p->data, 6);
	assert_int_equal(ip6_parse(p->data + ETHER_HDR_LEN, p->len - ETHER_HDR_LEN, h), 0);
	assert_int_equal(h->hlim, 255);
	assert_int_equal(icmp6_parse(p->data + ETHER_HDR_LEN + IP6_HDR_LEN, h->plen, &h->src,
				     &h->dst, &ih), 0);
	assert_int_equal(nd_parse(p->data + ETHER_HDR_LEN + IP6_HDR_LEN, h->plen, m), 0);
	pkb_free(p);
}

/* A packet of ours to a (an ICMPv6 echo request). */
static void send_to(const struct net_addr *dst)
{
	static const uint8_t echo[16] = { ICMP6_ECHO_REQUEST, 0, 0, 0, 0, 1, 0, 1 };
	struct pkb *p = pkb_alloc(sizeof(echo));

	memcpy(pkb_put(p, sizeof(echo)), echo, sizeof(echo));
	icmp6_output(p, NULL, dst, dev, 0, now);
}

/* Pops a frame that must be IPv6 data (not ND) to mac. */
static void pop_data(const uint8_t mac[6])
{
	struct pkb *p = test_dev_pop(dev);

	assert_non_null(p);
	assert_memory_equal(p->data, mac, 6);
	assert_int_equal(p->data[ETHER_HDR_LEN + IP6_HDR_LEN], ICMP6_ECHO_REQUEST);
	pkb_free(p);
}

/* ---- parse and emit ---- */

static void test_wire_capture(void **state)
{
	uint8_t ns[128], na[128], out[64];
	size_t nn = capture(PCAP, 0, ns, sizeof(ns)), an = capture(PCAP, 1, na, sizeof(na));
	struct nd_msg m;

	(void)state;
	assert_int_equal(nd_parse(ns + 54, nn - 54, &m), ND_PARSE_OK);
	assert_int_equal(m.type, ICMP6_ND_NS);
	assert_true(net_addr_eq(&m.target, &addr_b));
	assert_true(m.has_lla);
	assert_memory_equal(m.lla, mac_a, 6);
	assert_int_equal(nd_emit(&m, out, sizeof(out)), 32);
	out[2] = ns[56], out[3] = ns[57]; /* the checksum is ICMPv6's */
	assert_memory_equal(out, ns + 54, 32);
	assert_int_equal(nd_parse(na + 54, an - 54, &m), ND_PARSE_OK);
	assert_int_equal(m.type, ICMP6_ND_NA);
	assert_int_equal(m.flags, ND_NA_SOLICITED | ND_NA_OVERRIDE);
	assert_memory_equal(m.lla, mac_b, 6);
	assert_int_equal(nd_emit(&m, out, sizeof(out)), 32);
	out[2] = na[56], out[3] = na[57];
	assert_memory_equal(out, na + 54, 32);
	assert_int_equal(nd_emit(&m, out, 31), 0);
	/* truncations, a code, option lengths 0 and past the end, a multicast target */
	for (size_t len = 0; len < ND_NS_NA_LEN; len++)
		assert_int_equal(nd_parse(ns + 54, len, &m), ND_PARSE_SHORT);
	assert_int_equal(nd_parse(ns + 54, 30, &m), ND_PARSE_OPTLEN);
	memcpy(out, ns + 54, 32);
	out[25] = 0;
	assert_int_equal(nd_parse(out, 32, &m), ND_PARSE_OPTLEN);
	out[25] = 2;
	assert_int_equal(nd_parse(out, 32, &m), ND_PARSE_OPTLEN);
	memcpy(out, ns + 54, 32);
	out[1] = 1;
	assert_int_equal(nd_parse(out, 32, &m), ND_PARSE_CODE);
	memcpy(out, ns + 54, 32);
	out[8] = 0xff;
	assert_int_equal(nd_parse(out, 32, &m), ND_PARSE_TARGET);
	out[0] = ICMP6_ND_RS;
	assert_int_equal(nd_parse(out, 32, &m), ND_PARSE_TYPE);
}

/* The captured NS gets the captured NA, byte for byte. */
static void test_ns_answer_capture(void **state)
{
	uint8_t ns[128], want[128];
	size_t nn = capture(PCAP, 0, ns, sizeof(ns)), wn = capture(PCAP, 1, want, sizeof(want));
	uint8_t lla[6];
	struct pkb *p;

	(void)state;
	inject(ns, nn);
	p = test_dev_pop(dev);
	assert_non_null(p);
	assert_int_equal(p->len, wn);
	assert_memory_equal(p->data, want, wn);
	pkb_free(p);
	assert_int_equal(nd_stats.rx_ns, 1);
	assert_int_equal(nd_stats.tx_na, 1);
	/* the asker was learnt STALE (7.2.3), and our answer, its first use, made it DELAY */
	assert_int_equal(nd_cache_lookup(dev, &addr_a, lla), ND_DELAY);
	assert_memory_equal(lla, mac_a, 6);
}

/* Linux's DAD probe for an address we hold: we defend it to all nodes (7.2.4). */
static void test_dad_defended(void **state)
{
	uint8_t b[128], dmac[6];
	size_t n = capture(PCAP_DAD, 0, b, sizeof(b));
	struct ip6_hdr h;
	struct nd_msg m;
	struct net_addr all = ip6_addr_all_nodes();

	(void)state;
	assert_int_equal(ip6_addr_add(dev, &addr_a, 64, IP6_IFA_STATIC), 0);
	inject(b, n);
	pop_nd(dmac, &h, &m);
	assert_memory_equal(dmac, ((const uint8_t[6]){ 0x33, 0x33, 0, 0, 0, 1 }), 6);
	assert_true(net_addr_eq(&h.dst, &all));
	assert_true(net_addr_eq(&h.src, &addr_a));
	assert_int_equal(m.type, ICMP6_ND_NA);
	assert_int_equal(m.flags, ND_NA_OVERRIDE); /* not solicited */
	assert_true(net_addr_eq(&m.target, &addr_a));
	assert_memory_equal(m.lla, mac_b, 6);
	assert_int_equal(nd_stats.tx_dad_reply, 1);
	assert_int_equal(nd_cache_count(), 0); /* :: is nobody to learn */
	/* the same probe for an address not ours: not even its group is ours */
	memcpy(b + 14 + 40 + 8, test_addr6("2001:db8::c").v6, 16);
	b[14 + 24 + 15] = 0x0c; /* ff02::1:ff00:c */
	b[5] = 0x0c;
	fix_cksum(b, n);
	inject(b, n);
	assert_int_equal(test_dev_pending(dev), 0);
	assert_int_equal(ether_stats.rx_multicast_ignored, 1); /* a group we did not join */
	b[5] = 0x0a; /* to the Ethernet group we joined, but not its IPv6 group */
	inject(b, n);
	assert_int_equal(ip6_stats.in_not_for_us, 1);
	assert_int_equal(test_dev_pending(dev), 0);
}

/* Every malformed variant of the captured NS, each with its counter, none answered. */
static void test_malformed_counted(void **state)
{
	uint8_t ns[128], b[128];
	size_t n = capture(PCAP, 0, ns, sizeof(ns));
	struct nd_msg m = { .type = ICMP6_ND_NA, .target = test_addr6("2001:db8::a") };
	struct net_addr sol = ip6_addr_solicited(&addr_b), mc = test_addr6("ff02::1");

	(void)state;
	memcpy(b, ns, n);
	b[14 + 7] = 64; /* hop limit 64 */
	inject(b, n);
	assert_int_equal(nd_stats.rx_bad_hlim, 1);
	memcpy(b, ns, n);
	b[54 + 1] = 1; /* code 1 */
	fix_cksum(b, n);
	inject(b, n);
	assert_int_equal(nd_stats.rx_bad_code, 1);
	memcpy(b, ns, n);
	b[54 + 25] = 0; /* option length 0 */
	fix_cksum(b, n);
	inject(b, n);
	b[54 + 25] = 3; /* past the message */
	fix_cksum(b, n);
	inject(b, n);
	assert_int_equal(nd_stats.rx_bad_optlen, 2);
	memcpy(b, ns, n);
	memcpy(b + 54 + 8, mc.v6, 16); /* multicast target */
	fix_cksum(b, n);
	inject(b, n);
	assert_int_equal(nd_stats.rx_mcast_target, 1);
	memcpy(b, ns, n);
	b[54 + 2] ^= 0xff; /* checksum */
	inject(b, n);
	assert_int_equal(icmp6_stats.in_csum_errors, 1);
	memcpy(b, ns, n);
	wr16(b + 14 + 4, 20); /* an NS cut to 20 bytes */
	fix_cksum(b, 14 + 40 + 20);
	inject(b, 14 + 40 + 20);
	assert_int_equal(nd_stats.rx_short, 1);
	memcpy(b, ns, n);
	b[54 + 8 + 15] = 0x0c; /* a target not ours, to a group that is (::b's) */
	fix_cksum(b, n);
	inject(b, n);
	assert_int_equal(nd_stats.rx_not_our_target, 1);
	memcpy(b + 14 + 24, addr_b.v6, 16); /* to our unicast address */
	fix_cksum(b, n);
	inject(b, n);
	assert_int_equal(nd_stats.rx_not_our_target, 2);
	/* a DAD NS (from ::) to our unicast address, not the group: 7.1.1 */
	memcpy(b, ns, n);
	memset(b + 14 + 8, 0, 16);
	memcpy(b + 14 + 24, addr_b.v6, 16);
	wr16(b + 14 + 4, 24);
	fix_cksum(b, 14 + 40 + 24);
	inject(b, 14 + 40 + 24);
	assert_int_equal(nd_stats.rx_bad_dad, 1);
	/* an NS to the group without our-link's address option: unanswerable */
	memcpy(b, ns, n);
	wr16(b + 14 + 4, 24);
	fix_cksum(b, 14 + 40 + 24);
	inject(b, 14 + 40 + 24);
	assert_int_equal(nd_stats.rx_no_lla, 1);
	/* an NA to a multicast address with S set; an NA for our own address; one with
	 * no entry */
	m.flags = ND_NA_SOLICITED;
	inject(b, nd_frame(b, mac_a, (const uint8_t[6]){ 0x33, 0x33, 0xff, 0, 0, 0x0b }, &addr_a,
			   &sol, 255, &m));
	inject(b, nd_frame(b, mac_a, (const uint8_t[6]){ 0x33, 0x33, 0, 0, 0, 1 }, &addr_a, &mc,
			   255, &m));
	assert_int_equal(nd_stats.rx_na_mcast_solicited, 2);
	m.flags = ND_NA_OVERRIDE;
	m.target = addr_b;
	inject(b, nd_frame(b, mac_a, mac_b, &addr_a, &addr_b, 255, &m));
	assert_int_equal(nd_stats.rx_na_our_addr, 1);
	m.target = addr_a;
	inject(b, nd_frame(b, mac_a, mac_b, &addr_a, &addr_b, 255, &m));
	assert_int_equal(nd_stats.rx_na_unsolicited, 1);
	assert_int_equal(test_dev_pending(dev), 0);
	assert_int_equal(nd_cache_count(), 0);
	/* an RA from a global source: routers speak from their link-local (6.1.2) */
	memcpy(b, ns, n);
	b[54] = ICMP6_ND_RA;
	fix_cksum(b, n);
	inject(b, n);
	assert_int_equal(nd_stats.rx_ra_bad_src, 1);
}

/* ---- the cache ---- */

/* What icmp6_link_failure handed the echo sockets' error handler. */
static unsigned echo_errs;
static struct net_addr echo_err_dst, echo_err_from;
static uint8_t echo_err_type, echo_err_code;

static void echo_err(const struct pkb *p, const struct ip6_hdr *h, const struct net_addr *dst,
		     uint16_t id, uint16_t seq, uint64_t t)
{
	(void)t;
	assert_int_equal(id, 1);
	assert_int_equal(seq, 1);
	echo_errs++;
	echo_err_dst = *dst;
	echo_err_from = h->src;
	echo_err_type = p->data[0];
	echo_err_code = p->data[1];
}

/* INCOMPLETE: three multicast solicitations a second apart, then the entry and its
 * queue go, each waiting packet's sender (ours) told address unreachable, and nothing
 * of that on the wire (RFC 4861 7.2.2). */
static void test_resolution_fails(void **state)
{
	uint8_t dmac[6];
	struct ip6_hdr h;
	struct nd_msg m;
	struct net_addr sol = ip6_addr_solicited(&addr_a);

	(void)state;
	echo_errs = 0;
	icmp6_set_echo_error_handler(echo_err);
	send_to(&addr_a);
	send_to(&addr_a);
	assert_int_equal(nd_cache_lookup(dev, &addr_a, NULL), ND_INCOMPLETE);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(test_dev_pending(dev), 1);
		pop_nd(dmac, &h, &m);
		assert_memory_equal(dmac, ((const uint8_t[6]){ 0x33, 0x33, 0xff, 0, 0, 0x0a }), 6);
		assert_true(net_addr_eq(&h.dst, &sol));
		assert_true(net_addr_eq(&h.src, &addr_b));
		assert_int_equal(m.type, ICMP6_ND_NS);
		assert_true(net_addr_eq(&m.target, &addr_a));
		assert_true(m.has_lla);
		assert_memory_equal(m.lla, mac_b, 6);
		advance(999);
		assert_int_equal(test_dev_pending(dev), 0);
		advance(1);
	}
	assert_int_equal(nd_cache_lookup(dev, &addr_a, NULL), ND_NONE);
	assert_int_equal(nd_stats.resolve_failed, 1);
	assert_int_equal(nd_stats.queue_dropped_unresolved, 2);
	assert_int_equal(test_dev_pending(dev), 0);
	assert_int_equal(icmp6_stats.link_failures, 2);
	assert_int_equal(icmp6_stats.in_errors_delivered, 2);
	assert_int_equal(echo_errs, 2);
	assert_true(net_addr_eq(&echo_err_dst, &addr_a));
	assert_true(net_addr_eq(&echo_err_from, &addr_b));
	assert_int_equal(echo_err_type, ICMP6_DST_UNREACH);
	assert_int_equal(echo_err_code, ICMP6_UNREACH_ADDR);
	assert_int_equal(icmp6_stats.out_errors, 0);
	icmp6_set_echo_error_handler(NULL);
}

/* The whole life: INCOMPLETE -> REACHABLE (solicited NA) with the queue sent, -> STALE
 * after reachable_ms, -> DELAY on use, -> PROBE after delay_first_probe_ms with unicast
 * solicitations, -> REACHABLE on the answer; then PROBE unanswered -> gone. */
static void test_states(void **state)
{
	uint8_t b[128], dmac[6], lla[6];
	struct ip6_hdr h;
	struct nd_msg m, na = { .type = ICMP6_ND_NA, .has_lla = 1 };

	(void)state;
	nd_config.queue_max = 2;
	send_to(&addr_a);
	send_to(&addr_a);
	send_to(&addr_a); /* the queue holds 2: the oldest goes */
	assert_int_equal(nd_stats.queue_dropped_full, 1);
	pop_nd(dmac, &h, &m);
	na.target = addr_a;
	na.flags = ND_NA_SOLICITED | ND_NA_OVERRIDE;
	memcpy(na.lla, mac_a, 6);
	advance(300);
	inject(b, nd_frame(b, mac_a, mac_b, &addr_a, &addr_b, 255, &na));
	assert_int_equal(nd_cache_lookup(dev, &addr_a, lla), ND_REACHABLE);
	assert_memory_equal(lla, mac_a, 6);
	assert_int_equal(test_dev_pending(dev), 2);
	pop_data(mac_a);
	pop_data(mac_a);
	/* REACHABLE: sent at once, no solicitation */
	send_to(&addr_a);
	pop_data(mac_a);
	advance(nd_config.reachable_ms - 1);
	assert_int_equal(nd_cache_lookup(dev, &addr_a, NULL), ND_REACHABLE);
	advance(1);
	assert_int_equal(nd_cache_lookup(dev, &addr_a, NULL), ND_STALE);
	assert_int_equal(test_dev_pending(dev), 0);
	/* STALE: the packet leaves with the old MAC, the entry waits in DELAY */
	send_to(&addr_a);
	pop_data(mac_a);
	assert_int_equal(nd_cache_lookup(dev, &addr_a, NULL), ND_DELAY);
	advance(nd_config.delay_first_probe_ms);
	assert_int_equal(nd_cache_lookup(dev, &addr_a, NULL), ND_PROBE);
	pop_nd(dmac, &h, &m); /* a unicast probe to the cached MAC */
	assert_memory_equal(dmac, mac_a, 6);
	assert_true(net_addr_eq(&h.dst, &addr_a));
	assert_true(net_addr_eq(&m.target, &addr_a));
	/* PROBE: packets still leave */
	send_to(&addr_a);
	pop_data(mac_a);
	inject(b, nd_frame(b, mac_a, mac_b, &addr_a, &addr_b, 255, &na));
	assert_int_equal(nd_cache_lookup(dev, &addr_a, NULL), ND_REACHABLE);
	/* to PROBE again, and this time no answer: three probes, then the entry goes */
	advance(nd_config.reachable_ms);
	send_to(&addr_a);
	pop_data(mac_a);
	advance(nd_config.delay_first_probe_ms);
	for (unsigned i = 0; i < nd_config.max_unicast_solicit; i++) {
		assert_int_equal(nd_cache_lookup(dev, &addr_a, NULL), ND_PROBE);
		pop_nd(dmac, &h, &m);
		assert_memory_equal(dmac, mac_a, 6);
		advance(nd_config.retrans_ms);
	}
	assert_int_equal(nd_cache_lookup(dev, &addr_a, NULL), ND_NONE);
	assert_int_equal(nd_stats.probe_failed, 1);
	assert_int_equal(test_dev_pending(dev), 0);
}

/* Advertisements for a known entry (7.2.5): without O a new MAC only makes a REACHABLE
 * entry STALE; with O it replaces the MAC; an unsolicited one with the same MAC changes
 * nothing. A STALE entry unused for stale_gc_ms goes. */
static void test_na_rules(void **state)
{
	uint8_t b[128], lla[6], ns[128];
	size_t nn = capture(PCAP, 0, ns, sizeof(ns));
	struct nd_msg na = { .type = ICMP6_ND_NA, .target = test_addr6("2001:db8::a"), .has_lla = 1 };

	(void)state;
	send_to(&addr_a);
	test_dev_flush(dev);
	na.flags = ND_NA_SOLICITED;
	memcpy(na.lla, mac_a, 6);
	inject(b, nd_frame(b, mac_a, mac_b, &addr_a, &addr_b, 255, &na));
	test_dev_flush(dev);
	assert_int_equal(nd_cache_lookup(dev, &addr_a, NULL), ND_REACHABLE);
	/* S, not O, another MAC: STALE, the MAC kept */
	memcpy(na.lla, mac_c, 6);
	inject(b, nd_frame(b, mac_c, mac_b, &addr_a, &addr_b, 255, &na));
	assert_int_equal(nd_cache_lookup(dev, &addr_a, lla), ND_STALE);
	assert_memory_equal(lla, mac_a, 6);
	/* unsolicited with O: the new MAC, STALE */
	na.flags = ND_NA_OVERRIDE;
	inject(b, nd_frame(b, mac_c, mac_b, &addr_a, &addr_b, 255, &na));
	assert_int_equal(nd_cache_lookup(dev, &addr_a, lla), ND_STALE);
	assert_memory_equal(lla, mac_c, 6);
	/* solicited with the same MAC: REACHABLE */
	na.flags = ND_NA_SOLICITED;
	inject(b, nd_frame(b, mac_c, mac_b, &addr_a, &addr_b, 255, &na));
	assert_int_equal(nd_cache_lookup(dev, &addr_a, NULL), ND_REACHABLE);
	/* an NS from a with its MAC: the entry's MAC changes, STALE (7.2.3) */
	inject(ns, nn);
	test_dev_flush(dev);
	assert_int_equal(nd_cache_lookup(dev, &addr_a, lla), ND_DELAY); /* our NA used it */
	assert_memory_equal(lla, mac_a, 6);
	/* nd_confirm (an upper layer's proof) */
	nd_confirm(dev, &addr_a, now);
	assert_int_equal(nd_cache_lookup(dev, &addr_a, NULL), ND_REACHABLE);
	/* the garbage collection of an unused STALE entry */
	advance(nd_config.reachable_ms);
	assert_int_equal(nd_cache_lookup(dev, &addr_a, NULL), ND_STALE);
	advance(nd_config.stale_gc_ms);
	assert_int_equal(nd_cache_lookup(dev, &addr_a, NULL), ND_NONE);
	assert_int_equal(nd_stats.entries_expired, 1);
}

/* An NS that arrives while we resolve its sender completes the resolution. The cache has
 * a bound. */
static void test_ns_completes_and_cache_bound(void **state)
{
	uint8_t ns[128], lla[6];
	size_t nn = capture(PCAP, 0, ns, sizeof(ns));
	struct net_addr other = test_addr6("2001:db8::77");

	(void)state;
	send_to(&addr_a);
	test_dev_flush(dev);
	inject(ns, nn);
	assert_int_equal(nd_cache_lookup(dev, &addr_a, lla), ND_DELAY);
	assert_memory_equal(lla, mac_a, 6);
	assert_int_equal(test_dev_pending(dev), 2); /* the queued packet and our NA */
	test_dev_flush(dev);
	nd_config.cache_max = 1;
	send_to(&other);
	assert_int_equal(nd_stats.cache_full, 1);
	assert_int_equal(test_dev_pending(dev), 0);
	assert_int_equal(nd_cache_count(), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_wire_capture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ns_answer_capture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dad_defended, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolution_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_states, setup, teardown),
		cmocka_unit_test_setup_teardown(test_na_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ns_completes_and_cache_bound, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
