/* SPDX-License-Identifier: MIT */
/* Name resolution for libustack-preload.so: a host name in getaddrinfo or gethostbyname is
 * looked up by the host (us_resolve: the hosts file, then ustack's DNS stub over the
 * stack), so no query leaves through the kernel; numeric addresses go to glibc as AF_INET
 * only; getnameinfo gives numeric hosts (no reverse lookup through the kernel). */
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

/* The host's answer for name: up to 8 addresses (network order) in out; their count, or
 * an EAI_* code (negative). */
static int resolve(const char *name, uint32_t *out)
{
	struct pl_msg m = { .op = PL_OP_RESOLVE };
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
	if (rc == -EAGAIN || rc == -ETIMEDOUT)
		return EAI_AGAIN;
	if (rc < 0)
		return EAI_FAIL;
	memcpy(out, m.data, m.len > 32 ? 32 : m.len);
	return m.len / 4;
}

EXPORT int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res)
{
	struct addrinfo h = { 0 }, *head = NULL, **tail = &head;
	struct in_addr ia;
	uint32_t addrs[8];
	int n, rc;

	if (hints)
		h = *hints;
	if (h.ai_family == AF_INET6)
		return EAI_ADDRFAMILY;
	if (h.ai_family != AF_UNSPEC && h.ai_family != AF_INET)
		return get_getaddrinfo()(node, service, hints, res);
	h.ai_family = AF_INET; /* no IPv6 on ustack: no :: for a passive socket either */
	h.ai_flags &= ~(AI_V4MAPPED | AI_ADDRCONFIG);
	if (!node || inet_aton(node, &ia))
		return get_getaddrinfo()(node, service, &h, res);
	if (h.ai_flags & AI_NUMERICHOST)
		return EAI_NONAME;
	n = resolve(node, addrs);
	if (n < 0 || n == 0)
		return n < 0 ? n : EAI_NONAME;
	h.ai_flags |= AI_NUMERICHOST;
	for (int i = 0; i < n; i++) {
		char dotted[INET_ADDRSTRLEN];
		struct addrinfo *r;

		inet_ntop(AF_INET, &addrs[i], dotted, sizeof(dotted));
		rc = get_getaddrinfo()(dotted, service, &h, &r);
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

/* gethostbyname_r's layout in buf: the address list, the alias list, the addresses, the
 * name. */
static int hostent_fill(const char *name, struct hostent *he, char *buf, size_t buflen,
			int *herr)
{
	uint32_t addrs[8];
	size_t nlen = strlen(name) + 1, need;
	char **list, **alias;
	int n;

	if (inet_aton(name, (struct in_addr *)&addrs[0]))
		n = 1;
	else
		n = resolve(name, addrs);
	if (n <= 0) {
		*herr = n == EAI_AGAIN ? TRY_AGAIN : HOST_NOT_FOUND;
		return -ENOENT;
	}
	need = (size_t)(n + 2) * sizeof(char *) + (size_t)n * 4 + nlen + sizeof(char *);
	if (buflen < need)
		return -ERANGE;
	list = (char **)(void *)buf;
	alias = list + n + 1;
	alias[0] = NULL;
	for (int i = 0; i < n; i++) {
		list[i] = (char *)(alias + 1) + 4 * i;
		memcpy(list[i], &addrs[i], 4);
	}
	list[n] = NULL;
	he->h_name = (char *)(alias + 1) + 4 * n;
	memcpy(he->h_name, name, nlen);
	he->h_aliases = alias;
	he->h_addrtype = AF_INET;
	he->h_length = 4;
	he->h_addr_list = list;
	return 0;
}

EXPORT int gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
			   struct hostent **result, int *h_errnop)
{
	int herr = 0, rc = hostent_fill(name, ret, buf, buflen, &herr);

	*result = rc ? NULL : ret;
	if (h_errnop)
		*h_errnop = herr;
	return rc == -ERANGE ? ERANGE : 0;
}

EXPORT struct hostent *gethostbyname(const char *name)
{
	static __thread struct hostent he;
	static __thread char buf[512];
	struct hostent *r;
	int herr = 0;

	gethostbyname_r(name, &he, buf, sizeof(buf), &r, &herr);
	if (!r)
		h_errno = herr;
	return r;
}

EXPORT struct hostent *gethostbyname2(const char *name, int af)
{
	if (af != AF_INET) {
		h_errno = HOST_NOT_FOUND;
		return NULL;
	}
	return gethostbyname(name);
}
