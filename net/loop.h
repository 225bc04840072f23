/* SPDX-License-Identifier: MIT */
/* Event loop and timers.
 *
 * epoll over device fds, a wake-up eventfd and a timerfd; timers in a binary min-heap
 * (O(log n) arm and cancel). For the one thread that runs the loop (its own, or a named
 * driver) the earliest deadline sets the timerfd, only when it moves earlier, so
 * epoll_wait sleeps without a timeout; threads that share the loop (drive_loop, no
 * driver named) keep epoll timeouts. Time is read once per iteration
 * (net_clock_ms) and passed down to every handler and timer as `now`, in milliseconds.
 *
 * Threads: one stack lock. The loop holds it while it handles a batch; application threads
 * take it in socket calls and wait on condition variables tied to it. A program may
 * instead drive the loop from its own thread (net_loop_once, or socket_config.drive_loop
 * with net_loop_set_driver: its waits run the loop, other threads' waits sleep). */
#ifndef NET_LOOP_H
#define NET_LOOP_H

#include "net/perstack.h"
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "net/stats.h"

/* Busy polling (net_loop_set_busy_poll): spins made, spins that found an event, spins
 * that found nothing, and spins cut short because another thread ran on our CPU (each of
 * the last two doubles the sleeps before the next spin). The deadline timer
 * (a timerfd): times it was set for an earlier deadline, times it went off. */
#define LOOP_COUNTERS(X) X(busy_polls) X(busy_poll_hits) X(busy_poll_empty) \
	X(busy_poll_yielded) \
	X(timer_sets) X(timer_fires)
STATS_DECLARE(loop, LOOP_COUNTERS);
#define loop_stats STATS_REF(loop)

struct net_timer;
typedef void (*net_timer_fn)(struct net_timer *t, void *arg, uint64_t now);

struct net_timer {
	uint64_t deadline;  /* ms, on the net_clock_ms scale */
	size_t heap_index;  /* 0 when not armed, else position + 1 */
	net_timer_fn fn;
	void *arg;
};

typedef void (*net_fd_fn)(int fd, uint32_t events, void *arg, uint64_t now);

int net_loop_init(void);
void net_loop_shutdown(void);

/* Watches fd for EPOLLIN (and events); the callback runs in the loop with the lock held. */
int net_loop_add_fd(int fd, uint32_t events, net_fd_fn fn, void *arg);
int net_loop_del_fd(int fd);

/* Runs one iteration: waits at most timeout_ms (or until the next timer, or a wake-up;
 * a deadline that has gone away may end it early), handles ready fds and expired timers.
 * -1 waits without limit. Takes the lock itself. Returns the fd events it handled (the
 * timerfd going off is none), or <0 if the wait failed. */
int net_loop_once(int timeout_ms);
/* Runs until net_loop_stop(); meant for a dedicated thread. */
void net_loop_run(void);
void net_loop_stop(void);
/* Starts net_loop_run in a new thread. */
int net_loop_thread_start(void);
/* Stops and joins the loop thread; 1 if one was running, 0 if not. */
int net_loop_thread_join(void);
/* Spin this many microseconds on a non-blocking poll before sleeping (0: off, the
 * library's default; the ustack commands set 50). Worth it when the peer runs on another
 * CPU; it burns CPU meanwhile, and backs off where spins gain nothing (net_loop_once). */
void net_loop_set_busy_poll(unsigned usec);
unsigned net_loop_busy_poll(void); /* the setting, us (0: off) */
/* Interrupts a sleeping loop (after a timer was armed from another thread, say). */
void net_loop_wakeup(void);
/* Iterations net_loop_once has finished so far (lock held): a caller that drives the loop
 * sees whether the loop has run since it last looked. */
uint64_t net_loop_turns(void);
/* Names the calling thread the one that drives the loop when no loop thread runs
 * (socket_config.drive_loop): its blocking calls and polls run net_loop_once while they
 * wait, while any other thread's wait on a condition variable, woken by the driver's
 * iterations. self 0 names none again: then every waiting thread drives (the library
 * before ustack_start). Takes the lock itself. */
void net_loop_set_driver(int self);
/* Whether the calling thread is the driver, or no driver is named (lock held). */
int net_loop_driver_is_self(void);
/* Whether a driver is named (lock held). Then each iteration's hooks run at the start of the
 * next one, after the driver's round of socket calls: what they flush (TCP's owed ACKs) can
 * ride on that round's answers first. */
int net_loop_driven(void);
/* Work the driver's round left for the hooks (TCP's deferred sends, tcp_output_soon): the
 * next iteration runs them before it waits, as it does after an iteration of its own
 * (lock held; nothing without a driver, whose hooks run after every batch). */
void net_loop_owe_hooks(void);

/* Whether output now waits in the devices' transmit queues (net_device_transmit, lock
 * held): while a loop iteration handles its events, timers and hooks, and in the thread
 * named the driver (net_loop_set_driver) between its iterations, whose next iteration (or
 * poll: sock_poll_drive) flushes them before it waits. Any other thread's output goes out
 * at once. */
int net_loop_tx_deferred(void);

/* Monotonic milliseconds. Tests may freeze it with net_clock_set_fake(). */
uint64_t net_clock_ms(void);
/* The same clock in microseconds (the fake one times 1000), for TCP's RACK and RTT. */
uint64_t net_clock_us(void);
/* And in nanoseconds (the fake one times 1000000), for capture timestamps. */
uint64_t net_clock_ns(void);
void net_clock_set_fake(int on, uint64_t now);

/* Timers. Arm and cancel are idempotent; a timer may re-arm or cancel itself in its fn. */
void net_timer_init(struct net_timer *t, net_timer_fn fn, void *arg);
void net_timer_arm(struct net_timer *t, uint64_t deadline);
void net_timer_cancel(struct net_timer *t);
static inline int net_timer_pending(const struct net_timer *t) { return t->heap_index != 0; }
/* Earliest deadline, or UINT64_MAX. */
uint64_t net_timer_next(void);
/* Runs every timer whose deadline is <= now (used by the loop and by fake-clock tests). */
void net_timers_run(uint64_t now);
size_t net_timers_armed(void);

/* The stack lock. Recursive use is not allowed.
 *
 * Built with USTACK_DEBUG_LOCK (`make DEBUG=1`, and `make san`), each thread remembers
 * whether it holds the lock, and NET_ASSERT_LOCKED() at the top of every entry that needs
 * the lock (protocol and socket ops, timers, device input and transmit, ip_output, route
 * and address changes) aborts with the function's name when the caller does not hold it;
 * NET_ASSERT_UNLOCKED() does the same for calls that take it themselves (net_lock, so every
 * us_* call, and the blocking ones). Without the switch both are empty and the lock is a
 * bare mutex. Condition variables must be waited on with net_cond_wait, which keeps the
 * bookkeeping true while the wait has released the lock. */
PERSTACK_EXTERN(pthread_mutex_t, net_mutex);
#define net_mutex PERSTACK_REF(pthread_mutex_t, net_mutex)
#ifdef USTACK_DEBUG_LOCK
extern __thread int net_lock_held;
/* Reports a violation on stderr and aborts. */
void net_lock_violation(int want_held, const char *func, const char *file, int line)
	__attribute__((noreturn));
#define NET_ASSERT_LOCKED() \
	do { \
		if (!net_lock_held) \
			net_lock_violation(1, __func__, __FILE__, __LINE__); \
	} while (0)
#define NET_ASSERT_UNLOCKED() \
	do { \
		if (net_lock_held) \
			net_lock_violation(0, __func__, __FILE__, __LINE__); \
	} while (0)
#define NET_LOCK_HELD_SET(v) (net_lock_held = (v))
#else
#define NET_ASSERT_LOCKED() ((void)0)
#define NET_ASSERT_UNLOCKED() ((void)0)
#define NET_LOCK_HELD_SET(v) ((void)0)
#endif

static inline void net_lock(void)
{
	NET_ASSERT_UNLOCKED(); /* a second net_lock in one thread would deadlock */
	pthread_mutex_lock(&net_mutex);
	NET_LOCK_HELD_SET(1);
}

static inline void net_unlock(void)
{
	NET_ASSERT_LOCKED();
	NET_LOCK_HELD_SET(0);
	pthread_mutex_unlock(&net_mutex);
}

/* Waits on c with the lock held (released during the wait, held again on return) until
 * *deadline (CLOCK_MONOTONIC or whatever clock c was made with; NULL: no limit). Returns
 * what pthread_cond_(timed)wait returned. */
static inline int net_cond_wait(pthread_cond_t *c, const struct timespec *deadline)
{
	int r;

	NET_ASSERT_LOCKED();
	NET_LOCK_HELD_SET(0);
	r = deadline ? pthread_cond_timedwait(c, &net_mutex, deadline)
		     : pthread_cond_wait(c, &net_mutex);
	NET_LOCK_HELD_SET(1);
	return r;
}

/* Functions to run after each loop iteration's batch (e.g. flushing delayed work); with a
 * driver named, before the next iteration waits (net_loop_driven). */
typedef void (*net_hook_fn)(uint64_t now);
int net_loop_add_hook(net_hook_fn fn);

#endif
