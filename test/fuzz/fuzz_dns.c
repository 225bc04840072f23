/* SPDX-License-Identifier: MIT */
/* libFuzzer target over the DNS response parser (dns/dns_wire.c): the input is one message
 * as it would arrive from a name server. Besides the sanitizers' checks (no read past the
 * input, which libFuzzer hands over in a buffer of exactly its size), every accepted message
 * must hold the parser's promises: names within DNS_NAME_TEXT_MAX, at most DNS_ANSWERS_MAX
 * answers kept, an authority SOA's zone a name too and its negative TTL never above its
 * TTL or MINIMUM, and the question's name, emitted as a query and parsed back, reads the
 * same. The cache takes what a resolver would put in it from the message and must find
 * it again.
 * Seeds: test/fuzz/seed_dns.py DIR. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_cache.h"
#include "dns/dns_wire.h"

static void check_name(const char *s)
{
	if (strnlen(s, DNS_NAME_TEXT_MAX) >= DNS_NAME_TEXT_MAX)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_msg m, back;
	uint8_t q[DNS_UDP_MAX];
	int n;

	if (dns_parse_response(data, size, &m) != DNS_PARSE_OK)
		return 0;
	check_name(m.qname);
	if (m.nan < 0 || m.nan > DNS_ANSWERS_MAX || m.nan + m.skipped != m.h.ancount)
		abort();
	for (int i = 0; i < m.nan; i++) {
		const struct dns_rr *rr = &m.an[i];

		check_name(rr->name);
		if (rr->class != DNS_CLASS_IN)
			abort();
		if (rr->type == DNS_TYPE_CNAME)
			check_name(rr->rd.cname);
		else if (rr->type != DNS_TYPE_A && rr->type != DNS_TYPE_AAAA)
			abort();
	}
	if (m.has_soa) {
		uint32_t neg = dns_negative_ttl(&m, m.qname);

		check_name(m.soa_name);
		if (neg > m.soa_ttl || neg > m.soa_minimum)
			abort();
	}
	{
		static struct dns_cache c;
		struct dns_cache_entry e, out;

		if (!c.e && dns_cache_init(&c, 4))
			abort();
		memset(&e, 0, sizeof(e));
		memcpy(e.name, m.qname, sizeof(e.name));
		e.type = m.qtype;
		e.kind = DNS_RCODE(m.h.flags) == DNS_RCODE_NXDOMAIN ? DNS_CE_NXDOMAIN
			 : m.nan ? DNS_CE_ADDR : DNS_CE_NODATA;
		e.n = (uint8_t)(m.nan > DNS_CACHE_ADDRS ? DNS_CACHE_ADDRS : m.nan);
		/* a TTL of 0 is not stored: 1 + the negative TTL, which may be 2^32 - 1
		 * (the resolver caps it at neg_ttl_max_s first) */
		uint32_t ttl = dns_negative_ttl(&m, m.qname);

		dns_cache_put(&c, &e, ttl < 86400 ? ttl + 1 : 86400, 0);
		if (!dns_cache_get(&c, m.qname, m.qtype, 0, &out) || out.kind != e.kind)
			abort();
	}
	n = dns_query_emit(m.h.id, m.qname, m.qtype, q, sizeof(q));
	if (n > 0) {
		q[2] |= 0x80; /* QR: read it back as a response */
		if (dns_parse_response(q, (size_t)n, &back) != DNS_PARSE_OK ||
		    strcmp(back.qname, m.qname) != 0 || back.qtype != m.qtype || back.nan != 0)
			abort();
	}
	return 0;
}
