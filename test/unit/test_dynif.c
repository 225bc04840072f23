/* SPDX-License-Identifier: MIT */
/* Addresses and devices that change while the stack runs, through the life-cycle API on
 * the fake clock (the last test runs the loop thread on the real one): an Ethernet test
 * device that comes up with no address hears limited broadcasts and sends one from
 * 0.0.0.0 (a DHCP client's exchange), then gets its address at run time (ARP answers for
 * it, sockets bind to it); removing an address ends the TCP connections from it with
 * -ECONNABORTED while listeners and UDP sockets bound to it stay, as Linux keeps them
 * (measured in a namespace: a UDP send from one is -ENETUNREACH, a bind to the address
 * -EADDRNOTAVAIL, and both work again once the address is back). */
#include <ustack.h>

#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "arp/arp.h"
#include "ether/ether.h"
#include "ip/ip.h"
#include "net/loop.h"
#include "tcp/tcp_var.h"
#include "tcp/tcp_wire.h"
#include "udp/udp.h"

#define T0 7000000ull
#define RUN_ONCE_MAX 200 /* loop turns a loopback exchange may take before the test fails */
#define SA(p) ((struct sockaddr *)(p))

static const uint8_t server_mac[6] = { 0x02, 0, 0, 0, 0, 0x99 };

static struct in_addr in(const char *s)
{
	return (struct in_addr){ test_addr(s) };
}

static struct sockaddr_in sin_of(const char *ip, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	a.sin_addr = in(ip);
	return a;
}

/* This test is an application of the public API: it lets go of the stack lock the unit
 * harness holds (testlib.c) and takes it only where it plays the loop thread (a frame
 * arriving, timers running, a device created, the SYN queue read). */
#define AS_LOOP(stmt)            \
	do {                     \
		net_lock();      \
		stmt;            \
		net_unlock();    \
	} while (0)

static struct ustack *stack_up(void)
{
	struct ustack *st;

	test_unlock();
	net_clock_set_fake(1, T0);
	assert_int_equal(ustack_create(NULL, &st), 0);
	return st;
}

static void stack_down(struct ustack *st)
{
	ustack_destroy(st);
	net_clock_set_fake(0, 0);
	test_assert_no_leaks();
}

/* An Ethernet frame to dst_mac carrying IP/UDP src:sport -> dst:dport, into dev. */
static void inject_udp(struct net_device *dev, const uint8_t *dst_mac, const char *src,
		       uint16_t sport, const char *dst, uint16_t dport, const char *payload)
{
	size_t plen = strlen(payload);
	struct ether_hdr eh = { .type = ETHER_TYPE_IP };
	struct ip_hdr ih = { .version = 4, .ihl = 20, .total_len = (uint16_t)(28 + plen),
			     .id = 9, .ttl = 64, .proto = IP_PROTO_UDP };
	struct udp_hdr uh = { .src_port = sport, .dst_port = dport };
	uint8_t b[256];

	memcpy(eh.dst, dst_mac, 6);
	memcpy(eh.src, server_mac, 6);
	ih.src = test_addr(src);
	ih.dst = test_addr(dst);
	assert_int_equal(ether_emit(&eh, b, sizeof(b)), 14);
	assert_int_equal(ip_emit(&ih, b + 14, sizeof(b) - 14), 20);
	memcpy(b + 42, payload, plen);
	assert_int_equal(udp_emit(&uh, b + 34, sizeof(b) - 34, plen, NA4(ih.src), NA4(ih.dst)), 8);
	AS_LOOP(net_device_input(dev, pkb_from_bytes(b, 42 + plen), net_clock_ms()));
}

/* The next frame dev sent, which must be IP/UDP: its Ethernet and IP headers, its ports,
 * and its payload (NUL-terminated, for short test strings). */
static void pop_udp(struct net_device *dev, struct ether_hdr *eh, struct ip_hdr *ih,
		    struct udp_hdr *uh, char *payload, size_t cap)
{
	struct pkb *p = test_dev_pop(dev);
	size_t n;

	assert_non_null(p);
	assert_int_equal(ether_parse(p->data, p->len, eh), 0);
	assert_int_equal(eh->type, ETHER_TYPE_IP);
	assert_int_equal(ip_parse(p->data + 14, p->len - 14, ih), 0);
	assert_int_equal(ih->proto, IP_PROTO_UDP);
	ih->options = NULL;
	/* the checksum is checked over the pseudo-header with the source as sent */
	assert_int_equal(udp_parse(p->data + 14 + ih->ihl, ih->total_len - ih->ihl, NA4(ih->src),
				   NA4(ih->dst), uh), 0);
	n = uh->len - 8u;
	assert_true(n < cap);
	memcpy(payload, p->data + 14 + ih->ihl + 8, n);
	payload[n] = '\0';
	pkb_free(p);
}

/* A device with no address: a socket bound to 0.0.0.0:68 and to the device hears a
 * limited broadcast (Ethernet broadcast or to our MAC) and sends DHCPDISCOVER-like from
 * 0.0.0.0 to 255.255.255.255:67 out of that device to the all-ones MAC. A socket on
 * 0.0.0.0 without the device binding hears the broadcast too. Unicast is neither heard
 * nor sent while the device has no address. */
static void test_noaddr_broadcast(void **state)
{
	struct ustack *st = stack_up();
	struct net_device *eth;

	AS_LOOP(eth = test_dev_create("eth1", NET_DEV_ETHER, 1500));
	struct sockaddr_in any68 = sin_of("0.0.0.0", 68), any69 = sin_of("0.0.0.0", 69);
	struct sockaddr_in bcast67 = sin_of("255.255.255.255", 67);
	struct sockaddr_in uni = sin_of("10.0.0.1", 67), from;
	socklen_t fromlen = sizeof(from);
	struct ether_hdr eh;
	struct ip_hdr ih;
	struct udp_hdr uh;
	char buf[64];
	int fd, fd69;

	(void)state;
	assert_int_equal(eth->nifaces, 0);
	fd = us_socket(AF_INET, SOCK_DGRAM | US_SOCK_NONBLOCK, 0);
	fd69 = us_socket(AF_INET, SOCK_DGRAM | US_SOCK_NONBLOCK, 0);
	assert_true(fd >= 0 && fd69 >= 0);
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "eth1", 4), 0);
	assert_int_equal(us_bind(fd, SA(&any68), sizeof(any68)), 0);
	assert_int_equal(us_bind(fd69, SA(&any69), sizeof(any69)), 0);

	/* the offer, to the link broadcast and to our MAC */
	inject_udp(eth, ether_broadcast, "10.0.0.1", 67, "255.255.255.255", 68, "offer");
	assert_int_equal(us_recvfrom(fd, buf, sizeof(buf), 0, SA(&from), &fromlen), 5);
	assert_memory_equal(buf, "offer", 5);
	assert_int_equal(from.sin_addr.s_addr, test_addr("10.0.0.1"));
	assert_int_equal(ntohs(from.sin_port), 67);
	inject_udp(eth, eth->hwaddr, "10.0.0.1", 67, "255.255.255.255", 68, "ack");
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), 3);
	inject_udp(eth, ether_broadcast, "10.0.0.1", 67, "255.255.255.255", 69, "any");
	assert_int_equal(us_recv(fd69, buf, sizeof(buf), 0), 3);
	/* unicast to an address the device does not have is not for us */
	inject_udp(eth, eth->hwaddr, "10.0.0.1", 67, "10.0.0.5", 68, "uni");
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), -EAGAIN);
	assert_int_equal(ip_stats.in_not_for_us, 1);
	assert_int_equal(udp_stats.no_port_bcast, 0);
	assert_null(test_dev_pop(eth)); /* no port unreachable, nothing at all */

	/* the discover leaves eth1 from 0.0.0.0:68 to the all-ones MAC */
	assert_int_equal(us_sendto(fd, "discover", 8, 0, SA(&bcast67), sizeof(bcast67)), 8);
	pop_udp(eth, &eh, &ih, &uh, buf, sizeof(buf));
	assert_memory_equal(eh.dst, ether_broadcast, 6);
	assert_memory_equal(eh.src, eth->hwaddr, 6);
	assert_int_equal(ih.src, IP_ADDR_ANY);
	assert_int_equal(ih.dst, IP_ADDR_BROADCAST);
	assert_int_equal(uh.src_port, 68);
	assert_int_equal(uh.dst_port, 67);
	assert_string_equal(buf, "discover");
	assert_null(test_dev_pop(eth));
	/* without an address there is no unicast, and no device to broadcast through for a
	 * socket not bound to one */
	assert_int_equal(us_sendto(fd, "x", 1, 0, SA(&uni), sizeof(uni)), -ENETUNREACH);
	assert_int_equal(us_sendto(fd69, "x", 1, 0, SA(&bcast67), sizeof(bcast67)), -ENETUNREACH);
	assert_null(test_dev_pop(eth));
	us_close(fd69);
	us_close(fd);
	stack_down(st);
}

/* The lease: an address added at run time is used at once. ARP answers for it, sockets
 * bind to it and hear unicast to it, and the device-bound socket's broadcasts now carry it.
 * The call refuses a duplicate (-EEXIST) and an unknown device (-ENODEV). */
static void test_addr_add_at_run_time(void **state)
{
	struct ustack *st = stack_up();
	struct net_device *eth;

	AS_LOOP(eth = test_dev_create("eth1", NET_DEV_ETHER, 1500));
	struct sockaddr_in any68 = sin_of("0.0.0.0", 68), a5000 = sin_of("10.0.0.5", 5000);
	struct sockaddr_in bcast67 = sin_of("255.255.255.255", 67);
	struct arp_pkt req = { .hrd = 1, .pro = ETHER_TYPE_IP, .hln = 6, .pln = 4,
			       .op = ARP_OP_REQUEST };
	struct ether_hdr eh = { .type = ETHER_TYPE_ARP };
	struct arp_pkt rep;
	struct ip_hdr ih;
	struct udp_hdr uh;
	struct pkb *p;
	uint8_t b[64] = { 0 };
	char buf[64];
	int fd, u;

	(void)state;
	fd = us_socket(AF_INET, SOCK_DGRAM | US_SOCK_NONBLOCK, 0);
	u = us_socket(AF_INET, SOCK_DGRAM | US_SOCK_NONBLOCK, 0);
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "eth1", 4), 0);
	assert_int_equal(us_bind(fd, SA(&any68), sizeof(any68)), 0);
	assert_int_equal(us_bind(u, SA(&a5000), sizeof(a5000)), -EADDRNOTAVAIL);

	assert_int_equal(ustack_addr_add(st, "eth1", in("10.0.0.5"), 24), 0);
	assert_int_equal(ustack_addr_add(st, "eth1", in("10.0.0.5"), 24), -EEXIST);
	assert_int_equal(ustack_addr_add(st, "lo", in("10.0.0.5"), 24), -EEXIST);
	assert_int_equal(ustack_addr_add(st, "eth9", in("10.0.0.6"), 24), -ENODEV);
	assert_int_equal(eth->nifaces, 1);

	/* ARP: who has 10.0.0.5? */
	memcpy(eh.dst, ether_broadcast, 6);
	memcpy(eh.src, server_mac, 6);
	memcpy(req.sha, server_mac, 6);
	req.spa = test_addr("10.0.0.1");
	req.tpa = test_addr("10.0.0.5");
	assert_int_equal(ether_emit(&eh, b, sizeof(b)), 14);
	assert_true(arp_emit(&req, b + 14, sizeof(b) - 14) > 0);
	AS_LOOP(net_device_input(eth, pkb_from_bytes(b, 60), net_clock_ms()));
	p = test_dev_pop(eth);
	assert_non_null(p);
	assert_int_equal(ether_parse(p->data, p->len, &eh), 0);
	assert_int_equal(eh.type, ETHER_TYPE_ARP);
	assert_int_equal(arp_parse(p->data + 14, p->len - 14, &rep), 0);
	assert_int_equal(rep.op, ARP_OP_REPLY);
	assert_int_equal(rep.spa, test_addr("10.0.0.5"));
	assert_memory_equal(rep.sha, eth->hwaddr, 6);
	assert_memory_equal(eh.dst, server_mac, 6);
	pkb_free(p);

	/* sockets bind to it and hear unicast to it */
	assert_int_equal(us_bind(u, SA(&a5000), sizeof(a5000)), 0);
	inject_udp(eth, eth->hwaddr, "10.0.0.1", 4000, "10.0.0.5", 5000, "hello");
	assert_int_equal(us_recv(u, buf, sizeof(buf), 0), 5);
	/* the DHCP socket's next broadcast has the address as its source */
	assert_int_equal(us_sendto(fd, "renew", 5, 0, SA(&bcast67), sizeof(bcast67)), 5);
	pop_udp(eth, &eh, &ih, &uh, buf, sizeof(buf));
	assert_int_equal(ih.src, test_addr("10.0.0.5"));
	assert_memory_equal(eh.dst, ether_broadcast, 6);
	us_close(u);
	us_close(fd);
	stack_down(st);
}

/* Runs the loop (loopback frames) until fd has one of events. */
static void run_until(struct ustack *st, int fd, short events)
{
	for (int i = 0; i < RUN_ONCE_MAX; i++) {
		struct us_pollfd p = { .fd = fd, .events = events };

		if (us_poll(&p, 1, 0) > 0 && (p.revents & events))
			return;
		assert_int_equal(ustack_run_once(st, 1), 0);
	}
	fail_msg("fd %d never got events %#x", fd, events);
}

/* A TCP connection to a:port over "lo"; *srv gets the accepted end. Returns the client. */
static int tcp_pair(struct ustack *st, int lfd, const char *a, uint16_t port, int *srv)
{
	struct sockaddr_in to = sin_of(a, port);
	int c = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);

	assert_true(c >= 0);
	assert_int_equal(us_connect(c, SA(&to), sizeof(to)), -EINPROGRESS);
	run_until(st, lfd, US_POLLIN);
	*srv = us_accept4(lfd, NULL, NULL, US_SOCK_NONBLOCK);
	assert_true(*srv >= 0);
	run_until(st, c, US_POLLOUT);
	return c;
}

/* Removing an address: both ends of a connection from it end with -ECONNABORTED (reported
 * once, then end of stream), a connection on another address goes on, a listener bound to
 * it stays and accepts again once the address is back, and a UDP socket bound to it stays
 * with its name: its sends are -ENETUNREACH until the address returns. */
static void test_addr_del_sockets(void **state)
{
	struct ustack *st = stack_up();
	struct sockaddr_in l_any = sin_of("0.0.0.0", 7010), l_9 = sin_of("10.9.0.1", 7011);
	struct sockaddr_in u_9 = sin_of("10.9.0.1", 5000), peer = sin_of("10.8.0.1", 9);
	struct sockaddr_in name;
	socklen_t namelen = sizeof(name);
	int lfd, lfd9, c1, s1, c2, s2, c3, s3, u, u2, tb, err;
	socklen_t errlen = sizeof(err);
	char buf[16];

	(void)state;
	assert_int_equal(ustack_addr_add(st, "lo", in("10.9.0.1"), 24), 0);
	assert_int_equal(ustack_addr_add(st, "lo", in("10.8.0.1"), 24), 0);
	lfd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	lfd9 = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	assert_int_equal(us_bind(lfd, SA(&l_any), sizeof(l_any)), 0);
	assert_int_equal(us_bind(lfd9, SA(&l_9), sizeof(l_9)), 0);
	assert_int_equal(us_listen(lfd, 8), 0);
	assert_int_equal(us_listen(lfd9, 8), 0);
	c1 = tcp_pair(st, lfd, "10.9.0.1", 7010, &s1);
	c2 = tcp_pair(st, lfd, "10.8.0.1", 7010, &s2);
	u = us_socket(AF_INET, SOCK_DGRAM | US_SOCK_NONBLOCK, 0);
	assert_int_equal(us_bind(u, SA(&u_9), sizeof(u_9)), 0);
	assert_int_equal(us_sendto(u, "x", 1, 0, SA(&peer), sizeof(peer)), 1);
	tb = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	assert_int_equal(us_bind(tb, SA(&u_9), sizeof(u_9)), 0);

	assert_int_equal(ustack_addr_del(st, "lo", in("10.9.0.1")), 0);
	assert_int_equal(ustack_addr_del(st, "lo", in("10.9.0.1")), -EADDRNOTAVAIL);
	assert_int_equal(ustack_addr_del(st, "nope", in("10.8.0.1")), -ENODEV);

	/* both ends of the connection from 10.9.0.1: the error once, then the end */
	for (int i = 0; i < 2; i++) {
		int fd = i ? s1 : c1;
		struct us_pollfd p = { .fd = fd, .events = US_POLLIN | US_POLLOUT };

		assert_int_equal(us_poll(&p, 1, 0), 1);
		assert_true(p.revents & US_POLLERR);
		assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), -ECONNABORTED);
		assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), 0);
		assert_int_equal(us_send(fd, "x", 1, 0), -EPIPE);
	}
	us_close(c1);
	us_close(s1);
	ustack_run_once(st, 1); /* the resets reach nobody */
	/* the one on 10.8.0.1 goes on */
	assert_int_equal(us_send(c2, "abc", 3, 0), 3);
	run_until(st, s2, US_POLLIN);
	assert_int_equal(us_recv(s2, buf, sizeof(buf), 0), 3);

	/* the listener and the UDP socket stay, with their names */
	assert_int_equal(us_accept(lfd9, NULL, NULL), -EAGAIN);
	assert_int_equal(us_getsockname(lfd9, SA(&name), &namelen), 0);
	assert_int_equal(name.sin_addr.s_addr, test_addr("10.9.0.1"));
	namelen = sizeof(name);
	assert_int_equal(us_getsockname(u, SA(&name), &namelen), 0);
	assert_int_equal(name.sin_addr.s_addr, test_addr("10.9.0.1"));
	assert_int_equal(us_sendto(u, "x", 1, 0, SA(&peer), sizeof(peer)), -ENETUNREACH);
	assert_int_equal(us_getsockopt(u, SOL_SOCKET, SO_ERROR, &err, &errlen), 0);
	assert_int_equal(err, 0);
	assert_int_equal(us_connect(u, SA(&peer), sizeof(peer)), -ENETUNREACH);
	u2 = us_socket(AF_INET, SOCK_DGRAM | US_SOCK_NONBLOCK, 0);
	assert_int_equal(us_bind(u2, SA(&u_9), sizeof(u_9)), -EADDRNOTAVAIL);
	/* a TCP socket bound to it before: connect finds no route, as on Linux */
	assert_int_equal(us_connect(tb, SA(&peer), sizeof(peer)), -ENETUNREACH);

	/* back again: the same sockets work */
	assert_int_equal(ustack_addr_add(st, "lo", in("10.9.0.1"), 24), 0);
	assert_int_equal(us_sendto(u, "x", 1, 0, SA(&peer), sizeof(peer)), 1);
	c3 = tcp_pair(st, lfd9, "10.9.0.1", 7011, &s3);
	assert_int_equal(us_send(c3, "hi", 2, 0), 2);
	run_until(st, s3, US_POLLIN);
	assert_int_equal(us_recv(s3, buf, sizeof(buf), 0), 2);

	us_close(c2);
	us_close(s2);
	us_close(c3);
	us_close(s3);
	us_close(u);
	us_close(u2);
	us_close(tb);
	us_close(lfd);
	us_close(lfd9);
	stack_down(st);
}

/* A SYN from 10.0.0.1 to 10.0.0.5:80 through dev, to our MAC. */
static void inject_syn(struct net_device *dev)
{
	struct ether_hdr eh = { .type = ETHER_TYPE_IP };
	struct ip_hdr ih = { .version = 4, .ihl = 20, .total_len = 40, .id = 3, .ttl = 64,
			     .proto = IP_PROTO_TCP };
	struct tcp_hdr th = { .sport = 40000, .dport = 80, .seq = 1000, .flags = TCP_SYN,
			      .wnd = 65535 };
	uint8_t b[64] = { 0 };

	memcpy(eh.dst, dev->hwaddr, 6);
	memcpy(eh.src, server_mac, 6);
	ih.src = test_addr("10.0.0.1");
	ih.dst = test_addr("10.0.0.5");
	assert_int_equal(ether_emit(&eh, b, sizeof(b)), 14);
	assert_int_equal(ip_emit(&ih, b + 14, sizeof(b) - 14), 20);
	assert_int_equal(tcp_emit(&th, b + 34, sizeof(b) - 34, 0, NA4(ih.src), NA4(ih.dst)), 20);
	AS_LOOP(net_device_input(dev, pkb_from_bytes(b, 60), net_clock_ms()));
}

/* Half-open connections to a removed address leave the listener's SYN queue, and the
 * SYN,ACK still waiting for ARP is dropped: nothing goes out from an address the stack no
 * longer has. The listener itself stays. */
static void test_addr_del_syn_queue(void **state)
{
	struct ustack *st = stack_up();
	struct net_device *eth;

	AS_LOOP(eth = test_dev_create("eth1", NET_DEV_ETHER, 1500));
	struct sockaddr_in l_any = sin_of("0.0.0.0", 80);
	int lfd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);

	(void)state;
	assert_int_equal(ustack_addr_add(st, "eth1", in("10.0.0.5"), 24), 0);
	assert_int_equal(us_bind(lfd, SA(&l_any), sizeof(l_any)), 0);
	assert_int_equal(us_listen(lfd, 8), 0);
	inject_syn(eth);
	AS_LOOP(assert_int_equal(tcp_syncache_count(), 1));
	test_dev_flush(eth); /* the ARP request for 10.0.0.1 */
	assert_int_equal(ustack_addr_del(st, "eth1", in("10.0.0.5")), 0);
	AS_LOOP(assert_int_equal(tcp_syncache_count(), 0));
	/* a while later: no SYN,ACK retransmitted, nothing sent at all */
	net_clock_set_fake(1, T0 + 10000);
	AS_LOOP(net_timers_run(net_clock_ms()));
	/* only ARP's retries for 10.0.0.1 (from 0.0.0.0 now, a probe): the SYN,ACK waiting
	 * for them was dropped */
	for (struct pkb *x; (x = test_dev_pop(eth)); pkb_free(x)) {
		struct ether_hdr xh;

		assert_int_equal(ether_parse(x->data, x->len, &xh), 0);
		assert_int_equal(xh.type, ETHER_TYPE_ARP);
	}
	assert_int_equal(arp_stats.queue_dropped_addr_gone, 1);
	assert_int_equal(us_accept(lfd, NULL, NULL), -EAGAIN);
	us_close(lfd);
	stack_down(st);
}

static void *remove_later(void *arg)
{
	usleep(100 * 1000); /* the main thread is blocked in us_recv by then */
	return (void *)(long)ustack_addr_del(arg, "lo", in("10.9.0.1"));
}

/* With the loop thread running (real clock): a receive blocked on a connection from the
 * address returns -ECONNABORTED when another thread removes it. */
static void test_addr_del_wakes_blocked(void **state)
{
	struct ustack *st;
	struct sockaddr_in a = sin_of("10.9.0.1", 7020);
	struct timeval tv = { .tv_sec = 5 };
	pthread_t t;
	void *rc;
	char buf[8];
	int l, c, s;

	(void)state;
	test_unlock();
	assert_int_equal(ustack_create(NULL, &st), 0);
	assert_int_equal(ustack_start(st), 0);
	assert_int_equal(ustack_addr_add(st, "lo", in("10.9.0.1"), 24), 0);
	l = us_socket(AF_INET, SOCK_STREAM, 0);
	c = us_socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(us_bind(l, SA(&a), sizeof(a)), 0);
	assert_int_equal(us_listen(l, 4), 0);
	assert_int_equal(us_connect(c, SA(&a), sizeof(a)), 0);
	s = us_accept(l, NULL, NULL);
	assert_true(s >= 0);
	assert_int_equal(us_setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(pthread_create(&t, NULL, remove_later, st), 0);
	assert_int_equal(us_recv(c, buf, sizeof(buf), 0), -ECONNABORTED);
	assert_int_equal(pthread_join(t, &rc), 0);
	assert_int_equal((long)rc, 0);
	us_close(c);
	us_close(s);
	us_close(l);
	ustack_destroy(st);
	test_assert_no_leaks();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_noaddr_broadcast),
		cmocka_unit_test(test_addr_add_at_run_time),
		cmocka_unit_test(test_addr_del_sockets),
		cmocka_unit_test(test_addr_del_syn_queue),
		cmocka_unit_test(test_addr_del_wakes_blocked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
