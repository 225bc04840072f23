/* `ustack`: the command-line program. Parses the command line, starts the stack with its
 * devices and routes, runs the event loop in its own thread and the subcommand in the main
 * thread, and handles signals in a third thread:
 *   SIGINT/SIGTERM  ask the subcommand to stop; it returns, the stack is taken down, the
 *                   counters are printed with --stats (a second signal exits at once)
 *   SIGUSR1         prints the counters to stderr while running
 * The signals are blocked in every thread and taken with sigwait() in one place, so no
 * socket call is ever interrupted and no handler runs in an async-signal context. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apps/app.h"
#include "arp/arp.h"
#include "ip/ip.h"
#include "net/log.h"
#include "net/loop.h"
#include "net/socket.h"
#include "net/stack.h"
#include "net/stats.h"
#include "net/wrap.h"

static sigset_t app_sigs;

static void *signal_main(void *arg)
{
	(void)arg;
	for (;;) {
		int sig;

		if (sigwait(&app_sigs, &sig))
			continue;
		if (sig == SIGUSR1) {
			net_lock();
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

/* Opens every --dev, binds its address, attaches the wrappers. 0, or -errno after printing
 * the driver's one-line reason. */
static int devices_open(void)
{
	struct net_wrap_opts wo = {
		.pcap_path = app_cfg.pcap_path,
		.trace = app_cfg.trace,
		/* nc and get carry data on stdout: keep the trace out of it. */
		.trace_out = (app_cfg.cmd == CMD_NC || app_cfg.cmd == CMD_GET) ? stderr : stdout,
	};
	int wrap = app_cfg.pcap_path || app_cfg.trace || app_cfg.impair_set;
	char err[256];

	if (app_cfg.impair_set)
		wo.impair = app_cfg.impair;
	for (int i = 0; i < app_cfg.ndevs; i++) {
		const struct dev_opts *o = &app_cfg.devs[i];
		struct net_device *dev;
		uint32_t peer = (o->kind == DEV_TUN && o->has_host) ? o->host : 0;
		char a[IP_ADDR_STRLEN];
		int rc;

		err[0] = '\0';
		rc = driver_open(o, &dev, err, sizeof(err));
		if (rc < 0) {
			if (err[0])
				app_error("%s", err);
			else
				app_error("cannot open device %s: %s", o->ifname, strerror(-rc));
			return rc;
		}
		net_lock();
		rc = ip_iface_add(dev, o->addr, o->netmask, peer);
		net_unlock();
		if (rc < 0) {
			app_error("cannot add address %s to %s: %s (use one address per device)",
				  ip_addr_ntop(o->addr, a, sizeof(a)), dev->name, strerror(-rc));
			return rc;
		}
		if (wrap) {
			err[0] = '\0';
			net_lock();
			rc = net_wrap_attach(dev, &wo, err, sizeof(err));
			net_unlock();
			if (rc < 0) {
				app_error("%s", err[0] ? err : strerror(-rc));
				return rc;
			}
		}
	}
	return 0;
}

static int routes_add(void)
{
	char a[IP_ADDR_STRLEN], g[IP_ADDR_STRLEN];
	int rc = 0;

	net_lock();
	ip_config.forwarding = app_cfg.forward;
	if (app_cfg.gateway && (rc = ip_route_add(0, 0, app_cfg.gateway, NULL)) < 0) {
		net_unlock();
		app_error("--gw %s: %s: the gateway must be on a --dev subnet",
			  ip_addr_ntop(app_cfg.gateway, g, sizeof(g)), strerror(-rc));
		return rc;
	}
	for (int i = 0; i < app_cfg.nroutes; i++) {
		const struct app_route *r = &app_cfg.routes[i];
		rc = ip_route_add(r->network, r->netmask, r->gateway, NULL);
		if (rc < 0) {
			net_unlock();
			app_error("--route %s via %s: %s: the gateway must be on a --dev subnet",
				  ip_addr_ntop(r->network, a, sizeof(a)),
				  ip_addr_ntop(r->gateway, g, sizeof(g)), strerror(-rc));
			return rc;
		}
	}
	net_unlock();
	return 0;
}

/* Announces every Ethernet device's address (gratuitous ARP), now that all are up. */
static void devices_announce(void)
{
	struct net_device *dev;

	net_lock();
	TAILQ_FOREACH(dev, &net_devices, link)
		if (dev->type == NET_DEV_ETHER)
			arp_announce(dev, net_clock_ms());
	net_unlock();
}

static int run_command(void)
{
	switch (app_cfg.cmd) {
	case CMD_SERVE: return serve_main();
	case CMD_PING: return ping_main();
	case CMD_NC: return nc_main();
	case CMD_GET: return get_main();
	default: return EXIT_USAGE;
	}
}

int main(int argc, char **argv)
{
	int rc, status = EXIT_FAIL;

	rc = app_parse_args(argc, argv);
	if (rc == 1)
		return EXIT_OK;
	if (rc < 0)
		return EXIT_USAGE;
	if (app_cfg.verbose)
		log_level = LOG_DEBUG;
	/* Lines reach a pipe as they are printed (scripts wait for "serving", ping replies). */
	setvbuf(stdout, NULL, _IOLBF, 0);

	rc = signals_start();
	if (rc < 0) {
		app_error("cannot start the signal thread: %s", strerror(-rc));
		return EXIT_FAIL;
	}
	if (app_cfg.lim.rcvbuf)
		socket_config.rcvbuf = socket_config.udp_rcvbuf = app_cfg.lim.rcvbuf;
	if (app_cfg.lim.sndbuf)
		socket_config.sndbuf = app_cfg.lim.sndbuf;

	rc = stack_init();
	if (rc < 0) {
		app_error("cannot start the stack: %s", strerror(-rc));
		goto out;
	}
	rc = devices_open();
	if (rc < 0)
		goto out;
	rc = routes_add();
	if (rc < 0) {
		status = EXIT_USAGE;
		goto out;
	}
	net_loop_set_busy_poll(app_cfg.lim.busy_poll_us);
	rc = net_loop_thread_start();
	if (rc < 0) {
		app_error("cannot start the loop thread: %s", strerror(-rc));
		goto out;
	}
	devices_announce();
	status = run_command();
	/* The stack lives in this process: leaving at once would take the last data and FIN
	 * of connections the command just closed with it. A signal means "stop now". */
	if (!app_stopping() && stack_drain(app_cfg.lim.drain_s * 1000u) > 0)
		app_error("exiting with connections still closing (--drain %u s passed)",
			  app_cfg.lim.drain_s);
out:
	stack_shutdown();
	if (app_cfg.stats)
		stats_print(stderr, 0);
	return status;
}
