/* SPDX-License-Identifier: MIT */
/* The data calls of libustack-preload.so: on a ustack UDP socket every send and receive
 * call carries the datagram behind its peer header (preload/proto.h); on a ustack TCP
 * socket a read of 0 asks the host once whether an error ended the connection, and a
 * destination given to sendto or sendmsg is ignored, as the kernel's TCP does. Every
 * other descriptor goes straight to the kernel's call (one array lookup first). */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "preload/preload_int.h"

#define IOV_LIM 64                  /* iovec elements of a datagram call */

REAL(int, ioctl, int, unsigned long, void *)
REAL(ssize_t, read, int, void *, size_t)
REAL(ssize_t, write, int, const void *, size_t)
REAL(ssize_t, readv, int, const struct iovec *, int)
REAL(ssize_t, writev, int, const struct iovec *, int)
REAL(ssize_t, recv, int, void *, size_t, int)
REAL(ssize_t, recvfrom, int, void *, size_t, int, struct sockaddr *, socklen_t *)
REAL(ssize_t, recvmsg, int, struct msghdr *, int)
REAL(ssize_t, send, int, const void *, size_t, int)
REAL(ssize_t, sendto, int, const void *, size_t, int, const struct sockaddr *, socklen_t)
REAL(ssize_t, sendmsg, int, const struct msghdr *, int)

/* ---- the end of a TCP stream ---- */

/* A read of 0 on a ustack TCP socket: the end of the stream, or the connection ended
 * with an error, which the host gives once (ECONNRESET, ETIMEDOUT...). */
static ssize_t stream_eof(int fd)
{
	struct pl_msg m = { .op = PL_OP_ERROR };
	int rc;

	if (fd_kind_ino(fd, &m.ino) != PL_KIND_STREAM || fd >= FD_CACHE_MAX ||
	    fd_cache[fd].eof_asked)
		return 0;
	fd_cache[fd].eof_asked = 1;
	rc = rpc(&m, -1, NULL);
	return rc < 0 && rc != -ENETDOWN ? fail(rc) : 0;
}

/* ---- datagrams ---- */

/* fd is a ustack UDP socket: a cached answer checked against the inode (a descriptor may
 * have been closed and reused by a path that is not intercepted). */
static int is_dgram(int fd)
{
	if (fd < 0)
		return 0;
	if (fd < FD_CACHE_MAX && fd_cache[fd].known) {
		if (fd_cache[fd].kind != PL_KIND_DGRAM)
			return 0;
		if (fd_ino(fd) == fd_cache[fd].ino)
			return 1;
		fd_forget(fd);
	}
	return fd_kind(fd) == PL_KIND_DGRAM;
}

/* The error the host put first in fd's queue (taken off it), or 0. */
static int dgram_take_err(int fd)
{
	uint8_t b[PL_DGRAM_HDR];
	ssize_t n = get_recv()(fd, b, sizeof(b), MSG_PEEK | MSG_DONTWAIT);
	int err = n > 0 ? pl_dgram_err_decode(b, (size_t)n) : 0;

	if (err)
		get_recv()(fd, b, sizeof(b), MSG_DONTWAIT);
	return err;
}

/* The destination of a datagram sent on a socket of family, into *to (AF_UNSPEC when the
 * call names none: the connected peer). An AF_INET one on an AF_INET6 socket is taken in
 * its IPv4-mapped form, as Linux does. 0, or -EAFNOSUPPORT, -EINVAL (short, port 0). */
static int dgram_dest(const struct msghdr *msg, int family, struct sockaddr_storage *to)
{
	sa_family_t f;
	in_port_t port;

	memset(to, 0, sizeof(*to));
	to->ss_family = AF_UNSPEC;
	if (!msg->msg_name)
		return 0;
	if (msg->msg_namelen < sizeof(sa_family_t))
		return -EINVAL;
	memcpy(&f, msg->msg_name, sizeof(f));
	if (f == AF_INET) {
		struct sockaddr_in sin;

		if (msg->msg_namelen < sizeof(sin))
			return -EINVAL;
		memcpy(&sin, msg->msg_name, sizeof(sin));
		if (family == AF_INET6)
			pl_sockaddr_map(&sin, (struct sockaddr_in6 *)to);
		else
			memcpy(to, &sin, sizeof(sin));
		port = sin.sin_port;
	} else if (f == AF_INET6 && family == AF_INET6) {
		struct sockaddr_in6 sin6 = { 0 };

		if (msg->msg_namelen < 24) /* without sin6_scope_id, as Linux takes it */
			return -EINVAL;
		memcpy(&sin6, msg->msg_name,
		       msg->msg_namelen < sizeof(sin6) ? msg->msg_namelen : sizeof(sin6));
		memcpy(to, &sin6, sizeof(sin6));
		port = sin6.sin6_port;
	} else {
		return -EAFNOSUPPORT;
	}
	return port ? 0 : -EINVAL;
}

static ssize_t dgram_send(int fd, const struct msghdr *msg, int flags)
{
	uint8_t hdr[PL_DGRAM_HDR];
	struct iovec iov[IOV_LIM + 1];
	struct msghdr mh = { .msg_iov = iov };
	struct sockaddr_storage to;
	ssize_t n;
	int rc, family;

	if (msg->msg_iovlen > IOV_LIM)
		return fail(-EMSGSIZE);
	if (msg->msg_controllen) {
		warn_once(W_FLAGS, "sendmsg with ancillary data on a UDP socket: not supported "
			  "(EOPNOTSUPP)");
		return fail(-EOPNOTSUPP);
	}
	/* the family only matters with a destination; is_dgram has just checked the cache */
	family = !msg->msg_name ? 0 : fd < FD_CACHE_MAX && fd_cache[fd].known ?
		 fd_cache[fd].family : fd_family(fd);
	if ((rc = dgram_dest(msg, family, &to)) < 0)
		return fail(rc);
	if (fd < FD_CACHE_MAX && fd_cache[fd].dgram_conn) {
		/* a connected socket's pending error is this send's, as on Linux */
		int err = dgram_take_err(fd);

		if (err)
			return fail(-err);
	}
	pl_dgram_encode((const struct sockaddr *)&to, hdr);
	iov[0] = (struct iovec){ hdr, sizeof(hdr) };
	memcpy(iov + 1, msg->msg_iov, msg->msg_iovlen * sizeof(struct iovec));
	mh.msg_iovlen = msg->msg_iovlen + 1;
	n = get_sendmsg()(fd, &mh, (flags & (MSG_DONTWAIT | MSG_NOSIGNAL)) | MSG_NOSIGNAL);
	return n < 0 ? n : n - PL_DGRAM_HDR;
}

static ssize_t dgram_recv(int fd, struct msghdr *msg, int flags)
{
	uint8_t hdr[PL_DGRAM_HDR];
	struct iovec iov[IOV_LIM + 1];
	struct msghdr mh = { .msg_iov = iov };
	struct sockaddr_storage from;
	socklen_t flen;
	ssize_t n;

	if (msg->msg_iovlen > IOV_LIM)
		return fail(-EMSGSIZE);
	iov[0] = (struct iovec){ hdr, sizeof(hdr) };
	memcpy(iov + 1, msg->msg_iov, msg->msg_iovlen * sizeof(struct iovec));
	mh.msg_iovlen = msg->msg_iovlen + 1;
	n = get_recvmsg()(fd, &mh, flags & (MSG_DONTWAIT | MSG_PEEK | MSG_TRUNC | MSG_WAITALL));
	if (n < 0)
		return n;
	if (n == PL_DGRAM_ERR_LEN && pl_dgram_err_decode(hdr, (size_t)n)) {
		int err = pl_dgram_err_decode(hdr, (size_t)n);

		if (flags & MSG_PEEK) /* an error is reported once, peeked or not */
			get_recv()(fd, hdr, sizeof(hdr), MSG_DONTWAIT);
		return fail(-err);
	}
	if (pl_dgram_decode(hdr, (size_t)n, &from, &flen))
		return fail(-EIO);
	if (msg->msg_name) {
		memcpy(msg->msg_name, &from, msg->msg_namelen < flen ? msg->msg_namelen : flen);
		msg->msg_namelen = flen;
	} else {
		msg->msg_namelen = 0;
	}
	msg->msg_controllen = 0;
	msg->msg_flags = mh.msg_flags & MSG_TRUNC;
	return n - PL_DGRAM_HDR;
}

EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	if (is_dgram(fd))
		return dgram_send(fd, msg, flags);
	if (msg && msg->msg_name && fd_kind(fd) == PL_KIND_STREAM) {
		struct msghdr m = *msg; /* TCP ignores a destination, as the kernel's does */

		m.msg_name = NULL;
		m.msg_namelen = 0;
		return get_sendmsg()(fd, &m, flags);
	}
	return get_sendmsg()(fd, msg, flags);
}

EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *a,
		      socklen_t alen)
{
	struct iovec iov = { (void *)buf, len };
	struct msghdr m = { .msg_name = (void *)a, .msg_namelen = alen, .msg_iov = &iov,
			    .msg_iovlen = 1 };

	if (is_dgram(fd))
		return dgram_send(fd, &m, flags);
	if (a && fd_kind(fd) == PL_KIND_STREAM)
		return get_send()(fd, buf, len, flags);
	return get_sendto()(fd, buf, len, flags, a, alen);
}

EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	struct iovec iov = { (void *)buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (is_dgram(fd))
		return dgram_send(fd, &m, flags);
	return get_send()(fd, buf, len, flags);
}

EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	struct iovec iov = { (void *)buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (is_dgram(fd))
		return dgram_send(fd, &m, 0);
	return get_write()(fd, buf, len);
}

EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)cnt };

	if (cnt >= 0 && is_dgram(fd))
		return dgram_send(fd, &m, 0);
	return get_writev()(fd, iov, cnt);
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t n;

	if (is_dgram(fd))
		return dgram_recv(fd, msg, flags);
	n = get_recvmsg()(fd, msg, flags);
	if (n == 0 && msg && msg->msg_iovlen && msg->msg_iov[0].iov_len)
		return stream_eof(fd);
	return n;
}

EXPORT ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *a,
			socklen_t *alen)
{
	struct iovec iov = { buf, len };
	struct msghdr m = { .msg_name = a, .msg_namelen = alen ? *alen : 0, .msg_iov = &iov,
			    .msg_iovlen = 1 };
	ssize_t n;

	if (is_dgram(fd)) {
		n = dgram_recv(fd, &m, flags);
		if (n >= 0 && alen)
			*alen = m.msg_namelen;
		return n;
	}
	n = get_recvfrom()(fd, buf, len, flags, a, alen);
	return n == 0 && len ? stream_eof(fd) : n;
}

EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	struct iovec iov = { buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (is_dgram(fd))
		return dgram_recv(fd, &m, flags);
	n = get_recv()(fd, buf, len, flags);
	return n == 0 && len ? stream_eof(fd) : n;
}

EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	struct iovec iov = { buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (is_dgram(fd))
		return dgram_recv(fd, &m, 0);
	n = get_read()(fd, buf, len);
	return n == 0 && len ? stream_eof(fd) : n;
}

EXPORT ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)cnt };
	ssize_t n;

	if (cnt >= 0 && is_dgram(fd))
		return dgram_recv(fd, &m, 0);
	n = get_readv()(fd, iov, cnt);
	return n == 0 && cnt > 0 && iov[0].iov_len ? stream_eof(fd) : n;
}

EXPORT int sendmmsg(int fd, struct mmsghdr *v, unsigned int vlen, int flags)
{
	unsigned int i;

	for (i = 0; i < vlen; i++) {
		ssize_t n = sendmsg(fd, &v[i].msg_hdr, flags);

		if (n < 0)
			return i ? (int)i : -1;
		v[i].msg_len = (unsigned int)n;
	}
	return (int)i;
}

EXPORT int recvmmsg(int fd, struct mmsghdr *v, unsigned int vlen, int flags,
		    struct timespec *timeout)
{
	unsigned int i;

	(void)timeout; /* NOTE: the wait is the first datagram's, as with MSG_WAITFORONE */
	for (i = 0; i < vlen; i++) {
		ssize_t n = recvmsg(fd, &v[i].msg_hdr, i ? (flags | MSG_DONTWAIT) &
				    ~MSG_WAITFORONE : flags & ~MSG_WAITFORONE);

		if (n < 0)
			return i ? (int)i : -1;
		v[i].msg_len = (unsigned int)n;
	}
	return (int)i;
}

/* FIONREAD on a UDP socket is the length of the next datagram, as Linux gives it; the
 * unix socket would count every queued message with its header. Every other request, and
 * every other descriptor, is the kernel's. */
EXPORT int ioctl(int fd, unsigned long req, ...)
{
	uint8_t hdr[PL_DGRAM_HDR];
	va_list ap;
	void *arg;
	ssize_t n;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (req != FIONREAD || !is_dgram(fd))
		return get_ioctl()(fd, req, arg);
	if (!arg)
		return fail(-EFAULT);
	n = get_recv()(fd, hdr, sizeof(hdr), MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
	if (n < 0 && errno != EAGAIN)
		return -1;
	*(int *)arg = n >= PL_DGRAM_HDR ? (int)(n - PL_DGRAM_HDR) : 0;
	return 0;
}
