/* SPDX-License-Identifier: MIT */
/* The lock assertions (net/loop.h, built with USTACK_DEBUG_LOCK: make DEBUG=1, make san).
 * An internal entry called without the stack lock must abort and name itself, a call that
 * takes the lock must abort when its caller already holds it (instead of deadlocking), and
 * a blocking wait, which lets go of the lock inside pthread_cond_wait, must leave the
 * bookkeeping true. Each violation runs in a forked child, whose death by SIGABRT and
 * message on stderr the test reads. Without the switch the assertions compile to nothing
 * and the cases are skipped. */
#include "test/unit/testlib.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ip/ip.h"
#include "net/loop.h"
#include "net/socket.h"
#include "net/socket_impl.h"
#include "tcp/tcp_var.h"
#include "test/unit/test_app.h" /* last: it wraps the calls that take the lock */

#ifdef USTACK_DEBUG_LOCK

static struct net_timer timer;

static void timer_fn(struct net_timer *t, void *arg, uint64_t now)
{
	(void)t, (void)arg, (void)now;
}

/* Each reaches one entry that needs the lock. Nothing but the assertion runs: the
 * arguments would not survive the call otherwise. */
static void call_timer_arm(void) { net_timer_arm(&timer, 1); }
static void call_timer_cancel(void) { net_timer_cancel(&timer); }
static void call_timers_run(void) { net_timers_run(0); }
static void call_sock_wakeup(void) { sock_wakeup(NULL); }
static void call_sock_fd_get(void) { (void)sock_fd_get(0); }
static void call_device_input(void) { net_device_input(NULL, NULL, 0); }
static void call_device_xmit(void) { (void)net_device_xmit(NULL, NULL, 0); }
static void call_ip_output(void) { (void)ip_output(IP_PROTO_UDP, NULL, 0, 0, NULL, 0); }
static void call_route_add(void) { (void)ip_route_add(0, 0, 0, NULL); }
static void call_iface_add(void) { (void)ip_iface_add(NULL, 0, 0, 0); }
static void call_tcp_output(void) { (void)tcp_output(NULL, 0); }

/* Runs fn in a child; returns how it ended (waitpid status) and what it wrote to stderr. */
static int run_child(void (*fn)(void), int locked, char *err, size_t cap)
{
	int p[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], 2);
		/* a crash ends the child, not cmocka's handler going on with the tests in it */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		signal(SIGFPE, SIG_DFL);
		signal(SIGILL, SIG_DFL);
		if (locked)
			test_lock();
		else
			test_unlock();
		fn();
		_exit(0);
	}
	close(p[1]);
	while (got + 1 < cap && (n = read(p[0], err + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	err[got] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void expect_abort(void (*fn)(void), int locked, const char *func, const char *what)
{
	char err[1024];
	int status = run_child(fn, locked, err, sizeof(err));

	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
		fail_msg("%s: the child did not abort (status %#x, stderr \"%s\")", func, status, err);
	if (!strstr(err, func) || !strstr(err, what))
		fail_msg("%s: stderr \"%s\" does not name it or say \"%s\"", func, err, what);
}

/* Every entry of the table, called without the lock, aborts and names itself. */
static void test_entry_without_lock_aborts(void **state)
{
	static const struct {
		void (*fn)(void);
		const char *name;
	} entries[] = {
		{ call_timer_arm, "net_timer_arm" },
		{ call_timer_cancel, "net_timer_cancel" },
		{ call_timers_run, "net_timers_run" },
		{ call_sock_wakeup, "sock_wakeup" },
		{ call_sock_fd_get, "sock_fd_get" },
		{ call_device_input, "net_device_input" },
		{ call_device_xmit, "net_device_xmit" },
		{ call_ip_output, "ip_output" },
		{ call_route_add, "ip_route_add" },
		{ call_iface_add, "ip_iface_add" },
		{ call_tcp_output, "tcp_output" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		expect_abort(entries[i].fn, 0, entries[i].name, "must be held");
	test_assert_no_leaks();
}

/* The same calls with the lock held pass the check (the timer ones are harmless to run). */
static void arm_and_cancel(void)
{
	net_timer_init(&timer, timer_fn, NULL);
	net_timer_arm(&timer, 1);
	net_timer_cancel(&timer);
	net_timers_run(0);
	sock_wakeup(NULL);
}

static void test_entry_with_lock_passes(void **state)
{
	char err[1024];
	int status;

	(void)state;
	status = run_child(arm_and_cancel, 1, err, sizeof(err));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_string_equal(err, "");
	test_assert_no_leaks();
}

/* A call that takes the lock, made with it held (from a loop callback, say), aborts in
 * net_lock instead of deadlocking; so does a second net_lock. us_close is wrapped by
 * test_app.h: the raw call is what a callback would make. */
#undef us_close
static void close_locked(void) { (void)us_close(0); }
static void lock_twice(void) { net_lock(); }

static void test_lock_taken_twice_aborts(void **state)
{
	(void)state;
	expect_abort(close_locked, 1, "net_lock", "must not be held");
	expect_abort(lock_twice, 1, "net_lock", "must not be held");
	test_assert_no_leaks();
}

/* A blocking wait lets go of the lock in pthread_cond_timedwait and takes it back: the
 * call returns through net_unlock, which would abort if the wait had left the thread
 * marked as not holding it. While one thread waits, another can take the lock. */
static atomic_int waiting_done;

static void *poll_waiter(void *arg)
{
	(void)arg;
	atomic_store(&waiting_done, us_poll(NULL, 0, 200) + 1);
	return NULL;
}

static void test_cond_wait_keeps_owner(void **state)
{
	pthread_t th;

	(void)state;
	atomic_store(&waiting_done, 0);
	/* in this thread: a 20 ms wait on the poll condition variable (nothing to poll) */
	assert_int_equal(us_poll(NULL, 0, 20), 0);
	assert_true(net_lock_held); /* TEST_APP took it back: the test's own state */
	/* another thread waits 200 ms; this one takes the lock meanwhile */
	test_unlock();
	assert_false(net_lock_held);
	assert_int_equal(pthread_create(&th, NULL, poll_waiter, NULL), 0);
	usleep(50000);
	test_lock();
	assert_true(net_lock_held);
	assert_int_equal(atomic_load(&waiting_done), 0); /* still waiting, the lock let go */
	test_unlock();
	assert_int_equal(pthread_join(th, NULL), 0);
	test_lock();
	assert_int_equal(atomic_load(&waiting_done), 1); /* us_poll returned 0 at its deadline */
	test_assert_no_leaks();
}

#else

static void test_compiled_out(void **state)
{
	(void)state;
	skip(); /* the lock assertions are compiled out: make DEBUG=1 or make san */
}

#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
#ifdef USTACK_DEBUG_LOCK
		cmocka_unit_test(test_entry_without_lock_aborts),
		cmocka_unit_test(test_entry_with_lock_passes),
		cmocka_unit_test(test_lock_taken_twice_aborts),
		cmocka_unit_test(test_cond_wait_keeps_owner),
#else
		cmocka_unit_test(test_compiled_out),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
