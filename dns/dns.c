/* SPDX-License-Identifier: MIT */
/* Stub resolver (RFC 1034 5.3.1, RFC 1035 7): us_resolve's hosts file, cache, and A queries
 * to the configured servers over the stack's own UDP and TCP sockets.
 *
 * Spoofing (RFC 5452): every query has a random ID and goes out from a random source port
 * (both from getrandom), and an answer is taken only if it comes from the server's address
 * and port, carries the ID, and repeats the question; anything else is dropped and counted
 * (dns.rx_bad_source, rx_bad_id, rx_bad_question) and the wait goes on. Time is bounded by
 * the caller's timeout_ms across every server, retry, TCP fallback and CNAME hop. */
#include "dns/dns.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "dns/dns_wire.h"
#include "include/ustack.h"
#include "net/loop.h"

struct dns_cache_entry {
	char name[DNS_NAME_TEXT_MAX];
	struct in_addr addr[DNS_CACHE_ADDRS];
	int n;
	uint64_t expires_ms;
};

static pthread_mutex_t dns_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct sockaddr_in dns_servers[DNS_SERVERS_MAX];
static int dns_nservers;
static char dns_hosts_path[256], dns_resolv_path[256];
static struct dns_cache_entry dns_cache[DNS_CACHE_MAX];

/* Counters are bumped from application threads, so under the stack's lock. */
#define DNS_COUNT(n)                      \
	do {                              \
		net_lock();               \
		STAT_INC(dns, n);         \
		net_unlock();             \
	} while (0)

static uint64_t now_ms(void)
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

int dns_set_servers(const struct sockaddr_in *servers, int n)
{
	if (n < 0 || n > DNS_SERVERS_MAX)
		return -EINVAL;
	for (int i = 0; i < n; i++)
		if (servers[i].sin_family != AF_INET)
			return -EINVAL;
	pthread_mutex_lock(&dns_mutex);
	for (int i = 0; i < n; i++) {
		dns_servers[i] = servers[i];
		if (!dns_servers[i].sin_port)
			dns_servers[i].sin_port = htons(DNS_PORT);
	}
	dns_nservers = n;
	memset(dns_cache, 0, sizeof(dns_cache));
	pthread_mutex_unlock(&dns_mutex);
	return 0;
}

static void set_path(char *dst, const char *path)
{
	pthread_mutex_lock(&dns_mutex);
	snprintf(dst, 256, "%s", path ? path : "");
	pthread_mutex_unlock(&dns_mutex);
}

void dns_set_hosts_path(const char *path)
{
	set_path(dns_hosts_path, path);
}

void dns_set_resolv_path(const char *path)
{
	set_path(dns_resolv_path, path);
}

void dns_cache_flush(void)
{
	pthread_mutex_lock(&dns_mutex);
	memset(dns_cache, 0, sizeof(dns_cache));
	pthread_mutex_unlock(&dns_mutex);
}

/* The path set, else the environment's, else the default; copied under the mutex. */
static void path_get(const char *set, const char *env, const char *def, char *out)
{
	const char *e = getenv(env);

	pthread_mutex_lock(&dns_mutex);
	snprintf(out, 256, "%s", set[0] ? set : e && e[0] ? e : def);
	pthread_mutex_unlock(&dns_mutex);
}

int dns_hosts_lookup(const char *path, const char *name, struct in_addr *out, int max)
{
	char line[1024];
	int n = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (n < max && fgets(line, sizeof(line), f)) {
		char *save, *addr, *tok;
		struct in_addr a;

		line[strcspn(line, "#\n")] = '\0';
		addr = strtok_r(line, " \t", &save);
		if (!addr || inet_pton(AF_INET, addr, &a) != 1)
			continue; /* blank, comment, or IPv6 */
		while ((tok = strtok_r(NULL, " \t", &save)))
			if (dns_name_equal(tok, name)) {
				out[n++] = a;
				break;
			}
	}
	fclose(f);
	return n;
}

int dns_resolv_conf_read(const char *path, struct sockaddr_in *out, int max)
{
	char line[512];
	int n = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (n < max && fgets(line, sizeof(line), f)) {
		char *save, *key, *val;

		line[strcspn(line, "#;\n")] = '\0';
		key = strtok_r(line, " \t", &save);
		val = key ? strtok_r(NULL, " \t", &save) : NULL;
		if (!val || strcmp(key, "nameserver") != 0)
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		if (inet_pton(AF_INET, val, &out[n].sin_addr) != 1)
			continue; /* IPv6 servers: this stack speaks IPv4 */
		out[n].sin_family = AF_INET;
		out[n].sin_port = htons(DNS_PORT);
		n++;
	}
	fclose(f);
	return n;
}

static int cache_get(const char *name, struct in_addr *out, int max)
{
	uint64_t now = now_ms();
	int n = 0;

	pthread_mutex_lock(&dns_mutex);
	for (int i = 0; i < DNS_CACHE_MAX; i++) {
		struct dns_cache_entry *e = &dns_cache[i];

		if (e->n && e->expires_ms > now && dns_name_equal(e->name, name)) {
			n = e->n < max ? e->n : max;
			memcpy(out, e->addr, (size_t)n * sizeof(*out));
			break;
		}
	}
	pthread_mutex_unlock(&dns_mutex);
	return n;
}

static void cache_put(const char *name, const struct in_addr *addr, int n, uint32_t ttl_s)
{
	uint64_t now = now_ms();
	struct dns_cache_entry *victim = &dns_cache[0];

	if (ttl_s == 0 || n <= 0)
		return;
	if (ttl_s > DNS_TTL_MAX_S)
		ttl_s = DNS_TTL_MAX_S;
	pthread_mutex_lock(&dns_mutex);
	for (int i = 0; i < DNS_CACHE_MAX; i++) {
		struct dns_cache_entry *e = &dns_cache[i];

		if (e->n && e->expires_ms > now && dns_name_equal(e->name, name)) {
			victim = e;
			break;
		}
		if (!e->n || e->expires_ms <= now) {
			victim = e;
			break;
		}
		if (e->expires_ms < victim->expires_ms)
			victim = e;
	}
	snprintf(victim->name, sizeof(victim->name), "%s", name);
	victim->n = n < DNS_CACHE_ADDRS ? n : DNS_CACHE_ADDRS;
	memcpy(victim->addr, addr, (size_t)victim->n * sizeof(*addr));
	victim->expires_ms = now + (uint64_t)ttl_s * 1000;
	pthread_mutex_unlock(&dns_mutex);
}

static int remaining_ms(uint64_t deadline)
{
	uint64_t now = now_ms();

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

/* Checks a parsed answer against the question asked; 0 if it is the answer to it. */
static int answer_matches(const struct dns_msg *m, uint16_t id, const char *name)
{
	if (m->h.id != id) {
		DNS_COUNT(rx_bad_id);
		return -1;
	}
	if (!dns_name_equal(m->qname, name) || m->qtype != DNS_TYPE_A ||
	    m->qclass != DNS_CLASS_IN) {
		DNS_COUNT(rx_bad_question);
		return -1;
	}
	return 0;
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

/* The same query over TCP (RFC 1035 4.2.2, RFC 7766) after a truncated UDP answer. */
static int query_tcp(const struct sockaddr_in *srv, const uint8_t *q, int qlen, uint16_t id,
		     const char *name, struct dns_msg *m, uint64_t deadline)
{
	static __thread uint8_t buf[DNS_TCP_MAX];
	uint8_t len2[2] = { (uint8_t)(qlen >> 8), (uint8_t)qlen };
	int fd, err = -ETIMEDOUT, so = 0;
	socklen_t solen = sizeof(so);
	size_t n;

	DNS_COUNT(tcp_queries);
	fd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fd;
	err = us_connect(fd, (const struct sockaddr *)srv, sizeof(*srv));
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
	    us_send(fd, q, (size_t)qlen, MSG_DONTWAIT) != qlen) {
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
	if (parse_counted(buf, n, m) == 0 && answer_matches(m, id, name) == 0)
		err = 0;
out:
	us_close(fd);
	return err;
}

/* A UDP socket bound to a random port above 1023 (eight tries). */
static int udp_socket_random(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd = us_socket(AF_INET, SOCK_DGRAM | US_SOCK_NONBLOCK, 0);

	if (fd < 0)
		return fd;
	for (int i = 0; i < 8; i++) {
		uint32_t r;
		int err = rand32(&r);

		if (err) {
			us_close(fd);
			return err;
		}
		a.sin_port = htons((uint16_t)(1024 + r % (65536 - 1024)));
		if (us_bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			return fd;
	}
	/* Eight random ports all taken: the stack's own ephemeral choice (a xorshift
	 * start, RFC 6056) is not used in their place; this try fails, the next one draws
	 * new ports. */
	us_close(fd);
	return -EADDRINUSE;
}

/* One query to one server, waiting until deadline. 0 with m filled (any RCODE), or
 * -ETIMEDOUT, or another negative error. */
static int query_udp(const struct sockaddr_in *srv, const char *name, struct dns_msg *m,
		     uint64_t deadline, uint64_t total_deadline)
{
	uint8_t q[DNS_UDP_MAX], r[DNS_UDP_MAX];
	uint32_t rnd;
	uint16_t id;
	int qlen, fd, err = rand32(&rnd);
	ssize_t n;

	if (err)
		return err;
	id = (uint16_t)rnd;
	err = -ETIMEDOUT;
	qlen = dns_query_emit(id, name, DNS_TYPE_A, q, sizeof(q));
	if (qlen < 0)
		return qlen;
	fd = udp_socket_random();
	if (fd < 0)
		return fd;
	DNS_COUNT(queries);
	n = us_sendto(fd, q, (size_t)qlen, 0, (const struct sockaddr *)srv, sizeof(*srv));
	if (n != qlen) {
		err = n < 0 ? (int)n : -EIO; /* -ENETUNREACH: no route to this server */
		goto out;
	}
	while (wait_fd(fd, US_POLLIN, deadline)) {
		struct sockaddr_in from;
		socklen_t fromlen = sizeof(from);
		struct dns_hdr h;

		n = us_recvfrom(fd, r, sizeof(r), MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);

		if (n == -EAGAIN)
			continue;
		if (n < 0) {
			/* An ICMP error for the query (-ECONNREFUSED: nothing on port 53
			 * there): this server is done with, the next may answer. */
			DNS_COUNT(rx_errors);
			err = (int)n;
			goto out;
		}
		if (from.sin_addr.s_addr != srv->sin_addr.s_addr ||
		    from.sin_port != srv->sin_port) {
			DNS_COUNT(rx_bad_source);
			continue;
		}
		if (dns_hdr_parse(r, (size_t)n, &h) == 0 && h.id == id && (h.flags & DNS_F_TC)) {
			/* Truncated: the rest is over TCP, if there is time for it. */
			DNS_COUNT(rx_truncated_answers);
			err = query_tcp(srv, q, qlen, id, name, m, total_deadline);
			goto out;
		}
		if (parse_counted(r, (size_t)n, m) || answer_matches(m, id, name))
			continue;
		err = 0;
		goto out;
	}
	DNS_COUNT(timeouts);
out:
	us_close(fd);
	return err;
}

/* Asks the servers in turn, two rounds, until one answers or time runs out. */
static int query_servers(const char *name, struct dns_msg *m, uint64_t deadline)
{
	struct sockaddr_in srv[DNS_SERVERS_MAX];
	int n, err = -ETIMEDOUT;

	pthread_mutex_lock(&dns_mutex);
	n = dns_nservers;
	memcpy(srv, dns_servers, sizeof(srv));
	pthread_mutex_unlock(&dns_mutex);
	if (n == 0) {
		char path[256];

		path_get(dns_resolv_path, "USTACK_RESOLV_CONF", DNS_RESOLV_DEFAULT, path);
		n = dns_resolv_conf_read(path, srv, DNS_SERVERS_MAX);
		if (n <= 0)
			return -EDESTADDRREQ;
	}
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < n; i++) {
			int left = remaining_ms(deadline), per = left / (2 * n);
			uint64_t try_end;

			if (left == 0)
				return -ETIMEDOUT;
			per = per < DNS_TRY_MIN_MS ? DNS_TRY_MIN_MS : per;
			per = per > DNS_TRY_MAX_MS ? DNS_TRY_MAX_MS : per;
			try_end = now_ms() + (uint64_t)(per < left ? per : left);
			err = query_udp(&srv[i], name, m, try_end, deadline);
			if (err == 0) {
				int rc = DNS_RCODE(m->h.flags);

				/* SERVFAIL, REFUSED...: another server may know */
				if (rc == 0 || rc == DNS_RCODE_NXDOMAIN)
					return 0;
				DNS_COUNT(rx_server_fail);
				err = -EAGAIN;
			}
		}
	return err;
}

int us_resolve(const char *name, struct sockaddr_in *out, int max, int timeout_ms)
{
	struct dns_msg *m;
	struct in_addr addr[DNS_CACHE_ADDRS];
	char cur[DNS_NAME_TEXT_MAX], path[256];
	uint64_t deadline;
	uint32_t ttl = UINT32_MAX;
	int n, err;

	if (!name || !out || max <= 0 || timeout_ms < 0 || strlen(name) >= DNS_NAME_TEXT_MAX)
		return -EINVAL;
	if (max > DNS_CACHE_ADDRS)
		max = DNS_CACHE_ADDRS;
	if (inet_pton(AF_INET, name, &addr[0]) == 1) {
		n = 1;
		goto done;
	}
	{
		uint8_t q[DNS_UDP_MAX];

		if (dns_query_emit(0, name, DNS_TYPE_A, q, sizeof(q)) < 0)
			return -EINVAL;
	}
	path_get(dns_hosts_path, "USTACK_HOSTS", DNS_HOSTS_DEFAULT, path);
	n = dns_hosts_lookup(path, name, addr, max);
	if (n > 0) {
		DNS_COUNT(hosts_hits);
		goto done;
	}
	n = cache_get(name, addr, max);
	if (n > 0) {
		DNS_COUNT(cache_hits);
		goto done;
	}
	m = malloc(sizeof(*m)); /* one per lookup, not per packet: 4 KiB off the stack */
	if (!m)
		return -ENOMEM;
	deadline = now_ms() + (uint64_t)timeout_ms;
	snprintf(cur, sizeof(cur), "%s", name);
	n = 0;
	/* Each pass asks for cur; it ends the lookup or follows at least one more CNAME
	 * link, and links are bounded, so the passes are too. */
	for (int links = 0;;) {
		int before = links, moved;

		err = query_servers(cur, m, deadline);
		if (err)
			goto out;
		if (DNS_RCODE(m->h.flags) == DNS_RCODE_NXDOMAIN) {
			DNS_COUNT(nxdomain);
			err = -ENOENT;
			goto out;
		}
		/* Follow the answer's CNAME links from cur, in whatever order they come. */
		do {
			moved = 0;
			for (int i = 0; i < m->nan; i++) {
				if (m->an[i].type != DNS_TYPE_CNAME ||
				    !dns_name_equal(m->an[i].name, cur))
					continue;
				if (++links > DNS_CNAME_MAX) {
					DNS_COUNT(cname_too_long);
					err = -ENOENT;
					goto out;
				}
				snprintf(cur, sizeof(cur), "%s", m->an[i].rd.cname);
				ttl = m->an[i].ttl < ttl ? m->an[i].ttl : ttl;
				moved = 1;
				break;
			}
		} while (moved);
		for (int i = 0; i < m->nan && n < max; i++)
			if (m->an[i].type == DNS_TYPE_A && dns_name_equal(m->an[i].name, cur)) {
				memcpy(&addr[n++], m->an[i].rd.a, 4);
				ttl = m->an[i].ttl < ttl ? m->an[i].ttl : ttl;
			}
		if (n > 0) {
			DNS_COUNT(answers);
			cache_put(name, addr, n, ttl);
			err = 0;
			goto out;
		}
		if (links == before) {
			DNS_COUNT(nodata);
			err = -ENOENT;
			goto out;
		}
		/* A CNAME without its target's address in the answer: ask for the target. */
	}
out:
	free(m);
	if (err)
		return err;
done:
	for (int i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].sin_family = AF_INET;
		out[i].sin_addr = addr[i];
	}
	return n;
}
