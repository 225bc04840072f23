/* SPDX-License-Identifier: MIT */
/* NS, NA, RS, RA and redirect parse and emit (RFC 4861 4.1 to 4.6), with the validation
 * of 6.1.2, 7.1.1, 7.1.2 and 8.1 that needs only the message: code 0, the length, every
 * option's length non-zero and inside the message, a target that is not multicast; the
 * RDNSS and DNSSL options of RFC 8106 in an RA. */
#include "nd/nd.h"

#include <string.h>

#include "ip6/icmp6.h"
#include "net/byteorder.h"

int nd_parse(const uint8_t *b, size_t len, struct nd_msg *out)
{
	size_t off;

	memset(out, 0, sizeof(*out));
	if (len < ND_NS_NA_LEN)
		return ND_PARSE_SHORT;
	out->type = b[0];
	if (out->type != ICMP6_ND_NS && out->type != ICMP6_ND_NA)
		return ND_PARSE_TYPE;
	if (b[1] != 0)
		return ND_PARSE_CODE;
	if (out->type == ICMP6_ND_NA)
		out->flags = rd32(b + 4) & (ND_NA_ROUTER | ND_NA_SOLICITED | ND_NA_OVERRIDE);
	out->target.family = AF_INET6;
	memcpy(out->target.v6, b + 8, 16);
	if (ip6_addr_is_multicast(&out->target))
		return ND_PARSE_TARGET;
	for (off = ND_NS_NA_LEN; off < len;) {
		size_t olen;

		if (off + 2 > len)
			return ND_PARSE_OPTLEN;
		olen = 8 * (size_t)b[off + 1];
		if (olen == 0 || off + olen > len)
			return ND_PARSE_OPTLEN;
		/* the option this message may carry: source LLA in an NS, target LLA in an
		 * NA; the others (a DAD nonce, RFC 7527) are skipped, as 4.6 asks */
		if (olen >= 8 &&
		    ((out->type == ICMP6_ND_NS && b[off] == ND_OPT_SLLA) ||
		     (out->type == ICMP6_ND_NA && b[off] == ND_OPT_TLLA))) {
			out->has_lla = 1;
			memcpy(out->lla, b + off + 2, 6);
		}
		off += olen;
	}
	return ND_PARSE_OK;
}

size_t nd_emit(const struct nd_msg *m, uint8_t *b, size_t cap)
{
	size_t len = ND_NS_NA_LEN + (m->has_lla ? 8 : 0);

	if (cap < len)
		return 0;
	memset(b, 0, len);
	b[0] = m->type;
	if (m->type == ICMP6_ND_NA)
		wr32(b + 4, m->flags);
	memcpy(b + 8, m->target.v6, 16);
	if (m->has_lla) {
		b[24] = m->type == ICMP6_ND_NS ? ND_OPT_SLLA : ND_OPT_TLLA;
		b[25] = 1;
		memcpy(b + 26, m->lla, 6);
	}
	return len;
}

/* Walks the options from off: each of non-zero length and inside the message. */
static int nd_opts_ok(const uint8_t *b, size_t len, size_t off)
{
	while (off < len) {
		size_t olen;

		if (off + 2 > len)
			return 0;
		olen = 8 * (size_t)b[off + 1];
		if (olen == 0 || off + olen > len)
			return 0;
		off += olen;
	}
	return 1;
}

/* RFC 8106 5.1: an RDNSS option (o, 8 * o[1] bytes: length odd and at least 3, already
 * inside the message) into out; a malformed one, or a multicast, unspecified or loopback
 * server in it, makes the whole option ignored and counted. */
static void ra_rdnss(const uint8_t *o, struct nd_ra *out)
{
	unsigned n = (o[1] - 1u) / 2;

	if (o[1] < 3 || (o[1] - 1) % 2) {
		out->dns_bad++;
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		struct net_addr a = { .family = AF_INET6 };

		memcpy(a.v6, o + 8 + 16 * i, 16);
		if (ip6_addr_is_multicast(&a) || ip6_addr_is_unspecified(&a) ||
		    ip6_addr_is_loopback(&a)) {
			out->dns_bad++;
			return;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		if (out->nrdnss == ND_RA_DNS_MAX) {
			out->dns_over += n - i;
			return;
		}
		out->rdnss[out->nrdnss].family = AF_INET6;
		memcpy(out->rdnss[out->nrdnss].v6, o + 8 + 16 * i, 16);
		out->rdnss_life_s[out->nrdnss++] = rd32(o + 4);
	}
}

/* A label's bytes as a host name has them (letters, digits, '-', '_'). */
static int label_ok(const uint8_t *l, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t c = l[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

/* RFC 8106 5.2: a DNSSL option's domains (uncompressed wire names, then zero padding)
 * into out; one malformed name (a label over 63 bytes or of other characters, a name
 * over 253 characters or running past the option) makes the whole option ignored. */
static void ra_dnssl(const uint8_t *o, struct nd_ra *out)
{
	char names[ND_RA_DNS_MAX][ND_DNS_NAME_MAX];
	size_t end = 8 * (size_t)o[1], pos = 8;
	unsigned n = 0, over = 0;

	if (o[1] < 2) {
		out->dns_bad++;
		return;
	}
	while (pos < end && o[pos] != 0) {
		char name[ND_DNS_NAME_MAX];
		size_t tl = 0;

		while (pos < end && o[pos] != 0) {
			unsigned l = o[pos];

			if (l > 63 || pos + 1 + l >= end || tl + (tl ? 1 : 0) + l > 253 ||
			    !label_ok(o + pos + 1, l)) {
				out->dns_bad++;
				return;
			}
			if (tl)
				name[tl++] = '.';
			memcpy(name + tl, o + pos + 1, l);
			tl += l;
			pos += 1 + l;
		}
		if (pos >= end) { /* no root label before the option's end */
			out->dns_bad++;
			return;
		}
		pos++; /* the root label */
		name[tl] = '\0';
		if (out->ndnssl + n < ND_RA_DNS_MAX)
			memcpy(names[n++], name, tl + 1);
		else
			over++;
	}
	for (; pos < end; pos++)
		if (o[pos] != 0) { /* the padding is zeros */
			out->dns_bad++;
			return;
		}
	for (unsigned i = 0; i < n; i++) {
		memcpy(out->dnssl[out->ndnssl], names[i], sizeof(names[i]));
		out->dnssl_life_s[out->ndnssl++] = rd32(o + 4);
	}
	out->dns_over += over;
}

int nd_ra_parse(const uint8_t *b, size_t len, struct nd_ra *out)
{
	size_t off;

	memset(out, 0, sizeof(*out));
	if (len < ND_RA_LEN)
		return ND_PARSE_SHORT;
	if (b[0] != ICMP6_ND_RA)
		return ND_PARSE_TYPE;
	if (b[1] != 0)
		return ND_PARSE_CODE;
	if (!nd_opts_ok(b, len, ND_RA_LEN))
		return ND_PARSE_OPTLEN;
	out->cur_hlim = b[4];
	out->flags = b[5] & (ND_RA_MANAGED | ND_RA_OTHER);
	out->lifetime_s = rd16(b + 6);
	out->reachable_ms = rd32(b + 8);
	out->retrans_ms = rd32(b + 12);
	for (off = ND_RA_LEN; off < len; off += 8 * (size_t)b[off + 1]) {
		const uint8_t *o = b + off;

		switch (o[0]) {
		case ND_OPT_SLLA:
			if (o[1] != 1)
				return ND_PARSE_OPTBAD;
			out->has_slla = 1;
			memcpy(out->slla, o + 2, 6);
			break;
		case ND_OPT_MTU:
			if (o[1] != 1)
				return ND_PARSE_OPTBAD;
			out->mtu = rd32(o + 4);
			break;
		case ND_OPT_PREFIX: {
			struct nd_ra_prefix *x;

			if (o[1] != 4 || o[2] > 128)
				return ND_PARSE_OPTBAD;
			if (out->npfx >= ND_RA_PREFIX_MAX) {
				out->pfx_over++;
				break;
			}
			x = &out->pfx[out->npfx++];
			x->plen = o[2];
			x->flags = o[3] & (ND_PFX_ONLINK | ND_PFX_AUTO);
			x->valid_s = rd32(o + 4);
			x->preferred_s = rd32(o + 8);
			x->prefix.family = AF_INET6;
			memcpy(x->prefix.v6, o + 16, 16);
			break;
		}
		case ND_OPT_RDNSS:
			ra_rdnss(o, out);
			break;
		case ND_OPT_DNSSL:
			ra_dnssl(o, out);
			break;
		default:
			break; /* 4.6: unknown options are skipped */
		}
	}
	return ND_PARSE_OK;
}

size_t nd_ra_emit(const struct nd_ra *ra, uint8_t *b, size_t cap)
{
	size_t len = ND_RA_LEN + (ra->has_slla ? 8 : 0) + (ra->mtu ? 8 : 0) + 32 * ra->npfx, off;

	if (cap < len || ra->npfx > ND_RA_PREFIX_MAX)
		return 0;
	memset(b, 0, len);
	b[0] = ICMP6_ND_RA;
	b[4] = ra->cur_hlim;
	b[5] = ra->flags;
	wr16(b + 6, ra->lifetime_s);
	wr32(b + 8, ra->reachable_ms);
	wr32(b + 12, ra->retrans_ms);
	off = ND_RA_LEN;
	if (ra->has_slla) {
		b[off] = ND_OPT_SLLA;
		b[off + 1] = 1;
		memcpy(b + off + 2, ra->slla, 6);
		off += 8;
	}
	if (ra->mtu) {
		b[off] = ND_OPT_MTU;
		b[off + 1] = 1;
		wr32(b + off + 4, ra->mtu);
		off += 8;
	}
	for (unsigned i = 0; i < ra->npfx; i++, off += 32) {
		b[off] = ND_OPT_PREFIX;
		b[off + 1] = 4;
		b[off + 2] = ra->pfx[i].plen;
		b[off + 3] = ra->pfx[i].flags;
		wr32(b + off + 4, ra->pfx[i].valid_s);
		wr32(b + off + 8, ra->pfx[i].preferred_s);
		memcpy(b + off + 16, ra->pfx[i].prefix.v6, 16);
	}
	return len;
}

size_t nd_rs_emit(const uint8_t *slla, uint8_t *b, size_t cap)
{
	size_t len = ND_RS_LEN + (slla ? 8 : 0);

	if (cap < len)
		return 0;
	memset(b, 0, len);
	b[0] = ICMP6_ND_RS;
	if (slla) {
		b[8] = ND_OPT_SLLA;
		b[9] = 1;
		memcpy(b + 10, slla, 6);
	}
	return len;
}

int nd_redirect_parse(const uint8_t *b, size_t len, struct nd_redirect *out)
{
	memset(out, 0, sizeof(*out));
	if (len < ND_REDIRECT_LEN)
		return ND_PARSE_SHORT;
	if (b[0] != ICMP6_ND_REDIRECT)
		return ND_PARSE_TYPE;
	if (b[1] != 0)
		return ND_PARSE_CODE;
	if (!nd_opts_ok(b, len, ND_REDIRECT_LEN))
		return ND_PARSE_OPTLEN;
	out->target.family = out->dst.family = AF_INET6;
	memcpy(out->target.v6, b + 8, 16);
	memcpy(out->dst.v6, b + 24, 16);
	if (ip6_addr_is_multicast(&out->dst) || ip6_addr_is_multicast(&out->target))
		return ND_PARSE_TARGET;
	for (size_t off = ND_REDIRECT_LEN; off < len; off += 8 * (size_t)b[off + 1]) {
		if (b[off] == ND_OPT_TLLA) {
			if (b[off + 1] != 1)
				return ND_PARSE_OPTBAD;
			out->has_lla = 1;
			memcpy(out->lla, b + off + 2, 6);
		}
	}
	return ND_PARSE_OK;
}

size_t nd_redirect_emit(const struct nd_redirect *r, uint8_t *b, size_t cap)
{
	size_t len = ND_REDIRECT_LEN + (r->has_lla ? 8 : 0);

	if (cap < len)
		return 0;
	memset(b, 0, len);
	b[0] = ICMP6_ND_REDIRECT;
	memcpy(b + 8, r->target.v6, 16);
	memcpy(b + 24, r->dst.v6, 16);
	if (r->has_lla) {
		b[40] = ND_OPT_TLLA;
		b[41] = 1;
		memcpy(b + 42, r->lla, 6);
	}
	return len;
}
