/* SPDX-License-Identifier: MIT */
/* The Internet checksum (RFC 1071) against a plain word-by-word reference, for every length
 * and alignment a packet can have, and the RFC's own example. */
#include "test/unit/testlib.h"

#include <stdlib.h>

#include "net/cksum.h"

/* RFC 1071 section 1 as written: 16-bit big-endian words, end-around carry. */
static uint32_t ref_add(uint32_t sum, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static void test_rfc1071_example(void **state)
{
	/* RFC 1071 section 3: the sum of 00 01 f2 03 f4 f5 f6 f7 is ddf2. */
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	(void)state;
	assert_int_equal(cksum_add(0, b, sizeof(b)), 0xddf2);
	assert_int_equal(cksum(b, sizeof(b)), 0x220d);
}

static void test_matches_reference(void **state)
{
	uint8_t *buf = malloc(4096 + 8);

	(void)state;
	assert_non_null(buf);
	srand(7);
	for (int round = 0; round < 4; round++) {
		/* all-ones data drives the carries hardest; random data covers the rest */
		for (size_t i = 0; i < 4096 + 8; i++)
			buf[i] = round == 0 ? 0xff : (uint8_t)rand();
		for (size_t off = 0; off < 8; off++)
			for (size_t len = 0; len <= 4096; len += (len < 300 ? 1 : 97)) {
				uint32_t start = round == 3 ? 0xfffe : 0;
				uint16_t got = cksum_finish(cksum_add(start, buf + off, len));
				uint16_t want = cksum_finish(ref_add(start, buf + off, len));
				if (got != want)
					fail_msg("round %d off %zu len %zu: %04x != %04x", round, off, len, got, want);
			}
	}
	free(buf);
}

/* A super-segment's length of all-ones words: the most every partial sum can carry. */
static void test_large_all_ones(void **state)
{
	size_t n = 65535 + 8;
	uint8_t *buf = malloc(n);

	(void)state;
	assert_non_null(buf);
	memset(buf, 0xff, n);
	for (size_t off = 0; off < 4; off++)
		for (size_t len = 65400; len <= 65535; len += 27)
			assert_int_equal(cksum_finish(cksum_add(0xffff, buf + off, len)),
					 cksum_finish(ref_add(0xffff, buf + off, len)));
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(0xf0 | i);
	assert_int_equal(cksum_finish(cksum_add(0, buf + 1, 65535)),
			 cksum_finish(ref_add(0, buf + 1, 65535)));
	free(buf);
}

static void test_incremental(void **state)
{
	uint8_t b[1500];

	(void)state;
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 7 + 3);
	/* even-length pieces chain exactly like one buffer */
	assert_int_equal(cksum_finish(cksum_add(cksum_add(0, b, 20), b + 20, sizeof(b) - 20)),
			 cksum(b, sizeof(b)));
	/* a buffer holding its own correct checksum sums to zero */
	b[10] = b[11] = 0;
	{
		uint16_t c = cksum(b, 20);
		b[10] = (uint8_t)(c >> 8);
		b[11] = (uint8_t)c;
	}
	assert_int_equal(cksum(b, 20), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1071_example),
		cmocka_unit_test(test_matches_reference),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_large_all_ones),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
