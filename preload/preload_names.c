/* SPDX-License-Identifier: MIT */
/* Name resolution for libustack-preload.so: a host name in getaddrinfo or gethostbyname* is
 * looked up by the host (us_getaddrinfo: the hosts file, then ustack's DNS stub over the
 * stack, A and AAAA as the family asks), so no query leaves through the kernel. The
 * results are built by glibc's own getaddrinfo from each address in numeric form, so
 * glibc's freeaddrinfo and gai_strerror go with them unchanged; numeric addresses and a
 * NULL node go to glibc as they are. getnameinfo gives numeric hosts (no reverse lookup
 * through the kernel).
 *
 * AI_ADDRCONFIG asks about the kernel's interfaces in glibc, which are not the program's
 * network here: the host judges it on the stack instead (a family's answers stay if the
 * stack can send to one of them), and glibc never sees it. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "preload/preload_int.h"

REAL(int, close, int)
REAL(int, getaddrinfo, const char *, const char *, const struct addrinfo *, struct addrinfo **)
REAL(int, getnameinfo, const struct sockaddr *, socklen_t, char *, socklen_t, char *, socklen_t,
     int)

#ifndef EAI_NODATA
#define EAI_NODATA EAI_NONAME
#endif

/* The host's answer for name in family (AF_UNSPEC: both; flags: AI_ADDRCONFIG or 0): up
 * to PL_ADDRS_MAX addresses in out; their count, or an EAI_* code (negative). */
static int resolve(const char *name, int family, int flags, struct pl_addr *out)
{
	struct pl_msg m = { .op = PL_OP_RESOLVE, .a = family, .b = flags & AI_ADDRCONFIG };
	size_t n = strlen(name);
	int fd, rc;

	if (n >= PL_DATA_MAX)
		return EAI_NONAME;
	memcpy(m.data, name, n + 1);
	m.len = (uint16_t)(n + 1);
	/* a connection of its own: a lookup may wait seconds for a name server, and other
	 * threads' calls must not wait behind it */
	fd = pl_api_connect();
	if (fd < 0)
		return EAI_FAIL;
	rc = pl_exchange(fd, &m, -1, NULL);
	get_close()(fd);
	if (rc == -ENOENT || rc == -EINVAL)
		return EAI_NONAME;
	if (rc == -ENODATA)
		return EAI_NODATA;
	if (rc == -EAGAIN || rc == -ETIMEDOUT)
		return EAI_AGAIN;
	if (rc < 0)
		return EAI_FAIL;
	rc = pl_addrs_decode(m.data, m.len, out, PL_ADDRS_MAX);
	return rc < 0 ? EAI_FAIL : rc ? rc : EAI_NODATA;
}

/* A numeric host of either family (an IPv6 one may carry a %zone): glibc's own. */
static int numeric_host(const char *node)
{
	struct in6_addr a6;
	char buf[INET6_ADDRSTRLEN];
	const char *pct = strchr(node, '%');

	if (inet_pton(AF_INET6, node, &a6) == 1)
		return 1;
	if (pct && (size_t)(pct - node) < sizeof(buf)) {
		memcpy(buf, node, (size_t)(pct - node));
		buf[pct - node] = '\0';
		return inet_pton(AF_INET6, buf, &a6) == 1;
	}
	/* inet_aton as glibc takes IPv4 numbers ("10.1" too) */
	return inet_aton(node, &(struct in_addr){ 0 });
}

EXPORT int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res)
{
	struct addrinfo h = { .ai_flags = AI_V4MAPPED | AI_ADDRCONFIG }, *head = NULL;
	struct addrinfo **tail = &head;
	struct pl_addr addrs[PL_ADDRS_MAX];
	int n, rc, family, addrconfig;

	if (hints)
		h = *hints;
	if (h.ai_family != AF_UNSPEC && h.ai_family != AF_INET && h.ai_family != AF_INET6)
		return get_getaddrinfo()(node, service, hints, res);
	addrconfig = h.ai_flags & AI_ADDRCONFIG;
	h.ai_flags &= ~AI_ADDRCONFIG; /* the kernel's interfaces: see the top */
	if (!node || numeric_host(node))
		return get_getaddrinfo()(node, service, &h, res);
	if (h.ai_flags & AI_NUMERICHOST)
		return EAI_NONAME;
	family = h.ai_family;
	n = resolve(node, family, addrconfig, addrs);
	/* AF_INET6 with AI_V4MAPPED: IPv4 addresses as ::ffff:a.b.c.d when no IPv6 one was
	 * found (with AI_ALL, besides them); the first error stands if neither is */
	if (family == AF_INET6 && (h.ai_flags & AI_V4MAPPED) &&
	    (n < 0 || (h.ai_flags & AI_ALL))) {
		struct pl_addr v4[PL_ADDRS_MAX];
		int m = resolve(node, AF_INET, addrconfig, v4), k = n > 0 ? n : 0;

		for (int i = 0; i < m && k < PL_ADDRS_MAX; i++, k++) {
			memset(&addrs[k], 0, sizeof(addrs[k]));
			addrs[k].family = AF_INET6;
			addrs[k].a[10] = addrs[k].a[11] = 0xff;
			memcpy(addrs[k].a + 12, v4[i].a, 4);
		}
		if (m > 0)
			n = k;
	}
	if (n < 0)
		return n;
	h.ai_flags = (h.ai_flags | AI_NUMERICHOST) & ~(AI_V4MAPPED | AI_ALL);
	for (int i = 0; i < n; i++) {
		char text[INET6_ADDRSTRLEN];
		struct addrinfo *r;

		inet_ntop(addrs[i].family, addrs[i].a, text, sizeof(text));
		h.ai_family = addrs[i].family;
		rc = get_getaddrinfo()(text, service, &h, &r);
		if (rc) {
			if (head)
				freeaddrinfo(head);
			return rc;
		}
		if (i == 0 && (h.ai_flags & AI_CANONNAME) && r->ai_canonname) {
			char *c = strdup(node);

			if (c) {
				free(r->ai_canonname);
				r->ai_canonname = c;
			}
		}
		*tail = r;
		while (*tail)
			tail = &(*tail)->ai_next;
	}
	*res = head;
	return 0;
}

EXPORT int getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen,
		       char *serv, socklen_t servlen, int flags)
{
	/* no reverse lookups through the kernel: the address as it is */
	if (flags & NI_NAMEREQD)
		return EAI_NONAME;
	return get_getnameinfo()(sa, salen, host, hostlen, serv, servlen,
				 flags | NI_NUMERICHOST);
}

/* gethostbyname*_r's layout in buf: the address list, the alias list, the addresses, the
 * name. family AF_INET or AF_INET6. */
static int hostent_fill(const char *name, int family, struct hostent *he, char *buf,
			size_t buflen, int *herr)
{
	struct pl_addr addrs[PL_ADDRS_MAX];
	size_t nlen = strlen(name) + 1, alen = family == AF_INET ? 4 : 16, need;
	char **list, **alias;
	int n;

	memset(addrs, 0, sizeof(addrs));
	if (inet_pton(family, name, addrs[0].a) == 1 ||
	    (family == AF_INET && inet_aton(name, (struct in_addr *)(void *)addrs[0].a)))
		n = 1;
	else
		n = resolve(name, family, 0, addrs);
	if (n <= 0) {
		*herr = n == EAI_AGAIN ? TRY_AGAIN : n == EAI_NODATA ? NO_DATA : HOST_NOT_FOUND;
		return -ENOENT;
	}
	need = (size_t)(n + 2) * sizeof(char *) + (size_t)n * alen + nlen + sizeof(char *);
	if (buflen < need)
		return -ERANGE;
	list = (char **)(void *)buf;
	alias = list + n + 1;
	alias[0] = NULL;
	for (int i = 0; i < n; i++) {
		list[i] = (char *)(alias + 1) + alen * (size_t)i;
		memcpy(list[i], addrs[i].a, alen);
	}
	list[n] = NULL;
	he->h_name = (char *)(alias + 1) + alen * (size_t)n;
	memcpy(he->h_name, name, nlen);
	he->h_aliases = alias;
	he->h_addrtype = family;
	he->h_length = (int)alen;
	he->h_addr_list = list;
	return 0;
}

EXPORT int gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf,
			    size_t buflen, struct hostent **result, int *h_errnop)
{
	int herr = HOST_NOT_FOUND, rc = -ENOENT;

	if (af == AF_INET || af == AF_INET6)
		rc = hostent_fill(name, af, ret, buf, buflen, &herr);
	*result = rc ? NULL : ret;
	if (h_errnop)
		*h_errnop = rc ? herr : 0;
	return rc == -ERANGE ? ERANGE : af == AF_INET || af == AF_INET6 ? 0 : EAFNOSUPPORT;
}

EXPORT int gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
			   struct hostent **result, int *h_errnop)
{
	return gethostbyname2_r(name, AF_INET, ret, buf, buflen, result, h_errnop);
}

EXPORT struct hostent *gethostbyname2(const char *name, int af)
{
	static __thread struct hostent he;
	static __thread char buf[1024];
	struct hostent *r;
	int herr = 0;

	gethostbyname2_r(name, af, &he, buf, sizeof(buf), &r, &herr);
	if (!r)
		h_errno = herr;
	return r;
}

EXPORT struct hostent *gethostbyname(const char *name)
{
	return gethostbyname2(name, AF_INET);
}
