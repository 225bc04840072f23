/* SPDX-License-Identifier: MIT */
/* `ustack ctl NAME REQUEST...`: asks a running ustack through its control socket
 * (lib/ctl.h, docs/ctl.md) and prints the answer; and the control socket every serve and
 * nc -l opens (app_ctl_start). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "apps/app.h"
#include "lib/ctl.h"
#include "lib/ctl_live.h"
#include "net/log.h"

#define CTL_REPLY_TIMEOUT_MS 10000 /* a live stack answers within this */

static void ctl_usage(FILE *out)
{
	fputs(
"usage: ustack ctl NAME REQUEST   ask the running ustack named NAME (serve/nc -l --name,\n"
"                                 default its first device's name; root only)\n"
"REQUEST:\n"
"  ss [-t] [-u] [-l] [-i]         sockets as ss -tuan prints them (-l listeners only,\n"
"                                 -i TCP internals as ss -ti)\n"
"  neigh                          the ARP cache, as ip neigh\n"
"  route                          the routing table, as ip route\n"
"  route add PREFIX [via GW] dev DEV | route del PREFIX   (PREFIX: A.B.C.D/N or default)\n"
"  route add PREFIX6/N [via GW6] [dev DEV] | route del PREFIX6/N   (IPv6; ::/0 default;\n"
"                                 dev needed for a link-local GW6 or none)\n"
"  addr                           devices and addresses, as ip -brief addr\n"
"  addr add|del A.B.C.D/N dev DEV\n"
"  stats [-j] [-a] [--delta]      counters (non-zero ones; -a all; -j JSON; --delta the\n"
"                                 change since the last --delta)\n"
"  impair [SPEC|off] [dev DEV]    fault injection now, as --impair SPEC (loss=P,dup=P,\n"
"                                 reorder=P,delay=MS,corrupt=P,seed=N); alone: the settings\n"
"  trace [on [FILTER]|off] [dev DEV]  the --trace lines on the stack's output, only what\n"
"                                 the pcap-filter FILTER matches if given; alone: the state\n"
"  pcap [FILE|off] [dev DEV]      capture to FILE as --pcap FILE (several devices: FILE-DEV\n"
"                                 for all but the first); off closes it; alone: the files\n"
"                                 (without dev DEV: every device but the loopback)\n"
"Running stacks: ls " CTL_DIR ". Exit 0 done, 1 no answer, 2 bad request or no such stack.\n",
	      out);
}

/* Connects to NAME's socket; the fd, or -1 after printing the one line that says why. */
static int ctl_connect(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (ctl_path(name, sa.sun_path, sizeof(sa.sun_path))) {
		app_error("ctl: '%s' is no stack name (1 to %d letters, digits, '.', '_', '-')",
			  name, CTL_NAME_MAX);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		app_error("ctl: socket: %s", strerror(errno));
		return -1;
	}
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return fd;
	if (errno == ENOENT)
		app_error("ctl: no stack named '%s' (no %s; ls %s lists the running ones)", name,
			  sa.sun_path, CTL_DIR);
	else if (errno == ECONNREFUSED)
		app_error("ctl: stack '%s' is not running: %s is the stale socket of a dead stack "
			  "(a new one with --name %s replaces it)", name, sa.sun_path, name);
	else if (errno == EACCES || errno == EPERM)
		app_error("ctl: %s: permission denied (control sockets are root's)", sa.sun_path);
	else
		app_error("ctl: %s: %s", sa.sun_path, strerror(errno));
	close(fd);
	return -1;
}

/* Reads the whole reply (until the stack closes or "\n.\n" ends it) into buf. */
static ssize_t read_reply(int fd, char **buf, size_t *cap)
{
	size_t len = 0;

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (len + 4096 > *cap) {
			size_t ncap = *cap ? *cap * 2 : 65536;
			char *nb = realloc(*buf, ncap);

			if (!nb)
				return -ENOMEM;
			*buf = nb;
			*cap = ncap;
		}
		if (poll(&p, 1, CTL_REPLY_TIMEOUT_MS) == 0)
			return -ETIMEDOUT;
		n = read(fd, *buf + len, *cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
		if ((len == 2 && !memcmp(*buf, ".\n", 2)) ||
		    (len >= 3 && !memcmp(*buf + len - 3, "\n.\n", 3)))
			break;
	}
	(*buf)[len] = '\0';
	return (ssize_t)len;
}

int ctl_main(int argc, char **argv)
{
	char req[CTL_LINE_MAX], *reply = NULL, *p, *end;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd, rc = EXIT_FAIL;

	if (argc >= 1 && (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help"))) {
		ctl_usage(stdout);
		return EXIT_OK;
	}
	if (argc < 2) {
		app_error("ctl: give NAME REQUEST, like 'ustack ctl ustap0 ss -t' (ustack ctl --help)");
		return EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++) {
		size_t w = strlen(argv[i]);

		if (!w || strpbrk(argv[i], " \t\r\n") || len + w + 2 > sizeof(req)) {
			app_error("ctl: the request must be words without spaces, %d bytes at most",
				  CTL_LINE_MAX - 1);
			return EXIT_USAGE;
		}
		memcpy(req + len, argv[i], w);
		len += w;
		req[len++] = i + 1 < argc ? ' ' : '\n';
	}
	fd = ctl_connect(argv[0]);
	if (fd < 0)
		return EXIT_USAGE;
	if (app_write_all(fd, req, len)) {
		app_error("ctl: %s: the stack closed the connection", argv[0]);
		goto out;
	}
	n = read_reply(fd, &reply, &cap);
	if (n < 0) {
		app_error("ctl: %s: no answer (%s)", argv[0], strerror((int)-n));
		goto out;
	}
	if (!strncmp(reply, "error ", 6)) {
		char *nl = strchr(reply, '\n');

		if (nl)
			*nl = '\0';
		app_error("ctl %s: %s", argv[0], reply + 6);
		rc = EXIT_USAGE;
		goto out;
	}
	if (strncmp(reply, "ok\n", 3) || n < 5 || strcmp(reply + n - 2, ".\n")) {
		app_error("ctl: %s: a reply this program does not understand", argv[0]);
		goto out;
	}
	/* the body, with the terminator off and the doubled dots undone */
	reply[n - 2] = '\0';
	for (p = reply + 3; *p; p = end) {
		end = strchr(p, '\n');
		end = end ? end + 1 : p + strlen(p);
		if (*p == '.')
			p++;
		fwrite(p, 1, (size_t)(end - p), stdout);
	}
	rc = fflush(stdout) ? EXIT_FAIL : EXIT_OK;
out:
	free(reply);
	close(fd);
	return rc;
}

static struct ctl_server *app_ctl;

int app_ctl_start(struct ustack *st)
{
	char err[320], name[CTL_NAME_MAX + 16];
	int rc;

	/* `ctl NAME trace on` writes where --trace does: nc and get carry data on stdout */
	ctl_live_set_trace_out((app_cfg.cmd == CMD_NC || app_cfg.cmd == CMD_GET ||
				app_cfg.cmd == CMD_RUN) ? stderr : stdout);
	ctl_live_set_trace_time(app_cfg.trace_time); /* and stamps them as --trace-time */
	if (app_cfg.ctl_name) {
		rc = ctl_server_start(st, app_cfg.ctl_name, &app_ctl, err, sizeof(err));
		if (rc < 0)
			app_error("%s", err);
		return rc;
	}
	/* ustack run: run-PID, the name of its API socket too (the program's output is its
	 * own: no line about it) */
	if (app_cfg.cmd == CMD_RUN) {
		snprintf(name, sizeof(name), "run-%d", (int)getpid());
		rc = ctl_server_start(st, name, &app_ctl, err, sizeof(err));
		if (rc < 0)
			app_error("%s (running without a control socket)", err);
		return 0;
	}
	/* The default: the first device's name. When another stack has it (the same device
	 * name in another namespace), this one takes NAME-PID and says so, rather than fail a
	 * command line that gave no name. */
	snprintf(name, sizeof(name), "%s", app_cfg.devs[0].ifname);
	rc = ctl_server_start(st, name, &app_ctl, err, sizeof(err));
	if (rc == -EADDRINUSE) {
		snprintf(name, sizeof(name), "%.*s-%d", CTL_NAME_MAX - 8, app_cfg.devs[0].ifname,
			 (int)getpid());
		rc = ctl_server_start(st, name, &app_ctl, err, sizeof(err));
		if (!rc)
			app_error("control socket: '%s' is taken by another stack; this one is '%s' "
				  "(--name sets it)", app_cfg.devs[0].ifname, name);
	}
	if (rc < 0) {
		/* the stack works without it: one line, and on */
		app_error("%s (running without a control socket)", err);
		return 0;
	}
	debugf("control socket %s/%s.sock", CTL_DIR, name);
	return 0;
}

void app_ctl_stop(void)
{
	ctl_server_stop(app_ctl);
	app_ctl = NULL;
}
