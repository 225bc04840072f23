/* SPDX-License-Identifier: MIT */
/* Settings by name (net/knob.c), as --dhcp and --nd take them: every item set in order,
 * and each kind of bad item refused with its error and named in `bad`. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net/knob.h"

struct conf {
	unsigned a_ms, b, c;
};

static const struct net_knob knobs[] = {
	NET_KNOB(struct conf, a_ms, 0, 60000, "the first"),
	NET_KNOB(struct conf, b, 1, 10, "the second"),
	NET_KNOB(struct conf, c, 0, 4294967295u, "the third"),
};
#define NK (sizeof(knobs) / sizeof(knobs[0]))

static void test_parse(void **state)
{
	struct conf c = { 5, 5, 5 };
	char bad[32];

	(void)state;
	assert_int_equal(net_knobs_parse(knobs, NK, &c, "a_ms=1500,b=10", bad, sizeof(bad)), 0);
	assert_int_equal(c.a_ms, 1500);
	assert_int_equal(c.b, 10);
	assert_string_equal(bad, "");
	assert_int_equal(net_knobs_parse(knobs, NK, &c, "c=4294967295,", bad, sizeof(bad)), 0);
	assert_int_equal(c.c, 4294967295u);
	assert_int_equal(net_knobs_parse(knobs, NK, &c, "", bad, sizeof(bad)), 0);

	/* the items before a bad one are set; bad names the bad one */
	assert_int_equal(net_knobs_parse(knobs, NK, &c, "a_ms=7,bb=1", bad, sizeof(bad)), -ENOENT);
	assert_int_equal(c.a_ms, 7);
	assert_string_equal(bad, "bb=1");
	assert_int_equal(net_knobs_parse(knobs, NK, &c, "a=1", bad, sizeof(bad)), -ENOENT);
	assert_int_equal(net_knobs_parse(knobs, NK, &c, "b=0", bad, sizeof(bad)), -ERANGE);
	assert_string_equal(bad, "b=0");
	assert_int_equal(net_knobs_parse(knobs, NK, &c, "b=11", bad, sizeof(bad)), -ERANGE);
	assert_int_equal(net_knobs_parse(knobs, NK, &c, "c=4294967296", bad, sizeof(bad)),
			 -ERANGE);
	const char *malformed[] = { "b", "b=", "b=-1", "b=+1", "b= 1", "b=1x", "b=0x1",
				    "b=99999999999999999999" };
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		int rc = net_knobs_parse(knobs, NK, &c, malformed[i], bad, sizeof(bad));

		if (rc != -EINVAL && rc != -ERANGE)
			fail_msg("'%s': %d", malformed[i], rc);
		assert_string_equal(bad, malformed[i]);
	}
	assert_int_equal(c.b, 10);
	/* no room for the message: still judged */
	assert_int_equal(net_knobs_parse(knobs, NK, &c, "zz=1", NULL, 0), -ENOENT);
}

static void test_list(void **state)
{
	struct conf c = { 1000, 3, 0 };
	char buf[512] = "";
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	(void)state;
	assert_non_null(f);
	net_knobs_list(knobs, NK, &c, f);
	fclose(f);
	assert_non_null(strstr(buf, "  a_ms "));
	assert_non_null(strstr(buf, " 1000 "));
	assert_non_null(strstr(buf, "the second (1..10)\n"));
	assert_non_null(strstr(buf, "the third (0..4294967295)\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
