/* SPDX-License-Identifier: MIT */
/* The family-tagged address type (net/addr.h): equality, the unspecified address, hash
 * words, sockaddr conversion with its length and family checks, text; the pseudo-header sum
 * for both families (net/cksum.h); and the family table that ip/ fills (net/family.h). */
#include "test/unit/testlib.h"

#include "ip/ip.h"
#include "net/addr.h"
#include "net/cksum.h"
#include "net/family.h"

static void test_eq_any(void **state)
{
	struct net_addr a = net_addr_v4(htonl(0x0a000001)), b = a, c = net_addr_v4(0);
	struct net_addr u, v6 = net_addr_any(AF_INET6);

	(void)state;
	memset(&u, 0, sizeof(u));
	assert_true(net_addr_eq(&a, &b));
	assert_false(net_addr_eq(&a, &c));
	assert_false(net_addr_is_any(&a));
	assert_true(net_addr_is_any(&c));
	assert_true(net_addr_is_any(&u));
	assert_true(net_addr_is_any(&v6));
	assert_false(net_addr_eq(&c, &v6)); /* 0.0.0.0 is not :: */
	v6.v6[15] = 1;
	assert_false(net_addr_is_any(&v6));
	struct net_endpoint e1 = net_endpoint_v4(a.v4, 80), e2 = net_endpoint_v4(a.v4, 81);
	assert_false(net_endpoint_eq(&e1, &e2));
	e2.port = 80;
	assert_true(net_endpoint_eq(&e1, &e2));
}

static void test_words(void **state)
{
	struct net_addr a = net_addr_v4(htonl(0xc0a80001)), b = net_addr_any(AF_INET6);
	uint32_t w[4];

	(void)state;
	assert_int_equal(net_addr_words(&a, w), 1);
	assert_int_equal(w[0], a.v4);           /* the hashes keep their IPv4 inputs */
	assert_int_equal(net_addr_hash(&a), a.v4);
	b.v6[0] = 0xfe;
	assert_int_equal(net_addr_words(&b, w), 4);
}

static void test_sockaddr(void **state)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(8080) };
	struct sockaddr_storage ss, in6;
	struct net_endpoint e;

	(void)state;
	memset(&in6, 0, sizeof(in6));
	in6.ss_family = AF_INET6;
	in.sin_addr.s_addr = htonl(0x7f000001);
	assert_int_equal(net_endpoint_from_sockaddr(&e, (struct sockaddr *)&in, sizeof(in)), 0);
	assert_int_equal(e.addr.family, AF_INET);
	assert_int_equal(e.addr.v4, htonl(0x7f000001));
	assert_int_equal(e.port, 8080);
	assert_int_equal(net_endpoint_from_sockaddr(&e, (struct sockaddr *)&in, sizeof(in) - 1),
			 -EINVAL);
	assert_int_equal(net_endpoint_from_sockaddr(&e, NULL, sizeof(in)), -EINVAL);
	assert_int_equal(net_endpoint_from_sockaddr(&e, (struct sockaddr *)&in6,
						   sizeof(struct sockaddr_in6)),
			 -EAFNOSUPPORT);
	e = net_endpoint_v4(htonl(0x0a000002), 53);
	assert_int_equal(net_endpoint_to_sockaddr(&e, &ss), sizeof(struct sockaddr_in));
	memcpy(&in, &ss, sizeof(in));
	assert_int_equal(in.sin_family, AF_INET);
	assert_int_equal(in.sin_port, htons(53));
	assert_int_equal(in.sin_addr.s_addr, htonl(0x0a000002));
}

static void test_ntop(void **state)
{
	struct net_endpoint e = net_endpoint_v4(htonl(0x0a000001), 0);
	struct net_addr v6 = net_addr_any(AF_INET6);
	char buf[NET_ENDPOINT_STRLEN];

	(void)state;
	assert_string_equal(net_addr_ntop(&e.addr, buf, sizeof(buf)), "10.0.0.1");
	assert_string_equal(net_endpoint_ntop(&e, 1, buf, sizeof(buf)), "10.0.0.1:*");
	assert_string_equal(net_endpoint_ntop(&e, 0, buf, sizeof(buf)), "10.0.0.1:0");
	v6.v6[15] = 1;
	e.addr = v6;
	e.port = 80;
	assert_string_equal(net_endpoint_ntop(&e, 1, buf, sizeof(buf)), "[::1]:80");
}

static void test_pseudo_sum(void **state)
{
	struct net_addr s = net_addr_v4(htonl(0x0a000001)), d = net_addr_v4(htonl(0x0a000002));
	struct net_addr s6 = net_addr_any(AF_INET6), d6 = net_addr_any(AF_INET6);

	(void)state;
	assert_int_equal(cksum_pseudo_addr(&s, &d, 6, 40), cksum_pseudo(s.v4, d.v4, 6, 40));
	/* RFC 8200 8.1: ::1 to ::2, 40 bytes of TCP: 1 + 2 + 40 + 6 */
	s6.v6[15] = 1;
	d6.v6[15] = 2;
	assert_int_equal(cksum_finish(cksum_pseudo_addr(&s6, &d6, 6, 40)),
			 (uint16_t)~(1 + 2 + 40 + 6));
}

static void test_family_table(void **state)
{
	const struct net_family_ops *f = net_family(AF_INET);
	struct net_addr b = net_addr_v4(IP_ADDR_BROADCAST), m = net_addr_v4(htonl(0xe0000001));

	(void)state;
	assert_non_null(f); /* ip_init registered IPv4 */
	assert_ptr_equal(f, &ip_family_ops);
	assert_int_equal(f->hdr_len, 20);
	assert_true(f->is_broadcast(&b));
	assert_true(f->is_multicast(&m));
	assert_false(f->is_multicast(&b));
	assert_null(net_family(AF_INET6)); /* no layer carries it yet */
	assert_null(net_family(200));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eq_any),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_sockaddr),
		cmocka_unit_test(test_ntop),
		cmocka_unit_test(test_pseudo_sum),
		cmocka_unit_test(test_family_table),
	};
	ip_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
