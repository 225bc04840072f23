/* SPDX-License-Identifier: MIT */
/* TCP and UDP over IPv6 through the real layers: ip6_input hands next headers 6 and 17 to
 * the transports (net/family.h) and AF_INET6 sockets carry them. A TUN-like test device
 * holds 192.0.2.2/24 and 2001:db8::2/64 (us); the peer is 192.0.2.1 and 2001:db8::1, its
 * packets built here and ours parsed back, every TCP and UDP checksum checked over the
 * IPv6 pseudo-header. Covered: the handshake, data both ways and an abort over IPv6 with
 * the MSS from the IPv6 MTU; a RST for a closed port; UDP both ways, a zero checksum
 * dropped and counted, ICMPv6 port unreachable for a closed port; AF_INET6 sockets'
 * addresses (sockaddr_in6 in and out, getsockname/getpeername), IPV6_V6ONLY off (an
 * AF_INET6 listener on :: takes IPv4, its peer reported as ::ffff:192.0.2.1) and on,
 * IPv4-mapped destinations on sendto, IPV6_UNICAST_HOPS and IPV6_TCLASS in the header;
 * a link-local peer's scope id; the ICMPv6 echo socket;
 * and the checksum of TCP segments Linux sent over IPv6 (test/data/linux-tcp6.pcap: curl
 * -6 between two namespaces, 2001:db8:6::1 to 2001:db8:6::2 port 8080). */
#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>

#include "ether/ether.h"
#include "ip/icmp.h"
#include "ip/ip.h"
#include "ip/icmp_sock.h"
#include "ip6/icmp6.h"
#include "ip6/icmp6_sock.h"
#include "ip6/ip6.h"
#include "net/byteorder.h"
#include "net/cksum.h"
#include "net/loop.h"
#include "net/socket.h"
#include "tcp/tcp_var.h"
#include "udp/udp.h"
#include "test/unit/test_app.h" /* last: it wraps the calls that take the lock */

#define T0 1000000ull
#define ISN 1000u
#define PEER_ISN 5000u
#define PEER 40000
#define PORT 8080
#define PCAP "test/data/linux-tcp6.pcap"

static struct net_device *tun;
static struct net_addr us6, peer6;
static uint32_t us4, peer4;

static int setup(void **state)
{
	(void)state;
	tun = test_ip6_setup(0, "2001:db8::2", T0);
	us4 = inet_addr("192.0.2.2");
	peer4 = inet_addr("192.0.2.1");
	us6 = test_addr6("2001:db8::2");
	peer6 = test_addr6("2001:db8::1");
	assert_int_equal(ip_init(), 0);
	assert_int_equal(icmp_init(), 0);
	assert_int_equal(tcp_init(), 0);
	assert_int_equal(udp_init(), 0);
	assert_int_equal(icmp6_sock_init(), 0);
	assert_int_equal(ip_iface_add(tun, us4, inet_addr("255.255.255.0"), 0), 0);
	tcp_config_defaults(&tcp_config);
	tcp_config.timestamps = 0;
	tcp_config.window_scaling = 0;
	tcp_config.sack = 0;
	tcp_config.quickacks = 0;
	tcp_test_set_isn(1, ISN);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sock_close_all();
	tcp_proto_shutdown();
	ip_shutdown();
	tcp_config_defaults(&tcp_config);
	test_ip6_teardown();
	return 0;
}

/* ---- the peer's packets ---- */

static void inject6(uint8_t next, const uint8_t *pl, size_t len)
{
	struct ip6_hdr h = { .plen = (uint16_t)len, .next = next, .hlim = 64 };
	uint8_t b[2048];

	h.src = peer6;
	h.dst = us6;
	assert_int_equal(ip6_emit(&h, b, sizeof(b)), IP6_HDR_LEN);
	memcpy(b + IP6_HDR_LEN, pl, len);
	net_device_input(tun, pkb_from_bytes(b, IP6_HDR_LEN + len), net_clock_ms());
}

static void inject4(uint8_t proto, const uint8_t *pl, size_t len)
{
	struct ip_hdr ih = { .version = 4, .ihl = 20, .ttl = 64, .proto = proto,
			     .src = peer4, .dst = us4 };
	uint8_t b[2048];

	ih.total_len = (uint16_t)(20 + len);
	assert_int_equal(ip_emit(&ih, b, sizeof(b)), 20);
	memcpy(b + 20, pl, len);
	net_device_input(tun, pkb_from_bytes(b, 20 + len), net_clock_ms());
}

/* A TCP segment from the peer, over IPv6 (v6 set) or IPv4. */
static void seg(int v6, uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack,
		const void *data, size_t len)
{
	struct tcp_hdr h = { .sport = PEER, .dport = dport, .seq = seq, .ack = ack,
			     .flags = flags, .wnd = 65535 };
	struct net_addr s4 = net_addr_v4(peer4), d4 = net_addr_v4(us4);
	uint8_t b[2048];
	size_t hl = tcp_hdr_len(&h);

	if (len)
		memcpy(b + hl, data, len);
	assert_int_equal(tcp_emit(&h, b, sizeof(b), len, v6 ? &peer6 : &s4, v6 ? &us6 : &d4),
			 hl);
	if (v6)
		inject6(IP6_NH_TCP, b, hl + len);
	else
		inject4(IP_PROTO_TCP, b, hl + len);
}

/* ---- ours ---- */

/* Our next packet: 6 or 4 (its version), the IPv6 header into *h6 for 6; p->data is left
 * at the transport header. */
static struct pkb *pop_pkt(struct ip6_hdr *h6, int want)
{
	struct pkb *p = test_dev_pop(tun);
	struct ip_hdr ih;

	if (!p)
		fail_msg("expected a packet, none was sent");
	assert_int_equal(p->data[0] >> 4, want);
	if (want == 6) {
		assert_int_equal(ip6_parse(p->data, p->len, h6), 0);
		assert_true(net_addr_eq(&h6->src, &us6));
		assert_true(net_addr_eq(&h6->dst, &peer6));
		pkb_pull(p, IP6_HDR_LEN);
	} else {
		assert_int_equal(ip_parse(p->data, p->len, &ih), 0);
		assert_int_equal(ih.src, us4);
		assert_int_equal(ih.dst, peer4);
		pkb_pull(p, ih.ihl);
	}
	return p;
}

/* Our next TCP segment over IPv6 or IPv4, its checksum checked; returns the payload
 * length. */
static size_t pop_tcp(int v6, struct tcp_hdr *h, struct ip6_hdr *h6)
{
	struct ip6_hdr tmp;
	struct pkb *p = pop_pkt(h6 ? h6 : &tmp, v6 ? 6 : 4);
	struct net_addr s4 = net_addr_v4(us4), d4 = net_addr_v4(peer4);
	size_t n;

	if (v6)
		assert_int_equal((h6 ? h6 : &tmp)->next, IP6_NH_TCP);
	assert_int_equal(tcp_parse(p->data, p->len, v6 ? &us6 : &s4, v6 ? &peer6 : &d4, h), 0);
	n = p->len - h->hlen;
	pkb_free(p);
	return n;
}

static struct sockaddr_in6 sin6_of(const struct net_addr *a, uint16_t port)
{
	struct sockaddr_in6 s;

	memset(&s, 0, sizeof(s));
	s.sin6_family = AF_INET6;
	s.sin6_port = htons(port);
	memcpy(s.sin6_addr.s6_addr, a->v6, 16);
	return s;
}

static struct sockaddr_in6 mapped_of(uint32_t v4, uint16_t port)
{
	struct sockaddr_in6 s;

	memset(&s, 0, sizeof(s));
	s.sin6_family = AF_INET6;
	s.sin6_port = htons(port);
	s.sin6_addr.s6_addr[10] = s.sin6_addr.s6_addr[11] = 0xff;
	memcpy(s.sin6_addr.s6_addr + 12, &v4, 4);
	return s;
}

static int listener6(int v6only)
{
	struct sockaddr_in6 any = sin6_of(&(struct net_addr){ .family = AF_INET6 }, PORT);
	int fd = us_socket(AF_INET6, SOCK_STREAM | US_SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	assert_int_equal(us_setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)),
			 0);
	assert_int_equal(us_bind(fd, (struct sockaddr *)&any, sizeof(any)), 0);
	assert_int_equal(us_listen(fd, 4), 0);
	return fd;
}

static void abort_close(int fd)
{
	struct linger lg = { 1, 0 };

	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	assert_int_equal(us_close(fd), 0);
}

/* ---- tests ---- */

/* The passive open over IPv6: SYN,ACK with MSS 1500 - 40 - 20, data both ways, the
 * addresses as sockaddr_in6, an abort's RST. */
static void test_tcp6_passive(void **state)
{
	struct tcp_hdr h;
	struct ip6_hdr h6;
	struct sockaddr_in6 a;
	socklen_t alen = sizeof(a);
	char buf[16];
	int l, c;

	(void)state;
	l = listener6(0);
	seg(1, PORT, TCP_SYN, PEER_ISN, 0, NULL, 0);
	assert_int_equal(pop_tcp(1, &h, &h6), 0);
	assert_int_equal(h.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(h.ack, PEER_ISN + 1);
	assert_int_equal(h.opt.mss, 1440);
	assert_int_equal(h6.hlim, 64);
	seg(1, PORT, TCP_ACK, PEER_ISN + 1, ISN + 1, NULL, 0);
	c = us_accept(l, (struct sockaddr *)&a, &alen);
	assert_true(c >= 0);
	assert_int_equal(alen, sizeof(a));
	assert_int_equal(a.sin6_family, AF_INET6);
	assert_int_equal(ntohs(a.sin6_port), PEER);
	assert_memory_equal(a.sin6_addr.s6_addr, peer6.v6, 16);
	alen = sizeof(a);
	assert_int_equal(us_getsockname(c, (struct sockaddr *)&a, &alen), 0);
	assert_memory_equal(a.sin6_addr.s6_addr, us6.v6, 16);
	assert_int_equal(ntohs(a.sin6_port), PORT);
	seg(1, PORT, TCP_ACK | TCP_PSH, PEER_ISN + 1, ISN + 1, "hello", 5);
	assert_int_equal(us_recv(c, buf, sizeof(buf), 0), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(us_send(c, "world!", 6, 0), 6);
	assert_int_equal(pop_tcp(1, &h, NULL), 6);
	assert_int_equal(h.seq, ISN + 1);
	assert_int_equal(h.ack, PEER_ISN + 6);
	abort_close(c);
	assert_int_equal(pop_tcp(1, &h, NULL), 0);
	assert_true(h.flags & TCP_RST);
	assert_int_equal(us_close(l), 0);
	assert_int_equal(tcp_pcb_count(), 0);
}

/* The active open over IPv6 to a peer whose SYN,ACK names no MSS: IPv6's default, 1220
 * (RFC 9293 3.7.1), not IPv4's 536. IPV6_UNICAST_HOPS and IPV6_TCLASS reach the header. */
static void test_tcp6_active_default_mss(void **state)
{
	struct sockaddr_in6 pa = sin6_of(&peer6, PEER), a;
	socklen_t alen = sizeof(a);
	struct tcp_hdr h;
	struct ip6_hdr h6;
	struct tcp_pcb *pcb;
	int fd = us_socket(AF_INET6, SOCK_STREAM | US_SOCK_NONBLOCK, 0), v = 7;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(us_setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, sizeof(v)), 0);
	v = 0x20;
	assert_int_equal(us_setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof(v)), 0);
	v = 0;
	alen = sizeof(v);
	assert_int_equal(us_getsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, &alen), 0);
	assert_int_equal(v, 7);
	assert_int_equal(us_connect(fd, (struct sockaddr *)&pa, sizeof(pa)), -EINPROGRESS);
	assert_int_equal(pop_tcp(1, &h, &h6), 0);
	assert_int_equal(h.flags, TCP_SYN);
	assert_int_equal(h6.hlim, 7);
	assert_int_equal(h6.tclass, 0x20);
	assert_int_equal(h.opt.mss, 1440);
	seg(1, h.sport, TCP_SYN | TCP_ACK, PEER_ISN, h.seq + 1, NULL, 0);
	assert_int_equal(pop_tcp(1, &h, NULL), 0);
	assert_int_equal(h.flags, TCP_ACK);
	alen = sizeof(a);
	assert_int_equal(us_getpeername(fd, (struct sockaddr *)&a, &alen), 0);
	assert_memory_equal(a.sin6_addr.s6_addr, peer6.v6, 16);
	pcb = tcp_pcb_lookup_conn(&us6, h.sport, &peer6, PEER);
	assert_non_null(pcb);
	assert_int_equal(pcb->mss, 1220);
	abort_close(fd);
	test_dev_flush(tun);
}

/* A SYN to a port nobody listens on, over IPv6: RST,ACK back over IPv6. */
static void test_tcp6_rst_closed_port(void **state)
{
	struct tcp_hdr h;

	(void)state;
	seg(1, 9, TCP_SYN, PEER_ISN, 0, NULL, 0);
	assert_int_equal(pop_tcp(1, &h, NULL), 0);
	assert_int_equal(h.flags, TCP_RST | TCP_ACK);
	assert_int_equal(h.ack, PEER_ISN + 1);
	assert_int_equal(h.sport, 9);
	assert_int_equal(h.dport, PEER);
	assert_int_equal(test_dev_pending(tun), 0);
}

/* IPV6_V6ONLY off: the AF_INET6 listener on :: takes an IPv4 SYN, answers over IPv4, and
 * the accepted socket tells its ends as mapped addresses. On: the IPv4 SYN finds nobody. */
static void test_dual_stack_listener(void **state)
{
	struct sockaddr_in6 a;
	socklen_t alen = sizeof(a);
	struct tcp_hdr h;
	int l, c, v = -1;

	(void)state;
	l = listener6(0);
	alen = sizeof(v);
	assert_int_equal(us_getsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v, &alen), 0);
	assert_int_equal(v, 0);
	v = 1; /* bound already: too late, as Linux */
	assert_int_equal(us_setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)), -EINVAL);
	seg(0, PORT, TCP_SYN, PEER_ISN, 0, NULL, 0);
	assert_int_equal(pop_tcp(0, &h, NULL), 0);
	assert_int_equal(h.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(h.opt.mss, 1460); /* IPv4's header: 1500 - 20 - 20 */
	seg(0, PORT, TCP_ACK, PEER_ISN + 1, ISN + 1, NULL, 0);
	alen = sizeof(a);
	c = us_accept(l, (struct sockaddr *)&a, &alen);
	assert_true(c >= 0);
	assert_int_equal(alen, sizeof(a));
	assert_int_equal(a.sin6_family, AF_INET6);
	{
		struct sockaddr_in6 m = mapped_of(peer4, PEER);

		assert_memory_equal(a.sin6_addr.s6_addr, m.sin6_addr.s6_addr, 16);
		alen = sizeof(a);
		assert_int_equal(us_getsockname(c, (struct sockaddr *)&a, &alen), 0);
		m = mapped_of(us4, PORT);
		assert_memory_equal(a.sin6_addr.s6_addr, m.sin6_addr.s6_addr, 16);
		assert_int_equal(ntohs(a.sin6_port), PORT);
	}
	abort_close(c);
	test_dev_flush(tun);
	assert_int_equal(us_close(l), 0);

	/* V6ONLY: IPv4 gets a RST, IPv6 still the SYN,ACK */
	l = listener6(1);
	seg(0, PORT, TCP_SYN, PEER_ISN, 0, NULL, 0);
	assert_int_equal(pop_tcp(0, &h, NULL), 0);
	assert_int_equal(h.flags, TCP_RST | TCP_ACK);
	seg(1, PORT, TCP_SYN, PEER_ISN, 0, NULL, 0);
	assert_int_equal(pop_tcp(1, &h, NULL), 0);
	assert_int_equal(h.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(us_close(l), 0);
	test_dev_flush(tun);
}

/* Binding: an AF_INET socket refuses sockaddr_in6, an AF_INET6 one sockaddr_in and a
 * short sockaddr_in6; an address not ours is refused; :: and a v4 0.0.0.0 on one port
 * clash only while the AF_INET6 socket takes IPv4. */
static void test_bind_rules(void **state)
{
	struct sockaddr_in6 any6 = sin6_of(&(struct net_addr){ .family = AF_INET6 }, PORT);
	struct sockaddr_in6 other = sin6_of(&peer6, PORT), mine = sin6_of(&us6, 0);
	struct sockaddr_in any4 = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	socklen_t alen = sizeof(mine);
	int f4 = us_socket(AF_INET, SOCK_STREAM, 0), f6 = us_socket(AF_INET6, SOCK_STREAM, 0);
	int one = 1;

	(void)state;
	assert_int_equal(us_bind(f4, (struct sockaddr *)&any6, sizeof(any6)), -EAFNOSUPPORT);
	assert_int_equal(us_bind(f6, (struct sockaddr *)&any4, sizeof(any4)), -EAFNOSUPPORT);
	assert_int_equal(us_bind(f6, (struct sockaddr *)&any6, 20), -EINVAL);
	assert_int_equal(us_bind(f6, (struct sockaddr *)&other, sizeof(other)), -EADDRNOTAVAIL);
	assert_int_equal(us_socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMP), -EPROTONOSUPPORT);
	assert_int_equal(us_bind(f6, (struct sockaddr *)&any6, sizeof(any6)), 0);
	assert_int_equal(us_listen(f6, 1), 0);
	assert_int_equal(us_bind(f4, (struct sockaddr *)&any4, sizeof(any4)), -EADDRINUSE);
	assert_int_equal(us_close(f6), 0);
	f6 = us_socket(AF_INET6, SOCK_STREAM, 0);
	assert_int_equal(us_setsockopt(f6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), 0);
	assert_int_equal(us_bind(f6, (struct sockaddr *)&any6, sizeof(any6)), 0);
	assert_int_equal(us_bind(f4, (struct sockaddr *)&any4, sizeof(any4)), 0);
	assert_int_equal(us_close(f6), 0);
	/* a specific address, its port chosen */
	f6 = us_socket(AF_INET6, SOCK_STREAM, 0);
	assert_int_equal(us_bind(f6, (struct sockaddr *)&mine, sizeof(mine)), 0);
	assert_int_equal(us_getsockname(f6, (struct sockaddr *)&mine, &alen), 0);
	assert_int_equal(alen, sizeof(mine));
	assert_memory_equal(mine.sin6_addr.s6_addr, us6.v6, 16);
	assert_true(ntohs(mine.sin6_port) != 0);
	/* an unbound AF_INET6 socket reads as [::]:0 */
	assert_int_equal(us_close(f6), 0);
	f6 = us_socket(AF_INET6, SOCK_DGRAM, 0);
	alen = sizeof(mine);
	memset(&mine, 0xaa, sizeof(mine));
	assert_int_equal(us_getsockname(f6, (struct sockaddr *)&mine, &alen), 0);
	assert_int_equal(mine.sin6_family, AF_INET6);
	assert_int_equal(mine.sin6_port, 0);
	assert_true(IN6_IS_ADDR_UNSPECIFIED(&mine.sin6_addr));
	assert_int_equal(us_close(f6), 0);
	assert_int_equal(us_close(f4), 0);
}

/* A link-local peer: sin6_scope_id names the device (binding the socket to it, as
 * SO_BINDTODEVICE), and the addresses handed back carry it; a scope naming no device is
 * -ENODEV. */
static void test_linklocal_scope(void **state)
{
	struct net_addr ll_us = test_addr6("fe80::2"), ll_peer = test_addr6("fe80::1");
	struct sockaddr_in6 pa = sin6_of(&ll_peer, PEER), a;
	socklen_t alen = sizeof(a);
	struct ip6_hdr h6;
	struct tcp_hdr h;
	struct pkb *p;
	int fd = us_socket(AF_INET6, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	char name[16];
	socklen_t nl = sizeof(name);

	(void)state;
	assert_int_equal(ip6_addr_add(tun, &ll_us, 64, IP6_IFA_STATIC), 0);
	pa.sin6_scope_id = 99;
	assert_int_equal(us_connect(fd, (struct sockaddr *)&pa, sizeof(pa)), -ENODEV);
	pa.sin6_scope_id = (uint32_t)tun->index;
	assert_int_equal(us_connect(fd, (struct sockaddr *)&pa, sizeof(pa)), -EINPROGRESS);
	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, &nl), 0);
	assert_string_equal(name, "tun0");
	p = test_dev_pop(tun);
	assert_non_null(p);
	assert_int_equal(ip6_parse(p->data, p->len, &h6), 0);
	assert_true(net_addr_eq(&h6.src, &ll_us)); /* link-local to link-local */
	assert_true(net_addr_eq(&h6.dst, &ll_peer));
	assert_int_equal(tcp_parse(p->data + IP6_HDR_LEN, h6.plen, &ll_us, &ll_peer, &h), 0);
	assert_int_equal(h.flags, TCP_SYN);
	pkb_free(p);
	assert_int_equal(us_getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	assert_memory_equal(a.sin6_addr.s6_addr, ll_us.v6, 16);
	assert_int_equal(a.sin6_scope_id, (uint32_t)tun->index);
	abort_close(fd);
	test_dev_flush(tun);
}

/* UDP over IPv6 both ways; a zero checksum dropped and counted; a closed port answered
 * with ICMPv6 port unreachable; a mapped destination leaves over IPv4 (and is refused
 * with V6ONLY). */
static void test_udp6(void **state)
{
	struct sockaddr_in6 any = sin6_of(&(struct net_addr){ .family = AF_INET6 }, 5353);
	struct sockaddr_in6 to = sin6_of(&peer6, PEER), from, m = mapped_of(peer4, PEER);
	struct net_addr s4 = net_addr_v4(us4), d4 = net_addr_v4(peer4);
	socklen_t flen = sizeof(from);
	struct udp_hdr uh = { .src_port = PEER, .dst_port = 5353 };
	struct ip6_hdr h6;
	struct pkb *p;
	uint8_t b[64];
	char buf[16];
	int fd = us_socket(AF_INET6, SOCK_DGRAM | US_SOCK_NONBLOCK, 0), one = 1;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(us_bind(fd, (struct sockaddr *)&any, sizeof(any)), 0);
	memcpy(b + UDP_HDR_LEN, "ping", 4);
	assert_int_equal(udp_emit(&uh, b, sizeof(b), 4, &peer6, &us6), UDP_HDR_LEN);
	inject6(IP6_NH_UDP, b, UDP_HDR_LEN + 4);
	assert_int_equal(us_recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen),
			 4);
	assert_memory_equal(buf, "ping", 4);
	assert_int_equal(flen, sizeof(from));
	assert_int_equal(from.sin6_family, AF_INET6);
	assert_memory_equal(from.sin6_addr.s6_addr, peer6.v6, 16);
	assert_int_equal(ntohs(from.sin6_port), PEER);
	/* the same with a zero checksum: dropped */
	wr16(b + 6, 0);
	inject6(IP6_NH_UDP, b, UDP_HDR_LEN + 4);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), -EAGAIN);
	assert_int_equal(udp_stats.in_zero_cksum, 1);
	/* ours to it, checksummed over the IPv6 pseudo-header */
	assert_int_equal(us_sendto(fd, "pong", 4, 0, (struct sockaddr *)&to, sizeof(to)), 4);
	p = pop_pkt(&h6, 6);
	assert_int_equal(h6.next, IP6_NH_UDP);
	assert_int_equal(udp_parse(p->data, p->len, &us6, &peer6, &uh), 0);
	assert_true(uh.cksum != 0);
	assert_int_equal(uh.src_port, 5353);
	assert_memory_equal(p->data + UDP_HDR_LEN, "pong", 4);
	pkb_free(p);
	/* to a mapped address: IPv4 */
	assert_int_equal(us_sendto(fd, "v4", 2, 0, (struct sockaddr *)&m, sizeof(m)), 2);
	p = pop_pkt(&h6, 4);
	assert_int_equal(udp_parse(p->data, p->len, &s4, &d4, &uh), 0);
	pkb_free(p);
	/* an IPv4 datagram to the port: the socket on :: takes it, mapped */
	uh = (struct udp_hdr){ .src_port = PEER, .dst_port = 5353 };
	assert_int_equal(udp_emit(&uh, b, sizeof(b), 4, &d4, &s4), UDP_HDR_LEN);
	inject4(IP_PROTO_UDP, b, UDP_HDR_LEN + 4);
	flen = sizeof(from);
	assert_int_equal(us_recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen),
			 4);
	assert_memory_equal(from.sin6_addr.s6_addr, m.sin6_addr.s6_addr, 16);
	assert_int_equal(us_close(fd), 0);
	/* V6ONLY: a mapped destination is unreachable */
	fd = us_socket(AF_INET6, SOCK_DGRAM, 0);
	assert_int_equal(us_setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), 0);
	assert_int_equal(us_sendto(fd, "v4", 2, 0, (struct sockaddr *)&m, sizeof(m)),
			 -ENETUNREACH);
	assert_int_equal(us_close(fd), 0);
	/* a closed port: ICMPv6 destination unreachable, code 4 */
	uh = (struct udp_hdr){ .src_port = PEER, .dst_port = 9 };
	assert_int_equal(udp_emit(&uh, b, sizeof(b), 4, &peer6, &us6), UDP_HDR_LEN);
	inject6(IP6_NH_UDP, b, UDP_HDR_LEN + 4);
	p = pop_pkt(&h6, 6);
	assert_int_equal(h6.next, IP6_NH_ICMPV6);
	assert_int_equal(p->data[0], ICMP6_DST_UNREACH);
	assert_int_equal(p->data[1], ICMP6_UNREACH_PORT);
	pkb_free(p);
	assert_int_equal(udp_stats.no_port, 1);
}

/* The ICMPv6 echo socket: the request leaves with our identifier and a checksum over the
 * pseudo-header, the peer's reply (its hop limit too) comes back through recvfrom, a reply
 * for another identifier is nobody's; an IPv4 socket refuses IPPROTO_ICMPV6. */
static void test_icmp6_echo_socket(void **state)
{
	struct sockaddr_in6 to = sin6_of(&peer6, 0), from;
	socklen_t flen = sizeof(from), ol;
	uint8_t req[16] = { ICMP6_ECHO_REQUEST, 0, 0, 0, 0, 0, 0, 7, 'p', 'i', 'n', 'g' };
	uint8_t buf[64], rep[16];
	struct icmp6_hdr ih;
	struct ip6_hdr h6;
	struct pkb *p;
	uint16_t id, sum;
	int fd = us_socket(AF_INET6, SOCK_DGRAM | US_SOCK_NONBLOCK, IPPROTO_ICMPV6), hl = 0;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(us_socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMPV6), -EPROTONOSUPPORT);
	req[0] = 8; /* not an echo request */
	assert_int_equal(us_sendto(fd, req, 12, 0, (struct sockaddr *)&to, sizeof(to)), -EINVAL);
	req[0] = ICMP6_ECHO_REQUEST;
	assert_int_equal(us_sendto(fd, req, 12, 0, (struct sockaddr *)&to, sizeof(to)), 12);
	p = pop_pkt(&h6, 6);
	assert_int_equal(h6.next, IP6_NH_ICMPV6);
	assert_int_equal(icmp6_parse(p->data, p->len, &us6, &peer6, &ih), 0);
	assert_int_equal(ih.type, ICMP6_ECHO_REQUEST);
	id = (uint16_t)(p->data[4] << 8 | p->data[5]);
	assert_true(id != 0);
	assert_memory_equal(p->data + 6, req + 6, 6);
	memcpy(rep, p->data, 12);
	pkb_free(p);
	/* the peer's reply */
	rep[0] = ICMP6_ECHO_REPLY;
	rep[2] = rep[3] = 0;
	sum = icmp6_cksum(&peer6, &us6, rep, 12);
	rep[2] = (uint8_t)(sum >> 8);
	rep[3] = (uint8_t)sum;
	inject6(IP6_NH_ICMPV6, rep, 12);
	assert_int_equal(us_recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 12);
	assert_memory_equal(buf, rep, 12);
	assert_memory_equal(from.sin6_addr.s6_addr, peer6.v6, 16);
	ol = sizeof(hl);
	assert_int_equal(us_getsockopt(fd, IPPROTO_IP, ICMP_SOCK_LAST_TTL, &hl, &ol), 0);
	assert_int_equal(hl, 64);
	/* another identifier: nobody's */
	rep[4] ^= 0xff;
	rep[2] = rep[3] = 0;
	sum = icmp6_cksum(&peer6, &us6, rep, 12);
	rep[2] = (uint8_t)(sum >> 8);
	rep[3] = (uint8_t)sum;
	inject6(IP6_NH_ICMPV6, rep, 12);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), -EAGAIN);
	assert_int_equal(icmp6sock_stats.in_no_socket, 1);
	assert_int_equal(icmp6sock_stats.in_replies, 1);
	assert_int_equal(us_close(fd), 0);
}

/* An echo reply from `src` to us, for identifier id, sequence 7, with 4 bytes of data. */
static void inject_echo6_reply(const struct net_addr *src, uint16_t id)
{
	uint8_t rep[12] = { ICMP6_ECHO_REPLY, 0, 0, 0, (uint8_t)(id >> 8), (uint8_t)id, 0, 7,
			    'p', 'o', 'n', 'g' };
	struct net_addr saved = peer6;
	uint16_t sum = icmp6_cksum(src, &us6, rep, sizeof(rep));

	rep[2] = (uint8_t)(sum >> 8);
	rep[3] = (uint8_t)sum;
	peer6 = *src;
	inject6(IP6_NH_ICMPV6, rep, sizeof(rep));
	peer6 = saved;
}

/* A connected ICMPv6 echo socket (connect was refused with EOPNOTSUPP, and FIONREAD with
 * ENOTTY, where IPv4's took both): connect picks the identifier, send needs no address,
 * a reply from another node is nobody's while connected, FIONREAD gives the next reply's
 * length, and AF_UNSPEC dissolves the association. */
static void test_icmp6_echo_connect(void **state)
{
	struct sockaddr_in6 to = sin6_of(&peer6, 0), name;
	struct sockaddr_in6 far = to;
	struct net_addr other = test_addr6("2001:db8::3");
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	uint8_t req[12] = { ICMP6_ECHO_REQUEST, 0, 0, 0, 0, 0, 0, 7, 'p', 'i', 'n', 'g' };
	uint8_t buf[64];
	struct ip6_hdr h6;
	struct pkb *p;
	uint16_t id;
	int fd = us_socket(AF_INET6, SOCK_DGRAM | US_SOCK_NONBLOCK, IPPROTO_ICMPV6), n = -1;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(us_send(fd, req, sizeof(req), 0), -EDESTADDRREQ);
	far.sin6_addr.s6_addr[0] = 0x3f; /* 3f00::/8: no route */
	assert_int_equal(us_connect(fd, (struct sockaddr *)&far, sizeof(far)), -ENETUNREACH);
	assert_int_equal(us_connect(fd, (struct sockaddr *)&to, sizeof(to)), 0);
	assert_int_equal(us_getsockname(fd,
					(struct sockaddr *)&name, &(socklen_t){ sizeof(name) }), 0);
	id = ntohs(name.sin6_port);
	assert_true(id != 0);
	assert_int_equal(us_send(fd, req, sizeof(req), 0), (ssize_t)sizeof(req));
	p = pop_pkt(&h6, 6);
	assert_memory_equal(h6.dst.v6, peer6.v6, 16);
	assert_int_equal(p->data[4] << 8 | p->data[5], id);
	pkb_free(p);
	inject_echo6_reply(&other, id);
	assert_int_equal(icmp6sock_stats.in_no_socket, 1);
	assert_int_equal(us_ioctl(fd, FIONREAD, &n), 0);
	assert_int_equal(n, 0);
	inject_echo6_reply(&peer6, id);
	assert_int_equal(us_ioctl(fd, FIONREAD, &n), 0);
	assert_int_equal(n, 12);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), 12);
	assert_memory_equal(buf + 8, "pong", 4);
	/* dissolved: any node's reply is taken again */
	assert_int_equal(us_connect(fd, &unspec, sizeof(unspec)), 0);
	assert_int_equal(us_send(fd, req, sizeof(req), 0), -EDESTADDRREQ);
	inject_echo6_reply(&other, id);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), 12);
	assert_int_equal(icmp6sock_stats.in_replies, 2);
	assert_int_equal(us_close(fd), 0);
}

/* TCP segments Linux sent over IPv6 (curl -6 against a kernel server in another
 * namespace): every one's checksum verifies over the IPv6 pseudo-header, and one byte
 * changed breaks it. */
static void test_linux_capture_cksum(void **state)
{
	uint8_t b[2048];
	int checked = 0;

	(void)state;
	for (int i = 0; i < 64; i++) {
		long n = test_pcap_frame(PCAP, i, b, sizeof(b));
		struct ip6_hdr h6;
		struct tcp_hdr h;
		const uint8_t *ip = b + ETHER_HDR_LEN;

		if (n <= 0)
			break;
		if (rd16(b + 12) != ETHER_TYPE_IPV6 ||
		    ip6_parse(ip, (size_t)n - ETHER_HDR_LEN, &h6) != 0 || h6.next != IP6_NH_TCP)
			continue;
		assert_int_equal(tcp_parse(ip + IP6_HDR_LEN, h6.plen, &h6.src, &h6.dst, &h), 0);
		b[ETHER_HDR_LEN + IP6_HDR_LEN + 4] ^= 1; /* the sequence number */
		assert_int_not_equal(tcp_parse(ip + IP6_HDR_LEN, h6.plen, &h6.src, &h6.dst, &h),
				     0);
		checked++;
	}
	assert_true(checked >= 6); /* the handshake, the request, the reply, the close */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tcp6_passive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp6_active_default_mss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp6_rst_closed_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dual_stack_listener, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_linklocal_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_icmp6_echo_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_icmp6_echo_connect, setup, teardown),
		cmocka_unit_test(test_linux_capture_cksum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
