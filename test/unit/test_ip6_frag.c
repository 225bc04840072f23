/* SPDX-License-Identifier: MIT */
/* IPv6 fragments: reassembly (RFC 8200 4.5) of a chain Linux sent
 * (test/data/linux-ipv6-frag.pcap: `ping -6 -s 6000` from 2001:db8::a, MAC 02:..:0a, to
 * 2001:db8::b, MAC 02:..:0b; frames 0-4 the request's fragments of 1448, 1448, 1448,
 * 1448 and 216 bytes, 5-9 the reply's) in order, reversed and with duplicates; overlaps
 * (RFC 5722), the timeout with its time exceeded, the caps, the fragments refused alone
 * (length not a multiple of 8, past 65535, a first fragment without its header chain,
 * RFC 7112) and their parameter problems; fragmentation on output and its round trip;
 * the path MTU cache (RFC 8201) and packet too big. */
#include "test/unit/testlib.h"

#include <string.h>

#include "ether/ether.h"
#include "ip6/icmp6.h"
#include "ip6/ip6.h"
#include "nd/nd.h"
#include "net/byteorder.h"
#include "net/loop.h"

#define PCAP_ND "test/data/linux-ipv6-nd.pcap"
#define PCAP_FRAG "test/data/linux-ipv6-frag.pcap"
#define T0 1000000ull
#define FRAME_MAX 1600
#define ECHO_LEN (8 + 6000) /* the ICMPv6 message Linux fragmented */

static struct net_device *dev;
static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 0x0b };
static struct net_addr addr_a, addr_b;

static int setup(void **state)
{
	(void)state;
	dev = test_ip6_setup(1, "2001:db8::b", T0);
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

static void inject(const uint8_t *b, size_t len)
{
	net_device_input(dev, pkb_from_bytes(b, len), net_clock_ms());
}

/* Linux's fragment i of the echo request. */
static size_t linux_frag(int i, uint8_t *b)
{
	long n = test_pcap_frame(PCAP_FRAG, i, b, FRAME_MAX);

	assert_true(n > ETHER_HDR_LEN + IP6_HDR_LEN + IP6_FRAG_HDR_LEN);
	return (size_t)n;
}

static void inject_linux(int i)
{
	uint8_t b[FRAME_MAX];

	inject(b, linux_frag(i, b));
}

/* Makes a's MAC known (Linux's NS) and takes our NA off the device. */
static void learn_a(void)
{
	uint8_t b[128];
	long n = test_pcap_frame(PCAP_ND, 0, b, sizeof(b));

	assert_true(n > 0);
	inject(b, (size_t)n);
	assert_int_equal(test_dev_pending(dev), 1);
	test_dev_flush(dev);
}

/* A fragment from a to b: id, offset (bytes), M, next header, payload. */
static size_t frag6(uint8_t *b, uint32_t id, unsigned off, int more, uint8_t next,
		    const uint8_t *pl, size_t plen)
{
	struct ip6_hdr h = { .plen = (uint16_t)(IP6_FRAG_HDR_LEN + plen),
			     .next = IP6_NH_FRAGMENT, .hlim = 64 };
	struct ether_hdr eh = { .type = ETHER_TYPE_IPV6 };
	uint8_t *f = b + ETHER_HDR_LEN + IP6_HDR_LEN;

	memcpy(eh.dst, mac_b, 6);
	memcpy(eh.src, mac_a, 6);
	ether_emit(&eh, b, ETHER_HDR_LEN);
	h.src = addr_a;
	h.dst = addr_b;
	ip6_emit(&h, b + ETHER_HDR_LEN, IP6_HDR_LEN);
	f[0] = next;
	f[1] = 0;
	wr16(f + 2, (uint16_t)(off | (more ? 1 : 0)));
	wr32(f + 4, id);
	memcpy(f + IP6_FRAG_HDR_LEN, pl, plen);
	return ETHER_HDR_LEN + IP6_HDR_LEN + IP6_FRAG_HDR_LEN + plen;
}

static uint8_t first_byte = ICMP6_ECHO_REQUEST; /* of each fragment's payload */

static void inject_frag(uint32_t id, unsigned off, int more, uint8_t next, size_t plen)
{
	static uint8_t pl[FRAME_MAX];
	uint8_t b[FRAME_MAX + 128];

	memset(pl, 0x5a, sizeof(pl));
	pl[0] = first_byte;
	inject(b, frag6(b, id, off, more, next, pl, plen));
}

/* Pops our fragments (from b to a) and puts their payloads together in out: returns the
 * payload length, after checking each fragment's header (one id, offsets in order, M on
 * all but the last, each fragment at most mtu bytes and a multiple of 8 but the last). */
static size_t pop_fragments(uint8_t *out, size_t cap, unsigned mtu, size_t *nfrags,
			    uint32_t *id_out)
{
	struct pkb *p;
	size_t total = 0, n = 0;
	uint32_t id = 0;
	int last = 0;

	while ((p = test_dev_pop(dev))) {
		struct ip6_hdr h;
		struct ip6_frag f;
		size_t flen;

		assert_false(last);
		assert_int_equal(rd16(p->data + 12), ETHER_TYPE_IPV6);
		assert_true(p->len - ETHER_HDR_LEN <= mtu);
		assert_int_equal(ip6_parse(p->data + ETHER_HDR_LEN, p->len - ETHER_HDR_LEN, &h), 0);
		assert_true(net_addr_eq(&h.src, &addr_b));
		assert_true(net_addr_eq(&h.dst, &addr_a));
		assert_int_equal(h.next, IP6_NH_FRAGMENT);
		assert_int_equal(ip6_frag_parse(p->data + ETHER_HDR_LEN + IP6_HDR_LEN,
						h.plen, &f), 0);
		if (!n)
			id = f.id;
		assert_int_equal(f.id, id);
		assert_int_equal(f.offset, total);
		flen = h.plen - IP6_FRAG_HDR_LEN;
		if (f.more)
			assert_int_equal(flen % 8, 0);
		last = !f.more;
		assert_true(total + flen <= cap);
		memcpy(out + total, p->data + ETHER_HDR_LEN + IP6_HDR_LEN + IP6_FRAG_HDR_LEN, flen);
		total += flen;
		n++;
		pkb_free(p);
	}
	assert_true(last);
	*nfrags = n;
	if (id_out)
		*id_out = id;
	return total;
}

/* The request Linux sent, put together from its fragments. */
static void linux_request(uint8_t *msg)
{
	uint8_t b[FRAME_MAX];
	size_t off = 0;

	for (int i = 0; i < 5; i++) {
		size_t n = linux_frag(i, b) - ETHER_HDR_LEN - IP6_HDR_LEN - IP6_FRAG_HDR_LEN;

		memcpy(msg + off, b + ETHER_HDR_LEN + IP6_HDR_LEN + IP6_FRAG_HDR_LEN, n);
		off += n;
	}
	assert_int_equal(off, ECHO_LEN);
}

/* Our reply to Linux's request: fragmented for the 1500-byte MTU (1448-byte pieces),
 * with the request's identifier, sequence and 6000 bytes, and a good checksum. */
static void expect_echo_reply(void)
{
	static uint8_t req[ECHO_LEN], rep[ECHO_LEN + 64];
	size_t nfrags, len;

	linux_request(req);
	len = pop_fragments(rep, sizeof(rep), 1500, &nfrags, NULL);
	assert_int_equal(len, ECHO_LEN);
	assert_int_equal(nfrags, 5);
	assert_int_equal(rep[0], ICMP6_ECHO_REPLY);
	assert_memory_equal(rep + 4, req + 4, ECHO_LEN - 4);
	assert_int_equal(icmp6_cksum(&addr_b, &addr_a, rep, len), 0);
	assert_int_equal(icmp6_stats.out_echo_replies, 1);
}

/* ---- reassembly ---- */

static void test_linux_in_order(void **state)
{
	(void)state;
	learn_a();
	for (int i = 0; i < 5; i++) {
		inject_linux(i);
		if (i < 4)
			assert_int_equal(test_dev_pending(dev), 0);
	}
	assert_int_equal(ip6_stats.reasm_reqds, 5);
	assert_int_equal(ip6_stats.reasm_oks, 1);
	assert_int_equal(ip6_reass_count(), 0);
	assert_int_equal(ip6_reass_mem(), 0);
	expect_echo_reply();
	assert_int_equal(ip6_stats.out_frag_oks, 1);
	assert_int_equal(ip6_stats.out_frag_creates, 5);
}

static void test_linux_reversed(void **state)
{
	(void)state;
	learn_a();
	for (int i = 4; i >= 0; i--)
		inject_linux(i);
	assert_int_equal(ip6_stats.reasm_oks, 1);
	expect_echo_reply();
}

/* RFC 5722 erratum 3089: an exact duplicate is ignored, the packet still completes. */
static void test_linux_duplicate(void **state)
{
	(void)state;
	learn_a();
	inject_linux(0);
	inject_linux(1);
	inject_linux(1);
	inject_linux(0);
	for (int i = 2; i < 5; i++)
		inject_linux(i);
	assert_int_equal(ip6_stats.reasm_duplicate, 2);
	assert_int_equal(ip6_stats.reasm_oks, 1);
	expect_echo_reply();
}

/* RFC 5722: any overlap discards the whole packet, silently. */
static void test_overlap(void **state)
{
	(void)state;
	learn_a();
	inject_frag(9, 0, 1, IP6_NH_ICMPV6, 64);
	inject_frag(9, 64, 1, IP6_NH_ICMPV6, 64);
	assert_int_equal(ip6_reass_count(), 1);
	inject_frag(9, 120, 0, IP6_NH_ICMPV6, 16); /* 120..136 overlaps 64..128 */
	assert_int_equal(ip6_stats.reasm_overlap, 1);
	assert_int_equal(ip6_stats.reasm_fails, 1);
	assert_int_equal(ip6_reass_count(), 0);
	assert_int_equal(ip6_reass_mem(), 0);
	/* the rest of the packet starts a new one, which never completes */
	inject_frag(9, 128, 0, IP6_NH_ICMPV6, 8);
	assert_int_equal(ip6_reass_count(), 1);
	assert_int_equal(ip6_stats.reasm_oks, 0);
	assert_int_equal(test_dev_pending(dev), 0);
	/* a last fragment that ends before one held: as inconsistent as an overlap */
	inject_frag(10, 64, 1, IP6_NH_ICMPV6, 64);
	inject_frag(10, 8, 0, IP6_NH_ICMPV6, 16);
	assert_int_equal(ip6_stats.reasm_inconsistent, 1);
	assert_int_equal(test_dev_pending(dev), 0);
}

/* Our next frame that is not neighbour discovery (a minute on, ND probes a's MAC). */
static struct pkb *pop_not_nd(void)
{
	struct pkb *p;

	while ((p = test_dev_pop(dev))) {
		const uint8_t *m = p->data + ETHER_HDR_LEN + IP6_HDR_LEN;

		if (p->len < ETHER_HDR_LEN + IP6_HDR_LEN + 1 ||
		    p->data[ETHER_HDR_LEN + 6] != IP6_NH_ICMPV6 ||
		    (m[0] != ICMP6_ND_NS && m[0] != ICMP6_ND_NA))
			return p;
		pkb_free(p);
	}
	return NULL;
}

/* RFC 8200 4.5: 60 s after the first fragment arrived the packet is given up; time
 * exceeded code 1 goes to the source when fragment zero came, quoting it. */
static void test_timeout(void **state)
{
	uint8_t body[1400];
	struct pkb *p;
	struct ip6_hdr h;
	struct icmp6_hdr ih;

	(void)state;
	learn_a();
	assert_int_equal(ip6_config.reass_timeout_ms, 60000);
	inject_linux(0);
	inject_linux(1);
	/* a packet without its fragment zero expires silently */
	inject_frag(77, 1448, 1, IP6_NH_ICMPV6, 8);
	assert_int_equal(ip6_reass_count(), 2);
	net_timers_run(T0 + 60000 - 1);
	assert_int_equal(ip6_reass_count(), 2);
	net_timers_run(T0 + 60000);
	assert_int_equal(ip6_reass_count(), 0);
	assert_int_equal(ip6_stats.reasm_timeout, 2);
	assert_int_equal(icmp6_stats.out_time_exceeded, 1);
	p = pop_not_nd();
	assert_non_null(p);
	assert_null(pop_not_nd());
	assert_int_equal(ip6_parse(p->data + ETHER_HDR_LEN, p->len - ETHER_HDR_LEN, &h), 0);
	assert_true(net_addr_eq(&h.dst, &addr_a));
	assert_int_equal(icmp6_parse(p->data + ETHER_HDR_LEN + IP6_HDR_LEN, h.plen, &h.src,
				     &h.dst, &ih), 0);
	assert_int_equal(ih.type, ICMP6_TIME_EXCEEDED);
	assert_int_equal(ih.code, ICMP6_TIMEX_REASSEMBLY);
	/* the quote: Linux's first fragment, as far as the minimum MTU allows */
	assert_int_equal(h.plen, ICMP6_HDR_LEN + ICMP6_ERR_QUOTE_MAX);
	memcpy(body, p->data + ETHER_HDR_LEN + IP6_HDR_LEN + ICMP6_HDR_LEN, ICMP6_ERR_QUOTE_MAX);
	pkb_free(p);
	{
		uint8_t f0[FRAME_MAX];

		linux_frag(0, f0);
		assert_memory_equal(body, f0 + ETHER_HDR_LEN, ICMP6_ERR_QUOTE_MAX);
	}
	/* a configured timeout holds */
	ip6_config.reass_timeout_ms = 1000;
	inject_linux(0);
	net_timers_run(T0 + 60000 + 1000);
	assert_int_equal(ip6_stats.reasm_timeout, 3);
}

/* The queue-count and memory caps: the oldest other packet gives way, the cap counted. */
static void test_caps(void **state)
{
	(void)state;
	learn_a();
	ip6_config.reass_max_datagrams = 2;
	inject_frag(1, 0, 1, IP6_NH_ICMPV6, 64);
	inject_frag(2, 0, 1, IP6_NH_ICMPV6, 64);
	inject_frag(3, 0, 1, IP6_NH_ICMPV6, 64);
	assert_int_equal(ip6_reass_count(), 2);
	assert_int_equal(ip6_stats.reasm_too_many, 1);
	assert_int_equal(ip6_stats.reasm_fails, 1);
	/* id 1 went: its last fragment starts a new packet (evicting id 2) */
	inject_frag(1, 64, 0, IP6_NH_ICMPV6, 8);
	assert_int_equal(ip6_stats.reasm_oks, 0);
	assert_int_equal(ip6_stats.reasm_too_many, 2);
	ip6_reass_flush();
	/* memory: room for about two buffers; the third fragment evicts the oldest */
	ip6_config.reass_max_datagrams = 64;
	ip6_config.reass_mem_max = 2 * (sizeof(struct pkb) + PKB_POOL_BUF_SIZE) + 100;
	inject_frag(4, 0, 1, IP6_NH_ICMPV6, 64);
	inject_frag(5, 0, 1, IP6_NH_ICMPV6, 64);
	assert_int_equal(ip6_stats.reasm_mem_exceeded, 0);
	inject_frag(6, 0, 1, IP6_NH_ICMPV6, 64);
	assert_int_equal(ip6_stats.reasm_mem_exceeded, 1);
	assert_int_equal(ip6_reass_count(), 2);
	assert_true(ip6_reass_mem() <= ip6_config.reass_mem_max);
	/* one packet that alone outgrows the cap is discarded */
	inject_frag(6, 64, 1, IP6_NH_ICMPV6, 64);
	inject_frag(6, 128, 1, IP6_NH_ICMPV6, 64);
	assert_true(ip6_reass_mem() <= ip6_config.reass_mem_max);
	assert_int_equal(ip6_stats.reasm_oks, 0);
	/* a limit of 0 turns reassembly off */
	ip6_reass_flush();
	ip6_config.reass_max_datagrams = 0;
	inject_frag(7, 0, 1, IP6_NH_ICMPV6, 64);
	assert_int_equal(ip6_reass_count(), 0);
}

/* Pops a parameter problem and returns its pointer after checking its code. */
static uint32_t expect_paramprob(uint8_t code)
{
	struct pkb *p = test_dev_pop(dev);
	struct ip6_hdr h;
	struct icmp6_hdr ih;

	assert_non_null(p);
	assert_int_equal(ip6_parse(p->data + ETHER_HDR_LEN, p->len - ETHER_HDR_LEN, &h), 0);
	assert_int_equal(icmp6_parse(p->data + ETHER_HDR_LEN + IP6_HDR_LEN, h.plen, &h.src,
				     &h.dst, &ih), 0);
	assert_int_equal(ih.type, ICMP6_PARAM_PROB);
	assert_int_equal(ih.code, code);
	pkb_free(p);
	return ih.data;
}

/* Fragments refused on their own, each with its counter and error (RFC 8200 4.5,
 * RFC 7112). */
static void test_bad_fragments(void **state)
{
	(void)state;
	learn_a();
	/* a tiny fragment that is not the last, not a multiple of 8: pointer at the payload
	 * length */
	inject_frag(20, 8, 1, IP6_NH_ICMPV6, 5);
	assert_int_equal(ip6_stats.in_frag_bad_len, 1);
	assert_int_equal(expect_paramprob(ICMP6_PARAMPROB_HEADER), 4);
	/* an empty one that is not the last: dropped without a word */
	inject_frag(21, 8, 1, IP6_NH_ICMPV6, 0);
	assert_int_equal(ip6_stats.in_frag_bad_len, 2);
	assert_int_equal(test_dev_pending(dev), 0);
	/* the same length as the last fragment is fine */
	inject_frag(22, 8, 0, IP6_NH_ICMPV6, 5);
	assert_int_equal(ip6_reass_count(), 1);
	/* past 65535: pointer at the fragment offset (40 + 2); a later fragment's first
	 * byte is no ICMPv6 type, so one that looks like an error type still gets its error */
	first_byte = ICMP6_DST_UNREACH;
	inject_frag(23, 65528, 0, IP6_NH_ICMPV6, 16);
	first_byte = ICMP6_ECHO_REQUEST;
	assert_int_equal(ip6_stats.in_frag_oversize, 1);
	assert_int_equal(expect_paramprob(ICMP6_PARAMPROB_HEADER), 42);
	/* a first fragment without the whole TCP header: code 3, pointer 0 */
	inject_frag(24, 0, 1, IP6_NH_TCP, 16);
	assert_int_equal(ip6_stats.in_frag_no_chain, 1);
	assert_int_equal(expect_paramprob(ICMP6_PARAMPROB_HDRCHAIN), 0);
	/* a tiny first fragment: 8 bytes of ICMPv6 is a whole chain, and is held */
	inject_frag(25, 0, 1, IP6_NH_ICMPV6, 8);
	assert_int_equal(ip6_reass_count(), 2);
	assert_int_equal(ip6_stats.in_frag_no_chain, 1);
	assert_int_equal(test_dev_pending(dev), 0);
	/* the chain checker: an extension header cut by the fragment's end */
	{
		static const uint8_t dst_icmp[16] = { IP6_NH_ICMPV6, 0, 1, 4, 0, 0, 0, 0,
						      128, 0, 0, 0, 0, 0, 0, 0 };

		assert_true(ip6_frag_chain_complete(dst_icmp, 16, IP6_NH_DSTOPTS));
		assert_false(ip6_frag_chain_complete(dst_icmp, 15, IP6_NH_DSTOPTS));
		assert_false(ip6_frag_chain_complete(dst_icmp, 4, IP6_NH_DSTOPTS));
		assert_false(ip6_frag_chain_complete(dst_icmp, 16, IP6_NH_FRAGMENT));
		assert_true(ip6_frag_chain_complete(dst_icmp, 0, IP6_NH_NONE));
		assert_false(ip6_frag_chain_complete(dst_icmp, 7, IP6_NH_UDP));
	}
}

/* ---- fragmentation on output ---- */

/* ip6_output of a 4000-byte UDP payload: fragments of at most the MTU, whose reassembly
 * (ip6_reass_input) gives back the packet that was sent; identifications differ. */
static void test_output_round_trip(void **state)
{
	static uint8_t sent[4000];
	struct pkb *p, *whole = NULL;
	struct ip6_hdr h;
	uint32_t id1 = 0;
	size_t n = 0;

	(void)state;
	learn_a();
	for (size_t i = 0; i < sizeof(sent); i++)
		sent[i] = (uint8_t)(i * 7 + 3);
	for (int round = 0; round < 2; round++) {
		p = pkb_alloc(sizeof(sent));
		memcpy(pkb_put(p, sizeof(sent)), sent, sizeof(sent));
		assert_int_equal(ip6_output(IP6_NH_UDP, p, NULL, &addr_a, NULL, net_clock_ms()), 0);
		assert_int_equal(test_dev_pending(dev), 3); /* 1448 + 1448 + 1104 */
		n = 0;
		while ((p = test_dev_pop(dev))) {
			struct ip6_frag f;

			pkb_pull(p, ETHER_HDR_LEN);
			assert_true(p->len <= 1500);
			assert_int_equal(ip6_parse(p->data, p->len, &h), 0);
			assert_int_equal(ip6_frag_parse(p->data + IP6_HDR_LEN, p->len - IP6_HDR_LEN,
							&f), 0);
			assert_int_equal(f.next, IP6_NH_UDP);
			if (round == 0 && !n)
				id1 = f.id;
			if (round == 1)
				assert_int_not_equal(f.id, id1); /* random, RFC 7739 */
			n++;
			whole = ip6_reass_input(p, &h, IP6_HDR_LEN, 6, &f, net_clock_ms());
			if (n < 3)
				assert_null(whole);
		}
		assert_non_null(whole);
		assert_int_equal(whole->len, IP6_HDR_LEN + sizeof(sent));
		assert_int_equal(ip6_parse(whole->data, whole->len, &h), 0);
		assert_int_equal(h.next, IP6_NH_UDP);
		assert_int_equal(h.plen, sizeof(sent));
		assert_true(net_addr_eq(&h.src, &addr_b));
		assert_memory_equal(whole->data + IP6_HDR_LEN, sent, sizeof(sent));
		pkb_free(whole);
	}
	assert_int_equal(ip6_stats.out_frag_oks, 2);
	assert_int_equal(ip6_stats.out_frag_creates, 6);
}

/* ---- path MTU ---- */

static void test_pmtu_cache(void **state)
{
	struct net_addr d1 = test_addr6("2001:db8::1"), d2 = test_addr6("2001:db8::2");

	(void)state;
	assert_int_equal(ip6_pmtu_get(&d1, T0), 0);
	/* insert, lower, never raise, never below 1280, never above the link */
	assert_int_equal(ip6_pmtu_update(&d1, 1400, 1500, T0), 1);
	assert_int_equal(ip6_pmtu_get(&d1, T0), 1400);
	assert_int_equal(ip6_pmtu_update(&d1, 1300, 1500, T0), 1);
	assert_int_equal(ip6_pmtu_get(&d1, T0), 1300);
	assert_int_equal(ip6_pmtu_update(&d1, 1450, 1500, T0), 0);
	assert_int_equal(ip6_pmtu_get(&d1, T0), 1300);
	assert_int_equal(ip6_pmtu_update(&d1, 1279, 1500, T0), -EINVAL);
	assert_int_equal(ip6_pmtu_get(&d1, T0), 1300);
	assert_int_equal(ip6_pmtu_update(&d2, 1500, 1500, T0), 0);
	assert_int_equal(ip6_pmtu_get(&d2, T0), 0);
	assert_int_equal(ip6_pmtu_update(&d2, 1280, 1500, T0 + 1000), 1);
	assert_int_equal(ip6_pmtu_count(), 2);
	assert_int_equal(ip6_stats.pmtu_lowered, 3);
	/* aged out 10 minutes after it was last confirmed */
	assert_int_equal(ip6_config.pmtu_expire_ms, 600000);
	assert_int_equal(ip6_pmtu_get(&d1, T0 + 600000 - 1), 1300);
	assert_int_equal(ip6_pmtu_get(&d1, T0 + 600000), 0);
	assert_int_equal(ip6_stats.pmtu_expired, 1);
	assert_int_equal(ip6_pmtu_get(&d2, T0 + 600000), 1280);
	/* bounded: a full table gives up the entry confirmed longest ago */
	ip6_pmtu_flush();
	ip6_config.pmtu_max = 4;
	for (unsigned i = 0; i < 6; i++) {
		struct net_addr d = d1;

		d.v6[15] = (uint8_t)(0x10 + i);
		assert_int_equal(ip6_pmtu_update(&d, 1400, 1500, T0 + i), 1);
	}
	assert_int_equal(ip6_pmtu_count(), 4);
	assert_int_equal(ip6_stats.pmtu_evicted, 2);
	d1.v6[15] = 0x10;
	assert_int_equal(ip6_pmtu_get(&d1, T0 + 10), 0);
	d1.v6[15] = 0x15;
	assert_int_equal(ip6_pmtu_get(&d1, T0 + 10), 1400);
	ip6_pmtu_flush();
}

/* A packet too big quoting b -> a: heeded when it quotes us and says at least 1280. */
static size_t ptb_frame(uint8_t *b, const struct net_addr *router, const struct net_addr *qsrc,
			uint32_t mtu)
{
	uint8_t m[ICMP6_HDR_LEN + IP6_HDR_LEN + 8];
	struct ip6_hdr q = { .plen = 1400, .next = IP6_NH_ICMPV6, .hlim = 64 };
	struct ip6_hdr h = { .next = IP6_NH_ICMPV6, .hlim = 64 };
	struct ether_hdr eh = { .type = ETHER_TYPE_IPV6 };

	q.src = *qsrc;
	q.dst = addr_a;
	memset(m, 0, sizeof(m));
	m[0] = ICMP6_PKT_TOO_BIG;
	wr32(m + 4, mtu);
	ip6_emit(&q, m + ICMP6_HDR_LEN, IP6_HDR_LEN);
	m[ICMP6_HDR_LEN + IP6_HDR_LEN] = ICMP6_ECHO_REPLY;
	wr16(m + 2, icmp6_cksum(router, &addr_b, m, sizeof(m)));
	memcpy(eh.dst, mac_b, 6);
	memcpy(eh.src, mac_a, 6);
	ether_emit(&eh, b, ETHER_HDR_LEN);
	h.plen = sizeof(m);
	h.src = *router;
	h.dst = addr_b;
	ip6_emit(&h, b + ETHER_HDR_LEN, IP6_HDR_LEN);
	memcpy(b + ETHER_HDR_LEN + IP6_HDR_LEN, m, sizeof(m));
	return ETHER_HDR_LEN + IP6_HDR_LEN + sizeof(m);
}

static void test_packet_too_big(void **state)
{
	struct net_addr router = test_addr6("2001:db8::1"), other = test_addr6("2001:db8::99");
	static uint8_t out[ECHO_LEN + 64];
	uint8_t b[256];
	size_t nfrags;

	(void)state;
	learn_a();
	/* not quoting a packet of ours: ignored */
	inject(b, ptb_frame(b, &router, &other, 1400));
	assert_int_equal(ip6_stats.pmtu_ptb_not_ours, 1);
	/* below the minimum MTU: ignored */
	inject(b, ptb_frame(b, &router, &addr_b, 1000));
	assert_int_equal(ip6_stats.pmtu_ptb_below_min, 1);
	assert_int_equal(ip6_pmtu_get(&addr_a, net_clock_ms()), 0);
	/* refused ones go no further than the path MTU's checks */
	assert_int_equal(icmp6_stats.in_err_no_handler + icmp6_stats.in_err_not_ours, 0);
	/* valid: a's path MTU is 1400, then the error goes on to what the quote names (an
	 * echo reply: nobody's) */
	inject(b, ptb_frame(b, &router, &addr_b, 1400));
	assert_int_equal(ip6_stats.pmtu_ptb, 3);
	assert_int_equal(icmp6_stats.in_errors_received, 3);
	assert_int_equal(ip6_pmtu_get(&addr_a, net_clock_ms()), 1400);
	assert_int_equal(icmp6_stats.in_err_no_handler, 1);
	assert_int_equal(ip6_family_ops.mtu(&addr_a, 0), 1400);
	/* the same again: a refresh */
	inject(b, ptb_frame(b, &router, &addr_b, 1400));
	assert_int_equal(ip6_stats.pmtu_lowered, 1);
	/* the reply to Linux's 6000-byte ping now leaves in pieces of at most 1400 */
	for (int i = 0; i < 5; i++)
		inject_linux(i);
	assert_int_equal(pop_fragments(out, sizeof(out), 1400, &nfrags, NULL), ECHO_LEN);
	assert_int_equal(nfrags, 5); /* 4 * 1352 + 592 */
	assert_int_equal(icmp6_cksum(&addr_b, &addr_a, out, ECHO_LEN), 0);
	/* ten minutes on, the link's MTU again */
	net_clock_set_fake(1, T0 + 600000);
	assert_int_equal(ip6_family_ops.mtu(&addr_a, 0), 1500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_linux_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_linux_reversed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_linux_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_fragments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pmtu_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_packet_too_big, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
