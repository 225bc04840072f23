/* SPDX-License-Identifier: MIT */
/* The --dev option grammar and the dispatch to the drivers.
 *
 * The parser never touches the system: it turns a spec into struct dev_opts or one line
 * that says what is wrong and how to write it instead, so the command line can print the
 * message and exit 2 before any device exists. Addresses are parsed with inet_pton rather
 * than ip/'s helpers because drivers sit below every protocol layer. */
#include "driver/driver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define DEV_MTU_MIN 68     /* RFC 791: every IPv4 host must handle 68-byte datagrams */
#define DEV_MTU_MAX 65535  /* the largest IPv4 datagram */

static const char *const kind_names[] = {
	[DEV_TAP] = "tap", [DEV_TUN] = "tun", [DEV_PACKET] = "packet", [DEV_LOOPBACK] = "lo",
};

/* The one place messages are formatted: "--dev KIND:NAME: what is wrong". Always -EINVAL. */
static int __attribute__((format(printf, 4, 5)))
fail(char *err, size_t errlen, const char *prefix, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err && errlen)
		snprintf(err, errlen, "%s%s", prefix, msg);
	return -EINVAL;
}

static uint32_t prefix_to_mask(unsigned prefix)
{
	return prefix ? htonl(0xffffffffu << (32 - prefix)) : 0;
}

/* "A.B.C.D" or "A.B.C.D/N". *prefix is -1 when there is no "/N". 0 or -EINVAL. */
static int parse_addr(const char *s, uint32_t *addr, int *prefix)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	struct in_addr in;

	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, &in) != 1)
		return -EINVAL;
	*addr = in.s_addr;
	*prefix = -1;
	if (slash) {
		char *end;
		long n;

		if (!slash[1])
			return -EINVAL;
		errno = 0;
		n = strtol(slash + 1, &end, 10);
		if (errno || *end || n < 0 || n > 32)
			return -EINVAL;
		*prefix = (int)n;
	}
	return 0;
}

/* "aa:bb:cc:dd:ee:ff", exactly two hex digits per byte. */
static int parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		int v = 0;

		for (int j = 0; j < 2; j++) {
			char c = *s++;
			int d = c >= '0' && c <= '9' ? c - '0'
			      : c >= 'a' && c <= 'f' ? c - 'a' + 10
			      : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
			if (d < 0)
				return -EINVAL;
			v = v * 16 + d;
		}
		mac[i] = (uint8_t)v;
		if (*s != (i < 5 ? ':' : '\0'))
			return -EINVAL;
		s++;
	}
	return 0;
}

/* One key=value option of a --dev spec. `prefix` is "--dev KIND:NAME: " for messages. */
static int parse_option(const char *opt, struct dev_opts *o, const char *prefix, unsigned *seen,
			char *err, size_t errlen)
{
	static const char *const keys[] = { "addr", "host", "bridge", "mac", "mtu", "offload",
					    "addr6", "host6", "queues", "queue", "ring" };
	const char *eq = strchr(opt, '=');
	const char *key_list = o->kind == DEV_TAP ?
				       "addr, addr6, host, host6, bridge, mac, mtu, offload, queues, "
				       "queue"
			     : o->kind == DEV_TUN ? "addr, addr6, host, host6, mtu, offload"
						  : "addr, addr6, mac, offload, ring";
	const char *val;
	size_t klen;
	int k = -1, prefix_len;

	if (!eq || eq == opt)
		return fail(err, errlen, prefix, "'%s' is not key=value (keys: %s)", opt, key_list);
	klen = (size_t)(eq - opt);
	val = eq + 1;
	for (int i = 0; i < (int)(sizeof(keys) / sizeof(keys[0])); i++)
		if (strlen(keys[i]) == klen && !strncmp(opt, keys[i], klen))
			k = i;
	if (k < 0)
		return fail(err, errlen, prefix, "unknown option '%.*s' (keys: %s)", (int)klen, opt,
			    key_list);
	if (((k == 2 || k == 8 || k == 9) && o->kind != DEV_TAP) ||
	    (k == 3 && o->kind == DEV_TUN) || (k == 4 && o->kind == DEV_PACKET) ||
	    ((k == 1 || k == 7) && o->kind == DEV_PACKET) || (k == 10 && o->kind != DEV_PACKET))
		return fail(err, errlen, prefix, "%s= does not apply to %s devices (keys: %s)",
			    keys[k], kind_names[o->kind], key_list);
	if (*seen & (1u << k))
		return fail(err, errlen, prefix, "%s= given twice", keys[k]);
	*seen |= 1u << k;
	if (!*val)
		return fail(err, errlen, prefix, "%s= needs a value", keys[k]);

	switch (k) {
	case 0: /* addr */
		if (!strcmp(val, "dhcp")) { /* no address now: the program's DHCP client asks */
			if (o->kind == DEV_TUN)
				return fail(err, errlen, prefix, "addr=dhcp needs an Ethernet "
					    "device (tap: or packet:), not tun:");
			o->dhcp = 1;
			break;
		}
		if (parse_addr(val, &o->addr, &prefix_len) < 0 || prefix_len == 0)
			return fail(err, errlen, prefix, "bad addr=%s: expected A.B.C.D/N with N 1-32",
				    val);
		if (prefix_len < 0)
			return fail(err, errlen, prefix, "addr=%s needs a prefix length: addr=%s/24",
				    val, val);
		o->netmask = prefix_to_mask((unsigned)prefix_len);
		break;
	case 1: /* host */
		if (parse_addr(val, &o->host, &prefix_len) < 0 || prefix_len == 0)
			return fail(err, errlen, prefix, "bad host=%s: expected %s", val,
				    o->kind == DEV_TAP ? "A.B.C.D/N with N 1-32" : "A.B.C.D");
		if (o->kind == DEV_TAP && prefix_len < 0)
			return fail(err, errlen, prefix, "host=%s needs a prefix length: host=%s/24",
				    val, val);
		if (o->kind == DEV_TUN && prefix_len >= 0)
			return fail(err, errlen, prefix,
				    "host=%s: a tun is point-to-point, give host= without /N", val);
		o->host_netmask = o->kind == DEV_TAP ? prefix_to_mask((unsigned)prefix_len)
						     : 0xffffffffu;
		o->has_host = 1;
		break;
	case 2: /* bridge */
		if (strlen(val) >= NET_DEV_NAME_MAX)
			return fail(err, errlen, prefix, "bridge=%s: name longer than %d characters",
				    val, NET_DEV_NAME_MAX - 1);
		snprintf(o->bridge, sizeof(o->bridge), "%s", val);
		break;
	case 3: /* mac */
		if (parse_mac(val, o->mac) < 0)
			return fail(err, errlen, prefix, "bad mac=%s: expected aa:bb:cc:dd:ee:ff", val);
		if (o->mac[0] & 0x01)
			return fail(err, errlen, prefix,
				    "mac=%s is a multicast address: the first byte must be even", val);
		o->has_mac = 1;
		break;
	case 4: { /* mtu */
		char *end;
		long n;

		errno = 0;
		n = strtol(val, &end, 10);
		if (errno || *end || n < DEV_MTU_MIN || n > DEV_MTU_MAX)
			return fail(err, errlen, prefix, "bad mtu=%s: expected a number from %d to %d",
				    val, DEV_MTU_MIN, DEV_MTU_MAX);
		o->mtu = (unsigned)n;
		break;
	}
	case 6:   /* addr6 */
	case 7: { /* host6: the kernel side's */
		char a[INET6_ADDRSTRLEN + 1], *end;
		const char *slash = strchr(val, '/');
		struct net_addr *dst = k == 6 ? &o->addr6 : &o->host6;
		long n;

		if (!slash || (size_t)(slash - val) >= sizeof(a))
			return fail(err, errlen, prefix, "bad %s=%s: expected ADDR/LEN, e.g. "
				    "%s=2001:db8::%d/64", keys[k], val, keys[k], k == 6 ? 2 : 1);
		memcpy(a, val, (size_t)(slash - val));
		a[slash - val] = '\0';
		errno = 0;
		n = strtol(slash + 1, &end, 10);
		*dst = net_addr_any(AF_INET6);
		if (inet_pton(AF_INET6, a, dst->v6) != 1 || errno || *end || slash[1] == '\0' ||
		    n < 1 || n > 128)
			return fail(err, errlen, prefix, "bad %s=%s: expected ADDR/LEN with LEN "
				    "1-128, e.g. %s=2001:db8::%d/64", keys[k], val, keys[k],
				    k == 6 ? 2 : 1);
		if (dst->v6[0] == 0xff)
			return fail(err, errlen, prefix, "%s=%s is a multicast address", keys[k],
				    val);
		if (k == 6) {
			o->addr6_plen = (unsigned)n;
			o->has_addr6 = 1;
		} else {
			o->host6_plen = (unsigned)n;
			o->has_host6 = 1;
		}
		break;
	}
	case 8:   /* queues */
	case 9: { /* queue */
		char *end;
		long n;

		errno = 0;
		n = strtol(val, &end, 10);
		if (k == 8 && (errno || *end || n < 1 || n > DEV_QUEUES_MAX))
			return fail(err, errlen, prefix, "bad queues=%s: expected a number from 1 "
				    "to %d", val, DEV_QUEUES_MAX);
		if (k == 9 && (errno || *end || n < 0 || n >= DEV_QUEUES_MAX))
			return fail(err, errlen, prefix, "bad queue=%s: expected a number from 0 "
				    "to %d", val, DEV_QUEUES_MAX - 1);
		if (k == 8)
			o->queues = (unsigned)n;
		else
			o->queue = (unsigned)n;
		break;
	}
	case 10: { /* ring */
		char *end;
		long n;

		errno = 0;
		n = strtol(val, &end, 10);
		if (errno || *end || (n != 0 && (n < DEV_RING_MIN || n > DEV_RING_MAX)))
			return fail(err, errlen, prefix, "bad ring=%s: expected 0 (recvmmsg) or a "
				    "number of frame slots from %d to %d", val, DEV_RING_MIN,
				    DEV_RING_MAX);
		o->ring = (unsigned)n;
		break;
	}
	case 5: /* offload */
		if (!strcmp(val, "on"))
			o->offload = 1;
		else if (!strcmp(val, "off"))
			o->offload = 0;
		else
			return fail(err, errlen, prefix, "bad offload=%s: expected on or off", val);
		break;
	}
	return 0;
}

int dev_opts_parse(const char *spec, struct dev_opts *out, char *err, size_t errlen)
{
	struct dev_opts o;
	const char *colon, *name, *rest;
	char prefix[64], opt[128];
	size_t nlen;
	unsigned seen = 0;
	int ret;

	memset(&o, 0, sizeof(o));
	o.offload = DEV_OFFLOAD_DEFAULT;
	if (err && errlen)
		err[0] = '\0';
	colon = strchr(spec, ':');
	if (!colon)
		return fail(err, errlen, "", "--dev %s: expected tap:NAME,..., tun:NAME,... or "
			    "packet:IFNAME,...", spec);
	if (!strncmp(spec, "tap:", 4))
		o.kind = DEV_TAP;
	else if (!strncmp(spec, "tun:", 4))
		o.kind = DEV_TUN;
	else if (!strncmp(spec, "packet:", 7))
		o.kind = DEV_PACKET;
	else
		return fail(err, errlen, "", "--dev %s: unknown device kind '%.*s' (use tap, tun or "
			    "packet)", spec, (int)(colon - spec), spec);
	name = colon + 1;
	nlen = strcspn(name, ",");
	if (nlen == 0)
		return fail(err, errlen, "", "--dev %s: missing interface name: %s:NAME,addr=A.B.C.D/N",
			    spec, kind_names[o.kind]);
	if (nlen >= NET_DEV_NAME_MAX)
		return fail(err, errlen, "", "--dev %s: interface name '%.*s' is longer than %d "
			    "characters", spec, (int)nlen, name, NET_DEV_NAME_MAX - 1);
	memcpy(o.ifname, name, nlen);
	o.ifname[nlen] = '\0';
	if (strchr(o.ifname, '/') || strchr(o.ifname, ' '))
		return fail(err, errlen, "", "--dev %s: interface name '%s' may not contain '/' or "
			    "spaces", spec, o.ifname);
	snprintf(prefix, sizeof(prefix), "--dev %s:%s: ", kind_names[o.kind], o.ifname);

	rest = name + nlen;
	while (*rest == ',') {
		size_t len;

		rest++;
		len = strcspn(rest, ",");
		if (len == 0)
			return fail(err, errlen, prefix, "empty option (a stray comma?)");
		if (len >= sizeof(opt))
			return fail(err, errlen, prefix, "option '%.20s...' is too long", rest);
		memcpy(opt, rest, len);
		opt[len] = '\0';
		ret = parse_option(opt, &o, prefix, &seen, err, errlen);
		if (ret < 0)
			return ret;
		rest += len;
	}
	/* An Ethernet device may come up with no address (a DHCP client gives it one later,
	 * ustack_addr_add); a TUN is point-to-point and useless without one. */
	if (!(seen & 1u) && o.kind == DEV_TUN)
		return fail(err, errlen, "", "--dev %s:%s needs addr=A.B.C.D/N", kind_names[o.kind],
			    o.ifname);
	if (o.has_host && o.host == o.addr)
		return fail(err, errlen, prefix, "host= is the kernel's address and must differ from "
			    "addr= (ustack's)");
	if (o.queue && o.queue >= (o.queues ? o.queues : 1))
		return fail(err, errlen, prefix, "queue=%u needs queues= above it (queue=I picks "
			    "one of queues=N, 0 to N-1)", o.queue);
	*out = o;
	return 0;
}

int driver_open(const struct dev_opts *o, struct net_device **out, char *err, size_t errlen)
{
	switch (o->kind) {
	case DEV_TAP:
		return tap_open(o, out, err, errlen);
	case DEV_TUN:
		return tun_open(o, out, err, errlen);
	case DEV_PACKET:
		return packet_open(o, out, err, errlen);
	case DEV_LOOPBACK:
		return loopback_open(out);
	}
	snprintf(err, errlen, "unknown device kind %d", (int)o->kind);
	return -EINVAL;
}

int driver_pick_mac(const struct dev_opts *o, uint8_t mac[NET_DEV_ADDR_LEN], char *err,
		    size_t errlen)
{
	if (o->has_mac) {
		memcpy(mac, o->mac, NET_DEV_ADDR_LEN);
		return 0;
	}
	if (getrandom(mac, NET_DEV_ADDR_LEN, 0) != NET_DEV_ADDR_LEN) {
		int e = -errno;
		snprintf(err, errlen, "%s: getrandom: %s", o->ifname, strerror(-e));
		return e;
	}
	mac[0] = (uint8_t)((mac[0] | 0x02) & ~0x01);
	return 0;
}
