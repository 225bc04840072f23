/* SPDX-License-Identifier: MIT */
/* The resolver's cache: answers keyed by name and type, positive (the addresses, with the
 * end of the CNAME chain as canonical name) and negative (RFC 2308: NXDOMAIN for the name
 * whatever the type, NODATA for one type, and a short-lived "the servers failed"). No
 * clock and no lock of its own: `now` is passed in, the caller serialises. */
#ifndef DNS_DNS_CACHE_H
#define DNS_DNS_CACHE_H

#include <stdint.h>

#include "dns/dns_wire.h"

#define DNS_CACHE_ADDRS 8 /* addresses kept per name and type */

enum dns_cache_kind {
	DNS_CE_FREE = 0,
	DNS_CE_ADDR,     /* n addresses of the entry's type */
	DNS_CE_NXDOMAIN, /* the name does not exist: every type's lookup ends here */
	DNS_CE_NODATA,   /* the name exists, without records of this type */
	DNS_CE_SERVFAIL, /* every server failed for this name and type (RFC 2308 7.1) */
};

struct dns_cache_entry {
	char name[DNS_NAME_TEXT_MAX];
	char canon[DNS_NAME_TEXT_MAX]; /* DNS_CE_ADDR: the name the addresses belong to */
	uint16_t type;                  /* DNS_TYPE_A or DNS_TYPE_AAAA */
	uint8_t kind;                   /* enum dns_cache_kind */
	uint8_t n;
	uint8_t addr[DNS_CACHE_ADDRS][16]; /* A: the first 4 bytes of each */
	uint64_t expires_ms;
};

/* A fixed table of max entries, allocated once; a full table replaces the entry that
 * expires soonest. */
struct dns_cache {
	struct dns_cache_entry *e;
	unsigned max;
};

/* Allocates room for max entries (0: a cache that keeps nothing). 0 or -ENOMEM. */
int dns_cache_init(struct dns_cache *c, unsigned max);
void dns_cache_free(struct dns_cache *c);
void dns_cache_clear(struct dns_cache *c);

/* The live entry for name and type, copied to out: an NXDOMAIN entry of the name is
 * returned whatever type is asked. 1 on a hit, 0 on a miss. */
int dns_cache_get(const struct dns_cache *c, const char *name, uint16_t type, uint64_t now,
		  struct dns_cache_entry *out);

/* Stores e (its name, type, kind, n, addr, canon) for ttl_s seconds from now, replacing
 * the entry for the same name and type; ttl_s 0 removes that entry instead. An NXDOMAIN
 * replaces every entry of the name. */
void dns_cache_put(struct dns_cache *c, const struct dns_cache_entry *e, uint32_t ttl_s,
		   uint64_t now);

/* Live entries (tests). */
unsigned dns_cache_count(const struct dns_cache *c, uint64_t now);

#endif
