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
 *   lwip_peer --tap NAME --addr A.B.C.D/N [--mac MAC] [--timeout SECS] [--count N] \
 *             server PORT http [BYTES]
 *   lwip_peer --tap NAME --addr A.B.C.D/N [--mac MAC] [--timeout SECS] [--count N] \
 *             server PORT discard|udp-echo
 *   lwip_peer options
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
 *   server http   a small HTTP/1.x server for benchmarks (bench/conn.sh): answers each
 *                 GET with 200 and a BYTES-long body of the pattern (1024 by default),
 *                 keeps the connection for the next request when it asked for it
 *                 (HTTP/1.1 without `Connection: close`, or `Connection: keep-alive`)
 *                 and closes it after the response otherwise; anything else gets a 400
 *                 and a close. It serves connections concurrently (see below), --count
 *                 of them (0: until the time limit, SIGTERM or SIGINT), and exits 0 when
 *                 no connection failed (reset, malformed request, out of memory).
 *   server discard  for benchmarks (bench/tcp.sh, an iperf2 client): takes any bytes and
 *                 throws them away, unchecked, closing after the peer's FIN; prints each
 *                 connection's byte count and throughput. Concurrent and bounded by
 *                 --count as http is, on the raw TCP API; exits 0 when no connection
 *                 was reset.
 *   server udp-echo  for benchmarks (bench/run.sh): returns each UDP datagram to its
 *                 sender, on lwIP's raw UDP API in the input thread under the core lock
 *                 (no socket, no thread switch); --count datagrams (0: until the time
 *                 limit, SIGTERM or SIGINT); exits 0 when each echo was handed to the
 *                 TAP. lwIP answers ICMP echo itself in every mode, so this also serves
 *                 flood ping.
 *   options       prints the lwIP options this program was compiled against, which are
 *                 those of the library (Debian ships the lwipopts.h it built with)
 * The other servers serve --count connections (1) one after the other. Exit 0 when every
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
 * socket may not be read and written from two threads at once (LWIP_NETCONN_FULLDUPLEX 0).
 * Except `server http`: this build has room for MEMP_NUM_NETCONN (4) sockets in all, too
 * few for ab -c 50, so it uses lwIP's raw TCP API, whose control blocks come from malloc
 * (MEMP_MEM_MALLOC 1: MEMP_NUM_TCP_PCB does not bound them); its callbacks run under the
 * core lock, in our input thread or lwIP's timer thread. The benchmark servers (http,
 * discard, udp-echo) use the raw API for speed too, lwIP's fastest path, and do not
 * watch their frames (that is not lwIP's cost). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The options that matter for TCP's speed, as lwipopts.h and opt.h set them, taken before
 * lwip/sockets.h brings in <netinet/tcp.h>, whose TCP_MSS (512) replaces lwIP's. */
#include "lwip/opt.h"
enum {
	OPT_TCP_MSS = TCP_MSS,
	OPT_TCP_WND = TCP_WND,
	OPT_TCP_SND_BUF = TCP_SND_BUF,
	OPT_TCP_SND_QUEUELEN = TCP_SND_QUEUELEN,
};

#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/sockets.h"
#include "lwip/tcpip.h"
#include "lwip/udp.h"
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
static int watch = 1; /* watch the frames (off in server http: not part of lwIP's cost) */

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
	if (watch)
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
		if (watch)
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

/* ---- server http: HTTP/1.x on lwIP's raw TCP API ---- */

#define HTTP_REQ_MAX 2048                 /* one request's line and headers */
#define HTTP_BODY_MAX (64ULL * 1024 * 1024) /* the largest BYTES it serves */

/* One connection; everything here runs under the core lock. */
struct hconn {
	struct tcp_pcb *pcb;
	char req[HTTP_REQ_MAX];   /* what arrived and is not answered yet */
	size_t req_len;
	char head[160];           /* the response's status line and headers */
	size_t head_len, head_off;
	unsigned long long body_len, body_off; /* body bytes in this response, handed over */
	int busy;                 /* a response is being written */
	int keep;                 /* the connection stays open after this response */
	int bad;                  /* a malformed request: 400, close, count as failed */
	int peer_fin;             /* the peer has sent its FIN */
};

static uint8_t *http_body; /* BYTES of the pattern, the body of every response */
static unsigned long long http_body_bytes;
/* Under the core lock: connections accepted, ended well, failed, open; requests answered. */
static unsigned long long http_accepted, http_ok, http_failed, http_open, http_requests;
static volatile sig_atomic_t http_stop;

static void http_on_signal(int sig)
{
	(void)sig;
	http_stop = 1;
}

/* Forgets connection c: its control block no longer calls us. */
static void http_forget(struct hconn *c, int failed)
{
	if (c->pcb) {
		tcp_arg(c->pcb, NULL);
		tcp_recv(c->pcb, NULL);
		tcp_sent(c->pcb, NULL);
		tcp_err(c->pcb, NULL);
		tcp_poll(c->pcb, NULL, 0);
	}
	if (failed)
		http_failed++;
	else
		http_ok++;
	http_open--;
	free(c);
}

static err_t http_poll(void *arg, struct tcp_pcb *pcb);

/* Our FIN after what is queued; when lwIP has no memory for it, http_poll tries again.
 * Returns ERR_OK, or ERR_ABRT when it had to reset the connection instead. */
static err_t http_close(struct hconn *c)
{
	struct tcp_pcb *pcb = c->pcb;
	int failed = c->bad || c->req_len > 0; /* a request cut short by the peer's FIN */

	if (tcp_close(pcb) != ERR_OK) {
		tcp_poll(pcb, http_poll, 2);
		return ERR_OK;
	}
	http_forget(c, failed); /* the control block lives on in lwIP until both FINs */
	return ERR_OK;
}

static err_t http_abort(struct hconn *c)
{
	struct tcp_pcb *pcb = c->pcb;

	http_forget(c, 1);
	tcp_abort(pcb);
	return ERR_ABRT;
}

static int lower_eq(const char *a, const char *lower, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] == '\0' || (a[i] | 0x20) != lower[i])
			return 0;
	return 1;
}

/* The value of header `name` (lower case, with the colon) in the header block [p, end),
 * its length in *len; NULL when absent. */
static const char *http_header(const char *p, const char *end, const char *name, size_t *len)
{
	size_t nlen = strlen(name);

	while (p < end) {
		const char *eol = memchr(p, '\r', (size_t)(end - p));

		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > nlen && lower_eq(p, name, nlen)) {
			p += nlen;
			while (p < eol && (*p == ' ' || *p == '\t'))
				p++;
			*len = (size_t)(eol - p);
			return p;
		}
		p = eol + 2;
	}
	return NULL;
}

/* Starts the response to the first complete request in c->req; 0 when none is there. */
static int http_parse(struct hconn *c)
{
	const char *r = c->req, *end = NULL, *eol, *conn;
	size_t used, clen = 0;
	int v11, keep_alive = 0, close = 0;

	for (size_t i = 0; i + 4 <= c->req_len; i++)
		if (!memcmp(r + i, "\r\n\r\n", 4)) {
			end = r + i + 2; /* just past the last header's line end */
			break;
		}
	if (!end)
		return 0;
	used = (size_t)(end - r) + 2;
	eol = memchr(r, '\r', (size_t)(end - r));
	v11 = eol - r >= 9 && !memcmp(eol - 9, " HTTP/1.1", 9);
	c->bad = eol - r < 14 || memcmp(r, "GET /", 5) ||
		 (!v11 && memcmp(eol - 9, " HTTP/1.0", 9));
	conn = http_header(eol + 2, end, "connection:", &clen);
	if (conn) {
		keep_alive = clen >= 10 && lower_eq(conn, "keep-alive", 10);
		close = clen >= 5 && lower_eq(conn, "close", 5);
	}
	c->keep = !c->bad && (v11 ? !close : keep_alive);
	c->body_len = c->bad ? 0 : http_body_bytes;
	c->head_len = (size_t)snprintf(c->head, sizeof(c->head),
				       "HTTP/1.%d %s\r\nContent-Type: application/octet-stream\r\n"
				       "Content-Length: %llu\r\nConnection: %s\r\n\r\n",
				       v11 ? 1 : 0, c->bad ? "400 Bad Request" : "200 OK",
				       c->body_len, c->keep ? "keep-alive" : "close");
	c->head_off = 0;
	c->body_off = 0;
	c->busy = 1;
	memmove(c->req, c->req + used, c->req_len - used);
	c->req_len -= used;
	http_requests++;
	return 1;
}

/* Answers what can be answered: writes as much of the response as lwIP takes (the sent
 * callback brings us back for the rest), then the next request or the close. Returns
 * ERR_OK, or ERR_ABRT when the connection was reset (c is gone then, and if c is gone
 * after a close it returns ERR_OK too: the caller must not touch c after this). */
static err_t http_run(struct hconn *c)
{
	for (;;) {
		if (!c->busy && !http_parse(c)) {
			if (c->peer_fin || (c->req_len == sizeof(c->req)))
				return c->req_len == sizeof(c->req) ? http_abort(c) : http_close(c);
			return ERR_OK;
		}
		while (c->head_off < c->head_len || c->body_off < c->body_len) {
			const void *src;
			size_t n, room = tcp_sndbuf(c->pcb);
			u8_t flags = TCP_WRITE_FLAG_COPY;
			err_t e;

			if (c->head_off < c->head_len) {
				src = c->head + c->head_off;
				n = c->head_len - c->head_off;
			} else {
				src = http_body + c->body_off;
				n = c->body_len - c->body_off > 0xffff ? 0xffff
								       : (size_t)(c->body_len - c->body_off);
			}
			if (n > room)
				n = room;
			if (n == 0)
				break;
			if (c->head_off + n < c->head_len || c->body_off + n < c->body_len)
				flags |= TCP_WRITE_FLAG_MORE;
			e = tcp_write(c->pcb, src, (u16_t)n, flags);
			if (e == ERR_MEM)
				break;
			if (e != ERR_OK)
				return http_abort(c);
			if (c->head_off < c->head_len)
				c->head_off += n;
			else
				c->body_off += n;
		}
		if (tcp_output(c->pcb) != ERR_OK)
			return http_abort(c);
		if (c->head_off < c->head_len || c->body_off < c->body_len)
			return ERR_OK;
		c->busy = 0;
		if (!c->keep)
			return http_close(c);
	}
}

static err_t http_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct hconn *c = arg;

	if (!c) { /* closing: nothing more is read */
		if (p) {
			tcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	if (!p) {
		c->peer_fin = 1;
		return c->busy ? ERR_OK : http_run(c);
	}
	if (err != ERR_OK) {
		pbuf_free(p);
		return err;
	}
	if (p->tot_len > sizeof(c->req) - c->req_len) {
		if (c->busy) /* lwIP keeps it and offers it again later */
			return ERR_MEM;
		pbuf_free(p);
		return http_abort(c); /* a request longer than HTTP_REQ_MAX */
	}
	pbuf_copy_partial(p, c->req + c->req_len, p->tot_len, 0);
	c->req_len += p->tot_len;
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return c->busy ? ERR_OK : http_run(c);
}

static err_t http_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct hconn *c = arg;

	(void)pcb;
	(void)len;
	return c && c->busy ? http_run(c) : ERR_OK;
}

static err_t http_poll(void *arg, struct tcp_pcb *pcb)
{
	struct hconn *c = arg;

	(void)pcb;
	return c && !c->busy && (c->peer_fin || !c->keep) ? http_close(c) : ERR_OK;
}

static void http_err(void *arg, err_t err)
{
	struct hconn *c = arg;

	(void)err;
	if (!c)
		return;
	c->pcb = NULL; /* lwIP has freed it */
	http_forget(c, 1);
}

static err_t http_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct hconn *c;

	(void)arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	http_accepted++;
	http_open++;
	c = calloc(1, sizeof(*c));
	if (!c) {
		http_open--;
		http_failed++;
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	c->pcb = pcb;
	tcp_arg(pcb, c);
	tcp_recv(pcb, http_recv);
	tcp_sent(pcb, http_sent);
	tcp_err(pcb, http_err);
	tcp_nagle_disable(pcb); /* a response's last segment leaves at once */
	return ERR_OK;
}

static int cmd_http(const char *port_s, unsigned long long bytes)
{
	struct pattern pat;
	struct tcp_pcb *pcb, *lpcb;
	struct sigaction sa = { .sa_handler = http_on_signal };
	unsigned long long done, failed;
	int timed_out = 0;
	err_t e;

	http_body_bytes = bytes == ANY ? 1024 : bytes;
	if (http_body_bytes > HTTP_BODY_MAX) {
		fprintf(stderr, PROG ": server http: at most %llu bytes\n", HTTP_BODY_MAX);
		return 2;
	}
	http_body = malloc(http_body_bytes ? http_body_bytes : 1);
	if (!http_body) {
		fprintf(stderr, PROG ": out of memory for the body\n");
		return 1;
	}
	pattern_init(&pat);
	pattern_fill(&pat, http_body, http_body_bytes);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	LOCK_TCPIP_CORE();
	pcb = tcp_new();
	e = pcb ? tcp_bind(pcb, IP4_ADDR_ANY, (u16_t)atoi(port_s)) : ERR_MEM;
	lpcb = e == ERR_OK ? tcp_listen(pcb) : NULL;
	if (lpcb)
		tcp_accept(lpcb, http_accept);
	else if (pcb)
		tcp_close(pcb);
	UNLOCK_TCPIP_CORE();
	if (!lpcb) {
		fprintf(stderr, PROG ": listen on %s failed (%d)\n", port_s, (int)e);
		return 1;
	}
	fprintf(stderr, PROG ": listening on port %s (http, %llu-byte body)\n", port_s,
		http_body_bytes);
	for (;;) {
		unsigned long long open;

		LOCK_TCPIP_CORE();
		done = http_ok + http_failed;
		open = http_open;
		UNLOCK_TCPIP_CORE();
		if (opt.count > 0 && done >= (unsigned long long)opt.count && open == 0)
			break;
		if (http_stop)
			break;
		if (!time_left_ms()) {
			timed_out = opt.count > 0;
			break;
		}
		usleep(20 * 1000);
	}
	LOCK_TCPIP_CORE();
	tcp_close(lpcb);
	failed = http_failed;
	fprintf(stderr, PROG ": server http: %llu connections accepted, %llu ended well, %llu "
		"failed, %llu open; %llu requests\n", http_accepted, http_ok, http_failed,
		http_open, http_requests);
	UNLOCK_TCPIP_CORE();
	if (timed_out)
		fprintf(stderr, PROG ": server http: %llu of %d connections by the time limit\n",
			done, opt.count);
	return failed || timed_out ? 1 : 0;
}

/* ---- the benchmark servers on the raw APIs: discard (TCP) and udp-echo ---- */

/* serve_until: the main thread's wait while the callbacks serve. Every `done` counts
 * toward --count (0: until the time limit, SIGTERM or SIGINT); with --count, the run ends
 * once `done` reaches it and `*open` (when given) is 0. Returns 1 when --count was not
 * reached by the time limit. The counters are read under the core lock. */
static int serve_until(const unsigned long long *done, const unsigned long long *open)
{
	struct sigaction sa = { .sa_handler = http_on_signal };

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (;;) {
		unsigned long long d, o;

		LOCK_TCPIP_CORE();
		d = *done;
		o = open ? *open : 0;
		UNLOCK_TCPIP_CORE();
		if (opt.count > 0 && d >= (unsigned long long)opt.count && o == 0)
			return 0;
		if (http_stop)
			return 0;
		if (!time_left_ms())
			return opt.count > 0;
		usleep(20 * 1000);
	}
}

/* One discard connection (under the core lock). */
struct dconn {
	unsigned long long bytes;
	int64_t start_ms;
	char peer[48];
};

/* Under the core lock: connections accepted, ended well, failed, ended either way, open. */
static unsigned long long dis_accepted, dis_ok, dis_failed, dis_done, dis_open;

static void discard_forget(struct tcp_pcb *pcb, struct dconn *c, int failed)
{
	if (pcb) {
		tcp_arg(pcb, NULL);
		tcp_recv(pcb, NULL);
		tcp_err(pcb, NULL);
		tcp_poll(pcb, NULL, 0);
	}
	if (failed)
		dis_failed++;
	else
		dis_ok++;
	dis_done++;
	dis_open--;
	free(c);
}

static err_t discard_poll(void *arg, struct tcp_pcb *pcb);

/* The peer's FIN is in: report the connection, send our FIN (retried from the poll
 * callback when lwIP has no memory for it). */
static err_t discard_close(struct tcp_pcb *pcb, struct dconn *c)
{
	int64_t ms = peer_now_ms() - c->start_ms;

	if (tcp_close(pcb) != ERR_OK) {
		tcp_poll(pcb, discard_poll, 2);
		return ERR_OK;
	}
	fprintf(stderr, PROG ": discard: %s sent %llu bytes in %.3f s (%.2f Mbit/s)\n", c->peer,
		c->bytes, (double)ms / 1000,
		ms > 0 ? (double)c->bytes * 8 / (double)ms / 1000 : 0.0);
	discard_forget(pcb, c, 0);
	return ERR_OK;
}

static err_t discard_poll(void *arg, struct tcp_pcb *pcb)
{
	return arg ? discard_close(pcb, arg) : ERR_OK;
}

static err_t discard_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct dconn *c = arg;

	if (!p)
		return c ? discard_close(pcb, c) : ERR_OK;
	if (err == ERR_OK && c)
		c->bytes += p->tot_len;
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return ERR_OK;
}

static void discard_err(void *arg, err_t err)
{
	struct dconn *c = arg;

	if (!c)
		return;
	fprintf(stderr, PROG ": discard: %s: connection reset (%d) after %llu bytes\n", c->peer,
		(int)err, c->bytes);
	discard_forget(NULL, c, 1); /* lwIP has freed the control block */
}

static err_t discard_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct dconn *c;

	(void)arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	dis_accepted++;
	dis_open++;
	c = calloc(1, sizeof(*c));
	if (!c) {
		dis_open--;
		dis_failed++;
		dis_done++;
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	c->start_ms = peer_now_ms();
	snprintf(c->peer, sizeof(c->peer), "%s:%u", ipaddr_ntoa(&pcb->remote_ip),
		 pcb->remote_port);
	tcp_arg(pcb, c);
	tcp_recv(pcb, discard_recv);
	tcp_err(pcb, discard_err);
	return ERR_OK;
}

static int cmd_discard(const char *port_s)
{
	struct tcp_pcb *pcb, *lpcb;
	int timed_out;
	err_t e;

	LOCK_TCPIP_CORE();
	pcb = tcp_new();
	e = pcb ? tcp_bind(pcb, IP4_ADDR_ANY, (u16_t)atoi(port_s)) : ERR_MEM;
	lpcb = e == ERR_OK ? tcp_listen(pcb) : NULL;
	if (lpcb)
		tcp_accept(lpcb, discard_accept);
	else if (pcb)
		tcp_close(pcb);
	UNLOCK_TCPIP_CORE();
	if (!lpcb) {
		fprintf(stderr, PROG ": listen on %s failed (%d)\n", port_s, (int)e);
		return 1;
	}
	fprintf(stderr, PROG ": listening on port %s (discard)\n", port_s);
	timed_out = serve_until(&dis_done, &dis_open);
	LOCK_TCPIP_CORE();
	tcp_close(lpcb);
	fprintf(stderr, PROG ": server discard: %llu connections accepted, %llu ended well, "
		"%llu failed, %llu open\n", dis_accepted, dis_ok, dis_failed, dis_open);
	e = dis_failed ? ERR_ABRT : ERR_OK;
	UNLOCK_TCPIP_CORE();
	if (timed_out)
		fprintf(stderr, PROG ": server discard: fewer than %d connections by the time "
			"limit\n", opt.count);
	return e != ERR_OK || timed_out ? 1 : 0;
}

/* Under the core lock: datagrams echoed, and those whose echo lwIP could not send. */
static unsigned long long udp_echoed, udp_unsent;

/* In the input thread, under the core lock. p is the received datagram; it goes back as
 * it is, lwIP putting the UDP, IP and Ethernet headers in front again (the room the
 * received ones left), and is ours to free afterwards either way. */
static void udp_echo_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p,
			  const ip_addr_t *addr, u16_t port)
{
	(void)arg;
	if (udp_sendto(pcb, p, addr, port) == ERR_OK)
		udp_echoed++;
	else
		udp_unsent++;
	pbuf_free(p);
}

static int cmd_udp_echo(const char *port_s)
{
	struct udp_pcb *pcb;
	int timed_out;
	err_t e;

	LOCK_TCPIP_CORE();
	pcb = udp_new();
	e = pcb ? udp_bind(pcb, IP4_ADDR_ANY, (u16_t)atoi(port_s)) : ERR_MEM;
	if (e == ERR_OK)
		udp_recv(pcb, udp_echo_recv, NULL);
	else if (pcb)
		udp_remove(pcb);
	UNLOCK_TCPIP_CORE();
	if (e != ERR_OK) {
		fprintf(stderr, PROG ": bind UDP port %s failed (%d)\n", port_s, (int)e);
		return 1;
	}
	fprintf(stderr, PROG ": listening on port %s (udp-echo)\n", port_s);
	timed_out = serve_until(&udp_echoed, NULL);
	LOCK_TCPIP_CORE();
	udp_remove(pcb);
	fprintf(stderr, PROG ": server udp-echo: %llu datagrams echoed, %llu not sent\n",
		udp_echoed, udp_unsent);
	e = udp_unsent ? ERR_MEM : ERR_OK;
	UNLOCK_TCPIP_CORE();
	if (timed_out)
		fprintf(stderr, PROG ": server udp-echo: fewer than %d datagrams by the time "
			"limit\n", opt.count);
	return e != ERR_OK || timed_out ? 1 : 0;
}

/* What this program (and so the library: Debian ships the lwipopts.h it built with) was
 * compiled with, as far as TCP's speed goes. */
static int cmd_options(void)
{
	printf("lwIP %s: TCP_MSS %lu, TCP_WND %lu, LWIP_WND_SCALE %d (TCP_RCV_SCALE %d), "
	       "TCP_SND_BUF %lu, TCP_SND_QUEUELEN %lu, MEMP_NUM_TCP_PCB %d, MEMP_NUM_TCP_SEG %d, "
	       "MEMP_NUM_NETCONN %d, MEMP_MEM_MALLOC %d, TCP_LISTEN_BACKLOG %d, TCP_MSL %lu ms, "
	       "LWIP_TCP_SACK_OUT %d, LWIP_TCP_TIMESTAMPS %d, LWIP_TCPIP_CORE_LOCKING %d, "
	       "LWIP_NETIF_TX_SINGLE_PBUF %d, LWIP_CHECKSUM_ON_COPY %d, LWIP_STATS %d\n",
	       LWIP_VERSION_STRING, (unsigned long)OPT_TCP_MSS, (unsigned long)OPT_TCP_WND,
	       LWIP_WND_SCALE, TCP_RCV_SCALE, (unsigned long)OPT_TCP_SND_BUF,
	       (unsigned long)OPT_TCP_SND_QUEUELEN, MEMP_NUM_TCP_PCB, MEMP_NUM_TCP_SEG,
	       MEMP_NUM_NETCONN, MEMP_MEM_MALLOC, TCP_LISTEN_BACKLOG, (unsigned long)TCP_MSL,
	       LWIP_TCP_SACK_OUT, LWIP_TCP_TIMESTAMPS, LWIP_TCPIP_CORE_LOCKING,
	       LWIP_NETIF_TX_SINGLE_PBUF, LWIP_CHECKSUM_ON_COPY, LWIP_STATS);
	return fflush(stdout) == 0 ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: " PROG " pattern BYTES\n"
		"       " PROG " [--tap NAME] --addr A.B.C.D/N [--mac MAC] [--timeout SECS]\n"
		"                 client HOST PORT echo|send|recv BYTES\n"
		"       " PROG " [--tap NAME] --addr A.B.C.D/N [--mac MAC] [--timeout SECS]\n"
		"                 [--count N] [--close-first] server PORT echo|sink|source [BYTES]\n"
		"       " PROG " [--tap NAME] --addr A.B.C.D/N [--mac MAC] [--timeout SECS]\n"
		"                 [--count N] server PORT http [BYTES]\n"
		"       " PROG " [--tap NAME] --addr A.B.C.D/N [--mac MAC] [--timeout SECS]\n"
		"                 [--count N] server PORT discard|udp-echo\n"
		"       " PROG " options\n"
		"BYTES may end in k or m. --count counts connections (udp-echo: datagrams); 0\n"
		"(http, discard, udp-echo only): until the time limit or SIGTERM.\n");
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
	int have_addr = 0, http, discard, udp_echo, c, rc;

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
	if (argc == 1 && !strcmp(argv[0], "options"))
		return cmd_options();
	http = argc >= 3 && !strcmp(argv[0], "server") && !strcmp(argv[2], "http");
	discard = argc == 3 && !strcmp(argv[0], "server") && !strcmp(argv[2], "discard");
	udp_echo = argc == 3 && !strcmp(argv[0], "server") && !strcmp(argv[2], "udp-echo");
	if (argc < 1 || !have_addr || opt.timeout_s < 1 ||
	    opt.count < (http || discard || udp_echo ? 0 : 1)) {
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

	watch = !(http || discard || udp_echo);
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
	else if (http)
		rc = cmd_http(argv[1], bytes);
	else if (discard)
		rc = cmd_discard(argv[1]);
	else if (udp_echo)
		rc = cmd_udp_echo(argv[1]);
	else
		rc = cmd_server(argv[1], argv[2], bytes);

	linger_time_wait();
	LOCK_TCPIP_CORE();
	if (watch) {
		peer_watch_print(&tx_watch, stderr);
		peer_watch_print(&rx_watch, stderr);
	}
	if (rx_too_long || rx_nomem || tx_errors)
		fprintf(stderr, PROG ": %llu frames too long, %llu without memory, %llu write "
			"errors\n", rx_too_long, rx_nomem, tx_errors);
	UNLOCK_TCPIP_CORE();
	fprintf(stderr, PROG ": %s\n", rc == 0 ? "ok" : "FAILED");
	/* lwIP's threads keep running: leave without tearing the stack down under them. */
	fflush(stderr);
	_exit(rc);
}
