/* SPDX-License-Identifier: MIT */
/* The answers of `ustack ctl`: sockets as ss prints them, neighbours, routes and addresses
 * as ip prints them, counters as nstat prints them; and the requests that change addresses
 * and routes. Everything here runs in the control thread (lib/ctl_server.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <ustack.h>

#include "arp/arp.h"
#include "ip/ip.h"
#include "ip6/ip6.h"
#include "lib/ctl.h"
#include "lib/ctl_live.h"
#include "nd/nd.h"
#include "net/loop.h"
#include "net/netdev.h"
#include "net/stats.h"
#include "tcp/tcp.h"
#include "udp/udp.h"

#define CTL_DEV_INDEX_MAX 4096 /* device indexes looked at by `addr` */

static int req_error(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int req_error(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

void ctl_fmt_rate(char *buf, size_t size, double bps)
{
	/* ss's sprint_bw */
	if (bps > 1e9)
		snprintf(buf, size, "%.1fGbps", bps / 1e9);
	else if (bps > 1e6)
		snprintf(buf, size, "%.1fMbps", bps / 1e6);
	else if (bps > 1e3)
		snprintf(buf, size, "%.1fKbps", bps / 1e3);
	else
		snprintf(buf, size, "%gbps", bps);
}

/* ---- ss ---- */

/* The state as ss names it. */
static const char *ss_state(enum tcp_state s)
{
	static const char *const names[] = {
		[TCP_CLOSED] = "UNCONN", [TCP_LISTEN] = "LISTEN", [TCP_SYN_SENT] = "SYN-SENT",
		[TCP_SYN_RECEIVED] = "SYN-RECV", [TCP_ESTABLISHED] = "ESTAB",
		[TCP_FIN_WAIT_1] = "FIN-WAIT-1", [TCP_FIN_WAIT_2] = "FIN-WAIT-2",
		[TCP_CLOSE_WAIT] = "CLOSE-WAIT", [TCP_CLOSING] = "CLOSING",
		[TCP_LAST_ACK] = "LAST-ACK", [TCP_TIME_WAIT] = "TIME-WAIT",
	};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "UNKNOWN";
}

struct ss_ctx {
	FILE *out;
	int netid;      /* print the Netid column (both TCP and UDP asked for) */
	int listening;  /* -l: listeners only */
	int info;       /* -i */
};

/* "A.B.C.D:PORT", or "A.B.C.D:*" for port 0 (net_endpoint_ntop); a socket taking both
 * families (dual) as "*:PORT" and "*:*", as Linux's ss shows one. */
static void ss_row(const struct ss_ctx *c, const char *netid, const char *state, size_t rq,
		   size_t sq, const struct net_endpoint *local, const struct net_endpoint *remote,
		   int dual)
{
	char l[NET_ENDPOINT_STRLEN], r[NET_ENDPOINT_STRLEN];

	net_endpoint_ntop(local, 1, l, sizeof(l));
	net_endpoint_ntop(remote, 1, r, sizeof(r));
	if (dual) {
		snprintf(l, sizeof(l), "*:%u", local->port);
		if (!remote->port)
			snprintf(r, sizeof(r), "*:*");
	}
	if (c->netid)
		fprintf(c->out, "%-6s", netid);
	fprintf(c->out, "%-11s %-6zu %-6zu %-21s %s\n", state, rq, sq, l, r);
}

/* The `ss -ti` line. */
static void ss_tcp_info(const struct ss_ctx *c, const struct tcp_ss_row *r)
{
	struct us_tcp_info ti;
	char rate[32];

	tcp_pcb_info(r->pcb, &ti);
	fprintf(c->out, "\t %s", ti.congestion);
	if (r->wscale_ok)
		fprintf(c->out, " wscale:%u,%u", ti.snd_wscale, ti.rcv_wscale);
	fprintf(c->out, " rto:%g", ti.rto_us / 1000.0);
	if (ti.backoff)
		fprintf(c->out, " backoff:%u", ti.backoff);
	fprintf(c->out, " rtt:%g/%g mss:%u rcvmss:%u cwnd:%u", ti.rtt_us / 1000.0,
		ti.rttvar_us / 1000.0, ti.snd_mss, ti.rcv_mss, ti.snd_cwnd);
	if (ti.snd_ssthresh && ti.snd_ssthresh < 0xffff) /* ss leaves an unset one out */
		fprintf(c->out, " ssthresh:%u", ti.snd_ssthresh);
	fprintf(c->out, " bytes_acked:%llu bytes_received:%llu retrans:%u/%u",
		(unsigned long long)ti.bytes_acked, (unsigned long long)ti.bytes_received,
		ti.retrans, ti.total_retrans);
	if (r->pacing_rate) {
		ctl_fmt_rate(rate, sizeof(rate), r->pacing_rate * 8.0);
		fprintf(c->out, " pacing_rate %s", rate);
	}
	if (ti.delivery_rate) {
		ctl_fmt_rate(rate, sizeof(rate), ti.delivery_rate * 8.0);
		fprintf(c->out, " delivery_rate %s", rate);
	}
	fputc('\n', c->out);
}

static void ss_tcp(const struct tcp_ss_row *r, void *arg)
{
	const struct ss_ctx *c = arg;

	if (c->listening && r->state != TCP_LISTEN)
		return;
	ss_row(c, "tcp", ss_state(r->state), r->rq, r->sq, &r->local, &r->remote, r->dual);
	if (c->info && r->pcb)
		ss_tcp_info(c, r);
}

static void ss_udp(const struct net_endpoint *local, const struct net_endpoint *remote,
		   size_t rxq_bytes, int dual, void *arg)
{
	const struct ss_ctx *c = arg;
	int conn = !net_addr_is_any(&remote->addr);

	/* ss -l lists the unconnected ones (UNCONN); connected ones are ESTAB */
	if (c->listening && conn)
		return;
	ss_row(c, "udp", conn ? "ESTAB" : "UNCONN", rxq_bytes, 0, local, remote, dual);
}

/* ss [-t] [-u] [-l] [-i] [-a]: without -l every socket (as ss -a), with it the listeners. */
static int req_ss(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	struct ss_ctx c = { .out = out };
	int tcp = 0, udp = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || !a[1])
			return req_error(err, errlen, -EINVAL,
					 "ss: unexpected '%s' (options: -t -u -l -i -a -n)", a);
		for (const char *p = a + 1; *p; p++) {
			switch (*p) {
			case 't': tcp = 1; break;
			case 'u': udp = 1; break;
			case 'l': c.listening = 1; break;
			case 'i': c.info = 1; break;
			case 'a': case 'n': break; /* what ss -tan asks for is what ctl prints */
			default:
				return req_error(err, errlen, -EINVAL,
						 "ss: unknown option '-%c' (options: -t -u -l -i -a -n)",
						 *p);
			}
		}
	}
	if (!tcp && !udp)
		tcp = udp = 1;
	c.netid = tcp && udp;
	net_lock();
	if (c.netid)
		fprintf(out, "%-6s", "Netid");
	fprintf(out, "%-11s %-6s %-6s %-21s %s\n", "State", "Recv-Q", "Send-Q",
		"Local Address:Port", "Peer Address:Port");
	if (tcp)
		tcp_ss_foreach(ss_tcp, &c);
	if (udp)
		udp_pcb_foreach(ss_udp, &c);
	net_unlock();
	return 0;
}

/* ---- neigh, route, addr ---- */

static void neigh_one(uint32_t addr, const struct net_device *dev, enum arp_state state,
		      const uint8_t hw[6], void *arg)
{
	static const char *const names[] = { [ARP_NONE] = "NONE", [ARP_INCOMPLETE] = "INCOMPLETE",
					     [ARP_REACHABLE] = "REACHABLE", [ARP_STALE] = "STALE" };
	FILE *out = arg;
	char a[IP_ADDR_STRLEN];

	fprintf(out, "%s dev %s", ip_addr_ntop(addr, a, sizeof(a)), dev ? dev->name : "?");
	if (state == ARP_REACHABLE || state == ARP_STALE)
		fprintf(out, " lladdr %02x:%02x:%02x:%02x:%02x:%02x", hw[0], hw[1], hw[2], hw[3],
			hw[4], hw[5]);
	fprintf(out, " %s\n", (unsigned)state < 4 ? names[state] : "?");
}

/* An ND entry as `ip -6 neigh` prints it (`ip neigh` lists both families). */
static void neigh6_one(const struct net_addr *addr, const struct net_device *dev,
		       enum nd_state state, const uint8_t hw[6], void *arg)
{
	FILE *out = arg;
	char a[NET_ADDR_STRLEN];

	fprintf(out, "%s dev %s", net_addr_ntop(addr, a, sizeof(a)), dev ? dev->name : "?");
	if (state != ND_INCOMPLETE)
		fprintf(out, " lladdr %02x:%02x:%02x:%02x:%02x:%02x", hw[0], hw[1], hw[2], hw[3],
			hw[4], hw[5]);
	fprintf(out, " %s\n", nd_state_name(state));
}

/* The IPv6 addresses of the device being listed, after its IPv4 ones. */
struct addr6_arg {
	FILE *out;
	int ifindex;
};

static void addr6_one(const struct ip6_ifaddr *ifa, void *arg)
{
	struct addr6_arg *a = arg;
	char s[NET_ADDR_STRLEN];

	if (ifa->ifindex != a->ifindex)
		return;
	fprintf(a->out, " %s/%u", net_addr_ntop(&ifa->addr, s, sizeof(s)), ifa->prefixlen);
	/* the state after the address, as `ip addr` puts it */
	if (ifa->flags & IP6_IFA_TENTATIVE)
		fputs(" tentative", a->out);
	if (ifa->flags & IP6_IFA_DUPLICATE)
		fputs(" dadfailed", a->out);
	if (ifa->flags & IP6_IFA_DEPRECATED)
		fputs(" deprecated", a->out);
	if (ifa->flags & IP6_IFA_AUTO)
		fputs(" dynamic", a->out);
}

static void route_one(const struct ip_route *r, void *arg)
{
	FILE *out = arg;
	char n[NET_ADDR_STRLEN], g[NET_ADDR_STRLEN], s[NET_ADDR_STRLEN];
	const char *dev = r->iface && r->iface->dev ? r->iface->dev->name : "?";

	if (!r->prefixlen)
		fputs("default", out);
	else
		fprintf(out, "%s/%u", net_addr_ntop(&r->dst, n, sizeof(n)), r->prefixlen);
	if (!net_addr_is_any(&r->gateway))
		fprintf(out, " via %s dev %s\n", net_addr_ntop(&r->gateway, g, sizeof(g)), dev);
	else
		fprintf(out, " dev %s proto kernel scope link src %s\n", dev,
			r->iface ? net_addr_ntop(&r->src, s, sizeof(s)) : "?");
}

/* IPv6 routes from router discovery, as `ip -6 route` shows them: "default via fe80::1
 * dev tap0 proto ra expires 1799sec", "2001:db8:1::/64 dev tap0 proto ra expires ...". */
static void route6_expires(FILE *out, uint64_t expires)
{
	uint64_t now = net_clock_ms();

	if (expires)
		fprintf(out, " expires %llusec", (unsigned long long)(expires > now ?
								     (expires - now) / 1000 : 0));
	fputc('\n', out);
}

static void route6_prefix(const struct net_device *dev, const struct net_addr *pfx,
			  unsigned plen, uint64_t expires, void *arg)
{
	char n[NET_ADDR_STRLEN];

	fprintf(arg, "%s/%u dev %s proto ra", net_addr_ntop(pfx, n, sizeof(n)), plen, dev->name);
	route6_expires(arg, expires);
}

static void route6_default(const struct net_device *dev, const struct net_addr *addr,
			   uint64_t expires, void *arg)
{
	char g[NET_ADDR_STRLEN];

	fprintf(arg, "default via %s dev %s proto ra", net_addr_ntop(addr, g, sizeof(g)),
		dev->name);
	route6_expires(arg, expires);
}

/* A static IPv6 route, as `ip -6 route` shows one: "2001:db8:5::/48 via 2001:db8::1 dev
 * tap0 proto static"; a route whose gateway is on no link yet says "dev ?". */
static void route6_static(const struct net_addr *pfx, unsigned plen, const struct net_addr *gw,
			  int ifindex, void *arg)
{
	char n[NET_ADDR_STRLEN], g[NET_ADDR_STRLEN];
	const struct net_device *dev;

	if (!ifindex)
		ifindex = ip6_onlink_ifindex(gw, 0, NULL);
	dev = ifindex ? net_device_by_index(ifindex) : NULL;
	if (!plen)
		fputs("default", arg);
	else
		fprintf(arg, "%s/%u", net_addr_ntop(pfx, n, sizeof(n)), plen);
	if (!net_addr_is_any(gw))
		fprintf(arg, " via %s", net_addr_ntop(gw, g, sizeof(g)));
	fprintf(arg, " dev %s proto static\n", dev ? dev->name : "?");
}

/* `ip -brief addr`: the device, its state, its addresses. */
static void addr_list(FILE *out)
{
	char a[NET_ADDR_STRLEN], p[IP_ADDR_STRLEN];

	for (int i = 1; i < CTL_DEV_INDEX_MAX; i++) {
		const struct net_device *dev = net_device_by_index(i);

		if (!dev)
			continue;
		fprintf(out, "%-16s %-14s", dev->name, "UP");
		for (int k = 0; k < dev->nifaces; k++) {
			const struct net_iface *ifc = &dev->ifaces[k];

			net_addr_ntop(&ifc->addr, a, sizeof(a));
			if (ifc->peer)
				fprintf(out, " %s peer %s/32", a, ip_addr_ntop(ifc->peer, p, sizeof(p)));
			else
				fprintf(out, " %s/%u", a, ifc->prefixlen);
		}
		ip6_addr_foreach(addr6_one, &(struct addr6_arg){ out, dev->index });
		fputc('\n', out);
	}
}

/* "A.B.C.D/N" (or "default" when allow_default) into addr and len. */
static int parse_prefix(const char *s, int allow_default, struct in_addr *addr, int *len)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	char *end;
	long n;

	if (allow_default && !strcmp(s, "default")) {
		addr->s_addr = 0;
		*len = 0;
		return 0;
	}
	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	errno = 0;
	n = strtol(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end || n < 0 || n > 32 || ip_addr_pton(buf, &addr->s_addr))
		return -EINVAL;
	*len = (int)n;
	return 0;
}

/* route add|del PREFIX6 [via GW6] [dev DEV]: an IPv6 route ("::/0" the default one) */
static int req_route6_change(struct ustack *st, int argc, char **argv, char *err,
			     size_t errlen)
{
	static const char usage[] = "give route add|del PREFIX6/N [via GW6] [dev DEV]";
	struct in6_addr dst, gw = IN6ADDR_ANY_INIT;
	const char *dev = NULL, *slash = strchr(argv[2], '/');
	int add = !strcmp(argv[1], "add"), rc;
	char buf[INET6_ADDRSTRLEN];
	long len;
	char *end;

	if (!slash || (size_t)(slash - argv[2]) >= sizeof(buf))
		return req_error(err, errlen, -EINVAL, "route %s: %s", argv[1], usage);
	memcpy(buf, argv[2], (size_t)(slash - argv[2]));
	buf[slash - argv[2]] = '\0';
	errno = 0;
	len = strtol(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end || len < 0 || len > 128 ||
	    inet_pton(AF_INET6, buf, &dst) != 1)
		return req_error(err, errlen, -EINVAL, "route %s: %s", argv[1], usage);
	for (int i = 3; i < argc; i += 2) {
		if (i + 1 >= argc)
			return req_error(err, errlen, -EINVAL, "route %s: '%s' needs a value; %s",
					 argv[1], argv[i], usage);
		if (!strcmp(argv[i], "via")) {
			if (inet_pton(AF_INET6, argv[i + 1], &gw) != 1)
				return req_error(err, errlen, -EINVAL,
						 "route %s: via '%s' is no IPv6 address", argv[1],
						 argv[i + 1]);
		} else if (!strcmp(argv[i], "dev")) {
			dev = argv[i + 1];
		} else {
			return req_error(err, errlen, -EINVAL, "route %s: unknown '%s'; %s", argv[1],
					 argv[i], usage);
		}
	}
	/* the library takes the stack lock itself; it says what a gateway lacks */
	rc = add ? ustack_route6_add(st, &dst, (int)len, &gw, dev)
		 : ustack_route6_del(st, &dst, (int)len);
	if (rc < 0)
		return req_error(err, errlen, rc, "route %s: %s", argv[1], ustack_errmsg(st));
	return 0;
}

/* route add|del PREFIX [via GW] [dev DEV] */
static int req_route_change(struct ustack *st, int argc, char **argv, char *err, size_t errlen)
{
	static const char usage[] = "give route add|del PREFIX [via GW] dev DEV";
	struct in_addr dst, gw = { 0 };
	const char *dev = NULL;
	int add = !strcmp(argv[1], "add"), len, rc;

	if (argc >= 3 && strchr(argv[2], ':'))
		return req_route6_change(st, argc, argv, err, errlen);
	if (argc < 3 || parse_prefix(argv[2], 1, &dst, &len))
		return req_error(err, errlen, -EINVAL, "route %s: %s", argv[1], usage);
	for (int i = 3; i < argc; i += 2) {
		if (i + 1 >= argc)
			return req_error(err, errlen, -EINVAL, "route %s: '%s' needs a value; %s",
					 argv[1], argv[i], usage);
		if (!strcmp(argv[i], "via")) {
			if (ip_addr_pton(argv[i + 1], &gw.s_addr))
				return req_error(err, errlen, -EINVAL,
						 "route %s: via '%s' is no IPv4 address", argv[1],
						 argv[i + 1]);
		} else if (!strcmp(argv[i], "dev")) {
			dev = argv[i + 1];
		} else {
			return req_error(err, errlen, -EINVAL, "route %s: unknown '%s'; %s", argv[1],
					 argv[i], usage);
		}
	}
	if (dst.s_addr & ~(len ? htonl(~0u << (32 - len)) : 0))
		return req_error(err, errlen, -EINVAL,
				 "route %s: %s has host bits set; give the network address",
				 argv[1], argv[2]);
	if (add && !dev)
		return req_error(err, errlen, -EINVAL, "route add: %s", usage);
	/* the library takes the stack lock itself */
	rc = add ? ustack_route_add(st, dst, len, gw, dev) : ustack_route_del(st, dst, len);
	if (rc < 0)
		return req_error(err, errlen, rc, "route %s: %s", argv[1], ustack_errmsg(st));
	return 0;
}

/* addr add|del ADDR/LEN dev DEV */
static int req_addr_change(struct ustack *st, int argc, char **argv, char *err, size_t errlen)
{
	struct in_addr a;
	int len, rc;

	if (argc != 5 || parse_prefix(argv[2], 0, &a, &len) || strcmp(argv[3], "dev"))
		return req_error(err, errlen, -EINVAL, "addr %s: give addr %s A.B.C.D/N dev DEV",
				 argv[1], argv[1]);
	rc = !strcmp(argv[1], "add") ? ustack_addr_add(st, argv[4], a, len)
				     : ustack_addr_del(st, argv[4], a);
	if (rc < 0)
		return req_error(err, errlen, rc, "addr %s: %s", argv[1], ustack_errmsg(st));
	return 0;
}

/* ---- stats ---- */

/* The --delta baseline: each counter's value at the last --delta read, in stats_foreach
 * order (NULL until the first). */
static uint64_t *delta_prev;
static size_t delta_n;

struct stats_ctx {
	FILE *out;
	int json, all, delta;
	size_t i, printed;
};

static void stats_one(const char *layer, const char *name, uint64_t v, void *arg)
{
	struct stats_ctx *c = arg;
	uint64_t show = v;

	if (c->delta) {
		/* a gauge that went down shows as 0 moved, not a wrapped difference */
		show = c->i < delta_n && v >= delta_prev[c->i] ? v - delta_prev[c->i] : 0;
		if (c->i < delta_n)
			delta_prev[c->i] = v;
	}
	c->i++;
	if (!show && !c->all)
		return;
	if (c->json)
		fprintf(c->out, "%s\"%s.%s\": %llu", c->printed ? ",\n  " : "\n  ", layer, name,
			(unsigned long long)show);
	else
		fprintf(c->out, "%s.%s %llu\n", layer, name, (unsigned long long)show);
	c->printed++;
}

void ctl_stats_reset(void)
{
	free(delta_prev);
	delta_prev = NULL;
	delta_n = 0;
}

/* stats [-j] [-a] [--delta] */
static int req_stats(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	struct stats_ctx c = { .out = out };

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			c.json = 1;
		else if (!strcmp(argv[i], "-a"))
			c.all = 1;
		else if (!strcmp(argv[i], "--delta") || !strcmp(argv[i], "-d"))
			c.delta = 1;
		else
			return req_error(err, errlen, -EINVAL,
					 "stats: unknown option '%s' (options: -j -a --delta)",
					 argv[i]);
	}
	net_lock();
	if (c.delta && !delta_prev) {
		/* the first --delta counts from zero: the baseline is all zeros */
		delta_n = stats_count();
		delta_prev = calloc(delta_n ? delta_n : 1, sizeof(*delta_prev));
		if (!delta_prev) {
			delta_n = 0;
			net_unlock();
			return req_error(err, errlen, -ENOMEM, "stats: out of memory");
		}
	}
	if (c.json)
		fputc('{', out);
	stats_foreach(stats_one, &c);
	if (c.json)
		fputs(c.printed ? "\n}\n" : "}\n", out);
	net_unlock();
	return 0;
}

/* ---- dispatch ---- */

int ctl_request(struct ustack *st, int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	const char *cmd = argc > 0 ? argv[0] : "";

	err[0] = '\0';
	if (!strcmp(cmd, "ss"))
		return req_ss(argc, argv, out, err, errlen);
	if (!strcmp(cmd, "stats"))
		return req_stats(argc, argv, out, err, errlen);
	if (!strcmp(cmd, "neigh") || !strcmp(cmd, "route") || !strcmp(cmd, "addr")) {
		if (argc > 1 && (!strcmp(argv[1], "add") || !strcmp(argv[1], "del"))) {
			if (!strcmp(cmd, "neigh"))
				return req_error(err, errlen, -EINVAL,
						 "neigh: entries come from ARP and ND; only 'neigh' lists "
						 "them");
			return !strcmp(cmd, "route") ? req_route_change(st, argc, argv, err, errlen)
						     : req_addr_change(st, argc, argv, err, errlen);
		}
		if (argc > 1 && strcmp(argv[1], "show") && strcmp(argv[1], "list"))
			return req_error(err, errlen, -EINVAL,
					 "%s: unknown '%s' (give %s, %s add ... or %s del ...)", cmd,
					 argv[1], cmd, cmd, cmd);
		if (argc > 2)
			return req_error(err, errlen, -EINVAL, "%s: unexpected '%s'", cmd, argv[2]);
		net_lock();
		if (cmd[0] == 'n') {
			arp_cache_foreach(neigh_one, out);
			nd_cache_foreach(neigh6_one, out);
		}
		else if (cmd[0] == 'r') {
			ip_route_foreach(route_one, out);
			ip6_route_foreach(route6_static, out);
			nd_prefix_foreach(route6_prefix, out);
			nd_router_foreach(route6_default, out);
		}
		else
			addr_list(out);
		net_unlock();
		return 0;
	}
	if (!strcmp(cmd, "impair") || !strcmp(cmd, "trace") || !strcmp(cmd, "pcap"))
		return ctl_live_request(st, argc, argv, out, err, errlen);
	if (!*cmd)
		return req_error(err, errlen, -EINVAL, "empty request: give ss, neigh, route, "
				 "addr, stats, impair, trace or pcap");
	return req_error(err, errlen, -EINVAL, "unknown request '%s': give ss, neigh, route, "
			 "addr, stats, impair, trace or pcap", cmd);
}

int ctl_split(char *line, char **argv, int max)
{
	int n = 0;
	char *save = NULL;

	for (char *w = strtok_r(line, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == max)
			return -E2BIG;
		argv[n++] = w;
	}
	return n;
}
