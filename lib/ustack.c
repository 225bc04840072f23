/* SPDX-License-Identifier: MIT */
/* The stack's life cycle as a library: the "Stack life cycle" section of <ustack.h>.
 *
 * NOTE: this sits above every layer and every driver (it opens devices from a spec string,
 * attaches wrappers, adds routes), so it lives in lib/, the top of the library, rather than
 * in net/, the bottom one: a file in net/ including driver/ and ip/ headers would look up
 * (STYLE rule 2). net/stack.c stays the wiring of the layers; this file is what a program
 * calls, and the ustack program (apps/main.c) calls it too.
 *
 * Several stacks per process: each handle owns an arena of per-stack state (net/perstack.h)
 * and every call here makes its stack the calling thread's current one before it takes
 * that stack's lock. The first stack created takes the default arena (the one a thread
 * that never selected a stack works on), so a program with one stack sees no difference;
 * the others get fresh arenas. Settings are copied into the layers' *_config at create. */
#include <ustack.h>

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "arp/arp.h"
#include "driver/driver.h"
#include "ip/icmp.h"
#include "ip/ip.h"
#include "ip6/ip6.h"
#include "lib/trace.h"
#include "lib/ustack_int.h"
#include "net/log.h"
#include "net/loop.h"
#include "net/mem.h"
#include "net/perstack.h"
#include "net/socket.h"
#include "lib/stack.h"
#include "net/stats.h"
#include "net/wrap.h"
#include "tcp/tcp.h"
#include "tcp/tcp_log.h"
#include "udp/udp.h"

#define USTACK_ERRMSG_MAX 256
#define USTACK_DRAIN_STEP_MS 10

#define USTACK_MAGIC 0x75737461u

struct ustack {
	unsigned magic;           /* USTACK_MAGIC while the stack lives */
	char *arena;              /* this stack's state */
	int started;              /* ustack_start ran: the loop thread drives the stack */
	int announced;            /* the devices' addresses were announced (gratuitous ARP) */
	struct net_device *last_dev;
};

/* Per process: whether a stack holds the default arena (under default_lock), and the last
 * error message of any stack (as before: one message, the last call's). */
static pthread_mutex_t default_lock = PTHREAD_MUTEX_INITIALIZER;
static int default_taken;
static char errmsg[USTACK_ERRMSG_MAX];

/* The settings the layers start with, taken before anything could change them: the layers
 * initialise their config statically (tcp_config from a constructor, hence
 * tcp_config_defaults), and constructors run after static initialisation. */
static struct ustack_config defaults;

/* struct tcp_config_s fields that <ustack.h> carries under the same names. */
#define TCP_FIELDS(X)                                                                      \
	X(max_conns) X(rcvbuf_init) X(rcvbuf_autotune) X(buf_idle_ms) X(syn_backlog_max)   \
	X(syncache_max) X(synack_rexmits) X(syncookies) X(abort_on_overflow) X(rst_per_s)  \
	X(rst_burst) X(ooo_max_segs) X(rto_initial_ms) X(rto_min_ms) X(rto_max_ms)         \
	X(max_rexmits) X(syn_rexmits) X(delack_ms) X(msl_ms) X(fin_wait_2_ms)              \
	X(tw_drain_ms) X(keep_idle_ms) X(keep_intvl_ms) X(keep_probes) X(persist_min_ms)   \
	X(persist_max_ms) X(initial_window_segs) X(challenge_ack_per_s) X(timestamps)     \
	X(window_scaling) X(sack) X(ack_per_batch) X(tso) X(cc_name) X(hystart) X(rack)   \
	X(frto) X(dsack_undo) X(quickacks) X(sent_max_segs) X(ephemeral_min)              \
	X(ephemeral_max)
#define IP_FIELDS(X)                                                                       \
	X(default_ttl) X(reass_timeout_ms) X(reass_mem_max) X(reass_max_datagrams)        \
	X(forwarding) X(route_max) X(martian_class_e) X(accept_local)
#define ARP_FIELDS(X)                                                                      \
	X(reachable_ms) X(stale_gc_ms) X(retry_ms) X(max_tries) X(queue_max) X(cache_max) \
	X(req_min_gap_ms)
#define IP6_FIELDS(X)                                                                      \
	X(reass_timeout_ms) X(reass_mem_max) X(reass_max_datagrams) X(pmtu_max) X(pmtu_expire_ms)
#define ICMP_FIELDS(X) X(error_rate_per_s) X(error_burst) X(dest_interval_ms) X(dest_burst)
#define MEM_FIELDS(X) X(reclaim_ms) X(trim_min_bytes) X(trim)

#define COPY_TO(f) dst->f = src->f;

static void config_read(struct ustack_config *cfg, const struct tcp_config_s *tc)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->log_level = log_level;
	cfg->sock.sndbuf = socket_config.sndbuf;
	cfg->sock.rcvbuf = socket_config.rcvbuf;
	cfg->sock.udp_rcvbuf = socket_config.udp_rcvbuf;
	cfg->sock.max_sockets = socket_config.max_sockets;
	cfg->loop.busy_poll_us = net_loop_busy_poll();
	cfg->loop.loopback_queue_max = loopback_qmax;
	cfg->udp.ephemeral_lo = udp_config.ephemeral_lo;
	cfg->udp.ephemeral_hi = udp_config.ephemeral_hi;
	{
		const struct net_mem_config_s *src = &net_mem_config;
		__typeof__(cfg->mem) *dst = &cfg->mem;
		MEM_FIELDS(COPY_TO)
	}
	{
		const struct arp_config_s *src = &arp_config;
		__typeof__(cfg->arp) *dst = &cfg->arp;
		ARP_FIELDS(COPY_TO)
	}
	{
		const struct ip_config_s *src = &ip_config;
		__typeof__(cfg->ip) *dst = &cfg->ip;
		IP_FIELDS(COPY_TO)
	}
	{
		const struct icmp_config_s *src = &icmp_config;
		__typeof__(cfg->icmp) *dst = &cfg->icmp;
		ICMP_FIELDS(COPY_TO)
	}
	{
		const struct ip6_config_s *src = &ip6_config;
		__typeof__(cfg->ip6) *dst = &cfg->ip6;
		IP6_FIELDS(COPY_TO)
	}
	{
		const struct tcp_config_s *src = tc;
		__typeof__(cfg->tcp) *dst = &cfg->tcp;
		TCP_FIELDS(COPY_TO)
	}
}

__attribute__((constructor)) static void ustack_defaults_ctor(void)
{
	struct tcp_config_s tc;

	tcp_config_defaults(&tc);
	config_read(&defaults, &tc);
}

static int fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	return err;
}

const char *ustack_errmsg(const struct ustack *st)
{
	(void)st;
	return errmsg;
}

void ustack_config_init(struct ustack_config *cfg)
{
	*cfg = defaults;
}

void ustack_config_current(struct ustack_config *cfg)
{
	config_read(cfg, &tcp_config);
}

/* The limits the layers cannot live without; the rest are taken as given. */
static int config_check(const struct ustack_config *c)
{
	if (c->log_level < 0 || c->log_level > LOG_DEBUG)
		return fail(-EINVAL, "log_level %d: use 0 (errors) to 3 (debug)", c->log_level);
	if (!c->sock.sndbuf || !c->sock.rcvbuf || !c->sock.udp_rcvbuf)
		return fail(-EINVAL, "sock: buffer sizes must be above 0");
	if (c->sock.max_sockets < 1)
		return fail(-EINVAL, "sock.max_sockets must be at least 1");
	if (!c->ip.default_ttl)
		return fail(-EINVAL, "ip.default_ttl must be at least 1");
	if (c->udp.ephemeral_lo > c->udp.ephemeral_hi || !c->udp.ephemeral_lo)
		return fail(-EINVAL, "udp: ephemeral_lo..ephemeral_hi is not a port range");
	if (c->tcp.ephemeral_min > c->tcp.ephemeral_max || !c->tcp.ephemeral_min)
		return fail(-EINVAL, "tcp: ephemeral_min..ephemeral_max is not a port range");
	if (!c->tcp.rto_min_ms || c->tcp.rto_min_ms > c->tcp.rto_max_ms ||
	    c->tcp.rto_initial_ms > c->tcp.rto_max_ms)
		return fail(-EINVAL, "tcp: need 0 < rto_min_ms <= rto_initial_ms, rto_max_ms");
	if (!c->tcp.delack_ms || c->tcp.delack_ms > 200)
		return fail(-EINVAL, "tcp.delack_ms %u: 1 to 200 (RFC 9293 3.8.6.3)",
			    c->tcp.delack_ms);
	if (c->tcp.syncookies < 0 || c->tcp.syncookies > 2)
		return fail(-EINVAL, "tcp.syncookies %d: 0, 1 or 2", c->tcp.syncookies);
	if (c->tcp.sent_max_segs < 16)
		return fail(-EINVAL, "tcp.sent_max_segs must be at least 16");
	if (!c->tcp.max_conns || !c->arp.cache_max || !c->arp.max_tries || !c->ip.route_max)
		return fail(-EINVAL, "tcp.max_conns, arp.cache_max, arp.max_tries and "
			    "ip.route_max must be above 0");
	return 0;
}

static int config_apply(const struct ustack_config *cfg)
{
	const struct tcp_cc_ops *cc = tcp_cc_find(cfg->tcp.cc_name ? cfg->tcp.cc_name : "");
	int err = config_check(cfg);

	if (err < 0)
		return err;
	if (!cc)
		return fail(-ENOENT, "tcp.cc_name '%s': unknown; known: cubic, newreno",
			    cfg->tcp.cc_name ? cfg->tcp.cc_name : "(null)");
	log_level = cfg->log_level;
	socket_config.sndbuf = cfg->sock.sndbuf;
	socket_config.rcvbuf = cfg->sock.rcvbuf;
	socket_config.udp_rcvbuf = cfg->sock.udp_rcvbuf;
	socket_config.max_sockets = cfg->sock.max_sockets;
	loopback_qmax = cfg->loop.loopback_queue_max;
	udp_config.ephemeral_lo = cfg->udp.ephemeral_lo;
	udp_config.ephemeral_hi = cfg->udp.ephemeral_hi;
	{
		const __typeof__(cfg->mem) *src = &cfg->mem;
		struct net_mem_config_s *dst = &net_mem_config;
		MEM_FIELDS(COPY_TO)
	}
	{
		const __typeof__(cfg->arp) *src = &cfg->arp;
		struct arp_config_s *dst = &arp_config;
		ARP_FIELDS(COPY_TO)
	}
	{
		const __typeof__(cfg->ip) *src = &cfg->ip;
		struct ip_config_s *dst = &ip_config;
		IP_FIELDS(COPY_TO)
	}
	{
		const __typeof__(cfg->icmp) *src = &cfg->icmp;
		struct icmp_config_s *dst = &icmp_config;
		ICMP_FIELDS(COPY_TO)
	}
	{
		const __typeof__(cfg->ip6) *src = &cfg->ip6;
		struct ip6_config_s *dst = &ip6_config;
		IP6_FIELDS(COPY_TO)
	}
	{
		const __typeof__(cfg->tcp) *src = &cfg->tcp;
		struct tcp_config_s *dst = &tcp_config;
		TCP_FIELDS(COPY_TO)
	}
	/* The algorithm's own name: the caller's string need not outlive this call. */
	tcp_config.cc_name = cc->name;
	tcp_config.sndbuf = cfg->sock.sndbuf;
	tcp_config.rcvbuf = cfg->sock.rcvbuf;
	net_loop_set_busy_poll(cfg->loop.busy_poll_us);
	return 0;
}

/* Gives the arena back (the default one becomes free for the next create) and the handle. */
static void stack_release(struct ustack *st)
{
	if (st->arena == perstack_default()) {
		pthread_mutex_lock(&default_lock);
		default_taken = 0;
		pthread_mutex_unlock(&default_lock);
	} else {
		perstack_free(st->arena);
	}
	ustack_cur_arena = perstack_default();
	st->magic = 0;
	free(st);
}

int ustack_create(const struct ustack_config *cfg, struct ustack **out)
{
	struct ustack *st;
	char *arena;
	int err;

	errmsg[0] = '\0';
	st = calloc(1, sizeof(*st));
	if (!st)
		return fail(-ENOMEM, "out of memory for the stack's handle");
	pthread_mutex_lock(&default_lock);
	arena = default_taken ? NULL : perstack_default();
	default_taken = 1;
	pthread_mutex_unlock(&default_lock);
	if (!arena && !(arena = perstack_new())) {
		free(st);
		return fail(-ENOMEM, "cannot make another stack: out of memory, or %d stacks",
			    PERSTACK_MAX_STACKS);
	}
	st->arena = arena;
	ustack_cur_arena = arena; /* the new stack is this thread's current one */
	err = config_apply(cfg ? cfg : &defaults);
	if (err >= 0) {
		stats_reset(); /* a new stack counts from zero */
		err = stack_init();
		if (err < 0) {
			stack_shutdown(); /* a partial init is taken apart */
			err = fail(err, "cannot start the stack: %s", strerror(-err));
		}
	}
	if (err < 0) {
		stack_release(st);
		return err;
	}
	/* Until ustack_start, whoever blocks in a socket call runs the loop while it waits. */
	socket_config.drive_loop = 1;
	st->magic = USTACK_MAGIC;
	*out = st;
	return 0;
}

/* A live handle; makes its stack the calling thread's current one. */
static int stack_ok(struct ustack *st)
{
	if (!st || st->magic != USTACK_MAGIC)
		return 0;
	ustack_cur_arena = st->arena;
	return 1;
}

void ustack_use(struct ustack *st)
{
	stack_ok(st);
}

/* Gratuitous ARP for dev's addresses (lock held). */
static void device_announce(struct net_device *dev)
{
	NET_ASSERT_LOCKED();
	if (dev->type == NET_DEV_ETHER)
		arp_announce(dev, net_clock_ms());
}

static void devices_announce(struct ustack *st)
{
	struct net_device *dev;

	if (st->announced)
		return;
	st->announced = 1;
	net_lock();
	TAILQ_FOREACH(dev, &net_devices, link)
		device_announce(dev);
	net_unlock();
}

int ustack_add_device_opts(struct ustack *st, const struct dev_opts *o)
{
	uint32_t peer = (o->kind == DEV_TUN && o->has_host) ? o->host : 0;
	char a[IP_ADDR_STRLEN], a6[NET_ADDR_STRLEN], err[USTACK_ERRMSG_MAX];
	struct net_device *dev;
	int rc, rc6 = 0;

	if (!stack_ok(st))
		return fail(-EINVAL, "no stack: call ustack_create first");
	/* Under the lock: the loop thread may be running and walking the device list. */
	net_lock();
	if (net_device_by_name(o->ifname)) {
		net_unlock();
		return fail(-EEXIST, "cannot open device %s: the stack has a device of that name",
			    o->ifname);
	}
	err[0] = '\0';
	rc = driver_open(o, &dev, err, sizeof(err));
	if (rc < 0) {
		net_unlock();
		if (err[0])
			return fail(rc, "%s", err);
		return fail(rc, "cannot open device %s: %s", o->ifname, strerror(-rc));
	}
	/* no addr=: the device is up with no address (ustack_addr_add gives it one) */
	rc = o->addr ? ip_iface_add(dev, o->addr, o->netmask, peer) : 0;
	/* IPv6: every Ethernet device has its link-local address (RFC 4291 2.1); a TUN has
	 * no link-layer address to make one from, only addr6= */
	if (rc == 0 && dev->type == NET_DEV_ETHER)
		rc6 = ip6_addr_add_linklocal(dev, IP6_IFA_TENTATIVE);
	/* duplicate address detection (RFC 4862 5.4) on a link with neighbours to ask */
	if (rc == 0 && rc6 == 0 && o->has_addr6)
		rc6 = ip6_addr_add(dev, &o->addr6, o->addr6_plen,
				   IP6_IFA_STATIC |
				   (dev->type == NET_DEV_ETHER ? IP6_IFA_TENTATIVE : 0));
	if (rc == 0 && st->announced)
		device_announce(dev);
	net_unlock();
	if (rc < 0)
		return fail(rc, "cannot add address %s to %s: %s (use one address per device)",
			    ip_addr_ntop(o->addr, a, sizeof(a)), dev->name, strerror(-rc));
	if (rc6 < 0)
		return fail(rc6, "cannot add IPv6 address %s to %s: %s",
			    net_addr_ntop(&o->addr6, a6, sizeof(a6)), dev->name, strerror(-rc6));
	st->last_dev = dev;
	return 0;
}

struct net_device *ustack_last_device(struct ustack *st)
{
	return st->last_dev;
}

int ustack_add_device(struct ustack *st, const char *spec)
{
	char err[USTACK_ERRMSG_MAX];
	struct dev_opts o;
	int rc;

	if (!spec)
		return fail(-EINVAL, "no device spec");
	rc = dev_opts_parse(spec, &o, err, sizeof(err));
	if (rc < 0)
		return fail(rc, "%s", err[0] ? err : "bad device spec");
	return ustack_add_device_opts(st, &o);
}

int ustack_wrap_device_opts(struct ustack *st, struct net_device *dev,
			    const struct net_wrap_opts *wo)
{
	struct net_wrap_opts o = *wo;
	char err[USTACK_ERRMSG_MAX];
	int rc;

	if (!stack_ok(st))
		return fail(-EINVAL, "no stack: call ustack_create first");
	if (!o.trace_fmt)
		o.trace_fmt = trace_format; /* net/ knows no protocol: the decoder is ours */
	err[0] = '\0';
	net_lock();
	rc = net_wrap_attach(dev, &o, err, sizeof(err));
	net_unlock();
	if (rc < 0)
		return fail(rc, "%s", err[0] ? err : strerror(-rc));
	return 0;
}

int ustack_wrap_device(struct ustack *st, const char *devname, const struct ustack_wrap *w)
{
	struct net_wrap_opts wo = { 0 };
	char err[USTACK_ERRMSG_MAX];
	struct net_device *dev;

	if (!stack_ok(st) || !w || !devname)
		return fail(-EINVAL, "ustack_wrap_device: no stack, device name or wrappers");
	net_lock();
	dev = net_device_by_name(devname);
	net_unlock();
	if (!dev)
		return fail(-ENODEV, "%s: no such device in the stack", devname);
	if (w->impair && net_impair_parse(w->impair, &wo.impair, err, sizeof(err)) < 0)
		return fail(-EINVAL, "impair '%s': %s", w->impair, err[0] ? err : "bad");
	wo.pcap_path = w->pcap;
	wo.trace = w->trace;
	wo.trace_out = w->trace_out;
	wo.trace_filter = w->trace_filter;
	wo.trace_time = w->trace_time_rel ? NET_TRACE_TIME_REL : NET_TRACE_TIME_ABS;
	return ustack_wrap_device_opts(st, dev, &wo);
}

int ustack_tcp_log(struct ustack *st, const char *path, size_t max_bytes)
{
	int rc = 0;

	if (!stack_ok(st))
		return fail(-EINVAL, "no stack: call ustack_create first");
	net_lock();
	if (path)
		rc = tcp_log_open(path, max_bytes);
	else
		tcp_log_close();
	net_unlock();
	if (rc < 0)
		return fail(rc, "tcp log %s: %s", path, strerror(-rc));
	return 0;
}

/* plen 0..32 (the callers check). */
static uint32_t prefix_netmask(int plen)
{
	return htonl(plen > 0 && plen <= 32 ? ~0u << (32 - plen) : 0);
}

int ustack_addr_add(struct ustack *st, const char *devname, struct in_addr addr, int prefix_len)
{
	uint32_t mask = prefix_netmask(prefix_len);
	struct net_device *dev;
	char a[IP_ADDR_STRLEN];
	int rc;

	if (!stack_ok(st) || !devname || prefix_len < 0 || prefix_len > 32)
		return fail(-EINVAL, "ustack_addr_add: no stack or device, or prefix_len not 0..32");
	if (!addr.s_addr || addr.s_addr == IP_ADDR_BROADCAST)
		return fail(-EINVAL, "%s is not a host address",
			    ip_addr_ntop(addr.s_addr, a, sizeof(a)));
	net_lock();
	dev = net_device_by_name(devname);
	if (!dev)
		rc = fail(-ENODEV, "%s: no such device in the stack", devname);
	else if (ip_iface_by_addr(addr.s_addr))
		rc = fail(-EEXIST, "%s: the stack has this address already",
			  ip_addr_ntop(addr.s_addr, a, sizeof(a)));
	else if ((rc = ip_iface_add(dev, addr.s_addr, mask, 0)) < 0)
		fail(rc, "cannot add %s to %s: %s", ip_addr_ntop(addr.s_addr, a, sizeof(a)),
		     devname, strerror(-rc));
	else if (st->announced)
		device_announce(dev);
	net_unlock();
	return rc;
}

int ustack_dev_index(struct ustack *st, const char *name)
{
	struct net_device *dev;
	int rc;

	if (!stack_ok(st) || !name)
		return -EINVAL;
	net_lock();
	dev = net_device_by_name(name);
	rc = dev ? dev->index : -ENODEV;
	net_unlock();
	return rc;
}

int ustack_dev_name(struct ustack *st, int index, char *buf, size_t size)
{
	struct net_device *dev;
	int rc = 0;

	if (!stack_ok(st) || !buf)
		return -EINVAL;
	net_lock();
	dev = net_device_by_index(index);
	if (!dev)
		rc = -ENODEV;
	else if (strlen(dev->name) >= size)
		rc = -ENOSPC;
	else
		memcpy(buf, dev->name, strlen(dev->name) + 1);
	net_unlock();
	return rc;
}

int ustack_addr_del(struct ustack *st, const char *devname, struct in_addr addr)
{
	struct net_iface *ifc;
	struct net_device *dev;
	char a[IP_ADDR_STRLEN];
	int rc;

	if (!stack_ok(st) || !devname)
		return fail(-EINVAL, "ustack_addr_del: no stack or device");
	net_lock();
	dev = net_device_by_name(devname);
	ifc = ip_iface_by_addr(addr.s_addr);
	if (!dev)
		rc = fail(-ENODEV, "%s: no such device in the stack", devname);
	else if (!ifc || ifc->dev != dev)
		rc = fail(-EADDRNOTAVAIL, "%s does not have %s", devname,
			  ip_addr_ntop(addr.s_addr, a, sizeof(a)));
	else {
		/* Connections from the address end first, while their resets can still
		 * leave from it (if the peer's link address is known). Listeners and UDP
		 * sockets bound to it stay, as on Linux: they hear nothing and their sends
		 * find no route until it comes back. */
		struct net_addr gone = net_addr_v4(addr.s_addr);

		tcp_pcb_abort_addr(&gone, net_clock_ms());
		if (dev->type == NET_DEV_ETHER)
			arp_addr_gone(dev, addr.s_addr); /* nothing leaves from it afterwards */
		rc = ip_iface_del(dev, addr.s_addr);
	}
	net_unlock();
	return rc;
}

int ustack_route_add(struct ustack *st, struct in_addr dst, int prefix_len, struct in_addr gw,
		     const char *devname)
{
	struct net_iface *ifc = NULL;
	struct net_device *dev;
	char a[IP_ADDR_STRLEN], g[IP_ADDR_STRLEN];
	int rc;

	if (!stack_ok(st) || prefix_len < 0 || prefix_len > 32)
		return fail(-EINVAL, "ustack_route_add: no stack, or prefix_len not 0..32");
	if (!gw.s_addr && !devname)
		return fail(-EINVAL, "a route needs a gateway or a device");
	net_lock();
	if (devname) {
		dev = net_device_by_name(devname);
		if (!dev) {
			net_unlock();
			return fail(-ENODEV, "%s: no such device in the stack", devname);
		}
		if (!dev->nifaces) {
			net_unlock();
			return fail(-ENETUNREACH, "%s has no address to route through", devname);
		}
		ifc = &dev->ifaces[0];
		for (int i = 0; gw.s_addr && i < dev->nifaces; i++)
			if (!((gw.s_addr ^ dev->ifaces[i].addr.v4) & dev->ifaces[i].netmask))
				ifc = &dev->ifaces[i];
	}
	rc = ip_route_add(dst.s_addr, prefix_netmask(prefix_len), gw.s_addr, ifc);
	net_unlock();
	if (rc < 0)
		return fail(rc, "route %s/%d via %s: %s%s", ip_addr_ntop(dst.s_addr, a, sizeof(a)),
			    prefix_len, ip_addr_ntop(gw.s_addr, g, sizeof(g)), strerror(-rc),
			    rc == -ENETUNREACH ? ": the gateway must be on a device's subnet" : "");
	return 0;
}

int ustack_route6_add(struct ustack *st, const struct in6_addr *dst, int prefix_len,
		      const struct in6_addr *gw, const char *devname)
{
	struct net_addr p = { .family = AF_INET6 }, g = { .family = AF_INET6 };
	struct net_device *dev = NULL;
	char a[NET_ADDR_STRLEN], b[NET_ADDR_STRLEN];
	int rc;

	if (!stack_ok(st) || !dst || !gw || prefix_len < 0 || prefix_len > 128)
		return fail(-EINVAL, "ustack_route6_add: no stack, or prefix_len not 0..128");
	memcpy(p.v6, dst->s6_addr, 16);
	memcpy(g.v6, gw->s6_addr, 16);
	net_lock();
	if (devname && !(dev = net_device_by_name(devname))) {
		net_unlock();
		return fail(-ENODEV, "%s: no such device in the stack", devname);
	}
	rc = ip6_route_add(&p, (unsigned)prefix_len, &g, dev ? dev->index : 0);
	net_unlock();
	if (rc < 0)
		return fail(rc, "route %s/%d via %s: %s%s", net_addr_ntop(&p, a, sizeof(a)),
			    prefix_len, net_addr_ntop(&g, b, sizeof(b)), strerror(-rc),
			    rc == -EINVAL ? ": a link-local or no gateway needs its device, and a "
					    "gateway cannot be multicast" : "");
	return 0;
}

int ustack_route6_del(struct ustack *st, const struct in6_addr *dst, int prefix_len)
{
	struct net_addr p = { .family = AF_INET6 };
	char a[NET_ADDR_STRLEN];
	int rc;

	if (!stack_ok(st) || !dst || prefix_len < 0 || prefix_len > 128)
		return fail(-EINVAL, "ustack_route6_del: no stack, or prefix_len not 0..128");
	memcpy(p.v6, dst->s6_addr, 16);
	net_lock();
	rc = ip6_route_del(&p, (unsigned)prefix_len);
	net_unlock();
	if (rc < 0)
		return fail(rc, "no route to %s/%d", net_addr_ntop(&p, a, sizeof(a)), prefix_len);
	return 0;
}

int ustack_route_del(struct ustack *st, struct in_addr dst, int prefix_len)
{
	char a[IP_ADDR_STRLEN];
	int rc;

	if (!stack_ok(st) || prefix_len < 0 || prefix_len > 32)
		return fail(-EINVAL, "ustack_route_del: no stack, or prefix_len not 0..32");
	net_lock();
	rc = ip_route_del(dst.s_addr, prefix_netmask(prefix_len));
	net_unlock();
	if (rc < 0)
		return fail(rc, "no route to %s/%d", ip_addr_ntop(dst.s_addr, a, sizeof(a)),
			    prefix_len);
	return 0;
}

int ustack_start(struct ustack *st)
{
	int rc;

	if (!stack_ok(st))
		return fail(-EINVAL, "no stack: call ustack_create first");
	if (st->started)
		return fail(-EALREADY, "the loop thread runs already");
	socket_config.drive_loop = 0;
	rc = net_loop_thread_start();
	if (rc < 0) {
		socket_config.drive_loop = 1;
		return fail(rc, "cannot start the loop thread: %s", strerror(-rc));
	}
	st->started = 1;
	devices_announce(st);
	return 0;
}

int ustack_run_once(struct ustack *st, int timeout_ms)
{
	int rc;

	if (!stack_ok(st))
		return fail(-EINVAL, "no stack: call ustack_create first");
	if (st->started)
		return fail(-EBUSY, "the loop thread runs the stack (ustack_start)");
	devices_announce(st);
	rc = net_loop_once(timeout_ms < 0 ? -1 : timeout_ms);
	if (rc < 0)
		return fail(rc, "the loop's wait failed: %s", strerror(-rc));
	return 0; /* net_loop_once's count of events is nothing a program can use */
}

int ustack_drain(struct ustack *st, int timeout_ms)
{
	uint64_t end;
	size_t n;

	if (!stack_ok(st))
		return fail(-EINVAL, "no stack: call ustack_create first");
	if (timeout_ms < 0)
		timeout_ms = 0;
	if (st->started) {
		n = stack_drain((unsigned)timeout_ms);
		return n > INT32_MAX ? INT32_MAX : (int)n;
	}
	end = net_clock_ms() + (unsigned)timeout_ms;
	for (;;) {
		uint64_t now = net_clock_ms();

		net_lock();
		n = tcp_pcb_count_closing(now);
		net_unlock();
		if (!n || now >= end)
			return n > INT32_MAX ? INT32_MAX : (int)n;
		net_loop_once(end - now < USTACK_DRAIN_STEP_MS ? (int)(end - now) :
			      USTACK_DRAIN_STEP_MS);
	}
}

void ustack_destroy(struct ustack *st)
{
	if (!stack_ok(st))
		return;
	stack_shutdown();
	socket_config.drive_loop = 0;
	stack_release(st);
}

int ustack_stats_dump(struct ustack *st, FILE *out, int all)
{
	/* The counters outlive the stack (the program prints them after the teardown): without
	 * a live handle, the thread's current stack's (the default one's after a destroy). */
	int live = stack_ok(st);

	if (live)
		net_lock();
	stats_print(out, all);
	if (live)
		net_unlock();
	return 0;
}
