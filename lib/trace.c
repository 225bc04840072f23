/* SPDX-License-Identifier: MIT */
/* --trace: one decoded line per packet, meant to be read by people.
 *
 * A line that says "TCP [S] seq 1" is only useful if it decodes every layer, so the decoder
 * sits in lib/, above the protocols, and the device wrapper (net/wrap.c) is handed it as a
 * function (net_wrap_opts.trace_fmt): net/ knows no protocol. It uses the layers' own pure
 * parse functions (ether_parse, arp_parse, ip_parse, icmp_parse) and never their state.
 *
 * For UDP and TCP the few header fields printed here are read directly, with explicit byte
 * order, instead of through udp_parse/tcp_parse: those wire modules were being written at
 * the same time and their checks (checksums over a pseudo-header) do not suit a tracer,
 * which must also describe the packets those checks would reject.
 *
 * Format, by example:
 *   ARP who-has 10.0.0.2 tell 10.0.0.1
 *   ARP reply 10.0.0.2 is-at 02:00:00:00:00:01
 *   IP 10.0.0.1 > 10.0.0.2: ICMP echo request id 12291 seq 1 len 56
 *   IP 10.0.0.1.50230 > 10.0.0.2.8080: TCP [S] seq 1 win 65535 len 0 options [mss 1460,...]
 *   IP 10.0.0.1 > 10.0.0.2: frag id 343 off 1480 len 1480 MF proto ICMP
 *   IP 0.0.0.0.68 > 255.255.255.255.67: UDP len 300 DHCP DISCOVER xid 0x5e1f00d2 */
#include "lib/trace.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "arp/arp.h"
#include "dhcp/dhcp_wire.h"
#include "dns/dns_wire.h"
#include "ether/ether.h"
#include "ip/icmp.h"
#include "ip/ip.h"
#include "ip6/icmp6.h"
#include "nd/mld.h"
#include "ip6/ip6.h"
#include "nd/nd.h"
#include "net/byteorder.h"
#include "tcp/tcp_wire.h"

/* A bounded line being built: appends truncate instead of overflowing. */
struct line {
	char *buf;
	size_t size, len;
};

static void __attribute__((format(printf, 2, 3))) add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len + 1 >= l->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, l->size - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n < l->size - l->len ? (size_t)n : l->size - l->len - 1;
}

static const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case IP_PROTO_ICMP: return "ICMP";
	case IP_PROTO_TCP: return "TCP";
	case IP_PROTO_UDP: return "UDP";
	default: return NULL;
	}
}

static void trace_arp(struct line *l, const uint8_t *b, size_t len)
{
	struct arp_pkt a;
	char s[IP_ADDR_STRLEN], t[IP_ADDR_STRLEN], mac[18];

	if (arp_parse(b, len, &a) < 0) {
		add(l, "ARP malformed len %zu", len);
		return;
	}
	ip_addr_ntop(a.spa, s, sizeof(s));
	ip_addr_ntop(a.tpa, t, sizeof(t));
	if (a.op == ARP_OP_REQUEST && a.spa == 0)
		add(l, "ARP probe who-has %s", t);
	else if (a.op == ARP_OP_REQUEST && a.spa == a.tpa)
		add(l, "ARP announce %s", s);
	else if (a.op == ARP_OP_REQUEST)
		add(l, "ARP who-has %s tell %s", t, s);
	else if (a.op == ARP_OP_REPLY)
		add(l, "ARP reply %s is-at %s", s, ether_addr_ntop(a.sha, mac, sizeof(mac)));
	else
		add(l, "ARP op %u %s > %s", a.op, s, t);
}

static const char *unreach_name(uint8_t code)
{
	static const char *const names[] = {
		[ICMP_NET_UNREACH] = "net", [ICMP_HOST_UNREACH] = "host",
		[ICMP_PROTO_UNREACH] = "protocol", [ICMP_PORT_UNREACH] = "port",
		[ICMP_FRAG_NEEDED] = "fragmentation needed",
	};
	return code < sizeof(names) / sizeof(names[0]) ? names[code] : NULL;
}

/* The packet an ICMP error quotes: protocol, destination and (for UDP/TCP) port. */
static void trace_quote(struct line *l, const uint8_t *b, size_t len)
{
	struct ip_hdr q;
	char d[IP_ADDR_STRLEN];
	const char *pn;

	if (ip_parse_quoted(b, len, &q) != IP_PARSE_OK) {
		add(l, " (quote unreadable)");
		return;
	}
	pn = proto_name(q.proto);
	ip_addr_ntop(q.dst, d, sizeof(d));
	if ((q.proto == IP_PROTO_UDP || q.proto == IP_PROTO_TCP) && len >= q.ihl + 4u)
		add(l, " for %s %s.%u", pn, d, rd16(b + q.ihl + 2));
	else if (pn)
		add(l, " for %s %s", pn, d);
	else
		add(l, " for proto %u %s", q.proto, d);
}

/* `whole` is false for the first fragment of a datagram: the ICMP checksum covers data
 * not in this packet, so only the header fields are shown. */
static void trace_icmp(struct line *l, const uint8_t *b, size_t len, int whole)
{
	struct icmp_hdr h;
	int r = icmp_parse(b, len, &h);
	const char *name;

	if (r == -EINVAL) {
		add(l, "ICMP truncated len %zu", len);
		return;
	}
	if (r < 0) { /* checksum: read the header anyway, the fields are still worth showing */
		h.type = b[0];
		h.code = b[1];
		h.rest = rd32(b + 4);
	}
	switch (h.type) {
	case ICMP_ECHO:
	case ICMP_ECHO_REPLY:
		add(l, "ICMP echo %s id %u seq %u len %zu", h.type == ICMP_ECHO ? "request" : "reply",
		    h.rest >> 16, h.rest & 0xffff, len - ICMP_HDR_LEN);
		break;
	case ICMP_DEST_UNREACH:
		name = unreach_name(h.code);
		if (name)
			add(l, "ICMP %s unreachable", name);
		else
			add(l, "ICMP unreachable code %u", h.code);
		if (h.code == ICMP_FRAG_NEEDED)
			add(l, " mtu %u", h.rest & 0xffff);
		trace_quote(l, b + ICMP_HDR_LEN, len - ICMP_HDR_LEN);
		break;
	case ICMP_TIME_EXCEEDED:
		add(l, "ICMP time exceeded %s", h.code ? "in reassembly" : "in transit");
		trace_quote(l, b + ICMP_HDR_LEN, len - ICMP_HDR_LEN);
		break;
	default:
		add(l, "ICMP type %u code %u len %zu", h.type, h.code, len - ICMP_HDR_LEN);
		break;
	}
	if (r == -EBADMSG && whole)
		add(l, " [bad cksum]");
}

/* " DHCP OFFER xid 0x5e1f00d2 yiaddr 10.0.0.54 server 10.0.0.1 lease 120 s", or
 * " DHCP [malformed N]" with dhcp_parse's reason (enum dhcp_parse_err). */
static void trace_dhcp(struct line *l, const uint8_t *b, size_t len)
{
	char a[IP_ADDR_STRLEN];
	struct dhcp_msg m;
	int err = dhcp_parse(b, len, &m);

	if (err) {
		add(l, " DHCP [malformed %d]", -err);
		return;
	}
	add(l, " DHCP %s xid 0x%08x", dhcp_type_name(m.type), m.xid);
	if (m.ciaddr)
		add(l, " ciaddr %s", ip_addr_ntop(m.ciaddr, a, sizeof(a)));
	if (m.yiaddr)
		add(l, " yiaddr %s", ip_addr_ntop(m.yiaddr, a, sizeof(a)));
	if (m.has & DHCP_HAS_REQUESTED_IP)
		add(l, " requested %s", ip_addr_ntop(m.requested_ip, a, sizeof(a)));
	if (m.has & DHCP_HAS_SERVER_ID)
		add(l, " server %s", ip_addr_ntop(m.server_id, a, sizeof(a)));
	if (m.has & DHCP_HAS_LEASE)
		add(l, " lease %u s", m.lease_s);
}

static const char *dns_type_name(uint16_t t, char *buf, size_t size)
{
	switch (t) {
	case DNS_TYPE_A: return "A";
	case DNS_TYPE_AAAA: return "AAAA";
	case DNS_TYPE_CNAME: return "CNAME";
	}
	snprintf(buf, size, "TYPE%u", t);
	return buf;
}

/* " DNS query 0x1a2b A? web.test", or a response as
 * " DNS response 0x1a2b A? web.test: CNAME a.test, A 10.0.0.5 [NXDOMAIN] [TC]";
 * " DNS [malformed N]" with the parser's reason (enum dns_parse_err). */
static void trace_dns(struct line *l, const uint8_t *b, size_t len)
{
	struct dns_msg m; /* ~9 KiB on the stack: each stack's loop thread traces its own frames */
	char t[16], a[INET6_ADDRSTRLEN];
	int err = dns_parse_question(b, len, &m);

	if (!err && m.h.flags & DNS_F_QR)
		err = dns_parse_response(b, len, &m);
	if (err) {
		add(l, " DNS [malformed %d]", -err);
		return;
	}
	add(l, " DNS %s 0x%04x %s? %s", m.h.flags & DNS_F_QR ? "response" : "query", m.h.id,
	    dns_type_name(m.qtype, t, sizeof(t)), m.qname[0] ? m.qname : ".");
	for (int i = 0; i < m.nan; i++) {
		const struct dns_rr *rr = &m.an[i];

		add(l, "%s %s ", i ? "," : ":", dns_type_name(rr->type, t, sizeof(t)));
		if (rr->type == DNS_TYPE_A || rr->type == DNS_TYPE_AAAA)
			add(l, "%s", inet_ntop(rr->type == DNS_TYPE_A ? AF_INET : AF_INET6, rr->rd.a,
					       a, sizeof(a)) ? a : "?");
		else
			add(l, "%s", rr->rd.cname);
	}
	if (m.h.flags & DNS_F_QR && DNS_RCODE(m.h.flags))
		add(l, " [%s]", DNS_RCODE(m.h.flags) == DNS_RCODE_NXDOMAIN ? "NXDOMAIN" : "error");
	if (m.h.flags & DNS_F_TC)
		add(l, " [TC]");
}

/* ip: the line's label ("IP ", "IP6 "), or "" when the IPv6 header was already named
 * before its extension headers. */
static void trace_udp(struct line *l, const char *ip, const char *s, const char *d,
		      const uint8_t *b, size_t len)
{
	uint16_t ulen;

	if (len < 8) {
		add(l, "%s%s > %s: UDP truncated len %zu", ip, s, d, len);
		return;
	}
	ulen = rd16(b + 4);
	add(l, "%s%s.%u > %s.%u: UDP len %d", ip, s, rd16(b), d, rd16(b + 2), (int)ulen - 8);
	if (ulen < 8)
		add(l, " [bad length %u]", ulen);
	else if (rd16(b) == DHCP_SERVER_PORT || rd16(b) == DHCP_CLIENT_PORT ||
		 rd16(b + 2) == DHCP_SERVER_PORT || rd16(b + 2) == DHCP_CLIENT_PORT)
		trace_dhcp(l, b + 8, (ulen < len ? ulen : len) - 8);
	else if (rd16(b) == DNS_PORT || rd16(b + 2) == DNS_PORT)
		trace_dns(l, b + 8, (ulen < len ? ulen : len) - 8);
}

/* TCP options as tcpdump prints them: "options [mss 1460,sackOK,TS val 1 ecr 0,nop,
 * wscale 7]"; SACK blocks with absolute sequence numbers, as the seq and ack fields of the
 * line: "sack 2 {1001:2001}{3001:4001}". An unknown kind is "KIND:LEN". What cannot be
 * read is said and ends the list, and nothing past len is read:
 *   [bad opt 2: no length]          the kind is the last byte
 *   [bad opt 2: len 0]              a length below 2 (the kind and length bytes)
 *   [bad opt 8: len 10 > 6 left]    past the end of the header
 * A known kind with a length it never has is shown and skipped, "[bad mss len 6]". */
static void tcp_options(struct line *l, const uint8_t *o, size_t len)
{
	size_t i = 0;
	const char *sep = "";

	add(l, "options [");
	while (i < len) {
		uint8_t kind = o[i], olen;
		const uint8_t *v;

		add(l, "%s", sep);
		sep = ",";
		if (kind == TCP_OPT_EOL) {
			add(l, "eol"); /* what follows is padding */
			break;
		}
		if (kind == TCP_OPT_NOP) {
			add(l, "nop");
			i++;
			continue;
		}
		if (i + 1 >= len) {
			add(l, "[bad opt %u: no length]", kind);
			break;
		}
		olen = o[i + 1];
		if (olen < 2) {
			add(l, "[bad opt %u: len %u]", kind, olen);
			break;
		}
		if (olen > len - i) {
			add(l, "[bad opt %u: len %u > %zu left]", kind, olen, len - i);
			break;
		}
		v = o + i + 2;
		switch (kind) {
		case TCP_OPT_MSS:
			if (olen == 4)
				add(l, "mss %u", rd16(v));
			else
				add(l, "[bad mss len %u]", olen);
			break;
		case TCP_OPT_WSCALE:
			if (olen == 3)
				add(l, "wscale %u", v[0]);
			else
				add(l, "[bad wscale len %u]", olen);
			break;
		case TCP_OPT_SACK_PERM:
			if (olen == 2)
				add(l, "sackOK");
			else
				add(l, "[bad sackOK len %u]", olen);
			break;
		case TCP_OPT_SACK:
			if ((olen - 2) % 8 || olen == 2) {
				add(l, "[bad sack len %u]", olen);
				break;
			}
			add(l, "sack %u ", (olen - 2) / 8u);
			for (unsigned b = 0; b < (olen - 2) / 8u; b++)
				add(l, "{%u:%u}", rd32(v + 8 * b), rd32(v + 8 * b + 4));
			break;
		case TCP_OPT_TS:
			if (olen == 10)
				add(l, "TS val %u ecr %u", rd32(v), rd32(v + 4));
			else
				add(l, "[bad TS len %u]", olen);
			break;
		default:
			add(l, "%u:%u", kind, olen);
			break;
		}
		i += olen;
	}
	add(l, "]");
}

void trace_tcp_options(const uint8_t *opts, size_t len, char *buf, size_t size)
{
	struct line l = { buf, size, 0 };

	if (!size)
		return;
	buf[0] = '\0';
	tcp_options(&l, opts, len);
}

/* ip: as trace_udp's. */
static void trace_tcp(struct line *l, const char *ip, const char *s, const char *d,
		      const uint8_t *b, size_t len)
{
	static const struct { uint8_t bit; char c; } flag_chars[] = {
		{ 0x02, 'S' }, { 0x01, 'F' }, { 0x04, 'R' }, { 0x08, 'P' }, { 0x20, 'U' },
		{ 0x40, 'E' }, { 0x80, 'W' }, { 0x10, '.' },
	};
	char flags[12];
	size_t nf = 0, doff;
	uint8_t f;

	if (len < 20) {
		add(l, "%s%s > %s: TCP truncated len %zu", ip, s, d, len);
		return;
	}
	f = b[13];
	for (size_t i = 0; i < sizeof(flag_chars) / sizeof(flag_chars[0]); i++)
		if (f & flag_chars[i].bit)
			flags[nf++] = flag_chars[i].c;
	flags[nf] = '\0';
	doff = (size_t)(b[12] >> 4) * 4;
	add(l, "%s%s.%u > %s.%u: TCP [%s] seq %u", ip, s, rd16(b), d, rd16(b + 2), flags,
	    rd32(b + 4));
	if (f & 0x10)
		add(l, " ack %u", rd32(b + 8));
	add(l, " win %u", rd16(b + 14));
	if (doff < 20 || doff > len) {
		add(l, " [bad data offset %zu]", doff);
		return;
	}
	add(l, " len %zu", len - doff);
	if (doff > 20) {
		add(l, " ");
		tcp_options(l, b + 20, doff - 20);
	}
}

static const char *icmp6_name(uint8_t type)
{
	switch (type) {
	case ICMP6_DST_UNREACH: return "destination unreachable";
	case ICMP6_PKT_TOO_BIG: return "packet too big";
	case ICMP6_TIME_EXCEEDED: return "time exceeded";
	case ICMP6_PARAM_PROB: return "parameter problem";
	case ICMP6_ECHO_REQUEST: return "echo request";
	case ICMP6_ECHO_REPLY: return "echo reply";
	case 130: return "multicast listener query";
	case 131: return "multicast listener report";
	case 132: return "multicast listener done";
	case ICMP6_ND_RS: return "router solicitation";
	case ICMP6_ND_RA: return "router advertisement";
	case ICMP6_ND_NS: return "neighbor solicitation";
	case ICMP6_ND_NA: return "neighbor advertisement";
	case ICMP6_ND_REDIRECT: return "redirect";
	case 143: return "multicast listener report v2";
	default: return NULL;
	}
}

/* "ICMPv6 echo request id 1 seq 2 len 56", "ICMPv6 neighbor solicitation who has
 * 2001:db8::2 from 02:00:00:00:00:01", "ICMPv6 neighbor advertisement 2001:db8::2 is
 * 02:..:02 [S O]", "ICMPv6 parameter problem code 1 pointer 6"; a checksum that does not
 * sum to zero over src and dst is marked. */
static void trace_icmp6(struct line *l, const struct ip6_hdr *h, const uint8_t *b, size_t len,
			int whole)
{
	struct icmp6_hdr ih;
	struct nd_msg m;
	char t[INET6_ADDRSTRLEN], mac[18];
	const char *name;
	int r = icmp6_parse(b, len, &h->src, &h->dst, &ih);

	if (r == ICMP6_PARSE_SHORT) {
		add(l, "ICMPv6 truncated len %zu", len);
		return;
	}
	if (r < 0) {
		ih.type = b[0];
		ih.code = b[1];
		ih.data = len >= 8 ? rd32(b + 4) : 0;
	}
	name = icmp6_name(ih.type);
	if (name)
		add(l, "ICMPv6 %s", name);
	else
		add(l, "ICMPv6 type %u", ih.type);
	switch (ih.type) {
	case ICMP6_ECHO_REQUEST:
	case ICMP6_ECHO_REPLY:
		add(l, " id %u seq %u len %zu", ih.data >> 16, ih.data & 0xffff,
		    len - ICMP6_HDR_LEN);
		break;
	case ICMP6_DST_UNREACH:
	case ICMP6_TIME_EXCEEDED:
		add(l, " code %u", ih.code);
		break;
	case ICMP6_PKT_TOO_BIG:
		add(l, " mtu %u", ih.data);
		break;
	case ICMP6_PARAM_PROB:
		add(l, " code %u pointer %u", ih.code, ih.data);
		break;
	case ICMP6_ND_NS:
	case ICMP6_ND_NA: {
		int e = nd_parse(b, len, &m);

		if (e != ND_PARSE_OK) {
			add(l, " [malformed %d]", e);
			break;
		}
		inet_ntop(AF_INET6, m.target.v6, t, sizeof(t));
		if (m.has_lla)
			ether_addr_ntop(m.lla, mac, sizeof(mac));
		if (ih.type == ICMP6_ND_NS) {
			add(l, " who has %s", t);
			if (m.has_lla)
				add(l, " from %s", mac);
		} else {
			add(l, " %s", t);
			if (m.has_lla)
				add(l, " is %s", mac);
			add(l, " [%s%s%s]", m.flags & ND_NA_ROUTER ? "R" : "",
			    m.flags & ND_NA_SOLICITED ? "S" : "",
			    m.flags & ND_NA_OVERRIDE ? "O" : "");
		}
		break;
	}
	case ICMP6_ND_RS:
		if (len >= 16 && b[8] == ND_OPT_SLLA && b[9] == 1) {
			ether_addr_ntop(b + 10, mac, sizeof(mac));
			add(l, " from %s", mac);
		}
		break;
	case ICMP6_ND_RA: {
		struct nd_ra ra;
		int e = nd_ra_parse(b, len, &ra);

		if (e != ND_PARSE_OK) {
			add(l, " [malformed %d]", e);
			break;
		}
		add(l, " lifetime %us hlim %u%s%s", ra.lifetime_s, ra.cur_hlim,
		    ra.flags & ND_RA_MANAGED ? " [M]" : "", ra.flags & ND_RA_OTHER ? " [O]" : "");
		for (unsigned i = 0; i < ra.npfx; i++) {
			inet_ntop(AF_INET6, ra.pfx[i].prefix.v6, t, sizeof(t));
			add(l, " prefix %s/%u [%s%s] valid %u pref %u", t, ra.pfx[i].plen,
			    ra.pfx[i].flags & ND_PFX_ONLINK ? "L" : "",
			    ra.pfx[i].flags & ND_PFX_AUTO ? "A" : "", ra.pfx[i].valid_s,
			    ra.pfx[i].preferred_s);
		}
		if (ra.mtu)
			add(l, " mtu %u", ra.mtu);
		for (unsigned i = 0; i < ra.nrdnss; i++) {
			inet_ntop(AF_INET6, ra.rdnss[i].v6, t, sizeof(t));
			add(l, " rdnss %s life %u", t, ra.rdnss_life_s[i]);
		}
		for (unsigned i = 0; i < ra.ndnssl; i++)
			add(l, " dnssl %s life %u", ra.dnssl[i], ra.dnssl_life_s[i]);
		if (ra.has_slla) {
			ether_addr_ntop(ra.slla, mac, sizeof(mac));
			add(l, " from %s", mac);
		}
		break;
	}
	case ICMP6_ND_REDIRECT: {
		struct nd_redirect rd;
		char d[INET6_ADDRSTRLEN];
		int e = nd_redirect_parse(b, len, &rd);

		if (e != ND_PARSE_OK) {
			add(l, " [malformed %d]", e);
			break;
		}
		inet_ntop(AF_INET6, rd.dst.v6, d, sizeof(d));
		inet_ntop(AF_INET6, rd.target.v6, t, sizeof(t));
		add(l, " %s via %s", d, t);
		break;
	}
	case ICMP6_MLD_QUERY: {
		struct mld_query q;

		if (mld_query_parse(b, len, &q) != ND_PARSE_OK) {
			add(l, " [malformed]");
			break;
		}
		inet_ntop(AF_INET6, q.group.v6, t, sizeof(t));
		add(l, " v%d %s max resp %u ms", len >= MLD_QUERY_V2_LEN ? 2 : 1,
		    ip6_addr_is_unspecified(&q.group) ? "general" : t, q.max_resp_ms);
		break;
	}
	case ICMP6_MLD2_REPORT: {
		/* each record: "type group" (sources counted, not listed) */
		unsigned n = len >= 8 ? rd16(b + 6) : 0;
		size_t off = MLD_REPORT_HDR_LEN;

		add(l, " %u record%s", n, n == 1 ? "" : "s");
		for (unsigned i = 0; i < n && i < 8; i++) {
			size_t rl;

			if (off + MLD_RECORD_LEN > len) {
				add(l, " [truncated]");
				break;
			}
			rl = MLD_RECORD_LEN + 4 * (size_t)b[off + 1] + 16 * (size_t)rd16(b + off + 2);
			inet_ntop(AF_INET6, b + off + 4, t, sizeof(t));
			add(l, " %s %s", b[off] == MLD_CHANGE_TO_EXCLUDE ? "to_ex" :
			    b[off] == MLD_MODE_IS_EXCLUDE ? "is_ex" :
			    b[off] == 3 ? "to_in" : b[off] == 1 ? "is_in" : "type", t);
			if (rd16(b + off + 2))
				add(l, " (%u sources)", rd16(b + off + 2));
			off += rl;
		}
		break;
	}
	default:
		add(l, " code %u len %zu", ih.code, len);
		break;
	}
	if (h->hlim != 255 && ih.type >= ICMP6_ND_RS && ih.type <= ICMP6_ND_REDIRECT)
		add(l, " hlim %u", h->hlim);
	if (r == ICMP6_PARSE_CKSUM && whole)
		add(l, " [bad cksum]");
}

/* "IP6 SRC > DST: [ext headers] upper layer": the fixed header, then each extension
 * header named as it is walked (at most 8, bounded by the packet), then ICMPv6 decoded,
 * TCP and UDP with the transports' decoders (addresses in brackets). */
static void trace_ipv6(struct line *l, const uint8_t *b, size_t len)
{
	char s[INET6_ADDRSTRLEN + 2], d[INET6_ADDRSTRLEN + 2], a[INET6_ADDRSTRLEN];
	struct ip6_hdr h;
	size_t off = IP6_HDR_LEN, end;
	uint8_t next;
	int r = ip6_parse(b, len, &h);
	int whole = r == IP6_PARSE_OK;

	if (r == IP6_PARSE_SHORT || r == IP6_PARSE_VERSION) {
		add(l, "IP6 truncated len %zu", len);
		return;
	}
	inet_ntop(AF_INET6, h.src.v6, a, sizeof(a));
	snprintf(s, sizeof(s), "%s", a);
	inet_ntop(AF_INET6, h.dst.v6, a, sizeof(a));
	snprintf(d, sizeof(d), "%s", a);
	end = r == IP6_PARSE_PLEN ? len : IP6_HDR_LEN + (size_t)h.plen;
	next = h.next;
	for (unsigned n = 0; n < 8; n++) {
		struct ip6_ext e;
		struct ip6_frag f;

		if (next == IP6_NH_FRAGMENT) {
			if (ip6_frag_parse(b + off, end - off, &f) < 0)
				goto cut;
			if (!n)
				add(l, "IP6 %s > %s: ", s, d);
			off += IP6_FRAG_HDR_LEN;
			next = f.next;
			add(l, "frag id %u off %u len %zu%s ", f.id, f.offset, end - off,
			    f.more ? " MF" : "");
			/* only the first fragment holds the upper header, and not all of what
			 * its checksum covers unless the fragment is atomic */
			if (f.offset) {
				add(l, "next header %u", next);
				return;
			}
			whole = whole && !f.more;
			continue;
		}
		if (next != IP6_NH_HOPOPTS && next != IP6_NH_DSTOPTS && next != IP6_NH_ROUTING)
			break;
		if (ip6_ext_parse(b + off, end - off, &e) < 0)
			goto cut;
		if (!n)
			add(l, "IP6 %s > %s: ", s, d);
		add(l, "%s len %zu ", next == IP6_NH_HOPOPTS ? "hop-by-hop" :
		    next == IP6_NH_DSTOPTS ? "dstopts" : "routing", e.len);
		off += e.len;
		next = e.next;
	}
	switch (next) {
	case IP6_NH_ICMPV6:
		if (off == IP6_HDR_LEN)
			add(l, "IP6 %s > %s: ", s, d);
		trace_icmp6(l, &h, b + off, end - off, whole);
		break;
	case IP6_NH_UDP:
	case IP6_NH_TCP:
		inet_ntop(AF_INET6, h.src.v6, a, sizeof(a));
		snprintf(s, sizeof(s), "[%s]", a);
		inet_ntop(AF_INET6, h.dst.v6, a, sizeof(a));
		snprintf(d, sizeof(d), "[%s]", a);
		if (next == IP6_NH_UDP)
			trace_udp(l, off == IP6_HDR_LEN ? "IP6 " : "", s, d, b + off, end - off);
		else
			trace_tcp(l, off == IP6_HDR_LEN ? "IP6 " : "", s, d, b + off, end - off);
		break;
	default:
		if (off == IP6_HDR_LEN)
			add(l, "IP6 %s > %s: ", s, d);
		add(l, "next header %u len %zu", next, end - off);
		break;
	}
	if (r == IP6_PARSE_PLEN)
		add(l, " [bad payload length %u]", h.plen);
	return;
cut:
	if (off == IP6_HDR_LEN)
		add(l, "IP6 %s > %s: ", s, d);
	add(l, "[extension header truncated]");
}

static void trace_ip(struct line *l, const uint8_t *b, size_t len)
{
	static const char *const errs[] = {
		[-IP_PARSE_SHORT] = "truncated", [-IP_PARSE_VERSION] = "bad version",
		[-IP_PARSE_IHL] = "bad header length", [-IP_PARSE_TOTLEN] = "bad total length",
	};
	struct ip_hdr ih;
	char s[IP_ADDR_STRLEN], d[IP_ADDR_STRLEN];
	const uint8_t *pl;
	size_t plen;
	unsigned off;
	int mf, r;

	r = ip_parse(b, len, &ih);
	if (r != IP_PARSE_OK && r != IP_PARSE_CKSUM) {
		if (r == IP_PARSE_VERSION && ih.version == 6)
			trace_ipv6(l, b, len);
		else
			add(l, "IP %s len %zu", r < 0 && -r < 5 ? errs[-r] : "unreadable", len);
		return;
	}
	ip_addr_ntop(ih.src, s, sizeof(s));
	ip_addr_ntop(ih.dst, d, sizeof(d));
	pl = b + ih.ihl;
	plen = ih.total_len - ih.ihl;
	off = (unsigned)(ih.frag & IP_OFFSET_MASK) * 8;
	mf = !!(ih.frag & IP_FLAG_MF);
	if (off) {
		/* Later fragments carry no transport header. */
		const char *pn = proto_name(ih.proto);
		add(l, "IP %s > %s: frag id %u off %u len %zu%s proto ", s, d, ih.id, off, plen,
		    mf ? " MF" : "");
		if (pn)
			add(l, "%s", pn);
		else
			add(l, "%u", ih.proto);
	} else {
		switch (ih.proto) {
		case IP_PROTO_ICMP:
			add(l, "IP %s > %s: ", s, d);
			trace_icmp(l, pl, plen, !mf);
			break;
		case IP_PROTO_UDP:
			trace_udp(l, "IP ", s, d, pl, plen);
			break;
		case IP_PROTO_TCP:
			trace_tcp(l, "IP ", s, d, pl, plen);
			break;
		default:
			add(l, "IP %s > %s: proto %u len %zu", s, d, ih.proto, plen);
			break;
		}
		if (mf)
			add(l, " (frag id %u off 0 len %zu MF)", ih.id, plen);
	}
	if (ih.ttl <= 1)
		add(l, " ttl %u", ih.ttl);
	if (r == IP_PARSE_CKSUM)
		add(l, " [bad IP cksum]");
}

void trace_format(const struct net_device *dev, const uint8_t *frame, size_t len, char *buf,
		  size_t size)
{
	struct line l = { buf, size, 0 };
	struct ether_hdr eh;

	if (!size)
		return;
	buf[0] = '\0';
	if (dev->type != NET_DEV_ETHER) {
		if (len && frame[0] >> 4 == 6)
			trace_ipv6(&l, frame, len);
		else
			trace_ip(&l, frame, len);
		return;
	}
	if (ether_parse(frame, len, &eh) < 0) {
		add(&l, "ether truncated len %zu", len);
		return;
	}
	frame += ETHER_HDR_LEN;
	len -= ETHER_HDR_LEN;
	switch (eh.type) {
	case ETHER_TYPE_ARP:
		trace_arp(&l, frame, len);
		break;
	case ETHER_TYPE_IP:
		trace_ip(&l, frame, len);
		break;
	case ETHER_TYPE_IPV6:
		trace_ipv6(&l, frame, len);
		break;
	default: {
		char src[18];
		add(&l, "ether type 0x%04x from %s len %zu", eh.type,
		    ether_addr_ntop(eh.src, src, sizeof(src)), len);
		break;
	}
	}
}
