/* SPDX-License-Identifier: MIT */
/* `ustack`: the command-line program. Parses the command line, starts the stack with its
 * devices and routes through the life-cycle API (<ustack.h>, lib/ustack.c), runs the event
 * loop in its own thread and the subcommand in the main thread, and handles signals in a third thread:
 *   SIGINT/SIGTERM  ask the subcommand to stop; it returns, the stack is taken down, the
 *                   counters are printed with --stats (a second signal exits at once)
 *   SIGUSR1         prints the counters to stderr while running, under a line with the time
 * The signals are blocked in every thread and taken with sigwait() in one place, so no
 * socket call is ever interrupted and no handler runs in an async-signal context. */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "apps/app.h"
#include "apps/serve.h"
#include "ip/ip.h"
#include "ip6/ip6.h"
#include "lib/ustack_int.h"
#include "net/log.h"
#include "net/loop.h"
#include "net/stats.h"

static sigset_t app_sigs;

static void *signal_main(void *arg)
{
	(void)arg;
	for (;;) {
		int sig;

		if (sigwait(&app_sigs, &sig))
			continue;
		if (sig == SIGUSR1) {
			/* a header with the time, so that dumps one after another stay apart */
			struct timespec ts;
			struct tm tm;
			char when[32] = "?";

			clock_gettime(CLOCK_REALTIME, &ts);
			if (gmtime_r(&ts.tv_sec, &tm))
				strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
			net_lock();
			fprintf(stderr, "# counters at %s.%03ld UTC\n", when, ts.tv_nsec / 1000000);
			stats_print(stderr, 0);
			net_unlock();
			continue;
		}
		if (app_stopping()) {
			/* The clean path is stuck or slow; the user asked twice. */
			static const char msg[] = APP_NAME ": second signal: exiting now\n";
			if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
				_exit(EXIT_FAIL);
			_exit(EXIT_FAIL);
		}
		atomic_store(&app_stop_requested, 1);
		debugf("signal=%d stopping", sig);
	}
	return NULL;
}

static int signals_start(void)
{
	pthread_t t;
	int err;

	/* A peer closing stdout (nc | head) must give EPIPE, not kill the stack mid-shutdown. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&app_sigs);
	sigaddset(&app_sigs, SIGINT);
	sigaddset(&app_sigs, SIGTERM);
	sigaddset(&app_sigs, SIGUSR1);
	/* Blocked before any other thread exists, so every thread inherits the mask. */
	err = pthread_sigmask(SIG_BLOCK, &app_sigs, NULL);
	if (err)
		return -err;
	err = pthread_create(&t, NULL, signal_main, NULL);
	if (err)
		return -err;
	pthread_detach(t);
	return 0;
}

/* Opens every --dev, binds its address, attaches the wrappers, through the library's
 * life-cycle calls. 0, or -errno after printing the one-line reason. */
/* arg: int[2], in: whether link-local addresses count; out: one is tentative. */
static void tentative_fn(const struct ip6_ifaddr *ifa, void *arg)
{
	int *t = arg;

	if ((t[0] || !(ifa->flags & IP6_IFA_LINKLOCAL)) && (ifa->flags & IP6_IFA_TENTATIVE))
		t[1] = 1;
}

/* The command's host is a link-local IPv6 literal (fe80::/10, with or without its zone). */
static int target_linklocal(void)
{
	const char *h = app_cfg.nargs > 0 ? app_cfg.args[0] : "";

	return !strncasecmp(h, "fe8", 3) || !strncasecmp(h, "fe9", 3) ||
	       !strncasecmp(h, "fea", 3) || !strncasecmp(h, "feb", 3);
}

/* An IPv6 address the stack gives itself is tentative until duplicate address detection
 * ends (RFC 4862: a random delay of up to a second, then a RetransTimer per probe), and
 * a tentative address cannot be used: a client command (and the program of `run`, whose
 * first connect or bind comes at once) waits for its addr6= and SLAAC
 * addresses (at most APP_DAD_WAIT_MS) rather than fail its first bind or connect.
 * Link-local addresses are waited for only when the command's host is a link-local
 * address (nc fe80::1%ustap0): every Ethernet device has one, and an IPv4 command would
 * pay for it. */
static void dad_wait(struct ustack *st)
{
	int ll = (app_cfg.cmd == CMD_NC || app_cfg.cmd == CMD_PING) && target_linklocal();

	for (int i = 0; i < APP_DAD_WAIT_MS / 20 && !app_stopping(); i++) {
		int t[2] = { ll, 0 };

		ustack_use(st);
		net_lock();
		ip6_addr_foreach(tentative_fn, t);
		net_unlock();
		if (!t[1])
			return;
		usleep(20 * 1000);
	}
}

int app_devices_open(struct ustack *st, unsigned queue, const uint8_t *mac)
{
	struct net_wrap_opts wo = {
		.pcap_path = app_cfg.pcap_path,
		.trace = app_cfg.trace,
		.trace_filter = app_cfg.trace_filter,
		.trace_time = app_cfg.trace_time,
		/* nc and get carry data on stdout: keep the trace out of it. */
		.trace_out = (app_cfg.cmd == CMD_NC || app_cfg.cmd == CMD_GET ||
			      app_cfg.cmd == CMD_RUN) ? stderr : stdout,
	};
	int wrap = app_cfg.pcap_path || app_cfg.trace || app_cfg.impair_set;

	if (app_cfg.impair_set)
		wo.impair = app_cfg.impair;
	for (int i = 0; i < app_cfg.ndevs; i++) {
		struct dev_opts o = app_cfg.devs[i];
		int rc, waited_ms = 0;

		if (queue) { /* another queue of the same TAP, the same station on it */
			o.queue = queue;
			o.has_mac = 1;
			memcpy(o.mac, mac, sizeof(o.mac));
		}
		/* run --preload-host: the stack of a program that has just ended holds its
		 * device a few milliseconds more (closing its connections), and a program
		 * started right after it on the same device waits for it rather than fail */
		while ((rc = ustack_add_device_opts(st, &o)) == -EBUSY &&
		       app_cfg.host_pid && waited_ms < APP_HOST_DEV_WAIT_MS && !app_stopping()) {
			usleep(20 * 1000);
			waited_ms += 20;
		}
		if (rc == 0 && wrap)
			rc = ustack_wrap_device_opts(st, ustack_last_device(st), &wo);
		if (rc < 0) {
			app_error("%s", ustack_errmsg(st));
			return rc;
		}
	}
	return 0;
}

static int netmask_prefix(uint32_t netmask)
{
	return __builtin_popcount(netmask);
}

int app_routes_add(struct ustack *st)
{
	char a[IP_ADDR_STRLEN], g[IP_ADDR_STRLEN];
	struct in_addr any = { 0 };
	int rc;

	if (app_cfg.gateway &&
	    (rc = ustack_route_add(st, any, 0, (struct in_addr){ app_cfg.gateway }, NULL)) < 0) {
		app_error("--gw %s: %s: the gateway must be on a --dev subnet",
			  ip_addr_ntop(app_cfg.gateway, g, sizeof(g)), strerror(-rc));
		return rc;
	}
	for (int i = 0; i < app_cfg.nroutes; i++) {
		const struct app_route *r = &app_cfg.routes[i];

		if (r->ipv6) {
			char n6[INET6_ADDRSTRLEN], g6[INET6_ADDRSTRLEN];

			rc = ustack_route6_add(st, &r->network6, r->plen6, &r->gateway6,
					       r->dev[0] ? r->dev : NULL);
			if (rc < 0) {
				inet_ntop(AF_INET6, &r->network6, n6, sizeof(n6));
				inet_ntop(AF_INET6, &r->gateway6, g6, sizeof(g6));
				if (r->from_gw)
					app_error("--gw %s: %s", g6, ustack_errmsg(st));
				else
					app_error("--route %s/%d via %s: %s", n6, r->plen6, g6,
						  ustack_errmsg(st));
				return rc;
			}
			continue;
		}
		rc = ustack_route_add(st, (struct in_addr){ r->network },
				      netmask_prefix(r->netmask), (struct in_addr){ r->gateway },
				      r->dev[0] ? r->dev : NULL);
		if (rc < 0) {
			app_error("--route %s via %s: %s: the gateway must be on a --dev subnet",
				  ip_addr_ntop(r->network, a, sizeof(a)),
				  ip_addr_ntop(r->gateway, g, sizeof(g)), strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static int run_command(struct ustack *st)
{
	switch (app_cfg.cmd) {
	case CMD_RUN: return run_main(st);
	case CMD_SERVE: return serve_mq_queues() > 1 ? serve_mq_main(st) : serve_main();
	case CMD_PING: return ping_main();
	case CMD_NC: return nc_main();
	case CMD_GET: return get_main();
	default: return EXIT_USAGE;
	}
}

void app_stack_config(struct ustack_config *cfg)
{
	/* The layers' settings as the command line left them (--tcp edits tcp_config in
	 * place), with the options that map onto the stack's configuration. */
	ustack_config_current(cfg);
	if (app_cfg.lim.rcvbuf)
		cfg->sock.rcvbuf = cfg->sock.udp_rcvbuf = app_cfg.lim.rcvbuf;
	if (app_cfg.lim.sndbuf)
		cfg->sock.sndbuf = app_cfg.lim.sndbuf;
	cfg->ip.forwarding = app_cfg.forward;
	cfg->loop.busy_poll_us = app_cfg.lim.busy_poll_us;
}

int main(int argc, char **argv)
{
	struct ustack_config cfg;
	struct ustack *st = NULL;
	int rc, status = EXIT_FAIL;

	/* a client of a running stack: no stack of its own */
	if (argc > 1 && !strcmp(argv[1], "ctl"))
		return ctl_main(argc - 2, argv + 2);
	if (argc > 1 && !strcmp(argv[1], "plot")) /* works on files: no stack either */
		return plot_main(argc - 2, argv + 2);
	rc = app_parse_args(argc, argv);
	if (rc == 1)
		return EXIT_OK;
	if (rc < 0)
		return EXIT_USAGE;
	if (app_cfg.verbose)
		log_level = LOG_DEBUG;
	if (app_cfg.cmd == CMD_RUN && app_cfg.attach)
		return run_attach(); /* a program on a running stack: no stack here */
	/* Lines reach a pipe as they are printed (scripts wait for "serving", ping replies). */
	setvbuf(stdout, NULL, _IOLBF, 0);

	rc = signals_start();
	if (rc < 0) {
		app_error("cannot start the signal thread: %s", strerror(-rc));
		return EXIT_FAIL;
	}
	app_stack_config(&cfg);

	app_dns_sources_init();
	rc = ustack_create(&cfg, &st);
	if (rc < 0) {
		app_error("%s", ustack_errmsg(NULL));
		goto out;
	}
	app_stack = st;
	if (app_cfg.tcp_log_path &&
	    ustack_tcp_log(st, app_cfg.tcp_log_path, app_cfg.tcp_log_max) < 0) {
		app_error("--tcp-log: %s", ustack_errmsg(st));
		goto out;
	}
	rc = app_devices_open(st, 0, NULL);
	if (rc < 0)
		goto out;
	rc = app_routes_add(st);
	if (rc < 0) {
		status = EXIT_USAGE;
		goto out;
	}
	rc = ustack_start(st);
	if (rc < 0) {
		app_error("%s", ustack_errmsg(st));
		goto out;
	}
	if ((app_cfg.cmd == CMD_SERVE || app_cfg.cmd == CMD_RUN ||
	     (app_cfg.cmd == CMD_NC && app_cfg.nc.listen)) &&
	    app_ctl_start(st) < 0) {
		status = EXIT_USAGE;
		goto out;
	}
	if (app_cfg.cmd == CMD_SERVE && app_cfg.api_name && app_api_start(st) < 0) {
		status = EXIT_USAGE;
		goto out;
	}
	rc = dhcpc_start(st);
	if (rc == 0)
		rc = dhcpc_wait(APP_DHCP_WAIT_S);
	if (rc < 0) {
		if (rc == -EINTR) /* stopped while waiting for a lease, as asked */
			status = EXIT_OK;
		goto out;
	}
	if (app_cfg.cmd == CMD_NC || app_cfg.cmd == CMD_GET || app_cfg.cmd == CMD_PING ||
	    app_cfg.cmd == CMD_RUN)
		dad_wait(st);
	status = run_command(st);
	/* The stack lives in this process: leaving at once would take the last data and FIN
	 * of connections the command just closed with it. A signal means "stop now". */
	if (!app_stopping() && ustack_drain(st, (int)(app_cfg.lim.drain_s * 1000u)) > 0)
		app_error("exiting with connections still closing (--drain %u s passed)",
			  app_cfg.lim.drain_s);
out:
	dhcpc_stop(); /* the leases go back while the stack still runs */
	app_ctl_stop();
	app_api_stop();
	ustack_destroy(st);
	if (app_cfg.stats)
		ustack_stats_dump(NULL, stderr, 0);
	return status;
}
