/* SPDX-License-Identifier: MIT */
/* The resolver's cache (dns_cache.h): a table searched linearly, as a stub's cache holds
 * the few names one program looks up; the table's size is the resolver's cache_max. */
#include "dns/dns_cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int dns_cache_init(struct dns_cache *c, unsigned max)
{
	c->e = NULL;
	c->max = 0;
	if (max == 0)
		return 0;
	c->e = calloc(max, sizeof(*c->e));
	if (!c->e)
		return -ENOMEM;
	c->max = max;
	return 0;
}

void dns_cache_free(struct dns_cache *c)
{
	free(c->e);
	c->e = NULL;
	c->max = 0;
}

void dns_cache_clear(struct dns_cache *c)
{
	if (c->e)
		memset(c->e, 0, c->max * sizeof(*c->e));
}

static int live(const struct dns_cache_entry *e, uint64_t now)
{
	return e->kind != DNS_CE_FREE && e->expires_ms > now;
}

int dns_cache_get(const struct dns_cache *c, const char *name, uint16_t type, uint64_t now,
		  struct dns_cache_entry *out)
{
	const struct dns_cache_entry *hit = NULL;

	for (unsigned i = 0; i < c->max; i++) {
		const struct dns_cache_entry *e = &c->e[i];

		if (!live(e, now) || !dns_name_equal(e->name, name))
			continue;
		if (e->kind == DNS_CE_NXDOMAIN) {
			hit = e;
			break;
		}
		if (e->type == type)
			hit = e;
	}
	if (!hit)
		return 0;
	*out = *hit;
	return 1;
}

void dns_cache_put(struct dns_cache *c, const struct dns_cache_entry *e, uint32_t ttl_s,
		   uint64_t now)
{
	struct dns_cache_entry *victim = NULL;

	for (unsigned i = 0; i < c->max; i++) {
		struct dns_cache_entry *x = &c->e[i];

		if (!live(x, now)) {
			if (!victim || live(victim, now))
				victim = x;
			continue;
		}
		if (!dns_name_equal(x->name, e->name))
			goto older;
		/* What is known of the name now replaces what was: an NXDOMAIN every type's
		 * entry, an answer for one type that type's entry and an NXDOMAIN. */
		if (e->kind == DNS_CE_NXDOMAIN || x->kind == DNS_CE_NXDOMAIN || x->type == e->type) {
			x->kind = DNS_CE_FREE;
			if (!victim || live(victim, now))
				victim = x;
			continue;
		}
older:
		if (!victim || (live(victim, now) && x->expires_ms < victim->expires_ms))
			victim = x;
	}
	if (!victim || ttl_s == 0)
		return;
	*victim = *e;
	if (victim->n > DNS_CACHE_ADDRS)
		victim->n = DNS_CACHE_ADDRS;
	victim->expires_ms = now + (uint64_t)ttl_s * 1000;
}

unsigned dns_cache_count(const struct dns_cache *c, uint64_t now)
{
	unsigned n = 0;

	for (unsigned i = 0; i < c->max; i++)
		n += live(&c->e[i], now) ? 1u : 0u;
	return n;
}
