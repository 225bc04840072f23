/* Shared helpers for the cmocka unit tests: a capture device that records every frame the
 * stack transmits, frames read from pcap files in test/data, and a leak check. */
#ifndef TEST_TESTLIB_H
#define TEST_TESTLIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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

/* Asserts that no packet buffer is left and no timer is armed (ends every test). */
void test_assert_no_leaks(void);

/* Hex dump helper for failure messages. */
void test_hexdump(const char *what, const uint8_t *b, size_t len);

#endif
