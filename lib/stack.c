/* SPDX-License-Identifier: MIT */
/* The wiring point: every layer's init in order, the loopback device, and the teardown.
 *
 * It includes every layer, and so lives in lib/, above them. The order matters only where
 * a later init depends on an earlier one: the loop before any device (devices add their fd
 * to it), the link layers before IP registers by ethertype, icmp_init before icmp_sock_init
 * (icmp_init resets the echo reply handler the socket installs). */
#include "net/perstack.h"
#include "lib/stack.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "arp/arp.h"
#include "driver/driver.h"
#include "net/mem.h"
#include "ether/ether.h"
#include "ip/icmp.h"
#include "ip/icmp_sock.h"
#include "ip/ip.h"
#include "ip6/icmp6.h"
#include "ip6/icmp6_sock.h"
#include "ip6/ip6.h"
#include "nd/nd.h"
#include "net/log.h"
#include "net/loop.h"
#include "net/pkb.h"
#include "net/socket.h"
#include "tcp/tcp.h"
#include "udp/udp.h"

#define STACK_LOOPBACK_ADDR 0x7f000001u /* 127.0.0.1 */
#define STACK_LOOPBACK_MASK 0xff000000u /* /8 */
#define STACK_DRAIN_POLL_MS 10

PERSTACK_STATIC(struct net_device *, loopback)
#define loopback PERSTACK_REF(struct net_device *, loopback)
PERSTACK_STATIC(int, stack_up)
#define stack_up PERSTACK_REF(int, stack_up)

struct net_device *stack_loopback(void)
{
	return loopback;
}

struct stack_layer {
	const char *name;
	int (*init)(void);
};

static const struct stack_layer layers[] = {
	{ "loop", net_loop_init },
	{ "mem", net_mem_init },
	{ "ether", ether_init },
	{ "arp", arp_init },
	{ "ip", ip_init },
	{ "icmp", icmp_init },
	{ "ip6", ip6_init },
	{ "icmp6", icmp6_init },
	{ "nd", nd_init },
	{ "udp", udp_init },
	{ "tcp", tcp_init },
	{ "icmp_sock", icmp_sock_init },
	{ "icmp6_sock", icmp6_sock_init },
};

int stack_init(void)
{
	int err;

	if (stack_up)
		return 0;
	stack_up = 1;
	for (size_t i = 0; i < sizeof(layers) / sizeof(layers[0]); i++) {
		err = layers[i].init();
		if (err < 0) {
			errorf("layer=%s init failed: %s", layers[i].name, strerror(-err));
			stack_up = 0; /* a later call tries again instead of claiming success */
			return err;
		}
	}
	err = loopback_open(&loopback);
	if (err < 0)
		return err; /* loopback_open logged it */
	net_lock();
	err = ip_iface_add(loopback, htonl(STACK_LOOPBACK_ADDR), htonl(STACK_LOOPBACK_MASK), 0);
	net_unlock();
	if (err < 0) {
		errorf("lo: cannot add 127.0.0.1/8: %s", strerror(-err));
		return err;
	}
	return 0;
}

size_t stack_drain(unsigned timeout_ms)
{
	uint64_t end = net_clock_ms() + timeout_ms;
	size_t n;

	for (;;) {
		net_lock();
		n = tcp_pcb_count_closing(net_clock_ms());
		net_unlock();
		if (!n || net_clock_ms() >= end)
			return n;
		usleep(STACK_DRAIN_POLL_MS * 1000); /* the loop thread does the work meanwhile */
	}
}

void stack_shutdown(void)
{
	if (!stack_up)
		return;
	/* Nothing may run in the loop while the state it works on is taken apart. */
	net_loop_thread_join();
	/* Takes the lock itself; protocols send their resets or FINs from here. */
	sock_close_all();
	net_lock();
	net_device_unregister_all();
	loopback = NULL;
	tcp_shutdown();
	arp_shutdown();
	nd_shutdown();
	ip6_shutdown();
	ip_shutdown();
	ip_reass_flush();
	net_protocol_reset();
	net_mem_shutdown();
	net_unlock();
	net_loop_shutdown();
	pkb_pool_drain();
	stack_up = 0;
}
