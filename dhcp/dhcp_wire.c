/* SPDX-License-Identifier: MIT */
/* DHCP message parse/emit (RFC 2131, RFC 2132): pure functions over byte buffers. Nothing
 * received is trusted: every option's length is checked against its area and its kind
 * before a byte of its value is read, and the option-overload option (52) can send the
 * parser to the file and sname fields once each, never back. */
#include "dhcp/dhcp_wire.h"

#include <string.h>

#include "net/byteorder.h"

STATS_DEFINE(dhcp, DHCP_COUNTERS)

const char *dhcp_type_name(uint8_t type)
{
	static const char *const names[] = { "?", "DISCOVER", "OFFER", "REQUEST", "DECLINE",
					     "ACK", "NAK", "RELEASE", "INFORM" };
	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

/* One option's value, its length already known to be inside the area. A repeated option
 * keeps its first value, except the DNS list, which adds up to DHCP_MAX_DNS servers
 * (RFC 3396 concatenation is not done otherwise). */
static int opt_take(struct dhcp_msg *m, uint8_t code, const uint8_t *v, uint8_t len)
{
	switch (code) {
	case DHCP_OPT_MSG_TYPE:
		if (len != 1)
			return -DHCP_ERR_OPT_BAD_LEN;
		if (!m->type)
			m->type = v[0];
		return 0;
	case DHCP_OPT_SUBNET_MASK:
	case DHCP_OPT_SERVER_ID:
	case DHCP_OPT_REQUESTED_IP:
	case DHCP_OPT_LEASE_TIME:
	case DHCP_OPT_T1:
	case DHCP_OPT_T2: {
		if (len != 4)
			return -DHCP_ERR_OPT_BAD_LEN;
		unsigned bit = code == DHCP_OPT_SUBNET_MASK    ? DHCP_HAS_MASK
			       : code == DHCP_OPT_SERVER_ID    ? DHCP_HAS_SERVER_ID
			       : code == DHCP_OPT_REQUESTED_IP ? DHCP_HAS_REQUESTED_IP
			       : code == DHCP_OPT_LEASE_TIME   ? DHCP_HAS_LEASE
			       : code == DHCP_OPT_T1           ? DHCP_HAS_T1
							       : DHCP_HAS_T2;
		if (m->has & bit)
			return 0;
		m->has |= bit;
		if (code == DHCP_OPT_SUBNET_MASK)
			memcpy(&m->mask, v, 4);
		else if (code == DHCP_OPT_SERVER_ID)
			memcpy(&m->server_id, v, 4);
		else if (code == DHCP_OPT_REQUESTED_IP)
			memcpy(&m->requested_ip, v, 4);
		else if (code == DHCP_OPT_LEASE_TIME)
			m->lease_s = rd32(v);
		else if (code == DHCP_OPT_T1)
			m->t1_s = rd32(v);
		else
			m->t2_s = rd32(v);
		return 0;
	}
	case DHCP_OPT_ROUTER:
		if (len < 4 || len % 4)
			return -DHCP_ERR_OPT_BAD_LEN;
		if (!(m->has & DHCP_HAS_ROUTER)) {
			m->has |= DHCP_HAS_ROUTER;
			memcpy(&m->router, v, 4); /* the first is the preferred one */
		}
		return 0;
	case DHCP_OPT_DNS:
		if (len < 4 || len % 4)
			return -DHCP_ERR_OPT_BAD_LEN;
		m->has |= DHCP_HAS_DNS;
		for (uint8_t i = 0; i < len && m->n_dns < DHCP_MAX_DNS; i += 4)
			memcpy(&m->dns[m->n_dns++], v + i, 4);
		return 0;
	case DHCP_OPT_DOMAIN:
		if (len < 1)
			return -DHCP_ERR_OPT_BAD_LEN;
		/* A NUL ends the name early (servers sometimes count one); len <=
		 * DHCP_DOMAIN_MAX, opts_parse checked. An empty name is no name. */
		if (!(m->has & DHCP_HAS_DOMAIN) && v[0]) {
			size_t n = strnlen((const char *)v, len);

			m->has |= DHCP_HAS_DOMAIN;
			memcpy(m->domain, v, n);
			m->domain[n] = '\0';
		}
		return 0;
	case DHCP_OPT_MTU:
		if (len != 2 || rd16(v) < DHCP_MTU_MIN)
			return -DHCP_ERR_OPT_BAD_LEN;
		if (!(m->has & DHCP_HAS_MTU)) {
			m->has |= DHCP_HAS_MTU;
			m->mtu = rd16(v);
		}
		return 0;
	case DHCP_OPT_CLIENT_ID:
		if (len < 2 || len > DHCP_CLIENT_ID_MAX)
			return -DHCP_ERR_OPT_BAD_LEN;
		if (!(m->has & DHCP_HAS_CLIENT_ID)) {
			m->has |= DHCP_HAS_CLIENT_ID;
			memcpy(m->client_id, v, len);
			m->client_id_len = len;
		}
		return 0;
	case DHCP_OPT_PARAMS:
		if (len < 1)
			return -DHCP_ERR_OPT_BAD_LEN;
		if (!(m->has & DHCP_HAS_PARAMS)) {
			m->has |= DHCP_HAS_PARAMS;
			m->n_params = len < DHCP_PARAMS_MAX ? len : DHCP_PARAMS_MAX;
			memcpy(m->params, v, m->n_params);
		}
		return 0;
	default:
		return 0; /* an option the client does not use: skipped */
	}
}

/* Walks the options of one area. *overload is set from option 52, which only the options
 * field may carry (`main`): one inside sname or file would be a loop, and is refused. */
static int opts_parse(const uint8_t *a, size_t len, int main, int *overload,
		      struct dhcp_msg *m)
{
	size_t i = 0;

	while (i < len) {
		uint8_t code = a[i++];
		if (code == DHCP_OPT_PAD)
			continue;
		if (code == DHCP_OPT_END)
			return 0;
		if (i >= len || a[i] > len - i - 1)
			return -DHCP_ERR_OPT_TRUNC;
		uint8_t olen = a[i++];
		if (code == DHCP_OPT_DOMAIN && olen > DHCP_DOMAIN_MAX)
			return -DHCP_ERR_OPT_BAD_LEN;
		if (code == DHCP_OPT_OVERLOAD) {
			if (!main || *overload || olen != 1 || a[i] < 1 || a[i] > 3)
				return -DHCP_ERR_BAD_OVERLOAD;
			*overload = a[i];
		} else {
			int err = opt_take(m, code, a + i, olen);
			if (err)
				return err;
		}
		i += olen;
	}
	return 0; /* no END: taken as the end of the area */
}

int dhcp_parse(const uint8_t *b, size_t len, struct dhcp_msg *out)
{
	int overload = 0, err;

	memset(out, 0, sizeof(*out));
	if (len < DHCP_MIN_LEN)
		return -DHCP_ERR_SHORT;
	out->op = b[0];
	out->htype = b[1];
	out->hlen = b[2];
	out->hops = b[3];
	if (out->op != DHCP_BOOTREQUEST && out->op != DHCP_BOOTREPLY)
		return -DHCP_ERR_BAD_OP;
	if (out->htype != DHCP_HTYPE_ETHER || out->hlen != 6)
		return -DHCP_ERR_BAD_HW;
	out->xid = rd32(b + 4);
	out->secs = rd16(b + 8);
	out->flags = rd16(b + 10);
	memcpy(&out->ciaddr, b + 12, 4);
	memcpy(&out->yiaddr, b + 16, 4);
	memcpy(&out->siaddr, b + 20, 4);
	memcpy(&out->giaddr, b + 24, 4);
	memcpy(out->chaddr, b + 28, 16);
	if (rd32(b + DHCP_FIXED_LEN) != DHCP_COOKIE)
		return -DHCP_ERR_NO_COOKIE;
	err = opts_parse(b + DHCP_MIN_LEN, len - DHCP_MIN_LEN, 1, &overload, out);
	/* RFC 2131 4.1: the file field is read before sname. Each at most once. */
	if (!err && (overload & 1))
		err = opts_parse(b + DHCP_FILE_OFF, DHCP_FILE_LEN, 0, &overload, out);
	if (!err && (overload & 2))
		err = opts_parse(b + DHCP_SNAME_OFF, DHCP_SNAME_LEN, 0, &overload, out);
	if (err)
		return err;
	if (out->type < DHCPDISCOVER || out->type > DHCPINFORM)
		return -DHCP_ERR_NO_TYPE;
	return 0;
}

int dhcp_parse_counted(const uint8_t *b, size_t len, struct dhcp_msg *out)
{
	int err = dhcp_parse(b, len, out);

	STAT_INC(dhcp, rx);
	switch (-err) {
	case 0: break;
	case DHCP_ERR_SHORT: STAT_INC(dhcp, rx_short); break;
	case DHCP_ERR_BAD_OP: STAT_INC(dhcp, rx_bad_op); break;
	case DHCP_ERR_BAD_HW: STAT_INC(dhcp, rx_bad_hw); break;
	case DHCP_ERR_NO_COOKIE: STAT_INC(dhcp, rx_no_cookie); break;
	case DHCP_ERR_OPT_TRUNC: STAT_INC(dhcp, rx_opt_trunc); break;
	case DHCP_ERR_OPT_BAD_LEN: STAT_INC(dhcp, rx_opt_bad_len); break;
	case DHCP_ERR_BAD_OVERLOAD: STAT_INC(dhcp, rx_bad_overload); break;
	default: STAT_INC(dhcp, rx_no_type); break;
	}
	return err;
}

/* Appends option code with len bytes of v at *i, if it fits before the END byte. */
static int opt_put(uint8_t *b, size_t cap, size_t *i, uint8_t code, const void *v, size_t len)
{
	if (len > 255 || *i + 2 + len + 1 > cap)
		return -1;
	b[(*i)++] = code;
	b[(*i)++] = (uint8_t)len;
	memcpy(b + *i, v, len);
	*i += len;
	return 0;
}

static int opt_put32(uint8_t *b, size_t cap, size_t *i, uint8_t code, uint32_t host)
{
	uint8_t v[4];

	wr32(v, host);
	return opt_put(b, cap, i, code, v, 4);
}

size_t dhcp_emit(const struct dhcp_msg *m, uint8_t *b, size_t cap)
{
	size_t i = DHCP_MIN_LEN;
	int bad = 0;
	uint8_t v[2];

	if (cap < DHCP_EMIT_MIN_LEN)
		return 0;
	memset(b, 0, DHCP_MIN_LEN);
	b[0] = m->op;
	b[1] = m->htype;
	b[2] = m->hlen;
	b[3] = m->hops;
	wr32(b + 4, m->xid);
	wr16(b + 8, m->secs);
	wr16(b + 10, m->flags);
	memcpy(b + 12, &m->ciaddr, 4);
	memcpy(b + 16, &m->yiaddr, 4);
	memcpy(b + 20, &m->siaddr, 4);
	memcpy(b + 24, &m->giaddr, 4);
	memcpy(b + 28, m->chaddr, 16);
	wr32(b + DHCP_FIXED_LEN, DHCP_COOKIE);
	bad |= opt_put(b, cap, &i, DHCP_OPT_MSG_TYPE, &m->type, 1);
	if (m->has & DHCP_HAS_CLIENT_ID)
		bad |= opt_put(b, cap, &i, DHCP_OPT_CLIENT_ID, m->client_id, m->client_id_len);
	if (m->has & DHCP_HAS_REQUESTED_IP)
		bad |= opt_put(b, cap, &i, DHCP_OPT_REQUESTED_IP, &m->requested_ip, 4);
	if (m->has & DHCP_HAS_SERVER_ID)
		bad |= opt_put(b, cap, &i, DHCP_OPT_SERVER_ID, &m->server_id, 4);
	if (m->has & DHCP_HAS_LEASE)
		bad |= opt_put32(b, cap, &i, DHCP_OPT_LEASE_TIME, m->lease_s);
	if (m->has & DHCP_HAS_T1)
		bad |= opt_put32(b, cap, &i, DHCP_OPT_T1, m->t1_s);
	if (m->has & DHCP_HAS_T2)
		bad |= opt_put32(b, cap, &i, DHCP_OPT_T2, m->t2_s);
	if (m->has & DHCP_HAS_MASK)
		bad |= opt_put(b, cap, &i, DHCP_OPT_SUBNET_MASK, &m->mask, 4);
	if (m->has & DHCP_HAS_ROUTER)
		bad |= opt_put(b, cap, &i, DHCP_OPT_ROUTER, &m->router, 4);
	if ((m->has & DHCP_HAS_DNS) && m->n_dns)
		bad |= opt_put(b, cap, &i, DHCP_OPT_DNS, m->dns, 4u * m->n_dns);
	if ((m->has & DHCP_HAS_DOMAIN) && m->domain[0])
		bad |= opt_put(b, cap, &i, DHCP_OPT_DOMAIN, m->domain, strlen(m->domain));
	if (m->has & DHCP_HAS_MTU) {
		wr16(v, m->mtu);
		bad |= opt_put(b, cap, &i, DHCP_OPT_MTU, v, 2);
	}
	if ((m->has & DHCP_HAS_PARAMS) && m->n_params)
		bad |= opt_put(b, cap, &i, DHCP_OPT_PARAMS, m->params, m->n_params);
	if (bad)
		return 0;
	b[i++] = DHCP_OPT_END; /* opt_put kept a byte for it */
	if (i < DHCP_EMIT_MIN_LEN) {
		memset(b + i, 0, DHCP_EMIT_MIN_LEN - i);
		i = DHCP_EMIT_MIN_LEN;
	}
	return i;
}
