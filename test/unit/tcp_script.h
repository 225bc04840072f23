/* SPDX-License-Identifier: MIT */
/* Segment-script helpers shared by the TCP unit tests: a TUN-like test device, 192.0.2.2 is
 * us and 192.0.2.1 the peer, a fake clock, inject() for the peer's segments and
 * expect()/expect_none() for ours. */
#ifndef TEST_TCP_SCRIPT_H
#define TEST_TCP_SCRIPT_H

#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "ip/icmp.h"
#include "ip/ip.h"
#include "net/loop.h"
#include "net/socket.h"
#include "tcp/tcp_var.h"

#define T0 1000000ull
#define ISN 1000u
#define PEER_ISN 5000u

static struct net_device *tun;
static uint64_t now;
/* set by tests that go through the socket layer: setup() then registers tcp_sock_ops */
static int script_sockets;
static uint32_t us, peer;

static inline int setup(void **state)
{
	(void)state;
	stats_reset();
	now = T0;
	net_clock_set_fake(1, now);
	us = inet_addr("192.0.2.2");
	peer = inet_addr("192.0.2.1");
	tun = test_dev_create("tun0", NET_DEV_IP, 1500);
	assert_int_equal(ip_init(), 0);
	assert_int_equal(icmp_init(), 0);
	assert_int_equal(script_sockets ? tcp_init() : tcp_proto_init(), 0);
	assert_int_equal(ip_iface_add(tun, us, inet_addr("255.255.255.0"), 0), 0);
	tcp_config_defaults(&tcp_config);
	tcp_config.timestamps = 0;
	tcp_config.window_scaling = 0;
	tcp_config.sack = 0;
	tcp_config.sndbuf = tcp_config.rcvbuf = 16384;
	/* the scripts spell out delayed ACKs; quick ACK mode has its own tests */
	tcp_config.quickacks = 0;
	tcp_test_set_isn(1, ISN);
	return 0;
}

static inline int teardown(void **state)
{
	(void)state;
	assert_int_equal(tcp_pcb_count(), 0);
	assert_int_equal(tcp_tw_count(), 0);
	tcp_proto_shutdown();
	test_dev_flush(tun);
	ip_shutdown();
	net_device_unregister_all();
	net_protocol_reset();
	net_clock_set_fake(0, 0);
	tcp_config_defaults(&tcp_config);
	test_assert_no_leaks();
	return 0;
}

static inline void advance(uint64_t ms)
{
	now += ms;
	net_clock_set_fake(1, now);
	net_timers_run(now);
}

/* Sends an IP packet carrying `tcp` bytes from the peer. */
static inline void inject_ip(const uint8_t *ip, size_t len)
{
	net_device_input(tun, pkb_from_bytes(ip, len), now);
}

static inline void inject(uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack,
		   uint16_t wnd, const struct tcp_opts *opt, const void *data, size_t len)
{
	struct tcp_hdr h = { .sport = sport, .dport = dport, .seq = seq, .ack = ack,
			     .flags = flags, .wnd = wnd };
	struct ip_hdr ih = { .version = 4, .ihl = 20, .ttl = 64, .proto = IP_PROTO_TCP,
			     .src = peer, .dst = us };
	uint8_t b[2048];
	size_t hl;

	if (opt)
		h.opt = *opt;
	hl = tcp_hdr_len(&h);
	if (len)
		memcpy(b + 20 + hl, data, len);
	assert_int_equal(tcp_emit(&h, b + 20, sizeof(b) - 20, len, NA4(peer), NA4(us)), hl);
	ih.total_len = (uint16_t)(20 + hl + len);
	assert_int_equal(ip_emit(&ih, b, sizeof(b)), 20);
	inject_ip(b, 20 + hl + len);
}

#define PEER 40000
#define PORT 8080
/* a segment from the peer on the usual ports */
#define SEG(fl, seq, ack, wnd, data, len) inject(PEER, PORT, fl, seq, ack, wnd, NULL, data, len)

/* The TIME_WAIT record (tcp_timewait.c) of our port lport with the peer, or NULL. */
static inline struct tcp_tw *tw_at(uint16_t lport)
{
	return tcp_tw_lookup(NA4(us), lport, NA4(peer), PEER);
}

/* An ACK from the peer to connection c with SACK blocks: pairs left, right; n of them. */
static inline void sack_ack(struct tcp_pcb *c, uint32_t ack, const uint32_t *blocks, unsigned n)
{
	struct tcp_opts o;

	memset(&o, 0, sizeof(o));
	o.nsack = (uint8_t)n;
	for (unsigned i = 0; i < n; i++) {
		o.sack[i].left = blocks[2 * i];
		o.sack[i].right = blocks[2 * i + 1];
	}
	inject(PEER, c->local_port, TCP_ACK, PEER_ISN + 1, ack, 65535, &o, NULL, 0);
}

/* Takes the next emitted segment; fails if there is none. Returns the payload length. */
static inline size_t pop(struct tcp_hdr *h, uint8_t *payload)
{
	struct pkb *p = test_dev_pop(tun);
	struct ip_hdr ih;
	size_t plen;

	if (!p)
		fail_msg("expected a segment, none was sent");
	assert_int_equal(ip_parse(p->data, p->len, &ih), 0);
	assert_int_equal(ih.proto, IP_PROTO_TCP);
	assert_int_equal(ih.src, us);
	assert_int_equal(ih.dst, peer);
	assert_int_equal(tcp_parse(p->data + ih.ihl, ih.total_len - ih.ihl, NA4(ih.src), NA4(ih.dst), h), 0);
	plen = ih.total_len - ih.ihl - h->hlen;
	if (payload)
		memcpy(payload, p->data + ih.ihl + h->hlen, plen);
	pkb_free(p);
	return plen;
}

/* Pops everything we sent; returns the last segment's window field (0 if none). */
static inline uint16_t drain(void)
{
	struct tcp_hdr h = { 0 };

	while (test_dev_pending(tun))
		pop(&h, NULL);
	return h.wnd;
}

/* Asserts the next segment's flags/seq/ack; returns its payload length. */
static inline size_t expect(uint8_t flags, uint32_t seq, uint32_t ack)
{
	struct tcp_hdr h;
	size_t n = pop(&h, NULL);
	char a[9], b[9];

	if (h.flags != flags || h.seq != seq || ((flags & TCP_ACK) && h.ack != ack))
		fail_msg("got %s seq=%u ack=%u, want %s seq=%u ack=%u", tcp_flags_str(h.flags, a),
			 h.seq, h.ack, tcp_flags_str(flags, b), seq, ack);
	return n;
}

static inline void expect_none(void)
{
	if (test_dev_pending(tun)) {
		struct tcp_hdr h;
		char f[9];
		pop(&h, NULL);
		fail_msg("unexpected segment %s seq=%u ack=%u", tcp_flags_str(h.flags, f), h.seq, h.ack);
	}
}

static inline struct tcp_pcb *listener(void)
{
	struct tcp_pcb *l = tcp_pcb_alloc();

	assert_non_null(l);
	assert_int_equal(tcp_pcb_bind(l, NA4(IP_ADDR_ANY), PORT, 0), 0);
	assert_int_equal(tcp_pcb_listen(l, 4), 0);
	return l;
}

/* RFC 9293 3.5 (figure 6, passive side): SYN -> SYN,ACK -> ACK, then the accept queue. */
static inline struct tcp_pcb *passive_open(struct tcp_pcb *l)
{
	struct tcp_pcb *c;

	SEG(TCP_SYN, PEER_ISN, 0, 65535, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	expect_none();
	assert_null(tcp_pcb_accept(l));
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, 0);
	expect_none();
	c = tcp_pcb_accept(l);
	assert_non_null(c);
	assert_int_equal(c->state, TCP_ESTABLISHED);
	return c;
}


#endif
