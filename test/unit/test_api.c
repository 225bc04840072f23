/* SPDX-License-Identifier: MIT */
/* The life-cycle API as a program sees it: every call under test comes from <ustack.h>
 * (testlib.h only for the leak check at the end of each test). A stack with loopback only:
 * create (and a second stack beside the first), bad settings, UDP and TCP over 127.0.0.1 with the
 * loop thread and with the caller driving the loop, addresses and routes added and
 * removed, wrappers (a filtered trace among them), destroy. */
#include <ustack.h>

#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RUN_ONCE_MAX 500 /* loop turns a run_once test may take before it fails */

static struct in_addr in(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static struct sockaddr_in sin_of(const char *ip, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	a.sin_addr = in(ip);
	return a;
}

#define SA(p) ((struct sockaddr *)(p))

static void test_create_once(void **state)
{
	struct ustack_config cfg;
	struct ustack *st = NULL, *st2 = NULL;

	(void)state;
	ustack_config_init(&cfg);
	assert_int_equal(cfg.tcp.rto_min_ms, 200);
	assert_int_equal(cfg.sock.rcvbuf, 4 * 1024 * 1024);
	assert_int_equal(cfg.ip.default_ttl, 64);
	assert_int_equal(cfg.ip6.reass_timeout_ms, 60000);
	assert_int_equal(cfg.ip6.reass_max_datagrams, 64);
	assert_int_equal(cfg.ip6.pmtu_expire_ms, 600000);
	assert_string_equal(cfg.tcp.cc_name, "cubic");
	assert_int_equal(ustack_create(&cfg, &st), 0);
	assert_non_null(st);
	/* a second stack beside it (test_two_stacks.c makes them talk) */
	assert_int_equal(ustack_create(&cfg, &st2), 0);
	assert_non_null(st2);
	assert_ptr_not_equal(st2, st);
	ustack_destroy(st2);
	ustack_destroy(st);
	/* gone: a new one may be made, with the defaults (cfg NULL) */
	assert_int_equal(ustack_create(NULL, &st), 0);
	assert_int_equal(ustack_start(st), 0);
	assert_int_equal(ustack_start(st), -EALREADY);
	assert_int_equal(ustack_run_once(st, 0), -EBUSY);
	ustack_destroy(st);
	ustack_destroy(NULL);
	test_assert_no_leaks();
}

static void test_bad_config(void **state)
{
	struct ustack_config cfg;
	struct ustack *st = NULL;

	(void)state;
	ustack_config_init(&cfg);
	cfg.tcp.delack_ms = 500;
	assert_int_equal(ustack_create(&cfg, &st), -EINVAL);
	assert_non_null(strstr(ustack_errmsg(NULL), "delack_ms"));
	ustack_config_init(&cfg);
	cfg.tcp.cc_name = "reno";
	assert_int_equal(ustack_create(&cfg, &st), -ENOENT);
	assert_non_null(strstr(ustack_errmsg(NULL), "newreno"));
	ustack_config_init(&cfg);
	cfg.udp.ephemeral_lo = 60000;
	cfg.udp.ephemeral_hi = 50000;
	assert_int_equal(ustack_create(&cfg, &st), -EINVAL);
	assert_null(st);
	/* a failed create leaves no stack behind */
	cfg.udp.ephemeral_hi = 65535;
	cfg.tcp.cc_name = "newreno";
	assert_int_equal(ustack_create(&cfg, &st), 0);
	ustack_destroy(st);
	test_assert_no_leaks();
}

/* UDP over 127.0.0.1 with the loop thread, blocking receive. */
static void test_udp_loopback(void **state)
{
	struct ustack *st;
	struct sockaddr_in a = sin_of("127.0.0.1", 7001), from;
	socklen_t fromlen = sizeof(from);
	char buf[64];
	int s, c;

	(void)state;
	assert_int_equal(ustack_create(NULL, &st), 0);
	assert_int_equal(ustack_start(st), 0);
	s = us_socket(AF_INET, SOCK_DGRAM, 0);
	c = us_socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(s >= 0 && c >= 0);
	assert_int_equal(us_bind(s, SA(&a), sizeof(a)), 0);
	assert_int_equal(us_sendto(c, "ping", 4, 0, SA(&a), sizeof(a)), 4);
	assert_int_equal(us_recvfrom(s, buf, sizeof(buf), 0, SA(&from), &fromlen), 4);
	assert_memory_equal(buf, "ping", 4);
	assert_int_equal(fromlen, sizeof(from));
	assert_int_equal(from.sin_addr.s_addr, htonl(0x7f000001));
	assert_int_equal(us_sendto(s, "pong", 4, 0, SA(&from), fromlen), 4);
	assert_int_equal(us_recv(c, buf, sizeof(buf), 0), 4);
	assert_memory_equal(buf, "pong", 4);
	assert_int_equal(us_close(s), 0);
	assert_int_equal(us_close(c), 0);
	assert_int_equal(ustack_drain(st, 1000), 0);
	ustack_destroy(st);
	test_assert_no_leaks();
}

/* Runs the loop until fd has one of events. */
static void run_until(struct ustack *st, int fd, short events)
{
	for (int i = 0; i < RUN_ONCE_MAX; i++) {
		struct us_pollfd p = { .fd = fd, .events = events };

		if (us_poll(&p, 1, 0) > 0 && (p.revents & events))
			return;
		assert_int_equal(ustack_run_once(st, 10), 0);
	}
	fail_msg("fd %d never got events %#x", fd, events);
}

/* TCP over 127.0.0.1 with the caller driving the loop (no thread), non-blocking sockets. */
static void test_tcp_run_once(void **state)
{
	struct ustack *st;
	struct sockaddr_in a = sin_of("127.0.0.1", 7002), peer;
	socklen_t peerlen = sizeof(peer);
	static char big[100000], got[sizeof(big)];
	size_t sent = 0, rcvd = 0;
	int l, c, s;

	(void)state;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	assert_int_equal(ustack_create(NULL, &st), 0);
	l = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	c = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	assert_true(l >= 0 && c >= 0);
	assert_int_equal(us_bind(l, SA(&a), sizeof(a)), 0);
	assert_int_equal(us_listen(l, 4), 0);
	assert_int_equal(us_connect(c, SA(&a), sizeof(a)), -EINPROGRESS);
	run_until(st, l, US_POLLIN);
	s = us_accept(l, SA(&peer), &peerlen);
	assert_true(s >= 0);
	assert_int_equal(peer.sin_addr.s_addr, htonl(0x7f000001));
	run_until(st, c, US_POLLOUT);
	/* more than a window's worth: both directions of flow control through the loop */
	for (int i = 0; i < RUN_ONCE_MAX * 4 && rcvd < sizeof(big); i++) {
		ssize_t n;

		if (sent < sizeof(big)) {
			n = us_send(c, big + sent, sizeof(big) - sent, 0);
			assert_true(n > 0 || n == -EAGAIN);
			if (n > 0)
				sent += (size_t)n;
		}
		n = us_recv(s, got + rcvd, sizeof(got) - rcvd, 0);
		assert_true(n > 0 || n == -EAGAIN);
		if (n > 0)
			rcvd += (size_t)n;
		assert_int_equal(ustack_run_once(st, 1), 0);
	}
	assert_int_equal(rcvd, sizeof(big));
	assert_memory_equal(got, big, sizeof(big));
	assert_int_equal(us_close(c), 0);
	run_until(st, s, US_POLLIN);
	assert_int_equal(us_recv(s, got, sizeof(got), 0), 0); /* the FIN */
	assert_int_equal(us_close(s), 0);
	assert_int_equal(us_close(l), 0);
	/* drain drives the loop itself here: both sides' FINs get their ACKs */
	assert_int_equal(ustack_drain(st, 5000), 0);
	ustack_destroy(st);
	test_assert_no_leaks();
}

/* TCP with the loop thread: blocking accept and receive. */
static void test_tcp_thread(void **state)
{
	struct ustack *st;
	struct sockaddr_in a = sin_of("127.0.0.1", 7003);
	char buf[16];
	int l, c, s;

	(void)state;
	assert_int_equal(ustack_create(NULL, &st), 0);
	assert_int_equal(ustack_start(st), 0);
	l = us_socket(AF_INET, SOCK_STREAM, 0);
	c = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	assert_int_equal(us_bind(l, SA(&a), sizeof(a)), 0);
	assert_int_equal(us_listen(l, 4), 0);
	assert_int_equal(us_connect(c, SA(&a), sizeof(a)), -EINPROGRESS);
	s = us_accept(l, NULL, NULL);
	assert_true(s >= 0);
	assert_int_equal(us_set_nonblock(c, 0), 0);
	assert_int_equal(us_send(c, "hello", 5, 0), 5);
	assert_int_equal(us_recv(s, buf, sizeof(buf), 0), 5);
	assert_memory_equal(buf, "hello", 5);
	us_close(c);
	us_close(s);
	us_close(l);
	assert_int_equal(ustack_drain(st, 5000), 0);
	{
		char *dump = NULL;
		size_t dumplen = 0;
		FILE *f = open_memstream(&dump, &dumplen);

		assert_non_null(f);
		assert_int_equal(ustack_stats_dump(st, f, 0), 0);
		fclose(f);
		/* counters start at zero with each stack: one accept here */
		assert_non_null(strstr(dump, "tcp.conn_accepts 1\n"));
		free(dump);
	}
	ustack_destroy(st);
	test_assert_no_leaks();
}

static void test_addr_route(void **state)
{
	struct ustack *st;
	struct in_addr any = { 0 };
	struct sockaddr_in a1 = sin_of("10.9.0.1", 7004), a2 = sin_of("10.8.0.1", 7005);
	char buf[8];
	int s, c;

	(void)state;
	assert_int_equal(ustack_create(NULL, &st), 0);
	assert_int_equal(ustack_start(st), 0);
	/* a device's number and name, both ways */
	assert_true(ustack_dev_index(st, "lo") > 0);
	assert_int_equal(ustack_dev_name(st, ustack_dev_index(st, "lo"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "lo");
	assert_int_equal(ustack_dev_name(st, ustack_dev_index(st, "lo"), buf, 2), -ENOSPC);
	assert_int_equal(ustack_dev_index(st, "nope"), -ENODEV);
	assert_int_equal(ustack_dev_name(st, 999, buf, sizeof(buf)), -ENODEV);
	assert_int_equal(ustack_dev_index(NULL, "lo"), -EINVAL);
	assert_int_equal(ustack_dev_index(st, NULL), -EINVAL);
	assert_int_equal(ustack_addr_add(st, "nope", in("10.9.0.1"), 24), -ENODEV);
	assert_int_equal(ustack_addr_add(st, "lo", in("10.9.0.1"), 33), -EINVAL);
	assert_int_equal(ustack_addr_add(st, "lo", in("10.9.0.1"), 24), 0);
	assert_int_equal(ustack_addr_add(st, "lo", in("10.9.0.1"), 24), -EEXIST);
	assert_int_equal(ustack_addr_add(st, "lo", in("10.8.0.1"), 24), 0);
	/* routes: through a gateway on a connected network, or nowhere */
	assert_int_equal(ustack_route_add(st, in("192.168.50.0"), 24, in("10.9.0.2"), NULL), 0);
	assert_int_equal(ustack_route_add(st, in("192.168.50.0"), 24, in("10.9.0.2"), NULL),
			 -EEXIST);
	assert_int_equal(ustack_route_add(st, in("192.168.60.0"), 24, in("10.7.0.2"), NULL),
			 -ENETUNREACH);
	assert_non_null(strstr(ustack_errmsg(st), "gateway"));
	assert_int_equal(ustack_route_add(st, in("192.168.70.0"), 24, any, "lo"), 0);
	assert_int_equal(ustack_route_add(st, in("172.16.0.0"), 16, in("10.8.0.2"), NULL), 0);
	assert_int_equal(ustack_route_del(st, in("192.168.50.0"), 24), 0);
	assert_int_equal(ustack_route_del(st, in("192.168.50.0"), 24), -ESRCH);
	assert_int_equal(ustack_route_del(st, in("192.168.70.0"), 24), 0);
	/* UDP to the added address */
	s = us_socket(AF_INET, SOCK_DGRAM, 0);
	c = us_socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(us_bind(s, SA(&a1), sizeof(a1)), 0);
	assert_int_equal(us_sendto(c, "x", 1, 0, SA(&a1), sizeof(a1)), 1);
	assert_int_equal(us_recv(s, buf, sizeof(buf), 0), 1);
	us_close(s);
	/* removing 10.9.0.1 takes its routes; 10.8.0.1 (after it on the device) keeps its own */
	assert_int_equal(ustack_addr_del(st, "lo", in("10.9.0.1")), 0);
	assert_int_equal(ustack_addr_del(st, "lo", in("10.9.0.1")), -EADDRNOTAVAIL);
	assert_int_equal(ustack_route_add(st, in("192.168.50.0"), 24, in("10.9.0.2"), NULL),
			 -ENETUNREACH);
	s = us_socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(us_bind(s, SA(&a1), sizeof(a1)), -EADDRNOTAVAIL);
	assert_int_equal(us_bind(s, SA(&a2), sizeof(a2)), 0);
	assert_int_equal(us_sendto(c, "y", 1, 0, SA(&a2), sizeof(a2)), 1);
	assert_int_equal(us_recv(s, buf, sizeof(buf), 0), 1);
	assert_int_equal(ustack_route_del(st, in("172.16.0.0"), 16), 0);
	assert_int_equal(ustack_route_add(st, in("172.16.0.0"), 16, in("10.8.0.2"), NULL), 0);
	us_close(s);
	us_close(c);
	ustack_destroy(st);
	test_assert_no_leaks();
}

static void test_devices_wrappers(void **state)
{
	struct ustack *st;
	struct ustack_wrap w = { .impair = "loss=abc" };
	char path[] = "/tmp/ust-api-XXXXXX";
	int fd;

	(void)state;
	assert_int_equal(ustack_create(NULL, &st), 0);
	assert_int_equal(ustack_add_device(st, "bogus"), -EINVAL);
	assert_non_null(strstr(ustack_errmsg(st), "tap:NAME"));
	assert_int_equal(ustack_add_device(st, "tun:x0"), -EINVAL);
	assert_non_null(strstr(ustack_errmsg(st), "addr="));
	assert_int_equal(ustack_wrap_device(st, "nope", &w), -ENODEV);
	assert_int_equal(ustack_wrap_device(st, "lo", &w), -EINVAL);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	w = (struct ustack_wrap){ .pcap = path, .impair = "delay=1,seed=3" };
	assert_int_equal(ustack_wrap_device(st, "lo", &w), 0);
	assert_int_equal(ustack_wrap_device(st, "lo", &w), -EEXIST);
	ustack_destroy(st);
	unlink(path);
	test_assert_no_leaks();
}

/* A filtered, relatively stamped trace through the API: only the datagrams to port 7003
 * are printed (out on lo, then in from it), the ones to 7004 pass unprinted; a bad filter,
 * or one the device's frames cannot carry (Ethernet on lo), is -EINVAL with a reason. */
static void test_wrap_trace_filter(void **state)
{
	struct ustack *st;
	struct sockaddr_in a = sin_of("127.0.0.1", 7003), b = sin_of("127.0.0.1", 7004);
	struct ustack_wrap w = { .trace = 1, .trace_filter = "tcp port" };
	char buf[64], *out = NULL, *line;
	size_t outlen = 0;
	int s, t, c, n = 0;

	(void)state;
	assert_int_equal(ustack_create(NULL, &st), 0);
	assert_int_equal(ustack_wrap_device(st, "lo", &w), -EINVAL);
	assert_non_null(strstr(ustack_errmsg(st), "--trace 'tcp port' on lo: "));
	w.trace_filter = "ether host 02:00:00:00:00:01";
	assert_int_equal(ustack_wrap_device(st, "lo", &w), -EINVAL);
	w.trace_filter = "udp port 7003";
	w.trace_time_rel = 1;
	w.trace_out = open_memstream(&out, &outlen);
	assert_int_equal(ustack_wrap_device(st, "lo", &w), 0);
	assert_int_equal(ustack_start(st), 0);
	s = us_socket(AF_INET, SOCK_DGRAM, 0);
	t = us_socket(AF_INET, SOCK_DGRAM, 0);
	c = us_socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(s >= 0 && t >= 0 && c >= 0);
	assert_int_equal(us_bind(s, SA(&a), sizeof(a)), 0);
	assert_int_equal(us_bind(t, SA(&b), sizeof(b)), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(us_sendto(c, "x", 1, 0, SA(&b), sizeof(b)), 1);
		assert_int_equal(us_recv(t, buf, sizeof(buf), 0), 1);
		assert_int_equal(us_sendto(c, "y", 1, 0, SA(&a), sizeof(a)), 1);
		assert_int_equal(us_recv(s, buf, sizeof(buf), 0), 1);
	}
	us_close(s);
	us_close(t);
	us_close(c);
	ustack_destroy(st);
	fclose(w.trace_out);
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n"), n++) {
		double secs;
		char dir;

		if (sscanf(line, "%lf lo %c ", &secs, &dir) != 2)
			fail_msg("not a stamped line: %s", line);
		assert_true(dir == (n % 2 ? '<' : '>'));
		assert_non_null(strstr(line, " > 127.0.0.1.7003: UDP len 1"));
		if (n == 0)
			assert_true(strncmp(line, "0.000000 ", 9) == 0);
	}
	assert_int_equal(n, 6);
	free(out);
	test_assert_no_leaks();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_once),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_udp_loopback),
		cmocka_unit_test(test_tcp_run_once),
		cmocka_unit_test(test_tcp_thread),
		cmocka_unit_test(test_addr_route),
		cmocka_unit_test(test_devices_wrappers),
		cmocka_unit_test(test_wrap_trace_filter),
	};

	test_unlock(); /* an application: it takes the lock itself where it plays the loop */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
