/* SPDX-License-Identifier: MIT */
#include "test/unit/testlib.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ether/ether.h"
#include "ip/icmp.h"
#include "ip/ip.h"
#include "ip6/icmp6.h"
#include "ip6/ip6.h"
#include "nd/nd.h"
#include "net/cksum.h"
#include "net/loop.h"
#include "tcp/tcp_var.h"

struct test_dev_priv {
	struct pkb_queue txq;
	size_t pending;
};

static int test_dev_transmit(struct net_device *dev, struct pkb *p)
{
	struct test_dev_priv *priv = dev->priv;

	TAILQ_INSERT_TAIL(&priv->txq, p, link);
	priv->pending++;
	return 0;
}

static int test_dev_recv(struct net_device *dev, struct pkb **out, int max)
{
	(void)dev;
	(void)out;
	(void)max;
	return 0;
}

static void test_dev_destroy(struct net_device *dev)
{
	struct test_dev_priv *priv = dev->priv;

	pkb_queue_purge(&priv->txq);
	free(priv);
}

static const struct net_device_ops test_dev_ops = {
	.transmit = test_dev_transmit,
	.recv_batch = test_dev_recv,
	.destroy = test_dev_destroy,
};

struct net_device *test_dev_create(const char *name, enum net_dev_type type, unsigned mtu)
{
	struct net_device *dev = net_device_alloc();
	struct test_dev_priv *priv = calloc(1, sizeof(*priv));
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

	assert_non_null(dev);
	assert_non_null(priv);
	TAILQ_INIT(&priv->txq);
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->type = type;
	dev->mtu = mtu;
	dev->ops = &test_dev_ops;
	dev->priv = priv;
	if (type == NET_DEV_ETHER) {
		memcpy(dev->hwaddr, mac, 6);
		memset(dev->broadcast, 0xff, 6);
		dev->hdr_len = 14;
		dev->flags |= NET_DEV_F_BROADCAST;
	}
	if (type == NET_DEV_LOOPBACK)
		dev->flags |= NET_DEV_F_LOOPBACK; /* as driver/loopback.c's */
	assert_int_equal(net_device_register(dev), 0);
	return dev;
}

struct pkb *test_dev_pop(struct net_device *dev)
{
	struct test_dev_priv *priv = dev->priv;
	struct pkb *p = TAILQ_FIRST(&priv->txq);

	if (p) {
		TAILQ_REMOVE(&priv->txq, p, link);
		priv->pending--;
	}
	return p;
}

size_t test_dev_pending(struct net_device *dev)
{
	return ((struct test_dev_priv *)dev->priv)->pending;
}

void test_dev_flush(struct net_device *dev)
{
	struct test_dev_priv *priv = dev->priv;

	pkb_queue_purge(&priv->txq);
	priv->pending = 0;
}

static uint32_t rd32(const uint8_t *b, int swap)
{
	uint32_t v;
	memcpy(&v, b, 4);
	return swap ? __builtin_bswap32(v) : v;
}

long test_pcap_frame(const char *file, int index, uint8_t *buf, size_t cap)
{
	uint8_t gh[24], rh[16];
	FILE *f = fopen(file, "rb");
	long ret = -1;
	int swap;

	if (!f)
		return -1;
	if (fread(gh, 1, 24, f) != 24)
		goto out;
	if (rd32(gh, 0) == 0xa1b2c3d4 || rd32(gh, 0) == 0xa1b23c4d)
		swap = 0;
	else if (rd32(gh, 1) == 0xa1b2c3d4 || rd32(gh, 1) == 0xa1b23c4d)
		swap = 1;
	else
		goto out;
	for (int i = 0;; i++) {
		uint32_t incl;
		if (fread(rh, 1, 16, f) != 16)
			goto out;
		incl = rd32(rh + 8, swap);
		if (i == index) {
			if (incl > cap || fread(buf, 1, incl, f) != incl)
				goto out;
			ret = incl;
			goto out;
		}
		if (fseek(f, incl, SEEK_CUR) != 0)
			goto out;
	}
out:
	fclose(f);
	return ret;
}

size_t test_pcap_ip(const char *file, int index, uint8_t *buf, size_t cap)
{
	uint8_t frame[2048];
	long n = test_pcap_frame(file, index, frame, sizeof(frame));

	assert_true(n > ETHER_HDR_LEN);
	assert_true((size_t)n - ETHER_HDR_LEN <= cap);
	memcpy(buf, frame + ETHER_HDR_LEN, (size_t)n - ETHER_HDR_LEN);
	return (size_t)n - ETHER_HDR_LEN;
}

uint32_t test_addr(const char *s)
{
	uint32_t a;

	assert_int_equal(ip_addr_pton(s, &a), 0);
	return a;
}

void test_ip_fix_cksum(uint8_t *b)
{
	uint16_t c;

	b[10] = b[11] = 0;
	c = cksum(b, (size_t)(b[0] & 0x0f) * 4);
	b[10] = (uint8_t)(c >> 8);
	b[11] = (uint8_t)c;
}

struct net_device *test_ip_setup(int icmp)
{
	struct net_device *dev;

	stats_reset();
	dev = test_dev_create("tun0", NET_DEV_IP, 1500);
	assert_int_equal(ip_init(), 0);
	if (icmp)
		assert_int_equal(icmp_init(), 0);
	assert_int_equal(ip_iface_add(dev, test_addr("192.0.2.2"), test_addr("255.255.255.0"), 0),
			 0);
	return dev;
}

void test_ip_teardown(void)
{
	ip_config.accept_local = 0;
	ip_config.martian_class_e = 0;
	ip_shutdown();
	net_device_unregister_all();
	net_protocol_reset();
	test_assert_no_leaks();
}

struct net_addr test_addr6(const char *s)
{
	struct net_addr a;

	assert_int_equal(ip6_addr_pton(s, &a), 0);
	return a;
}

static struct ip6_config_s ip6_defaults;
static struct nd_config_s nd_defaults;
static int ip6_nd;
static struct net_device *ip6_dev;

struct net_device *test_ip6_setup(int ether, const char *addr, uint64_t t0)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 0x0b };
	struct net_device *dev;

	stats_reset();
	net_protocol_reset();
	net_clock_set_fake(1, t0);
	if (!ip6_defaults.default_hlim)
		ip6_defaults = ip6_config; /* the values the program starts with */
	ip6_config = ip6_defaults;
	ip6_config.secret[0] = 1; /* fixed: the link-local address is the same every run */
	if (!nd_defaults.retrans_ms)
		nd_defaults = nd_config;
	nd_config = nd_defaults;
	ip6_nd = ether;
	if (ether)
		assert_int_equal(ether_init(), 0);
	assert_int_equal(ip6_init(), 0);
	assert_int_equal(icmp6_init(), 0);
	if (ether) {
		assert_int_equal(nd_init(), 0);
		dev = test_dev_create("eth0", NET_DEV_ETHER, 1500);
		memcpy(dev->hwaddr, mac, 6);
	} else {
		dev = test_dev_create("tun0", NET_DEV_IP, 1500);
	}
	ip6_dev = dev;
	if (addr) {
		struct net_addr a = test_addr6(addr);

		assert_int_equal(ip6_addr_add(dev, &a, 64, IP6_IFA_STATIC), 0);
	}
	return dev;
}

void test_ip6_teardown(void)
{
	if (ip6_nd) {
		nd_shutdown();
		assert_int_equal(nd_cache_count(), 0);
	}
	ip6_shutdown();
	assert_int_equal(ip6_reass_count(), 0);
	assert_int_equal(ip6_reass_mem(), 0);
	assert_int_equal(ip6_pmtu_count(), 0);
	test_dev_flush(ip6_dev);
	net_device_unregister_all();
	net_protocol_reset();
	net_clock_set_fake(0, 0);
	ip6_config = ip6_defaults;
	nd_config = nd_defaults;
	test_assert_no_leaks();
}

static __thread int test_held;

void test_lock(void)
{
	if (!test_held) {
		net_lock();
		test_held = 1;
	}
}

void test_unlock(void)
{
	if (test_held) {
		test_held = 0;
		net_unlock();
	}
}

int test_locked(void)
{
	return test_held;
}

/* Before main: the test's thread is the one the stack runs in (see testlib.h). */
__attribute__((constructor)) static void test_lock_at_start(void)
{
	test_lock();
}

void test_assert_no_leaks(void)
{
	/* the ring cache and its sweep outlive the last connection on purpose (tcp_mem.c):
	 * dropped here, so that a timer still armed is a leak. Only by a test that holds
	 * the lock (one that plays the stack's thread); a test that plays an application
	 * checks after ustack_destroy, whose shutdown dropped them already. */
	if (test_locked())
		tcp_mem_cache_drop();
	assert_int_equal(pkb_outstanding(), 0);
	assert_int_equal(net_timers_armed(), 0);
}

void test_hexdump(const char *what, const uint8_t *b, size_t len)
{
	fprintf(stderr, "%s (%zu bytes):", what, len);
	for (size_t i = 0; i < len; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n  ", b[i]);
	fputc('\n', stderr);
}

/* ---- an in-memory Ethernet link between two stacks ---- */

#define MEMLINK_SLOTS 1024 /* frames in flight each way; more are dropped, as a full NIC ring */
#define MEMLINK_FRAME 1600 /* an Ethernet frame of MTU 1500 and its header, with room */

/* Frames on their way to one side. transmit runs in the sender's stack and recv_batch in
 * the receiver's, possibly on two threads: the ring has its own lock. The bytes are copied
 * in and out: a buffer belongs to one stack's pool. */
struct memlink_dir {
	pthread_mutex_t lock;
	size_t head, len;
	uint16_t flen[MEMLINK_SLOTS];
	uint8_t frame[MEMLINK_SLOTS][MEMLINK_FRAME];
	int efd; /* the receiving device's fd: readable while frames wait */
};

struct test_memlink {
	struct memlink_dir dir[2]; /* dir[s]: frames for side s */
	size_t dropped;
};

struct memlink_priv {
	struct test_memlink *link;
	int side;
};

static int memlink_transmit(struct net_device *dev, struct pkb *p)
{
	struct memlink_priv *mp = dev->priv;
	struct memlink_dir *d = &mp->link->dir[!mp->side];
	uint64_t one = 1;
	int rc = 0;

	pthread_mutex_lock(&d->lock);
	if (d->len == MEMLINK_SLOTS || p->len > MEMLINK_FRAME || pkb_csum_complete(p) < 0) {
		mp->link->dropped++;
		rc = -ENOBUFS;
	} else {
		size_t i = (d->head + d->len++) % MEMLINK_SLOTS;

		memcpy(d->frame[i], p->data, p->len);
		d->flen[i] = (uint16_t)p->len;
	}
	pthread_mutex_unlock(&d->lock);
	pkb_free(p);
	if (rc == 0 && write(d->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		fail_msg("memlink eventfd write: %s", strerror(errno));
	return rc;
}

static int memlink_recv(struct net_device *dev, struct pkb **out, int max)
{
	struct memlink_priv *mp = dev->priv;
	struct memlink_dir *d = &mp->link->dir[mp->side];
	uint64_t count;
	int n = 0;

	pthread_mutex_lock(&d->lock);
	while (n < max && d->len) {
		struct pkb *p = pkb_from_bytes(d->frame[d->head], d->flen[d->head]);

		if (!p)
			break; /* left in the ring for the next turn */
		d->head = (d->head + 1) % MEMLINK_SLOTS;
		d->len--;
		out[n++] = p;
	}
	if (!d->len && read(d->efd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		fail_msg("memlink eventfd read: %s", strerror(errno));
	pthread_mutex_unlock(&d->lock);
	return n;
}

static void memlink_destroy(struct net_device *dev)
{
	free(dev->priv);
}

static const struct net_device_ops memlink_ops = {
	.transmit = memlink_transmit,
	.recv_batch = memlink_recv,
	.destroy = memlink_destroy,
};

struct test_memlink *test_memlink_new(void)
{
	struct test_memlink *l = calloc(1, sizeof(*l));

	assert_non_null(l);
	for (int s = 0; s < 2; s++) {
		pthread_mutex_init(&l->dir[s].lock, NULL);
		l->dir[s].efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		assert_true(l->dir[s].efd >= 0);
	}
	return l;
}

struct net_device *test_memlink_dev(struct test_memlink *l, int side, const char *name)
{
	struct net_device *dev = net_device_alloc();
	struct memlink_priv *mp = calloc(1, sizeof(*mp));
	const uint8_t mac[6] = { 0x02, 0, 0, 0, 0x4d, (uint8_t)(side + 1) };

	assert_non_null(dev);
	assert_non_null(mp);
	mp->link = l;
	mp->side = side;
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->type = NET_DEV_ETHER;
	dev->mtu = 1500;
	dev->ops = &memlink_ops;
	dev->priv = mp;
	dev->fd = l->dir[side].efd;
	memcpy(dev->hwaddr, mac, 6);
	memset(dev->broadcast, 0xff, 6);
	dev->hdr_len = 14;
	dev->flags |= NET_DEV_F_BROADCAST;
	assert_int_equal(net_device_register(dev), 0);
	return dev;
}

size_t test_memlink_dropped(const struct test_memlink *l)
{
	return l->dropped;
}

void test_memlink_free(struct test_memlink *l)
{
	for (int s = 0; s < 2; s++) {
		close(l->dir[s].efd);
		pthread_mutex_destroy(&l->dir[s].lock);
	}
	free(l);
}
