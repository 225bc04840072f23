/* SPDX-License-Identifier: MIT */
/* The event loop and its timer heap: deadlines fire in order, cancel and re-arm work from
 * inside callbacks, thousands of random timers keep the heap order, the loop wakes for a
 * ready fd, a timer, and a wake-up from another thread, with and without busy polling; the
 * hooks of a driven loop wait for the driver's round. */
#include "test/unit/testlib.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "net/loop.h"
#include "lib/stack.h"
#include "test/unit/test_app.h" /* last: it wraps the calls that take the lock */

static uint64_t fired[64];
static int nfired;

static void record(struct net_timer *t, void *arg, uint64_t now)
{
	(void)t;
	(void)now;
	fired[nfired++] = (uint64_t)(uintptr_t)arg;
}

static void test_order_and_cancel(void **state)
{
	struct net_timer t[5];
	const uint64_t when[5] = { 300, 100, 500, 200, 400 };

	(void)state;
	nfired = 0;
	for (int i = 0; i < 5; i++) {
		net_timer_init(&t[i], record, (void *)(uintptr_t)when[i]);
		net_timer_arm(&t[i], when[i]);
	}
	assert_int_equal(net_timers_armed(), 5);
	assert_int_equal(net_timer_next(), 100);
	net_timer_cancel(&t[3]); /* 200 */
	net_timer_cancel(&t[3]); /* idempotent */
	assert_false(net_timer_pending(&t[3]));
	net_timer_arm(&t[0], 50); /* re-arm moves it earlier */
	net_timers_run(99);
	assert_int_equal(nfired, 1);
	assert_int_equal(fired[0], 300); /* t[0]'s arg, fired at its new deadline */
	net_timers_run(1000);
	assert_int_equal(nfired, 4);
	assert_int_equal(fired[1], 100);
	assert_int_equal(fired[2], 400);
	assert_int_equal(fired[3], 500);
	test_assert_no_leaks();
}

struct rearm {
	struct net_timer t;
	int runs;
	struct net_timer *victim;
};

static void rearm_fn(struct net_timer *t, void *arg, uint64_t now)
{
	struct rearm *r = arg;

	if (r->victim)
		net_timer_cancel(r->victim); /* a timer may cancel another from its callback */
	if (++r->runs < 3)
		net_timer_arm(t, now + 10);
}

static void test_rearm_from_callback(void **state)
{
	struct rearm r = { 0 };
	struct net_timer other;

	(void)state;
	nfired = 0;
	net_timer_init(&other, record, (void *)(uintptr_t)7);
	net_timer_arm(&other, 15);
	net_timer_init(&r.t, rearm_fn, &r);
	r.victim = &other;
	net_timer_arm(&r.t, 10);
	/* A timer re-armed for `now` waits for the next run: a run is bounded. */
	net_timers_run(10);
	assert_int_equal(r.runs, 1);
	assert_int_equal(nfired, 0); /* cancelled by r before its deadline */
	net_timers_run(20);
	net_timers_run(30);
	assert_int_equal(r.runs, 3);
	test_assert_no_leaks();
}

static uint64_t last_deadline;
static int order_ok;

static void check_order(struct net_timer *t, void *arg, uint64_t now)
{
	(void)arg;
	(void)now;
	if (t->deadline < last_deadline)
		order_ok = 0;
	last_deadline = t->deadline;
}

static void test_heap_random(void **state)
{
	enum { N = 5000 };
	struct net_timer *t = calloc(N, sizeof(*t));

	(void)state;
	assert_non_null(t);
	srand(11);
	for (int i = 0; i < N; i++) {
		net_timer_init(&t[i], check_order, NULL);
		net_timer_arm(&t[i], (uint64_t)(rand() % 100000));
	}
	for (int i = 0; i < N; i += 3) /* cancel from the middle of the heap */
		net_timer_cancel(&t[i]);
	for (int i = 0; i < N; i += 7)
		net_timer_arm(&t[i], (uint64_t)(rand() % 100000));
	order_ok = 1;
	last_deadline = 0;
	net_timers_run(UINT64_MAX - 1);
	assert_true(order_ok);
	free(t);
	test_assert_no_leaks();
}

static int fd_events;

static void on_fd(int fd, uint32_t events, void *arg, uint64_t now)
{
	char c;

	(void)events;
	(void)arg;
	(void)now;
	if (read(fd, &c, 1) == 1)
		fd_events++;
}

static void *write_later(void *arg)
{
	usleep(20000);
	if (write(*(int *)arg, "x", 1) != 1)
		abort();
	return NULL;
}

/* One fd event 20 ms after the loop starts waiting. idle_first: one wait with nothing to
 * find comes first. Then the busy-poll counters must have moved by exactly the spins that
 * found the event (hits) and those that found nothing (empty): proof of which path saw it.
 * A spin that another thread preempted ends early and counts as yielded instead (the
 * writer may wake on our CPU, a loaded machine may run anything there): so each expected
 * hit or empty spin may come as a yielded one, and no spin may be of the other kind.
 * test_loop_spin_hit and test_loop_spin_preempted pin the threads to see each for sure. */
static void run_fd_case(unsigned busy_us, int idle_first, uint64_t hits, uint64_t empty)
{
	uint64_t hits0 = loop_stats.busy_poll_hits, empty0 = loop_stats.busy_poll_empty,
		 spins0 = loop_stats.busy_polls;
	int p[2];
	pthread_t th;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(net_loop_add_fd(p[0], 0x001 /* EPOLLIN */, on_fd, NULL), 0);
	net_loop_set_busy_poll(busy_us);
	fd_events = 0;
	if (idle_first)
		assert_int_equal(net_loop_once(20), 0);
	assert_int_equal(pthread_create(&th, NULL, write_later, &p[1]), 0);
	/* waits for the write (no timer armed, no timeout): wakes on the fd */
	for (int i = 0; i < 50 && !fd_events; i++)
		assert_true(net_loop_once(10000) >= 0);
	pthread_join(th, NULL);
	assert_int_equal(fd_events, 1);
	assert_int_equal(loop_stats.busy_polls - spins0, hits + empty);
	assert_true(loop_stats.busy_poll_hits - hits0 <= hits);
	assert_true(loop_stats.busy_poll_empty - empty0 <= empty);
	net_loop_set_busy_poll(0);
	assert_int_equal(net_loop_del_fd(p[0]), 0);
	close(p[0]);
	close(p[1]);
}

static void test_loop_fd(void **state)
{
	(void)state;
	/* off: no spin at all */
	run_fd_case(0, 0, 0, 0);
	/* a 10 s spin (the write comes after 20 ms): found while spinning, and only then */
	run_fd_case(10000000, 0, 1, 0);
	/* 500 us: the idle wait's spin finds nothing, so the next wait skips spinning
	 * (backoff) and the sleep finds the event */
	run_fd_case(500, 1, 0, 1);
	test_assert_no_leaks();
}

/* An event already waiting when the loop comes to wait is no catch of a spin: nothing is
 * counted, and the next wait with nothing to find spins (the backoff did not move). */
static void test_loop_spin_ready(void **state)
{
	uint64_t polls0 = loop_stats.busy_poll_hits + loop_stats.busy_poll_empty +
			  loop_stats.busy_poll_yielded,
		 spins0 = loop_stats.busy_polls, empty0 = loop_stats.busy_poll_empty,
		 yielded0 = loop_stats.busy_poll_yielded;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(net_loop_add_fd(p[0], 0x001 /* EPOLLIN */, on_fd, NULL), 0);
	net_loop_set_busy_poll(500);
	fd_events = 0;
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_true(net_loop_once(1000) >= 0);
	assert_int_equal(fd_events, 1);
	assert_int_equal(loop_stats.busy_polls, spins0);
	assert_int_equal(loop_stats.busy_poll_hits + loop_stats.busy_poll_empty +
				 loop_stats.busy_poll_yielded,
			 polls0);
	assert_int_equal(net_loop_once(5), 0);
	assert_int_equal(loop_stats.busy_polls, spins0 + 1);
	assert_int_equal(loop_stats.busy_poll_empty - empty0 + loop_stats.busy_poll_yielded - yielded0,
			 1);
	net_loop_set_busy_poll(0);
	assert_int_equal(net_loop_del_fd(p[0]), 0);
	close(p[0]);
	close(p[1]);
	test_assert_no_leaks();
}

/* What test_loop_spin_hit and test_loop_spin_preempted change, undone by spin_teardown
 * also when an assertion ends the test early: the thread's CPU affinity, the pipe and its
 * watch, busy polling, and the helper thread (joined first: it writes to the pipe). */
static struct spin_fixture {
	int pinned;
	cpu_set_t old;
	int p[2];
	int watched;
	int thread;
	pthread_t th;
	unsigned hog_ms; /* hog_run: how long it keeps the CPU busy */
} fx;

static int spin_setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
	fx.p[0] = fx.p[1] = -1;
	return 0;
}

static int spin_teardown(void **state)
{
	(void)state;
	if (fx.thread)
		pthread_join(fx.th, NULL);
	net_loop_set_busy_poll(0);
	if (fx.watched)
		net_loop_del_fd(fx.p[0]);
	for (int i = 0; i < 2; i++)
		if (fx.p[i] >= 0)
			close(fx.p[i]);
	if (fx.pinned)
		pthread_setaffinity_np(pthread_self(), sizeof(fx.old), &fx.old);
	return 0;
}

/* Pins the calling thread to the CPU it is on (returned), after saving its affinity, and
 * opens the pipe the loop watches. */
static int spin_pin_and_watch(void)
{
	cpu_set_t one;
	int cpu = sched_getcpu();

	assert_true(cpu >= 0);
	assert_int_equal(pthread_getaffinity_np(pthread_self(), sizeof(fx.old), &fx.old), 0);
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	assert_int_equal(pthread_setaffinity_np(pthread_self(), sizeof(one), &one), 0);
	fx.pinned = 1;
	assert_int_equal(pipe(fx.p), 0);
	assert_int_equal(net_loop_add_fd(fx.p[0], 0x001 /* EPOLLIN */, on_fd, NULL), 0);
	fx.watched = 1;
	return cpu;
}

/* Starts fn in fx.th on CPU cpu only. */
static void spin_start_on(int cpu, void *(*fn)(void *))
{
	pthread_attr_t attr;
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	assert_int_equal(pthread_attr_init(&attr), 0);
	assert_int_equal(pthread_attr_setaffinity_np(&attr, sizeof(one), &one), 0);
	assert_int_equal(pthread_create(&fx.th, &attr, fn, &fx.p[1]), 0);
	fx.thread = 1;
	pthread_attr_destroy(&attr);
}

/* Keeps its CPU busy for fx.hog_ms, then writes one byte: a peer that shares the loop's
 * CPU. */
static void *hog_run(void *arg)
{
	uint64_t end = net_clock_ms() + fx.hog_ms;
	volatile unsigned long spins = 0;

	while (net_clock_ms() < end)
		spins++;
	if (write(*(int *)arg, "x", 1) != 1)
		abort();
	return NULL;
}

static void *write_soon(void *arg)
{
	usleep(1000);
	if (write(*(int *)arg, "x", 1) != 1)
		abort();
	return NULL;
}

/* A spin catches what a thread on another CPU sends while it spins: the loop pinned to
 * its CPU, the writer (1 ms later) to another. Anything else the machine runs on our CPU
 * may still preempt a spin (then it counts as yielded: a loaded machine does so often), so
 * up to 20 tries, one of which must be a hit. SKIP with one CPU. */
static void test_loop_spin_hit(void **state)
{
	int cpu, other = -1, hit = 0;

	(void)state;
	cpu = spin_pin_and_watch();
	for (int c = 0; c < CPU_SETSIZE && other < 0; c++)
		if (c != cpu && CPU_ISSET(c, &fx.old))
			other = c;
	if (other < 0)
		skip(); /* one CPU: the writer would preempt every spin */
	for (int try = 0; try < 20 && !hit; try++) {
		uint64_t hits0 = loop_stats.busy_poll_hits, empty0 = loop_stats.busy_poll_empty;

		net_loop_set_busy_poll(10000000); /* 10 s; the write comes after 1 ms */
		fd_events = 0;
		spin_start_on(other, write_soon);
		for (int i = 0; i < 10 && !fd_events; i++)
			assert_true(net_loop_once(5000) >= 0);
		pthread_join(fx.th, NULL);
		fx.thread = 0;
		assert_int_equal(fd_events, 1);
		assert_int_equal(loop_stats.busy_poll_empty, empty0);
		hit = loop_stats.busy_poll_hits - hits0 == 1;
	}
	assert_true(hit);
	test_assert_no_leaks();
}

/* A thread that wants the loop's CPU ends a spin: pinned to one CPU with a thread that is
 * busy there for 100 ms and then writes, the spin (bounded by the 5 s wait) is preempted,
 * counted as yielded, and the loop sleeps, which lets the hog finish. The byte came while
 * the loop did not spin, so no spin may count it a hit, which is what a spin without the
 * check did (the scheduler shares the CPU between the two, and the hog's byte came in a
 * later slice of the spin). The wait after it does not spin (the backoff). */
static void test_loop_spin_preempted(void **state)
{
	uint64_t hits0 = loop_stats.busy_poll_hits, yielded0 = loop_stats.busy_poll_yielded,
		 spins0 = loop_stats.busy_polls;
	int cpu;

	(void)state;
	cpu = spin_pin_and_watch();
	net_loop_set_busy_poll(10000000);
	fd_events = 0;
	fx.hog_ms = 100;
	spin_start_on(cpu, hog_run);
	for (int i = 0; i < 10 && !fd_events; i++)
		assert_true(net_loop_once(5000) >= 0);
	assert_int_equal(fd_events, 1);
	assert_int_equal(loop_stats.busy_poll_hits, hits0);
	assert_true(loop_stats.busy_poll_yielded - yielded0 >= 1);
	assert_int_equal(loop_stats.busy_polls - spins0, loop_stats.busy_poll_yielded - yielded0);
	test_assert_no_leaks();
}

static void test_loop_timer_sets_timeout(void **state)
{
	struct net_timer t, t2;
	uint64_t start = net_clock_ms(), sets0 = loop_stats.timer_sets,
		 fires0 = loop_stats.timer_fires;

	(void)state;
	TEST_APP_VOID(net_loop_set_driver(1)); /* the one thread running the loop: the timerfd */
	nfired = 0;
	net_timer_init(&t, record, (void *)(uintptr_t)1);
	net_timer_arm(&t, start + 30);
	/* a 10 s timeout, but the timer's deadline ends the wait: the timerfd is set once
	 * for it, goes off, and the wait ends without an event to report */
	for (int i = 0; i < 10 && !nfired; i++)
		assert_int_equal(net_loop_once(10000), 0);
	assert_int_equal(nfired, 1);
	assert_true(net_clock_ms() >= start + 30);
	assert_true(net_clock_ms() - start < 5000);
	assert_int_equal(loop_stats.timer_sets - sets0, 1);
	assert_int_equal(loop_stats.timer_fires - fires0, 1);

	/* set for the earlier of two deadlines, it is not set again for the later one
	 * until it has gone off */
	nfired = 0;
	start = net_clock_ms();
	net_timer_init(&t2, record, (void *)(uintptr_t)2);
	net_timer_arm(&t, start + 20);
	net_timer_arm(&t2, start + 40);
	for (int i = 0; i < 10 && nfired < 2; i++)
		assert_true(net_loop_once(10000) >= 0);
	assert_int_equal(nfired, 2);
	assert_true(net_clock_ms() >= start + 40);
	assert_int_equal(loop_stats.timer_sets - sets0, 3);
	assert_int_equal(loop_stats.timer_fires - fires0, 3);

	/* a timeout of the caller's own ends the wait the same way, with no timer armed */
	start = net_clock_ms();
	assert_int_equal(net_loop_once(25), 0);
	assert_true(net_clock_ms() >= start + 24); /* `now` is whole milliseconds */
	assert_int_equal(loop_stats.timer_sets - sets0, 4);
	TEST_APP_VOID(net_loop_set_driver(0));
	test_assert_no_leaks();
}

static void *wake_later(void *arg)
{
	(void)arg;
	usleep(20000);
	net_loop_wakeup();
	return NULL;
}

static void test_loop_wakeup(void **state)
{
	pthread_t th;
	uint64_t start = net_clock_ms();

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, wake_later, NULL), 0);
	assert_true(net_loop_once(10000) >= 0); /* returns on the wake-up, not the timeout */
	pthread_join(th, NULL);
	assert_true(net_clock_ms() - start < 5000);
	test_assert_no_leaks();
}

static int hook_runs;

/* A wake-up ends the first wait before the timer is due: the second wait finds the timerfd
 * already set for that deadline and leaves it. */
static void test_loop_timer_set_once(void **state)
{
	struct net_timer t;
	uint64_t start = net_clock_ms(), sets0 = loop_stats.timer_sets;
	pthread_t th;
	int waits = 0;

	(void)state;
	TEST_APP_VOID(net_loop_set_driver(1));
	nfired = 0;
	net_timer_init(&t, record, (void *)(uintptr_t)1);
	net_timer_arm(&t, start + 60);
	assert_int_equal(pthread_create(&th, NULL, wake_later, NULL), 0); /* at 20 ms */
	for (; waits < 10 && !nfired; waits++)
		assert_true(net_loop_once(10000) >= 0);
	pthread_join(th, NULL);
	assert_int_equal(nfired, 1);
	assert_true(waits >= 2);
	assert_int_equal(loop_stats.timer_sets - sets0, 1);
	TEST_APP_VOID(net_loop_set_driver(0));
	test_assert_no_leaks();
}

/* Two threads in the loop at once (socket_config.drive_loop, no driver named): one waits
 * 100 ms, the other for a timer at 300 ms. Each wait keeps its own deadline: with one
 * timerfd for both, the thread that took its expiry left the other asleep. A watchdog
 * wakes a loop stuck past 1.5 s, so that a failure fails instead of hanging. */
struct timed_wait {
	int timeout_ms;
	uint64_t took;
};

static void *wait_once(void *arg)
{
	struct timed_wait *w = arg;
	uint64_t start = net_clock_ms();

	net_loop_once(w->timeout_ms);
	w->took = net_clock_ms() - start;
	return NULL;
}

static volatile int watchdog_done;

static void *watchdog(void *arg)
{
	(void)arg;
	for (int i = 0; i < 150 && !watchdog_done; i++)
		usleep(10000);
	if (!watchdog_done)
		net_loop_wakeup();
	return NULL;
}

static void test_loop_concurrent_waits(void **state)
{
	uint64_t sets0 = loop_stats.timer_sets;

	(void)state;
	for (int round = 0; round < 3; round++) {
		struct timed_wait a = { .timeout_ms = 100 };
		struct net_timer t;
		pthread_t ta, tw;
		uint64_t start = net_clock_ms();

		nfired = 0;
		watchdog_done = 0;
		net_timer_init(&t, record, (void *)(uintptr_t)1);
		net_timer_arm(&t, start + 300);
		assert_int_equal(pthread_create(&tw, NULL, watchdog, NULL), 0);
		assert_int_equal(pthread_create(&ta, NULL, wait_once, &a), 0);
		while (!nfired && net_clock_ms() - start < 1400)
			assert_true(net_loop_once(-1) >= 0);
		pthread_join(ta, NULL);
		watchdog_done = 1;
		pthread_join(tw, NULL);
		assert_int_equal(nfired, 1);
		assert_true(net_clock_ms() - start < 1000); /* the timer, not the watchdog */
		assert_true(a.took >= 99 && a.took < 250);
		net_timer_cancel(&t);
	}
	assert_int_equal(loop_stats.timer_sets, sets0); /* no sole runner: epoll timeouts */
	test_assert_no_leaks();
}

/* A busy-poll spin ends at the deadline: a timer that comes due is neither spun past nor
 * taken for a frame the spin caught (that would reset the backoff). */
static void test_loop_spin_stops_at_deadline(void **state)
{
	struct net_timer t;
	uint64_t hits0 = loop_stats.busy_poll_hits, start = net_clock_ms();

	(void)state;
	TEST_APP_VOID(net_loop_set_driver(1));
	net_loop_set_busy_poll(100000); /* 100 ms, far past the timer */
	nfired = 0;
	net_timer_init(&t, record, (void *)(uintptr_t)1);
	net_timer_arm(&t, start + 20);
	for (int i = 0; i < 10 && !nfired; i++)
		assert_true(net_loop_once(10000) >= 0);
	assert_int_equal(nfired, 1);
	assert_true(net_clock_ms() - start < 90);
	assert_int_equal(loop_stats.busy_poll_hits, hits0);
	net_loop_set_busy_poll(0);
	TEST_APP_VOID(net_loop_set_driver(0));
	test_assert_no_leaks();
}

/* With no sole runner (no driver named) the wait after a spin is an epoll timeout: it
 * counts from the spin's start, so a 20 ms spin that finds nothing and the sleep after it
 * end together at the 25 ms the caller asked for, not at 45. A spin that anything else on
 * our CPU preempted ends early and proves nothing, so up to 30 tries for one that ran its
 * time out; SKIP if none did (a machine that busy). */
static void test_loop_spin_then_timeout(void **state)
{
	(void)state;
	for (int try = 0; try < 30; try++) {
		uint64_t empty0 = loop_stats.busy_poll_empty, start, took;

		net_loop_set_busy_poll(20000);
		start = net_clock_ms();
		assert_int_equal(net_loop_once(25), 0);
		took = net_clock_ms() - start;
		net_loop_set_busy_poll(0);
		if (loop_stats.busy_poll_empty == empty0)
			continue; /* preempted */
		assert_true(took >= 24);
		assert_true(took < 40);
		test_assert_no_leaks();
		return;
	}
	skip();
}

static void count_hook(uint64_t now)
{
	(void)now;
	hook_runs++;
}

/* Hooks run after each batch; with a driver named, they wait for its round: before the
 * next wait, or two iterations later at the latest, and when the driver lets go. */
static void test_driven_hooks(void **state)
{
	(void)state;
	assert_int_equal(net_loop_add_hook(count_hook), 0);
	hook_runs = 0;
	net_loop_once(0);
	assert_int_equal(hook_runs, 1);
	assert_false(net_loop_driven());
	TEST_APP_VOID(net_loop_set_driver(1));
	assert_true(net_loop_driven());
	net_loop_once(0);
	assert_int_equal(hook_runs, 1); /* owed to the round that follows */
	net_loop_once(0);
	assert_int_equal(hook_runs, 1); /* a turn without a wait: still owed */
	net_loop_once(0);
	assert_int_equal(hook_runs, 2); /* two iterations late: run */
	net_loop_once(1);
	assert_int_equal(hook_runs, 3); /* before a wait */
	TEST_APP_VOID(net_loop_set_driver(0));
	assert_int_equal(hook_runs, 4); /* what was owed, when the driver lets go */
	assert_false(net_loop_driven());
	net_loop_once(0);
	assert_int_equal(hook_runs, 5);
	test_assert_no_leaks();
}

/* A driver's round that left work for the hooks before any iteration owed them (a send
 * right after the driver was named) has them run before the next wait all the same. */
static void test_round_owes_hooks(void **state)
{
	(void)state;
	assert_int_equal(net_loop_add_hook(count_hook), 0);
	hook_runs = 0;
	net_loop_owe_hooks(); /* no driver: the hooks run after each batch anyway */
	net_loop_once(0);
	assert_int_equal(hook_runs, 1);
	TEST_APP_VOID(net_loop_set_driver(1));
	net_loop_once(1);
	assert_int_equal(hook_runs, 1); /* nothing was owed: the iteration owes them now */
	net_loop_once(1);
	assert_int_equal(hook_runs, 2);
	TEST_APP_VOID(net_loop_set_driver(0));
	TEST_APP_VOID(net_loop_set_driver(1));
	assert_int_equal(hook_runs, 3);
	net_loop_owe_hooks(); /* the round's work */
	net_loop_once(1);
	assert_int_equal(hook_runs, 4); /* before the wait */
	TEST_APP_VOID(net_loop_set_driver(0));
	assert_int_equal(hook_runs, 5);
	test_assert_no_leaks();
}

static void test_fake_clock(void **state)
{
	(void)state;
	net_clock_set_fake(1, 12345);
	assert_int_equal(net_clock_ms(), 12345);
	net_clock_set_fake(0, 0);
	assert_true(net_clock_ms() != 12345);
	test_assert_no_leaks();
}

/* The lowest free descriptor number (what the next open gets). */
static int lowest_free_fd(void)
{
	int fd = dup(0);

	assert_true(fd >= 0);
	close(fd);
	return fd;
}

/* If the wake-up eventfd cannot be made, net_loop_init fails and keeps failing, leaks no
 * descriptor, and succeeds once descriptors are available again (it used to leave the
 * epoll fd behind, so the next call "succeeded" with no wake-up descriptor). The failure is
 * real: RLIMIT_NOFILE leaves room for the epoll fd only. */
static void test_init_fails_cleanly_without_eventfd(void **state)
{
	struct rlimit old, lim;
	pthread_t th;
	int first;

	(void)state;
	net_loop_shutdown();
	first = lowest_free_fd();
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)first + 1; /* epoll_create1 gets `first`, eventfd gets EMFILE */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &lim), 0);
	assert_int_equal(net_loop_init(), -EMFILE);
	assert_int_equal(net_loop_init(), -EMFILE); /* still failing, not half set up */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(lowest_free_fd(), first); /* the epoll fd was closed */
	assert_int_equal(net_loop_init(), 0);
	/* and now it has its wake-up descriptor: a wake-up ends a 10 s wait */
	assert_int_equal(pthread_create(&th, NULL, wake_later, NULL), 0);
	{
		uint64_t start = net_clock_ms();
		assert_true(net_loop_once(10000) >= 1);
		assert_true(net_clock_ms() - start < 5000);
	}
	pthread_join(th, NULL);

	/* the timerfd fails in turn: the same, all or nothing */
	net_loop_shutdown();
	lim.rlim_cur = (rlim_t)first + 2; /* epoll fd and eventfd, then EMFILE */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &lim), 0);
	assert_int_equal(net_loop_init(), -EMFILE);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(lowest_free_fd(), first); /* the epoll fd and eventfd were closed */
	assert_int_equal(net_loop_init(), 0);
	lim.rlim_cur = (rlim_t)first + 1;

	/* the same through stack_init: it fails every time, not only the first */
	net_loop_shutdown();
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &lim), 0);
	assert_int_equal(stack_init(), -EMFILE);
	assert_int_equal(stack_init(), -EMFILE);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(lowest_free_fd(), first);
	assert_int_equal(stack_init(), 0);
	stack_shutdown();
	assert_int_equal(net_loop_init(), 0);
	test_assert_no_leaks();
}

static int setup(void **state)
{
	(void)state;
	return net_loop_init();
}

static int teardown(void **state)
{
	(void)state;
	net_loop_shutdown();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_cancel),
		cmocka_unit_test(test_rearm_from_callback),
		cmocka_unit_test(test_heap_random),
		cmocka_unit_test(test_loop_fd),
		cmocka_unit_test(test_loop_spin_ready),
		cmocka_unit_test_setup_teardown(test_loop_spin_hit, spin_setup, spin_teardown),
		cmocka_unit_test_setup_teardown(test_loop_spin_preempted, spin_setup, spin_teardown),
		cmocka_unit_test(test_loop_timer_sets_timeout),
		cmocka_unit_test(test_loop_wakeup),
		cmocka_unit_test(test_loop_timer_set_once),
		cmocka_unit_test(test_loop_concurrent_waits),
		cmocka_unit_test(test_loop_spin_stops_at_deadline),
		cmocka_unit_test(test_loop_spin_then_timeout),
		cmocka_unit_test(test_driven_hooks),
		cmocka_unit_test(test_round_owes_hooks),
		cmocka_unit_test(test_fake_clock),
		cmocka_unit_test(test_init_fails_cleanly_without_eventfd),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
