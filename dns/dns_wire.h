/* SPDX-License-Identifier: MIT */
/* DNS messages (RFC 1035, AAAA from RFC 3596): a query emitted from a name and a type, and
 * a response parsed into a plain struct. Pure functions over byte buffers, no state.
 *
 * The parser is written for hostile input: every read is checked against the packet's
 * length, a name may hold at most DNS_NAME_MAX bytes in wire form with labels of at most
 * DNS_LABEL_MAX, a compression pointer must point before the run of labels it ends (so the
 * walk always moves toward the start of the packet and cannot loop) and at most
 * DNS_PTR_HOPS_MAX are followed per name, and the header's counts are checked against the
 * bytes that are there before any record is read. Each way of failing has its own return
 * code and its own dns.* counter (dns_stat_parse_error). */
#ifndef DNS_DNS_WIRE_H
#define DNS_DNS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "net/stats.h"

#define DNS_PORT 53
#define DNS_HDR_LEN 12
#define DNS_NAME_MAX 255      /* a name in wire form, length bytes and root label included */
#define DNS_LABEL_MAX 63
#define DNS_NAME_TEXT_MAX 254 /* the dotted text of the longest name (253) and its NUL */
#define DNS_PTR_HOPS_MAX 16   /* compression pointers followed in one name */
#define DNS_ANSWERS_MAX 16    /* answer records kept from one response; more are skipped */
#define DNS_UDP_MAX 512       /* a UDP message without EDNS (RFC 1035 4.2.1) */
#define DNS_RR_MIN_LEN 11     /* a record with the root as its name and no data */

#define DNS_TYPE_A 1
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_SOA 6
#define DNS_TYPE_AAAA 28
#define DNS_CLASS_IN 1

#define DNS_F_QR 0x8000
#define DNS_F_TC 0x0200
#define DNS_F_RD 0x0100
#define DNS_F_RA 0x0080
#define DNS_RCODE(flags) ((flags) & 0x000f)
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3

/* Why dns_parse_response refused a message; each has a counter of the same name. */
enum dns_parse_err {
	DNS_PARSE_OK = 0,
	DNS_PARSE_SHORT = -1,        /* shorter than the header */
	DNS_PARSE_NOT_RESPONSE = -2, /* QR clear, or an opcode other than QUERY */
	DNS_PARSE_QDCOUNT = -3,      /* not exactly one question */
	DNS_PARSE_COUNT = -4,        /* more answers than the bytes left could hold */
	DNS_PARSE_TRUNCATED = -5,    /* a name, question or record runs past the end */
	DNS_PARSE_LABEL = -6,        /* a label type other than length or pointer (0x40, 0x80),
				      * or a label holding a NUL or a dot byte */
	DNS_PARSE_NAME_LONG = -7,    /* a name longer than DNS_NAME_MAX */
	DNS_PARSE_PTR = -8,          /* a pointer not before the labels it ends (a loop) */
	DNS_PARSE_PTR_HOPS = -9,     /* more than DNS_PTR_HOPS_MAX pointers in one name */
	DNS_PARSE_RDATA = -10,       /* A not 4 bytes, AAAA not 16, CNAME data not one name,
				      * SOA data not two names and five 32-bit numbers */
};

/* Counters: the parser's refusals (rx_*), then the resolver's. */
#define DNS_COUNTERS(X)                                                                    \
	X(rx_short) X(rx_not_response) X(rx_qdcount) X(rx_count) X(rx_truncated)          \
	X(rx_label) X(rx_name_long) X(rx_ptr) X(rx_ptr_hops) X(rx_rdata)                  \
	X(rx_bad_source) X(rx_bad_id) X(rx_bad_question) X(rx_truncated_answers)          \
	X(rx_tcp_too_long) X(rx_server_fail) X(rx_errors) X(queries) X(tcp_queries) X(timeouts)         \
	X(hosts_hits) X(cache_hits) X(neg_cache_hits) X(answers) X(nxdomain) X(nodata)    \
	X(cname_too_long) X(search_tries)
STATS_DECLARE(dns, DNS_COUNTERS);
#define dns_stats STATS_REF(dns)

struct dns_hdr {
	uint16_t id;
	uint16_t flags;
	uint16_t qdcount, ancount, nscount, arcount;
};

struct dns_rr {
	char name[DNS_NAME_TEXT_MAX]; /* dotted, no trailing dot; "" is the root */
	uint16_t type, class;
	uint32_t ttl;
	union {
		uint8_t a[4];
		uint8_t aaaa[16];
		char cname[DNS_NAME_TEXT_MAX];
	} rd;
};

struct dns_msg {
	struct dns_hdr h;
	char qname[DNS_NAME_TEXT_MAX];
	uint16_t qtype, qclass;
	int nan;                 /* answers kept in an[] (A, AAAA and CNAME of class IN) */
	int skipped;             /* answers of other types or classes, or past DNS_ANSWERS_MAX */
	struct dns_rr an[DNS_ANSWERS_MAX];
	/* The authority section's first SOA record of class IN (RFC 2308 3: what a negative
	 * answer carries for its TTL); other authority records are checked and skipped. */
	int has_soa;
	char soa_name[DNS_NAME_TEXT_MAX]; /* the zone it is the SOA of */
	uint32_t soa_ttl, soa_minimum;
};

/* Writes a standard query (RD set) for one question: `name` dotted, a trailing dot allowed.
 * Returns the message's length, or -EINVAL for a name that is not a valid host name
 * (empty label, label over 63, more than DNS_NAME_MAX in wire form), -ENOSPC when cap is
 * too small. */
int dns_query_emit(uint16_t id, const char *name, uint16_t qtype, uint8_t *b, size_t cap);

/* Parses a response: header, the one question, the answer section, and the authority
 * section for an SOA (the additional section is not read). Returns DNS_PARSE_OK or an enum dns_parse_err; out is
 * only meaningful on DNS_PARSE_OK. */
int dns_parse_response(const uint8_t *b, size_t len, struct dns_msg *out);

/* Reads the header and the one question of any message, query or response (for
 * --trace): out's h, qname, qtype and qclass; no answers. DNS_PARSE_OK or an enum
 * dns_parse_err. */
int dns_parse_question(const uint8_t *b, size_t len, struct dns_msg *out);

/* Reads the header alone (for a caller that wants the ID before parsing); 0 or
 * DNS_PARSE_SHORT. */
int dns_hdr_parse(const uint8_t *b, size_t len, struct dns_hdr *out);

/* Counts a refusal of dns_parse_response under its dns.* counter (current stack). */
void dns_stat_parse_error(int err);

/* Case-insensitive name comparison (RFC 4343), ignoring one trailing dot on either. */
int dns_name_equal(const char *a, const char *b);
/* 1 when name is zone or a name below it ("a.b.test" under "b.test", anything under the
 * root ""), label by label, case-insensitive; else 0. */
int dns_name_under(const char *name, const char *zone);

/* The TTL a negative answer may be cached for (RFC 2308 5): the smaller of the SOA
 * record's own TTL and its MINIMUM field; 0 when the message has no SOA (such an answer is
 * not cached) or the SOA is not of a zone above qname. */
uint32_t dns_negative_ttl(const struct dns_msg *m, const char *qname);

#endif
