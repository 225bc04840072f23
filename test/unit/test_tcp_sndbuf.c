/* SPDX-License-Identifier: MIT */
/* Send-buffer auto-tuning (tcp_mem.c, tcp_snd_space_expand, as Linux's tcp_sndbuf_expand)
 * through the socket calls on the fake clock: a bulk sender whose cwnd grows in slow start
 * gets a send space of a few cwnds once the buffer, not cwnd, limits it, never past
 * wmem_max, and SO_SNDBUF reads it; SO_SNDBUF set by the application (on the socket, or on
 * the listener of an accepted one) or memory pressure keeps it where it is; after the
 * transfer the idle sweep gives the storage back. Each test ends with every connection
 * freed and no leak (teardown). */
#include <sys/socket.h>

#include "test/unit/tcp_script.h"
#include "test/unit/test_app.h" /* last: it wraps the calls that take the lock */

#define MSS 1460u

static uint8_t chunk[65536];

static int sock_setup(void **state)
{
	script_sockets = 1;
	setup(state);
	tcp_config.cc_name = "newreno"; /* plain slow start: cwnd doubles per round */
	tcp_config.window_scaling = 1;
	tcp_config.wmem_max = 1024 * 1024;
	socket_config.sndbuf = 64 * 1024;
	return 0;
}

static int sock_teardown(void **state)
{
	socket_config.sndbuf = 256 * 1024;
	return teardown(state);
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

static int so_sndbuf(int fd)
{
	int v = -1;
	socklen_t len = sizeof(v);

	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &len), 0);
	return v;
}

/* A non-blocking connection to the peer (MSS 1460, window scale 7: an 8 MB window), with
 * SO_SNDBUF set to sndbuf first unless 0; *pcb gets its control block. */
static int connect_bulk(int sndbuf, struct tcp_pcb **pcb)
{
	struct tcp_opts o = { .has_mss = 1, .mss = MSS, .has_wscale = 1, .wscale = 7 };
	struct sockaddr_in pa = sin_of(peer, PEER), la;
	socklen_t lalen = sizeof(la);
	int fd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	if (sndbuf)
		assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)), 0);
	assert_int_equal(us_connect(fd, (const struct sockaddr *)&pa, sizeof(pa)), -EINPROGRESS);
	expect(TCP_SYN, ISN, 0);
	assert_int_equal(us_getsockname(fd, (struct sockaddr *)&la, &lalen), 0);
	inject(PEER, ntohs(la.sin_port), TCP_SYN | TCP_ACK, PEER_ISN, ISN + 1, 65535, &o, NULL, 0);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1);
	expect_none();
	*pcb = tcp_pcb_lookup_conn(NA4(us), ntohs(la.sin_port), NA4(peer), PEER);
	assert_non_null(*pcb);
	return fd;
}

/* The application writes until the buffer is full (EAGAIN). */
static void fill(int fd)
{
	ssize_t n;

	while ((n = us_send(fd, chunk, sizeof(chunk), 0)) > 0)
		;
	assert_int_equal(n, -EAGAIN);
}

/* Linux's target (tcp_mem.c): cwnds x max(10, cwnd segments) x three MSS of data. */
static size_t target(const struct tcp_pcb *c, unsigned cwnds)
{
	uint32_t segs = c->cwnd / c->mss < 10 ? 10 : c->cwnd / c->mss;

	return (size_t)cwnds * segs * 3 * c->mss;
}

/* `rounds` round trips of a bulk sender: the application fills the buffer, what was in
 * flight at the start of the round is acknowledged one ACK per two segments, and the woken
 * application fills the buffer again after each. Each growth takes the send space to the target for the cwnd of
 * that moment (or to the limit), and only when what is queued no longer covers cwnd.
 * Returns the largest cwnd seen. */
static uint32_t bulk_rounds(int fd, struct tcp_pcb *c, int rounds)
{
	uint32_t cwnd_max = 0;
	struct tcp_hdr h;

	for (int r = 0; r < rounds; r++) {
		uint32_t acked = c->snd_una, end;
		fill(fd);
		while (test_dev_pending(tun))
			pop(&h, NULL);
		end = c->snd_max;
		while (SEQ_LT(acked, end)) {
			uint64_t grows = tcp_stats.sndbuf_expanded;
			size_t cap = c->snd_buf.cap;
			uint32_t covered = c->snd_buf_seq + (uint32_t)c->snd_buf.len - acked;
			uint32_t prev = acked;

			acked = end - acked > 2 * MSS ? acked + 2 * MSS : end;
			inject(PEER, c->local_port, TCP_ACK, PEER_ISN + 1, acked, 65535, NULL, NULL, 0);
			if (tcp_stats.sndbuf_expanded != grows) {
				/* it grew: the queue (less what this ACK took) fell short of cwnd */
				assert_true(covered - (acked - prev) < c->cwnd);
				assert_int_equal(c->snd_buf.cap, target(c, 2) < c->snd_buf.max ?
						 target(c, 2) : c->snd_buf.max);
				assert_true(c->snd_buf.cap > cap);
			}
			assert_true(c->snd_buf.cap <= 1024 * 1024);
			assert_true(c->snd_buf.size <= c->snd_buf.cap);
			if (c->cwnd > cwnd_max)
				cwnd_max = c->cwnd;
			fill(fd); /* what leaves now is acknowledged in the next round */
			while (test_dev_pending(tun))
				pop(&h, NULL);
		}
		advance(1);
	}
	return cwnd_max;
}

/* Everything queued is sent and acknowledged: the buffer empties. */
static void drain_all(struct tcp_pcb *c)
{
	struct tcp_hdr h;

	for (int i = 0; i < 10000 && c->snd_buf.len; i++) {
		while (test_dev_pending(tun))
			pop(&h, NULL);
		inject(PEER, c->local_port, TCP_ACK, PEER_ISN + 1, c->snd_max, 65535, NULL, NULL, 0);
	}
	while (test_dev_pending(tun))
		pop(&h, NULL);
	assert_int_equal(c->snd_buf.len, 0);
}

static void abort_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	assert_int_equal(us_close(fd), 0);
	test_dev_flush(tun);
}

/* The send space stays at the default while it covers cwnd, then grows with cwnd to about
 * six cwnds of data (two of Linux's segment charges) and stops at wmem_max; SO_SNDBUF
 * reads the current size, as Linux's sk_sndbuf. Once the transfer is over the sweep
 * frees the storage; the limit stays. An SO_SNDBUF set during the connection fixes it. */
static void test_grows_with_cwnd(void **state)
{
	struct tcp_pcb *c;
	uint32_t cwnd;
	int fd, v;

	(void)state;
	fd = connect_bulk(0, &c);
	assert_int_equal(c->snd_buf.cap, 64 * 1024);
	assert_int_equal(c->snd_buf.max, 1024 * 1024);
	assert_false(c->flags & TF_SNDBUF_LOCK);
	assert_int_equal(so_sndbuf(fd), 64 * 1024);
	/* 10 segments of cwnd: 64 KiB covers it, no growth */
	bulk_rounds(fd, c, 1);
	assert_int_equal(tcp_stats.sndbuf_expanded, 0);
	assert_int_equal(c->snd_buf.cap, 64 * 1024);
	/* cwnd passes 64 KiB: the space grows to six cwnds */
	cwnd = bulk_rounds(fd, c, 2);
	assert_true(cwnd > 64 * 1024);
	assert_true(tcp_stats.sndbuf_expanded >= 1);
	assert_true(c->snd_buf.cap > 64 * 1024);
	assert_true(c->snd_buf.cap < 1024 * 1024);
	assert_int_equal(so_sndbuf(fd), (int)c->snd_buf.cap);
	/* a few more rounds: it reaches wmem_max and no further */
	bulk_rounds(fd, c, 6);
	assert_int_equal(c->snd_buf.cap, 1024 * 1024);
	assert_int_equal(so_sndbuf(fd), 1024 * 1024);
	assert_int_equal(c->snd_buf.size, 1024 * 1024); /* the storage followed */
	assert_true(c->snd_buf.len > 900 * 1024);
	assert_int_equal(tcp_stats.sndbuf_pressure, 0);

	/* idle: two sweeps free the storage (nothing else holds any), the limit stays */
	drain_all(c);
	advance(tcp_config.buf_idle_ms);
	advance(tcp_config.buf_idle_ms);
	assert_null(c->snd_buf.buf);
	assert_int_equal(tcp_stats.mem_ring_bytes, 0);
	assert_int_equal(c->snd_buf.cap, 1024 * 1024);

	/* SO_SNDBUF now: that size, and no more growth */
	v = 100000;
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0);
	assert_int_equal(c->snd_buf.cap, 100000);
	assert_true(c->flags & TF_SNDBUF_LOCK);
	v = (int)tcp_stats.sndbuf_expanded;
	bulk_rounds(fd, c, 2);
	assert_int_equal(tcp_stats.sndbuf_expanded, v);
	assert_int_equal(c->snd_buf.cap, 100000);
	assert_int_equal(so_sndbuf(fd), 100000);
	abort_close(fd);
}

/* SO_SNDBUF before connect: the same bulk sender keeps that size (SOCK_SNDBUF_LOCK). */
static void test_sndbuf_set_no_growth(void **state)
{
	struct tcp_pcb *c;
	int fd;

	(void)state;
	fd = connect_bulk(64 * 1024, &c);
	assert_true(c->flags & TF_SNDBUF_LOCK);
	assert_int_equal(c->snd_buf.max, 64 * 1024);
	assert_true(bulk_rounds(fd, c, 6) > 256 * 1024);
	assert_int_equal(tcp_stats.sndbuf_expanded, 0);
	assert_int_equal(c->snd_buf.cap, 64 * 1024);
	assert_int_equal(so_sndbuf(fd), 64 * 1024);
	abort_close(fd);
}

/* A listener's SO_SNDBUF holds for what it accepts (Linux's children inherit the lock);
 * without it, the accepted connection may grow. */
static void test_listener_lock_inherited(void **state)
{
	struct tcp_opts o = { .has_mss = 1, .mss = MSS, .has_wscale = 1, .wscale = 7 };
	struct sockaddr_in a;
	struct tcp_pcb *c;
	int lfd, fd, v = 64 * 1024;

	(void)state;
	for (int lock = 1; lock >= 0; lock--) {
		a = sin_of(IP_ADDR_ANY, PORT);
		lfd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
		assert_true(lfd >= 0);
		if (lock)
			assert_int_equal(us_setsockopt(lfd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0);
		assert_int_equal(us_bind(lfd, (const struct sockaddr *)&a, sizeof(a)), 0);
		assert_int_equal(us_listen(lfd, 4), 0);
		inject(PEER, PORT, TCP_SYN, PEER_ISN, 0, 65535, &o, NULL, 0);
		expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
		SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, 0);
		fd = us_accept(lfd, NULL, NULL);
		assert_true(fd >= 0);
		assert_int_equal(us_set_nonblock(fd, 1), 0);
		c = tcp_pcb_lookup_conn(NA4(us), PORT, NA4(peer), PEER);
		assert_non_null(c);
		assert_int_equal(!!(c->flags & TF_SNDBUF_LOCK), lock);
		assert_int_equal(c->snd_buf.max, lock ? 64 * 1024 : 1024 * 1024);
		bulk_rounds(fd, c, 4);
		assert_int_equal(c->snd_buf.cap > 64 * 1024, !lock);
		abort_close(fd);
		assert_int_equal(us_close(lfd), 0);
	}
}

/* Past mem_pressure bytes of ring storage, send buffers stop growing (counted). */
static void test_memory_pressure(void **state)
{
	struct tcp_pcb *c;
	int fd;

	(void)state;
	tcp_config.mem_pressure = 32 * 1024;
	fd = connect_bulk(0, &c);
	bulk_rounds(fd, c, 4);
	assert_int_equal(tcp_stats.sndbuf_expanded, 0);
	assert_true(tcp_stats.sndbuf_pressure > 0);
	assert_int_equal(c->snd_buf.cap, 64 * 1024);
	abort_close(fd);
}

/* The knobs by name, as --tcp takes them. */
static void test_knobs(void **state)
{
	(void)state;
	assert_int_equal(tcp_config_set("wmem_max", "8388608"), 0);
	assert_int_equal(tcp_config.wmem_max, 8388608);
	assert_int_equal(tcp_config_set("wmem_max", "-1"), -ERANGE);
	assert_int_equal(tcp_config_set("mem_pressure", "1048576"), 0);
	assert_int_equal(tcp_config.mem_pressure, 1048576);
	/* wmem_max below the default: nothing to grow to */
	assert_int_equal(tcp_config_set("wmem_max", "0"), 0);
	{
		struct tcp_pcb *p = tcp_pcb_alloc();
		assert_non_null(p);
		assert_int_equal(p->snd_buf.max, p->snd_buf.cap);
		tcp_pcb_free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_grows_with_cwnd, sock_setup, sock_teardown),
		cmocka_unit_test_setup_teardown(test_sndbuf_set_no_growth, sock_setup, sock_teardown),
		cmocka_unit_test_setup_teardown(test_listener_lock_inherited, sock_setup, sock_teardown),
		cmocka_unit_test_setup_teardown(test_memory_pressure, sock_setup, sock_teardown),
		cmocka_unit_test_setup_teardown(test_knobs, sock_setup, sock_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
