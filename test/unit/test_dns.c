/* SPDX-License-Identifier: MIT */
/* The resolver's local paths: the hosts file and resolv.conf readers, and us_resolve
 * answering from a dotted quad or a hosts file without a query, refusing bad names, and
 * saying -EDESTADDRREQ when no server is configured. The network path (queries, retries,
 * fall-over, CNAME chains, TCP) is t_dns.sh's, against dnsmasq. */
#include "test/unit/testlib.h"
#include "test/unit/test_app.h"

#include <arpa/inet.h>
#include <errno.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hosts_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolv_conf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_local, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_servers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
