/* SPDX-License-Identifier: MIT */
/* nd_config by name, for `--nd NAME=VALUE,...` (as Linux's net.ipv6.conf.*.accept_ra,
 * dad_transmits, router_solicitations ...): router discovery, DAD and the cache's timers. */
#include "nd/nd.h"

#include "net/knob.h"

#define KN(f, lo, hi, h) NET_KNOB(struct nd_config_s, f, lo, hi, h)
static const struct net_knob nd_knobs[] = {
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
	return net_knobs_parse(nd_knobs, ND_NKNOBS, &nd_config, spec, bad, badlen);
}

void nd_config_list(FILE *out)
{
	net_knobs_list(nd_knobs, ND_NKNOBS, &nd_config, out);
}
