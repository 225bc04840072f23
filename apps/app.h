/* SPDX-License-Identifier: MIT */
/* What the `ustack` subcommands share: the parsed command line, every limit a user may want
 * to change (in one place, with its default and its option), and small helpers for waiting
 * on sockets that stay responsive to SIGINT/SIGTERM.
 *
 * Threads: main.c runs the stack's loop in its own thread and a signal thread; the
 * subcommand runs in the main thread on the blocking socket API. Every wait goes through
 * app_wait(), which sleeps in us_poll() for at most APP_TICK_MS at a time so that a stop
 * request (app_stopping()) is seen promptly without signals interrupting socket calls
 * (nc's session waits in a kernel poll() over stdin and a readiness set, in the same
 * slices). */
#ifndef APPS_APP_H
#define APPS_APP_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "driver/driver.h"
#include "net/wrap.h"

#define APP_NAME "ustack"
#define APP_TICK_MS 200        /* longest sleep before looking at the stop flag */
#define APP_MAX_DEVS 8
#define APP_DHCP_WAIT_S 30      /* addr=dhcp: how long the command waits for a lease */
#define APP_DAD_WAIT_MS 5000    /* nc, get, ping, run: the longest wait for addr6=/SLAAC
                                 * addresses' duplicate address detection */
#define APP_HOST_DEV_WAIT_MS 2000 /* run --preload-host: how long a device in use is waited for */
#define APP_MAX_ROUTES 32
#define APP_MAX_SERVICES 16

/* Exit codes of the command-line contract. */
#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

/* Every limit and default, with the option that sets it (see the usage text). */
struct app_limits {
	int max_conn;             /* --max-conn: connections a server holds at once (1024) */
	int backlog;              /* --backlog: pending connections per listener (128) */
	size_t conn_buf;          /* --conn-buf: output bytes queued per connection (256 KiB) */
	size_t rcvbuf, sndbuf;    /* --rcvbuf/--sndbuf: socket buffers, 0 = the stack's default */
	unsigned idle_timeout_s;  /* --idle-timeout: close silent connections, 0 = never (0) */
	int max_conn_per_source;  /* --max-conn-per-source: held from one address, 0 = any (0) */
	unsigned reclaim_after_ms; /* --reclaim-after: at --max-conn, a head wait this old makes
	                            * room for a new connection (0: any wait) */
	size_t http_max_header;   /* --http-max-header: request head bytes (8 KiB) */
	unsigned http_header_timeout_s; /* --http-header-timeout: a whole head, 0 = never (20) */
	size_t chat_max_line;     /* --chat-max-line: longest chat line (1 KiB) */
	unsigned chat_idle_s;     /* --chat-idle-timeout: silent chat users, 0 = never (600) */
	unsigned echo_idle_s;     /* --echo-idle-timeout: silent echo clients, 0 = never (300) */
	unsigned timeout_s;       /* --timeout: nc's connect limit, get's connect and stall (30) */
	unsigned drain_s;         /* --drain: wait for closed TCP connections at exit (10) */
	unsigned busy_poll_us;    /* --busy-poll: spin before the loop sleeps, 0 = never (50) */
};

/* --route and --gw: IPv4 (network, netmask, gateway) or IPv6 (ipv6 set: network6/plen6
 * through gateway6), with the device dev= named ("" none). */
struct app_route {
	int ipv6;
	uint32_t network, netmask, gateway;
	struct in6_addr network6, gateway6;
	int plen6;
	int from_gw;              /* given as --gw (::/0) */
	char dev[16];
};

struct app_service_spec {
	const char *spec;         /* "http:8080,root=/srv" as given */
};

struct ping_opts {
	long count;               /* -c: 0 = until interrupted */
	size_t size;              /* -s: payload bytes (56) */
	int ipv6;                 /* -6: a name's IPv6 address */
	double interval_s;        /* -i (1) */
	double timeout_s;         /* -W: wait for the last reply (10) */
	int interval_set;         /* -i given (else -f sends as fast as replies come) */
	double deadline_s;        /* -w: stop after this long, 0 = no deadline */
	int quiet;                /* -q: the first line and the summary only */
	int ttl;                  /* -t: IP TTL of the requests, 0 = the stack's (64) */
	int flood;                /* -f: a dot per request, a backspace per reply */
	const char *iface;        /* -I: a device name (SO_BINDTODEVICE) or a source address */
	int timestamps;           /* -D: [epoch.microseconds] before each line */
};

struct nc_opts {
	int udp;                  /* -u */
	int listen;               /* -l */
	double linger_s;          /* -q: after stdin EOF in UDP mode; <0 = forever */
	int linger_set;
	int verbose;              /* -v: connection messages on stderr, as OpenBSD nc */
	int scan;                 /* -z: connect to each port and close; no data */
	int keep;                 /* -k: -l serves one client after another */
	unsigned wait_s;          /* -w: connect and idle limit, 0 = none */
	int ipv6;                 /* -6: IPv6 only */
};

/* `ustack get`'s options (apps/get.c has its exit codes). */
#define GET_MAX_REDIRS 10         /* -L follows at most this many redirects by default */

struct get_opts {
	const char *output;       /* -o FILE, or -O's name from the URL; NULL: stdout */
	int remote_name;          /* -O */
	int follow;               /* -L */
	int max_redirs;           /* --max-redirs (GET_MAX_REDIRS) */
	int head;                 /* -I: HEAD, print the response head */
	int include;              /* -i: the response head before the body */
	int silent;               /* -s: no progress bar */
	int ipv6;                 /* -6: a name's IPv6 address only */
	char remote[256];         /* -O's file name */
};

enum app_cmd { CMD_NONE, CMD_SERVE, CMD_NC, CMD_PING, CMD_GET, CMD_CTL, CMD_RUN };

struct app_config {
	enum app_cmd cmd;
	struct dev_opts devs[APP_MAX_DEVS];
	int ndevs;
	uint32_t gateway;         /* --gw with an IPv4 address, 0 if none */
	struct app_route routes[APP_MAX_ROUTES]; /* --route, and --gw with an IPv6 address */
	int nroutes;
	int forward;              /* --forward */
	const char *pcap_path;    /* --pcap */
	const char *tcp_log_path; /* --tcp-log */
	size_t tcp_log_max;       /* --tcp-log-max, 0 = the library's default (64 MiB) */
	int trace;                /* --trace */
	const char *trace_filter; /* --trace FILTER: a pcap-filter expression, NULL: every frame */
	enum net_trace_time trace_time; /* --trace-time abs|rel */
	int impair_set;
	struct net_impair impair; /* --impair */
	int stats;                /* --stats */
	int verbose;              /* -v */
	const char *cc_name;      /* --cc: TCP congestion control, NULL = the stack's (cubic) */
	const char *ctl_name;     /* --name: the control socket's name, NULL = the first device's */
	const char *api_name;     /* serve --api: the preload API socket's name, NULL = none */
	const char *attach;       /* run --attach: put the program on this running stack */
	int host_pid;             /* run --preload-host PID,FD: host the stack for process PID */
	int host_ready_fd;        /* ... and write the stack's name on FD once it runs */
	int dns_given;            /* --dns: a DHCP lease's name servers do not replace them */
	struct app_limits lim;
	struct app_service_spec services[APP_MAX_SERVICES];
	int nservices;
	struct ping_opts ping;
	struct nc_opts nc;
	struct get_opts get;
	char **args;              /* positional arguments after the options */
	int nargs;
};

extern struct app_config app_cfg;
/* The command's stack once created (main.c), for the calls that name one. */
extern struct ustack *app_stack;

/* Parses argv into app_cfg. Returns 0, 1 if --help was printed, or -EINVAL after printing
 * one line that says what is wrong and what to do. */
int app_parse_args(int argc, char **argv);
/* The overview of every subcommand (ustack --help). */
void app_usage(FILE *out);
/* One subcommand's usage with the options every subcommand shares (ustack SUB --help). */
void app_usage_cmd(enum app_cmd cmd, FILE *out);

/* ---- pure checks of the command line (apps/args.c) ---- */

/* The subcommand a word names ("serve" is CMD_SERVE), or CMD_NONE. */
enum app_cmd app_cmd_lookup(const char *word);
const char *app_cmd_name(enum app_cmd cmd);
/* When argv[1] is an option and a subcommand comes later ("ustack --trace serve ..."),
 * the subcommand, with the command line as it should be written in hint ("ustack serve
 * --trace ..."); else CMD_NONE. */
int app_misplaced_options(int argc, char **argv, char *hint, size_t size);
/* A --route value (PREFIX/N,via=GW[,dev=NAME]) or, gw set, a --gw value (GW[,dev=NAME],
 * an IPv6 one as the route ::/0 with from_gw set), IPv4 or IPv6 by the addresses' form,
 * into r. A link-local IPv6 gateway needs dev=. 0, or -EINVAL with the user's message in
 * err. */
int app_route_parse(int gw, const char *s, struct app_route *r, char *err, size_t errlen);
/* The index of the first device whose name an earlier one has already, or -1. */
int app_dev_dup(const struct dev_opts *devs, int n);
/* Prints "ustack: <message>" as the one line a user error gets. */
void app_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- stopping ---- */
extern atomic_int app_stop_requested;
static inline int app_stopping(void) { return atomic_load(&app_stop_requested); }

/* ---- the resolver's servers from --dns, DHCP and RAs (apps/dnssrc.c) ---- */

/* Registers the RA hook with nd/ (RFC 8106 servers and domains reach the resolver). */
void app_dns_sources_init(void);
/* A lease's name servers (network order) and domain name ("" or NULL: none). */
void app_dns_dhcp(const uint32_t *servers, int n, const char *domain);

/* ---- the DHCP client for addr=dhcp devices (apps/dhcpc.c) ---- */

struct ustack;
/* Starts a client on every --dev with addr=dhcp (one thread for all). 0 or -errno. */
int dhcpc_start(struct ustack *st);
/* Waits until every such device has a lease. 0, -ETIMEDOUT (said why) or -EINTR. */
int dhcpc_wait(unsigned timeout_s);
/* Stops the thread, then gives every lease back (DHCPRELEASE) and takes it away. */
void dhcpc_stop(void);
/* --dhcp NAME=VALUE,...: the ARP probe's timing and the wait after a DECLINE. 0, -ENOENT
 * (no such name) or -EINVAL/-ERANGE, with the offending item in bad. */
int dhcpc_config_parse(const char *spec, char *bad, size_t badlen);
/* The settings with their current values (--dhcp help). */
void dhcpc_config_list(FILE *out);

/* ---- socket helpers (apps/appio.c) ---- */

/* Waits until fd has one of `events` (US_POLL*), timeout_ms passes (-1: forever) or a stop
 * is requested. Returns the revents (>0), 0 on timeout, -EINTR when stopping, or -errno. */
int app_wait(int fd, short events, int timeout_ms);
/* An address of either family as the socket calls take it (len: its sockaddr's). */
struct app_sockaddr {
	socklen_t len;
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	};
};
/* Connects fd (made non-blocking) within timeout_ms. 0 or -errno (-ETIMEDOUT, -EINTR). */
int app_connect(int fd, const struct app_sockaddr *dst, int timeout_ms);
/* Sends all len bytes on a stream socket, waiting as needed. 0 or -errno. */
int app_send_all(int fd, const void *buf, size_t len);
/* Applies --rcvbuf/--sndbuf/--cc to a socket. */
void app_apply_bufs(int fd);
/* Writes all of buf to a kernel fd (stdout). 0 or -errno. */
int app_write_all(int kfd, const void *buf, size_t len);
/* A host (a dotted quad, an IPv6 literal, or a name looked up with us_getaddrinfo: the
 * hosts file, then the --dns servers or resolv.conf's with its search list, for at most
 * 5 s, or what resolv.conf's options say; its IPv4 address, else its IPv6 one) with port
 * into an address for a socket of its family (out->sa.sa_family). family AF_INET6 asks
 * for an IPv6 address only (-6), AF_INET for IPv4 only; 0 for either. An IPv6 address may
 * carry a zone naming one of the stack's devices (fe80::1%ustap0, RFC 4007), which sets
 * sin6_scope_id. 0, or the lookup's error after printing one line. */
int app_resolve(const char *s, uint16_t port, int family, struct app_sockaddr *out);
/* app_resolve with every address of the family chosen (at most max; a name's IPv4
 * addresses, or its IPv6 ones when it has no IPv4 address or family is AF_INET6), in the
 * name server's order. The count (>0), or the lookup's error after printing one line. */
int app_resolve_list(const char *s, uint16_t port, int family, struct app_sockaddr *out,
		     int max);
#define APP_RESOLVE_MAX 8         /* addresses of a name get and nc try */
#define APP_CONNECT_NEXT_MS 2000  /* a connect that may fall back to the next address
				   * waits at most this long */
/* Connects a new TCP socket (--rcvbuf, --sndbuf, --cc applied) to each of dsts in turn
 * until one answers: each but the last for at most APP_CONNECT_NEXT_MS, the last for
 * timeout_ms. 0 with the socket in *fdp, else the last error; *used the index of the
 * address that answered (or failed last). */
int app_connect_list(const struct app_sockaddr *dsts, int n, int timeout_ms, int *fdp,
		     int *used);
/* The address of sa (AF_INET or AF_INET6; an IPv4-mapped one as its dotted quad) as
 * text; returns buf. */
const char *app_addr_ntop(const struct sockaddr *sa, char *buf, size_t size);
/* "10.0.0.1:80", "[2001:db8::1]:80". */
const char *app_endpoint_ntop(const struct sockaddr *sa, char *buf, size_t size);
uint16_t app_addr_port(const struct sockaddr *sa);
#define APP_ADDR_STRLEN 64
int app_parse_port(const char *s, uint16_t *out);
/* Milliseconds and microseconds on the monotonic clock. */
uint64_t app_now_us(void);
/* The first non-loopback address the stack has (for messages), network order. */
uint32_t app_primary_addr(void);
/* Every address of every device but loopback, in device order, at most max of them; a
 * device without an address gives one entry with addr 0. Returns how many. */
struct app_addr {
	char dev[16];             /* the device's name */
	uint32_t addr;            /* network order */
};
int app_addrs(struct app_addr *out, int max);

/* ---- setting up a stack (apps/main.c) ---- */

struct ustack_config;
/* The stack's configuration from the command line. */
void app_stack_config(struct ustack_config *cfg);
/* Opens every --dev on st, with its wrappers (--trace, --impair, --pcap); queue > 0: as
 * that queue of a multi-queue TAP (queues=N), with the MAC mac. 0, or -errno (printed). */
int app_devices_open(struct ustack *st, unsigned queue, const uint8_t *mac);
/* Adds --gw and --route. 0, or -errno (printed). */
int app_routes_add(struct ustack *st);

/* ---- subcommands ---- */
int serve_main(void);
int ping_main(void);
int nc_main(void);
int get_main(void);
/* `ustack run` (apps/run.c): runs app_cfg.args as a program on this process's stack (st
 * running) and returns its exit status; run_attach execs it on a running stack
 * (--attach) and returns only on failure. */
int run_main(struct ustack *st);
int run_attach(void);
/* serve --api NAME: the preload API socket (apps/run.c); 0, or -errno (printed). */
int app_api_start(struct ustack *st);
void app_api_stop(void);
/* `ustack ctl NAME REQUEST...` (apps/ctl.c), argv from NAME on; returns the exit code. */
int ctl_main(int argc, char **argv);
/* `ustack plot`: a time-sequence graph of a --tcp-log CSV or a capture (apps/plot.c). */
int plot_main(int argc, char **argv);

/* The control socket of serve and nc -l (apps/ctl.c): started once the stack runs, stopped
 * (the socket removed) before it is taken down. -EADDRINUSE (printed) when --name is taken
 * by a running stack; other failures print a line and return 0 (the stack works without). */
struct ustack;
int app_ctl_start(struct ustack *st);
void app_ctl_stop(void);

#endif
