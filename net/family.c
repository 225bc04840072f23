/* SPDX-License-Identifier: MIT */
/* The table of address families' network-layer operations (net/family.h). */
#include <errno.h>

#include "net/family.h"
#include "net/perstack.h"

const struct net_family_ops *net_families[NET_FAMILY_SLOTS];

void net_family_register(const struct net_family_ops *ops)
{
	if (ops->family < NET_FAMILY_SLOTS)
		net_families[ops->family] = ops;
}

PERSTACK_STATIC(const struct net_transport *[NET_TRANSPORT_MAX], transports)
#define transports PERSTACK_REF(const struct net_transport *[NET_TRANSPORT_MAX], transports)

int net_transport_register(const struct net_transport *t)
{
	for (int i = 0; i < NET_TRANSPORT_MAX; i++) {
		if (!transports[i] || transports[i]->proto == t->proto) {
			transports[i] = t;
			return 0;
		}
	}
	return -ENOSPC;
}

const struct net_transport *net_transport_find(uint8_t proto)
{
	for (int i = 0; i < NET_TRANSPORT_MAX && transports[i]; i++)
		if (transports[i]->proto == proto)
			return transports[i];
	return NULL;
}

void net_transport_reset(void)
{
	for (int i = 0; i < NET_TRANSPORT_MAX; i++)
		transports[i] = NULL;
}
