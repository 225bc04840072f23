/* SPDX-License-Identifier: MIT */
/* Looks names up with us_getaddrinfo, as getent ahosts does, through a stack on one
 * device: each NAME (or NAME:SERVICE) in turn, one line per address and socket type
 * ("NAME ADDR PORT tcp|udp"), or one line saying why not. The name servers are those of
 * /etc/resolv.conf, or of the file $USTACK_RESOLV_CONF names, with its search list.
 *   resolve DEVSPEC GATEWAY|- [-4|-6] [-s tcp|udp] NAME[:SERVICE]...
 *   USTACK_RESOLV_CONF=my.conf resolve tap:tap0,addr=10.0.0.2/24,host=10.0.0.1/24 10.0.0.1 web.test:http
 * Exits 0 when every name resolved, 1 otherwise, 2 on a usage or setup error. */
#include <ustack.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

static int show(const char *arg, int family, int socktype)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = socktype }, *res, *ai;
	char name[256], *colon;
	int err;

	snprintf(name, sizeof(name), "%s", arg);
	/* NAME:SERVICE, unless the colon belongs to an IPv6 address */
	colon = strrchr(name, ':');
	if (colon && strchr(name, ':') != colon)
		colon = NULL;
	if (colon)
		*colon = '\0';
	err = us_getaddrinfo(name, colon ? colon + 1 : NULL, &hints, &res);
	if (err) {
		printf("%s: %s\n", arg, us_gai_strerror(err));
		return 1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		char a[INET6_ADDRSTRLEN];
		unsigned port;

		if (ai->ai_family == AF_INET) {
			struct sockaddr_in *s = (struct sockaddr_in *)ai->ai_addr;

			inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
			port = ntohs(s->sin_port);
		} else {
			struct sockaddr_in6 *s = (struct sockaddr_in6 *)ai->ai_addr;

			inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
			port = ntohs(s->sin6_port);
		}
		printf("%s %s %u %s\n", name, a, port, ai->ai_socktype == SOCK_DGRAM ? "udp" : "tcp");
	}
	us_freeaddrinfo(res);
	return 0;
}

int main(int argc, char **argv)
{
	struct ustack *st = NULL;
	struct in_addr gw, any = { 0 };
	int i = 3, family = AF_UNSPEC, socktype = SOCK_STREAM, status = 0, rc;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "-4") == 0)
			family = AF_INET;
		else if (strcmp(argv[i], "-6") == 0)
			family = AF_INET6;
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			socktype = strcmp(argv[++i], "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM;
		else
			break;
	}
	if (argc < 4 || i >= argc || (strcmp(argv[2], "-") != 0 && inet_pton(AF_INET, argv[2], &gw) != 1)) {
		fprintf(stderr, "usage: resolve DEVSPEC GATEWAY|- [-4|-6] [-s tcp|udp] NAME[:SERVICE]...\n");
		return 2;
	}
	if ((rc = ustack_create(NULL, &st)) < 0 || (rc = ustack_add_device(st, argv[1])) < 0 ||
	    (strcmp(argv[2], "-") != 0 && (rc = ustack_route_add(st, any, 0, gw, NULL)) < 0) ||
	    (rc = ustack_start(st)) < 0) {
		fprintf(stderr, "resolve: %s %s\n", strerror(-rc), ustack_errmsg(st));
		ustack_destroy(st);
		return 2;
	}
	for (; i < argc; i++)
		status |= show(argv[i], family, socktype);
	fflush(stdout);
	ustack_destroy(st);
	return status;
}
