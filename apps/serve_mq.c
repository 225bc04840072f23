/* SPDX-License-Identifier: MIT */
/* `ustack serve --dev tap:NAME,...,queues=N`: N stacks in one process, one per queue of a
 * multi-queue TAP, each with its own arena, loop and serving thread, all with the same
 * address, MAC, routes and services.
 *
 * The kernel's TAP driver picks the queue of each frame it sends us per flow: the queue the
 * flow's last frame from us was written to (it learns that from our writes, and forgets it
 * after a few seconds), else a hash of the addresses and ports. A connection the kernel
 * opens lands whole on one queue; that queue's stack accepts it and answers through its
 * own fd, which confirms the pairing. So the stacks share nothing: no lock, no table, no
 * counter; each is the whole station for the flows that reach it.
 *
 * Queue 0's stack is the one main.c made (the default stack: `ustack ctl`, SIGUSR1 and the
 * --stats dump at exit see it), served by the main thread; the others are made here with
 * the same configuration (app_stack_config), the device opened as queue I with queue 0's
 * MAC, and the same routes, each served by a thread of its own running serve_main on its
 * own copy of the services (serve.c keeps them per thread). No stack announces its services
 * before every one listens: a connection hashed to a queue whose stack has no listener yet
 * would be refused. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apps/app.h"
#include "apps/serve.h"
#include "lib/ustack_int.h"
#include "nd/nd.h"
#include "net/loop.h"
#include "net/netdev.h"
#include "tcp/tcp.h"

struct mq_stack {
	struct ustack *st;
	pthread_t thread;
	int thread_started;
	int status;         /* serve_main's exit code */
	unsigned queue;
};

static struct mq_stack mq[DEV_QUEUES_MAX];
static unsigned mq_n;

/* Every serving thread reports once its services listen (or failed to). */
static pthread_mutex_t mq_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t mq_cond = PTHREAD_COND_INITIALIZER;
static unsigned mq_reported;
static int mq_failed;
static __thread unsigned mq_queue; /* the calling serving thread's queue */

int serve_mq_queues(void)
{
	if (app_cfg.cmd != CMD_SERVE || app_cfg.ndevs < 1 || app_cfg.devs[0].kind != DEV_TAP ||
	    app_cfg.devs[0].queues < 2)
		return 1;
	return (int)app_cfg.devs[0].queues;
}

int serve_mq_check(void)
{
	int n = 0;

	for (int i = 0; i < app_cfg.ndevs; i++) {
		if (app_cfg.devs[i].queue) {
			app_error("--dev %s: serve opens every queue of queues=N itself: drop queue=",
				  app_cfg.devs[i].ifname);
			return -EINVAL;
		}
		n += app_cfg.devs[i].queues > 1;
	}
	if (!n)
		return 0;
	if (app_cfg.ndevs != 1) {
		app_error("--dev ...,queues=N: serve runs one stack per queue, and each stack has "
			  "that one device: give no other --dev");
		return -EINVAL;
	}
	if (app_cfg.devs[0].dhcp) {
		app_error("--dev %s: addr=dhcp with queues=N would run N clients for one address: "
			  "give addr=A.B.C.D/N", app_cfg.devs[0].ifname);
		return -EINVAL;
	}
	if (app_cfg.devs[0].has_addr6) {
		app_error("--dev %s: addr6= with queues=N: a neighbour solicitation's answer may "
			  "reach another queue's stack, so IPv6 would fail on some queues: use IPv4",
			  app_cfg.devs[0].ifname);
		return -EINVAL;
	}
	if (app_cfg.pcap_path || app_cfg.tcp_log_path || app_cfg.api_name) {
		app_error("%s with queues=N: each queue's stack would want its own file or socket; "
			  "drop it (or use queues=1)", app_cfg.pcap_path ? "--pcap" :
			  app_cfg.tcp_log_path ? "--tcp-log" : "--api");
		return -EINVAL;
	}
	return 0;
}

/* serve_listening for N stacks: waits until each serving thread's services listen. Queue
 * 0's thread prints the "serving" lines, once for all (the addresses are the same). */
static int mq_listening(int rc)
{
	int failed;

	pthread_mutex_lock(&mq_lock);
	if (rc < 0)
		mq_failed = 1;
	mq_reported++;
	pthread_cond_broadcast(&mq_cond);
	while (mq_reported < mq_n && !mq_failed && !app_stopping()) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1; /* looks at the stop flag now and then */
		pthread_cond_timedwait(&mq_cond, &mq_lock, &until);
	}
	failed = mq_failed;
	pthread_mutex_unlock(&mq_lock);
	if (failed)
		return -ECANCELED;
	if (mq_queue)
		return 0;
	fprintf(stderr, APP_NAME ": %s: %u queues, one stack and serving thread each\n",
		app_cfg.devs[0].ifname, mq_n);
	return 1;
}

static void *mq_thread(void *arg)
{
	struct mq_stack *m = arg;

	mq_queue = m->queue;
	ustack_use(m->st);
	if (serve_parse_specs() < 0) { /* its own services (ran once already: not expected) */
		mq_listening(-EINVAL);
		m->status = EXIT_FAIL;
		return NULL;
	}
	m->status = serve_main();
	return NULL;
}

/* Queue q's stack, running: made, its device and routes added, its loop started. */
static int mq_stack_open(struct mq_stack *m, struct ustack *st0, const uint8_t *mac)
{
	struct ustack_config cfg;
	struct tcp_config_s tc;
	struct nd_config_s nc;
	int rc;

	ustack_use(st0);
	app_stack_config(&cfg);
	net_lock();
	tc = tcp_config;
	nc = nd_config;
	net_unlock();
	rc = ustack_create(&cfg, &m->st);
	if (rc < 0) {
		app_error("serve: the stack of queue %u: %s", m->queue, ustack_errmsg(NULL));
		return rc;
	}
	/* Every --tcp and --nd setting as queue 0's stack has it, also those struct
	 * ustack_config does not carry (max_tw_buckets, wmem_max, mem_pressure; all of
	 * --nd). Not running yet: no lock needed, the new stack is the current one. */
	tcp_config = tc;
	nd_config = nc;
	rc = app_devices_open(m->st, m->queue, mac);
	if (rc == 0)
		rc = app_routes_add(m->st);
	if (rc == 0 && (rc = ustack_start(m->st)) < 0)
		app_error("serve: the stack of queue %u: %s", m->queue, ustack_errmsg(m->st));
	return rc;
}

int serve_mq_main(struct ustack *st)
{
	struct net_device *dev = ustack_last_device(st);
	uint8_t mac[NET_DEV_ADDR_LEN];
	int status = EXIT_OK, err;
	unsigned n = (unsigned)serve_mq_queues();

	if (!dev) {
		app_error("serve: no device for queues=%u", n);
		return EXIT_FAIL;
	}
	memcpy(mac, dev->hwaddr, sizeof(mac));
	mq_n = n;
	mq[0] = (struct mq_stack){ .st = st, .queue = 0 };
	for (unsigned i = 1; i < n; i++) {
		mq[i] = (struct mq_stack){ .queue = i };
		if (mq_stack_open(&mq[i], st, mac) < 0) {
			status = EXIT_FAIL;
			goto out;
		}
	}
	serve_listening = mq_listening;
	for (unsigned i = 1; i < n; i++) {
		err = pthread_create(&mq[i].thread, NULL, mq_thread, &mq[i]);
		if (err) {
			app_error("serve: cannot start the thread of queue %u: %s", i, strerror(err));
			atomic_store(&app_stop_requested, 1);
			mq_listening(-err); /* the started ones give up */
			status = EXIT_FAIL;
			break;
		}
		mq[i].thread_started = 1;
	}
	if (status == EXIT_OK) {
		ustack_use(st);
		status = serve_main();
	}
	for (unsigned i = 1; i < n; i++) {
		if (!mq[i].thread_started)
			continue;
		pthread_join(mq[i].thread, NULL);
		if (mq[i].status != EXIT_OK)
			status = mq[i].status;
	}
	serve_listening = NULL;
out:
	/* Queue 0's stack is main.c's to drain, print and destroy; the others end here, their
	 * counters printed first (they go with the stack). */
	for (unsigned i = 1; i < n; i++) {
		if (!mq[i].st)
			continue;
		if (!app_stopping() && ustack_drain(mq[i].st, (int)(app_cfg.lim.drain_s * 1000u)) > 0)
			app_error("queue %u: exiting with connections still closing (--drain %u s "
				  "passed)", i, app_cfg.lim.drain_s);
		if (app_cfg.stats) {
			fprintf(stderr, "# counters of queue %u's stack\n", i);
			ustack_stats_dump(mq[i].st, stderr, 0);
		}
		ustack_destroy(mq[i].st);
		mq[i].st = NULL;
	}
	if (app_cfg.stats)
		fprintf(stderr, "# counters of queue 0's stack\n");
	ustack_use(st);
	return status;
}
