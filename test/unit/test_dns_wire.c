/* SPDX-License-Identifier: MIT */
/* DNS wire format: the query emitted for a name, real answers (A, AAAA, a CNAME chain, all
 * with name compression) built byte by byte, and the attacks a resolver's parser meets:
 * compression loops (a pointer to itself, two pointing at each other, a forward pointer),
 * pointer chains past the hop bound, labels running past the packet, names over 255 bytes,
 * reserved label types, NUL and dot bytes inside labels, answer counts that lie, record data of the wrong length, and every
 * truncation of a good answer; AAAA records (RFC 3596: 16 bytes, 15 and 17 refused) and
 * the SOA of a negative answer's authority section (RFC 2308). Each refusal is checked under its dns.* counter too. */
#include "test/unit/testlib.h"

#include <errno.h>
#include <string.h>

#include "dns/dns_wire.h"
#include "net/stats.h"

/* A message under construction. */
struct msg {
	uint8_t b[1024];
	size_t n;
};

static void put(struct msg *m, const void *p, size_t n)
{
	assert_true(m->n + n <= sizeof(m->b));
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void put8(struct msg *m, uint8_t v)
{
	put(m, &v, 1);
}

static void put16(struct msg *m, uint16_t v)
{
	put8(m, (uint8_t)(v >> 8));
	put8(m, (uint8_t)v);
}

static void put32(struct msg *m, uint32_t v)
{
	put16(m, (uint16_t)(v >> 16));
	put16(m, (uint16_t)v);
}

/* A dotted name in wire form, uncompressed. */
static void put_name(struct msg *m, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		put8(m, (uint8_t)l);
		put(m, name, l);
		name += l + (dot ? 1 : 0);
	}
	put8(m, 0);
}

static void put_hdr(struct msg *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an)
{
	m->n = 0;
	put16(m, id);
	put16(m, flags);
	put16(m, qd);
	put16(m, an);
	put16(m, 0);
	put16(m, 0);
}

/* Record head after its name: type, class IN, ttl, rdlength. */
static void put_rr(struct msg *m, uint16_t type, uint32_t ttl, uint16_t rdlen)
{
	put16(m, type);
	put16(m, DNS_CLASS_IN);
	put32(m, ttl);
	put16(m, rdlen);
}

#define RESP (DNS_F_QR | DNS_F_RD | DNS_F_RA)

/* www.example.test A: www.example.test CNAME web.example.test (compressed against the
 * question), web.example.test A 192.0.2.80 and AAAA 2001:db8::80. */
static void build_chain(struct msg *m)
{
	put_hdr(m, 0x1234, RESP, 1, 3);
	put_name(m, "www.example.test"); /* at 12; "example.test" at 16 */
	put16(m, DNS_TYPE_A);
	put16(m, DNS_CLASS_IN);
	put16(m, 0xc00c);
	put_rr(m, DNS_TYPE_CNAME, 300, 6);
	put8(m, 3); /* the CNAME's data at 12+18+4+12 = 46: "web" + pointer to 16 */
	put(m, "web", 3);
	put16(m, 0xc010);
	put16(m, 0xc000 | 46);
	put_rr(m, DNS_TYPE_A, 60, 4);
	put(m, "\xc0\x00\x02\x50", 4);
	put16(m, 0xc000 | 46);
	put_rr(m, DNS_TYPE_AAAA, 120, 16);
	put(m, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x80", 16);
}

static int setup(void **state)
{
	(void)state;
	stats_reset();
	return 0;
}

static uint64_t counter(const char *name)
{
	const uint64_t *c = stats_find(name);

	assert_non_null(c);
	return *c;
}

static void test_query_emit(void **state)
{
	static const uint8_t want[] = {
		0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		3, 'w', 'e', 'b', 4, 't', 'e', 's', 't', 0, 0, 28, 0, 1,
	};
	uint8_t b[DNS_UDP_MAX];
	char longlabel[80], longname[300];

	(void)state;
	assert_int_equal(dns_query_emit(0xbeef, "web.test", DNS_TYPE_AAAA, b, sizeof(b)),
			 sizeof(want));
	assert_memory_equal(b, want, sizeof(want));
	assert_int_equal(dns_query_emit(0xbeef, "web.test.", DNS_TYPE_AAAA, b, sizeof(b)),
			 sizeof(want));
	assert_memory_equal(b, want, sizeof(want));
	assert_int_equal(dns_query_emit(1, "", DNS_TYPE_A, b, sizeof(b)), -EINVAL);
	assert_int_equal(dns_query_emit(1, ".", DNS_TYPE_A, b, sizeof(b)), -EINVAL);
	assert_int_equal(dns_query_emit(1, "a..b", DNS_TYPE_A, b, sizeof(b)), -EINVAL);
	assert_int_equal(dns_query_emit(1, ".a", DNS_TYPE_A, b, sizeof(b)), -EINVAL);
	assert_int_equal(dns_query_emit(1, "a..", DNS_TYPE_A, b, sizeof(b)), -EINVAL);
	memset(longlabel, 'x', 64);
	longlabel[64] = '\0';
	assert_int_equal(dns_query_emit(1, longlabel, DNS_TYPE_A, b, sizeof(b)), -EINVAL);
	longlabel[63] = '\0';
	assert_int_equal(dns_query_emit(1, longlabel, DNS_TYPE_A, b, sizeof(b)), 12 + 65 + 4);
	/* 253 characters is the longest name; 254 is one too many. */
	memset(longname, 'a', 253);
	for (int i = 1; i < 253; i += 2)
		longname[i] = '.';
	longname[253] = '\0';
	assert_int_equal(dns_query_emit(1, longname, DNS_TYPE_A, b, sizeof(b)), 12 + 255 + 4);
	longname[253] = '.';
	longname[254] = '\0';
	assert_int_equal(dns_query_emit(1, longname, DNS_TYPE_A, b, sizeof(b)), 12 + 255 + 4);
	longname[253] = 'b';
	assert_int_equal(dns_query_emit(1, longname, DNS_TYPE_A, b, sizeof(b)), -EINVAL);
	assert_int_equal(dns_query_emit(1, "web.test", DNS_TYPE_A, b, 20), -ENOSPC);
}

/* The emitted query, answered: the parser reads back what the emitter wrote. */
static void test_query_round_trip(void **state)
{
	struct msg m = { .n = 0 };
	struct dns_msg out;
	int n;

	(void)state;
	n = dns_query_emit(7, "Web.Example.TEST", DNS_TYPE_A, m.b, sizeof(m.b));
	assert_true(n > 0);
	m.n = (size_t)n;
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_NOT_RESPONSE);
	m.b[2] |= 0x80;
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_OK);
	assert_int_equal(out.h.id, 7);
	assert_string_equal(out.qname, "Web.Example.TEST");
	assert_true(dns_name_equal(out.qname, "web.example.test."));
	assert_false(dns_name_equal(out.qname, "web.example.tes"));
	assert_int_equal(out.qtype, DNS_TYPE_A);
	assert_int_equal(out.nan, 0);
}

static void test_chain_answer(void **state)
{
	struct msg m;
	struct dns_msg out;

	(void)state;
	build_chain(&m);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_OK);
	assert_int_equal(out.h.id, 0x1234);
	assert_string_equal(out.qname, "www.example.test");
	assert_int_equal(out.nan, 3);
	assert_int_equal(out.skipped, 0);
	assert_string_equal(out.an[0].name, "www.example.test");
	assert_int_equal(out.an[0].type, DNS_TYPE_CNAME);
	assert_int_equal(out.an[0].ttl, 300);
	assert_string_equal(out.an[0].rd.cname, "web.example.test");
	assert_string_equal(out.an[1].name, "web.example.test");
	assert_int_equal(out.an[1].type, DNS_TYPE_A);
	assert_int_equal(out.an[1].ttl, 60);
	assert_memory_equal(out.an[1].rd.a, "\xc0\x00\x02\x50", 4);
	assert_int_equal(out.an[2].type, DNS_TYPE_AAAA);
	assert_int_equal(out.an[2].rd.aaaa[15], 0x80);
}

/* Every cut of a good answer is refused, none read past the end (the sanitizer build
 * would see it), and each refusal is a parse error, never OK. */
static void test_every_truncation(void **state)
{
	struct msg m;
	struct dns_msg out;

	(void)state;
	build_chain(&m);
	for (size_t n = 0; n < m.n; n++) {
		uint8_t cut[sizeof(m.b)];
		int err;

		memcpy(cut, m.b, n); /* a copy of exactly n bytes, so ASan sees any over-read */
		err = dns_parse_response(cut, n, &out);
		assert_true(err < 0);
		dns_stat_parse_error(err);
	}
	assert_int_equal(counter("dns.rx_short"), DNS_HDR_LEN);
	assert_true(counter("dns.rx_truncated") + counter("dns.rx_count") +
			    counter("dns.rx_rdata") == m.n - DNS_HDR_LEN);
}

/* Answers of other types and classes are skipped, and past DNS_ANSWERS_MAX too. */
static void test_skipped_answers(void **state)
{
	struct msg m;
	struct dns_msg out;
	int total = DNS_ANSWERS_MAX + 3;

	(void)state;
	put_hdr(&m, 1, RESP, 1, (uint16_t)(total + 1));
	put_name(&m, "a.test");
	put16(&m, DNS_TYPE_A);
	put16(&m, DNS_CLASS_IN);
	put16(&m, 0xc00c);
	put_rr(&m, 16, 5, 3); /* TXT */
	put(&m, "\x02hi", 3);
	for (int i = 0; i < total; i++) {
		put16(&m, 0xc00c);
		put_rr(&m, DNS_TYPE_A, 5, 4);
		put32(&m, 0x0a000000u + (uint32_t)i);
	}
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_OK);
	assert_int_equal(out.nan, DNS_ANSWERS_MAX);
	assert_int_equal(out.skipped, 4);
	assert_int_equal(out.an[DNS_ANSWERS_MAX - 1].rd.a[3], DNS_ANSWERS_MAX - 1);
}

/* One malformed message per refusal: the bytes after the header, and what is expected. */
static void test_attacks(void **state)
{
	struct msg m;
	struct dns_msg out;
	char big[70];

	(void)state;
	memset(big, 'z', sizeof(big));

	/* A query, not a response. */
	put_hdr(&m, 1, DNS_F_RD, 1, 0);
	put_name(&m, "a.test");
	put32(&m, 0x00010001);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_NOT_RESPONSE);
	/* A response to another opcode (STATUS). */
	put_hdr(&m, 1, RESP | 2 << 11, 1, 0);
	put_name(&m, "a.test");
	put32(&m, 0x00010001);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_NOT_RESPONSE);
	/* No question, two questions. */
	put_hdr(&m, 1, RESP, 0, 0);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_QDCOUNT);
	put_hdr(&m, 1, RESP, 2, 0);
	put_name(&m, "a.test");
	put32(&m, 0x00010001);
	put_name(&m, "b.test");
	put32(&m, 0x00010001);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_QDCOUNT);

	/* A pointer to itself: the question's name is just a pointer to offset 12. */
	put_hdr(&m, 1, RESP, 1, 0);
	put16(&m, 0xc00c);
	put32(&m, 0x00010001);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_PTR);
	/* Two names pointing at each other: the question ends with a pointer to the answer's
	 * name (forward), which points back. */
	put_hdr(&m, 1, RESP, 1, 1);
	put8(&m, 1);
	put8(&m, 'a');
	put16(&m, 0xc000 | 20);   /* at 14 -> 20, forward */
	put32(&m, 0x00010001);    /* 16..19 */
	put8(&m, 1);              /* 20: "b" then pointer to 12 */
	put8(&m, 'b');
	put16(&m, 0xc00c);
	put_rr(&m, DNS_TYPE_A, 1, 4);
	put32(&m, 0);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_PTR);
	/* A label, then a pointer back to that same label: the classic loop. */
	put_hdr(&m, 1, RESP, 1, 0);
	put8(&m, 1);
	put8(&m, 'a');
	put16(&m, 0xc00c);
	put32(&m, 0x00010001);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_PTR);
	/* A pointer into the header. */
	put_hdr(&m, 1, RESP, 1, 0);
	put16(&m, 0xc002);
	put32(&m, 0x00010001);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_PTR);
	/* A pointer past the end of the packet. */
	put_hdr(&m, 1, RESP, 1, 0);
	put_name(&m, "a.test");
	put32(&m, 0x00010001);
	put16(&m, 0xc000 | 12);
	m.b[12] = 0xff; /* the question's first byte is now a pointer to 0x3f61 */
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_PTR);
	/* A chain of DNS_PTR_HOPS_MAX + 1 pointers, each strictly backward: every one is
	 * legal alone, the chain is too long. */
	put_hdr(&m, 1, RESP, 1, 2);
	put_name(&m, "a");        /* 12..14 */
	put32(&m, 0x00010001);    /* 15..18 */
	put16(&m, 0xc00c);        /* a TXT record (skipped) whose data holds the chain */
	put_rr(&m, 16, 1, 2 * (DNS_PTR_HOPS_MAX + 1));
	{
		size_t prev = 12;

		for (int i = 0; i < DNS_PTR_HOPS_MAX + 1; i++) {
			size_t here = m.n;

			put16(&m, (uint16_t)(0xc000 | prev));
			prev = here;
		}
		/* the second answer's name: a pointer to the last link */
		put16(&m, (uint16_t)(0xc000 | prev));
	}
	put_rr(&m, DNS_TYPE_A, 1, 4);
	put32(&m, 0);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_PTR_HOPS);

	/* A label whose length runs past the packet. */
	put_hdr(&m, 1, RESP, 1, 0);
	put8(&m, 63);
	put(&m, "abc", 3);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_TRUNCATED);
	/* The reserved label types 0x40 and 0x80 (RFC 6891 retired 0x40's use). */
	put_hdr(&m, 1, RESP, 1, 0);
	put8(&m, 0x41);
	put8(&m, 'a');
	put8(&m, 0);
	put32(&m, 0x00010001);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_LABEL);
	m.b[12] = 0x81;
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_LABEL);
	/* A NUL inside a label (a C string would end there: "bank.test\0.evil" read as
	 * "bank.test"), and a dot inside one. */
	put_hdr(&m, 1, RESP, 1, 0);
	put8(&m, 4);
	put(&m, "ba\0k", 4);
	put8(&m, 0);
	put32(&m, 0x00010001);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_LABEL);
	m.b[15] = '.';
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_LABEL);
	m.b[15] = 'n';
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_OK);
	assert_string_equal(out.qname, "bank");
	/* A name of 256 bytes in wire form: four 63-byte labels (256 with the root). */
	put_hdr(&m, 1, RESP, 1, 0);
	for (int i = 0; i < 4; i++) {
		put8(&m, 63);
		put(&m, big, 63);
	}
	put8(&m, 0);
	put32(&m, 0x00010001);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_NAME_LONG);
	/* 255 bytes is the longest: 3 labels of 63, one of 61. */
	put_hdr(&m, 1, RESP, 1, 0);
	for (int i = 0; i < 3; i++) {
		put8(&m, 63);
		put(&m, big, 63);
	}
	put8(&m, 61);
	put(&m, big, 61);
	put8(&m, 0);
	put32(&m, 0x00010001);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_OK);
	assert_int_equal(strlen(out.qname), 253);
	/* The same length reached through compression: a 190-byte suffix in the question, an
	 * answer adding 66 bytes in front of a pointer to it. */
	put_hdr(&m, 1, RESP, 1, 1);
	for (int i = 0; i < 3; i++) {
		put8(&m, 62);
		put(&m, big, 62);
	}
	put8(&m, 0);              /* 3 * 63 + 1 = 190 */
	put32(&m, 0x00010001);
	put8(&m, 63);
	put(&m, big, 63);
	put8(&m, 1);
	put8(&m, 'q');
	put16(&m, 0xc00c);        /* 64 + 2 + 190 = 256 */
	put_rr(&m, DNS_TYPE_A, 1, 4);
	put32(&m, 0);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_NAME_LONG);

	/* An answer count that lies: 1000 answers in a few bytes. */
	put_hdr(&m, 1, RESP, 1, 1000);
	put_name(&m, "a.test");
	put32(&m, 0x00010001);
	put16(&m, 0xc00c);
	put_rr(&m, DNS_TYPE_A, 1, 4);
	put32(&m, 0);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_COUNT);
	/* A count off by one: two promised, room for the second's minimum size, not there. */
	put_hdr(&m, 1, RESP, 1, 2);
	put_name(&m, "a.test");
	put32(&m, 0x00010001);
	put16(&m, 0xc00c);
	put_rr(&m, DNS_TYPE_A, 1, 4);
	put32(&m, 0);
	put(&m, "\0\0\0\0\0\0\0\0\0\0\0", 11);
	m.b[m.n - 2] = 0; /* rdlength 0x0000, type 0: a legal unknown record */
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_OK);
	assert_int_equal(out.nan, 1);
	assert_int_equal(out.skipped, 1);
	m.b[m.n - 1] = 9; /* rdlength 9 with no data behind it */
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_TRUNCATED);

	/* Record data of the wrong size: A of 5, AAAA of 4, a CNAME running past rdlength. */
	put_hdr(&m, 1, RESP, 1, 1);
	put_name(&m, "a.test");
	put32(&m, 0x00010001);
	put16(&m, 0xc00c);
	put_rr(&m, DNS_TYPE_A, 1, 5);
	put(&m, "\1\2\3\4\5", 5);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_RDATA);
	put_hdr(&m, 1, RESP, 1, 1);
	put_name(&m, "a.test");
	put32(&m, 0x0001c001);
	put16(&m, 0xc00c);
	put_rr(&m, DNS_TYPE_AAAA, 1, 4);
	put32(&m, 0);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_RDATA);
	put_hdr(&m, 1, RESP, 1, 1);
	put_name(&m, "a.test");
	put32(&m, 0x00010001);
	put16(&m, 0xc00c);
	put_rr(&m, DNS_TYPE_CNAME, 1, 3);
	put_name(&m, "bb.test"); /* 9 bytes, rdlength says 3 */
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_RDATA);
	/* A CNAME whose name ends before rdlength does. */
	put_hdr(&m, 1, RESP, 1, 1);
	put_name(&m, "a.test");
	put32(&m, 0x00010001);
	put16(&m, 0xc00c);
	put_rr(&m, DNS_TYPE_CNAME, 1, 4);
	put16(&m, 0xc00c);
	put16(&m, 0);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_RDATA);
}

/* AAAA (RFC 3596 2.2): 16 bytes of data, nothing else; each truncation refused. */
static void build_aaaa(struct msg *m, uint16_t rdlen, size_t have)
{
	static const uint8_t addr[17] = "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x07\xff";

	put_hdr(m, 7, RESP, 1, 1);
	put_name(m, "six.test");
	put16(m, DNS_TYPE_AAAA);
	put16(m, DNS_CLASS_IN);
	put16(m, 0xc00c);
	put_rr(m, DNS_TYPE_AAAA, 90, rdlen);
	put(m, addr, have);
}

static void test_aaaa(void **state)
{
	static struct dns_msg out;
	struct msg m;

	(void)state;
	build_aaaa(&m, 16, 16);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_OK);
	assert_int_equal(out.qtype, DNS_TYPE_AAAA);
	assert_int_equal(out.nan, 1);
	assert_int_equal(out.an[0].type, DNS_TYPE_AAAA);
	assert_int_equal(out.an[0].ttl, 90);
	assert_string_equal(out.an[0].name, "six.test");
	assert_memory_equal(out.an[0].rd.aaaa, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x07", 16);
	/* every cut of the record, its data included: past the end, or (fewer than 11
	 * bytes left) the count refused before the record is read */
	for (size_t cut = 1; cut <= 28; cut++)
		assert_int_equal(dns_parse_response(m.b, m.n - cut, &out),
				 cut <= 28 - DNS_RR_MIN_LEN ? DNS_PARSE_TRUNCATED : DNS_PARSE_COUNT);
	/* rdlength 15 and 17 with the bytes there: wrong size, not an address */
	build_aaaa(&m, 15, 15);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_RDATA);
	build_aaaa(&m, 17, 17);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_RDATA);
	/* rdlength 17 over 16 bytes: past the end */
	build_aaaa(&m, 17, 16);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_TRUNCATED);
	/* rdlength 15 with 16 bytes behind it: refused for its length, the byte left
	 * over never read as something else */
	build_aaaa(&m, 15, 16);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_RDATA);
}

/* A negative answer: no answers, the zone's SOA in the authority section (RFC 2308 3),
 * after an NS record that is skipped; the SOA's own TTL and MINIMUM kept. */
static void build_soa(struct msg *m, uint16_t rcode, uint32_t ttl, uint32_t minimum)
{
	put_hdr(m, 9, RESP | rcode, 1, 0);
	m->b[9] = 2; /* nscount */
	put_name(m, "nx.lab.test"); /* at 12; "lab.test" at 15, "test" at 19 */
	put16(m, DNS_TYPE_A);
	put16(m, DNS_CLASS_IN);
	put16(m, 0xc000 | 15);
	put_rr(m, 2 /* NS */, 60, 2);
	put16(m, 0xc00c);
	put16(m, 0xc000 | 15);
	put_rr(m, DNS_TYPE_SOA, ttl, 2 + 2 + 20);
	put16(m, 0xc00c); /* MNAME */
	put16(m, 0xc000 | 19); /* RNAME */
	put32(m, 2026120301);
	put32(m, 3600);
	put32(m, 600);
	put32(m, 86400);
	put32(m, minimum);
}

static void test_soa(void **state)
{
	static struct dns_msg out;
	struct msg m;

	(void)state;
	build_soa(&m, DNS_RCODE_NXDOMAIN, 300, 60);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_OK);
	assert_int_equal(DNS_RCODE(out.h.flags), DNS_RCODE_NXDOMAIN);
	assert_int_equal(out.nan, 0);
	assert_true(out.has_soa);
	assert_string_equal(out.soa_name, "lab.test");
	assert_int_equal(out.soa_ttl, 300);
	assert_int_equal(out.soa_minimum, 60);
	/* the smaller of the two, for a name under the zone only */
	assert_int_equal(dns_negative_ttl(&out, "nx.lab.test"), 60);
	assert_int_equal(dns_negative_ttl(&out, "LAB.test."), 60);
	assert_int_equal(dns_negative_ttl(&out, "nx.test"), 0);
	assert_int_equal(dns_negative_ttl(&out, "xlab.test"), 0);
	build_soa(&m, 0, 30, 3600);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_OK);
	assert_int_equal(dns_negative_ttl(&out, "nx.lab.test"), 30);
	/* every truncation refused */
	for (size_t cut = 1; cut < m.n - 29; cut++)
		assert_int_equal(dns_parse_response(m.b, m.n - cut, &out) < 0, 1);
	/* SOA data one byte short of its five numbers, or one byte over */
	build_soa(&m, 0, 30, 3600);
	m.b[m.n - 24 - 1] = 23;
	assert_int_equal(dns_parse_response(m.b, m.n - 1, &out), DNS_PARSE_RDATA);
	build_soa(&m, 0, 30, 3600);
	m.b[m.n - 24 - 1] = 25;
	put8(&m, 0);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_RDATA);
	/* an MNAME running past the record's data */
	build_soa(&m, 0, 30, 3600);
	m.b[m.n - 24 - 1] = 1;
	m.n -= 23;
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_RDATA);
	/* an authority count that lies */
	build_soa(&m, 0, 30, 3600);
	m.b[9] = 40;
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_COUNT);
	/* no authority section: no SOA, nothing to cache by */
	put_hdr(&m, 9, RESP | DNS_RCODE_NXDOMAIN, 1, 0);
	put_name(&m, "nx.lab.test");
	put32(&m, 0x00010001);
	assert_int_equal(dns_parse_response(m.b, m.n, &out), DNS_PARSE_OK);
	assert_false(out.has_soa);
	assert_int_equal(dns_negative_ttl(&out, "nx.lab.test"), 0);
	assert_true(dns_name_under("a.b.test", ""));
	assert_true(dns_name_under("test.", "TEST"));
	assert_false(dns_name_under("test", "a.test"));
}

/* Each refusal has its own counter. */
static void test_counters(void **state)
{
	static const struct {
		int err;
		const char *name;
	} cases[] = {
		{ DNS_PARSE_SHORT, "dns.rx_short" },
		{ DNS_PARSE_NOT_RESPONSE, "dns.rx_not_response" },
		{ DNS_PARSE_QDCOUNT, "dns.rx_qdcount" },
		{ DNS_PARSE_COUNT, "dns.rx_count" },
		{ DNS_PARSE_TRUNCATED, "dns.rx_truncated" },
		{ DNS_PARSE_LABEL, "dns.rx_label" },
		{ DNS_PARSE_NAME_LONG, "dns.rx_name_long" },
		{ DNS_PARSE_PTR, "dns.rx_ptr" },
		{ DNS_PARSE_PTR_HOPS, "dns.rx_ptr_hops" },
		{ DNS_PARSE_RDATA, "dns.rx_rdata" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(counter(cases[i].name), 0);
		dns_stat_parse_error(cases[i].err);
		assert_int_equal(counter(cases[i].name), 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_query_emit, setup),
		cmocka_unit_test_setup(test_query_round_trip, setup),
		cmocka_unit_test_setup(test_chain_answer, setup),
		cmocka_unit_test_setup(test_every_truncation, setup),
		cmocka_unit_test_setup(test_skipped_answers, setup),
		cmocka_unit_test_setup(test_attacks, setup),
		cmocka_unit_test_setup(test_aaaa, setup),
		cmocka_unit_test_setup(test_soa, setup),
		cmocka_unit_test_setup(test_counters, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
