/* SPDX-License-Identifier: MIT */
/* USTACK_PRELOAD's options split into words (pl_env_words, preload/proto.c): what the
 * preload library hands to the ustack program it starts as the stack's host; and the
 * error message a datagram socket's unix end carries in a datagram's place. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "test/unit/testlib.h"
#include "preload/proto.h"

struct words_case {
	const char *val;
	int rc;                     /* the number of words, or -errno */
	const char *want[6];
};

static const struct words_case cases[] = {
	{ "", 0, { NULL } },
	{ "  \t\n ", 0, { NULL } },
	{ "--trace", 1, { "--trace" } },
	{ "--dev tap:ustap0,addr=10.0.0.2/24,host=10.0.0.1/24 --stats", 3,
	  { "--dev", "tap:ustap0,addr=10.0.0.2/24,host=10.0.0.1/24", "--stats" } },
	{ "  --pcap\t/tmp/a.pcap\n--trace  ", 3, { "--pcap", "/tmp/a.pcap", "--trace" } },
	{ "--trace 'tcp port 80'", 2, { "--trace", "tcp port 80" } },
	{ "--trace \"tcp port 80\"", 2, { "--trace", "tcp port 80" } },
	{ "a'b c'd", 1, { "ab cd" } },
	{ "'' x", 2, { "", "x" } },
	{ "\"\"", 1, { "" } },
	{ "a\\ b c", 2, { "a b", "c" } },
	{ "'a\\b'", 1, { "a\\b" } },
	{ "\"a\\\"b\\\\c\\$d\\xe\"", 1, { "a\"b\\c$d\\xe" } },
	{ "\"it's\"", 1, { "it's" } },
	{ "'unclosed", -EINVAL, { NULL } },
	{ "\"unclosed", -EINVAL, { NULL } },
	{ "end\\", -EINVAL, { NULL } },
};

static void test_words_table(void **state)
{
	char buf[256], *words[8];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct words_case *c = &cases[i];
		int rc = pl_env_words(c->val, buf, sizeof(buf), words, 8);

		if (rc != c->rc)
			fail_msg("case %zu '%s': %d words, want %d", i, c->val, rc, c->rc);
		for (int w = 0; w < rc; w++)
			assert_string_equal(words[w], c->want[w]);
	}
}

static void test_words_limits(void **state)
{
	char buf[PL_ENV_LEN_MAX], *words[PL_ENV_WORDS_MAX];
	char val[4 * PL_ENV_WORDS_MAX + 8] = "";

	(void)state;
	/* max words exactly, then one more */
	for (int i = 0; i < PL_ENV_WORDS_MAX; i++)
		strcat(val, "ab ");
	assert_int_equal(pl_env_words(val, buf, sizeof(buf), words, PL_ENV_WORDS_MAX),
			 PL_ENV_WORDS_MAX);
	strcat(val, "x");
	assert_int_equal(pl_env_words(val, buf, sizeof(buf), words, PL_ENV_WORDS_MAX), -E2BIG);
	/* the buffer holds the words and their terminators: "ab\0cd\0" is 6 bytes */
	assert_int_equal(pl_env_words("ab cd", buf, 6, words, 4), 2);
	assert_string_equal(words[1], "cd");
	assert_int_equal(pl_env_words("ab cd", buf, 5, words, 4), -E2BIG);
	assert_int_equal(pl_env_words("ab", buf, 2, words, 4), -E2BIG);
	assert_int_equal(pl_env_words("ab", buf, 3, words, 4), 1);
}

static void test_dgram_err(void **state)
{
	uint8_t b[PL_DGRAM_HDR] = { 0 };
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(53) };

	(void)state;
	pl_dgram_err_encode(ECONNREFUSED, b);
	assert_int_equal(pl_dgram_err_decode(b, PL_DGRAM_ERR_LEN), ECONNREFUSED);
	/* only a message of exactly that length, with an errno in range */
	assert_int_equal(pl_dgram_err_decode(b, PL_DGRAM_ERR_LEN - 1), 0);
	assert_int_equal(pl_dgram_err_decode(b, PL_DGRAM_ERR_LEN + 1), 0);
	pl_dgram_err_encode(0, b);
	assert_int_equal(pl_dgram_err_decode(b, PL_DGRAM_ERR_LEN), 0);
	pl_dgram_err_encode(5000, b);
	assert_int_equal(pl_dgram_err_decode(b, PL_DGRAM_ERR_LEN), 0);
	/* a datagram's header is never taken for one */
	pl_dgram_encode((const struct sockaddr *)&sin, b);
	assert_int_equal(pl_dgram_err_decode(b, PL_DGRAM_HDR), 0);
	assert_true(PL_DGRAM_ERR_LEN < PL_DGRAM_HDR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dgram_err),
		cmocka_unit_test(test_words_table),
		cmocka_unit_test(test_words_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
