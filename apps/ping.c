/* SPDX-License-Identifier: MIT */
/* `ustack ping`: ICMP echo through the stack's ICMP datagram socket, printing what iputils
 * ping prints:
 *   PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data.
 *   64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=0.210 ms
 *   --- 10.0.0.1 ping statistics ---
 *   3 packets transmitted, 3 received, 0% packet loss, time 2003ms
 *   rtt min/avg/max/mdev = 0.190/0.210/0.230/0.017 ms
 * Exit 0 if any reply came back, 1 if none. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/app.h"
#include "ip/icmp.h"
#include "ip/icmp_sock.h"
#include "ip/ip.h"
#include "net/socket.h"

#define PING_SEQ_WINDOW 4096     /* send times remembered, to match late replies */
#define PING_FLOOD_GAP_US 10000  /* -i 0: the longest wait for a reply before the next */

struct ping_state {
	uint32_t dst;
	char dst_s[IP_ADDR_STRLEN];
	long sent, received, dups, errors;
	double rtt_min, rtt_max, rtt_sum, rtt_sum2; /* ms */
	uint64_t sent_us[PING_SEQ_WINDOW];          /* 0: no reply expected */
	uint8_t seen[PING_SEQ_WINDOW];
	uint8_t *buf;
	size_t buflen;
};

static int ping_send(int fd, struct ping_state *ps, uint16_t seq)
{
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_addr.s_addr = ps->dst };
	size_t len = ICMP_HDR_LEN + app_cfg.ping.size;
	uint8_t *b = ps->buf;
	ssize_t n;

	/* Type, code, checksum 0, id 0 (the socket fills it in), sequence. */
	memset(b, 0, ICMP_HDR_LEN);
	b[0] = ICMP_ECHO;
	b[6] = (uint8_t)(seq >> 8);
	b[7] = (uint8_t)seq;
	for (size_t i = 0; i < app_cfg.ping.size; i++)
		b[ICMP_HDR_LEN + i] = (uint8_t)(i + 8); /* the pattern iputils uses after its timestamp */
	ps->sent_us[seq % PING_SEQ_WINDOW] = app_now_us();
	ps->seen[seq % PING_SEQ_WINDOW] = 0;
	ps->sent++;
	n = us_sendto(fd, b, len, 0, (const struct sockaddr *)&dst, sizeof(dst));
	if (n < 0) {
		ps->errors++;
		if (n == -ENETUNREACH || n == -EHOSTUNREACH) {
			app_error("ping: %s: no route: add --gw GATEWAY or --route PREFIX/N,via=GW",
				  ps->dst_s);
			return (int)n;
		}
		fprintf(stdout, "From %s icmp_seq=%u send failed: %s\n", ps->dst_s, seq,
			strerror((int)-n));
	}
	return 0;
}

static void ping_receive(int fd, struct ping_state *ps)
{
	for (;;) {
		struct sockaddr_in src;
		char from[IP_ADDR_STRLEN];
		socklen_t srclen = sizeof(src);
		ssize_t n = us_recvfrom(fd, ps->buf, ps->buflen, MSG_DONTWAIT,
					(struct sockaddr *)&src, &srclen);
		int ttl = 0;
		socklen_t tl = sizeof(ttl);
		uint16_t seq;
		uint64_t t0;
		double ms;
		int dup;

		if (n == -EAGAIN)
			return;
		if (n < 0) {
			/* An ICMP error for our echo (unreachable, TTL exceeded) arrives here. */
			ps->errors++;
			printf("From %s: %s\n", ps->dst_s, strerror((int)-n));
			continue;
		}
		if (n < ICMP_HDR_LEN || ps->buf[0] != ICMP_ECHO_REPLY)
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
			ps->received++;
			ps->rtt_sum += ms;
			ps->rtt_sum2 += ms * ms;
			if (ps->received == 1 || ms < ps->rtt_min)
				ps->rtt_min = ms;
			if (ms > ps->rtt_max)
				ps->rtt_max = ms;
		}
		printf("%zd bytes from %s: icmp_seq=%u ttl=%d time=%.3f ms%s\n", n,
		       ip_addr_ntop(src.sin_addr.s_addr, from, sizeof(from)), seq, ttl, ms,
		       dup ? " (DUP!)" : "");
	}
}

static void ping_summary(const struct ping_state *ps, uint64_t start_us)
{
	long lost = ps->sent - ps->received;
	double pct = ps->sent ? 100.0 * (double)lost / (double)ps->sent : 0;

	printf("\n--- %s ping statistics ---\n", ps->dst_s);
	printf("%ld packets transmitted, %ld received", ps->sent, ps->received);
	if (ps->dups)
		printf(", +%ld duplicates", ps->dups);
	if (ps->errors)
		printf(", +%ld errors", ps->errors);
	printf(", %g%% packet loss, time %llums\n", pct,
	       (unsigned long long)((app_now_us() - start_us) / 1000));
	if (ps->received) {
		double avg = ps->rtt_sum / (double)ps->received;
		double var = ps->rtt_sum2 / (double)ps->received - avg * avg;
		printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", ps->rtt_min, avg,
		       ps->rtt_max, var > 0 ? sqrt(var) : 0.0);
	}
	fflush(stdout);
}

int ping_main(void)
{
	struct ping_state *ps = calloc(1, sizeof(*ps));
	uint64_t start, next_send, last_send = 0;
	uint64_t interval_us = (uint64_t)(app_cfg.ping.interval_s * 1e6);
	uint64_t wait_us = (uint64_t)(app_cfg.ping.timeout_s * 1e6);
	int fd = -1, status = EXIT_FAIL;
	uint16_t seq = 1;

	if (!ps)
		return EXIT_FAIL;
	if (app_parse_host(app_cfg.args[0], &ps->dst))
		goto out_usage;
	ip_addr_ntop(ps->dst, ps->dst_s, sizeof(ps->dst_s));
	ps->buflen = ICMP_HDR_LEN + (app_cfg.ping.size > 65507 ? 65507 : app_cfg.ping.size) + 64;
	ps->buf = malloc(ps->buflen);
	if (!ps->buf)
		goto out;
	fd = us_socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	if (fd < 0) {
		app_error("ping: cannot open an ICMP socket: %s", strerror(-fd));
		goto out;
	}
	printf("PING %s (%s) %zu(%zu) bytes of data.\n", ps->dst_s, ps->dst_s, app_cfg.ping.size,
	       app_cfg.ping.size + ICMP_HDR_LEN + IP_HDR_MIN);
	start = next_send = app_now_us();
	while (!app_stopping()) {
		uint64_t now = app_now_us(), until;
		int done_sending = app_cfg.ping.count && ps->sent >= app_cfg.ping.count;

		/* -i 0 paces like a flood ping: the next request as soon as the last is answered,
		 * or after PING_FLOOD_GAP_US if it is lost. */
		if (!done_sending && !interval_us && ps->received >= ps->sent)
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
			/* Stop once every reply is in, or the last one's wait is over. */
			if (ps->received >= ps->sent || now >= last_send + wait_us)
				break;
			until = last_send + wait_us;
		} else {
			until = next_send;
		}
		if (app_wait(fd, US_POLLIN, (int)((until - now + 999) / 1000)) > 0)
			ping_receive(fd, ps);
	}
	ping_summary(ps, start);
	status = ps->received ? EXIT_OK : EXIT_FAIL;
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
