/* SPDX-License-Identifier: MIT */
/* The stub resolver behind us_getaddrinfo and us_resolve (include/ustack.h): a hosts file
 * first, then a cache (positive and negative), then A and AAAA queries over UDP (TCP when
 * the answer is truncated) to the configured servers, through the stack's own sockets,
 * for the name and the names the search list makes of it. It sits above the socket API
 * and owns no stack state: its configuration and cache are the process's, guarded by
 * their own mutex; its counters (dns.*, dns_wire.h) are those of the calling thread's
 * current stack. */
#ifndef DNS_DNS_H
#define DNS_DNS_H

#include <netinet/in.h>
#include <stdint.h>

#include "dns/dns_cache.h"
#include "dns/dns_wire.h"

#define DNS_SERVERS_MAX 4
#define DNS_SEARCH_MAX 6      /* search domains (glibc's MAXDNSRCH) */
#define DNS_NDOTS_MAX 15      /* resolv.conf's ndots is cut to this, as glibc does */
#define DNS_ATTEMPTS_MAX 5    /* ... and attempts */
#define DNS_TIMEOUT_MAX_S 30  /* ... and timeout */
#define DNS_CNAME_MAX 8       /* CNAME links followed for one lookup */
#define DNS_TRY_MIN_MS 250    /* one query's wait, at least... */
#define DNS_TRY_MAX_MS 2000   /* ...and at most (unless resolv.conf's timeout says) */
#define DNS_BUDGET_MS 5000    /* us_getaddrinfo's time in all, unless resolv.conf's options
			       * say timeout and attempts: then their product, per server */
#define DNS_BUDGET_MAX_MS 60000
#define DNS_TCP_MAX 4096      /* longest answer taken over TCP */
#define DNS_CACHE_MAX_LIMIT 4096 /* the largest cache_max accepted */
#define DNS_HOSTS_DEFAULT "/etc/hosts"
#define DNS_RESOLV_DEFAULT "/etc/resolv.conf"

/* An address of either family as the resolver hands it on. */
struct dns_addr {
	int family;     /* AF_INET or AF_INET6 */
	uint8_t a[16];  /* AF_INET: the first 4 bytes, network order */
};

/* A name server's address, of either family (sa.sa_family tells which); port 0 means 53.
 * An IPv6 link-local server carries its zone in sin6_scope_id: the stack's own device
 * number (ustack_dev_index). */
union dns_server {
	struct sockaddr sa;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
};

/* What a resolv.conf file says (the lines this resolver reads: nameserver, search,
 * domain, options ndots:N timeout:N attempts:N single-request; the last search or domain line wins, as
 * in glibc). */
struct dns_resolv {
	union dns_server servers[DNS_SERVERS_MAX]; /* IPv4 and IPv6 nameserver lines */
	int nservers;
	char search[DNS_SEARCH_MAX][DNS_NAME_TEXT_MAX];
	int nsearch;          /* -1: the file has no search or domain line */
	int ndots;            /* [1] */
	int timeout_s;        /* 0: not given */
	int attempts;         /* 0: not given */
	int single_request;   /* A and AAAA one after the other, not at once (glibc's
			       * single-request and single-request-reopen) */
};

/* A name server's address as text: "192.0.2.53", "2001:db8::53", or a link-local
 * "fe80::1%N" with N the stack's device number (a link-local address without its zone,
 * or with a device name for one, is refused: the resolver knows no stack to look the name
 * up in). Port 53. Returns 0 or -EINVAL. */
int dns_server_parse(const char *text, union dns_server *out);
/* The length of s's sockaddr (its family's), 0 for another family. */
unsigned dns_server_len(const union dns_server *s);

/* Sets the servers queried, in order (port 0 means 53), IPv4 and IPv6 mixed as given; n
 * 0 goes back to the resolv.conf file. Meant for --dns and for a DHCP client or router
 * advertisements handing over their servers at run time (apps/ decides which source
 * wins). Returns 0, or -EINVAL (n out of 0..DNS_SERVERS_MAX, a family not AF_INET or
 * AF_INET6, a link-local IPv6 server without its zone). */
int dns_set_servers(const union dns_server *servers, int n);
/* Sets the search domain used when resolv.conf has no search or domain line (a DHCP
 * lease's domain option); NULL or "" clears it. 0, or -EINVAL for a name that is not
 * one. */
int dns_set_search(const char *domain);
/* The hosts file and the resolv.conf file read (NULL: the defaults above, or the paths in
 * the environment variables USTACK_HOSTS and USTACK_RESOLV_CONF when set). */
void dns_set_hosts_path(const char *path);
void dns_set_resolv_path(const char *path);
/* Empties the cache (tests, or a server list changed). */
void dns_cache_flush(void);
/* The live entries in the cache (tests). */
unsigned dns_cache_live(void);

/* The addresses of the given family (AF_INET, AF_INET6, or AF_UNSPEC for both) for name in
 * the hosts file at path, at most max, in the file's order; the count, 0 when the name is
 * not there, or -errno when the file cannot be read (-ENOENT: no file). */
int dns_hosts_find(const char *path, const char *name, int family, struct dns_addr *out,
		   int max);
/* The IPv4 addresses alone (dns_hosts_find for AF_INET). */
int dns_hosts_lookup(const char *path, const char *name, struct in_addr *out, int max);
/* Reads a resolv.conf file into r; 0 or -errno (r then holds the defaults: no server, no
 * search line, ndots 1). */
int dns_resolv_conf_parse(const char *path, struct dns_resolv *r);
/* The nameserver lines of a resolv.conf file (either family), at most max, port 53; the
 * count or -errno. */
int dns_resolv_conf_read(const char *path, union dns_server *out, int max);

/* The names tried for name, in order, as glibc's res_search makes them (a name ending in
 * a dot: itself alone; at least ndots dots: itself, then with each search domain; fewer:
 * with each search domain, then itself). Returns how many were written to out (at most
 * max), 0 for a name that cannot be one. */
int dns_search_names(const char *name, const struct dns_resolv *r,
		     char out[][DNS_NAME_TEXT_MAX], int max);

/* The resolver's one entry: the addresses of family (AF_INET, AF_INET6 or AF_UNSPEC: IPv4
 * first, then IPv6) for name, at most max, within timeout_ms; canon (room for
 * DNS_NAME_TEXT_MAX, may be NULL) gets the name the addresses belong to. A and AAAA are
 * asked together, from one socket, only for AF_UNSPEC. Returns the count, or -ENOENT (no
 * such name), -ENODATA (the name exists, without addresses of that family), -ETIMEDOUT,
 * -EAGAIN (the servers failed), -EDESTADDRREQ (no server), -EINVAL, -ENOMEM. */
int dns_lookup(const char *name, int family, struct dns_addr *out, int max, int timeout_ms,
	       char *canon);
/* The time us_getaddrinfo gives a lookup, from resolv.conf's options (DNS_BUDGET_MS). */
int dns_budget_ms(void);

#endif
