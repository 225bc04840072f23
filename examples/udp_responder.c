/* SPDX-License-Identifier: MIT */
/* A UDP responder on ustack: each datagram goes back to its sender, prefixed with "re: ".
 *   udp_responder DEVSPEC PORT [COUNT]
 *   udp_responder tap:tap0,addr=10.0.0.2/24,host=10.0.0.1/24 7000 &
 *   then: echo hi | nc -u -w1 10.0.0.2 7000
 * Answers COUNT datagrams (default: none, run until killed), then exits. */
#include <ustack.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "re: "

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET }, from;
	long count = argc > 3 ? atol(argv[3]) : 0;
	struct ustack *st = NULL;
	char buf[2048];
	int rc, s = -1;

	if (argc < 3) {
		fprintf(stderr, "usage: udp_responder DEVSPEC PORT [COUNT]\n");
		return 2;
	}
	a.sin_port = htons((uint16_t)atoi(argv[2]));
	if ((rc = ustack_create(NULL, &st)) < 0 || (rc = ustack_add_device(st, argv[1])) < 0 ||
	    (rc = ustack_start(st)) < 0 || (rc = s = us_socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    (rc = us_bind(s, (struct sockaddr *)&a, sizeof(a))) < 0) {
		fprintf(stderr, "udp_responder: %s: %s %s\n", argv[1], strerror(-rc),
			ustack_errmsg(st));
		ustack_destroy(st);
		return 1;
	}
	fprintf(stderr, "udp_responder: listening on port %s\n", argv[2]);
	memcpy(buf, PREFIX, strlen(PREFIX));
	for (long n = 0; !count || n < count; n++) {
		socklen_t flen = sizeof(from);
		ssize_t len = us_recvfrom(s, buf + strlen(PREFIX), sizeof(buf) - strlen(PREFIX), 0,
					  (struct sockaddr *)&from, &flen);

		if (len < 0) {
			fprintf(stderr, "udp_responder: recvfrom: %s\n", strerror((int)-len));
			break;
		}
		len = us_sendto(s, buf, (size_t)len + strlen(PREFIX), 0, (struct sockaddr *)&from,
				flen);
		if (len < 0)
			fprintf(stderr, "udp_responder: sendto: %s\n", strerror((int)-len));
	}
	us_close(s);
	ustack_destroy(st);
	return 0;
}
