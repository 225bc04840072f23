/* SPDX-License-Identifier: MIT */
/* The resolver's files: the hosts file (both families) and resolv.conf (nameserver of
 * either family, search, domain, options), and the search list applied to a name. No
 * state: each call reads the file it is given. */
#include "dns/dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/log.h"

int dns_hosts_find(const char *path, const char *name, int family, struct dns_addr *out,
		   int max)
{
	char line[1024];
	int n = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (n < max && fgets(line, sizeof(line), f)) {
		char *save, *addr, *tok;
		struct dns_addr a = { 0 };

		line[strcspn(line, "#\n")] = '\0';
		addr = strtok_r(line, " \t", &save);
		if (!addr)
			continue;
		if (inet_pton(AF_INET, addr, a.a) == 1)
			a.family = AF_INET;
		else if (inet_pton(AF_INET6, addr, a.a) == 1)
			a.family = AF_INET6;
		else
			continue; /* not an address (a scoped "fe80::1%eth0" included) */
		if (family != AF_UNSPEC && a.family != family)
			continue;
		while ((tok = strtok_r(NULL, " \t", &save)))
			if (dns_name_equal(tok, name)) {
				out[n++] = a;
				break;
			}
	}
	fclose(f);
	return n;
}

int dns_hosts_lookup(const char *path, const char *name, struct in_addr *out, int max)
{
	struct dns_addr a[DNS_CACHE_ADDRS];
	int n;

	if (max > DNS_CACHE_ADDRS)
		max = DNS_CACHE_ADDRS;
	n = dns_hosts_find(path, name, AF_INET, a, max);
	for (int i = 0; i < n; i++)
		memcpy(&out[i], a[i].a, 4);
	return n;
}

unsigned dns_server_len(const union dns_server *s)
{
	switch (s->sa.sa_family) {
	case AF_INET:
		return sizeof(s->sin);
	case AF_INET6:
		return sizeof(s->sin6);
	default:
		return 0;
	}
}

int dns_server_parse(const char *text, union dns_server *out)
{
	char buf[INET6_ADDRSTRLEN + 12];
	const char *pct = strchr(text, '%');
	size_t alen = pct ? (size_t)(pct - text) : strlen(text);

	memset(out, 0, sizeof(*out));
	if (!pct && inet_pton(AF_INET, text, &out->sin.sin_addr) == 1) {
		out->sin.sin_family = AF_INET;
		out->sin.sin_port = htons(DNS_PORT);
		return 0;
	}
	if (alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET6, buf, &out->sin6.sin6_addr) != 1)
		return -EINVAL;
	if (IN6_IS_ADDR_LINKLOCAL(&out->sin6.sin6_addr)) {
		char *end;
		unsigned long zone;

		/* a link-local server is on one link: which one, by number */
		if (!pct || pct[1] < '0' || pct[1] > '9')
			return -EINVAL;
		zone = strtoul(pct + 1, &end, 10);
		if (*end || zone == 0 || zone > 0xffff)
			return -EINVAL;
		out->sin6.sin6_scope_id = (uint32_t)zone;
	} else if (pct) {
		return -EINVAL; /* a zone only means something on a link-local address */
	}
	out->sin6.sin6_family = AF_INET6;
	out->sin6.sin6_port = htons(DNS_PORT);
	return 0;
}

/* A search domain as given: a valid name without its trailing dot, or refused. */
static int search_add(struct dns_resolv *r, const char *d)
{
	uint8_t q[DNS_UDP_MAX];
	size_t len = strlen(d);

	if (r->nsearch >= DNS_SEARCH_MAX || len >= DNS_NAME_TEXT_MAX ||
	    dns_query_emit(0, d, DNS_TYPE_A, q, sizeof(q)) < 0)
		return -EINVAL;
	snprintf(r->search[r->nsearch], DNS_NAME_TEXT_MAX, "%.*s",
		 (int)(len && d[len - 1] == '.' ? len - 1 : len), d);
	r->nsearch++;
	return 0;
}

/* "ndots:N" and the like: N within 0..max, or -1. */
static int option_value(const char *opt, const char *key, int max)
{
	size_t k = strlen(key);
	char *end;
	long v;

	if (strncmp(opt, key, k) != 0)
		return -1;
	v = strtol(opt + k, &end, 10);
	if (end == opt + k || *end || v < 0)
		return -1;
	return v > max ? max : (int)v;
}

int dns_resolv_conf_parse(const char *path, struct dns_resolv *r)
{
	char line[1024];
	FILE *f;

	memset(r, 0, sizeof(*r));
	r->nsearch = -1;
	r->ndots = 1;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *save, *key, *val;

		line[strcspn(line, "#;\n")] = '\0';
		key = strtok_r(line, " \t", &save);
		val = key ? strtok_r(NULL, " \t", &save) : NULL;
		if (!val)
			continue;
		if (strcmp(key, "nameserver") == 0) {
			if (r->nservers == DNS_SERVERS_MAX)
				continue;
			if (dns_server_parse(val, &r->servers[r->nservers]) == 0)
				r->nservers++;
			else
				debugf("%s: nameserver %s: not an address taken (a link-local one "
				       "needs %%N, the stack's device number), skipped", path, val);
		} else if (strcmp(key, "search") == 0 || strcmp(key, "domain") == 0) {
			/* The last of these lines wins; "domain" names one domain only. */
			r->nsearch = 0;
			for (; val; val = key[0] == 'd' ? NULL : strtok_r(NULL, " \t", &save))
				if (strcmp(val, ".") != 0)
					search_add(r, val);
		} else if (strcmp(key, "options") == 0) {
			for (; val; val = strtok_r(NULL, " \t", &save)) {
				int v;

				if ((v = option_value(val, "ndots:", DNS_NDOTS_MAX)) >= 0)
					r->ndots = v;
				else if ((v = option_value(val, "timeout:", DNS_TIMEOUT_MAX_S)) >= 1)
					r->timeout_s = v;
				else if ((v = option_value(val, "attempts:", DNS_ATTEMPTS_MAX)) >= 1)
					r->attempts = v;
				else if (strncmp(val, "single-request", 14) == 0)
					r->single_request = 1; /* each query has its own socket */
			}
		}
	}
	fclose(f);
	return 0;
}

int dns_resolv_conf_read(const char *path, union dns_server *out, int max)
{
	struct dns_resolv r;
	int err = dns_resolv_conf_parse(path, &r);

	if (err)
		return err;
	if (max > r.nservers)
		max = r.nservers;
	memcpy(out, r.servers, (size_t)max * sizeof(*out));
	return max;
}

int dns_search_names(const char *name, const struct dns_resolv *r,
		     char out[][DNS_NAME_TEXT_MAX], int max)
{
	size_t len = strlen(name);
	int n = 0, dots = 0, nsearch = r->nsearch > 0 ? r->nsearch : 0;

	if (len == 0 || len >= DNS_NAME_TEXT_MAX || max <= 0)
		return 0;
	if (name[len - 1] == '.') {
		snprintf(out[0], DNS_NAME_TEXT_MAX, "%.*s", (int)(len - 1), name);
		return 1;
	}
	for (size_t i = 0; i < len; i++)
		dots += name[i] == '.';
	if (dots >= r->ndots)
		snprintf(out[n++], DNS_NAME_TEXT_MAX, "%s", name);
	for (int i = 0; i < nsearch && n < max; i++) {
		size_t dlen = strnlen(r->search[i], DNS_NAME_TEXT_MAX - 1);

		/* name.domain must still be a name: 253 characters at most */
		if (len + 1 + dlen >= DNS_NAME_TEXT_MAX)
			continue;
		memcpy(out[n], name, len);
		out[n][len] = '.';
		memcpy(out[n] + len + 1, r->search[i], dlen);
		out[n++][len + 1 + dlen] = '\0';
	}
	if (dots < r->ndots && n < max)
		snprintf(out[n++], DNS_NAME_TEXT_MAX, "%s", name);
	return n;
}
