/* SPDX-License-Identifier: MIT */
/* `ustack ping`: ICMP echo through the stack's ICMP datagram socket (ICMPv6 echo through
 * its ICMPv6 one for an IPv6 address, or a name's AAAA address with -6), printing what iputils
 * ping prints:
 *   PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data.
 *   64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=0.210 ms
 *   --- 10.0.0.1 ping statistics ---
 *   3 packets transmitted, 3 received, 0% packet loss, time 2003ms
 *   rtt min/avg/max/mdev = 0.190/0.210/0.230/0.017 ms
 * and, as iputils does, "From 10.0.0.2 icmp_seq=1 Destination Host Unreachable" for each
 * request an ICMP error (or the failure to resolve the next hop) came back for; -q prints
 * the first line and the summary only, -D puts [epoch.microseconds] before each line, -f
 * prints a dot per request and a backspace per reply, -t sets the TTL, -I sends through a
 * device, -w ends after that many seconds. Exit 0 if any reply came back (with -w and -c,
 * if count replies came back), 1 otherwise. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "apps/app.h"
#include "ip/icmp.h"
#include "ip/icmp_sock.h"
#include "ip/ip.h"
#include "ip6/icmp6.h"
#include "ip6/icmp6_sock.h"

/* one getsockopt reads the last reply's TTL or hop limit */
_Static_assert(ICMP6_SOCK_LAST_HLIM == ICMP_SOCK_LAST_TTL, "ping reads both with one name");
#include "net/loop.h"
#include "net/netdev.h"
#include "net/socket.h"

#define PING_SEQ_WINDOW 4096     /* send times remembered, to match late replies */
#define PING_FLOOD_GAP_US 10000  /* -i 0: the longest wait for a reply before the next */

struct ping_state {
	uint32_t dst;                               /* IPv4 */
	struct app_sockaddr dst_sa;                 /* either family */
	int v6;                                     /* ICMPv6 echo */
	char dst_s[APP_ADDR_STRLEN];
	long sent, received, dups, errors;
	long pipe;                                  /* most requests outstanding at once */
	double rtt_min, rtt_max, rtt_sum, rtt_sum2; /* ms */
	uint64_t rtt_ewma8_us;                      /* iputils' ewma, 8 times the RTT (us) */
	uint64_t sent_us[PING_SEQ_WINDOW];          /* 0: no reply expected */
	uint8_t seen[PING_SEQ_WINDOW];
	uint8_t *buf;
	size_t buflen;
};

/* -D: "[seconds.microseconds] " of the wall clock before a line. */
static void ping_stamp(void)
{
	struct timeval tv;

	if (!app_cfg.ping.timestamps)
		return;
	gettimeofday(&tv, NULL);
	printf("[%lld.%06ld] ", (long long)tv.tv_sec, (long)tv.tv_usec);
}

/* -f: dots and backspaces straight to stdout, in order with the printf'd lines. */
static void ping_flood_mark(const char *s)
{
	fflush(stdout);
	if (write(STDOUT_FILENO, s, strlen(s)) < 0) {
		/* stdout is gone: nothing to show the marks on */
	}
}

/* What iputils says for an ICMP error's type and code. */
static void ping_error_text(uint8_t type, uint8_t code, char *buf, size_t size)
{
	static const char *const unreach[] = {
		"Destination Net Unreachable", "Destination Host Unreachable",
		"Destination Protocol Unreachable", "Destination Port Unreachable",
		"Frag needed and DF set", "Source Route Failed", "Destination Net Unknown",
		"Destination Host Unknown", "Source Host Isolated", "Destination Net Prohibited",
		"Destination Host Prohibited", "Destination Net Unreachable for Type of Service",
		"Destination Host Unreachable for Type of Service", "Packet filtered",
		"Precedence Violation", "Precedence Cutoff",
	};

	if (type == ICMP_DEST_UNREACH && code < sizeof(unreach) / sizeof(unreach[0]))
		snprintf(buf, size, "%s", unreach[code]);
	else if (type == ICMP_DEST_UNREACH)
		snprintf(buf, size, "Dest Unreachable, Bad Code: %u", code);
	else if (type == ICMP_TIME_EXCEEDED && code == 0)
		snprintf(buf, size, "Time to live exceeded");
	else if (type == ICMP_TIME_EXCEEDED)
		snprintf(buf, size, "Frag reassembly time exceeded");
	else
		snprintf(buf, size, "Bad ICMP type: %u", type);
}

/* What iputils' ping says for an ICMPv6 error's type and code. */
static void ping6_error_text(const uint8_t *msg, char *buf, size_t size)
{
	static const char *const unreach[] = {
		"No route", "Administratively prohibited", "Beyond scope of source address",
		"Address unreachable", "Port unreachable",
	};
	static const char *const param[] = { "Wrong header field", "Unknown header",
					     "Unknown option" };
	uint8_t type = msg[0], code = msg[1];
	uint32_t word = (uint32_t)msg[4] << 24 | (uint32_t)msg[5] << 16 |
			(uint32_t)msg[6] << 8 | msg[7];

	if (type == ICMP6_DST_UNREACH && code < sizeof(unreach) / sizeof(unreach[0]))
		snprintf(buf, size, "Destination unreachable: %s", unreach[code]);
	else if (type == ICMP6_DST_UNREACH)
		snprintf(buf, size, "Destination unreachable: Unknown code %u", code);
	else if (type == ICMP6_PKT_TOO_BIG)
		snprintf(buf, size, "Packet too big: mtu=%u", word);
	else if (type == ICMP6_TIME_EXCEEDED)
		snprintf(buf, size, "Time exceeded: %s",
			 code == 0 ? "Hop limit" : "Defragmentation failure");
	else if (code < sizeof(param) / sizeof(param[0]))
		snprintf(buf, size, "Parameter problem: %s at %u", param[code], word);
	else
		snprintf(buf, size, "Parameter problem: code %u at %u", code, word);
}

/* An ICMP or ICMPv6 error about one of our requests (the socket queues them with the
 * replies): msg = the error's header, the quoted IP header (IPv6's, with a fragment
 * header when the request was fragmented), the quoted echo header; from = its sender. */
static void ping_error(struct ping_state *ps, const uint8_t *msg, size_t len,
		       const struct sockaddr *from)
{
	char who[APP_ADDR_STRLEN], what[64];
	size_t ihl;
	uint16_t seq;

	if (ps->v6) {
		ihl = IP6_HDR_LEN;
		if (len > ICMP6_HDR_LEN + 6 && msg[ICMP6_HDR_LEN + 6] == IP6_NH_FRAGMENT)
			ihl += IP6_FRAG_HDR_LEN;
	} else {
		if (len < ICMP_HDR_LEN + IP_HDR_MIN)
			return;
		ihl = (size_t)(msg[ICMP_HDR_LEN] & 0x0f) * 4;
		if (ihl < IP_HDR_MIN)
			return;
	}
	if (len < ICMP_HDR_LEN + ihl + ICMP_HDR_LEN)
		return;
	seq = (uint16_t)(msg[ICMP_HDR_LEN + ihl + 6] << 8 | msg[ICMP_HDR_LEN + ihl + 7]);
	if (!ps->sent_us[seq % PING_SEQ_WINDOW])
		return; /* not one of ours */
	ps->errors++;
	if (app_cfg.ping.quiet)
		return;
	if (app_cfg.ping.flood) {
		ping_flood_mark("\bE");
		return;
	}
	if (ps->v6)
		ping6_error_text(msg, what, sizeof(what));
	else
		ping_error_text(msg[0], msg[1], what, sizeof(what));
	ping_stamp();
	printf("From %s icmp_seq=%u %s\n", app_addr_ntop(from, who, sizeof(who)), seq, what);
}

static int ping_send(int fd, struct ping_state *ps, uint16_t seq)
{
	size_t len = ICMP_HDR_LEN + app_cfg.ping.size;
	uint8_t *b = ps->buf;
	ssize_t n;

	/* Type, code, checksum 0, id 0 (the socket fills it in), sequence. */
	memset(b, 0, ICMP_HDR_LEN);
	b[0] = ps->v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	b[6] = (uint8_t)(seq >> 8);
	b[7] = (uint8_t)seq;
	for (size_t i = 0; i < app_cfg.ping.size; i++)
		b[ICMP_HDR_LEN + i] = (uint8_t)(i + 8); /* the pattern iputils uses after its timestamp */
	ps->sent_us[seq % PING_SEQ_WINDOW] = app_now_us();
	ps->seen[seq % PING_SEQ_WINDOW] = 0;
	ps->sent++;
	if (ps->sent - ps->received - ps->errors > ps->pipe)
		ps->pipe = ps->sent - ps->received - ps->errors;
	n = us_sendto(fd, b, len, 0, &ps->dst_sa.sa, ps->dst_sa.len);
	if (n < 0) {
		ps->errors++;
		if (n == -ENETUNREACH || n == -EHOSTUNREACH) {
			app_error("ping: %s: no route: add --gw GATEWAY or --route PREFIX/N,via=GW",
				  ps->dst_s);
			return (int)n;
		}
		if (!app_cfg.ping.quiet)
			printf("From %s icmp_seq=%u send failed: %s\n", ps->dst_s, seq,
			       strerror((int)-n));
		return 0;
	}
	if (app_cfg.ping.flood && !app_cfg.ping.quiet)
		ping_flood_mark(".");
	return 0;
}

static void ping_receive(int fd, struct ping_state *ps)
{
	for (;;) {
		struct app_sockaddr src;
		char from[APP_ADDR_STRLEN];
		socklen_t srclen = sizeof(src.in6);
		ssize_t n = us_recvfrom(fd, ps->buf, ps->buflen, MSG_DONTWAIT, &src.sa, &srclen);
		int ttl = 0;
		socklen_t tl = sizeof(ttl);
		uint16_t seq;
		uint64_t t0;
		double ms;
		int dup;

		if (n == -EAGAIN)
			return;
		if (n < 0) {
			app_error("ping: receive: %s", strerror((int)-n));
			return;
		}
		if (n >= ICMP_HDR_LEN &&
		    (ps->v6 ? ps->buf[0] < 128 /* RFC 4443 2.1: an error */
			    : ps->buf[0] == ICMP_DEST_UNREACH ||
				      ps->buf[0] == ICMP_TIME_EXCEEDED)) {
			ping_error(ps, ps->buf, (size_t)n, &src.sa);
			continue;
		}
		if (n < ICMP_HDR_LEN || ps->buf[0] != (ps->v6 ? ICMP6_ECHO_REPLY : ICMP_ECHO_REPLY))
			continue;
		seq = (uint16_t)(ps->buf[6] << 8 | ps->buf[7]);
		t0 = ps->sent_us[seq % PING_SEQ_WINDOW];
		if (!t0)
			continue; /* not one of ours, or from before the window */
		us_getsockopt(fd, IPPROTO_IP, ICMP_SOCK_LAST_TTL, &ttl, &tl);
		ms = (double)(app_now_us() - t0) / 1000.0;
		dup = ps->seen[seq % PING_SEQ_WINDOW];
		ps->seen[seq % PING_SEQ_WINDOW] = 1;
		if (dup) {
			ps->dups++;
		} else {
			uint64_t us = (uint64_t)(ms * 1000.0);

			ps->received++;
			ps->rtt_sum += ms;
			ps->rtt_sum2 += ms * ms;
			if (ps->received == 1 || ms < ps->rtt_min)
				ps->rtt_min = ms;
			if (ms > ps->rtt_max)
				ps->rtt_max = ms;
			/* iputils' smoothed RTT: rtt += sample - rtt / 8, kept times 8 */
			ps->rtt_ewma8_us = ps->rtt_ewma8_us ? ps->rtt_ewma8_us + us -
								      ps->rtt_ewma8_us / 8
							    : us * 8;
		}
		if (app_cfg.ping.quiet)
			continue;
		if (app_cfg.ping.flood) {
			if (!dup)
				ping_flood_mark("\b \b");
			continue;
		}
		ping_stamp();
		printf("%zd bytes from %s: icmp_seq=%u ttl=%d time=%.3f ms%s\n", n,
		       app_addr_ntop(&src.sa, from, sizeof(from)), seq, ttl, ms,
		       dup ? " (DUP!)" : "");
	}
}

static void ping_summary(const struct ping_state *ps, uint64_t start_us)
{
	long lost = ps->sent - ps->received;
	double pct = ps->sent ? 100.0 * (double)lost / (double)ps->sent : 0;
	uint64_t elapsed_us = app_now_us() - start_us;
	const char *sep = "";

	printf("\n--- %s ping statistics ---\n", ps->dst_s);
	printf("%ld packets transmitted, %ld received", ps->sent, ps->received);
	if (ps->dups)
		printf(", +%ld duplicates", ps->dups);
	if (ps->errors)
		printf(", +%ld errors", ps->errors);
	printf(", %g%% packet loss, time %llums\n", pct, (unsigned long long)(elapsed_us / 1000));
	/* One more line, as iputils: what of rtt, pipe and ipg/ewma applies, or nothing. */
	if (ps->received) {
		double avg = ps->rtt_sum / (double)ps->received;
		double var = ps->rtt_sum2 / (double)ps->received - avg * avg;
		printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms", ps->rtt_min, avg,
		       ps->rtt_max, var > 0 ? sqrt(var) : 0.0);
		sep = ", ";
	}
	if (ps->pipe > 1) {
		printf("%spipe %ld", sep, ps->pipe);
		sep = ", ";
	}
	if (ps->received && ps->sent > 1 && (app_cfg.ping.flood || app_cfg.ping.interval_s == 0))
		printf("%sipg/ewma %.3f/%.3f ms", sep,
		       (double)elapsed_us / (double)(ps->sent - 1) / 1000.0,
		       (double)ps->rtt_ewma8_us / 8000.0);
	putchar('\n');
	fflush(stdout);
}

/* The socket's options: errors wanted, -t TTL, -I DEV (or -I ADDR: the source). Fills
 * `from` ("from A.B.C.D DEV: " for the first line) when -I is given. 0, or an exit status. */
static int ping_setup(int fd, const struct ping_state *ps, char *from, size_t fromsize)
{
	const char *ifname = app_cfg.ping.iface;
	int one = 1, err;
	uint32_t src = 0;
	char s[IP_ADDR_STRLEN];

	us_setsockopt(fd, IPPROTO_IP, ICMP_SOCK_RECV_ERRORS, &one, sizeof(one));
	if (app_cfg.ping.ttl) {
		int ttl = app_cfg.ping.ttl;
		err = us_setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
		if (err < 0) {
			app_error("ping: -t %d: %s", ttl, strerror(-err));
			return EXIT_FAIL;
		}
	}
	from[0] = '\0';
	if (!ifname)
		return 0;
	if (ps->v6) {
		/* -I ADDR6 binds to it; -I DEV binds to the device */
		struct sockaddr_in6 a = { .sin6_family = AF_INET6 };

		if (inet_pton(AF_INET6, ifname, &a.sin6_addr) == 1)
			err = us_bind(fd, (const struct sockaddr *)&a, sizeof(a));
		else
			err = us_setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
					    (socklen_t)strlen(ifname));
		if (err < 0) {
			app_error("ping: -I %s: %s: give one of the stack's IPv6 addresses or a "
				  "device name", ifname, strerror(-err));
			return EXIT_USAGE;
		}
		snprintf(from, fromsize, "from %s : ", ifname);
		return 0;
	}
	if (ip_addr_pton(ifname, &src) == 0) {
		/* -I ADDR: requests leave from that address, as iputils */
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = src };

		err = us_bind(fd, (const struct sockaddr *)&a, sizeof(a));
		if (err < 0) {
			app_error("ping: -I %s: %s: give one of the stack's addresses or a device name",
				  ifname, strerror(-err));
			return EXIT_USAGE;
		}
		snprintf(from, fromsize, "from %s : ", ifname);
		return 0;
	}
	err = us_setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname));
	if (err < 0) {
		app_error("ping: -I %s: %s: give a --dev name (tap:NAME's NAME) or an address",
			  ifname, err == -ENODEV ? "no such device" : strerror(-err));
		return EXIT_USAGE;
	}
	net_lock();
	{
		struct net_device *dev = net_device_by_name(ifname);
		src = dev ? ip_source_for_dev(ps->dst, dev->index) : 0;
	}
	net_unlock();
	if (!src) {
		app_error("ping: %s: no route through %s: add --gw GATEWAY or --route PREFIX/N,via=GW",
			  ps->dst_s, ifname);
		return EXIT_FAIL;
	}
	snprintf(from, fromsize, "from %s %s: ", ip_addr_ntop(src, s, sizeof(s)), ifname);
	return 0;
}

int ping_main(void)
{
	struct ping_state *ps = calloc(1, sizeof(*ps));
	uint64_t start, next_send, last_send = 0, end_us = UINT64_MAX;
	double interval_s = app_cfg.ping.interval_set || !app_cfg.ping.flood
				    ? app_cfg.ping.interval_s : 0.0;
	uint64_t interval_us = (uint64_t)(interval_s * 1e6);
	uint64_t wait_us = (uint64_t)(app_cfg.ping.timeout_s * 1e6);
	long count = app_cfg.ping.count;
	int fd = -1, status = EXIT_FAIL;
	uint16_t seq = 1;
	char from[APP_ADDR_STRLEN + 24];

	if (!ps)
		return EXIT_FAIL;
	if (app_resolve(app_cfg.args[0], 0, app_cfg.ping.ipv6 ? AF_INET6 : 0, &ps->dst_sa))
		goto out_usage;
	ps->v6 = ps->dst_sa.sa.sa_family == AF_INET6;
	if (!ps->v6)
		ps->dst = ps->dst_sa.in.sin_addr.s_addr;
	app_addr_ntop(&ps->dst_sa.sa, ps->dst_s, sizeof(ps->dst_s));
	ps->buflen = ICMP_HDR_LEN + (app_cfg.ping.size > 65507 ? 65507 : app_cfg.ping.size) + 64;
	ps->buf = malloc(ps->buflen);
	if (!ps->buf)
		goto out;
	fd = ps->v6 ? us_socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6)
		    : us_socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	if (fd < 0) {
		app_error("ping: cannot open an ICMP socket: %s", strerror(-fd));
		goto out;
	}
	status = ping_setup(fd, ps, from, sizeof(from));
	if (status != 0)
		goto out;
	status = EXIT_FAIL;
	printf("PING %s (%s) %s%zu(%zu) bytes of data.\n", ps->dst_s, ps->dst_s, from,
	       app_cfg.ping.size,
	       app_cfg.ping.size + ICMP_HDR_LEN + (ps->v6 ? IP6_HDR_LEN : IP_HDR_MIN));
	start = next_send = app_now_us();
	if (app_cfg.ping.deadline_s > 0)
		end_us = start + (uint64_t)(app_cfg.ping.deadline_s * 1e6);
	while (!app_stopping()) {
		uint64_t now = app_now_us(), until;
		/* -c counts requests; with -w it counts replies, and requests go on until they
		 * came or the deadline passed (iputils) */
		int done_sending = count && (end_us != UINT64_MAX ? ps->received >= count
								  : ps->sent >= count);

		if (now >= end_us || (end_us != UINT64_MAX && count && ps->received >= count))
			break;
		/* -i 0 (and -f) paces like a flood ping: the next request as soon as the last is
		 * answered, or after PING_FLOOD_GAP_US if it is lost. */
		if (!done_sending && !interval_us && ps->received + ps->errors >= ps->sent)
			next_send = now;
		if (!done_sending && now >= next_send) {
			if (ping_send(fd, ps, seq++) < 0)
				goto out;
			last_send = now;
			next_send = interval_us ? next_send + interval_us : now + PING_FLOOD_GAP_US;
			if (next_send < now)
				next_send = now; /* we fell behind: no burst to catch up */
			continue;
		}
		if (done_sending) {
			/* Stop once every request is answered, or the last one's wait is over
			 * (-W; with -w the deadline alone ends it). */
			if (ps->received + ps->errors >= ps->sent)
				break;
			if (end_us == UINT64_MAX && now >= last_send + wait_us)
				break;
			until = end_us != UINT64_MAX ? end_us : last_send + wait_us;
		} else {
			until = next_send < end_us ? next_send : end_us;
		}
		if (app_wait(fd, US_POLLIN, (int)((until - now + 999) / 1000)) > 0)
			ping_receive(fd, ps);
	}
	ping_summary(ps, start);
	status = ps->received && (end_us == UINT64_MAX || !count || ps->received >= count)
			 ? EXIT_OK : EXIT_FAIL;
	goto out;
out_usage:
	status = EXIT_USAGE;
out:
	if (fd >= 0)
		us_close(fd);
	free(ps->buf);
	free(ps);
	return status;
}
