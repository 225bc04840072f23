/* SPDX-License-Identifier: MIT */
/* The stack host's control requests (preload/proto.h): one message in, one reply out,
 * with a descriptor riding either way where the op says so. Each is answered at once in
 * the host thread, never waiting on the network: a blocking connect is the library's
 * poll; a name lookup runs in a thread of its own, which answers it. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ustack.h>

#include "net/log.h"
#include "preload/host_int.h"

/* The address a request carries, into *ss (aligned) with its length: 0 or -EINVAL. The
 * stack checks it against the socket's family. */
static int addr_get(const struct pl_msg *m, struct sockaddr_storage *ss, socklen_t *len)
{
	if (m->len < sizeof(sa_family_t))
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	*len = m->len < sizeof(*ss) ? m->len : sizeof(*ss);
	memcpy(ss, m->data, *len);
	return 0;
}

static int reply(int fd, struct pl_msg *m, int passfd)
{
	uint8_t buf[PL_MSG_MAX];
	char cbuf[PL_CMSG_SPACE];
	struct iovec iov = { buf, 0 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int n = pl_msg_encode(m, buf, sizeof(buf));

	if (n < 0)
		return n;
	iov.iov_len = (size_t)n;
	if (passfd >= 0)
		pl_put_fd(&mh, cbuf, passfd);
	return sendmsg(fd, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static int op_socket(struct pl_host *h, struct pl_msg *m, int *passfd)
{
	int dgram = m->a == SOCK_DGRAM, sp[2], usfd;
	struct hsock *s;

	if (m->c != AF_INET && m->c != AF_INET6)
		return -EAFNOSUPPORT;
	if (m->a != SOCK_STREAM && m->a != SOCK_DGRAM)
		return -EPROTONOSUPPORT;
	usfd = us_socket(m->c, m->a | US_SOCK_NONBLOCK, m->b);
	if (usfd < 0)
		return usfd;
	if (socketpair(AF_UNIX, (dgram ? SOCK_SEQPACKET : SOCK_STREAM) | SOCK_CLOEXEC, 0, sp)) {
		int rc = -errno;
		us_close(usfd);
		return rc;
	}
	s = host_sock_new(h, dgram ? PL_KIND_DGRAM : PL_KIND_STREAM, usfd, sp[0]);
	if (!s || host_fd_ino(sp[1], &s->ino)) {
		if (s)
			host_sock_free(h, s);
		else
			us_close(usfd), close(sp[0]);
		close(sp[1]);
		return -ENOMEM;
	}
	s->domain = m->c;
	host_hash_put(h, s);
	STAT_INC(preload, sockets);
	if (dgram) {
		int big = 4 * 1024 * 1024;

		/* room for what a UDP receive buffer holds, counted in unix terms */
		setsockopt(sp[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
		s->state = S_OPEN;
		host_kset(h, s, EPOLLIN);
		host_uset(h, s, US_EPOLLIN);
	} else {
		host_kset(h, s, EPOLLRDHUP); /* only the program closing an unused socket */
	}
	m->ino = s->ino;
	*passfd = sp[1];
	return 0;
}

static int op_listen(struct pl_host *h, struct hsock *s, struct pl_msg *m, int *passfd)
{
	int sp[2], rc;
	uint64_t ino;

	if (s->kind == PL_KIND_LISTENER)
		return us_listen(s->usfd, m->a);
	if (s->kind != PL_KIND_STREAM || s->state != S_IDLE)
		return -EINVAL;
	rc = us_listen(s->usfd, m->a);
	if (rc < 0)
		return rc;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp))
		return -errno;
	if (host_fd_ino(sp[1], &ino)) {
		close(sp[0]);
		close(sp[1]);
		return -ENOMEM;
	}
	host_kdel(h, s);
	close(s->ufd);
	s->ufd = sp[0];
	host_hash_del(h, s);
	s->ino = ino;
	host_hash_put(h, s);
	s->kind = PL_KIND_LISTENER;
	s->state = S_OPEN;
	m->ino = ino;
	*passfd = sp[1];
	host_listener_interest(h, s);
	return 0;
}

static int op_connect(struct pl_host *h, struct hsock *s, struct pl_msg *m, int *fdin)
{
	struct sockaddr_storage sa;
	socklen_t salen, len = sizeof(s->prog_sndbuf);
	int rc, one = 1;
	static const uint8_t filler[PL_FILLER];

	if (addr_get(m, &sa, &salen))
		return -EINVAL;
	if ((rc = host_scope_to_stack(h, &sa)) < 0)
		return rc;
	if (s->kind == PL_KIND_DGRAM)
		return us_connect(s->usfd, (struct sockaddr *)&sa, salen);
	if (s->kind != PL_KIND_STREAM)
		return -EINVAL;
	if (s->state == S_CONNECTING)
		return -EALREADY;
	if (s->state != S_IDLE)
		return -EISCONN;
	rc = us_connect(s->usfd, (struct sockaddr *)&sa, salen);
	if (rc == 0)
		return host_stream_open(h, s);
	if (rc != -EINPROGRESS)
		return rc;
	s->state = S_CONNECTING;
	host_kset(h, s, 0);
	host_uset(h, s, US_EPOLLOUT);
	/* Until the outcome the program's end is kept unwritable: a unix stream socket is
	 * writable while its own unconsumed bytes are under a quarter of its send buffer, so
	 * a small buffer and a filler nobody reads yet make POLLOUT wait for connect_done. */
	if (*fdin >= 0) {
		getsockopt(*fdin, SOL_SOCKET, SO_SNDBUF, &s->prog_sndbuf, &len);
		setsockopt(*fdin, SOL_SOCKET, SO_SNDBUF, &one, sizeof(one));
		if (send(*fdin, filler, sizeof(filler), MSG_DONTWAIT | MSG_NOSIGNAL) ==
		    (ssize_t)sizeof(filler)) {
			s->filler = sizeof(filler);
			STAT_INC(preload, connects_held);
		}
		s->prog = *fdin;
		*fdin = -1;
	}
	return -EINPROGRESS;
}

static int op_sockopt(struct hsock *s, struct pl_msg *m, int get)
{
	socklen_t len;
	int rc;

	if (get && m->a == SOL_SOCKET && m->b == SO_ERROR) {
		int err = s->err;

		if (s->state == S_CONNECTING)
			err = 0;
		else if (s->state == S_TOMB || s->usfd < 0)
			s->err = 0;
		else {
			len = sizeof(err);
			if (!err)
				us_getsockopt(s->usfd, SOL_SOCKET, SO_ERROR, &err, &len);
			s->err = 0;
		}
		memcpy(m->data, &err, sizeof(err));
		m->len = sizeof(err);
		return 0;
	}
	/* TCP_CORK (nginx's tcp_nopush, on in Debian's nginx.conf): accepted on a TCP socket
	 * and answered, without effect. It only asks for full segments; the pump hands the
	 * stack the program's bytes as they come and would not keep a cork's order with them
	 * (the option is a request on the control connection, the bytes are not). */
	if (m->a == IPPROTO_TCP && m->b == TCP_CORK && s->kind != PL_KIND_DGRAM) {
		int v = s->cork;

		if (get) {
			memcpy(m->data, &v, sizeof(v));
			m->len = sizeof(v);
			return 0;
		}
		if (m->len < sizeof(v))
			return -EINVAL;
		memcpy(&v, m->data, sizeof(v));
		s->cork = v != 0;
		return 0;
	}
	if (s->usfd < 0)
		return get ? -ENOTCONN : -EINVAL;
	if (!get)
		return us_setsockopt(s->usfd, m->a, m->b, m->data, m->len);
	len = m->c < 0 ? 0 : m->c > PL_DATA_MAX ? PL_DATA_MAX : (socklen_t)m->c;
	rc = us_getsockopt(s->usfd, m->a, m->b, m->data, &len);
	m->len = rc < 0 ? 0 : (uint16_t)len;
	return rc;
}

struct resolve_job {
	struct ustack *st;
	int fd;
	struct pl_msg m;
};

/* 1 if the stack could send to a: a UDP socket of its family connects to it (a route and
 * a source address; nothing is sent). */
static int addr_usable(const struct pl_addr *a)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = pl_sockaddr_len(a->family);
	int fd = us_socket(a->family, SOCK_DGRAM, 0), rc;

	if (fd < 0)
		return 0;
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(9);
		memcpy(&sin->sin_addr, a->a, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(9);
		memcpy(&sin6->sin6_addr, a->a, 16);
	}
	rc = us_connect(fd, (struct sockaddr *)&ss, len);
	us_close(fd);
	return rc == 0;
}

/* AI_ADDRCONFIG on the stack rather than the kernel (glibc would ask the kernel's
 * interfaces): a family's answers stay if the stack can send to one of them, else they
 * all go. The n addresses of out are filtered in place: their new count. */
static int addrconfig(struct pl_addr *out, int n)
{
	int keep4 = 0, keep6 = 0, k = 0;

	for (int i = 0; i < n; i++) {
		int *keep = out[i].family == AF_INET ? &keep4 : &keep6;

		if (!*keep)
			*keep = addr_usable(&out[i]);
	}
	for (int i = 0; i < n; i++)
		if (out[i].family == AF_INET ? keep4 : keep6)
			out[k++] = out[i];
	return k;
}

/* The addresses of a name (us_getaddrinfo: the hosts file, then the DNS stub, A and AAAA
 * as the family asks, IPv4 first for AF_UNSPEC), each once: their count, or its error. */
static int resolve_addrs(const char *name, int family, int flags, struct pl_addr *out,
			 int max)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_STREAM }, *res, *r;
	int n = 0, rc;

	rc = us_getaddrinfo(name, NULL, &hints, &res);
	if (rc < 0)
		return rc;
	for (r = res; r && n < max; r = r->ai_next) {
		struct pl_addr a = { .family = r->ai_family };
		int dup = 0;

		if (r->ai_family == AF_INET)
			memcpy(a.a, &((struct sockaddr_in *)(void *)r->ai_addr)->sin_addr, 4);
		else if (r->ai_family == AF_INET6)
			memcpy(a.a, &((struct sockaddr_in6 *)(void *)r->ai_addr)->sin6_addr, 16);
		else
			continue;
		for (int i = 0; i < n && !dup; i++)
			dup = out[i].family == a.family && !memcmp(out[i].a, a.a, 16);
		if (!dup)
			out[n++] = a;
	}
	us_freeaddrinfo(res);
	if (flags & AI_ADDRCONFIG)
		n = addrconfig(out, n);
	return n ? n : -ENODATA;
}

static void *resolve_thread(void *arg)
{
	struct resolve_job *j = arg;
	struct pl_addr out[PL_ADDRS_MAX];
	int n;

	ustack_use(j->st);
	j->m.data[j->m.len < PL_DATA_MAX ? j->m.len : PL_DATA_MAX - 1] = '\0';
	if (j->m.a != AF_UNSPEC && j->m.a != AF_INET && j->m.a != AF_INET6)
		n = -EAFNOSUPPORT;
	else
		n = resolve_addrs((char *)j->m.data, j->m.a, j->m.b, out, PL_ADDRS_MAX);
	j->m.len = 0;
	j->m.rc = n < 0 ? n : 0;
	if (n > 0)
		j->m.len = (uint16_t)pl_addrs_encode(out, n, j->m.data, PL_DATA_MAX);
	reply(j->fd, &j->m, -1);
	close(j->fd);
	free(j);
	return NULL;
}

static int op_resolve(struct pl_host *h, struct client *c, struct pl_msg *m)
{
	struct resolve_job *j = malloc(sizeof(*j));
	pthread_attr_t at;
	pthread_t t;
	int rc;

	if (!j)
		return -ENOMEM;
	j->m = *m;
	j->st = h->st;
	j->fd = fcntl(c->fd, F_DUPFD_CLOEXEC, 0);
	if (j->fd < 0) {
		free(j);
		return -errno;
	}
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	rc = -pthread_create(&t, &at, resolve_thread, j);
	pthread_attr_destroy(&at);
	if (rc) {
		close(j->fd);
		free(j);
		return rc;
	}
	return 1; /* the thread replies */
}

void host_client_request(struct pl_host *h, struct client *c)
{
	uint8_t buf[PL_MSG_MAX];
	char cbuf[PL_CMSG_SPACE];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	struct pl_msg m;
	struct hsock *s = NULL;
	int fdin = -1, passfd = -1, rc;
	ssize_t n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		c->dead = 1;
		return;
	}
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fdin, CMSG_DATA(cm), sizeof(int));
	if (pl_msg_decode(buf, (size_t)n, &m)) {
		STAT_INC(preload, bad_requests);
		c->dead = 1; /* not a client of this protocol */
		goto out;
	}
	STAT_INC(preload, requests);
	if (m.op != PL_OP_SOCKET && m.op != PL_OP_RESOLVE) {
		s = *host_hslot(h, m.ino);
		/* A socket the host let go of: both directions ended, or an inode it never
		 * gave out. Nothing is pending on it, and it is connected to nothing. */
		if (!s && m.op != PL_OP_LOOKUP) {
			rc = m.op == PL_OP_ERROR ? 0 : -ENOTCONN;
			goto answer;
		}
	}
	switch (m.op) {
	case PL_OP_SOCKET: rc = op_socket(h, &m, &passfd); break;
	case PL_OP_LOOKUP:
		rc = s ? (int)s->kind : PL_KIND_NONE;
		m.a = s ? s->domain : 0;
		break;
	case PL_OP_BIND: {
		struct sockaddr_storage sa;
		socklen_t salen;

		rc = s->usfd < 0 ? -EINVAL : addr_get(&m, &sa, &salen) ? -EINVAL :
			host_scope_to_stack(h, &sa);
		if (!rc)
			rc = us_bind(s->usfd, (struct sockaddr *)&sa, salen);
		break;
	}
	case PL_OP_LISTEN: rc = s->usfd < 0 ? -EINVAL : op_listen(h, s, &m, &passfd); break;
	case PL_OP_CONNECT:
		rc = s->state == S_TOMB ? -ECONNABORTED : op_connect(h, s, &m, &fdin);
		if (rc == -EINPROGRESS)
			s->connect_by = c;
		break;
	case PL_OP_GETSOCKNAME:
	case PL_OP_GETPEERNAME: {
		struct sockaddr_storage sa = { 0 };
		socklen_t len = sizeof(sa);

		if (s->usfd < 0)
			rc = -ENOTCONN;
		else if (m.op == PL_OP_GETSOCKNAME)
			rc = us_getsockname(s->usfd, (struct sockaddr *)&sa, &len);
		else
			rc = us_getpeername(s->usfd, (struct sockaddr *)&sa, &len);
		if (len > sizeof(sa))
			len = sizeof(sa);
		host_scope_to_prog(h, &sa);
		memcpy(m.data, &sa, len);
		m.len = rc < 0 ? 0 : (uint16_t)len;
		break;
	}
	case PL_OP_SETSOCKOPT: rc = op_sockopt(s, &m, 0); break;
	case PL_OP_GETSOCKOPT: rc = op_sockopt(s, &m, 1); break;
	case PL_OP_ERROR:
		rc = s->state == S_TOMB ? -s->err : 0;
		s->err = 0;
		break;
	case PL_OP_SHUTDOWN:
		rc = s->usfd < 0 ? -ENOTCONN : us_shutdown(s->usfd, m.a);
		break;
	case PL_OP_ABANDON:
		/* the host's copy of the program's end (the filler's) hides the close */
		if (s->state == S_CONNECTING)
			host_sock_free(h, s);
		rc = 0;
		break;
	case PL_OP_RESOLVE:
		rc = op_resolve(h, c, &m);
		if (rc == 1)
			goto out;
		break;
	default: rc = -EINVAL; break;
	}
answer:
	m.rc = rc;
	if (reply(c->fd, &m, passfd) < 0)
		c->dead = 1;
out:
	if (passfd >= 0)
		close(passfd);
	if (fdin >= 0)
		close(fdin);
}
