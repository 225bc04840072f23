/* SPDX-License-Identifier: MIT */
#include "net/perstack.h"
#include "net/loop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "net/log.h"
#include "net/netdev.h"
#include "net/sys.h"

PERSTACK_VAR_INIT(pthread_mutex_t, net_mutex, PTHREAD_MUTEX_INITIALIZER)

#ifdef USTACK_DEBUG_LOCK
__thread int net_lock_held;

void net_lock_violation(int want_held, const char *func, const char *file, int line)
{
	/* straight to stderr: the logger may be what was called without the lock */
	fprintf(stderr, "%s:%d: %s: the stack lock must %sbe held here\n", file, line, func,
		want_held ? "" : "not ");
	abort();
}
#endif

STATS_DEFINE(loop, LOOP_COUNTERS)

/* ---- clock ---- */

static int clock_fake;
static uint64_t clock_fake_now;

uint64_t net_clock_ms(void)
{
	struct timespec ts;

	if (clock_fake)
		return clock_fake_now;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t net_clock_us(void)
{
	struct timespec ts;

	if (clock_fake)
		return clock_fake_now * 1000u;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t net_clock_ns(void)
{
	struct timespec ts;

	if (clock_fake)
		return clock_fake_now * 1000000u;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void net_clock_set_fake(int on, uint64_t now)
{
	clock_fake = on;
	clock_fake_now = now;
}

/* ---- timer heap ---- */

PERSTACK_STATIC(struct net_timer **, heap)
#define heap PERSTACK_REF(struct net_timer **, heap)
PERSTACK_STATIC(size_t, heap_len)
#define heap_len PERSTACK_REF(size_t, heap_len)
PERSTACK_STATIC(size_t, heap_cap)
#define heap_cap PERSTACK_REF(size_t, heap_cap)

static void heap_set(size_t i, struct net_timer *t)
{
	heap[i] = t;
	t->heap_index = i + 1;
}

static void heap_up(size_t i)
{
	struct net_timer *t = heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (heap[parent]->deadline <= t->deadline)
			break;
		heap_set(i, heap[parent]);
		i = parent;
	}
	heap_set(i, t);
}

static void heap_down(size_t i)
{
	struct net_timer *t = heap[i];

	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		uint64_t best = t->deadline;
		if (l < heap_len && heap[l]->deadline < best) {
			m = l;
			best = heap[l]->deadline;
		}
		if (r < heap_len && heap[r]->deadline < best)
			m = r;
		if (m == i)
			break;
		heap_set(i, heap[m]);
		i = m;
	}
	heap_set(i, t);
}

void net_timer_init(struct net_timer *t, net_timer_fn fn, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->arg = arg;
}

void net_timer_cancel(struct net_timer *t)
{
	size_t i;

	NET_ASSERT_LOCKED();
	if (!t->heap_index)
		return;
	i = t->heap_index - 1;
	t->heap_index = 0;
	heap_len--;
	if (i == heap_len)
		return;
	heap_set(i, heap[heap_len]);
	if (i > 0 && heap[(i - 1) / 2]->deadline > heap[i]->deadline)
		heap_up(i);
	else
		heap_down(i);
}

/* Set under the lock from the moment a loop iteration has chosen its deadline until
 * it takes the lock back: only then can an earlier timer need a wake-up. Whoever drives
 * the loop (its thread, or a program with socket_config.drive_loop) and arms a timer from
 * a callback or between iterations recomputes the timeout anyway, so it saves the eventfd
 * write and the spurious wake-up that follows. */
PERSTACK_STATIC(int, loop_waiting)
#define loop_waiting PERSTACK_REF(int, loop_waiting)

void net_timer_arm(struct net_timer *t, uint64_t deadline)
{
	NET_ASSERT_LOCKED();
	uint64_t before = net_timer_next();

	net_timer_cancel(t);
	if (heap_len == heap_cap) {
		size_t ncap = heap_cap ? heap_cap * 2 : 64;
		struct net_timer **n = realloc(heap, ncap * sizeof(*n));
		if (!n) {
			errorf("out of memory for timers");
			abort(); /* a timer that silently never fires would hang a connection */
		}
		heap = n;
		heap_cap = ncap;
	}
	t->deadline = deadline;
	heap_set(heap_len, t);
	heap_len++;
	heap_up(heap_len - 1);
	if (deadline < before && loop_waiting)
		net_loop_wakeup();
}

uint64_t net_timer_next(void)
{
	return heap_len ? heap[0]->deadline : UINT64_MAX;
}

size_t net_timers_armed(void)
{
	return heap_len;
}

void net_timers_run(uint64_t now)
{
	/* Bounded: a timer re-armed for `now` or earlier waits for the next call. */
	size_t budget = heap_len;

	NET_ASSERT_LOCKED();
	while (heap_len && heap[0]->deadline <= now && budget--) {
		struct net_timer *t = heap[0];
		net_timer_cancel(t);
		t->fn(t, t->arg, now);
	}
}

/* ---- epoll loop ---- */

#define LOOP_MAX_FDS 64
#define LOOP_MAX_HOOKS 16
/* Busy polling: the most sleeps between two spins after spins that gained nothing. A
 * peer pinned to our CPU makes every spin one that gained nothing (it cannot run while we
 * spin), so this bounds what spinning costs it: one spin in so many waits. */
#define LOOP_SPIN_BACKOFF_MAX 4096

struct fd_watch {
	int fd;
	net_fd_fn fn;
	void *arg;
};

PERSTACK_STATIC_INIT(int, epfd, -1)
#define epfd PERSTACK_REF(int, epfd)
PERSTACK_STATIC_INIT(int, wakefd, -1)
#define wakefd PERSTACK_REF(int, wakefd)
/* The wake-up for deadlines: an absolute CLOCK_MONOTONIC timerfd in the epoll set, set for
 * tfd_due (ms) and reset only when a wait needs an earlier one, so that epoll_wait itself
 * sleeps without a timeout. An epoll timeout would start and cancel a kernel timer in every
 * sleep (two lock round trips with interrupts off, and the clock read to turn ms into a
 * deadline: 1-2% of a flood ping's round trip, pinned). A deadline that went away (a timer
 * cancelled, a call that returned) just wakes the loop once for nothing. It serves one
 * sleeper: the thread of net_loop_run or the named driver (loop_sole_runner). With
 * socket_config.drive_loop and no driver named every blocked thread runs the loop, and
 * one that took the timerfd's expiry would leave another asleep past its deadline: those
 * waits keep epoll timeouts. */
PERSTACK_STATIC_INIT(int, tfd, -1)
#define tfd PERSTACK_REF(int, tfd)
PERSTACK_STATIC_INIT(uint64_t, tfd_due, UINT64_MAX) /* UINT64_MAX: not set, or fired */
#define tfd_due PERSTACK_REF(uint64_t, tfd_due)
static char tfd_mark; /* the timerfd's epoll data (the wake-up fd's is NULL) */
PERSTACK_STATIC(struct fd_watch[LOOP_MAX_FDS], watches)
#define watches PERSTACK_REF(struct fd_watch[LOOP_MAX_FDS], watches)
PERSTACK_STATIC(net_hook_fn[LOOP_MAX_HOOKS], hooks)
#define hooks PERSTACK_REF(net_hook_fn[LOOP_MAX_HOOKS], hooks)
PERSTACK_STATIC(size_t, nhooks)
#define nhooks PERSTACK_REF(size_t, nhooks)
PERSTACK_STATIC(volatile int, loop_stop)
#define loop_stop PERSTACK_REF(volatile int, loop_stop)
PERSTACK_STATIC(unsigned, busy_poll_us) /* 0: sleep at once (the default) */
#define busy_poll_us PERSTACK_REF(unsigned, busy_poll_us)
PERSTACK_STATIC(unsigned, busy_backoff) /* see net_loop_once */
#define busy_backoff PERSTACK_REF(unsigned, busy_backoff)
PERSTACK_STATIC(unsigned, busy_skip)
#define busy_skip PERSTACK_REF(unsigned, busy_skip)
PERSTACK_STATIC(pthread_t, loop_thread)
#define loop_thread PERSTACK_REF(pthread_t, loop_thread)
PERSTACK_STATIC(int, loop_thread_running)
#define loop_thread_running PERSTACK_REF(int, loop_thread_running)
PERSTACK_STATIC(pthread_t, loop_driver)
#define loop_driver PERSTACK_REF(pthread_t, loop_driver)
PERSTACK_STATIC(int, loop_driver_set)
#define loop_driver_set PERSTACK_REF(int, loop_driver_set)
PERSTACK_STATIC(uint64_t, loop_turns)
#define loop_turns PERSTACK_REF(uint64_t, loop_turns)
PERSTACK_STATIC(int, hooks_owed) /* driven iterations that left their hooks for later */
#define hooks_owed PERSTACK_REF(int, hooks_owed)
PERSTACK_STATIC(int, in_round) /* an iteration handles its events (lock held throughout) */
#define in_round PERSTACK_REF(int, in_round)
PERSTACK_STATIC(int, loop_running) /* net_loop_run is on, in loop_runner */
#define loop_running PERSTACK_REF(int, loop_running)
PERSTACK_STATIC(pthread_t, loop_runner)
#define loop_runner PERSTACK_REF(pthread_t, loop_runner)

static void hooks_run(uint64_t now)
{
	hooks_owed = 0;
	for (size_t i = 0; i < nhooks; i++)
		hooks[i](now);
}

int net_loop_init(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int err;

	if (epfd >= 0)
		return 0;
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return -errno;
	wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (wakefd < 0)
		goto fail;
	ev.data.ptr = NULL; /* NULL marks the wake-up fd */
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, wakefd, &ev) < 0)
		goto fail;
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tfd < 0)
		goto fail;
	ev.data.ptr = &tfd_mark;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev) < 0)
		goto fail;
	tfd_due = UINT64_MAX;
	loop_stop = 0;
	return 0;
fail:
	/* all or nothing: a loop without its wake-up fds would sleep through wake-ups and
	 * deadlines, and a later call must not mistake the epoll fd left behind for a
	 * finished init */
	err = -errno;
	close(epfd);
	if (wakefd >= 0)
		close(wakefd);
	if (tfd >= 0)
		close(tfd);
	epfd = wakefd = tfd = -1;
	return err;
}

void net_loop_shutdown(void)
{
	if (epfd >= 0)
		close(epfd);
	if (wakefd >= 0)
		close(wakefd);
	if (tfd >= 0)
		close(tfd);
	epfd = wakefd = tfd = -1;
	tfd_due = UINT64_MAX;
	memset(watches, 0, sizeof(watches));
	nhooks = 0;
	hooks_owed = 0;
	free(heap);
	heap = NULL;
	heap_len = heap_cap = 0;
}

int net_loop_add_fd(int fd, uint32_t events, net_fd_fn fn, void *arg)
{
	struct epoll_event ev = { .events = events };

	for (size_t i = 0; i < LOOP_MAX_FDS; i++) {
		if (watches[i].fn)
			continue;
		watches[i] = (struct fd_watch){ fd, fn, arg };
		ev.data.ptr = &watches[i];
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			int err = -errno;
			watches[i].fn = NULL;
			return err;
		}
		return 0;
	}
	return -ENOSPC;
}

int net_loop_del_fd(int fd)
{
	for (size_t i = 0; i < LOOP_MAX_FDS; i++) {
		if (watches[i].fn && watches[i].fd == fd) {
			epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
			watches[i].fn = NULL;
			return 0;
		}
	}
	return -ENOENT;
}

int net_loop_add_hook(net_hook_fn fn)
{
	for (size_t i = 0; i < nhooks; i++)
		if (hooks[i] == fn)
			return 0; /* a layer initialised again (tests) registers once */
	if (nhooks == LOOP_MAX_HOOKS)
		return -ENOSPC;
	hooks[nhooks++] = fn;
	return 0;
}

void net_loop_wakeup(void)
{
	uint64_t one = 1;

	if (wakefd >= 0 && write(wakefd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		warnf("wake-up write failed: %s", strerror(errno));
}

/* Set before the loop runs (ustack_create's configuration) or by the thread that runs
 * it: the loop reads the setting without the lock. */
void net_loop_set_busy_poll(unsigned usec)
{
	busy_poll_us = usec;
	busy_backoff = busy_skip = 0; /* a new setting starts by spinning */
}

unsigned net_loop_busy_poll(void)
{
	return busy_poll_us;
}

/* How a busy-poll spin ended (loop_busy_poll). */
enum spin_end {
	SPIN_READY,   /* the first poll found events: nothing was spun */
	SPIN_HIT,     /* an event came while we spun */
	SPIN_EMPTY,   /* nothing came in the time given */
	SPIN_YIELDED, /* another thread ran on our CPU meanwhile */
};

/* Polls without sleeping for up to usec. On a VM a sleep and the wake-up that ends it cost
 * a halt and an interrupt, which dominates a ping-pong when the peer runs on the other
 * vCPU; spinning a little keeps the loop awake for the answer (docs/architecture.md).
 * A spin that was preempted (the thread's involuntary context switches moved) ends at
 * once: another thread wanted our CPU, perhaps the very peer we wait for, which cannot
 * answer while we spin. (Yielding between polls would let such a peer run sooner, but
 * each sched_yield pushes our own next turn back a whole slice, which cost a pinned UDP
 * echo 7%.) Returns what epoll_wait returned last (0 if nothing came), *end how the spin
 * ended and *spent_ms how long it took. */
static int loop_busy_poll(struct epoll_event *evs, unsigned usec, enum spin_end *end,
			  unsigned *spent_ms)
{
	struct timespec t0, t;
	struct rusage ru;
	long switched = 0;
	long long spent = 0;
	int n, watch;

	*end = SPIN_READY;
	n = sys_epoll_wait(epfd, evs, LOOP_MAX_FDS, 0);
	if (n == 0) {
		/* without getrusage (a sandbox may refuse it) the spin goes on unwatched */
		watch = getrusage(RUSAGE_THREAD, &ru) == 0;
		if (watch)
			switched = ru.ru_nivcsw;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do { /* SPIN_READY here: still spinning */
			n = sys_epoll_wait(epfd, evs, LOOP_MAX_FDS, 0);
			clock_gettime(CLOCK_MONOTONIC, &t);
			spent = (long long)(t.tv_sec - t0.tv_sec) * 1000000LL +
				(t.tv_nsec - t0.tv_nsec) / 1000;
			if (n < 0)
				*end = SPIN_EMPTY; /* the caller sees the error */
			/* what came while another thread had the CPU is no catch of the spin's */
			else if (watch &&
				 (getrusage(RUSAGE_THREAD, &ru) < 0 || ru.ru_nivcsw != switched))
				*end = SPIN_YIELDED;
			else if (n > 0)
				*end = SPIN_HIT;
			else if (spent >= (long long)usec)
				*end = SPIN_EMPTY;
		} while (*end == SPIN_READY);
	}
	*spent_ms = (unsigned)(spent / 1000);
	return n;
}

/* Is the calling thread the only one that can be running the loop now? Lock held. */
static int loop_sole_runner(void)
{
	pthread_t self = pthread_self();

	return (loop_running && pthread_equal(loop_runner, self)) ||
	       (loop_driver_set && pthread_equal(loop_driver, self));
}

/* Turns a wait of `wait` ms (-1: none) from now, with the earliest timer at next, into
 * how long to sleep: *until_ms gets the ms to the deadline (-1: none; what bounds a busy
 * poll). Returns the epoll timeout: 0 if something is due already, -1 when the timerfd
 * covers the deadline (a sole runner, a real clock), else *until_ms. Lock held. */
static int loop_deadline(uint64_t now, uint64_t next, int wait, int *until_ms)
{
	uint64_t due = next;

	*until_ms = 0;
	if (wait == 0)
		return 0;
	if (wait > 0 && now + (uint64_t)wait < due)
		due = now + (uint64_t)wait;
	if (due == UINT64_MAX) {
		*until_ms = -1;
		return -1;
	}
	if (due <= now)
		return 0;
	*until_ms = (int)(due - now > 60000 ? 60000 : due - now);
	if (!clock_fake && tfd >= 0 && loop_sole_runner()) {
		struct itimerspec its = { .it_value = { .tv_sec = (time_t)(due / 1000),
							.tv_nsec = (long)(due % 1000) * 1000000L } };

		if (due >= tfd_due)
			return -1; /* it goes off earlier anyway */
		if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) == 0) {
			tfd_due = due;
			STAT_INC(loop, timer_sets);
			return -1;
		}
	}
	return *until_ms;
}

/* Did the spin find something other than the timerfd going off? */
static int loop_events_real(const struct epoll_event *evs, int n)
{
	for (int i = 0; i < n; i++)
		if (evs[i].data.ptr != &tfd_mark)
			return 1;
	return 0;
}

int net_loop_once(int timeout_ms)
{
	struct epoll_event evs[LOOP_MAX_FDS];
	uint64_t now, next;
	int n, wait = timeout_ms, until = 0, timer_woke = 0;
	enum spin_end end = SPIN_READY; /* SPIN_READY: no spin */
	unsigned spin_us = 0;

	net_lock();
	now = net_clock_ms();
	/* Owed hooks run before a wait, or at the latest two iterations after they were owed:
	 * an iteration that does not wait (a driver's turn between busy rounds) may come
	 * before the round that answers what the last one brought. */
	if (hooks_owed && (timeout_ms != 0 || hooks_owed > 1))
		hooks_run(now);
	/* What the last round (and a driver's socket calls since) queued leaves before the
	 * wait: a batch per device. */
	net_device_tx_flush_all();
	next = net_timer_next();
	wait = loop_deadline(now, next, timeout_ms, &until);
	loop_waiting = wait != 0;
	/* A spin no longer than the deadline (the timerfd going off in it would otherwise
	 * pass for a hit), unless the spins lately gained nothing (see below). */
	if (busy_poll_us && wait != 0) {
		if (busy_skip)
			busy_skip--;
		else if (until < 0 || (unsigned)until * 1000u >= busy_poll_us)
			spin_us = busy_poll_us;
		else
			spin_us = (unsigned)until * 1000u;
	}
	net_unlock();

	n = 0;
	if (spin_us) {
		unsigned spent;

		n = loop_busy_poll(evs, spin_us, &end, &spent);
		if (end == SPIN_HIT && !loop_events_real(evs, n))
			end = SPIN_EMPTY; /* the timerfd alone */
		/* an epoll timeout counts from now: take off what the spin (or the thread that
		 * preempted it) took */
		if (n == 0 && wait > 0)
			wait = (unsigned)wait > spent ? wait - (int)spent : 0;
	}
	if (n == 0)
		n = sys_epoll_wait(epfd, evs, LOOP_MAX_FDS, wait);
	if (n < 0 && errno != EINTR) {
		int err = -errno;
		net_lock();
		loop_waiting = 0;
		net_unlock();
		return err;
	}

	net_lock();
	loop_waiting = 0;
	in_round = 1;
	/* A spin that found nothing was pure loss, and so is one that another thread cut
	 * short: a peer that shares our CPU cannot answer while we spin, and what it sends
	 * then would have woken us anyway. So each such spin doubles the number of sleeps
	 * before the next try (up to LOOP_SPIN_BACKOFF_MAX); a spin that catches a frame makes
	 * the next wait spin again. Events there before the spin say nothing either way. */
	if (end != SPIN_READY) {
		STAT_INC(loop, busy_polls);
		if (end == SPIN_HIT) {
			STAT_INC(loop, busy_poll_hits);
			busy_backoff = 0;
		} else {
			if (end == SPIN_YIELDED)
				STAT_INC(loop, busy_poll_yielded);
			else
				STAT_INC(loop, busy_poll_empty);
			busy_backoff = busy_backoff ? busy_backoff * 2 : 1;
			if (busy_backoff > LOOP_SPIN_BACKOFF_MAX)
				busy_backoff = LOOP_SPIN_BACKOFF_MAX;
		}
		busy_skip = busy_backoff;
	}
	now = net_clock_ms();
	for (int i = 0; i < n; i++) {
		struct fd_watch *w = evs[i].data.ptr;
		if (!w) {
			uint64_t v;
			if (read(wakefd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				warnf("wake-up read failed: %s", strerror(errno));
			continue;
		}
		if (evs[i].data.ptr == &tfd_mark) {
			uint64_t v;
			if (read(tfd, &v, sizeof(v)) == (ssize_t)sizeof(v)) {
				tfd_due = UINT64_MAX; /* it went off: the next wait sets it again */
				STAT_INC(loop, timer_fires);
			} else if (errno != EAGAIN) {
				warnf("timer read failed: %s", strerror(errno));
			}
			timer_woke = 1; /* a timeout, as an epoll timeout was: not an event */
			continue;
		}
		if (w->fn)
			w->fn(w->fd, evs[i].events, w->arg, now);
	}
	net_timers_run(now);
	/* With a driver, its round of socket calls comes between this iteration and the next,
	 * and the hooks wait for it: the ACKs they would send now ride on its answers. */
	if (loop_driver_set)
		hooks_owed++;
	else
		hooks_run(now);
	in_round = 0;
	/* The driver's round of socket calls adds its answers to the queues; anyone else's
	 * output goes out now, before the lock is free. */
	if (!net_loop_tx_deferred())
		net_device_tx_flush_all();
	loop_turns++;
	net_unlock();
	return n < 0 ? 0 : n - timer_woke;
}

uint64_t net_loop_turns(void)
{
	NET_ASSERT_LOCKED();
	return loop_turns;
}

void net_loop_set_driver(int self)
{
	net_lock();
	loop_driver = pthread_self();
	loop_driver_set = self;
	if (!self && hooks_owed)
		hooks_run(net_clock_ms());
	if (!self)
		net_device_tx_flush_all();
	net_unlock();
}

void net_loop_owe_hooks(void)
{
	NET_ASSERT_LOCKED();
	if (loop_driver_set && !hooks_owed)
		hooks_owed = 1;
}

int net_loop_tx_deferred(void)
{
	NET_ASSERT_LOCKED();
	return in_round || (loop_driver_set && pthread_equal(loop_driver, pthread_self()));
}

int net_loop_driven(void)
{
	NET_ASSERT_LOCKED();
	return loop_driver_set;
}

int net_loop_driver_is_self(void)
{
	NET_ASSERT_LOCKED();
	return !loop_driver_set || pthread_equal(loop_driver, pthread_self());
}

void net_loop_run(void)
{
	net_lock();
	loop_runner = pthread_self();
	loop_running = 1;
	net_unlock();
	while (!loop_stop)
		if (net_loop_once(-1) < 0)
			break;
	net_lock();
	loop_running = 0;
	net_unlock();
}

void net_loop_stop(void)
{
	loop_stop = 1;
	net_loop_wakeup();
}

static void *loop_main(void *arg)
{
	ustack_cur_arena = arg; /* the loop thread of a stack has that stack current */
	net_loop_run();
	return NULL;
}

int net_loop_thread_start(void)
{
	int err;

	loop_stop = 0;
	err = pthread_create(&loop_thread, NULL, loop_main, ustack_cur_arena);
	if (err)
		return -err;
	loop_thread_running = 1;
	return 0;
}

int net_loop_thread_join(void)
{
	if (!loop_thread_running)
		return 0;
	net_loop_stop();
	pthread_join(loop_thread, NULL);
	loop_thread_running = 0;
	return 1;
}
