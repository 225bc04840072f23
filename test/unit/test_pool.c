/* SPDX-License-Identifier: MIT */
/* Object pools (net/pool.h): zeroed objects, reuse of freed slots, slab growth, the limit,
 * destroy, giving back wholly free slabs, a double free caught, and (under AddressSanitizer) freed objects poisoned. */
#include "test/unit/testlib.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/pool.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

struct obj {
	uint64_t a;
	char b[100];
};

static void test_alloc_free_reuse(void **state)
{
	struct net_pool p;
	struct obj *o, *o2;

	(void)state;
	net_pool_init(&p, "t", sizeof(struct obj), 4);
	assert_int_equal(p.capacity, 0); /* no memory until the first allocation */
	o = net_pool_alloc(&p);
	assert_non_null(o);
	assert_int_equal((uintptr_t)o % 16, 0);
	for (size_t i = 0; i < sizeof(o->b); i++)
		assert_int_equal(o->b[i], 0);
	o->a = 42;
	memset(o->b, 0x5a, sizeof(o->b));
	assert_int_equal(p.live, 1);
	assert_int_equal(p.capacity, 4);
	net_pool_free(&p, o);
	assert_int_equal(p.live, 0);
	/* the slot just freed comes back first, zeroed again */
	o2 = net_pool_alloc(&p);
	assert_ptr_equal(o2, o);
	assert_int_equal(o2->a, 0);
	assert_int_equal(o2->b[99], 0);
	net_pool_free(&p, o2);
	net_pool_free(&p, NULL); /* like free(NULL) */
	assert_int_equal(p.allocs, 2);
	assert_int_equal(p.frees, 2);
	assert_int_equal(p.slab_allocs, 1);
	assert_int_equal(net_pool_destroy(&p), 0);
	assert_int_equal(p.capacity, 0);
	assert_null(p.slabs);
}

static void test_slab_growth(void **state)
{
	struct net_pool p;
	struct obj *o[12], *o13;

	(void)state;
	net_pool_init(&p, "t", sizeof(struct obj), 4);
	for (int i = 0; i < 10; i++) {
		o[i] = net_pool_alloc(&p);
		assert_non_null(o[i]);
		o[i]->a = (uint64_t)i;
		for (int j = 0; j < i; j++) /* distinct, not overlapping */
			assert_true((char *)o[i] >= (char *)(o[j] + 1) ||
				    (char *)(o[i] + 1) <= (char *)o[j]);
	}
	/* 10 objects: three slabs of 4, one at a time */
	assert_int_equal(p.slab_allocs, 3);
	assert_int_equal(p.capacity, 12);
	assert_int_equal(p.live, 10);
	assert_true(net_pool_bytes(&p) >= 12 * sizeof(struct obj));
	for (int i = 0; i < 10; i++)
		assert_int_equal(o[i]->a, (uint64_t)i);
	/* freed and allocated again: no new slab */
	for (int i = 0; i < 10; i++)
		net_pool_free(&p, o[i]);
	for (int i = 0; i < 12; i++)
		assert_non_null(o[i] = net_pool_alloc(&p));
	assert_int_equal(p.slab_allocs, 3);
	assert_null(p.free_list);
	o13 = net_pool_alloc(&p); /* a thirteenth: a fourth slab */
	assert_non_null(o13);
	assert_int_equal(p.slab_allocs, 4);
	assert_int_equal(p.live, 13);
	/* destroy with objects live frees nothing and says how many */
	assert_int_equal(net_pool_destroy(&p), 13);
	assert_int_equal(p.capacity, 16);
	for (int i = 0; i < 12; i++)
		net_pool_free(&p, o[i]);
	net_pool_free(&p, o13);
	assert_int_equal(net_pool_destroy(&p), 0);
}

/* A pool destroyed with live objects keeps its slabs usable: they go once all are freed. */
static void test_destroy_live_keeps_slabs(void **state)
{
	struct net_pool p;
	struct obj *a, *b;

	(void)state;
	net_pool_init(&p, "t", sizeof(struct obj), 2);
	a = net_pool_alloc(&p);
	b = net_pool_alloc(&p);
	assert_int_equal(net_pool_destroy(&p), 2);
	a->a = 1; /* still valid memory */
	net_pool_free(&p, a);
	assert_int_equal(net_pool_destroy(&p), 1);
	net_pool_free(&p, b);
	assert_int_equal(net_pool_destroy(&p), 0);
	assert_int_equal(p.capacity, 0);
}

static void test_limit(void **state)
{
	struct net_pool p;
	void *o[3];

	(void)state;
	net_pool_init(&p, "t", 24, 0);
	assert_true(p.per_slab > 100); /* 0: as many as fit in 64 KiB */
	p.limit = 2;
	o[0] = net_pool_alloc(&p);
	o[1] = net_pool_alloc(&p);
	assert_non_null(o[0]);
	assert_non_null(o[1]);
	assert_null(net_pool_alloc(&p)); /* at the limit, with free slots in the slab */
	assert_int_equal(p.refused_limit, 1);
	net_pool_free(&p, o[0]);
	o[2] = net_pool_alloc(&p);
	assert_non_null(o[2]);
	p.limit = 0; /* no limit */
	o[0] = net_pool_alloc(&p);
	assert_non_null(o[0]);
	for (int i = 0; i < 3; i++)
		net_pool_free(&p, o[i]);
	assert_int_equal(p.refused_limit, 1);
	assert_int_equal(net_pool_destroy(&p), 0);
}

static void test_trim(void **state)
{
	struct net_pool p;
	struct obj *o[12];
	size_t slab;

	(void)state;
	net_pool_init(&p, "t", sizeof(struct obj), 4);
	for (int i = 0; i < 12; i++)
		assert_non_null(o[i] = net_pool_alloc(&p));
	assert_int_equal(p.empty_slabs, 0);
	slab = net_pool_bytes(&p) / 3;
	/* one object left in one slab: that slab stays */
	for (int i = 0; i < 12; i++)
		if (i != 5)
			net_pool_free(&p, o[i]);
	assert_int_equal(p.empty_slabs, 2);
	assert_int_equal(net_pool_trim(&p, 1), slab);
	assert_int_equal(p.empty_slabs, 1);
	assert_int_equal(net_pool_trim(&p, 1), 0);
	assert_int_equal(p.capacity, 8);
	assert_int_equal(o[5]->a, 0);
	/* the free list holds only slots of the slabs kept: 7 allocations, no new slab */
	for (int i = 0; i < 12; i++)
		if (i != 5)
			o[i] = NULL;
	for (int i = 0; i < 7; i++)
		assert_non_null(o[i == 5 ? 11 : i] = net_pool_alloc(&p));
	assert_int_equal(p.slab_allocs, 3);
	assert_null(p.free_list);
	assert_int_equal(p.empty_slabs, 0);
	for (int i = 0; i < 12; i++)
		net_pool_free(&p, o[i]);
	assert_int_equal(p.empty_slabs, 2);
	assert_int_equal(net_pool_trim(&p, 0), 2 * slab);
	assert_int_equal(p.capacity, 0);
	assert_null(p.free_list);
	assert_int_equal(p.slab_frees, 3);
	assert_int_equal(net_pool_destroy(&p), 0);
}

static void test_reclaim_pass(void **state)
{
	struct net_pool p;
	void *o[3];

	(void)state;
	net_pool_init(&p, "t", 64, 1);
	p.reclaim = 1;
	assert_false(net_pool_reclaimable());
	for (int i = 0; i < 3; i++)
		o[i] = net_pool_alloc(&p); /* joins the list with its first slab */
	assert_false(net_pool_reclaimable());
	for (int i = 0; i < 3; i++)
		net_pool_free(&p, o[i]);
	assert_true(net_pool_reclaimable()); /* 3 empty slabs, 1 kept */
	assert_true(net_pool_reclaim() > 0);
	assert_int_equal(p.capacity, NET_POOL_KEEP_EMPTY);
	assert_false(net_pool_reclaimable());
	assert_int_equal(net_pool_destroy(&p), 0); /* off the list */
	assert_int_equal(p.reclaim, 1);
	assert_int_equal(net_pool_reclaim(), 0);
}

static void test_double_free_aborts(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct net_pool p;
		void *o;

		close(2); /* the error line is expected */
		net_pool_init(&p, "t", 32, 0);
		o = net_pool_alloc(&p);
		net_pool_free(&p, o);
		net_pool_free(&p, o);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGABRT);
}

#if defined(__SANITIZE_ADDRESS__)
static void test_free_poisons(void **state)
{
	struct net_pool p;
	struct obj *o, *spare;

	(void)state;
	net_pool_init(&p, "t", sizeof(struct obj), 4);
	o = net_pool_alloc(&p);
	assert_false(__asan_region_is_poisoned(o, sizeof(*o)));
	/* the slab's free slots are poisoned from the start */
	spare = (struct obj *)((char *)o + p.slot_size);
	assert_true(__asan_address_is_poisoned(spare));
	net_pool_free(&p, o);
	assert_true(__asan_address_is_poisoned(&o->a));
	assert_true(__asan_address_is_poisoned(&o->b[99]));
	o = net_pool_alloc(&p);
	assert_false(__asan_region_is_poisoned(o, sizeof(*o)));
	net_pool_free(&p, o);
	assert_int_equal(net_pool_destroy(&p), 0);
}

/* A read of a freed object is reported (in a child: the report ends the process). */
static void test_use_after_free_reported(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct net_pool p;
		volatile struct obj *o;

		close(2); /* the report is expected */
		net_pool_init(&p, "t", sizeof(struct obj), 0);
		o = net_pool_alloc(&p);
		net_pool_free(&p, (void *)o);
		_exit(o->a == 12345 ? 3 : 0); /* ASan stops it here */
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_false(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_free_reuse),
		cmocka_unit_test(test_slab_growth),
		cmocka_unit_test(test_destroy_live_keeps_slabs),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_reclaim_pass),
		cmocka_unit_test(test_double_free_aborts),
#if defined(__SANITIZE_ADDRESS__)
		cmocka_unit_test(test_free_poisons),
		cmocka_unit_test(test_use_after_free_reported),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
