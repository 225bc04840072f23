/* SPDX-License-Identifier: MIT */
/* The generic socket layer with a scripted protocol: descriptors, options and their
 * hand-over to the protocol, blocking connect/accept/recv woken from another thread (as the
 * loop thread would), timeouts, close while blocked, us_poll, and the drive_loop mode of a
 * single-threaded program and of a named driver beside a thread that blocks. Nothing here knows UDP or TCP. */
#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net/loop.h"
#include "net/socket.h"

#define FAKE_PROTO 200   /* not an IP protocol anyone registers */
#define FAKE_LEVEL 200   /* its option level */

/* The scripted protocol's control block: the test flips these under the lock. */
struct fake {
	int readable, eof, connected, accept_ready;
	int opt_calls, opt_level, opt_name;
};

static struct sock *last_sk;
static int fake_closed;

static int fake_create(struct sock *sk)
{
	sk->pcb = calloc(1, sizeof(struct fake));
	last_sk = sk;
	return sk->pcb ? 0 : -ENOMEM;
}

static int fake_connect(struct sock *sk, const struct net_endpoint *addr, uint64_t now)
{
	(void)now;
	sk->peer = *addr;
	return -EINPROGRESS;
}

static int fake_listen(struct sock *sk, int backlog)
{
	(void)sk;
	(void)backlog;
	return 0;
}

static int fake_accept(struct sock *sk, struct sock **child, struct net_endpoint *peer)
{
	struct fake *f = sk->pcb;

	if (!f->accept_ready)
		return -EAGAIN;
	f->accept_ready = 0;
	*child = sock_alloc_child(sk);
	assert_non_null(*child);
	(*child)->pcb = calloc(1, sizeof(struct fake));
	*peer = net_endpoint_v4(inet_addr("192.0.2.9"), 4242);
	return 0;
}

static ssize_t fake_sendmsg(struct sock *sk, struct sock_iter *it, int flags,
			    const struct net_endpoint *dst, uint64_t now)
{
	size_t len = it->len;

	(void)sk, (void)flags, (void)dst, (void)now;
	sock_iter_advance(it, len);
	return (ssize_t)len;
}

static ssize_t fake_recvmsg(struct sock *sk, struct sock_iter *it, int flags,
			    struct net_endpoint *src, int *msg_flags)
{
	struct fake *f = sk->pcb;

	(void)flags, (void)src, (void)msg_flags;
	if (f->readable) {
		f->readable = 0;
		assert_true(it->len >= 4);
		return (ssize_t)sock_iter_put(it, "data", 4);
	}
	return f->eof ? 0 : -EAGAIN;
}

static void fake_close(struct sock *sk, uint64_t now)
{
	(void)now;
	free(sk->pcb);
	sk->pcb = NULL;
	fake_closed++;
}

static unsigned fake_poll(struct sock *sk)
{
	struct fake *f = sk->pcb;

	return (f->readable || f->accept_ready ? US_POLLIN : 0) |
	       (f->connected ? US_POLLOUT : 0) | (f->eof ? US_POLLHUP : 0);
}

static int fake_setsockopt(struct sock *sk, int level, int name, const void *val,
			   socklen_t len)
{
	struct fake *f = sk->pcb;

	(void)val, (void)len;
	f->opt_calls++;
	f->opt_level = level;
	f->opt_name = name;
	if (level == SOL_SOCKET)
		return name == SO_KEEPALIVE ? 0 : -ENOPROTOOPT;
	return level == FAKE_LEVEL && name == 1 ? 0 : -ENOPROTOOPT;
}

static int fake_getsockopt(struct sock *sk, int level, int name, void *val, socklen_t *len)
{
	int v = 42;

	(void)sk;
	if (level != FAKE_LEVEL || name != 1)
		return -ENOPROTOOPT;
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

static const struct sock_ops fake_ops = {
	.create = fake_create,
	.connect = fake_connect,
	.listen = fake_listen,
	.accept = fake_accept,
	.sendmsg = fake_sendmsg,
	.recvmsg = fake_recvmsg,
	.close = fake_close,
	.poll = fake_poll,
	.setsockopt = fake_setsockopt,
	.getsockopt = fake_getsockopt,
};

static int setup(void **state)
{
	(void)state;
	stats_reset();
	fake_closed = 0;
	return sock_proto_register(SOCK_STREAM, FAKE_PROTO, &fake_ops);
}

static int teardown(void **state)
{
	(void)state;
	sock_close_all();
	test_assert_no_leaks();
	return 0;
}

static int fake_socket(int flags)
{
	int fd = us_socket(AF_INET, SOCK_STREAM | flags, FAKE_PROTO);

	assert_true(fd >= 0);
	return fd;
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* ---- another thread changes the protocol's state after a delay, as the loop would ---- */

enum change { SET_CONNECTED, SET_REFUSED, SET_READABLE, SET_ACCEPT_READY };

struct later {
	pthread_t th;
	struct sock *sk;
	int delay_ms;
	enum change what;
};

static void *later_main(void *arg)
{
	struct later *l = arg;

	usleep((useconds_t)l->delay_ms * 1000);
	net_lock();
	{
		struct fake *f = l->sk->pcb;
		switch (l->what) {
		case SET_CONNECTED: f->connected = 1; break;
		case SET_REFUSED: l->sk->so_error = -ECONNREFUSED; break;
		case SET_READABLE: f->readable = 1; break;
		case SET_ACCEPT_READY: f->accept_ready = 1; break;
		}
	}
	sock_wakeup(l->sk);
	net_unlock();
	return NULL;
}

static void later_start(struct later *l, struct sock *sk, int delay_ms, enum change what)
{
	*l = (struct later){ .sk = sk, .delay_ms = delay_ms, .what = what };
	assert_int_equal(pthread_create(&l->th, NULL, later_main, l), 0);
}

/* ---- tests ---- */

static void test_socket_errors(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET }, b;
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	socklen_t blen = 4;
	uint8_t buf[4];
	int fd;

	(void)state;
	assert_int_equal(us_socket(AF_INET6, SOCK_STREAM, FAKE_PROTO), -EAFNOSUPPORT);
	assert_int_equal(us_socket(AF_INET, SOCK_STREAM, FAKE_PROTO + 1), -EPROTONOSUPPORT);
	assert_int_equal(us_socket(AF_INET, SOCK_RAW, 0), -EPROTONOSUPPORT);
	assert_int_equal(us_bind(77, (const struct sockaddr *)&a, sizeof(a)), -EBADF);
	assert_int_equal(us_connect(77, (const struct sockaddr *)&a, sizeof(a)), -EBADF);
	assert_int_equal(us_send(77, "x", 1, 0), -EBADF);
	assert_int_equal(us_recv(77, buf, 1, 0), -EBADF);
	assert_int_equal(us_close(-1), -EBADF);
	fd = fake_socket(0);
	/* the protocol has no bind */
	assert_int_equal(us_bind(fd, (const struct sockaddr *)&a, sizeof(a)), -EOPNOTSUPP);
	assert_int_equal(us_shutdown(fd, 7), -EINVAL);
	assert_int_equal(us_shutdown(fd, SHUT_WR), -EOPNOTSUPP);
	assert_int_equal(us_getpeername(fd, (struct sockaddr *)&b, &(socklen_t){ sizeof(b) }),
			 -ENOTCONN);
	assert_int_equal(us_getsockname(fd, (struct sockaddr *)&b, &(socklen_t){ sizeof(b) }), 0);
	assert_int_equal(b.sin_family, AF_INET);
	/* addresses are checked once, before any protocol sees them */
	assert_int_equal(us_bind(fd, (const struct sockaddr *)&a6, sizeof(a6)), -EAFNOSUPPORT);
	assert_int_equal(us_connect(fd, (const struct sockaddr *)&a6, sizeof(a6)), -EAFNOSUPPORT);
	assert_int_equal(us_sendto(fd, "x", 1, 0, (const struct sockaddr *)&a6, sizeof(a6)),
			 -EAFNOSUPPORT);
	assert_int_equal(us_bind(fd, (const struct sockaddr *)&a, sizeof(a) - 1), -EINVAL);
	assert_int_equal(us_connect(fd, (const struct sockaddr *)&a, 1), -EINVAL);
	assert_int_equal(us_bind(fd, NULL, sizeof(a)), -EINVAL);
	assert_int_equal(us_getsockname(fd, NULL, &blen), -EFAULT);
	memset(&b, 0xee, sizeof(b));
	assert_int_equal(us_getsockname(fd, (struct sockaddr *)&b, &blen), 0);
	assert_int_equal(blen, sizeof(struct sockaddr_in)); /* the full length, 4 bytes stored */
	assert_int_equal(b.sin_family, AF_INET);
	assert_int_equal(b.sin_addr.s_addr, 0xeeeeeeee);
	assert_int_equal(sock_stats.opened, 1);
	assert_int_equal(us_close(fd), 0);
	assert_int_equal(sock_stats.closed, 1);
	assert_int_equal(fake_closed, 1);
	test_assert_no_leaks();
}

static void test_options(void **state)
{
	struct timeval tv = { .tv_sec = 1, .tv_usec = 500000 }, tvb;
	struct linger lg = { .l_onoff = 1, .l_linger = 5 }, lgb;
	socklen_t len;
	int fd = fake_socket(0), on = 1, v;
	struct fake *f = last_sk->pcb;

	(void)state;
	/* Stored by the layer; the protocol hears of it too and may ignore it. */
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)), 0);
	assert_int_equal(f->opt_calls, 1);
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)), 0);
	assert_int_equal(f->opt_calls, 2);
	assert_int_equal(f->opt_name, SO_KEEPALIVE);
	v = 100; /* below the floor */
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0);
	v = 65536;
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)), 0);
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);

	len = sizeof(v);
	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, &len), 0);
	assert_int_equal(v, 1);
	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, &len), 0);
	assert_int_equal(v, 1);
	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &len), 0);
	assert_int_equal(v, 256);
	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len), 0);
	assert_int_equal(v, SOCK_STREAM);
	len = sizeof(tvb);
	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tvb, &len), 0);
	assert_int_equal(tvb.tv_sec, 1);
	assert_int_equal(tvb.tv_usec, 500000);
	len = sizeof(lgb);
	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_LINGER, &lgb, &len), 0);
	assert_int_equal(lgb.l_onoff, 1);
	assert_int_equal(lgb.l_linger, 5);

	/* Bad values. */
	tv.tv_usec = 1000000;
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), -EDOM);
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, 2), -EINVAL);
	len = 2;
	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len), -EINVAL);
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_ERROR, &on, sizeof(on)), -ENOPROTOOPT);

	/* SO_ERROR reads and clears. */
	net_lock();
	last_sk->so_error = -ETIMEDOUT;
	net_unlock();
	len = sizeof(v);
	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	assert_int_equal(v, ETIMEDOUT);
	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	assert_int_equal(v, 0);

	/* Other levels belong to the protocol. */
	assert_int_equal(us_setsockopt(fd, FAKE_LEVEL, 1, &on, sizeof(on)), 0);
	assert_int_equal(f->opt_level, FAKE_LEVEL);
	assert_int_equal(us_setsockopt(fd, FAKE_LEVEL, 2, &on, sizeof(on)), -ENOPROTOOPT);
	assert_int_equal(us_getsockopt(fd, FAKE_LEVEL, 1, &v, &len), 0);
	assert_int_equal(v, 42);
	us_close(fd);
	test_assert_no_leaks();
}

static void test_blocking_connect_completes(void **state)
{
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = htons(80) };
	struct timespec t0;
	struct later l;
	int fd = fake_socket(0);

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	later_start(&l, last_sk, 20, SET_CONNECTED);
	assert_int_equal(us_connect(fd, (const struct sockaddr *)&peer, sizeof(peer)), 0);
	assert_true(elapsed_ms(&t0) >= 15);
	pthread_join(l.th, NULL);
	us_close(fd);
	test_assert_no_leaks();
}

static void test_blocking_connect_refused(void **state)
{
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = htons(80) };
	struct later l;
	socklen_t len = sizeof(int);
	int fd = fake_socket(0), v;

	(void)state;
	later_start(&l, last_sk, 20, SET_REFUSED);
	assert_int_equal(us_connect(fd,
				    (const struct sockaddr *)&peer, sizeof(peer)), -ECONNREFUSED);
	pthread_join(l.th, NULL);
	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	assert_int_equal(v, 0); /* reported once */
	us_close(fd);
	test_assert_no_leaks();
}

static void test_connect_nonblocking_and_timeout(void **state)
{
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = htons(80) };
	struct timeval tv = { .tv_sec = 0, .tv_usec = 30000 };
	struct us_pollfd pfd;
	struct timespec t0;
	long ms;
	int nb = fake_socket(US_SOCK_NONBLOCK);
	int b = fake_socket(0);

	(void)state;
	assert_int_equal(us_connect(nb,
				    (const struct sockaddr *)&peer, sizeof(peer)), -EINPROGRESS);
	pfd = (struct us_pollfd){ .fd = nb, .events = US_POLLOUT };
	assert_int_equal(us_poll(&pfd, 1, 0), 0);
	/* SO_SNDTIMEO bounds a blocking connect; it is then still in progress (Linux). */
	assert_int_equal(us_setsockopt(b, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(us_connect(b, (const struct sockaddr *)&peer, sizeof(peer)), -EINPROGRESS);
	ms = elapsed_ms(&t0);
	assert_true(ms >= 29 && ms < 1000);
	us_close(nb);
	us_close(b);
	test_assert_no_leaks();
}

static void test_blocking_accept(void **state)
{
	struct sockaddr_in peer;
	struct later l;
	socklen_t len = sizeof(int);
	int on = 1, v;
	int lfd = fake_socket(0), cfd;

	(void)state;
	assert_int_equal(us_setsockopt(lfd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)), 0);
	assert_int_equal(us_listen(lfd, 8), 0);
	later_start(&l, last_sk, 20, SET_ACCEPT_READY);
	cfd = us_accept(lfd, (struct sockaddr *)&peer, &(socklen_t){ sizeof(peer) });
	pthread_join(l.th, NULL);
	assert_true(cfd >= 0);
	assert_true(cfd != lfd);
	assert_int_equal(ntohs(peer.sin_port), 4242);
	/* The child inherits the listener's options. */
	assert_int_equal(us_getsockopt(cfd, SOL_SOCKET, SO_KEEPALIVE, &v, &len), 0);
	assert_int_equal(v, 1);
	us_set_nonblock(lfd, 1);
	assert_int_equal(us_accept(lfd, (struct sockaddr *)&peer, &(socklen_t){ sizeof(peer) }),
			 -EAGAIN);
	us_close(cfd);
	us_close(lfd);
	assert_int_equal(fake_closed, 2);
	test_assert_no_leaks();
}

static void test_recv_and_poll_woken(void **state)
{
	struct us_pollfd pfd;
	struct later l;
	uint8_t buf[8];
	int fd = fake_socket(0);

	(void)state;
	later_start(&l, last_sk, 20, SET_READABLE);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), 4);
	pthread_join(l.th, NULL);
	assert_memory_equal(buf, "data", 4);

	pfd = (struct us_pollfd){ .fd = fd, .events = US_POLLIN };
	later_start(&l, last_sk, 20, SET_READABLE);
	assert_int_equal(us_poll(&pfd, 1, -1), 1);
	pthread_join(l.th, NULL);
	assert_int_equal(pfd.revents, US_POLLIN);

	/* A stream's end of file explained by a pending error reports the error. */
	net_lock();
	((struct fake *)last_sk->pcb)->readable = 0;
	((struct fake *)last_sk->pcb)->eof = 1;
	last_sk->so_error = -ECONNRESET;
	net_unlock();
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), -ECONNRESET);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), 0);
	us_close(fd);
	test_assert_no_leaks();
}

struct blocked_recv {
	int fd;
	ssize_t result;
};

static void *blocked_recv_main(void *arg)
{
	struct blocked_recv *br = arg;
	uint8_t buf[8];

	br->result = us_recv(br->fd, buf, sizeof(buf), 0);
	return NULL;
}

/* A socket closed while another thread is blocked on it: that thread wakes with -EBADF and
 * the socket is freed exactly once (ASan in `make san` checks the "once"). */
static void test_close_while_blocked(void **state)
{
	struct blocked_recv br = { .fd = fake_socket(0), .result = 1 };
	pthread_t th;

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, blocked_recv_main, &br), 0);
	usleep(20000);
	assert_int_equal(us_close(br.fd), 0);
	pthread_join(th, NULL);
	assert_int_equal(br.result, -EBADF);
	assert_int_equal(fake_closed, 1);
	test_assert_no_leaks();
}

static void make_readable(struct net_timer *t, void *arg, uint64_t now)
{
	struct sock *sk = arg;

	(void)t, (void)now;
	((struct fake *)sk->pcb)->readable = 1;
	sock_wakeup(sk);
}

/* A single-threaded program: the blocking call runs the loop, whose timer delivers. */
static void test_drive_loop(void **state)
{
	struct net_timer t;
	uint8_t buf[8];
	int fd = fake_socket(0);

	(void)state;
	assert_int_equal(net_loop_init(), 0);
	socket_config.drive_loop = 1;
	net_timer_init(&t, make_readable, last_sk);
	net_lock();
	net_timer_arm(&t, net_clock_ms() + 20);
	net_unlock();
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), 4);
	socket_config.drive_loop = 0;
	net_loop_shutdown();
	us_close(fd);
	test_assert_no_leaks();
}

/* A named driver (net_loop_set_driver): its polls run the loop, and another thread's
 * blocking call sleeps on its condition variable until the driver's iteration wakes it. */
struct driven {
	int fd;
	ssize_t got;
	volatile int done;
	pthread_t timer_thread;
};

static void driven_timer(struct net_timer *t, void *arg, uint64_t now)
{
	struct driven *d = arg;

	(void)t, (void)now;
	d->timer_thread = pthread_self();
	((struct fake *)last_sk->pcb)->readable = 1;
	sock_wakeup(last_sk);
}

static void *driven_recv_main(void *arg)
{
	struct driven *d = arg;
	uint8_t buf[8];

	d->got = us_recv(d->fd, buf, sizeof(buf), 0);
	d->done = 1;
	return NULL;
}

static void test_drive_loop_driver(void **state)
{
	struct driven d = { 0 };
	struct us_pollfd pfd;
	struct net_timer t;
	pthread_t th;
	int idle = fake_socket(0);

	(void)state;
	d.fd = fake_socket(0); /* last_sk: the one the timer makes readable */
	assert_int_equal(net_loop_init(), 0);
	socket_config.drive_loop = 1;
	net_loop_set_driver(1);
	assert_int_equal(pthread_create(&th, NULL, driven_recv_main, &d), 0);
	net_timer_init(&t, driven_timer, &d);
	net_lock();
	net_timer_arm(&t, net_clock_ms() + 30);
	net_unlock();
	/* the driver polls a socket that never becomes ready: its waits run the loop */
	for (int i = 0; i < 100 && !d.done; i++) {
		pfd = (struct us_pollfd){ .fd = idle, .events = US_POLLIN };
		assert_int_equal(us_poll(&pfd, 1, 20), 0);
	}
	pthread_join(th, NULL);
	assert_int_equal(d.got, 4);
	assert_true(pthread_equal(d.timer_thread, pthread_self())); /* the driver ran it */

	/* A socket ready at every poll still lets the loop turn: a timer due now fires
	 * within two polls, though neither poll has to wait. */
	net_lock();
	((struct fake *)last_sk->pcb)->readable = 1;
	d.timer_thread = 0;
	net_timer_arm(&t, net_clock_ms());
	net_unlock();
	for (int i = 0; i < 2; i++) {
		pfd = (struct us_pollfd){ .fd = d.fd, .events = US_POLLIN };
		assert_int_equal(us_poll(&pfd, 1, 0), 1);
	}
	net_lock();
	assert_false(net_timer_pending(&t));
	net_unlock();
	net_loop_set_driver(0);
	socket_config.drive_loop = 0;
	net_loop_shutdown();
	us_close(d.fd);
	us_close(idle);
	test_assert_no_leaks();
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_socket_errors),
		T(test_options),
		T(test_blocking_connect_completes),
		T(test_blocking_connect_refused),
		T(test_connect_nonblocking_and_timeout),
		T(test_blocking_accept),
		T(test_recv_and_poll_woken),
		T(test_close_while_blocked),
		T(test_drive_loop),
		T(test_drive_loop_driver),
	};
#undef T

	test_unlock(); /* an application: it takes the lock itself where it plays the loop */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
