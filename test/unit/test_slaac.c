/* SPDX-License-Identifier: MIT */
/* Router discovery, SLAAC, duplicate address detection, MLDv2 and redirects with a fake
 * clock: RS timing (RFC 4861 6.3.7), RA parse and every malformed variant with its counter
 * (6.1.2), the router and prefix lifetimes and SLAAC's address formation, deprecation,
 * expiry and two-hour rule (RFC 4862 5.5.3), DAD's probe bytes, its success and both kinds
 * of conflict (5.4.3, 5.4.4) with RFC 7217's next identifier, a tentative address's
 * silence, MLDv2 reports on join and in answer to queries (RFC 3810), and redirects
 * accepted only from the first hop (RFC 4861 8.1); RDNSS and DNSSL (RFC 8106) parsed,
 * malformed ones counted, kept with their lifetimes and handed on through the hook.
 * Linux's DAD probe comes from test/data/linux-ipv6-dad.pcap (Linux checking 2001:db8::a); dnsmasq's RAs and Linux's
 * MLDv2 report and RS from test/data/linux-ipv6-ra.pcap, our report and RS compared with
 * Linux's byte for byte. */
#include "test/unit/testlib.h"

#include <string.h>

#include "ether/ether.h"
#include "ip6/icmp6.h"
#include "ip6/ip6.h"
#include "lib/trace.h"
#include "nd/mld.h"
#include "nd/nd.h"
#include "net/byteorder.h"
#include "net/loop.h"

#define PCAP_DAD "test/data/linux-ipv6-dad.pcap"
/* linux-ipv6-ra.pcap, captured on a veth in a namespace: 0 dnsmasq's RA (--enable-ra,
 * 2001:db8:1::/64, router lifetime 600, MTU 1500) from its link-local address, 1 the same
 * from its global address (sent while the link-local one was tentative), 2 Linux's MLDv2
 * report for the solicited-node group of fe80::c45e:40ff:fe94:4ff0, 3 Linux's RS from it
 * (MAC c6:5e:40:94:4f:f0). */
#define PCAP_RA "test/data/linux-ipv6-ra.pcap"
#define T0 1000000ull

static struct net_device *dev;
static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 0x0b };
static const uint8_t mac_c[6] = { 2, 0, 0, 0, 0, 0x0c };
static struct nd_config_s nd_defaults;
static struct ip6_config_s ip6_defaults;
static uint64_t now;
static size_t mld_seen;

static int setup(void **state)
{
	(void)state;
	stats_reset();
	net_protocol_reset();
	now = T0;
	mld_seen = 0;
	net_clock_set_fake(1, now);
	if (!nd_defaults.retrans_ms) {
		nd_defaults = nd_config;
		ip6_defaults = ip6_config;
	}
	nd_config = nd_defaults;
	ip6_config = ip6_defaults;
	nd_config.dad_delay_ms = 0;
	nd_config.rtr_solicit_delay_ms = 0;
	assert_int_equal(ether_init(), 0);
	assert_int_equal(ip6_init(), 0);
	assert_int_equal(icmp6_init(), 0);
	assert_int_equal(nd_init(), 0);
	dev = test_dev_create("eth0", NET_DEV_ETHER, 1500);
	memcpy(dev->hwaddr, mac_b, 6);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nd_shutdown();
	assert_int_equal(nd_cache_count(), 0);
	assert_int_equal(net_timers_armed(), 0);
	ip6_shutdown();
	test_dev_flush(dev);
	net_device_unregister_all();
	net_protocol_reset();
	net_clock_set_fake(0, 0);
	nd_config = nd_defaults;
	ip6_config = ip6_defaults;
	test_assert_no_leaks();
	return 0;
}

static void advance(uint64_t ms)
{
	now += ms;
	net_clock_set_fake(1, now);
	net_timers_run(now);
}

static void inject(const uint8_t *b, size_t len)
{
	net_device_input(dev, pkb_from_bytes(b, len), now);
}

/* An ICMPv6 message m (len bytes, checksum filled here) from src to dst in a frame from
 * smac, to the group's MAC or ours. */
static size_t icmp_frame(uint8_t *b, const uint8_t smac[6], const struct net_addr *src,
			 const struct net_addr *dst, uint8_t hlim, const uint8_t *m, size_t len)
{
	struct ether_hdr eh = { .type = ETHER_TYPE_IPV6 };
	struct ip6_hdr h = { .next = IP6_NH_ICMPV6, .hlim = hlim, .plen = (uint16_t)len };
	uint8_t *icmp = b + ETHER_HDR_LEN + IP6_HDR_LEN;

	if (ip6_addr_is_multicast(dst))
		ip6_mcast_mac(dst, eh.dst);
	else
		memcpy(eh.dst, mac_b, 6);
	memcpy(eh.src, smac, 6);
	ether_emit(&eh, b, ETHER_HDR_LEN);
	h.src = *src;
	h.dst = *dst;
	ip6_emit(&h, b + ETHER_HDR_LEN, IP6_HDR_LEN);
	memcpy(icmp, m, len);
	wr16(icmp + 2, 0);
	wr16(icmp + 2, icmp6_cksum(src, dst, icmp, len));
	return ETHER_HDR_LEN + IP6_HDR_LEN + len;
}

/* Our next frame: its IPv6 header, and its ICMPv6 message (behind a hop-by-hop header if
 * any) copied to m; returns the message's length. MLD reports are skipped (counted in
 * mld_seen) when skip_mld. 0 when nothing is pending. */
static size_t pop_icmp(struct ip6_hdr *h, uint8_t *m, size_t cap, uint8_t dmac[6], int skip_mld)
{
	for (;;) {
		struct pkb *p = test_dev_pop(dev);
		size_t off = ETHER_HDR_LEN + IP6_HDR_LEN, len;

		if (!p)
			return 0;
		assert_int_equal(ip6_parse(p->data + ETHER_HDR_LEN, p->len - ETHER_HDR_LEN, h), 0);
		if (dmac)
			memcpy(dmac, p->data, 6);
		if (h->next == IP6_NH_HOPOPTS)
			off += 8;
		len = p->len - off;
		assert_true(len <= cap);
		memcpy(m, p->data + off, len);
		pkb_free(p);
		if (skip_mld && m[0] == ICMP6_MLD2_REPORT) {
			mld_seen++;
			continue;
		}
		return len;
	}
}

static void drain(void)
{
	test_dev_flush(dev);
}

/* The link-local address, usable at once: all-nodes joined, so RAs are heard. */
static void ll_up(void)
{
	assert_int_equal(ip6_addr_add_linklocal(dev, 0), 0);
}

/* An RA from fe80::1 (mac_a): router lifetime life_s, one prefix with flags, valid and
 * preferred lifetimes. */
static size_t ra_frame(uint8_t *b, uint16_t life_s, const char *pfx, uint8_t plen,
		       uint8_t flags, uint32_t valid, uint32_t pref)
{
	struct nd_ra ra = { .cur_hlim = 64, .lifetime_s = life_s, .has_slla = 1 };
	uint8_t m[256];
	size_t n;

	memcpy(ra.slla, mac_a, 6);
	if (pfx) {
		ra.npfx = 1;
		ra.pfx[0] = (struct nd_ra_prefix){ .prefix = test_addr6(pfx), .plen = plen,
						    .flags = flags, .valid_s = valid,
						    .preferred_s = pref };
	}
	n = nd_ra_emit(&ra, m, sizeof(m));
	assert_true(n > 0);
	return icmp_frame(b, mac_a, &(struct net_addr){ .family = AF_INET6,
					.v6 = { 0xfe, 0x80, [15] = 1 } },
			  &(struct net_addr){ .family = AF_INET6, .v6 = { 0xff, 2, [15] = 1 } },
			  255, m, n);
}

static struct net_addr slaac_addr(const char *pfx, unsigned dad_count)
{
	struct net_addr a = { .family = AF_INET6 }, p = test_addr6(pfx);

	ip6_stable_iid(dev, p.v6, dad_count, ip6_config.secret, a.v6);
	return a;
}

/* ---- parse and emit ---- */

static void test_ra_wire(void **state)
{
	struct nd_ra ra = { .cur_hlim = 64, .flags = ND_RA_OTHER, .lifetime_s = 1800,
			    .reachable_ms = 30000, .retrans_ms = 1000, .has_slla = 1,
			    .mtu = 1400, .npfx = 2 }, out;
	struct nd_redirect r = { .target = test_addr6("fe80::3"), .dst = test_addr6("2001:db8:9::9"),
				 .has_lla = 1 }, rout;
	uint8_t b[512], rs[16];
	size_t n;

	(void)state;
	memcpy(ra.slla, mac_a, 6);
	memcpy(r.lla, mac_c, 6);
	ra.pfx[0] = (struct nd_ra_prefix){ test_addr6("2001:db8:1::"), 64, ND_PFX_ONLINK | ND_PFX_AUTO,
					   86400, 14400 };
	ra.pfx[1] = (struct nd_ra_prefix){ test_addr6("2001:db8:2::"), 48, ND_PFX_ONLINK,
					   ND_LIFETIME_INFINITE, ND_LIFETIME_INFINITE };
	n = nd_ra_emit(&ra, b, sizeof(b));
	assert_int_equal(n, 16 + 8 + 8 + 64);
	assert_int_equal(nd_ra_parse(b, n, &out), ND_PARSE_OK);
	assert_memory_equal(&out, &ra, sizeof(ra));
	/* the malformed kinds */
	assert_int_equal(nd_ra_parse(b, 12, &out), ND_PARSE_SHORT);
	b[1] = 1;
	assert_int_equal(nd_ra_parse(b, n, &out), ND_PARSE_CODE);
	b[1] = 0;
	b[16 + 1] = 0; /* the link-layer option of length 0 */
	assert_int_equal(nd_ra_parse(b, n, &out), ND_PARSE_OPTLEN);
	b[16 + 1] = 40; /* past the message */
	assert_int_equal(nd_ra_parse(b, n, &out), ND_PARSE_OPTLEN);
	b[16 + 1] = 1;
	b[32 + 2] = 129; /* a prefix longer than 128 */
	assert_int_equal(nd_ra_parse(b, n, &out), ND_PARSE_OPTBAD);
	b[32 + 2] = 64;
	/* the last option made 16 bytes: a prefix option, or an MTU option, of the wrong
	 * length */
	b[n - 32 + 1] = 2;
	assert_int_equal(nd_ra_parse(b, n - 16, &out), ND_PARSE_OPTBAD);
	memcpy(b + n - 32, (const uint8_t[2]){ ND_OPT_MTU, 2 }, 2);
	assert_int_equal(nd_ra_parse(b, n - 16, &out), ND_PARSE_OPTBAD);
	b[n - 32] = ND_OPT_PREFIX;
	b[n - 32 + 1] = 4;
	b[0] = ICMP6_ND_NS;
	assert_int_equal(nd_ra_parse(b, n, &out), ND_PARSE_TYPE);
	/* more prefixes than are read: counted */
	ra.npfx = ND_RA_PREFIX_MAX;
	for (unsigned i = 0; i < ND_RA_PREFIX_MAX; i++)
		ra.pfx[i] = ra.pfx[0];
	n = nd_ra_emit(&ra, b, sizeof(b));
	memcpy(b + n, b + n - 32, 32);
	assert_int_equal(nd_ra_parse(b, n + 32, &out), ND_PARSE_OK);
	assert_int_equal(out.npfx, ND_RA_PREFIX_MAX);
	assert_int_equal(out.pfx_over, 1);
	/* RS: 8 bytes and the link-layer option */
	assert_int_equal(nd_rs_emit(mac_b, rs, sizeof(rs)), 16);
	assert_memory_equal(rs, ((const uint8_t[16]){ ICMP6_ND_RS, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2,
						       0, 0, 0, 0, 0x0b }), 16);
	assert_int_equal(nd_rs_emit(NULL, rs, sizeof(rs)), 8);
	/* redirect */
	n = nd_redirect_emit(&r, b, sizeof(b));
	assert_int_equal(n, 48);
	assert_int_equal(nd_redirect_parse(b, n, &rout), ND_PARSE_OK);
	assert_memory_equal(&rout, &r, sizeof(r));
	assert_int_equal(nd_redirect_parse(b, 39, &rout), ND_PARSE_SHORT);
	b[24] = 0xff;
	assert_int_equal(nd_redirect_parse(b, n, &rout), ND_PARSE_TARGET);
}

/* Every malformed RA is dropped with its counter and teaches nothing. */
static void test_ra_malformed_counted(void **state)
{
	struct net_addr ll = test_addr6("fe80::1"), all = ip6_addr_all_nodes(), glob = test_addr6("2001:db8::1");
	uint8_t good[256], b[256], m[256];
	size_t n = ra_frame(good, 600, "2001:db8:1::", 64, ND_PFX_ONLINK | ND_PFX_AUTO, 3600,
			    1800), mlen = n - 54;

	(void)state;
	ll_up();
	memcpy(b, good, n);
	b[14 + 7] = 64; /* hop limit */
	inject(b, n);
	assert_int_equal(nd_stats.rx_bad_hlim, 1);
	memcpy(m, good + 54, mlen);
	inject(b, icmp_frame(b, mac_a, &glob, &all, 255, m, mlen)); /* global source */
	assert_int_equal(nd_stats.rx_ra_bad_src, 1);
	m[1] = 1; /* code */
	inject(b, icmp_frame(b, mac_a, &ll, &all, 255, m, mlen));
	assert_int_equal(nd_stats.rx_bad_code, 1);
	m[1] = 0;
	inject(b, icmp_frame(b, mac_a, &ll, &all, 255, m, 12)); /* short */
	assert_int_equal(nd_stats.rx_short, 1);
	m[16 + 1] = 0; /* an option of length 0 */
	inject(b, icmp_frame(b, mac_a, &ll, &all, 255, m, mlen));
	m[16 + 1] = 1;
	m[24 + 1] = 3; /* the prefix option of the wrong length */
	inject(b, icmp_frame(b, mac_a, &ll, &all, 255, m, mlen - 8));
	assert_int_equal(nd_stats.rx_bad_optlen, 2);
	m[24 + 1] = 4;
	memcpy(b, good, n);
	b[54 + 2] ^= 0x55; /* checksum */
	inject(b, n);
	assert_int_equal(icmp6_stats.in_csum_errors, 1);
	/* the same, well formed, with accept_ra off: counted and ignored */
	nd_config.accept_ra = 0;
	inject(good, n);
	assert_int_equal(nd_stats.rx_ra_ignored, 1);
	assert_int_equal(nd_stats.rx_ra, 7);
	assert_int_equal(nd_stats.routers_added, 0);
	assert_int_equal(ip6_addr_count(dev), 1);
	assert_int_equal(ip6_route(&glob, NULL, &(struct net_nexthop){ 0 }), -ENETUNREACH);
	/* a prefix with preferred over valid, a link-local prefix, A with a /48: ignored */
	nd_config.accept_ra = 1;
	inject(b, ra_frame(b, 0, "2001:db8:1::", 64, ND_PFX_AUTO, 100, 200));
	inject(b, ra_frame(b, 0, "fe80::", 64, ND_PFX_AUTO | ND_PFX_ONLINK, 100, 100));
	inject(b, ra_frame(b, 0, "2001:db8:1::", 48, ND_PFX_AUTO, 100, 100));
	assert_int_equal(nd_stats.rx_pfx_ignored, 3);
	assert_int_equal(ip6_addr_count(dev), 1);
	assert_int_equal(test_dev_pending(dev), 0);
}

/* ---- RFC 8106: RDNSS and DNSSL ---- */

static int dns_hook_calls;

static void dns_hook(void)
{
	dns_hook_calls++;
}

/* An RA from fe80::1 with router lifetime 0, no prefix, and the options opts (olen bytes,
 * a multiple of 8) after its link-layer option. */
static size_t ra_opts_frame(uint8_t *b, const uint8_t *opts, size_t olen)
{
	struct nd_ra ra = { .cur_hlim = 64, .has_slla = 1 };
	uint8_t m[512];
	size_t n;

	memcpy(ra.slla, mac_a, 6);
	n = nd_ra_emit(&ra, m, sizeof(m));
	assert_true(n > 0 && n + olen <= sizeof(m));
	memcpy(m + n, opts, olen);
	return icmp_frame(b, mac_a, &(struct net_addr){ .family = AF_INET6,
					.v6 = { 0xfe, 0x80, [15] = 1 } },
			  &(struct net_addr){ .family = AF_INET6, .v6 = { 0xff, 2, [15] = 1 } },
			  255, m, n + olen);
}

/* An RDNSS option with lifetime life and the n addresses a (24 bytes + 16 per more). */
static size_t rdnss_opt(uint8_t *o, uint32_t life, const char *const *a, unsigned n)
{
	memset(o, 0, 8);
	o[0] = ND_OPT_RDNSS;
	o[1] = (uint8_t)(1 + 2 * n);
	wr32(o + 4, life);
	for (unsigned i = 0; i < n; i++) {
		struct net_addr x = test_addr6(a[i]);

		memcpy(o + 8 + 16 * i, x.v6, 16);
	}
	return 8 + 16 * (size_t)n;
}

/* A DNSSL option with lifetime life and the wire names w (wlen bytes), zero padded. */
static size_t dnssl_opt(uint8_t *o, uint32_t life, const void *w, size_t wlen)
{
	size_t len = 8 + ((wlen + 7) / 8) * 8;

	memset(o, 0, len);
	o[0] = ND_OPT_DNSSL;
	o[1] = (uint8_t)(len / 8);
	wr32(o + 4, life);
	memcpy(o + 8, w, wlen);
	return len;
}

static void test_ra_dns_parse(void **state)
{
	static const char *const two[] = { "2001:db8:1::53", "fe80::53" };
	static const char *const bad[] = { "2001:db8:1::53", "ff02::1" };
	uint8_t o[256], m[512];
	struct nd_ra out;
	size_t n, on;

	(void)state;
	/* two servers, two domains */
	on = rdnss_opt(o, 600, two, 2);
	on += dnssl_opt(o + on, 300, "\3lab\4test\0\7example\0", 20);
	memcpy(m, (const uint8_t[16]){ ICMP6_ND_RA }, 16);
	memcpy(m + 16, o, on);
	n = 16 + on;
	assert_int_equal(nd_ra_parse(m, n, &out), ND_PARSE_OK);
	assert_int_equal(out.nrdnss, 2);
	assert_true(net_addr_eq(&out.rdnss[0], &(struct net_addr){ .family = AF_INET6,
				.v6 = { 0x20, 1, 0xd, 0xb8, 0, 1, [15] = 0x53 } }));
	assert_int_equal(out.rdnss_life_s[1], 600);
	assert_int_equal(out.ndnssl, 2);
	assert_string_equal(out.dnssl[0], "lab.test");
	assert_string_equal(out.dnssl[1], "example");
	assert_int_equal(out.dnssl_life_s[0], 300);
	assert_int_equal(out.dns_bad + out.dns_over, 0);
	/* malformed ones, each skipped alone and counted, the RA still taken */
	on = rdnss_opt(o, 600, bad, 2);                         /* a multicast server */
	on += rdnss_opt(o + on, 600, two, 1);
	o[on - 24 + 1] = 2;                                     /* an even length */
	memset(o + on - 8, 0, 8);
	memcpy(o + on - 8, (const uint8_t[2]){ ND_OPT_RDNSS, 1 }, 2); /* length 1 */
	on += dnssl_opt(o + on, 1, "\100", 1);                  /* a label over 63 */
	on += dnssl_opt(o + on, 1, "\3lab\3abc", 8);            /* no root label */
	on += dnssl_opt(o + on, 1, "\3l b\0", 5);               /* a space */
	on += dnssl_opt(o + on, 1, "\1a\0\0\0\1", 6);           /* padding not zero */
	memcpy(o + on, (const uint8_t[8]){ ND_OPT_DNSSL, 1 }, 8); /* length 1 */
	on += 8;
	memcpy(m + 16, o, on);
	assert_int_equal(nd_ra_parse(m, 16 + on, &out), ND_PARSE_OK);
	assert_int_equal(out.nrdnss + out.ndnssl, 0);
	assert_int_equal(out.dns_bad, 8);
	/* more than ND_RA_DNS_MAX: counted */
	{
		static const char *const five[] = { "2001:db8::1", "2001:db8::2", "2001:db8::3",
						    "2001:db8::4", "2001:db8::5" };

		on = rdnss_opt(o, 60, five, 5);
		memcpy(m + 16, o, on);
		assert_int_equal(nd_ra_parse(m, 16 + on, &out), ND_PARSE_OK);
		assert_int_equal(out.nrdnss, ND_RA_DNS_MAX);
		assert_int_equal(out.dns_over, 1);
	}
}

/* RDNSS and DNSSL taken from an RA with their lifetimes: the hook told of each change, a
 * refresh no change, lifetime 0 removes at once, the life timer expires the rest;
 * malformed options counted while the rest of the RA is taken. */
static void test_ra_dns_lifetimes(void **state)
{
	static const char *const srv[] = { "2001:db8:1::53", "fe80::53" };
	static const char *const one[] = { "2001:db8:1::53" };
	struct net_addr a[ND_DNS_KEEP];
	char d[ND_DNS_KEEP][ND_DNS_NAME_MAX];
	int ifx[ND_DNS_KEEP];
	uint8_t o[256], b[600];
	size_t on;

	(void)state;
	ll_up();
	dns_hook_calls = 0;
	nd_set_dns_hook(dns_hook);
	on = rdnss_opt(o, 10, srv, 2);
	on += dnssl_opt(o + on, 20, "\3lab\4test\0", 10);
	inject(b, ra_opts_frame(b, o, on));
	assert_int_equal(dns_hook_calls, 1);
	assert_int_equal(nd_stats.dns_added, 3);
	assert_int_equal(nd_dns_servers(a, ifx, ND_DNS_KEEP), 2);
	assert_true(net_addr_eq(&a[0], &(struct net_addr){ .family = AF_INET6,
				.v6 = { 0x20, 1, 0xd, 0xb8, 0, 1, [15] = 0x53 } }));
	assert_true(ip6_addr_is_linklocal(&a[1]));
	assert_int_equal(ifx[1], dev->index);
	assert_int_equal(nd_dns_domains(d, ND_DNS_KEEP), 1);
	assert_string_equal(d[0], "lab.test");
	/* the same again 5 s on: lifetimes refreshed (now to 15 s and 25 s), no change */
	advance(5000);
	inject(b, ra_opts_frame(b, o, on));
	assert_int_equal(dns_hook_calls, 1);
	assert_int_equal(nd_stats.dns_added, 3);
	/* fe80::53 with lifetime 0: gone at once */
	on = rdnss_opt(o, 0, srv + 1, 1);
	inject(b, ra_opts_frame(b, o, on));
	assert_int_equal(dns_hook_calls, 2);
	assert_int_equal(nd_dns_servers(a, NULL, ND_DNS_KEEP), 1);
	/* a malformed RDNSS beside a good one: counted, the good one taken */
	rdnss_opt(o, 100, one, 1);
	o[1] = 2; /* 16 bytes: an even length */
	on = 16 + rdnss_opt(o + 16, 100, srv + 1, 1);
	inject(b, ra_opts_frame(b, o, on));
	assert_int_equal(nd_stats.rx_ra_dns_bad, 1);
	assert_int_equal(nd_stats.rx_ra, 4);
	assert_int_equal(nd_dns_servers(a, NULL, ND_DNS_KEEP), 2);
	assert_int_equal(dns_hook_calls, 3);
	on = rdnss_opt(o, 0, srv + 1, 1);
	inject(b, ra_opts_frame(b, o, on));
	assert_int_equal(dns_hook_calls, 4);
	/* 2001:db8:1::53 at 15 s, lab.test at 25 s */
	advance(10000 - 1);
	assert_int_equal(nd_dns_servers(a, NULL, ND_DNS_KEEP), 1);
	advance(1);
	assert_int_equal(nd_stats.dns_expired, 1);
	assert_int_equal(dns_hook_calls, 5);
	assert_int_equal(nd_dns_servers(a, NULL, ND_DNS_KEEP), 0);
	assert_int_equal(nd_dns_domains(d, ND_DNS_KEEP), 1);
	advance(10000);
	assert_int_equal(nd_stats.dns_expired, 2);
	assert_int_equal(nd_dns_domains(d, ND_DNS_KEEP), 0);
	assert_int_equal(dns_hook_calls, 6);
	/* more servers than kept: the one expiring first makes room; an infinite lifetime
	 * is never pushed out */
	{
		static const char *const five[] = { "2001:db8::1", "2001:db8::2", "2001:db8::3",
						    "2001:db8::4" };
		static const char *const more[] = { "2001:db8::9" };

		on = rdnss_opt(o, ND_LIFETIME_INFINITE, five, 3);
		on += rdnss_opt(o + on, 50, five + 3, 1);
		inject(b, ra_opts_frame(b, o, on));
		assert_int_equal(nd_dns_servers(a, NULL, ND_DNS_KEEP), 4);
		on = rdnss_opt(o, 100, more, 1);
		inject(b, ra_opts_frame(b, o, on));
		assert_int_equal(nd_dns_servers(a, NULL, ND_DNS_KEEP), 4);
		assert_int_equal(a[3].v6[15], 9);
		assert_int_equal(nd_stats.rx_ra_dns_over, 0);
		/* ::9 expires first now: ::a takes its place */
		on = rdnss_opt(o, 100, (const char *const[]){ "2001:db8::a" }, 1);
		inject(b, ra_opts_frame(b, o, on));
		assert_int_equal(nd_dns_servers(a, NULL, ND_DNS_KEEP), 4);
		assert_int_equal(a[3].v6[15], 0xa);
		/* all four forever: a fifth is counted and dropped */
		on = rdnss_opt(o, ND_LIFETIME_INFINITE, (const char *const[]){ "2001:db8::a" }, 1);
		inject(b, ra_opts_frame(b, o, on));
		on = rdnss_opt(o, 100, more, 1);
		inject(b, ra_opts_frame(b, o, on));
		assert_int_equal(nd_stats.rx_ra_dns_over, 1);
		assert_int_equal(nd_dns_servers(a, NULL, ND_DNS_KEEP), 4);
		assert_int_equal(a[3].v6[15], 0xa);
	}
	nd_set_dns_hook(NULL);
}

/* ---- router solicitation ---- */

/* The link-local address is probed (MLD report, then the DAD NS from ::), and once DAD is
 * over the RSs follow: the first within the random delay, three, 4 s apart, then none;
 * an RA ends them early. */
static void test_rs_timing(void **state)
{
	struct net_addr ll = net_addr_any(AF_INET6), any = net_addr_any(AF_INET6);
	struct net_addr routers = test_addr6("ff02::2");
	struct ip6_hdr h;
	uint8_t m[256], dmac[6];
	uint64_t t_dad, t_rs[3];
	size_t n;

	(void)state;
	nd_config.dad_delay_ms = 1000;
	nd_config.rtr_solicit_delay_ms = 1000;
	assert_int_equal(ip6_addr_add_linklocal(dev, IP6_IFA_TENTATIVE), 0);
	assert_int_equal(test_dev_pending(dev), 0);
	for (unsigned i = 0; i < 101 && !test_dev_pending(dev); i++)
		advance(10);
	t_dad = now;
	assert_true(t_dad - T0 <= 1000);
	n = pop_icmp(&h, m, sizeof(m), dmac, 1);
	assert_int_equal(mld_seen, 1); /* the group joined before the probe (5.4.2) */
	assert_int_equal(n, ND_NS_NA_LEN);  /* no link-layer option from :: */
	assert_int_equal(m[0], ICMP6_ND_NS);
	assert_true(net_addr_eq(&h.src, &any));
	assert_int_equal(h.hlim, 255);
	memcpy(ll.v6, m + 8, 16);
	ll.family = AF_INET6;
	assert_true(ip6_addr_is_linklocal(&ll));
	{
		struct net_addr sol = ip6_addr_solicited(&ll);

		assert_true(net_addr_eq(&h.dst, &sol));
		assert_memory_equal(dmac, ((const uint8_t[4]){ 0x33, 0x33, 0xff, sol.v6[13] }), 4);
	}
	/* tentative: no source for anything yet */
	assert_int_equal(ip6_source_select(dev, &routers, &h.src), -EADDRNOTAVAIL);
	advance(999);
	assert_true(ip6_addr_find(dev, &ll)->flags & IP6_IFA_TENTATIVE);
	assert_int_equal(pop_icmp(&h, m, sizeof(m), NULL, 1), 0);
	advance(1);
	assert_false(ip6_addr_find(dev, &ll)->flags & IP6_IFA_TENTATIVE);
	assert_int_equal(nd_stats.dad_ok, 1);
	for (unsigned k = 0; k < 3; k++) {
		for (unsigned i = 0; i < 500 && !(n = pop_icmp(&h, m, sizeof(m), NULL, 1)); i++)
			advance(10);
		t_rs[k] = now;
		assert_int_equal(n, 16);
		assert_int_equal(m[0], ICMP6_ND_RS);
		assert_true(net_addr_eq(&h.src, &ll));
		assert_true(net_addr_eq(&h.dst, &routers));
		assert_int_equal(h.hlim, 255);
		assert_memory_equal(m + 10, mac_b, 6);
	}
	assert_true(t_rs[0] - (t_dad + 1000) <= 1000);
	assert_int_equal(t_rs[1] - t_rs[0], 4000);
	assert_int_equal(t_rs[2] - t_rs[1], 4000);
	advance(30000);
	assert_int_equal(pop_icmp(&h, m, sizeof(m), NULL, 1), 0);
	assert_int_equal(nd_stats.tx_rs, 3);
	assert_int_equal(mld_seen, 2); /* robustness 2 */
	/* a second device whose RA comes after the first RS: no more RSs */
	nd_shutdown();
	drain();
	assert_int_equal(nd_init(), 0);
	nd_config.rtr_solicit_delay_ms = 0;
	stats_reset();
	nd_rs_start(dev, now);
	advance(0);
	assert_int_equal(pop_icmp(&h, m, sizeof(m), NULL, 1), 16);
	{
		uint8_t b[256];

		inject(b, ra_frame(b, 0, NULL, 0, 0, 0, 0));
	}
	advance(20000);
	assert_int_equal(nd_stats.tx_rs, 1);
}

/* ---- router and prefix lists, SLAAC ---- */

static void test_slaac_lifetimes(void **state)
{
	struct net_addr pfx = test_addr6("2001:db8:1::"), far = test_addr6("2001:db8:99::1");
	struct net_addr rtr = test_addr6("fe80::1"), near = test_addr6("2001:db8:1::5"), a = slaac_addr("2001:db8:1::", 0);
	struct nd_ra ra = { .cur_hlim = 42, .lifetime_s = 10, .reachable_ms = 20000,
			    .retrans_ms = 500, .has_slla = 1, .mtu = 1400, .npfx = 1 };
	struct net_nexthop nh;
	uint8_t b[256], m[256], lla[6];
	const struct ip6_ifaddr *ifa;
	size_t n;

	(void)state;
	assert_int_equal(ip6_addr_add_linklocal(dev, 0), 0);
	memcpy(ra.slla, mac_a, 6);
	ra.pfx[0] = (struct nd_ra_prefix){ pfx, 64, ND_PFX_ONLINK | ND_PFX_AUTO, 30, 20 };
	n = nd_ra_emit(&ra, m, sizeof(m));
	inject(b, icmp_frame(b, mac_a, &rtr, &(struct net_addr){ .family = AF_INET6,
				.v6 = { 0xff, 2, [15] = 1 } }, 255, m, n));
	assert_int_equal(nd_stats.routers_added, 1);
	assert_int_equal(nd_stats.prefixes_added, 1);
	assert_int_equal(nd_stats.slaac_added, 1);
	assert_int_equal(ip6_config.default_hlim, 42);
	assert_int_equal(nd_config.reachable_ms, 20000);
	assert_int_equal(nd_config.retrans_ms, 500);
	assert_int_equal(ip6_link_mtu(dev), 1400);
	assert_int_equal(nd_cache_lookup(dev, &rtr, lla), ND_STALE);
	assert_memory_equal(lla, mac_a, 6);
	ifa = ip6_addr_find(dev, &a);
	assert_non_null(ifa);
	assert_int_equal(ifa->flags, IP6_IFA_AUTO | IP6_IFA_TENTATIVE);
	assert_int_equal(ifa->prefixlen, 64);
	assert_int_equal(ifa->valid_until, now + 30000);
	assert_int_equal(ifa->preferred_until, now + 20000);
	/* the default route works already, from the link-local source (the global one is
	 * tentative) */
	assert_int_equal(ip6_route(&far, NULL, &nh), 0);
	assert_true(ip6_addr_is_linklocal(&nh.src));
	advance(0);  /* the probe */
	advance(500); /* RetransTimer from the RA */
	assert_int_equal(ifa->flags, IP6_IFA_AUTO);
	drain();
	assert_int_equal(ip6_route(&far, NULL, &nh), 0);
	assert_ptr_equal(nh.dev, dev);
	assert_true(net_addr_eq(&nh.nexthop, &rtr));
	assert_true(net_addr_eq(&nh.src, &a));
	assert_int_equal(ip6_route(&near, NULL, &nh), 0);
	assert_true(net_addr_eq(&nh.nexthop, &near)); /* on-link */
	/* the router's 10 s */
	advance(9500 - 1);
	assert_int_equal(ip6_route(&far, NULL, &nh), 0);
	advance(1);
	assert_int_equal(nd_stats.routers_expired, 1);
	assert_int_equal(ip6_route(&far, NULL, &nh), -ENETUNREACH);
	/* preferred 20 s: deprecated, still there and still chosen (nothing better) */
	advance(10000);
	assert_int_equal(nd_stats.slaac_deprecated, 1);
	assert_true(ifa->flags & IP6_IFA_DEPRECATED);
	assert_int_equal(ip6_source_select(dev, &near, &nh.src), 0);
	assert_true(net_addr_eq(&nh.src, &a));
	/* valid 30 s: gone, and the prefix with it */
	advance(10000);
	assert_int_equal(nd_stats.slaac_expired, 1);
	assert_int_equal(nd_stats.prefixes_expired, 1);
	assert_null(ip6_addr_find(dev, &a));
	assert_int_equal(ip6_addr_count(dev), 1);
	assert_int_equal(ip6_route(&near, NULL, &nh), -ENETUNREACH);
	assert_int_equal(net_timers_armed(), 0 + (nd_cache_count() ? 1 : 0));
	/* a router lifetime of 0 removes a router at once */
	inject(b, ra_frame(b, 600, NULL, 0, 0, 0, 0));
	assert_int_equal(ip6_route(&far, NULL, &nh), 0);
	inject(b, ra_frame(b, 0, NULL, 0, 0, 0, 0));
	assert_int_equal(ip6_route(&far, NULL, &nh), -ENETUNREACH);
}

/* Routes learned from RAs that go away (a router's lifetime over, or 0 in an RA; a
 * prefix's valid lifetime over, or 0) move the family's routing generation: a cached route
 * (a UDP socket's last destination, a listener's, a connection's) is looked up again and
 * finds none, instead of still leaving by the router or the link that is gone. */
static void test_ra_route_gone_moves_generation(void **state)
{
	const struct net_family_ops *f = &ip6_family_ops;
	struct net_addr far = test_addr6("2001:db8:99::1"), near = test_addr6("2001:db8:1::5"), rtr = test_addr6("fe80::1");
	struct net_route_cache rc_far = { 0 }, rc_near = { 0 };
	const struct net_nexthop *nh;
	uint8_t b[256];

	(void)state;
	ll_up();
	/* router for 10 s, an on-link prefix (no SLAAC address) valid for 30 s */
	inject(b, ra_frame(b, 10, "2001:db8:1::", 64, ND_PFX_ONLINK, 30, 20));
	assert_int_equal(net_route_cached(&rc_far, f, &far, 0, &nh), 0);
	assert_true(net_addr_eq(&nh->nexthop, &rtr));
	assert_int_equal(net_route_cached(&rc_near, f, &near, 0, &nh), 0);
	assert_true(net_addr_eq(&nh->nexthop, &near));
	advance(10000);
	assert_int_equal(nd_stats.routers_expired, 1);
	assert_int_equal(net_route_cached(&rc_far, f, &far, 0, &nh), -ENETUNREACH);
	assert_int_equal(net_route_cached(&rc_near, f, &near, 0, &nh), 0);
	advance(20000);
	assert_int_equal(nd_stats.prefixes_expired, 1);
	assert_int_equal(net_route_cached(&rc_near, f, &near, 0, &nh), -ENETUNREACH);
	/* the same when an RA takes them back at once */
	inject(b, ra_frame(b, 600, "2001:db8:1::", 64, ND_PFX_ONLINK, 600, 600));
	assert_int_equal(net_route_cached(&rc_far, f, &far, 0, &nh), 0);
	assert_int_equal(net_route_cached(&rc_near, f, &near, 0, &nh), 0);
	inject(b, ra_frame(b, 0, NULL, 0, 0, 0, 0));
	assert_int_equal(net_route_cached(&rc_far, f, &far, 0, &nh), -ENETUNREACH);
	assert_int_equal(net_route_cached(&rc_near, f, &near, 0, &nh), 0);
	inject(b, ra_frame(b, 0, "2001:db8:1::", 64, ND_PFX_ONLINK, 0, 0));
	assert_int_equal(net_route_cached(&rc_near, f, &near, 0, &nh), -ENETUNREACH);
	drain();
}

/* An RA that renews a deprecated address's preferred lifetime makes it preferred again,
 * which changes source selection (RFC 6724 rule 3): the routing generation moves, so a
 * cached route takes the renewed address as its source again, as it did before. */
static void test_ra_undeprecate_moves_generation(void **state)
{
	const struct net_family_ops *f = &ip6_family_ops;
	struct net_addr near = test_addr6("2001:db8:1::5"), b6 = test_addr6("2001:db8:2::b");
	struct net_addr a = slaac_addr("2001:db8:1::", 0);
	struct net_route_cache rc = { 0 };
	const struct net_nexthop *nh;
	uint8_t b[256];

	(void)state;
	ll_up();
	nd_config.dad_transmits = 0;
	assert_int_equal(ip6_addr_add(dev, &b6, 64, 0), 0);
	inject(b, ra_frame(b, 600, "2001:db8:1::", 64, ND_PFX_ONLINK | ND_PFX_AUTO, 3600, 10));
	assert_int_equal(net_route_cached(&rc, f, &near, 0, &nh), 0);
	assert_true(net_addr_eq(&nh->src, &a)); /* rule 8: the longest common prefix */
	advance(10000);
	assert_int_equal(nd_stats.slaac_deprecated, 1);
	assert_int_equal(net_route_cached(&rc, f, &near, 0, &nh), 0);
	assert_true(net_addr_eq(&nh->src, &b6)); /* rule 3: not the deprecated one */
	inject(b, ra_frame(b, 600, "2001:db8:1::", 64, ND_PFX_ONLINK | ND_PFX_AUTO, 3600, 3600));
	assert_int_equal(net_route_cached(&rc, f, &near, 0, &nh), 0);
	assert_true(net_addr_eq(&nh->src, &a));
	drain();
}

/* Two default routers, both probably reachable (their RAs gave their MACs): routes take
 * the first. When that one stops answering (its neighbour entry's probes go unanswered),
 * next-hop determination picks the other (RFC 4861 6.3.6, 7.3.3): a cached route must too,
 * so the routing generation moves. */
static void test_router_unreachable_moves_generation(void **state)
{
	static const uint8_t echo[16] = { ICMP6_ECHO_REQUEST, 0, 0, 0, 0, 1, 0, 1 };
	const struct net_family_ops *f = &ip6_family_ops;
	struct net_addr far = test_addr6("2001:db8:99::1"), r1 = test_addr6("fe80::1"), r2 = test_addr6("fe80::2");
	struct net_addr all = test_addr6("ff02::1");
	struct nd_ra ra = { .cur_hlim = 64, .lifetime_s = 600, .has_slla = 1 };
	struct net_route_cache rc = { 0 };
	const struct net_nexthop *nh;
	struct net_nexthop fresh;
	struct pkb *p;
	uint8_t b[256], m[256];
	size_t n;

	(void)state;
	ll_up();
	inject(b, ra_frame(b, 600, NULL, 0, 0, 0, 0)); /* fe80::1, mac_a */
	memcpy(ra.slla, mac_c, 6);
	n = nd_ra_emit(&ra, m, sizeof(m));
	inject(b, icmp_frame(b, mac_c, &r2, &all, 255, m, n));
	assert_int_equal(nd_stats.routers_added, 2);
	drain();
	assert_int_equal(net_route_cached(&rc, f, &far, 0, &nh), 0);
	assert_true(net_addr_eq(&nh->nexthop, &r1));
	/* a packet by the first router: its entry goes STALE -> DELAY -> PROBE, unanswered */
	p = pkb_alloc(sizeof(echo));
	memcpy(pkb_put(p, sizeof(echo)), echo, sizeof(echo));
	icmp6_output(p, NULL, &far, dev, 0, now);
	advance(nd_config.delay_first_probe_ms);
	for (unsigned i = 0; i < nd_config.max_unicast_solicit; i++)
		advance(nd_config.retrans_ms);
	assert_int_equal(nd_stats.probe_failed, 1);
	drain();
	assert_int_equal(ip6_route(&far, NULL, &fresh), 0);
	assert_true(net_addr_eq(&fresh.nexthop, &r2));
	assert_int_equal(net_route_cached(&rc, f, &far, 0, &nh), 0);
	assert_true(net_addr_eq(&nh->nexthop, &r2));
}

/* RFC 4862 5.5.3 (e): an RA shortens a valid lifetime to no less than two hours. */
static void test_slaac_two_hours(void **state)
{
	struct net_addr a = slaac_addr("2001:db8:1::", 0);
	const struct ip6_ifaddr *ifa;
	uint8_t b[256];
	uint64_t h2 = 7200000;

	(void)state;
	ll_up();
	nd_config.dad_transmits = 0;
	inject(b, ra_frame(b, 0, "2001:db8:1::", 64, ND_PFX_AUTO, 3 * 3600, 3 * 3600));
	ifa = ip6_addr_find(dev, &a);
	assert_non_null(ifa);
	assert_int_equal(ifa->flags, IP6_IFA_AUTO); /* no DAD asked for */
	assert_int_equal(mld_stats.out_reports, 1);  /* but its group reported */
	drain();
	assert_int_equal(ifa->valid_until, now + 3 * h2 / 2);
	inject(b, ra_frame(b, 0, "2001:db8:1::", 64, ND_PFX_AUTO, 60, 60));
	assert_int_equal(ifa->valid_until, now + h2); /* cut to two hours, not 60 s */
	assert_int_equal(ifa->preferred_until, now + 60000); /* preferred: taken as is */
	advance(1000);
	inject(b, ra_frame(b, 0, "2001:db8:1::", 64, ND_PFX_AUTO, 60, 60));
	assert_int_equal(ifa->valid_until, now - 1000 + h2); /* two hours or less: kept */
	inject(b, ra_frame(b, 0, "2001:db8:1::", 64, ND_PFX_AUTO, 3 * 3600, 60));
	assert_int_equal(ifa->valid_until, now + 3 * h2 / 2); /* a longer one: taken */
	inject(b, ra_frame(b, 0, "2001:db8:1::", 64, ND_PFX_AUTO, ND_LIFETIME_INFINITE,
			   ND_LIFETIME_INFINITE));
	assert_int_equal(ifa->valid_until, 0);
	assert_int_equal(ifa->preferred_until, 0);
	assert_int_equal(nd_stats.slaac_added, 1);
}

/* ---- DAD ---- */

static void start_dad(const struct net_addr *a, unsigned flags)
{
	struct ip6_hdr h;
	uint8_t m[64];

	assert_int_equal(ip6_addr_add(dev, a, 64, flags | IP6_IFA_TENTATIVE), 0);
	advance(0);
	assert_int_equal(pop_icmp(&h, m, sizeof(m), NULL, 1), ND_NS_NA_LEN);
	assert_int_equal(nd_stats.tx_dad_ns, 1);
}

/* Another node's NA for the address (5.4.4): duplicate, logged, never used. */
static void test_dad_conflict_na(void **state)
{
	struct net_addr a = test_addr6("2001:db8::a"), all = ip6_addr_all_nodes(), far = test_addr6("2001:db8::7");
	struct nd_msg na = { .type = ICMP6_ND_NA, .flags = ND_NA_OVERRIDE, .target = a,
			     .has_lla = 1 };
	uint8_t b[256], m[64];
	struct net_addr src;

	(void)state;
	start_dad(&a, IP6_IFA_STATIC);
	memcpy(na.lla, mac_a, 6);
	inject(b, icmp_frame(b, mac_a, &a, &all, 255, m, nd_emit(&na, m, sizeof(m))));
	assert_int_equal(nd_stats.dad_conflicts, 1);
	assert_int_equal(ip6_addr_find(dev, &a)->flags, IP6_IFA_STATIC | IP6_IFA_DUPLICATE);
	advance(5000);
	assert_int_equal(nd_stats.dad_ok, 0);
	assert_int_equal(nd_stats.tx_dad_ns, 1);
	assert_int_equal(ip6_source_select(dev, &far, &src), -EADDRNOTAVAIL);
	assert_int_equal(ip6_addr_accepts(dev, &a), 0);
	assert_int_equal(test_dev_pending(dev), 0);
}

/* Linux probing the same address at the same time (5.4.3): duplicate too, and not
 * defended (it is not ours). */
static void test_dad_conflict_ns(void **state)
{
	struct net_addr a = test_addr6("2001:db8::a");
	uint8_t b[128];
	long n = test_pcap_frame(PCAP_DAD, 0, b, sizeof(b));

	(void)state;
	assert_true(n > 0);
	start_dad(&a, IP6_IFA_STATIC);
	inject(b, (size_t)n);
	assert_int_equal(nd_stats.dad_conflicts, 1);
	assert_int_equal(nd_stats.tx_dad_reply, 0);
	assert_true(ip6_addr_find(dev, &a)->flags & IP6_IFA_DUPLICATE);
	/* the probe again, now that it is duplicate: still nothing said */
	inject(b, (size_t)n);
	assert_int_equal(nd_stats.dad_conflicts, 1);
	assert_int_equal(test_dev_pending(dev), 0);
}

/* A tentative address answers no solicitation (5.4), and once DAD is over it does. */
static void test_tentative_silent(void **state)
{
	struct net_addr a = test_addr6("2001:db8::a"), c = test_addr6("2001:db8::c"), sol = ip6_addr_solicited(&a);
	struct nd_msg ns = { .type = ICMP6_ND_NS, .target = a, .has_lla = 1 };
	struct ip6_hdr h;
	uint8_t b[256], m[64];
	size_t n;

	(void)state;
	start_dad(&a, IP6_IFA_STATIC);
	memcpy(ns.lla, mac_c, 6);
	n = nd_emit(&ns, m, sizeof(m));
	inject(b, icmp_frame(b, mac_c, &c, &sol, 255, m, n));
	assert_int_equal(nd_stats.rx_tentative_target, 1);
	assert_int_equal(test_dev_pending(dev), 0);
	assert_int_equal(nd_cache_count(), 0);
	advance(1000);
	assert_int_equal(nd_stats.dad_ok, 1);
	n = nd_emit(&ns, m, sizeof(m));
	inject(b, icmp_frame(b, mac_c, &c, &sol, 255, m, n));
	assert_int_equal(pop_icmp(&h, m, sizeof(m), NULL, 1), 32);
	assert_int_equal(m[0], ICMP6_ND_NA);
	assert_true(net_addr_eq(&h.src, &a));
}

/* A SLAAC address found duplicate gives way to the next RFC 7217 identifier, up to
 * idgen_retries times. */
static void test_slaac_conflict_next_iid(void **state)
{
	struct net_addr all = ip6_addr_all_nodes();
	uint8_t b[256], m[64];
	struct ip6_hdr h;

	(void)state;
	ll_up();
	inject(b, ra_frame(b, 0, "2001:db8:1::", 64, ND_PFX_AUTO, 3600, 3600));
	for (unsigned k = 0; k <= nd_defaults.idgen_retries; k++) {
		struct net_addr a = slaac_addr("2001:db8:1::", k);
		struct nd_msg na = { .type = ICMP6_ND_NA, .target = a };
		const struct ip6_ifaddr *ifa = ip6_addr_find(dev, &a);

		assert_non_null(ifa);
		assert_int_equal(ifa->dad_count, k);
		assert_true(ifa->flags & IP6_IFA_TENTATIVE);
		advance(0);
		/* from :: though the link-local address is usable (5.4.2) */
		assert_int_equal(pop_icmp(&h, m, sizeof(m), NULL, 1), ND_NS_NA_LEN);
		assert_true(ip6_addr_is_unspecified(&h.src));
		assert_int_equal(icmp6_cksum(&h.src, &h.dst, m, ND_NS_NA_LEN), 0);
		inject(b, icmp_frame(b, mac_a, &a, &all, 255, m, nd_emit(&na, m, sizeof(m))));
		assert_int_equal(nd_stats.dad_conflicts, k + 1);
	}
	/* the last one stays, marked duplicate; no fifth identifier */
	assert_int_equal(nd_stats.slaac_added, nd_defaults.idgen_retries + 1);
	assert_int_equal(ip6_addr_count(dev), 2);
	{
		struct net_addr last = slaac_addr("2001:db8:1::", nd_defaults.idgen_retries);

		assert_true(ip6_addr_find(dev, &last)->flags & IP6_IFA_DUPLICATE);
	}
	advance(5000);
	assert_int_equal(nd_stats.dad_ok, 0);
}

/* ---- MLDv2 ---- */

static const uint8_t hbh_ra[8] = { IP6_NH_ICMPV6, 0, 5, 2, 0, 0, 1, 0 };

/* The report bytes on a join, and the answers to a general and a group-specific query. */
static void test_mld(void **state)
{
	struct net_addr b6 = test_addr6("2001:db8::b"), ll, rtr = test_addr6("fe80::1");
	struct net_addr sol_b = ip6_addr_solicited(&b6), mld2 = test_addr6("ff02::16");
	struct net_addr all = ip6_addr_all_nodes();
	uint8_t b[256], m[256], q[28] = { ICMP6_MLD_QUERY, 0, 0, 0, 0x03, 0xe8 }, dmac[6];
	struct ip6_hdr h;
	struct pkb *p;
	size_t n;

	(void)state;
	assert_int_equal(ip6_addr_add_linklocal(dev, 0), 0);
	assert_int_equal(ip6_source_select(dev, &mld2, &ll), 0);
	assert_int_equal(ip6_addr_add(dev, &b6, 64, IP6_IFA_STATIC | IP6_IFA_TENTATIVE), 0);
	advance(0);
	/* the join's report: hop limit 1, the router alert, to ff02::16, from the
	 * link-local, one CHANGE_TO_EXCLUDE record without sources */
	p = test_dev_pop(dev);
	assert_non_null(p);
	assert_memory_equal(p->data, ((const uint8_t[6]){ 0x33, 0x33, 0, 0, 0, 0x16 }), 6);
	assert_int_equal(ip6_parse(p->data + 14, p->len - 14, &h), 0);
	assert_int_equal(h.hlim, 1);
	assert_int_equal(h.next, IP6_NH_HOPOPTS);
	assert_true(net_addr_eq(&h.dst, &mld2));
	assert_true(net_addr_eq(&h.src, &ll));
	assert_memory_equal(p->data + 54, hbh_ra, 8);
	n = p->len - 62;
	assert_int_equal(n, 28);
	memcpy(m, p->data + 62, n);
	pkb_free(p);
	assert_int_equal(icmp6_cksum(&ll, &mld2, m, n), 0);
	assert_memory_equal(m, ((const uint8_t[8]){ ICMP6_MLD2_REPORT, 0, m[2], m[3], 0, 0, 0,
						     1 }), 8);
	assert_int_equal(m[8], MLD_CHANGE_TO_EXCLUDE);
	assert_memory_equal(m + 12, sol_b.v6, 16);
	advance(1000); /* DAD over; the second unsolicited report sent within the second */
	drain();
	assert_int_equal(mld_stats.out_reports, 2);
	/* a general query (max response 1000 ms): both solicited-node groups, not all-nodes */
	inject(b, icmp_frame(b, mac_a, &rtr, &all, 1, q, sizeof(q)));
	assert_int_equal(mld_stats.in_queries, 1);
	assert_int_equal(pop_icmp(&h, m, sizeof(m), dmac, 0), 0);
	advance(1000);
	n = pop_icmp(&h, m, sizeof(m), dmac, 0);
	assert_int_equal(n, 8 + 2 * 20);
	assert_int_equal(m[0], ICMP6_MLD2_REPORT);
	assert_int_equal(m[7], 2);
	assert_int_equal(m[8], MLD_MODE_IS_EXCLUDE);
	assert_int_equal(m[28], MLD_MODE_IS_EXCLUDE);
	assert_true(!memcmp(m + 12, sol_b.v6, 16) || !memcmp(m + 32, sol_b.v6, 16));
	/* a group-specific query for sol_b, to that group */
	memcpy(q + 8, sol_b.v6, 16);
	inject(b, icmp_frame(b, mac_a, &rtr, &sol_b, 1, q, sizeof(q)));
	advance(1000);
	n = pop_icmp(&h, m, sizeof(m), dmac, 0);
	assert_int_equal(n, 28);
	assert_memory_equal(m + 12, sol_b.v6, 16);
	/* refused: from a global source, with hop limit 255, short; a group not ours and
	 * all-nodes: no answer */
	inject(b, icmp_frame(b, mac_a, &(struct net_addr){ .family = AF_INET6,
				.v6 = { 0x20, 1, 0xd, 0xb8, [15] = 0x77 } }, &sol_b, 1, q, sizeof(q)));
	inject(b, icmp_frame(b, mac_a, &rtr, &sol_b, 255, q, sizeof(q)));
	inject(b, icmp_frame(b, mac_a, &rtr, &sol_b, 1, q, 20));
	assert_int_equal(mld_stats.in_bad, 3);
	memcpy(q + 8, all.v6, 16);
	inject(b, icmp_frame(b, mac_a, &rtr, &all, 1, q, sizeof(q)));
	assert_int_equal(mld_stats.in_not_member, 1);
	advance(2000);
	assert_int_equal(test_dev_pending(dev), 0);
}

/* ---- redirects ---- */

static void test_redirect(void **state)
{
	struct net_addr far = test_addr6("2001:db8:99::9"), rtr = test_addr6("fe80::1"), other = test_addr6("fe80::2");
	struct net_addr better = test_addr6("fe80::3"), b6 = test_addr6("2001:db8::b");
	struct nd_redirect r = { .target = better, .dst = far, .has_lla = 1 };
	struct net_nexthop nh;
	uint8_t b[256], m[128], lla[6];
	size_t n;

	(void)state;
	assert_int_equal(ip6_addr_add_linklocal(dev, 0), 0);
	assert_int_equal(ip6_addr_add(dev, &b6, 64, IP6_IFA_STATIC), 0);
	inject(b, ra_frame(b, 600, NULL, 0, 0, 0, 0));
	assert_int_equal(ip6_route(&far, NULL, &nh), 0);
	assert_true(net_addr_eq(&nh.nexthop, &rtr));
	memcpy(r.lla, mac_c, 6);
	n = nd_redirect_emit(&r, m, sizeof(m));
	/* from another router: not the first hop */
	inject(b, icmp_frame(b, mac_c, &other, &b6, 255, m, n));
	assert_int_equal(nd_stats.rx_redirect_refused, 1);
	/* from the first hop, with hop limit 64 */
	inject(b, icmp_frame(b, mac_a, &rtr, &b6, 64, m, n));
	assert_int_equal(nd_stats.rx_bad_hlim, 1);
	/* a global target that is not the destination */
	r.target = b6;
	inject(b, icmp_frame(b, mac_a, &rtr, &b6, 255, m, nd_redirect_emit(&r, m, sizeof(m))));
	assert_int_equal(nd_stats.rx_redirect_refused, 2);
	assert_int_equal(ip6_route(&far, NULL, &nh), 0);
	assert_true(net_addr_eq(&nh.nexthop, &rtr));
	/* the real thing */
	r.target = better;
	inject(b, icmp_frame(b, mac_a, &rtr, &b6, 255, m, nd_redirect_emit(&r, m, sizeof(m))));
	assert_int_equal(nd_stats.redirects_accepted, 1);
	assert_int_equal(ip6_route(&far, NULL, &nh), 0);
	assert_true(net_addr_eq(&nh.nexthop, &better));
	assert_int_equal(nd_cache_lookup(dev, &better, lla), ND_STALE);
	assert_memory_equal(lla, mac_c, 6);
	/* a redirect for an on-link destination (its own first hop) from the router:
	 * refused */
	r.dst = test_addr6("2001:db8::44");
	inject(b, icmp_frame(b, mac_a, &rtr, &b6, 255, m, nd_redirect_emit(&r, m, sizeof(m))));
	assert_int_equal(nd_stats.rx_redirect_refused, 3);
	r.dst = far;
	/* the next redirect must come from the new first hop: the old router is refused */
	r.target = other;
	inject(b, icmp_frame(b, mac_a, &rtr, &b6, 255, m, nd_redirect_emit(&r, m, sizeof(m))));
	assert_int_equal(nd_stats.rx_redirect_refused, 4);
	assert_int_equal(ip6_route(&far, NULL, &nh), 0);
	assert_true(net_addr_eq(&nh.nexthop, &better));
	/* the router withdrawn (lifetime 0): the redirect names fe80::3 itself and stays;
	 * another destination has no route */
	inject(b, ra_frame(b, 0, NULL, 0, 0, 0, 0));
	assert_int_equal(ip6_route(&far, NULL, &nh), 0);
	assert_true(net_addr_eq(&nh.nexthop, &better));
	assert_int_equal(ip6_route(&(struct net_addr){ .family = AF_INET6,
				   .v6 = { 0x20, 1, 0xd, 0xb8, 0, 0x98, [15] = 1 } }, NULL, &nh),
			 -ENETUNREACH);
}

/* Static routes against what router advertisements taught (ip6_route's one
 * longest-prefix match): a static default beats the advertised default router (a tie),
 * an advertised on-link /64 beats a static default, a static /65 inside it beats the
 * /64; without the static default the router is the way out again. */
static void test_static_vs_ra(void **state)
{
	struct net_addr b6 = test_addr6("2001:db8::b"), gw = test_addr6("2001:db8::1"), rtr = test_addr6("fe80::1");
	struct net_addr any = test_addr6("::"), p65 = test_addr6("2001:db8:50:0:8000::"), d;
	struct net_nexthop nh;
	uint8_t b[256];

	(void)state;
	assert_int_equal(ip6_addr_add_linklocal(dev, 0), 0);
	assert_int_equal(ip6_addr_add(dev, &b6, 64, IP6_IFA_STATIC), 0);
	inject(b, ra_frame(b, 600, "2001:db8:50::", 64, ND_PFX_ONLINK, 600, 600));
	d = test_addr6("2001:db9::1");
	assert_int_equal(ip6_route(&d, NULL, &nh), 0);
	assert_true(net_addr_eq(&nh.nexthop, &rtr));
	assert_int_equal(ip6_route_add(&any, 0, &gw, 0), 0);
	assert_int_equal(ip6_route_add(&p65, 65, &gw, 0), 0);
	assert_int_equal(ip6_route(&d, NULL, &nh), 0);
	assert_true(net_addr_eq(&nh.nexthop, &gw));        /* static ::/0 over the RA's */
	d = test_addr6("2001:db8:50::5");
	assert_int_equal(ip6_route(&d, NULL, &nh), 0);
	assert_true(net_addr_eq(&nh.nexthop, &d));         /* the RA's on-link /64 */
	d = test_addr6("2001:db8:50:0:8000::5");
	assert_int_equal(ip6_route(&d, NULL, &nh), 0);
	assert_true(net_addr_eq(&nh.nexthop, &gw));        /* the static /65 */
	assert_int_equal(ip6_route_del(&any, 0), 0);
	d = test_addr6("2001:db9::1");
	assert_int_equal(ip6_route(&d, NULL, &nh), 0);
	assert_true(net_addr_eq(&nh.nexthop, &rtr));
	assert_ptr_equal(nh.dev, dev);
}

/* ---- against Linux and dnsmasq ---- */

static void test_linux_captures(void **state)
{
	static const uint8_t linux_mac[6] = { 0xc6, 0x5e, 0x40, 0x94, 0x4f, 0xf0 };
	static const uint8_t dnsmasq_mac[6] = { 0x9a, 0x74, 0xab, 0x42, 0xff, 0x10 };
	struct net_addr ll = test_addr6("fe80::c45e:40ff:fe94:4ff0"), sol = ip6_addr_solicited(&ll);
	struct net_addr rtr = test_addr6("fe80::9874:abff:fe42:ff10"), far = test_addr6("2001:db8:7::7");
	struct net_addr slaac;
	uint8_t want[128], b[128], lla[6];
	struct net_nexthop nh;
	struct pkb *p;
	long n;

	(void)state;
	memcpy(dev->hwaddr, linux_mac, 6);
	assert_int_equal(ip6_addr_add(dev, &ll, 64, IP6_IFA_LINKLOCAL), 0);
	/* our MLDv2 report for the group, and our RS, are Linux's byte for byte */
	mld_join_report(dev, &sol, now);
	n = test_pcap_frame(PCAP_RA, 2, want, sizeof(want));
	assert_int_equal(n, 14 + 40 + 8 + 28);
	p = test_dev_pop(dev);
	assert_non_null(p);
	assert_int_equal(p->len, (size_t)n);
	assert_memory_equal(p->data, want, (size_t)n);
	pkb_free(p);
	nd_rs_start(dev, now);
	advance(0);
	n = test_pcap_frame(PCAP_RA, 3, want, sizeof(want));
	assert_int_equal(n, 14 + 40 + 16);
	p = test_dev_pop(dev);
	assert_non_null(p);
	assert_int_equal(p->len, (size_t)n);
	assert_memory_equal(p->data, want, (size_t)n);
	pkb_free(p);
	/* dnsmasq's RA from its global address: refused; from its link-local one: taken */
	n = test_pcap_frame(PCAP_RA, 1, b, sizeof(b));
	inject(b, (size_t)n);
	assert_int_equal(nd_stats.rx_ra_bad_src, 1);
	assert_int_equal(nd_stats.routers_added, 0);
	n = test_pcap_frame(PCAP_RA, 0, b, sizeof(b));
	inject(b, (size_t)n);
	assert_int_equal(nd_stats.routers_added, 1);
	assert_int_equal(nd_stats.prefixes_added, 1);
	assert_int_equal(nd_stats.slaac_added, 1);
	assert_int_equal(nd_stats.rx_ra_bad_mtu, 0);
	assert_int_equal(ip6_link_mtu(dev), 1500);
	assert_int_equal(nd_cache_lookup(dev, &rtr, lla), ND_STALE);
	assert_memory_equal(lla, dnsmasq_mac, 6);
	slaac = slaac_addr("2001:db8:1::", 0);
	assert_non_null(ip6_addr_find(dev, &slaac));
	assert_int_equal(ip6_addr_find(dev, &slaac)->valid_until, now + 3600000);
	assert_int_equal(ip6_route(&far, NULL, &nh), 0);
	assert_true(net_addr_eq(&nh.nexthop, &rtr));
	/* the RA ended the solicitations: one sent */
	advance(20000);
	assert_int_equal(nd_stats.tx_rs, 1);
	drain();
}

/* --trace's lines for the RA, the MLDv2 report and the RS of the captures. */
static void test_trace_lines(void **state)
{
	static const struct { int index; const char *want; } cases[] = {
		{ 0, "IP6 fe80::9874:abff:fe42:ff10 > ff02::1: ICMPv6 router advertisement "
		     "lifetime 600s hlim 64 prefix 2001:db8:1::/64 [LA] valid 3600 pref 3600 "
		     "mtu 1500 from 9a:74:ab:42:ff:10" },
		{ 2, "IP6 fe80::c45e:40ff:fe94:4ff0 > ff02::16: hop-by-hop len 8 ICMPv6 multicast "
		     "listener report v2 1 record to_ex ff02::1:ff94:4ff0" },
		{ 3, "IP6 fe80::c45e:40ff:fe94:4ff0 > ff02::2: ICMPv6 router solicitation from "
		     "c6:5e:40:94:4f:f0" },
	};
	uint8_t b[256];
	char line[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long n = test_pcap_frame(PCAP_RA, cases[i].index, b, sizeof(b));

		assert_true(n > 0);
		trace_format(dev, b, (size_t)n, line, sizeof(line));
		if (strcmp(line, cases[i].want))
			fail_msg("#%d\n  got:  %s\n  want: %s", cases[i].index, line, cases[i].want);
	}
	/* RFC 8106's options, as ra_opts_frame builds them */
	{
		static const char *const srv[] = { "2001:db8:1::53" };
		uint8_t o[64], f[600];
		size_t on = rdnss_opt(o, 600, srv, 1);

		on += dnssl_opt(o + on, 300, "\3lab\4test\0", 10);
		trace_format(dev, f, ra_opts_frame(f, o, on), line, sizeof(line));
		assert_string_equal(line, "IP6 fe80::1 > ff02::1: ICMPv6 router advertisement "
					  "lifetime 0s hlim 64 rdnss 2001:db8:1::53 life 600 "
					  "dnssl lab.test life 300 from 02:00:00:00:00:0a");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ra_wire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ra_malformed_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rs_timing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slaac_lifetimes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slaac_two_hours, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ra_route_gone_moves_generation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ra_undeprecate_moves_generation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_router_unreachable_moves_generation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dad_conflict_na, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dad_conflict_ns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tentative_silent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slaac_conflict_next_iid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mld, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redirect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_static_vs_ra, setup, teardown),
		cmocka_unit_test_setup_teardown(test_linux_captures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trace_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ra_dns_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ra_dns_lifetimes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
