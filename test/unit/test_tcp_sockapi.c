/* SPDX-License-Identifier: MIT */
/* The socket API's TCP side beyond connect/accept (test_tcp_sock.c): receive flags
 * (MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL, MSG_TRUNC), unknown flags, us_recvmsg/us_sendmsg with iovecs,
 * us_accept4, us_ioctl and us_fcntl, and the options that reach the wire or the timers
 * (IP_TOS, IP_TTL, IP_MTU_DISCOVER in the IP header; TCP_MAXSEG in the SYN; TCP_KEEPIDLE,
 * TCP_KEEPINTVL, TCP_KEEPCNT in the keepalive probes) and TCP_INFO. Fake clock, a TUN-like
 * test device, the peer's segments injected by hand; each test ends with every connection
 * freed and no leak. */
#include <fcntl.h>
#include <limits.h>
#include <linux/sockios.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test/unit/tcp_script.h"
#include "test/unit/test_app.h" /* last: it wraps the calls that take the lock */

static int sock_setup(void **state)
{
	script_sockets = 1;
	return setup(state);
}

static struct sockaddr_in sin_of(uint32_t addr, uint16_t port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = addr;
	a.sin_port = htons(port);
	return a;
}

static uint16_t local_port(int fd)
{
	struct sockaddr_in a;

	assert_int_equal(us_getsockname(fd, (struct sockaddr *)&a, &(socklen_t){ sizeof(a) }), 0);
	return ntohs(a.sin_port);
}

static int so_error(int fd)
{
	int v = -1;
	socklen_t len = sizeof(v);

	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	return v;
}

static int ioctl_int(int fd, unsigned long req)
{
	int v = -1;

	assert_int_equal(us_ioctl(fd, req, &v), 0);
	return v;
}

/* The next emitted packet's IP header (the packet is freed). */
static struct ip_hdr pop_ip(void)
{
	struct pkb *p = test_dev_pop(tun);
	struct ip_hdr ih;

	assert_non_null(p);
	assert_int_equal(ip_parse(p->data, p->len, &ih), 0);
	ih.options = NULL;
	pkb_free(p);
	return ih;
}

/* Connects a non-blocking socket: the SYN (its IP header into *syn_ih if not NULL), then
 * the peer's SYN,ACK with MSS 1460. *lport gets our port. */
static int connect_mss(uint16_t *lport, struct ip_hdr *syn_ih, int fd)
{
	struct sockaddr_in pa = sin_of(peer, PEER);
	struct tcp_opts o;
	struct ip_hdr ih;

	if (fd < 0)
		fd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	assert_int_equal(us_connect(fd, (const struct sockaddr *)&pa, sizeof(pa)), -EINPROGRESS);
	ih = pop_ip();
	if (syn_ih)
		*syn_ih = ih;
	*lport = local_port(fd);
	memset(&o, 0, sizeof(o));
	o.has_mss = 1;
	o.mss = 1460;
	inject(PEER, *lport, TCP_SYN | TCP_ACK, PEER_ISN, ISN + 1, 65535, &o, NULL, 0);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1);
	expect_none();
	return fd;
}

/* Ends a connection with SO_LINGER 0: the RST, and the pcb is gone. */
static void abort_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct tcp_hdr h;

	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	test_dev_flush(tun);
	assert_int_equal(us_close(fd), 0);
	pop(&h, NULL);
	assert_true(h.flags & TCP_RST);
	expect_none();
}

/* MSG_PEEK leaves the data queued: a later receive gets the same bytes. (Before the
 * socket layer passed receive flags to TCP, a peek consumed the data: this is the test
 * that would have caught it.) FIONREAD follows the queue. */
static void test_peek_keeps_data(void **state)
{
	uint16_t lport;
	char buf[64];
	int fd;

	(void)state;
	fd = connect_mss(&lport, NULL, -1);
	inject(PEER, lport, TCP_ACK | TCP_PSH, PEER_ISN + 1, ISN + 1, 65535, NULL, "hello world",
	       11);
	assert_int_equal(ioctl_int(fd, FIONREAD), 11);
	assert_int_equal(us_recv(fd, buf, 5, MSG_PEEK), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(ioctl_int(fd, SIOCINQ), 11);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(us_recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT), 11);
	assert_memory_equal(buf, "hello world", 11);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), 11);
	assert_memory_equal(buf, "hello world", 11);
	assert_int_equal(ioctl_int(fd, FIONREAD), 0);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), MSG_PEEK), -EAGAIN);
	abort_close(fd);
}

/* MSG_TRUNC on a stream, as Linux: the bytes are taken out of the stream and dropped, the
 * buffer left as it was; the count is what was taken (at most len). With MSG_PEEK the
 * peek wins: copied and left queued. */
static void test_trunc_drops_uncopied(void **state)
{
	uint16_t lport;
	char buf[64];
	int fd;

	(void)state;
	fd = connect_mss(&lport, NULL, -1);
	inject(PEER, lport, TCP_ACK | TCP_PSH, PEER_ISN + 1, ISN + 1, 65535, NULL, "hello world",
	       11);
	memset(buf, 'z', sizeof(buf));
	assert_int_equal(us_recv(fd, buf, 5, MSG_TRUNC | MSG_PEEK), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(ioctl_int(fd, FIONREAD), 11);
	memset(buf, 'z', sizeof(buf));
	assert_int_equal(us_recv(fd, buf, 5, MSG_TRUNC), 5);
	assert_memory_equal(buf, "zzzzz", 5);
	assert_int_equal(ioctl_int(fd, FIONREAD), 6);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), 6);
	assert_memory_equal(buf, " world", 6);
	inject(PEER, lport, TCP_ACK | TCP_PSH, PEER_ISN + 12, ISN + 1, 65535, NULL, "abc", 3);
	memset(buf, 'z', sizeof(buf));
	assert_int_equal(us_recv(fd, buf, sizeof(buf), MSG_TRUNC | MSG_DONTWAIT), 3);
	assert_memory_equal(buf, "zzz", 3);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), MSG_TRUNC | MSG_DONTWAIT), -EAGAIN);
	abort_close(fd);
}

/* MSG_DONTWAIT makes one call non-blocking on a blocking socket, both ways (without it
 * these calls would wait for ever). us_fcntl and FIONBIO read back and set the mode. */
static void test_dontwait_and_nonblock_modes(void **state)
{
	static char big[65536];
	uint16_t lport;
	char buf[8];
	socklen_t len = sizeof(int);
	ssize_t n;
	int fd, on = 1, sndbuf;

	(void)state;
	fd = connect_mss(&lport, NULL, -1);
	assert_int_equal(us_fcntl(fd, F_GETFL, 0), O_RDWR | O_NONBLOCK);
	assert_int_equal(us_fcntl(fd, F_SETFL, O_RDWR), 0);
	assert_int_equal(us_fcntl(fd, F_GETFL, 0), O_RDWR);
	assert_int_equal(us_fcntl(fd, F_SETFD, 0), -EINVAL);
	assert_int_equal(us_fcntl(99, F_GETFL, 0), -EBADF);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
	/* fill the send buffer: everything in it is unacknowledged */
	while ((n = us_send(fd, big, sizeof(big), MSG_DONTWAIT)) > 0)
		;
	assert_int_equal(n, -EAGAIN);
	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len), 0);
	assert_int_equal(ioctl_int(fd, SIOCOUTQ), sndbuf);
	assert_true(ioctl_int(fd, SIOCOUTQNSD) > 0); /* the peer's window holds it back */
	assert_int_equal(us_ioctl(fd, FIONBIO, &on), 0);
	assert_int_equal(us_fcntl(fd, F_GETFL, 0), O_RDWR | O_NONBLOCK);
	assert_int_equal(us_ioctl(fd, FIONBIO, NULL), -EFAULT);
	assert_int_equal(us_ioctl(fd, 0x1234, &on), -ENOTTY);
	abort_close(fd);
}

/* Flags the stack does not do are refused as Linux refuses them, not ignored; MSG_NOSIGNAL
 * is accepted and changes nothing: no call raises a signal (a send after shutdown returns
 * -EPIPE either way). */
static void test_flags_refused_or_accepted(void **state)
{
	uint16_t lport;
	char buf[8];
	int fd;

	(void)state;
	fd = connect_mss(&lport, NULL, -1);
	assert_int_equal(us_send(fd, "x", 1, MSG_OOB), -EOPNOTSUPP);
	assert_int_equal(us_send(fd, "x", 1, MSG_FASTOPEN), -EOPNOTSUPP);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), MSG_OOB), -EOPNOTSUPP);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), MSG_ERRQUEUE), -EOPNOTSUPP);
	expect_none();
	assert_int_equal(us_send(fd, "ab", 2, MSG_NOSIGNAL | MSG_MORE), 2);
	expect(TCP_ACK | TCP_PSH, ISN + 1, PEER_ISN + 1);
	assert_int_equal(us_shutdown(fd, SHUT_WR), 0);
	expect(TCP_ACK | TCP_FIN, ISN + 3, PEER_ISN + 1);
	assert_int_equal(us_send(fd, "x", 1, MSG_NOSIGNAL), -EPIPE);
	assert_int_equal(us_send(fd, "x", 1, 0), -EPIPE);
	abort_close(fd);
}

/* us_recvmsg scatters over iovecs (an empty one skipped), with MSG_PEEK too; a stream
 * names no sender (msg_namelen 0) and sets no msg_flags. us_sendmsg gathers: the pieces go
 * out in one segment, not the first alone. SIOCOUTQ counts what is not yet acknowledged,
 * SIOCOUTQNSD what is not yet sent. */
static void test_recvmsg_sendmsg_iovecs(void **state)
{
	char a[3], b[1], c[4], d[20];
	struct iovec peek_iov[] = { { a, 3 }, { b, 0 }, { c, 4 } };
	struct iovec iov[] = { { a, 3 }, { d, sizeof(d) } };
	struct iovec out[] = { { (void *)"GET ", 4 }, { (void *)"/ ", 2 }, { (void *)"HTTP", 4 } };
	struct sockaddr_in from;
	struct msghdr m;
	uint8_t payload[64];
	struct tcp_hdr h;
	uint16_t lport;
	int fd;

	(void)state;
	fd = connect_mss(&lport, NULL, -1);
	inject(PEER, lport, TCP_ACK | TCP_PSH, PEER_ISN + 1, ISN + 1, 65535, NULL, "abcdefghij",
	       10);
	memset(&m, 0, sizeof(m));
	m.msg_name = &from;
	m.msg_namelen = sizeof(from);
	m.msg_iov = peek_iov;
	m.msg_iovlen = 3;
	m.msg_flags = -1;
	assert_int_equal(us_recvmsg(fd, &m, MSG_PEEK), 7);
	assert_memory_equal(a, "abc", 3);
	assert_memory_equal(c, "defg", 4);
	assert_int_equal(m.msg_namelen, 0);
	assert_int_equal(m.msg_flags, 0);
	m.msg_iov = iov;
	m.msg_iovlen = 2;
	memset(d, 0, sizeof(d));
	assert_int_equal(us_recvmsg(fd, &m, 0), 10);
	assert_memory_equal(a, "abc", 3);
	assert_memory_equal(d, "defghij", 7);
	assert_int_equal(ioctl_int(fd, FIONREAD), 0);
	m.msg_iovlen = IOV_MAX + 1;
	assert_int_equal(us_recvmsg(fd, &m, 0), -EMSGSIZE);
	assert_int_equal(us_recvmsg(fd, NULL, 0), -EFAULT);

	memset(&m, 0, sizeof(m));
	m.msg_iov = out;
	m.msg_iovlen = 3;
	assert_int_equal(us_sendmsg(fd, &m, 0), 10);
	assert_int_equal(pop(&h, payload), 10);
	assert_memory_equal(payload, "GET / HTTP", 10);
	expect_none();
	assert_int_equal(ioctl_int(fd, SIOCOUTQ), 10);
	assert_int_equal(ioctl_int(fd, SIOCOUTQNSD), 0);
	inject(PEER, lport, TCP_ACK, PEER_ISN + 11, ISN + 11, 65535, NULL, NULL, 0);
	assert_int_equal(ioctl_int(fd, SIOCOUTQ), 0);
	m.msg_control = payload;
	m.msg_controllen = 16;
	assert_int_equal(us_sendmsg(fd, &m, 0), -EOPNOTSUPP); /* no ancillary data */
	abort_close(fd);
}

/* us_sendfile: the file's bytes leave as us_send's would, from *offset (which moves on,
 * the file position staying) or from the file position (which moves on); 0 at the file's
 * end and for count 0; a non-blocking socket with a full send buffer says -EAGAIN; a bad
 * offset, a bad descriptor and one that is no regular file (a pipe) are refused (a
 * datagram socket: test_udp_sockapi). */
static void test_sendfile(void **state)
{
	static const char data[] = "0123456789abcdefghijklmnopqrstuvwxyzABCD";
	uint8_t payload[64];
	struct tcp_hdr h;
	uint16_t lport;
	socklen_t len = sizeof(int);
	off_t off = 4;
	ssize_t n = 0;
	int fd, mfd, sndbuf, rounds, pfd[2];

	(void)state;
	fd = connect_mss(&lport, NULL, -1);
	mfd = memfd_create("sendfile", 0);
	assert_true(mfd >= 0);
	assert_int_equal(write(mfd, data, 40), 40);
	assert_int_equal(us_sendfile(fd, mfd, &off, 10), 10);
	assert_int_equal(off, 14);
	assert_int_equal(lseek(mfd, 0, SEEK_CUR), 40);
	assert_int_equal(pop(&h, payload), 10);
	assert_memory_equal(payload, data + 4, 10);
	expect_none();
	assert_int_equal(tcp_stats.snd_file_bytes, 10);
	assert_int_equal(us_sendfile(fd, mfd, &off, 0), 0);
	off = 40;
	assert_int_equal(us_sendfile(fd, mfd, &off, 10), 0); /* the file's end */
	off = -1;
	assert_int_equal(us_sendfile(fd, mfd, &off, 10), -EINVAL);
	assert_int_equal(us_sendfile(fd, -1, NULL, 10), -EBADF);
	assert_int_equal(pipe(pfd), 0); /* not a regular file */
	assert_int_equal(us_sendfile(fd, pfd[0], NULL, 10), -EINVAL);
	close(pfd[0]);
	close(pfd[1]);
	assert_int_equal(us_sendfile(99, mfd, NULL, 10), -EBADF);

	/* from the file position, once the first segment is acknowledged (Nagle) */
	inject(PEER, lport, TCP_ACK, PEER_ISN + 1, ISN + 11, 65535, NULL, NULL, 0);
	assert_int_equal(lseek(mfd, 36, SEEK_SET), 36);
	assert_int_equal(us_sendfile(fd, mfd, NULL, 10), 4);
	assert_int_equal(lseek(mfd, 0, SEEK_CUR), 40);
	assert_int_equal(pop(&h, payload), 4);
	assert_memory_equal(payload, "ABCD", 4);

	/* a full send buffer: everything in it unacknowledged */
	for (rounds = 0; rounds < 100000; rounds++) {
		off = 0;
		if ((n = us_sendfile(fd, mfd, &off, 40)) <= 0)
			break;
	}
	assert_int_equal(n, -EAGAIN);
	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len), 0);
	assert_int_equal(ioctl_int(fd, SIOCOUTQ), sndbuf);
	close(mfd);
	abort_close(fd);
}

struct waiter {
	int fd;
	atomic_int done;
	ssize_t r;
	char buf[16];
};

static void *waitall_thread(void *arg)
{
	struct waiter *w = arg;

	w->r = us_recv(w->fd, w->buf, 10, MSG_WAITALL);
	atomic_store(&w->done, 1);
	return NULL;
}

/* The peer's data under the stack lock, as the loop thread would deliver it, while
 * another thread waits in a call (this one does not hold the lock meanwhile). */
static void inject_locked(uint16_t lport, uint32_t seq, const char *data, size_t len)
{
	test_lock();
	inject(PEER, lport, TCP_ACK | TCP_PSH, seq, ISN + 1, 65535, NULL, data, len);
	test_unlock();
}

/* MSG_WAITALL on a blocking socket waits for the whole length across arrivals; it returns
 * less at the stream's end or when SO_RCVTIMEO passes. On a non-blocking call it means
 * nothing. With MSG_PEEK it waits for the whole length too, then leaves it queued. */
static void test_waitall(void **state)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = 50000 };
	struct waiter w = { 0 };
	pthread_t t;
	uint16_t lport;
	char buf[16];
	int fd;

	(void)state;
	fd = connect_mss(&lport, NULL, -1);
	inject(PEER, lport, TCP_ACK | TCP_PSH, PEER_ISN + 1, ISN + 1, 65535, NULL, "abcd", 4);
	/* non-blocking: what is there */
	assert_int_equal(us_recv(fd, buf, 10, MSG_WAITALL | MSG_PEEK), 4);
	assert_int_equal(us_recv(fd, buf, 10, MSG_WAITALL), 4);
	assert_int_equal(us_set_nonblock(fd, 0), 0);

	/* blocking: 4 bytes, a pause (the reader still waits), then the other 6 */
	w.fd = fd;
	test_unlock();
	assert_int_equal(pthread_create(&t, NULL, waitall_thread, &w), 0);
	inject_locked(lport, PEER_ISN + 5, "0123", 4);
	usleep(50000);
	assert_false(atomic_load(&w.done));
	inject_locked(lport, PEER_ISN + 9, "456789", 6);
	assert_int_equal(pthread_join(t, NULL), 0);
	test_lock();
	assert_int_equal(w.r, 10);
	assert_memory_equal(w.buf, "0123456789", 10);

	/* SO_RCVTIMEO ends the wait with what came; a peek that times out takes nothing */
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	inject(PEER, lport, TCP_ACK | TCP_PSH, PEER_ISN + 15, ISN + 1, 65535, NULL, "xyz", 3);
	assert_int_equal(us_recv(fd, buf, 10, MSG_WAITALL | MSG_PEEK), -EAGAIN);
	assert_int_equal(us_recv(fd, buf, 10, MSG_WAITALL), 3);
	assert_memory_equal(buf, "xyz", 3);

	/* the end of the stream ends it at once */
	inject(PEER, lport, TCP_ACK | TCP_PSH | TCP_FIN, PEER_ISN + 18, ISN + 1, 65535, NULL,
	       "ok", 2);
	assert_int_equal(us_recv(fd, buf, 10, MSG_WAITALL | MSG_PEEK), 2);
	assert_int_equal(us_recv(fd, buf, 10, MSG_WAITALL), 2);
	assert_memory_equal(buf, "ok", 2);
	assert_int_equal(us_recv(fd, buf, 10, MSG_WAITALL), 0);
	abort_close(fd);
}

/* A MSG_WAITALL wait that another thread's us_close ends returns the bytes it already
 * took from the stream (they are in the caller's buffer and gone from the socket), as the
 * stream's end or SO_RCVTIMEO do; -EBADF is for a wait that took nothing. (It returned
 * -EBADF and the bytes were lost.) */
static void test_waitall_closed_meanwhile(void **state)
{
	struct waiter w = { 0 };
	pthread_t t;
	uint16_t lport;
	int fd;

	(void)state;
	fd = connect_mss(&lport, NULL, -1);
	assert_int_equal(us_set_nonblock(fd, 0), 0);
	w.fd = fd;
	test_unlock();
	assert_int_equal(pthread_create(&t, NULL, waitall_thread, &w), 0);
	inject_locked(lport, PEER_ISN + 1, "0123", 4);
	usleep(50000);
	assert_false(atomic_load(&w.done));
	test_lock();
	abort_close(fd);
	test_unlock(); /* the waiter needs the lock to return */
	assert_int_equal(pthread_join(t, NULL), 0);
	test_lock();
	assert_int_equal(w.r, 4);
	assert_memory_equal(w.buf, "0123", 4);

	/* nothing taken: -EBADF */
	fd = connect_mss(&lport, NULL, -1);
	assert_int_equal(us_set_nonblock(fd, 0), 0);
	memset(&w, 0, sizeof(w));
	w.fd = fd;
	test_unlock();
	assert_int_equal(pthread_create(&t, NULL, waitall_thread, &w), 0);
	usleep(50000);
	assert_false(atomic_load(&w.done));
	test_lock();
	abort_close(fd);
	test_unlock();
	assert_int_equal(pthread_join(t, NULL), 0);
	test_lock();
	assert_int_equal(w.r, -EBADF);
}

/* us_accept4 with US_SOCK_NONBLOCK gives a non-blocking socket, us_accept a blocking one
 * whatever the listener's mode; other flags are -EINVAL. A listener has no queues to
 * measure: SIOCINQ is -EINVAL, as Linux. */
static void test_accept4(void **state)
{
	struct sockaddr_in a = sin_of(IP_ADDR_ANY, PORT);
	int lfd, fd1, fd2;

	(void)state;
	lfd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	assert_int_equal(us_bind(lfd, (const struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(us_listen(lfd, 4), 0);
	assert_int_equal(us_ioctl(lfd, SIOCINQ, &(int){ 0 }), -EINVAL);
	for (uint16_t port = PEER; port < PEER + 2; port++) {
		inject(port, PORT, TCP_SYN, PEER_ISN, 0, 65535, NULL, NULL, 0);
		expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
		inject(port, PORT, TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, NULL, 0);
		expect_none();
	}
	assert_int_equal(us_accept4(lfd, NULL, NULL, 0x4), -EINVAL);
	fd1 = us_accept4(lfd, NULL, NULL, US_SOCK_NONBLOCK | SOCK_CLOEXEC);
	assert_true(fd1 >= 0);
	assert_int_equal(us_fcntl(fd1, F_GETFL, 0), O_RDWR | O_NONBLOCK);
	fd2 = us_accept(lfd, NULL, NULL);
	assert_true(fd2 >= 0);
	assert_int_equal(us_fcntl(fd2, F_GETFL, 0), O_RDWR);
	assert_int_equal(us_accept4(lfd, NULL, NULL, US_SOCK_NONBLOCK), -EAGAIN);
	abort_close(fd1);
	abort_close(fd2);
	assert_int_equal(us_close(lfd), 0);
}

/* IP_TOS, IP_TTL and IP_MTU_DISCOVER go into the IP header of every segment the
 * connection sends (the SYN first); TCP keeps the two ECN bits of IP_TOS to itself. An
 * accepted connection takes the listener's. Without them: TOS 0, the default TTL, no DF. */
static void test_ip_options_in_header(void **state)
{
	struct sockaddr_in a = sin_of(IP_ADDR_ANY, PORT);
	struct ip_hdr ih;
	socklen_t len = sizeof(int);
	uint16_t lport;
	int fd, lfd, v;

	(void)state;
	fd = connect_mss(&lport, &ih, -1);
	assert_int_equal(ih.tos, 0);
	assert_int_equal(ih.ttl, ip_config.default_ttl);
	assert_int_equal(ih.frag & IP_FLAG_DF, 0);
	assert_int_equal(us_getsockopt(fd, IPPROTO_IP, IP_TTL, &v, &len), 0);
	assert_int_equal(v, ip_config.default_ttl);
	assert_int_equal(us_getsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, &len), 0);
	assert_int_equal(v, IP_PMTUDISC_DONT);
	abort_close(fd);

	fd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	v = 0x13;
	assert_int_equal(us_setsockopt(fd, IPPROTO_IP, IP_TOS, &v, sizeof(v)), 0);
	v = 7;
	assert_int_equal(us_setsockopt(fd, IPPROTO_IP, IP_TTL, &v, sizeof(v)), 0);
	v = IP_PMTUDISC_DO;
	assert_int_equal(us_setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v)), 0);
	v = 0;
	assert_int_equal(us_setsockopt(fd, IPPROTO_IP, IP_TTL, &v, sizeof(v)), -EINVAL);
	v = 256;
	assert_int_equal(us_setsockopt(fd, IPPROTO_IP, IP_TTL, &v, sizeof(v)), -EINVAL);
	v = 9;
	assert_int_equal(us_setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v)), -EINVAL);
	fd = connect_mss(&lport, &ih, fd);
	assert_int_equal(ih.tos, 0x10);
	assert_int_equal(ih.ttl, 7);
	assert_int_equal(ih.frag & IP_FLAG_DF, IP_FLAG_DF);
	assert_int_equal(us_send(fd, "hi", 2, 0), 2);
	ih = pop_ip();
	assert_int_equal(ih.tos, 0x10);
	assert_int_equal(ih.ttl, 7);
	assert_int_equal(ih.frag & IP_FLAG_DF, IP_FLAG_DF);
	v = -1; /* back to the default */
	assert_int_equal(us_setsockopt(fd, IPPROTO_IP, IP_TTL, &v, sizeof(v)), 0);
	assert_int_equal(us_getsockopt(fd, IPPROTO_IP, IP_TTL, &v, &len), 0);
	assert_int_equal(v, ip_config.default_ttl);
	assert_int_equal(us_getsockopt(fd, IPPROTO_IP, IP_TOS, &v, &len), 0);
	assert_int_equal(v, 0x13);
	abort_close(fd);

	lfd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	v = 3;
	assert_int_equal(us_setsockopt(lfd, IPPROTO_IP, IP_TTL, &v, sizeof(v)), 0);
	assert_int_equal(us_bind(lfd, (const struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(us_listen(lfd, 4), 0);
	SEG(TCP_SYN, PEER_ISN, 0, 65535, NULL, 0);
	ih = pop_ip(); /* the SYN,ACK */
	assert_int_equal(ih.ttl, 3);
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, 0);
	fd = us_accept(lfd, NULL, NULL);
	assert_true(fd >= 0);
	assert_int_equal(us_send(fd, "x", 1, 0), 1);
	ih = pop_ip();
	assert_int_equal(ih.ttl, 3);
	abort_close(fd);
	assert_int_equal(us_close(lfd), 0);
}

/* TCP_MAXSEG before connect or listen caps the MSS our SYN (SYN,ACK) announces and the one
 * we send with;
 * without it the SYN announces the route's (1460) and the peer's 1460 is used. Reading it
 * gives the MSS in use; out-of-range values are -EINVAL (Linux's 88..32767). */
static void test_maxseg(void **state)
{
	struct sockaddr_in pa = sin_of(peer, PEER), a = sin_of(IP_ADDR_ANY, PORT);
	socklen_t len = sizeof(int);
	struct tcp_opts o;
	struct tcp_hdr h;
	uint16_t lport;
	int fd, lfd, v;

	(void)state;
	fd = connect_mss(&lport, NULL, -1);
	assert_int_equal(us_getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &v, &len), 0);
	assert_int_equal(v, 1460);
	abort_close(fd);

	fd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	v = 50;
	assert_int_equal(us_setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof(v)), -EINVAL);
	v = 1000;
	assert_int_equal(us_setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof(v)), 0);
	assert_int_equal(us_getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &v, &len), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(us_connect(fd, (const struct sockaddr *)&pa, sizeof(pa)), -EINPROGRESS);
	pop(&h, NULL);
	assert_int_equal(h.flags, TCP_SYN);
	assert_true(h.opt.has_mss);
	assert_int_equal(h.opt.mss, 1000);
	lport = local_port(fd);
	memset(&o, 0, sizeof(o));
	o.has_mss = 1;
	o.mss = 1460;
	inject(PEER, lport, TCP_SYN | TCP_ACK, PEER_ISN, ISN + 1, 65535, &o, NULL, 0);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1);
	assert_int_equal(us_getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &v, &len), 0);
	assert_int_equal(v, 1000);
	abort_close(fd);

	/* on a listener: its SYN,ACK announces it, the accepted connection sends with it */
	lfd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	v = 900;
	assert_int_equal(us_setsockopt(lfd, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof(v)), 0);
	assert_int_equal(us_bind(lfd, (const struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(us_listen(lfd, 4), 0);
	inject(PEER, PORT, TCP_SYN, PEER_ISN, 0, 65535, &o, NULL, 0);
	pop(&h, NULL);
	assert_int_equal(h.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(h.opt.mss, 900);
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, 0);
	fd = us_accept(lfd, NULL, NULL);
	assert_true(fd >= 0);
	assert_int_equal(us_getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &v, &len), 0);
	assert_int_equal(v, 900);
	abort_close(fd);
	assert_int_equal(us_close(lfd), 0);
}

/* TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT drive the keepalive timer (RFC 1122
 * 4.2.3.6): after 10 s of silence a probe (seq = snd_una - 1), one every 2 s, and after 3
 * unanswered the reset and ETIMEDOUT. */
static void test_keepalive_options(void **state)
{
	socklen_t len = sizeof(int);
	uint16_t lport;
	int fd, v;

	(void)state;
	fd = connect_mss(&lport, NULL, -1);
	v = 0;
	assert_int_equal(us_setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v)), -EINVAL);
	v = 128;
	assert_int_equal(us_setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v)), -EINVAL);
	assert_int_equal(us_getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, &len), 0);
	assert_int_equal(v, tcp_config.keep_idle_ms / 1000);
	v = 1;
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v)), 0);
	v = 10;
	assert_int_equal(us_setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v)), 0);
	v = 2;
	assert_int_equal(us_setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof(v)), 0);
	v = 3;
	assert_int_equal(us_setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v)), 0);
	assert_int_equal(us_getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, &len), 0);
	assert_int_equal(v, 10);
	assert_int_equal(us_getsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &v, &len), 0);
	assert_int_equal(v, 2);
	assert_int_equal(us_getsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v, &len), 0);
	assert_int_equal(v, 3);
	advance(9999);
	expect_none();
	advance(1);
	expect(TCP_ACK, ISN, PEER_ISN + 1);
	for (int i = 0; i < 2; i++) {
		advance(1999);
		expect_none();
		advance(1);
		expect(TCP_ACK, ISN, PEER_ISN + 1);
	}
	advance(2000);
	expect(TCP_RST | TCP_ACK, ISN + 1, PEER_ISN + 1);
	expect_none();
	assert_int_equal(so_error(fd), ETIMEDOUT);
	assert_int_equal(us_close(fd), 0);
}

/* TCP_INFO: state, MSS both ways, cwnd in segments and bytes, what is unacknowledged,
 * retransmitted, acknowledged and received, the algorithm's name; a short length gets
 * the first bytes. */
static void test_tcp_info(void **state)
{
	struct us_tcp_info ti;
	socklen_t len = sizeof(ti);
	static char data[100];
	uint16_t lport;
	uint32_t base_rto;
	char buf[8];
	int fd;

	(void)state;
	fd = connect_mss(&lport, NULL, -1);
	assert_int_equal(us_send(fd, data, sizeof(data), 0), 100);
	expect(TCP_ACK | TCP_PSH, ISN + 1, PEER_ISN + 1);
	inject(PEER, lport, TCP_ACK | TCP_PSH, PEER_ISN + 1, ISN + 1, 65535, NULL, "hello", 5);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), 5);
	assert_int_equal(us_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	assert_int_equal(len, sizeof(ti));
	assert_int_equal(ti.state, 1); /* Linux's TCP_ESTABLISHED */
	assert_int_equal(ti.snd_mss, 1460);
	assert_int_equal(ti.rcv_mss, 1460);
	assert_int_equal(ti.snd_cwnd_bytes, ti.snd_cwnd * 1460);
	assert_int_equal(ti.unacked, 1);
	assert_int_equal(ti.bytes_acked, 0);
	assert_int_equal(ti.bytes_received, 5);
	assert_int_equal(ti.total_retrans, 0);
	assert_string_equal(ti.congestion, "cubic");
	assert_int_equal(ti.rto_us % 1000, 0);
	assert_true(ti.rto_us >= 200000);
	/* the delayed ACK of "hello", then the retransmission timeout sends the 100 bytes
	 * again */
	advance(tcp_config.delack_ms);
	expect(TCP_ACK, ISN + 101, PEER_ISN + 6);
	assert_int_equal(ti.backoff, 0);
	base_rto = ti.rto_us;
	advance(ti.rto_us / 1000 - tcp_config.delack_ms);
	assert_int_equal(expect(TCP_ACK | TCP_PSH, ISN + 1, PEER_ISN + 6), 100);
	/* the timer now runs at twice the base RTO, and says so (as Linux's tcpi_rto and
	 * tcpi_backoff) */
	assert_int_equal(us_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	assert_int_equal(ti.backoff, 1);
	assert_int_equal(ti.rto_us, 2 * base_rto);
	inject(PEER, lport, TCP_ACK, PEER_ISN + 6, ISN + 101, 65535, NULL, NULL, 0);
	assert_int_equal(us_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	assert_int_equal(ti.total_retrans, 1);
	assert_int_equal(ti.unacked, 0);
	assert_int_equal(ti.bytes_acked, 100);
	/* 100 bytes sent and acknowledged 10 ms later: the delivery rate is 100 bytes over
	 * 10 ms (tcp_rate.c's sample) */
	assert_int_equal(us_send(fd, data, sizeof(data), 0), 100);
	expect(TCP_ACK | TCP_PSH, ISN + 101, PEER_ISN + 6);
	advance(10);
	inject(PEER, lport, TCP_ACK, PEER_ISN + 6, ISN + 201, 65535, NULL, NULL, 0);
	assert_int_equal(us_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	assert_int_equal(ti.bytes_acked, 200);
	assert_int_equal(ti.delivery_rate, 100 * 1000 / 10);
	assert_int_equal(ti.backoff, 0); /* a segment sent once was acknowledged (Karn) */
	len = 4;
	memset(&ti, 0xee, sizeof(ti));
	assert_int_equal(us_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	assert_int_equal(len, 4);
	assert_int_equal(ti.state, 1);
	assert_int_equal(ti.rto_us, 0xeeeeeeee);
	abort_close(fd);
}

/* IPPROTO_TCP int options into a buffer shorter than an int: as Linux's
 * do_tcp_getsockopt, the first *len bytes of the int, no error; *len 0 with no buffer
 * stores nothing. (Both were -EINVAL / -EFAULT.) */
static void test_tcp_getsockopt_short_len(void **state)
{
	int fd = us_socket(AF_INET, SOCK_STREAM, 0), one = 1, v = 536;
	uint8_t b[4] = { 0xee, 0xee, 0xee, 0xee };
	socklen_t len = 1;

	(void)state;
	assert_int_equal(us_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	assert_int_equal(us_getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, b, &len), 0);
	assert_int_equal(len, 1);
	assert_memory_equal(b, &one, 1);
	assert_int_equal(b[1], 0xee);
	len = 2;
	assert_int_equal(us_getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, b, &len), 0);
	assert_int_equal(len, 2);
	assert_memory_equal(b, &v, 2);
	len = 0;
	assert_int_equal(us_getsockopt(fd, IPPROTO_TCP, TCP_INFO, NULL, &len), 0);
	assert_int_equal(len, 0);
	len = 0;
	assert_int_equal(us_getsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, NULL, &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(us_close(fd), 0);
}

/* SO_BINDTODEVICE on TCP: a listener bound to tun1 does not hear a SYN that came through
 * tun0 (a reset answers it, as for no listener); a connection bound to tun1 sends its SYN
 * through tun1, from tun1's address, although the route to the peer is through tun0. */
static void test_bindtodevice(void **state)
{
	struct sockaddr_in a = sin_of(IP_ADDR_ANY, PORT), pa = sin_of(peer, PEER);
	struct net_device *tun1 = test_dev_create("tun1", NET_DEV_IP, 1500);
	struct ip_hdr ih;
	socklen_t la;
	struct pkb *p;
	int lfd, fd;

	(void)state;
	assert_int_equal(ip_iface_add(tun1, inet_addr("198.51.100.2"), inet_addr("255.255.255.0"),
				      0), 0);
	lfd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	assert_int_equal(us_setsockopt(lfd, SOL_SOCKET, SO_BINDTODEVICE, "tun1", 5), 0);
	assert_int_equal(us_bind(lfd, (const struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(us_listen(lfd, 4), 0);
	SEG(TCP_SYN, PEER_ISN, 0, 65535, NULL, 0);
	expect(TCP_RST | TCP_ACK, 0, PEER_ISN + 1);
	expect_none();
	assert_int_equal(tcp_stats.rcv_no_conn, 1);
	assert_int_equal(us_close(lfd), 0);

	fd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "tun1", 4), 0);
	assert_int_equal(us_connect(fd, (const struct sockaddr *)&pa, sizeof(pa)), -EINPROGRESS);
	expect_none(); /* nothing through tun0 */
	p = test_dev_pop(tun1);
	assert_non_null(p);
	/* from tun1's address, as Linux: the route's (tun0's) would draw the answer to tun0 */
	assert_int_equal(ip_parse(p->data, p->len, &ih), 0);
	assert_int_equal(ih.src, inet_addr("198.51.100.2"));
	pkb_free(p);
	la = (socklen_t)sizeof(a);
	assert_int_equal(us_getsockname(fd, (struct sockaddr *)&a, &la), 0);
	assert_int_equal(a.sin_addr.s_addr, inet_addr("198.51.100.2"));
	assert_int_equal(us_close(fd), 0);
	test_dev_flush(tun1);
}

/* The peer's segment to addr `to` through device dev (inject() is tun0 and `us` only). */
static void inject_dev(struct net_device *dev, uint32_t to, uint16_t dport, uint8_t flags,
		       uint32_t seq, uint32_t ack)
{
	struct tcp_hdr h = { .sport = PEER, .dport = dport, .seq = seq, .ack = ack,
			     .flags = flags, .wnd = 65535 };
	struct ip_hdr ih = { .version = 4, .ihl = 20, .ttl = 64, .proto = IP_PROTO_TCP,
			     .src = peer, .dst = to };
	uint8_t b[128];
	size_t hl = tcp_hdr_len(&h);

	assert_int_equal(tcp_emit(&h, b + 20, sizeof(b) - 20, 0, NA4(peer), NA4(to)), hl);
	ih.total_len = (uint16_t)(20 + hl);
	assert_int_equal(ip_emit(&ih, b, sizeof(b)), 20);
	net_device_input(dev, pkb_from_bytes(b, 20 + hl), now);
}

/* Our next segment through dev: its IP header into *ih, its TCP header into *th. */
static void pop_dev(struct net_device *dev, struct ip_hdr *ih, struct tcp_hdr *th)
{
	struct pkb *p = test_dev_pop(dev);

	assert_non_null(p);
	assert_int_equal(ip_parse(p->data, p->len, ih), 0);
	assert_int_equal(tcp_parse(p->data + ih->ihl, ih->total_len - ih->ihl, NA4(ih->src), NA4(ih->dst),
				   th), 0);
	ih->options = NULL;
	pkb_free(p);
}

/* A connection bound to a device takes its MSS from that device's MTU, not from the
 * route's device: the SYN through tun1 (MTU 1000) announces 960, and so does the SYN,ACK
 * of a listener bound to it. (Both announced 1460 from tun0's 1500, and the segments that
 * followed were fragmented on tun1.) */
static void test_bindtodevice_mss(void **state)
{
	struct sockaddr_in pa = sin_of(peer, PEER), la;
	struct net_device *tun1 = test_dev_create("tun1", NET_DEV_IP, 1000);
	uint32_t us1 = inet_addr("198.51.100.2");
	struct tcp_hdr th;
	struct ip_hdr ih;
	int fd, lfd;

	(void)state;
	assert_int_equal(ip_iface_add(tun1, us1, inet_addr("255.255.255.0"), 0), 0);
	fd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "tun1", 4), 0);
	assert_int_equal(us_connect(fd, (const struct sockaddr *)&pa, sizeof(pa)), -EINPROGRESS);
	pop_dev(tun1, &ih, &th);
	assert_int_equal(th.flags, TCP_SYN);
	assert_true(th.opt.has_mss);
	assert_int_equal(th.opt.mss, 960);
	assert_int_equal(us_close(fd), 0);
	expect_none();
	test_dev_flush(tun1);

	la = sin_of(IP_ADDR_ANY, PORT);
	lfd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	assert_int_equal(us_setsockopt(lfd, SOL_SOCKET, SO_BINDTODEVICE, "tun1", 4), 0);
	assert_int_equal(us_bind(lfd, (const struct sockaddr *)&la, sizeof(la)), 0);
	assert_int_equal(us_listen(lfd, 4), 0);
	inject_dev(tun1, us1, PORT, TCP_SYN, PEER_ISN, 0);
	pop_dev(tun1, &ih, &th);
	assert_int_equal(th.flags, TCP_SYN | TCP_ACK);
	assert_true(th.opt.has_mss);
	assert_int_equal(th.opt.mss, 960);
	assert_int_equal(us_close(lfd), 0);
	test_dev_flush(tun1);
	expect_none();
}

/* TIME_WAIT's record answers for the connection as the connection did: a repeated FIN
 * is ACKed through the device the socket is bound to (SO_BINDTODEVICE), with its IP_TOS
 * and IP_TTL, as Linux's timewait socket keeps them. (The record sent through the route's
 * device, with TOS 0 and the default TTL.) */
static void test_timewait_keeps_ip_options(void **state)
{
	struct sockaddr_in pa = sin_of(peer, PEER);
	struct net_device *tun1 = test_dev_create("tun1", NET_DEV_IP, 1500);
	uint32_t us1 = inet_addr("198.51.100.2");
	int fd, tos = 0x28, ttl = 9;
	struct tcp_hdr th;
	struct ip_hdr ih;
	uint16_t lport;

	(void)state;
	assert_int_equal(ip_iface_add(tun1, us1, inet_addr("255.255.255.0"), 0), 0);
	fd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "tun1", 4), 0);
	assert_int_equal(us_setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)), 0);
	assert_int_equal(us_setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)), 0);
	assert_int_equal(us_connect(fd, (const struct sockaddr *)&pa, sizeof(pa)), -EINPROGRESS);
	lport = local_port(fd);
	pop_dev(tun1, &ih, &th);
	assert_int_equal(th.flags, TCP_SYN);
	inject_dev(tun1, us1, lport, TCP_SYN | TCP_ACK, PEER_ISN, ISN + 1);
	pop_dev(tun1, &ih, &th);
	assert_int_equal(th.flags, TCP_ACK);
	assert_int_equal(us_shutdown(fd, SHUT_WR), 0);
	pop_dev(tun1, &ih, &th);
	assert_int_equal(th.flags, TCP_FIN | TCP_ACK);
	inject_dev(tun1, us1, lport, TCP_FIN | TCP_ACK, PEER_ISN + 1, ISN + 2);
	pop_dev(tun1, &ih, &th);
	assert_int_equal(th.flags, TCP_ACK);
	assert_int_equal(tcp_stats.conns_time_wait, 1);
	expect_none();

	/* our ACK was lost: the FIN again, answered by the record */
	inject_dev(tun1, us1, lport, TCP_FIN | TCP_ACK, PEER_ISN + 1, ISN + 2);
	expect_none(); /* not through tun0 */
	pop_dev(tun1, &ih, &th);
	assert_int_equal(th.flags, TCP_ACK);
	assert_int_equal(th.seq, ISN + 2);
	assert_int_equal(th.ack, PEER_ISN + 2);
	assert_int_equal(ih.src, us1);
	assert_int_equal(ih.tos, tos);
	assert_int_equal(ih.ttl, ttl);
	/* the same segment through tun0 (a router takes its addresses on every device) is
	 * not the bound connection's, as Linux's lookup matches a timewait socket's bound
	 * device: no connection, a reset */
	ip_config.forwarding = 1;
	inject_dev(tun, us1, lport, TCP_FIN | TCP_ACK, PEER_ISN + 1, ISN + 2);
	ip_config.forwarding = 0;
	assert_int_equal(ip_stats.in_local_other_dev, 1);
	assert_null(test_dev_pop(tun1));
	assert_int_equal(tcp_stats.rcv_no_conn, 1);
	test_dev_flush(tun);
	assert_int_equal(us_close(fd), 0);
	advance(2ull * tcp_config.msl_ms);
	assert_int_equal(tcp_stats.conns_time_wait, 0);
	expect_none();
	test_dev_flush(tun1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, sock_setup, teardown)
		T(test_peek_keeps_data),
		T(test_trunc_drops_uncopied),
		T(test_dontwait_and_nonblock_modes),
		T(test_flags_refused_or_accepted),
		T(test_sendfile),
		T(test_recvmsg_sendmsg_iovecs),
		T(test_waitall),
		T(test_waitall_closed_meanwhile),
		T(test_accept4),
		T(test_ip_options_in_header),
		T(test_maxseg),
		T(test_keepalive_options),
		T(test_tcp_info),
		T(test_tcp_getsockopt_short_len),
		T(test_bindtodevice),
		T(test_timewait_keeps_ip_options),
		T(test_bindtodevice_mss),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
