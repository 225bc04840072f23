/* SPDX-License-Identifier: MIT */
/* The routing table: longest-prefix match across connected, static and default routes,
 * the errors of ip_route_add, a large table, source and MTU choice, and the next hop
 * (gateway, not destination) handed to ARP. */
#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "arp/arp.h"
#include "ether/ether.h"
#include "ip/ip.h"
#include "net/loop.h"

#define T0 1000000ull

static struct net_device *tun, *tun2;
static struct ip_config_s saved_config;

#define A(s) test_addr(s)

static uint32_t M(unsigned plen)
{
	return htonl(plen ? ~0u << (32 - plen) : 0);
}

static int setup(void **state)
{
	(void)state;
	saved_config = ip_config;
	stats_reset();
	tun = test_dev_create("tun0", NET_DEV_IP, 1500);
	tun2 = test_dev_create("tun1", NET_DEV_IP, 1280);
	assert_int_equal(ip_init(), 0);
	assert_int_equal(ip_iface_add(tun, A("192.0.2.2"), M(24), 0), 0);
	assert_int_equal(ip_iface_add(tun2, A("10.0.0.1"), M(8), 0), 0);
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
	test_dev_flush(tun);
	test_dev_flush(tun2);
	test_assert_no_leaks();
}

static void test_longest_prefix(void **state)
{
	static const struct {
		const char *dst;
		const char *network;
		unsigned plen;
		const char *gateway;
		int dev; /* 0 tun0, 1 tun1 */
	} cases[] = {
		{ "10.1.2.3", "10.1.2.0", 24, "10.0.0.254", 1 },
		{ "10.1.3.3", "10.1.0.0", 16, "192.0.2.254", 0 },
		{ "10.1.2.77", "10.1.2.77", 32, "192.0.2.253", 0 },
		{ "10.2.0.1", "10.0.0.0", 8, "0.0.0.0", 1 },
		{ "192.0.2.9", "192.0.2.0", 24, "0.0.0.0", 0 },
		{ "8.8.8.8", "0.0.0.0", 0, "192.0.2.1", 0 },
		{ "255.255.255.255", "0.0.0.0", 0, "192.0.2.1", 0 },
	};

	(void)state;
	assert_null(ip_route_lookup(A("8.8.8.8")));
	assert_int_equal(ip_route_add(A("10.1.0.0"), M(16), A("192.0.2.254"), NULL), 0);
	assert_int_equal(ip_route_add(A("10.1.2.0"), M(24), A("10.0.0.254"), NULL), 0);
	assert_int_equal(ip_route_add(A("10.1.2.77"), M(32), A("192.0.2.253"), NULL), 0);
	assert_int_equal(ip_route_add(0, 0, A("192.0.2.1"), NULL), 0);
	assert_int_equal(ip_route_count(), 6);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ip_route *r = ip_route_lookup(A(cases[i].dst));

		assert_non_null(r);
		if (r->dst.v4 != A(cases[i].network) || r->prefixlen != (unsigned)cases[i].plen)
			fail_msg("%s: wrong route", cases[i].dst);
		assert_int_equal(r->gateway.v4, A(cases[i].gateway));
		assert_ptr_equal(r->iface->dev, cases[i].dev ? tun2 : tun);
	}
	/* Source and MTU follow the outgoing interface. */
	assert_int_equal(ip_source_for(A("10.1.2.3")), A("10.0.0.1"));
	assert_int_equal(ip_source_for(A("8.8.8.8")), A("192.0.2.2"));
	assert_int_equal(ip_route_mtu(A("10.1.2.3")), 1280);
	assert_int_equal(ip_route_mtu(A("10.1.3.3")), 1500);
	done();
}

static void test_add_errors(void **state)
{
	(void)state;
	/* A mask with a hole cannot be matched by prefix. */
	assert_int_equal(ip_route_add(A("10.5.0.0"), A("255.0.255.0"), A("192.0.2.1"), NULL),
			 -EINVAL);
	assert_int_equal(ip_iface_add(tun, A("172.16.0.1"), A("255.255.0.255"), 0), -EINVAL);
	/* The gateway must be on a connected network. */
	assert_int_equal(ip_route_add(A("172.16.0.0"), M(12), A("203.0.113.1"), NULL),
			 -ENETUNREACH);
	/* One route per prefix. */
	assert_int_equal(ip_route_add(A("172.16.0.0"), M(12), A("192.0.2.1"), NULL), 0);
	assert_int_equal(ip_route_add(A("172.16.9.9"), M(12), A("192.0.2.7"), NULL), -EEXIST);
	/* The host bits of the network are ignored. */
	assert_non_null(ip_route_lookup(A("172.31.255.255")));
	assert_int_equal(ip_route_lookup(A("172.31.255.255"))->dst.v4, A("172.16.0.0"));
	/* The table has a limit. */
	ip_config.route_max = (unsigned)ip_route_count();
	assert_int_equal(ip_route_add(A("172.20.0.0"), M(16), A("192.0.2.1"), NULL), -ENOSPC);
	assert_int_equal(ip_stats.route_full, 1);
	done();
}

static void test_point_to_point(void **state)
{
	struct net_device *ptp;
	const struct ip_route *r;

	(void)state;
	ptp = test_dev_create("tun2", NET_DEV_IP, 1400);
	assert_int_equal(ip_iface_add(ptp, A("100.64.0.2"), M(32), A("100.64.0.1")), 0);
	r = ip_route_lookup(A("100.64.0.1"));
	assert_non_null(r);
	assert_int_equal(r->prefixlen, 32);
	assert_ptr_equal(r->iface->dev, ptp);
	/* A gateway reached over the point-to-point link. */
	assert_int_equal(ip_route_add(A("198.18.0.0"), M(15), A("100.64.0.1"), NULL), 0);
	assert_int_equal(ip_source_for(A("198.19.1.1")), A("100.64.0.2"));
	assert_int_equal(ip_route_mtu(A("198.19.1.1")), 1400);
	done();
}

static void test_large_table(void **state)
{
	(void)state;
	/* 4096 /24s and 4096 /32s inside them, all through the connected 10/8. */
	for (uint32_t i = 0; i < 4096; i++) {
		uint32_t net = htonl(0x0b000000u | i << 8);          /* 11.0.i.0/24 */
		uint32_t host = htonl(0x0b000000u | i << 8 | 0x42);  /* 11.0.i.66 */

		assert_int_equal(ip_route_add(net, M(24), A("10.0.0.2"), NULL), 0);
		assert_int_equal(ip_route_add(host, M(32), A("10.0.0.3"), NULL), 0);
	}
	assert_int_equal(ip_route_count(), 2 + 8192);
	for (uint32_t i = 0; i < 4096; i++) {
		const struct ip_route *r;

		r = ip_route_lookup(htonl(0x0b000000u | i << 8 | 0x42));
		assert_non_null(r);
		assert_int_equal(r->gateway.v4, A("10.0.0.3"));
		r = ip_route_lookup(htonl(0x0b000000u | i << 8 | 0x43));
		assert_non_null(r);
		assert_int_equal(r->gateway.v4, A("10.0.0.2"));
		assert_int_equal(r->dst.v4, htonl(0x0b000000u | i << 8));
	}
	assert_null(ip_route_lookup(A("11.16.0.1")));
	ip_route_flush();
	assert_int_equal(ip_route_count(), 0);
	assert_null(ip_route_lookup(A("192.0.2.9")));
	done();
}

static void test_gateway_is_next_hop(void **state)
{
	struct net_device *eth;
	struct arp_pkt a;
	struct ether_hdr eh;
	struct pkb *p;

	(void)state;
	assert_int_equal(ether_init(), 0);
	assert_int_equal(arp_init(), 0);
	eth = test_dev_create("eth0", NET_DEV_ETHER, 1500);
	assert_int_equal(ip_iface_add(eth, A("198.51.100.2"), M(24), 0), 0);
	assert_int_equal(ip_route_add(0, 0, A("198.51.100.1"), NULL), 0);
	p = pkb_alloc(32);
	pkb_put(p, 32);
	memset(p->data, 0xab, 32);
	/* ARP owns the packet while it resolves the gateway, not 203.0.113.9. */
	assert_int_equal(ip_output(IP_PROTO_UDP, p, 0, A("203.0.113.9"), NULL, T0), 0);
	p = test_dev_pop(eth);
	assert_non_null(p);
	assert_int_equal(ether_parse(p->data, p->len, &eh), 0);
	assert_int_equal(eh.type, ETHER_TYPE_ARP);
	assert_int_equal(arp_parse(p->data + ETHER_HDR_LEN, p->len - ETHER_HDR_LEN, &a), 0);
	assert_int_equal(a.op, ARP_OP_REQUEST);
	assert_int_equal(a.tpa, A("198.51.100.1"));
	assert_int_equal(a.spa, A("198.51.100.2"));
	pkb_free(p);
	arp_shutdown();
	done();
}

/* A limited broadcast follows the default route to pick its device but goes out as a
 * link-layer broadcast, not to the gateway's MAC (a DHCP client with a default route
 * renews by broadcast; before this fix its DISCOVER went to the router alone). */
static void test_broadcast_not_via_gateway(void **state)
{
	struct net_device *eth;
	struct ether_hdr eh;
	struct ip_nexthop nh;
	struct pkb *p;

	(void)state;
	assert_int_equal(ether_init(), 0);
	assert_int_equal(arp_init(), 0);
	eth = test_dev_create("eth0", NET_DEV_ETHER, 1500);
	assert_int_equal(ip_iface_add(eth, A("198.51.100.2"), M(24), 0), 0);
	assert_int_equal(ip_route_add(0, 0, A("198.51.100.1"), NULL), 0);
	assert_int_equal(ip_route_output(IP_ADDR_BROADCAST, &nh), 0);
	assert_ptr_equal(nh.dev, eth);
	assert_int_equal(nh.nexthop, IP_ADDR_BROADCAST);
	assert_int_equal(nh.src, A("198.51.100.2"));
	assert_int_equal(ip_route_output_dev(IP_ADDR_BROADCAST, eth->index, &nh), 0);
	assert_int_equal(nh.nexthop, IP_ADDR_BROADCAST);
	p = pkb_alloc(32);
	pkb_put(p, 32);
	memset(p->data, 0xab, 32);
	assert_int_equal(ip_output(IP_PROTO_UDP, p, 0, IP_ADDR_BROADCAST, NULL, T0), 0);
	p = test_dev_pop(eth);
	assert_non_null(p);
	assert_int_equal(ether_parse(p->data, p->len, &eh), 0);
	assert_int_equal(eh.type, ETHER_TYPE_IP);
	for (int i = 0; i < 6; i++)
		assert_int_equal(eh.dst[i], 0xff);
	pkb_free(p);
	arp_shutdown();
	done();
}

/* Removing an address takes its routes and leaves the device's later addresses routable:
 * the routes point into the device's address array, which closes up. */
static void test_del(void **state)
{
	struct ip_nexthop nh;
	const struct ip_route *r;

	(void)state;
	assert_int_equal(ip_iface_add(tun, A("198.51.100.2"), M(24), 0), 0);
	assert_int_equal(ip_iface_add(tun, A("203.0.113.2"), M(24), 0), 0);
	assert_int_equal(ip_route_add(A("172.16.0.0"), M(12), A("192.0.2.1"), NULL), 0);
	assert_int_equal(ip_route_add(A("172.20.0.0"), M(16), A("203.0.113.1"), NULL), 0);
	assert_int_equal(ip_route_del(A("172.16.0.0"), M(12)), 0);
	assert_int_equal(ip_route_del(A("172.16.0.0"), M(12)), -ESRCH);
	assert_int_equal(ip_route_del(A("172.16.0.0"), htonl(0xff00ff00)), -EINVAL);
	assert_int_equal(ip_route_add(A("172.16.0.0"), M(12), A("192.0.2.1"), NULL), 0);

	assert_int_equal(ip_iface_del(tun, A("192.0.2.99")), -EADDRNOTAVAIL);
	assert_int_equal(ip_iface_del(tun, A("192.0.2.2")), 0);
	assert_int_equal(tun->nifaces, 2);
	assert_null(ip_route_lookup(A("192.0.2.7")));   /* its connected route */
	assert_null(ip_route_lookup(A("172.16.1.1")));  /* a route through its gateway */
	r = ip_route_lookup(A("203.0.113.9"));
	assert_non_null(r);
	assert_ptr_equal(r->iface, &tun->ifaces[1]);
	assert_int_equal(r->iface->addr.v4, A("203.0.113.2"));
	r = ip_route_lookup(A("172.20.5.5"));
	assert_non_null(r);
	assert_int_equal(r->iface->addr.v4, A("203.0.113.2"));
	assert_int_equal(ip_route_output(A("198.51.100.9"), &nh), 0);
	assert_int_equal(nh.src, A("198.51.100.2"));
	assert_int_equal(ip_route_output(A("172.20.5.5"), &nh), 0);
	assert_int_equal(nh.src, A("203.0.113.2"));
	assert_int_equal(nh.nexthop, A("203.0.113.1"));
	done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_longest_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_point_to_point, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gateway_is_next_hop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broadcast_not_via_gateway, setup, teardown),
		cmocka_unit_test_setup_teardown(test_del, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
