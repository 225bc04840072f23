/* SPDX-License-Identifier: MIT */
/* Shared helpers for the cmocka unit tests: a capture device that records every frame the
 * stack transmits, frames read from pcap files in test/data, and a leak check. */
#ifndef TEST_TESTLIB_H
#define TEST_TESTLIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "net/addr.h"
#include "net/netdev.h"
#include "net/pkb.h"

/* A device of the given type whose transmit queues frames for the test to inspect.
 * It is registered (without an fd) and has hwaddr 02:00:00:00:00:01. */
struct net_device *test_dev_create(const char *name, enum net_dev_type type, unsigned mtu);
/* Takes the oldest transmitted frame (the caller frees it), or NULL if none. */
struct pkb *test_dev_pop(struct net_device *dev);
size_t test_dev_pending(struct net_device *dev);
void test_dev_flush(struct net_device *dev);

/* Loads frame `index` (0-based) of a pcap file under test/data into buf; returns its
 * length, or -1. The path is relative to the repository root (tests run from there). */
long test_pcap_frame(const char *file, int index, uint8_t *buf, size_t cap);

/* The IP packet of captured Ethernet frame `index` of a pcap file, copied into buf; asserts
 * that there is one and that it fits, and returns its length. */
size_t test_pcap_ip(const char *file, int index, uint8_t *buf, size_t cap);

/* A dotted-quad address in network byte order; asserts that it parses. */
uint32_t test_addr(const char *s);

/* Recomputes the header checksum of the IPv4 header at b (after a test edited it). */
void test_ip_fix_cksum(uint8_t *b);

/* The IP layer over one TUN-like test device "tun0" (MTU 1500) that is 192.0.2.2/24, with
 * ICMP if `icmp` is set, and counters reset. Returns the device. */
struct net_device *test_ip_setup(int icmp);
/* Shuts the IP layer down, unregisters every device and protocol, then the leak check. */
void test_ip_teardown(void);

/* An IPv6 address from its text; asserts that it parses. */
struct net_addr test_addr6(const char *s);
/* The IPv6 layer over one device, MTU 1500: with `ether`, Ethernet "eth0" (hwaddr
 * 02:00:00:00:00:0b) with ND, else an L3 "tun0"; the clock fake at t0, ip6_config and
 * nd_config at the program's defaults, with a fixed secret (the same link-local address
 * every run), the
 * static address addr/64 unless NULL, counters reset. Returns the device. */
struct net_device *test_ip6_setup(int ether, const char *addr, uint64_t t0);
/* Shuts ND (if it ran) and IPv6 down, asserts that no reassembly or path MTU entry is
 * left, unregisters every device and protocol, the clock real again, ip6_config and
 * nd_config back to their defaults, then the leak check. */
void test_ip6_teardown(void);

/* Asserts that no packet buffer is left and no timer is armed (ends every test). */
/* An in-memory Ethernet link between two stacks of one process: what one side's device
 * transmits, the other side's device receives on its stack's next loop turn (its fd, an
 * eventfd, turns readable). test_memlink_dev registers side 0 or 1's device in the current
 * stack (its lock held), MTU 1500; free the link after both stacks are gone. */
struct test_memlink;
struct test_memlink *test_memlink_new(void);
struct net_device *test_memlink_dev(struct test_memlink *l, int side, const char *name);
size_t test_memlink_dropped(const struct test_memlink *l);
void test_memlink_free(struct test_memlink *l);

void test_assert_no_leaks(void);

/* The stack lock. Every unit test binary starts with its main thread holding it (a
 * constructor in testlib.c takes it): a test calls the stack's internals as the loop
 * thread does, with the lock held, so in a build with the lock assertions (make DEBUG=1,
 * make san) an entry reached without it aborts. A call that takes the lock itself (us_*,
 * ustack_*, net_loop_once, stack_drain, sock_close_all) is made as an application thread
 * makes it, without the lock: test/unit/test_app.h wraps those in TEST_APP. test_unlock
 * and test_lock let go of the lock and take it back in the calling thread; each does
 * nothing when that is already so. Threads a test starts begin without it. */
void test_lock(void);
void test_unlock(void);
int test_locked(void);
/* The value of `call`, made without the lock (given back after it if it was held). */
#define TEST_APP(call)                                  \
	({                                              \
		int test_held_ = test_locked();         \
		if (test_held_)                         \
			test_unlock();                  \
		__auto_type test_r_ = (call);           \
		if (test_held_)                         \
			test_lock();                    \
		test_r_;                                \
	})
/* The same for a call without a value. */
#define TEST_APP_VOID(call)                             \
	do {                                            \
		int test_held_ = test_locked();         \
		if (test_held_)                         \
			test_unlock();                  \
		call;                                   \
		if (test_held_)                         \
			test_lock();                    \
	} while (0)

/* Hex dump helper for failure messages. */
void test_hexdump(const char *what, const uint8_t *b, size_t len);

/* An IPv4 address (network order) as the family-tagged address the stack's calls take:
 * NA4(ih.src) where a test used to pass ih.src. */
#define NA4(x) (&(struct net_addr){ .family = AF_INET, .v4 = (x) })
/* An IPv4 address on dev as the tests below ip/ bind one (net_iface_add, with the IPv4
 * view filled in as ip_iface_add would, without its /31 and /32 broadcast rule). */
static inline int test_iface_add4(struct net_device *dev, uint32_t addr, uint32_t netmask,
				  uint32_t peer)
{
	int err = net_iface_add(dev, NA4(addr), (unsigned)__builtin_popcount(netmask));

	if (err == 0) {
		struct net_iface *ifc = &dev->ifaces[dev->nifaces - 1];

		ifc->netmask = netmask;
		ifc->broadcast = (addr & netmask) | ~netmask;
		ifc->peer = peer;
	}
	return err;
}

#endif
