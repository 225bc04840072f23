/* SPDX-License-Identifier: MIT */
/* The pure parts of the command line: `ustack get`'s URL parsing, the resolution of a
 * redirect's Location against the URL it answered (RFC 3986 section 5.4's examples, as
 * far as an http:// base can have them), -O's file name, and the argv checks (options
 * before the subcommand, a device named twice). The files are compiled in here: they are
 * part of the program, not of libustack. */
#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "apps/args.c"
#include "apps/url.c"

static void test_url_parse(void **state)
{
	struct url u;

	(void)state;
	assert_int_equal(url_parse("http://10.0.0.1", &u), 0);
	assert_string_equal(u.host, "10.0.0.1");
	assert_string_equal(u.hostport, "10.0.0.1");
	assert_int_equal(u.port, 80);
	assert_string_equal(u.path, "/");

	assert_int_equal(url_parse("HTTP://10.0.0.1:8080/a/b.txt?x=1&y#frag", &u), 0);
	assert_string_equal(u.host, "10.0.0.1");
	assert_string_equal(u.hostport, "10.0.0.1:8080");
	assert_int_equal(u.port, 8080);
	assert_string_equal(u.path, "/a/b.txt?x=1&y");

	assert_int_equal(url_parse("http://h?q", &u), 0);
	assert_string_equal(u.path, "/?q");
	assert_int_equal(url_parse("http://h:/x", &u), 0); /* an empty port is 80 */
	assert_int_equal(u.port, 80);

	assert_int_equal(url_parse("https://10.0.0.1/", &u), -EPROTONOSUPPORT);
	assert_int_equal(url_parse("ftp://10.0.0.1/", &u), -EPROTONOSUPPORT);
	assert_int_equal(url_parse("10.0.0.1/x", &u), -EINVAL);
	assert_int_equal(url_parse("http://", &u), -EINVAL);
	assert_int_equal(url_parse("http:///path", &u), -EINVAL);
	assert_int_equal(url_parse("http://:80/", &u), -EINVAL);
	assert_int_equal(url_parse("http://h:0/", &u), -EINVAL);
	assert_int_equal(url_parse("http://h:65536/", &u), -EINVAL);
	assert_int_equal(url_parse("http://h:8x/", &u), -EINVAL);
	assert_int_equal(url_parse("http://h:-1/", &u), -EINVAL);
	assert_int_equal(url_parse("http://user:pw@h/", &u), -EINVAL);
	/* what would change the request's lines (a hostile Location: a lone CR survives the
	 * header's line split), or its words, is not a URL: RFC 3986 has no space nor control */
	assert_int_equal(url_parse("http://h/a\rX-Injected: 1", &u), -EINVAL);
	assert_int_equal(url_parse("http://h/a HTTP/1.0", &u), -EINVAL);
	assert_int_equal(url_parse("http://h/a\tb", &u), -EINVAL);
	assert_int_equal(url_parse("http://h/a\x7f", &u), -EINVAL);
	assert_int_equal(url_parse("http://h\r/", &u), -EINVAL);
	assert_int_equal(url_parse("http://h/%20?q=%0d", &u), 0); /* encoded, they are fine */
	{
		static char big[URL_MAX + 10];

		memset(big, 'a', sizeof(big) - 1);
		memcpy(big, "http://h/", 9);
		assert_int_equal(url_parse(big, &u), -ENAMETOOLONG);
		memset(big, 'a', sizeof(big) - 1);
		memcpy(big, "http://", 7);
		big[URL_HOST_MAX + 20] = '\0';
		assert_int_equal(url_parse(big, &u), -ENAMETOOLONG);
	}
}

struct resolve_case {
	const char *ref, *want;
};

/* RFC 3986 5.4.1 and 5.4.2 with the base "http://a/b/c/d;p?q" (references with another
 * scheme are handed on whole, for url_parse to refuse). */
static const struct resolve_case rfc_cases[] = {
	{ "g:h", "g:h" },
	{ "g", "http://a/b/c/g" },
	{ "./g", "http://a/b/c/g" },
	{ "g/", "http://a/b/c/g/" },
	{ "/g", "http://a/g" },
	{ "//g", "http://g" },
	{ "?y", "http://a/b/c/d;p?y" },
	{ "g?y", "http://a/b/c/g?y" },
	{ "#s", "http://a/b/c/d;p?q" },
	{ "g#s", "http://a/b/c/g" },
	{ "g?y#s", "http://a/b/c/g?y" },
	{ ";x", "http://a/b/c/;x" },
	{ "g;x", "http://a/b/c/g;x" },
	{ "", "http://a/b/c/d;p?q" },
	{ ".", "http://a/b/c/" },
	{ "./", "http://a/b/c/" },
	{ "..", "http://a/b/" },
	{ "../", "http://a/b/" },
	{ "../g", "http://a/b/g" },
	{ "../..", "http://a/" },
	{ "../../", "http://a/" },
	{ "../../g", "http://a/g" },
	/* abnormal examples */
	{ "../../../g", "http://a/g" },
	{ "../../../../g", "http://a/g" },
	{ "/./g", "http://a/g" },
	{ "/../g", "http://a/g" },
	{ "g.", "http://a/b/c/g." },
	{ ".g", "http://a/b/c/.g" },
	{ "g..", "http://a/b/c/g.." },
	{ "..g", "http://a/b/c/..g" },
	{ "./../g", "http://a/b/g" },
	{ "./g/.", "http://a/b/c/g/" },
	{ "g/./h", "http://a/b/c/g/h" },
	{ "g/../h", "http://a/b/c/h" },
	{ "g;x=1/./y", "http://a/b/c/g;x=1/y" },
	{ "g;x=1/../y", "http://a/b/c/y" },
	{ "g?y/./x", "http://a/b/c/g?y/./x" },
	{ "g?y/../x", "http://a/b/c/g?y/../x" },
	{ "g#s/./x", "http://a/b/c/g" },
	{ "g#s/../x", "http://a/b/c/g" },
	/* what servers send in Location */
	{ "http://10.0.0.1:8080/x/../y", "http://10.0.0.1:8080/y" },
	{ "HTTP://h/p", "HTTP://h/p" },
	{ "https://h/p", "https://h/p" },
};

static void test_url_resolve_rfc3986(void **state)
{
	char out[URL_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(rfc_cases) / sizeof(rfc_cases[0]); i++) {
		int rc = url_resolve("http://a/b/c/d;p?q", rfc_cases[i].ref, out, sizeof(out));

		if (rc || strcmp(out, rfc_cases[i].want))
			fail_msg("'%s': got %d '%s', want '%s'", rfc_cases[i].ref, rc, rc ? "" : out,
				 rfc_cases[i].want);
	}
}

static void test_url_resolve_edges(void **state)
{
	char out[URL_MAX], small[16];

	(void)state;
	/* a base with no path: the reference goes under "/" */
	assert_int_equal(url_resolve("http://h", "x", out, sizeof(out)), 0);
	assert_string_equal(out, "http://h/x");
	assert_int_equal(url_resolve("http://h:81?q", "x", out, sizeof(out)), 0);
	assert_string_equal(out, "http://h:81/x");
	assert_int_equal(url_resolve("http://h/a/", "../../../b?c#d", out, sizeof(out)), 0);
	assert_string_equal(out, "http://h/b?c");
	/* the base's fragment never survives */
	assert_int_equal(url_resolve("http://h/a#f", "", out, sizeof(out)), 0);
	assert_string_equal(out, "http://h/a");
	/* the base must be an http URL */
	assert_int_equal(url_resolve("ftp://h/a", "b", out, sizeof(out)), -EINVAL);
	assert_int_equal(url_resolve("/a", "b", out, sizeof(out)), -EINVAL);
	/* too small for the result */
	assert_int_equal(url_resolve("http://host/a", "/bbbbbbbbbbbb", small, sizeof(small)),
			 -ENAMETOOLONG);
	assert_int_equal(url_resolve("http://host/a", "https://x/yyyyyyyy", small,
				     sizeof(small)), -ENAMETOOLONG);
	/* every result parses */
	assert_int_equal(url_resolve("http://10.0.0.1:8080/r/1", "/r/2", out, sizeof(out)), 0);
	{
		struct url u;

		assert_int_equal(url_parse(out, &u), 0);
		assert_int_equal(u.port, 8080);
		assert_string_equal(u.path, "/r/2");
	}
}

static void test_url_remote_name(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(url_remote_name("http://h/dir/file.tar.gz", out, sizeof(out)), 0);
	assert_string_equal(out, "file.tar.gz");
	assert_int_equal(url_remote_name("http://h/a/b.txt?x=/y#z/w", out, sizeof(out)), 0);
	assert_string_equal(out, "b.txt");
	assert_int_equal(url_remote_name("http://h/dir/", out, sizeof(out)), -ENOENT);
	assert_int_equal(url_remote_name("http://h", out, sizeof(out)), -ENOENT);
	assert_int_equal(url_remote_name("http://h/?f=x", out, sizeof(out)), -ENOENT);
	assert_int_equal(url_remote_name("http://h/a/..", out, sizeof(out)), -ENOENT);
	assert_int_equal(url_remote_name("http://h/.", out, sizeof(out)), -ENOENT);
	assert_int_equal(url_remote_name("http://h/a", out, 1), -ENAMETOOLONG);
	assert_int_equal(url_remote_name("https://h/a", out, sizeof(out)), -EPROTONOSUPPORT);
}

static void test_cmd_lookup(void **state)
{
	(void)state;
	assert_int_equal(app_cmd_lookup("serve"), CMD_SERVE);
	assert_int_equal(app_cmd_lookup("nc"), CMD_NC);
	assert_int_equal(app_cmd_lookup("ping"), CMD_PING);
	assert_int_equal(app_cmd_lookup("get"), CMD_GET);
	assert_int_equal(app_cmd_lookup("ctl"), CMD_CTL);
	assert_int_equal(app_cmd_lookup("Serve"), CMD_NONE);
	assert_int_equal(app_cmd_lookup("--trace"), CMD_NONE);
	assert_int_equal(app_cmd_lookup(""), CMD_NONE);
	assert_string_equal(app_cmd_name(CMD_GET), "get");
	assert_string_equal(app_cmd_name(CMD_NONE), "?");
}

static void test_misplaced_options(void **state)
{
	char *a1[] = { "ustack", "--trace", "serve", "--dev", "tap:x", NULL };
	char *a2[] = { "ustack", "-v", "--pcap", "f.pcap", "get", "http://h/", NULL };
	char *a3[] = { "ustack", "serve", "--trace", NULL };
	char *a4[] = { "ustack", "--trace", NULL };
	char *a5[] = { "ustack", "--bogus", "--dev", "tap:x", NULL };
	char hint[128], tiny[16];

	(void)state;
	assert_int_equal(app_misplaced_options(5, a1, hint, sizeof(hint)), CMD_SERVE);
	assert_string_equal(hint, "ustack serve --trace ...");
	assert_int_equal(app_misplaced_options(6, a2, hint, sizeof(hint)), CMD_GET);
	assert_string_equal(hint, "ustack get -v --pcap f.pcap ...");
	assert_int_equal(app_misplaced_options(3, a3, hint, sizeof(hint)), CMD_NONE);
	assert_int_equal(app_misplaced_options(2, a4, hint, sizeof(hint)), CMD_NONE);
	assert_int_equal(app_misplaced_options(4, a5, hint, sizeof(hint)), CMD_NONE);
	assert_int_equal(app_misplaced_options(1, a5, hint, sizeof(hint)), CMD_NONE);
	/* a hint too long for its buffer is cut, and says so */
	assert_int_equal(app_misplaced_options(6, a2, tiny, sizeof(tiny)), CMD_GET);
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
	assert_string_equal(tiny + sizeof(tiny) - 4, "...");
}

static void test_dev_dup(void **state)
{
	struct dev_opts d[4];

	(void)state;
	memset(d, 0, sizeof(d));
	strcpy(d[0].ifname, "ustap0");
	strcpy(d[1].ifname, "ustap1");
	strcpy(d[2].ifname, "veth0");
	strcpy(d[3].ifname, "ustap1");
	assert_int_equal(app_dev_dup(d, 1), -1);
	assert_int_equal(app_dev_dup(d, 3), -1);
	assert_int_equal(app_dev_dup(d, 4), 3);
	/* the kind does not matter: tap:X and packet:X are the same interface */
	d[3].kind = d[0].kind + 1;
	strcpy(d[3].ifname, "ustap0");
	assert_int_equal(app_dev_dup(d, 4), 3);
}

/* --route and --gw: IPv4 and IPv6 by the addresses' form, dev= for a link-local
 * gateway, host bits of an IPv4 prefix cleared, and the refusals. */
static void test_route_parse(void **state)
{
	static const char *const bad_routes[] = {
		"10.1.0.0/16", "10.1.0.0/33,via=10.0.0.1", "10.1.0.0/16,via=0.0.0.0",
		"2001:db8:5::/129,via=2001:db8::1", "2001:db8:5::/48,via=::",
		"2001:db8:5::/48,via=ff02::1", "2001:db8:5::/48,via=2001:db8::1,dev=",
		"2001:db8:5::/48,via=2001:db8::1,dev=a,b", "2001:db8:5::,via=2001:db8::1",
		"10.1.0.0/16,via=2001:db8::1x", "2001:db8:5::/48,via=fe80::1",
		"2001:db8:5::/48,via=2001:db8::1,dev=a-name-far-too-long",
	};
	struct app_route r;
	struct in6_addr want;
	char err[200];

	(void)state;
	assert_int_equal(app_route_parse(0, "10.1.2.3/16,via=10.0.0.1", &r, err, sizeof(err)), 0);
	assert_false(r.ipv6);
	assert_int_equal(r.network, htonl(0x0a010000));
	assert_int_equal(r.netmask, htonl(0xffff0000));
	assert_int_equal(r.gateway, htonl(0x0a000001));
	assert_int_equal(app_route_parse(0, "2001:db8:5::/48,via=2001:db8::1", &r, err,
					 sizeof(err)), 0);
	assert_true(r.ipv6);
	assert_int_equal(r.plen6, 48);
	assert_string_equal(r.dev, "");
	inet_pton(AF_INET6, "2001:db8::1", &want);
	assert_memory_equal(&r.gateway6, &want, 16);
	assert_int_equal(app_route_parse(0, "2001:db8:5::/48,via=fe80::1,dev=ustap0", &r, err,
					 sizeof(err)), 0);
	assert_string_equal(r.dev, "ustap0");
	assert_false(r.from_gw);
	for (size_t i = 0; i < sizeof(bad_routes) / sizeof(bad_routes[0]); i++)
		if (app_route_parse(0, bad_routes[i], &r, err, sizeof(err)) != -EINVAL)
			fail_msg("--route %s was taken", bad_routes[i]);
	/* a link-local gateway without its device says what to add */
	assert_int_equal(app_route_parse(0, "::/0,via=fe80::1", &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "needs its device: add ,dev=NAME"));
	/* --gw: IPv4, or IPv6 as ::/0 */
	assert_int_equal(app_route_parse(1, "10.0.0.1", &r, err, sizeof(err)), 0);
	assert_false(r.ipv6);
	assert_int_equal(r.gateway, htonl(0x0a000001));
	assert_int_equal(app_route_parse(1, "fe80::1,dev=tap0", &r, err, sizeof(err)), 0);
	assert_true(r.ipv6 && r.from_gw);
	assert_int_equal(r.plen6, 0);
	assert_string_equal(r.dev, "tap0");
	assert_int_equal(app_route_parse(1, "fe80::1", &r, err, sizeof(err)), -EINVAL);
	assert_int_equal(app_route_parse(1, "10.0.0.1,dev=tap0", &r, err, sizeof(err)), -EINVAL);
	assert_int_equal(app_route_parse(1, "0.0.0.0", &r, err, sizeof(err)), -EINVAL);
	assert_int_equal(app_route_parse(1, "2001:db8::1/64", &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--gw '2001:db8::1/64'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_parse),
		cmocka_unit_test(test_url_resolve_rfc3986),
		cmocka_unit_test(test_url_resolve_edges),
		cmocka_unit_test(test_url_remote_name),
		cmocka_unit_test(test_cmd_lookup),
		cmocka_unit_test(test_misplaced_options),
		cmocka_unit_test(test_dev_dup),
		cmocka_unit_test(test_route_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
