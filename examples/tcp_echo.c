/* SPDX-License-Identifier: MIT */
/* A TCP echo server on ustack: every byte a client sends comes back to it.
 *   tcp_echo DEVSPEC PORT [COUNT]
 *   tcp_echo tap:tap0,addr=10.0.0.2/24,host=10.0.0.1/24 7 &  then: nc 10.0.0.2 7
 * One client at a time; after COUNT clients (default: none, run until killed) it closes
 * down and waits for the last bytes to be delivered. The loop thread runs the stack and
 * every socket call blocks as a kernel socket would. */
#include <ustack.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(struct ustack *st, const char *what, int err)
{
	fprintf(stderr, "tcp_echo: %s: %s %s\n", what, strerror(-err), ustack_errmsg(st));
	ustack_destroy(st);
	return 1;
}

/* Echoes until the client closes its side; returns the bytes echoed. */
static long echo(int c)
{
	char buf[16384];
	ssize_t n, off, w;
	long total = 0;

	while ((n = us_recv(c, buf, sizeof(buf), 0)) > 0) {
		for (off = 0; off < n; off += w)
			if ((w = us_send(c, buf + off, (size_t)(n - off), 0)) < 0)
				return total;
		total += n;
	}
	return total;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET }, peer;
	long count = argc > 3 ? atol(argv[3]) : 0;
	struct ustack *st = NULL;
	char ip[INET_ADDRSTRLEN];
	int rc, l;

	if (argc < 3) {
		fprintf(stderr, "usage: tcp_echo DEVSPEC PORT [COUNT]\n");
		return 2;
	}
	if ((rc = ustack_create(NULL, &st)) < 0 || (rc = ustack_add_device(st, argv[1])) < 0 ||
	    (rc = ustack_start(st)) < 0)
		return fail(st, argv[1], rc);
	a.sin_port = htons((uint16_t)atoi(argv[2]));
	if ((l = us_socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return fail(st, "socket", l);
	if ((rc = us_bind(l, (struct sockaddr *)&a, sizeof(a))) < 0 || (rc = us_listen(l, 16)) < 0)
		return fail(st, "bind/listen", rc);
	fprintf(stderr, "tcp_echo: listening on port %s\n", argv[2]);
	for (long served = 0; !count || served < count; served++) {
		socklen_t plen = sizeof(peer);
		int c = us_accept(l, (struct sockaddr *)&peer, &plen);

		if (c < 0)
			return fail(st, "accept", c);
		inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof(ip));
		fprintf(stderr, "tcp_echo: %s:%u sent %ld bytes\n", ip, ntohs(peer.sin_port),
			echo(c));
		us_close(c);
	}
	us_close(l);
	ustack_drain(st, 5000); /* the last echoed bytes and FINs reach the clients */
	ustack_destroy(st);
	return 0;
}
