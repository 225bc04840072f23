/* SPDX-License-Identifier: MIT */
/* A trivial TAP reflector: the ceiling the benchmarks compare ustack against.
 *
 *   tap_reflector [--uring[=MODE]] IFNAME A.B.C.D   (the caller configures the kernel's side)
 *
 * Creates TAP IFNAME and answers, one frame at a time, with blocking read/write (two system
 * calls per exchange) or, with --uring (built when liburing's header is installed), through
 * io_uring: one io_uring_enter per exchange submits the answer's write and the next read and
 * waits for that read to complete (no poll, no epoll). MODE: plain (the default), coop
 * (IORING_SETUP_COOP_TASKRUN), defer (SINGLE_ISSUER and DEFER_TASKRUN), sqpoll (a kernel
 * thread polls the submission queue: it keeps a CPU busy while frames come).
 * It answers:
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
#ifdef HAVE_LIBURING
#include <liburing.h>
#endif

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

#ifdef HAVE_LIBURING
enum { U_READ = 1, U_WRITE = 2 };

/* The io_uring loop: two buffers, the answer written from one while the next frame is read
 * into the other; each round submits both and waits for the read's completion (and the
 * write's, which a TAP completes at once), so one io_uring_enter per exchange. */
static int uring_loop(int fd, const char *mode, const uint8_t my_ip[4], unsigned long long *rx,
		      unsigned long long *tx)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	if (strcmp(mode, "coop") == 0) {
		p.flags = IORING_SETUP_COOP_TASKRUN;
	} else if (strcmp(mode, "defer") == 0) {
		p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	} else if (strcmp(mode, "sqpoll") == 0) {
		p.flags = IORING_SETUP_SQPOLL;
		p.sq_thread_idle = 1000; /* ms */
	} else if (strcmp(mode, "plain") != 0) {
		fprintf(stderr, "tap_reflector: --uring=%s: plain, coop, defer or sqpoll\n", mode);
		return 2;
	}
	struct io_uring ring;
	int r = io_uring_queue_init_params(8, &ring, &p);
	if (r < 0) {
		fprintf(stderr, "tap_reflector: io_uring (%s): %s\n", mode, strerror(-r));
		return 1;
	}
	static uint8_t buf[2][FRAME_MAX];
	int cur = 0;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, buf[cur], FRAME_MAX, 0);
	io_uring_sqe_set_data64(sqe, U_READ);
	unsigned wait = 1; /* completions this round waits for */
	int ret = 0;
	while (!stop) {
		r = io_uring_submit_and_wait(&ring, wait);
		if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) {
			fprintf(stderr, "tap_reflector: io_uring_enter: %s\n", strerror(-r));
			ret = 1;
			break;
		}
		int got_read = 0, n = 0;
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;
		io_uring_for_each_cqe(&ring, head, cqe) {
			seen++;
			if (cqe->user_data == U_READ) {
				got_read = 1;
				n = cqe->res;
			} else if (cqe->res > 0) {
				(*tx)++;
			}
		}
		io_uring_cq_advance(&ring, seen);
		wait = seen < wait ? wait - seen : 0;
		if (!got_read) {
			wait = wait ? wait : 1;
			continue;
		}
		if (n < 0 && n != -EINTR && n != -EAGAIN) {
			fprintf(stderr, "tap_reflector: read: %s\n", strerror(-n));
			ret = 1;
			break;
		}
		size_t out = 0;
		if (n > 0) {
			(*rx)++;
			out = reflect(buf[cur], (size_t)n, my_ip);
		}
		if (out) {
			sqe = io_uring_get_sqe(&ring);
			io_uring_prep_write(sqe, fd, buf[cur], (unsigned)out, 0);
			io_uring_sqe_set_data64(sqe, U_WRITE);
			wait++;
			cur ^= 1;
		}
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_read(sqe, fd, buf[cur], FRAME_MAX, 0);
		io_uring_sqe_set_data64(sqe, U_READ);
		wait++;
	}
	io_uring_queue_exit(&ring);
	return ret;
}
#endif

int main(int argc, char **argv)
{
	uint8_t my_ip[4];
	const char *uring = NULL;
	if (argc > 1 && strncmp(argv[1], "--uring", 7) == 0 &&
	    (argv[1][7] == '\0' || argv[1][7] == '=')) {
		uring = argv[1][7] ? argv[1] + 8 : "plain";
		argc--;
		argv++;
	}
	if (argc != 3 || inet_pton(AF_INET, argv[2], my_ip) != 1) {
		fprintf(stderr, "usage: tap_reflector [--uring[=plain|coop|defer|sqpoll]] IFNAME A.B.C.D\n");
		return 2;
	}
#ifndef HAVE_LIBURING
	if (uring) {
		fprintf(stderr, "tap_reflector: built without liburing (liburing-dev): no --uring\n");
		return 2;
	}
#endif
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
	fprintf(stderr, "tap_reflector: ready on %s as %s%s%s\n", argv[1], argv[2],
		uring ? ", io_uring " : "", uring ? uring : "");

	static uint8_t frame[FRAME_MAX];
	unsigned long long rx = 0, tx = 0;
#ifdef HAVE_LIBURING
	if (uring) {
		int r = uring_loop(fd, uring, my_ip, &rx, &tx);
		fprintf(stderr, "tap_reflector: %llu frames read, %llu answered\n", rx, tx);
		close(fd);
		return r;
	}
#endif
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
