/* SPDX-License-Identifier: MIT */
/* Readiness sets (us_epoll_*): a program watches many sockets at once, and the stack, not
 * the waiter, finds the ready ones.
 *
 * A set is a socket of its own kind (its ops are set_ops), so its descriptor comes from the
 * socket table, us_close() closes it and us_poll() sees it readable when it has ready
 * members. Each (set, socket) pair is an item, linked three ways: on the set's member list,
 * on the socket's list of items (one per set watching it), and, while ready, on the set's
 * ready list. Every change of a socket's readiness already goes through sock_wakeup(); it
 * calls sock_ready_wakeup(), which asks the protocol (ops->poll) once per item of that
 * socket and queues the ready ones. A wait takes the ready list, asks each queued item
 * again (the program may have read the data meanwhile), reports it, and puts a
 * level-triggered one that is still ready back at the tail: O(ready), never O(watched).
 *
 * Linux's epoll does the same (ep_poll_callback queues, ep_send_events re-polls and
 * re-queues level-triggered items); one difference: a set cannot be a member of a set.
 *
 * The kernel side: an eventfd per set, created on first us_epoll_fd(), holds a count while
 * the ready list is non-empty and is emptied when the list empties. Writes and reads
 * happen only on those transitions, under the stack lock, so its state always follows the
 * list's.
 *
 * Locking: the us_epoll_* calls take net_lock(); the hooks run with it held. */
#include "net/perstack.h"
#include <ustack.h>

#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/queue.h>
#include <time.h>
#include <unistd.h>

#include "net/log.h"
#include "net/loop.h"
#include "net/pool.h"
#include "net/socket.h"
#include "net/socket_impl.h"

STATS_DEFINE(sockready, SOCK_READY_COUNTERS)

#define READY_EVENTS (US_EPOLLIN | US_EPOLLOUT | US_EPOLLERR | US_EPOLLHUP)
#define READY_ALWAYS (US_EPOLLERR | US_EPOLLHUP) /* reported whether asked for or not */

struct ready_set;

struct sock_ready_item {
	struct sock *sk;
	struct ready_set *set;
	uint32_t events;        /* READY_EVENTS wanted, plus US_EPOLLET / US_EPOLLONESHOT */
	us_epoll_data_t data;
	int queued;             /* on set->ready */
	int disarmed;           /* oneshot, reported: silent until MOD */
	TAILQ_ENTRY(sock_ready_item) rdlink;   /* set->ready */
	TAILQ_ENTRY(sock_ready_item) memblink; /* set->members */
	LIST_ENTRY(sock_ready_item) sklink;    /* sk->ready_items */
};

TAILQ_HEAD(ready_list, sock_ready_item);

/* Items come from a pool (net/pool.h): a server adding each accepted connection to its
 * set costs no malloc once the slabs hold the peak. Its limit is the sets' (max_sockets
 * members each, set_add). */
static void item_pool_init(void);
PERSTACK_STATIC_FN(struct net_pool, item_pool, item_pool_init)
#define item_pool PERSTACK_REF(struct net_pool, item_pool)

static void item_pool_init(void)
{
	net_pool_init(&item_pool, "sock_ready_item", sizeof(struct sock_ready_item), 0);
	item_pool.reclaim = 1;
}

struct ready_set {
	struct sock *sk;            /* the set's own descriptor */
	struct ready_list members;
	struct ready_list ready;
	int nmembers;
	int efd;                    /* kernel eventfd, -1 until us_epoll_fd */
	int efd_signalled;          /* efd holds a count: ready is non-empty */
};

static const struct sock_ops set_ops;

/* ---- the kernel descriptor follows the ready list ---- */

static void set_signal(struct ready_set *set)
{
	uint64_t one = 1;

	if (set->efd >= 0 && !set->efd_signalled) {
		if (write(set->efd, &one, sizeof(one)) == sizeof(one))
			set->efd_signalled = 1;
		else
			warnf("eventfd write failed fd=%d", set->efd);
	}
	sock_wakeup(set->sk); /* a thread in us_epoll_wait, or in us_poll over the set */
}

static void set_unsignal(struct ready_set *set)
{
	uint64_t n;

	if (set->efd >= 0 && set->efd_signalled) {
		if (read(set->efd, &n, sizeof(n)) != sizeof(n))
			warnf("eventfd read failed fd=%d", set->efd);
		set->efd_signalled = 0;
	}
}

/* ---- items ---- */

/* What of item's wanted events sk has now (0 for a disarmed oneshot). */
static uint32_t item_poll(struct sock_ready_item *it)
{
	struct sock *sk = it->sk;
	unsigned ev;

	if (it->disarmed)
		return 0;
	STAT_INC(sockready, polls);
	ev = sk->ops->poll ? sk->ops->poll(sk) : 0;
	if (sk->so_error)
		ev |= US_POLLERR;
	return ev & ((it->events & READY_EVENTS) | READY_ALWAYS);
}

static void item_enqueue(struct sock_ready_item *it)
{
	struct ready_set *set = it->set;
	int was_empty = TAILQ_EMPTY(&set->ready);

	TAILQ_INSERT_TAIL(&set->ready, it, rdlink);
	it->queued = 1;
	STAT_INC(sockready, queued);
	if (was_empty)
		set_signal(set);
}

static void item_dequeue(struct sock_ready_item *it)
{
	struct ready_set *set = it->set;

	if (!it->queued)
		return;
	TAILQ_REMOVE(&set->ready, it, rdlink);
	it->queued = 0;
	if (TAILQ_EMPTY(&set->ready))
		set_unsignal(set);
}

/* Takes it out of its set and its socket, and frees it. */
static void item_free(struct sock_ready_item *it)
{
	item_dequeue(it);
	TAILQ_REMOVE(&it->set->members, it, memblink);
	it->set->nmembers--;
	LIST_REMOVE(it, sklink);
	net_pool_free(&item_pool, it);
}

static struct sock_ready_item *item_find(struct ready_set *set, struct sock *sk)
{
	struct sock_ready_item *it;

	LIST_FOREACH(it, &sk->ready_items, sklink)
		if (it->set == set)
			return it;
	return NULL;
}

/* ---- hooks from the socket layer ---- */

void sock_ready_wakeup(struct sock *sk)
{
	struct sock_ready_item *it;

	NET_ASSERT_LOCKED();
	LIST_FOREACH(it, &sk->ready_items, sklink)
		if (!it->queued && item_poll(it))
			item_enqueue(it);
}

void sock_ready_forget(struct sock *sk)
{
	struct sock_ready_item *it;

	NET_ASSERT_LOCKED();
	while ((it = LIST_FIRST(&sk->ready_items))) {
		STAT_INC(sockready, closed_members);
		item_free(it);
	}
}

const struct net_pool *sock_ready_pool(void)
{
	return &item_pool;
}

void sock_ready_shutdown(void)
{
	NET_ASSERT_LOCKED();
	if (net_pool_destroy(&item_pool))
		debugf("%u readiness-set items still live", item_pool.live);
}

/* ---- the set as a socket ---- */

static void set_close(struct sock *sk, uint64_t now)
{
	struct ready_set *set = sk->pcb;
	struct sock_ready_item *it;

	NET_ASSERT_LOCKED();
	(void)now;
	while ((it = TAILQ_FIRST(&set->members)))
		item_free(it);
	if (set->efd >= 0)
		close(set->efd);
	free(set);
	sk->pcb = NULL;
}

static unsigned set_poll(struct sock *sk)
{
	struct ready_set *set = sk->pcb;

	NET_ASSERT_LOCKED();
	return TAILQ_EMPTY(&set->ready) ? 0 : US_POLLIN;
}

/* A set carries no data: the socket calls that would move some are refused. */
static ssize_t set_sendmsg(struct sock *sk, struct sock_iter *it, int flags,
			   const struct net_endpoint *dst, uint64_t now)
{
	NET_ASSERT_LOCKED();
	(void)sk, (void)it, (void)flags, (void)dst, (void)now;
	return -ENOTSOCK;
}

static ssize_t set_recvmsg(struct sock *sk, struct sock_iter *it, int flags,
			   struct net_endpoint *src, int *msg_flags)
{
	NET_ASSERT_LOCKED();
	(void)sk, (void)it, (void)flags, (void)src, (void)msg_flags;
	return -ENOTSOCK;
}

static const struct sock_ops set_ops = {
	.sendmsg = set_sendmsg,
	.recvmsg = set_recvmsg,
	.close = set_close,
	.poll = set_poll,
};

/* The set behind epfd. Lock held. */
static int set_get(int epfd, struct ready_set **out)
{
	NET_ASSERT_LOCKED();
	struct sock *sk = sock_fd_get(epfd);

	if (!sk)
		return -EBADF;
	if (sk->ops != &set_ops)
		return -EINVAL;
	*out = sk->pcb;
	return 0;
}

/* ---- calls ---- */

int us_epoll_create(void)
{
	struct ready_set *set = calloc(1, sizeof(*set));
	struct sock *sk;
	int fd;

	if (!set)
		return -ENOMEM;
	TAILQ_INIT(&set->members);
	TAILQ_INIT(&set->ready);
	set->efd = -1;
	sk = sock_alloc(0, 0, &set_ops);
	if (!sk) {
		free(set);
		return -ENOMEM;
	}
	sk->pcb = set;
	set->sk = sk;
	net_lock();
	fd = sock_fd_assign(sk);
	net_unlock();
	if (fd < 0) {
		free(set);
		sock_free(sk);
	}
	return fd;
}

static int set_add(struct ready_set *set, struct sock *sk, const struct us_epoll_event *ev)
{
	struct sock_ready_item *it;

	NET_ASSERT_LOCKED();
	if (item_find(set, sk))
		return -EEXIST;
	if (set->nmembers >= socket_config.max_sockets)
		return -ENOSPC;
	it = net_pool_alloc(&item_pool); /* zeroed */
	if (!it)
		return -ENOMEM;
	it->sk = sk;
	it->set = set;
	it->events = ev->events;
	it->data = ev->data;
	TAILQ_INSERT_TAIL(&set->members, it, memblink);
	set->nmembers++;
	LIST_INSERT_HEAD(&sk->ready_items, it, sklink);
	if (item_poll(it))
		item_enqueue(it);
	return 0;
}

static int set_mod(struct ready_set *set, struct sock *sk, const struct us_epoll_event *ev)
{
	NET_ASSERT_LOCKED();
	struct sock_ready_item *it = item_find(set, sk);

	if (!it)
		return -ENOENT;
	it->events = ev->events;
	it->data = ev->data;
	it->disarmed = 0;
	/* The ready list says exactly what is ready under the new interest. */
	if (item_poll(it)) {
		if (!it->queued)
			item_enqueue(it);
	} else {
		item_dequeue(it);
	}
	return 0;
}

int us_epoll_ctl(int epfd, int op, int fd, const struct us_epoll_event *ev)
{
	US_FD_SELECT(epfd);
	struct ready_set *set;
	struct sock *sk;
	int r;

	if (op != US_EPOLL_CTL_ADD && op != US_EPOLL_CTL_MOD && op != US_EPOLL_CTL_DEL)
		return -EINVAL;
	if (op != US_EPOLL_CTL_DEL && !ev)
		return -EFAULT;
	net_lock();
	r = set_get(epfd, &set);
	if (r)
		goto out;
	sk = sock_fd_get(fd);
	if (!sk) {
		r = -EBADF;
		goto out;
	}
	if (sk->ops == &set_ops) {
		r = -EINVAL; /* no sets inside sets (nor a set inside itself) */
		goto out;
	}
	switch (op) {
	case US_EPOLL_CTL_ADD:
		r = set_add(set, sk, ev);
		break;
	case US_EPOLL_CTL_MOD:
		r = set_mod(set, sk, ev);
		break;
	default: {
		struct sock_ready_item *it = item_find(set, sk);

		if (it)
			item_free(it);
		r = it ? 0 : -ENOENT;
	}
	}
out:
	net_unlock();
	return r;
}

/* Moves up to max ready members into out. Lock held. */
static int set_collect(struct ready_set *set, struct us_epoll_event *out, int max)
{
	struct ready_list todo = TAILQ_HEAD_INITIALIZER(todo);
	struct ready_list again = TAILQ_HEAD_INITIALIZER(again);
	struct sock_ready_item *it;
	int n = 0;

	NET_ASSERT_LOCKED();
	/* Work on a list of our own: a level-triggered item put back must not be met twice. */
	TAILQ_CONCAT(&todo, &set->ready, rdlink);
	while (n < max && (it = TAILQ_FIRST(&todo))) {
		uint32_t ev = item_poll(it);

		TAILQ_REMOVE(&todo, it, rdlink);
		if (!ev) {
			it->queued = 0; /* no longer ready: the next change queues it again */
			continue;
		}
		out[n].events = ev;
		out[n].data = it->data;
		n++;
		if (it->events & US_EPOLLONESHOT) {
			it->disarmed = 1;
			it->queued = 0;
		} else if (it->events & US_EPOLLET) {
			it->queued = 0;
		} else {
			TAILQ_INSERT_TAIL(&again, it, rdlink); /* still queued */
		}
	}
	/* Those not reached keep their turn; the level-triggered ones go behind them. */
	TAILQ_CONCAT(&set->ready, &todo, rdlink);
	TAILQ_CONCAT(&set->ready, &again, rdlink);
	if (TAILQ_EMPTY(&set->ready))
		set_unsignal(set);
	STAT_ADD(sockready, reported, (uint64_t)n);
	return n;
}

int us_epoll_wait(int epfd, struct us_epoll_event *out, int max, int timeout_ms)
{
	US_FD_SELECT(epfd);
	struct sock_block b = { 0 };
	struct ready_set *set;
	struct sock *sk;
	int n;

	if (max < 1 || !out)
		return -EINVAL;
	net_lock();
	sock_poll_drive(); /* before the set is looked up: it lets go of the lock */
	n = set_get(epfd, &set);
	if (n)
		goto out;
	sk = set->sk;
	for (;;) {
		int r;

		n = set_collect(set, out, max);
		if (n || timeout_ms == 0)
			break;
		r = sock_block_wait(sk, timeout_ms, &b);
		if (r == -EAGAIN)
			break;
		if (r) {
			n = r; /* the set was closed: sk and set are gone */
			break;
		}
	}
out:
	net_unlock();
	return n;
}

int us_epoll_fd(int epfd)
{
	US_FD_SELECT(epfd);
	struct ready_set *set;
	int r;

	net_lock();
	r = set_get(epfd, &set);
	if (r)
		goto out;
	if (set->efd < 0) {
		set->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (set->efd < 0) {
			r = -errno;
			errorf("eventfd: %d", r);
			goto out;
		}
		if (!TAILQ_EMPTY(&set->ready))
			set_signal(set);
	}
	r = set->efd;
out:
	net_unlock();
	return r;
}
