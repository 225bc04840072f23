/* SPDX-License-Identifier: MIT */
/* What a call costs through the preload library (bench/preload.sh), run once under
 * `ustack run` and once on the kernel:
 *   preload_calls connect ADDR PORT N   N times socket, connect (blocking), close
 *   preload_calls rpc N                 N setsockopt(TCP_NODELAY) and N getsockname on one
 *                                       socket: a control request each under the preload
 *   preload_calls io ADDR PORT N        N one-byte write + read round trips on one
 *                                       connection to an echo server
 * Prints microseconds per call. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int dial(const struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (const struct sockaddr *)a, sizeof(*a))) {
		perror("connect");
		exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	double t0;
	long n;

	if (argc == 3 && !strcmp(argv[1], "rpc")) {
		struct sockaddr_in me;
		socklen_t len;
		int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

		n = atol(argv[2]);
		t0 = now_us();
		for (long i = 0; i < n; i++)
			if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
				return perror("setsockopt"), 1;
		printf("setsockopt %.2f us\n", (now_us() - t0) / n);
		t0 = now_us();
		for (long i = 0; i < n; i++) {
			len = sizeof(me);
			if (getsockname(fd, (struct sockaddr *)&me, &len))
				return perror("getsockname"), 1;
		}
		printf("getsockname %.2f us\n", (now_us() - t0) / n);
		return 0;
	}
	if (argc != 5 || inet_pton(AF_INET, argv[2], &a.sin_addr) != 1) {
		fprintf(stderr, "usage: preload_calls connect|io ADDR PORT N | rpc N\n");
		return 2;
	}
	a.sin_port = htons((uint16_t)atoi(argv[3]));
	n = atol(argv[4]);
	if (!strcmp(argv[1], "connect")) {
		t0 = now_us();
		for (long i = 0; i < n; i++)
			close(dial(&a));
		printf("socket+connect+close %.1f us\n", (now_us() - t0) / n);
		return 0;
	}
	if (!strcmp(argv[1], "io")) {
		int fd = dial(&a), one = 1;
		char c = 'x';

		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		t0 = now_us();
		for (long i = 0; i < n; i++)
			if (write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1)
				return perror("io"), 1;
		printf("1-byte round trip %.1f us\n", (now_us() - t0) / n);
		close(fd);
		return 0;
	}
	return 2;
}
