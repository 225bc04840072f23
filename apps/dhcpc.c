/* SPDX-License-Identifier: MIT */
/* The program's DHCP client for `--dev tap:NAME,addr=dhcp` (and packet:): one thread for
 * every such device, each device with a UDP socket bound to 0.0.0.0:68 and to the device
 * (SO_BINDTODEVICE), and a dhcp/dhcp.c state machine. The state machine runs under the
 * stack lock (its counters are the stack's) and only records what it wants done; the
 * thread does it afterwards through the public API (us_sendto, ustack_addr_add,
 * ustack_route_add, ...), which takes the lock itself.
 *
 * The address of a new lease is probed first (RFC 5227, arp/arp_probe.c): the probe runs
 * on the stack's loop, and its verdict, which comes there with the lock held, is only
 * recorded; the thread, which looks every DHCPC_PROBE_POLL_MS while a probe runs, hands
 * it to the state machine and at once does what that asks (a DHCPDECLINE to send on a
 * conflict, so the wait before the next DISCOVER starts as it leaves; a lease to bind). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <ustack.h>

#include "apps/app.h"
#include "arp/arp.h"
#include "dhcp/dhcp.h"
#include "dns/dns.h"

#include "ip/ip.h"
#include "net/knob.h"
#include "net/log.h"
#include "net/loop.h"
#include "net/netdev.h"

#define DHCPC_ACTIONS_MAX 8   /* a turn's calls: a verdict (two things: the DECLINE and
			       * its line), then the timer (at most three) */
#define DHCPC_PROBE_POLL_MS 10 /* while probing: how often the thread looks for the verdict */
#define DHCPC_MSG_MAX 576     /* RFC 2131 2: the largest message a client must take */
/* Before the address of a released lease goes: time for the RELEASE to leave (its
 * server's link address may still be being resolved). */
#define DHCPC_RELEASE_WAIT_MS 300

enum dhcpc_act_kind { ACT_SEND, ACT_BIND, ACT_UNBIND, ACT_CONFLICT };

struct dhcpc_action {
	enum dhcpc_act_kind kind;
	uint32_t dst;
	size_t len;
	uint8_t msg[DHCP_EMIT_MIN_LEN + 64];
	struct dhcp_lease lease;
	uint8_t hw[6];       /* ACT_CONFLICT: who has lease.addr */
	uint32_t wait_ms;    /* ACT_CONFLICT: until the next DISCOVER */
};

struct dhcpc {
	char ifname[NET_DEV_NAME_MAX];
	int fd;
	struct dhcp_client c;
	struct dhcpc_action act[DHCPC_ACTIONS_MAX];
	int nact;
	uint32_t addr;      /* the address it configured, 0 when none */
	int route_set;      /* it added the default route */
	unsigned mtu_saved; /* the device's MTU before the lease lowered it; 0 if untouched */
	atomic_int bound;   /* has had a lease (for dhcpc_wait) */
	struct arp_probe probe; /* RFC 5227 check of a new lease's address */
	uint64_t probe_seed;
	int verdict;            /* under the lock: 0 none yet, 1 free, 2 in use */
	uint8_t verdict_hw[6];  /* who has it */
};

/* --dhcp NAME=VALUE,...: the probe's timing (RFC 5227 1.1) and the wait after a DECLINE. */
static struct dhcpc_config {
	unsigned probe_num, probe_wait_ms, probe_min_ms, probe_max_ms;
	unsigned announce_wait_ms, announce_num, announce_interval_ms;
	unsigned decline_wait_ms;
} dhcpc_cfg = {
	.probe_num = 3, .probe_wait_ms = 1000, .probe_min_ms = 1000, .probe_max_ms = 2000,
	.announce_wait_ms = 2000, .announce_num = 2, .announce_interval_ms = 2000,
	.decline_wait_ms = DHCP_DECLINE_WAIT_MS,
};

#define DK(f, hi, h) NET_KNOB(struct dhcpc_config, f, 0, hi, h)
static const struct net_knob dhcpc_knobs[] = {
	DK(probe_num, 10, "ARP probes for a new lease's address (PROBE_NUM); 0: none"),
	DK(probe_wait_ms, 60000, "random wait up to this before the first probe (PROBE_WAIT)"),
	DK(probe_min_ms, 60000, "least gap between probes (PROBE_MIN)"),
	DK(probe_max_ms, 60000, "largest gap between probes (PROBE_MAX)"),
	DK(announce_wait_ms, 60000, "quiet after the last probe before the address is used"),
	DK(announce_num, 10, "announcements (gratuitous ARP) once it is (ANNOUNCE_NUM)"),
	DK(announce_interval_ms, 60000, "between announcements (ANNOUNCE_INTERVAL)"),
	DK(decline_wait_ms, 600000, "after a DHCPDECLINE, wait before asking again (RFC 2131: 10 s)"),
};
#define NDHCPC_KNOBS (sizeof(dhcpc_knobs) / sizeof(dhcpc_knobs[0]))

int dhcpc_config_parse(const char *spec, char *bad, size_t badlen)
{
	int rc = net_knobs_parse(dhcpc_knobs, NDHCPC_KNOBS, &dhcpc_cfg, spec, bad, badlen);

	if (rc)
		return rc;
	if (dhcpc_cfg.probe_max_ms < dhcpc_cfg.probe_min_ms) {
		snprintf(bad, badlen, "probe_max_ms=%u", dhcpc_cfg.probe_max_ms);
		return -ERANGE;
	}
	return 0;
}

void dhcpc_config_list(FILE *out)
{
	net_knobs_list(dhcpc_knobs, NDHCPC_KNOBS, &dhcpc_cfg, out);
}

static struct dhcpc clients[APP_MAX_DEVS];
static int nclients;
static struct ustack *dhcpc_st;
static pthread_t dhcpc_thread;
static int thread_running;
static atomic_int dhcpc_stop_flag;

static struct dhcpc_action *act_push(struct dhcpc *d, enum dhcpc_act_kind kind)
{
	if (d->nact >= DHCPC_ACTIONS_MAX)
		return NULL;
	d->act[d->nact].kind = kind;
	return &d->act[d->nact++];
}

static int op_send(void *ctx, const uint8_t *b, size_t len, uint32_t dst)
{
	struct dhcpc_action *a = len <= sizeof(a->msg) ? act_push(ctx, ACT_SEND) : NULL;

	if (!a)
		return -ENOBUFS;
	memcpy(a->msg, b, len);
	a->len = len;
	a->dst = dst;
	return 0; /* a failure of the send itself is counted when it happens */
}

static void op_bind(void *ctx, const struct dhcp_lease *l)
{
	struct dhcpc_action *a = act_push(ctx, ACT_BIND);

	if (a)
		a->lease = *l;
}

static void op_unbind(void *ctx, const struct dhcp_lease *l)
{
	struct dhcpc_action *a = act_push(ctx, ACT_UNBIND);

	if (a)
		a->lease = *l;
}

static uint64_t now_ms(void)
{
	return app_now_us() / 1000;
}

/* The probe's verdict, on the thread that runs the loop (under serve, the serving thread)
 * with the lock held: kept for the thread. */
static void probe_verdict(struct arp_probe *pr, int conflict, void *arg, uint64_t now)
{
	struct dhcpc *d = arg;

	(void)now;
	d->verdict = conflict ? 2 : 1;
	memcpy(d->verdict_hw, pr->conflict_hw, 6);
}

/* The thread, lock held: a recorded verdict goes to the state machine. */
static void verdict_take(struct dhcpc *d, uint64_t t)
{
	uint32_t addr = d->c.lease.addr;
	struct dhcpc_action *a;
	int conflict = d->verdict == 2;

	if (!d->verdict)
		return;
	d->verdict = 0;
	dhcp_client_probe_done(&d->c, conflict, t);
	if (conflict && (a = act_push(d, ACT_CONFLICT))) {
		a->lease.addr = addr;
		memcpy(a->hw, d->verdict_hw, 6);
		a->wait_ms = d->c.next_tx > t ? (uint32_t)(d->c.next_tx - t) : 0;
	}
}

/* Under the lock, from the state machine. */
static int op_probe(void *ctx, uint32_t addr)
{
	struct dhcpc *d = ctx;
	struct net_device *dev = net_device_by_name(d->ifname);
	const struct arp_probe_timing t = {
		.wait_ms = dhcpc_cfg.probe_wait_ms, .num = dhcpc_cfg.probe_num,
		.min_ms = dhcpc_cfg.probe_min_ms, .max_ms = dhcpc_cfg.probe_max_ms,
		.announce_wait_ms = dhcpc_cfg.announce_wait_ms,
		.announce_num = dhcpc_cfg.announce_num,
		.announce_interval_ms = dhcpc_cfg.announce_interval_ms,
	};
	int rc;

	if (!dev)
		return -ENODEV;
	d->verdict = 0;
	rc = arp_probe_start(&d->probe, dev, addr, &t, ++d->probe_seed, probe_verdict, d,
			     net_clock_ms());
	if (rc == 0)
		net_loop_wakeup(); /* its first timer may be sooner than the loop's sleep */
	return rc;
}

static void op_probe_cancel(void *ctx)
{
	struct dhcpc *d = ctx;

	arp_probe_stop(&d->probe);
	d->verdict = 0;
}

static const struct dhcp_client_ops dhcpc_ops = { op_send, op_bind, op_unbind, op_probe,
						  op_probe_cancel };

/* The device's MTU lowered to the lease's (RFC 2132 5.1), never raised past what the
 * device has: the link's other side decides that. */
static void mtu_apply(struct dhcpc *d, unsigned mtu)
{
	struct net_device *dev;

	net_lock();
	dev = net_device_by_name(d->ifname);
	if (dev && mtu) {
		if (!d->mtu_saved)
			d->mtu_saved = dev->mtu;
		dev->mtu = mtu < d->mtu_saved ? mtu : d->mtu_saved;
	} else if (dev && d->mtu_saved) {
		dev->mtu = d->mtu_saved;
		d->mtu_saved = 0;
	}
	net_unlock();
}

static void lease_drop(struct dhcpc *d)
{
	char a[IP_ADDR_STRLEN];

	if (d->addr) { /* no more announcements of an address going away */
		net_lock();
		arp_probe_stop(&d->probe);
		net_unlock();
	}
	if (d->route_set)
		ustack_route_del(dhcpc_st, (struct in_addr){ 0 }, 0);
	d->route_set = 0;
	if (d->addr && ustack_addr_del(dhcpc_st, d->ifname, (struct in_addr){ d->addr }) == 0)
		fprintf(stderr, APP_NAME ": %s: lease of %s ended\n", d->ifname,
			ip_addr_ntop(d->addr, a, sizeof(a)));
	d->addr = 0;
	mtu_apply(d, 0);
}

/* The lease's name servers (option 6) and domain name (option 15) go to the resolver,
 * merged with what RAs said (apps/dnssrc.c says which wins). */
static void dns_take(const struct dhcp_lease *l)
{
	app_dns_dhcp(l->dns, l->n_dns, l->domain);
}

static void lease_take(struct dhcpc *d, const struct dhcp_lease *l)
{
	char a[IP_ADDR_STRLEN], r[IP_ADDR_STRLEN];
	int plen = dhcp_mask_prefix(l->mask), renewed = d->addr == l->addr;

	if (!renewed) {
		lease_drop(d);
		if (ustack_addr_add(dhcpc_st, d->ifname, (struct in_addr){ l->addr }, plen) < 0) {
			app_error("%s: %s", d->ifname, ustack_errmsg(dhcpc_st));
			net_lock();
			arp_probe_stop(&d->probe);
			net_unlock();
			return;
		}
		/* RFC 5227 2.3: the probe that found it free announces it. */
		net_lock();
		arp_probe_announce(&d->probe, net_clock_ms());
		net_unlock();
		net_loop_wakeup();
		d->addr = l->addr;
		if (l->router) {
			if (ustack_route_add(dhcpc_st, (struct in_addr){ 0 }, 0,
					     (struct in_addr){ l->router }, d->ifname) == 0)
				d->route_set = 1;
			else
				app_error("%s: default route via %s: %s", d->ifname,
					  ip_addr_ntop(l->router, r, sizeof(r)),
					  ustack_errmsg(dhcpc_st));
		}
	}
	mtu_apply(d, l->mtu);
	dns_take(l);
	ip_addr_ntop(l->addr, a, sizeof(a));
	if (renewed)
		fprintf(stderr, APP_NAME ": %s: renewed %s/%d for %u s\n", d->ifname, a, plen,
			l->lease_s);
	else if (l->router)
		fprintf(stderr, APP_NAME ": %s: leased %s/%d via %s for %u s\n", d->ifname, a, plen,
			ip_addr_ntop(l->router, r, sizeof(r)), l->lease_s);
	else
		fprintf(stderr, APP_NAME ": %s: leased %s/%d for %u s\n", d->ifname, a, plen,
			l->lease_s);
	debugf("dev=%s t1=%u t2=%u mtu=%u dns=%u domain=%s", d->ifname, l->t1_s, l->t2_s, l->mtu,
	       l->n_dns, l->domain[0] ? l->domain : "-");
	atomic_store(&d->bound, 1);
}

/* Does what the state machine asked for, in its order, without the lock. */
static void actions_run(struct dhcpc *d)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(DHCP_SERVER_PORT) };
	char a1[IP_ADDR_STRLEN];

	for (int i = 0; i < d->nact; i++) {
		struct dhcpc_action *a = &d->act[i];

		switch (a->kind) {
		case ACT_SEND:
			to.sin_addr.s_addr = a->dst;
			if (us_sendto(d->fd, a->msg, a->len, 0, (struct sockaddr *)&to,
				      sizeof(to)) < 0) {
				net_lock();
				STAT_INC(dhcp, tx_errors);
				net_unlock();
			}
			if (a->msg[DHCP_MIN_LEN + 2] == DHCPRELEASE) /* option 53 is first */
				usleep(DHCPC_RELEASE_WAIT_MS * 1000);
			break;
		case ACT_BIND:
			lease_take(d, &a->lease);
			break;
		case ACT_UNBIND:
			lease_drop(d);
			break;
		case ACT_CONFLICT:
			fprintf(stderr, APP_NAME ": %s: %s is in use by %02x:%02x:%02x:%02x:%02x:%02x:"
				" declined, asking again in %u s\n", d->ifname,
				ip_addr_ntop(a->lease.addr, a1, sizeof(a1)), a->hw[0], a->hw[1],
				a->hw[2], a->hw[3], a->hw[4], a->hw[5], (a->wait_ms + 999) / 1000);
			break;
		}
	}
	d->nact = 0;
}

static void *dhcpc_main(void *arg)
{
	struct us_pollfd pfds[APP_MAX_DEVS];
	static uint8_t buf[DHCPC_MSG_MAX + 1];
	(void)arg;

	ustack_use(dhcpc_st);
	while (!atomic_load(&dhcpc_stop_flag)) {
		uint64_t now = now_ms(), next = now + APP_TICK_MS;

		for (int i = 0; i < nclients; i++) {
			struct dhcpc *d = &clients[i];

			net_lock();
			verdict_take(d, now_ms()); /* the wait starts as close to the DECLINE as it can */
			if (dhcp_client_deadline(&d->c) <= now)
				dhcp_client_timer(&d->c, now);
			if (dhcp_client_deadline(&d->c) < next)
				next = dhcp_client_deadline(&d->c);
			/* The verdict comes from the thread that runs the loop: look for it
			 * soon, so a DECLINE (or the bind) follows it closely. */
			if (d->c.state == DHCP_PROBING && now + DHCPC_PROBE_POLL_MS < next)
				next = now + DHCPC_PROBE_POLL_MS;
			net_unlock();
			actions_run(d);
			pfds[i] = (struct us_pollfd){ .fd = d->fd, .events = US_POLLIN };
		}
		int n = us_poll(pfds, nclients, next > now ? (int)(next - now) : 0);
		for (int i = 0; n > 0 && i < nclients; i++) {
			struct dhcpc *d = &clients[i];

			if (!pfds[i].revents)
				continue;
			/* Bounded: what a turn finds queued, at most a receive buffer's worth. */
			for (int k = 0; k < 64; k++) {
				ssize_t len = us_recvfrom(d->fd, buf, sizeof(buf), 0, NULL, NULL);

				if (len < 0)
					break;
				net_lock();
				dhcp_client_input(&d->c, buf, (size_t)len, now_ms());
				net_unlock();
				actions_run(d);
			}
		}
	}
	return NULL;
}

/* One client: its socket, and its MAC from the device. */
static int client_open(struct dhcpc *d, const char *ifname, uint64_t seed)
{
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(DHCP_CLIENT_PORT) };
	struct net_device *dev;
	uint8_t mac[6];
	int rc;

	snprintf(d->ifname, sizeof(d->ifname), "%s", ifname);
	net_lock();
	dev = net_device_by_name(ifname);
	if (dev)
		memcpy(mac, dev->hwaddr, 6);
	net_unlock();
	if (!dev)
		return -ENODEV;
	d->fd = rc = us_socket(AF_INET, SOCK_DGRAM, 0);
	if (rc < 0)
		return rc;
	if ((rc = us_setsockopt(d->fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
				(socklen_t)strlen(ifname))) < 0 ||
	    (rc = us_bind(d->fd, (struct sockaddr *)&any, sizeof(any))) < 0 ||
	    (rc = us_set_nonblock(d->fd, 1)) < 0) {
		us_close(d->fd);
		d->fd = -1;
		return rc;
	}
	dhcp_client_init(&d->c, mac, seed, &dhcpc_ops, d);
	d->c.decline_wait_ms = dhcpc_cfg.decline_wait_ms;
	d->probe_seed = seed;
	return 0;
}

int dhcpc_start(struct ustack *st)
{
	uint64_t seed;
	int rc;

	dhcpc_st = st;
	for (int i = 0; i < app_cfg.ndevs; i++) {
		if (!app_cfg.devs[i].dhcp)
			continue;
		if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
			seed = app_now_us();
		seed += (uint64_t)i;
		rc = client_open(&clients[nclients], app_cfg.devs[i].ifname, seed | 1);
		if (rc < 0) {
			app_error("%s: cannot open the DHCP client's socket: %s",
				  app_cfg.devs[i].ifname, strerror(-rc));
			return rc;
		}
		nclients++;
	}
	if (!nclients)
		return 0;
	for (int i = 0; i < nclients; i++) {
		net_lock();
		dhcp_client_start(&clients[i].c, now_ms());
		net_unlock();
		actions_run(&clients[i]);
	}
	rc = -pthread_create(&dhcpc_thread, NULL, dhcpc_main, NULL);
	if (rc < 0) {
		app_error("cannot start the DHCP thread: %s", strerror(-rc));
		return rc;
	}
	thread_running = 1;
	return 0;
}

int dhcpc_wait(unsigned timeout_s)
{
	uint64_t end = app_now_us() + (uint64_t)timeout_s * 1000000u;

	for (;;) {
		int missing = -1;

		for (int i = 0; i < nclients && missing < 0; i++)
			if (!atomic_load(&clients[i].bound))
				missing = i;
		if (missing < 0)
			return 0;
		if (app_stopping())
			return -EINTR;
		if (app_now_us() >= end) {
			app_error("%s: no DHCP lease after %u s", clients[missing].ifname, timeout_s);
			return -ETIMEDOUT;
		}
		usleep(50 * 1000);
	}
}

void dhcpc_stop(void)
{
	if (thread_running) {
		atomic_store(&dhcpc_stop_flag, 1);
		pthread_join(dhcpc_thread, NULL);
		thread_running = 0;
	}
	for (int i = 0; i < nclients; i++) {
		struct dhcpc *d = &clients[i];

		net_lock();
		dhcp_client_release(&d->c, now_ms());
		arp_probe_stop(&d->probe); /* announcements still going */
		net_unlock();
		actions_run(d);
		us_close(d->fd);
	}
	nclients = 0;
}
