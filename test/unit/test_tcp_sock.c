/* SPDX-License-Identifier: MIT */
/* tcp_sock.c through the socket calls (non-blocking, fake clock, a TUN-like test device,
 * the peer's segments injected by hand): connect and accept, the errors each failure
 * gives (POSIX / Linux semantics over RFC 9293 3.9.1's user interface), and us_poll
 * readiness. Each test ends with every connection freed and no leak (teardown). */
#include <sys/socket.h>

#include "test/unit/tcp_script.h"
#include "net/socket_impl.h"
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

static unsigned poll_one(int fd)
{
	struct us_pollfd p = { .fd = fd, .events = US_POLLIN | US_POLLOUT };

	assert_true(us_poll(&p, 1, 0) >= 0);
	return p.revents;
}

static int so_error(int fd)
{
	int v = -1;
	socklen_t len = sizeof(v);

	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	return v;
}

static uint16_t local_port(int fd)
{
	struct sockaddr_in a;

	assert_int_equal(us_getsockname(fd, (struct sockaddr *)&a, &(socklen_t){ sizeof(a) }), 0);
	return ntohs(a.sin_port);
}

/* A non-blocking socket(AF_INET, SOCK_STREAM, 0) connecting to the peer: EINPROGRESS and
 * the SYN; *lport gets the ephemeral port. */
static int start_connect(uint16_t *lport)
{
	struct sockaddr_in pa = sin_of(peer, PEER);
	int fd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	assert_int_equal(us_connect(fd, (const struct sockaddr *)&pa, sizeof(pa)), -EINPROGRESS);
	expect(TCP_SYN, ISN, 0);
	expect_none();
	assert_false(poll_one(fd) & US_POLLOUT);
	*lport = local_port(fd);
	return fd;
}

static int connected(uint16_t *lport)
{
	int fd = start_connect(lport);

	inject(PEER, *lport, TCP_SYN | TCP_ACK, PEER_ISN, ISN + 1, 65535, NULL, NULL, 0);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1);
	expect_none();
	return fd;
}

/* RFC 9293 3.9.1 OPEN / CLOSE through the sockets: EINPROGRESS, then writable with
 * SO_ERROR 0; names; EAGAIN with nothing to read; data and FIN make it readable; after
 * shutdown(SHUT_WR) a send is EPIPE (a return value: no signal in a user-space stack). */
static void test_connect_data_shutdown(void **state)
{
	struct sockaddr_in a;
	uint16_t lport;
	char buf[16];
	int fd;

	(void)state;
	fd = connected(&lport);
	assert_int_equal(so_error(fd), 0);
	assert_true(poll_one(fd) & US_POLLOUT);
	assert_false(poll_one(fd) & (US_POLLIN | US_POLLERR | US_POLLHUP));
	assert_int_equal(us_getsockname(fd, (struct sockaddr *)&a, &(socklen_t){ sizeof(a) }), 0);
	assert_int_equal(a.sin_addr.s_addr, us);
	assert_int_equal(us_getpeername(fd, (struct sockaddr *)&a, &(socklen_t){ sizeof(a) }), 0);
	assert_int_equal(a.sin_addr.s_addr, peer);
	assert_int_equal(ntohs(a.sin_port), PEER);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), -EAGAIN);
	inject(PEER, lport, TCP_ACK | TCP_PSH, PEER_ISN + 1, ISN + 1, 65535, NULL, "hello", 5);
	assert_true(poll_one(fd) & US_POLLIN);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), 5);
	assert_memory_equal(buf, "hello", 5);
	/* RFC 1122 4.2.3.3: 5 bytes read move the window (capped at 65535 without window
	 * scale) by 5 bytes: no window update */
	expect_none();
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), -EAGAIN);
	assert_int_equal(us_send(fd, "hi", 2, 0), 2);
	expect(TCP_ACK | TCP_PSH, ISN + 1, PEER_ISN + 6);
	inject(PEER, lport, TCP_ACK | TCP_FIN, PEER_ISN + 6, ISN + 3, 65535, NULL, NULL, 0);
	expect(TCP_ACK, ISN + 3, PEER_ISN + 7);
	assert_true(poll_one(fd) & US_POLLIN);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), 0);
	assert_int_equal(us_shutdown(fd, SHUT_WR), 0);
	expect(TCP_ACK | TCP_FIN, ISN + 3, PEER_ISN + 7);
	assert_int_equal(us_send(fd, "x", 1, 0), -EPIPE);
	inject(PEER, lport, TCP_ACK, PEER_ISN + 7, ISN + 4, 65535, NULL, NULL, 0);
	expect_none();
	assert_true(poll_one(fd) & US_POLLHUP);
	assert_int_equal(us_close(fd), 0);
	expect_none();
}

/* RFC 9293 3.10.7.4 second (RST in ESTABLISHED): ECONNRESET, and poll says error and
 * hang-up (and readable, so a reader learns of it). As on Linux (checked against a kernel
 * socket), the error is reported once, by whichever call comes first (recv, send or
 * SO_ERROR); after it a receive is end of file and a send EPIPE, and poll drops POLLERR. */
static int reset_connection(void)
{
	uint16_t lport;
	unsigned ev;
	int fd;

	fd = connected(&lport);
	inject(PEER, lport, TCP_RST, PEER_ISN + 1, 0, 0, NULL, NULL, 0);
	expect_none();
	ev = poll_one(fd);
	assert_true(ev & US_POLLERR);
	assert_true(ev & US_POLLHUP);
	assert_true(ev & US_POLLIN);
	return fd;
}

static void after_reset_reported(int fd)
{
	char buf[8];
	unsigned ev;

	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), 0);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), 0);
	assert_int_equal(us_send(fd, "x", 1, 0), -EPIPE);
	assert_int_equal(us_send(fd, "x", 1, 0), -EPIPE);
	assert_int_equal(so_error(fd), 0);
	ev = poll_one(fd);
	assert_false(ev & US_POLLERR);
	assert_true(ev & US_POLLHUP);
	assert_true(ev & US_POLLIN);
	assert_int_equal(us_close(fd), 0);
	expect_none();
}

static void test_reset_gives_econnreset(void **state)
{
	char buf[8];
	int fd;

	(void)state;
	fd = reset_connection();
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), -ECONNRESET);
	after_reset_reported(fd);

	fd = reset_connection();
	assert_int_equal(us_send(fd, "x", 1, 0), -ECONNRESET);
	after_reset_reported(fd);

	fd = reset_connection();
	assert_int_equal(so_error(fd), ECONNRESET);
	after_reset_reported(fd);
}

/* RFC 9293 3.10.7.3: a RST acknowledging our SYN refuses the connection: ECONNREFUSED
 * through SO_ERROR, and poll reports the error. */
static void test_refused(void **state)
{
	uint16_t lport;
	int fd;

	(void)state;
	fd = start_connect(&lport);
	inject(PEER, lport, TCP_RST | TCP_ACK, 0, ISN + 1, 0, NULL, NULL, 0);
	expect_none();
	assert_true(poll_one(fd) & US_POLLERR);
	assert_int_equal(so_error(fd), ECONNREFUSED);
	assert_int_equal(so_error(fd), 0); /* read once */
	assert_int_equal(us_close(fd), 0);
}

/* RFC 9293 3.8.3 / RFC 1122 4.2.3.5: SYN retransmissions give up with ETIMEDOUT. */
static void test_connect_times_out(void **state)
{
	uint16_t lport;
	int fd;

	(void)state;
	tcp_config.syn_rexmits = 2;
	fd = start_connect(&lport);
	for (int i = 0; i < 2; i++) {
		advance(tcp_config.rto_max_ms);
		expect(TCP_SYN, ISN, 0);
	}
	advance(tcp_config.rto_max_ms);
	expect_none(); /* no RST: the peer never answered */
	assert_true(poll_one(fd) & US_POLLERR);
	assert_int_equal(so_error(fd), ETIMEDOUT);
	assert_int_equal(tcp_stats.conn_timeouts, 1);
	assert_int_equal(us_close(fd), 0);
}

/* ENOTCONN before any connection; listen/accept with EAGAIN, POLLIN on the listener once
 * the handshake completes, the accepted socket's names; send fills the buffer to EAGAIN
 * and poll stops saying POLLOUT; SO_LINGER 0 closes with a RST (RFC 9293 3.10.5). */
static void test_listen_accept_full_send(void **state)
{
	struct sockaddr_in a = sin_of(IP_ADDR_ANY, PORT);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	static char big[65536];
	char buf[8];
	int lfd, fd, ufd;
	ssize_t n, total = 0;

	(void)state;
	ufd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, IPPROTO_TCP);
	assert_true(ufd >= 0);
	assert_int_equal(us_recv(ufd, buf, sizeof(buf), 0), -ENOTCONN);
	assert_int_equal(us_send(ufd, "x", 1, 0), -EPIPE); /* Linux: EPIPE, not ENOTCONN */
	assert_int_equal(us_getpeername(ufd, (struct sockaddr *)&a, &(socklen_t){ sizeof(a) }),
			 -ENOTCONN);
	assert_int_equal(us_close(ufd), 0);

	a = sin_of(IP_ADDR_ANY, PORT);
	lfd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	assert_true(lfd >= 0);
	assert_int_equal(us_bind(lfd, (const struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(us_listen(lfd, 4), 0);
	assert_int_equal(us_accept(lfd, (struct sockaddr *)&a, &(socklen_t){ sizeof(a) }), -EAGAIN);
	assert_false(poll_one(lfd) & US_POLLIN);
	SEG(TCP_SYN, PEER_ISN, 0, 65535, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	assert_false(poll_one(lfd) & US_POLLIN);
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, 0);
	expect_none();
	assert_true(poll_one(lfd) & US_POLLIN);
	fd = us_accept(lfd, (struct sockaddr *)&a, &(socklen_t){ sizeof(a) });
	assert_true(fd >= 0);
	assert_int_equal(a.sin_addr.s_addr, peer);
	assert_int_equal(ntohs(a.sin_port), PEER);
	assert_int_equal(local_port(fd), PORT);
	assert_int_equal(us_set_nonblock(fd, 1), 0);
	assert_true(poll_one(fd) & US_POLLOUT);
	while ((n = us_send(fd, big, sizeof(big), 0)) > 0)
		total += n;
	assert_int_equal(n, -EAGAIN);
	assert_true(total > 0);
	assert_false(poll_one(fd) & US_POLLOUT);
	test_dev_flush(tun);
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	assert_int_equal(us_close(fd), 0);
	{
		struct tcp_hdr h;
		pop(&h, NULL);
		assert_true(h.flags & TCP_RST);
	}
	expect_none();
	assert_int_equal(us_close(lfd), 0);
}

/* POLLOUT with a low-water mark, as Linux's sk_stream_is_writeable: after the buffer
 * filled, the socket turns writable only once the free space is at least half of what is
 * still queued (a third of a full buffer), not at the first byte an ACK frees; a writer
 * woken for every ACK's sliver would send (and `serve http` read its file) in slivers. */
static void test_pollout_low_water(void **state)
{
	struct sockaddr_in a = sin_of(IP_ADDR_ANY, PORT);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	static char big[65536];
	struct tcp_pcb *pcb;
	uint32_t acked = 0;
	int lfd, fd, below = 0, woke = 0;
	ssize_t n;

	(void)state;
	lfd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	assert_true(lfd >= 0);
	assert_int_equal(us_bind(lfd, (const struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(us_listen(lfd, 4), 0);
	SEG(TCP_SYN, PEER_ISN, 0, 65535, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, 0);
	fd = us_accept(lfd, NULL, NULL);
	assert_true(fd >= 0);
	assert_int_equal(us_set_nonblock(fd, 1), 0);
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &(int){ 8192 }, sizeof(int)), 0);
	while ((n = us_send(fd, big, sizeof(big), 0)) > 0)
		;
	assert_int_equal(n, -EAGAIN);
	assert_false(poll_one(fd) & US_POLLOUT);
	pcb = sock_fd_get(fd)->pcb;
	/* the peer ACKs 500 bytes at a time of what was sent; more goes out meanwhile */
	while (acked < 40000 && !woke) {
		uint32_t sent = pcb->snd_max - (ISN + 1);
		size_t free_sp, queued;

		test_dev_flush(tun);
		if (acked + 500 > sent)
			break;
		acked += 500;
		SEG(TCP_ACK, PEER_ISN + 1, ISN + 1 + acked, 65535, NULL, 0);
		free_sp = tcp_ring_free_space(&pcb->snd_buf);
		queued = pcb->snd_buf.len;
		if (free_sp > 0 && free_sp < queued / 2) {
			below++; /* room, but below the mark: not writable yet */
			assert_false(poll_one(fd) & US_POLLOUT);
		} else if (free_sp >= queued / 2) {
			woke = 1;
			assert_true(poll_one(fd) & US_POLLOUT);
		}
	}
	assert_true(below > 0);
	assert_true(woke);
	test_dev_flush(tun);
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	assert_int_equal(us_close(fd), 0);
	test_dev_flush(tun);
	assert_int_equal(us_close(lfd), 0);
}

/* Bad pointers give -EFAULT as on Linux (checked against a kernel socket) instead of a
 * NULL dereference with the stack lock held; a NULL value of length 0 is -EINVAL. The
 * lock is free afterwards: the next calls work. */
static void test_sockopt_null_pointers(void **state)
{
	socklen_t len = sizeof(int);
	int fd, v = 1;

	(void)state;
	fd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	assert_int_equal(us_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, NULL, 4), -EFAULT);
	assert_int_equal(us_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, NULL, 0), -EINVAL);
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, NULL, 4), -EFAULT);
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_LINGER, NULL, sizeof(struct linger)),
			 -EFAULT);
	assert_int_equal(us_getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, NULL), -EFAULT);
	assert_int_equal(us_getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, NULL, &len), -EFAULT);
	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, NULL), -EFAULT);
	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_TYPE, NULL, &len), -EFAULT);
	assert_int_equal(us_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)), 0);
	v = 0;
	assert_int_equal(us_getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
	assert_int_equal(v, 1);
	assert_int_equal(us_close(fd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_connect_data_shutdown, sock_setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_gives_econnreset, sock_setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, sock_setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_times_out, sock_setup, teardown),
		cmocka_unit_test_setup_teardown(test_listen_accept_full_send, sock_setup, teardown),
		cmocka_unit_test_setup_teardown(test_pollout_low_water, sock_setup, teardown),
		cmocka_unit_test_setup_teardown(test_sockopt_null_pointers, sock_setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
