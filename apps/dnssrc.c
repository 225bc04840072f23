/* SPDX-License-Identifier: MIT */
/* Where the resolver's name servers and search domain come from, for the ustack program:
 *   1. --dns: the servers named on the command line, always, alone;
 *   2. else the DHCP lease's servers (option 6) followed by those router advertisements
 *      named (RFC 8106 RDNSS), DNS_SERVERS_MAX in all, the lease's first;
 *   3. else (neither gave one) resolv.conf's nameserver lines.
 * The search domain: the lease's domain name (option 15), else the first DNSSL domain of
 * the RAs; either is used only when resolv.conf has no search or domain line (dns.h).
 * nd/ calls app_dns_ra_changed (its hook, registered here) when its lists change; the
 * DHCP client calls app_dns_dhcp with each lease. */
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "apps/app.h"
#include "dns/dns.h"
#include "nd/nd.h"
#include "net/log.h"

static pthread_mutex_t src_mutex = PTHREAD_MUTEX_INITIALIZER;
static union dns_server dhcp_srv[DNS_SERVERS_MAX], ra_srv[DNS_SERVERS_MAX];
static int dhcp_n, ra_n;
static char dhcp_domain[DNS_NAME_TEXT_MAX], ra_domain[DNS_NAME_TEXT_MAX];

/* Hands the merged lists to the resolver; under src_mutex. */
static void apply(void)
{
	union dns_server s[DNS_SERVERS_MAX];
	int n = 0;

	if (dns_set_search(dhcp_domain[0] ? dhcp_domain : ra_domain))
		debugf("domain=%s: not a domain name, not searched",
		       dhcp_domain[0] ? dhcp_domain : ra_domain);
	if (app_cfg.dns_given)
		return;
	for (int i = 0; i < dhcp_n && n < DNS_SERVERS_MAX; i++)
		s[n++] = dhcp_srv[i];
	for (int i = 0; i < ra_n && n < DNS_SERVERS_MAX; i++)
		s[n++] = ra_srv[i];
	/* n 0: back to resolv.conf's */
	if (dns_set_servers(s, n))
		debugf("name servers refused by the resolver");
}

void app_dns_dhcp(const uint32_t *servers, int n, const char *domain)
{
	pthread_mutex_lock(&src_mutex);
	n = n < DNS_SERVERS_MAX ? n : DNS_SERVERS_MAX;
	memset(dhcp_srv, 0, sizeof(dhcp_srv));
	for (int i = 0; i < n; i++) {
		dhcp_srv[i].sin.sin_family = AF_INET;
		dhcp_srv[i].sin.sin_port = htons(DNS_PORT);
		dhcp_srv[i].sin.sin_addr.s_addr = servers[i];
	}
	dhcp_n = n;
	snprintf(dhcp_domain, sizeof(dhcp_domain), "%s", domain ? domain : "");
	apply();
	pthread_mutex_unlock(&src_mutex);
}

/* nd/'s hook: on the stack's thread, under its lock. */
static void app_dns_ra_changed(void)
{
	struct net_addr a[DNS_SERVERS_MAX];
	int ifindex[DNS_SERVERS_MAX];
	char dom[1][ND_DNS_NAME_MAX];
	unsigned n = nd_dns_servers(a, ifindex, DNS_SERVERS_MAX);
	unsigned nd = nd_dns_domains(dom, 1);

	pthread_mutex_lock(&src_mutex);
	memset(ra_srv, 0, sizeof(ra_srv));
	ra_n = 0;
	for (unsigned i = 0; i < n; i++) {
		struct sockaddr_in6 *s6 = &ra_srv[ra_n].sin6;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(DNS_PORT);
		memcpy(&s6->sin6_addr, a[i].v6, 16);
		if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr))
			s6->sin6_scope_id = (uint32_t)ifindex[i]; /* the stack's device number */
		ra_n++;
	}
	snprintf(ra_domain, sizeof(ra_domain), "%s", nd ? dom[0] : "");
	apply();
	pthread_mutex_unlock(&src_mutex);
}

void app_dns_sources_init(void)
{
	nd_set_dns_hook(app_dns_ra_changed);
}
