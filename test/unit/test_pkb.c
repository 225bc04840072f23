/* SPDX-License-Identifier: MIT */
/* Packet buffers: headroom moves without copying, bounds are refused, references free
 * exactly once, the pool reuses storage (no malloc per packet), large buffers, and the
 * named counters. */
#include "test/unit/testlib.h"

#include <string.h>

#include "net/pkb.h"

static void test_push_pull_put_trim(void **state)
{
	struct pkb *p = pkb_alloc(100);
	uint8_t *d;

	(void)state;
	assert_non_null(p);
	assert_int_equal(p->len, 0);
	assert_int_equal(pkb_headroom(p), PKB_HEADROOM);
	d = pkb_put(p, 100);
	memset(d, 0xab, 100);
	/* a header goes in front of the payload without moving it */
	assert_ptr_equal(pkb_push(p, 14), d - 14);
	assert_int_equal(p->len, 114);
	assert_ptr_equal(pkb_pull(p, 14), d);
	assert_null(pkb_pull(p, 101));        /* longer than the data */
	assert_null(pkb_push(p, PKB_HEADROOM + 1));
	assert_int_equal(p->len, 100);
	pkb_trim(p, 40);
	assert_int_equal(p->len, 40);
	pkb_trim(p, 400); /* never grows */
	assert_int_equal(p->len, 40);
	assert_null(pkb_put(p, pkb_tailroom(p) + 1));
	pkb_free(p);
	test_assert_no_leaks();
}

static void test_refcount_and_copy(void **state)
{
	static const uint8_t bytes[] = "hello, world";
	struct pkb *p = pkb_from_bytes(bytes, sizeof(bytes)), *c;

	(void)state;
	assert_non_null(p);
	pkb_ref(p);
	pkb_free(p);
	assert_int_equal(pkb_outstanding(), 1); /* one reference left */
	c = pkb_copy(p);
	assert_non_null(c);
	assert_ptr_not_equal(c->data, p->data);
	assert_memory_equal(c->data, bytes, sizeof(bytes));
	assert_int_equal(pkb_headroom(c), pkb_headroom(p));
	pkb_free(p);
	pkb_free(c);
	pkb_free(NULL);
	test_assert_no_leaks();
}

static void test_pool_reuse(void **state)
{
	struct pkb *p;
	uint64_t hits;
	void *first;

	(void)state;
	p = pkb_alloc(1500);
	first = p;
	pkb_free(p);
	hits = pkb_stats.pool_hit;
	/* the next buffer of the common size is the one just freed: no malloc */
	p = pkb_alloc(64);
	assert_ptr_equal(p, first);
	assert_int_equal(pkb_stats.pool_hit, hits + 1);
	pkb_free(p);
	test_assert_no_leaks();
}

static void test_large_and_limits(void **state)
{
	struct pkb *p;
	uint64_t fails = pkb_stats.alloc_fail;

	(void)state;
	p = pkb_alloc(65535);
	assert_non_null(p);
	assert_non_null(pkb_put(p, 65535));
	pkb_free(p);
	assert_null(pkb_alloc(PKB_MAX_DATA + 1));
	assert_int_equal(pkb_stats.alloc_fail, fails + 1);
	test_assert_no_leaks();
}

static void test_queue_purge(void **state)
{
	struct pkb_queue q = TAILQ_HEAD_INITIALIZER(q);

	(void)state;
	for (int i = 0; i < 10; i++) {
		struct pkb *p = pkb_alloc(10);
		assert_non_null(p);
		TAILQ_INSERT_TAIL(&q, p, link);
	}
	assert_int_equal(pkb_outstanding(), 10);
	pkb_queue_purge(&q);
	assert_true(TAILQ_EMPTY(&q));
	test_assert_no_leaks();
}

static int teardown(void **state)
{
	(void)state;
	pkb_pool_drain();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_pull_put_trim),
		cmocka_unit_test(test_refcount_and_copy),
		cmocka_unit_test(test_pool_reuse),
		cmocka_unit_test(test_large_and_limits),
		cmocka_unit_test(test_queue_purge),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
