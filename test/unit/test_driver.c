/* --dev parsing: each accepted spec yields exactly the options it spells out, and each bad
 * spec is refused with one line that names the problem and the fix. Then the drivers that
 * need no privileges: loopback through a real loop turn, and a refused tap/tun/packet. */
#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "driver/driver.h"
#include "net/loop.h"

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
};

static const struct good_case good[] = {
	{ "tap:tap0,addr=10.0.0.2/24", DEV_TAP, "tap0", "10.0.0.2", "255.255.255.0",
	  NULL, NULL, "", NULL, 0 },
	{ "tap:t1,addr=10.1.2.3/16,host=10.1.0.1/16,bridge=br0,mac=02:aa:bb:cc:dd:0E,mtu=9000",
	  DEV_TAP, "t1", "10.1.2.3", "255.255.0.0", "10.1.0.1", "255.255.0.0", "br0",
	  "02:aa:bb:cc:dd:0e", 9000 },
	{ "tap:x,mtu=68,addr=192.0.2.2/32", DEV_TAP, "x", "192.0.2.2", "255.255.255.255",
	  NULL, NULL, "", NULL, 68 },
	{ "tun:tun0,addr=10.9.0.2/30,host=10.9.0.1,mtu=1400", DEV_TUN, "tun0", "10.9.0.2",
	  "255.255.255.252", "10.9.0.1", "255.255.255.255", "", NULL, 1400 },
	{ "packet:veth1,addr=172.16.0.5/12,mac=06:00:00:00:00:01", DEV_PACKET, "veth1",
	  "172.16.0.5", "255.240.0.0", NULL, NULL, "", "06:00:00:00:00:01", 0 },
	{ "tap:abcdefghijklmno,addr=10.0.0.1/8", DEV_TAP, "abcdefghijklmno", "10.0.0.1",
	  "255.0.0.0", NULL, NULL, "", NULL, 0 },
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
	}
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
	{ "tap:tap0", "--dev tap:tap0 needs addr=A.B.C.D/N" },
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
	{ "tap:tap0,addr=10.0.0.2/24,speed=10",
	  "--dev tap:tap0: unknown option 'speed' (keys: addr, host, bridge, mac, mtu)" },
	{ "tap:tap0,addr=10.0.0.2/24,promisc",
	  "--dev tap:tap0: 'promisc' is not key=value (keys: addr, host, bridge, mac, mtu)" },
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
	  "--dev tun:tun0: bridge= does not apply to tun devices (keys: addr, host, mtu)" },
	{ "tun:tun0,addr=10.0.0.2/30,mac=02:00:00:00:00:01",
	  "--dev tun:tun0: mac= does not apply to tun devices (keys: addr, host, mtu)" },
	{ "packet:eth0,addr=10.0.0.2/24,host=10.0.0.1/24",
	  "--dev packet:eth0: host= does not apply to packet devices (keys: addr, mac)" },
	{ "packet:eth0,addr=10.0.0.2/24,mtu=1400",
	  "--dev packet:eth0: mtu= does not apply to packet devices (keys: addr, mac)" },
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

/* A short error buffer still gets a terminated (truncated) message. */
static void test_parse_short_err(void **state)
{
	struct dev_opts o;
	char err[8];

	(void)state;
	assert_int_equal(dev_opts_parse("tap:tap0", &o, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "--dev t");
	test_assert_no_leaks();
}

static void test_open_not_supported(void **state)
{
	struct dev_opts o;
	struct net_device *dev = NULL;
	char err[256];

	(void)state;
	assert_int_equal(dev_opts_parse("packet:veth0,addr=10.0.0.2/24", &o, err, sizeof(err)), 0);
	if (driver_open(&o, &dev, err, sizeof(err)) == -EOPNOTSUPP)
		assert_non_null(strstr(err, "not supported yet"));
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
	unsigned saved = loopback_queue_max;

	(void)state;
	assert_int_equal(net_loop_init(), 0);
	net_protocol_reset();
	assert_int_equal(net_protocol_register("IP", 0x0800, lo_ip_handler), 0);
	stats_reset();
	loopback_queue_max = 3;
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
	loopback_queue_max = saved;
	test_assert_no_leaks();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_short_err),
		cmocka_unit_test(test_open_not_supported),
		cmocka_unit_test(test_loopback),
	};
	int ret = cmocka_run_group_tests(tests, NULL, NULL);

	pkb_pool_drain();
	return ret;
}
