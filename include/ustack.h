/* ustack: a user-space TCP/IP stack. This is its one public header.
 *
 * Error convention for the whole API: functions return 0 / a count / a descriptor on
 * success and a negative errno on failure (-EAGAIN, -ECONNRESET...); they never set errno
 * and never raise signals (a send on a connection the peer closed returns -EPIPE; there is
 * no SIGPIPE to suppress). Every prototype's comment says what it returns. */
#ifndef USTACK_H
#define USTACK_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ==== Sockets ==== */

/* BSD-style sockets over the stack's TCP, UDP and ICMP echo (SOCK_DGRAM, IPPROTO_ICMP).
 * Descriptors are the stack's own small integers, not kernel descriptors: pass them only
 * to us_* calls. Addresses are struct sockaddr_in passed as struct sockaddr with their
 * length; a family other than AF_INET is -EAFNOSUPPORT, a length shorter than
 * sizeof(struct sockaddr_in) is -EINVAL. Levels, option names and flags are the system's
 * (SOL_SOCKET, IPPROTO_IP, IPPROTO_TCP, SO_*, IP_*, TCP_*, MSG_*). Every call may be made
 * from any thread; a blocking call waits for the stack's loop (SO_RCVTIMEO/SO_SNDTIMEO
 * bound the wait, then -EAGAIN). */

/* us_poll event bits (same values as poll.h). */
#define US_POLLIN  0x001
#define US_POLLOUT 0x004
#define US_POLLERR 0x008
#define US_POLLHUP 0x010
#define US_POLLNVAL 0x020 /* us_poll: fd is not an open socket */

/* us_socket type flag and us_accept4 flag: the new descriptor is non-blocking. */
#define US_SOCK_NONBLOCK 0x800

/* Opens a socket: domain AF_INET; type SOCK_STREAM or SOCK_DGRAM, optionally or-ed with
 * US_SOCK_NONBLOCK; protocol 0 or IPPROTO_TCP / IPPROTO_UDP / IPPROTO_ICMP (echo).
 * Returns a descriptor, or -EAFNOSUPPORT, -EPROTONOSUPPORT, -EMFILE, -ENOMEM, -ENOBUFS. */
int us_socket(int domain, int type, int protocol);
/* Binds to a local address and port (port 0: one is chosen). Returns 0, or -EBADF,
 * -EINVAL (already bound, addr NULL or short), -EAFNOSUPPORT, -EADDRINUSE,
 * -EADDRNOTAVAIL. */
int us_bind(int fd, const struct sockaddr *addr, socklen_t addrlen);
/* Connects. TCP: a blocking socket waits for the handshake and returns 0 or the failure
 * (-ECONNREFUSED, -ETIMEDOUT...); a non-blocking one returns -EINPROGRESS and the outcome
 * is seen with us_poll (US_POLLOUT) and SO_ERROR. UDP/ICMP: sets the default destination
 * and returns 0 at once; family AF_UNSPEC dissolves it. Returns -EBADF, -EINVAL,
 * -EAFNOSUPPORT, -EALREADY, -EISCONN, -ENETUNREACH as well. */
int us_connect(int fd, const struct sockaddr *addr, socklen_t addrlen);
/* Makes a TCP socket listen. Returns 0, or -EBADF, -EOPNOTSUPP (not TCP), -EINVAL. */
int us_listen(int fd, int backlog);
/* Takes a connection from a listener's queue, waiting if it is blocking. When addr is not
 * NULL the peer's address is stored there, cut to *addrlen bytes, and *addrlen is set to
 * its full length. Returns the new descriptor, or -EAGAIN (non-blocking, none queued),
 * -EBADF, -EINVAL (not listening), -EOPNOTSUPP, -EMFILE. */
int us_accept(int fd, struct sockaddr *addr, socklen_t *addrlen);
/* Sends. TCP: queues what fits in the send buffer and returns that count (a blocking
 * socket waits for room); UDP/ICMP: one datagram. flags: MSG_DONTWAIT. Returns the bytes taken, or -EAGAIN, -EPIPE, -ECONNRESET, -EDESTADDRREQ, -EMSGSIZE,
 * -ENETUNREACH, -EBADF... */
ssize_t us_send(int fd, const void *buf, size_t len, int flags);
/* us_send to dst (dst NULL: the connected peer). Returns as us_send. */
ssize_t us_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *dst,
		  socklen_t dstlen);
/* Receives. A blocking socket waits for data; returns the bytes copied, 0 at a TCP
 * stream's end, or -EAGAIN, -ECONNRESET, -ETIMEDOUT, -EBADF... A datagram longer than len
 * is cut (the rest is lost). */
ssize_t us_recv(int fd, void *buf, size_t len, int flags);
/* us_recv that also stores the sender's address in src (if not NULL), cut to *srclen
 * bytes, and sets *srclen to its full length. Returns as us_recv. */
ssize_t us_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *src,
		    socklen_t *srclen);
/* Shuts down SHUT_RD, SHUT_WR or SHUT_RDWR of a TCP connection. Returns 0, or -EBADF,
 * -EINVAL, -ENOTCONN, -EOPNOTSUPP. */
int us_shutdown(int fd, int how);
/* Closes the descriptor (TCP goes on to send what is queued, then FIN, unless SO_LINGER
 * with 0 s asks for a reset). Returns 0 or -EBADF. */
int us_close(int fd);
/* The local address, cut to *addrlen bytes; *addrlen is set to its full length. Returns 0,
 * or -EBADF, -EFAULT (addr or addrlen NULL). */
int us_getsockname(int fd, struct sockaddr *addr, socklen_t *addrlen);
/* The peer's address, as us_getsockname. Returns 0, or -EBADF, -EFAULT, -ENOTCONN. */
int us_getpeername(int fd, struct sockaddr *addr, socklen_t *addrlen);
/* Sets an option. Returns 0, or -EBADF, -EINVAL (len too short or bad value), -EFAULT,
 * -ENOPROTOOPT (unknown level or name), -ENOENT (TCP_CONGESTION: unknown algorithm). */
int us_setsockopt(int fd, int level, int name, const void *val, socklen_t len);
/* Reads an option into val (at most *len bytes) and sets *len to the bytes stored.
 * Returns 0, or -EBADF, -EINVAL, -EFAULT, -ENOPROTOOPT. */
int us_getsockopt(int fd, int level, int name, void *val, socklen_t *len);
/* Turns non-blocking mode on or off. Returns 0 or -EBADF. */
int us_set_nonblock(int fd, int on);

struct us_pollfd {
	int fd;
	short events;
	short revents;
};
/* Waits until one of fds is ready or timeout_ms passes (-1: forever). Returns the number
 * of ready entries, 0 on timeout, or -EINVAL. */
int us_poll(struct us_pollfd *fds, int n, int timeout_ms);

#ifdef __cplusplus
}
#endif

#endif
