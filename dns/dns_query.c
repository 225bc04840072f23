/* SPDX-License-Identifier: MIT */
/* The resolver's queries (dns_query.h): one or two questions at a time over UDP from a
 * random port, each with a random ID (RFC 5452), to the servers in turn, TCP after a
 * truncated answer (RFC 7766). The answers are checked here; what they mean is dns.c's. */
#include "dns/dns_query.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "include/ustack.h"

/* Query deadlines run on the real clock; the cache's times on net_clock_ms, which tests
 * may freeze and move (a lookup's wait never depends on a faked clock). */
uint64_t dns_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A random 32-bit value for a query ID or a port; -EIO when getrandom fails (then no
 * query goes out: a guessable ID or port is what RFC 5452 is about). */
static int rand32(uint32_t *v)
{
	for (int i = 0; i < 3; i++)
		if (getrandom(v, sizeof(*v), 0) == (ssize_t)sizeof(*v))
			return 0;
	return -EIO;
}

static int remaining_ms(uint64_t deadline)
{
	uint64_t now = dns_now_ms();

	return now >= deadline ? 0 : (int)(deadline - now);
}

/* Waits for fd to be ready for events until deadline; 1 ready, 0 timed out. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
	struct us_pollfd p = { .fd = fd, .events = events };
	int left = remaining_ms(deadline);

	if (left == 0)
		return 0;
	return us_poll(&p, 1, left) > 0;
}

static int parse_counted(const uint8_t *b, size_t len, struct dns_msg *m)
{
	int err = dns_parse_response(b, len, m);

	if (err) {
		net_lock();
		dns_stat_parse_error(err);
		net_unlock();
	}
	return err;
}

/* Checks a parsed answer against the question asked (its ID already matched); 0 if it is
 * the answer to it. */
static int answer_matches(const struct dns_query *q)
{
	const struct dns_msg *m = &q->m;

	if (!dns_name_equal(m->qname, q->name) || m->qtype != q->type ||
	    m->qclass != DNS_CLASS_IN) {
		DNS_COUNT(rx_bad_question);
		return -1;
	}
	return 0;
}

/* The answer in q->m taken: NOERROR and NXDOMAIN end the question; another RCODE
 * (SERVFAIL, REFUSED...) leaves it to the next server. */
static void answer_take(struct dns_query *q)
{
	int rc = DNS_RCODE(q->m.h.flags);

	if (rc == 0 || rc == DNS_RCODE_NXDOMAIN) {
		q->state = 1;
		return;
	}
	DNS_COUNT(rx_server_fail);
	q->state = -EAGAIN;
}

/* Reads exactly len bytes from a TCP socket before deadline; 0 or -ETIMEDOUT/-EIO. */
static int tcp_read_all(int fd, uint8_t *b, size_t len, uint64_t deadline)
{
	while (len) {
		ssize_t r;

		if (!wait_fd(fd, US_POLLIN, deadline))
			return -ETIMEDOUT;
		r = us_recv(fd, b, len, MSG_DONTWAIT);
		if (r == -EAGAIN)
			continue;
		if (r <= 0)
			return -EIO;
		b += r;
		len -= (size_t)r;
	}
	return 0;
}

/* The same query over TCP (RFC 1035 4.2.2, RFC 7766) after a truncated UDP answer; sets
 * q->state. */
static void query_tcp(const union dns_server *srv, struct dns_query *q, uint64_t deadline)
{
	static __thread uint8_t buf[DNS_TCP_MAX];
	uint8_t len2[2] = { (uint8_t)(q->qlen >> 8), (uint8_t)q->qlen };
	int fd, err = -ETIMEDOUT, so = 0;
	socklen_t solen = sizeof(so);
	size_t n;

	DNS_COUNT(tcp_queries);
	fd = us_socket(srv->sa.sa_family, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	if (fd < 0) {
		q->state = fd;
		return;
	}
	err = us_connect(fd, &srv->sa, dns_server_len(srv));
	if (err && err != -EINPROGRESS)
		goto out;
	if (!wait_fd(fd, US_POLLOUT, deadline)) {
		err = -ETIMEDOUT;
		goto out;
	}
	if (us_getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &solen) == 0 && so) {
		err = -so;
		goto out;
	}
	/* Both pieces fit the empty send buffer of a new connection. */
	if (us_send(fd, len2, 2, MSG_DONTWAIT) != 2 ||
	    us_send(fd, q->q, (size_t)q->qlen, MSG_DONTWAIT) != q->qlen) {
		err = -EIO;
		goto out;
	}
	err = tcp_read_all(fd, len2, 2, deadline);
	if (err)
		goto out;
	n = (size_t)len2[0] << 8 | len2[1];
	if (n > sizeof(buf)) {
		DNS_COUNT(rx_tcp_too_long);
		err = -EIO;
		goto out;
	}
	err = tcp_read_all(fd, buf, n, deadline);
	if (err)
		goto out;
	err = -EIO;
	if (parse_counted(buf, n, &q->m) == 0 && q->m.h.id == q->id && answer_matches(q) == 0) {
		answer_take(q);
		err = q->state;
	}
out:
	us_close(fd);
	if (err)
		q->state = err;
}

/* A UDP socket of family bound to a random port above 1023 (eight tries). */
static int udp_socket_random(int family)
{
	union dns_server a;
	int fd = us_socket(family, SOCK_DGRAM | US_SOCK_NONBLOCK, 0);

	memset(&a, 0, sizeof(a));
	a.sa.sa_family = (sa_family_t)family;

	if (fd < 0)
		return fd;
	for (int i = 0; i < 8; i++) {
		uint32_t r;
		int err = rand32(&r);

		if (err) {
			us_close(fd);
			return err;
		}
		/* the port sits at the same place in both families' sockaddr */
		a.sin.sin_port = htons((uint16_t)(1024 + r % (65536 - 1024)));
		if (us_bind(fd, &a.sa, dns_server_len(&a)) == 0)
			return fd;
	}
	/* Eight random ports all taken: the stack's own ephemeral choice (a xorshift
	 * start, RFC 6056) is not used in their place; this try fails, the next one draws
	 * new ports. */
	us_close(fd);
	return -EADDRINUSE;
}

/* Whether an answer's source is the server asked: its address and port (a link-local
 * server's zone is the socket's, the one the query went out on). */
static int same_server(const union dns_server *from, const union dns_server *srv)
{
	if (from->sa.sa_family != srv->sa.sa_family || from->sin.sin_port != srv->sin.sin_port)
		return 0;
	if (srv->sa.sa_family == AF_INET)
		return from->sin.sin_addr.s_addr == srv->sin.sin_addr.s_addr;
	return memcmp(&from->sin6.sin6_addr, &srv->sin6.sin6_addr, 16) == 0;
}

/* One try of the waiting questions (state 0) at one server, all from one socket, each
 * with its own random ID, until each has its answer or deadline passes; every question
 * tried ends with its state set. */
static void query_udp(const union dns_server *srv, struct dns_query *qs, int nq,
		      uint64_t deadline, uint64_t total_deadline)
{
	uint8_t r[DNS_UDP_MAX];
	int fd, left = 0, err = 0;
	ssize_t n;

	for (int i = 0; i < nq; i++) {
		struct dns_query *q = &qs[i];
		uint32_t rnd;

		if (q->state != 0)
			continue;
		err = rand32(&rnd);
		/* two questions of one try never share an ID */
		if (!err && i > 0 && qs[0].state == 0 && (uint16_t)rnd == qs[0].id)
			rnd ^= 1;
		if (err)
			goto fail;
		q->id = (uint16_t)rnd;
		q->qlen = dns_query_emit(q->id, q->name, q->type, q->q, sizeof(q->q));
		if (q->qlen < 0) {
			err = q->qlen;
			goto fail;
		}
	}
	fd = udp_socket_random(srv->sa.sa_family);
	if (fd < 0) {
		err = fd;
		goto fail;
	}
	for (int i = 0; i < nq; i++) {
		struct dns_query *q = &qs[i];

		if (q->state != 0)
			continue;
		DNS_COUNT(queries);
		n = us_sendto(fd, q->q, (size_t)q->qlen, 0, &srv->sa, dns_server_len(srv));
		if (n != q->qlen) {
			err = n < 0 ? (int)n : -EIO; /* -ENETUNREACH: no route to this server */
			goto out;
		}
		left++;
	}
	while (left && wait_fd(fd, US_POLLIN, deadline)) {
		union dns_server from;
		socklen_t fromlen = sizeof(from);
		struct dns_query *q = NULL;
		struct dns_hdr h;

		n = us_recvfrom(fd, r, sizeof(r), MSG_DONTWAIT, &from.sa, &fromlen);
		if (n == -EAGAIN)
			continue;
		if (n < 0) {
			/* An ICMP error for the query (-ECONNREFUSED: nothing on port 53
			 * there): this server is done with, the next may answer. */
			DNS_COUNT(rx_errors);
			err = (int)n;
			goto out;
		}
		if (!same_server(&from, srv)) {
			DNS_COUNT(rx_bad_source);
			continue;
		}
		if (dns_hdr_parse(r, (size_t)n, &h) == 0)
			for (int i = 0; i < nq && !q; i++)
				if (qs[i].state == 0 && qs[i].qlen > 0 && qs[i].id == h.id)
					q = &qs[i];
		if (!q) {
			if (n < DNS_HDR_LEN)
				DNS_COUNT(rx_short);
			else
				DNS_COUNT(rx_bad_id);
			continue;
		}
		if (h.flags & DNS_F_TC) {
			/* Truncated: the rest is over TCP, if there is time for it. */
			DNS_COUNT(rx_truncated_answers);
			query_tcp(srv, q, total_deadline);
			left--;
			continue;
		}
		if (parse_counted(r, (size_t)n, &q->m) || answer_matches(q))
			continue;
		answer_take(q);
		left--;
	}
	if (left)
		DNS_COUNT(timeouts);
	err = -ETIMEDOUT;
out:
	us_close(fd);
fail:
	for (int i = 0; i < nq; i++)
		if (qs[i].state == 0)
			qs[i].state = err;
}

void dns_query_servers(const union dns_server *srv, int n, struct dns_query *qs, int nq,
		       const struct dns_resolv *conf, uint64_t deadline)
{
	int rounds = conf->attempts ? conf->attempts : 2;

	for (int round = 0; round < rounds; round++)
		for (int i = 0; i < n; i++) {
			int left = remaining_ms(deadline), per = left / (rounds * n), todo = 0;

			for (int j = 0; j < nq; j++)
				if (qs[j].state <= 0) {
					qs[j].state = 0;
					todo++;
				}
			if (!todo)
				return;
			if (left == 0) {
				for (int j = 0; j < nq; j++)
					if (qs[j].state == 0)
						qs[j].state = -ETIMEDOUT;
				return;
			}
			if (conf->timeout_s) {
				per = conf->timeout_s * 1000;
			} else {
				per = per < DNS_TRY_MIN_MS ? DNS_TRY_MIN_MS : per;
				per = per > DNS_TRY_MAX_MS ? DNS_TRY_MAX_MS : per;
			}
			query_udp(&srv[i], qs, nq, dns_now_ms() + (uint64_t)(per < left ? per : left),
				  deadline);
		}
}
