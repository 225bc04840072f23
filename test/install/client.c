/* SPDX-License-Identifier: MIT */
/* A program built against an installed ustack, as a user would build it: only <ustack.h>
 * and `pkg-config --cflags --libs ustack` (test/integration/t_install.sh). It starts a
 * stack, sends a UDP datagram and a TCP stream over the stack's own loopback device
 * (127.0.0.1, no privileges, no kernel device), checks both arrive intact, and takes the
 * stack down.
 *
 * Built with -DCLASH it also defines functions and a variable with the names of the
 * stack's internals (ip_input, tcp_input, cksum, log_level): the shared library exports
 * only its public API, so these link without a clash, the program's own definitions are
 * the ones it calls, and the stack keeps using its own (a wrong cksum would drop every
 * datagram and segment; a log_level of 99 read by the stack would print its debug log).
 *
 * Prints one "ok ..." line and exits 0, or prints what failed and exits 1. */
#include <ustack.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define TCP_BYTES (64 * 1024)
#define WAIT_S 5

#ifdef CLASH
int log_level = 99;
static int ip_input_calls, tcp_input_calls;

int ip_input(int x)
{
	ip_input_calls++;
	return x + 1;
}

int tcp_input(int x)
{
	tcp_input_calls++;
	return x * 2;
}

unsigned cksum(const char *s)
{
	return (unsigned)strlen(s) + 1000u;
}
#endif

static int failed(const char *what, long rc)
{
	fprintf(stderr, "client: %s: %s\n", what, rc < 0 ? strerror((int)-rc) : "wrong result");
	return 1;
}

static struct sockaddr_in lo_addr(uint16_t port)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sa;
}

/* Binds fd to 127.0.0.1 with a port the stack picks, bounds its waits; *out is the address. */
static int bind_lo(int fd, struct sockaddr_in *out)
{
	struct timeval tv = { .tv_sec = WAIT_S };
	struct sockaddr_in sa = lo_addr(0);
	socklen_t len = sizeof(*out);
	int rc;

	rc = us_bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (rc == 0)
		rc = us_getsockname(fd, (struct sockaddr *)out, &len);
	if (rc == 0)
		rc = us_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (rc == 0)
		rc = us_setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return rc;
}

static int udp_check(void)
{
	static const char msg[] = "a datagram over the ustack loopback";
	struct sockaddr_in a_addr, b_addr, src;
	socklen_t srclen = sizeof(src);
	char buf[128];
	int a, b, bad = 1;
	long rc;

	a = us_socket(AF_INET, SOCK_DGRAM, 0);
	b = us_socket(AF_INET, SOCK_DGRAM, 0);
	if (a < 0 || b < 0)
		return failed("us_socket(SOCK_DGRAM)", a < 0 ? a : b);
	if ((rc = bind_lo(a, &a_addr)) || (rc = bind_lo(b, &b_addr))) {
		failed("udp bind", rc);
		goto out;
	}
	rc = us_sendto(a, msg, sizeof(msg), 0, (struct sockaddr *)&b_addr, sizeof(b_addr));
	if (rc != (long)sizeof(msg)) {
		failed("us_sendto", rc);
		goto out;
	}
	rc = us_recvfrom(b, buf, sizeof(buf), 0, (struct sockaddr *)&src, &srclen);
	if (rc != (long)sizeof(msg) || memcmp(buf, msg, sizeof(msg)) ||
	    src.sin_port != a_addr.sin_port) {
		failed("us_recvfrom", rc);
		goto out;
	}
	bad = 0;
out:
	us_close(a);
	us_close(b);
	return bad;
}

static int tcp_check(void)
{
	static unsigned char out[TCP_BYTES], in[TCP_BYTES];
	struct sockaddr_in l_addr, c_addr;
	size_t sent = 0, got = 0;
	int l, c, s = -1, bad = 1;
	long rc;

	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (unsigned char)(i * 7 + i / 251);
	l = us_socket(AF_INET, SOCK_STREAM, 0);
	c = us_socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || c < 0)
		return failed("us_socket(SOCK_STREAM)", l < 0 ? l : c);
	if ((rc = bind_lo(l, &l_addr)) || (rc = us_listen(l, 4)) || (rc = bind_lo(c, &c_addr))) {
		failed("tcp bind/listen", rc);
		goto out;
	}
	rc = us_connect(c, (struct sockaddr *)&l_addr, sizeof(l_addr));
	if (rc) {
		failed("us_connect", rc);
		goto out;
	}
	s = us_accept(l, NULL, NULL);
	if (s < 0) {
		failed("us_accept", s);
		goto out;
	}
	while (sent < sizeof(out)) {
		rc = us_send(c, out + sent, sizeof(out) - sent, 0);
		if (rc <= 0) {
			failed("us_send", rc);
			goto out;
		}
		sent += (size_t)rc;
	}
	us_close(c);
	c = -1;
	for (;;) {
		rc = us_recv(s, in + got, sizeof(in) - got, 0);
		if (rc == 0 && got == sizeof(in))
			break; /* the FIN after every byte */
		if (rc <= 0 || got == sizeof(in)) {
			failed("us_recv", rc);
			goto out;
		}
		got += (size_t)rc;
	}
	if (memcmp(in, out, sizeof(in))) {
		failed("tcp data differs", 0);
		goto out;
	}
	bad = 0;
out:
	if (c >= 0)
		us_close(c);
	if (s >= 0)
		us_close(s);
	us_close(l);
	return bad;
}

int main(void)
{
	struct ustack_config cfg;
	struct ustack *st;
	int rc, bad;

	ustack_config_init(&cfg);
	rc = ustack_create(&cfg, &st);
	if (rc)
		return failed("ustack_create", rc);
	rc = ustack_start(st);
	if (rc) {
		ustack_destroy(st);
		return failed("ustack_start", rc);
	}
	bad = udp_check() || tcp_check();
	if (!bad && ustack_drain(st, WAIT_S * 1000) != 0)
		bad = failed("ustack_drain: connections still closing", 0);
	ustack_destroy(st);
#ifdef CLASH
	if (ip_input(1) != 2 || tcp_input(2) != 4 || cksum("abc") != 1003 || log_level != 99 ||
	    ip_input_calls != 1 || tcp_input_calls != 1)
		bad = failed("the program's own ip_input/tcp_input/cksum/log_level", 0);
#endif
	if (bad)
		return 1;
	printf("ok: udp %zu bytes, tcp %d bytes over 127.0.0.1%s\n",
	       sizeof("a datagram over the ustack loopback"), TCP_BYTES,
#ifdef CLASH
	       ", with the program's own ip_input, tcp_input, cksum and log_level"
#else
	       ""
#endif
	);
	return 0;
}
