/* SPDX-License-Identifier: MIT */
/* The resolver: the hosts file (both families) and resolv.conf readers (servers, search,
 * domain, options), the search list's order with ndots, and us_resolve and
 * us_getaddrinfo answering from numeric addresses or a hosts file without a query,
 * refusing bad names, hints and services, and saying -EDESTADDRREQ when no server is
 * configured; then against a small name server on a stack's loopback (a thread of this
 * test): the cache by name and type (a second lookup asks nothing), A and
 * AAAA asked in parallel only for AF_UNSPEC, a name with only AAAA, a CNAME whose target
 * is asked for in a second query, a CNAME loop stopped at DNS_CNAME_MAX links, SERVFAIL
 * (cached briefly), NODATA and NXDOMAIN cached for the SOA's TTL or MINIMUM with the fake
 * clock, and the search list against the server. t_dns.sh and t_dns_aaaa.sh do the rest
 * against dnsmasq (fall-over, TCP, spoofed answers, the programs' messages). */
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

#include <netdb.h>

#include "dns/dns.h"
#include "dns/dns_wire.h"
#include "include/ustack.h"
#include "ip/ip.h"
#include "ip6/ip6.h"
#include "net/netdev.h"
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
			  "2001:db8::10 web.test\n"
			  "192.0.2.11 web.test\n"
			  "2001:db8::66 six.test\n"
			  "fe80::1%eth0 scoped.test\n"
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
	union dns_server s[DNS_SERVERS_MAX];
	struct in6_addr want;

	(void)state;
	assert_int_equal(dns_resolv_conf_read(resolv, s, DNS_SERVERS_MAX), 3);
	assert_int_equal(s[0].sa.sa_family, AF_INET);
	assert_int_equal(s[0].sin.sin_addr.s_addr, inet_addr("192.0.2.53"));
	assert_int_equal(s[0].sin.sin_port, htons(53));
	assert_int_equal(s[1].sa.sa_family, AF_INET6); /* the file's order */
	inet_pton(AF_INET6, "2001:db8::53", &want);
	assert_memory_equal(&s[1].sin6.sin6_addr, &want, 16);
	assert_int_equal(s[1].sin6.sin6_port, htons(53));
	assert_int_equal(dns_server_len(&s[1]), sizeof(struct sockaddr_in6));
	assert_int_equal(s[2].sin.sin_addr.s_addr, inet_addr("198.51.100.53"));
	assert_int_equal(dns_resolv_conf_read(resolv, s, 1), 1);
	assert_int_equal(dns_resolv_conf_read("/nonexistent/resolv.conf", s, 1), -ENOENT);
	/* link-local: with the stack's device number, else skipped; a zone elsewhere, a
	 * device name, junk: skipped; four kept */
	write_file(resolv, "nameserver fe80::53\n"
			   "nameserver fe80::53%eth0\n"
			   "nameserver fe80::53%0\n"
			   "nameserver 2001:db8::1%2\n"
			   "nameserver 192.0.2.1%2\n"
			   "nameserver not-an-address\n"
			   "nameserver fe80::53%2\n"
			   "nameserver ::1\n"
			   "nameserver 10.0.0.1\n"
			   "nameserver 2001:db8::2\n"
			   "nameserver 10.0.0.2\n");
	assert_int_equal(dns_resolv_conf_read(resolv, s, DNS_SERVERS_MAX), 4);
	assert_int_equal(s[0].sa.sa_family, AF_INET6);
	assert_int_equal(s[0].sin6.sin6_scope_id, 2);
	assert_int_equal(s[1].sin6.sin6_addr.s6_addr[15], 1);
	assert_int_equal(s[1].sin6.sin6_scope_id, 0);
	assert_int_equal(s[2].sa.sa_family, AF_INET);
	assert_int_equal(s[3].sa.sa_family, AF_INET6);
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
	union dns_server s[DNS_SERVERS_MAX + 1];

	(void)state;
	memset(s, 0, sizeof(s));
	assert_int_equal(dns_set_servers(s, DNS_SERVERS_MAX + 1), -EINVAL);
	assert_int_equal(dns_set_servers(s, 1), -EINVAL); /* family 0 */
	s[0].sin.sin_family = AF_INET;
	assert_int_equal(dns_set_servers(s, 1), 0);
	assert_int_equal(dns_server_parse("2001:db8::53", &s[1]), 0);
	assert_int_equal(dns_set_servers(s, 2), 0); /* both families at once */
	/* a link-local server without its zone is refused */
	s[1].sin6.sin6_addr.s6_addr[0] = 0xfe;
	s[1].sin6.sin6_addr.s6_addr[1] = 0x80;
	assert_int_equal(dns_set_servers(s, 2), -EINVAL);
	s[1].sin6.sin6_scope_id = 1;
	assert_int_equal(dns_set_servers(s, 2), 0);
	assert_int_equal(dns_server_parse("fe80::1", &s[0]), -EINVAL);
	assert_int_equal(dns_server_parse("fe80::1%1x", &s[0]), -EINVAL);
	assert_int_equal(dns_server_parse("fe80::1%70000", &s[0]), -EINVAL);
	assert_int_equal(dns_server_parse("fe80::1% 2", &s[0]), -EINVAL);
	assert_int_equal(dns_server_parse("fe80::1%+2", &s[0]), -EINVAL);
	assert_int_equal(dns_server_parse("fe80::1%", &s[0]), -EINVAL);
	assert_int_equal(dns_server_parse("fe80::1%12", &s[0]), 0);
	assert_int_equal(s[0].sin6.sin6_scope_id, 12);
	assert_int_equal(dns_server_parse("2001:db8::1:2:3:4:5:6:7:8:9:10:11:12:13", &s[0]),
			 -EINVAL);
	assert_int_equal(dns_server_parse("10.0.0.1%1", &s[0]), -EINVAL);
	assert_int_equal(dns_server_parse("", &s[0]), -EINVAL);
	assert_int_equal(dns_set_servers(NULL, 0), 0);
}

static void test_hosts_file6(void **state)
{
	struct dns_addr a[8];
	struct in6_addr want;

	(void)state;
	assert_int_equal(dns_hosts_find(hosts, "web.test", AF_UNSPEC, a, 8), 3);
	assert_int_equal(a[0].family, AF_INET);
	assert_int_equal(a[1].family, AF_INET6); /* the file's order */
	inet_pton(AF_INET6, "2001:db8::10", &want);
	assert_memory_equal(a[1].a, &want, 16);
	assert_int_equal(dns_hosts_find(hosts, "web.test", AF_INET6, a, 8), 1);
	assert_memory_equal(a[0].a, &want, 16);
	assert_int_equal(dns_hosts_find(hosts, "six.test", AF_INET, a, 8), 0);
	assert_int_equal(dns_hosts_find(hosts, "six.test", AF_INET6, a, 8), 1);
	assert_int_equal(dns_hosts_find(hosts, "ip6-localhost", AF_UNSPEC, a, 8), 1);
	assert_int_equal(a[0].a[15], 1);
	assert_int_equal(dns_hosts_find(hosts, "scoped.test", AF_UNSPEC, a, 8), 0);
	assert_int_equal(dns_hosts_find(hosts, "web.test", AF_UNSPEC, a, 2), 2);
}

static void test_resolv_conf_search(void **state)
{
	struct dns_resolv r;

	(void)state;
	assert_int_equal(dns_resolv_conf_parse(resolv, &r), 0);
	assert_int_equal(r.nservers, 3);
	assert_int_equal(r.nsearch, 1);
	assert_string_equal(r.search[0], "example");
	assert_int_equal(r.ndots, 1);
	assert_int_equal(r.timeout_s, 0);
	assert_int_equal(r.attempts, 0);
	assert_int_equal(r.single_request, 0);
	/* the last search or domain line wins; seven domains keep six; bad ones dropped;
	 * options, each cut to its bound, and unknown ones ignored */
	write_file(resolv, "domain first.test\n"
			   "search a.test b.test. bad..name c.test d.test e.test f.test g.test\n"
			   "options rotate ndots:2 timeout:3 attempts:9 single-request-reopen\n"
			   "options ndots:99 timeout:x\n");
	assert_int_equal(dns_resolv_conf_parse(resolv, &r), 0);
	assert_int_equal(r.nservers, 0);
	assert_int_equal(r.nsearch, DNS_SEARCH_MAX);
	assert_string_equal(r.search[0], "a.test");
	assert_string_equal(r.search[1], "b.test");
	assert_string_equal(r.search[2], "c.test");
	assert_string_equal(r.search[5], "f.test");
	assert_int_equal(r.ndots, DNS_NDOTS_MAX);
	assert_int_equal(r.timeout_s, 3);
	assert_int_equal(r.attempts, DNS_ATTEMPTS_MAX);
	assert_int_equal(r.single_request, 1);
	write_file(resolv, "search a.test b.test\ndomain only.test other.test\n");
	assert_int_equal(dns_resolv_conf_parse(resolv, &r), 0);
	assert_int_equal(r.nsearch, 1);
	assert_string_equal(r.search[0], "only.test");
	assert_int_equal(dns_resolv_conf_parse("/nonexistent/resolv.conf", &r), -ENOENT);
	assert_int_equal(r.nsearch, -1);
	assert_int_equal(r.ndots, 1);
}

static void test_search_names(void **state)
{
	struct dns_resolv r = { .nsearch = 2, .ndots = 1 };
	char out[DNS_SEARCH_MAX + 1][DNS_NAME_TEXT_MAX];
	char longname[250];

	(void)state;
	strcpy(r.search[0], "lab.test");
	strcpy(r.search[1], "test");
	/* fewer dots than ndots: the search list first, the name itself last */
	assert_int_equal(dns_search_names("vm", &r, out, DNS_SEARCH_MAX + 1), 3);
	assert_string_equal(out[0], "vm.lab.test");
	assert_string_equal(out[1], "vm.test");
	assert_string_equal(out[2], "vm");
	/* as many dots as ndots: the name itself first */
	assert_int_equal(dns_search_names("vm.lab", &r, out, DNS_SEARCH_MAX + 1), 3);
	assert_string_equal(out[0], "vm.lab");
	assert_string_equal(out[1], "vm.lab.lab.test");
	r.ndots = 2;
	assert_int_equal(dns_search_names("vm.lab", &r, out, DNS_SEARCH_MAX + 1), 3);
	assert_string_equal(out[0], "vm.lab.lab.test");
	assert_string_equal(out[2], "vm.lab");
	/* a trailing dot: the name alone */
	assert_int_equal(dns_search_names("vm.", &r, out, DNS_SEARCH_MAX + 1), 1);
	assert_string_equal(out[0], "vm");
	/* no search list (none in the file: -1): the name alone */
	r.nsearch = -1;
	assert_int_equal(dns_search_names("vm", &r, out, DNS_SEARCH_MAX + 1), 1);
	/* a suffix that would make the name too long is left out */
	r.nsearch = 1;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	for (int i = 60; i < 240; i += 60)
		longname[i] = '.';
	assert_int_equal(dns_search_names(longname, &r, out, DNS_SEARCH_MAX + 1), 1);
	assert_int_equal(dns_search_names("", &r, out, DNS_SEARCH_MAX + 1), 0);
	assert_int_equal(dns_search_names("vm", &r, out, 1), 1);
	assert_string_equal(out[0], "vm.lab.test");
}

/* The addresses of a result list as text, "family:addr:port/socktype ..." */
static void ai_text(const struct addrinfo *ai, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (; ai && n < size; ai = ai->ai_next) {
		char a[INET6_ADDRSTRLEN];
		unsigned port;

		if (ai->ai_family == AF_INET) {
			const struct sockaddr_in *s = (const void *)ai->ai_addr;

			assert_int_equal(ai->ai_addrlen, sizeof(*s));
			inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
			port = ntohs(s->sin_port);
		} else {
			const struct sockaddr_in6 *s = (const void *)ai->ai_addr;

			assert_int_equal(ai->ai_family, AF_INET6);
			assert_int_equal(ai->ai_addrlen, sizeof(*s));
			inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
			port = ntohs(s->sin6_port);
		}
		n += (size_t)snprintf(buf + n, size - n, "%s%s:%u/%s", n ? " " : "", a, port,
				      ai->ai_socktype == SOCK_STREAM ? "tcp" : "udp");
	}
}

static int gai(const char *node, const char *service, int family, int socktype, int flags,
	       char *buf, size_t size)
{
	struct addrinfo h = { .ai_family = family, .ai_socktype = socktype, .ai_flags = flags };
	struct addrinfo *res = NULL;
	int err = TEST_APP(us_getaddrinfo(node, service, &h, &res));

	if (err == 0) {
		assert_non_null(res);
		ai_text(res, buf, size);
		us_freeaddrinfo(res);
	} else {
		assert_null(res);
		buf[0] = '\0';
	}
	return err;
}

/* AI_ADDRCONFIG (RFC 3493): only the families the stack has an address of beyond
 * loopback and IPv6 link-local ones: none, then IPv4 alone, then a link-local IPv6 address
 * (not counted), then a global one. */
static void addrconfig_checks(void)
{
	struct net_device *dev;
	struct net_addr ll, g;
	char b[256];

	assert_int_equal(gai("web.test", NULL, AF_UNSPEC, SOCK_STREAM, AI_ADDRCONFIG, b,
			     sizeof(b)), -ENODATA);
	assert_int_equal(ip_init(), 0);
	assert_int_equal(ip6_init(), 0);
	dev = test_dev_create("tun0", NET_DEV_IP, 1500);
	assert_int_equal(ip_iface_add(dev, inet_addr("192.0.2.2"), inet_addr("255.255.255.0"), 0), 0);
	assert_int_equal(gai("web.test", NULL, AF_UNSPEC, SOCK_STREAM, AI_ADDRCONFIG, b,
			     sizeof(b)), 0);
	assert_string_equal(b, "192.0.2.10:0/tcp 192.0.2.11:0/tcp");
	assert_int_equal(gai("six.test", NULL, AF_INET6, SOCK_STREAM, AI_ADDRCONFIG, b,
			     sizeof(b)), -ENODATA);
	assert_int_equal(ip6_addr_pton("fe80::2", &ll), 0);
	assert_int_equal(ip6_addr_add(dev, &ll, 64, IP6_IFA_STATIC), 0);
	assert_int_equal(gai("six.test", NULL, AF_INET6, SOCK_STREAM, AI_ADDRCONFIG, b,
			     sizeof(b)), -ENODATA);
	assert_int_equal(ip6_addr_pton("2001:db8::2", &g), 0);
	assert_int_equal(ip6_addr_add(dev, &g, 64, IP6_IFA_STATIC), 0);
	assert_int_equal(gai("six.test", NULL, AF_INET6, SOCK_STREAM, AI_ADDRCONFIG, b,
			     sizeof(b)), 0);
	assert_string_equal(b, "2001:db8::66:0/tcp");
	assert_int_equal(gai("web.test", NULL, AF_UNSPEC, SOCK_STREAM, AI_ADDRCONFIG, b,
			     sizeof(b)), 0);
	assert_string_equal(b, "192.0.2.10:0/tcp 192.0.2.11:0/tcp 2001:db8::10:0/tcp");
	ip6_shutdown();
	ip_shutdown();
	net_device_unregister_all();
	net_protocol_reset();
}

static void test_getaddrinfo_local(void **state)
{
	struct addrinfo *res, h = { .ai_flags = AI_CANONNAME, .ai_socktype = SOCK_STREAM };
	char b[512];

	(void)state;
	/* numeric addresses of both families, no query, the family filter applied */
	assert_int_equal(gai("10.1.2.3", "80", AF_UNSPEC, SOCK_STREAM, 0, b, sizeof(b)), 0);
	assert_string_equal(b, "10.1.2.3:80/tcp");
	assert_int_equal(gai("2001:db8::1", "http", AF_UNSPEC, 0, 0, b, sizeof(b)), 0);
	assert_string_equal(b, "2001:db8::1:80/tcp 2001:db8::1:80/udp");
	assert_int_equal(gai("2001:db8::1", NULL, AF_INET, 0, 0, b, sizeof(b)), -ENODATA);
	assert_int_equal(gai("10.1.2.3", NULL, AF_INET6, 0, 0, b, sizeof(b)), -ENODATA);
	assert_int_equal(gai("::1", "7", AF_INET6, SOCK_DGRAM, AI_NUMERICHOST, b, sizeof(b)), 0);
	assert_string_equal(b, "::1:7/udp");
	assert_int_equal(gai("web.test", "7", AF_UNSPEC, 0, AI_NUMERICHOST, b, sizeof(b)),
			 -ENOENT);
	/* the hosts file, IPv4 first, then IPv6 */
	assert_int_equal(gai("web.test", "domain", AF_UNSPEC, SOCK_DGRAM, 0, b, sizeof(b)), 0);
	assert_string_equal(b, "192.0.2.10:53/udp 192.0.2.11:53/udp 2001:db8::10:53/udp");
	assert_int_equal(gai("web.test", NULL, AF_INET6, SOCK_STREAM, 0, b, sizeof(b)), 0);
	assert_string_equal(b, "2001:db8::10:0/tcp");
	assert_int_equal(gai("six.test", NULL, AF_UNSPEC, SOCK_STREAM, 0, b, sizeof(b)), 0);
	assert_string_equal(b, "2001:db8::66:0/tcp");
	addrconfig_checks();
	/* no node: the wildcard for a listener, else loopback */
	assert_int_equal(gai(NULL, "8080", AF_INET, SOCK_STREAM, AI_PASSIVE, b, sizeof(b)), 0);
	assert_string_equal(b, "0.0.0.0:8080/tcp");
	assert_int_equal(gai(NULL, "8080", AF_UNSPEC, SOCK_STREAM, 0, b, sizeof(b)), 0);
	assert_string_equal(b, "127.0.0.1:8080/tcp ::1:8080/tcp");
	/* services and hints refused */
	assert_int_equal(gai("10.1.2.3", "no-such-service", AF_UNSPEC, 0, 0, b, sizeof(b)),
			 -ESRCH);
	assert_int_equal(gai("10.1.2.3", "http", AF_UNSPEC, 0, AI_NUMERICSERV, b, sizeof(b)),
			 -ESRCH);
	assert_int_equal(gai("10.1.2.3", "65536", AF_UNSPEC, 0, 0, b, sizeof(b)), -ESRCH);
	assert_int_equal(gai("10.1.2.3", NULL, AF_PACKET, 0, 0, b, sizeof(b)), -EAFNOSUPPORT);
	assert_int_equal(gai("10.1.2.3", NULL, AF_INET, SOCK_RAW, 0, b, sizeof(b)),
			 -ESOCKTNOSUPPORT);
	assert_int_equal(gai("10.1.2.3", NULL, AF_INET, 0, AI_V4MAPPED, b, sizeof(b)), -EINVAL);
	assert_int_equal(gai(NULL, NULL, AF_INET, 0, 0, b, sizeof(b)), -EINVAL);
	assert_int_equal(gai("a..b", NULL, AF_INET, 0, 0, b, sizeof(b)), -EINVAL);
	assert_int_equal(*stats_find("dns.queries"), 0);
	/* AI_CANONNAME on the first result; a NULL hints means AF_UNSPEC, both types */
	assert_int_equal(TEST_APP(us_getaddrinfo("www.test", "80", &h, &res)), 0);
	assert_string_equal(res->ai_canonname, "www.test");
	assert_null(res->ai_next);
	us_freeaddrinfo(res);
	assert_int_equal(TEST_APP(us_getaddrinfo("10.0.0.1", "80", NULL, &res)), 0);
	assert_non_null(res->ai_next);
	assert_int_equal(res->ai_next->ai_protocol, IPPROTO_UDP);
	assert_null(res->ai_next->ai_next);
	us_freeaddrinfo(res);
	/* no server anywhere: nothing asked */
	write_file(resolv, "search example\n");
	assert_int_equal(gai("nowhere.test", NULL, AF_UNSPEC, 0, 0, b, sizeof(b)), -EDESTADDRREQ);
	assert_int_equal(*stats_find("dns.queries"), 0);
	assert_string_equal(us_gai_strerror(-ENODATA), "no address of the family asked");
}

static void test_resolver_config(void **state)
{
	struct us_resolver_config c, d;

	(void)state;
	us_resolver_config_get(&c);
	assert_int_equal(c.cache_max, 64);
	assert_int_equal(c.neg_ttl_max_s, 900);
	assert_int_equal(c.servfail_ttl_s, 5);
	d = c;
	d.cache_max = DNS_CACHE_MAX_LIMIT + 1;
	assert_int_equal(us_resolver_config_set(&d), -EINVAL);
	d = c;
	d.servfail_ttl_s = 301;
	assert_int_equal(us_resolver_config_set(&d), -EINVAL);
	assert_int_equal(us_resolver_config_set(NULL), -EINVAL);
	d = c;
	d.cache_max = 3;
	assert_int_equal(us_resolver_config_set(&d), 0);
	us_resolver_config_get(&d);
	assert_int_equal(d.cache_max, 3);
	assert_int_equal(us_resolver_config_set(&c), 0);
}

/* ---- a name server on the loopback of a stack of its own ---- */

#define SRV_PORT 5300

static struct ustack *srv_st;
static pthread_t srv_th;
static int srv_fd;
static atomic_int srv_stop, srv_queries, srv_q_a, srv_q_aaaa;
static atomic_int srv_last_port[2], srv_last_id[2], srv_last_type[2]; /* the last two */

/* A response being built: the query copied, records appended. */
struct resp {
	uint8_t b[DNS_UDP_MAX + 256];
	size_t n;
	int an, ns;
};

/* name in wire form at b; its length */
static size_t wire_name(const char *name, uint8_t *b)
{
	size_t n = 0;

	while (*name) {
		size_t l = strcspn(name, ".");

		b[n++] = (uint8_t)l;
		memcpy(b + n, name, l);
		n += l;
		name += l + (name[l] == '.');
	}
	b[n++] = 0;
	return n;
}

/* A record: owner the question's name (a pointer to it) or `owner`, then the data. */
static void put_rr(struct resp *r, const char *owner, uint16_t type, uint32_t ttl,
		   const void *rdata, size_t rdlen)
{
	uint8_t *b = r->b;

	if (owner) {
		r->n += wire_name(owner, b + r->n);
	} else {
		b[r->n++] = 0xc0;
		b[r->n++] = 0x0c;
	}
	b[r->n++] = (uint8_t)(type >> 8);
	b[r->n++] = (uint8_t)type;
	b[r->n++] = 0;
	b[r->n++] = 1; /* IN */
	for (int i = 3; i >= 0; i--)
		b[r->n++] = (uint8_t)(ttl >> (8 * i));
	b[r->n++] = (uint8_t)(rdlen >> 8);
	b[r->n++] = (uint8_t)rdlen;
	memcpy(b + r->n, rdata, rdlen);
	r->n += rdlen;
}

static void put_an(struct resp *r, uint16_t type, const void *rdata, size_t rdlen)
{
	put_rr(r, NULL, type, 60, rdata, rdlen);
	r->an++;
}

static void put_cname(struct resp *r, const char *target)
{
	uint8_t w[DNS_NAME_MAX];

	put_an(r, DNS_TYPE_CNAME, w, wire_name(target, w));
}

/* The authority section's SOA of zone, with its own TTL and MINIMUM. */
static void put_soa(struct resp *r, const char *zone, uint32_t ttl, uint32_t minimum)
{
	uint8_t rd[64];
	size_t n = wire_name("ns.test", rd);

	n += wire_name("hostmaster.test", rd + n);
	memset(rd + n, 0, 16); /* serial, refresh, retry, expire */
	n += 16;
	for (int i = 3; i >= 0; i--)
		rd[n++] = (uint8_t)(minimum >> (8 * i));
	put_rr(r, zone, DNS_TYPE_SOA, ttl, rd, n);
	r->ns++;
}

/* The zone this server answers for; see the names below. */
static void srv_answer(const uint8_t *q, size_t len, struct resp *r)
{
	struct dns_msg *m = calloc(1, sizeof(*m));
	uint8_t tmp[DNS_UDP_MAX];
	int rcode = 0, a = 0, aaaa = 0;
	const char *n;

	assert_non_null(m);
	memcpy(tmp, q, len);
	tmp[2] |= 0x80; /* read the query back with the response parser */
	assert_int_equal(dns_parse_response(tmp, len, m), DNS_PARSE_OK);
	memcpy(r->b, q, len);
	r->n = len;
	r->an = r->ns = 0;
	n = m->qname;
	a = m->qtype == DNS_TYPE_A;
	aaaa = m->qtype == DNS_TYPE_AAAA;
	if (dns_name_equal(n, "a.test")) {
		if (a)
			put_an(r, DNS_TYPE_A, "\x0a\x01\x01\x01", 4);
		else
			put_soa(r, "test", 60, 30);
	} else if (dns_name_equal(n, "both.test")) {
		if (a)
			put_an(r, DNS_TYPE_A, "\x0a\x03\x03\x03", 4);
		if (aaaa)
			put_an(r, DNS_TYPE_AAAA, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x03", 16);
	} else if (dns_name_equal(n, "v6only.test")) {
		if (aaaa)
			put_an(r, DNS_TYPE_AAAA, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x06", 16);
		else
			put_soa(r, "test", 300, 30); /* NODATA for 30 s, the MINIMUM */
	} else if (dns_name_equal(n, "c1.test")) {
		put_cname(r, "c2.test");
	} else if (dns_name_equal(n, "c2.test")) {
		if (a)
			put_an(r, DNS_TYPE_A, "\x0a\x02\x02\x02", 4);
		if (aaaa)
			put_an(r, DNS_TYPE_AAAA, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
	} else if (dns_name_equal(n, "loop1.test")) {
		put_cname(r, "loop2.test");
	} else if (dns_name_equal(n, "loop2.test")) {
		put_cname(r, "loop1.test");
	} else if (dns_name_equal(n, "vm.lab.test")) {
		if (a)
			put_an(r, DNS_TYPE_A, "\x0a\x09\x09\x09", 4);
		else
			put_soa(r, "lab.test", 60, 60);
	} else if (dns_name_equal(n, "fail.test")) {
		rcode = 2;
	} else if (dns_name_equal(n, "nodata.test")) {
		/* NODATA without an SOA: not to be cached (RFC 2308 5) */
	} else if (dns_name_equal(n, "badsoa.test")) {
		rcode = DNS_RCODE_NXDOMAIN;
		put_soa(r, "other", 300, 300); /* not a zone above the name: no caching */
	} else {
		rcode = DNS_RCODE_NXDOMAIN;
		put_soa(r, "test", 20, 3600); /* NXDOMAIN for 20 s, the SOA's TTL */
	}
	free(m);
	r->b[2] = 0x81;
	r->b[3] = (uint8_t)(0x80 | rcode);
	r->b[6] = 0;
	r->b[7] = (uint8_t)r->an;
	r->b[8] = 0;
	r->b[9] = (uint8_t)r->ns;
}

static void *srv_main(void *arg)
{
	static struct resp r;
	int fd = *(int *)arg;

	ustack_use(srv_st);
	while (!atomic_load(&srv_stop)) {
		struct us_pollfd p = { .fd = fd, .events = US_POLLIN };
		union dns_server from; /* either family's: the port at the same place */
		socklen_t fromlen = sizeof(from);
		uint8_t q[DNS_UDP_MAX];
		ssize_t n;

		if (us_poll(&p, 1, 50) <= 0)
			continue;
		n = us_recvfrom(fd, q, sizeof(q), MSG_DONTWAIT, &from.sa, &fromlen);
		if (n < DNS_HDR_LEN + 5)
			continue;
		atomic_fetch_add(&srv_queries, 1);
		if (q[n - 3] == DNS_TYPE_A)
			atomic_fetch_add(&srv_q_a, 1);
		if (q[n - 3] == DNS_TYPE_AAAA)
			atomic_fetch_add(&srv_q_aaaa, 1);
		atomic_store(&srv_last_port[0], atomic_load(&srv_last_port[1]));
		atomic_store(&srv_last_id[0], atomic_load(&srv_last_id[1]));
		atomic_store(&srv_last_port[1], ntohs(from.sin.sin_port));
		atomic_store(&srv_last_id[1], q[0] << 8 | q[1]);
		atomic_store(&srv_last_type[0], atomic_load(&srv_last_type[1]));
		atomic_store(&srv_last_type[1], q[n - 3]);
		srv_answer(q, (size_t)n, &r);
		us_sendto(fd, r.b, r.n, 0, &from.sa, fromlen);
	}
	return NULL;
}

static uint64_t dns_counter(const char *name)
{
	const uint64_t *c = stats_find(name);

	return c ? *c : 0;
}

static void queries_reset(void)
{
	atomic_store(&srv_queries, 0);
	atomic_store(&srv_q_a, 0);
	atomic_store(&srv_q_aaaa, 0);
}

/* Starts the server's stack and thread, as the resolver's one server, on 127.0.0.1 or
 * (family AF_INET6) on 2001:db8::53 of the loopback; the test is an application thread until srv_down. */
static void srv_up_family(const char *resolv_text, int family)
{
	union dns_server a;

	memset(&a, 0, sizeof(a));
	if (family == AF_INET6) {
		a.sin6.sin6_family = AF_INET6;
		inet_pton(AF_INET6, "2001:db8::53", &a.sin6.sin6_addr);
	} else {
		a.sin.sin_family = AF_INET;
		a.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	}
	a.sin.sin_port = htons(SRV_PORT);
	write_file(resolv, resolv_text);
	test_unlock();
	assert_int_equal(ustack_create(NULL, &srv_st), 0);
	assert_int_equal(ustack_start(srv_st), 0);
	if (family == AF_INET6) {
		/* the stack's loopback has no ::1: an address of its own, reached through it */
		struct net_addr six;
		int err;

		assert_int_equal(ip6_addr_pton("2001:db8::53", &six), 0);
		net_lock();
		err = ip6_addr_add(net_device_by_name("lo"), &six, 128, IP6_IFA_STATIC);
		net_unlock();
		assert_int_equal(err, 0);
	}
	srv_fd = us_socket(family, SOCK_DGRAM, 0);
	assert_true(srv_fd >= 0);
	assert_int_equal(us_bind(srv_fd, &a.sa, dns_server_len(&a)), 0);
	assert_int_equal(dns_set_servers(&a, 1), 0); /* empties the cache too */
	atomic_store(&srv_stop, 0);
	queries_reset();
	assert_int_equal(pthread_create(&srv_th, NULL, srv_main, &srv_fd), 0);
}

static void srv_up(const char *resolv_text)
{
	srv_up_family(resolv_text, AF_INET);
}

static void srv_down(void)
{
	atomic_store(&srv_stop, 1);
	pthread_join(srv_th, NULL);
	us_close(srv_fd);
	dns_set_servers(NULL, 0);
	dns_set_search(NULL);
	net_clock_set_fake(0, 0);
	ustack_destroy(srv_st);
	test_lock();
}

static void test_resolve_server(void **state)
{
	struct sockaddr_in out[8];

	(void)state;
	srv_up("options ndots:1\n");
	assert_int_equal(us_resolve("a.test", out, 8, 2000), 1);
	assert_int_equal(out[0].sin_addr.s_addr, inet_addr("10.1.1.1"));
	assert_int_equal(atomic_load(&srv_queries), 1);
	assert_int_equal(atomic_load(&srv_q_aaaa), 0); /* AF_INET: A alone */
	assert_int_equal(us_resolve("A.TEST.", out, 8, 2000), 1); /* from the cache */
	assert_int_equal(atomic_load(&srv_queries), 1);
	assert_int_equal(dns_counter("dns.cache_hits"), 1);

	assert_int_equal(us_resolve("c1.test", out, 8, 2000), 1);
	assert_int_equal(out[0].sin_addr.s_addr, inet_addr("10.2.2.2"));
	assert_int_equal(atomic_load(&srv_queries), 3); /* c1, then its target c2 */

	queries_reset();
	assert_int_equal(us_resolve("loop1.test", out, 8, 2000), -ENOENT);
	assert_int_equal(dns_counter("dns.cname_too_long"), 1);
	assert_int_equal(atomic_load(&srv_queries), DNS_CNAME_MAX + 1);

	queries_reset();
	assert_int_equal(us_resolve("fail.test", out, 8, 2000), -EAGAIN);
	assert_int_equal(atomic_load(&srv_queries), 2); /* one server, asked twice */
	assert_int_equal(dns_counter("dns.rx_server_fail"), 2);
	assert_int_equal(us_resolve("fail.test", out, 8, 2000), -EAGAIN);
	assert_int_equal(atomic_load(&srv_queries), 2); /* not asked again for 5 s */
	assert_int_equal(us_resolve("nodata.test", out, 8, 2000), -ENOENT);
	assert_int_equal(dns_counter("dns.nodata"), 1);
	assert_int_equal(us_resolve("nodata.test", out, 8, 2000), -ENOENT);
	assert_int_equal(dns_counter("dns.nodata"), 2); /* no SOA: asked again */
	assert_int_equal(us_resolve("nx.test", out, 8, 2000), -ENOENT);
	assert_int_equal(dns_counter("dns.nxdomain"), 1);
	assert_int_equal(dns_counter("dns.rx_bad_id") + dns_counter("dns.rx_bad_source"), 0);
	srv_down();
}

/* The same server on an IPv6 address: the queries go out over IPv6 (from an IPv6 socket: the
 * server sees them, the answers are taken), and a server named in resolv.conf's IPv6
 * nameserver line is asked when none is set. */
static void test_resolve_server6(void **state)
{
	struct sockaddr_in out[8];

	(void)state;
	srv_up_family("options ndots:1\n", AF_INET6);
	assert_int_equal(us_resolve("a.test", out, 8, 2000), 1);
	assert_int_equal(out[0].sin_addr.s_addr, inet_addr("10.1.1.1"));
	assert_int_equal(atomic_load(&srv_queries), 1);
	assert_int_equal(us_resolve("nx.test", out, 8, 2000), -ENOENT);
	assert_int_equal(dns_counter("dns.rx_bad_source"), 0);
	/* resolv.conf's line for it (port 53: nothing there, the stack's ICMPv6 port
	 * unreachable ends the try) */
	dns_set_servers(NULL, 0);
	write_file(resolv, "nameserver 2001:db8::53\noptions attempts:1\n");
	queries_reset();
	assert_true(us_resolve("c2.test", out, 8, 1000) < 0);
	assert_int_equal(atomic_load(&srv_queries), 0);
	assert_true(dns_counter("dns.queries") >= 3);
	srv_down();
}

/* lookup through dns_lookup, as us_getaddrinfo makes it */
static int lookup(const char *name, int family, struct dns_addr *out, char *canon)
{
	return dns_lookup(name, family, out, 16, 2000, canon);
}

static void test_resolve_families(void **state)
{
	struct dns_addr a[16];
	char canon[DNS_NAME_TEXT_MAX];
	struct addrinfo h = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_CANONNAME }, *res;
	char b[256];

	(void)state;
	srv_up("options ndots:1\n");
	/* AF_UNSPEC: A and AAAA at once, from one port, with two IDs */
	assert_int_equal(lookup("both.test", AF_UNSPEC, a, canon), 2);
	assert_int_equal(a[0].family, AF_INET);
	assert_int_equal(a[0].a[3], 3);
	assert_int_equal(a[1].family, AF_INET6);
	assert_int_equal(a[1].a[15], 3);
	assert_int_equal(atomic_load(&srv_q_a), 1);
	assert_int_equal(atomic_load(&srv_q_aaaa), 1);
	assert_int_equal(atomic_load(&srv_last_port[0]), atomic_load(&srv_last_port[1]));
	assert_int_not_equal(atomic_load(&srv_last_id[0]), atomic_load(&srv_last_id[1]));
	/* each type cached on its own */
	assert_int_equal(lookup("both.test", AF_INET6, a, canon), 1);
	assert_int_equal(lookup("both.test", AF_INET, a, canon), 1);
	assert_int_equal(atomic_load(&srv_queries), 2);
	assert_int_equal(dns_counter("dns.cache_hits"), 2);
	/* AF_INET asks A alone, AF_INET6 AAAA alone */
	queries_reset();
	assert_int_equal(lookup("a.test", AF_INET, a, canon), 1);
	assert_int_equal(atomic_load(&srv_q_aaaa), 0);
	assert_int_equal(lookup("a.test", AF_INET6, a, canon), -ENODATA);
	assert_int_equal(atomic_load(&srv_q_aaaa), 1);
	assert_int_equal(atomic_load(&srv_q_a), 1);
	assert_int_equal(lookup("a.test", AF_UNSPEC, a, canon), 1); /* both from the cache */
	assert_int_equal(atomic_load(&srv_queries), 2);
	/* a name with only AAAA */
	queries_reset();
	assert_int_equal(lookup("v6only.test", AF_INET, a, canon), -ENODATA);
	assert_int_equal(TEST_APP(us_resolve("v6only.test", (struct sockaddr_in *)b, 1, 2000)),
			 -ENOENT);
	assert_int_equal(lookup("v6only.test", AF_INET6, a, canon), 1);
	assert_int_equal(a[0].a[15], 6);
	assert_int_equal(lookup("v6only.test", AF_UNSPEC, a, canon), 1);
	assert_int_equal(atomic_load(&srv_queries), 2);
	assert_int_equal(gai("v6only.test", "80", AF_UNSPEC, SOCK_STREAM, 0, b, sizeof(b)), 0);
	assert_string_equal(b, "2001:db8::6:80/tcp");
	/* a CNAME for both types, then its target for both: two pairs of queries */
	queries_reset();
	assert_int_equal(TEST_APP(us_getaddrinfo("c1.test", "80", &h, &res)), 0);
	ai_text(res, b, sizeof(b));
	assert_string_equal(b, "10.2.2.2:80/tcp 2001:db8::2:80/tcp");
	assert_string_equal(res->ai_canonname, "c2.test");
	us_freeaddrinfo(res);
	assert_int_equal(atomic_load(&srv_q_a), 2);
	assert_int_equal(atomic_load(&srv_q_aaaa), 2);
	assert_int_equal(lookup("nx.test", AF_UNSPEC, a, canon), -ENOENT);
	srv_down();

	/* options single-request: A, answered, then AAAA, from a socket of its own */
	srv_up("options single-request\n");
	assert_int_equal(lookup("both.test", AF_UNSPEC, a, canon), 2);
	assert_int_equal(atomic_load(&srv_q_a), 1);
	assert_int_equal(atomic_load(&srv_q_aaaa), 1);
	assert_int_equal(atomic_load(&srv_last_type[0]), DNS_TYPE_A);
	assert_int_equal(atomic_load(&srv_last_type[1]), DNS_TYPE_AAAA);
	/* two sockets, two random ports (the same one drawn twice: 1 in 64512) */
	assert_int_not_equal(atomic_load(&srv_last_port[0]), atomic_load(&srv_last_port[1]));
	srv_down();
}

static void test_negative_cache(void **state)
{
	struct us_resolver_config c0, c;
	struct dns_addr a[16];
	uint64_t t0 = 1000000;

	(void)state;
	srv_up("options ndots:1\n");
	net_clock_set_fake(1, t0);
	/* NXDOMAIN, SOA TTL 20 < MINIMUM 3600: 20 s, for every type */
	assert_int_equal(lookup("nx1.test", AF_INET, a, NULL), -ENOENT);
	assert_int_equal(lookup("nx1.test", AF_INET, a, NULL), -ENOENT);
	assert_int_equal(lookup("nx1.test", AF_INET6, a, NULL), -ENOENT);
	assert_int_equal(atomic_load(&srv_queries), 1);
	assert_int_equal(dns_counter("dns.neg_cache_hits"), 2);
	net_clock_set_fake(1, t0 + 19999);
	assert_int_equal(lookup("nx1.test", AF_INET, a, NULL), -ENOENT);
	assert_int_equal(atomic_load(&srv_queries), 1);
	net_clock_set_fake(1, t0 + 20000);
	assert_int_equal(lookup("nx1.test", AF_INET, a, NULL), -ENOENT);
	assert_int_equal(atomic_load(&srv_queries), 2);

	/* NODATA, SOA TTL 300 > MINIMUM 30: 30 s, for that type alone */
	queries_reset();
	net_clock_set_fake(1, t0 = 2000000);
	assert_int_equal(lookup("v6only.test", AF_INET, a, NULL), -ENODATA);
	net_clock_set_fake(1, t0 + 29999);
	assert_int_equal(lookup("v6only.test", AF_INET, a, NULL), -ENODATA);
	assert_int_equal(atomic_load(&srv_queries), 1);
	assert_int_equal(lookup("v6only.test", AF_INET6, a, NULL), 1); /* AAAA: asked */
	assert_int_equal(atomic_load(&srv_queries), 2);
	net_clock_set_fake(1, t0 + 30000);
	assert_int_equal(lookup("v6only.test", AF_INET, a, NULL), -ENODATA);
	assert_int_equal(atomic_load(&srv_q_a), 2);

	/* the positive answer's TTL (60 s) */
	queries_reset();
	net_clock_set_fake(1, t0 = 3000000);
	assert_int_equal(lookup("a.test", AF_INET, a, NULL), 1);
	net_clock_set_fake(1, t0 + 59999);
	assert_int_equal(lookup("a.test", AF_INET, a, NULL), 1);
	assert_int_equal(atomic_load(&srv_queries), 1);
	net_clock_set_fake(1, t0 + 60000);
	assert_int_equal(lookup("a.test", AF_INET, a, NULL), 1);
	assert_int_equal(atomic_load(&srv_queries), 2);

	/* an SOA of a zone not above the name: not cached */
	queries_reset();
	assert_int_equal(lookup("badsoa.test", AF_INET, a, NULL), -ENOENT);
	assert_int_equal(lookup("badsoa.test", AF_INET, a, NULL), -ENOENT);
	assert_int_equal(atomic_load(&srv_queries), 2);

	/* SERVFAIL: servfail_ttl_s (5 s), then asked again */
	queries_reset();
	net_clock_set_fake(1, t0 = 4000000);
	assert_int_equal(lookup("fail.test", AF_INET, a, NULL), -EAGAIN);
	assert_int_equal(lookup("fail.test", AF_INET, a, NULL), -EAGAIN);
	assert_int_equal(atomic_load(&srv_queries), 2);
	net_clock_set_fake(1, t0 + 5000);
	assert_int_equal(lookup("fail.test", AF_INET, a, NULL), -EAGAIN);
	assert_int_equal(atomic_load(&srv_queries), 4);

	/* neg_ttl_max_s bounds the SOA's 20 s; cache_max bounds the entries */
	us_resolver_config_get(&c0);
	c = c0;
	c.neg_ttl_max_s = 10;
	c.cache_max = 2;
	assert_int_equal(us_resolver_config_set(&c), 0);
	queries_reset();
	net_clock_set_fake(1, t0 = 5000000);
	assert_int_equal(lookup("nx2.test", AF_INET, a, NULL), -ENOENT);
	net_clock_set_fake(1, t0 + 9999);
	assert_int_equal(lookup("nx2.test", AF_INET, a, NULL), -ENOENT);
	assert_int_equal(atomic_load(&srv_queries), 1);
	net_clock_set_fake(1, t0 + 10000);
	assert_int_equal(lookup("nx2.test", AF_INET, a, NULL), -ENOENT);
	assert_int_equal(atomic_load(&srv_queries), 2);
	assert_int_equal(lookup("nx3.test", AF_INET, a, NULL), -ENOENT);
	assert_int_equal(lookup("nx4.test", AF_INET, a, NULL), -ENOENT);
	assert_int_equal(dns_cache_live(), 2);
	assert_int_equal(us_resolver_config_set(&c0), 0);
	srv_down();
}

static void test_search_server(void **state)
{
	struct dns_addr a[16];
	char canon[DNS_NAME_TEXT_MAX];

	(void)state;
	/* vm.nope.test does not exist, vm.lab.test does */
	srv_up("search nope.test lab.test\n");
	assert_int_equal(lookup("vm", AF_INET, a, canon), 1);
	assert_int_equal(a[0].a[3], 9);
	assert_string_equal(canon, "vm.lab.test");
	assert_int_equal(atomic_load(&srv_queries), 2);
	assert_int_equal(dns_counter("dns.search_tries"), 1);
	/* again: vm.nope.test's NXDOMAIN and vm.lab.test's address both from the cache */
	assert_int_equal(lookup("vm", AF_INET, a, canon), 1);
	assert_int_equal(atomic_load(&srv_queries), 2);
	/* ndots:1 and one dot: the name itself first (NXDOMAIN), then the list */
	queries_reset();
	assert_int_equal(lookup("vm.lab", AF_INET, a, canon), -ENOENT);
	assert_int_equal(atomic_load(&srv_queries), 3);
	/* AAAA for vm.lab.test is NODATA: NODATA over the other names' NXDOMAIN */
	assert_int_equal(lookup("vm", AF_INET6, a, canon), -ENODATA);
	srv_down();

	/* no search line: the domain a DHCP lease gave */
	srv_up("options ndots:1\n");
	assert_int_equal(dns_set_search("lab.test."), 0);
	assert_int_equal(dns_set_search("bad..name"), -EINVAL);
	assert_int_equal(lookup("vm", AF_INET, a, canon), 1);
	assert_int_equal(atomic_load(&srv_queries), 1);
	srv_down();
	/* a search line in the file wins over it */
	srv_up("search nope.test\n");
	assert_int_equal(dns_set_search("lab.test"), 0);
	assert_int_equal(lookup("vm", AF_INET, a, canon), -ENOENT);
	srv_down();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hosts_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hosts_file6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolv_conf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolv_conf_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_local, setup, teardown),
		cmocka_unit_test_setup_teardown(test_getaddrinfo_local, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolver_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_servers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_server, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_server6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_families, setup, teardown),
		cmocka_unit_test_setup_teardown(test_negative_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_server, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
