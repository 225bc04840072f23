/* SPDX-License-Identifier: MIT */
/* A trivial TAP reflector: the ceiling the benchmarks compare ustack against.
 *
 *   tap_reflector IFNAME A.B.C.D        (the caller configures the kernel's side)
 *
 * Creates TAP IFNAME and answers, one frame at a time with blocking read/write:
 *   ARP requests for A.B.C.D     -> an ARP reply from a fixed locally administered MAC
 *   ICMP echo requests to it      -> the echo reply (addresses swapped, checksum updated)
 *   UDP datagrams to it           -> the same datagram back (addresses and ports swapped;
 *                                    the checksum does not change under the swap)
 * Everything else is ignored. Fragments are not handled. Stops on SIGINT/SIGTERM and
 * prints how many frames it read and answered. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define FRAME_MAX 65536

static volatile sig_atomic_t stop;
static const uint8_t my_mac[6] = { 0x02, 0x00, 0x00, 0xbe, 0xef, 0x01 };

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint16_t get16(const uint8_t *b) { return (uint16_t)(b[0] << 8 | b[1]); }
static void put16(uint8_t *b, uint16_t v) { b[0] = v >> 8; b[1] = v & 0xff; }

static uint16_t cksum(const uint8_t *b, size_t len)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		s += get16(b + i);
	if (len & 1)
		s += b[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void swap(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t t[16];
	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

/* Turns the frame in f into its answer in place. Returns the answer's length, 0 if none. */
static size_t reflect(uint8_t *f, size_t len, const uint8_t my_ip[4])
{
	if (len < 14)
		return 0;
	uint16_t type = get16(f + 12);
	uint8_t *p = f + 14;
	size_t plen = len - 14;

	if (type == 0x0806) {
		if (plen < 28 || get16(p) != 1 || get16(p + 2) != 0x0800 || p[4] != 6 || p[5] != 4 ||
		    get16(p + 6) != 1 || memcmp(p + 24, my_ip, 4) != 0)
			return 0;
		put16(p + 6, 2);
		memcpy(p + 18, p + 8, 6);  /* target = the asker */
		memcpy(p + 24, p + 14, 4);
		memcpy(p + 8, my_mac, 6);  /* sender = us */
		memcpy(p + 14, my_ip, 4);
		memcpy(f, f + 6, 6);
		memcpy(f + 6, my_mac, 6);
		return len;
	}
	if (type != 0x0800 || plen < 20 || (p[0] >> 4) != 4)
		return 0;
	size_t ihl = (size_t)(p[0] & 0xf) * 4, tot = get16(p + 2);
	if (ihl < 20 || tot < ihl || tot > plen || memcmp(p + 16, my_ip, 4) != 0 ||
	    (get16(p + 6) & 0x3fff) != 0)
		return 0;
	uint8_t *l4 = p + ihl;
	size_t l4len = tot - ihl;
	if (p[9] == 1) {
		if (l4len < 8 || l4[0] != 8)
			return 0;
		l4[0] = 0;
		put16(l4 + 2, 0);
		put16(l4 + 2, cksum(l4, l4len));
	} else if (p[9] == 17) {
		if (l4len < 8)
			return 0;
		swap(l4, l4 + 2, 2);
	} else {
		return 0;
	}
	swap(p + 12, p + 16, 4); /* the IP header checksum is unchanged by the swap */
	memcpy(f, f + 6, 6);
	memcpy(f + 6, my_mac, 6);
	return 14 + tot;
}

int main(int argc, char **argv)
{
	uint8_t my_ip[4];
	if (argc != 3 || inet_pton(AF_INET, argv[2], my_ip) != 1) {
		fprintf(stderr, "usage: tap_reflector IFNAME A.B.C.D\n");
		return 2;
	}
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "tap_reflector: /dev/net/tun: %s (load the tun module, run as root)\n",
			strerror(errno));
		return 1;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "tap_reflector: TUNSETIFF %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: read() returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(stderr, "tap_reflector: ready on %s as %s\n", argv[1], argv[2]);

	static uint8_t frame[FRAME_MAX];
	unsigned long long rx = 0, tx = 0;
	while (!stop) {
		ssize_t n = read(fd, frame, sizeof(frame));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "tap_reflector: read: %s\n", strerror(errno));
			return 1;
		}
		rx++;
		size_t out = reflect(frame, (size_t)n, my_ip);
		if (out && write(fd, frame, out) == (ssize_t)out)
			tx++;
	}
	fprintf(stderr, "tap_reflector: %llu frames read, %llu answered\n", rx, tx);
	close(fd);
	return 0;
}
