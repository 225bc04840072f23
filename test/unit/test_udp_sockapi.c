/* SPDX-License-Identifier: MIT */
/* The socket API's datagram side: us_recvmsg (sender in msg_name, MSG_TRUNC in msg_flags,
 * MSG_PEEK, the MSG_TRUNC flag), us_sendmsg (gathered into one datagram, msg_name as the
 * destination), MSG_DONTWAIT, FIONREAD as the next datagram's length, IP_TTL / IP_TOS /
 * IP_MTU_DISCOVER in the emitted header, and SO_BINDTODEVICE over two devices (sending,
 * broadcast included, and receiving). A TUN-like device tun0 (192.0.2.2/24, the peer
 * 192.0.2.1) and tun1 (198.51.100.2/24). */
#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/sockios.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ip/icmp.h"
#include "ip/ip.h"
#include "net/loop.h"
#include "net/socket.h"
#include "udp/udp.h"
#include "test/unit/test_app.h" /* last: it wraps the calls that take the lock */

#define T0 5000000ull

static struct net_device *tun, *tun1;

static int setup(void **state)
{
	(void)state;
	net_clock_set_fake(1, T0);
	tun = test_ip_setup(1);
	tun1 = test_dev_create("tun1", NET_DEV_IP, 1500);
	assert_int_equal(ip_iface_add(tun1, test_addr("198.51.100.2"),
				      test_addr("255.255.255.0"), 0), 0);
	assert_int_equal(udp_init(), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sock_close_all();
	test_dev_flush(tun);
	test_dev_flush(tun1);
	net_clock_set_fake(0, 0);
	test_ip_teardown();
	return 0;
}

static struct sockaddr_in saddr(const char *addr, uint16_t port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(port) };

	s.sin_addr.s_addr = test_addr(addr);
	return s;
}

/* An IP/UDP datagram src:sport -> dst:dport arriving on dev. */
static void inject_udp(struct net_device *dev, const char *src, uint16_t sport, const char *dst,
		       uint16_t dport, const void *payload, size_t plen)
{
	struct ip_hdr ih = { .version = 4, .ihl = 20, .total_len = (uint16_t)(28 + plen),
			     .id = 77, .ttl = 64, .proto = IP_PROTO_UDP };
	struct udp_hdr uh = { .src_port = sport, .dst_port = dport };
	uint8_t b[2048];

	assert_true(sizeof(b) >= 28 + plen);
	ih.src = test_addr(src);
	ih.dst = test_addr(dst);
	assert_int_equal(ip_emit(&ih, b, sizeof(b)), 20);
	memcpy(b + 28, payload, plen);
	assert_int_equal(udp_emit(&uh, b + 20, sizeof(b) - 20, plen, NA4(ih.src), NA4(ih.dst)), 8);
	net_device_input(dev, pkb_from_bytes(b, 28 + plen), T0);
}

/* The next packet dev sent: its IP header, and (if not NULL) its UDP payload. Returns the
 * payload length. */
static size_t pop_udp(struct net_device *dev, struct ip_hdr *ih, uint16_t *dport, void *payload)
{
	struct pkb *p = test_dev_pop(dev);
	size_t n;

	assert_non_null(p);
	assert_int_equal(ip_parse(p->data, p->len, ih), 0);
	assert_int_equal(ih->proto, IP_PROTO_UDP);
	ih->options = NULL;
	n = ih->total_len - ih->ihl - 8;
	if (dport)
		*dport = (uint16_t)(p->data[ih->ihl + 2] << 8 | p->data[ih->ihl + 3]);
	if (payload && !(ih->frag & (IP_FLAG_MF | IP_OFFSET_MASK)))
		memcpy(payload, p->data + ih->ihl + 8, n);
	pkb_free(p);
	return n;
}

static int bound_socket(uint16_t port)
{
	struct sockaddr_in any = saddr("0.0.0.0", port);
	int fd = us_socket(AF_INET, SOCK_DGRAM | US_SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	assert_int_equal(us_bind(fd, (const struct sockaddr *)&any, sizeof(any)), 0);
	return fd;
}

static int ioctl_int(int fd, unsigned long req)
{
	int v = -1;

	assert_int_equal(us_ioctl(fd, req, &v), 0);
	return v;
}

/* us_recvmsg scatters a datagram, names its sender, and says MSG_TRUNC when the buffers
 * were too small (the rest is lost unless MSG_PEEK kept it); the MSG_TRUNC flag returns
 * the real length. FIONREAD is the next datagram's length, as Linux. */
static void test_recvmsg_name_trunc_peek(void **state)
{
	char a[4], b[2], big[32];
	struct iovec iov[] = { { a, sizeof(a) }, { b, sizeof(b) } };
	struct sockaddr_in from;
	struct msghdr m;
	int fd = bound_socket(9000);

	(void)state;
	assert_int_equal(ioctl_int(fd, FIONREAD), 0);
	assert_int_equal(ioctl_int(fd, SIOCOUTQ), 0);
	inject_udp(tun, "192.0.2.1", 5555, "192.0.2.2", 9000, "0123456789", 10);
	inject_udp(tun, "192.0.2.1", 5556, "192.0.2.2", 9000, "abc", 3);
	assert_int_equal(ioctl_int(fd, FIONREAD), 10);
	memset(&m, 0, sizeof(m));
	m.msg_name = &from;
	m.msg_namelen = sizeof(from);
	m.msg_iov = iov;
	m.msg_iovlen = 2;
	assert_int_equal(us_recvmsg(fd, &m, MSG_PEEK), 6);
	assert_memory_equal(a, "0123", 4);
	assert_memory_equal(b, "45", 2);
	assert_int_equal(m.msg_flags, MSG_TRUNC);
	assert_int_equal(m.msg_namelen, sizeof(from));
	assert_int_equal(from.sin_family, AF_INET);
	assert_int_equal(from.sin_addr.s_addr, test_addr("192.0.2.1"));
	assert_int_equal(ntohs(from.sin_port), 5555);
	assert_int_equal(ioctl_int(fd, FIONREAD), 10); /* still there */
	m.msg_iovlen = 1;
	assert_int_equal(us_recvmsg(fd, &m, MSG_TRUNC), 10); /* the real length */
	assert_int_equal(m.msg_flags, MSG_TRUNC);
	assert_int_equal(ioctl_int(fd, FIONREAD), 3);
	m.msg_name = NULL;
	m.msg_iov = &(struct iovec){ big, sizeof(big) };
	assert_int_equal(us_recvmsg(fd, &m, 0), 3);
	assert_int_equal(m.msg_flags, 0);
	assert_int_equal(m.msg_namelen, 0);
	assert_memory_equal(big, "abc", 3);
	assert_int_equal(us_recv(fd, big, sizeof(big), MSG_PEEK), -EAGAIN);
	assert_int_equal(us_recv(fd, big, sizeof(big), MSG_OOB), -EOPNOTSUPP);
	assert_int_equal(us_close(fd), 0);
}

/* us_sendmsg gathers its iovecs into one datagram to msg_name; a bad msg_name is refused
 * before anything is sent, and so is us_sendfile. */
static void test_sendmsg_gathers(void **state)
{
	struct iovec iov[] = { { (void *)"ab", 2 }, { NULL, 0 }, { (void *)"cde", 3 } };
	struct sockaddr_in to = saddr("192.0.2.1", 7777);
	struct sockaddr_in6 to6 = { .sin6_family = AF_INET6 };
	struct msghdr m;
	struct ip_hdr ih;
	uint16_t dport;
	char got[8];
	int fd = bound_socket(9000), mfd;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.msg_name = &to;
	m.msg_namelen = sizeof(to);
	m.msg_iov = iov;
	m.msg_iovlen = 3;
	assert_int_equal(us_sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL), 5);
	assert_int_equal(pop_udp(tun, &ih, &dport, got), 5);
	assert_memory_equal(got, "abcde", 5);
	assert_int_equal(dport, 7777);
	assert_int_equal(ih.dst, test_addr("192.0.2.1"));
	assert_null(test_dev_pop(tun));
	m.msg_namelen = sizeof(to) - 1;
	assert_int_equal(us_sendmsg(fd, &m, 0), -EINVAL);
	m.msg_name = &to6;
	m.msg_namelen = sizeof(to6);
	assert_int_equal(us_sendmsg(fd, &m, 0), -EAFNOSUPPORT);
	m.msg_name = NULL;
	assert_int_equal(us_sendmsg(fd, &m, 0), -EDESTADDRREQ);
	assert_int_equal(us_sendmsg(fd, &m, MSG_OOB), -EOPNOTSUPP);
	/* us_sendfile fills a byte stream: a datagram socket has none */
	mfd = memfd_create("sendfile", 0);
	assert_true(mfd >= 0);
	assert_int_equal(write(mfd, "abcde", 5), 5);
	assert_int_equal(us_sendfile(fd, mfd, &(off_t){ 0 }, 5), -EINVAL);
	close(mfd);
	assert_null(test_dev_pop(tun));
	assert_int_equal(us_close(fd), 0);
}

/* MSG_DONTWAIT on a blocking socket: -EAGAIN at once instead of waiting for ever. */
static void test_dontwait_on_blocking(void **state)
{
	char buf[8];
	int fd = bound_socket(9000);

	(void)state;
	assert_int_equal(us_set_nonblock(fd, 0), 0);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_PEEK), -EAGAIN);
	inject_udp(tun, "192.0.2.1", 5555, "192.0.2.2", 9000, "x", 1);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_WAITALL), 1);
	assert_int_equal(us_close(fd), 0);
}

/* IP_TTL, IP_TOS (all eight bits for UDP) and IP_MTU_DISCOVER in the header of what the
 * socket sends: with IP_PMTUDISC_DO, DF is set and a datagram over the MTU is -EMSGSIZE;
 * with IP_PMTUDISC_DONT it leaves in fragments without DF. */
static void test_ip_options_in_header(void **state)
{
	static char big[2000];
	struct sockaddr_in to = saddr("192.0.2.1", 7777);
	struct ip_hdr ih;
	int fd = bound_socket(9000), v;
	socklen_t len = sizeof(v);

	(void)state;
	assert_int_equal(us_sendto(fd, "x", 1, 0, (const struct sockaddr *)&to, sizeof(to)), 1);
	pop_udp(tun, &ih, NULL, NULL);
	assert_int_equal(ih.ttl, ip_config.default_ttl);
	assert_int_equal(ih.tos, 0);
	assert_int_equal(ih.frag & IP_FLAG_DF, 0);
	v = 5;
	assert_int_equal(us_setsockopt(fd, IPPROTO_IP, IP_TTL, &v, sizeof(v)), 0);
	v = 0xb9;
	assert_int_equal(us_setsockopt(fd, IPPROTO_IP, IP_TOS, &v, sizeof(v)), 0);
	v = IP_PMTUDISC_DO;
	assert_int_equal(us_setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v)), 0);
	assert_int_equal(us_getsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, &len), 0);
	assert_int_equal(v, IP_PMTUDISC_DO);
	assert_int_equal(us_sendto(fd, "x", 1, 0, (const struct sockaddr *)&to, sizeof(to)), 1);
	pop_udp(tun, &ih, NULL, NULL);
	assert_int_equal(ih.ttl, 5);
	assert_int_equal(ih.tos, 0xb9);
	assert_int_equal(ih.frag & IP_FLAG_DF, IP_FLAG_DF);
	assert_int_equal(us_sendto(fd, big, sizeof(big), 0, (const struct sockaddr *)&to,
				   sizeof(to)), -EMSGSIZE);
	assert_null(test_dev_pop(tun));
	v = IP_PMTUDISC_DONT;
	assert_int_equal(us_setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v)), 0);
	assert_int_equal(us_sendto(fd, big, sizeof(big), 0, (const struct sockaddr *)&to,
				   sizeof(to)), (ssize_t)sizeof(big));
	pop_udp(tun, &ih, NULL, NULL);
	assert_int_equal(ih.frag & (IP_FLAG_DF | IP_FLAG_MF), IP_FLAG_MF);
	assert_int_equal(ih.ttl, 5);
	pop_udp(tun, &ih, NULL, NULL);
	assert_int_equal(ih.frag & IP_FLAG_DF, 0);
	assert_null(test_dev_pop(tun));
	assert_int_equal(us_close(fd), 0);
}

/* The IP options read back into a buffer shorter than an int as Linux's do_ip_getsockopt
 * gives them: one byte (the value fits one) and *len 1; *len 0 stores nothing and is no
 * error. setsockopt takes a single byte already; getsockopt said -EINVAL. */
static void test_ip_options_short_len(void **state)
{
	int fd = bound_socket(9000);
	unsigned char c = 0x48;
	uint16_t two = 0xeeee;
	socklen_t len = 1;

	(void)state;
	assert_int_equal(us_setsockopt(fd, IPPROTO_IP, IP_TOS, &c, 1), 0);
	c = 0;
	assert_int_equal(us_getsockopt(fd, IPPROTO_IP, IP_TOS, &c, &len), 0);
	assert_int_equal(len, 1);
	assert_int_equal(c, 0x48);
	len = 2;
	assert_int_equal(us_getsockopt(fd, IPPROTO_IP, IP_TTL, &two, &len), 0);
	assert_int_equal(len, 1);
	assert_int_equal(*(unsigned char *)&two, ip_config.default_ttl);
	len = 0;
	assert_int_equal(us_getsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, NULL, &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(us_close(fd), 0);
}

/* SO_BINDTODEVICE: the socket sends only through its device (a limited broadcast, which
 * otherwise leaves through the first device, and a destination the table routes through
 * the other device, taken as on tun1's link) with tun1's address, and hears only what
 * arrives through it; "" unbinds. */
static void test_bindtodevice(void **state)
{
	struct sockaddr_in bcast = saddr("255.255.255.255", 67);
	struct sockaddr_in on_tun0 = saddr("192.0.2.1", 7777);
	struct ip_hdr ih;
	char name[16], buf[8];
	socklen_t len = sizeof(name);
	int fd = bound_socket(9000);

	(void)state;
	/* unbound: the broadcast leaves through tun0, the first device */
	assert_int_equal(us_sendto(fd, "b", 1, 0, (const struct sockaddr *)&bcast, sizeof(bcast)),
			 1);
	pop_udp(tun, &ih, NULL, NULL);
	assert_null(test_dev_pop(tun1));
	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, &len), 0);
	assert_int_equal(len, 0);

	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "nope0", 5), -ENODEV);
	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "tun1", 4), 0);
	len = sizeof(name);
	assert_int_equal(us_getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, &len), 0);
	assert_int_equal(len, 5);
	assert_string_equal(name, "tun1");
	assert_int_equal(us_sendto(fd, "b", 1, 0, (const struct sockaddr *)&bcast, sizeof(bcast)),
			 1);
	assert_null(test_dev_pop(tun));
	pop_udp(tun1, &ih, NULL, NULL);
	assert_int_equal(ih.dst, IP_ADDR_BROADCAST);
	assert_int_equal(ih.src, test_addr("198.51.100.2"));
	assert_int_equal(us_sendto(fd, "u", 1, 0, (const struct sockaddr *)&on_tun0,
				   sizeof(on_tun0)), 1);
	assert_null(test_dev_pop(tun));
	pop_udp(tun1, &ih, NULL, NULL);
	assert_int_equal(ih.dst, test_addr("192.0.2.1"));
	assert_int_equal(ih.src, test_addr("198.51.100.2"));

	/* what comes through tun0 is not for it (port unreachable, as with no socket) */
	inject_udp(tun, "192.0.2.1", 5555, "192.0.2.2", 9000, "x", 1);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), -EAGAIN);
	assert_int_equal(udp_stats.no_port, 1);
	test_dev_flush(tun);
	inject_udp(tun1, "198.51.100.1", 5555, "198.51.100.2", 9000, "y", 1);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), 1);
	assert_int_equal(buf[0], 'y');

	assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "", 0), 0);
	inject_udp(tun, "192.0.2.1", 5555, "192.0.2.2", 9000, "z", 1);
	assert_int_equal(us_recv(fd, buf, sizeof(buf), 0), 1);
	assert_int_equal(buf[0], 'z');
	assert_int_equal(us_close(fd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_recvmsg_name_trunc_peek),
		T(test_sendmsg_gathers),
		T(test_dontwait_on_blocking),
		T(test_ip_options_in_header),
		T(test_ip_options_short_len),
		T(test_bindtodevice),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
