/* SPDX-License-Identifier: MIT */
/* The parts of command-line checking that are pure functions of argv or of the parsed
 * devices (cli.c prints the messages): which subcommand a word names, options put in
 * front of the subcommand, and a device named twice. */
#include <stdio.h>
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
