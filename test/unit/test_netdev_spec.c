/* SPDX-License-Identifier: MIT */
/* A NET_DEV_F_RX_ONE device's speculative read (net/netdev.c net_device_poll): after a
 * frame it reads again while those reads find frames; when they end in EAGAIN more often
 * than not lately, the poll returns after each frame instead (the level-triggered fd
 * brings it back while frames wait), trying the read one time in NET_DEV_SPEC_SAMPLE; when
 * those samples find frames again, it reads on as before. A drain reads on regardless. */
#include "test/unit/testlib.h"

#include <string.h>

#include "net/loop.h"
#include "test/unit/test_app.h" /* last: it wraps the calls that take the lock */

#define T0 1000

/* The driver: `avail` frames wait in the "kernel"; every read takes one or finds none. */
static struct {
	int avail;
	int reads;
	int empty_reads;
	int delivered;
} drv;

static int drv_recv(struct net_device *dev, struct pkb **out, int max)
{
	uint8_t b[60];

	(void)dev;
	assert_int_equal(max, 1);
	drv.reads++;
	if (!drv.avail) {
		drv.empty_reads++;
		return 0;
	}
	memset(b, 0, sizeof(b));
	out[0] = pkb_from_bytes(b, sizeof(b));
	assert_non_null(out[0]);
	drv.avail--;
	return 1;
}

static void drv_input(struct net_device *dev, struct pkb *p, uint64_t now)
{
	(void)dev;
	(void)now;
	drv.delivered++;
	pkb_free(p);
}

static int drv_transmit(struct net_device *dev, struct pkb *p)
{
	(void)dev;
	pkb_free(p);
	return 0;
}

static const struct net_device_ops drv_ops = {
	.transmit = drv_transmit,
	.recv_batch = drv_recv,
	.input = drv_input,
};

static struct net_device *dev;

static int setup(void **state)
{
	(void)state;
	net_clock_set_fake(1, T0);
	stats_reset();
	memset(&drv, 0, sizeof(drv));
	assert_int_equal(TEST_APP(net_loop_init()), 0);
	dev = net_device_alloc();
	snprintf(dev->name, sizeof(dev->name), "spec0");
	dev->type = NET_DEV_ETHER;
	dev->mtu = 1500;
	dev->hdr_len = 14;
	dev->flags = NET_DEV_F_UP | NET_DEV_F_RX_ONE;
	dev->ops = &drv_ops;
	assert_int_equal(net_device_register(dev), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	net_device_unregister_all();
	net_loop_shutdown();
	net_clock_set_fake(0, 0);
	return 0;
}

/* One readiness event with k frames waiting: what epoll would report. */
static void poll_with(int k)
{
	drv.avail += k;
	net_device_poll(dev, T0);
}

/* A stream of frames (5 per readiness): every poll reads them all and one read more, the
 * misses stay the fewer, nothing is skipped. */
static void test_hits_keep_reading(void **state)
{
	(void)state;
	for (int i = 0; i < 40; i++) {
		poll_with(5);
		assert_int_equal(drv.avail, 0);
	}
	assert_int_equal(drv.delivered, 200);
	assert_int_equal(drv.reads, 240);
	assert_int_equal(netdev_stats.rx_spec_hits, 160);
	assert_int_equal(netdev_stats.rx_spec_misses, 40);
	assert_int_equal(netdev_stats.rx_spec_skipped, 0);
	test_assert_no_leaks();
}

/* A ping-pong with a slow peer: one frame per readiness, the read after it always
 * misses. After NET_DEV_SPEC_SKIP misses it is skipped, tried one time in
 * NET_DEV_SPEC_SAMPLE: one read per frame, and the frames all arrive. */
static void test_misses_skip(void **state)
{
	int polls = NET_DEV_SPEC_SKIP + 2 * NET_DEV_SPEC_SAMPLE;

	(void)state;
	for (int i = 0; i < polls; i++)
		poll_with(1);
	assert_int_equal(drv.delivered, polls);
	/* the first SKIP polls read twice; of the 2*SAMPLE after them, two sampled */
	assert_int_equal(drv.reads, polls + NET_DEV_SPEC_SKIP + 2);
	assert_int_equal(netdev_stats.rx_spec_misses, NET_DEV_SPEC_SKIP + 2);
	assert_int_equal(netdev_stats.rx_spec_skipped, 2 * (NET_DEV_SPEC_SAMPLE - 1));
	assert_int_equal(netdev_stats.rx_spec_hits, 0);
	test_assert_no_leaks();
}

/* When frames come faster again, the poll that skipped leaves them waiting (the fd stays
 * readable: the next polls take them), the samples hit, and once hits outnumber misses it
 * reads a whole burst in one poll again. */
static void test_back_to_reading(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 40; i++)
		poll_with(1);
	assert_true(dev->rx_spec_score >= NET_DEV_SPEC_SKIP);
	/* 4 frames per readiness event now; each poll is one readiness */
	for (i = 0; i < 200 && dev->rx_spec_score >= NET_DEV_SPEC_SKIP; i++)
		poll_with(drv.avail ? 0 : 4);
	assert_true(i < 200);
	assert_true(netdev_stats.rx_spec_hits > 0);
	drv.avail = 0;
	poll_with(4);
	assert_int_equal(drv.avail, 0); /* all four in one poll */
	test_assert_no_leaks();
}

/* A drain (net_device_poll_drain: frames known to pile up) reads on whatever the score
 * says. */
static void test_drain_reads_all(void **state)
{
	(void)state;
	for (int i = 0; i < 40; i++)
		poll_with(1);
	assert_true(dev->rx_spec_score >= NET_DEV_SPEC_SKIP);
	drv.avail = 5;
	net_device_poll_drain(dev, T0);
	assert_int_equal(drv.avail, 0);
	test_assert_no_leaks();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hits_keep_reading, setup, teardown),
		cmocka_unit_test_setup_teardown(test_misses_skip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_back_to_reading, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drain_reads_all, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
