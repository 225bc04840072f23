/* SPDX-License-Identifier: MIT */
/* libustack-preload.so: puts an unmodified, dynamically linked program's IPv4 and IPv6
 * sockets on a ustack host (docs/preload.md, preload/proto.h).
 *
 * A ustack socket in the program is a real kernel descriptor: an AF_UNIX socket whose
 * other end the host holds. Bytes of a TCP connection pass through it as they are, so
 * read, write, readv, writev, sendfile, poll, select, epoll, dup, fork, exec and close are
 * the kernel's own and are not intercepted. What is: the calls that create or configure a
 * socket (socket, bind, listen, accept, connect, the names, the options), which become
 * requests on this process's control connection; the datagram calls on UDP sockets, whose
 * datagrams carry the peer in a header; a read that returns 0 on a TCP socket, which asks
 * the host once whether the connection ended with an error; and name resolution, which
 * goes through the host (us_getaddrinfo) instead of the kernel.
 *
 * A descriptor is recognised without a table shared across processes: fstat gives its
 * inode, and the host knows the inode of each program-side end. The answer is cached per
 * descriptor number (fd_cache) and forgotten by close, dup2 and dup3. The data calls are
 * preload/preload_io.c, name resolution preload/preload_names.c. */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
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
REAL(ssize_t, write, int, const void *, size_t)
REAL(ssize_t, recvmsg, int, struct msghdr *, int)
REAL(ssize_t, sendmsg, int, const struct msghdr *, int)

/* ---- one log line per kind of trouble ---- */

static int warned[W_MAX];

void warn_once(enum warn_kind k, const char *fmt, ...)
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

struct fd_info fd_cache[FD_CACHE_MAX];

void fd_forget(int fd)
{
	if (fd >= 0 && fd < FD_CACHE_MAX)
		memset(&fd_cache[fd], 0, sizeof(fd_cache[fd]));
}

static void fd_remember(int fd, uint64_t ino, enum pl_kind kind, int family)
{
	if (fd >= 0 && fd < FD_CACHE_MAX)
		fd_cache[fd] = (struct fd_info){ .ino = ino, .known = 1, .kind = (uint8_t)kind,
						 .family = (uint8_t)family };
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

/* USTACK_PRELOAD=attach=NAME: a client of that stack. Anything else there is `ustack
 * run`'s options: a stack of this process's own, started now (preload/preload_start.c). */
__attribute__((constructor)) static void preload_init(void)
{
	const char *env = getenv(PL_ENV);

	pthread_atfork(NULL, NULL, atfork_child);
	if (env && strncmp(env, "attach=", 7))
		pl_start_stack(env);
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
		warn_once(W_ENV, "%s=%s: want attach=NAME (ustack run sets it) or ustack run's "
			  "options; IPv4 and IPv6 sockets fail with ENETDOWN", PL_ENV, env ? env : "(unset)");
		return -ENETDOWN;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s%s", CTL_DIR, name, PL_API_SUFFIX);
	fd = get_socket()(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -ENETDOWN;
	if (get_connect()(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		get_close()(fd);
		warn_once(W_HOST, "cannot reach the stack '%s' (%s: %s); IPv4 and IPv6 sockets "
			  "fail with ENETDOWN", name, sa.sun_path, strerror(e));
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
	char cbuf[PL_CMSG_SPACE];
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
	if (sendfd >= 0)
		pl_put_fd(&mh, cbuf, sendfd);
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
int rpc(struct pl_msg *m, int sendfd, int *recvfd)
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

int fail(int rc)
{
	errno = -rc;
	return -1;
}

/* What the host says fd is, and its inode in *ino. A descriptor that is no unix socket
 * is not asked about. */
enum pl_kind fd_kind_ino(int fd, uint64_t *ino)
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
		fd_remember(fd, sb.st_ino, PL_KIND_NONE, 0);
		return PL_KIND_NONE;
	}
	m.ino = sb.st_ino;
	rc = rpc(&m, -1, NULL);
	if (rc < 0)
		return PL_KIND_NONE; /* no host: an AF_UNIX socket of the program's own */
	fd_remember(fd, sb.st_ino, (enum pl_kind)rc, m.a);
	return (enum pl_kind)rc;
}

enum pl_kind fd_kind(int fd)
{
	uint64_t ino;

	return fd_kind_ino(fd, &ino);
}

int fd_family(int fd)
{
	struct pl_msg m = { .op = PL_OP_LOOKUP };

	if (fd_kind_ino(fd, &m.ino) == PL_KIND_NONE)
		return 0;
	if (fd < FD_CACHE_MAX)
		return fd_cache[fd].family;
	/* past the cache: the host says */
	return rpc(&m, -1, NULL) > 0 ? m.a : 0;
}

uint64_t fd_ino(int fd)
{
	struct stat sb;

	return fstat(fd, &sb) ? 0 : sb.st_ino;
}

/* ---- sockets ---- */

EXPORT int socket(int domain, int type, int protocol)
{
	struct pl_msg m = { .op = PL_OP_SOCKET };
	int base = type & 0xf, fd, rc;

	if (domain != AF_INET && domain != AF_INET6)
		return get_socket()(domain, type, protocol);
	if (base != SOCK_STREAM && base != SOCK_DGRAM) {
		warn_once(W_TYPE, "socket(%s, type %d): only SOCK_STREAM and SOCK_DGRAM "
			  "(EPROTONOSUPPORT)", domain == AF_INET ? "AF_INET" : "AF_INET6", base);
		return fail(-EPROTONOSUPPORT);
	}
	m.a = base;
	m.b = protocol;
	m.c = domain;
	rc = rpc(&m, -1, &fd);
	if (rc < 0)
		return fail(rc);
	if (fd < 0)
		return fail(-EIO);
	if (!(type & SOCK_CLOEXEC))
		fcntl(fd, F_SETFD, 0);
	if (type & SOCK_NONBLOCK)
		fcntl(fd, F_SETFL, O_NONBLOCK | O_RDWR);
	fd_remember(fd, m.ino, base == SOCK_DGRAM ? PL_KIND_DGRAM : PL_KIND_STREAM, domain);
	return fd;
}

/* The address of a bind or connect into m, as the program gave it (the stack checks it
 * against the socket's family and length, as the kernel does). AF_UNSPEC passes where
 * unspec_ok says so (connect on a UDP socket dissolves its association). On an AF_INET6
 * UDP socket an AF_INET address becomes its IPv4-mapped form, as Linux takes it. */
static int addr_msg(struct pl_msg *m, const struct sockaddr *a, socklen_t len, int unspec_ok,
		    int family)
{
	sa_family_t f;

	if (!a)
		return -EFAULT;
	if (len < sizeof(sa_family_t))
		return -EINVAL;
	memcpy(&f, &a->sa_family, sizeof(f));
	if (f == AF_UNSPEC && !unspec_ok)
		return -EAFNOSUPPORT;
	if (f == AF_INET && family == AF_INET6 && unspec_ok) {
		struct sockaddr_in6 sin6;

		if (len < sizeof(struct sockaddr_in))
			return -EINVAL;
		pl_sockaddr_map((const struct sockaddr_in *)(const void *)a, &sin6);
		memcpy(m->data, &sin6, sizeof(sin6));
		m->len = sizeof(sin6);
		return 0;
	}
	if (len > sizeof(struct sockaddr_storage))
		len = sizeof(struct sockaddr_storage);
	memcpy(m->data, a, len);
	m->len = (uint16_t)len;
	return 0;
}

EXPORT int bind(int fd, const struct sockaddr *a, socklen_t len)
{
	struct pl_msg m = { .op = PL_OP_BIND };
	enum pl_kind k = fd_kind_ino(fd, &m.ino);
	int rc;

	if (k == PL_KIND_NONE)
		return get_bind()(fd, a, len);
	if ((rc = addr_msg(&m, a, len, 0, fd_family(fd))) < 0 || (rc = rpc(&m, -1, NULL)) < 0)
		return fail(rc);
	return 0;
}

EXPORT int listen(int fd, int backlog)
{
	struct pl_msg m = { .op = PL_OP_LISTEN, .a = backlog };
	enum pl_kind k = fd_kind_ino(fd, &m.ino);
	int nfd, rc, fl, fdfl, family;

	if (k == PL_KIND_NONE)
		return get_listen()(fd, backlog);
	family = fd_family(fd);
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
	fd_remember(fd, m.ino, PL_KIND_LISTENER, family);
	return 0;
}

EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *alen, int flags)
{
	uint8_t hdr[PL_DGRAM_HDR];
	char cbuf[PL_CMSG_SPACE];
	struct iovec iov = { hdr, sizeof(hdr) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	struct sockaddr_storage peer;
	socklen_t plen;
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
	if (nfd < 0 || pl_dgram_decode(hdr, (size_t)n, &peer, &plen)) {
		if (nfd >= 0)
			get_close()(nfd);
		return fail(n == 0 ? -EINVAL : -ECONNABORTED);
	}
	if (flags & SOCK_NONBLOCK)
		fcntl(nfd, F_SETFL, O_NONBLOCK | O_RDWR);
	if (addr) {
		memcpy(addr, &peer, *alen < plen ? *alen : plen);
		*alen = plen;
	}
	fd_remember(nfd, fd_ino(nfd), PL_KIND_STREAM, fd_family(fd));
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
	if ((rc = addr_msg(&m, a, len, k == PL_KIND_DGRAM, fd_family(fd))) < 0)
		return fail(rc);
	rc = rpc(&m, k == PL_KIND_STREAM ? fd : -1, NULL);
	if (rc == 0 && k == PL_KIND_DGRAM && fd < FD_CACHE_MAX && fd_cache[fd].known)
		fd_cache[fd].dgram_conn = a->sa_family != AF_UNSPEC;
	if (rc != -EINPROGRESS)
		return rc < 0 ? fail(rc) : 0;
	if (fd < FD_CACHE_MAX && fd_cache[fd].known)
		fd_cache[fd].connecting = 1;
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && (fl & O_NONBLOCK))
		return fail(-EINPROGRESS);
	/* Blocking: the host keeps the descriptor unwritable until the outcome. A signal
	 * ends the wait with EINTR and the connection goes on, as the kernel's does. */
	if (poll(&p, 1, -1) < 0)
		return -1;
	if (fd < FD_CACHE_MAX)
		fd_cache[fd].connecting = 0;
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

/* TCP_CORK on a TCP socket is accepted without effect (docs/preload.md); below
 * FD_CACHE_MAX the library keeps it in the descriptor's cache entry and answers it
 * itself, with no request to the host: nginx's tcp_nopush sets and clears it around every
 * response, and two control requests per response halved its keep-alive requests per
 * second with two workers, and cut them to a seventh with one (docs/preload.md). Above,
 * the host keeps it. */
static int cork_here(int fd, enum pl_kind k, int level, int name)
{
	return level == IPPROTO_TCP && name == TCP_CORK && k != PL_KIND_DGRAM && fd >= 0 &&
	       fd < FD_CACHE_MAX;
}

EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct pl_msg m = { .op = PL_OP_SETSOCKOPT, .a = level, .b = name };
	enum pl_kind k = fd_kind_ino(fd, &m.ino);
	int rc, v;

	if (k == PL_KIND_NONE || kernel_opt(level, name))
		return get_setsockopt()(fd, level, name, val, len);
	if (len > PL_DATA_MAX)
		return fail(-EINVAL);
	if (len && !val)
		return fail(-EFAULT);
	if (cork_here(fd, k, level, name)) {
		if (len < sizeof(v))
			return fail(-EINVAL);
		memcpy(&v, val, sizeof(v));
		fd_cache[fd].cork = v != 0;
		rc = 0;
	} else {
		memcpy(m.data, val, len);
		m.len = (uint16_t)len;
		rc = rpc(&m, -1, NULL);
	}
	if (rc == -ENOPROTOOPT)
		warn_once(W_OPT, "setsockopt(level %d, option %d): not an option ustack has "
			  "(ENOPROTOOPT; later ones are not reported)", level, name);
	else if (rc == 0 && level == IPPROTO_TCP && name == TCP_CORK)
		warn_once(W_CORK, "setsockopt(TCP_CORK): accepted, without effect (the stack "
			  "segments the bytes as they come)");
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
		v = fd_family(fd);
	else if (level == SOL_SOCKET && name == SO_ACCEPTCONN)
		v = k == PL_KIND_LISTENER;
	else if (level == SOL_SOCKET && name == SO_PROTOCOL)
		v = k == PL_KIND_DGRAM ? IPPROTO_UDP : IPPROTO_TCP;
	else if (cork_here(fd, k, level, name))
		v = fd_cache[fd].cork;
	if (v >= 0) {
		memcpy(val, &v, *len < sizeof(v) ? *len : sizeof(v));
		*len = *len < sizeof(v) ? *len : sizeof(v);
		return 0;
	}
	m.c = (int)(*len > PL_DATA_MAX ? PL_DATA_MAX : *len);
	rc = rpc(&m, -1, NULL);
	if (rc < 0)
		return fail(rc);
	if (level == SOL_SOCKET && name == SO_ERROR && fd < FD_CACHE_MAX &&
	    fd_cache[fd].connecting) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };

		if (poll(&p, 1, 0) > 0) /* writable: the connect has ended */
			fd_cache[fd].connecting = 0;
	}
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

/* A TCP connect this process began and has not seen end: the host stops it when the
 * program closes the descriptor (Python or curl giving up on a timeout), rather than go
 * on until TCP gives up on its SYNs. The host cannot see that close itself: it holds a
 * copy of the program's end while connecting. A copy of the descriptor still open
 * elsewhere (dup, fork) sees the connect fail. */
static void connect_abandon(int fd)
{
	struct pl_msg m = { .op = PL_OP_ABANDON };

	if (fd < 0 || fd >= FD_CACHE_MAX || !fd_cache[fd].connecting ||
	    fd_cache[fd].kind != PL_KIND_STREAM || fd_ino(fd) != fd_cache[fd].ino)
		return;
	m.ino = fd_cache[fd].ino;
	rpc(&m, -1, NULL);
}

EXPORT int close(int fd)
{
	connect_abandon(fd);
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
