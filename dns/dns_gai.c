/* SPDX-License-Identifier: MIT */
/* us_getaddrinfo (include/ustack.h): getaddrinfo(3)'s interface over dns_lookup. The
 * results are the system's struct addrinfo, each allocated with its address behind it,
 * so us_freeaddrinfo frees what it walks. */
#include "dns/dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "include/ustack.h"
#include "net/family.h"
#include "net/loop.h"

#define GAI_FLAGS_KNOWN (AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_NUMERICSERV | \
			 AI_ADDRCONFIG)

struct gai_node {
	struct addrinfo ai;
	struct sockaddr_storage ss;
};

/* The port for service (NULL: 0), in host order: a number, or a name the services
 * database knows for the protocol of socktype (0: either). 0 or -ESRCH, -EINVAL. */
static int service_port(const char *service, int socktype, int numeric, uint16_t *port)
{
	struct servent se, *r = NULL;
	char buf[1024], *end;
	long v;

	*port = 0;
	if (!service)
		return 0;
	v = strtol(service, &end, 10);
	if (*service && !*end) {
		if (v < 0 || v > 65535)
			return -ESRCH;
		*port = (uint16_t)v;
		return 0;
	}
	if (numeric)
		return -ESRCH;
	getservbyname_r(service, socktype == SOCK_DGRAM ? "udp" : "tcp", &se, buf, sizeof(buf), &r);
	if (!r && socktype == 0)
		getservbyname_r(service, "udp", &se, buf, sizeof(buf), &r);
	if (!r)
		return -ESRCH;
	*port = ntohs((uint16_t)r->s_port);
	return 0;
}

/* One result per address and socket type, in that order, appended after *tail. */
static int add(struct addrinfo ***tail, const struct dns_addr *a, int socktype, int protocol,
	       uint16_t port)
{
	struct gai_node *g = calloc(1, sizeof(*g));

	if (!g)
		return -ENOMEM;
	g->ai.ai_family = a->family;
	g->ai.ai_socktype = socktype;
	g->ai.ai_protocol = protocol ? protocol : socktype == SOCK_DGRAM ? IPPROTO_UDP
									  : IPPROTO_TCP;
	g->ai.ai_addr = (struct sockaddr *)&g->ss;
	if (a->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&g->ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		memcpy(&s->sin_addr, a->a, 4);
		g->ai.ai_addrlen = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&g->ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		memcpy(&s->sin6_addr, a->a, 16);
		g->ai.ai_addrlen = sizeof(*s);
	}
	**tail = &g->ai;
	*tail = &g->ai.ai_next;
	return 0;
}

void us_freeaddrinfo(struct addrinfo *res)
{
	while (res) {
		struct addrinfo *next = res->ai_next;

		free(res->ai_canonname);
		free(res); /* the gai_node it heads */
		res = next;
	}
}

/* Whether the stack holds a usable address of family beyond loopback and link-local
 * (the family's configured operation, under the stack's lock). */
static int family_configured(int family)
{
	const struct net_family_ops *fam;
	int found;

	net_lock();
	fam = net_family((sa_family_t)family);
	found = fam && fam->configured && fam->configured();
	net_unlock();
	return found;
}

int us_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		   struct addrinfo **res)
{
	struct dns_addr a[2 * DNS_CACHE_ADDRS];
	char canon[DNS_NAME_TEXT_MAX];
	struct addrinfo h = { .ai_family = AF_UNSPEC }, *head = NULL, **tail = &head;
	int n, err, types[2], ntypes = 0;
	uint16_t port;

	if (!res || (!node && !service))
		return -EINVAL;
	*res = NULL;
	if (hints)
		h = *hints;
	if (h.ai_flags & ~GAI_FLAGS_KNOWN)
		return -EINVAL;
	if (h.ai_family != AF_UNSPEC && h.ai_family != AF_INET && h.ai_family != AF_INET6)
		return -EAFNOSUPPORT;
	if (h.ai_socktype != 0 && h.ai_socktype != SOCK_STREAM && h.ai_socktype != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (h.ai_protocol != 0 &&
	    !(h.ai_protocol == IPPROTO_TCP && h.ai_socktype != SOCK_DGRAM) &&
	    !(h.ai_protocol == IPPROTO_UDP && h.ai_socktype != SOCK_STREAM))
		return -ESOCKTNOSUPPORT;
	if (h.ai_socktype == 0 && h.ai_protocol)
		h.ai_socktype = h.ai_protocol == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	if (h.ai_socktype)
		types[ntypes++] = h.ai_socktype;
	else {
		types[ntypes++] = SOCK_STREAM;
		types[ntypes++] = SOCK_DGRAM;
	}
	/* AI_ADDRCONFIG: only the families the stack has an address of (RFC 3493, as glibc:
	 * loopback and IPv6 link-local addresses do not count) */
	if (h.ai_flags & AI_ADDRCONFIG) {
		int v4 = family_configured(AF_INET), v6 = family_configured(AF_INET6);

		if (h.ai_family == AF_UNSPEC && v4 != v6)
			h.ai_family = v4 ? AF_INET : AF_INET6;
		else if ((h.ai_family == AF_INET && !v4) || (h.ai_family == AF_INET6 && !v6) ||
			 (h.ai_family == AF_UNSPEC && !v4))
			return -ENODATA;
	}
	err = service_port(service, h.ai_socktype, h.ai_flags & AI_NUMERICSERV, &port);
	if (err)
		return err;
	if (!node) {
		/* The wildcard for a listener, else the loopback address. */
		int passive = h.ai_flags & AI_PASSIVE;

		n = 0;
		memset(a, 0, 2 * sizeof(a[0]));
		if (h.ai_family != AF_INET6) {
			a[n].family = AF_INET;
			if (!passive)
				memcpy(a[n].a, "\x7f\0\0\x01", 4);
			n++;
		}
		if (h.ai_family != AF_INET) {
			a[n].family = AF_INET6;
			if (!passive)
				a[n].a[15] = 1;
			n++;
		}
		snprintf(canon, sizeof(canon), "%s", passive ? "" : "localhost");
	} else if (h.ai_flags & AI_NUMERICHOST) {
		memset(&a[0], 0, sizeof(a[0]));
		if (inet_pton(AF_INET, node, a[0].a) == 1)
			a[0].family = AF_INET;
		else if (inet_pton(AF_INET6, node, a[0].a) == 1)
			a[0].family = AF_INET6;
		else
			return -ENOENT;
		if (h.ai_family != AF_UNSPEC && h.ai_family != a[0].family)
			return -ENODATA;
		n = 1;
		snprintf(canon, sizeof(canon), "%s", node);
	} else {
		n = dns_lookup(node, h.ai_family, a, 2 * DNS_CACHE_ADDRS, dns_budget_ms(), canon);
		if (n < 0)
			return n;
	}
	for (int i = 0; i < n; i++)
		for (int t = 0; t < ntypes; t++) {
			err = add(&tail, &a[i], types[t], h.ai_protocol, port);
			if (err) {
				us_freeaddrinfo(head);
				return err;
			}
		}
	if ((h.ai_flags & AI_CANONNAME) && head) {
		head->ai_canonname = strdup(canon);
		if (!head->ai_canonname) {
			us_freeaddrinfo(head);
			return -ENOMEM;
		}
	}
	*res = head;
	return 0;
}

const char *us_gai_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case -ENOENT: return "no such name";
	case -ENODATA: return "no address of the family asked";
	case -ESRCH: return "no such service";
	case -EAFNOSUPPORT: return "address family not supported";
	case -ESOCKTNOSUPPORT: return "socket type not supported";
	case -ETIMEDOUT: return "no name server answered";
	case -EAGAIN: return "the name servers failed (SERVFAIL or REFUSED)";
	case -EDESTADDRREQ: return "no name server configured";
	case -EINVAL: return "not a host name or an address";
	case -ENOMEM: return "out of memory";
	default: return err < 0 ? strerror(-err) : "unknown error";
	}
}
