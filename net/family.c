/* SPDX-License-Identifier: MIT */
/* The table of address families' network-layer operations (net/family.h). */
#include "net/family.h"

const struct net_family_ops *net_families[NET_FAMILY_SLOTS];

void net_family_register(const struct net_family_ops *ops)
{
	if (ops->family < NET_FAMILY_SLOTS)
		net_families[ops->family] = ops;
}
