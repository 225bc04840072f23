/* SPDX-License-Identifier: MIT */
/* DHCP messages (RFC 2131 section 2 and 4.1, options from RFC 2132): parse and emit as pure
 * functions over byte buffers, and the dhcp.* counters. Addresses stay in network order,
 * every other field is in host order. Only the options the client uses are kept; the rest
 * are skipped after their length is checked. */
#ifndef DHCP_DHCP_WIRE_H
#define DHCP_DHCP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "net/stats.h"

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_FIXED_LEN 236      /* op .. file, before the magic cookie */
#define DHCP_COOKIE 0x63825363u /* RFC 2131 3: 99.130.83.99 */
#define DHCP_MIN_LEN (DHCP_FIXED_LEN + 4)
/* RFC 2131 2: a client must take messages of up to 576 bytes of IP; emit pads requests to
 * the 300-byte BOOTP minimum, since some relays drop anything shorter (RFC 1542 2.1). */
#define DHCP_EMIT_MIN_LEN 300
#define DHCP_SNAME_OFF 44
#define DHCP_SNAME_LEN 64
#define DHCP_FILE_OFF 108
#define DHCP_FILE_LEN 128
#define DHCP_FLAG_BROADCAST 0x8000

#define DHCP_BOOTREQUEST 1
#define DHCP_BOOTREPLY 2
#define DHCP_HTYPE_ETHER 1

/* Option 53 values (RFC 2132 9.6). */
enum dhcp_msg_type {
	DHCPDISCOVER = 1,
	DHCPOFFER = 2,
	DHCPREQUEST = 3,
	DHCPDECLINE = 4,
	DHCPACK = 5,
	DHCPNAK = 6,
	DHCPRELEASE = 7,
	DHCPINFORM = 8,
};

enum dhcp_opt {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_SUBNET_MASK = 1,
	DHCP_OPT_ROUTER = 3,
	DHCP_OPT_DNS = 6,
	DHCP_OPT_DOMAIN = 15,
	DHCP_OPT_MTU = 26,
	DHCP_OPT_REQUESTED_IP = 50,
	DHCP_OPT_LEASE_TIME = 51,
	DHCP_OPT_OVERLOAD = 52,
	DHCP_OPT_MSG_TYPE = 53,
	DHCP_OPT_SERVER_ID = 54,
	DHCP_OPT_PARAMS = 55,
	DHCP_OPT_T1 = 58,
	DHCP_OPT_T2 = 59,
	DHCP_OPT_CLIENT_ID = 61,
	DHCP_OPT_END = 255,
};

/* Bits of dhcp_msg.has: which options the message carries. */
enum {
	DHCP_HAS_MASK = 1u << 0,
	DHCP_HAS_ROUTER = 1u << 1,
	DHCP_HAS_DNS = 1u << 2,
	DHCP_HAS_DOMAIN = 1u << 3,
	DHCP_HAS_MTU = 1u << 4,
	DHCP_HAS_REQUESTED_IP = 1u << 5,
	DHCP_HAS_LEASE = 1u << 6,
	DHCP_HAS_SERVER_ID = 1u << 7,
	DHCP_HAS_T1 = 1u << 8,
	DHCP_HAS_T2 = 1u << 9,
	DHCP_HAS_CLIENT_ID = 1u << 10,
	DHCP_HAS_PARAMS = 1u << 11,
};

#define DHCP_MAX_DNS 4
#define DHCP_DOMAIN_MAX 253
#define DHCP_CLIENT_ID_MAX 32
#define DHCP_PARAMS_MAX 16
/* RFC 2132 5.1: an MTU option below 68 is invalid. */
#define DHCP_MTU_MIN 68

struct dhcp_msg {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	uint32_t ciaddr, yiaddr, siaddr, giaddr; /* network order */
	uint8_t chaddr[16];
	uint8_t type;                            /* option 53; 0 when absent */
	unsigned has;                            /* DHCP_HAS_* */
	uint32_t mask, router, server_id, requested_ip; /* network order */
	uint32_t dns[DHCP_MAX_DNS];              /* network order */
	uint8_t n_dns;
	char domain[DHCP_DOMAIN_MAX + 1];        /* NUL-terminated */
	uint16_t mtu;
	uint32_t lease_s, t1_s, t2_s;
	uint8_t client_id[DHCP_CLIENT_ID_MAX];
	uint8_t client_id_len;
	uint8_t params[DHCP_PARAMS_MAX];
	uint8_t n_params;
};

/* Why dhcp_parse refused a message; each has its counter (dhcp_count_parse_error). */
enum dhcp_parse_err {
	DHCP_ERR_SHORT = 1,    /* shorter than the fixed header and cookie */
	DHCP_ERR_BAD_OP,       /* op neither BOOTREQUEST nor BOOTREPLY */
	DHCP_ERR_BAD_HW,       /* htype/hlen not Ethernet's */
	DHCP_ERR_NO_COOKIE,    /* magic cookie missing */
	DHCP_ERR_OPT_TRUNC,    /* an option's length runs past its area */
	DHCP_ERR_OPT_BAD_LEN,  /* an option's length wrong for its kind */
	DHCP_ERR_BAD_OVERLOAD, /* option 52 invalid, repeated, or inside sname/file */
	DHCP_ERR_NO_TYPE,      /* no (valid) option 53 */
};

#define DHCP_COUNTERS(X)                                                                   \
	X(rx) X(rx_short) X(rx_bad_op) X(rx_bad_hw) X(rx_no_cookie) X(rx_opt_trunc)        \
	X(rx_opt_bad_len) X(rx_bad_overload) X(rx_no_type) X(rx_wrong_op) X(rx_bad_xid)   \
	X(rx_bad_chaddr) X(rx_unexpected) X(rx_offer) X(rx_ack) X(rx_nak)                  \
	X(tx_discover) X(tx_request) X(tx_release) X(tx_errors) X(leases) X(renewals)      \
	X(rebinds) X(expiries) X(nak_restarts) X(retransmits) X(tx_decline) X(probe_stale)
STATS_DECLARE(dhcp, DHCP_COUNTERS);
#define dhcp_stats STATS_REF(dhcp)

/* Parses a message (the UDP payload). Returns 0, or -DHCP_ERR_*; out is then partial. */
int dhcp_parse(const uint8_t *b, size_t len, struct dhcp_msg *out);
/* dhcp_parse, counting dhcp.rx and the reason of a refusal. */
int dhcp_parse_counted(const uint8_t *b, size_t len, struct dhcp_msg *out);
/* Writes m with the options its `has` bits and type name, then END, padded to
 * DHCP_EMIT_MIN_LEN. Returns the length, or 0 if cap is too small. */
size_t dhcp_emit(const struct dhcp_msg *m, uint8_t *b, size_t cap);
/* The name of a message type ("DISCOVER"), "?" for an unknown one. */
const char *dhcp_type_name(uint8_t type);

#endif
