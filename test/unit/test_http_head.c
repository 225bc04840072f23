/* SPDX-License-Identifier: MIT */
/* http's head fold (apps/http_head.c): every CR stripped, the blank lines before the
 * request line skipped (RFC 9112 2.2), the LFs at the end cut. Checked on a table of
 * heads and against a byte-by-byte reference on random heads of CR, LF and text. And
 * http_nocase_eq (apps/http_head.h) against strncasecmp, on every byte value and on short
 * strings. The file is compiled in here: it is part of the program, not of libustack. */
#include "test/unit/testlib.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apps/http_head.c"

/* The reference: one byte at a time. */
static size_t fold_ref(char *r, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++)
		if (r[i] != '\r' && !(o == 0 && r[i] == '\n'))
			r[o++] = r[i];
	while (o && r[o - 1] == '\n')
		o--;
	return o;
}

static void check(const char *in, const char *want)
{
	char b[256];
	size_t n = strlen(in), o;

	memcpy(b, in, n + 1);
	o = http_head_fold(b, n);
	assert_int_equal(o, strlen(want));
	assert_memory_equal(b, want, o);
	assert_int_equal(b[n], '\0'); /* r[n] untouched */
}

static void test_table(void **state)
{
	(void)state;
	check("GET / HTTP/1.1\r\nHost: a\r\n\r\n", "GET / HTTP/1.1\nHost: a");
	check("GET / HTTP/1.1\nHost: a\n\n", "GET / HTTP/1.1\nHost: a");
	check("\r\n\r\n\nGET / HTTP/1.0\r\n\r\n", "GET / HTTP/1.0");
	check("\r\n\r\n", "");
	check("", "");
	check("\r", "");
	check("a\rb\r\r\nc\r\n\n", "ab\nc");
	check("GET /x\r HTTP/1.1\r\n\r\n", "GET /x HTTP/1.1");
	check("x", "x");
	check("\n\rx\r", "x");
}

static void test_random(void **state)
{
	static const char alphabet[] = "\r\n\r\nab: ";
	char a[200], b[200];

	(void)state;
	srand(13);
	for (int round = 0; round < 20000; round++) {
		size_t n = (size_t)(rand() % 64), oa, ob;

		for (size_t i = 0; i < n; i++)
			a[i] = alphabet[rand() % (int)(sizeof(alphabet) - 1)];
		memcpy(b, a, n);
		oa = http_head_fold(a, n);
		ob = fold_ref(b, n);
		assert_int_equal(oa, ob);
		assert_memory_equal(a, b, oa);
	}
}

static void test_nocase(void **state)
{
	static const char *const names[] = { "host", "connection", "keep-alive", "http://" };
	char s[32];

	(void)state;
	/* each byte value at each position of each name, the rest of the name as is */
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		size_t n = strlen(names[k]);

		for (size_t pos = 0; pos < n; pos++)
			for (int c = 0; c < 256; c++) {
				memcpy(s, names[k], n + 1);
				s[pos] = (char)c;
				assert_int_equal(http_nocase_eq(s, names[k], n),
						 strncasecmp(s, names[k], n) == 0);
			}
	}
	assert_true(http_nocase_eq("HoSt: x", "host", 4));
	assert_true(http_nocase_eq("KEEP-ALIVE", "keep-alive", 10));
	assert_false(http_nocase_eq("keep", "keep-alive", 10)); /* shorter: stops at its NUL */
	assert_false(http_nocase_eq("", "close", 5));
	assert_true(http_nocase_eq("", "close", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_nocase),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
