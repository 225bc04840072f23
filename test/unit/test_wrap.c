/* SPDX-License-Identifier: MIT */
/* Device wrappers: the fault injector's decisions (determinism, rates, dup, reorder, delay,
 * corruption) on a capture device with a fake clock, the tracer's lines for the frames of a
 * real Linux capture, and the pcap writer read back with libpcap.
 *
 * The stack sends and receives through the device it knows (the one the wrappers were
 * attached to, now the wrapping device); what reaches the driver is read from the capture
 * device's queue, which moved into the lower device (drv). */
#include "test/unit/testlib.h"
#include "test/unit/wrap_fixture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/trace.h"
#include "net/cksum.h"
#include "net/loop.h"
#include "net/wrap.h"

#define SESSION "test/data/linux-session.pcap"
#define TUNRAW "test/data/linux-tun-raw.pcap"

static int setup(void **state)
{
	return wrap_fixture_setup(state);
}

static int teardown(void **state)
{
	return wrap_fixture_teardown(state);
}

/* The driver's device below a wrapped one: the capture device's queue is there. */
static struct net_device *drv(struct net_device *dev)
{
	struct net_device *lower = net_wrap_lower(dev);

	assert_non_null(lower);
	return lower;
}

static struct net_device *impaired_dev(const char *spec)
{
	struct net_device *dev = test_dev_create("cap0", NET_DEV_ETHER, 1500);
	struct net_wrap_opts o = { 0 };
	char err[200];

	if (net_impair_parse(spec, &o.impair, err, sizeof(err)) < 0)
		fail_msg("%s: %s", spec, err);
	assert_int_equal(net_wrap_attach(dev, &o, err, sizeof(err)), 0);
	return dev;
}

/* ---- parsing ---- */

static void test_impair_parse(void **state)
{
	struct net_impair imp;
	char err[200];
	static const struct { const char *spec, *msg; } bad[] = {
		{ "", "--impair needs options: loss=P,dup=P,reorder=P,delay=MS,corrupt=P,seed=N" },
		{ "loss=101", "--impair: bad loss=101: expected a percentage from 0 to 100" },
		{ "dup=-1", "--impair: bad dup=-1: expected a percentage from 0 to 100" },
		{ "corrupt=x", "--impair: bad corrupt=x: expected a percentage from 0 to 100" },
		{ "reorder=", "--impair: bad reorder=: expected a percentage from 0 to 100" },
		{ "delay=1.5", "--impair: bad delay=1.5: expected milliseconds from 0 to 60000" },
		{ "delay=60001", "--impair: bad delay=60001: expected milliseconds from 0 to 60000" },
		{ "seed=-3", "--impair: bad seed=-3: expected a whole number" },
		{ "jitter=5", "--impair: unknown option 'jitter' (use loss=P,dup=P,reorder=P,"
			      "delay=MS,corrupt=P,seed=N)" },
		{ "loss", "--impair: unknown option 'loss' (use loss=P,dup=P,reorder=P,delay=MS,"
			  "corrupt=P,seed=N)" },
		{ "loss=1,loss=2", "--impair: loss= given twice" },
		{ "loss=1,,dup=2", "--impair loss=1,,dup=2: empty (a stray comma?) option" },
	};

	(void)state;
	assert_int_equal(net_impair_parse("loss=2.5,dup=1,reorder=3,delay=40,corrupt=0.5,seed=42",
					  &imp, err, sizeof(err)), 0);
	assert_true(imp.loss == 2.5 && imp.dup == 1 && imp.reorder == 3 && imp.corrupt == 0.5);
	assert_int_equal(imp.delay_ms, 40);
	assert_int_equal(imp.seed, 42);
	assert_true(imp.enabled);
	assert_int_equal(imp.reorder_hold_ms, NET_WRAP_REORDER_HOLD_MS);

	assert_int_equal(net_impair_parse("seed=7", &imp, err, sizeof(err)), 0);
	assert_false(imp.enabled); /* a seed alone impairs nothing */
	assert_int_equal(net_impair_parse("loss=0,hold=5", &imp, err, sizeof(err)), 0);
	assert_false(imp.enabled);
	assert_int_equal(imp.reorder_hold_ms, 5);
	assert_int_equal(imp.seed, NET_IMPAIR_DEFAULT_SEED);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(net_impair_parse(bad[i].spec, &imp, err, sizeof(err)), -EINVAL);
		if (strcmp(err, bad[i].msg))
			fail_msg("%s\n  got:  %s\n  want: %s", bad[i].spec, err, bad[i].msg);
	}
	test_assert_no_leaks();
}

/* ---- impairment ---- */

/* Sends n frames through a fresh device with spec; out[i] is the sequence of the i-th frame
 * that came out (tx), and the return the count. */
static size_t run_tx(const char *spec, unsigned n, unsigned *out, size_t cap)
{
	struct net_device *dev = impaired_dev(spec);
	struct pkb *p;
	size_t k = 0;

	for (unsigned i = 0; i < n; i++)
		net_device_xmit(dev, frame(i), T0);
	net_timers_run(T0 + 60000);
	while ((p = test_dev_pop(drv(dev)))) {
		if (k < cap)
			out[k] = seq_of(p);
		k++;
		pkb_free(p);
	}
	net_device_unregister_all();
	return k;
}

static void test_determinism(void **state)
{
	static unsigned a[400], b[400], c[400];
	const char *spec1 = "loss=20,dup=10,reorder=10,seed=1234";
	size_t na, nb, nc;

	(void)state;
	na = run_tx(spec1, 300, a, 400);
	nb = run_tx(spec1, 300, b, 400);
	nc = run_tx("loss=20,dup=10,reorder=10,seed=99", 300, c, 400);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na * sizeof(a[0]));
	assert_true(na != nc || memcmp(a, c, na * sizeof(a[0])));
	test_assert_no_leaks();
}

static void test_loss_all(void **state)
{
	struct net_device *dev = impaired_dev("loss=100");

	(void)state;
	for (unsigned i = 0; i < 100; i++) {
		net_device_xmit(dev, frame(i), T0);
		net_device_input(dev, frame(i), T0);
	}
	assert_int_equal(test_dev_pending(drv(dev)), 0);
	assert_int_equal(rx_count, 0);
	assert_int_equal(impair_stats.dropped, 200);
	assert_int_equal(impair_stats.passed, 0);
	assert_int_equal(dev->tx_packets, 0);
	test_assert_no_leaks();
}

static void test_loss_rate(void **state)
{
	struct net_device *dev = impaired_dev("loss=20,seed=5");

	(void)state;
	for (unsigned i = 0; i < 10000; i++)
		net_device_xmit(dev, frame(i), T0);
	/* 20 % of 10,000 with a binomial spread of 40: a few percent either side. */
	assert_in_range(impair_stats.dropped, 1800, 2200);
	assert_int_equal(impair_stats.dropped + test_dev_pending(drv(dev)), 10000);
	assert_int_equal(impair_stats.passed, test_dev_pending(drv(dev)));
	test_dev_flush(drv(dev));
	test_assert_no_leaks();
}

static void test_dup(void **state)
{
	struct net_device *dev = impaired_dev("dup=100");
	struct pkb *p;

	(void)state;
	net_device_xmit(dev, frame(1), T0);
	net_device_input(dev, frame(2), T0);
	assert_int_equal(test_dev_pending(drv(dev)), 2);
	for (int i = 0; i < 2; i++) {
		p = test_dev_pop(drv(dev));
		assert_int_equal(seq_of(p), 1);
		pkb_free(p);
	}
	assert_int_equal(rx_count, 2);
	for (int i = 0; i < 2; i++) {
		p = rx_pop();
		assert_int_equal(seq_of(p), 2);
		pkb_free(p);
	}
	assert_int_equal(impair_stats.duplicated, 2);
	assert_int_equal(dev->tx_packets, 2);
	test_assert_no_leaks();
}

static void test_reorder(void **state)
{
	struct net_device *dev = impaired_dev("reorder=100");
	unsigned want[] = { 2, 1 };
	struct pkb *p;

	(void)state;
	net_device_xmit(dev, frame(1), T0);
	assert_int_equal(test_dev_pending(drv(dev)), 0); /* held back */
	net_device_xmit(dev, frame(2), T0);         /* overtakes it, then it follows */
	for (int i = 0; i < 2; i++) {
		p = test_dev_pop(drv(dev));
		assert_int_equal(seq_of(p), want[i]);
		pkb_free(p);
	}
	/* A lone held frame goes on by itself after the hold time. */
	net_device_xmit(dev, frame(3), T0);
	net_timers_run(T0 + NET_WRAP_REORDER_HOLD_MS - 1);
	assert_int_equal(test_dev_pending(drv(dev)), 0);
	net_timers_run(T0 + NET_WRAP_REORDER_HOLD_MS);
	p = test_dev_pop(drv(dev));
	assert_non_null(p);
	assert_int_equal(seq_of(p), 3);
	pkb_free(p);
	assert_int_equal(impair_stats.reordered, 2);

	/* Receive direction, same rules. */
	net_device_input(dev, frame(4), T0);
	net_device_input(dev, frame(5), T0);
	p = rx_pop();
	assert_int_equal(seq_of(p), 5);
	pkb_free(p);
	p = rx_pop();
	assert_int_equal(seq_of(p), 4);
	pkb_free(p);
	test_assert_no_leaks();
}

static void test_delay(void **state)
{
	struct net_device *dev = impaired_dev("delay=100");
	struct pkb *p;

	(void)state;
	net_device_xmit(dev, frame(1), T0);
	net_device_xmit(dev, frame(2), T0 + 10);
	net_device_input(dev, frame(3), T0 + 20);
	net_timers_run(T0 + 99);
	assert_int_equal(test_dev_pending(drv(dev)), 0);
	assert_int_equal(rx_count, 0);
	net_timers_run(T0 + 100);
	assert_int_equal(test_dev_pending(drv(dev)), 1);
	net_timers_run(T0 + 115);
	assert_int_equal(test_dev_pending(drv(dev)), 2);
	assert_int_equal(rx_count, 0);
	net_timers_run(T0 + 120);
	assert_int_equal(rx_count, 1);
	for (unsigned i = 1; i <= 2; i++) {
		p = test_dev_pop(drv(dev));
		assert_int_equal(seq_of(p), i);
		pkb_free(p);
	}
	p = rx_pop();
	assert_int_equal(seq_of(p), 3);
	assert_ptr_equal(p->dev, dev);
	pkb_free(p);
	assert_int_equal(impair_stats.delayed, 3);
	assert_int_equal(dev->tx_packets, 2); /* counted once, when they left */

	/* A frame another layer still holds is copied, not taken from it. */
	p = frame(9);
	pkb_ref(p);
	net_device_xmit(dev, p, T0 + 200);
	assert_int_equal(p->refcnt, 1);
	pkb_free(p);
	/* Held at shutdown: freed and counted. */
	net_device_input(dev, frame(10), T0 + 200);
	net_device_unregister_all();
	assert_int_equal(impair_stats.discarded_at_close, 2);
	test_assert_no_leaks();
}

static int popcount8(uint8_t v)
{
	return __builtin_popcount(v);
}

static void test_corrupt(void **state)
{
	struct net_device *dev = impaired_dev("corrupt=100,seed=3");

	(void)state;
	for (unsigned i = 0; i < 200; i++) {
		struct pkb *ref = frame(i), *p;
		int bits = 0;

		net_device_xmit(dev, frame(i), T0);
		p = test_dev_pop(drv(dev));
		assert_non_null(p);
		assert_int_equal(p->len, ref->len);
		assert_memory_equal(p->data, ref->data, 14); /* never the link header */
		for (size_t k = 0; k < p->len; k++)
			bits += popcount8(p->data[k] ^ ref->data[k]);
		assert_int_equal(bits, 1);
		pkb_free(p);
		pkb_free(ref);
	}
	assert_int_equal(impair_stats.corrupted, 200);
	test_assert_no_leaks();
}

/* ---- super-frames: judged segment by segment ---- */

#define SUPER_MSS 1000
#define SUPER_SEGS 10
#define SUPER_SEQ 0x10000000u

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* An Ethernet frame carrying a TCP/IPv4 super-segment of SUPER_SEGS * SUPER_MSS payload
 * bytes (gso_size SUPER_MSS), as TCP hands a TSO device or the kernel a TAP with offload:
 * checksums complete, payload byte i is i * 3. */
static struct pkb *super_frame(void)
{
	size_t payload = SUPER_SEGS * SUPER_MSS, total = 20 + 20 + payload;
	struct pkb *p = pkb_alloc(14 + total);
	uint8_t *b = pkb_put(p, 14 + total), *ip = b + 14, *t = ip + 20;
	uint32_t src = test_addr("10.0.0.2"), dst = test_addr("10.0.0.1");

	memset(b, 0, 14 + 40);
	memcpy(b, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00", 14);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(total >> 8);
	ip[3] = (uint8_t)total;
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	put16(ip + 10, cksum(ip, 20));
	t[1] = 80;
	t[3] = 99;
	t[4] = (uint8_t)(SUPER_SEQ >> 24);
	t[5] = (uint8_t)(SUPER_SEQ >> 16);
	t[12] = 5 << 4;
	t[13] = 0x18; /* ACK PSH */
	t[14] = 0xff;
	for (size_t i = 0; i < payload; i++)
		t[20 + i] = (uint8_t)(i * 3);
	put16(t + 16, cksum_finish(cksum_add(cksum_pseudo(src, dst, 6, (uint16_t)(20 + payload)), t,
					     20 + payload)));
	p->gso_size = SUPER_MSS;
	return p;
}

/* A wire segment cut from super_frame(): the link header copied, one MSS of the payload
 * at its sequence number, valid checksums. Returns its index in the super-frame. */
static unsigned check_segment(struct pkb *p)
{
	uint8_t *ip = p->data + 14, *t = ip + 20;
	uint32_t src, dst, seq;
	unsigned k;

	assert_int_equal(p->len, 14 + 40 + SUPER_MSS);
	assert_int_equal(p->gso_size, 0);
	assert_memory_equal(p->data, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00", 14);
	assert_int_equal(cksum(ip, 20), 0);
	seq = (uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 | (uint32_t)t[6] << 8 | t[7];
	assert_int_equal((seq - SUPER_SEQ) % SUPER_MSS, 0);
	k = (seq - SUPER_SEQ) / SUPER_MSS;
	assert_true(k < SUPER_SEGS);
	for (size_t i = 0; i < SUPER_MSS; i++)
		assert_int_equal(t[20 + i], (uint8_t)((k * SUPER_MSS + i) * 3));
	assert_int_equal(t[13], k == SUPER_SEGS - 1 ? 0x18 : 0x10); /* PSH on the last only */
	/* partial (input: the kernel vouched for the data) or complete, valid either way */
	assert_int_equal(pkb_csum_complete(p), 0);
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	assert_int_equal(cksum_finish(cksum_add(cksum_pseudo(src, dst, 6, 20 + SUPER_MSS), t,
						20 + SUPER_MSS)), 0);
	return k;
}

/* The injector stands for the wire: a super-frame is cut into its segments before loss,
 * duplication, reordering or corruption is decided, each on its own, so loss=P loses P%
 * of the segments - not whole super-frames, runs of up to 44 segments. Delay alone keeps
 * it whole. A frame TCP still holds for retransmission is read, never changed. */
static void test_superframe_cut(void **state)
{
	struct net_device *dev = impaired_dev("dup=100");
	struct pkb *p, *sf;
	unsigned n, dropped;

	(void)state;
	/* dup=100 on output: every segment twice, in order (s0 s0 s1 s1 ...) */
	sf = super_frame();
	pkb_ref(sf); /* TCP's retransmission queue keeps it */
	net_device_xmit(dev, sf, T0);
	assert_int_equal(sf->refcnt, 1);
	assert_int_equal(sf->gso_size, SUPER_MSS);
	assert_int_equal(sf->len, 14 + 40 + SUPER_SEGS * SUPER_MSS); /* as it was */
	assert_int_equal(sf->data[12], 0x08);
	pkb_free(sf);
	assert_int_equal(test_dev_pending(drv(dev)), 2 * SUPER_SEGS);
	for (unsigned i = 0; i < 2 * SUPER_SEGS; i++) {
		p = test_dev_pop(drv(dev));
		assert_int_equal(check_segment(p), i / 2);
		pkb_free(p);
	}
	assert_int_equal(impair_stats.cut_supersegs, 1);
	assert_int_equal(impair_stats.cut_segments, SUPER_SEGS);
	assert_int_equal(impair_stats.duplicated, SUPER_SEGS);
	assert_int_equal(dev->tx_packets, 2 * SUPER_SEGS); /* counted as the segments left */
	net_device_unregister_all();
	stats_reset();

	/* loss=50 on input: about half the segments of 20 super-frames arrive, the others
	 * are dropped one by one, and what arrives is in order */
	dev = impaired_dev("loss=50,seed=11");
	for (unsigned f = 0; f < 20; f++) {
		int last = -1;

		net_device_input(dev, super_frame(), T0);
		n = 0;
		while ((p = rx_pop())) {
			int k = (int)check_segment(p);

			assert_true(k > last);
			last = k;
			n++;
			pkb_free(p);
		}
		assert_true(n <= SUPER_SEGS);
	}
	dropped = (unsigned)impair_stats.dropped;
	assert_int_equal(dropped + impair_stats.passed, 20 * SUPER_SEGS);
	assert_in_range(dropped, 60, 140);
	assert_int_equal(impair_stats.cut_supersegs, 20);
	net_device_unregister_all();
	stats_reset();

	/* delay alone: the super-frame goes on whole, at its time */
	dev = impaired_dev("delay=5");
	net_device_xmit(dev, super_frame(), T0);
	net_timers_run(T0 + 5);
	p = test_dev_pop(drv(dev));
	assert_non_null(p);
	assert_int_equal(p->gso_size, SUPER_MSS);
	assert_int_equal(p->len, 14 + 40 + SUPER_SEGS * SUPER_MSS);
	pkb_free(p);
	assert_int_equal(impair_stats.cut_supersegs, 0);
	assert_int_equal(impair_stats.delayed, 1);

	/* a frame that is no TCP/IPv4 super-segment is judged whole, and counted */
	net_device_unregister_all();
	dev = impaired_dev("loss=100");
	p = frame(1);
	p->gso_size = 100;
	net_device_xmit(dev, p, T0);
	assert_int_equal(impair_stats.cut_failed, 1);
	assert_int_equal(impair_stats.dropped, 1);
	test_assert_no_leaks();
}

/* ---- delayed frames released in turns with reads ---- */

/* The local kernel behind a TAP, as far as the release cares: it answers every frame in
 * the write itself, into the TAP's queue to us, which holds PEER_QUEUE frames (txqueuelen)
 * and drops the answers that find it full; the device's reads empty it. */
#define PEER_QUEUE 40

static struct {
	struct pkb_queue got;   /* what reached the peer, in order */
	size_t ngot;
	struct pkb *q[PEER_QUEUE];
	size_t head, len, dropped;
} peer;

static int peer_transmit(struct net_device *dev, struct pkb *p)
{
	(void)dev;
	if (peer.len == PEER_QUEUE)
		peer.dropped++;
	else
		peer.q[(peer.head + peer.len++) % PEER_QUEUE] = frame(0x8000 | seq_of(p));
	TAILQ_INSERT_TAIL(&peer.got, p, link);
	peer.ngot++;
	return 0;
}

static int peer_recv(struct net_device *dev, struct pkb **out, int max)
{
	int n = 0;

	(void)dev;
	while (n < max && peer.len) {
		out[n++] = peer.q[peer.head];
		peer.head = (peer.head + 1) % PEER_QUEUE;
		peer.len--;
	}
	return n;
}

static void peer_destroy(struct net_device *dev)
{
	(void)dev;
	pkb_queue_purge(&peer.got);
	while (peer.len) {
		pkb_free(peer.q[peer.head]);
		peer.head = (peer.head + 1) % PEER_QUEUE;
		peer.len--;
	}
}

static const struct net_device_ops peer_ops = {
	.transmit = peer_transmit,
	.recv_batch = peer_recv,
	.destroy = peer_destroy,
};

/* A window of 500 frames comes due in one millisecond: they leave in order, at their
 * time, and between every NET_DEV_BATCH of them the device is read, so the peer's answers
 * never overflow its queue (written in one go: 460 of 500 lost). The answers take their
 * own delay, in order. */
static void test_delay_release_reads(void **state)
{
	struct net_device *dev = net_device_alloc();
	struct net_wrap_opts o = { 0 };
	char err[200];
	struct pkb *p;

	(void)state;
	memset(&peer, 0, sizeof(peer));
	TAILQ_INIT(&peer.got);
	snprintf(dev->name, sizeof(dev->name), "peer0");
	dev->type = NET_DEV_ETHER;
	dev->mtu = 1500;
	dev->hdr_len = 14;
	dev->ops = &peer_ops;
	assert_int_equal(net_device_register(dev), 0);
	assert_int_equal(net_impair_parse("delay=10", &o.impair, err, sizeof(err)), 0);
	assert_int_equal(net_wrap_attach(dev, &o, err, sizeof(err)), 0);

	for (unsigned i = 0; i < 500; i++)
		net_device_xmit(dev, frame(i), T0);
	net_timers_run(T0 + 9);
	assert_int_equal(peer.ngot, 0);
	net_timers_run(T0 + 10);
	assert_int_equal(peer.ngot, 500);
	assert_int_equal(peer.dropped, 0);
	assert_int_equal(impair_stats.delay_rx_polls, 500 / NET_DEV_BATCH);
	for (unsigned i = 0; i < 500; i++) {
		p = TAILQ_FIRST(&peer.got);
		TAILQ_REMOVE(&peer.got, p, link);
		assert_int_equal(seq_of(p), i);
		pkb_free(p);
	}
	net_device_poll(dev, T0 + 10); /* the loop's read of the last answers */
	assert_int_equal(rx_count, 0);
	net_timers_run(T0 + 19);
	assert_int_equal(rx_count, 0);
	net_timers_run(T0 + 20);
	assert_int_equal(rx_count, 500);
	for (unsigned i = 0; i < 500; i++) {
		p = rx_pop();
		assert_int_equal(seq_of(p), 0x8000 | i);
		pkb_free(p);
	}
	assert_int_equal(impair_stats.delayed, 1000);
	net_device_unregister_all();
	test_assert_no_leaks();
}

/* With no impairment the frame goes through untouched: the very same buffer. */
static void test_passthrough(void **state)
{
	struct net_device *dev = test_dev_create("cap0", NET_DEV_ETHER, 1500);
	struct net_wrap_opts o = { .trace = 1, .trace_fmt = trace_format };
	char err[100];
	struct pkb *p = frame(1), *q;
	FILE *devnull = fopen("/dev/null", "w");

	(void)state;
	o.trace_out = devnull;
	assert_int_equal(net_impair_parse("seed=5", &o.impair, err, sizeof(err)), 0);
	assert_int_equal(net_wrap_attach(dev, &o, err, sizeof(err)), 0);
	net_device_xmit(dev, p, T0);
	q = test_dev_pop(drv(dev));
	assert_ptr_equal(p, q);
	pkb_free(q);
	assert_int_equal(impair_stats.passed, 0);
	net_device_unregister_all();
	fclose(devnull);
	test_assert_no_leaks();
}

/* Attaching makes the named device the wrapper and moves its driver below it: the stack
 * still finds the same device by name and index, with its addresses, and never sees the
 * lower one; a second attach is refused. */
static void test_wrapping_device(void **state)
{
	struct net_device *dev = test_dev_create("cap0", NET_DEV_ETHER, 1500);
	const struct net_device_ops *driver_ops = dev->ops;
	void *driver_priv = dev->priv;
	struct net_wrap_opts o = { 0 };
	struct net_device *lower;
	char err[100];
	int n = 0;

	(void)state;
	assert_int_equal(test_iface_add4(dev, 0x0100000a, 0x00ffffff, 0), 0);
	assert_null(net_wrap_lower(dev));
	assert_int_equal(net_impair_parse("dup=100", &o.impair, err, sizeof(err)), 0);
	assert_int_equal(net_wrap_attach(dev, &o, err, sizeof(err)), 0);
	lower = net_wrap_lower(dev);
	assert_non_null(lower);
	assert_ptr_equal(lower->ops, driver_ops);
	assert_ptr_equal(lower->priv, driver_priv);
	assert_string_equal(lower->name, "cap0");
	assert_ptr_not_equal(dev->ops, driver_ops);
	assert_ptr_equal(net_device_by_name("cap0"), dev);
	assert_ptr_equal(net_device_by_index(dev->index), dev);
	assert_ptr_equal(net_iface_by_addr(NA4(0x0100000a)), &dev->ifaces[0]);
	for (struct net_device *d = TAILQ_FIRST(&net_devices); d; d = TAILQ_NEXT(d, link))
		n += d == lower;
	assert_int_equal(n, 0);
	assert_int_equal(net_wrap_attach(dev, &o, err, sizeof(err)), -EEXIST);
	assert_string_equal(err, "cap0 already has wrappers attached");
	/* The driver's transmit gets the frames; the named device counts them. */
	net_device_xmit(dev, frame(1), T0);
	assert_int_equal(test_dev_pending(lower), 2);
	assert_int_equal(dev->tx_packets, 2);
	assert_int_equal(lower->tx_packets, 0);
	net_device_input(dev, frame(2), T0);
	assert_int_equal(rx_count, 2);
	assert_int_equal(dev->rx_packets, 1); /* read once, duplicated above the driver */
	net_device_unregister_all();
	pkb_queue_purge(&rxq);
	rx_count = 0;
	test_assert_no_leaks();
}

/* The spare receive buffer a driver keeps between reads (dev->rx_spare, tap.c) follows its
 * reads: to the lower device when wrappers attach, back when the last one goes, and is
 * freed with the device while wrapped. */
static void test_wrapping_keeps_rx_spare(void **state)
{
	struct net_device *dev = test_dev_create("cap0", NET_DEV_ETHER, 1500);
	struct net_wrap_opts o = { 0 }, off = { 0 };
	struct pkb *spare = pkb_alloc(4000);
	char err[100];

	(void)state;
	dev->rx_spare = spare;
	assert_int_equal(net_impair_parse("dup=100", &o.impair, err, sizeof(err)), 0);
	assert_int_equal(net_wrap_attach(dev, &o, err, sizeof(err)), 0);
	assert_null(dev->rx_spare);
	assert_ptr_equal(net_wrap_lower(dev)->rx_spare, spare);
	/* the injector off: the wrapper has nothing left to do and goes */
	assert_int_equal(net_wrap_update(dev, &off, NET_WRAP_SET_IMPAIR, err, sizeof(err)), 0);
	assert_null(net_wrap_lower(dev));
	assert_ptr_equal(dev->rx_spare, spare);
	/* wrapped again, the device goes: the lower one's spare with it */
	assert_int_equal(net_wrap_attach(dev, &o, err, sizeof(err)), 0);
	net_device_unregister_all();
	test_assert_no_leaks();
}

/* ---- trace ---- */

static void test_trace_lines(void **state)
{
	static const struct { const char *file; int index; const char *want; } cases[] = {
		{ SESSION, 0, "ARP who-has 192.0.2.2 tell 192.0.2.1" },
		{ SESSION, 1, "ARP reply 192.0.2.2 is-at 5e:6a:ee:06:c2:50" },
		{ SESSION, 2, "IP 192.0.2.1 > 192.0.2.2: ICMP echo request id 12291 seq 1 len 56" },
		{ SESSION, 3, "IP 192.0.2.2 > 192.0.2.1: ICMP echo reply id 12291 seq 1 len 56" },
		{ SESSION, 6, "IP 192.0.2.1 > 192.0.2.2: ICMP echo request id 12293 seq 1 len 1472 "
			      "(frag id 343 off 0 len 1480 MF)" },
		{ SESSION, 7, "IP 192.0.2.1 > 192.0.2.2: frag id 343 off 1480 len 1480 MF proto ICMP" },
		{ SESSION, 8, "IP 192.0.2.1 > 192.0.2.2: frag id 343 off 2960 len 48 proto ICMP" },
		{ SESSION, 12, "IP 192.0.2.1.60909 > 192.0.2.2.9000: UDP len 10" },
		{ SESSION, 14, "IP 192.0.2.2 > 192.0.2.1: ICMP port unreachable for UDP "
			       "192.0.2.2.9001" },
		{ SESSION, 15, "IP 192.0.2.1.50230 > 192.0.2.2.8080: TCP [S] seq 3430278639 win "
			       "65535 len 0 options [mss 1460,sackOK,TS val 3560604857 ecr 0,nop,"
			       "wscale 8]" },
		{ SESSION, 28, "IP 192.0.2.2.8081 > 192.0.2.1.46984: TCP [R.] seq 0 ack 798100217 "
			       "win 0 len 0" },
		{ TUNRAW, 0, "IP 198.51.100.1 > 198.51.100.2: ICMP echo request id 12758 seq 1 "
			     "len 56" },
		/* a TUN's RS: no link-layer option to show */
		{ TUNRAW, 4, "IP6 fe80::9004:d122:7c33:c561 > ff02::2: ICMPv6 router solicitation" },
	};
	struct net_device *eth = test_dev_create("cap0", NET_DEV_ETHER, 1500);
	struct net_device *tun = test_dev_create("tun0", NET_DEV_IP, 1500);
	uint8_t buf[2048];
	char line[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long n = test_pcap_frame(cases[i].file, cases[i].index, buf, sizeof(buf));
		assert_true(n > 0);
		trace_format(!strcmp(cases[i].file, TUNRAW) ? tun : eth, buf, (size_t)n, line,
			     sizeof(line));
		if (strcmp(line, cases[i].want))
			fail_msg("%s #%d\n  got:  %s\n  want: %s", cases[i].file, cases[i].index,
				 line, cases[i].want);
	}
	/* Every frame of the capture decodes to something, and a short buffer truncates. */
	for (int i = 0; i < 29; i++) {
		long n = test_pcap_frame(SESSION, i, buf, sizeof(buf));
		assert_true(n > 0);
		trace_format(eth, buf, (size_t)n, line, 10);
		assert_int_equal(strlen(line), 9);
	}
	/* A corrupted IP checksum is shown, not hidden. */
	assert_true(test_pcap_frame(SESSION, 12, buf, sizeof(buf)) > 0);
	buf[14 + 10] ^= 0xff;
	trace_format(eth, buf, 52, line, sizeof(line));
	assert_non_null(strstr(line, "[bad IP cksum]"));
	trace_format(eth, buf, 10, line, sizeof(line));
	assert_string_equal(line, "ether truncated len 10");
	test_assert_no_leaks();
}

/* The wrapper prints "TIME DEV < line" for input and "TIME DEV > line" for output; relative
 * stamps count from the first frame traced, on the clock of the moment the frame passes. */
static void test_trace_wrapper(void **state)
{
	struct net_device *dev = test_dev_create("cap0", NET_DEV_ETHER, 1500);
	struct net_wrap_opts o = { .trace = 1, .trace_fmt = trace_format,
				   .trace_time = NET_TRACE_TIME_REL };
	char err[100], *out = NULL;
	size_t outlen = 0;
	uint8_t buf[2048];
	long n;

	(void)state;
	o.trace_out = open_memstream(&out, &outlen);
	assert_int_equal(net_wrap_attach(dev, &o, err, sizeof(err)), 0);
	n = test_pcap_frame(SESSION, 0, buf, sizeof(buf));
	net_device_input(dev, pkb_from_bytes(buf, (size_t)n), T0);
	n = test_pcap_frame(SESSION, 1, buf, sizeof(buf));
	net_clock_set_fake(1, T0 + 1250);
	net_device_xmit(dev, pkb_from_bytes(buf, (size_t)n), T0);
	net_device_unregister_all();
	/* An input frame the injector drops is still shown, marked. */
	dev = test_dev_create("cap1", NET_DEV_ETHER, 1500);
	assert_int_equal(net_impair_parse("loss=100", &o.impair, err, sizeof(err)), 0);
	assert_int_equal(net_wrap_attach(dev, &o, err, sizeof(err)), 0);
	n = test_pcap_frame(SESSION, 0, buf, sizeof(buf));
	net_device_input(dev, pkb_from_bytes(buf, (size_t)n), T0);
	net_device_unregister_all();
	fclose(o.trace_out);
	/* Tracing stopped with the last tracer: cap1's first frame starts a new count. */
	assert_string_equal(out, "0.000000 cap0 < ARP who-has 192.0.2.2 tell 192.0.2.1\n"
				 "1.250000 cap0 > ARP reply 192.0.2.2 is-at 5e:6a:ee:06:c2:50\n"
				 "0.000000 cap1 < ARP who-has 192.0.2.2 tell 192.0.2.1 "
				 "[dropped by --impair]\n");
	free(out);
	pkb_queue_purge(&rxq);
	rx_count = 0;
	test_assert_no_leaks();
}

/* ---- pcap ---- */

static void check_pcap(const char *path, int linktype, uint8_t frames[][2048],
		       const long *lens, int n)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, errbuf);
	struct pcap_pkthdr *h;
	const u_char *data;
	int i = 0;

	if (!pc)
		fail_msg("%s: %s", path, errbuf);
	assert_int_equal(pcap_datalink(pc), linktype);
	while (pcap_next_ex(pc, &h, &data) == 1) {
		assert_true(i < n);
		assert_int_equal(h->caplen, lens[i]);
		assert_int_equal(h->len, lens[i]);
		assert_memory_equal(data, frames[i], (size_t)lens[i]);
		i++;
	}
	assert_int_equal(i, n);
	pcap_close(pc);
}

static void test_pcap_writer(void **state)
{
	static uint8_t frames[29][2048];
	static long lens[29];
	char path[] = "/tmp/ustack-test-wrap-XXXXXX";
	char dir_path[300], eth_path[320], tun_path[320];
	struct net_device *eth, *tun;
	struct net_wrap_opts o = { 0 };
	char err[400];
	struct pkb *p;

	(void)state;
	assert_non_null(mkdtemp(path));
	snprintf(dir_path, sizeof(dir_path), "%s", path);
	snprintf(eth_path, sizeof(eth_path), "%s/out.pcap", dir_path);
	snprintf(tun_path, sizeof(tun_path), "%s/out-tun0.pcap", dir_path);
	eth = test_dev_create("cap0", NET_DEV_ETHER, 1500);
	tun = test_dev_create("tun0", NET_DEV_IP, 1500);
	o.pcap_path = eth_path;
	assert_int_equal(net_wrap_attach(eth, &o, err, sizeof(err)), 0);
	assert_int_equal(net_wrap_attach(tun, &o, err, sizeof(err)), 0); /* second: "-tun0" */

	/* Both directions, in order: even frames in, odd frames out. */
	for (int i = 0; i < 29; i++) {
		lens[i] = test_pcap_frame(SESSION, i, frames[i], sizeof(frames[i]));
		assert_true(lens[i] > 0);
		p = pkb_from_bytes(frames[i], (size_t)lens[i]);
		if (i % 2)
			net_device_xmit(eth, p, T0 + (uint64_t)i);
		else
			net_device_input(eth, p, T0 + (uint64_t)i);
	}
	assert_true(net_timers_armed() > 0); /* the flush timer */
	lens[0] = test_pcap_frame(TUNRAW, 0, frames[0], sizeof(frames[0]));
	net_device_input(tun, pkb_from_bytes(frames[0], (size_t)lens[0]), T0);
	net_device_unregister_all(); /* closes (and flushes) the files */
	pkb_queue_purge(&rxq);
	rx_count = 0;
	check_pcap(tun_path, DLT_RAW, frames, lens, 1);
	for (int i = 0; i < 29; i++)
		lens[i] = test_pcap_frame(SESSION, i, frames[i], sizeof(frames[i]));
	check_pcap(eth_path, DLT_EN10MB, frames, lens, 29);
	unlink(eth_path);
	unlink(tun_path);
	rmdir(dir_path);

	/* A file that cannot be created is refused with a reason. */
	eth = test_dev_create("cap0", NET_DEV_ETHER, 1500);
	o.pcap_path = "/nonexistent-dir/x.pcap";
	assert_int_equal(net_wrap_attach(eth, &o, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, "--pcap /nonexistent-dir/x.pcap: "));
	assert_null(net_wrap_lower(eth));
	test_assert_no_leaks();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_impair_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_determinism, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loss_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loss_rate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reorder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_superframe_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delay_release_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_passthrough, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrapping_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrapping_keeps_rx_spare, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trace_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trace_wrapper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcap_writer, setup, teardown),
	};
	int ret = cmocka_run_group_tests(tests, NULL, NULL);

	pkb_pool_drain();
	return ret;
}
