/* SPDX-License-Identifier: MIT */
/* udp-echo (RFC 862 over UDP): every datagram goes back to its sender unchanged. */
#include <errno.h>
#include <string.h>

#include "apps/serve.h"
#include "net/log.h"
#include "net/socket.h"

#define UDP_ECHO_BATCH 64     /* datagrams per readiness, so TCP services get their turn */
#define UDP_DGRAM_MAX 65535

static void udp_echo_ready(struct svc *s)
{
	uint8_t buf[UDP_DGRAM_MAX]; /* on the stack: one per serving thread (serve_mq.c) */

	for (int i = 0; i < UDP_ECHO_BATCH; i++) {
		struct sockaddr_in6 from; /* the socket is on ::: an IPv4 sender comes mapped */
		socklen_t fromlen = sizeof(from);
		ssize_t n = us_recvfrom(s->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
					&fromlen);
		ssize_t sent;

		if (n == -EAGAIN)
			return;
		if (n < 0) {
			/* An ICMP error from an earlier reply, say: not fatal for a server. */
			debugf("udp-echo recvfrom: %s", strerror((int)-n));
			continue;
		}
		sent = us_sendto(s->fd, buf, (size_t)n, 0, (const struct sockaddr *)&from,
				 fromlen);
		if (sent < 0)
			debugf("udp-echo sendto: %s", strerror((int)-sent));
	}
}

const struct svc_ops svc_udp_echo_ops = {
	.name = "udp-echo",
	.type = SOCK_DGRAM,
	.default_port = 7,
	.dgram_ready = udp_echo_ready,
};
