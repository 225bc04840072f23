/* SPDX-License-Identifier: MIT */
/* What test_wrap.c and test_ctl_live.c share: the link handler that queues the frames a
 * wrapped device hands the stack, the setup and teardown around it (fake clock, fresh
 * counters, every device gone), and small numbered Ethernet frames. Include after
 * testlib.h; T0 is the fake clock's start. */
#ifndef TEST_UNIT_WRAP_FIXTURE_H
#define TEST_UNIT_WRAP_FIXTURE_H

#include <string.h>

#include "net/loop.h"
#include "net/wrap.h"

#define T0 1000

/* Frames the stack receives through the wrapper land here (the test frees them). */
static struct pkb_queue rxq = TAILQ_HEAD_INITIALIZER(rxq);
static size_t rx_count;

static inline void rx_handler(struct pkb *p, struct net_device *dev, uint64_t now)
{
	(void)dev;
	(void)now;
	TAILQ_INSERT_TAIL(&rxq, p, link);
	rx_count++;
}

/* The next received frame, or NULL. */
static inline struct pkb *rx_pop(void)
{
	struct pkb *p = TAILQ_FIRST(&rxq);

	if (p) {
		TAILQ_REMOVE(&rxq, p, link);
		rx_count--;
	}
	return p;
}

static inline int wrap_fixture_setup(void **state)
{
	(void)state;
	net_clock_set_fake(1, T0);
	stats_reset();
	net_protocol_reset();
	net_link_register(NET_DEV_ETHER, rx_handler);
	net_link_register(NET_DEV_IP, rx_handler);
	return 0;
}

static inline int wrap_fixture_teardown(void **state)
{
	(void)state;
	pkb_queue_purge(&rxq);
	rx_count = 0;
	net_device_unregister_all();
	net_protocol_reset();
	net_clock_set_fake(0, 0);
	return 0;
}

/* A 60-byte Ethernet frame whose bytes 14..15 carry a sequence number. */
static inline struct pkb *frame(unsigned seq)
{
	uint8_t b[60];

	memset(b, 0, sizeof(b));
	memset(b, 0xff, 6);
	b[6] = 0x02;
	b[12] = 0x08;
	b[14] = (uint8_t)(seq >> 8);
	b[15] = (uint8_t)seq;
	for (size_t i = 16; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 7);
	return pkb_from_bytes(b, sizeof(b));
}

static inline unsigned seq_of(const struct pkb *p)
{
	return (unsigned)(p->data[14] << 8 | p->data[15]);
}

#endif
