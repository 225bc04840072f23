/* SPDX-License-Identifier: MIT */
/* Family-tagged addresses and endpoints, the one address type of every layer above the
 * link (interfaces aside, which ip/ keeps as IPv4): control blocks, lookups, the socket
 * layer, ICMP errors, the tracer. An AF_INET6 address fills v6; each family registers its
 * struct net_family_ops (net/family.h).
 * The helpers are inline and take the AF_INET case first, so a v4 compare or hash costs
 * what the bare uint32_t did. */
#ifndef NET_ADDR_H
#define NET_ADDR_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

struct net_addr {
	sa_family_t family;     /* AF_INET, AF_INET6; AF_UNSPEC (0): no address */
	union {
		uint32_t v4;    /* network order */
		uint8_t v6[16];
	};
};

struct net_endpoint {
	struct net_addr addr;
	uint16_t port;          /* host order */
};

/* Longest text of an address ("ffff:...:255.255.255.255") and of an endpoint
 * ("[addr]:65535"), with the NUL. */
#define NET_ADDR_STRLEN 46
#define NET_ENDPOINT_STRLEN (NET_ADDR_STRLEN + 8)

static inline struct net_addr net_addr_v4(uint32_t v4)
{
	return (struct net_addr){ .family = AF_INET, .v4 = v4 };
}

static inline struct net_endpoint net_endpoint_v4(uint32_t v4, uint16_t port)
{
	struct net_endpoint e;

	e.addr = net_addr_v4(v4);
	e.port = port;
	return e;
}

/* The unspecified address of a family (0.0.0.0, ::): a wildcard bind. */
static inline struct net_addr net_addr_any(sa_family_t family)
{
	struct net_addr a;

	memset(&a, 0, sizeof(a));
	a.family = family;
	return a;
}

/* 1 for the unspecified address of its family, or for no address at all. */
static inline int net_addr_is_any(const struct net_addr *a)
{
	static const uint8_t zero[16];

	if (a->family == AF_INET)
		return a->v4 == 0;
	return a->family == AF_UNSPEC || !memcmp(a->v6, zero, 16);
}

static inline int net_addr_eq(const struct net_addr *a, const struct net_addr *b)
{
	if (a->family != b->family)
		return 0;
	if (a->family == AF_INET)
		return a->v4 == b->v4;
	return !memcmp(a->v6, b->v6, 16);
}

static inline int net_endpoint_eq(const struct net_endpoint *a, const struct net_endpoint *b)
{
	return a->port == b->port && net_addr_eq(&a->addr, &b->addr);
}

/* The address as 32-bit words for a keyed hash: one word for IPv4 (its value, as the
 * hashes took it before the family tag), four for IPv6. Returns the number of words. */
static inline size_t net_addr_words(const struct net_addr *a, uint32_t w[4])
{
	if (a->family == AF_INET) {
		w[0] = a->v4;
		return 1;
	}
	memcpy(w, a->v6, 16);
	return 4;
}

/* A cheap unkeyed hash (bucket choice where the key is not attacker-chosen, or is mixed
 * again): the v4 word itself, or the v6 words folded. */
static inline uint32_t net_addr_hash(const struct net_addr *a)
{
	uint32_t w[4];
	size_t n = net_addr_words(a, w);
	uint32_t h = w[0];

	for (size_t i = 1; i < n; i++)
		h ^= w[i] * 0x9e3779b1u;
	return h;
}

/* From a struct sockaddr_in of length len: 0, -EINVAL (too short or NULL) or
 * -EAFNOSUPPORT (another family: the socket layer reads an AF_INET6 socket's
 * struct sockaddr_in6 itself, mapped addresses and scope included, net/socket.c). */
static inline int net_endpoint_from_sockaddr(struct net_endpoint *e, const struct sockaddr *sa,
					     socklen_t len)
{
	struct sockaddr_in in;
	sa_family_t family;

	/* copied, not read through the cast: the caller's object may be of another sockaddr
	 * type, which the compiler's aliasing rules do not let us read as this one */
	if (!sa || len < (socklen_t)sizeof(sa_family_t))
		return -EINVAL;
	memcpy(&family, (const char *)sa + offsetof(struct sockaddr, sa_family), sizeof(family));
	if (family != AF_INET)
		return -EAFNOSUPPORT;
	if (len < (socklen_t)sizeof(struct sockaddr_in))
		return -EINVAL;
	memcpy(&in, sa, sizeof(in));
	*e = net_endpoint_v4(in.sin_addr.s_addr, ntohs(in.sin_port));
	return 0;
}

/* Into a struct sockaddr_storage: the length of the sockaddr written (an endpoint of no
 * family writes an AF_INET 0.0.0.0:0, as an unbound socket reads). */
static inline socklen_t net_endpoint_to_sockaddr(const struct net_endpoint *e,
						 struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (e->addr.family == AF_INET6) {
		struct sockaddr_in6 in6;

		memset(&in6, 0, sizeof(in6));
		in6.sin6_family = AF_INET6;
		in6.sin6_port = htons(e->port);
		memcpy(&in6.sin6_addr, e->addr.v6, 16);
		memcpy(ss, &in6, sizeof(in6));
		return sizeof(in6);
	} else {
		struct sockaddr_in in;

		memset(&in, 0, sizeof(in));
		in.sin_family = AF_INET;
		in.sin_port = htons(e->port);
		in.sin_addr.s_addr = e->addr.family == AF_INET ? e->addr.v4 : 0;
		memcpy(ss, &in, sizeof(in));
		return sizeof(in);
	}
}

/* The address as text ("10.0.0.1", "fe80::1"; "-" for no family); returns buf. */
static inline const char *net_addr_ntop(const struct net_addr *a, char *buf, size_t size)
{
	if (a->family == AF_UNSPEC || !inet_ntop(a->family, a->family == AF_INET ?
						 (const void *)&a->v4 : (const void *)a->v6,
						 buf, (socklen_t)size))
		snprintf(buf, size, "-");
	return buf;
}

/* "10.0.0.1:80", "[fe80::1]:80"; port 0 as "*" when star is set ("10.0.0.1:*", as ss). */
static inline const char *net_endpoint_ntop(const struct net_endpoint *e, int star, char *buf,
					    size_t size)
{
	char a[NET_ADDR_STRLEN];
	int v6 = e->addr.family == AF_INET6;

	net_addr_ntop(&e->addr, a, sizeof(a));
	if (star && !e->port)
		snprintf(buf, size, "%s%s%s:*", v6 ? "[" : "", a, v6 ? "]" : "");
	else
		snprintf(buf, size, "%s%s%s:%u", v6 ? "[" : "", a, v6 ? "]" : "", e->port);
	return buf;
}

#endif
