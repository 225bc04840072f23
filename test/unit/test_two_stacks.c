/* SPDX-License-Identifier: MIT */
/* Two stacks in one process (net/perstack.h): A (10.0.0.1) and B (10.0.0.2), each made by
 * ustack_create with a device on one in-memory Ethernet link (testlib's memlink), the
 * test's thread driving both with ustack_run_once in turn. ARP resolves across the link, a
 * TCP connection carries 1 MB each way byte-exact, UDP datagrams go both ways, and both
 * stacks are taken down leak-free.
 *
 * Shared state would fail it: both stacks bind the same UDP and TCP ports on INADDR_ANY
 * (one table would say EADDRINUSE), both name their device "mem0" (one device list would
 * find A's device from B), and the counters and ARP caches are checked apart. */
#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ustack.h>

#include "arp/arp.h"
#include "lib/stack.h"
#include "net/loop.h"
#include "net/perstack.h"
#include "net/stats.h"
#include "tcp/tcp_var.h"
#include "udp/udp.h"

#define XFER_BYTES (1024 * 1024)
#define TURNS_MAX 200000 /* loop turns a phase may take before the test fails */
#define TCP_PORT 7000
#define UDP_PORT 9000

#define SA(p) ((struct sockaddr *)(p))

static struct ustack *sa, *sb;
static struct test_memlink *link_ab;

static struct sockaddr_in sin_of(const char *ip, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	assert_int_equal(inet_pton(AF_INET, ip, &a.sin_addr), 1);
	return a;
}

/* One turn of each stack's loop, without waiting. */
static void turn(void)
{
	assert_int_equal(ustack_run_once(sa, 0), 0);
	assert_int_equal(ustack_run_once(sb, 0), 0);
}

/* The stack's device on the link, with its address. */
static void attach(struct ustack *st, int side, const char *addr)
{
	struct net_device *dev;

	ustack_use(st);
	net_lock();
	dev = test_memlink_dev(link_ab, side, "mem0");
	net_unlock();
	assert_int_equal(ustack_addr_add(st, "mem0", sin_of(addr, 0).sin_addr, 24), 0);
	net_lock();
	assert_ptr_equal(net_device_by_name("mem0"), dev); /* its own "mem0", not the other's */
	net_unlock();
}

static uint64_t counter(struct ustack *st, const char *name)
{
	const uint64_t *v;

	ustack_use(st);
	v = stats_find(name);
	assert_non_null(v);
	return *v;
}

static int setup(void **state)
{
	struct ustack_config cfg;

	(void)state;
	ustack_config_init(&cfg);
	link_ab = test_memlink_new();
	assert_int_equal(ustack_create(&cfg, &sa), 0);
	assert_int_equal(ustack_create(&cfg, &sb), 0);
	assert_ptr_not_equal(sa, sb);
	attach(sa, 0, "10.0.0.1");
	attach(sb, 1, "10.0.0.2");
	return 0;
}

/* Each stack's own leak check, then its teardown. stack_shutdown first, with the stack
 * current, so that the check sees that stack's buffers and timers. */
static void take_down(struct ustack *st)
{
	ustack_use(st);
	stack_shutdown();
	test_assert_no_leaks();
	ustack_destroy(st);
}

static int teardown(void **state)
{
	(void)state;
	take_down(sb);
	take_down(sa);
	test_memlink_free(link_ab);
	return 0;
}

static void fill(uint8_t *b, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		b[i] = (uint8_t)(seed >> 16);
	}
}

struct flow {
	int out, in;           /* the sending and the receiving descriptor */
	const uint8_t *src;
	uint8_t *dst;
	size_t sent, rcvd;
};

/* Moves what the sockets take and give without blocking; 1 when the flow is complete. */
static int flow_step(struct flow *f)
{
	ssize_t n;

	if (f->sent < XFER_BYTES) {
		n = us_send(f->out, f->src + f->sent, XFER_BYTES - f->sent, 0);
		if (n > 0)
			f->sent += (size_t)n;
		else
			assert_int_equal(n, -EAGAIN);
	}
	for (;;) {
		n = us_recv(f->in, f->dst + f->rcvd, XFER_BYTES - f->rcvd, 0);
		if (n <= 0) {
			assert_true(n == -EAGAIN || (n == 0 && f->rcvd == XFER_BYTES));
			break;
		}
		f->rcvd += (size_t)n;
		if (f->rcvd == XFER_BYTES)
			break;
	}
	return f->rcvd == XFER_BYTES;
}

static void test_tcp_both_ways(void **state)
{
	static uint8_t a2b[XFER_BYTES], b2a[XFER_BYTES], got_b[XFER_BYTES], got_a[XFER_BYTES];
	struct sockaddr_in any = sin_of("0.0.0.0", TCP_PORT), to_b = sin_of("10.0.0.2", TCP_PORT);
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);
	int la, lb, c, s = -1, i, done = 0;
	struct flow ab, ba;

	(void)state;
	fill(a2b, sizeof(a2b), 1);
	fill(b2a, sizeof(b2a), 2);
	/* A listener on the same port in each stack: one table would refuse the second. */
	ustack_use(sa);
	la = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	assert_true(la >= 0);
	assert_int_equal(us_bind(la, SA(&any), sizeof(any)), 0);
	assert_int_equal(us_listen(la, 4), 0);
	ustack_use(sb);
	lb = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	assert_true(lb >= 0);
	assert_int_equal(us_bind(lb, SA(&any), sizeof(any)), 0);
	assert_int_equal(us_listen(lb, 4), 0);
	/* The descriptors name their stacks: B's is no socket in A and the reverse. */
	assert_int_not_equal(la, lb);
	assert_int_equal(lb >> PERSTACK_FD_SHIFT != 0 || la >> PERSTACK_FD_SHIFT != 0, 1);

	ustack_use(sa);
	c = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	assert_true(c >= 0);
	assert_int_equal(us_connect(c, SA(&to_b), sizeof(to_b)), -EINPROGRESS);
	for (i = 0; i < TURNS_MAX && s < 0; i++) {
		turn();
		s = us_accept(lb, SA(&peer), &plen);
		if (s < 0)
			assert_int_equal(s, -EAGAIN);
	}
	assert_true(s >= 0);
	assert_int_equal(us_set_nonblock(s, 1), 0);
	assert_int_equal(peer.sin_addr.s_addr, sin_of("10.0.0.1", 0).sin_addr.s_addr);
	assert_int_equal(us_accept(la, NULL, NULL), -EAGAIN); /* A's listener heard nothing */
	/* ARP ran across the link: A asked, B answered, each in its own cache and counters. */
	assert_true(counter(sa, "arp.tx_request") >= 1);
	assert_true(counter(sb, "arp.rx_request") >= 1);

	ab = (struct flow){ .out = c, .in = s, .src = a2b, .dst = got_b };
	ba = (struct flow){ .out = s, .in = c, .src = b2a, .dst = got_a };
	for (i = 0; i < TURNS_MAX && done != 3; i++) {
		done = flow_step(&ab) | flow_step(&ba) << 1;
		turn();
	}
	assert_int_equal(done, 3);
	assert_memory_equal(got_b, a2b, XFER_BYTES);
	assert_memory_equal(got_a, b2a, XFER_BYTES);
	assert_true(counter(sa, "tcp.snd_total") > 0);
	assert_int_equal(counter(sa, "tcp.conn_accepts"), 0);
	assert_int_equal(counter(sb, "tcp.conn_accepts"), 1);

	assert_int_equal(us_close(c), 0);
	assert_int_equal(us_close(s), 0);
	assert_int_equal(us_close(la), 0);
	assert_int_equal(us_close(lb), 0);
	/* The FINs and their ACKs (delayed ones too: 1 ms waits let the real clock move). */
	for (i = 0; i < 5000 && (ustack_drain(sa, 0) || ustack_drain(sb, 0)); i++) {
		assert_int_equal(ustack_run_once(sa, 1), 0);
		assert_int_equal(ustack_run_once(sb, 1), 0);
	}
	assert_int_equal(ustack_drain(sa, 0), 0);
	assert_int_equal(ustack_drain(sb, 0), 0);
}

/* The TCP event log is per stack: each stack's log holds its own connection's lines (its
 * own address in the local column) and only those, and closing one leaves the other on. */
static void test_tcp_log_per_stack(void **state)
{
	char dir[] = "/tmp/ustack-test-twostacks-XXXXXX", pa[300], pb[300], line[300];
	struct sockaddr_in any = sin_of("0.0.0.0", TCP_PORT + 1);
	struct sockaddr_in to_b = sin_of("10.0.0.2", TCP_PORT + 1);
	int lb, c, s = -1, i, na = 0, nb = 0;
	ssize_t n = -EAGAIN;
	char buf[16];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(pa, sizeof(pa), "%s/a.csv", dir);
	snprintf(pb, sizeof(pb), "%s/b.csv", dir);
	assert_int_equal(ustack_tcp_log(sa, pa, 0), 0);
	assert_int_equal(ustack_tcp_log(sb, pb, 0), 0);
	ustack_use(sb);
	lb = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	assert_true(lb >= 0);
	assert_int_equal(us_bind(lb, SA(&any), sizeof(any)), 0);
	assert_int_equal(us_listen(lb, 4), 0);
	ustack_use(sa);
	c = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	assert_true(c >= 0);
	assert_int_equal(us_connect(c, SA(&to_b), sizeof(to_b)), -EINPROGRESS);
	for (i = 0; i < TURNS_MAX && s < 0; i++) {
		turn();
		s = us_accept(lb, NULL, NULL);
	}
	assert_true(s >= 0);
	assert_int_equal(us_send(c, "hello", 5, 0), 5);
	for (i = 0; i < TURNS_MAX && n == -EAGAIN; i++) {
		turn();
		n = us_recv(s, buf, sizeof(buf), 0);
	}
	assert_int_equal(n, 5);
	/* B's log closes; A's stays on and still logs */
	assert_int_equal(ustack_tcp_log(sb, NULL, 0), 0);
	assert_int_equal(us_close(c), 0);
	assert_int_equal(us_close(s), 0);
	assert_int_equal(us_close(lb), 0);
	for (i = 0; i < 5000 && (ustack_drain(sa, 0) || ustack_drain(sb, 0)); i++) {
		assert_int_equal(ustack_run_once(sa, 1), 0);
		assert_int_equal(ustack_run_once(sb, 1), 0);
	}
	assert_int_equal(ustack_tcp_log(sa, NULL, 0), 0);

	f = fopen(pa, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f)); /* the header */
	while (fgets(line, sizeof(line), f)) {
		const char *local = strchr(line, ',') + 1;

		if (strncmp(local, "10.0.0.1:", 9))
			fail_msg("A's log has a line not of A: %s", line);
		na += strstr(line, ",FIN_WAIT_1") != NULL; /* A closed after B's log closed */
	}
	fclose(f);
	f = fopen(pb, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	while (fgets(line, sizeof(line), f)) {
		const char *local = strchr(line, ',') + 1; /* B's listener, or its connection */

		if (strncmp(local, "10.0.0.2:7001,", 14) && strncmp(local, "0.0.0.0:7001,", 13))
			fail_msg("B's log has a line not of B: %s", line);
		if (strstr(line, "CLOSE_WAIT") || strstr(line, "LAST_ACK"))
			fail_msg("B's log went on after it closed: %s", line);
		nb++;
	}
	fclose(f);
	assert_true(na >= 1);
	assert_true(nb >= 3); /* LISTEN, SYN_RECEIVED, ESTABLISHED at least */
	assert_int_equal(unlink(pa), 0);
	assert_int_equal(unlink(pb), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void test_udp_both_ways(void **state)
{
	struct sockaddr_in any = sin_of("0.0.0.0", UDP_PORT);
	struct sockaddr_in to_a = sin_of("10.0.0.1", UDP_PORT), to_b = sin_of("10.0.0.2", UDP_PORT);
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	char buf[64];
	ssize_t n = -EAGAIN;
	int ua, ub, i;

	(void)state;
	ustack_use(sa);
	ua = us_socket(AF_INET, SOCK_DGRAM | US_SOCK_NONBLOCK, 0);
	assert_int_equal(us_bind(ua, SA(&any), sizeof(any)), 0);
	ustack_use(sb);
	ub = us_socket(AF_INET, SOCK_DGRAM | US_SOCK_NONBLOCK, 0);
	assert_int_equal(us_bind(ub, SA(&any), sizeof(any)), 0); /* same port, other stack */

	assert_int_equal(us_sendto(ua, "from A", 6, 0, SA(&to_b), sizeof(to_b)), 6);
	for (i = 0; i < TURNS_MAX && n == -EAGAIN; i++) {
		turn();
		n = us_recvfrom(ub, buf, sizeof(buf), 0, SA(&from), &flen);
	}
	assert_int_equal(n, 6);
	assert_memory_equal(buf, "from A", 6);
	assert_int_equal(from.sin_addr.s_addr, to_a.sin_addr.s_addr);
	assert_int_equal(us_recv(ua, buf, sizeof(buf), 0), -EAGAIN); /* not looped to A */

	assert_int_equal(us_sendto(ub, "from B", 6, 0, SA(&from), flen), 6);
	for (n = -EAGAIN, i = 0; i < TURNS_MAX && n == -EAGAIN; i++) {
		turn();
		n = us_recv(ua, buf, sizeof(buf), 0);
	}
	assert_int_equal(n, 6);
	assert_memory_equal(buf, "from B", 6);
	assert_int_equal(counter(sa, "udp.in_datagrams"), 1);
	assert_int_equal(counter(sb, "udp.in_datagrams"), 1);
	assert_int_equal(us_close(ua), 0);
	assert_int_equal(us_close(ub), 0);
	assert_int_equal(test_memlink_dropped(link_ab), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tcp_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_log_per_stack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_both_ways, setup, teardown),
	};

	test_unlock(); /* an application: each ustack_* and us_* call takes its stack's lock */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
