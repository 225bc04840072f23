/* SPDX-License-Identifier: MIT */
/* nd_config by name, for `--nd NAME=VALUE,...` (as Linux's net.ipv6.conf.*.accept_ra,
 * dad_transmits, router_solicitations ...): router discovery, DAD and the cache's timers. */
#include "nd/nd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct nd_knob {
	const char *name;
	size_t off;
	unsigned min, max;
	const char *help;
};

#define KN(f, lo, hi, h) { #f, offsetof(struct nd_config_s, f), lo, hi, h }
static const struct nd_knob nd_knobs[] = {
	KN(accept_ra, 0, 1, "take router advertisements and solicit them at start"),
	KN(rtr_solicits, 0, 10, "router solicitations at start (MAX_RTR_SOLICITATIONS)"),
	KN(rtr_solicit_interval_ms, 1, 600000, "between them (RTR_SOLICITATION_INTERVAL)"),
	KN(rtr_solicit_delay_ms, 0, 60000, "random delay up to this before the first"),
	KN(dad_transmits, 0, 10, "DAD probes per address (DupAddrDetectTransmits); 0: none"),
	KN(dad_delay_ms, 0, 60000, "random delay up to this before the first DAD probe"),
	KN(idgen_retries, 0, 10, "new SLAAC identifiers after duplicates (RFC 7217)"),
	KN(retrans_ms, 1, 600000, "RetransTimer: between solicitations and after DAD's last"),
	KN(reachable_ms, 1, 3600000, "ReachableTime of a neighbour entry"),
	KN(routers_max, 1, 16, "default router list"),
	KN(prefixes_max, 1, 32, "on-link prefix list"),
	KN(redirects_max, 1, 64, "destinations redirected"),
	KN(queue_max, 1, 1024, "packets waiting for one neighbour's resolution"),
	KN(cache_max, 1, 1000000, "neighbour cache entries"),
};
#define ND_NKNOBS (sizeof(nd_knobs) / sizeof(nd_knobs[0]))

int nd_config_parse(const char *spec, char *bad, size_t badlen)
{
	const char *p = spec;

	while (*p) {
		size_t len = strcspn(p, ",");
		const char *eq = memchr(p, '=', len);
		const struct nd_knob *k = NULL;
		char val[16], *end;
		unsigned long v;

		if (badlen)
			snprintf(bad, badlen, "%.*s", (int)len, p);
		if (!eq)
			return -EINVAL;
		for (size_t i = 0; i < ND_NKNOBS; i++)
			if (strlen(nd_knobs[i].name) == (size_t)(eq - p) &&
			    !strncmp(nd_knobs[i].name, p, (size_t)(eq - p)))
				k = &nd_knobs[i];
		if (!k)
			return -ENOENT;
		if ((size_t)(p + len - eq - 1) >= sizeof(val) || p + len == eq + 1)
			return -EINVAL;
		memcpy(val, eq + 1, (size_t)(p + len - eq - 1));
		val[p + len - eq - 1] = '\0';
		errno = 0;
		v = strtoul(val, &end, 10);
		if (errno || *end || val[0] == '-')
			return -EINVAL;
		if (v < k->min || v > k->max)
			return -ERANGE;
		*(unsigned *)((char *)&nd_config + k->off) = (unsigned)v;
		p += len;
		if (*p == ',')
			p++;
	}
	if (badlen)
		bad[0] = '\0';
	return 0;
}

void nd_config_list(FILE *out)
{
	for (size_t i = 0; i < ND_NKNOBS; i++) {
		const struct nd_knob *k = &nd_knobs[i];

		fprintf(out, "  %-24s %-8u %s (%u..%u)\n", k->name,
			*(const unsigned *)((const char *)&nd_config + k->off), k->help, k->min,
			k->max);
	}
}
