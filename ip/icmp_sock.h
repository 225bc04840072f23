/* SPDX-License-Identifier: MIT */
/* ICMP echo datagram sockets, like Linux "ping sockets":
 *
 *   fd = us_socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
 *   us_sendto(fd, msg, 8 + n, 0, (struct sockaddr *)&dst, sizeof(dst))
 *       msg = an ICMP echo request header (type 8, code 0; checksum and identifier are
 *       filled in) + n bytes
 *   us_recvfrom(fd, buf, len, 0, (struct sockaddr *)&src, &srclen)
 *       an echo reply: ICMP header + data, from src
 *
 * The identifier is the socket's "port": us_bind may choose it (sin_port), otherwise
 * connect or the first send picks a free one; getsockname shows it. Only replies carrying it reach the
 * socket (and, once connected, only from the peer).
 *
 * The TTL of the last reply returned by recvfrom is read with
 *   us_getsockopt(fd, IPPROTO_IP, ICMP_SOCK_LAST_TTL, &int, &len)
 * (0 before the first reply), so `ping` can print ttl=.
 *
 * Errors about the socket's requests (destination unreachable, including the one ARP's
 * failure to resolve the next hop brings, and time exceeded) are dropped unless
 *   us_setsockopt(fd, IPPROTO_IP, ICMP_SOCK_RECV_ERRORS, &one, sizeof(one))
 * asked for them: then recvfrom returns each as a raw ICMP socket would see it (type 3 or
 * 11, the code, the quoted IP header and echo header), from the address that sent it, in
 * line with the replies. NOTE: Linux gives them through IP_RECVERR's error queue
 * (MSG_ERRQUEUE), which this stack does not have. */
#ifndef IP_ICMP_SOCK_H
#define IP_ICMP_SOCK_H

#include "net/sock_echo.h"
#include "net/socket.h"
#include "net/stats.h"

/* Option names at level IPPROTO_IP, outside the range of Linux's IP_* numbers. */
#define ICMP_SOCK_LAST_TTL ECHO_SOCK_LAST_HOP
#define ICMP_SOCK_RECV_ERRORS ECHO_SOCK_RECV_ERRORS

#define ICMP_SOCK_COUNTERS(X)                                                              \
	X(out_requests) X(out_errors) X(out_bad_request) X(in_replies) X(in_no_socket)      \
	X(rcvbuf_errors) X(alloc_fail) X(in_errors) X(in_errors_ignored)
STATS_DECLARE(icmpsock, ICMP_SOCK_COUNTERS);
#define icmpsock_stats STATS_REF(icmpsock)

extern const struct sock_ops icmp_sock_ops;

/* Registers the ops for (SOCK_DGRAM, IPPROTO_ICMP) and the echo reply handler. Call after
 * icmp_init (which resets the handler). Returns 0 or -errno. */
int icmp_sock_init(void);

#endif
