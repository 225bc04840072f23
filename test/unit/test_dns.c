/* SPDX-License-Identifier: MIT */
/* The resolver: the hosts file and resolv.conf readers, and us_resolve answering from a
 * dotted quad or a hosts file without a query, refusing bad names, and saying
 * -EDESTADDRREQ when no server is configured; then against a small name server on a
 * stack's loopback (a thread of this test): the cache (a second lookup asks nothing), a
 * CNAME whose target is asked for in a second query, a CNAME loop stopped at
 * DNS_CNAME_MAX links, SERVFAIL, NODATA and NXDOMAIN. t_dns.sh does the rest against
 * dnsmasq (fall-over, TCP, spoofed answers). */
#include "test/unit/testlib.h"
#include "test/unit/test_app.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns/dns.h"
#include "dns/dns_wire.h"
#include "include/ustack.h"
#include "net/stats.h"

static char dir[] = "/tmp/ust-dns-XXXXXX";
static char hosts[64], resolv[64];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	stats_reset();
	assert_non_null(mkdtemp(dir));
	snprintf(hosts, sizeof(hosts), "%s/hosts", dir);
	snprintf(resolv, sizeof(resolv), "%s/resolv.conf", dir);
	write_file(hosts, "# comment\n"
			  "127.0.0.1\tlocalhost\n"
			  "::1 localhost ip6-localhost\n"
			  "192.0.2.10  web.test  www.test # the web server\n"
			  "192.0.2.11 web.test\n"
			  "\n"
			  "not-an-address other.test\n");
	write_file(resolv, "search example\n"
			   "nameserver 192.0.2.53\n"
			   "; a comment\n"
			   "nameserver 2001:db8::53\n"
			   "nameserver   198.51.100.53  \n");
	dns_set_hosts_path(hosts);
	dns_set_resolv_path(resolv);
	assert_int_equal(dns_set_servers(NULL, 0), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(hosts);
	unlink(resolv);
	rmdir(dir);
	strcpy(dir, "/tmp/ust-dns-XXXXXX");
	dns_set_hosts_path(NULL);
	dns_set_resolv_path(NULL);
	return 0;
}

static void test_hosts_file(void **state)
{
	struct in_addr a[4];

	(void)state;
	assert_int_equal(dns_hosts_lookup(hosts, "WEB.test.", a, 4), 2);
	assert_int_equal(a[0].s_addr, inet_addr("192.0.2.10"));
	assert_int_equal(a[1].s_addr, inet_addr("192.0.2.11"));
	assert_int_equal(dns_hosts_lookup(hosts, "web.test", a, 1), 1);
	assert_int_equal(dns_hosts_lookup(hosts, "www.test", a, 4), 1);
	assert_int_equal(dns_hosts_lookup(hosts, "localhost", a, 4), 1); /* ::1 skipped */
	assert_int_equal(dns_hosts_lookup(hosts, "other.test", a, 4), 0);
	assert_int_equal(dns_hosts_lookup(hosts, "the", a, 4), 0);       /* a comment word */
	assert_int_equal(dns_hosts_lookup("/nonexistent/hosts", "web.test", a, 4), -ENOENT);
}

static void test_resolv_conf(void **state)
{
	struct sockaddr_in s[DNS_SERVERS_MAX];

	(void)state;
	assert_int_equal(dns_resolv_conf_read(resolv, s, DNS_SERVERS_MAX), 2);
	assert_int_equal(s[0].sin_addr.s_addr, inet_addr("192.0.2.53"));
	assert_int_equal(s[0].sin_port, htons(53));
	assert_int_equal(s[1].sin_addr.s_addr, inet_addr("198.51.100.53"));
	assert_int_equal(dns_resolv_conf_read(resolv, s, 1), 1);
	assert_int_equal(dns_resolv_conf_read("/nonexistent/resolv.conf", s, 1), -ENOENT);
}

static void test_resolve_local(void **state)
{
	struct sockaddr_in out[8];

	(void)state;
	assert_int_equal(TEST_APP(us_resolve("10.1.2.3", out, 8, 0)), 1);
	assert_int_equal(out[0].sin_family, AF_INET);
	assert_int_equal(out[0].sin_addr.s_addr, inet_addr("10.1.2.3"));
	assert_int_equal(out[0].sin_port, 0);
	assert_int_equal(TEST_APP(us_resolve("web.test", out, 8, 0)), 2);
	assert_int_equal(out[1].sin_addr.s_addr, inet_addr("192.0.2.11"));
	assert_int_equal(*stats_find("dns.hosts_hits"), 1);
	assert_int_equal(*stats_find("dns.queries"), 0);
	assert_int_equal(TEST_APP(us_resolve("a..b", out, 8, 0)), -EINVAL);
	assert_int_equal(TEST_APP(us_resolve("web.test", out, 0, 0)), -EINVAL);
	assert_int_equal(TEST_APP(us_resolve(NULL, out, 1, 0)), -EINVAL);
	assert_int_equal(TEST_APP(us_resolve("web.test", out, 1, -1)), -EINVAL);
	/* Not in the file, and no server anywhere. */
	write_file(resolv, "search example\n");
	assert_int_equal(TEST_APP(us_resolve("nowhere.test", out, 8, 100)), -EDESTADDRREQ);
	assert_int_equal(*stats_find("dns.queries"), 0);
}

static void test_set_servers(void **state)
{
	struct sockaddr_in s[DNS_SERVERS_MAX + 1];

	(void)state;
	memset(s, 0, sizeof(s));
	assert_int_equal(dns_set_servers(s, DNS_SERVERS_MAX + 1), -EINVAL);
	assert_int_equal(dns_set_servers(s, 1), -EINVAL); /* family 0 */
	s[0].sin_family = AF_INET;
	assert_int_equal(dns_set_servers(s, 1), 0);
	assert_int_equal(dns_set_servers(NULL, 0), 0);
}

/* ---- a name server on the loopback of a stack of its own ---- */

#define SRV_PORT 5300

static struct ustack *srv_st;
static atomic_int srv_stop, srv_queries;

static size_t put_rr(uint8_t *b, size_t n, const uint8_t *name, size_t namelen,
		     uint16_t type, const void *rdata, size_t rdlen)
{
	memcpy(b + n, name, namelen);
	n += namelen;
	b[n++] = (uint8_t)(type >> 8);
	b[n++] = (uint8_t)type;
	b[n++] = 0;
	b[n++] = 1; /* IN */
	memcpy(b + n, "\0\0\0\x3c", 4); /* TTL 60 */
	n += 4;
	b[n++] = 0;
	b[n++] = (uint8_t)rdlen;
	memcpy(b + n, rdata, rdlen);
	return n + rdlen;
}

/* Answers q (len bytes) into r; the answer's length. */
static size_t srv_answer(const uint8_t *q, size_t len, uint8_t *r)
{
	static const uint8_t ptr_q[2] = { 0xc0, 0x0c };
	struct dns_msg *m = calloc(1, sizeof(*m));
	uint8_t tmp[DNS_UDP_MAX];
	size_t n = len;
	int an = 0, rcode = 0;

	assert_non_null(m);
	memcpy(tmp, q, len);
	tmp[2] |= 0x80; /* read the query back with the response parser */
	assert_int_equal(dns_parse_response(tmp, len, m), DNS_PARSE_OK);
	memcpy(r, q, len);
	if (dns_name_equal(m->qname, "a.test")) {
		n = put_rr(r, n, ptr_q, 2, DNS_TYPE_A, "\x0a\x01\x01\x01", 4);
		an = 1;
	} else if (dns_name_equal(m->qname, "c1.test")) {
		n = put_rr(r, n, ptr_q, 2, DNS_TYPE_CNAME, "\x02" "c2\x04test\0", 9);
		an = 1;
	} else if (dns_name_equal(m->qname, "c2.test")) {
		n = put_rr(r, n, ptr_q, 2, DNS_TYPE_A, "\x0a\x02\x02\x02", 4);
		an = 1;
	} else if (dns_name_equal(m->qname, "loop1.test")) {
		n = put_rr(r, n, ptr_q, 2, DNS_TYPE_CNAME, "\x05loop2\x04test\0", 12);
		an = 1;
	} else if (dns_name_equal(m->qname, "loop2.test")) {
		n = put_rr(r, n, ptr_q, 2, DNS_TYPE_CNAME, "\x05loop1\x04test\0", 12);
		an = 1;
	} else if (dns_name_equal(m->qname, "fail.test")) {
		rcode = 2;
	} else if (!dns_name_equal(m->qname, "nodata.test")) {
		rcode = DNS_RCODE_NXDOMAIN;
	}
	free(m);
	r[2] = 0x81;
	r[3] = (uint8_t)(0x80 | rcode);
	r[6] = 0;
	r[7] = (uint8_t)an;
	return n;
}

static void *srv_main(void *arg)
{
	int fd = *(int *)arg;

	ustack_use(srv_st);
	while (!atomic_load(&srv_stop)) {
		struct us_pollfd p = { .fd = fd, .events = US_POLLIN };
		struct sockaddr_in from;
		socklen_t fromlen = sizeof(from);
		uint8_t q[DNS_UDP_MAX], r[DNS_UDP_MAX + 256];
		ssize_t n;

		if (us_poll(&p, 1, 50) <= 0)
			continue;
		n = us_recvfrom(fd, q, sizeof(q), MSG_DONTWAIT, (struct sockaddr *)&from,
				&fromlen);
		if (n <= 0)
			continue;
		atomic_fetch_add(&srv_queries, 1);
		n = (ssize_t)srv_answer(q, (size_t)n, r);
		us_sendto(fd, r, (size_t)n, 0, (struct sockaddr *)&from, fromlen);
	}
	return NULL;
}

static uint64_t dns_counter(const char *name)
{
	const uint64_t *c = stats_find(name);

	return c ? *c : 0;
}

static void test_resolve_server(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(SRV_PORT) };
	struct sockaddr_in out[8];
	pthread_t th;
	int fd;

	(void)state;
	test_unlock(); /* an application thread from here on */
	assert_int_equal(ustack_create(NULL, &srv_st), 0);
	assert_int_equal(ustack_start(srv_st), 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = us_socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(us_bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(dns_set_servers(&a, 1), 0);
	atomic_store(&srv_stop, 0);
	atomic_store(&srv_queries, 0);
	assert_int_equal(pthread_create(&th, NULL, srv_main, &fd), 0);

	assert_int_equal(us_resolve("a.test", out, 8, 2000), 1);
	assert_int_equal(out[0].sin_addr.s_addr, inet_addr("10.1.1.1"));
	assert_int_equal(atomic_load(&srv_queries), 1);
	assert_int_equal(us_resolve("A.TEST.", out, 8, 2000), 1); /* from the cache */
	assert_int_equal(atomic_load(&srv_queries), 1);
	assert_int_equal(dns_counter("dns.cache_hits"), 1);

	assert_int_equal(us_resolve("c1.test", out, 8, 2000), 1);
	assert_int_equal(out[0].sin_addr.s_addr, inet_addr("10.2.2.2"));
	assert_int_equal(atomic_load(&srv_queries), 3); /* c1, then its target c2 */

	atomic_store(&srv_queries, 0);
	assert_int_equal(us_resolve("loop1.test", out, 8, 2000), -ENOENT);
	assert_int_equal(dns_counter("dns.cname_too_long"), 1);
	assert_int_equal(atomic_load(&srv_queries), DNS_CNAME_MAX + 1);

	atomic_store(&srv_queries, 0);
	assert_int_equal(us_resolve("fail.test", out, 8, 2000), -EAGAIN);
	assert_int_equal(atomic_load(&srv_queries), 2); /* one server, asked twice */
	assert_int_equal(dns_counter("dns.rx_server_fail"), 2);
	assert_int_equal(us_resolve("nodata.test", out, 8, 2000), -ENOENT);
	assert_int_equal(dns_counter("dns.nodata"), 1);
	assert_int_equal(us_resolve("nx.test", out, 8, 2000), -ENOENT);
	assert_int_equal(dns_counter("dns.nxdomain"), 1);
	assert_int_equal(dns_counter("dns.rx_bad_id") + dns_counter("dns.rx_bad_source"), 0);

	atomic_store(&srv_stop, 1);
	pthread_join(th, NULL);
	us_close(fd);
	dns_set_servers(NULL, 0);
	ustack_destroy(srv_st);
	test_lock();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hosts_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolv_conf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_local, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_servers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_server, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
