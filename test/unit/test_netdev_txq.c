/* SPDX-License-Identifier: MIT */
/* The devices' transmit queue (net/netdev.c): on a NET_DEV_F_TX_BATCH device, frames sent
 * while the loop handles a round wait and leave together at its end, in order, through the
 * driver's batch op (a device without the flag sends at once); a full
 * queue leaves at once; a frame from outside a round (another thread's) is not delayed and
 * goes after what waited; the thread named the loop's driver defers until its next
 * iteration; a frame the driver fails to send is counted; a wrapped device (impair's
 * delay) hands its released frames down as a batch. */
#include "test/unit/testlib.h"

#include <pthread.h>
#include <string.h>

#include "net/loop.h"
#include "net/wrap.h"
#include "test/unit/test_app.h" /* last: it wraps the calls that take the lock */

#define T0 1000
#define FAIL_NONE 0xffffu

/* The driver: records the frames it is handed (their numbers), the size of every batch,
 * and fails the frame numbered fail_seq. */
static struct {
	unsigned seqs[256];
	int nseqs;
	int batches[32];
	int nbatches;
	int singles;
	unsigned fail_seq;
} drv;

static unsigned seq_of(const struct pkb *p)
{
	return (unsigned)(p->data[14] << 8 | p->data[15]);
}

static struct pkb *frame(unsigned seq)
{
	uint8_t b[60];

	memset(b, 0, sizeof(b));
	memset(b, 0xff, 6);
	b[6] = 0x02;
	b[12] = 0x08;
	b[14] = (uint8_t)(seq >> 8);
	b[15] = (uint8_t)seq;
	return pkb_from_bytes(b, sizeof(b));
}

static int drv_one(struct pkb *p)
{
	unsigned s = seq_of(p);

	pkb_free(p);
	if (s == drv.fail_seq)
		return -EIO;
	drv.seqs[drv.nseqs++] = s;
	return 0;
}

static int drv_transmit(struct net_device *dev, struct pkb *p)
{
	(void)dev;
	drv.singles++;
	return drv_one(p);
}

static int drv_transmit_batch(struct net_device *dev, struct pkb **p, int n)
{
	int failed = 0;

	(void)dev;
	drv.batches[drv.nbatches++] = n;
	for (int i = 0; i < n; i++)
		if (drv_one(p[i]) < 0)
			failed++;
	return failed;
}

static const struct net_device_ops drv_ops = {
	.transmit = drv_transmit,
	.transmit_batch = drv_transmit_batch,
};

static struct net_device *dev;

static int setup(void **state)
{
	(void)state;
	net_clock_set_fake(1, T0);
	stats_reset();
	memset(&drv, 0, sizeof(drv));
	drv.fail_seq = FAIL_NONE;
	assert_int_equal(TEST_APP(net_loop_init()), 0);
	dev = net_device_alloc();
	snprintf(dev->name, sizeof(dev->name), "txq0");
	dev->type = NET_DEV_ETHER;
	dev->mtu = 1500;
	dev->hdr_len = 14;
	dev->flags = NET_DEV_F_TX_BATCH;
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

static void assert_in_order(int n)
{
	assert_int_equal(drv.nseqs, n);
	for (int i = 0; i < n; i++)
		assert_int_equal(drv.seqs[i], (unsigned)i);
}

/* A timer that sends `count` frames from inside the loop's round, and checks that none
 * reached the driver yet unless the queue filled. */
struct burst {
	struct net_timer t;
	unsigned count;
	int seen_in_round; /* frames the driver had when the callback ended */
	int queued_in_round;
};

static void burst_fn(struct net_timer *t, void *arg, uint64_t now)
{
	struct burst *b = arg;

	(void)t;
	assert_true(net_loop_tx_deferred());
	for (unsigned i = 0; i < b->count; i++)
		assert_int_equal(net_device_xmit(dev, frame(i), now), 0);
	b->seen_in_round = drv.nseqs;
	b->queued_in_round = dev->txq_len;
}

/* Three frames of one round leave at its end, as one batch, in order. */
static void test_flushed_at_end_of_round(void **state)
{
	struct burst b = { .count = 3 };

	(void)state;
	net_timer_init(&b.t, burst_fn, &b);
	net_timer_arm(&b.t, T0);
	net_loop_once(0);
	assert_int_equal(b.seen_in_round, 0);
	assert_int_equal(b.queued_in_round, 3);
	assert_int_equal(dev->txq_len, 0);
	assert_in_order(3);
	assert_int_equal(drv.nbatches, 1);
	assert_int_equal(drv.batches[0], 3);
	assert_int_equal(drv.singles, 0);
	assert_int_equal(netdev_stats.tx_queued, 3);
	assert_int_equal(netdev_stats.tx_flushes, 1);
	assert_int_equal(dev->tx_packets, 3);
	assert_int_equal(dev->tx_errors, 0);
	test_assert_no_leaks();
}

/* A full queue leaves at once, in the round; the rest at its end. */
static void test_flushed_when_full(void **state)
{
	struct burst b = { .count = NET_DEV_TX_BATCH + 5 };

	(void)state;
	net_timer_init(&b.t, burst_fn, &b);
	net_timer_arm(&b.t, T0);
	net_loop_once(0);
	assert_int_equal(b.seen_in_round, NET_DEV_TX_BATCH);
	assert_int_equal(b.queued_in_round, 5);
	assert_in_order(NET_DEV_TX_BATCH + 5);
	assert_int_equal(drv.nbatches, 2);
	assert_int_equal(drv.batches[0], NET_DEV_TX_BATCH);
	assert_int_equal(drv.batches[1], 5);
	test_assert_no_leaks();
}

/* Outside a round (an application thread, or a test feeding frames by hand) a frame goes
 * to the driver within the call. */
static void test_outside_round_not_delayed(void **state)
{
	(void)state;
	assert_false(net_loop_tx_deferred());
	assert_int_equal(net_device_xmit(dev, frame(0), T0), 0);
	assert_int_equal(drv.nseqs, 1);
	assert_int_equal(drv.singles, 1);
	assert_int_equal(netdev_stats.tx_queued, 0);
	test_assert_no_leaks();
}

/* A frame the driver fails is counted on the device and in netdev.tx_errors, in a batch
 * as when sent alone; the others go on. */
static void test_failure_counted(void **state)
{
	struct burst b = { .count = 4 };

	(void)state;
	drv.fail_seq = 2;
	net_timer_init(&b.t, burst_fn, &b);
	net_timer_arm(&b.t, T0);
	net_loop_once(0);
	assert_int_equal(drv.nseqs, 3);
	assert_int_equal(drv.seqs[2], 3);
	assert_int_equal(dev->tx_errors, 1);
	assert_int_equal(netdev_stats.tx_errors, 1);
	assert_int_equal(dev->tx_packets, 4);
	drv.fail_seq = 5;
	assert_int_equal(net_device_xmit(dev, frame(5), T0), -EIO);
	assert_int_equal(dev->tx_errors, 2);
	assert_int_equal(netdev_stats.tx_errors, 2);
	test_assert_no_leaks();
}

static void *other_thread_send(void *arg)
{
	(void)arg;
	net_lock();
	assert_false(net_loop_tx_deferred());
	net_device_xmit(dev, frame(2), T0);
	net_unlock();
	return NULL;
}

/* The thread named the driver defers between its iterations; another thread's frame
 * leaves at once, after the driver's queued ones (order kept). What the driver queues
 * next leaves with its next iteration, before it waits, or when it stops driving. */
static void test_driver_defers_other_thread_not(void **state)
{
	pthread_t th;

	(void)state;
	TEST_APP_VOID(net_loop_set_driver(1));
	assert_true(net_loop_tx_deferred());
	net_device_xmit(dev, frame(0), T0);
	net_device_xmit(dev, frame(1), T0);
	assert_int_equal(drv.nseqs, 0);
	test_unlock();
	assert_int_equal(pthread_create(&th, NULL, other_thread_send, NULL), 0);
	pthread_join(th, NULL);
	test_lock();
	assert_in_order(3); /* not delayed, and behind the two that waited */
	net_device_xmit(dev, frame(3), T0);
	assert_int_equal(drv.nseqs, 3);
	net_loop_once(0);
	assert_in_order(4);
	net_device_xmit(dev, frame(4), T0);
	TEST_APP_VOID(net_loop_set_driver(0));
	assert_in_order(5);
	assert_false(net_loop_tx_deferred());
	test_assert_no_leaks();
}

/* A device without NET_DEV_F_TX_BATCH (TAP, TUN, loopback) sends at once, in a round too:
 * a queue would only delay its frames. */
static void test_no_batch_flag_not_queued(void **state)
{
	struct burst b = { .count = 3 };

	(void)state;
	dev->flags &= ~NET_DEV_F_TX_BATCH;
	net_timer_init(&b.t, burst_fn, &b);
	net_timer_arm(&b.t, T0);
	net_loop_once(0);
	assert_int_equal(b.seen_in_round, 3);
	assert_int_equal(b.queued_in_round, 0);
	assert_in_order(3);
	assert_int_equal(drv.singles, 3);
	assert_int_equal(drv.nbatches, 0);
	assert_int_equal(netdev_stats.tx_queued, 0);
	test_assert_no_leaks();
}

/* A wrapped device: impair's delay releases 40 frames in one timer run of a round; they
 * are captured frame by frame on the way in, and go down as batches, in order. */
static void test_wrapped_batch(void **state)
{
	struct net_wrap_opts o = { 0 };
	char err[200];

	(void)state;
	assert_int_equal(net_impair_parse("delay=5", &o.impair, err, sizeof(err)), 0);
	assert_int_equal(net_wrap_attach(dev, &o, err, sizeof(err)), 0);
	for (unsigned i = 0; i < 40; i++)
		net_device_xmit(dev, frame(i), T0);
	assert_int_equal(drv.nseqs, 0);
	net_clock_set_fake(1, T0 + 5);
	net_loop_once(0);
	assert_in_order(40);
	assert_int_equal(drv.nbatches, 2);
	assert_int_equal(drv.batches[0], NET_DEV_TX_BATCH);
	assert_int_equal(drv.batches[1], 40 - NET_DEV_TX_BATCH);
	assert_int_equal(dev->tx_packets, 40);
	net_device_unregister_all();
	test_assert_no_leaks();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_flushed_at_end_of_round, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flushed_when_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outside_round_not_delayed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_driver_defers_other_thread_not, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_batch_flag_not_queued, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrapped_batch, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
