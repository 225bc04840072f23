/* SPDX-License-Identifier: MIT */
/* lwip_peer: lwIP, as Debian packages it (liblwip-dev: a shared library built NO_SYS=0 with
 * core locking and its Unix sys_arch, from the lwipopts.h it ships), on a TAP device, as
 * the other end of a TCP connection with ustack in the interop tests.
 *
 *   lwip_peer pattern BYTES
 *   lwip_peer --tap NAME --addr A.B.C.D/N [--mac MAC] [--timeout SECS] \
 *             client HOST PORT echo|send|recv BYTES
 *   lwip_peer --tap NAME --addr A.B.C.D/N [--mac MAC] [--timeout SECS] [--count N] \
 *             [--close-first] server PORT echo|sink|source [BYTES]
 *
 * The data is a deterministic byte stream (`pattern` prints it), so each side can check
 * what it receives without a copy of what was sent:
 *   client echo   sends BYTES, shuts its sending side, and expects the same BYTES back
 *                 and then the peer's FIN (ustack's `echo` service)
 *   client send   sends BYTES and its FIN, then expects the peer's FIN and no data
 *   client recv   expects BYTES and the peer's FIN, then closes
 *   server echo   returns what it receives; closes after the peer's FIN
 *   server sink   expects BYTES (any amount if BYTES is absent) and the FIN, then closes;
 *                 with --close-first it sends its FIN as soon as BYTES are in
 *   server source sends BYTES and its FIN, then expects the peer's FIN and no data
 * A server serves --count connections (1) one after the other. Exit 0 when every
 * connection carried exactly what it should and ended with a FIN each way (lwIP's
 * control block left CLOSED or TIME_WAIT); 1 otherwise; 2 on a usage error. Every wait is
 * bounded by --timeout (60 s), for the whole run. Before exiting, a connection left in
 * TIME_WAIT is kept until the peer has been quiet for a moment (linger_time_wait).
 *
 * The netif: lwIP's Ethernet layer (etharp_output, ethernet_input) on our own link
 * driver, whose output writes a frame to the TAP and whose input thread reads frames
 * and hands them to ethernet_input under the core lock (as LWIP_TCPIP_CORE_LOCKING_INPUT
 * would; a full tcpip mailbox would otherwise drop frames in the peer, not on the wire).
 * The application uses lwIP's socket API, non-blocking with lwip_poll: in this build a
 * socket may not be read and written from two threads at once (LWIP_NETCONN_FULLDUPLEX 0). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/sockets.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"

#include "test/interop/peer.h"

#define PROG "lwip_peer"
#define CHUNK 16384

static struct {
	const char *tap;
	ip4_addr_t addr, mask;
	uint8_t mac[6];
	int timeout_s;
	int count;
	int close_first;
} opt = {
	.tap = "lwtap0",
	.mac = { 0x02, 0x00, 0x00, 0x1e, 0x1e, 0x01 },
	.timeout_s = 60,
	.count = 1,
};

static int tap_fd = -1;
static struct netif nif;
static int64_t deadline_ms;
/* Frames each way, watched under the core lock (output runs in lwIP's thread, input
 * under the lock too). */
static struct peer_watch tx_watch, rx_watch;
static unsigned long long rx_too_long, rx_nomem, tx_errors;
static int64_t last_rx_ms; /* when the last frame arrived (under the core lock) */

/* ---- the deterministic stream: xorshift64*, eight bytes per step ---- */

struct pattern {
	uint64_t x;
	uint8_t word[8];
	unsigned used;
};

static void pattern_init(struct pattern *p)
{
	p->x = 0x9e3779b97f4a7c15ULL;
	p->used = 8;
}

static void pattern_fill(struct pattern *p, uint8_t *dst, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p->used == 8) {
			uint64_t v;

			p->x ^= p->x >> 12;
			p->x ^= p->x << 25;
			p->x ^= p->x >> 27;
			v = p->x * 0x2545f4914f6cdd1dULL;
			for (int b = 0; b < 8; b++)
				p->word[b] = (uint8_t)(v >> (8 * b));
			p->used = 0;
		}
		dst[i] = p->word[p->used++];
	}
}

/* Checks the next len bytes of the stream; returns the index of the first wrong byte,
 * or -1 when all match. */
static long pattern_check(struct pattern *p, const uint8_t *got, size_t len)
{
	uint8_t want[CHUNK];
	size_t done = 0;

	while (done < len) {
		size_t n = len - done < sizeof(want) ? len - done : sizeof(want);

		pattern_fill(p, want, n);
		for (size_t i = 0; i < n; i++)
			if (want[i] != got[done + i])
				return (long)(done + i);
		done += n;
	}
	return -1;
}

static int cmd_pattern(unsigned long long bytes)
{
	struct pattern p;
	uint8_t buf[CHUNK];

	pattern_init(&p);
	while (bytes > 0) {
		size_t n = bytes < sizeof(buf) ? (size_t)bytes : sizeof(buf);

		pattern_fill(&p, buf, n);
		if (fwrite(buf, 1, n, stdout) != n) {
			perror(PROG ": stdout");
			return 1;
		}
		bytes -= n;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

/* ---- the link driver ---- */

static err_t tap_linkoutput(struct netif *n, struct pbuf *p)
{
	uint8_t frame[PEER_FRAME_MAX];
	const void *data = p->payload;
	ssize_t w;

	(void)n;
	if (p->tot_len > sizeof(frame)) {
		tx_errors++;
		return ERR_BUF;
	}
	if (p->next) { /* chained: gather (this build asks for single pbufs, but be safe) */
		pbuf_copy_partial(p, frame, p->tot_len, 0);
		data = frame;
	}
	peer_watch_frame(&tx_watch, data, p->tot_len);
	w = write(tap_fd, data, p->tot_len);
	if (w != (ssize_t)p->tot_len) {
		tx_errors++;
		return ERR_IF;
	}
	return ERR_OK;
}

static err_t tap_netif_init(struct netif *n)
{
	n->name[0] = 't';
	n->name[1] = 'p';
	n->mtu = 1500;
	n->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(n->hwaddr, opt.mac, ETH_HWADDR_LEN);
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	n->output = etharp_output;
	n->output_ip6 = ethip6_output;
	n->linkoutput = tap_linkoutput;
	return ERR_OK;
}

static void *tap_reader(void *arg)
{
	uint8_t frame[PEER_FRAME_MAX + 1];

	(void)arg;
	for (;;) {
		ssize_t len = read(tap_fd, frame, sizeof(frame));
		struct pbuf *p;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, PROG ": read %s: %s\n", opt.tap, strerror(errno));
			return NULL;
		}
		LOCK_TCPIP_CORE();
		if (len > PEER_FRAME_MAX) {
			rx_too_long++;
			UNLOCK_TCPIP_CORE();
			continue;
		}
		p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM);
		if (!p) {
			rx_nomem++;
			UNLOCK_TCPIP_CORE();
			continue;
		}
		pbuf_take(p, frame, (u16_t)len);
		peer_watch_frame(&rx_watch, frame, (size_t)len);
		last_rx_ms = peer_now_ms();
		if (nif.input(p, &nif) != ERR_OK)
			pbuf_free(p);
		UNLOCK_TCPIP_CORE();
	}
}

static void tcpip_ready(void *arg)
{
	sys_sem_signal((sys_sem_t *)arg);
}

static int lwip_start(void)
{
	sys_sem_t ready;
	pthread_t reader;
	ip4_addr_t gw;

	if (sys_sem_new(&ready, 0) != ERR_OK) {
		fprintf(stderr, PROG ": sys_sem_new failed\n");
		return -1;
	}
	tcpip_init(tcpip_ready, &ready);
	sys_sem_wait(&ready);
	sys_sem_free(&ready);

	ip4_addr_set_zero(&gw);
	LOCK_TCPIP_CORE();
	if (!netif_add(&nif, &opt.addr, &opt.mask, &gw, NULL, tap_netif_init, ethernet_input)) {
		UNLOCK_TCPIP_CORE();
		fprintf(stderr, PROG ": netif_add failed\n");
		return -1;
	}
	netif_set_default(&nif);
	netif_set_up(&nif);
	netif_set_link_up(&nif);
	UNLOCK_TCPIP_CORE();

	if (pthread_create(&reader, NULL, tap_reader, NULL) != 0) {
		fprintf(stderr, PROG ": cannot start the TAP reader thread\n");
		return -1;
	}
	pthread_detach(reader);
	return 0;
}

/* ---- connections ---- */

static int time_left_ms(void)
{
	int64_t left = deadline_ms - peer_now_ms();

	return left > 0 ? (int)(left > 1000 ? 1000 : left) : 0;
}

/* Prints what lwIP negotiated for the connection on local port `lport`. */
static void print_pcb(uint16_t lport)
{
	struct tcp_pcb *pcb;

	LOCK_TCPIP_CORE();
	for (pcb = tcp_active_pcbs; pcb; pcb = pcb->next) {
		if (pcb->local_port != lport)
			continue;
		fprintf(stderr,
			PROG ": connection %u -> %s:%u: mss %u, send window %lu (scale %u), "
			"receive window %lu (scale %u)\n",
			pcb->local_port, ipaddr_ntoa(&pcb->remote_ip), pcb->remote_port, pcb->mss,
			(unsigned long)pcb->snd_wnd, pcb->snd_scale,
			(unsigned long)pcb->rcv_ann_wnd, pcb->rcv_scale);
		break;
	}
	UNLOCK_TCPIP_CORE();
}

static uint16_t local_port(int s)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);

	if (lwip_getsockname(s, (struct sockaddr *)&a, &alen) < 0)
		return 0;
	return ntohs(a.sin_port);
}

/* TIME_WAIT (RFC 9293 3.6.1) lives in this process: if our last ACK was lost, the peer
 * sends its FIN again and only a live lwIP acknowledges it. So before the process may
 * end, a control block of ours in TIME_WAIT waits until nothing has arrived for
 * LINGER_QUIET_MS (ustack's retransmission timeout starts at 200 ms; each FIN that does
 * come starts the wait again), within --timeout. */
#define LINGER_QUIET_MS 1500

static void linger_time_wait(void)
{
	for (;;) {
		int tw, quiet;

		LOCK_TCPIP_CORE();
		tw = tcp_tw_pcbs != NULL;
		quiet = peer_now_ms() - last_rx_ms >= LINGER_QUIET_MS;
		UNLOCK_TCPIP_CORE();
		if (!tw || quiet || !time_left_ms())
			return;
		usleep(50 * 1000);
	}
}

/* After close: waits until lwIP holds no control block for the connection outside
 * TIME_WAIT, i.e. our FIN was acknowledged and the peer's FIN acknowledged in turn. */
static int wait_closed(uint16_t lport)
{
	for (;;) {
		struct tcp_pcb *pcb;
		int state = -1;

		LOCK_TCPIP_CORE();
		for (pcb = tcp_active_pcbs; pcb; pcb = pcb->next)
			if (pcb->local_port == lport)
				state = pcb->state;
		UNLOCK_TCPIP_CORE();
		if (state < 0)
			return 0;
		if (!time_left_ms()) {
			fprintf(stderr, PROG ": connection on port %u still in state %s at the "
				"time limit\n", lport, tcp_debug_state_str((enum tcp_state)state));
			return -1;
		}
		usleep(20 * 1000);
	}
}

/* What one connection is to carry. */
struct xfer {
	const char *what;
	unsigned long long to_send;  /* pattern bytes to send */
	unsigned long long to_recv;  /* pattern bytes expected; ~0 = any amount */
	int echo;                    /* send back what arrives instead of the pattern */
	int shut_after_send;         /* our FIN once to_send is out */
	int close_first;             /* our FIN once to_recv bytes have arrived */
};

#define ANY (~0ULL)

/* Runs one connection to its end: both FINs seen, socket closed, control block gone.
 * Returns 0 when everything arrived byte-exact. */
static int run_xfer(int s, const struct xfer *x)
{
	struct pattern tx, rx;
	uint8_t out[CHUNK], in[CHUNK];
	size_t out_len = 0, out_off = 0;
	unsigned long long sent = 0, got = 0;
	int eof = 0, shut = 0, ok = 0;
	int64_t start = peer_now_ms(), secs_ms;
	uint16_t lport = local_port(s);

	pattern_init(&tx);
	pattern_init(&rx);
	if (lwip_fcntl(s, F_SETFL, O_NONBLOCK) < 0) {
		fprintf(stderr, PROG ": fcntl O_NONBLOCK: %s\n", strerror(errno));
		goto out;
	}
	print_pcb(lport);
	for (;;) {
		struct pollfd pfd = { .fd = s, .events = 0 };
		int have_out = out_off < out_len;
		int n;

		/* Refill the output: the pattern, or (echo) nothing until data arrives. */
		if (!have_out && !x->echo && sent < x->to_send) {
			out_len = x->to_send - sent < sizeof(out) ? (size_t)(x->to_send - sent)
								   : sizeof(out);
			pattern_fill(&tx, out, out_len);
			out_off = 0;
			have_out = 1;
		}
		if (!have_out && !shut &&
		    ((x->echo && eof) || (!x->echo && x->shut_after_send && sent >= x->to_send) ||
		     (x->close_first && got == x->to_recv))) {
			if (lwip_shutdown(s, SHUT_WR) < 0) {
				fprintf(stderr, PROG ": shutdown: %s\n", strerror(errno));
				goto out;
			}
			shut = 1;
		}
		if (eof && !have_out && (shut || !(x->shut_after_send || x->close_first)))
			break;
		if (have_out)
			pfd.events |= POLLOUT;
		if (!eof && !(x->echo && have_out))
			pfd.events |= POLLIN;
		if (!time_left_ms()) {
			fprintf(stderr, PROG ": %s: time limit: sent %llu, received %llu%s\n",
				x->what, sent, got, eof ? ", FIN received" : "");
			goto out;
		}
		n = lwip_poll(&pfd, 1, time_left_ms());
		if (n < 0) {
			fprintf(stderr, PROG ": poll: %s\n", strerror(errno));
			goto out;
		}
		if (n == 0)
			continue;
		if ((pfd.revents & POLLOUT) && have_out) {
			ssize_t w = lwip_send(s, out + out_off, out_len - out_off, 0);

			if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
				fprintf(stderr, PROG ": %s: send after %llu bytes: %s\n", x->what,
					sent, strerror(errno));
				goto out;
			}
			if (w > 0) {
				out_off += (size_t)w;
				sent += (unsigned long long)w;
			}
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = lwip_recv(s, in, sizeof(in), 0);

			if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
				fprintf(stderr, PROG ": %s: receive after %llu bytes: %s\n", x->what,
					got, strerror(errno));
				goto out;
			}
			if (r == 0)
				eof = 1;
			if (r > 0) {
				long bad = -1;

				if (x->to_recv != ANY && got + (unsigned long long)r > x->to_recv) {
					fprintf(stderr, PROG ": %s: %llu bytes received, more than the "
						"%llu expected\n", x->what, got + r, x->to_recv);
					goto out;
				}
				if (x->echo) {
					memcpy(out, in, (size_t)r);
					out_len = (size_t)r;
					out_off = 0;
				} else {
					bad = pattern_check(&rx, in, (size_t)r);
				}
				if (bad >= 0) {
					fprintf(stderr, PROG ": %s: byte %llu differs from the pattern\n",
						x->what, got + (unsigned long long)bad);
					goto out;
				}
				got += (unsigned long long)r;
			}
		}
	}
	secs_ms = peer_now_ms() - start;
	if (x->to_recv != ANY && got != x->to_recv) {
		fprintf(stderr, PROG ": %s: FIN after %llu bytes, %llu expected\n", x->what, got,
			x->to_recv);
		goto out;
	}
	if (!x->echo && sent != x->to_send)
		goto out;
	fprintf(stderr, PROG ": %s: sent %llu, received %llu bytes byte-exact, FIN both ways, "
		"in %.3f s (%.1f Mbit/s)\n", x->what, sent, got, (double)secs_ms / 1000,
		secs_ms > 0 ? (double)(sent > got ? sent : got) * 8 / (double)secs_ms / 1000 : 0);
	ok = 1;
out:
	lwip_close(s);
	if (wait_closed(lport) < 0)
		ok = 0;
	return ok ? 0 : -1;
}

static int parse_bytes(const char *s, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (*end == 'k' || *end == 'K')
		*v *= 1024, end++;
	else if (*end == 'm' || *end == 'M')
		*v *= 1024 * 1024, end++;
	return *end ? -1 : 0;
}

static int cmd_client(const char *host, const char *port_s, const char *mode,
		      unsigned long long bytes)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct xfer x = { .what = "client" };
	int s, err = 0;
	socklen_t elen = sizeof(err);
	struct pollfd pfd;

	sin.sin_port = htons((uint16_t)atoi(port_s));
	if (!inet_pton(AF_INET, host, &sin.sin_addr)) {
		fprintf(stderr, PROG ": bad address %s\n", host);
		return 2;
	}
	if (!strcmp(mode, "echo")) {
		x.to_send = x.to_recv = bytes;
		x.shut_after_send = 1;
		x.what = "client echo";
	} else if (!strcmp(mode, "send")) {
		x.to_send = bytes;
		x.shut_after_send = 1;
		x.what = "client send";
	} else if (!strcmp(mode, "recv")) {
		x.to_recv = bytes;
		x.what = "client recv";
	} else {
		fprintf(stderr, PROG ": client mode must be echo, send or recv\n");
		return 2;
	}
	s = lwip_socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || lwip_fcntl(s, F_SETFL, O_NONBLOCK) < 0) {
		fprintf(stderr, PROG ": socket: %s\n", strerror(errno));
		return 1;
	}
	if (lwip_connect(s, (struct sockaddr *)&sin, sizeof(sin)) < 0 && errno != EINPROGRESS) {
		fprintf(stderr, PROG ": connect %s:%s: %s\n", host, port_s, strerror(errno));
		return 1;
	}
	/* Writable once the handshake is done (or failed: SO_ERROR says which). */
	do {
		pfd = (struct pollfd){ .fd = s, .events = POLLOUT };
		if (!time_left_ms()) {
			fprintf(stderr, PROG ": connect %s:%s: time limit\n", host, port_s);
			return 1;
		}
	} while (lwip_poll(&pfd, 1, time_left_ms()) == 0);
	if (lwip_getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err) {
		fprintf(stderr, PROG ": connect %s:%s: %s\n", host, port_s, strerror(err ? err : errno));
		return 1;
	}
	fprintf(stderr, PROG ": connected to %s:%s\n", host, port_s);
	return run_xfer(s, &x) ? 1 : 0;
}

static int cmd_server(const char *port_s, const char *mode, unsigned long long bytes)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct xfer x = { .what = "server" };
	int ls, failed = 0;

	if (!strcmp(mode, "echo")) {
		x.echo = 1;
		x.to_recv = ANY;
		x.what = "server echo";
	} else if (!strcmp(mode, "sink")) {
		/* our FIN after the peer's (close() sends it), or with --close-first as soon
		 * as BYTES are in, so that the lwIP side is the one in TIME_WAIT */
		x.to_recv = bytes;
		x.close_first = opt.close_first && bytes != ANY;
		x.what = "server sink";
	} else if (!strcmp(mode, "source")) {
		x.to_send = bytes;
		x.shut_after_send = 1;
		x.what = "server source";
	} else {
		fprintf(stderr, PROG ": server mode must be echo, sink or source\n");
		return 2;
	}
	sin.sin_port = htons((uint16_t)atoi(port_s));
	ls = lwip_socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0 || lwip_bind(ls, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    lwip_listen(ls, 4) < 0 || lwip_fcntl(ls, F_SETFL, O_NONBLOCK) < 0) {
		fprintf(stderr, PROG ": listen on %s: %s\n", port_s, strerror(errno));
		return 1;
	}
	fprintf(stderr, PROG ": listening on port %s (%s)\n", port_s, mode);
	for (int i = 0; i < opt.count; i++) {
		struct pollfd pfd;
		int s;

		do {
			pfd = (struct pollfd){ .fd = ls, .events = POLLIN };
			if (!time_left_ms()) {
				fprintf(stderr, PROG ": no connection %d of %d by the time limit\n",
					i + 1, opt.count);
				return 1;
			}
		} while (lwip_poll(&pfd, 1, time_left_ms()) == 0);
		s = lwip_accept(ls, NULL, NULL);
		if (s < 0) {
			fprintf(stderr, PROG ": accept: %s\n", strerror(errno));
			return 1;
		}
		fprintf(stderr, PROG ": accepted connection %d of %d\n", i + 1, opt.count);
		if (run_xfer(s, &x))
			failed++;
	}
	lwip_close(ls);
	return failed ? 1 : 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: " PROG " pattern BYTES\n"
		"       " PROG " [--tap NAME] --addr A.B.C.D/N [--mac MAC] [--timeout SECS]\n"
		"                 client HOST PORT echo|send|recv BYTES\n"
		"       " PROG " [--tap NAME] --addr A.B.C.D/N [--mac MAC] [--timeout SECS]\n"
		"                 [--count N] [--close-first] server PORT echo|sink|source [BYTES]\n"
		"BYTES may end in k or m.\n");
}

static int parse_addr(const char *s)
{
	char buf[32];
	char *slash;
	int len;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	len = atoi(slash + 1);
	if (len < 1 || len > 32 || !ip4addr_aton(buf, &opt.addr))
		return -1;
	ip4_addr_set_u32(&opt.mask, lwip_htonl(len == 32 ? 0xffffffffU : ~(0xffffffffU >> len)));
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "tap", required_argument, NULL, 't' },
		{ "addr", required_argument, NULL, 'a' },
		{ "mac", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "count", required_argument, NULL, 'c' },
		{ "close-first", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long bytes = ANY;
	int have_addr = 0, c, rc;

	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			opt.tap = optarg;
			break;
		case 'a':
			if (parse_addr(optarg)) {
				fprintf(stderr, PROG ": --addr wants A.B.C.D/N, not %s\n", optarg);
				return 2;
			}
			have_addr = 1;
			break;
		case 'm':
			if (peer_parse_mac(optarg, opt.mac)) {
				fprintf(stderr, PROG ": bad --mac %s\n", optarg);
				return 2;
			}
			break;
		case 'T':
			opt.timeout_s = atoi(optarg);
			break;
		case 'c':
			opt.count = atoi(optarg);
			break;
		case 'C':
			opt.close_first = 1;
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 2 && !strcmp(argv[0], "pattern")) {
		if (parse_bytes(argv[1], &bytes)) {
			usage();
			return 2;
		}
		return cmd_pattern(bytes);
	}
	if (argc < 1 || !have_addr || opt.timeout_s < 1 || opt.count < 1) {
		usage();
		return 2;
	}
	if (!strcmp(argv[0], "client")) {
		if (argc != 5 || parse_bytes(argv[4], &bytes)) {
			usage();
			return 2;
		}
	} else if (!strcmp(argv[0], "server")) {
		if ((argc != 3 && argc != 4) || (argc == 4 && parse_bytes(argv[3], &bytes))) {
			usage();
			return 2;
		}
	} else {
		usage();
		return 2;
	}

	deadline_ms = peer_now_ms() + (int64_t)opt.timeout_s * 1000;
	peer_watch_init(&tx_watch, PROG, "tx");
	peer_watch_init(&rx_watch, PROG, "rx");
	tap_fd = peer_tap_open(opt.tap, PROG);
	if (tap_fd < 0 || lwip_start() < 0)
		return 1;
	fprintf(stderr, PROG ": lwIP %s ready on %s, %s\n", LWIP_VERSION_STRING, opt.tap,
		ip4addr_ntoa(&opt.addr));

	if (!strcmp(argv[0], "client"))
		rc = cmd_client(argv[1], argv[2], argv[3], bytes);
	else
		rc = cmd_server(argv[1], argv[2], bytes);

	linger_time_wait();
	LOCK_TCPIP_CORE();
	peer_watch_print(&tx_watch, stderr);
	peer_watch_print(&rx_watch, stderr);
	if (rx_too_long || rx_nomem || tx_errors)
		fprintf(stderr, PROG ": %llu frames too long, %llu without memory, %llu write "
			"errors\n", rx_too_long, rx_nomem, tx_errors);
	UNLOCK_TCPIP_CORE();
	fprintf(stderr, PROG ": %s\n", rc == 0 ? "ok" : "FAILED");
	/* lwIP's threads keep running: leave without tearing the stack down under them. */
	fflush(stderr);
	_exit(rc);
}
