/* SPDX-License-Identifier: MIT */
/* slirp_peer: libslirp (QEMU's user-mode network stack, Debian's libslirp-dev) on a TAP
 * device, so that ustack on the same bridge is slirp's "guest" and talks TCP to slirp's
 * own TCP/IP implementation (a descendant of the BSD 4.4 one). Slirp terminates every
 * guest connection and re-originates it with kernel sockets on the host side, here the
 * test namespace:
 *
 *   ustack (guest, 10.0.2.15) --TCP--> slirp (10.0.2.2)  ==kernel socket==> 127.0.0.1:PORT
 *   kernel client ==kernel socket==> 127.0.0.1:HOSTPORT (hostfwd) slirp --TCP--> ustack
 *
 *   slirp_peer [--tap NAME] [--net A.B.C.D/N] [--host A.B.C.D] [--timeout SECS]
 *              [--fwd HOSTPORT=GUESTADDR:GUESTPORT]...
 *
 * --net is slirp's virtual network (10.0.2.0/24), --host its own address on it (10.0.2.2;
 * a guest connecting to it reaches the host's loopback, 127.0.0.1, in the namespace the
 * peer runs in), --fwd a TCP host forward listening on 127.0.0.1:HOSTPORT. DNS and DHCP
 * are off, and the namespace has no route out, so slirp's sockets can only reach the
 * namespace's own loopback. Runs until SIGTERM or SIGINT (exit 0) or --timeout (120 s,
 * exit 1), then prints what it saw and slirp's connection table.
 *
 * One thread: poll() over the TAP and the sockets slirp asks for, with slirp's own
 * timeout; frames from the TAP go to slirp_input, slirp's frames for the guest
 * (send_packet) are written to the TAP. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <slirp/libslirp.h>

#include "test/interop/peer.h"

#define PROG "slirp_peer"
#define MAX_FWDS 8
#define MAX_TIMERS 8
#define MAX_POLLFDS 1024

static int tap_fd = -1;
static volatile sig_atomic_t stop;
static struct peer_watch tx_watch, rx_watch; /* tx: slirp to the guest (ustack) */
static unsigned long long rx_too_long, tx_errors;

static struct pollfd pfds[MAX_POLLFDS];
static int npfds;

/* slirp's timers (only the IPv6 router advertisement one in this version; kept general) */
struct peer_timer {
	int used;
	int64_t expire_ms; /* -1: not armed */
	SlirpTimerId id;
	void *cb_opaque;
};
static struct peer_timer timers[MAX_TIMERS];
static Slirp *slirp;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* ---- callbacks ---- */

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
	ssize_t w;

	(void)opaque;
	peer_watch_frame(&tx_watch, buf, len);
	w = write(tap_fd, buf, len);
	if (w != (ssize_t)len) {
		tx_errors++;
		/* a frame the TAP refuses is lost like one on a wire: TCP retransmits */
		return (ssize_t)len;
	}
	return w;
}

static void cb_guest_error(const char *msg, void *opaque)
{
	(void)opaque;
	fprintf(stderr, PROG ": guest error: %s\n", msg);
}

static int64_t cb_clock_get_ns(void *opaque)
{
	struct timespec ts;

	(void)opaque;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	(void)opaque;
	for (int i = 0; i < MAX_TIMERS; i++) {
		if (!timers[i].used) {
			timers[i] = (struct peer_timer){ .used = 1, .expire_ms = -1, .id = id,
							 .cb_opaque = cb_opaque };
			return &timers[i];
		}
	}
	fprintf(stderr, PROG ": out of timers\n");
	abort();
}

static void cb_timer_free(void *timer, void *opaque)
{
	(void)opaque;
	((struct peer_timer *)timer)->used = 0;
}

/* expire_time is in milliseconds of the clock_get_ns clock */
static void cb_timer_mod(void *timer, int64_t expire_time, void *opaque)
{
	(void)opaque;
	((struct peer_timer *)timer)->expire_ms = expire_time;
}

/* This loop asks slirp for its descriptors before every poll(), so the register and
 * notify hints need no bookkeeping. */
static void cb_register_poll_fd(int fd, void *opaque)
{
	(void)fd;
	(void)opaque;
}

static void cb_unregister_poll_fd(int fd, void *opaque)
{
	(void)fd;
	(void)opaque;
}

static void cb_notify(void *opaque)
{
	(void)opaque;
}

static int cb_add_poll(int fd, int events, void *opaque)
{
	short ev = 0;

	(void)opaque;
	if (npfds >= MAX_POLLFDS) {
		fprintf(stderr, PROG ": more than %d descriptors to poll\n", MAX_POLLFDS);
		abort();
	}
	if (events & SLIRP_POLL_IN)
		ev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	pfds[npfds] = (struct pollfd){ .fd = fd, .events = ev };
	return npfds++;
}

static int cb_get_revents(int idx, void *opaque)
{
	short r;
	int ev = 0;

	(void)opaque;
	if (idx < 0 || idx >= npfds)
		return 0;
	r = pfds[idx].revents;
	if (r & POLLIN)
		ev |= SLIRP_POLL_IN;
	if (r & POLLOUT)
		ev |= SLIRP_POLL_OUT;
	if (r & POLLPRI)
		ev |= SLIRP_POLL_PRI;
	if (r & (POLLERR | POLLNVAL))
		ev |= SLIRP_POLL_ERR;
	if (r & POLLHUP)
		ev |= SLIRP_POLL_HUP;
	return ev;
}

static const SlirpCb callbacks = {
	.send_packet = cb_send_packet,
	.guest_error = cb_guest_error,
	.clock_get_ns = cb_clock_get_ns,
	.timer_free = cb_timer_free,
	.timer_mod = cb_timer_mod,
	.register_poll_fd = cb_register_poll_fd,
	.unregister_poll_fd = cb_unregister_poll_fd,
	.notify = cb_notify,
	.timer_new_opaque = cb_timer_new_opaque,
};

/* ---- the loop ---- */

static int64_t now_ms(void)
{
	return cb_clock_get_ns(NULL) / 1000000;
}

static void run_timers(void)
{
	int64_t now = now_ms();

	for (int i = 0; i < MAX_TIMERS; i++) {
		if (timers[i].used && timers[i].expire_ms >= 0 && timers[i].expire_ms <= now) {
			timers[i].expire_ms = -1;
			slirp_handle_timer(slirp, timers[i].id, timers[i].cb_opaque);
		}
	}
}

static uint32_t timer_wait_ms(uint32_t wait)
{
	int64_t now = now_ms();

	for (int i = 0; i < MAX_TIMERS; i++) {
		if (!timers[i].used || timers[i].expire_ms < 0)
			continue;
		if (timers[i].expire_ms <= now)
			return 0;
		if (timers[i].expire_ms - now < (int64_t)wait)
			wait = (uint32_t)(timers[i].expire_ms - now);
	}
	return wait;
}

/* Reads what the TAP holds (at most a batch, so sockets get their turn). */
static int tap_drain(void)
{
	uint8_t frame[PEER_FRAME_MAX + 1];

	for (int i = 0; i < 64; i++) {
		ssize_t len = read(tap_fd, frame, sizeof(frame));

		if (len < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			fprintf(stderr, PROG ": read: %s\n", strerror(errno));
			return -1;
		}
		if (len > PEER_FRAME_MAX) {
			rx_too_long++;
			continue;
		}
		peer_watch_frame(&rx_watch, frame, (size_t)len);
		slirp_input(slirp, frame, (int)len);
	}
	return 0;
}

static int parse_fwd(const char *s, int *hport, struct in_addr *gaddr, int *gport)
{
	char addr[32];
	int n = 0;

	if (sscanf(s, "%d=%31[0-9.]:%d%n", hport, addr, gport, &n) != 3 || s[n] != '\0')
		return -1;
	if (*hport < 1 || *hport > 65535 || *gport < 1 || *gport > 65535)
		return -1;
	return inet_pton(AF_INET, addr, gaddr) == 1 ? 0 : -1;
}

static void usage(void)
{
	fprintf(stderr, "usage: " PROG " [--tap NAME] [--net A.B.C.D/N] [--host A.B.C.D] "
			"[--timeout SECS]\n"
			"                  [--fwd HOSTPORT=GUESTADDR:GUESTPORT]...\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "tap", required_argument, NULL, 't' },
		{ "net", required_argument, NULL, 'n' },
		{ "host", required_argument, NULL, 'H' },
		{ "fwd", required_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *tap = "sltap0";
	SlirpConfig cfg;
	struct { int hport, gport; struct in_addr gaddr; } fwd[MAX_FWDS];
	int nfwd = 0, timeout_s = 120, c, prefix = 24, rc = 0;
	struct sigaction sa;
	int64_t deadline;
	char *info;

	memset(&cfg, 0, sizeof(cfg));
	cfg.version = 4;
	cfg.in_enabled = true;
	inet_pton(AF_INET, "10.0.2.0", &cfg.vnetwork);
	inet_pton(AF_INET, "10.0.2.2", &cfg.vhost);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		char buf[32], *slash;

		switch (c) {
		case 't':
			tap = optarg;
			break;
		case 'n':
			snprintf(buf, sizeof(buf), "%s", optarg);
			slash = strchr(buf, '/');
			if (slash) {
				*slash = '\0';
				prefix = atoi(slash + 1);
			}
			if (!slash || prefix < 8 || prefix > 30 ||
			    inet_pton(AF_INET, buf, &cfg.vnetwork) != 1) {
				fprintf(stderr, PROG ": --net wants A.B.C.D/N (N 8..30), not %s\n",
					optarg);
				return 2;
			}
			break;
		case 'H':
			if (inet_pton(AF_INET, optarg, &cfg.vhost) != 1) {
				fprintf(stderr, PROG ": bad --host %s\n", optarg);
				return 2;
			}
			break;
		case 'f':
			if (nfwd == MAX_FWDS ||
			    parse_fwd(optarg, &fwd[nfwd].hport, &fwd[nfwd].gaddr, &fwd[nfwd].gport)) {
				fprintf(stderr, PROG ": bad --fwd %s (HOSTPORT=GUESTADDR:GUESTPORT, at "
					"most %d)\n", optarg, MAX_FWDS);
				return 2;
			}
			nfwd++;
			break;
		case 'T':
			timeout_s = atoi(optarg);
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return 2;
		}
	}
	if (optind != argc || timeout_s < 1) {
		usage();
		return 2;
	}
	cfg.vnetmask.s_addr = htonl(~(0xffffffffU >> prefix));
	cfg.vnetwork.s_addr &= cfg.vnetmask.s_addr;
	/* DHCP hands out addresses from .15; ustack's is static, so this only keeps
	 * slirp's defaults consistent with the network */
	cfg.vdhcp_start.s_addr = cfg.vnetwork.s_addr | htonl(15);
	cfg.vnameserver.s_addr = cfg.vnetwork.s_addr | htonl(3);
	/* nothing leaves the namespace: no DNS relay to the host's resolvers, no DHCP */
	cfg.disable_dns = true;
	cfg.disable_dhcp = true;

	peer_watch_init(&tx_watch, PROG, "tx");
	peer_watch_init(&rx_watch, PROG, "rx");
	tap_fd = peer_tap_open(tap, PROG);
	if (tap_fd < 0)
		return 1;
	if (fcntl(tap_fd, F_SETFL, fcntl(tap_fd, F_GETFL) | O_NONBLOCK) < 0) {
		perror(PROG ": fcntl");
		return 1;
	}
	slirp = slirp_new(&cfg, &callbacks, NULL);
	if (!slirp) {
		fprintf(stderr, PROG ": slirp_new failed\n");
		return 1;
	}
	for (int i = 0; i < nfwd; i++) {
		struct in_addr lo = { .s_addr = htonl(INADDR_LOOPBACK) };

		if (slirp_add_hostfwd(slirp, 0, lo, fwd[i].hport, fwd[i].gaddr, fwd[i].gport) < 0) {
			fprintf(stderr, PROG ": hostfwd 127.0.0.1:%d: %s\n", fwd[i].hport,
				strerror(errno));
			return 1;
		}
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	{
		char net[INET_ADDRSTRLEN], host[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &cfg.vnetwork, net, sizeof(net));
		inet_ntop(AF_INET, &cfg.vhost, host, sizeof(host));
		fprintf(stderr, PROG ": libslirp %s ready on %s, network %s/%d, host %s, "
			"%d forward%s\n", slirp_version_string(), tap, net, prefix, host, nfwd,
			nfwd == 1 ? "" : "s");
	}
	deadline = now_ms() + (int64_t)timeout_s * 1000;
	while (!stop) {
		uint32_t wait = 100;
		int n, tap_idx;

		if (now_ms() >= deadline) {
			fprintf(stderr, PROG ": time limit (%d s) reached\n", timeout_s);
			rc = 1;
			break;
		}
		npfds = 0;
		tap_idx = cb_add_poll(tap_fd, SLIRP_POLL_IN, NULL);
		slirp_pollfds_fill(slirp, &wait, cb_add_poll, NULL);
		wait = timer_wait_ms(wait);
		n = poll(pfds, (nfds_t)npfds, (int)wait);
		if (n < 0 && errno != EINTR) {
			perror(PROG ": poll");
			rc = 1;
			break;
		}
		/* slirp also runs its TCP timers here, so it is called on a timeout too */
		slirp_pollfds_poll(slirp, n < 0, cb_get_revents, NULL);
		if (n > 0 && (pfds[tap_idx].revents & POLLIN) && tap_drain() < 0) {
			rc = 1;
			break;
		}
		run_timers();
	}

	peer_watch_print(&tx_watch, stderr);
	peer_watch_print(&rx_watch, stderr);
	if (rx_too_long || tx_errors)
		fprintf(stderr, PROG ": %llu frames too long, %llu write errors\n", rx_too_long,
			tx_errors);
	info = slirp_connection_info(slirp);
	if (info) {
		fprintf(stderr, PROG ": connections at exit:\n%s", info);
		free(info);
	}
	slirp_cleanup(slirp);
	close(tap_fd);
	return rc;
}
