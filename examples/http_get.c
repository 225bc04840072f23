/* SPDX-License-Identifier: MIT */
/* An HTTP/1.0 client on ustack: fetches one URL and writes the body to stdout, the status
 * line to stderr.
 *   http_get DEVSPEC IP:PORT/PATH
 *   http_get tap:tap0,addr=10.0.0.2/24,host=10.0.0.1/24 10.0.0.1:8000/index.html
 * Exits 0 when the server answered 2xx and closed the connection, 1 otherwise. */
#include <ustack.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	char host[16], req[1024], buf[16384];
	const char *path, *end = "\r\n\r\n";
	int rc, fd = -1, code = 0, hdr = 0, status = 1;
	struct ustack *st = NULL;
	unsigned port;
	ssize_t n;

	if (argc != 3 || sscanf(argv[2], "%15[0-9.]:%u", host, &port) != 2 || port > 65535 ||
	    inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		fprintf(stderr, "usage: http_get DEVSPEC IP:PORT/PATH\n");
		return 2;
	}
	path = strchr(argv[2], '/') ? strchr(argv[2], '/') : "/";
	a.sin_port = htons((uint16_t)port);
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, host);
	if ((rc = ustack_create(NULL, &st)) < 0 || (rc = ustack_add_device(st, argv[1])) < 0 ||
	    (rc = ustack_start(st)) < 0 || (rc = fd = us_socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    (rc = us_connect(fd, (struct sockaddr *)&a, sizeof(a))) < 0 ||
	    (rc = (int)us_send(fd, req, strlen(req), 0)) < 0) {
		fprintf(stderr, "http_get: %s: %s %s\n", argv[2], strerror(-rc), ustack_errmsg(st));
		goto out;
	}
	/* The head ends at the first empty line; its first line carries the status code. */
	while ((n = us_recv(fd, buf, sizeof(buf) - 1, 0)) > 0) {
		ssize_t i = 0;

		buf[n] = '\0';
		if (!code && hdr < 4 && sscanf(buf, "HTTP/%*d.%*d %d", &code) == 1)
			fprintf(stderr, "%.*s\n", (int)strcspn(buf, "\r\n"), buf);
		for (; i < n && hdr < 4; i++)
			hdr = buf[i] == end[hdr] ? hdr + 1 : (buf[i] == '\r');
		if (hdr == 4 && fwrite(buf + i, 1, (size_t)(n - i), stdout) != (size_t)(n - i))
			break;
	}
	if (n < 0)
		fprintf(stderr, "http_get: recv: %s\n", strerror((int)-n));
	else if (code >= 200 && code < 300 && hdr == 4)
		status = 0;
out:
	if (fd >= 0)
		us_close(fd);
	ustack_drain(st, 2000);
	ustack_destroy(st);
	return status;
}
