/* Event loop and timers.
 *
 * epoll over device fds and a wake-up eventfd; timers in a binary min-heap (O(log n) arm and
 * cancel) whose earliest deadline sets the epoll timeout. Time is read once per iteration
 * (net_clock_ms) and passed down to every handler and timer as `now`, in milliseconds.
 *
 * Threads: one stack lock. The loop holds it while it handles a batch; application threads
 * take it in socket calls and wait on condition variables tied to it. A single-threaded
 * program may instead call net_loop_once() itself. */
#ifndef NET_LOOP_H
#define NET_LOOP_H

#include <pthread.h>
#include <stdint.h>

#include "net/stats.h"

/* Busy polling (net_loop_set_busy_poll): spins made, spins that found an event, and spins
 * that found nothing (each doubles the sleeps before the next spin). */
#define LOOP_COUNTERS(X) X(busy_polls) X(busy_poll_hits) X(busy_poll_empty)
STATS_DECLARE(loop, LOOP_COUNTERS);

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

/* Runs one iteration: waits at most timeout_ms (or until the next timer, or a wake-up),
 * handles ready fds and expired timers. -1 waits without limit. Takes the lock itself. */
int net_loop_once(int timeout_ms);
/* Runs until net_loop_stop(); meant for a dedicated thread. */
void net_loop_run(void);
void net_loop_stop(void);
/* Starts net_loop_run in a new thread. */
int net_loop_thread_start(void);
/* Stops and joins the loop thread; 1 if one was running, 0 if not. */
int net_loop_thread_join(void);
/* Spin this many microseconds on a non-blocking poll before sleeping (0: off, the
 * default). Worth it when the peer runs on another CPU; it burns that CPU meanwhile. */
void net_loop_set_busy_poll(unsigned usec);
/* Interrupts a sleeping loop (after a timer was armed from another thread, say). */
void net_loop_wakeup(void);

/* Monotonic milliseconds. Tests may freeze it with net_clock_set_fake(). */
uint64_t net_clock_ms(void);
/* The same clock in microseconds (the fake one times 1000), for TCP's RACK and RTT. */
uint64_t net_clock_us(void);
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

/* The stack lock. Recursive use is not allowed. */
extern pthread_mutex_t net_mutex;
static inline void net_lock(void) { pthread_mutex_lock(&net_mutex); }
static inline void net_unlock(void) { pthread_mutex_unlock(&net_mutex); }

/* Functions to run after each loop iteration's batch (e.g. flushing delayed work). */
typedef void (*net_hook_fn)(uint64_t now);
int net_loop_add_hook(net_hook_fn fn);

#endif
