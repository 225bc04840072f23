/* SPDX-License-Identifier: MIT */
/* Readiness sets (net/sock_ready.c) over a scripted protocol: level- and edge-triggered and
 * oneshot members, MOD and DEL, a member closed while queued, the kernel eventfd readable
 * exactly while something is queued, 1,000 idle members and one ready (the wait asks only
 * the ready one), timeouts, a wait woken from another thread, closed under it, and the
 * drive_loop mode. */
#include "test/unit/testlib.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <ustack.h>

#include "net/loop.h"
#include "net/pool.h"
#include "net/socket.h"
#include "net/socket_impl.h"

#define FAKE_PROTO 201 /* not an IP protocol anyone registers */

/* The scripted protocol's control block: the test flips these under the lock and calls
 * sock_wakeup, as the loop would. */
struct fake {
	int readable, writable, hup;
	unsigned polls; /* ops->poll calls on this socket */
};

static struct sock *last_sk;

static int fake_create(struct sock *sk)
{
	sk->pcb = calloc(1, sizeof(struct fake));
	last_sk = sk;
	return sk->pcb ? 0 : -ENOMEM;
}

static ssize_t fake_sendmsg(struct sock *sk, struct sock_iter *it, int flags,
			    const struct net_endpoint *dst, uint64_t now)
{
	size_t n = 0;
	uint8_t *base;
	size_t piece;

	(void)sk, (void)flags, (void)dst, (void)now;
	while ((piece = sock_iter_piece(it, &base)) > 0) {
		sock_iter_advance(it, piece);
		n += piece;
	}
	return (ssize_t)n;
}

/* Reading takes everything there is. */
static ssize_t fake_recvmsg(struct sock *sk, struct sock_iter *it, int flags,
			    struct net_endpoint *src, int *msg_flags)
{
	struct fake *f = sk->pcb;

	(void)flags, (void)src, (void)msg_flags;
	if (!f->readable)
		return -EAGAIN;
	f->readable = 0;
	assert_int_equal(sock_iter_put(it, "d", 1), 1);
	return 1;
}

static void fake_close(struct sock *sk, uint64_t now)
{
	(void)now;
	free(sk->pcb);
	sk->pcb = NULL;
}

static unsigned fake_poll(struct sock *sk)
{
	struct fake *f = sk->pcb;

	f->polls++;
	return (f->readable ? US_POLLIN : 0) | (f->writable ? US_POLLOUT : 0) |
	       (f->hup ? US_POLLHUP : 0);
}

static const struct sock_ops fake_ops = {
	.create = fake_create,
	.sendmsg = fake_sendmsg,
	.recvmsg = fake_recvmsg,
	.close = fake_close,
	.poll = fake_poll,
};

static int setup(void **state)
{
	(void)state;
	stats_reset();
	return sock_proto_register(SOCK_STREAM, FAKE_PROTO, &fake_ops);
}

static int teardown(void **state)
{
	(void)state;
	sock_close_all();
	test_assert_no_leaks();
	return 0;
}

/* A non-blocking scripted socket; *sk_out gets its struct sock. */
static int fake_socket(struct sock **sk_out)
{
	int fd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, FAKE_PROTO);

	assert_true(fd >= 0);
	if (sk_out)
		*sk_out = last_sk;
	return fd;
}

enum change { SET_READABLE, SET_WRITABLE, SET_HUP, SET_IDLE };

/* Changes sk's state and announces it, as a protocol does from the loop. */
static void fake_set(struct sock *sk, enum change what)
{
	struct fake *f;

	net_lock();
	f = sk->pcb;
	switch (what) {
	case SET_READABLE: f->readable = 1; break;
	case SET_WRITABLE: f->writable = 1; break;
	case SET_HUP: f->hup = 1; break;
	case SET_IDLE: f->readable = f->writable = f->hup = 0; break;
	}
	sock_wakeup(sk);
	net_unlock();
}

static int add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct us_epoll_event ev = { .events = events, .data.u64 = data };

	return us_epoll_ctl(ep, US_EPOLL_CTL_ADD, fd, &ev);
}

static int mod(int ep, int fd, uint32_t events, uint64_t data)
{
	struct us_epoll_event ev = { .events = events, .data.u64 = data };

	return us_epoll_ctl(ep, US_EPOLL_CTL_MOD, fd, &ev);
}

/* Is the kernel descriptor readable right now (poll with timeout 0)? */
static int kfd_readable(int kfd)
{
	struct pollfd p = { .fd = kfd, .events = POLLIN };
	int r = poll(&p, 1, 0);

	assert_true(r >= 0);
	return r == 1 && (p.revents & POLLIN);
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* ---- tests ---- */

static void test_errors(void **state)
{
	struct us_epoll_event ev = { .events = US_EPOLLIN }, out[1];
	int ep = us_epoll_create(), ep2 = us_epoll_create(), fd = fake_socket(NULL);
	uint8_t b;

	(void)state;
	assert_true(ep >= 0 && ep2 >= 0 && ep != ep2 && fd != ep);
	assert_int_equal(us_epoll_ctl(77, US_EPOLL_CTL_ADD, fd, &ev), -EBADF);
	assert_int_equal(us_epoll_ctl(ep, US_EPOLL_CTL_ADD, 77, &ev), -EBADF);
	assert_int_equal(us_epoll_ctl(fd, US_EPOLL_CTL_ADD, fd, &ev), -EINVAL); /* not a set */
	assert_int_equal(us_epoll_ctl(ep, US_EPOLL_CTL_ADD, ep2, &ev), -EINVAL); /* no nesting */
	assert_int_equal(us_epoll_ctl(ep, US_EPOLL_CTL_ADD, ep, &ev), -EINVAL);
	assert_int_equal(us_epoll_ctl(ep, 9, fd, &ev), -EINVAL);
	assert_int_equal(us_epoll_ctl(ep, US_EPOLL_CTL_ADD, fd, NULL), -EFAULT);
	assert_int_equal(us_epoll_ctl(ep, US_EPOLL_CTL_MOD, fd, &ev), -ENOENT);
	assert_int_equal(us_epoll_ctl(ep, US_EPOLL_CTL_DEL, fd, NULL), -ENOENT);
	assert_int_equal(add(ep, fd, US_EPOLLIN, 1), 0);
	assert_int_equal(add(ep, fd, US_EPOLLIN, 1), -EEXIST);
	assert_int_equal(us_epoll_wait(ep, out, 0, 0), -EINVAL);
	assert_int_equal(us_epoll_wait(ep, NULL, 1, 0), -EINVAL);
	assert_int_equal(us_epoll_wait(fd, out, 1, 0), -EINVAL);
	assert_int_equal(us_epoll_wait(77, out, 1, 0), -EBADF);
	assert_int_equal(us_epoll_fd(fd), -EINVAL);
	assert_int_equal(us_epoll_fd(77), -EBADF);
	/* A set moves no data. */
	assert_int_equal(us_recv(ep, &b, 1, 0), -ENOTSOCK);
	assert_int_equal(us_send(ep, &b, 1, 0), -ENOTSOCK);
	/* The member limit is socket_config.max_sockets. */
	socket_config.max_sockets = 1;
	assert_int_equal(add(ep2, fd, US_EPOLLIN, 1), 0);
	assert_int_equal(add(ep2, fake_socket(NULL), US_EPOLLIN, 2), -ENOSPC);
	socket_config.max_sockets = 65536;
	assert_int_equal(us_close(ep), 0);
	assert_int_equal(us_epoll_wait(ep, out, 1, 0), -EBADF);
	test_assert_no_leaks();
}

/* Level-triggered: reported by every wait while ready, and no longer once read. */
static void test_level_triggered(void **state)
{
	struct us_epoll_event out[4];
	struct sock *sk;
	int ep = us_epoll_create(), fd = fake_socket(&sk);
	uint8_t b;

	(void)state;
	assert_int_equal(add(ep, fd, US_EPOLLIN, 0xfeedface12345678ull), 0);
	assert_int_equal(us_epoll_wait(ep, out, 4, 0), 0);
	fake_set(sk, SET_READABLE);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(us_epoll_wait(ep, out, 4, 0), 1);
		assert_int_equal(out[0].events, US_EPOLLIN);
		assert_true(out[0].data.u64 == 0xfeedface12345678ull);
	}
	assert_int_equal(us_recv(fd, &b, 1, 0), 1);
	assert_int_equal(us_epoll_wait(ep, out, 4, 0), 0);
	/* Not asked for: room to write is not reported; a hang-up always is. */
	fake_set(sk, SET_WRITABLE);
	assert_int_equal(us_epoll_wait(ep, out, 4, 0), 0);
	fake_set(sk, SET_HUP);
	assert_int_equal(us_epoll_wait(ep, out, 4, 0), 1);
	assert_int_equal(out[0].events, US_EPOLLHUP);
	assert_int_equal(sockready_stats.reported, 4);
	test_assert_no_leaks();
}

/* Edge-triggered: once per announced change, even though it stays ready. */
static void test_edge_triggered(void **state)
{
	struct us_epoll_event out[4];
	struct sock *sk;
	int ep = us_epoll_create(), fd = fake_socket(&sk);

	(void)state;
	assert_int_equal(add(ep, fd, US_EPOLLIN | US_EPOLLOUT | US_EPOLLET, 7), 0);
	fake_set(sk, SET_READABLE);
	assert_int_equal(us_epoll_wait(ep, out, 4, 0), 1);
	assert_int_equal(out[0].events, US_EPOLLIN);
	assert_int_equal(out[0].data.u64, 7);
	assert_int_equal(us_epoll_wait(ep, out, 4, 0), 0); /* still readable: no new edge */
	fake_set(sk, SET_WRITABLE);
	assert_int_equal(us_epoll_wait(ep, out, 4, 0), 1);
	assert_int_equal(out[0].events, US_EPOLLIN | US_EPOLLOUT); /* what is ready now */
	assert_int_equal(us_epoll_wait(ep, out, 4, 0), 0);
	/* More data (the protocol announces it again): one more report. */
	fake_set(sk, SET_READABLE);
	assert_int_equal(us_epoll_wait(ep, out, 4, 0), 1);
	assert_int_equal(us_epoll_wait(ep, out, 4, 0), 0);
	test_assert_no_leaks();
}

/* Oneshot: one report, then silent until MOD arms it again. */
static void test_oneshot(void **state)
{
	struct us_epoll_event out[2];
	struct sock *sk;
	int ep = us_epoll_create(), fd = fake_socket(&sk);

	(void)state;
	assert_int_equal(add(ep, fd, US_EPOLLIN | US_EPOLLONESHOT, 1), 0);
	fake_set(sk, SET_READABLE);
	assert_int_equal(us_epoll_wait(ep, out, 2, 0), 1);
	assert_int_equal(us_epoll_wait(ep, out, 2, 0), 0);
	fake_set(sk, SET_READABLE);
	fake_set(sk, SET_HUP); /* not even a hang-up while disarmed */
	assert_int_equal(us_epoll_wait(ep, out, 2, 0), 0);
	/* Armed again while ready: queued at once. */
	assert_int_equal(mod(ep, fd, US_EPOLLIN | US_EPOLLONESHOT, 2), 0);
	assert_int_equal(us_epoll_wait(ep, out, 2, 0), 1);
	assert_int_equal(out[0].events, US_EPOLLIN | US_EPOLLHUP);
	assert_int_equal(out[0].data.u64, 2);
	assert_int_equal(us_epoll_wait(ep, out, 2, 0), 0);
	test_assert_no_leaks();
}

/* MOD changes the interest and the data, and takes a queued member off the list when it
 * no longer matches; DEL takes it out. */
static void test_mod_del(void **state)
{
	struct us_epoll_event out[2];
	struct sock *sk;
	int ep = us_epoll_create(), fd = fake_socket(&sk), kfd = us_epoll_fd(ep);

	(void)state;
	assert_true(kfd >= 0);
	assert_int_equal(add(ep, fd, US_EPOLLIN, 1), 0);
	fake_set(sk, SET_WRITABLE);
	assert_int_equal(us_epoll_wait(ep, out, 2, 0), 0);
	assert_int_equal(mod(ep, fd, US_EPOLLOUT, 2), 0); /* ready under the new interest */
	assert_true(kfd_readable(kfd));
	assert_int_equal(us_epoll_wait(ep, out, 2, 0), 1);
	assert_int_equal(out[0].events, US_EPOLLOUT);
	assert_int_equal(out[0].data.u64, 2);
	assert_true(kfd_readable(kfd)); /* level-triggered and still ready */
	assert_int_equal(mod(ep, fd, US_EPOLLIN, 3), 0);
	assert_false(kfd_readable(kfd));
	assert_int_equal(us_epoll_wait(ep, out, 2, 0), 0);
	fake_set(sk, SET_READABLE);
	assert_true(kfd_readable(kfd));
	assert_int_equal(us_epoll_ctl(ep, US_EPOLL_CTL_DEL, fd, NULL), 0);
	assert_false(kfd_readable(kfd));
	assert_int_equal(us_epoll_wait(ep, out, 2, 0), 0);
	fake_set(sk, SET_READABLE);
	assert_int_equal(us_epoll_wait(ep, out, 2, 0), 0);
	assert_int_equal(us_epoll_ctl(ep, US_EPOLL_CTL_DEL, fd, NULL), -ENOENT);
	assert_int_equal(add(ep, fd, US_EPOLLIN, 4), 0); /* back in, ready: queued */
	assert_int_equal(us_epoll_wait(ep, out, 2, 0), 1);
	assert_int_equal(out[0].data.u64, 4);
	test_assert_no_leaks();
}

/* Items come from the pool: members that come and go (a server's connections) reuse its
 * slots, no new slab and no malloc each time; closing the set gives every slot back. */
static void test_items_pooled(void **state)
{
	const struct net_pool *p = sock_ready_pool();
	struct sock *sk[4];
	int fd[4], ep = us_epoll_create();
	uint64_t slabs;

	(void)state;
	for (int i = 0; i < 4; i++)
		fd[i] = fake_socket(&sk[i]);
	assert_int_equal(add(ep, fd[0], US_EPOLLIN, 0), 0);
	assert_int_equal(p->live, 1);
	slabs = p->slab_allocs;
	for (int n = 0; n < 1000; n++) {
		int i = 1 + n % 3;
		assert_int_equal(add(ep, fd[i], US_EPOLLIN, (uint64_t)i), 0);
		assert_int_equal(p->live, 2);
		if (n % 2)
			assert_int_equal(us_epoll_ctl(ep, US_EPOLL_CTL_DEL, fd[i], NULL), 0);
		else {
			net_lock();
			sock_ready_forget(sk[i]); /* as closing the socket does */
			net_unlock();
		}
		assert_int_equal(p->live, 1);
	}
	assert_int_equal(p->slab_allocs, slabs);
	fake_set(sk[0], SET_READABLE);
	assert_int_equal(us_close(ep), 0); /* its members leave it */
	assert_int_equal(p->live, 0);
	test_assert_no_leaks();
}

/* A socket closed while queued in two sets leaves both; a set closed with members lets
 * them go (ASan under `make san` checks that nothing is used after the free). */
static void test_close_member(void **state)
{
	struct us_epoll_event out[2];
	struct sock *sk, *sk2;
	int ep1 = us_epoll_create(), ep2 = us_epoll_create();
	int fd = fake_socket(&sk), fd2 = fake_socket(&sk2), fd3;
	int k1 = us_epoll_fd(ep1), k2 = us_epoll_fd(ep2);

	(void)state;
	assert_int_equal(add(ep1, fd, US_EPOLLIN, 1), 0);
	assert_int_equal(add(ep2, fd, US_EPOLLIN, 1), 0);
	assert_int_equal(add(ep2, fd2, US_EPOLLIN, 2), 0);
	fake_set(sk, SET_READABLE);
	assert_true(kfd_readable(k1));
	assert_true(kfd_readable(k2));
	assert_int_equal(us_close(fd), 0);
	assert_int_equal(sockready_stats.closed_members, 2);
	assert_false(kfd_readable(k1));
	assert_false(kfd_readable(k2));
	assert_int_equal(us_epoll_wait(ep1, out, 2, 0), 0);
	assert_int_equal(us_epoll_wait(ep2, out, 2, 0), 0);
	/* The descriptor is reused by a new socket, which is in no set. */
	fd3 = fake_socket(NULL);
	assert_int_equal(fd3, fd);
	assert_int_equal(us_epoll_ctl(ep1, US_EPOLL_CTL_DEL, fd3, NULL), -ENOENT);
	/* The set goes first now: its member stays open and can be read. */
	fake_set(sk2, SET_READABLE);
	assert_int_equal(us_close(ep2), 0);
	fake_set(sk2, SET_READABLE); /* no set to queue on any more */
	assert_int_equal(us_epoll_ctl(ep2, US_EPOLL_CTL_ADD, fd2, out), -EBADF);
	us_close(fd2);
	us_close(ep1);
	test_assert_no_leaks();
}

/* The kernel descriptor is readable exactly while something is queued. */
static void test_eventfd(void **state)
{
	struct us_epoll_event out[2];
	struct us_pollfd pfd;
	struct sock *sk;
	int ep = us_epoll_create(), fd = fake_socket(&sk), kfd;
	uint8_t b;

	(void)state;
	assert_int_equal(add(ep, fd, US_EPOLLIN, 1), 0);
	fake_set(sk, SET_READABLE);
	kfd = us_epoll_fd(ep); /* created late: readable from the start */
	assert_true(kfd >= 0);
	assert_int_equal(us_epoll_fd(ep), kfd);
	assert_true(kfd_readable(kfd));
	/* us_poll sees the set readable too. */
	pfd = (struct us_pollfd){ .fd = ep, .events = US_POLLIN };
	assert_int_equal(us_poll(&pfd, 1, 0), 1);
	assert_int_equal(pfd.revents, US_POLLIN);
	assert_int_equal(us_recv(fd, &b, 1, 0), 1);
	/* Read behind the set's back: queued still, until a wait looks. */
	assert_true(kfd_readable(kfd));
	assert_int_equal(us_epoll_wait(ep, out, 2, 0), 0);
	assert_false(kfd_readable(kfd));
	assert_int_equal(us_poll(&pfd, 1, 0), 0);
	fake_set(sk, SET_WRITABLE); /* not wanted: nothing queued, nothing signalled */
	assert_false(kfd_readable(kfd));
	fake_set(sk, SET_READABLE);
	assert_true(kfd_readable(kfd));
	assert_int_equal(mod(ep, fd, US_EPOLLIN | US_EPOLLET, 1), 0);
	assert_int_equal(us_epoll_wait(ep, out, 2, 0), 1);
	assert_false(kfd_readable(kfd)); /* edge reported: nothing queued */
	fake_set(sk, SET_READABLE);
	assert_true(kfd_readable(kfd));
	assert_int_equal(us_epoll_wait(ep, out, 2, 0), 1);
	assert_false(kfd_readable(kfd));
	test_assert_no_leaks();
}

#define MANY 1000

/* 1,000 idle members and one that becomes ready: the wait reports that one, and neither
 * the wake-up nor the wait asks any other member's protocol. */
static void test_many_idle_one_ready(void **state)
{
	static struct sock *sks[MANY];
	struct us_epoll_event out[64];
	int ep = us_epoll_create();
	unsigned others = 0;

	(void)state;
	for (int i = 0; i < MANY; i++)
		assert_int_equal(add(ep, fake_socket(&sks[i]), US_EPOLLIN, (uint64_t)i), 0);
	assert_int_equal(us_epoll_wait(ep, out, 64, 0), 0);
	net_lock();
	for (int i = 0; i < MANY; i++)
		((struct fake *)sks[i]->pcb)->polls = 0;
	net_unlock();
	stats_reset();
	fake_set(sks[617], SET_READABLE);
	assert_int_equal(us_epoll_wait(ep, out, 64, -1), 1);
	assert_int_equal(out[0].data.u64, 617);
	assert_int_equal(out[0].events, US_EPOLLIN);
	net_lock();
	for (int i = 0; i < MANY; i++)
		if (i != 617)
			others += ((struct fake *)sks[i]->pcb)->polls;
	assert_int_equal(((struct fake *)sks[617]->pcb)->polls, 2); /* wake-up, wait */
	net_unlock();
	assert_int_equal(others, 0);
	assert_int_equal(sockready_stats.polls, 2);
	/* Level-triggered and still ready: the next wait costs one more poll, no more. */
	assert_int_equal(us_epoll_wait(ep, out, 64, 0), 1);
	assert_int_equal(sockready_stats.polls, 3);
	test_assert_no_leaks();
}

/* More ready members than room: the rest keep their turn for the next wait. */
static void test_max_and_order(void **state)
{
	struct us_epoll_event out[2];
	struct sock *sk[3];
	int ep = us_epoll_create(), seen[3] = { 0 };

	(void)state;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(add(ep, fake_socket(&sk[i]), US_EPOLLIN, (uint64_t)i), 0);
		fake_set(sk[i], SET_READABLE);
	}
	assert_int_equal(us_epoll_wait(ep, out, 2, 0), 2);
	assert_int_equal(out[0].data.u64, 0);
	assert_int_equal(out[1].data.u64, 1);
	/* The one not reached first, then the level-triggered ones again, in turn. */
	assert_int_equal(us_epoll_wait(ep, out, 2, 0), 2);
	assert_int_equal(out[0].data.u64, 2);
	assert_int_equal(out[1].data.u64, 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(us_epoll_wait(ep, out, 1, 0), 1);
		seen[out[0].data.u64]++;
	}
	assert_int_equal(seen[0] + seen[1] + seen[2], 3);
	assert_int_equal(seen[1], 1);
	assert_int_equal(seen[2], 1);
	test_assert_no_leaks();
}

static void test_wait_timeout(void **state)
{
	struct us_epoll_event out[1];
	struct timespec t0;
	int ep = us_epoll_create();
	long ms;

	(void)state;
	assert_int_equal(add(ep, fake_socket(NULL), US_EPOLLIN, 0), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(us_epoll_wait(ep, out, 1, 30), 0);
	ms = elapsed_ms(&t0);
	assert_true(ms >= 29 && ms < 1000);
	assert_int_equal(us_epoll_wait(ep, out, 1, 0), 0);
	test_assert_no_leaks();
}

struct later {
	pthread_t th;
	struct sock *sk;  /* made readable after delay_ms, or */
	int close_fd;     /* this descriptor closed (when sk is NULL) */
	int delay_ms;
};

static void *later_main(void *arg)
{
	struct later *l = arg;

	usleep((useconds_t)l->delay_ms * 1000);
	if (l->sk)
		fake_set(l->sk, SET_READABLE);
	else
		us_close(l->close_fd);
	return NULL;
}

/* A blocked wait is woken by the loop's change, and by the set's close (-EBADF). */
static void test_blocking_wait(void **state)
{
	struct us_epoll_event out[1];
	struct later l = { .delay_ms = 20 };
	struct timespec t0;
	int ep = us_epoll_create(), fd = fake_socket(&l.sk);

	(void)state;
	assert_int_equal(add(ep, fd, US_EPOLLIN, 5), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(pthread_create(&l.th, NULL, later_main, &l), 0);
	assert_int_equal(us_epoll_wait(ep, out, 1, -1), 1);
	assert_true(elapsed_ms(&t0) >= 15);
	pthread_join(l.th, NULL);
	assert_int_equal(out[0].data.u64, 5);

	l = (struct later){ .close_fd = ep, .delay_ms = 20 };
	assert_int_equal(us_recv(fd, out, 1, 0), 1);
	assert_int_equal(pthread_create(&l.th, NULL, later_main, &l), 0);
	assert_int_equal(us_epoll_wait(ep, out, 1, 5000), -EBADF);
	pthread_join(l.th, NULL);
	test_assert_no_leaks();
}

static void make_readable(struct net_timer *t, void *arg, uint64_t now)
{
	struct sock *sk = arg;

	(void)t, (void)now;
	((struct fake *)sk->pcb)->readable = 1;
	sock_wakeup(sk);
}

/* A single-threaded program: the wait runs the loop, whose timer delivers. */
static void test_drive_loop(void **state)
{
	struct us_epoll_event out[1];
	struct net_timer t;
	struct sock *sk;
	int ep = us_epoll_create(), fd = fake_socket(&sk);

	(void)state;
	assert_int_equal(add(ep, fd, US_EPOLLIN, 9), 0);
	assert_int_equal(net_loop_init(), 0);
	socket_config.drive_loop = 1;
	assert_int_equal(us_epoll_wait(ep, out, 1, 20), 0);
	net_timer_init(&t, make_readable, sk);
	net_lock();
	net_timer_arm(&t, net_clock_ms() + 20);
	net_unlock();
	assert_int_equal(us_epoll_wait(ep, out, 1, 5000), 1);
	assert_int_equal(out[0].data.u64, 9);
	socket_config.drive_loop = 0;
	net_loop_shutdown();
	test_assert_no_leaks();
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_errors),
		T(test_level_triggered),
		T(test_edge_triggered),
		T(test_oneshot),
		T(test_mod_del),
		T(test_close_member),
		T(test_items_pooled),
		T(test_eventfd),
		T(test_many_idle_one_ready),
		T(test_max_and_order),
		T(test_wait_timeout),
		T(test_blocking_wait),
		T(test_drive_loop),
	};
#undef T

	test_unlock(); /* an application: it takes the lock itself where it plays the loop */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
