/* SPDX-License-Identifier: MIT */
/* The stub resolver behind us_resolve (include/ustack.h): a hosts file first, then a cache,
 * then A queries over UDP (TCP when the answer is truncated) to the configured servers,
 * through the stack's own sockets. It sits above the socket API and owns no stack state:
 * its configuration and cache are the process's, guarded by their own mutex; its counters
 * (dns.*, dns_wire.h) are those of the calling thread's current stack. */
#ifndef DNS_DNS_H
#define DNS_DNS_H

#include <netinet/in.h>

#define DNS_SERVERS_MAX 4
#define DNS_CACHE_MAX 64      /* names cached; the soonest to expire is replaced */
#define DNS_CACHE_ADDRS 8     /* addresses kept per cached name */
#define DNS_CNAME_MAX 8       /* CNAME links followed for one lookup */
#define DNS_TRY_MIN_MS 250    /* one query's wait, at least... */
#define DNS_TRY_MAX_MS 2000   /* ...and at most */
#define DNS_TCP_MAX 4096      /* longest answer taken over TCP */
#define DNS_TTL_MAX_S 86400   /* a longer TTL is cut to this */
#define DNS_HOSTS_DEFAULT "/etc/hosts"
#define DNS_RESOLV_DEFAULT "/etc/resolv.conf"

/* Sets the servers queried, in order (port 0 means 53); n 0 goes back to the
 * resolv.conf file. Meant for --dns and for a DHCP client handing over its servers at run
 * time. Returns 0, or -EINVAL (n out of 0..DNS_SERVERS_MAX, not AF_INET). */
int dns_set_servers(const struct sockaddr_in *servers, int n);
/* The hosts file and the resolv.conf file read (NULL: the defaults above, or the paths in
 * the environment variables USTACK_HOSTS and USTACK_RESOLV_CONF when set). */
void dns_set_hosts_path(const char *path);
void dns_set_resolv_path(const char *path);
/* Empties the cache (tests, or a server list changed). */
void dns_cache_flush(void);

/* The IPv4 addresses for name in the hosts file at path, at most max; the count, 0 when the
 * name is not there, or -errno when the file cannot be read (-ENOENT: no file). */
int dns_hosts_lookup(const char *path, const char *name, struct in_addr *out, int max);
/* The IPv4 nameserver lines of a resolv.conf file, at most max, port 53; the count or
 * -errno. */
int dns_resolv_conf_read(const char *path, struct sockaddr_in *out, int max);

#endif
