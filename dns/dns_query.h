/* SPDX-License-Identifier: MIT */
/* The resolver's queries on the wire, for dns.c: a question (or two, A and AAAA, from one
 * socket) asked of the servers in turn until each has its answer or time runs out. */
#ifndef DNS_DNS_QUERY_H
#define DNS_DNS_QUERY_H

#include <netinet/in.h>
#include <stdint.h>

#include "dns/dns.h"
#include "dns/dns_wire.h"
#include "net/loop.h"

/* Counters are bumped from application threads, so under the stack's lock. */
#define DNS_COUNT(n)                      \
	do {                              \
		net_lock();               \
		STAT_INC(dns, n);         \
		net_unlock();             \
	} while (0)

/* One question on its way: the name asked now (a CNAME chain moves it), the type, the
 * query as sent, and the answer once there is one. */
struct dns_query {
	char name[DNS_NAME_TEXT_MAX];
	uint16_t type;
	uint16_t id;
	int qlen;
	int state;       /* 0: waiting; 1: answered in m (NOERROR or NXDOMAIN); 2: finished
			  * with (lookup_name); <0: the error of the last try */
	uint8_t q[DNS_UDP_MAX];
	struct dns_msg m;
};

/* Asks servers srv[0..n) in turn, attempts rounds (two unless resolv.conf says), each
 * try waiting timeout seconds (resolv.conf) or a share of the time left, until every
 * question of state 0 or below has its answer or deadline passes; each question's state
 * then says how it went (1 answered in m, or the last try's error: -ETIMEDOUT, -EAGAIN
 * for SERVFAIL or REFUSED, a socket call's error). */
void dns_query_servers(const union dns_server *srv, int n, struct dns_query *qs, int nq,
		       const struct dns_resolv *conf, uint64_t deadline);

/* Monotonic milliseconds of the real clock: query deadlines (the cache's times are
 * net_clock_ms, which tests may freeze; a lookup's wait never depends on that). */
uint64_t dns_now_ms(void);

#endif
