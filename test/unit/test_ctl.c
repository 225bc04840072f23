/* SPDX-License-Identifier: MIT */
/* `ustack ctl`'s request side (lib/ctl.h): splitting a request line, names, the rate format,
 * each request against a stack on loopback (sockets in known states for ss, addresses and
 * routes added and removed, counters and their deltas), bad requests, and, as root, one
 * request through the control socket itself. */
#include <ustack.h>

#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/ctl.h"

/* Runs one request given as a line; the answer (or "" on error) goes into a string the
 * caller frees; returns ctl_request's result with the error line in err. */
static int run(struct ustack *st, const char *req, char **ans, char *err, size_t errlen)
{
	char line[CTL_LINE_MAX], *argv[CTL_ARGS_MAX];
	size_t len = 0;
	FILE *out;
	int argc, rc;

	snprintf(line, sizeof(line), "%s", req);
	argc = ctl_split(line, argv, CTL_ARGS_MAX);
	assert_true(argc >= 0);
	*ans = NULL;
	out = open_memstream(ans, &len);
	assert_non_null(out);
	rc = ctl_request(st, argc, argv, out, err, errlen);
	fclose(out);
	return rc;
}

/* The answer to req, which must succeed. */
static char *ok(struct ustack *st, const char *req)
{
	char err[256], *ans;

	if (run(st, req, &ans, err, sizeof(err)))
		fail_msg("'%s' failed: %s", req, err);
	return ans;
}

/* req must fail with rc; its one-line message must contain want. */
static void bad(struct ustack *st, const char *req, int rc, const char *want)
{
	char err[256], *ans;

	assert_int_equal(run(st, req, &ans, err, sizeof(err)), rc);
	free(ans);
	if (!strstr(err, want))
		fail_msg("'%s': message '%s' lacks '%s'", req, err, want);
	assert_null(strchr(err, '\n'));
}

/* Whether some line of text has exactly these whitespace-separated words. */
static int has_line(const char *text, const char *words)
{
	char want[256], got[256];
	const char *p = text;

	/* normalise both to single spaces */
	snprintf(want, sizeof(want), "%s", words);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p), k = 0;
		int space = 0;

		for (size_t i = 0; i < n && k + 1 < sizeof(got); i++) {
			if (p[i] == ' ' || p[i] == '\t') {
				space = k > 0;
				continue;
			}
			if (space)
				got[k++] = ' ';
			space = 0;
			got[k++] = p[i];
		}
		got[k] = '\0';
		if (!strcmp(got, want))
			return 1;
		p += n + (nl ? 1 : 0);
	}
	return 0;
}

static void test_split(void **state)
{
	char line[128], *argv[4];

	(void)state;
	strcpy(line, "  ss\t-t  -i\n");
	assert_int_equal(ctl_split(line, argv, 4), 3);
	assert_string_equal(argv[0], "ss");
	assert_string_equal(argv[1], "-t");
	assert_string_equal(argv[2], "-i");
	strcpy(line, "");
	assert_int_equal(ctl_split(line, argv, 4), 0);
	strcpy(line, "a b c d e");
	assert_int_equal(ctl_split(line, argv, 4), -E2BIG);
}

static void test_names_and_rates(void **state)
{
	char buf[128];

	(void)state;
	assert_true(ctl_name_valid("ustap0"));
	assert_true(ctl_name_valid("web_1.test-2"));
	assert_false(ctl_name_valid(""));
	assert_false(ctl_name_valid(".hidden"));
	assert_false(ctl_name_valid("-x"));
	assert_false(ctl_name_valid("a/b"));
	assert_false(ctl_name_valid("a b"));
	assert_false(ctl_name_valid("abcdefghijklmnopqrstuvwxyz0123456")); /* 33 */
	assert_int_equal(ctl_path("web", buf, sizeof(buf)), 0);
	assert_string_equal(buf, CTL_DIR "/web.sock");
	assert_int_equal(ctl_path("../x", buf, sizeof(buf)), -EINVAL);
	ctl_fmt_rate(buf, sizeof(buf), 1.25e6 * 8);
	assert_string_equal(buf, "10.0Mbps");
	ctl_fmt_rate(buf, sizeof(buf), 3.2e9);
	assert_string_equal(buf, "3.2Gbps");
	ctl_fmt_rate(buf, sizeof(buf), 4800);
	assert_string_equal(buf, "4.8Kbps");
	ctl_fmt_rate(buf, sizeof(buf), 800);
	assert_string_equal(buf, "800bps");
}

static struct sockaddr_in sin_of(const char *ip, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	assert_int_equal(inet_pton(AF_INET, ip, &a.sin_addr), 1);
	return a;
}

#define SA(p) ((struct sockaddr *)(p))

/* Waits (at most 2 s) until fd is readable: the loop thread has done its part. */
static void wait_readable(int fd)
{
	struct us_pollfd p = { .fd = fd, .events = US_POLLIN };

	assert_int_equal(us_poll(&p, 1, 2000), 1);
}

/* Asks `ss -t` until a line equals want (at most 2 s: the loop thread runs meanwhile). */
static void wait_ss_line(struct ustack *st, const char *want)
{
	for (int i = 0; i < 200; i++) {
		char *ans = ok(st, "ss -t");
		int found = has_line(ans, want);

		free(ans);
		if (found)
			return;
		usleep(10 * 1000);
	}
	fail_msg("no '%s' in ctl ss -t within 2 s", want);
}

static void test_ss(void **state)
{
	struct ustack *st;
	struct sockaddr_in a = sin_of("127.0.0.1", 5000), u = sin_of("127.0.0.1", 5353);
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);
	char want[128], *ans;
	int l, c, s, d;

	(void)state;
	assert_int_equal(ustack_create(NULL, &st), 0);
	assert_int_equal(ustack_start(st), 0);
	l = us_socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(us_bind(l, SA(&a), sizeof(a)), 0);
	assert_int_equal(us_listen(l, 7), 0);
	c = us_socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(us_connect(c, SA(&a), sizeof(a)), 0);
	/* not accepted yet: the accept queue holds one of 7 */
	wait_readable(l);
	ans = ok(st, "ss -t -l");
	assert_true(has_line(ans, "State Recv-Q Send-Q Local Address:Port Peer Address:Port"));
	assert_true(has_line(ans, "LISTEN 1 7 127.0.0.1:5000 0.0.0.0:*"));
	free(ans);
	s = us_accept(l, SA(&peer), &plen);
	assert_true(s >= 0);
	assert_int_equal(us_send(c, "hello", 5, 0), 5);
	wait_readable(s);
	/* and the client's side has its ACK: nothing left unacknowledged */
	snprintf(want, sizeof(want), "ESTAB 0 0 127.0.0.1:%u 127.0.0.1:5000", ntohs(peer.sin_port));
	wait_ss_line(st, want);
	ans = ok(st, "ss -t");
	assert_true(has_line(ans, "LISTEN 0 7 127.0.0.1:5000 0.0.0.0:*"));
	/* the server's side holds the 5 unread bytes; ESTAB both ways */
	snprintf(want, sizeof(want), "ESTAB 5 0 127.0.0.1:5000 127.0.0.1:%u", ntohs(peer.sin_port));
	assert_true(has_line(ans, want));
	snprintf(want, sizeof(want), "ESTAB 0 0 127.0.0.1:%u 127.0.0.1:5000", ntohs(peer.sin_port));
	assert_true(has_line(ans, want));
	assert_null(strstr(ans, "udp"));
	free(ans);
	/* -i: the TCP_INFO line under each */
	ans = ok(st, "ss -ti");
	assert_non_null(strstr(ans, "\t cubic wscale:"));
	assert_non_null(strstr(ans, " bytes_acked:5 "));
	assert_non_null(strstr(ans, " bytes_received:5 "));
	free(ans);
	/* UDP, and the Netid column once both are listed */
	d = us_socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(us_bind(d, SA(&u), sizeof(u)), 0);
	ans = ok(st, "ss -u");
	assert_true(has_line(ans, "UNCONN 0 0 127.0.0.1:5353 0.0.0.0:*"));
	free(ans);
	ans = ok(st, "ss -a -n");
	assert_true(has_line(ans, "Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port"));
	assert_true(has_line(ans, "udp UNCONN 0 0 127.0.0.1:5353 0.0.0.0:*"));
	assert_true(has_line(ans, "tcp LISTEN 0 7 127.0.0.1:5000 0.0.0.0:*"));
	free(ans);
	/* the client closes first: its side goes through FIN-WAIT to TIME-WAIT (the server
	 * reads first: closing with unread data would send a RST instead) */
	assert_int_equal(us_recv(s, want, 5, 0), 5);
	us_close(c);
	us_close(s);
	snprintf(want, sizeof(want), "TIME-WAIT 0 0 127.0.0.1:%u 127.0.0.1:5000", ntohs(peer.sin_port));
	wait_ss_line(st, want);
	ans = ok(st, "ss -tl");
	assert_null(strstr(ans, "TIME-WAIT"));
	free(ans);
	bad(st, "ss -x", -EINVAL, "unknown option '-x'");
	bad(st, "ss tcp", -EINVAL, "unexpected 'tcp'");
	us_close(d);
	us_close(l);
	ustack_destroy(st);
	test_assert_no_leaks();
}

static void test_addr_route_neigh(void **state)
{
	struct ustack *st;
	char *ans;

	(void)state;
	assert_int_equal(ustack_create(NULL, &st), 0);
	ans = ok(st, "addr");
	assert_true(has_line(ans, "lo UP 127.0.0.1/8"));
	free(ans);
	ans = ok(st, "addr add 10.5.0.1/24 dev lo");
	assert_string_equal(ans, "");
	free(ans);
	free(ok(st, "route add 10.6.0.0/16 via 10.5.0.2 dev lo"));
	free(ok(st, "route add default via 10.5.0.3 dev lo"));
	ans = ok(st, "addr show");
	assert_true(has_line(ans, "lo UP 127.0.0.1/8 10.5.0.1/24"));
	free(ans);
	ans = ok(st, "route");
	assert_true(has_line(ans, "10.5.0.0/24 dev lo proto kernel scope link src 10.5.0.1"));
	assert_true(has_line(ans, "10.6.0.0/16 via 10.5.0.2 dev lo"));
	assert_true(has_line(ans, "default via 10.5.0.3 dev lo"));
	free(ans);
	free(ok(st, "route del 10.6.0.0/16"));
	free(ok(st, "route del default"));
	free(ok(st, "addr del 10.5.0.1/24 dev lo"));
	ans = ok(st, "route");
	assert_null(strstr(ans, "10.5.0."));
	assert_null(strstr(ans, "10.6.0."));
	assert_null(strstr(ans, "default"));
	free(ans);
	/* nothing resolved over loopback: an empty ARP cache */
	ans = ok(st, "neigh");
	assert_string_equal(ans, "");
	free(ans);
	bad(st, "route del 10.6.0.0/16", -ESRCH, "no route");
	bad(st, "route add 10.6.0.0/16 via 10.5.0.2", -EINVAL, "dev DEV");
	bad(st, "route add 10.6.0.1/16 dev lo", -EINVAL, "host bits");
	bad(st, "route add 10.6.0.0/40 dev lo", -EINVAL, "route add");
	bad(st, "route add 10.6.0.0/16 via nowhere dev lo", -EINVAL, "no IPv4 address");
	bad(st, "addr add 10.5.0.1 dev lo", -EINVAL, "A.B.C.D/N");
	bad(st, "addr add 10.5.0.1/24 dev nosuch0", -ENODEV, "addr add");
	bad(st, "addr del 10.5.0.9/24 dev lo", -EADDRNOTAVAIL, "addr del");
	bad(st, "neigh add 10.5.0.9", -EINVAL, "ARP");
	bad(st, "route flush", -EINVAL, "unknown 'flush'");
	bad(st, "impair loss=5 dev lo", -EINVAL, "loopback");
	bad(st, "", -EINVAL, "empty request");
	bad(st, "sockets", -EINVAL, "unknown request 'sockets'");
	ustack_destroy(st);
	test_assert_no_leaks();
}

static void test_stats(void **state)
{
	struct ustack *st;
	struct sockaddr_in u = sin_of("127.0.0.1", 7777);
	char *ans, buf[16];
	int d;

	(void)state;
	assert_int_equal(ustack_create(NULL, &st), 0);
	assert_int_equal(ustack_start(st), 0);
	d = us_socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(us_bind(d, SA(&u), sizeof(u)), 0);
	assert_int_equal(us_sendto(d, "x", 1, 0, SA(&u), sizeof(u)), 1);
	assert_int_equal(us_recv(d, buf, sizeof(buf), 0), 1); /* blocking: it has arrived */
	ans = ok(st, "stats");
	assert_true(has_line(ans, "udp.out_datagrams 1"));
	assert_null(strstr(ans, " 0\n")); /* only the non-zero ones */
	free(ans);
	ans = ok(st, "stats -a");
	assert_non_null(strstr(ans, " 0\n"));
	free(ans);
	/* the first --delta counts from zero, the next from it */
	free(ok(st, "stats --delta"));
	ans = ok(st, "stats --delta");
	assert_null(strstr(ans, "udp."));
	free(ans);
	assert_int_equal(us_sendto(d, "y", 1, 0, SA(&u), sizeof(u)), 1);
	assert_int_equal(us_sendto(d, "z", 1, 0, SA(&u), sizeof(u)), 1);
	assert_int_equal(us_recv(d, buf, sizeof(buf), 0), 1);
	assert_int_equal(us_recv(d, buf, sizeof(buf), 0), 1);
	ans = ok(st, "stats -j --delta");
	assert_int_equal(ans[0], '{');
	assert_non_null(strstr(ans, "\"udp.out_datagrams\": 2"));
	assert_non_null(strstr(ans, "\"udp.in_datagrams\": 2"));
	assert_non_null(strstr(ans, "\n}\n"));
	free(ans);
	ans = ok(st, "stats -j --delta");
	assert_string_equal(ans, "{}\n");
	free(ans);
	bad(st, "stats -x", -EINVAL, "unknown option '-x'");
	ctl_stats_reset();
	us_close(d);
	ustack_destroy(st);
	test_assert_no_leaks();
}

/* As root: a request through the socket, the reply's framing, and the socket removed. */
static void test_server(void **state)
{
	struct ustack *st;
	struct ctl_server *srv, *srv2;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char name[32], err[256], buf[4096];
	struct stat sb;
	size_t len = 0;
	ssize_t n;
	int fd;

	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(name, sizeof(name), "unit-%d", (int)getpid());
	assert_int_equal(ctl_path(name, sa.sun_path, sizeof(sa.sun_path)), 0);
	assert_int_equal(ustack_create(NULL, &st), 0);
	assert_int_equal(ctl_server_start(st, name, &srv, err, sizeof(err)), 0);
	assert_int_equal(stat(sa.sun_path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(ctl_probe(sa.sun_path), 1);
	/* the name is taken while it runs */
	assert_int_equal(ctl_server_start(st, name, &srv2, err, sizeof(err)), -EADDRINUSE);
	assert_non_null(strstr(err, "already"));

	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, "route\n", 6), 6);
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	assert_string_equal(buf, "ok\n127.0.0.0/8 dev lo proto kernel scope link src 127.0.0.1\n.\n");

	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, "nonsense\n", 9), 9);
	len = 0;
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	assert_string_equal(buf, "error unknown request 'nonsense': give ss, neigh, route, addr, "
				 "stats, impair, trace or pcap\n.\n");

	ctl_server_stop(srv);
	assert_int_equal(stat(sa.sun_path, &sb), -1);
	assert_int_equal(ctl_probe(sa.sun_path), 0);
	ustack_destroy(st);
	test_assert_no_leaks();
}

int main(void)
{
	/* an application of the public API: the formatters take the stack lock themselves */
	test_unlock();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_names_and_rates),
		cmocka_unit_test(test_ss),
		cmocka_unit_test(test_addr_route_neigh),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_server),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
