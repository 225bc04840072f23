/* SPDX-License-Identifier: MIT */
/* One thread, one event loop mixing the terminal with a ustack socket: it drives the stack
 * with ustack_run_once (no loop thread) and looks at stdin and the socket between turns.
 * stdin goes to a TCP peer, the peer's bytes to stdout; at the end of stdin it shuts its
 * side down and waits for the peer to close. stdin_loop DEVSPEC IP PORT */
#include <ustack.h>

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TURN_MS 10 /* longest wait for the stack per turn: stdin's latency */

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct pollfd kp = { .fd = STDIN_FILENO, .events = POLLIN };
	struct us_pollfd up = { .events = US_POLLIN | US_POLLOUT };
	int rc, fd = -1, in_open = 1, connected = 0;
	socklen_t len = sizeof(rc);
	struct ustack *st = NULL;
	char buf[4096];
	ssize_t n, off;

	if (argc != 4 || inet_pton(AF_INET, argv[2], &a.sin_addr) != 1) {
		fprintf(stderr, "usage: stdin_loop DEVSPEC IP PORT\n");
		return 2;
	}
	a.sin_port = htons((uint16_t)atoi(argv[3]));
	if ((rc = ustack_create(NULL, &st)) < 0 || (rc = ustack_add_device(st, argv[1])) < 0 ||
	    (rc = fd = up.fd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0)) < 0 ||
	    ((rc = us_connect(fd, (struct sockaddr *)&a, sizeof(a))) < 0 && rc != -EINPROGRESS))
		goto fail;
	for (;;) {
		if ((rc = ustack_run_once(st, TURN_MS)) < 0)
			goto fail;
		if (us_poll(&up, 1, 0) <= 0)
			continue;
		if (!connected) {
			if (us_getsockopt(fd, SOL_SOCKET, SO_ERROR, &rc, &len) < 0 || rc)
				goto fail; /* rc: why the connect failed, a positive errno */
			connected = 1;
			fprintf(stderr, "stdin_loop: connected to %s:%s\n", argv[2], argv[3]);
		}
		if (in_open && poll(&kp, 1, 0) > 0) {
			if ((n = read(STDIN_FILENO, buf, sizeof(buf))) <= 0) {
				in_open = 0;
				us_shutdown(fd, SHUT_WR); /* our FIN: the peer sees our end */
			}
			for (off = 0; n > 0 && off < n;) { /* taken as the window opens */
				ssize_t w = us_send(fd, buf + off, (size_t)(n - off), 0);
				if (w < 0 && w != -EAGAIN && (rc = (int)w))
					goto fail;
				off += w > 0 ? w : 0;
				ustack_run_once(st, w > 0 ? 0 : TURN_MS);
			}
		}
		if (up.revents & (US_POLLIN | US_POLLHUP | US_POLLERR)) {
			if ((n = us_recv(fd, buf, sizeof(buf), 0)) == -EAGAIN)
				continue;
			if (n > 0 && write(STDOUT_FILENO, buf, (size_t)n) != n)
				n = -1;
			if (n <= 0)
				break; /* 0: the peer closed its side after all it sent */
		}
	}
	us_close(fd);
	ustack_drain(st, 2000);
	ustack_destroy(st);
	return n < 0;
fail:
	fprintf(stderr, "stdin_loop: %s %s\n", strerror(rc < 0 ? -rc : rc), ustack_errmsg(st));
	ustack_destroy(st);
	return 1;
}
