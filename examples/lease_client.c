/* SPDX-License-Identifier: MIT */
/* The shape of a DHCP client's exchange (RFC 2131 4.1) on ustack, with text messages
 * instead of DHCP's: a device that comes up with no address asks for one by broadcast,
 * takes it at run time, uses it, and gives it back.
 *   lease_client DEVSPEC IFNAME
 *   lease_client tap:tap0,host=10.0.0.1/24 tap0
 * 1. From 0.0.0.0:68, through IFNAME (SO_BINDTODEVICE), "DISCOVER" to 255.255.255.255:67,
 *    once a second, until an answer "OFFER A.B.C.D/N" comes to port 68 (10 tries).
 * 2. ustack_addr_add: the address is the stack's at once (ARP answers for it). "BOUND
 *    A.B.C.D" goes to the server, from that address now.
 * 3. On "RELEASE" (to port 68, by unicast or broadcast), ustack_addr_del, then waits for
 *    a broadcast "DONE", which a device with no address still hears, and exits 0. */
#include <ustack.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define TRIES 10
#define WAIT_TRIES 30 /* one-second waits for RELEASE and DONE */

static int s = -1;

/* The next datagram starting with word, within tries one-second waits; 0 or -1. */
static int wait_for(const char *word, char *buf, size_t cap, struct sockaddr_in *from)
{
	for (int i = 0; i < WAIT_TRIES; i++) {
		socklen_t flen = sizeof(*from);
		ssize_t n = us_recvfrom(s, buf, cap - 1, 0, (struct sockaddr *)from, &flen);

		if (n < 0)
			continue; /* -EAGAIN: the second passed */
		buf[n] = '\0';
		if (!strncmp(buf, word, strlen(word)))
			return 0;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(68) }, from;
	struct sockaddr_in bcast = { .sin_family = AF_INET, .sin_port = htons(67) };
	struct timeval tv = { .tv_sec = 1 };
	struct ustack *st = NULL;
	struct in_addr addr;
	char buf[128], text[64];
	int rc, plen = 0, got = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: lease_client DEVSPEC IFNAME\n");
		return 2;
	}
	bcast.sin_addr.s_addr = htonl(INADDR_BROADCAST);
	if ((rc = ustack_create(NULL, &st)) < 0 || (rc = ustack_add_device(st, argv[1])) < 0 ||
	    (rc = ustack_start(st)) < 0 || (rc = s = us_socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    (rc = us_setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, argv[2], strlen(argv[2]))) < 0 ||
	    (rc = us_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) < 0 ||
	    (rc = us_bind(s, (struct sockaddr *)&any, sizeof(any))) < 0) {
		fprintf(stderr, "lease_client: %s: %s %s\n", argv[1], strerror(-rc),
			ustack_errmsg(st));
		ustack_destroy(st);
		return 1;
	}
	for (int i = 0; i < TRIES && !got; i++) {
		socklen_t flen = sizeof(from);
		ssize_t n;

		rc = (int)us_sendto(s, "DISCOVER", 8, 0, (struct sockaddr *)&bcast, sizeof(bcast));
		if (rc < 0)
			fprintf(stderr, "lease_client: DISCOVER: %s\n", strerror(-rc));
		n = us_recvfrom(s, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &flen);
		if (n < 0)
			continue;
		buf[n] = '\0';
		got = sscanf(buf, "OFFER %63[0-9.]/%d", text, &plen) == 2 &&
		      inet_pton(AF_INET, text, &addr) == 1;
	}
	if (!got) {
		fprintf(stderr, "lease_client: no offer after %d tries\n", TRIES);
		goto out;
	}
	rc = ustack_addr_add(st, argv[2], addr, plen);
	if (rc < 0) {
		fprintf(stderr, "lease_client: %s\n", ustack_errmsg(st));
		goto out;
	}
	fprintf(stderr, "lease_client: bound %s/%d on %s\n", text, plen, argv[2]);
	snprintf(buf, sizeof(buf), "BOUND %s", text);
	from.sin_port = htons(67);
	rc = (int)us_sendto(s, buf, strlen(buf), 0, (struct sockaddr *)&from, sizeof(from));
	if (rc < 0)
		fprintf(stderr, "lease_client: BOUND: %s\n", strerror(-rc));
	if (rc < 0 || wait_for("RELEASE", buf, sizeof(buf), &from) < 0)
		goto out;
	rc = ustack_addr_del(st, argv[2], addr);
	fprintf(stderr, "lease_client: released %s: %d\n", text, rc);
	if (rc < 0 || wait_for("DONE", buf, sizeof(buf), &from) < 0)
		goto out;
	fprintf(stderr, "lease_client: done\n");
	us_close(s);
	ustack_destroy(st);
	return 0;
out:
	us_close(s);
	ustack_destroy(st);
	return 1;
}
