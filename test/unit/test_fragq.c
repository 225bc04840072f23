/* SPDX-License-Identifier: MIT */
/* The fragment queues that IPv4 and IPv6 reassembly share (net/fragq.c), driven through a
 * toy family with a fake clock: completion in and out of order, exact duplicates ignored,
 * overlaps and lengths at odds with the last fragment discarding the packet, the caps on
 * queues and memory evicting the oldest other queue, the timeout with and without
 * fragment zero, and the table's accounting after each. test_reass and test_ip6_frag
 * drive the same code through the real headers. */
#include "test/unit/testlib.h"

#include <string.h>

#include "net/fragq.h"
#include "net/loop.h"

#define T0 5000u

static unsigned counted[FRAGQ_INCONSISTENT + 1];
static struct fragq_limits lim;
static struct {
	int calls;
	uint32_t first_off, first_len; /* of the fragment it was given (freed after) */
} timed;

static void toy_count(enum fragq_event ev)
{
	counted[ev]++;
}

static void toy_limits(struct fragq_limits *out)
{
	*out = lim;
}

static void toy_timed_out(struct pkb *first, uint64_t now)
{
	(void)now;
	timed.calls++;
	timed.first_off = fragq_cb(first).off;
	timed.first_len = first->len;
}

static const struct fragq_family toy = {
	.what = "toy",
	.count = toy_count,
	.limits = toy_limits,
	.timed_out = toy_timed_out,
};

static struct fragq_table table;

static int setup(void **state)
{
	(void)state;
	memset(counted, 0, sizeof(counted));
	memset(&timed, 0, sizeof(timed));
	lim = (struct fragq_limits){ .timeout_ms = 1000, .mem_max = 1 << 20, .max_queues = 8 };
	fragq_table_init(&table, &toy);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fragq_flush(&table);
	assert_int_equal(table.count, 0);
	assert_int_equal(table.mem, 0);
	test_assert_no_leaks();
	return 0;
}

/* A fragment whose bytes are their own offsets' low byte. */
static struct pkb *frag(uint32_t off, uint32_t len)
{
	struct pkb *p = pkb_alloc(len);

	assert_non_null(p);
	for (uint32_t i = 0; i < len; i++)
		pkb_put(p, 1)[0] = (uint8_t)(off + i);
	return p;
}

static struct fragq *queue(uint32_t id, uint64_t now)
{
	struct fragq *q = fragq_create(&table, sizeof(struct fragq), id, id, now);

	assert_non_null(q);
	return q;
}

static int add(struct fragq *q, uint32_t off, uint32_t len, int more)
{
	struct fragq_cb fc = { .off = off, .len = len };
	struct pkb *p = frag(off, len);

	memcpy(p->cb, &fc, sizeof(fc));
	return fragq_add(q, p, more);
}

/* Checks the held fragments cover [0, total) in order with the right bytes. */
static void assert_whole(struct fragq *q)
{
	uint32_t at = 0;
	struct pkb *f;

	TAILQ_FOREACH(f, &q->frags, link) {
		struct fragq_cb c = fragq_cb(f);

		assert_int_equal(c.off, at);
		assert_int_equal(c.len, f->len);
		for (uint32_t i = 0; i < c.len; i++)
			assert_int_equal(f->data[i], (uint8_t)(c.off + i));
		at += c.len;
	}
	assert_int_equal(at, q->total);
}

static void test_in_order_and_reversed(void **state)
{
	struct fragq *q = queue(1, T0);

	(void)state;
	assert_int_equal(add(q, 0, 16, 1), 0);
	assert_int_equal(add(q, 16, 16, 1), 0);
	assert_int_equal(table.mem, q->mem);
	assert_int_equal(add(q, 32, 5, 0), 1);
	assert_int_equal(q->total, 37);
	assert_whole(q);
	fragq_done(q);
	assert_int_equal(counted[FRAGQ_OK], 1);

	q = queue(2, T0);
	assert_int_equal(add(q, 32, 5, 0), 0);
	assert_int_equal(add(q, 16, 16, 1), 0);
	assert_int_equal(add(q, 0, 16, 1), 1);
	assert_whole(q);
	fragq_done(q);
	assert_int_equal(counted[FRAGQ_OK], 2);
	assert_int_equal(counted[FRAGQ_FAIL], 0);
	assert_int_equal(table.count, 0);
	assert_int_equal(table.mem, 0);
}

static void test_duplicate_ignored(void **state)
{
	struct fragq *q = queue(1, T0);
	size_t mem;

	(void)state;
	assert_int_equal(add(q, 0, 16, 1), 0);
	mem = table.mem;
	assert_int_equal(add(q, 0, 16, 1), -1);
	assert_int_equal(counted[FRAGQ_DUPLICATE], 1);
	assert_int_equal(table.mem, mem);
	assert_int_equal(q->received, 16);
	assert_int_equal(add(q, 16, 8, 0), 1);
	fragq_done(q);
}

static void test_overlap_discards(void **state)
{
	struct fragq *q = queue(1, T0);

	(void)state;
	assert_int_equal(add(q, 0, 16, 1), 0);
	assert_int_equal(add(q, 32, 16, 1), 0);
	/* touches the end of the first: [8, 24) */
	assert_int_equal(add(q, 8, 16, 1), -1);
	assert_int_equal(counted[FRAGQ_OVERLAP], 1);
	assert_int_equal(counted[FRAGQ_FAIL], 1);
	assert_int_equal(table.count, 0);
	assert_int_equal(table.mem, 0);
	/* the same offset with another length is an overlap too, not a duplicate */
	q = queue(2, T0);
	assert_int_equal(add(q, 0, 16, 1), 0);
	assert_int_equal(add(q, 0, 24, 1), -1);
	assert_int_equal(counted[FRAGQ_OVERLAP], 2);
	assert_int_equal(counted[FRAGQ_DUPLICATE], 0);
	/* adjacent fragments do not overlap */
	q = queue(3, T0);
	assert_int_equal(add(q, 16, 16, 1), 0);
	assert_int_equal(add(q, 0, 16, 1), 0);
	assert_int_equal(add(q, 32, 1, 0), 1);
	assert_whole(q);
	fragq_done(q);
}

static void test_inconsistent_length(void **state)
{
	struct fragq *q;

	(void)state;
	/* data beyond the last fragment's end */
	q = queue(1, T0);
	assert_int_equal(add(q, 16, 8, 0), 0);
	assert_int_equal(add(q, 24, 8, 1), -1);
	assert_int_equal(counted[FRAGQ_INCONSISTENT], 1);
	/* a second last fragment with another end */
	q = queue(2, T0);
	assert_int_equal(add(q, 16, 8, 0), 0);
	assert_int_equal(add(q, 0, 8, 0), -1);
	assert_int_equal(counted[FRAGQ_INCONSISTENT], 2);
	/* a last fragment before data already held */
	q = queue(3, T0);
	assert_int_equal(add(q, 32, 8, 1), 0);
	assert_int_equal(add(q, 0, 16, 0), -1);
	assert_int_equal(counted[FRAGQ_INCONSISTENT], 3);
	assert_int_equal(counted[FRAGQ_FAIL], 3);
	assert_int_equal(table.count, 0);
	assert_int_equal(table.mem, 0);
}

static void test_queue_cap_evicts_oldest(void **state)
{
	struct fragq *a, *b, *c;

	(void)state;
	lim.max_queues = 2;
	a = queue(1, T0);
	b = queue(2, T0 + 1);
	assert_int_equal(add(a, 0, 8, 1), 0);
	assert_int_equal(add(b, 0, 8, 1), 0);
	c = queue(3, T0 + 2); /* a goes */
	assert_int_equal(counted[FRAGQ_TOO_MANY], 1);
	assert_int_equal(counted[FRAGQ_FAIL], 1);
	assert_int_equal(table.count, 2);
	assert_ptr_equal(TAILQ_FIRST(&table.age), b);
	assert_ptr_equal(TAILQ_LAST(&table.age, fragq_age), c);
	assert_int_equal(table.mem, b->mem);
	/* a cap of 0 turns reassembly off */
	fragq_flush(&table);
	lim.max_queues = 0;
	assert_null(fragq_create(&table, sizeof(struct fragq), 9, 9, T0));
	assert_int_equal(counted[FRAGQ_TOO_MANY], 2);
}

static void test_memory_cap(void **state)
{
	struct fragq *a, *b;
	size_t one;

	(void)state;
	a = queue(1, T0);
	assert_int_equal(add(a, 0, 8, 1), 0);
	one = table.mem;
	lim.mem_max = 2 * one;
	b = queue(2, T0 + 1);
	assert_int_equal(add(b, 0, 8, 1), 0);
	assert_int_equal(counted[FRAGQ_MEM_EXCEEDED], 0);
	/* b's second fragment needs room: the oldest other queue (a) goes */
	assert_int_equal(add(b, 8, 8, 1), 0);
	assert_int_equal(counted[FRAGQ_MEM_EXCEEDED], 1);
	assert_int_equal(counted[FRAGQ_FAIL], 1);
	assert_int_equal(table.count, 1);
	assert_int_equal(table.mem, 2 * one);
	/* b alone would outgrow the cap: it is discarded */
	assert_int_equal(add(b, 16, 8, 0), -1);
	assert_int_equal(counted[FRAGQ_MEM_EXCEEDED], 2);
	assert_int_equal(counted[FRAGQ_FAIL], 2);
	assert_int_equal(table.count, 0);
	assert_int_equal(table.mem, 0);
}

static void test_timeout(void **state)
{
	struct fragq *a, *b;

	(void)state;
	a = queue(1, T0);
	assert_int_equal(add(a, 8, 8, 0), 0); /* no fragment zero */
	b = queue(2, T0 + 10);
	assert_int_equal(add(b, 8, 8, 1), 0);
	assert_int_equal(add(b, 0, 8, 1), 0);
	net_timers_run(T0 + lim.timeout_ms - 1);
	assert_int_equal(timed.calls, 0);
	net_timers_run(T0 + lim.timeout_ms);
	assert_int_equal(timed.calls, 0); /* no fragment zero: nothing to quote */
	assert_int_equal(counted[FRAGQ_TIMEOUT], 1);
	assert_int_equal(table.count, 1);
	net_timers_run(T0 + 10 + lim.timeout_ms);
	assert_int_equal(timed.calls, 1);
	/* fragment zero, for the family's ICMP error */
	assert_int_equal(timed.first_off, 0);
	assert_int_equal(timed.first_len, 8);
	assert_int_equal(counted[FRAGQ_TIMEOUT], 2);
	assert_int_equal(counted[FRAGQ_FAIL], 2);
	assert_int_equal(table.count, 0);
	assert_int_equal(table.mem, 0);
	assert_int_equal(net_timer_next(), UINT64_MAX);
}

static void test_lookup_chain(void **state)
{
	struct fragq *a, *b, *q;
	int seen = 0;

	(void)state;
	a = queue(7, T0);
	b = fragq_create(&table, sizeof(struct fragq), 7 + FRAGQ_HASH_SIZE, 8, T0);
	assert_non_null(b);
	/* both in the same chain, told apart by the family's key */
	LIST_FOREACH(q, fragq_bucket(&table, 7), hash_link)
		seen |= (q == a) | (q == b) << 1;
	assert_int_equal(seen, 3);
	assert_int_equal(b->id, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_in_order_and_reversed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap_discards, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inconsistent_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_cap_evicts_oldest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_chain, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
