/* SPDX-License-Identifier: MIT */
/* The per-frame system calls, without glibc's cancellation bracket.
 *
 * Once a process has a second thread, glibc wraps each call that POSIX makes a
 * cancellation point (read, write, epoll_wait, ...) in two atomic updates of the calling
 * thread's cancel state. ustack cancels no thread, and a thread cancelled inside a us_*
 * call would end with the stack's lock held, which docs/api.md forbids. On the per-frame
 * path (a read, a write and a wait per frame) that pair took about 6% of the loop
 * thread's user time in a pinned UDP echo. These enter the kernel directly through
 * syscall(), which is no cancellation point; they return -1 with errno set, as the libc
 * calls do. */
#ifndef NET_SYS_H
#define NET_SYS_H

#include <signal.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#ifdef __SANITIZE_ADDRESS__
/* The sanitizer build keeps the libc calls, whose interceptors check the buffers. */
#define sys_read read
#define sys_readv readv
#define sys_write write
#define sys_epoll_wait epoll_wait
#else
static inline ssize_t sys_read(int fd, void *buf, size_t len)
{
	return syscall(SYS_read, fd, buf, len);
}

static inline ssize_t sys_readv(int fd, const struct iovec *iov, int n)
{
	return syscall(SYS_readv, fd, iov, n);
}

static inline ssize_t sys_write(int fd, const void *buf, size_t len)
{
	return syscall(SYS_write, fd, buf, len);
}

/* epoll_pwait with no mask: every architecture has it, where some lack epoll_wait */
static inline int sys_epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout)
{
	return (int)syscall(SYS_epoll_pwait, epfd, evs, max, timeout, NULL, _NSIG / 8);
}
#endif

#endif
