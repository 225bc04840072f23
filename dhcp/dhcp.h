/* SPDX-License-Identifier: MIT */
/* The DHCP client's state machine (RFC 2131 4.1 and 4.4, figure 5): INIT, SELECTING,
 * REQUESTING, BOUND, RENEWING, REBINDING, with PROBING between REQUESTING and BOUND: the
 * address of a new lease is checked for another user (RFC 2131 4.4.1's ARP check, done
 * the RFC 5227 way by the owner) and declined if it has one (4.4.4). In the smoltcp
 * manner it does no I/O and reads no clock: time comes in as `now` (milliseconds),
 * messages come in as bytes, and what goes out, and what is configured, taken away or
 * checked, goes through the ops its owner gives it.
 * The owner calls dhcp_client_timer once dhcp_client_deadline has passed. */
#ifndef DHCP_DHCP_H
#define DHCP_DHCP_H

#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp_wire.h"

enum dhcp_state {
	DHCP_STOPPED,    /* not started, or released */
	DHCP_INIT,       /* after a DECLINE: waiting before the next DISCOVER (RFC 2131 3.1.5) */
	DHCP_SELECTING,  /* DISCOVER sent, waiting for an OFFER */
	DHCP_REQUESTING, /* REQUEST for an offer sent, waiting for the ACK */
	DHCP_PROBING,    /* ACKed: the owner probes the address before it is used */
	DHCP_BOUND,
	DHCP_RENEWING,   /* past T1: REQUEST unicast to the server that gave the lease */
	DHCP_REBINDING,  /* past T2: REQUEST broadcast to any server */
};

/* RFC 2131 4.1: the first retransmission after 4 s, doubling up to 64 s, each +-1 s. */
#define DHCP_RTX_FIRST_MS 4000
#define DHCP_RTX_MAX_MS 64000
#define DHCP_RTX_JITTER_MS 1000
/* REQUESTs for one offer before starting over with a DISCOVER. */
#define DHCP_REQUEST_TRIES 4
/* RFC 2131 4.4.5: in RENEWING and REBINDING, retransmit at half the time left, not
 * sooner than 60 s apart. */
#define DHCP_RENEW_RTX_MIN_MS 60000
#define DHCP_LEASE_INFINITE 0xffffffffu
/* RFC 2131 3.1.5: after a DECLINE, at least 10 s before starting over (the default of
 * dhcp_client.decline_wait_ms). RFC 5227 2.1.1: after MAX_CONFLICTS conflicts in a row, at
 * most one attempt per RATE_LIMIT_INTERVAL. */
#define DHCP_DECLINE_WAIT_MS 10000
#define DHCP_MAX_CONFLICTS 10
#define DHCP_CONFLICT_RATE_LIMIT_MS 60000

/* What a lease configures; addresses in network order. */
struct dhcp_lease {
	uint32_t addr, mask, router, server_id; /* router 0: none offered */
	uint32_t dns[DHCP_MAX_DNS];
	uint8_t n_dns;
	uint16_t mtu;                           /* 0: none offered */
	uint32_t lease_s, t1_s, t2_s;
	char domain[DHCP_DOMAIN_MAX + 1];
};

struct dhcp_client_ops {
	/* Sends a message from port 68 to dst:67 (255.255.255.255 for a broadcast).
	 * Returns 0 or a negative error (counted as dhcp.tx_errors). */
	int (*send)(void *ctx, const uint8_t *b, size_t len, uint32_t dst);
	/* A lease starts or changes: configure it. */
	void (*bind)(void *ctx, const struct dhcp_lease *l);
	/* The lease ends (expiry, NAK, release): take its address away. */
	void (*unbind)(void *ctx, const struct dhcp_lease *l);
	/* The address of a new lease (after REQUESTING, not a renewal) is to be checked before
	 * bind: return 0 once a probe has started, and report its verdict later with
	 * dhcp_client_probe_done. Anything else (or no function) binds at once. */
	int (*probe)(void *ctx, uint32_t addr);
	/* The probe under way is no longer wanted (NAK, release). May be NULL. */
	void (*probe_cancel)(void *ctx);
};

struct dhcp_client {
	enum dhcp_state state;
	uint8_t mac[6];
	uint8_t client_id[7];       /* RFC 2132 9.14: type 1 (Ethernet), then the MAC */
	uint32_t xid;
	uint64_t rng;               /* xorshift64 state, for xids and jitter */
	uint64_t exchange_start;    /* for the secs field */
	uint64_t next_tx;           /* retransmission deadline; 0 when none */
	uint32_t rtx_ms;            /* current back-off interval */
	unsigned tries;             /* transmissions in this exchange */
	uint32_t offer_addr, offer_server;
	struct dhcp_lease lease;    /* valid from BOUND on */
	uint64_t t1_at, t2_at, expire_at; /* UINT64_MAX for an infinite lease */
	uint32_t decline_wait_ms;   /* after a DECLINE (DHCP_DECLINE_WAIT_MS; settable) */
	unsigned conflicts;         /* declines since the last lease */
	const struct dhcp_client_ops *ops;
	void *ctx;
};

/* Sets the client up for a MAC; seed feeds the xid and jitter generator (non-zero). */
void dhcp_client_init(struct dhcp_client *c, const uint8_t mac[6], uint64_t seed,
		      const struct dhcp_client_ops *ops, void *ctx);
/* INIT: broadcasts a DISCOVER and enters SELECTING. */
void dhcp_client_start(struct dhcp_client *c, uint64_t now);
/* A datagram that came to port 68 (its UDP payload). Bad or unwanted ones are counted. */
void dhcp_client_input(struct dhcp_client *c, const uint8_t *b, size_t len, uint64_t now);
/* The next time dhcp_client_timer has work; UINT64_MAX when none. */
uint64_t dhcp_client_deadline(const struct dhcp_client *c);
/* Retransmits, and moves to RENEWING, REBINDING or INIT, as the deadlines say. */
void dhcp_client_timer(struct dhcp_client *c, uint64_t now);
/* The verdict of the probe ops->probe started: 0 binds the lease; 1 (the address is in
 * use) broadcasts a DHCPDECLINE and waits decline_wait_ms in INIT before a new DISCOVER.
 * Ignored (counted as dhcp.probe_stale) outside PROBING. */
void dhcp_client_probe_done(struct dhcp_client *c, int conflict, uint64_t now);
/* Gives a held lease back (DHCPRELEASE unicast to its server, then unbind) and stops. */
void dhcp_client_release(struct dhcp_client *c, uint64_t now);
const char *dhcp_state_name(enum dhcp_state s);
/* The prefix length of a contiguous mask (network order); -1 if it is not contiguous. */
int dhcp_mask_prefix(uint32_t mask);

#endif
