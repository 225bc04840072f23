/* SPDX-License-Identifier: MIT */
/* ICMPv6 errors handed to the protocol they quote (RFC 4443 3, ip6/icmp6_err.c), through
 * the real layers: a TUN-like test device holds 2001:db8::2/64 (us), the peer is
 * 2001:db8::1 and a router on the link 2001:db8::fe sends the errors, each quoting a packet
 * we really sent (popped from the device). Covered: port unreachable and parameter
 * problem (unrecognised next header) ending a connection attempt with ECONNREFUSED, time
 * exceeded and an unreachable once established left soft (RFC 1122 4.2.3.9); packet too
 * big lowering the path MTU and the connection's MSS, the data resent at the smaller size
 * unfragmented (RFC 8201, RFC 5927 4.1's sequence check refusing an out-of-window quote);
 * a quote behind a hop-by-hop header; truncated, foreign and unusable quotes counted and
 * dropped; a connected UDP socket's ECONNREFUSED; the echo socket's queued error. */
#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <string.h>

#include "ip6/icmp6.h"
#include "ip6/icmp6_sock.h"
#include "ip6/ip6.h"
#include "net/byteorder.h"
#include "net/loop.h"
#include "net/socket.h"
#include "tcp/tcp_var.h"
#include "udp/udp.h"
#include "test/unit/test_app.h" /* last: it wraps the calls that take the lock */

#define T0 1000000ull
#define ISN 1000u
#define PEER_ISN 5000u
#define PEER 40000

static struct net_device *tun;
static struct net_addr us6, peer6, router6;

static int setup(void **state)
{
	(void)state;
	tun = test_ip6_setup(0, "2001:db8::2", T0);
	us6 = test_addr6("2001:db8::2");
	peer6 = test_addr6("2001:db8::1");
	router6 = test_addr6("2001:db8::fe");
	assert_int_equal(tcp_init(), 0);
	assert_int_equal(udp_init(), 0);
	assert_int_equal(icmp6_sock_init(), 0);
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
	tcp_config_defaults(&tcp_config);
	test_ip6_teardown();
	return 0;
}

static void inject6(const struct net_addr *src, uint8_t next, const uint8_t *pl, size_t len)
{
	struct ip6_hdr h = { .plen = (uint16_t)len, .next = next, .hlim = 64 };
	uint8_t b[2048];

	h.src = *src;
	h.dst = us6;
	assert_int_equal(ip6_emit(&h, b, sizeof(b)), IP6_HDR_LEN);
	memcpy(b + IP6_HDR_LEN, pl, len);
	net_device_input(tun, pkb_from_bytes(b, IP6_HDR_LEN + len), net_clock_ms());
}

/* An ICMPv6 error from the router quoting q (qlen bytes: what we sent, cut as the sender
 * pleases). */
static void err6(uint8_t type, uint8_t code, uint32_t word, const uint8_t *q, size_t qlen)
{
	uint8_t m[ICMP6_HDR_LEN + ICMP6_ERR_QUOTE_MAX];

	assert_true(qlen <= ICMP6_ERR_QUOTE_MAX);
	memset(m, 0, ICMP6_HDR_LEN);
	m[0] = type;
	m[1] = code;
	wr32(m + 4, word);
	memcpy(m + ICMP6_HDR_LEN, q, qlen);
	wr16(m + 2, icmp6_cksum(&router6, &us6, m, ICMP6_HDR_LEN + qlen));
	inject6(&router6, IP6_NH_ICMPV6, m, ICMP6_HDR_LEN + qlen);
}

/* A TCP segment from the peer, with an MSS option when mss is set. */
static void seg(uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t mss)
{
	struct tcp_hdr h = { .sport = PEER, .dport = dport, .seq = seq, .ack = ack,
			     .flags = flags, .wnd = 65535 };
	uint8_t b[128];
	size_t hl;

	if (mss) {
		h.opt.has_mss = 1;
		h.opt.mss = mss;
	}
	hl = tcp_hdr_len(&h);
	assert_int_equal(tcp_emit(&h, b, sizeof(b), 0, &peer6, &us6), hl);
	inject6(&peer6, IP6_NH_TCP, b, hl);
}

/* Our next packet, whole (its IPv6 header first) into b; returns its length. */
static size_t pop_raw(uint8_t *b, size_t cap)
{
	struct pkb *p = test_dev_pop(tun);
	size_t n;

	if (!p)
		fail_msg("expected a packet, none was sent");
	assert_int_equal(p->data[0] >> 4, 6);
	n = p->len;
	assert_true(n <= cap);
	memcpy(b, p->data, n);
	pkb_free(p);
	return n;
}

/* The TCP header of our packet b (checksum checked); returns the payload length. */
static size_t tcp_of(const uint8_t *b, size_t n, struct tcp_hdr *h)
{
	struct ip6_hdr h6;

	assert_int_equal(ip6_parse(b, n, &h6), 0);
	assert_int_equal(h6.next, IP6_NH_TCP);
	assert_int_equal(tcp_parse(b + IP6_HDR_LEN, n - IP6_HDR_LEN, &us6, &peer6, h), 0);
	return n - IP6_HDR_LEN - h->hlen;
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

static int so_error(int fd)
{
	int e = 0;
	socklen_t l = sizeof(e);

	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l), 0);
	return e;
}

/* A non-blocking connect to the peer; its SYN into syn (whole packet). */
static int connect6(uint8_t *syn, size_t *synlen)
{
	struct sockaddr_in6 pa = sin6_of(&peer6, PEER);
	int fd = us_socket(AF_INET6, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	struct tcp_hdr h;

	assert_true(fd >= 0);
	assert_int_equal(us_connect(fd, (struct sockaddr *)&pa, sizeof(pa)), -EINPROGRESS);
	*synlen = pop_raw(syn, 128);
	assert_int_equal(tcp_of(syn, *synlen, &h), 0);
	assert_int_equal(h.flags, TCP_SYN);
	return fd;
}

/* ---- tests ---- */

/* RFC 1122 4.2.3.9 and RFC 4443 3.1: a port unreachable quoting our SYN ends the attempt
 * with ECONNREFUSED; so does a parameter problem naming our next header unknown (IPv6's
 * protocol unreachable); time exceeded is soft. */
static void test_syn_sent_hard_and_soft(void **state)
{
	uint8_t syn[128];
	size_t n;
	int fd;

	(void)state;
	fd = connect6(syn, &n);
	err6(ICMP6_TIME_EXCEEDED, ICMP6_TIMEX_HOPLIMIT, 0, syn, n);
	assert_int_equal(tcp_pcb_count(), 1);
	assert_int_equal(so_error(fd), 0);
	assert_int_equal(tcp_stats.icmp_errors, 1);
	err6(ICMP6_DST_UNREACH, ICMP6_UNREACH_PORT, 0, syn, n);
	assert_int_equal(so_error(fd), ECONNREFUSED);
	assert_int_equal(icmp6_stats.in_errors_received, 2);
	assert_int_equal(icmp6_stats.in_errors_delivered, 2);
	assert_int_equal(us_close(fd), 0);

	fd = connect6(syn, &n);
	err6(ICMP6_PARAM_PROB, ICMP6_PARAMPROB_NEXTHDR, 6, syn, n);
	assert_int_equal(so_error(fd), ECONNREFUSED);
	assert_int_equal(us_close(fd), 0);

	/* no route: ENETUNREACH; address unreachable: EHOSTUNREACH */
	fd = connect6(syn, &n);
	err6(ICMP6_DST_UNREACH, ICMP6_UNREACH_NOROUTE, 0, syn, n);
	assert_int_equal(so_error(fd), ENETUNREACH);
	assert_int_equal(us_close(fd), 0);
	fd = connect6(syn, &n);
	err6(ICMP6_DST_UNREACH, ICMP6_UNREACH_ADDR, 0, syn, n);
	assert_int_equal(so_error(fd), EHOSTUNREACH);
	assert_int_equal(us_close(fd), 0);
}

/* A quote behind a hop-by-hop header (as a router may keep what it quoted) is walked to
 * the TCP header and still ends the attempt. */
static void test_quote_behind_ext_header(void **state)
{
	uint8_t syn[128], q[160];
	size_t n;
	int fd;

	(void)state;
	fd = connect6(syn, &n);
	memcpy(q, syn, IP6_HDR_LEN);
	q[6] = IP6_NH_HOPOPTS;
	memset(q + IP6_HDR_LEN, 0, 8);
	q[IP6_HDR_LEN] = IP6_NH_TCP; /* next header; length 0: 8 bytes; PadN fills them */
	q[IP6_HDR_LEN + 2] = 1;
	q[IP6_HDR_LEN + 3] = 4;
	memcpy(q + IP6_HDR_LEN + 8, syn + IP6_HDR_LEN, n - IP6_HDR_LEN);
	err6(ICMP6_DST_UNREACH, ICMP6_UNREACH_PORT, 0, q, n + 8);
	assert_int_equal(so_error(fd), ECONNREFUSED);
	assert_int_equal(us_close(fd), 0);
}

/* Quotes that cannot be used, each counted and dropped, the connection attempt untouched:
 * shorter than an IPv6 header, a source none of ours, the TCP header cut under 8 bytes,
 * an extension header running past the quote, a later fragment, a protocol that takes no
 * errors; then RFC 5927 4.1: a sequence number not in flight. */
static void test_unusable_quotes(void **state)
{
	uint8_t syn[128], q[160];
	size_t n;
	int fd;

	(void)state;
	fd = connect6(syn, &n);
	err6(ICMP6_DST_UNREACH, ICMP6_UNREACH_PORT, 0, syn, 39);
	assert_int_equal(icmp6_stats.in_err_bad_quote, 1);
	/* not our source */
	memcpy(q, syn, n);
	memcpy(q + 8, peer6.v6, 16);
	err6(ICMP6_DST_UNREACH, ICMP6_UNREACH_PORT, 0, q, n);
	assert_int_equal(icmp6_stats.in_err_not_ours, 1);
	/* 4 bytes of TCP: the ports, no sequence number */
	err6(ICMP6_DST_UNREACH, ICMP6_UNREACH_PORT, 0, syn, IP6_HDR_LEN + 4);
	assert_int_equal(icmp6_stats.in_err_bad_quote, 2);
	/* a destination options header claiming 64 bytes */
	memcpy(q, syn, IP6_HDR_LEN);
	q[6] = IP6_NH_DSTOPTS;
	memset(q + IP6_HDR_LEN, 0, 16);
	q[IP6_HDR_LEN] = IP6_NH_TCP;
	q[IP6_HDR_LEN + 1] = 7;
	err6(ICMP6_DST_UNREACH, ICMP6_UNREACH_PORT, 0, q, IP6_HDR_LEN + 16);
	assert_int_equal(icmp6_stats.in_err_bad_quote, 3);
	/* a fragment at offset 8: no TCP header in it */
	memcpy(q, syn, IP6_HDR_LEN);
	q[6] = IP6_NH_FRAGMENT;
	memset(q + IP6_HDR_LEN, 0, 8);
	q[IP6_HDR_LEN] = IP6_NH_TCP;
	q[IP6_HDR_LEN + 3] = 8;
	memcpy(q + IP6_HDR_LEN + 8, syn + IP6_HDR_LEN, 20);
	err6(ICMP6_DST_UNREACH, ICMP6_UNREACH_PORT, 0, q, IP6_HDR_LEN + 28);
	assert_int_equal(icmp6_stats.in_err_bad_quote, 4);
	/* our SYN said to be something else (no transport 99): nobody's */
	memcpy(q, syn, n);
	q[6] = 99;
	err6(ICMP6_DST_UNREACH, ICMP6_UNREACH_PORT, 0, q, n);
	assert_int_equal(icmp6_stats.in_err_no_handler, 1);
	/* a sequence number not in flight */
	memcpy(q, syn, n);
	wr32(q + IP6_HDR_LEN + 4, ISN + 100);
	err6(ICMP6_DST_UNREACH, ICMP6_UNREACH_PORT, 0, q, n);
	assert_int_equal(icmp6_stats.in_errors_delivered, 1);
	assert_int_equal(tcp_stats.icmp_errors, 0);
	assert_int_equal(tcp_pcb_count(), 1);
	assert_int_equal(so_error(fd), 0);
	assert_int_equal(icmp6_stats.in_errors_received, 7);
	test_dev_flush(tun);
	assert_int_equal(us_close(fd), 0);
}

/* RFC 8201 and RFC 5927: a packet too big quoting a full-size segment lowers the path
 * MTU and the MSS to 1280 - 40 - 20, and what is in flight goes again in pieces that fit
 * without fragments; one quoting a sequence number not in flight changes no MSS, one
 * under 1280 is refused. An unreachable once established is soft. */
static void test_ptb_lowers_mss(void **state)
{
	static uint8_t data[4000];
	uint8_t syn[128], b[1600], first[1600];
	struct tcp_pcb *pcb;
	struct tcp_hdr h;
	size_t n, firstlen, len, sent = 0;
	int fd;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	fd = connect6(syn, &n);
	seg(rd16(syn + IP6_HDR_LEN), TCP_SYN | TCP_ACK, PEER_ISN, ISN + 1, 1440);
	n = pop_raw(b, sizeof(b));
	assert_int_equal(tcp_of(b, n, &h), 0);
	pcb = tcp_pcb_lookup_conn(&us6, h.sport, &peer6, PEER);
	assert_non_null(pcb);
	assert_int_equal(pcb->mss, 1440);
	assert_int_equal(us_send(fd, data, sizeof(data), 0), (ssize_t)sizeof(data));
	firstlen = pop_raw(first, sizeof(first));
	assert_int_equal(firstlen, 1500);
	assert_int_equal(tcp_of(first, firstlen, &h), 1440);
	assert_int_equal(h.seq, ISN + 1);
	test_dev_flush(tun);

	/* out of window: the path MTU heeds it (ICMPv6 knows no sequence numbers), TCP not */
	memcpy(b, first, ICMP6_ERR_QUOTE_MAX);
	wr32(b + IP6_HDR_LEN + 4, ISN + 100000);
	err6(ICMP6_PKT_TOO_BIG, 0, 1400, b, ICMP6_ERR_QUOTE_MAX);
	assert_int_equal(pcb->mss, 1440);
	assert_int_equal(tcp_stats.pmtu_lowered, 0);
	assert_int_equal(test_dev_pending(tun), 0);
	/* under the minimum: refused before anyone hears it */
	err6(ICMP6_PKT_TOO_BIG, 0, 1000, first, ICMP6_ERR_QUOTE_MAX);
	assert_int_equal(ip6_stats.pmtu_ptb_below_min, 1);
	assert_int_equal(pcb->mss, 1440);

	/* the real one: MSS 1220, the first segment again at that size */
	err6(ICMP6_PKT_TOO_BIG, 0, 1280, first, ICMP6_ERR_QUOTE_MAX);
	assert_int_equal(ip6_pmtu_get(&peer6, net_clock_ms()), 1280);
	assert_int_equal(pcb->mss, 1220);
	assert_int_equal(tcp_stats.pmtu_lowered, 1);
	assert_int_equal(tcp_stats.icmp_errors, 1);
	assert_int_equal(icmp6_stats.in_errors_delivered, 2);
	while (test_dev_pending(tun)) {
		n = pop_raw(b, sizeof(b));
		assert_true(n <= 1280);
		len = tcp_of(b, n, &h); /* a TCP header right after IPv6's: no fragment */
		assert_true(len <= 1220);
		if (h.seq == ISN + 1 + sent)
			sent += len;
	}
	assert_true(sent >= 1220);
	/* an unreachable now: soft, the connection stays */
	err6(ICMP6_DST_UNREACH, ICMP6_UNREACH_PORT, 0, first, ICMP6_ERR_QUOTE_MAX);
	assert_int_equal(pcb->state, TCP_ESTABLISHED);
	assert_int_equal(so_error(fd), 0);
	test_dev_flush(tun);
	assert_int_equal(us_close(fd), 0);
	test_dev_flush(tun);
}

/* RFC 1122 4.1.3.3: a connected UDP socket hears port unreachable as ECONNREFUSED (on its
 * next call, as Linux); an unconnected one does not. */
static void test_udp_connected_refused(void **state)
{
	struct sockaddr_in6 pa = sin6_of(&peer6, 9);
	uint8_t b[256];
	char buf[8];
	size_t n;
	int fd = us_socket(AF_INET6, SOCK_DGRAM | US_SOCK_NONBLOCK, 0);
	int u = us_socket(AF_INET6, SOCK_DGRAM | US_SOCK_NONBLOCK, 0);

	(void)state;
	assert_int_equal(us_connect(fd, (struct sockaddr *)&pa, sizeof(pa)), 0);
	assert_int_equal(us_send(fd, "x", 1, 0), 1);
	n = pop_raw(b, sizeof(b));
	err6(ICMP6_DST_UNREACH, ICMP6_UNREACH_PORT, 0, b, n);
	assert_int_equal(udp_stats.in_icmp_errors, 1);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), -ECONNREFUSED);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), -EAGAIN);
	/* unconnected */
	assert_int_equal(us_sendto(u, "y", 1, 0, (struct sockaddr *)&pa, sizeof(pa)), 1);
	n = pop_raw(b, sizeof(b));
	err6(ICMP6_DST_UNREACH, ICMP6_UNREACH_PORT, 0, b, n);
	assert_int_equal(udp_stats.in_icmp_ignored, 1);
	assert_int_equal(us_recv(u, buf, sizeof(buf), 0), -EAGAIN);
	assert_int_equal(us_close(fd), 0);
	assert_int_equal(us_close(u), 0);
}

/* The echo socket queues an error about its request, whole, from the router, once it
 * asked for errors; before that the error is ignored and counted. */
static void test_echo_socket_error(void **state)
{
	struct sockaddr_in6 to = sin6_of(&peer6, 0), from;
	socklen_t flen = sizeof(from);
	uint8_t req[16] = { ICMP6_ECHO_REQUEST, 0, 0, 0, 0, 0, 0, 3, 'p', 'i', 'n', 'g' };
	uint8_t b[256], buf[256];
	size_t n;
	int fd = us_socket(AF_INET6, SOCK_DGRAM | US_SOCK_NONBLOCK, IPPROTO_ICMPV6), one = 1;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(us_sendto(fd, req, 12, 0, (struct sockaddr *)&to, sizeof(to)), 12);
	n = pop_raw(b, sizeof(b));
	err6(ICMP6_DST_UNREACH, ICMP6_UNREACH_ADDR, 0, b, n);
	assert_int_equal(icmp6sock_stats.in_errors_ignored, 1);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), -EAGAIN);
	assert_int_equal(us_setsockopt(fd, IPPROTO_IP, ICMP6_SOCK_RECV_ERRORS, &one, sizeof(one)),
			 0);
	err6(ICMP6_DST_UNREACH, ICMP6_UNREACH_ADDR, 0, b, n);
	assert_int_equal(us_recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen),
			 (ssize_t)(ICMP6_HDR_LEN + n));
	assert_int_equal(buf[0], ICMP6_DST_UNREACH);
	assert_int_equal(buf[1], ICMP6_UNREACH_ADDR);
	assert_memory_equal(buf + ICMP6_HDR_LEN, b, n);
	assert_memory_equal(from.sin6_addr.s6_addr, router6.v6, 16);
	assert_int_equal(icmp6sock_stats.in_errors, 1);
	assert_int_equal(us_close(fd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_syn_sent_hard_and_soft, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quote_behind_ext_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unusable_quotes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ptb_lowers_mss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_connected_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_echo_socket_error, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
