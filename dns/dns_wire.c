/* SPDX-License-Identifier: MIT */
/* DNS query emit and response parse (RFC 1035 4.1, RFC 3596 2.2). Pure functions: no state,
 * no clock. See dns_wire.h for the bounds the parser holds a message to. */
#include "dns/dns_wire.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "net/byteorder.h"

STATS_DEFINE(dns, DNS_COUNTERS)

int dns_query_emit(uint16_t id, const char *name, uint16_t qtype, uint8_t *b, size_t cap)
{
	size_t n = strlen(name), pos = DNS_HDR_LEN, wire = 1;

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0)
		return -EINVAL;
	/* The name's wire form is its text plus one length byte more than the dots, plus the
	 * root's zero byte. */
	wire = n + 2;
	if (wire > DNS_NAME_MAX)
		return -EINVAL;
	if (cap < DNS_HDR_LEN + wire + 4)
		return -ENOSPC;
	memset(b, 0, DNS_HDR_LEN);
	wr16(b, id);
	wr16(b + 2, DNS_F_RD);
	wr16(b + 4, 1);
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && name[j] != '.')
			j++;
		if (j == i || j - i > DNS_LABEL_MAX)
			return -EINVAL;
		b[pos++] = (uint8_t)(j - i);
		memcpy(b + pos, name + i, j - i);
		pos += j - i;
		i = j + 1;
		if (j + 1 == n) /* "a..": a dot left over after the one trailing dot removed */
			return -EINVAL;
	}
	b[pos++] = 0;
	wr16(b + pos, qtype);
	wr16(b + pos + 2, DNS_CLASS_IN);
	return (int)(pos + 4);
}

int dns_hdr_parse(const uint8_t *b, size_t len, struct dns_hdr *out)
{
	if (len < DNS_HDR_LEN)
		return DNS_PARSE_SHORT;
	out->id = rd16(b);
	out->flags = rd16(b + 2);
	out->qdcount = rd16(b + 4);
	out->ancount = rd16(b + 6);
	out->nscount = rd16(b + 8);
	out->arcount = rd16(b + 10);
	return DNS_PARSE_OK;
}

/* Reads the (possibly compressed) name at *pos as dotted text into text (room for
 * DNS_NAME_TEXT_MAX), and moves *pos past the name as it stands there: past its first
 * pointer if it has one, else past its root label.
 *
 * Each pointer must point before the run of labels it ends (and past the header): the next
 * run then starts strictly earlier than the last, so the walk ends whatever the bytes are;
 * the hop count bounds the work besides. */
static int name_read(const uint8_t *b, size_t len, size_t *pos, char *text)
{
	size_t p = *pos, run = *pos, after = 0, wire = 0, t = 0;
	int hops = 0;

	for (;;) {
		uint8_t c;

		if (p >= len)
			return DNS_PARSE_TRUNCATED;
		c = b[p];
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (p + 1 >= len)
				return DNS_PARSE_TRUNCATED;
			target = (size_t)(c & 0x3f) << 8 | b[p + 1];
			if (hops == 0)
				after = p + 2;
			if (++hops > DNS_PTR_HOPS_MAX)
				return DNS_PARSE_PTR_HOPS;
			if (target >= run || target < DNS_HDR_LEN)
				return DNS_PARSE_PTR;
			run = p = target;
			continue;
		}
		if (c & 0xc0)
			return DNS_PARSE_LABEL;
		if (c == 0) {
			p++;
			break;
		}
		/* Room is kept for the root label still to come. */
		wire += 1 + (size_t)c;
		if (wire + 1 > DNS_NAME_MAX)
			return DNS_PARSE_NAME_LONG;
		if (p + 1 + c > len)
			return DNS_PARSE_TRUNCATED;
		/* wire <= 254 keeps the text within 253 bytes: it is wire less the first
		 * length byte. */
		/* A NUL or a dot inside a label would read as another name in text form
		 * ("bank.test\0.evil.test" as "bank.test"): such a name is refused. */
		if (memchr(b + p + 1, '\0', c) || memchr(b + p + 1, '.', c))
			return DNS_PARSE_LABEL;
		if (t)
			text[t++] = '.';
		memcpy(text + t, b + p + 1, c);
		t += c;
		p += 1 + (size_t)c;
	}
	text[t] = '\0';
	*pos = hops ? after : p;
	return DNS_PARSE_OK;
}

static int rr_read(const uint8_t *b, size_t len, size_t *pos, struct dns_rr *rr)
{
	size_t rdpos, rdlen;
	int err = name_read(b, len, pos, rr->name);

	if (err)
		return err;
	if (len - *pos < 10)
		return DNS_PARSE_TRUNCATED;
	rr->type = rd16(b + *pos);
	rr->class = rd16(b + *pos + 2);
	rr->ttl = rd32(b + *pos + 4);
	rdlen = rd16(b + *pos + 8);
	rdpos = *pos + 10;
	if (len - rdpos < rdlen)
		return DNS_PARSE_TRUNCATED;
	*pos = rdpos + rdlen;
	if (rr->class != DNS_CLASS_IN)
		return 1;
	switch (rr->type) {
	case DNS_TYPE_A:
		if (rdlen != 4)
			return DNS_PARSE_RDATA;
		memcpy(rr->rd.a, b + rdpos, 4);
		return 0;
	case DNS_TYPE_AAAA:
		if (rdlen != 16)
			return DNS_PARSE_RDATA;
		memcpy(rr->rd.aaaa, b + rdpos, 16);
		return 0;
	case DNS_TYPE_CNAME: {
		/* The target is read within the record's data alone: a name running past
		 * rdlength is malformed even if the packet goes on. */
		size_t p = rdpos;

		err = name_read(b, rdpos + rdlen, &p, rr->rd.cname);
		if (err == DNS_PARSE_TRUNCATED || (err == 0 && p != rdpos + rdlen))
			return DNS_PARSE_RDATA;
		return err;
	}
	default:
		return 1;
	}
}

/* One authority record at *pos: an SOA of class IN is read into out (the first one only);
 * anything else is checked for its bounds and skipped. */
static int auth_read(const uint8_t *b, size_t len, size_t *pos, struct dns_msg *out)
{
	char name[DNS_NAME_TEXT_MAX], scratch[DNS_NAME_TEXT_MAX];
	size_t rdpos, rdlen, p, end;
	uint16_t type, class;
	uint32_t ttl;
	int err = name_read(b, len, pos, name);

	if (err)
		return err;
	if (len - *pos < 10)
		return DNS_PARSE_TRUNCATED;
	type = rd16(b + *pos);
	class = rd16(b + *pos + 2);
	ttl = rd32(b + *pos + 4);
	rdlen = rd16(b + *pos + 8);
	rdpos = *pos + 10;
	if (len - rdpos < rdlen)
		return DNS_PARSE_TRUNCATED;
	*pos = end = rdpos + rdlen;
	if (type != DNS_TYPE_SOA || class != DNS_CLASS_IN || out->has_soa)
		return 0;
	/* MNAME and RNAME, each within the record's data, then exactly five numbers
	 * (RFC 1035 3.3.13). */
	p = rdpos;
	err = name_read(b, end, &p, scratch);
	if (!err)
		err = name_read(b, end, &p, scratch);
	if (err == DNS_PARSE_TRUNCATED || (err == 0 && end - p != 20))
		return DNS_PARSE_RDATA;
	if (err)
		return err;
	out->has_soa = 1;
	memcpy(out->soa_name, name, sizeof(name));
	out->soa_ttl = ttl;
	out->soa_minimum = rd32(b + p + 16);
	return 0;
}

/* The header and the one question, at *pos after them. */
static int question_read(const uint8_t *b, size_t len, struct dns_msg *out, size_t *pos)
{
	int err = dns_hdr_parse(b, len, &out->h);

	if (err)
		return err;
	if (out->h.qdcount != 1)
		return DNS_PARSE_QDCOUNT;
	*pos = DNS_HDR_LEN;
	err = name_read(b, len, pos, out->qname);
	if (err)
		return err;
	if (len - *pos < 4)
		return DNS_PARSE_TRUNCATED;
	out->qtype = rd16(b + *pos);
	out->qclass = rd16(b + *pos + 2);
	*pos += 4;
	return DNS_PARSE_OK;
}

int dns_parse_question(const uint8_t *b, size_t len, struct dns_msg *out)
{
	size_t pos;

	out->nan = out->skipped = out->has_soa = 0;
	return question_read(b, len, out, &pos);
}

int dns_parse_response(const uint8_t *b, size_t len, struct dns_msg *out)
{
	size_t pos;
	int err = dns_hdr_parse(b, len, &out->h);

	if (err)
		return err;
	if (!(out->h.flags & DNS_F_QR) || (out->h.flags >> 11 & 0xf) != 0)
		return DNS_PARSE_NOT_RESPONSE;
	err = question_read(b, len, out, &pos);
	if (err)
		return err;
	if (((size_t)out->h.ancount + out->h.nscount) * DNS_RR_MIN_LEN > len - pos)
		return DNS_PARSE_COUNT;
	out->nan = 0;
	out->skipped = 0;
	out->has_soa = 0;
	for (unsigned i = 0; i < out->h.ancount; i++) {
		/* A record past the array is still checked, into a scratch slot. */
		struct dns_rr scratch, *rr = out->nan < DNS_ANSWERS_MAX ? &out->an[out->nan]
									  : &scratch;

		err = rr_read(b, len, &pos, rr);
		if (err < 0)
			return err;
		if (err == 0 && rr != &scratch)
			out->nan++;
		else
			out->skipped++;
	}
	for (unsigned i = 0; i < out->h.nscount; i++) {
		err = auth_read(b, len, &pos, out);
		if (err)
			return err;
	}
	return DNS_PARSE_OK;
}

void dns_stat_parse_error(int err)
{
	switch (err) {
	case DNS_PARSE_SHORT: STAT_INC(dns, rx_short); break;
	case DNS_PARSE_NOT_RESPONSE: STAT_INC(dns, rx_not_response); break;
	case DNS_PARSE_QDCOUNT: STAT_INC(dns, rx_qdcount); break;
	case DNS_PARSE_COUNT: STAT_INC(dns, rx_count); break;
	case DNS_PARSE_TRUNCATED: STAT_INC(dns, rx_truncated); break;
	case DNS_PARSE_LABEL: STAT_INC(dns, rx_label); break;
	case DNS_PARSE_NAME_LONG: STAT_INC(dns, rx_name_long); break;
	case DNS_PARSE_PTR: STAT_INC(dns, rx_ptr); break;
	case DNS_PARSE_PTR_HOPS: STAT_INC(dns, rx_ptr_hops); break;
	case DNS_PARSE_RDATA: STAT_INC(dns, rx_rdata); break;
	default: break;
	}
}

int dns_name_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

int dns_name_under(const char *name, const char *zone)
{
	size_t ln = strlen(name), lz = strlen(zone);

	if (ln && name[ln - 1] == '.')
		ln--;
	if (lz && zone[lz - 1] == '.')
		lz--;
	if (lz == 0)
		return 1;
	if (ln < lz || strncasecmp(name + ln - lz, zone, lz) != 0)
		return 0;
	return ln == lz || name[ln - lz - 1] == '.';
}

uint32_t dns_negative_ttl(const struct dns_msg *m, const char *qname)
{
	if (!m->has_soa || !dns_name_under(qname, m->soa_name))
		return 0;
	return m->soa_ttl < m->soa_minimum ? m->soa_ttl : m->soa_minimum;
}
