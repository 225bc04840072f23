/* SPDX-License-Identifier: MIT */
/* `ustack nc`: stdin to the peer, the peer to stdout, over TCP (default) or UDP (-u).
 *
 *   nc HOST PORT      TCP: connect; stdin EOF sends FIN (shutdown SHUT_WR); exit when the
 *                     peer closes. UDP: each stdin read is one datagram; replies printed.
 *   nc -l PORT        TCP: accept one connection, then as above. UDP: print datagrams and
 *                     send stdin to the last sender.
 * In UDP mode, after stdin EOF wait -q SECS for replies, then exit (<0: until stopped).
 * As OpenBSD nc: -v says on stderr what connected ("Connection to H P port [tcp/http]
 * succeeded!", "Listening on A P", "Connection received on A P"), -z connects to each port
 * (or range 20-25) in turn and closes (exit 0 if any was open), -k keeps a TCP listener
 * serving one client after another, -w SECS bounds the connect and a connection's idle
 * time (no data either way).
 *
 * One thread: the socket is in a readiness set (us_epoll_*), and one kernel poll() waits on
 * stdin and the set's kernel descriptor together, in slices of APP_TICK_MS so that a stop
 * request is seen promptly. A TCP send that does not fit is kept, stdin is left unread and
 * the set watches for room until it has gone. Nothing here needs a terminal. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ustack.h>

#include "apps/app.h"
#include "ip/ip.h"
#include "net/socket.h"

#define NC_BUF (64 * 1024)
#define NC_DGRAM_MAX 65507 /* largest UDP payload */
#define NC_GOING (-1)      /* nc_* steps: the session goes on (else an exit status) */

struct nc_ctx {
	int fd;                    /* the socket */
	int lfd;                   /* TCP -l: the listener (kept with -k) */
	int ep, kfd;               /* its readiness set, and the set's kernel descriptor */
	int udp, listen;
	uint32_t watching;         /* the events the set watches fd for */
	struct app_sockaddr peer;  /* UDP -l: the last sender */
	int have_peer;
	int warned;
	int stdin_eof;             /* stdin ended, or we stopped reading it */
	int stdin_done;            /* stdin itself ended (a -k session after it starts so) */
	uint64_t active_us;        /* the last data either way (-w's idle limit) */
	int peer_eof;              /* TCP: the peer's FIN came */
	int shut;                  /* TCP: our FIN is queued */
	uint64_t eof_us;           /* when stdin ended (UDP's -q linger counts from there) */
	uint8_t *in;               /* stdin bytes read and not yet sent (TCP) */
	size_t in_off, in_len;
	uint8_t *out;              /* bytes from the peer */
	char peer_s[APP_ADDR_STRLEN + 8];
};

/* The set watches for data until the peer's FIN, and for room while a send is pending. */
static void nc_watch(struct nc_ctx *nc)
{
	uint32_t want = (nc->udp || !nc->peer_eof ? US_EPOLLIN : 0) |
			(nc->in_len ? US_EPOLLOUT : 0);
	struct us_epoll_event ev = { .events = want };

	if (want != nc->watching && us_epoll_ctl(nc->ep, US_EPOLL_CTL_MOD, nc->fd, &ev) == 0)
		nc->watching = want;
}

/* TCP: our side is done once stdin has ended and everything read from it is queued. */
static void nc_maybe_shut(struct nc_ctx *nc)
{
	if (!nc->udp && nc->stdin_eof && !nc->in_len && !nc->shut) {
		us_shutdown(nc->fd, SHUT_WR);
		nc->shut = 1;
	}
}

static void nc_stdin_end(struct nc_ctx *nc)
{
	nc->stdin_eof = 1;
	nc->eof_us = app_now_us();
	nc_maybe_shut(nc);
}

/* Sends what stdin gave as far as the stream takes it; the rest waits for room. */
static void nc_flush(struct nc_ctx *nc)
{
	while (nc->in_len) {
		ssize_t n = us_send(nc->fd, nc->in + nc->in_off, nc->in_len, 0);

		if (n == -EAGAIN)
			break;
		if (n < 0) {
			app_error("nc: send to %s: %s", nc->peer_s, strerror((int)-n));
			nc->in_len = 0;
			nc_stdin_end(nc); /* nothing more goes out; the peer may still talk */
			break;
		}
		nc->in_off += (size_t)n;
		nc->in_len -= (size_t)n;
	}
	nc_watch(nc);
	nc_maybe_shut(nc);
}

static void nc_send_dgram(struct nc_ctx *nc, size_t len)
{
	ssize_t s;

	if (!nc->listen) {
		s = us_send(nc->fd, nc->in, len, 0);
		if (s < 0)
			app_error("nc: send to %s: %s", nc->peer_s, strerror((int)-s));
		return;
	}
	if (!nc->have_peer) {
		if (!nc->warned++)
			app_error("nc: no datagram received yet, so no peer to send to: input dropped");
		return;
	}
	if (us_sendto(nc->fd, nc->in, len, 0, &nc->peer.sa, nc->peer.len) < 0 &&
	    !nc->warned++)
		app_error("nc: send failed");
}

/* stdin is readable (or ended). */
static void nc_read_stdin(struct nc_ctx *nc)
{
	size_t chunk = nc->udp ? (NC_BUF < NC_DGRAM_MAX ? NC_BUF : NC_DGRAM_MAX) : NC_BUF;
	ssize_t n = read(STDIN_FILENO, nc->in, chunk);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		nc->stdin_done = 1;
		nc_stdin_end(nc); /* EOF, or stdin is unusable: both end our sending side */
		return;
	}
	nc->active_us = app_now_us();
	if (nc->udp) {
		nc_send_dgram(nc, (size_t)n);
		return;
	}
	nc->in_off = 0;
	nc->in_len = (size_t)n;
	nc_flush(nc);
}

/* The set says the socket is ready: data to stdout, pending stdin to the peer. */
static int nc_socket_ready(struct nc_ctx *nc)
{
	struct us_epoll_event ev;
	struct app_sockaddr src;
	socklen_t srclen = sizeof(src.in6);
	ssize_t n;

	if (us_epoll_wait(nc->ep, &ev, 1, 0) != 1)
		return NC_GOING;
	if (nc->in_len && (ev.events & (US_EPOLLOUT | US_EPOLLERR | US_EPOLLHUP)))
		nc_flush(nc);
	if (!(ev.events & (US_EPOLLIN | US_EPOLLERR | US_EPOLLHUP)) || (!nc->udp && nc->peer_eof))
		return NC_GOING;
	n = us_recvfrom(nc->fd, nc->out, NC_BUF, MSG_DONTWAIT, &src.sa, &srclen);
	if (n == -EAGAIN)
		return NC_GOING;
	if (n < 0) {
		app_error("nc: %s: %s", nc->peer_s, strerror((int)-n));
		return EXIT_FAIL;
	}
	if (n == 0 && !nc->udp) {
		/* The peer closed its side; it may still read what stdin already holds. */
		nc->peer_eof = 1;
		nc_watch(nc);
		return NC_GOING;
	}
	nc->active_us = app_now_us();
	if (nc->udp && nc->listen) {
		src.len = srclen;
		if (app_cfg.nc.verbose && (!nc->have_peer || nc->peer.len != src.len ||
					   memcmp(&nc->peer.sa, &src.sa, src.len))) {
			char a[APP_ADDR_STRLEN];
			fprintf(stderr, "Connection received on %s %u\n",
				app_addr_ntop(&src.sa, a, sizeof(a)), app_addr_port(&src.sa));
		}
		nc->peer = src;
		nc->have_peer = 1;
	}
	if (app_write_all(STDOUT_FILENO, nc->out, (size_t)n) < 0)
		return EXIT_FAIL; /* stdout went away (EPIPE): nobody wants the rest */
	return NC_GOING;
}

/* The session until the peer closes (TCP), the linger after stdin EOF ends (UDP), an
 * error, or a stop request. Returns an exit status. */
static int nc_run(struct nc_ctx *nc)
{
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = nc->kfd, .events = POLLIN },
			{ .fd = STDIN_FILENO, .events = POLLIN },
		};
		int want_stdin = !nc->stdin_eof && !nc->in_len;
		int slice = APP_TICK_MS, r, st;

		if (app_stopping())
			return EXIT_OK;
		if (!nc->udp && nc->peer_eof && nc->stdin_eof && !nc->in_len)
			return EXIT_OK;
		if (app_cfg.nc.wait_s) {
			/* -w: a connection idle this long ends, as OpenBSD nc's */
			uint64_t end = nc->active_us + app_cfg.nc.wait_s * 1000000ull;
			uint64_t now = app_now_us();
			if (now >= end)
				return EXIT_OK;
			if ((end - now) / 1000 < (uint64_t)slice)
				slice = (int)((end - now + 999) / 1000);
		}
		if (nc->udp && nc->stdin_eof && app_cfg.nc.linger_s >= 0) {
			uint64_t end = nc->eof_us + (uint64_t)(app_cfg.nc.linger_s * 1e6);
			uint64_t now = app_now_us();
			if (now >= end)
				return EXIT_OK;
			if ((end - now) / 1000 < (uint64_t)slice)
				slice = (int)((end - now + 999) / 1000);
		}
		/* After the peer's FIN, send what stdin holds already and stop there, as nc does:
		 * a terminal or an idle pipe would otherwise keep us forever. */
		if (!nc->udp && nc->peer_eof && want_stdin)
			slice = 0;
		r = poll(p, want_stdin ? 2 : 1, slice);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			app_error("nc: poll: %s", strerror(errno));
			return EXIT_FAIL;
		}
		if (p[0].revents) {
			st = nc_socket_ready(nc);
			if (st != NC_GOING)
				return st;
		}
		if (want_stdin && p[1].revents)
			nc_read_stdin(nc);
		else if (want_stdin && !nc->udp && nc->peer_eof)
			nc_stdin_end(nc);
	}
}

/* "[tcp/http]": the service name /etc/services gives the port, or "*", as OpenBSD nc. */
static const char *nc_service(uint16_t port, int udp)
{
	struct servent *se = getservbyport(htons(port), udp ? "udp" : "tcp");

	return se && se->s_name ? se->s_name : "*";
}

/* A connect that failed, as OpenBSD nc -v says it. */
static void nc_connect_failed(const char *host, uint16_t port, int udp, int err)
{
	if (err == -ETIMEDOUT)
		app_error("nc: connect to %s port %u (%s) timed out: Operation now in progress",
			  host, port, udp ? "udp" : "tcp");
	else
		app_error("nc: connect to %s port %u (%s) failed: %s", host, port,
			  udp ? "udp" : "tcp", strerror(-err));
}

static void conn_error(const char *what, const char *peer, int err)
{
	const char *hint = "";

	if (err == -ECONNREFUSED)
		hint = " (is anything listening there?)";
	else if (err == -ENETUNREACH)
		hint = " (add --gw GATEWAY or --route PREFIX/N,via=GW)";
	else if (err == -EHOSTUNREACH)
		hint = " (nobody answered ARP or neighbour discovery for it, or a router said so:"
		       " check the address)";
	else if (err == -ETIMEDOUT)
		hint = " (no answer: check the address and the device)";
	else if (err == -EADDRINUSE)
		hint = " (pick another port)";
	app_error("nc: %s %s: %s%s", what, peer, strerror(-err), hint);
}

/* Sets up nc->fd: connected (TCP, UDP client) or bound (UDP -l); for TCP -l, nc->lfd
 * listening (nc_accept then takes a connection). */
static int nc_open(struct nc_ctx *nc)
{
	struct app_sockaddr a, list[APP_RESOLVE_MAX];
	uint16_t port;
	int fd, err, one = 1, n = 1;
	const char *any = "0.0.0.0";

	if (nc->listen) {
		/* -l: on :: with IPV6_V6ONLY off, IPv4 and IPv6 both (-6: IPv6 only) */
		if (app_parse_port(app_cfg.args[0], &port))
			return -EINVAL;
		memset(&a, 0, sizeof(a));
		a.in6.sin6_family = AF_INET6;
		a.in6.sin6_port = htons(port);
		a.len = sizeof(a.in6);
		if (app_cfg.nc.ipv6)
			any = "::";
	} else if (app_parse_port(app_cfg.args[1], &port) ||
		   (n = app_resolve_list(app_cfg.args[0], port, app_cfg.nc.ipv6 ? AF_INET6 : 0,
					 list, nc->udp ? 1 : APP_RESOLVE_MAX)) < 0) {
		return -EINVAL;
	} else {
		a = list[0];
	}
	if (!nc->listen && !nc->udp) {
		/* TCP: each address of the name in turn */
		int ms = (int)(app_cfg.nc.wait_s ? app_cfg.nc.wait_s : app_cfg.lim.timeout_s) * 1000;
		int used = 0;

		err = app_connect_list(list, n, ms, &fd, &used);
		a = list[used];
		snprintf(nc->peer_s, sizeof(nc->peer_s), "%s%s%s:%u",
			 a.sa.sa_family == AF_INET6 ? "[" : "", app_cfg.args[0],
			 a.sa.sa_family == AF_INET6 ? "]" : "", port);
		if (err == 0)
			nc->fd = fd;
		if (err < 0 && err != -EINTR) {
			if (app_cfg.nc.verbose)
				nc_connect_failed(app_cfg.args[0], port, 0, err);
			else
				conn_error("connect to", nc->peer_s, err);
		} else if (err == 0 && app_cfg.nc.verbose) {
			fprintf(stderr, "Connection to %s %u port [tcp/%s] succeeded!\n",
				app_cfg.args[0], port, nc_service(port, 0));
		}
		return err;
	}
	snprintf(nc->peer_s, sizeof(nc->peer_s), "%s%s%s:%u",
		 !nc->listen && a.sa.sa_family == AF_INET6 ? "[" : "",
		 nc->listen ? any : app_cfg.args[0],
		 !nc->listen && a.sa.sa_family == AF_INET6 ? "]" : "", port);
	fd = us_socket(a.sa.sa_family, nc->udp ? SOCK_DGRAM : SOCK_STREAM,
		       nc->udp ? IPPROTO_UDP : IPPROTO_TCP);
	if (fd < 0) {
		app_error("nc: cannot open a %s socket: %s", nc->udp ? "UDP" : "TCP", strerror(-fd));
		return fd;
	}
	nc->fd = fd;
	app_apply_bufs(fd);
	if (!nc->listen) { /* UDP: TCP connected above */
		err = us_connect(fd, &a.sa, a.len);
		if (err < 0 && err != -EINTR) {
			if (app_cfg.nc.verbose)
				nc_connect_failed(app_cfg.args[0], port, 1, err);
			else
				conn_error("connect to", nc->peer_s, err);
		} else if (err == 0 && app_cfg.nc.verbose) {
			fprintf(stderr, "Connection to %s %u port [udp/%s] succeeded!\n",
				app_cfg.args[0], port, nc_service(port, 1));
		}
		return err;
	}
	us_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (app_cfg.nc.ipv6)
		us_setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	err = us_bind(fd, &a.sa, a.len);
	if (err < 0) {
		conn_error("bind", nc->peer_s, err);
		return err;
	}
	if (nc->udp) {
		if (app_cfg.nc.verbose)
			fprintf(stderr, "Bound on %s %u\n", any, port);
		return 0;
	}
	err = us_listen(fd, 1);
	if (err < 0) {
		conn_error("listen on", nc->peer_s, err);
		return err;
	}
	us_set_nonblock(fd, 1);
	nc->lfd = fd;
	nc->fd = -1;
	if (app_cfg.nc.verbose)
		fprintf(stderr, "Listening on %s %u\n", any, port);
	return 0;
}

/* TCP -l: waits for the next connection on nc->lfd into nc->fd. Without -k the listener
 * goes once a connection is in, as nc does. */
static int nc_accept(struct nc_ctx *nc)
{
	for (;;) {
		struct sockaddr_in6 peer;
		socklen_t peerlen = sizeof(peer);
		char s[APP_ADDR_STRLEN];
		int c, ev = app_wait(nc->lfd, US_POLLIN, -1);

		if (ev < 0)
			return ev;
		c = us_accept(nc->lfd, (struct sockaddr *)&peer, &peerlen);
		if (c == -EAGAIN)
			continue;
		if (c < 0) {
			conn_error("accept on", nc->peer_s, c);
			return c;
		}
		if (!app_cfg.nc.keep) {
			us_close(nc->lfd); /* one connection, as nc does */
			nc->lfd = -1;
		}
		nc->fd = c;
		us_set_nonblock(c, 1);
		app_addr_ntop((struct sockaddr *)&peer, s, sizeof(s));
		app_endpoint_ntop((struct sockaddr *)&peer, nc->peer_s, sizeof(nc->peer_s));
		if (app_cfg.nc.verbose)
			fprintf(stderr, "Connection received on %s %u\n", s,
				app_addr_port((struct sockaddr *)&peer));
		return 0;
	}
}

/* "22" or "20-25" into a range; -EINVAL after the error line. */
static int nc_parse_ports(const char *s, uint16_t *lo, uint16_t *hi)
{
	const char *dash = strchr(s, '-');
	char first[8];

	if (!dash)
		return app_parse_port(s, lo) ? -EINVAL : (*hi = *lo, 0);
	if ((size_t)(dash - s) >= sizeof(first)) {
		app_error("bad port range '%s': give FIRST-LAST like 20-25", s);
		return -EINVAL;
	}
	memcpy(first, s, (size_t)(dash - s));
	first[dash - s] = '\0';
	if (app_parse_port(first, lo) || app_parse_port(dash + 1, hi))
		return -EINVAL;
	if (*lo > *hi) {
		app_error("bad port range '%s': the first port must not exceed the last", s);
		return -EINVAL;
	}
	return 0;
}

/* -z: connects to every port given, one at a time, and closes at once (nothing sent).
 * Exit 0 if any was open, 1 if none. */
static int nc_scan(void)
{
	struct app_sockaddr a;
	int ms = (int)(app_cfg.nc.wait_s ? app_cfg.nc.wait_s : app_cfg.lim.timeout_s) * 1000;
	int open = 0;

	if (app_resolve(app_cfg.args[0], 0, app_cfg.nc.ipv6 ? AF_INET6 : 0, &a))
		return EXIT_USAGE;
	for (int i = 1; i < app_cfg.nargs; i++) {
		uint16_t lo, hi;

		if (nc_parse_ports(app_cfg.args[i], &lo, &hi))
			return EXIT_USAGE;
	}
	for (int i = 1; i < app_cfg.nargs && !app_stopping(); i++) {
		uint16_t lo, hi;

		nc_parse_ports(app_cfg.args[i], &lo, &hi);
		for (uint32_t port = lo; port <= hi && !app_stopping(); port++) {
			int fd = us_socket(a.sa.sa_family, SOCK_STREAM, IPPROTO_TCP), err;

			if (fd < 0) {
				app_error("nc: cannot open a TCP socket: %s", strerror(-fd));
				return EXIT_FAIL;
			}
			app_apply_bufs(fd);
			if (a.sa.sa_family == AF_INET6)
				a.in6.sin6_port = htons((uint16_t)port);
			else
				a.in.sin_port = htons((uint16_t)port);
			err = app_connect(fd, &a, ms);
			us_close(fd);
			if (err == -EINTR)
				break;
			if (err == 0)
				open++;
			if (err == 0 && app_cfg.nc.verbose)
				fprintf(stderr, "Connection to %s %u port [tcp/%s] succeeded!\n",
					app_cfg.args[0], port, nc_service((uint16_t)port, 0));
			else if (err < 0 && app_cfg.nc.verbose)
				nc_connect_failed(app_cfg.args[0], (uint16_t)port, 0, err);
		}
	}
	return open ? EXIT_OK : EXIT_FAIL;
}

/* The socket into a readiness set whose kernel descriptor nc_run polls beside stdin. */
static int nc_watch_start(struct nc_ctx *nc)
{
	struct us_epoll_event ev = { .events = US_EPOLLIN };
	int err;

	nc->ep = us_epoll_create();
	if (nc->ep < 0)
		return nc->ep;
	err = us_epoll_ctl(nc->ep, US_EPOLL_CTL_ADD, nc->fd, &ev);
	if (err < 0)
		return err;
	nc->watching = ev.events;
	nc->kfd = us_epoll_fd(nc->ep);
	return nc->kfd < 0 ? nc->kfd : 0;
}

/* Back to the start of a session for the next -k client: stdin goes on where it was. */
static void nc_session_reset(struct nc_ctx *nc)
{
	if (nc->ep >= 0)
		us_close(nc->ep);
	if (nc->fd >= 0)
		us_close(nc->fd);
	nc->ep = nc->fd = -1;
	nc->watching = 0;
	nc->peer_eof = nc->shut = 0;
	nc->in_off = nc->in_len = 0;
	nc->stdin_eof = nc->stdin_done;
}

int nc_main(void)
{
	struct nc_ctx nc = { .fd = -1, .lfd = -1, .ep = -1, .udp = app_cfg.nc.udp,
			     .listen = app_cfg.nc.listen };
	int status, err;

	if (app_cfg.nc.scan)
		return nc_scan();
	err = nc_open(&nc);
	if (err < 0) {
		status = err == -EINVAL ? EXIT_USAGE : err == -EINTR ? EXIT_OK : EXIT_FAIL;
		goto out;
	}
	nc.in = malloc(NC_BUF);
	nc.out = malloc(NC_BUF);
	if (!nc.in || !nc.out) {
		app_error("nc: out of memory");
		status = EXIT_FAIL;
		goto out;
	}
	for (;;) {
		if (nc.lfd >= 0) {
			err = nc_accept(&nc);
			if (err < 0) {
				status = err == -EINTR ? EXIT_OK : EXIT_FAIL;
				goto out;
			}
		}
		us_set_nonblock(nc.fd, 1);
		err = nc_watch_start(&nc);
		if (err < 0) {
			app_error("nc: cannot watch the socket: %s", strerror(-err));
			status = EXIT_FAIL;
			goto out;
		}
		nc.active_us = app_now_us();
		status = nc_run(&nc);
		if (nc.lfd < 0 || app_stopping())
			break;
		nc_session_reset(&nc); /* -k: the next client */
	}
out:
	if (nc.ep >= 0)
		us_close(nc.ep);
	if (nc.fd >= 0)
		us_close(nc.fd);
	if (nc.lfd >= 0)
		us_close(nc.lfd);
	free(nc.in);
	free(nc.out);
	return status;
}
