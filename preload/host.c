/* SPDX-License-Identifier: MIT */
/* The stack host of the preload library (preload/host.h, docs/preload.md).
 *
 * One thread, one kernel epoll: the API socket, every control connection, every unix end
 * the host holds, a stop pipe, and the kernel descriptor of one readiness set
 * (us_epoll_fd) that holds every ustack socket. Every ustack socket is non-blocking and
 * every call on it is made from this thread, so nothing here waits on the stack except
 * us_getaddrinfo, which runs in a thread of its own per request.
 *
 * A TCP connection is a pump with one buffer per direction (HOST_BUF bytes, allocated
 * when the connection opens): the unix end is read only when the buffer towards the stack
 * is empty, and the stack is read only when the buffer towards the program is empty, so
 * each side waits on the other's room (backpressure both ways). Ends: the program's EOF
 * becomes us_shutdown(SHUT_WR) once its bytes are in; the stack's EOF becomes
 * shutdown(SHUT_WR) on the unix end; EPOLLHUP on the unix end (every copy of the
 * program's end closed) becomes us_close; an error ends the unix end at once and leaves a
 * tombstone that answers PL_OP_ERROR and SO_ERROR. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <ustack.h>

#include "lib/ctl.h"
#include "net/log.h"
#include "preload/host_int.h"

STATS_DEFINE(preload, PRELOAD_COUNTERS)

int pl_api_path(const char *name, char *buf, size_t size)
{
	if (!ctl_name_valid(name))
		return -EINVAL;
	if ((size_t)snprintf(buf, size, "%s/%s%s", CTL_DIR, name, PL_API_SUFFIX) >= size)
		return -EINVAL;
	return 0;
}

/* ---- the ino table ---- */

struct hsock **host_hslot(struct pl_host *h, uint64_t ino)
{
	struct hsock **pp = &h->hash[(ino * 0x9e3779b97f4a7c15ull) >> 52 & (HOST_HASH - 1)];

	while (*pp && (*pp)->ino != ino)
		pp = &(*pp)->hnext;
	return pp;
}

void host_hash_put(struct pl_host *h, struct hsock *s)
{
	struct hsock **pp = host_hslot(h, s->ino);

	if (*pp) /* a stale entry whose inode the kernel reused: the new socket wins */
		*pp = (*pp)->hnext;
	s->hnext = NULL;
	*host_hslot(h, s->ino) = s;
}

void host_hash_del(struct pl_host *h, struct hsock *s)
{
	struct hsock **pp = host_hslot(h, s->ino);

	if (*pp == s)
		*pp = s->hnext;
}

int host_fd_ino(int fd, uint64_t *ino)
{
	struct stat sb;

	if (fstat(fd, &sb))
		return -errno;
	*ino = sb.st_ino;
	return 0;
}

/* ---- link-local scopes ---- */

/* The scope id of ss if it is an IPv6 link-local address with one, else 0. */
static uint32_t scope_of(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family != AF_INET6 || !IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr))
		return 0;
	return s6->sin6_scope_id;
}

int host_scope_to_stack(struct pl_host *h, struct sockaddr_storage *ss)
{
	char name[IF_NAMESIZE];
	uint32_t scope = scope_of(ss);
	int idx;

	if (!scope)
		return 0;
	if (!if_indextoname(scope, name) || (idx = ustack_dev_index(h->st, name)) < 0) {
		STAT_INC(preload, scope_unknown);
		return -ENODEV;
	}
	((struct sockaddr_in6 *)ss)->sin6_scope_id = (uint32_t)idx;
	return 0;
}

void host_scope_to_prog(struct pl_host *h, struct sockaddr_storage *ss)
{
	char name[IF_NAMESIZE];
	uint32_t scope = scope_of(ss);

	if (!scope)
		return;
	((struct sockaddr_in6 *)ss)->sin6_scope_id =
		ustack_dev_name(h->st, (int)scope, name, sizeof(name)) ? 0 : if_nametoindex(name);
}

/* ---- interest ---- */

void host_kset(struct pl_host *h, struct hsock *s, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = s };

	if (s->ufd < 0)
		return;
	if (!s->kreg) {
		if (!epoll_ctl(h->epfd, EPOLL_CTL_ADD, s->ufd, &e))
			s->kreg = 1;
	} else if (ev != s->kev) {
		epoll_ctl(h->epfd, EPOLL_CTL_MOD, s->ufd, &e);
	}
	s->kev = ev;
}

void host_kdel(struct pl_host *h, struct hsock *s)
{
	if (s->kreg && s->ufd >= 0)
		epoll_ctl(h->epfd, EPOLL_CTL_DEL, s->ufd, NULL);
	s->kreg = 0;
}

void host_uset(struct pl_host *h, struct hsock *s, uint32_t ev)
{
	struct us_epoll_event e = { .events = ev, .data.ptr = s };

	if (s->usfd < 0 || ev == s->uev)
		return;
	us_epoll_ctl(h->usep, s->uev ? US_EPOLL_CTL_MOD : US_EPOLL_CTL_ADD, s->usfd, &e);
	s->uev = ev;
}

/* ---- life of a socket ---- */

struct hsock *host_sock_new(struct pl_host *h, enum pl_kind kind, int usfd, int ufd)
{
	struct hsock *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->type = REF_SOCK;
	s->kind = kind;
	s->usfd = usfd;
	s->ufd = ufd;
	s->prog = s->pend_fd = -1;
	TAILQ_INSERT_TAIL(&h->live, s, link);
	atomic_fetch_add(&h->nsocks, 1);
	return s;
}

static void close_us(struct pl_host *h, struct hsock *s)
{
	if (s->usfd >= 0) {
		us_close(s->usfd); /* leaves the readiness set */
		s->usfd = -1;
		s->uev = 0;
	}
	(void)h;
}

static void close_unix(struct pl_host *h, struct hsock *s)
{
	host_kdel(h, s);
	if (s->ufd >= 0)
		close(s->ufd);
	s->ufd = -1;
	if (s->prog >= 0)
		close(s->prog);
	s->prog = -1;
	if (s->pend_fd >= 0)
		close(s->pend_fd);
	s->pend_fd = -1;
}

/* Frees at the end of the event batch: events already fetched may point at it. */
void host_sock_free(struct pl_host *h, struct hsock *s)
{
	if (s->dead)
		return;
	close_unix(h, s);
	close_us(h, s);
	host_hash_del(h, s);
	if (s->state == S_TOMB) {
		TAILQ_REMOVE(&h->tombs, s, link);
		h->ntombs--;
	} else {
		TAILQ_REMOVE(&h->live, s, link);
		atomic_fetch_sub(&h->nsocks, 1);
	}
	free(s->in);
	free(s->out);
	s->in = s->out = NULL;
	s->dead = 1;
	TAILQ_INSERT_TAIL(&h->dead, s, link);
}

/* The connection ended with err (positive): the unix end is closed, so the program reads
 * its end of stream (and PL_OP_ERROR gives it err) and a write raises EPIPE; the record
 * stays as a tombstone for the question, the oldest going first past HOST_TOMBS_MAX. */
static void sock_tomb(struct pl_host *h, struct hsock *s, int err)
{
	close_unix(h, s);
	close_us(h, s);
	free(s->in);
	free(s->out);
	s->in = s->out = NULL;
	s->err = err;
	TAILQ_REMOVE(&h->live, s, link);
	atomic_fetch_sub(&h->nsocks, 1);
	s->state = S_TOMB;
	TAILQ_INSERT_TAIL(&h->tombs, s, link);
	if (err == ECONNRESET)
		STAT_INC(preload, resets);
	if (++h->ntombs > HOST_TOMBS_MAX) {
		STAT_INC(preload, tombs_evicted);
		host_sock_free(h, TAILQ_FIRST(&h->tombs));
	}
}

/* ---- TCP: the pump ---- */

static void stream_interest(struct pl_host *h, struct hsock *s)
{
	uint32_t kev = 0, uev = 0;

	if (s->state != S_OPEN)
		return;
	if (!s->prog_eof && !s->in_len)
		kev |= EPOLLIN;
	if (s->out_len)
		kev |= EPOLLOUT;
	if (s->prog_gone || s->hup)
		host_kdel(h, s); /* HUP is reported for ever: the stack's events drive the rest */
	else
		host_kset(h, s, kev);
	if (s->in_len || (s->prog_eof && !s->us_shut))
		uev |= US_EPOLLOUT;
	if (!s->us_eof && !s->out_len)
		uev |= US_EPOLLIN;
	host_uset(h, s, uev ? uev : US_EPOLLERR);
}

static void stream_pump(struct pl_host *h, struct hsock *s, int hup)
{
	int progress = 1;

	if (hup)
		s->hup = 1;
	while (progress && !s->dead && s->state == S_OPEN) {
		ssize_t n;

		progress = 0;
		/* the program's bytes towards the stack */
		if (!s->in_len && !s->prog_eof && !s->prog_gone) {
			n = recv(s->ufd, s->in, HOST_BUF, MSG_DONTWAIT);
			if (n > 0) {
				size_t skip = s->filler < (size_t)n ? s->filler : (size_t)n;

				s->filler -= skip;
				s->in_off = skip;
				s->in_len = (size_t)n - skip;
				progress = 1;
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				/* a close (every copy: HUP) or a shutdown(SHUT_WR) of the program */
				struct pollfd p = { .fd = s->ufd };

				if (!s->hup && poll(&p, 1, 0) == 1 && (p.revents & POLLHUP))
					s->hup = 1;
				s->prog_eof = 1;
				progress = 1;
			}
		}
		if (s->prog_eof && s->hup)
			s->prog_gone = 1;
		if (s->in_len) {
			n = us_send(s->usfd, s->in + s->in_off, s->in_len, MSG_DONTWAIT);
			if (n > 0) {
				STAT_ADD(preload, bytes_to_stack, (uint64_t)n);
				s->in_off += (size_t)n;
				s->in_len -= (size_t)n;
				progress = 1;
			} else if (n != -EAGAIN) {
				sock_tomb(h, s, (int)-n);
				return;
			}
		}
		/* a half-close becomes the FIN; a close is us_close's (below), which keeps
		 * SO_LINGER's meaning: a FIN after the data, or a reset */
		if (s->prog_eof && !s->in_len && !s->us_shut && !s->prog_gone) {
			us_shutdown(s->usfd, SHUT_WR);
			s->us_shut = 1;
		}
		/* the stack's bytes towards the program */
		if (!s->out_len && !s->us_eof) {
			n = us_recv(s->usfd, s->out, HOST_BUF, MSG_DONTWAIT);
			if (n > 0) {
				s->out_off = 0;
				s->out_len = (size_t)n;
				progress = 1;
			} else if (n == 0) {
				s->us_eof = 1;
				progress = 1;
			} else if (n != -EAGAIN) {
				sock_tomb(h, s, (int)-n);
				return;
			}
		}
		if (s->out_len && (s->prog_gone || s->rd_shut)) {
			/* nobody reads it: dropped, as the kernel's SHUT_RD does */
			STAT_ADD(preload, bytes_dropped_rd_shut, s->out_len);
			s->out_len = 0;
		} else if (s->out_len) {
			n = send(s->ufd, s->out + s->out_off, s->out_len, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n > 0) {
				STAT_ADD(preload, bytes_to_prog, (uint64_t)n);
				s->out_off += (size_t)n;
				s->out_len -= (size_t)n;
				progress = 1;
			} else if (errno != EAGAIN && errno != EINTR) {
				/* EPIPE: the program shut its end for reading, or closed it (which
				 * HUP tells apart); it may still write */
				s->rd_shut = 1;
				STAT_ADD(preload, bytes_dropped_rd_shut, s->out_len);
				s->out_len = 0;
				progress = 1;
			}
		}
		if (s->us_eof && !s->out_len && !s->u_shut && !s->prog_gone) {
			shutdown(s->ufd, SHUT_WR);
			s->u_shut = 1;
		}
	}
	if (s->dead || s->state != S_OPEN)
		return;
	/* The program has closed its end (HUP: every copy closed, or both directions shut)
	 * and its last bytes are read: they go out, then the stack closes. */
	if (s->prog_gone && !s->in_len) {
		host_sock_free(h, s);
		return;
	}
	stream_interest(h, s);
}

int host_stream_open(struct pl_host *h, struct hsock *s)
{
	s->in = malloc(HOST_BUF);
	s->out = malloc(HOST_BUF);
	if (!s->in || !s->out)
		return -ENOMEM;
	s->state = S_OPEN;
	stream_pump(h, s, 0);
	return 0;
}

/* The outcome of a non-blocking connect: the filler goes, the program's end gets its
 * buffer back and becomes writable. */
static void connect_done(struct pl_host *h, struct hsock *s)
{
	int err = 0, sb = s->prog_sndbuf / 2;
	socklen_t len = sizeof(err);

	us_getsockopt(s->usfd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (s->prog >= 0) {
		setsockopt(s->prog, SOL_SOCKET, SO_SNDBUF, &sb, sizeof(sb));
		close(s->prog);
		s->prog = -1;
	}
	if (err) {
		sock_tomb(h, s, err);
		return;
	}
	if (host_stream_open(h, s) < 0)
		sock_tomb(h, s, ENOMEM);
}

/* ---- listeners ---- */

/* Hands one connection to the program: 0, or -EAGAIN when the unix queue is full. */
static int pass_conn(struct hsock *l, int fd, const struct sockaddr_storage *peer)
{
	uint8_t hdr[PL_DGRAM_HDR];
	char cbuf[PL_CMSG_SPACE];
	struct iovec iov = { hdr, sizeof(hdr) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	pl_dgram_encode((const struct sockaddr *)peer, hdr);
	pl_put_fd(&mh, cbuf, fd);
	if (sendmsg(l->ufd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return errno == EAGAIN ? -EAGAIN : -errno;
	return 0;
}

void host_listener_interest(struct pl_host *h, struct hsock *l)
{
	host_kset(h, l, l->pend_fd >= 0 ? EPOLLOUT : 0);
	host_uset(h, l, l->pend_fd >= 0 ? US_EPOLLERR : US_EPOLLIN);
}

static void listener_accept(struct pl_host *h, struct hsock *l)
{
	for (int i = 0; i < HOST_ACCEPTS_PER_EVENT; i++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		struct hsock *c;
		int rc, fd, sp[2];

		if (l->pend_fd >= 0) {
			rc = pass_conn(l, l->pend_fd, &l->pend_peer);
			if (rc == -EAGAIN)
				break;
			if (rc == 0)
				STAT_INC(preload, accepted);
			close(l->pend_fd);
			l->pend_fd = -1;
			continue;
		}
		fd = us_accept4(l->usfd, (struct sockaddr *)&peer, &plen, US_SOCK_NONBLOCK);
		if (fd < 0)
			break;
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp)) {
			warnf("preload: socketpair: %s", strerror(errno));
			us_close(fd);
			break;
		}
		c = host_sock_new(h, PL_KIND_STREAM, fd, sp[0]);
		if (c)
			c->domain = l->domain;
		if (!c || host_fd_ino(sp[1], &c->ino) || host_stream_open(h, c) < 0) {
			if (c)
				host_sock_free(h, c);
			else
				us_close(fd), close(sp[0]);
			close(sp[1]);
			break;
		}
		host_hash_put(h, c);
		host_scope_to_prog(h, &peer);
		rc = pass_conn(l, sp[1], &peer);
		if (rc == -EAGAIN) {
			/* the program's queue is full: this one waits here, the next ones in
			 * ustack's backlog */
			STAT_INC(preload, accept_held);
			l->pend_fd = sp[1];
			l->pend_peer = peer;
			break;
		}
		if (rc == 0)
			STAT_INC(preload, accepted);
		close(sp[1]);
	}
	host_listener_interest(h, l);
}

/* ---- UDP ---- */

/* An error of a connected socket (ustack's so_error from an ICMP error: ECONNREFUSED,
 * EHOSTUNREACH...) for the program's next receive or send. A full queue loses it, as it
 * would lose a datagram. */
static void dgram_error(struct hsock *s, int err)
{
	uint8_t msg[PL_DGRAM_ERR_LEN];

	pl_dgram_err_encode(err, msg);
	if (send(s->ufd, msg, sizeof(msg), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		STAT_INC(preload, udp_dropped_full);
	else
		STAT_INC(preload, udp_errors_to_prog);
}

/* A send failed with err: a pending error of a connected socket (taken by us_send in
 * place of the datagram) goes to the program, as its own send would have returned it;
 * a datagram's own failure (no route, too big) has no call left to report it. */
static int dgram_async_err(struct hsock *s, int err)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);

	if (err != ECONNREFUSED && err != EHOSTUNREACH && err != ENETUNREACH &&
	    err != ENOPROTOOPT)
		return 0;
	return us_getpeername(s->usfd, (struct sockaddr *)&peer, &len) == 0;
}

static void dgram_from_prog(struct pl_host *h, struct hsock *s)
{
	for (int i = 0; i < HOST_DGRAMS_PER_EVENT; i++) {
		struct sockaddr_storage to;
		socklen_t tolen;
		ssize_t n = recv(s->ufd, h->dgram, sizeof(h->dgram), MSG_DONTWAIT);
		ssize_t r;

		if (n < 0)
			return;
		if (n == 0 || pl_dgram_decode(h->dgram, (size_t)n, &to, &tolen)) {
			STAT_INC(preload, udp_bad_header);
			continue;
		}
		if (host_scope_to_stack(h, &to) < 0)
			r = -ENODEV;
		else if (to.ss_family == AF_UNSPEC)
			r = us_send(s->usfd, h->dgram + PL_DGRAM_HDR, (size_t)n - PL_DGRAM_HDR, 0);
		else
			r = us_sendto(s->usfd, h->dgram + PL_DGRAM_HDR, (size_t)n - PL_DGRAM_HDR, 0,
				      (struct sockaddr *)&to, tolen);
		if (r < 0) {
			STAT_INC(preload, udp_send_errors);
			if (dgram_async_err(s, (int)-r))
				dgram_error(s, (int)-r);
		} else {
			STAT_INC(preload, udp_to_stack);
		}
	}
}

static void dgram_to_prog(struct pl_host *h, struct hsock *s)
{
	for (int i = 0; i < HOST_DGRAMS_PER_EVENT; i++) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n = us_recvfrom(s->usfd, h->dgram + PL_DGRAM_HDR, PL_DGRAM_MAX, 0,
					(struct sockaddr *)&from, &flen);

		if (n < 0) {
			if (n != -EAGAIN) /* a receive's only other failure: the pending error */
				dgram_error(s, (int)-n);
			return;
		}
		host_scope_to_prog(h, &from);
		pl_dgram_encode((struct sockaddr *)&from, h->dgram);
		/* a full queue drops the datagram, as a full receive buffer would */
		if (send(s->ufd, h->dgram, PL_DGRAM_HDR + (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			STAT_INC(preload, udp_dropped_full);
		else
			STAT_INC(preload, udp_to_prog);
	}
}

/* ---- the thread ---- */

static void sock_kevent(struct pl_host *h, struct hsock *s, uint32_t ev)
{
	if (s->dead)
		return;
	switch (s->kind) {
	case PL_KIND_LISTENER:
		if (ev & (EPOLLHUP | EPOLLERR)) {
			host_sock_free(h, s); /* every copy of the program's end is closed */
			return;
		}
		listener_accept(h, s);
		return;
	case PL_KIND_DGRAM:
		if (ev & EPOLLIN)
			dgram_from_prog(h, s);
		if (ev & (EPOLLHUP | EPOLLERR))
			host_sock_free(h, s);
		return;
	default:
		break;
	}
	if (s->state == S_OPEN)
		stream_pump(h, s, !!(ev & (EPOLLHUP | EPOLLERR)));
	else if (s->state == S_IDLE && (ev & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)))
		host_sock_free(h, s);
}

static void sock_usevent(struct pl_host *h, struct hsock *s, uint32_t ev)
{
	(void)ev;
	if (s->dead)
		return;
	if (s->kind == PL_KIND_LISTENER)
		listener_accept(h, s);
	else if (s->kind == PL_KIND_DGRAM)
		dgram_to_prog(h, s);
	else if (s->state == S_CONNECTING)
		connect_done(h, s);
	else if (s->state == S_OPEN)
		stream_pump(h, s, 0);
}

static void api_accept(struct pl_host *h)
{
	struct epoll_event e = { .events = EPOLLIN };
	struct client *c;
	int fd = accept4(h->api_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->type = REF_CLIENT;
	c->fd = fd;
	e.data.ptr = c;
	if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &e)) {
		close(fd);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&h->clients, c, link);
	atomic_fetch_add(&h->nclients, 1);
	STAT_INC(preload, clients);
}

/* A process's control connection ended (it exited, or exec'd): the connects it started
 * that are still pending are aborted. The host holds a copy of each one's program end
 * for the filler, so the program's own close is not seen as a hang-up; without this a
 * connect to an address that never answers (curl or Python giving up on a timeout) would
 * keep its record, and `ustack run`, until TCP gave up on its SYNs. */
static void client_gone(struct pl_host *h, struct client *c)
{
	struct hsock *s, *sn;

	for (s = TAILQ_FIRST(&h->live); s; s = sn) {
		sn = TAILQ_NEXT(s, link);
		if (s->state == S_CONNECTING && s->connect_by == c)
			host_sock_free(h, s);
	}
}

static void *host_thread(void *arg)
{
	struct pl_host *h = arg;
	struct epoll_event ev[HOST_EVENTS];
	struct us_epoll_event uev[HOST_US_EVENTS];

	ustack_use(h->st);
	for (;;) {
		int n = epoll_wait(h->epfd, ev, HOST_EVENTS, -1);
		struct hsock *s;
		struct client *c, *cn;

		if (n < 0 && errno != EINTR) {
			errorf("preload host: epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			int type = *(int *)ev[i].data.ptr;

			if (type == REF_STOP)
				goto stop;
			if (type == REF_API)
				api_accept(h);
			else if (type == REF_CLIENT)
				host_client_request(h, ev[i].data.ptr);
			else if (type == REF_SOCK)
				sock_kevent(h, ev[i].data.ptr, ev[i].events);
			else if (type == REF_USEP) {
				int m = us_epoll_wait(h->usep, uev, HOST_US_EVENTS, 0);

				for (int j = 0; j < m; j++)
					sock_usevent(h, uev[j].data.ptr, uev[j].events);
			}
		}
		while ((s = TAILQ_FIRST(&h->dead))) {
			TAILQ_REMOVE(&h->dead, s, link);
			free(s);
		}
		for (c = TAILQ_FIRST(&h->clients); c; c = cn) {
			cn = TAILQ_NEXT(c, link);
			if (!c->dead)
				continue;
			client_gone(h, c);
			epoll_ctl(h->epfd, EPOLL_CTL_DEL, c->fd, NULL);
			close(c->fd);
			TAILQ_REMOVE(&h->clients, c, link);
			free(c);
			atomic_fetch_sub(&h->nclients, 1);
		}
	}
stop:
	return NULL;
}

int pl_host_busy(const struct pl_host *h)
{
	return h ? atomic_load(&h->nclients) + atomic_load(&h->nsocks) : 0;
}

static int probe(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, rc;

	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 1;
	close(fd);
	return rc == -ENOENT ? 0 : rc;
}

static int add_ref(struct pl_host *h, int fd, int *ref, int type)
{
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = ref };

	*ref = type;
	return epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &e) ? -errno : 0;
}

int pl_host_start(struct ustack *st, const char *name, struct pl_host **out, char *err,
		  size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct pl_host *h;
	struct stat sb;
	int rc;

	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->st = st;
	h->api_fd = h->epfd = h->usep = h->stop_pipe[0] = h->stop_pipe[1] = -1;
	TAILQ_INIT(&h->live);
	TAILQ_INIT(&h->tombs);
	TAILQ_INIT(&h->dead);
	TAILQ_INIT(&h->clients);
	if (pl_api_path(name, h->path, sizeof(h->path))) {
		snprintf(err, errlen, "--api '%s': give 1 to %d letters, digits, '.', '_' or '-'",
			 name, CTL_NAME_MAX);
		rc = -EINVAL;
		goto fail;
	}
	if (mkdir(CTL_DIR, 0700) && errno != EEXIST) {
		rc = -errno;
		snprintf(err, errlen, "cannot make %s: %s", CTL_DIR, strerror(errno));
		goto fail;
	}
	rc = probe(h->path);
	if (rc == 1) {
		snprintf(err, errlen, "--api %s: a running stack has that name already (%s)",
			 name, h->path);
		rc = -EADDRINUSE;
		goto fail;
	}
	if (rc == -ECONNREFUSED)
		unlink(h->path); /* the socket of a stack that died */
	else if (rc < 0) {
		snprintf(err, errlen, "%s: %s", h->path, strerror(-rc));
		goto fail;
	}
	strcpy(sa.sun_path, h->path);
	h->api_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (h->api_fd < 0 || bind(h->api_fd, (struct sockaddr *)&sa, sizeof(sa))) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", h->path, strerror(errno));
		goto fail;
	}
	if (chmod(h->path, 0600) || stat(h->path, &sb) || listen(h->api_fd, 128)) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", h->path, strerror(errno));
		unlink(h->path);
		goto fail;
	}
	h->dev = sb.st_dev;
	h->api_ino = sb.st_ino;
	ustack_use(st);
	h->usep = us_epoll_create();
	h->usep_kfd = h->usep < 0 ? h->usep : us_epoll_fd(h->usep);
	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (h->usep_kfd < 0 || h->epfd < 0 || pipe2(h->stop_pipe, O_CLOEXEC) ||
	    add_ref(h, h->api_fd, &h->api_ref, REF_API) ||
	    add_ref(h, h->usep_kfd, &h->usep_ref, REF_USEP) ||
	    add_ref(h, h->stop_pipe[0], &h->stop_ref, REF_STOP)) {
		rc = h->usep_kfd < 0 ? h->usep_kfd : -errno;
		snprintf(err, errlen, "preload host: %s", strerror(-rc));
		unlink(h->path);
		goto fail;
	}
	rc = -pthread_create(&h->thread, NULL, host_thread, h);
	if (rc) {
		snprintf(err, errlen, "preload host: thread: %s", strerror(-rc));
		unlink(h->path);
		goto fail;
	}
	/* its name in top -H, ps -L and perf (bench/preload_profile.sh tells it by name) */
	pthread_setname_np(h->thread, "ustack-host");
	*out = h;
	return 0;
fail:
	if (h->api_fd >= 0)
		close(h->api_fd);
	if (h->epfd >= 0)
		close(h->epfd);
	if (h->usep >= 0)
		us_close(h->usep);
	if (h->stop_pipe[0] >= 0) {
		close(h->stop_pipe[0]);
		close(h->stop_pipe[1]);
	}
	free(h);
	return rc;
}

void pl_host_stop(struct pl_host *h)
{
	struct hsock *s;
	struct client *c;
	struct stat sb;

	if (!h)
		return;
	if (write(h->stop_pipe[1], "x", 1) == 1)
		pthread_join(h->thread, NULL);
	while ((s = TAILQ_FIRST(&h->live)))
		host_sock_free(h, s);
	while ((s = TAILQ_FIRST(&h->tombs)))
		host_sock_free(h, s);
	while ((s = TAILQ_FIRST(&h->dead))) {
		TAILQ_REMOVE(&h->dead, s, link);
		free(s);
	}
	while ((c = TAILQ_FIRST(&h->clients))) {
		TAILQ_REMOVE(&h->clients, c, link);
		close(c->fd);
		free(c);
	}
	if (!stat(h->path, &sb) && sb.st_dev == h->dev && sb.st_ino == h->api_ino)
		unlink(h->path);
	close(h->api_fd);
	close(h->epfd);
	us_close(h->usep);
	close(h->stop_pipe[0]);
	close(h->stop_pipe[1]);
	free(h);
}
