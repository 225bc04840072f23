/* SPDX-License-Identifier: MIT */
/* --dev parsing: each accepted spec yields exactly the options it spells out, and each bad
 * spec is refused with one line that names the problem and the fix. Then the drivers that
 * need no privileges: loopback through a real loop turn, and a refused tap/tun/packet. */
#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "driver/driver.h"
#include "net/cksum.h"
#include "net/loop.h"
#include "test/unit/test_app.h" /* last: it wraps the calls that take the lock */

static uint32_t A(const char *s)
{
	struct in_addr in;
	assert_int_equal(inet_pton(AF_INET, s, &in), 1);
	return in.s_addr;
}

struct good_case {
	const char *spec;
	enum dev_kind kind;
	const char *ifname;
	const char *addr, *netmask;
	const char *host, *host_netmask; /* NULL: no host= */
	const char *bridge;
	const char *mac;                 /* NULL: no mac= */
	unsigned mtu;
	int offload;
};

static const struct good_case good[] = {
	{ "tap:tap0,addr=10.0.0.2/24", DEV_TAP, "tap0", "10.0.0.2", "255.255.255.0",
	  NULL, NULL, "", NULL, 0, DEV_OFFLOAD_DEFAULT },
	{ "tap:t1,addr=10.1.2.3/16,host=10.1.0.1/16,bridge=br0,mac=02:aa:bb:cc:dd:0E,mtu=9000",
	  DEV_TAP, "t1", "10.1.2.3", "255.255.0.0", "10.1.0.1", "255.255.0.0", "br0",
	  "02:aa:bb:cc:dd:0e", 9000, DEV_OFFLOAD_DEFAULT },
	{ "tap:x,mtu=68,addr=192.0.2.2/32,offload=off", DEV_TAP, "x", "192.0.2.2",
	  "255.255.255.255", NULL, NULL, "", NULL, 68, 0 },
	{ "tap:x,offload=on,addr=192.0.2.2/32", DEV_TAP, "x", "192.0.2.2", "255.255.255.255",
	  NULL, NULL, "", NULL, 0, 1 },
	{ "tun:tun0,addr=10.9.0.2/30,host=10.9.0.1,mtu=1400,offload=off", DEV_TUN, "tun0",
	  "10.9.0.2", "255.255.255.252", "10.9.0.1", "255.255.255.255", "", NULL, 1400, 0 },
	{ "packet:veth1,addr=172.16.0.5/12,mac=06:00:00:00:00:01", DEV_PACKET, "veth1",
	  "172.16.0.5", "255.240.0.0", NULL, NULL, "", "06:00:00:00:00:01", 0,
	  DEV_OFFLOAD_DEFAULT },
	{ "packet:veth1,addr=172.16.0.5/12,offload=off", DEV_PACKET, "veth1", "172.16.0.5",
	  "255.240.0.0", NULL, NULL, "", NULL, 0, 0 },
	{ "tap:abcdefghijklmno,addr=10.0.0.1/8", DEV_TAP, "abcdefghijklmno", "10.0.0.1",
	  "255.0.0.0", NULL, NULL, "", NULL, 0, DEV_OFFLOAD_DEFAULT },
	/* no addr=: an Ethernet device comes up with no address (DHCP) */
	{ "tap:tap0", DEV_TAP, "tap0", "0.0.0.0", "0.0.0.0", NULL, NULL, "", NULL, 0,
	  DEV_OFFLOAD_DEFAULT },
	{ "packet:veth1,mac=02:00:00:00:00:09", DEV_PACKET, "veth1", "0.0.0.0", "0.0.0.0", NULL,
	  NULL, "", "02:00:00:00:00:09", 0, DEV_OFFLOAD_DEFAULT },
};

static void test_parse_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const struct good_case *c = &good[i];
		struct dev_opts o;
		char err[256] = "untouched";
		uint8_t mac[6];

		memset(&o, 0x5a, sizeof(o));
		if (dev_opts_parse(c->spec, &o, err, sizeof(err)) != 0)
			fail_msg("%s: refused: %s", c->spec, err);
		assert_string_equal(err, "");
		assert_int_equal(o.kind, c->kind);
		assert_string_equal(o.ifname, c->ifname);
		assert_int_equal(o.addr, A(c->addr));
		assert_int_equal(o.netmask, A(c->netmask));
		assert_int_equal(o.has_host, c->host != NULL);
		if (c->host) {
			assert_int_equal(o.host, A(c->host));
			assert_int_equal(o.host_netmask, A(c->host_netmask));
		}
		assert_string_equal(o.bridge, c->bridge);
		assert_int_equal(o.has_mac, c->mac != NULL);
		if (c->mac) {
			assert_int_equal(sscanf(c->mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0],
						&mac[1], &mac[2], &mac[3], &mac[4], &mac[5]), 6);
			assert_memory_equal(o.mac, mac, 6);
		}
		assert_int_equal(o.mtu, c->mtu);
		assert_int_equal(o.offload, c->offload);
	}
	test_assert_no_leaks();
}

/* addr6= on every kind: the address and its prefix length, in one option */
static void test_parse_addr6(void **state)
{
	static const uint8_t want[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	const char *specs[] = { "tap:tap0,addr=10.0.0.2/24,addr6=2001:db8::2/64",
				"packet:eth0,addr6=2001:db8::2/64",
				"tun:tun0,addr=10.0.0.2/30,addr6=2001:db8::2/64" };
	struct dev_opts o;
	char err[256];

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(dev_opts_parse(specs[i], &o, err, sizeof(err)), 0);
		assert_true(o.has_addr6);
		assert_int_equal(o.addr6.family, AF_INET6);
		assert_memory_equal(o.addr6.v6, want, 16);
		assert_int_equal(o.addr6_plen, 64);
	}
	assert_int_equal(dev_opts_parse("tap:tap0,addr=10.0.0.2/24", &o, err, sizeof(err)), 0);
	assert_false(o.has_addr6);
	assert_int_equal(dev_opts_parse("tap:tap0,addr6=fe80::5/128", &o, err, sizeof(err)), 0);
	assert_int_equal(o.addr6_plen, 128);
	assert_false(o.has_host6);
	/* host6=: the kernel side's, on tap and tun */
	assert_int_equal(dev_opts_parse("tap:tap0,addr6=2001:db8::2/64,host6=2001:db8::1/64", &o,
					err, sizeof(err)), 0);
	assert_true(o.has_host6);
	assert_int_equal(o.host6_plen, 64);
	assert_int_equal(o.host6.v6[15], 1);
	assert_int_equal(dev_opts_parse("tun:tun0,addr=10.0.0.2/30,host6=2001:db8::1/128", &o,
					err, sizeof(err)), 0);
	assert_int_equal(o.host6_plen, 128);
	test_assert_no_leaks();
}

struct bad_case {
	const char *spec;
	const char *msg; /* the whole line */
};

static const struct bad_case bad[] = {
	{ "tap0,addr=10.0.0.2/24",
	  "--dev tap0,addr=10.0.0.2/24: expected tap:NAME,..., tun:NAME,... or packet:IFNAME,..." },
	{ "eth:x,addr=10.0.0.2/24",
	  "--dev eth:x,addr=10.0.0.2/24: unknown device kind 'eth' (use tap, tun or packet)" },
	{ "tap:,addr=10.0.0.2/24",
	  "--dev tap:,addr=10.0.0.2/24: missing interface name: tap:NAME,addr=A.B.C.D/N" },
	{ "tap:abcdefghijklmnop,addr=10.0.0.2/24",
	  "--dev tap:abcdefghijklmnop,addr=10.0.0.2/24: interface name 'abcdefghijklmnop' is "
	  "longer than 15 characters" },
	{ "tun:tun0,host=10.0.0.1", "--dev tun:tun0 needs addr=A.B.C.D/N" },
	{ "tap:tap0,addr=10.0.0.2",
	  "--dev tap:tap0: addr=10.0.0.2 needs a prefix length: addr=10.0.0.2/24" },
	{ "tap:tap0,addr=10.0.0.256/24",
	  "--dev tap:tap0: bad addr=10.0.0.256/24: expected A.B.C.D/N with N 1-32" },
	{ "tap:tap0,addr=10.0.0.2/33",
	  "--dev tap:tap0: bad addr=10.0.0.2/33: expected A.B.C.D/N with N 1-32" },
	{ "tap:tap0,addr=10.0.0.2/0",
	  "--dev tap:tap0: bad addr=10.0.0.2/0: expected A.B.C.D/N with N 1-32" },
	{ "tap:tap0,addr=10.0.0.2/24,host=10.0.0.1",
	  "--dev tap:tap0: host=10.0.0.1 needs a prefix length: host=10.0.0.1/24" },
	{ "tun:tun0,addr=10.0.0.2/30,host=10.0.0.1/30",
	  "--dev tun:tun0: host=10.0.0.1/30: a tun is point-to-point, give host= without /N" },
	{ "tap:tap0,addr=10.0.0.2/24,host=10.0.0.2/24",
	  "--dev tap:tap0: host= is the kernel's address and must differ from addr= (ustack's)" },
	{ "tap:tap0,addr=10.0.0.2/24,addr=10.0.0.3/24", "--dev tap:tap0: addr= given twice" },
	{ "tap:tap0,addr=10.0.0.2/24,host6=2001:db8::1",
	  "--dev tap:tap0: bad host6=2001:db8::1: expected ADDR/LEN, e.g. host6=2001:db8::1/64" },
	{ "tap:tap0,addr=10.0.0.2/24,host6=ff02::1/64",
	  "--dev tap:tap0: host6=ff02::1/64 is a multicast address" },
	{ "packet:eth0,addr=10.0.0.2/24,host6=2001:db8::1/64",
	  "--dev packet:eth0: host6= does not apply to packet devices (keys: addr, addr6, mac, offload, ring)" },
	{ "tap:tap0,addr=10.0.0.2/24,speed=10",
	  "--dev tap:tap0: unknown option 'speed' (keys: addr, addr6, host, host6, bridge, mac, mtu, offload, queues, queue)" },
	{ "tap:tap0,addr=10.0.0.2/24,promisc",
	  "--dev tap:tap0: 'promisc' is not key=value (keys: addr, addr6, host, host6, bridge, mac, mtu, offload, queues, queue)" },
	{ "tap:tap0,addr=10.0.0.2/24,,mtu=1400", "--dev tap:tap0: empty option (a stray comma?)" },
	{ "tap:tap0,addr=10.0.0.2/24,mtu=", "--dev tap:tap0: mtu= needs a value" },
	{ "tap:tap0,addr=10.0.0.2/24,mtu=67",
	  "--dev tap:tap0: bad mtu=67: expected a number from 68 to 65535" },
	{ "tap:tap0,addr=10.0.0.2/24,mtu=1500x",
	  "--dev tap:tap0: bad mtu=1500x: expected a number from 68 to 65535" },
	{ "tap:tap0,addr=10.0.0.2/24,mac=02:00:00:00:00",
	  "--dev tap:tap0: bad mac=02:00:00:00:00: expected aa:bb:cc:dd:ee:ff" },
	{ "tap:tap0,addr=10.0.0.2/24,mac=02:00:00:00:00:0g",
	  "--dev tap:tap0: bad mac=02:00:00:00:00:0g: expected aa:bb:cc:dd:ee:ff" },
	{ "tap:tap0,addr=10.0.0.2/24,mac=01:00:5e:00:00:01",
	  "--dev tap:tap0: mac=01:00:5e:00:00:01 is a multicast address: the first byte must be "
	  "even" },
	{ "tun:tun0,addr=10.0.0.2/30,bridge=br0",
	  "--dev tun:tun0: bridge= does not apply to tun devices (keys: addr, addr6, host, host6, mtu, offload)" },
	{ "tun:tun0,addr=10.0.0.2/30,mac=02:00:00:00:00:01",
	  "--dev tun:tun0: mac= does not apply to tun devices (keys: addr, addr6, host, host6, mtu, offload)" },
	{ "packet:eth0,addr=10.0.0.2/24,host=10.0.0.1/24",
	  "--dev packet:eth0: host= does not apply to packet devices (keys: addr, addr6, mac, offload, ring)" },
	{ "packet:eth0,addr=10.0.0.2/24,mtu=1400",
	  "--dev packet:eth0: mtu= does not apply to packet devices (keys: addr, addr6, mac, offload, ring)" },
	{ "tap:tap0,addr=10.0.0.2/24,offload=yes",
	  "--dev tap:tap0: bad offload=yes: expected on or off" },
	{ "tap:tap0,addr=10.0.0.2/24,offload=on,offload=off", "--dev tap:tap0: offload= given twice" },
	{ "packet:eth0,addr=10.0.0.2/24,offload=maybe",
	  "--dev packet:eth0: bad offload=maybe: expected on or off" },
	{ "tap:tap0,addr6=2001:db8::2",
	  "--dev tap:tap0: bad addr6=2001:db8::2: expected ADDR/LEN, e.g. addr6=2001:db8::2/64" },
	{ "tap:tap0,addr6=2001:db8::2/129",
	  "--dev tap:tap0: bad addr6=2001:db8::2/129: expected ADDR/LEN with LEN 1-128, e.g. "
	  "addr6=2001:db8::2/64" },
	{ "tap:tap0,addr6=2001:db8::g/64",
	  "--dev tap:tap0: bad addr6=2001:db8::g/64: expected ADDR/LEN with LEN 1-128, e.g. "
	  "addr6=2001:db8::2/64" },
	{ "tap:tap0,addr6=10.0.0.2/24",
	  "--dev tap:tap0: bad addr6=10.0.0.2/24: expected ADDR/LEN with LEN 1-128, e.g. "
	  "addr6=2001:db8::2/64" },
	{ "tap:tap0,addr6=ff02::1/64", "--dev tap:tap0: addr6=ff02::1/64 is a multicast address" },
	{ "tap:tap0,addr=10.0.0.2/24,bridge=abcdefghijklmnop",
	  "--dev tap:tap0: bridge=abcdefghijklmnop: name longer than 15 characters" },
};

static void test_parse_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct dev_opts o, before;
		char err[256] = "";

		memset(&o, 0x5a, sizeof(o));
		before = o;
		assert_int_equal(dev_opts_parse(bad[i].spec, &o, err, sizeof(err)), -EINVAL);
		if (strcmp(err, bad[i].msg))
			fail_msg("spec %s\n  got:  %s\n  want: %s", bad[i].spec, err, bad[i].msg);
		assert_null(strchr(err, '\n'));
		/* A refused spec leaves the output alone. */
		assert_memory_equal(&o, &before, sizeof(o));
	}
	test_assert_no_leaks();
}

/* ring=N: packet only, 0 (recvmmsg) or DEV_RING_MIN..DEV_RING_MAX slots. */
static void test_parse_ring(void **state)
{
	static const struct { const char *spec, *msg; } bad_r[] = {
		{ "packet:v0,ring=63", "--dev packet:v0: bad ring=63: expected 0 (recvmmsg) or a "
				       "number of frame slots from 64 to 16384" },
		{ "packet:v0,ring=16385", "--dev packet:v0: bad ring=16385: expected 0 (recvmmsg) or "
					  "a number of frame slots from 64 to 16384" },
		{ "packet:v0,ring=1k", "--dev packet:v0: bad ring=1k: expected 0 (recvmmsg) or a "
				       "number of frame slots from 64 to 16384" },
		{ "packet:v0,ring=64,ring=64", "--dev packet:v0: ring= given twice" },
		{ "tap:t0,ring=64", "--dev tap:t0: ring= does not apply to tap devices (keys: addr, "
				    "addr6, host, host6, bridge, mac, mtu, offload, queues, queue)" },
	};
	struct dev_opts o;
	char err[256] = "";

	(void)state;
	assert_int_equal(dev_opts_parse("packet:v0,addr=10.0.0.2/24", &o, err, sizeof(err)), 0);
	assert_int_equal(o.ring, 0);
	assert_int_equal(dev_opts_parse("packet:v0,ring=64", &o, err, sizeof(err)), 0);
	assert_int_equal(o.ring, 64);
	assert_int_equal(dev_opts_parse("packet:v0,ring=16384", &o, err, sizeof(err)), 0);
	assert_int_equal(o.ring, 16384);
	assert_int_equal(dev_opts_parse("packet:v0,ring=0", &o, err, sizeof(err)), 0);
	assert_int_equal(o.ring, 0);
	for (size_t i = 0; i < sizeof(bad_r) / sizeof(bad_r[0]); i++) {
		assert_int_equal(dev_opts_parse(bad_r[i].spec, &o, err, sizeof(err)), -EINVAL);
		if (strcmp(err, bad_r[i].msg))
			fail_msg("spec %s\n  got:  %s\n  want: %s", bad_r[i].spec, err, bad_r[i].msg);
	}
	test_assert_no_leaks();
}

/* queues=N and queue=I: TAP only, in range, the index below the count. */
static void test_parse_queues(void **state)
{
	static const struct { const char *spec, *msg; } bad_q[] = {
		{ "tap:t0,queues=0", "--dev tap:t0: bad queues=0: expected a number from 1 to 16" },
		{ "tap:t0,queues=17", "--dev tap:t0: bad queues=17: expected a number from 1 to 16" },
		{ "tap:t0,queues=2x", "--dev tap:t0: bad queues=2x: expected a number from 1 to 16" },
		{ "tap:t0,queue=-1", "--dev tap:t0: bad queue=-1: expected a number from 0 to 15" },
		{ "tap:t0,queues=2,queue=2",
		  "--dev tap:t0: queue=2 needs queues= above it (queue=I picks one of queues=N, 0 to "
		  "N-1)" },
		{ "tap:t0,queue=1",
		  "--dev tap:t0: queue=1 needs queues= above it (queue=I picks one of queues=N, 0 to "
		  "N-1)" },
		{ "tap:t0,queues=2,queues=2", "--dev tap:t0: queues= given twice" },
		{ "tun:t0,addr=10.0.0.2/24,queues=2",
		  "--dev tun:t0: queues= does not apply to tun devices (keys: addr, addr6, host, "
		  "host6, mtu, offload)" },
		{ "packet:eth0,queue=0",
		  "--dev packet:eth0: queue= does not apply to packet devices (keys: addr, addr6, "
		  "mac, offload, ring)" },
	};
	struct dev_opts o;
	char err[256];

	(void)state;
	assert_int_equal(dev_opts_parse("tap:t0,addr=10.0.0.2/24", &o, err, sizeof(err)), 0);
	assert_int_equal(o.queues, 0);
	assert_int_equal(o.queue, 0);
	assert_int_equal(dev_opts_parse("tap:t0,queues=16,queue=15,addr=10.0.0.2/24", &o, err,
					sizeof(err)), 0);
	assert_int_equal(o.queues, 16);
	assert_int_equal(o.queue, 15);
	assert_int_equal(dev_opts_parse("tap:t0,queue=0,queues=1", &o, err, sizeof(err)), 0);
	assert_int_equal(o.queues, 1);
	assert_int_equal(o.queue, 0);
	for (size_t i = 0; i < sizeof(bad_q) / sizeof(bad_q[0]); i++) {
		assert_int_equal(dev_opts_parse(bad_q[i].spec, &o, err, sizeof(err)), -EINVAL);
		if (strcmp(err, bad_q[i].msg))
			fail_msg("spec %s\n  got:  %s\n  want: %s", bad_q[i].spec, err, bad_q[i].msg);
	}
	test_assert_no_leaks();
}

/* A short error buffer still gets a terminated (truncated) message. */
static void test_parse_short_err(void **state)
{
	struct dev_opts o;
	char err[8];

	(void)state;
	assert_int_equal(dev_opts_parse("tun:tun0", &o, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "--dev t");
	test_assert_no_leaks();
}

/* addr=dhcp: an Ethernet device with no address and the flag set; not on a TUN. */
static void test_parse_addr_dhcp(void **state)
{
	struct dev_opts o;
	char err[256];

	(void)state;
	assert_int_equal(dev_opts_parse("tap:t0,addr=dhcp,host=10.0.0.1/24", &o, err,
					sizeof(err)), 0);
	assert_int_equal(o.dhcp, 1);
	assert_int_equal(o.addr, 0);
	assert_int_equal(dev_opts_parse("packet:eth9,addr=dhcp", &o, err, sizeof(err)), 0);
	assert_int_equal(o.dhcp, 1);
	assert_int_equal(dev_opts_parse("tap:t0,addr=10.0.0.2/24", &o, err, sizeof(err)), 0);
	assert_int_equal(o.dhcp, 0);
	assert_int_equal(dev_opts_parse("tun:t0,addr=dhcp", &o, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "addr=dhcp needs an Ethernet device"));
	assert_int_equal(dev_opts_parse("tap:t0,addr=dhcp,addr=dhcp", &o, err, sizeof(err)),
			 -EINVAL);
	test_assert_no_leaks();
}

static void test_open_missing_interface(void **state)
{
	struct dev_opts o;
	struct net_device *dev = NULL;
	char err[256];

	(void)state;
	assert_int_equal(dev_opts_parse("packet:h4nosuchif,addr=10.0.0.2/24", &o, err,
					sizeof(err)), 0);
	assert_int_equal(driver_open(&o, &dev, err, sizeof(err)), -ENODEV);
	assert_string_equal(err, "interface h4nosuchif not found: give packet: an existing "
				 "interface (e.g. a veth end)");
	assert_null(dev);
	test_assert_no_leaks();
}

/* Loopback: transmit only queues; the packet comes back through the loop on a later turn,
 * and the bounded queue drops (and counts) the excess. */
static struct pkb *lo_seen[8];
static int lo_nseen;

static void lo_ip_handler(struct pkb *p, struct net_device *dev, uint64_t now)
{
	(void)dev;
	(void)now;
	if (lo_nseen < 8)
		lo_seen[lo_nseen++] = p; /* the test frees them */
	else
		pkb_free(p);
}

static void test_loopback(void **state)
{
	static const uint8_t pkt[20] = { 0x45, 0, 0, 20 };
	struct net_device *lo = NULL;
	unsigned saved = loopback_qmax;

	(void)state;
	assert_int_equal(net_loop_init(), 0);
	net_protocol_reset();
	assert_int_equal(net_protocol_register("IP", 0x0800, lo_ip_handler), 0);
	stats_reset();
	loopback_qmax = 3;
	assert_int_equal(loopback_open(&lo), 0);
	assert_string_equal(lo->name, "lo");
	assert_int_equal(lo->type, NET_DEV_LOOPBACK);
	assert_int_equal(lo->mtu, 65535);

	for (int i = 0; i < 4; i++) {
		struct pkb *p = pkb_from_bytes(pkt, sizeof(pkt));
		p->data[19] = (uint8_t)i;
		assert_int_equal(net_device_xmit(lo, p, 0), i < 3 ? 0 : -ENOBUFS);
	}
	assert_int_equal(lo_nseen, 0); /* nothing re-entered inside transmit */
	assert_int_equal(loopback_stats.tx_queued, 3);
	assert_int_equal(loopback_stats.tx_dropped_full, 1);

	assert_true(net_loop_once(100) >= 0);
	assert_int_equal(lo_nseen, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(lo_seen[i]->len, 20);
		assert_int_equal(lo_seen[i]->data[19], i);
		assert_ptr_equal(lo_seen[i]->dev, lo);
		pkb_free(lo_seen[i]);
	}
	assert_int_equal(loopback_stats.rx_delivered, 3);
	/* Drained: the eventfd is no longer readable, so a turn delivers nothing more. */
	assert_true(net_loop_once(0) >= 0);
	assert_int_equal(lo_nseen, 3);

	/* A packet still queued at shutdown is freed with the device. */
	assert_int_equal(net_device_xmit(lo, pkb_from_bytes(pkt, sizeof(pkt)), 0), 0);
	net_device_unregister_all();
	net_protocol_reset();
	net_loop_shutdown();
	loopback_qmax = saved;
	test_assert_no_leaks();
}

/* ---- a real TAP, as root, in a network namespace of this process's own ----
 * unshare(CLONE_NEWNET) gives the test a private, nameless namespace that the kernel
 * removes when the process exits, so nothing can leak onto the host. Skipped when not
 * root. Runs last: the rest of the process stays in the namespace. */

static struct pkb_queue tap_rx = TAILQ_HEAD_INITIALIZER(tap_rx);
static int in_private_netns;

static void tap_link_handler(struct pkb *p, struct net_device *dev, uint64_t now)
{
	(void)dev;
	(void)now;
	TAILQ_INSERT_TAIL(&tap_rx, p, link); /* the test frees it */
}

/* Runs the loop until a frame with this ethertype arrives (other frames are discarded:
 * the kernel also sends IPv6 neighbour discovery). */
static struct pkb *tap_wait(uint16_t ethertype)
{
	for (int i = 0; i < 40; i++) {
		struct pkb *p;

		net_loop_once(50);
		while ((p = TAILQ_FIRST(&tap_rx))) {
			TAILQ_REMOVE(&tap_rx, p, link);
			if (p->len >= 14 && (p->data[12] << 8 | p->data[13]) == ethertype)
				return p;
			pkb_free(p);
		}
	}
	return NULL;
}

static int if_has_addr(const char *ifname, uint32_t addr)
{
	struct ifaddrs *ifa, *i;
	int found = 0;

	assert_int_equal(getifaddrs(&ifa), 0);
	for (i = ifa; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && !strcmp(i->ifa_name, ifname) &&
		    ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == addr)
			found = 1;
	freeifaddrs(ifa);
	return found;
}

static void test_tap_real(void **state)
{
	struct dev_opts o;
	struct net_device *dev = NULL, *dev2 = NULL;
	struct ifreq ifr;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	char err[256];
	int s;
	struct pkb *p;
	uint8_t kmac[6];

	(void)state;
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
		skip();
	in_private_netns = 1;
	assert_int_equal(net_loop_init(), 0);
	net_protocol_reset();
	net_link_register(NET_DEV_ETHER, tap_link_handler);

	assert_int_equal(dev_opts_parse("tap:h4tap0,addr=10.77.0.2/24,host=10.77.0.1/24,mtu=1400,"
					"mac=02:00:00:77:00:02", &o, err, sizeof(err)), 0);
	if (driver_open(&o, &dev, err, sizeof(err)) < 0)
		fail_msg("driver_open: %s", err);
	assert_string_equal(dev->name, "h4tap0");
	assert_int_equal(dev->type, NET_DEV_ETHER);
	assert_int_equal(dev->mtu, 1400);

	/* The kernel side: up, MTU, host= address. */
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "h4tap0");
	assert_int_equal(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	assert_true(ifr.ifr_flags & IFF_UP);
	assert_int_equal(ioctl(s, SIOCGIFMTU, &ifr), 0);
	assert_int_equal(ifr.ifr_mtu, 1400);
	assert_true(if_has_addr("h4tap0", A("10.77.0.1")));

	/* The same name again is refused with a one-line reason. */
	assert_int_equal(driver_open(&o, &dev2, err, sizeof(err)), -EBUSY);
	assert_string_equal(err, "device h4tap0 is in use: pick another name");
	assert_int_equal(dev_opts_parse("tap:h4tap1,addr=10.78.0.2/24,bridge=h4nobr", &o, err,
					sizeof(err)), 0);
	assert_int_equal(driver_open(&o, &dev2, err, sizeof(err)), -ENODEV);
	assert_string_equal(err, "bridge h4nobr not found: create it with ip link add h4nobr type "
				 "bridge");
	assert_int_equal(if_nametoindex("h4tap1"), 0); /* closed again: nothing left behind */

	/* Frames from the kernel: a datagram to ustack's address makes it ask for our MAC. */
	to.sin_addr.s_addr = A("10.77.0.2");
	assert_int_equal(sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
	p = tap_wait(0x0806);
	assert_non_null(p);
	assert_int_equal(p->len, 42);
	assert_int_equal(p->data[21], 1); /* request */
	assert_memory_equal(p->data + 38, &(uint32_t){ A("10.77.0.2") }, 4);
	memcpy(kmac, p->data + 6, 6);
	pkb_free(p);

	/* Frames to the kernel: our ARP reply lets the datagram through, addressed to us. */
	{
		uint8_t r[42] = { 0 };
		uint32_t us = A("10.77.0.2"), k = A("10.77.0.1");

		memcpy(r, kmac, 6);
		memcpy(r + 6, dev->hwaddr, 6);
		r[12] = 0x08, r[13] = 0x06, r[15] = 1, r[16] = 0x08, r[18] = 6, r[19] = 4, r[21] = 2;
		memcpy(r + 22, dev->hwaddr, 6);
		memcpy(r + 28, &us, 4);
		memcpy(r + 32, kmac, 6);
		memcpy(r + 38, &k, 4);
		assert_int_equal(net_device_xmit(dev, pkb_from_bytes(r, sizeof(r)), 0), 0);
	}
	p = tap_wait(0x0800);
	assert_non_null(p);
	assert_memory_equal(p->data, dev->hwaddr, 6);
	assert_int_equal(p->data[14 + 9], 17); /* UDP */
	pkb_free(p);
	assert_true(tap_stats.rx_frames >= 2);
	assert_int_equal(tap_stats.tx_frames, 1);
	/* Every read past a small buffer's end lands in a large one (offload on): the frames
	 * were small and the last read found nothing, so one large buffer served them all and
	 * stays with the device (freed with it: test_assert_no_leaks below). */
	assert_true(dev->flags & NET_DEV_F_VNET_HDR);
	assert_non_null(dev->rx_spare);
	assert_int_equal(pkb_stats.large_pool_hit + pkb_stats.large_pool_miss, 1);
	close(s);

	/* Closing the fd removes the (non-persistent) tap from the kernel. */
	net_device_unregister_all();
	assert_int_equal(if_nametoindex("h4tap0"), 0);
	pkb_queue_purge(&tap_rx);
	net_protocol_reset();
	net_loop_shutdown();
	test_assert_no_leaks();
}

/* queues=2: queue 0 creates a multi-queue TAP and configures the kernel side; queue 1
 * attaches a second queue and leaves the kernel side alone; a plain open of the same name,
 * or a multi-queue open of a plain TAP, is refused with its reason. */
static void test_tap_mq_real(void **state)
{
	struct dev_opts o;
	struct net_device *q0 = NULL, *q1 = NULL, *plain = NULL;
	struct ifreq ifr;
	char err[256], name[NET_DEV_NAME_MAX];
	int fd;

	(void)state;
	if (geteuid() != 0 || (!in_private_netns && unshare(CLONE_NEWNET) < 0))
		skip();
	in_private_netns = 1;
	assert_int_equal(net_loop_init(), 0);
	assert_int_equal(dev_opts_parse("tap:h4mq0,addr=10.79.0.2/24,host=10.79.0.1/24,queues=2",
					&o, err, sizeof(err)), 0);
	if (driver_open(&o, &q0, err, sizeof(err)) < 0)
		fail_msg("driver_open queue 0: %s", err);
	assert_true(q0->flags & NET_DEV_F_MULTIQUEUE);
	memset(&ifr, 0, sizeof(ifr));
	assert_int_equal(ioctl(q0->fd, TUNGETIFF, &ifr), 0);
	assert_true(ifr.ifr_flags & IFF_MULTI_QUEUE);
	assert_true(if_has_addr("h4mq0", A("10.79.0.1")));

	assert_int_equal(dev_opts_parse("tap:h4mq0,addr=10.79.0.2/24,host=10.79.0.9/24,queues=2,"
					"queue=1", &o, err, sizeof(err)), 0);
	if (driver_open(&o, &q1, err, sizeof(err)) < 0)
		fail_msg("driver_open queue 1: %s", err);
	assert_true(q1->fd != q0->fd);
	assert_false(if_has_addr("h4mq0", A("10.79.0.9"))); /* queue 0's side, untouched */

	/* A plain TAP of the same name: the kernel refuses to mix the two kinds. */
	fd = tuntap_attach("h4mq0", IFF_TAP, name, err, sizeof(err));
	assert_int_equal(fd, -EINVAL);
	assert_int_equal(dev_opts_parse("tap:h4plain0,queues=2", &o, err, sizeof(err)), 0);
	o.queues = 0;
	if (driver_open(&o, &plain, err, sizeof(err)) < 0)
		fail_msg("driver_open plain: %s", err);
	fd = tuntap_attach("h4plain0", IFF_TAP | IFF_MULTI_QUEUE, name, err, sizeof(err));
	assert_int_equal(fd, -EINVAL);
	assert_string_equal(err, "device h4plain0 exists and is not a multi-queue tap: pick "
				 "another name");

	net_device_unregister_all(); /* the last queue closed: the TAP goes */
	assert_int_equal(if_nametoindex("h4mq0"), 0);
	net_loop_shutdown();
	test_assert_no_leaks();
}

/* TUN: the kernel side gets host= with ustack's address as its point-to-point peer, and a
 * datagram to ustack arrives as a bare IPv4 packet. */
static struct pkb *ip_seen;

static void tun_ip_handler(struct pkb *p, struct net_device *dev, uint64_t now)
{
	(void)dev;
	(void)now;
	if (!ip_seen && p->len >= 20 && p->data[9] == 17)
		ip_seen = p; /* the test frees it */
	else
		pkb_free(p);
}

static void test_tun_real(void **state)
{
	struct dev_opts o;
	struct net_device *dev = NULL;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	struct ifaddrs *ifa, *i;
	char err[256];
	int s, found = 0;

	(void)state;
	if (!in_private_netns)
		skip();
	assert_int_equal(net_loop_init(), 0);
	net_protocol_reset();
	assert_int_equal(net_protocol_register("IP", 0x0800, tun_ip_handler), 0);
	assert_int_equal(dev_opts_parse("tun:h4tun0,addr=10.88.0.2/32,host=10.88.0.1", &o, err,
					sizeof(err)), 0);
	if (driver_open(&o, &dev, err, sizeof(err)) < 0)
		fail_msg("driver_open: %s", err);
	assert_int_equal(dev->type, NET_DEV_IP);
	assert_int_equal(dev->hdr_len, 0);
	assert_int_equal(getifaddrs(&ifa), 0);
	for (i = ifa; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && !strcmp(i->ifa_name, "h4tun0") &&
		    ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == A("10.88.0.1") &&
		    i->ifa_dstaddr &&
		    ((struct sockaddr_in *)i->ifa_dstaddr)->sin_addr.s_addr == A("10.88.0.2"))
			found = 1;
	freeifaddrs(ifa);
	assert_true(found);

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	to.sin_addr.s_addr = A("10.88.0.2");
	assert_int_equal(sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
	for (int k = 0; k < 40 && !ip_seen; k++)
		net_loop_once(50);
	assert_non_null(ip_seen);
	assert_int_equal(ip_seen->data[0] >> 4, 4);
	assert_memory_equal(ip_seen->data + 16, &(uint32_t){ A("10.88.0.2") }, 4);
	pkb_free(ip_seen);
	ip_seen = NULL;
	close(s);
	net_device_unregister_all();
	assert_int_equal(if_nametoindex("h4tun0"), 0);
	net_protocol_reset();
	net_loop_shutdown();
	test_assert_no_leaks();
}

/* PF_PACKET on one end of a veth pair: the kernel on the other end asks for ustack's
 * address and the request arrives; what ustack sends is not read back as input. */
static void test_packet_real(void **state)
{
	struct dev_opts o;
	struct net_device *dev = NULL;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	char err[256];
	struct pkb *p;
	int s;

	(void)state;
	if (!in_private_netns)
		skip();
	assert_int_equal(system("ip link add h4v0 type veth peer name h4v1 && "
				"ip addr add 10.89.0.1/24 dev h4v1 && ip link set h4v1 up"), 0);
	assert_int_equal(net_loop_init(), 0);
	net_protocol_reset();
	net_link_register(NET_DEV_ETHER, tap_link_handler);
	stats_reset();
	assert_int_equal(dev_opts_parse("packet:h4v0,addr=10.89.0.2/24,mac=02:00:00:89:00:02", &o,
					err, sizeof(err)), 0);
	if (driver_open(&o, &dev, err, sizeof(err)) < 0)
		fail_msg("driver_open: %s", err);
	assert_int_equal(dev->mtu, 1500);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	to.sin_addr.s_addr = A("10.89.0.2");
	assert_int_equal(sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
	p = tap_wait(0x0806);
	assert_non_null(p);
	assert_memory_equal(p->data + 38, &(uint32_t){ A("10.89.0.2") }, 4);
	pkb_free(p);
	/* Our own frame goes out and is not read back. */
	assert_int_equal(net_device_xmit(dev, pkb_from_bytes((uint8_t[60]){ [0] = 0x02,
		[6] = 0x02, [12] = 0x88, [13] = 0xb5 }, 60), 0), 0);
	assert_null(tap_wait(0x88b5));
	assert_int_equal(packet_stats.tx_frames, 1);
	assert_true(packet_stats.rx_outgoing_ignored >= 1);
	close(s);
	net_device_unregister_all();
	pkb_queue_purge(&tap_rx);
	net_protocol_reset();
	net_loop_shutdown();
	test_assert_no_leaks();
}


/* A kernel packet socket with PACKET_VNET_HDR on ifname: the test's other end of a veth,
 * able to send and receive GSO frames as a kernel TCP sender and receiver would. */
static int vnet_packet_socket(const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = (int)if_nametoindex(ifname) };
	int one = 1, fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)), 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return fd;
}

/* An Ethernet frame to dst with a TCP/IPv4 super-segment of `payload` bytes (10.89.0.1 ->
 * 10.89.0.2), its checksum partial (the pseudo-header sum) as a kernel with TSO leaves it. */
static size_t gso_frame(uint8_t *f, const uint8_t dst[6], size_t payload)
{
	uint32_t src = A("10.89.0.1"), to = A("10.89.0.2");
	size_t ip_len = 20 + 20 + payload;
	uint16_t c;

	memset(f, 0, 54);
	memcpy(f, dst, 6);
	memcpy(f + 6, "\x02\x00\x00\x89\x00\x01", 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (uint8_t)(ip_len >> 8);
	f[17] = (uint8_t)ip_len;
	f[20] = 0x40; /* DF */
	f[22] = 64;
	f[23] = 6;
	memcpy(f + 26, &src, 4);
	memcpy(f + 30, &to, 4);
	c = cksum(f + 14, 20);
	f[24] = (uint8_t)(c >> 8);
	f[25] = (uint8_t)c;
	f[34] = 0x9c; /* port 40000 -> 80 */
	f[35] = 0x40;
	f[37] = 80;
	f[46] = 5 << 4;
	f[47] = 0x18; /* ACK PSH */
	f[48] = 0xff;
	for (size_t i = 0; i < payload; i++)
		f[54 + i] = (uint8_t)(i * 11 + 5);
	c = (uint16_t)~cksum_finish(cksum_pseudo(src, to, 6, (uint16_t)(20 + payload)));
	f[50] = (uint8_t)(c >> 8);
	f[51] = (uint8_t)c;
	return 14 + ip_len;
}

/* PF_PACKET and GSO over a real veth, both ways: a 30000-byte super-segment sent by the
 * kernel side with a GSO virtio-net header arrives whole in one pool buffer, partial and
 * with its segment size (packet.rx_gso_frames); one ustack sends (offload=on) reaches the
 * kernel side whole with a TCPv4 GSO header (packet.tx_gso). */
static void test_packet_gso_real(void **state)
{
	static uint8_t f[65536 + 64];
	static const uint8_t us_mac[6] = { 0x02, 0x00, 0x00, 0x89, 0x00, 0x02 };
	struct dev_opts o;
	struct net_device *dev = NULL;
	struct virtio_net_hdr vh = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				     .gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .hdr_len = 54,
				     .gso_size = 1448, .csum_start = 34, .csum_offset = 16 };
	struct iovec iov[2];
	char err[256];
	size_t len = gso_frame(f, us_mac, 30000);
	struct pkb *p;
	ssize_t r;
	int k;

	(void)state;
	if (!in_private_netns)
		skip();
	assert_int_equal(system("ip link add h4g0 type veth peer name h4g1 && "
				"ip link set h4g1 up"), 0);
	k = vnet_packet_socket("h4g1");
	assert_int_equal(net_loop_init(), 0);
	net_protocol_reset();
	net_link_register(NET_DEV_ETHER, tap_link_handler);
	stats_reset();
	assert_int_equal(dev_opts_parse("packet:h4g0,addr=10.89.0.2/24,mac=02:00:00:89:00:02", &o,
					err, sizeof(err)), 0);
	if (driver_open(&o, &dev, err, sizeof(err)) < 0)
		fail_msg("driver_open: %s", err);
	assert_true(dev->flags & NET_DEV_F_TSO);
	assert_true(dev->flags & NET_DEV_F_CSUM_TX);
	/* Kernel -> ustack. */
	iov[0] = (struct iovec){ &vh, sizeof(vh) };
	iov[1] = (struct iovec){ f, len };
	/* Until the veth's carrier is up on both ends, what is sent is lost: try again. */
	for (int tries = 0; tries < 5; tries++) {
		assert_int_equal(writev(k, iov, 2), (ssize_t)(sizeof(vh) + len));
		if ((p = tap_wait(0x0800)))
			break;
	}
	assert_non_null(p);
	assert_int_equal(p->len, len);
	assert_memory_equal(p->data, f, len);
	assert_int_equal(p->gso_size, 1448);
	assert_int_equal(p->csum, PKB_CSUM_PARTIAL);
	assert_ptr_equal(p->head + p->csum_start, p->data + 34);
	assert_int_equal(p->cap, PKB_LARGE_BUF_SIZE);
	pkb_free(p);
	assert_true(packet_stats.rx_gso_frames >= 1);
	assert_true(packet_stats.rx_large >= 1);
	/* ustack -> kernel: the same frame back, as a super-segment TCP would hand over. */
	f[0] = 0x02;
	memcpy(f, "\x02\x00\x00\x89\x00\x01", 6);
	memcpy(f + 6, us_mac, 6);
	p = pkb_from_bytes(f, len);
	pkb_csum_set_partial(p, p->data + 34, p->data + 50);
	p->gso_size = 1000;
	assert_int_equal(net_device_xmit(dev, p, 0), 0);
	assert_int_equal(packet_stats.tx_gso, 1);
	memset(&vh, 0, sizeof(vh));
	for (int tries = 0; tries < 20; tries++) {
		struct pollfd pfd = { k, POLLIN, 0 };

		assert_true(poll(&pfd, 1, 1000) == 1);
		r = readv(k, iov, 2);
		assert_true(r > (ssize_t)sizeof(vh));
		if ((size_t)r == sizeof(vh) + len && !memcmp(f + 6, us_mac, 6))
			break;
	}
	assert_int_equal(r, (ssize_t)(sizeof(vh) + len));
	assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(vh.gso_size, 1000);
	assert_int_equal(vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(vh.csum_start, 34);
	close(k);
	net_device_unregister_all();
	pkb_queue_purge(&tap_rx);
	net_protocol_reset();
	net_loop_shutdown();
	assert_int_equal(system("ip link del h4g0"), 0);
	test_assert_no_leaks();
}

/* ring=64: frames that fit a slot are read from the receive ring (packet.rx_ring_frames);
 * a 30000-byte super-segment does not, and is read whole from the socket in its slot's
 * place (packet.rx_ring_copied): small, large, small arrive in that order, the large one
 * whole with its GSO header. */
static void test_packet_ring_real(void **state)
{
	static uint8_t f[65536 + 64];
	static const uint8_t us_mac[6] = { 0x02, 0x00, 0x00, 0x89, 0x00, 0x02 };
	struct dev_opts o;
	struct net_device *dev = NULL;
	struct virtio_net_hdr vh = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				     .gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .hdr_len = 54,
				     .gso_size = 1448, .csum_start = 34, .csum_offset = 16 };
	struct virtio_net_hdr plain = { 0 };
	uint8_t small[100];
	struct iovec iov[2];
	char err[256];
	size_t len = gso_frame(f, us_mac, 30000);
	struct pkb *got[3] = { NULL, NULL, NULL };
	int k, n = 0;

	(void)state;
	if (!in_private_netns)
		skip();
	assert_int_equal(system("ip link add h4r0 type veth peer name h4r1 && "
				"ip link set h4r1 up"), 0);
	k = vnet_packet_socket("h4r1");
	assert_int_equal(net_loop_init(), 0);
	net_protocol_reset();
	net_link_register(NET_DEV_ETHER, tap_link_handler);
	stats_reset();
	assert_int_equal(dev_opts_parse("packet:h4r0,addr=10.89.0.2/24,mac=02:00:00:89:00:02,"
					"ring=64", &o, err, sizeof(err)), 0);
	if (driver_open(&o, &dev, err, sizeof(err)) < 0)
		fail_msg("driver_open: %s", err);
	assert_non_null(dev->priv);
	memset(small, 0, sizeof(small));
	memcpy(small, us_mac, 6);
	memcpy(small + 6, "\x02\x00\x00\x89\x00\x01", 6);
	small[12] = 0x88; /* local experimental ethertype */
	small[13] = 0xb5;
	/* Until the veth's carrier is up on both ends, what is sent is lost: wait for one. */
	iov[0] = (struct iovec){ &plain, sizeof(plain) };
	iov[1] = (struct iovec){ small, sizeof(small) };
	for (int tries = 0; tries < 10 && !got[0]; tries++) {
		assert_int_equal(writev(k, iov, 2), (ssize_t)(sizeof(plain) + sizeof(small)));
		got[0] = tap_wait(0x88b5);
	}
	assert_non_null(got[0]);
	pkb_free(got[0]);
	got[0] = NULL;
	stats_reset();
	small[14] = 1;
	assert_int_equal(writev(k, iov, 2), (ssize_t)(sizeof(plain) + sizeof(small)));
	iov[0] = (struct iovec){ &vh, sizeof(vh) };
	iov[1] = (struct iovec){ f, len };
	assert_int_equal(writev(k, iov, 2), (ssize_t)(sizeof(vh) + len));
	small[14] = 2;
	iov[0] = (struct iovec){ &plain, sizeof(plain) };
	iov[1] = (struct iovec){ small, sizeof(small) };
	assert_int_equal(writev(k, iov, 2), (ssize_t)(sizeof(plain) + sizeof(small)));
	for (int i = 0; i < 40 && n < 3; i++) {
		struct pkb *p;

		net_loop_once(50);
		while (n < 3 && (p = TAILQ_FIRST(&tap_rx))) {
			TAILQ_REMOVE(&tap_rx, p, link);
			got[n++] = p;
		}
	}
	assert_int_equal(n, 3);
	assert_int_equal(got[0]->len, sizeof(small));
	assert_int_equal(got[0]->data[14], 1);
	assert_int_equal(got[1]->len, len);
	assert_memory_equal(got[1]->data, f, len);
	assert_int_equal(got[1]->gso_size, 1448);
	assert_int_equal(got[1]->csum, PKB_CSUM_PARTIAL);
	assert_int_equal(got[2]->len, sizeof(small));
	assert_int_equal(got[2]->data[14], 2);
	assert_int_equal(packet_stats.rx_ring_frames, 2);
	assert_int_equal(packet_stats.rx_ring_copied, 1);
	assert_int_equal(packet_stats.rx_truncated, 0);
	for (int i = 0; i < 3; i++)
		pkb_free(got[i]);
	close(k);
	net_device_unregister_all();
	pkb_queue_purge(&tap_rx);
	net_protocol_reset();
	net_loop_shutdown();
	assert_int_equal(system("ip link del h4r0 2>/dev/null; true"), 0);
	test_assert_no_leaks();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_addr6),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_short_err),
		cmocka_unit_test(test_parse_queues),
		cmocka_unit_test(test_parse_ring),
		cmocka_unit_test(test_parse_addr_dhcp),
		cmocka_unit_test(test_open_missing_interface),
		cmocka_unit_test(test_loopback),
		/* Last: the first moves the process to a private network namespace. */
		cmocka_unit_test(test_tap_real),
		cmocka_unit_test(test_tap_mq_real),
		cmocka_unit_test(test_tun_real),
		cmocka_unit_test(test_packet_real),
		cmocka_unit_test(test_packet_gso_real),
		cmocka_unit_test(test_packet_ring_real),
	};
	int ret = cmocka_run_group_tests(tests, NULL, NULL);

	pkb_pool_drain();
	return ret;
}
