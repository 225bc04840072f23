/* SPDX-License-Identifier: MIT */
/* A second address family plugs into TCP by registration alone (docs/architecture.md,
 * "IPv6"): this test registers AF_INET6 operations of its own (net/family.h) whose output
 * keeps the segments, and drives TCP through its net_transport with IPv6 addresses: the
 * handshake from a SYN to an accepted connection, the MSS from the family's header length
 * and MTU, checksums over the IPv6 pseudo-header, a close through FIN to a TIME_WAIT
 * record that holds the two IPv6 addresses, and the port unreachable of UDP's path is not
 * involved. Nothing in tcp/ knows the family. */
#include "test/unit/testlib.h"

#include <string.h>

#include "ip/ip.h"
#include "net/cksum.h"
#include "net/family.h"
#include "net/loop.h"
#include "tcp/tcp_var.h"

#define T0 1000000ull
#define ISN 1000u
#define PEER_ISN 5000u
#define PORT 80
#define PEER 40000
#define MTU6 1280

static struct net_device *dev6;
static struct net_addr us6, peer6;
static struct pkb *sent[8];
static unsigned nsent;
static uint64_t now;

/* ---- the fake family: one link, every destination on it ---- */

static int f6_route(const struct net_addr *dst, int ifindex, struct net_nexthop *nh)
{
	(void)ifindex;
	nh->dev = dev6;
	nh->nexthop = *dst;
	nh->src = us6;
	return 0;
}

static uint32_t f6_generation(void) { return 1; }

static unsigned f6_mtu(const struct net_addr *dst, int ifindex)
{
	(void)dst, (void)ifindex;
	return MTU6;
}

static int f6_source(const struct net_addr *dst, int ifindex, struct net_addr *src)
{
	(void)dst, (void)ifindex;
	*src = us6;
	return 0;
}

static int f6_is_local(const struct net_addr *a) { return net_addr_eq(a, &us6); }
static int f6_is_broadcast(const struct net_addr *a) { (void)a; return 0; }
static int f6_is_multicast(const struct net_addr *a) { return a->v6[0] == 0xff; }

static int f6_output(uint8_t proto, struct pkb *p, const struct net_addr *src,
		     const struct net_addr *dst, const struct net_out_opts *opts,
		     const struct net_nexthop *nh, uint64_t t)
{
	(void)opts, (void)nh, (void)t;
	assert_int_equal(proto, IP_PROTO_TCP);
	assert_true(net_addr_eq(src, &us6));
	assert_true(net_addr_eq(dst, &peer6));
	assert_true(nsent < 8);
	sent[nsent++] = p;
	return 0;
}

static void f6_port_unreach(struct pkb *p, unsigned nh_len, uint64_t t)
{
	(void)p, (void)nh_len, (void)t;
	fail_msg("TCP asked for a port unreachable");
}

static const struct net_family_ops f6 = {
	.family = AF_INET6,
	.hdr_len = 40,
	.route = f6_route,
	.route_generation = f6_generation,
	.mtu = f6_mtu,
	.source = f6_source,
	.is_local = f6_is_local,
	.is_broadcast = f6_is_broadcast,
	.is_multicast = f6_is_multicast,
	.output = f6_output,
	.port_unreach = f6_port_unreach,
};

/* ---- the peer ---- */

static void inject(uint8_t flags, uint32_t seq, uint32_t ack, const struct tcp_opts *o)
{
	struct tcp_hdr h = { .sport = PEER, .dport = PORT, .seq = seq, .ack = ack,
			     .flags = flags, .wnd = 65535 };
	struct net_rx rx = { .fam = &f6, .src = peer6, .dst = us6, .nh_len = 40 };
	const struct net_transport *tcp = net_transport_find(IP_PROTO_TCP);
	struct pkb *p;
	size_t hl;

	if (o)
		h.opt = *o;
	hl = tcp_hdr_len(&h);
	p = pkb_alloc(hl);
	assert_non_null(p);
	pkb_put(p, hl);
	assert_int_equal(tcp_emit(&h, p->data, p->len, 0, &peer6, &us6), hl);
	assert_non_null(tcp);
	tcp->input(p, &rx, now);
}

/* Takes our next segment, checked against the IPv6 pseudo-header. */
static void pop(struct tcp_hdr *h)
{
	struct pkb *p;

	assert_true(nsent > 0);
	p = sent[0];
	memmove(sent, sent + 1, --nsent * sizeof(sent[0]));
	if (p->csum == PKB_CSUM_PARTIAL)
		fail_msg("the fake device offloads nothing");
	assert_int_equal(tcp_parse(p->data, p->len, &us6, &peer6, h), 0);
	pkb_free(p);
}

static int setup(void **state)
{
	(void)state;
	now = T0;
	net_clock_set_fake(1, now);
	us6 = net_addr_any(AF_INET6);
	peer6 = net_addr_any(AF_INET6);
	us6.v6[0] = peer6.v6[0] = 0x20;
	us6.v6[1] = peer6.v6[1] = 0x01;
	us6.v6[2] = peer6.v6[2] = 0x0d;
	us6.v6[3] = peer6.v6[3] = 0xb8;
	us6.v6[15] = 2;
	peer6.v6[15] = 1;
	dev6 = test_dev_create("v6", NET_DEV_IP, MTU6);
	net_family_register(&f6);
	assert_int_equal(tcp_proto_init(), 0);
	tcp_config_defaults(&tcp_config);
	tcp_test_set_isn(1, ISN);
	nsent = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	while (nsent)
		pkb_free(sent[--nsent]);
	tcp_proto_shutdown();
	net_transport_reset();
	net_families[AF_INET6] = NULL;
	net_device_unregister_all();
	net_clock_set_fake(0, 0);
	test_assert_no_leaks();
	return 0;
}

static void test_handshake_close_time_wait(void **state)
{
	struct tcp_pcb *l = tcp_pcb_alloc(), *c;
	struct net_addr any6 = net_addr_any(AF_INET6), l6, r6;
	struct tcp_opts o;
	struct tcp_hdr h;
	struct tcp_tw *tw;

	(void)state;
	assert_non_null(l);
	l->local_addr = l->remote_addr = any6; /* what tcp_sock_create does for an AF_INET6 socket */
	assert_int_equal(tcp_pcb_bind(l, &any6, PORT, 0), 0);
	assert_int_equal(tcp_pcb_listen(l, 4), 0);

	/* SYN -> SYN,ACK with the MSS of a 1280-byte link under 40 + 20 bytes of headers */
	memset(&o, 0, sizeof(o));
	o.has_mss = 1;
	o.mss = 1440;
	inject(TCP_SYN, PEER_ISN, 0, &o);
	pop(&h);
	assert_int_equal(h.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(h.ack, PEER_ISN + 1);
	assert_int_equal(h.opt.mss, MTU6 - 60);
	assert_int_equal(tcp_syncache_count(), 1);

	/* ACK -> an established child with the family's addresses */
	inject(TCP_ACK, PEER_ISN + 1, h.seq + 1, NULL);
	c = tcp_pcb_accept(l);
	assert_non_null(c);
	assert_int_equal(c->state, TCP_ESTABLISHED);
	assert_true(net_addr_eq(&c->local_addr, &us6));
	assert_true(net_addr_eq(&c->remote_addr, &peer6));
	assert_int_equal(c->mss, MTU6 - 60);
	assert_ptr_equal(tcp_pcb_lookup_conn(&us6, PORT, &peer6, PEER), c);

	/* our FIN, the peer's ACK and FIN: TIME_WAIT as a record of the IPv6 size */
	tcp_pcb_close(c, 0, now);
	pop(&h);
	assert_true(h.flags & TCP_FIN);
	inject(TCP_ACK | TCP_FIN, PEER_ISN + 1, h.seq + 1, NULL);
	pop(&h);
	assert_int_equal(h.flags, TCP_ACK);
	assert_int_equal(h.ack, PEER_ISN + 2);
	tw = tcp_tw_lookup(&us6, PORT, &peer6, PEER);
	assert_non_null(tw);
	assert_true(tw->flags & TW_F_V6);
	l6 = tcp_tw_laddr(tw);
	r6 = tcp_tw_raddr(tw);
	assert_true(net_addr_eq(&l6, &us6));
	assert_true(net_addr_eq(&r6, &peer6));
	/* a repeated FIN is ACKed from the record, through the family's output */
	inject(TCP_ACK | TCP_FIN, PEER_ISN + 1, h.seq, NULL);
	pop(&h);
	assert_int_equal(h.flags, TCP_ACK);
	assert_int_equal(nsent, 0);
	/* an IPv4 tuple with the same low words is another connection */
	assert_null(tcp_tw_lookup(NA4(0x02000000), PORT, NA4(0x01000000), PEER));
	tcp_pcb_close(l, 0, now);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handshake_close_time_wait, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
