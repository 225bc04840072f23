/* SPDX-License-Identifier: MIT */
/* The DHCP client's state machine (RFC 2131 4.1, 4.4): no I/O, no clock; see dhcp.h. */
#include "dhcp/dhcp.h"

#include <arpa/inet.h>
#include <string.h>

#define BCAST 0xffffffffu
#define NEVER UINT64_MAX

/* What the client asks for (option 55). */
static const uint8_t dhcp_params[] = { DHCP_OPT_SUBNET_MASK, DHCP_OPT_ROUTER, DHCP_OPT_DNS,
				       DHCP_OPT_DOMAIN,      DHCP_OPT_MTU,    DHCP_OPT_LEASE_TIME,
				       DHCP_OPT_T1,          DHCP_OPT_T2 };

const char *dhcp_state_name(enum dhcp_state s)
{
	static const char *const names[] = { "STOPPED", "INIT",     "SELECTING", "REQUESTING",
					     "PROBING", "BOUND",    "RENEWING",  "REBINDING" };
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

int dhcp_mask_prefix(uint32_t mask)
{
	uint32_t m = ntohl(mask);
	int n = 0;

	while (n < 32 && (m & (0x80000000u >> n)))
		n++;
	if (n < 32 && (m << n))
		return -1; /* a one after a zero */
	return n;
}

static uint64_t rng_next(struct dhcp_client *c)
{
	uint64_t x = c->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	c->rng = x;
	return x;
}

/* interval +- DHCP_RTX_JITTER_MS, uniformly (RFC 2131 4.1). */
static uint64_t rtx_jittered(struct dhcp_client *c, uint32_t interval)
{
	return interval - DHCP_RTX_JITTER_MS + rng_next(c) % (2 * DHCP_RTX_JITTER_MS + 1);
}

static void new_exchange(struct dhcp_client *c, uint64_t now)
{
	c->xid = (uint32_t)(rng_next(c) >> 16);
	c->exchange_start = now;
	c->tries = 0;
	c->rtx_ms = DHCP_RTX_FIRST_MS;
}

void dhcp_client_init(struct dhcp_client *c, const uint8_t mac[6], uint64_t seed,
		      const struct dhcp_client_ops *ops, void *ctx)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->mac, mac, 6);
	c->client_id[0] = DHCP_HTYPE_ETHER;
	memcpy(c->client_id + 1, mac, 6);
	c->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
	c->ops = ops;
	c->ctx = ctx;
	c->state = DHCP_STOPPED;
	c->decline_wait_ms = DHCP_DECLINE_WAIT_MS;
}

/* Builds and sends one message of the current exchange; type says which. */
static void send_msg(struct dhcp_client *c, uint8_t type, uint64_t now)
{
	struct dhcp_msg m = { 0 };
	uint8_t buf[DHCP_EMIT_MIN_LEN + 64];
	uint32_t dst = BCAST;
	uint64_t secs = type == DHCPDECLINE ? 0 : (now - c->exchange_start) / 1000;

	m.op = DHCP_BOOTREQUEST;
	m.htype = DHCP_HTYPE_ETHER;
	m.hlen = 6;
	m.xid = c->xid;
	m.secs = secs > 0xffff ? 0xffff : (uint16_t)secs;
	memcpy(m.chaddr, c->mac, 6);
	m.type = type;
	m.has = DHCP_HAS_CLIENT_ID;
	memcpy(m.client_id, c->client_id, sizeof(c->client_id));
	m.client_id_len = sizeof(c->client_id);
	if (type != DHCPRELEASE && type != DHCPDECLINE) { /* RFC 2131 table 5: MUST NOT */
		m.has |= DHCP_HAS_PARAMS;
		memcpy(m.params, dhcp_params, sizeof(dhcp_params));
		m.n_params = sizeof(dhcp_params);
	}
	switch (type) {
	case DHCPDISCOVER:
		m.flags = DHCP_FLAG_BROADCAST; /* no address yet: answer by broadcast */
		break;
	case DHCPREQUEST:
		if (c->state == DHCP_REQUESTING) { /* RFC 2131 4.3.2, SELECTING */
			m.flags = DHCP_FLAG_BROADCAST;
			m.has |= DHCP_HAS_REQUESTED_IP | DHCP_HAS_SERVER_ID;
			m.requested_ip = c->offer_addr;
			m.server_id = c->offer_server;
		} else { /* RENEWING (unicast) or REBINDING (broadcast): ciaddr only */
			m.ciaddr = c->lease.addr;
			if (c->state == DHCP_RENEWING)
				dst = c->lease.server_id;
		}
		break;
	case DHCPDECLINE: /* RFC 2131 4.4.4 and table 5: broadcast, no ciaddr, options 50, 54 */
		m.has |= DHCP_HAS_REQUESTED_IP | DHCP_HAS_SERVER_ID;
		m.requested_ip = c->lease.addr;
		m.server_id = c->lease.server_id;
		break;
	case DHCPRELEASE: /* RFC 2131 4.4.6: unicast to the server, with its id */
		m.ciaddr = c->lease.addr;
		m.has |= DHCP_HAS_SERVER_ID;
		m.server_id = c->lease.server_id;
		dst = c->lease.server_id;
		break;
	}
	size_t n = dhcp_emit(&m, buf, sizeof(buf));
	if (!n || c->ops->send(c->ctx, buf, n, dst) < 0) {
		STAT_INC(dhcp, tx_errors);
		return;
	}
	if (type == DHCPDISCOVER)
		STAT_INC(dhcp, tx_discover);
	else if (type == DHCPREQUEST)
		STAT_INC(dhcp, tx_request);
	else if (type == DHCPDECLINE)
		STAT_INC(dhcp, tx_decline);
	else
		STAT_INC(dhcp, tx_release);
}

/* Sends the exchange's message and arms its retransmission with back-off. */
static void transmit(struct dhcp_client *c, uint8_t type, uint64_t now)
{
	if (c->tries++)
		STAT_INC(dhcp, retransmits);
	send_msg(c, type, now);
	if (c->state == DHCP_RENEWING || c->state == DHCP_REBINDING) {
		uint64_t end = c->state == DHCP_RENEWING ? c->t2_at : c->expire_at;
		uint64_t half = end > now ? (end - now) / 2 : 0;
		c->next_tx = now + (half > DHCP_RENEW_RTX_MIN_MS ? half : DHCP_RENEW_RTX_MIN_MS);
		return;
	}
	c->next_tx = now + rtx_jittered(c, c->rtx_ms);
	c->rtx_ms = c->rtx_ms * 2 > DHCP_RTX_MAX_MS ? DHCP_RTX_MAX_MS : c->rtx_ms * 2;
}

static void enter_init(struct dhcp_client *c, uint64_t now)
{
	new_exchange(c, now);
	c->state = DHCP_SELECTING;
	transmit(c, DHCPDISCOVER, now);
}

void dhcp_client_start(struct dhcp_client *c, uint64_t now)
{
	enter_init(c, now);
}

/* Ends a held lease: the owner takes the address away. */
static void drop_lease(struct dhcp_client *c)
{
	if (c->state >= DHCP_BOUND)
		c->ops->unbind(c->ctx, &c->lease);
	memset(&c->lease, 0, sizeof(c->lease));
}

/* The natural mask of an address's class, for an ACK without option 1 (RFC 2131 4.3.1
 * leaves it to the client). */
static uint32_t class_mask(uint32_t addr)
{
	uint8_t first = (uint8_t)(ntohl(addr) >> 24);

	return htonl(first < 128 ? 0xff000000u : first < 192 ? 0xffff0000u : 0xffffff00u);
}

static void take_ack(struct dhcp_client *c, const struct dhcp_msg *m, uint64_t now)
{
	struct dhcp_lease l = { 0 };
	enum dhcp_state was = c->state;

	l.addr = m->yiaddr;
	l.mask = (m->has & DHCP_HAS_MASK) && dhcp_mask_prefix(m->mask) >= 0 ? m->mask
									    : class_mask(m->yiaddr);
	l.router = (m->has & DHCP_HAS_ROUTER) ? m->router : 0;
	/* RFC 2131 4.4.5: RENEWING talks to the server of the lease; an ACK without option
	 * 54 keeps the one we had. */
	l.server_id = (m->has & DHCP_HAS_SERVER_ID) ? m->server_id
			: was == DHCP_REQUESTING ? c->offer_server : c->lease.server_id;
	memcpy(l.dns, m->dns, sizeof(l.dns));
	l.n_dns = m->n_dns;
	l.mtu = (m->has & DHCP_HAS_MTU) ? m->mtu : 0;
	memcpy(l.domain, m->domain, sizeof(l.domain));
	l.lease_s = m->lease_s;
	if (l.lease_s == DHCP_LEASE_INFINITE) {
		l.t1_s = l.t2_s = DHCP_LEASE_INFINITE;
		c->t1_at = c->t2_at = c->expire_at = NEVER;
	} else {
		/* RFC 2131 4.4.5 defaults: T1 = 0.5 lease, T2 = 0.875 lease; T1 <= T2 <= lease. */
		l.t2_s = (m->has & DHCP_HAS_T2) && m->t2_s <= l.lease_s
				 ? m->t2_s : (uint32_t)((uint64_t)l.lease_s * 7 / 8);
		l.t1_s = (m->has & DHCP_HAS_T1) && m->t1_s <= l.t2_s ? m->t1_s : l.lease_s / 2;
		if (l.t1_s > l.t2_s)
			l.t1_s = l.t2_s;
		/* Times count from when the exchange began (RFC 2131 4.4.1). */
		c->t1_at = c->exchange_start + (uint64_t)l.t1_s * 1000;
		c->t2_at = c->exchange_start + (uint64_t)l.t2_s * 1000;
		c->expire_at = c->exchange_start + (uint64_t)l.lease_s * 1000;
	}
	if (was != DHCP_REQUESTING && l.addr != c->lease.addr)
		c->ops->unbind(c->ctx, &c->lease); /* renewed onto another address */
	c->lease = l;
	c->next_tx = 0;
	/* RFC 2131 4.4.1: a new address is checked before use (ARP, RFC 5227); a renewed
	 * one is ours already. */
	if (was == DHCP_REQUESTING && c->ops->probe) {
		c->state = DHCP_PROBING;
		if (c->ops->probe(c->ctx, l.addr) == 0)
			return;
	}
	c->state = DHCP_BOUND;
	if (was == DHCP_REQUESTING) {
		STAT_INC(dhcp, leases);
		c->conflicts = 0;
	} else if (was == DHCP_RENEWING) {
		STAT_INC(dhcp, renewals);
	} else {
		STAT_INC(dhcp, rebinds);
	}
	c->ops->bind(c->ctx, &c->lease);
	(void)now;
}

void dhcp_client_probe_done(struct dhcp_client *c, int conflict, uint64_t now)
{
	uint64_t wait;

	if (c->state != DHCP_PROBING) {
		STAT_INC(dhcp, probe_stale);
		return;
	}
	if (!conflict) {
		STAT_INC(dhcp, leases);
		c->conflicts = 0;
		c->state = DHCP_BOUND;
		c->ops->bind(c->ctx, &c->lease);
		return;
	}
	/* RFC 2131 3.1.5: DHCPDECLINE, then back to INIT after a while. The xid stays the
	 * exchange's (table 5: the server's OFFER's). */
	send_msg(c, DHCPDECLINE, now);
	memset(&c->lease, 0, sizeof(c->lease));
	c->conflicts++;
	wait = c->decline_wait_ms;
	if (c->conflicts >= DHCP_MAX_CONFLICTS && wait < DHCP_CONFLICT_RATE_LIMIT_MS)
		wait = DHCP_CONFLICT_RATE_LIMIT_MS;
	c->state = DHCP_INIT;
	c->next_tx = now + wait;
}

void dhcp_client_input(struct dhcp_client *c, const uint8_t *b, size_t len, uint64_t now)
{
	struct dhcp_msg m;

	if (dhcp_parse_counted(b, len, &m) < 0)
		return;
	if (m.op != DHCP_BOOTREPLY) {
		STAT_INC(dhcp, rx_wrong_op);
		return;
	}
	if (m.xid != c->xid) {
		STAT_INC(dhcp, rx_bad_xid);
		return;
	}
	if (memcmp(m.chaddr, c->mac, 6)) {
		STAT_INC(dhcp, rx_bad_chaddr);
		return;
	}
	switch (m.type) {
	case DHCPOFFER:
		/* The first usable offer wins (RFC 2131 4.4.1 lets the client choose). */
		if (c->state != DHCP_SELECTING || !m.yiaddr || m.yiaddr == BCAST ||
		    !(m.has & DHCP_HAS_SERVER_ID))
			break;
		STAT_INC(dhcp, rx_offer);
		c->offer_addr = m.yiaddr;
		c->offer_server = m.server_id;
		c->state = DHCP_REQUESTING;
		c->tries = 0; /* the xid stays the offer's (RFC 2131 4.4.1) */
		c->rtx_ms = DHCP_RTX_FIRST_MS;
		transmit(c, DHCPREQUEST, now);
		return;
	case DHCPACK:
		if (c->state < DHCP_REQUESTING || c->state == DHCP_PROBING || !m.yiaddr ||
		    m.yiaddr == BCAST || !(m.has & DHCP_HAS_LEASE) || m.lease_s == 0)
			break;
		if (c->state == DHCP_REQUESTING && m.yiaddr != c->offer_addr)
			break;
		STAT_INC(dhcp, rx_ack);
		take_ack(c, &m, now);
		return;
	case DHCPNAK:
		if (c->state < DHCP_REQUESTING || c->state == DHCP_BOUND)
			break;
		STAT_INC(dhcp, rx_nak);
		STAT_INC(dhcp, nak_restarts);
		if (c->state == DHCP_PROBING && c->ops->probe_cancel)
			c->ops->probe_cancel(c->ctx);
		drop_lease(c);
		enter_init(c, now); /* RFC 2131 3.1 step 5: back to INIT */
		return;
	default:
		break;
	}
	STAT_INC(dhcp, rx_unexpected);
}

uint64_t dhcp_client_deadline(const struct dhcp_client *c)
{
	uint64_t d = NEVER;

	switch (c->state) {
	case DHCP_STOPPED:
	case DHCP_PROBING: /* the probe's owner reports when it is done */
		return NEVER;
	case DHCP_INIT:
	case DHCP_SELECTING:
	case DHCP_REQUESTING:
		return c->next_tx;
	case DHCP_BOUND:
		return c->t1_at;
	case DHCP_RENEWING:
		d = c->t2_at;
		break;
	case DHCP_REBINDING:
		d = c->expire_at;
		break;
	}
	return c->next_tx && c->next_tx < d ? c->next_tx : d;
}

void dhcp_client_timer(struct dhcp_client *c, uint64_t now)
{
	switch (c->state) {
	case DHCP_STOPPED:
	case DHCP_PROBING:
		return;
	case DHCP_INIT:
		if (now >= c->next_tx)
			enter_init(c, now);
		return;
	case DHCP_SELECTING:
		if (now >= c->next_tx)
			transmit(c, DHCPDISCOVER, now);
		return;
	case DHCP_REQUESTING:
		if (now < c->next_tx)
			return;
		if (c->tries >= DHCP_REQUEST_TRIES)
			enter_init(c, now); /* the server went quiet: start over */
		else
			transmit(c, DHCPREQUEST, now);
		return;
	case DHCP_BOUND:
	case DHCP_RENEWING:
	case DHCP_REBINDING:
		break;
	}
	if (now >= c->expire_at) {
		STAT_INC(dhcp, expiries);
		drop_lease(c);
		enter_init(c, now);
		return;
	}
	if (c->state < DHCP_REBINDING && now >= c->t2_at) {
		c->state = DHCP_REBINDING;
		new_exchange(c, now);
		transmit(c, DHCPREQUEST, now);
		return;
	}
	if (c->state == DHCP_BOUND && now >= c->t1_at) {
		c->state = DHCP_RENEWING;
		new_exchange(c, now);
		transmit(c, DHCPREQUEST, now);
		return;
	}
	if (c->state != DHCP_BOUND && c->next_tx && now >= c->next_tx)
		transmit(c, DHCPREQUEST, now);
}

void dhcp_client_release(struct dhcp_client *c, uint64_t now)
{
	if (c->state == DHCP_PROBING && c->ops->probe_cancel)
		c->ops->probe_cancel(c->ctx);
	if (c->state >= DHCP_BOUND) {
		send_msg(c, DHCPRELEASE, now);
		drop_lease(c);
	}
	c->state = DHCP_STOPPED;
	c->next_tx = 0;
}
