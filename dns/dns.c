/* SPDX-License-Identifier: MIT */
/* Stub resolver (RFC 1034 5.3.1, RFC 1035 7): the lookup behind us_getaddrinfo and
 * us_resolve: the hosts file, the cache (dns_cache.c), and A and AAAA queries (RFC 3596)
 * for each name of the search list (dns_conf.c) to the configured servers over the stack's
 * own UDP and TCP sockets (dns_query.c); negative answers cached as RFC 2308 says.
 *
 * Spoofing (RFC 5452): every query has a random ID and goes out from a random source port
 * (both from getrandom), and an answer is taken only if it comes from the server's address
 * and port, carries the ID, and repeats the question; anything else is dropped and counted
 * (dns.rx_bad_source, rx_bad_id, rx_bad_question) and the wait goes on. Time is bounded by
 * the caller's timeout_ms across every server, retry, TCP fallback and CNAME hop. */
#include "dns/dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_query.h"
#include "dns/dns_wire.h"
#include "include/ustack.h"
#include "net/loop.h"

static pthread_mutex_t dns_mutex = PTHREAD_MUTEX_INITIALIZER;
static union dns_server dns_servers[DNS_SERVERS_MAX];
static int dns_nservers;
static char dns_search_set[DNS_NAME_TEXT_MAX]; /* a DHCP lease's domain, or "" */
static char dns_hosts_path[256], dns_resolv_path[256];
static struct us_resolver_config dns_cfg = {
	.cache_max = 64,
	.ttl_max_s = 86400,
	.neg_ttl_max_s = 900,
	.servfail_ttl_s = 5,
};
static struct dns_cache dns_cache; /* allocated at the first lookup, or by config_set */
static int dns_cache_ready;

int dns_set_servers(const union dns_server *servers, int n)
{
	if (n < 0 || n > DNS_SERVERS_MAX)
		return -EINVAL;
	for (int i = 0; i < n; i++)
		if (!dns_server_len(&servers[i]) ||
		    (servers[i].sa.sa_family == AF_INET6 &&
		     IN6_IS_ADDR_LINKLOCAL(&servers[i].sin6.sin6_addr) &&
		     !servers[i].sin6.sin6_scope_id))
			return -EINVAL;
	pthread_mutex_lock(&dns_mutex);
	for (int i = 0; i < n; i++) {
		dns_servers[i] = servers[i];
		/* the port sits at the same place in both families' sockaddr */
		if (!dns_servers[i].sin.sin_port)
			dns_servers[i].sin.sin_port = htons(DNS_PORT);
	}
	dns_nservers = n;
	dns_cache_clear(&dns_cache);
	pthread_mutex_unlock(&dns_mutex);
	return 0;
}

int dns_set_search(const char *domain)
{
	uint8_t q[DNS_UDP_MAX];
	size_t len = domain ? strlen(domain) : 0;

	if (len && (len >= DNS_NAME_TEXT_MAX ||
		    dns_query_emit(0, domain, DNS_TYPE_A, q, sizeof(q)) < 0))
		return -EINVAL;
	pthread_mutex_lock(&dns_mutex);
	snprintf(dns_search_set, sizeof(dns_search_set), "%.*s",
		 (int)(len && domain[len - 1] == '.' ? len - 1 : len), len ? domain : "");
	pthread_mutex_unlock(&dns_mutex);
	return 0;
}

static void set_path(char *dst, const char *path)
{
	pthread_mutex_lock(&dns_mutex);
	snprintf(dst, 256, "%s", path ? path : "");
	pthread_mutex_unlock(&dns_mutex);
}

void dns_set_hosts_path(const char *path)
{
	set_path(dns_hosts_path, path);
}

void dns_set_resolv_path(const char *path)
{
	set_path(dns_resolv_path, path);
}

void dns_cache_flush(void)
{
	pthread_mutex_lock(&dns_mutex);
	dns_cache_clear(&dns_cache);
	pthread_mutex_unlock(&dns_mutex);
}

unsigned dns_cache_live(void)
{
	unsigned n;

	pthread_mutex_lock(&dns_mutex);
	n = dns_cache_count(&dns_cache, net_clock_ms());
	pthread_mutex_unlock(&dns_mutex);
	return n;
}

void us_resolver_config_get(struct us_resolver_config *cfg)
{
	pthread_mutex_lock(&dns_mutex);
	*cfg = dns_cfg;
	pthread_mutex_unlock(&dns_mutex);
}

int us_resolver_config_set(const struct us_resolver_config *cfg)
{
	struct dns_cache c;
	int err;

	if (!cfg || cfg->cache_max > DNS_CACHE_MAX_LIMIT || cfg->servfail_ttl_s > 300)
		return -EINVAL;
	err = dns_cache_init(&c, cfg->cache_max);
	if (err)
		return err;
	pthread_mutex_lock(&dns_mutex);
	dns_cache_free(&dns_cache);
	dns_cache = c;
	dns_cache_ready = 1;
	dns_cfg = *cfg;
	pthread_mutex_unlock(&dns_mutex);
	return 0;
}

/* The path set, else the environment's, else the default; copied under the mutex. */
static void path_get(const char *set, const char *env, const char *def, char *out)
{
	const char *e = getenv(env);

	pthread_mutex_lock(&dns_mutex);
	snprintf(out, 256, "%s", set[0] ? set : e && e[0] ? e : def);
	pthread_mutex_unlock(&dns_mutex);
}

/* ---- the cache, under the mutex ---- */

static int cache_get(const char *name, uint16_t type, struct dns_cache_entry *out)
{
	int hit;

	pthread_mutex_lock(&dns_mutex);
	hit = dns_cache_get(&dns_cache, name, type, net_clock_ms(), out);
	pthread_mutex_unlock(&dns_mutex);
	return hit;
}

/* Stores e for ttl_s, cut to the limit of its kind. */
static void cache_put(const struct dns_cache_entry *e, uint32_t ttl_s)
{
	pthread_mutex_lock(&dns_mutex);
	if (!dns_cache_ready && dns_cache_init(&dns_cache, dns_cfg.cache_max) == 0)
		dns_cache_ready = 1;
	switch (e->kind) {
	case DNS_CE_ADDR:
		ttl_s = ttl_s < dns_cfg.ttl_max_s ? ttl_s : dns_cfg.ttl_max_s;
		break;
	case DNS_CE_SERVFAIL:
		ttl_s = dns_cfg.servfail_ttl_s;
		break;
	default:
		ttl_s = ttl_s < dns_cfg.neg_ttl_max_s ? ttl_s : dns_cfg.neg_ttl_max_s;
		break;
	}
	dns_cache_put(&dns_cache, e, ttl_s, net_clock_ms());
	pthread_mutex_unlock(&dns_mutex);
}

/* The servers to ask: those set (--dns, a lease), else resolv.conf's; their count. */
static int servers_get(const struct dns_resolv *conf, union dns_server *srv)
{
	int n;

	pthread_mutex_lock(&dns_mutex);
	n = dns_nservers;
	memcpy(srv, dns_servers, sizeof(dns_servers));
	pthread_mutex_unlock(&dns_mutex);
	if (n == 0) {
		n = conf->nservers;
		memcpy(srv, conf->servers, sizeof(conf->servers));
	}
	return n;
}

/* ---- one name ---- */

/* Copies a name of at most DNS_NAME_TEXT_MAX - 1 characters (cut there otherwise). */
static void name_copy(char *dst, const char *src)
{
	size_t n = strnlen(src, DNS_NAME_TEXT_MAX - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* What a lookup found for one type. */
struct dns_tres {
	int err;         /* 0, -ENOENT, -ENODATA, ... */
	int n;
	uint8_t addr[DNS_CACHE_ADDRS][16];
	char canon[DNS_NAME_TEXT_MAX];
};

/* An answer for q (asked for the original name `name`, CNAME links `links` so far)
 * taken into t and the cache. Returns 1 when the type is done, 0 when the chain's next
 * name must be asked (q->name moved to it). */
static int answer_use(const char *name, struct dns_query *q, int *links, uint32_t *ttl,
		      struct dns_tres *t)
{
	struct dns_msg *m = &q->m;
	struct dns_cache_entry ce = { .type = q->type };
	int before = *links, moved, alen = q->type == DNS_TYPE_A ? 4 : 16;

	name_copy(ce.name, name);
	if (DNS_RCODE(m->h.flags) == DNS_RCODE_NXDOMAIN) {
		DNS_COUNT(nxdomain);
		/* The name asked does not exist; when it is a CNAME's target, the alias does,
		 * without an address: NODATA for it. */
		ce.kind = before ? DNS_CE_NODATA : DNS_CE_NXDOMAIN;
		cache_put(&ce, dns_negative_ttl(m, q->name));
		t->err = -ENOENT;
		return 1;
	}
	/* Follow the answer's CNAME links from q->name, in whatever order they come. */
	do {
		moved = 0;
		for (int i = 0; i < m->nan; i++) {
			if (m->an[i].type != DNS_TYPE_CNAME || !dns_name_equal(m->an[i].name, q->name))
				continue;
			if (++*links > DNS_CNAME_MAX) {
				DNS_COUNT(cname_too_long);
				t->err = -ENOENT;
				return 1;
			}
			snprintf(q->name, sizeof(q->name), "%s", m->an[i].rd.cname);
			*ttl = m->an[i].ttl < *ttl ? m->an[i].ttl : *ttl;
			moved = 1;
			break;
		}
	} while (moved);
	for (int i = 0; i < m->nan && t->n < DNS_CACHE_ADDRS; i++)
		if (m->an[i].type == q->type && dns_name_equal(m->an[i].name, q->name)) {
			memcpy(t->addr[t->n++], q->type == DNS_TYPE_A ? m->an[i].rd.a
								      : m->an[i].rd.aaaa, (size_t)alen);
			*ttl = m->an[i].ttl < *ttl ? m->an[i].ttl : *ttl;
		}
	if (t->n > 0) {
		DNS_COUNT(answers);
		snprintf(t->canon, sizeof(t->canon), "%s", q->name);
		ce.kind = DNS_CE_ADDR;
		ce.n = (uint8_t)t->n;
		memcpy(ce.addr, t->addr, sizeof(ce.addr));
		memcpy(ce.canon, t->canon, sizeof(ce.canon));
		cache_put(&ce, *ttl);
		t->err = 0;
		return 1;
	}
	if (*links == before) {
		DNS_COUNT(nodata);
		ce.kind = DNS_CE_NODATA;
		cache_put(&ce, dns_negative_ttl(m, q->name));
		t->err = -ENODATA;
		return 1;
	}
	return 0; /* a CNAME without its target's address in the answer: ask for the target */
}

/* Looks name up for the types asked (A, AAAA or both), from the cache or the servers;
 * fills t[0] (A) and t[1] (AAAA). Returns 0 (each t says how it went) or -EDESTADDRREQ,
 * -ENOMEM. */
static int lookup_name(const char *name, int want4, int want6, const struct dns_resolv *conf,
		       uint64_t deadline, struct dns_tres t[2])
{
	static const uint16_t types[2] = { DNS_TYPE_A, DNS_TYPE_AAAA };
	union dns_server srv[DNS_SERVERS_MAX];
	struct dns_query *qs = NULL;
	int links[2] = { 0, 0 }, idx[2], nq = 0, err = 0, nsrv;
	uint32_t ttl[2] = { UINT32_MAX, UINT32_MAX };

	for (int k = 0; k < 2; k++) {
		struct dns_cache_entry ce;

		memset(&t[k], 0, sizeof(t[k]));
		t[k].err = -ENODATA;
		if (!(k == 0 ? want4 : want6))
			continue;
		if (!cache_get(name, types[k], &ce)) {
			idx[nq++] = k;
			continue;
		}
		switch (ce.kind) {
		case DNS_CE_ADDR:
			DNS_COUNT(cache_hits);
			t[k].err = 0;
			t[k].n = ce.n;
			memcpy(t[k].addr, ce.addr, sizeof(t[k].addr));
			memcpy(t[k].canon, ce.canon, sizeof(t[k].canon));
			break;
		default:
			DNS_COUNT(neg_cache_hits);
			t[k].err = ce.kind == DNS_CE_NXDOMAIN ? -ENOENT
				   : ce.kind == DNS_CE_NODATA ? -ENODATA : -EAGAIN;
			break;
		}
	}
	if (nq == 0)
		return 0;
	nsrv = servers_get(conf, srv);
	qs = calloc((size_t)nq, sizeof(*qs)); /* one per lookup, not per packet: ~9 KiB each */
	if (!qs)
		return -ENOMEM;
	for (int j = 0; j < nq; j++) {
		name_copy(qs[j].name, name);
		qs[j].type = types[idx[j]];
	}
	/* Each pass asks every unfinished question; each either finishes or follows at
	 * least one more CNAME link, and links are bounded, so the passes are too. */
	for (;;) {
		int open = 0;

		if (nsrv == 0) {
			err = -EDESTADDRREQ;
			break;
		}
		/* A and AAAA at once from one socket, as glibc does, unless resolv.conf
		 * says single-request (for middleboxes that lose the second of two
		 * queries with one source port): then one after the other. */
		if (conf->single_request)
			for (int j = 0; j < nq; j++)
				dns_query_servers(srv, nsrv, &qs[j], 1, conf, deadline);
		else
			dns_query_servers(srv, nsrv, qs, nq, conf, deadline);
		for (int j = 0; j < nq; j++) {
			struct dns_query *q = &qs[j];
			struct dns_tres *r = &t[idx[j]];

			if (q->state == 2)
				continue; /* finished in an earlier pass */
			if (q->state < 0) {
				r->err = q->state;
				if (q->state == -EAGAIN) {
					struct dns_cache_entry ce = { .type = q->type,
								      .kind = DNS_CE_SERVFAIL };

					name_copy(ce.name, name);
					cache_put(&ce, 0);
				}
				q->state = 2;
				continue;
			}
			if (answer_use(name, q, &links[idx[j]], &ttl[idx[j]], r)) {
				q->state = 2;
				continue;
			}
			q->state = 0;
			open++;
		}
		if (!open)
			break;
	}
	free(qs);
	return err;
}

/* ---- the lookup ---- */

/* The resolv.conf in force, with the search domain of a DHCP lease when the file has no
 * search or domain line. */
static void conf_get(struct dns_resolv *r)
{
	char path[256];

	path_get(dns_resolv_path, "USTACK_RESOLV_CONF", DNS_RESOLV_DEFAULT, path);
	dns_resolv_conf_parse(path, r); /* no file: the defaults */
	pthread_mutex_lock(&dns_mutex);
	if (r->nsearch < 0 && dns_search_set[0]) {
		snprintf(r->search[0], sizeof(r->search[0]), "%s", dns_search_set);
		r->nsearch = 1;
	}
	pthread_mutex_unlock(&dns_mutex);
}

int dns_budget_ms(void)
{
	struct dns_resolv r;
	long ms;
	int n;

	conf_get(&r);
	if (!r.timeout_s && !r.attempts)
		return DNS_BUDGET_MS;
	pthread_mutex_lock(&dns_mutex);
	n = dns_nservers ? dns_nservers : r.nservers;
	pthread_mutex_unlock(&dns_mutex);
	ms = (long)(r.timeout_s ? r.timeout_s : DNS_TRY_MAX_MS / 1000) *
	     (r.attempts ? r.attempts : 2) * (n ? n : 1) * 1000;
	return ms > DNS_BUDGET_MAX_MS ? DNS_BUDGET_MAX_MS : (int)ms;
}

/* Of the errors of the names tried, the one that says most (glibc's res_search): NODATA
 * (the name exists), then the servers failing, then NXDOMAIN. */
static int error_rank(int err)
{
	return err == -ENODATA ? 0 : err == -EAGAIN ? 1 : err == -ENOENT ? 2 : 3;
}

int dns_lookup(const char *name, int family, struct dns_addr *out, int max, int timeout_ms,
	       char *canon)
{
	char cand[DNS_SEARCH_MAX + 1][DNS_NAME_TEXT_MAX], path[256];
	struct dns_resolv conf;
	struct dns_tres t[2];
	uint64_t deadline;
	uint8_t q[DNS_UDP_MAX];
	int n = 0, err = -ENOENT, ncand, want4, want6;

	if (!name || !out || max <= 0 || timeout_ms < 0 || strlen(name) >= DNS_NAME_TEXT_MAX)
		return -EINVAL;
	if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	want4 = family != AF_INET6;
	want6 = family != AF_INET;
	if (canon)
		snprintf(canon, DNS_NAME_TEXT_MAX, "%s", name);
	/* Numeric addresses of either family, without a query. */
	memset(&out[0], 0, sizeof(out[0]));
	if (inet_pton(AF_INET, name, out[0].a) == 1 || inet_pton(AF_INET6, name, out[0].a) == 1) {
		out[0].family = strchr(name, ':') ? AF_INET6 : AF_INET;
		return (out[0].family == AF_INET ? want4 : want6) ? 1 : -ENODATA;
	}
	if (dns_query_emit(0, name, DNS_TYPE_A, q, sizeof(q)) < 0)
		return -EINVAL;
	path_get(dns_hosts_path, "USTACK_HOSTS", DNS_HOSTS_DEFAULT, path);
	n = dns_hosts_find(path, name, family, out, max);
	if (n > 0) {
		/* IPv4 first, as below */
		for (int i = 1; i < n; i++)
			for (int j = i; j > 0 && out[j].family == AF_INET &&
					out[j - 1].family == AF_INET6; j--) {
				struct dns_addr x = out[j];

				out[j] = out[j - 1];
				out[j - 1] = x;
			}
		DNS_COUNT(hosts_hits);
		return n;
	}
	n = 0;
	conf_get(&conf);
	ncand = dns_search_names(name, &conf, cand, DNS_SEARCH_MAX + 1);
	deadline = dns_now_ms() + (uint64_t)timeout_ms;
	for (int c = 0; c < ncand; c++) {
		int e;

		if (c > 0)
			DNS_COUNT(search_tries);
		e = lookup_name(cand[c], want4, want6, &conf, deadline, t);
		if (e)
			return e;
		for (int k = 0; k < 2; k++)
			for (int i = 0; i < t[k].n && n < max; i++) {
				memset(&out[n], 0, sizeof(out[n]));
				out[n].family = k == 0 ? AF_INET : AF_INET6;
				memcpy(out[n].a, t[k].addr[i], k == 0 ? 4 : 16);
				if (canon && n == 0)
					snprintf(canon, DNS_NAME_TEXT_MAX, "%s", t[k].canon);
				n++;
			}
		if (n > 0)
			return n;
		/* No such name, none of this family, or the servers failing for it: the
		 * next name may do better; time running out ends the search (as glibc). */
		for (int k = 0; k < 2; k++) {
			if (!(k == 0 ? want4 : want6))
				continue;
			if (error_rank(t[k].err) == 3)
				return t[k].err;
			if (error_rank(t[k].err) < error_rank(err))
				err = t[k].err;
		}
	}
	return err;
}

int us_resolve(const char *name, struct sockaddr_in *out, int max, int timeout_ms)
{
	struct dns_addr a[DNS_CACHE_ADDRS];
	int n;

	if (!out || max <= 0)
		return -EINVAL;
	n = dns_lookup(name, AF_INET, a, max < DNS_CACHE_ADDRS ? max : DNS_CACHE_ADDRS,
		       timeout_ms, NULL);
	if (n == -ENODATA)
		return -ENOENT;
	for (int i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].sin_family = AF_INET;
		memcpy(&out[i].sin_addr, a[i].a, 4);
	}
	return n;
}
