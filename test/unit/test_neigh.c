/* SPDX-License-Identifier: MIT */
/* The neighbour table that ARP and ND share (net/neigh.c): lookup by address on one device
 * or any, the cap refusing new entries rather than evicting, the bounded queue losing its
 * oldest packet (or the new one with a queue of 0), the queue handed on oldest first, and
 * an entry's timer stopped and its packets freed with it. test_arp and test_nd drive the
 * same table through the protocols. */
#include "test/unit/testlib.h"

#include <string.h>

#include "net/loop.h"
#include "net/neigh.h"

static struct neigh_table tbl;
static struct net_device dev_a, dev_b;
static int fired;

static void on_timer(struct net_timer *t, void *arg, uint64_t now)
{
	(void)t, (void)arg, (void)now;
	fired++;
}

static int setup(void **state)
{
	(void)state;
	memset(&tbl, 0, sizeof(tbl));
	fired = 0;
	net_clock_set_fake(1, 1000);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	neigh_table_clear(&tbl);
	assert_int_equal(tbl.n, 0);
	net_clock_set_fake(0, 0);
	test_assert_no_leaks(); /* no buffer held, no timer armed */
	return 0;
}

/* A packet whose first byte tells it apart. */
static struct pkb *pkt(uint8_t tag)
{
	struct pkb *p = pkb_alloc(1);

	assert_non_null(p);
	*(uint8_t *)pkb_put(p, 1) = tag;
	return p;
}

static void test_find_and_cap(void **state)
{
	struct net_addr a = net_addr_v4(htonl(0x0a000001)), b = net_addr_v4(htonl(0x0a000002));
	struct net_addr a6 = { .family = AF_INET6 };
	struct neigh *ea, *eb;

	(void)state;
	memcpy(a6.v6, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	ea = neigh_create(&tbl, 2, &a, &dev_a, 1, 1000, on_timer);
	assert_non_null(ea);
	assert_int_equal(ea->state, 1);
	assert_int_equal(ea->since, 1000);
	assert_int_equal(ea->used, 1000);
	assert_ptr_equal(ea->dev, &dev_a);
	eb = neigh_create(&tbl, 2, &b, &dev_b, 2, 1000, on_timer);
	assert_non_null(eb);
	assert_int_equal(tbl.n, 2);
	/* full: refused, nothing evicted */
	assert_null(neigh_create(&tbl, 2, &a6, &dev_a, 1, 1000, on_timer));
	assert_int_equal(tbl.n, 2);
	assert_ptr_equal(neigh_find(&tbl, &a, &dev_a), ea);
	assert_ptr_equal(neigh_find(&tbl, &a, NULL), ea); /* any device */
	assert_null(neigh_find(&tbl, &a, &dev_b));        /* not on that one */
	assert_ptr_equal(neigh_find(&tbl, &b, NULL), eb);
	assert_null(neigh_find(&tbl, &a6, NULL));
	/* the same address on two devices: two entries */
	neigh_free(&tbl, eb);
	eb = neigh_create(&tbl, 2, &a, &dev_b, 1, 1000, on_timer);
	assert_non_null(eb);
	assert_ptr_equal(neigh_find(&tbl, &a, &dev_b), eb);
	assert_ptr_equal(neigh_find(&tbl, &a, &dev_a), ea);
	neigh_free(&tbl, ea);
	assert_null(neigh_find(&tbl, &a, &dev_a));
	assert_int_equal(tbl.n, 1);
}

static void test_queue_bounded(void **state)
{
	struct net_addr a = net_addr_v4(htonl(0x0a000001));
	struct neigh *e = neigh_create(&tbl, 8, &a, &dev_a, 1, 1000, on_timer);
	struct pkb_queue q;
	struct pkb *p;
	uint8_t want = 2;

	(void)state;
	assert_non_null(e);
	assert_int_equal(neigh_queue_add(e, pkt(1), 3), 0);
	assert_int_equal(neigh_queue_add(e, pkt(2), 3), 0);
	assert_int_equal(neigh_queue_add(e, pkt(3), 3), 0);
	/* full: the oldest (1) goes, the newest waits */
	assert_int_equal(neigh_queue_add(e, pkt(4), 3), 1);
	assert_int_equal(e->qlen, 3);
	assert_int_equal(pkb_outstanding(), 3);
	/* handed on oldest first, appended to what q holds */
	TAILQ_INIT(&q);
	p = pkt(9); /* not in the macro: it names its element more than once */
	TAILQ_INSERT_TAIL(&q, p, link);
	neigh_queue_take(e, &q);
	assert_int_equal(e->qlen, 0);
	assert_true(TAILQ_EMPTY(&e->queue));
	p = TAILQ_FIRST(&q);
	assert_int_equal(p->data[0], 9);
	TAILQ_REMOVE(&q, p, link);
	pkb_free(p);
	while ((p = TAILQ_FIRST(&q))) {
		assert_int_equal(p->data[0], want++);
		TAILQ_REMOVE(&q, p, link);
		pkb_free(p);
	}
	assert_int_equal(want, 5);
	/* a queue of 0: the packet itself is dropped */
	assert_int_equal(neigh_queue_add(e, pkt(5), 0), 1);
	assert_int_equal(e->qlen, 0);
	assert_int_equal(pkb_outstanding(), 0);
}

static void test_free_stops_timer_and_queue(void **state)
{
	struct net_addr a = net_addr_v4(htonl(0x0a000001));
	struct neigh *e = neigh_create(&tbl, 8, &a, &dev_a, 1, 1000, on_timer);

	(void)state;
	assert_non_null(e);
	net_timer_arm(&e->timer, 1500);
	neigh_queue_add(e, pkt(1), 8);
	neigh_queue_add(e, pkt(2), 8);
	neigh_free(&tbl, e);
	assert_int_equal(pkb_outstanding(), 0);
	net_timers_run(2000);
	assert_int_equal(fired, 0);
	/* the table cleared at shutdown the same way: timers stopped, packets freed */
	e = neigh_create(&tbl, 8, &a, &dev_a, 1, 1000, on_timer);
	assert_non_null(e);
	net_timer_arm(&e->timer, 2500);
	neigh_queue_add(e, pkt(3), 8);
	neigh_table_clear(&tbl);
	assert_int_equal(tbl.n, 0);
	assert_int_equal(pkb_outstanding(), 0);
	net_timers_run(3000);
	assert_int_equal(fired, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_find_and_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_stops_timer_and_queue, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
