/* SPDX-License-Identifier: MIT */
/* ICMPv6 echo datagram sockets, like Linux "ping sockets" for IPv6:
 *
 *   fd = us_socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6);
 *   us_sendto(fd, msg, 8 + n, 0, (struct sockaddr *)&dst6, sizeof(dst6))
 *       msg = an ICMPv6 echo request header (type 128, code 0; checksum and identifier
 *       are filled in) + n bytes
 *   us_recvfrom(fd, buf, len, 0, (struct sockaddr *)&src6, &srclen)
 *       an echo reply: ICMPv6 header + data, from src6; after
 *       us_setsockopt(fd, IPPROTO_IP, ICMP6_SOCK_RECV_ERRORS, &one, sizeof(one)) also an
 *       ICMPv6 error about one of the socket's requests (destination unreachable,
 *       packet too big, time exceeded, parameter problem): its ICMPv6 header and the
 *       quoted request, from the node that sent the error
 *
 * The identifier is the socket's "port" (bind's sin6_port, else connect or the first send
 * picks a free one). connect names the only node whose replies (and errors about requests
 * to it) the socket takes, and the destination of us_send; FIONREAD gives the next
 * reply's length. us_getsockopt(fd, IPPROTO_IP, ICMP6_SOCK_LAST_HLIM, ...) reads the hop limit
 * of the last reply (the number of ip/icmp_sock.h's ICMP_SOCK_LAST_TTL, so that one
 * getsockopt serves ping for both families); IP_TTL and IP_TOS set the hop limit and
 * traffic class. */
#ifndef IP6_ICMP6_SOCK_H
#define IP6_ICMP6_SOCK_H

#include "net/sock_echo.h"
#include "net/socket.h"
#include "net/stats.h"

/* Option names at level IPPROTO_IP (ICMP_SOCK_LAST_TTL's and ICMP_SOCK_RECV_ERRORS'
 * numbers). */
#define ICMP6_SOCK_LAST_HLIM ECHO_SOCK_LAST_HOP
#define ICMP6_SOCK_RECV_ERRORS ECHO_SOCK_RECV_ERRORS

#define ICMP6_SOCK_COUNTERS(X)                                                             \
	X(out_requests) X(out_errors) X(out_bad_request) X(in_replies) X(in_no_socket)      \
	X(rcvbuf_errors) X(alloc_fail) X(in_errors) X(in_errors_ignored)
STATS_DECLARE(icmp6sock, ICMP6_SOCK_COUNTERS);
#define icmp6sock_stats STATS_REF(icmp6sock)

extern const struct sock_ops icmp6_sock_ops;

/* Registers the ops for (SOCK_DGRAM, IPPROTO_ICMPV6) and ICMPv6's echo reply handler.
 * Call after icmp6_init. Returns 0 or -errno. */
int icmp6_sock_init(void);

#endif
