/* `ustack nc`: stdin to the peer, the peer to stdout, over TCP (default) or UDP (-u).
 *
 *   nc HOST PORT      TCP: connect; stdin EOF sends FIN (shutdown SHUT_WR); exit when the
 *                     peer closes. UDP: each stdin read is one datagram; replies printed.
 *   nc -l PORT        TCP: accept one connection, then as above. UDP: print datagrams and
 *                     send stdin to the last sender.
 * In UDP mode, after stdin EOF wait -q SECS for replies, then exit (<0: until stopped).
 *
 * Two threads: the main thread receives and writes stdout; a second thread reads stdin
 * and sends. Both wait in slices of APP_TICK_MS so that either can end the other, and a
 * stop request, promptly. Nothing here needs a terminal. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apps/app.h"
#include "ip/ip.h"
#include "net/socket.h"

#define NC_BUF (64 * 1024)
#define NC_DGRAM_MAX 65507 /* largest UDP payload */

struct nc_ctx {
	int fd;
	int udp, listen;
	pthread_mutex_t lock;      /* guards peer and have_peer (the UDP listener's sender) */
	struct sockaddr_in peer;
	int have_peer;
	atomic_int done;           /* the main thread is finished: the stdin thread leaves */
	atomic_int peer_eof;       /* TCP peer closed: send what stdin holds now, then leave */
	atomic_int stdin_eof;
	_Atomic uint64_t eof_us;
	char peer_s[32];
};

static int nc_should_stop(struct nc_ctx *nc)
{
	return app_stopping() || atomic_load(&nc->done);
}

/* Sends a stream's bytes, waiting for room in slices so that a finished session ends it. */
static int nc_send_stream(struct nc_ctx *nc, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = us_send(nc->fd, p, len, 0);
		if (n == -EAGAIN) {
			int ev = app_wait(nc->fd, US_POLLOUT, APP_TICK_MS);
			if (ev < 0)
				return ev;
			if (nc_should_stop(nc))
				return -EINTR;
			continue;
		}
		if (n < 0)
			return (int)n;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void *nc_stdin_main(void *arg)
{
	struct nc_ctx *nc = arg;
	uint8_t *buf = malloc(NC_BUF);
	size_t chunk = nc->udp ? (NC_BUF < NC_DGRAM_MAX ? NC_BUF : NC_DGRAM_MAX) : NC_BUF;
	int warned = 0;

	while (buf && !nc_should_stop(nc)) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		int peer_eof = atomic_load(&nc->peer_eof);
		ssize_t n;
		/* After the peer's FIN, send what stdin holds already and stop there, as nc does:
		 * a terminal or an idle pipe would otherwise keep us forever. */
		int r = poll(&p, 1, peer_eof ? 0 : APP_TICK_MS);

		if (r < 0 && errno != EINTR)
			break;
		if (r == 0 && peer_eof)
			break;
		if (r <= 0)
			continue;
		n = read(STDIN_FILENO, buf, chunk);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break; /* EOF, or stdin is unusable: both end our sending side */
		if (!nc->udp) {
			int err = nc_send_stream(nc, buf, (size_t)n);
			if (err < 0) {
				if (err != -EINTR)
					app_error("nc: send to %s: %s", nc->peer_s, strerror(-err));
				break;
			}
		} else if (!nc->listen) {
			ssize_t s = us_send(nc->fd, buf, (size_t)n, 0);
			if (s < 0)
				app_error("nc: send to %s: %s", nc->peer_s, strerror((int)-s));
		} else {
			struct sockaddr_in to;
			int have;
			pthread_mutex_lock(&nc->lock);
			have = nc->have_peer;
			to = nc->peer;
			pthread_mutex_unlock(&nc->lock);
			if (!have) {
				if (!warned++)
					app_error("nc: no datagram received yet, so no peer to send to: "
						  "input dropped");
				continue;
			}
			if (us_sendto(nc->fd, buf, (size_t)n, 0, (const struct sockaddr *)&to,
				      sizeof(to)) < 0 && !warned++)
				app_error("nc: send failed");
		}
	}
	if (!nc->udp && !nc_should_stop(nc))
		us_shutdown(nc->fd, SHUT_WR);
	atomic_store(&nc->eof_us, app_now_us());
	atomic_store(&nc->stdin_eof, 1);
	free(buf);
	return NULL;
}

/* The peer to stdout until it closes, we stop, or (UDP) the linger after stdin EOF ends.
 * Returns an exit status. */
static int nc_receive(struct nc_ctx *nc)
{
	uint8_t *buf = malloc(NC_BUF);
	int status = EXIT_OK;

	if (!buf)
		return EXIT_FAIL;
	for (;;) {
		struct sockaddr_in src;
		socklen_t srclen;
		int slice = APP_TICK_MS, ev;
		ssize_t n;

		if (nc->udp && atomic_load(&nc->stdin_eof) && app_cfg.nc.linger_s >= 0) {
			uint64_t end = atomic_load(&nc->eof_us) + (uint64_t)(app_cfg.nc.linger_s * 1e6);
			uint64_t now = app_now_us();
			if (now >= end)
				break;
			if ((end - now) / 1000 < (uint64_t)slice)
				slice = (int)((end - now + 999) / 1000);
		}
		ev = app_wait(nc->fd, US_POLLIN, slice);
		if (ev == -EINTR)
			break;
		if (ev <= 0)
			continue;
		srclen = sizeof(src);
		n = us_recvfrom(nc->fd, buf, NC_BUF, MSG_DONTWAIT,
				(struct sockaddr *)&src, &srclen);
		if (n == -EAGAIN)
			continue;
		if (n < 0) {
			app_error("nc: %s: %s", nc->peer_s, strerror((int)-n));
			status = EXIT_FAIL;
			break;
		}
		if (n == 0 && !nc->udp) {
			/* The peer closed its side; it may still read what stdin already holds. */
			atomic_store(&nc->peer_eof, 1);
			break;
		}
		if (nc->udp && nc->listen) {
			pthread_mutex_lock(&nc->lock);
			nc->peer = src;
			nc->have_peer = 1;
			pthread_mutex_unlock(&nc->lock);
		}
		if (app_write_all(STDOUT_FILENO, buf, (size_t)n) < 0) {
			status = EXIT_FAIL; /* stdout went away (EPIPE): nobody wants the rest */
			break;
		}
	}
	free(buf);
	return status;
}

static void conn_error(const char *what, const char *peer, int err)
{
	const char *hint = "";

	if (err == -ECONNREFUSED)
		hint = " (is anything listening there?)";
	else if (err == -ENETUNREACH || err == -EHOSTUNREACH)
		hint = " (add --gw GATEWAY or --route PREFIX/N,via=GW)";
	else if (err == -ETIMEDOUT)
		hint = " (no answer: check the address and the device)";
	else if (err == -EADDRINUSE)
		hint = " (pick another port)";
	app_error("nc: %s %s: %s%s", what, peer, strerror(-err), hint);
}

/* Sets up nc->fd: connected (TCP, UDP client), accepted (TCP -l) or bound (UDP -l). */
static int nc_open(struct nc_ctx *nc)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	uint16_t port;
	uint32_t host = 0;
	int fd, err, one = 1;

	if (nc->listen ? app_parse_port(app_cfg.args[0], &port)
		       : app_parse_host(app_cfg.args[0], &host) ||
				 app_parse_port(app_cfg.args[1], &port))
		return -EINVAL;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = host;
	snprintf(nc->peer_s, sizeof(nc->peer_s), "%s:%u",
		 nc->listen ? "0.0.0.0" : app_cfg.args[0], port);
	fd = us_socket(AF_INET, nc->udp ? SOCK_DGRAM : SOCK_STREAM,
		       nc->udp ? IPPROTO_UDP : IPPROTO_TCP);
	if (fd < 0) {
		app_error("nc: cannot open a %s socket: %s", nc->udp ? "UDP" : "TCP", strerror(-fd));
		return fd;
	}
	nc->fd = fd;
	app_apply_bufs(fd);
	if (!nc->listen) {
		err = nc->udp ? us_connect(fd, (const struct sockaddr *)&a, sizeof(a))
			      : app_connect(fd, &a, (int)app_cfg.lim.timeout_s * 1000);
		if (err < 0 && err != -EINTR)
			conn_error("connect to", nc->peer_s, err);
		return err;
	}
	us_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	err = us_bind(fd, (const struct sockaddr *)&a, sizeof(a));
	if (err < 0) {
		conn_error("bind", nc->peer_s, err);
		return err;
	}
	if (nc->udp)
		return 0;
	err = us_listen(fd, 1);
	if (err < 0) {
		conn_error("listen on", nc->peer_s, err);
		return err;
	}
	us_set_nonblock(fd, 1);
	for (;;) {
		struct sockaddr_in peer;
		socklen_t peerlen = sizeof(peer);
		char s[IP_ADDR_STRLEN];
		int c, ev = app_wait(fd, US_POLLIN, -1);

		if (ev < 0)
			return ev;
		c = us_accept(fd, (struct sockaddr *)&peer, &peerlen);
		if (c == -EAGAIN)
			continue;
		if (c < 0) {
			conn_error("accept on", nc->peer_s, c);
			return c;
		}
		us_close(fd); /* one connection, as nc does */
		nc->fd = c;
		us_set_nonblock(c, 1);
		snprintf(nc->peer_s, sizeof(nc->peer_s), "%s:%u",
			 ip_addr_ntop(peer.sin_addr.s_addr, s, sizeof(s)), ntohs(peer.sin_port));
		return 0;
	}
}

int nc_main(void)
{
	struct nc_ctx nc = { .fd = -1, .udp = app_cfg.nc.udp, .listen = app_cfg.nc.listen };
	pthread_t t;
	int status, err;

	pthread_mutex_init(&nc.lock, NULL);
	err = nc_open(&nc);
	if (err < 0) {
		status = err == -EINVAL ? EXIT_USAGE : err == -EINTR ? EXIT_OK : EXIT_FAIL;
		goto out;
	}
	us_set_nonblock(nc.fd, 1);
	err = pthread_create(&t, NULL, nc_stdin_main, &nc);
	if (err) {
		app_error("nc: cannot start the stdin thread: %s", strerror(err));
		status = EXIT_FAIL;
		goto out;
	}
	status = nc_receive(&nc);
	if (!atomic_load(&nc.peer_eof))
		atomic_store(&nc.done, 1);
	pthread_join(t, NULL);
out:
	if (nc.fd >= 0)
		us_close(nc.fd);
	pthread_mutex_destroy(&nc.lock);
	return status;
}
