#include "test/unit/testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/loop.h"

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

void test_assert_no_leaks(void)
{
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
