/* SPDX-License-Identifier: MIT */
/* libFuzzer target over the frame input path: bytes enter through net_device_input on an
 * Ethernet device or an L3 (TUN-like) device and go as far as they can get: Ethernet, ARP,
 * IP with reassembly, ICMP, UDP to bound sockets, TCP to listeners and the connections they
 * accept; IPv6 with its extension headers, ICMPv6 and neighbour discovery (fz-eth has a
 * link-local address and 2001:db8::b/64). Time is a fake clock that only moves forward, so timers (retransmission, ARP,
 * reassembly, TIME_WAIT) run as well. Each frame is also decoded by --trace's decoder.
 *
 * Input format (so one input can carry a whole conversation, a handshake and then data):
 *   byte 0       bit 0: device (0 Ethernet "fz-eth", 1 L3 "fz-tun"); bits 1-7: milliseconds
 *                the clock advances after each frame (timers run)
 *   then frames  2-byte big-endian length, then that many bytes (fewer at the end)
 * test/fuzz/seed.sh writes single frames of the Linux captures in this format, and the TCP
 * session of linux-session.pcap as one input, whose ACKs fit our SYN,ACK because the ISN is
 * fixed to the one Linux chose there.
 *
 * After each input the sockets are drained, accepted connections closed, and the clock run
 * far enough for every timer-driven state to end; then the number of live packet buffers
 * must be back under a small bound, so a buffer leaked or held forever by any layer shows
 * up as a crash within a few inputs. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ip/ip.h"
#include "ip6/ip6.h"
#include "net/log.h"
#include "net/loop.h"
#include "net/pkb.h"
#include "net/socket.h"
#include "lib/stack.h"
#include "lib/trace.h"
#include "tcp/tcp_var.h"

#define FZ_MAX_FRAMES 32
#define FZ_PKB_BOUND 64        /* live buffers allowed between inputs */
#define FZ_SETTLE_MS (3ull * 3600 * 1000) /* past every TCP, ARP and reassembly timer */
#define FZ_CAPTURE_ISN 2497283758u /* our SYN,ACK's ISN in linux-session.pcap */

static struct net_device *eth, *tun;
static uint64_t now = 1000000;
static int udp_fds[2], tcp_lfds[2];

/* Whatever the stack sends is dropped; only the input path is under test. */
static int fz_transmit(struct net_device *dev, struct pkb *p)
{
	(void)dev;
	pkb_free(p);
	return 0;
}

static int fz_recv(struct net_device *dev, struct pkb **out, int max)
{
	(void)dev, (void)out, (void)max;
	return 0;
}

static const struct net_device_ops fz_ops = {
	.transmit = fz_transmit,
	.recv_batch = fz_recv,
};

static struct net_device *fz_dev(const char *name, enum net_dev_type type)
{
	/* ustack's MAC in linux-session.pcap, so captured frames pass the address filter */
	static const uint8_t mac[6] = { 0x5e, 0x6a, 0xee, 0x06, 0xc2, 0x50 };
	struct net_device *dev = net_device_alloc();

	if (!dev)
		abort();
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->type = type;
	dev->mtu = 1500;
	dev->ops = &fz_ops;
	if (type == NET_DEV_ETHER) {
		memcpy(dev->hwaddr, mac, 6);
		memset(dev->broadcast, 0xff, 6);
		dev->hdr_len = 14;
		dev->flags |= NET_DEV_F_BROADCAST;
	} else {
		dev->flags |= NET_DEV_F_NOARP | NET_DEV_F_P2P;
	}
	if (net_device_register(dev) < 0)
		abort();
	return dev;
}

static int fz_socket(int type, int proto, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = us_socket(AF_INET, type | US_SOCK_NONBLOCK, proto);

	if (fd < 0 || us_bind(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0)
		abort();
	if (type == SOCK_STREAM && us_listen(fd, 16) < 0)
		abort();
	return fd;
}

static void fz_init(void)
{
	log_level = LOG_ERROR;
	net_clock_set_fake(1, now);
	if (stack_init() < 0)
		abort();
	eth = fz_dev("fz-eth", NET_DEV_ETHER);
	tun = fz_dev("fz-tun", NET_DEV_IP);
	net_lock();
	/* the addresses of the two Linux captures in test/data */
	if (ip_iface_add(eth, inet_addr("192.0.2.2"), inet_addr("255.255.255.0"), 0) < 0 ||
	    ip_iface_add(tun, inet_addr("198.51.100.2"), inet_addr("255.255.255.0"),
			 inet_addr("198.51.100.1")) < 0)
		abort();
	/* IPv6: a link-local address, and the responder's of linux-ipv6-nd.pcap, whose
	 * frames seed.sh re-addresses to fz-eth's MAC */
	if (ip6_addr_add_linklocal(eth, 0) < 0 ||
	    ip6_addr_add(eth, &(struct net_addr){ .family = AF_INET6,
						  .v6 = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x0b } },
			 64, IP6_IFA_STATIC) < 0)
		abort();
	tcp_test_set_isn(1, FZ_CAPTURE_ISN);
	net_unlock();
	udp_fds[0] = fz_socket(SOCK_DGRAM, IPPROTO_UDP, 9000);
	udp_fds[1] = fz_socket(SOCK_DGRAM, IPPROTO_UDP, 53);
	tcp_lfds[0] = fz_socket(SOCK_STREAM, IPPROTO_TCP, 8080);
	tcp_lfds[1] = fz_socket(SOCK_STREAM, IPPROTO_TCP, 80);
}

/* Moves the clock and runs what is due, loopback deliveries included (the stack talks to
 * itself when a frame claims one of our own addresses as its source). */
static void fz_advance(uint64_t ms)
{
	now += ms;
	net_clock_set_fake(1, now);
	net_lock();
	net_timers_run(now);
	net_unlock();
	net_loop_once(0);
}

/* Reads what the sockets hold and closes accepted connections, as an application would,
 * then lets every timer-driven state run out. */
static void fz_settle(void)
{
	static uint8_t buf[65536];
	uint64_t end;

	for (int i = 0; i < 2; i++) {
		struct sockaddr_in peer;
		int fd;

		while (us_recv(udp_fds[i], buf, sizeof(buf), 0) >= 0)
			;
		while ((fd = us_accept(tcp_lfds[i], (struct sockaddr *)&peer,
				       &(socklen_t){ sizeof(peer) })) >= 0) {
			us_set_nonblock(fd, 1);
			while (us_recv(fd, buf, sizeof(buf), 0) > 0)
				;
			us_close(fd);
		}
	}
	end = now + FZ_SETTLE_MS;
	for (int steps = 0; steps < 10000; steps++) {
		uint64_t next = net_timer_next();

		if (next > end)
			break;
		fz_advance(next > now ? next - now : 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int initialised;
	struct net_device *dev;
	unsigned step_ms;
	size_t off = 1;
	char line[256];

	if (!initialised) {
		fz_init();
		initialised = 1;
	}
	if (size < 1)
		return 0;
	dev = data[0] & 1 ? tun : eth;
	step_ms = data[0] >> 1;
	for (int n = 0; n < FZ_MAX_FRAMES && off < size; n++) {
		size_t len = size - off;
		struct pkb *p;

		if (len >= 2) {
			size_t want = (size_t)data[off] << 8 | data[off + 1];

			off += 2;
			len = size - off;
			if (want < len)
				len = want;
		} else {
			break;
		}
		/* --trace's decoder must describe any frame without reading past it. */
		trace_format(dev, data + off, len, line, sizeof(line));
		p = pkb_from_bytes(data + off, len);
		off += len;
		if (!p)
			abort();
		net_lock();
		net_device_input(dev, p, now);
		net_unlock();
		fz_advance(step_ms);
	}
	fz_settle();
	if (pkb_outstanding() > FZ_PKB_BOUND) {
		fprintf(stderr, "fuzz_input: %zu packet buffers live after an input (bound %d)\n",
			pkb_outstanding(), FZ_PKB_BOUND);
		abort();
	}
	return 0;
}
