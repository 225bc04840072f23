/* SPDX-License-Identifier: MIT */
/* A socket's IP-level options (IPPROTO_IP: IP_TTL, IP_TOS, IP_MTU_DISCOVER), kept in struct
 * sock; each inet protocol's setsockopt/getsockopt hands that level here, and its output
 * turns them (with SO_BINDTODEVICE) into struct net_out_opts for ip_output. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "ip/ip.h"
#include "net/socket.h"

void ip_out_opts_from_sock(const struct sock *sk, struct net_out_opts *o)
{
	o->ttl = (uint8_t)sk->ip_ttl; /* 0: ip_config.default_ttl */
	o->tos = (uint8_t)sk->ip_tos;
	/* DF only when asked to: the stack does no path MTU discovery of its own for
	 * datagrams, so IP_PMTUDISC_WANT (Linux's default) is sent as IP_PMTUDISC_DONT */
	o->df = sk->ip_pmtudisc == IP_PMTUDISC_DO || sk->ip_pmtudisc == IP_PMTUDISC_PROBE;
	o->ifindex = sk->bound_ifindex;
}

/* An int option, or (as Linux takes for these) a single byte. */
static int ip_opt_int(const void *val, socklen_t len, int *v)
{
	if (!val || len < 1)
		return -EINVAL;
	if (len >= sizeof(int))
		memcpy(v, val, sizeof(int));
	else
		*v = *(const uint8_t *)val;
	return 0;
}

int ip_sock_setsockopt(struct sock *sk, int name, const void *val, socklen_t len)
{
	int v, r;

	if (name != IP_TTL && name != IP_TOS && name != IP_MTU_DISCOVER)
		return -ENOPROTOOPT;
	r = ip_opt_int(val, len, &v);
	if (r)
		return r;
	switch (name) {
	case IP_TTL:
		if (v == -1)
			v = 0; /* back to the default */
		else if (v < 1 || v > 255)
			return -EINVAL;
		sk->ip_ttl = v;
		return 0;
	case IP_TOS:
		sk->ip_tos = v & 0xff;
		return 0;
	default:
		if (v < IP_PMTUDISC_DONT || v > IP_PMTUDISC_OMIT)
			return -EINVAL;
		sk->ip_pmtudisc = v;
		return 0;
	}
}

int ip_sock_getsockopt(struct sock *sk, int name, void *val, socklen_t *len)
{
	int v;

	switch (name) {
	case IP_TTL:
		v = sk->ip_ttl ? sk->ip_ttl : ip_config.default_ttl;
		break;
	case IP_TOS:
		v = sk->ip_tos;
		break;
	case IP_MTU_DISCOVER:
		v = sk->ip_pmtudisc;
		break;
	default:
		return -ENOPROTOOPT;
	}
	if (!len)
		return -EFAULT;
	/* as Linux: a buffer shorter than an int gets the value as one byte (all of these
	 * fit one), and *len 0 gets nothing, without an error */
	if (*len == 0)
		return 0;
	if (!val)
		return -EFAULT;
	if (*len < sizeof(int)) {
		*(uint8_t *)val = (uint8_t)v;
		*len = 1;
		return 0;
	}
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}
