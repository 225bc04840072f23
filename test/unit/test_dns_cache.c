/* SPDX-License-Identifier: MIT */
/* The resolver's cache (dns/dns_cache.c) with time passed in: entries keyed by name and
 * type, an NXDOMAIN answering every type and replacing the name's other entries, an
 * answer replacing an NXDOMAIN, expiry to the millisecond, TTL 0 removing, a full table
 * giving up the entry that expires soonest, and a cache of size 0 keeping nothing. */
#include "test/unit/testlib.h"

#include <string.h>

#include "dns/dns_cache.h"

static struct dns_cache_entry entry(const char *name, uint16_t type, int kind, uint8_t last)
{
	struct dns_cache_entry e;

	memset(&e, 0, sizeof(e));
	strcpy(e.name, name);
	strcpy(e.canon, name);
	e.type = type;
	e.kind = (uint8_t)kind;
	if (kind == DNS_CE_ADDR) {
		e.n = 1;
		e.addr[0][3] = last;
	}
	return e;
}

static void test_by_name_and_type(void **state)
{
	struct dns_cache c;
	struct dns_cache_entry e, out;

	(void)state;
	assert_int_equal(dns_cache_init(&c, 8), 0);
	e = entry("web.test", DNS_TYPE_A, DNS_CE_ADDR, 4);
	dns_cache_put(&c, &e, 60, 1000);
	e = entry("web.test", DNS_TYPE_AAAA, DNS_CE_NODATA, 0);
	dns_cache_put(&c, &e, 30, 1000);
	assert_int_equal(dns_cache_get(&c, "WEB.test.", DNS_TYPE_A, 1000, &out), 1);
	assert_int_equal(out.kind, DNS_CE_ADDR);
	assert_int_equal(out.addr[0][3], 4);
	assert_int_equal(dns_cache_get(&c, "web.test", DNS_TYPE_AAAA, 1000, &out), 1);
	assert_int_equal(out.kind, DNS_CE_NODATA);
	assert_int_equal(dns_cache_count(&c, 1000), 2);
	/* expiry to the millisecond, each entry on its own */
	assert_int_equal(dns_cache_get(&c, "web.test", DNS_TYPE_AAAA, 30999, &out), 1);
	assert_int_equal(dns_cache_get(&c, "web.test", DNS_TYPE_AAAA, 31000, &out), 0);
	assert_int_equal(dns_cache_get(&c, "web.test", DNS_TYPE_A, 31000, &out), 1);
	assert_int_equal(dns_cache_get(&c, "web.test", DNS_TYPE_A, 61000, &out), 0);
	assert_int_equal(dns_cache_count(&c, 61000), 0);
	/* a new answer for the same name and type replaces the old one */
	e = entry("web.test", DNS_TYPE_A, DNS_CE_ADDR, 5);
	dns_cache_put(&c, &e, 60, 62000);
	e = entry("web.test", DNS_TYPE_A, DNS_CE_ADDR, 6);
	dns_cache_put(&c, &e, 60, 63000);
	assert_int_equal(dns_cache_count(&c, 63000), 1);
	assert_int_equal(dns_cache_get(&c, "web.test", DNS_TYPE_A, 63000, &out), 1);
	assert_int_equal(out.addr[0][3], 6);
	/* TTL 0: removed, not stored */
	dns_cache_put(&c, &e, 0, 63000);
	assert_int_equal(dns_cache_get(&c, "web.test", DNS_TYPE_A, 63000, &out), 0);
	dns_cache_free(&c);
}

static void test_nxdomain(void **state)
{
	struct dns_cache c;
	struct dns_cache_entry e, out;

	(void)state;
	assert_int_equal(dns_cache_init(&c, 8), 0);
	e = entry("gone.test", DNS_TYPE_A, DNS_CE_ADDR, 1);
	dns_cache_put(&c, &e, 600, 0);
	e = entry("gone.test", DNS_TYPE_AAAA, DNS_CE_NODATA, 0);
	dns_cache_put(&c, &e, 600, 0);
	/* the name is gone: one NXDOMAIN entry answers both types */
	e = entry("gone.test", DNS_TYPE_A, DNS_CE_NXDOMAIN, 0);
	dns_cache_put(&c, &e, 20, 1000);
	assert_int_equal(dns_cache_count(&c, 1000), 1);
	assert_int_equal(dns_cache_get(&c, "gone.test", DNS_TYPE_AAAA, 1000, &out), 1);
	assert_int_equal(out.kind, DNS_CE_NXDOMAIN);
	assert_int_equal(dns_cache_get(&c, "gone.test", DNS_TYPE_A, 20999, &out), 1);
	assert_int_equal(dns_cache_get(&c, "gone.test", DNS_TYPE_A, 21000, &out), 0);
	/* and an answer for the name ends the NXDOMAIN */
	dns_cache_put(&c, &e, 20, 30000);
	e = entry("gone.test", DNS_TYPE_AAAA, DNS_CE_ADDR, 9);
	dns_cache_put(&c, &e, 20, 31000);
	assert_int_equal(dns_cache_get(&c, "gone.test", DNS_TYPE_A, 31000, &out), 0);
	assert_int_equal(dns_cache_get(&c, "gone.test", DNS_TYPE_AAAA, 31000, &out), 1);
	assert_int_equal(out.kind, DNS_CE_ADDR);
	dns_cache_free(&c);
}

static void test_full(void **state)
{
	struct dns_cache c;
	struct dns_cache_entry e, out;

	(void)state;
	assert_int_equal(dns_cache_init(&c, 3), 0);
	e = entry("a.test", DNS_TYPE_A, DNS_CE_ADDR, 1);
	dns_cache_put(&c, &e, 30, 0);
	e = entry("b.test", DNS_TYPE_A, DNS_CE_ADDR, 2);
	dns_cache_put(&c, &e, 10, 0); /* the soonest to expire */
	e = entry("c.test", DNS_TYPE_A, DNS_CE_ADDR, 3);
	dns_cache_put(&c, &e, 20, 0);
	e = entry("d.test", DNS_TYPE_A, DNS_CE_NXDOMAIN, 0);
	dns_cache_put(&c, &e, 40, 0);
	assert_int_equal(dns_cache_count(&c, 0), 3);
	assert_int_equal(dns_cache_get(&c, "b.test", DNS_TYPE_A, 0, &out), 0);
	assert_int_equal(dns_cache_get(&c, "a.test", DNS_TYPE_A, 0, &out), 1);
	assert_int_equal(dns_cache_get(&c, "d.test", DNS_TYPE_A, 0, &out), 1);
	/* an expired entry's slot is taken before a live one */
	e = entry("e.test", DNS_TYPE_A, DNS_CE_ADDR, 5);
	dns_cache_put(&c, &e, 100, 25000); /* c.test expired at 20000 */
	assert_int_equal(dns_cache_get(&c, "a.test", DNS_TYPE_A, 25000, &out), 1);
	assert_int_equal(dns_cache_get(&c, "e.test", DNS_TYPE_A, 25000, &out), 1);
	dns_cache_clear(&c);
	assert_int_equal(dns_cache_count(&c, 25000), 0);
	dns_cache_free(&c);
	/* size 0: nothing kept, nothing found */
	assert_int_equal(dns_cache_init(&c, 0), 0);
	dns_cache_put(&c, &e, 100, 0);
	assert_int_equal(dns_cache_get(&c, "e.test", DNS_TYPE_A, 0, &out), 0);
	dns_cache_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_by_name_and_type),
		cmocka_unit_test(test_nxdomain),
		cmocka_unit_test(test_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
