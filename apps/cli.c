/* SPDX-License-Identifier: MIT */
/* The command line: `ustack SUBCOMMAND [options] ARGS`, parsed into app_cfg. Every user
 * error is reported as one line that names the problem and the fix, and exits with 2. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/app.h"
#include "apps/serve.h"
#include "apps/url.h"
#include "dns/dns.h"
#include "ip/ip.h"
#include "lib/ctl.h"
#include "nd/nd.h"
#include "tcp/tcp.h"

/* The Makefile's VERSION, passed in by the build. */
#ifndef USTACK_VERSION
#error "USTACK_VERSION is not defined: build with make (it passes -DUSTACK_VERSION)"
#endif

struct app_config app_cfg = {
	.lim = {
		.max_conn = 1024,
		.backlog = 128,
		.conn_buf = 256 * 1024,
		.rcvbuf = 0,
		.sndbuf = 0,
		.idle_timeout_s = 0,
		.max_conn_per_source = 0,
		/* nginx's free-connection list: when it runs out, a connection still waiting
		 * for its request goes at once; a real client's head is in flight by then */
		.reclaim_after_ms = 0,
		.http_max_header = 8 * 1024,
		/* Apache's default (mod_reqtimeout header=20): a real client sends its whole
		 * head in one segment, a person typing one in telnet needs seconds, and a
		 * slowloris connection then holds its slot a third as long as under nginx's 60 */
		.http_header_timeout_s = 20,
		.chat_max_line = 1024,
		.chat_idle_s = 600,
		.echo_idle_s = 300,
		.timeout_s = 30,
		.drain_s = 10,
		/* A ping-pong with a peer on the other vCPU of this VM comes back in 25-50 us;
		 * spinning that long instead of sleeping tripled its rate, and the loop backs
		 * off where spins gain nothing (docs/architecture.md, Busy polling) */
		.busy_poll_us = 50,
	},
	.ping = { .count = 0, .size = 56, .interval_s = 1.0, .timeout_s = 10.0 },
	.nc = { .linger_s = 1.0 },
};

void app_error(const char *fmt, ...)
{
	va_list ap;

	fputs(APP_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The usage text, one block per subcommand and the blocks they share: `ustack --help`
 * prints them all, `ustack SUB --help` its own block and the shared ones. */
static const char usage_serve[] =
"usage: ustack serve DEV... [--serve SVC]... [--forward] [OPTIONS]\n"
"  A host that answers ARP and ping and runs the --serve services until SIGINT or\n"
"  SIGTERM; once they listen it prints one line per address and service, like\n"
"  'ustack: serving http on 10.0.0.2:80/tcp (ustap0)'.\n"
"  --serve SVC          a service (repeatable): echo[:7] discard[:9] chat[:23]\n"
"                       http[:80][,root=DIR][,cache=FILES][,cache-bytes=BYTES]\n"
"                       [,cache-file=BYTES][,cache-check=MS] udp-echo[:7] sink[:5001];\n"
"                       http keeps files up to cache-file [64k] in memory, at most\n"
"                       cache=FILES [256, 0 = none] and cache-bytes [16m] of them, each\n"
"                       checked again after cache-check [1000] ms\n"
"  --forward            route IPv4 between the devices\n"
" Limits (defaults in brackets; BYTES may end in k or m):\n"
"  --max-conn N         connections held at once; past it a new one takes the slot of\n"
"                       the HTTP connection waiting longest for its head, or waits in\n"
"                       the backlog [1024]\n"
"  --reclaim-after MS   at --max-conn, only a head wait this old gives up its slot [0]\n"
"  --backlog N          pending connections per listener [128]\n"
"  --conn-buf BYTES     output queued per connection before it is throttled [256k]\n"
"  --idle-timeout SECS  close connections silent this long, 0 = never [0]\n"
"  --max-conn-per-source N  connections one address may hold; a new one past it is\n"
"                       reset, 0 = no limit [0]\n"
"  --http-max-header BYTES  largest HTTP request head [8k]\n"
"  --http-header-timeout SECS  a request head must arrive whole within this time of\n"
"                       the server waiting for it (also between requests, from when\n"
"                       the response has left the queue); else 408 and close,\n"
"                       0 = never [20]\n"
"  --chat-max-line BYTES    longest chat line [1k]\n"
"  --chat-idle-timeout SECS  close chat users who sent nothing this long, 0 = never [600]\n"
"  --echo-idle-timeout SECS  close echo clients who sent nothing this long, 0 = never [300]\n"
"  (the shorter of --idle-timeout and a service's own idle limit applies)\n"
"  --dev tap:...,queues=N  N stacks, one per queue of a multi-queue TAP, each with its\n"
"                       own loop and serving thread and the same address, MAC and\n"
"                       services; the kernel picks the queue per flow (one --dev only)\n"
"  --api NAME           also serve programs started with ustack run --attach NAME\n"
"                       (the preload API socket /run/ustack/NAME.api; docs/preload.md)\n";

static const char usage_nc[] =
"usage: ustack nc DEV... [-u] [-v] [-6] [-q SECS] [-w SECS] [--timeout SECS] HOST PORT\n"
"       ustack nc DEV... -z [-v] [-6] [-w SECS] HOST PORT[-PORT]...\n"
"       ustack nc DEV... [-u] [-v] [-6] [-k] [-q SECS] -l PORT\n"
"  Standard input to the peer, the peer to standard output. With -l it accepts one\n"
"  TCP connection, or takes UDP datagrams and answers the last sender. HOST is a name,\n"
"  an IPv4 address or an IPv6 one (2001:db8::1).\n"
"  -u                 UDP instead of TCP\n"
"  -l                 listen on PORT (IPv4 and IPv6) instead of connecting\n"
"  -6                 IPv6 only: a name's AAAA address; -l: IPv6 only\n"
"  -k                 with -l: serve one client after another\n"
"  -q SECS            linger after stdin EOF in UDP mode, <0 = forever\n"
"                     [1 for a client; forever for a listener]\n"
"  -v                 connection messages on stderr, as OpenBSD nc (--verbose: the log)\n"
"  -z                 scan: connect to each PORT or range (20-25) and close; exit 0 if\n"
"                     any was open\n"
"  -w SECS            connect limit and idle limit of a connection [none]\n"
"  --timeout SECS     the TCP connect limit without -w [30]\n";

static const char usage_ping[] =
"usage: ustack ping DEV... [-c N] [-s SIZE] [-i SECS] [-W SECS] [-w SECS] [-q] [-f]\n"
"                   [-t TTL] [-I DEV|ADDR] [-D] [-6] HOST\n"
"  ICMP echo requests to HOST (ICMPv6 echo to an IPv6 address): one line per reply and\n"
"  a summary, as ping(8) prints;\n"
"  'Destination Host Unreachable' per request when the neighbour does not answer ARP.\n"
"  -c N               requests to send [until interrupted]\n"
"  -s SIZE            payload bytes [56]\n"
"  -i SECS            interval between requests [1]\n"
"  -W SECS            wait for replies after the last request [10]\n"
"  -w SECS            stop after this long (with -c: once N replies came)\n"
"  -q                 the summary only\n"
"  -t TTL             time to live [64]\n"
"  -f                 flood: a dot per request, a backspace per reply; as fast as\n"
"                     replies come unless -i\n"
"  -I DEV|ADDR        send through that device or from that address\n"
"  -D                 [epoch.usec] before each line\n"
"  -6                 a name's IPv6 (AAAA) address only\n"
"  Exit 0 if any reply came (with -w and -c: N replies), 1 if none.\n";

static const char usage_get[] =
"usage: ustack get DEV... [-o FILE | -O] [-L] [-I | -i] [-s] [-6] [--timeout SECS] URL\n"
"  HTTP/1.1 GET of an http:// URL (its host a name, an IPv4 address or an IPv6 one in\n"
"  brackets, http://[2001:db8::2]:8080/); the body\n"
"  goes to standard output. A progress bar (size, rate, time left) goes to\n"
"  standard error when that is a terminal and the body goes elsewhere.\n"
"  -o FILE            write the body to FILE ('-': standard output)\n"
"  -O                 write it to the file the URL's last path part names\n"
"  -L                 follow redirects (301, 302, 303, 307, 308), relative ones too\n"
"  --max-redirs N     -L follows at most N redirects [10]\n"
"  -I                 send HEAD and print the response head, no body\n"
"  -i                 print the response head before the body\n"
"  -s                 no progress bar\n"
"  -6                 a name's IPv6 (AAAA) address only\n"
"  --timeout SECS     the limit for the connect and for a stalled transfer [30]\n"
"  Exit codes (curl's): 0 the body of a 2xx response (or of a redirect not followed:\n"
"  stderr names its Location), 1 a redirect to another scheme, 6 the host name does\n"
"  not resolve, 7 refused or unreachable, 8 not an HTTP response, 18 the body cut\n"
"  short, 22 an error status (400 or above), 23 the output cannot be written,\n"
"  28 timeout, 47 more redirects than --max-redirs, 52 no reply at all, 56 the\n"
"  connection reset while receiving.\n";

static const char usage_run[] =
"usage: ustack run [DEV...] [OPTIONS] [--] PROGRAM [ARGS...]\n"
"       ustack run --attach NAME [--] PROGRAM [ARGS...]\n"
"  Runs an unmodified, dynamically linked PROGRAM with its IPv4 and IPv6 sockets on\n"
"  ustack, through the preload library (LD_PRELOAD=libustack-preload.so and\n"
"  USTACK_PRELOAD=attach=NAME in its environment; docs/preload.md): this process is the\n"
"  stack's host, the program and every process it starts share the stack; files,\n"
"  pipes, AF_UNIX and netlink stay the kernel's, raw sockets fail with EPROTONOSUPPORT.\n"
"  Without DEV the stack has its loopback only. Exits with the program's status\n"
"  (128+N for signal N) once the program and every process that used the stack are\n"
"  gone; if the stack cannot start, the program does not run.\n"
"  --attach NAME      put the program on the stack of a running 'ustack serve --api\n"
"                     NAME' instead (no DEV or stack options then)\n"
"  Without the wrapper: LD_PRELOAD=libustack-preload.so USTACK_PRELOAD='[DEV...]\n"
"  [OPTIONS]' PROGRAM [ARGS...] starts a stack for PROGRAM and what it starts (the\n"
"  library runs 'ustack run --preload-host PID,FD OPTIONS', which hosts the stack\n"
"  until process PID and every process using the stack are gone).\n";

static const char usage_ctl[] =
"usage: ustack ctl NAME REQUEST    ask a running serve or nc -l (ustack ctl --help)\n";

static const char usage_dev[] =
"DEV (at least one; repeat --dev for more devices, each name once):\n"
"  --dev tap:NAME[,addr=A.B.C.D/N|dhcp][,addr6=ADDR/LEN][,host=H/N][,host6=ADDR/LEN][,bridge=BR][,mac=MAC][,mtu=N][,offload=on|off][,queues=N]\n"
"  --dev tun:NAME,addr=A.B.C.D/N[,addr6=ADDR/LEN][,host=H][,host6=ADDR/LEN][,mtu=N][,offload=on|off]\n"
"  --dev packet:IFNAME[,addr=A.B.C.D/N|dhcp][,addr6=ADDR/LEN][,mac=MAC][,offload=on|off][,ring=N]\n"
"  --gw GATEWAY[,dev=NAME]      default route (IPv4 or IPv6; a link-local IPv6 gateway\n"
"                               needs dev=; once per family)\n"
"  --route PREFIX/N,via=GW[,dev=NAME]  static route, IPv4 or IPv6 (repeatable)\n";

static const char usage_common[] =
"Options for every subcommand (after its name: ustack serve --trace ...):\n"
"  --pcap FILE        capture every device's traffic, nanosecond timestamps (FILE-DEV.ext\n"
"                     for devices after the first); FILE.pcapng: one pcapng file for all\n"
"                     devices, each named in its interface block\n"
"  --trace [FILTER]   one timestamped, decoded line per packet (stdout for serve/ping,\n"
"                     stderr for nc/get); FILTER is a pcap-filter expression such as\n"
"                     'tcp port 80' (taken as FILTER when it starts with a pcap-filter\n"
"                     word or holds a space; --trace=FILTER always is)\n"
"  --trace-time abs|rel  trace stamps: wall clock HH:MM:SS.uuuuuu, or seconds since the\n"
"                     first traced packet [abs]\n"
"  --tcp-log FILE     one CSV line per TCP event (docs/tcp-log.md; ustack plot draws it)\n"
"  --tcp-log-max BYTES  the log stops, with a warning, at this size [64m]\n"
"  --impair loss=P,dup=P,reorder=P,delay=MS,corrupt=P,seed=N   seeded fault injection\n"
"  --stats            print the counters to stderr at exit (SIGUSR1 prints them any time)\n"
"  --rcvbuf BYTES     socket receive buffer; TCP's window grows to it [4m; UDP 208k]\n"
"  --sndbuf BYTES     socket send buffer, fixed [256k, grows to --tcp wmem_max]\n"
"  --drain SECS       when the command ends (not on a signal), wait this long at most for\n"
"                     closed TCP connections to deliver their last data and FIN, and\n"
"                     for TIME_WAIT to answer a repeated FIN (1 s after the peer's last\n"
"                     segment, or two RTOs; --tcp tw_drain_ms) [10]\n"
"  --busy-poll USEC   spin this long for frames before the loop sleeps (0: never); lowers\n"
"                     latency when peers run on other CPUs, costs CPU while it spins;\n"
"                     spins that catch nothing or are preempted back off [50]\n"
"  --tcp NAME=V[,..]  TCP settings, e.g. syncookies=0|1|2, syn_backlog_max=N,\n"
"                     abort_on_overflow=1, rst_per_s=N; --tcp help lists them all\n"
"  --cc NAME          TCP congestion control: cubic (RFC 9438), newreno, or bbr\n"
"                     (BBR v1, paced) [cubic]\n"
"  --dhcp NAME=V[,..] addr=dhcp: the ARP probe of a new lease's address (RFC 5227) and\n"
"                     the wait after declining one in use, e.g. probe_num=0 (no probe),\n"
"                     decline_wait_ms=N; --dhcp help lists them [the RFCs': the probe\n"
"                     takes 4-7 s, a declined address 10 s more]\n"
"  --nd NAME=V[,..]   IPv6 router discovery and duplicate address detection, e.g.\n"
"                     accept_ra=0, dad_transmits=0; --nd help lists them [RFC 4861's\n"
"                     and 4862's: 3 RSs 4 s apart, one DAD probe, 1 s]\n"
"  --dns ADDR         nc, ping, get: a name server for host names, IPv4 or IPv6\n"
"                     (fe80::1%N: N 2 for the first --dev; repeatable, at most 4,\n"
"                     tried in that order); names are looked up in /etc/hosts first,\n"
"                     with resolv.conf's search list [a DHCP lease's servers, then the\n"
"                     RAs' (RDNSS); else the nameserver lines of /etc/resolv.conf]\n"
"  --name NAME        serve, nc -l, run: the control socket /run/ustack/NAME.sock for\n"
"                     ustack ctl NAME [first device's name; run: run-PID]\n"
"  -v, --verbose      debug log on stderr (nc: -v is nc's own; --verbose is the log)\n"
"  -h, --help         this subcommand's usage (ustack --help: every subcommand's)\n"
"  -V, --version      print the version and exit (as the first argument)\n";

static const char usage_tail[] =
"Signals: SIGINT/SIGTERM stop cleanly (exit 0), SIGUSR1 prints the counters.\n"
"Exit codes: 0 success, 1 runtime failure, 2 usage error (get has curl's; see above).\n";

void app_usage(FILE *out)
{
	fputs(
"usage: ustack serve DEV... [--serve SVC]... [--forward] [OPTIONS]\n"
"       ustack nc    DEV... [-u] [-q SECS] HOST PORT   stdin to the peer, the peer to stdout\n"
"       ustack nc    DEV... [-u] [-q SECS] -l PORT     accept one connection (TCP) or\n"
"                                                      take datagrams (UDP), then as above\n"
"       ustack ping  DEV... [-c N] [-s SIZE] [-i SECS] [-W SECS] HOST\n"
"       ustack get   DEV... [-o FILE|-O] [-L] [-I|-i] URL   HTTP/1.1 GET, body to stdout\n"
"       ustack ctl   NAME REQUEST    ask a running serve or nc -l (ustack ctl --help)\n"
"       ustack run   [DEV...] [--attach NAME] [--] PROGRAM [ARGS...]   a program on ustack\n"
"       ustack plot  FILE.csv|FILE.pcap -o OUT.svg|OUT.png   TCP time-sequence graph\n"
"       ustack SUBCOMMAND --help     that subcommand's usage only\n", out);
	fprintf(out, "\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s", usage_serve, usage_nc, usage_ping,
		usage_get, usage_run, usage_dev, usage_common, usage_tail);
}

void app_usage_cmd(enum app_cmd cmd, FILE *out)
{
	const char *block;

	switch (cmd) {
	case CMD_SERVE: block = usage_serve; break;
	case CMD_NC: block = usage_nc; break;
	case CMD_PING: block = usage_ping; break;
	case CMD_GET: block = usage_get; break;
	case CMD_RUN: block = usage_run; break;
	case CMD_CTL: fputs(usage_ctl, out); return;
	default: app_usage(out); return;
	}
	fprintf(out, "%s\n%s\n%s\n%s", block, usage_dev, usage_common, usage_tail);
}

enum {
	OPT_DEV = 256, OPT_GW, OPT_ROUTE, OPT_IMPAIR, OPT_PCAP, OPT_TRACE, OPT_STATS,
	OPT_FORWARD, OPT_RCVBUF, OPT_SNDBUF, OPT_MAX_CONN, OPT_BACKLOG, OPT_CONN_BUF,
	OPT_IDLE, OPT_HTTP_HDR, OPT_CHAT_LINE, OPT_TIMEOUT, OPT_SERVE, OPT_DRAIN, OPT_BUSY_POLL,
	OPT_PER_SOURCE, OPT_HTTP_HDR_TIMEOUT, OPT_CHAT_IDLE, OPT_ECHO_IDLE, OPT_TCP,
	OPT_CC, OPT_RECLAIM_AFTER, OPT_NAME, OPT_TRACE_TIME, OPT_MAX_REDIRS,
	OPT_TCP_LOG, OPT_TCP_LOG_MAX,
	OPT_VERBOSE, OPT_DNS, OPT_DHCP, OPT_API, OPT_ATTACH, OPT_ND,
	OPT_PRELOAD_HOST,
};

static const struct option long_opts[] = {
	{ "dev", required_argument, NULL, OPT_DEV },
	{ "gw", required_argument, NULL, OPT_GW },
	{ "route", required_argument, NULL, OPT_ROUTE },
	{ "impair", required_argument, NULL, OPT_IMPAIR },
	{ "pcap", required_argument, NULL, OPT_PCAP },
	{ "trace", optional_argument, NULL, OPT_TRACE },
	{ "trace-time", required_argument, NULL, OPT_TRACE_TIME },
	{ "tcp-log", required_argument, NULL, OPT_TCP_LOG },
	{ "tcp-log-max", required_argument, NULL, OPT_TCP_LOG_MAX },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "forward", no_argument, NULL, OPT_FORWARD },
	{ "rcvbuf", required_argument, NULL, OPT_RCVBUF },
	{ "sndbuf", required_argument, NULL, OPT_SNDBUF },
	{ "max-conn", required_argument, NULL, OPT_MAX_CONN },
	{ "backlog", required_argument, NULL, OPT_BACKLOG },
	{ "conn-buf", required_argument, NULL, OPT_CONN_BUF },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE },
	{ "max-conn-per-source", required_argument, NULL, OPT_PER_SOURCE },
	{ "reclaim-after", required_argument, NULL, OPT_RECLAIM_AFTER },
	{ "http-max-header", required_argument, NULL, OPT_HTTP_HDR },
	{ "http-header-timeout", required_argument, NULL, OPT_HTTP_HDR_TIMEOUT },
	{ "chat-idle-timeout", required_argument, NULL, OPT_CHAT_IDLE },
	{ "echo-idle-timeout", required_argument, NULL, OPT_ECHO_IDLE },
	{ "chat-max-line", required_argument, NULL, OPT_CHAT_LINE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "serve", required_argument, NULL, OPT_SERVE },
	{ "drain", required_argument, NULL, OPT_DRAIN },
	{ "busy-poll", required_argument, NULL, OPT_BUSY_POLL },
	{ "tcp", required_argument, NULL, OPT_TCP },
	{ "cc", required_argument, NULL, OPT_CC },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "max-redirs", required_argument, NULL, OPT_MAX_REDIRS },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "dns", required_argument, NULL, OPT_DNS },
	{ "dhcp", required_argument, NULL, OPT_DHCP },
	{ "api", required_argument, NULL, OPT_API },
	{ "attach", required_argument, NULL, OPT_ATTACH },
	{ "preload-host", required_argument, NULL, OPT_PRELOAD_HOST },
	{ "nd", required_argument, NULL, OPT_ND },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Each subcommand's short options, for getopt (the leading ':' reports a missing value
 * apart): the same letter may mean different things to two subcommands (-i is ping's
 * interval and get's -i), as with the tools they imitate. */
static const char *const short_opts[] = {
	[CMD_SERVE] = ":vh",
	[CMD_NC] = ":ulq:kzw:v6h",
	[CMD_PING] = ":c:s:i:W:w:qt:fI:D6vh",
	[CMD_GET] = ":o:OLIisv6h",
	[CMD_RUN] = "+:vh",  /* '+': the program's own options are not ours */
};

/* The subcommand a long option belongs to, or CMD_NONE if every subcommand takes it. */
static enum app_cmd opt_owner(int opt)
{
	switch (opt) {
	case OPT_SERVE: case OPT_FORWARD: case OPT_MAX_CONN: case OPT_BACKLOG: case OPT_CONN_BUF:
	case OPT_IDLE: case OPT_HTTP_HDR: case OPT_CHAT_LINE: case OPT_PER_SOURCE:
	case OPT_HTTP_HDR_TIMEOUT: case OPT_CHAT_IDLE: case OPT_ECHO_IDLE: case OPT_RECLAIM_AFTER:
	case OPT_API:
		return CMD_SERVE;
	case OPT_ATTACH:
	case OPT_PRELOAD_HOST:
		return CMD_RUN;
	case OPT_MAX_REDIRS:
		return CMD_GET;
	default:
		return CMD_NONE;
	}
}

/* The one other subcommand that takes short option c, or CMD_NONE (none, or several). */
static enum app_cmd short_owner(int c)
{
	enum app_cmd owner = CMD_NONE;

	for (int i = CMD_SERVE; i <= CMD_GET; i++) {
		if (i == (int)app_cfg.cmd || !short_opts[i] || c == ':' || !strchr(short_opts[i], c))
			continue;
		if (owner != CMD_NONE)
			return CMD_NONE;
		owner = (enum app_cmd)i;
	}
	return owner;
}

/* get's short options: -o FILE, -O, -L, -I, -i, -s. */
static int parse_get_option(int opt, const char *arg)
{
	switch (opt) {
	case 'o':
		app_cfg.get.output = arg;
		return 0;
	case 'O':
		app_cfg.get.remote_name = 1;
		return 0;
	case 'L':
		app_cfg.get.follow = 1;
		return 0;
	case 'I':
		app_cfg.get.head = 1;
		return 0;
	case 'i':
		app_cfg.get.include = 1;
		return 0;
	case 's':
		app_cfg.get.silent = 1;
		return 0;
	}
	return -EINVAL;
}

static int parse_long(const char *opt, const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		app_error("%s '%s': give a whole number from %ld to %ld", opt, s, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_secs(const char *opt, const char *s, double min, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < min || v > 86400.0 * 365) {
		app_error("%s '%s': give a number of seconds (at least %g)", opt, s, min);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* "65536", "64k", "4m" into bytes. */
static int parse_bytes(const char *opt, const char *s, size_t min, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!errno && end != s && (*end == 'k' || *end == 'K') && !end[1])
		v *= 1024, end++;
	else if (!errno && end != s && (*end == 'm' || *end == 'M') && !end[1])
		v *= 1024 * 1024, end++;
	if (errno || end == s || *end || s[0] == '-' || v < min || v > (1ull << 30)) {
		app_error("%s '%s': give a size in bytes from %zu to 1g (k and m suffixes work)",
			  opt, s, min);
		return -EINVAL;
	}
	*out = (size_t)v;
	return 0;
}

/* --route PREFIX/N,via=GW[,dev=NAME], IPv4 or IPv6 */
static int parse_route(const char *s)
{
	char err[200];

	if (app_cfg.nroutes == APP_MAX_ROUTES) {
		app_error("--route: at most %d routes; use fewer, broader prefixes", APP_MAX_ROUTES);
		return -EINVAL;
	}
	if (app_route_parse(0, s, &app_cfg.routes[app_cfg.nroutes], err, sizeof(err))) {
		app_error("%s", err);
		return -EINVAL;
	}
	app_cfg.nroutes++;
	return 0;
}

/* --gw GATEWAY[,dev=NAME]: IPv4 into app_cfg.gateway, IPv6 as the route ::/0 */
static int parse_gw(const char *arg)
{
	struct app_route r;
	char err[200];

	if (app_route_parse(1, arg, &r, err, sizeof(err))) {
		app_error("%s", err);
		return -EINVAL;
	}
	if (!r.ipv6) {
		app_cfg.gateway = r.gateway;
		return 0;
	}
	for (int i = 0; i < app_cfg.nroutes; i++)
		if (app_cfg.routes[i].from_gw) {
			app_error("--gw '%s': an IPv6 default route was given already", arg);
			return -EINVAL;
		}
	if (app_cfg.nroutes == APP_MAX_ROUTES) {
		app_error("--gw: at most %d routes with --route", APP_MAX_ROUTES);
		return -EINVAL;
	}
	app_cfg.routes[app_cfg.nroutes++] = r;
	return 0;
}

/* --cc NAME: one of the stack's congestion controls (tcp_cc_list). */
/* --dns ADDR: one more name server for the resolver (IPv4 or IPv6), in the order given. */
static int parse_dns(const char *arg)
{
	static union dns_server servers[DNS_SERVERS_MAX];
	static int n;

	if (app_cfg.cmd == CMD_SERVE) {
		app_error("--dns: serve looks up no names; give it to nc, ping or get");
		return -EINVAL;
	}
	if (n == DNS_SERVERS_MAX) {
		app_error("--dns: at most %d name servers", DNS_SERVERS_MAX);
		return -EINVAL;
	}
	if (dns_server_parse(arg, &servers[n])) {
		app_error("--dns '%s': give the name server's IPv4 or IPv6 address, like 10.0.0.1 "
			  "or 2001:db8::53 (a link-local one as fe80::1%%N, N the stack's number "
			  "of the device: 1 is lo, 2 the first --dev)", arg);
		return -EINVAL;
	}
	n++;
	app_cfg.dns_given = 1;
	return dns_set_servers(servers, n);
}

static int parse_cc(const char *arg)
{
	char names[128] = "";
	const struct tcp_cc_ops *cc;

	if (tcp_cc_find(arg)) {
		app_cfg.cc_name = arg;
		return 0;
	}
	for (unsigned i = 0; (cc = tcp_cc_list(i)); i++) {
		size_t n = strlen(names);
		snprintf(names + n, sizeof(names) - n, "%s%s", i ? ", " : "", cc->name);
	}
	app_error("--cc '%s': unknown congestion control; give one of %s", arg, names);
	return -EINVAL;
}

/* Whether the word after a bare --trace is its filter rather than an argument of the
 * subcommand (a HOST, a URL): it is when it holds a space or starts with a word or
 * character only a pcap-filter expression starts with. */
static int trace_filter_word(const char *w)
{
	static const char *const starts[] = {
		"ether", "ip", "ip6", "arp", "rarp", "tcp", "udp", "icmp", "icmp6", "igmp", "sctp",
		"host", "net", "port", "portrange", "src", "dst", "gateway", "proto", "less",
		"greater", "broadcast", "multicast", "vlan", "mpls", "not", "inbound", "outbound",
		"len", "link",
	};
	size_t n = strcspn(w, " \t(");

	if (w[0] == '-' || !w[0])
		return 0;
	if (w[0] == '(' || w[0] == '!' || w[n] == ' ' || w[n] == '\t')
		return 1;
	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
		if (strlen(starts[i]) == n && !strncmp(w, starts[i], n))
			return 1;
	return 0;
}

static int parse_option(int opt, const char *arg)
{
	char err[160] = "";
	long n;

	if (app_cfg.cmd == CMD_GET && opt != 'v' && opt < 256)
		return parse_get_option(opt, arg);
	switch (opt) {
	case OPT_DEV:
		if (app_cfg.ndevs == APP_MAX_DEVS) {
			app_error("--dev: at most %d devices", APP_MAX_DEVS);
			return -EINVAL;
		}
		if (dev_opts_parse(arg, &app_cfg.devs[app_cfg.ndevs], err, sizeof(err))) {
			/* The parser's message names the option itself. */
			app_error("%s", err[0] ? err : "--dev: bad device");
			return -EINVAL;
		}
		app_cfg.ndevs++;
		return 0;
	case OPT_GW:
		return parse_gw(arg);
	case OPT_ROUTE:
		return parse_route(arg);
	case OPT_IMPAIR:
		if (net_impair_parse(arg, &app_cfg.impair, err, sizeof(err))) {
			if (!strncmp(err, "--impair", 8))
				app_error("%s", err);
			else
				app_error("--impair '%s': %s", arg, err[0] ? err : "bad impairment");
			return -EINVAL;
		}
		app_cfg.impair_set = 1;
		return 0;
	case OPT_PCAP:
		app_cfg.pcap_path = arg;
		return 0;
	case OPT_TCP_LOG:
		app_cfg.tcp_log_path = arg;
		return 0;
	case OPT_TCP_LOG_MAX:
		return parse_bytes("--tcp-log-max", arg, 4096, &app_cfg.tcp_log_max);
	case OPT_TRACE:
		app_cfg.trace = 1;
		if (arg && net_trace_filter_check(arg, err, sizeof(err)) < 0) {
			app_error("--trace '%s': %s", arg, err);
			return -EINVAL;
		}
		app_cfg.trace_filter = arg;
		return 0;
	case OPT_TRACE_TIME:
		if (!strcmp(arg, "abs") || !strcmp(arg, "rel")) {
			app_cfg.trace_time = arg[0] == 'r' ? NET_TRACE_TIME_REL : NET_TRACE_TIME_ABS;
			return 0;
		}
		app_error("--trace-time '%s': give abs (wall clock) or rel (since the first "
			  "traced packet)", arg);
		return -EINVAL;
	case OPT_STATS:
		app_cfg.stats = 1;
		return 0;
	case OPT_FORWARD:
		app_cfg.forward = 1;
		return 0;
	case OPT_VERBOSE:
		app_cfg.verbose = 1;
		return 0;
	case OPT_DNS:
		return parse_dns(arg);
	case 'v':
		if (app_cfg.cmd == CMD_NC)
			app_cfg.nc.verbose = 1; /* OpenBSD nc's -v; --verbose is the debug log */
		else
			app_cfg.verbose = 1;
		return 0;
	case OPT_RCVBUF:
		return parse_bytes("--rcvbuf", arg, 1024, &app_cfg.lim.rcvbuf);
	case OPT_SNDBUF:
		return parse_bytes("--sndbuf", arg, 1024, &app_cfg.lim.sndbuf);
	case OPT_MAX_CONN:
		if (parse_long("--max-conn", arg, 1, 1000000, &n))
			return -EINVAL;
		app_cfg.lim.max_conn = (int)n;
		return 0;
	case OPT_BACKLOG:
		if (parse_long("--backlog", arg, 1, 65535, &n))
			return -EINVAL;
		app_cfg.lim.backlog = (int)n;
		return 0;
	case OPT_CONN_BUF:
		return parse_bytes("--conn-buf", arg, 4096, &app_cfg.lim.conn_buf);
	case OPT_IDLE:
		if (parse_long("--idle-timeout", arg, 0, 86400 * 7, &n))
			return -EINVAL;
		app_cfg.lim.idle_timeout_s = (unsigned)n;
		return 0;
	case OPT_PER_SOURCE:
		if (parse_long("--max-conn-per-source", arg, 0, 1000000, &n))
			return -EINVAL;
		app_cfg.lim.max_conn_per_source = (int)n;
		return 0;
	case OPT_RECLAIM_AFTER:
		if (parse_long("--reclaim-after", arg, 0, 3600 * 1000, &n))
			return -EINVAL;
		app_cfg.lim.reclaim_after_ms = (unsigned)n;
		return 0;
	case OPT_HTTP_HDR_TIMEOUT:
		if (parse_long("--http-header-timeout", arg, 0, 86400, &n))
			return -EINVAL;
		app_cfg.lim.http_header_timeout_s = (unsigned)n;
		return 0;
	case OPT_CHAT_IDLE:
		if (parse_long("--chat-idle-timeout", arg, 0, 86400 * 7, &n))
			return -EINVAL;
		app_cfg.lim.chat_idle_s = (unsigned)n;
		return 0;
	case OPT_ECHO_IDLE:
		if (parse_long("--echo-idle-timeout", arg, 0, 86400 * 7, &n))
			return -EINVAL;
		app_cfg.lim.echo_idle_s = (unsigned)n;
		return 0;
	case OPT_HTTP_HDR:
		return parse_bytes("--http-max-header", arg, 256, &app_cfg.lim.http_max_header);
	case OPT_CHAT_LINE:
		return parse_bytes("--chat-max-line", arg, 16, &app_cfg.lim.chat_max_line);
	case OPT_TIMEOUT:
		if (parse_long("--timeout", arg, 1, 86400, &n))
			return -EINVAL;
		app_cfg.lim.timeout_s = (unsigned)n;
		return 0;
	case OPT_BUSY_POLL:
		if (parse_long("--busy-poll", arg, 0, 1000000, &n))
			return -EINVAL;
		app_cfg.lim.busy_poll_us = (unsigned)n;
		return 0;
	case OPT_TCP: {
		char bad[64];
		int rc;
		if (!strcmp(arg, "help")) {
			fputs("--tcp settings (current values):\n", stdout);
			tcp_config_list(stdout);
			exit(0);
		}
		rc = tcp_config_parse(arg, bad, sizeof(bad));
		if (rc == -ENOENT) {
			app_error("--tcp '%s': no such setting (--tcp help lists them)", bad);
			return -EINVAL;
		}
		if (rc) {
			app_error("--tcp '%s': give NAME=NUMBER within the range --tcp help shows", bad);
			return -EINVAL;
		}
		return 0;
	}
	case OPT_DHCP: {
		char bad[64];
		int rc;
		if (!strcmp(arg, "help")) {
			fputs("--dhcp settings for addr=dhcp (current values):\n", stdout);
			dhcpc_config_list(stdout);
			exit(0);
		}
		rc = dhcpc_config_parse(arg, bad, sizeof(bad));
		if (rc == -ENOENT) {
			app_error("--dhcp '%s': no such setting (--dhcp help lists them)", bad);
			return -EINVAL;
		}
		if (rc) {
			app_error("--dhcp '%s': give NAME=NUMBER within the range --dhcp help shows "
				  "(probe_max_ms at least probe_min_ms)", bad);
			return -EINVAL;
		}
		return 0;
	}
	case OPT_ND: {
		char bad[64];
		int rc;
		if (!strcmp(arg, "help")) {
			fputs("--nd settings for IPv6 neighbour and router discovery (current "
			      "values):\n", stdout);
			nd_config_list(stdout);
			exit(0);
		}
		rc = nd_config_parse(arg, bad, sizeof(bad));
		if (rc == -ENOENT) {
			app_error("--nd '%s': no such setting (--nd help lists them)", bad);
			return -EINVAL;
		}
		if (rc) {
			app_error("--nd '%s': give NAME=NUMBER within the range --nd help shows", bad);
			return -EINVAL;
		}
		return 0;
	}
	case OPT_MAX_REDIRS:
		if (parse_long("--max-redirs", arg, 0, 1000, &n))
			return -EINVAL;
		app_cfg.get.max_redirs = (int)n;
		return 0;
	case OPT_DRAIN:
		if (parse_long("--drain", arg, 0, 3600, &n))
			return -EINVAL;
		app_cfg.lim.drain_s = (unsigned)n;
		return 0;
	case OPT_CC:
		return parse_cc(arg);
	case OPT_NAME:
		if (!ctl_name_valid(arg)) {
			app_error("--name '%s': give 1 to %d letters, digits, '.', '_' or '-'", arg,
				  CTL_NAME_MAX);
			return -EINVAL;
		}
		app_cfg.ctl_name = arg;
		return 0;
	case OPT_API:
	case OPT_ATTACH:
		if (!ctl_name_valid(arg)) {
			app_error("%s '%s': give 1 to %d letters, digits, '.', '_' or '-'",
				  opt == OPT_API ? "--api" : "--attach", arg, CTL_NAME_MAX);
			return -EINVAL;
		}
		if (opt == OPT_API)
			app_cfg.api_name = arg;
		else
			app_cfg.attach = arg;
		return 0;
	case OPT_PRELOAD_HOST: {
		char *end;
		long pid = strtol(arg, &end, 10), fd = -1;

		if (*end == ',')
			fd = strtol(end + 1, &end, 10);
		if (*end || pid <= 0 || pid > INT_MAX || fd < 0 || fd > INT_MAX) {
			app_error("--preload-host '%s': give PID,FD (the preload library does)", arg);
			return -EINVAL;
		}
		app_cfg.host_pid = (int)pid;
		app_cfg.host_ready_fd = (int)fd;
		return 0;
	}
	case OPT_SERVE:
		if (app_cfg.nservices == APP_MAX_SERVICES) {
			app_error("--serve: at most %d services", APP_MAX_SERVICES);
			return -EINVAL;
		}
		app_cfg.services[app_cfg.nservices++].spec = arg;
		return 0;
	case 'c':
		return parse_long("-c", arg, 1, LONG_MAX, &app_cfg.ping.count);
	case 's':
		if (parse_long("-s", arg, 0, 65507 - 8, &n))
			return -EINVAL;
		app_cfg.ping.size = (size_t)n;
		return 0;
	case 'i':
		app_cfg.ping.interval_set = 1;
		return parse_secs("-i", arg, 0.0, &app_cfg.ping.interval_s);
	case 'W':
		return parse_secs("-W", arg, 0.0, &app_cfg.ping.timeout_s);
	case 't':
		if (parse_long("-t", arg, 1, 255, &n))
			return -EINVAL;
		app_cfg.ping.ttl = (int)n;
		return 0;
	case 'f':
		app_cfg.ping.flood = 1;
		return 0;
	case 'I':
		app_cfg.ping.iface = arg;
		return 0;
	case 'D':
		app_cfg.ping.timestamps = 1;
		return 0;
	case 'u':
		app_cfg.nc.udp = 1;
		return 0;
	case '6':
		if (app_cfg.cmd == CMD_GET)
			app_cfg.get.ipv6 = 1;
		else if (app_cfg.cmd == CMD_PING)
			app_cfg.ping.ipv6 = 1;
		else
			app_cfg.nc.ipv6 = 1;
		return 0;
	case 'l':
		app_cfg.nc.listen = 1;
		return 0;
	case 'k':
		app_cfg.nc.keep = 1;
		return 0;
	case 'z':
		app_cfg.nc.scan = 1;
		return 0;
	case 'w':
		if (app_cfg.cmd == CMD_PING)
			return parse_secs("-w", arg, 0.001, &app_cfg.ping.deadline_s);
		if (parse_long("-w", arg, 1, 86400, &n))
			return -EINVAL;
		app_cfg.nc.wait_s = (unsigned)n;
		return 0;
	case 'q': {
		if (app_cfg.cmd == CMD_PING) {
			app_cfg.ping.quiet = 1;
			return 0;
		}
		char *end;
		errno = 0;
		app_cfg.nc.linger_s = strtod(arg, &end);
		if (errno || end == arg || *end || !isfinite(app_cfg.nc.linger_s)) {
			app_error("-q '%s': give seconds to wait after stdin ends (<0: forever)", arg);
			return -EINVAL;
		}
		app_cfg.nc.linger_set = 1;
		return 0;
	}
	}
	return -EINVAL;
}

/* get's URL, and where its output goes. */
static int check_get(const char *url)
{
	struct get_opts *g = &app_cfg.get;
	struct url u;
	int err = url_parse(url, &u);

	if (err == -EPROTONOSUPPORT) {
		app_error("get: '%s': give an http:// URL (no other scheme is supported)", url);
		return -EINVAL;
	}
	if (err == -ENAMETOOLONG) {
		app_error("get: the URL is too long (at most %d bytes, host %d)", URL_MAX - 1,
			  URL_HOST_MAX - 1);
		return -EINVAL;
	}
	if (err) {
		app_error("get: '%s': give a URL like http://10.0.0.1[:PORT]/PATH", url);
		return -EINVAL;
	}
	if (g->output && g->remote_name) {
		app_error("get: -o and -O both name the output: give one");
		return -EINVAL;
	}
	if (g->remote_name) {
		if (url_remote_name(url, g->remote, sizeof(g->remote))) {
			app_error("get -O: '%s' names no file (its path ends in '/'): give -o FILE",
				  url);
			return -EINVAL;
		}
		g->output = g->remote;
	}
	if (g->output && !strcmp(g->output, "-"))
		g->output = NULL;
	return 0;
}

/* Checks the positional arguments and the options' combinations for the subcommand. */
static int check_command(void)
{
	int dup;

	if (app_cfg.cmd == CMD_RUN && app_cfg.host_pid) {
		if (app_cfg.nargs) {
			app_error("run: USTACK_PRELOAD: '%s' is not an option: give only ustack run's "
				  "options there (the program is the one started with the library)",
				  app_cfg.args[0]);
			return -EINVAL;
		}
		if (app_cfg.attach) {
			app_error("run: USTACK_PRELOAD: --attach NAME is written attach=NAME there");
			return -EINVAL;
		}
	} else if (app_cfg.cmd == CMD_RUN) {
		if (!app_cfg.nargs) {
			app_error("run: give the PROGRAM to run, like 'ustack run --dev ... -- curl "
				  "http://10.0.0.1/'");
			return -EINVAL;
		}
		if (app_cfg.attach && app_cfg.ndevs) {
			app_error("run: --attach puts the program on a running stack, whose devices "
				  "are its own: drop --dev");
			return -EINVAL;
		}
	} else if (!app_cfg.ndevs) {
		app_error("--dev is required: add --dev tap:NAME,addr=A.B.C.D/N");
		return -EINVAL;
	}
	dup = app_dev_dup(app_cfg.devs, app_cfg.ndevs);
	if (dup >= 0) {
		app_error("--dev: '%s' is given twice: name each device once", app_cfg.devs[dup].ifname);
		return -EINVAL;
	}
	switch (app_cfg.cmd) {
	case CMD_SERVE:
		if (app_cfg.nargs) {
			app_error("serve: unexpected argument '%s': services are given with --serve SVC",
				  app_cfg.args[0]);
			return -EINVAL;
		}
		return serve_parse_specs() < 0 ? -EINVAL : serve_mq_check();
	case CMD_PING:
		if (app_cfg.nargs != 1) {
			app_error("ping: give one HOST to ping, like 'ustack ping --dev ... 10.0.0.1'");
			return -EINVAL;
		}
		return 0;
	case CMD_NC:
		if (app_cfg.nc.scan && (app_cfg.nc.listen || app_cfg.nc.udp)) {
			app_error("nc: -z scans TCP ports as a client: drop %s",
				  app_cfg.nc.listen ? "-l" : "-u");
			return -EINVAL;
		}
		if (app_cfg.nc.scan ? app_cfg.nargs < 2
		    : app_cfg.nc.listen ? app_cfg.nargs != 1 : app_cfg.nargs != 2) {
			app_error("nc: give HOST PORT to connect, -z HOST PORT[-PORT]... to scan, or "
				  "-l PORT to listen");
			return -EINVAL;
		}
		if (app_cfg.nc.keep && !app_cfg.nc.listen) {
			app_error("nc: -k keeps a listener listening: add -l");
			return -EINVAL;
		}
		if (app_cfg.ctl_name && !app_cfg.nc.listen) {
			app_error("nc: --name names the control socket of a listener: add -l");
			return -EINVAL;
		}
		if (!app_cfg.nc.linger_set && app_cfg.nc.listen)
			app_cfg.nc.linger_s = -1; /* a listener stays until stopped */
		return 0;
	case CMD_RUN:
		return 0;
	case CMD_GET:
		if (app_cfg.nargs != 1) {
			app_error("get: give one URL, like http://10.0.0.1/index.html");
			return -EINVAL;
		}
		return check_get(app_cfg.args[0]);
	default:
		return -EINVAL;
	}
}

/* "-c" or "--max-conn" for messages. */
static const char *opt_label(int opt, char *buf, size_t size)
{
	for (const struct option *o = long_opts; o->name; o++)
		if (o->val == opt && opt >= 256) {
			snprintf(buf, size, "--%s", o->name);
			return buf;
		}
	snprintf(buf, size, "-%c", opt);
	return buf;
}

int app_parse_args(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	/* getopt_long over argv[1..] so that the subcommand plays the role of argv[0]. */
	char **av = argv + 1;
	int ac = argc - 1;
	char label[32], hint[160];
	int opt;

	if (!sub) {
		app_error("no subcommand: use serve, nc, ping, get, run, ctl or plot (ustack --help shows all)");
		return -EINVAL;
	}
	if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
		app_usage(stdout);
		return 1;
	}
	if (!strcmp(sub, "-V") || !strcmp(sub, "--version")) {
		printf(APP_NAME " %s\n", USTACK_VERSION);
		return 1;
	}
	if (app_misplaced_options(argc, argv, hint, sizeof(hint)) != CMD_NONE) {
		app_error("options go after the subcommand: %s", hint);
		return -EINVAL;
	}
	app_cfg.cmd = app_cmd_lookup(sub);
	if (app_cfg.cmd == CMD_NONE || app_cfg.cmd == CMD_CTL) { /* main.c runs ctl itself */
		app_error("unknown subcommand '%s': use serve, nc, ping, get, run, ctl or plot", sub);
		return -EINVAL;
	}
	app_cfg.get.max_redirs = GET_MAX_REDIRS;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(ac, av, short_opts[app_cfg.cmd], long_opts, NULL)) != -1) {
		enum app_cmd owner;

		if (opt == 'h') {
			app_usage_cmd(app_cfg.cmd, stdout);
			return 1;
		}
		if (opt == '?' && optopt && (owner = short_owner(optopt)) != CMD_NONE) {
			app_error("%s: option '-%c' belongs to 'ustack %s'", sub, optopt,
				  app_cmd_name(owner));
			return -EINVAL;
		}
		if (opt == '?') {
			if (optopt)
				app_error("%s: unknown option '-%c' (ustack %s --help lists them)", sub,
					  optopt, sub);
			else
				app_error("%s: unknown option '%s' (ustack %s --help lists them)", sub,
					  av[optind - 1], sub);
			return -EINVAL;
		}
		if (opt == ':') {
			app_error("%s: option '%s' needs a value (ustack %s --help shows its form)",
				  sub, optopt ? opt_label(optopt, label, sizeof(label)) :
				  av[optind - 1], sub);
			return -EINVAL;
		}
		owner = opt_owner(opt);
		if (opt == OPT_TIMEOUT && (app_cfg.cmd == CMD_NC || app_cfg.cmd == CMD_GET))
			owner = app_cfg.cmd; /* the connect limit of both clients */
		else if (opt == OPT_TIMEOUT)
			owner = CMD_GET;
		else if (opt == OPT_NAME && app_cfg.cmd != CMD_NC && app_cfg.cmd != CMD_RUN)
			owner = CMD_SERVE; /* the long-running ones: serve, nc -l and run */
		if (owner != CMD_NONE && owner != app_cfg.cmd) {
			app_error("%s: option '%s' belongs to 'ustack %s'", sub,
				  opt_label(opt, label, sizeof(label)), app_cmd_name(owner));
			return -EINVAL;
		}
		if (opt == OPT_TRACE && !optarg && optind < ac && trace_filter_word(av[optind]))
			optarg = av[optind++]; /* --trace 'tcp port 80' */
		if (parse_option(opt, optarg))
			return -EINVAL;
	}
	app_cfg.args = av + optind;
	app_cfg.nargs = ac - optind;
	return check_command();
}
