/* SPDX-License-Identifier: MIT */
/* The parts of command-line checking that are pure functions of argv or of the parsed
 * devices (cli.c prints the messages): which subcommand a word names, options put in
 * front of the subcommand, a device named twice, and --route and --gw values. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/app.h"

static const char *const cmd_names[] = {
	[CMD_SERVE] = "serve", [CMD_NC] = "nc", [CMD_PING] = "ping", [CMD_GET] = "get",
	[CMD_CTL] = "ctl", [CMD_RUN] = "run",
};

enum app_cmd app_cmd_lookup(const char *word)
{
	for (size_t i = 0; i < sizeof(cmd_names) / sizeof(cmd_names[0]); i++)
		if (cmd_names[i] && !strcmp(cmd_names[i], word))
			return (enum app_cmd)i;
	return CMD_NONE;
}

const char *app_cmd_name(enum app_cmd c)
{
	return (size_t)c < sizeof(cmd_names) / sizeof(cmd_names[0]) && cmd_names[c] ?
		       cmd_names[c] : "?";
}

int app_misplaced_options(int argc, char **argv, char *hint, size_t size)
{
	size_t n;
	int sub;

	if (argc < 2 || argv[1][0] != '-')
		return CMD_NONE;
	for (sub = 2; sub < argc; sub++)
		if (app_cmd_lookup(argv[sub]) != CMD_NONE)
			break;
	if (sub == argc)
		return CMD_NONE;
	n = (size_t)snprintf(hint, size, "ustack %s", argv[sub]);
	for (int i = 1; i < sub && n < size; i++)
		n += (size_t)snprintf(hint + n, size - n, " %s", argv[i]);
	if (n < size)
		snprintf(hint + n, size - n, " ...");
	if (n >= size && size > 4) /* cut: say so */
		memcpy(hint + size - 4, "...", 4);
	return app_cmd_lookup(argv[sub]);
}

int app_dev_dup(const struct dev_opts *devs, int n)
{
	for (int j = 1; j < n; j++)
		for (int i = 0; i < j; i++)
			if (devs[i].ifname[0] && !strcmp(devs[i].ifname, devs[j].ifname))
				return j;
	return -1;
}

/* "PREFIX/N" of family af into addr (4 or 16 bytes) and *bits; 0 or -EINVAL. */
static int route_prefix(int af, const char *s, void *addr, int *bits)
{
	const char *slash = strchr(s, '/');
	char buf[INET6_ADDRSTRLEN];
	long n;
	char *end;

	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, slash - s);
	buf[slash - s] = '\0';
	errno = 0;
	n = strtol(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end || n < 0 || n > (af == AF_INET ? 32 : 128) ||
	    inet_pton(af, buf, addr) != 1)
		return -EINVAL;
	*bits = (int)n;
	return 0;
}

int app_route_parse(int gw, const char *s, struct app_route *r, char *err, size_t errlen)
{
	const char *opt = gw ? "--gw" : "--route";
	char buf[128], *via, *dev;
	int bits = 0;

	memset(r, 0, sizeof(*r));
	if (strlen(s) >= sizeof(buf))
		goto bad;
	strcpy(buf, s);
	if ((dev = strstr(buf, ",dev="))) {
		*dev = '\0';
		dev += 5;
		if (!*dev || strlen(dev) >= sizeof(r->dev) || strchr(dev, ','))
			goto bad;
		strcpy(r->dev, dev);
	}
	if (gw) {
		via = buf;
	} else {
		if (!(via = strchr(buf, ',')) || strncmp(via + 1, "via=", 4))
			goto bad;
		*via = '\0';
		via += 5;
	}
	r->ipv6 = strchr(via, ':') != NULL;
	if (r->ipv6) {
		if (gw)
			r->from_gw = 1; /* ::/0 */
		else if (route_prefix(AF_INET6, buf, &r->network6, &bits))
			goto bad;
		r->plen6 = bits;
		if (inet_pton(AF_INET6, via, &r->gateway6) != 1 ||
		    IN6_IS_ADDR_UNSPECIFIED(&r->gateway6) || IN6_IS_ADDR_MULTICAST(&r->gateway6))
			goto bad;
		if (IN6_IS_ADDR_LINKLOCAL(&r->gateway6) && !r->dev[0]) {
			snprintf(err, errlen, "%s '%s': the link-local gateway %s needs its device: "
				 "add ,dev=NAME", opt, s, via);
			return -EINVAL;
		}
		return 0;
	}
	if (!gw) {
		if (route_prefix(AF_INET, buf, &r->network, &bits) || strchr(buf, ':'))
			goto bad;
		r->netmask = bits ? htonl(0xffffffffu << (32 - bits)) : 0;
		r->network &= r->netmask;
	} else if (r->dev[0]) {
		goto bad; /* an IPv4 --gw finds its device by its subnet */
	}
	if (inet_pton(AF_INET, via, &r->gateway) != 1 || !r->gateway)
		goto bad;
	return 0;
bad:
	if (gw)
		snprintf(err, errlen, "--gw '%s': give the gateway's address like 10.0.0.1, "
			 "2001:db8::1 or fe80::1,dev=tap0 (dev= for a link-local IPv6 gateway)", s);
	else
		snprintf(err, errlen, "--route '%s': give PREFIX/N,via=GATEWAY[,dev=NAME] like "
			 "10.1.0.0/16,via=10.0.0.1 or 2001:db8:5::/48,via=fe80::1,dev=tap0", s);
	return -EINVAL;
}
