/* SPDX-License-Identifier: MIT */
/* libustack-preload.so: puts an unmodified, dynamically linked program's IPv4 sockets on a
 * ustack host (docs/preload.md, preload/proto.h).
 *
 * A ustack socket in the program is a real kernel descriptor: an AF_UNIX socket whose
 * other end the host holds. Bytes of a TCP connection pass through it as they are, so
 * read, write, readv, writev, sendfile, poll, select, epoll, dup, fork, exec and close are
 * the kernel's own and are not intercepted. What is: the calls that create or configure a
 * socket (socket, bind, listen, accept, connect, the names, the options), which become
 * requests on this process's control connection; the datagram calls on UDP sockets, whose
 * datagrams carry the peer in a header; a read that returns 0 on a TCP socket, which asks
 * the host once whether the connection ended with an error; and name resolution, which
 * goes through the host (us_resolve) instead of the kernel.
 *
 * A descriptor is recognised without a table shared across processes: fstat gives its
 * inode, and the host knows the inode of each program-side end. The answer is cached per
 * descriptor number (fd_cache) and forgotten by close, dup2 and dup3. Name resolution is
 * preload/preload_names.c. */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/ctl.h"
#include "preload/preload_int.h"

#define FD_CACHE_MAX 65536          /* descriptors below this are cached */
#define IOV_LIM 64                  /* iovec elements of a datagram call */

/* ---- the real functions ---- */

REAL(int, socket, int, int, int)
REAL(int, bind, int, const struct sockaddr *, socklen_t)
REAL(int, listen, int, int)
REAL(int, accept, int, struct sockaddr *, socklen_t *)
REAL(int, accept4, int, struct sockaddr *, socklen_t *, int)
REAL(int, connect, int, const struct sockaddr *, socklen_t)
REAL(int, getsockname, int, struct sockaddr *, socklen_t *)
REAL(int, getpeername, int, struct sockaddr *, socklen_t *)
REAL(int, setsockopt, int, int, int, const void *, socklen_t)
REAL(int, getsockopt, int, int, int, void *, socklen_t *)
REAL(int, shutdown, int, int)
REAL(int, close, int)
REAL(int, dup2, int, int)
REAL(int, dup3, int, int, int)
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

/* ---- one log line per kind of trouble ---- */

enum warn_kind { W_ENV, W_HOST, W_INET6, W_TYPE, W_OPT, W_FLAGS, W_MAX };
static int warned[W_MAX];

static void warn_once(enum warn_kind k, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	if (__atomic_exchange_n(&warned[k], 1, __ATOMIC_RELAXED))
		return;
	n = snprintf(line, sizeof(line), "ustack-preload: ");
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (get_write()(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

/* ---- the descriptor cache ---- */

struct fd_info {
	uint64_t ino;
	uint8_t known;               /* kind below is the host's answer for ino */
	uint8_t kind;                /* enum pl_kind */
	uint8_t eof_asked;           /* PL_OP_ERROR asked after a read of 0 */
};
static struct fd_info fd_cache[FD_CACHE_MAX];

static void fd_forget(int fd)
{
	if (fd >= 0 && fd < FD_CACHE_MAX)
		memset(&fd_cache[fd], 0, sizeof(fd_cache[fd]));
}

static void fd_remember(int fd, uint64_t ino, enum pl_kind kind)
{
	if (fd >= 0 && fd < FD_CACHE_MAX)
		fd_cache[fd] = (struct fd_info){ .ino = ino, .known = 1, .kind = (uint8_t)kind };
}

/* ---- the control connection ---- */

static pthread_mutex_t ctl_lock = PTHREAD_MUTEX_INITIALIZER;
static int ctl_fd = -1;
static pid_t ctl_pid;
static uint64_t ctl_ino;

static void ctl_drop(void)
{
	if (ctl_fd >= 0)
		get_close()(ctl_fd);
	ctl_fd = -1;
}

static int ctl_open(void);

/* The parent's connection is the parent's: replies to two processes on one connection
 * would cross. A child of a process that used the stack opens its own at once, while it
 * still has the parent's privileges (a server's workers often drop them right after the
 * fork, and the API socket is root's); other children, a shell's, connect when they first
 * need to (and most exec first). */
static void atfork_child(void)
{
	int had = ctl_fd >= 0;

	pthread_mutex_init(&ctl_lock, NULL);
	ctl_drop();
	if (had)
		ctl_open();
}

__attribute__((constructor)) static void preload_init(void)
{
	pthread_atfork(NULL, NULL, atfork_child);
}

/* A new connection to the host's API socket: its descriptor (close-on-exec, above the
 * low numbers a program may dup2 onto), or -ENETDOWN after one line that says why. */
int pl_api_connect(void)
{
	char name[CTL_NAME_MAX + 1];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *env = getenv(PL_ENV);
	int fd, hi;

	if (pl_env_parse(env, name, sizeof(name))) {
		warn_once(W_ENV, "%s=%s: want attach=NAME (ustack run sets it); IPv4 sockets "
			  "fail with ENETDOWN", PL_ENV, env ? env : "(unset)");
		return -ENETDOWN;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s%s", CTL_DIR, name, PL_API_SUFFIX);
	fd = get_socket()(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -ENETDOWN;
	if (get_connect()(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		get_close()(fd);
		warn_once(W_HOST, "cannot reach the stack '%s' (%s: %s); IPv4 sockets fail with "
			  "ENETDOWN", name, sa.sun_path, strerror(e));
		return -ENETDOWN;
	}
	hi = fcntl(fd, F_DUPFD_CLOEXEC, 512);
	if (hi >= 0) {
		get_close()(fd);
		fd = hi;
	}
	return fd;
}

static int ctl_open(void)
{
	struct stat sb;
	int fd = pl_api_connect();

	if (fd < 0)
		return fd;
	if (fstat(fd, &sb)) {
		get_close()(fd);
		return -ENETDOWN;
	}
	ctl_fd = fd;
	ctl_ino = sb.st_ino;
	ctl_pid = getpid();
	return 0;
}

/* One request and its reply on fd. sendfd rides with the request; *recvfd (if not NULL)
 * gets the descriptor riding with the reply, close-on-exec, or -1. Returns the reply's rc,
 * or -ENETDOWN when the connection is broken. */
int pl_exchange(int fd, struct pl_msg *m, int sendfd, int *recvfd)
{
	uint8_t buf[PL_MSG_MAX];
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { buf, 0 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t n;
	int len;

	if (recvfd)
		*recvfd = -1;
	len = pl_msg_encode(m, buf, sizeof(buf));
	if (len < 0)
		return len;
	iov.iov_len = (size_t)len;
	memset(cbuf, 0, sizeof(cbuf));
	if (sendfd >= 0) {
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &sendfd, sizeof(int));
	}
	do
		n = get_sendmsg()(fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != len)
		return -ENETDOWN;
	iov.iov_len = sizeof(buf);
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	do
		n = get_recvmsg()(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0 || pl_msg_decode(buf, (size_t)n, m))
		return -ENETDOWN;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		int rfd;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		memcpy(&rfd, CMSG_DATA(cm), sizeof(int));
		if (recvfd && *recvfd < 0)
			*recvfd = rfd;
		else
			get_close()(rfd);
	}
	return m->rc;
}

/* A request on this process's control connection (made on first use, again after a fork
 * or when the program closed it), one thread at a time. Returns as pl_exchange. */
static int rpc(struct pl_msg *m, int sendfd, int *recvfd)
{
	struct stat sb;
	int rc;

	if (recvfd)
		*recvfd = -1;
	pthread_mutex_lock(&ctl_lock);
	if (ctl_fd >= 0 && (ctl_pid != getpid() || fstat(ctl_fd, &sb) || sb.st_ino != ctl_ino))
		ctl_fd = -1;
	if (ctl_fd < 0 && (rc = ctl_open()) < 0)
		goto out;
	rc = pl_exchange(ctl_fd, m, sendfd, recvfd);
	if (rc == -ENETDOWN)
		ctl_drop();
out:
	pthread_mutex_unlock(&ctl_lock);
	return rc;
}

static int fail(int rc)
{
	errno = -rc;
	return -1;
}

/* What the host says fd is, and its inode in *ino. A descriptor that is no unix socket
 * is not asked about. */
static enum pl_kind fd_kind_ino(int fd, uint64_t *ino)
{
	struct pl_msg m = { .op = PL_OP_LOOKUP };
	struct stat sb;
	int dom = 0, rc;
	socklen_t len = sizeof(dom);

	*ino = 0;
	if (fd < 0)
		return PL_KIND_NONE;
	if (fd < FD_CACHE_MAX && fd_cache[fd].known && fd_cache[fd].kind == PL_KIND_NONE)
		return PL_KIND_NONE;
	if (fstat(fd, &sb))
		return PL_KIND_NONE;
	*ino = sb.st_ino;
	if (fd < FD_CACHE_MAX && fd_cache[fd].known && fd_cache[fd].ino == sb.st_ino)
		return fd_cache[fd].kind;
	if (!S_ISSOCK(sb.st_mode) || fd == ctl_fd ||
	    get_getsockopt()(fd, SOL_SOCKET, SO_DOMAIN, &dom, &len) || dom != AF_UNIX) {
		fd_remember(fd, sb.st_ino, PL_KIND_NONE);
		return PL_KIND_NONE;
	}
	m.ino = sb.st_ino;
	rc = rpc(&m, -1, NULL);
	if (rc < 0)
		return PL_KIND_NONE; /* no host: an AF_UNIX socket of the program's own */
	fd_remember(fd, sb.st_ino, (enum pl_kind)rc);
	return (enum pl_kind)rc;
}

static enum pl_kind fd_kind(int fd)
{
	uint64_t ino;

	return fd_kind_ino(fd, &ino);
}

static uint64_t fd_ino(int fd)
{
	struct stat sb;

	return fstat(fd, &sb) ? 0 : sb.st_ino;
}

/* ---- sockets ---- */

EXPORT int socket(int domain, int type, int protocol)
{
	struct pl_msg m = { .op = PL_OP_SOCKET };
	int base = type & 0xf, fd, rc;

	if (domain == AF_INET6) {
		warn_once(W_INET6, "socket(AF_INET6): ustack has no IPv6 yet (EAFNOSUPPORT)");
		return fail(-EAFNOSUPPORT);
	}
	if (domain != AF_INET)
		return get_socket()(domain, type, protocol);
	if (base != SOCK_STREAM && base != SOCK_DGRAM) {
		warn_once(W_TYPE, "socket(AF_INET, type %d): only SOCK_STREAM and SOCK_DGRAM "
			  "(EPROTONOSUPPORT)", base);
		return fail(-EPROTONOSUPPORT);
	}
	m.a = base;
	m.b = protocol;
	rc = rpc(&m, -1, &fd);
	if (rc < 0)
		return fail(rc);
	if (fd < 0)
		return fail(-EIO);
	if (!(type & SOCK_CLOEXEC))
		fcntl(fd, F_SETFD, 0);
	if (type & SOCK_NONBLOCK)
		fcntl(fd, F_SETFL, O_NONBLOCK | O_RDWR);
	fd_remember(fd, m.ino, base == SOCK_DGRAM ? PL_KIND_DGRAM : PL_KIND_STREAM);
	return fd;
}

static int addr_msg(struct pl_msg *m, const struct sockaddr *a, socklen_t len, int unspec_ok)
{
	struct sockaddr_in sin = { 0 };

	if (!a)
		return -EFAULT;
	if (len >= sizeof(sa_family_t) && a->sa_family == AF_UNSPEC && unspec_ok) {
		sin.sin_family = AF_UNSPEC;
	} else {
		if (len < sizeof(sa_family_t) || a->sa_family != AF_INET)
			return -EAFNOSUPPORT;
		if (len < sizeof(sin))
			return -EINVAL;
		memcpy(&sin, a, sizeof(sin));
	}
	memcpy(m->data, &sin, sizeof(sin));
	m->len = sizeof(sin);
	return 0;
}

EXPORT int bind(int fd, const struct sockaddr *a, socklen_t len)
{
	struct pl_msg m = { .op = PL_OP_BIND };
	enum pl_kind k = fd_kind_ino(fd, &m.ino);
	int rc;

	if (k == PL_KIND_NONE)
		return get_bind()(fd, a, len);
	if ((rc = addr_msg(&m, a, len, 0)) < 0 || (rc = rpc(&m, -1, NULL)) < 0)
		return fail(rc);
	return 0;
}

EXPORT int listen(int fd, int backlog)
{
	struct pl_msg m = { .op = PL_OP_LISTEN, .a = backlog };
	enum pl_kind k = fd_kind_ino(fd, &m.ino);
	int nfd, rc, fl, fdfl;

	if (k == PL_KIND_NONE)
		return get_listen()(fd, backlog);
	if (k == PL_KIND_DGRAM)
		return fail(-EOPNOTSUPP);
	rc = rpc(&m, -1, &nfd);
	if (rc < 0)
		return fail(rc);
	if (nfd < 0)
		return 0; /* listening already */
	/* The listener is a SOCK_SEQPACKET socket now: it takes the descriptor's number,
	 * keeping its flags. */
	fl = fcntl(fd, F_GETFL);
	fdfl = fcntl(fd, F_GETFD);
	if (get_dup3()(nfd, fd, fdfl >= 0 && (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0) {
		rc = -errno;
		get_close()(nfd);
		return fail(rc);
	}
	get_close()(nfd);
	if (fl >= 0 && (fl & O_NONBLOCK))
		fcntl(fd, F_SETFL, fl);
	fd_remember(fd, m.ino, PL_KIND_LISTENER);
	return 0;
}

EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *alen, int flags)
{
	uint8_t hdr[PL_DGRAM_HDR];
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { hdr, sizeof(hdr) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	struct sockaddr_in peer;
	enum pl_kind k = fd_kind(fd);
	int nfd = -1;
	ssize_t n;

	if (k == PL_KIND_NONE)
		return get_accept4()(fd, addr, alen, flags);
	if (k != PL_KIND_LISTENER)
		return fail(-EINVAL);
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return fail(-EINVAL);
	if (addr && !alen)
		return fail(-EFAULT);
	n = get_recvmsg()(fd, &mh, (flags & SOCK_CLOEXEC) ? MSG_CMSG_CLOEXEC : 0);
	if (n < 0)
		return -1; /* EAGAIN, EINTR: the kernel's own */
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(&nfd, CMSG_DATA(cm), sizeof(int));
	if (nfd < 0 || pl_dgram_decode(hdr, (size_t)n, &peer)) {
		if (nfd >= 0)
			get_close()(nfd);
		return fail(n == 0 ? -EINVAL : -ECONNABORTED);
	}
	if (flags & SOCK_NONBLOCK)
		fcntl(nfd, F_SETFL, O_NONBLOCK | O_RDWR);
	if (addr) {
		memcpy(addr, &peer, *alen < sizeof(peer) ? *alen : sizeof(peer));
		*alen = sizeof(peer);
	}
	fd_remember(nfd, fd_ino(nfd), PL_KIND_STREAM);
	return nfd;
}

EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *alen)
{
	if (fd_kind(fd) == PL_KIND_NONE)
		return get_accept()(fd, addr, alen);
	return accept4(fd, addr, alen, 0);
}

static int sock_error(uint64_t ino)
{
	struct pl_msg m = { .op = PL_OP_GETSOCKOPT, .a = SOL_SOCKET, .b = SO_ERROR,
			    .c = sizeof(int) };
	int err = 0, rc;

	m.ino = ino;
	rc = rpc(&m, -1, NULL);
	if (rc < 0)
		return -rc;
	if (m.len >= sizeof(err))
		memcpy(&err, m.data, sizeof(err));
	return err;
}

EXPORT int connect(int fd, const struct sockaddr *a, socklen_t len)
{
	struct pl_msg m = { .op = PL_OP_CONNECT };
	enum pl_kind k = fd_kind_ino(fd, &m.ino);
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	uint64_t ino = m.ino;
	int rc, fl, err;

	if (k == PL_KIND_NONE)
		return get_connect()(fd, a, len);
	if (k == PL_KIND_LISTENER)
		return fail(-EISCONN);
	if ((rc = addr_msg(&m, a, len, k == PL_KIND_DGRAM)) < 0)
		return fail(rc);
	rc = rpc(&m, k == PL_KIND_STREAM ? fd : -1, NULL);
	if (rc != -EINPROGRESS)
		return rc < 0 ? fail(rc) : 0;
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && (fl & O_NONBLOCK))
		return fail(-EINPROGRESS);
	/* Blocking: the host keeps the descriptor unwritable until the outcome. A signal
	 * ends the wait with EINTR and the connection goes on, as the kernel's does. */
	if (poll(&p, 1, -1) < 0)
		return -1;
	err = sock_error(ino);
	return err ? fail(-err) : 0;
}

static int name_call(int op, uint64_t ino, struct sockaddr *addr, socklen_t *alen)
{
	struct pl_msg m = { .op = (uint16_t)op, .ino = ino };
	int rc;

	if (!addr || !alen)
		return fail(-EFAULT);
	rc = rpc(&m, -1, NULL);
	if (rc < 0)
		return fail(rc);
	memcpy(addr, m.data, *alen < m.len ? *alen : m.len);
	*alen = m.len;
	return 0;
}

EXPORT int getsockname(int fd, struct sockaddr *addr, socklen_t *alen)
{
	uint64_t ino;

	if (fd_kind_ino(fd, &ino) == PL_KIND_NONE)
		return get_getsockname()(fd, addr, alen);
	return name_call(PL_OP_GETSOCKNAME, ino, addr, alen);
}

EXPORT int getpeername(int fd, struct sockaddr *addr, socklen_t *alen)
{
	uint64_t ino;

	if (fd_kind_ino(fd, &ino) == PL_KIND_NONE)
		return get_getpeername()(fd, addr, alen);
	return name_call(PL_OP_GETPEERNAME, ino, addr, alen);
}

/* Options the unix socket itself carries: the timeouts of its blocking calls. */
static int kernel_opt(int level, int name)
{
	return level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO
#ifdef SO_RCVTIMEO_NEW
		|| name == SO_RCVTIMEO_NEW || name == SO_SNDTIMEO_NEW
#endif
	);
}

EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct pl_msg m = { .op = PL_OP_SETSOCKOPT, .a = level, .b = name };
	int rc;

	if (fd_kind_ino(fd, &m.ino) == PL_KIND_NONE || kernel_opt(level, name))
		return get_setsockopt()(fd, level, name, val, len);
	if (len > PL_DATA_MAX)
		return fail(-EINVAL);
	if (len && !val)
		return fail(-EFAULT);
	memcpy(m.data, val, len);
	m.len = (uint16_t)len;
	rc = rpc(&m, -1, NULL);
	if (rc == -ENOPROTOOPT)
		warn_once(W_OPT, "setsockopt(level %d, option %d): not an option ustack has "
			  "(ENOPROTOOPT; later ones are not reported)", level, name);
	return rc < 0 ? fail(rc) : 0;
}

EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	struct pl_msg m = { .op = PL_OP_GETSOCKOPT, .a = level, .b = name };
	enum pl_kind k = fd_kind_ino(fd, &m.ino);
	int v = -1, rc;

	if (k == PL_KIND_NONE || kernel_opt(level, name))
		return get_getsockopt()(fd, level, name, val, len);
	if (!val || !len)
		return fail(-EFAULT);
	if (level == SOL_SOCKET && name == SO_TYPE)
		v = k == PL_KIND_DGRAM ? SOCK_DGRAM : SOCK_STREAM;
	else if (level == SOL_SOCKET && name == SO_DOMAIN)
		v = AF_INET;
	else if (level == SOL_SOCKET && name == SO_ACCEPTCONN)
		v = k == PL_KIND_LISTENER;
	else if (level == SOL_SOCKET && name == SO_PROTOCOL)
		v = k == PL_KIND_DGRAM ? IPPROTO_UDP : IPPROTO_TCP;
	if (v >= 0) {
		memcpy(val, &v, *len < sizeof(v) ? *len : sizeof(v));
		*len = *len < sizeof(v) ? *len : sizeof(v);
		return 0;
	}
	m.c = (int)(*len > PL_DATA_MAX ? PL_DATA_MAX : *len);
	rc = rpc(&m, -1, NULL);
	if (rc < 0)
		return fail(rc);
	memcpy(val, m.data, *len < m.len ? *len : m.len);
	*len = *len < m.len ? *len : m.len;
	return 0;
}

EXPORT int shutdown(int fd, int how)
{
	uint64_t ino;
	enum pl_kind k = fd_kind_ino(fd, &ino);

	if (k == PL_KIND_LISTENER || k == PL_KIND_DGRAM) {
		struct pl_msg m = { .op = PL_OP_SHUTDOWN, .a = how, .ino = ino };
		int rc;

		rc = rpc(&m, -1, NULL);
		return rc < 0 ? fail(rc) : 0;
	}
	/* TCP: the unix socket's own shutdown; the host turns the end of the stream into
	 * the FIN once every byte before it has gone */
	return get_shutdown()(fd, how);
}

EXPORT int close(int fd)
{
	fd_forget(fd);
	if (fd >= 0 && fd == ctl_fd) {
		pthread_mutex_lock(&ctl_lock);
		ctl_drop();
		pthread_mutex_unlock(&ctl_lock);
		return 0;
	}
	return get_close()(fd);
}

/* dup2/dup3 onto our control descriptor move it out of the way first. */
static void ctl_move(int newfd)
{
	int hi;

	if (newfd < 0 || newfd != ctl_fd)
		return;
	pthread_mutex_lock(&ctl_lock);
	hi = fcntl(ctl_fd, F_DUPFD_CLOEXEC, newfd + 1);
	if (hi >= 0) {
		get_close()(ctl_fd);
		ctl_fd = hi;
	} else {
		ctl_drop();
	}
	pthread_mutex_unlock(&ctl_lock);
}

EXPORT int dup2(int oldfd, int newfd)
{
	if (oldfd != newfd) {
		ctl_move(newfd);
		fd_forget(newfd);
	}
	return get_dup2()(oldfd, newfd);
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
	ctl_move(newfd);
	fd_forget(newfd);
	return get_dup3()(oldfd, newfd, flags);
}

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

static ssize_t dgram_send(int fd, const struct msghdr *msg, int flags)
{
	uint8_t hdr[PL_DGRAM_HDR];
	struct iovec iov[IOV_LIM + 1];
	struct msghdr mh = { .msg_iov = iov };
	struct sockaddr_in to = { .sin_family = AF_INET };
	ssize_t n;

	if (msg->msg_iovlen > IOV_LIM)
		return fail(-EMSGSIZE);
	if (msg->msg_controllen) {
		warn_once(W_FLAGS, "sendmsg with ancillary data on a UDP socket: not supported "
			  "(EOPNOTSUPP)");
		return fail(-EOPNOTSUPP);
	}
	if (msg->msg_name) {
		const struct sockaddr *a = msg->msg_name;

		if (msg->msg_namelen < sizeof(sa_family_t) || a->sa_family != AF_INET)
			return fail(-EAFNOSUPPORT);
		if (msg->msg_namelen < sizeof(to))
			return fail(-EINVAL);
		memcpy(&to, a, sizeof(to));
		if (!to.sin_addr.s_addr && !to.sin_port)
			return fail(-EINVAL);
	}
	pl_dgram_encode(&to, hdr);
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
	struct sockaddr_in from;
	ssize_t n;

	if (msg->msg_iovlen > IOV_LIM)
		return fail(-EMSGSIZE);
	iov[0] = (struct iovec){ hdr, sizeof(hdr) };
	memcpy(iov + 1, msg->msg_iov, msg->msg_iovlen * sizeof(struct iovec));
	mh.msg_iovlen = msg->msg_iovlen + 1;
	n = get_recvmsg()(fd, &mh, flags & (MSG_DONTWAIT | MSG_PEEK | MSG_TRUNC | MSG_WAITALL));
	if (n < 0)
		return n;
	if (pl_dgram_decode(hdr, (size_t)n, &from))
		return fail(-EIO);
	if (msg->msg_name) {
		memcpy(msg->msg_name, &from,
		       msg->msg_namelen < sizeof(from) ? msg->msg_namelen : sizeof(from));
		msg->msg_namelen = sizeof(from);
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
