/* ustack: a user-space TCP/IP stack. This is its public interface, the only header a
 * program includes (`#include <ustack.h>`, flags from `pkg-config --cflags --libs ustack`).
 *
 * Error convention for the whole API: functions return 0, a count or a descriptor on
 * success and a negative errno on failure (-EAGAIN, -ECONNRESET, ...). They never set errno
 * and never raise signals. Every prototype's comment says what it returns. */
#ifndef USTACK_H
#define USTACK_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ==== Readiness ==== */

/* A readiness set, in the manner of epoll: sockets are added once with the events wanted,
 * and the stack itself queues a member on the set's ready list when its readiness changes
 * (data, room to send, a connection to accept, an error, end of file), so a wait costs the
 * number of ready members, not the number watched. A set is an ustack descriptor: close
 * it with us_close(). A closed socket leaves every set it was in.
 *
 * us_epoll_fd() gives a kernel descriptor that is readable while the set has members on
 * its ready list, so a program can wait on ustack sockets and kernel descriptors (stdin, a
 * pipe, a kernel socket) in one poll/select/epoll of its own, then call us_epoll_wait()
 * with timeout 0.
 *
 * Event bits: the US_POLL* values (US_EPOLLIN == US_POLLIN and so on). US_EPOLLERR and
 * US_EPOLLHUP are always reported, asked for or not. */
#define US_EPOLLIN      0x001u
#define US_EPOLLOUT     0x004u
#define US_EPOLLERR     0x008u
#define US_EPOLLHUP     0x010u
/* Oneshot: after one report the member is disarmed (it stays in the set, reports nothing)
 * until US_EPOLL_CTL_MOD arms it again. */
#define US_EPOLLONESHOT (1u << 30)
/* Edge-triggered: reported once per change the stack announces (new data, new room, ...),
 * so read or write until -EAGAIN before waiting again. Without it the member is
 * level-triggered: reported by every wait for as long as it stays ready. */
#define US_EPOLLET      (1u << 31)

#define US_EPOLL_CTL_ADD 1
#define US_EPOLL_CTL_DEL 2
#define US_EPOLL_CTL_MOD 3

typedef union us_epoll_data {
	void *ptr;
	int fd;
	uint32_t u32;
	uint64_t u64;
} us_epoll_data_t;

struct us_epoll_event {
	uint32_t events;      /* ctl: wanted (US_EPOLL* | US_EPOLLET | US_EPOLLONESHOT);
			       * wait: what is ready */
	us_epoll_data_t data; /* the caller's, returned as given */
};

/* Creates an empty set. Returns its descriptor (an ustack descriptor, counted against
 * the descriptor limit), or -EMFILE / -ENOMEM. */
int us_epoll_create(void);

/* Adds (US_EPOLL_CTL_ADD), changes (MOD) or removes (DEL) socket fd in set epfd; ev is
 * ignored for DEL. A socket already ready when added or changed is queued at once.
 * Returns 0, -EBADF (epfd or fd not open), -EINVAL (epfd is not a set, fd is a set, bad
 * op), -EEXIST (ADD of a member), -ENOENT (MOD/DEL of a non-member), -EFAULT (ev NULL),
 * -ENOSPC (the set holds socket_config.max_sockets members) or -ENOMEM. */
int us_epoll_ctl(int epfd, int op, int fd, const struct us_epoll_event *ev);

/* Waits until a member of epfd is ready or timeout_ms passes (-1: forever, 0: do not
 * wait), then fills up to max entries of out. Each reported member's readiness is read
 * again at this moment, so a member that is no longer ready is not reported. Blocks like
 * us_poll (or runs the loop in a program that drives it). Returns the number of entries,
 * 0 on timeout, -EBADF (epfd not open, or closed meanwhile), -EINVAL (not a set, max < 1,
 * out NULL). */
int us_epoll_wait(int epfd, struct us_epoll_event *out, int max, int timeout_ms);

/* A kernel descriptor (an eventfd) that is readable while epfd has members on its ready
 * list; the first call creates it. It belongs to the set: do not read or close it; it is
 * closed with the set. It can stay readable after the program consumed what a
 * level-triggered member reported, until the next us_epoll_wait (which then returns 0 and
 * clears it). The stack's loop thread fills it: a program that drives the loop itself
 * waits in us_epoll_wait instead. Returns the descriptor, -EBADF, -EINVAL (epfd is not a
 * set), or the kernel's error from eventfd(2). */
int us_epoll_fd(int epfd);

#ifdef __cplusplus
}
#endif

#endif
